use super::{at, ContainerContext, ContainerRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A host device passed into the container (`--device`).
pub struct ContainerHostDevice;

static META: RuleMeta = RuleMeta {
    id: "SW4018",
    name: "container-host-device",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 17,
    aliases: &[],
    summary: "A container has a host device passed through.",
    why: "A device node gives the container direct access to host hardware or kernel \
          interfaces: a disk (`/dev/sda`) can be read or rewritten below the filesystem, \
          `/dev/mem` and `/dev/kmsg` expose the kernel, `/dev/fuse` and `/dev/net/tun` widen \
          the kernel attack surface. Pass only the device the workload needs, with the \
          fewest permissions (`--device /dev/net/tun:/dev/net/tun:rw` rather than `rwm`), \
          and suppress the finding with the reason. This is CIS Docker Benchmark 5.17, \
          whose alias compose-host-device-exposed holds.",
    bad: "docker run -d --name backup --device /dev/sda registry.example/ops/backup:2.3.0\n",
    good: "docker run -d --name backup -v backup-data:/data registry.example/ops/backup:2.3.0\n",
};

impl ContainerRule for ContainerHostDevice {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ContainerContext<'_>, out: &mut Vec<Finding>) {
        for d in &cx.container.host().devices {
            let inside = if d.path_in_container.is_empty() {
                &d.path_on_host
            } else {
                &d.path_in_container
            };
            let perms = if d.cgroup_permissions.is_empty() {
                "rwm"
            } else {
                &d.cgroup_permissions
            };
            out.push(at(
                &META,
                format!("HostConfig.Devices[{}]", d.path_on_host),
                format!(
                    "has the host device {} passed through at {inside} ({perms}): pass only \
                     what it needs",
                    d.path_on_host
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
            &ContainerHostDevice,
            &[(
                "/HostConfig/Devices",
                json!([
                    {"PathOnHost": "/dev/sda", "PathInContainer": "/dev/xvda", "CgroupPermissions": "rwm"},
                    {"PathOnHost": "/dev/net/tun", "PathInContainer": "", "CgroupPermissions": ""}
                ]),
            )],
            &[
                "HostConfig.Devices[/dev/sda]",
                "HostConfig.Devices[/dev/net/tun]",
            ],
        );
    }

    #[test]
    fn passes() {
        assert_clean(
            &ContainerHostDevice,
            &[("/HostConfig/Devices", json!(null))],
        );
        assert_clean(&ContainerHostDevice, &[("/HostConfig/Devices", json!([]))]);
    }
}
