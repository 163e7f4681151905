use seaworthy_dockerfile::model::{did_you_mean, AUTOMATIC_ARGS};

use super::undefined_var::find_reference;
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A `FROM` line (base name or `--platform`) uses a variable that no `ARG` before the first
/// `FROM` declares and that is not one of BuildKit's platform `ARG`s.
pub struct UndefinedArgInFrom;

static META: RuleMeta = RuleMeta {
    id: "SW1524",
    name: "undefined-arg-in-from",
    severity: Severity::Warning,
    category: Category::Correctness,
    practice: 0,
    aliases: &["UndefinedArgInFrom"],
    summary: "`FROM` uses a variable no global `ARG` declares.",
    why: "`FROM` lines see only the `ARG`s declared before the first `FROM` (and BuildKit's \
          platform ARGs such as `BUILDPLATFORM` and `TARGETARCH`); an `ARG` inside a stage or \
          an `ENV` does not count. An undeclared variable expands to nothing, so `FROM \
          node:20-alpine${ALPINE_VERSION}` silently pulls `node:20-alpine`, and a `--build-arg` \
          for it is ignored with only a warning. Declare the ARG, with its default, before the \
          first FROM. A misspelt name gets BuildKit's suggestion \
          (`$BULIDPLATFORM` → `BUILDPLATFORM`).",
    bad: "FROM node:20.18.0-alpine${ALPINE_VERSION}\nCOPY . /app\n",
    good: "ARG ALPINE_VERSION=3.20\nFROM node:20.18.0-alpine${ALPINE_VERSION}\nCOPY . /app\n",
};

impl DockerfileRule for UndefinedArgInFrom {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let declared: Vec<&str> = cx
            .model
            .global_args
            .iter()
            .map(|g| g.arg.name.as_str())
            .chain(AUTOMATIC_ARGS)
            .collect();
        for stage in &cx.model.stages {
            for name in &stage.base_undefined {
                if declared.contains(&name.as_str()) {
                    continue;
                }
                let hint = match did_you_mean(name, &declared, true) {
                    Some(s) => format!(" (did you mean `{s}`?)"),
                    None => format!("; declare `ARG {name}=…` before the first FROM"),
                };
                let span =
                    find_reference(cx, &[stage.from.span], name).unwrap_or(stage.from.keyword);
                out.push(Finding::new(
                    &META,
                    span,
                    format!(
                        "FROM uses `${name}`, which no ARG before the first FROM declares, so it \
                         expands to nothing{hint}"
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
        assert_documented_examples(&UndefinedArgInFrom);
    }

    #[test]
    fn fires() {
        let rule = &UndefinedArgInFrom;
        let src = "ARG tag=3.20.3\nFROM alpine:${tag}${version} AS b\n";
        assert_fires(rule, src, &[2]);
        assert!(findings(rule, src)[0].1.contains("`$version`"));
        // A stage ARG or ENV does not count for later FROM lines.
        assert_fires(
            rule,
            "FROM alpine:3.20.3 AS base\nARG REGISTRY=docker.io\nENV SUFFIX=-x\n\
             FROM ${REGISTRY:-docker.io}/library/alpine:3.20.3\n",
            &[4],
        );
        // Misspelt platform ARG, with a suggestion.
        let src = "ARG MY_ARCH=amd64\nFROM --platform=linux/${MYARCH:-amd64} alpine:3.20.3\n";
        assert_fires(rule, src, &[2]);
        assert!(findings(rule, src)[0].1.contains("did you mean `MY_ARCH`?"));
        // Continuation lines.
        assert_fires(
            rule,
            "FROM \\\n  ${REGISTRY:-docker.io}/library/alpine:3.20.3\n",
            &[2],
        );
    }

    #[test]
    fn passes() {
        let rule = &UndefinedArgInFrom;
        assert_clean(rule, "ARG TAG=3.20.3\nFROM alpine:${TAG}\n");
        // Declared without a default: awaits --build-arg (a default-value concern).
        assert_clean(rule, "ARG DEBUG\nFROM scra${DEBUG:-tch}\n");
        // BuildKit's platform ARGs need no declaration.
        assert_clean(
            rule,
            "FROM --platform=$BUILDPLATFORM golang:1.23.2 AS build\n\
             FROM --platform=${TARGETOS}/${TARGETARCH} alpine:3.20.3\n",
        );
        assert_clean(rule, "FROM alpine:3.20.3\nFROM scratch\n");
    }
}
