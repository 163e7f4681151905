use super::{at, is_podman, ContainerContext, ContainerRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// The `json-file` log driver without `max-size`: the log grows until the disk is full.
///
/// - `local` rotates by default; other drivers (journald, syslog, fluentd, …) ship logs
///   elsewhere: neither is reported.
/// - Options the daemon sets for its default driver (daemon.json `log-opts`) count when the
///   container uses that driver.
/// - podman's compatible API reports `json-file` with no options whatever the container's real
///   log driver and size limit: podman containers are not reported.
pub struct ContainerLogRotationMissing;

static META: RuleMeta = RuleMeta {
    id: "SW4009",
    name: "container-log-rotation-missing",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 8,
    aliases: &[],
    summary: "A container logs to `json-file` without rotation (`max-size`).",
    why: "Docker's default `json-file` driver keeps every line a container ever printed in \
          one file under /var/lib/docker: a chatty or crash-looping container fills the \
          host's disk, and then every container on it fails. Set `--log-opt max-size=10m \
          --log-opt max-file=3`, use the `local` driver (which rotates by default), or set \
          `log-opts` once in daemon.json. No CIS item or other tool checks this.",
    bad: "docker run -d --name api registry.example/shop/api:1.4.2\n",
    good: "docker run -d --name api --log-opt max-size=10m --log-opt max-file=3 \\\n  registry.example/shop/api:1.4.2\n",
};

impl ContainerRule for ContainerLogRotationMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ContainerContext<'_>, out: &mut Vec<Finding>) {
        let c = cx.container;
        if is_podman(c) {
            return;
        }
        let log = &c.host().log_config;
        let driver = match log.kind.trim() {
            "" => "json-file",
            d => d,
        };
        if driver != "json-file" || log.option("max-size").is_some() {
            return;
        }
        // The daemon's options for its default driver apply to containers that use it.
        if let Some(file) = cx.daemon.file() {
            let default = file.log_driver.as_deref().unwrap_or("json-file");
            if default == driver && file.log_opt("max-size").is_some() {
                return;
            }
        }
        out.push(at(
            &META,
            "HostConfig.LogConfig",
            "logs to json-file without `max-size`: its log grows until the disk is full; add \
             `--log-opt max-size=10m --log-opt max-file=3`",
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
        assert_fires(
            &ContainerLogRotationMissing,
            &[(
                "/HostConfig/LogConfig",
                json!({"Type": "json-file", "Config": {}}),
            )],
            &["HostConfig.LogConfig"],
        );
        assert_fires(
            &ContainerLogRotationMissing,
            &[(
                "/HostConfig/LogConfig",
                json!({"Type": "json-file", "Config": {"max-file": "3"}}),
            )],
            &["HostConfig.LogConfig"],
        );
        assert_fires(
            &ContainerLogRotationMissing,
            &[("/HostConfig/LogConfig", json!(null))],
            &["HostConfig.LogConfig"],
        );
        // The daemon rotates another driver's logs.
        let daemon = daemon_from(r#"{"log-driver": "local", "log-opts": {"max-size": "10m"}}"#);
        let c = container_with(&[(
            "/HostConfig/LogConfig",
            json!({"Type": "json-file", "Config": {}}),
        )]);
        assert_eq!(
            findings_in(
                &ContainerLogRotationMissing,
                &c,
                &daemon,
                &crate::Settings::default()
            )
            .len(),
            1
        );
    }

    #[test]
    fn passes() {
        for driver in ["local", "journald", "syslog", "fluentd", "none"] {
            assert_clean(
                &ContainerLogRotationMissing,
                &[(
                    "/HostConfig/LogConfig",
                    json!({"Type": driver, "Config": {}}),
                )],
            );
        }
        // The daemon's default options.
        let daemon = daemon_from(r#"{"log-opts": {"max-size": "10m", "max-file": "3"}}"#);
        let c = container_with(&[(
            "/HostConfig/LogConfig",
            json!({"Type": "json-file", "Config": {}}),
        )]);
        assert!(findings_in(
            &ContainerLogRotationMissing,
            &c,
            &daemon,
            &crate::Settings::default()
        )
        .is_empty());
        // podman does not report its log options.
        assert_clean(
            &ContainerLogRotationMissing,
            &[
                (
                    "/HostConfig/LogConfig",
                    json!({"Type": "json-file", "Config": null}),
                ),
                ("/Config/Env", json!(["container=podman"])),
            ],
        );
    }
}
