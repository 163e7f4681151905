use seaworthy_dockerfile::shell::{Command, Connector, Script};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A `RUN` uses a command that does nothing useful while an image is built: interactive tools
/// (`vim`, `top`, `ssh`), process and system inspection (`ps`, `free`), or service and machine
/// control (`service`, `shutdown`, `kill`, `mount`).
pub struct PointlessCommandInRun;

static META: RuleMeta = RuleMeta {
    id: "SW1442",
    name: "pointless-command-in-run",
    severity: Severity::Info,
    category: Category::Hygiene,
    practice: 0,
    aliases: &["DL3001"],
    summary: "A RUN uses a command that makes no sense during an image build.",
    why: "Each RUN runs in a fresh container that is thrown away once its files are saved: a \
          service started with `service` or a process listed by `ps` is gone by the next \
          instruction, `shutdown` and `mount` need privileges the build does not have, and \
          `vim`, `top` or `ssh` wait for a terminal that is not there. Such a command is \
          either a leftover from interactive work or a sign that the step belongs in the \
          container's entrypoint. Differs from hadolint: a `service … start` matched by a \
          `service … stop` in the same RUN (a database started to load data, then stopped), \
          and a `kill` of a job the same RUN put in the background, are deliberate and not \
          reported; commands run through `sudo` or `sh -c` are.",
    bad: "FROM debian:12.7\nRUN service nginx start\n",
    good: "FROM debian:12.7\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\n",
};

/// hadolint's list.
const POINTLESS: &[&str] = &[
    "free", "kill", "mount", "ps", "service", "shutdown", "ssh", "top", "vim",
];

impl DockerfileRule for PointlessCommandInRun {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                for (i, cmd) in script.commands.iter().enumerate() {
                    let Some(name) = cmd.name_str().filter(|n| POINTLESS.contains(n)) else {
                        continue;
                    };
                    if deliberate(script, i, cmd, name) {
                        continue;
                    }
                    let Some(word) = &cmd.name else { continue };
                    out.push(Finding::new(
                        &META,
                        run.source_span(word.span.clone()),
                        format!(
                            "`{name}` makes no sense in a RUN: the build container has no \
                             running services, terminal or privileges, and nothing it starts \
                             survives the step"
                        ),
                    ));
                }
            }
        }
    }
}

fn deliberate(script: &Script, index: usize, cmd: &Command, name: &str) -> bool {
    match name {
        // A service started and stopped again within the RUN.
        "service" => script
            .commands_named("service")
            .any(|c| c.arg_values().any(|v| v == Some("stop"))),
        // `server & … kill $!`: stopping what this RUN started.
        "kill" => {
            script.commands[..index]
                .iter()
                .any(|c| c.connector_before == Some(Connector::Background))
                || cmd
                    .arg_values()
                    .any(|v| v.is_some_and(|v| v.starts_with('%')))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&PointlessCommandInRun);
    }

    #[test]
    fn fires() {
        let r = &PointlessCommandInRun;
        assert_fires(r, "FROM debian\nRUN service nginx start\n", &[2]);
        assert_fires(r, "FROM debian\nRUN ps aux | grep x\n", &[2]);
        assert_fires(
            r,
            "FROM debian\nRUN apt-get update && \\\n    vim /etc/x\n",
            &[3],
        );
        assert_fires(r, "FROM debian\nRUN free -m && top -b -n1\n", &[2, 2]);
        assert_fires(r, "FROM debian\nRUN kill -9 1\n", &[2]);
        assert_fires(r, "FROM debian\nRUN sudo mount -t tmpfs none /mnt\n", &[2]);
        assert_fires(r, "FROM debian\nRUN sh -c 'shutdown -h now'\n", &[2]);
        assert_fires(r, "FROM debian\nRUN <<EOF\nssh host true\nEOF\n", &[3]);
        assert_fires(
            r,
            "FROM debian AS build\nRUN service postgresql start\nFROM debian\n",
            &[2],
        );
    }

    #[test]
    fn passes() {
        let r = &PointlessCommandInRun;
        assert_clean(
            r,
            "FROM debian\nRUN apt-get install -y procps vim openssh-client\n",
        );
        assert_clean(
            r,
            "FROM postgres:16\nRUN service postgresql start \\\n && psql -f /init.sql \\\n && service postgresql stop\n",
        );
        assert_clean(
            r,
            "FROM debian\nRUN (./server &) ; sleep 2; ./migrate; kill %1\n",
        );
        assert_clean(
            r,
            "FROM debian\nRUN ./server & pid=$!; ./migrate; kill \"$pid\"\n",
        );
        assert_clean(r, "FROM debian\nRUN ifconfig\n");
        assert_clean(r, "FROM debian\nRUN ssh-keygen -A && echo top\n");
        assert_clean(r, "FROM debian\nCMD [\"top\"]\n");
    }
}
