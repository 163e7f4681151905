//! What `docker inspect` (or `podman inspect`, or the Engine API's `GET /containers/{id}/json`)
//! says about a container: only the fields the rules read, tolerant of the ways Docker and
//! podman write them (`null` for empty lists and maps, missing keys, extra keys).
//!
//! The live path serializes the API client's typed response to JSON and parses it with the same
//! code, so a saved inspect file and a live engine are audited alike.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// `null` reads as the type's default (Docker writes `"CapAdd": null`, podman `[]`).
fn nullable<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// One container's inspect output.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Container {
    #[serde(default, deserialize_with = "nullable")]
    pub id: String,
    /// `/name` as Docker writes it (podman's libpod output has no slash).
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// The image id (`sha256:…`) the container runs.
    #[serde(default, deserialize_with = "nullable")]
    pub image: String,
    /// The program run as PID 1 and its arguments.
    #[serde(default, deserialize_with = "nullable")]
    pub path: String,
    #[serde(default, deserialize_with = "nullable")]
    pub args: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub state: State,
    #[serde(default, deserialize_with = "nullable")]
    pub config: Config,
    /// `None` when the object has no `HostConfig` (then it is not a container's output).
    #[serde(default)]
    pub host_config: Option<HostConfig>,
    #[serde(default, deserialize_with = "nullable")]
    pub mounts: Vec<Mount>,
    #[serde(default, deserialize_with = "nullable")]
    pub network_settings: NetworkSettings,
    /// Empty when the host has no AppArmor, `unconfined` when it is turned off.
    #[serde(default, deserialize_with = "nullable")]
    pub app_armor_profile: String,
    /// Present in an image's inspect output, never in a container's.
    #[serde(default)]
    pub repo_tags: Option<de::IgnoredAny>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct State {
    /// `created`, `running`, `exited`, …
    #[serde(default, deserialize_with = "nullable")]
    pub status: String,
    #[serde(default, deserialize_with = "nullable")]
    pub running: bool,
    /// The healthcheck's state (see [`State::health`]).
    #[serde(default, rename = "Health")]
    pub docker_health: Option<Health>,
    /// The same in podman's libpod output before 4.0.
    #[serde(default, rename = "Healthcheck")]
    pub libpod_health: Option<Health>,
}

