//! Commands that run other commands: where the wrapped command starts in a wrapper's
//! arguments, how a shell was asked to run a script, and what `set` does to shell options.

use std::ops::Range;

use super::words::is_assignment;
use super::Word;

/// The options of a wrapper that runs its operands as a command: enough of each to skip its
/// options and find where the command starts.
pub(super) struct ExecWrapper {
    /// Short options whose value is the rest of the cluster or the next argument.
    short_with_value: &'static str,
    /// Short options whose value, if any, is attached (`xargs -i{}`): the rest of the cluster.
    short_attached_value: &'static str,
    /// Long options whose value is the next argument unless given as `--opt=value`.
    long_with_value: &'static [&'static str],
    /// Short options that mean no command is run (`command -v`, `sudo -l`).
    short_no_command: &'static str,
    /// Long options that mean no command is run.
    long_no_command: &'static [&'static str],
    /// Operands before the command (`timeout DURATION`, `gosu USER`, `chroot NEWROOT`).
    operands_before: usize,
    /// Accepts `NAME=value` operands before the command (`env`, `sudo`).
    assignments: bool,
}

const NONE: ExecWrapper = ExecWrapper {
    short_with_value: "",
    short_attached_value: "",
    long_with_value: &[],
    short_no_command: "",
    long_no_command: &[],
    operands_before: 0,
    assignments: false,
};

/// The wrapper spec for a command name (basename), if it runs its operands as a command.
pub(super) fn exec_wrapper(name: &str) -> Option<&'static ExecWrapper> {
    static SUDO: ExecWrapper = ExecWrapper {
        short_with_value: "ugpCDrtUTR",
        long_with_value: &[
            "user",
            "group",
            "prompt",
            "close-from",
            "chdir",
            "role",
            "type",
            "other-user",
            "command-timeout",
            "chroot",
            "host",
        ],
        short_no_command: "lvVeKh",
        long_no_command: &[
            "list",
            "validate",
            "version",
            "edit",
            "remove-timestamp",
            "help",
        ],
        assignments: true,
        ..NONE
    };
    static DOAS: ExecWrapper = ExecWrapper {
        short_with_value: "uC",
        ..NONE
    };
    static ONE_OPERAND: ExecWrapper = ExecWrapper {
        operands_before: 1,
        ..NONE
    };
    static ENV: ExecWrapper = ExecWrapper {
        short_with_value: "uCPa",
        long_with_value: &["unset", "chdir", "argv0"],
        short_no_command: "S",
        long_no_command: &["split-string", "help", "version"],
        assignments: true,
        ..NONE
    };
    static XARGS: ExecWrapper = ExecWrapper {
        short_with_value: "adEILnPs",
        short_attached_value: "eil",
        long_with_value: &[
            "arg-file",
            "delimiter",
            "max-args",
            "max-procs",
            "max-chars",
            "process-slot-var",
        ],
        long_no_command: &["help", "version"],
        ..NONE
    };
    static EXEC: ExecWrapper = ExecWrapper {
        short_with_value: "a",
        ..NONE
    };
    static TIME: ExecWrapper = ExecWrapper {
        short_with_value: "fo",
        long_with_value: &["format", "output"],
        ..NONE
    };
    static COMMAND: ExecWrapper = ExecWrapper {
        short_no_command: "vV",
        ..NONE
    };
    static NICE: ExecWrapper = ExecWrapper {
        short_with_value: "n",
        long_with_value: &["adjustment"],
        ..NONE
    };
    static TIMEOUT: ExecWrapper = ExecWrapper {
        short_with_value: "ks",
        long_with_value: &["kill-after", "signal"],
        operands_before: 1,
        ..NONE
    };
    static STDBUF: ExecWrapper = ExecWrapper {
        short_with_value: "ioe",
        long_with_value: &["input", "output", "error"],
        ..NONE
    };
    static CHROOT: ExecWrapper = ExecWrapper {
        long_with_value: &["userspec", "groups"],
        operands_before: 1,
        ..NONE
    };
    static FAKEROOT: ExecWrapper = ExecWrapper {
        short_with_value: "lsib",
        long_with_value: &["lib", "faked", "fd-base"],
        ..NONE
    };
    static IONICE: ExecWrapper = ExecWrapper {
        short_with_value: "cn",
        short_no_command: "pPu",
        ..NONE
    };
    static PLAIN: ExecWrapper = NONE;
    Some(match name {
        "sudo" => &SUDO,
        "doas" => &DOAS,
        "gosu" | "su-exec" => &ONE_OPERAND,
        "env" => &ENV,
        "xargs" => &XARGS,
        "exec" => &EXEC,
        "time" => &TIME,
        "command" => &COMMAND,
        "nice" => &NICE,
        "timeout" => &TIMEOUT,
        "stdbuf" => &STDBUF,
        "chroot" => &CHROOT,
        "fakeroot" => &FAKEROOT,
        "ionice" => &IONICE,
        "nohup" | "builtin" | "busybox" | "eatmydata" | "setsid" => &PLAIN,
        _ => return None,
    })
}

