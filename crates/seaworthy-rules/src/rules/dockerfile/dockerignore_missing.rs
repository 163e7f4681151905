use seaworthy_dockerfile::BuildContext;

use super::context_secret_copied::{
    context_sources, is_whole_context, name_list, usable_context, ContextSource,
};
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `COPY . .` (or `ADD .`, `COPY * ./`) with no `.dockerignore` (nor
/// `<Dockerfile>.dockerignore`) beside the Dockerfile. Reported once per Dockerfile, at the
/// first whole-context copy; the message names the directories present that have no place in
/// an image (`.git`, `node_modules`, virtualenvs, caches). Secrets in the context are
/// `context-secret-copied`'s (SW1320).
pub struct DockerignoreMissing;

static META: RuleMeta = RuleMeta {
    id: "SW1460",
    name: "dockerignore-missing",
    severity: Severity::Warning,
    category: Category::Hygiene,
    practice: 13,
    aliases: &[],
    summary: "The whole build context is copied and there is no .dockerignore.",
    why: "Without a `.dockerignore`, `COPY . .` copies everything in the directory: `.git` \
          (the whole history, and every secret ever committed), host-built `node_modules` \
          that overwrite the ones the image installed, virtualenvs and caches, local `.env` \
          files and the Dockerfile itself. The image grows, secrets leak, and since any \
          change to any of those files changes the layer, the cache of every later step is \
          lost on each build. A `.dockerignore` listing `.git`, `.env`, keys, dependency \
          directories and build output (or allow-listing with `*` and `!src`) fixes all \
          of it.",
    bad: "# no .dockerignore beside it\nFROM node:20.18.0-slim\nWORKDIR /app\nCOPY . .\n",
    good: "# .dockerignore: .git node_modules .env\nFROM node:20.18.0-slim\nWORKDIR /app\n\
           COPY . .\n",
};

impl DockerfileRule for DockerignoreMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let Some(bc) = usable_context(cx) else { return };
        if bc.ignore.is_some() {
            return;
        }
        let Some(src) = context_sources(cx)
            .into_iter()
            .find(|s| is_whole_context(&s.source))
        else {
            return;
        };
        let found = notable_entries(bc, &src);
        let tail = match found.len() {
            0 => "; add one".to_owned(),
            n => format!(
                ", {} included; add one that excludes {}",
                name_list(found.iter().map(|(p, what)| format!("`{p}` ({what})"))),
                if n == 1 { "it" } else { "them" }
            ),
        };
        out.push(Finding::new(
            &META,
            src.span,
            format!(
                "{} `{}` copies the whole build context and there is no `.dockerignore`, so \
                 everything in the directory goes into the image{tail}",
                src.keyword, src.source
            ),
        ));
    }
}

/// The directories a source copies that have no place in an image, with what they are:
/// `.git` and `node_modules` (recorded, not listed), virtualenvs (a `pyvenv.cfg` inside),
/// `__pycache__`, `.terraform`, `.tox`. Deduplicated, in listing order.
pub(super) fn notable_entries(
    bc: &BuildContext,
    src: &ContextSource<'_>,
) -> Vec<(String, &'static str)> {
    let copied = bc.copied_by(&src.source, src.exclude);
    let mut found: Vec<(String, &'static str)> = Vec::new();
    let mut add = |path: &str, what: &'static str| {
        if !found.iter().any(|(p, _)| p == path) {
            found.push((path.to_owned(), what));
        }
    };
    for entry in &copied {
        if bc.unlisted_dirs.iter().any(|d| d == entry) {
            match entry.rsplit('/').next() {
                Some(".git") => add(entry, "the git history"),
                Some("node_modules") => add(entry, "host-installed dependencies"),
                _ => {}
            }
            continue;
        }
        let parts: Vec<&str> = entry.split('/').collect();
        for (i, part) in parts.iter().enumerate().take(parts.len().saturating_sub(1)) {
            let dir = parts[..=i].join("/");
            let what = match *part {
                "__pycache__" => "Python bytecode",
                ".terraform" => "Terraform providers and state",
                ".tox" => "tox environments",
                ".venv" | "venv" if parts.get(i + 1) == Some(&"pyvenv.cfg") => {
                    "a Python virtualenv"
                }
                _ => continue,
            };
            add(&dir, what);
            break;
        }
    }
    found
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
            &DockerignoreMissing,
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
        let bad = context(&files, None);
        let good = context(&files, Some(".git\nnode_modules\n.env\n"));
        assert!(!findings_with(&DockerignoreMissing, META.bad, &s, Some(&bad)).is_empty());
        assert!(findings_with(&DockerignoreMissing, META.good, &s, Some(&good)).is_empty());
        assert_clean(&DockerignoreMissing, META.bad);
    }

    #[test]
    fn fires() {
        check_lines(&["app.py"], None, "FROM python:3.12\nCOPY . /app\n", &[2]);
        check_lines(&["app.py"], None, "FROM python:3.12\nADD ./ /app/\n", &[2]);
        check_lines(&["app.py"], None, "FROM python:3.12\nCOPY * /app/\n", &[2]);
        // Once per Dockerfile, at the first whole-context copy, whatever the stage.
        check_lines(
            &["go.mod", "main.go"],
            None,
            "FROM golang:1.23 AS build\nCOPY go.mod .\nCOPY . .\nFROM alpine\nCOPY . /src\n",
            &[3],
        );
        check_lines(
            &["main.go"],
            None,
            "FROM alpine\nCOPY --chown=1000:1000 \\\n  . \\\n  /app\n",
            &[3],
        );
        let bc = context(
            &[
                ".git/HEAD",
                "web/node_modules/a/index.js",
                ".venv/pyvenv.cfg",
                ".venv/lib/x.py",
                "pkg/__pycache__/m.pyc",
                "app.py",
            ],
            None,
        );
        let got = findings_with(
            &DockerignoreMissing,
            "FROM python:3.12\nCOPY . .\n",
            &Settings::default(),
            Some(&bc),
        );
        assert_eq!(got.len(), 1);
        let msg = &got[0].1;
        for name in [
            "`.git` (the git history)",
            "`web/node_modules`",
            "`.venv` (a Python virtualenv)",
            "`pkg/__pycache__`",
        ] {
            assert!(msg.contains(name), "{name} not in {msg}");
        }
    }

    #[test]
    fn passes() {
        check_lines(&["app.py"], Some(".git\n"), "FROM alpine\nCOPY . .\n", &[]);
        check_lines(&["app.py"], None, "FROM alpine\nCOPY app.py /app/\n", &[]);
        check_lines(&["src/app.py"], None, "FROM alpine\nCOPY src /app/\n", &[]);
        check_lines(
            &["app.py"],
            None,
            "FROM alpine AS b\nFROM alpine\nCOPY --from=b . .\n",
            &[],
        );
        // Built with another context: `package.json` is not beside the Dockerfile.
        check_lines(
            &["app.py"],
            None,
            "FROM node:20\nCOPY package.json .\nCOPY . .\n",
            &[],
        );
        // No build context known.
        assert_clean(&DockerignoreMissing, "FROM alpine\nCOPY . .\n");
    }
}
