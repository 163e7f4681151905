//! ShellCheck on `RUN` scripts, the pure half: which scripts to check and the text ShellCheck
//! reads for each ([`scripts`]), and ShellCheck's comments turned back into [`Finding`]s at the
//! right place in the Dockerfile ([`ShellScript::findings`]). Running the `shellcheck` binary is
//! the CLI's job (an edge with I/O); everything here is testable from a string.
//!
//! What is checked, as hadolint does it, and where seaworthy differs:
//! - shell-form `RUN` and `ONBUILD RUN` (and `RUN <<EOF` heredoc scripts); exec-form `RUN` runs
//!   no shell and is never checked;
//! - the script is prefixed with a shebang for the `SHELL` in effect (stage-aware: a stage built
//!   on an earlier stage inherits its `SHELL`) and with `export NAME=1` for every `ARG`/`ENV` name
//!   in scope and the proxy variables, so that ShellCheck does not report them as unassigned
//!   (SC2154). Global `ARG`s a stage does not re-declare are not in scope, as in BuildKit;
//! - PowerShell, cmd, zsh and shells ShellCheck does not know are skipped: ShellCheck could
//!   only report that it cannot read them. hadolint hands unknown shells to ShellCheck anyway,
//!   and PowerShell too after an `ARG` or `ENV` (a bug in 2.15.1). Stages built on a Windows
//!   image (`…/windows/servercore`, `…-nanoserver-…`) are skipped too: without a `SHELL` they
//!   run cmd, not `/bin/sh`;
//! - a heredoc script with its own shebang (`#!/bin/bash`) is checked in that shell, and one
//!   whose shebang names another interpreter (`#!/usr/bin/env python3`) is not checked
//!   (hadolint checks both with the `SHELL` in effect);
//! - the default `/bin/sh` of an Alpine or BusyBox stage is BusyBox ash, which has
//!   `set -o pipefail`, `local` and more: it is checked as dash (ShellCheck's nearest dialect)
//!   instead of POSIX sh, so `set -o pipefail` there is not reported;
//! - findings point at the exact word in the Dockerfile, across line continuations, instead of
//!   the first line of the `RUN`;
//! - SC1090 and SC1091 (`source` of a file ShellCheck cannot see) and SC2187 (ash checked as
//!   dash) are never reported ([`EXCLUDED`]).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Mutex, OnceLock};

use seaworthy_dockerfile::model::{BaseImage, EffectiveShell, RunScript, PROXY_ARGS};
use seaworthy_dockerfile::{Dockerfile, ImageRef, Model, Span};

use crate::{Category, Finding, RuleMeta, Severity};

/// ShellCheck codes never reported: SC1090/SC1091 need `# shellcheck source=` directives a
/// Dockerfile cannot hold for files ShellCheck cannot see; SC2187 only says ash is checked as
/// dash, which is what seaworthy asks for.
pub const EXCLUDED: [u32; 3] = [1090, 1091, 2187];

/// A script to hand to ShellCheck, and the map from its text back to the Dockerfile.
#[derive(Debug, Clone)]
pub struct ShellScript {
    /// What ShellCheck reads: a shebang (or the script's own), `export NAME=1 …`, the script.
    pub text: String,
    /// ShellCheck's dialect the script is checked in: `sh`, `bash`, `dash` or `ksh`.
    pub shell: &'static str,
    /// Where the lines seaworthy adds were inserted into the script, and their length: text
    /// before `header_at` is the script's, then `header_len` bytes of header, then the rest.
    header_at: usize,
    header_len: usize,
    /// Runs of script text that lie contiguously in the Dockerfile: (script offset, Dockerfile
    /// offset), sorted by script offset.
    runs: Vec<(usize, usize)>,
    /// The Dockerfile offset the end of the script maps to.
    end: usize,
}

/// One of ShellCheck's comments (`-f json1`), positions in [`ShellScript::text`]: lines and
/// columns 1-based, columns in characters with a tab counting as one, ends exclusive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// `error`, `warning`, `info` or `style`.
    pub level: String,
    pub code: u32,
    pub message: String,
}

