use seaworthy_dockerfile::expand::{Expansion, Lexer};
use seaworthy_dockerfile::model::AUTOMATIC_ARGS;
use seaworthy_dockerfile::{Platform, Span, Stage};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `FROM --platform=` names a fixed platform (`linux/amd64`), written out or through `ARG`s of
/// the file's own, instead of following the build's platform (`$BUILDPLATFORM`,
/// `$TARGETOS/$TARGETARCH`, …). A stage whose name mentions the platform's operating system or
/// architecture (`build-arm64`) is exempt, as in BuildKit: it is one of a set of per-platform
/// stages.
pub struct FromPlatformConstant;

static META: RuleMeta = RuleMeta {
    id: "SW1520",
    name: "from-platform-constant",
    severity: Severity::Warning,
    category: Category::Correctness,
    practice: 0,
    aliases: &["DL3029", "FromPlatformFlagConstDisallowed"],
    summary: "`FROM --platform` names a fixed platform.",
    why: "A constant `--platform` overrides the platform the build asks for: `docker buildx \
          build --platform linux/arm64` then still produces an amd64 image (run under \
          emulation, slowly, or not at all), and a multi-platform build publishes the same \
          architecture under every platform of the manifest list. Leave `--platform` out so \
          the stage follows the requested target platform, or use `--platform=$BUILDPLATFORM` \
          for build stages that cross-compile. When one architecture is really required, pass \
          it on the command line (`docker build --platform linux/amd64`). A stage whose name \
          mentions the platform's operating system or architecture (`AS build-arm64`) is one \
          of a set of per-platform stages and is not reported. Differs from hadolint: \
          hadolint reports every `--platform` that does not mention BUILDPLATFORM or \
          TARGETPLATFORM, including `$TARGETOS/$TARGETARCH`, which follows the build's \
          platform and is not reported here.",
    bad: "FROM --platform=linux/amd64 node:20.18.0-alpine\nCOPY . /app\n",
    good: "FROM node:20.18.0-alpine\nCOPY . /app\n",
};

impl DockerfileRule for FromPlatformConstant {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            let Some((span, raw, expansion)) = platform_flag(cx, stage) else {
                continue;
            };
            // Any variable BuildKit sets from the build's platforms makes it follow the build.
            let automatic = expansion
                .matched
                .iter()
                .chain(&expansion.unmatched)
                .any(|v| AUTOMATIC_ARGS.contains(&v.as_str()));
            if automatic || !expansion.unmatched.is_empty() {
                continue;
            }
            let Ok(platform) = Platform::parse(&expansion.value, &cx.model.options.platform) else {
                continue;
            };
            if let Some(name) = &stage.name {
                if name.contains(&platform.os) || name.contains(&platform.architecture) {
                    continue;
                }
            }
            let message = if expansion.matched.is_empty() {
                format!(
                    "`--platform={raw}` fixes the platform of this stage whatever platform the \
                     build asks for; drop it, or use `$BUILDPLATFORM` for a cross-compiling \
                     build stage"
                )
            } else {
                format!(
                    "`--platform={raw}` resolves to the fixed `{}`, whatever platform the build \
                     asks for; drop it, or use `$BUILDPLATFORM` for a cross-compiling build \
                     stage",
                    expansion.value
                )
            };
            out.push(Finding::new(&META, span, message));
        }
    }
}

/// The stage's `--platform` flag: its span, its value as written and its expansion with what
/// `FROM` lines see.
pub(super) fn platform_flag(
    cx: &DockerfileContext<'_>,
    stage: &Stage<'_>,
) -> Option<(Span, String, Expansion)> {
    let flag = stage.from.flags.iter().rfind(|f| f.name() == "platform")?;
    let raw = flag.value()?;
    let lexer = Lexer::new(cx.file.escape as char);
    let expansion = lexer.process_word(raw, cx.model.from_variables()).ok()?;
    Some((flag.span, raw.to_owned(), expansion))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&FromPlatformConstant);
    }

    #[test]
    fn fires() {
        let rule = &FromPlatformConstant;
        assert_fires(rule, "FROM --platform=linux/amd64 alpine:3.20.3\n", &[1]);
        assert_fires(
            rule,
            "FROM --platform=linux/arm64/v8 alpine:3.20.3 AS app\n",
            &[1],
        );
        // A bare architecture is just as fixed.
        assert_fires(rule, "FROM --platform=amd64 alpine:3.20.3\n", &[1]);
        // Through a global ARG of the file's own: still fixed unless every build overrides it.
        assert_fires(
            rule,
            "ARG PLATFORM=linux/amd64\nFROM --platform=${PLATFORM} alpine:3.20.3\n",
            &[2],
        );
        // Every stage, with continuation lines.
        assert_fires(
            rule,
            "FROM --platform=$BUILDPLATFORM golang:1.23.2 AS build\nRUN go build\n\
             FROM \\\n  --platform=linux/amd64 \\\n  alpine:3.20.3\nCOPY --from=build /a /a\n",
            &[4],
        );
        let found = findings(
            rule,
            "ARG PLATFORM=linux/amd64\nFROM --platform=${PLATFORM} alpine:3.20.3\n",
        );
        assert!(found[0].1.contains("resolves to the fixed `linux/amd64`"));
    }

    #[test]
    fn passes() {
        let rule = &FromPlatformConstant;
        assert_clean(rule, "FROM alpine:3.20.3\n");
        assert_clean(
            rule,
            "FROM --platform=$BUILDPLATFORM golang:1.23.2 AS build\n",
        );
        assert_clean(rule, "FROM --platform=${TARGETPLATFORM} alpine:3.20.3\n");
        // Follows the build's platform: hadolint reports it, BuildKit does not.
        assert_clean(
            rule,
            "FROM --platform=$TARGETOS/$TARGETARCH alpine:3.20.3\n",
        );
        assert_clean(rule, "FROM --platform=linux/${TARGETARCH} alpine:3.20.3\n");
        // Per-platform stages named after their platform (BuildKit's exception).
        assert_clean(
            rule,
            "FROM --platform=linux/amd64 alpine:3.20.3 AS build-amd64\n\
             FROM --platform=linux/arm64 alpine:3.20.3 AS build-arm64\n\
             FROM --platform=windows/amd64 mcr.microsoft.com/windows/nanoserver:ltsc2022 AS windows\n\
             FROM alpine:3.20.3\n",
        );
    }
}
