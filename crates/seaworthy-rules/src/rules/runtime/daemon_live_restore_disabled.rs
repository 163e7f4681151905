use super::{DaemonContext, DaemonRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `live-restore` is not on: from daemon.json, else from `/info` (`LiveRestoreEnabled`). Not
/// reported in Swarm mode, where live-restore does not apply, nor for podman, whose containers
/// outlive its service anyway.
pub struct DaemonLiveRestoreDisabled;

static META: RuleMeta = RuleMeta {
    id: "SW5001",
    name: "daemon-live-restore-disabled",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 19,
    aliases: &["CIS-2.13"],
    summary: "The daemon stops every container when it restarts (no `live-restore`).",
    why: "Without live-restore, upgrading or restarting dockerd stops every container on the \
          host, and restart policies bring them back only after the daemon is up again: \
          every daemon update is an outage. `\"live-restore\": true` keeps containers \
          running while the daemon is down.",
    bad: "{\n  \"log-driver\": \"local\"\n}\n",
    good: "{\n  \"log-driver\": \"local\",\n  \"live-restore\": true\n}\n",
};

impl DaemonRule for DaemonLiveRestoreDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DaemonContext<'_>, out: &mut Vec<Finding>) {
        let d = cx.daemon;
        let info = d.docker_info();
        if info
            .and_then(|i| i.swarm.as_ref())
            .is_some_and(|s| s.local_node_state == "active")
        {
            return;
        }
        let (place, on) = match (d.file().and_then(|f| f.live_restore), d.file(), info) {
            (Some(v), _, _) => ("live-restore", v),
            (None, _, Some(i)) if i.live_restore_enabled.is_some() => (
                "Info.LiveRestoreEnabled",
                i.live_restore_enabled == Some(true),
            ),
            (None, Some(_), _) => ("live-restore", false),
            _ => return,
        };
        if !on {
            out.push(Finding::at(
                &META,
                place,
                "live-restore is off: restarting or upgrading the daemon stops every \
                 container; set `\"live-restore\": true` in daemon.json",
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
        let d = daemon_with(&[("/live-restore", json!(false))]);
        assert_eq!(
            daemon_findings(&DaemonLiveRestoreDisabled, &d),
            ["live-restore"]
        );
        assert_eq!(
            daemon_findings(&DaemonLiveRestoreDisabled, &daemon_from("{}")),
            ["live-restore"]
        );
        let d = daemon_info(json!({"LiveRestoreEnabled": false}));
        assert_eq!(
            daemon_findings(&DaemonLiveRestoreDisabled, &d),
            ["Info.LiveRestoreEnabled"]
        );
    }

    #[test]
    fn passes() {
        assert!(daemon_findings(&DaemonLiveRestoreDisabled, &hardened_daemon()).is_empty());
        let d = daemon_info(json!({"LiveRestoreEnabled": true}));
        assert!(daemon_findings(&DaemonLiveRestoreDisabled, &d).is_empty());
        let d = daemon_info(
            json!({"LiveRestoreEnabled": false, "Swarm": {"LocalNodeState": "active"}}),
        );
        assert!(daemon_findings(&DaemonLiveRestoreDisabled, &d).is_empty());
        let mut d = daemon_info(json!({"LiveRestoreEnabled": false}));
        d.engine = Some(seaworthy_runtime::EngineKind::Podman);
        assert!(daemon_findings(&DaemonLiveRestoreDisabled, &d).is_empty());
    }
}
