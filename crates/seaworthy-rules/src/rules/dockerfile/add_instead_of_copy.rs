use seaworthy_dockerfile::{Expanded, Span};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `ADD` of local files or directories, which `COPY` does without surprises. `ADD` is left
/// alone where it does something `COPY` cannot: a URL, a git repository, a local tar archive
/// (by its name: `.tar`, `.tar.gz`, `.tgz`, `.tar.bz2`, `.tar.xz`, `.tar.zst`, ...), which it
/// extracts, and heredoc sources. Sources are judged after variable expansion, so
/// `ADD ${URL} /x` with `ARG URL=https://...` is a URL; a source that expands to nothing is
/// unknown and not reported.
pub struct AddInsteadOfCopy;

static META: RuleMeta = RuleMeta {
    id: "SW1502",
    name: "add-instead-of-copy",
    severity: Severity::Error,
    category: Category::Correctness,
    practice: 12,
    aliases: &[
        "DL3020",
        "DS-0005",
        "DS005",
        "AVD-DS-0005",
        "CKV_DOCKER_4",
        "CIS-DI-0009",
    ],
    summary: "ADD copies local files; use COPY.",
    why: "ADD does more than copy: it extracts any local tar archive it is given (by content, \
          not by name) and fetches URLs. For plain files it behaves like COPY until someone \
          adds a `.tar.gz` to the directory, and then the image gets the archive's contents \
          instead. COPY says what it does and nothing else; keep ADD for the archives and \
          URLs you mean it for.",
    bad: "FROM python:3.12-slim\nADD requirements.txt /app/\nADD src /app/src\n",
    good: "FROM python:3.12-slim\nCOPY requirements.txt /app/\nCOPY src /app/src\n",
};

impl DockerfileRule for AddInsteadOfCopy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                let Expanded::Add(add) = &step.expanded else {
                    continue;
                };
                let ins = step.instruction;
                let spans = super::copy_source_spans(ins);
                let local: Vec<(&str, Option<Span>)> = add
                    .sources
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (s.as_str(), spans.get(i).copied()))
                    .filter(|(s, _)| !s.is_empty() && !is_remote(s) && !is_tar_archive(s))
                    .collect();
                if local.is_empty() {
                    continue;
                }
                let listed = local
                    .iter()
                    .map(|(s, _)| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut finding = Finding::new(
                    &META,
                    ins.keyword,
                    format!(
                        "ADD copies the local {what} {listed}: use COPY, which never extracts \
                         archives or fetches URLs",
                        what = if local.len() == 1 { "path" } else { "paths" }
                    ),
                );
                for span in local.iter().filter_map(|(_, span)| *span) {
                    finding = finding.with_related(span, "a local source");
                }
                out.push(finding);
            }
        }
    }
}


/// A URL or a git repository, as BuildKit tells them from local paths.
fn is_remote(source: &str) -> bool {
    let lower = source.to_ascii_lowercase();
    ["http://", "https://", "git://", "git@", "ssh://"]
        .iter()
        .any(|p| lower.starts_with(p))
        || lower.contains(".git#")
        || lower.ends_with(".git")
}

/// A tar archive (possibly compressed) by its name: ADD extracts it.
fn is_tar_archive(source: &str) -> bool {
    let lower = source.to_ascii_lowercase();
    [
        ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst",
        ".tzst",
    ]
    .iter()
    .any(|ext| lower.ends_with(ext))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&AddInsteadOfCopy);
    }

    #[test]
    fn fires() {
        assert_fires(&AddInsteadOfCopy, "FROM alpine\nADD app.py /app/\n", &[2]);
        assert_fires(&AddInsteadOfCopy, "FROM alpine\nADD . /app\n", &[2]);
        assert_fires(
            &AddInsteadOfCopy,
            "FROM alpine\nADD [\"a b.txt\", \"/app/\"]\n",
            &[2],
        );
        assert_fires(
            &AddInsteadOfCopy,
            "FROM alpine\nARG SRC=conf\nADD ${SRC} /etc/app/\n",
            &[3],
        );
        // Build stages too: the surprise happens wherever ADD runs.
        assert_fires(
            &AddInsteadOfCopy,
            "FROM alpine AS build\nADD src /src\nFROM alpine\nCOPY --from=build /src /src\n",
            &[2],
        );
        // One archive does not excuse the other sources.
        assert_fires(
            &AddInsteadOfCopy,
            "FROM alpine\nADD rootfs.tar.gz conf /\n",
            &[2],
        );
    }

    #[test]
    fn passes() {
        assert_clean(&AddInsteadOfCopy, "FROM alpine\nCOPY app.py /app/\n");
        assert_clean(&AddInsteadOfCopy, "FROM scratch\nADD rootfs.tar.xz /\n");
        assert_clean(
            &AddInsteadOfCopy,
            "FROM alpine\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/a.tgz /opt/\n",
        );
        // A URL hidden in a variable (hadolint #769).
        assert_clean(
            &AddInsteadOfCopy,
            "FROM alpine\nARG URL=https://example.com/tool\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d ${URL} /usr/local/bin/tool\n",
        );
        assert_clean(
            &AddInsteadOfCopy,
            "FROM alpine\nADD https://github.com/moby/buildkit.git#v0.16.0 /src\n",
        );
        // A heredoc source.
        assert_clean(
            &AddInsteadOfCopy,
            "FROM alpine\nADD <<EOF /etc/motd\nhello\nEOF\n",
        );
    }
}
