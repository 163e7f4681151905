//! `${VAR}` interpolation exactly as Docker Compose (compose-go `template`) performs it, with a
//! map from every part of the result back to the text it came from.
//!
//! Grammar, as compose-go's pattern `\$(?i:(\$)|([_a-z][_a-z0-9]*)|{(?:([_a-z][_a-z0-9]*(?::?[-+?](.*))?)}|()))`
//! and its replacement function define it:
//!
//! - `$$` is a literal `$`; `$` followed by anything but `$`, `{` or a name start is left as is.
//! - `$NAME` takes the longest run of `[A-Za-z0-9_]` (starting with a letter or `_`).
//! - `${NAME}`; `${NAME:-arg}` / `${NAME-arg}` (default when unset or empty / when unset);
//!   `${NAME:+arg}` / `${NAME+arg}` (replacement when set and non-empty / when set);
//!   `${NAME:?arg}` / `${NAME?arg}` (error when unset or empty / when unset).
//!   `arg` is itself interpolated, and only when it is used: an invalid or required expression in
//!   an unused default is no error.
//! - The end of an expression with an operator is found by counting braces from the `${`
//!   (compose-go skips the character after every `{` while counting); when the braces do not
//!   balance, the expression runs to the last `}` on its line. Expressions never span lines.
//! - Anything else after `${` (`${}`, `${ x}`, `${x }`, `${x!}`, `${x:y}`, `${x` with no `}`
//!   on the line, `${1}`) is an invalid template: the whole interpolation fails.
//!
//! Unset variables referenced without an operator become the empty string; compose warns
//! `The "X" variable is not set. Defaulting to a blank string.` for each: they are listed in
//! [`Interpolated::unset`].

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Range;

/// Where variable values come from.
pub trait Lookup {
    /// The value of `name`, or `None` when it is unset (an empty value is set).
    fn get(&self, name: &str) -> Option<&str>;
}

impl Lookup for HashMap<String, String> {
    fn get(&self, name: &str) -> Option<&str> {
        HashMap::get(self, name).map(String::as_str)
    }
}

impl Lookup for BTreeMap<String, String> {
    fn get(&self, name: &str) -> Option<&str> {
        BTreeMap::get(self, name).map(String::as_str)
    }
}

impl<L: Lookup + ?Sized> Lookup for &L {
    fn get(&self, name: &str) -> Option<&str> {
        (**self).get(name)
    }
}

/// The result of interpolating a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpolated {
    pub value: String,
    /// Consecutive, non-overlapping parts of `value` in order, covering it entirely (pieces with
    /// an empty output range record expressions that produced nothing).
    pub pieces: Vec<Piece>,
    /// Variables that were looked up without an operator and are unset, in order of first use,
    /// each once: the names compose warns about.
    pub unset: Vec<String>,
}

