//! The lossless Dockerfile syntax tree and BuildKit's grammar.
//!
//! Every byte of the source belongs to exactly one top-level [`Item`] (byte-order mark, parser
//! directive, comment, blank line or instruction), so the file can be printed back byte for byte.
//! Inside an instruction every keyword, flag, argument, continuation marker, skipped comment or
//! blank line, heredoc marker, body and terminator has its own [`Span`]; what lies between them is
//! white space (see [`Dockerfile::tokens`]).
//!
//! The grammar follows BuildKit's `frontend/dockerfile/parser` exactly: logical lines are joined
//! the way BuildKit joins them, flags are extracted with its quoting rules, and each instruction's
//! arguments are split by the same sub-parser BuildKit dispatches to.

use std::borrow::Cow;
use std::fmt;

use smallvec::{smallvec, SmallVec};

use crate::expand::{Env, Lexer};
use crate::span::{LineIndex, Position, Span};
use crate::text::{
    decode_char, is_go_space, is_go_space_byte, is_re_space, skip_space, space_at, trim_space,
};

/// BuildKit's `bufio.Scanner` refuses physical lines longer than this.
const MAX_LINE: usize = 64 * 1024;

/// The instruction keywords BuildKit knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
    /// A keyword BuildKit's parser accepts but its instruction layer rejects.
    Unknown,
}

impl Keyword {
    pub fn from_word(word: &[u8]) -> Keyword {
        // Go lower-cases with Unicode rules (the Kelvin sign becomes `k`), so only ASCII words
        // can take the allocation-free path.
        if word.is_ascii() {
            let Some(&first) = word.first() else {
                return Keyword::Unknown;
            };
            let candidate = match (first.to_ascii_lowercase(), word.len()) {
                (b'r', 3) => Keyword::Run,
                (b'c', 4) => Keyword::Copy,
                (b'c', 3) => Keyword::Cmd,
                (b'e', 3) => Keyword::Env,
                (b'e', 6) => Keyword::Expose,
                (b'e', 10) => Keyword::Entrypoint,
                (b'f', 4) => Keyword::From,
                (b'a', 3) if word[1].eq_ignore_ascii_case(&b'r') => Keyword::Arg,
                (b'a', 3) => Keyword::Add,
                (b'w', 7) => Keyword::Workdir,
                (b'l', 5) => Keyword::Label,
                (b'u', 4) => Keyword::User,
                (b'v', 6) => Keyword::Volume,
                (b'h', 11) => Keyword::Healthcheck,
                (b's', 5) => Keyword::Shell,
                (b's', 10) => Keyword::Stopsignal,
                (b'o', 7) => Keyword::Onbuild,
                (b'm', 10) => Keyword::Maintainer,
                _ => return Keyword::Unknown,
            };
            return if candidate.as_str().as_bytes().eq_ignore_ascii_case(word) {
                candidate
            } else {
                Keyword::Unknown
            };
        }
        let lower = String::from_utf8_lossy(word).to_lowercase();
        match lower.as_str() {
            "add" => Keyword::Add,
            "arg" => Keyword::Arg,
            "cmd" => Keyword::Cmd,
            "copy" => Keyword::Copy,
            "entrypoint" => Keyword::Entrypoint,
            "env" => Keyword::Env,
            "expose" => Keyword::Expose,
            "from" => Keyword::From,
            "healthcheck" => Keyword::Healthcheck,
            "label" => Keyword::Label,
            "maintainer" => Keyword::Maintainer,
            "onbuild" => Keyword::Onbuild,
            "run" => Keyword::Run,
            "shell" => Keyword::Shell,
            "stopsignal" => Keyword::Stopsignal,
            "user" => Keyword::User,
            "volume" => Keyword::Volume,
            "workdir" => Keyword::Workdir,
            _ => Keyword::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::Add => "ADD",
            Keyword::Arg => "ARG",
            Keyword::Cmd => "CMD",
            Keyword::Copy => "COPY",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Env => "ENV",
            Keyword::Expose => "EXPOSE",
            Keyword::From => "FROM",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Label => "LABEL",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Run => "RUN",
            Keyword::Shell => "SHELL",
            Keyword::Stopsignal => "STOPSIGNAL",
            Keyword::User => "USER",
            Keyword::Volume => "VOLUME",
            Keyword::Workdir => "WORKDIR",
            Keyword::Unknown => "UNKNOWN",
        }
    }

    fn can_contain_heredoc(self) -> bool {
        matches!(self, Keyword::Add | Keyword::Copy | Keyword::Run)
    }
}

/// A parse error with its location. BuildKit would refuse the file for the same reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    pub span: Span,
    pub position: Position,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.position, self.message)
    }
}

impl std::error::Error for ParseError {}

/// A problem BuildKit reports without refusing the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub kind: WarningKind,
    pub message: String,
    pub span: Span,
}

/// What a [`Warning`] is about, so that callers can leave out what a rule already reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningKind {
    /// An empty line inside a continuation (BuildKit's NoEmptyContinuation).
    EmptyContinuation,
    /// A parser directive after the leading block, which BuildKit reads as a comment.
    MisplacedDirective,
}

/// `# syntax=`, `# escape=` or `# check=` in the leading comment block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// The whole physical line, newline included.
    pub span: Span,
    /// Lower-cased name: `syntax`, `escape` or `check`.
    pub name: String,
    pub name_span: Span,
    pub value: String,
    pub value_span: Span,
}

/// A `--name=value` flag before an instruction's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub span: Span,
    /// The flag as BuildKit sees it after quote and escape removal, e.g. `--from=build`.
    pub text: String,
}

impl Flag {
    /// The name without the leading dashes, e.g. `mount`.
    pub fn name(&self) -> &str {
        let body = self.text.strip_prefix("--").unwrap_or(&self.text);
        body.split_once('=').map_or(body, |(n, _)| n)
    }

    /// The value after `=`, if any.
    pub fn value(&self) -> Option<&str> {
        self.text.split_once('=').map(|(_, v)| v)
    }
}

