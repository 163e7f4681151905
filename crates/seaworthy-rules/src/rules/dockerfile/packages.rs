//! How package manager commands are read, for the rules about installs, upgrades and caches:
//! which manager a command runs, its subcommand, and the operands (packages) it names.

use std::ops::Range;

use seaworthy_dockerfile::model::Variables;
use seaworthy_dockerfile::shell::{Command, Word};

use super::install_without_yes::{subcommand, APT_VALUE_FLAGS};

/// A distribution's package manager family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SystemManager {
    /// apt-get, apt
    Apt,
    /// apk
    Apk,
    /// yum, dnf, dnf5, microdnf, tdnf
    Rpm,
    /// zypper
    Zypper,
}

/// One call of a distribution's package manager.
pub(super) struct SystemCall<'c> {
    pub cmd: &'c Command,
    /// The command's name: `apt-get`, `dnf`, ….
    pub tool: &'c str,
    pub manager: SystemManager,
    /// The subcommand word (`install`, `add`, `update`, …).
    pub sub: &'c Word,
    /// The words after the subcommand that are not options or option values.
    pub operands: Vec<&'c Word>,
}

impl SystemCall<'_> {
    /// The subcommand's value.
    pub fn action(&self) -> &str {
        self.sub.value.as_deref().unwrap_or_default()
    }
}

const APK_VALUE_FLAGS: &[&str] = &[
    "-X",
    "--repository",
    "-p",
    "--root",
    "--arch",
    "--cache-dir",
    "--cache-max-age",
    "--keys-dir",
    "--repositories-file",
    "--timeout",
    "-t",
    "--virtual",
];

const RPM_VALUE_FLAGS: &[&str] = &[
    "-c",
    "--config",
    "--setopt",
    "--releasever",
    "--installroot",
    "-d",
    "--debuglevel",
    "-e",
    "--errorlevel",
    "-x",
    "--exclude",
    "--enablerepo",
    "--disablerepo",
    "--repo",
    "--repoid",
    "--forcearch",
    "--downloaddir",
    "--destdir",
    "--comment",
    "--rpmverbosity",
];

const ZYPPER_VALUE_FLAGS: &[&str] = &[
    "-c",
    "--config",
    "-R",
    "--root",
    "--installroot",
    "-r",
    "--repo",
    "-t",
    "--type",
    "--from",
    "-p",
    "--plus-repo",
];

/// Reads `cmd` as a call of apt-get, apt, apk, yum, dnf, microdnf, tdnf or zypper.
pub(super) fn system_call(cmd: &Command) -> Option<SystemCall<'_>> {
    let tool = cmd.name_str()?;
    let (manager, flags) = match tool {
        "apt-get" | "apt" => (SystemManager::Apt, APT_VALUE_FLAGS),
        "apk" => (SystemManager::Apk, APK_VALUE_FLAGS),
        "yum" | "dnf" | "dnf5" | "microdnf" | "tdnf" => (SystemManager::Rpm, RPM_VALUE_FLAGS),
        "zypper" => (SystemManager::Zypper, ZYPPER_VALUE_FLAGS),
        _ => return None,
    };
    let sub = subcommand(cmd, flags)?;
    Some(SystemCall {
        cmd,
        tool,
        manager,
        sub,
        operands: operands_after(cmd, sub, flags),
    })
}

/// The arguments of `cmd` after `after` that are not options, nor the value of an option in
/// `value_flags`; everything after `--` is an operand.
pub(super) fn operands_after<'c>(
    cmd: &'c Command,
    after: &Word,
    value_flags: &[&str],
) -> Vec<&'c Word> {
    let mut out = Vec::new();
    let mut skip = false;
    let mut options_done = false;
    for arg in cmd.args.iter().filter(|a| a.span.start > after.span.start) {
        if skip {
            skip = false;
            continue;
        }
        let text = arg.value.as_deref().unwrap_or(&arg.raw);
        if !options_done && text == "--" {
            options_done = true;
            continue;
        }
        if !options_done && text.starts_with('-') && text.len() > 1 {
            skip = value_flags.contains(&text);
            continue;
        }
        out.push(arg);
    }
    out
}

/// A package as named on a command line, after expanding a variable that holds a list.
#[derive(Debug, Clone)]
pub(super) struct PackageName {
    /// The name (and version) as the package manager receives it; for a word whose value is
    /// not known, the word as written.
    pub text: String,
    /// The script span of the word it comes from.
    pub span: Range<usize>,
    /// The text is the word as written, with expansions the rule cannot see through.
    pub unresolved: bool,
}

