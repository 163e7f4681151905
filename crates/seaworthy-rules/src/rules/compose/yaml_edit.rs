//! Text edits on a Compose file that keep everything else as written: comments, key order,
//! quoting, indentation and line endings.
//!
//! A [`Plan`] collects edits on one file's text together with the tree the file must parse to
//! afterwards. [`Plan::finish`] applies the edits, parses the result and hands the edits back
//! only when it is exactly that tree: a layout this module does not foresee (a `|+` scalar
//! whose kept blank lines an insertion would take, a document end marker) costs a fix, never
//! a file.
//!
//! [`ServiceSite`] finds where a service is written and says which of its keys may be edited
//! there: a fix edits the one place the user reads, and only when re-loading the project sees
//! the edit (no merge from an override file, `extends` or a merge key overrides it).

use std::path::Path;

use seaworthy_compose::model::Tree;
use seaworthy_compose::yaml::{self, Document, Node, Span, Style, Value};
use seaworthy_compose::{Project, Service};

use crate::Edit;

/// A step from a YAML node to one of its children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// A value to write, rendered in the file's style.
#[derive(Debug, Clone)]
pub(crate) enum NewValue {
    /// A string: plain when the file writes strings plain and YAML reads it back as this
    /// string, quoted otherwise.
    Str(String),
    /// A string that is always quoted (`"3"`, a number written plain).
    Quoted(String),
    /// A scalar written as given (`true`).
    Raw(String),
    Map(Vec<(String, NewValue)>),
    List(Vec<NewValue>),
}

impl NewValue {
    pub(crate) fn str(s: impl Into<String>) -> NewValue {
        NewValue::Str(s.into())
    }

    pub(crate) fn map<const N: usize>(entries: [(&str, NewValue); N]) -> NewValue {
        NewValue::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        )
    }
}

/// How a file writes its strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quote {
    Plain,
    Double,
    Single,
}

/// How the file is written, so that new text looks like the rest of it.
#[derive(Debug, Clone)]
pub(crate) struct FileStyle {
    pub newline: &'static str,
    /// Spaces a nested mapping is indented by.
    pub step: usize,
    /// Spaces a block sequence's `-` is indented by under its key (0 for `key:\n- a`).
    pub seq_indent: usize,
    /// Lists are mostly written `[a, b]`.
    pub flow_lists: bool,
    pub quote: Quote,
}

impl FileStyle {
    /// The style of `text`, parsed as `docs`: the indentation of its first nested mapping and
    /// block sequence, and how most of its strings and lists are written.
    fn of(text: &str, docs: &[Document]) -> FileStyle {
        #[derive(Default)]
        struct Seen {
            step: Option<usize>,
            seq_indent: Option<usize>,
            flow_lists: usize,
            block_lists: usize,
            plain: usize,
            double: usize,
            single: usize,
        }
        fn walk(text: &str, node: &Node, seen: &mut Seen) {
            match &node.value {
                Value::Map(entries) => {
                    for (k, v) in entries {
                        let key_col = column(text, k.span.start);
                        match (&v.value, v.style) {
                            (Value::Map(children), Style::Block) => {
                                if let Some((first, _)) = children.first() {
                                    let col = column(text, first.span.start);
                                    if seen.step.is_none() && col > key_col {
                                        seen.step = Some(col - key_col);
                                    }
                                }
                            }
                            (Value::Seq(_), Style::Block) => {
                                seen.block_lists += 1;
                                let col = column(text, v.span.start);
                                if seen.seq_indent.is_none() && col >= key_col {
                                    seen.seq_indent = Some(col - key_col);
                                }
                            }
                            (Value::Seq(_), Style::Flow) => seen.flow_lists += 1,
                            _ => {}
                        }
                        walk(text, v, seen);
                    }
                }
                Value::Seq(items) => items.iter().for_each(|i| walk(text, i, seen)),
                Value::String(_) => match node.style {
                    Style::Plain => seen.plain += 1,
                    Style::DoubleQuoted => seen.double += 1,
                    Style::SingleQuoted => seen.single += 1,
                    _ => {}
                },
                _ => {}
            }
        }
        let mut seen = Seen::default();
        for doc in docs {
            walk(text, &doc.root, &mut seen);
        }
        let step = seen.step.unwrap_or(2);
        FileStyle {
            newline: if text.contains("\r\n") { "\r\n" } else { "\n" },
            step,
            seq_indent: seen.seq_indent.unwrap_or(step),
            flow_lists: seen.flow_lists > seen.block_lists,
            quote: if seen.double > seen.plain && seen.double >= seen.single {
                Quote::Double
            } else if seen.single > seen.plain && seen.single > seen.double {
                Quote::Single
            } else {
                Quote::Plain
            },
        }
    }

    /// `s` quoted the way the file quotes (double quotes unless it uses single ones).
    pub(crate) fn quoted(&self, s: &str) -> String {
        quote(s, self.quote)
    }

    /// `s` as the file would write it: plain when the file writes strings plain and that
    /// reads back as `s`, quoted otherwise.
    pub(crate) fn string(&self, s: &str, flow: bool) -> String {
        if self.quote == Quote::Plain && plain_ok(s, flow) {
            s.to_owned()
        } else {
            self.quoted(s)
        }
    }

