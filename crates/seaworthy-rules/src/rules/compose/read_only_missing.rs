use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, RuleMeta, Severity};

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
          write to undocumented places and need testing before turning it on.",
    bad: "services:\n  app:\n    image: nginx:1.27.2\n",
    good: "services:\n  app:\n    image: nginx:1.27.2\n    read_only: true\n    tmpfs:\n      \
           - /tmp\n      - /var/cache/nginx\n      - /run\n",
};

impl ComposeRule for ReadOnlyMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
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
            out.push(finding_at(&META, origin, message));
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
}
