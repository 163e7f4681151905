use seaworthy_dockerfile::context::{clean_relative, has_wildcard};
use seaworthy_dockerfile::{BuildContext, Expanded, Span};

use super::secret_files::secret_kind;
use super::{copy_source_spans, DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A `COPY` or `ADD` source that covers a credentials file present in the build context and
/// not excluded by `.dockerignore`: `COPY . .` with an `.env` beside the Dockerfile,
/// `COPY config/ /app/` with `config/credentials.json`. The files are named. A source whose
/// own name marks a secret (`COPY .env /app/`) is left to `secret-file-copied` (SW1301);
/// test fixtures (`tests/`, `testdata/`, `fixtures/`) and examples are not reported.
pub struct ContextSecretCopied;

static META: RuleMeta = RuleMeta {
    id: "SW1320",
    name: "context-secret-copied",
    severity: Severity::Error,
    category: Category::Secrets,
    practice: 4,
    aliases: &[],
    summary: "COPY or ADD takes a credentials file that is in the build context (an .env, a \
              private key, .npmrc) into a layer, because .dockerignore does not exclude it.",
    why: "`COPY . .` copies whatever is in the directory, not what is in git: an `.env` or a \
          key listed in `.gitignore` is still sent to the builder and written into a layer, \
          where anyone who can pull the image (or its build cache) reads it with \
          `docker save`. Deleting it in a later RUN only hides it. List such files in \
          `.dockerignore` (or copy only what the build needs), and if the build needs a \
          credential, pass it with `RUN --mount=type=secret,id=...`, which stores it nowhere. \
          Every stage is checked, build stages included, since their layers are cached and \
          exported too. seaworthy takes the Dockerfile's directory as the build context; when \
          a COPY source is not found there, the Dockerfile is built with another context and \
          the build-context rules stay silent.",
    bad: "# beside it: .env, no .dockerignore\nFROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n",
    good: "# .dockerignore: .env\nFROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n",
};

impl DockerfileRule for ContextSecretCopied {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let Some(bc) = usable_context(cx) else { return };
        for src in context_sources(cx) {
            // `COPY .env /app/` names the secret: secret-file-copied reports it.
            let path = clean_relative(&src.source);
            if !has_wildcard(&path) && secret_kind(&path).is_some() {
                continue;
            }
            let secrets: Vec<(&str, &str)> = bc
                .copied_by(&src.source, src.exclude)
                .into_iter()
                .filter(|path| !is_fixture(path))
                .filter_map(|path| Some((path, secret_kind(path)?)))
                .collect();
            if secrets.is_empty() {
                continue;
            }
            let named = name_list(secrets.iter().map(|(p, what)| format!("`{p}` ({what})")));
            let it = if secrets.len() == 1 { "it" } else { "them" };
            let ignore = match &bc.ignore {
                Some(i) => format!("`{}`", i.name),
                None => "a `.dockerignore` (there is none)".to_owned(),
            };
            out.push(Finding::new(
                &META,
                src.span,
                format!(
                    "{} `{}` copies {named} from the build context into the image; exclude \
                     {it} in {ignore} and, if the build needs {it}, use \
                     `RUN --mount=type=secret`",
                    src.keyword, src.source,
                ),
            ));
        }
    }
}

/// One COPY or ADD source read from the build context (not `--from`, not a URL, not a heredoc).
pub(super) struct ContextSource<'a> {
    /// `COPY` or `ADD`, as the message should say it.
    pub keyword: String,
    /// The source after variable expansion.
    pub source: String,
    /// The source word in the Dockerfile.
    pub span: Span,
    /// The instruction's `--exclude` patterns.
    pub exclude: &'a [String],
}

