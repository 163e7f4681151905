//! RUN script analysis on a real shell parser.
//!
//! [`Script::parse`] runs tree-sitter-bash over the text of a shell-form RUN (or a heredoc
//! body) and flattens the syntax tree into the simple commands the script runs, in source
//! order, with what lint rules ask about each one: its name and arguments after quote removal,
//! its redirects, the pipeline and `&&`/`||` list it sits in, and whether it runs in a
//! subshell, a command substitution, a function body or a condition whose status is tested.
//!
//! Commands run through a wrapper (`sudo`, `env`, `xargs`, `nohup`, `exec`, `time`, …) are
//! reported twice: once as the wrapper and once as themselves, marked with
//! [`Command::wrapper`], so a rule about `apt-get` sees `sudo apt-get install` and a rule about
//! `sudo` sees it too. Scripts handed to a nested shell (`sh -c '…'`, `bash <<EOF`, `su -c`)
//! are parsed in turn when their text is known statically, and their commands are included
//! with spans mapped into the outer script.
//!
//! All byte offsets are relative to the `&str` given to [`Script::parse`]; for every word,
//! `&source[word.span] == word.raw`.

mod walk;
mod words;
mod wrappers;

#[cfg(test)]
mod tests;

use std::ops::Range;

/// The language a RUN script is written in, as decided by the shell in effect (`SHELL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// A POSIX-family shell: sh, bash, ash, dash, zsh, ksh, mksh, busybox.
    Posix,
    /// PowerShell (`pwsh`, `powershell`): not analysed.
    PowerShell,
    /// Windows `cmd`: not analysed.
    Cmd,
    /// Anything else. Analysed as a POSIX shell, best effort, the way hadolint hands every
    /// shell it does not know to ShellCheck.
    Unknown,
}

impl Dialect {
    /// The dialect of a shell executable as written in `SHELL` or a shebang: the basename,
    /// without `.exe`, case-insensitive, with a trailing version number ignored (`bash5.2`).
    /// `/usr/bin/env bash` (one string) looks at the program `env` runs.
    pub fn from_shell(argv0: &str) -> Dialect {
        let argv0 = argv0.trim();
        // A whole path first (`C:\Program Files\…\pwsh.exe`), then the first word of a
        // command line (`/bin/sh -c`, `/usr/bin/env bash`).
        let whole = Dialect::from_program(&program_name(argv0));
        if whole != Dialect::Unknown {
            return whole;
        }
        let mut words = argv0.split_whitespace();
        let first = program_name(words.next().unwrap_or(""));
        if first == "env" {
            return words
                .find(|w| !w.starts_with('-') && !w.contains('='))
                .map_or(Dialect::Unknown, |p| {
                    Dialect::from_program(&program_name(p))
                });
        }
        Dialect::from_program(&first)
    }

    fn from_program(name: &str) -> Dialect {
        match name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.' || c == '-') {
            "sh" | "bash" | "rbash" | "ash" | "dash" | "zsh" | "ksh" | "mksh" | "lksh"
            | "pdksh" | "oksh" | "posh" | "yash" | "hush" | "busybox" => Dialect::Posix,
            "pwsh" | "powershell" => Dialect::PowerShell,
            "cmd" => Dialect::Cmd,
            _ => Dialect::Unknown,
        }
    }

    /// The dialect named by a script's shebang line (`#!/usr/bin/env python3` in a heredoc
    /// RUN body), `None` without one.
    pub fn from_shebang(script: &str) -> Option<Dialect> {
        let line = script.strip_prefix("#!")?.lines().next().unwrap_or("");
        Some(Dialect::from_shell(line))
    }

    /// Whether scripts in this dialect are parsed as shell scripts.
    pub fn is_analysed(self) -> bool {
        matches!(self, Dialect::Posix | Dialect::Unknown)
    }
}

fn program_name(path: &str) -> String {
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let lower = base.to_ascii_lowercase();
    match lower.strip_suffix(".exe") {
        Some(stem) => stem.to_string(),
        None => lower,
    }
}

