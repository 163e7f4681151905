use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A stage named `scratch` or `context`, names BuildKit gives a meaning of its own.
pub struct ReservedStageName;

static META: RuleMeta = RuleMeta {
    id: "SW1507",
    name: "reserved-stage-name",
    severity: Severity::Warning,
    category: Category::Correctness,
    practice: 0,
    aliases: &["ReservedStageName", "DL3063"],
    summary: "A stage is named `scratch` or `context`, which BuildKit reserves.",
    why: "`scratch` is the empty image and `context` names the build context in \
          `COPY --from`/`RUN --mount from=` and `--build-context`: a stage with one of these \
          names shadows that meaning in some places and not in others, so `FROM scratch` or \
          `--from=context` may pick the stage or the built-in depending on the BuildKit \
          version and the reference. Pick another name.",
    bad: "FROM alpine:3.20 AS context\nRUN make\nFROM alpine:3.20\nCOPY --from=context /out /out\n",
    good: "FROM alpine:3.20 AS build\nRUN make\nFROM alpine:3.20\nCOPY --from=build /out /out\n",
};

impl DockerfileRule for ReservedStageName {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            let (Some(name), Some(span)) = (&stage.name, stage.name_span) else {
                continue;
            };
            if matches!(name.as_str(), "scratch" | "context") {
                out.push(Finding::new(
                    &META,
                    span,
                    format!("stage name `{name}` is reserved by BuildKit; choose another name"),
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
        assert_documented_examples(&ReservedStageName);
    }

    #[test]
    fn fires() {
        let rule = &ReservedStageName;
        assert_fires(rule, "FROM alpine AS scratch\n", &[1]);
        assert_fires(rule, "FROM alpine AS context\n", &[1]);
        assert_fires(rule, "FROM alpine AS a\nFROM alpine AS Scratch\n", &[2]);
    }

    #[test]
    fn passes() {
        let rule = &ReservedStageName;
        assert_clean(rule, "FROM scratch\n");
        assert_clean(rule, "FROM alpine AS scratch-base\n");
        assert_clean(rule, "FROM alpine AS build-context\n");
    }
}
