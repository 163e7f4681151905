//! The resolved model of a Dockerfile, built on the lossless syntax tree: what BuildKit's
//! `instructions` and `dockerfile2llb` layers make of the file.
//!
//! - [`Stage`]s with their name, index, [`BaseImage`] (an earlier stage, `scratch`, or an
//!   [`ImageRef`] parsed with Docker's reference grammar) and platform;
//! - variables: global `ARG`s (before the first `FROM`, visible only to `FROM` and to stage
//!   `ARG`s that re-declare them), the automatic platform `ARG`s, `--build-arg` overrides,
//!   stage `ARG`s and `ENV`s, all in effect in source order as BuildKit applies them;
//! - what is [`InEffect`] at every instruction: the effective `USER`, `WORKDIR` and `SHELL`,
//!   inherited by a stage built on an earlier stage;
//! - each instruction's arguments after expansion ([`Expanded`]), `COPY --from` and
//!   `RUN --mount from=` resolved to stages or images ([`SourceRef`]), and the text of each `RUN`
//!   script ([`RunScript`]) with a map back to the Dockerfile;
//! - the errors BuildKit would stop the build with ([`ModelError`]): unknown instructions, bad
//!   flags and flag values, wrong argument counts, bad `--mount` options, unresolvable
//!   references. They are collected, not fatal: the model is built as far as it can be.
//!
//! BuildKit semantics kept on purpose, where they differ from folklore:
//! - `ENV` and `ARG` share one environment and the later definition wins: `ENV` after `ARG`
//!   overrides it (the documented "ENV beats ARG"), and an `ARG` with a value after an `ENV` of the
//!   same name overrides that `ENV` for the rest of the stage (BuildKit, unlike the classic
//!   builder). An `ARG` without a value never shadows anything.
//! - A stage built `FROM` an earlier stage inherits that stage's `ARG`s as well as its `ENV`,
//!   `USER`, `WORKDIR` and `SHELL` (BuildKit copies the whole build state; Docker's
//!   documentation says so since BuildKit v0.17).
//! - `COPY --from` accepts a stage name (case-insensitive) or index, then an image; `RUN --mount
//!   from=` accepts only a stage name, then an image.
//! - An `ARG` between two stages belongs to the stage before it, not to the global scope.
//! - A stage's `FROM` can only name an earlier stage, by its exact (lower-case) name.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::reference::{ImageRef, Platform};
use crate::shell::Dialect;
use crate::span::Span;
use crate::syntax::{Dockerfile, Instruction};

// This file holds the public types of the model and `Model`'s methods; the work is done in:
// - `builder`: `Model::build`, the conversion of the file into stages and steps;
// - `variables`: `ARG`/`ENV` scoping and the automatic `ARG`s;
// - `run_script`: `RunScript`, its assembly and its map back to the Dockerfile;
// - `validate`: the instruction layer's checks, instruction by instruction (and `HEALTHCHECK`);
// - `mount`: `RUN --mount` and `RUN --device` options;
// - `expose_stopsignal`: `EXPOSE` ports and `STOPSIGNAL` signals;
// - `go`: Go and BuildKit library behaviour (value parsers, quoting, suggestions).
mod builder;
mod expose_stopsignal;
mod go;
mod mount;
mod run_script;
mod suggest;
#[cfg(test)]
mod tests;
mod validate;
mod variables;

pub use run_script::{RunScript, ScriptOrigin};
pub use suggest::did_you_mean;
pub use variables::{
    ArgOrigin, ArgValue, GlobalArg, Variable, VariableKind, Variables, AUTOMATIC_ARGS, PROXY_ARGS,
};

use builder::Builder;
use variables::VariableStore;

/// The build-time inputs that change what a Dockerfile means.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildOptions {
    /// `--build-arg NAME=VALUE`.
    pub build_args: BTreeMap<String, String>,
    /// `--target NAME`; the last stage when `None`.
    pub target: Option<String>,
    /// `--platform`: the target platform (`linux/amd64` by default).
    pub platform: Platform,
    /// The platform the build runs on (`linux/amd64` by default).
    pub build_platform: Platform,
}

