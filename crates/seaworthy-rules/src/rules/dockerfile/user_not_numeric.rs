use std::collections::HashMap;

use seaworthy_dockerfile::shell::{Command, Connector, Script};
use seaworthy_dockerfile::{Args, EffectiveUser, Expanded};

use super::{windows, DockerfileContext, DockerfileRule};
use crate::{Category, Edit, Finding, Fix, RuleMeta, Severity};

/// The final image's `USER` names its user or group by name (`USER app`, `USER 1001:app`)
/// rather than by number. Root and a missing `USER` are last-user-root's concern.
///
/// The fix (unsafe: it assumes the account is what the Dockerfile made it) writes the numbers
/// when the Dockerfile itself gives them: the stages that ship create the user with
/// `useradd`/`adduser` and an explicit `-u`/`--uid`, and a named group with
/// `groupadd`/`addgroup` and an explicit `-g`/`--gid`. The numbers are never guessed: an
/// account made twice with different IDs, made conditionally (`id app || useradd ...`),
/// renumbered (`usermod -u`), created with `--non-unique`, or a script that edits
/// `/etc/passwd` or `/etc/group` leaves the USER as it is, and so does a USER written with
/// variables or quotes.
pub struct UserNotNumeric;

static META: RuleMeta = RuleMeta {
    id: "SW1002",
    name: "user-not-numeric",
    severity: Severity::Info,
    category: Category::Identity,
    practice: 1,
    aliases: &["DL3066"],
    summary: "The final `USER` is a name, not a numeric UID:GID.",
    why: "A user name means something only inside the image's /etc/passwd. Kubernetes' \
          `runAsNonRoot` cannot verify a name and refuses to start the pod (\"image has \
          non-numeric user, cannot verify user is non-root\"); a `securityContext`, a \
          Compose `user:` or a volume's ownership on the host all speak in numbers; and a \
          name that a later layer or base image maps to another UID silently changes who \
          owns what. Create the user with a fixed UID and GID and refer to it by number: \
          `USER 10001:10001`. Only the final stage's user is judged (build stages may run \
          as anyone), after ARG and ENV expansion; root and a missing USER are reported by \
          last-user-root instead. Differs from hadolint: hadolint reports every non-numeric \
          USER in every stage, root included, except values taken from an ARG; seaworthy \
          judges the user the image actually runs as, and also reports a named group \
          (`USER 10001:app`). Differs from hadolint: Windows images (`USER ContainerUser`), \
          whose users have names only, are not judged. Differs from hadolint: hadolint does \
          not expand ENV, so it reports `USER $APP_UID` after `ENV APP_UID=1654`, which is \
          numeric; and a variable the Dockerfile never sets (one the base image's ENV \
          defines, as .NET images define `APP_UID`, or an ARG awaiting `--build-arg`) has no \
          known value here, so it is not judged.",
    bad: "FROM python:3.12.7-slim\nRUN groupadd --gid 10001 app \\\n    \
          && useradd --uid 10001 --gid app --no-log-init app\nUSER app:app\n",
    good: "FROM python:3.12.7-slim\nRUN groupadd --gid 10001 app \\\n    \
           && useradd --uid 10001 --gid app --no-log-init app\nUSER 10001:10001\n",
};

impl DockerfileRule for UserNotNumeric {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn fix_kind(&self) -> crate::FixKind {
        crate::FixKind::Unsafe
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let Some(stage) = cx.final_stage() else {
            return;
        };
        let Some(user) = &stage.at_end.user else {
            return;
        };
        if user.is_root() || user.value.is_empty() || windows::is_windows(cx.model, stage) {
            return;
        }
        let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let uid_named = !numeric(user.user());
        let gid_named = user.group().is_some_and(|g| !numeric(g));
        let what = match (uid_named, gid_named) {
            (true, true) => "user and group are names",
            (true, false) => "user is a name",
            (false, true) => "group is a name",
            (false, false) => return,
        };
        let mut finding = Finding::new(
            &META,
            user.span,
            format!(
                "the final image runs as `{}`: its {what}, which only the image's /etc/passwd \
                 and /etc/group resolve; use numeric IDs (`USER 10001:10001`)",
                user.value
            ),
        );
        if let Some(fix) = numeric_fix(cx, user) {
            finding = finding.with_fix(fix);
        }
        out.push(finding);
    }
}

