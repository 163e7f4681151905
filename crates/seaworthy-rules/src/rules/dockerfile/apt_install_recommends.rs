use seaworthy_dockerfile::shell::Command;

use super::fixes_run::insert_after;
use super::install_without_yes::{subcommand, APT_VALUE_FLAGS};
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, Fix, FixKind, RuleMeta, Severity};

/// `apt-get install` without `--no-install-recommends` in a stage that ships: Debian and
/// Ubuntu then install every "recommended" package too, often tens of megabytes nobody asked
/// for.
pub struct AptInstallRecommends;

static META: RuleMeta = RuleMeta {
    id: "SW1401",
    name: "apt-install-recommends",
    severity: Severity::Info,
    category: Category::Hygiene,
    practice: 10,
    aliases: &["DL3015", "DS-0029", "DS029", "AVD-DS-0029"],
    summary: "`apt-get install` without `--no-install-recommends`.",
    why: "By default apt installs the packages a package recommends as well as the ones it \
          needs: documentation, extra locales, X11 libraries for a command-line tool. They \
          make the image larger, slower to pull and wider to attack, and nothing in the \
          Dockerfile says they are there. Only the stages the final image is built from are \
          checked: a build stage whose files are copied out does not ship its packages. \
          Differs from hadolint: DL3015 checks every stage; this rule skips the stages that \
          do not ship. `seaworthy fix --unsafe-fixes` adds `--no-install-recommends` after \
          `install` (and its `-y`); the fix is unsafe because software sometimes needs a \
          package it only recommends (`ca-certificates` for a TLS client, say), so the image \
          must be tested after it.",
    bad: "FROM debian:12.7\nRUN apt-get update && apt-get install -y curl \\\n    && rm -rf /var/lib/apt/lists/*\n",
    good: "FROM debian:12.7\nRUN apt-get update && apt-get install -y --no-install-recommends curl \\\n    && rm -rf /var/lib/apt/lists/*\n",
};

impl DockerfileRule for AptInstallRecommends {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn fix_kind(&self) -> FixKind {
        FixKind::Unsafe
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in cx.runtime_chain() {
            for step in &stage.steps {
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                for cmd in &script.commands {
                    if cmd.name_str() != Some("apt-get") {
                        continue;
                    }
                    let Some(sub) = subcommand(cmd, APT_VALUE_FLAGS) else {
                        continue;
                    };
                    if sub.value.as_deref() != Some("install") || skips_recommends(cmd) {
                        continue;
                    }
                    let mut finding = Finding::new(
                        &META,
                        run.source_span(sub.span.clone()),
                        "`apt-get install` without `--no-install-recommends` also installs \
                         every recommended package",
                    );
                    // After `install` and the `-y` that follows it, so that this fix and the
                    // one of install-without-yes give `install -y --no-install-recommends`
                    // in either order.
                    let yes = yes_switches_after(cmd, sub.span.start);
                    let after = yes.last().copied().unwrap_or(sub);
                    if let Some(edit) =
                        insert_after(cx.file, run, cmd, after, " --no-install-recommends")
                    {
                        if let Some(last) = yes.last() {
                            finding = finding.with_related(
                                run.source_span(last.span.clone()),
                                "`--no-install-recommends` goes after this switch",
                            );
                        }
                        finding = finding
                            .with_fix(Fix::unsafe_("add `--no-install-recommends`", vec![edit]));
                    }
                    out.push(finding);
                }
            }
        }
    }
}

/// The words right after the one at `start` that answer yes (`-y`, `--yes`, `-qy`), up to the
/// first word that does not.
fn yes_switches_after(cmd: &Command, start: usize) -> Vec<&seaworthy_dockerfile::shell::Word> {
    cmd.args
        .iter()
        .filter(|a| a.span.start > start)
        .take_while(|a| {
            a.value
                .as_deref()
                .is_some_and(|v| match v.strip_prefix('-') {
                    Some("-yes" | "-assume-yes") => true,
                    Some(c) => {
                        !c.is_empty()
                            && c.chars().all(|c| c.is_ascii_alphabetic())
                            && c.contains('y')
                    }
                    None => false,
                })
        })
        .collect()
}

