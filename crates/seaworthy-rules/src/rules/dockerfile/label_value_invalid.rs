use super::label_key_invalid::label_pairs;
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, LabelType, RuleMeta, Severity};

/// A label of the configured label schema (`required_labels`) whose value is not of the type the
/// schema gives it, in any stage:
/// - `url`: an absolute URI (RFC 3986, with a scheme);
/// - `rfc3339`: a date and time with an offset, `2024-10-07T12:00:00Z`;
/// - `spdx`: an SPDX licence expression (`MIT`, `Apache-2.0 OR MIT`);
/// - `hash`: a git commit id, 7 to 40 lower-case hex digits, or 64 (SHA-256 repositories);
/// - `semver`: a semantic version, `1.4.2` or `2.0.0-rc.1+build.5`, no `v` prefix;
/// - `email`: an address (RFC 5322 `local@domain`, no display name);
/// - `text`: anything.
///
/// A value that uses a variable this Dockerfile does not define is unknown until build time and
/// counts as text; empty values are `label-value-empty`'s concern.
pub struct LabelValueInvalid;

static META: RuleMeta = RuleMeta {
    id: "SW1474",
    name: "label-value-invalid",
    severity: Severity::Warning,
    category: Category::Hygiene,
    practice: 0,
    aliases: &["DL3052", "DL3053", "DL3054", "DL3055", "DL3056", "DL3058"],
    summary: "A label's value is not of the type the label schema requires (URL, RFC 3339 \
              time, SPDX licence, git hash, semantic version, email).",
    why: "Typed labels are read by programs: a registry turns `org.opencontainers.image.source` \
          into a link, a licence scanner parses `.licenses`, a deploy job compares `.version` \
          as a semantic version and looks `.revision` up in git. A value of the wrong shape \
          (`github.com/x` without a scheme, `v1.2`, `Apache 2`, a date without a time zone) \
          breaks them quietly. \
          Differs from hadolint: one rule for every type (hadolint has one id per type); SPDX \
          values may be licence expressions (`Apache-2.0 OR MIT`), as the OCI annotation \
          `org.opencontainers.image.licenses` specifies; git hashes may be abbreviated to any \
          length from 7 characters or be SHA-256; values from build arguments are checked \
          after expansion when their value is known here.",
    bad: "# label schema: org.opencontainers.image.version (semver)\nFROM alpine:3.20.3\n\
          LABEL org.opencontainers.image.version=v1.4\n",
    good: "# label schema: org.opencontainers.image.version (semver)\nFROM alpine:3.20.3\n\
           LABEL org.opencontainers.image.version=1.4.0\n",
};

impl DockerfileRule for LabelValueInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let schema = &cx.settings.required_labels;
        if schema.is_empty() {
            return;
        }
        for stage in &cx.model.stages {
            for step in &stage.steps {
                for pair in label_pairs(cx, step) {
                    let Some((_, kind)) = schema.iter().find(|(k, _)| *k == pair.key) else {
                        continue;
                    };
                    if pair.value_unresolved || pair.value.trim().is_empty() {
                        continue;
                    }
                    let Some(expected) = mismatch(*kind, &pair.value) else {
                        continue;
                    };
                    out.push(Finding::new(
                        &META,
                        pair.value_span,
                        format!(
                            "label `{}` must be {expected}, but is `{}`",
                            pair.key, pair.value
                        ),
                    ));
                }
            }
        }
    }
}