    /// A mapping key: plain whenever YAML reads it back as written, as keys mostly are.
    fn key(&self, key: &str, flow: bool) -> String {
        if plain_ok(key, flow) {
            key.to_owned()
        } else {
            self.quoted(key)
        }
    }

    fn scalar(&self, value: &NewValue, flow: bool, quote_as: Option<Quote>) -> Option<String> {
        Some(match value {
            NewValue::Str(s) => match quote_as {
                Some(q @ (Quote::Double | Quote::Single)) => quote(s, q),
                _ => self.string(s, flow),
            },
            NewValue::Quoted(s) => quote(s, quote_as.unwrap_or(self.quote)),
            NewValue::Raw(s) => s.clone(),
            NewValue::Map(_) | NewValue::List(_) => return None,
        })
    }

    /// `value` in flow style: `{a: b}`, `[a, b]`, or a scalar.
    fn flow(&self, value: &NewValue) -> String {
        match value {
            NewValue::Map(entries) => {
                let inner: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", self.key(k, true), self.flow(v)))
                    .collect();
                format!("{{{}}}", inner.join(", "))
            }
            NewValue::List(items) => {
                let inner: Vec<String> = items.iter().map(|i| self.flow(i)).collect();
                format!("[{}]", inner.join(", "))
            }
            scalar => self.scalar(scalar, true, None).unwrap_or_default(),
        }
    }

    /// The lines of `key: value` in block style at `indent` spaces.
    fn block_entry(&self, indent: usize, key: &str, value: &NewValue) -> Vec<String> {
        let pad = " ".repeat(indent);
        let key = self.key(key, false);
        match value {
            NewValue::Map(entries) if !entries.is_empty() => {
                let mut lines = vec![format!("{pad}{key}:")];
                for (k, v) in entries {
                    lines.extend(self.block_entry(indent + self.step, k, v));
                }
                lines
            }
            NewValue::List(items) if !items.is_empty() && !self.flow_lists => {
                let mut lines = vec![format!("{pad}{key}:")];
                let dash = " ".repeat(indent + self.seq_indent);
                for item in items {
                    let text = self
                        .scalar(item, false, None)
                        .unwrap_or_else(|| self.flow(item));
                    lines.push(format!("{dash}- {text}"));
                }
                lines
            }
            NewValue::Map(_) | NewValue::List(_) => {
                vec![format!("{pad}{key}: {}", self.flow(value))]
            }
            scalar => vec![format!(
                "{pad}{key}: {}",
                self.scalar(scalar, false, None).unwrap_or_default()
            )],
        }
    }
}

/// `s` in double quotes (with YAML escapes) or, for [`Quote::Single`], single quotes.
fn quote(s: &str, how: Quote) -> String {
    if how == Quote::Single && !s.chars().any(char::is_control) {
        return format!("'{}'", s.replace('\'', "''"));
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `s` may be written as a plain scalar and read back as the string `s`.
fn plain_ok(s: &str, flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    s.trim() == s
        && matches!(yaml::resolve_plain(s), Value::String(ref t) if t == s)
        && !"-?:,[]{}#&*!|>'\"%@`".contains(first)
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with(':')
        && !s.chars().any(|c| c.is_control())
        && !(flow && s.contains([',', '[', ']', '{', '}', ':']))
}

/// The column of byte `at`: the bytes since the line's start.
fn column(text: &str, at: usize) -> usize {
    at - text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// Whether `inner` lies within `outer`.
fn inside(inner: Span, outer: Span) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// Whether two nodes hold the same value (spans and styles aside).
fn same(a: &Node, b: &Node) -> bool {
    a.tag == b.tag
        && match (&a.value, &b.value) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
            (Value::String(x), Value::String(y)) => x == y,
            (Value::Seq(x), Value::Seq(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
            }
            (Value::Map(x), Value::Map(y)) => {
                x.len() == y.len()
                    && x.iter()
                        .zip(y)
                        .all(|((k1, v1), (k2, v2))| same(k1, k2) && same(v1, v2))
            }
            _ => false,
        }
}

fn walk<'n>(node: &'n Node, path: &[Seg]) -> Option<&'n Node> {
    let Some((first, rest)) = path.split_first() else {
        return Some(node);
    };
    let child = match first {
        Seg::Key(k) => node.get(k)?,
        Seg::Index(i) => node.as_seq()?.get(*i)?,
    };
    walk(child, rest)
}

fn walk_mut<'n>(node: &'n mut Node, path: &[Seg]) -> Option<&'n mut Node> {
    let Some((first, rest)) = path.split_first() else {
        return Some(node);
    };
    let child = match (first, &mut node.value) {
        (Seg::Key(k), Value::Map(entries)) => {
            &mut entries
                .iter_mut()
                .find(|(key, _)| key.as_str() == Some(k.as_str()))?
                .1
        }
        (Seg::Index(i), Value::Seq(items)) => items.get_mut(*i)?,
        _ => return None,
    };
    walk_mut(child, rest)
}

/// The single entry of a one-entry mapping written as `text`.
fn parse_entry(text: &str) -> Option<(Node, Node)> {
    let doc = yaml::parse(text).ok()??;
    match doc.root.value {
        Value::Map(mut entries) if entries.len() == 1 => entries.pop(),
        _ => None,
    }
}

/// The node `text` parses to on its own.
fn parse_node(text: &str) -> Option<Node> {
    Some(yaml::parse(text).ok()??.root)
}

