use seaworthy_dockerfile::shell::{Dialect, Script};
use seaworthy_dockerfile::{Arg, Args, Instruction, Keyword, SkippedLine, Step};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Edit, Finding, Fix, RuleMeta, Severity};

/// The final image starts its process through the shell: the `ENTRYPOINT` in effect, or the
/// `CMD` in effect when there is no `ENTRYPOINT`, is written in shell form and the shell is a
/// POSIX shell. Only what the final image runs counts: build stages, a `CMD` reset by a later
/// stage's `ENTRYPOINT`, a shell-form `CMD` passed as arguments to an exec-form `ENTRYPOINT`
/// and a command that starts with `exec` (the shell replaces itself) are left alone. Unlike
/// BuildKit's check, an explicit `SHELL ["/bin/bash", "-c"]` does not silence it: bash as PID 1
/// forwards signals no better than sh.
///
/// The fix rewrites a shell-form `CMD` or `ENTRYPOINT` as the JSON array of its words when the
/// command uses no shell feature at all, so that for a `CMD` the only change is the one the
/// rule asks for: the program, not `/bin/sh`, is PID 1 and receives the signals. The words must split the way sh
/// splits them with nothing to expand: plain characters, and `'...'` or `"..."` quotes
/// (without `$`, backquotes or backslashes inside) resolved as sh resolves them; no variable,
/// glob, tilde, brace, comment, operator, redirection, assignment, escape, shell keyword or
/// builtin (`cd`, `export`, `.`). The shell in effect must be the default `/bin/sh -c`, and
/// no comment line may sit inside the instruction. The fix of a shell-form `ENTRYPOINT` is
/// unsafe: in exec form it starts receiving the CMD (of its own stage or a later one, before
/// or after it) and the `docker run` arguments, which the shell form ignores today.
pub struct ShellFormCmd;

static META: RuleMeta = RuleMeta {
    id: "SW1100",
    name: "shell-form-cmd",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 15,
    aliases: &["DL3025", "JSONArgsRecommended"],
    summary: "The final image's CMD or ENTRYPOINT is in shell form, so PID 1 is /bin/sh.",
    why: "A shell-form `CMD node server.js` runs `/bin/sh -c \"node server.js\"`: the shell is \
          PID 1 and your process its child. `docker stop` and Kubernetes send SIGTERM to PID 1, \
          the shell does not forward it, and after the grace period (10 s by default) the \
          process is killed with SIGKILL: no graceful shutdown, dropped connections, \
          unflushed writes. Use the exec (JSON) form, `CMD [\"node\", \"server.js\"]`, or \
          start the shell command with `exec` so the shell replaces itself. Setting `SHELL` to \
          bash changes nothing: bash does not forward signals either. Differs from hadolint: \
          only the CMD or ENTRYPOINT that takes effect in the final image is reported, not an \
          earlier one a later one replaces, nor one in a build stage; `HEALTHCHECK CMD` in \
          shell form is not reported (its shell is not PID 1 and receives no signals), nor is \
          a shell form run by a PowerShell or cmd `SHELL`. `seaworthy fix` rewrites a \
          shell-form CMD in exec form when it is a plain command under `/bin/sh -c`, with no \
          variable, glob, operator, redirection or other shell syntax, so the only change is \
          that the program receives the signals. It rewrites a shell-form ENTRYPOINT the same \
          way only with `--unsafe-fixes`: a shell-form ENTRYPOINT ignores CMD and the \
          `docker run` arguments, while in exec form it receives them, so an image that also \
          sets a CMD (or is run with arguments) would pass them to the program; check that it \
          accepts them, or drop the CMD.",
    bad: "FROM node:20.18.0-slim\nCOPY . /app\nCMD node /app/server.js\n",
    good: "FROM node:20.18.0-slim\nCOPY . /app\nCMD [\"node\", \"/app/server.js\"]\n",
};

