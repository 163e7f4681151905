use seaworthy_dockerfile::shell::{Command, Word};

use super::fixes_run::{insert_after, insert_before};
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, Fix, FixKind, RuleMeta, Severity};

/// `apt-get`, `yum`, `dnf` or `zypper` installs (or upgrades, or removes) without the switch
/// that answers its confirmation prompt. A build has no terminal, so the prompt reads end of
/// input, answers "no" and the `RUN` fails.
pub struct InstallWithoutYes;

static META: RuleMeta = RuleMeta {
    id: "SW1400",
    name: "install-without-yes",
    severity: Severity::Warning,
    category: Category::Hygiene,
    practice: 10,
    aliases: &[
        "DL3014",
        "DL3030",
        "DL3034",
        "DL3038",
        "DS-0021",
        "DS021",
        "AVD-DS-0021",
    ],
    summary: "A package manager runs without `-y` (zypper: `-n`) and will stop at its prompt.",
    why: "`apt-get install`, `yum install`, `dnf install` and `zypper install` ask \"Do you want \
          to continue?\" whenever they would install more than was named. A build has no \
          terminal: the prompt reads end of input, the answer is no, and the build fails, \
          often only later, when a dependency changes. Pass the non-interactive switch every \
          time. apk never prompts and is not checked. Differs from hadolint: microdnf is held \
          to `-y` for every subcommand that asks (install, update, remove, …): since microdnf \
          3.10 it asks \"Is this ok [y/N]\" and a build without `-y` hangs or fails; upgrades \
          and removals are checked as well as installs, and `yes | apt-get install` and \
          `apt-get -qq` (which implies `-y`) pass. `seaworthy fix` adds `-y` right after the \
          subcommand (for zypper, `-n` before it), which answers the prompt as a person would.",
    bad: "FROM debian:12.7\nRUN apt-get update && apt-get install curl\n",
    good: "FROM debian:12.7\nRUN apt-get update && apt-get install -y curl\n",
};

impl DockerfileRule for InstallWithoutYes {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn fix_kind(&self) -> FixKind {
        FixKind::Safe
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                for (i, cmd) in script.commands.iter().enumerate() {
                    let Some((tool, sub)) = prompting_subcommand(cmd) else {
                        continue;
                    };
                    if answers_yes(tool, cmd) || fed_by_yes(script, i) {
                        continue;
                    }
                    let switch = if tool == "zypper" { "-n" } else { "-y" };
                    let span = run.source_span(sub.span.clone());
                    let mut finding = Finding::new(
                        &META,
                        span,
                        format!(
                            "`{tool} {}` without `{switch}` stops at its confirmation prompt \
                             and fails the build",
                            &run.text[sub.span.clone()]
                        ),
                    );
                    // zypper takes `-n` (`--non-interactive`) before its subcommand.
                    let edit = if tool == "zypper" {
                        insert_before(cx.file, run, cmd, sub, "-n ")
                    } else {
                        insert_after(cx.file, run, cmd, sub, " -y")
                    };
                    if let Some(edit) = edit {
                        finding =
                            finding.with_fix(Fix::safe(format!("add `{switch}`"), vec![edit]));
                    }
                    out.push(finding);
                }
            }
        }
    }
}

/// For a package manager command that prompts: its name and its subcommand word.
fn prompting_subcommand(cmd: &Command) -> Option<(&str, &Word)> {
    let tool = cmd.name_str()?;
    let (value_flags, prompting): (&[&str], &[&str]) = match tool {
        "apt-get" => (
            APT_VALUE_FLAGS,
            &[
                "install",
                "upgrade",
                "dist-upgrade",
                "full-upgrade",
                "remove",
                "purge",
                "autoremove",
                "build-dep",
                "reinstall",
            ],
        ),
        "yum" | "dnf" | "dnf5" | "microdnf" => (
            &[
                "-c",
                "--config",
                "--setopt",
                "--releasever",
                "--installroot",
                "-d",
                "-e",
                "-x",
                "--exclude",
            ],
            &[
                "install",
                "groupinstall",
                "localinstall",
                "reinstall",
                "update",
                "upgrade",
                "remove",
                "erase",
                "autoremove",
                "downgrade",
                "distro-sync",
                "swap",
            ],
        ),
        "zypper" => (
            &["-c", "--config", "-R", "--root", "--installroot"],
            &[
                "install",
                "in",
                "remove",
                "rm",
                "source-install",
                "si",
                "patch",
                "update",
                "up",
                "dist-upgrade",
                "dup",
            ],
        ),
        _ => return None,
    };
    let word = subcommand(cmd, value_flags)?;
    let value = word.value.as_deref()?;
    prompting.contains(&value).then_some((tool, word))
}

