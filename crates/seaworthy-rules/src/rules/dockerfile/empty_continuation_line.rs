use seaworthy_dockerfile::SkippedLine;

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Edit, Finding, Fix, RuleMeta, Severity};

/// An empty (or blank) line inside an instruction continued with `\`: BuildKit skips it today
/// and warns that it will become an error. Reported once per instruction, at its first empty
/// line; the safe fix deletes the empty lines. Comment lines inside a continuation are fine.
pub struct EmptyContinuationLine;

static META: RuleMeta = RuleMeta {
    id: "SW1544",
    name: "empty-continuation-line",
    severity: Severity::Warning,
    category: Category::Correctness,
    practice: 0,
    aliases: &["NoEmptyContinuation"],
    summary: "An empty line inside a continued instruction.",
    why: "An empty line after a trailing `\\` looks like the end of the instruction, but the \
          builder skips it and carries on: the lines below still belong to the RUN above, so a \
          reader (or a later edit) misjudges where the instruction ends. BuildKit warns that \
          empty continuation lines will become errors, which would break the build outright. \
          Remove the empty line, or end the instruction before it.",
    bad: "FROM debian:12.7-slim\nRUN apt-get update && \\\n\n    apt-get install -y \
          --no-install-recommends curl\n",
    good: "FROM debian:12.7-slim\nRUN apt-get update && \\\n    apt-get install -y \
           --no-install-recommends curl\n",
};

impl DockerfileRule for EmptyContinuationLine {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn fix_kind(&self) -> crate::FixKind {
        crate::FixKind::Safe
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for ins in cx.file.instructions() {
            let empty: Vec<_> = ins
                .skipped
                .iter()
                .filter_map(|s| match s {
                    SkippedLine::Empty(span) => Some(*span),
                    SkippedLine::Comment(_) => None,
                })
                .collect();
            let Some(first) = empty.first() else { continue };
            let count = match empty.len() {
                1 => "an empty line".to_owned(),
                n => format!("{n} empty lines"),
            };
            out.push(
                Finding::new(
                    &META,
                    *first,
                    format!(
                        "{} continues over {count}; BuildKit skips it and will reject it in a \
                         future release",
                        ins.kind.as_str()
                    ),
                )
                .with_fix(Fix {
                    title: "remove the empty continuation lines".to_owned(),
                    edits: empty
                        .iter()
                        .map(|span| Edit {
                            span: *span,
                            replacement: String::new(),
                        })
                        .collect(),
                    safe: true,
                    writes: Vec::new(),
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&EmptyContinuationLine);
    }

    #[test]
    fn fires() {
        let rule = &EmptyContinuationLine;
        assert_fires(rule, "FROM alpine\nRUN a \\\n\n  b\n", &[3]);
        // Blank (white space only) counts; once per instruction.
        assert_fires(rule, "FROM alpine\nRUN a \\\n   \n  b \\\n\n  c\n", &[3]);
        assert_fires(
            rule,
            "FROM alpine\nENV A=1 \\\n\n    B=2\nLABEL a=b \\\n\n  c=d\n",
            &[3, 6],
        );
        // Before the first FROM too.
        assert_fires(rule, "ARG A=1 \\\n\n  B=2\nFROM alpine\n", &[2]);
        // With the backtick escape.
        assert_fires(rule, "# escape=`\nFROM alpine\nRUN a `\n\n  b\n", &[4]);
        let msg = &findings(rule, "FROM alpine\nRUN a \\\n\n\n  b\n")[0].1;
        assert!(msg.contains("2 empty lines"), "{msg}");
    }

    #[test]
    fn fix_removes_the_empty_lines() {
        let src = "FROM alpine\nRUN a \\\n\n  b \\\n  \n  c\n";
        let file = seaworthy_dockerfile::Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
        let model = seaworthy_dockerfile::Model::build(
            &file,
            &seaworthy_dockerfile::BuildOptions::default(),
        );
        let settings = crate::Settings::default();
        let cx = DockerfileContext {
            file: &file,
            model: &model,
            settings: &settings,
            build_context: None,
        };
        let mut out = Vec::new();
        EmptyContinuationLine.check(&cx, &mut out);
        let mut fixed = src.to_owned();
        for edit in out[0].fix.as_ref().unwrap().edits.iter().rev() {
            fixed.replace_range(edit.span.range(), &edit.replacement);
        }
        assert_eq!(fixed, "FROM alpine\nRUN a \\\n  b \\\n  c\n");
    }

    #[test]
    fn passes() {
        let rule = &EmptyContinuationLine;
        assert_clean(rule, "FROM alpine\nRUN a \\\n  b\n");
        // Comments inside a continuation are skipped without a warning.
        assert_clean(rule, "FROM alpine\nRUN a \\\n# note\n  b\n");
        // Empty lines between instructions and inside heredocs are not continuations.
        assert_clean(rule, "FROM alpine\n\nRUN a\n\nRUN <<EOF\nx\n\ny\nEOF\n");
    }
}