/// A reason BuildKit would refuse to build the file, at the source it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError {
    pub message: String,
    pub span: Span,
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ModelError {}

/// The `USER` in effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveUser {
    /// After expansion: `app`, `1001:1001`, `nobody:nogroup`.
    pub value: String,
    /// The `USER` instruction that set it (possibly in an ancestor stage).
    pub span: Span,
}

impl EffectiveUser {
    /// The user part, before any `:group`.
    pub fn user(&self) -> &str {
        self.value.split(':').next().unwrap_or("")
    }

    pub fn group(&self) -> Option<&str> {
        self.value.split_once(':').map(|(_, g)| g)
    }

    /// `root` or uid `0`.
    pub fn is_root(&self) -> bool {
        matches!(self.user(), "root" | "0")
    }
}

/// The `WORKDIR` in effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workdir {
    /// Absolute: relative `WORKDIR`s are resolved against the previous one.
    pub path: String,
    /// The `WORKDIR` instruction that set it.
    pub span: Span,
    /// A relative `WORKDIR` resolved against `/` because the base image's working directory is
    /// not known here.
    pub relative_to_unknown: bool,
}

/// The shell in effect for shell-form `RUN`, `CMD` and `ENTRYPOINT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveShell {
    /// `["/bin/sh", "-c"]` unless a `SHELL` instruction changed it.
    pub argv: Vec<String>,
    pub dialect: Dialect,
    /// The `SHELL` instruction, `None` for the default shell.
    pub span: Option<Span>,
}

impl EffectiveShell {
    fn default_for(os: &str) -> Self {
        let argv: Vec<String> = if os == "windows" {
            vec!["cmd".into(), "/S".into(), "/C".into()]
        } else {
            vec!["/bin/sh".into(), "-c".into()]
        };
        EffectiveShell {
            dialect: Dialect::from_shell(&argv[0]),
            argv,
            span: None,
        }
    }
}

/// What is in effect at a point of a stage.
#[derive(Debug, Clone)]
pub struct InEffect {
    /// `None`: no `USER` in this stage or its ancestor stages, so the base image's user (root
    /// for most images, and for `scratch`).
    pub user: Option<Arc<EffectiveUser>>,
    /// `None`: no `WORKDIR` yet, so the base image's working directory (`/` for `scratch`).
    pub workdir: Option<Arc<Workdir>>,
    pub shell: Arc<EffectiveShell>,
    /// How many of the stage's variable definitions are visible.
    scope: usize,
}

/// What a stage is built on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseImage {
    Scratch,
    /// An earlier stage, by index.
    Stage(usize),
    Image(ImageRef),
    /// The base name expanded to nothing usable.
    Unresolved {
        /// The base name after expansion.
        text: String,
        /// Variables the base name used that had no value.
        missing: Vec<String>,
        message: String,
    },
}

/// Where `COPY --from` or `RUN --mount from=` takes files from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceRef {
    Stage(usize),
    Image(ImageRef),
    Scratch,
    Invalid { text: String, message: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountType {
    Bind,
    Cache,
    Tmpfs,
    Secret,
    Ssh,
}

impl MountType {
    pub fn as_str(self) -> &'static str {
        match self {
            MountType::Bind => "bind",
            MountType::Cache => "cache",
            MountType::Tmpfs => "tmpfs",
            MountType::Secret => "secret",
            MountType::Ssh => "ssh",
        }
    }
}

/// A `RUN --mount=…`, its options expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// The `--mount` flag.
    pub span: Span,
    pub kind: MountType,
    /// `from=`, resolved; `None` means the build context for `bind`, an empty directory for
    /// `cache`.
    pub from: Option<SourceRef>,
    pub source: Option<String>,
    pub target: Option<String>,
    pub id: Option<String>,
    /// `shared`, `private` or `locked` (cache mounts).
    pub sharing: Option<String>,
    pub readonly: bool,
    pub required: bool,
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    /// Bytes, for tmpfs.
    pub size: Option<i64>,
    /// The environment variable a secret is exposed as.
    pub env: Option<String>,
}

