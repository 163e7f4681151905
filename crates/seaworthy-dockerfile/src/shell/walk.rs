//! The walk over tree-sitter-bash's syntax tree that flattens it into simple commands.
//!
//! Every statement kind of the grammar is walked with a small context (subshell depth,
//! substitution, condition, function body, pipeline stage) and a connector for the first
//! command it yields. Words inside commands are scanned for `$( … )`, backticks and `<( … )`,
//! whose commands are walked in turn. Recursion is bounded: lists, pipelines and sequences
//! are walked iteratively, and nesting beyond `MAX_DEPTH` is cut off (and reported as an
//! error) rather than allowed to exhaust the stack.

use std::cell::RefCell;
use std::ops::Range;

use tree_sitter::{Node, Parser, Tree};

use super::words::{self, Mode, Unquoted};
use super::wrappers::{self, ShellOptions, ShellRun};
use super::{Command, Connector, Pipeline, Redirect, ShellState, Word};

/// Nesting of compound statements and substitutions followed before giving up.
const MAX_DEPTH: usize = 200;
/// Nesting of scripts handed to shells (`sh -c "bash -c '…'"`) followed.
const MAX_NESTED_SCRIPTS: usize = 4;
/// Wrappers of wrappers (`sudo env nice …`) followed.
const MAX_WRAPPERS: usize = 8;

/// Commands and pipelines of one script, in walk order, before [`super::finish`] sorts them.
pub(super) struct Analysis {
    pub commands: Vec<Command>,
    pub pipelines: Vec<Pipeline>,
    /// Shell options each shell (scope) starts with; scope 0 is the script itself.
    pub scopes: Vec<ShellOptions>,
    pub has_errors: bool,
}

thread_local! {
    /// One parser per thread, reused: each parse starts with the buffers the previous one
    /// allocated, and no parser is shared across threads.
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

fn new_parser() -> Option<Parser> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_bash::LANGUAGE.into())
        .ok()?;
    Some(parser)
}

fn parse_with(parser: &mut Parser, source: &str) -> Option<Tree> {
    let tree = parser.parse(source, None);
    if tree.is_none() {
        parser.reset();
    }
    tree
}

fn parse_tree(source: &str) -> Option<Tree> {
    let fresh = || new_parser().and_then(|mut p| parse_with(&mut p, source));
    PARSER
        .try_with(|cell| match cell.try_borrow_mut() {
            Ok(mut slot) => {
                if slot.is_none() {
                    *slot = new_parser();
                }
                slot.as_mut().and_then(|p| parse_with(p, source))
            }
            Err(_) => fresh(),
        })
        .unwrap_or_else(|_| fresh())
}

/// Parses and walks one script. `nesting` counts the shells it is nested in, `depth` the
/// recursion already on the stack.
pub(super) fn analyse(source: &str, nesting: usize, depth: usize) -> Analysis {
    let mut walker = Walker {
        src: source,
        nesting,
        depth,
        out: Analysis {
            commands: Vec::new(),
            pipelines: Vec::new(),
            scopes: vec![ShellOptions::default()],
            has_errors: false,
        },
    };
    match parse_tree(source) {
        Some(tree) => {
            let root = tree.root_node();
            walker.out.has_errors = root.has_error();
            walker.sequence(children(root), Ctx::default(), None);
        }
        None => walker.out.has_errors = true,
    }
    walker.out
}

/// Where the walk is.
#[derive(Debug, Clone, Copy, Default)]
struct Ctx {
    subshell_depth: usize,
    in_substitution: bool,
    in_condition: bool,
    in_function: bool,
    /// Pipeline index and stage.
    pipe: Option<(usize, usize)>,
    /// The statement being walked is itself a stage of `pipe` (not a command inside a
    /// compound stage), so a heredoc's `| next` on its line continues that pipeline.
    pipe_direct: bool,
}

impl Ctx {
    fn inner(self) -> Ctx {
        Ctx {
            pipe_direct: false,
            ..self
        }
    }

    fn condition(self) -> Ctx {
        Ctx {
            in_condition: true,
            ..self.inner()
        }
    }

    fn subshell(self) -> Ctx {
        Ctx {
            subshell_depth: self.subshell_depth + 1,
            ..self.inner()
        }
    }

    fn substitution(self) -> Ctx {
        Ctx {
            subshell_depth: self.subshell_depth + 1,
            in_substitution: true,
            in_condition: false,
            in_function: self.in_function,
            pipe: None,
            pipe_direct: false,
        }
    }

    fn function_body(self) -> Ctx {
        Ctx {
            in_function: true,
            in_condition: false,
            pipe: None,
            pipe_direct: false,
            ..self
        }
    }

