use super::cap_drop_all_missing::capability;
use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `cap_add` grants a capability that breaks the container's isolation from the host.
pub struct RiskyCapAdd;

static META: RuleMeta = RuleMeta {
    id: "SW2304",
    name: "compose-risky-cap-add",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 17,
    aliases: &[],
    summary: "A service adds a capability that lets it escape or control the host.",
    why: "Some capabilities are nearly root on the host: SYS_ADMIN (mount, namespaces, BPF; \
          the classic escape), SYS_MODULE (load kernel modules), SYS_RAWIO (raw device and \
          port I/O), SYS_PTRACE (read and inject into other processes), DAC_READ_SEARCH \
          (read any file by handle, the \"shocker\" escape), NET_ADMIN (reconfigure \
          networking, sniff traffic), SYS_BOOT, SYS_TIME (the host clock), BPF, PERFMON, \
          MAC_ADMIN, MAC_OVERRIDE, LINUX_IMMUTABLE, SYSLOG, and ALL. Names are matched \
          case-insensitively, with or without `CAP_`. Capabilities Docker grants by default \
          (CHOWN, NET_BIND_SERVICE, ...) are not reported. When a service truly needs one \
          (a VPN needs NET_ADMIN), suppress the finding with the reason.",
    bad: "services:\n  app:\n    image: nginx:1.27.2\n    cap_add: [SYS_ADMIN]\n",
    good: "services:\n  app:\n    image: nginx:1.27.2\n    cap_drop: [ALL]\n    \
           cap_add: [NET_BIND_SERVICE]\n",
};


impl ComposeRule for RiskyCapAdd {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        for service in cx.services() {
            for cap in &service.cap_add {
                let name = capability(&cap.value);
                if crate::host::RISKY_CAPABILITIES.contains(&name.as_str()) {
                    out.push(finding_at(
                        &META,
                        cap.origin,
                        format!(
                            "service `{}` adds {name}, which lets a compromised container \
                             reach the host",
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
        assert_documented_examples(&RiskyCapAdd);
    }

    #[test]
    fn fires() {
        assert_fires(
            &RiskyCapAdd,
            "services:\n  a:\n    image: x:1.0.0\n    cap_add:\n      - CHOWN\n      \
             - cap_sys_admin\n      - NET_ADMIN\n",
            &[6, 7],
        );
        assert_fires(
            &RiskyCapAdd,
            "services:\n  a:\n    image: x:1.0.0\n    cap_add: [all]\n",
            &[4],
        );
        // Added by an override file, interpolated.
        let found = findings_with(
            &RiskyCapAdd,
            &crate::Settings::default(),
            &[
                (
                    "compose.yaml",
                    "services:\n  a:\n    image: x:1.0.0\n    cap_add: [CHOWN]\n",
                ),
                (
                    "compose.override.yaml",
                    "services:\n  a:\n    cap_add:\n      - ${CAP:-SYS_PTRACE}\n",
                ),
            ],
        );
        assert_eq!(places(&found), [("compose.override.yaml", 4)]);
    }

    #[test]
    fn passes() {
        assert_clean(
            &RiskyCapAdd,
            "services:\n  a:\n    image: x:1.0.0\n    cap_drop: [ALL]\n    \
             cap_add: [NET_BIND_SERVICE, CHOWN, SETUID, SETGID, NET_RAW]\n",
        );
        assert_clean(
            &RiskyCapAdd,
            "services:\n  a:\n    image: x:1.0.0\n    cap_drop: [SYS_ADMIN]\n",
        );
    }
}
