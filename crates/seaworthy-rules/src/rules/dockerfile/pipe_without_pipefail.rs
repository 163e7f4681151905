use seaworthy_dockerfile::shell::{Pipeline, Script};
use seaworthy_dockerfile::{RunScript, Step};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A `RUN` with a pipe and no `pipefail`: only the last command's failure fails the build, so
/// `curl … | tar -x` goes on after a failed download. `set -o pipefail` earlier in the script,
/// a `SHELL` with `-o pipefail`, or a heredoc shebang with it all count. Pipes fed only by
/// `echo`, `printf` or `yes` (which cannot fail usefully) do not fire.
pub struct PipeWithoutPipefail;

static META: RuleMeta = RuleMeta {
    id: "SW1203",
    name: "pipe-without-pipefail",
    severity: Severity::Warning,
    category: Category::Supply,
    practice: 22,
    aliases: &["DL4006"],
    summary: "A RUN pipes commands together without `pipefail`.",
    why: "A shell pipeline succeeds when its last command does: in \
          `curl -fsSL https://… | tar -xz` a failed download is hidden by tar, and the build \
          goes on with a missing or half-written tool that fails much later, or in production. \
          With `pipefail` the pipeline fails when any command in it does. Set it for every RUN \
          with `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]`, or start the script with \
          `set -o pipefail` (bash, ash, zsh, busybox sh). Differs from hadolint: a pipe fed \
          only by `echo`, `printf` or `yes` (`echo \"$sha  file\" | sha256sum -c -`, \
          `{ echo a; echo b; } | tee f`) is not reported, since pipefail changes nothing when \
          the first command cannot fail; `set -o pipefail` (or `set -eo pipefail`) earlier in \
          the script counts, as does a heredoc that sets it; and stages built on a Windows \
          image, whose RUNs cmd or PowerShell run, are not checked.",
    bad: "FROM debian:12.7\nRUN curl -fsSL https://example.com/tool.tgz | tar -xz -C /usr/local/bin\n",
    good: "FROM debian:12.7\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n\
           RUN curl -fsSL https://example.com/tool.tgz | tar -xz -C /usr/local/bin\n",
};

impl DockerfileRule for PipeWithoutPipefail {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            if super::windows::is_windows(cx.model, stage) {
                continue;
            }
            for step in &stage.steps {
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                if shell_sets_pipefail(step, run) || heredoc_shell_sets_pipefail(step, script) {
                    continue;
                }
                let unguarded = script.pipelines().iter().find(|p| {
                    let first = p.commands[0];
                    !script.pipefail_set_before(first)
                        && !started_with_pipefail(script, first)
                        && !fed_by_harmless(script, p)
                });
                let Some(pipeline) = unguarded else { continue };
                out.push(Finding::new(
                    &META,
                    run.source_span(pipe_operator(run, script, pipeline)),
                    "this pipe hides the failure of every command but the last; set \
                     `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` or start the \
                     script with `set -o pipefail`",
                ));
            }
        }
    }
}

/// The shell that runs the script was started with `-o pipefail`: the `SHELL` in effect, or
/// for a `RUN <<EOF` body with a shebang, the shebang line (which replaces the shell).
fn shell_sets_pipefail(step: &Step<'_>, run: &RunScript) -> bool {
    match &run.interpreter {
        Some(shebang) => shebang.contains("pipefail"),
        None => step
            .in_effect
            .shell
            .argv
            .iter()
            .any(|a| a.contains("pipefail")),
    }
}

/// `RUN <<EOF bash -o pipefail`: the heredoc is the script of a shell started with pipefail.
/// (The shell model does not yet attach a heredoc to a command whose redirect comes first, so
/// this is recognised here.)
fn heredoc_shell_sets_pipefail(step: &Step<'_>, script: &Script) -> bool {
    !step.instruction.heredocs.is_empty()
        && script.commands.iter().any(|c| {
            matches!(c.name_str(), Some("sh" | "bash" | "ash" | "zsh" | "ksh"))
                && c.arg_values().flatten().any(|v| v == "pipefail")
                && !c.has_flag(Some('c'), None)
        })
}

/// The command runs in a nested shell started with `-o pipefail` (`RUN <<EOF bash -o
/// pipefail`, `bash -eo pipefail <<EOF`).
fn started_with_pipefail(script: &Script, index: usize) -> bool {
    let mut next = script.commands[index].wrapped_by;
    while let Some(i) = next {
        let wrapper = &script.commands[i];
        if wrapper
            .arg_values()
            .flatten()
            .any(|v| v == "pipefail" || v == "-opipefail")
        {
            return true;
        }
        next = wrapper.wrapped_by;
    }
    false
}

