use seaworthy_dockerfile::context::{clean_relative, has_wildcard};

use super::context_secret_copied::{context_sources, usable_context};
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A `COPY` or `ADD` source that `.dockerignore` excludes entirely: every file it covers is
/// left out of the context, so the builder never receives it. The whole-context `.` is
/// reported only when the ignore file leaves nothing at all. Unlike BuildKit's check, which
/// gives up on ignore files with `!` exceptions, the exceptions are applied, and a directory
/// only partly excluded is not reported.
pub struct CopyIgnoredFile;

static META: RuleMeta = RuleMeta {
    id: "SW1560",
    name: "copy-ignored-file",
    severity: Severity::Warning,
    category: Category::Correctness,
    practice: 0,
    aliases: &["CopyIgnoredFile"],
    summary: "COPY or ADD names a file that .dockerignore excludes from the build context.",
    why: "Files excluded by `.dockerignore` are never sent to the builder, so a COPY of one \
          fails with \"not found\" (or, for a wildcard, silently copies nothing), though the \
          file is right there in the directory. Either the pattern is too broad or the COPY \
          is stale: narrow the pattern, add a `!path` exception after it, or drop the COPY. \
          Differs from BuildKit's CopyIgnoredFile: exceptions (`!`) are applied rather than \
          disabling the check.",
    bad: "# .dockerignore: *.json\nFROM node:20.18.0-slim\nCOPY package.json ./\n",
    good: "# .dockerignore: *.json !package.json\nFROM node:20.18.0-slim\nCOPY package.json ./\n",
};

