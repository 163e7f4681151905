use seaworthy_dockerfile::context::go_clean;
use seaworthy_dockerfile::{Args, BaseImage, Expanded, Keyword, Stage};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Edit, Finding, Fix, RuleMeta, Severity};

/// A relative `WORKDIR` with no absolute `WORKDIR` before it in the stage or the stages it is
/// built on, so it is resolved against the base image's working directory, which the
/// Dockerfile does not show. As in BuildKit, a relative `WORKDIR` after an absolute one is
/// well defined and left alone (hadolint flags it). Paths are judged after variable
/// expansion; a path that starts with a variable no `ARG` or `ENV` here defines (the base
/// image's `$HOME`, say) is unknown and left alone.
///
/// The fix writes the absolute path the build resolves the WORKDIR to, when the working
/// directory before it is known: the stage is built, directly or through the stages it is
/// built on, on `scratch`, whose working directory is `/`. `..` and `.` are resolved
/// lexically, as BuildKit joins WORKDIR paths. On an image's working directory, which the
/// Dockerfile does not show, and on a path written with variables or quotes, no fix is
/// offered: the absolute path would be a guess.
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
          against it, is known, and is not reported. `seaworthy fix` writes the absolute path \
          where the directory before it is known (a stage built on `scratch` starts in `/`); \
          on another base image the path it meant is for a person to say.",
    bad: "FROM scratch\nWORKDIR app\nCOPY server .\n",
    good: "FROM scratch\nWORKDIR /app\nCOPY server .\n",
};

impl DockerfileRule for WorkdirRelative {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn fix_kind(&self) -> crate::FixKind {
        crate::FixKind::Safe
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
                let mut finding = Finding::new(
                    &META,
                    arg.span,
                    format!(
                        "WORKDIR `{path}` is relative to the base image's working directory, \
                         which this Dockerfile does not set; use an absolute path"
                    ),
                );
                let literal = written == path.as_str()
                    && cx.file.slice(arg.span) == written
                    && !written.contains(|c: char| {
                        c.is_whitespace()
                            || matches!(c, '$' | '\'' | '"' | '\\' | '`')
                            || c == cx.file.escape as char
                    });
                if literal && starts_in_root(cx, stage) {
                    let absolute = go_clean(&format!("/{path}"));
                    finding = finding.with_fix(Fix::safe(
                        format!("write `{absolute}`"),
                        vec![Edit::replace(arg.span, absolute)],
                    ));
                }
                out.push(finding);
            }
        }
    }
}

/// Whether `stage` starts in `/`: it is built on `scratch`, directly or through the stages it
/// is built on (none of which sets a WORKDIR when a relative one is reported), for Linux.
fn starts_in_root(cx: &DockerfileContext<'_>, stage: &Stage<'_>) -> bool {
    if super::windows::is_windows(cx.model, stage) {
        return false;
    }
    let mut root = stage;
    while let BaseImage::Stage(i) = root.base {
        match cx.model.stages.get(i) {
            Some(s) if i < root.index => root = s,
            _ => return false,
        }
    }
    matches!(root.base, BaseImage::Scratch)
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
    use crate::FixKind;

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
    fn fix_writes_the_absolute_path() {
        let rule = &WorkdirRelative;
        assert_fix(
            rule,
            "FROM scratch\nWORKDIR app\n",
            "FROM scratch\nWORKDIR /app\n",
            FixKind::Safe,
        );
        // `.` and `..` resolved lexically, trailing slash dropped, as BuildKit joins paths;
        // lower case, odd spacing and CRLF kept.
        assert_fix(
            rule,
            "from scratch\r\nworkdir   ./srv/../app//bin/   \r\ncopy x .\r\n",
            "from scratch\r\nworkdir   /app/bin   \r\ncopy x .\r\n",
            FixKind::Safe,
        );
        assert_fix(
            rule,
            "FROM scratch\nWORKDIR ../..\n",
            "FROM scratch\nWORKDIR /\n",
            FixKind::Safe,
        );
        // Through a stage built on scratch; only the first relative WORKDIR is reported, and
        // the later one keeps resolving against it.
        assert_fix(
            rule,
            "FROM scratch AS base\nCOPY x /x\nFROM base\nWORKDIR app\nWORKDIR bin\n",
            "FROM scratch AS base\nCOPY x /x\nFROM base\nWORKDIR /app\nWORKDIR bin\n",
            FixKind::Safe,
        );
    }

    #[test]
    fn no_fix_where_the_directory_before_is_unknown() {
        let rule = &WorkdirRelative;
        // The base image's working directory is not in the Dockerfile.
        assert_no_fix(rule, "FROM node:20.18.0-slim\nWORKDIR app\n");
        assert_no_fix(
            rule,
            "FROM alpine AS base\nRUN true\nFROM base\nWORKDIR app\n",
        );
        // Variables, quotes, escapes, a continuation inside the path.
        assert_no_fix(rule, "FROM scratch\nARG DIR=app\nWORKDIR ${DIR}\n");
        assert_no_fix(rule, "FROM scratch\nWORKDIR \"app\"\n");
        assert_no_fix(rule, "FROM scratch\nWORKDIR my\\ app\n");
        assert_no_fix(rule, "FROM scratch\nWORKDIR ap\\\np\n");
        // A Windows image.
        assert_no_fix(rule, "FROM --platform=windows/amd64 scratch\nWORKDIR app\n");
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