/// An argument: its source span (which may cross continuation lines) and, for JSON strings,
/// the decoded value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    pub span: Span,
    /// Set when the logical text is not the value: a decoded JSON string.
    pub decoded: Option<String>,
}

/// `key=value` (or the legacy `key value`) in ENV and LABEL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    pub key: Span,
    pub value: Span,
    /// `true` for `key=value`, `false` for the legacy `ENV key value` form.
    pub equals: bool,
}

/// An instruction's arguments, shaped by the sub-parser BuildKit dispatches the keyword to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Args {
    /// Nothing after the keyword and flags.
    None,
    /// A JSON array of strings (exec form). `span` covers the brackets.
    Json { span: Span, items: Vec<Arg> },
    /// The rest of the logical line as one string (shell form of RUN/CMD/ENTRYPOINT/SHELL, and
    /// USER, WORKDIR, MAINTAINER, STOPSIGNAL).
    String(Arg),
    /// White-space separated words (FROM, EXPOSE, ARG, and the shell form of ADD/COPY/VOLUME).
    Words(Vec<Arg>),
    /// ENV and LABEL pairs.
    KeyValues(Vec<KeyValue>),
    /// HEALTHCHECK: the type word (`CMD`, `NONE`, ...) and the command after it.
    Healthcheck { kind: Arg, command: Box<Args> },
    /// ONBUILD and its nested instruction.
    Onbuild(Box<Instruction>),
    /// The arguments of an unknown instruction: BuildKit's parser ignores them.
    Ignored(Span),
}

/// A heredoc attached to RUN, COPY or ADD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The `<<EOF` word on the instruction line.
    pub marker: Span,
    /// The delimiter after quote removal.
    pub name: String,
    /// `3<<EOF` gives 3; 0 when no descriptor is written.
    pub fd: u32,
    /// `false` when the delimiter was quoted: the body is not expanded.
    pub expand: bool,
    /// `<<-`: leading tabs are stripped from the body and the terminator.
    pub chomp: bool,
    /// The body lines, newlines included, terminator excluded.
    pub body: Span,
    /// The terminator line, newline included.
    pub terminator: Span,
}

/// Why a physical line inside a continuation was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkippedLine {
    Comment(Span),
    /// An empty continuation line: BuildKit warns about it.
    Empty(Span),
}

/// One instruction, from the first byte of its first line to the newline of its last line
/// (heredoc bodies and terminators included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    pub span: Span,
    pub keyword: Span,
    pub kind: Keyword,
    pub flags: Vec<Flag>,
    /// A bare `--` that ended the flags.
    pub flags_end: Option<Span>,
    pub args: Args,
    pub heredocs: Vec<Heredoc>,
    /// The source pieces that make up the logical line, in order (one unless the instruction
    /// continues over several lines).
    pub segments: SmallVec<[Span; 1]>,
    /// Each line continuation: the escape character up to and including the newline.
    pub continuations: Vec<Span>,
    pub skipped: Vec<SkippedLine>,
    /// Text BuildKit drops: an escape character at the very end of ARG, ENV or LABEL
    /// arguments, or HEALTHCHECK arguments that start with a byte BuildKit takes for space.
    pub dropped: Vec<Span>,
    /// 1-based physical lines, as BuildKit's `StartLine`/`EndLine` (heredocs included).
    pub start_line: usize,
    pub end_line: usize,
}

/// A top-level piece of the file. Together the items cover the source exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Bom(Span),
    Directive(Directive),
    Comment(Span),
    Blank(Span),
    Instruction(Instruction),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Bom(s) | Item::Comment(s) | Item::Blank(s) => *s,
            Item::Directive(d) => d.span,
            Item::Instruction(i) => i.span,
        }
    }
}

/// What a [`Token`] is, for tools that walk the file token by token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Bom,
    Directive,
    Comment,
    Blank,
    Keyword,
    Flag,
    FlagsEnd,
    Argument,
    Continuation,
    SkippedComment,
    SkippedEmpty,
    HeredocBody,
    HeredocTerminator,
    /// Bytes BuildKit ignores (see [`Instruction::dropped`]).
    Dropped,
    /// White space between the other tokens.
    Trivia,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

/// A parsed Dockerfile: the source, its items and what the directives set.
#[derive(Debug, Clone)]
pub struct Dockerfile {
    source: Box<[u8]>,
    pub items: Vec<Item>,
    /// The escape character in effect: `\` or `` ` ``.
    pub escape: u8,
    pub warnings: Vec<Warning>,
    /// Built on first use: a file without findings never needs positions.
    lines: std::sync::OnceLock<LineIndex>,
}

impl Dockerfile {
    /// Parses a Dockerfile with BuildKit's grammar.
    pub fn parse(source: impl Into<Box<[u8]>>) -> Result<Dockerfile, ParseError> {
        let source: Box<[u8]> = source.into();
        let result = Parser::new(&source).run();
        match result {
            Ok((items, escape, warnings)) => Ok(Dockerfile {
                source,
                items,
                escape,
                warnings,
                lines: std::sync::OnceLock::new(),
            }),
            Err((message, span)) => Err(ParseError {
                position: LineIndex::new(&source).position(&source, span.start),
                message,
                span,
            }),
        }
    }

    pub fn source(&self) -> &[u8] {
        &self.source
    }

