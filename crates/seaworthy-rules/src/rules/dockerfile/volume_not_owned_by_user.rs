use seaworthy_dockerfile::shell::Command;
use seaworthy_dockerfile::{Args, Expanded, Keyword, Span, Stage, Step};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// The final image runs as a non-root `USER` and declares a `VOLUME` on a directory that
/// nothing in the final stage (or the stages it is built `FROM`) gives to that user.
///
/// What counts as giving the directory to the user (the user matched by name or UID; a name
/// against a UID, or an owner written with a variable, counts as a match since it cannot be
/// told apart here):
/// - `chown USER[:GROUP] DIR`, or `chown -R` on the directory or one of its parents;
/// - `install -d -o USER DIR` (`--directory`, `--owner=`);
/// - `COPY --chown=USER … DIR` (or `ADD`), the destination being the directory or a parent;
/// - `mkdir DIR` or `WORKDIR DIR` while that `USER` is in effect (BuildKit creates a WORKDIR as
///   the current user);
/// - `useradd -m`/`adduser` creating the user with the directory as its home;
/// - any `chmod` or `chgrp` on the directory (or recursive on a parent): the Dockerfile has
///   chosen its permissions, for instance OpenShift's `chgrp 0` + `chmod g=u` pattern.
///
/// To stay quiet about directories the base image may already give to the user, the rule only
/// reports a volume when this Dockerfile creates the user (`useradd`, `adduser`) or creates the
/// directory (or a parent) itself as root (`mkdir`, `WORKDIR`, `COPY` without `--chown`). A
/// `chown` whose path is not known here (`chown app "$DATA_DIR"`) silences the rule. When the
/// user is root or no USER is set the rule is silent: `last-user-root` reports that.
pub struct VolumeNotOwnedByUser;

static META: RuleMeta = RuleMeta {
    id: "SW1120",
    name: "volume-not-owned-by-user",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 5,
    aliases: &[],
    summary: "A VOLUME directory is not owned by the non-root user the image runs as.",
    why: "A named volume is initialised from the image's directory, owner included, and a \
          non-root process can only write where its user has permission. A `VOLUME /data` \
          created by root and used by `USER app` makes the first write fail at run time \
          (`permission denied` on startup or, worse, on the first upload), and the usual \
          \"fix\" in production is to run the container as root or `chmod 777` the volume. \
          Create the directory owned by the runtime user, with a fixed UID, before declaring \
          the volume.",
    bad: "FROM python:3.12.7-slim\nRUN useradd --uid 10001 --no-log-init app && mkdir /data\n\
          VOLUME /data\nUSER 10001\nCMD [\"python\", \"-m\", \"app\"]\n",
    good: "FROM python:3.12.7-slim\nRUN useradd --uid 10001 --no-log-init app \\\n    \
           && mkdir /data && chown 10001:10001 /data\nVOLUME /data\nUSER 10001\n\
           CMD [\"python\", \"-m\", \"app\"]\n",
};

impl DockerfileRule for VolumeNotOwnedByUser {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let Some(last) = cx.final_stage() else { return };
        let Some(user) = &last.at_end.user else {
            return;
        };
        if user.is_root() || user.user().is_empty() {
            return;
        }
        let mut facts = Facts::new(user.user().to_owned());
        for stage in cx.runtime_chain().into_iter().rev() {
            for (i, step) in stage.steps.iter().enumerate() {
                facts.step(stage, i, step);
            }
        }
        if facts.owner_of_unknown_path {
            return;
        }
        for (dir, span) in &facts.volumes {
            if facts.owned.iter().any(|o| o.covers(dir)) {
                continue;
            }
            let created_as_root = facts
                .root_created
                .iter()
                .any(|p| p == dir || under(dir, p) || under(p, dir));
            if !(facts.user_created || created_as_root) {
                continue;
            }
            out.push(Finding::new(
                &META,
                *span,
                format!(
                    "VOLUME {dir} is not owned by `{}`, the user the image runs as: writes to \
                     the volume will fail; create it with `chown {} {dir}` (or `COPY \
                     --chown`) before the VOLUME",
                    facts.user, facts.user
                ),
            ));
        }
    }
}

/// A directory given to the user, and whether everything below it is too.
struct Owned {
    path: String,
    recursive: bool,
}

impl Owned {
    fn covers(&self, dir: &str) -> bool {
        self.path == dir || (self.recursive && under(dir, &self.path))
    }
}

