//! The daemon: its configuration file (daemon.json) and what a live engine's `GET /info` adds.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

fn nullable<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// The keys of daemon.json the rules read; the others are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct DaemonConfig {
    /// Inter-container communication on the default bridge (default `true`).
    #[serde(default)]
    pub icc: Option<bool>,
    /// `none` turns the default bridge off (then `icc` does not matter).
    #[serde(default)]
    pub bridge: Option<String>,
    #[serde(default)]
    pub live_restore: Option<bool>,
    /// `default`, a user, or `user:group`.
    #[serde(default)]
    pub userns_remap: Option<String>,
    #[serde(default)]
    pub no_new_privileges: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    pub insecure_registries: Vec<String>,
    /// `unix:///var/run/docker.sock`, `tcp://0.0.0.0:2376`, `fd://`.
    #[serde(default, deserialize_with = "nullable")]
    pub hosts: Vec<String>,
    #[serde(default)]
    pub tls: Option<bool>,
    #[serde(default)]
    pub tlsverify: Option<bool>,
    /// The default log driver (`json-file` when unset).
    #[serde(default)]
    pub log_driver: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub log_opts: BTreeMap<String, serde_json::Value>,
}

impl DaemonConfig {
    /// A `log-opts` value as text.
    pub fn log_opt(&self, key: &str) -> Option<String> {
        match self.log_opts.get(key)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        }
    }
}

/// Reads daemon.json; errors carry serde_json's line and column.
pub fn parse_daemon_config(text: &str) -> Result<DaemonConfig, serde_json::Error> {
    // dockerd accepts an empty file as `{}`.
    if text.trim().is_empty() {
        return Ok(DaemonConfig::default());
    }
    serde_json::from_str(text)
}

/// The parts of `GET /info` the rules read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Info {
    #[serde(default, deserialize_with = "nullable")]
    pub logging_driver: String,
    #[serde(default)]
    pub live_restore_enabled: Option<bool>,
    /// `name=seccomp,profile=builtin`, `name=apparmor`, `name=userns`, `name=rootless`, …
    #[serde(default, deserialize_with = "nullable")]
    pub security_options: Vec<String>,
    #[serde(default)]
    pub registry_config: Option<RegistryConfig>,
    #[serde(default, deserialize_with = "nullable")]
    pub server_version: String,
    #[serde(default)]
    pub swarm: Option<SwarmInfo>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SwarmInfo {
    /// `inactive`, `active`, `pending`, …
    #[serde(default, deserialize_with = "nullable")]
    pub local_node_state: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RegistryConfig {
    #[serde(
        default,
        rename = "InsecureRegistryCIDRs",
        deserialize_with = "nullable"
    )]
    pub insecure_registry_cidrs: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub index_configs: BTreeMap<String, IndexConfig>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IndexConfig {
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    #[serde(default)]
    pub secure: Option<bool>,
}

impl Info {
    /// Whether `SecurityOptions` lists `name=<name>`.
    pub fn has_security_option(&self, name: &str) -> bool {
        self.security_options.iter().any(|o| {
            o.split(',')
                .any(|kv| kv.trim() == format!("name={name}") || kv.trim() == name)
        })
    }

    /// Registries the daemon talks to without TLS verification, besides the loopback range
    /// every Docker daemon lists.
    pub fn insecure_registries(&self) -> Vec<String> {
        let Some(rc) = &self.registry_config else {
            return Vec::new();
        };
        let mut out: Vec<String> = rc
            .insecure_registry_cidrs
            .iter()
            .filter(|c| !is_loopback_cidr(c))
            .cloned()
            .collect();
        for (key, index) in &rc.index_configs {
            let name = if index.name.is_empty() {
                key
            } else {
                &index.name
            };
            if index.secure == Some(false) && !is_loopback_host(name) && !out.contains(name) {
                out.push(name.clone());
            }
        }
        out
    }
}

