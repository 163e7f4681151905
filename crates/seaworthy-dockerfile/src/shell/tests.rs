use super::*;

fn parse(src: &str) -> Script {
    let script = Script::parse(src, Dialect::Posix);
    check_invariants(src, &script);
    script
}

/// What must hold for any input: every span slices the source to the word's raw text,
/// indices point where they should, and source order is kept.
fn check_invariants(src: &str, script: &Script) {
    let check_word = |w: &Word| {
        assert_eq!(
            src.get(w.span.clone()),
            Some(w.raw.as_str()),
            "word {w:?} in {src:?}"
        );
    };
    let mut last_start = 0;
    for (i, c) in script.commands.iter().enumerate() {
        assert!(
            src.get(c.span.clone()).is_some(),
            "command span {:?} in {src:?}",
            c.span
        );
        assert!(
            c.span.start >= last_start,
            "commands out of order in {src:?}"
        );
        last_start = c.span.start;
        for w in c.name.iter().chain(&c.args).chain(&c.assignments) {
            check_word(w);
        }
        if let Some(name) = &c.name {
            assert!(c.span.start <= name.span.start && name.span.end <= c.span.end);
        }
        for r in &c.redirects {
            assert!(src.get(r.span.clone()).is_some());
            r.target.iter().chain(&r.heredoc).for_each(check_word);
        }
        if let Some(w) = c.wrapped_by {
            assert!(w < i, "wrapper after wrapped command in {src:?}");
            assert!(c.wrapper.is_some());
        }
        if let Some(p) = c.pipeline {
            let pipeline = &script.pipelines()[p];
            assert!(pipeline.commands.contains(&i));
            assert!(c.position_in_pipeline < pipeline.stages);
        }
    }
    for (p, pipeline) in script.pipelines().iter().enumerate() {
        assert!(!pipeline.commands.is_empty());
        assert!(src.get(pipeline.span.clone()).is_some());
        for &i in &pipeline.commands {
            assert_eq!(script.commands[i].pipeline, Some(p));
        }
    }
}

fn names(script: &Script) -> Vec<&str> {
    script
        .commands
        .iter()
        .map(|c| c.name_str().unwrap_or("?"))
        .collect()
}

fn args(c: &Command) -> Vec<&str> {
    c.arg_values().map(|v| v.unwrap_or("?")).collect()
}

fn one<'a>(script: &'a Script, name: &'a str) -> &'a Command {
    let mut found = script.commands_named(name);
    let c = found
        .next()
        .unwrap_or_else(|| panic!("no {name}: {:?}", names(script)));
    assert!(found.next().is_none(), "several {name}");
    c
}