/// What the runtime chain does, instruction by instruction.
struct Facts {
    user: String,
    owned: Vec<Owned>,
    root_created: Vec<String>,
    user_created: bool,
    owner_of_unknown_path: bool,
    volumes: Vec<(String, Span)>,
}

impl Facts {
    fn new(user: String) -> Facts {
        Facts {
            user,
            owned: Vec::new(),
            root_created: Vec::new(),
            user_created: false,
            owner_of_unknown_path: false,
            volumes: Vec::new(),
        }
    }

    fn step(&mut self, stage: &Stage<'_>, i: usize, step: &Step<'_>) {
        let as_user = step
            .in_effect
            .user
            .as_ref()
            .filter(|u| !u.is_root())
            .is_some_and(|u| same_user(u.user(), &self.user));
        let workdir = step.in_effect.workdir.as_ref().map(|w| w.path.as_str());
        match &step.expanded {
            Expanded::Volume(paths) => {
                let spans: Vec<Span> = match &step.instruction.args {
                    Args::Words(w) => w.iter().map(|a| a.span).collect(),
                    Args::Json { items, .. } => items.iter().map(|a| a.span).collect(),
                    _ => Vec::new(),
                };
                for (j, path) in paths.iter().enumerate() {
                    let Some(dir) = resolve(workdir, path) else {
                        continue;
                    };
                    let span = spans.get(j).copied().unwrap_or(step.instruction.keyword);
                    self.volumes.push((dir, span));
                }
            }
            Expanded::Workdir(_) if step.instruction.kind == Keyword::Workdir => {
                let after = match stage.steps.get(i + 1) {
                    Some(next) => next.in_effect.workdir.clone(),
                    None => stage.at_end.workdir.clone(),
                };
                if let Some(w) = after.filter(|w| !w.relative_to_unknown) {
                    self.created(clean(&w.path), as_user);
                }
            }
            Expanded::Copy(copy) | Expanded::Add(copy) => {
                let Some(dest) = resolve(workdir, &copy.dest) else {
                    return;
                };
                match copy.chown.as_deref() {
                    Some(owner) if self.matches_owner(owner) => self.owned.push(Owned {
                        path: dest,
                        recursive: true,
                    }),
                    _ => self.root_created.push(dest),
                }
            }
            _ => {}
        }
        let Some(script) = step.run.as_ref().and_then(|r| r.script()) else {
            return;
        };
        for cmd in &script.commands {
            match cmd.name_str() {
                Some("chown") => self.chown(cmd, workdir),
                Some("chmod" | "chgrp") => {
                    let recursive = cmd.has_flag(Some('R'), Some("recursive"));
                    for path in operands(cmd).skip(1) {
                        match path.and_then(|p| resolve(workdir, p)) {
                            Some(p) => self.owned.push(Owned { path: p, recursive }),
                            None => self.owner_of_unknown_path = true,
                        }
                    }
                }
                Some("install") if cmd.has_flag(Some('d'), Some("directory")) => {
                    let owner = option_value(cmd, 'o', "owner");
                    if owner.is_some_and(|o| self.matches_owner(o)) {
                        for path in operands(cmd).flatten() {
                            if let Some(p) = resolve(workdir, path) {
                                self.owned.push(Owned {
                                    path: p,
                                    recursive: false,
                                });
                            }
                        }
                    }
                }
                Some("mkdir") => {
                    let mode = option_value(cmd, 'm', "mode");
                    for path in operands(cmd).flatten() {
                        if Some(path) == mode {
                            continue;
                        }
                        if let Some(p) = resolve(workdir, path) {
                            self.created(p, as_user);
                        }
                    }
                }
                Some(name @ ("useradd" | "adduser")) => self.user_added(cmd, name),
                _ => {}
            }
        }
    }

    /// A directory made by the step: the user's when it ran as the user, root's otherwise.
    fn created(&mut self, path: String, as_user: bool) {
        if as_user {
            self.owned.push(Owned {
                path,
                recursive: false,
            });
        } else {
            self.root_created.push(path);
        }
    }

    fn chown(&mut self, cmd: &Command, workdir: Option<&str>) {
        let recursive = cmd.has_flag(Some('R'), Some("recursive"));
        let mut args = operands(cmd);
        let owner_matches = match args.next() {
            Some(Some(owner)) => self.matches_owner(owner),
            Some(None) => true,
            None => return,
        };
        if !owner_matches {
            return;
        }
        for path in args {
            match path.and_then(|p| resolve(workdir, p)) {
                Some(p) => self.owned.push(Owned { path: p, recursive }),
                None => self.owner_of_unknown_path = true,
            }
        }
    }

