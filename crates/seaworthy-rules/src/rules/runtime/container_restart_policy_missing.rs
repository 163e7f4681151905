use super::{at, ContainerContext, ContainerRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// No restart policy (`RestartPolicy.Name` empty or `no`).
///
/// Containers removed on exit (`--rm`) and Swarm tasks (restarted by their service) pass.
pub struct ContainerRestartPolicyMissing;

static META: RuleMeta = RuleMeta {
    id: "SW4008",
    name: "container-restart-policy-missing",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 19,
    aliases: &[],
    summary: "A container has no restart policy.",
    why: "Without a restart policy a container that crashes, is OOM-killed or outlives a \
          daemon restart or host reboot stays down until someone notices. Use \
          `--restart unless-stopped` for services, or `--restart on-failure:5` to stop a \
          crash loop after a few tries (CIS Docker Benchmark 5.14 asks for at most 5, an \
          alias compose-restart-policy-missing holds). One-off containers run with `--rm` \
          and Swarm tasks are not reported.",
    bad: "docker run -d --name api registry.example/shop/api:1.4.2\n",
    good: "docker run -d --name api --restart unless-stopped registry.example/shop/api:1.4.2\n",
};

impl ContainerRule for ContainerRestartPolicyMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ContainerContext<'_>, out: &mut Vec<Finding>) {
        let c = cx.container;
        let h = c.host();
        if h.auto_remove || c.config.labels.contains_key("com.docker.swarm.service.id") {
            return;
        }
        let name = h.restart_policy.name.trim();
        if name.is_empty() || name.eq_ignore_ascii_case("no") {
            out.push(at(
                &META,
                "HostConfig.RestartPolicy",
                "has no restart policy: a crash or reboot leaves it down; use `--restart \
                 unless-stopped` or `--restart on-failure:5`",
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
        for name in ["", "no"] {
            assert_fires(
                &ContainerRestartPolicyMissing,
                &[(
                    "/HostConfig/RestartPolicy",
                    json!({"Name": name, "MaximumRetryCount": 0}),
                )],
                &["HostConfig.RestartPolicy"],
            );
        }
        assert_fires(
            &ContainerRestartPolicyMissing,
            &[("/HostConfig/RestartPolicy", json!(null))],
            &["HostConfig.RestartPolicy"],
        );
    }

    #[test]
    fn passes() {
        for name in ["always", "unless-stopped", "on-failure"] {
            assert_clean(
                &ContainerRestartPolicyMissing,
                &[(
                    "/HostConfig/RestartPolicy",
                    json!({"Name": name, "MaximumRetryCount": 3}),
                )],
            );
        }
        assert_clean(
            &ContainerRestartPolicyMissing,
            &[
                ("/HostConfig/RestartPolicy/Name", json!("no")),
                ("/HostConfig/AutoRemove", json!(true)),
            ],
        );
        assert_clean(
            &ContainerRestartPolicyMissing,
            &[
                ("/HostConfig/RestartPolicy/Name", json!("")),
                (
                    "/Config/Labels",
                    json!({"com.docker.swarm.service.id": "x1"}),
                ),
            ],
        );
    }
}
