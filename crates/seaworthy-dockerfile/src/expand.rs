//! Word expansion (BuildKit shell lexer semantics).
//!
//! Dockerfile instructions such as `ENV`, `ARG`, `COPY` or `WORKDIR` expand `$VAR` and `${VAR…}`
//! themselves, without a shell, using BuildKit's own lexer (`frontend/dockerfile/shell`). That
//! lexer is not POSIX `sh`: it supports only some parameter-expansion forms, its patterns are
//! translated to regular expressions, and its field splitting has quirks of its own. A linter that
//! reasons about the value an instruction will really see must reproduce those rules exactly, so
//! this module follows BuildKit's behaviour rather than the shell's, quirks included (they are
//! pointed out where they are implemented).
//!
//! ```
//! use seaworthy_dockerfile::expand::Lexer;
//! let env = vec![("APP".to_string(), "web".to_string())];
//! let lexer = Lexer::new('\\');
//! let expansion = lexer.process_word("/srv/${APP}/${MODE:-prod}", &env).unwrap();
//! assert_eq!(expansion.value, "/srv/web/prod");
//! assert!(expansion.unmatched.contains("MODE"));
//! ```

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::{self, Write as _};
use std::hash::BuildHasher;

/// Where variables come from: the build args and environment in effect at an instruction.
///
/// Names are compared case-sensitively, as BuildKit does on Linux.
pub trait Env {
    /// The value of `name`, or `None` when it is unset (set-but-empty is `Some("")`).
    fn lookup(&self, name: &str) -> Option<&str>;
}

impl<S: BuildHasher> Env for HashMap<String, String, S> {
    fn lookup(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

impl Env for BTreeMap<String, String> {
    fn lookup(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

/// Later entries win, like repeated `ENV`/`ARG` lines and BuildKit's environment lists.
impl Env for [(String, String)] {
    fn lookup(&self, name: &str) -> Option<&str> {
        self.iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

impl<const N: usize> Env for [(String, String); N] {
    fn lookup(&self, name: &str) -> Option<&str> {
        self.as_slice().lookup(name)
    }
}

impl Env for Vec<(String, String)> {
    fn lookup(&self, name: &str) -> Option<&str> {
        self.as_slice().lookup(name)
    }
}

impl<T: Env + ?Sized> Env for &T {
    fn lookup(&self, name: &str) -> Option<&str> {
        (**self).lookup(name)
    }
}

/// A word BuildKit refuses to expand; the message is worded as BuildKit's, so that users
/// recognise what `docker build` would have told them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpandError {
    /// For example `failed to process "${X:?}": X: is not allowed to be unset`.
    pub message: String,
}

impl fmt::Display for ExpandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExpandError {}

/// The expanded word, and which variables it referred to (for rules about undefined variables).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expansion {
    pub value: String,
    /// Names looked up and found set (possibly to the empty string).
    pub matched: BTreeSet<String>,
    /// Names looked up and found unset.
    pub unmatched: BTreeSet<String>,
}

/// BuildKit's word lexer. Its switches mirror the ones BuildKit flips for particular uses.
#[derive(Debug, Clone, Copy)]
pub struct Lexer {
    /// The Dockerfile's escape character: `\` by default, or the one its `# escape=` directive
    /// names (a backtick in Windows-style Dockerfiles).
    pub escape: char,
    /// Keep quote characters in the output (BuildKit uses this to detect quoted heredoc words).
    pub raw_quotes: bool,
    /// Keep escape characters in the output.
    pub raw_escapes: bool,
    /// Leave references to unset variables as written instead of expanding them to nothing.
    pub skip_unset_env: bool,
    /// Treat quotes as ordinary characters.
    pub skip_process_quotes: bool,
}

impl Default for Lexer {
    fn default() -> Self {
        Self::new('\\')
    }
}

impl Lexer {
    /// A lexer with the given escape character and every switch off.
    pub fn new(escape: char) -> Self {
        Self {
            escape,
            raw_quotes: false,
            raw_escapes: false,
            skip_unset_env: false,
            skip_process_quotes: false,
        }
    }

    /// Expands `word` as one string (BuildKit's `ProcessWord`): quotes are removed and spaces
    /// kept.
    pub fn process_word(&self, word: &str, env: &dyn Env) -> Result<Expansion, ExpandError> {
        if self.is_plain(word) {
            return Ok(Expansion {
                value: word.to_owned(),
                ..Expansion::default()
            });
        }
        let mut expander = Expander::new(*self, word, env, true);
        let mut value = String::with_capacity(word.len());
        expander
            .process_stop_on(None, self.raw_escapes, Out::Text(&mut value))
            .map_err(|reason| wrap_error(word, &reason))?;
        Ok(Expansion {
            value,
            matched: expander.matched,
            unmatched: expander.unmatched,
        })
    }

    /// Expands `word` and splits the result into fields (BuildKit's `ProcessWords`): whitespace
    /// produced by expansion splits, quoted or escaped whitespace does not.
    ///
    /// BuildKit's quirks are kept: an empty quoted string yields no field, and a `${…}` form
    /// with an operator (`${A:-x}`, `${A#p}`, `${A/p/r}`…) discards what the current field held
    /// before it (`pre${A:-x}post` gives `xpost`), because BuildKit's nested lexer resets the
    /// buffer it shares with the outer one.
    pub fn process_words(&self, word: &str, env: &dyn Env) -> Result<Vec<String>, ExpandError> {
        if self.is_plain(word) {
            return Ok(word.split_whitespace().map(str::to_owned).collect());
        }
        let mut expander = Expander::new(*self, word, env, false);
        expander
            .process_stop_on(None, self.raw_escapes, Out::Fields)
            .map_err(|reason| wrap_error(word, &reason))?;
        Ok(expander.fields.finish())
    }

    /// True when `word` holds nothing the lexer would treat specially, so it expands to itself.
    fn is_plain(&self, word: &str) -> bool {
        if word.starts_with(BYTE_ORDER_MARK)
            || (!self.escape.is_ascii() && word.contains(self.escape))
        {
            return false;
        }
        let escape = self.escape_byte();
        !word
            .bytes()
            .any(|b| is_special_byte(b, escape, self.skip_process_quotes))
    }

    /// The escape character as a byte, when it is ASCII (the only case fast paths handle).
    fn escape_byte(&self) -> Option<u8> {
        u8::try_from(self.escape).ok().filter(u8::is_ascii)
    }
}

/// BuildKit's scanner (Go's `text/scanner`) skips a byte-order mark at the very start.
const BYTE_ORDER_MARK: char = '\u{FEFF}';

/// What Go prints for a rune that is not one: `string(scanner.EOF)` in BuildKit's messages.
const REPLACEMENT: char = '\u{FFFD}';

fn is_special_byte(b: u8, escape: Option<u8>, skip_process_quotes: bool) -> bool {
    matches!(b, b'$' | b'<')
        || Some(b) == escape
        || (!skip_process_quotes && matches!(b, b'\'' | b'"'))
}

fn wrap_error(word: &str, reason: &str) -> ExpandError {
    ExpandError {
        message: format!("failed to process {}: {reason}", go_quote(word)),
    }
}

/// Where a lexing pass writes: a string, or (only for the outermost pass of `process_words`)
/// the field splitter.
enum Out<'o> {
    Text(&'o mut String),
    Fields,
}

/// BuildKit's field splitter. Its buffer is shared with nested passes, which clear it.
#[derive(Default)]
struct Fields {
    words: Vec<String>,
    buf: String,
    in_word: bool,
}

impl Fields {
    /// An unquoted character: whitespace ends the current field.
    fn add_char(&mut self, ch: char) {
        if ch.is_whitespace() {
            // BuildKit only ends a field that has content; an empty one (after `""`) stays open.
            if self.in_word && !self.buf.is_empty() {
                self.words.push(std::mem::take(&mut self.buf));
                self.in_word = false;
            }
        } else {
            self.add_raw_char(ch);
        }
    }

    fn add_raw_char(&mut self, ch: char) {
        self.buf.push(ch);
        self.in_word = true;
    }

    /// Unquoted text: the same as `add_char` for each character, a slice at a time.
    fn add_expanded(&mut self, text: &str) {
        for (index, piece) in text.split(char::is_whitespace).enumerate() {
            if index > 0 {
                self.add_char(' ');
            }
            if !piece.is_empty() {
                self.add_raw_str(piece);
            }
        }
    }

    fn add_raw_str(&mut self, text: &str) {
        self.buf.push_str(text);
        self.in_word = true;
    }

    fn finish(mut self) -> Vec<String> {
        if !self.buf.is_empty() {
            self.words.push(self.buf);
        }
        self.words
    }
}

/// One expansion in progress: the input, the read position and what has been collected.
/// The most one word may expand to. BuildKit has no bound, and nested `${V//p/r}` grows
/// exponentially with nesting depth; no real Dockerfile comes near this, while a hostile one
/// must not take all memory.
pub const MAX_EXPANSION: usize = 1 << 20;

fn too_large() -> String {
    format!("expansion exceeds {MAX_EXPANSION} bytes")
}

struct Expander<'a> {
    /// Bytes produced by variable expansions so far (all nesting levels).
    produced: usize,
    lexer: Lexer,
    escape_byte: Option<u8>,
    src: &'a str,
    pos: usize,
    env: &'a dyn Env,
    capture: bool,
    matched: BTreeSet<String>,
    unmatched: BTreeSet<String>,
    fields: Fields,
}

impl<'a> Expander<'a> {
    fn new(lexer: Lexer, src: &'a str, env: &'a dyn Env, capture: bool) -> Self {
        let pos = if src.starts_with(BYTE_ORDER_MARK) {
            BYTE_ORDER_MARK.len_utf8()
        } else {
            0
        };
        Self {
            produced: 0,
            lexer,
            escape_byte: lexer.escape_byte(),
            src,
            pos,
            env,
            capture,
            matched: BTreeSet::new(),
            unmatched: BTreeSet::new(),
            fields: Fields::default(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn next_char(&mut self) -> Option<char> {
        let ch = self.peek()?;
        self.pos += ch.len_utf8();
        Some(ch)
    }

    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    fn get_env(&mut self, name: &str) -> Option<&'a str> {
        let value = self.env.lookup(name);
        if self.capture {
            let set = if value.is_some() {
                &mut self.matched
            } else {
                &mut self.unmatched
            };
            if !set.contains(name) {
                set.insert(name.to_owned());
            }
        }
        value
    }

    /// Lexes up to `stop` (consumed) or the end of input. `raw_escapes` is per pass because
    /// BuildKit keeps escapes in patterns but processes them in `${A:-word}` words.
    fn process_stop_on(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
        mut out: Out<'_>,
    ) -> Result<(), String> {
        if matches!(out, Out::Text(_)) {
            // A nested pass resets the field buffer BuildKit shares between passes.
            self.fields.buf.clear();
        }
        let stop_byte = stop.and_then(|c| u8::try_from(c).ok());
        while let Some(ch) = self.peek() {
            if Some(ch) == stop {
                self.pos += ch.len_utf8();
                return Ok(());
            }
            let run = self.plain_run(stop_byte);
            if run > 0 {
                let plain = &self.src[self.pos..self.pos + run];
                self.pos += run;
                match &mut out {
                    Out::Text(text) => text.push_str(plain),
                    Out::Fields => self.fields.add_expanded(plain),
                }
                continue;
            }
            match ch {
                '$' => {
                    let value = self.process_dollar()?;
                    self.produced += value.len();
                    if self.produced > MAX_EXPANSION {
                        return Err(too_large());
                    }
                    match &mut out {
                        Out::Text(text) => text.push_str(&value),
                        Out::Fields => self.fields.add_expanded(&value),
                    }
                }
                '<' => {
                    let heredoc = self.process_possible_heredoc();
                    match &mut out {
                        Out::Text(text) => text.push_str(heredoc),
                        Out::Fields => self.fields.add_raw_str(heredoc),
                    }
                }
                '\'' if !self.lexer.skip_process_quotes => {
                    let quoted = self.process_single_quote()?;
                    match &mut out {
                        Out::Text(text) => text.push_str(quoted),
                        Out::Fields => self.fields.add_raw_str(quoted),
                    }
                }
                '"' if !self.lexer.skip_process_quotes => match &mut out {
                    Out::Text(text) => self.process_double_quote(raw_escapes, text)?,
                    Out::Fields => {
                        let mut quoted = String::new();
                        self.process_double_quote(raw_escapes, &mut quoted)?;
                        self.fields.add_raw_str(&quoted);
                    }
                },
                _ => {
                    self.pos += ch.len_utf8();
                    if ch == self.lexer.escape {
                        if raw_escapes {
                            self.emit_raw_char(&mut out, ch);
                        }
                        // An escape at the very end is dropped.
                        let Some(escaped) = self.next_char() else {
                            break;
                        };
                        self.emit_raw_char(&mut out, escaped);
                    } else {
                        match &mut out {
                            Out::Text(text) => text.push(ch),
                            Out::Fields => self.fields.add_char(ch),
                        }
                    }
                }
            }
        }
        match stop {
            Some(stop) => Err(format!(
                "unexpected end of statement while looking for matching {stop}"
            )),
            None => Ok(()),
        }
    }

    fn emit_raw_char(&mut self, out: &mut Out<'_>, ch: char) {
        match out {
            Out::Text(text) => text.push(ch),
            Out::Fields => self.fields.add_raw_char(ch),
        }
    }

    /// Length in bytes of the run of ordinary characters at the read position (0 when the
    /// escape character is not ASCII, where the byte scan does not apply).
    fn plain_run(&self, stop: Option<u8>) -> usize {
        let Some(escape) = self.escape_byte else {
            return 0;
        };
        let rest = &self.src.as_bytes()[self.pos..];
        rest.iter()
            .position(|&b| {
                Some(b) == stop || is_special_byte(b, Some(escape), self.lexer.skip_process_quotes)
            })
            .unwrap_or(rest.len())
    }

    /// `<` or `<<` plus following blanks, passed through whole so that field splitting keeps
    /// `<< EOF` together (BuildKit needs that to find heredoc words).
    fn process_possible_heredoc(&mut self) -> &'a str {
        let src = self.src;
        let start = self.pos;
        self.pos += 1;
        if self.peek() == Some('<') {
            self.pos += 1;
            let blanks = src[self.pos..]
                .bytes()
                .take_while(|b| matches!(b, b'\t' | b'\r' | b' '))
                .count();
            self.pos += blanks;
        }
        &src[start..self.pos]
    }

    /// Everything up to the next `'` is literal; there is no way to escape a `'`.
    fn process_single_quote(&mut self) -> Result<&'a str, String> {
        let src = self.src;
        let open = self.pos;
        let Some(len) = src[open + 1..].find('\'') else {
            self.pos = src.len();
            return Err(
                "unexpected end of statement while looking for matching single-quote".to_owned(),
            );
        };
        let close = open + 1 + len;
        self.pos = close + 1;
        Ok(if self.lexer.raw_quotes {
            &src[open..=close]
        } else {
            &src[open + 1..close]
        })
    }

    /// Variables expand inside double quotes; the escape character escapes only `"`, `$` and
    /// itself, and is kept literally before anything else.
    fn process_double_quote(&mut self, raw_escapes: bool, out: &mut String) -> Result<(), String> {
        let escape = self.lexer.escape;
        self.pos += 1;
        if self.lexer.raw_quotes {
            out.push('"');
        }
        loop {
            match self.peek() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching double-quote"
                            .to_owned(),
                    )
                }
                Some('"') => {
                    self.pos += 1;
                    if self.lexer.raw_quotes {
                        out.push('"');
                    }
                    return Ok(());
                }
                Some('$') => {
                    let value = self.process_dollar()?;
                    out.push_str(&value);
                }
                Some(mut ch) => {
                    self.pos += ch.len_utf8();
                    if ch == escape {
                        if raw_escapes {
                            // BuildKit then writes the escape a second time when it escapes
                            // nothing: `"\a"` gives `\\a` with raw escapes.
                            out.push(ch);
                        }
                        match self.peek() {
                            // The missing closing quote is reported on the next turn.
                            None => continue,
                            Some(next) if next == '"' || next == '$' || next == escape => {
                                self.pos += next.len_utf8();
                                ch = next;
                            }
                            Some(_) => {}
                        }
                    }
                    out.push(ch);
                }
            }
        }
    }