    /// The source text of a span (lossy only for invalid UTF-8).
    pub fn slice(&self, span: Span) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.source[span.range()])
    }

    pub fn position(&self, offset: usize) -> Position {
        self.line_index().position(&self.source, offset)
    }

    pub fn line_index(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.source))
    }

    pub fn instructions(&self) -> impl Iterator<Item = &Instruction> {
        self.items.iter().filter_map(|item| match item {
            Item::Instruction(i) => Some(i),
            _ => None,
        })
    }

    pub fn directives(&self) -> impl Iterator<Item = &Directive> {
        self.items.iter().filter_map(|item| match item {
            Item::Directive(d) => Some(d),
            _ => None,
        })
    }

    pub fn directive(&self, name: &str) -> Option<&Directive> {
        self.directives().find(|d| d.name == name)
    }

    /// The logical text of a span inside `instruction`: the pieces of its logical line that fall
    /// inside the span, joined, so continuations and skipped lines disappear as BuildKit removes
    /// them.
    pub fn logical<'a>(&'a self, instruction: &Instruction, span: Span) -> Cow<'a, str> {
        logical_text(&self.source, &instruction.segments, span)
    }

    /// The value of an argument: the decoded JSON string or the logical text.
    pub fn arg_value<'a>(&'a self, instruction: &Instruction, arg: &'a Arg) -> Cow<'a, str> {
        match &arg.decoded {
            Some(s) => Cow::Borrowed(s.as_str()),
            None => self.logical(instruction, arg.span),
        }
    }

    /// A heredoc's body as BuildKit hands it on (tabs not yet stripped for `<<-`).
    pub fn heredoc_content(&self, heredoc: &Heredoc) -> Cow<'_, str> {
        self.slice(heredoc.body)
    }

    /// Every token of the file in order, white space between them as [`TokenKind::Trivia`].
    /// Concatenating the tokens' text gives the source back byte for byte.
    pub fn tokens(&self) -> Vec<Token> {
        let mut out = Vec::with_capacity(self.items.len() * 4);
        for item in &self.items {
            match item {
                Item::Bom(s) => out.push(Token {
                    kind: TokenKind::Bom,
                    span: *s,
                }),
                Item::Directive(d) => out.push(Token {
                    kind: TokenKind::Directive,
                    span: d.span,
                }),
                Item::Comment(s) => out.push(Token {
                    kind: TokenKind::Comment,
                    span: *s,
                }),
                Item::Blank(s) => out.push(Token {
                    kind: TokenKind::Blank,
                    span: *s,
                }),
                Item::Instruction(ins) => instruction_tokens(ins, &mut out),
            }
        }
        out
    }

    /// Prints the file back from its tokens.
    pub fn reprint(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.source.len());
        for t in self.tokens() {
            out.extend_from_slice(&self.source[t.span.range()]);
        }
        out
    }
}

fn instruction_tokens(ins: &Instruction, out: &mut Vec<Token>) {
    let mut leaves: Vec<Token> = Vec::new();
    let mut leaf = |kind, span: Span| {
        if !span.is_empty() {
            leaves.push(Token { kind, span });
        }
    };
    collect_leaves(ins, &mut leaf);
    for c in &ins.continuations {
        leaf(TokenKind::Continuation, *c);
    }
    for s in &ins.skipped {
        match s {
            SkippedLine::Comment(sp) => leaf(TokenKind::SkippedComment, *sp),
            SkippedLine::Empty(sp) => leaf(TokenKind::SkippedEmpty, *sp),
        }
    }
    for h in &ins.heredocs {
        leaf(TokenKind::HeredocBody, h.body);
        leaf(TokenKind::HeredocTerminator, h.terminator);
    }
    // Arguments that cross continuations are cut into the pieces that lie on logical segments,
    // so that the continuation markers and skipped lines between them stay tokens of their own.
    let mut cut: Vec<Token> = Vec::with_capacity(leaves.len());
    for t in leaves {
        if matches!(
            t.kind,
            TokenKind::Argument
                | TokenKind::Flag
                | TokenKind::Keyword
                | TokenKind::FlagsEnd
                | TokenKind::Dropped
        ) && ins.segments.len() > 1
        {
            for seg in &ins.segments {
                let s = t.span.start.max(seg.start);
                let e = t.span.end.min(seg.end);
                if s < e {
                    cut.push(Token {
                        kind: t.kind,
                        span: Span::new(s, e),
                    });
                }
            }
        } else {
            cut.push(t);
        }
    }
    cut.sort_by_key(|t| (t.span.start, t.span.end));
    let mut pos = ins.span.start;
    for t in cut {
        if t.span.start < pos {
            // Nested spans (a heredoc marker inside a shell-form argument) are already covered.
            continue;
        }
        if t.span.start > pos {
            out.push(Token {
                kind: TokenKind::Trivia,
                span: Span::new(pos, t.span.start),
            });
        }
        out.push(t);
        pos = t.span.end;
    }
    if pos < ins.span.end {
        out.push(Token {
            kind: TokenKind::Trivia,
            span: Span::new(pos, ins.span.end),
        });
    }
}

fn collect_leaves(ins: &Instruction, leaf: &mut impl FnMut(TokenKind, Span)) {
    leaf(TokenKind::Keyword, ins.keyword);
    for f in &ins.flags {
        leaf(TokenKind::Flag, f.span);
    }
    if let Some(s) = ins.flags_end {
        leaf(TokenKind::FlagsEnd, s);
    }
    for s in &ins.dropped {
        leaf(TokenKind::Dropped, *s);
    }
    args_leaves(&ins.args, leaf);
}

fn args_leaves(args: &Args, leaf: &mut impl FnMut(TokenKind, Span)) {
    match args {
        Args::None => {}
        Args::Json { span, .. } => leaf(TokenKind::Argument, *span),
        Args::String(a) => leaf(TokenKind::Argument, a.span),
        Args::Words(ws) => ws.iter().for_each(|w| leaf(TokenKind::Argument, w.span)),
        Args::KeyValues(kvs) => {
            for kv in kvs {
                let span = Span::new(kv.key.start, kv.value.end.max(kv.key.end));
                leaf(TokenKind::Argument, span);
            }
        }
        Args::Healthcheck { kind, command } => {
            leaf(TokenKind::Argument, kind.span);
            args_leaves(command, leaf);
        }
        Args::Onbuild(inner) => collect_leaves(inner, leaf),
        Args::Ignored(s) => leaf(TokenKind::Argument, *s),
    }
}

