use seaworthy_dockerfile::model::did_you_mean;
use seaworthy_dockerfile::{SourceRef, Span, Stage};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `COPY --from` (or `RUN --mount=from=`) names something that is not a stage defined before
/// it: the stage itself, a later stage, `scratch`, or a plain word that matches no stage and
/// that BuildKit therefore pulls as an image from Docker Hub. Words that look like image
/// references (with a registry, a path, a tag or a digest) are taken as the images they name.
pub struct CopyFromUnknownStage;

static META: RuleMeta = RuleMeta {
    id: "SW1522",
    name: "copy-from-unknown-stage",
    severity: Severity::Warning,
    category: Category::Correctness,
    practice: 0,
    aliases: &["DL3022", "DL3023", "DS-0006", "DS006", "AVD-DS-0006"],
    summary: "`COPY --from` names no stage defined before it.",
    why: "When `--from` matches no earlier stage, BuildKit does not fail: it takes the word \
          as an image name and pulls `docker.io/library/<word>:latest`. A typo in a stage \
          name (`--from=biuld`) or a stage renamed without updating its users then copies \
          files from whatever image happens to carry that name on Docker Hub, or fails later \
          with a confusing \"not found\". A stage copying from itself (hadolint's DL3023, \
          trivy's DS-0006) or from a later stage is a build error BuildKit refuses (\"circular \
          dependency\"), which seaworthy reports as such before any rule runs; this rule \
          covers it for callers that run the rules anyway. `scratch` is empty, so there is \
          nothing to copy from it. Name an earlier stage, or, to copy from an image on \
          purpose, write it with its tag (`--from=busybox:1.36.1`). Only words that look like stage names \
          (no `/`, `:`, `@` or `.`) are reported; stage names compare case-insensitively, as \
          BuildKit does. Differs from hadolint: hadolint also reports images written with a \
          registry or path but no tag (`--from=gcr.io/distroless/static`) and stage names \
          in another case (`--from=Build` for `AS build`), which BuildKit resolves; \
          seaworthy does not.",
    bad: "FROM golang:1.23.2 AS build\nRUN go build -o /out/app ./cmd/app\n\
          FROM alpine:3.20.3\nCOPY --from=builder /out/app /usr/local/bin/app\n",
    good: "FROM golang:1.23.2 AS build\nRUN go build -o /out/app ./cmd/app\n\
           FROM alpine:3.20.3\nCOPY --from=build /out/app /usr/local/bin/app\n",
};

impl DockerfileRule for CopyFromUnknownStage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                if let Some(source) = &step.copy_from {
                    let span = step
                        .instruction
                        .flags
                        .iter()
                        .rfind(|f| f.name() == "from")
                        .map_or(step.instruction.keyword, |f| f.span);
                    check_source(cx, stage, source, span, out);
                }
                for mount in &step.mounts {
                    if let Some(source) = &mount.from {
                        check_source(cx, stage, source, mount.span, out);
                    }
                }
            }
        }
    }
}

