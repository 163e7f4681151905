//! YAML as Compose reads it, into a tree whose every node carries its byte span.
//!
//! Events come from `saphyr-parser`; this module builds the tree, resolves anchors, aliases and
//! merge keys (`<<`), rejects duplicate keys, and types plain scalars the way compose-go's YAML
//! library (go-yaml v3/v4) does, so that a value means here what it means to `docker compose`.
//!
//! - **Scalars.** Quoted and block (`|`, `>`) scalars are strings. Plain scalars are typed as
//!   go-yaml's resolver types them: `true`/`True`/`TRUE` and `false`/`False`/`FALSE` are booleans
//!   (YAML 1.1 `yes`/`no`/`on`/`off` stay strings: go-yaml only accepts them when decoding into a
//!   Go `bool`, and compose-go converts such strings itself where its schema wants a boolean);
//!   ``, `~`, `null`/`Null`/`NULL` are null; integers as Go's `strconv.ParseInt(s, 0, 64)` reads
//!   them after removing `_` (decimal, `0x`, `0o`, `0b`, and a leading `0` meaning octal: `0755`
//!   is 493); floats (`1.5`, `.5`, `1e3`, `.inf`, `.nan`, `-0`); everything else, timestamps
//!   included, is a string. So `${PORT}` or `8080:80` are strings, ready for interpolation.
//!   Integers beyond `i64` that fit `u64` (go-yaml: `uint64`) become floats.
//! - **Tags** are kept on the node (`!reset`, `!override`, `!!str`). `!!str` makes a string;
//!   `!!int`, `!!float`, `!!bool`, `!!null` resolve the text and fail when it is not of that
//!   type; a scalar with any other tag (`!reset`, `!override`, `!`) is a string, as in go-yaml.
//! - **Anchors and aliases.** An alias becomes a copy of the anchored node, spans included, so
//!   a finding points where the value is written. Copies are bounded: [`MAX_COPIED_NODES`]
//!   nodes per document (an alias bomb is an error) and [`MAX_DEPTH`] levels of nesting.
//! - **Merge keys.** `<<: *a`, `<<: {..}` and `<<: [*a, *b]` are resolved: keys written in the
//!   mapping win, then earlier mappings of the list win over later ones. Merged entries keep
//!   their spans and take the place of the `<<` entry in the mapping's order.
//! - **Duplicate keys** are an error at the second one, as in go-yaml (which compares the key
//!   text: `1` and `"1"` are the same key). Keys arriving through a merge are never duplicates.
//! - **Documents.** [`parse`] reads a single document; [`parse_documents`] reads all of them
//!   (compose-go loads every document of a file and merges them in order, like override files).
//!   Anchors do not cross documents.

use std::collections::{HashMap, HashSet};
use std::fmt;

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

/// Deepest nesting of sequences and mappings accepted (aliases included).
pub const MAX_DEPTH: usize = 256;

/// Most nodes copied per document for anchors and alias expansion together.
pub const MAX_COPIED_NODES: u64 = 1_000_000;

/// A half-open byte range `[start, end)` into the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start..self.end
    }

    pub const fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// How a node is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Style {
    /// A plain (unquoted) scalar.
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// `|` block scalar.
    Literal,
    /// `>` block scalar.
    Folded,
    /// A block (indented) sequence or mapping.
    Block,
    /// A flow (`[..]`, `{..}`) sequence or mapping.
    Flow,
}

impl Style {
    pub fn is_quoted(self) -> bool {
        matches!(self, Style::SingleQuoted | Style::DoubleQuoted)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the value is written: a scalar's text (quotes included, anchor and tag excluded;
    /// a block scalar from its `|`/`>` to its last non-blank character), a flow collection's
    /// brackets, a block collection's first to last entry. Aliased copies keep the spans of
    /// the anchored node.
    pub span: Span,
    /// `!reset`, `!override`, `!!str` (core tags shortened to `!!`), `!<verbatim>`.
    pub tag: Option<String>,
    pub style: Style,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Seq(Vec<Node>),
    /// Entries in source order (merged entries where their `<<` was).
    Map(Vec<(Node, Node)>),
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The entry of a mapping whose key is the string `key`.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, v)| (k, v))
    }

    /// The value of a mapping's entry whose key is the string `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// Whether the node has tag `tag` (e.g. `"!reset"`).
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tag.as_deref() == Some(tag)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The document's content; an empty document (`---` alone) is a plain null with an empty
    /// span.
    pub root: Node,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub message: String,
    /// Where the problem is (possibly empty, e.g. at the end of the input).
    pub span: Span,
}

impl YamlError {
    fn new(message: impl Into<String>, span: Span) -> Self {
        YamlError {
            message: message.into(),
            span,
        }
    }