/// Joins the parts of `segments` that fall inside `span`.
pub(crate) fn logical_text<'a>(source: &'a [u8], segments: &[Span], span: Span) -> Cow<'a, str> {
    let mut parts = segments.iter().filter_map(|seg| {
        let s = span.start.max(seg.start);
        let e = span.end.min(seg.end);
        (s < e).then_some(s..e)
    });
    let Some(first) = parts.next() else {
        return Cow::Borrowed("");
    };
    match parts.next() {
        None => String::from_utf8_lossy(&source[first]),
        Some(second) => {
            let mut bytes = source[first].to_vec();
            bytes.extend_from_slice(&source[second]);
            for p in parts {
                bytes.extend_from_slice(&source[p]);
            }
            Cow::Owned(String::from_utf8_lossy(&bytes).into_owned())
        }
    }
}

/// The logical line of an instruction and the map from its offsets back to the source.
struct LogicalLine<'a> {
    text: Cow<'a, [u8]>,
    /// (offset in `text`, source span) for each segment.
    map: SmallVec<[(usize, Span); 1]>,
}

impl LogicalLine<'_> {
    /// Source offset of the logical offset `at`, preferring the segment where it starts.
    fn start(&self, at: usize) -> usize {
        for &(off, seg) in &self.map {
            if at < off + seg.len() {
                return seg.start + (at - off);
            }
        }
        self.map.last().map_or(0, |&(_, s)| s.end)
    }

    /// Source offset of the logical offset `at`, preferring the segment where it ends.
    fn end(&self, at: usize) -> usize {
        for &(off, seg) in &self.map {
            if at <= off + seg.len() {
                return seg.start + (at - off);
            }
        }
        self.map.last().map_or(0, |&(_, s)| s.end)
    }

    fn span(&self, start: usize, end: usize) -> Span {
        if start >= end {
            let s = self.start(start);
            return Span::new(s, s);
        }
        Span::new(self.start(start), self.end(end))
    }
}

type ParseResult<T> = Result<T, (String, Span)>;

/// A physical line: `[start, content_end)` without the trailing `\r`/`\n` characters,
/// `[start, end)` with them.
#[derive(Clone, Copy)]
struct PhysLine {
    start: usize,
    content_end: usize,
    end: usize,
}

struct Parser<'a> {
    src: &'a [u8],
    pos: usize,
    line: usize,
    escape: u8,
    directives_done: bool,
    seen_directives: Vec<String>,
    items: Vec<Item>,
    warnings: Vec<Warning>,
    too_long: Option<Span>,
}

impl<'a> Parser<'a> {
    fn new(src: &'a [u8]) -> Self {
        Parser {
            src,
            pos: 0,
            line: 0,
            escape: b'\\',
            directives_done: false,
            seen_directives: Vec::new(),
            // Roughly one item per 24 bytes of a typical Dockerfile: few regrowth copies.
            items: Vec::with_capacity(src.len() / 24 + 4),
            warnings: Vec::new(),
            too_long: None,
        }
    }

    fn next_line(&mut self) -> Option<PhysLine> {
        if self.pos >= self.src.len() || self.too_long.is_some() {
            return None;
        }
        let start = self.pos;
        let end = match memchr::memchr(b'\n', &self.src[start..]) {
            Some(i) => start + i + 1,
            None => self.src.len(),
        };
        let terminated = self.src[end - 1] == b'\n';
        // BuildKit strips the byte-order mark after reading the line, so it counts here.
        let bom = if start == 3 && self.src.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let len = end - start + bom;
        if len > MAX_LINE || (!terminated && len >= MAX_LINE) {
            self.too_long = Some(Span::new(start, end));
            return None;
        }
        self.pos = end;
        self.line += 1;
        let mut content_end = end;
        while content_end > start && matches!(self.src[content_end - 1], b'\n' | b'\r') {
            content_end -= 1;
        }
        Some(PhysLine {
            start,
            content_end,
            end,
        })
    }

    fn run(mut self) -> ParseResult<(Vec<Item>, u8, Vec<Warning>)> {
        if self.src.starts_with(b"\xEF\xBB\xBF") {
            self.items.push(Item::Bom(Span::new(0, 3)));
            self.pos = 3;
        }
        let mut has_instruction = false;
        while let Some(line) = self.next_line() {
            let stripped = skip_space(self.src, line.start, line.content_end);
            if let Some(d) = self.directive(line, stripped)? {
                self.items.push(Item::Directive(d));
                continue;
            }
            let is_comment = stripped < line.content_end && self.src[stripped] == b'#';
            let content_end = if is_comment {
                stripped
            } else {
                line.content_end
            };
            let (cont_end, continued) = self.trim_continuation(stripped, content_end);
            if !continued && cont_end == stripped {
                let span = Span::new(line.start, line.end);
                self.items.push(if is_comment {
                    Item::Comment(span)
                } else {
                    Item::Blank(span)
                });
                continue;
            }
            let ins = self.instruction(line, stripped, cont_end, continued)?;
            has_instruction = true;
            self.items.push(Item::Instruction(ins));
        }
        if !has_instruction {
            let end = self.src.len();
            return Err(("file with no instructions".into(), Span::new(end, end)));
        }
        if let Some(span) = self.too_long {
            return Err((
                format!(
                    "dockerfile line greater than max allowed size of {}",
                    MAX_LINE - 1
                ),
                span,
            ));
        }
        Ok((self.items, self.escape, self.warnings))
    }