/// How a command is joined to the one before it in its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connector {
    /// `&&`
    And,
    /// `||`
    Or,
    /// `;` or a newline
    Seq,
    /// `&`: the command before runs in the background.
    Background,
    /// `|` or `|&`
    Pipe,
}

/// A parsed RUN script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// Every simple command, in source order (by start offset). Wrapped commands come right
    /// after their wrapper.
    pub commands: Vec<Command>,
    /// The parser met a syntax error (or nesting too deep to follow): what it could parse is
    /// still reported, but commands may be missing or cut short.
    pub has_errors: bool,
    pub dialect: Dialect,
    pipelines: Vec<Pipeline>,
}

/// One simple command: `VAR=x name arg… >redirect`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The command word, after leading `VAR=value` assignments; `None` for a bare assignment
    /// or a bare redirect. For a test (`[ … ]`, `[[ … ]]`), the opening bracket; for
    /// `export`/`local`/`declare`/`readonly`/`typeset`/`unset`, that keyword.
    pub name: Option<Word>,
    /// The arguments after the name. Words that tree-sitter attaches to a redirect but the
    /// shell passes to the command (`echo >f a b`) are here too.
    pub args: Vec<Word>,
    /// Leading `VAR=value` prefixes (for `sudo`/`env`-wrapped commands: the wrapper's
    /// `VAR=value` operands).
    pub assignments: Vec<Word>,
    pub redirects: Vec<Redirect>,
    /// From the first assignment, name or redirect to the end of the last argument or
    /// redirect (a heredoc counts up to its delimiter; its body is in [`Redirect::heredoc`]).
    pub span: Range<usize>,
    /// Index into [`Script::pipelines`] of the `|` chain this command is part of. Commands in
    /// a compound stage (`… | while read x; do …; done`) belong to that stage.
    pub pipeline: Option<usize>,
    /// 0-based stage of the pipeline (0 when not in a pipeline).
    pub position_in_pipeline: usize,
    /// How the command is joined to the one before it in its list; `None` for the first
    /// command of a script, a substitution, or a compound body. The first command of a
    /// compound (`a && { b; c; }`, `a || (b)`) gets the compound's connector.
    pub connector_before: Option<Connector>,
    /// Nesting in `( … )`, `$( … )`, backticks, `<( … )` and nested shells (`sh -c`).
    pub subshell_depth: usize,
    /// Inside `$( … )`, backticks or `<( … )`.
    pub in_substitution: bool,
    /// Its exit status is tested rather than fatal: in an `if`/`elif`/`while`/`until`
    /// condition, after `!`, or on the left of `||`.
    pub in_condition: bool,
    /// Inside a function body (defined here, run wherever the function is called).
    pub in_function: bool,
    /// The basename of the command that runs this one: `sudo`, `env`, `xargs`, … for
    /// `sudo apt-get`, or `sh`, `bash`, `su` for a command of a nested script.
    pub wrapper: Option<String>,
    /// Index into [`Script::commands`] of that wrapper command.
    pub wrapped_by: Option<usize>,
    state: ShellState,
}

/// Where a command stands for shell options (`set -o pipefail`): private bookkeeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct ShellState {
    /// Which shell process runs it: 0 for the script itself, one more per nested script.
    scope: usize,
    /// Runs in that shell itself (not a subshell, substitution, pipeline or function body),
    /// so a `set` there changes the options of what follows.
    top_level: bool,
    /// Options in effect just before the command.
    options: wrappers::ShellOptions,
}

/// A shell word as written, and its value when it can be known without running anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The word as written, quotes and escapes included.
    pub raw: String,
    /// The word after quote removal (`'…'`, `"…"`, `$'…'`, backslashes, line
    /// continuations); `None` when it contains a parameter expansion, command substitution or
    /// arithmetic expansion. Globs, tildes and braces are kept as written.
    pub value: Option<String>,
    pub span: Range<usize>,
}

