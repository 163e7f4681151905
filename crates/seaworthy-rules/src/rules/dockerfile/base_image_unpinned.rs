use seaworthy_dockerfile::{Args, BaseImage, Span, Stage};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A stage is built `FROM` an image with no tag or with `:latest`, judged after `ARG`
/// expansion: `FROM python:${PY}` with `ARG PY=latest` pulls `python:latest`. Stage references,
/// `scratch`, digests and bases still waiting for a `--build-arg` never fire.
pub struct BaseImageUnpinned;

static META: RuleMeta = RuleMeta {
    id: "SW1200",
    name: "base-image-unpinned",
    severity: Severity::Warning,
    category: Category::Supply,
    practice: 2,
    aliases: &[
        "DL3006",
        "DL3007",
        "DS-0001",
        "DS001",
        "AVD-DS-0001",
        "CKV_DOCKER_7",
    ],
    summary: "A base image has no tag or uses `:latest`.",
    why: "`latest` (which an image without a tag means) moves whenever the publisher pushes: \
          the same Dockerfile builds a different image tomorrow, a new major version can break \
          the build or the application without any change on your side, and you cannot tell \
          which base a running image was built from. Pin a version tag, and a digest for \
          images that matter. The tag is judged after ARG expansion, so `FROM python:${PY}` \
          with `ARG PY=latest` fires and one with `ARG PY=3.12` does not; a base that only \
          becomes known with `--build-arg` is not judged. Differs from hadolint: a base \
          that names an earlier stage through an ARG (`FROM exit-${VARIANT}` with `ARG \
          VARIANT=supported` and a stage `exit-supported`) is that stage, not an untagged \
          image, so it is not reported. This rule fires at every \
          `base-pin` level; `patch` (the default) also reports coarse tags \
          (base-image-tag-coarse) and `digest` every base without a digest \
          (base-image-not-digest-pinned).",
    bad: "FROM python\nCOPY app /app\n",
    good: "FROM python:3.12.7-slim-bookworm\nCOPY app /app\n",
};

impl DockerfileRule for BaseImageUnpinned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            let BaseImage::Image(image) = &stage.base else {
                continue;
            };
            // Waiting for a --build-arg: the real base is not known here.
            if !stage.base_undefined.is_empty() || image.digest.is_some() {
                continue;
            }
            let span = base_word(stage);
            let written = cx.file.slice(span);
            // `FROM python:${PY}` says what it resolves to; a literal base speaks for itself.
            let base = if written == stage.base_name {
                format!("`FROM {written}`")
            } else {
                format!("`FROM {written}` resolves to `{}`, which", stage.base_name)
            };
            let message = match image.tag.as_deref() {
                None => format!(
                    "{base} has no tag, so it pulls `{}:latest`, whatever that is today; pin a \
                     version tag",
                    image.familiar()
                ),
                Some("latest") => format!("{base} uses the moving `latest` tag; pin a version tag"),
                Some(_) => continue,
            };
            out.push(Finding::new(&META, span, message));
        }
    }
}

/// The base image word of the stage's `FROM`.
pub(super) fn base_word(stage: &Stage<'_>) -> Span {
    match &stage.from.args {
        Args::Words(words) if !words.is_empty() => words[0].span,
        _ => stage.from.keyword,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&BaseImageUnpinned);
    }

    #[test]
    fn fires() {
        assert_fires(&BaseImageUnpinned, "FROM ubuntu\n", &[1]);
        assert_fires(&BaseImageUnpinned, "FROM ubuntu:latest\n", &[1]);
        assert_fires(
            &BaseImageUnpinned,
            "FROM ghcr.io/org/app:latest AS app\n",
            &[1],
        );
        // Judged after ARG expansion.
        assert_fires(
            &BaseImageUnpinned,
            "ARG PY=latest\nFROM python:${PY}\n",
            &[2],
        );
        assert_fires(&BaseImageUnpinned, "ARG IMAGE=node\nFROM ${IMAGE}\n", &[2]);
        // Every stage: a build stage's base changes what it builds just as much.
        assert_fires(
            &BaseImageUnpinned,
            "FROM golang AS build\nRUN go build\nFROM alpine:3.20.3\nCOPY --from=build /x /x\n",
            &[1],
        );
        let found = findings(&BaseImageUnpinned, "ARG PY=latest\nFROM python:${PY}\n");
        assert!(
            found[0].1.contains("resolves to `python:latest`"),
            "{found:?}"
        );
    }

    /// Findings with `--build-arg` values, as (line, message).
    fn with_build_args(src: &str, args: &[(&str, &str)]) -> Vec<usize> {
        use seaworthy_dockerfile::{BuildOptions, Dockerfile, Model};
        let file = Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
        let mut options = BuildOptions::default();
        for (k, v) in args {
            options.build_args.insert((*k).to_owned(), (*v).to_owned());
        }
        let model = Model::build(&file, &options);
        let cx = DockerfileContext {
            file: &file,
            model: &model,
            settings: &crate::Settings::default(),
            build_context: None,
        };
        let mut out = Vec::new();
        BaseImageUnpinned.check(&cx, &mut out);
        out.iter()
            .map(|f| file.position(f.span.start).line)
            .collect()
    }

    #[test]
    fn follows_build_args() {
        let src = "ARG PY=3.12\nFROM python:${PY}\n";
        assert!(with_build_args(src, &[]).is_empty());
        assert_eq!(with_build_args(src, &[("PY", "latest")]), [2]);
        let src = "ARG IMAGE\nFROM ${IMAGE}\n";
        assert_eq!(with_build_args(src, &[("IMAGE", "node")]), [2]);
        assert!(with_build_args(src, &[("IMAGE", "node:20.18.0")]).is_empty());
    }

    #[test]
    fn passes() {
        assert_clean(&BaseImageUnpinned, "FROM python:3.12.7-slim\n");
        assert_clean(&BaseImageUnpinned, "FROM scratch\nCOPY app /app\n");
        // A stage reference is not an image.
        assert_clean(
            &BaseImageUnpinned,
            "FROM alpine:3.20 AS base\nFROM base\nRUN id\n",
        );
        // A digest pins the image whatever the tag says.
        assert_clean(
            &BaseImageUnpinned,
            "FROM python@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
        );
        assert_clean(&BaseImageUnpinned, "ARG PY=3.12\nFROM python:${PY}\n");
        // Awaiting --build-arg: not known here.
        assert_clean(&BaseImageUnpinned, "ARG IMAGE\nFROM ${IMAGE}\n");
        assert_clean(&BaseImageUnpinned, "ARG TAG\nFROM python:${TAG}\n");
        // A stage named through an ARG is that stage, not an image (moby/buildkit).
        assert_clean(
            &BaseImageUnpinned,
            "ARG FROM_SOURCE=false\nFROM scratch AS bin-false\nFROM scratch AS bin-true\n\
             FROM bin-${FROM_SOURCE} AS bin\n",
        );
    }
}