/// `COPY` and `ADD` after expansion.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileCopy {
    /// Paths, URLs or globs (heredoc sources excluded).
    pub sources: Vec<String>,
    /// Heredoc sources, as indices into the instruction's `heredocs`.
    pub heredocs: Vec<usize>,
    pub dest: String,
    /// `--from`, as written (resolved in [`Step::copy_from`]).
    pub from: Option<String>,
    pub chown: Option<String>,
    pub chmod: Option<String>,
    /// `ADD --checksum`.
    pub checksum: Option<String>,
    pub link: bool,
    pub parents: bool,
    pub exclude: Vec<String>,
}

/// An `EXPOSE`d port or range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExposedPort {
    /// The word after expansion, e.g. `8080/tcp`.
    pub written: String,
    pub start: u16,
    pub end: u16,
    /// Lower case: `tcp`, `udp` or `sctp`.
    pub protocol: String,
}

/// A `HEALTHCHECK`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Healthcheck {
    /// `HEALTHCHECK NONE`.
    pub disabled: bool,
    /// The command; for the shell form a single string.
    pub command: Vec<String>,
    /// Shell form (`CMD-SHELL`) rather than exec form.
    pub shell_form: bool,
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub start_period: Option<Duration>,
    pub start_interval: Option<Duration>,
    pub retries: Option<i64>,
}

/// An instruction's arguments after variable expansion, for the instructions BuildKit expands
/// (and a few it only parses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expanded {
    None,
    Env(Vec<(String, String)>),
    Label(Vec<(String, String)>),
    Arg(Vec<ArgValue>),
    Copy(FileCopy),
    Add(FileCopy),
    /// The path as written after expansion (the resolved path is the next step's
    /// [`InEffect::workdir`], or [`Stage::at_end`]).
    Workdir(String),
    User(String),
    Volume(Vec<String>),
    Expose(Vec<ExposedPort>),
    StopSignal(String),
    Shell(Vec<String>),
    Healthcheck(Healthcheck),
    Run {
        /// `--network`: `default`, `none` or `host`.
        network: String,
        /// `--security`: `sandbox` or `insecure`.
        security: String,
    },
}

/// One instruction of a stage, with what was in effect when it ran.
#[derive(Debug)]
pub struct Step<'a> {
    pub instruction: &'a Instruction,
    /// In effect *before* the instruction.
    pub in_effect: InEffect,
    pub expanded: Expanded,
    /// Variables the instruction's expansions referred to that were not set.
    pub undefined: BTreeSet<String>,
    /// `COPY --from`.
    pub copy_from: Option<SourceRef>,
    pub mounts: Vec<Mount>,
    /// The script of a shell-form `RUN` (or `ONBUILD RUN`); `None` for the exec form.
    pub run: Option<RunScript>,
}

/// A build stage: a `FROM` and the instructions up to the next one.
#[derive(Debug)]
pub struct Stage<'a> {
    pub index: usize,
    /// Lower-cased, as BuildKit compares names.
    pub name: Option<String>,
    /// The name as written after `AS`.
    pub name_span: Option<Span>,
    pub from: &'a Instruction,
    /// The base name after expansion with the global `ARG`s.
    pub base_name: String,
    pub base: BaseImage,
    /// Variables the `FROM` line used (base name or `--platform`) that had no value.
    pub base_undefined: BTreeSet<String>,
    /// `--platform` after expansion.
    pub platform: Option<String>,
    pub steps: Vec<Step<'a>>,
    pub at_start: InEffect,
    pub at_end: InEffect,
}

impl Stage<'_> {
    /// The name, or `stage-N` as BuildKit calls unnamed stages.
    pub fn display_name(&self) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None => format!("stage-{}", self.index),
        }
    }
}