/// `USER name[:group]` rewritten with the IDs the shipped stages create the accounts with.
fn numeric_fix(cx: &DockerfileContext<'_>, user: &EffectiveUser) -> Option<Fix> {
    let chain = cx.runtime_chain();
    let ins = chain
        .iter()
        .flat_map(|stage| &stage.steps)
        .map(|step| step.instruction)
        .find(|ins| ins.span == user.span)?;
    let Args::String(arg) = &ins.args else {
        return None;
    };
    let written = cx.file.logical(ins, arg.span);
    let escape = cx.file.escape as char;
    if written != user.value
        || cx.file.slice(arg.span) != written
        || written.contains(['$', '\'', '"', '\\', escape])
    {
        return None;
    }
    let mut accounts = Accounts::default();
    for stage in chain.iter().rev() {
        for step in &stage.steps {
            accounts.step(step);
        }
    }
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let id = |name: &str, ids: &HashMap<String, Option<String>>, unknown: bool| {
        if numeric(name) {
            Some(name.to_owned())
        } else if unknown {
            None
        } else {
            ids.get(name).cloned().flatten()
        }
    };
    let uid = id(user.user(), &accounts.users, accounts.unknown_users)?;
    let value = match user.group() {
        Some(group) => {
            let gid = id(group, &accounts.groups, accounts.unknown_groups)?;
            format!("{uid}:{gid}")
        }
        None => uid,
    };
    Some(Fix::unsafe_(
        format!("write `USER {value}`, the IDs the Dockerfile creates the accounts with"),
        vec![Edit::replace(arg.span, value)],
    ))
}

/// The users and groups the shipped stages create, by name: `Some(id)` when created once (or
/// always with the same ID) with an explicit numeric ID, `None` when the ID is not known.
#[derive(Default)]
struct Accounts {
    users: HashMap<String, Option<String>>,
    groups: HashMap<String, Option<String>>,
    /// Some user or group account was made or changed in a way that cannot be followed (its
    /// name is not static, the script does not parse, a file edits /etc/passwd).
    unknown_users: bool,
    unknown_groups: bool,
}

impl Accounts {
    fn step(&mut self, step: &seaworthy_dockerfile::Step<'_>) {
        if let Expanded::Copy(copy) | Expanded::Add(copy) = &step.expanded {
            let dest = copy.dest.trim_end_matches('/');
            if matches!(dest, "" | "/etc" | "/etc/passwd" | "/etc/group") {
                self.unknown_users = true;
                self.unknown_groups = true;
            }
        }
        let Some(run) = &step.run else { return };
        if run.text.contains("/etc/passwd") || run.text.contains("/etc/group") {
            self.unknown_users = true;
            self.unknown_groups = true;
        }
        let Some(script) = run.script() else {
            // A script in another language may create accounts too.
            if [
                "useradd", "adduser", "groupadd", "addgroup", "usermod", "groupmod",
            ]
            .iter()
            .any(|c| run.text.contains(c))
            {
                self.unknown_users = true;
                self.unknown_groups = true;
            }
            return;
        };
        for cmd in &script.commands {
            let after_keyword =
                after_compound_keyword(&run.text[..cmd.span.start.min(run.text.len())]);
            self.command(script, cmd, after_keyword);
        }
    }

