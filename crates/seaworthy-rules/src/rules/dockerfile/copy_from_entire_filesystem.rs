use seaworthy_dockerfile::{BaseImage, Expanded, ImageRef, SourceRef};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `COPY --from=<stage or image> / /`: the whole filesystem of another stage or image copied
/// over this one. Stages built `FROM scratch` hold only what was put into them on purpose
/// (export stages) and are not reported, nor is tonistiigi/xx, made to be copied whole.
pub struct CopyFromEntireFilesystem;

static META: RuleMeta = RuleMeta {
    id: "SW1527",
    name: "copy-from-entire-filesystem",
    severity: Severity::Warning,
    category: Category::Correctness,
    practice: 0,
    aliases: &["DL3067"],
    summary: "`COPY --from` copies a whole filesystem onto `/`.",
    why: "Copying `/` of another stage or image onto `/` overwrites this stage's system \
          files (/etc/passwd, the package database, shared libraries) with the other one's, \
          drags in everything it left behind (compilers, caches, secrets used during the \
          build), and defeats the point of a multi-stage build: the result is the other \
          image with this one's leftovers mixed in. Copy only the directories you need \
          (`COPY --from=build /out/app /usr/local/bin/app`), or build `FROM` that stage if \
          you really want all of it. Copying onto a subdirectory (`/ /rootfs/`) is not \
          reported. Differs from hadolint: a stage built `FROM scratch` holds only the files \
          copied into it on purpose (the usual \"export\" stage), and the cross-compilation \
          helper tonistiigi/xx is made to be copied whole (`COPY --from=xx / /`), so copying \
          either onto `/` is not reported.",
    bad: "FROM golang:1.23.2 AS build\nRUN go build -o /out/app ./cmd/app\n\
          FROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build / /\n",
    good: "FROM golang:1.23.2 AS build\nRUN go build -o /out/app ./cmd/app\n\
           FROM gcr.io/distroless/static-debian12:nonroot\n\
           COPY --from=build /out/app /usr/local/bin/app\n",
};

impl DockerfileRule for CopyFromEntireFilesystem {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                let (Some(from), Expanded::Copy(copy)) = (&step.copy_from, &step.expanded) else {
                    continue;
                };
                if !is_root(&copy.dest) || !copy.sources.iter().any(|s| is_root(s)) {
                    continue;
                }
                if made_to_be_copied_whole(cx, from) {
                    continue;
                }
                let what = match from {
                    SourceRef::Stage(i) => {
                        format!("stage `{}`", cx.model.stages[*i].display_name())
                    }
                    SourceRef::Image(image) => format!("image `{}`", image.familiar()),
                    SourceRef::Scratch => "`scratch`".to_owned(),
                    SourceRef::Invalid { text, .. } => format!("`{text}`"),
                };
                out.push(Finding::new(
                    &META,
                    step.instruction.span,
                    format!(
                        "copies the whole filesystem of {what} over this stage's; copy only \
                         the paths it needs"
                    ),
                ));
            }
        }
    }
}

/// A stage rooted at `scratch`, or the tonistiigi/xx helper (as an image or a stage's base).
fn made_to_be_copied_whole(cx: &DockerfileContext<'_>, from: &SourceRef) -> bool {
    let is_xx = |image: &ImageRef| image.is_docker_hub() && image.repository == "tonistiigi/xx";
    match from {
        SourceRef::Image(image) => is_xx(image),
        SourceRef::Stage(i) => {
            let mut root = &cx.model.stages[*i];
            while let BaseImage::Stage(b) = root.base {
                root = &cx.model.stages[b];
            }
            match &root.base {
                BaseImage::Scratch => true,
                BaseImage::Image(image) => is_xx(image),
                _ => false,
            }
        }
        _ => false,
    }
}

/// `/`, however written (`//`, `/.`, `/./`).
fn is_root(path: &str) -> bool {
    path.starts_with('/') && path.split('/').all(|c| c.is_empty() || c == ".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&CopyFromEntireFilesystem);
    }

    #[test]
    fn fires() {
        let rule = &CopyFromEntireFilesystem;
        assert_fires(
            rule,
            "FROM alpine:3.20.3 AS build\nFROM alpine:3.20.3\nCOPY --from=build / /\n",
            &[3],
        );
        // From an image, in JSON form, written as `/.`, among other sources.
        assert_fires(
            rule,
            "FROM alpine:3.20.3\nFROM alpine:3.20.3\nCOPY --from=busybox:1.36.1 [\"/.\", \"/\"]\n\
             COPY --from=0 /etc/hosts / /\n",
            &[3, 4],
        );
        // Continuation lines: reported at the instruction.
        assert_fires(
            rule,
            "FROM alpine:3.20.3 AS a\nFROM alpine:3.20.3\nCOPY \\\n  --from=a \\\n  / /\n",
            &[3],
        );
        // Through a variable.
        assert_fires(
            rule,
            "FROM alpine:3.20.3 AS a\nFROM alpine:3.20.3\nARG ROOT=/\nCOPY --from=a $ROOT /\n",
            &[4],
        );
    }

    #[test]
    fn passes() {
        let rule = &CopyFromEntireFilesystem;
        assert_clean(
            rule,
            "FROM alpine:3.20.3 AS build\nFROM alpine:3.20.3\n\
             COPY --from=build /out/ /\nCOPY --from=build / /rootfs/\n",
        );
        // The build context, not another stage.
        assert_clean(rule, "FROM alpine:3.20.3\nCOPY / /\n");
        // FROM scratch with a rootfs directory of the context.
        assert_clean(rule, "FROM scratch\nCOPY rootfs/ /\n");
        // Export stages built FROM scratch, and the xx helper.
        assert_clean(
            rule,
            "FROM golang:1.23.2 AS build\nRUN go build -o /out/app\n\
             FROM scratch AS export\nCOPY --from=build /out/app /app\n\
             FROM export AS export2\n\
             FROM --platform=$BUILDPLATFORM tonistiigi/xx:1.5.0 AS xx\n\
             FROM alpine:3.20.3\nCOPY --from=xx / /\nCOPY --from=export2 / /\n\
             COPY --from=tonistiigi/xx:1.5.0 / /\n",
        );
        // A stage chosen by an ARG among export stages built FROM scratch (moby/buildkit).
        assert_clean(
            rule,
            "ARG VARIANT=supported\nFROM alpine:3.20.3 AS src\n\
             FROM scratch AS exit-unsupported\nFROM scratch AS exit-supported\n\
             COPY --from=src /bin/true /exit\nFROM exit-${VARIANT} AS exit\n\
             FROM alpine:3.20.3\nCOPY --from=exit / /\n",
        );
    }
}
