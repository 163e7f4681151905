use super::install_without_yes::subcommand;
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `apt` in a RUN: its command-line interface is meant for people and may change; scripts
/// use `apt-get` and `apt-cache`.
pub struct AptInsteadOfAptGet;

static META: RuleMeta = RuleMeta {
    id: "SW1403",
    name: "apt-instead-of-apt-get",
    severity: Severity::Warning,
    category: Category::Hygiene,
    practice: 10,
    aliases: &["DL3027", "CKV_DOCKER_9"],
    summary: "`apt` is used in a RUN instead of `apt-get` or `apt-cache`.",
    why: "apt warns \"apt does not have a stable CLI interface. Use with caution in scripts.\": \
          its output, prompts and defaults are tuned for people at a terminal and may change \
          between releases, so a build that works today can break on a new base image. \
          `apt-get` and `apt-cache` are the stable, scriptable interfaces.",
    bad: "FROM debian:12.7\nRUN apt update && apt install -y curl\n",
    good: "FROM debian:12.7\nRUN apt-get update && apt-get install -y curl\n",
};

impl DockerfileRule for AptInsteadOfAptGet {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                for cmd in script.commands_named("apt") {
                    let Some(name) = &cmd.name else { continue };
                    let sub = subcommand(cmd, &["-o", "--option", "-c", "-t"])
                        .and_then(|w| w.value.as_deref())
                        .unwrap_or("");
                    let instead = match sub {
                        "search" | "show" | "policy" | "depends" | "rdepends" | "showsrc" => {
                            "apt-cache"
                        }
                        _ => "apt-get",
                    };
                    let suggestion = if sub.is_empty() {
                        instead.to_owned()
                    } else {
                        format!("{instead} {sub}")
                    };
                    out.push(Finding::new(
                        &META,
                        run.source_span(name.span.clone()),
                        format!(
                            "use `{suggestion}` in scripts: `apt` has no stable command-line \
                             interface"
                        ),
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
        assert_documented_examples(&AptInsteadOfAptGet);
    }

    #[test]
    fn fires() {
        assert_fires(
            &AptInsteadOfAptGet,
            "FROM debian\nRUN apt install -y curl\n",
            &[2],
        );
        assert_fires(
            &AptInsteadOfAptGet,
            "FROM debian\nRUN sudo apt update\n",
            &[2],
        );
        assert_fires(
            &AptInsteadOfAptGet,
            "FROM debian\nRUN apt-get update \\\n && /usr/bin/apt install -y curl\n",
            &[3],
        );
        assert_fires(
            &AptInsteadOfAptGet,
            "FROM debian\nRUN <<EOF\napt update\nEOF\n",
            &[3],
        );
        assert_fires(
            &AptInsteadOfAptGet,
            "FROM debian AS build\nRUN apt install -y gcc\nFROM debian\n",
            &[2],
        );
        let found = findings(&AptInsteadOfAptGet, "FROM debian\nRUN apt search curl\n");
        assert!(
            found[0].1.starts_with("use `apt-cache search`"),
            "{found:?}"
        );
    }

    #[test]
    fn passes() {
        assert_clean(
            &AptInsteadOfAptGet,
            "FROM debian\nRUN apt-get install -y curl\n",
        );
        assert_clean(
            &AptInsteadOfAptGet,
            "FROM debian\nRUN apt-cache policy curl\n",
        );
        // `apt` as an argument is not the command.
        assert_clean(
            &AptInsteadOfAptGet,
            "FROM debian\nRUN echo apt && ls /etc/apt\n",
        );
        assert_clean(
            &AptInsteadOfAptGet,
            "FROM debian\nRUN [\"apt\", \"update\"]\n",
        );
        assert_clean(
            &AptInsteadOfAptGet,
            "FROM debian\nSHELL [\"pwsh\", \"-c\"]\nRUN apt update\n",
        );
    }
}
