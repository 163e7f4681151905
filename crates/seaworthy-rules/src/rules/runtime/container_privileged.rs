use super::{at, ContainerContext, ContainerRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `HostConfig.Privileged`: every capability, every device, no seccomp or AppArmor.
pub struct ContainerPrivileged;

static META: RuleMeta = RuleMeta {
    id: "SW4001",
    name: "container-privileged",
    severity: Severity::Error,
    category: Category::Runtime,
    practice: 17,
    aliases: &[],
    summary: "A container runs privileged.",
    why: "A privileged container has every Linux capability, sees every host device and runs \
          without the seccomp and AppArmor profiles that confine ordinary containers: a \
          process that escapes the application owns the host (mount the host disk, load a \
          kernel module). Grant the one capability (`--cap-add`) or device (`--device`) the \
          container needs instead. This is CIS Docker Benchmark 5.4, whose alias \
          compose-privileged holds. The capability, seccomp and AppArmor rules stay silent \
          on a privileged container: this finding covers them.",
    bad: "docker run -d --name vpn --privileged registry.example/net/vpn:2.1.0\n",
    good: "docker run -d --name vpn --cap-drop ALL --cap-add NET_ADMIN --device /dev/net/tun \\\n  registry.example/net/vpn:2.1.0\n",
};

impl ContainerRule for ContainerPrivileged {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ContainerContext<'_>, out: &mut Vec<Finding>) {
        if cx.container.host().privileged {
            out.push(at(
                &META,
                "HostConfig.Privileged",
                "runs privileged: every capability and device of the host, no seccomp or \
                 AppArmor; add only the capabilities and devices it needs",
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
            &ContainerPrivileged,
            &[("/HostConfig/Privileged", json!(true))],
            &["HostConfig.Privileged"],
        );
        // podman's shape of a privileged container.
        assert_fires(
            &ContainerPrivileged,
            &[
                ("/HostConfig/Privileged", json!(true)),
                ("/HostConfig/CapDrop", json!(["SYS_RESOURCE"])),
            ],
            &["HostConfig.Privileged"],
        );
    }

    #[test]
    fn passes() {
        assert_clean(
            &ContainerPrivileged,
            &[("/HostConfig/Privileged", json!(false))],
        );
        assert_clean(
            &ContainerPrivileged,
            &[("/HostConfig/Privileged", json!(null))],
        );
    }
}
