//! [`Model::build`]'s work: the instruction layer's validation, then BuildKit's conversion of
//! the file into stages, in order, with variables, `USER`, `WORKDIR` and `SHELL` in effect,
//! expansion, and references to other stages and images.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::expose_stopsignal::{check_signal, parse_port};
use super::go::{go_atoi, go_quote, with_suggestion};
use super::mount::parse_mount;
use super::run_script::run_script;
use super::validate::{healthcheck, validate};
use super::variables::{Scope, VariableStore};
use super::{
    ArgOrigin, ArgValue, BaseImage, BuildOptions, EffectiveShell, EffectiveUser, Expanded,
    FileCopy, GlobalArg, InEffect, Model, ModelError, Mount, SourceRef, Stage, Step, Variable,
    VariableKind, Workdir, AUTOMATIC_ARGS,
};
use crate::expand::Lexer;
use crate::reference::{ImageRef, Platform};
use crate::shell::Dialect;
use crate::span::Span;
use crate::syntax::{Arg, Args, Dockerfile, Flag, Instruction, Keyword};

/// Builds a [`Model`]: the instruction layer's validation, then BuildKit's conversion order.
pub(super) struct Builder<'a, 'o> {
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
    pub(super) fn new(file: &'a Dockerfile, options: &'o BuildOptions) -> Self {
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

    pub(super) fn run(mut self) -> Model<'a> {
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
pub(super) fn arg_list<'f>(
    file: &'f Dockerfile,
    ins: &'f Instruction,
) -> Vec<(Cow<'f, str>, Span)> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::{image, parse, pos};
    use crate::span::Position;
    use std::time::Duration;

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
}
