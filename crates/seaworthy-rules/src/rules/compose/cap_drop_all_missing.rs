use seaworthy_compose::Service;

use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A service keeps Docker's default capability set: no `cap_drop: [ALL]`.
pub struct CapDropAllMissing;

static META: RuleMeta = RuleMeta {
    id: "SW2303",
    name: "compose-cap-drop-all-missing",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 17,
    aliases: &["CIS-5.3"],
    summary: "A service does not drop all Linux capabilities.",
    why: "Docker grants every container fourteen capabilities (CHOWN, DAC_OVERRIDE, FOWNER, \
          SETUID, SETGID, NET_RAW, MKNOD, ...) that most services never use and that an \
          attacker inside the container uses to escalate. `cap_drop: [ALL]` removes them; \
          `cap_add` then gives back only what the service needs (e.g. NET_BIND_SERVICE). \
          `ALL` is matched case-insensitively and with or without the `CAP_` prefix, as \
          Docker reads it, after merging override files. Differs from KICS: a `cap_drop` \
          list without `ALL` is reported too.",
    bad: "services:\n  app:\n    image: nginx:1.27.2\n",
    good: "services:\n  app:\n    image: nginx:1.27.2\n    cap_drop: [ALL]\n    \
           cap_add: [NET_BIND_SERVICE, CHOWN, SETUID, SETGID]\n",
};

/// A capability name as Docker reads it: upper case, without `CAP_`.
pub(super) fn capability(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    match upper.strip_prefix("CAP_") {
        Some(rest) => rest.to_string(),
        None => upper,
    }
}

fn drops_all(service: &Service) -> bool {
    service
        .cap_drop
        .iter()
        .any(|c| capability(&c.value) == "ALL")
}

impl ComposeRule for CapDropAllMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        for service in cx.services() {
            if drops_all(service) {
                continue;
            }
            let origin = match service.raw.get("cap_drop") {
                Some(t) => t.origin,
                None => service.name_origin,
            };
            out.push(finding_at(
                &META,
                origin,
                format!(
                    "service `{}` keeps Docker's default capabilities: add `cap_drop: [ALL]` \
                     and `cap_add` only those it needs",
                    service.name
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::compose::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&CapDropAllMissing);
    }

    #[test]
    fn fires() {
        assert_fires(
            &CapDropAllMissing,
            "services:\n  a:\n    image: x:1.0.0\n",
            &[2],
        );
        assert_fires(
            &CapDropAllMissing,
            "services:\n  a:\n    image: x:1.0.0\n    cap_drop:\n      - NET_RAW\n      - MKNOD\n",
            &[5],
        );
        assert_fires(
            &CapDropAllMissing,
            "services:\n  a:\n    image: x:1.0.0\n    cap_drop: [ALL]\n  b:\n    image: y:1.0.0\n",
            &[5],
        );
    }

    #[test]
    fn passes() {
        for drop in [
            "[ALL]",
            "[all]",
            "[CAP_ALL]",
            "[NET_RAW, ALL]",
            "\n      - All\n",
        ] {
            assert_clean(
                &CapDropAllMissing,
                &format!("services:\n  a:\n    image: x:1.0.0\n    cap_drop: {drop}\n"),
            );
        }
        // Dropped in an override file, interpolated.
        let found = findings_with(
            &CapDropAllMissing,
            &crate::Settings::default(),
            &[
                ("compose.yaml", "services:\n  a:\n    image: x:1.0.0\n"),
                (
                    "compose.override.yaml",
                    "services:\n  a:\n    cap_drop: [\"${DROP:-ALL}\"]\n",
                ),
            ],
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
