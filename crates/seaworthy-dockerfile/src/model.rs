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

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::ops::Range;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::expand::{Env, Lexer};
use crate::reference::{ImageRef, Platform};
use crate::shell::{Dialect, Script};
use crate::span::Span;
use crate::syntax::{Arg, Args, Dockerfile, Flag, Heredoc, Instruction, Keyword};

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

/// The `ARG`s BuildKit defines for every build, without a declaration, from the platforms.
pub const AUTOMATIC_ARGS: [&str; 11] = [
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDOSVERSION",
    "BUILDARCH",
    "BUILDVARIANT",
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETOSVERSION",
    "TARGETARCH",
    "TARGETVARIANT",
    "TARGETSTAGE",
];

/// Proxy variables a `--build-arg` passes to every `RUN` without an `ARG` declaration (and keeps
/// out of the image history).
pub const PROXY_ARGS: [&str; 10] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// Where an `ARG`'s value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgOrigin {
    /// Its default, `ARG NAME=default`, after expansion.
    Default,
    /// `--build-arg NAME=VALUE`, which beats the default.
    BuildArg,
    /// A stage `ARG NAME` re-declaring a global `ARG` takes the global value.
    Global,
    /// A stage `ARG TARGETARCH` (and the like) takes the automatic platform value.
    Automatic,
    /// Declared without a value anywhere: not set.
    Unset,
}

/// One name of an `ARG` instruction, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgValue {
    pub name: String,
    /// The `NAME[=default]` word.
    pub span: Span,
    /// The default as written (quotes and variables not yet processed).
    pub default: Option<String>,
    pub value: Option<String>,
    pub origin: ArgOrigin,
}

/// An `ARG` before the first `FROM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalArg<'a> {
    pub instruction: &'a Instruction,
    pub arg: ArgValue,
}

/// Whether a variable was defined by `ARG` or `ENV`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariableKind {
    Arg,
    Env,
}

/// A variable defined in a stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    /// `None` for an `ARG` declared without any value.
    pub value: Option<String>,
    pub kind: VariableKind,
    /// The key (`ENV`) or the word (`ARG`) that defined it.
    pub span: Span,
    /// The stage whose instruction defined it (an ancestor stage for inherited variables).
    pub stage: usize,
}

/// The variables one stage defines, in definition order.
#[derive(Debug, Default)]
struct Scope {
    vars: Vec<Variable>,
    /// The stages this one is built on and how many of their definitions it inherits, nearest
    /// first (so stage indices decrease).
    ancestors: Vec<(u32, u32)>,
}

/// Every stage's variables, and one index by name over all of them: a lookup costs a hash probe
/// and a short scan, however deep the chain of stages built on stages, and nothing is copied
/// from step to step or from a stage to the stages built on it.
#[derive(Debug, Default)]
struct VariableStore {
    scopes: Vec<Scope>,
    /// Every definition of each name as (stage, position), in definition order.
    by_name: HashMap<String, Vec<(u32, u32)>>,
}

impl VariableStore {
    fn push(&mut self, stage: usize, var: Variable) {
        let scope = &mut self.scopes[stage];
        self.by_name
            .entry(var.name.clone())
            .or_default()
            .push((stage as u32, scope.vars.len() as u32));
        scope.vars.push(var);
    }

    fn len(&self, stage: usize) -> usize {
        self.scopes[stage].vars.len()
    }

    fn view(&self, stage: usize, len: usize) -> Variables<'_> {
        Variables {
            store: self,
            stage,
            len,
        }
    }
}

/// The variables visible at one point of a stage: a cheap view, usable as an [`Env`] for
/// expansion.
#[derive(Clone, Copy)]
pub struct Variables<'m> {
    store: &'m VariableStore,
    stage: usize,
    len: usize,
}

impl<'m> Variables<'m> {
    fn visible(&self, stage: u32, position: u32) -> bool {
        if stage as usize == self.stage {
            return (position as usize) < self.len;
        }
        let ancestors = &self.store.scopes[self.stage].ancestors;
        match ancestors.binary_search_by(|&(a, _)| stage.cmp(&a)) {
            Ok(i) => position < ancestors[i].1,
            Err(_) => false,
        }
    }

    /// The visible definitions of `name`, latest first.
    fn candidates(self, name: &str) -> impl Iterator<Item = &'m Variable> + 'm {
        let defs: &'m [(u32, u32)] = self.store.by_name.get(name).map_or(&[], Vec::as_slice);
        let end = defs.partition_point(|&(s, p)| (s as usize, p as usize) < (self.stage, self.len));
        defs[..end]
            .iter()
            .rev()
            .filter(move |&&(s, p)| self.visible(s, p))
            .map(move |&(s, p)| &self.store.scopes[s as usize].vars[p as usize])
    }

    /// The definition in effect for `name`: the last one with a value.
    pub fn get(&self, name: &str) -> Option<&'m Variable> {
        self.candidates(name).find(|v| v.value.is_some())
    }

    pub fn value(&self, name: &str) -> Option<&'m str> {
        self.get(name).and_then(|v| v.value.as_deref())
    }

    /// Whether `name` was declared at all, even by an `ARG` without a value.
    pub fn is_declared(&self, name: &str) -> bool {
        self.candidates(name).next().is_some()
    }

    /// Every definition visible here, latest first, shadowed ones included.
    pub fn definitions(&self) -> impl Iterator<Item = &'m Variable> + 'm {
        let store = self.store;
        let own = store.scopes[self.stage].vars[..self.len].iter().rev();
        let inherited = store.scopes[self.stage]
            .ancestors
            .iter()
            .flat_map(move |&(s, n)| store.scopes[s as usize].vars[..n as usize].iter().rev());
        own.chain(inherited)
    }

    /// The variables in effect, one per name (the definition that wins), sorted by name.
    pub fn in_effect(&self) -> BTreeMap<&'m str, &'m Variable> {
        let mut out = BTreeMap::new();
        for v in self.definitions() {
            if out.contains_key(v.name.as_str()) {
                continue;
            }
            if let Some(winner) = self.get(&v.name) {
                out.insert(winner.name.as_str(), winner);
            }
        }
        out
    }
}

impl Env for Variables<'_> {
    fn lookup(&self, name: &str) -> Option<&str> {
        self.value(name)
    }
}

impl fmt::Debug for Variables<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.in_effect().iter().map(|(k, v)| (k, &v.value)))
            .finish()
    }
}

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

/// Where a [`RunScript`]'s text comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptOrigin {
    /// The shell-form command line (continuations joined), followed by its heredocs as the
    /// shell reads them when the line does more than name one heredoc.
    ShellForm,
    /// The body of the instruction's heredoc with this index: `RUN <<EOF` runs it as the script.
    Heredoc(usize),
}

/// A contiguous piece of script text and where it lies in the Dockerfile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    text: usize,
    source: usize,
    len: usize,
}

/// The text a `RUN` hands to a shell, the dialect it is written in, and a map from its byte
/// offsets back to the Dockerfile.
pub struct RunScript {
    pub text: String,
    pub dialect: Dialect,
    pub origin: ScriptOrigin,
    /// For a `RUN <<EOF` body starting with `#!`: the shebang line after `#!`. BuildKit runs
    /// such a body as a file, with that interpreter instead of the shell.
    pub interpreter: Option<String>,
    pieces: Vec<Piece>,
    parsed: OnceLock<Option<Script>>,
}

impl fmt::Debug for RunScript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunScript")
            .field("text", &self.text)
            .field("dialect", &self.dialect)
            .field("origin", &self.origin)
            .field("interpreter", &self.interpreter)
            .finish()
    }
}

impl RunScript {
    /// Whether the script is analysed as a shell script: POSIX shells, and (best effort, as
    /// hadolint does) shells `SHELL` names that are not recognised; not PowerShell, cmd, or a
    /// heredoc whose shebang names something other than a POSIX shell (`python3`).
    pub fn is_analysed(&self) -> bool {
        match self.interpreter {
            Some(_) => self.dialect == Dialect::Posix,
            None => self.dialect.is_analysed(),
        }
    }

    /// The script parsed into commands, when [`RunScript::is_analysed`]; parsed on first use.
    /// Command and word spans are byte ranges of [`RunScript::text`]: map them with
    /// [`RunScript::source_span`].
    pub fn script(&self) -> Option<&Script> {
        self.parsed
            .get_or_init(|| {
                self.is_analysed()
                    .then(|| Script::parse(&self.text, self.dialect))
            })
            .as_ref()
    }

    /// The Dockerfile offset of byte `offset` of [`RunScript::text`].
    pub fn source_offset(&self, offset: usize) -> usize {
        self.map(offset, false)
    }

    /// The Dockerfile span of `range` in [`RunScript::text`]. A range that crosses a line
    /// continuation covers it.
    pub fn source_span(&self, range: Range<usize>) -> Span {
        if range.start >= range.end {
            let s = self.map(range.start, false);
            return Span::new(s, s);
        }
        Span::new(self.map(range.start, false), self.map(range.end, true))
    }

    fn map(&self, offset: usize, is_end: bool) -> usize {
        let Some(last) = self.pieces.last() else {
            return 0;
        };
        for p in &self.pieces {
            let inside = if is_end {
                offset > p.text && offset <= p.text + p.len
            } else {
                offset >= p.text && offset < p.text + p.len
            };
            if inside {
                return p.source + (offset - p.text);
            }
        }
        if offset >= last.text + last.len {
            last.source + last.len
        } else {
            self.pieces[0].source
        }
    }
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

/// Builds a [`Model`]: the instruction layer's validation, then BuildKit's conversion order.
struct Builder<'a, 'o> {
    file: &'a Dockerfile,
    options: &'o BuildOptions,
    lexer: Lexer,
    errors: Vec<ModelError>,
    /// The lower-cased name of every stage, from a first pass over the `FROM`s.
    stage_names: Vec<Option<String>>,
    /// Stage index by name, the last of duplicates, as `COPY --from` finds them.
    stages_by_name: HashMap<String, usize>,
    variables: VariableStore,
    from_env: HashMap<String, String>,
    automatic: Vec<(String, String)>,
    global_names: BTreeSet<String>,
    labs: bool,
    instruction_starts: Vec<usize>,
    /// Instructions (by start offset) that already have an error.
    failed: std::collections::HashSet<usize>,
}

impl<'a, 'o> Builder<'a, 'o> {
    fn new(file: &'a Dockerfile, options: &'o BuildOptions) -> Self {
        let labs = file
            .directive("syntax")
            .is_some_and(|d| d.value.contains("labs"));
        Builder {
            file,
            options,
            lexer: Lexer::new(file.escape as char),
            errors: Vec::new(),
            stage_names: Vec::new(),
            stages_by_name: HashMap::new(),
            variables: VariableStore::default(),
            from_env: HashMap::new(),
            automatic: Vec::new(),
            global_names: BTreeSet::new(),
            labs,
            instruction_starts: file.instructions().map(|i| i.span.start).collect(),
            failed: Default::default(),
        }
    }

    /// An error about the instruction at `span`. Like BuildKit, which stops at the first error,
    /// only the first error of each instruction is kept (the instruction layer's come first).
    fn error(&mut self, message: impl Into<String>, span: Span) {
        let at = self
            .instruction_starts
            .partition_point(|&s| s <= span.start)
            .checked_sub(1);
        if let Some(i) = at {
            if !self.failed.insert(self.instruction_starts[i]) {
                return;
            }
        }
        self.file_error(message, span);
    }

    /// An error about the whole build.
    fn file_error(&mut self, message: impl Into<String>, span: Span) {
        self.errors.push(ModelError {
            message: message.into(),
            span,
        });
    }

    fn text(&self, ins: &Instruction, span: Span) -> Cow<'a, str> {
        self.file.logical(ins, span)
    }

    fn run(mut self) -> Model<'a> {
        let file = self.file;
        let instructions: Vec<&'a Instruction> = file.instructions().collect();

        // The instruction layer: every instruction on its own.
        for ins in &instructions {
            if let Some(e) = validate(file, ins) {
                self.error(e.message, e.span);
            }
        }

        // Split into global ARGs and stages.
        let first_from = instructions.iter().position(|i| i.kind == Keyword::From);
        let head = &instructions[..first_from.unwrap_or(instructions.len())];
        for ins in head {
            if ins.kind != Keyword::Arg {
                self.error("no build stage in current context", ins.span);
            }
        }
        if first_from.is_none() {
            self.file_error("dockerfile contains no stages to build", Span::new(0, 0));
        }
        let mut stage_groups: Vec<(&'a Instruction, Vec<&'a Instruction>)> = Vec::new();
        if let Some(first) = first_from {
            for ins in &instructions[first..] {
                if ins.kind == Keyword::From {
                    stage_groups.push((ins, Vec::new()));
                } else if let Some(last) = stage_groups.last_mut() {
                    last.1.push(ins);
                }
            }
        }
        self.stage_names = stage_groups
            .iter()
            .map(|(from, _)| from_words(file, from).and_then(|w| w.name.map(|(n, _)| n)))
            .collect();
        for (i, name) in self.stage_names.iter().enumerate() {
            if let Some(n) = name {
                self.stages_by_name.insert(n.clone(), i);
            }
        }

        // Automatic platform ARGs, overridable by build args.
        let target_name = match &self.options.target {
            Some(t) => t.clone(),
            None => self
                .stage_names
                .last()
                .cloned()
                .flatten()
                .unwrap_or_default(),
        };
        let target_name = if target_name.is_empty() {
            "default".to_owned()
        } else {
            target_name
        };
        let bp = &self.options.build_platform;
        let tp = &self.options.platform;
        let values = [
            bp.format(),
            bp.os.clone(),
            bp.os_version.clone().unwrap_or_default(),
            bp.architecture.clone(),
            bp.variant.clone().unwrap_or_default(),
            tp.format_all(),
            tp.os.clone(),
            tp.os_version.clone().unwrap_or_default(),
            tp.architecture.clone(),
            tp.variant.clone().unwrap_or_default(),
            target_name,
        ];
        for (name, value) in AUTOMATIC_ARGS.iter().zip(values) {
            let value = self.options.build_args.get(*name).cloned().unwrap_or(value);
            self.from_env.insert((*name).to_owned(), value.clone());
            self.automatic.push(((*name).to_owned(), value));
        }

        let global_args = self.global_args(head);

        let mut stages: Vec<Stage<'a>> = Vec::with_capacity(stage_groups.len());
        for (index, (from, body)) in stage_groups.into_iter().enumerate() {
            let stage = self.stage(index, from, &body, &stages);
            stages.push(stage);
        }

        let target = match &self.options.target {
            None => stages.len().checked_sub(1),
            Some(t) => {
                let lower = t.to_lowercase();
                let found = stages
                    .iter()
                    .rposition(|s| s.name.as_deref() == Some(lower.as_str()));
                if found.is_none() {
                    let names: Vec<&str> =
                        stages.iter().filter_map(|s| s.name.as_deref()).collect();
                    let message = with_suggestion(
                        format!("target stage {} could not be found", go_quote(t)),
                        t,
                        &names,
                        true,
                    );
                    self.file_error(message, Span::new(0, 0));
                }
                found
            }
        };