/// The scripts of `file` that ShellCheck should check, in source order: one per shell-form
/// `RUN` and `ONBUILD RUN` in a shell ShellCheck reads.
pub fn scripts(file: &Dockerfile, model: &Model<'_>) -> Vec<ShellScript> {
    debug_assert!(std::ptr::eq(file, model.file));
    let mut out = Vec::new();
    for (si, stage) in model.stages.iter().enumerate() {
        let root = root_image(model, si);
        if root.is_some_and(is_windows_image) {
            continue;
        }
        let busybox = root.is_some_and(is_busybox_image);
        for (pi, step) in stage.steps.iter().enumerate() {
            let Some(run) = &step.run else { continue };
            if !run.is_analysed() {
                continue;
            }
            let own_shebang = run.interpreter.is_some();
            let shell = if let Some(line) = &run.interpreter {
                shellcheck_dialect(line.split_whitespace())
            } else {
                shell_dialect(&step.in_effect.shell, busybox)
            };
            let Some(shell) = shell else { continue };
            // Only the names the script mentions: every `export` costs ShellCheck time (a
            // third of it on real Dockerfiles) and the others cannot change what it reports.
            let words = identifier_words(&run.text);
            let vars = model.variables_before(si, pi);
            let names: BTreeSet<&str> = PROXY_ARGS
                .iter()
                .copied()
                .chain(vars.definitions().map(|v| v.name.as_str()))
                .filter(|n| words.contains(n))
                .collect();
            out.push(ShellScript::new(run, shell, own_shebang, &names));
        }
    }
    out
}

/// ShellCheck's dialect for the `SHELL` in effect.
fn shell_dialect(shell: &EffectiveShell, busybox: bool) -> Option<&'static str> {
    let dialect = shellcheck_dialect(shell.argv.iter().map(String::as_str))?;
    let program = shell.argv.first().map_or("", |p| basename(p));
    if dialect == "sh" && program == "sh" && busybox {
        return Some("dash");
    }
    Some(dialect)
}

/// ShellCheck's dialect for a command line naming a shell (`/bin/bash -e`, `/usr/bin/env bash`,
/// `busybox sh`): `None` for what ShellCheck cannot read.
fn shellcheck_dialect<'a>(mut words: impl Iterator<Item = &'a str>) -> Option<&'static str> {
    let mut program = basename(words.next()?);
    if program == "env" {
        program = basename(words.find(|w| !w.starts_with('-') && !w.contains('='))?);
    }
    let name = program
        .strip_suffix(".exe")
        .unwrap_or(program)
        .trim_end_matches(|c: char| c.is_ascii_digit() || c == '.' || c == '-');
    match name {
        "sh" | "posh" | "yash" | "hush" => Some("sh"),
        "bash" | "rbash" => Some("bash"),
        // ShellCheck has no ash dialect; dash is the ash family's closest relative.
        "dash" | "ash" | "busybox" => Some("dash"),
        "ksh" | "mksh" | "lksh" | "pdksh" | "oksh" => Some("ksh"),
        _ => None,
    }
}

fn basename(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// The image at the root of a stage's chain of stages built on stages.
fn root_image<'m>(model: &'m Model<'_>, stage: usize) -> Option<&'m ImageRef> {
    let mut i = stage;
    // Bases are always earlier stages, so this ends; the bound is a guard.
    for _ in 0..=model.stages.len() {
        match &model.stages[i].base {
            BaseImage::Stage(b) if *b < i => i = *b,
            BaseImage::Image(r) => return Some(r),
            _ => return None,
        }
    }
    None
}

/// Whether the stage's root image is Alpine or BusyBox, whose `/bin/sh` is BusyBox ash.
fn is_busybox_image(image: &ImageRef) -> bool {
    let name = image.repository.rsplit('/').next().unwrap_or("");
    let tag = image.tag.as_deref().unwrap_or("");
    matches!(name, "alpine" | "busybox") || tag.contains("alpine") || tag.contains("busybox")
}

/// Whether the image is a Windows one (`mcr.microsoft.com/windows/servercore`, `…-nanoserver`
/// tags): its default shell is cmd, and its RUNs are cmd or PowerShell even without a `SHELL`.
fn is_windows_image(image: &ImageRef) -> bool {
    let tag = image.tag.as_deref().unwrap_or("").to_ascii_lowercase();
    let repository = image.repository.to_ascii_lowercase();
    ["windows", "nanoserver", "servercore"]
        .iter()
        .any(|w| repository.contains(w) || tag.contains(w))
}

/// Every shell identifier-like word of `text` (`$NAME`, `${NAME:-x}`, `$(( NAME + 1 ))` and
/// plain words alike): a superset of the variables the script reads.
fn identifier_words(text: &str) -> HashSet<&str> {
    let mut words = HashSet::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            words.insert(&text[start..i]);
        } else {
            i += 1;
        }
    }
    words
}

