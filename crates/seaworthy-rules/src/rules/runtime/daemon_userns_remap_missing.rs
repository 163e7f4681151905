use super::{DaemonContext, DaemonRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// No user-namespace remapping: daemon.json has no `userns-remap`, and `/info` lists neither
/// `name=userns` nor `name=rootless` (a rootless daemon maps root to the user running it).
pub struct DaemonUsernsRemapMissing;

static META: RuleMeta = RuleMeta {
    id: "SW5002",
    name: "daemon-userns-remap-missing",
    severity: Severity::Info,
    category: Category::Identity,
    practice: 1,
    aliases: &["CIS-2.8"],
    summary: "The daemon maps container root to host root (no `userns-remap`).",
    why: "Without user namespaces uid 0 in a container is uid 0 on the host: a container \
          running as root that escapes, or writes through a bind mount, does so as root. \
          `\"userns-remap\": \"default\"` maps container uids to an unprivileged range of \
          the host (rootless Docker does the same). It changes the ownership of volumes and \
          is incompatible with `--network host` and `--pid host`, hence info: turn it on \
          where the workloads allow.",
    bad: "{\n  \"live-restore\": true\n}\n",
    good: "{\n  \"live-restore\": true,\n  \"userns-remap\": \"default\"\n}\n",
};

impl DaemonRule for DaemonUsernsRemapMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DaemonContext<'_>, out: &mut Vec<Finding>) {
        let d = cx.daemon;
        let file = d.file();
        if file
            .and_then(|f| f.userns_remap.as_deref())
            .is_some_and(|u| !u.trim().is_empty())
        {
            return;
        }
        let info = d.docker_info();
        if info
            .is_some_and(|i| i.has_security_option("userns") || i.has_security_option("rootless"))
        {
            return;
        }
        let place = match (file, info) {
            (Some(_), _) => "userns-remap",
            (None, Some(_)) => "Info.SecurityOptions",
            (None, None) => return,
        };
        out.push(Finding::at(
            &META,
            place,
            "container root is host root: set `\"userns-remap\": \"default\"` in daemon.json, \
             or run the daemon rootless",
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
        let d = daemon_with(&[("/userns-remap", json!(""))]);
        assert_eq!(
            daemon_findings(&DaemonUsernsRemapMissing, &d),
            ["userns-remap"]
        );
        let d = daemon_info(json!({"SecurityOptions": ["name=seccomp,profile=builtin"]}));
        assert_eq!(
            daemon_findings(&DaemonUsernsRemapMissing, &d),
            ["Info.SecurityOptions"]
        );
    }

    #[test]
    fn passes() {
        assert!(daemon_findings(&DaemonUsernsRemapMissing, &hardened_daemon()).is_empty());
        for opt in ["name=userns", "name=rootless"] {
            let d = daemon_info(json!({"SecurityOptions": ["name=seccomp,profile=builtin", opt]}));
            assert!(daemon_findings(&DaemonUsernsRemapMissing, &d).is_empty());
        }
    }
}
