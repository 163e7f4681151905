use seaworthy_dockerfile::shell::{Command, Script, Word};

use super::install_without_yes::{subcommand, APT_VALUE_FLAGS};
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A stage the final image is built from installs compilers, build tools or development
/// headers (`build-essential`, `gcc`, `make`, `golang`, `cargo`, `openjdk-17-jdk`, `maven`,
/// `python3-dev`, `libpq-dev`, …) with apt, apk, yum/dnf or zypper and does not remove them in
/// the same RUN (`apt-get purge`, `apk del`, `apk add --virtual .build-deps … && apk del
/// .build-deps`, or the official images' `apt-mark auto` + `apt-get purge --auto-remove`).
pub struct ToolchainInFinalImage;

static META: RuleMeta = RuleMeta {
    id: "SW1446",
    name: "toolchain-in-final-image",
    severity: Severity::Info,
    category: Category::Hygiene,
    practice: 9,
    aliases: &[],
    summary: "The final image keeps compilers or build tools installed.",
    why: "Compilers, build systems and development headers are needed to build the \
          application, not to run it: in the final image they add hundreds of megabytes, more \
          packages for scanners to flag and patch, and tools an attacker who gets a shell can \
          use to build exploits in place. A multi-stage build compiles in a `build` stage and \
          copies only the result into a slim runtime stage (`COPY --from=build /app /app`); \
          when a single RUN must build native extensions, remove the toolchain in that same \
          RUN (`apk add --virtual .build-deps gcc musl-dev && pip install … && apk del \
          .build-deps`). Reported as info: a single-stage image that compiles at build time \
          still works, it is just larger and more exposed. Stages that only feed `COPY \
          --from` are not checked.",
    bad: "FROM python:3.12.7-slim\nRUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev\n",
    good: "FROM python:3.12.7-slim AS build\nRUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev\n\
           RUN pip wheel --wheel-dir /wheels psycopg2\n\
           FROM python:3.12.7-slim\nCOPY --from=build /wheels /wheels\nRUN pip install --no-cache-dir /wheels/*\n",
};

impl DockerfileRule for ToolchainInFinalImage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in cx.runtime_chain().into_iter().rev() {
            for step in &stage.steps {
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                let removed = Removals::of(script);
                if removed.everything {
                    continue;
                }
                for cmd in &script.commands {
                    let Some(install) = package_install(cmd) else {
                        continue;
                    };
                    if install
                        .virtual_name
                        .as_deref()
                        .is_some_and(|v| removed.names.iter().any(|r| r == v))
                    {
                        continue;
                    }
                    let tools: Vec<&Word> = install
                        .packages
                        .iter()
                        .copied()
                        .filter(|w| {
                            let name = package_name(w);
                            is_toolchain(&name, install.group) && !removed.names.contains(&name)
                        })
                        .collect();
                    let Some(first) = tools.first() else { continue };
                    let names: Vec<String> = tools.iter().map(|w| package_name(w)).collect();
                    out.push(Finding::new(
                        &META,
                        run.source_span(first.span.clone()),
                        format!(
                            "`{}` installs build tooling ({}) into a stage the final image is \
                             built from; build in a separate stage and copy only the result",
                            install.tool,
                            names.join(", ")
                        ),
                    ));
                }
            }
        }
    }
}

/// A package manager's install command.
pub(super) struct PackageInstall<'c> {
    pub tool: &'static str,
    /// The package operands (flags and their values excluded).
    pub packages: Vec<&'c Word>,
    /// `apk add --virtual NAME` / `-t NAME`.
    pub virtual_name: Option<String>,
    /// `yum groupinstall`, `dnf group install`: the operands are groups.
    pub group: bool,
}

const APK_VALUE_FLAGS: &[&str] = &[
    "-X",
    "--repository",
    "-p",
    "--root",
    "--arch",
    "--cache-dir",
    "--keys-dir",
    "--repositories-file",
    "-t",
    "--virtual",
];
const RPM_VALUE_FLAGS: &[&str] = &[
    "-c",
    "--config",
    "--installroot",
    "--releasever",
    "--enablerepo",
    "--disablerepo",
    "--repo",
    "--setopt",
    "-x",
    "--exclude",
    "-R",
    "--root",
];

