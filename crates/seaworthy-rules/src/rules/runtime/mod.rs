//! Runtime rules: running containers (`SW4xxx`, from the Engine API or `docker inspect`
//! output) and the daemon's configuration (`SW5xxx`, daemon.json and `GET /info`).
//!
//! A container rule reads one container's inspect output and points its findings at the field
//! they are about (`HostConfig.Privileged`, `Config.Env[DB_PASSWORD]`) through
//! [`Finding::logical`]; the report names the container. A daemon rule reads daemon.json and a
//! live engine's `/info` together.
//!
//! Both Docker's and podman's output are read: podman reports `--cap-drop ALL` as the list of
//! Docker's default capabilities, `no-new-privileges` without `:true`, published ports without
//! a `HostIp`, a log configuration of `json-file` with no options whatever its real driver,
//! and a PIDs limit of 2048 by default (containers.conf `pids_limit`, a real cgroup limit,
//! counted as a limit). A container is podman's when its environment has `container=podman`,
//! which podman sets in every container.
//!
//! Aliases are CIS Docker Benchmark v1.2.0 items as `CIS-x.y`, where the Compose rule for the
//! same concern does not already hold them (an alias belongs to one rule).
//!
//! To add a rule: create `<rule_name>.rs` beside this file (metadata whose `bad` is a
//! `docker run` command line for a container rule or a daemon.json for a daemon rule, the
//! check, `#[cfg(test)]` tests that start from the hardened container of [`testing`] and
//! change one field), then list it in `container_rules!` or `daemon_rules!` below.

use seaworthy_runtime::{Container, Daemon};

use crate::{Finding, RuleMeta, Settings};

/// What a container rule can read.
pub struct ContainerContext<'a> {
    pub container: &'a Container,
    /// The daemon that runs it, as far as it is known (its defaults apply to the container).
    pub daemon: &'a Daemon,
    pub settings: &'a Settings,
}

/// A rule over one container.
pub trait ContainerRule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &ContainerContext<'_>, out: &mut Vec<Finding>);
}

/// What a daemon rule can read.
pub struct DaemonContext<'a> {
    pub daemon: &'a Daemon,
    pub settings: &'a Settings,
}

/// A rule over the daemon.
pub trait DaemonRule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &DaemonContext<'_>, out: &mut Vec<Finding>);
}

macro_rules! container_rules {
    ($($module:ident::$rule:ident),* $(,)?) => {
        $(mod $module;)*

        /// Every container rule.
        pub fn container_rules() -> &'static [&'static dyn ContainerRule] {
            &[$(&$module::$rule),*]
        }
    };
}

macro_rules! daemon_rules {
    ($($module:ident::$rule:ident),* $(,)?) => {
        $(mod $module;)*

        /// Every daemon rule.
        pub fn daemon_rules() -> &'static [&'static dyn DaemonRule] {
            &[$(&$module::$rule),*]
        }
    };
}

container_rules! {
    // identity
    container_user_root::ContainerUserRoot,
    // supply-chain
    container_image_unpinned::ContainerImageUnpinned,
    // secrets
    container_secret_in_environment::ContainerSecretInEnvironment,
    // runtime
    container_privileged::ContainerPrivileged,
    container_cap_drop_all_missing::ContainerCapDropAllMissing,
    container_risky_cap_add::ContainerRiskyCapAdd,
    container_no_new_privileges_missing::ContainerNoNewPrivilegesMissing,
    container_security_profile_disabled::ContainerSecurityProfileDisabled,
    container_read_only_missing::ContainerReadOnlyMissing,
    container_resource_limits_missing::ContainerResourceLimitsMissing,
    container_restart_policy_missing::ContainerRestartPolicyMissing,
    container_log_rotation_missing::ContainerLogRotationMissing,
    container_docker_socket_mounted::ContainerDockerSocketMounted,
    container_sensitive_host_path::ContainerSensitiveHostPath,
    container_host_namespace::ContainerHostNamespace,
    container_port_on_all_interfaces::ContainerPortOnAllInterfaces,
    container_unhealthy::ContainerUnhealthy,
    container_healthcheck_missing::ContainerHealthcheckMissing,
    container_host_device::ContainerHostDevice,
    container_init_missing::ContainerInitMissing,
}

daemon_rules! {
    daemon_log_rotation_missing::DaemonLogRotationMissing,
    daemon_live_restore_disabled::DaemonLiveRestoreDisabled,
    daemon_userns_remap_missing::DaemonUsernsRemapMissing,
    daemon_icc_enabled::DaemonIccEnabled,
    daemon_no_new_privileges_missing::DaemonNoNewPrivilegesMissing,
    daemon_insecure_registry::DaemonInsecureRegistry,
    daemon_tcp_without_tls::DaemonTcpWithoutTls,
}

/// Every container and daemon rule's metadata.
pub fn metas() -> Vec<&'static RuleMeta> {
    container_rules()
        .iter()
        .map(|r| r.meta())
        .chain(daemon_rules().iter().map(|r| r.meta()))
        .collect()
}

