use super::{at, security_opt, ContainerContext, ContainerRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// seccomp or AppArmor turned off (`unconfined`), or SELinux labelling disabled.
pub struct ContainerSecurityProfileDisabled;

static META: RuleMeta = RuleMeta {
    id: "SW4005",
    name: "container-security-profile-disabled",
    severity: Severity::Error,
    category: Category::Runtime,
    practice: 17,
    aliases: &["CIS-5.1"],
    summary: "A container runs with seccomp or AppArmor unconfined, or SELinux labels off.",
    why: "The default seccomp profile blocks the system calls most kernel exploits need \
          (keyctl, unshare, bpf, ...), and the default AppArmor and SELinux policies stop a \
          process that breaks out of the application from touching the host's files. \
          `seccomp=unconfined`, `apparmor=unconfined` (also seen as `AppArmorProfile: \
          unconfined`) and `label=disable` remove that layer. Use a custom profile that \
          allows the one call the application needs instead. An empty AppArmorProfile (a \
          host without AppArmor) is not reported. Covers CIS Docker Benchmark 5.1 \
          (AppArmor); its 5.21 (seccomp) alias belongs to compose-security-profile-disabled. \
          A privileged container is container-privileged's.",
    bad: "docker run -d --name api --security-opt seccomp=unconfined registry.example/shop/api:1.4.2\n",
    good: "docker run -d --name api --security-opt seccomp=/etc/docker/seccomp/api.json \\\n  registry.example/shop/api:1.4.2\n",
};

impl ContainerRule for ContainerSecurityProfileDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ContainerContext<'_>, out: &mut Vec<Finding>) {
        let host = cx.container.host();
        if host.privileged {
            return;
        }
        let mut apparmor_reported = false;
        for opt in &host.security_opt {
            let (key, value) = security_opt(opt);
            let value = value.to_ascii_lowercase();
            let what = match (key.as_str(), value.as_str()) {
                ("seccomp", "unconfined") => "seccomp",
                ("apparmor", "unconfined") => {
                    apparmor_reported = true;
                    "AppArmor"
                }
                ("label", "disable") => "SELinux labelling",
                _ => continue,
            };
            out.push(at(
                &META,
                format!("HostConfig.SecurityOpt[{}]", opt.trim()),
                format!(
                    "runs with {what} turned off (`{}`): use the default or a custom profile",
                    opt.trim()
                ),
            ));
        }
        if !apparmor_reported
            && cx
                .container
                .app_armor_profile
                .eq_ignore_ascii_case("unconfined")
        {
            out.push(at(
                &META,
                "AppArmorProfile",
                "runs with AppArmor unconfined: use the default or a custom profile",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use seaworthy_runtime::serde_json::json;

    #[test]
    fn fires() {
        assert_fires(
            &ContainerSecurityProfileDisabled,
            &[(
                "/HostConfig/SecurityOpt",
                json!(["no-new-privileges", "seccomp=unconfined", "label:disable"]),
            )],
            &[
                "HostConfig.SecurityOpt[seccomp=unconfined]",
                "HostConfig.SecurityOpt[label:disable]",
            ],
        );
        assert_fires(
            &ContainerSecurityProfileDisabled,
            &[
                ("/HostConfig/SecurityOpt", json!(["apparmor:unconfined"])),
                ("/AppArmorProfile", json!("unconfined")),
            ],
            &["HostConfig.SecurityOpt[apparmor:unconfined]"],
        );
        assert_fires(
            &ContainerSecurityProfileDisabled,
            &[("/AppArmorProfile", json!("unconfined"))],
            &["AppArmorProfile"],
        );
    }

    #[test]
    fn passes() {
        assert_clean(
            &ContainerSecurityProfileDisabled,
            &[(
                "/HostConfig/SecurityOpt",
                json!(["seccomp=/etc/seccomp/api.json", "label=type:svirt_apache_t"]),
            )],
        );
        assert_clean(
            &ContainerSecurityProfileDisabled,
            &[("/AppArmorProfile", json!(""))],
        );
        assert_clean(
            &ContainerSecurityProfileDisabled,
            &[
                ("/HostConfig/Privileged", json!(true)),
                ("/AppArmorProfile", json!("unconfined")),
            ],
        );
    }
}
