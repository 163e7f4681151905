use super::{ImageContext, ImageRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A label the configuration requires (`required-labels`) is missing from the image or empty.
pub struct RequiredLabelMissing;

static META: RuleMeta = RuleMeta {
    id: "SW3470",
    name: "image-required-label-missing",
    severity: Severity::Info,
    category: Category::Hygiene,
    practice: 0,
    aliases: &[],
    summary: "A label the configuration requires is missing from the image.",
    why: "Teams agree on labels (`org.opencontainers.image.source`, `.revision`, an owner) so \
          that any running container can be traced back to its code, build and owner. The \
          image's labels include those of its base image, so this checks what actually ships, \
          after every stage and `--label` of the build. Only labels listed in the \
          configuration's required labels are checked; nothing is reported without them.",
    bad: "FROM debian:12.7-slim\nCOPY app /app\n",
    good: "FROM debian:12.7-slim\nLABEL org.opencontainers.image.source=\"https://example.com/app\"\nCOPY app /app\n",
};

impl ImageRule for RequiredLabelMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ImageContext<'_>, out: &mut Vec<Finding>) {
        let labels = &cx.config.config.labels;
        for (name, _) in &cx.settings.required_labels {
            let message = match labels.get(name) {
                None => {
                    format!("the image has no `{name}` label, which the configuration requires")
                }
                Some(v) if v.trim().is_empty() => {
                    format!(
                        "the image's `{name}` label is empty; the configuration requires a value"
                    )
                }
                Some(_) => continue,
            };
            out.push(Finding::at(&META, "Config.Labels", message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::Settings;

    fn settings() -> Settings {
        crate::testing::label_schema()
    }

    #[test]
    fn fires() {
        let found = findings_with(&RequiredLabelMissing, &hardened(), &settings());
        assert_eq!(places(&found), ["Config.Labels"]);
        assert!(found[0].message.contains("`maintainer`"));
        let mut w = hardened();
        w.set("Labels", Some(r#"{"maintainer": " "}"#));
        let found = findings_with(&RequiredLabelMissing, &w, &settings());
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn passes() {
        assert_clean(&RequiredLabelMissing, &hardened());
        let mut w = hardened();
        w.set("Labels", Some(r#"{"maintainer": "ops@example.com", "org.opencontainers.image.source": "https://x"}"#));
        assert!(findings_with(&RequiredLabelMissing, &w, &settings()).is_empty());
    }
}
