use super::{at, capability, ContainerContext, ContainerRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `CapAdd` grants a capability that breaks the container's isolation from the host.
pub struct ContainerRiskyCapAdd;

static META: RuleMeta = RuleMeta {
    id: "SW4003",
    name: "container-risky-cap-add",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 17,
    aliases: &[],
    summary: "A container adds a capability that lets it escape or control the host.",
    why: "Some capabilities are nearly root on the host: SYS_ADMIN (mount, namespaces, BPF; \
          the classic escape), SYS_MODULE (load kernel modules), SYS_RAWIO, SYS_PTRACE (read \
          and inject into other processes), DAC_READ_SEARCH (read any file by handle, the \
          \"shocker\" escape), NET_ADMIN, SYS_BOOT, SYS_TIME, BPF, PERFMON, MAC_ADMIN, \
          MAC_OVERRIDE, LINUX_IMMUTABLE, SYSLOG, and ALL. docker-bench-security's community \
          checks flag DAC_READ_SEARCH, SYS_MODULE, SYS_ADMIN and SYS_PTRACE for the same \
          reason. When a container truly needs one (a VPN needs NET_ADMIN), suppress the \
          finding with the reason. A privileged container is container-privileged's.",
    bad: "docker run -d --name agent --cap-add SYS_ADMIN registry.example/ops/agent:3.0.1\n",
    good: "docker run -d --name agent --cap-drop ALL --cap-add NET_BIND_SERVICE \\\n  registry.example/ops/agent:3.0.1\n",
};


impl ContainerRule for ContainerRiskyCapAdd {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ContainerContext<'_>, out: &mut Vec<Finding>) {
        let host = cx.container.host();
        if host.privileged {
            return;
        }
        for cap in &host.cap_add {
            let name = capability(cap);
            if crate::host::RISKY_CAPABILITIES.contains(&name.as_str()) {
                out.push(at(
                    &META,
                    format!("HostConfig.CapAdd[{name}]"),
                    format!("adds {name}, which lets a compromised container reach the host"),
                ));
            }
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
            &ContainerRiskyCapAdd,
            &[(
                "/HostConfig/CapAdd",
                json!(["CHOWN", "cap_sys_admin", "NET_ADMIN"]),
            )],
            &[
                "HostConfig.CapAdd[SYS_ADMIN]",
                "HostConfig.CapAdd[NET_ADMIN]",
            ],
        );
        assert_fires(
            &ContainerRiskyCapAdd,
            &[("/HostConfig/CapAdd", json!(["ALL"]))],
            &["HostConfig.CapAdd[ALL]"],
        );
    }

    #[test]
    fn passes() {
        assert_clean(
            &ContainerRiskyCapAdd,
            &[(
                "/HostConfig/CapAdd",
                json!(["NET_BIND_SERVICE", "CHOWN", "SETUID", "NET_RAW"]),
            )],
        );
        assert_clean(
            &ContainerRiskyCapAdd,
            &[("/HostConfig/CapAdd", json!(null))],
        );
        assert_clean(
            &ContainerRiskyCapAdd,
            &[
                ("/HostConfig/Privileged", json!(true)),
                ("/HostConfig/CapAdd", json!(["SYS_ADMIN"])),
            ],
        );
    }
}
