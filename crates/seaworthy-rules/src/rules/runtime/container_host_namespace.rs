use super::{at, ContainerContext, ContainerRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// The container shares a namespace with the host: network, PID, IPC, UTS or user.
pub struct ContainerHostNamespace;

static META: RuleMeta = RuleMeta {
    id: "SW4012",
    name: "container-host-namespace",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 20,
    aliases: &[],
    summary: "A container shares the host's network, PID, IPC, UTS or user namespace.",
    why: "Namespaces are what separates a container from the host. The host network lets it \
          bind any host port and reach services listening on localhost; the host PID \
          namespace lets it see, signal and ptrace every host process; host IPC exposes \
          shared memory; host UTS lets it rename the host; the host user namespace turns off \
          userns-remap for it. Use a user-defined network and the container's own \
          namespaces. These are CIS Docker Benchmark 5.9, 5.15, 5.16, 5.20 and 5.30, whose \
          aliases compose-host-namespace holds.",
    bad: "docker run -d --name api --network host --pid host registry.example/shop/api:1.4.2\n",
    good: "docker run -d --name api --network shop_backend registry.example/shop/api:1.4.2\n",
};

impl ContainerRule for ContainerHostNamespace {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ContainerContext<'_>, out: &mut Vec<Finding>) {
        let h = cx.container.host();
        for (field, value, what) in [
            ("HostConfig.NetworkMode", &h.network_mode, "network"),
            ("HostConfig.PidMode", &h.pid_mode, "PID"),
            ("HostConfig.IpcMode", &h.ipc_mode, "IPC"),
            ("HostConfig.UTSMode", &h.uts_mode, "UTS"),
            ("HostConfig.UsernsMode", &h.userns_mode, "user"),
        ] {
            if value.trim().eq_ignore_ascii_case("host") {
                out.push(at(
                    &META,
                    field,
                    format!("shares the host's {what} namespace: give it its own"),
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
            &ContainerHostNamespace,
            &[
                ("/HostConfig/NetworkMode", json!("host")),
                ("/HostConfig/PidMode", json!("host")),
                ("/HostConfig/IpcMode", json!("host")),
                ("/HostConfig/UTSMode", json!("host")),
                ("/HostConfig/UsernsMode", json!("host")),
            ],
            &[
                "HostConfig.NetworkMode",
                "HostConfig.PidMode",
                "HostConfig.IpcMode",
                "HostConfig.UTSMode",
                "HostConfig.UsernsMode",
            ],
        );
    }

    #[test]
    fn passes() {
        assert_clean(
            &ContainerHostNamespace,
            &[
                ("/HostConfig/NetworkMode", json!("bridge")),
                ("/HostConfig/PidMode", json!("container:abc")),
                ("/HostConfig/IpcMode", json!("shareable")),
                ("/HostConfig/UTSMode", json!("private")),
                ("/HostConfig/UsernsMode", json!(null)),
            ],
        );
        assert_clean(
            &ContainerHostNamespace,
            &[("/HostConfig/NetworkMode", json!("none"))],
        );
    }
}
