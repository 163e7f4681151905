//! Our own parser cases. They cover the ground of BuildKit's parser goldens (logical lines,
//! escapes, flags, JSON and shell forms, every instruction's argument shape, directives,
//! heredocs, rejections), each written for this suite, with the dump BuildKit gives.

use seaworthy_dockerfile::dump::dump;
use seaworthy_dockerfile::{Args, Dockerfile, Item, SkippedLine, TokenKind};

fn dump_of(src: &str) -> String {
    let df = Dockerfile::parse(src.as_bytes().to_vec())
        .unwrap_or_else(|e| panic!("parse failed: {e}\n{src}"));
    assert_eq!(df.reprint(), src.as_bytes(), "reprint differs");
    dump(&df)
}

fn lines(expected: &[&str]) -> String {
    expected.iter().map(|l| format!("{l}\n")).collect()
}

fn rejects(src: &str) -> String {
    match Dockerfile::parse(src.as_bytes().to_vec()) {
        Ok(df) => panic!("accepted:\n{}", dump(&df)),
        Err(e) => e.to_string(),
    }
}

#[test]
fn every_argument_shape() {
    let src = "\
from Alpine:3.20 AS Build
RUN make  all
CMD [\"serve\", \"--port\", \"80\"]
ENTRYPOINT [\"/sbin/tini\",\"--\"]
SHELL [\"/bin/bash\", \"-eo\", \"pipefail\", \"-c\"]
COPY a  b\tc/
ADD [\"x y\", \"/dst/\"]
VOLUME /data /logs
EXPOSE 80/tcp  443
ARG A B=2 C=\"x y\"
ENV K=v L=\"a b\"
ENV OLD some value here
LABEL a=b \"c d\"=e
USER app:app
WORKDIR /srv/app
MAINTAINER Someone <s@example.com>
STOPSIGNAL SIGTERM
ONBUILD RUN make
BOGUS whatever
";
    assert_eq!(
        dump_of(src),
        lines(&[
            r#"(from "Alpine:3.20" "AS" "Build")"#,
            r#"(run "make  all")"#,
            r#"(cmd "serve" "--port" "80")"#,
            r#"(entrypoint "/sbin/tini" "--")"#,
            r#"(shell "/bin/bash" "-eo" "pipefail" "-c")"#,
            r#"(copy "a" "b" "c/")"#,
            r#"(add "x y" "/dst/")"#,
            r#"(volume "/data" "/logs")"#,
            r#"(expose "80/tcp" "443")"#,
            r#"(arg "A" "B=2" "C=\"x y\"")"#,
            r#"(env "K" "v" "=" "L" "\"a b\"" "=")"#,
            r#"(env "OLD" "some value here" "")"#,
            r#"(label "a" "b" "=" "\"c d\"" "e" "=")"#,
            r#"(user "app:app")"#,
            r#"(workdir "/srv/app")"#,
            r#"(maintainer "Someone <s@example.com>")"#,
            r#"(stopsignal "SIGTERM")"#,
            r#"(onbuild (run "make"))"#,
            r#"(bogus "")"#,
        ])
    );
}

#[test]
fn continuations_join_lines_as_buildkit_does() {
    let src = "FROM x\nRUN a \\\n  b\\\n# a comment inside\n\n   \\\n c  \\  \nd\nRUN tail \\";
    let df = Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
    assert_eq!(df.reprint(), src.as_bytes());
    assert_eq!(
        dump(&df),
        lines(&[
            r#"(from "x")"#,
            r#"(run "a   b    c  d")"#,
            r#"(run "tail")"#
        ])
    );
    let run = df.instructions().nth(1).unwrap();
    assert_eq!((run.start_line, run.end_line), (2, 8));
    assert_eq!(run.continuations.len(), 4);
    assert!(matches!(run.skipped[0], SkippedLine::Comment(_)));
    assert!(matches!(run.skipped[1], SkippedLine::Empty(_)));
    assert_eq!(df.warnings.len(), 1, "one empty continuation line warning");
    assert!(df.warnings[0]
        .message
        .starts_with("Empty continuation line found in: RUN a"));
}

#[test]
fn escaped_escape_at_end_of_line_is_not_a_continuation() {
    assert_eq!(
        dump_of("FROM x\nENV P C:\\\\\nENV Q next\n"),
        lines(&[
            r#"(from "x")"#,
            r#"(env "P" "C:\\\\" "")"#,
            r#"(env "Q" "next" "")"#
        ])
    );
}

#[test]
fn escape_directive_switches_to_backtick() {
    let src = "# escape=`\nFROM windows\nRUN dir `\n  C:\\ `\n  /s\nCOPY a\\ `\n b\n";
    assert_eq!(
        dump_of(src),
        lines(&[
            r#"(from "windows")"#,
            r#"(run "dir   C:\\   /s")"#,
            r#"(copy "a\\" "b")"#
        ])
    );
    let df = Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
    assert_eq!(df.escape, b'`');
    assert_eq!(df.directive("escape").unwrap().value, "`");
}

#[test]
fn directives_only_count_in_the_leading_comment_block() {
    // After an ordinary comment, `# escape=` is just a comment: the backslash still continues.
    let src = "# hello\n# escape=`\nFROM x\nRUN a \\\n b\n";
    let df = Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
    assert_eq!(df.escape, b'\\');
    assert_eq!(df.directives().count(), 0);
    assert_eq!(dump(&df), lines(&[r#"(from "x")"#, r#"(run "a  b")"#]));
    // After a blank line too.
    let df = Dockerfile::parse(b"\n# escape=`\nFROM x\n".to_vec()).unwrap();
    assert_eq!(df.escape, b'\\');
    // Syntax, check and escape together, any case, with spaces around `=`.
    let df = Dockerfile::parse(
        b"# syntax = docker/dockerfile:1.7\n#CHECK=skip=all\n# Escape=`\nFROM x\n".to_vec(),
    )
    .unwrap();
    let names: Vec<_> = df.directives().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["syntax", "check", "escape"]);
    assert_eq!(
        df.directive("syntax").unwrap().value,
        "docker/dockerfile:1.7"
    );
    assert_eq!(df.directive("check").unwrap().value, "skip=all");
    // An unknown directive ends the block.
    let df = Dockerfile::parse(b"# foo=bar\n# escape=`\nFROM x\n".to_vec()).unwrap();
    assert_eq!(df.escape, b'\\');
}

#[test]
fn bad_directives_are_errors() {
    assert!(rejects("# escape=x\nFROM a\n").contains("invalid escape token 'x'"));
    assert!(rejects("# syntax=a\n# syntax=b\nFROM a\n")
        .contains("only one syntax parser directive can be used"));
}

#[test]
fn json_and_its_silent_fallbacks() {
    let src = r#"FROM x
CMD ['single', 'quotes']
CMD ["unterminated
CMD ["a", "b"
CMD "[\"inside\"]"
CMD [ "\/usr\\\"/bin", "\u0041" ]
CMD []
RUN ["a"] trailing
COPY ["a b", c
"#;
    assert_eq!(
        dump_of(src),
        lines(&[
            r#"(from "x")"#,
            r#"(cmd "['single', 'quotes']")"#,
            r#"(cmd "[\"unterminated")"#,
            r#"(cmd "[\"a\", \"b\"")"#,
            r#"(cmd "\"[\\\"inside\\\"]\"")"#,
            r#"(cmd "/usr\\\"/bin" "A")"#,
            r#"(cmd)"#,
            r#"(run "[\"a\"] trailing")"#,
            r#"(copy "[\"a" "b\"," "c")"#,
        ])
    );
}

#[test]
fn json_with_non_strings_is_an_error() {
    assert!(rejects("FROM x\nCMD [\"a\", [\"b\"]]\n").contains("must be comprised of strings only"));
    assert!(rejects("FROM x\nRUN [\"a\", 1]\n").contains("strings only"));
}

#[test]
fn flags_before_arguments() {
    let src = r#"FROM --platform=$BUILDPLATFORM golang:1.22 AS build
RUN --mount=type=cache,target=/root/.cache --network=none go build
COPY --from=build --chown=1000:1000 --chmod=755 --link /out /app
COPY -- --weird /dst
COPY --a=1 -- --b /dst
ADD --checksum=sha256:abc --keep-git-dir=true https://example.com/x /x
COPY --exclude="*.md" --parents "a b" /dst
CMD --flag [ "a" ]
CMD --x -- [ ]
RUN --mount=type=secret,id=tok,target="/run/secrets/my tok" cat x
"#;
    assert_eq!(
        dump_of(src),
        lines(&[
            r#"(from ["--platform=$BUILDPLATFORM"] "golang:1.22" "AS" "build")"#,
            r#"(run ["--mount=type=cache,target=/root/.cache" "--network=none"] "go build")"#,
            r#"(copy ["--from=build" "--chown=1000:1000" "--chmod=755" "--link"] "/out" "/app")"#,
            r#"(copy "--weird" "/dst")"#,
            r#"(copy ["--a=1"] "--b" "/dst")"#,
            r#"(add ["--checksum=sha256:abc" "--keep-git-dir=true"] "https://example.com/x" "/x")"#,
            r#"(copy ["--exclude=*.md" "--parents"] "\"a" "b\"" "/dst")"#,
            r#"(cmd ["--flag"] "a")"#,
            r#"(cmd ["--x"])"#,
            r#"(run ["--mount=type=secret,id=tok,target=/run/secrets/my tok"] "cat x")"#,
        ])
    );
    let df = Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
    let copy = df.instructions().nth(2).unwrap();
    assert_eq!(copy.flags[0].name(), "from");
    assert_eq!(copy.flags[0].value(), Some("build"));
    assert_eq!(copy.flags[3].name(), "link");
    assert_eq!(copy.flags[3].value(), None);
    assert_eq!(df.slice(copy.flags[1].span), "--chown=1000:1000");
}

#[test]
fn healthcheck_forms() {
    let src = "FROM x\nHEALTHCHECK\nHEALTHCHECK NONE\nHEALTHCHECK --interval=30s --timeout=3s --start-period=5s --start-interval=1s --retries=3 \\\n  CMD curl -f http://localhost/ || exit 1\nHEALTHCHECK CMD [\"/bin/check\", \"-q\"]\nHEALTHCHECK CMD\n";
    assert_eq!(
        dump_of(src),
        lines(&[
            r#"(from "x")"#,
            r#"(healthcheck)"#,
            r#"(healthcheck "NONE")"#,
            r#"(healthcheck ["--interval=30s" "--timeout=3s" "--start-period=5s" "--start-interval=1s" "--retries=3"] "CMD" "curl -f http://localhost/ || exit 1")"#,
            r#"(healthcheck "CMD" "/bin/check" "-q")"#,
            r#"(healthcheck "CMD")"#,
        ])
    );
}

#[test]
fn env_and_label_forms() {
    let src = "FROM x\nENV a=1 b=\"two words\" c=with\\ space d=\nENV path C:\\dir\\\\\nLABEL \"com.example.key\"=\"v\" version=1.0\n";
    assert_eq!(
        dump_of(src),
        lines(&[
            r#"(from "x")"#,
            r#"(env "a" "1" "=" "b" "\"two words\"" "=" "c" "with\\ space" "=" "d" "" "=")"#,
            r#"(env "path" "C:\\dir\\\\" "")"#,
            r#"(label "\"com.example.key\"" "\"v\"" "=" "version" "1.0" "=")"#,
        ])
    );
    assert!(rejects("FROM x\nENV ONLYKEY\n").contains("ENV must have two arguments"));
    assert!(rejects("FROM x\nLABEL lonely\n").contains("LABEL must have two arguments"));
    assert!(rejects("FROM x\nENV a=1 b\n").contains("can't find = in \"b\""));
}

#[test]
fn onbuild_nests_an_instruction() {
    let src = "FROM x\nONBUILD COPY --from=a . /\nONBUILD\nONBUILD RUN [\"echo\", \"hi\"]\n";
    assert_eq!(
        dump_of(src),
        lines(&[
            r#"(from "x")"#,
            r#"(onbuild (copy ["--from=a"] "." "/"))"#,
            r#"(onbuild)"#,
            r#"(onbuild (run "echo" "hi"))"#,
        ])
    );
}

#[test]
fn heredocs() {
    let src = "FROM x\nRUN <<EOF\napt-get update\nEOF\nRUN 3<<-'END' cat <&3\n\tliteral $X\n\tEND\nCOPY <<one <<two /dst/\n1\none\n2\ntwo\nRUN [\"<<NOT\"]\nUSER <<NOTEITHER\nRUN cat <<\"Q\"\nQ\n# comment right after\nRUN x<<NO\n";
    let df = Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
    assert_eq!(df.reprint(), src.as_bytes());
    let ins: Vec<_> = df.instructions().collect();
    assert_eq!(ins.len(), 8);
    let h = &ins[1].heredocs;
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].name, "EOF");
    assert!(h[0].expand && !h[0].chomp);
    assert_eq!(df.heredoc_content(&h[0]), "apt-get update\n");
    assert_eq!(df.slice(h[0].marker), "<<EOF");
    assert_eq!((ins[1].start_line, ins[1].end_line), (2, 4));
    let h = &ins[2].heredocs[0];
    assert_eq!(
        (h.name.as_str(), h.fd, h.expand, h.chomp),
        ("END", 3, false, true)
    );
    assert_eq!(df.heredoc_content(h), "\tliteral $X\n");
    let names: Vec<_> = ins[3].heredocs.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["one", "two"]);
    assert_eq!(df.heredoc_content(&ins[3].heredocs[1]), "2\n");
    assert!(ins[4].heredocs.is_empty(), "JSON form has no heredocs");
    assert!(ins[5].heredocs.is_empty(), "USER has no heredocs");
    assert_eq!(ins[6].heredocs[0].name, "Q");
    assert!(!ins[6].heredocs[0].expand);
    assert!(ins[7].heredocs.is_empty(), "x<<NO is not a heredoc word");
    assert!(df
        .items
        .iter()
        .any(|i| matches!(i, Item::Comment(s) if df.slice(*s) == "# comment right after\n")));
    assert!(rejects("FROM x\nRUN <<EOF\nnever ends\n").contains("unterminated heredoc"));
}

#[test]
fn rejections() {
    assert!(rejects("").contains("file with no instructions"));
    assert!(rejects("# only\n\n# comments\n").contains("file with no instructions"));
    assert!(rejects("\u{feff}\n   \n").contains("file with no instructions"));
    let e = Dockerfile::parse(b"FROM x\n\nENV NOVALUE\n".to_vec()).unwrap_err();
    assert_eq!(
        (e.position.line, e.position.column),
        (3, 5),
        "points at the lone key"
    );
    let long = format!("FROM x\nRUN {}\n", "a".repeat(70_000));
    assert!(rejects(&long).contains("max allowed size"));
}

#[test]
fn lossless_on_awkward_bytes() {
    for src in [
        "\u{feff}FROM a\r\nRUN b \\\r\n  c\r\n",
        "FROM a\t \nRUN  x  \t",
        "  FROM a\n\n\n   # c\n  RUN\tb",
        "FROM a\nRUN \\",
        "FROM a\nRUN x\\\n\n\n",
        "FROM a\nRUN caf\u{e9} \u{a0}\n",
    ] {
        let df = Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
        assert_eq!(df.reprint(), src.as_bytes(), "{src:?}");
        for t in df.tokens() {
            if t.kind == TokenKind::Trivia {
                assert!(
                    df.slice(t.span).chars().all(char::is_whitespace),
                    "non-space trivia {:?} in {src:?}",
                    df.slice(t.span)
                );
            }
        }
    }
    let mut bytes = b"FROM a\nRUN echo \xff\xfe\n".to_vec();
    bytes.extend_from_slice(b"LABEL x=\xc3\n");
    let df = Dockerfile::parse(bytes.clone()).unwrap();
    assert_eq!(df.reprint(), bytes);
}

#[test]
fn spans_point_at_the_source() {
    let src = "FROM img AS b\nRUN --mount=type=cache,target=/c \\\n    apt-get install -y curl\n";
    let df = Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
    let run = df.instructions().nth(1).unwrap();
    assert_eq!(df.slice(run.keyword), "RUN");
    assert_eq!(df.position(run.keyword.start).line, 2);
    let Args::String(arg) = &run.args else {
        panic!("{:?}", run.args)
    };
    assert_eq!(df.position(arg.span.start).line, 3);
    assert_eq!(df.position(arg.span.start).column, 5);
    assert_eq!(df.logical(run, arg.span), "apt-get install -y curl");
}

#[test]
fn line_numbers_and_empty_continuation_warnings() {
    let src = "# escape=\\\n\n\nFROM a\n\nRUN one \\\n\n    two \\\n\n    three\n\nRUN four \\\n# note\n   five\n\nRUN six \\\n\n  seven\n";
    let df = Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
    let ranges: Vec<_> = df
        .instructions()
        .map(|i| (i.start_line, i.end_line))
        .collect();
    assert_eq!(ranges, [(4, 4), (6, 10), (12, 14), (16, 18)]);
    let msgs: Vec<_> = df.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "Empty continuation line found in: RUN one     two     three",
            "Empty continuation line found in: RUN six   seven",
        ]
    );
}

#[test]
fn heredoc_delimiters_follow_buildkit_quoting() {
    // (instruction line, body, expected (name, expand, chomp, fd) per heredoc)
    type Want<'a> = &'a [(&'a str, bool, bool, u32)];
    let cases: &[(&str, &str, Want)] = &[
        ("RUN <<END", "END\n", &[("END", true, false, 0)]),
        ("RUN 7<<END", "END\n", &[("END", true, false, 7)]),
        ("RUN \"<<NOPE\"", "", &[]),
        ("RUN <<-TABS", "\tx\n\t\tTABS\n", &[("TABS", true, true, 0)]),
        ("RUN <<a'b'", "y\nab\n", &[("ab", false, false, 0)]),
        ("RUN <<a\\'b", "y\na'b\n", &[("a'b", true, false, 0)]),
        ("RUN <<'a'b\\'c", "y\nab'c\n", &[("ab'c", false, false, 0)]),
        (
            "RUN <<\"two words\"",
            "y\ntwo words\n",
            &[("two words", false, false, 0)],
        ),
        ("RUN <<$NAME", "$NAME\n", &[("$NAME", true, false, 0)]),
        ("RUN <<   SPACED", "SPACED\n", &[("SPACED", true, false, 0)]),
        (
            "RUN <<   SPACED  > /out",
            "SPACED\n",
            &[("SPACED", true, false, 0)],
        ),
        (
            "COPY <<P <<Q /dst/",
            "Q\nP\nP\nQ\n",
            &[("P", true, false, 0), ("Q", true, false, 0)],
        ),
        (
            "RUN --network=none <<S python3",
            "print(1)\nS\n",
            &[("S", true, false, 0)],
        ),
        ("ONBUILD RUN <<O", "make\nO\n", &[("O", true, false, 0)]),
        (
            "ADD <<f.txt /f.txt",
            "hi\nf.txt\n",
            &[("f.txt", true, false, 0)],
        ),
    ];
    for (line, body, want) in cases {
        let src = format!("FROM x\n{line}\n{body}CMD done\n");
        let df =
            Dockerfile::parse(src.clone().into_bytes()).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert_eq!(df.reprint(), src.as_bytes());
        let ins: Vec<_> = df.instructions().collect();
        assert_eq!(
            ins.len(),
            3,
            "{line}: the next instruction follows the body"
        );
        let got: Vec<_> = ins[1]
            .heredocs
            .iter()
            .map(|h| (h.name.as_str(), h.expand, h.chomp, h.fd))
            .collect();
        assert_eq!(&got, want, "{line}");
    }
    // The crossing delimiters: P's body is "Q\n", Q's body is "P\n".
    let src = "FROM x\nCOPY <<P <<Q /dst/\nQ\nP\nP\nQ\n";
    let df = Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
    let copy = df.instructions().nth(1).unwrap();
    assert_eq!(df.heredoc_content(&copy.heredocs[0]), "Q\n");
    assert_eq!(df.heredoc_content(&copy.heredocs[1]), "P\n");
    // USER takes no heredoc: the would-be body line is an instruction of its own.
    let df = Dockerfile::parse(b"FROM x\nUSER <<U\nU\n".to_vec()).unwrap();
    assert_eq!(
        dump(&df),
        lines(&[r#"(from "x")"#, r#"(user "<<U")"#, r#"(u "")"#])
    );
}

#[test]
fn a_directive_after_the_leading_block_is_a_comment_with_a_warning() {
    let src =
        "# Copyright notice\n# syntax=docker/dockerfile:1\nFROM x\n# escape=`\nRUN a \\\n b\n";
    let df = Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
    assert_eq!(df.directives().count(), 0);
    assert_eq!(df.escape, b'\\');
    assert_eq!(dump(&df), lines(&[r#"(from "x")"#, r#"(run "a  b")"#]));
    let lines_warned: Vec<_> = df
        .warnings
        .iter()
        .map(|w| df.position(w.span.start).line)
        .collect();
    assert_eq!(lines_warned, [2, 4]);
    assert!(df.warnings[0]
        .message
        .contains("syntax parser directive has no effect"));
    // `# check=skip=…` above an instruction is BuildKit's per-instruction skip, not a mistake.
    let df =
        Dockerfile::parse(b"FROM x\n# check=skip=JSONArgsRecommended\nCMD a\n".to_vec()).unwrap();
    assert!(df.warnings.is_empty(), "{:?}", df.warnings);
    // Ordinary comments that merely contain `=` are not mistaken for directives.
    let df =
        Dockerfile::parse(b"FROM x\n# see https://x?a=b\n# note = something\n".to_vec()).unwrap();
    assert!(df.warnings.is_empty(), "{:?}", df.warnings);
}

#[test]
fn edge_cases_found_by_comparing_with_buildkit() {
    // A line that is only a continuation makes an instruction with an empty keyword.
    assert_eq!(
        dump_of("FROM a\n\\\n"),
        lines(&[r#"(from "a")"#, r#"("")"#])
    );
    // Nested ONBUILD keeps its values at every depth.
    assert_eq!(
        dump_of("FROM a\nONBUILD ONBUILD RUN x\nONBUILD ONBUILD ENV E /\n"),
        lines(&[
            r#"(from "a")"#,
            r#"(onbuild (onbuild (run "x")))"#,
            r#"(onbuild (onbuild (env "E" "/" "")))"#,
        ])
    );
    // Go lower-cases rune by rune with the simple mapping.
    assert_eq!(
        dump_of("FROM a\n\u{130}\nM\u{3a3}\n"),
        lines(&[r#"(from "a")"#, r#"(i "")"#, "(m\u{3c3} \"\")"])
    );
    // The byte-order mark counts toward BuildKit's 64 KiB line limit.
    let src = format!("\u{feff}{}\nFROM a\n", "#".repeat(65533));
    assert!(rejects(&src).contains("file with no instructions"));
    let src = format!("\u{feff}{}\nFROM a\n", "#".repeat(65532));
    assert_eq!(dump_of(&src), lines(&[r#"(from "a")"#]));
}

#[test]
fn healthcheck_arguments_after_a_lone_space_byte_are_dropped_but_kept_in_the_tree() {
    // Found by fuzzing: BuildKit splits HEALTHCHECK byte by byte, and 0x85 counts as space.
    let src = b"FROM a\nHEALTHCHECK --interval=30s --\x85tart CMD x\n".to_vec();
    let df = Dockerfile::parse(src.clone()).unwrap();
    assert_eq!(df.reprint(), src);
    assert_eq!(
        dump(&df),
        lines(&[r#"(from "a")"#, r#"(healthcheck ["--interval=30s"])"#])
    );
    let hc = df.instructions().nth(1).unwrap();
    assert_eq!(hc.dropped.len(), 1);
    assert!(df
        .tokens()
        .iter()
        .filter(|t| t.kind == TokenKind::Trivia)
        .all(|t| df.source()[t.span.range()]
            .iter()
            .all(u8::is_ascii_whitespace)));
}
