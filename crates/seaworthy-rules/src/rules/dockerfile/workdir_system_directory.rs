use seaworthy_dockerfile::{Args, Keyword};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A `WORKDIR` that resolves (after variable expansion, and against the previous `WORKDIR` when
/// relative) to a kernel or boot directory or below: `/proc`, `/sys`, `/dev`, `/boot`,
/// `/initrd`, `/lost+found`. Every stage.
pub struct WorkdirSystemDirectory;

/// Directories that the kernel or the host owns, never the application.
const SYSTEM_DIRS: &[&str] = &["/proc", "/sys", "/dev", "/boot", "/initrd", "/lost+found"];

static META: RuleMeta = RuleMeta {
    id: "SW1545",
    name: "workdir-system-directory",
    severity: Severity::Error,
    category: Category::Correctness,
    practice: 0,
    aliases: &["DS-0030", "DS030", "AVD-DS-0030"],
    summary: "WORKDIR is a system directory such as /proc, /sys or /dev.",
    why: "At run time `/proc`, `/sys` and `/dev` are filesystems the container runtime mounts \
          over the image: whatever the build wrote there is hidden, and an application that \
          reads or writes its working directory there talks to the kernel instead (a file \
          written under `/proc/self/fd` or `/dev` can reach the host's devices when the \
          container is privileged). `/boot`, `/initrd` and `/lost+found` belong to the host's \
          boot and filesystem tools. Use a directory of the application's own, such as `/app`. \
          Differs from trivy: the directory itself counts (`WORKDIR /proc`, not only paths \
          below it), `/sys` is included, and relative WORKDIRs and variables are resolved.",
    bad: "FROM alpine:3.20.3\nWORKDIR /proc/self/fd\nCMD [\"ls\"]\n",
    good: "FROM alpine:3.20.3\nWORKDIR /app\nCMD [\"ls\"]\n",
};

impl DockerfileRule for WorkdirSystemDirectory {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for (i, step) in stage.steps.iter().enumerate() {
                let ins = step.instruction;
                let (Keyword::Workdir, Args::String(arg)) = (ins.kind, &ins.args) else {
                    continue;
                };
                // The resolved path is what is in effect after the instruction.
                let after = match stage.steps.get(i + 1) {
                    Some(next) => &next.in_effect,
                    None => &stage.at_end,
                };
                let Some(workdir) = &after.workdir else {
                    continue;
                };
                if workdir.span != ins.span && !ins.span.contains(workdir.span) {
                    continue;
                }
                if workdir.relative_to_unknown {
                    continue;
                }
                let path = clean(&workdir.path);
                let Some(dir) = SYSTEM_DIRS.iter().find(|d| {
                    path == **d || path.strip_prefix(**d).is_some_and(|r| r.starts_with('/'))
                }) else {
                    continue;
                };
                out.push(Finding::new(
                    &META,
                    arg.span,
                    format!(
                        "WORKDIR {path} is under {dir}, a directory the kernel or host owns; \
                         use a directory of the application's own"
                    ),
                ));
            }
        }
    }
}

/// `path.Clean` for an absolute path: no `.`, `..`, empty or trailing components.
fn clean(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&WorkdirSystemDirectory);
    }

    #[test]
    fn fires() {
        let rule = &WorkdirSystemDirectory;
        assert_fires(rule, "FROM alpine\nWORKDIR /proc\n", &[2]);
        assert_fires(rule, "FROM alpine\nWORKDIR /proc/self/fd/1\n", &[2]);
        assert_fires(rule, "FROM alpine\nWORKDIR /sys/fs/cgroup\n", &[2]);
        assert_fires(rule, "FROM alpine\nWORKDIR /dev/\n", &[2]);
        assert_fires(rule, "FROM alpine\nWORKDIR \"/boot\"\n", &[2]);
        assert_fires(rule, "FROM alpine\nWORKDIR /lost+found\n", &[2]);
        assert_fires(rule, "FROM alpine\nWORKDIR /\nWORKDIR dev\n", &[3]);
        assert_fires(rule, "FROM alpine\nWORKDIR /app/../proc\n", &[2]);
        assert_fires(rule, "FROM alpine\nARG D=/sys\nWORKDIR ${D}/kernel\n", &[3]);
        assert_fires(
            rule,
            "FROM alpine AS build\nWORKDIR /dev/shm\nFROM alpine\nWORKDIR /app\n",
            &[2],
        );
    }

    #[test]
    fn passes() {
        let rule = &WorkdirSystemDirectory;
        assert_clean(rule, "FROM alpine\nWORKDIR /app\n");
        assert_clean(rule, "FROM alpine\nWORKDIR /development\n");
        assert_clean(rule, "FROM alpine\nWORKDIR /processes\n");
        assert_clean(rule, "FROM alpine\nWORKDIR /srv/proc\n");
        assert_clean(rule, "FROM alpine\nWORKDIR /usr/src/sys\n");
        assert_clean(rule, "FROM alpine\nWORKDIR /devices\n");
        // Relative to an unknown base working directory.
        assert_clean(rule, "FROM alpine\nWORKDIR proc\n");
        assert_clean(rule, "FROM alpine\nONBUILD WORKDIR /proc\n");
    }
}