impl ShellScript {
    fn new(
        run: &RunScript,
        shell: &'static str,
        own_shebang: bool,
        names: &BTreeSet<&str>,
    ) -> Self {
        let mut exports = String::new();
        if !names.is_empty() {
            exports.push_str("export");
            for n in names {
                exports.push(' ');
                exports.push_str(n);
                exports.push_str("=1");
            }
            exports.push('\n');
        }
        let script = run.text.as_str();
        let (header_at, header, body_prefix) = if own_shebang {
            // Keep the script's shebang as line 1; a directive makes sure ShellCheck reads it in
            // the dialect chosen here (it does not know `mksh`, for one).
            match script.find('\n') {
                Some(nl) => (nl + 1, format!("# shellcheck shell={shell}\n{exports}"), ""),
                None => (
                    script.len(),
                    format!("# shellcheck shell={shell}\n{exports}"),
                    "\n",
                ),
            }
        } else {
            (0, format!("#!/bin/{shell}\n{exports}"), "")
        };
        let header = format!("{body_prefix}{header}");
        let mut text = String::with_capacity(script.len() + header.len());
        text.push_str(&script[..header_at]);
        text.push_str(&header);
        text.push_str(&script[header_at..]);
        let mut runs: Vec<(usize, usize)> = Vec::new();
        let mut previous: Option<usize> = None;
        for i in 0..script.len() {
            let source = run.source_offset(i);
            if previous.is_none_or(|p| p + 1 != source) {
                runs.push((i, source));
            }
            previous = Some(source);
        }
        let end = match previous {
            Some(p) => p + 1,
            None => run.source_offset(0),
        };
        ShellScript {
            text,
            shell,
            header_at,
            header_len: header.len(),
            runs,
            end,
        }
    }

    /// ShellCheck's comments on [`ShellScript::text`] as findings on the Dockerfile. Comments
    /// with an [`EXCLUDED`] code are dropped.
    pub fn findings(&self, comments: &[Comment]) -> Vec<Finding> {
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        comments
            .iter()
            .filter(|c| !EXCLUDED.contains(&c.code))
            .map(|c| {
                let severity = Severity::parse(&c.level).unwrap_or(Severity::Warning);
                let start = self.text_offset(&line_starts, c.line, c.column);
                let end = self
                    .text_offset(&line_starts, c.end_line, c.end_column)
                    .max(start);
                let span = self.source_span(start, end);
                let mut f = Finding::new(meta(c.code, severity), span, c.message.clone());
                f.severity = severity;
                f
            })
            .collect()
    }

    /// The byte offset in [`ShellScript::text`] of a ShellCheck line and column.
    fn text_offset(&self, line_starts: &[usize], line: usize, column: usize) -> usize {
        let Some(&start) = line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        let line_end = rest.find('\n').unwrap_or(rest.len());
        start
            + rest[..line_end]
                .char_indices()
                .nth(column.saturating_sub(1))
                .map_or(line_end, |(i, _)| i)
    }

    /// The Dockerfile span of `start..end` in [`ShellScript::text`]. Positions in the lines
    /// seaworthy added map to where they were inserted.
    fn source_span(&self, start: usize, end: usize) -> Span {
        let s = self.script_offset(start);
        let e = self.script_offset(end);
        let from = self.source_offset(s);
        let to = if e > s {
            self.source_offset(e - 1) + 1
        } else {
            from
        };
        Span::new(from, to.max(from))
    }

    fn script_offset(&self, text_offset: usize) -> usize {
        if text_offset < self.header_at {
            text_offset
        } else if text_offset < self.header_at + self.header_len {
            self.header_at
        } else {
            text_offset - self.header_len
        }
    }

