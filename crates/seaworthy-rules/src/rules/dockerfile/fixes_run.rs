//! Fixes that edit the shell script of a `RUN`: a switch inserted next to a word of a command
//! (`apt-get install -y`), and commands appended to the end of the script in the file's own
//! style (`&& rm -rf /var/lib/apt/lists/*`).
//!
//! Both work on the spans of the shell analysis mapped back to the Dockerfile, and both give up
//! rather than guess: a word that is not written as the shell reads it, a command built from
//! variables, a script the shell parser does not fully understand, a heredoc.

use seaworthy_dockerfile::model::ScriptOrigin;
use seaworthy_dockerfile::shell::{Command, Connector, Script, Word};
use seaworthy_dockerfile::{
    Args, Dockerfile, Instruction, Keyword, RunScript, SkippedLine, Span, Step,
};

use crate::Edit;

/// An edit inserting `text` right after `word`, a word of `cmd` in `run`'s script (`" -y"`
/// after `install`).
pub(super) fn insert_after(
    file: &Dockerfile,
    run: &RunScript,
    cmd: &Command,
    word: &Word,
    text: &str,
) -> Option<Edit> {
    let span = word_in_source(file, run, cmd, word)?;
    Some(Edit::insert(span.end, text))
}

/// An edit inserting `text` right before `word` (`"-n "` before zypper's subcommand).
pub(super) fn insert_before(
    file: &Dockerfile,
    run: &RunScript,
    cmd: &Command,
    word: &Word,
    text: &str,
) -> Option<Edit> {
    let span = word_in_source(file, run, cmd, word)?;
    Some(Edit::insert(span.start, text))
}

/// Where `word` is in the Dockerfile, when it is written there exactly as the shell reads it
/// and the command up to it is static: its name and every argument before it have known
/// values, and the script parsed without errors.
fn word_in_source(file: &Dockerfile, run: &RunScript, cmd: &Command, word: &Word) -> Option<Span> {
    let script = run.script()?;
    if script.has_errors || cmd.name_str().is_none() {
        return None;
    }
    let static_up_to_word = cmd
        .args
        .iter()
        .filter(|a| a.span.start <= word.span.start)
        .all(|a| a.value.is_some());
    if !static_up_to_word || word.value.is_none() {
        return None;
    }
    let span = run.source_span(word.span.clone());
    let written = file.source().get(span.range())?;
    (written == word.raw.as_bytes()).then_some(span)
}

/// Commands appended to a RUN: the edit, and the last word of the script it goes after (for a
/// related span, so the edit lies inside the finding's spans).
#[derive(Debug, Clone)]
pub(super) struct Append {
    pub edit: Edit,
    pub after: Span,
}

/// Wrappers that run a command as the same user in the same root: a cleanup appended at the
/// top level of the script reaches what such a command wrote.
const SAME_CONTEXT_WRAPPERS: &[&str] = &[
    "env", "time", "nice", "ionice", "nohup", "command", "xargs", "timeout", "stdbuf", "sh",
    "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox",
];

/// Whether a cleanup appended to the script reaches what `cmd` did: `cmd` is not run as
/// another user or in another root (`sudo`, `su`, `chroot`, …).
pub(super) fn cleanup_reaches(script: &Script, cmd: &Command) -> bool {
    let mut next = cmd.wrapped_by;
    let mut seen = 0;
    while let Some(i) = next {
        let Some(wrapper) = script.commands.get(i) else {
            return false;
        };
        if !wrapper
            .name_str()
            .is_some_and(|n| SAME_CONTEXT_WRAPPERS.contains(&n))
        {
            return false;
        }
        seen += 1;
        if seen > script.commands.len() {
            return false;
        }
        next = wrapper.wrapped_by;
    }
    cmd.wrapper
        .as_deref()
        .is_none_or(|w| SAME_CONTEXT_WRAPPERS.contains(&w))
}