    /// Line and column of the error's start in `source`.
    pub fn position(&self, source: &str) -> Position {
        LineIndex::new(source).position(source, self.span.start)
    }
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for YamlError {}

/// A 1-based line and a 1-based column counted in characters.
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

/// Start offsets of every line, so that byte offset -> line and column is a binary search.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(source: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            source
                .bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { line_starts }
    }

    pub fn position(&self, source: &str, offset: usize) -> Position {
        let mut offset = offset.min(source.len());
        while !source.is_char_boundary(offset) {
            offset -= 1;
        }
        let line0 = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line0];
        Position {
            line: line0 + 1,
            column: source[start..offset].chars().count() + 1,
        }
    }
}

/// The single document of `src`, `None` when it holds none or only an empty one (`---`).
/// More than one document is an error at the second; see [`parse_documents`].
pub fn parse(src: &str) -> Result<Option<Document>, YamlError> {
    let mut docs = run_tolerant(src, Some(1))?;
    Ok(docs.pop().filter(|doc| !is_empty_document(doc)))
}

/// Every document of `src` in order (an empty stream gives none; an empty document `---` gives
/// a null root).
pub fn parse_documents(src: &str) -> Result<Vec<Document>, YamlError> {
    run_tolerant(src, None)
}

/// go-yaml, and so docker compose, accepts a flow collection's closing bracket on a line of
/// its own at the indentation of its key (`test: [` … `]` under `healthcheck:`), which
/// saphyr's scanner refuses as "invalid indentation". Such a bracket is moved back to just
/// after the previous content, the whitespace between them after it: the text keeps its
/// length, and every other offset its meaning.
fn run_tolerant(src: &str, max_documents: Option<usize>) -> Result<Vec<Document>, YamlError> {
    let mut text = std::borrow::Cow::Borrowed(src);
    for _ in 0..256 {
        match Loader::new(&text, max_documents).run() {
            Err(e) if e.message.contains("invalid indentation") => {
                match pull_back_bracket(&text, e.span.start) {
                    Some(fixed) => text = std::borrow::Cow::Owned(fixed),
                    None => return Err(e),
                }
            }
            other => return other,
        }
    }
    Loader::new(&text, max_documents).run()
}

/// `text` with the `]` or `}` at `at` moved before the whitespace that precedes it, when that
/// whitespace spans a line break and the previous line has no comment the bracket would land in.
fn pull_back_bracket(text: &str, at: usize) -> Option<String> {
    let bytes = text.as_bytes();
    let bracket = *bytes.get(at)?;
    if bracket != b']' && bracket != b'}' {
        return None;
    }
    let mut start = at;
    while start > 0 && matches!(bytes[start - 1], b' ' | b'\t' | b'\n' | b'\r') {
        start -= 1;
    }
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    if start == 0 || !text[start..at].contains('\n') || text[line_start..start].contains('#') {
        return None;
    }
    let mut fixed = String::with_capacity(text.len());
    fixed.push_str(&text[..start]);
    fixed.push(bracket as char);
    fixed.push_str(&text[start..at]);
    fixed.push_str(&text[at + 1..]);
    Some(fixed)
}

fn is_empty_document(doc: &Document) -> bool {
    let root = &doc.root;
    root.is_null() && root.tag.is_none() && root.span.is_empty()
}

/// How go-yaml types a plain, untagged scalar (see the module documentation).
pub fn resolve_plain(text: &str) -> Value {
    let Some(&first) = text.as_bytes().first() else {
        return Value::Null;
    };
    let hint = match first {
        b'+' | b'-' | b'0'..=b'9' => b'D',
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' | b'<' => b'M',
        b'.' => b'.',
        _ => return Value::String(text.to_string()),
    };
    match text {
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        "~" | "null" | "Null" | "NULL" => return Value::Null,
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        "-0" | "-0.0" => return Value::Float(-0.0),
        _ => {}
    }
    match hint {
        b'.' => {
            if let Some(f) = parse_yaml_float(text) {
                return Value::Float(f);
            }
        }
        b'D' => {
            let plain: String = text.chars().filter(|&c| c != '_').collect();
            match parse_go_int(&plain) {
                Some(GoInt::Signed(i)) => return Value::Int(i),
                Some(GoInt::Unsigned(u)) => return Value::Float(u as f64),
                None => {}
            }
            if let Some(f) = parse_yaml_float(&plain) {
                return Value::Float(f);
            }
        }
        _ => {}
    }
    Value::String(text.to_string())
}

enum GoInt {
    Signed(i64),
    Unsigned(u64),
}