/// apt-get options that take their value as the next word.
pub(super) const APT_VALUE_FLAGS: &[&str] = &[
    "-o",
    "--option",
    "-c",
    "--config-file",
    "-t",
    "--target-release",
];

/// The first argument that is not an option (or an option's value): the subcommand.
pub(super) fn subcommand<'c>(
    cmd: &'c Command,
    value_flags: &[&str],
) -> Option<&'c seaworthy_dockerfile::shell::Word> {
    let mut skip = false;
    for arg in &cmd.args {
        if skip {
            skip = false;
            continue;
        }
        let value = arg.value.as_deref()?;
        if value.starts_with('-') {
            skip = value_flags.contains(&value);
            continue;
        }
        return Some(arg);
    }
    None
}

fn answers_yes(tool: &str, cmd: &Command) -> bool {
    let values: Vec<&str> = cmd.arg_values().flatten().collect();
    match tool {
        "zypper" => {
            cmd.has_flag(Some('n'), Some("non-interactive"))
                || cmd.has_flag(Some('y'), Some("no-confirm"))
        }
        "apt-get" => {
            // `-qq` (quiet level 2) implies `-y`, and so does the config option.
            let quiet: usize = values
                .iter()
                .map(|v| match v.strip_prefix('-') {
                    Some("-quiet") => 1,
                    Some(c) if c.chars().all(|c| c.is_ascii_alphanumeric()) => {
                        c.matches('q').count()
                    }
                    _ => 0,
                })
                .sum();
            cmd.has_flag(Some('y'), Some("yes"))
                || cmd.has_flag(None, Some("assume-yes"))
                || quiet >= 2
                || values.iter().any(|v| {
                    matches!(*v, "-q=2" | "--quiet=2")
                        || v.to_ascii_lowercase().contains("assume-yes=true")
                })
        }
        _ => cmd.has_flag(Some('y'), Some("assumeyes")) || cmd.has_flag(None, Some("yes")),
    }
}