/// `apt-get install`, `apk add`, `yum`/`dnf`/`microdnf`/`tdnf install`, `zypper install`.
pub(super) fn package_install(cmd: &Command) -> Option<PackageInstall<'_>> {
    let name = cmd.name_str()?;
    let (tool, value_flags, subcommands): (&'static str, &[&str], &[&str]) = match name {
        "apt-get" => ("apt-get", APT_VALUE_FLAGS, &["install"]),
        "apt" => ("apt", APT_VALUE_FLAGS, &["install"]),
        "aptitude" => ("aptitude", APT_VALUE_FLAGS, &["install"]),
        "apk" => ("apk", APK_VALUE_FLAGS, &["add"]),
        "yum" => ("yum", RPM_VALUE_FLAGS, &["install", "groupinstall"]),
        "dnf" | "dnf5" => (
            "dnf",
            RPM_VALUE_FLAGS,
            &["install", "groupinstall", "group"],
        ),
        "microdnf" => ("microdnf", RPM_VALUE_FLAGS, &["install"]),
        "tdnf" => ("tdnf", RPM_VALUE_FLAGS, &["install"]),
        "zypper" => ("zypper", RPM_VALUE_FLAGS, &["install", "in"]),
        _ => return None,
    };
    let sub = subcommand(cmd, value_flags)?;
    let sub_value = sub.value_str()?;
    if !subcommands.contains(&sub_value) {
        return None;
    }
    let mut group = sub_value == "groupinstall";
    let mut packages = Vec::new();
    let mut virtual_name = None;
    let mut args = cmd.args.iter().peekable();
    // Skip to the subcommand, remembering `--virtual` given before it.
    let mut take_value: Option<&str> = None;
    let mut seen_sub = false;
    for arg in args.by_ref() {
        let value = arg.value_str();
        if let Some(flag) = take_value.take() {
            if matches!(flag, "-t" | "--virtual") {
                virtual_name = value.map(str::to_owned);
            }
            continue;
        }
        let Some(v) = value else {
            if seen_sub {
                packages.push(arg);
            }
            continue;
        };
        if let Some(name) = v.strip_prefix("--virtual=") {
            virtual_name = Some(name.to_owned());
            continue;
        }
        if v.starts_with('-') {
            if value_flags.contains(&v) {
                take_value = Some(v);
            }
            continue;
        }
        if !seen_sub {
            seen_sub = std::ptr::eq(arg, sub);
            continue;
        }
        // `dnf group install X`
        if sub_value == "group" && packages.is_empty() && !group {
            if v != "install" {
                return None;
            }
            group = true;
            continue;
        }
        packages.push(arg);
    }
    Some(PackageInstall {
        tool,
        packages,
        virtual_name,
        group,
    })
}

/// A package operand without its version (`gcc=4:12.2.0-3`, `gcc~12`, `gcc>12`), lower case.
pub(super) fn package_name(word: &Word) -> String {
    let raw = word.value_str().unwrap_or(&word.raw);
    raw.split(['=', '~', '<', '>'])
        .next()
        .unwrap_or(raw)
        .trim_matches(['"', '\''])
        .to_ascii_lowercase()
}

/// Packages removed in a script, and whether it removes everything it installed.
struct Removals {
    names: Vec<String>,
    everything: bool,
}

impl Removals {
    fn of(script: &Script) -> Removals {
        let mut names = Vec::new();
        let mut auto_marked = false;
        let mut auto_removed = false;
        for cmd in &script.commands {
            let Some(name) = cmd.name_str() else { continue };
            let values: Vec<&str> = cmd.arg_values().flatten().collect();
            let operands = || {
                values
                    .iter()
                    .filter(|v| !v.starts_with('-'))
                    .skip(1)
                    .map(|v| v.to_ascii_lowercase())
            };
            match name {
                "apt-mark" if values.contains(&"auto") => auto_marked = true,
                "apt-get" | "apt" | "aptitude" => {
                    let sub = values.iter().find(|v| !v.starts_with('-'));
                    match sub.copied() {
                        Some("purge" | "remove") => {
                            auto_removed |= values.contains(&"--auto-remove")
                                || values.contains(&"--autoremove");
                            names.extend(operands());
                        }
                        Some("autoremove") => auto_removed = true,
                        _ => {}
                    }
                }
                "apk" if values.iter().find(|v| !v.starts_with('-')) == Some(&"del") => {
                    names.extend(operands());
                }
                "yum" | "dnf" | "dnf5" | "microdnf" | "tdnf" | "zypper" => {
                    let sub = values.iter().find(|v| !v.starts_with('-'));
                    if matches!(sub.copied(), Some("remove" | "erase" | "rm" | "autoremove")) {
                        names.extend(operands());
                    }
                }
                _ => {}
            }
        }
        Removals {
            names,
            everything: auto_marked && auto_removed,
        }
    }
}

