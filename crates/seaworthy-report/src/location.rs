//! Where a finding is, in the terms the machine-readable formats need: line/column ranges,
//! the text of a line, paths as URIs, and fingerprints that survive unrelated edits.

use std::collections::HashMap;

use seaworthy_dockerfile::{Position, Span};

use crate::Source;
use sha2::{Digest, Sha256};

use crate::FileReport;

/// A span as 1-based lines and columns (columns in Unicode scalar values). `end` is exclusive:
/// the position just after the last character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Region {
    pub start: Position,
    pub end: Position,
}

impl Region {
    /// The span's lines and columns. A span that ends with its line's terminator ends on that
    /// line rather than at column 1 of the next, so one-line findings stay on one line.
    pub fn of(file: &dyn Source, span: Span) -> Region {
        let source = file.source();
        let start_offset = span.start.min(source.len());
        let mut end_offset = span.end.clamp(start_offset, source.len());
        while end_offset > start_offset && matches!(source[end_offset - 1], b'\n' | b'\r') {
            end_offset -= 1;
        }
        Region {
            start: file.position(start_offset),
            end: file.position(end_offset),
        }
    }

    /// The column of the last character when the region is on one line and not empty: the
    /// inclusive end some formats (GitHub annotations) expect.
    pub fn last_column(&self) -> Option<usize> {
        (self.start.line == self.end.line && self.end.column > self.start.column)
            .then(|| self.end.column - 1)
    }
}

/// The text of 1-based `line` without its terminator (lossy for invalid UTF-8).
pub(crate) fn line_text(file: &dyn Source, line: usize) -> String {
    let source = file.source();
    let Some(start) = file.line_index().line_start(line) else {
        return String::new();
    };
    let start = start.min(source.len());
    let end = source[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(source.len(), |i| start + i);
    String::from_utf8_lossy(&source[start..end])
        .trim_end_matches('\r')
        .to_owned()
}

/// One fingerprint per finding of `report`, in order: a SHA-256 of the path, the rule id, the
/// trimmed text of the finding's first line and how many earlier findings of the same rule sit
/// on an identical line of the same file. Adding or removing lines elsewhere keeps it; editing
/// the offending line or renaming the file changes it.
pub(crate) fn fingerprints(report: &FileReport<'_>) -> Vec<String> {
    let mut seen: HashMap<(&str, String), usize> = HashMap::new();
    report
        .findings
        .iter()
        .map(|f| {
            // A logical artifact's place stands for the offending line.
            let text = match report.logical_kind() {
                Some(_) => f.logical.clone().unwrap_or_default(),
                None => {
                    let line = report.file.position(f.span.start).line;
                    line_text(report.file, line).trim().to_owned()
                }
            };
            let occurrence = seen.entry((f.rule.id, text.clone())).or_insert(0);
            let mut hasher = Sha256::new();
            for part in [
                report.path.as_bytes(),
                f.rule.id.as_bytes(),
                text.as_bytes(),
                occurrence.to_string().as_bytes(),
            ] {
                // Length-prefixed so that no two different inputs concatenate alike.
                hasher.update((part.len() as u64).to_le_bytes());
                hasher.update(part);
            }
            *occurrence += 1;
            hex(&hasher.finalize())
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The path with forward slashes and without a leading `./`, as repository-relative tools
/// (GitLab, SARIF consumers) expect.
pub(crate) fn normalized_path(path: &str) -> String {
    let mut p = path.replace('\\', "/");
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.to_owned();
    }
    p
}

/// Characters left as they are in a URI path; everything else is percent-encoded as UTF-8.
const URI_PATH: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'+')
    .remove(b'@')
    .remove(b':')
    .remove(b'=')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b',')
    .remove(b';');

/// A path as a URI reference: `(uri, base)`, where `base` is `Some("%SRCROOT%")` for a
/// relative path and `None` for an absolute one (then the URI is a `file://` URI).
pub(crate) fn path_uri(path: &str) -> (String, Option<&'static str>) {
    let p = normalized_path(path);
    let encode = |s: &str| percent_encoding::utf8_percent_encode(s, URI_PATH).to_string();
    let bytes = p.as_bytes();
    let windows_drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    if p.starts_with('/') {
        (format!("file://{}", encode(&p)), None)
    } else if windows_drive {
        (format!("file:///{}:{}", &p[..1], encode(&p[2..])), None)
    } else {
        // A relative reference whose first segment holds a colon would read as a scheme.
        let first = p.split('/').next().unwrap_or("");
        let encoded = if first.contains(':') {
            encode(&p).replacen(':', "%3A", 1)
        } else {
            encode(&p)
        };
        (encoded, Some("%SRCROOT%"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(
            path_uri("./svc/Dockerfile"),
            ("svc/Dockerfile".into(), Some("%SRCROOT%"))
        );
        assert_eq!(
            path_uri("dir with space\\Dockerfile.prod"),
            (
                "dir%20with%20space/Dockerfile.prod".into(),
                Some("%SRCROOT%")
            )
        );
        assert_eq!(
            path_uri("/abs/é#1/Dockerfile"),
            ("file:///abs/%C3%A9%231/Dockerfile".into(), None)
        );
        assert_eq!(
            path_uri("C:\\src\\Dockerfile"),
            ("file:///C:/src/Dockerfile".into(), None)
        );
    }

    #[test]
    fn a_region_ending_at_a_newline_stays_on_its_line() {
        let df =
            seaworthy_dockerfile::Dockerfile::parse(b"FROM a\nUSER r\xc3\xa9\n".to_vec()).unwrap();
        let r = Region::of(&df, Span::new(7, 16));
        assert_eq!((r.start.line, r.start.column), (2, 1));
        assert_eq!((r.end.line, r.end.column), (2, 8));
        assert_eq!(r.last_column(), Some(7));
        assert_eq!(line_text(&df, 2), "USER ré");
    }
}