/// Edits on one file's text, and what it must parse to afterwards.
pub(crate) struct Plan<'a> {
    text: &'a str,
    docs: Vec<Document>,
    expect: Vec<Document>,
    edits: Vec<Edit>,
    pub style: FileStyle,
}

impl<'a> Plan<'a> {
    /// A plan on `text`; `None` when it does not parse.
    pub(crate) fn new(text: &'a str) -> Option<Plan<'a>> {
        let docs = yaml::parse_documents(text).ok()?;
        let style = FileStyle::of(text, &docs);
        Some(Plan {
            text,
            expect: docs.clone(),
            docs,
            edits: Vec::new(),
            style,
        })
    }

    pub(crate) fn text(&self) -> &'a str {
        self.text
    }

    pub(crate) fn docs(&self) -> &[Document] {
        &self.docs
    }

    /// The node at `path` in document `doc`, as the text is before the edits.
    pub(crate) fn node(&self, doc: usize, path: &[Seg]) -> Option<&Node> {
        walk(&self.docs.get(doc)?.root, path)
    }

    /// The end of the line holding byte `at`, before its line break.
    fn line_end(&self, at: usize) -> usize {
        let end = self.text[at..]
            .find('\n')
            .map_or(self.text.len(), |i| at + i);
        if end > at && self.text.as_bytes()[end - 1] == b'\r' {
            end - 1
        } else {
            end
        }
    }

    /// The indentation of a block node starting at `at`, when only spaces and the `- ` of
    /// sequence items come before it on its line.
    fn indent_of(&self, at: usize) -> Option<usize> {
        let start = at - column(self.text, at);
        self.text[start..at]
            .bytes()
            .all(|b| b == b' ' || b == b'-')
            .then_some(at - start)
    }

    fn lines(&self, lines: &[String]) -> String {
        lines
            .iter()
            .map(|l| format!("{}{l}", self.style.newline))
            .collect()
    }

    fn edit(&mut self, start: usize, end: usize, text: String) {
        self.edits.push(Edit::replace(
            seaworthy_dockerfile::Span::new(start, end),
            text,
        ));
    }

    /// Adds `key: value` after the last entry of the mapping at `path`: on a new line at the
    /// indentation of its keys for a block mapping, after a comma for a flow one.
    pub(crate) fn add_entry(
        &mut self,
        doc: usize,
        path: &[Seg],
        key: &str,
        value: &NewValue,
    ) -> Option<()> {
        let map = self.node(doc, path)?;
        let entries = map.as_map()?;
        if entries.iter().any(|(k, _)| k.as_str() == Some(key)) {
            return None;
        }
        let (at, text, entry) = match map.style {
            Style::Block => {
                // The indentation of the block's own keys, not of keys merged into it.
                let (first, _) = entries.iter().find(|(k, _)| inside(k.span, map.span))?;
                let indent = self.indent_of(first.span.start)?;
                let lines = self.style.block_entry(indent, key, value);
                let entry = parse_entry(&self.style.block_entry(0, key, value).join("\n"))?;
                (self.line_end(map.span.end), self.lines(&lines), entry)
            }
            Style::Flow => {
                let rendered = format!("{}: {}", self.style.key(key, true), self.style.flow(value));
                let entry = parse_entry(&format!("{{{rendered}}}"))?;
                match entries.last() {
                    Some((_, v)) => (v.span.end, format!(", {rendered}"), entry),
                    None => (map.span.start + 1, rendered, entry),
                }
            }
            _ => return None,
        };
        self.edit(at, at, text);
        match &mut walk_mut(&mut self.expect[doc].root, path)?.value {
            Value::Map(entries) => entries.push(entry),
            _ => return None,
        }
        Some(())
    }

    /// Appends `item` to the sequence at `path`: a `- item` line at the indentation of its
    /// items for a block sequence, after a comma for a flow one. A string item is quoted like
    /// the last item when that one is quoted.
    pub(crate) fn push_item(&mut self, doc: usize, path: &[Seg], item: &NewValue) -> Option<()> {
        let seq = self.node(doc, path)?;
        let items = seq.as_seq()?;
        let quote_as = items.last().map(|i| match i.style {
            Style::DoubleQuoted => Quote::Double,
            Style::SingleQuoted => Quote::Single,
            _ => Quote::Plain,
        });
        let (at, text, rendered) = match seq.style {
            Style::Block => {
                if self.text.as_bytes().get(seq.span.start) != Some(&b'-') {
                    return None;
                }
                let indent = self.indent_of(seq.span.start)?;
                let rendered = self
                    .style
                    .scalar(item, false, quote_as)
                    .unwrap_or_else(|| self.style.flow(item));
                let line = format!("{}- {rendered}", " ".repeat(indent));
                (self.line_end(seq.span.end), self.lines(&[line]), rendered)
            }
            Style::Flow => {
                let rendered = match quote_as {
                    Some(Quote::Plain) | None => self.style.flow(item),
                    q => self.style.scalar(item, true, q)?,
                };
                match items.last() {
                    Some(last) => (last.span.end, format!(", {rendered}"), rendered),
                    None => (seq.span.start + 1, rendered.clone(), rendered),
                }
            }
            _ => return None,
        };
        let parsed = parse_node(&format!("- {rendered}"))?;
        let Value::Seq(mut parsed) = parsed.value else {
            return None;
        };
        self.edit(at, at, text);
        match &mut walk_mut(&mut self.expect[doc].root, path)?.value {
            Value::Seq(items) => items.push(parsed.pop()?),
            _ => return None,
        }
        Some(())
    }

