use seaworthy_dockerfile::model::ScriptOrigin;
use seaworthy_dockerfile::shell::{Command, Connector};
use seaworthy_dockerfile::{Args, Keyword, Span, Stage};

use super::apt_lists_not_removed::removes_lists;
use super::fixes_run::append_commands;
use super::install_without_yes::{subcommand, APT_VALUE_FLAGS};
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Edit, Finding, Fix, FixKind, RuleMeta, Severity};

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
          the stages the final image is built from are checked. `seaworthy fix` moves the \
          cleanup when its RUN does nothing else and follows the install RUN with only COPY, \
          ADD, LABEL or EXPOSE between them: the commands are appended to the install RUN and \
          the cleanup RUN is removed.",
    bad:
        "FROM debian:12.7\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n\
          RUN rm -rf /var/lib/apt/lists/*\n",
    good:
        "FROM debian:12.7\nRUN apt-get update && apt-get install -y --no-install-recommends curl \
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

    fn fix_kind(&self) -> FixKind {
        FixKind::Safe
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let mut installed_before: Vec<(Manager, Span)> = Vec::new();
        // From the bottom of the chain up: a parent stage's layers are below its child's.
        for stage in cx.runtime_chain().into_iter().rev() {
            for (index, step) in stage.steps.iter().enumerate() {
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                let mut moved: Option<Option<Moved>> = None;
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
                    let mut finding = Finding::new(
                        &META,
                        run.source_span(name.span.clone()),
                        format!(
                            "this cleanup runs in a later RUN than the {} install, so the \
                             files stay in the earlier layer and the image does not shrink; \
                             clean up in the RUN that installs",
                            manager.as_str()
                        ),
                    )
                    .with_related(*installed, "installed in this earlier layer");
                    if let Some(m) = moved.get_or_insert_with(|| move_cleanup(cx, stage, index)) {
                        if let Some(after) = m.after {
                            finding = finding
                                .with_related(after, "the cleanup moves to the end of this RUN");
                        }
                        finding = finding
                            .with_related(m.removed, "this RUN only cleans up: it is removed")
                            .with_fix(Fix::safe(
                                "move the cleanup into the RUN that installs",
                                m.edits.clone(),
                            ));
                    }
                    out.push(finding);
                }
                installed_before.extend(installs);
            }
        }
    }
}

/// The fix of a RUN that only cleans up: its commands appended to the install RUN, and the RUN
/// removed.
struct Moved {
    edits: Vec<Edit>,
    /// The last word of the install RUN, which the commands go after.
    after: Option<Span>,
    /// The cleanup RUN's lines, which are deleted.
    removed: Span,
}

/// Instructions that may stand between the install RUN and the cleanup RUN: they neither run
/// anything nor change how a RUN runs (no USER, SHELL, ENV, ARG, WORKDIR or VOLUME).
const NEUTRAL: &[Keyword] = &[Keyword::Copy, Keyword::Add, Keyword::Label, Keyword::Expose];

