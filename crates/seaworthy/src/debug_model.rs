//! `seaworthy debug model`: the resolved model printed for people, so that what rules will see
//! (stages, bases, the USER/WORKDIR/SHELL in effect, each RUN's commands and where they are) can
//! be checked by eye. Presentation only.

use std::fmt::Write as _;

use seaworthy_dockerfile::{BaseImage, Dockerfile, Model, SourceRef};

pub fn render(df: &Dockerfile, model: &Model<'_>) -> String {
    let mut out = String::new();
    for arg in &model.global_args {
        let value = arg.arg.value.as_deref().unwrap_or("(unset)");
        let _ = writeln!(out, "global ARG {} = {value}", arg.arg.name);
    }
    for stage in &model.stages {
        let at = df.position(stage.from.span.start);
        let base = match &stage.base {
            BaseImage::Scratch => "scratch".to_string(),
            BaseImage::Stage(i) => format!("stage {i} ({})", model.stages[*i].display_name()),
            BaseImage::Image(r) => r.normalized.clone(),
            BaseImage::Unresolved { text, missing, .. } => {
                format!("unresolved {text:?} (missing: {})", missing.join(", "))
            }
        };
        let target = if model.target == Some(stage.index) {
            "  [target]"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "stage {} {} at {at}: FROM {base}{target}",
            stage.index,
            stage.display_name()
        );
        for step in &stage.steps {
            let ins = step.instruction;
            let p = df.position(ins.keyword.start);
            let fx = &step.in_effect;
            let user = fx
                .user
                .as_ref()
                .map_or("(base image)", |u| u.value.as_str());
            let workdir = fx
                .workdir
                .as_ref()
                .map_or("(base image)", |w| w.path.as_str());
            let _ = writeln!(
                out,
                "  {p} {} user={user} workdir={workdir} shell={}",
                ins.kind.as_str(),
                fx.shell.argv.join(" ")
            );
            if let Some(from) = &step.copy_from {
                let text = match from {
                    SourceRef::Stage(i) => format!("stage {i}"),
                    SourceRef::Image(r) => r.normalized.clone(),
                    SourceRef::Scratch => "scratch".into(),
                    SourceRef::Invalid { text, .. } => format!("invalid {text:?}"),
                };
                let _ = writeln!(out, "      from {text}");
            }
            let Some(run) = &step.run else { continue };
            let Some(script) = run.script() else {
                let _ = writeln!(out, "      (not analysed: {:?})", run.dialect);
                continue;
            };
            for cmd in &script.commands {
                let Some(name) = &cmd.name else { continue };
                let pos = df.position(run.source_span(cmd.span.clone()).start);
                let mut argv = name.raw.clone();
                for a in &cmd.args {
                    argv.push(' ');
                    argv.push_str(&a.raw);
                }
                let wrapper = cmd
                    .wrapper
                    .as_deref()
                    .map(|w| format!("  (under {w})"))
                    .unwrap_or_default();
                let _ = writeln!(out, "      {pos} {argv}{wrapper}");
            }
        }
    }
    out
}