/// Compilers, build systems, JDKs and development headers.
fn is_toolchain(name: &str, group: bool) -> bool {
    if group {
        return name.contains("development") || name.contains("build");
    }
    const EXACT: &[&str] = &[
        "build-essential",
        "build-base",
        "gcc",
        "g++",
        "gcc-c++",
        "c++",
        "clang",
        "llvm",
        "make",
        "cmake",
        "autoconf",
        "automake",
        "libtool",
        "ninja-build",
        "meson",
        "golang",
        "golang-go",
        "go",
        "rustc",
        "rust",
        "cargo",
        "maven",
        "gradle",
        "default-jdk",
        "default-jdk-headless",
        "linux-headers",
        "kernel-headers",
        "patterns-devel-base-devel_basis",
    ];
    if EXACT.contains(&name) {
        return true;
    }
    let versioned = |prefix: &str| {
        name.strip_prefix(prefix)
            .is_some_and(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.'))
    };
    if ["gcc-", "g++-", "clang-", "llvm-", "golang-", "gcc"]
        .iter()
        .any(|p| versioned(p))
    {
        return true;
    }
    // openjdk-17-jdk, openjdk-17-jdk-headless, openjdk17 / openjdk17-jdk (apk),
    // java-17-openjdk-devel (rpm).
    if name.starts_with("openjdk") {
        return name.contains("jdk")
            && !name.contains("jre")
            && !name.ends_with("-doc")
            && (name.contains("-jdk") || versioned("openjdk"));
    }
    name.ends_with("-dev") || name.ends_with("-devel")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&ToolchainInFinalImage);
    }

    #[test]
    fn fires() {
        let r = &ToolchainInFinalImage;
        assert_fires(
            r,
            "FROM debian\nRUN apt-get update && apt-get install -y build-essential\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM python:3.12-slim\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends \\\n    curl \\\n    gcc=4:12.2.0-3 \\\n    python3-dev\n",
            &[5],
        );
        assert_fires(r, "FROM alpine\nRUN apk add --no-cache go git\n", &[2]);
        assert_fires(
            r,
            "FROM alpine\nRUN apk add --no-cache openjdk17 maven\n",
            &[2],
        );
        assert_fires(r, "FROM fedora\nRUN dnf install -y gcc-c++ make\n", &[2]);
        assert_fires(
            r,
            "FROM rockylinux:9\nRUN yum groupinstall -y 'Development Tools'\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM rockylinux:9\nRUN dnf group install -y \"Development Tools\"\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM opensuse/leap\nRUN zypper -n install gcc java-17-openjdk-devel\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM debian\nRUN apt-get install -y openjdk-17-jdk-headless\n",
            &[2],
        );
        // Removed in a later RUN: the first layer keeps it.
        assert_fires(
            r,
            "FROM alpine\nRUN apk add gcc musl-dev\nRUN apk del gcc musl-dev\n",
            &[2],
        );
        // Only some of the tools removed.
        assert_fires(
            r,
            "FROM debian\nRUN apt-get install -y gcc make && make && apt-get purge -y gcc\n",
            &[2],
        );
        // A base stage the final stage is built on ships too.
        assert_fires(
            r,
            "FROM debian AS base\nRUN <<EOF\napt-get install -y cmake\nEOF\nFROM base\nCMD [\"app\"]\n",
            &[3],
        );
    }

    #[test]
    fn passes() {
        let r = &ToolchainInFinalImage;
        assert_clean(
            r,
            "FROM debian\nRUN apt-get install -y curl ca-certificates\n",
        );
        assert_clean(r, "FROM alpine\nRUN apk add --no-cache openjdk17-jre\n");
        assert_clean(
            r,
            "FROM golang:1.23 AS build\nRUN apt-get install -y gcc\nRUN go build -o /app .\nFROM gcr.io/distroless/static\nCOPY --from=build /app /app\n",
        );
        assert_clean(
            r,
            "FROM python:3.12-alpine\nRUN apk add --no-cache --virtual .build-deps gcc musl-dev \\\n && pip install psycopg2 \\\n && apk del .build-deps\n",
        );
        assert_clean(
            r,
            "FROM debian\nRUN apt-get install -y gcc make && make && apt-get purge -y --auto-remove gcc make\n",
        );
        assert_clean(
            r,
            "FROM python:3.12-slim\nRUN savedAptMark=\"$(apt-mark showmanual)\"; \\\n    apt-get install -y gcc libffi-dev; \\\n    pip install cffi; \\\n    apt-mark auto '.*' > /dev/null; \\\n    apt-mark manual $savedAptMark; \\\n    apt-get purge -y --auto-remove\n",
        );
        assert_clean(r, "FROM debian\nRUN apt-get remove -y gcc\n");
        assert_clean(
            r,
            "FROM debian\nRUN apt-get install -y golang-doc makedev\n",
        );
    }
}
