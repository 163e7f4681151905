//! The instruction layer's validation: each instruction on its own, as BuildKit's
//! `instructions.Parse` checks it (unknown instructions, flags, argument counts, `--mount` and
//! `--device` options, `HEALTHCHECK`), before any stage is built.

use std::borrow::Cow;
use std::time::Duration;

use super::builder::arg_list;
use super::go::{go_quote, parse_go_duration, parse_go_int32, with_suggestion};
use super::mount::{parse_device, parse_mount};
use super::{Healthcheck, ModelError};
use crate::span::Span;
use crate::syntax::{Args, Dockerfile, Instruction, Keyword};

// ---------------------------------------------------------------------------------------------
// The instruction layer's validation (BuildKit's `instructions.Parse`).

#[derive(Clone, Copy, PartialEq, Eq)]
enum FlagKind {
    Bool,
    String,
    Strings,
}

const ADD_FLAGS: &[(&str, FlagKind)] = &[
    ("chown", FlagKind::String),
    ("chmod", FlagKind::String),
    ("link", FlagKind::Bool),
    ("keep-git-dir", FlagKind::Bool),
    ("checksum", FlagKind::String),
    ("unpack", FlagKind::Bool),
    ("exclude", FlagKind::Strings),
];
const COPY_FLAGS: &[(&str, FlagKind)] = &[
    ("chown", FlagKind::String),
    ("from", FlagKind::String),
    ("chmod", FlagKind::String),
    ("link", FlagKind::Bool),
    ("exclude", FlagKind::Strings),
    ("parents", FlagKind::Bool),
];
const FROM_FLAGS: &[(&str, FlagKind)] = &[("platform", FlagKind::String)];
const RUN_FLAGS: &[(&str, FlagKind)] = &[
    ("device", FlagKind::Strings),
    ("mount", FlagKind::Strings),
    ("network", FlagKind::String),
    ("security", FlagKind::String),
];
const HEALTHCHECK_FLAGS: &[(&str, FlagKind)] = &[
    ("interval", FlagKind::String),
    ("timeout", FlagKind::String),
    ("start-period", FlagKind::String),
    ("start-interval", FlagKind::String),
    ("retries", FlagKind::String),
];

const INSTRUCTION_NAMES: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// BuildKit's `BFlags.Parse` against the flags an instruction defines.
fn check_flags(ins: &Instruction, allowed: &[(&str, FlagKind)]) -> Option<ModelError> {
    let mut used: Vec<&str> = Vec::new();
    for f in &ins.flags {
        let err = |message: String| {
            Some(ModelError {
                message,
                span: f.span,
            })
        };
        let (flag_name, value) = match f.text.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (f.text.as_str(), None),
        };
        let Some(name) = flag_name.strip_prefix("--") else {
            return err(format!("arg should start with -- : {}", f.text));
        };
        let Some(&(_, kind)) = allowed.iter().find(|(n, _)| *n == name) else {
            let names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
            return err(with_suggestion(
                format!("unknown flag: {flag_name}"),
                name,
                &names,
                true,
            ));
        };
        if used.contains(&name) && kind != FlagKind::Strings {
            return err(format!("duplicate flag specified: {flag_name}"));
        }
        used.push(name);
        match kind {
            FlagKind::Bool => {
                if value == Some("") {
                    return err(format!("missing a value on flag: {flag_name}"));
                }
                let v = value.unwrap_or("").to_lowercase();
                if !matches!(v.as_str(), "true" | "false" | "") {
                    return err(format!(
                        "expecting boolean value for flag {flag_name}, not: {}",
                        value.unwrap_or("")
                    ));
                }
            }
            FlagKind::String | FlagKind::Strings => {
                if value.is_none() {
                    return err(format!("missing a value on flag: {flag_name}"));
                }
            }
        }
    }
    None
}

/// The number of arguments BuildKit's `nodeArgs` gives an instruction.
fn arg_count(args: &Args) -> usize {
    match args {
        Args::None => 0,
        Args::Json { items, .. } => items.len(),
        Args::String(_) | Args::Ignored(_) => 1,
        Args::Words(w) => w.len(),
        Args::KeyValues(kv) => kv.len() * 3,
        Args::Healthcheck { command, .. } => 1 + arg_count(command),
        Args::Onbuild(inner) => 1 + arg_count(&inner.args),
    }
}