impl State {
    /// The healthcheck's state, from Docker's `Health` or podman's older `Healthcheck`.
    pub fn health(&self) -> Option<&Health> {
        self.docker_health.as_ref().or(self.libpod_health.as_ref())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Health {
    /// `starting`, `healthy`, `unhealthy` (podman: also empty before the first run).
    #[serde(default, deserialize_with = "nullable")]
    pub status: String,
    #[serde(default, deserialize_with = "nullable")]
    pub failing_streak: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Config {
    /// `user`, `uid`, `uid:gid`, or empty for the image's default (root unless it set one).
    #[serde(default, deserialize_with = "nullable")]
    pub user: String,
    /// `NAME=value`, the image's environment and the container's together.
    #[serde(default, deserialize_with = "nullable")]
    pub env: Vec<String>,
    /// The image as the user named it (`nginx:1.27`, `localhost/tiny:1`).
    #[serde(default, deserialize_with = "nullable")]
    pub image: String,
    #[serde(default, deserialize_with = "nullable")]
    pub labels: BTreeMap<String, String>,
    /// The healthcheck, the image's unless the container overrode it.
    #[serde(default)]
    pub healthcheck: Option<Healthcheck>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Healthcheck {
    /// `["CMD", …]`, `["CMD-SHELL", "…"]`, `["NONE"]` (disabled), or empty (inherit).
    #[serde(default, deserialize_with = "nullable")]
    pub test: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HostConfig {
    #[serde(default, deserialize_with = "nullable")]
    pub privileged: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub cap_add: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub cap_drop: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub security_opt: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub readonly_rootfs: bool,
    /// Bytes; 0 is unlimited.
    #[serde(default, deserialize_with = "nullable")]
    pub memory: i64,
    /// Memory plus swap in bytes; 0 is twice `memory`, -1 unlimited swap.
    #[serde(default, deserialize_with = "nullable")]
    pub memory_swap: i64,
    #[serde(default, deserialize_with = "nullable")]
    pub nano_cpus: i64,
    #[serde(default, deserialize_with = "nullable")]
    pub cpu_quota: i64,
    #[serde(default, deserialize_with = "nullable")]
    pub cpu_period: i64,
    #[serde(default, deserialize_with = "nullable")]
    pub cpu_shares: i64,
    /// `--cpuset-cpus`: the CPUs it may run on (`0,1`, `0-3`).
    #[serde(default, deserialize_with = "nullable")]
    pub cpuset_cpus: String,
    /// `None`, 0 or -1 is unlimited.
    #[serde(default)]
    pub pids_limit: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    pub restart_policy: RestartPolicy,
    #[serde(default, deserialize_with = "nullable")]
    pub log_config: LogConfig,
    #[serde(default, deserialize_with = "nullable")]
    pub binds: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub network_mode: String,
    #[serde(default, deserialize_with = "nullable")]
    pub pid_mode: String,
    #[serde(default, deserialize_with = "nullable")]
    pub ipc_mode: String,
    #[serde(default, rename = "UTSMode", deserialize_with = "nullable")]
    pub uts_mode: String,
    #[serde(default, deserialize_with = "nullable")]
    pub userns_mode: String,
    /// `"80/tcp" → [{HostIp, HostPort}]` as requested at create time.
    #[serde(default, deserialize_with = "nullable")]
    pub port_bindings: BTreeMap<String, Option<Vec<PortBinding>>>,
    #[serde(default, deserialize_with = "nullable")]
    pub devices: Vec<Device>,
    /// `--rm`: removed when it exits.
    #[serde(default, deserialize_with = "nullable")]
    pub auto_remove: bool,
    /// `--init`: a small init reaps zombies and forwards signals.
    #[serde(default)]
    pub init: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RestartPolicy {
    /// `""` or `no`, `always`, `unless-stopped`, `on-failure`.
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub maximum_retry_count: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogConfig {
    #[serde(default, rename = "Type", deserialize_with = "nullable")]
    pub kind: String,
    /// The driver's options (`max-size`, `max-file`); values are strings in Docker's output.
    #[serde(default, deserialize_with = "nullable")]
    pub config: BTreeMap<String, serde_json::Value>,
}

impl LogConfig {
    /// A driver option as text.
    pub fn option(&self, key: &str) -> Option<String> {
        match self.config.get(key)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PortBinding {
    /// Empty (podman, and Docker before 20.10) or `0.0.0.0`/`::` for every interface.
    #[serde(default, deserialize_with = "nullable")]
    pub host_ip: String,
    #[serde(default, deserialize_with = "nullable")]
    pub host_port: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Device {
    #[serde(default, deserialize_with = "nullable")]
    pub path_on_host: String,
    #[serde(default, deserialize_with = "nullable")]
    pub path_in_container: String,
    #[serde(default, deserialize_with = "nullable")]
    pub cgroup_permissions: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Mount {
    /// `bind`, `volume`, `tmpfs`, `npipe`, `cluster`.
    #[serde(default, rename = "Type", deserialize_with = "nullable")]
    pub kind: String,
    /// The volume's name, for named volumes.
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// The host path of a bind; the volume's directory for a volume.
    #[serde(default, deserialize_with = "nullable")]
    pub source: String,
    #[serde(default, deserialize_with = "nullable")]
    pub destination: String,
    #[serde(default, rename = "RW", deserialize_with = "nullable")]
    pub rw: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub propagation: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkSettings {
    /// The ports actually published (`null` for an exposed, unpublished one).
    #[serde(default, deserialize_with = "nullable")]
    pub ports: BTreeMap<String, Option<Vec<PortBinding>>>,
}

impl Container {
    /// The name without Docker's leading slash.
    pub fn short_name(&self) -> &str {
        self.name.trim_start_matches('/')
    }

    /// The first 12 characters of the id, as `docker ps` shows it.
    pub fn short_id(&self) -> &str {
        let id = self.id.strip_prefix("sha256:").unwrap_or(&self.id);
        id.get(..12).unwrap_or(id)
    }

    /// What a report calls the container: `risky (3f2a1b9c0d1e)`.
    pub fn display_name(&self) -> String {
        match (self.short_name(), self.short_id()) {
            ("", id) => id.to_owned(),
            (name, "") => name.to_owned(),
            (name, id) => format!("{name} ({id})"),
        }
    }

    /// The host configuration, empty when the output had none.
    pub fn host(&self) -> &HostConfig {
        static EMPTY: std::sync::OnceLock<HostConfig> = std::sync::OnceLock::new();
        self.host_config
            .as_ref()
            .unwrap_or_else(|| EMPTY.get_or_init(HostConfig::default))
    }

    /// The Compose project, service and files from the labels Compose puts on the containers it
    /// creates, when it created this one.
    pub fn compose(&self) -> Option<ComposeOrigin> {
        let labels = &self.config.labels;
        let project = labels.get("com.docker.compose.project")?.clone();
        Some(ComposeOrigin {
            project,
            service: labels
                .get("com.docker.compose.service")
                .cloned()
                .unwrap_or_default(),
            config_files: labels
                .get("com.docker.compose.project.config_files")
                .map(|files| {
                    files
                        .split(',')
                        .map(str::trim)
                        .filter(|f| !f.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            working_dir: labels
                .get("com.docker.compose.project.working_dir")
                .cloned(),
        })
    }
}

/// Where a Compose-started container's definition lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposeOrigin {
    pub project: String,
    pub service: String,
    pub config_files: Vec<String>,
    pub working_dir: Option<String>,
}

/// Why an inspect document could not be read.
#[derive(Debug)]
pub enum InspectError {
    /// Not JSON, or JSON of the wrong shape: serde_json's message with line and column.
    Json(serde_json::Error),
    /// The `index`th object (0-based) is not a container's inspect output.
    NotAContainer { index: usize, image: bool },
}

impl fmt::Display for InspectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InspectError::Json(e) => write!(f, "not `docker inspect` output: {e}"),
            InspectError::NotAContainer { index, image: true } => write!(
                f,
                "object {} is an image's inspect output, not a container's (audit images with \
                 `seaworthy image`)",
                index + 1
            ),
            InspectError::NotAContainer {
                index,
                image: false,
            } => write!(
                f,
                "object {} is not a container's inspect output (it has no `Id` and `HostConfig`)",
                index + 1
            ),
        }
    }
}

impl std::error::Error for InspectError {}

/// Reads `docker inspect` output: an array of containers (what the CLI prints) or one container
/// object (what the API returns). Syntax and type errors keep serde_json's line and column.
pub fn parse_inspect(text: &str) -> Result<Vec<Container>, InspectError> {
    struct OneOrMany;
    impl<'de> Visitor<'de> for OneOrMany {
        type Value = Vec<Container>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array of container objects or one container object")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(c) = seq.next_element::<Container>()? {
                out.push(c);
            }
            Ok(out)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            Container::deserialize(de::value::MapAccessDeserializer::new(map)).map(|c| vec![c])
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let containers = de.deserialize_any(OneOrMany).map_err(InspectError::Json)?;
    de.end().map_err(InspectError::Json)?;
    validate(&containers)?;
    Ok(containers)
}

/// Reads one container from JSON already parsed (the live path).
pub fn container_from_value(value: serde_json::Value) -> Result<Container, InspectError> {
    let c = Container::deserialize(value).map_err(InspectError::Json)?;
    validate(std::slice::from_ref(&c))?;
    Ok(c)
}

fn validate(containers: &[Container]) -> Result<(), InspectError> {
    for (index, c) in containers.iter().enumerate() {
        if c.repo_tags.is_some() && c.host_config.is_none() {
            return Err(InspectError::NotAContainer { index, image: true });
        }
        if c.id.is_empty() && c.host_config.is_none() {
            return Err(InspectError::NotAContainer {
                index,
                image: false,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_or_many_and_tolerates_nulls() {
        let one = r#"{"Id":"3f2a1b9c0d1e99","Name":"/web","HostConfig":{"CapAdd":null,
            "PidsLimit":null,"PortBindings":{"80/tcp":null},"LogConfig":{"Type":"json-file",
            "Config":{"max-size":"10m"}}},"Config":{"Labels":null,"Env":null},"Mounts":null,
            "Unknown":{"x":[1,2]}}"#;
        let cs = parse_inspect(one).unwrap();
        assert_eq!(cs.len(), 1);
        assert_eq!(cs[0].display_name(), "web (3f2a1b9c0d1e)");
        assert!(cs[0].host().cap_add.is_empty());
        assert_eq!(cs[0].host().pids_limit, None);
        assert_eq!(
            cs[0].host().log_config.option("max-size").as_deref(),
            Some("10m")
        );
        let many = format!("[{one},{one}]");
        assert_eq!(parse_inspect(&many).unwrap().len(), 2);
        assert!(parse_inspect("[]").unwrap().is_empty());
    }

    #[test]
    fn errors_say_where() {
        let e = parse_inspect("[{\"Id\": \"a\",\n \"HostConfig\": {\"Privileged\": \"yes\"}}]")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2 column"), "{e}");
        let e = parse_inspect("[{\"Id\": \"a\"\n").unwrap_err().to_string();
        assert!(e.contains("line 2"), "{e}");
        let e = parse_inspect("42").unwrap_err().to_string();
        assert!(e.contains("line 1 column 2"), "{e}");
        let e = parse_inspect(r#"[{"Id":"sha256:ab","RepoTags":["x:1"],"Config":{}}]"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("image's inspect output"), "{e}");
        let e = parse_inspect(r#"{"foo": 1}"#).unwrap_err().to_string();
        assert!(e.contains("not a container"), "{e}");
    }

    #[test]
    fn compose_labels() {
        let c = parse_inspect(
            r#"{"Id":"a","HostConfig":{},"Config":{"Labels":{
            "com.docker.compose.project":"shop","com.docker.compose.service":"api",
            "com.docker.compose.project.config_files":"/srv/shop/compose.yaml,/srv/shop/compose.prod.yaml"}}}"#,
        )
        .unwrap();
        let origin = c[0].compose().unwrap();
        assert_eq!(origin.project, "shop");
        assert_eq!(origin.service, "api");
        assert_eq!(
            origin.config_files,
            ["/srv/shop/compose.yaml", "/srv/shop/compose.prod.yaml"]
        );
    }
}