/// Runs every container rule on `container`. For a container that Compose started, each
/// message ends with the project, service and files to fix.
pub fn check_container(
    container: &Container,
    daemon: &Daemon,
    settings: &Settings,
) -> Vec<Finding> {
    let cx = ContainerContext {
        container,
        daemon,
        settings,
    };
    let mut out = Vec::new();
    for rule in container_rules() {
        rule.check(&cx, &mut out);
    }
    if let Some(origin) = container.compose() {
        let mut note = format!(" [Compose project `{}`", origin.project);
        if !origin.service.is_empty() {
            note.push_str(&format!(", service `{}`", origin.service));
        }
        if !origin.config_files.is_empty() {
            note.push_str(&format!(": fix it in {}", origin.config_files.join(", ")));
        } else if let Some(dir) = &origin.working_dir {
            note.push_str(&format!(": fix it in the Compose file in {dir}"));
        }
        note.push(']');
        for f in &mut out {
            f.message.push_str(&note);
        }
    }
    out.sort_by(|a, b| (a.rule.id, &a.logical).cmp(&(b.rule.id, &b.logical)));
    out
}

/// Runs every daemon rule.
pub fn check_daemon(daemon: &Daemon, settings: &Settings) -> Vec<Finding> {
    let cx = DaemonContext { daemon, settings };
    let mut out = Vec::new();
    for rule in daemon_rules() {
        rule.check(&cx, &mut out);
    }
    out
}

/// Docker's default capabilities: what a container keeps unless it drops them.
pub(crate) const DEFAULT_CAPS: [&str; 14] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "NET_RAW",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// A capability as the engine reads it: upper case, without `CAP_`.
pub(crate) fn capability(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    upper
        .strip_prefix("CAP_")
        .map(str::to_owned)
        .unwrap_or(upper)
}

/// Whether podman created the container (it sets `container=podman` in every environment).
pub(crate) fn is_podman(c: &Container) -> bool {
    c.config.env.iter().any(|e| e == "container=podman")
}

/// A `--security-opt` as `(key, value)`: `seccomp=unconfined` and `seccomp:unconfined` alike,
/// `no-new-privileges` alone as `("no-new-privileges", "true")`.
pub(crate) fn security_opt(opt: &str) -> (String, String) {
    let opt = opt.trim();
    match opt.find(['=', ':']) {
        Some(i) => (
            opt[..i].to_ascii_lowercase(),
            opt[i + 1..].trim().to_owned(),
        ),
        None => (opt.to_ascii_lowercase(), "true".to_owned()),
    }
}

/// A finding at `location` of the container.
pub(crate) fn at(
    meta: &'static RuleMeta,
    location: impl Into<String>,
    message: impl Into<String>,
) -> Finding {
    Finding::at(meta, location, message)
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    /// A daemon rule's examples are daemon.json files: the bad one fires the rule, the good
    /// one does not.
    #[test]
    fn daemon_rules_documented_examples() {
        for rule in daemon_rules() {
            let m = rule.meta();
            assert!(
                !daemon_findings(*rule, &daemon_from(m.bad)).is_empty(),
                "{}: the bad example passes",
                m.id
            );
            assert_eq!(
                daemon_findings(*rule, &daemon_from(m.good)),
                Vec::<String>::new(),
                "{}: the good example fires",
                m.id
            );
        }
    }

    #[test]
    fn the_hardened_containers_get_no_finding() {
        for c in [hardened(), hardened_podman()] {
            let found = check_container(&c, &Daemon::default(), &Settings::default());
            assert!(found.is_empty(), "{:?}", summary(&found));
        }
        let found = check_daemon(&hardened_daemon(), &Settings::default());
        assert!(found.is_empty(), "{:?}", summary(&found));
    }

    #[test]
    fn compose_containers_name_their_project() {
        let c = container_with(&[
            (
                "/HostConfig/Privileged",
                seaworthy_runtime::serde_json::json!(true),
            ),
            (
                "/Config/Labels",
                seaworthy_runtime::serde_json::json!({
                    "com.docker.compose.project": "shop",
                    "com.docker.compose.service": "api",
                    "com.docker.compose.project.config_files": "/srv/shop/compose.yaml"
                }),
            ),
        ]);
        let found = check_container(&c, &Daemon::default(), &Settings::default());
        assert_eq!(found.len(), 1, "{:?}", summary(&found));
        assert!(
            found[0].message.ends_with(
                "[Compose project `shop`, service `api`: fix it in /srv/shop/compose.yaml]"
            ),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn helpers() {
        assert_eq!(capability(" cap_sys_admin"), "SYS_ADMIN");
        assert_eq!(
            security_opt("seccomp:unconfined"),
            ("seccomp".to_owned(), "unconfined".to_owned())
        );
        assert_eq!(
            security_opt("no-new-privileges"),
            ("no-new-privileges".to_owned(), "true".to_owned())
        );
    }

    #[test]
    fn every_rule_has_an_id_in_its_block() {
        for r in container_rules() {
            assert!(r.meta().id.starts_with("SW4"), "{}", r.meta().id);
            assert!(r.meta().name.starts_with("container-"), "{}", r.meta().name);
        }
        for r in daemon_rules() {
            assert!(r.meta().id.starts_with("SW5"), "{}", r.meta().id);
            assert!(r.meta().name.starts_with("daemon-"), "{}", r.meta().name);
        }
    }
}
