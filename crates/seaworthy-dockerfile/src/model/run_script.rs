//! The script a `RUN` hands to a shell ([`RunScript`]): how BuildKit assembles it from the
//! command line and heredocs, and the map from its text back to the Dockerfile.

use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;

use super::EffectiveShell;
use crate::shell::{Dialect, Script};
use crate::span::Span;
use crate::syntax::{Args, Dockerfile, Heredoc};

/// Where a [`RunScript`]'s text comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptOrigin {
    /// The shell-form command line (continuations joined), followed by its heredocs as the
    /// shell reads them when the line does more than name one heredoc.
    ShellForm,
    /// The body of the instruction's heredoc with this index: `RUN <<EOF` runs it as the script.
    Heredoc(usize),
}

/// A contiguous piece of script text and where it lies in the Dockerfile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    text: usize,
    source: usize,
    len: usize,
}

/// The text a `RUN` hands to a shell, the dialect it is written in, and a map from its byte
/// offsets back to the Dockerfile.
pub struct RunScript {
    pub text: String,
    pub dialect: Dialect,
    pub origin: ScriptOrigin,
    /// For a `RUN <<EOF` body starting with `#!`: the shebang line after `#!`. BuildKit runs
    /// such a body as a file, with that interpreter instead of the shell.
    pub interpreter: Option<String>,
    pieces: Vec<Piece>,
    parsed: OnceLock<Option<Script>>,
}

impl fmt::Debug for RunScript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunScript")
            .field("text", &self.text)
            .field("dialect", &self.dialect)
            .field("origin", &self.origin)
            .field("interpreter", &self.interpreter)
            .finish()
    }
}

impl RunScript {
    /// Whether the script is analysed as a shell script: POSIX shells, and (best effort, as
    /// hadolint does) shells `SHELL` names that are not recognised; not PowerShell, cmd, or a
    /// heredoc whose shebang names something other than a POSIX shell (`python3`).
    pub fn is_analysed(&self) -> bool {
        match self.interpreter {
            Some(_) => self.dialect == Dialect::Posix,
            None => self.dialect.is_analysed(),
        }
    }

    /// The script parsed into commands, when [`RunScript::is_analysed`]; parsed on first use.
    /// Command and word spans are byte ranges of [`RunScript::text`]: map them with
    /// [`RunScript::source_span`].
    pub fn script(&self) -> Option<&Script> {
        self.parsed
            .get_or_init(|| {
                self.is_analysed()
                    .then(|| Script::parse(&self.text, self.dialect))
            })
            .as_ref()
    }

    /// The Dockerfile offset of byte `offset` of [`RunScript::text`].
    pub fn source_offset(&self, offset: usize) -> usize {
        self.map(offset, false)
    }

    /// The Dockerfile span of `range` in [`RunScript::text`]. A range that crosses a line
    /// continuation covers it.
    pub fn source_span(&self, range: Range<usize>) -> Span {
        if range.start >= range.end {
            let s = self.map(range.start, false);
            return Span::new(s, s);
        }
        Span::new(self.map(range.start, false), self.map(range.end, true))
    }

    fn map(&self, offset: usize, is_end: bool) -> usize {
        let Some(last) = self.pieces.last() else {
            return 0;
        };
        for p in &self.pieces {
            let inside = if is_end {
                offset > p.text && offset <= p.text + p.len
            } else {
                offset >= p.text && offset < p.text + p.len
            };
            if inside {
                return p.source + (offset - p.text);
            }
        }
        if offset >= last.text + last.len {
            last.source + last.len
        } else {
            self.pieces[0].source
        }
    }
}

// ---------------------------------------------------------------------------------------------
// RUN scripts

