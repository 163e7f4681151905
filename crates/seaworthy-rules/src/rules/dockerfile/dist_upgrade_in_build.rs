use super::packages::{system_call, SystemManager};
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `zypper dist-upgrade`, `apt-get dist-upgrade`/`full-upgrade` or `dnf distro-sync` in a
/// build: the image moves to whatever the distribution's repositories hold that day, removing
/// and replacing packages as it goes.
pub struct DistUpgradeInBuild;

static META: RuleMeta = RuleMeta {
    id: "SW1212",
    name: "dist-upgrade-in-build",
    severity: Severity::Warning,
    category: Category::Supply,
    practice: 22,
    aliases: &["DL3035", "DS-0024", "DS024", "AVD-DS-0024"],
    summary: "A distribution upgrade (`dist-upgrade`, `full-upgrade`, `dup`, `distro-sync`) runs \
              in the build.",
    why: "A distribution upgrade is allowed to install new packages, remove installed ones and \
          change versions across the whole system (`zypper dup` can even switch to the next \
          release). Run in a Dockerfile, it makes the image depend on the day of the build \
          rather than on the base image the FROM line names: the same commit builds into \
          different systems, and a change in the repositories can break the build or the \
          application without any change to the repository. Pick a newer base image (pinned, \
          and rebuilt when it is updated) instead. Every stage is checked. Differs from \
          trivy: the plain `apt-get dist-upgrade` (which trivy's pattern misses) and \
          `full-upgrade`, `apt`, and `dnf`/`yum distro-sync` are reported too.",
    bad: "FROM opensuse/leap:15.6\nRUN zypper --non-interactive dist-upgrade\n",
    good: "FROM opensuse/leap:15.6\nRUN zypper --non-interactive install curl=8.6.0 \\\n && zypper clean --all\n",
};

impl DockerfileRule for DistUpgradeInBuild {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                for cmd in &script.commands {
                    let Some(call) = system_call(cmd) else {
                        continue;
                    };
                    let action = call.action();
                    let upgrades_distribution = match call.manager {
                        SystemManager::Apt => matches!(action, "dist-upgrade" | "full-upgrade"),
                        SystemManager::Zypper => matches!(action, "dist-upgrade" | "dup"),
                        SystemManager::Rpm => matches!(
                            action,
                            "distro-sync" | "distribution-synchronization" | "dsync"
                        ),
                        SystemManager::Apk => false,
                    };
                    if !upgrades_distribution {
                        continue;
                    }
                    out.push(Finding::new(
                        &META,
                        run.source_span(call.sub.span.clone()),
                        format!(
                            "`{} {action}` upgrades the whole distribution during the build; \
                             use a newer pinned base image instead",
                            call.tool
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
        assert_documented_examples(&DistUpgradeInBuild);
    }

    #[test]
    fn fires() {
        let r = &DistUpgradeInBuild;
        assert_fires(r, "FROM opensuse/leap\nRUN zypper dup -y\n", &[2]);
        assert_fires(r, "FROM opensuse/leap\nRUN zypper -n dist-upgrade\n", &[2]);
        assert_fires(r, "FROM debian\nRUN apt-get dist-upgrade -y\n", &[2]);
        assert_fires(
            r,
            "FROM debian\nRUN apt-get update \\\n && apt-get -y dist-upgrade\n",
            &[3],
        );
        assert_fires(r, "FROM debian\nRUN apt full-upgrade -y\n", &[2]);
        assert_fires(r, "FROM fedora\nRUN dnf distro-sync -y\n", &[2]);
        assert_fires(r, "FROM debian\nRUN sudo apt-get -qq dist-upgrade\n", &[2]);
        assert_fires(
            r,
            "FROM debian AS build\nRUN <<EOF\napt-get update\napt-get dist-upgrade -y\nEOF\nFROM scratch\n",
            &[4],
        );
        assert_fires(
            r,
            "FROM debian\nRUN bash -c \"apt-get update && apt-get dist-upgrade -y\"\n",
            &[2],
        );
    }

    #[test]
    fn passes() {
        let r = &DistUpgradeInBuild;
        assert_clean(r, "FROM debian\nRUN apt-get upgrade -y\n");
        assert_clean(r, "FROM opensuse/leap\nRUN zypper up -y\n");
        assert_clean(r, "FROM debian\nRUN apt-get install -y dist-upgrade\n");
        assert_clean(r, "FROM debian\nRUN echo apt-get dist-upgrade\n");
        assert_clean(r, "FROM alpine\nRUN apk upgrade --no-cache\n");
    }
}
