use seaworthy_dockerfile::shell::Dialect;
use seaworthy_dockerfile::{Args, Keyword, Step};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// The final image starts its process through the shell: the `ENTRYPOINT` in effect, or the
/// `CMD` in effect when there is no `ENTRYPOINT`, is written in shell form and the shell is a
/// POSIX shell. Only what the final image runs counts: build stages, a `CMD` reset by a later
/// stage's `ENTRYPOINT`, a shell-form `CMD` passed as arguments to an exec-form `ENTRYPOINT`
/// and a command that starts with `exec` (the shell replaces itself) are left alone. Unlike
/// BuildKit's check, an explicit `SHELL ["/bin/bash", "-c"]` does not silence it: bash as PID 1
/// forwards signals no better than sh.
pub struct ShellFormCmd;

static META: RuleMeta = RuleMeta {
    id: "SW1100",
    name: "shell-form-cmd",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 15,
    aliases: &["DL3025", "JSONArgsRecommended"],
    summary: "The final image's CMD or ENTRYPOINT is in shell form, so PID 1 is /bin/sh.",
    why: "A shell-form `CMD node server.js` runs `/bin/sh -c \"node server.js\"`: the shell is \
          PID 1 and your process its child. `docker stop` and Kubernetes send SIGTERM to PID 1, \
          the shell does not forward it, and after the grace period (10 s by default) the \
          process is killed with SIGKILL: no graceful shutdown, dropped connections, \
          unflushed writes. Use the exec (JSON) form, `CMD [\"node\", \"server.js\"]`, or \
          start the shell command with `exec` so the shell replaces itself. Setting `SHELL` to \
          bash changes nothing: bash does not forward signals either. Differs from hadolint: \
          only the CMD or ENTRYPOINT that takes effect in the final image is reported, not an \
          earlier one a later one replaces, nor one in a build stage; `HEALTHCHECK CMD` in \
          shell form is not reported (its shell is not PID 1 and receives no signals), nor is \
          a shell form run by a PowerShell or cmd `SHELL`.",
    bad: "FROM node:20.18.0-slim\nCOPY . /app\nCMD node /app/server.js\n",
    good: "FROM node:20.18.0-slim\nCOPY . /app\nCMD [\"node\", \"/app/server.js\"]\n",
};

impl DockerfileRule for ShellFormCmd {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        // Walk the chain from its root to the final stage, as the image config is built: an
        // ENTRYPOINT resets a CMD inherited from an earlier stage, not one set in its own stage.
        let mut cmd: Option<&Step<'_>> = None;
        let mut entrypoint: Option<&Step<'_>> = None;
        for stage in cx.runtime_chain().into_iter().rev() {
            let mut cmd_in_stage = false;
            for step in &stage.steps {
                match step.instruction.kind {
                    Keyword::Cmd => {
                        cmd = Some(step);
                        cmd_in_stage = true;
                    }
                    Keyword::Entrypoint => {
                        entrypoint = Some(step);
                        if !cmd_in_stage {
                            cmd = None;
                        }
                    }
                    _ => {}
                }
            }
        }
        // PID 1 is the ENTRYPOINT when there is one: a shell-form CMD is then only its arguments.
        let Some(step) = entrypoint.or(cmd) else {
            return;
        };
        let ins = step.instruction;
        let Args::String(command) = &ins.args else {
            return;
        };
        let shell = &step.in_effect.shell;
        if shell.dialect != Dialect::Posix {
            return;
        }
        let text = cx.file.logical(ins, command.span);
        if text.split_whitespace().next() == Some("exec") {
            return;
        }
        let keyword = ins.kind.as_str();
        let shell_name = shell.argv.join(" ");
        let mut finding = Finding::new(
            &META,
            command.span,
            format!(
                "{keyword} is in shell form: the container runs `{shell_name} \"{}\"`, so the \
                 shell is PID 1 and does not forward SIGTERM to the process; use the exec form \
                 {keyword} [\"...\"]",
                text.trim()
            ),
        );
        if let Some(span) = shell.span {
            finding = finding.with_related(span, "the shell that runs as PID 1 is set here");
        }
        out.push(finding);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&ShellFormCmd);
    }

    #[test]
    fn fires() {
        assert_fires(&ShellFormCmd, "FROM alpine\nCMD ./server\n", &[2]);
        assert_fires(
            &ShellFormCmd,
            "FROM alpine\nENTRYPOINT ./server --port 80\n",
            &[2],
        );
        // bash forwards no signals either.
        assert_fires(
            &ShellFormCmd,
            "FROM debian\nSHELL [\"/bin/bash\", \"-c\"]\nCMD ./server\n",
            &[3],
        );
        // Inherited from the stage the final stage is built on.
        assert_fires(
            &ShellFormCmd,
            "FROM alpine AS base\nCMD ./server\nFROM base\nRUN id\n",
            &[2],
        );
        // A shell-form ENTRYPOINT ignores CMD: the ENTRYPOINT is PID 1's command.
        assert_fires(
            &ShellFormCmd,
            "FROM alpine\nENTRYPOINT ./server\nCMD [\"--port\", \"80\"]\n",
            &[2],
        );
        // Only the CMD in effect is reported.
        assert_fires(&ShellFormCmd, "FROM alpine\nCMD [\"a\"]\nCMD ./b\n", &[3]);
        // Continuation lines join into one command.
        assert_fires(
            &ShellFormCmd,
            "FROM alpine\nCMD ./server \\\n  --port 80\n",
            &[2],
        );
    }

    #[test]
    fn passes() {
        assert_clean(&ShellFormCmd, "FROM alpine\nCMD [\"./server\"]\n");
        assert_clean(&ShellFormCmd, "FROM alpine\nENTRYPOINT [\"./server\"]\n");
        assert_clean(&ShellFormCmd, "FROM alpine\nRUN make\n");
        // `exec` replaces the shell with the process.
        assert_clean(&ShellFormCmd, "FROM alpine\nCMD exec ./server --port 80\n");
        // A build stage never runs.
        assert_clean(
            &ShellFormCmd,
            "FROM alpine AS build\nCMD make\nFROM alpine\nCMD [\"./server\"]\n",
        );
        // An earlier shell-form CMD overridden by an exec-form one.
        assert_clean(&ShellFormCmd, "FROM alpine\nCMD ./a\nCMD [\"./b\"]\n");
        // The base stage's CMD is reset by the final stage's ENTRYPOINT.
        assert_clean(
            &ShellFormCmd,
            "FROM alpine AS base\nCMD ./server\nFROM base\nENTRYPOINT [\"/app\"]\n",
        );
        // With an exec-form ENTRYPOINT, PID 1 is the ENTRYPOINT.
        assert_clean(
            &ShellFormCmd,
            "FROM alpine\nENTRYPOINT [\"/tini\", \"--\"]\nCMD ./server\n",
        );
        // Not a POSIX shell.
        assert_clean(
            &ShellFormCmd,
            "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n\
             SHELL [\"powershell\", \"-Command\"]\nCMD Start-Service w3svc\n",
        );
    }
}
