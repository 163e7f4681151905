use super::label_key_invalid::label_pairs;
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A label of the configured label schema (`required_labels`, hadolint's `label-schema`) that
/// the final image does not get: no `LABEL` sets it in the final stage or in the stages the
/// final stage is built `FROM`. Reported once per label, at the final stage's `FROM`. Build
/// stages that only feed `COPY --from` do not ship their labels and need none. Labels the base
/// image sets are not visible here. Silent when no labels are required.
pub struct RequiredLabelMissing;

static META: RuleMeta = RuleMeta {
    id: "SW1472",
    name: "required-label-missing",
    severity: Severity::Info,
    category: Category::Hygiene,
    practice: 0,
    aliases: &["DL3049"],
    summary: "The final image lacks a label the label schema requires.",
    why: "Organisations require labels such as `org.opencontainers.image.source`, `.revision` \
          and `.version` so that every running image can be traced to its code, its build and \
          its owner, by registries, scanners and incident responders alike. A label set only \
          in a build stage never reaches the image. \
          Differs from hadolint: only the image the build produces is held to the schema, with \
          the labels it inherits from the stages it is built on (hadolint checks every stage \
          that is not copied from, and reports one finding per stage).",
    bad: "# label schema: org.opencontainers.image.source (url)\nFROM golang:1.23.2 AS build\n\
          LABEL org.opencontainers.image.source=https://github.com/example/app\n\
          RUN go build -o /app .\nFROM gcr.io/distroless/static-debian12:nonroot\n\
          COPY --from=build /app /app\n",
    good: "# label schema: org.opencontainers.image.source (url)\nFROM golang:1.23.2 AS build\n\
           RUN go build -o /app .\nFROM gcr.io/distroless/static-debian12:nonroot\n\
           LABEL org.opencontainers.image.source=https://github.com/example/app\n\
           COPY --from=build /app /app\n",
};

impl DockerfileRule for RequiredLabelMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let required = &cx.settings.required_labels;
        let Some(last) = cx.final_stage() else { return };
        if required.is_empty() {
            return;
        }
        let mut set: Vec<String> = Vec::new();
        for stage in cx.runtime_chain() {
            for step in &stage.steps {
                set.extend(label_pairs(cx, step).into_iter().map(|p| p.key));
            }
        }
        for (label, _) in required {
            if set.contains(label) {
                continue;
            }
            out.push(Finding::new(
                &META,
                last.from.keyword,
                format!(
                    "the final stage `{}` does not set the required label `{label}`",
                    last.display_name()
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use crate::{LabelType, Settings};

    fn schema() -> Settings {
        crate::testing::label_schema()
    }

    #[test]
    fn documented_examples() {
        let m = RequiredLabelMissing.meta();
        assert!(!findings_with(&RequiredLabelMissing, m.bad, &schema(), None).is_empty());
        let one = Settings {
            required_labels: vec![("org.opencontainers.image.source".into(), LabelType::Url)],
            ..Settings::default()
        };
        assert!(findings_with(&RequiredLabelMissing, m.good, &one, None).is_empty());
        assert_clean(&RequiredLabelMissing, m.bad);
    }

    #[test]
    fn fires() {
        let rule = &RequiredLabelMissing;
        let s = schema();
        assert_fires_with(rule, &s, None, "FROM alpine\nRUN true\n", &[1, 1]);
        assert_fires_with(rule, &s, None, "FROM alpine\nLABEL maintainer=me\n", &[1]);
        // Labels of a build stage do not ship.
        assert_fires_with(
            rule,
            &s,
            None,
            "FROM alpine AS build\nLABEL maintainer=me \\\n  org.opencontainers.image.source=x\n\
             FROM alpine\nCOPY --from=build /a /a\n",
            &[4, 4],
        );
        // ONBUILD LABEL labels the child image, not this one.
        assert_fires_with(
            rule,
            &s,
            None,
            "FROM alpine\nLABEL maintainer=me\nONBUILD LABEL org.opencontainers.image.source=x\n",
            &[1],
        );
        let msg = &findings_with(rule, "FROM alpine AS app\nLABEL maintainer=me\n", &s, None)[0].1;
        assert!(msg.contains("`org.opencontainers.image.source`") && msg.contains("`app`"));
    }

    #[test]
    fn passes() {
        let rule = &RequiredLabelMissing;
        let s = schema();
        assert_clean(rule, "FROM alpine\nRUN true\n");
        assert_fires_with(
            rule,
            &s,
            None,
            "FROM alpine\nLABEL maintainer=me org.opencontainers.image.source=https://x\n",
            &[],
        );
        // Inherited through FROM <stage>.
        assert_fires_with(
            rule,
            &s,
            None,
            "FROM alpine AS base\nLABEL maintainer=me\nFROM base\n\
             LABEL org.opencontainers.image.source=https://x\n",
            &[],
        );
        // Set from a variable: present, whatever its value.
        assert_fires_with(
            rule,
            &s,
            None,
            "FROM alpine\nARG SRC\nLABEL maintainer=$WHO org.opencontainers.image.source=$SRC\n",
            &[],
        );
    }
}