fn is_loopback_cidr(cidr: &str) -> bool {
    cidr == "127.0.0.0/8" || cidr == "::1/128"
}

/// `localhost:5000`, `127.0.0.1:5000`, `[::1]:5000`.
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[');
    let h = h
        .split_once("]:")
        .map(|(h, _)| h)
        .unwrap_or_else(|| h.rsplit_once(':').map_or(h, |(h, _)| h))
        .trim_end_matches(']');
    h == "localhost" || h.starts_with("127.") || h == "::1"
}

/// The engine that served `GET /info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    Docker,
    /// Podman's Docker-compatible service: no daemon.json, no live-restore, its own defaults.
    Podman,
}

/// Everything known about the daemon: its configuration file, a live engine's `/info`, and
/// how seaworthy reached it.
#[derive(Debug, Clone, Default)]
pub struct Daemon {
    /// daemon.json and its path.
    pub config: Option<(String, DaemonConfig)>,
    pub info: Option<Info>,
    pub engine: Option<EngineKind>,
    /// The endpoint seaworthy reached the engine at, when that was plain tcp (no TLS).
    pub plain_tcp_endpoint: Option<String>,
}

impl Daemon {
    /// The parsed daemon.json, if one was read.
    pub fn file(&self) -> Option<&DaemonConfig> {
        self.config.as_ref().map(|(_, c)| c)
    }

    /// Whether the daemon turns `no-new-privileges` on for every container.
    pub fn no_new_privileges(&self) -> bool {
        self.file().and_then(|c| c.no_new_privileges) == Some(true)
    }

    /// Whether `/info` came from podman, whose service has no daemon.json and no live-restore.
    pub fn is_podman(&self) -> bool {
        self.engine == Some(EngineKind::Podman)
    }

    /// `/info`, unless the engine is podman (whose defaults are not dockerd's).
    pub fn docker_info(&self) -> Option<&Info> {
        self.info.as_ref().filter(|_| !self.is_podman())
    }

    /// Whether there is anything to audit.
    pub fn is_known(&self) -> bool {
        self.config.is_some() || self.info.is_some() || self.plain_tcp_endpoint.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_daemon_json() {
        let c = parse_daemon_config(
            r#"{"icc": false, "live-restore": true, "log-driver": "json-file",
                "log-opts": {"max-size": "10m", "max-file": 3}, "insecure-registries": null,
                "hosts": ["unix:///var/run/docker.sock"], "features": {"buildkit": true}}"#,
        )
        .unwrap();
        assert_eq!(c.icc, Some(false));
        assert_eq!(c.log_opt("max-file").as_deref(), Some("3"));
        assert!(c.insecure_registries.is_empty());
        assert!(parse_daemon_config("  \n").unwrap().icc.is_none());
        let e = parse_daemon_config("{\"icc\": \"no\"}").unwrap_err();
        assert_eq!((e.line(), e.column() > 0), (1, true));
    }

    #[test]
    fn info_security_options_and_registries() {
        let info: Info = serde_json::from_str(
            r#"{"SecurityOptions":["name=seccomp,profile=builtin","name=userns"],
                "RegistryConfig":{"InsecureRegistryCIDRs":["127.0.0.0/8","10.0.0.0/8"],
                "IndexConfigs":{"docker.io":{"Name":"docker.io","Secure":true},
                "reg.internal:5000":{"Name":"reg.internal:5000","Secure":false},
                "localhost:5000":{"Name":"localhost:5000","Secure":false}}}}"#,
        )
        .unwrap();
        assert!(info.has_security_option("userns"));
        assert!(!info.has_security_option("rootless"));
        assert_eq!(
            info.insecure_registries(),
            ["10.0.0.0/8", "reg.internal:5000"]
        );
        assert!(is_loopback_host("[::1]:5000"));
        assert!(!is_loopback_host("registry.example:5000"));
    }
}
