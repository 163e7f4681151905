use seaworthy_compose::Service;

use super::yaml_edit::{NewValue, ServiceSite};
use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, Fix, RuleMeta, Severity};

/// The container's root file system is writable: no `read_only: true`.
pub struct ReadOnlyMissing;

static META: RuleMeta = RuleMeta {
    id: "SW2307",
    name: "compose-read-only-missing",
    severity: Severity::Info,
    category: Category::Runtime,
    practice: 16,
    aliases: &["CIS-5.12"],
    summary: "A service's root file system is writable.",
    why: "With a writable root file system an attacker who gets code execution can replace \
          binaries, drop tools and persist until the container is recreated, and the \
          application can fill the writable layer unnoticed. `read_only: true` makes the \
          image immutable at runtime; pair it with `tmpfs:` for the paths that must be \
          writable (`/tmp`, `/run`, caches) and volumes for data. Info only: many images \
          write to undocumented places and need testing before turning it on; for the same \
          reason `seaworthy fix` sets `read_only: true` only with `--unsafe-fixes`.",
    bad: "services:\n  app:\n    image: nginx:1.27.2\n",
    good: "services:\n  app:\n    image: nginx:1.27.2\n    read_only: true\n    tmpfs:\n      \
           - /tmp\n      - /var/cache/nginx\n      - /run\n",
};

/// `read_only: true` added, or a literal `read_only: false` turned to true: unsafe, since the
/// service may write where it then cannot.
fn read_only(cx: &ComposeContext<'_>, service: &Service, file: usize) -> Option<Fix> {
    let mut site = ServiceSite::find(cx.project, service, file)?;
    let value = NewValue::Raw("true".into());
    match service.read_only {
        Some(_) => site.set(&["read_only"], &value)?,
        None => site.add_key("read_only", &value)?,
    }
    Some(Fix::unsafe_(
        "set `read_only: true` (the service may need `tmpfs:` for the paths it writes)",
        site.finish()?,
    ))
}

impl ComposeRule for ReadOnlyMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn fix_kind(&self) -> crate::FixKind {
        crate::FixKind::Unsafe
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        for service in cx.services() {
            let (origin, message) = match &service.read_only {
                Some(ro) if ro.value => continue,
                Some(ro) => (
                    ro.origin,
                    format!(
                        "service `{}` sets `read_only: false`: set it to true and give the \
                         paths it writes a `tmpfs:` or a volume",
                        service.name
                    ),
                ),
                None => (
                    service.name_origin,
                    format!(
                        "service `{}` has a writable root file system: add `read_only: true` \
                         with `tmpfs:` for the paths it writes",
                        service.name
                    ),
                ),
            };
            let finding = finding_at(&META, origin, message);
            out.push(match read_only(cx, service, finding.file) {
                Some(fix) => finding.with_fix(fix),
                None => finding,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::compose::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&ReadOnlyMissing);
    }

    #[test]
    fn fires() {
        assert_fires(
            &ReadOnlyMissing,
            "services:\n  a:\n    image: x:1.0.0\n",
            &[2],
        );
        assert_fires(
            &ReadOnlyMissing,
            "services:\n  a:\n    image: x:1.0.0\n    read_only: false\n",
            &[4],
        );
        let found = findings_with(
            &ReadOnlyMissing,
            &crate::Settings::default(),
            &[
                (
                    "compose.yaml",
                    "services:\n  a:\n    image: x:1.0.0\n    read_only: true\n",
                ),
                (
                    "compose.override.yaml",
                    "services:\n  a:\n    read_only: ${RO:-false}\n",
                ),
            ],
        );
        assert_eq!(places(&found), [("compose.override.yaml", 3)]);
    }

    #[test]
    fn passes() {
        assert_clean(
            &ReadOnlyMissing,
            "services:\n  a:\n    image: x:1.0.0\n    read_only: true\n    tmpfs: [/tmp]\n",
        );
        assert_clean(
            &ReadOnlyMissing,
            "services:\n  a:\n    image: x:1.0.0\n    read_only: \"true\"\n",
        );
    }

    #[test]
    fn fix_sets_read_only() {
        use crate::FixKind::Unsafe;
        assert_fix(
            &ReadOnlyMissing,
            "services:\n  a:\n    image: x:1.0.0\n    tmpfs:\n      - /tmp\n",
            "services:\n  a:\n    image: x:1.0.0\n    tmpfs:\n      - /tmp\n    read_only: true\n",
            Unsafe,
        );
        // Written false, plain or quoted, with a comment after it.
        assert_fix(
            &ReadOnlyMissing,
            "services:\n  a:\n    read_only: false # for now\n    image: x:1.0.0\n",
            "services:\n  a:\n    read_only: true # for now\n    image: x:1.0.0\n",
            Unsafe,
        );
        assert_fix(
            &ReadOnlyMissing,
            "services:\n    a:\n        image: \"x:1.0.0\"\n        read_only: \"false\"",
            "services:\n    a:\n        image: \"x:1.0.0\"\n        read_only: \"true\"",
            Unsafe,
        );
        // CRLF, two services.
        assert_fix(
            &ReadOnlyMissing,
            "services:\r\n  a:\r\n    image: x:1.0.0\r\n  b:\r\n    image: y:1.0.0\r\n    read_only: true\r\n",
            "services:\r\n  a:\r\n    image: x:1.0.0\r\n    read_only: true\r\n  b:\r\n    image: y:1.0.0\r\n    read_only: true\r\n",
            Unsafe,
        );
    }

    #[test]
    fn no_fix_where_the_edit_would_be_a_guess() {
        assert_no_fix(&ReadOnlyMissing, "services:\n  a: {image: x:1.0.0}\n");
        assert_no_fix(
            &ReadOnlyMissing,
            "services:\n  a:\n    image: x:1.0.0\n    read_only: ${RO:-false}\n",
        );
        // `false` comes from the override file, which the user reads as the place to change.
        assert_no_fix_in(
            &ReadOnlyMissing,
            &[
                (
                    "compose.yaml",
                    "services:\n  a:\n    image: x:1.0.0\n    read_only: false\n",
                ),
                (
                    "compose.override.yaml",
                    "services:\n  a:\n    read_only: ${RO:-false}\n",
                ),
            ],
        );
        assert_no_fix_in(
            &ReadOnlyMissing,
            &[
                ("compose.yaml", "services:\n  a:\n    image: x:1.0.0\n"),
                ("compose.override.yaml", "services:\n  a:\n    init: true\n"),
            ],
        );
    }
}