/// Every stage but the last is `echo`, `printf` or `yes`: nothing there can fail usefully.
fn fed_by_harmless(script: &Script, pipeline: &Pipeline) -> bool {
    pipeline.commands.iter().all(|&i| {
        let c = &script.commands[i];
        c.position_in_pipeline + 1 == pipeline.stages
            || matches!(c.name_str(), Some("echo" | "printf" | "yes"))
    })
}

/// The first `|` of the pipeline, in script coordinates.
fn pipe_operator(run: &RunScript, script: &Script, pipeline: &Pipeline) -> std::ops::Range<usize> {
    let stage = |n: usize| {
        pipeline
            .commands
            .iter()
            .map(|&i| &script.commands[i])
            .filter(move |c| c.position_in_pipeline == n)
    };
    let end = stage(0).map(|c| c.span.end).max();
    let start = stage(1).map(|c| c.span.start).min();
    if let (Some(end), Some(start)) = (end, start) {
        if let Some(bar) = run.text.get(end..start).and_then(|gap| gap.find('|')) {
            return end + bar..end + bar + 1;
        }
    }
    pipeline.span.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&PipeWithoutPipefail);
    }

    #[test]
    fn fires() {
        assert_fires(
            &PipeWithoutPipefail,
            "FROM debian\nRUN curl -fsSL https://x | tar -xz\n",
            &[2],
        );
        assert_fires(
            &PipeWithoutPipefail,
            "FROM debian\nRUN apt-get update \\\n && wget -qO- https://x/key \\\n    | gpg --dearmor > /k.gpg\n",
            &[4],
        );
        assert_fires(
            &PipeWithoutPipefail,
            "FROM debian\nRUN <<EOF\nset -e\ncurl -s https://x | tar -xz\nEOF\n",
            &[4],
        );
        // pipefail set after the pipe, or in a subshell, does not protect it.
        assert_fires(
            &PipeWithoutPipefail,
            "FROM debian\nRUN curl https://x | tar -x; set -o pipefail\n",
            &[2],
        );
        // A SHELL without pipefail, and every stage is checked.
        assert_fires(
            &PipeWithoutPipefail,
            "FROM debian AS build\nSHELL [\"/bin/bash\", \"-c\"]\nRUN cat /a | sort > /b\nFROM debian\n",
            &[3],
        );
        // One finding per RUN.
        assert_fires(
            &PipeWithoutPipefail,
            "FROM debian\nRUN a | b && c | d\n",
            &[2],
        );
    }

    #[test]
    fn passes() {
        assert_clean(
            &PipeWithoutPipefail,
            "FROM debian\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN curl https://x | tar -xz\n",
        );
        assert_clean(
            &PipeWithoutPipefail,
            "FROM debian\nRUN set -euo pipefail && curl https://x | tar -xz\n",
        );
        assert_clean(
            &PipeWithoutPipefail,
            "FROM debian\nRUN <<EOF\nset -eo pipefail\ncurl -s https://x | tar -xz\nEOF\n",
        );
        assert_clean(
            &PipeWithoutPipefail,
            "FROM debian\nRUN <<EOF\n#!/bin/bash -eo pipefail\ncurl -s https://x | tar -xz\nEOF\n",
        );
        assert_clean(
            &PipeWithoutPipefail,
            "FROM debian\nRUN <<EOF bash -o pipefail\ncurl -s https://x | tar -x\nEOF\n",
        );
        assert_clean(
            &PipeWithoutPipefail,
            "FROM debian\nRUN bash -o pipefail -c 'curl -s https://x | tar -x'\n",
        );
        // The SHELL set in the parent stage carries into the child.
        assert_clean(
            &PipeWithoutPipefail,
            "FROM debian AS base\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nFROM base\nRUN a | b\n",
        );
        assert_clean(
            &PipeWithoutPipefail,
            "FROM debian\nRUN echo \"$SUM  f\" | sha256sum -c\n",
        );
        assert_clean(
            &PipeWithoutPipefail,
            "FROM debian\nRUN curl -o /f https://x || true\n",
        );
        assert_clean(&PipeWithoutPipefail, "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL [\"pwsh\", \"-c\"]\nRUN Get-ChildItem | Select-Object Name\n");
        // A Windows image runs RUN with cmd even without a SHELL: there is no pipefail to set.
        assert_clean(
            &PipeWithoutPipefail,
            "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2019-amd64 AS installer\n\
             RUN powershell -Command `\n    (Get-Content sums.txt ^| Where-Object { $_ -match 'x' })\n\
             FROM mcr.microsoft.com/windows/nanoserver:ltsc2019\nRUN dir | findstr x\n",
        );
        assert_clean(
            &PipeWithoutPipefail,
            "FROM --platform=windows/amd64 example.com/tools:1.0\nRUN type a.txt | findstr x\n",
        );
    }
}
