//! Formats read by CI services: GitHub Actions workflow commands (annotations on the pull
//! request) and GitLab Code Quality reports (the merge request widget).

use std::io::{self, Write};

use serde_json::json;

use seaworthy_rules::{Category, Severity};

use crate::location::{fingerprints, normalized_path, Region};
use crate::FileReport;

/// A workflow command's message: `%`, CR and LF are encoded so the command stays one line.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: also `:` and `,`, which delimit properties.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One GitHub Actions workflow command per finding:
/// `::warning file=F,line=L,col=C,endLine=L,endColumn=C,title=ID name::message`.
/// Error is `error`, warning `warning`, info and style `notice`. `col`/`endColumn` (the last
/// character's column, inclusive) are given only for one-line spans, since GitHub ignores
/// columns on multi-line annotations.
pub fn github(out: &mut dyn Write, reports: &[FileReport<'_>]) -> io::Result<()> {
    for report in reports {
        for f in report.findings {
            let command = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info | Severity::Style => "notice",
            };
            if report.logical_kind().is_some() {
                // No file to annotate: the annotation goes on the run, the place in the message.
                writeln!(
                    out,
                    "::{command} title={}::{}",
                    escape_property(&format!("{} {}", f.rule.id, f.rule.name)),
                    escape_data(&format!("{}: {}", report.logical_place(f), f.message))
                )?;
                continue;
            }
            let r = Region::of(report.file, f.span);
            let mut props = vec![
                format!("file={}", escape_property(report.path)),
                format!("line={}", r.start.line),
            ];
            if let Some(last) = r.last_column() {
                props.push(format!("col={}", r.start.column));
                props.push(format!("endLine={}", r.end.line));
                props.push(format!("endColumn={last}"));
            } else {
                props.push(format!("endLine={}", r.end.line));
            }
            props.push(format!(
                "title={}",
                escape_property(&format!("{} {}", f.rule.id, f.rule.name))
            ));
            writeln!(
                out,
                "::{command} {}::{}",
                props.join(","),
                escape_data(&f.message)
            )?;
        }
    }
    Ok(())
}

/// GitLab's Code Quality severities: error is `critical`, warning `major`, info `minor`,
/// style `info`. `blocker` is left for nothing seaworthy reports: GitLab sorts it above
/// everything, and no Dockerfile finding stops a merge by itself more than an error does.
fn gitlab_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Info => "minor",
        Severity::Style => "info",
    }
}

/// The Code Climate category (the format GitLab's is based on) closest to a rule's category.
fn code_climate_category(category: Category) -> &'static str {
    match category {
        Category::Identity | Category::Supply | Category::Secrets => "Security",
        Category::Runtime | Category::Correctness => "Bug Risk",
        Category::Hygiene => "Performance",
    }
}

/// A GitLab Code Quality report: a JSON array of issues with a fingerprint that stays the same
/// while the offending line is unchanged (see `location::fingerprints`).
pub fn gitlab(out: &mut dyn Write, reports: &[FileReport<'_>]) -> io::Result<()> {
    let mut issues = Vec::new();
    for report in reports {
        let path = normalized_path(report.path);
        for (f, fingerprint) in report.findings.iter().zip(fingerprints(report)) {
            let r = Region::of(report.file, f.span);
            let description = match report.logical_kind() {
                // GitLab needs a path and a line: the artifact's name and line 1, with the
                // place inside it in the description.
                Some(_) => format!(
                    "{}: {} ({})",
                    report.logical_place(f),
                    f.message,
                    f.rule.name
                ),
                None => format!("{} ({})", f.message, f.rule.name),
            };
            issues.push(json!({
                "type": "issue",
                "description": description,
                "check_name": f.rule.id,
                "fingerprint": fingerprint,
                "severity": gitlab_severity(f.severity),
                "categories": [code_climate_category(f.rule.category)],
                "location": {
                    "path": path,
                    "lines": {"begin": r.start.line, "end": r.end.line},
                },
            }));
        }
    }
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_escaping() {
        assert_eq!(escape_data("50%\r\nnext: a,b"), "50%25%0D%0Anext: a,b");
        assert_eq!(escape_property("dir:a,b/50%\n"), "dir%3Aa%2Cb/50%25%0A");
    }
}