    fn user_added(&mut self, cmd: &Command, name: &str) {
        let Some(Some(login)) = operands(cmd).last() else {
            return;
        };
        let uid = option_value(cmd, 'u', "uid");
        if login != self.user && uid != Some(self.user.as_str()) {
            return;
        }
        self.user_created = true;
        // `adduser` (Debian's and BusyBox's) creates the home directory unless told not to;
        // `useradd` only with `-m`.
        let creates_home = if name == "adduser" {
            !cmd.has_flag(Some('H'), Some("no-create-home")) && !cmd.has_flag(None, Some("system"))
        } else {
            cmd.has_flag(Some('m'), Some("create-home"))
        };
        if creates_home {
            let home = option_value(cmd, 'd', "home-dir")
                .or_else(|| option_value(cmd, 'h', "home"))
                .map(clean)
                .unwrap_or_else(|| format!("/home/{login}"));
            self.owned.push(Owned {
                path: home,
                recursive: false,
            });
        }
    }

    /// `user`, `user:group`, `uid:gid`; a name against a UID cannot be told apart here.
    fn matches_owner(&self, owner: &str) -> bool {
        let user = owner.split([':', '.']).next().unwrap_or("");
        !user.is_empty() && (user.contains('$') || same_user(user, &self.user))
    }
}

fn same_user(a: &str, b: &str) -> bool {
    let numeric = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
    a == b || numeric(a) != numeric(b)
}

/// The operands of a command (arguments that are not options), `None` where the value is not
/// known statically. Option values are not told apart from operands except for `-o`, `-m`,
/// `-g`, `-u`, `-d`, `-h`, `-s`, `-G`, `-c` written separately, which the commands this rule
/// reads take with a value.
fn operands(cmd: &Command) -> impl Iterator<Item = Option<&str>> {
    let mut skip_next = false;
    let mut ended = false;
    cmd.args.iter().filter_map(move |w| {
        let v = w.value.as_deref();
        if skip_next {
            skip_next = false;
            return None;
        }
        if !ended {
            if v == Some("--") {
                ended = true;
                return None;
            }
            if let Some(flag) = v.filter(|v| v.starts_with('-') && v.len() > 1) {
                skip_next = matches!(
                    flag,
                    "-o" | "-m"
                        | "-g"
                        | "-u"
                        | "-d"
                        | "-h"
                        | "-s"
                        | "-G"
                        | "-c"
                        | "--owner"
                        | "--group"
                        | "--mode"
                        | "--uid"
                        | "--home-dir"
                        | "--home"
                        | "--shell"
                        | "--gid"
                        | "--ingroup"
                        | "--comment"
                        | "--gecos"
                );
                return None;
            }
        }
        Some(v)
    })
}

/// The value of `-x VALUE`, `-xVALUE`, `--long=VALUE` or `--long VALUE`.
fn option_value<'c>(cmd: &'c Command, short: char, long: &str) -> Option<&'c str> {
    let values: Vec<Option<&str>> = cmd.arg_values().collect();
    let short_flag = format!("-{short}");
    let long_flag = format!("--{long}");
    for (i, v) in values.iter().enumerate() {
        let Some(v) = v else { continue };
        if *v == short_flag || *v == long_flag {
            return values.get(i + 1).copied().flatten();
        }
        if let Some(rest) = v.strip_prefix(&format!("{long_flag}=")) {
            return Some(rest);
        }
        if let Some(rest) = v.strip_prefix(&short_flag) {
            if !rest.is_empty() && !v.starts_with("--") && short != 'd' {
                return Some(rest);
            }
        }
    }
    None
}

/// An absolute, clean path for `path` written with `workdir` in effect; `None` when it is not
/// known (a variable, a glob, or relative to an unknown working directory).
fn resolve(workdir: Option<&str>, path: &str) -> Option<String> {
    if path.is_empty() || path.contains(['$', '*', '?', '[']) {
        return None;
    }
    if path.starts_with('/') {
        return Some(clean(path));
    }
    workdir.map(|w| clean(&format!("{w}/{path}")))
}

