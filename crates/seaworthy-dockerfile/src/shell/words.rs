//! Quote removal, done on the text of a word: the static value of a word, and the text a
//! nested shell receives (`sh -c '…'`, a heredoc fed to `bash`) with, for every byte of it,
//! the source bytes it came from.

use std::ops::Range;

/// What to do with an expansion (`$VAR`, `${…}`) met during quote removal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// The static value: any expansion makes the value unknown.
    Value,
    /// The text of a nested script: parameter expansions are copied as written (the nested
    /// shell sees an unknown word there either way); command substitutions, which the outer
    /// shell would run, make the text unknown.
    Script,
}

/// Text after quote removal, with a map back to the source.
#[derive(Debug, Clone, Default)]
pub(super) struct Unquoted {
    pub text: String,
    track: bool,
    /// For each byte of `text`: where its source begins and where it ends.
    starts: Vec<usize>,
    ends: Vec<usize>,
    /// Source offset just after the last byte processed (for empty ranges at the end).
    end: usize,
}

impl Unquoted {
    fn new(track: bool, capacity: usize, base: usize) -> Self {
        Unquoted {
            text: String::with_capacity(capacity),
            track,
            starts: Vec::with_capacity(if track { capacity } else { 0 }),
            ends: Vec::with_capacity(if track { capacity } else { 0 }),
            end: base,
        }
    }

    /// Appends source text unchanged, byte for byte.
    fn push_verbatim(&mut self, s: &str, at: usize) {
        self.text.push_str(s);
        if self.track {
            self.starts.extend(at..at + s.len());
            self.ends.extend(at + 1..at + s.len() + 1);
        }
        self.end = at + s.len();
    }

    /// Appends a character produced from the source range `from..to` (an escape).
    fn push_char(&mut self, c: char, from: usize, to: usize) {
        self.text.push(c);
        if self.track {
            for _ in 0..c.len_utf8() {
                self.starts.push(from);
                self.ends.push(to);
            }
        }
        self.end = to;
    }

    fn skip_to(&mut self, at: usize) {
        self.end = at;
    }

    /// The source range a range of `text` came from.
    pub fn map(&self, r: Range<usize>) -> Range<usize> {
        let start = self.starts.get(r.start).copied().unwrap_or(self.end);
        if r.end <= r.start {
            return start..start;
        }
        let end = r
            .end
            .checked_sub(1)
            .and_then(|i| self.ends.get(i))
            .copied()
            .unwrap_or(self.end);
        start..end.max(start)
    }

    /// Drops the first `n` bytes of text (the `--command=` of `su --command=…`).
    pub fn drop_prefix(&mut self, n: usize) -> bool {
        if !self.text.is_char_boundary(n) {
            return false;
        }
        self.text.drain(..n);
        if self.track {
            self.starts.drain(..n.min(self.starts.len()));
            self.ends.drain(..n.min(self.ends.len()));
        }
        true
    }
}

/// The static value of a word as written: quotes and backslashes removed, `$'…'` decoded,
/// `None` if it expands anything.
pub(super) fn static_value(raw: &str) -> Option<String> {
    unquote(raw, 0, Mode::Value, false).map(|u| u.text)
}

/// Quote removal over a word as written, with a source map (offsets start at `base`).
pub(super) fn unquote_mapped(raw: &str, base: usize) -> Option<Unquoted> {
    unquote(raw, base, Mode::Script, true)
}

enum Dollar {
    /// Not an expansion: a literal `$`.
    Literal,
    /// A parameter expansion of this many bytes.
    Parameter(usize),
    /// `$(`, `$((`, `$[`: runs or computes something.
    Substitution,
}

fn classify_dollar(s: &str) -> Dollar {
    let rest = &s[1..];
    match rest.chars().next() {
        Some('(' | '[') => Dollar::Substitution,
        Some('{') => {
            let mut depth = 0usize;
            for (i, c) in rest.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            return Dollar::Parameter(i + 2);
                        }
                    }
                    _ => {}
                }
            }
            Dollar::Parameter(s.len())
        }
        Some(c) if c == '_' || c.is_ascii_alphabetic() => {
            let len = rest
                .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
                .unwrap_or(rest.len());
            Dollar::Parameter(1 + len)
        }
        Some(c) if c.is_ascii_digit() || "@*#?$!-".contains(c) => Dollar::Parameter(2),
        _ => Dollar::Literal,
    }
}

fn next_char(s: &str, i: usize) -> Option<char> {
    s.get(i..).and_then(|r| r.chars().next())
}

