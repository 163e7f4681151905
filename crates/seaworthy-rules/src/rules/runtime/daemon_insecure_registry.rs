use seaworthy_runtime::daemon::is_loopback_host;

use super::{DaemonContext, DaemonRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A registry the daemon pulls from without TLS verification: daemon.json
/// `insecure-registries`, else `/info`'s `RegistryConfig`. Loopback registries (which Docker
/// always treats as insecure) pass.
pub struct DaemonInsecureRegistry;

static META: RuleMeta = RuleMeta {
    id: "SW5005",
    name: "daemon-insecure-registry",
    severity: Severity::Warning,
    category: Category::Supply,
    practice: 21,
    aliases: &["CIS-2.4"],
    summary: "The daemon pulls from a registry without TLS verification.",
    why: "An insecure registry is reached over plain HTTP or with any certificate accepted: \
          anyone on the network path can serve a different image under the same tag, and \
          every container started from it runs their code, with the credentials used to \
          log in sent in the clear. Give the registry a certificate (an internal CA added \
          to /etc/docker/certs.d/<registry>/ca.crt is enough) and remove it from \
          `insecure-registries`.",
    bad: "{\n  \"insecure-registries\": [\"registry.internal:5000\"]\n}\n",
    good: "{\n  \"insecure-registries\": []\n}\n",
};

impl DaemonRule for DaemonInsecureRegistry {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DaemonContext<'_>, out: &mut Vec<Finding>) {
        let d = cx.daemon;
        let (prefix, registries) = match (d.file(), d.docker_info()) {
            (Some(f), _) => (
                "insecure-registries",
                f.insecure_registries
                    .iter()
                    .filter(|r| !is_loopback_host(r) && r.as_str() != "127.0.0.0/8")
                    .cloned()
                    .collect::<Vec<_>>(),
            ),
            (None, Some(i)) => ("Info.RegistryConfig", i.insecure_registries()),
            (None, None) => return,
        };
        for r in registries {
            out.push(Finding::at(
                &META,
                format!("{prefix}[{r}]"),
                format!(
                    "pulls from {r} without TLS verification: images and credentials can be \
                     tampered with on the way; give it a certificate"
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
        let d = daemon_with(&[(
            "/insecure-registries",
            json!(["registry.internal:5000", "localhost:5000", "10.0.0.0/8"]),
        )]);
        assert_eq!(
            daemon_findings(&DaemonInsecureRegistry, &d),
            [
                "insecure-registries[registry.internal:5000]",
                "insecure-registries[10.0.0.0/8]"
            ]
        );
        let d = daemon_info(
            json!({"RegistryConfig": {"InsecureRegistryCIDRs": ["127.0.0.0/8"],
            "IndexConfigs": {"reg.internal": {"Name": "reg.internal", "Secure": false}}}}),
        );
        assert_eq!(
            daemon_findings(&DaemonInsecureRegistry, &d),
            ["Info.RegistryConfig[reg.internal]"]
        );
    }

    #[test]
    fn passes() {
        assert!(daemon_findings(&DaemonInsecureRegistry, &hardened_daemon()).is_empty());
        let d = daemon_info(
            json!({"RegistryConfig": {"InsecureRegistryCIDRs": ["127.0.0.0/8"],
            "IndexConfigs": {"docker.io": {"Name": "docker.io", "Secure": true}}}}),
        );
        assert!(daemon_findings(&DaemonInsecureRegistry, &d).is_empty());
    }
}
