use super::label_key_invalid::label_pairs;
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A label of the configured label schema (`required_labels`, hadolint's `label-schema`) set to
/// an empty value, in any stage. Labels outside the schema may be empty: `LABEL key=""` is how
/// a Dockerfile clears a label inherited from its base image. A value made of variables this
/// Dockerfile does not define is unknown and left alone.
pub struct LabelValueEmpty;

static META: RuleMeta = RuleMeta {
    id: "SW1471",
    name: "label-value-empty",
    severity: Severity::Warning,
    category: Category::Hygiene,
    practice: 0,
    aliases: &["DL3051"],
    summary: "A label the label schema requires is set to an empty value.",
    why: "A required label exists so that something downstream can rely on it: the registry UI \
          links the source repository, a scanner maps the image to its owner, a release job \
          reads the version. An empty value satisfies the presence check and gives those tools \
          nothing. Fill it in, usually from a build argument \
          (`LABEL org.opencontainers.image.revision=$GIT_SHA`).",
    bad: "# label schema: org.opencontainers.image.source (url)\nFROM alpine:3.20.3\n\
          LABEL org.opencontainers.image.source=\"\"\n",
    good: "# label schema: org.opencontainers.image.source (url)\nFROM alpine:3.20.3\n\
           LABEL org.opencontainers.image.source=https://github.com/example/app\n",
};

impl DockerfileRule for LabelValueEmpty {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let schema = &cx.settings.required_labels;
        for stage in &cx.model.stages {
            for step in &stage.steps {
                for pair in label_pairs(cx, step) {
                    let required = schema.iter().any(|(k, _)| *k == pair.key);
                    if !required || !pair.value.trim().is_empty() || pair.value_unresolved {
                        continue;
                    }
                    out.push(Finding::new(
                        &META,
                        pair.key_span,
                        format!(
                            "label `{}` is required by the label schema but its value is empty",
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
    use crate::Settings;

    fn schema() -> Settings {
        crate::testing::label_schema()
    }

    #[test]
    fn documented_examples() {
        // The documented examples need the schema their first line names.
        let m = LabelValueEmpty.meta();
        assert!(!findings_with(&LabelValueEmpty, m.bad, &schema(), None).is_empty());
        assert!(findings_with(&LabelValueEmpty, m.good, &schema(), None).is_empty());
    }

    #[test]
    fn fires() {
        let rule = &LabelValueEmpty;
        let s = schema();
        assert_fires_with(rule, &s, None, "FROM alpine\nLABEL maintainer=\"\"\n", &[2]);
        assert_fires_with(rule, &s, None, "FROM alpine\nLABEL maintainer=''\n", &[2]);
        assert_fires_with(rule, &s, None, "FROM alpine\nLABEL maintainer=\n", &[2]);
        assert_fires_with(
            rule,
            &s,
            None,
            "FROM alpine\nLABEL maintainer=\"  \"\n",
            &[2],
        );
        assert_fires_with(
            rule,
            &s,
            None,
            "FROM alpine\nLABEL a=b \\\n  org.opencontainers.image.source=\"\"\n",
            &[3],
        );
        // An ARG declared without a value expands to nothing.
        assert_fires_with(
            rule,
            &s,
            None,
            "FROM alpine\nARG WHO=\nLABEL maintainer=$WHO\n",
            &[3],
        );
        // Build stages too (the label is written wrong wherever it is).
        assert_fires_with(
            rule,
            &s,
            None,
            "FROM alpine AS b\nLABEL maintainer=\"\"\nFROM alpine\n",
            &[2],
        );
    }

    #[test]
    fn passes() {
        let rule = &LabelValueEmpty;
        let s = schema();
        // Without a schema nothing is required.
        assert_clean(rule, "FROM alpine\nLABEL maintainer=\"\"\n");
        // Clearing a label outside the schema is fine.
        assert_fires_with(
            rule,
            &s,
            None,
            "FROM alpine\nLABEL org.label-schema.url=\"\"\n",
            &[],
        );
        assert_fires_with(rule, &s, None, "FROM alpine\nLABEL maintainer=me\n", &[]);
        // Unknown here, known at build time.
        assert_fires_with(
            rule,
            &s,
            None,
            "FROM alpine\nLABEL maintainer=$OWNER\n",
            &[],
        );
        assert_fires_with(
            rule,
            &s,
            None,
            "FROM alpine\nARG OWNER=team\nLABEL maintainer=\"${OWNER}\"\n",
            &[],
        );
    }
}
