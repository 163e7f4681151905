use seaworthy_compose::Service;

use super::yaml_edit::{NewValue, ServiceSite, Written};
use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, Fix, RuleMeta, Severity};

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
          list without `ALL` is reported too. `seaworthy fix --unsafe-fixes` adds `ALL` to \
          `cap_drop`; unsafe, since a service that needs a capability then fails until it is \
          listed in `cap_add`.",
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

/// `ALL` added to `cap_drop`, or `cap_drop: [ALL]` added: unsafe, the service may need one of
/// the capabilities it loses.
fn drop_all(cx: &ComposeContext<'_>, service: &Service, file: usize) -> Option<Fix> {
    let mut site = ServiceSite::find(cx.project, service, file)?;
    let all = NewValue::str("ALL");
    match site.key("cap_drop") {
        Written::Missing => site.add_key("cap_drop", &NewValue::List(vec![all]))?,
        Written::Here => site.push_item(&["cap_drop"], &all)?,
        Written::Elsewhere => return None,
    }
    Some(Fix::unsafe_(
        "drop all capabilities (`cap_add` what the service needs)",
        site.finish()?,
    ))
}

impl ComposeRule for CapDropAllMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn fix_kind(&self) -> crate::FixKind {
        crate::FixKind::Unsafe
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
            let finding = finding_at(
                &META,
                origin,
                format!(
                    "service `{}` keeps Docker's default capabilities: add `cap_drop: [ALL]` \
                     and `cap_add` only those it needs",
                    service.name
                ),
            );
            out.push(match drop_all(cx, service, finding.file) {
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

    #[test]
    fn fix_drops_all() {
        use crate::FixKind::Unsafe;
        assert_fix(
            &CapDropAllMissing,
            "services:\n  a:\n    image: x:1.0.0\n  b:\n    image: y:1.0.0\n    cap_drop: [ALL]\n",
            "services:\n  a:\n    image: x:1.0.0\n    cap_drop: [ALL]\n  b:\n    image: y:1.0.0\n    cap_drop: [ALL]\n",
            Unsafe,
        );
        assert_fix(
            &CapDropAllMissing,
            "services:\n  a:\n    image: x:1.0.0\n    cap_drop:\n      - NET_RAW\n      # and more\n      - MKNOD\n    # end of a\n",
            "services:\n  a:\n    image: x:1.0.0\n    cap_drop:\n      - NET_RAW\n      # and more\n      - MKNOD\n      - ALL\n    # end of a\n",
            Unsafe,
        );
        assert_fix(
            &CapDropAllMissing,
            "services:\r\n    a:\r\n        image: \"x:1.0.0\"\r\n        cap_drop: []\r\n",
            "services:\r\n    a:\r\n        image: \"x:1.0.0\"\r\n        cap_drop: [\"ALL\"]\r\n",
            Unsafe,
        );
        assert_fix(
            &CapDropAllMissing,
            "services:\n    a:\n        image: x:1.0.0",
            "services:\n    a:\n        image: x:1.0.0\n        cap_drop:\n            - ALL",
            Unsafe,
        );
    }

    #[test]
    fn no_fix_where_the_edit_would_be_a_guess() {
        assert_no_fix(&CapDropAllMissing, "services:\n  a: {image: x:1.0.0}\n");
        assert_no_fix_in(
            &CapDropAllMissing,
            &[
                (
                    "compose.yaml",
                    "services:\n  a:\n    image: x:1.0.0\n    cap_drop: [NET_RAW]\n",
                ),
                (
                    "compose.override.yaml",
                    "services:\n  a:\n    cap_drop: [MKNOD]\n",
                ),
            ],
        );
        assert_no_fix(
            &CapDropAllMissing,
            "x-caps: &caps [NET_RAW]\nservices:\n  a:\n    image: x:1.0.0\n    cap_drop: *caps\n",
        );
    }
}