fn unquote(raw: &str, base: usize, mode: Mode, track: bool) -> Option<Unquoted> {
    let mut out = Unquoted::new(track, raw.len(), base);
    let mut i = 0;
    let mut double = false;
    while let Some(c) = next_char(raw, i) {
        let len = c.len_utf8();
        match c {
            '\\' => match next_char(raw, i + 1) {
                Some('\n') => {
                    i += 2;
                    out.skip_to(base + i);
                }
                Some('\r') if next_char(raw, i + 2) == Some('\n') => {
                    i += 3;
                    out.skip_to(base + i);
                }
                Some(n) if !double || matches!(n, '$' | '`' | '"' | '\\') => {
                    let to = i + 1 + n.len_utf8();
                    out.push_char(n, base + i, base + to);
                    i = to;
                }
                _ => {
                    out.push_verbatim("\\", base + i);
                    i += 1;
                }
            },
            '\'' if !double => {
                let close = raw[i + 1..].find('\'')? + i + 1;
                out.push_verbatim(&raw[i + 1..close], base + i + 1);
                i = close + 1;
                out.skip_to(base + i);
            }
            '"' => {
                double = !double;
                i += 1;
                out.skip_to(base + i);
            }
            '`' => return None,
            '$' if !double && next_char(raw, i + 1) == Some('\'') => {
                i = ansi_c(raw, i + 2, base, &mut out)?;
            }
            '$' if !double && next_char(raw, i + 1) == Some('"') => {
                double = true;
                i += 2;
                out.skip_to(base + i);
            }
            '$' => match classify_dollar(&raw[i..]) {
                Dollar::Literal => {
                    out.push_verbatim("$", base + i);
                    i += 1;
                }
                Dollar::Substitution => return None,
                Dollar::Parameter(n) => {
                    if mode == Mode::Value {
                        return None;
                    }
                    let n = n.min(raw.len() - i);
                    let end = (i + n..=raw.len())
                        .find(|&e| raw.is_char_boundary(e))
                        .unwrap_or(raw.len());
                    out.push_verbatim(&raw[i..end], base + i);
                    i = end;
                }
            },
            _ => {
                out.push_verbatim(&raw[i..i + len], base + i);
                i += len;
            }
        }
    }
    (!double).then_some(out)
}

/// Decodes a `$'…'` string whose content starts at `i`; returns the offset after the closing
/// quote, `None` if it is not closed.
fn ansi_c(raw: &str, mut i: usize, base: usize, out: &mut Unquoted) -> Option<usize> {
    loop {
        let c = next_char(raw, i)?;
        match c {
            '\'' => {
                out.skip_to(base + i + 1);
                return Some(i + 1);
            }
            '\\' => {
                let start = i;
                let e = next_char(raw, i + 1)?;
                i += 1 + e.len_utf8();
                let simple = match e {
                    'n' => Some('\n'),
                    't' => Some('\t'),
                    'r' => Some('\r'),
                    'a' => Some('\x07'),
                    'b' => Some('\x08'),
                    'e' | 'E' => Some('\x1b'),
                    'f' => Some('\x0c'),
                    'v' => Some('\x0b'),
                    '\\' | '\'' | '"' | '?' => Some(e),
                    _ => None,
                };
                let decoded = if let Some(ch) = simple {
                    ch
                } else {
                    match e {
                        '0'..='7' => {
                            let (v, n) = digits(&raw[i - 1..], 8, 3);
                            i += n - 1;
                            char::from((v & 0xff) as u8)
                        }
                        'x' | 'u' | 'U' => {
                            let max = match e {
                                'x' => 2,
                                'u' => 4,
                                _ => 8,
                            };
                            let (v, n) = digits(&raw[i..], 16, max);
                            if n == 0 {
                                out.push_verbatim(&raw[start..i], base + start);
                                continue;
                            }
                            i += n;
                            if e == 'x' {
                                char::from(v as u8)
                            } else {
                                char::from_u32(v).unwrap_or('\u{fffd}')
                            }
                        }
                        'c' => {
                            let ctl = next_char(raw, i)?;
                            i += ctl.len_utf8();
                            char::from((ctl as u32 & 0x1f) as u8)
                        }
                        _ => {
                            out.push_verbatim(&raw[start..i], base + start);
                            continue;
                        }
                    }
                };
                out.push_char(decoded, base + start, base + i);
            }
            _ => {
                out.push_verbatim(&raw[i..i + c.len_utf8()], base + i);
                i += c.len_utf8();
            }
        }
    }
}

fn digits(s: &str, radix: u32, max: usize) -> (u32, usize) {
    let mut value = 0u32;
    let mut n = 0;
    for c in s.chars().take(max) {
        match c.to_digit(radix) {
            Some(d) => {
                value = value.wrapping_mul(radix).wrapping_add(d);
                n += 1;
            }
            None => break,
        }
    }
    (value, n)
}