    /// `after_keyword`: a compound command's keyword comes before the command in its script,
    /// so it may run conditionally, repeatedly, or not at all.
    fn command(&mut self, script: &Script, cmd: &Command, after_keyword: bool) {
        let Some(name) = cmd.name_str() else { return };
        let (short_values, long_values): (&str, &[&str]) = match name {
            "useradd" => ("bcdefgGkKpPRsuZ", USERADD_VALUES),
            "adduser" => ("hgsGku", ADDUSER_VALUES),
            "groupadd" => ("gKpPRU", GROUPADD_VALUES),
            "addgroup" => ("g", ADDGROUP_VALUES),
            "usermod" => ("cdefgGlLpPRsuvVwWZ", USERMOD_VALUES),
            "groupmod" => ("gnpPRU", GROUPMOD_VALUES),
            _ => return,
        };
        let parsed = Options::parse(cmd, short_values, long_values);
        // Whether the command surely runs, once, in the build: not a condition, not a
        // function body, not after `||` or in a pipeline or the background.
        let sure = !script.has_errors
            && !after_keyword
            && !cmd.in_condition
            && !cmd.in_function
            && !cmd.in_substitution
            && cmd.pipeline.is_none()
            && !matches!(
                cmd.connector_before,
                Some(Connector::Or | Connector::Background | Connector::Pipe)
            );
        let login = match parsed.operands.as_slice() {
            [Some(login)] => Some(login.clone()),
            _ => None,
        };
        match name {
            "useradd" | "adduser" => {
                if name == "useradd" && parsed.has('D', "defaults") {
                    return;
                }
                let debian_group = name == "adduser" && parsed.has('\0', "group");
                if debian_group && !parsed.has('\0', "system") {
                    // Debian's `adduser --group name` creates a group.
                    self.group(login, sure, parsed.value('\0', "gid"));
                    return;
                }
                let Some(login) = login else {
                    // Which user it creates is not known.
                    self.unknown_users = true;
                    self.unknown_groups = true;
                    return;
                };
                let uid = parsed.value('u', "uid");
                let known = sure && !parsed.has('o', "non-unique");
                insert(&mut self.users, &login, uid.filter(|_| known));
                // The user's own group, made with it unless another group is named; its ID
                // is not given here (`useradd -U` picks the UID when free, adduser the next).
                let other_group = if name == "useradd" {
                    parsed.has('g', "gid") || parsed.has('N', "no-user-group")
                } else {
                    parsed.has('G', "ingroup") || parsed.has('\0', "gid")
                };
                if !other_group || debian_group {
                    let gid = parsed.value('\0', "gid").filter(|_| debian_group && known);
                    insert(&mut self.groups, &login, gid);
                }
            }
            "groupadd" => {
                if parsed.has('o', "non-unique") {
                    self.unknown_groups = true;
                    return;
                }
                self.group(login, sure, parsed.value('g', "gid"));
            }
            "addgroup" => match parsed.operands.as_slice() {
                // `addgroup user group` adds a member.
                [_, _] => {}
                _ => self.group(login, sure, parsed.value('g', "gid")),
            },
            "usermod" => {
                if parsed.has('u', "uid") || parsed.has('l', "login") {
                    match login {
                        Some(login) => insert(&mut self.users, &login, None),
                        None => self.unknown_users = true,
                    }
                }
            }
            _ => {
                if parsed.has('g', "gid") || parsed.has('n', "new-name") {
                    match login {
                        Some(login) => insert(&mut self.groups, &login, None),
                        None => self.unknown_groups = true,
                    }
                }
            }
        }
    }

    /// A group made with `gid`; `login` is `None` when its name is not known, `sure` false
    /// when whether the command runs is not.
    fn group(&mut self, login: Option<String>, sure: bool, gid: Option<String>) {
        match login {
            Some(login) => insert(&mut self.groups, &login, gid.filter(|_| sure)),
            None => self.unknown_groups = true,
        }
    }
}

/// Whether `text` has a word that opens or continues a compound command (`if`, `case`, a
/// loop): what follows may be conditional. A word that only looks like one (`echo done`)
/// makes the answer `true` too, which only costs a fix.
fn after_compound_keyword(text: &str) -> bool {
    text.split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')'))
        .any(|w| {
            matches!(
                w,
                "if" | "then" | "else" | "elif" | "case" | "while" | "until" | "for" | "do"
            )
        })
}

/// Records that `name` gets `id`: a second, different ID (or an unknown one) makes it unknown.
fn insert(ids: &mut HashMap<String, Option<String>>, name: &str, id: Option<String>) {
    let id = id.filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()));
    ids.entry(name.to_owned())
        .and_modify(|known| {
            if *known != id {
                *known = None;
            }
        })
        .or_insert(id);
}

