use super::from_platform_constant::platform_flag;
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `FROM --platform=$TARGETPLATFORM`: the target platform is what a stage is built for
/// anyway. Reported as BuildKit does: `TARGETPLATFORM` is the only variable used and the flag
/// expands to exactly its value (`${TARGETPLATFORM}`, `$TARGETPLATFORM`,
/// `${TARGETPLATFORM:-linux/amd64}`).
pub struct FromPlatformRedundant;

static META: RuleMeta = RuleMeta {
    id: "SW1521",
    name: "from-platform-redundant",
    severity: Severity::Info,
    category: Category::Correctness,
    practice: 0,
    aliases: &["DL3065", "RedundantTargetPlatform"],
    summary: "`FROM --platform=$TARGETPLATFORM` repeats the default.",
    why: "Every stage is built for the target platform unless `--platform` says otherwise, so \
          `--platform=$TARGETPLATFORM` changes nothing. It suggests to readers that the stage \
          is special, and hides the stages where `--platform` matters (`$BUILDPLATFORM` for \
          cross-compiling build stages). Remove the flag.",
    bad: "FROM --platform=$TARGETPLATFORM alpine:3.20.3\nCOPY app /app\n",
    good: "FROM alpine:3.20.3\nCOPY app /app\n",
};

impl DockerfileRule for FromPlatformRedundant {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            let Some((span, raw, expansion)) = platform_flag(cx, stage) else {
                continue;
            };
            let only_target = expansion.unmatched.is_empty()
                && expansion.matched.len() == 1
                && expansion.matched.contains("TARGETPLATFORM");
            let target = cx.model.from_variables().get("TARGETPLATFORM");
            if only_target && target == Some(&expansion.value) {
                out.push(Finding::new(
                    &META,
                    span,
                    format!(
                        "`--platform={raw}` is the default: every stage is built for the target \
                         platform; remove it"
                    ),
                ));
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
        assert_documented_examples(&FromPlatformRedundant);
    }

    #[test]
    fn fires() {
        let rule = &FromPlatformRedundant;
        assert_fires(
            rule,
            "FROM --platform=$TARGETPLATFORM alpine:3.20.3\n",
            &[1],
        );
        assert_fires(
            rule,
            "FROM --platform=$BUILDPLATFORM golang:1.23.2 AS build\n\
             FROM --platform=${TARGETPLATFORM} alpine:3.20.3\nCOPY --from=build /a /a\n",
            &[2],
        );
        // Quoted, or with a default that is never used: still exactly the target platform.
        assert_fires(
            rule,
            "FROM --platform=\"${TARGETPLATFORM}\" alpine:3.20.3\n",
            &[1],
        );
        assert_fires(
            rule,
            "FROM --platform=${TARGETPLATFORM:-linux/arm64} alpine:3.20.3\n",
            &[1],
        );
    }

    #[test]
    fn passes() {
        let rule = &FromPlatformRedundant;
        assert_clean(rule, "FROM alpine:3.20.3\n");
        assert_clean(rule, "FROM --platform=$BUILDPLATFORM golang:1.23.2\n");
        // Not only TARGETPLATFORM: the build platform decides part of it.
        assert_clean(rule, "FROM --platform=$TARGETOS/$BUILDARCH golang:1.23.2\n");
        // Not the same value.
        assert_clean(rule, "FROM --platform=${TARGETPLATFORM}/v8 golang:1.23.2\n");
    }
}
