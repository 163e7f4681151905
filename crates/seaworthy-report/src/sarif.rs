//! SARIF 2.1.0, the format code-scanning services (GitHub, Azure DevOps, IDE viewers) read.
//!
//! Built with `serde_json` and checked against the official schema in the tests: the typed
//! `serde-sarif` crate leaves several fields untyped anyway (`columnKind`, `baselineState`),
//! pulls a schema-to-Rust code generator into every build, and its schema constraints (1-based
//! lines, URI formats) are not types, so the schema test is what keeps the output valid.
//!
//! Decisions:
//! - `tool.driver.rules` is the whole catalogue, in id order, plus any rule that reports but
//!   is not in it: viewers then show the documentation of every rule, and `ruleIndex` is stable.
//! - Columns are Unicode code points (`run.columnKind = "unicodeCodePoints"`), the same
//!   columns every other format prints; fixes use byte offsets (`deletedRegion.byteOffset`),
//!   exactly the edits the rules produce.
//! - Relative paths get `uriBaseId: "%SRCROOT%"`; absolute ones become `file://` URIs.
//! - `partialFingerprints["seaworthy/v1"]` is the fingerprint GitLab's report also uses.

use std::io::{self, Write};

use serde_json::{json, Map, Value};

use seaworthy_rules::{Finding, RuleMeta, Severity};

use crate::location::{fingerprints, path_uri, Region};
use crate::FileReport;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "note",
    }
}

/// A SARIF 2.1.0 log with one run: the rules' documentation and a result per finding.
pub fn sarif(out: &mut dyn Write, reports: &[FileReport<'_>]) -> io::Result<()> {
    let mut rules = seaworthy_rules::catalogue();
    for report in reports {
        for f in report.findings {
            if !rules.iter().any(|r| r.id == f.rule.id) {
                rules.push(f.rule);
            }
        }
    }
    let mut results = Vec::new();
    for report in reports {
        let prints = fingerprints(report);
        for (f, print) in report.findings.iter().zip(prints) {
            let index = rules.iter().position(|r| r.id == f.rule.id).unwrap_or(0);
            results.push(result(report, f, index, print));
        }
    }
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "seaworthy",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules.iter().map(|r| rule(r)).collect::<Vec<_>>(),
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn rule(m: &RuleMeta) -> Value {
    json!({
        "id": m.id,
        "name": m.name,
        "shortDescription": {"text": m.summary},
        "fullDescription": {"text": m.why},
        "help": {"text": help_text(m), "markdown": help_markdown(m)},
        "defaultConfiguration": {"level": level(m.severity)},
        "properties": {
            "tags": ["dockerfile", m.category.as_str()],
            "aliases": m.aliases,
            "category": m.category.as_str(),
            "practice": m.practice,
            "severity": m.severity.as_str(),
        },
    })
}

fn help_text(m: &RuleMeta) -> String {
    format!(
        "{}\n\n{}\n\nExample:\n\n{}\nUse instead:\n\n{}",
        m.summary, m.why, m.bad, m.good
    )
}

/// The rule's page as docs/rules holds it, without the "generated from" comment.
fn help_markdown(m: &RuleMeta) -> String {
    let page = seaworthy_rules::rule_markdown(m);
    match page
        .strip_prefix("<!--")
        .and_then(|rest| rest.split_once("-->"))
    {
        Some((_, body)) => body.trim_start().to_owned(),
        None => page,
    }
}

fn artifact_location(path: &str) -> Value {
    let (uri, base) = path_uri(path);
    let mut loc = Map::new();
    loc.insert("uri".into(), uri.into());
    if let Some(base) = base {
        loc.insert("uriBaseId".into(), base.into());
    }
    Value::Object(loc)
}

fn physical_location(report: &FileReport<'_>, span: seaworthy_dockerfile::Span) -> Value {
    let r = Region::of(report.file, span);
    json!({
        "artifactLocation": artifact_location(report.path),
        "region": {
            "startLine": r.start.line,
            "startColumn": r.start.column,
            "endLine": r.end.line,
            "endColumn": r.end.column,
        },
    })
}

/// An image, container or daemon has no file and no line: the artifact, and the place inside
/// it, are a logical location (`container/risky (3f2a…)/HostConfig.Privileged`).
fn logical_location(report: &FileReport<'_>, kind: &str, f: &Finding) -> Value {
    let name = f.logical.as_deref().unwrap_or(report.path);
    let qualified = match &f.logical {
        Some(at) => format!("{kind}/{}/{at}", report.path),
        None => format!("{kind}/{}", report.path),
    };
    json!({
        "logicalLocations": [{
            "name": name,
            "fullyQualifiedName": qualified,
            "kind": if f.logical.is_some() { "member" } else { "resource" },
        }],
        "message": {"text": format!("{kind} {}", report.path)},
    })
}

fn result(report: &FileReport<'_>, f: &Finding, rule_index: usize, fingerprint: String) -> Value {
    let location = match report.logical_kind() {
        Some(kind) => logical_location(report, kind, f),
        None => json!({"physicalLocation": physical_location(report, f.span)}),
    };
    let mut result = json!({
        "ruleId": f.rule.id,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": {"text": f.message},
        "locations": [location],
        "partialFingerprints": {"seaworthy/v1": fingerprint},
    });
    let obj = result.as_object_mut().expect("a result is an object");
    if !f.related.is_empty() && report.logical_kind().is_none() {
        let related: Vec<Value> = f
            .related
            .iter()
            .enumerate()
            .map(|(i, r)| {
                json!({
                    "id": i,
                    "physicalLocation": physical_location(report, r.span),
                    "message": {"text": r.message},
                })
            })
            .collect();
        obj.insert("relatedLocations".into(), related.into());
    }
    if let (Some(fix), None) = (&f.fix, report.logical_kind()) {
        let replacements: Vec<Value> = fix
            .edits
            .iter()
            .map(|e| {
                json!({
                    "deletedRegion": {"byteOffset": e.span.start, "byteLength": e.span.len()},
                    "insertedContent": {"text": e.replacement},
                })
            })
            .collect();
        obj.insert(
            "fixes".into(),
            json!([{
                "description": {"text": fix.title},
                "artifactChanges": [{
                    "artifactLocation": artifact_location(report.path),
                    "replacements": replacements,
                }],
                "properties": {"safe": fix.safe},
            }]),
        );
    }
    result
}
