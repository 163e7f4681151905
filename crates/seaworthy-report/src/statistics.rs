//! `--statistics`: how often each rule fired, to decide what to fix or configure first.

use std::io::{self, Write};

use seaworthy_rules::{RuleMeta, Severity};

use crate::FileReport;

/// A table of finding counts per rule (count, id, name, severity), most frequent first (ties in
/// id order), and a total line. A rule's severity is the highest among its findings.
pub fn statistics(out: &mut dyn Write, reports: &[FileReport<'_>]) -> io::Result<()> {
    let mut rows: Vec<(usize, &'static RuleMeta, Severity)> = Vec::new();
    for f in reports.iter().flat_map(|r| r.findings) {
        match rows.iter_mut().find(|(_, rule, _)| rule.id == f.rule.id) {
            Some((count, _, severity)) => {
                *count += 1;
                *severity = (*severity).max(f.severity);
            }
            None => rows.push((1, f.rule, f.severity)),
        }
    }
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.id.cmp(b.1.id)));
    let total: usize = rows.iter().map(|r| r.0).sum();
    let files = reports.iter().filter(|r| !r.findings.is_empty()).count();

    let count_w = total.to_string().len().max("count".len());
    let id_w = rows.iter().map(|r| r.1.id.len()).max().unwrap_or(0).max(2);
    let name_w = rows
        .iter()
        .map(|r| r.1.name.len())
        .max()
        .unwrap_or(0)
        .max(4);
    writeln!(
        out,
        "{:>count_w$}  {:<id_w$}  {:<name_w$}  severity",
        "count", "id", "name"
    )?;
    for (count, rule, severity) in &rows {
        writeln!(
            out,
            "{count:>count_w$}  {:<id_w$}  {:<name_w$}  {severity}",
            rule.id, rule.name
        )?;
    }
    let files = match files {
        1 => "1 file".to_owned(),
        n => format!("{n} files"),
    };
    writeln!(out, "{total:>count_w$}  total in {files}")
}