/// An edit appending `commands` (each a plain command such as `rm -rf /var/lib/apt/lists/*`)
/// with `&&` to the shell-form script of `step`'s RUN, when the shell parse says that runs
/// them after everything else succeeded: not after a `&` that backgrounds the last command,
/// not into a trailing comment (they go before it), not into an unterminated construct, and
/// not after an `exit` or `exec`. The file is re-parsed with the edit to make sure the RUN
/// then hands the shell exactly the script that was checked. Layout: see [`styled`].
pub(super) fn append_commands(
    file: &Dockerfile,
    step: &Step<'_>,
    commands: &[String],
) -> Option<Append> {
    let ins = step.instruction;
    let run = step.run.as_ref()?;
    if ins.kind != Keyword::Run
        || !ins.heredocs.is_empty()
        || !matches!(ins.args, Args::String(_))
        || run.origin != ScriptOrigin::ShellForm
        || run.interpreter.is_some()
        || commands.is_empty()
    {
        return None;
    }
    let script = run.script()?;
    if script.has_errors || script.commands.is_empty() {
        return None;
    }
    let ends_the_shell = script.commands.iter().any(|c| {
        matches!(c.name_str(), Some("exit" | "exec"))
            && c.subshell_depth == 0
            && !c.in_function
            && !c.in_substitution
    });
    if ends_the_shell {
        return None;
    }
    let addition = commands.join(" && ");
    let added = Script::parse(&addition, script.dialect);
    if added.has_errors || added.commands.len() != commands.len() {
        return None;
    }
    let text = run.text.as_str();
    let p = candidates(text)
        .into_iter()
        .find(|&p| sound_at(text, script, p, &addition, commands.len()))?;
    // The Dockerfile offset just after the script's byte before `p`.
    let at = run.source_span(p - 1..p).end;
    let script_start = run.source_offset(0);
    let insertion = styled(file, ins, script_start, at, commands)?;
    let after_start = text[..p]
        .rfind(|c: char| c.is_whitespace())
        .map_or(0, |i| i + 1);
    let after = run.source_span(after_start..p);
    let expected = format!("{} && {addition}{}", &text[..p], &text[p..]);
    if !reparses_to(file, ins, at, &insertion, &expected) {
        return None;
    }
    Some(Append {
        edit: Edit::insert(at, insertion),
        after,
    })
}

/// Script offsets where an addition might go, best first: the end of the script, before a
/// trailing `;`, and before each comment that may end the script (last first).
fn candidates(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let push_end = |end: usize, out: &mut Vec<usize>| {
        let end = text[..end].trim_end().len();
        if end == 0 {
            return;
        }
        out.push(end);
        if let Some(before) = text[..end].strip_suffix(';') {
            if !before.ends_with(';') {
                let p = before.trim_end().len();
                if p > 0 {
                    out.push(p);
                }
            }
        }
    };
    push_end(text.len(), &mut out);
    let hashes: Vec<usize> = text
        .char_indices()
        .filter(|&(i, c)| {
            c == '#' && (i == 0 || text[..i].ends_with(|b: char| b.is_whitespace() || b == ';'))
        })
        .map(|(i, _)| i)
        .collect();
    for &i in hashes.iter().rev() {
        push_end(i, &mut out);
    }
    out.dedup();
    out
}

/// Whether appending ` && addition` at script offset `p` of `text` runs the addition at the
/// top level, after the whole script, leaving every command of `old` as it was.
fn sound_at(text: &str, old: &Script, p: usize, addition: &str, added: usize) -> bool {
    let tail = &text[p..];
    if !is_trivia(tail) || old.commands.iter().any(|c| c.span.end > p) {
        return false;
    }
    let new_text = format!("{} && {addition}{tail}", &text[..p]);
    let new = Script::parse(&new_text, old.dialect);
    let n = old.commands.len();
    if new.has_errors || new.commands.len() != n + added || new.commands[..n] != old.commands[..] {
        return false;
    }
    let end = p + 4 + addition.len();
    let fresh = &new.commands[n..];
    fresh.iter().enumerate().all(|(i, c)| {
        c.span.start >= p
            && c.span.end <= end
            && c.subshell_depth == 0
            && !c.in_substitution
            && !c.in_condition
            && !c.in_function
            && c.wrapper.is_none()
            && c.pipeline.is_none()
            && (i > 0 || c.connector_before == Some(Connector::And))
    }) && fresh.last().is_some_and(|c| c.span.end == end)
}

