use seaworthy_dockerfile::Expanded;

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `ADD https://...` without `--checksum`, in any stage, after variable expansion. Git
/// sources (`ADD https://host/repo.git#ref`) are pinned by their ref instead and are left
/// alone.
pub struct AddUrlWithoutChecksum;

static META: RuleMeta = RuleMeta {
    id: "SW1503",
    name: "add-url-without-checksum",
    severity: Severity::Warning,
    category: Category::Correctness,
    practice: 12,
    aliases: &[],
    summary: "ADD downloads a URL without --checksum, so the file is never verified.",
    why: "Whatever the server returns on the day of the build goes into the image: a \
          compromised download host, a moved `latest` release or a truncated response all \
          build without a word, and two builds of the same commit can differ. \
          `ADD --checksum=sha256:...` makes BuildKit verify the download and fail the build \
          when it changes. Build stages count: what they download ends up in what they build.",
    bad: "FROM alpine:3.20\nADD https://github.com/krallin/tini/releases/download/v0.19.0/tini-static /tini\n",
    good: "FROM alpine:3.20\n\
           ADD --checksum=sha256:c5b0666b4cb676901f90dfcb37106783c5fe2077b04590973b885950611b30ee \
           https://github.com/krallin/tini/releases/download/v0.19.0/tini-static /tini\n",
};

impl DockerfileRule for AddUrlWithoutChecksum {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                let Expanded::Add(add) = &step.expanded else {
                    continue;
                };
                if add.checksum.is_some() {
                    continue;
                }
                let ins = step.instruction;
                let spans = super::copy_source_spans(ins);
                for (i, source) in add.sources.iter().enumerate() {
                    if !is_download(source) {
                        continue;
                    }
                    let span = spans.get(i).copied().unwrap_or(ins.keyword);
                    out.push(Finding::new(
                        &META,
                        span,
                        format!(
                            "ADD downloads `{source}` without --checksum, so a changed or \
                             tampered file goes into the image unnoticed"
                        ),
                    ));
                }
            }
        }
    }
}

/// An HTTP(S) download, not a git repository.
fn is_download(source: &str) -> bool {
    let lower = source.to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://"))
        && !lower.contains(".git#")
        && !lower.ends_with(".git")
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&AddUrlWithoutChecksum);
    }

    #[test]
    fn fires() {
        let rule = &AddUrlWithoutChecksum;
        assert_fires(
            rule,
            "FROM alpine\nADD https://example.com/a.tgz /opt/\n",
            &[2],
        );
        assert_fires(
            rule,
            "FROM alpine\nADD http://example.com/tool /usr/bin/tool\n",
            &[2],
        );
        // A URL from a variable.
        assert_fires(
            rule,
            "FROM alpine\nARG V=1.2.3\nADD https://example.com/tool-${V} /usr/bin/tool\n",
            &[3],
        );
        // Build stages too.
        assert_fires(
            rule,
            "FROM alpine AS dl\nADD https://example.com/a /a\nFROM alpine\nCOPY --from=dl /a /a\n",
            &[2],
        );
        // Each URL of the instruction, on its own line.
        assert_fires(
            rule,
            "FROM alpine\nADD https://example.com/a \\\n    https://example.com/b /opt/\n",
            &[2, 3],
        );
    }

    #[test]
    fn passes() {
        let rule = &AddUrlWithoutChecksum;
        assert_clean(
            rule,
            "FROM alpine\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/a /a\n",
        );
        assert_clean(rule, "FROM alpine\nADD rootfs.tar.gz /\n");
        assert_clean(rule, "FROM alpine\nCOPY a /a\n");
        assert_clean(
            rule,
            "FROM alpine\nADD https://github.com/moby/buildkit.git#v0.16.0 /src\n",
        );
    }
}
