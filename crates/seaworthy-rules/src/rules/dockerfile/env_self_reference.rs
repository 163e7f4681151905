use std::collections::HashMap;

use seaworthy_dockerfile::expand::Lexer;
use seaworthy_dockerfile::{Args, Keyword};

use super::undefined_var::find_reference;
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// One `ENV` defines a variable and, in another of its pairs, refers to it (`ENV A=/opt
/// B=$A/bin`), while nothing before the `ENV` defines it: the reference sees the value from
/// before the instruction, which is nothing.
pub struct EnvSelfReference;

static META: RuleMeta = RuleMeta {
    id: "SW1526",
    name: "env-self-reference",
    severity: Severity::Error,
    category: Category::Correctness,
    practice: 0,
    aliases: &["DL3044"],
    summary: "An `ENV` refers to a variable it defines itself.",
    why: "All the values of one `ENV` are expanded with the variables as they were before the \
          instruction, so in `ENV APP_HOME=/opt/app PATH=$APP_HOME/bin:$PATH` the `$APP_HOME` \
          is empty and PATH gains `/bin`, not `/opt/app/bin`. Split the definitions: define \
          the variable in one ENV and use it in the next. A variable that was already defined \
          before the ENV is not reported (the reference then deliberately reads the earlier \
          value), and neither is a pair that refers to its own previous value \
          (`PATH=/opt/bin:$PATH`).",
    bad: "FROM python:3.12.7-slim\nENV APP_HOME=/opt/app PATH=$APP_HOME/bin:$PATH\n",
    good: "FROM python:3.12.7-slim\nENV APP_HOME=/opt/app\nENV PATH=$APP_HOME/bin:$PATH\n",
};

impl DockerfileRule for EnvSelfReference {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let lexer = Lexer::new(cx.file.escape as char);
        let nothing: HashMap<String, String> = HashMap::new();
        for stage in &cx.model.stages {
            for (i, step) in stage.steps.iter().enumerate() {
                let ins = step.instruction;
                if ins.kind != Keyword::Env {
                    continue;
                }
                let Args::KeyValues(pairs) = &ins.args else {
                    continue;
                };
                if pairs.len() < 2 {
                    continue;
                }
                let keys: Vec<String> = pairs
                    .iter()
                    .map(|kv| cx.file.logical(ins, kv.key).into_owned())
                    .collect();
                let before = cx.model.variables_before(stage.index, i);
                for (j, kv) in pairs.iter().enumerate() {
                    let value = cx.file.logical(ins, kv.value);
                    let Ok(expansion) = lexer.process_word(&value, &nothing) else {
                        continue;
                    };
                    for name in &expansion.unmatched {
                        let defined_here = keys
                            .iter()
                            .enumerate()
                            .any(|(k, key)| k != j && key == name);
                        if !defined_here || before.is_declared(name) {
                            continue;
                        }
                        let span = find_reference(cx, &[kv.value], name).unwrap_or(kv.value);
                        out.push(Finding::new(
                            &META,
                            span,
                            format!(
                                "`${name}` is defined by this same ENV, whose values are all \
                                 expanded before any is set, so it is empty here; define \
                                 `{name}` in an ENV of its own first"
                            ),
                        ));
                    }
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
        assert_documented_examples(&EnvSelfReference);
    }

    #[test]
    fn fires() {
        let rule = &EnvSelfReference;
        assert_fires(rule, "FROM alpine:3.20.3\nENV A=/opt B=${A}/bin\n", &[2]);
        // Order does not matter: every value is expanded first.
        assert_fires(rule, "FROM alpine:3.20.3\nENV B=$A/bin A=/opt\n", &[2]);
        // Continuation lines: the finding is on the line of the reference.
        assert_fires(
            rule,
            "FROM alpine:3.20.3\nENV JAVA_HOME=/opt/java \\\n    PATH=$JAVA_HOME/bin:$PATH\n",
            &[3],
        );
        // Defined in another stage only: not visible here.
        assert_fires(
            rule,
            "FROM alpine:3.20.3 AS a\nENV A=1\nFROM alpine:3.20.3\nENV A=2 B=$A\n",
            &[4],
        );
        // Quoted values are expanded too.
        assert_fires(rule, "FROM alpine:3.20.3\nENV A=x B=\"$A y\"\n", &[2]);
    }

    #[test]
    fn passes() {
        let rule = &EnvSelfReference;
        // Its own previous value.
        assert_clean(
            rule,
            "FROM alpine:3.20.3\nENV PATH=/opt/bin:$PATH LANG=C.UTF-8\n",
        );
        // Separate instructions.
        assert_clean(rule, "FROM alpine:3.20.3\nENV A=/opt\nENV B=$A/bin\n");
        // Defined before, by ENV or ARG (possibly in the stage it is built on).
        assert_clean(rule, "FROM alpine:3.20.3\nARG A=1\nENV A=2 B=$A\n");
        assert_clean(
            rule,
            "FROM alpine:3.20.3 AS base\nENV A=1\nFROM base\nENV A=2 B=$A\n",
        );
        // Names that only share a prefix, single quotes and escapes.
        assert_clean(rule, "FROM alpine:3.20.3\nENV A=1 B=$AB C='$A' D=\\$A\n");
        // The legacy one-pair form.
        assert_clean(rule, "FROM alpine:3.20.3\nENV A $A/x\n");
    }
}
