//! The YAML layer: spans, scalar typing, anchors, merge keys, limits. Tests live in `mod yaml`
//! so that `cargo test -p seaworthy-compose yaml` selects them.

mod yaml {
    use seaworthy_compose::yaml::{
        parse, parse_documents, resolve_plain, LineIndex, Node, Position, Style, Value, YamlError,
        MAX_DEPTH,
    };

    fn root(src: &str) -> Node {
        parse(src)
            .unwrap_or_else(|e| panic!("{src:?}: {} at {:?}", e.message, e.span))
            .expect("a document")
            .root
    }

    fn err(src: &str) -> YamlError {
        match parse(src) {
            Err(e) => e,
            Ok(doc) => panic!("{src:?} parsed: {doc:?}"),
        }
    }

    fn text<'a>(src: &'a str, node: &Node) -> &'a str {
        &src[node.span.range()]
    }

    fn keys(node: &Node) -> Vec<&str> {
        node.as_map()
            .unwrap()
            .iter()
            .map(|(k, _)| k.as_str().unwrap())
            .collect()
    }

    #[test]
    fn spans_are_byte_offsets_after_non_ascii_text() {
        let src = "# café ☕\nnamé: välue\nx: 'ü'\n";
        let doc = root(src);
        let (k, v) = doc.entry("namé").unwrap();
        assert_eq!(text(src, k), "namé");
        assert_eq!(text(src, v), "välue");
        assert_eq!(k.span.start, src.find("namé").unwrap());
        let (_, x) = doc.entry("x").unwrap();
        assert_eq!(text(src, x), "'ü'");
        assert_eq!(x.style, Style::SingleQuoted);
        assert_eq!(x.as_str(), Some("ü"));
    }

    #[test]
    fn spans_of_block_and_flow_collections() {
        let src = "services:\n  web:\n    image: nginx\n    ports: [\"80:80\", {target: 443}]\n  db:\n    command:\n    - a\n    - b\n";
        let doc = root(src);
        assert_eq!(doc.style, Style::Block);
        assert_eq!(doc.span.start, 0);
        let services = doc.get("services").unwrap();
        assert!(text(src, services).starts_with("web:"));
        assert!(text(src, services).ends_with("- b"));
        let web = services.get("web").unwrap();
        let ports = web.get("ports").unwrap();
        assert_eq!(ports.style, Style::Flow);
        assert_eq!(text(src, ports), "[\"80:80\", {target: 443}]");
        let items = ports.as_seq().unwrap();
        assert_eq!(text(src, &items[0]), "\"80:80\"");
        assert_eq!(items[0].style, Style::DoubleQuoted);
        assert_eq!(text(src, &items[1]), "{target: 443}");
        assert_eq!(items[1].get("target").unwrap().value, Value::Int(443));
        let command = services.get("db").unwrap().get("command").unwrap();
        assert_eq!(command.style, Style::Block);
        assert_eq!(text(src, command), "- a\n    - b");
    }

    #[test]
    fn single_pair_mapping_in_flow_sequence_and_multiline_plain() {
        let src = "x: [a: 1, b]\ny: plain\n  continued\n";
        let doc = root(src);
        let x = doc.get("x").unwrap().as_seq().unwrap().to_vec();
        assert_eq!(x[0].style, Style::Flow);
        assert_eq!(text(src, &x[0]), "a: 1");
        assert_eq!(x[0].get("a").unwrap().value, Value::Int(1));
        let y = doc.get("y").unwrap();
        assert_eq!(y.as_str(), Some("plain continued"));
        assert_eq!(text(src, y), "plain\n  continued");
    }

    #[test]
    fn indentless_sequence_starts_at_its_dash() {
        let src = "command:\n- a\n- b\n";
        let command = root(src).get("command").unwrap().clone();
        assert_eq!(text(src, &command), "- a\n- b");
    }

    #[test]
    fn block_scalars_span_from_indicator_to_last_content() {
        let src =
        "a: |  # keep\n  line one\n  line two\n\nb: >-\n  folded\n  text\nc: &x |\n  anchored\n";
        let doc = root(src);
        let a = doc.get("a").unwrap();
        assert_eq!(a.style, Style::Literal);
        assert_eq!(a.as_str(), Some("line one\nline two\n"));
        assert_eq!(text(src, a), "|  # keep\n  line one\n  line two");
        let b = doc.get("b").unwrap();
        assert_eq!(b.style, Style::Folded);
        assert_eq!(b.as_str(), Some("folded text"));
        assert_eq!(text(src, b), ">-\n  folded\n  text");
        let c = doc.get("c").unwrap();
        assert_eq!(text(src, c), "|\n  anchored");
        let src = "- |\n  x\n- >\n  y\n";
        let items = root(src);
        let items = items.as_seq().unwrap();
        assert_eq!(text(src, &items[0]), "|\n  x");
        assert_eq!(text(src, &items[1]), ">\n  y");
    }

    #[test]
    fn scalars_are_typed_like_go_yaml() {
        let cases: &[(&str, Value)] = &[
            ("true", Value::Bool(true)),
            ("True", Value::Bool(true)),
            ("FALSE", Value::Bool(false)),
            ("yes", Value::String("yes".into())),
            ("on", Value::String("on".into())),
            ("~", Value::Null),
            ("null", Value::Null),
            ("NULL", Value::Null),
            ("", Value::Null),
            ("42", Value::Int(42)),
            ("-42", Value::Int(-42)),
            ("+7", Value::Int(7)),
            ("0x1F", Value::Int(31)),
            ("0o17", Value::Int(15)),
            ("0b101", Value::Int(5)),
            ("0755", Value::Int(493)),
            ("1_000", Value::Int(1000)),
            ("08", Value::Float(8.0)),
            ("1.5", Value::Float(1.5)),
            (".5", Value::Float(0.5)),
            ("1e3", Value::Float(1000.0)),
            ("3.", Value::Float(3.0)),
            (".inf", Value::Float(f64::INFINITY)),
            ("-.Inf", Value::Float(f64::NEG_INFINITY)),
            ("1e400", Value::String("1e400".into())),
            ("9223372036854775807", Value::Int(i64::MAX)),
            ("-9223372036854775808", Value::Int(i64::MIN)),
            ("0x", Value::String("0x".into())),
            ("8080:80", Value::String("8080:80".into())),
            ("${PORT}", Value::String("${PORT}".into())),
            ("2001-12-14", Value::String("2001-12-14".into())),
            ("nan", Value::String("nan".into())),
            ("-", Value::String("-".into())),
        ];
        for (input, want) in cases {
            assert_eq!(&resolve_plain(input), want, "{input:?}");
        }
        match resolve_plain(".nan") {
            Value::Float(f) => assert!(f.is_nan()),
            other => panic!("{other:?}"),
        }
        match resolve_plain("-0") {
            Value::Float(f) => assert!(f == 0.0 && f.is_sign_negative()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn quoted_and_block_scalars_are_strings() {
        let src = "a: \"1\"\nb: 'true'\nc: |\n  2\nd: 3\ne:\nf: \"\"\n";
        let doc = root(src);
        assert_eq!(doc.get("a").unwrap().value, Value::String("1".into()));
        assert_eq!(doc.get("b").unwrap().value, Value::String("true".into()));
        assert_eq!(doc.get("c").unwrap().value, Value::String("2\n".into()));
        assert_eq!(doc.get("d").unwrap().value, Value::Int(3));
        assert_eq!(doc.get("d").unwrap().style, Style::Plain);
        assert_eq!(doc.get("e").unwrap().value, Value::Null);
        assert_eq!(doc.get("f").unwrap().value, Value::String(String::new()));
    }

    #[test]
    fn tags_are_kept_and_core_tags_applied() {
        let src = "ports: !reset []\nimage: !override nginx\nn: !!str 12\nm: !!int \"12\"\nf: !!float 3\nr: !override 3\nv: !<tag:x> y\n";
        let doc = root(src);
        let ports = doc.get("ports").unwrap();
        assert!(ports.has_tag("!reset"));
        assert_eq!(ports.value, Value::Seq(vec![]));
        assert_eq!(text(src, ports), "[]");
        let image = doc.get("image").unwrap();
        assert_eq!(image.tag.as_deref(), Some("!override"));
        assert_eq!(text(src, image), "nginx");
        assert_eq!(doc.get("n").unwrap().value, Value::String("12".into()));
        assert_eq!(doc.get("n").unwrap().tag.as_deref(), Some("!!str"));
        assert_eq!(doc.get("m").unwrap().value, Value::Int(12));
        assert_eq!(doc.get("f").unwrap().value, Value::Float(3.0));
        // go-yaml leaves scalars with custom tags as strings.
        assert_eq!(doc.get("r").unwrap().value, Value::String("3".into()));
        assert_eq!(doc.get("v").unwrap().tag.as_deref(), Some("!<tag:x>"));

        let e = err("a: !!int abc\n");
        assert!(e.message.contains("as a !!int"), "{}", e.message);
        assert_eq!(e.span, Span(9, 12));
    }

    #[allow(non_snake_case)]
    fn Span(start: usize, end: usize) -> seaworthy_compose::yaml::Span {
        seaworthy_compose::yaml::Span::new(start, end)
    }

    #[test]
    fn duplicate_keys_are_an_error_at_the_second() {
        let src = "services:\n  web: {}\n  db: {}\n  web: {}\n";
        let e = err(src);
        assert_eq!(e.span.start, src.rfind("web").unwrap());
        assert_eq!(e.message, "mapping key \"web\" already defined at line 2");
        assert_eq!(e.position(src), Position { line: 4, column: 3 });
        // go-yaml compares the key text.
        assert!(parse("1: a\n\"1\": b\n").is_err());
        assert!(parse("{a: 1, a: 2}").is_err());
        assert!(parse("a: 1\nb: 2\nc: {a: 3}\n").is_ok());
        // Two merge keys in one mapping are duplicates too.
        assert!(parse("x: &x {a: 1}\ny:\n  <<: *x\n  <<: *x\n").is_err());
    }

    #[test]
    fn aliases_copy_the_anchored_node_with_its_spans() {
        let src = "x-env: &env\n  A: 1\n  B: two\nservices:\n  web:\n    environment: *env\n  db:\n    image: &img postgres\n    labels: [*img]\n";
        let doc = root(src);
        let services = doc.get("services").unwrap();
        let env = services.get("web").unwrap().get("environment").unwrap();
        assert_eq!(keys(env), ["A", "B"]);
        let anchored = doc.get("x-env").unwrap();
        assert_eq!(env.span, anchored.span);
        assert_eq!(text(src, env), "A: 1\n  B: two");
        let db = services.get("db").unwrap();
        assert_eq!(text(src, db.get("image").unwrap()), "postgres");
        let label = &db.get("labels").unwrap().as_seq().unwrap()[0];
        assert_eq!(label.as_str(), Some("postgres"));
        assert_eq!(label.span, db.get("image").unwrap().span);
    }

    #[test]
    fn undefined_and_recursive_aliases_are_errors() {
        let e = err("a: *nope\n");
        assert_eq!(e.span.start, 3);
        let e = err("a: &a [1, *a]\n");
        assert!(e.message.contains("contains it"), "{}", e.message);
    }

    #[test]
    fn merge_keys_explicit_wins_then_earlier_maps() {
        let src = "\
x-a: &a {image: a, user: a, ports: [1]}
x-b: &b {image: b, init: b, user: b}
web:
  user: explicit
  <<: [*a, *b]
  restart: always
";
        let doc = root(src);
        let web = doc.get("web").unwrap();
        assert_eq!(keys(web), ["user", "image", "ports", "init", "restart"]);
        assert_eq!(web.get("user").unwrap().as_str(), Some("explicit"));
        assert_eq!(web.get("image").unwrap().as_str(), Some("a"));
        assert_eq!(web.get("init").unwrap().as_str(), Some("b"));
        // Merged entries keep the spans where they are written.
        let (k, v) = web.entry("init").unwrap();
        assert_eq!(k.span.start, src.find("init").unwrap());
        assert_eq!(text(src, v), "b");

        let src = "base: &base\n  image: x\n  user: root\nsvc:\n  <<: *base\n  user: app\n";
        let svc = root(src).get("svc").unwrap().clone();
        assert_eq!(keys(&svc), ["image", "user"]);
        assert_eq!(svc.get("user").unwrap().as_str(), Some("app"));

        // An inline mapping merges too; a quoted "<<" is an ordinary key.
        let doc = root("a:\n  <<: {x: 1}\n  y: 2\nb:\n  \"<<\": {x: 1}\n");
        assert_eq!(keys(doc.get("a").unwrap()), ["x", "y"]);
        assert_eq!(keys(doc.get("b").unwrap()), ["<<"]);
    }

    #[test]
    fn merged_keys_never_count_as_duplicates() {
        let src = "x: &x {a: 1, b: 2}\ny: &y {b: 3, c: 4}\nz:\n  a: 0\n  <<: [*x, *y]\n";
        let z = root(src).get("z").unwrap().clone();
        assert_eq!(keys(&z), ["a", "b", "c"]);
        assert_eq!(z.get("b").unwrap().value, Value::Int(2));
    }

    #[test]
    fn nested_merges_resolve() {
        let src = "a: &a {x: 1}\nb: &b\n  <<: *a\n  y: 2\nc:\n  <<: *b\n  z: 3\n";
        let c = root(src).get("c").unwrap().clone();
        assert_eq!(keys(&c), ["x", "y", "z"]);
    }

    #[test]
    fn merging_a_non_mapping_is_an_error() {
        let src = "a: &a [1]\nb:\n  <<: *a\n";
        let e = err(src);
        assert!(e.message.contains("map merge"), "{}", e.message);
        let src = "a: &a 1\nb:\n  <<: [*a]\n";
        assert!(err(src).message.contains("map merge"));
        assert!(parse("b:\n  <<:\n").is_err());
    }

    #[test]
    fn omitted_values_are_null_with_an_empty_span_after_the_key() {
        let src = "a:
b: 1
";
        let a = root(src).get("a").unwrap().clone();
        assert_eq!(a.value, Value::Null);
        assert_eq!(a.span, Span(1, 1));
    }

    #[test]
    fn billion_laughs_is_an_error() {
        let mut src = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["b", "c", "d", "e", "f", "g", "h", "i"];
        let mut prev = "a";
        for name in names {
            let refs = vec![format!("*{prev}"); 9].join(",");
            src.push_str(&format!("{name}: &{name} [{refs}]\n"));
            prev = name;
        }
        let e = err(&src);
        assert!(e.message.contains("alias"), "{}", e.message);
    }

    #[test]
    fn wide_alias_fanout_is_bounded() {
        // Each line doubles the size of what an alias copies.
        let mut src = String::from("a0: &a0 [x, x]\n");
        for i in 1..40 {
            src.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}]\n", p = i - 1));
        }
        assert!(parse(&src).is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        for src in [
            "[".repeat(100_000),
            "{a: ".repeat(100_000),
            format!("{}x{}", "[".repeat(300), "]".repeat(300)),
        ] {
            assert!(parse(&src).is_err());
        }
        let ok = format!("{}x{}", "[".repeat(200), "]".repeat(200));
        assert!(parse(&ok).is_ok());
        let mut block = String::new();
        for depth in 0..(MAX_DEPTH + 10) {
            block.push_str(&" ".repeat(depth));
            block.push_str("k:\n");
        }
        assert!(parse(&block).is_err());
        let dashes = format!("{}x\n", "- ".repeat(50_000));
        assert!(parse(&dashes).is_err());
    }

    #[test]
    fn aliases_cannot_exceed_the_depth_limit() {
        let nested = format!("{}x{}", "[".repeat(200), "]".repeat(200));
        let src = format!(
            "a: &a {nested}\nb: {}*a{}\n",
            "[".repeat(100),
            "]".repeat(100)
        );
        let e = err(&src);
        assert!(e.message.contains("deeper"), "{}", e.message);
    }

    #[test]
    fn documents() {
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("# only a comment\n").unwrap(), None);
        assert_eq!(parse("---\n").unwrap(), None);
        assert_eq!(parse("---\n...\n").unwrap(), None);
        let src = "a: 1\n---\nb: 2\n";
        let e = err(src);
        assert_eq!(e.span.start, 5);
        let docs = parse_documents(src).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(keys(&docs[1].root), ["b"]);
        assert_eq!(docs[1].root.span.start, src.find('b').unwrap());
        assert!(parse_documents("").unwrap().is_empty());
        // Anchors do not cross documents.
        assert!(parse_documents("a: &x 1\n---\nb: *x\n").is_err());
    }

    #[test]
    fn bom_crlf_and_tabs() {
        let src = "\u{feff}a: 1\r\nb: \"x\"\r\n";
        let doc = root(src);
        assert_eq!(text(src, doc.entry("a").unwrap().0), "a");
        assert_eq!(text(src, doc.get("b").unwrap()), "\"x\"");
        // A tab cannot indent YAML.
        assert!(parse("a:\n\tb: 1\n").is_err());
        // A tab inside a value is fine.
        assert_eq!(root("a: x\ty\n").get("a").unwrap().as_str(), Some("x\ty"));
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let src = "services:\n  web:\n    image: \"unterminated\n";
        let e = err(src);
        assert!(!e.message.is_empty());
        assert!(e.span.start <= src.len());
        let src = "a: b: c\n";
        let e = err(src);
        assert_eq!(e.position(src).line, 1);
    }

    #[test]
    fn line_index_counts_characters() {
        let src = "é: 1\nxé: y\n";
        let index = LineIndex::new(src);
        let y = src.rfind('y').unwrap();
        assert_eq!(index.position(src, y), Position { line: 2, column: 5 });
        assert_eq!(index.position(src, 0).to_string(), "1:1");
        assert_eq!(index.position(src, 1).to_string(), "1:1");
    }

    #[test]
    fn nasty_inputs_do_not_panic() {
        for src in [
            "&a",
            "*a",
            "!",
            "!!",
            "? ",
            "? [a]\n: b",
            "[a]: 1\n[a]: 2",
            "<<: 1",
            "<<",
            "- <<: *a",
            "a: &a\nb: *a\n<<: *a",
            "%YAML 1.2\n---\na",
            "%TAG !e! tag:e,2000:\n--- !e!x a",
            "--- |\n",
            "- >\n",
            "\u{feff}",
            "\t",
            "\"\\u00e9\\",
            "a: 'x\n",
            "{[{[{[",
            "a:\n- b\n -c",
            "key: \u{0}",
            "é: |\n  ü\n  ",
        ] {
            let _ = parse(src);
            let _ = parse_documents(src);
        }
    }

    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        fn check(src: &str) {
            if let Ok(docs) = parse_documents(src) {
                for doc in docs {
                    walk(src, &doc.root);
                }
            }
            if let Err(e) = parse(src) {
                assert!(e.span.start <= e.span.end && e.span.end <= src.len());
                let _ = e.position(src);
            }
        }

        fn walk(src: &str, node: &Node) {
            assert!(node.span.start <= node.span.end && node.span.end <= src.len());
            assert!(src.is_char_boundary(node.span.start) && src.is_char_boundary(node.span.end));
            match &node.value {
                Value::Seq(items) => items.iter().for_each(|n| walk(src, n)),
                Value::Map(entries) => entries.iter().for_each(|(k, v)| {
                    walk(src, k);
                    walk(src, v);
                }),
                _ => {}
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            #[test]
            fn random_text_never_panics(src in "\\PC{0,64}") {
                check(&src);
            }

            #[test]
            fn yaml_like_text_never_panics(
                src in "([a-zé<:&*!|>\\-\\[\\]{},#'\"? \\t\\n~0-9.]|\r\n){0,120}"
            ) {
                check(&src);
            }
        }
    }
}

