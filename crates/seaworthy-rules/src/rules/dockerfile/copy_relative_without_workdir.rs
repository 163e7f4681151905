use seaworthy_dockerfile::{Args, BaseImage, Expanded, Stage};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `COPY` or `ADD` to a relative destination while no `WORKDIR` is in effect: not in the stage,
/// nor in the stages it is built `FROM` (a `WORKDIR` there is inherited, as BuildKit does).
/// The destination is judged after variable expansion; one that starts with a variable this
/// Dockerfile does not define is unknown and left alone. Stages that start from `scratch`
/// (directly or through their parents) are left alone too: their working directory is `/`.
pub struct CopyRelativeWithoutWorkdir;

static META: RuleMeta = RuleMeta {
    id: "SW1542",
    name: "copy-relative-without-workdir",
    severity: Severity::Warning,
    category: Category::Correctness,
    practice: 0,
    aliases: &["DL3045"],
    summary: "COPY to a relative destination while no WORKDIR is set.",
    why: "A relative destination is resolved against the working directory the base image \
          happens to set: `/` for most images, `/usr/src/app`, `/home/node` or `/var/www/html` \
          for others. Files land somewhere the Dockerfile does not show, and move when the base \
          image (or its tag) changes, while CMD and later RUNs still look in the old place. Set \
          `WORKDIR` to an absolute path first, or copy to an absolute path. \
          Differs from hadolint: a WORKDIR set in the stage a `FROM <stage>` builds on counts \
          (hadolint loses it when names differ only in case, and wrongly carries it over between \
          unnamed stages built from the same image); ADD is held to the same rule; stages built \
          on `scratch`, whose working directory is always `/`, are not reported.",
    bad: "FROM python:3.12.7-slim\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r \
          requirements.txt\n",
    good: "FROM python:3.12.7-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install \
           --no-cache-dir -r requirements.txt\n",
};

impl DockerfileRule for CopyRelativeWithoutWorkdir {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            if built_on_scratch(cx, stage) {
                continue;
            }
            for step in &stage.steps {
                if step.in_effect.workdir.is_some() {
                    continue;
                }
                let ins = step.instruction;
                let (Expanded::Copy(copy) | Expanded::Add(copy)) = &step.expanded else {
                    continue;
                };
                let dest_span = match &ins.args {
                    Args::Words(words) => words.last().map(|w| w.span),
                    Args::Json { items, .. } => items.last().map(|w| w.span),
                    _ => None,
                };
                let Some(dest_span) = dest_span else { continue };
                let written = cx.file.logical(ins, dest_span);
                let written = written.trim_matches(['"', '\'']);
                let dest = copy.dest.as_str();
                let unknown =
                    dest.is_empty() || (written.starts_with('$') && !step.undefined.is_empty());
                if unknown || is_absolute(dest) {
                    continue;
                }
                out.push(Finding::new(
                    &META,
                    dest_span,
                    format!(
                        "{} to the relative destination `{dest}` with no WORKDIR set: it lands \
                         in whatever working directory the base image has; set an absolute \
                         WORKDIR first",
                        ins.kind.as_str()
                    ),
                ));
            }
        }
    }
}

/// Whether the stage's chain of `FROM <stage>` ends at `scratch`.
fn built_on_scratch(cx: &DockerfileContext<'_>, stage: &Stage<'_>) -> bool {
    let mut base = &stage.base;
    // Stages can only name earlier stages, so the walk ends; the bound is a safety net.
    for _ in 0..=cx.model.stages.len() {
        match base {
            BaseImage::Scratch => return true,
            BaseImage::Stage(i) => match cx.model.stages.get(*i) {
                Some(parent) => base = &parent.base,
                None => return false,
            },
            _ => return false,
        }
    }
    false
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
        assert_documented_examples(&CopyRelativeWithoutWorkdir);
    }

    #[test]
    fn fires() {
        let rule = &CopyRelativeWithoutWorkdir;
        assert_fires(rule, "FROM alpine\nCOPY a .\n", &[2]);
        assert_fires(
            rule,
            "FROM alpine\nCOPY a b/\nCOPY [\"c\", \"d/\"]\n",
            &[2, 3],
        );
        assert_fires(rule, "FROM alpine\nADD a.tar.gz lib/\n", &[2]);
        assert_fires(rule, "FROM alpine\nARG DIR=app\nCOPY a $DIR/\n", &[3]);
        assert_fires(
            rule,
            "FROM alpine\nCOPY --from=build /out \\\n  ./bin/\n",
            &[3],
        );
        assert_fires(rule, "FROM alpine\nCOPY <<EOF config.ini\n[x]\nEOF\n", &[2]);
        // Only before the WORKDIR.
        assert_fires(
            rule,
            "FROM alpine\nCOPY a .\nWORKDIR /app\nCOPY b .\n",
            &[2],
        );
        // Each unnamed stage starts from its own base image: the first stage's WORKDIR does
        // not carry over (hadolint misses this one).
        assert_fires(
            rule,
            "FROM alpine:3\nWORKDIR /app\nFROM alpine:3\nCOPY a .\n",
            &[4],
        );
        // A stage that copies from another does not inherit its WORKDIR.
        assert_fires(
            rule,
            "FROM alpine AS build\nWORKDIR /src\nFROM alpine\nCOPY --from=build /src/app .\n",
            &[4],
        );
    }

    #[test]
    fn passes() {
        let rule = &CopyRelativeWithoutWorkdir;
        assert_clean(rule, "FROM alpine\nCOPY a /app/\n");
        assert_clean(rule, "FROM alpine\nWORKDIR /app\nCOPY a .\n");
        assert_clean(rule, "FROM alpine\nCOPY [\"a\", \"/app/\"]\n");
        assert_clean(rule, "FROM alpine\nARG DIR=/srv\nCOPY a $DIR\n");
        // The base image's variable: unknown here.
        assert_clean(rule, "FROM alpine\nCOPY a $APP_HOME/\n");
        assert_clean(
            rule,
            "FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nCOPY a C:\\\\app\\\\\n",
        );
        // Inherited through FROM <stage>, whatever the case of the stage name (hadolint
        // reports this one).
        assert_clean(
            rule,
            "FROM alpine:3 AS Base\nWORKDIR /srv\nFROM base\nCOPY a .\n",
        );
        assert_clean(
            rule,
            "FROM alpine AS base\nWORKDIR /srv\nFROM base AS mid\nRUN true\nFROM mid\nCOPY a .\n",
        );
        // scratch's working directory is `/`.
        assert_clean(rule, "FROM scratch\nCOPY app .\n");
        assert_clean(rule, "FROM scratch AS s\nFROM s\nCOPY app .\n");
        assert_clean(rule, "FROM alpine\nONBUILD COPY a .\n");
    }
}