/// One part of an interpolated value and the input text it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// Byte range in [`Interpolated::value`].
    pub output: Range<usize>,
    /// Byte range in the input: the literal text itself, the `$$`, or for a variable's value
    /// the whole `$NAME` / `${...}` expression.
    pub source: Range<usize>,
    /// The outermost `${...}` expression this piece was produced by (for text and variables
    /// inside a default or replacement), `None` for text outside any expression.
    pub expression: Option<Range<usize>>,
    pub kind: PieceKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PieceKind {
    /// Text copied unchanged.
    Literal,
    /// `$$` producing `$`.
    Escape,
    /// The value of a variable (empty when it is unset, or when `${NAME:+x}` / `${NAME+x}` did
    /// not apply).
    Variable { name: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterpolateError {
    pub message: String,
    /// Byte offset in the input of the expression at fault.
    pub offset: usize,
    pub len: usize,
    pub kind: InterpolateErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterpolateErrorKind {
    /// compose-go `InvalidTemplateError`; `template` is the string compose reports: the input,
    /// or the default / rest of line in which the bad `${` was found.
    InvalidTemplate { template: String },
    /// compose-go `MissingRequiredError` from `${NAME:?reason}` / `${NAME?reason}`; `reason` is
    /// already interpolated.
    MissingRequired { variable: String, reason: String },
}

impl fmt::Display for InterpolateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InterpolateError {}

/// Interpolates `input` with `vars` as current compose-go does (see [`Options`]); the first
/// error (in reading order) fails the whole string, as in compose.
pub fn interpolate(input: &str, vars: &dyn Lookup) -> Result<Interpolated, InterpolateError> {
    interpolate_with(input, vars, Options::default())
}

/// Which compose-go generation to imitate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Interpolate the argument of `:-`, `-`, `:+`, `+`, `:?`, `?` even when it is not used, as
    /// compose-go before v2.10.1 (January 2026) did, so Docker Compose v2.x: an invalid `${` in
    /// an unused default is an error there, and unset variables in it are warned about.
    pub eager_arguments: bool,
}

pub fn interpolate_with(
    input: &str,
    vars: &dyn Lookup,
    options: Options,
) -> Result<Interpolated, InterpolateError> {
    let mut out = Output::new();
    let cx = Context {
        input,
        vars,
        options,
    };
    cx.substitute(0..input.len(), None, &mut out)?;
    Ok(Interpolated {
        value: out.value,
        pieces: out.pieces,
        unset: out.unset,
    })
}

/// What a variable reference falls back to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `$NAME`, `${NAME}`.
    None,
    /// `:-` (`colon`) or `-`.
    Default { colon: bool },
    /// `:+` or `+`.
    Replacement { colon: bool },
    /// `:?` or `?`.
    Required { colon: bool },
}

/// A variable reference found in a string without evaluating it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableRef {
    pub name: String,
    /// The whole `$NAME` / `${...}` expression.
    pub span: Range<usize>,
    pub operator: Operator,
    /// The text after the operator (default, replacement or error message), if any.
    pub argument: Option<Range<usize>>,
}

/// Every variable `input` references, syntactically, in reading order, including those inside
/// defaults and replacements that interpolation may not evaluate. Invalid `${` forms are skipped.
pub fn referenced_variables(input: &str) -> Vec<VariableRef> {
    let mut refs = Vec::new();
    collect_refs(input, 0..input.len(), &mut refs);
    refs
}

fn collect_refs(input: &str, range: Range<usize>, refs: &mut Vec<VariableRef>) {
    let mut pos = range.start;
    while let Some(found) = input[pos..range.end].find('$') {
        let at = pos + found;
        match scan(input, at, range.end) {
            Token::NoMatch => pos = at + 1,
            Token::Escape { end } | Token::Invalid { end } => pos = end,
            Token::Named { end } => {
                refs.push(VariableRef {
                    name: input[at + 1..end].to_string(),
                    span: at..end,
                    operator: Operator::None,
                    argument: None,
                });
                pos = end;
            }
            Token::Braced(braced) => {
                let argument = (braced.operator != Operator::None).then(|| braced.argument.clone());
                refs.push(VariableRef {
                    name: input[braced.name.clone()].to_string(),
                    span: braced.expression.clone(),
                    operator: braced.operator,
                    argument: argument.clone(),
                });
                if let Some(argument) = argument {
                    collect_refs(input, argument, refs);
                }
                pos = braced.expression.end;
            }
        }
    }
}

struct Output {
    value: String,
    pieces: Vec<Piece>,
    unset: Vec<String>,
}

impl Output {
    fn push(
        &mut self,
        text: &str,
        source: Range<usize>,
        expression: Option<Range<usize>>,
        kind: PieceKind,
    ) {
        let start = self.value.len();
        self.value.push_str(text);
        self.pieces.push(Piece {
            output: start..self.value.len(),
            source,
            expression,
            kind,
        });
    }
}

/// What compose-go's pattern matches at a `$`.
enum Token {
    /// `$` not followed by `$`, `{` or a name start: no match, the `$` stays.
    NoMatch,
    Escape {
        end: usize,
    },
    Named {
        end: usize,
    },
    Braced(Braced),
    /// `${` starting no valid expression; `end` is just after the `${`.
    Invalid {
        end: usize,
    },
}

struct Braced {
    name: Range<usize>,
    operator: Operator,
    /// The text after the operator up to the expression's closing `}`.
    argument: Range<usize>,
    /// `$` to closing `}` inclusive.
    expression: Range<usize>,
    /// End of compose-go's regex match (after the last `}` on the line for an expression with an
    /// operator): the text between `expression.end` and here is interpolated separately.
    match_end: usize,
}

fn is_name_start(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphabetic()
}