/// Go's `strconv.ParseInt(s, 0, 64)`, then `ParseUint(s, 0, 64)` for what only fits a `u64`.
fn parse_go_int(s: &str) -> Option<GoInt> {
    let (negative, signed, body) = match s.as_bytes().first()? {
        b'-' => (true, true, &s[1..]),
        b'+' => (false, true, &s[1..]),
        _ => (false, false, s),
    };
    let bytes = body.as_bytes();
    if bytes.is_empty() {
        return None;
    }
    let (radix, digits) = if bytes[0] == b'0' {
        match bytes.get(1).map(u8::to_ascii_lowercase) {
            Some(b'x') if bytes.len() >= 3 => (16, &body[2..]),
            Some(b'o') if bytes.len() >= 3 => (8, &body[2..]),
            Some(b'b') if bytes.len() >= 3 => (2, &body[2..]),
            _ => (8, &body[1..]),
        }
    } else {
        (10, body)
    };
    let mut value: u64 = 0;
    for c in digits.chars() {
        let d = c.to_digit(radix)?;
        value = value
            .checked_mul(u64::from(radix))?
            .checked_add(u64::from(d))?;
    }
    if negative {
        if value <= 1 << 63 {
            return Some(GoInt::Signed((value as i64).wrapping_neg()));
        }
        return None;
    }
    match i64::try_from(value) {
        Ok(i) => Some(GoInt::Signed(i)),
        Err(_) if !signed => Some(GoInt::Unsigned(value)),
        Err(_) => None,
    }
}

