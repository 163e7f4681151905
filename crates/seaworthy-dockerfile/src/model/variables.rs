//! Variables: the `ARG`s BuildKit defines itself, resolved `ARG` values, and the `ARG`/`ENV`
//! scopes of the stages ([`Variables`], the view of what is visible at one point of a stage).

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crate::expand::Env;
use crate::span::Span;
use crate::syntax::Instruction;

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
pub(super) struct Scope {
    pub(super) vars: Vec<Variable>,
    /// The stages this one is built on and how many of their definitions it inherits, nearest
    /// first (so stage indices decrease).
    pub(super) ancestors: Vec<(u32, u32)>,
}

/// Every stage's variables, and one index by name over all of them: a lookup costs a hash probe
/// and a short scan, however deep the chain of stages built on stages, and nothing is copied
/// from step to step or from a stage to the stages built on it.
#[derive(Debug, Default)]
pub(super) struct VariableStore {
    pub(super) scopes: Vec<Scope>,
    /// Every definition of each name as (stage, position), in definition order.
    by_name: HashMap<String, Vec<(u32, u32)>>,
}

impl VariableStore {
    pub(super) fn push(&mut self, stage: usize, var: Variable) {
        let scope = &mut self.scopes[stage];
        self.by_name
            .entry(var.name.clone())
            .or_default()
            .push((stage as u32, scope.vars.len() as u32));
        scope.vars.push(var);
    }

    pub(super) fn len(&self, stage: usize) -> usize {
        self.scopes[stage].vars.len()
    }

    pub(super) fn view(&self, stage: usize, len: usize) -> Variables<'_> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::{image, parse};
    use crate::model::{BuildOptions, Expanded, Model};
    use crate::reference::Platform;
    use std::collections::BTreeSet;

    fn with_args(args: &[(&str, &str)]) -> BuildOptions {
        BuildOptions {
            build_args: args
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..BuildOptions::default()
        }
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
    fn targetstage_argument_names_the_target() {
        let file = parse("FROM alpine AS base\nARG TARGETSTAGE\nFROM base AS app\n");
        let model = Model::build(&file, &BuildOptions::default());
        assert_eq!(model.variables_at_end(0).value("TARGETSTAGE"), Some("app"));
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
}
