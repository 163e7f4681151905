use seaworthy_dockerfile::{Args, Expanded, Span, Step};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A `LABEL` key that breaks Docker's key conventions, judged after variable expansion in every
/// stage: it must start with a lower-case letter, end with a lower-case letter or digit, use
/// only `a-z`, `0-9`, `.`, `-`, `_` and `/` (hadolint's set), have no `..` or `--`, and stay out
/// of the namespaces Docker reserves (`com.docker.`, `io.docker.`, `org.dockerproject.`). A key
/// that uses a variable this Dockerfile does not define is unknown and left alone.
pub struct LabelKeyInvalid;

static META: RuleMeta = RuleMeta {
    id: "SW1470",
    name: "label-key-invalid",
    severity: Severity::Style,
    category: Category::Hygiene,
    practice: 0,
    aliases: &["DL3048"],
    summary: "A LABEL key does not follow Docker's key format.",
    why: "Labels are how registries, scanners, orchestrators and `docker inspect --filter` find \
          an image's source, version and owner, and they match keys exactly: `Version`, \
          `org.opencontainers.image.Source` or `maintainer.` are different keys from the ones \
          tools look for. Docker asks for lower-case, reverse-DNS keys \
          (`org.opencontainers.image.source`) and reserves `com.docker.*`, `io.docker.*` and \
          `org.dockerproject.*` for itself.",
    bad: "FROM alpine:3.20.3\nLABEL Version=1.4.2 com.docker.owner=team-a\n",
    good: "FROM alpine:3.20.3\nLABEL org.opencontainers.image.version=1.4.2 \
           com.example.owner=team-a\n",
};

/// A `LABEL` pair after expansion, with where it is written.
pub(super) struct LabelPair {
    pub key: String,
    pub value: String,
    pub key_span: Span,
    pub value_span: Span,
    /// The key uses a variable that has no value here.
    pub key_unresolved: bool,
    /// The value uses a variable that has no value here: its real value is not known.
    pub value_unresolved: bool,
}

/// The pairs of a `LABEL` step (none for other instructions, `ONBUILD LABEL` included).
pub(super) fn label_pairs(cx: &DockerfileContext<'_>, step: &Step<'_>) -> Vec<LabelPair> {
    let (Expanded::Label(pairs), Args::KeyValues(kvs)) = (&step.expanded, &step.instruction.args)
    else {
        return Vec::new();
    };
    let unresolved = |span: Span| {
        let written = cx.file.logical(step.instruction, span);
        written.contains('$') && step.undefined.iter().any(|v| written.contains(v.as_str()))
    };
    pairs
        .iter()
        .zip(kvs)
        .map(|((key, value), kv)| LabelPair {
            key: key.clone(),
            value: value.clone(),
            key_span: kv.key,
            value_span: kv.value,
            key_unresolved: unresolved(kv.key),
            value_unresolved: unresolved(kv.value),
        })
        .collect()
}

impl DockerfileRule for LabelKeyInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                for pair in label_pairs(cx, step) {
                    if pair.key_unresolved {
                        continue;
                    }
                    if let Some(problem) = key_problem(&pair.key) {
                        out.push(Finding::new(
                            &META,
                            pair.key_span,
                            format!("label key `{}` {problem}", pair.key),
                        ));
                    }
                }
            }
        }
    }
}

fn key_problem(key: &str) -> Option<&'static str> {
    const RESERVED: &[&str] = &["com.docker.", "io.docker.", "org.dockerproject."];
    if !key.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Some("must start with a lower-case letter");
    }
    if !key.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        return Some("must end with a lower-case letter or a digit");
    }
    if !key
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(c))
    {
        return Some("may only use lower-case letters, digits, `.`, `-`, `_` and `/`");
    }
    if key.contains("..") || key.contains("--") {
        return Some("must not repeat `.` or `-`");
    }
    if RESERVED.iter().any(|r| key.starts_with(r)) {
        return Some("is in a namespace Docker reserves for itself");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&LabelKeyInvalid);
    }

    #[test]
    fn fires() {
        let rule = &LabelKeyInvalid;
        assert_fires(rule, "FROM alpine\nLABEL Version=1\n", &[2]);
        assert_fires(rule, "FROM alpine\nLABEL 1st=a last.=b ok=c\n", &[2, 2]);
        assert_fires(rule, "FROM alpine\nLABEL a..b=1 c--d=2 e:f=3\n", &[2, 2, 2]);
        assert_fires(
            rule,
            "FROM alpine\nLABEL com.docker.x=1 io.docker.y=2 org.dockerproject.z=3\n",
            &[2, 2, 2],
        );
        // Quoted keys, legacy `LABEL key value`, continuation lines.
        assert_fires(rule, "FROM alpine\nLABEL \"My.Key\"=1\n", &[2]);
        assert_fires(rule, "FROM alpine\nLABEL Maintainer someone\n", &[2]);
        assert_fires(rule, "FROM alpine\nLABEL a=1 \\\n      B=2\n", &[3]);
        // After expansion.
        assert_fires(
            rule,
            "FROM alpine\nARG NS=Com.Example\nLABEL ${NS}.x=1\n",
            &[3],
        );
        // Build stages too.
        assert_fires(rule, "FROM alpine AS b\nLABEL X=1\nFROM alpine\n", &[2]);
    }

    #[test]
    fn passes() {
        let rule = &LabelKeyInvalid;
        assert_clean(
            rule,
            "FROM alpine\nLABEL org.opencontainers.image.source=https://x maintainer=me\n",
        );
        assert_clean(
            rule,
            "FROM alpine\nLABEL com.example.some_key/v2=1 a-b.c9=2\n",
        );
        assert_clean(
            rule,
            "FROM alpine\nARG NS=com.example\nLABEL ${NS}.version=1\n",
        );
        // A variable with no value here: unknown.
        assert_clean(rule, "FROM alpine\nLABEL ${VENDOR}.version=1\n");
        assert_clean(rule, "FROM alpine\nONBUILD LABEL Bad=1\n");
    }
}