impl DockerfileRule for ShellFormCmd {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn fix_kind(&self) -> crate::FixKind {
        crate::FixKind::Safe
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        // Walk the chain from its root to the final stage, as the image config is built: an
        // ENTRYPOINT resets a CMD inherited from an earlier stage, not one set in its own stage.
        let mut cmd: Option<&Step<'_>> = None;
        let mut entrypoint: Option<&Step<'_>> = None;
        for stage in cx.runtime_chain().into_iter().rev() {
            let mut cmd_in_stage = false;
            for step in &stage.steps {
                match step.instruction.kind {
                    Keyword::Cmd => {
                        cmd = Some(step);
                        cmd_in_stage = true;
                    }
                    Keyword::Entrypoint => {
                        entrypoint = Some(step);
                        if !cmd_in_stage {
                            cmd = None;
                        }
                    }
                    _ => {}
                }
            }
        }
        // PID 1 is the ENTRYPOINT when there is one: a shell-form CMD is then only its arguments.
        let Some(step) = entrypoint.or(cmd) else {
            return;
        };
        let ins = step.instruction;
        let Args::String(command) = &ins.args else {
            return;
        };
        let shell = &step.in_effect.shell;
        if shell.dialect != Dialect::Posix {
            return;
        }
        let text = cx.file.logical(ins, command.span);
        if text.split_whitespace().next() == Some("exec") {
            return;
        }
        let keyword = ins.kind.as_str();
        let shell_name = shell.argv.join(" ");
        let mut finding = Finding::new(
            &META,
            command.span,
            format!(
                "{keyword} is in shell form: the container runs `{shell_name} \"{}\"`, so the \
                 shell is PID 1 and does not forward SIGTERM to the process; use the exec form \
                 {keyword} [\"...\"]",
                text.trim()
            ),
        );
        if let Some(span) = shell.span {
            finding = finding.with_related(span, "the shell that runs as PID 1 is set here");
        }
        let default_shell =
            shell.argv.len() == 2 && shell.argv[0] == "/bin/sh" && shell.argv[1] == "-c";
        if default_shell {
            if let Some(fix) = exec_form_fix(ins, command, &text) {
                finding = finding.with_fix(fix);
            }
        }
        out.push(finding);
    }
}