impl ExecWrapper {
    /// Where the wrapped command's name is among the wrapper's arguments, and the range of
    /// `NAME=value` operands before it. `None` when no command is run or it cannot be told.
    pub(super) fn locate(&self, args: &[Word]) -> Option<(Range<usize>, usize)> {
        let mut i = 0;
        while let Some(arg) = args.get(i) {
            let Some(value) = arg.value.as_deref() else {
                break;
            };
            if value == "--" {
                i += 1;
                break;
            }
            if value == "-" {
                i += 1;
                continue;
            }
            if let Some(long) = value.strip_prefix("--") {
                let (name, attached) = match long.split_once('=') {
                    Some((name, _)) => (name, true),
                    None => (long, false),
                };
                if self.long_no_command.contains(&name) {
                    return None;
                }
                i += 1;
                if !attached && self.long_with_value.contains(&name) {
                    i += 1;
                }
                continue;
            }
            if let Some(cluster) = value.strip_prefix('-') {
                for (at, c) in cluster.char_indices() {
                    if self.short_no_command.contains(c) {
                        return None;
                    }
                    if self.short_attached_value.contains(c) {
                        break;
                    }
                    if self.short_with_value.contains(c) {
                        if at + c.len_utf8() == cluster.len() {
                            i += 1;
                        }
                        break;
                    }
                }
                i += 1;
                continue;
            }
            break;
        }
        let assignments_start = i.min(args.len());
        if self.assignments {
            while args
                .get(i)
                .and_then(|a| a.value.as_deref())
                .is_some_and(is_assignment)
            {
                i += 1;
            }
        }
        let assignments = assignments_start..i.min(args.len());
        let command = i + self.operands_before;
        (command < args.len()).then_some((assignments, command))
    }
}

/// Whether a command name is a POSIX-family shell that runs scripts (`busybox` is handled as
/// a wrapper of its applet).
pub(super) fn is_shell(name: &str) -> bool {
    matches!(
        name,
        "sh" | "bash" | "rbash" | "ash" | "dash" | "zsh" | "ksh" | "mksh" | "lksh" | "pdksh"
    )
}

/// How a shell was asked to run a script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ShellRun {
    /// `sh -c SCRIPT`: the script is the argument at this index.
    Command(usize),
    /// No operand: the script is read from standard input (a heredoc or here-string).
    Stdin,
    /// A script file, or nothing that can be followed.
    Other,
}

/// Shell options that change how a script behaves in ways rules care about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct ShellOptions {
    pub pipefail: bool,
    pub errexit: bool,
}

impl ShellOptions {
    fn set_named(&mut self, name: &str, on: bool) {
        match name {
            "pipefail" => self.pipefail = on,
            "errexit" => self.errexit = on,
            _ => {}
        }
    }
}

