use super::{at, ContainerContext, ContainerRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A bind mount of the container engine's API socket (Docker, podman, containerd, CRI-O), or of
/// the directory that holds it (`/run`, `/var/run`, `/run/docker`, `/run/podman`, …).
pub struct ContainerDockerSocketMounted;

static META: RuleMeta = RuleMeta {
    id: "SW4010",
    name: "container-docker-socket-mounted",
    severity: Severity::Error,
    category: Category::Runtime,
    practice: 14,
    aliases: &[],
    summary: "A container has the container engine's socket mounted.",
    why: "Whoever can talk to the engine's API socket can start a privileged container with \
          the host's root filesystem mounted: the socket is root on the host, and every \
          process in this container has it. Read-only mounts do not help (the API is used \
          over the socket, not by writing the file). Give tools that need the engine a \
          socket proxy that allows only the calls they make, or run them outside \
          containers. Matched by the socket's file name (`docker.sock`, `podman.sock`, \
          `containerd.sock`, `crio.sock`) on either side of the mount, and binds of the \
          directories that hold them. This is CIS Docker Benchmark 5.31, whose alias \
          compose-docker-socket-mounted holds.",
    bad: "docker run -d --name ci -v /var/run/docker.sock:/var/run/docker.sock \\\n  registry.example/ci/runner:16.4.0\n",
    good: "docker run -d --name ci -e DOCKER_HOST=tcp://socket-proxy:2375 \\\n  registry.example/ci/runner:16.4.0\n",
};

/// Whether binding host path `source` to `destination` hands over an engine socket: the socket
/// or its directory on the host side, or a socket's name on the container side.
pub(crate) fn is_socket_mount(source: &str, destination: &str) -> bool {
    crate::host::engine_socket(source).is_some()
        || crate::host::engine_socket(destination).is_some_and(|what| !what.starts_with("the directory"))
}

impl ContainerRule for ContainerDockerSocketMounted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ContainerContext<'_>, out: &mut Vec<Finding>) {
        for m in &cx.container.mounts {
            if m.kind != "bind" {
                continue;
            }
            if is_socket_mount(&m.source, &m.destination) {
                out.push(at(
                    &META,
                    format!("Mounts[{}]", m.destination),
                    format!(
                        "has the container engine's socket mounted ({} at {}): it controls \
                         the host; use a socket proxy that allows only the calls it needs",
                        m.source, m.destination
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
        json!({"Type": "bind", "Source": source, "Destination": destination, "RW": rw, "Propagation": "rprivate"})
    }

    #[test]
    fn fires() {
        assert_fires(
            &ContainerDockerSocketMounted,
            &[(
                "/Mounts",
                json!([
                    bind("/var/run/docker.sock", "/var/run/docker.sock", true),
                    bind("/srv/api/config", "/etc/api", false),
                    bind("/run/user/1000/podman/podman.sock", "/tmp/engine", false),
                    bind("/tmp/sw/podman.sock", "/var/run/docker.sock", true),
                    bind("/var/run", "/host/run", false),
                ]),
            )],
            &[
                "Mounts[/var/run/docker.sock]",
                "Mounts[/tmp/engine]",
                "Mounts[/var/run/docker.sock]",
                "Mounts[/host/run]",
            ],
        );
    }

    #[test]
    fn passes() {
        assert_clean(
            &ContainerDockerSocketMounted,
            &[(
                "/Mounts",
                json!([
                    bind("/run/secrets/api", "/run/secrets/api", false),
                    bind("/srv/docker/data", "/data", true),
                    {"Type": "volume", "Name": "docker.sock", "Source": "/var/lib/docker/volumes/x/_data", "Destination": "/data", "RW": true},
                ]),
            )],
        );
    }
}