    fn source_offset(&self, script_offset: usize) -> usize {
        let i = self.runs.partition_point(|&(t, _)| t <= script_offset);
        if i == 0 {
            return self.end;
        }
        let script_len = self.text.len() - self.header_len;
        if script_offset >= script_len {
            return self.end;
        }
        let (t, s) = self.runs[i - 1];
        s + (script_offset - t)
    }
}

/// The rule a ShellCheck code is reported under: `SC2086`, named `shellcheck-sc2086`, one
/// leaked, cached [`RuleMeta`] per code. `severity` is the level ShellCheck gave the code the
/// first time it was seen (each finding carries its own).
pub fn meta(code: u32, severity: Severity) -> &'static RuleMeta {
    static METAS: OnceLock<Mutex<HashMap<u32, &'static RuleMeta>>> = OnceLock::new();
    let mut metas = METAS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    metas.entry(code).or_insert_with(|| {
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        Box::leak(Box::new(RuleMeta {
            id: leak(format!("SC{code}")),
            name: leak(format!("shellcheck-sc{code}")),
            severity,
            category: Category::Correctness,
            practice: 0,
            aliases: &[],
            summary: leak(format!(
                "ShellCheck's check SC{code} fired on a RUN script (run `shellcheck` for it)."
            )),
            why: leak(format!(
                "ShellCheck found a bug, a portability problem or a fragile construct in the \
                 shell script of a RUN. The script is checked in the dialect of the SHELL in \
                 effect (or the heredoc's own shebang), with the ARG and ENV names in scope \
                 declared. What SC{code} means and how to fix it: \
                 https://www.shellcheck.net/wiki/SC{code}. Disable it with `--ignore SC{code}`, \
                 or run seaworthy with `--no-shellcheck` to skip ShellCheck altogether."
            )),
            bad: "FROM alpine:3.20\nRUN echo $greeting\n",
            good: "FROM alpine:3.20\nARG greeting=hello\nRUN echo \"$greeting\"\n",
        }))
    })
}

/// The rule for a ShellCheck code written `SC2086`, `sc2086` or `shellcheck-sc2086`, for
/// `seaworthy rule SC2086`; `None` when `key` is not one. The severity is ShellCheck's usual
/// one: parse errors (SC1xxx) are errors, the rest warnings until a finding says otherwise.
pub fn meta_for(key: &str) -> Option<&'static RuleMeta> {
    let lower = key.trim().to_ascii_lowercase();
    let digits = lower
        .strip_prefix("shellcheck-")
        .unwrap_or(&lower)
        .strip_prefix("sc")?;
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let code: u32 = digits.parse().ok()?;
    let severity = if code < 2000 {
        Severity::Error
    } else {
        Severity::Warning
    };
    Some(meta(code, severity))
}

#[cfg(test)]
mod tests {
    use super::*;
    use seaworthy_dockerfile::BuildOptions;

    fn with_scripts<T>(src: &str, f: impl FnOnce(&Dockerfile, Vec<ShellScript>) -> T) -> T {
        let file = Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
        let model = Model::build(&file, &BuildOptions::default());
        assert!(model.errors.is_empty(), "{:?}", model.errors);
        let scripts = scripts(&file, &model);
        f(&file, scripts)
    }

    fn comment(line: usize, column: usize, end_column: usize, code: u32) -> Comment {
        Comment {
            line,
            column,
            end_line: line,
            end_column,
            level: "info".into(),
            code,
            message: "Double quote to prevent globbing and word splitting.".into(),
        }
    }

    /// The (line, column) and text of each finding's span.
    fn located(file: &Dockerfile, findings: &[Finding]) -> Vec<(usize, usize, String)> {
        findings
            .iter()
            .map(|f| {
                let p = file.position(f.span.start);
                (p.line, p.column, file.slice(f.span).to_string())
            })
            .collect()
    }

