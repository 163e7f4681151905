use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `security_opt` turns off the seccomp, AppArmor or SELinux confinement Docker gives every
/// container by default.
pub struct SecurityProfileDisabled;

static META: RuleMeta = RuleMeta {
    id: "SW2308",
    name: "compose-security-profile-disabled",
    severity: Severity::Error,
    category: Category::Runtime,
    practice: 17,
    aliases: &["CIS-5.21"],
    summary: "A service runs with seccomp, AppArmor or SELinux confinement turned off.",
    why: "Docker confines every container with a seccomp profile that blocks about 40 risky \
          system calls (`keyctl`, `mount`, `ptrace` of other processes, kernel module loading) \
          and, on hosts that have them, an AppArmor or SELinux profile. `seccomp:unconfined`, \
          `apparmor:unconfined` or `label:disable` remove that layer, so a kernel bug reachable \
          through one of those calls becomes a container escape. When a service needs one more \
          system call, give it a custom profile (`seccomp:./profile.json`) that allows just \
          that call. Both `:` and `=` spellings are read, as Docker reads them.",
    bad: "services:\n  app:\n    image: nginx:1.27.2\n    security_opt:\n      - seccomp:unconfined\n",
    good: "services:\n  app:\n    image: nginx:1.27.2\n    security_opt:\n      - no-new-privileges:true\n",
};

/// What an option turns off, `None` for any other option.
fn disabled(opt: &str) -> Option<&'static str> {
    let opt = opt.trim().to_ascii_lowercase();
    let (key, value) = opt.split_once([':', '='])?;
    match (key.trim(), value.trim()) {
        ("seccomp", "unconfined") => Some("the seccomp profile"),
        ("apparmor", "unconfined") => Some("the AppArmor profile"),
        ("label", "disable") => Some("SELinux labelling"),
        _ => None,
    }
}

impl ComposeRule for SecurityProfileDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        for service in cx.services() {
            for opt in &service.security_opt {
                if let Some(what) = disabled(&opt.value) {
                    out.push(finding_at(
                        &META,
                        opt.origin,
                        format!(
                            "service `{}` turns off {what}; give it a profile that allows \
                             only what it needs instead",
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
        assert_documented_examples(&SecurityProfileDisabled);
    }

    #[test]
    fn fires() {
        assert_fires(
            &SecurityProfileDisabled,
            "services:\n  a:\n    image: x:1.0.0\n    security_opt:\n      - no-new-privileges:true\n      - seccomp=unconfined\n      - apparmor:unconfined\n",
            &[6, 7],
        );
        assert_fires(
            &SecurityProfileDisabled,
            "services:\n  a:\n    image: x:1.0.0\n    security_opt: [\"label:disable\"]\n",
            &[4],
        );
        // From an override file.
        let found = findings_with(
            &SecurityProfileDisabled,
            &crate::Settings::default(),
            &[
                ("compose.yaml", "services:\n  a:\n    image: x:1.0.0\n"),
                (
                    "compose.override.yaml",
                    "services:\n  a:\n    security_opt:\n      - seccomp:unconfined\n",
                ),
            ],
        );
        assert_eq!(places(&found), [("compose.override.yaml", 4)]);
    }

    #[test]
    fn passes() {
        assert_clean(
            &SecurityProfileDisabled,
            "services:\n  a:\n    image: x:1.0.0\n    security_opt:\n      - seccomp:./profile.json\n      - apparmor:docker-default\n      - label:type:svirt_apache_t\n",
        );
        assert_clean(
            &SecurityProfileDisabled,
            "services:\n  a:\n    image: x:1.0.0\n",
        );
    }
}
