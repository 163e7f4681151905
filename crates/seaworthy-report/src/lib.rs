//! Output formats for findings. Rules know nothing of these; the CLI picks one with
//! [`OutputFormat::parse`] and writes it with [`render`].

mod ci;
mod layers;
mod location;
mod sarif;
mod statistics;
mod xml;

use std::io::{self, Write};

use annotate_snippets::{Level, Renderer, Snippet};
use seaworthy_dockerfile::{Dockerfile, LineIndex, Position};
use seaworthy_rules::{Finding, Severity};

pub use ci::{github, gitlab};
pub use layers::{human_bytes, layers_html, layers_text, LayerBreakdown, LayerRow};
pub use sarif::sarif;
pub use statistics::statistics;
pub use xml::{checkstyle, junit};

/// A way to write findings, as `--format` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Code frames with the span underlined, for people.
    Human,
    /// `file:line:col: severity[ID] message (name)`, one line per finding.
    Concise,
    /// A JSON array of findings.
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub, Azure DevOps, IDE viewers).
    Sarif,
    /// JUnit XML, for CI test reports.
    Junit,
    /// Checkstyle XML, for review bots and CI plugins.
    Checkstyle,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// GitLab Code Quality JSON.
    Gitlab,
}

impl OutputFormat {
    /// The names `--format` accepts, in order: "human","concise","json","sarif","junit","checkstyle","github","gitlab".
    pub const NAMES: &'static [&'static str] = &[
        "human",
        "concise",
        "json",
        "sarif",
        "junit",
        "checkstyle",
        "github",
        "gitlab",
    ];

    const ALL: [OutputFormat; 8] = [
        OutputFormat::Human,
        OutputFormat::Concise,
        OutputFormat::Json,
        OutputFormat::Sarif,
        OutputFormat::Junit,
        OutputFormat::Checkstyle,
        OutputFormat::Github,
        OutputFormat::Gitlab,
    ];

    /// The format a name in [`OutputFormat::NAMES`] stands for (ASCII case ignored).
    pub fn parse(name: &str) -> Option<OutputFormat> {
        Self::NAMES
            .iter()
            .position(|n| n.eq_ignore_ascii_case(name))
            .map(|i| Self::ALL[i])
    }

    /// The format's name, as [`OutputFormat::parse`] accepts it.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// What the formats that care need besides the findings.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// Colour the human format (ignored by the others).
    pub color: bool,
}

/// Writes every report in `format`.
pub fn render(
    format: OutputFormat,
    out: &mut dyn Write,
    reports: &[FileReport<'_>],
    options: &RenderOptions,
) -> io::Result<()> {
    match format {
        OutputFormat::Human => human(out, reports, options.color),
        OutputFormat::Concise => concise(out, reports),
        OutputFormat::Json => json(out, reports),
        OutputFormat::Sarif => sarif(out, reports),
        OutputFormat::Junit => junit(out, reports),
        OutputFormat::Checkstyle => checkstyle(out, reports),
        OutputFormat::Github => github(out, reports),
        OutputFormat::Gitlab => gitlab(out, reports),
    }
}

/// The findings of one checked artifact: a file, or an image, a container, a daemon.
pub struct FileReport<'a> {
    /// The path as the user should see it; for a logical artifact, its name
    /// (`risky (3f2a1b9c0d1e)`, `registry.example/app:1.2`).
    pub path: &'a str,
    /// The file's text, a Dockerfile or any other checked file ([`NO_TEXT`] for a logical
    /// artifact).
    pub file: &'a dyn Source,
    pub findings: &'a [Finding],
    pub kind: ReportKind,
}