fn is_name_char(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphanumeric()
}

fn name_end(bytes: &[u8], start: usize, end: usize) -> usize {
    let mut i = start;
    while i < end && is_name_char(bytes[i]) {
        i += 1;
    }
    i
}

/// Matches compose-go's pattern at `at` (a `$`) within `input[..end]`.
fn scan(input: &str, at: usize, end: usize) -> Token {
    let bytes = input.as_bytes();
    let next = if at + 1 < end { bytes[at + 1] } else { 0 };
    if next == b'$' {
        return Token::Escape { end: at + 2 };
    }
    if is_name_start(next) {
        return Token::Named {
            end: name_end(bytes, at + 1, end),
        };
    }
    if next != b'{' {
        return Token::NoMatch;
    }
    let invalid = Token::Invalid { end: at + 2 };
    let name_start = at + 2;
    if name_start >= end || !is_name_start(bytes[name_start]) {
        return invalid;
    }
    let name = name_start..name_end(bytes, name_start, end);
    let k = name.end;
    if k < end && bytes[k] == b'}' {
        return Token::Braced(Braced {
            name,
            operator: Operator::None,
            argument: k..k,
            expression: at..k + 1,
            match_end: k + 1,
        });
    }
    let colon = k < end && bytes[k] == b':';
    let op_at = if colon { k + 1 } else { k };
    let operator = match bytes.get(op_at).filter(|_| op_at < end) {
        Some(b'-') => Operator::Default { colon },
        Some(b'+') => Operator::Replacement { colon },
        Some(b'?') => Operator::Required { colon },
        _ => return invalid,
    };
    let arg_start = op_at + 1;
    // `(.*)}` with a greedy `.*` that does not cross a newline: the regex match runs to the
    // last `}` on the line.
    let line_end = input[arg_start..end]
        .find('\n')
        .map_or(end, |i| arg_start + i);
    let Some(last_brace) = input[arg_start..line_end].rfind('}').map(|i| arg_start + i) else {
        return invalid;
    };
    // compose-go then cuts the match at the first balancing `}` (skipping the byte after each
    // `{`); unbalanced braces keep the whole match.
    let close = first_balancing_brace(bytes, at, last_brace + 1).unwrap_or(last_brace);
    Token::Braced(Braced {
        name,
        operator,
        argument: arg_start..close,
        expression: at..close + 1,
        match_end: last_brace + 1,
    })
}

/// compose-go `getFirstBraceClosingIndex` over `bytes[start..end]`, as an absolute index.
fn first_balancing_brace(bytes: &[u8], start: usize, end: usize) -> Option<usize> {
    let mut open = 0i32;
    let mut i = start;
    while i < end {
        if bytes[i] == b'}' {
            open -= 1;
            if open == 0 {
                return Some(i);
            }
        }
        if bytes[i] == b'{' {
            open += 1;
            i += 1;
        }
        i += 1;
    }
    None
}

struct Context<'a> {
    input: &'a str,
    vars: &'a dyn Lookup,
    options: Options,
}

impl Output {
    fn new() -> Self {
        Output {
            value: String::new(),
            pieces: Vec::new(),
            unset: Vec::new(),
        }
    }

    fn note_unset(&mut self, name: &str) {
        if !self.unset.iter().any(|n| n == name) {
            self.unset.push(name.to_string());
        }
    }
}