        self.errors.sort_by_key(|e| e.span.start);
        Model {
            file,
            options: self.options.clone(),
            global_args,
            automatic_args: self.automatic,
            stages,
            target,
            errors: self.errors,
            from_env: self.from_env,
            variables: self.variables,
        }
    }

    /// Global ARGs are expanded in order with the automatic ARGs and the earlier global ARGs;
    /// a build arg replaces the default of an ARG that is declared.
    fn global_args(&mut self, head: &[&'a Instruction]) -> Vec<GlobalArg<'a>> {
        let mut out = Vec::new();
        for ins in head.iter().filter(|i| i.kind == Keyword::Arg) {
            let Args::Words(words) = &ins.args else {
                continue;
            };
            for w in words {
                let raw = self.text(ins, w.span);
                let (name, default) = split_arg(&raw);
                if name.is_empty() {
                    continue;
                }
                let (value, origin) = if let Some(v) = self.options.build_args.get(name) {
                    (Some(v.clone()), ArgOrigin::BuildArg)
                } else if let Some(d) = default {
                    match self.lexer.process_word(d, &self.from_env) {
                        Ok(e) => (Some(e.value), ArgOrigin::Default),
                        Err(e) => {
                            self.error(e.message, w.span);
                            (None, ArgOrigin::Unset)
                        }
                    }
                } else {
                    (None, ArgOrigin::Unset)
                };
                if let Some(v) = &value {
                    self.from_env.insert(name.to_owned(), v.clone());
                }
                self.global_names.insert(name.to_owned());
                out.push(GlobalArg {
                    instruction: ins,
                    arg: ArgValue {
                        name: name.to_owned(),
                        span: w.span,
                        default: default.map(str::to_owned),
                        value,
                        origin,
                    },
                });
            }
        }
        out
    }

    fn stage(
        &mut self,
        index: usize,
        from: &'a Instruction,
        body: &[&'a Instruction],
        earlier: &[Stage<'a>],
    ) -> Stage<'a> {
        let file = self.file;
        let words = from_words(file, from);
        let mut base_undefined = BTreeSet::new();

        // The base name and platform see only the automatic and global ARGs.
        let raw_base = words.as_ref().map(|w| w.base.0.clone()).unwrap_or_default();
        let base_span = words.as_ref().map_or(from.span, |w| w.base.1);
        let base_name = match self.lexer.process_word(&raw_base, &self.from_env) {
            Ok(e) => {
                base_undefined.extend(e.unmatched);
                e.value
            }
            Err(e) => {
                self.error(e.message, base_span);
                raw_base.clone()
            }
        };
        let mut platform = None;
        let mut stage_os = self.options.platform.os.clone();
        if let Some(flag) = from.flags.iter().rfind(|f| f.name() == "platform") {
            let raw = flag.value().unwrap_or("");
            match self.lexer.process_word(raw, &self.from_env) {
                Ok(e) => {
                    base_undefined.extend(e.unmatched);
                    if e.value.is_empty() {
                        self.error(
                            format!("empty platform value from expression {raw}"),
                            flag.span,
                        );
                    } else {
                        match Platform::parse(&e.value, &self.options.platform) {
                            Ok(p) => stage_os = p.os,
                            Err(why) => {
                                self.error(
                                    format!("failed to parse platform {raw}: {why}"),
                                    flag.span,
                                );
                            }
                        }
                    }
                    platform = Some(e.value);
                }
                Err(e) => {
                    self.error(
                        format!(
                            "failed to process arguments for platform {raw}: {}",
                            e.message
                        ),
                        flag.span,
                    );
                    platform = Some(raw.to_owned());
                }
            }
        }

        // An earlier stage by its exact name, then scratch, then an image.
        let earlier_stage = self.stage_names[..index]
            .iter()
            .rposition(|n| n.as_deref() == Some(base_name.as_str()));
        // A base that only lacks the values of declared global ARGs without defaults is
        // waiting for `--build-arg`: the file is fine, the base is just unknown here.
        let awaits_build_args = !base_undefined.is_empty()
            && base_undefined.iter().all(|n| self.global_names.contains(n));
        let base = if let Some(i) = earlier_stage {
            BaseImage::Stage(i)
        } else if base_name.is_empty() {
            let message = format!("base name ({raw_base}) should not be blank");
            if !awaits_build_args {
                self.error(message.clone(), base_span);
            }
            BaseImage::Unresolved {
                text: base_name.clone(),
                missing: base_undefined.iter().cloned().collect(),
                message,
            }
        } else if base_name == "scratch" {
            BaseImage::Scratch
        } else {
            match ImageRef::parse(&base_name) {
                Ok(r) => BaseImage::Image(r),
                Err(e) => {
                    let message =
                        format!("failed to parse stage name {}: {e}", go_quote(&base_name));
                    if !awaits_build_args {
                        self.error(message.clone(), base_span);
                    }
                    BaseImage::Unresolved {
                        text: base_name.clone(),
                        missing: base_undefined.iter().cloned().collect(),
                        message,
                    }
                }
            }
        };

        let mut ancestors = Vec::new();
        let at_start = match &base {
            BaseImage::Stage(b) => {
                let parent = &earlier[*b];
                ancestors.push((*b as u32, parent.at_end.scope as u32));
                ancestors.extend_from_slice(&self.variables.scopes[*b].ancestors);
                InEffect {
                    scope: 0,
                    ..parent.at_end.clone()
                }
            }
            _ => InEffect {
                user: None,
                workdir: None,
                shell: Arc::new(EffectiveShell::default_for(&stage_os)),
                scope: 0,
            },
        };

        debug_assert_eq!(self.variables.scopes.len(), index);
        self.variables.scopes.push(Scope {
            vars: Vec::new(),
            ancestors,
        });

        let (name, name_span) = match words.and_then(|w| w.name) {
            Some((n, s)) => (Some(n), Some(s)),
            None => (None, None),
        };
        let mut stage = Stage {
            index,
            name,
            name_span,
            from,
            base_name,
            base,
            base_undefined,
            platform,
            steps: Vec::with_capacity(body.len()),
            at_end: at_start.clone(),
            at_start,
        };
        let mut state = stage.at_start.clone();
        for ins in body {
            let step = self.step(&stage, ins, &mut state, stage_os.as_str());
            stage.steps.push(step);
        }
        stage.at_end = state;
        stage
    }

    /// One instruction: expand what BuildKit expands, with the variables before it, then apply
    /// its effect on `state` and `scope`.
    fn step(
        &mut self,
        stage: &Stage<'a>,
        ins: &'a Instruction,
        state: &mut InEffect,
        os: &str,
    ) -> Step<'a> {
        state.scope = self.variables.len(stage.index);
        let mut step = Step {
            instruction: ins,
            in_effect: state.clone(),
            expanded: Expanded::None,
            undefined: BTreeSet::new(),
            copy_from: None,
            mounts: Vec::new(),
            run: None,
        };
        let file = self.file;
        let lexer = self.lexer;
        let mut errors: Vec<ModelError> = Vec::new();
        let mut undefined = BTreeSet::new();
        {
            let vars = self.variables.view(stage.index, state.scope);
            let mut expand = |word: &str, span: Span| -> String {
                match lexer.process_word(word, &vars) {
                    Ok(e) => {
                        undefined.extend(e.unmatched);
                        e.value
                    }
                    Err(e) => {
                        errors.push(ModelError {
                            message: e.message,
                            span,
                        });
                        word.to_owned()
                    }
                }
            };
            step.expanded = match ins.kind {
                Keyword::Env | Keyword::Label => {
                    let mut pairs = Vec::new();
                    if let Args::KeyValues(kvs) = &ins.args {
                        for kv in kvs {
                            let k = expand(&file.logical(ins, kv.key), kv.key);
                            let v = expand(&file.logical(ins, kv.value), kv.value);
                            pairs.push((k, v));
                        }
                    }
                    if ins.kind == Keyword::Env {
                        Expanded::Env(pairs)
                    } else {
                        Expanded::Label(pairs)
                    }
                }
                Keyword::Add | Keyword::Copy => {
                    let copy = file_copy(file, ins, &mut expand);
                    if ins.kind == Keyword::Copy {
                        Expanded::Copy(copy)
                    } else {
                        Expanded::Add(copy)
                    }
                }
                Keyword::Workdir | Keyword::User | Keyword::Stopsignal => {
                    let value = match &ins.args {
                        Args::String(a) => expand(&file.logical(ins, a.span), a.span),
                        _ => String::new(),
                    };
                    match ins.kind {
                        Keyword::Workdir => Expanded::Workdir(value),
                        Keyword::User => Expanded::User(value),
                        _ => Expanded::StopSignal(value),
                    }
                }
                Keyword::Volume => Expanded::Volume(
                    arg_list(file, ins)
                        .into_iter()
                        .map(|(t, s)| expand(&t, s))
                        .collect(),
                ),
                Keyword::Expose => {
                    let mut ports = Vec::new();
                    for (t, s) in arg_list(file, ins) {
                        match lexer.process_words(&t, &vars) {
                            Ok(words) => {
                                for w in words {
                                    match parse_port(&w) {
                                        Ok(p) => ports.push(p),
                                        Err(m) => errors.push(ModelError {
                                            message: m,
                                            span: s,
                                        }),
                                    }
                                }
                            }
                            Err(e) => errors.push(ModelError {
                                message: e.message,
                                span: s,
                            }),
                        }
                    }
                    Expanded::Expose(ports)
                }
                Keyword::Shell => match &ins.args {
                    Args::Json { items, .. } => Expanded::Shell(
                        items
                            .iter()
                            .map(|a| file.arg_value(ins, a).into_owned())
                            .collect(),
                    ),
                    _ => Expanded::None,
                },
                Keyword::Healthcheck => match healthcheck(file, ins) {
                    Ok(h) => Expanded::Healthcheck(h),
                    Err(_) => Expanded::None,
                },
                Keyword::Run => {
                    for flag in ins.flags.iter().filter(|f| f.name() == "mount") {
                        let value = flag.value().unwrap_or("");
                        let mut field_expand = |w: &str| -> Result<String, String> {
                            match lexer.process_word(w, &vars) {
                                Ok(e) => {
                                    undefined.extend(e.unmatched);
                                    Ok(e.value)
                                }
                                Err(e) => Err(e.message),
                            }
                        };
                        match parse_mount(value, Some(&mut field_expand)) {
                            Ok(spec) => step.mounts.push(Mount {
                                span: flag.span,
                                kind: spec.kind,
                                from: spec
                                    .from
                                    .as_deref()
                                    .map(|f| mount_source(&self.stages_by_name, f)),
                                source: spec.source,
                                target: spec.target,
                                id: spec.id,
                                sharing: spec.sharing,
                                readonly: spec.readonly,
                                required: spec.required,
                                mode: spec.mode,
                                uid: spec.uid,
                                gid: spec.gid,
                                size: spec.size,
                                env: spec.env,
                            }),
                            Err(m) => errors.push(ModelError {
                                message: m,
                                span: flag.span,
                            }),
                        }
                    }
                    if !self.labs && ins.flags.iter().any(|f| f.name() == "device") {
                        errors.push(ModelError {
                            message: "device feature is only supported in Dockerfile frontend 1.14.0-labs or later".into(),
                            span: ins.flags.iter().find(|f| f.name() == "device").map_or(ins.span, |f| f.span),
                        });
                    }
                    let flag = |name: &str, default: &str| {
                        ins.flags
                            .iter()
                            .rfind(|f| f.name() == name)
                            .and_then(|f| f.value())
                            .unwrap_or(default)
                            .to_owned()
                    };
                    Expanded::Run {
                        network: flag("network", "default"),
                        security: flag("security", "sandbox"),
                    }
                }
                _ => Expanded::None,
            };
        }
        step.undefined = undefined;
        for e in errors {
            self.error(e.message, e.span);
        }

        // Effects on what is in effect next.
        match (&ins.kind, &step.expanded) {
            (Keyword::Env, Expanded::Env(pairs)) => {
                if let Args::KeyValues(kvs) = &ins.args {
                    for (kv, (k, v)) in kvs.iter().zip(pairs) {
                        self.variables.push(
                            stage.index,
                            Variable {
                                name: k.clone(),
                                value: Some(v.clone()),
                                kind: VariableKind::Env,
                                span: kv.key,
                                stage: stage.index,
                            },
                        );
                    }
                }
            }
            (Keyword::Arg, _) => {
                let values = self.stage_arg(stage.index, ins, &mut step.undefined);
                step.expanded = Expanded::Arg(values);
            }
            (Keyword::User, Expanded::User(u)) => {
                state.user = Some(Arc::new(EffectiveUser {
                    value: u.clone(),
                    span: ins.span,
                }));
            }
            (Keyword::Workdir, Expanded::Workdir(w)) => {
                let (parent, unknown) = match &state.workdir {
                    Some(wd) => (wd.path.as_str(), wd.relative_to_unknown),
                    None => ("/", !matches!(stage.base, BaseImage::Scratch)),
                };
                let absolute = w.starts_with('/');
                let path = if w.is_empty() {
                    parent.to_owned()
                } else if absolute {
                    w.clone()
                } else {
                    join_clean(parent, w)
                };
                state.workdir = Some(Arc::new(Workdir {
                    path,
                    span: ins.span,
                    relative_to_unknown: !absolute && unknown,
                }));
            }
            (Keyword::Shell, Expanded::Shell(argv)) if !argv.is_empty() => {
                state.shell = Arc::new(EffectiveShell {
                    dialect: Dialect::from_shell(&argv[0]),
                    argv: argv.clone(),
                    span: Some(ins.span),
                });
            }
            _ => {}
        }

        // References to other stages and images.
        if let Expanded::Copy(copy) = &step.expanded {
            if let Some(from) = &copy.from {
                let flag_span = ins
                    .flags
                    .iter()
                    .rfind(|f| f.name() == "from")
                    .map_or(ins.span, |f| f.span);
                step.copy_from = Some(self.copy_from(stage, from, flag_span));
            }
        }
        let mount_checks: Vec<(usize, Span, String)> = step
            .mounts
            .iter()
            .filter_map(|m| match &m.from {
                Some(SourceRef::Stage(i)) => {
                    Some((*i, m.span, m.target.clone().unwrap_or_default()))
                }
                _ => None,
            })
            .collect();
        for (i, span, target) in mount_checks {
            let name = stage_display(&self.stage_names, i);
            if i == stage.index {
                self.error(
                    format!(
                        "circular dependency detected on stage: {}",
                        stage.display_name()
                    ),
                    span,
                );
            } else if i > stage.index {
                self.error(
                    format!(
                        "cannot mount from stage {} to {}, stage needs to be defined before current command",
                        go_quote(&name),
                        go_quote(&target)
                    ),
                    span,
                );
            }
        }
        for m in &step.mounts {
            if let Some(SourceRef::Invalid { message, .. }) = &m.from {
                self.error(message.clone(), m.span);
            }
        }

        // Scripts.
        match ins.kind {
            Keyword::Run => {
                step.run = run_script(
                    file,
                    &ins.args,
                    &ins.heredocs,
                    &ins.segments,
                    &state.shell,
                    os,
                );
            }
            Keyword::Onbuild => {
                if let Args::Onbuild(inner) = &ins.args {
                    if inner.kind == Keyword::Run {
                        step.run = run_script(
                            file,
                            &inner.args,
                            &ins.heredocs,
                            &ins.segments,
                            &state.shell,
                            os,
                        );
                    }
                }
            }
            Keyword::Stopsignal => {
                if let Expanded::StopSignal(sig) = &step.expanded {
                    if let Err(m) = check_signal(sig) {
                        self.error(m, ins.span);
                    }
                }
            }
            _ => {}
        }
        state.scope = self.variables.len(stage.index);
        step
    }

    /// A stage `ARG`: a build arg wins, then the default (expanded with what is in effect, the
    /// earlier names of the same instruction included), then the global or automatic value of
    /// the same name.
    fn stage_arg(
        &mut self,
        stage: usize,
        ins: &'a Instruction,
        undefined: &mut BTreeSet<String>,
    ) -> Vec<ArgValue> {
        let mut out = Vec::new();
        let Args::Words(words) = &ins.args else {
            return out;
        };
        for w in words {
            let raw = self.file.logical(ins, w.span);
            let (name, default) = split_arg(&raw);
            if name.is_empty() {
                continue;
            }
            let (value, origin) = if let Some(v) = self.options.build_args.get(name) {
                (Some(v.clone()), ArgOrigin::BuildArg)
            } else if let Some(d) = default {
                let vars = self.variables.view(stage, self.variables.len(stage));
                match self.lexer.process_word(d, &vars) {
                    Ok(e) => {
                        undefined.extend(e.unmatched);
                        (Some(e.value), ArgOrigin::Default)
                    }
                    Err(e) => {
                        self.error(e.message, w.span);
                        (None, ArgOrigin::Unset)
                    }
                }
            } else if let Some(v) = self.from_env.get(name) {
                let origin = if self.global_names.contains(name) {
                    ArgOrigin::Global
                } else {
                    ArgOrigin::Automatic
                };
                (Some(v.clone()), origin)
            } else {
                (None, ArgOrigin::Unset)
            };
            self.variables.push(
                stage,
                Variable {
                    name: name.to_owned(),
                    value: value.clone(),
                    kind: VariableKind::Arg,
                    span: w.span,
                    stage,
                },
            );
            out.push(ArgValue {
                name: name.to_owned(),
                span: w.span,
                default: default.map(str::to_owned),
                value,
                origin,
            });
        }
        out
    }

    /// `COPY --from`: not expanded (BuildKit refuses variables there), an index or a stage name,
    /// else an image.
    fn copy_from(&mut self, stage: &Stage<'a>, from: &str, span: Span) -> SourceRef {
        let empty: [(String, String); 0] = [];
        let literal = self
            .lexer
            .process_word(from, &empty)
            .is_ok_and(|e| e.value == from);
        if !literal {
            let message = "variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround";
            self.error(message, span);
            return SourceRef::Invalid {
                text: from.to_owned(),
                message: message.into(),
            };
        }
        let resolved = if let Some(index) = go_atoi(from) {
            if index < 0 || index as usize >= self.stage_names.len() {
                let message = format!("invalid stage index {index}");
                self.error(message.clone(), span);
                return SourceRef::Invalid {
                    text: from.to_owned(),
                    message,
                };
            }
            SourceRef::Stage(index as usize)
        } else {
            match self.stages_by_name.get(&from.to_lowercase()) {
                Some(&i) => SourceRef::Stage(i),
                None => from_ref(from),
            }
        };
        match &resolved {
            SourceRef::Stage(i) if *i == stage.index => self.error(
                format!(
                    "circular dependency detected on stage: {}",
                    stage.display_name()
                ),
                span,
            ),
            SourceRef::Stage(i) if *i > stage.index => self.error(
                format!(
                    "cannot copy from stage {}, it needs to be defined before current stage {}",
                    go_quote(from),
                    go_quote(&stage.display_name())
                ),
                span,
            ),
            SourceRef::Invalid { message, .. } => self.error(message.clone(), span),
            _ => {}
        }
        resolved
    }
}

/// `scratch`, else an image reference (a stage name is resolved by the caller).
fn from_ref(text: &str) -> SourceRef {
    if text == "scratch" {
        return SourceRef::Scratch;
    }
    match ImageRef::parse(text) {
        Ok(r) => SourceRef::Image(r),
        Err(e) => SourceRef::Invalid {
            text: text.to_owned(),
            message: format!("failed to parse stage name {}: {e}", go_quote(text)),
        },
    }
}

/// `RUN --mount from=`: a stage by name only, else an image.
fn mount_source(stages: &HashMap<String, usize>, from: &str) -> SourceRef {
    match stages.get(&from.to_lowercase()) {
        Some(&i) => SourceRef::Stage(i),
        None => from_ref(from),
    }
}

fn stage_display(names: &[Option<String>], i: usize) -> String {
    match names.get(i).cloned().flatten() {
        Some(n) => n,
        None => format!("stage-{i}"),
    }
}

/// `NAME[=default]`.
fn split_arg(word: &str) -> (&str, Option<&str>) {
    match word.split_once('=') {
        Some((n, d)) => (n, Some(d)),
        None => (word, None),
    }
}

/// The words of a `FROM`: base name, and `AS name` when well-formed.
struct FromWords {
    base: (String, Span),
    name: Option<(String, Span)>,
}

fn from_words(file: &Dockerfile, from: &Instruction) -> Option<FromWords> {
    let Args::Words(words) = &from.args else {
        return None;
    };
    words.first()?;
    let text = |a: &Arg| file.logical(from, a.span).into_owned();
    let base = (text(&words[0]), words[0].span);
    let name = (words.len() == 3 && text(&words[1]).eq_ignore_ascii_case("as"))
        .then(|| (text(&words[2]).to_lowercase(), words[2].span));
    Some(FromWords { base, name })
}

/// The arguments of a words, JSON or string instruction, as BuildKit's `nodeArgs` lists them.
fn arg_list<'f>(file: &'f Dockerfile, ins: &'f Instruction) -> Vec<(Cow<'f, str>, Span)> {
    match &ins.args {
        Args::Words(ws) => ws
            .iter()
            .map(|a| (file.logical(ins, a.span), a.span))
            .collect(),
        Args::Json { items, .. } => items
            .iter()
            .map(|a| (file.arg_value(ins, a), a.span))
            .collect(),
        Args::String(a) => vec![(file.logical(ins, a.span), a.span)],
        _ => Vec::new(),
    }
}