impl<'a> FileReport<'a> {
    /// The findings of a text file, placed by their spans.
    pub fn file(path: &'a str, file: &'a dyn Source, findings: &'a [Finding]) -> FileReport<'a> {
        FileReport {
            path,
            file,
            findings,
            kind: ReportKind::File,
        }
    }

    /// The findings of an artifact without text, placed by [`Finding::logical`]: `kind` says
    /// what it is (`"container"`, `"image"`, `"daemon"`), `name` which one.
    pub fn logical(kind: &'static str, name: &'a str, findings: &'a [Finding]) -> FileReport<'a> {
        FileReport {
            path: name,
            file: &NO_TEXT,
            findings,
            kind: ReportKind::Logical(kind),
        }
    }

    /// `Some(kind)` for an artifact without text.
    pub fn logical_kind(&self) -> Option<&'static str> {
        match self.kind {
            ReportKind::File => None,
            ReportKind::Logical(kind) => Some(kind),
        }
    }

    /// `container risky (3f2a…): HostConfig.Privileged`: where a finding of a logical artifact
    /// is, for the formats that print a place as text.
    pub(crate) fn logical_place(&self, f: &Finding) -> String {
        let kind = self.logical_kind().unwrap_or("file");
        match &f.logical {
            Some(at) => format!("{kind} {}: {at}", self.path),
            None => format!("{kind} {}", self.path),
        }
    }
}

/// What a report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// A text file: findings have spans, shown as line and column with the source.
    File,
    /// An image, a container or a daemon, named by the string: findings have a
    /// [`Finding::logical`] place instead of a line.
    Logical(&'static str),
}

/// The text of an artifact that has none.
pub struct NoText;

/// The one [`NoText`].
pub static NO_TEXT: NoText = NoText;

impl Source for NoText {
    fn source(&self) -> &[u8] {
        &[]
    }
    fn line_index(&self) -> &LineIndex {
        static EMPTY: std::sync::OnceLock<LineIndex> = std::sync::OnceLock::new();
        EMPTY.get_or_init(|| LineIndex::new(&[]))
    }
}

/// The text of a checked file and where its offsets are: what every format needs of it.
pub trait Source {
    /// The file's bytes as read.
    fn source(&self) -> &[u8];
    /// The line index of [`Source::source`].
    fn line_index(&self) -> &LineIndex;
    /// The 1-based line and column of a byte offset.
    fn position(&self, offset: usize) -> Position {
        self.line_index().position(self.source(), offset)
    }
}

impl Source for Dockerfile {
    fn source(&self) -> &[u8] {
        Dockerfile::source(self)
    }
    fn line_index(&self) -> &LineIndex {
        Dockerfile::line_index(self)
    }
    fn position(&self, offset: usize) -> Position {
        Dockerfile::position(self, offset)
    }
}

/// Any other text: a Compose file, a `.dockerignore`.
pub struct Text {
    bytes: Vec<u8>,
    index: LineIndex,
}

impl Text {
    pub fn new(bytes: Vec<u8>) -> Text {
        let index = LineIndex::new(&bytes);
        Text { bytes, index }
    }
}

impl Source for Text {
    fn source(&self) -> &[u8] {
        &self.bytes
    }
    fn line_index(&self) -> &LineIndex {
        &self.index
    }
}

fn level(severity: Severity) -> Level {
    match severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
        Severity::Info => Level::Info,
        Severity::Style => Level::Note,
    }
}

