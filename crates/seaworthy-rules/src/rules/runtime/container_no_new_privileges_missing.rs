use super::{at, security_opt, ContainerContext, ContainerRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// Neither the container's `SecurityOpt` nor the daemon's `no-new-privileges` default stops
/// its processes from gaining privileges through setuid binaries.
pub struct ContainerNoNewPrivilegesMissing;

static META: RuleMeta = RuleMeta {
    id: "SW4004",
    name: "container-no-new-privileges-missing",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 18,
    aliases: &[],
    summary: "A container's processes may gain privileges (no `no-new-privileges`).",
    why: "Without the kernel's no_new_privs bit, a process in the container can become root \
          again through any setuid or setgid binary the image ships (su, passwd, mount, ping \
          on old images) or a file capability: the non-root user and dropped capabilities \
          are undone by one exec. `--security-opt no-new-privileges` sets the bit for every \
          process of the container; `\"no-new-privileges\": true` in daemon.json sets it for \
          all containers. Accepted forms: `no-new-privileges`, `no-new-privileges:true` and \
          `no-new-privileges=true` (podman reports the first). This is CIS Docker Benchmark \
          5.25, whose alias compose-no-new-privileges-missing holds.",
    bad: "docker run -d --name api --user 10001 registry.example/shop/api:1.4.2\n",
    good: "docker run -d --name api --user 10001 --security-opt no-new-privileges \\\n  registry.example/shop/api:1.4.2\n",
};

impl ContainerRule for ContainerNoNewPrivilegesMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ContainerContext<'_>, out: &mut Vec<Finding>) {
        if cx.daemon.no_new_privileges() {
            return;
        }
        let set = cx.container.host().security_opt.iter().any(|o| {
            let (key, value) = security_opt(o);
            key == "no-new-privileges"
                && matches!(value.to_ascii_lowercase().as_str(), "true" | "1")
        });
        if !set {
            out.push(at(
                &META,
                "HostConfig.SecurityOpt",
                "may gain privileges through setuid binaries: add `--security-opt \
                 no-new-privileges` (or set `\"no-new-privileges\": true` in daemon.json)",
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
        for opts in [
            json!(null),
            json!([]),
            json!(["no-new-privileges:false"]),
            json!(["seccomp=default.json"]),
        ] {
            assert_fires(
                &ContainerNoNewPrivilegesMissing,
                &[("/HostConfig/SecurityOpt", opts)],
                &["HostConfig.SecurityOpt"],
            );
        }
    }

    #[test]
    fn passes() {
        for opt in [
            "no-new-privileges",
            "no-new-privileges:true",
            "no-new-privileges=true",
            "NO-NEW-PRIVILEGES:TRUE",
        ] {
            assert_clean(
                &ContainerNoNewPrivilegesMissing,
                &[(
                    "/HostConfig/SecurityOpt",
                    json!(["apparmor=docker-default", opt]),
                )],
            );
        }
        // The daemon sets it for every container.
        let daemon = daemon_from(r#"{"no-new-privileges": true}"#);
        let c = container_with(&[("/HostConfig/SecurityOpt", json!(null))]);
        assert!(findings_in(
            &ContainerNoNewPrivilegesMissing,
            &c,
            &daemon,
            &crate::Settings::default()
        )
        .is_empty());
    }
}