    /// BuildKit's directive parser: `#` then `name=value` for a known name, only while every
    /// line so far has been a directive.
    fn directive(&mut self, line: PhysLine, stripped: usize) -> ParseResult<Option<Directive>> {
        if self.directives_done {
            // `# check=skip=…` later in the file is BuildKit's (frontend 1.21+) way to skip
            // checks for the next instruction or stage, not a misplaced directive.
            if let Some((name, _, _)) = directive_syntax(self.src, stripped, line.content_end)
                .filter(|(name, _, _)| name != "check")
            {
                self.warnings.push(Warning {
                    kind: WarningKind::MisplacedDirective,
                    message: format!(
                        "the {name} parser directive has no effect here: directives must come \
                         before any instruction, comment or blank line, so BuildKit reads this \
                         line as a comment"
                    ),
                    span: Span::new(line.start, line.end),
                });
            }
            return Ok(None);
        }
        let Some((name, (name_start, name_end), (value_start, value_end))) =
            directive_syntax(self.src, stripped, line.content_end)
        else {
            self.directives_done = true;
            return Ok(None);
        };
        let src = self.src;
        let span = Span::new(line.start, line.end);
        if self.seen_directives.contains(&name) {
            return Err((
                format!("only one {name} parser directive can be used"),
                span,
            ));
        }
        self.seen_directives.push(name.clone());
        let value = String::from_utf8_lossy(&src[value_start..value_end]).into_owned();
        if name == "escape" {
            match value.as_str() {
                "\\" => self.escape = b'\\',
                "`" => self.escape = b'`',
                _ => {
                    return Err((
                        format!("invalid escape token '{value}' does not match ` or \\"),
                        Span::new(value_start, value_end),
                    ))
                }
            }
        }
        Ok(Some(Directive {
            span,
            name,
            name_span: Span::new(name_start, name_end),
            value,
            value_span: Span::new(value_start, value_end),
        }))
    }
}

type DirectiveMatch = (String, (usize, usize), (usize, usize));

/// BuildKit's directive line syntax, `#` then `^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` with a
/// known name: the lower-cased name, the name's range and the value's range.
fn directive_syntax(src: &[u8], stripped: usize, end: usize) -> Option<DirectiveMatch> {
    if stripped >= end || src[stripped] != b'#' {
        return None;
    }
    let is_s = |b: u8| matches!(b, b'\t' | b'\n' | 0x0c | b'\r' | b' ');
    let name_start = skip_space(src, stripped + 1, end);
    let mut i = name_start;
    if i < end && src[i].is_ascii_alphabetic() {
        i += 1;
        while i < end && src[i].is_ascii_alphanumeric() {
            i += 1;
        }
    }
    let name_end = i;
    while i < end && is_s(src[i]) {
        i += 1;
    }
    if name_end == name_start || i >= end || src[i] != b'=' {
        return None;
    }
    i += 1;
    let mut value_end = end;
    while value_end > i && is_s(src[value_end - 1]) {
        value_end -= 1;
    }
    let mut value_start = i;
    while value_start < value_end && is_s(src[value_start]) {
        value_start += 1;
    }
    if value_start == value_end {
        // `.+?` must take one character: all white space leaves the last one.
        if i == end {
            return None;
        }
        value_start = end - 1;
        value_end = end;
    }
    let name = String::from_utf8_lossy(&src[name_start..name_end]).to_ascii_lowercase();
    if !matches!(name.as_str(), "syntax" | "escape" | "check") {
        return None;
    }
    Some((name, (name_start, name_end), (value_start, value_end)))
}

impl<'a> Parser<'a> {
    /// BuildKit's line-continuation regex: the escape character, optionally followed by spaces
    /// and tabs, at the end of the line, and not itself escaped. Returns the end of the content
    /// before it, and whether the line continues.
    fn trim_continuation(&self, start: usize, end: usize) -> (usize, bool) {
        let src = self.src;
        let mut e = end;
        while e > start && matches!(src[e - 1], b' ' | b'\t') {
            e -= 1;
        }
        if e > start && src[e - 1] == self.escape && (e - 1 == start || src[e - 2] != self.escape) {
            (e - 1, true)
        } else {
            (end, false)
        }
    }

    fn instruction(
        &mut self,
        first: PhysLine,
        content_start: usize,
        content_end: usize,
        mut continued: bool,
    ) -> ParseResult<Instruction> {
        let start_line = self.line;
        let mut segments: SmallVec<[Span; 1]> = smallvec![Span::new(content_start, content_end)];
        let mut continuations = Vec::new();
        let mut skipped = Vec::new();
        let mut last_end = first.end;
        if continued {
            continuations.push(Span::new(content_end, first.end));
        }
        let mut has_empty = false;
        while continued {
            let Some(line) = self.next_line() else { break };
            last_end = line.end;
            let span = Span::new(line.start, line.end);
            let stripped = skip_space(self.src, line.start, line.content_end);
            if stripped < line.content_end && self.src[stripped] == b'#' {
                skipped.push(SkippedLine::Comment(span));
                continue;
            }
            if stripped == line.content_end {
                skipped.push(SkippedLine::Empty(span));
                has_empty = true;
                continue;
            }
            let (cont_end, c) = self.trim_continuation(line.start, line.content_end);
            continued = c;
            segments.push(Span::new(line.start, cont_end));
            if c {
                continuations.push(Span::new(cont_end, line.end));
            }
        }
        let logical = self.logical_line(&segments);
        if has_empty {
            self.warnings.push(Warning {
                kind: WarningKind::EmptyContinuation,
                message: format!(
                    "Empty continuation line found in: {}",
                    String::from_utf8_lossy(&logical.text)
                ),
                span: Span::new(first.start, last_end),
            });
        }
        let mut ins = parse_command(&logical, 0, logical.text.len(), self.escape)?;
        ins.segments = segments;
        ins.continuations = continuations;
        ins.skipped = skipped;
        ins.start_line = start_line;

        let heredoc_kind = match &ins.args {
            Args::Onbuild(inner) => Some((inner.kind, is_json(&inner.args))),
            _ => Some((ins.kind, is_json(&ins.args))),
        };
        if let Some((kind, json)) = heredoc_kind {
            if kind.can_contain_heredoc()
                && !json
                && memchr::memchr_iter(b'<', &logical.text)
                    .any(|i| logical.text.get(i + 1) == Some(&b'<'))
            {
                let found = heredocs_in_line(&logical)?;
                for (marker, name, fd, expand, chomp) in found {
                    let body_start = self.pos;
                    let mut terminator = None;
                    while let Some(line) = self.next_line() {
                        let mut s = line.start;
                        if chomp {
                            while s < line.content_end && self.src[s] == b'\t' {
                                s += 1;
                            }
                        }
                        if &self.src[s..line.content_end] == name.as_bytes() {
                            terminator = Some(Span::new(line.start, line.end));
                            break;
                        }
                    }
                    let Some(terminator) = terminator else {
                        return Err((
                            "unterminated heredoc".into(),
                            Span::new(first.start, self.pos),
                        ));
                    };
                    last_end = terminator.end;
                    ins.heredocs.push(Heredoc {
                        marker,
                        name,
                        fd,
                        expand,
                        chomp,
                        body: Span::new(body_start, terminator.start),
                        terminator,
                    });
                }
            }
        }
        ins.span = Span::new(first.start, last_end);
        ins.end_line = self.line;
        // Nested instructions (ONBUILD, and ONBUILD ONBUILD ...) share the logical line.
        let mut nested = &mut ins.args;
        while let Args::Onbuild(inner) = nested {
            inner.segments = ins.segments.clone();
            inner.start_line = ins.start_line;
            inner.end_line = ins.end_line;
            nested = &mut inner.args;
        }
        Ok(ins)
    }