    /// Replaces the scalar at `path` by `source`, YAML text that parses to the new value.
    pub(crate) fn replace(&mut self, doc: usize, path: &[Seg], source: &str) -> Option<()> {
        let node = self.node(doc, path)?;
        if matches!(node.value, Value::Seq(_) | Value::Map(_)) || node.span.is_empty() {
            return None;
        }
        let span = node.span;
        let new = parse_node(source)?;
        self.edit(span.start, span.end, source.to_owned());
        let target = walk_mut(&mut self.expect[doc].root, path)?;
        target.value = new.value;
        target.tag = new.tag;
        Some(())
    }

    /// Replaces the key and the value of entry `index` of the mapping at `path` by
    /// `key_source` and `value_source` (YAML text), keeping what is written between them.
    pub(crate) fn replace_entry(
        &mut self,
        doc: usize,
        path: &[Seg],
        index: usize,
        key_source: &str,
        value_source: &str,
    ) -> Option<()> {
        let map = self.node(doc, path)?;
        let (k, v) = map.as_map()?.get(index)?;
        let (k, v) = (k.span, v.span);
        if k.is_empty() || v.is_empty() || v.start < k.end {
            return None;
        }
        let entry = parse_entry(&format!("{key_source}: {value_source}"))?;
        self.edit(k.start, k.end, key_source.to_owned());
        self.edit(v.start, v.end, value_source.to_owned());
        match &mut walk_mut(&mut self.expect[doc].root, path)?.value {
            Value::Map(entries) => *entries.get_mut(index)? = entry,
            _ => return None,
        }
        Some(())
    }

    /// Appends `key: value` to the top-level mapping of the file's last document, at the end
    /// of the file.
    pub(crate) fn add_top_level(&mut self, key: &str, value: &NewValue) -> Option<()> {
        let doc = self.docs.len().checked_sub(1)?;
        let root = &self.docs[doc].root;
        if root.style != Style::Block || root.get(key).is_some() {
            return None;
        }
        let lines = self.style.block_entry(0, key, value);
        let entry = parse_entry(&lines.join("\n"))?;
        let nl = self.style.newline;
        let at = self.text.len();
        let text = if self.text.ends_with('\n') {
            format!("{}{nl}", lines.join(nl))
        } else {
            self.lines(&lines)
        };
        self.edit(at, at, text);
        match &mut self.expect[doc].root.value {
            Value::Map(entries) => entries.push(entry),
            _ => return None,
        }
        Some(())
    }

    /// The edits, when applying them gives exactly the expected documents; insertions at one
    /// place are joined into one edit.
    pub(crate) fn finish(self) -> Option<Vec<Edit>> {
        let mut edits = self.edits;
        if edits.is_empty() {
            return None;
        }
        edits.sort_by_key(|e| (e.span.start, e.span.end));
        let mut merged: Vec<Edit> = Vec::with_capacity(edits.len());
        for e in edits {
            if let Some(last) = merged.last_mut() {
                if e.span.start < last.span.end {
                    return None;
                }
                if last.span == e.span && e.span.start == e.span.end {
                    last.replacement.push_str(&e.replacement);
                    continue;
                }
            }
            merged.push(e);
        }
        let mut out = String::with_capacity(self.text.len() + 128);
        let mut at = 0;
        for e in &merged {
            out.push_str(self.text.get(at..e.span.start)?);
            out.push_str(&e.replacement);
            at = e.span.end;
        }
        out.push_str(self.text.get(at..)?);
        let docs = yaml::parse_documents(&out).ok()?;
        let same_docs = docs.len() == self.expect.len()
            && docs
                .iter()
                .zip(&self.expect)
                .all(|(a, b)| same(&a.root, &b.root));
        same_docs.then_some(merged)
    }
}

/// What a service's key is in the file being edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Written {
    /// Nowhere: neither in this block nor merged from elsewhere.
    Missing,
    /// In this block, and the merged value is what is written here.
    Here,
    /// Merged from, or overridden by, another place: not fixable here.
    Elsewhere,
}

/// A service as written in one Compose file, with a [`Plan`] on that file.
pub(crate) struct ServiceSite<'a> {
    pub plan: Plan<'a>,
    /// The document of the file that defines the service.
    pub doc: usize,
    /// The file, an index into `Project::files`.
    pub file: usize,
    service: &'a Service,
}

