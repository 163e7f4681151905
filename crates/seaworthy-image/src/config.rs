//! The image configuration blob (Docker image JSON / OCI image config).
//!
//! Own serde types rather than `oci_spec::image::ImageConfiguration`: the OCI type has no
//! `Healthcheck`, `Shell` or `OnBuild` (Docker-only fields that the audit rules need), and Docker
//! writes `null` for empty lists and maps, which these types accept.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// The whole configuration blob.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ImageConfig {
    #[serde(default, deserialize_with = "null_default")]
    pub architecture: String,
    #[serde(default, deserialize_with = "null_default")]
    pub os: String,
    #[serde(default)]
    pub variant: Option<String>,
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub config: ContainerConfig,
    #[serde(default, deserialize_with = "null_default")]
    pub rootfs: RootFs,
    #[serde(default, deserialize_with = "null_default")]
    pub history: Vec<History>,
}

/// The runtime defaults (`config` key): what a container started from the image gets.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerConfig {
    /// `None` and `Some("")` both mean root.
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub env: Vec<String>,
    #[serde(default)]
    pub entrypoint: Option<Vec<String>>,
    #[serde(default)]
    pub cmd: Option<Vec<String>>,
    #[serde(default)]
    pub working_dir: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub exposed_ports: BTreeMap<String, serde_json::Value>,
    #[serde(default, deserialize_with = "null_default")]
    pub volumes: BTreeMap<String, serde_json::Value>,
    #[serde(default, deserialize_with = "null_default")]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub stop_signal: Option<String>,
    #[serde(default)]
    pub healthcheck: Option<Healthcheck>,
    #[serde(default)]
    pub shell: Option<Vec<String>>,
    #[serde(default)]
    pub on_build: Option<Vec<String>>,
}

impl ContainerConfig {
    /// `Env` as (name, value) pairs, in order; an entry without `=` has an empty value.
    pub fn env_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.env
            .iter()
            .map(|e| e.split_once('=').unwrap_or((e.as_str(), "")))
    }
}

/// Docker's HEALTHCHECK; durations are nanoseconds.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Healthcheck {
    /// `[]` inherit, `["NONE"]` disabled, `["CMD", ...]` or `["CMD-SHELL", cmd]`.
    #[serde(default, deserialize_with = "null_default")]
    pub test: Vec<String>,
    #[serde(default)]
    pub interval: Option<i64>,
    #[serde(default)]
    pub timeout: Option<i64>,
    #[serde(default)]
    pub start_period: Option<i64>,
    #[serde(default)]
    pub start_interval: Option<i64>,
    #[serde(default)]
    pub retries: Option<i64>,
}

impl Healthcheck {
    /// True when the healthcheck is explicitly disabled (`HEALTHCHECK NONE`).
    pub fn is_disabled(&self) -> bool {
        self.test.first().map(String::as_str) == Some("NONE")
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RootFs {
    #[serde(rename = "type", default, deserialize_with = "null_default")]
    pub kind: String,
    #[serde(default, deserialize_with = "null_default")]
    pub diff_ids: Vec<String>,
}

/// One build step; `empty_layer` steps (ENV, CMD, ...) have no layer.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct History {
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub empty_layer: bool,
}