/// `file:line:col`, the rule, the message, and the source lines with the span underlined.
pub fn human(out: &mut dyn Write, reports: &[FileReport<'_>], color: bool) -> io::Result<()> {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    for report in reports {
        if report.logical_kind().is_some() {
            for f in report.findings {
                let title = format!("{} ({})", f.message, f.rule.name);
                let place = format!("in {}", report.logical_place(f));
                let message = level(f.severity)
                    .title(&title)
                    .id(f.rule.id)
                    .footer(Level::Note.title(&place));
                writeln!(out, "{}\n", renderer.render(message))?;
            }
            continue;
        }
        // Code frames need UTF-8 offsets; a file with invalid UTF-8 gets the one-line form.
        let text = std::str::from_utf8(report.file.source()).ok();
        for f in report.findings {
            let p = report.file.position(f.span.start);
            let title = format!("{} ({})", f.message, f.rule.name);
            match text {
                Some(text) => {
                    // The renderer appends the primary span's line and column to the origin.
                    let origin = report.path;
                    let mut snippet = Snippet::source(text)
                        .origin(origin)
                        .fold(true)
                        .annotation(level(f.severity).span(clamp(text, f.span.range())));
                    for r in &f.related {
                        snippet = snippet.annotation(
                            Level::Help
                                .span(clamp(text, r.span.range()))
                                .label(&r.message),
                        );
                    }
                    let fix = fix_note(f);
                    let mut message = level(f.severity)
                        .title(&title)
                        .id(f.rule.id)
                        .snippet(snippet);
                    if let Some(fix) = &fix {
                        message = message.footer(Level::Help.title(fix));
                    }
                    writeln!(out, "{}\n", renderer.render(message))?;
                }
                None => writeln!(
                    out,
                    "{}:{}:{}: {}[{}]: {title}",
                    report.path, p.line, p.column, f.severity, f.rule.id
                )?,
            }
        }
    }
    Ok(())
}

/// What the human format says under a finding `seaworthy fix` can repair.
fn fix_note(f: &Finding) -> Option<String> {
    let fix = f.fix.as_ref()?;
    Some(if fix.safe {
        format!("`seaworthy fix` can {}", fix.title)
    } else {
        format!(
            "`seaworthy fix --unsafe-fixes` can {} (check that it keeps what you meant)",
            fix.title
        )
    })
}

