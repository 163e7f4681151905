use super::{at, ContainerContext, ContainerRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A published port bound to every host interface: `HostIp` empty (podman, older Docker),
/// `0.0.0.0` or `::`.
pub struct ContainerPortOnAllInterfaces;

static META: RuleMeta = RuleMeta {
    id: "SW4013",
    name: "container-port-on-all-interfaces",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 20,
    aliases: &[],
    summary: "A container publishes a port on every host interface.",
    why: "`-p 8080:80` listens on every address of the host, the public one included, and \
          Docker's iptables rules let the traffic past a host firewall such as ufw. An \
          admin panel or database published this way is on the internet. Bind the port to \
          the interface that should reach it (`-p 127.0.0.1:8080:80` behind a reverse \
          proxy, or a private address). Read from `HostConfig.PortBindings`, so a created, \
          stopped container is checked too. This is CIS Docker Benchmark 5.13, whose alias \
          compose-port-published-on-all-interfaces holds.",
    bad: "docker run -d --name api -p 8080:8080 registry.example/shop/api:1.4.2\n",
    good: "docker run -d --name api -p 127.0.0.1:8080:8080 registry.example/shop/api:1.4.2\n",
};

impl ContainerRule for ContainerPortOnAllInterfaces {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ContainerContext<'_>, out: &mut Vec<Finding>) {
        let h = cx.container.host();
        if h.network_mode.eq_ignore_ascii_case("host") {
            return;
        }
        for (port, bindings) in &h.port_bindings {
            for b in bindings.iter().flatten() {
                let ip = b
                    .host_ip
                    .trim()
                    .trim_start_matches('[')
                    .trim_end_matches(']');
                if ip.is_empty() || ip == "0.0.0.0" || ip == "::" {
                    let host_port = if b.host_port.is_empty() {
                        "an ephemeral port"
                    } else {
                        &b.host_port
                    };
                    out.push(at(
                        &META,
                        format!("HostConfig.PortBindings[{port}]"),
                        format!(
                            "publishes {port} on {host_port} of every host interface: bind it \
                             to one (`-p 127.0.0.1:{}:{}`)",
                            if b.host_port.is_empty() {
                                "0"
                            } else {
                                &b.host_port
                            },
                            port.split('/').next().unwrap_or(port)
                        ),
                    ));
                    break;
                }
            }
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
            &ContainerPortOnAllInterfaces,
            &[(
                "/HostConfig/PortBindings",
                json!({
                    "80/tcp": [{"HostIp": "", "HostPort": "18080"}],
                    "443/tcp": [{"HostIp": "0.0.0.0", "HostPort": "443"}, {"HostIp": "::", "HostPort": "443"}],
                    "53/udp": [{"HostIp": "127.0.0.1", "HostPort": "53"}],
                    "9000/tcp": [{"HostPort": ""}],
                }),
            )],
            &[
                "HostConfig.PortBindings[443/tcp]",
                "HostConfig.PortBindings[80/tcp]",
                "HostConfig.PortBindings[9000/tcp]",
            ],
        );
    }

    #[test]
    fn passes() {
        assert_clean(
            &ContainerPortOnAllInterfaces,
            &[(
                "/HostConfig/PortBindings",
                json!({"80/tcp": [{"HostIp": "10.0.0.5", "HostPort": "80"}], "81/tcp": null, "82/tcp": [{"HostIp": "::1", "HostPort": "82"}]}),
            )],
        );
        assert_clean(
            &ContainerPortOnAllInterfaces,
            &[
                ("/HostConfig/NetworkMode", json!("host")),
                (
                    "/HostConfig/PortBindings",
                    json!({"80/tcp": [{"HostIp": "", "HostPort": "80"}]}),
                ),
            ],
        );
    }
}