impl Word {
    /// The static value, if known.
    pub fn value_str(&self) -> Option<&str> {
        self.value.as_deref()
    }
}

/// A redirect: `>file`, `2>&1`, `<<EOF`, `<<<word`, ….
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The operator: `>`, `>>`, `<`, `>&`, `<&`, `&>`, `&>>`, `>|`, `<&-`, `>&-`, `<<`, `<<-`,
    /// `<<<`.
    pub op: String,
    /// The explicit file descriptor (`2` in `2>&1`).
    pub fd: Option<u32>,
    /// The file, descriptor or heredoc delimiter (value with quotes removed: `EOF` for
    /// `<<'EOF'`); the word for `<<<`.
    pub target: Option<Word>,
    /// From the descriptor to the end of the target (a heredoc's body is not included).
    pub span: Range<usize>,
    /// For `<<`/`<<-`: the body, whole lines between the operator's line and the
    /// delimiter line. Its value has `<<-` tabs stripped and, when the delimiter is not
    /// quoted, backslash escapes removed; `None` if it expands something.
    pub heredoc: Option<Word>,
}

/// A `|` chain of two or more stages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    /// Indices into [`Script::commands`] of the commands of every stage, in source order
    /// (a stage may hold several: a compound stage, or a wrapper and the command it wraps).
    pub commands: Vec<usize>,
    pub span: Range<usize>,
    /// Number of stages.
    pub stages: usize,
}

impl Script {
    /// Parses a RUN script. Never panics; PowerShell and cmd scripts are left alone (no
    /// commands), anything else is parsed as a POSIX shell script.
    pub fn parse(source: &str, dialect: Dialect) -> Script {
        if !dialect.is_analysed() {
            return Script {
                commands: Vec::new(),
                has_errors: false,
                dialect,
                pipelines: Vec::new(),
            };
        }
        let analysis = walk::analyse(source, 0, 0);
        finish(analysis, dialect)
    }

    /// The pipelines of the script, in source order.
    pub fn pipelines(&self) -> &[Pipeline] {
        &self.pipelines
    }

    /// The commands whose name, as a basename of its static value, is `name`.
    pub fn commands_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Command> {
        self.commands
            .iter()
            .filter(move |c| c.name_str() == Some(name))
    }

    /// Whether `set -o pipefail` (in any spelling: `set -euo pipefail`, `set -o errexit -o
    /// pipefail`, `shopt -so pipefail`) ran earlier in the same shell at its top level and was
    /// not undone by `set +o pipefail`. A nested `bash -o pipefail -c '…'` counts for its own
    /// commands. `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` is the caller's to know.
    pub fn pipefail_set_before(&self, command_index: usize) -> bool {
        self.commands
            .get(command_index)
            .is_some_and(|c| c.state.options.pipefail)
    }

    /// Whether `set -e` (`set -o errexit`, `set -eux`, …) is in effect before the command, by
    /// the same rules as [`Script::pipefail_set_before`].
    pub fn errexit_set_before(&self, command_index: usize) -> bool {
        self.commands
            .get(command_index)
            .is_some_and(|c| c.state.options.errexit)
    }
}

impl Command {
    /// The basename of the command word's static value: `apt-get` for `/usr/bin/apt-get`.
    pub fn name_str(&self) -> Option<&str> {
        let value = self.name.as_ref()?.value.as_deref()?;
        let base = value.rsplit('/').next().unwrap_or(value);
        (!base.is_empty()).then_some(base)
    }

    /// The static value of every argument, `None` where it is not known.
    pub fn arg_values(&self) -> impl Iterator<Item = Option<&str>> {
        self.args.iter().map(|w| w.value.as_deref())
    }

