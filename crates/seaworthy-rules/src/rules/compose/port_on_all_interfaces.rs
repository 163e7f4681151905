use seaworthy_compose::model::Port;
use seaworthy_compose::Service;

use super::database_without_volume::data_directories;
use super::yaml_edit::{NewValue, Seg, ServiceSite};
use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, Fix, RuleMeta, Severity};

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
          as well. `seaworthy fix --unsafe-fixes` binds a database's port to 127.0.0.1 \
          (unsafe: a client on another host loses it).",
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

/// A short-syntax port (`[IP:][HOST:]CONTAINER[/PROTOCOL]`) bound to 127.0.0.1:
/// `5432:5432` → `127.0.0.1:5432:5432`, `5432` → `127.0.0.1::5432` (a random host port, as
/// before), `0.0.0.0:5432:5432` and `[::]:5432:5432` → `127.0.0.1:5432:5432`.
fn on_loopback(spec: &str) -> Option<String> {
    let ports = match spec.strip_prefix('[') {
        Some(bracketed) => bracketed.split_once("]:")?.1,
        None => match spec.matches(':').count() {
            0 | 1 => spec,
            2 => spec.split_once(':')?.1,
            _ => return None,
        },
    };
    Some(if ports.contains(':') {
        format!("127.0.0.1:{ports}")
    } else {
        format!("127.0.0.1::{ports}")
    })
}

/// The port `port` of `service` bound to 127.0.0.1 where it is written: the short syntax
/// rewritten, `host_ip` set or added in the long one. Unsafe: a client on another host loses
/// the port.
fn bind_loopback(cx: &ComposeContext<'_>, service: &Service, port: &Port) -> Option<Fix> {
    let mut site = ServiceSite::find(cx.project, service, port.origin.file)?;
    let items = site.node(&["ports"])?.as_seq()?;
    let index = items.iter().position(|i| i.span == port.origin.span)?;
    let item = &items[index];
    let mut path = site.path(&["ports"]);
    path.push(Seg::Index(index));
    let loopback = NewValue::str("127.0.0.1");
    if item.as_map().is_some() {
        if item.get("host_ip").is_some() {
            path.push(Seg::Key("host_ip".into()));
            site.replace_at(&path, &loopback)?;
        } else {
            site.add_entry_at(&path, "host_ip", &loopback)?;
        }
    } else {
        let spec = match &item.value {
            seaworthy_compose::yaml::Value::String(s) => s.clone(),
            seaworthy_compose::yaml::Value::Int(i) => i.to_string(),
            _ => return None,
        };
        site.replace_at(&path, &NewValue::Str(on_loopback(&spec)?))?;
    }
    Some(Fix::unsafe_(
        format!("bind port {} to 127.0.0.1", port.target),
        site.finish()?,
    ))
}

impl ComposeRule for PortOnAllInterfaces {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn fix_kind(&self) -> crate::FixKind {
        crate::FixKind::Unsafe
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
                    if let Some(fix) = bind_loopback(cx, service, port) {
                        finding = finding.with_fix(fix);
                    }
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
        assert_eq!(
            places(&found),
            [("compose.yaml", 5), ("compose.override.yaml", 4)]
        );
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

    #[test]
    fn fix_binds_database_ports_to_loopback() {
        use crate::FixKind::Unsafe;
        assert_fix(
            &PortOnAllInterfaces,
            "services:\n  db:\n    image: postgres:16.4\n    ports:\n      - \"5432:5432\"\n      - 5433:5432 # replica\n      - '5434'\n      - 5435\n      - \"0.0.0.0:5436:5432/tcp\"\n      - \"[::]:5437:5432\"\n",
            "services:\n  db:\n    image: postgres:16.4\n    ports:\n      - \"127.0.0.1:5432:5432\"\n      - 127.0.0.1:5433:5432 # replica\n      - '127.0.0.1::5434'\n      - 127.0.0.1::5435\n      - \"127.0.0.1:5436:5432/tcp\"\n      - \"127.0.0.1:5437:5432\"\n",
            Unsafe,
        );
        // The long syntax, block and flow; CRLF; a flow list of short ports.
        assert_fix(
            &PortOnAllInterfaces,
            "services:\r\n  db:\r\n    image: mysql:8.4\r\n    ports:\r\n      - target: 3306\r\n        published: \"3306\"\r\n      - {target: 33060, published: \"33060\"}\r\n      - target: 3307\r\n        host_ip: 0.0.0.0\r\n",
            "services:\r\n  db:\r\n    image: mysql:8.4\r\n    ports:\r\n      - target: 3306\r\n        published: \"3306\"\r\n        host_ip: 127.0.0.1\r\n      - {target: 33060, published: \"33060\", host_ip: 127.0.0.1}\r\n      - target: 3307\r\n        host_ip: 127.0.0.1\r\n",
            Unsafe,
        );
        assert_fix(
            &PortOnAllInterfaces,
            "services:\n    cache:\n        image: redis:7.4\n        ports: [\"6379:6379\"]",
            "services:\n    cache:\n        image: redis:7.4\n        ports: [\"127.0.0.1:6379:6379\"]",
            Unsafe,
        );
    }

    #[test]
    fn no_fix_where_the_edit_would_be_a_guess() {
        // A web port may be meant to be public: reported, not rebound.
        assert_no_fix(
            &PortOnAllInterfaces,
            "services:\n  web:\n    image: nginx:1.27.2\n    ports:\n      - \"80:80\"\n",
        );
        assert_no_fix(
            &PortOnAllInterfaces,
            "services:\n  db: {image: \"postgres:16.4\", ports: [\"5432:5432\"]}\n",
        );
        assert_no_fix_in(
            &PortOnAllInterfaces,
            &[
                (
                    "compose.yaml",
                    "services:\n  db:\n    image: postgres:16.4\n    ports:\n      - \"${BIND_IP:-127.0.0.1}:5432:5432\"\n",
                ),
                (".env", "BIND_IP=0.0.0.0\n"),
            ],
        );
        assert_no_fix(
            &PortOnAllInterfaces,
            "x-ports: &ports\n  - \"5432:5432\"\nservices:\n  db:\n    image: postgres:16.4\n    ports: *ports\n",
        );
    }

    #[test]
    fn a_port_written_in_an_override_file_is_fixed_there() {
        let (files, fixes) = fixed_files(
            &PortOnAllInterfaces,
            &[
                (
                    "compose.yaml",
                    "services:\n  db:\n    image: postgres:16.4\n",
                ),
                (
                    "compose.override.yaml",
                    "services:\n  db:\n    ports:\n      - \"5432:5432\"\n",
                ),
            ],
        );
        assert_eq!(fixes.len(), 1);
        assert_eq!(
            files[0],
            (
                "compose.override.yaml".to_owned(),
                "services:\n  db:\n    ports:\n      - \"127.0.0.1:5432:5432\"\n".to_owned()
            )
        );
    }
}
