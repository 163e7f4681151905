//! JUnit and checkstyle XML, written with quick-xml so that elements nest and close by
//! construction and text is escaped by the library.

use std::borrow::Cow;
use std::io::{self, Write};

use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::name::QName;
use quick_xml::Writer;
use seaworthy_rules::Severity;

use crate::location::Region;
use crate::FileReport;

/// Characters XML 1.0 cannot hold even escaped (most C0 controls, U+FFFE, U+FFFF) become
/// U+FFFD, so a stray control byte in a Dockerfile cannot make the report unparsable.
fn legal(s: &str) -> Cow<'_, str> {
    let illegal = |c: char| matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}');
    if s.contains(illegal) {
        Cow::Owned(s.replace(illegal, "\u{fffd}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// An attribute whose value keeps its line breaks and tabs: quick-xml escapes markup
/// characters, and parsers would normalise literal whitespace in attributes to spaces.
fn attr<'a>(key: &'a str, value: &str) -> Attribute<'a> {
    let escaped = quick_xml::escape::escape(legal(value).into_owned())
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
        .replace('\t', "&#9;");
    Attribute {
        key: QName(key.as_bytes()),
        value: Cow::Owned(escaped.into_bytes()),
    }
}

fn text(s: &str) -> BytesText<'static> {
    BytesText::new(&legal(s)).into_owned()
}

fn start(out: &mut dyn Write) -> io::Result<Writer<&mut dyn Write>> {
    let mut w = Writer::new_with_indent(out, b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    Ok(w)
}

fn finish(w: Writer<&mut dyn Write>) -> io::Result<()> {
    let out = w.into_inner();
    writeln!(out)
}

/// JUnit XML: a `testsuite` per file, a failing `testcase` per finding (a file without findings
/// gets one passing testcase), for CI systems that chart test results.
pub fn junit(out: &mut dyn Write, reports: &[FileReport<'_>]) -> io::Result<()> {
    let total_tests: usize = reports.iter().map(|r| r.findings.len().max(1)).sum();
    let total_failures: usize = reports.iter().map(|r| r.findings.len()).sum();
    let mut w = start(out)?;
    w.create_element("testsuites")
        .with_attributes([
            attr("name", "seaworthy"),
            attr("tests", &total_tests.to_string()),
            attr("failures", &total_failures.to_string()),
            attr("errors", "0"),
        ])
        .write_inner_content(|w| {
            for report in reports {
                let failures = report.findings.len();
                w.create_element("testsuite")
                    .with_attributes([
                        attr("name", report.path),
                        attr("tests", &failures.max(1).to_string()),
                        attr("failures", &failures.to_string()),
                        attr("errors", "0"),
                        attr("skipped", "0"),
                    ])
                    .write_inner_content(|w| {
                        if report.findings.is_empty() {
                            w.create_element("testcase")
                                .with_attributes([
                                    attr("name", "no findings"),
                                    attr("classname", report.path),
                                    attr("file", report.path),
                                ])
                                .write_empty()?;
                        }
                        for f in report.findings {
                            let p = Region::of(report.file, f.span).start;
                            // An image or container has no line: its place says where.
                            let (at, place, line) = match report.logical_kind() {
                                Some(_) => {
                                    let place = report.logical_place(f);
                                    (f.logical.clone().unwrap_or_default(), place, None)
                                }
                                None => (
                                    format!("{}:{}", p.line, p.column),
                                    format!("{}:{}:{}", report.path, p.line, p.column),
                                    Some(p.line.to_string()),
                                ),
                            };
                            let name = format!("{} {} at {at}", f.rule.id, f.rule.name);
                            let detail = format!(
                                "{place}: {}[{}] {} ({})\n`seaworthy rule {}` explains it",
                                f.severity, f.rule.id, f.message, f.rule.name, f.rule.id,
                            );
                            let mut attrs = vec![
                                attr("name", &name),
                                attr("classname", report.path),
                                attr("file", report.path),
                            ];
                            if let Some(line) = &line {
                                attrs.push(attr("line", line));
                            }
                            w.create_element("testcase")
                                .with_attributes(attrs)
                                .write_inner_content(|w| {
                                    w.create_element("failure")
                                        .with_attributes([
                                            attr("message", &f.message),
                                            attr("type", f.severity.as_str()),
                                        ])
                                        .write_text_content(text(&detail))?;
                                    Ok(())
                                })?;
                        }
                        Ok(())
                    })?;
            }
            Ok(())
        })?;
    finish(w)
}

fn checkstyle_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "info",
    }
}

/// Checkstyle XML: a `file` per checked file with an `error` per finding (its `source` is the
/// rule id), for review bots and CI plugins that read checkstyle reports.
pub fn checkstyle(out: &mut dyn Write, reports: &[FileReport<'_>]) -> io::Result<()> {
    let mut w = start(out)?;
    w.create_element("checkstyle")
        .with_attribute(attr("version", "4.3"))
        .write_inner_content(|w| {
            for report in reports {
                let file = w
                    .create_element("file")
                    .with_attribute(attr("name", report.path));
                if report.findings.is_empty() {
                    file.write_empty()?;
                    continue;
                }
                file.write_inner_content(|w| {
                    for f in report.findings {
                        let p = Region::of(report.file, f.span).start;
                        let message = format!("{} ({})", f.message, f.rule.name);
                        let attrs = match report.logical_kind() {
                            // No line in an image or container: the place leads the message.
                            Some(_) => vec![
                                attr("severity", checkstyle_severity(f.severity)),
                                attr(
                                    "message",
                                    &format!("{}: {message}", report.logical_place(f)),
                                ),
                                attr("source", f.rule.id),
                            ],
                            None => vec![
                                attr("line", &p.line.to_string()),
                                attr("column", &p.column.to_string()),
                                attr("severity", checkstyle_severity(f.severity)),
                                attr("message", &message),
                                attr("source", f.rule.id),
                            ],
                        };
                        w.create_element("error")
                            .with_attributes(attrs)
                            .write_empty()?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        })?;
    finish(w)
}