/// go-yaml accepts a closing bracket at the indentation of its key; so must we, with the
/// spans of everything else unchanged.
#[test]
fn closing_bracket_at_the_key_indentation() {
    let src = "services:\n  a:\n    healthcheck:\n      test: [\n        \"CMD\",\n        \"true\"\n      ]\n      interval: 30s\n";
    let doc = seaworthy_compose::yaml::parse(src).unwrap().unwrap();
    let test = doc
        .root
        .get("services")
        .and_then(|s| s.get("a"))
        .and_then(|a| a.get("healthcheck"))
        .and_then(|h| h.get("test"))
        .unwrap();
    let items: Vec<&str> = test
        .as_seq()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(items, ["CMD", "true"]);
    let cmd = &test.as_seq().unwrap()[0];
    assert_eq!(&src[cmd.span.start..cmd.span.end], "\"CMD\"");
    let interval = doc
        .root
        .get("services")
        .unwrap()
        .get("a")
        .unwrap()
        .get("healthcheck")
        .unwrap()
        .get("interval")
        .unwrap();
    assert_eq!(&src[interval.span.start..interval.span.end], "30s");
    // A bracket that really is out of place is still an error.
    assert!(seaworthy_compose::yaml::parse("a:\n  b: 1\n]\n").is_err());
}
