use super::context_secret_copied::{context_sources, is_whole_context, name_list, usable_context};
use super::dockerignore_missing::notable_entries;
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `COPY . .` with a `.dockerignore` that leaves in `.git`, `node_modules`, a virtualenv or a
/// cache directory that is present in the context. Only what is actually there is named;
/// secret files are `context-secret-copied`'s (SW1320). Reported once per Dockerfile.
pub struct DockerignoreIncomplete;

static META: RuleMeta = RuleMeta {
    id: "SW1461",
    name: "dockerignore-incomplete",
    severity: Severity::Warning,
    category: Category::Hygiene,
    practice: 13,
    aliases: &[],
    summary: "The whole build context is copied and .dockerignore does not exclude .git, \
              node_modules or another directory present that has no place in an image.",
    why: "`.git` in an image carries the whole history (with every secret ever committed) \
          and changes on every commit, so the `COPY . .` layer and everything after it is \
          rebuilt each time. A host `node_modules` overwrites the dependencies the image \
          installed for its own platform; virtualenvs and caches only add weight. Patterns \
          in `.dockerignore` are anchored at the context root: `node_modules` does not match \
          `web/node_modules`, `**/node_modules` does.",
    bad: "# .dockerignore: *.log (and .git, node_modules beside it)\nFROM node:20.18.0-slim\n\
          WORKDIR /app\nCOPY . .\n",
    good: "# .dockerignore: *.log .git node_modules\nFROM node:20.18.0-slim\nWORKDIR /app\n\
           COPY . .\n",
};

impl DockerfileRule for DockerignoreIncomplete {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let Some(bc) = usable_context(cx) else { return };
        let Some(ignore) = &bc.ignore else { return };
        for src in context_sources(cx) {
            if !is_whole_context(&src.source) {
                continue;
            }
            let found = notable_entries(bc, &src);
            if found.is_empty() {
                continue;
            }
            let nested = found.iter().any(|(p, _)| p.contains('/'));
            let hint = if nested {
                " (patterns are anchored at the context root: write `**/name` for any depth)"
            } else {
                ""
            };
            out.push(Finding::new(
                &META,
                src.span,
                format!(
                    "{} `{}` copies {} into the image: `{}` does not exclude {}{hint}",
                    src.keyword,
                    src.source,
                    name_list(found.iter().map(|(p, what)| format!("`{p}` ({what})"))),
                    ignore.name,
                    if found.len() == 1 { "it" } else { "them" },
                ),
            ));
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::context_secret_copied::tests::context;
    use super::*;
    use crate::testing::*;
    use crate::Settings;

    fn check_lines(files: &[&str], ignore: Option<&str>, src: &str, lines: &[usize]) {
        let bc = context(files, ignore);
        assert_fires_with(
            &DockerignoreIncomplete,
            &Settings::default(),
            Some(&bc),
            src,
            lines,
        );
    }

    #[test]
    fn documented_examples() {
        let files = [".git/HEAD", "node_modules/x/i.js", "server.js"];
        let s = Settings::default();
        let bad = context(&files, Some("*.log\n"));
        let good = context(&files, Some("*.log\n.git\nnode_modules\n"));
        assert!(!findings_with(&DockerignoreIncomplete, META.bad, &s, Some(&bad)).is_empty());
        assert!(findings_with(&DockerignoreIncomplete, META.good, &s, Some(&good)).is_empty());
        assert_clean(&DockerignoreIncomplete, META.bad);
    }

    #[test]
    fn fires() {
        check_lines(
            &[".git/HEAD", "app.py"],
            Some("*.pyc\n"),
            "FROM python:3.12\nCOPY . /app\n",
            &[2],
        );
        check_lines(
            &["node_modules/a/i.js", "i.js"],
            Some(".git\n"),
            "FROM node:20 AS build\nCOPY . .\nFROM node:20\nCOPY . .\n",
            &[2],
        );
        // Anchored at the root: `node_modules` leaves `web/node_modules` in.
        let bc = context(
            &["web/node_modules/a/i.js", "web/i.js"],
            Some("node_modules\n"),
        );
        let got = findings_with(
            &DockerignoreIncomplete,
            "FROM node:20\nCOPY . .\n",
            &Settings::default(),
            Some(&bc),
        );
        assert_eq!(got.len(), 1);
        assert!(got[0].1.contains("`web/node_modules`"), "{}", got[0].1);
        assert!(got[0].1.contains("**/name"), "{}", got[0].1);
        // An exception takes `.git` back in.
        check_lines(
            &[".git/HEAD", "app.py"],
            Some(".git\n!.git\n"),
            "FROM alpine\nADD . /app\n",
            &[2],
        );
    }

    #[test]
    fn passes() {
        check_lines(
            &[
                ".git/HEAD",
                "node_modules/a/i.js",
                "web/node_modules/b/i.js",
            ],
            Some(".git\n**/node_modules\n"),
            "FROM node:20\nCOPY . .\n",
            &[],
        );
        // Allow-listing.
        check_lines(
            &[".git/HEAD", "src/a.py"],
            Some("*\n!src\n"),
            "FROM alpine\nCOPY . .\n",
            &[],
        );
        // Not a whole-context copy.
        check_lines(
            &[".git/HEAD", "src/a.py"],
            Some("*.md\n"),
            "FROM alpine\nCOPY src/ /app/\n",
            &[],
        );
        // `COPY --exclude`.
        check_lines(
            &[".git/HEAD", "src/a.py"],
            Some("*.md\n"),
            "FROM alpine\nCOPY --exclude=.git . /app/\n",
            &[],
        );
        // No ignore file: dockerignore-missing's.
        check_lines(&[".git/HEAD"], None, "FROM alpine\nCOPY . .\n", &[]);
        // A `venv` without `pyvenv.cfg` is just a directory.
        check_lines(
            &["venv/notes.txt"],
            Some("*.md\n"),
            "FROM alpine\nCOPY . .\n",
            &[],
        );
    }
}
