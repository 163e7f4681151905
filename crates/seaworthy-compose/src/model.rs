//! The resolved Compose project: services and top-level networks, volumes and secrets, with
//! short syntax normalised to long and every value keeping the file and span it came from.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

pub use crate::gitfacts::GitFile;
use crate::yaml::{LineIndex, Position, Span};

/// Where a value is written: the index of a file in [`Project::files`] and a byte span in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Origin {
    pub file: usize,
    pub span: Span,
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T> Spanned<T> {
    pub fn new(value: T, origin: Origin) -> Self {
        Spanned { value, origin }
    }
}

/// A YAML value after interpolation, with its origin. Mapping keys keep their own origins.
#[derive(Debug, Clone, PartialEq)]
pub struct Tree {
    pub origin: Origin,
    /// `!reset` / `!override` while merging; other tags as written.
    pub tag: Option<String>,
    pub value: TreeValue,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TreeValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Seq(Vec<Tree>),
    Map(Vec<(Spanned<String>, Tree)>),
}

impl Tree {
    pub fn get(&self, key: &str) -> Option<&Tree> {
        match &self.value {
            TreeValue::Map(entries) => entries.iter().find(|(k, _)| k.value == key).map(|e| &e.1),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Spanned<String>, Tree)]> {
        match &self.value {
            TreeValue::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Tree]> {
        match &self.value {
            TreeValue::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            TreeValue::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, TreeValue::Null)
    }

    /// A scalar as text, as Compose reads a scalar where it wants a string (`8080` → "8080").
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            TreeValue::String(s) => Some(s.clone()),
            TreeValue::Int(i) => Some(i.to_string()),
            TreeValue::Float(f) => Some(format_float(*f)),
            TreeValue::Bool(b) => Some(b.to_string()),
            TreeValue::Null | TreeValue::Seq(_) | TreeValue::Map(_) => None,
        }
    }

    /// The scalar as a spanned string.
    pub fn spanned_text(&self) -> Option<Spanned<String>> {
        self.scalar_text().map(|s| Spanned::new(s, self.origin))
    }
}

pub(crate) fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.0}")
    } else {
        f.to_string()
    }
}

/// A file the project was read from.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    pub lines: LineIndex,
}

impl SourceFile {
    pub fn position(&self, offset: usize) -> Position {
        self.lines.position(&self.text, offset)
    }
}

/// A resolved project.
#[derive(Debug, Clone)]
pub struct Project {
    pub name: String,
    /// The first file's directory.
    pub directory: PathBuf,
    /// The Compose files read, in order (`Origin::file` indexes this).
    pub files: Vec<SourceFile>,
    /// Active services, by name.
    pub services: BTreeMap<String, Service>,
    /// Services left out because none of their profiles is active.
    pub disabled_services: Vec<String>,
    pub networks: BTreeMap<String, Resource>,
    pub volumes: BTreeMap<String, Resource>,
    pub secrets: BTreeMap<String, Resource>,
    /// `The "X" variable is not set` warnings: the variable and where it is referenced.
    pub unset_variables: Vec<Spanned<String>>,
    /// Secret `file:`s and `env_file:`s inside a git work tree, by the origin of the value
    /// naming them ([`crate::gitfacts`]).
    pub git_files: HashMap<Origin, GitFile>,
}

impl Project {
    /// `path:line:col` of an origin.
    pub fn locate(&self, origin: Origin) -> (PathBuf, Position) {
        let f = &self.files[origin.file];
        (f.path.clone(), f.position(origin.span.start))
    }
}