    #[test]
    fn one_line_run_gets_a_shebang_and_the_names_it_uses() {
        let src = "FROM debian:12\nARG VERSION=1 UNUSED\nENV app_home=/app other.name=x\n\
                   RUN echo $foo ${VERSION} \"$app_home\" $no_proxy $other\n";
        with_scripts(src, |file, scripts| {
            assert_eq!(scripts.len(), 1);
            let s = &scripts[0];
            assert_eq!(s.shell, "sh");
            let mut lines = s.text.lines();
            assert_eq!(lines.next(), Some("#!/bin/sh"));
            // Names in scope the script mentions, and the proxy variables; nothing else.
            assert_eq!(lines.next(), Some("export VERSION=1 app_home=1 no_proxy=1"));
            assert_eq!(
                lines.next(),
                Some("echo $foo ${VERSION} \"$app_home\" $no_proxy $other")
            );
            // ShellCheck reports `$foo` at line 3, columns 6..10 of its text.
            let found = s.findings(&[comment(3, 6, 10, 2086)]);
            assert_eq!(located(file, &found), vec![(4, 10, "$foo".into())]);
            assert_eq!(found[0].rule.id, "SC2086");
            assert_eq!(found[0].rule.name, "shellcheck-sc2086");
            assert_eq!(found[0].severity, Severity::Info);
        });
        // Without a name to declare there is no export line.
        with_scripts("FROM debian:12\nENV A=1\nRUN echo $foo\n", |_, scripts| {
            assert_eq!(scripts[0].text, "#!/bin/sh\necho $foo");
        });
    }

    #[test]
    fn continuation_lines_map_back_to_their_own_lines() {
        let src = "FROM debian:12\nRUN set -e && \\\n    echo $a && \\\n\techo é $b\n";
        with_scripts(src, |file, scripts| {
            let s = &scripts[0];
            assert_eq!(
                s.text.lines().nth(1),
                Some("set -e &&     echo $a && \techo é $b")
            );
            // Columns count characters, a tab as one.
            let found = s.findings(&[comment(2, 20, 22, 2086), comment(2, 34, 36, 2086)]);
            assert_eq!(
                located(file, &found),
                vec![(3, 10, "$a".into()), (4, 9, "$b".into())]
            );
            // A span across the continuation covers it.
            let across = s.findings(&[comment(2, 18, 36, 2086)]);
            assert_eq!(file.position(across[0].span.start).line, 3);
            assert_eq!(
                file.slice(across[0].span).lines().last(),
                Some("\techo é $b")
            );
        });
    }

    #[test]
    fn heredoc_scripts_keep_their_lines() {
        let src = "FROM debian:12\nRUN <<EOF\nset -e\necho $x\nEOF\n";
        with_scripts(src, |file, scripts| {
            let s = &scripts[0];
            assert_eq!(s.text, "#!/bin/sh\nset -e\necho $x\n");
            let found = s.findings(&[comment(3, 6, 8, 2086)]);
            assert_eq!(located(file, &found), vec![(4, 6, "$x".into())]);
        });
    }

    #[test]
    fn heredoc_with_its_own_shell_shebang_is_checked_in_that_shell() {
        let src =
            "FROM debian:12\nRUN <<EOF\n#!/usr/bin/env bash\n[[ -n $x ]] && curl $http_proxy\nEOF\n";
        with_scripts(src, |file, scripts| {
            let s = &scripts[0];
            assert_eq!(s.shell, "bash");
            let mut lines = s.text.lines();
            assert_eq!(lines.next(), Some("#!/usr/bin/env bash"));
            assert_eq!(lines.next(), Some("# shellcheck shell=bash"));
            assert_eq!(lines.next(), Some("export http_proxy=1"));
            assert_eq!(lines.next(), Some("[[ -n $x ]] && curl $http_proxy"));
            let found = s.findings(&[comment(4, 7, 9, 2086)]);
            assert_eq!(located(file, &found), vec![(4, 7, "$x".into())]);
            // A comment on the shebang maps to the shebang.
            let found = s.findings(&[comment(1, 1, 20, 2096)]);
            assert_eq!(
                located(file, &found),
                vec![(3, 1, "#!/usr/bin/env bash".into())]
            );
        });
    }