/// Every source that reads the build context, in file order.
pub(super) fn context_sources<'a>(cx: &DockerfileContext<'a>) -> Vec<ContextSource<'a>> {
    let mut out = Vec::new();
    for stage in &cx.model.stages {
        for step in &stage.steps {
            let (Expanded::Copy(copy) | Expanded::Add(copy)) = &step.expanded else {
                continue;
            };
            if copy.from.is_some() {
                continue;
            }
            let ins = step.instruction;
            let keyword = cx.file.slice(ins.keyword).to_ascii_uppercase();
            for (source, span) in copy.sources.iter().zip(copy_source_spans(ins)) {
                if source.contains("://") || source.starts_with("git@") {
                    continue;
                }
                out.push(ContextSource {
                    keyword: keyword.clone(),
                    source: source.clone(),
                    span,
                    exclude: &copy.exclude,
                });
            }
        }
    }
    out
}

/// The build context, when there is one and the Dockerfile plausibly builds with it: a
/// source path (not a pattern) that is not in the directory means the Dockerfile is built
/// with another context (`docker build -f sub/Dockerfile .`), and then nothing said about
/// this directory would be true.
pub(super) fn usable_context<'a>(cx: &DockerfileContext<'a>) -> Option<&'a BuildContext> {
    let bc = cx.build_context?;
    if bc.truncated {
        return Some(bc);
    }
    let elsewhere = context_sources(cx).iter().any(|src| {
        let path = clean_relative(&src.source);
        !has_wildcard(&path) && !bc.may_exist(&path)
    });
    (!elsewhere).then_some(bc)
}

/// Whether a source copies the whole context: `.`, `./`, `/`, or `*`.
pub(super) fn is_whole_context(source: &str) -> bool {
    matches!(clean_relative(source).as_str(), "." | "*")
}

/// `a`, `a and b`, `a, b, c and 4 more`.
pub(super) fn name_list(names: impl Iterator<Item = String>) -> String {
    let names: Vec<String> = names.collect();
    const SHOWN: usize = 5;
    match names.len() {
        0 => String::new(),
        1 => names[0].clone(),
        n if n <= SHOWN => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
        n => format!("{} and {} more", names[..SHOWN].join(", "), n - SHOWN),
    }
}

