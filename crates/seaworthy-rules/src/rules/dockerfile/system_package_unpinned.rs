use super::packages::{name_list, package_names, system_call, SystemCall, SystemManager};
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `apt-get install`, `apk add`, `yum`/`dnf`/`microdnf install` or `zypper install` names a
/// package without a version, so every rebuild installs whatever the mirror has that day.
pub struct SystemPackageUnpinned;

static META: RuleMeta = RuleMeta {
    id: "SW1210",
    name: "system-package-unpinned",
    severity: Severity::Warning,
    category: Category::Supply,
    practice: 10,
    aliases: &["DL3008", "DL3018", "DL3033", "DL3041", "DL3037"],
    summary: "A distribution package is installed without a version.",
    why: "Without a version, `apt-get install curl` installs whatever the mirror serves on the \
          day of the build: two builds of the same commit can ship different code, a rebuild \
          for an unrelated change can pull in a regression, and nobody can say which version \
          is in production. Pin each package: `curl=7.88.1-10+deb12u8` (apt; `curl=7.88.*` \
          allows patch updates), `curl=8.9.1-r0` or `curl~8.9` (apk), `curl-7.76.1` (yum, dnf, \
          microdnf), `curl=8.6.0` (zypper). Package files (`.deb`, `.rpm`, `.apk`) and local \
          paths carry their version and pass. A variable that holds the list (`$PACKAGES`) is \
          read from its ARG or ENV value. Every stage is checked. Turn the rule off with \
          `pin_packages = false` when the base image is pinned by digest and rebuilt on a \
          schedule instead. Differs from hadolint: a release selector (`curl/bookworm-\
          backports`, `-t bookworm`) or a lower bound alone (`curl>8`) does not pin a version \
          and is reported; `apt install`, tdnf and dnf5 are checked too; an RPM name whose \
          last dash-separated part is not a version (`java-11-openjdk`) is reported while \
          one ending in a version (`php-7.2.1-1.el7`) passes; and groups (`@core`, \
          `dnf group install`) are not packages and are skipped.",
    bad: "FROM debian:12.7\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends curl \\\n && rm -rf /var/lib/apt/lists/*\n",
    good: "FROM debian:12.7\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n && rm -rf /var/lib/apt/lists/*\n",
};

impl DockerfileRule for SystemPackageUnpinned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        if !cx.settings.pin_packages {
            return;
        }
        for stage in &cx.model.stages {
            for (index, step) in stage.steps.iter().enumerate() {
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                let vars = cx.model.variables_before(stage.index, index);
                for cmd in &script.commands {
                    let Some(call) = system_call(cmd) else {
                        continue;
                    };
                    let Some(words) = installed_words(&call) else {
                        continue;
                    };
                    let names = package_names(&words, &vars);
                    let module = call.action() == "module";
                    let unpinned: Vec<_> = names
                        .iter()
                        .filter(|p| !pinned(call.manager, &p.text, p.unresolved, module))
                        .collect();
                    let Some(first) = unpinned.first() else {
                        continue;
                    };
                    let list: Vec<&str> = unpinned.iter().map(|p| p.text.as_str()).collect();
                    out.push(Finding::new(
                        &META,
                        run.source_span(first.span.clone()),
                        format!(
                            "`{} {}` installs {} without a version; pin it like `{}`",
                            call.tool,
                            call.action(),
                            name_list(&list),
                            example(call.manager, module),
                        ),
                    ));
                }
            }
        }
    }
}

/// The operands that name packages to install, `None` when the call installs nothing.
fn installed_words<'c>(
    call: &SystemCall<'c>,
) -> Option<Vec<&'c seaworthy_dockerfile::shell::Word>> {
    let action = call.action();
    let ops = &call.operands;
    match call.manager {
        SystemManager::Apt => (action == "install").then(|| ops.clone()),
        SystemManager::Apk => (action == "add").then(|| ops.clone()),
        SystemManager::Zypper => {
            // `zypper in -t pattern devel_basis`: patterns, patches and products have no
            // version to pin.
            let other_type = call.cmd.has_flag(Some('t'), Some("type"))
                && call
                    .cmd
                    .arg_values()
                    .flatten()
                    .any(|v| matches!(v, "pattern" | "patch" | "product" | "srcpackage"));
            (matches!(action, "install" | "in") && !other_type).then(|| ops.clone())
        }
        SystemManager::Rpm => match action {
            "install" => Some(ops.clone()),
            // `dnf module install nodejs:20`: the stream is the version.
            "module" => {
                let (first, rest) = ops.split_first()?;
                (first.value.as_deref() == Some("install")).then(|| rest.to_vec())
            }
            _ => None,
        },
    }
}

