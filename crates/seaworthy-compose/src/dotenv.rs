//! `.env` and `env_file:` files read as Docker Compose (compose-go `dotenv`) reads them, with the
//! byte span of every key and value.
//!
//! The grammar, including compose-go's quirks (each checked against `docker compose config`):
//!
//! - Blank space (newlines included) between statements is skipped; a statement starting with
//!   `#` is a comment to the end of the line. A UTF-8 byte order mark at the start is ignored.
//! - `export ` before a key is dropped. A key runs to `=`, `:` (YAML style `KEY: value`) or the
//!   end of the line; it may hold letters and digits of any script and `_ . - [ ]`; blanks
//!   inside it are an error (`key cannot contain a space`), other characters are an error
//!   (`unexpected character`). Keys starting with a digit are kept.
//! - `KEY` alone on its line takes the value from the environment (the lookup) and is left out
//!   when the lookup has none.
//! - Blanks after the separator are skipped. An unquoted value runs to the end of the line; a
//!   ` #` (space then `#`) starts a comment; trailing blanks are dropped. So `A= #x` is `#x` and
//!   `A=x\t#y` is `x\t#y`.
//! - `'...'` is literal except that `\'` is a quote; `"..."` understands `\"`, `\\`, `\n`, `\t`,
//!   `\r`, `\a`, `\b`, `\f`, `\v`, `\$` and octal `\0ooo`; both may span lines. Text after
//!   the closing quote on the same line is read as the next statement (`A="x" B=1` sets `B`).
//! - Unquoted and double-quoted values are interpolated ([`crate::interpolate`]) with the lookup
//!   first and then the keys defined earlier in the file: the process environment wins over
//!   the file's own earlier keys.
//! - A last line without a newline and without `=` (`KEY` at end of file) sets the empty key to
//!   `KEY` in compose-go; it is returned as such (an [`Entry`] with an empty `key`).

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use crate::interpolate;

/// One `KEY=value` (or inherited `KEY`) statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    /// The value after unquoting, escape processing and interpolation.
    pub value: String,
    /// 1-based line of the key.
    pub line: usize,
    pub key_span: Range<usize>,
    /// The value as written, quotes included; empty (at the end of the key) for an inherited
    /// key.
    pub value_span: Range<usize>,
    /// `'` or `"` when the value is quoted.
    pub quote: Option<char>,
    /// `KEY` alone: the value came from the lookup.
    pub inherited: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvError {
    /// compose-go's message without its `line N: ` prefix.
    pub message: String,
    /// 1-based line of the statement at fault (for an unterminated quote: where it opens;
    /// compose-go reports the last line of the file).
    pub line: usize,
    pub span: Range<usize>,
}

impl fmt::Display for DotenvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for DotenvError {}

/// Parses an env file. `lookup` gives the variables that win over the file's own keys: the
/// process environment, and for a project's `.env` files the values of earlier env files.
pub fn parse(
    src: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Entry>, DotenvError> {
    parse_with(src, lookup, interpolate::Options::default())
}

/// [`parse`] with the interpolation of values imitating a given compose-go generation.
pub fn parse_with(
    src: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    options: interpolate::Options,
) -> Result<Vec<Entry>, DotenvError> {
    let mut parser = Parser {
        src,
        lookup,
        options,
        entries: Vec::new(),
    };
    let start = if src.starts_with('\u{feff}') { 3 } else { 0 };
    parser.run(start)?;
    Ok(parser.entries)
}

struct Parser<'a> {
    src: &'a str,
    lookup: &'a dyn Fn(&str) -> Option<String>,
    options: interpolate::Options,
    entries: Vec<Entry>,
}

/// Blanks that do not end a line (compose-go `isSpace`).
fn is_blank(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    )
}

fn skip_blanks(src: &str, mut pos: usize) -> usize {
    while let Some(c) = src[pos..].chars().next().filter(|&c| is_blank(c)) {
        pos += c.len_utf8();
    }
    pos
}