impl DockerfileRule for CopyIgnoredFile {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let Some(bc) = usable_context(cx) else { return };
        let Some(ignore) = &bc.ignore else { return };
        for src in context_sources(cx) {
            let path = clean_relative(&src.source);
            let covered = bc.covered_by(&path);
            let excluded = if covered.is_empty() {
                // Under a directory not walked (`target` excluded whole): the pattern decides.
                !has_wildcard(&path) && bc.may_exist(&path) && bc.is_excluded(&path)
            } else if bc.truncated {
                // Part of the listing is missing: only the patterns can be trusted, as
                // BuildKit's own check does.
                !ignore.has_exceptions() && bc.is_excluded(&path)
            } else {
                bc.sent_by(&path).is_empty()
            };
            if !excluded {
                continue;
            }
            let by = match ignore.deciding_pattern(&path) {
                Some(p) if !p.exception => format!(" (line {}: `{}`)", p.line, p.pattern),
                _ => String::new(),
            };
            let consequence = if has_wildcard(&path) {
                "it copies nothing"
            } else {
                "the build fails with \"not found\""
            };
            let what = if path == "." {
                "everything in the context".to_owned()
            } else if covered.len() == 1 && covered[0] == path {
                format!("`{path}`")
            } else {
                format!("everything `{}` covers", src.source)
            };
            out.push(Finding::new(
                &META,
                src.span,
                format!(
                    "{} `{}`: `{}` excludes {what}{by}, so the builder never receives it and \
                     {consequence}",
                    src.keyword, src.source, ignore.name
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::context_secret_copied::tests::context;
    use super::*;
    use crate::testing::*;
    use crate::Settings;

    fn check_lines(files: &[&str], ignore: &str, src: &str, lines: &[usize]) {
        let bc = context(files, Some(ignore));
        assert_fires_with(
            &CopyIgnoredFile,
            &Settings::default(),
            Some(&bc),
            src,
            lines,
        );
    }

    #[test]
    fn documented_examples() {
        let s = Settings::default();
        let files = ["package.json", "tsconfig.json"];
        let bad = context(&files, Some("*.json\n"));
        let good = context(&files, Some("*.json\n!package.json\n"));
        assert!(!findings_with(&CopyIgnoredFile, META.bad, &s, Some(&bad)).is_empty());
        assert!(findings_with(&CopyIgnoredFile, META.good, &s, Some(&good)).is_empty());
        assert_clean(&CopyIgnoredFile, META.bad);
    }

    #[test]
    fn fires() {
        check_lines(
            &["app.env"],
            "*.env\n",
            "FROM alpine\nCOPY app.env /etc/\n",
            &[2],
        );
        // A directory excluded as a whole; its files too.
        check_lines(
            &["dist/a.js", "dist/b.js"],
            "dist\n",
            "FROM nginx:1.27\nCOPY dist /usr/share/nginx/html\nCOPY dist/a.js /x\n",
            &[2, 3],
        );
        // A wildcard whose every match is excluded.
        check_lines(
            &["a.md", "b.md"],
            "*.md\n",
            "FROM alpine\nCOPY *.md /docs/\n",
            &[2],
        );
        // Several sources: only the excluded one; JSON form and continuation.
        check_lines(
            &["a.txt", "secret.txt"],
            "secret.txt\n",
            "FROM alpine\nCOPY [\"a.txt\", \\\n  \"secret.txt\", \"/x/\"]\n",
            &[3],
        );
        // Under a directory the CLI did not walk because it is excluded whole.
        let mut bc = context(&["src/main.rs"], Some("target\n"));
        bc.unlisted_dirs = vec!["target".to_owned()].into();
        assert_fires_with(
            &CopyIgnoredFile,
            &Settings::default(),
            Some(&bc),
            "FROM rust:1.82 AS build\nCOPY src src\nFROM debian:12\nCOPY target/release/app /usr/bin/\n",
            &[4],
        );
        // A truncated listing: the pattern decides.
        let mut bc = context(&["dist/a.js"], Some("dist\n"));
        bc.truncated = true;
        assert_fires_with(
            &CopyIgnoredFile,
            &Settings::default(),
            Some(&bc),
            "FROM alpine\nCOPY dist /x\nCOPY *.js /y/\n",
            &[2],
        );
        // Everything excluded: even `.` brings nothing.
        check_lines(&["a", "b"], "*\n", "FROM alpine\nCOPY . .\n", &[2]);
        // An exception before the exclusion does not help.
        check_lines(
            &["a.txt"],
            "!a.txt\n*.txt\n",
            "FROM alpine\nADD a.txt /\n",
            &[2],
        );
        let bc = context(&["cfg/app.yaml"], Some("# c\ncfg\n"));
        let got = findings_with(
            &CopyIgnoredFile,
            "FROM alpine\nCOPY cfg /etc/app\n",
            &Settings::default(),
            Some(&bc),
        );
        assert!(got[0].1.contains("(line 2: `cfg`)"), "{}", got[0].1);
    }

    #[test]
    fn passes() {
        // Allow-listing with exceptions.
        check_lines(
            &["src/a.py", "README.md"],
            "*\n!src\n",
            "FROM alpine\nCOPY src /app/src\nCOPY . /app\n",
            &[],
        );
        // A directory only partly excluded.
        check_lines(
            &["cfg/app.yaml", "cfg/secret.yaml"],
            "cfg/secret.yaml\n",
            "FROM alpine\nCOPY cfg /etc/app\n",
            &[],
        );
        check_lines(
            &["node_modules/x/i.js", "package.json"],
            "node_modules\n",
            "FROM node:20\nCOPY package.json .\nCOPY . .\n",
            &[],
        );
        // `--from` reads another stage, not the context.
        check_lines(
            &["dist/a.js"],
            "dist\n",
            "FROM alpine AS b\nRUN mkdir /dist\nFROM alpine\nCOPY --from=b /dist /dist\n",
            &[],
        );
        // URLs and heredocs.
        check_lines(
            &["a"],
            "*\n",
            "FROM alpine\nADD https://example.com/x.tgz /x\nCOPY <<EOF /y\nhi\nEOF\n",
            &[],
        );
        // A wildcard matching nothing in the context is not this rule's concern.
        check_lines(&["a.txt"], "*.md\n", "FROM alpine\nCOPY *.md /docs/\n", &[]);
    }
}