    fn logical_line(&self, segments: &[Span]) -> LogicalLine<'a> {
        let src = self.src;
        if segments.len() == 1 {
            let s = segments[0];
            return LogicalLine {
                text: Cow::Borrowed(&src[s.range()]),
                map: smallvec![(0, s)],
            };
        }
        let mut text = Vec::with_capacity(segments.iter().map(|s| s.len()).sum());
        let mut map = SmallVec::with_capacity(segments.len());
        for s in segments {
            map.push((text.len(), *s));
            text.extend_from_slice(&src[s.range()]);
        }
        LogicalLine {
            text: Cow::Owned(text),
            map,
        }
    }
}

fn is_json(args: &Args) -> bool {
    match args {
        Args::Json { .. } => true,
        Args::Healthcheck { command, .. } => is_json(command),
        _ => false,
    }
}

/// BuildKit's `newNodeFromLine` on `line.text[start..end]`: keyword, flags, then the keyword's
/// argument parser.
fn parse_command(
    line: &LogicalLine<'_>,
    start: usize,
    end: usize,
    escape: u8,
) -> ParseResult<Instruction> {
    let t = &line.text[..];
    let (start, end) = trim_space(t, start, end);
    let mut kw_end = start;
    while kw_end < end && !is_re_space(t[kw_end]) {
        kw_end += 1;
    }
    let kind = Keyword::from_word(&t[start..kw_end]);
    let mut flags = Vec::new();
    let mut flags_end = None;
    let mut args_start = end;
    if kw_end < end {
        let mut rest = kw_end;
        while rest < end && is_re_space(t[rest]) {
            rest += 1;
        }
        args_start = extract_flags(line, rest, end, escape, &mut flags, &mut flags_end);
    }
    let (a, b) = trim_space(t, args_start, end);
    let mut dropped = Vec::new();
    let args = parse_args(kind, line, a, b, escape, &mut dropped)?;
    Ok(Instruction {
        span: line.span(start, end),
        keyword: line.span(start, kw_end),
        kind,
        flags,
        flags_end,
        args,
        heredocs: Vec::new(),
        segments: SmallVec::new(),
        continuations: Vec::new(),
        skipped: Vec::new(),
        dropped,
        start_line: 0,
        end_line: 0,
    })
}

/// BuildKit's `extractBuilderFlags`, byte by byte as BuildKit does it. Returns where the
/// arguments start.
fn extract_flags(
    line: &LogicalLine<'_>,
    start: usize,
    end: usize,
    escape: u8,
    flags: &mut Vec<Flag>,
    flags_end: &mut Option<Span>,
) -> usize {
    let t = &line.text[..];
    let mut pos = start;
    loop {
        while pos < end && is_go_space_byte(t[pos]) {
            pos += 1;
        }
        if pos >= end {
            return end;
        }
        if !(t[pos] == b'-' && pos + 1 < end && t[pos + 1] == b'-') {
            return pos;
        }
        let word_start = pos;
        let mut word: Vec<u8> = Vec::new();
        let mut quote: Option<u8> = None;
        let mut blank_ok = false;
        while pos < end {
            let ch = t[pos];
            match quote {
                None => {
                    if is_go_space_byte(ch) {
                        break;
                    }
                    if ch == b'\'' || ch == b'"' {
                        quote = Some(ch);
                        blank_ok = true;
                        pos += 1;
                        continue;
                    }
                    if ch == escape {
                        if pos + 1 == end {
                            pos += 1;
                            continue;
                        }
                        pos += 1;
                    }
                    push_latin1(&mut word, t[pos]);
                    pos += 1;
                }
                Some(q) => {
                    if ch == q {
                        quote = None;
                        pos += 1;
                        continue;
                    }
                    if ch == escape {
                        if pos + 1 == end {
                            quote = None;
                            pos += 1;
                            continue;
                        }
                        pos += 1;
                    }
                    push_latin1(&mut word, t[pos]);
                    pos += 1;
                }
            }
        }
        let span = line.span(word_start, pos);
        if word == b"--" {
            *flags_end = Some(span);
            if pos >= end {
                return end;
            }
            return pos;
        }
        if blank_ok || !word.is_empty() {
            flags.push(Flag {
                span,
                text: String::from_utf8_lossy(&word).into_owned(),
            });
        }
    }
}

/// BuildKit writes each byte of a flag as a rune, so non-ASCII bytes become Latin-1 characters.
fn push_latin1(word: &mut Vec<u8>, b: u8) {
    if b < 0x80 {
        word.push(b);
    } else {
        let mut buf = [0u8; 4];
        word.extend_from_slice(char::from(b).encode_utf8(&mut buf).as_bytes());
    }
}

