use super::packages::{system_call, SystemManager};
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `apt-get update` (or `apk update`, `dnf makecache`, `zypper refresh`) in a RUN that
/// installs nothing after it: the package index lands in a layer of its own, which the build
/// cache keeps, so later installs read lists that go stale.
pub struct PackageIndexUpdateAlone;

static META: RuleMeta = RuleMeta {
    id: "SW1420",
    name: "package-index-update-alone",
    severity: Severity::Warning,
    category: Category::Hygiene,
    practice: 10,
    aliases: &["DS-0017", "DS017", "AVD-DS-0017", "CKV_DOCKER_5"],
    summary: "The package index is refreshed in a RUN that installs nothing after it.",
    why: "Docker caches each RUN by its text. `RUN apt-get update` on its own line is built \
          once and then reused for months, so a later `RUN apt-get install curl` reads that \
          old index: it installs outdated versions, or fails when the mirror has dropped them \
          (\"404 Not Found\"), and only on machines whose cache is old, which makes the failure \
          hard to reproduce. The index also stays in the image as a layer of its own. Refresh \
          and install in the same RUN (`apt-get update && apt-get install …`), and clean up \
          there too. Every stage is checked. Differs from trivy: `yum update`, `dnf update` and \
          `zypper update` upgrade packages rather than refresh an index, and are reported by \
          packages-upgraded-in-build instead; an install must come after the refresh in the \
          same RUN.",
    bad: "FROM debian:12.7\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8\n",
    good: "FROM debian:12.7\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n && rm -rf /var/lib/apt/lists/*\n",
};

impl DockerfileRule for PackageIndexUpdateAlone {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                let calls: Vec<_> = script.commands.iter().filter_map(system_call).collect();
                for (i, call) in calls.iter().enumerate() {
                    if !refreshes(call.manager, call.action()) {
                        continue;
                    }
                    let used = calls[i + 1..].iter().any(|later| {
                        later.manager == call.manager && installs(later.manager, later.action())
                    });
                    if used {
                        continue;
                    }
                    out.push(Finding::new(
                        &META,
                        run.source_span(call.sub.span.clone()),
                        format!(
                            "`{} {}` installs nothing after it in this RUN: its index is \
                             cached as a layer and later installs read stale lists; refresh \
                             and install in the same RUN",
                            call.tool,
                            call.action()
                        ),
                    ));
                }
            }
        }
    }
}

/// Downloads the repositories' index without installing anything.
fn refreshes(manager: SystemManager, action: &str) -> bool {
    match manager {
        SystemManager::Apt | SystemManager::Apk => action == "update",
        SystemManager::Rpm => action == "makecache",
        SystemManager::Zypper => matches!(action, "refresh" | "ref"),
    }
}

/// Installs or upgrades packages from the index.
fn installs(manager: SystemManager, action: &str) -> bool {
    match manager {
        SystemManager::Apt => matches!(
            action,
            "install"
                | "upgrade"
                | "dist-upgrade"
                | "full-upgrade"
                | "build-dep"
                | "source"
                | "reinstall"
                | "download"
                | "satisfy"
        ),
        SystemManager::Apk => matches!(action, "add" | "upgrade" | "fix" | "fetch"),
        SystemManager::Rpm => matches!(
            action,
            "install"
                | "update"
                | "upgrade"
                | "groupinstall"
                | "localinstall"
                | "reinstall"
                | "distro-sync"
                | "downgrade"
                | "module"
                | "group"
                | "builddep"
                | "download"
        ),
        SystemManager::Zypper => matches!(
            action,
            "install"
                | "in"
                | "update"
                | "up"
                | "dist-upgrade"
                | "dup"
                | "patch"
                | "source-install"
                | "si"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&PackageIndexUpdateAlone);
    }

    #[test]
    fn fires() {
        let r = &PackageIndexUpdateAlone;
        assert_fires(
            r,
            "FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\n",
            &[2],
        );
        assert_fires(r, "FROM debian\nRUN apt update\n", &[2]);
        assert_fires(r, "FROM alpine\nRUN apk update\n", &[2]);
        assert_fires(r, "FROM fedora\nRUN dnf makecache\n", &[2]);
        assert_fires(
            r,
            "FROM opensuse/leap\nRUN zypper --non-interactive refresh\n",
            &[2],
        );
        // An install before the refresh does not use it.
        assert_fires(
            r,
            "FROM debian\nRUN apt-get install -y curl && \\\n    apt-get update\n",
            &[3],
        );
        assert_fires(
            r,
            "FROM debian\nRUN apt-get update && rm -rf /var/lib/apt/lists/*\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM debian AS build\nRUN <<EOF\nset -e\napt-get update\nEOF\nFROM scratch\n",
            &[4],
        );
        assert_fires(r, "FROM debian\nRUN sudo apt-get update -qq\n", &[2]);
        // apk's index does not help apt.
        assert_fires(
            r,
            "FROM debian\nRUN apk update && apt-get install -y x\n",
            &[2],
        );
    }

    #[test]
    fn passes() {
        let r = &PackageIndexUpdateAlone;
        assert_clean(
            r,
            "FROM debian\nRUN apt-get update && apt-get install -y curl\n",
        );
        assert_clean(
            r,
            "FROM debian\nRUN apt-get update && apt install -y curl\n",
        );
        assert_clean(
            r,
            "FROM debian\nRUN apt-get update \\\n && apt-get upgrade -y\n",
        );
        assert_clean(
            r,
            "FROM debian\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n",
        );
        assert_clean(
            r,
            "FROM debian\nRUN sh -c 'apt-get update && apt-get install -y curl'\n",
        );
        assert_clean(r, "FROM alpine\nRUN apk update && apk add curl\n");
        assert_clean(r, "FROM alpine\nRUN apk add --update curl\n");
        assert_clean(r, "FROM fedora\nRUN dnf makecache && dnf install -y curl\n");
        assert_clean(
            r,
            "FROM opensuse/leap\nRUN zypper ref && zypper -n in curl\n",
        );
        assert_clean(r, "FROM centos\nRUN yum update -y\n");
        assert_clean(r, "FROM node\nRUN npm update\n");
    }
}