/// White space, at most one `;`, and a comment to the end: nothing after an appended command
/// that could make it part of something else.
fn is_trivia(tail: &str) -> bool {
    let rest = tail.trim_start();
    let rest = rest.strip_prefix(';').map_or(rest, str::trim_start);
    rest.is_empty() || (rest.starts_with('#') && !rest.contains('\n'))
}

/// The text inserted at Dockerfile offset `at` for `commands`, in the style of the RUN.
///
/// A script on one line gets ` && cmd`. A script continued over several lines gets each
/// command on a line of its own, laid out like the last line of the script that starts a
/// command: `&& cmd` when that line starts with `&&` (or `||`), otherwise `cmd` after a line
/// ending with ` && \`; indented as that line, with the file's escape character, the white
/// space it puts before it and its line ending.
fn styled(
    file: &Dockerfile,
    ins: &Instruction,
    script_start: usize,
    at: usize,
    commands: &[String],
) -> Option<String> {
    let src = file.source();
    let line_start = |x: usize| {
        src[..x]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1)
    };
    if line_start(at) <= script_start {
        return Some(commands.iter().map(|c| format!(" && {c}")).collect());
    }
    // The physical lines of the script up to `at`, skipped comment and empty lines left
    // out, each as (indent, content up to its continuation).
    let mut lines: Vec<(&[u8], &[u8])> = Vec::new();
    let mut pos = line_start(script_start);
    while pos <= at {
        let end = memchr_newline(src, pos).min(at.max(pos));
        let skipped = ins.skipped.iter().any(|s| {
            let (SkippedLine::Comment(span) | SkippedLine::Empty(span)) = s;
            span.start <= pos && pos < span.end.max(span.start + 1)
        });
        if !skipped {
            let cut = ins
                .continuations
                .iter()
                .find(|c| pos <= c.start && c.start <= end)
                .map_or(end, |c| c.start);
            let line = &src[pos..cut];
            let indent = line
                .iter()
                .take_while(|&&b| b == b' ' || b == b'\t')
                .count();
            lines.push((&line[..indent], line[indent..].trim_ascii()));
        }
        pos = memchr_newline(src, pos) + 1;
    }
    let ends_list = |content: &[u8]| {
        content.ends_with(b"&&") || content.ends_with(b"||") || content.ends_with(b";")
    };
    let starts_list = |content: &[u8]| content.starts_with(b"&&") || content.starts_with(b"||");
    let starting = (1..lines.len())
        .rev()
        .find(|&i| starts_list(lines[i].1) || ends_list(lines[i - 1].1));
    let (indent, leading) = match starting {
        Some(i) => (lines[i].0, starts_list(lines[i].1)),
        None => (lines.last()?.0, false),
    };
    let indent = std::str::from_utf8(indent).ok()?;
    let cont = ins.continuations.iter().rfind(|c| c.end <= at)?;
    let eol = if src[cont.range()].ends_with(b"\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let before_escape = &src[..cont.start];
    let gap = before_escape
        .iter()
        .rev()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    let gap = std::str::from_utf8(&before_escape[before_escape.len() - gap..]).ok()?;
    let esc = file.escape as char;
    let mut out = String::new();
    for c in commands {
        if leading {
            out.push_str(&format!("{gap}{esc}{eol}{indent}&& {c}"));
        } else {
            out.push_str(&format!(" &&{gap}{esc}{eol}{indent}{c}"));
        }
    }
    Some(out)
}