/// A top-level network, volume or secret.
#[derive(Debug, Clone)]
pub struct Resource {
    pub name: String,
    /// The name Docker gives it (`project_name` unless `name:` or `external`).
    pub resolved_name: String,
    pub external: bool,
    /// The definition as written (a null tree for `name:` with no value).
    pub raw: Tree,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    /// Where the service's name is written (its key under `services:`), where findings about
    /// something the service lacks point.
    pub name_origin: Origin,
    /// The merged definition, interpolated.
    pub raw: Tree,
    pub image: Option<Spanned<String>>,
    pub build: Option<Build>,
    pub user: Option<Spanned<String>>,
    /// `KEY` → value; `None` when `KEY` is listed alone and unset.
    pub environment: BTreeMap<String, (Origin, Option<Spanned<String>>)>,
    pub ports: Vec<Port>,
    pub volumes: Vec<Mount>,
    pub tmpfs: Vec<Spanned<String>>,
    pub healthcheck: Option<Healthcheck>,
    pub deploy: Option<Deploy>,
    pub logging: Option<Logging>,
    pub cap_add: Vec<Spanned<String>>,
    pub cap_drop: Vec<Spanned<String>>,
    pub security_opt: Vec<Spanned<String>>,
    pub read_only: Option<Spanned<bool>>,
    pub privileged: Option<Spanned<bool>>,
    pub init: Option<Spanned<bool>>,
    pub network_mode: Option<Spanned<String>>,
    pub pid: Option<Spanned<String>>,
    pub ipc: Option<Spanned<String>>,
    pub restart: Option<Spanned<String>>,
    pub secrets: Vec<ServiceSecret>,
    /// Byte count.
    pub mem_limit: Option<Spanned<u64>>,
    pub cpus: Option<Spanned<f64>>,
    pub pids_limit: Option<Spanned<i64>>,
    /// Network names (a list or a mapping in the file); `default` when none and no network_mode.
    pub networks: Vec<Spanned<String>>,
    pub profiles: Vec<Spanned<String>>,
    pub depends_on: Vec<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub struct Build {
    pub origin: Origin,
    /// Absolute for a local directory; a URL as written.
    pub context: Spanned<String>,
    pub dockerfile: Spanned<String>,
    /// The Dockerfile's text: `dockerfile_inline`, or the file read from a local context;
    /// `None` for a remote context or a file that cannot be read.
    pub dockerfile_text: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Port {
    pub origin: Origin,
    pub target: u32,
    /// A port or a range (`"8000-8001"`) as a string, as Docker prints it.
    pub published: Option<String>,
    pub host_ip: Option<String>,
    pub protocol: String,
    pub mode: String,
    pub name: Option<String>,
    pub app_protocol: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountType {
    Bind,
    Volume,
    Tmpfs,
    Npipe,
    Cluster,
    Image,
}

impl MountType {
    pub fn as_str(self) -> &'static str {
        match self {
            MountType::Bind => "bind",
            MountType::Volume => "volume",
            MountType::Tmpfs => "tmpfs",
            MountType::Npipe => "npipe",
            MountType::Cluster => "cluster",
            MountType::Image => "image",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Mount {
    pub origin: Origin,
    pub kind: MountType,
    /// Absolute host path for binds, the volume name for named volumes.
    pub source: Option<String>,
    pub target: String,
    pub read_only: bool,
    pub bind_propagation: Option<String>,
    pub bind_selinux: Option<String>,
    pub bind_create_host_path: Option<bool>,
    pub volume_nocopy: bool,
    pub volume_subpath: Option<String>,
    /// Byte count.
    pub tmpfs_size: Option<u64>,
    pub tmpfs_mode: Option<i64>,
    pub consistency: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Healthcheck {
    pub origin: Origin,
    /// Exec form: `["CMD", ...]`, `["CMD-SHELL", cmd]` or `["NONE"]`.
    pub test: Option<Spanned<Vec<String>>>,
    pub interval: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    pub start_period: Option<Spanned<String>>,
    pub start_interval: Option<Spanned<String>>,
    pub retries: Option<Spanned<i64>>,
    pub disable: Option<Spanned<bool>>,
}

#[derive(Debug, Clone, Default)]
pub struct Resources {
    pub cpus: Option<Spanned<f64>>,
    pub memory: Option<Spanned<u64>>,
    pub pids: Option<Spanned<i64>>,
}

#[derive(Debug, Clone)]
pub struct RestartPolicy {
    pub origin: Origin,
    pub condition: Option<Spanned<String>>,
    pub delay: Option<Spanned<String>>,
    pub max_attempts: Option<Spanned<i64>>,
    pub window: Option<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub struct Deploy {
    pub origin: Origin,
    pub limits: Option<Resources>,
    pub reservations: Option<Resources>,
    pub restart_policy: Option<RestartPolicy>,
}

#[derive(Debug, Clone)]
pub struct Logging {
    pub origin: Origin,
    pub driver: Option<Spanned<String>>,
    pub options: BTreeMap<String, Spanned<String>>,
}

impl Service {
    /// The entries of `env_file`, each a path or a `{path, required}` mapping, as written
    /// (a single string counts as one entry).
    pub fn env_file_entries(&self) -> Vec<&Tree> {
        match self.raw.get("env_file") {
            None => Vec::new(),
            Some(Tree {
                value: TreeValue::Seq(items),
                ..
            }) => items.iter().collect(),
            Some(one) => vec![one],
        }
    }
}

#[derive(Debug, Clone)]
pub struct ServiceSecret {
    pub origin: Origin,
    pub source: Spanned<String>,
    /// `/run/secrets/SOURCE` unless given.
    pub target: String,
    pub uid: Option<String>,
    pub gid: Option<String>,
    pub mode: Option<i64>,
}
