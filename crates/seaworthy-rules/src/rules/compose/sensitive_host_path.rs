use seaworthy_compose::model::MountType;

use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A bind mount of a host system directory (`/`, `/etc`, `/proc`, ...).
pub struct SensitiveHostPath;

static META: RuleMeta = RuleMeta {
    id: "SW2302",
    name: "compose-sensitive-host-path",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 14,
    aliases: &["CIS-5.5"],
    summary: "A service bind-mounts a sensitive host directory.",
    why: "A bind of a host system directory hands the container the host's configuration, \
          credentials, kernel interfaces or other containers' data; written to, it changes the \
          host itself. Reported: a bind of exactly `/`, `/bin`, `/etc`, `/home`, `/lib`, \
          `/lib64`, `/sbin`, `/usr` or `/var` (read-only too: `/etc` read-only still exposes \
          `/etc/shadow`), and a bind of `/boot`, `/dev`, `/proc`, `/sys`, `/root`, \
          `/var/lib/docker` or `/var/lib/containerd` or anything beneath them. Files and \
          directories beneath the first group are not reported, so the usual read-only \
          `/etc/localtime`, `/etc/timezone` or `/etc/ssl/certs` binds and data directories \
          such as `/var/lib/mysql` pass. The Docker socket and `/run` are \
          compose-docker-socket-mounted's. Host monitoring agents (node-exporter, cAdvisor) \
          legitimately read `/proc`, `/sys` and `/`: suppress the finding for them. Differs \
          from CIS 5.5: read-only binds of the listed directories are reported too.",
    bad: "services:\n  app:\n    image: nginx:1.27.2\n    volumes:\n      - /etc:/host/etc\n",
    good: "services:\n  app:\n    image: nginx:1.27.2\n    volumes:\n      \
           - /etc/localtime:/etc/localtime:ro\n",
};




impl ComposeRule for SensitiveHostPath {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        for service in cx.services() {
            for mount in &service.volumes {
                let Some(source) = &mount.source else {
                    continue;
                };
                if mount.kind != MountType::Bind || !source.starts_with('/') {
                    continue;
                }
                if crate::host::is_sensitive_host_path(source) {
                    out.push(finding_at(
                        &META,
                        mount.origin,
                        format!(
                            "service `{}` mounts the host's `{source}`{}: mount only the \
                             files it needs, or a named volume",
                            service.name,
                            if mount.read_only { "" } else { " writable" }
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
        assert_documented_examples(&SensitiveHostPath);
    }

    #[test]
    fn fires() {
        let head = "services:\n  a:\n    image: x:1.0.0\n    volumes:\n";
        for v in [
            "      - /:/rootfs:ro\n",
            "      - /etc/:/host/etc\n",
            "      - //etc:/host/etc:ro\n",
            "      - /proc:/host/proc:ro\n",
            "      - /sys/fs/cgroup:/sys/fs/cgroup\n",
            "      - /dev/mem:/dev/mem\n",
            "      - /root/.ssh:/root/.ssh:ro\n",
            "      - /var/lib/docker:/var/lib/docker\n",
            "      - /usr:/usr\n",
            "      - type: bind\n        source: /boot\n        target: /b\n        read_only: true\n",
            "      - type: bind\n        source: /var/lib/docker/volumes\n        target: /v\n",
        ] {
            assert_fires(&SensitiveHostPath, &format!("{head}{v}"), &[5]);
        }
        // From an override file, interpolated.
        let found = findings_with(
            &SensitiveHostPath,
            &crate::Settings::default(),
            &[
                ("compose.yaml", "services:\n  a:\n    image: x:1.0.0\n"),
                (
                    "compose.override.yaml",
                    "services:\n  a:\n    volumes:\n      - ${HOSTDIR:-/etc}:/h\n",
                ),
            ],
        );
        assert_eq!(places(&found), [("compose.override.yaml", 4)]);
    }

    #[test]
    fn passes() {
        let head = "services:\n  a:\n    image: x:1.0.0\n    volumes:\n";
        for v in [
            "      - /etc/localtime:/etc/localtime:ro\n",
            "      - /etc/timezone:/etc/timezone:ro\n",
            "      - /etc/ssl/certs:/etc/ssl/certs:ro\n",
            "      - /var/lib/mysql:/var/lib/mysql\n",
            "      - /usr/share/zoneinfo:/usr/share/zoneinfo:ro\n",
            "      - ./etc:/etc/app\n",
            "      - etc:/etc\n",
            "      - /var/run/docker.sock:/var/run/docker.sock\n",
            "      - /system:/s\n",
            "      - type: tmpfs\n        target: /proc/x\n",
        ] {
            assert_clean(
                &SensitiveHostPath,
                &format!("{head}{v}volumes:\n  etc: {{}}\n"),
            );
        }
    }
}