/// go-yaml's float form `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, finite.
fn parse_yaml_float(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let from = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - from
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return None;
        }
    } else {
        if digits(&mut i) == 0 {
            return None;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    // Go's ParseFloat reports overflow as an error: go-yaml then keeps the text.
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

fn tag_name(tag: &Tag) -> String {
    match tag.handle.as_str() {
        "!" => format!("!{}", tag.suffix),
        "tag:yaml.org,2002:" => format!("!!{}", tag.suffix),
        "" => format!("!<{}>", tag.suffix),
        handle => format!("{handle}{}", tag.suffix),
    }
}

/// A scalar's value given its text, style and tag, as go-yaml decodes it.
fn scalar_value(
    text: &str,
    style: Style,
    tag: Option<&str>,
    span: Span,
) -> Result<Value, YamlError> {
    let wanted = match tag {
        None if style == Style::Plain => return Ok(resolve_plain(text)),
        Some(t @ ("!!int" | "!!float" | "!!bool" | "!!null")) => t,
        _ => return Ok(Value::String(text.to_string())),
    };
    let value = resolve_plain(text);
    let value = match (wanted, value) {
        ("!!int", v @ Value::Int(_))
        | ("!!float", v @ Value::Float(_))
        | ("!!bool", v @ Value::Bool(_))
        | ("!!null", v @ Value::Null) => v,
        ("!!float", Value::Int(i)) => Value::Float(i as f64),
        (_, other) => {
            let found = match other {
                Value::Null => "!!null",
                Value::Bool(_) => "!!bool",
                Value::Int(_) => "!!int",
                Value::Float(_) => "!!float",
                _ => "!!str",
            };
            return Err(YamlError::new(
                format!("cannot construct {found} `{text}` as a {wanted}"),
                span,
            ));
        }
    };
    Ok(value)
}

/// Char index (saphyr's markers) to byte offset.
struct CharOffsets {
    len: usize,
    /// Byte offset of every char, empty when the source is ASCII.
    offsets: Vec<usize>,
}

impl CharOffsets {
    fn new(src: &str) -> Self {
        let offsets = if src.is_ascii() {
            Vec::new()
        } else {
            src.char_indices().map(|(i, _)| i).collect()
        };
        CharOffsets {
            len: src.len(),
            offsets,
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.offsets.is_empty() {
            char_index.min(self.len)
        } else {
            self.offsets.get(char_index).copied().unwrap_or(self.len)
        }
    }

    fn span(&self, span: &saphyr_parser::Span) -> Span {
        let start = self.byte(span.start.index());
        Span::new(start, self.byte(span.end.index()).max(start))
    }
}

/// A finished node and what its parent needs to know about it.
#[derive(Clone)]
struct Built {
    node: Node,
    /// Nodes in the subtree.
    size: u64,
    /// Levels in the subtree (a scalar is 1).
    height: usize,
    /// A scalar's text: go-yaml's identity of it as a mapping key.
    key_text: Option<String>,
}

enum Entry {
    Pair(Node, Node),
    Merge(Node),
}

enum FrameKind {
    Seq(Vec<Node>),
    Map {
        entries: Vec<Entry>,
        key: Option<Built>,
        /// Key identity -> span of the key that first used it.
        seen: HashMap<String, Span>,
    },
}

struct Frame {
    kind: FrameKind,
    start: usize,
    tag: Option<String>,
    anchor: usize,
    style: Style,
    size: u64,
    height: usize,
    /// End of the last child seen.
    end: usize,
}

struct Loader<'a> {
    src: &'a str,
    offsets: CharOffsets,
    max_documents: Option<usize>,
    docs: Vec<Document>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Built>,
    open_anchors: HashSet<usize>,
    copied: u64,
    /// End of the previous event's text, where a block scalar's header is looked for.
    last_end: usize,
    lines: Option<LineIndex>,
}

impl<'a> Loader<'a> {
    fn new(src: &'a str, max_documents: Option<usize>) -> Self {
        Loader {
            src,
            offsets: CharOffsets::new(src),
            max_documents,
            docs: Vec::new(),
            stack: Vec::new(),
            anchors: HashMap::new(),
            open_anchors: HashSet::new(),
            copied: 0,
            last_end: 0,
            lines: None,
        }
    }

    fn run(mut self) -> Result<Vec<Document>, YamlError> {
        let mut parser = Parser::new_from_str(self.src);
        while let Some(next) = parser.next_event() {
            let (event, span) = next.map_err(|e| {
                let at = self.offsets.byte(e.marker().index());
                let end = self.src[at..]
                    .chars()
                    .next()
                    .map_or(at, |c| at + c.len_utf8());
                YamlError::new(e.info().to_string(), Span::new(at, end))
            })?;
            let mut span = self.offsets.span(&span);
            if let Event::Scalar(_, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted, ..) =
                &event
            {
                span.end = quoted_end(self.src.as_bytes(), span);
            }
            self.event(event, span)?;
            self.last_end = self.last_end.max(span.end);
        }
        Ok(self.docs)
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        match event {
            Event::DocumentStart(_) => {
                if self.max_documents.is_some_and(|max| self.docs.len() >= max) {
                    return Err(YamlError::new(
                        "a second YAML document starts here; only one is expected",
                        span,
                    ));
                }
                self.anchors.clear();
                self.open_anchors.clear();
                self.copied = 0;
            }
            Event::Scalar(text, style, anchor, tag) => {
                let built = self.scalar(&text, style, tag.as_deref(), span)?;
                self.finish(built, anchor)?;
            }
            Event::Alias(id) => {
                let built = self.alias(id, span)?;
                self.finish(built, 0)?;
            }
            Event::SequenceStart(anchor, tag) => {
                self.open(FrameKind::Seq(Vec::new()), anchor, tag.as_deref(), span)?
            }
            Event::MappingStart(anchor, tag) => self.open(
                FrameKind::Map {
                    entries: Vec::new(),
                    key: None,
                    seen: HashMap::new(),
                },
                anchor,
                tag.as_deref(),
                span,
            )?,
            Event::SequenceEnd | Event::MappingEnd => self.close(span)?,
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn scalar(
        &mut self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        span: Span,
    ) -> Result<Built, YamlError> {
        let style = match style {
            ScalarStyle::Plain => Style::Plain,
            ScalarStyle::SingleQuoted => Style::SingleQuoted,
            ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
            ScalarStyle::Literal => Style::Literal,
            ScalarStyle::Folded => Style::Folded,
        };
        let tag = tag.map(tag_name);
        let bytes = self.src.as_bytes();
        // saphyr's span starts at the node's anchor or tag, if any.
        let span_start = span.start;
        let mut start = skip_properties(bytes, span.start, span.end);
        let mut end = span.end;
        if matches!(style, Style::Literal | Style::Folded) {
            // ... and a block scalar's without them at its content, after the header.
            if !matches!(bytes.get(start), Some(b'|' | b'>')) {
                if let Some(header) = find_block_header(bytes, self.last_end, start) {
                    start = header;
                }
            }
            while end > start + 1 && bytes[end - 1].is_ascii_whitespace() {
                end -= 1;
            }
        }
        let mut span = Span::new(start.min(end), end);
        if text.is_empty() && style == Style::Plain && start == span_start {
            // An omitted value: saphyr places it at the next token; place it after the last.
            let at = self.last_end.min(span_start);
            span = Span::new(at, at);
        }
        let value = scalar_value(text, style, tag.as_deref(), span)?;
        Ok(Built {
            node: Node {
                span,
                tag,
                style,
                value,
            },
            size: 1,
            height: 1,
            key_text: Some(text.to_string()),
        })
    }

    fn alias(&mut self, id: usize, span: Span) -> Result<Built, YamlError> {
        let Some(anchored) = self.anchors.get(&id) else {
            let message = if self.open_anchors.contains(&id) {
                "alias refers to a node that contains it"
            } else {
                "alias refers to an anchor defined in another document"
            };
            return Err(YamlError::new(message, span));
        };
        if self.stack.len() + anchored.height > MAX_DEPTH {
            return Err(YamlError::new(
                format!("alias expands to nesting deeper than {MAX_DEPTH} levels"),
                span,
            ));
        }
        self.copied = self.copied.saturating_add(anchored.size);
        if self.copied > MAX_COPIED_NODES {
            return Err(YamlError::new(
                format!("aliases expand to more than {MAX_COPIED_NODES} nodes (an alias bomb?)"),
                span,
            ));
        }
        Ok(anchored.clone())
    }

    fn open(
        &mut self,
        kind: FrameKind,
        anchor: usize,
        tag: Option<&Tag>,
        span: Span,
    ) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(YamlError::new(
                format!("nesting deeper than {MAX_DEPTH} levels"),
                span,
            ));
        }
        let bytes = self.src.as_bytes();
        let (style, start) = if span.end > span.start && matches!(bytes[span.end - 1], b'[' | b'{')
        {
            (Style::Flow, span.end - 1)
        } else {
            let mut start = span.end;
            // An indentless sequence (`key:\n- a`) starts after its first `- `.
            if matches!(kind, FrameKind::Seq(_)) && bytes.get(start) != Some(&b'-') {
                let mut i = start;
                while i > 0 && matches!(bytes[i - 1], b' ' | b'\t') {
                    i -= 1;
                }
                if i > 0 && bytes[i - 1] == b'-' {
                    start = i - 1;
                }
            }
            // `[a: 1]` holds a single-pair mapping without braces.
            let in_flow = self.stack.last().is_some_and(|f| f.style == Style::Flow);
            (if in_flow { Style::Flow } else { Style::Block }, start)
        };
        if anchor != 0 {
            self.open_anchors.insert(anchor);
        }
        self.stack.push(Frame {
            kind,
            start,
            tag: tag.map(tag_name),
            anchor,
            style,
            size: 1,
            height: 1,
            end: start,
        });
        Ok(())
    }

    fn close(&mut self, span: Span) -> Result<(), YamlError> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        // A flow collection ends with its bracket; a block one (or a single-pair mapping in a
        // flow sequence, whose end event is empty) with its last entry.
        let end = if frame.style == Style::Flow && !span.is_empty() {
            span.end.max(frame.start)
        } else {
            frame.end
        };
        let value = match frame.kind {
            FrameKind::Seq(items) => Value::Seq(items),
            FrameKind::Map { entries, .. } => Value::Map(resolve_merges(entries)?),
        };
        let node = Node {
            span: Span::new(frame.start, end),
            tag: frame.tag,
            style: frame.style,
            value,
        };
        let built = Built {
            node,
            size: frame.size,
            height: frame.height,
            key_text: None,
        };
        self.finish(built, frame.anchor)
    }

    /// Hands a finished node to its parent (or makes it the document), recording its anchor.
    fn finish(&mut self, built: Built, anchor: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            self.copied = self.copied.saturating_add(built.size);
            if self.copied > MAX_COPIED_NODES {
                return Err(YamlError::new(
                    format!("anchors and aliases copy more than {MAX_COPIED_NODES} nodes"),
                    built.node.span,
                ));
            }
            self.open_anchors.remove(&anchor);
            self.anchors.insert(anchor, built.clone());
        }
        let Some(parent) = self.stack.last_mut() else {
            self.docs.push(Document { root: built.node });
            return Ok(());
        };
        parent.size = parent.size.saturating_add(built.size);
        parent.height = parent.height.max(built.height + 1);
        parent.end = parent.end.max(built.node.span.end);
        match &mut parent.kind {
            FrameKind::Seq(items) => items.push(built.node),
            FrameKind::Map { entries, key, seen } => match key.take() {
                None => {
                    let identity = match &built.key_text {
                        Some(text) => format!("scalar:{text}"),
                        None => canonical(&built.node),
                    };
                    if let Some(first) = seen.get(&identity) {
                        let line = self
                            .lines
                            .get_or_insert_with(|| LineIndex::new(self.src))
                            .position(self.src, first.start)
                            .line;
                        let shown: String = match &built.key_text {
                            Some(text) => text.chars().take(80).collect(),
                            None => "(collection)".to_string(),
                        };
                        return Err(YamlError::new(
                            format!("mapping key {shown:?} already defined at line {line}"),
                            built.node.span,
                        ));
                    }
                    seen.insert(identity, built.node.span);
                    *key = Some(built);
                }
                Some(k) => {
                    if is_merge_key(&k.node) {
                        entries.push(Entry::Merge(built.node));
                    } else {
                        entries.push(Entry::Pair(k.node, built.node));
                    }
                }
            },
        }
        Ok(())
    }
}

