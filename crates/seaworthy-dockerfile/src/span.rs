//! Byte spans into the original source, and the line/column index that turns them into
//! positions a user can find in an editor.

use std::fmt;

/// A half-open byte range `[start, end)` into the original source bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    pub const fn len(self) -> usize {
        self.end - self.start
    }

    pub const fn is_empty(self) -> bool {
        self.start == self.end
    }

    pub fn contains(self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start..self.end
    }
}

impl From<std::ops::Range<usize>> for Span {
    fn from(r: std::ops::Range<usize>) -> Self {
        Span::new(r.start, r.end)
    }
}

/// A 1-based line and a 1-based column counted in Unicode scalar values, the way editors and
/// compilers report positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Start offsets of every physical line, so offset -> position is a binary search.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(source: &[u8]) -> Self {
        let mut line_starts = Vec::with_capacity(source.len() / 32 + 1);
        line_starts.push(0);
        line_starts.extend(memchr::memchr_iter(b'\n', source).map(|i| i + 1));
        LineIndex { line_starts }
    }

    /// Number of physical lines (a final line without a newline counts; an empty trailing
    /// line after a final newline does not).
    pub fn line_count(&self, source_len: usize) -> usize {
        match self.line_starts.last() {
            Some(&last) if last == source_len && self.line_starts.len() > 1 => {
                self.line_starts.len() - 1
            }
            _ => self.line_starts.len(),
        }
    }

    /// Byte offset where 1-based `line` starts.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line.checked_sub(1)?).copied()
    }

    pub fn position(&self, source: &[u8], offset: usize) -> Position {
        let offset = offset.min(source.len());
        let line0 = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line0];
        let prefix = &source[start..offset];
        let column = String::from_utf8_lossy(prefix).chars().count() + 1;
        Position {
            line: line0 + 1,
            column,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let src = "FROM a\nRUN é x\n\nCMD";
        let idx = LineIndex::new(src.as_bytes());
        assert_eq!(
            idx.position(src.as_bytes(), 0),
            Position { line: 1, column: 1 }
        );
        let x = src.find('x').unwrap();
        assert_eq!(
            idx.position(src.as_bytes(), x),
            Position { line: 2, column: 7 }
        );
        let cmd = src.find("CMD").unwrap();
        assert_eq!(
            idx.position(src.as_bytes(), cmd),
            Position { line: 4, column: 1 }
        );
        assert_eq!(idx.line_count(src.len()), 4);
        assert_eq!(LineIndex::new(b"a\n").line_count(2), 1);
        assert_eq!(idx.line_start(2), Some(7));
    }
}
