use super::{at, ContainerContext, ContainerRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// The container's root filesystem is writable (`HostConfig.ReadonlyRootfs` false).
pub struct ContainerReadOnlyMissing;

static META: RuleMeta = RuleMeta {
    id: "SW4006",
    name: "container-read-only-missing",
    severity: Severity::Info,
    category: Category::Runtime,
    practice: 16,
    aliases: &[],
    summary: "A container's root filesystem is writable.",
    why: "A writable root filesystem lets an attacker who gets code execution drop tools, \
          replace binaries or plant persistence in the image's files, and lets the \
          application write data where no volume keeps it. `--read-only` makes the image's \
          files immutable; give the paths that must be written a tmpfs (`--tmpfs /tmp`) or a \
          volume. This is CIS Docker Benchmark 5.12, whose alias compose-read-only-missing \
          holds.",
    bad: "docker run -d --name api registry.example/shop/api:1.4.2\n",
    good: "docker run -d --name api --read-only --tmpfs /tmp registry.example/shop/api:1.4.2\n",
};

impl ContainerRule for ContainerReadOnlyMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ContainerContext<'_>, out: &mut Vec<Finding>) {
        if !cx.container.host().readonly_rootfs {
            out.push(at(
                &META,
                "HostConfig.ReadonlyRootfs",
                "has a writable root filesystem: run it with `--read-only` and a tmpfs or \
                 volume for the paths it writes",
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
            &ContainerReadOnlyMissing,
            &[("/HostConfig/ReadonlyRootfs", json!(false))],
            &["HostConfig.ReadonlyRootfs"],
        );
        assert_fires(
            &ContainerReadOnlyMissing,
            &[("/HostConfig/ReadonlyRootfs", json!(null))],
            &["HostConfig.ReadonlyRootfs"],
        );
    }

    #[test]
    fn passes() {
        assert_clean(
            &ContainerReadOnlyMissing,
            &[("/HostConfig/ReadonlyRootfs", json!(true))],
        );
    }
}
