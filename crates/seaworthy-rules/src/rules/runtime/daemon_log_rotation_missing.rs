use super::{DaemonContext, DaemonRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// daemon.json leaves the default log driver `json-file` (or sets it) without `max-size` in
/// `log-opts`. `local` rotates by default; other drivers ship logs elsewhere. Known from
/// daemon.json only: `/info` names the driver but not its options.
pub struct DaemonLogRotationMissing;

static META: RuleMeta = RuleMeta {
    id: "SW5000",
    name: "daemon-log-rotation-missing",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 8,
    aliases: &[],
    summary: "The daemon's default log driver is `json-file` without rotation.",
    why: "Every container that does not choose its own log options inherits the daemon's: \
          with `json-file` and no `max-size`, each one keeps everything it ever printed under \
          /var/lib/docker until the disk is full, and then every container on the host \
          fails. Set `\"log-opts\": {\"max-size\": \"10m\", \"max-file\": \"3\"}` or \
          `\"log-driver\": \"local\"` (which rotates by default) in daemon.json; containers \
          created before the change keep their old options until recreated. CIS 2.12 only \
          asks for remote logging, no tool checks rotation.",
    bad: "{\n  \"log-driver\": \"json-file\"\n}\n",
    good: "{\n  \"log-driver\": \"json-file\",\n  \"log-opts\": {\"max-size\": \"10m\", \"max-file\": \"3\"}\n}\n",
};

impl DaemonRule for DaemonLogRotationMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DaemonContext<'_>, out: &mut Vec<Finding>) {
        let Some(file) = cx.daemon.file() else {
            return;
        };
        let driver = file.log_driver.as_deref().unwrap_or("json-file").trim();
        if driver == "json-file" && file.log_opt("max-size").is_none() {
            out.push(Finding::at(
                &META,
                "log-opts",
                "the default log driver json-file has no `max-size`: container logs grow until \
                 the disk is full; set `\"log-opts\": {\"max-size\": \"10m\", \"max-file\": \"3\"}`",
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
        let d = daemon_with(&[("/log-opts", json!({"max-file": "3"}))]);
        assert_eq!(daemon_findings(&DaemonLogRotationMissing, &d), ["log-opts"]);
        assert_eq!(
            daemon_findings(&DaemonLogRotationMissing, &daemon_from("{}")),
            ["log-opts"]
        );
    }

    #[test]
    fn passes() {
        assert!(daemon_findings(&DaemonLogRotationMissing, &hardened_daemon()).is_empty());
        for d in [
            r#"{"log-driver": "local"}"#,
            r#"{"log-driver": "journald"}"#,
        ] {
            assert!(daemon_findings(&DaemonLogRotationMissing, &daemon_from(d)).is_empty());
        }
        // `/info` alone does not say.
        let d = daemon_info(json!({"LoggingDriver": "json-file"}));
        assert!(daemon_findings(&DaemonLogRotationMissing, &d).is_empty());
    }
}