/// Reads a shell's command line (`bash -euo pipefail -c '…'`): where its script is and the
/// options it starts with.
pub(super) fn shell_invocation(args: &[Word]) -> (ShellRun, ShellOptions) {
    let mut options = ShellOptions::default();
    let mut command_flag = false;
    let mut stdin_flag = false;
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        let Some(value) = arg.value.as_deref() else {
            break;
        };
        if value == "--" || value == "-" {
            i += 1;
            break;
        }
        if let Some(long) = value.strip_prefix("--") {
            i += 1;
            if matches!(long, "rcfile" | "init-file") {
                i += 1;
            }
            continue;
        }
        let on = value.starts_with('-');
        if value.len() > 1 && (on || value.starts_with('+')) {
            i += 1;
            for c in value[1..].chars() {
                match c {
                    'c' => command_flag = true,
                    's' => stdin_flag = true,
                    'e' => options.errexit = on,
                    'o' | 'O' => {
                        if let Some(name) = args.get(i).and_then(|a| a.value.as_deref()) {
                            options.set_named(name, on);
                        }
                        i += 1;
                    }
                    _ => {}
                }
            }
            continue;
        }
        break;
    }
    let run = if command_flag {
        if i < args.len() {
            ShellRun::Command(i)
        } else {
            ShellRun::Other
        }
    } else if stdin_flag || i >= args.len() {
        ShellRun::Stdin
    } else {
        ShellRun::Other
    };
    (run, options)
}

/// For `su [options] [user] -c SCRIPT` (also `--command SCRIPT`, `--command=SCRIPT`,
/// `-lc SCRIPT`): the argument holding the script and how many bytes of its value precede
/// the script (`--command=`).
pub(super) fn su_command(args: &[Word]) -> Option<(usize, usize)> {
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        let value = arg.value.as_deref().unwrap_or("");
        i += 1;
        if value == "--command" {
            return (i < args.len()).then_some((i, 0));
        }
        if value.starts_with("--command=") {
            return Some((i - 1, "--command=".len()));
        }
        if matches!(
            value,
            "--shell" | "--group" | "--supp-group" | "--whitelist-environment"
        ) {
            i += 1;
            continue;
        }
        if let Some(cluster) = value.strip_prefix('-') {
            if cluster.starts_with('-') {
                continue;
            }
            for (at, c) in cluster.char_indices() {
                match c {
                    'c' => return (i < args.len()).then_some((i, 0)),
                    's' | 'g' | 'G' | 'w' => {
                        if at + 1 == cluster.len() {
                            i += 1;
                        }
                        break;
                    }
                    _ => {}
                }
            }
        }
    }
    None
}

/// Applies `set …` or `shopt …` run at the top level of a shell to its options.
pub(super) fn apply_option_command(name: &str, args: &[Word], options: &mut ShellOptions) {
    match name {
        "set" => apply_set(args, options),
        "shopt" => apply_shopt(args, options),
        _ => {}
    }
}

fn apply_set(args: &[Word], options: &mut ShellOptions) {
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        let Some(value) = arg.value.as_deref() else {
            return;
        };
        i += 1;
        let on = value.starts_with('-');
        if value == "--" || value == "-" || value.len() < 2 || !(on || value.starts_with('+')) {
            // The rest are positional parameters.
            return;
        }
        for c in value[1..].chars() {
            match c {
                'e' => options.errexit = on,
                'o' => {
                    if let Some(name) = args.get(i).and_then(|a| a.value.as_deref()) {
                        options.set_named(name, on);
                    }
                    i += 1;
                }
                _ => {}
            }
        }
    }
}

fn apply_shopt(args: &[Word], options: &mut ShellOptions) {
    let mut set_option_names = false;
    let mut on = None;
    for value in args.iter().map(|a| a.value.as_deref().unwrap_or("")) {
        if let Some(flags) = value.strip_prefix('-') {
            for c in flags.chars() {
                match c {
                    'o' => set_option_names = true,
                    's' => on = Some(true),
                    'u' => on = Some(false),
                    _ => {}
                }
            }
        } else if let (true, Some(on)) = (set_option_names, on) {
            options.set_named(value, on);
        }
    }
}
