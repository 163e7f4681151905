use seaworthy_compose::model::MountType;

use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A bind mount gives the container a container engine's socket (or a directory holding it):
/// whoever controls the container controls the daemon, and so the host.
pub struct DockerSocketMounted;

static META: RuleMeta = RuleMeta {
    id: "SW2301",
    name: "compose-docker-socket-mounted",
    severity: Severity::Error,
    category: Category::Runtime,
    practice: 14,
    aliases: &["CIS-5.31"],
    summary: "A service bind-mounts the Docker daemon socket.",
    why: "The Docker API is root on the host: a process that can reach `docker.sock` starts a \
          privileged container with `/` mounted and owns the machine. Mounting it read-only \
          does not help, since `:ro` only stops the socket file being replaced, not the API \
          calls made through it. Reported: a bind whose host path is a file named \
          `docker.sock` anywhere (the rootless `/run/user/<uid>/docker.sock` too), or \
          another engine's socket (`podman.sock`, `containerd.sock`, `crio.sock`), the \
          directories that hold them (`/run`, `/var/run`, `/run/docker`, `/run/podman`, \
          ...), and the Windows pipe \
          `\\\\.\\pipe\\docker_engine`. Host paths are compared after Compose's own \
          normalisation (`//var/run/docker.sock`, `./../../var/run/docker.sock`, a trailing \
          slash), in short and long syntax, after interpolation and merging of override \
          files. Differs from KICS: the long syntax is checked too. If a tool truly needs \
          the API, put a filtering proxy that allows only the calls it makes in front of it.",
    bad: "services:\n  agent:\n    image: portainer/agent:2.21.4\n    volumes:\n      \
          - /var/run/docker.sock:/var/run/docker.sock\n",
    good: "services:\n  agent:\n    image: portainer/agent:2.21.4\n    volumes:\n      \
           - agent-data:/data\nvolumes:\n  agent-data: {}\n",
};


/// Why this bind exposes the daemon, if it does.
fn exposes_socket(kind: MountType, source: &str) -> Option<&'static str> {
    if kind == MountType::Npipe {
        let s = source.to_ascii_lowercase();
        return s
            .trim_end_matches(['\\', '/'])
            .ends_with("docker_engine")
            .then_some("the Docker engine pipe");
    }
    if kind != MountType::Bind || !source.starts_with('/') {
        return None;
    }
    crate::host::engine_socket(source)
}

impl ComposeRule for DockerSocketMounted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        for service in cx.services() {
            for mount in &service.volumes {
                let Some(source) = &mount.source else {
                    continue;
                };
                if let Some(what) = exposes_socket(mount.kind, source) {
                    out.push(finding_at(
                        &META,
                        mount.origin,
                        format!(
                            "service `{}` mounts {what} (`{source}`): control of the daemon \
                             is root on the host",
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
        assert_documented_examples(&DockerSocketMounted);
    }

    #[test]
    fn fires() {
        let head = "services:\n  a:\n    image: x:1.0.0\n    volumes:\n";
        for v in [
            "      - /var/run/docker.sock:/var/run/docker.sock\n",
            "      - /run/docker.sock:/var/run/docker.sock:ro\n",
            "      - //var/run/docker.sock:/var/run/docker.sock\n",
            "      - /var/run/:/host/run\n",
            "      - /run:/host/run:ro\n",
            "      - /var/run/../run/docker.sock:/d.sock\n",
            "      - /run/user/1000/docker.sock:/var/run/docker.sock\n",
            "      - type: bind\n        source: /var/run/docker.sock\n        target: /s\n",
            "      - type: bind\n        source: //run/docker.sock/\n        target: /s\n        read_only: true\n",
            "      - /run/podman/podman.sock:/var/run/docker.sock\n",
            "      - /run/containerd/containerd.sock:/run/containerd/containerd.sock\n",
            "      - /var/run/docker:/var/run/docker\n",
        ] {
            assert_fires(&DockerSocketMounted, &format!("{head}{v}"), &[5]);
        }
        // Relative to the project directory, climbing to the root.
        let found = findings_with(
            &DockerSocketMounted,
            &crate::Settings::default(),
            &[(
                "compose.yaml",
                "services:\n  a:\n    image: x:1.0.0\n    volumes:\n      \
                 - ../../../../../../../../../../var/run/docker.sock:/s\n",
            )],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        // From an override file.
        let found = findings_with(
            &DockerSocketMounted,
            &crate::Settings::default(),
            &[
                ("compose.yaml", "services:\n  a:\n    image: x:1.0.0\n"),
                (
                    "compose.override.yaml",
                    "services:\n  a:\n    volumes:\n      - /var/run/docker.sock:/s\n",
                ),
            ],
        );
        assert_eq!(places(&found), [("compose.override.yaml", 4)]);
        // Interpolated from `.env`.
        let found = findings_with(
            &DockerSocketMounted,
            &crate::Settings::default(),
            &[
                (
                    "compose.yaml",
                    "services:\n  a:\n    image: x:1.0.0\n    volumes:\n      \
                     - ${SOCK}:/var/run/docker.sock\n",
                ),
                (".env", "SOCK=/var/run/docker.sock\n"),
            ],
        );
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn passes() {
        let head = "services:\n  a:\n    image: x:1.0.0\n    volumes:\n";
        for v in [
            "      - data:/var/run/docker.sock\n",
            "      - ./docker.sock.d:/x\n",
            "      - /run/secrets-dir:/secrets:ro\n",
            "      - /var/lib/app:/data\n",
            "      - type: tmpfs\n        target: /var/run\n",
        ] {
            assert_clean(
                &DockerSocketMounted,
                &format!("{head}{v}volumes:\n  data: {{}}\n"),
            );
        }
        assert_clean(
            &DockerSocketMounted,
            "services:\n  a:\n    image: x:1.0.0\n",
        );
    }
}
