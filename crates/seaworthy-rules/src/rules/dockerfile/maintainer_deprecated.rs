use std::collections::BTreeMap;

use seaworthy_dockerfile::expand::Lexer;
use seaworthy_dockerfile::{Args, BaseImage, Expanded, Instruction, Keyword, SkippedLine, Stage};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Edit, Finding, Fix, RuleMeta, Severity};

/// A `MAINTAINER` instruction, in any stage.
///
/// The fix rewrites it as `LABEL org.opencontainers.image.authors="..."` (keyword in the
/// instruction's casing, the value quoted so that expansion gives it back unchanged: `"`, `$`
/// and the escape character escaped). It is not offered when the stage, or a stage it is
/// built on, already sets that label or the legacy `maintainer` label (which one should win
/// is for a person to say), nor when a comment line sits inside the instruction.
pub struct MaintainerDeprecated;

/// The label the fix writes.
const AUTHORS: &str = "org.opencontainers.image.authors";

static META: RuleMeta = RuleMeta {
    id: "SW1501",
    name: "maintainer-deprecated",
    severity: Severity::Error,
    category: Category::Correctness,
    practice: 0,
    aliases: &[
        "DL4000",
        "MaintainerDeprecated",
        "DS-0022",
        "DS022",
        "AVD-DS-0022",
        "CKV_DOCKER_6",
    ],
    summary: "MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors.",
    why: "MAINTAINER has been deprecated since Docker 1.13 and only sets the image's legacy \
          `Author` field, which registries, scanners and `docker inspect` users no longer look \
          at. The OCI label `org.opencontainers.image.authors` is where tools expect it. \
          `seaworthy fix` rewrites MAINTAINER as that label when the stage sets no author \
          label yet.",
    bad: "FROM alpine:3.20\nMAINTAINER Jane Doe <jane@example.com>\n",
    good:
        "FROM alpine:3.20\nLABEL org.opencontainers.image.authors=\"Jane Doe <jane@example.com>\"\n",
};

impl DockerfileRule for MaintainerDeprecated {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn fix_kind(&self) -> crate::FixKind {
        crate::FixKind::Safe
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                let ins = step.instruction;
                if ins.kind != Keyword::Maintainer {
                    continue;
                }
                let mut finding = Finding::new(
                    &META,
                    ins.keyword,
                    "MAINTAINER is deprecated: use LABEL org.opencontainers.image.authors",
                );
                if let Args::String(arg) = &ins.args {
                    if !author_label_set(cx, stage) {
                        if let Some(fix) = label_fix(cx, ins, arg) {
                            finding = finding
                                .with_related(arg.span, "the author, moved to the label")
                                .with_fix(fix);
                        }
                    }
                }
                out.push(finding);
            }
        }
    }
}

/// Whether `stage` or a stage it is built on sets an author label.
fn author_label_set(cx: &DockerfileContext<'_>, stage: &Stage<'_>) -> bool {
    let mut next = Some(stage);
    while let Some(stage) = next {
        let set = stage.steps.iter().any(|step| match &step.expanded {
            Expanded::Label(pairs) => pairs
                .iter()
                .any(|(k, _)| k == AUTHORS || k.eq_ignore_ascii_case("maintainer")),
            _ => false,
        });
        if set {
            return true;
        }
        next = match stage.base {
            BaseImage::Stage(i) if i < stage.index => cx.model.stages.get(i),
            _ => None,
        };
    }
    false
}