/// What the value should have been, when it is not of type `kind`.
fn mismatch(kind: LabelType, value: &str) -> Option<&'static str> {
    let ok = match kind {
        LabelType::Text => true,
        LabelType::Url => fluent_uri::Uri::parse(value).is_ok(),
        LabelType::Rfc3339 => chrono::DateTime::parse_from_rfc3339(value).is_ok(),
        LabelType::Spdx => spdx::Expression::parse(value).is_ok(),
        LabelType::Hash => {
            ((7..=40).contains(&value.len()) || value.len() == 64)
                && value
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        }
        LabelType::Semver => semver::Version::parse(value).is_ok(),
        LabelType::Email => email_address::EmailAddress::parse_with_options(
            value,
            email_address::Options::default().without_display_text(),
        )
        .is_ok(),
    };
    if ok {
        return None;
    }
    Some(match kind {
        LabelType::Text => "text",
        LabelType::Url => "an absolute URL with a scheme (https://…)",
        LabelType::Rfc3339 => "an RFC 3339 date and time (2024-10-07T12:00:00Z)",
        LabelType::Spdx => "an SPDX licence expression (MIT, Apache-2.0 OR MIT)",
        LabelType::Hash => "a git commit hash (7 to 40 lower-case hex digits)",
        LabelType::Semver => "a semantic version (1.4.2)",
        LabelType::Email => "an email address (name@example.com)",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use crate::Settings;

    fn typed() -> Settings {
        let l = |k: &str, t| (k.to_owned(), t);
        Settings {
            required_labels: vec![
                l("url", LabelType::Url),
                l("time", LabelType::Rfc3339),
                l("license", LabelType::Spdx),
                l("rev", LabelType::Hash),
                l("version", LabelType::Semver),
                l("mail", LabelType::Email),
                l("text", LabelType::Text),
            ],
            ..Settings::default()
        }
    }

    #[test]
    fn documented_examples() {
        let m = LabelValueInvalid.meta();
        let s = Settings {
            required_labels: vec![("org.opencontainers.image.version".into(), LabelType::Semver)],
            ..Settings::default()
        };
        assert!(!findings_with(&LabelValueInvalid, m.bad, &s, None).is_empty());
        assert!(findings_with(&LabelValueInvalid, m.good, &s, None).is_empty());
        assert_clean(&LabelValueInvalid, m.bad);
    }

    #[test]
    fn fires() {
        let rule = &LabelValueInvalid;
        let s = typed();
        let bad = [
            "url=github.com/example/app",
            "url=\"https://exa mple.com\"",
            "time=2024-10-07",
            "time=\"2024-10-07 12:00:00\"",
            "time=2024-10-07T12:00:00",
            "license=\"Apache 2\"",
            "license=GPL",
            "license=\"MIT OR\"",
            "rev=abc12",
            "rev=ABCDEF1234",
            "rev=0123456789abcdef0123456789abcdef01234567ff",
            "version=v1.4.2",
            "version=1.4",
            "mail=nobody",
            "mail=\"Jane <jane@example.com>\"",
        ];
        for label in bad {
            assert_fires_with(
                rule,
                &s,
                None,
                &format!("FROM alpine\nLABEL {label}\n"),
                &[2],
            );
        }
        // After expansion of a known build argument.
        assert_fires_with(
            rule,
            &s,
            None,
            "FROM alpine\nARG VERSION=latest\nLABEL version=$VERSION\n",
            &[3],
        );
        // Several per instruction, continuation lines, every stage.
        assert_fires_with(
            rule,
            &s,
            None,
            "FROM alpine AS b\nLABEL rev=x \\\n  version=1\nFROM alpine\n",
            &[2, 3],
        );
        let msg = &findings_with(rule, "FROM alpine\nLABEL version=v1\n", &s, None)[0].1;
        assert!(
            msg.contains("semantic version") && msg.contains("`v1`"),
            "{msg}"
        );
    }

    #[test]
    fn passes() {
        let rule = &LabelValueInvalid;
        let s = typed();
        let good = [
            "url=https://github.com/example/app",
            "url=git+ssh://git@github.com/example/app.git",
            "url=urn:isbn:0451450523",
            "time=2024-10-07T12:00:00Z",
            "time=2024-10-07T12:00:00.123+02:00",
            "license=MIT",
            "license=\"Apache-2.0 OR MIT\"",
            "license=GPL-3.0-or-later",
            "rev=0123abc",
            "rev=0123456789abcdef0123456789abcdef01234567",
            "version=1.4.2",
            "version=2.0.0-rc.1+build.5",
            "mail=jane@example.com",
            "text=\"anything at all\"",
            // Not in the schema.
            "other=v1",
        ];
        for label in good {
            assert_fires_with(
                rule,
                &s,
                None,
                &format!("FROM alpine\nLABEL {label}\n"),
                &[],
            );
        }
        // Unknown until build time: counts as text.
        assert_fires_with(
            rule,
            &s,
            None,
            "FROM alpine\nLABEL version=$VERSION rev=${GIT_SHA}\n",
            &[],
        );
        assert_fires_with(
            rule,
            &s,
            None,
            "FROM alpine\nARG VERSION=1.2.3\nLABEL version=${VERSION}\n",
            &[],
        );
        // Empty is label-value-empty's concern.
        assert_fires_with(rule, &s, None, "FROM alpine\nLABEL version=\"\"\n", &[]);
        // No schema, no types.
        assert_clean(rule, "FROM alpine\nLABEL version=v1\n");
    }
}
