use seaworthy_dockerfile::model::Healthcheck;
use seaworthy_dockerfile::{Args, Expanded, Keyword};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A `HEALTHCHECK` of the final image that always succeeds: `CMD true`, `CMD exit 0`,
/// `CMD ["true"]`, `CMD /bin/true`, `CMD echo ok`, `CMD :`, and checks that swallow their
/// failure with a trailing `|| true` or `|| exit 0`, in shell form or through `sh -c`.
pub struct HealthcheckNoOp;

static META: RuleMeta = RuleMeta {
    id: "SW1102",
    name: "healthcheck-no-op",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 3,
    aliases: &[],
    summary: "The final image's HEALTHCHECK always succeeds, so it checks nothing.",
    why: "A healthcheck that cannot fail reports `healthy` for a server that is hung, \
          crashed into a restart loop or cut off from its database: worse than none, because \
          `depends_on: condition: service_healthy`, rolling updates and dashboards trust it. \
          Probe what the service does (an HTTP endpoint, a query, a socket) and let the probe's \
          failure fail the check: `curl -f http://localhost/health || exit 1`, not `|| exit 0`.",
    bad: "FROM nginx:1.27.2\nHEALTHCHECK --start-period=10s CMD curl -f http://localhost/ || true\n",
    good: "FROM nginx:1.27.2\nHEALTHCHECK --start-period=10s CMD curl -f http://localhost/ || exit 1\n",
};

impl DockerfileRule for HealthcheckNoOp {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in cx.runtime_chain().into_iter().rev() {
            for step in &stage.steps {
                let ins = step.instruction;
                if ins.kind != Keyword::Healthcheck {
                    continue;
                }
                let Expanded::Healthcheck(Healthcheck {
                    disabled: false,
                    command,
                    shell_form,
                    ..
                }) = &step.expanded
                else {
                    continue;
                };
                let script = if *shell_form {
                    command.first().map(String::as_str)
                } else {
                    match command.as_slice() {
                        [shell, flag, script, ..] if is_shell(shell) && flag == "-c" => {
                            Some(script.as_str())
                        }
                        // `exit` is a shell builtin: exec form has no such program.
                        [program, ..] if basename(program) != "exit" => Some(program.as_str()),
                        _ => None,
                    }
                };
                let Some(script) = script.filter(|s| script_always_succeeds(s)) else {
                    continue;
                };
                let span = match &ins.args {
                    Args::Healthcheck { command, .. } => match &**command {
                        Args::String(a) => a.span,
                        Args::Json { span, .. } => *span,
                        _ => ins.keyword,
                    },
                    _ => ins.keyword,
                };
                out.push(Finding::new(
                    &META,
                    span,
                    format!(
                        "HEALTHCHECK `{}` always succeeds, so the container reports healthy \
                         whatever state the service is in",
                        script.trim()
                    ),
                ));
            }
        }
    }
}

fn basename(program: &str) -> &str {
    program.rsplit('/').next().unwrap_or(program)
}

fn is_shell(program: &str) -> bool {
    matches!(
        basename(program),
        "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh"
    )
}

/// A command that succeeds whatever happens.
fn always_succeeds(command: &str) -> bool {
    let mut words = command.split_whitespace();
    let Some(first) = words.next() else {
        return false;
    };
    match basename(first) {
        "true" | ":" | "echo" | "printf" => true,
        "exit" => words.next().is_none_or(|code| code == "0"),
        _ => false,
    }
}

/// A script whose last alternative always succeeds: `true`, `exit 0`, `x || true`.
fn script_always_succeeds(script: &str) -> bool {
    let script = script.trim().trim_end_matches(';').trim();
    let last = script.rsplit("||").next().unwrap_or(script);
    // `a && b` fails when `a` fails; `a; b` and `a || b` end with `b`'s status.
    let last = last.rsplit(';').next().unwrap_or(last);
    !last.contains("&&") && !last.contains('|') && always_succeeds(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&HealthcheckNoOp);
    }

    #[test]
    fn fires() {
        assert_fires(
            &HealthcheckNoOp,
            "FROM alpine\nHEALTHCHECK CMD true\n",
            &[2],
        );
        assert_fires(
            &HealthcheckNoOp,
            "FROM alpine\nHEALTHCHECK CMD exit 0\n",
            &[2],
        );
        assert_fires(
            &HealthcheckNoOp,
            "FROM alpine\nHEALTHCHECK CMD [\"true\"]\n",
            &[2],
        );
        assert_fires(
            &HealthcheckNoOp,
            "FROM alpine\nHEALTHCHECK CMD /bin/true\n",
            &[2],
        );
        assert_fires(
            &HealthcheckNoOp,
            "FROM alpine\nHEALTHCHECK --interval=30s CMD [\"/bin/sh\", \"-c\", \"wget -q localhost || exit 0\"]\n",
            &[2],
        );
        assert_fires(
            &HealthcheckNoOp,
            "FROM alpine\nHEALTHCHECK CMD echo ok\n",
            &[2],
        );
        // The fallback reports success when the probe fails.
        assert_fires(
            &HealthcheckNoOp,
            "FROM alpine\nHEALTHCHECK CMD wget -q localhost || echo down\n",
            &[2],
        );
        // Inherited from the stage the final stage is built on.
        assert_fires(
            &HealthcheckNoOp,
            "FROM alpine AS base\nHEALTHCHECK CMD true\nFROM base\nCMD [\"/app\"]\n",
            &[2],
        );
    }

    #[test]
    fn passes() {
        assert_clean(
            &HealthcheckNoOp,
            "FROM alpine\nHEALTHCHECK CMD wget -q -O- http://localhost/ || exit 1\n",
        );
        assert_clean(
            &HealthcheckNoOp,
            "FROM alpine\nHEALTHCHECK CMD [\"/app\", \"health\"]\n",
        );
        assert_clean(&HealthcheckNoOp, "FROM alpine\nHEALTHCHECK NONE\n");
        // `exit 1` fails.
        assert_clean(&HealthcheckNoOp, "FROM alpine\nHEALTHCHECK CMD exit 1\n");
        // `true && probe` fails when the probe does.
        assert_clean(
            &HealthcheckNoOp,
            "FROM alpine\nHEALTHCHECK CMD true && /probe\n",
        );
        // A build stage's healthcheck never runs.
        assert_clean(
            &HealthcheckNoOp,
            "FROM alpine AS build\nHEALTHCHECK CMD true\nFROM alpine\nCMD [\"/app\"]\n",
        );
    }
}