/// Long options that take a value, for each command (shadow-utils, Debian's adduser and
/// BusyBox's, whose `adduser -g` is the GECOS field).
const USERADD_VALUES: &[&str] = &[
    "base-dir",
    "btrfs-subvolume-home",
    "comment",
    "home-dir",
    "expiredate",
    "inactive",
    "gid",
    "groups",
    "skel",
    "key",
    "password",
    "root",
    "prefix",
    "shell",
    "uid",
    "selinux-user",
    "selinux-range",
];
const ADDUSER_VALUES: &[&str] = &[
    "home",
    "shell",
    "gecos",
    "comment",
    "ingroup",
    "gid",
    "uid",
    "firstuid",
    "lastuid",
    "firstgid",
    "lastgid",
    "conf",
    "extrausers",
];
const GROUPADD_VALUES: &[&str] = &["gid", "key", "password", "root", "prefix", "users"];
const ADDGROUP_VALUES: &[&str] = &["gid", "conf", "firstgid", "lastgid"];
const USERMOD_VALUES: &[&str] = &[
    "comment",
    "home",
    "expiredate",
    "inactive",
    "gid",
    "groups",
    "login",
    "password",
    "root",
    "prefix",
    "shell",
    "uid",
    "add-subuids",
    "del-subuids",
    "add-subgids",
    "del-subgids",
    "selinux-user",
    "selinux-range",
];
const GROUPMOD_VALUES: &[&str] = &["gid", "new-name", "password", "root", "prefix", "users"];

/// A command's arguments read as getopt_long reads them (options may follow operands); a
/// word whose value is not static is `None`.
struct Options {
    /// (short letter or `\0`, long name or "", value) for each option given.
    given: Vec<(char, String, Option<String>)>,
    operands: Vec<Option<String>>,
}

impl Options {
    fn parse(cmd: &Command, short_values: &str, long_values: &[&str]) -> Options {
        let mut given = Vec::new();
        let mut operands = Vec::new();
        let mut words = cmd.args.iter().map(|w| w.value.clone());
        let mut only_operands = false;
        while let Some(word) = words.next() {
            let Some(text) = word else {
                operands.push(None);
                continue;
            };
            if only_operands || text == "-" || !text.starts_with('-') {
                operands.push(Some(text));
                continue;
            }
            if text == "--" {
                only_operands = true;
            } else if let Some(long) = text.strip_prefix("--") {
                match long.split_once('=') {
                    Some((name, value)) => {
                        given.push(('\0', name.to_owned(), Some(value.to_owned())))
                    }
                    None if long_values.contains(&long) => {
                        given.push(('\0', long.to_owned(), words.next().flatten()))
                    }
                    None => given.push(('\0', long.to_owned(), None)),
                }
            } else {
                let cluster = &text[1..];
                for (i, c) in cluster.char_indices() {
                    if short_values.contains(c) {
                        let rest = &cluster[i + c.len_utf8()..];
                        let value = if rest.is_empty() {
                            words.next().flatten()
                        } else {
                            Some(rest.to_owned())
                        };
                        given.push((c, String::new(), value));
                        break;
                    }
                    given.push((c, String::new(), None));
                }
            }
        }
        Options { given, operands }
    }

    fn matches(
        &self,
        short: char,
        long: &str,
        (c, name, _): &(char, String, Option<String>),
    ) -> bool {
        (short != '\0' && *c == short) || (!name.is_empty() && name == long)
    }

    fn has(&self, short: char, long: &str) -> bool {
        self.given.iter().any(|g| self.matches(short, long, g))
    }

    /// The value of the last time the option is given.
    fn value(&self, short: char, long: &str) -> Option<String> {
        self.given
            .iter()
            .rev()
            .find(|g| self.matches(short, long, g))
            .and_then(|(_, _, v)| v.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use crate::FixKind;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&UserNotNumeric);
    }

