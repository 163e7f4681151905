use super::label_key_invalid::label_pairs;
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// With `strict_labels` on, a label the final image gets (set in the final stage or a stage it
/// is built `FROM`) that the label schema (`required_labels`) does not list. Silent unless
/// `strict_labels` is set. A key made of variables this Dockerfile does not define is unknown
/// and left alone.
pub struct LabelNotInSchema;

static META: RuleMeta = RuleMeta {
    id: "SW1473",
    name: "label-not-in-schema",
    severity: Severity::Info,
    category: Category::Hygiene,
    practice: 0,
    aliases: &["DL3050"],
    summary: "With strict labels, the image gets a label the label schema does not list.",
    why: "A strict label schema keeps every image's metadata to one agreed vocabulary, so \
          tooling can rely on it and nobody ships a stray `version`, `author` or a typo of an \
          agreed key beside the real one. Add the label to the schema, or remove it. \
          Differs from hadolint: labels of build stages that never reach the image are not \
          reported.",
    bad: "# label schema: org.opencontainers.image.version (semver), strict\n\
          FROM alpine:3.20.3\nLABEL org.opencontainers.image.version=1.4.2 version=1.4.2\n",
    good: "# label schema: org.opencontainers.image.version (semver), strict\n\
           FROM alpine:3.20.3\nLABEL org.opencontainers.image.version=1.4.2\n",
};

impl DockerfileRule for LabelNotInSchema {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        if !cx.settings.strict_labels {
            return;
        }
        let schema = &cx.settings.required_labels;
        for stage in cx.runtime_chain().into_iter().rev() {
            for step in &stage.steps {
                for pair in label_pairs(cx, step) {
                    if pair.key_unresolved || schema.iter().any(|(k, _)| *k == pair.key) {
                        continue;
                    }
                    out.push(Finding::new(
                        &META,
                        pair.key_span,
                        format!(
                            "label `{}` is not in the label schema, and strict labels allow no \
                             others",
                            pair.key
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
    use crate::{LabelType, Settings};

    fn strict() -> Settings {
        Settings {
            required_labels: vec![("org.opencontainers.image.version".into(), LabelType::Semver)],
            strict_labels: true,
            ..Settings::default()
        }
    }

    #[test]
    fn documented_examples() {
        let m = LabelNotInSchema.meta();
        assert!(!findings_with(&LabelNotInSchema, m.bad, &strict(), None).is_empty());
        assert!(findings_with(&LabelNotInSchema, m.good, &strict(), None).is_empty());
        assert_clean(&LabelNotInSchema, m.bad);
    }

    #[test]
    fn fires() {
        let rule = &LabelNotInSchema;
        let s = strict();
        assert_fires_with(rule, &s, None, "FROM alpine\nLABEL version=1\n", &[2]);
        assert_fires_with(
            rule,
            &s,
            None,
            "FROM alpine\nLABEL org.opencontainers.image.version=1.0.0 \\\n  a=1 b=2\n",
            &[3, 3],
        );
        // Inherited through FROM <stage>.
        assert_fires_with(
            rule,
            &s,
            None,
            "FROM alpine AS base\nLABEL extra=1\nFROM base\nRUN true\n",
            &[2],
        );
        // Strict with no schema: every label is superfluous.
        let empty = Settings {
            strict_labels: true,
            ..Settings::default()
        };
        assert_fires_with(rule, &empty, None, "FROM alpine\nLABEL a=1\n", &[2]);
    }

    #[test]
    fn passes() {
        let rule = &LabelNotInSchema;
        let s = strict();
        // Off unless strict.
        assert_clean(rule, "FROM alpine\nLABEL version=1\n");
        assert_fires_with(
            rule,
            &s,
            None,
            "FROM alpine\nLABEL org.opencontainers.image.version=1.0.0\n",
            &[],
        );
        // A build stage's labels do not ship (hadolint reports them).
        assert_fires_with(
            rule,
            &s,
            None,
            "FROM alpine AS build\nLABEL stage=build\nFROM alpine\nCOPY --from=build /a /a\n",
            &[],
        );
        assert_fires_with(rule, &s, None, "FROM alpine\nLABEL ${KEY}=1\n", &[]);
        assert_fires_with(rule, &s, None, "FROM alpine\nONBUILD LABEL x=1\n", &[]);
    }
}