impl Parser<'_> {
    fn line_of(&self, offset: usize) -> usize {
        1 + self.src.as_bytes()[..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
    }

    fn error(&self, message: String, line_at: usize, span: Range<usize>) -> DotenvError {
        DotenvError {
            message,
            line: self.line_of(line_at),
            span,
        }
    }

    fn run(&mut self, mut pos: usize) -> Result<(), DotenvError> {
        let src = self.src;
        loop {
            // Statement start: skip all white space and comment lines.
            match src[pos..].char_indices().find(|&(_, c)| !c.is_whitespace()) {
                None => return Ok(()),
                Some((i, '#')) => {
                    pos += i;
                    match src[pos..].find('\n') {
                        Some(nl) => pos += nl,
                        None => return Ok(()),
                    }
                    continue;
                }
                Some((i, _)) => pos += i,
            }
            pos = self.statement(pos)?;
        }
    }

    /// Parses the statement at `start`; returns where the next one may begin.
    fn statement(&mut self, start: usize) -> Result<usize, DotenvError> {
        let src = self.src;
        let mut key_start = start;
        if let Some(after) = src[start..].strip_prefix("export") {
            // compose-go matches `^export\s+` (RE2 `\s` includes the newline) but then only
            // drops the blanks.
            if after.starts_with([' ', '\t', '\n', '\u{c}', '\r']) {
                key_start = skip_blanks(src, start + "export".len());
            }
        }
        let mut terminator = None;
        for (i, c) in src[key_start..].char_indices() {
            if is_blank(c) {
                continue;
            }
            match c {
                '=' | ':' | '\n' => {
                    terminator = Some((key_start + i, c));
                    break;
                }
                '_' | '.' | '-' | '[' | ']' => {}
                c if c.is_alphabetic() || c.is_numeric() => {}
                c => {
                    let line_end = src[key_start..]
                        .find('\n')
                        .map_or(src.len(), |n| key_start + n);
                    let at = key_start + i;
                    return Err(self.error(
                        format!(
                            "unexpected character {:?} in variable name {:?}",
                            c.to_string(),
                            &src[key_start..line_end]
                        ),
                        key_start,
                        at..at + c.len_utf8(),
                    ));
                }
            }
        }
        // Without a terminator (last line, no `=`), compose-go leaves the key empty and reads
        // the whole line as the value.
        let (key_span, value_start, inherited) = match terminator {
            Some((at, c)) => {
                let key = &src[key_start..at];
                let key_end = key_start + key.trim_end().len();
                (key_start..key_end, at + 1, c == '\n')
            }
            None => (key_start..key_start, key_start, false),
        };
        let key = &src[key_span.clone()];
        if key.contains(' ') {
            return Err(self.error(
                "key cannot contain a space".to_string(),
                key_start,
                key_span,
            ));
        }
        let line = self.line_of(key_start);
        let value_start = skip_blanks(src, value_start);
        if inherited {
            if let Some(value) = (!key.is_empty()).then(|| (self.lookup)(key)).flatten() {
                self.entries.push(Entry {
                    key: key.to_string(),
                    value,
                    line,
                    value_span: key_span.end..key_span.end,
                    key_span,
                    quote: None,
                    inherited: true,
                });
            }
            return Ok(value_start);
        }
        let (value, value_span, quote, next) = self.value(value_start)?;
        self.entries.push(Entry {
            key: key.to_string(),
            value,
            line,
            key_span,
            value_span,
            quote,
            inherited: false,
        });
        Ok(next)
    }

    /// Reads the value at `start`: (value, span as written, quote, where the next statement
    /// may begin).
    fn value(
        &self,
        start: usize,
    ) -> Result<(String, Range<usize>, Option<char>, usize), DotenvError> {
        let src = self.src;
        let quote = match src.as_bytes().get(start) {
            Some(b'\'') => '\'',
            Some(b'"') => '"',
            _ => {
                let (line_end, next) = match src[start..].find('\n') {
                    Some(n) => (start + n, start + n + 1),
                    None => (src.len(), src.len()),
                };
                let mut text = &src[start..line_end];
                if let Some(comment) = text.find(" #") {
                    text = &text[..comment];
                }
                let text = text.trim_end();
                let span = start..start + text.len();
                let value = self.interpolate(text, span.clone(), false)?;
                return Ok((value, span, None, next));
            }
        };
        let bytes = src.as_bytes();
        let mut chars = Vec::new();
        let mut escaped = false;
        for (i, &b) in bytes.iter().enumerate().skip(start + 1) {
            if b != quote as u8 {
                if !escaped && b == b'\\' {
                    escaped = true;
                    continue;
                }
                if escaped {
                    escaped = false;
                    chars.push(b'\\');
                }
                chars.push(b);
                continue;
            }
            if escaped {
                escaped = false;
                chars.push(b);
                continue;
            }
            let text =
                String::from_utf8(chars).expect("bytes copied from a str up to an ASCII quote");
            let span = start..i + 1;
            let value = if quote == '"' {
                self.interpolate(&expand_escapes(&text), span.clone(), true)?
            } else {
                text
            };
            return Ok((value, span, Some(quote), i + 1));
        }
        let line_end = src[start..].find('\n').map_or(src.len(), |n| start + n);
        Err(self.error(
            format!("unterminated quoted value {}", &src[start..line_end]),
            start,
            start..line_end,
        ))
    }

    /// Interpolates a value; `rewritten` says the text is not a verbatim slice of `span`
    /// (escapes were processed), so errors point at the whole value.
    fn interpolate(
        &self,
        text: &str,
        span: Range<usize>,
        rewritten: bool,
    ) -> Result<String, DotenvError> {
        // The variables the value can refer to, as compose-go's lookup sees them: the caller's
        // lookup first, then the latest earlier definition in the file.
        let mut scope = HashMap::new();
        for name in interpolate::referenced_variables(text) {
            if scope.contains_key(&name.name) {
                continue;
            }
            let value = (self.lookup)(&name.name).or_else(|| {
                let earlier = self.entries.iter().rev().find(|e| e.key == name.name);
                earlier.map(|e| e.value.clone())
            });
            if let Some(value) = value {
                scope.insert(name.name, value);
            }
        }
        interpolate::interpolate_with(text, &scope, self.options)
            .map(|done| done.value)
            .map_err(|e| {
                let at = if rewritten {
                    span.clone()
                } else {
                    span.start + e.offset..span.start + e.offset + e.len
                };
                self.error(e.message, at.start, at)
            })
    }
}

