use seaworthy_dockerfile::shell::Command;
use seaworthy_dockerfile::Span;

use super::apt_lists_not_removed::removes_lists;
use super::install_without_yes::{subcommand, APT_VALUE_FLAGS};
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A `RUN` cleans up after a package manager (`rm -rf /var/lib/apt/lists/*`, `apt-get clean`,
/// `dnf clean all`, `rm -rf /var/cache/apk/*`, `pip cache purge`) that installed in an
/// *earlier* `RUN` of the image: the files are still in the earlier layer, so the image does
/// not get smaller.
pub struct CleanupInLaterLayer;

static META: RuleMeta = RuleMeta {
    id: "SW1407",
    name: "cleanup-in-later-layer",
    severity: Severity::Info,
    category: Category::Hygiene,
    practice: 10,
    aliases: &[],
    summary: "A cache is cleaned in a later RUN than the install, which does not shrink the image.",
    why: "Each RUN is a layer, and a layer only adds to the ones below it: deleting files that \
          an earlier RUN wrote marks them as hidden but leaves their bytes in the image, which \
          is pulled and stored in full. The cleanup looks like it works (the files are gone in \
          the container) and does nothing for size. Move it into the RUN that installs. Only \
          the stages the final image is built from are checked.",
    bad: "FROM debian:12.7\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n\
          RUN rm -rf /var/lib/apt/lists/*\n",
    good: "FROM debian:12.7\nRUN apt-get update && apt-get install -y --no-install-recommends curl \\\n    \
           && rm -rf /var/lib/apt/lists/*\n",
};

/// Package managers whose caches a later RUN might try to clean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Manager {
    Apt,
    Apk,
    Yum,
    Zypper,
    Pip,
}

impl DockerfileRule for CleanupInLaterLayer {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let mut installed_before: Vec<(Manager, Span)> = Vec::new();
        // From the bottom of the chain up: a parent stage's layers are below its child's.
        for stage in cx.runtime_chain().into_iter().rev() {
            for step in &stage.steps {
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                let installs: Vec<(Manager, Span)> = script
                    .commands
                    .iter()
                    .filter_map(|c| {
                        Some((
                            installs_with(c)?,
                            run.source_span(c.name.as_ref()?.span.clone()),
                        ))
                    })
                    .collect();
                for cmd in &script.commands {
                    let Some(manager) = cleans_up(cmd) else {
                        continue;
                    };
                    if installs.iter().any(|(m, _)| *m == manager) {
                        continue;
                    }
                    let Some((_, installed)) = installed_before.iter().find(|(m, _)| *m == manager)
                    else {
                        continue;
                    };
                    let Some(name) = &cmd.name else { continue };
                    out.push(
                        Finding::new(
                            &META,
                            run.source_span(name.span.clone()),
                            format!(
                                "this cleanup runs in a later RUN than the {} install, so the \
                             files stay in the earlier layer and the image does not shrink; \
                             clean up in the RUN that installs",
                                manager.as_str()
                            ),
                        )
                        .with_related(*installed, "installed in this earlier layer"),
                    );
                }
                installed_before.extend(installs);
            }
        }
    }
}

impl Manager {
    fn as_str(self) -> &'static str {
        match self {
            Manager::Apt => "apt",
            Manager::Apk => "apk",
            Manager::Yum => "yum/dnf",
            Manager::Zypper => "zypper",
            Manager::Pip => "pip",
        }
    }
}

fn sub(cmd: &Command) -> &str {
    subcommand(cmd, APT_VALUE_FLAGS)
        .and_then(|w| w.value.as_deref())
        .unwrap_or("")
}

fn installs_with(cmd: &Command) -> Option<Manager> {
    let name = cmd.name_str()?;
    let s = sub(cmd);
    match name {
        "apt-get" | "apt" if matches!(s, "update" | "install" | "upgrade" | "dist-upgrade") => {
            Some(Manager::Apt)
        }
        "apk" if matches!(s, "add" | "update" | "upgrade") => Some(Manager::Apk),
        "yum" | "dnf" | "dnf5" | "microdnf" | "tdnf"
            if matches!(
                s,
                "install" | "update" | "upgrade" | "makecache" | "groupinstall"
            ) =>
        {
            Some(Manager::Yum)
        }
        "zypper" if matches!(s, "install" | "in" | "update" | "up" | "refresh" | "ref") => {
            Some(Manager::Zypper)
        }
        n if n.starts_with("pip") && s == "install" => Some(Manager::Pip),
        _ => None,
    }
}

