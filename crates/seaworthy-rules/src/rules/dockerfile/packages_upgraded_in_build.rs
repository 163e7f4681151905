use super::packages::{system_call, SystemManager};
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `apt-get upgrade`, `apk upgrade`, `dnf upgrade` or `zypper update` with no package named:
/// every installed package moves to the version the repositories serve that day.
pub struct PackagesUpgradedInBuild;

static META: RuleMeta = RuleMeta {
    id: "SW1213",
    name: "packages-upgraded-in-build",
    severity: Severity::Info,
    category: Category::Supply,
    practice: 22,
    aliases: &[],
    summary: "Every installed package is upgraded during the build (`apt-get upgrade`, \
              `apk upgrade`, `dnf upgrade`, `zypper update`).",
    why: "Upgrading all packages in a RUN gets security fixes into the image, but makes what \
          the image contains depend on the day it was built rather than on the Dockerfile: two \
          builds of the same commit differ, the layer duplicates much of the base image, and \
          a change in the repositories can break a build nobody touched. The reproducible way \
          to get fixes is a base image pinned by tag or digest and rebuilt regularly (a bot \
          that bumps the pin, a scheduled CI build): the fix arrives as a reviewed change. \
          Upgrading named packages (`apt-get install --only-upgrade openssl`, `apk upgrade \
          openssl`) to close one known vulnerability is not reported. hadolint retired its \
          rules for this, since upgrading in a Dockerfile is common advice; it stays here as \
          information for teams that want reproducible images. Every stage is checked.",
    bad: "FROM debian:12.7\nRUN apt-get update && apt-get upgrade -y \\\n && rm -rf /var/lib/apt/lists/*\n",
    good: "# debian:12.8 is the newest point release; a bot bumps this line when a new one ships.\n\
           FROM debian:12.8-slim\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends ca-certificates=20230311 \\\n && rm -rf /var/lib/apt/lists/*\n",
};

impl DockerfileRule for PackagesUpgradedInBuild {
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
                    let upgrades = match call.manager {
                        SystemManager::Apt | SystemManager::Apk => action == "upgrade",
                        SystemManager::Rpm => matches!(
                            action,
                            "update" | "upgrade" | "update-minimal" | "upgrade-minimal"
                        ),
                        SystemManager::Zypper => matches!(action, "update" | "up" | "patch"),
                    };
                    if !upgrades || !call.operands.is_empty() {
                        continue;
                    }
                    out.push(Finding::new(
                        &META,
                        run.source_span(call.sub.span.clone()),
                        format!(
                            "`{} {action}` upgrades every installed package to whatever the \
                             repositories hold on the day of the build; rebuild on a newer \
                             pinned base image instead",
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
        assert_documented_examples(&PackagesUpgradedInBuild);
    }

    #[test]
    fn fires() {
        let r = &PackagesUpgradedInBuild;
        assert_fires(r, "FROM debian\nRUN apt-get upgrade -y\n", &[2]);
        assert_fires(
            r,
            "FROM debian\nRUN apt-get update \\\n && apt-get -y upgrade \\\n && rm -rf /var/lib/apt/lists/*\n",
            &[3],
        );
        assert_fires(r, "FROM debian\nRUN apt upgrade -y\n", &[2]);
        assert_fires(r, "FROM alpine\nRUN apk upgrade --no-cache\n", &[2]);
        assert_fires(r, "FROM alpine\nRUN apk --update upgrade\n", &[2]);
        assert_fires(r, "FROM centos\nRUN yum update -y && yum clean all\n", &[2]);
        assert_fires(r, "FROM fedora\nRUN dnf -y upgrade --refresh\n", &[2]);
        assert_fires(r, "FROM ubi-minimal\nRUN microdnf update -y\n", &[2]);
        assert_fires(r, "FROM opensuse/leap\nRUN zypper -n up\n", &[2]);
        assert_fires(r, "FROM opensuse/leap\nRUN zypper -n patch\n", &[2]);
        assert_fires(
            r,
            "FROM debian AS build\nRUN <<EOF\napt-get update\napt-get upgrade -y\nEOF\nFROM scratch\n",
            &[4],
        );
        assert_fires(r, "FROM debian\nRUN sudo apt-get upgrade -y\n", &[2]);
    }

    #[test]
    fn passes() {
        let r = &PackagesUpgradedInBuild;
        assert_clean(r, "FROM alpine\nRUN apk upgrade --no-cache openssl\n");
        assert_clean(r, "FROM centos\nRUN yum update -y openssl\n");
        assert_clean(
            r,
            "FROM debian\nRUN apt-get install -y --only-upgrade openssl\n",
        );
        assert_clean(r, "FROM debian\nRUN apt-get update\n");
        assert_clean(r, "FROM alpine\nRUN apk update\n");
        assert_clean(r, "FROM debian\nRUN apt-get dist-upgrade -y\n");
        assert_clean(r, "FROM node\nRUN npm update\n");
    }
}
