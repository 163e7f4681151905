use seaworthy_dockerfile::model::Healthcheck;
use seaworthy_dockerfile::{Expanded, Keyword};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// The final image's healthcheck (the last `HEALTHCHECK` of the stages it is built from, when
/// it is not `NONE`) has no `--start-period`. An explicit `--start-period=0s` is a decision and
/// is left alone.
pub struct HealthcheckWithoutStartPeriod;

static META: RuleMeta = RuleMeta {
    id: "SW1103",
    name: "healthcheck-without-start-period",
    severity: Severity::Info,
    category: Category::Runtime,
    practice: 3,
    aliases: &[],
    summary: "The final image's HEALTHCHECK has no --start-period.",
    why: "Without a start period, every failed probe while the service is still starting \
          (migrations, cache warm-up, JIT) counts toward `--retries`: a slow start marks the \
          container unhealthy, and orchestrators that act on health restart it in a loop or \
          hold back dependent services. `--start-period` gives it time to start; failures in \
          that window do not count, and the first success ends it early.",
    bad: "FROM nginx:1.27.2\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\n",
    good: "FROM nginx:1.27.2\nHEALTHCHECK --start-period=30s CMD curl -f http://localhost/ || exit 1\n",
};

impl DockerfileRule for HealthcheckWithoutStartPeriod {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let chain = cx.runtime_chain();
        let Some(step) = chain
            .iter()
            .rev()
            .flat_map(|s| s.steps.iter())
            .filter(|s| s.instruction.kind == Keyword::Healthcheck)
            .last()
        else {
            return;
        };
        let Expanded::Healthcheck(Healthcheck {
            disabled: false, ..
        }) = &step.expanded
        else {
            return;
        };
        let ins = step.instruction;
        if ins.flags.iter().any(|f| f.name() == "start-period") {
            return;
        }
        out.push(Finding::new(
            &META,
            ins.keyword,
            "HEALTHCHECK has no --start-period, so probes that fail while the service is still \
             starting count toward --retries",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&HealthcheckWithoutStartPeriod);
    }

    #[test]
    fn fires() {
        let rule = &HealthcheckWithoutStartPeriod;
        assert_fires(rule, "FROM alpine\nHEALTHCHECK CMD [\"/hc\"]\n", &[2]);
        assert_fires(
            rule,
            "FROM alpine\nHEALTHCHECK --interval=5s --retries=3 CMD /hc\n",
            &[2],
        );
        // Only the healthcheck in effect: the later one lacks it.
        assert_fires(
            rule,
            "FROM alpine\nHEALTHCHECK --start-period=5s CMD /a\nHEALTHCHECK CMD /b\n",
            &[3],
        );
        // Inherited from the stage the final stage is built on.
        assert_fires(
            rule,
            "FROM alpine AS base\nHEALTHCHECK CMD /hc\nFROM base\nCMD [\"/app\"]\n",
            &[2],
        );
    }

    #[test]
    fn passes() {
        let rule = &HealthcheckWithoutStartPeriod;
        assert_clean(
            rule,
            "FROM alpine\nHEALTHCHECK --start-period=20s CMD /hc\n",
        );
        // An explicit zero is a decision.
        assert_clean(rule, "FROM alpine\nHEALTHCHECK --start-period=0s CMD /hc\n");
        assert_clean(rule, "FROM alpine\nHEALTHCHECK NONE\n");
        assert_clean(rule, "FROM alpine\nCMD [\"/app\"]\n");
        // A build stage's healthcheck never runs.
        assert_clean(
            rule,
            "FROM alpine AS build\nHEALTHCHECK CMD /hc\nFROM alpine\nCMD [\"/app\"]\n",
        );
    }
}