    /// A name after `$`: a run of digits (positional parameter), one special parameter
    /// character, or letters, digits and underscores, with Go's Unicode classes.
    fn process_name(&mut self) -> &'a str {
        let src = self.src;
        let start = self.pos;
        let rest = &src[start..];
        let len = match rest.chars().next() {
            None => 0,
            Some(first) if is_go_digit(first) => {
                rest.find(|c: char| !is_go_digit(c)).unwrap_or(rest.len())
            }
            Some(first) if is_special_param(first) => first.len_utf8(),
            Some(_) => rest
                .find(|c: char| !(is_go_letter(c) || is_go_digit(c) || c == '_'))
                .unwrap_or(rest.len()),
        };
        self.pos += len;
        &src[start..start + len]
    }

    fn process_dollar(&mut self) -> Result<Cow<'a, str>, String> {
        let src = self.src;
        let start = self.pos;
        self.pos += 1;

        if self.peek() != Some('{') {
            let name = self.process_name();
            if name.is_empty() {
                return Ok(Cow::Borrowed("$"));
            }
            return Ok(match self.get_env(name) {
                Some(value) => Cow::Borrowed(value),
                None if self.lexer.skip_unset_env => Cow::Borrowed(&src[start..self.pos]),
                None => Cow::Borrowed(""),
            });
        }

        self.pos += 1;
        match self.peek() {
            None => return Err(MISSING_BRACE.to_owned()),
            Some('{' | '}' | ':') => return Err("syntax error: bad substitution".to_owned()),
            Some(_) => {}
        }
        let name = self.process_name();
        match self.next_char() {
            Some('}') => Ok(match self.get_env(name) {
                Some(value) => Cow::Borrowed(value),
                None if self.lexer.skip_unset_env => Cow::Borrowed(&src[start..self.pos]),
                None => Cow::Borrowed(""),
            }),
            Some(':') => {
                let operator = self.next_char();
                self.process_modifier(name, true, operator)
            }
            Some(operator @ ('+' | '-' | '?' | '#' | '%')) => {
                self.process_modifier(name, false, Some(operator))
            }
            Some('/') => self.process_substitution(name),
            other => Err(unsupported_modifier(&modifier_text(false, other))),
        }
    }

    /// `${name[:]op word}` for the operators `-`, `+`, `?`, `#`, `##`, `%` and `%%`.
    ///
    /// Like BuildKit, the word is lexed before the operator is validated, so `${A:=x}` is an
    /// error only once the word is complete, and not at all when the variable is unset and
    /// unset variables are left as written.
    fn process_modifier(
        &mut self,
        name: &'a str,
        null_is_unset: bool,
        operator: Option<char>,
    ) -> Result<Cow<'a, str>, String> {
        let is_trim = matches!(operator, Some('#' | '%'));
        if null_is_unset && is_trim {
            return Err(unsupported_modifier(&modifier_text(true, operator)));
        }
        let mut word = String::new();
        if let Err(reason) = self.process_stop_on(Some('}'), is_trim, Out::Text(&mut word)) {
            return Err(if self.at_end() {
                MISSING_BRACE.to_owned()
            } else {
                reason
            });
        }

        let value = self.get_env(name);
        if self.lexer.skip_unset_env && value.is_none() {
            let modifier = modifier_text(null_is_unset, operator);
            return Ok(Cow::Owned(format!("${{{name}{modifier}{word}}}")));
        }
        let counts_as_unset = match value {
            None => true,
            Some(value) => null_is_unset && value.is_empty(),
        };

        match operator {
            Some('-') => Ok(match value {
                Some(value) if !counts_as_unset => Cow::Borrowed(value),
                _ => Cow::Owned(word),
            }),
            Some('+') => Ok(if counts_as_unset {
                Cow::Borrowed("")
            } else {
                Cow::Owned(word)
            }),
            Some('?') => match value {
                Some(value) if !counts_as_unset => Ok(Cow::Borrowed(value)),
                _ => {
                    let message = if !word.is_empty() {
                        word.as_str()
                    } else if value.is_none() {
                        "is not allowed to be unset"
                    } else {
                        "is not allowed to be empty"
                    };
                    Err(format!("{name}: {message}"))
                }
            },
            Some(op @ ('#' | '%')) => {
                // The doubled operator is recognised on the expanded word, so a variable
                // expanding to `#…` makes `${A#$P}` greedy.
                let (greedy, pattern) = match word.strip_prefix(op) {
                    Some(rest) => (true, rest),
                    None => (false, word.as_str()),
                };
                let value = value.unwrap_or("");
                if op == '%' {
                    trim_suffix(pattern, value, greedy).map(Cow::Owned)
                } else {
                    trim_prefix(pattern, value, greedy).map(Cow::Borrowed)
                }
            }
            _ => Err(unsupported_modifier(&modifier_text(
                null_is_unset,
                operator,
            ))),
        }
    }

    /// `${name/pattern/replacement}` and `${name//pattern/replacement}`.
    fn process_substitution(&mut self, name: &'a str) -> Result<Cow<'a, str>, String> {
        let replace_all = self.peek() == Some('/');
        if replace_all {
            self.pos += 1;
        }
        let mut pattern = String::new();
        if let Err(reason) = self.process_stop_on(Some('/'), true, Out::Text(&mut pattern)) {
            return Err(if self.at_end() {
                "syntax error: missing '/' in ${}".to_owned()
            } else {
                reason
            });
        }
        let mut replacement = String::new();
        if let Err(reason) = self.process_stop_on(Some('}'), true, Out::Text(&mut replacement)) {
            return Err(if self.at_end() {
                MISSING_BRACE.to_owned()
            } else {
                reason
            });
        }

        let value = self.get_env(name);
        if self.lexer.skip_unset_env && value.is_none() {
            // BuildKit writes a single `/` back even for `//`.
            return Ok(Cow::Owned(format!("${{{name}/{pattern}/{replacement}}}")));
        }
        let compiled = ShellPattern::compile(&pattern, true)
            .map_err(|detail| invalid_pattern(&pattern, &detail))?;
        let value = value.unwrap_or("");
        if replace_all {
            return compiled
                .replace_all(value, &replacement, MAX_EXPANSION)
                .map(Cow::Owned)
                .ok_or_else(too_large);
        }
        Ok(match compiled.matcher(value).find_from(0) {
            Some((from, to)) => {
                Cow::Owned([&value[..from], replacement.as_str(), &value[to..]].concat())
            }
            None => Cow::Borrowed(value),
        })
    }
}

