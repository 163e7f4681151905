use seaworthy_dockerfile::Keyword;

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A `MAINTAINER` instruction, in any stage.
pub struct MaintainerDeprecated;

static META: RuleMeta = RuleMeta {
    id: "SW1501",
    name: "maintainer-deprecated",
    severity: Severity::Error,
    category: Category::Correctness,
    practice: 0,
    aliases: &[
        "DL4000",
        "MaintainerDeprecated",
        "DS-0022",
        "DS022",
        "AVD-DS-0022",
        "CKV_DOCKER_6",
    ],
    summary: "MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors.",
    why: "MAINTAINER has been deprecated since Docker 1.13 and only sets the image's legacy \
          `Author` field, which registries, scanners and `docker inspect` users no longer look \
          at. The OCI label `org.opencontainers.image.authors` is where tools expect it.",
    bad: "FROM alpine:3.20\nMAINTAINER Jane Doe <jane@example.com>\n",
    good:
        "FROM alpine:3.20\nLABEL org.opencontainers.image.authors=\"Jane Doe <jane@example.com>\"\n",
};

impl DockerfileRule for MaintainerDeprecated {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                let ins = step.instruction;
                if ins.kind == Keyword::Maintainer {
                    out.push(Finding::new(
                        &META,
                        ins.keyword,
                        "MAINTAINER is deprecated: use LABEL org.opencontainers.image.authors",
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&MaintainerDeprecated);
    }

    #[test]
    fn fires() {
        assert_fires(&MaintainerDeprecated, "FROM alpine\nMAINTAINER me\n", &[2]);
        assert_fires(&MaintainerDeprecated, "FROM alpine\nmaintainer me\n", &[2]);
        // Build stages too.
        assert_fires(
            &MaintainerDeprecated,
            "FROM alpine AS b\nMAINTAINER a\nFROM alpine\nMAINTAINER b\n",
            &[2, 4],
        );
    }

    #[test]
    fn passes() {
        assert_clean(&MaintainerDeprecated, "FROM alpine\nLABEL maintainer=me\n");
        assert_clean(
            &MaintainerDeprecated,
            "FROM alpine\nLABEL org.opencontainers.image.authors=me\n",
        );
        // Only the instruction, not the word.
        assert_clean(
            &MaintainerDeprecated,
            "FROM alpine\n# MAINTAINER me\nRUN echo MAINTAINER\n",
        );
    }
}
