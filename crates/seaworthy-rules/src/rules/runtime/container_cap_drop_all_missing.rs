use super::{at, capability, is_podman, ContainerContext, ContainerRule, DEFAULT_CAPS};
use crate::{Category, Finding, RuleMeta, Severity};

/// The container keeps Docker's default capabilities: no `--cap-drop ALL`.
///
/// - `CapDrop` with `ALL` passes, and so does a `CapDrop` (plus `CapAdd`) that names all
///   fourteen default capabilities.
/// - podman reports `--cap-drop ALL --cap-add X` as the default list minus X, with `CapAdd`
///   empty: for a podman container, a `CapDrop` naming at least 8 of the 14 defaults counts as
///   dropping all and adding the rest back.
/// - A privileged container is container-privileged's.
pub struct ContainerCapDropAllMissing;

static META: RuleMeta = RuleMeta {
    id: "SW4002",
    name: "container-cap-drop-all-missing",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 17,
    aliases: &[],
    summary: "A container does not drop all Linux capabilities.",
    why: "Docker grants every container fourteen capabilities (CHOWN, DAC_OVERRIDE, FOWNER, \
          SETUID, SETGID, NET_RAW, MKNOD, ...) that most services never use and that an \
          attacker inside the container uses to escalate. `--cap-drop ALL` removes them; \
          `--cap-add` then gives back only what the service needs. podman's \
          Docker-compatible output lists the dropped defaults instead of `ALL`, which counts \
          too. This is CIS Docker Benchmark 5.3, whose alias compose-cap-drop-all-missing \
          holds; CIS only asks that capabilities be reviewed, seaworthy asks for ALL.",
    bad: "docker run -d --name api registry.example/shop/api:1.4.2\n",
    good: "docker run -d --name api --cap-drop ALL --cap-add NET_BIND_SERVICE \\\n  registry.example/shop/api:1.4.2\n",
};

impl ContainerRule for ContainerCapDropAllMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ContainerContext<'_>, out: &mut Vec<Finding>) {
        let host = cx.container.host();
        if host.privileged {
            return;
        }
        let dropped: Vec<String> = host.cap_drop.iter().map(|c| capability(c)).collect();
        if dropped.iter().any(|c| c == "ALL") {
            return;
        }
        let added: Vec<String> = host.cap_add.iter().map(|c| capability(c)).collect();
        let kept: Vec<&str> = DEFAULT_CAPS
            .iter()
            .copied()
            .filter(|c| !dropped.iter().any(|d| d == c) && !added.iter().any(|a| a == c))
            .collect();
        if kept.is_empty() {
            return;
        }
        if is_podman(cx.container) && DEFAULT_CAPS.len() - kept.len() >= 8 {
            return;
        }
        out.push(at(
            &META,
            "HostConfig.CapDrop",
            format!(
                "keeps {} of Docker's default capabilities ({}): add `--cap-drop ALL` and \
                 `--cap-add` only those it needs",
                kept.len(),
                kept.join(", ")
            ),
        ));
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
            &ContainerCapDropAllMissing,
            &[("/HostConfig/CapDrop", json!(null))],
            &["HostConfig.CapDrop"],
        );
        assert_fires(
            &ContainerCapDropAllMissing,
            &[("/HostConfig/CapDrop", json!(["NET_RAW", "MKNOD"]))],
            &["HostConfig.CapDrop"],
        );
        // A podman container that dropped only a few.
        assert_fires(
            &ContainerCapDropAllMissing,
            &[
                ("/Config/Env", json!(["container=podman"])),
                ("/HostConfig/CapDrop", json!(["NET_RAW", "MKNOD", "SETUID"])),
            ],
            &["HostConfig.CapDrop"],
        );
        let found = findings(
            &ContainerCapDropAllMissing,
            &container_with(&[("/HostConfig/CapDrop", json!(["NET_RAW"]))]),
        );
        assert!(
            found[0].message.contains("keeps 12 of"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn passes() {
        assert_clean(
            &ContainerCapDropAllMissing,
            &[("/HostConfig/CapDrop", json!(["all"]))],
        );
        assert_clean(
            &ContainerCapDropAllMissing,
            &[("/HostConfig/CapDrop", json!(["CAP_ALL"]))],
        );
        // Every default named one by one, some given back.
        assert_clean(
            &ContainerCapDropAllMissing,
            &[
                (
                    "/HostConfig/CapDrop",
                    json!([
                        "AUDIT_WRITE",
                        "CHOWN",
                        "DAC_OVERRIDE",
                        "FOWNER",
                        "FSETID",
                        "KILL",
                        "MKNOD",
                        "NET_RAW",
                        "SETFCAP",
                        "SETGID",
                        "SETPCAP",
                        "SETUID",
                        "SYS_CHROOT"
                    ]),
                ),
                ("/HostConfig/CapAdd", json!(["NET_BIND_SERVICE"])),
            ],
        );
        // podman: `--cap-drop ALL --cap-add CHOWN,SETUID,SETGID,NET_BIND_SERVICE`.
        assert_clean(
            &ContainerCapDropAllMissing,
            &[
                ("/Config/Env", json!(["container=podman"])),
                (
                    "/HostConfig/CapDrop",
                    json!([
                        "AUDIT_WRITE",
                        "DAC_OVERRIDE",
                        "FOWNER",
                        "FSETID",
                        "KILL",
                        "MKNOD",
                        "NET_RAW",
                        "SETFCAP",
                        "SETPCAP",
                        "SYS_CHROOT"
                    ]),
                ),
                ("/HostConfig/CapAdd", json!([])),
            ],
        );
        // Privileged: container-privileged reports it.
        assert_clean(
            &ContainerCapDropAllMissing,
            &[
                ("/HostConfig/Privileged", json!(true)),
                ("/HostConfig/CapDrop", json!(["SYS_RESOURCE"])),
            ],
        );
    }
}
