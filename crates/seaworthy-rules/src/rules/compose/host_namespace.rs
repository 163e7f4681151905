use seaworthy_compose::model::Tree;
use seaworthy_compose::Spanned;

use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// The service shares one of the host's namespaces: network, PID, IPC, UTS or user.
pub struct HostNamespace;

static META: RuleMeta = RuleMeta {
    id: "SW2306",
    name: "compose-host-namespace",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 20,
    aliases: &["CIS-5.9", "CIS-5.15", "CIS-5.16", "CIS-5.20", "CIS-5.30"],
    summary: "A service shares a namespace with the host.",
    why: "Namespaces are what isolates a container. `network_mode: host` exposes every host \
          interface and the services bound to localhost, and bypasses published-port rules; \
          `pid: host` lets the container see, signal and trace every host process; `ipc: host` \
          shares the host's shared memory; `uts: host` lets it change the host name; \
          `userns_mode: host` turns off user-namespace remapping, so root in the container is \
          root on the host. Sharing with another service (`network_mode: service:db`, \
          `pid: container:x`) is not reported. Values are compared after interpolation and \
          merging, case-insensitively as Docker does.",
    bad: "services:\n  app:\n    image: nginx:1.27.2\n    network_mode: host\n    pid: host\n",
    good: "services:\n  app:\n    image: nginx:1.27.2\n    ports:\n      \
           - \"127.0.0.1:8080:80\"\n",
};

impl ComposeRule for HostNamespace {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        for service in cx.services() {
            let raw = |key: &str| service.raw.get(key).and_then(Tree::spanned_text);
            let keys: [(&str, Option<Spanned<String>>, &str); 5] = [
                (
                    "network_mode",
                    service.network_mode.clone(),
                    "network: every host interface and localhost service",
                ),
                (
                    "pid",
                    service.pid.clone(),
                    "PID namespace: every host process",
                ),
                (
                    "ipc",
                    service.ipc.clone(),
                    "IPC namespace: the host's shared memory",
                ),
                ("uts", raw("uts"), "UTS namespace: the host name"),
                (
                    "userns_mode",
                    raw("userns_mode"),
                    "user namespace: no UID remapping",
                ),
            ];
            for (key, value, what) in keys {
                let Some(value) = value else {
                    continue;
                };
                if value.value.trim().eq_ignore_ascii_case("host") {
                    out.push(finding_at(
                        &META,
                        value.origin,
                        format!(
                            "service `{}` shares the host's {what}; remove `{key}: host`",
                            service.name
                        ),
                    ));
                }
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
        assert_documented_examples(&HostNamespace);
    }

    #[test]
    fn fires() {
        assert_fires(
            &HostNamespace,
            "services:\n  a:\n    image: x:1.0.0\n    network_mode: host\n    pid: host\n    \
             ipc: host\n    uts: host\n    userns_mode: host\n",
            &[4, 5, 6, 7, 8],
        );
        assert_fires(
            &HostNamespace,
            "services:\n  a:\n    image: x:1.0.0\n    network_mode: \"HOST\"\n",
            &[4],
        );
        let found = findings_with(
            &HostNamespace,
            &crate::Settings::default(),
            &[
                (
                    "compose.yaml",
                    "services:\n  a:\n    image: x:1.0.0\n    pid: ${PID_MODE}\n",
                ),
                ("compose.override.yaml", "services:\n  a:\n    ipc: host\n"),
                (".env", "PID_MODE=host\n"),
            ],
        );
        assert_eq!(places(&found), [("compose.yaml", 4), ("compose.override.yaml", 3)]);
    }

    #[test]
    fn passes() {
        assert_clean(
            &HostNamespace,
            "services:\n  a:\n    image: x:1.0.0\n    network_mode: \"service:b\"\n    \
             pid: \"container:abc\"\n    ipc: shareable\n  b:\n    image: y:1.0.0\n    \
             network_mode: bridge\n    ipc: private\n",
        );
        assert_clean(&HostNamespace, "services:\n  a:\n    image: x:1.0.0\n");
    }
}
