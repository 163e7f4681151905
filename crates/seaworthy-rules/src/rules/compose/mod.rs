//! Compose rules: each reads a resolved Compose project (after interpolation, merging of
//! several files, `extends`, `include` and profiles) and points its findings at the file and
//! span a value came from, an override file or an `extends` base included.
//!
//! To add a rule: create `<rule_name>.rs` beside this file (the shape of the Dockerfile rules:
//! metadata with documentation whose `bad`/`good` examples are Compose files, the check,
//! `#[cfg(test)]` failing and passing projects via `crate::testing::compose`), then list it in
//! `compose_rules!` below under its category.
//!
//! Aliases are dclint's rule names and CIS Docker Benchmark items as `CIS-5.x`, numbered as in
//! the benchmark's v1.2.0 (the numbering ../shared/PRACTICES.md uses; docker-bench-security's
//! v1.6.0 numbering of section 5 is one higher from 5.3 on).

use std::collections::HashMap;

use seaworthy_compose::{Origin, Project, Service};

pub use built::BuiltStage;

use crate::{Finding, RuleMeta, Settings};

/// What a Compose rule can read.
pub struct ComposeContext<'a> {
    pub project: &'a Project,
    pub settings: &'a Settings,
    /// The target stage of each service's Dockerfile, by service name, read once.
    built: HashMap<&'a str, BuiltStage>,
}

impl<'a> ComposeContext<'a> {
    pub fn new(project: &'a Project, settings: &'a Settings) -> ComposeContext<'a> {
        let built = project
            .services
            .values()
            .filter_map(|s| Some((s.name.as_str(), BuiltStage::read(s)?)))
            .collect();
        ComposeContext {
            project,
            settings,
            built,
        }
    }

    /// The target stage of the Dockerfile `service` builds, when it builds one seaworthy can
    /// read.
    pub fn built(&self, service: &Service) -> Option<&BuiltStage> {
        self.built.get(service.name.as_str())
    }

    /// The active services, by name.
    pub fn services(&self) -> impl Iterator<Item = &'a Service> {
        self.project.services.values()
    }
}

/// A finding at `origin`: its file (an index into `Project::files`) and span.
pub fn finding_at(meta: &'static RuleMeta, origin: Origin, message: impl Into<String>) -> Finding {
    Finding::new(
        meta,
        seaworthy_dockerfile::Span::new(origin.span.start, origin.span.end),
        message,
    )
    .in_file(origin.file)
}

/// A rule over one Compose project.
pub trait ComposeRule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>);
    /// What `seaworthy fix` can do about this rule's findings (see
    /// [`crate::DockerfileRule::fix_kind`]).
    fn fix_kind(&self) -> crate::FixKind {
        crate::FixKind::None
    }
}

mod built;
pub(crate) mod yaml_edit;

macro_rules! compose_rules {
    ($($module:ident::$rule:ident),* $(,)?) => {
        $(mod $module;)*

        /// Every Compose rule.
        pub fn all() -> &'static [&'static dyn ComposeRule] {
            &[$(&$module::$rule),*]
        }
    };
}

compose_rules! {
    // identity
    user_root::UserRoot,
    // supply-chain
    image_unpinned::ImageUnpinned,
    // runtime
    resource_limits_missing::ResourceLimitsMissing,
    memory_reservation_missing::MemoryReservationMissing,
    log_rotation_missing::LogRotationMissing,
    restart_policy_missing::RestartPolicyMissing,
    healthcheck_missing::HealthcheckMissing,
    database_without_volume::DatabaseWithoutVolume,
    port_on_all_interfaces::PortOnAllInterfaces,
    security_profile_disabled::SecurityProfileDisabled,
    privileged::Privileged,
    docker_socket_mounted::DockerSocketMounted,
    sensitive_host_path::SensitiveHostPath,
    cap_drop_all_missing::CapDropAllMissing,
    risky_cap_add::RiskyCapAdd,
    no_new_privileges_missing::NoNewPrivilegesMissing,
    host_namespace::HostNamespace,
    read_only_missing::ReadOnlyMissing,
    init_missing::InitMissing,
    host_device_exposed::HostDeviceExposed,
    public_service_reaches_database::PublicServiceReachesDatabase,
    default_bridge_network::DefaultBridgeNetwork,
    // secrets
    secret_in_environment::SecretInEnvironment,
    secret_file_not_ignored::SecretFileNotIgnored,
    // hygiene
    // correctness
}

/// Runs every Compose rule; findings come back ordered by file, then position.
pub fn check_compose(project: &Project, settings: &Settings) -> Vec<Finding> {
    let cx = ComposeContext::new(project, settings);
    let mut out = Vec::new();
    for rule in all() {
        rule.check(&cx, &mut out);
    }
    out.sort_by(|a, b| (a.file, a.span.start, a.rule.id).cmp(&(b.file, b.span.start, b.rule.id)));
    out
}