/// The shell-form command `text` (the logical text of `command`) rewritten as a JSON array,
/// when it is a plain command without shell syntax.
fn exec_form_fix(ins: &Instruction, command: &Arg, text: &str) -> Option<Fix> {
    if ins
        .skipped
        .iter()
        .any(|s| matches!(s, SkippedLine::Comment(_)))
    {
        return None;
    }
    let words = plain_words(text)?;
    let first = words.first()?;
    if first.is_empty() || NOT_A_PROGRAM.contains(&first.as_str()) {
        return None;
    }
    // The shell parser must see the same: one command, these words, nothing else.
    let script = Script::parse(text, Dialect::Posix);
    let [cmd] = script.commands.as_slice() else {
        return None;
    };
    let values: Vec<Option<&str>> = std::iter::once(cmd.name.as_ref()?.value.as_deref())
        .chain(cmd.arg_values())
        .collect();
    if script.has_errors
        || !cmd.assignments.is_empty()
        || !cmd.redirects.is_empty()
        || values.len() != words.len()
        || values
            .iter()
            .zip(&words)
            .any(|(v, w)| *v != Some(w.as_str()))
    {
        return None;
    }
    let json = words
        .iter()
        .map(|w| format!("\"{}\"", w.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect::<Vec<_>>()
        .join(", ");
    let edits = vec![Edit::replace(command.span, format!("[{json}]"))];
    Some(if ins.kind == Keyword::Entrypoint {
        // A shell-form ENTRYPOINT ignores CMD and the `docker run` arguments; in exec form it
        // receives them, so what the container runs may change.
        Fix::unsafe_(
            "write ENTRYPOINT in exec form (it then receives CMD and `docker run` arguments)",
            edits,
        )
    } else {
        Fix::safe("write the exec form, so the program is PID 1", edits)
    })
}

/// Shell keywords and builtins: in exec form they would not be run by a shell.
#[rustfmt::skip]
const NOT_A_PROGRAM: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for", "in",
    "function", "select", "time", "coproc", "{", "}", "!", "[[", "]]", "cd", "export", "set",
    "unset", "source", ".", "eval", "exec", "trap", "ulimit", "umask", "alias", "unalias",
    "readonly", "shift", "wait", "exit", "return", "break", "continue", "local", "declare",
    "typeset", "let", "read", "getopts", "hash", "type", "command", "times", "jobs", "fg", "bg",
    ":", "builtin", "enable", "shopt", "logout", "pushd", "popd", "dirs", "disown", "suspend",
    "caller", "mapfile", "readarray",
];

/// The words sh makes of `text` when `text` has nothing for sh to expand or interpret: words
/// of plain characters split at spaces and tabs, with `'...'` and `"..."` quotes removed as sh
/// removes them (a double-quoted part without `$`, backquote or backslash). `None` for
/// anything else: variables, globs, `~`, braces, `#` comments, operators, redirections,
/// escapes, an assignment, a control character.
fn plain_words(text: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => words.extend(word.take()),
            '\'' | '"' => {
                let mut quoted = String::new();
                loop {
                    let q = chars.next()?;
                    if q == c {
                        break;
                    }
                    if q.is_control() || (c == '"' && matches!(q, '$' | '`' | '\\')) {
                        return None;
                    }
                    quoted.push(q);
                }
                word.get_or_insert_with(String::new).push_str(&quoted);
            }
            // `#` starts a comment at the start of a word only.
            '#' if word.is_some() => word.get_or_insert_with(String::new).push(c),
            c if c.is_ascii_alphanumeric()
                || "-_./:=,+@%^".contains(c)
                || (!c.is_ascii() && !c.is_whitespace() && !c.is_control()) =>
            {
                word.get_or_insert_with(String::new).push(c)
            }
            _ => return None,
        }
    }
    words.extend(word);
    // `NAME=value` first is an assignment, not a command.
    let first = text.trim_start_matches([' ', '\t']);
    let name_len = first
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(first.len());
    if name_len > 0 && first[name_len..].starts_with('=') && !first.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use crate::FixKind;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&ShellFormCmd);
    }

    #[test]
    fn fires() {
        assert_fires(&ShellFormCmd, "FROM alpine\nCMD ./server\n", &[2]);
        assert_fires(
            &ShellFormCmd,
            "FROM alpine\nENTRYPOINT ./server --port 80\n",
            &[2],
        );
        // bash forwards no signals either.
        assert_fires(
            &ShellFormCmd,
            "FROM debian\nSHELL [\"/bin/bash\", \"-c\"]\nCMD ./server\n",
            &[3],
        );
        // Inherited from the stage the final stage is built on.
        assert_fires(
            &ShellFormCmd,
            "FROM alpine AS base\nCMD ./server\nFROM base\nRUN id\n",
            &[2],
        );
        // A shell-form ENTRYPOINT ignores CMD: the ENTRYPOINT is PID 1's command.
        assert_fires(
            &ShellFormCmd,
            "FROM alpine\nENTRYPOINT ./server\nCMD [\"--port\", \"80\"]\n",
            &[2],
        );
        // Only the CMD in effect is reported.
        assert_fires(&ShellFormCmd, "FROM alpine\nCMD [\"a\"]\nCMD ./b\n", &[3]);
        // Continuation lines join into one command.
        assert_fires(
            &ShellFormCmd,
            "FROM alpine\nCMD ./server \\\n  --port 80\n",
            &[2],
        );
    }

    #[test]
    fn fix_writes_the_exec_form() {
        let rule = &ShellFormCmd;
        assert_fix(
            rule,
            "FROM alpine\nCMD ./server --port 80\n",
            "FROM alpine\nCMD [\"./server\", \"--port\", \"80\"]\n",
            FixKind::Safe,
        );
        // Quotes resolved as sh resolves them, JSON-escaped; odd spacing, lower case, CRLF.
        assert_fix(
            rule,
            "from alpine\r\ncmd   python -c 'print(\"a\\\\b\")'  --name=\"my app\"x '' \r\n",
            "from alpine\r\ncmd   [\"python\", \"-c\", \"print(\\\"a\\\\\\\\b\\\")\", \"--name=my appx\", \"\"] \r\n",
            FixKind::Safe,
        );
        // Continuation lines: the whole argument becomes one line; `#` inside a word.
        assert_fix(
            rule,
            "FROM alpine\nCMD ./server \\\n    --port 80 \\\n    --tag a#b\nEXPOSE 80\n",
            "FROM alpine\nCMD [\"./server\", \"--port\", \"80\", \"--tag\", \"a#b\"]\nEXPOSE 80\n",
            FixKind::Safe,
        );
        // The backtick escape directive; an inherited CMD is fixed in its stage.
        assert_fix(
            rule,
            "# escape=`\nFROM alpine AS base\nCMD node `\n  server.js\nFROM base\nRUN id\n",
            "# escape=`\nFROM alpine AS base\nCMD [\"node\", \"server.js\"]\nFROM base\nRUN id\n",
            FixKind::Safe,
        );
        // An explicit SHELL that is the default.
        assert_fix(
            rule,
            "FROM alpine\nSHELL [\"/bin/sh\", \"-c\"]\nCMD nginx -g daemon\n",
            "FROM alpine\nSHELL [\"/bin/sh\", \"-c\"]\nCMD [\"nginx\", \"-g\", \"daemon\"]\n",
            FixKind::Safe,
        );
    }

    #[test]
    fn no_fix_where_the_shell_does_something() {
        let rule = &ShellFormCmd;
        for cmd in [
            "./server --port $PORT",
            "./server --port ${PORT:-80}",
            "./server \"$@\"",
            "./server \"a\\\"b\"",
            "./server \\-x",
            "./server *.conf",
            "./server file?",
            "./server [ab]",
            "./server ~/conf",
            "./server {a,b}",
            "./server # a comment",
            "./migrate; ./server",
            "./migrate && ./server",
            "./server | tee log",
            "./server > /log",
            "./server 2>&1",
            "./server &",
            "(./server)",
            "$(which server)",
            "`which server`",
            "PORT=80 ./server",
            "'unterminated",
            "cd /app",
            ". /env.sh",
            "if true; then ./server; fi",
            "! ./server",
            "sudo ./server",
        ] {
            assert_no_fix(rule, &format!("FROM alpine\nCMD {cmd}\n"));
        }
        // A comment line inside the instruction would be lost.
        assert_no_fix(
            rule,
            "FROM alpine\nCMD ./server \\\n# the port\n  --port 80\n",
        );
        // Another shell, or the default shell with other options.
        assert_no_fix(
            rule,
            "FROM debian\nSHELL [\"/bin/bash\", \"-c\"]\nCMD ./server\n",
        );
        assert_no_fix(
            rule,
            "FROM debian\nSHELL [\"/bin/sh\", \"-e\", \"-c\"]\nCMD ./server\n",
        );
    }

    #[test]
    fn entrypoint_fix_is_unsafe() {
        let rule = &ShellFormCmd;
        assert_fix(
            rule,
            "FROM alpine\nENTRYPOINT ./server --port 80\n",
            "FROM alpine\nENTRYPOINT [\"./server\", \"--port\", \"80\"]\n",
            FixKind::Unsafe,
        );
        // The title says what changes.
        let (_, applied) = fixed(rule, "FROM alpine\nENTRYPOINT ./server\n");
        assert_eq!(applied.len(), 1);
        assert!(!applied[0].safe);
        assert!(
            applied[0]
                .title
                .contains("receives CMD and `docker run` arguments"),
            "{}",
            applied[0].title
        );
        // Continuation lines; a CMD after it becomes its arguments (the meaning change).
        assert_fix(
            rule,
            "FROM alpine\nENTRYPOINT ./server \\\n    --port 80 \\\n  --tag a#b\nCMD [\"--verbose\"]\n",
            "FROM alpine\nENTRYPOINT [\"./server\", \"--port\", \"80\", \"--tag\", \"a#b\"]\nCMD [\"--verbose\"]\n",
            FixKind::Unsafe,
        );
        // Lower case, CRLF, odd spacing, quoted words; a shell-form CMD before it.
        assert_fix(
            rule,
            "from alpine\r\ncmd -q\r\nentrypoint   nginx  -g 'daemon off;'\t\r\n",
            "from alpine\r\ncmd -q\r\nentrypoint   [\"nginx\", \"-g\", \"daemon off;\"]\t\r\n",
            FixKind::Unsafe,
        );
        // The backtick escape directive; an inherited ENTRYPOINT is fixed in its stage, and
        // the final stage's CMD is what it will receive.
        assert_fix(
            rule,
            "# escape=`\nFROM alpine AS base\nENTRYPOINT node `\n  server.js\nFROM base\nCMD -r ts-node/register\n",
            "# escape=`\nFROM alpine AS base\nENTRYPOINT [\"node\", \"server.js\"]\nFROM base\nCMD -r ts-node/register\n",
            FixKind::Unsafe,
        );
        // An explicit SHELL that is the default.
        assert_fix(
            rule,
            "FROM alpine\nSHELL [\"/bin/sh\", \"-c\"]\nENTRYPOINT /docker-entrypoint.sh\n",
            "FROM alpine\nSHELL [\"/bin/sh\", \"-c\"]\nENTRYPOINT [\"/docker-entrypoint.sh\"]\n",
            FixKind::Unsafe,
        );
    }

    #[test]
    fn no_entrypoint_fix_where_the_shell_does_something() {
        let rule = &ShellFormCmd;
        for cmd in [
            "./server --port $PORT",
            "./server \"$@\"",
            "./server *.conf",
            "./server ~/conf",
            "./server # a comment",
            "./migrate && ./server",
            "./server 2>&1",
            "$(which server)",
            "PORT=80 ./server",
            ". /env.sh",
            "cd /app",
            "'unterminated",
        ] {
            assert_no_fix(rule, &format!("FROM alpine\nENTRYPOINT {cmd}\n"));
            assert_no_fix(
                rule,
                &format!("FROM alpine\nENTRYPOINT {cmd}\nCMD [\"--port\", \"80\"]\n"),
            );
        }
        assert_no_fix(
            rule,
            "FROM alpine\nENTRYPOINT ./server \\\n# the port\n  --port 80\n",
        );
        assert_no_fix(
            rule,
            "FROM debian\nSHELL [\"/bin/bash\", \"-c\"]\nENTRYPOINT ./server\n",
        );
        assert_no_fix(
            rule,
            "FROM debian\nSHELL [\"/bin/sh\", \"-e\", \"-c\"]\nENTRYPOINT ./server\n",
        );
    }

    #[test]
    fn words_split_as_sh_splits_them() {
        assert_eq!(
            plain_words(" a  'b c'd\"e f\" '' \t"),
            Some(vec!["a".into(), "b cde f".into(), "".into()])
        );
        assert_eq!(plain_words("a=b c"), None);
        assert_eq!(plain_words("_a1=b"), None);
        assert_eq!(
            plain_words("./a --x=1 é"),
            Some(vec!["./a".into(), "--x=1".into(), "é".into()])
        );
        assert_eq!(plain_words("a 'b\tc'"), None);
    }

    #[test]
    fn passes() {
        assert_clean(&ShellFormCmd, "FROM alpine\nCMD [\"./server\"]\n");
        assert_clean(&ShellFormCmd, "FROM alpine\nENTRYPOINT [\"./server\"]\n");
        assert_clean(&ShellFormCmd, "FROM alpine\nRUN make\n");
        // `exec` replaces the shell with the process.
        assert_clean(&ShellFormCmd, "FROM alpine\nCMD exec ./server --port 80\n");
        // A build stage never runs.
        assert_clean(
            &ShellFormCmd,
            "FROM alpine AS build\nCMD make\nFROM alpine\nCMD [\"./server\"]\n",
        );
        // An earlier shell-form CMD overridden by an exec-form one.
        assert_clean(&ShellFormCmd, "FROM alpine\nCMD ./a\nCMD [\"./b\"]\n");
        // The base stage's CMD is reset by the final stage's ENTRYPOINT.
        assert_clean(
            &ShellFormCmd,
            "FROM alpine AS base\nCMD ./server\nFROM base\nENTRYPOINT [\"/app\"]\n",
        );
        // With an exec-form ENTRYPOINT, PID 1 is the ENTRYPOINT.
        assert_clean(
            &ShellFormCmd,
            "FROM alpine\nENTRYPOINT [\"/tini\", \"--\"]\nCMD ./server\n",
        );
        // Not a POSIX shell.
        assert_clean(
            &ShellFormCmd,
            "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n\
             SHELL [\"powershell\", \"-Command\"]\nCMD Start-Service w3svc\n",
        );
    }
}