/// Whether a package argument names a version (or a file, which carries its own).
fn pinned(manager: SystemManager, text: &str, unresolved: bool, module: bool) -> bool {
    if module {
        return text.contains(':');
    }
    match manager {
        SystemManager::Apt => {
            text.contains('=')
                || text.ends_with(".deb")
                || is_path(text)
                // `pkg-` in `apt-get install` removes the package.
                || text.ends_with('-')
        }
        SystemManager::Apk => {
            text.contains('=')
                || text.contains('~')
                || text.contains('<')
                || text.ends_with(".apk")
                || is_path(text)
        }
        SystemManager::Zypper => {
            bounded_above(text) || text.ends_with(".rpm") || text.starts_with('/')
        }
        SystemManager::Rpm => {
            // Groups (`@core`, `@development-tools`) and module specs are not packages.
            if text.starts_with('@') || text.ends_with(".rpm") || bounded_above(text) {
                return true;
            }
            let last = text
                .split_once('-')
                .and_then(|(_, rest)| rest.rsplit('-').next());
            last.is_some_and(|v| {
                v.starts_with(|c: char| c.is_ascii_digit())
                    // `httpd-${HTTPD_VERSION}`: a version from a variable.
                    || (unresolved && v.starts_with('$'))
            })
        }
    }
}

/// `=`, `==`, `<=`, `<`, but not a lower bound alone (`>=`, `>`).
fn bounded_above(text: &str) -> bool {
    text.contains('<') || text.replace(">=", "").contains('=')
}

fn is_path(text: &str) -> bool {
    text.starts_with('/') || text.starts_with("./") || text.starts_with("../")
}