impl<'a> ServiceSite<'a> {
    /// `service` as written in file `file`, when seaworthy may edit it there: a non-empty
    /// block mapping under `services:` written right after its key (no flow style, anchor,
    /// alias, tag or merge key), in a file the project does not `include`.
    pub(crate) fn find(
        project: &'a Project,
        service: &'a Service,
        file: usize,
    ) -> Option<ServiceSite<'a>> {
        if included(project, file) {
            return None;
        }
        let text = &project.files.get(file)?.text;
        let plan = Plan::new(text)?;
        let mut found = None;
        for (d, document) in plan.docs().iter().enumerate() {
            if let Some(entry) = document
                .root
                .get("services")
                .and_then(|s| s.entry(&service.name))
            {
                if found.is_some() {
                    return None;
                }
                found = Some((d, entry));
            }
        }
        let (doc, (key, node)) = found?;
        let entries = node.as_map()?;
        // Entries outside the block come from a merge key (`<<: *defaults`): what is added
        // here overrides them, and keys the merge provides are never edited here (see
        // [`ServiceSite::key`]).
        if node.style != Style::Block
            || !entries.iter().any(|(k, _)| inside(k.span, node.span))
            || !written_after(text, key.span.end, node.span.start)
        {
            return None;
        }
        Some(ServiceSite {
            doc,
            file,
            service,
            plan,
        })
    }

    /// The path of the service's mapping, and below it `keys`.
    pub(crate) fn path(&self, keys: &[&str]) -> Vec<Seg> {
        let mut path = vec![
            Seg::Key("services".into()),
            Seg::Key(self.service.name.clone()),
        ];
        path.extend(keys.iter().map(|k| Seg::Key((*k).to_owned())));
        path
    }

    /// The service's mapping as written.
    pub(crate) fn block(&self) -> &Node {
        self.plan
            .node(self.doc, &self.path(&[]))
            .expect("found by ServiceSite::find")
    }

    /// The node at `keys` below the service, as written.
    pub(crate) fn node(&self, keys: &[&str]) -> Option<&Node> {
        self.plan.node(self.doc, &self.path(keys))
    }

    /// Whether every key of the merged service is written in this file (in this block, or
    /// merged into it from an anchor of the same file): nothing comes from an override file
    /// or another file's `extends`, so that what is added here is what re-loading the
    /// project sees.
    pub(crate) fn whole(&self) -> bool {
        self.service
            .raw
            .as_map()
            .is_some_and(|entries| entries.iter().all(|(k, _)| k.origin.file == self.file))
    }

    /// Where the service's `key` is written (see [`Written`]).
    pub(crate) fn key(&self, key: &str) -> Written {
        let block = self.block();
        match (self.service.raw.get(key), block.entry(key)) {
            (None, None) => Written::Missing,
            (Some(tree), Some((k, v)))
                if k.span.end <= v.span.start
                    && inside(v.span, block.span)
                    && tree_inside(tree, self.file, v.span) =>
            {
                Written::Here
            }
            _ => Written::Elsewhere,
        }
    }

    /// Adds `key: value` at the end of the service, when the service is written [`whole`]
    /// here and `key` is [`Written::Missing`].
    ///
    /// [`whole`]: ServiceSite::whole
    pub(crate) fn add_key(&mut self, key: &str, value: &NewValue) -> Option<()> {
        if !self.whole() || self.key(key) != Written::Missing {
            return None;
        }
        let path = self.path(&[]);
        self.plan.add_entry(self.doc, &path, key, value)
    }

    /// Adds `key: value` at the end of the mapping at `keys` below the service, when the
    /// service is written [`whole`] here and `keys[0]` is [`Written::Here`].
    ///
    /// [`whole`]: ServiceSite::whole
    pub(crate) fn add_key_under(
        &mut self,
        keys: &[&str],
        key: &str,
        value: &NewValue,
    ) -> Option<()> {
        if !self.whole() || self.key(keys.first()?) != Written::Here {
            return None;
        }
        let path = self.path(keys);
        self.plan.add_entry(self.doc, &path, key, value)
    }

    /// Adds `key: value` to the mapping at `path` (a path from [`ServiceSite::path`]), one
    /// written inside the service's block without interpolation.
    pub(crate) fn add_entry_at(&mut self, path: &[Seg], key: &str, value: &NewValue) -> Option<()> {
        let node = self.plan.node(self.doc, path)?;
        let source = self.plan.text().get(node.span.range())?;
        if !inside(node.span, self.block().span) || source.contains('$') {
            return None;
        }
        self.plan.add_entry(self.doc, path, key, value)
    }

    /// Appends `item` to the list at `keys` below the service, when `keys[0]` is
    /// [`Written::Here`].
    pub(crate) fn push_item(&mut self, keys: &[&str], item: &NewValue) -> Option<()> {
        if self.key(keys.first()?) != Written::Here {
            return None;
        }
        let path = self.path(keys);
        self.plan.push_item(self.doc, &path, item)
    }

    /// Whether the node at `path` is inside a flow collection.
    fn in_flow(&self, path: &[Seg]) -> bool {
        (0..path.len()).any(|n| {
            self.plan
                .node(self.doc, &path[..n])
                .is_some_and(|node| node.style == Style::Flow)
        })
    }

    /// Replaces the scalar at `path` (a path from [`ServiceSite::path`]), written inside the
    /// service's block and not interpolated, by `value`, quoted as the old one was: a
    /// [`NewValue::Raw`] stays unquoted where the old one was.
    pub(crate) fn replace_at(&mut self, path: &[Seg], value: &NewValue) -> Option<()> {
        let node = self.plan.node(self.doc, path)?;
        let new = self.written_like(node, value, self.in_flow(path))?;
        self.plan.replace(self.doc, path, &new)
    }

    /// `value` as YAML text in the place of `old`, a scalar written inside the service's block
    /// without interpolation (`$$`, a literal dollar, aside), quoted as `old` is.
    fn written_like(&self, old: &Node, value: &NewValue, flow: bool) -> Option<String> {
        let source = self.plan.text().get(old.span.range())?;
        if !inside(old.span, self.block().span) || source.replace("$$", "").contains('$') {
            return None;
        }
        let text = match value {
            NewValue::Str(s) | NewValue::Raw(s) | NewValue::Quoted(s) => s.as_str(),
            NewValue::Map(_) | NewValue::List(_) => return None,
        };
        Some(match old.style {
            Style::DoubleQuoted => quote(text, Quote::Double),
            Style::SingleQuoted => quote(text, Quote::Single),
            Style::Plain => match value {
                NewValue::Raw(_) => text.to_owned(),
                // A `:` may stay plain in a flow list where the user wrote one plain.
                NewValue::Str(_)
                    if plain_ok(text, false)
                        && (!flow
                            || !text.contains([',', '[', ']', '{', '}'])
                                && (!text.contains(':') || source.contains(':'))) =>
                {
                    text.to_owned()
                }
                _ => self.plan.style.quoted(text),
            },
            _ => return None,
        })
    }

    /// Replaces entry `index` of the mapping at `keys` below the service by `key: value`,
    /// each quoted as the one it replaces, when `keys[0]` is [`Written::Here`].
    pub(crate) fn replace_entry(
        &mut self,
        keys: &[&str],
        index: usize,
        key: &str,
        value: &NewValue,
    ) -> Option<()> {
        if self.key(keys.first()?) != Written::Here {
            return None;
        }
        let path = self.path(keys);
        let map = self.plan.node(self.doc, &path)?;
        let (old_key, old_value) = map.as_map()?.get(index)?;
        let flow = map.style == Style::Flow || self.in_flow(&path);
        let key = self.written_like(old_key, &NewValue::Str(key.to_owned()), flow)?;
        let value = self.written_like(old_value, value, flow)?;
        self.plan
            .replace_entry(self.doc, &path, index, &key, &value)
    }

    /// Replaces the scalar at `keys` below the service (see [`ServiceSite::replace_at`]),
    /// when `keys[0]` is [`Written::Here`].
    pub(crate) fn set(&mut self, keys: &[&str], value: &NewValue) -> Option<()> {
        if self.key(keys.first()?) != Written::Here {
            return None;
        }
        let path = self.path(keys);
        self.replace_at(&path, value)
    }

    /// The edits made, checked (see [`Plan::finish`]).
    pub(crate) fn finish(self) -> Option<Vec<Edit>> {
        self.plan.finish()
    }
}