/// The first error BuildKit's instruction layer reports for `ins`, if any.
pub(super) fn validate(file: &Dockerfile, ins: &Instruction) -> Option<ModelError> {
    let at = |message: String| {
        Some(ModelError {
            message,
            span: ins.span,
        })
    };
    let n = arg_count(&ins.args);
    let kw = ins.kind.as_str();
    let flags = |allowed: &[(&str, FlagKind)]| check_flags(ins, allowed);
    match ins.kind {
        Keyword::Unknown => {
            let word = file.logical(ins, ins.keyword);
            return Some(ModelError {
                message: with_suggestion(
                    format!("unknown instruction: {word}"),
                    &word,
                    INSTRUCTION_NAMES,
                    false,
                ),
                span: ins.keyword,
            });
        }
        Keyword::Env | Keyword::Label => {
            if let Some(e) = flags(&[]) {
                return Some(e);
            }
            if n == 0 {
                return at(format!("{kw} requires at least one argument"));
            }
            if let Args::KeyValues(kvs) = &ins.args {
                if kvs.iter().any(|kv| kv.key.is_empty()) {
                    return at(format!("{kw} names can not be blank"));
                }
            }
        }
        Keyword::Maintainer | Keyword::Workdir | Keyword::User => {
            if n != 1 {
                return at(format!("{kw} requires exactly one argument"));
            }
            return flags(&[]);
        }
        Keyword::Stopsignal => {
            if n != 1 {
                return at(format!("{kw} requires exactly one argument"));
            }
        }
        Keyword::Add | Keyword::Copy => {
            if n < 2 {
                return at(format!("{kw} requires at least two arguments, but only one was provided. Destination could not be determined"));
            }
            let allowed = if ins.kind == Keyword::Add {
                ADD_FLAGS
            } else {
                COPY_FLAGS
            };
            if let Some(e) = flags(allowed) {
                return Some(e);
            }
            let args = arg_list(file, ins);
            if let Some((dest, span)) = args.last() {
                if is_heredoc_word(dest) {
                    return Some(ModelError {
                        message: format!("{kw} cannot accept a heredoc as a destination"),
                        span: *span,
                    });
                }
            }
        }
        Keyword::From => {
            let words: Vec<(Cow<'_, str>, Span)> = arg_list(file, ins);
            if words.len() == 3 && words[1].0.eq_ignore_ascii_case("as") {
                let name = words[2].0.to_lowercase();
                if !valid_stage_name(&name) {
                    return Some(ModelError {
                        message: format!(
                            "invalid name for build stage: {}, name can't start with a number or contain symbols",
                            go_quote(&words[2].0)
                        ),
                        span: words[2].1,
                    });
                }
            } else if words.len() != 1 {
                return at("FROM requires either one or three arguments".into());
            }
            return flags(FROM_FLAGS);
        }
        Keyword::Onbuild => {
            let Args::Onbuild(inner) = &ins.args else {
                return at("ONBUILD requires at least one argument".into());
            };
            if let Some(e) = flags(&[]) {
                return Some(e);
            }
            let trigger = file.logical(inner, inner.keyword).trim().to_uppercase();
            match trigger.as_str() {
                "ONBUILD" => {
                    return Some(ModelError {
                        message: "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".into(),
                        span: inner.keyword,
                    })
                }
                "MAINTAINER" | "FROM" => {
                    return Some(ModelError {
                        message: format!("{trigger} isn't allowed as an ONBUILD trigger"),
                        span: inner.keyword,
                    })
                }
                _ => {}
            }
        }
        Keyword::Run => {
            if let Some(e) = flags(RUN_FLAGS) {
                return Some(e);
            }
            for f in &ins.flags {
                let value = f.value().unwrap_or("");
                let e = match f.name() {
                    "device" => parse_device(value).err(),
                    "mount" => parse_mount(value, None).err(),
                    _ => None,
                };
                if let Some(message) = e {
                    return Some(ModelError {
                        message,
                        span: f.span,
                    });
                }
            }
            let last = |name: &str| ins.flags.iter().rfind(|f| f.name() == name);
            if let Some(f) = last("network") {
                let v = f.value().unwrap_or("");
                if !matches!(v, "default" | "none" | "host") {
                    return Some(ModelError {
                        message: format!("invalid network mode {}", go_quote(v)),
                        span: f.span,
                    });
                }
            }
            if let Some(f) = last("security") {
                let v = f.value().unwrap_or("");
                if !matches!(v, "insecure" | "sandbox") {
                    return Some(ModelError {
                        message: format!("security {} is not valid", go_quote(v)),
                        span: f.span,
                    });
                }
            }
        }
        Keyword::Cmd | Keyword::Entrypoint => return flags(&[]),
        Keyword::Healthcheck => {
            if let Err(e) = healthcheck(file, ins) {
                return Some(e);
            }
        }
        Keyword::Expose | Keyword::Volume => {
            if n == 0 {
                return at(format!("{kw} requires at least one argument"));
            }
            if let Some(e) = flags(&[]) {
                return Some(e);
            }
            if ins.kind == Keyword::Volume {
                for (v, span) in arg_list(file, ins) {
                    if v.trim().is_empty() {
                        return Some(ModelError {
                            message: "VOLUME specified can not be an empty string".into(),
                            span,
                        });
                    }
                }
            }
        }
        Keyword::Arg => {
            if n == 0 {
                return at("ARG requires at least one argument".into());
            }
            for (w, span) in arg_list(file, ins) {
                if w.starts_with('=') {
                    return Some(ModelError {
                        message: "ARG names can not be blank".into(),
                        span,
                    });
                }
            }
        }
        Keyword::Shell => {
            if let Some(e) = flags(&[]) {
                return Some(e);
            }
            match &ins.args {
                Args::None => return at("SHELL requires at least one argument".into()),
                Args::Json { items, .. } if items.is_empty() => {
                    return at("SHELL requires at least one argument".into())
                }
                Args::Json { .. } => {}
                _ => return at("SHELL requires the arguments to be in JSON form".into()),
            }
        }
    }
    None
}

fn valid_stage_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        })
}