/// Moving the cleanup RUN `steps[index]` of `stage` into the install RUN before it, when the
/// cleanup RUN is a plain shell-form RUN of cleanup commands joined by `&&` or `;`, and the
/// nearest earlier RUN of the stage installs with every manager it cleans up after, with only
/// [`NEUTRAL`] instructions between them.
fn move_cleanup(cx: &DockerfileContext<'_>, stage: &Stage<'_>, index: usize) -> Option<Moved> {
    let step = &stage.steps[index];
    let ins = step.instruction;
    let run = step.run.as_ref()?;
    let script = run.script()?;
    if ins.kind != Keyword::Run
        || !ins.flags.is_empty()
        || !ins.heredocs.is_empty()
        || !ins.skipped.is_empty()
        || !matches!(ins.args, Args::String(_))
        || run.origin != ScriptOrigin::ShellForm
        || script.has_errors
    {
        return None;
    }
    let plain = script.commands.iter().all(|c| {
        cleans_up(c).is_some()
            && c.wrapper.is_none()
            && c.wrapped_by.is_none()
            && c.subshell_depth == 0
            && !c.in_condition
            && !c.in_function
            && !c.in_substitution
            && c.pipeline.is_none()
            && matches!(
                c.connector_before,
                None | Some(Connector::And | Connector::Seq)
            )
    });
    if !plain || script.commands.is_empty() {
        return None;
    }
    let install_at = stage.steps[..index]
        .iter()
        .rposition(|s| !NEUTRAL.contains(&s.instruction.kind))?;
    let install = &stage.steps[install_at];
    if install.instruction.kind != Keyword::Run {
        return None;
    }
    let install_script = install.run.as_ref()?.script()?;
    let managers: Vec<Manager> = install_script
        .commands
        .iter()
        .filter_map(installs_with)
        .collect();
    if !script
        .commands
        .iter()
        .all(|c| cleans_up(c).is_some_and(|m| managers.contains(&m)))
    {
        return None;
    }
    // The commands as plain text, without those the install RUN already runs.
    let already: Vec<String> = install_script
        .commands
        .iter()
        .filter_map(plain_text)
        .collect();
    let mut to_append: Vec<String> = Vec::new();
    for c in &script.commands {
        let text = plain_text(c)?;
        if !already.contains(&text) && !to_append.contains(&text) {
            to_append.push(text);
        }
    }
    let mut edits = Vec::new();
    let mut after = None;
    if !to_append.is_empty() {
        let append = append_commands(cx.file, install, &to_append)?;
        edits.push(append.edit);
        after = Some(append.after);
    }
    let removed = whole_lines(cx.file.source(), ins.span);
    edits.push(Edit::delete(removed));
    Some(Moved {
        edits,
        after,
        removed,
    })
}

/// `cmd` written out plainly: its assignments, name, arguments and redirects as written,
/// separated by one space; `None` if a word spans lines.
fn plain_text(cmd: &Command) -> Option<String> {
    let mut words: Vec<&str> = cmd.assignments.iter().map(|w| w.raw.as_str()).collect();
    words.push(cmd.name.as_ref()?.raw.as_str());
    words.extend(cmd.args.iter().map(|w| w.raw.as_str()));
    let mut text = words.join(" ");
    for r in &cmd.redirects {
        if r.heredoc.is_some() {
            return None;
        }
        text.push(' ');
        if let Some(fd) = r.fd {
            text.push_str(&fd.to_string());
        }
        text.push_str(&r.op);
        text.push_str(&r.target.as_ref()?.raw);
    }
    (!text.contains('\n')).then_some(text)
}

