use seaworthy_dockerfile::Instruction;

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Edit, Finding, Fix, RuleMeta, Severity};

/// An instruction keyword whose casing differs from most of the file's: written in lower case
/// where most are upper case (or the reverse), or in mixed case (`Run`). As BuildKit counts,
/// the keywords of every stage's `FROM` and instructions (not the `ARG`s before the first
/// `FROM`) vote, mixed-case ones do not, and a tie goes to upper case. The keyword is
/// rewritten in the expected casing by a safe fix.
pub struct InstructionCasingInconsistent;

static META: RuleMeta = RuleMeta {
    id: "SW1543",
    name: "instruction-casing-inconsistent",
    severity: Severity::Style,
    category: Category::Correctness,
    practice: 0,
    aliases: &["ConsistentInstructionCasing"],
    summary: "Instruction keywords are not all in the same casing.",
    why: "Keywords are case-insensitive, so mixed casing builds fine, but it makes the \
          instructions harder to scan and to grep (`grep '^RUN'` misses `run`), and it usually \
          marks a pasted fragment nobody reviewed. Write every keyword in one casing: BuildKit \
          expects the casing most of the file already uses.",
    bad: "FROM alpine:3.20.3\nRUN apk add --no-cache curl\nuser 10001\nCMD [\"curl\", \"--version\"]\n",
    good: "FROM alpine:3.20.3\nRUN apk add --no-cache curl\nUSER 10001\nCMD [\"curl\", \"--version\"]\n",
};

impl DockerfileRule for InstructionCasingInconsistent {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn fix_kind(&self) -> crate::FixKind {
        crate::FixKind::Safe
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let instructions: Vec<&Instruction> = cx
            .model
            .stages
            .iter()
            .flat_map(|s| std::iter::once(s.from).chain(s.steps.iter().map(|st| st.instruction)))
            .collect();
        let (mut lower, mut upper) = (0usize, 0usize);
        for ins in &instructions {
            let word = cx.file.slice(ins.keyword);
            if word == word.to_lowercase() {
                lower += 1;
            } else if word == word.to_uppercase() {
                upper += 1;
            }
        }
        let majority_lower = lower > upper;
        let expected = if majority_lower {
            "lowercase"
        } else {
            "uppercase"
        };
        for ins in instructions {
            let word = cx.file.slice(ins.keyword);
            let wanted = if majority_lower {
                word.to_lowercase()
            } else {
                word.to_uppercase()
            };
            if word == wanted {
                continue;
            }
            out.push(
                Finding::new(
                    &META,
                    ins.keyword,
                    format!(
                        "`{word}` does not match the casing of most instructions ({expected}): \
                         write `{wanted}`"
                    ),
                )
                .with_fix(Fix {
                    title: format!("write `{wanted}`"),
                    edits: vec![Edit {
                        span: ins.keyword,
                        replacement: wanted.clone(),
                    }],
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
        assert_documented_examples(&InstructionCasingInconsistent);
    }

    #[test]
    fn fires() {
        let rule = &InstructionCasingInconsistent;
        assert_fires(rule, "FROM alpine\nRUN true\nrun false\n", &[3]);
        assert_fires(rule, "from alpine\nrun true\nRUN false\n", &[3]);
        // Mixed case never matches.
        assert_fires(rule, "FROM alpine\nRun true\n", &[2]);
        assert_fires(rule, "from alpine\nRun true\n", &[2]);
        // A tie goes to upper case.
        assert_fires(rule, "FROM alpine\nrun true\n", &[2]);
        // Every stage, ONBUILD by its own keyword, continuation lines and heredocs.
        assert_fires(
            rule,
            "FROM alpine AS a\nRUN <<EOF\nrun this\nEOF\nfrom a\nONBUILD run x\ncopy \\\n  a b\n",
            &[5, 7],
        );
        let msg = &findings(rule, "from alpine\nrun a\nRUN b\n")[0].1;
        assert!(
            msg.contains("(lowercase)") && msg.contains("`run`"),
            "{msg}"
        );
    }

    #[test]
    fn passes() {
        let rule = &InstructionCasingInconsistent;
        assert_clean(rule, "FROM alpine\nRUN true\nCMD [\"sh\"]\n");
        assert_clean(rule, "from alpine\nrun true\ncmd [\"sh\"]\n");
        // `AS` is not an instruction, and global ARGs do not vote (as in BuildKit).
        assert_clean(rule, "arg V=3\nFROM alpine:${V} as base\nRUN true\n");
        // Words inside scripts are not keywords.
        assert_clean(rule, "FROM alpine\nRUN echo from run copy\n");
    }
}
