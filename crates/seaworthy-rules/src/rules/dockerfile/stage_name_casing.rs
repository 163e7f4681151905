use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A stage name written with upper-case letters after `AS`.
pub struct StageNameCasing;

static META: RuleMeta = RuleMeta {
    id: "SW1505",
    name: "stage-name-casing",
    severity: Severity::Style,
    category: Category::Correctness,
    practice: 0,
    aliases: &["StageNameCasing"],
    summary: "A stage name has upper-case letters; stage names are lower-cased.",
    why: "BuildKit lower-cases stage names, so `AS Build`, `--from=build` and `--target BUILD` \
          all name the same stage. Writing them in mixed case suggests a distinction that does \
          not exist and makes the name harder to search for; write them in lower case.",
    bad: "FROM golang:1.23 AS Builder\nRUN go build -o /app .\n\
          FROM alpine:3.20\nCOPY --from=Builder /app /app\n",
    good: "FROM golang:1.23 AS builder\nRUN go build -o /app .\n\
           FROM alpine:3.20\nCOPY --from=builder /app /app\n",
};

impl DockerfileRule for StageNameCasing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            let Some(span) = stage.name_span else {
                continue;
            };
            let written = cx.file.slice(span);
            if written.chars().any(char::is_uppercase) {
                out.push(Finding::new(
                    &META,
                    span,
                    format!(
                        "stage name `{written}` should be lower case: BuildKit treats it as `{}`",
                        written.to_lowercase()
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
        assert_documented_examples(&StageNameCasing);
    }

    #[test]
    fn fires() {
        let rule = &StageNameCasing;
        assert_fires(rule, "FROM alpine AS Build\n", &[1]);
        assert_fires(rule, "FROM alpine AS BUILD\n", &[1]);
        assert_fires(rule, "FROM alpine AS base\nFROM base AS Dev\n", &[2]);
    }

    #[test]
    fn passes() {
        let rule = &StageNameCasing;
        assert_clean(rule, "FROM alpine AS build\n");
        assert_clean(rule, "FROM alpine\n");
        assert_clean(rule, "FROM alpine AS build-2.x_y\n");
        // Only the name after AS is judged.
        assert_clean(rule, "FROM alpine AS base\nFROM base AS dev\n");
    }
}