fn file_copy(
    file: &Dockerfile,
    ins: &Instruction,
    expand: &mut dyn FnMut(&str, Span) -> String,
) -> FileCopy {
    let mut copy = FileCopy::default();
    let args = arg_list(file, ins);
    if let Some(((dest, dest_span), sources)) = args.split_last() {
        copy.dest = expand(dest, *dest_span);
        for (src, span) in sources {
            match ins.heredocs.iter().position(|h| h.marker == *span) {
                Some(i) => copy.heredocs.push(i),
                None => copy.sources.push(expand(src, *span)),
            }
        }
    }
    for f in &ins.flags {
        let value = f.value().map(|v| (v, f.span));
        match f.name() {
            "from" => copy.from = f.value().map(str::to_owned),
            "chown" => copy.chown = value.map(|(v, s)| expand(v, s)),
            "chmod" => copy.chmod = value.map(|(v, s)| expand(v, s)),
            "checksum" => copy.checksum = value.map(|(v, s)| expand(v, s)),
            "link" => copy.link = bool_flag(f),
            "parents" => copy.parents = bool_flag(f),
            "exclude" => copy.exclude.extend(f.value().map(str::to_owned)),
            _ => {}
        }
    }
    copy
}

fn bool_flag(f: &Flag) -> bool {
    f.value().is_none_or(|v| v.eq_ignore_ascii_case("true"))
}