#[test]
fn simple_command_with_quoted_words() {
    let src = r#"apt-get install -y --no-install-recommends curl=7.* "ca certificates" 'x y'"#;
    let s = parse(src);
    assert!(!s.has_errors);
    assert_eq!(names(&s), ["apt-get"]);
    let c = &s.commands[0];
    assert_eq!(
        args(c),
        [
            "install",
            "-y",
            "--no-install-recommends",
            "curl=7.*",
            "ca certificates",
            "x y"
        ]
    );
    assert_eq!(c.span, 0..src.len());
    assert_eq!(c.args[4].raw, r#""ca certificates""#);
    assert_eq!(&src[c.args[4].span.clone()], c.args[4].raw);
    assert_eq!(c.connector_before, None);
    assert_eq!(c.pipeline, None);
}

#[test]
fn word_values_after_quote_removal() {
    let src = r#"echo $'a\tb' --opt="a b"c \$HOME ~/x "$HOME" ${X:-y} a\ b '' """#;
    let s = parse(src);
    let c = one(&s, "echo");
    assert_eq!(
        args(c),
        [
            "a\tb",
            "--opt=a bc",
            "$HOME",
            "~/x",
            "?",
            "?",
            "a b",
            "",
            ""
        ]
    );
    assert_eq!(c.args[4].raw, r#""$HOME""#);
    assert_eq!(c.args[5].raw, "${X:-y}");
}

#[test]
fn assignments_before_the_name_and_bare() {
    let s =
        parse("DEBIAN_FRONTEND=noninteractive TZ=UTC apt-get update; A=1 B=\"x y\"; C=$(id -u)");
    assert_eq!(names(&s), ["apt-get", "?", "?", "id"]);
    let apt = &s.commands[0];
    let assigned: Vec<_> = apt.assignments.iter().map(|w| w.value.as_deref()).collect();
    assert_eq!(
        assigned,
        [Some("DEBIAN_FRONTEND=noninteractive"), Some("TZ=UTC")]
    );
    assert_eq!(args(apt), ["update"]);
    let bare = &s.commands[1];
    assert!(bare.name.is_none());
    assert_eq!(bare.assignments[1].value.as_deref(), Some("B=x y"));
    assert_eq!(s.commands[2].assignments[0].value, None);
    assert!(s.commands[3].in_substitution);
}

#[test]
fn declarations_are_commands() {
    let s = parse("export PATH=/x:$PATH A=1 && unset B && local c=2");
    assert_eq!(names(&s), ["export", "unset", "local"]);
    let export = &s.commands[0];
    assert_eq!(args(export), ["?", "A=1"]);
    assert_eq!(export.args[0].raw, "PATH=/x:$PATH");
}

#[test]
fn connectors_between_commands() {
    let s = parse("a && b || c; d & e\nf | g |& h");
    assert_eq!(names(&s), ["a", "b", "c", "d", "e", "f", "g", "h"]);
    let conns: Vec<_> = s.commands.iter().map(|c| c.connector_before).collect();
    use Connector::*;
    assert_eq!(
        conns,
        [
            None,
            Some(And),
            Some(Or),
            Some(Seq),
            Some(Background),
            Some(Seq),
            Some(Pipe),
            Some(Pipe)
        ]
    );
}

#[test]
fn pipelines_and_positions() {
    let src = "curl -fsSL https://x.sh | sh && echo ok | tee -a log | wc -l";
    let s = parse(src);
    assert_eq!(s.pipelines().len(), 2);
    let first = &s.pipelines()[0];
    assert_eq!(first.commands, [0, 1]);
    assert_eq!(first.stages, 2);
    assert_eq!(&src[first.span.clone()], "curl -fsSL https://x.sh | sh");
    let second = &s.pipelines()[1];
    assert_eq!(second.commands, [2, 3, 4]);
    assert_eq!(second.stages, 3);
    let positions: Vec<_> = s
        .commands
        .iter()
        .map(|c| (c.pipeline, c.position_in_pipeline))
        .collect();
    assert_eq!(
        positions,
        [
            (Some(0), 0),
            (Some(0), 1),
            (Some(1), 0),
            (Some(1), 1),
            (Some(1), 2)
        ]
    );
    assert_eq!(s.commands[2].connector_before, Some(Connector::And));
}

#[test]
fn compound_pipeline_stage() {
    let s = parse("cat list | while read -r p; do pip install \"$p\"; done");
    let pip = one(&s, "pip");
    assert_eq!(pip.pipeline, Some(0));
    assert_eq!(pip.position_in_pipeline, 1);
    let read = one(&s, "read");
    assert!(read.in_condition);
    assert_eq!(read.position_in_pipeline, 1);
    assert_eq!(s.pipelines()[0].stages, 2);
}

#[test]
fn conditions_are_marked() {
    let s = parse(
        "if ! command -v curl; then apt-get update; elif [ -f x ]; then :; else echo no; fi\n\
         while pgrep x; do sleep 1; done; until curl -f x; do sleep 1; done\n\
         mkdir a || true; b && c || d; e || f && g",
    );
    let tested: Vec<_> = s
        .commands
        .iter()
        .map(|c| (c.name_str().unwrap_or("?"), c.in_condition))
        .collect();
    assert_eq!(
        tested,
        [
            ("command", true),
            ("apt-get", false),
            ("[", true),
            (":", false),
            ("echo", false),
            ("pgrep", true),
            ("sleep", false),
            ("curl", true),
            ("sleep", false),
            ("mkdir", true),
            ("true", false),
            ("b", true),
            ("c", true),
            ("d", false),
            ("e", true),
            ("f", false),
            ("g", false),
        ]
    );
}

#[test]
fn test_commands() {
    let s = parse(r#"[ -f /x ] && [[ "$(id -u)" == 0 && -d /y ]]"#);
    assert_eq!(names(&s), ["[", "[[", "id"]);
    assert_eq!(args(&s.commands[0]), ["-f", "/x", "]"]);
    assert_eq!(
        args(&s.commands[1]),
        ["?", "==", "0", "&&", "-d", "/y", "]]"]
    );
    assert!(s.commands[2].in_substitution);
}

#[test]
fn subshells_and_groups() {
    let s = parse("(cd /src && make) && { cd /x; ls; } > out; ( (nested) )");
    let depth: Vec<_> = s
        .commands
        .iter()
        .map(|c| (c.name_str().unwrap(), c.subshell_depth, c.connector_before))
        .collect();
    use Connector::*;
    assert_eq!(
        depth,
        [
            ("cd", 1, None),
            ("make", 1, Some(And)),
            ("cd", 0, Some(And)),
            ("ls", 0, Some(Seq)),
            ("nested", 2, Some(Seq)),
        ]
    );
    assert!(s.commands.iter().all(|c| !c.in_substitution));
}

#[test]
fn substitutions() {
    let src = "echo `date` \"$(uname -a | tr a b)\" $(echo $(whoami)) <(ls) > \"$(mktemp)\"";
    let s = parse(src);
    assert_eq!(
        names(&s),
        ["echo", "date", "uname", "tr", "echo", "whoami", "ls", "mktemp"]
    );
    let depths: Vec<_> = s.commands.iter().map(|c| c.subshell_depth).collect();
    assert_eq!(depths, [0, 1, 1, 1, 1, 2, 1, 1]);
    assert!(s.commands[1..].iter().all(|c| c.in_substitution));
    assert!(!s.commands[0].in_substitution);
    let tr = one(&s, "tr");
    assert_eq!(tr.pipeline, Some(0));
    assert_eq!(tr.position_in_pipeline, 1);
    assert_eq!(s.commands[0].pipeline, None);
    // `$(< file)` reads a file, it runs nothing.
    let s = parse("v=$(< /etc/os-release)");
    assert_eq!(s.commands.len(), 1);
}

#[test]
fn loops_case_and_functions() {
    let s = parse(
        "for p in $(ls); do pip install $p; done\n\
         for ((i = 0; i < 3; i++)); do echo $i; done\n\
         select x in a b; do break; done\n\
         case \"$ARCH\" in amd64|x86_64) A=x;; arm64) curl y;; *) exit 1;; esac\n\
         setup() { cd /tmp && make; }\n\
         function cleanup { rm -rf /tmp/x; }\n\
         setup",
    );
    assert_eq!(
        names(&s),
        ["ls", "pip", "echo", "break", "?", "curl", "exit", "cd", "make", "rm", "setup"]
    );
    let in_fn: Vec<_> = s.commands.iter().map(|c| c.in_function).collect();
    assert_eq!(
        in_fn,
        [false, false, false, false, false, false, false, true, true, true, false]
    );
    assert!(one(&s, "ls").in_substitution);
}

#[test]
fn redirects() {
    let src = "cmd 2>&1 >>log </in &>/dev/null 3>&- >| f; echo >f a b; cat <<< \"x y\"";
    let s = parse(src);
    let cmd = one(&s, "cmd");
    let ops: Vec<_> = cmd
        .redirects
        .iter()
        .map(|r| {
            (
                r.op.as_str(),
                r.fd,
                r.target.as_ref().and_then(|t| t.value.as_deref()),
            )
        })
        .collect();
    assert_eq!(
        ops,
        [
            (">&", Some(2), Some("1")),
            (">>", None, Some("log")),
            ("<", None, Some("/in")),
            ("&>", None, Some("/dev/null")),
            (">&-", Some(3), None),
            (">|", None, Some("f")),
        ]
    );
    assert_eq!(&src[cmd.redirects[0].span.clone()], "2>&1");
    assert_eq!(
        &src[cmd.span.clone()],
        "cmd 2>&1 >>log </in &>/dev/null 3>&- >| f"
    );
    let echo = one(&s, "echo");
    assert_eq!(args(echo), ["a", "b"]);
    let cat = one(&s, "cat");
    assert_eq!(cat.redirects[0].op, "<<<");
    assert_eq!(
        cat.redirects[0].target.as_ref().unwrap().value.as_deref(),
        Some("x y")
    );
}

#[test]
fn heredocs() {
    let src = "cat <<EOF > /etc/apt/sources.list && apt-get update\n\
               deb http://$MIRROR/debian stable main\n\
               EOF\n\
               cat <<-'END' | tee /x | sh\n\
               \techo $HOME\n\
               \tEND\n\
               cat <<\"Q\"\n\
               $(not run)\n\
               Q\n\
               cat <<E\n\
               $(run)\n\
               E\n";
    let s = parse(src);
    assert!(!s.has_errors);
    assert_eq!(
        names(&s),
        ["cat", "apt-get", "cat", "tee", "sh", "cat", "cat", "run"]
    );
    let first = &s.commands[0];
    assert_eq!(
        &src[first.span.clone()],
        "cat <<EOF > /etc/apt/sources.list"
    );
    let heredoc = first.redirects.iter().find(|r| r.op == "<<").unwrap();
    assert_eq!(
        heredoc.target.as_ref().unwrap().value.as_deref(),
        Some("EOF")
    );
    let body = heredoc.heredoc.as_ref().unwrap();
    assert_eq!(body.raw, "deb http://$MIRROR/debian stable main\n");
    assert_eq!(body.value, None);
    assert_eq!(s.commands[1].connector_before, Some(Connector::And));

    let stripped = &s.commands[2].redirects[0];
    assert_eq!(stripped.op, "<<-");
    assert_eq!(
        stripped.target.as_ref().unwrap().value.as_deref(),
        Some("END")
    );
    let body = stripped.heredoc.as_ref().unwrap();
    assert_eq!(body.raw, "\techo $HOME\n");
    assert_eq!(body.value.as_deref(), Some("echo $HOME\n"));
    assert_eq!(s.pipelines().len(), 1);
    assert_eq!(s.pipelines()[0].commands, [2, 3, 4]);
    assert_eq!(s.commands[4].position_in_pipeline, 2);

    let quoted = &s.commands[5].redirects[0];
    assert_eq!(
        quoted.heredoc.as_ref().unwrap().value.as_deref(),
        Some("$(not run)\n")
    );
    assert!(one(&s, "run").in_substitution);
}

#[test]
fn heredoc_edge_cases() {
    let src = "cat <<EOF >/x\nEOF\necho $ done\r\nprintf '%s\\n' a\r\n";
    let s = parse(src);
    assert_eq!(names(&s), ["cat", "echo", "printf"]);
    let body = s.commands[0].redirects[1].heredoc.as_ref().unwrap();
    assert_eq!((body.raw.as_str(), body.value.as_deref()), ("", Some("")));
    assert_eq!(args(&s.commands[1]), ["$", "done"]);
    assert_eq!(args(&s.commands[2]), ["%s\\n", "a"]);
    // A heredoc inside a nested script keeps its body, mapped into the outer source.
    let src = "sh -c 'cat <<EOF > /etc/x\nline\nEOF'";
    let s = parse(src);
    let cat = one(&s, "cat");
    assert_eq!(cat.wrapper.as_deref(), Some("sh"));
    let body = cat.redirects[1].heredoc.as_ref().unwrap();
    assert_eq!(body.raw, "line\n");
    assert_eq!(&src[body.span.clone()], "line\n");
}

#[test]
fn heredoc_with_or_is_a_condition() {
    let s = parse("cat <<EOF || true\nx\nEOF\n");
    assert_eq!(names(&s), ["cat", "true"]);
    assert!(s.commands[0].in_condition);
    assert_eq!(s.commands[1].connector_before, Some(Connector::Or));
}

#[test]
fn comments_and_line_continuations() {
    let src = "# leading\napt-get update \\\n  && apt-get install -y \\\n    curl # trailing\n\
               echo foo\\\nbar";
    let s = parse(src);
    assert_eq!(names(&s), ["apt-get", "apt-get", "echo"]);
    assert_eq!(args(&s.commands[1]), ["install", "-y", "curl"]);
    assert_eq!(s.commands[1].connector_before, Some(Connector::And));
    let echo = &s.commands[2];
    assert_eq!(args(echo), ["foobar"]);
    assert_eq!(echo.args[0].raw, "foo\\\nbar");
}

#[test]
fn names_are_basenames_of_static_values() {
    let s = parse("/usr/bin/apt-get update && \\pip install x && \"$PIP\" install y && 'npm' ci");
    assert_eq!(names(&s), ["apt-get", "pip", "?", "npm"]);
    assert_eq!(s.commands[0].name.as_ref().unwrap().raw, "/usr/bin/apt-get");
    assert_eq!(s.commands_named("apt-get").count(), 1);
    assert_eq!(s.commands_named("/usr/bin/apt-get").count(), 0);
}

#[test]
fn flags() {
    let s = parse(
        "apt-get -qy install --no-install-recommends -oDpkg::Options::=--force-confold x -- -z",
    );
    let c = &s.commands[0];
    assert!(c.has_flag(Some('y'), Some("yes")));
    assert!(c.has_flag(Some('q'), None));
    assert!(c.has_flag(None, Some("no-install-recommends")));
    assert!(c.has_flag(None, Some("--no-install-recommends")));
    assert!(c.has_flag(Some('o'), None));
    assert!(!c.has_flag(Some('D'), None), "value of -o is not a flag");
    assert!(!c.has_flag(Some('z'), None), "after --");
    assert!(!c.has_flag(Some('x'), Some("x")));
    let pip = parse("pip install --no-cache-dir=1 --user r");
    assert!(pip.commands[0].has_flag(None, Some("no-cache-dir")));
    assert!(!pip.commands[0].has_flag(None, Some("no-cache")));
}

#[test]
fn wrappers_are_looked_through() {
    let src = "FOO=1 sudo -E -u root env A=b apt-get install -qy x >/dev/null 2>&1";
    let s = parse(src);
    assert_eq!(names(&s), ["sudo", "env", "apt-get"]);
    let apt = one(&s, "apt-get");
    assert_eq!(apt.wrapper.as_deref(), Some("env"));
    assert_eq!(apt.wrapped_by, Some(1));
    assert_eq!(s.commands[1].wrapper.as_deref(), Some("sudo"));
    assert_eq!(s.commands[1].wrapped_by, Some(0));
    assert_eq!(args(apt), ["install", "-qy", "x"]);
    assert_eq!(apt.assignments[0].raw, "A=b");
    assert_eq!(apt.redirects.len(), 2);
    assert_eq!(
        &src[apt.span.clone()],
        "apt-get install -qy x >/dev/null 2>&1"
    );
    assert!(apt.has_flag(Some('y'), None));
    assert!(one(&s, "sudo").wrapped_by.is_none());
}

#[test]
fn more_wrappers() {
    let s = parse(
        "nohup ./run & exec gosu app \"$@\"; time -p make; xargs -0 -I{} rm {}; \
         timeout -s KILL 10 nice -n 5 python x.py; command -v curl; sudo -l; \
         busybox wget -q x; eatmydata apt-get install -y z; stdbuf -oL tail -f x; \
         env -i PATH=/bin sh -c 'cd /x'",
    );
    let wrapped: Vec<_> = s
        .commands
        .iter()
        .filter(|c| c.is_wrapped())
        .map(|c| (c.name_str().unwrap_or("?"), c.wrapper.as_deref().unwrap()))
        .collect();
    assert_eq!(
        wrapped,
        [
            ("run", "nohup"),
            ("gosu", "exec"),
            ("?", "gosu"),
            ("make", "time"),
            ("rm", "xargs"),
            ("nice", "timeout"),
            ("python", "nice"),
            ("wget", "busybox"),
            ("apt-get", "eatmydata"),
            ("tail", "stdbuf"),
            ("sh", "env"),
            ("cd", "sh"),
        ]
    );
    let cd = one(&s, "cd");
    assert_eq!(cd.subshell_depth, 1);
    assert_eq!(one(&s, "python").connector_before, Some(Connector::Seq));
    // `command -v` and `sudo -l` run nothing.
    assert_eq!(s.commands_named("curl").count(), 0);
}

#[test]
fn nested_shell_scripts() {
    let src = r#"bash -o pipefail -c "apt-get update && echo \"a b\" | tee x" | cat; sh -ec 'cd /x; make'"#;
    let s = parse(src);
    assert_eq!(
        names(&s),
        ["bash", "apt-get", "echo", "tee", "cat", "sh", "cd", "make"]
    );
    let echo = one(&s, "echo");
    assert_eq!(echo.wrapper.as_deref(), Some("bash"));
    assert_eq!(echo.wrapped_by, Some(0));
    assert_eq!(args(echo), ["a b"]);
    assert_eq!(echo.args[0].raw, r#"\"a b\""#);
    assert_eq!(&src[echo.span.clone()], r#"echo \"a b\""#);
    assert_eq!(echo.connector_before, Some(Connector::And));
    assert_eq!(echo.subshell_depth, 1);
    // The inner pipeline is its own; the outer one joins bash and cat.
    assert_eq!(s.pipelines().len(), 2);
    assert_eq!(s.pipelines()[0].commands, [0, 4]);
    assert_eq!(s.pipelines()[1].commands, [2, 3]);
    let apt = one(&s, "apt-get");
    assert_eq!(apt.pipeline, None);
    assert_eq!(apt.connector_before, None);
    // Options given to the nested shell count for its commands only.
    assert!(s.pipefail_set_before(2));
    assert!(!s.pipefail_set_before(4));
    assert!(s.errexit_set_before(7));
    assert!(!s.errexit_set_before(5));
}

#[test]
fn nested_scripts_from_stdin_and_su() {
    let src = "bash <<'EOF'\nset -o pipefail\ncurl x | sh\nEOF\n\
               su postgres -c 'psql -c \"select 1\"'\n\
               sh <<< 'apt-get update'\n\
               sh -c \"$(curl -fsSL https://get.x)\"\n\
               sudo sh -c 'echo x > /etc/y'";
    let s = parse(src);
    assert_eq!(
        names(&s),
        [
            "bash", "set", "curl", "sh", "su", "psql", "sh", "apt-get", "sh", "curl", "sudo", "sh",
            "echo"
        ]
    );
    assert!(s.pipefail_set_before(2));
    assert_eq!(s.commands[2].wrapper.as_deref(), Some("bash"));
    assert_eq!(one(&s, "psql").wrapper.as_deref(), Some("su"));
    assert_eq!(args(one(&s, "psql")), ["-c", "select 1"]);
    assert_eq!(one(&s, "apt-get").wrapped_by, Some(6));
    // The command substitution runs in the outer shell; its output cannot be known.
    assert!(s.commands[9].in_substitution);
    assert_eq!(s.commands[9].wrapper, None);
    let echo = one(&s, "echo");
    assert_eq!(echo.wrapper.as_deref(), Some("sh"));
    assert_eq!(echo.redirects[0].target.as_ref().unwrap().raw, "/etc/y");
}

#[test]
fn pipefail_detection() {
    let cases: &[(&str, bool)] = &[
        ("set -o pipefail; a | b", true),
        ("set -euo pipefail\na | b", true),
        ("set -eo pipefail && a | b", true),
        ("set -Eeux -o pipefail; a | b", true),
        ("set -o errexit -o pipefail; a | b", true),
        ("shopt -so pipefail; a | b", true),
        ("if true; then set -o pipefail; fi; a | b", true),
        ("a | b; set -o pipefail", false),
        ("set -o pipefail; set +o pipefail; a | b", false),
        ("(set -o pipefail); a | b", false),
        ("f() { set -o pipefail; }; a | b", false),
        ("echo $(set -o pipefail); a | b", false),
        ("bash -c 'set -o pipefail'; a | b", false),
        ("set -e; a | b", false),
        ("set -- -o pipefail; a | b", false),
        ("sudo set -o pipefail; a | b", false),
        ("a | b", false),
    ];
    for (src, want) in cases {
        let s = parse(src);
        let a = s
            .commands
            .iter()
            .position(|c| c.name_str() == Some("a"))
            .unwrap();
        assert_eq!(s.pipefail_set_before(a), *want, "{src}");
    }
    let s = parse("set -o pipefail; a | b");
    assert!(!s.pipefail_set_before(0), "not before the set itself");
    assert!(!s.pipefail_set_before(99));
    let s = parse("set -eu; a; set +e; b");
    assert!(s.errexit_set_before(1));
    assert!(!s.errexit_set_before(3));
}

#[test]
fn dialects() {
    let cases = [
        ("/bin/sh", Dialect::Posix),
        ("bash", Dialect::Posix),
        ("/usr/bin/env bash", Dialect::Posix),
        ("/usr/bin/env -S bash -e", Dialect::Posix),
        ("/bin/sh -c", Dialect::Posix),
        ("/usr/bin/env", Dialect::Unknown),
        ("/bin/ash", Dialect::Posix),
        ("busybox", Dialect::Posix),
        ("/usr/local/bin/bash5.2", Dialect::Posix),
        ("pwsh", Dialect::PowerShell),
        ("PowerShell.exe", Dialect::PowerShell),
        (
            r"C:\Program Files\PowerShell\7\pwsh.exe",
            Dialect::PowerShell,
        ),
        ("cmd", Dialect::Cmd),
        (r"C:\Windows\System32\CMD.EXE", Dialect::Cmd),
        ("/usr/bin/fish", Dialect::Unknown),
        ("python3", Dialect::Unknown),
        ("", Dialect::Unknown),
    ];
    for (shell, want) in cases {
        assert_eq!(Dialect::from_shell(shell), want, "{shell}");
    }
    assert_eq!(
        Dialect::from_shebang("#!/bin/bash\nset -e\n"),
        Some(Dialect::Posix)
    );
    assert_eq!(
        Dialect::from_shebang("#!/usr/bin/env python3\nprint(1)\n"),
        Some(Dialect::Unknown)
    );
    assert_eq!(Dialect::from_shebang("set -e\n"), None);
    for dialect in [Dialect::PowerShell, Dialect::Cmd] {
        let s = Script::parse("Invoke-WebRequest x | iex; apt-get install x", dialect);
        assert!(s.commands.is_empty());
        assert!(s.pipelines().is_empty());
        assert!(!s.has_errors);
        assert_eq!(s.dialect, dialect);
    }
    let s = Script::parse("apt-get install x", Dialect::Unknown);
    assert_eq!(names(&s), ["apt-get"]);
}

#[test]
fn syntax_errors_keep_what_parsed() {
    let s = parse("apt-get update && apt-get install -y curl &&");
    assert!(s.has_errors);
    assert_eq!(names(&s), ["apt-get", "apt-get"]);
    let s = parse("if true; then echo hi");
    assert!(s.has_errors);
    assert!(s.commands_named("echo").next().is_some());
    let s = parse("echo \"unterminated");
    assert!(s.has_errors);
    assert_eq!(names(&s), ["echo"]);
    let s = parse("apt-get update; )( ; apt-get install -y x");
    assert!(s.has_errors);
    assert!(s.commands_named("apt-get").count() >= 1);
}

#[test]
fn deep_nesting_is_cut_off_not_overflowing() {
    for n in [50usize, 5_000] {
        for (open, close) in [
            ("( ", " )"),
            ("$(", ")"),
            ("{ ", "; }"),
            ("if a; then ", "; fi"),
            ("\"$(", ")\""),
            ("a && ", ""),
            ("a | ", ""),
        ] {
            let src = format!("{}b{}", open.repeat(n), close.repeat(n));
            let s = parse(&src);
            assert!(!s.commands.is_empty() || s.has_errors, "{open:?} x {n}");
        }
    }
    let long = "a && ".repeat(5_000) + "b";
    assert_eq!(parse(&long).commands.len(), 5_001);
}

const REALISTIC: &str = r#"set -eux; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates=20230311 curl gnupg 'libpq5' "tzdata"; \
    curl -fsSL "https://deb.nodesource.com/setup_${NODE_MAJOR}.x" | bash -; \
    if [ "$(dpkg --print-architecture)" = amd64 ]; then \
        ARCH=x64; \
    else ARCH=arm64; fi; \
    for f in a b; do echo "$f" >> /tmp/list; done; \
    (cd /opt && tar xzf app-$ARCH.tgz && rm app-*.tgz) ; \
    su app -c 'npm ci --omit=dev' && sudo -u app sh -c "echo \"ok\" > /tmp/ok"; \
    cat <<EOF > /etc/app.conf
port=8080
user=$(id -un)
EOF
    useradd -l -u 10001 app && chmod 755 /opt/app || true; \
    rm -rf /var/lib/apt/lists/* /tmp/* `mktemp -d`
"#;

#[test]
fn realistic_script() {
    let s = parse(REALISTIC);
    assert!(!s.has_errors, "{:?}", names(&s));
    assert_eq!(
        names(&s),
        [
            "set", "apt-get", "apt-get", "curl", "bash", "[", "dpkg", "?", "?", "echo", "cd",
            "tar", "rm", "su", "npm", "sudo", "sh", "echo", "cat", "id", "useradd", "chmod",
            "true", "rm", "mktemp"
        ]
    );
    assert!(!s.pipefail_set_before(4) && s.errexit_set_before(4));
    let install = &s.commands[2];
    assert!(install.has_flag(Some('y'), None));
    assert_eq!(install.assignments[0].raw, "DEBIAN_FRONTEND=noninteractive");
    assert_eq!(
        args(install),
        [
            "install",
            "-y",
            "--no-install-recommends",
            "ca-certificates=20230311",
            "curl",
            "gnupg",
            "libpq5",
            "tzdata"
        ]
    );
    let curl = &s.commands[3];
    let bash = &s.commands[4];
    assert_eq!((curl.pipeline, bash.pipeline), (Some(0), Some(0)));
    assert_eq!(bash.position_in_pipeline, 1);
    let cd = one(&s, "cd");
    assert_eq!(cd.subshell_depth, 1);
    assert_eq!(one(&s, "npm").wrapper.as_deref(), Some("su"));
    assert_eq!(s.commands[17].wrapper.as_deref(), Some("sh"));
    assert_eq!(s.commands[17].wrapped_by, Some(16));
    let chmod = one(&s, "chmod");
    assert!(chmod.in_condition);
    assert_eq!(args(chmod), ["755", "/opt/app"]);
    let rm = s.commands_named("rm").last().unwrap();
    assert_eq!(args(rm), ["-rf", "/var/lib/apt/lists/*", "/tmp/*", "?"]);
}

#[test]
fn never_panics() {
    let tricky = [
        "",
        " ",
        "\n\n",
        "\\",
        "'",
        "\"",
        "`",
        "$(",
        "$((",
        "${",
        "<<",
        "<<EOF",
        "cat <<EOF",
        "cat <<'EOF'\n",
        "cat <<A <<B\na\nA\nb\nB",
        "cat <<EOF | \n",
        "cat <<-",
        "|",
        "||",
        "&&",
        ";;",
        "&",
        ">",
        "2>",
        "a |& b &",
        "case x in",
        "case x in a) b;;& c) d;& esac",
        "if",
        "then fi",
        "for",
        "for ((",
        "function",
        "f() {",
        "}",
        "((",
        "[[",
        "[ ",
        "!",
        "! !",
        "$'\\x",
        "$'\\u{",
        "$'\\c",
        "echo $'\\",
        "sh -c",
        "sh -c '",
        "sh -c \"a\\",
        "sudo",
        "sudo -u",
        "env -",
        "xargs -I",
        "su -c",
        "bash -o",
        "set -o",
        "\u{0}",
        "é ü 日本 🦀",
        "echo 日本 | sh -c 'ü \"🦀\"'",
        "\r\n\r\n",
        "a\\\r\nb",
        "a=(",
        "a[",
        "${a[",
        "`echo \\`date\\``",
        "<(",
        "exec {fd}>f",
        "echo ${#}",
        "x=$((1 + $(id -u)))",
        "coproc x { y; }",
        "sh <<EOF\n$(x)\nEOF",
        "bash <<< $'apt-get\\tupdate'",
    ];
    for src in tricky {
        parse(src);
    }
    // Every prefix of a realistic script, cut at every character boundary.
    for (i, _) in REALISTIC.char_indices() {
        parse(&REALISTIC[..i]);
    }
    token_soup(2_000);
    let multibyte = "echo 'é' \"ü\" && sh -c \"日本 \\\"🦀\\\"\" | sudo tee /x <<'E'\n😀\nE\n";
    for (i, _) in multibyte.char_indices() {
        parse(&multibyte[..i]);
        parse(&multibyte[i..]);
    }
}

#[test]
fn parser_is_reused_across_threads() {
    let handles: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(|| {
                (0..20)
                    .map(|_| Script::parse(REALISTIC, Dialect::Posix).commands.len())
                    .sum::<usize>()
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 20 * parse(REALISTIC).commands.len());
    }
}

/// `cargo test --release -p seaworthy-dockerfile parse_speed -- --ignored --nocapture`
#[test]
#[ignore]
fn parse_speed() {
    let script = "set -eux; \\\n    apt-get update; \\\n".to_string()
        + &"    apt-get install -y --no-install-recommends pkg-a=1.0 pkg-b \"pkg c\" && \\\n"
            .repeat(17)
        + "    rm -rf /var/lib/apt/lists/*\n";
    assert_eq!(script.lines().count(), 20);
    let n = 2_000;
    let start = std::time::Instant::now();
    let mut commands = 0;
    for _ in 0..n {
        commands += Script::parse(&script, Dialect::Posix).commands.len();
    }
    let per = start.elapsed() / n;
    println!(
        "{} bytes, {} commands: {per:?} per parse",
        script.len(),
        commands / n as usize
    );
}

/// Random token soup, reproducible (xorshift with a fixed seed).
fn token_soup(iterations: usize) {
    let tokens = [
        "a", "sudo", "sh", "-c", "bash", "'", "\"", "`", "$(", ")", "(", "{", "}", ";", "&&", "||",
        "|", "&", "\n", "<<", "EOF", "<<-", "<<<", ">", "2>&1", "\\", "\\\n", "$", "${", "if",
        "then", "fi", "for", "in", "do", "done", "case", "esac", ";;", "!", "[[", "]]", "[", "]",
        "=", "x=1", " ", "\t", "#", "é", "🦀", "env", "xargs", "-o", "pipefail", "set", "$'",
        "\\'", "su", "-u", "function", "f()", "while", "((", "))", "<(", ">(",
    ];
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..iterations {
        let len = (next() % 40) as usize;
        let src: String = (0..len)
            .map(|_| tokens[(next() % tokens.len() as u64) as usize])
            .collect();
        let s = Script::parse(&src, Dialect::Posix);
        check_invariants(&src, &s);
    }
}