/// Paths under a test, fixture or example directory: keys there are made for tests.
fn is_fixture(path: &str) -> bool {
    path.split('/').rev().skip(1).any(|dir| {
        matches!(
            dir.to_ascii_lowercase().as_str(),
            "test"
                | "tests"
                | "testdata"
                | "__tests__"
                | "spec"
                | "fixtures"
                | "fixture"
                | "example"
                | "examples"
                | "vendor"
                | "third_party"
        )
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::testing::*;
    use crate::Settings;
    use seaworthy_dockerfile::context::IgnoreFile;

    /// A context holding `files`, with `.dockerignore` text when given.
    pub fn context(files: &[&str], dockerignore: Option<&str>) -> BuildContext {
        let mut all: Vec<&str> = files.to_vec();
        all.push("Dockerfile");
        let cx = BuildContext::from_paths(all);
        match dockerignore {
            Some(text) => cx.with_ignore(IgnoreFile::parse(".dockerignore", text)),
            None => cx,
        }
    }

    fn check_lines(files: &[&str], ignore: Option<&str>, src: &str, lines: &[usize]) {
        let bc = context(files, ignore);
        assert_fires_with(
            &ContextSecretCopied,
            &Settings::default(),
            Some(&bc),
            src,
            lines,
        );
    }

    #[test]
    fn documented_examples() {
        let bad = context(&[".env", "app.py"], None);
        let good = context(&[".env", "app.py"], Some(".env\n"));
        let s = Settings::default();
        assert!(!findings_with(&ContextSecretCopied, META.bad, &s, Some(&bad)).is_empty());
        assert!(findings_with(&ContextSecretCopied, META.good, &s, Some(&good)).is_empty());
        // Without a build context the rule is silent.
        assert_clean(&ContextSecretCopied, META.bad);
    }

    #[test]
    fn fires() {
        check_lines(
            &[".env", "app.py"],
            None,
            "FROM alpine\nCOPY . /app\n",
            &[2],
        );
        check_lines(
            &[".env.production", "src/main.go"],
            Some("*.md\n"),
            "FROM golang:1.23 AS build\nWORKDIR /src\nCOPY ./ ./\nFROM scratch\n",
            &[3],
        );
        // A directory source covering a credentials file.
        check_lines(
            &["config/credentials.json", "config/app.yaml"],
            Some(".git\n"),
            "FROM alpine\nCOPY config/ /etc/app/\n",
            &[2],
        );
        // ADD, JSON form, continuation lines, a key deep in the tree.
        check_lines(
            &["deploy/keys/id_ed25519", "main.py"],
            None,
            "FROM alpine\nADD [\".\", \\\n     \"/srv/\"]\n",
            &[2],
        );
        // An exception takes the file back in.
        check_lines(
            &["certs/server.key", "certs/ca.pem"],
            Some("certs\n!certs/server.key\n"),
            "FROM nginx:1.27\nCOPY certs /etc/nginx/certs\n",
            &[2],
        );
        // A gitignored file is still in the context; the message names it.
        let bc = context(&[".env", ".npmrc", "server.js"], None);
        let got = findings_with(
            &ContextSecretCopied,
            "FROM node:20\nCOPY . .\n",
            &Settings::default(),
            Some(&bc),
        );
        assert_eq!(got.len(), 1);
        assert!(
            got[0]
                .1
                .contains("`.env` (environment secrets) and `.npmrc`"),
            "{}",
            got[0].1
        );
    }

    #[test]
    fn passes() {
        let clean = |files: &[&str], ignore: Option<&str>, src: &str| {
            check_lines(files, ignore, src, &[]);
        };
        clean(&[".env"], Some(".env\n"), "FROM alpine\nCOPY . .\n");
        clean(&[".env"], Some("**/.env*\n"), "FROM alpine\nCOPY . .\n");
        clean(&[".env"], Some("*\n!src\n"), "FROM alpine\nCOPY . .\n");
        clean(
            &[".env.example", "ca.pem", "id_rsa.pub"],
            None,
            "FROM alpine\nCOPY . .\n",
        );
        // Only what the source covers is copied.
        clean(
            &[".env", "src/app.py"],
            None,
            "FROM alpine\nCOPY src/ /app/\n",
        );
        // Test fixtures and vendored packages.
        clean(
            &["tests/fixtures/server.key", "app.py"],
            None,
            "FROM alpine\nCOPY . .\n",
        );
        // COPY --exclude and COPY --from.
        clean(&[".env"], None, "FROM alpine\nCOPY --exclude=.env . .\n");
        clean(
            &[".env"],
            None,
            "FROM alpine AS b\nFROM alpine\nCOPY --from=b . .\n",
        );
        // A source naming the secret itself is secret-file-copied's.
        clean(&[".env"], None, "FROM alpine\nCOPY .env /app/\n");
        // Heredocs are not the context.
        clean(
            &[".env"],
            None,
            "FROM alpine\nCOPY <<EOF /app/.env\nA=1\nEOF\n",
        );
        // A source missing from the directory: built with another context.
        clean(
            &[".env"],
            None,
            "FROM alpine\nCOPY package.json .\nCOPY . .\n",
        );
    }

    #[test]
    fn names_secrets() {
        for (path, secret) in [
            (".env", true),
            ("sub/.env.local", true),
            ("prod.env", true),
            (".env.sample", false),
            ("home/.aws/credentials", true),
            (".docker/config.json", true),
            ("config.json", false),
            ("infra/terraform.tfstate", true),
            ("keystore.p12", true),
            ("truststore.jks", false),
            ("fullchain.pem", false),
            ("privkey.pem", true),
            (".ssh/id_rsa", true),
            (".ssh/known_hosts", false),
            ("README.md", false),
        ] {
            assert_eq!(secret_kind(path).is_some(), secret, "{path}");
        }
        assert!(is_fixture("a/testdata/k.pem"));
        assert!(!is_fixture("testdata"));
        assert_eq!(
            name_list((1..=7).map(|i| i.to_string())),
            "1, 2, 3, 4, 5 and 2 more"
        );
    }
}
