//! What the Dockerfile a service builds says about its image, read once per service for the
//! rules that need it (the USER, the ENTRYPOINT and CMD of the target stage).

use std::collections::BTreeMap;

use seaworthy_compose::model::Tree;
use seaworthy_compose::Service;
use seaworthy_dockerfile::{Args, BaseImage, BuildOptions, Dockerfile, Expanded, Keyword, Model};

/// The target stage (`build.target`, else the last) of the Dockerfile a service builds, with
/// its `build.args` applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuiltStage {
    /// The USER in effect at its end; `None`: never set along its chain.
    pub user: Option<String>,
    /// The first word of the ENTRYPOINT in effect.
    pub entrypoint: Option<String>,
    /// The first word of the CMD in effect.
    pub cmd: Option<String>,
    /// The HEALTHCHECK in effect: `Some(true)` a check, `Some(false)` `HEALTHCHECK NONE`,
    /// `None` none along the chain (the external base image's own may apply).
    pub healthcheck: Option<bool>,
}

impl BuiltStage {
    /// `None` when the service builds nothing or its Dockerfile cannot be read or parsed.
    pub fn read(service: &Service) -> Option<BuiltStage> {
        let build = service.build.as_ref()?;
        let raw = service.raw.get("build");
        let text = build.dockerfile_text.clone()?.into_bytes();
        let file = Dockerfile::parse(text).ok()?;
        let options = BuildOptions {
            target: raw
                .and_then(|b| b.get("target"))
                .and_then(Tree::scalar_text),
            build_args: build_args(raw.and_then(|b| b.get("args"))),
            ..Default::default()
        };
        let model = Model::build(&file, &options);
        let stage = model.target_stage()?;
        let (entrypoint, cmd, healthcheck) = start_words(&file, &model)?;
        Some(BuiltStage {
            user: stage.at_end.user.as_ref().map(|u| u.value.clone()),
            entrypoint,
            cmd,
            healthcheck,
        })
    }
}

/// The first word of the ENTRYPOINT and of the CMD in effect in the built image's target
/// stage, following the stages it is built `FROM`, and its HEALTHCHECK (see
/// [`BuiltStage::healthcheck`]).
fn start_words(file: &Dockerfile, model: &Model<'_>) -> Option<StartWords> {
    let mut chain = vec![model.target_stage()?];
    while let BaseImage::Stage(i) = chain[chain.len() - 1].base {
        if chain.iter().any(|s| s.index == i) {
            break;
        }
        chain.push(&model.stages[i]);
    }
    let (mut entrypoint, mut cmd, mut healthcheck) = (None, None, None);
    for stage in chain.iter().rev() {
        for step in &stage.steps {
            let ins = step.instruction;
            if let Expanded::Healthcheck(h) = &step.expanded {
                healthcheck = Some(!h.disabled);
            }
            let slot = match ins.kind {
                Keyword::Entrypoint => &mut entrypoint,
                Keyword::Cmd => &mut cmd,
                _ => continue,
            };
            *slot = Some(match &ins.args {
                Args::Json { items, .. } => items
                    .first()
                    .map(|a| file.arg_value(ins, a).into_owned())
                    .unwrap_or_default(),
                Args::String(arg) => file
                    .logical(ins, arg.span)
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .trim_matches(['"', '\''])
                    .to_owned(),
                _ => String::new(),
            });
        }
    }
    Some((entrypoint, cmd, healthcheck))
}

/// ENTRYPOINT's and CMD's first words, and the HEALTHCHECK.
type StartWords = (Option<String>, Option<String>, Option<bool>);

/// `build.args` as a map or a `KEY=VALUE` list; keys without a value are skipped.
fn build_args(args: Option<&Tree>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(args) = args else {
        return out;
    };
    if let Some(map) = args.as_map() {
        for (k, v) in map {
            if let Some(v) = v.scalar_text() {
                out.insert(k.value.clone(), v);
            }
        }
    } else if let Some(seq) = args.as_seq() {
        for item in seq.iter().filter_map(Tree::scalar_text) {
            if let Some((k, v)) = item.split_once('=') {
                out.insert(k.to_string(), v.to_string());
            }
        }
    }
    out
}