/// `yes | apt-get install …`: the answers come from the pipe.
fn fed_by_yes(script: &seaworthy_dockerfile::shell::Script, index: usize) -> bool {
    let cmd = &script.commands[index];
    let Some(p) = cmd.pipeline else { return false };
    script.pipelines()[p].commands.iter().any(|&j| {
        let other = &script.commands[j];
        other.position_in_pipeline < cmd.position_in_pipeline && other.name_str() == Some("yes")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&InstallWithoutYes);
    }

    #[test]
    fn fires() {
        assert_fires(
            &InstallWithoutYes,
            "FROM debian\nRUN apt-get install curl\n",
            &[2],
        );
        assert_fires(
            &InstallWithoutYes,
            "FROM debian\nRUN sudo apt-get install curl\n",
            &[2],
        );
        // Continuation lines: the finding is on the subcommand's line.
        assert_fires(
            &InstallWithoutYes,
            "FROM debian\nRUN apt-get update && \\\n    apt-get -q install \\\n      curl\n",
            &[3],
        );
        assert_fires(
            &InstallWithoutYes,
            "FROM debian\nRUN <<EOF\nset -e\napt-get update\napt-get install git\nEOF\n",
            &[5],
        );
        assert_fires(
            &InstallWithoutYes,
            "FROM fedora\nRUN dnf install git\n",
            &[2],
        );
        assert_fires(
            &InstallWithoutYes,
            "FROM centos\nRUN yum install -q git\n",
            &[2],
        );
        assert_fires(
            &InstallWithoutYes,
            "FROM opensuse/leap\nRUN zypper install git\n",
            &[2],
        );
        assert_fires(
            &InstallWithoutYes,
            "FROM debian AS build\nRUN apt-get -o Dpkg::Options::=--force-confnew install gcc\nFROM debian\n",
            &[2],
        );
        // microdnf 3.10 and later ask "Is this ok [y/N]" and wait on the build's empty input.
        assert_fires(
            &InstallWithoutYes,
            "FROM registry.access.redhat.com/ubi9/ubi-minimal\nRUN microdnf install git \\\n && microdnf update \\\n && microdnf clean all\n",
            &[2, 3],
        );
        let found = findings(
            &InstallWithoutYes,
            "FROM debian\nRUN apt-get install curl\n",
        );
        assert!(
            found[0].1.contains("`apt-get install` without `-y`"),
            "{found:?}"
        );
    }

    #[test]
    fn fixes() {
        let r = &InstallWithoutYes;
        assert_fix(
            r,
            "FROM debian\nRUN apt-get update && apt-get install curl\n",
            "FROM debian\nRUN apt-get update && apt-get install -y curl\n",
            FixKind::Safe,
        );
        assert_fix(
            r,
            "FROM debian\nRUN apt-get update && \\\n    apt-get -q install \\\n      curl\n",
            "FROM debian\nRUN apt-get update && \\\n    apt-get -q install -y \\\n      curl\n",
            FixKind::Safe,
        );
        assert_fix(
            r,
            "FROM debian\r\nRUN apt-get install curl # the client\r\n",
            "FROM debian\r\nRUN apt-get install -y curl # the client\r\n",
            FixKind::Safe,
        );
        assert_fix(
            r,
            "# escape=`\nFROM debian\nRUN apt-get update `\n && apt-get install `\n    curl\n",
            "# escape=`\nFROM debian\nRUN apt-get update `\n && apt-get install -y `\n    curl\n",
            FixKind::Safe,
        );
        // Every prompting command of a RUN, in a heredoc too.
        assert_fix(
            r,
            "FROM fedora-minimal\nRUN microdnf install git \\\n && microdnf update \\\n && microdnf clean all\n",
            "FROM fedora-minimal\nRUN microdnf install -y git \\\n && microdnf update -y \\\n && microdnf clean all\n",
            FixKind::Safe,
        );
        assert_fix(
            r,
            "FROM debian\nRUN <<EOF\nset -e\napt-get update\napt-get install git\nEOF\n",
            "FROM debian\nRUN <<EOF\nset -e\napt-get update\napt-get install -y git\nEOF\n",
            FixKind::Safe,
        );
        // Multi-stage, options before the subcommand, wrappers and nested shells.
        assert_fix(
            r,
            "FROM debian AS build\nRUN apt-get -o Dpkg::Options::=--force-confnew install gcc\n\
             FROM centos\nRUN sudo yum install -q git && sh -c 'dnf remove vim'\n",
            "FROM debian AS build\nRUN apt-get -o Dpkg::Options::=--force-confnew install -y gcc\n\
             FROM centos\nRUN sudo yum install -y -q git && sh -c 'dnf remove -y vim'\n",
            FixKind::Safe,
        );
        // A quoted subcommand is still one word.
        assert_fix(
            r,
            "FROM debian\nRUN apt-get 'install' curl\n",
            "FROM debian\nRUN apt-get 'install' -y curl\n",
            FixKind::Safe,
        );
        // zypper's switch goes before the subcommand.
        assert_fix(
            r,
            "FROM opensuse/leap\nRUN zypper --root /target in git\n",
            "FROM opensuse/leap\nRUN zypper --root /target -n in git\n",
            FixKind::Safe,
        );
    }

    #[test]
    fn no_fix_where_the_subcommand_is_not_written_plainly() {
        let r = &InstallWithoutYes;
        // Split by a line continuation.
        assert_no_fix(r, "FROM debian\nRUN apt-get inst\\\nall curl\n");
        // A script the shell parser cannot fully read.
        assert_no_fix(
            r,
            "FROM debian\nRUN apt-get install curl && if true; then\n",
        );
    }

    #[test]
    fn passes() {
        assert_clean(
            &InstallWithoutYes,
            "FROM debian\nRUN apt-get install -y curl\n",
        );
        assert_clean(
            &InstallWithoutYes,
            "FROM debian\nRUN apt-get install --yes curl\n",
        );
        assert_clean(
            &InstallWithoutYes,
            "FROM debian\nRUN apt-get -qy install curl\n",
        );
        assert_clean(
            &InstallWithoutYes,
            "FROM debian\nRUN apt-get -qq install curl\n",
        );
        assert_clean(
            &InstallWithoutYes,
            "FROM debian\nRUN apt-get install --assume-yes curl\n",
        );
        assert_clean(
            &InstallWithoutYes,
            "FROM debian\nRUN yes | apt-get install curl\n",
        );
        assert_clean(
            &InstallWithoutYes,
            "FROM debian\nRUN sudo apt-get -y install curl\n",
        );
        assert_clean(&InstallWithoutYes, "FROM debian\nRUN apt-get update\n");
        assert_clean(
            &InstallWithoutYes,
            "FROM fedora\nRUN dnf -y install git && dnf clean all\n",
        );
        assert_clean(
            &InstallWithoutYes,
            "FROM opensuse/leap\nRUN zypper -n install git\n",
        );
        assert_clean(
            &InstallWithoutYes,
            "FROM opensuse/leap\nRUN zypper in -y git\n",
        );
        assert_clean(
            &InstallWithoutYes,
            "FROM fedora-minimal\nRUN microdnf install -y git && microdnf --assumeyes update\n",
        );
        assert_clean(
            &InstallWithoutYes,
            "FROM fedora-minimal\nRUN microdnf clean all && microdnf repolist\n",
        );
        assert_clean(
            &InstallWithoutYes,
            "FROM debian\nRUN [\"apt-get\", \"install\", \"-y\", \"curl\"]\n",
        );
    }
}