    #[test]
    fn what_shellcheck_cannot_read_is_not_handed_to_it() {
        let src = "FROM debian:12\n\
                   RUN [\"echo\", \"$x\"]\n\
                   RUN <<EOF\n#!/usr/bin/env python3\nprint('hi')\nEOF\n\
                   SHELL [\"/bin/zsh\", \"-c\"]\n\
                   RUN echo $x\n\
                   SHELL [\"pwsh\", \"-Command\"]\n\
                   ARG foo\n\
                   RUN Write-Host $foo\n\
                   SHELL [\"/opt/myshell\", \"-c\"]\n\
                   RUN do things\n\
                   FROM mcr.microsoft.com/windows/servercore:ltsc2022 AS win\n\
                   RUN powershell -Command $ErrorActionPreference = 'Stop'; echo $x\n\
                   FROM win\n\
                   RUN echo $x\n\
                   FROM mcr.microsoft.com/dotnet/sdk:8.0-nanoserver-ltsc2022\n\
                   RUN echo $x\n";
        with_scripts(src, |_, scripts| assert!(scripts.is_empty(), "{scripts:?}"));
    }

    #[test]
    fn shell_follows_shell_instructions_and_stages() {
        let src = "FROM alpine:3.20 AS base\n\
                   RUN set -o pipefail\n\
                   SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n\
                   RUN [[ -n $x ]]\n\
                   FROM base\n\
                   RUN [[ -n $x ]]\n\
                   FROM debian:12\n\
                   RUN echo\n\
                   SHELL [\"/usr/bin/env\", \"ksh\", \"-c\"]\n\
                   RUN echo\n\
                   FROM python:3.12-alpine\n\
                   ONBUILD RUN echo\n\
                   SHELL [\"/bin/busybox\", \"sh\", \"-c\"]\n\
                   RUN echo\n";
        with_scripts(src, |_, scripts| {
            let shells: Vec<&str> = scripts.iter().map(|s| s.shell).collect();
            assert_eq!(
                shells,
                ["dash", "bash", "bash", "sh", "ksh", "dash", "dash"]
            );
            assert!(scripts[1].text.starts_with("#!/bin/bash\n"));
        });
    }

    #[test]
    fn names_in_scope_follow_buildkit() {
        let src = "ARG GLOBAL=1\nFROM debian:12 AS base\nARG GLOBAL\nENV base_var=1\n\
                   FROM debian:12\nRUN echo $GLOBAL $base_var\n\
                   FROM base\nRUN echo $GLOBAL $base_var $late\nARG late\n";
        with_scripts(src, |_, scripts| {
            let exports = |s: &ShellScript| s.text.lines().nth(1).unwrap().to_owned();
            // An unrelated stage sees neither the global ARG nor the other stage's ENV.
            assert_eq!(exports(&scripts[0]), "echo $GLOBAL $base_var");
            // A stage built on `base` inherits both; `late` is declared after the RUN.
            assert_eq!(exports(&scripts[1]), "export GLOBAL=1 base_var=1");
        });
    }

    #[test]
    fn excluded_codes_are_dropped_and_levels_become_severities() {
        let src = "FROM debian:12\nRUN . /etc/os-release && echo $x\n";
        with_scripts(src, |_, scripts| {
            let mut error = comment(3, 1, 2, 1091);
            error.level = "error".into();
            let mut style = comment(3, 30, 32, 2250);
            style.level = "style".into();
            let mut warning = comment(3, 30, 32, 2154);
            warning.level = "warning".into();
            let found = scripts[0].findings(&[error, style, warning]);
            let got: Vec<(&str, Severity)> =
                found.iter().map(|f| (f.rule.id, f.severity)).collect();
            assert_eq!(
                got,
                [("SC2250", Severity::Style), ("SC2154", Severity::Warning)]
            );
        });
    }

    #[test]
    fn rule_meta_for_shellcheck_codes() {
        let m = meta_for("sc2086").unwrap();
        assert_eq!(m.id, "SC2086");
        assert!(m.why.contains("https://www.shellcheck.net/wiki/SC2086"));
        assert!(std::ptr::eq(m, meta_for("shellcheck-SC2086").unwrap()));
        assert_eq!(meta_for("SC1073").unwrap().severity, Severity::Error);
        for not_a_code in ["SC20", "SW1001", "DL3008", "SC20866", "SCabcd"] {
            assert!(meta_for(not_a_code).is_none(), "{not_a_code}");
        }
    }
}