    #[test]
    fn fires() {
        let rule = &UserNotNumeric;
        assert_fires(rule, "FROM alpine:3.20.3\nUSER app\n", &[2]);
        assert_fires(rule, "FROM alpine:3.20.3\nUSER app:app\n", &[2]);
        assert_fires(rule, "FROM alpine:3.20.3\nUSER 10001:app\n", &[2]);
        // After ARG expansion.
        assert_fires(
            rule,
            "FROM alpine:3.20.3\nARG APP_USER=app\nUSER ${APP_USER}\n",
            &[3],
        );
        // Inherited from the stage the final stage is built on.
        assert_fires(
            rule,
            "FROM alpine:3.20.3 AS base\nUSER nobody\nFROM base\nCOPY app /app\n",
            &[2],
        );
        // ENV expanded too.
        assert_fires(
            rule,
            "FROM alpine:3.20.3\nENV APP_USER=app\nUSER $APP_USER\n",
            &[3],
        );
        // The last USER decides.
        assert_fires(rule, "FROM alpine:3.20.3\nUSER 1000\nUSER node\n", &[3]);
    }

    #[test]
    fn fix_writes_the_ids_the_dockerfile_gives() {
        let rule = &UserNotNumeric;
        assert_fix(
            rule,
            "FROM debian:12.7\nRUN useradd -u 10001 app\nUSER app\n",
            "FROM debian:12.7\nRUN useradd -u 10001 app\nUSER 10001\n",
            FixKind::Unsafe,
        );
        // Alpine: addgroup/adduser with attached values, continuation lines, lower case, CRLF.
        assert_fix(
            rule,
            "from alpine:3.20.3\r\nrun addgroup -g10001 -S app \\\r\n # the user\r\n && adduser -S -D -u 10001 -G app app\r\nuser   app:app\r\n",
            "from alpine:3.20.3\r\nrun addgroup -g10001 -S app \\\r\n # the user\r\n && adduser -S -D -u 10001 -G app app\r\nuser   10001:10001\r\n",
            FixKind::Unsafe,
        );
        // --uid=N, a numeric group kept, the user made in the stage the final stage is
        // built on, a build stage's useradd ignored.
        assert_fix(
            rule,
            "FROM debian AS build\nRUN useradd --uid=2000 app\nFROM debian AS base\n\
             RUN useradd -m --uid=10001 --gid 0 app\nFROM base\nUSER app:0\n",
            "FROM debian AS build\nRUN useradd --uid=2000 app\nFROM debian AS base\n\
             RUN useradd -m --uid=10001 --gid 0 app\nFROM base\nUSER 10001:0\n",
            FixKind::Unsafe,
        );
        // A numeric user with a named group; Debian's adduser --system --group.
        assert_fix(
            rule,
            "FROM debian\nRUN adduser --system --group --uid 999 --gid 999 svc\nUSER 999:svc\n",
            "FROM debian\nRUN adduser --system --group --uid 999 --gid 999 svc\nUSER 999:999\n",
            FixKind::Unsafe,
        );
        // A heredoc script; the USER inherited from the base stage is fixed where it is.
        assert_fix(
            rule,
            "FROM debian AS base\nRUN <<EOF\nset -e\ngroupadd -g 10001 app\nuseradd -u 10001 -g app app\nEOF\n\
             USER app\nFROM base\nCOPY app /app\n",
            "FROM debian AS base\nRUN <<EOF\nset -e\ngroupadd -g 10001 app\nuseradd -u 10001 -g app app\nEOF\n\
             USER 10001\nFROM base\nCOPY app /app\n",
            FixKind::Unsafe,
        );
    }