    /// Runs in the shell process itself, where `set` changes what follows.
    fn top_level(self) -> bool {
        self.subshell_depth == 0
            && !self.in_substitution
            && !self.in_function
            && self.pipe.is_none()
    }
}

fn is_statement(kind: &str) -> bool {
    matches!(
        kind,
        "redirected_statement"
            | "variable_assignment"
            | "variable_assignments"
            | "command"
            | "declaration_command"
            | "unset_command"
            | "test_command"
            | "negated_command"
            | "for_statement"
            | "c_style_for_statement"
            | "while_statement"
            | "if_statement"
            | "case_statement"
            | "pipeline"
            | "list"
            | "compound_statement"
            | "function_definition"
            | "subshell"
            | "ERROR"
    )
}

/// Statements that are one simple command.
fn is_simple(kind: &str) -> bool {
    matches!(
        kind,
        "command"
            | "variable_assignment"
            | "variable_assignments"
            | "declaration_command"
            | "unset_command"
            | "test_command"
    )
}

/// Nodes that are one shell word.
fn is_literal(kind: &str) -> bool {
    matches!(
        kind,
        "word"
            | "string"
            | "raw_string"
            | "ansi_c_string"
            | "translated_string"
            | "concatenation"
            | "number"
            | "simple_expansion"
            | "expansion"
            | "command_substitution"
            | "arithmetic_expansion"
            | "process_substitution"
            | "brace_expression"
    )
}

fn children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.children(&mut cursor).collect()
}

fn fields(node: Node<'_>) -> Vec<(Node<'_>, Option<&'static str>)> {
    let mut out = Vec::with_capacity(node.child_count());
    let mut cursor = node.walk();
    if cursor.goto_first_child() {
        loop {
            out.push((cursor.node(), cursor.field_name()));
            if !cursor.goto_next_sibling() {
                break;
            }
        }
    }
    out
}

fn connector_of(token: &str) -> Option<Connector> {
    match token {
        "&&" => Some(Connector::And),
        "||" => Some(Connector::Or),
        "|" | "|&" => Some(Connector::Pipe),
        ";" | ";;" | ";&" | ";;&" | "\n" => Some(Connector::Seq),
        "&" => Some(Connector::Background),
        _ => None,
    }
}

fn line_start(src: &str, pos: usize) -> usize {
    src.get(..pos)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1)
}

/// The pieces of one simple command gathered from its nodes.
#[derive(Default)]
struct Parts<'t> {
    name: Option<Word>,
    args: Vec<Word>,
    assignments: Vec<Word>,
    redirects: Vec<Redirect>,
    /// Nodes whose substitutions run as part of this command.
    scan: Vec<Node<'t>>,
    /// Statements found inside the command (error recovery: `cmd (…)`).
    statements: Vec<Node<'t>>,
}

/// What follows a heredoc operator on its line: `cat <<EOF | sh`, `cat <<EOF && echo`.
#[derive(Clone, Copy)]
enum Tail<'t> {
    Pipe(Node<'t>),
    List(Connector, Node<'t>),
}

struct Walker<'s> {
    src: &'s str,
    nesting: usize,
    depth: usize,
    out: Analysis,
}

