use super::database_without_volume::data_directories;
use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A port published without a host IP (or with `0.0.0.0` / `::`): reachable on every
/// interface of the host, the public one included.
///
/// - An error when the service runs a database image (see compose-database-without-volume's
///   table): a database reachable from the network is the classic breach.
/// - A warning otherwise: a web service may be meant to be public, but then say so with the
///   host IP of the interface it serves on, or put a reverse proxy in front.
/// - `ports: ["8080"]` (no host port) also publishes, on a random host port of every
///   interface, and is reported. `expose:` publishes nothing and is not.
pub struct PortOnAllInterfaces;

static META: RuleMeta = RuleMeta {
    id: "SW2501",
    name: "compose-port-published-on-all-interfaces",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 20,
    aliases: &["no-unbound-port-interfaces", "CIS-5.13"],
    summary: "A port is published on every host interface (no `host_ip`).",
    why: "`ports: [\"5432:5432\"]` listens on 0.0.0.0: every interface of the host, including \
          the public one, and Docker's iptables rules bypass host firewalls such as ufw. A \
          database or an admin port published that way is open to the internet. Bind to the \
          interface that needs it (`127.0.0.1:5432:5432`, or `host_ip: 127.0.0.1`), or do not \
          publish at all and let services talk over a Compose network. Findings on database \
          images are errors. Differs from dclint: the long syntax, override files and \
          interpolated host IPs are honoured, and an explicit `0.0.0.0` or `::` is reported \
          as well.",
    bad: "services:\n  db:\n    image: postgres:16.4\n    ports:\n      - \"5432:5432\"\n",
    good:
        "services:\n  db:\n    image: postgres:16.4\n    ports:\n      - \"127.0.0.1:5432:5432\"\n",
};

fn is_all_interfaces(host_ip: Option<&str>) -> bool {
    match host_ip.map(str::trim) {
        None | Some("") => true,
        Some(ip) => matches!(ip, "0.0.0.0" | "::" | "[::]"),
    }
}

impl ComposeRule for PortOnAllInterfaces {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        for service in cx.services() {
            let database = data_directories(service).is_some();
            for port in &service.ports {
                if !is_all_interfaces(port.host_ip.as_deref()) {
                    continue;
                }
                let published = port.published.as_ref().map_or_else(
                    || "a random host port".to_owned(),
                    |p| format!("host port {p}"),
                );
                let mut finding = finding_at(
                    &META,
                    port.origin,
                    if database {
                        format!(
                            "service `{}` publishes database port {} as {published} on every \
                             host interface; bind it to 127.0.0.1 or do not publish it",
                            service.name, port.target
                        )
                    } else {
                        format!(
                            "service `{}` publishes port {} as {published} on every host \
                             interface; give the host IP to bind (e.g. `127.0.0.1:`)",
                            service.name, port.target
                        )
                    },
                );
                if database {
                    finding.severity = Severity::Error;
                }
                out.push(finding);
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
        assert_documented_examples(&PortOnAllInterfaces);
    }

    #[test]
    fn fires() {
        assert_fires(
            &PortOnAllInterfaces,
            "services:\n  web:\n    image: nginx:1.27.2\n    ports:\n      - \"80:80\"\n      - 8443\n      - \"0.0.0.0:9000:9000\"\n      - target: 81\n        published: \"8081\"\n      - \"[::]:9001:9001\"\n",
            &[5, 6, 7, 8, 10],
        );
        // Interpolated host IP left empty by .env; the override adds an unbound port.
        let found = findings_with(
            &PortOnAllInterfaces,
            &crate::Settings::default(),
            &[
                (
                    "compose.yaml",
                    "services:\n  web:\n    image: nginx:1.27.2\n    ports:\n      - \"${BIND_IP:-127.0.0.1}:80:80\"\n",
                ),
                (
                    "compose.override.yaml",
                    "services:\n  web:\n    ports:\n      - \"8080:8080\"\n",
                ),
                (".env", "BIND_IP=0.0.0.0\n"),
            ],
        );
        assert_eq!(places(&found), [("compose.yaml", 5), ("compose.override.yaml", 4)]);
    }

    #[test]
    fn database_ports_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("compose.yaml");
        std::fs::write(
            &path,
            "services:\n  db:\n    image: postgres:16.4\n    ports:\n      - \"5432:5432\"\n  web:\n    image: nginx:1.27.2\n    ports:\n      - \"80:80\"\n",
        )
        .unwrap();
        let options = seaworthy_compose::Options {
            files: vec![path],
            working_dir: dir.path().to_path_buf(),
            ..Default::default()
        };
        let project = seaworthy_compose::load(&options).unwrap();
        let settings = crate::Settings::default();
        let cx = ComposeContext::new(&project, &settings);
        let mut out = Vec::new();
        PortOnAllInterfaces.check(&cx, &mut out);
        let severities: Vec<Severity> = out.iter().map(|f| f.severity).collect();
        assert_eq!(severities, [Severity::Error, Severity::Warning]);
        assert!(out[0].message.contains("database port 5432"), "{out:?}");
    }

    #[test]
    fn passes() {
        assert_clean(
            &PortOnAllInterfaces,
            "services:\n  web:\n    image: nginx:1.27.2\n    ports:\n      - \"127.0.0.1:80:80\"\n      - \"[::1]:443:443\"\n      - target: 81\n        published: \"8081\"\n        host_ip: 10.0.0.5\n    expose:\n      - \"9000\"\n  db:\n    image: postgres:16.4\n",
        );
        let found = findings_with(
            &PortOnAllInterfaces,
            &crate::Settings::default(),
            &[
                (
                    "compose.yaml",
                    "services:\n  web:\n    image: nginx:1.27.2\n    ports:\n      - \"${BIND_IP:-0.0.0.0}:80:80\"\n",
                ),
                (".env", "BIND_IP=192.168.1.10\n"),
            ],
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