const MISSING_BRACE: &str = "syntax error: missing '}'";

fn modifier_text(null_is_unset: bool, operator: Option<char>) -> String {
    let operator = operator.unwrap_or(REPLACEMENT);
    if null_is_unset {
        format!(":{operator}")
    } else {
        operator.to_string()
    }
}

fn unsupported_modifier(modifier: &str) -> String {
    format!("unsupported modifier ({modifier}) in substitution")
}

fn invalid_pattern(pattern: &str, detail: &str) -> String {
    format!("invalid pattern ({pattern}) in substitution: {detail}")
}

/// POSIX special parameters; none is ever set in a Dockerfile, but they are names.
fn is_special_param(ch: char) -> bool {
    matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0')
}

/// `${A#p}`: removes the shortest (or, greedy, longest) prefix matching `p`.
fn trim_prefix<'v>(pattern: &str, value: &'v str, greedy: bool) -> Result<&'v str, String> {
    let compiled = ShellPattern::compile(pattern, greedy)
        .map_err(|detail| invalid_pattern(pattern, &detail))?;
    Ok(match compiled.matcher(value).match_at(0) {
        Some(end) => &value[end..],
        None => value,
    })
}

/// `${A%p}`: as BuildKit does it, a prefix trim of the reversed value with the reversed
/// pattern (which also reverses what a pattern error reports).
fn trim_suffix(pattern: &str, value: &str, greedy: bool) -> Result<String, String> {
    let pattern = reverse_pattern(pattern);
    let reversed: String = value.chars().rev().collect();
    let trimmed = trim_prefix(&pattern, &reversed, greedy)?;
    Ok(trimmed.chars().rev().collect())
}

/// Reverses a pattern while keeping each `\x` escape pair in order (`a\*c` becomes `c\*a`).
fn reverse_pattern(pattern: &str) -> String {
    let mut units = Vec::with_capacity(pattern.len());
    let mut chars = pattern.char_indices();
    while let Some((at, ch)) = chars.next() {
        let mut end = at + ch.len_utf8();
        if ch == '\\' {
            if let Some((next_at, next)) = chars.next() {
                end = next_at + next.len_utf8();
            }
        }
        units.push(&pattern[at..end]);
    }
    units.iter().rev().copied().collect()
}

/// One step of a compiled BuildKit pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inst {
    /// This character, then go to the given step.
    Char(char, usize),
    /// Any character but a newline (Go's `.`), then go to the given step.
    AnyButNewline(usize),
    /// Try the first step, and the second with lower priority.
    Split(usize, usize),
    Match,
}

/// A BuildKit shell pattern. BuildKit translates patterns to Go regular expressions (`?` to
/// `.`, `*` to `.*` or, for the shortest `#`/`%` forms, `.*?`; no bracket expressions), so
/// matching follows Go's leftmost-first semantics, including `.` not matching a newline. It
/// runs as a Pike VM, like Go's own, in time linear in the text.
#[derive(Debug)]
struct ShellPattern {
    program: Vec<Inst>,
    first_char: Option<char>,
}

impl ShellPattern {
    /// Only `\*`, `\?` and `\\` are escapes; `\}` and `\/` stand for `}` and `/` (escaped so
    /// they do not end the `${…}`); any other escape is an error.
    fn compile(pattern: &str, greedy: bool) -> Result<Self, String> {
        let pattern = pattern.strip_prefix(BYTE_ORDER_MARK).unwrap_or(pattern);
        let mut program = Vec::with_capacity(pattern.len() + 1);
        let mut chars = pattern.chars().peekable();
        while let Some(ch) = chars.next() {
            let pc = program.len();
            match ch {
                '*' => {
                    let (repeat, done) = (pc + 1, pc + 2);
                    program.push(if greedy {
                        Inst::Split(repeat, done)
                    } else {
                        Inst::Split(done, repeat)
                    });
                    program.push(Inst::AnyButNewline(pc));
                }
                '?' => program.push(Inst::AnyButNewline(pc + 1)),
                '\\' => {
                    if matches!(chars.peek(), Some('}' | '/')) {
                        continue;
                    }
                    match chars.next() {
                        Some(escaped @ ('*' | '?' | '\\')) => {
                            program.push(Inst::Char(escaped, pc + 1));
                        }
                        other => {
                            return Err(format!(
                                "invalid escape '\\{}'",
                                other.unwrap_or(REPLACEMENT)
                            ))
                        }
                    }
                }
                literal => program.push(Inst::Char(literal, pc + 1)),
            }
        }
        program.push(Inst::Match);
        let first_char = match program[0] {
            Inst::Char(ch, _) => Some(ch),
            _ => None,
        };
        Ok(Self {
            program,
            first_char,
        })
    }

    fn matcher<'p, 't>(&'p self, text: &'t str) -> Matcher<'p, 't> {
        let len = self.program.len();
        Matcher {
            pattern: self,
            text,
            current: Threads::new(len),
            next: Threads::new(len),
            stack: Vec::new(),
            generation: 0,
        }
    }

    /// Go's `Regexp.ReplaceAllString`: an empty match right after a match is not replaced,
    /// and `$0` / `${0}` in the replacement stand for the match (other `$names` for nothing).
    /// `None` when the result would exceed `limit` bytes.
    fn replace_all(&self, value: &str, replacement: &str, limit: usize) -> Option<String> {
        let mut matcher = self.matcher(value);
        let mut out = String::with_capacity(value.len());
        let mut last_end = 0;
        let mut search = 0;
        while search <= value.len() {
            let Some((from, to)) = matcher.find_from(search) else {
                break;
            };
            out.push_str(&value[last_end..from]);
            if to > last_end || from == 0 {
                expand_template(&mut out, replacement, &value[from..to]);
                if out.len() > limit {
                    return None;
                }
            }
            last_end = to;
            let width = value[search..].chars().next().map_or(0, char::len_utf8);
            search = if search + width > to {
                search + width
            } else if search + 1 > to {
                search + 1
            } else {
                to
            };
        }
        out.push_str(&value[last_end..]);
        (out.len() <= limit).then_some(out)
    }
}

/// Go's `Regexp.Expand` for a pattern without groups.
fn expand_template(out: &mut String, template: &str, matched: &str) {
    let mut rest = template;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        rest = &rest[dollar + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
            continue;
        }
        let (braced, body) = match rest.strip_prefix('{') {
            Some(body) => (true, body),
            None => (false, rest),
        };
        let len = body
            .find(|c: char| !(is_go_letter(c) || is_go_digit(c) || c == '_'))
            .unwrap_or(body.len());
        if len == 0 || (braced && !body[len..].starts_with('}')) {
            out.push('$');
            continue;
        }
        if &body[..len] == "0" {
            out.push_str(matched);
        }
        rest = &body[len + usize::from(braced)..];
    }
    out.push_str(rest);
}

/// The threads alive at one text position, in priority order, each with where its match began.
struct Threads {
    order: Vec<(usize, usize)>,
    /// The generation in which each step was last added, to add it at most once.
    seen: Vec<u64>,
}

impl Threads {
    fn new(steps: usize) -> Self {
        Self {
            order: Vec::new(),
            seen: vec![0; steps],
        }
    }
}

struct Matcher<'p, 't> {
    pattern: &'p ShellPattern,
    text: &'t str,
    current: Threads,
    next: Threads,
    stack: Vec<usize>,
    generation: u64,
}

impl Matcher<'_, '_> {
    /// The leftmost match starting at or after `start`, as byte offsets.
    fn find_from(&mut self, start: usize) -> Option<(usize, usize)> {
        self.run(start, false)
    }

    /// The end of the preferred match anchored at `start`.
    fn match_at(&mut self, start: usize) -> Option<usize> {
        self.run(start, true).map(|(_, end)| end)
    }

    fn run(&mut self, start: usize, anchored: bool) -> Option<(usize, usize)> {
        let text = self.text;
        let mut found = None;
        let mut pos = start;
        self.generation += 1;
        self.current.order.clear();
        loop {
            if found.is_none() && (!anchored || pos == start) {
                if self.current.order.is_empty() && !anchored {
                    // No thread alive: skip ahead to where the pattern can start.
                    if let Some(first) = self.pattern.first_char {
                        pos += text[pos..].find(first)?;
                    }
                }
                self.add_current(0, pos);
            }
            if self.current.order.is_empty() {
                break;
            }
            let ch = text[pos..].chars().next();
            self.generation += 1;
            self.next.order.clear();
            for index in 0..self.current.order.len() {
                let (pc, thread_start) = self.current.order[index];
                let next_pc = match self.pattern.program[pc] {
                    Inst::Match => {
                        // First-match semantics: lower-priority threads are dropped.
                        found = Some((thread_start, pos));
                        break;
                    }
                    Inst::Char(expected, next) if ch == Some(expected) => next,
                    Inst::AnyButNewline(next) if ch.is_some_and(|c| c != '\n') => next,
                    _ => continue,
                };
                add_thread(
                    &self.pattern.program,
                    &mut self.next,
                    &mut self.stack,
                    self.generation,
                    next_pc,
                    thread_start,
                );
            }
            std::mem::swap(&mut self.current, &mut self.next);
            let Some(ch) = ch else { break };
            pos += ch.len_utf8();
        }
        found
    }

    fn add_current(&mut self, pc: usize, thread_start: usize) {
        add_thread(
            &self.pattern.program,
            &mut self.current,
            &mut self.stack,
            self.generation,
            pc,
            thread_start,
        );
    }
}

/// Adds the thread at `pc` and, through splits, every step it reaches without reading, in
/// priority order (an explicit stack, since `***…` can be long).
fn add_thread(
    program: &[Inst],
    threads: &mut Threads,
    stack: &mut Vec<usize>,
    generation: u64,
    pc: usize,
    thread_start: usize,
) {
    stack.push(pc);
    while let Some(pc) = stack.pop() {
        if threads.seen[pc] == generation {
            continue;
        }
        threads.seen[pc] = generation;
        match program[pc] {
            Inst::Split(first, second) => {
                stack.push(second);
                stack.push(first);
            }
            _ => threads.order.push((pc, thread_start)),
        }
    }
}

/// Go's `%q`, used in BuildKit's error messages. Printability is approximated: controls,
/// whitespace other than space, common format characters and private-use characters are
/// escaped.
fn go_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            ch if is_go_printable(ch) => out.push(ch),
            ch if u32::from(ch) < 0x20 || ch == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", u32::from(ch));
            }
            ch if u32::from(ch) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", u32::from(ch));
            }
            ch => {
                let _ = write!(out, "\\U{:08x}", u32::from(ch));
            }
        }
    }
    out.push('"');
    out
}