impl Context<'_> {
    /// compose-go `Substitute` of `input[range]`; `expression` is the outermost expression
    /// enclosing `range`, if any.
    fn substitute(
        &self,
        range: Range<usize>,
        expression: Option<Range<usize>>,
        out: &mut Output,
    ) -> Result<(), InterpolateError> {
        let input = self.input;
        let mut pos = range.start;
        let mut literal_start = pos;
        let flush = |out: &mut Output, from: usize, to: usize| {
            if from < to {
                out.push(
                    &input[from..to],
                    from..to,
                    expression.clone(),
                    PieceKind::Literal,
                );
            }
        };
        while let Some(found) = input[pos..range.end].find('$') {
            let at = pos + found;
            let token = scan(input, at, range.end);
            if matches!(token, Token::NoMatch) {
                pos = at + 1;
                continue;
            }
            flush(out, literal_start, at);
            pos = match token {
                Token::NoMatch => unreachable!("handled above"),
                Token::Escape { end } => {
                    out.push("$", at..end, expression.clone(), PieceKind::Escape);
                    end
                }
                Token::Named { end } => {
                    self.plain(&input[at + 1..end], at..end, expression.clone(), out);
                    end
                }
                Token::Invalid { end } => return Err(invalid(input, &range, at, end)),
                Token::Braced(braced) => {
                    self.braced(&braced, expression.clone(), out)?;
                    // compose-go interpolates the rest of its regex match as a string of its
                    // own (which only changes the template an error reports).
                    if braced.match_end > braced.expression.end {
                        self.substitute(
                            braced.expression.end..braced.match_end,
                            expression.clone(),
                            out,
                        )?;
                    }
                    braced.match_end
                }
            };
            literal_start = pos;
        }
        flush(out, literal_start, range.end);
        Ok(())
    }

    fn braced(
        &self,
        braced: &Braced,
        expression: Option<Range<usize>>,
        out: &mut Output,
    ) -> Result<(), InterpolateError> {
        let whole = braced.expression.clone();
        let name = &self.input[braced.name.clone()];
        if braced.operator == Operator::None {
            self.plain(name, whole, expression, out);
            return Ok(());
        }
        let inner = expression.or_else(|| Some(whole.clone()));
        if self.options.eager_arguments {
            // Old compose-go interpolated the argument first, failing or warning even when the
            // argument was not used.
            let mut scratch = Output::new();
            self.substitute(braced.argument.clone(), inner.clone(), &mut scratch)?;
            for unset in &scratch.unset {
                out.note_unset(unset);
            }
        }
        let value = self.vars.get(name);
        let is_set = value.is_some();
        let non_empty = value.is_some_and(|v| !v.is_empty());
        let use_argument = match braced.operator {
            Operator::None => unreachable!("handled above"),
            Operator::Default { colon } | Operator::Required { colon } => {
                !is_set || (colon && !non_empty)
            }
            Operator::Replacement { colon } => is_set && (!colon || non_empty),
        };
        if !use_argument {
            out.push(
                value.unwrap_or(""),
                whole,
                inner,
                PieceKind::Variable {
                    name: name.to_string(),
                },
            );
            return Ok(());
        }
        if !matches!(braced.operator, Operator::Required { .. }) {
            return self.substitute(braced.argument.clone(), inner, out);
        }
        // The interpolation fails: names unset in the reason need no warning.
        let mut reason = Output::new();
        self.substitute(braced.argument.clone(), inner, &mut reason)?;
        let reason = reason.value;
        let message = if reason.is_empty() {
            format!("required variable {name} is missing a value")
        } else {
            format!("required variable {name} is missing a value: {reason}")
        };
        Err(InterpolateError {
            message,
            offset: whole.start,
            len: whole.len(),
            kind: InterpolateErrorKind::MissingRequired {
                variable: name.to_string(),
                reason,
            },
        })
    }

    /// `$NAME` / `${NAME}`: the value, or the empty string and a warning.
    fn plain(
        &self,
        name: &str,
        source: Range<usize>,
        expression: Option<Range<usize>>,
        out: &mut Output,
    ) {
        let value = self.vars.get(name);
        if value.is_none() {
            out.note_unset(name);
        }
        let expression = expression.or_else(|| Some(source.clone()));
        out.push(
            value.unwrap_or(""),
            source,
            expression,
            PieceKind::Variable {
                name: name.to_string(),
            },
        );
    }
}

/// The error for an invalid `${` at `at` (`end` just after it) found while interpolating
/// `input[range]`; the error covers the text up to the next `}` on the line.
fn invalid(input: &str, range: &Range<usize>, at: usize, end: usize) -> InterpolateError {
    let line_end = input[end..range.end]
        .find('\n')
        .map_or(range.end, |i| end + i);
    let bad_end = input[end..line_end]
        .find('}')
        .map_or(line_end, |i| end + i + 1);
    let template = &input[range.clone()];
    InterpolateError {
        message: format!(
            "invalid interpolation format for {template:?}: you may need to escape any $ with another $"
        ),
        offset: at,
        len: bad_end - at,
        kind: InterpolateErrorKind::InvalidTemplate {
            template: template.to_string(),
        },
    }
}
