use seaworthy_dockerfile::Keyword;

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A stage has more than one `CMD`, `ENTRYPOINT` or `HEALTHCHECK`: only the last of each
/// kind takes effect, so every earlier one is reported. Every stage is checked; `ONBUILD CMD`
/// triggers are not counted, as they run in another build.
pub struct RepeatedCmdEntrypointHealthcheck;

static META: RuleMeta = RuleMeta {
    id: "SW1500",
    name: "repeated-cmd-entrypoint-healthcheck",
    severity: Severity::Warning,
    category: Category::Correctness,
    practice: 0,
    aliases: &[
        "DL4003",
        "DL4004",
        "DL3012",
        "MultipleInstructionsDisallowed",
        "DS-0007",
        "DS007",
        "AVD-DS-0007",
        "DS-0016",
        "DS016",
        "AVD-DS-0016",
        "DS-0023",
        "DS023",
        "AVD-DS-0023",
    ],
    summary: "A stage sets CMD, ENTRYPOINT or HEALTHCHECK more than once; only the last counts.",
    why: "Each of these instructions replaces the previous one, so all but the last are dead \
          code. A reader (or a reviewer) takes the first one for what the container runs or \
          how it is checked, and an edit to it changes nothing. Usually it is a leftover from \
          a merge or a copied snippet: keep the one you mean and delete the others. Differs \
          from hadolint: the finding is on each instruction that is replaced (the dead one to \
          delete), where hadolint reports the later ones.",
    bad: "FROM python:3.12-slim\nCMD [\"python\", \"app.py\"]\nCOPY . /app\n\
          CMD [\"gunicorn\", \"app:app\"]\n",
    good: "FROM python:3.12-slim\nCOPY . /app\nCMD [\"gunicorn\", \"app:app\"]\n",
};

impl DockerfileRule for RepeatedCmdEntrypointHealthcheck {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let mut found = Vec::new();
        for stage in &cx.model.stages {
            for kind in [Keyword::Cmd, Keyword::Entrypoint, Keyword::Healthcheck] {
                let all: Vec<_> = stage
                    .steps
                    .iter()
                    .map(|s| s.instruction)
                    .filter(|i| i.kind == kind)
                    .collect();
                let Some((last, earlier)) = all.split_last() else {
                    continue;
                };
                let name = kind.as_str();
                for ins in earlier {
                    found.push(
                        Finding::new(
                            &META,
                            ins.keyword,
                            format!(
                                "this {name} has no effect: a later {name} in stage `{}` \
                                 replaces it",
                                stage.display_name()
                            ),
                        )
                        .with_related(last.keyword, format!("the {name} that takes effect")),
                    );
                }
            }
        }
        found.sort_by_key(|f| f.span.start);
        out.extend(found);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&RepeatedCmdEntrypointHealthcheck);
    }

    #[test]
    fn fires() {
        let rule = &RepeatedCmdEntrypointHealthcheck;
        assert_fires(rule, "FROM alpine\nCMD [\"a\"]\nCMD [\"b\"]\n", &[2]);
        assert_fires(
            rule,
            "FROM alpine\nENTRYPOINT a\nRUN x\nENTRYPOINT [\"b\"]\n",
            &[2],
        );
        assert_fires(
            rule,
            "FROM alpine\nHEALTHCHECK CMD /a\nHEALTHCHECK NONE\nHEALTHCHECK CMD /b\n",
            &[2, 3],
        );
        // Build stages too: the dead line misleads all the same.
        assert_fires(
            rule,
            "FROM alpine AS build\nCMD [\"a\"]\nCMD [\"b\"]\nFROM alpine\nCMD [\"c\"]\n",
            &[2],
        );
        assert_fires(
            rule,
            "FROM alpine\nCMD [\"a\"]\nENTRYPOINT [\"e\"]\nCMD [\"b\"]\nENTRYPOINT [\"f\"]\n",
            &[2, 3],
        );
    }

    #[test]
    fn passes() {
        let rule = &RepeatedCmdEntrypointHealthcheck;
        assert_clean(
            rule,
            "FROM alpine\nENTRYPOINT [\"/tini\", \"--\"]\nCMD [\"/app\"]\n",
        );
        // One per stage: a child stage overriding its parent is the point of stages.
        assert_clean(
            rule,
            "FROM alpine AS base\nCMD [\"a\"]\nFROM base\nCMD [\"b\"]\n",
        );
        assert_clean(rule, "FROM alpine\nHEALTHCHECK CMD /hc\nCMD [\"/app\"]\n");
        // ONBUILD triggers run in the child build.
        assert_clean(rule, "FROM alpine\nONBUILD CMD [\"a\"]\nCMD [\"b\"]\n");
    }
}