fn skips_recommends(cmd: &seaworthy_dockerfile::shell::Command) -> bool {
    cmd.has_flag(None, Some("no-install-recommends"))
        || cmd.arg_values().flatten().any(|v| {
            let v = v.to_ascii_lowercase();
            v.contains("install-recommends=false") || v.contains("install-recommends=0")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&AptInstallRecommends);
    }

    #[test]
    fn fires() {
        assert_fires(
            &AptInstallRecommends,
            "FROM debian\nRUN apt-get install -y curl\n",
            &[2],
        );
        assert_fires(
            &AptInstallRecommends,
            "FROM debian\nRUN sudo apt-get -y install curl\n",
            &[2],
        );
        assert_fires(
            &AptInstallRecommends,
            "FROM debian\nRUN apt-get update \\\n && apt-get install -y \\\n    curl\n",
            &[3],
        );
        assert_fires(
            &AptInstallRecommends,
            "FROM debian\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n",
            &[4],
        );
        // A stage the final stage is built FROM ships its packages.
        assert_fires(
            &AptInstallRecommends,
            "FROM debian AS base\nRUN apt-get install -y curl\nFROM base\nCMD [\"curl\"]\n",
            &[2],
        );
    }

    #[test]
    fn fixes() {
        let r = &AptInstallRecommends;
        assert_fix(
            r,
            "FROM debian\nRUN apt-get install curl\n",
            "FROM debian\nRUN apt-get install --no-install-recommends curl\n",
            FixKind::Unsafe,
        );
        // After the `-y` that follows `install`, however it is spelled.
        assert_fix(
            r,
            "FROM debian\nRUN apt-get update && apt-get install -y curl && apt-get install --yes -q git\n",
            "FROM debian\nRUN apt-get update && apt-get install -y --no-install-recommends curl \
             && apt-get install --yes --no-install-recommends -q git\n",
            FixKind::Unsafe,
        );
        assert_fix(
            r,
            "FROM debian\nRUN sudo apt-get -o Acquire::Retries=3 install -qy curl\n",
            "FROM debian\nRUN sudo apt-get -o Acquire::Retries=3 install -qy --no-install-recommends curl\n",
            FixKind::Unsafe,
        );
        assert_fix(
            r,
            "FROM debian\r\nRUN apt-get update \\\r\n && apt-get install -y \\\r\n    curl\r\n",
            "FROM debian\r\nRUN apt-get update \\\r\n && apt-get install -y --no-install-recommends \\\r\n    curl\r\n",
            FixKind::Unsafe,
        );
        assert_fix(
            r,
            "FROM debian\nRUN <<EOF\napt-get update\napt-get install -y curl # client\nEOF\n",
            "FROM debian\nRUN <<EOF\napt-get update\napt-get install -y --no-install-recommends curl # client\nEOF\n",
            FixKind::Unsafe,
        );
        // The stage the final one is built FROM; the build stage is not reported.
        assert_fix(
            r,
            "FROM debian AS build\nRUN apt-get install -y gcc\nFROM debian AS base\n\
             RUN apt-get install -y curl\nFROM base\nCOPY --from=build /x /x\n",
            "FROM debian AS build\nRUN apt-get install -y gcc\nFROM debian AS base\n\
             RUN apt-get install -y --no-install-recommends curl\nFROM base\nCOPY --from=build /x /x\n",
            FixKind::Unsafe,
        );
    }

    #[test]
    fn no_fix_where_the_words_are_not_written_plainly() {
        let r = &AptInstallRecommends;
        assert_no_fix(r, "FROM debian\nRUN apt-get inst\\\nall curl\n");
        assert_no_fix(r, "FROM debian\nRUN apt-get install -\\\ny curl\n");
    }

    #[test]
    fn passes() {
        assert_clean(
            &AptInstallRecommends,
            "FROM debian\nRUN apt-get install -y --no-install-recommends curl\n",
        );
        assert_clean(
            &AptInstallRecommends,
            "FROM debian\nRUN apt-get install -y -o APT::Install-Recommends=false curl\n",
        );
        assert_clean(&AptInstallRecommends, "FROM debian\nRUN apt-get update\n");
        assert_clean(
            &AptInstallRecommends,
            "FROM debian\nRUN apt-get download curl\n",
        );
        // A build stage whose packages never reach the final image.
        assert_clean(
            &AptInstallRecommends,
            "FROM debian AS build\nRUN apt-get install -y gcc\nFROM debian:12.7\nCOPY --from=build /x /x\n",
        );
    }
}