/// `MAINTAINER x` rewritten as `LABEL org.opencontainers.image.authors="x"`.
fn label_fix(
    cx: &DockerfileContext<'_>,
    ins: &Instruction,
    arg: &seaworthy_dockerfile::Arg,
) -> Option<Fix> {
    if ins
        .skipped
        .iter()
        .any(|s| matches!(s, SkippedLine::Comment(_)))
    {
        return None;
    }
    let author = cx.file.logical(ins, arg.span);
    if author.trim().is_empty() || author.contains(['\r', '\n']) {
        return None;
    }
    let escape = cx.file.escape as char;
    let mut quoted = String::from("\"");
    for c in author.chars() {
        if c == '"' || c == '$' || c == escape {
            quoted.push(escape);
        }
        quoted.push(c);
    }
    quoted.push('"');
    // The label must read back as the author, exactly.
    let back = Lexer::new(escape)
        .process_word(&quoted, &BTreeMap::<String, String>::new())
        .ok()?;
    if back.value != author {
        return None;
    }
    let label = super::fixes_words::keyword_like(&cx.file.slice(ins.keyword), "LABEL");
    Some(Fix::safe(
        format!("write `{label} {AUTHORS}=...`"),
        vec![
            Edit::replace(ins.keyword, label),
            Edit::replace(arg.span, format!("{AUTHORS}={quoted}")),
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use crate::FixKind;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&MaintainerDeprecated);
    }

    #[test]
    fn fires() {
        assert_fires(&MaintainerDeprecated, "FROM alpine\nMAINTAINER me\n", &[2]);
        assert_fires(&MaintainerDeprecated, "FROM alpine\nmaintainer me\n", &[2]);
        // Build stages too.
        assert_fires(
            &MaintainerDeprecated,
            "FROM alpine AS b\nMAINTAINER a\nFROM alpine\nMAINTAINER b\n",
            &[2, 4],
        );
    }

    #[test]
    fn fix_writes_the_label() {
        let rule = &MaintainerDeprecated;
        assert_fix(
            rule,
            "FROM alpine\nMAINTAINER Jane Doe <jane@example.com>\n",
            "FROM alpine\nLABEL org.opencontainers.image.authors=\"Jane Doe <jane@example.com>\"\n",
            FixKind::Safe,
        );
        // Lower case, quotes, `$` and backslashes kept as written, CRLF.
        assert_fix(
            rule,
            "from alpine\r\nmaintainer  \"J. $Doe\" C:\\x\r\nrun true\r\n",
            "from alpine\r\nlabel  org.opencontainers.image.authors=\"\\\"J. \\$Doe\\\" C:\\\\x\"\r\nrun true\r\n",
            FixKind::Safe,
        );
        // A continuation line is joined as BuildKit joins it; every stage.
        assert_fix(
            rule,
            "FROM alpine AS a\nMAINTAINER a \\\n  b\nFROM alpine\nMAINTAINER c\n",
            "FROM alpine AS a\nLABEL org.opencontainers.image.authors=\"a   b\"\n\
             FROM alpine\nLABEL org.opencontainers.image.authors=\"c\"\n",
            FixKind::Safe,
        );
        // The backtick escape directive escapes with a backtick.
        assert_fix(
            rule,
            "# escape=`\nFROM alpine\nMAINTAINER `x` \"y\" \\z\n",
            "# escape=`\nFROM alpine\nLABEL org.opencontainers.image.authors=\"``x`` `\"y`\" \\z\"\n",
            FixKind::Safe,
        );
    }

    #[test]
    fn the_label_reads_back_as_the_author() {
        for author in [
            "a \"b\" $c ${d} \\e \\$f",
            "O'Brien <o@example.com>",
            "x\\y",
        ] {
            let src = format!("FROM alpine\nMAINTAINER {author}\n");
            let (got, _) = fixed(&MaintainerDeprecated, &src);
            let file = seaworthy_dockerfile::Dockerfile::parse(got.as_bytes().to_vec()).unwrap();
            let model = seaworthy_dockerfile::Model::build(&file, &Default::default());
            let Expanded::Label(pairs) = &model.stages[0].steps[0].expanded else {
                panic!("no label: {got}");
            };
            assert_eq!(pairs, &[(AUTHORS.to_owned(), author.to_owned())], "{got}");
        }
    }

    #[test]
    fn no_fix_where_a_person_decides() {
        let rule = &MaintainerDeprecated;
        // An author label is already there, in the stage or the stage it is built on.
        assert_no_fix(
            rule,
            "FROM alpine\nMAINTAINER a\nLABEL org.opencontainers.image.authors=b\n",
        );
        assert_no_fix(rule, "FROM alpine\nLABEL maintainer=b\nMAINTAINER a\n");
        assert_no_fix(
            rule,
            "FROM alpine AS base\nLABEL maintainer=b\nFROM base\nMAINTAINER a\n",
        );
        // A comment inside the instruction would be lost.
        assert_no_fix(rule, "FROM alpine\nMAINTAINER a \\\n# who\n  b\n");
    }

    #[test]
    fn passes() {
        assert_clean(&MaintainerDeprecated, "FROM alpine\nLABEL maintainer=me\n");
        assert_clean(
            &MaintainerDeprecated,
            "FROM alpine\nLABEL org.opencontainers.image.authors=me\n",
        );
        // Only the instruction, not the word.
        assert_clean(
            &MaintainerDeprecated,
            "FROM alpine\n# MAINTAINER me\nRUN echo MAINTAINER\n",
        );
    }
}
