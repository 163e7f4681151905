use super::install_without_yes::{subcommand, APT_VALUE_FLAGS};
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

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
          do not ship.",
    bad: "FROM debian:12.7\nRUN apt-get update && apt-get install -y curl \\\n    && rm -rf /var/lib/apt/lists/*\n",
    good: "FROM debian:12.7\nRUN apt-get update && apt-get install -y --no-install-recommends curl \\\n    && rm -rf /var/lib/apt/lists/*\n",
};

impl DockerfileRule for AptInstallRecommends {
    fn meta(&self) -> &'static RuleMeta {
        &META
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
                    out.push(Finding::new(
                        &META,
                        run.source_span(sub.span.clone()),
                        "`apt-get install` without `--no-install-recommends` also installs \
                         every recommended package",
                    ));
                }
            }
        }
    }
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