fn clean(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Whether `path` is strictly below `dir`.
fn under(path: &str, dir: &str) -> bool {
    dir == "/" && path != "/"
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&VolumeNotOwnedByUser);
    }

    #[test]
    fn fires() {
        let rule = &VolumeNotOwnedByUser;
        // Created by root, used by a user the Dockerfile adds.
        assert_fires(
            rule,
            "FROM alpine\nRUN adduser -D app && mkdir -p /data\nVOLUME /data\nUSER app\n",
            &[3],
        );
        assert_fires(
            rule,
            "FROM debian\nRUN useradd -u 1001 app\nVOLUME [\"/data\", \"/cache\"]\nUSER 1001\n",
            &[3, 3],
        );
        // Root made the directory; the user is numeric and not created here.
        assert_fires(
            rule,
            "FROM alpine\nWORKDIR /srv/uploads\nVOLUME /srv/uploads\nUSER 10001\n",
            &[3],
        );
        // chown to somebody else, or not recursive on the parent.
        assert_fires(
            rule,
            "FROM alpine\nRUN adduser -D app && mkdir -p /data/db && chown www /data/db\n\
             VOLUME /data/db\nUSER app\n",
            &[3],
        );
        assert_fires(
            rule,
            "FROM alpine\nRUN adduser -D app \\\n && mkdir -p /data/db \\\n && chown app /data\n\
             VOLUME /data/db\nUSER app:app\n",
            &[5],
        );
        // COPY without --chown makes root the owner.
        assert_fires(
            rule,
            "FROM alpine\nRUN adduser -D app\nCOPY seed/ /var/lib/app/\nVOLUME /var/lib/app\n\
             USER app\n",
            &[4],
        );
        // Inherited through FROM <stage>; heredoc RUN.
        assert_fires(
            rule,
            "FROM alpine AS base\nRUN <<EOF\nadduser -D app\nmkdir /data\nEOF\n\
             FROM base\nVOLUME /data\nUSER app\n",
            &[7],
        );
    }

    #[test]
    fn passes() {
        let rule = &VolumeNotOwnedByUser;
        let ok = [
            // chown, recursive chown of a parent, install -d -o.
            "FROM alpine\nRUN adduser -D app && mkdir /data && chown app:app /data\nVOLUME /data\nUSER app\n",
            "FROM alpine\nRUN adduser -D app && mkdir -p /srv/data && chown -R app /srv\nVOLUME /srv/data\nUSER app\n",
            "FROM alpine\nRUN adduser -D app && install -d -o app -g app /data\nVOLUME /data\nUSER app\n",
            "FROM alpine\nRUN useradd -u 1001 app && install -d --owner=1001 /data\nVOLUME /data\nUSER 1001\n",
            // COPY --chown to the directory.
            "FROM alpine\nRUN adduser -D app\nCOPY --chown=app:app seed/ /data/\nVOLUME /data\nUSER app\n",
            // Created while the user is in effect.
            "FROM alpine\nRUN adduser -D app\nUSER app\nRUN mkdir -p /tmp/cache\nVOLUME /tmp/cache\n",
            "FROM alpine\nRUN adduser -D app\nUSER app\nWORKDIR /home/app/data\nVOLUME /home/app/data\n",
            // The user's home directory.
            "FROM alpine\nRUN adduser -D app\nVOLUME /home/app\nUSER app\n",
            "FROM debian\nRUN useradd -m -d /srv/app app\nVOLUME /srv/app\nUSER app\n",
            // Permissions chosen explicitly (OpenShift style).
            "FROM alpine\nRUN mkdir /data && chgrp -R 0 /data && chmod -R g=u /data\nVOLUME /data\nUSER 1001\n",
            // A path not known here.
            "FROM alpine\nRUN adduser -D app && mkdir /data && chown app \"$DATA\"\nVOLUME /data\nUSER app\n",
            // Root, or no USER: last-user-root's concern.
            "FROM alpine\nRUN mkdir /data\nVOLUME /data\n",
            "FROM alpine\nRUN mkdir /data\nVOLUME /data\nUSER root\n",
            // Nothing says the directory is not the user's already (the base image's).
            "FROM node:20\nVOLUME /home/node/app\nUSER node\n",
            // A build stage's VOLUME does not ship.
            "FROM alpine AS b\nRUN adduser -D app && mkdir /d\nVOLUME /d\nUSER app\nFROM alpine\nUSER 1000\n",
        ];
        for src in ok {
            assert_clean(rule, src);
        }
    }
}
