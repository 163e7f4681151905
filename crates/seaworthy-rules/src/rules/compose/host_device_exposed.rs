use seaworthy_compose::model::Tree;

use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A host device passed into the container (`devices:`, short `HOST[:CONTAINER[:PERMS]]` or
/// long `{source, target, permissions}`, CDI names such as `nvidia.com/gpu=all` included), or
/// a `device_cgroup_rules:` entry letting the container create and use device nodes by number.
pub struct HostDeviceExposed;

static META: RuleMeta = RuleMeta {
    id: "SW2309",
    name: "compose-host-device-exposed",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 17,
    aliases: &["CIS-5.17"],
    summary: "A service gets a host device or a device cgroup rule.",
    why: "A device node is a door into the host kernel that namespaces do not close: a block \
          device gives raw access to the host's disks (mount it and read every file), \
          `/dev/mem` or `/dev/kmsg` the host's memory and logs, a GPU or USB device a driver's \
          whole attack surface. `device_cgroup_rules` go further: `c *:* rwm` lets the \
          container use any character device it can `mknod`. Pass only the one device the \
          service needs, read-only (`:r`) where it only reads, and keep the entry where a \
          reviewer sees it. Each entry is reported, after merging and interpolation.",
    bad: "services:\n  app:\n    image: nginx:1.27.2\n    devices:\n      - /dev/sda:/dev/sda\n",
    good: "services:\n  app:\n    image: nginx:1.27.2\n",
};

impl ComposeRule for HostDeviceExposed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        for service in cx.services() {
            let entries = |key: &str| -> &[Tree] {
                service.raw.get(key).and_then(Tree::as_seq).unwrap_or(&[])
            };
            for device in entries("devices") {
                let source = match device.scalar_text() {
                    Some(spec) => spec.split(':').next().unwrap_or_default().to_owned(),
                    None => device
                        .get("source")
                        .and_then(Tree::scalar_text)
                        .unwrap_or_default(),
                };
                // A CDI name (`vendor/class=name`) holds a `:` only in odd cases; show it whole.
                let shown = if source.contains('=') {
                    device.scalar_text().unwrap_or(source)
                } else {
                    source
                };
                out.push(finding_at(
                    &META,
                    device.origin,
                    format!(
                        "service `{}` gets the host device `{shown}`: the container talks to \
                         the host kernel's driver directly; pass it only if the service needs \
                         it",
                        service.name
                    ),
                ));
            }
            for rule in entries("device_cgroup_rules") {
                let text = rule.scalar_text().unwrap_or_default();
                out.push(finding_at(
                    &META,
                    rule.origin,
                    format!(
                        "service `{}` has the device cgroup rule `{text}`: it may create and use \
                         the host devices it matches",
                        service.name
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::compose::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&HostDeviceExposed);
    }

    #[test]
    fn fires() {
        assert_fires(
            &HostDeviceExposed,
            "services:\n  a:\n    image: x:1.0.0\n    devices:\n      - /dev/ttyUSB0:/dev/ttyUSB0:rwm\n      - \"/dev/fuse\"\n      - source: /dev/sda\n        target: /dev/xvda\n        permissions: r\n    device_cgroup_rules:\n      - 'c 189:* rmw'\n",
            &[5, 6, 7, 11],
        );
        // The device is named, a CDI device whole.
        let found = findings_with(
            &HostDeviceExposed,
            &crate::Settings::default(),
            &[(
                "compose.yaml",
                "services:\n  a:\n    image: x:1.0.0\n    devices:\n      - /dev/kvm:/dev/kvm\n      - nvidia.com/gpu=all\n",
            )],
        );
        assert!(found[0].2.contains("`/dev/kvm`"), "{found:?}");
        assert!(found[1].2.contains("`nvidia.com/gpu=all`"), "{found:?}");
        // From an override file and interpolated from `.env`.
        let found = findings_with(
            &HostDeviceExposed,
            &crate::Settings::default(),
            &[
                ("compose.yaml", "services:\n  a:\n    image: x:1.0.0\n"),
                (
                    "compose.override.yaml",
                    "services:\n  a:\n    devices:\n      - ${DEVICE}:/dev/video0\n",
                ),
                (".env", "DEVICE=/dev/video2\n"),
            ],
        );
        assert_eq!(places(&found), [("compose.override.yaml", 4)]);
        assert!(found[0].2.contains("`/dev/video2`"), "{found:?}");
    }

    #[test]
    fn passes() {
        assert_clean(&HostDeviceExposed, "services:\n  a:\n    image: x:1.0.0\n");
        assert_clean(
            &HostDeviceExposed,
            "services:\n  a:\n    image: x:1.0.0\n    devices: []\n    device_cgroup_rules: []\n",
        );
        // GPU reservations are a request to the runtime, not a device node passed by path.
        assert_clean(
            &HostDeviceExposed,
            "services:\n  a:\n    image: x:1.0.0\n    deploy:\n      resources:\n        reservations:\n          devices:\n            - driver: nvidia\n              count: 1\n              capabilities: [gpu]\n",
        );
        // A device reset by an override file.
        let found = findings_with(
            &HostDeviceExposed,
            &crate::Settings::default(),
            &[
                (
                    "compose.yaml",
                    "services:\n  a:\n    image: x:1.0.0\n    devices:\n      - /dev/fuse\n",
                ),
                (
                    "compose.override.yaml",
                    "services:\n  a:\n    devices: !reset []\n",
                ),
            ],
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
