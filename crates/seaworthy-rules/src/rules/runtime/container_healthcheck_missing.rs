use super::{at, ContainerContext, ContainerRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// Neither the image nor the container defines a healthcheck, or it is disabled (`NONE`,
/// `--no-healthcheck`).
pub struct ContainerHealthcheckMissing;

static META: RuleMeta = RuleMeta {
    id: "SW4017",
    name: "container-healthcheck-missing",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 3,
    aliases: &[],
    summary: "A container has no healthcheck.",
    why: "Without a healthcheck, \"running\" only means the process has not exited: a \
          deadlocked server, a lost database connection or a full disk look the same as a \
          working service, so nothing restarts it and load balancers, Compose \
          `depends_on: service_healthy` and rolling updates cannot tell. Add a HEALTHCHECK \
          to the image or `--health-cmd` to the container that exercises the service \
          (an HTTP endpoint, a query). This is CIS Docker Benchmark 5.26, whose alias \
          compose-healthcheck-missing holds.",
    bad: "docker run -d --name api registry.example/shop/api:1.4.2\n",
    good: "docker run -d --name api --health-cmd '/app/server --health' --health-interval 30s \\\n  registry.example/shop/api:1.4.2\n",
};

impl ContainerRule for ContainerHealthcheckMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ContainerContext<'_>, out: &mut Vec<Finding>) {
        let c = cx.container;
        let test = c
            .config
            .healthcheck
            .as_ref()
            .map(|h| h.test.as_slice())
            .unwrap_or_default();
        let disabled = test.first().is_some_and(|t| t.eq_ignore_ascii_case("NONE"));
        if disabled {
            out.push(at(
                &META,
                "Config.Healthcheck",
                "has its healthcheck disabled (`NONE`): nothing notices when it stops working",
            ));
        } else if test.is_empty() && c.state.health().is_none_or(|h| h.status.trim().is_empty()) {
            out.push(at(
                &META,
                "Config.Healthcheck",
                "has no healthcheck: nothing notices when it stops working; add a HEALTHCHECK \
                 to the image or `--health-cmd`",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use seaworthy_runtime::serde_json::json;

    #[test]
    fn fires() {
        assert_fires(
            &ContainerHealthcheckMissing,
            &[
                ("/Config/Healthcheck", json!(null)),
                ("/State/Health", json!(null)),
            ],
            &["Config.Healthcheck"],
        );
        assert_fires(
            &ContainerHealthcheckMissing,
            &[
                ("/Config/Healthcheck", json!({"Test": ["NONE"]})),
                ("/State/Health", json!(null)),
            ],
            &["Config.Healthcheck"],
        );
        // podman reports an empty health state for a container without a healthcheck.
        assert_fires(
            &ContainerHealthcheckMissing,
            &[
                ("/Config/Healthcheck", json!(null)),
                (
                    "/State/Health",
                    json!({"Status": "", "FailingStreak": 0, "Log": null}),
                ),
            ],
            &["Config.Healthcheck"],
        );
    }

    #[test]
    fn passes() {
        // Only the state says a healthcheck runs (a trimmed inspect output).
        assert_clean(
            &ContainerHealthcheckMissing,
            &[("/Config/Healthcheck", json!(null))],
        );
        assert_clean(
            &ContainerHealthcheckMissing,
            &[
                (
                    "/Config/Healthcheck",
                    json!({"Test": ["CMD-SHELL", "true"]}),
                ),
                ("/State/Health", json!(null)),
            ],
        );
    }
}
