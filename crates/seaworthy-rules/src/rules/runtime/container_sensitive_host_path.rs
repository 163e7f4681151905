use super::container_docker_socket_mounted::is_socket_mount;
use super::{at, ContainerContext, ContainerRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A bind mount of a host system directory (`/`, `/etc`, `/proc`, …).
pub struct ContainerSensitiveHostPath;

static META: RuleMeta = RuleMeta {
    id: "SW4011",
    name: "container-sensitive-host-path",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 14,
    aliases: &[],
    summary: "A container has a sensitive host directory bind-mounted.",
    why: "A bind of a host system directory hands the container the host's configuration, \
          credentials, kernel interfaces or other containers' data; written to, it changes \
          the host itself. Reported: a bind of exactly `/`, `/bin`, `/etc`, `/home`, `/lib`, \
          `/lib64`, `/sbin`, `/usr` or `/var` (read-only too: `/etc` read-only still exposes \
          `/etc/shadow`), and a bind of `/boot`, `/dev`, `/proc`, `/sys`, `/root`, \
          `/var/lib/docker` or `/var/lib/containerd` or anything beneath them. The usual \
          read-only `/etc/localtime` or `/etc/ssl/certs` binds pass. The engine's socket is \
          container-docker-socket-mounted's. Monitoring agents legitimately read `/proc` \
          and `/sys`: suppress the finding for them. This is CIS Docker Benchmark 5.5 \
          (writable binds only), whose alias compose-sensitive-host-path holds.",
    bad: "docker run -d --name api -v /etc:/host/etc registry.example/shop/api:1.4.2\n",
    good: "docker run -d --name api -v /etc/localtime:/etc/localtime:ro \\\n  registry.example/shop/api:1.4.2\n",
};



impl ContainerRule for ContainerSensitiveHostPath {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ContainerContext<'_>, out: &mut Vec<Finding>) {
        for m in &cx.container.mounts {
            if m.kind != "bind" || is_socket_mount(&m.source, &m.destination) {
                continue;
            }
            if crate::host::is_sensitive_host_path(&m.source) {
                out.push(at(
                    &META,
                    format!("Mounts[{}]", m.destination),
                    format!(
                        "has the host's {} bind-mounted at {}{}: mount only the files it needs",
                        m.source,
                        m.destination,
                        if m.rw { ", writable" } else { "" }
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use seaworthy_runtime::serde_json::json;

    fn bind(source: &str, destination: &str, rw: bool) -> seaworthy_runtime::serde_json::Value {
        json!({"Type": "bind", "Source": source, "Destination": destination, "RW": rw})
    }

    #[test]
    fn fires() {
        assert_fires(
            &ContainerSensitiveHostPath,
            &[(
                "/Mounts",
                json!([
                    bind("/", "/host", false),
                    bind("/etc/", "/host/etc", true),
                    bind("/proc/1/ns", "/ns", false),
                    bind("/var/lib/docker/volumes", "/vols", false),
                    bind("/srv/../root", "/r", false),
                ]),
            )],
            &[
                "Mounts[/host]",
                "Mounts[/host/etc]",
                "Mounts[/ns]",
                "Mounts[/vols]",
                "Mounts[/r]",
            ],
        );
    }

    #[test]
    fn passes() {
        assert_clean(
            &ContainerSensitiveHostPath,
            &[(
                "/Mounts",
                json!([
                    bind("/etc/localtime", "/etc/localtime", false),
                    bind("/var/lib/mysql", "/var/lib/mysql", true),
                    bind("/var/run/docker.sock", "/var/run/docker.sock", true),
                    {"Type": "volume", "Source": "/var/lib/docker/volumes/x/_data", "Destination": "/data", "RW": true},
                ]),
            )],
        );
    }
}
