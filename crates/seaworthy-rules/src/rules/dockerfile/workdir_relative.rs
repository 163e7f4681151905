use seaworthy_dockerfile::{Args, Expanded, Keyword};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A relative `WORKDIR` with no absolute `WORKDIR` before it in the stage or the stages it is
/// built on, so it is resolved against the base image's working directory, which the
/// Dockerfile does not show. As in BuildKit, a relative `WORKDIR` after an absolute one is
/// well defined and left alone (hadolint flags it). Paths are judged after variable
/// expansion; a path that starts with a variable no `ARG` or `ENV` here defines (the base
/// image's `$HOME`, say) is unknown and left alone.
pub struct WorkdirRelative;

static META: RuleMeta = RuleMeta {
    id: "SW1508",
    name: "workdir-relative",
    severity: Severity::Error,
    category: Category::Correctness,
    practice: 0,
    aliases: &[
        "DL3000",
        "WorkdirRelativePath",
        "DS-0009",
        "DS009",
        "AVD-DS-0009",
        "CKV_DOCKER_10",
    ],
    summary: "A relative WORKDIR depends on the base image's working directory.",
    why: "`WORKDIR app` means `/app` on one base image and `/usr/src/app` or `/home/node/app` \
          on another: the path the build copies into and the container starts in changes \
          when the base image (or its tag) does, and every later relative COPY and RUN moves \
          with it. Start from an absolute path. Differs from hadolint: a relative WORKDIR \
          after an absolute one in the same stage (or the stage it builds on) resolves \
          against it, is known, and is not reported.",
    bad: "FROM node:20.18.0-slim\nWORKDIR app\nCOPY . .\n",
    good: "FROM node:20.18.0-slim\nWORKDIR /app\nCOPY . .\n",
};

impl DockerfileRule for WorkdirRelative {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                let ins = step.instruction;
                if ins.kind != Keyword::Workdir || step.in_effect.workdir.is_some() {
                    continue;
                }
                let (Expanded::Workdir(path), Args::String(arg)) = (&step.expanded, &ins.args)
                else {
                    continue;
                };
                let written = cx.file.logical(ins, arg.span);
                let unknown =
                    path.is_empty() || (written.starts_with('$') && !step.undefined.is_empty());
                if unknown || is_absolute(path) {
                    continue;
                }
                out.push(Finding::new(
                    &META,
                    arg.span,
                    format!(
                        "WORKDIR `{path}` is relative to the base image's working directory, \
                         which this Dockerfile does not set; use an absolute path"
                    ),
                ));
            }
        }
    }
}

/// Absolute on Linux, or on Windows (`C:\app`, `C:/app`, `\app`).
fn is_absolute(path: &str) -> bool {
    let b = path.as_bytes();
    path.starts_with('/')
        || path.starts_with('\\')
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&WorkdirRelative);
    }

    #[test]
    fn fires() {
        let rule = &WorkdirRelative;
        assert_fires(rule, "FROM alpine\nWORKDIR app\n", &[2]);
        assert_fires(rule, "FROM alpine\nWORKDIR ./app\n", &[2]);
        assert_fires(rule, "FROM alpine\nARG DIR=app\nWORKDIR ${DIR}\n", &[3]);
        // Each stage starts from its own base image.
        assert_fires(
            rule,
            "FROM alpine AS a\nWORKDIR /a\nFROM alpine\nWORKDIR b\n",
            &[4],
        );
        // Reported once: the next one is relative to the first.
        assert_fires(rule, "FROM alpine\nWORKDIR a\nWORKDIR b\n", &[2]);
    }

    #[test]
    fn passes() {
        let rule = &WorkdirRelative;
        assert_clean(rule, "FROM alpine\nWORKDIR /app\n");
        // Relative to an absolute WORKDIR: well defined (BuildKit agrees; hadolint flags it).
        assert_clean(rule, "FROM alpine\nWORKDIR /srv\nWORKDIR app\n");
        // Inherited from the stage it is built on.
        assert_clean(
            rule,
            "FROM alpine AS base\nWORKDIR /srv\nFROM base\nWORKDIR app\n",
        );
        assert_clean(rule, "FROM alpine\nARG DIR=/opt/app\nWORKDIR $DIR\n");
        // The base image's variable: unknown here.
        assert_clean(rule, "FROM alpine\nWORKDIR $HOME\n");
        assert_clean(rule, "FROM alpine\nWORKDIR ${HOME}/app\n");
    }
}