/// The script a shell-form `RUN` (or `ONBUILD RUN`) runs, as BuildKit builds it:
/// - no heredoc: the command line, in the dialect of the shell in effect;
/// - `RUN <<EOF` alone: the heredoc body (tabs stripped for `<<-`), run by the shell in effect,
///   or by its shebang's interpreter when it starts with `#!`;
/// - otherwise the command line followed, for each heredoc, by a newline, its body and its
///   delimiter: the shell reads the heredocs itself (`RUN bash <<EOF`, `RUN cat <<EOF >f`).
pub(super) fn run_script(
    file: &Dockerfile,
    args: &Args,
    heredocs: &[Heredoc],
    segments: &[Span],
    shell: &EffectiveShell,
    os: &str,
) -> Option<RunScript> {
    let Args::String(arg) = args else {
        return None;
    };
    let src = file.source();
    let mut script = logical_pieces(src, segments, arg.span);
    let Some(first) = heredocs.first() else {
        return Some(script.into_script(shell.dialect, ScriptOrigin::ShellForm, None));
    };
    if script.text.trim() == logical_pieces(src, segments, first.marker).text {
        let body = body_pieces(src, first);
        if os != "windows" && body.text.starts_with("#!") {
            let line = body.text[2..]
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_owned();
            let dialect = Dialect::from_shebang(&body.text).unwrap_or(Dialect::Unknown);
            return Some(body.into_script(dialect, ScriptOrigin::Heredoc(0), Some(line)));
        }
        return Some(body.into_script(shell.dialect, ScriptOrigin::Heredoc(0), None));
    }
    let line_end =
        memchr::memchr(b'\n', &src[arg.span.end..]).map_or(src.len(), |i| arg.span.end + i);
    let mut newline_at = line_end;
    for h in heredocs {
        script.push_text("\n", newline_at);
        script.push(src, h.body.range());
        let t = h.terminator;
        let tabs = src[t.range()].iter().take_while(|&&b| b == b'\t').count();
        let name_at = t.start + if h.chomp { tabs } else { 0 };
        if src[name_at..t.end].starts_with(h.name.as_bytes()) {
            script.push(src, name_at..name_at + h.name.len());
        } else {
            script.push_text(&h.name, t.start);
        }
        newline_at = t.end.saturating_sub(1);
    }
    Some(script.into_script(shell.dialect, ScriptOrigin::ShellForm, None))
}

/// Script text being assembled from source pieces.
struct Pieces {
    text: String,
    pieces: Vec<Piece>,
}

impl Pieces {
    fn push(&mut self, src: &[u8], range: Range<usize>) {
        if range.is_empty() {
            return;
        }
        let piece = String::from_utf8_lossy(&src[range.clone()]);
        self.pieces.push(Piece {
            text: self.text.len(),
            source: range.start,
            len: piece.len().min(range.len()),
        });
        self.text.push_str(&piece);
    }

    /// Text that is not in the source as such (the newline BuildKit puts before a heredoc
    /// body), attributed to `source`.
    fn push_text(&mut self, text: &str, source: usize) {
        self.pieces.push(Piece {
            text: self.text.len(),
            source,
            len: text.len().min(1),
        });
        self.text.push_str(text);
    }

    fn into_script(
        self,
        dialect: Dialect,
        origin: ScriptOrigin,
        interpreter: Option<String>,
    ) -> RunScript {
        RunScript {
            text: self.text,
            dialect,
            origin,
            interpreter,
            pieces: self.pieces,
            parsed: OnceLock::new(),
        }
    }
}

fn logical_pieces(src: &[u8], segments: &[Span], span: Span) -> Pieces {
    let mut p = Pieces {
        text: String::with_capacity(span.len()),
        pieces: Vec::new(),
    };
    for seg in segments {
        let s = span.start.max(seg.start);
        let e = span.end.min(seg.end);
        if s < e {
            p.push(src, s..e);
        }
    }
    p
}