/// A heredoc body's text (`body` starts at source offset `base`): `<<-` leading tabs
/// stripped, and when the delimiter is not quoted, `\$`, `` \` ``, `\\` and line
/// continuations processed. `Mode::Value` gives up on any expansion, `Mode::Script` only on
/// command substitutions.
pub(super) fn heredoc(
    body: &str,
    base: usize,
    quoted: bool,
    strip_tabs: bool,
    mode: Mode,
    track: bool,
) -> Option<Unquoted> {
    let mut out = Unquoted::new(track, body.len(), base);
    let mut i = 0;
    let mut line_start = true;
    while let Some(c) = next_char(body, i) {
        if line_start && strip_tabs && c == '\t' {
            i += 1;
            out.skip_to(base + i);
            continue;
        }
        line_start = c == '\n';
        let len = c.len_utf8();
        if quoted {
            out.push_verbatim(&body[i..i + len], base + i);
            i += len;
            continue;
        }
        match c {
            '\\' => match next_char(body, i + 1) {
                Some('\n') => {
                    i += 2;
                    out.skip_to(base + i);
                }
                Some(n @ ('$' | '`' | '\\')) => {
                    out.push_char(n, base + i, base + i + 2);
                    i += 2;
                }
                _ => {
                    out.push_verbatim("\\", base + i);
                    i += 1;
                }
            },
            '`' => return None,
            '$' => match classify_dollar(&body[i..]) {
                Dollar::Literal => {
                    out.push_verbatim("$", base + i);
                    i += 1;
                }
                Dollar::Substitution => return None,
                Dollar::Parameter(n) => {
                    if mode == Mode::Value {
                        return None;
                    }
                    let end = (i + n.min(body.len() - i)..=body.len())
                        .find(|&e| body.is_char_boundary(e))
                        .unwrap_or(body.len());
                    out.push_verbatim(&body[i..end], base + i);
                    i = end;
                }
            },
            _ => {
                out.push_verbatim(&body[i..i + len], base + i);
                i += len;
            }
        }
    }
    Some(out)
}

/// Whether a word is a `NAME=value` assignment.
pub(super) fn is_assignment(value: &str) -> bool {
    match value.split_once('=') {
        Some((name, _)) => {
            let name = name.strip_suffix('+').unwrap_or(name);
            let mut chars = name.chars();
            chars
                .next()
                .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
                && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        let cases: &[(&str, Option<&str>)] = &[
            ("plain", Some("plain")),
            ("'single quoted'", Some("single quoted")),
            (
                r#""double \"quoted\" \$x \n""#,
                Some(r#"double "quoted" $x \n"#),
            ),
            (r#"--opt="a b"c"#, Some("--opt=a bc")),
            (r"a\ b\\c", Some(r"a b\c")),
            (r"$'a\tb\x41\101\u00e9\''", Some("a\tbAAé'")),
            ("$\"translated\"", Some("translated")),
            ("$HOME/x", None),
            ("${A:-x}", None),
            ("\"$(id -u)\"", None),
            ("`date`", None),
            ("$((1+2))", None),
            ("cost$", Some("cost$")),
            ("a$ b", Some("a$ b")),
            ("'$HOME'", Some("$HOME")),
            ("/var/lib/apt/lists/*", Some("/var/lib/apt/lists/*")),
            ("'unterminated", None),
            ("\"unterminated", None),
            ("a\\\nb", Some("ab")),
            ("$", Some("$")),
            ("\\", Some("\\")),
        ];
        for (raw, want) in cases {
            assert_eq!(static_value(raw).as_deref(), *want, "{raw:?}");
        }
    }

    #[test]
    fn mapped_text_points_back_at_its_source() {
        let raw = r#""echo \"a b\" $X""#;
        let u = unquote_mapped(raw, 10).unwrap();
        assert_eq!(u.text, r#"echo "a b" $X"#);
        // `"a b"` in the text came from `\"a b\"` in the source.
        let r = u.map(5..10);
        assert_eq!(&raw[r.start - 10..r.end - 10], r#"\"a b\""#);
        let r = u.map(11..13);
        assert_eq!(&raw[r.start - 10..r.end - 10], "$X");
        assert_eq!(u.map(13..13), 27..27);
    }

    #[test]
    fn heredoc_bodies() {
        let body = "\techo \\$HOME $X\n\t\tdone\n";
        let v = heredoc(body, 0, false, true, Mode::Value, false);
        assert!(v.is_none());
        let s = heredoc(body, 0, false, true, Mode::Script, true).unwrap();
        assert_eq!(s.text, "echo $HOME $X\ndone\n");
        let q = heredoc(body, 0, true, false, Mode::Value, false).unwrap();
        assert_eq!(q.text, body);
        assert!(heredoc("a $(id)\n", 0, false, false, Mode::Script, true).is_none());
    }

    #[test]
    fn assignments() {
        assert!(is_assignment("A=1"));
        assert!(is_assignment("_a9+=x"));
        assert!(!is_assignment("--opt=1"));
        assert!(!is_assignment("9A=1"));
        assert!(!is_assignment("apt-get"));
    }
}