fn example(manager: SystemManager, module: bool) -> &'static str {
    if module {
        return "nodejs:20";
    }
    match manager {
        SystemManager::Apt => "curl=7.88.1-10+deb12u8",
        SystemManager::Apk => "curl=8.9.1-r0",
        SystemManager::Rpm => "curl-7.76.1",
        SystemManager::Zypper => "curl=8.6.0",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use crate::Settings;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&SystemPackageUnpinned);
    }

    #[test]
    fn fires() {
        let r = &SystemPackageUnpinned;
        assert_fires(r, "FROM debian\nRUN apt-get install -y curl\n", &[2]);
        assert_fires(r, "FROM debian\nRUN apt install -y curl\n", &[2]);
        assert_fires(
            r,
            "FROM debian\nRUN apt-get install -y curl=7.* foo:amd64\n",
            &[2],
        );
        // The finding points at the first unpinned package, on its own line.
        assert_fires(
            r,
            "FROM debian\nRUN apt-get update && apt-get install -y \\\n    curl=7.88.1 \\\n    git \\\n    wget\n",
            &[4],
        );
        assert_fires(
            r,
            "FROM debian\nRUN apt-get install -y -t bookworm-backports curl\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM debian\nRUN apt-get install -y curl/bookworm-backports\n",
            &[2],
        );
        assert_fires(r, "FROM debian\nRUN sudo apt-get install -y curl\n", &[2]);
        assert_fires(
            r,
            "FROM debian\nRUN sh -c 'apt-get install -y curl'\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM debian\nRUN <<EOF\nset -e\napt-get update\napt-get install -y curl\nEOF\n",
            &[5],
        );
        // Every stage, build stages too.
        assert_fires(
            r,
            "FROM debian AS build\nRUN apt-get install -y gcc\nFROM debian:12.7\nRUN apt-get install -y curl=7.88.1\n",
            &[2],
        );
        // A variable whose value is known is read; one that is not is reported as written.
        assert_fires(
            r,
            "FROM debian\nARG PACKAGES=\"curl=7.88.1 git\"\nRUN apt-get install -y $PACKAGES\n",
            &[3],
        );
        assert_fires(r, "FROM debian\nRUN apt-get install -y \"$PKGS\"\n", &[2]);
        assert_fires(r, "FROM alpine\nRUN apk add --no-cache curl\n", &[2]);
        assert_fires(r, "FROM alpine\nRUN apk add --no-cache curl>8\n", &[2]);
        assert_fires(
            r,
            "FROM alpine\nRUN apk add --no-cache --virtual .deps gcc=13.2.1-r0 musl-dev\n",
            &[2],
        );
        assert_fires(r, "FROM centos\nRUN yum install -y epel-release\n", &[2]);
        assert_fires(r, "FROM fedora\nRUN dnf install -y python3-devel\n", &[2]);
        assert_fires(r, "FROM fedora\nRUN dnf install -y java-11-openjdk\n", &[2]);
        assert_fires(r, "FROM ubi\nRUN microdnf install -y httpd\n", &[2]);
        assert_fires(r, "FROM fedora\nRUN dnf module install -y nodejs\n", &[2]);
        assert_fires(r, "FROM suse\nRUN zypper -n in curl\n", &[2]);
        assert_fires(r, "FROM suse\nRUN zypper install -y 'curl>=8'\n", &[2]);
        let found = findings(r, "FROM debian\nRUN apt-get install -y a b c=1 d e\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].1.contains("`a`, `b`, `d` and 1 more"), "{found:?}");
    }

    #[test]
    fn passes() {
        let r = &SystemPackageUnpinned;
        assert_clean(
            r,
            "FROM debian\nRUN apt-get install -y curl=7.88.1-10+deb12u8 git=1:2.39.* ./x.deb /tmp/y.deb\n",
        );
        assert_clean(
            r,
            "FROM debian\nRUN apt-get install -y -o Dpkg::Options::=--force-confold curl=7.88.1\n",
        );
        assert_clean(
            r,
            "FROM debian\nRUN apt-get install -y curl=$CURL_VERSION\n",
        );
        assert_clean(
            r,
            "FROM debian\nARG PACKAGES=\"curl=7.88.1 git=1:2.39.5\"\nRUN apt-get install -y $PACKAGES\n",
        );
        assert_clean(r, "FROM debian\nRUN apt-get update && apt-get upgrade -y\n");
        assert_clean(r, "FROM debian\nRUN apt-get remove -y curl\n");
        assert_clean(r, "FROM debian\nRUN apt-get install -y\n");
        assert_clean(
            r,
            "FROM alpine\nRUN apk add --no-cache curl=8.9.1-r0 bash~5.2 ./x.apk 'zlib<2'\n",
        );
        assert_clean(
            r,
            "FROM alpine\nRUN apk add --no-cache -t .build-deps gcc=13.2.1-r0\n",
        );
        assert_clean(
            r,
            "FROM centos\nRUN yum install -y httpd-2.4.6 php-7.2.1-1.el7.x86_64 ./x.rpm https://e.org/epel-release-latest-7.noarch.rpm\n",
        );
        assert_clean(
            r,
            "FROM centos\nRUN yum install -y \"httpd-${HTTPD_VERSION}\"\n",
        );
        assert_clean(r, "FROM fedora\nRUN dnf install -y @development-tools\n");
        assert_clean(
            r,
            "FROM fedora\nRUN dnf group install -y 'Development Tools'\n",
        );
        assert_clean(r, "FROM fedora\nRUN dnf module install -y nodejs:20\n");
        assert_clean(r, "FROM fedora\nRUN dnf module enable -y nodejs:20\n");
        assert_clean(r, "FROM ubi\nRUN microdnf install -y httpd-2.4.57\n");
        assert_clean(r, "FROM suse\nRUN zypper -n in curl=8.6.0 'git<3' x.rpm\n");
        assert_clean(r, "FROM debian\nRUN echo apt-get install curl\n");
    }

    #[test]
    fn setting_turns_it_off() {
        let src = "FROM debian\nRUN apt-get install -y curl\n";
        let off = Settings {
            pin_packages: false,
            ..Settings::default()
        };
        assert_fires_with(&SystemPackageUnpinned, &off, None, src, &[]);
        assert_fires_with(
            &SystemPackageUnpinned,
            &Settings::default(),
            None,
            src,
            &[2],
        );
    }
}