fn is_merge_key(key: &Node) -> bool {
    key.as_str() == Some("<<")
        && match key.tag.as_deref() {
            None => key.style == Style::Plain,
            Some(tag) => tag == "!!merge",
        }
}

/// Skips an anchor and a tag (and the space and comments after them) from `at`, up to `limit`.
fn skip_properties(bytes: &[u8], mut at: usize, limit: usize) -> usize {
    while at < limit && matches!(bytes[at], b'&' | b'!') {
        while at < limit && !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        at = skip_blank(bytes, at, limit);
    }
    at
}

/// The end of the quoted scalar that saphyr reports at `span` (its anchor and tag first, if
/// any): just after its closing quote. saphyr's span runs on over the blanks and the comment
/// that follow the quote (and, for a key, up to its `:`), which are not part of the scalar.
fn quoted_end(bytes: &[u8], span: Span) -> usize {
    let open = skip_properties(bytes, span.start, span.end);
    let quote = match bytes.get(open) {
        Some(&q @ (b'"' | b'\'')) if open < span.end => q,
        _ => return span.end,
    };
    let mut at = open + 1;
    while at < span.end {
        match bytes[at] {
            // `\"` (and any escape) inside double quotes; a backslash is literal in single ones.
            b'\\' if quote == b'"' => at += 2,
            // `''` is a quote inside single quotes.
            b'\'' if quote == b'\'' && bytes.get(at + 1) == Some(&b'\'') => at += 2,
            b if b == quote => return at + 1,
            _ => at += 1,
        }
    }
    span.end
}