fn parse_args(
    kind: Keyword,
    line: &LogicalLine<'_>,
    start: usize,
    end: usize,
    escape: u8,
    dropped: &mut Vec<Span>,
) -> ParseResult<Args> {
    Ok(match kind {
        Keyword::Run | Keyword::Cmd | Keyword::Entrypoint | Keyword::Shell => {
            maybe_json(line, start, end)?
        }
        Keyword::Add | Keyword::Copy | Keyword::Volume => match json(line, start, end)? {
            Some(args) => args,
            None => whitespace_words(line, start, end),
        },
        Keyword::From | Keyword::Expose => whitespace_words(line, start, end),
        Keyword::Arg => {
            let words = shell_words(line, start, end, escape, dropped);
            if words.is_empty() {
                Args::None
            } else {
                Args::Words(
                    words
                        .into_iter()
                        .map(|r| Arg {
                            span: line.span(r.start, r.end),
                            decoded: None,
                        })
                        .collect(),
                )
            }
        }
        Keyword::Env => name_values(line, start, end, escape, "ENV", dropped)?,
        Keyword::Label => name_values(line, start, end, escape, "LABEL", dropped)?,
        Keyword::User | Keyword::Workdir | Keyword::Maintainer | Keyword::Stopsignal => {
            if start == end {
                Args::None
            } else {
                Args::String(Arg {
                    span: line.span(start, end),
                    decoded: None,
                })
            }
        }
        Keyword::Healthcheck => {
            let t = &line.text[..];
            let mut sep = start;
            while sep < end && !is_go_space_byte(t[sep]) {
                sep += 1;
            }
            if sep == start {
                // BuildKit tests single bytes for space, so text starting with the byte 0x85 or
                // 0xA0 yields no arguments at all: the rest of the line is dropped.
                if start < end {
                    dropped.push(line.span(start, end));
                }
                Args::None
            } else {
                let mut next = sep;
                while next < end && is_go_space_byte(t[next]) {
                    next += 1;
                }
                Args::Healthcheck {
                    kind: Arg {
                        span: line.span(start, sep),
                        decoded: None,
                    },
                    command: Box::new(maybe_json(line, next, end)?),
                }
            }
        }
        Keyword::Onbuild => {
            if start == end {
                Args::None
            } else {
                Args::Onbuild(Box::new(parse_command(line, start, end, escape)?))
            }
        }
        Keyword::Unknown => Args::Ignored(line.span(start, end)),
    })
}

/// `parseMaybeJSON`: a JSON array of strings, else the whole rest as one string.
fn maybe_json(line: &LogicalLine<'_>, start: usize, end: usize) -> ParseResult<Args> {
    if start == end {
        return Ok(Args::None);
    }
    Ok(match json(line, start, end)? {
        Some(args) => args,
        None => Args::String(Arg {
            span: line.span(start, end),
            decoded: None,
        }),
    })
}

