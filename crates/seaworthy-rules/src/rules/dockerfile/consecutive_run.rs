use seaworthy_dockerfile::{Keyword, Step};

use super::{windows, DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// Two `RUN` instructions in a row, each running a single command, with the same flags
/// (`--mount`, `--network`, `--security`), in a stage the final image is built from.
///
/// hadolint's semantics, kept: comments and blank lines between the two do not separate them,
/// any other instruction does; a RUN of two or more commands (`a && b`, `a; b`, `a | b`, a
/// heredoc script) is a deliberate step and is neither reported nor reported against; RUNs
/// with different flags are not compared. A run of single-command RUNs reports every RUN after
/// the first. PowerShell and cmd scripts are counted in their own syntax.
pub struct ConsecutiveRun;

static META: RuleMeta = RuleMeta {
    id: "SW1444",
    name: "consecutive-run",
    severity: Severity::Info,
    category: Category::Hygiene,
    practice: 10,
    aliases: &["DL3059"],
    summary: "Consecutive single-command RUN instructions could be one.",
    why: "Every RUN adds a layer and a step to the build. Files written by one RUN and \
          deleted by the next still ship in the first layer, and a cleanup (`rm -rf \
          /var/lib/apt/lists/*`) only shrinks the image in the RUN that created the files. \
          Joining related commands with `&&` (or a heredoc script) keeps the image smaller and \
          the history shorter. A RUN that a PowerShell or cmd `SHELL` runs is counted in \
          that shell's syntax. Differs from hadolint: stages that only feed `COPY --from` are not checked (hadolint issue #1056): their \
          layers never ship, and separate RUNs there give finer build caching at no cost to \
          the final image. Differs from hadolint: hadolint counts a script ShellCheck cannot \
          parse as one command, which makes most multi-statement PowerShell scripts (run by \
          a PowerShell `SHELL`, or passed unquoted to `powershell -Command`) single commands \
          and reports the RUN next to them; seaworthy counts their statements and pipeline \
          stages, so they are deliberate steps as in sh.",
    bad: "FROM debian:12.7\nRUN apt-get update\nRUN apt-get install -y curl\n",
    good: "FROM debian:12.7\nRUN apt-get update && apt-get install -y curl\n",
};

impl DockerfileRule for ConsecutiveRun {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in cx.runtime_chain().into_iter().rev() {
            // The RUN the next one is compared with: its flags and command count.
            let mut previous: Option<(Vec<String>, usize)> = None;
            for step in &stage.steps {
                if step.instruction.kind != Keyword::Run {
                    previous = None;
                    continue;
                }
                let flags = flags_of(cx, step);
                let count = command_count(step);
                match &previous {
                    Some((prev_flags, prev_count))
                        if *prev_flags == flags && *prev_count <= 1 && count <= 1 =>
                    {
                        out.push(Finding::new(
                            &META,
                            step.instruction.keyword,
                            "this RUN follows another single-command RUN: join them with `&&` \
                             to save a layer",
                        ));
                    }
                    _ => previous = Some((flags, count)),
                }
            }
        }
    }
}

/// The RUN's flags as written, in order.
fn flags_of(cx: &DockerfileContext<'_>, step: &Step<'_>) -> Vec<String> {
    let mut flags: Vec<String> = step
        .instruction
        .flags
        .iter()
        .map(|f| cx.file.slice(f.span).into_owned())
        .collect();
    flags.sort();
    flags
}