fn skip_blank(bytes: &[u8], mut at: usize, limit: usize) -> usize {
    while at < limit {
        match bytes[at] {
            b' ' | b'\t' | b'\r' | b'\n' => at += 1,
            b'#' => {
                while at < limit && bytes[at] != b'\n' {
                    at += 1;
                }
            }
            _ => break,
        }
    }
    at
}

/// The `|` or `>` of a block scalar whose content starts at `content`, looking from `from`
/// (the end of the previous token) past indicators, properties and comments.
fn find_block_header(bytes: &[u8], from: usize, content: usize) -> Option<usize> {
    let mut at = from;
    while at < content {
        at = skip_blank(bytes, at, content);
        match bytes.get(at)? {
            b'|' | b'>' => return Some(at),
            b':' | b'-' | b'?' | b',' => at += 1,
            b'&' | b'!' => at = skip_properties(bytes, at, content),
            _ => return None,
        }
    }
    None
}

/// A mapping's entries with its merge keys resolved: explicit keys win, then earlier merged
/// mappings over later ones; merged entries take the place of their `<<`.
fn resolve_merges(entries: Vec<Entry>) -> Result<Vec<(Node, Node)>, YamlError> {
    if !entries.iter().any(|e| matches!(e, Entry::Merge(_))) {
        return Ok(entries
            .into_iter()
            .map(|e| match e {
                Entry::Pair(k, v) => (k, v),
                Entry::Merge(_) => unreachable!("no merge entries"),
            })
            .collect());
    }
    // go-yaml compares merged keys by their decoded value.
    let mut taken: HashSet<String> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Pair(k, _) => Some(canonical(k)),
            Entry::Merge(_) => None,
        })
        .collect();
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let value = match entry {
            Entry::Pair(k, v) => {
                out.push((k, v));
                continue;
            }
            Entry::Merge(value) => value,
        };
        let not_a_map = |span| {
            YamlError::new(
                "map merge requires map or sequence of maps as the value",
                span,
            )
        };
        let sources = match value.value {
            Value::Map(_) => vec![value],
            Value::Seq(items) => {
                if let Some(bad) = items.iter().find(|n| !matches!(n.value, Value::Map(_))) {
                    return Err(not_a_map(bad.span));
                }
                items
            }
            _ => return Err(not_a_map(value.span)),
        };
        for source in sources {
            let Value::Map(pairs) = source.value else {
                continue;
            };
            for (k, v) in pairs {
                if taken.insert(canonical(&k)) {
                    out.push((k, v));
                }
            }
        }
    }
    Ok(out)
}

/// A string identifying a node's value (ignoring spans, tags and styles), for comparing keys.
fn canonical(node: &Node) -> String {
    let mut out = String::new();
    write_canonical(node, &mut out);
    out
}

