use super::{ImageContext, ImageRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// The image exposes port 22 (SSH).
pub struct SshPortExposed;

static META: RuleMeta = RuleMeta {
    id: "SW3103",
    name: "image-ssh-port-exposed",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 20,
    aliases: &[],
    summary: "The image exposes port 22 (SSH).",
    why: "A container is not a virtual machine: an SSH server in it is one more daemon with \
          keys to manage and patch, and a way in that bypasses the orchestrator's access \
          control and audit. `docker exec` (or `kubectl exec`) gives operators a shell \
          without it. The Dockerfile rule ssh-port-exposed holds trivy's DS-0004 for the same \
          concern in the Dockerfile.",
    bad: "FROM debian:12.7-slim\nRUN apt-get update && apt-get install -y --no-install-recommends openssh-server\nEXPOSE 22\n",
    good: "FROM debian:12.7-slim\nCOPY app /app\nEXPOSE 8080\n",
};

impl ImageRule for SshPortExposed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ImageContext<'_>, out: &mut Vec<Finding>) {
        for port in cx.config.config.exposed_ports.keys() {
            let (number, proto) = port.split_once('/').unwrap_or((port, "tcp"));
            if number.trim() == "22" && proto.eq_ignore_ascii_case("tcp") {
                out.push(Finding::at(
                    &META,
                    "Config.ExposedPorts",
                    format!(
                        "the image exposes `{port}`, the SSH port; use `docker exec` instead of \
                         an SSH server in the container"
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

    #[test]
    fn fires() {
        let mut w = hardened();
        w.set("ExposedPorts", Some(r#"{"8080/tcp": {}, "22/tcp": {}}"#));
        assert_fires(&SshPortExposed, &w, &["Config.ExposedPorts"]);
    }

    #[test]
    fn passes() {
        assert_clean(&SshPortExposed, &hardened());
        let mut w = hardened();
        w.set("ExposedPorts", Some(r#"{"2222/tcp": {}, "22/udp": {}}"#));
        assert_clean(&SshPortExposed, &w);
    }
}