/// BuildKit's `MustParseHeredoc` on an argument: a single `[n]<<[-]NAME` word.
fn is_heredoc_word(word: &str) -> bool {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let Some(rest) = word[digits..].strip_prefix("<<") else {
        return false;
    };
    let rest = rest.strip_prefix('-').unwrap_or(rest).trim_start();
    !rest.is_empty() && !rest.contains('<') && !rest.contains(char::is_whitespace)
}

/// `HEALTHCHECK`, validated and parsed.
pub(super) fn healthcheck(file: &Dockerfile, ins: &Instruction) -> Result<Healthcheck, ModelError> {
    let at = |message: String| ModelError {
        message,
        span: ins.span,
    };
    let Args::Healthcheck { kind, command } = &ins.args else {
        return Err(at("HEALTHCHECK requires at least one argument".into()));
    };
    let typ = file.logical(ins, kind.span).to_uppercase();
    let mut h = Healthcheck {
        disabled: false,
        command: Vec::new(),
        shell_form: false,
        interval: None,
        timeout: None,
        start_period: None,
        start_interval: None,
        retries: None,
    };
    if typ == "NONE" {
        if !matches!(**command, Args::None) {
            return Err(at("HEALTHCHECK NONE takes no arguments".into()));
        }
        h.disabled = true;
        return Ok(h);
    }
    if let Some(e) = check_flags(ins, HEALTHCHECK_FLAGS) {
        return Err(e);
    }
    if typ != "CMD" {
        return Err(at(format!(
            "Unknown type {} in HEALTHCHECK (try CMD)",
            go_quote(&typ)
        )));
    }
    match &**command {
        Args::Json { items, .. } => {
            h.command = items
                .iter()
                .map(|a| file.arg_value(ins, a).into_owned())
                .collect();
        }
        Args::String(a) => {
            h.command = vec![file.logical(ins, a.span).into_owned()];
            h.shell_form = true;
        }
        _ => {}
    }
    if h.command.is_empty() {
        return Err(at("Missing command after HEALTHCHECK CMD".into()));
    }
    let flag = |name: &str| ins.flags.iter().rfind(|f| f.name() == name);
    for (name, slot) in [
        ("interval", &mut h.interval),
        ("timeout", &mut h.timeout),
        ("start-period", &mut h.start_period),
        ("start-interval", &mut h.start_interval),
    ] {
        let Some(f) = flag(name) else { continue };
        let v = f.value().unwrap_or("");
        if v.is_empty() {
            continue;
        }
        let nanos = parse_go_duration(v).map_err(|message| ModelError {
            message,
            span: f.span,
        })?;
        if nanos != 0 && nanos < 1_000_000 {
            return Err(ModelError {
                message: format!("Interval {} cannot be less than 1ms", go_quote(name)),
                span: f.span,
            });
        }
        *slot = Some(Duration::from_nanos(nanos as u64));
    }
    if let Some(f) = flag("retries") {
        let v = f.value().unwrap_or("");
        if !v.is_empty() {
            let retries = parse_go_int32(v).map_err(|message| ModelError {
                message,
                span: f.span,
            })?;
            if retries < 0 {
                return Err(ModelError {
                    message: format!("--retries cannot be negative ({retries})"),
                    span: f.span,
                });
            }
            h.retries = Some(retries);
        }
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use crate::model::tests::{parse, pos};
    use crate::model::{BuildOptions, Model};
    use crate::span::Position;

    fn errors(src: &str) -> Vec<(String, Position)> {
        let file = parse(src);
        let model = Model::build(&file, &BuildOptions::default());
        model
            .errors
            .iter()
            .map(|e| (e.message.clone(), file.position(e.span.start)))
            .collect()
    }

    /// Every error of BuildKit's instruction layer this model reproduces, with the position it is
    /// reported at.
    #[test]
    fn instruction_errors_with_positions() {
        let cases: &[(&str, &str, (usize, usize))] = &[
            ("FROM alpine\nCOPPY a b\n", "unknown instruction: COPPY (did you mean COPY?)", (2, 1)),
            ("FROM alpine\nfrobnicate\n", "unknown instruction: frobnicate", (2, 1)),
            ("FROM alpine\nRUN --from=build true\n", "unknown flag: --from", (2, 5)),
            ("FROM alpine\nCOPY --form=build a b\n", "unknown flag: --form (did you mean from?)", (2, 6)),
            ("FROM alpine\nCOPY --link=maybe a b\n", "expecting boolean value for flag --link, not: maybe", (2, 6)),
            ("FROM alpine\nCOPY --link= a b\n", "missing a value on flag: --link", (2, 6)),
            ("FROM alpine\nCOPY --from a b\n", "missing a value on flag: --from", (2, 6)),
            ("FROM alpine\nCOPY --chown=1 --chown=2 a b\n", "duplicate flag specified: --chown", (2, 16)),
            ("FROM alpine\nENV --x=1 A=b\n", "unknown flag: --x", (2, 5)),
            ("FROM alpine AS\n", "FROM requires either one or three arguments", (1, 1)),
            ("FROM alpine to build\n", "FROM requires either one or three arguments", (1, 1)),
            ("FROM\n", "FROM requires either one or three arguments", (1, 1)),
            ("FROM alpine AS 1st\n", "invalid name for build stage: \"1st\", name can't start with a number or contain symbols", (1, 16)),
            ("FROM --platfrom=linux/amd64 alpine\n", "unknown flag: --platfrom (did you mean platform?)", (1, 6)),
            ("FROM --platform=linux/amd64/v3/x alpine\n", "failed to parse platform linux/amd64/v3/x: \"linux/amd64/v3/x\": cannot parse platform specifier: invalid argument", (1, 6)),
            ("ARG\nFROM alpine\n", "ARG requires at least one argument", (1, 1)),
            ("FROM alpine\nARG =x\n", "ARG names can not be blank", (2, 5)),
            ("FROM alpine\nENV =x\n", "ENV names can not be blank", (2, 1)),
            ("FROM alpine\nLABEL\n", "LABEL requires at least one argument", (2, 1)),
            ("FROM alpine\nEXPOSE\n", "EXPOSE requires at least one argument", (2, 1)),
            ("FROM alpine\nVOLUME\n", "VOLUME requires at least one argument", (2, 1)),
            ("FROM alpine\nVOLUME [\"/a\", \" \"]\n", "VOLUME specified can not be an empty string", (2, 15)),
            ("FROM alpine\nUSER\n", "USER requires exactly one argument", (2, 1)),
            ("FROM alpine\nWORKDIR\n", "WORKDIR requires exactly one argument", (2, 1)),
            ("FROM alpine\nMAINTAINER\n", "MAINTAINER requires exactly one argument", (2, 1)),
            ("FROM alpine\nSTOPSIGNAL\n", "STOPSIGNAL requires exactly one argument", (2, 1)),
            ("FROM alpine\nSTOPSIGNAL SIGFOO\n", "invalid signal: SIGFOO", (2, 1)),
            ("FROM alpine\nCOPY onlyone\n", "COPY requires at least two arguments, but only one was provided. Destination could not be determined", (2, 1)),
            ("FROM alpine\nADD [\"a\"]\n", "ADD requires at least two arguments, but only one was provided. Destination could not be determined", (2, 1)),
            ("FROM alpine\nCOPY a <<EOF\nx\nEOF\n", "COPY cannot accept a heredoc as a destination", (2, 8)),
            ("FROM alpine\nSHELL /bin/bash -c\n", "SHELL requires the arguments to be in JSON form", (2, 1)),
            ("FROM alpine\nSHELL []\n", "SHELL requires at least one argument", (2, 1)),
            ("FROM alpine\nONBUILD\n", "ONBUILD requires at least one argument", (2, 1)),
            ("FROM alpine\nONBUILD ONBUILD RUN x\n", "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", (2, 9)),
            ("FROM alpine\nONBUILD from alpine\n", "FROM isn't allowed as an ONBUILD trigger", (2, 9)),
            ("FROM alpine\nONBUILD MAINTAINER me\n", "MAINTAINER isn't allowed as an ONBUILD trigger", (2, 9)),
            ("FROM alpine\nRUN --network=bridge true\n", "invalid network mode \"bridge\"", (2, 5)),
            ("FROM alpine\nRUN --security=privileged true\n", "security \"privileged\" is not valid", (2, 5)),
            ("FROM alpine\nRUN --device=/dev/fuse true\n", "device feature is only supported in Dockerfile frontend 1.14.0-labs or later", (2, 5)),
            ("FROM alpine\nRUN --mount=type=nope true\n", "unsupported mount type \"nope\"", (2, 5)),
            ("FROM alpine\nRUN --mount=type=cahce,target=/c true\n", "unsupported mount type \"cahce\" (did you mean cache?)", (2, 5)),
            ("FROM alpine\nRUN --mount=target true\n", "invalid field 'target' must be a key=value pair", (2, 5)),
            ("FROM alpine\nRUN --mount=type=cache,taget=/c true\n", "unexpected key 'taget' in 'taget=/c' (did you mean target?)", (2, 5)),
            ("FROM alpine\nRUN --mount=type=cache,target=/c,uid=abc true\n", "invalid value abc for uid", (2, 5)),
            ("FROM alpine\nRUN --mount=type=cache,target=/c,mode=0799 true\n", "invalid value 0799 for mode", (2, 5)),
            ("FROM alpine\nRUN --mount=type=bind,target=/c,mode=0755 true\n", "mode not allowed for \"bind\" type mounts", (2, 5)),
            ("FROM alpine\nRUN --mount=type=cache,target=/c,sharing=bogus true\n", "unsupported sharing value \"bogus\"", (2, 5)),
            ("FROM alpine\nRUN --mount=type=bind,target=/c,sharing=shared true\n", "invalid cache sharing set for bind mount", (2, 5)),
            ("FROM alpine\nRUN --mount=type=cache,target=/c,ro=perhaps true\n", "invalid value for ro: perhaps", (2, 5)),
            ("FROM alpine\nRUN --mount=required,type=secret,id=a true\n", "unexpected key 'required' for mount type 'bind'", (2, 5)),
            ("FROM alpine\nRUN --mount=type=secret true\n", "invalid secret mount. one of source, target required", (2, 5)),
            ("FROM alpine\nRUN --mount=type=secret,id=a,from=b true\n", "secret mount should not have a from", (2, 5)),
            ("FROM alpine\nRUN --mount=type=secret,id=a,src=b true\n", "both source and id can't be set", (2, 5)),
            ("FROM alpine\nRUN --mount=type=bind,size=1g true\n", "unexpected key 'size' for mount type 'bind'", (2, 5)),
            ("FROM alpine\nRUN --mount=type=tmpfs,size=lots true\n", "invalid value for size: lots", (2, 5)),
            ("FROM alpine\nRUN --mount=from=$STAGE,target=/x true\n", "'from' doesn't support variable expansion, define alias stage instead", (2, 5)),
            ("FROM alpine\nRUN --mount=target=a\\\"b true\n", "failed to parse csv mounts: parse error on line 1, column 9: bare \" in non-quoted-field", (2, 5)),
            ("FROM alpine\nRUN --mount= true\n", "failed to parse csv mounts: EOF", (2, 5)),
            ("FROM alpine\nRUN --mount=type=cache,target=${X:?required} true\n", "failed to process \"${X:?required}\": X: required", (2, 5)),
            ("FROM alpine\nHEALTHCHECK\n", "HEALTHCHECK requires at least one argument", (2, 1)),
            ("FROM alpine\nHEALTHCHECK NONE CMD true\n", "HEALTHCHECK NONE takes no arguments", (2, 1)),
            ("FROM alpine\nHEALTHCHECK CMD\n", "Missing command after HEALTHCHECK CMD", (2, 1)),
            ("FROM alpine\nHEALTHCHECK CMD []\n", "Missing command after HEALTHCHECK CMD", (2, 1)),
            ("FROM alpine\nHEALTHCHECK PING x\n", "Unknown type \"PING\" in HEALTHCHECK (try CMD)", (2, 1)),
            ("FROM alpine\nHEALTHCHECK --interval=5 CMD true\n", "time: missing unit in duration \"5\"", (2, 13)),
            ("FROM alpine\nHEALTHCHECK --timeout=abc CMD true\n", "time: invalid duration \"abc\"", (2, 13)),
            ("FROM alpine\nHEALTHCHECK --timeout=3y CMD true\n", "time: unknown unit \"y\" in duration \"3y\"", (2, 13)),
            ("FROM alpine\nHEALTHCHECK --start-period=500us CMD true\n", "Interval \"start-period\" cannot be less than 1ms", (2, 13)),
            ("FROM alpine\nHEALTHCHECK --retries=-1 CMD true\n", "--retries cannot be negative (-1)", (2, 13)),
            ("FROM alpine\nHEALTHCHECK --retries=x CMD true\n", "strconv.ParseInt: parsing \"x\": invalid syntax", (2, 13)),
            ("FROM alpine\nHEALTHCHECK --intervl=1s CMD true\n", "unknown flag: --intervl (did you mean interval?)", (2, 13)),
            ("FROM alpine\nEXPOSE 80/http\n", "invalid port: \"80/http\": invalid proto: http", (2, 8)),
            ("FROM alpine\nEXPOSE 99999\n", "invalid containerPort: 99999", (2, 8)),
            ("FROM alpine\nENV A=${B:?needed}\n", "failed to process \"${B:?needed}\": B: needed", (2, 7)),
            ("RUN true\nFROM alpine\n", "no build stage in current context", (1, 1)),
            ("ARG A=1\n", "dockerfile contains no stages to build", (1, 1)),
        ];
        for (src, message, (line, column)) in cases {
            let got = errors(src);
            assert_eq!(
                got,
                [((*message).to_owned(), pos(*line, *column))],
                "for {src:?}"
            );
        }
    }

    #[test]
    fn flags_buildkit_ignores_are_ignored() {
        // BuildKit never parses the flags of ARG, STOPSIGNAL and HEALTHCHECK NONE.
        assert_eq!(
            errors("ARG --x=1 A\nFROM alpine\nSTOPSIGNAL --y TERM\nHEALTHCHECK --z NONE\n"),
            []
        );
        assert_eq!(
            errors("# syntax=docker/dockerfile:1-labs\nFROM alpine\nRUN --device=/dev/fuse true\n"),
            []
        );
    }
}
