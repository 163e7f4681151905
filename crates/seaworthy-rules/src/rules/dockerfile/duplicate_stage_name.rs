use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// Two stages share a name (compared case-insensitively, as BuildKit does). Each later
/// duplicate is reported, pointing back at the first.
pub struct DuplicateStageName;

static META: RuleMeta = RuleMeta {
    id: "SW1504",
    name: "duplicate-stage-name",
    severity: Severity::Error,
    category: Category::Correctness,
    practice: 0,
    aliases: &[
        "DL3024",
        "DuplicateStageName",
        "DS-0012",
        "DS012",
        "AVD-DS-0012",
        "CKV_DOCKER_11",
    ],
    summary: "Two build stages have the same name.",
    why: "`COPY --from=name`, `FROM name` and `--target name` silently pick one of the \
          duplicates (the last one defined before the reference), so which stage a build uses \
          depends on where a line sits, and renaming or moving a stage changes the image \
          without any error. Give every stage its own name.",
    bad: "FROM golang:1.23 AS build\nRUN go build -o /app ./cmd/api\n\
          FROM node:20.18.0 AS build\nRUN npm run build\n\
          FROM alpine:3.20\nCOPY --from=build /app /app\n",
    good: "FROM golang:1.23 AS build-api\nRUN go build -o /app ./cmd/api\n\
           FROM node:20.18.0 AS build-web\nRUN npm run build\n\
           FROM alpine:3.20\nCOPY --from=build-api /app /app\n",
};

impl DockerfileRule for DuplicateStageName {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let stages = &cx.model.stages;
        for (i, stage) in stages.iter().enumerate() {
            let (Some(name), Some(span)) = (&stage.name, stage.name_span) else {
                continue;
            };
            let Some(first) = stages[..i].iter().find(|s| s.name.as_ref() == Some(name)) else {
                continue;
            };
            let mut finding = Finding::new(
                &META,
                span,
                format!(
                    "stage name `{}` is already used by an earlier stage",
                    cx.file.slice(span)
                ),
            );
            if let Some(first_span) = first.name_span {
                finding = finding.with_related(first_span, "first defined here");
            }
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&DuplicateStageName);
    }

    #[test]
    fn fires() {
        let rule = &DuplicateStageName;
        assert_fires(rule, "FROM alpine AS a\nFROM alpine AS a\n", &[2]);
        // Names compare case-insensitively, and `as` may be lower case (checkov misses it).
        assert_fires(rule, "FROM alpine AS build\nFROM alpine as BUILD\n", &[2]);
        assert_fires(
            rule,
            "FROM alpine AS a\nFROM alpine AS b\nFROM alpine AS a\nFROM alpine AS a\n",
            &[3, 4],
        );
    }

    #[test]
    fn passes() {
        let rule = &DuplicateStageName;
        assert_clean(rule, "FROM alpine AS a\nFROM alpine AS b\n");
        assert_clean(rule, "FROM alpine\nFROM alpine\n");
        // A stage built on a stage of a similar name.
        assert_clean(rule, "FROM alpine AS base\nFROM base AS base-dev\n");
    }
}