/// The commands the RUN runs, as hadolint counts them: named commands, wrapped ones not
/// counted again, tests not counted; an exec-form RUN is one command. A PowerShell or cmd
/// script is counted in its own syntax (statements and pipeline stages).
fn command_count(step: &Step<'_>) -> usize {
    let Some(run) = &step.run else { return 1 };
    if run.interpreter.is_none() {
        if let Some(n) = windows::command_count(&run.text, run.dialect) {
            return n;
        }
    }
    let Some(script) = run.script() else { return 1 };
    script
        .commands
        .iter()
        .filter(|c| {
            // ShellCheck, which hadolint counts with, does not see `[ … ]` tests as commands.
            c.name.is_some() && !c.is_wrapped() && !matches!(c.name_str(), Some("[" | "[["))
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&ConsecutiveRun);
    }

    #[test]
    fn fires() {
        let r = &ConsecutiveRun;
        assert_fires(r, "FROM debian\nRUN a\nRUN b\n", &[3]);
        assert_fires(r, "FROM debian\nRUN a\nRUN b\nRUN c\n", &[3, 4]);
        assert_fires(r, "FROM debian\nRUN a\n# why\n\nRUN b\n", &[5]);
        assert_fires(
            r,
            "FROM debian\nRUN --mount=type=cache,target=/x a\nRUN --mount=type=cache,target=/x b\n",
            &[3],
        );
        assert_fires(r, "FROM debian\nRUN [\"a\"]\nRUN b\n", &[3]);
        assert_fires(r, "FROM debian\nRUN x=1\nRUN b\n", &[3]);
        assert_fires(r, "FROM debian\nRUN a\nRUN [ -e /f ] && grep x /f\n", &[3]);
        assert_fires(r, "FROM debian\nRUN a \\\n  --flag\nRUN sudo b\n", &[4]);
        // The base stage ships too.
        assert_fires(
            r,
            "FROM debian AS base\nRUN a\nRUN b\nFROM base\nCMD [\"x\"]\n",
            &[3],
        );
        // The anchor stays the first RUN: `c` is compared with `a`.
        assert_fires(r, "FROM debian\nRUN a\nRUN b\nRUN c && d\nRUN e\n", &[3]);
        // PowerShell and cmd RUNs are counted in their own syntax.
        assert_fires(
            r,
            "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n\
             SHELL [\"powershell\", \"-Command\"]\n\
             RUN Install-Module -Name X -Force\n\
             RUN setx /M PATH $($Env:PATH + ';' + $Env:ProgramFiles + '\\x')\n",
            &[4],
        );
        assert_fires(
            r,
            "FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nSHELL [\"cmd\", \"/S\", \"/C\"]\n\
             RUN mkdir C:\\app\nRUN setx /M PATH \"%PATH%;C:\\app\"\n",
            &[4],
        );
        // Windows stages whose RUNs no SHELL names are read as hadolint reads them.
        assert_fires(
            r,
            "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\n\
             RUN powershell -Command \"a; b\"\nRUN setx /M PATH \"%PATH%;C:\\x\"\n",
            &[4],
        );
    }

    #[test]
    fn passes() {
        let r = &ConsecutiveRun;
        assert_clean(r, "FROM debian\nRUN a\nENV X=1\nRUN b\n");
        assert_clean(r, "FROM debian\nRUN a\nRUN b && c\nRUN d\n");
        assert_clean(r, "FROM debian\nRUN a; b\nRUN c\n");
        assert_clean(r, "FROM debian\nRUN a | b\nRUN c\n");
        assert_clean(r, "FROM debian\nRUN a\nRUN <<EOF\nb\nc\nEOF\n");
        assert_clean(
            r,
            "FROM debian\nRUN --mount=type=cache,target=/x a\nRUN b\n",
        );
        assert_clean(r, "FROM debian\nRUN --network=none a\nRUN b\n");
        assert_clean(r, "FROM debian\nRUN a\nFROM debian\nRUN b\n");
        // A PowerShell script of several statements is a deliberate step, as a sh one is.
        assert_clean(
            r,
            "FROM mcr.microsoft.com/windows/servercore:ltsc2016\n\
             SHELL [\"powershell\", \"-Command\", \"$ErrorActionPreference = 'Stop';\"]\n\
             RUN Write-Host 'Installing ...'; \\\n    Start-Process msiexec.exe -Wait; \\\n    Remove-Item x.msi -Force;\n\
             RUN Write-Host 'Verifying ...'; \\\n    java -version;\n\
             RUN setx /M PATH $($Env:PATH + ';' + $Env:ProgramFiles + '\\x')\n",
        );
        assert_clean(
            r,
            "FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nSHELL [\"cmd\", \"/S\", \"/C\"]\n\
             RUN mkdir C:\\app && cd C:\\app\nRUN setx /M PATH \"%PATH%;C:\\app\"\n",
        );
        // PowerShell passed to powershell.exe unquoted, continued with the backtick escape:
        // several statements (hadolint counts a script ShellCheck cannot parse as one).
        assert_clean(
            r,
            "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2019\n\
             RUN powershell -Command `\n    $ErrorActionPreference = 'Stop'; `\n    \
             if ((Get-FileHash x.zip).Hash -ne $h) { exit 1 }; `\n    Remove-Item -Force x.zip\n\
             RUN setx /M PATH \"%PATH%;C:\\Program Files\\dotnet\"\n",
        );
        // Build stages that only feed COPY --from (hadolint #1056).
        assert_clean(
            r,
            "FROM golang:1.23 AS build\nRUN go mod download\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n",
        );
    }
}