fn is_go_printable(ch: char) -> bool {
    if ch.is_ascii() {
        return (' '..='~').contains(&ch);
    }
    !(ch.is_control()
        || ch.is_whitespace()
        || matches!(
            ch,
            '\u{ad}'
                | '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
                | '\u{e000}'..='\u{f8ff}'
                | '\u{f0000}'..
        ))
}

/// Go's `unicode.IsLetter`, which decides what may appear in a variable name.
fn is_go_letter(ch: char) -> bool {
    if ch.is_ascii() {
        ch.is_ascii_alphabetic()
    } else {
        in_ranges(LETTER_RANGES, ch)
    }
}

/// Go's `unicode.IsDigit` (decimal digits of any script; not `²` or `Ⅳ`).
fn is_go_digit(ch: char) -> bool {
    if ch.is_ascii() {
        ch.is_ascii_digit()
    } else {
        in_ranges(DIGIT_RANGES, ch)
    }
}

fn in_ranges(ranges: &[(u32, u32)], ch: char) -> bool {
    let code = u32::from(ch);
    ranges
        .binary_search_by(|&(low, high)| {
            if high < code {
                std::cmp::Ordering::Less
            } else if low > code {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Non-ASCII code points of general category L (Unicode 15.0, as Go's `unicode.IsLetter`).
#[rustfmt::skip]
const LETTER_RANGES: &[(u32, u32)] = &[
    (0x00AA, 0x00AA), (0x00B5, 0x00B5), (0x00BA, 0x00BA), (0x00C0, 0x00D6), (0x00D8, 0x00F6),
    (0x00F8, 0x02C1), (0x02C6, 0x02D1), (0x02E0, 0x02E4), (0x02EC, 0x02EC), (0x02EE, 0x02EE),
    (0x0370, 0x0374), (0x0376, 0x0377), (0x037A, 0x037D), (0x037F, 0x037F), (0x0386, 0x0386),
    (0x0388, 0x038A), (0x038C, 0x038C), (0x038E, 0x03A1), (0x03A3, 0x03F5), (0x03F7, 0x0481),
    (0x048A, 0x052F), (0x0531, 0x0556), (0x0559, 0x0559), (0x0560, 0x0588), (0x05D0, 0x05EA),
    (0x05EF, 0x05F2), (0x0620, 0x064A), (0x066E, 0x066F), (0x0671, 0x06D3), (0x06D5, 0x06D5),
    (0x06E5, 0x06E6), (0x06EE, 0x06EF), (0x06FA, 0x06FC), (0x06FF, 0x06FF), (0x0710, 0x0710),
    (0x0712, 0x072F), (0x074D, 0x07A5), (0x07B1, 0x07B1), (0x07CA, 0x07EA), (0x07F4, 0x07F5),
    (0x07FA, 0x07FA), (0x0800, 0x0815), (0x081A, 0x081A), (0x0824, 0x0824), (0x0828, 0x0828),
    (0x0840, 0x0858), (0x0860, 0x086A), (0x0870, 0x0887), (0x0889, 0x088E), (0x08A0, 0x08C9),
    (0x0904, 0x0939), (0x093D, 0x093D), (0x0950, 0x0950), (0x0958, 0x0961), (0x0971, 0x0980),
    (0x0985, 0x098C), (0x098F, 0x0990), (0x0993, 0x09A8), (0x09AA, 0x09B0), (0x09B2, 0x09B2),
    (0x09B6, 0x09B9), (0x09BD, 0x09BD), (0x09CE, 0x09CE), (0x09DC, 0x09DD), (0x09DF, 0x09E1),
    (0x09F0, 0x09F1), (0x09FC, 0x09FC), (0x0A05, 0x0A0A), (0x0A0F, 0x0A10), (0x0A13, 0x0A28),
    (0x0A2A, 0x0A30), (0x0A32, 0x0A33), (0x0A35, 0x0A36), (0x0A38, 0x0A39), (0x0A59, 0x0A5C),
    (0x0A5E, 0x0A5E), (0x0A72, 0x0A74), (0x0A85, 0x0A8D), (0x0A8F, 0x0A91), (0x0A93, 0x0AA8),
    (0x0AAA, 0x0AB0), (0x0AB2, 0x0AB3), (0x0AB5, 0x0AB9), (0x0ABD, 0x0ABD), (0x0AD0, 0x0AD0),
    (0x0AE0, 0x0AE1), (0x0AF9, 0x0AF9), (0x0B05, 0x0B0C), (0x0B0F, 0x0B10), (0x0B13, 0x0B28),
    (0x0B2A, 0x0B30), (0x0B32, 0x0B33), (0x0B35, 0x0B39), (0x0B3D, 0x0B3D), (0x0B5C, 0x0B5D),
    (0x0B5F, 0x0B61), (0x0B71, 0x0B71), (0x0B83, 0x0B83), (0x0B85, 0x0B8A), (0x0B8E, 0x0B90),
    (0x0B92, 0x0B95), (0x0B99, 0x0B9A), (0x0B9C, 0x0B9C), (0x0B9E, 0x0B9F), (0x0BA3, 0x0BA4),
    (0x0BA8, 0x0BAA), (0x0BAE, 0x0BB9), (0x0BD0, 0x0BD0), (0x0C05, 0x0C0C), (0x0C0E, 0x0C10),
    (0x0C12, 0x0C28), (0x0C2A, 0x0C39), (0x0C3D, 0x0C3D), (0x0C58, 0x0C5A), (0x0C5D, 0x0C5D),
    (0x0C60, 0x0C61), (0x0C80, 0x0C80), (0x0C85, 0x0C8C), (0x0C8E, 0x0C90), (0x0C92, 0x0CA8),
    (0x0CAA, 0x0CB3), (0x0CB5, 0x0CB9), (0x0CBD, 0x0CBD), (0x0CDD, 0x0CDE), (0x0CE0, 0x0CE1),
    (0x0CF1, 0x0CF2), (0x0D04, 0x0D0C), (0x0D0E, 0x0D10), (0x0D12, 0x0D3A), (0x0D3D, 0x0D3D),
    (0x0D4E, 0x0D4E), (0x0D54, 0x0D56), (0x0D5F, 0x0D61), (0x0D7A, 0x0D7F), (0x0D85, 0x0D96),
    (0x0D9A, 0x0DB1), (0x0DB3, 0x0DBB), (0x0DBD, 0x0DBD), (0x0DC0, 0x0DC6), (0x0E01, 0x0E30),
    (0x0E32, 0x0E33), (0x0E40, 0x0E46), (0x0E81, 0x0E82), (0x0E84, 0x0E84), (0x0E86, 0x0E8A),
    (0x0E8C, 0x0EA3), (0x0EA5, 0x0EA5), (0x0EA7, 0x0EB0), (0x0EB2, 0x0EB3), (0x0EBD, 0x0EBD),
    (0x0EC0, 0x0EC4), (0x0EC6, 0x0EC6), (0x0EDC, 0x0EDF), (0x0F00, 0x0F00), (0x0F40, 0x0F47),
    (0x0F49, 0x0F6C), (0x0F88, 0x0F8C), (0x1000, 0x102A), (0x103F, 0x103F), (0x1050, 0x1055),
    (0x105A, 0x105D), (0x1061, 0x1061), (0x1065, 0x1066), (0x106E, 0x1070), (0x1075, 0x1081),
    (0x108E, 0x108E), (0x10A0, 0x10C5), (0x10C7, 0x10C7), (0x10CD, 0x10CD), (0x10D0, 0x10FA),
    (0x10FC, 0x1248), (0x124A, 0x124D), (0x1250, 0x1256), (0x1258, 0x1258), (0x125A, 0x125D),
    (0x1260, 0x1288), (0x128A, 0x128D), (0x1290, 0x12B0), (0x12B2, 0x12B5), (0x12B8, 0x12BE),
    (0x12C0, 0x12C0), (0x12C2, 0x12C5), (0x12C8, 0x12D6), (0x12D8, 0x1310), (0x1312, 0x1315),
    (0x1318, 0x135A), (0x1380, 0x138F), (0x13A0, 0x13F5), (0x13F8, 0x13FD), (0x1401, 0x166C),
    (0x166F, 0x167F), (0x1681, 0x169A), (0x16A0, 0x16EA), (0x16F1, 0x16F8), (0x1700, 0x1711),
    (0x171F, 0x1731), (0x1740, 0x1751), (0x1760, 0x176C), (0x176E, 0x1770), (0x1780, 0x17B3),
    (0x17D7, 0x17D7), (0x17DC, 0x17DC), (0x1820, 0x1878), (0x1880, 0x1884), (0x1887, 0x18A8),
    (0x18AA, 0x18AA), (0x18B0, 0x18F5), (0x1900, 0x191E), (0x1950, 0x196D), (0x1970, 0x1974),
    (0x1980, 0x19AB), (0x19B0, 0x19C9), (0x1A00, 0x1A16), (0x1A20, 0x1A54), (0x1AA7, 0x1AA7),
    (0x1B05, 0x1B33), (0x1B45, 0x1B4C), (0x1B83, 0x1BA0), (0x1BAE, 0x1BAF), (0x1BBA, 0x1BE5),
    (0x1C00, 0x1C23), (0x1C4D, 0x1C4F), (0x1C5A, 0x1C7D), (0x1C80, 0x1C88), (0x1C90, 0x1CBA),
    (0x1CBD, 0x1CBF), (0x1CE9, 0x1CEC), (0x1CEE, 0x1CF3), (0x1CF5, 0x1CF6), (0x1CFA, 0x1CFA),
    (0x1D00, 0x1DBF), (0x1E00, 0x1F15), (0x1F18, 0x1F1D), (0x1F20, 0x1F45), (0x1F48, 0x1F4D),
    (0x1F50, 0x1F57), (0x1F59, 0x1F59), (0x1F5B, 0x1F5B), (0x1F5D, 0x1F5D), (0x1F5F, 0x1F7D),
    (0x1F80, 0x1FB4), (0x1FB6, 0x1FBC), (0x1FBE, 0x1FBE), (0x1FC2, 0x1FC4), (0x1FC6, 0x1FCC),
    (0x1FD0, 0x1FD3), (0x1FD6, 0x1FDB), (0x1FE0, 0x1FEC), (0x1FF2, 0x1FF4), (0x1FF6, 0x1FFC),
    (0x2071, 0x2071), (0x207F, 0x207F), (0x2090, 0x209C), (0x2102, 0x2102), (0x2107, 0x2107),
    (0x210A, 0x2113), (0x2115, 0x2115), (0x2119, 0x211D), (0x2124, 0x2124), (0x2126, 0x2126),
    (0x2128, 0x2128), (0x212A, 0x212D), (0x212F, 0x2139), (0x213C, 0x213F), (0x2145, 0x2149),
    (0x214E, 0x214E), (0x2183, 0x2184), (0x2C00, 0x2CE4), (0x2CEB, 0x2CEE), (0x2CF2, 0x2CF3),
    (0x2D00, 0x2D25), (0x2D27, 0x2D27), (0x2D2D, 0x2D2D), (0x2D30, 0x2D67), (0x2D6F, 0x2D6F),
    (0x2D80, 0x2D96), (0x2DA0, 0x2DA6), (0x2DA8, 0x2DAE), (0x2DB0, 0x2DB6), (0x2DB8, 0x2DBE),
    (0x2DC0, 0x2DC6), (0x2DC8, 0x2DCE), (0x2DD0, 0x2DD6), (0x2DD8, 0x2DDE), (0x2E2F, 0x2E2F),
    (0x3005, 0x3006), (0x3031, 0x3035), (0x303B, 0x303C), (0x3041, 0x3096), (0x309D, 0x309F),
    (0x30A1, 0x30FA), (0x30FC, 0x30FF), (0x3105, 0x312F), (0x3131, 0x318E), (0x31A0, 0x31BF),
    (0x31F0, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0xA48C), (0xA4D0, 0xA4FD), (0xA500, 0xA60C),
    (0xA610, 0xA61F), (0xA62A, 0xA62B), (0xA640, 0xA66E), (0xA67F, 0xA69D), (0xA6A0, 0xA6E5),
    (0xA717, 0xA71F), (0xA722, 0xA788), (0xA78B, 0xA7CA), (0xA7D0, 0xA7D1), (0xA7D3, 0xA7D3),
    (0xA7D5, 0xA7D9), (0xA7F2, 0xA801), (0xA803, 0xA805), (0xA807, 0xA80A), (0xA80C, 0xA822),
    (0xA840, 0xA873), (0xA882, 0xA8B3), (0xA8F2, 0xA8F7), (0xA8FB, 0xA8FB), (0xA8FD, 0xA8FE),
    (0xA90A, 0xA925), (0xA930, 0xA946), (0xA960, 0xA97C), (0xA984, 0xA9B2), (0xA9CF, 0xA9CF),
    (0xA9E0, 0xA9E4), (0xA9E6, 0xA9EF), (0xA9FA, 0xA9FE), (0xAA00, 0xAA28), (0xAA40, 0xAA42),
    (0xAA44, 0xAA4B), (0xAA60, 0xAA76), (0xAA7A, 0xAA7A), (0xAA7E, 0xAAAF), (0xAAB1, 0xAAB1),
    (0xAAB5, 0xAAB6), (0xAAB9, 0xAABD), (0xAAC0, 0xAAC0), (0xAAC2, 0xAAC2), (0xAADB, 0xAADD),
    (0xAAE0, 0xAAEA), (0xAAF2, 0xAAF4), (0xAB01, 0xAB06), (0xAB09, 0xAB0E), (0xAB11, 0xAB16),
    (0xAB20, 0xAB26), (0xAB28, 0xAB2E), (0xAB30, 0xAB5A), (0xAB5C, 0xAB69), (0xAB70, 0xABE2),
    (0xAC00, 0xD7A3), (0xD7B0, 0xD7C6), (0xD7CB, 0xD7FB), (0xF900, 0xFA6D), (0xFA70, 0xFAD9),
    (0xFB00, 0xFB06), (0xFB13, 0xFB17), (0xFB1D, 0xFB1D), (0xFB1F, 0xFB28), (0xFB2A, 0xFB36),
    (0xFB38, 0xFB3C), (0xFB3E, 0xFB3E), (0xFB40, 0xFB41), (0xFB43, 0xFB44), (0xFB46, 0xFBB1),
    (0xFBD3, 0xFD3D), (0xFD50, 0xFD8F), (0xFD92, 0xFDC7), (0xFDF0, 0xFDFB), (0xFE70, 0xFE74),
    (0xFE76, 0xFEFC), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A), (0xFF66, 0xFFBE), (0xFFC2, 0xFFC7),
    (0xFFCA, 0xFFCF), (0xFFD2, 0xFFD7), (0xFFDA, 0xFFDC), (0x10000, 0x1000B), (0x1000D, 0x10026),
    (0x10028, 0x1003A), (0x1003C, 0x1003D), (0x1003F, 0x1004D), (0x10050, 0x1005D), (0x10080, 0x100FA),
    (0x10280, 0x1029C), (0x102A0, 0x102D0), (0x10300, 0x1031F), (0x1032D, 0x10340), (0x10342, 0x10349),
    (0x10350, 0x10375), (0x10380, 0x1039D), (0x103A0, 0x103C3), (0x103C8, 0x103CF), (0x10400, 0x1049D),
    (0x104B0, 0x104D3), (0x104D8, 0x104FB), (0x10500, 0x10527), (0x10530, 0x10563), (0x10570, 0x1057A),
    (0x1057C, 0x1058A), (0x1058C, 0x10592), (0x10594, 0x10595), (0x10597, 0x105A1), (0x105A3, 0x105B1),
    (0x105B3, 0x105B9), (0x105BB, 0x105BC), (0x10600, 0x10736), (0x10740, 0x10755), (0x10760, 0x10767),
    (0x10780, 0x10785), (0x10787, 0x107B0), (0x107B2, 0x107BA), (0x10800, 0x10805), (0x10808, 0x10808),
    (0x1080A, 0x10835), (0x10837, 0x10838), (0x1083C, 0x1083C), (0x1083F, 0x10855), (0x10860, 0x10876),
    (0x10880, 0x1089E), (0x108E0, 0x108F2), (0x108F4, 0x108F5), (0x10900, 0x10915), (0x10920, 0x10939),
    (0x10980, 0x109B7), (0x109BE, 0x109BF), (0x10A00, 0x10A00), (0x10A10, 0x10A13), (0x10A15, 0x10A17),
    (0x10A19, 0x10A35), (0x10A60, 0x10A7C), (0x10A80, 0x10A9C), (0x10AC0, 0x10AC7), (0x10AC9, 0x10AE4),
    (0x10B00, 0x10B35), (0x10B40, 0x10B55), (0x10B60, 0x10B72), (0x10B80, 0x10B91), (0x10C00, 0x10C48),
    (0x10C80, 0x10CB2), (0x10CC0, 0x10CF2), (0x10D00, 0x10D23), (0x10E80, 0x10EA9), (0x10EB0, 0x10EB1),
    (0x10F00, 0x10F1C), (0x10F27, 0x10F27), (0x10F30, 0x10F45), (0x10F70, 0x10F81), (0x10FB0, 0x10FC4),
    (0x10FE0, 0x10FF6), (0x11003, 0x11037), (0x11071, 0x11072), (0x11075, 0x11075), (0x11083, 0x110AF),
    (0x110D0, 0x110E8), (0x11103, 0x11126), (0x11144, 0x11144), (0x11147, 0x11147), (0x11150, 0x11172),
    (0x11176, 0x11176), (0x11183, 0x111B2), (0x111C1, 0x111C4), (0x111DA, 0x111DA), (0x111DC, 0x111DC),
    (0x11200, 0x11211), (0x11213, 0x1122B), (0x1123F, 0x11240), (0x11280, 0x11286), (0x11288, 0x11288),
    (0x1128A, 0x1128D), (0x1128F, 0x1129D), (0x1129F, 0x112A8), (0x112B0, 0x112DE), (0x11305, 0x1130C),
    (0x1130F, 0x11310), (0x11313, 0x11328), (0x1132A, 0x11330), (0x11332, 0x11333), (0x11335, 0x11339),
    (0x1133D, 0x1133D), (0x11350, 0x11350), (0x1135D, 0x11361), (0x11400, 0x11434), (0x11447, 0x1144A),
    (0x1145F, 0x11461), (0x11480, 0x114AF), (0x114C4, 0x114C5), (0x114C7, 0x114C7), (0x11580, 0x115AE),
    (0x115D8, 0x115DB), (0x11600, 0x1162F), (0x11644, 0x11644), (0x11680, 0x116AA), (0x116B8, 0x116B8),
    (0x11700, 0x1171A), (0x11740, 0x11746), (0x11800, 0x1182B), (0x118A0, 0x118DF), (0x118FF, 0x11906),
    (0x11909, 0x11909), (0x1190C, 0x11913), (0x11915, 0x11916), (0x11918, 0x1192F), (0x1193F, 0x1193F),
    (0x11941, 0x11941), (0x119A0, 0x119A7), (0x119AA, 0x119D0), (0x119E1, 0x119E1), (0x119E3, 0x119E3),
    (0x11A00, 0x11A00), (0x11A0B, 0x11A32), (0x11A3A, 0x11A3A), (0x11A50, 0x11A50), (0x11A5C, 0x11A89),
    (0x11A9D, 0x11A9D), (0x11AB0, 0x11AF8), (0x11C00, 0x11C08), (0x11C0A, 0x11C2E), (0x11C40, 0x11C40),
    (0x11C72, 0x11C8F), (0x11D00, 0x11D06), (0x11D08, 0x11D09), (0x11D0B, 0x11D30), (0x11D46, 0x11D46),
    (0x11D60, 0x11D65), (0x11D67, 0x11D68), (0x11D6A, 0x11D89), (0x11D98, 0x11D98), (0x11EE0, 0x11EF2),
    (0x11F02, 0x11F02), (0x11F04, 0x11F10), (0x11F12, 0x11F33), (0x11FB0, 0x11FB0), (0x12000, 0x12399),
    (0x12480, 0x12543), (0x12F90, 0x12FF0), (0x13000, 0x1342F), (0x13441, 0x13446), (0x14400, 0x14646),
    (0x16800, 0x16A38), (0x16A40, 0x16A5E), (0x16A70, 0x16ABE), (0x16AD0, 0x16AED), (0x16B00, 0x16B2F),
    (0x16B40, 0x16B43), (0x16B63, 0x16B77), (0x16B7D, 0x16B8F), (0x16E40, 0x16E7F), (0x16F00, 0x16F4A),
    (0x16F50, 0x16F50), (0x16F93, 0x16F9F), (0x16FE0, 0x16FE1), (0x16FE3, 0x16FE3), (0x17000, 0x187F7),
    (0x18800, 0x18CD5), (0x18D00, 0x18D08), (0x1AFF0, 0x1AFF3), (0x1AFF5, 0x1AFFB), (0x1AFFD, 0x1AFFE),
    (0x1B000, 0x1B122), (0x1B132, 0x1B132), (0x1B150, 0x1B152), (0x1B155, 0x1B155), (0x1B164, 0x1B167),
    (0x1B170, 0x1B2FB), (0x1BC00, 0x1BC6A), (0x1BC70, 0x1BC7C), (0x1BC80, 0x1BC88), (0x1BC90, 0x1BC99),
    (0x1D400, 0x1D454), (0x1D456, 0x1D49C), (0x1D49E, 0x1D49F), (0x1D4A2, 0x1D4A2), (0x1D4A5, 0x1D4A6),
    (0x1D4A9, 0x1D4AC), (0x1D4AE, 0x1D4B9), (0x1D4BB, 0x1D4BB), (0x1D4BD, 0x1D4C3), (0x1D4C5, 0x1D505),
    (0x1D507, 0x1D50A), (0x1D50D, 0x1D514), (0x1D516, 0x1D51C), (0x1D51E, 0x1D539), (0x1D53B, 0x1D53E),
    (0x1D540, 0x1D544), (0x1D546, 0x1D546), (0x1D54A, 0x1D550), (0x1D552, 0x1D6A5), (0x1D6A8, 0x1D6C0),
    (0x1D6C2, 0x1D6DA), (0x1D6DC, 0x1D6FA), (0x1D6FC, 0x1D714), (0x1D716, 0x1D734), (0x1D736, 0x1D74E),
    (0x1D750, 0x1D76E), (0x1D770, 0x1D788), (0x1D78A, 0x1D7A8), (0x1D7AA, 0x1D7C2), (0x1D7C4, 0x1D7CB),
    (0x1DF00, 0x1DF1E), (0x1DF25, 0x1DF2A), (0x1E030, 0x1E06D), (0x1E100, 0x1E12C), (0x1E137, 0x1E13D),
    (0x1E14E, 0x1E14E), (0x1E290, 0x1E2AD), (0x1E2C0, 0x1E2EB), (0x1E4D0, 0x1E4EB), (0x1E7E0, 0x1E7E6),
    (0x1E7E8, 0x1E7EB), (0x1E7ED, 0x1E7EE), (0x1E7F0, 0x1E7FE), (0x1E800, 0x1E8C4), (0x1E900, 0x1E943),
    (0x1E94B, 0x1E94B), (0x1EE00, 0x1EE03), (0x1EE05, 0x1EE1F), (0x1EE21, 0x1EE22), (0x1EE24, 0x1EE24),
    (0x1EE27, 0x1EE27), (0x1EE29, 0x1EE32), (0x1EE34, 0x1EE37), (0x1EE39, 0x1EE39), (0x1EE3B, 0x1EE3B),
    (0x1EE42, 0x1EE42), (0x1EE47, 0x1EE47), (0x1EE49, 0x1EE49), (0x1EE4B, 0x1EE4B), (0x1EE4D, 0x1EE4F),
    (0x1EE51, 0x1EE52), (0x1EE54, 0x1EE54), (0x1EE57, 0x1EE57), (0x1EE59, 0x1EE59), (0x1EE5B, 0x1EE5B),
    (0x1EE5D, 0x1EE5D), (0x1EE5F, 0x1EE5F), (0x1EE61, 0x1EE62), (0x1EE64, 0x1EE64), (0x1EE67, 0x1EE6A),
    (0x1EE6C, 0x1EE72), (0x1EE74, 0x1EE77), (0x1EE79, 0x1EE7C), (0x1EE7E, 0x1EE7E), (0x1EE80, 0x1EE89),
    (0x1EE8B, 0x1EE9B), (0x1EEA1, 0x1EEA3), (0x1EEA5, 0x1EEA9), (0x1EEAB, 0x1EEBB), (0x20000, 0x2A6DF),
    (0x2A700, 0x2B739), (0x2B740, 0x2B81D), (0x2B820, 0x2CEA1), (0x2CEB0, 0x2EBE0), (0x2F800, 0x2FA1D),
    (0x30000, 0x3134A), (0x31350, 0x323AF),
];

/// Non-ASCII code points of general category Nd (Unicode 15.0, as Go's `unicode.IsDigit`).
#[rustfmt::skip]
const DIGIT_RANGES: &[(u32, u32)] = &[
    (0x0660, 0x0669), (0x06F0, 0x06F9), (0x07C0, 0x07C9), (0x0966, 0x096F), (0x09E6, 0x09EF),
    (0x0A66, 0x0A6F), (0x0AE6, 0x0AEF), (0x0B66, 0x0B6F), (0x0BE6, 0x0BEF), (0x0C66, 0x0C6F),
    (0x0CE6, 0x0CEF), (0x0D66, 0x0D6F), (0x0DE6, 0x0DEF), (0x0E50, 0x0E59), (0x0ED0, 0x0ED9),
    (0x0F20, 0x0F29), (0x1040, 0x1049), (0x1090, 0x1099), (0x17E0, 0x17E9), (0x1810, 0x1819),
    (0x1946, 0x194F), (0x19D0, 0x19D9), (0x1A80, 0x1A89), (0x1A90, 0x1A99), (0x1B50, 0x1B59),
    (0x1BB0, 0x1BB9), (0x1C40, 0x1C49), (0x1C50, 0x1C59), (0xA620, 0xA629), (0xA8D0, 0xA8D9),
    (0xA900, 0xA909), (0xA9D0, 0xA9D9), (0xA9F0, 0xA9F9), (0xAA50, 0xAA59), (0xABF0, 0xABF9),
    (0xFF10, 0xFF19), (0x104A0, 0x104A9), (0x10D30, 0x10D39), (0x11066, 0x1106F), (0x110F0, 0x110F9),
    (0x11136, 0x1113F), (0x111D0, 0x111D9), (0x112F0, 0x112F9), (0x11450, 0x11459), (0x114D0, 0x114D9),
    (0x11650, 0x11659), (0x116C0, 0x116C9), (0x11730, 0x11739), (0x118E0, 0x118E9), (0x11950, 0x11959),
    (0x11C50, 0x11C59), (0x11D50, 0x11D59), (0x11DA0, 0x11DA9), (0x11F50, 0x11F59), (0x16A60, 0x16A69),
    (0x16AC0, 0x16AC9), (0x16B50, 0x16B59), (0x1D7CE, 0x1D7FF), (0x1E140, 0x1E149), (0x1E2F0, 0x1E2F9),
    (0x1E4F0, 0x1E4F9), (0x1E950, 0x1E959), (0x1FBF0, 0x1FBF9),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The environment most cases expand in.
    fn env() -> Vec<(String, String)> {
        [
            ("HOME_DIR", "/srv/app"),
            ("TOOL", "make"),
            ("WORLD", "세계"),
            ("BLANK", ""),
            ("SPACED", "one  two"),
            ("PADDED", "  lead tail  "),
            ("ARCHIVE", "a/b/c.tar.gz"),
            ("STARS", "**x*"),
            ("LINES", "ab\ncd"),
            ("SEP", "/"),
            ("HASHED", "#*/"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    fn expand_with(lexer: Lexer, word: &str) -> Result<String, String> {
        lexer
            .process_word(word, &env())
            .map(|e| e.value)
            .map_err(|e| e.message)
    }

    fn split_with(lexer: Lexer, word: &str) -> Result<Vec<String>, String> {
        lexer.process_words(word, &env()).map_err(|e| e.message)
    }

    /// `(input, Some(expected))`, or `None` when BuildKit rejects the word.
    const WORDS: &[(&str, Option<&str>)] = &[
        // Quotes and escapes outside variables.
        ("plain", Some("plain")),
        ("ab'cd'ef", Some("abcdef")),
        ("ab'cd", None),
        ("ab\\'cd", Some("ab'cd")),
        ("ab\\\\'cd", None),
        ("x\\ty", Some("xty")),
        ("\"x\\ty\"", Some("x\\ty")),
        ("\"x\\\\ty\"", Some("x\\ty")),
        ("'x\\ty'", Some("x\\ty")),
        ("'x\\\\ty'", Some("x\\\\ty")),
        ("end\\", Some("end")),
        ("end\\\\", Some("end\\")),
        ("\"open", None),
        ("\"open\\\"", None),
        ("\"open\\", None),
        ("'open", None),
        ("\"it's\"", Some("it's")),
        ("'back\\'", Some("back\\")),
        ("\"''\"", Some("''")),
        ("'\"q\"'", Some("\"q\"")),
        ("\"say \\\"hi\\\"\"", Some("say \"hi\"")),
        ("a<b <<  c", Some("a<b <<  c")),
        // `$` that starts no name stays literal.
        ("$", Some("$")),
        ("$.", Some("$.")),
        ("a$.b", Some("a$.b")),
        ("cost: 5$", Some("cost: 5$")),
        ("$/x", Some("$/x")),
        // Plain references.
        ("$TOOL", Some("make")),
        ("$HOME_DIR/bin", Some("/srv/app/bin")),
        ("$tool", Some("")),
        ("x$NOPE.y", Some("x.y")),
        ("\\$TOOL", Some("$TOOL")),
        ("\\\\$TOOL", Some("\\make")),
        ("\"$TOOL\"", Some("make")),
        ("\"\\$TOOL\"", Some("$TOOL")),
        ("\"\\\\$TOOL\"", Some("\\make")),
        ("'$TOOL'", Some("$TOOL")),
        ("'\\$TOOL'", Some("\\$TOOL")),
        ("\"a'$TOOL'b\"", Some("a'make'b")),
        ("${TOOL}", Some("make")),
        ("${TOOL}s", Some("makes")),
        ("${TOOL}}", Some("make}")),
        ("${NOPE}x", Some("x")),
        ("'${TOOL}'", Some("${TOOL}")),
        ("\"${TOOL}\"", Some("make")),
        ("\\${}", Some("${}")),
        ("a\\${}b", Some("a${}b")),
        // Malformed braces.
        ("${", None),
        ("${}", None),
        ("a${}b", None),
        ("${{TOOL}", None),
        ("${:}", None),
        ("${:-x}", None),
        ("${:+x}", None),
        ("${.}", None),
        ("${TOOL", None),
        ("${TOOL:-x", None),
        ("${TOOL:-a ${b}", None),
        ("${TOOL:}", None),
        // Defaults and alternatives.
        ("${NOPE:-dflt}", Some("dflt")),
        ("${TOOL:-dflt}", Some("make")),
        ("${BLANK:-dflt}", Some("dflt")),
        ("${BLANK-dflt}", Some("")),
        ("${NOPE-dflt}", Some("dflt")),
        ("${NOPE:-$TOOL}", Some("make")),
        ("${NOPE:-${ALSO:-deep}}", Some("deep")),
        ("${NOPE:-${TOOL:-x}}", Some("make")),
        ("${NOPE:-\\$TOOL}", Some("$TOOL")),
        ("${NOPE:-\\${TOOL}x}", Some("${TOOLx}")),
        ("${NOPE:-a {b}", Some("a {b")),
        ("${NOPE:-a}}", Some("a}")),
        ("${NOPE:-\"a}b\"}", Some("a}b")),
        ("${NOPE:-'x y'}", Some("x y")),
        ("${TOOL:+alt}", Some("alt")),
        ("${BLANK:+alt}", Some("")),
        ("${BLANK+alt}", Some("alt")),
        ("${NOPE+alt}", Some("")),
        ("${TOOL:+${NOPE}}", Some("")),
        ("${TOOL:+<${HOME_DIR}>}", Some("</srv/app>")),
        ("${TOOL:+${TOOL}:}", Some("make:")),
        // Required variables.
        ("${TOOL?}", Some("make")),
        ("${TOOL:?}", Some("make")),
        ("${BLANK?}", Some("")),
        ("${BLANK:?}", None),
        ("${NOPE?}", None),
        ("${NOPE:?}", None),
        ("${NOPE?why $TOOL}", None),
        // Operators BuildKit does not support.
        ("${TOOL:=x}", None),
        ("${TOOL=x}", None),
        ("${TOOL:x}", None),
        ("${TOOL:/a/b}", None),
        ("${TOOL:#m}", None),
        ("${TOOL:%e}", None),
        ("${TOOL!}", None),
        // Positional and special parameters are names that are never set.
        ("$1", Some("")),
        ("${1}", Some("")),
        ("${1:-one}", Some("one")),
        ("${1:+x}", Some("")),
        ("$42abc", Some("abc")),
        ("${042}z", Some("z")),
        ("${007:-seven}", Some("seven")),
        ("$@", Some("")),
        ("$@@", Some("@")),
        ("${@}x", Some("x")),
        ("$*", Some("")),
        ("$#", Some("")),
        ("${#}", Some("")),
        ("${#:-n}", Some("n")),
        ("$?", Some("")),
        ("$-x", Some("x")),
        ("$$", Some("")),
        ("${$:+y}", Some("")),
        ("$!", Some("")),
        ("${!:-bang}", Some("bang")),
        ("$0", Some("")),
        ("${0:-zero}", Some("zero")),
        ("${#TOOL}", None),
        // Prefix and suffix removal.
        ("${ARCHIVE#*/}", Some("b/c.tar.gz")),
        ("${ARCHIVE##*/}", Some("c.tar.gz")),
        ("${ARCHIVE%.*}", Some("a/b/c.tar")),
        ("${ARCHIVE%%.*}", Some("a/b/c")),
        ("${ARCHIVE#}", Some("a/b/c.tar.gz")),
        ("${ARCHIVE##}", Some("a/b/c.tar.gz")),
        ("${ARCHIVE%}", Some("a/b/c.tar.gz")),
        ("${ARCHIVE#?}", Some("/b/c.tar.gz")),
        ("${ARCHIVE#?/?}", Some("/c.tar.gz")),
        ("${ARCHIVE#*}", Some("a/b/c.tar.gz")),
        ("${ARCHIVE##*}", Some("")),
        ("${ARCHIVE#x}", Some("a/b/c.tar.gz")),
        ("${ARCHIVE#a/b/c.tar.gz}", Some("")),
        ("${ARCHIVE#$SEP}", Some("a/b/c.tar.gz")),
        ("${ARCHIVE#a$SEP}", Some("b/c.tar.gz")),
        ("${ARCHIVE#\"a/\"}", Some("b/c.tar.gz")),
        ("${ARCHIVE%.g?}", Some("a/b/c.tar")),
        ("${STARS#\\*\\*}", Some("x*")),
        ("${STARS%\\*}", Some("**x")),
        ("${STARS%%x*}", Some("**")),
        ("${STARS#\\*?\\*}", Some("**x*")),
        ("${NOPE#a}", Some("")),
        // The doubled operator is read from the expanded word.
        ("${ARCHIVE#$HASHED}", Some("c.tar.gz")),
        // Wildcards do not cross a newline.
        ("${LINES#*c}", Some("ab\ncd")),
        ("${LINES#a?}", Some("\ncd")),
        ("${LINES%c*}", Some("ab\n")),
        // Malformed patterns.
        ("${ARCHIVE#\\q}", None),
        ("${ARCHIVE%\\q}", None),
        ("${NOPE#\\q}", None),
        ("${ARCHIVE#\\}", None),
        ("${ARCHIVE#${NOPE:-}", None),
        // Replacement.
        ("${ARCHIVE/\\//_}", Some("a_b/c.tar.gz")),
        ("${ARCHIVE//\\//_}", Some("a_b_c.tar.gz")),
        ("${ARCHIVE//./-}", Some("a/b/c-tar-gz")),
        ("${ARCHIVE/*/X}", Some("X")),
        ("${ARCHIVE/b*/X}", Some("a/X")),
        ("${ARCHIVE//?/.}", Some("............")),
        ("${ARCHIVE/$SEP/+}", Some("a+b/c.tar.gz")),
        ("${ARCHIVE//$SEP}", None),
        ("${ARCHIVE/x/y}", Some("a/b/c.tar.gz")),
        ("${ARCHIVE/a/}", Some("/b/c.tar.gz")),
        ("${NOPE/a/b}", Some("")),
        ("${TOOL///-}", Some("-m-a-k-e-")),
        ("${BLANK///-}", Some("-")),
        ("${TOOL/}", None),
        ("${TOOL/a}", None),
        ("${TOOL/a/b", None),
        ("${TOOL/\\q/b}", None),
        // Unicode.
        ("$WORLD", Some("세계")),
        ("안녕$WORLD", Some("안녕세계")),
        ("안녕${WORLD}!", Some("안녕세계!")),
        ("세'계'", Some("세계")),
        ("세\\'계", Some("세'계")),
        ("'세계", None),
        ("\"세\\t계\"", Some("세\\t계")),
        ("세계\\", Some("세계")),
        ("$세계", Some("")),
        ("$WORLD²", Some("세계²")),
        ("$٣x", Some("x")),
        ("${WORLD#?}", Some("계")),
        ("${WORLD/계/界}", Some("세界")),
        ("${NOPE:-세계}", Some("세계")),
        // A byte-order mark is skipped only at the very start.
        ("\u{FEFF}$TOOL", Some("make")),
        ("a\u{FEFF}", Some("a\u{FEFF}")),
    ];

    #[test]
    fn expands_words_as_buildkit() {
        let lexer = Lexer::new('\\');
        let mut failures = Vec::new();
        for &(input, expected) in WORDS {
            let got = expand_with(lexer, input);
            let ok = match expected {
                Some(expected) => got.as_deref() == Ok(expected),
                None => got.is_err(),
            };
            if !ok {
                failures.push(format!("{input:?}: expected {expected:?}, got {got:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn reports_errors_in_buildkit_words() {
        let lexer = Lexer::new('\\');
        let cases = [
            ("${NOPE:?}", "NOPE: is not allowed to be unset"),
            ("${NOPE?}", "NOPE: is not allowed to be unset"),
            ("${BLANK:?}", "BLANK: is not allowed to be empty"),
            ("${NOPE?why $TOOL}", "NOPE: why make"),
            ("${BLANK:?no blanks}", "BLANK: no blanks"),
            (
                "'open",
                "unexpected end of statement while looking for matching single-quote",
            ),
            (
                "\"open",
                "unexpected end of statement while looking for matching double-quote",
            ),
            ("${", "syntax error: missing '}'"),
            ("${TOOL:-x", "syntax error: missing '}'"),
            ("${TOOL:-\"x}", "syntax error: missing '}'"),
            ("${}", "syntax error: bad substitution"),
            ("${:-x}", "syntax error: bad substitution"),
            ("${.}", "unsupported modifier (.) in substitution"),
            ("${TOOL", "unsupported modifier (\u{FFFD}) in substitution"),
            ("${TOOL:=x}", "unsupported modifier (:=) in substitution"),
            ("${TOOL:#x}", "unsupported modifier (:#) in substitution"),
            ("${TOOL/a}", "syntax error: missing '/' in ${}"),
            ("${TOOL/a/b", "syntax error: missing '}'"),
            (
                "${TOOL#\\q}",
                "invalid pattern (\\q) in substitution: invalid escape '\\q'",
            ),
            // Suffix patterns are reported reversed, as BuildKit matches them.
            (
                "${TOOL%ab\\q}",
                "invalid pattern (\\qba) in substitution: invalid escape '\\q'",
            ),
            // An error inside a nested word that is cut short reads as the missing brace.
            ("${NOPE:-${X:?inner}", "syntax error: missing '}'"),
            ("${NOPE:-${X:?inner}}", "X: inner"),
            ("${A:-'x}", "syntax error: missing '}'"),
        ];
        for (input, reason) in cases {
            let message = lexer.process_word(input, &env()).unwrap_err().message;
            let quoted = go_quote(input);
            assert_eq!(
                message,
                format!("failed to process {quoted}: {reason}"),
                "{input:?}"
            );
        }
    }

    #[test]
    fn error_messages_quote_the_word_as_go_does() {
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote("\t\n\u{1}\u{7f}"), r#""\t\n\x01\x7f""#);
        assert_eq!(
            go_quote("세계\u{a0}\u{feff}\u{10ffff}"),
            r#""세계\u00a0\ufeff\U0010ffff""#
        );
        let message = Lexer::new('\\')
            .process_word("'\n", &env())
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with(r#"failed to process "'\n": "#),
            "{message}"
        );
    }

    #[test]
    fn nested_replacements_cannot_exhaust_memory() {
        // Each level triples the length: 3^25 bytes if nothing stopped it.
        let env = vec![("A".to_owned(), "a b".to_owned())];
        let mut word = "x".to_owned();
        for _ in 0..25 {
            word = format!("${{A//?/{word}}}");
        }
        let err = Lexer::new('\\').process_word(&word, &env).unwrap_err();
        assert!(err.message.contains("expansion exceeds"), "{}", err.message);
        // Many references to a large value are bounded too.
        let big = vec![("B".to_owned(), "b".repeat(MAX_EXPANSION / 4))];
        let err = Lexer::new('\\')
            .process_word("$B$B$B$B$B", &big)
            .unwrap_err();
        assert!(err.message.contains("expansion exceeds"));
        // Ordinary words are untouched.
        assert_eq!(
            Lexer::new('\\')
                .process_word("${A//?/-}", &env)
                .unwrap()
                .value,
            "---"
        );
    }

    #[test]
    fn replace_all_expands_dollar_zero_as_go_regexp_does() {
        // With raw escapes a `\$0` reaches Go's ReplaceAllString, which reads `$0` as the match
        // and other `$names` as nothing; single replacement is literal.
        let lexer = Lexer::new('\\');
        let cases = [
            ("${TOOL//a/<\\$0>}", "m<\\a>ke"),
            // The replacement ends at the first `}`, leaving `${0` malformed for Go.
            ("${TOOL//a/<\\${0}>}", "m<\\${0ke>}"),
            ("${TOOL//a/\\$1x}", "m\\ke"),
            ("${TOOL//a/\\$\\$}", "m\\$\\$ke"),
            ("${TOOL//a/\\$}", "m\\$ke"),
            ("${TOOL/a/<\\$0>}", "m<\\$0>ke"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                expand_with(lexer, input).as_deref(),
                Ok(expected),
                "{input:?}"
            );
        }
    }

    #[test]
    fn matches_patterns_in_go_priority_order() {
        let compile = |p: &str, greedy: bool| ShellPattern::compile(p, greedy).unwrap();
        let first = |p: &str, text: &str| compile(p, true).matcher(text).find_from(0);
        assert_eq!(first("b*", "abbb"), Some((1, 4)));
        assert_eq!(first("*", ""), Some((0, 0)));
        assert_eq!(first("x", "abc"), None);
        assert_eq!(first("?", "\n"), None);
        assert_eq!(first("*c", "ab\nabc"), Some((3, 6)));
        let anchored =
            |p: &str, greedy: bool, text: &str| compile(p, greedy).matcher(text).match_at(0);
        assert_eq!(anchored("*a*b", false, "xaabab"), Some(4));
        assert_eq!(anchored("*a*b", true, "xaabab"), Some(6));
        // Many stars against a long mismatch stay fast.
        let text = "a".repeat(2000);
        assert_eq!(anchored("*a*a*a*a*a*a*a*a*b", true, &text), None);
        assert_eq!(reverse_pattern("a\\*c"), "c\\*a");
        assert_eq!(reverse_pattern("x\\"), "\\x");
        assert_eq!(reverse_pattern("세\\계b"), "b\\계세");
    }

    #[test]
    fn records_which_variables_were_set() {
        let lexer = Lexer::new('\\');
        let expansion = lexer
            .process_word(
                "${TOOL:-${NOPE}} $BLANK ${ALSO:+x} '$QUOTED' \\$ESCAPED",
                &env(),
            )
            .unwrap();
        let names = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>();
        assert_eq!(expansion.value, "make   $QUOTED $ESCAPED");
        assert_eq!(names(&expansion.matched), ["BLANK", "TOOL"]);
        // The default word is expanded even when it is not used.
        assert_eq!(names(&expansion.unmatched), ["ALSO", "NOPE"]);

        let plain = lexer.process_word("no variables", &env()).unwrap();
        assert!(plain.matched.is_empty() && plain.unmatched.is_empty());
    }

    #[test]
    fn backtick_escape_replaces_backslash() {
        let lexer = Lexer::new('`');
        let cases = [
            ("C:\\tools\\$TOOL", Some("C:\\tools\\make")),
            ("a`$TOOL", Some("a$TOOL")),
            ("a``b", Some("a`b")),
            ("a` b", Some("a b")),
            ("end`", Some("end")),
            ("\"q`\"x\"", Some("q\"x")),
            ("\"a\\b\"", Some("a\\b")),
            ("\"a`b\"", Some("a`b")),
            ("\"``\"", Some("`")),
            ("'`'", Some("`")),
            ("${NOPE:-`}}", Some("}")),
            // Patterns keep `\` as their own escape whatever the Dockerfile's.
            ("${ARCHIVE#*\\/}", Some("b/c.tar.gz")),
            ("\"open`\"", None),
        ];
        for (input, expected) in cases {
            let got = expand_with(lexer, input);
            assert_eq!(got.ok().as_deref(), expected, "{input:?}");
        }
    }

    #[test]
    fn raw_quotes_keep_quote_characters() {
        let mut lexer = Lexer::new('\\');
        lexer.raw_quotes = true;
        assert_eq!(
            expand_with(lexer, "'a'\"$TOOL\"").as_deref(),
            Ok("'a'\"make\"")
        );
        assert_eq!(expand_with(lexer, "\"\\\"\"").as_deref(), Ok("\"\"\""));
        assert!(expand_with(lexer, "'a").is_err());
    }

    #[test]
    fn raw_escapes_keep_escape_characters() {
        let mut lexer = Lexer::new('\\');
        lexer.raw_escapes = true;
        let cases = [
            ("a\\$TOOL", "a\\$TOOL"),
            ("a\\ b", "a\\ b"),
            ("end\\", "end\\"),
            ("\"\\$TOOL\"", "\\$TOOL"),
            // BuildKit writes an escape that escapes nothing twice inside double quotes.
            ("\"\\a\"", "\\\\a"),
            // `${A:-word}` words always process escapes.
            ("${NOPE:-\\$x}", "$x"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                expand_with(lexer, input).as_deref(),
                Ok(expected),
                "{input:?}"
            );
        }
    }

    #[test]
    fn skip_unset_env_leaves_unset_references_as_written() {
        let mut lexer = Lexer::new('\\');
        lexer.skip_unset_env = true;
        let cases = [
            ("$NOPE", "$NOPE"),
            ("${NOPE}", "${NOPE}"),
            ("$TOOL-$NOPE", "make-$NOPE"),
            ("$1", "$1"),
            ("$$", "$$"),
            ("${NOPE:-x}", "${NOPE:-x}"),
            ("${NOPE:-$TOOL}", "${NOPE:-make}"),
            ("${NOPE+'a b'}", "${NOPE+a b}"),
            ("${NOPE#a*}", "${NOPE#a*}"),
            ("${NOPE##a}", "${NOPE##a}"),
            // BuildKit writes a single `/` back.
            ("${NOPE//a/b}", "${NOPE/a/b}"),
            // The operator is never checked when the variable is unset.
            ("${NOPE:=x}", "${NOPE:=x}"),
            ("${NOPE?}", "${NOPE?}"),
            ("${BLANK:-x}", "x"),
            ("${TOOL}", "make"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                expand_with(lexer, input).as_deref(),
                Ok(expected),
                "{input:?}"
            );
        }
        assert!(expand_with(lexer, "${TOOL:=x}").is_err());
        assert!(expand_with(lexer, "${NOPE:#x}").is_err());
    }

    #[test]
    fn skip_process_quotes_treats_quotes_as_text() {
        let mut lexer = Lexer::new('\\');
        lexer.skip_process_quotes = true;
        assert_eq!(expand_with(lexer, "'$TOOL'").as_deref(), Ok("'make'"));
        assert_eq!(expand_with(lexer, "\"a").as_deref(), Ok("\"a"));
        assert_eq!(expand_with(lexer, "\\\"").as_deref(), Ok("\""));
        assert_eq!(
            split_with(lexer, "'a b' \"c"),
            Ok(vec!["'a".into(), "b'".into(), "\"c".into()])
        );
    }

    /// `(input, Some(fields))`, or `None` when BuildKit rejects the word.
    const FIELDS: &[(&str, Option<&[&str]>)] = &[
        ("one two", Some(&["one", "two"])),
        ("  one \t two  ", Some(&["one", "two"])),
        ("", Some(&[])),
        ("   ", Some(&[])),
        ("a\nb\u{3000}c\u{a0}d", Some(&["a", "b", "c", "d"])),
        ("$SPACED", Some(&["one", "two"])),
        ("<$SPACED>", Some(&["<one", "two>"])),
        ("\"$SPACED\"", Some(&["one  two"])),
        ("a\"$SPACED\"b c", Some(&["aone  twob", "c"])),
        ("x$PADDED", Some(&["x", "lead", "tail"])),
        ("x${PADDED}y", Some(&["x", "lead", "tail", "y"])),
        ("x\"$PADDED\"", Some(&["x  lead tail  "])),
        ("$NOPE", Some(&[])),
        ("a${NOPE}b", Some(&["ab"])),
        ("a\\ b", Some(&["a b"])),
        ("a\\\" b", Some(&["a\"", "b"])),
        ("'a  b' c", Some(&["a  b", "c"])),
        ("'$SPACED'", Some(&["$SPACED"])),
        ("a\"\\\\b\"", Some(&["a\\b"])),
        ("a'\\\\b'", Some(&["a\\\\b"])),
        // An empty quoted string makes no field.
        ("\"\"", Some(&[])),
        ("''", Some(&[])),
        ("a \"\" b", Some(&["a", "b"])),
        // `<<` keeps the blanks after it, so heredoc words stay whole.
        ("cat <<  EOF", Some(&["cat", "<<  EOF"])),
        ("cat <<-EOF x", Some(&["cat", "<<-EOF", "x"])),
        ("a<b", Some(&["a<b"])),
        // A `${…}` with an operator drops what the current field held before it.
        ("pre${NOPE:-x}post", Some(&["xpost"])),
        ("pre${TOOL}post", Some(&["premakepost"])),
        ("one pre${TOOL:+x} two", Some(&["one", "x", "two"])),
        ("a\"${NOPE:-x}\"b", Some(&["xb"])),
        ("ab${NOPE:-} c", Some(&["c"])),
        ("x${ARCHIVE##*/}", Some(&["c.tar.gz"])),
        ("\"open", None),
        ("ok ${NOPE:?}", None),
    ];

    #[test]
    fn splits_fields_as_buildkit() {
        let lexer = Lexer::new('\\');
        let mut failures = Vec::new();
        for &(input, expected) in FIELDS {
            let got = split_with(lexer, input);
            let ok = match expected {
                Some(expected) => got.as_ref().is_ok_and(|fields| fields == expected),
                None => got.is_err(),
            };
            if !ok {
                failures.push(format!("{input:?}: expected {expected:?}, got {got:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn splits_fields_with_raw_quotes_and_unset_references() {
        // The mode BuildKit uses to find heredoc words on a line.
        let mut lexer = Lexer::new('\\');
        lexer.raw_quotes = true;
        lexer.skip_unset_env = true;
        let cases: [(&str, &[&str]); 5] = [
            ("\"$SPACED\" x", &["\"one  two\"", "x"]),
            ("$NOPE x", &["$NOPE", "x"]),
            ("a${NOPE}b $TOOL", &["a${NOPE}b", "make"]),
            ("cat <<'EOF'", &["cat", "<<'EOF'"]),
            ("''", &["''"]),
        ];
        for (input, expected) in cases {
            let got = split_with(lexer, input);
            assert!(
                got.as_ref().is_ok_and(|fields| fields == expected),
                "{input:?}: {got:?}"
            );
        }
    }

    #[test]
    fn every_env_source_looks_up_names() {
        let pairs = env();
        let hash: HashMap<String, String> = pairs.iter().cloned().collect();
        let tree: BTreeMap<String, String> = pairs.iter().cloned().collect();
        let array = [
            ("K".to_string(), "first".to_string()),
            ("K".to_string(), "last".to_string()),
        ];
        let sources: [&dyn Env; 5] = [&pairs, &pairs.as_slice(), &hash, &tree, &&tree];
        for source in sources {
            assert_eq!(source.lookup("TOOL"), Some("make"));
            assert_eq!(source.lookup("BLANK"), Some(""));
            assert_eq!(source.lookup("tool"), None);
        }
        assert_eq!(array.lookup("K"), Some("last"));
        assert_eq!(array.to_vec().lookup("K"), Some("last"));
    }

    #[test]
    fn never_panics_on_awkward_input() {
        let pieces = [
            "$", "${", "}", "\\", "`", "'", "\"", ":", "-", "+", "?", "#", "##", "%", "%%", "/",
            "//", "*", "<<", " ", "\n", "세", "é", "\u{FEFF}", "٣", "TOOL", "NOPE", "${TOOL",
            "${NOPE:-", "${TOOL/", "${TOOL#", "\\}", "\\/", "$0",
        ];
        let mut lexers = Vec::new();
        for escape in ['\\', '`', '세'] {
            for mode in 0..16u8 {
                let mut lexer = Lexer::new(escape);
                lexer.raw_quotes = mode & 1 != 0;
                lexer.raw_escapes = mode & 2 != 0;
                lexer.skip_unset_env = mode & 4 != 0;
                lexer.skip_process_quotes = mode & 8 != 0;
                lexers.push(lexer);
            }
        }
        let env = env();
        let exercise = |word: &str| {
            for lexer in &lexers {
                let _ = lexer.process_word(word, &env);
                let _ = lexer.process_words(word, &env);
            }
        };
        for a in pieces {
            for b in pieces {
                for c in ["", "$", "}", "\\", "세"] {
                    exercise(&format!("{a}{b}{c}"));
                }
            }
        }
        // A multibyte character at every position, and every prefix, of some busy words.
        let busy = [
            "${TOOL:-\"a b\"}${ARCHIVE##*/}'x'\\$y",
            "${ARCHIVE//\\//\\$0}${NOPE:?m}",
            "a\"${LINES%c*}\"<<  EOF ${STARS#\\*?}",
        ];
        for word in busy {
            for (at, _) in word.char_indices().chain([(word.len(), ' ')]) {
                exercise(&word[..at]);
                exercise(&format!("{}세{}", &word[..at], &word[at..]));
                exercise(&format!("{}\u{FEFF}{}", &word[..at], &word[at..]));
            }
        }
    }
}
