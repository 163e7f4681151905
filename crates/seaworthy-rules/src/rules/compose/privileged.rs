use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `privileged: true`: the container gets every capability, every device and no seccomp or
/// AppArmor confinement.
pub struct Privileged;

static META: RuleMeta = RuleMeta {
    id: "SW2300",
    name: "compose-privileged",
    severity: Severity::Error,
    category: Category::Runtime,
    practice: 17,
    aliases: &["CIS-5.4"],
    summary: "A service runs with `privileged: true`.",
    why: "A privileged container has every Linux capability, sees every host device and runs \
          without the seccomp and AppArmor profiles that confine ordinary containers: a \
          process that escapes the application owns the host. Grant the one capability or \
          device the service needs (`cap_add: [NET_ADMIN]`, `devices:`) instead.",
    bad: "services:\n  app:\n    image: nginx:1.27.2\n    privileged: true\n",
    good: "services:\n  app:\n    image: nginx:1.27.2\n    cap_drop: [ALL]\n    cap_add: [NET_BIND_SERVICE]\n",
};

impl ComposeRule for Privileged {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        for service in cx.services() {
            if let Some(privileged) = &service.privileged {
                if privileged.value {
                    out.push(finding_at(
                        &META,
                        privileged.origin,
                        format!(
                            "service `{}` runs privileged: every capability and device of the \
                             host; add only the capabilities it needs",
                            service.name
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
    use crate::testing::compose::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&Privileged);
    }

    #[test]
    fn fires() {
        assert_fires(
            &Privileged,
            "services:\n  a:\n    image: x:1.0.0\n    privileged: true\n  b:\n    image: y:1.0.0\n",
            &[4],
        );
        // From an override file: the finding points there.
        let found = findings_with(
            &Privileged,
            &crate::Settings::default(),
            &[
                ("compose.yaml", "services:\n  a:\n    image: x:1.0.0\n"),
                (
                    "compose.override.yaml",
                    "services:\n  a:\n    privileged: true\n",
                ),
            ],
        );
        assert_eq!(places(&found), [("compose.override.yaml", 3)]);
        // Interpolated.
        let found = findings_with(
            &Privileged,
            &crate::Settings::default(),
            &[
                (
                    "compose.yaml",
                    "services:\n  a:\n    image: x:1.0.0\n    privileged: ${PRIV:-true}\n",
                ),
                (".env", "OTHER=1\n"),
            ],
        );
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn passes() {
        assert_clean(
            &Privileged,
            "services:\n  a:\n    image: x:1.0.0\n    privileged: false\n",
        );
        assert_clean(&Privileged, "services:\n  a:\n    image: x:1.0.0\n");
    }
}
