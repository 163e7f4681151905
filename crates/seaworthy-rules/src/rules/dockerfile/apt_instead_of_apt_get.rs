use super::install_without_yes::subcommand;
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Edit, Finding, Fix, RuleMeta, Severity};

/// `apt` in a RUN: its command-line interface is meant for people and may change; scripts
/// use `apt-get` and `apt-cache`.
///
/// The fix renames the command word `apt` (or `/usr/bin/apt`) to `apt-get` when the
/// subcommand means the same to both ([`SAME_IN_APT_GET`]) and the word is written plainly.
/// Not for `apt upgrade`, which also installs new dependencies where `apt-get upgrade` holds
/// packages back, nor for `list`, `search`, `show` and the other subcommands apt-get lacks,
/// nor for `full-upgrade` (apt-get's `dist-upgrade`: the subcommand word would change too).
pub struct AptInsteadOfAptGet;

/// Subcommands `apt` and `apt-get` share with the same meaning.
const SAME_IN_APT_GET: &[&str] = &[
    "update",
    "install",
    "remove",
    "purge",
    "autoremove",
    "dist-upgrade",
    "clean",
    "autoclean",
    "build-dep",
    "source",
    "download",
];

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
          `apt-get` and `apt-cache` are the stable, scriptable interfaces. `seaworthy fix` \
          renames `apt` to `apt-get` for the subcommands both have with the same meaning \
          (`install`, `update`, `remove`, ...), not for `apt upgrade`, which differs.",
    bad: "FROM debian:12.7\nRUN apt update && apt install -y curl\n",
    good: "FROM debian:12.7\nRUN apt-get update && apt-get install -y curl\n",
};

impl DockerfileRule for AptInsteadOfAptGet {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn fix_kind(&self) -> crate::FixKind {
        crate::FixKind::Safe
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
                    let span = run.source_span(name.span.clone());
                    let mut finding = Finding::new(
                        &META,
                        span,
                        format!(
                            "use `{suggestion}` in scripts: `apt` has no stable command-line \
                             interface"
                        ),
                    );
                    let plain = name.value.as_deref() == Some(name.raw.as_str())
                        && name.raw.ends_with("apt")
                        && cx.file.slice(span) == name.raw;
                    if plain && SAME_IN_APT_GET.contains(&sub) {
                        let edit = Edit::replace(span, format!("{}-get", name.raw));
                        finding = finding.with_fix(Fix::safe("write `apt-get`", vec![edit]));
                    }
                    out.push(finding);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use crate::FixKind;

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
    fn fix_renames_the_command() {
        let rule = &AptInsteadOfAptGet;
        assert_fix(
            rule,
            "FROM debian\nRUN apt update && apt install -y curl\n",
            "FROM debian\nRUN apt-get update && apt-get install -y curl\n",
            FixKind::Safe,
        );
        // Options before the subcommand, a path, sudo, continuation lines and comments, CRLF.
        assert_fix(
            rule,
            "FROM debian\r\nRUN apt -o Acquire::Retries=3 update \\\r\n# then\r\n && sudo /usr/bin/apt \\\r\n    purge -y vim\r\n",
            "FROM debian\r\nRUN apt-get -o Acquire::Retries=3 update \\\r\n# then\r\n && sudo /usr/bin/apt-get \\\r\n    purge -y vim\r\n",
            FixKind::Safe,
        );
        // A heredoc script, a nested shell, a build stage.
        assert_fix(
            rule,
            "FROM debian AS build\nRUN <<EOF\nset -e\napt-get update\napt autoremove -y\nEOF\n\
             FROM debian\nRUN sh -c 'apt clean'\n",
            "FROM debian AS build\nRUN <<EOF\nset -e\napt-get update\napt-get autoremove -y\nEOF\n\
             FROM debian\nRUN sh -c 'apt-get clean'\n",
            FixKind::Safe,
        );
        // The backtick escape directive.
        assert_fix(
            rule,
            "# escape=`\nFROM debian\nRUN apt update `\n && apt install -y curl\n",
            "# escape=`\nFROM debian\nRUN apt-get update `\n && apt-get install -y curl\n",
            FixKind::Safe,
        );
        // Only the subcommands that mean the same are renamed.
        let (got, _) = fixed(
            rule,
            "FROM debian\nRUN apt update && apt list --installed && apt install -y curl\n",
        );
        assert_eq!(
            got,
            "FROM debian\nRUN apt-get update && apt list --installed && apt-get install -y curl\n"
        );
    }

    #[test]
    fn no_fix_where_apt_get_differs_or_the_word_is_not_plain() {
        let rule = &AptInsteadOfAptGet;
        // apt-get has no such subcommand, or a different meaning for it.
        assert_no_fix(rule, "FROM debian\nRUN apt list --installed\n");
        assert_no_fix(rule, "FROM debian\nRUN apt search curl\n");
        assert_no_fix(rule, "FROM debian\nRUN apt show curl\n");
        assert_no_fix(rule, "FROM debian\nRUN apt upgrade -y\n");
        assert_no_fix(rule, "FROM debian\nRUN apt full-upgrade -y\n");
        // No subcommand, or one a variable gives.
        assert_no_fix(rule, "FROM debian\nRUN apt\n");
        assert_no_fix(rule, "FROM debian\nARG OP=install\nRUN apt $OP -y curl\n");
        // The command word is quoted, escaped or split by a continuation.
        assert_no_fix(rule, "FROM debian\nRUN 'apt' update\n");
        assert_no_fix(rule, "FROM debian\nRUN \\apt update\n");
        assert_no_fix(rule, "FROM debian\nRUN ap\\\nt update\n");
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
