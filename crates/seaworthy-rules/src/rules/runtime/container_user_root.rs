use super::{at, ContainerContext, ContainerRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// The container's process runs as root: `Config.User` empty (the image set no user, or the
/// container cleared it), `root`, `0`, or either with a group (`0:0`, `root:root`, `0:1000`).
pub struct ContainerUserRoot;

static META: RuleMeta = RuleMeta {
    id: "SW4000",
    name: "container-user-root",
    severity: Severity::Warning,
    category: Category::Identity,
    practice: 1,
    aliases: &[],
    summary: "A container runs as root.",
    why: "Root in a container is root on the host's kernel: one bug in the application or a \
          kernel escape gives the attacker uid 0 against every file of a bind mount, every \
          socket handed in and every capability left. `Config.User` is what the container \
          really runs as (the image's USER unless `--user` overrode it); empty means root. \
          Run it as a numeric non-root user (`--user 10001:10001`), or fix the image's USER. \
          Differs from CIS 4.1 as docker-bench-security checks it: `0:0`, `root:root` and \
          `0:<gid>` are root too. A daemon with userns-remap maps container root to an \
          unprivileged host user, which softens this but does not remove it.",
    bad: "docker run -d --name api registry.example/shop/api:1.4.2\n",
    good: "docker run -d --name api --user 10001:10001 registry.example/shop/api:1.4.2\n",
};

/// Whether a `user[:group]` is root.
pub(crate) fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("").trim();
    name.is_empty() || name == "root" || name == "0"
}

impl ContainerRule for ContainerUserRoot {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ContainerContext<'_>, out: &mut Vec<Finding>) {
        let user = cx.container.config.user.trim();
        if is_root(user) {
            let why = if user.is_empty() {
                "runs as root: neither the image nor the container sets a user".to_owned()
            } else {
                format!("runs as root (`{user}`)")
            };
            out.push(at(
                &META,
                "Config.User",
                format!("{why}; run it as a numeric non-root user (`--user 10001:10001`)"),
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
        for user in ["", "root", "0", "0:0", "root:root", "0:1000", " root "] {
            assert_fires(
                &ContainerUserRoot,
                &[("/Config/User", json!(user))],
                &["Config.User"],
            );
        }
        assert_fires(
            &ContainerUserRoot,
            &[("/Config/User", json!(null))],
            &["Config.User"],
        );
    }

    #[test]
    fn passes() {
        for user in [
            "10001",
            "10001:10001",
            "app",
            "app:app",
            "1000:0",
            "rootless",
        ] {
            assert_clean(&ContainerUserRoot, &[("/Config/User", json!(user))]);
        }
    }
}
