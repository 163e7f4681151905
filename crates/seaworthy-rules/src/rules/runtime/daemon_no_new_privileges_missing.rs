use super::{DaemonContext, DaemonRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// daemon.json does not set `"no-new-privileges": true`. Known from daemon.json only.
pub struct DaemonNoNewPrivilegesMissing;

static META: RuleMeta = RuleMeta {
    id: "SW5004",
    name: "daemon-no-new-privileges-missing",
    severity: Severity::Info,
    category: Category::Runtime,
    practice: 18,
    aliases: &["CIS-2.17"],
    summary: "The daemon does not turn on `no-new-privileges` for every container.",
    why: "With `\"no-new-privileges\": true` in daemon.json every container starts with the \
          kernel's no_new_privs bit, so setuid binaries in an image cannot turn a non-root \
          process back into root, whether or not the container's creator remembered \
          `--security-opt no-new-privileges`. A container that truly needs setuid (rare) \
          opts out with `--security-opt no-new-privileges=false`.",
    bad: "{\n  \"live-restore\": true\n}\n",
    good: "{\n  \"live-restore\": true,\n  \"no-new-privileges\": true\n}\n",
};

impl DaemonRule for DaemonNoNewPrivilegesMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DaemonContext<'_>, out: &mut Vec<Finding>) {
        if cx.daemon.file().is_none() || cx.daemon.no_new_privileges() {
            return;
        }
        out.push(Finding::at(
            &META,
            "no-new-privileges",
            "containers may gain privileges through setuid binaries unless each sets \
             no-new-privileges: set `\"no-new-privileges\": true`",
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
        let d = daemon_with(&[("/no-new-privileges", json!(false))]);
        assert_eq!(
            daemon_findings(&DaemonNoNewPrivilegesMissing, &d),
            ["no-new-privileges"]
        );
        assert_eq!(
            daemon_findings(&DaemonNoNewPrivilegesMissing, &daemon_from("{}")),
            ["no-new-privileges"]
        );
    }

    #[test]
    fn passes() {
        assert!(daemon_findings(&DaemonNoNewPrivilegesMissing, &hardened_daemon()).is_empty());
        assert!(daemon_findings(&DaemonNoNewPrivilegesMissing, &daemon_info(json!({}))).is_empty());
    }
}