/// Whether `text[from..to]` is a mapping's `:` with only blanks and comments around it.
fn written_after(text: &str, from: usize, to: usize) -> bool {
    let Some(between) = text.get(from..to) else {
        return false;
    };
    let mut colon = false;
    let mut comment = false;
    for c in between.chars() {
        match c {
            '\n' => comment = false,
            _ if comment => {}
            ' ' | '\t' | '\r' => {}
            ':' if !colon => colon = true,
            '#' if colon => comment = true,
            _ => return false,
        }
    }
    colon
}

/// Whether every value and key of `tree` comes from `span` of file `file`.
fn tree_inside(tree: &Tree, file: usize, span: Span) -> bool {
    let here = |o: &seaworthy_compose::Origin| o.file == file && inside(o.span, span);
    here(&tree.origin)
        && match &tree.value {
            seaworthy_compose::model::TreeValue::Seq(items) => {
                items.iter().all(|i| tree_inside(i, file, span))
            }
            seaworthy_compose::model::TreeValue::Map(entries) => entries
                .iter()
                .all(|(k, v)| here(&k.origin) && tree_inside(v, file, span)),
            _ => true,
        }
}

/// Whether file `file` of the project is read through another file's `include:`: a file
/// shared by several projects is not edited on behalf of one.
fn included(project: &Project, file: usize) -> bool {
    let Some(target) = project
        .files
        .get(file)
        .map(|f| seaworthy_compose::load::lexical(&f.path))
    else {
        return false;
    };
    project.files.iter().any(|f| {
        let Ok(docs) = yaml::parse_documents(&f.text) else {
            return false;
        };
        let dir = f.path.parent().unwrap_or(Path::new(""));
        docs.iter().any(|d| {
            let Some(list) = d.root.get("include") else {
                return false;
            };
            let items: Vec<&Node> = match list.as_seq() {
                Some(items) => items.iter().collect(),
                None => vec![list],
            };
            items.iter().any(|item| {
                let paths: Vec<&str> = match item.get("path") {
                    Some(p) => match p.as_seq() {
                        Some(ps) => ps.iter().filter_map(Node::as_str).collect(),
                        None => p.as_str().into_iter().collect(),
                    },
                    None => item.as_str().into_iter().collect(),
                };
                paths
                    .iter()
                    .any(|p| seaworthy_compose::load::lexical(&dir.join(p)) == target)
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(text: &str, edits: &[Edit]) -> String {
        let fix = crate::Fix::safe("t", edits.to_vec());
        crate::fix::apply(text, &[&fix]).text
    }

    fn services(name: &str) -> Vec<Seg> {
        vec![Seg::Key("services".into()), Seg::Key(name.into())]
    }

    #[test]
    fn style_follows_the_file() {
        let text =
            "services:\n    web:\n        image: \"x\"\n        ports:\n        - \"80:80\"\n";
        let plan = Plan::new(text).unwrap();
        assert_eq!(plan.style.step, 4);
        assert_eq!(plan.style.seq_indent, 0);
        assert_eq!(plan.style.quote, Quote::Double);
        assert_eq!(plan.style.newline, "\n");
        let plan = Plan::new("a:\r\n  b: [x]\r\n").unwrap();
        assert_eq!(plan.style.newline, "\r\n");
        assert!(plan.style.flow_lists);
        assert_eq!(plan.style.quote, Quote::Plain);
    }

    #[test]
    fn entries_go_after_the_last_line_of_a_block_before_trailing_comments() {
        let text = "services:\n  web:\n    image: x # pinned\n    # ports:\n    #   - 80:80\n\n  db:\n    image: y\n";
        let mut plan = Plan::new(text).unwrap();
        plan.add_entry(
            0,
            &services("web"),
            "logging",
            &NewValue::map([("driver", NewValue::str("local"))]),
        )
        .unwrap();
        let edits = plan.finish().unwrap();
        assert_eq!(
            apply(text, &edits),
            "services:\n  web:\n    image: x # pinned\n    logging:\n      driver: local\n    # ports:\n    #   - 80:80\n\n  db:\n    image: y\n"
        );
    }

    #[test]
    fn items_follow_the_list_style() {
        let text = "a:\n  - 'x'\nb: [x, \"y\"]\nc: []\n";
        let mut plan = Plan::new(text).unwrap();
        let z = NewValue::str("z");
        for key in ["a", "b", "c"] {
            plan.push_item(0, &[Seg::Key(key.into())], &z).unwrap();
        }
        let edits = plan.finish().unwrap();
        assert_eq!(
            apply(text, &edits),
            "a:\n  - 'x'\n  - 'z'\nb: [x, \"y\", \"z\"]\nc: [z]\n"
        );
    }

    #[test]
    fn a_plan_whose_result_is_not_what_it_expects_is_dropped() {
        // `|+` keeps the trailing blank lines an insertion would take from it.
        let text = "services:\n  web:\n    command: |+\n      a\n\n";
        let mut plan = Plan::new(text).unwrap();
        plan.add_entry(0, &services("web"), "init", &NewValue::Raw("true".into()))
            .unwrap();
        assert!(plan.finish().is_none());
        // After a document end marker a new entry would start a document of its own.
        let text = "services:\n  web:\n    image: x\n...\n";
        let mut plan = Plan::new(text).unwrap();
        plan.add_top_level(
            "secrets",
            &NewValue::map([("s", NewValue::Raw("{}".into()))]),
        )
        .unwrap();
        assert!(plan.finish().is_none());
    }

    #[test]
    fn a_closing_bracket_at_its_parent_key_indentation_stays_inside() {
        // go-yaml accepts it, and the parser reads it by moving it back a line.
        let text = "services:\n  web:\n    healthcheck:\n      test: [\n        CMD\n    ]\n";
        let mut plan = Plan::new(text).unwrap();
        plan.add_entry(0, &services("web"), "init", &NewValue::Raw("true".into()))
            .unwrap();
        let got = apply(text, &plan.finish().unwrap());
        assert_eq!(
            got,
            "services:\n  web:\n    healthcheck:\n      test: [\n        CMD\n    ]\n    init: true\n"
        );
    }

    #[test]
    fn quoted_scalars_end_at_their_closing_quote() {
        let text = "a: [\"x\" , 'it''s'  ] # c\nb: \"y\\\"\" # d\n";
        let mut plan = Plan::new(text).unwrap();
        plan.push_item(0, &[Seg::Key("a".into())], &NewValue::str("z"))
            .unwrap();
        plan.replace(0, &[Seg::Key("b".into())], "\"w\"").unwrap();
        let edits = plan.finish().unwrap();
        assert_eq!(
            apply(text, &edits),
            "a: [\"x\" , 'it''s', 'z'  ] # c\nb: \"w\" # d\n"
        );
    }

    #[test]
    fn top_level_entries_go_at_the_end_of_the_file() {
        for (text, want) in [
            ("a: 1\n", "a: 1\nsecrets:\n  s:\n    file: ./s.txt\n"),
            ("a: 1", "a: 1\nsecrets:\n  s:\n    file: ./s.txt"),
            (
                "a: 1\r\n# end\r\n",
                "a: 1\r\n# end\r\nsecrets:\r\n  s:\r\n    file: ./s.txt\r\n",
            ),
        ] {
            let mut plan = Plan::new(text).unwrap();
            let value = NewValue::map([("s", NewValue::map([("file", NewValue::str("./s.txt"))]))]);
            plan.add_top_level("secrets", &value).unwrap();
            assert_eq!(apply(text, &plan.finish().unwrap()), want);
        }
    }

    #[test]
    fn strings_are_quoted_when_plain_would_read_differently() {
        let style = Plan::new("a: b\n").unwrap().style;
        assert_eq!(style.string("unless-stopped", false), "unless-stopped");
        for s in ["3", "true", "a: b", "#x", "", " x", "null", "1.5", "x #y"] {
            assert_eq!(style.string(s, false), quote(s, Quote::Double), "{s}");
        }
        assert_eq!(
            style.string("no-new-privileges:true", false),
            "no-new-privileges:true"
        );
        assert_eq!(
            style.string("no-new-privileges:true", true),
            "\"no-new-privileges:true\""
        );
        assert_eq!(quote("it's", Quote::Single), "'it''s'");
        assert_eq!(quote("a\"b\\", Quote::Double), "\"a\\\"b\\\\\"");
    }

    #[test]
    fn flow_services_and_anchored_services_are_not_sites() {
        let load = |text: &str| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("compose.yaml");
            std::fs::write(&path, text).unwrap();
            let options = seaworthy_compose::Options {
                files: vec![path],
                working_dir: dir.path().to_path_buf(),
                ..Default::default()
            };
            seaworthy_compose::load(&options).unwrap()
        };
        let project = load(
            "x-base: &base\n  image: x\nservices:\n  flow: {image: x}\n  anchored: &a\n    image: x\n  merged:\n    <<: *base\n    init: true\n  plain:\n    image: x\n",
        );
        let site = |name: &str| {
            let service = &project.services[name];
            ServiceSite::find(&project, service, service.name_origin.file).is_some()
        };
        assert!(!site("flow"));
        assert!(!site("anchored"));
        // A merge key brings keys from elsewhere in the file; the block is still the place.
        assert!(site("merged"));
        assert!(site("plain"));
    }

    #[test]
    fn every_compose_fix_together() {
        use crate::testing::compose::fixed_files_with;
        // The rules whose fixes this module serves.
        let ids = [
            "SW2101", "SW2102", "SW2104", "SW2303", "SW2305", "SW2307", "SW2400", "SW2501",
        ];
        let rules: Vec<&dyn crate::rules::compose::ComposeRule> = crate::rules::compose::all()
            .iter()
            .copied()
            .filter(|r| ids.contains(&r.meta().id))
            .collect();
        assert_eq!(rules.len(), ids.len());
        let rules = &rules[..];
        let bad = "# The shop.\nservices:\n  db:\n    image: postgres:16.4 # LTS\n    environment:\n      POSTGRES_PASSWORD: hunter2\n    ports:\n      - \"5432:5432\"\n\n  # The front.\n  web:\n    image: nginx:1.27.2\n    read_only: false\n";
        let (files, fixes) = fixed_files_with(rules, &[("compose.yaml", bad)]);
        let got = &files.iter().find(|(n, _)| n == "compose.yaml").unwrap().1;
        let want = "# The shop.\nservices:\n  db:\n    image: postgres:16.4 # LTS\n    environment:\n      POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password\n    ports:\n      - \"127.0.0.1:5432:5432\"\n    secrets:\n      - postgres_password\n    logging:\n      driver: json-file\n      options:\n        max-size: \"10m\"\n        max-file: \"3\"\n    restart: unless-stopped\n    cap_drop:\n      - ALL\n    security_opt:\n      - no-new-privileges:true\n    read_only: true\n    init: true\n\n  # The front.\n  web:\n    image: nginx:1.27.2\n    read_only: true\n    logging:\n      driver: json-file\n      options:\n        max-size: \"10m\"\n        max-file: \"3\"\n    restart: unless-stopped\n    cap_drop:\n      - ALL\n    security_opt:\n      - no-new-privileges:true\n    init: true\nsecrets:\n  postgres_password:\n    file: ./secrets/postgres_password.txt\n";
        assert_eq!(got, want);
        assert!(files.contains(&(
            "secrets/postgres_password.txt".to_owned(),
            "hunter2".to_owned()
        )));
        // Two fixes for each rule and service, one of them unsafe (`read_only: false`); the
        // secret and the port for `db` alone.
        assert_eq!(fixes.len(), 2 * 6 + 2, "{fixes:?}");
        let (again, fixes) = fixed_files_with(rules, &[("compose.yaml", got)]);
        assert!(fixes.is_empty(), "{fixes:?}");
        assert!(again.iter().any(|(n, t)| n == "compose.yaml" && t == got));
    }

    #[test]
    fn an_edit_outside_its_service_is_caught() {
        use crate::testing::compose::fix_stays_in_service;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("compose.yaml");
        let text = "services:\n  a:\n    image: x # a\n  b:\n    image: y\n";
        std::fs::write(&path, text).unwrap();
        let options = seaworthy_compose::Options {
            files: vec![path],
            working_dir: dir.path().to_path_buf(),
            ..Default::default()
        };
        let project = seaworthy_compose::load(&options).unwrap();
        let meta = crate::rules::compose::all()[0].meta();
        let at = |start: usize, end: usize, replacement: &str| {
            let span = seaworthy_dockerfile::Span::new(start, end);
            let fix = crate::Fix::safe("t", vec![Edit::replace(span, replacement)]);
            crate::Finding::new(meta, seaworthy_dockerfile::Span::new(12, 13), "a").with_fix(fix)
        };
        let end_of_a = text.find(" # a").unwrap() + 4;
        assert!(fix_stays_in_service(
            &project,
            &at(end_of_a, end_of_a, "\n    init: true")
        ));
        assert!(!fix_stays_in_service(
            &project,
            &at(end_of_a + 1, end_of_a + 1, "    init: true\n")
        ));
        assert!(!fix_stays_in_service(
            &project,
            &at(text.len(), text.len(), "x: 1\n")
        ));
        // A fix that writes a secret may add to the end of the file.
        let mut secret = at(text.len(), text.len(), "secrets: {}\n");
        secret.fix.as_mut().unwrap().writes.push(crate::FileWrite {
            path: "s.txt".into(),
            contents: String::new(),
            how: crate::WriteKind::CreateSecret,
        });
        assert!(fix_stays_in_service(&project, &secret));
    }
}
