use seaworthy_dockerfile::{Args, Keyword};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `ENV key value` or `LABEL key value`: the legacy whitespace form, in any stage.
pub struct LegacyKeyValueFormat;

static META: RuleMeta = RuleMeta {
    id: "SW1510",
    name: "legacy-key-value-format",
    severity: Severity::Warning,
    category: Category::Correctness,
    practice: 0,
    aliases: &["LegacyKeyValueFormat"],
    summary: "ENV or LABEL uses the legacy `key value` form; write `key=value`.",
    why: "In the legacy form everything after the first space is the value: \
          `ENV PATH /app/bin PYTHONUNBUFFERED 1` sets one variable, PATH, to \
          `/app/bin PYTHONUNBUFFERED 1`, which breaks every command that needs PATH. Only one \
          pair fits on a line, and Docker documents the form as deprecated. `key=value` \
          says where each value ends.",
    bad: "FROM python:3.12-slim\nENV PYTHONUNBUFFERED 1\n",
    good: "FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1\n",
};

impl DockerfileRule for LegacyKeyValueFormat {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                let ins = step.instruction;
                if !matches!(ins.kind, Keyword::Env | Keyword::Label) {
                    continue;
                }
                let Args::KeyValues(pairs) = &ins.args else {
                    continue;
                };
                for kv in pairs.iter().filter(|kv| !kv.equals) {
                    let keyword = ins.kind.as_str();
                    let key = cx.file.logical(ins, kv.key);
                    let value = cx.file.logical(ins, kv.value);
                    out.push(Finding::new(
                        &META,
                        kv.key,
                        format!(
                            "{keyword} {key} {value} uses the legacy form, where everything \
                             after the key is one value; write {key}={value}",
                            value = value.trim()
                        ),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&LegacyKeyValueFormat);
    }

    #[test]
    fn fires() {
        let rule = &LegacyKeyValueFormat;
        assert_fires(rule, "FROM alpine\nENV A 1\n", &[2]);
        assert_fires(rule, "FROM alpine\nLABEL maintainer me\n", &[2]);
        assert_fires(rule, "FROM alpine\nENV PATH /bin B 1\n", &[2]);
        assert_fires(
            rule,
            "FROM alpine AS b\nENV A 1\nFROM alpine\nenv B 2\n",
            &[2, 4],
        );
    }

    #[test]
    fn passes() {
        let rule = &LegacyKeyValueFormat;
        assert_clean(rule, "FROM alpine\nENV A=1\n");
        assert_clean(rule, "FROM alpine\nENV A=1 B=\"two words\"\n");
        assert_clean(rule, "FROM alpine\nLABEL a=b c=d\n");
        // ARG has no legacy form.
        assert_clean(rule, "FROM alpine\nARG A=1\n");
    }
}
