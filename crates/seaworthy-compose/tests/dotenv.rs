//! `.env` parsing as compose does it. Expected values marked "observed" were produced by Docker
//! Compose v2.40.3 (`docker-compose config --format json` on a service whose `env_file:` is the
//! text) with `FOO=first`, `BAR=` and `OSV=fromos` in the environment.

use seaworthy_compose::dotenv::{parse, parse_with, DotenvError, Entry};
use seaworthy_compose::interpolate::Options;

fn environment(name: &str) -> Option<String> {
    match name {
        "FOO" => Some("first".into()),
        "BAR" => Some(String::new()),
        "OSV" => Some("fromos".into()),
        _ => None,
    }
}

fn entries(src: &str) -> Vec<Entry> {
    parse(src, &environment).unwrap_or_else(|e| panic!("{src:?}: {e}"))
}

/// The final map, as compose builds it (a later key wins).
fn map(src: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for e in entries(src) {
        out.retain(|(k, _)| *k != e.key);
        out.push((e.key, e.value));
    }
    out.sort();
    out
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<_> = expected
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    v.sort();
    v
}

fn error(src: &str) -> DotenvError {
    parse(src, &environment).expect_err(src)
}

#[test]
fn observed_values() {
    let cases: &[(&str, &[(&str, &str)])] = &[
        (
            "A=1\nexport B=2\n# c\n  C = 3 \nD: 4\n",
            &[("A", "1"), ("B", "2"), ("C", "3"), ("D", "4")],
        ),
        (
            "A=x #c\nB=x#c\nC= #c\nD=x\t#c\nE=' q ' #c\n",
            &[
                ("A", "x"),
                ("B", "x#c"),
                ("C", "#c"),
                ("D", "x\t#c"),
                ("E", " q "),
            ],
        ),
        (r#"F="a\nb\t\$FOO\\x\"y" #c"#, &[("F", "a\nb\t$FOO\\x\"y")]),
        (r"G='a\nb\'c$FOO'", &[("G", "a\\nb'c$FOO")]),
        (
            "A=\"multi\nline\"\nB='m\nl'\nC=after\n",
            &[("A", "multi\nline"), ("B", "m\nl"), ("C", "after")],
        ),
        (
            "FOO\nOSV\nNOPE\nA=1\nA\n",
            &[("A", "1"), ("FOO", "first"), ("OSV", "fromos")],
        ),
        (
            "A=$FOO\nB=${OSV}x\nFOO=mine\nC=$FOO\nD=${A:-z}\nE=$${FOO}\nF=\"$A\"\nG='$A'\nH=\\$A\n",
            &[
                ("A", "first"),
                ("B", "fromosx"),
                ("FOO", "mine"),
                // The environment wins over the file's own earlier FOO.
                ("C", "first"),
                ("D", "first"),
                ("E", "${FOO}"),
                ("F", "first"),
                ("G", "$A"),
                // No escapes in unquoted values.
                ("H", "\\first"),
            ],
        ),
        ("A=1\nLAST", &[("", "LAST"), ("A", "1")]),
        (
            "\u{e9}.k-[0]=1\n1A=2\n",
            &[("1A", "2"), ("\u{e9}.k-[0]", "1")],
        ),
        ("A=\"x\"y\nB=2\n", &[("A", "x"), ("B", "2")]),
        ("\u{feff}A=1\n", &[("A", "1")]),
        (
            "A=1\r\nB='2'\r\nC=\"3\"\r\n",
            &[("A", "1"), ("B", "2"), ("C", "3")],
        ),
        (r#"A="\0101\x41\u0041\a""#, &[("A", "A\\x41\\u0041\u{7}")]),
        ("export A\nexport=1\n", &[("export", "1")]),
        (
            "A=\"x\" junk=1\nB=2\n",
            &[("A", "x"), ("B", "2"), ("junk", "1")],
        ),
        ("A=x # c # d\nB=x  ## y\n", &[("A", "x"), ("B", "x")]),
    ];
    for (src, expected) in cases {
        assert_eq!(map(src), pairs(expected), "{src:?}");
    }
}

#[test]
fn observed_errors() {
    let e = error("A B=1\n");
    assert_eq!(
        (e.line, e.message.as_str()),
        (1, "key cannot contain a space")
    );
    let e = error("A=1\n\n\nB c=1\n");
    assert_eq!(e.to_string(), "line 4: key cannot contain a space");
    assert_eq!(e.span, 6..9);
    let e = error("A\"=1\n");
    assert_eq!(
        e.message,
        r#"unexpected character "\"" in variable name "A\"=1""#
    );
    assert_eq!((e.line, e.span.clone()), (1, 1..2));
    // compose-go reports the last line of the file; the opening line is more useful.
    let e = error("X=1\nA=\"unterminated\nB=2\n");
    assert_eq!(e.message, "unterminated quoted value \"unterminated");
    assert_eq!((e.line, e.span.clone()), (2, 6..19));
    let e = error("X=1\nA=${\n");
    assert_eq!(e.line, 2);
    assert_eq!(e.span, 6..8);
    assert!(e.message.starts_with("invalid interpolation format"));
    let e = error("A=${NOPE:?boom}\n");
    assert_eq!(e.message, "required variable NOPE is missing a value: boom");
    assert_eq!(e.span, 2..15);
}

#[test]
fn spans_point_at_keys_and_values() {
    let src = "# head\nexport  KEY = some value # note\nQ=\"a\\\"b\"\nOSV\n";
    let found = entries(src);
    assert_eq!(found.len(), 3);
    let e = &found[0];
    assert_eq!(
        (e.key.as_str(), e.value.as_str(), e.line),
        ("KEY", "some value", 2)
    );
    assert_eq!(&src[e.key_span.clone()], "KEY");
    assert_eq!(&src[e.value_span.clone()], "some value");
    let q = &found[1];
    assert_eq!((q.value.as_str(), q.line, q.quote), ("a\"b", 3, Some('"')));
    assert_eq!(&src[q.value_span.clone()], "\"a\\\"b\"");
    let inherited = &found[2];
    assert!(inherited.inherited);
    assert_eq!((inherited.value.as_str(), inherited.line), ("fromos", 4));
    assert_eq!(&src[inherited.key_span.clone()], "OSV");
    assert!(inherited.value_span.is_empty());
}

#[test]
fn lines_count_through_multiline_values() {
    let src = "A='1\n2\n3'\nB=x\n\n# c\nC=y";
    let lines: Vec<_> = entries(src)
        .iter()
        .map(|e| (e.key.clone(), e.line))
        .collect();
    assert_eq!(
        lines,
        [
            ("A".to_string(), 1),
            ("B".to_string(), 4),
            ("C".to_string(), 7)
        ]
    );
}

#[test]
fn byte_order_mark_keeps_offsets() {
    let src = "\u{feff}K=v\n";
    let e = &entries(src)[0];
    assert_eq!(e.key_span, 3..4);
    assert_eq!(&src[e.value_span.clone()], "v");
}

#[test]
fn double_quote_escapes() {
    let cases: &[(&str, &str)] = &[
        (r#"A="\0377""#, "\u{ff}"),
        (r#"A="\01x""#, "\\1x"),
        (r#"A="\0""#, "\\"),
        (r#"A="\0777""#, "\\777"),
        (r#"A="\c\q\v\f\b\r""#, "\\c\\q\u{b}\u{c}\u{8}\r"),
        (r#"A="\\$FOO""#, "\\first"),
        (r#"A="$$FOO""#, "$FOO"),
    ];
    for (src, value) in cases {
        assert_eq!(entries(src)[0].value, *value, "{src:?}");
    }
}

#[test]
fn single_quotes_are_literal() {
    assert_eq!(entries(r"A='\\ $FOO ${'")[0].value, r"\\ $FOO ${");
}

#[test]
fn yaml_style_and_blank_keys() {
    assert_eq!(map("A:1\nB :  2\n"), pairs(&[("A", "1"), ("B", "2")]));
    // A tab is not a space for compose-go's key check.
    assert_eq!(map("A\tB=1\n"), pairs(&[("A\tB", "1")]));
}

#[test]
fn unused_defaults_follow_the_chosen_generation() {
    let src = "A=${FOO:-${}}\n";
    assert_eq!(map(src), pairs(&[("A", "first")]));
    let eager = parse_with(
        src,
        &environment,
        Options {
            eager_arguments: true,
        },
    );
    assert!(eager.is_err());
}

#[test]
fn empty_and_comment_only_files() {
    for src in ["", "\n\n", "# only\n#more", "   \t\n"] {
        assert!(entries(src).is_empty(), "{src:?}");
    }
}
