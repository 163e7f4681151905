//! Byte-level text helpers that reproduce Go's notion of white space and UTF-8 decoding, so
//! that the parser splits exactly where BuildKit splits, even on invalid or exotic input.

/// Decodes one character at `i` the way Go's `utf8.DecodeRune` does: an invalid sequence is one
/// byte wide and decodes to U+FFFD.
pub(crate) fn decode_char(b: &[u8], i: usize) -> (char, usize) {
    let lead = b[i];
    let width = match lead {
        0x00..=0x7f => return (lead as char, 1),
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return (char::REPLACEMENT_CHARACTER, 1),
    };
    match b.get(i..i + width).map(std::str::from_utf8) {
        Some(Ok(s)) => (
            s.chars().next().unwrap_or(char::REPLACEMENT_CHARACTER),
            width,
        ),
        _ => (char::REPLACEMENT_CHARACTER, 1),
    }
}

/// Go's `unicode.IsSpace`.
pub(crate) fn is_go_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n'
            | '\u{0b}'
            | '\u{0c}'
            | '\r'
            | ' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'
            ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
    )
}

/// Go's `unicode.IsSpace(rune(b))` applied to a single byte, as BuildKit's byte-wise loops do
/// (so the bytes 0x85 and 0xA0 count as space there, even inside a UTF-8 sequence).
pub(crate) fn is_go_space_byte(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0x85 | 0xa0)
}

/// The white space of BuildKit's `reWhitespace` (`[\t\v\f\r ]+`).
pub(crate) fn is_re_space(b: u8) -> bool {
    matches!(b, b'\t' | 0x0b | 0x0c | b'\r' | b' ')
}

/// Width of the Unicode white space character starting at `i`, 0 if there is none.
pub(crate) fn space_at(b: &[u8], i: usize) -> usize {
    let (c, w) = decode_char(b, i);
    if is_go_space(c) {
        w
    } else {
        0
    }
}

/// Width of the Unicode white space character ending at `end`, 0 if there is none.
pub(crate) fn space_before(b: &[u8], end: usize) -> usize {
    for w in 1..=3.min(end) {
        let start = end - w;
        if let Ok(s) = std::str::from_utf8(&b[start..end]) {
            let mut chars = s.chars();
            if let (Some(c), None) = (chars.next(), chars.next()) {
                return if is_go_space(c) { w } else { 0 };
            }
        }
    }
    0
}

/// `strings.TrimLeftFunc(s, unicode.IsSpace)`: the first offset in `[start, end)` that is not
/// white space.
pub(crate) fn skip_space(b: &[u8], mut start: usize, end: usize) -> usize {
    while start < end {
        match b[start] {
            b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' => {
                start += 1;
                continue;
            }
            0x21..=0x7f => break,
            _ => {}
        }
        let w = space_at(&b[..end], start);
        if w == 0 {
            break;
        }
        start += w;
    }
    start
}

/// `strings.TrimSpace`: the range `[start, end)` without leading and trailing white space.
pub(crate) fn trim_space(b: &[u8], start: usize, mut end: usize) -> (usize, usize) {
    let start = skip_space(b, start, end);
    while end > start {
        match b[end - 1] {
            b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' => {
                end -= 1;
                continue;
            }
            0x21..=0x7f => break,
            _ => {}
        }
        let w = space_before(&b[start..], end - start);
        if w == 0 {
            break;
        }
        end -= w;
    }
    (start, end)
}

/// Go's `strconv.Quote`, which BuildKit's AST dump uses for every argument.
pub fn go_quote(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut i = 0;
    while i < s.len() {
        let (c, w) = decode_char(s, i);
        if c == char::REPLACEMENT_CHARACTER && w == 1 {
            out.push_str(&format!("\\x{:02x}", s[i]));
            i += 1;
            continue;
        }
        i += w;
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{07}' => out.push_str("\\a"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0b}' => out.push_str("\\v"),
            c if is_go_print(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `strconv.IsPrint` without a full Unicode table: control, format,
/// separator (other than U+0020), private-use and non-characters are not printable.
fn is_go_print(c: char) -> bool {
    let u = c as u32;
    if u < 0x20 || (0x7f..0xa0).contains(&u) {
        return false;
    }
    !matches!(
        u,
        0xa0 | 0xad
            | 0x600..=0x605
            | 0x61c
            | 0x6dd
            | 0x70f
            | 0x1680
            | 0x180e
            | 0x2000..=0x200f
            | 0x2028..=0x202f
            | 0x205f..=0x2064
            | 0x2066..=0x206f
            | 0x3000
            | 0xd800..=0xf8ff
            | 0xfeff
            | 0xfff9..=0xfffb
            | 0xfffe
            | 0xffff
            | 0xf0000..
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_matches_go() {
        assert_eq!(go_quote(b"a \"b\" \\"), r#""a \"b\" \\""#);
        assert_eq!(go_quote(b"\t\n\x00\x7f"), r#""\t\n\x00\x7f""#);
        assert_eq!(go_quote("한국어 é".as_bytes()), "\"한국어 é\"");
        assert_eq!(go_quote(b"\xff"), r#""\xff""#);
        assert_eq!(go_quote("\u{a0}\u{feff}".as_bytes()), r#""\u00a0\ufeff""#);
    }

    #[test]
    fn unicode_space_trimming() {
        let s = "\u{a0} a b\u{3000}".as_bytes();
        let (a, b) = trim_space(s, 0, s.len());
        assert_eq!(&s[a..b], b"a b");
        assert!(is_go_space_byte(0xa0));
        assert_eq!(
            decode_char(b"\xe2\x82", 0),
            (char::REPLACEMENT_CHARACTER, 1)
        );
        assert_eq!(space_before(b"x\xc2\x85", 3), 2);
        assert_eq!(space_before(b"x\x85", 2), 0);
    }
}
