use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `sudo` in a `RUN`: the build already runs as the `USER` in effect, and sudo only adds a
/// setuid binary, a sudoers policy and a TTY-dependent tool to the image.
pub struct SudoInRun;

static META: RuleMeta = RuleMeta {
    id: "SW1408",
    name: "sudo-in-run",
    severity: Severity::Error,
    category: Category::Hygiene,
    practice: 1,
    aliases: &["DL3004", "DS-0010", "DS010", "AVD-DS-0010", "CKV2_DOCKER_1"],
    summary: "A RUN uses `sudo`.",
    why: "Build steps run as the USER in effect, so a RUN that needs root should come before \
          `USER app`, or switch with `USER root` and back. sudo in an image means a setuid-root \
          binary and a sudoers rule that let the runtime user become root, which is exactly \
          what running as non-root was meant to prevent; it also behaves differently without \
          a TTY and can hang or fail the build.",
    bad: "FROM debian:12.7\nUSER app\nRUN sudo apt-get update\n",
    good: "FROM debian:12.7\nRUN apt-get update\nUSER app\n",
};

impl DockerfileRule for SudoInRun {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                for cmd in script.commands_named("sudo") {
                    let Some(word) = &cmd.name else { continue };
                    out.push(Finding::new(
                        &META,
                        run.source_span(word.span.clone()),
                        "`sudo` in a RUN: run the step before `USER`, or switch with \
                         `USER root` and back, instead",
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&SudoInRun);
    }

    #[test]
    fn fires() {
        assert_fires(&SudoInRun, "FROM debian\nRUN sudo apt-get update\n", &[2]);
        assert_fires(
            &SudoInRun,
            "FROM debian\nRUN make && \\\n    sudo make install\n",
            &[3],
        );
        assert_fires(
            &SudoInRun,
            "FROM debian\nRUN <<EOF\nsudo -u app whoami\nEOF\n",
            &[3],
        );
        assert_fires(&SudoInRun, "FROM debian\nRUN sh -c 'sudo id'\n", &[2]);
        assert_fires(
            &SudoInRun,
            "FROM debian AS build\nRUN /usr/bin/sudo id\nFROM debian\n",
            &[2],
        );
        assert_fires(&SudoInRun, "FROM debian\nRUN sudo a && sudo b\n", &[2, 2]);
    }

    #[test]
    fn passes() {
        assert_clean(&SudoInRun, "FROM debian\nRUN apt-get install -y sudo\n");
        assert_clean(
            &SudoInRun,
            "FROM debian\nRUN echo 'app ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/app\n",
        );
        assert_clean(
            &SudoInRun,
            "FROM debian\nUSER root\nRUN apt-get update\nUSER app\n",
        );
        assert_clean(&SudoInRun, "FROM debian\nCMD [\"sudo\", \"nginx\"]\n");
    }
}