/// Joins a relative path to an absolute one and cleans it, like Go's `path.Join`.
fn join_clean(parent: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in parent.split('/').chain(rel.split('/')) {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

// ---------------------------------------------------------------------------------------------
// RUN scripts

/// The script a shell-form `RUN` (or `ONBUILD RUN`) runs, as BuildKit builds it:
/// - no heredoc: the command line, in the dialect of the shell in effect;
/// - `RUN <<EOF` alone: the heredoc body (tabs stripped for `<<-`), run by the shell in effect,
///   or by its shebang's interpreter when it starts with `#!`;
/// - otherwise the command line followed, for each heredoc, by a newline, its body and its
///   delimiter: the shell reads the heredocs itself (`RUN bash <<EOF`, `RUN cat <<EOF >f`).
fn run_script(
    file: &Dockerfile,
    args: &Args,
    heredocs: &[Heredoc],
    segments: &[Span],
    shell: &EffectiveShell,
    os: &str,
) -> Option<RunScript> {
    let Args::String(arg) = args else {
        return None;
    };
    let src = file.source();
    let mut script = logical_pieces(src, segments, arg.span);
    let Some(first) = heredocs.first() else {
        return Some(script.into_script(shell.dialect, ScriptOrigin::ShellForm, None));
    };
    if script.text.trim() == logical_pieces(src, segments, first.marker).text {
        let body = body_pieces(src, first);
        if os != "windows" && body.text.starts_with("#!") {
            let line = body.text[2..]
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_owned();
            let dialect = Dialect::from_shebang(&body.text).unwrap_or(Dialect::Unknown);
            return Some(body.into_script(dialect, ScriptOrigin::Heredoc(0), Some(line)));
        }
        return Some(body.into_script(shell.dialect, ScriptOrigin::Heredoc(0), None));
    }
    let line_end =
        memchr::memchr(b'\n', &src[arg.span.end..]).map_or(src.len(), |i| arg.span.end + i);
    let mut newline_at = line_end;
    for h in heredocs {
        script.push_text("\n", newline_at);
        script.push(src, h.body.range());
        let t = h.terminator;
        let tabs = src[t.range()].iter().take_while(|&&b| b == b'\t').count();
        let name_at = t.start + if h.chomp { tabs } else { 0 };
        if src[name_at..t.end].starts_with(h.name.as_bytes()) {
            script.push(src, name_at..name_at + h.name.len());
        } else {
            script.push_text(&h.name, t.start);
        }
        newline_at = t.end.saturating_sub(1);
    }
    Some(script.into_script(shell.dialect, ScriptOrigin::ShellForm, None))
}

/// Script text being assembled from source pieces.
struct Pieces {
    text: String,
    pieces: Vec<Piece>,
}

impl Pieces {
    fn push(&mut self, src: &[u8], range: Range<usize>) {
        if range.is_empty() {
            return;
        }
        let piece = String::from_utf8_lossy(&src[range.clone()]);
        self.pieces.push(Piece {
            text: self.text.len(),
            source: range.start,
            len: piece.len().min(range.len()),
        });
        self.text.push_str(&piece);
    }

    /// Text that is not in the source as such (the newline BuildKit puts before a heredoc
    /// body), attributed to `source`.
    fn push_text(&mut self, text: &str, source: usize) {
        self.pieces.push(Piece {
            text: self.text.len(),
            source,
            len: text.len().min(1),
        });
        self.text.push_str(text);
    }

    fn into_script(
        self,
        dialect: Dialect,
        origin: ScriptOrigin,
        interpreter: Option<String>,
    ) -> RunScript {
        RunScript {
            text: self.text,
            dialect,
            origin,
            interpreter,
            pieces: self.pieces,
            parsed: OnceLock::new(),
        }
    }
}

fn logical_pieces(src: &[u8], segments: &[Span], span: Span) -> Pieces {
    let mut p = Pieces {
        text: String::with_capacity(span.len()),
        pieces: Vec::new(),
    };
    for seg in segments {
        let s = span.start.max(seg.start);
        let e = span.end.min(seg.end);
        if s < e {
            p.push(src, s..e);
        }
    }
    p
}

/// A heredoc body as the shell sees it: `<<-` strips leading tabs from every line.
fn body_pieces(src: &[u8], h: &Heredoc) -> Pieces {
    let mut p = Pieces {
        text: String::with_capacity(h.body.len()),
        pieces: Vec::new(),
    };
    if !h.chomp {
        p.push(src, h.body.range());
        return p;
    }
    let mut start = h.body.start;
    while start < h.body.end {
        let end =
            memchr::memchr(b'\n', &src[start..h.body.end]).map_or(h.body.end, |i| start + i + 1);
        let mut s = start;
        while s < end && src[s] == b'\t' {
            s += 1;
        }
        p.push(src, s..end);
        start = end;
    }
    p
}

// ---------------------------------------------------------------------------------------------
// The instruction layer's validation (BuildKit's `instructions.Parse`).

#[derive(Clone, Copy, PartialEq, Eq)]
enum FlagKind {
    Bool,
    String,
    Strings,
}

const ADD_FLAGS: &[(&str, FlagKind)] = &[
    ("chown", FlagKind::String),
    ("chmod", FlagKind::String),
    ("link", FlagKind::Bool),
    ("keep-git-dir", FlagKind::Bool),
    ("checksum", FlagKind::String),
    ("unpack", FlagKind::Bool),
    ("exclude", FlagKind::Strings),
];
const COPY_FLAGS: &[(&str, FlagKind)] = &[
    ("chown", FlagKind::String),
    ("from", FlagKind::String),
    ("chmod", FlagKind::String),
    ("link", FlagKind::Bool),
    ("exclude", FlagKind::Strings),
    ("parents", FlagKind::Bool),
];
const FROM_FLAGS: &[(&str, FlagKind)] = &[("platform", FlagKind::String)];
const RUN_FLAGS: &[(&str, FlagKind)] = &[
    ("device", FlagKind::Strings),
    ("mount", FlagKind::Strings),
    ("network", FlagKind::String),
    ("security", FlagKind::String),
];
const HEALTHCHECK_FLAGS: &[(&str, FlagKind)] = &[
    ("interval", FlagKind::String),
    ("timeout", FlagKind::String),
    ("start-period", FlagKind::String),
    ("start-interval", FlagKind::String),
    ("retries", FlagKind::String),
];

const INSTRUCTION_NAMES: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// BuildKit's `BFlags.Parse` against the flags an instruction defines.
fn check_flags(ins: &Instruction, allowed: &[(&str, FlagKind)]) -> Option<ModelError> {
    let mut used: Vec<&str> = Vec::new();
    for f in &ins.flags {
        let err = |message: String| {
            Some(ModelError {
                message,
                span: f.span,
            })
        };
        let (flag_name, value) = match f.text.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (f.text.as_str(), None),
        };
        let Some(name) = flag_name.strip_prefix("--") else {
            return err(format!("arg should start with -- : {}", f.text));
        };
        let Some(&(_, kind)) = allowed.iter().find(|(n, _)| *n == name) else {
            let names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
            return err(with_suggestion(
                format!("unknown flag: {flag_name}"),
                name,
                &names,
                true,
            ));
        };
        if used.contains(&name) && kind != FlagKind::Strings {
            return err(format!("duplicate flag specified: {flag_name}"));
        }
        used.push(name);
        match kind {
            FlagKind::Bool => {
                if value == Some("") {
                    return err(format!("missing a value on flag: {flag_name}"));
                }
                let v = value.unwrap_or("").to_lowercase();
                if !matches!(v.as_str(), "true" | "false" | "") {
                    return err(format!(
                        "expecting boolean value for flag {flag_name}, not: {}",
                        value.unwrap_or("")
                    ));
                }
            }
            FlagKind::String | FlagKind::Strings => {
                if value.is_none() {
                    return err(format!("missing a value on flag: {flag_name}"));
                }
            }
        }
    }
    None
}

/// The number of arguments BuildKit's `nodeArgs` gives an instruction.
fn arg_count(args: &Args) -> usize {
    match args {
        Args::None => 0,
        Args::Json { items, .. } => items.len(),
        Args::String(_) | Args::Ignored(_) => 1,
        Args::Words(w) => w.len(),
        Args::KeyValues(kv) => kv.len() * 3,
        Args::Healthcheck { command, .. } => 1 + arg_count(command),
        Args::Onbuild(inner) => 1 + arg_count(&inner.args),
    }
}

/// The first error BuildKit's instruction layer reports for `ins`, if any.
fn validate(file: &Dockerfile, ins: &Instruction) -> Option<ModelError> {
    let at = |message: String| {
        Some(ModelError {
            message,
            span: ins.span,
        })
    };
    let n = arg_count(&ins.args);
    let kw = ins.kind.as_str();
    let flags = |allowed: &[(&str, FlagKind)]| check_flags(ins, allowed);
    match ins.kind {
        Keyword::Unknown => {
            let word = file.logical(ins, ins.keyword);
            return Some(ModelError {
                message: with_suggestion(
                    format!("unknown instruction: {word}"),
                    &word,
                    INSTRUCTION_NAMES,
                    false,
                ),
                span: ins.keyword,
            });
        }
        Keyword::Env | Keyword::Label => {
            if let Some(e) = flags(&[]) {
                return Some(e);
            }
            if n == 0 {
                return at(format!("{kw} requires at least one argument"));
            }
            if let Args::KeyValues(kvs) = &ins.args {
                if kvs.iter().any(|kv| kv.key.is_empty()) {
                    return at(format!("{kw} names can not be blank"));
                }
            }
        }
        Keyword::Maintainer | Keyword::Workdir | Keyword::User => {
            if n != 1 {
                return at(format!("{kw} requires exactly one argument"));
            }
            return flags(&[]);
        }
        Keyword::Stopsignal => {
            if n != 1 {
                return at(format!("{kw} requires exactly one argument"));
            }
        }
        Keyword::Add | Keyword::Copy => {
            if n < 2 {
                return at(format!("{kw} requires at least two arguments, but only one was provided. Destination could not be determined"));
            }
            let allowed = if ins.kind == Keyword::Add {
                ADD_FLAGS
            } else {
                COPY_FLAGS
            };
            if let Some(e) = flags(allowed) {
                return Some(e);
            }
            let args = arg_list(file, ins);
            if let Some((dest, span)) = args.last() {
                if is_heredoc_word(dest) {
                    return Some(ModelError {
                        message: format!("{kw} cannot accept a heredoc as a destination"),
                        span: *span,
                    });
                }
            }
        }
        Keyword::From => {
            let words: Vec<(Cow<'_, str>, Span)> = arg_list(file, ins);
            if words.len() == 3 && words[1].0.eq_ignore_ascii_case("as") {
                let name = words[2].0.to_lowercase();
                if !valid_stage_name(&name) {
                    return Some(ModelError {
                        message: format!(
                            "invalid name for build stage: {}, name can't start with a number or contain symbols",
                            go_quote(&words[2].0)
                        ),
                        span: words[2].1,
                    });
                }
            } else if words.len() != 1 {
                return at("FROM requires either one or three arguments".into());
            }
            return flags(FROM_FLAGS);
        }
        Keyword::Onbuild => {
            let Args::Onbuild(inner) = &ins.args else {
                return at("ONBUILD requires at least one argument".into());
            };
            if let Some(e) = flags(&[]) {
                return Some(e);
            }
            let trigger = file.logical(inner, inner.keyword).trim().to_uppercase();
            match trigger.as_str() {
                "ONBUILD" => {
                    return Some(ModelError {
                        message: "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".into(),
                        span: inner.keyword,
                    })
                }
                "MAINTAINER" | "FROM" => {
                    return Some(ModelError {
                        message: format!("{trigger} isn't allowed as an ONBUILD trigger"),
                        span: inner.keyword,
                    })
                }
                _ => {}
            }
        }
        Keyword::Run => {
            if let Some(e) = flags(RUN_FLAGS) {
                return Some(e);
            }
            for f in &ins.flags {
                let value = f.value().unwrap_or("");
                let e = match f.name() {
                    "device" => parse_device(value).err(),
                    "mount" => parse_mount(value, None).err(),
                    _ => None,
                };
                if let Some(message) = e {
                    return Some(ModelError {
                        message,
                        span: f.span,
                    });
                }
            }
            let last = |name: &str| ins.flags.iter().rfind(|f| f.name() == name);
            if let Some(f) = last("network") {
                let v = f.value().unwrap_or("");
                if !matches!(v, "default" | "none" | "host") {
                    return Some(ModelError {
                        message: format!("invalid network mode {}", go_quote(v)),
                        span: f.span,
                    });
                }
            }
            if let Some(f) = last("security") {
                let v = f.value().unwrap_or("");
                if !matches!(v, "insecure" | "sandbox") {
                    return Some(ModelError {
                        message: format!("security {} is not valid", go_quote(v)),
                        span: f.span,
                    });
                }
            }
        }
        Keyword::Cmd | Keyword::Entrypoint => return flags(&[]),
        Keyword::Healthcheck => {
            if let Err(e) = healthcheck(file, ins) {
                return Some(e);
            }
        }
        Keyword::Expose | Keyword::Volume => {
            if n == 0 {
                return at(format!("{kw} requires at least one argument"));
            }
            if let Some(e) = flags(&[]) {
                return Some(e);
            }
            if ins.kind == Keyword::Volume {
                for (v, span) in arg_list(file, ins) {
                    if v.trim().is_empty() {
                        return Some(ModelError {
                            message: "VOLUME specified can not be an empty string".into(),
                            span,
                        });
                    }
                }
            }
        }
        Keyword::Arg => {
            if n == 0 {
                return at("ARG requires at least one argument".into());
            }
            for (w, span) in arg_list(file, ins) {
                if w.starts_with('=') {
                    return Some(ModelError {
                        message: "ARG names can not be blank".into(),
                        span,
                    });
                }
            }
        }
        Keyword::Shell => {
            if let Some(e) = flags(&[]) {
                return Some(e);
            }
            match &ins.args {
                Args::None => return at("SHELL requires at least one argument".into()),
                Args::Json { items, .. } if items.is_empty() => {
                    return at("SHELL requires at least one argument".into())
                }
                Args::Json { .. } => {}
                _ => return at("SHELL requires the arguments to be in JSON form".into()),
            }
        }
    }
    None
}

fn valid_stage_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        })
}

/// BuildKit's `MustParseHeredoc` on an argument: a single `[n]<<[-]NAME` word.
fn is_heredoc_word(word: &str) -> bool {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let Some(rest) = word[digits..].strip_prefix("<<") else {
        return false;
    };
    let rest = rest.strip_prefix('-').unwrap_or(rest).trim_start();
    !rest.is_empty() && !rest.contains('<') && !rest.contains(char::is_whitespace)
}

/// `HEALTHCHECK`, validated and parsed.
fn healthcheck(file: &Dockerfile, ins: &Instruction) -> Result<Healthcheck, ModelError> {
    let at = |message: String| ModelError {
        message,
        span: ins.span,
    };
    let Args::Healthcheck { kind, command } = &ins.args else {
        return Err(at("HEALTHCHECK requires at least one argument".into()));
    };
    let typ = file.logical(ins, kind.span).to_uppercase();
    let mut h = Healthcheck {
        disabled: false,
        command: Vec::new(),
        shell_form: false,
        interval: None,
        timeout: None,
        start_period: None,
        start_interval: None,
        retries: None,
    };
    if typ == "NONE" {
        if !matches!(**command, Args::None) {
            return Err(at("HEALTHCHECK NONE takes no arguments".into()));
        }
        h.disabled = true;
        return Ok(h);
    }
    if let Some(e) = check_flags(ins, HEALTHCHECK_FLAGS) {
        return Err(e);
    }
    if typ != "CMD" {
        return Err(at(format!(
            "Unknown type {} in HEALTHCHECK (try CMD)",
            go_quote(&typ)
        )));
    }
    match &**command {
        Args::Json { items, .. } => {
            h.command = items
                .iter()
                .map(|a| file.arg_value(ins, a).into_owned())
                .collect();
        }
        Args::String(a) => {
            h.command = vec![file.logical(ins, a.span).into_owned()];
            h.shell_form = true;
        }
        _ => {}
    }
    if h.command.is_empty() {
        return Err(at("Missing command after HEALTHCHECK CMD".into()));
    }
    let flag = |name: &str| ins.flags.iter().rfind(|f| f.name() == name);
    for (name, slot) in [
        ("interval", &mut h.interval),
        ("timeout", &mut h.timeout),
        ("start-period", &mut h.start_period),
        ("start-interval", &mut h.start_interval),
    ] {
        let Some(f) = flag(name) else { continue };
        let v = f.value().unwrap_or("");
        if v.is_empty() {
            continue;
        }
        let nanos = parse_go_duration(v).map_err(|message| ModelError {
            message,
            span: f.span,
        })?;
        if nanos != 0 && nanos < 1_000_000 {
            return Err(ModelError {
                message: format!("Interval {} cannot be less than 1ms", go_quote(name)),
                span: f.span,
            });
        }
        *slot = Some(Duration::from_nanos(nanos as u64));
    }
    if let Some(f) = flag("retries") {
        let v = f.value().unwrap_or("");
        if !v.is_empty() {
            let retries = parse_go_int32(v).map_err(|message| ModelError {
                message,
                span: f.span,
            })?;
            if retries < 0 {
                return Err(ModelError {
                    message: format!("--retries cannot be negative ({retries})"),
                    span: f.span,
                });
            }
            h.retries = Some(retries);
        }
    }
    Ok(h)
}

/// Go's `time.ParseDuration`, in nanoseconds.
fn parse_go_duration(orig: &str) -> Result<i128, String> {
    let invalid = || format!("time: invalid duration {}", go_quote(orig));
    let mut s = orig;
    let mut negative = false;
    if let Some(rest) = s.strip_prefix(['-', '+']) {
        negative = s.starts_with('-');
        s = rest;
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    while !s.is_empty() {
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let int_part = &s[..int_len];
        s = &s[int_len..];
        let mut frac_part = "";
        if let Some(rest) = s.strip_prefix('.') {
            let frac_len = rest.bytes().take_while(u8::is_ascii_digit).count();
            frac_part = &rest[..frac_len];
            s = &rest[frac_len..];
            if int_part.is_empty() && frac_part.is_empty() {
                return Err(invalid());
            }
        } else if int_part.is_empty() {
            return Err(invalid());
        }
        let unit_len = s
            .bytes()
            .take_while(|b| *b != b'.' && !b.is_ascii_digit())
            .count();
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration {}", go_quote(orig)));
        }
        let unit = &s[..unit_len];
        s = &s[unit_len..];
        let scale: f64 = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    go_quote(unit),
                    go_quote(orig)
                ))
            }
        };
        let number: f64 = format!(
            "{}.{}",
            if int_part.is_empty() { "0" } else { int_part },
            frac_part
        )
        .trim_end_matches('.')
        .parse()
        .map_err(|_| invalid())?;
        total += number * scale;
        if total > i64::MAX as f64 {
            return Err(invalid());
        }
    }
    let nanos = total as i128;
    Ok(if negative { -nanos } else { nanos })
}

/// Go's `strconv.ParseInt(s, 10, 32)`.
fn parse_go_int32(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "strconv.ParseInt: parsing {}: invalid syntax",
            go_quote(s)
        ));
    }
    match s.parse::<i64>() {
        Ok(v) if (i32::MIN as i64..=i32::MAX as i64).contains(&v) => Ok(v),
        _ => Err(format!(
            "strconv.ParseInt: parsing {}: value out of range",
            go_quote(s)
        )),
    }
}

/// Go's `strconv.Atoi`, for `COPY --from=<index>`.
fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn go_quote(s: &str) -> String {
    crate::text::go_quote(s.as_bytes())
}