/// How many of `reports`' findings `seaworthy fix` repairs: (safe, unsafe).
pub fn fixable(reports: &[FileReport<'_>]) -> (usize, usize) {
    let mut safe = 0;
    let mut unsafe_ = 0;
    for f in reports.iter().flat_map(|r| r.findings) {
        match &f.fix {
            Some(fix) if fix.safe => safe += 1,
            Some(_) => unsafe_ += 1,
            None => {}
        }
    }
    (safe, unsafe_)
}

/// One line per finding: `file:line:col: severity[ID] message (name)`, then `[fix]` or
/// `[unsafe fix]` when `seaworthy fix` (with `--unsafe-fixes`) repairs it; for grep and editors.
pub fn concise(out: &mut dyn Write, reports: &[FileReport<'_>]) -> io::Result<()> {
    for report in reports {
        for f in report.findings {
            if report.logical_kind().is_some() {
                writeln!(
                    out,
                    "{}: {}[{}] {} ({})",
                    report.logical_place(f),
                    f.severity,
                    f.rule.id,
                    f.message,
                    f.rule.name
                )?;
                continue;
            }
            let p = report.file.position(f.span.start);
            let fix = match &f.fix {
                Some(fix) if fix.safe => " [fix]",
                Some(_) => " [unsafe fix]",
                None => "",
            };
            writeln!(
                out,
                "{}:{}:{}: {}[{}] {} ({}){fix}",
                report.path, p.line, p.column, f.severity, f.rule.id, f.message, f.rule.name
            )?;
        }
    }
    Ok(())
}

/// A JSON array of findings with positions, the rule's name, category and aliases.
pub fn json(out: &mut dyn Write, reports: &[FileReport<'_>]) -> io::Result<()> {
    let mut items = Vec::new();
    for report in reports {
        for f in report.findings {
            if let Some(kind) = report.logical_kind() {
                items.push(serde_json::json!({
                    "kind": kind,
                    "object": report.path,
                    "location": f.logical,
                    "rule": f.rule.id,
                    "name": f.rule.name,
                    "severity": f.severity.as_str(),
                    "category": f.rule.category.as_str(),
                    "aliases": f.rule.aliases,
                    "message": f.message,
                    "fixable": f.fix.is_some(),
                }));
                continue;
            }
            let start = report.file.position(f.span.start);
            let end = report.file.position(f.span.end);
            let related: Vec<_> = f
                .related
                .iter()
                .map(|r| {
                    let p = report.file.position(r.span.start);
                    serde_json::json!({"line": p.line, "column": p.column, "message": r.message})
                })
                .collect();
            items.push(serde_json::json!({
                "file": report.path,
                "line": start.line,
                "column": start.column,
                "end_line": end.line,
                "end_column": end.column,
                "rule": f.rule.id,
                "name": f.rule.name,
                "severity": f.severity.as_str(),
                "category": f.rule.category.as_str(),
                "aliases": f.rule.aliases,
                "message": f.message,
                "related": related,
                "fixable": f.fix.is_some(),
            }));
        }
    }
    serde_json::to_writer_pretty(&mut *out, &items)?;
    writeln!(out)
}

/// Moves a byte range onto character boundaries of `text`.
fn clamp(text: &str, r: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let mut s = r.start.min(text.len());
    while !text.is_char_boundary(s) {
        s -= 1;
    }
    let mut e = r.end.clamp(s, text.len());
    while !text.is_char_boundary(e) {
        e += 1;
    }
    s..e
}

#[cfg(test)]
mod tests {
    use super::*;
    use seaworthy_dockerfile::{BuildOptions, Model};

    fn findings_for(src: &str) -> (Dockerfile, Vec<Finding>) {
        let df = Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
        let findings = {
            let model = Model::build(&df, &BuildOptions::default());
            seaworthy_rules::check_dockerfile(&df, &model, &Default::default(), None)
        };
        (df, findings)
    }

    #[test]
    fn human_output_underlines_the_span_with_file_line_column() {
        let (df, findings) = findings_for("FROM alpine:3.20\nRUN id\n");
        assert!(!findings.is_empty());
        let mut out = Vec::new();
        human(
            &mut out,
            &[FileReport::file("svc/Dockerfile", &df, &findings)],
            false,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("warning[SW1001]"), "{text}");
        assert!(text.contains("svc/Dockerfile:1:1"), "{text}");
        assert!(text.contains("1 | FROM alpine:3.20"), "{text}");
        // The keyword is underlined (annotate-snippets draws warnings with dashes).
        assert!(text.contains("  | ----\n"), "{text}");
    }

    #[test]
    fn json_output_carries_positions_and_aliases() {
        let (df, findings) = findings_for("FROM alpine:3.20\nUSER root\n");
        let mut out = Vec::new();
        json(&mut out, &[FileReport::file("Dockerfile", &df, &findings)]).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let f = v
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "SW1001")
            .unwrap();
        assert_eq!(
            (f["line"].as_u64(), f["column"].as_u64()),
            (Some(2), Some(1))
        );
        assert!(f["aliases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "DL3002"));
    }

    #[test]
    fn every_name_parses_to_the_format_that_bears_it() {
        assert_eq!(OutputFormat::NAMES.len(), OutputFormat::ALL.len());
        for (i, name) in OutputFormat::NAMES.iter().enumerate() {
            let format = OutputFormat::parse(name).unwrap();
            assert_eq!(format, OutputFormat::ALL[i]);
            assert_eq!(format.name(), *name);
        }
        assert_eq!(OutputFormat::parse("SARIF"), Some(OutputFormat::Sarif));
        assert_eq!(OutputFormat::parse("xml"), None);
        assert_eq!(OutputFormat::parse(""), None);
    }

    #[test]
    fn invalid_utf8_falls_back_to_one_line() {
        let mut src = b"FROM alpine:3.20\n# \xff\nRUN id\n".to_vec();
        src.push(b'\n');
        let df = Dockerfile::parse(src).unwrap();
        let model = Model::build(&df, &BuildOptions::default());
        let findings = seaworthy_rules::check_dockerfile(&df, &model, &Default::default(), None);
        let mut out = Vec::new();
        human(
            &mut out,
            &[FileReport::file("Dockerfile", &df, &findings)],
            false,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("Dockerfile:1:1: warning[SW1001]"),
            "{text}"
        );
    }
}