impl<'s> Walker<'s> {
    fn text(&self, range: Range<usize>) -> &'s str {
        self.src.get(range).unwrap_or("")
    }

    fn word(&self, node: Node<'_>) -> Word {
        let span = node.byte_range();
        let raw = self.text(span.clone());
        let expands_to_many = match node.kind() {
            "brace_expression" => true,
            "concatenation" | "variable_assignment" => {
                let mut cursor = node.walk();
                let many = node
                    .children(&mut cursor)
                    .any(|c| matches!(c.kind(), "brace_expression" | "array"));
                many
            }
            _ => false,
        };
        let value = if expands_to_many {
            None
        } else {
            words::static_value(raw)
        };
        Word {
            raw: raw.to_string(),
            value,
            span,
        }
    }

    fn new_pipeline(&mut self, span: Range<usize>) -> usize {
        self.out.pipelines.push(Pipeline {
            commands: Vec::new(),
            span,
            stages: 0,
        });
        self.out.pipelines.len() - 1
    }

    /// Walks statements separated by `;`, `&`, newlines: a script, a group, a body.
    fn sequence(&mut self, nodes: Vec<Node<'_>>, ctx: Ctx, conn: Option<Connector>) {
        let mut first = true;
        let mut pending = None;
        for node in nodes {
            if !node.is_named() {
                if let Some(c) = connector_of(node.kind()) {
                    pending = Some(c);
                }
                continue;
            }
            let kind = node.kind();
            if kind == "comment" {
                continue;
            }
            if is_statement(kind) {
                let c = if first {
                    conn
                } else {
                    pending.or(Some(Connector::Seq))
                };
                first = false;
                pending = None;
                self.statement(node, ctx, c);
            } else {
                self.scan(node, ctx);
            }
        }
    }

    /// Walks one statement; returns how many extra pipeline stages it added after its own
    /// (a heredoc's `| next` when the statement is a pipeline stage itself).
    fn statement(&mut self, node: Node<'_>, ctx: Ctx, conn: Option<Connector>) -> usize {
        if node.is_missing() {
            return 0;
        }
        if self.depth >= MAX_DEPTH {
            self.out.has_errors = true;
            return 0;
        }
        self.depth += 1;
        let mut extra = 0;
        match node.kind() {
            kind if is_simple(kind) => self.simple(node, ctx, conn, Parts::default()),
            "redirected_statement" => extra = self.redirected(node, ctx, conn, Parts::default()),
            "negated_command" => {
                let mut conn = conn;
                for child in children(node) {
                    if child.is_named() && is_statement(child.kind()) {
                        self.statement(child, ctx.condition(), conn.take());
                    } else if child.is_named() {
                        self.scan(child, ctx);
                    }
                }
            }
            "pipeline" => {
                let index = self.new_pipeline(node.byte_range());
                self.stages(children(node), index, 0, ctx, conn);
            }
            "list" => self.list(node, ctx.inner(), conn),
            "subshell" => self.sequence(children(node), ctx.subshell(), conn),
            "compound_statement" => self.sequence(children(node), ctx.inner(), conn),
            "if_statement" | "while_statement" | "for_statement" => {
                self.clause(node, ctx.inner(), conn)
            }
            "c_style_for_statement" => {
                // `for ((i = 0; …))`: the header is arithmetic, not commands.
                for (child, field) in fields(node) {
                    if field == Some("body") && child.kind() == "do_group" {
                        self.clause(child, ctx.inner(), conn);
                    } else if field == Some("body") {
                        self.statement(child, ctx.inner(), conn);
                    } else if child.is_named() {
                        self.scan(child, ctx);
                    }
                }
            }
            "case_statement" => self.case(node, ctx.inner(), conn),
            "function_definition" => {
                for (child, field) in fields(node) {
                    match field {
                        Some("body") => {
                            self.statement(child, ctx.function_body(), None);
                        }
                        Some("redirect") => self.scan(child, ctx),
                        _ => {}
                    }
                }
            }
            "ERROR" => self.error(node, ctx, conn),
            _ => self.scan(node, ctx),
        }
        self.depth -= 1;
        extra
    }

    /// Walks pipeline stages from stage `position`; returns the stage after the last.
    fn stages(
        &mut self,
        nodes: Vec<Node<'_>>,
        index: usize,
        mut position: usize,
        ctx: Ctx,
        conn: Option<Connector>,
    ) -> usize {
        let mut conn = conn;
        let mut first = true;
        for node in nodes {
            if !node.is_named() || node.kind() == "comment" {
                continue;
            }
            if !is_statement(node.kind()) {
                self.scan(node, ctx);
                continue;
            }
            let c = if first {
                conn.take()
            } else {
                Some(Connector::Pipe)
            };
            first = false;
            let stage = Ctx {
                pipe: Some((index, position)),
                pipe_direct: true,
                ..ctx
            };
            position += 1 + self.statement(node, stage, c);
        }
        position
    }

    /// `a && b || c` parses as `((a && b) || c)`: walk the left spine without recursing.
    fn list(&mut self, node: Node<'_>, ctx: Ctx, conn: Option<Connector>) {
        let mut operands = Vec::new();
        let mut operators = Vec::new();
        let mut current = node;
        loop {
            let kids = children(current);
            let op = kids
                .iter()
                .find_map(|k| match k.kind() {
                    "&&" => Some(Connector::And),
                    "||" => Some(Connector::Or),
                    _ => None,
                })
                .unwrap_or(Connector::And);
            let mut named: Vec<Node<'_>> = kids
                .into_iter()
                .filter(|k| k.is_named() && k.kind() != "comment")
                .collect();
            if named.len() < 2 {
                operands.extend(named);
                break;
            }
            let right = named.pop().expect("two operands");
            operands.push(right);
            operators.push(op);
            let left = named.remove(0);
            if left.kind() == "list" {
                current = left;
            } else {
                operands.push(left);
                break;
            }
        }
        operands.reverse();
        operators.reverse();
        // An operand is tested when an `||` follows it anywhere to its right: everything left
        // of that `||` is its left-hand side.
        let mut tested = vec![false; operands.len()];
        let mut or_after = false;
        for i in (0..operands.len()).rev() {
            tested[i] = or_after;
            if i > 0 && operators.get(i - 1) == Some(&Connector::Or) {
                or_after = true;
            }
        }
        for (i, operand) in operands.into_iter().enumerate() {
            let c = if i == 0 {
                conn
            } else {
                operators.get(i - 1).copied()
            };
            let ctx = if tested[i] { ctx.condition() } else { ctx };
            self.statement(operand, ctx, c);
        }
    }

    /// `if`/`elif`/`else`, `while`/`until`, `for`/`select` and their `do` groups: statements
    /// between keywords, those after `if`/`elif`/`while`/`until` being conditions.
    fn clause(&mut self, node: Node<'_>, ctx: Ctx, conn: Option<Connector>) {
        let mut conn = conn;
        let mut segment = Vec::new();
        let mut condition = false;
        for child in children(node) {
            match child.kind() {
                "if" | "elif" | "while" | "until" => {
                    self.segment(&mut segment, ctx, condition, &mut conn);
                    condition = true;
                }
                "then" | "else" | "do" | "for" | "select" | "in" => {
                    self.segment(&mut segment, ctx, condition, &mut conn);
                    condition = false;
                }
                "fi" | "done" => self.segment(&mut segment, ctx, condition, &mut conn),
                "elif_clause" | "else_clause" | "do_group" => {
                    self.segment(&mut segment, ctx, condition, &mut conn);
                    condition = false;
                    self.clause(child, ctx, conn.take());
                }
                _ => segment.push(child),
            }
        }
        self.segment(&mut segment, ctx, condition, &mut conn);
    }

    fn segment<'t>(
        &mut self,
        segment: &mut Vec<Node<'t>>,
        ctx: Ctx,
        condition: bool,
        conn: &mut Option<Connector>,
    ) {
        if segment.is_empty() {
            return;
        }
        let has_statement = segment
            .iter()
            .any(|n| n.is_named() && is_statement(n.kind()));
        let c = if has_statement { conn.take() } else { None };
        let ctx = if condition { ctx.condition() } else { ctx };
        self.sequence(std::mem::take(segment), ctx, c);
    }

    fn case(&mut self, node: Node<'_>, ctx: Ctx, conn: Option<Connector>) {
        let mut conn = conn;
        for child in children(node) {
            if child.kind() == "case_item" {
                let items = children(child);
                let has_statement = items.iter().any(|n| n.is_named() && is_statement(n.kind()));
                let c = if has_statement { conn.take() } else { None };
                self.sequence(items, ctx, c);
            } else if child.is_named() && child.kind() != "comment" {
                self.scan(child, ctx);
            }
        }
    }

    /// A statement with redirects. The grammar puts whatever follows a heredoc operator on
    /// its line inside the heredoc redirect: `cat <<EOF | sh` and `cat <<EOF && x` are
    /// reassembled into a pipeline and a list here.
    fn redirected<'t>(
        &mut self,
        node: Node<'t>,
        ctx: Ctx,
        conn: Option<Connector>,
        mut parts: Parts<'t>,
    ) -> usize {
        let mut body = None;
        let mut tail = None;
        for (child, field) in fields(node) {
            if child.is_missing() {
                continue;
            }
            match (field, child.kind()) {
                (Some("body"), _) => body = Some(child),
                (_, "file_redirect" | "heredoc_redirect" | "herestring_redirect") => {
                    self.redirect(child, &mut parts, &mut tail)
                }
                (_, "comment") => {}
                _ if child.is_named() => parts.scan.push(child),
                _ => {}
            }
        }

        let mut body_ctx = ctx;
        let mut pipe_at = None;
        match tail {
            Some(Tail::Pipe(p)) => {
                let at = match ctx.pipe {
                    Some(at) if ctx.pipe_direct => at,
                    _ => (self.new_pipeline(node.start_byte()..p.end_byte()), 0),
                };
                body_ctx.pipe = Some(at);
                body_ctx.pipe_direct = true;
                pipe_at = Some(at);
            }
            Some(Tail::List(Connector::Or, _)) => body_ctx.in_condition = true,
            _ => {}
        }

        let mut extra = 0;
        match body {
            Some(b) if is_simple(b.kind()) => self.simple(b, body_ctx, conn, parts),
            Some(b) if b.kind() == "redirected_statement" => {
                extra += self.redirected(b, body_ctx, conn, parts);
            }
            Some(b) => {
                // Redirects of a compound statement apply to all of it; they are not copied
                // onto its commands, but what they run is walked.
                for n in std::mem::take(&mut parts.scan) {
                    self.scan(n, body_ctx);
                }
                self.statement(b, body_ctx, conn);
            }
            None => {
                self.emit(parts, body_ctx, conn);
            }
        }

        match tail {
            Some(Tail::Pipe(p)) => {
                let (index, position) = pipe_at.unwrap_or((0, 0));
                let mut stages = Vec::new();
                for n in children(p) {
                    if n.kind() == "pipeline" {
                        stages.extend(children(n));
                    } else {
                        stages.push(n);
                    }
                }
                let next = self.stages(
                    stages,
                    index,
                    position + 1,
                    ctx.inner(),
                    Some(Connector::Pipe),
                );
                if ctx.pipe_direct && ctx.pipe.is_some() {
                    extra += next - (position + 1);
                }
            }
            Some(Tail::List(op, right)) => {
                let ctx = if ctx.pipe_direct {
                    Ctx {
                        pipe: None,
                        pipe_direct: false,
                        ..ctx
                    }
                } else {
                    ctx.inner()
                };
                self.statement(right, ctx, Some(op));
            }
            None => {}
        }
        extra
    }

    /// Adds a redirect (and the words the grammar attached to it) to `parts`.
    fn redirect<'t>(&self, node: Node<'t>, parts: &mut Parts<'t>, tail: &mut Option<Tail<'t>>) {
        let mut fd = None;
        let mut op: Option<Node<'t>> = None;
        let mut targets = Vec::new();
        let mut delimiter = None;
        let mut body = None;
        let mut end = None;
        let mut list_op = None;
        for (child, field) in fields(node) {
            if child.is_missing() {
                continue;
            }
            let kind = child.kind();
            match (field, kind) {
                (Some("descriptor"), _) => fd = self.text(child.byte_range()).parse().ok(),
                (_, "heredoc_start") => delimiter = Some(child),
                (_, "heredoc_body") => body = Some(child),
                (_, "heredoc_end") => end = Some(child),
                (_, "pipeline") => *tail = Some(Tail::Pipe(child)),
                (Some("operator"), _) => list_op = connector_of(kind),
                (Some("right"), _) => {
                    if let Some(op) = list_op {
                        *tail = Some(Tail::List(op, child));
                    }
                }
                (Some("redirect"), _) => self.redirect(child, parts, tail),
                (Some("argument"), _) => {
                    parts.args.push(self.word(child));
                    parts.scan.push(child);
                }
                (Some("destination"), _) => targets.push(child),
                (_, "comment") => {}
                _ if !child.is_named() => {
                    if op.is_none() {
                        op = Some(child);
                    }
                }
                _ if is_literal(kind) => targets.push(child),
                _ => parts.scan.push(child),
            }
        }
        let op_text = op.map_or("", |o| self.text(o.byte_range())).to_string();
        let start = node.start_byte();
        let mut span_end = op.map_or(start, |o| o.end_byte());

        if node.kind() == "heredoc_redirect" {
            let target = delimiter.map(|d| {
                let mut w = self.word(d);
                if w.value.is_none() {
                    w.value = Some(w.raw.clone());
                }
                w
            });
            if let Some(t) = &target {
                span_end = t.span.end;
            }
            let quoted = target
                .as_ref()
                .is_some_and(|t| t.raw.contains(['\'', '"', '\\']));
            let heredoc = self.heredoc_body(span_end, body, end, quoted, op_text == "<<-");
            parts.scan.extend(body);
            parts.redirects.push(Redirect {
                op: op_text,
                fd,
                target,
                span: start..span_end,
                heredoc,
            });
            return;
        }

        parts.scan.extend(targets.iter().copied());
        let mut targets = targets.into_iter();
        // `>&-` closes a descriptor: a word after it is an argument of the command.
        let target = if matches!(op_text.as_str(), "<&-" | ">&-") {
            None
        } else {
            targets.next().map(|t| self.word(t))
        };
        if let Some(t) = &target {
            span_end = t.span.end;
        }
        // `echo >f a b`: the grammar hangs `a b` on the redirect; the shell passes them on.
        parts.args.extend(targets.map(|t| self.word(t)));
        parts.redirects.push(Redirect {
            op: op_text,
            fd,
            target,
            span: start..span_end,
            heredoc: None,
        });
    }

    /// A heredoc's body as whole lines, from the line after the operator's to the delimiter
    /// line.
    fn heredoc_body(
        &self,
        head_end: usize,
        body: Option<Node<'_>>,
        end: Option<Node<'_>>,
        quoted: bool,
        strip_tabs: bool,
    ) -> Option<Word> {
        let first_line = self
            .src
            .get(head_end..)
            .and_then(|s| s.find('\n'))
            .map_or(self.src.len(), |i| head_end + i + 1);
        let start = match (body, end) {
            (Some(b), _) => line_start(self.src, b.start_byte()),
            (None, Some(e)) => line_start(self.src, e.start_byte()),
            (None, None) => return None,
        }
        .max(first_line)
        .min(self.src.len());
        let stop = match end {
            Some(e) if e.end_byte() > e.start_byte() => line_start(self.src, e.start_byte()),
            _ => body.map_or(start, |b| b.end_byte()),
        }
        .max(start);
        let raw = self.text(start..stop);
        let value =
            words::heredoc(raw, start, quoted, strip_tabs, Mode::Value, false).map(|u| u.text);
        Some(Word {
            raw: raw.to_string(),
            value,
            span: start..stop,
        })
    }

    fn simple<'t>(
        &mut self,
        node: Node<'t>,
        ctx: Ctx,
        conn: Option<Connector>,
        mut parts: Parts<'t>,
    ) {
        match node.kind() {
            "command" => self.command_parts(node, &mut parts),
            "variable_assignment" => {
                parts.assignments.push(self.word(node));
                parts.scan.push(node);
            }
            "variable_assignments" => {
                for child in children(node) {
                    if child.kind() == "variable_assignment" {
                        parts.assignments.push(self.word(child));
                    }
                    if child.is_named() {
                        parts.scan.push(child);
                    }
                }
            }
            "declaration_command" | "unset_command" => {
                for child in children(node) {
                    if child.is_missing() || child.kind() == "comment" {
                        continue;
                    }
                    let word = self.word(child);
                    if parts.name.is_none() && !child.is_named() {
                        parts.name = Some(word);
                    } else {
                        parts.args.push(word);
                        if child.is_named() {
                            parts.scan.push(child);
                        }
                    }
                }
            }
            "test_command" => self.test_parts(node, &mut parts),
            _ => {}
        }
        self.emit(parts, ctx, conn);
    }

    fn command_parts<'t>(&self, node: Node<'t>, parts: &mut Parts<'t>) {
        for (child, field) in fields(node) {
            if child.is_missing() || child.byte_range().is_empty() {
                continue;
            }
            match (field, child.kind()) {
                (Some("name"), _) => {
                    parts.name = Some(self.word(child));
                    parts.scan.push(child);
                }
                (_, "variable_assignment") => {
                    parts.assignments.push(self.word(child));
                    parts.scan.push(child);
                }
                (_, "file_redirect" | "herestring_redirect") => {
                    let mut tail = None;
                    self.redirect(child, parts, &mut tail);
                }
                (_, "subshell") => parts.statements.push(child),
                (_, "comment") => {}
                (Some("argument"), _) => {
                    parts.args.push(self.word(child));
                    if child.is_named() {
                        parts.scan.push(child);
                    }
                }
                _ if child.is_named() => parts.scan.push(child),
                _ => {}
            }
        }
    }

    /// `[ … ]` and `[[ … ]]`: the bracket is the name, operands and operators the arguments,
    /// the closing bracket the last one.
    fn test_parts<'t>(&self, node: Node<'t>, parts: &mut Parts<'t>) {
        let mut stack: Vec<Node<'t>> = children(node).into_iter().rev().collect();
        while let Some(n) = stack.pop() {
            if n.is_missing() || n.kind() == "comment" {
                continue;
            }
            if parts.name.is_none() && !n.is_named() {
                parts.name = Some(self.word(n));
                continue;
            }
            match n.kind() {
                "binary_expression"
                | "unary_expression"
                | "parenthesized_expression"
                | "ternary_expression"
                | "postfix_expression"
                | "redirected_statement" => {
                    stack.extend(children(n).into_iter().rev());
                }
                _ => {
                    parts.args.push(self.word(n));
                    if n.is_named() {
                        parts.scan.push(n);
                    }
                }
            }
        }
    }

    /// Records a simple command, walks what its words run, and looks through it if it runs
    /// another command.
    fn emit(&mut self, parts: Parts<'_>, ctx: Ctx, conn: Option<Connector>) -> Option<usize> {
        let Parts {
            name,
            mut args,
            assignments,
            redirects,
            scan,
            statements,
        } = parts;
        args.sort_by_key(|w| w.span.start);
        let (name, args) = self.join_continuations(name, args);

        let spans = name
            .iter()
            .chain(&args)
            .chain(&assignments)
            .map(|w| w.span.clone())
            .chain(redirects.iter().map(|r| r.span.clone()));
        let mut span: Option<Range<usize>> = None;
        for s in spans {
            span = Some(match span {
                Some(acc) => acc.start.min(s.start)..acc.end.max(s.end),
                None => s,
            });
        }

        let index = span.map(|span| {
            let (pipeline, position_in_pipeline) =
                ctx.pipe.map_or((None, 0), |(p, at)| (Some(p), at));
            self.out.commands.push(Command {
                name,
                args,
                assignments,
                redirects,
                span,
                pipeline,
                position_in_pipeline,
                connector_before: conn,
                subshell_depth: ctx.subshell_depth,
                in_substitution: ctx.in_substitution,
                in_condition: ctx.in_condition,
                in_function: ctx.in_function,
                wrapper: None,
                wrapped_by: None,
                state: ShellState {
                    scope: 0,
                    top_level: ctx.top_level(),
                    options: ShellOptions::default(),
                },
            });
            self.out.commands.len() - 1
        });
        for node in scan {
            self.scan(node, ctx);
        }
        for node in statements {
            self.statement(node, ctx.inner(), None);
        }
        if let Some(index) = index {
            self.look_through(index, 0);
        }
        index
    }

    /// `foo\<newline>bar` is one word to the shell; tree-sitter sees two.
    fn join_continuations(&self, name: Option<Word>, args: Vec<Word>) -> (Option<Word>, Vec<Word>) {
        let has_name = name.is_some();
        let mut joined: Vec<Word> = Vec::with_capacity(args.len() + 1);
        for word in name.into_iter().chain(args) {
            if let Some(last) = joined.last_mut() {
                let gap = self.src.get(last.span.end..word.span.start);
                if matches!(gap, Some("\\\n" | "\\\r\n")) {
                    last.span.end = word.span.end;
                    last.raw = self.text(last.span.clone()).to_string();
                    last.value = match (&last.value, &word.value) {
                        (Some(_), Some(_)) => words::static_value(&last.raw),
                        _ => None,
                    };
                    continue;
                }
            }
            joined.push(word);
        }
        let mut joined = joined.into_iter();
        let name = if has_name { joined.next() } else { None };
        (name, joined.collect())
    }

    /// Finds the substitutions in a node and walks their commands.
    fn scan(&mut self, node: Node<'_>, ctx: Ctx) {
        let mut cursor = node.walk();
        let mut level = 0usize;
        loop {
            let current = cursor.node();
            let substitution = matches!(
                current.kind(),
                "command_substitution" | "process_substitution"
            );
            if substitution {
                self.substitution(current, ctx);
            } else if cursor.goto_first_child() {
                level += 1;
                continue;
            }
            loop {
                if level == 0 {
                    return;
                }
                if cursor.goto_next_sibling() {
                    break;
                }
                cursor.goto_parent();
                level -= 1;
            }
        }
    }

    fn substitution(&mut self, node: Node<'_>, ctx: Ctx) {
        if self.depth >= MAX_DEPTH {
            self.out.has_errors = true;
            return;
        }
        self.depth += 1;
        self.sequence(children(node), ctx.substitution(), None);
        self.depth -= 1;
    }

    /// What tree-sitter could not parse: statements it recognised are walked, and runs of
    /// words between tokens are taken for commands.
    fn error(&mut self, node: Node<'_>, ctx: Ctx, conn: Option<Connector>) {
        let mut run: Vec<Node<'_>> = Vec::new();
        // `None`: no token since the last command; `Some(c)`: the last token's connector.
        let mut pending: Option<Option<Connector>> = Some(conn);
        let next_conn = |pending: &mut Option<Option<Connector>>| {
            pending.take().unwrap_or(Some(Connector::Seq))
        };
        for child in children(node) {
            if child.is_missing() {
                continue;
            }
            let kind = child.kind();
            if child.is_named() && is_literal(kind) {
                run.push(child);
                continue;
            }
            if !run.is_empty() {
                let c = next_conn(&mut pending);
                self.words_as_command(std::mem::take(&mut run), ctx, c);
            }
            if !child.is_named() {
                pending = Some(connector_of(kind));
            } else if is_statement(kind) {
                let c = next_conn(&mut pending);
                self.statement(child, ctx, c);
            } else if kind != "comment" {
                self.scan(child, ctx);
            }
        }
        if !run.is_empty() {
            let c = next_conn(&mut pending);
            self.words_as_command(run, ctx, c);
        }
    }

    fn words_as_command(&mut self, run: Vec<Node<'_>>, ctx: Ctx, conn: Option<Connector>) {
        let mut parts = Parts::default();
        for node in run {
            let word = self.word(node);
            if parts.name.is_none() {
                parts.name = Some(word);
            } else {
                parts.args.push(word);
            }
            parts.scan.push(node);
        }
        self.emit(parts, ctx, conn);
    }

    /// Reports the command a wrapper runs (`sudo apt-get …`) and the commands of a script
    /// handed to a shell (`sh -c '…'`, `bash <<EOF`, `su -c '…'`).
    fn look_through(&mut self, index: usize, level: usize) {
        if level >= MAX_WRAPPERS {
            return;
        }
        let command = &self.out.commands[index];
        let Some(name) = command.name_str().map(str::to_string) else {
            return;
        };
        if let Some(spec) = wrappers::exec_wrapper(&name) {
            let Some((assignments, at)) = spec.locate(&command.args) else {
                return;
            };
            let inner = Command {
                name: Some(command.args[at].clone()),
                args: command.args[at + 1..].to_vec(),
                assignments: command.args[assignments].to_vec(),
                redirects: command.redirects.clone(),
                span: command.args[at].span.start..command.span.end,
                pipeline: command.pipeline,
                position_in_pipeline: command.position_in_pipeline,
                connector_before: command.connector_before,
                subshell_depth: command.subshell_depth,
                in_substitution: command.in_substitution,
                in_condition: command.in_condition,
                in_function: command.in_function,
                wrapper: Some(name),
                wrapped_by: Some(index),
                state: ShellState {
                    top_level: false,
                    ..command.state
                },
            };
            self.out.commands.push(inner);
            let inner = self.out.commands.len() - 1;
            self.look_through(inner, level + 1);
            return;
        }
        let (script, options) = if wrappers::is_shell(&name) {
            let (run, options) = wrappers::shell_invocation(&command.args);
            let script = match run {
                ShellRun::Command(i) => {
                    let arg = &command.args[i];
                    words::unquote_mapped(&arg.raw, arg.span.start)
                }
                ShellRun::Stdin => stdin_script(command),
                ShellRun::Other => None,
            };
            (script, options)
        } else if name == "su" {
            let script = wrappers::su_command(&command.args).and_then(|(i, prefix)| {
                let arg = &command.args[i];
                let mut text = words::unquote_mapped(&arg.raw, arg.span.start)?;
                text.drop_prefix(prefix).then_some(text)
            });
            (script, ShellOptions::default())
        } else {
            return;
        };
        if let Some(script) = script {
            self.nest(index, &script, &name, options);
        }
    }

    /// Parses a script run by the shell command at `host` and adds its commands, with spans
    /// mapped back into this script.
    fn nest(&mut self, host: usize, script: &Unquoted, wrapper: &str, options: ShellOptions) {
        if self.nesting >= MAX_NESTED_SCRIPTS {
            return;
        }
        let inner = analyse(&script.text, self.nesting + 1, self.depth);
        let base_command = self.out.commands.len();
        let base_pipeline = self.out.pipelines.len();
        let base_scope = self.out.scopes.len();
        let host_command = &self.out.commands[host];
        let host_depth = host_command.subshell_depth;
        let host_substitution = host_command.in_substitution;
        let host_condition = host_command.in_condition;
        let host_function = host_command.in_function;

        self.out.has_errors |= inner.has_errors;
        let mut scopes = inner.scopes;
        if let Some(first) = scopes.first_mut() {
            *first = options;
        }
        self.out.scopes.extend(scopes);
        for mut pipeline in inner.pipelines {
            pipeline.span = script.map(pipeline.span);
            self.out.pipelines.push(pipeline);
        }
        for mut c in inner.commands {
            c.span = script.map(c.span);
            for w in c
                .name
                .iter_mut()
                .chain(c.args.iter_mut())
                .chain(c.assignments.iter_mut())
            {
                self.relocate(w, script);
            }
            for r in &mut c.redirects {
                r.span = script.map(r.span.clone());
                for w in r.target.iter_mut().chain(r.heredoc.iter_mut()) {
                    self.relocate(w, script);
                }
            }
            c.pipeline = c.pipeline.map(|p| p + base_pipeline);
            c.wrapped_by = Some(c.wrapped_by.map_or(host, |w| w + base_command));
            if c.wrapper.is_none() {
                c.wrapper = Some(wrapper.to_string());
            }
            c.subshell_depth += host_depth + 1;
            c.in_substitution |= host_substitution;
            c.in_condition |= host_condition;
            c.in_function |= host_function;
            c.state.scope += base_scope;
            self.out.commands.push(c);
        }
    }

    fn relocate(&self, word: &mut Word, script: &Unquoted) {
        word.span = script.map(word.span.clone());
        word.raw = self.text(word.span.clone()).to_string();
    }
}

/// The script a shell reads from standard input: its heredoc or here-string.
fn stdin_script(command: &Command) -> Option<Unquoted> {
    let redirect = command.redirects.iter().rev().find(|r| {
        matches!(r.op.as_str(), "<<" | "<<-" | "<<<") && matches!(r.fd, None | Some(0))
    })?;
    if redirect.op == "<<<" {
        let target = redirect.target.as_ref()?;
        return words::unquote_mapped(&target.raw, target.span.start);
    }
    let body = redirect.heredoc.as_ref()?;
    let quoted = redirect
        .target
        .as_ref()
        .is_some_and(|t| t.raw.contains(['\'', '"', '\\']));
    words::heredoc(
        &body.raw,
        body.span.start,
        quoted,
        redirect.op == "<<-",
        Mode::Script,
        true,
    )
}
