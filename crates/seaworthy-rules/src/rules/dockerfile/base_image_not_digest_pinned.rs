use seaworthy_dockerfile::{BaseImage, ImageRef, SourceRef, Span};

use super::base_image_unpinned::base_word;
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, PinLevel, RuleMeta, Severity};

/// With the `base_pin` setting at `digest`, every image a stage is built `FROM` or copies
/// files from (`COPY --from=image`) must carry a digest (`@sha256:…`). Off at the default
/// pin level.
pub struct BaseImageNotDigestPinned;

static META: RuleMeta = RuleMeta {
    id: "SW1221",
    name: "base-image-not-digest-pinned",
    severity: Severity::Warning,
    category: Category::Supply,
    practice: 2,
    aliases: &[],
    summary: "An image is not pinned by digest (only with `base-pin = \"digest\"`).",
    why: "A tag, even `3.12.7-slim-bookworm`, is a pointer the publisher can move: rebuilt \
          for a security fix, or replaced by whoever gains push access to the repository. \
          Only a digest names the exact bytes, so the same Dockerfile builds the same image \
          and a tampered tag cannot slip in. Keep the tag beside the digest \
          (`python:3.12.7-slim@sha256:…`) so people and Renovate can read and bump it; \
          `seaworthy pin` writes the digests. The rule runs only when the `base-pin` setting \
          is `digest`, for images that matter; it judges every stage's base (after `ARG` \
          expansion) and every image `COPY --from` takes files from. `scratch`, stage \
          references and bases waiting for a `--build-arg` are not judged.",
    bad: "FROM python:3.12.7-slim-bookworm\nCOPY app /app\n",
    good: "FROM python:3.12.7-slim-bookworm@sha256:\
           2f1c2a2b7d6e3b1e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f80912\nCOPY app /app\n",
};

impl DockerfileRule for BaseImageNotDigestPinned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        if cx.settings.base_pin != PinLevel::Digest {
            return;
        }
        let mut report = |image: &ImageRef, span: Span, what: &str| {
            if image.digest.is_none() {
                out.push(Finding::new(
                    &META,
                    span,
                    format!(
                        "{what} `{}` is not pinned by digest; append `@sha256:…` (`seaworthy \
                         pin` resolves it)",
                        image.familiar()
                    ),
                ));
            }
        };
        for stage in &cx.model.stages {
            if let BaseImage::Image(image) = &stage.base {
                if stage.base_undefined.is_empty() {
                    report(image, base_word(stage), "base image");
                }
            }
            for step in &stage.steps {
                if let Some(SourceRef::Image(image)) = &step.copy_from {
                    let span = step
                        .instruction
                        .flags
                        .iter()
                        .rfind(|f| f.name() == "from")
                        .map_or(step.instruction.keyword, |f| f.span);
                    report(image, span, "image");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use crate::Settings;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn digest() -> Settings {
        Settings {
            base_pin: PinLevel::Digest,
            ..Settings::default()
        }
    }

    #[test]
    fn documented_examples() {
        let settings = digest();
        let rule = &BaseImageNotDigestPinned;
        assert!(!findings_with(rule, META.bad, &settings, None).is_empty());
        assert!(findings_with(rule, META.good, &settings, None).is_empty());
    }

    #[test]
    fn fires() {
        let rule = &BaseImageNotDigestPinned;
        let s = digest();
        assert_fires_with(rule, &s, None, "FROM python:3.12.7-slim\n", &[1]);
        assert_fires_with(rule, &s, None, "FROM python\n", &[1]);
        // Every stage, build stages included, and images copied from.
        assert_fires_with(
            rule,
            &s,
            None,
            "FROM golang:1.23.2 AS build\nRUN go build -o /app\n\
             FROM gcr.io/distroless/static:nonroot\n\
             COPY --from=build /app /app\n\
             COPY --from=busybox:1.36.1 /bin/busybox /bin/busybox\n",
            &[1, 3, 5],
        );
        // After ARG expansion.
        assert_fires_with(rule, &s, None, "ARG PY=3.12.7\nFROM python:${PY}\n", &[2]);
    }

    #[test]
    fn passes() {
        let rule = &BaseImageNotDigestPinned;
        let s = digest();
        let pinned = format!("FROM python:3.12.7@{DIGEST}\nFROM alpine@{DIGEST} AS a\nFROM a\n");
        assert_fires_with(rule, &s, None, &pinned, &[]);
        assert_fires_with(rule, &s, None, "FROM scratch\nCOPY app /app\n", &[]);
        assert_fires_with(rule, &s, None, "ARG BASE\nFROM ${BASE}\n", &[]);
        let copy = format!("FROM scratch\nCOPY --from=busybox:1.36.1@{DIGEST} /bin /bin\n");
        assert_fires_with(rule, &s, None, &copy, &[]);
        // Off at the default pin level and at `tag`.
        assert_clean(rule, "FROM python:3.12.7-slim\n");
        let tag = Settings {
            base_pin: PinLevel::Tag,
            ..Settings::default()
        };
        assert_fires_with(rule, &tag, None, "FROM python:3.12.7-slim\n", &[]);
    }
}