    /// Whether an argument before `--` is the short flag (alone or in a cluster: `-qy` has
    /// `y`) or the long flag (`--long` or `--long=value`; given with or without the dashes).
    /// A cluster with a non-alphanumeric character (`-oDpkg::Options=…`) counts only its
    /// first letter, which is most likely an option with an attached value.
    pub fn has_flag(&self, short: Option<char>, long: Option<&str>) -> bool {
        let long = long.map(|l| l.trim_start_matches('-'));
        for value in self.arg_values().flatten() {
            if value == "--" {
                break;
            }
            if let Some(rest) = value.strip_prefix("--") {
                let name = rest.split('=').next().unwrap_or(rest);
                if long.is_some_and(|l| l == name) {
                    return true;
                }
                continue;
            }
            let Some(cluster) = value.strip_prefix('-') else {
                continue;
            };
            let Some(short) = short else { continue };
            if cluster.chars().all(|c| c.is_ascii_alphanumeric()) {
                if cluster.contains(short) {
                    return true;
                }
            } else if cluster.starts_with(short) {
                return true;
            }
        }
        false
    }

    /// Whether this command was found inside another one (a wrapper or a nested shell).
    pub fn is_wrapped(&self) -> bool {
        self.wrapped_by.is_some()
    }
}

/// Puts commands and pipelines in source order and works out the shell options before each
/// command.
fn finish(analysis: walk::Analysis, dialect: Dialect) -> Script {
    let walk::Analysis {
        commands,
        pipelines,
        scopes,
        has_errors,
    } = analysis;

    // Commands: stable sort by start offset (heredoc bodies and nested scripts are walked
    // out of order), then renumber every index that points at a command.
    let mut order: Vec<usize> = (0..commands.len()).collect();
    order.sort_by_key(|&i| commands[i].span.start);
    let mut new_index = vec![0; commands.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    // Pipelines: drop those no command ended up in (error recovery), sort the rest.
    let mut used = vec![false; pipelines.len()];
    for p in commands.iter().filter_map(|c| c.pipeline) {
        if let Some(u) = used.get_mut(p) {
            *u = true;
        }
    }
    let mut pipe_order: Vec<usize> = (0..pipelines.len()).filter(|&i| used[i]).collect();
    pipe_order.sort_by_key(|&i| pipelines[i].span.start);
    let mut new_pipe = vec![None; pipelines.len()];
    for (new, &old) in pipe_order.iter().enumerate() {
        new_pipe[old] = Some(new);
    }

    let mut slots: Vec<Option<Command>> = commands.into_iter().map(Some).collect();
    let mut sorted = Vec::with_capacity(slots.len());
    for &old in &order {
        let Some(mut c) = slots[old].take() else {
            continue;
        };
        c.wrapped_by = c.wrapped_by.and_then(|w| new_index.get(w).copied());
        c.pipeline = c.pipeline.and_then(|p| new_pipe.get(p).copied().flatten());
        sorted.push(c);
    }

    let mut pipeline_slots: Vec<Option<Pipeline>> = pipelines.into_iter().map(Some).collect();
    let mut sorted_pipelines: Vec<Pipeline> = pipe_order
        .iter()
        .filter_map(|&old| pipeline_slots[old].take())
        .collect();
    for p in &mut sorted_pipelines {
        p.commands.clear();
        p.stages = 0;
    }
    for (i, c) in sorted.iter().enumerate() {
        if let Some(p) = c.pipeline.and_then(|p| sorted_pipelines.get_mut(p)) {
            p.commands.push(i);
            p.stages = p.stages.max(c.position_in_pipeline + 1);
        }
    }

    // Shell options: replay `set`/`shopt` at the top level of each shell, in source order.
    let mut options = scopes;
    for c in &mut sorted {
        if c.state.scope >= options.len() {
            options.resize(c.state.scope + 1, wrappers::ShellOptions::default());
        }
        c.state.options = options[c.state.scope];
        if c.state.top_level {
            if let Some(name) = c.name_str() {
                wrappers::apply_option_command(name, &c.args, &mut options[c.state.scope]);
            }
        }
    }

    Script {
        commands: sorted,
        has_errors,
        dialect,
        pipelines: sorted_pipelines,
    }
}
