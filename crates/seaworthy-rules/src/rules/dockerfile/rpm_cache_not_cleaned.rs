use seaworthy_dockerfile::shell::Command;

use super::fixes_run::{append_commands, cleanup_reaches};
use super::install_without_yes::subcommand;
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, Fix, FixKind, RuleMeta, Severity};

/// `yum`, `dnf`, `microdnf` or `zypper` installs in a stage that ships without cleaning its
/// cache in the same `RUN` (`yum clean all`, `dnf clean all`, `microdnf clean all`,
/// `zypper clean`), and without a cache mount over it.
pub struct RpmCacheNotCleaned;

static META: RuleMeta = RuleMeta {
    id: "SW1406",
    name: "rpm-cache-not-cleaned",
    severity: Severity::Warning,
    category: Category::Hygiene,
    practice: 10,
    aliases: &[
        "DL3032",
        "DL3036",
        "DL3040",
        "DS-0015",
        "DS015",
        "AVD-DS-0015",
        "DS-0019",
        "DS019",
        "AVD-DS-0019",
        "DS-0020",
        "DS020",
        "AVD-DS-0020",
        "DS-0027",
        "DS027",
        "AVD-DS-0027",
    ],
    summary: "yum, dnf, microdnf or zypper leaves its cache in the layer.",
    why: "yum, dnf and zypper keep repository metadata (and often the downloaded packages) \
          under /var/cache: tens to hundreds of megabytes the running container never reads. \
          A layer is frozen when its RUN ends, so clean up in the same RUN (`&& dnf clean all`, \
          `&& zypper clean --all`), or keep the cache out of the image with a BuildKit cache \
          mount (`--mount=type=cache,target=/var/cache/dnf`). Only the stages the final image \
          is built from are checked. Differs from hadolint: microdnf, tdnf and dnf5 are \
          checked too; removing the cache directory counts as cleaning; an install with every \
          repository disabled (`--disablerepo=*`, local package files only) downloads no \
          metadata and passes. `seaworthy fix` appends the clean command (`&& dnf clean all`) \
          to the RUN.",
    bad: "FROM rockylinux:9.3\nRUN dnf install -y httpd\n",
    good: "FROM rockylinux:9.3\nRUN dnf install -y httpd && dnf clean all\n",
};

/// The package manager families: the tools, their cache directories and how each cleans.
const YUM: &[&str] = &["yum", "dnf", "dnf5", "microdnf", "tdnf"];
const YUM_CACHES: &[&str] = &[
    "/var/cache/yum",
    "/var/cache/dnf",
    "/var/cache/libdnf5",
    "/var/cache/tdnf",
];
const ZYPPER_CACHES: &[&str] = &["/var/cache/zypp"];

impl DockerfileRule for RpmCacheNotCleaned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn fix_kind(&self) -> FixKind {
        FixKind::Safe
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in cx.runtime_chain() {
            for step in &stage.steps {
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                for cmd in &script.commands {
                    let Some(tool) = cmd.name_str() else { continue };
                    let (caches, fix) = if YUM.contains(&tool) {
                        (YUM_CACHES, format!("{tool} clean all"))
                    } else if tool == "zypper" {
                        (ZYPPER_CACHES, "zypper clean --all".to_owned())
                    } else {
                        continue;
                    };
                    let Some(sub) = subcommand(
                        cmd,
                        &[
                            "-c",
                            "--config",
                            "--setopt",
                            "--installroot",
                            "-R",
                            "--root",
                        ],
                    ) else {
                        continue;
                    };
                    if !is_install(tool, sub.value.as_deref().unwrap_or(""))
                        || all_repos_disabled(cmd)
                    {
                        continue;
                    }
                    let mounted = super::cache_mounted(step, |t| covers(caches, t));
                    let cleaned = script
                        .commands
                        .iter()
                        .any(|c| cleans(c, tool == "zypper") || removes(c, caches));
                    if mounted || cleaned {
                        continue;
                    }
                    let mut finding = Finding::new(
                        &META,
                        run.source_span(sub.span.clone()),
                        format!(
                            "`{tool} {}` leaves its cache in the layer; add `&& {fix}` to \
                             this RUN or mount a cache there",
                            sub.value.as_deref().unwrap_or_default()
                        ),
                    );
                    if let Some(append) = cleanable(script, tool)
                        .then(|| append_commands(cx.file, step, std::slice::from_ref(&fix)))
                        .flatten()
                    {
                        finding = finding
                            .with_related(append.after, format!("`&& {fix}` goes after this"))
                            .with_fix(Fix::safe(
                                format!("clean the {tool} cache in the same RUN"),
                                vec![append.edit],
                            ));
                    }
                    out.push(finding);
                }
            }
        }
    }
}