/// The resolved Dockerfile.
///
/// ```
/// use seaworthy_dockerfile::model::{BaseImage, BuildOptions, Model};
/// use seaworthy_dockerfile::Dockerfile;
///
/// let src = "ARG ALPINE=3.20\nFROM alpine:${ALPINE} AS base\nUSER app\nRUN make \\\n  install\n";
/// let file = Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
/// let model = Model::build(&file, &BuildOptions::default());
/// assert!(model.errors.is_empty());
/// let stage = model.target_stage().unwrap();
/// let BaseImage::Image(image) = &stage.base else { panic!() };
/// assert_eq!(image.normalized, "docker.io/library/alpine:3.20");
/// assert_eq!(stage.at_end.user.as_ref().unwrap().value, "app");
///
/// // Map a command of a RUN script back to the Dockerfile.
/// let run = stage.steps[1].run.as_ref().unwrap();
/// let install = run.text.find("install").unwrap();
/// let at = file.position(run.source_offset(install));
/// assert_eq!((at.line, at.column), (5, 3));
/// ```
#[derive(Debug)]
pub struct Model<'a> {
    pub file: &'a Dockerfile,
    pub options: BuildOptions,
    pub global_args: Vec<GlobalArg<'a>>,
    /// The automatic platform `ARG`s, after `--build-arg` overrides.
    pub automatic_args: Vec<(String, String)>,
    pub stages: Vec<Stage<'a>>,
    /// The stage `--target` names, or the last stage.
    pub target: Option<usize>,
    pub errors: Vec<ModelError>,
    /// What `FROM` lines see: the automatic and the global `ARG`s.
    from_env: HashMap<String, String>,
    variables: VariableStore,
}

impl<'a> Model<'a> {
    /// Resolves `file` for a build with `options`.
    pub fn build(file: &'a Dockerfile, options: &BuildOptions) -> Model<'a> {
        Builder::new(file, options).run()
    }

    pub fn target_stage(&self) -> Option<&Stage<'a>> {
        self.target.map(|i| &self.stages[i])
    }

    /// The stage BuildKit finds for `name` (case-insensitive; the last of duplicates).
    pub fn stage_by_name(&self, name: &str) -> Option<&Stage<'a>> {
        let lower = name.to_lowercase();
        self.stages
            .iter()
            .rev()
            .find(|s| s.name.as_deref() == Some(lower.as_str()))
    }

    /// The proxy variables `--build-arg` hands to every `RUN` without an `ARG` declaration
    /// (BuildKit matches their names case-insensitively).
    pub fn proxy_env(&self) -> Vec<(&str, &str)> {
        self.options
            .build_args
            .iter()
            .filter(|(k, _)| PROXY_ARGS.iter().any(|p| p.eq_ignore_ascii_case(k)))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// The variables `FROM` lines are expanded with.
    pub fn from_variables(&self) -> &HashMap<String, String> {
        &self.from_env
    }

    /// The variables visible before `step` of `stage`.
    pub fn variables_before(&self, stage: usize, step: usize) -> Variables<'_> {
        self.variables(stage, &self.stages[stage].steps[step].in_effect)
    }

    /// The variables visible when `stage` ends (what a stage built on it inherits).
    pub fn variables_at_end(&self, stage: usize) -> Variables<'_> {
        self.variables(stage, &self.stages[stage].at_end)
    }

    fn variables(&self, stage: usize, at: &InEffect) -> Variables<'_> {
        self.variables.view(stage, at.scope)
    }

    /// The stages the target needs: its base chain, and every stage it copies or mounts from,
    /// transitively. Empty when there is no target.
    pub fn stages_needed_by_target(&self) -> BTreeSet<usize> {
        let mut needed = BTreeSet::new();
        let mut todo: Vec<usize> = self.target.into_iter().collect();
        while let Some(i) = todo.pop() {
            if !needed.insert(i) {
                continue;
            }
            let stage = &self.stages[i];
            if let BaseImage::Stage(b) = stage.base {
                todo.push(b);
            }
            for step in &stage.steps {
                let froms = step
                    .copy_from
                    .iter()
                    .chain(step.mounts.iter().filter_map(|m| m.from.as_ref()));
                for s in froms {
                    if let SourceRef::Stage(j) = s {
                        todo.push(*j);
                    }
                }
            }
        }
        needed
    }
}
