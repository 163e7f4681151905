use super::{at, ContainerContext, ContainerRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// The container's healthcheck reports `unhealthy`.
pub struct ContainerUnhealthy;

static META: RuleMeta = RuleMeta {
    id: "SW4016",
    name: "container-unhealthy",
    severity: Severity::Error,
    category: Category::Runtime,
    practice: 3,
    aliases: &[],
    summary: "A container's healthcheck reports it unhealthy.",
    why: "The container's own healthcheck says it does not work: it is running, so plain \
          Docker keeps routing traffic to it and restarts nothing (only Swarm and \
          orchestrators replace unhealthy tasks). Look at `docker inspect --format \
          '{{json .State.Health}}'` for the failing probe's output, fix the service or the \
          check, and let an orchestrator or autoheal restart unhealthy containers.",
    bad: "docker run -d --name api --health-cmd 'curl -fsS http://localhost:8080/health' \\\n  registry.example/shop/api:1.4.2\n# ... and the service stops answering on /health\n",
    good: "docker run -d --name api --health-cmd 'curl -fsS http://localhost:8080/health' \\\n  registry.example/shop/api:1.4.2\n# ... and the service answers on /health\n",
};

impl ContainerRule for ContainerUnhealthy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ContainerContext<'_>, out: &mut Vec<Finding>) {
        let Some(health) = cx.container.state.health() else {
            return;
        };
        if health.status.eq_ignore_ascii_case("unhealthy") {
            out.push(at(
                &META,
                "State.Health.Status",
                format!(
                    "is unhealthy ({} failed checks in a row): see `docker inspect --format \
                     '{{{{json .State.Health}}}}'` for the probe's output",
                    health.failing_streak
                ),
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
            &ContainerUnhealthy,
            &[(
                "/State/Health",
                json!({"Status": "unhealthy", "FailingStreak": 7}),
            )],
            &["State.Health.Status"],
        );
        // podman's libpod output before 4.0.
        let mut v = hardened_value();
        let state = v["State"].as_object_mut().unwrap();
        state.remove("Health");
        state.insert("Healthcheck".to_owned(), json!({"Status": "unhealthy"}));
        let c = seaworthy_runtime::inspect::container_from_value(v).unwrap();
        assert_eq!(findings(&ContainerUnhealthy, &c).len(), 1);
        let found = findings(
            &ContainerUnhealthy,
            &container_with(&[(
                "/State/Health",
                json!({"Status": "unhealthy", "FailingStreak": 7}),
            )]),
        );
        assert!(
            found[0].message.contains("{{json .State.Health}}"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn passes() {
        for status in ["healthy", "starting", ""] {
            assert_clean(
                &ContainerUnhealthy,
                &[("/State/Health/Status", json!(status))],
            );
        }
        assert_clean(&ContainerUnhealthy, &[("/State/Health", json!(null))]);
    }
}