/// Whether a plain `{tool} clean` appended to the script cleans the cache every command of the
/// family filled: none runs as another user or in another root (`sudo`, `chroot`), or with its
/// own root, configuration or cache directory (`--installroot`, `--setopt=cachedir=…`).
fn cleanable(script: &seaworthy_dockerfile::shell::Script, tool: &str) -> bool {
    let zypper = tool == "zypper";
    script
        .commands
        .iter()
        .filter(|c| {
            c.name_str().is_some_and(|n| {
                if zypper {
                    n == "zypper"
                } else {
                    YUM.contains(&n)
                }
            })
        })
        .all(|c| {
            cleanup_reaches(script, c)
                && c.arg_values().all(|v| {
                    v.is_some_and(|v| {
                        let name = v.split('=').next().unwrap_or(v);
                        !matches!(
                            name,
                            "-c" | "--config"
                                | "--setopt"
                                | "--installroot"
                                | "-R"
                                | "--root"
                                | "-C"
                                | "--cache-dir"
                        )
                    })
                })
        })
}

/// `--disablerepo=*` (or `--disablerepo '*'`): only local package files are installed, and
/// no repository metadata is downloaded into the cache.
fn all_repos_disabled(cmd: &Command) -> bool {
    let values: Vec<&str> = cmd.arg_values().map(|v| v.unwrap_or("")).collect();
    values.iter().enumerate().any(|(i, v)| {
        *v == "--disablerepo=*" || (*v == "--disablerepo" && values.get(i + 1) == Some(&"*"))
    })
}

fn is_install(tool: &str, sub: &str) -> bool {
    if tool == "zypper" {
        matches!(
            sub,
            "install"
                | "in"
                | "update"
                | "up"
                | "dist-upgrade"
                | "dup"
                | "patch"
                | "source-install"
                | "si"
        )
    } else {
        matches!(
            sub,
            "install"
                | "groupinstall"
                | "localinstall"
                | "reinstall"
                | "update"
                | "upgrade"
                | "makecache"
        )
    }
}

/// `dnf clean all`, `yum clean all`, `zypper clean`, `zypper cc`: any clean of the family.
fn cleans(cmd: &Command, zypper: bool) -> bool {
    let Some(tool) = cmd.name_str() else {
        return false;
    };
    let Some(sub) = subcommand(cmd, &[]).and_then(|w| w.value.as_deref()) else {
        return false;
    };
    if zypper {
        tool == "zypper" && matches!(sub, "clean" | "cc")
    } else {
        YUM.contains(&tool) && sub == "clean" && cmd.arg_values().flatten().any(|v| v == "all")
    }
}

/// `rm -rf /var/cache/dnf` (or what is in it).
fn removes(cmd: &Command, caches: &[&str]) -> bool {
    cmd.name_str() == Some("rm") && cmd.arg_values().flatten().any(|v| covers(caches, v))
}