    #[test]
    fn no_fix_without_the_ids_from_the_dockerfile() {
        let rule = &UserNotNumeric;
        // The base image's user, or one made without an explicit UID.
        assert_no_fix(rule, "FROM node:20.18.0-slim\nUSER node\n");
        assert_no_fix(rule, "FROM debian\nRUN useradd app\nUSER app\n");
        // The group's ID is not given: useradd makes it with whatever GID is free.
        assert_no_fix(
            rule,
            "FROM debian\nRUN useradd -u 10001 app\nUSER app:app\n",
        );
        // Only a build stage makes the user.
        assert_no_fix(
            rule,
            "FROM debian AS build\nRUN useradd -u 10001 app\nFROM debian\nUSER app\n",
        );
        // UID from a variable, or the USER written with one.
        assert_no_fix(
            rule,
            "FROM debian\nARG UID=10001\nRUN useradd -u $UID app\nUSER app\n",
        );
        assert_no_fix(
            rule,
            "FROM debian\nARG NAME=app\nRUN useradd -u 10001 app\nUSER $NAME\n",
        );
        // Made conditionally, twice with different UIDs, renumbered, non-unique.
        assert_no_fix(
            rule,
            "FROM debian\nRUN id app || useradd -u 10001 app\nUSER app\n",
        );
        assert_no_fix(
            rule,
            "FROM debian\nRUN if ! id app; then useradd -u 10001 app; fi\nUSER app\n",
        );
        assert_no_fix(
            rule,
            "FROM debian AS base\nRUN useradd -u 10001 app\nFROM base\nRUN userdel app && useradd -u 10002 app\nUSER app\n",
        );
        assert_no_fix(
            rule,
            "FROM debian\nRUN useradd -u 10001 app && usermod -u 10005 app\nUSER app\n",
        );
        assert_no_fix(rule, "FROM debian\nRUN useradd -o -u 0 app\nUSER app\n");
        // Accounts written by hand, or copied in.
        assert_no_fix(
            rule,
            "FROM debian\nRUN useradd -u 10001 app && echo 'app:x:2000:2000::/:/bin/sh' >> /etc/passwd\nUSER app\n",
        );
        assert_no_fix(
            rule,
            "FROM debian\nRUN useradd -u 10001 app\nCOPY passwd /etc/passwd\nUSER app\n",
        );
        // An account whose name is not static may be this one.
        assert_no_fix(
            rule,
            "FROM debian\nRUN useradd -u 10001 app && useradd \"$(cat /name)\"\nUSER app\n",
        );
    }

    #[test]
    fn options_are_read_as_getopt_reads_them() {
        let script = Script::parse(
            "useradd -mu10001 -s /bin/sh --home-dir /srv app -g 0",
            seaworthy_dockerfile::shell::Dialect::Posix,
        );
        let parsed = Options::parse(&script.commands[0], "bcdefgGkKpPRsuZ", USERADD_VALUES);
        assert_eq!(parsed.operands, [Some("app".to_owned())]);
        assert!(parsed.has('m', "create-home"));
        assert_eq!(parsed.value('u', "uid").as_deref(), Some("10001"));
        assert_eq!(parsed.value('g', "gid").as_deref(), Some("0"));
        assert_eq!(parsed.value('d', "home-dir").as_deref(), Some("/srv"));
    }

    #[test]
    fn passes() {
        let rule = &UserNotNumeric;
        assert_clean(rule, "FROM alpine:3.20.3\nUSER 10001\n");
        assert_clean(rule, "FROM alpine:3.20.3\nUSER 10001:10001\n");
        assert_clean(
            rule,
            "FROM alpine:3.20.3\nARG UID=10001\nUSER ${UID}:${UID}\n",
        );
        // Build stages may use names.
        assert_clean(
            rule,
            "FROM node:20.18.0 AS build\nUSER node\nRUN npm ci\n\
             FROM gcr.io/distroless/nodejs20-debian12:nonroot\nUSER 65532:65532\n",
        );
        // Root and no USER: last-user-root's concern.
        assert_clean(rule, "FROM alpine:3.20.3\nUSER root\n");
        assert_clean(rule, "FROM alpine:3.20.3\nCOPY app /app\n");
        // Windows users have names only.
        assert_clean(
            rule,
            "FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nUSER ContainerUser\n",
        );
        assert_clean(
            rule,
            "FROM --platform=windows/amd64 example/app:1.0.0\nUSER ContainerAdministrator\n",
        );
        assert_clean(
            rule,
            "FROM mcr.microsoft.com/dotnet/aspnet:8.0.10-windowsservercore-ltsc2022\n\
             USER ContainerUser\n",
        );
        // Awaiting --build-arg.
        assert_clean(rule, "FROM alpine:3.20.3\nARG UID\nUSER $UID\n");
        // ENV gives the number; or the base image's ENV does, unknown here (.NET images).
        assert_clean(
            rule,
            "FROM alpine:3.20.3\nENV APP_UID=1654\nUSER $APP_UID\n",
        );
        assert_clean(
            rule,
            "FROM mcr.microsoft.com/dotnet/aspnet:8.0.10-alpine\nUSER $APP_UID\n",
        );
    }
}