fn write_canonical(node: &Node, out: &mut String) {
    use std::fmt::Write;
    match &node.value {
        Value::Null => out.push('~'),
        Value::Bool(b) => {
            let _ = write!(out, "b{b}");
        }
        Value::Int(i) => {
            let _ = write!(out, "i{i}");
        }
        Value::Float(f) => {
            let _ = write!(out, "f{}", f.to_bits());
        }
        Value::String(s) => {
            let _ = write!(out, "s{}:{s}", s.len());
        }
        Value::Seq(items) => {
            out.push('[');
            for item in items {
                write_canonical(item, out);
                out.push(',');
            }
            out.push(']');
        }
        Value::Map(entries) => {
            out.push('{');
            for (k, v) in entries {
                write_canonical(k, out);
                out.push(':');
                write_canonical(v, out);
                out.push(',');
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(src: &str) -> Node {
        parse(src)
            .unwrap_or_else(|e| panic!("{src:?}: {} at {:?}", e.message, e.span))
            .expect("a document")
            .root
    }

    /// The source text of every quoted scalar of `src`, keys and values, in document order.
    fn quoted(src: &str) -> Vec<&str> {
        fn walk<'s>(src: &'s str, node: &Node, out: &mut Vec<&'s str>) {
            if node.style.is_quoted() {
                out.push(&src[node.span.range()]);
            }
            match &node.value {
                Value::Seq(items) => items.iter().for_each(|n| walk(src, n, out)),
                Value::Map(entries) => entries.iter().for_each(|(k, v)| {
                    walk(src, k, out);
                    walk(src, v, out);
                }),
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(src, &root(src), &mut out);
        out
    }

    #[test]
    fn quoted_values_in_a_block_mapping_end_at_their_closing_quote() {
        let src = "a: \"x\"   # c\nb: 'y'\t# d\nc: \"\" # e\nd: '' \ne: \"z\"\n";
        assert_eq!(quoted(src), ["\"x\"", "'y'", "\"\"", "''", "\"z\""]);
        let doc = root(src);
        assert_eq!(doc.get("a").unwrap().as_str(), Some("x"));
        assert_eq!(doc.get("b").unwrap().as_str(), Some("y"));
        // The mapping ends with its last entry, not with a comment after it.
        let src = "s:\n  a: 'x'   # c\nt: 1\n";
        let s = root(src).get("s").unwrap().clone();
        assert_eq!(&src[s.span.range()], "a: 'x'");
    }

    #[test]
    fn quoted_items_in_a_block_sequence_end_at_their_closing_quote() {
        let src = "- \"x\" # c\n- 'y'   # d\n-   \"z\"\n- [\"in\" ] # e\n";
        assert_eq!(quoted(src), ["\"x\"", "'y'", "\"z\"", "\"in\""]);
        let src = "k:\n- \"x\"   # c\n- 'y'  # d\n";
        assert_eq!(quoted(src), ["\"x\"", "'y'"]);
        let seq = root(src).get("k").unwrap().clone();
        assert_eq!(&src[seq.span.range()], "- \"x\"   # c\n- 'y'");
    }

    #[test]
    fn quoted_scalars_in_flow_collections_end_at_their_closing_quote() {
        assert_eq!(quoted("[\"a\" , 'b' ]"), ["\"a\"", "'b'"]);
        assert_eq!(quoted("{k: \"v\" }"), ["\"v\""]);
        assert_eq!(
            quoted("{\"k\" : 'v' , x: \"y\"}\n"),
            ["\"k\"", "'v'", "\"y\""]
        );
        assert_eq!(quoted("[ \"a\",\n  'b'  # c\n ]\n"), ["\"a\"", "'b'"]);
        // A single-pair mapping in a flow sequence, and JSON-like adjacent values.
        assert_eq!(quoted("[\"k\" : 'v' ]"), ["\"k\"", "'v'"]);
        assert_eq!(quoted("{\"k\":\"v\"}"), ["\"k\"", "\"v\""]);
    }

    #[test]
    fn multi_line_quoted_scalars_span_every_line() {
        let src = "a: \"one\n  two\"  # c\nb: 'three\n\n  four'   \nc: x\n";
        assert_eq!(quoted(src), ["\"one\n  two\"", "'three\n\n  four'"]);
        let doc = root(src);
        assert_eq!(doc.get("a").unwrap().as_str(), Some("one two"));
        assert_eq!(doc.get("b").unwrap().as_str(), Some("three\nfour"));
        // An escaped line break inside double quotes.
        let src = "a: \"one\\\n  two\" # c\n";
        assert_eq!(quoted(src), ["\"one\\\n  two\""]);
        assert_eq!(root(src).get("a").unwrap().as_str(), Some("onetwo"));
    }

    #[test]
    fn quoted_keys_end_at_their_closing_quote() {
        let src = "\"k\" : v\n'j'   : w # c\n\"e\":\n";
        assert_eq!(
            quoted(src),
            ["\"k\"", "'j'"]
                .into_iter()
                .chain(["\"e\""])
                .collect::<Vec<_>>()
        );
        let doc = root(src);
        let (k, v) = doc.entry("k").unwrap();
        assert_eq!(k.span, Span::new(0, 3));
        assert_eq!(&src[v.span.range()], "v");
        // An omitted value sits just after its quoted key, as after a plain one.
        let (e, null) = doc.entry("e").unwrap();
        assert!(null.is_null());
        assert_eq!(null.span, Span::new(e.span.end, e.span.end));
        // A block scalar after a quoted key still spans from its header.
        let src = "\"k\"  : |  # c\n  text\n";
        let (k, v) = root(src).entry("k").map(|(k, v)| (k.span, v.span)).unwrap();
        assert_eq!(&src[k.range()], "\"k\"");
        assert_eq!(&src[v.range()], "|  # c\n  text");
    }

    #[test]
    fn escaped_quotes_do_not_end_a_quoted_scalar() {
        let src = concat!(
            "a: \"a\\\"b\"  # \"q\"\n",
            "b: 'it''s'  # 'q'\n",
            "c: \"back\\\\\"  # \"\n",
            "d: 'back\\'  # '\n",
            "e: \"a\\\\\\\"b\" #\n",
            "f: '''' # ''\n",
            "g: \"# not a comment\"   # one\n",
        );
        assert_eq!(
            quoted(src),
            [
                "\"a\\\"b\"",
                "'it''s'",
                "\"back\\\\\"",
                "'back\\'",
                "\"a\\\\\\\"b\"",
                "''''",
                "\"# not a comment\"",
            ]
        );
        let doc = root(src);
        assert_eq!(doc.get("a").unwrap().as_str(), Some("a\"b"));
        assert_eq!(doc.get("b").unwrap().as_str(), Some("it's"));
        assert_eq!(doc.get("c").unwrap().as_str(), Some("back\\"));
        assert_eq!(doc.get("d").unwrap().as_str(), Some("back\\"));
        assert_eq!(doc.get("e").unwrap().as_str(), Some("a\\\"b"));
        assert_eq!(doc.get("f").unwrap().as_str(), Some("'"));
    }

    #[test]
    fn quoted_scalars_in_crlf_files_end_at_their_closing_quote() {
        let src = "a: \"x\"  # c\r\nb: 'y'\r\n\"k\" : 'multi\r\n  line'  # d\r\nl:\r\n- \"i\" \r\n";
        assert_eq!(
            quoted(src),
            ["\"x\"", "'y'", "\"k\"", "'multi\r\n  line'", "\"i\""]
        );
        assert_eq!(root(src).get("k").unwrap().as_str(), Some("multi line"));
    }

    #[test]
    fn a_quoted_scalar_at_the_end_of_the_file_ends_at_its_quote() {
        assert_eq!(quoted("a: \"x\""), ["\"x\""]);
        assert_eq!(quoted("a: 'x'   "), ["'x'"]);
        assert_eq!(quoted("a: \"x\" # c"), ["\"x\""]);
        assert_eq!(quoted("- 'x''' # c"), ["'x'''"]);
        assert_eq!(quoted("\"x\"  "), ["\"x\""]);
    }

    #[test]
    fn quoted_scalars_with_properties_or_non_ascii_text() {
        // The span excludes anchor and tag, and aliases copy it.
        let src = "a: &x !!str \"v\"  # c\nb: *x\nc: !reset 'w' # d\n";
        assert_eq!(quoted(src), ["\"v\"", "\"v\"", "'w'"]);
        let doc = root(src);
        assert_eq!(doc.get("b").unwrap().span, doc.get("a").unwrap().span);
        // Byte offsets after multi-byte characters, inside and after the scalar.
        let src = "é: \"ü\\\"ß\"  # ç\nñ: 'ø''€'   # 😀\nz: \"a\"\n";
        assert_eq!(quoted(src), ["\"ü\\\"ß\"", "'ø''€'", "\"a\""]);
    }

    #[test]
    fn quoted_end_stops_at_the_closing_quote() {
        let end = |src: &str| quoted_end(src.as_bytes(), Span::new(0, src.len()));
        assert_eq!(end("\"a\" # c"), 3);
        assert_eq!(end("'a''b'  "), 6);
        assert_eq!(end("\"a\\\"\" "), 5);
        assert_eq!(end("'a\\' "), 4);
        assert_eq!(end("&x !t \"a\" "), 9);
        // Not a quoted scalar, or no closing quote in the span: the span is kept.
        assert_eq!(end("plain  "), 7);
        assert_eq!(end("\"open"), 5);
    }
}