/// `span` widened to whole lines: from the start of its first line, when only white space
/// comes before it there, to the end of its last line, line ending included.
fn whole_lines(src: &[u8], span: Span) -> Span {
    let line_start = src[..span.start]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let start = if src[line_start..span.start]
        .iter()
        .all(|b| b.is_ascii_whitespace())
    {
        line_start
    } else {
        span.start
    };
    let end = if span.end > span.start && src[span.end - 1] == b'\n' {
        span.end
    } else {
        src[span.end..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(src.len(), |i| span.end + i + 1)
    };
    Span::new(start, end)
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
    fn fixes() {
        let r = &CleanupInLaterLayer;
        assert_fix(r, META.bad, META.good, FixKind::Safe);
        // Continued lines, a neutral instruction between, two cleanup commands.
        assert_fix(
            r,
            "FROM debian\nRUN apt-get update && \\\n    apt-get install -y curl\nCOPY . /app\n\
             RUN apt-get clean \\\n && rm -rf /var/lib/apt/lists/*\nCMD [\"/app/run\"]\n",
            "FROM debian\nRUN apt-get update && \\\n    apt-get install -y curl && \\\n    \
             apt-get clean && \\\n    rm -rf /var/lib/apt/lists/*\nCOPY . /app\nCMD [\"/app/run\"]\n",
            FixKind::Safe,
        );
        assert_fix(
            r,
            "FROM alpine\r\nRUN apk add curl\r\nRUN rm -rf /var/cache/apk/*\r\nUSER 1000\r\n",
            "FROM alpine\r\nRUN apk add curl && rm -rf /var/cache/apk/*\r\nUSER 1000\r\n",
            FixKind::Safe,
        );
        // A comment above the cleanup stays; an indented RUN goes with its indent; `;`.
        assert_fix(
            r,
            "FROM fedora\nRUN dnf -y install git # vcs\n# tidy up\n  RUN dnf clean all; rm -rf /var/cache/dnf\nUSER 1000\n",
            "FROM fedora\nRUN dnf -y install git && dnf clean all && rm -rf /var/cache/dnf # vcs\n# tidy up\nUSER 1000\n",
            FixKind::Safe,
        );
        // The last line, without a newline.
        assert_fix(
            r,
            "FROM python\nRUN pip install flask\nRUN pip cache purge",
            "FROM python\nRUN pip install flask && pip cache purge\n",
            FixKind::Safe,
        );
        // The install RUN already cleans up: the later RUN is only removed.
        assert_fix(
            r,
            "FROM debian\nRUN apt-get update && rm -rf /var/lib/apt/lists/*\nRUN rm -rf /var/lib/apt/lists/*\n",
            "FROM debian\nRUN apt-get update && rm -rf /var/lib/apt/lists/*\n",
            FixKind::Safe,
        );
        // The nearest RUN is the one the cleanup joins.
        assert_fix(
            r,
            "FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\nRUN apt-get clean\n",
            "FROM debian\nRUN apt-get update\nRUN apt-get install -y curl && apt-get clean\n",
            FixKind::Safe,
        );
    }

    #[test]
    fn no_fix_unless_the_move_is_mechanical() {
        let r = &CleanupInLaterLayer;
        // The later RUN does more than clean up.
        assert_no_fix(
            r,
            "FROM debian\nRUN apt-get update\nRUN rm -rf /var/lib/apt/lists/* && useradd app\n",
        );
        assert_no_fix(
            r,
            "FROM debian\nRUN apt-get update\nRUN rm -rf /var/lib/apt/lists/* || true\n",
        );
        // Something between them changes how RUN runs.
        assert_no_fix(
            r,
            "FROM debian\nRUN apt-get update\nUSER app\nRUN rm -rf /var/lib/apt/lists/*\n",
        );
        assert_no_fix(
            r,
            "FROM debian\nRUN apt-get update\nENV HOME=/x\nRUN rm -rf /var/lib/apt/lists/*\n",
        );
        // The nearest RUN does not install with apt.
        assert_no_fix(
            r,
            "FROM debian\nRUN apt-get update\nRUN make\nRUN rm -rf /var/lib/apt/lists/*\n",
        );
        // Flags, heredocs, wrappers.
        assert_no_fix(
            r,
            "FROM debian\nRUN apt-get update\nRUN --network=none rm -rf /var/lib/apt/lists/*\n",
        );
        assert_no_fix(
            r,
            "FROM fedora\nRUN dnf -y install git\nRUN <<EOF\ndnf clean all\nEOF\n",
        );
        assert_no_fix(
            r,
            "FROM alpine\nRUN apk add curl\nRUN sudo rm -rf /var/cache/apk/*\n",
        );
        // The install is in the parent stage.
        assert_no_fix(
            r,
            "FROM debian AS base\nRUN apt-get update\nFROM base\nRUN rm -rf /var/lib/apt/lists/*\n",
        );
        // The install RUN cannot take an appended command.
        assert_no_fix(
            r,
            "FROM debian\nRUN apt-get update &\nRUN rm -rf /var/lib/apt/lists/*\n",
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
