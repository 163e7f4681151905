use super::{DaemonContext, DaemonRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// daemon.json does not set `"icc": false` (and keeps the default bridge). Known from
/// daemon.json only: `/info` does not show it.
pub struct DaemonIccEnabled;

static META: RuleMeta = RuleMeta {
    id: "SW5003",
    name: "daemon-icc-enabled",
    severity: Severity::Info,
    category: Category::Runtime,
    practice: 20,
    aliases: &["CIS-2.1"],
    summary: "Containers on the default bridge can all reach each other (`icc` is on).",
    why: "On the default bridge every container can open connections to every other one on \
          any port: one compromised container reaches the databases and admin ports of all \
          its neighbours. `\"icc\": false` blocks that traffic unless containers are linked, \
          and user-defined networks (which Compose creates) group the containers that \
          should talk. Not reported when the default bridge is off (`\"bridge\": \"none\"`).",
    bad: "{\n  \"live-restore\": true\n}\n",
    good: "{\n  \"live-restore\": true,\n  \"icc\": false\n}\n",
};

impl DaemonRule for DaemonIccEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DaemonContext<'_>, out: &mut Vec<Finding>) {
        let Some(file) = cx.daemon.file() else {
            return;
        };
        if file.icc == Some(false) || file.bridge.as_deref().is_some_and(|b| b.trim() == "none") {
            return;
        }
        out.push(Finding::at(
            &META,
            "icc",
            "containers on the default bridge can reach each other on any port: set \
             `\"icc\": false` and use user-defined networks",
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
        let d = daemon_with(&[("/icc", json!(true))]);
        assert_eq!(daemon_findings(&DaemonIccEnabled, &d), ["icc"]);
        assert_eq!(
            daemon_findings(&DaemonIccEnabled, &daemon_from("{}")),
            ["icc"]
        );
    }

    #[test]
    fn passes() {
        assert!(daemon_findings(&DaemonIccEnabled, &hardened_daemon()).is_empty());
        assert!(
            daemon_findings(&DaemonIccEnabled, &daemon_from(r#"{"bridge": "none"}"#)).is_empty()
        );
        assert!(daemon_findings(&DaemonIccEnabled, &daemon_info(json!({}))).is_empty());
    }
}