/// BuildKit's `suggest.WrapError`: append "(did you mean X?)" when an option is within edit
/// distance 2.
fn with_suggestion(message: String, value: &str, options: &[&str], case_sensitive: bool) -> String {
    let val = if case_sensitive {
        value.to_owned()
    } else {
        value.to_lowercase()
    };
    let mut best: Option<String> = None;
    let mut min = 3;
    for opt in options {
        let opt = if case_sensitive {
            (*opt).to_owned()
        } else {
            opt.to_lowercase()
        };
        if opt == val {
            return message;
        }
        let d = levenshtein(&val, &opt);
        if d < min {
            min = d;
            best = Some(if case_sensitive {
                opt
            } else if value == value.to_uppercase() {
                opt.to_uppercase()
            } else {
                opt
            });
        }
    }
    match best {
        Some(b) => format!("{message} (did you mean {b}?)"),
        None => message,
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

// ---------------------------------------------------------------------------------------------
// RUN --mount and --device

struct MountSpec {
    kind: MountType,
    /// `from=` as written: BuildKit looks the stage up before expansion.
    from: Option<String>,
    source: Option<String>,
    target: Option<String>,
    id: Option<String>,
    sharing: Option<String>,
    readonly: bool,
    required: bool,
    mode: Option<u32>,
    uid: Option<u32>,
    gid: Option<u32>,
    size: Option<i64>,
    env: Option<String>,
}

/// BuildKit's `parseMount`. Without an expander (the parse-time pass) only what can be checked
/// before expansion is checked.
/// Expands one `--mount` option value.
type FieldExpander<'x> = &'x mut dyn FnMut(&str) -> Result<String, String>;

fn parse_mount(value: &str, mut expand: Option<FieldExpander<'_>>) -> Result<MountSpec, String> {
    let fields = csv_fields(value).map_err(|e| format!("failed to parse csv mounts: {e}"))?;
    let mut m = MountSpec {
        kind: MountType::Bind,
        from: None,
        source: None,
        target: None,
        id: None,
        sharing: None,
        readonly: false,
        required: false,
        mode: None,
        uid: None,
        gid: None,
        size: None,
        env: None,
    };
    let mut ro_auto = true;
    for field in &fields {
        let (key, raw_value) = match field.split_once('=') {
            Some((k, v)) => (k.to_lowercase(), Some(v)),
            None => (field.to_lowercase(), None),
        };
        let Some(raw_value) = raw_value else {
            if expand.is_none() {
                continue;
            }
            match key.as_str() {
                "readonly" | "ro" => {
                    m.readonly = true;
                    ro_auto = false;
                }
                "readwrite" | "rw" => {
                    m.readonly = false;
                    ro_auto = false;
                }
                "required" if matches!(m.kind, MountType::Secret | MountType::Ssh) => {
                    m.required = true
                }
                "required" => {
                    return Err(format!(
                        "unexpected key '{key}' for mount type '{}'",
                        m.kind.as_str()
                    ))
                }
                _ => return Err(format!("invalid field '{field}' must be a key=value pair")),
            }
            continue;
        };
        if key == "from" {
            m.from = Some(raw_value.to_owned());
        }
        let value = match expand.as_mut() {
            Some(e) => e(raw_value)?,
            None => {
                if key == "from" {
                    if let Some(i) = raw_value.find('$') {
                        if i != raw_value.len() - 1 {
                            return Err(format!("'{key}' doesn't support variable expansion, define alias stage instead"));
                        }
                    }
                }
                continue;
            }
        };
        let bad = |k: &str, v: &str| format!("invalid value for {k}: {v}");
        match key.as_str() {
            "type" => {
                m.kind = match value.to_lowercase().as_str() {
                    "bind" => MountType::Bind,
                    "cache" => MountType::Cache,
                    "tmpfs" => MountType::Tmpfs,
                    "secret" => MountType::Secret,
                    "ssh" => MountType::Ssh,
                    _ => {
                        return Err(with_suggestion(
                            format!("unsupported mount type {}", go_quote(&value)),
                            &value,
                            &["bind", "cache", "tmpfs", "secret", "ssh"],
                            true,
                        ))
                    }
                }
            }
            "from" => {}
            "source" | "src" => m.source = Some(value),
            "target" | "dst" | "destination" => m.target = Some(value),
            "readonly" | "ro" => {
                m.readonly = go_parse_bool(&value).ok_or_else(|| bad(&key, &value))?;
                ro_auto = false;
            }
            "readwrite" | "rw" => {
                m.readonly = !go_parse_bool(&value).ok_or_else(|| bad(&key, &value))?;
                ro_auto = false;
            }
            "required" => {
                if matches!(m.kind, MountType::Secret | MountType::Ssh) {
                    m.required = go_parse_bool(&value).ok_or_else(|| bad(&key, &value))?;
                } else {
                    return Err(format!(
                        "unexpected key '{key}' for mount type '{}'",
                        m.kind.as_str()
                    ));
                }
            }
            "size" => {
                if m.kind == MountType::Tmpfs {
                    m.size = Some(ram_in_bytes(&value).ok_or_else(|| bad(&key, &value))?);
                } else {
                    return Err(format!(
                        "unexpected key '{key}' for mount type '{}'",
                        m.kind.as_str()
                    ));
                }
            }
            "id" => m.id = Some(value),
            "sharing" => {
                let v = value.to_lowercase();
                if !matches!(v.as_str(), "shared" | "private" | "locked") {
                    return Err(with_suggestion(
                        format!("unsupported sharing value {}", go_quote(&value)),
                        &value,
                        &["shared", "private", "locked"],
                        true,
                    ));
                }
                m.sharing = Some(v);
            }
            "mode" => {
                m.mode = Some(
                    u32::from_str_radix(&value, 8)
                        .ok()
                        .filter(|_| value.bytes().all(|b| b.is_ascii_digit()))
                        .ok_or_else(|| format!("invalid value {value} for mode"))?,
                )
            }
            "uid" | "gid" => {
                let v = value
                    .parse::<u32>()
                    .ok()
                    .filter(|_| value.bytes().all(|b| b.is_ascii_digit()))
                    .ok_or_else(|| format!("invalid value {value} for {key}"))?;
                if key == "uid" {
                    m.uid = Some(v);
                } else {
                    m.gid = Some(v);
                }
            }
            "env" => m.env = Some(value),
            _ => {
                return Err(with_suggestion(
                    format!("unexpected key '{key}' in '{field}'"),
                    &key,
                    &[
                        "type",
                        "from",
                        "source",
                        "target",
                        "readonly",
                        "id",
                        "sharing",
                        "required",
                        "size",
                        "mode",
                        "uid",
                        "gid",
                        "src",
                        "dst",
                        "destination",
                        "ro",
                        "rw",
                        "readwrite",
                        "env",
                    ],
                    true,
                ))
            }
        }
    }
    if expand.is_none() {
        return Ok(m);
    }
    let kind = m.kind.as_str();
    if !matches!(
        m.kind,
        MountType::Secret | MountType::Ssh | MountType::Cache
    ) {
        for (name, set) in [
            ("mode", m.mode.is_some()),
            ("uid", m.uid.is_some()),
            ("gid", m.gid.is_some()),
        ] {
            if set {
                return Err(format!(
                    "{name} not allowed for {} type mounts",
                    go_quote(kind)
                ));
            }
        }
    }
    if ro_auto {
        m.readonly = !matches!(m.kind, MountType::Cache | MountType::Tmpfs);
    }
    if m.kind == MountType::Secret {
        if m.from.is_some() {
            return Err("secret mount should not have a from".into());
        }
        if m.sharing.is_some() {
            return Err("secret mount should not define sharing".into());
        }
        if m.source.is_none() && m.target.is_none() && m.id.is_none() {
            return Err("invalid secret mount. one of source, target required".into());
        }
        if m.source.is_some() && m.id.is_some() {
            return Err("both source and id can't be set".into());
        }
    }
    if m.sharing.is_some() && m.kind != MountType::Cache {
        return Err(format!("invalid cache sharing set for {kind} mount"));
    }
    Ok(m)
}

/// BuildKit's `ParseDevice` (the parse-time checks of `RUN --device`).
fn parse_device(value: &str) -> Result<(), String> {
    let fields = csv_fields(value).map_err(|e| format!("failed to parse csv devices: {e}"))?;
    let mut name: Option<String> = None;
    for field in &fields {
        let (key, v) = match field.split_once('=') {
            Some((k, v)) => (k.to_lowercase(), Some(v)),
            None => (field.to_lowercase(), None),
        };
        match (key.as_str(), v) {
            ("required", None) => {}
            (_, None) if name.is_none() => name = Some(field.clone()),
            (_, None) => return Err(format!("invalid field '{field}' must be a key=value pair")),
            ("name", Some(v)) => {
                if let Some(n) = &name {
                    return Err(format!("device name already set to {n}"));
                }
                name = Some(v.to_owned());
            }
            ("required", Some(v)) => {
                go_parse_bool(v).ok_or_else(|| format!("invalid value for {key}: {v}"))?;
            }
            _ if name.is_none() => name = Some(field.clone()),
            _ => {
                return Err(with_suggestion(
                    format!("unexpected key '{key}' in '{field}'"),
                    &key,
                    &["name", "required"],
                    true,
                ))
            }
        }
    }
    Ok(())
}

/// One CSV record, as BuildKit's `csvvalue.Fields` reads it: fields separated by `,`, a field
/// may be double-quoted with `""` for a quote; errors are worded as Go's `encoding/csv`.
fn csv_fields(line: &str) -> Result<Vec<String>, String> {
    let error =
        |pos: usize, what: &str| format!("parse error on line 1, column {}: {what}", pos + 1);
    const BARE: &str = "bare \" in non-quoted-field";
    const QUOTE: &str = "extraneous or missing \" in quoted-field";
    if line.is_empty() {
        return Err("EOF".into());
    }
    let mut fields: Vec<String> = Vec::new();
    let mut rest = line;
    let mut pos = 0;
    'field: loop {
        if !rest.starts_with('"') {
            let end = rest.find(',');
            let field = &rest[..end.unwrap_or(rest.len())];
            if let Some(j) = field.find('"') {
                return Err(error(pos + j, BARE));
            }
            fields.push(field.to_owned());
            match end {
                Some(i) => {
                    rest = &rest[i + 1..];
                    pos += i + 1;
                    continue;
                }
                None => break,
            }
        }
        rest = &rest[1..];
        pos += 1;
        let mut half_open = false;
        loop {
            let Some(i) = rest.find('"') else {
                return Err(error(pos, QUOTE));
            };
            if half_open {
                if let Some(last) = fields.last_mut() {
                    last.push_str(&rest[..i]);
                }
            } else {
                fields.push(rest[..i].to_owned());
            }
            rest = &rest[i + 1..];
            pos += i + 1;
            match rest.chars().next() {
                Some('"') => {
                    if let Some(last) = fields.last_mut() {
                        last.push('"');
                    }
                    rest = &rest[1..];
                    pos += 1;
                    half_open = true;
                }
                Some(',') => {
                    rest = &rest[1..];
                    pos += 1;
                    continue 'field;
                }
                None => break 'field,
                Some(_) => return Err(error(pos - 1, QUOTE)),
            }
        }
    }
    Ok(fields)
}

/// Go's `strconv.ParseBool`.
fn go_parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// go-units' `RAMInBytes`: `64m`, `1.5g`, `512KiB` (binary multiples).
fn ram_in_bytes(s: &str) -> Option<i64> {
    let num_len = s
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.')
        .count();
    let (num, rest) = s.split_at(num_len);
    if num.is_empty() || num.starts_with('.') || num.ends_with('.') || num.contains("..") {
        return None;
    }
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    let mut chars = rest.chars();
    let mult: f64 = match chars.clone().next() {
        Some(c) if "kKmMgGtTpP".contains(c) => {
            chars.next();
            match c.to_ascii_lowercase() {
                'k' => 1024.0,
                'm' => 1024.0 * 1024.0,
                'g' => 1024f64.powi(3),
                't' => 1024f64.powi(4),
                _ => 1024f64.powi(5),
            }
        }
        _ => 1.0,
    };
    let tail: String = chars.collect::<String>().to_lowercase();
    if !matches!(tail.as_str(), "" | "b" | "i" | "ib") {
        return None;
    }
    let value: f64 = num.parse().ok()?;
    Some((value * mult) as i64)
}

// ---------------------------------------------------------------------------------------------
// EXPOSE and STOPSIGNAL

fn parse_port(raw: &str) -> Result<ExposedPort, String> {
    let parts: Vec<&str> = raw.split(':').collect();
    let container = parts[parts.len() - 1];
    let (port, proto) = container.split_once('/').unwrap_or((container, ""));
    let wrap = |e: &str| format!("invalid port: {}: {e}", go_quote(raw));
    if port.is_empty() {
        return Err(wrap("no port specified"));
    }
    let protocol = match proto.to_lowercase().as_str() {
        "" => "tcp".to_owned(),
        p @ ("tcp" | "udp" | "sctp") => p.to_owned(),
        _ => return Err(wrap(&format!("invalid proto: {proto}"))),
    };
    let number = |p: &str| {
        p.parse::<u32>()
            .ok()
            .filter(|n| *n <= 65535)
            .map(|n| n as u16)
    };
    let invalid = || format!("invalid containerPort: {port}");
    let (start, end) = match port.split_once('-') {
        None => {
            let n = number(port).ok_or_else(invalid)?;
            (n, n)
        }
        Some((a, b)) => {
            let a = number(a).ok_or_else(invalid)?;
            let b = if b.is_empty() {
                a
            } else {
                number(b).ok_or_else(invalid)?
            };
            if b < a {
                return Err(invalid());
            }
            (a, b)
        }
    };
    Ok(ExposedPort {
        written: raw.to_owned(),
        start,
        end,
        protocol,
    })
}

const LINUX_SIGNALS: &[&str] = &[
    "ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT", "KILL",
    "PIPE", "POLL", "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM", "TRAP", "TSTP",
    "TTIN", "TTOU", "URG", "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ", "RTMIN", "RTMAX",
];

/// moby's `signal.ParseSignal` with the Linux signal table.
fn check_signal(raw: &str) -> Result<(), String> {
    if let Some(n) = go_atoi(raw) {
        return if n == 0 {
            Err(format!("invalid signal: {raw}"))
        } else {
            Ok(())
        };
    }
    let upper = raw.to_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    let rt = |prefix: &str, sign: char| {
        name.strip_prefix(prefix)
            .and_then(|r| r.strip_prefix(sign))
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|n| (1..=15).contains(&n) && !(prefix == "RTMAX" && n > 14))
    };
    if LINUX_SIGNALS.contains(&name) || rt("RTMIN", '+') || rt("RTMAX", '-') {
        Ok(())
    } else {
        Err(format!("invalid signal: {raw}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Position;

    fn parse(src: &str) -> Dockerfile {
        Dockerfile::parse(src.as_bytes().to_vec()).expect("test Dockerfile parses")
    }

    fn with_args(args: &[(&str, &str)]) -> BuildOptions {
        BuildOptions {
            build_args: args
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..BuildOptions::default()
        }
    }

    fn errors(src: &str) -> Vec<(String, Position)> {
        let file = parse(src);
        let model = Model::build(&file, &BuildOptions::default());
        model
            .errors
            .iter()
            .map(|e| (e.message.clone(), file.position(e.span.start)))
            .collect()
    }

    fn pos(line: usize, column: usize) -> Position {
        Position { line, column }
    }

    fn image(base: &BaseImage) -> &ImageRef {
        match base {
            BaseImage::Image(r) => r,
            other => panic!("expected an image, got {other:?}"),
        }
    }

    #[test]
    fn stages_have_names_indices_and_bases() {
        let file = parse(
            "FROM golang:1.22 AS Build\n\
             RUN go build -o /out/app\n\
             FROM alpine:3.20\n\
             COPY --from=build /out/app /app\n\
             FROM build AS test\n\
             RUN go test ./...\n",
        );
        let model = Model::build(&file, &BuildOptions::default());
        assert!(model.errors.is_empty(), "{:?}", model.errors);
        assert_eq!(model.stages.len(), 3);
        let build = &model.stages[0];
        assert_eq!(build.index, 0);
        assert_eq!(build.name.as_deref(), Some("build"));
        assert_eq!(image(&build.base).tag.as_deref(), Some("1.22"));
        assert_eq!(build.steps.len(), 1);
        let runtime = &model.stages[1];
        assert_eq!(runtime.name, None);
        assert_eq!(runtime.display_name(), "stage-1");
        assert_eq!(image(&runtime.base).repository, "library/alpine");
        assert_eq!(runtime.steps[0].copy_from, Some(SourceRef::Stage(0)));
        assert_eq!(model.stages[2].base, BaseImage::Stage(0));
        assert_eq!(model.target, Some(2));
        assert_eq!(model.stage_by_name("BUILD").map(|s| s.index), Some(0));
        assert_eq!(model.stages_needed_by_target(), BTreeSet::from([0, 2]));
    }

    #[test]
    fn from_sees_global_args_platform_args_and_build_arg_overrides() {
        let src = "ARG GO_VERSION=1.22\n\
                   ARG DEBIAN=bookworm\n\
                   FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-${DEBIAN} AS build\n\
                   FROM debian:${DEBIAN}-slim\n";
        let file = parse(src);
        let model = Model::build(&file, &BuildOptions::default());
        assert!(model.errors.is_empty(), "{:?}", model.errors);
        let build = &model.stages[0];
        assert_eq!(build.platform.as_deref(), Some("linux/amd64"));
        assert_eq!(build.base_name, "golang:1.22-bookworm");
        assert_eq!(
            image(&model.stages[1].base).tag.as_deref(),
            Some("bookworm-slim")
        );
        assert_eq!(model.global_args.len(), 2);
        assert_eq!(model.global_args[0].arg.origin, ArgOrigin::Default);

        let mut options = with_args(&[("GO_VERSION", "1.23")]);
        options.build_platform = Platform::new("linux", "arm64");
        let model = Model::build(&file, &options);
        let build = &model.stages[0];
        assert_eq!(build.platform.as_deref(), Some("linux/arm64"));
        let base = image(&build.base);
        assert_eq!(base.tag.as_deref(), Some("1.23-bookworm"));
        assert_eq!(base.normalized, "docker.io/library/golang:1.23-bookworm");
        assert_eq!(model.global_args[0].arg.value.as_deref(), Some("1.23"));
        assert_eq!(model.global_args[0].arg.origin, ArgOrigin::BuildArg);
    }

    #[test]
    fn global_args_are_expanded_in_order() {
        let file = parse(
            "ARG REGISTRY=ghcr.io/acme\n\
             ARG IMAGE=${REGISTRY}/base\n\
             ARG TAG\n\
             FROM ${IMAGE}:${TAG:-edge}\n",
        );
        let model = Model::build(&file, &BuildOptions::default());
        let base = image(&model.stages[0].base);
        assert_eq!(base.registry, "ghcr.io");
        assert_eq!(base.repository, "acme/base");
        assert_eq!(base.tag.as_deref(), Some("edge"));
        assert_eq!(
            model.stages[0].base_undefined,
            BTreeSet::from(["TAG".to_owned()])
        );
        let model = Model::build(&file, &with_args(&[("TAG", "v2")]));
        assert_eq!(image(&model.stages[0].base).tag.as_deref(), Some("v2"));
    }

    #[test]
    fn global_arg_is_visible_in_a_stage_only_after_redeclaration() {
        let src = "ARG VERSION=1.0\n\
                   FROM alpine\n\
                   ENV BEFORE=v$VERSION\n\
                   ARG VERSION\n\
                   ENV AFTER=v$VERSION\n\
                   ARG TARGETARCH\n\
                   LABEL arch=$TARGETARCH\n";
        let file = parse(src);
        let model = Model::build(&file, &BuildOptions::default());
        let steps = &model.stages[0].steps;
        assert_eq!(
            steps[0].expanded,
            Expanded::Env(vec![("BEFORE".into(), "v".into())])
        );
        assert_eq!(steps[0].undefined, BTreeSet::from(["VERSION".to_owned()]));
        let Expanded::Arg(args) = &steps[1].expanded else {
            panic!("ARG step")
        };
        assert_eq!(args[0].value.as_deref(), Some("1.0"));
        assert_eq!(args[0].origin, ArgOrigin::Global);
        assert_eq!(
            steps[2].expanded,
            Expanded::Env(vec![("AFTER".into(), "v1.0".into())])
        );
        let Expanded::Arg(args) = &steps[3].expanded else {
            panic!("ARG step")
        };
        assert_eq!(args[0].origin, ArgOrigin::Automatic);
        assert_eq!(
            steps[4].expanded,
            Expanded::Label(vec![("arch".into(), "amd64".into())])
        );

        let model = Model::build(&file, &with_args(&[("VERSION", "2.0")]));
        let steps = &model.stages[0].steps;
        assert_eq!(
            steps[2].expanded,
            Expanded::Env(vec![("AFTER".into(), "v2.0".into())])
        );
    }

    #[test]
    fn stage_arg_defaults_and_build_args() {
        let src = "FROM alpine\n\
                   ARG A=one B=${A}-two C\n\
                   WORKDIR /srv/$B/$C\n";
        let file = parse(src);
        let model = Model::build(&file, &BuildOptions::default());
        let steps = &model.stages[0].steps;
        let Expanded::Arg(args) = &steps[0].expanded else {
            panic!("ARG step")
        };
        assert_eq!(args[1].value.as_deref(), Some("one-two"));
        assert_eq!(args[2].origin, ArgOrigin::Unset);
        assert_eq!(steps[1].expanded, Expanded::Workdir("/srv/one-two/".into()));
        assert!(model.variables_before(0, 1).is_declared("C"));
        assert_eq!(model.variables_before(0, 1).value("C"), None);

        let model = Model::build(&file, &with_args(&[("A", "x"), ("C", "c")]));
        let steps = &model.stages[0].steps;
        assert_eq!(steps[1].expanded, Expanded::Workdir("/srv/x-two/c".into()));
    }

    #[test]
    fn env_after_arg_wins_and_arg_after_env_wins_too() {
        let src = "FROM alpine\n\
                   ARG MODE=dev\n\
                   ENV MODE=prod\n\
                   ENV NAME=from-env\n\
                   ARG NAME=from-arg\n\
                   ARG NAME\n\
                   USER $MODE-$NAME\n";
        let file = parse(src);
        for options in [BuildOptions::default(), with_args(&[("MODE", "ci")])] {
            let model = Model::build(&file, &options);
            let stage = &model.stages[0];
            assert_eq!(
                stage.steps[5].expanded,
                Expanded::User("prod-from-arg".into())
            );
            let vars = model.variables_at_end(0);
            assert_eq!(vars.get("MODE").map(|v| v.kind), Some(VariableKind::Env));
            assert_eq!(vars.get("NAME").map(|v| v.kind), Some(VariableKind::Arg));
        }
    }

    #[test]
    fn env_pairs_see_only_what_was_set_before_the_instruction() {
        let file = parse("FROM alpine\nENV A=1\nENV A=2 B=$A\n");
        let model = Model::build(&file, &BuildOptions::default());
        assert_eq!(
            model.stages[0].steps[1].expanded,
            Expanded::Env(vec![("A".into(), "2".into()), ("B".into(), "1".into())])
        );
    }

    #[test]
    fn user_workdir_and_shell_are_tracked_and_inherited() {
        let src = "FROM debian:12 AS base\n\
                   WORKDIR /app\n\
                   USER app:app\n\
                   SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n\
                   ENV HOME_DIR=/home/app\n\
                   ARG BASE_ARG=1\n\
                   FROM base AS build\n\
                   WORKDIR src/../lib\n\
                   RUN make\n\
                   USER root\n\
                   FROM debian:12\n\
                   WORKDIR data\n\
                   RUN true\n";
        let file = parse(src);
        let model = Model::build(&file, &BuildOptions::default());
        assert!(model.errors.is_empty(), "{:?}", model.errors);
        let base = &model.stages[0];
        assert!(base.steps[0].in_effect.workdir.is_none());
        assert!(base.steps[0].in_effect.user.is_none());
        let user = base.at_end.user.as_ref().unwrap();
        assert_eq!((user.user(), user.group()), ("app", Some("app")));
        assert!(!user.is_root());

        let build = &model.stages[1];
        assert_eq!(build.at_start.user.as_ref().unwrap().value, "app:app");
        let run = &build.steps[1];
        let wd = run.in_effect.workdir.as_ref().unwrap();
        assert_eq!(wd.path, "/app/lib");
        assert!(!wd.relative_to_unknown);
        assert_eq!(run.in_effect.shell.argv[0], "/bin/bash");
        assert_eq!(run.in_effect.shell.dialect, Dialect::Posix);
        assert_eq!(run.run.as_ref().unwrap().dialect, Dialect::Posix);
        let vars = model.variables_before(1, 1);
        assert_eq!(vars.value("HOME_DIR"), Some("/home/app"));
        assert_eq!(vars.get("HOME_DIR").unwrap().stage, 0);
        // BuildKit carries ARGs into stages built on the stage that declared them.
        assert_eq!(vars.value("BASE_ARG"), Some("1"));
        assert!(build.at_end.user.as_ref().unwrap().is_root());

        let last = &model.stages[2];
        assert!(last.steps[1].in_effect.user.is_none());
        assert_eq!(last.steps[1].in_effect.shell.argv, ["/bin/sh", "-c"]);
        assert!(last.steps[1].in_effect.shell.span.is_none());
        let wd = last.at_end.workdir.as_ref().unwrap();
        assert_eq!(wd.path, "/data");
        assert!(wd.relative_to_unknown);
        assert_eq!(model.variables_at_end(2).value("HOME_DIR"), None);
    }

    #[test]
    fn copy_from_resolves_names_indices_images_and_rejects_the_rest() {
        let src = "FROM alpine AS one\n\
                   FROM alpine AS Two\n\
                   COPY --from=ONE /a /a\n\
                   COPY --from=0 /a /b\n\
                   COPY --from=nginx:1.27 /etc/nginx /etc/nginx\n\
                   COPY --from=scratch /x /x\n\
                   COPY --from=two /x /y\n\
                   COPY --from=three /z /z\n\
                   COPY --from=7 /z /z\n\
                   COPY --from=$STAGE /q /q\n\
                   FROM scratch AS three\n";
        let file = parse(src);
        let model = Model::build(&file, &BuildOptions::default());
        let steps = &model.stages[1].steps;
        assert_eq!(steps[0].copy_from, Some(SourceRef::Stage(0)));
        assert_eq!(steps[1].copy_from, Some(SourceRef::Stage(0)));
        match &steps[2].copy_from {
            Some(SourceRef::Image(r)) => assert_eq!(r.normalized, "docker.io/library/nginx:1.27"),
            other => panic!("{other:?}"),
        }
        assert_eq!(steps[3].copy_from, Some(SourceRef::Scratch));
        assert_eq!(steps[4].copy_from, Some(SourceRef::Stage(1)));
        assert_eq!(steps[5].copy_from, Some(SourceRef::Stage(2)));
        assert!(matches!(
            steps[6].copy_from,
            Some(SourceRef::Invalid { .. })
        ));
        assert!(matches!(
            steps[7].copy_from,
            Some(SourceRef::Invalid { .. })
        ));
        let Expanded::Copy(copy) = &steps[0].expanded else {
            panic!("COPY")
        };
        assert_eq!(copy.sources, ["/a"]);
        assert_eq!(copy.dest, "/a");
        let got: Vec<(String, Position)> = model
            .errors
            .iter()
            .map(|e| (e.message.clone(), file.position(e.span.start)))
            .collect();
        assert_eq!(
            got,
            [
                ("circular dependency detected on stage: two".to_owned(), pos(7, 6)),
                (
                    "cannot copy from stage \"three\", it needs to be defined before current stage \"two\"".to_owned(),
                    pos(8, 6)
                ),
                ("invalid stage index 7".to_owned(), pos(9, 6)),
                (
                    "variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround".to_owned(),
                    pos(10, 6)
                ),
            ]
        );
    }

    #[test]
    fn copy_and_add_arguments_are_expanded() {
        let src = "FROM alpine\n\
                   ARG APP=web UID=1001\n\
                   COPY --chown=${UID}:${UID} --chmod=0755 --link --exclude=*.md src/$APP/ /srv/$APP/\n\
                   ADD --checksum=sha256:abc https://example.com/$APP.tar.gz /tmp/\n\
                   COPY <<EOF /etc/motd\n\
                   hello\n\
                   EOF\n";
        let file = parse(src);
        let model = Model::build(&file, &BuildOptions::default());
        assert!(model.errors.is_empty(), "{:?}", model.errors);
        let steps = &model.stages[0].steps;
        let Expanded::Copy(copy) = &steps[1].expanded else {
            panic!("COPY")
        };
        assert_eq!(copy.sources, ["src/web/"]);
        assert_eq!(copy.dest, "/srv/web/");
        assert_eq!(copy.chown.as_deref(), Some("1001:1001"));
        assert_eq!(copy.chmod.as_deref(), Some("0755"));
        assert!(copy.link);
        assert_eq!(copy.exclude, ["*.md"]);
        let Expanded::Add(add) = &steps[2].expanded else {
            panic!("ADD")
        };
        assert_eq!(add.sources, ["https://example.com/web.tar.gz"]);
        assert_eq!(add.checksum.as_deref(), Some("sha256:abc"));
        let Expanded::Copy(heredoc) = &steps[3].expanded else {
            panic!("COPY")
        };
        assert!(heredoc.sources.is_empty());
        assert_eq!(heredoc.heredocs, [0]);
        assert_eq!(heredoc.dest, "/etc/motd");
    }

    #[test]
    fn run_mounts_are_parsed_and_resolved() {
        let src = "FROM alpine AS deps\n\
                   FROM alpine\n\
                   ARG CACHE=/root/.cache\n\
                   RUN --mount=type=cache,target=${CACHE},sharing=locked \\\n\
                   \x20   --mount=type=secret,id=npmrc,target=/root/.npmrc,required \\\n\
                   \x20   --mount=from=deps,source=/out,target=/deps \\\n\
                   \x20   --mount=type=bind,from=busybox:1.36,target=/bb,rw \\\n\
                   \x20   --mount=type=tmpfs,target=/tmp,size=64m \\\n\
                   \x20   --network=none \\\n\
                   \x20   true\n";
        let file = parse(src);
        let model = Model::build(&file, &BuildOptions::default());
        assert!(model.errors.is_empty(), "{:?}", model.errors);
        let step = &model.stages[1].steps[1];
        let m = &step.mounts;
        assert_eq!(m.len(), 5);
        assert_eq!(m[0].kind, MountType::Cache);
        assert_eq!(m[0].target.as_deref(), Some("/root/.cache"));
        assert_eq!(m[0].sharing.as_deref(), Some("locked"));
        assert!(!m[0].readonly);
        assert_eq!(m[0].from, None);
        assert_eq!(m[1].kind, MountType::Secret);
        assert_eq!(m[1].id.as_deref(), Some("npmrc"));
        assert!(m[1].required && m[1].readonly);
        assert_eq!(m[2].kind, MountType::Bind);
        assert_eq!(m[2].from, Some(SourceRef::Stage(0)));
        assert!(m[2].readonly);
        match &m[3].from {
            Some(SourceRef::Image(r)) => assert_eq!(r.tag.as_deref(), Some("1.36")),
            other => panic!("{other:?}"),
        }
        assert!(!m[3].readonly);
        assert_eq!(m[4].size, Some(64 * 1024 * 1024));
        assert_eq!(file.position(m[2].span.start), pos(6, 5));
        assert_eq!(
            step.expanded,
            Expanded::Run {
                network: "none".into(),
                security: "sandbox".into()
            }
        );
        assert_eq!(model.stages_needed_by_target(), BTreeSet::from([0, 1]));
    }

    #[test]
    fn target_stage_selection() {
        let file = parse("FROM alpine AS Build\nFROM alpine AS release\nFROM alpine\n");
        let model = Model::build(&file, &BuildOptions::default());
        assert_eq!(model.target, Some(2));
        let options = BuildOptions {
            target: Some("build".into()),
            ..BuildOptions::default()
        };
        let model = Model::build(&file, &options);
        assert_eq!(model.target_stage().map(|s| s.index), Some(0));
        let options = BuildOptions {
            target: Some("relase".into()),
            ..BuildOptions::default()
        };
        let model = Model::build(&file, &options);
        assert_eq!(model.target, None);
        assert_eq!(
            model.errors[0].message,
            "target stage \"relase\" could not be found (did you mean release?)"
        );
    }

    #[test]
    fn targetstage_argument_names_the_target() {
        let file = parse("FROM alpine AS base\nARG TARGETSTAGE\nFROM base AS app\n");
        let model = Model::build(&file, &BuildOptions::default());
        assert_eq!(model.variables_at_end(0).value("TARGETSTAGE"), Some("app"));
    }

    #[test]
    fn base_image_references() {
        let digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let src = format!(
            "ARG PY=latest\n\
             FROM alpine\n\
             FROM alpine:3.20\n\
             FROM ghcr.io/org/app@{digest}\n\
             FROM localhost:5000/x:1\n\
             FROM python:${{PY}}\n\
             FROM scratch\n\
             FROM Alpine:3\n\
             FROM ${{NOTHING}}\n"
        );
        let file = parse(&src);
        let model = Model::build(&file, &BuildOptions::default());
        let s = &model.stages;
        assert_eq!(image(&s[0].base).tag, None);
        assert_eq!(image(&s[0].base).effective_tag(), Some("latest"));
        assert_eq!(image(&s[1].base).tag.as_deref(), Some("3.20"));
        assert_eq!(image(&s[2].base).digest.as_deref(), Some(digest));
        assert_eq!(image(&s[2].base).registry, "ghcr.io");
        assert_eq!(image(&s[3].base).registry, "localhost:5000");
        assert_eq!(image(&s[3].base).tag.as_deref(), Some("1"));
        assert_eq!(image(&s[4].base).tag.as_deref(), Some("latest"));
        assert_eq!(s[5].base, BaseImage::Scratch);
        assert!(matches!(s[6].base, BaseImage::Unresolved { .. }));
        match &s[7].base {
            BaseImage::Unresolved { missing, .. } => assert_eq!(missing, &["NOTHING".to_owned()]),
            other => panic!("{other:?}"),
        }
        let got: Vec<(String, Position)> = model
            .errors
            .iter()
            .map(|e| (e.message.clone(), file.position(e.span.start)))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "failed to parse stage name \"Alpine:3\": invalid reference format: repository name (library/Alpine) must be lowercase".to_owned(),
                    pos(8, 6)
                ),
                ("base name (${NOTHING}) should not be blank".to_owned(), pos(9, 6)),
            ]
        );
    }

    #[test]
    fn a_base_waiting_for_build_args_is_unresolved_not_an_error() {
        let file = parse(
            "ARG IMAGE\nARG REGISTRY\nFROM $IMAGE\nFROM ${REGISTRY}/app:1\nFROM $UNDECLARED\n",
        );
        let model = Model::build(&file, &BuildOptions::default());
        assert!(matches!(model.stages[0].base, BaseImage::Unresolved { .. }));
        assert!(matches!(model.stages[1].base, BaseImage::Unresolved { .. }));
        let messages: Vec<_> = model.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages, ["base name ($UNDECLARED) should not be blank"]);
        let mut options = BuildOptions::default();
        options
            .build_args
            .insert("IMAGE".into(), "alpine:3.20".into());
        let model = Model::build(&file, &options);
        assert!(
            matches!(&model.stages[0].base, BaseImage::Image(r) if r.tag.as_deref() == Some("3.20"))
        );
    }

    #[test]
    fn from_names_only_earlier_stages_by_exact_name() {
        let file = parse("FROM app AS app\nFROM alpine AS base\nFROM BASE\nFROM base\n");
        let model = Model::build(&file, &BuildOptions::default());
        assert_eq!(image(&model.stages[0].base).repository, "library/app");
        assert!(matches!(model.stages[2].base, BaseImage::Unresolved { .. }));
        assert_eq!(model.stages[3].base, BaseImage::Stage(1));
    }

    /// The Dockerfile position of the command named `name` in a RUN script.
    fn command_position(file: &Dockerfile, run: &RunScript, name: &str) -> Position {
        let script = run.script().expect("an analysed script");
        let command = script
            .commands
            .iter()
            .find(|c| c.name_str() == Some(name))
            .unwrap_or_else(|| panic!("no command {name} in {:?}", run.text));
        file.position(run.source_span(command.span.clone()).start)
    }

    #[test]
    fn shell_form_script_maps_back_across_continuations() {
        let src = "FROM alpine\n\
                   RUN apk add curl && \\\n\
                   \x20   echo one && \\\n\
                   \x20 make   install\n";
        let file = parse(src);
        let model = Model::build(&file, &BuildOptions::default());
        let script = model.stages[0].steps[0].run.as_ref().unwrap();
        assert_eq!(script.origin, ScriptOrigin::ShellForm);
        assert_eq!(script.dialect, Dialect::Posix);
        assert_eq!(
            script.text,
            "apk add curl &&     echo one &&   make   install"
        );
        assert_eq!(command_position(&file, script, "make"), pos(4, 3));
        assert_eq!(command_position(&file, script, "echo"), pos(3, 5));
        assert_eq!(command_position(&file, script, "apk"), pos(2, 5));
        let make = script.text.find("make").unwrap();
        assert_eq!(file.slice(script.source_span(make..make + 4)), "make");
        // A range across the continuation covers it.
        let one = script.text.find("one").unwrap();
        let across = script.source_span(one..make + 4);
        assert_eq!(file.position(across.start), pos(3, 10));
        assert_eq!(file.position(across.end), pos(4, 7));
    }

    #[test]
    fn skipped_comment_lines_do_not_shift_the_mapping() {
        let src = "FROM alpine\n\
                   RUN set -e; \\\n\
                   # explain the next step\n\
                   \x20   make\n";
        let file = parse(src);
        let model = Model::build(&file, &BuildOptions::default());
        let script = model.stages[0].steps[0].run.as_ref().unwrap();
        assert_eq!(command_position(&file, script, "make"), pos(4, 5));
    }

    #[test]
    fn heredoc_body_is_the_script_of_a_bare_heredoc_run() {
        let src = "FROM alpine\n\
                   RUN <<EOF\n\
                   set -e\n\
                   apk add curl\n\
                   EOF\n\
                   RUN <<-EOT\n\
                   \tset -eu\n\
                   \t\tmake all\n\
                   \tEOT\n";
        let file = parse(src);
        let model = Model::build(&file, &BuildOptions::default());
        let run = model.stages[0].steps[0].run.as_ref().unwrap();
        assert_eq!(run.origin, ScriptOrigin::Heredoc(0));
        assert_eq!(run.text, "set -e\napk add curl\n");
        assert_eq!(command_position(&file, run, "apk"), pos(4, 1));
        let chomped = model.stages[0].steps[1].run.as_ref().unwrap();
        assert_eq!(chomped.text, "set -eu\nmake all\n");
        assert_eq!(command_position(&file, chomped, "make"), pos(8, 3));
    }

    #[test]
    fn heredocs_read_by_the_shell_follow_the_command_line() {
        let src = "FROM alpine\n\
                   RUN bash -e <<EOF\n\
                   echo from-bash\n\
                   EOF\n\
                   RUN <<EOF sh\n\
                   \x20 printf from-sh\n\
                   EOF\n\
                   RUN python3 <<EOF\n\
                   print('hi')\n\
                   EOF\n\
                   RUN cat <<A >/etc/a && cat <<-B >/etc/b\n\
                   key=value\n\
                   A\n\
                   \tother=value\n\
                   \tB\n";
        let file = parse(src);
        let model = Model::build(&file, &BuildOptions::default());
        let runs: Vec<&RunScript> = model.stages[0]
            .steps
            .iter()
            .map(|s| s.run.as_ref().unwrap())
            .collect();
        assert!(runs.iter().all(|r| r.origin == ScriptOrigin::ShellForm));
        assert_eq!(runs[0].text, "bash -e <<EOF\necho from-bash\nEOF");
        assert_eq!(command_position(&file, runs[0], "bash"), pos(2, 5));
        assert_eq!(command_position(&file, runs[0], "echo"), pos(3, 1));
        assert_eq!(command_position(&file, runs[1], "printf"), pos(6, 3));
        let python = runs[2].script().unwrap();
        assert_eq!(python.commands.len(), 1);
        assert_eq!(
            runs[3].text,
            "cat <<A >/etc/a && cat <<-B >/etc/b\nkey=value\nA\n\tother=value\nB"
        );
        // The delimiter of a `<<-` heredoc maps to where it is written, after its tabs.
        let end = runs[3].source_span(runs[3].text.len() - 1..runs[3].text.len());
        assert_eq!(file.position(end.start), pos(15, 2));
        let newline = runs[3].text.find('\n').unwrap();
        assert_eq!(file.position(runs[3].source_offset(newline)), pos(11, 40));
    }

    #[test]
    fn shebang_heredocs_and_non_posix_shells_are_left_alone() {
        let src = "FROM alpine\n\
                   RUN <<EOF\n\
                   #!/usr/bin/env python3\n\
                   print('hi')\n\
                   EOF\n\
                   RUN <<EOF\n\
                   #!/bin/bash -e\n\
                   echo hi\n\
                   EOF\n\
                   SHELL [\"pwsh\", \"-Command\"]\n\
                   RUN Write-Host $env:PATH\n\
                   RUN [\"echo\", \"exec form\"]\n\
                   SHELL [\"/opt/myshell\", \"-c\"]\n\
                   RUN do things\n";
        let file = parse(src);
        let model = Model::build(&file, &BuildOptions::default());
        let steps = &model.stages[0].steps;
        let python = steps[0].run.as_ref().unwrap();
        assert_eq!(python.interpreter.as_deref(), Some("/usr/bin/env python3"));
        assert!(!python.is_analysed());
        assert!(python.script().is_none());
        let bash = steps[1].run.as_ref().unwrap();
        assert_eq!(bash.interpreter.as_deref(), Some("/bin/bash -e"));
        assert_eq!(bash.dialect, Dialect::Posix);
        assert_eq!(command_position(&file, bash, "echo"), pos(8, 1));
        let pwsh = steps[3].run.as_ref().unwrap();
        assert_eq!(pwsh.dialect, Dialect::PowerShell);
        assert!(pwsh.script().is_none());
        assert!(steps[4].run.is_none());
        // An unrecognised SHELL is analysed as a POSIX shell, best effort.
        let custom = steps[6].run.as_ref().unwrap();
        assert_eq!(custom.dialect, Dialect::Unknown);
        assert!(custom.script().is_some());
    }

    #[test]
    fn onbuild_run_gets_a_script_in_the_current_shell() {
        let file = parse("FROM alpine\nONBUILD RUN make \\\n  install\n");
        let model = Model::build(&file, &BuildOptions::default());
        let run = model.stages[0].steps[0].run.as_ref().unwrap();
        assert_eq!(run.text, "make   install");
        let at = run.text.find("install").unwrap();
        assert_eq!(file.position(run.source_offset(at)), pos(3, 3));
    }

    #[test]
    fn expose_stopsignal_volume_and_healthcheck() {
        let src = "FROM alpine\n\
                   ARG PORTS=\"8080 9090/udp\"\n\
                   EXPOSE $PORTS 7000-7002/TCP\n\
                   VOLUME [\"/data\", \"/logs\"]\n\
                   STOPSIGNAL SIGQUIT\n\
                   HEALTHCHECK --interval=30s --timeout=1m30s --retries=3 CMD curl -f http://localhost/\n\
                   HEALTHCHECK NONE\n";
        let file = parse(src);
        let model = Model::build(&file, &BuildOptions::default());
        assert!(model.errors.is_empty(), "{:?}", model.errors);
        let steps = &model.stages[0].steps;
        let Expanded::Expose(ports) = &steps[1].expanded else {
            panic!("EXPOSE")
        };
        let simple: Vec<(u16, u16, &str)> = ports
            .iter()
            .map(|p| (p.start, p.end, p.protocol.as_str()))
            .collect();
        assert_eq!(
            simple,
            [
                (8080, 8080, "tcp"),
                (9090, 9090, "udp"),
                (7000, 7002, "tcp")
            ]
        );
        assert_eq!(
            steps[2].expanded,
            Expanded::Volume(vec!["/data".into(), "/logs".into()])
        );
        assert_eq!(steps[3].expanded, Expanded::StopSignal("SIGQUIT".into()));
        let Expanded::Healthcheck(h) = &steps[4].expanded else {
            panic!("HEALTHCHECK")
        };
        assert_eq!(h.interval, Some(Duration::from_secs(30)));
        assert_eq!(h.timeout, Some(Duration::from_secs(90)));
        assert_eq!(h.retries, Some(3));
        assert!(h.shell_form);
        assert_eq!(h.command, ["curl -f http://localhost/"]);
        let Expanded::Healthcheck(h) = &steps[5].expanded else {
            panic!("HEALTHCHECK")
        };
        assert!(h.disabled);
    }

    #[test]
    fn escape_directive_is_used_for_expansion() {
        let file = parse("# escape=`\nFROM alpine\nENV A=`$HOME B=$HOME\n");
        let model = Model::build(&file, &BuildOptions::default());
        assert_eq!(
            model.stages[0].steps[0].expanded,
            Expanded::Env(vec![("A".into(), "$HOME".into()), ("B".into(), "".into())])
        );
    }

    /// Every error of BuildKit's instruction layer this model reproduces, with the position it is
    /// reported at.
    #[test]
    fn instruction_errors_with_positions() {
        let cases: &[(&str, &str, (usize, usize))] = &[
            ("FROM alpine\nCOPPY a b\n", "unknown instruction: COPPY (did you mean COPY?)", (2, 1)),
            ("FROM alpine\nfrobnicate\n", "unknown instruction: frobnicate", (2, 1)),
            ("FROM alpine\nRUN --from=build true\n", "unknown flag: --from", (2, 5)),
            ("FROM alpine\nCOPY --form=build a b\n", "unknown flag: --form (did you mean from?)", (2, 6)),
            ("FROM alpine\nCOPY --link=maybe a b\n", "expecting boolean value for flag --link, not: maybe", (2, 6)),
            ("FROM alpine\nCOPY --link= a b\n", "missing a value on flag: --link", (2, 6)),
            ("FROM alpine\nCOPY --from a b\n", "missing a value on flag: --from", (2, 6)),
            ("FROM alpine\nCOPY --chown=1 --chown=2 a b\n", "duplicate flag specified: --chown", (2, 16)),
            ("FROM alpine\nENV --x=1 A=b\n", "unknown flag: --x", (2, 5)),
            ("FROM alpine AS\n", "FROM requires either one or three arguments", (1, 1)),
            ("FROM alpine to build\n", "FROM requires either one or three arguments", (1, 1)),
            ("FROM\n", "FROM requires either one or three arguments", (1, 1)),
            ("FROM alpine AS 1st\n", "invalid name for build stage: \"1st\", name can't start with a number or contain symbols", (1, 16)),
            ("FROM --platfrom=linux/amd64 alpine\n", "unknown flag: --platfrom (did you mean platform?)", (1, 6)),
            ("FROM --platform=linux/amd64/v3/x alpine\n", "failed to parse platform linux/amd64/v3/x: \"linux/amd64/v3/x\": cannot parse platform specifier: invalid argument", (1, 6)),
            ("ARG\nFROM alpine\n", "ARG requires at least one argument", (1, 1)),
            ("FROM alpine\nARG =x\n", "ARG names can not be blank", (2, 5)),
            ("FROM alpine\nENV =x\n", "ENV names can not be blank", (2, 1)),
            ("FROM alpine\nLABEL\n", "LABEL requires at least one argument", (2, 1)),
            ("FROM alpine\nEXPOSE\n", "EXPOSE requires at least one argument", (2, 1)),
            ("FROM alpine\nVOLUME\n", "VOLUME requires at least one argument", (2, 1)),
            ("FROM alpine\nVOLUME [\"/a\", \" \"]\n", "VOLUME specified can not be an empty string", (2, 15)),
            ("FROM alpine\nUSER\n", "USER requires exactly one argument", (2, 1)),
            ("FROM alpine\nWORKDIR\n", "WORKDIR requires exactly one argument", (2, 1)),
            ("FROM alpine\nMAINTAINER\n", "MAINTAINER requires exactly one argument", (2, 1)),
            ("FROM alpine\nSTOPSIGNAL\n", "STOPSIGNAL requires exactly one argument", (2, 1)),
            ("FROM alpine\nSTOPSIGNAL SIGFOO\n", "invalid signal: SIGFOO", (2, 1)),
            ("FROM alpine\nCOPY onlyone\n", "COPY requires at least two arguments, but only one was provided. Destination could not be determined", (2, 1)),
            ("FROM alpine\nADD [\"a\"]\n", "ADD requires at least two arguments, but only one was provided. Destination could not be determined", (2, 1)),
            ("FROM alpine\nCOPY a <<EOF\nx\nEOF\n", "COPY cannot accept a heredoc as a destination", (2, 8)),
            ("FROM alpine\nSHELL /bin/bash -c\n", "SHELL requires the arguments to be in JSON form", (2, 1)),
            ("FROM alpine\nSHELL []\n", "SHELL requires at least one argument", (2, 1)),
            ("FROM alpine\nONBUILD\n", "ONBUILD requires at least one argument", (2, 1)),
            ("FROM alpine\nONBUILD ONBUILD RUN x\n", "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", (2, 9)),
            ("FROM alpine\nONBUILD from alpine\n", "FROM isn't allowed as an ONBUILD trigger", (2, 9)),
            ("FROM alpine\nONBUILD MAINTAINER me\n", "MAINTAINER isn't allowed as an ONBUILD trigger", (2, 9)),
            ("FROM alpine\nRUN --network=bridge true\n", "invalid network mode \"bridge\"", (2, 5)),
            ("FROM alpine\nRUN --security=privileged true\n", "security \"privileged\" is not valid", (2, 5)),
            ("FROM alpine\nRUN --device=/dev/fuse true\n", "device feature is only supported in Dockerfile frontend 1.14.0-labs or later", (2, 5)),
            ("FROM alpine\nRUN --mount=type=nope true\n", "unsupported mount type \"nope\"", (2, 5)),
            ("FROM alpine\nRUN --mount=type=cahce,target=/c true\n", "unsupported mount type \"cahce\" (did you mean cache?)", (2, 5)),
            ("FROM alpine\nRUN --mount=target true\n", "invalid field 'target' must be a key=value pair", (2, 5)),
            ("FROM alpine\nRUN --mount=type=cache,taget=/c true\n", "unexpected key 'taget' in 'taget=/c' (did you mean target?)", (2, 5)),
            ("FROM alpine\nRUN --mount=type=cache,target=/c,uid=abc true\n", "invalid value abc for uid", (2, 5)),
            ("FROM alpine\nRUN --mount=type=cache,target=/c,mode=0799 true\n", "invalid value 0799 for mode", (2, 5)),
            ("FROM alpine\nRUN --mount=type=bind,target=/c,mode=0755 true\n", "mode not allowed for \"bind\" type mounts", (2, 5)),
            ("FROM alpine\nRUN --mount=type=cache,target=/c,sharing=bogus true\n", "unsupported sharing value \"bogus\"", (2, 5)),
            ("FROM alpine\nRUN --mount=type=bind,target=/c,sharing=shared true\n", "invalid cache sharing set for bind mount", (2, 5)),
            ("FROM alpine\nRUN --mount=type=cache,target=/c,ro=perhaps true\n", "invalid value for ro: perhaps", (2, 5)),
            ("FROM alpine\nRUN --mount=required,type=secret,id=a true\n", "unexpected key 'required' for mount type 'bind'", (2, 5)),
            ("FROM alpine\nRUN --mount=type=secret true\n", "invalid secret mount. one of source, target required", (2, 5)),
            ("FROM alpine\nRUN --mount=type=secret,id=a,from=b true\n", "secret mount should not have a from", (2, 5)),
            ("FROM alpine\nRUN --mount=type=secret,id=a,src=b true\n", "both source and id can't be set", (2, 5)),
            ("FROM alpine\nRUN --mount=type=bind,size=1g true\n", "unexpected key 'size' for mount type 'bind'", (2, 5)),
            ("FROM alpine\nRUN --mount=type=tmpfs,size=lots true\n", "invalid value for size: lots", (2, 5)),
            ("FROM alpine\nRUN --mount=from=$STAGE,target=/x true\n", "'from' doesn't support variable expansion, define alias stage instead", (2, 5)),
            ("FROM alpine\nRUN --mount=target=a\\\"b true\n", "failed to parse csv mounts: parse error on line 1, column 9: bare \" in non-quoted-field", (2, 5)),
            ("FROM alpine\nRUN --mount= true\n", "failed to parse csv mounts: EOF", (2, 5)),
            ("FROM alpine\nRUN --mount=type=cache,target=${X:?required} true\n", "failed to process \"${X:?required}\": X: required", (2, 5)),
            ("FROM alpine\nHEALTHCHECK\n", "HEALTHCHECK requires at least one argument", (2, 1)),
            ("FROM alpine\nHEALTHCHECK NONE CMD true\n", "HEALTHCHECK NONE takes no arguments", (2, 1)),
            ("FROM alpine\nHEALTHCHECK CMD\n", "Missing command after HEALTHCHECK CMD", (2, 1)),
            ("FROM alpine\nHEALTHCHECK CMD []\n", "Missing command after HEALTHCHECK CMD", (2, 1)),
            ("FROM alpine\nHEALTHCHECK PING x\n", "Unknown type \"PING\" in HEALTHCHECK (try CMD)", (2, 1)),
            ("FROM alpine\nHEALTHCHECK --interval=5 CMD true\n", "time: missing unit in duration \"5\"", (2, 13)),
            ("FROM alpine\nHEALTHCHECK --timeout=abc CMD true\n", "time: invalid duration \"abc\"", (2, 13)),
            ("FROM alpine\nHEALTHCHECK --timeout=3y CMD true\n", "time: unknown unit \"y\" in duration \"3y\"", (2, 13)),
            ("FROM alpine\nHEALTHCHECK --start-period=500us CMD true\n", "Interval \"start-period\" cannot be less than 1ms", (2, 13)),
            ("FROM alpine\nHEALTHCHECK --retries=-1 CMD true\n", "--retries cannot be negative (-1)", (2, 13)),
            ("FROM alpine\nHEALTHCHECK --retries=x CMD true\n", "strconv.ParseInt: parsing \"x\": invalid syntax", (2, 13)),
            ("FROM alpine\nHEALTHCHECK --intervl=1s CMD true\n", "unknown flag: --intervl (did you mean interval?)", (2, 13)),
            ("FROM alpine\nEXPOSE 80/http\n", "invalid port: \"80/http\": invalid proto: http", (2, 8)),
            ("FROM alpine\nEXPOSE 99999\n", "invalid containerPort: 99999", (2, 8)),
            ("FROM alpine\nENV A=${B:?needed}\n", "failed to process \"${B:?needed}\": B: needed", (2, 7)),
            ("RUN true\nFROM alpine\n", "no build stage in current context", (1, 1)),
            ("ARG A=1\n", "dockerfile contains no stages to build", (1, 1)),
        ];
        for (src, message, (line, column)) in cases {
            let got = errors(src);
            assert_eq!(
                got,
                [((*message).to_owned(), pos(*line, *column))],
                "for {src:?}"
            );
        }
    }

    #[test]
    fn flags_buildkit_ignores_are_ignored() {
        // BuildKit never parses the flags of ARG, STOPSIGNAL and HEALTHCHECK NONE.
        assert_eq!(
            errors("ARG --x=1 A\nFROM alpine\nSTOPSIGNAL --y TERM\nHEALTHCHECK --z NONE\n"),
            []
        );
        assert_eq!(
            errors("# syntax=docker/dockerfile:1-labs\nFROM alpine\nRUN --device=/dev/fuse true\n"),
            []
        );
    }

    #[test]
    fn errors_do_not_stop_the_model() {
        let file = parse("FROM alpine\nFOO bar\nRUN --bogus true\nUSER app\nRUN id\n");
        let model = Model::build(&file, &BuildOptions::default());
        assert_eq!(model.errors.len(), 2);
        let steps = &model.stages[0].steps;
        assert_eq!(steps.len(), 4);
        assert_eq!(steps[3].in_effect.user.as_ref().unwrap().value, "app");
    }

    /// A long file with many stages and variables: definitions are shared, not copied per step.
    #[test]
    fn large_files_are_modelled_in_linear_time() {
        let mut src = String::from("ARG BASE=alpine:3.20\n");
        let mut lines = 1;
        let mut stage = 0;
        while lines < 5000 {
            if lines % 50 == 1 {
                if stage == 0 {
                    src.push_str("FROM ${BASE} AS s0\n");
                } else {
                    src.push_str(&format!("FROM s{} AS s{stage}\n", stage - 1));
                }
                stage += 1;
            } else {
                match lines % 5 {
                    0 => src.push_str(&format!("ENV V{lines}=${{A{}:-x}}/{lines}\n", lines - 4)),
                    1 => src.push_str(&format!("ARG A{lines}=${{A{}:-a}}\n", lines - 5)),
                    2 if lines % 10 == 2 => src.push_str(&format!("WORKDIR /w{lines}\n")),
                    2 => src.push_str(&format!("WORKDIR d{lines}\n")),
                    4 if stage == 1 => src.push_str(&format!("COPY src/{lines} ./\n")),
                    3 => src.push_str(&format!(
                        "RUN echo $V{} && make -C $PWD target{lines}\n",
                        lines - 3
                    )),
                    _ => src.push_str(&format!("COPY --from=s0 /src/{lines} ./\n")),
                }
            }
            lines += 1;
        }
        let file = parse(&src);
        let started = std::time::Instant::now();
        let model = Model::build(&file, &BuildOptions::default());
        let elapsed = started.elapsed();
        eprintln!("modelled {lines} instructions in {elapsed:?}");
        assert_eq!(model.stages.len(), stage);
        assert!(model.errors.is_empty(), "{:?}", &model.errors[..1]);
        let last = model.stages.len() - 1;
        let vars = model.variables_at_end(last);
        assert!(vars.in_effect().len() > 1500);
        assert!(vars.value("V4995").is_some_and(|v| v.ends_with("/4995")));
    }

    mod never_panics {
        use super::*;
        use proptest::prelude::*;

        /// Pieces of Dockerfiles, valid and not, to assemble at random.
        const FRAGMENTS: &[&[u8]] = &[
            b"FROM alpine AS base\n",
            b"FROM base\n",
            b"FROM ${IMG:-x} AS \xc3\x9cn\xc3\xaf\n",
            b"FROM --platform=$BUILDPLATFORM golang:${V}\n",
            b"FROM scratch\n",
            b"ARG V=1.22 IMG\n",
            b"ARG =\n",
            b"ENV A=$V B=${A:?no} C\n",
            b"ENV K V W\n",
            b"LABEL a=b\n",
            b"USER ${U:-app}:$G\n",
            b"WORKDIR ../x/./y\n",
            b"WORKDIR\n",
            b"SHELL [\"pwsh\", \"-c\"]\n",
            b"SHELL [\"/bin/bash\", \"-c\"]\n",
            b"RUN a && \\\n  b | c; \\\n# note\n  d\n",
            b"RUN --mount=type=cache,target=/c,from=base --network=none x\n",
            b"RUN --mount=type=secret,\"id=a,b\" --mount=from=$X y\n",
            b"RUN <<EOF\n#!/bin/sh\necho \xc3\xa9\nEOF\n",
            b"RUN <<-EOF bash\n\techo x\n\tEOF\n",
            b"RUN cat <<A <<B\na\nA\nb\nB\n",
            b"RUN [\"a\", \"b\"]\n",
            b"COPY --from=0 --chown=$U a b/\n",
            b"COPY --from=base <<EOF /x\nhi\nEOF\n",
            b"COPY --from=nope/Bad:tag a b\n",
            b"ADD --checksum=$S http://x/y /z\n",
            b"EXPOSE 80 $P/udp 1-2\n",
            b"VOLUME [\"/a\"]\n",
            b"HEALTHCHECK --interval=1.5h30m CMD [\"x\"]\n",
            b"HEALTHCHECK --retries=99999999999 CMD x\n",
            b"STOPSIGNAL SIGRTMIN+3\n",
            b"ONBUILD RUN x \\\n y\n",
            b"ONBUILD ONBUILD x\n",
            b"MAINTAINER me\n",
            b"BOGUS x\n",
            b"\n",
            b"# comment\n",
            b"RUN \xe2\x82 broken utf8\n",
        ];

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]
            #[test]
            fn any_file_is_modelled_without_panicking(
                picks in proptest::collection::vec(0..FRAGMENTS.len(), 1..24),
                target in proptest::option::of("[a-zA-Z]{0,6}"),
            ) {
                let src: Vec<u8> = picks.iter().flat_map(|&i| FRAGMENTS[i].iter().copied()).collect();
                let Ok(file) = Dockerfile::parse(src) else {
                    return Ok(());
                };
                let options = BuildOptions { target, ..BuildOptions::default() };
                let model = Model::build(&file, &options);
                let len = file.source().len();
                for e in &model.errors {
                    prop_assert!(e.span.end <= len);
                }
                for (i, stage) in model.stages.iter().enumerate() {
                    let _ = model.variables_at_end(i).in_effect();
                    for (j, step) in stage.steps.iter().enumerate() {
                        let _ = model.variables_before(i, j).in_effect();
                        let Some(run) = &step.run else { continue };
                        if let Some(script) = run.script() {
                            for c in &script.commands {
                                let span = run.source_span(c.span.clone());
                                prop_assert!(span.start <= span.end && span.end <= len);
                            }
                        }
                        for k in 0..=run.text.len() {
                            prop_assert!(run.source_offset(k) <= len);
                        }
                    }
                }
                let _ = model.stages_needed_by_target();
            }
        }
    }
}