/// A heredoc body as the shell sees it: `<<-` strips leading tabs from every line.
fn body_pieces(src: &[u8], h: &Heredoc) -> Pieces {
    let mut p = Pieces {
        text: String::with_capacity(h.body.len()),
        pieces: Vec::new(),
    };
    if !h.chomp {
        p.push(src, h.body.range());
        return p;
    }
    let mut start = h.body.start;
    while start < h.body.end {
        let end =
            memchr::memchr(b'\n', &src[start..h.body.end]).map_or(h.body.end, |i| start + i + 1);
        let mut s = start;
        while s < end && src[s] == b'\t' {
            s += 1;
        }
        p.push(src, s..end);
        start = end;
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::{parse, pos};
    use crate::model::{BuildOptions, Model};
    use crate::span::Position;

    /// The Dockerfile position of the command named `name` in a RUN script.
    fn command_position(file: &Dockerfile, run: &RunScript, name: &str) -> Position {
        let script = run.script().expect("an analysed script");
        let command = script
            .commands
            .iter()
            .find(|c| c.name_str() == Some(name))
            .unwrap_or_else(|| panic!("no command {name} in {:?}", run.text));
        file.position(run.source_span(command.span.clone()).start)
    }

    #[test]
    fn shell_form_script_maps_back_across_continuations() {
        let src = "FROM alpine\n\
                   RUN apk add curl && \\\n\
                   \x20   echo one && \\\n\
                   \x20 make   install\n";
        let file = parse(src);
        let model = Model::build(&file, &BuildOptions::default());
        let script = model.stages[0].steps[0].run.as_ref().unwrap();
        assert_eq!(script.origin, ScriptOrigin::ShellForm);
        assert_eq!(script.dialect, Dialect::Posix);
        assert_eq!(
            script.text,
            "apk add curl &&     echo one &&   make   install"
        );
        assert_eq!(command_position(&file, script, "make"), pos(4, 3));
        assert_eq!(command_position(&file, script, "echo"), pos(3, 5));
        assert_eq!(command_position(&file, script, "apk"), pos(2, 5));
        let make = script.text.find("make").unwrap();
        assert_eq!(file.slice(script.source_span(make..make + 4)), "make");
        // A range across the continuation covers it.
        let one = script.text.find("one").unwrap();
        let across = script.source_span(one..make + 4);
        assert_eq!(file.position(across.start), pos(3, 10));
        assert_eq!(file.position(across.end), pos(4, 7));
    }

    #[test]
    fn skipped_comment_lines_do_not_shift_the_mapping() {
        let src = "FROM alpine\n\
                   RUN set -e; \\\n\
                   # explain the next step\n\
                   \x20   make\n";
        let file = parse(src);
        let model = Model::build(&file, &BuildOptions::default());
        let script = model.stages[0].steps[0].run.as_ref().unwrap();
        assert_eq!(command_position(&file, script, "make"), pos(4, 5));
    }

    #[test]
    fn heredoc_body_is_the_script_of_a_bare_heredoc_run() {
        let src = "FROM alpine\n\
                   RUN <<EOF\n\
                   set -e\n\
                   apk add curl\n\
                   EOF\n\
                   RUN <<-EOT\n\
                   \tset -eu\n\
                   \t\tmake all\n\
                   \tEOT\n";
        let file = parse(src);
        let model = Model::build(&file, &BuildOptions::default());
        let run = model.stages[0].steps[0].run.as_ref().unwrap();
        assert_eq!(run.origin, ScriptOrigin::Heredoc(0));
        assert_eq!(run.text, "set -e\napk add curl\n");
        assert_eq!(command_position(&file, run, "apk"), pos(4, 1));
        let chomped = model.stages[0].steps[1].run.as_ref().unwrap();
        assert_eq!(chomped.text, "set -eu\nmake all\n");
        assert_eq!(command_position(&file, chomped, "make"), pos(8, 3));
    }

    #[test]
    fn heredocs_read_by_the_shell_follow_the_command_line() {
        let src = "FROM alpine\n\
                   RUN bash -e <<EOF\n\
                   echo from-bash\n\
                   EOF\n\
                   RUN <<EOF sh\n\
                   \x20 printf from-sh\n\
                   EOF\n\
                   RUN python3 <<EOF\n\
                   print('hi')\n\
                   EOF\n\
                   RUN cat <<A >/etc/a && cat <<-B >/etc/b\n\
                   key=value\n\
                   A\n\
                   \tother=value\n\
                   \tB\n";
        let file = parse(src);
        let model = Model::build(&file, &BuildOptions::default());
        let runs: Vec<&RunScript> = model.stages[0]
            .steps
            .iter()
            .map(|s| s.run.as_ref().unwrap())
            .collect();
        assert!(runs.iter().all(|r| r.origin == ScriptOrigin::ShellForm));
        assert_eq!(runs[0].text, "bash -e <<EOF\necho from-bash\nEOF");
        assert_eq!(command_position(&file, runs[0], "bash"), pos(2, 5));
        assert_eq!(command_position(&file, runs[0], "echo"), pos(3, 1));
        assert_eq!(command_position(&file, runs[1], "printf"), pos(6, 3));
        let python = runs[2].script().unwrap();
        assert_eq!(python.commands.len(), 1);
        assert_eq!(
            runs[3].text,
            "cat <<A >/etc/a && cat <<-B >/etc/b\nkey=value\nA\n\tother=value\nB"
        );
        // The delimiter of a `<<-` heredoc maps to where it is written, after its tabs.
        let end = runs[3].source_span(runs[3].text.len() - 1..runs[3].text.len());
        assert_eq!(file.position(end.start), pos(15, 2));
        let newline = runs[3].text.find('\n').unwrap();
        assert_eq!(file.position(runs[3].source_offset(newline)), pos(11, 40));
    }

    #[test]
    fn shebang_heredocs_and_non_posix_shells_are_left_alone() {
        let src = "FROM alpine\n\
                   RUN <<EOF\n\
                   #!/usr/bin/env python3\n\
                   print('hi')\n\
                   EOF\n\
                   RUN <<EOF\n\
                   #!/bin/bash -e\n\
                   echo hi\n\
                   EOF\n\
                   SHELL [\"pwsh\", \"-Command\"]\n\
                   RUN Write-Host $env:PATH\n\
                   RUN [\"echo\", \"exec form\"]\n\
                   SHELL [\"/opt/myshell\", \"-c\"]\n\
                   RUN do things\n";
        let file = parse(src);
        let model = Model::build(&file, &BuildOptions::default());
        let steps = &model.stages[0].steps;
        let python = steps[0].run.as_ref().unwrap();
        assert_eq!(python.interpreter.as_deref(), Some("/usr/bin/env python3"));
        assert!(!python.is_analysed());
        assert!(python.script().is_none());
        let bash = steps[1].run.as_ref().unwrap();
        assert_eq!(bash.interpreter.as_deref(), Some("/bin/bash -e"));
        assert_eq!(bash.dialect, Dialect::Posix);
        assert_eq!(command_position(&file, bash, "echo"), pos(8, 1));
        let pwsh = steps[3].run.as_ref().unwrap();
        assert_eq!(pwsh.dialect, Dialect::PowerShell);
        assert!(pwsh.script().is_none());
        assert!(steps[4].run.is_none());
        // An unrecognised SHELL is analysed as a POSIX shell, best effort.
        let custom = steps[6].run.as_ref().unwrap();
        assert_eq!(custom.dialect, Dialect::Unknown);
        assert!(custom.script().is_some());
    }

    #[test]
    fn onbuild_run_gets_a_script_in_the_current_shell() {
        let file = parse("FROM alpine\nONBUILD RUN make \\\n  install\n");
        let model = Model::build(&file, &BuildOptions::default());
        let run = model.stages[0].steps[0].run.as_ref().unwrap();
        assert_eq!(run.text, "make   install");
        let at = run.text.find("install").unwrap();
        assert_eq!(file.position(run.source_offset(at)), pos(3, 3));
    }
}
