use super::{at, ContainerContext, ContainerRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// PID 1 is not an init: no `--init`, and the program the container runs (`Path`) is not one.
///
/// Inits recognised by the program's base name: `tini` (and `tini-static`, …), `dumb-init`,
/// `docker-init`, `catatonit`, `s6-svscan`, `supervisord`, `systemd`, and `init` (s6-overlay's
/// `/init`, `/sbin/init`).
pub struct ContainerInitMissing;

static META: RuleMeta = RuleMeta {
    id: "SW4019",
    name: "container-init-missing",
    severity: Severity::Info,
    category: Category::Runtime,
    practice: 15,
    aliases: &[],
    summary: "A container runs without an init process as PID 1.",
    why: "PID 1 in a container must reap orphaned children, which otherwise pile up as \
          zombies until the PID limit is hit, and must handle SIGTERM itself, since the \
          kernel gives PID 1 no default action: a server that never installed a handler \
          ignores `docker stop` and is killed after the grace period, losing in-flight \
          work. `--init` runs a tiny init (tini) as PID 1 that does both; an image whose \
          entrypoint is tini or dumb-init is fine as it is. Reported as info: a program \
          that handles signals and spawns no children does not need one.",
    bad: "docker run -d --name api registry.example/shop/api:1.4.2\n",
    good: "docker run -d --name api --init registry.example/shop/api:1.4.2\n",
};

fn is_init(program: &str) -> bool {
    let base = program.rsplit('/').next().unwrap_or(program);
    base == "init"
        || base.starts_with("tini")
        || matches!(
            base,
            "dumb-init"
                | "docker-init"
                | "podman-init"
                | "catatonit"
                | "s6-svscan"
                | "supervisord"
                | "systemd"
        )
}

impl ContainerRule for ContainerInitMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ContainerContext<'_>, out: &mut Vec<Finding>) {
        let c = cx.container;
        if c.host().init == Some(true) || c.path.trim().is_empty() || is_init(c.path.trim()) {
            return;
        }
        out.push(at(
            &META,
            "HostConfig.Init",
            format!(
                "runs `{}` as PID 1 without an init: zombies are not reaped and SIGTERM may be \
                 ignored; add `--init`",
                c.path.trim()
            ),
        ));
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
            &ContainerInitMissing,
            &[("/HostConfig/Init", json!(null))],
            &["HostConfig.Init"],
        );
        assert_fires(
            &ContainerInitMissing,
            &[
                ("/HostConfig/Init", json!(false)),
                ("/Path", json!("/usr/local/bin/node")),
            ],
            &["HostConfig.Init"],
        );
    }

    #[test]
    fn passes() {
        for path in [
            "/sbin/tini",
            "tini-static",
            "/usr/bin/dumb-init",
            "/init",
            "/usr/bin/supervisord",
        ] {
            assert_clean(
                &ContainerInitMissing,
                &[("/HostConfig/Init", json!(null)), ("/Path", json!(path))],
            );
        }
    }
}
