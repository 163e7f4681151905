use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `security_opt` lacks `no-new-privileges:true`: setuid binaries can still raise privileges.
pub struct NoNewPrivilegesMissing;

static META: RuleMeta = RuleMeta {
    id: "SW2305",
    name: "compose-no-new-privileges-missing",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 18,
    aliases: &["CIS-5.25"],
    summary: "A service does not set `no-new-privileges`.",
    why: "Without `no-new-privileges`, a process in the container can gain privileges through \
          setuid and setgid binaries (`su`, `sudo`, `passwd`) or file capabilities: an attacker \
          running as the unprivileged user becomes root inside the container. Accepted \
          spellings, as Docker reads them: `no-new-privileges:true`, `no-new-privileges=true` \
          and `no-new-privileges` alone; `no-new-privileges:false` is reported. A daemon-wide \
          `\"no-new-privileges\": true` in daemon.json also covers it, but a Compose file \
          cannot rely on the host it is deployed to.",
    bad: "services:\n  app:\n    image: nginx:1.27.2\n",
    good: "services:\n  app:\n    image: nginx:1.27.2\n    security_opt:\n      \
           - no-new-privileges:true\n",
};

/// `Some(enabled)` when `opt` is a no-new-privileges option.
fn no_new_privileges(opt: &str) -> Option<bool> {
    let opt = opt.trim();
    let rest = opt.strip_prefix("no-new-privileges")?;
    if rest.is_empty() {
        return Some(true);
    }
    let value = rest.strip_prefix([':', '='])?;
    Some(value.trim().eq_ignore_ascii_case("true"))
}

impl ComposeRule for NoNewPrivilegesMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        for service in cx.services() {
            let mut found = None;
            for opt in &service.security_opt {
                if let Some(enabled) = no_new_privileges(&opt.value) {
                    found = Some((enabled, opt.origin));
                }
            }
            match found {
                Some((true, _)) => {}
                Some((false, origin)) => out.push(finding_at(
                    &META,
                    origin,
                    format!(
                        "service `{}` turns no-new-privileges off: set \
                         `no-new-privileges:true`",
                        service.name
                    ),
                )),
                None => out.push(finding_at(
                    &META,
                    service
                        .raw
                        .get("security_opt")
                        .map_or(service.name_origin, |t| t.origin),
                    format!(
                        "service `{}` lets setuid binaries raise privileges: add \
                         `security_opt: [\"no-new-privileges:true\"]`",
                        service.name
                    ),
                )),
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
        assert_documented_examples(&NoNewPrivilegesMissing);
    }

    #[test]
    fn fires() {
        assert_fires(
            &NoNewPrivilegesMissing,
            "services:\n  a:\n    image: x:1.0.0\n",
            &[2],
        );
        assert_fires(
            &NoNewPrivilegesMissing,
            "services:\n  a:\n    image: x:1.0.0\n    security_opt:\n      - no-new-privileges:false\n",
            &[5],
        );
        assert_fires(
            &NoNewPrivilegesMissing,
            "services:\n  a:\n    image: x:1.0.0\n    security_opt: [\"seccomp=unconfined\"]\n",
            &[4],
        );
        // The override turns it off.
        let found = findings_with(
            &NoNewPrivilegesMissing,
            &crate::Settings::default(),
            &[
                (
                    "compose.yaml",
                    "services:\n  a:\n    image: x:1.0.0\n    security_opt: [no-new-privileges:true]\n",
                ),
                (
                    "compose.override.yaml",
                    "services:\n  a:\n    security_opt: !override\n      - no-new-privileges:${NNP:-false}\n",
                ),
            ],
        );
        assert_eq!(places(&found), [("compose.override.yaml", 4)]);
    }

    #[test]
    fn passes() {
        for opt in [
            "no-new-privileges:true",
            "no-new-privileges=true",
            "no-new-privileges",
            "no-new-privileges:TRUE",
        ] {
            assert_clean(
                &NoNewPrivilegesMissing,
                &format!(
                    "services:\n  a:\n    image: x:1.0.0\n    security_opt:\n      \
                     - apparmor=docker-default\n      - {opt}\n"
                ),
            );
        }
    }
}