/// The packages `words` name. A word that is only a variable (`$PACKAGES`, `"${PKGS}"`) with
/// a value known from ARG or ENV stands for every whitespace-separated word of that value.
pub(super) fn package_names(words: &[&Word], vars: &Variables<'_>) -> Vec<PackageName> {
    let mut out = Vec::new();
    for word in words {
        if let Some(value) = &word.value {
            out.push(PackageName {
                text: value.clone(),
                span: word.span.clone(),
                unresolved: false,
            });
            continue;
        }
        let expanded = lone_variable(&word.raw).and_then(|name| vars.value(name));
        match expanded {
            Some(value) if !value.trim().is_empty() => {
                out.extend(value.split_whitespace().map(|p| PackageName {
                    text: p.to_owned(),
                    span: word.span.clone(),
                    unresolved: false,
                }));
            }
            _ => out.push(PackageName {
                // Quotes are the shell's, not part of the name: `npm@"$NPM_VERSION"`.
                text: word.raw.replace(['"', '\''], ""),
                span: word.span.clone(),
                unresolved: true,
            }),
        }
    }
    out
}

/// `NAME` for a word that is exactly `$NAME`, `${NAME}` or either in double quotes.
fn lone_variable(raw: &str) -> Option<&str> {
    let raw = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(raw);
    let rest = raw.strip_prefix('$')?;
    let name = rest
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .unwrap_or(rest);
    let valid = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    valid.then_some(name)
}

/// A finding's message part naming unpinned packages: "`a`, `b` and 3 more".
pub(super) fn name_list(names: &[&str]) -> String {
    const SHOWN: usize = 3;
    let quoted: Vec<String> = names.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    let mut out = quoted.join(", ");
    if names.len() > SHOWN {
        out.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    out
}

/// npm options that take their value as the next word.
pub(super) const NPM_VALUE_FLAGS: &[&str] = &[
    "--prefix",
    "-C",
    "--loglevel",
    "--registry",
    "--cache",
    "--userconfig",
    "--globalconfig",
    "-w",
    "--workspace",
    "--omit",
    "--include",
    "--tag",
    "--install-strategy",
    "--only",
    "--also",
];

/// yarn options that take their value as the next word.
pub(super) const YARN_VALUE_FLAGS: &[&str] = &[
    "--cwd",
    "--cache-folder",
    "--modules-folder",
    "--global-folder",
    "--mutex",
    "--network-timeout",
    "--network-concurrency",
    "--registry",
    "--use-yarnrc",
];

/// For `npm`, `yarn` or `pnpm`: the tool and its subcommand word (`None` as the word for a
/// bare `yarn`, which installs).
pub(super) fn node_call(cmd: &Command) -> Option<(&str, Option<&Word>)> {
    let tool = cmd.name_str()?;
    let flags = match tool {
        "npm" => NPM_VALUE_FLAGS,
        "yarn" | "pnpm" => YARN_VALUE_FLAGS,
        _ => return None,
    };
    let sub = subcommand(cmd, flags);
    if sub.is_none() && cmd.args.iter().any(|a| a.value.is_none()) {
        return None;
    }
    Some((tool, sub))
}

#[cfg(test)]
mod tests {
    use super::*;
    use seaworthy_dockerfile::shell::{Dialect, Script};

    #[test]
    fn reads_operands_past_options_and_values() {
        let script = Script::parse(
            "apt-get -o Dpkg::Options::=--force-confnew install -y -t bookworm curl -- -x",
            Dialect::Posix,
        );
        let call = system_call(&script.commands[0]).unwrap();
        assert_eq!(call.manager, SystemManager::Apt);
        assert_eq!(call.action(), "install");
        let ops: Vec<&str> = call.operands.iter().map(|w| w.raw.as_str()).collect();
        assert_eq!(ops, ["curl", "-x"]);
    }

    #[test]
    fn lone_variables() {
        assert_eq!(lone_variable("$PKGS"), Some("PKGS"));
        assert_eq!(lone_variable("\"${PKGS}\""), Some("PKGS"));
        assert_eq!(lone_variable("curl=$V"), None);
        assert_eq!(lone_variable("$1"), None);
    }

    #[test]
    fn lists_names() {
        assert_eq!(name_list(&["a"]), "`a`");
        assert_eq!(
            name_list(&["a", "b", "c", "d", "e"]),
            "`a`, `b`, `c` and 2 more"
        );
    }
}