/// The offset of the next newline at or after `from`, or the end of `src`.
fn memchr_newline(src: &[u8], from: usize) -> usize {
    src[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(src.len(), |i| from + i)
}

/// Whether the file with `insertion` at `at` still parses, and the RUN starting where `ins`
/// does hands the shell `expected` (white space aside).
fn reparses_to(
    file: &Dockerfile,
    ins: &Instruction,
    at: usize,
    insertion: &str,
    expected: &str,
) -> bool {
    let src = file.source();
    let mut new = Vec::with_capacity(src.len() + insertion.len());
    new.extend_from_slice(&src[..at]);
    new.extend_from_slice(insertion.as_bytes());
    new.extend_from_slice(&src[at..]);
    let Ok(parsed) = Dockerfile::parse(new) else {
        return false;
    };
    let Some(again) = parsed
        .instructions()
        .find(|i| i.span.start == ins.span.start)
    else {
        return false;
    };
    let Args::String(arg) = &again.args else {
        return false;
    };
    let squeeze = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    again.kind == Keyword::Run
        && again.heredocs.is_empty()
        && squeeze(&parsed.logical(again, arg.span)) == squeeze(expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use seaworthy_dockerfile::{BuildOptions, Model};

    /// The file with `rm -rf /x` (and more) appended to its last RUN, or `None`.
    fn appended(src: &str, commands: &[&str]) -> Option<String> {
        let file = Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
        let model = Model::build(&file, &BuildOptions::default());
        let step = model.stages[0]
            .steps
            .iter()
            .rfind(|s| s.instruction.kind == Keyword::Run)
            .unwrap();
        let commands: Vec<String> = commands.iter().map(|c| c.to_string()).collect();
        let a = append_commands(&file, step, &commands)?;
        assert!(a.after.end == a.edit.span.start, "{a:?}");
        let mut out = src.to_owned();
        out.insert_str(a.edit.span.start, &a.edit.replacement);
        Some(out)
    }

    #[track_caller]
    fn appends(src: &str, want: &str) {
        assert_eq!(
            appended(src, &["rm -rf /x"]).as_deref(),
            Some(want),
            "{src}"
        );
    }

    #[track_caller]
    fn refuses(src: &str) {
        assert_eq!(appended(src, &["rm -rf /x"]), None, "{src}");
    }

    #[test]
    fn appends_on_the_line_of_a_one_line_script() {
        appends("FROM a\nRUN a\n", "FROM a\nRUN a && rm -rf /x\n");
        appends("FROM a\nRUN a  \n", "FROM a\nRUN a && rm -rf /x  \n");
        appends("FROM a\nRUN a", "FROM a\nRUN a && rm -rf /x");
        appends(
            "FROM a\r\nRUN a b\r\n",
            "FROM a\r\nRUN a b && rm -rf /x\r\n",
        );
        // `(a || b) && rm`: runs when the list succeeded, as the rest of the script.
        appends("FROM a\nRUN a || b\n", "FROM a\nRUN a || b && rm -rf /x\n");
        appends(
            "FROM a\nRUN a | b && c\n",
            "FROM a\nRUN a | b && c && rm -rf /x\n",
        );
        appends(
            "FROM a\nRUN if a; then b; fi\n",
            "FROM a\nRUN if a; then b; fi && rm -rf /x\n",
        );
        appends(
            "FROM a\nRUN find / -name x -exec rm {} \\;\n",
            "FROM a\nRUN find / -name x -exec rm {} \\; && rm -rf /x\n",
        );
        appends(
            "FROM a\nRUN --mount=type=secret,id=x a\n",
            "FROM a\nRUN --mount=type=secret,id=x a && rm -rf /x\n",
        );
        // Several commands.
        assert_eq!(
            appended("FROM a\nRUN a\n", &["b c", "d"]).as_deref(),
            Some("FROM a\nRUN a && b c && d\n")
        );
    }

    #[test]
    fn goes_before_a_trailing_semicolon_or_comment() {
        appends("FROM a\nRUN a; b;\n", "FROM a\nRUN a; b && rm -rf /x;\n");
        appends(
            "FROM a\nRUN a # install a\n",
            "FROM a\nRUN a && rm -rf /x # install a\n",
        );
        appends(
            "FROM a\nRUN a ; # done\n",
            "FROM a\nRUN a && rm -rf /x ; # done\n",
        );
        appends(
            "FROM a\nRUN echo '#' x # c\n",
            "FROM a\nRUN echo '#' x && rm -rf /x # c\n",
        );
    }

    #[test]
    fn continued_scripts_get_a_continued_line() {
        appends(
            "FROM a\nRUN a && \\\n    b c\n",
            "FROM a\nRUN a && \\\n    b c && \\\n    rm -rf /x\n",
        );
        appends(
            "FROM a\nRUN a \\\n  && b\n",
            "FROM a\nRUN a \\\n  && b \\\n  && rm -rf /x\n",
        );
        appends(
            "FROM a\nRUN set -eux; \\\n\ta; \\\n\tb\n",
            "FROM a\nRUN set -eux; \\\n\ta; \\\n\tb && \\\n\trm -rf /x\n",
        );
        appends(
            "FROM a\r\nRUN a \\\r\n && b\r\nCMD [\"a\"]\r\n",
            "FROM a\r\nRUN a \\\r\n && b \\\r\n && rm -rf /x\r\nCMD [\"a\"]\r\n",
        );
        appends(
            "# escape=`\nFROM a\nRUN a `\n    && b\n",
            "# escape=`\nFROM a\nRUN a `\n    && b `\n    && rm -rf /x\n",
        );
        // A comment line inside the continuation stays where it is.
        appends(
            "FROM a\nRUN a \\\n# why\n && b\n",
            "FROM a\nRUN a \\\n# why\n && b \\\n && rm -rf /x\n",
        );
        // Argument lines are indented deeper: the new line is indented as the last line that
        // starts a command.
        appends(
            "FROM a\nRUN a && \\\n    b -y \\\n      c \\\n      d\n",
            "FROM a\nRUN a && \\\n    b -y \\\n      c \\\n      d && \\\n    rm -rf /x\n",
        );
        appends(
            "FROM a\nRUN a \\\n  && b -y \\\n     c\n",
            "FROM a\nRUN a \\\n  && b -y \\\n     c \\\n  && rm -rf /x\n",
        );
        appends(
            "FROM a\nRUN b -y \\\n    c\n",
            "FROM a\nRUN b -y \\\n    c && \\\n    rm -rf /x\n",
        );
        // Only the flags are continued: the script is one line.
        appends(
            "FROM a\nRUN --network=none \\\n    a && b\n",
            "FROM a\nRUN --network=none \\\n    a && b && rm -rf /x\n",
        );
        assert_eq!(
            appended("FROM a\nRUN a \\\n && b\n", &["c", "d"]).as_deref(),
            Some("FROM a\nRUN a \\\n && b \\\n && c \\\n && d\n")
        );
    }

    #[test]
    fn refuses_what_would_change_meaning_or_break() {
        // The last command runs in the background.
        refuses("FROM a\nRUN a &\n");
        refuses("FROM a\nRUN a; exit 0\n");
        refuses("FROM a\nRUN exec a\n");
        // Unterminated: the parser reports errors.
        refuses("FROM a\nRUN if a; then b\n");
        refuses("FROM a\nRUN echo 'a\n");
        // Heredocs and exec form.
        refuses("FROM a\nRUN <<EOF\na\nEOF\n");
        refuses("FROM a\nRUN cat <<EOF > /f\na\nEOF\n");
        refuses("FROM a\nRUN [\"a\", \"b\"]\n");
        // Not a POSIX shell.
        refuses("FROM a\nSHELL [\"pwsh\", \"-c\"]\nRUN a\n");
    }

    /// `texts[0]` checked by `rules`, findings in the order `check_dockerfile` gives them.
    fn check_with(
        rules: &[&dyn super::super::DockerfileRule],
        texts: &[String],
    ) -> Result<Vec<crate::Finding>, String> {
        let file = Dockerfile::parse(texts[0].as_bytes().to_vec()).map_err(|e| e.to_string())?;
        let model = Model::build(&file, &BuildOptions::default());
        if let Some(e) = model.errors.first() {
            return Err(e.message.clone());
        }
        let settings = crate::Settings::default();
        let cx = super::super::DockerfileContext {
            file: &file,
            model: &model,
            settings: &settings,
            build_context: None,
        };
        let mut out = Vec::new();
        for rule in rules {
            rule.check(&cx, &mut out);
        }
        out.sort_by(|a, b| {
            a.span
                .start
                .cmp(&b.span.start)
                .then(a.rule.id.cmp(b.rule.id))
        });
        Ok(out)
    }

    /// `bad` fixed by `rules` pass after pass: the result, which must leave nothing to fix
    /// and not change when fixed again.
    fn converged(rules: &[&dyn super::super::DockerfileRule], bad: &str) -> String {
        let done =
            crate::fix::converge(vec![bad.to_owned()], |t| check_with(rules, t), |_, _| true)
                .unwrap_or_else(|e| panic!("{e:?}\n{bad}"));
        assert!(done.remaining.is_empty(), "{:?}", done.remaining);
        let fixed = done.texts[0].clone();
        let again =
            crate::fix::converge(vec![fixed.clone()], |t| check_with(rules, t), |_, _| true)
                .unwrap();
        assert!(
            again.applied.is_empty() && again.texts[0] == fixed,
            "{fixed}"
        );
        fixed
    }

    #[test]
    fn the_apt_fixes_compose_over_passes() {
        use super::super::apt_install_recommends::AptInstallRecommends;
        use super::super::apt_lists_not_removed::AptListsNotRemoved;
        use super::super::install_without_yes::InstallWithoutYes;
        let rules: [&dyn super::super::DockerfileRule; 3] = [
            &InstallWithoutYes,
            &AptInstallRecommends,
            &AptListsNotRemoved,
        ];
        let reversed: [&dyn super::super::DockerfileRule; 3] = [
            &AptListsNotRemoved,
            &AptInstallRecommends,
            &InstallWithoutYes,
        ];
        let cases = [
            (
                "FROM debian:12.7\nRUN apt-get update && apt-get install x\n",
                "FROM debian:12.7\nRUN apt-get update && apt-get install -y --no-install-recommends x \
                 && rm -rf /var/lib/apt/lists/*\n",
            ),
            (
                "FROM debian:12.7\r\nRUN apt-get update \\\r\n    && apt-get install \\\r\n        x y\r\n",
                "FROM debian:12.7\r\nRUN apt-get update \\\r\n    && apt-get install -y --no-install-recommends \\\r\n        x y \\\r\n    && rm -rf /var/lib/apt/lists/*\r\n",
            ),
            (
                "FROM debian:12.7\nRUN apt-get update && apt-get install -y x && apt-get install z # tools\n",
                "FROM debian:12.7\nRUN apt-get update && apt-get install -y --no-install-recommends x \
                 && apt-get install -y --no-install-recommends z && rm -rf /var/lib/apt/lists/* # tools\n",
            ),
        ];
        for (bad, want) in cases {
            assert_eq!(converged(&rules, bad), want);
            // The order the findings come in does not matter.
            assert_eq!(converged(&reversed, bad), want);
        }
    }

    #[test]
    fn every_package_fix_composes_on_one_file() {
        use super::super::apk_cache_kept::ApkCacheKept;
        use super::super::apt_install_recommends::AptInstallRecommends;
        use super::super::apt_lists_not_removed::AptListsNotRemoved;
        use super::super::cleanup_in_later_layer::CleanupInLaterLayer;
        use super::super::install_without_yes::InstallWithoutYes;
        use super::super::node_package_cache_kept::NodePackageCacheKept;
        use super::super::pip_cache_kept::PipCacheKept;
        use super::super::rpm_cache_not_cleaned::RpmCacheNotCleaned;
        let rules: [&dyn super::super::DockerfileRule; 8] = [
            &InstallWithoutYes,
            &AptInstallRecommends,
            &AptListsNotRemoved,
            &ApkCacheKept,
            &PipCacheKept,
            &RpmCacheNotCleaned,
            &CleanupInLaterLayer,
            &NodePackageCacheKept,
        ];
        let bad = "FROM fedora:40 AS tools\nRUN dnf install git\n\
                   FROM debian:12.7\n\
                   RUN apt-get update && apt-get install python3-pip nodejs npm\n\
                   RUN rm -rf /var/lib/apt/lists/*\n\
                   COPY . /app\n\
                   RUN pip install -r /app/requirements.txt && npm ci --prefix /app\n";
        let want = "FROM fedora:40 AS tools\nRUN dnf install -y git\n\
                    FROM debian:12.7\n\
                    RUN apt-get update && apt-get install -y --no-install-recommends python3-pip nodejs npm \
                    && rm -rf /var/lib/apt/lists/*\n\
                    COPY . /app\n\
                    RUN pip install --no-cache-dir -r /app/requirements.txt && npm ci --prefix /app \
                    && npm cache clean --force\n";
        assert_eq!(converged(&rules, bad), want);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 512,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// Scripts made of shell tokens, continuation lines, comments and odd characters:
        /// whenever a command is appended, the file still parses, the RUN's script parses
        /// without errors, ends with the appended command at its top level after `&&`, and
        /// nothing but the inserted text changed.
        #[test]
        fn appending_keeps_the_script_sound(
            tokens in proptest::collection::vec(0usize..TOKENS.len(), 1..14),
            crlf in proptest::prelude::any::<bool>(),
            backtick in proptest::prelude::any::<bool>(),
        ) {
            let esc = if backtick { "`" } else { "\\" };
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut script = String::new();
            for &t in &tokens {
                let token = TOKENS[t].replace('\\', esc).replace('\n', eol);
                script.push_str(&token);
                script.push(' ');
            }
            let head = if backtick { format!("# escape=`{eol}") } else { String::new() };
            let src = format!("{head}FROM a{eol}RUN {script}{eol}USER 1{eol}");
            let Ok(file) = Dockerfile::parse(src.as_bytes().to_vec()) else {
                return Ok(());
            };
            let model = Model::build(&file, &BuildOptions::default());
            let Some(step) = model.stages.first().and_then(|s| {
                s.steps.iter().find(|s| s.instruction.kind == Keyword::Run)
            }) else {
                return Ok(());
            };
            let Some(a) = append_commands(&file, step, &["rm -rf /x".to_owned()]) else {
                return Ok(());
            };
            proptest::prop_assert!(a.edit.span.is_empty());
            let mut out = src.clone();
            out.insert_str(a.edit.span.start, &a.edit.replacement);
            if crlf {
                proptest::prop_assert!(!out.replace("\r\n", "").contains('\n'), "{out:?}");
            }
            let again = Dockerfile::parse(out.as_bytes().to_vec()).unwrap();
            let model = Model::build(&again, &BuildOptions::default());
            let run = model.stages[0]
                .steps
                .iter()
                .find_map(|s| s.run.as_ref())
                .unwrap();
            let parsed = run.script().unwrap();
            proptest::prop_assert!(!parsed.has_errors, "{out}");
            let last = parsed.commands.last().unwrap();
            proptest::prop_assert_eq!(last.name_str(), Some("rm"));
            proptest::prop_assert_eq!(last.connector_before, Some(Connector::And));
            proptest::prop_assert_eq!(last.subshell_depth, 0);
            proptest::prop_assert!(!last.in_condition && !last.in_function);
            let old = step.run.as_ref().unwrap().script().unwrap();
            proptest::prop_assert_eq!(parsed.commands.len(), old.commands.len() + 1, "{}", out);
        }
    }

    /// Pieces of shell and of Dockerfile lines the generated scripts are made of.
    const TOKENS: &[&str] = &[
        "a",
        "b c",
        "&&",
        "||",
        ";",
        "&",
        "|",
        "# note",
        "'q # r'",
        "\"d $x\"",
        "(",
        ")",
        "{",
        "}",
        "if a; then b; fi",
        "\\\n    ",
        "\\\n# skipped\n  ",
        "é",
        "→ x",
        "\\;",
        "$(e)",
        "exit 0",
        "f() { g; }",
        "<<EOF",
        "2>&1",
        "!",
        "while a; do b; done",
        "\\\n\t&& ",
    ];

    #[test]
    fn inserts_next_to_static_words_only() {
        let src = "FROM a\nRUN apt-get install \\\n  x && apt-get $OPT install y && sh -c \"apt-get install z\"\n";
        let file = Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
        let model = Model::build(&file, &BuildOptions::default());
        let run = model.stages[0].steps[0].run.as_ref().unwrap();
        let script = run.script().unwrap();
        let installs: Vec<(&Command, &Word)> = script
            .commands
            .iter()
            .filter(|c| c.name_str() == Some("apt-get"))
            .filter_map(|c| Some((c, c.args.iter().find(|a| a.raw == "install")?)))
            .collect();
        assert_eq!(installs.len(), 3);
        let e = insert_after(&file, run, installs[0].0, installs[0].1, " -y").unwrap();
        assert_eq!(&src[..e.span.start], "FROM a\nRUN apt-get install");
        // `$OPT` could be anything.
        assert!(insert_after(&file, run, installs[1].0, installs[1].1, " -y").is_none());
        let e = insert_before(&file, run, installs[2].0, installs[2].1, "-y ").unwrap();
        assert!(src[e.span.start..].starts_with("install z\""));
    }
}