/// compose-go `expandEscapes`: the escapes a double-quoted value understands; `\$` becomes
/// `$$` so that interpolation yields a literal `$`.
fn expand_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let next = rest.as_bytes().get(1).copied();
        let simple = match next {
            Some(b'a') => Some("\u{7}"),
            Some(b'b') => Some("\u{8}"),
            Some(b'c') => Some("\\c"), // matched, but no escape in Go: kept as written
            Some(b'f') => Some("\u{c}"),
            Some(b'n') => Some("\n"),
            Some(b'r') => Some("\r"),
            Some(b't') => Some("\t"),
            Some(b'v') => Some("\u{b}"),
            Some(b'$') => Some("$$"),
            Some(b'"') => Some("\""),
            Some(b'\\') => Some("\\"),
            _ => None,
        };
        if let Some(replacement) = simple {
            out.push_str(replacement);
            rest = &rest[2..];
            continue;
        }
        if next == Some(b'0') {
            // `\0` and up to three digits; compose-go rewrites `\0` to `\` and unquotes `\ooo`
            // as Go would, keeping the rewritten text when that fails.
            let digits = rest[2..]
                .bytes()
                .take(3)
                .take_while(u8::is_ascii_digit)
                .count();
            let octal = &rest[2..2 + digits];
            let parsed = (digits == 3 && octal.bytes().all(|d| d < b'8'))
                .then(|| u32::from_str_radix(octal, 8).ok())
                .flatten()
                .filter(|&v| v <= 255)
                .and_then(char::from_u32);
            match parsed {
                Some(c) => out.push(c),
                None => {
                    out.push('\\');
                    out.push_str(octal);
                }
            }
            rest = &rest[2 + digits..];
            continue;
        }
        out.push('\\');
        rest = &rest[1..];
    }
    out.push_str(rest);
    out
}