/// `parseJSON`: `Ok(None)` when the text is not a JSON array (BuildKit falls back silently), an
/// error when it is an array with something other than strings in it.
fn json(line: &LogicalLine<'_>, start: usize, end: usize) -> ParseResult<Option<Args>> {
    let t = &line.text[..];
    let s = skip_space(t, start, end);
    if s >= end || t[s] != b'[' {
        return Ok(None);
    }
    let text = String::from_utf8_lossy(&t[s..end]);
    let values: Vec<JsonItem> = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(_) => return Ok(None),
    };
    let mut decoded = Vec::with_capacity(values.len());
    for v in values {
        match v.0 {
            Some(s) => decoded.push(s),
            None => {
                return Err((
                    "when using JSON array syntax, arrays must be comprised of strings only".into(),
                    line.span(s, end),
                ))
            }
        }
    }
    // The JSON is valid: find where each string literal lies, for spans.
    let mut items = Vec::with_capacity(decoded.len());
    let mut values = decoded.into_iter();
    let mut i = s + 1;
    while i < end {
        if t[i] == b'"' {
            let lit_start = i;
            i += 1;
            while i < end && t[i] != b'"' {
                if t[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            if let Some(v) = values.next() {
                items.push(Arg {
                    span: line.span(lit_start, i.min(end)),
                    decoded: Some(v),
                });
            }
        } else {
            i += 1;
        }
    }
    Ok(Some(Args::Json {
        span: line.span(s, end),
        items,
    }))
}

/// One element of a JSON array: a string, or `None` for any other (valid) JSON value, which
/// BuildKit refuses rather than falling back to the shell form.
struct JsonItem(Option<String>);

impl<'de> serde::Deserialize<'de> for JsonItem {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = JsonItem;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E>(self, v: &str) -> Result<JsonItem, E> {
                Ok(JsonItem(Some(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<JsonItem, E> {
                Ok(JsonItem(Some(v)))
            }
            fn visit_bool<E>(self, _: bool) -> Result<JsonItem, E> {
                Ok(JsonItem(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<JsonItem, E> {
                Ok(JsonItem(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<JsonItem, E> {
                Ok(JsonItem(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<JsonItem, E> {
                Ok(JsonItem(None))
            }
            fn visit_unit<E>(self) -> Result<JsonItem, E> {
                Ok(JsonItem(None))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<JsonItem, A::Error> {
                while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(JsonItem(None))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<JsonItem, A::Error> {
                while a
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(JsonItem(None))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// `parseStringsWhitespaceDelimited`: split on runs of `[\t\v\f\r ]`.
fn whitespace_words(line: &LogicalLine<'_>, start: usize, end: usize) -> Args {
    if start == end {
        return Args::None;
    }
    let t = &line.text[..];
    let mut words = Vec::new();
    let mut i = start;
    loop {
        let ws = i;
        while i < end && !is_re_space(t[i]) {
            i += 1;
        }
        words.push(Arg {
            span: line.span(ws, i),
            decoded: None,
        });
        if i >= end {
            break;
        }
        while i < end && is_re_space(t[i]) {
            i += 1;
        }
    }
    Args::Words(words)
}

/// BuildKit's `parseWords`: split on Unicode white space outside quotes, keeping quotes and
/// escapes in the words (they are removed later, during expansion).
fn shell_words(
    line: &LogicalLine<'_>,
    start: usize,
    end: usize,
    escape: u8,
    dropped: &mut Vec<Span>,
) -> Vec<std::ops::Range<usize>> {
    let t = &line.text[..end];
    let mut words = Vec::new();
    let mut pos = start;
    while pos < end {
        let w = space_at(t, pos);
        if w > 0 {
            pos += w;
            continue;
        }
        let word_start = pos;
        let mut word_end = pos;
        let mut quote: Option<u8> = None;
        let mut blank_ok = false;
        while pos < end {
            let (ch, width) = decode_char(t, pos);
            if quote.is_none() && is_go_space(ch) {
                break;
            }
            // The escape character escapes the next character anywhere but inside '...'; a
            // lone one at the very end is dropped (and closes an open quote).
            if t[pos] == escape && quote != Some(b'\'') {
                if pos + 1 == end {
                    dropped.push(line.span(pos, end));
                    quote = None;
                    pos += 1;
                    continue;
                }
                pos += 1;
                pos += decode_char(t, pos).1;
                word_end = pos;
                continue;
            }
            match quote {
                None if ch == '\'' || ch == '"' => {
                    quote = Some(ch as u8);
                    blank_ok = true;
                }
                Some(q) if t[pos] == q => quote = None,
                _ => {}
            }
            pos += width;
            word_end = pos;
        }
        if blank_ok || word_end > word_start {
            words.push(word_start..word_end);
        }
    }
    words
}

/// `parseNameVal` for ENV and LABEL.
fn name_values(
    line: &LogicalLine<'_>,
    start: usize,
    end: usize,
    escape: u8,
    keyword: &str,
    dropped: &mut Vec<Span>,
) -> ParseResult<Args> {
    let words = shell_words(line, start, end, escape, dropped);
    let t = &line.text[..];
    let Some(first) = words.first() else {
        return Ok(Args::None);
    };
    if memchr::memchr(b'=', &t[first.clone()]).is_none() {
        // Legacy form: the key is everything up to the first white space run, and the value
        // keeps everything after it, a trailing escape included.
        dropped.clear();
        let mut k = start;
        while k < end && !is_re_space(t[k]) {
            k += 1;
        }
        let mut v = k;
        while v < end && is_re_space(t[v]) {
            v += 1;
        }
        if k >= end {
            return Err((
                format!("{keyword} must have two arguments"),
                line.span(start, end),
            ));
        }
        return Ok(Args::KeyValues(vec![KeyValue {
            key: line.span(start, k),
            value: line.span(v, end),
            equals: false,
        }]));
    }
    let mut pairs = Vec::with_capacity(words.len());
    for r in &words {
        let Some(eq) = memchr::memchr(b'=', &t[r.clone()]) else {
            let word = String::from_utf8_lossy(&t[r.clone()]);
            return Err((
                format!(
                    "Syntax error - can't find = in {}. Must be of the form: name=value",
                    crate::text::go_quote(word.as_bytes())
                ),
                line.span(r.start, r.end),
            ));
        };
        pairs.push(KeyValue {
            key: line.span(r.start, r.start + eq),
            value: line.span(r.start + eq + 1, r.end),
            equals: true,
        });
    }
    Ok(Args::KeyValues(pairs))
}

type FoundHeredoc = (Span, String, u32, bool, bool);

/// BuildKit's `heredocsFromLine`: lex the whole logical line into words (raw quotes, raw
/// escapes, unset variables kept), then treat each word of the form `[n]<<[-]NAME` as a heredoc.
fn heredocs_in_line(line: &LogicalLine<'_>) -> ParseResult<Vec<FoundHeredoc>> {
    let text = String::from_utf8_lossy(&line.text);
    let empty: [(String, String); 0] = [];
    let mut lexer = Lexer::new('\\');
    lexer.raw_quotes = true;
    lexer.raw_escapes = true;
    lexer.skip_unset_env = true;
    let words = lexer
        .process_words(&text, &empty as &dyn Env)
        .unwrap_or_default();
    let mut found = Vec::new();
    let mut cursor = 0;
    for word in words {
        let at = text[cursor..].find(word.as_str()).map(|i| cursor + i);
        let marker = match at {
            Some(i) => {
                cursor = i + word.len();
                line.span(i, i + word.len())
            }
            None => line.span(cursor, cursor),
        };
        let Some((fd, chomp, rest)) = match_heredoc(&word) else {
            continue;
        };
        if rest.is_empty() {
            continue;
        }
        let mut plain = Lexer::new('\\');
        plain.skip_unset_env = true;
        let names = plain
            .process_words(rest, &empty as &dyn Env)
            .map_err(|e| (e.message.clone(), marker))?;
        if names.len() != 1 {
            continue;
        }
        plain.raw_quotes = true;
        let raw = plain
            .process_words(rest, &empty as &dyn Env)
            .map_err(|e| (e.message.clone(), marker))?;
        if raw.len() != names.len() {
            return Err((
                format!("internal lexing of heredoc produced inconsistent results: {rest}"),
                marker,
            ));
        }
        let quotes = |s: &str| s.bytes().filter(|&b| b == b'\'' || b == b'"').count();
        let expand = quotes(&names[0]) == quotes(&raw[0]);
        found.push((marker, names[0].clone(), fd, expand, chomp));
    }
    Ok(found)
}

/// `^(\d*)<<(-?)\s*([^<]*)$`
fn match_heredoc(word: &str) -> Option<(u32, bool, &str)> {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let rest = word[digits..].strip_prefix("<<")?;
    let (chomp, rest) = match rest.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let rest = rest.trim_start_matches(['\t', '\n', '\x0c', '\r', ' ']);
    if rest.contains('<') {
        return None;
    }
    let fd = word[..digits].parse::<u32>().unwrap_or(0);
    Some((fd, chomp, rest))
}
