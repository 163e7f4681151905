use seaworthy_dockerfile::model::Healthcheck;
use seaworthy_dockerfile::{Args, Expanded, Keyword};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// The final image has no healthcheck: no `HEALTHCHECK` in the stages it is built from, or the
/// last one is `HEALTHCHECK NONE`. Images that declare neither a process (`CMD`,
/// `ENTRYPOINT`) nor a port (`EXPOSE`) anywhere in those stages are taken for base or tool
/// images, which have no service to check, and are left alone. The base image's own
/// healthcheck is not known here.
pub struct HealthcheckMissing;

static META: RuleMeta = RuleMeta {
    id: "SW1101",
    name: "healthcheck-missing",
    severity: Severity::Info,
    category: Category::Runtime,
    practice: 3,
    aliases: &[
        "DL3057",
        "DS-0026",
        "DS026",
        "AVD-DS-0026",
        "CKV_DOCKER_2",
        "CIS-DI-0006",
    ],
    summary: "The final image defines no HEALTHCHECK.",
    why: "Without a healthcheck, Docker and Compose only know whether the process exists, not \
          whether it works: a server that deadlocks or loses its database stays `running`, \
          `depends_on: condition: service_healthy` cannot wait for it, and Swarm never replaces \
          it. Kubernetes ignores HEALTHCHECK and uses probes instead, so the rule is \
          informational; images with no CMD, ENTRYPOINT or EXPOSE (base and tool images) are \
          not checked. Differs from hadolint: DL3057 is off by default in hadolint; this rule \
          is on, and only the final image is checked.",
    bad: "FROM nginx:1.27.2\nCOPY site /usr/share/nginx/html\nEXPOSE 80\n",
    good: "FROM nginx:1.27.2\nCOPY site /usr/share/nginx/html\nEXPOSE 80\n\
           HEALTHCHECK --start-period=10s CMD [\"curl\", \"-fsS\", \"http://localhost/\"]\n",
};

impl DockerfileRule for HealthcheckMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let Some(stage) = cx.final_stage() else {
            return;
        };
        let chain = cx.runtime_chain();
        // Source order: the chain runs from the final stage back to its root.
        let steps = || chain.iter().rev().flat_map(|s| s.steps.iter());
        let is_service = steps().any(|s| {
            matches!(
                s.instruction.kind,
                Keyword::Cmd | Keyword::Entrypoint | Keyword::Expose
            )
        });
        if !is_service {
            return;
        }
        let last = steps()
            .filter(|s| s.instruction.kind == Keyword::Healthcheck)
            .last();
        match last {
            Some(step) => {
                let Expanded::Healthcheck(Healthcheck { disabled: true, .. }) = &step.expanded
                else {
                    return;
                };
                let span = match &step.instruction.args {
                    Args::Healthcheck { kind, .. } => kind.span,
                    _ => step.instruction.keyword,
                };
                out.push(Finding::new(
                    &META,
                    span,
                    "HEALTHCHECK NONE turns the final image's healthcheck off, so nothing \
                     notices when the service stops working",
                ));
            }
            None => {
                let last = stage.steps.last().map_or(stage.from, |s| s.instruction);
                out.push(
                    Finding::new(
                        &META,
                        stage.from.keyword,
                        "the final image defines no HEALTHCHECK, so a hung service still \
                         counts as running",
                    )
                    .with_related(last.keyword, "add a HEALTHCHECK after this line"),
                );
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
        assert_documented_examples(&HealthcheckMissing);
    }

    #[test]
    fn fires() {
        assert_fires(
            &HealthcheckMissing,
            "FROM alpine\nCMD [\"./server\"]\n",
            &[1],
        );
        assert_fires(&HealthcheckMissing, "FROM alpine\nEXPOSE 8080\n", &[1]);
        assert_fires(
            &HealthcheckMissing,
            "FROM alpine\nHEALTHCHECK NONE\nCMD [\"./server\"]\n",
            &[2],
        );
        // A healthcheck in a build stage does not reach the final image.
        assert_fires(
            &HealthcheckMissing,
            "FROM alpine AS build\nHEALTHCHECK CMD [\"true\"]\nFROM alpine\nENTRYPOINT [\"/app\"]\n",
            &[3],
        );
        // The final stage turns the inherited healthcheck off.
        assert_fires(
            &HealthcheckMissing,
            "FROM alpine AS base\nHEALTHCHECK CMD [\"/hc\"]\nFROM base\nHEALTHCHECK NONE\nCMD [\"/app\"]\n",
            &[4],
        );
    }

    #[test]
    fn passes() {
        assert_clean(
            &HealthcheckMissing,
            "FROM alpine\nHEALTHCHECK CMD [\"/hc\"]\nCMD [\"./server\"]\n",
        );
        // Inherited from the stage the final stage is built on.
        assert_clean(
            &HealthcheckMissing,
            "FROM alpine AS base\nHEALTHCHECK CMD wget -q -O- localhost\nFROM base\nCMD [\"/app\"]\n",
        );
        // A base image: no process, no port.
        assert_clean(
            &HealthcheckMissing,
            "FROM alpine\nRUN apk add --no-cache curl\n",
        );
        // A build stage with CMD does not make the final image a service.
        assert_clean(
            &HealthcheckMissing,
            "FROM alpine AS build\nCMD make\nFROM alpine\nCOPY --from=build /x /x\n",
        );
        // A later HEALTHCHECK turns an earlier NONE back on.
        assert_clean(
            &HealthcheckMissing,
            "FROM alpine\nHEALTHCHECK NONE\nHEALTHCHECK CMD [\"/hc\"]\nEXPOSE 80\n",
        );
    }
}