fn covers(caches: &[&str], path: &str) -> bool {
    let p = path.trim_end_matches(['/', '*']);
    p == "/var/cache" || caches.contains(&p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&RpmCacheNotCleaned);
    }

    #[test]
    fn fires() {
        // Disabling one repository still downloads the others' metadata.
        assert_fires(
            &RpmCacheNotCleaned,
            "FROM fedora\nRUN dnf install -y --disablerepo=updates git\n",
            &[2],
        );
        assert_fires(
            &RpmCacheNotCleaned,
            "FROM centos\nRUN yum install -y git\n",
            &[2],
        );
        assert_fires(
            &RpmCacheNotCleaned,
            "FROM fedora\nRUN sudo dnf -y install git\n",
            &[2],
        );
        assert_fires(
            &RpmCacheNotCleaned,
            "FROM ubi9/ubi-minimal\nRUN microdnf install git\n",
            &[2],
        );
        assert_fires(
            &RpmCacheNotCleaned,
            "FROM opensuse/leap\nRUN zypper -n in git\n",
            &[2],
        );
        assert_fires(
            &RpmCacheNotCleaned,
            "FROM fedora\nRUN dnf -y update \\\n && dnf -y install \\\n    git\n",
            &[2, 3],
        );
        assert_fires(
            &RpmCacheNotCleaned,
            "FROM fedora\nRUN <<EOF\ndnf -y install git\nEOF\nRUN dnf clean all\n",
            &[3],
        );
        let found = findings(&RpmCacheNotCleaned, "FROM fedora\nRUN dnf -y install git\n");
        assert!(found[0].1.contains("`&& dnf clean all`"), "{found:?}");
    }

    #[test]
    fn fixes() {
        let r = &RpmCacheNotCleaned;
        assert_fix(
            r,
            "FROM centos\nRUN yum install -y git\n",
            "FROM centos\nRUN yum install -y git && yum clean all\n",
            FixKind::Safe,
        );
        // One clean for every install of the RUN.
        assert_fix(
            r,
            "FROM fedora\nRUN dnf -y update \\\n && dnf -y install \\\n    git\n",
            "FROM fedora\nRUN dnf -y update \\\n && dnf -y install \\\n    git \\\n && dnf clean all\n",
            FixKind::Safe,
        );
        assert_fix(
            r,
            "FROM ubi9/ubi-minimal\r\nRUN microdnf install -y git; # vcs\r\n",
            "FROM ubi9/ubi-minimal\r\nRUN microdnf install -y git && microdnf clean all; # vcs\r\n",
            FixKind::Safe,
        );
        assert_fix(
            r,
            "FROM opensuse/leap AS base\nRUN zypper -n in git && \\\n\tzypper -n in curl\nFROM base\n",
            "FROM opensuse/leap AS base\nRUN zypper -n in git && \\\n\tzypper -n in curl && \\\n\tzypper clean --all\nFROM base\n",
            FixKind::Safe,
        );
    }

    #[test]
    fn no_fix_where_a_plain_clean_may_miss_the_cache() {
        let r = &RpmCacheNotCleaned;
        assert_no_fix(r, "FROM fedora\nRUN sudo dnf -y install git\n");
        assert_no_fix(
            r,
            "FROM fedora\nRUN dnf -y --installroot=/target install git\n",
        );
        assert_no_fix(
            r,
            "FROM fedora\nRUN dnf -y --setopt=cachedir=/c install git\n",
        );
        assert_no_fix(r, "FROM fedora\nRUN <<EOF\ndnf -y install git\nEOF\n");
        assert_no_fix(r, "FROM fedora\nRUN dnf -y install git &\n");
    }

    #[test]
    fn passes() {
        // Every repository disabled: local .rpm files only, no metadata downloaded.
        assert_clean(
            &RpmCacheNotCleaned,
            "FROM mcr.microsoft.com/cbl-mariner/base/core:2.0\nRUN curl -fSL -o d.rpm https://x/d.rpm \\\n && tdnf install -y --disablerepo=* d.rpm \\\n && rm d.rpm\n",
        );
        assert_clean(
            &RpmCacheNotCleaned,
            "FROM fedora\nRUN dnf install -y --disablerepo '*' ./local.rpm\n",
        );
        assert_clean(
            &RpmCacheNotCleaned,
            "FROM centos\nRUN yum install -y git && yum clean all\n",
        );
        assert_clean(
            &RpmCacheNotCleaned,
            "FROM fedora\nRUN <<EOF\nset -e\ndnf -y install git\ndnf clean all\nEOF\n",
        );
        assert_clean(
            &RpmCacheNotCleaned,
            "FROM fedora\nRUN dnf -y install git && rm -rf /var/cache/dnf\n",
        );
        assert_clean(
            &RpmCacheNotCleaned,
            "FROM fedora\nRUN --mount=type=cache,target=/var/cache/dnf dnf -y install git\n",
        );
        assert_clean(
            &RpmCacheNotCleaned,
            "FROM opensuse/leap\nRUN zypper -n in git && zypper clean -a\n",
        );
        assert_clean(&RpmCacheNotCleaned, "FROM fedora\nRUN dnf -y remove git\n");
        assert_clean(
            &RpmCacheNotCleaned,
            "FROM fedora AS build\nRUN dnf -y install gcc\nFROM fedora:40\nCOPY --from=build /x /x\n",
        );
    }
}