fn check_source(
    cx: &DockerfileContext<'_>,
    stage: &Stage<'_>,
    source: &SourceRef,
    span: Span,
    out: &mut Vec<Finding>,
) {
    let stages = &cx.model.stages;
    let message = match source {
        SourceRef::Stage(i) if *i == stage.index => format!(
            "stage `{}` copies from itself, which BuildKit refuses as a circular dependency",
            stage.display_name()
        ),
        SourceRef::Stage(i) if *i > stage.index => format!(
            "stage `{}` is defined after this stage; only earlier stages can be copied from",
            stages[*i].display_name()
        ),
        SourceRef::Scratch => "`scratch` is empty: there is nothing to copy from it".to_owned(),
        SourceRef::Image(image) if looks_like_stage_name(&image.written) => {
            let names: Vec<&str> = stages[..stage.index]
                .iter()
                .filter_map(|s| s.name.as_deref())
                .collect();
            let hint = match did_you_mean(&image.written, &names, false) {
                Some(name) => format!("; did you mean stage `{name}`?"),
                None if names.is_empty() => "; no stage before it has a name".to_owned(),
                None => format!(
                    "; the stages before it are {}",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            format!(
                "`{}` is not the name of an earlier stage, so BuildKit pulls the image `{}`{hint} \
                 (to copy from that image, write its tag)",
                image.written, image.normalized
            )
        }
        _ => return,
    };
    out.push(Finding::new(&META, span, message));
}

/// A word without the marks of an image reference: no registry, path, tag or digest.
fn looks_like_stage_name(word: &str) -> bool {
    !word.contains(['/', ':', '@', '.'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use seaworthy_dockerfile::{BuildOptions, Dockerfile, Model};

    #[test]
    fn documented_examples() {
        assert_documented_examples(&CopyFromUnknownStage);
    }

    #[test]
    fn fires() {
        let rule = &CopyFromUnknownStage;
        // A typo: pulled from Docker Hub instead.
        assert_fires(
            rule,
            "FROM golang:1.23.2 AS build\nFROM alpine:3.20.3\nCOPY --from=biuld /a /a\n",
            &[3],
        );
        let found = findings(
            rule,
            "FROM golang:1.23.2 AS build\nFROM alpine:3.20.3\nCOPY --from=biuld /a /a\n",
        );
        assert!(
            found[0].1.contains("did you mean stage `build`"),
            "{found:?}"
        );
        assert!(found[0].1.contains("docker.io/library/biuld:latest"));
        // No stage has a name: a word is an image pull.
        assert_fires(
            rule,
            "FROM alpine:3.20.3\nCOPY --from=builder /a /a\n",
            &[2],
        );
        // scratch has nothing to copy.
        assert_fires(
            rule,
            "FROM alpine:3.20.3\nCOPY --from=scratch /a /a\n",
            &[2],
        );
        // RUN --mount from=, on a continuation line, and in a heredoc RUN.
        assert_fires(
            rule,
            "FROM alpine:3.20.3 AS deps\nFROM alpine:3.20.3\n\
             RUN --mount=type=bind,from=dep,target=/d \\\n    cp -r /d /x\n\
             RUN --mount=type=bind,from=deps,target=/d <<EOF\ncp -r /d /y\nEOF\n",
            &[3],
        );
    }

    /// Findings on a model that has build errors (the CLI reports those errors and does not
    /// run the rules; the rule still covers them for any caller that does).
    fn findings_despite_errors(src: &str) -> Vec<usize> {
        let file = Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
        let model = Model::build(&file, &BuildOptions::default());
        assert!(!model.errors.is_empty());
        let cx = DockerfileContext {
            file: &file,
            model: &model,
            settings: &crate::Settings::default(),
            build_context: None,
        };
        let mut out = Vec::new();
        CopyFromUnknownStage.check(&cx, &mut out);
        out.iter()
            .map(|f| file.position(f.span.start).line)
            .collect()
    }

    #[test]
    fn self_and_later_stages() {
        // BuildKit refuses both (a circular dependency, a stage not yet defined).
        assert_eq!(
            findings_despite_errors("FROM alpine:3.20.3 AS app\nCOPY --from=app /a /b\n"),
            [2]
        );
        assert_eq!(
            findings_despite_errors(
                "FROM alpine:3.20.3 AS app\nCOPY --from=later /a /b\nFROM alpine:3.20.3 AS later\n"
            ),
            [2]
        );
    }

    #[test]
    fn passes() {
        let rule = &CopyFromUnknownStage;
        assert_clean(
            rule,
            "FROM golang:1.23.2 AS build\nFROM alpine:3.20.3\n\
             COPY --from=build /a /a\nCOPY --from=0 /b /b\n",
        );
        // BuildKit compares stage names case-insensitively (hadolint does not).
        assert_clean(
            rule,
            "FROM golang:1.23.2 AS Build\nFROM alpine:3.20.3\nCOPY --from=build /a /a\n",
        );
        // Images, written as images.
        assert_clean(
            rule,
            "FROM alpine:3.20.3\n\
             COPY --from=busybox:1.36.1 /bin/busybox /bin/busybox\n\
             COPY --from=gcr.io/distroless/static /etc/passwd /etc/passwd\n\
             COPY --from=ghcr.io/astral-sh/uv:0.4.30 /uv /bin/uv\n",
        );
        // Build contexts and cache mounts without from=.
        assert_clean(
            rule,
            "FROM alpine:3.20.3\nRUN --mount=type=cache,target=/root/.cache make\n",
        );
    }
}