fn cleans_up(cmd: &Command) -> Option<Manager> {
    let name = cmd.name_str()?;
    let s = sub(cmd);
    let removes = |dirs: &[&str]| {
        cmd.arg_values().flatten().any(|v| {
            let v = v.trim_end_matches(['/', '*']);
            dirs.iter()
                .any(|d| v == *d || (d.starts_with('~') && v.ends_with(&d[1..])))
        })
    };
    match name {
        "rm" if removes_lists(cmd) || removes(&["/var/cache/apt"]) => Some(Manager::Apt),
        "rm" if removes(&["/var/cache/apk", "/etc/apk/cache"]) => Some(Manager::Apk),
        "rm" if removes(&["/var/cache/yum", "/var/cache/dnf", "/var/cache/libdnf5"]) => {
            Some(Manager::Yum)
        }
        "rm" if removes(&["/var/cache/zypp"]) => Some(Manager::Zypper),
        "rm" if removes(&[
            "/root/.cache/pip",
            "/root/.cache",
            "~/.cache/pip",
            "~/.cache",
        ]) =>
        {
            Some(Manager::Pip)
        }
        "apt-get" | "apt" if matches!(s, "clean" | "autoclean") => Some(Manager::Apt),
        "yum" | "dnf" | "dnf5" | "microdnf" | "tdnf" if s == "clean" => Some(Manager::Yum),
        "zypper" if matches!(s, "clean" | "cc") => Some(Manager::Zypper),
        n if n.starts_with("pip") && s == "cache" => Some(Manager::Pip),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&CleanupInLaterLayer);
    }

    #[test]
    fn fires() {
        assert_fires(
            &CleanupInLaterLayer,
            "FROM debian\nRUN apt-get update\nRUN apt-get clean \\\n && rm -rf /var/lib/apt/lists/*\n",
            &[3, 4],
        );
        assert_fires(
            &CleanupInLaterLayer,
            "FROM fedora\nRUN dnf -y install git\nRUN <<EOF\ndnf clean all\nEOF\n",
            &[4],
        );
        assert_fires(
            &CleanupInLaterLayer,
            "FROM alpine\nRUN apk add curl\nRUN sudo rm -rf /var/cache/apk/*\n",
            &[3],
        );
        assert_fires(
            &CleanupInLaterLayer,
            "FROM python\nRUN pip install flask\nRUN pip cache purge\n",
            &[3],
        );
        // The parent stage's layers are under the child's.
        assert_fires(
            &CleanupInLaterLayer,
            "FROM debian AS base\nRUN apt-get update\nFROM base\nRUN rm -rf /var/lib/apt/lists/*\n",
            &[4],
        );
    }

    #[test]
    fn passes() {
        assert_clean(
            &CleanupInLaterLayer,
            "FROM debian\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
        );
        // A RUN that installs again and cleans its own files.
        assert_clean(
            &CleanupInLaterLayer,
            "FROM debian\nRUN apt-get update\nRUN apt-get update && apt-get install -y x && apt-get clean\n",
        );
        // Nothing installed before: defensive cleanup of the base image's files.
        assert_clean(
            &CleanupInLaterLayer,
            "FROM debian\nRUN rm -rf /var/lib/apt/lists/*\n",
        );
        assert_clean(
            &CleanupInLaterLayer,
            "FROM alpine\nRUN apk add --no-cache curl\nRUN rm -rf /tmp/*\n",
        );
        // Separate stages: the build stage's layers do not ship.
        assert_clean(
            &CleanupInLaterLayer,
            "FROM debian AS build\nRUN apt-get update\nFROM debian\nRUN rm -rf /var/lib/apt/lists/*\n",
        );
    }
}
