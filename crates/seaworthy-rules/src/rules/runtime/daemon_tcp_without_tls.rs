use super::{DaemonContext, DaemonRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// The daemon listens on tcp without verified TLS: a `tcp://` entry in daemon.json `hosts`
/// without `"tlsverify": true`, or an engine seaworthy itself reached over plain tcp.
pub struct DaemonTcpWithoutTls;

static META: RuleMeta = RuleMeta {
    id: "SW5006",
    name: "daemon-tcp-without-tls",
    severity: Severity::Error,
    category: Category::Supply,
    practice: 21,
    aliases: &["CIS-2.6"],
    summary: "The daemon's API listens on tcp without TLS client verification.",
    why: "The Engine API is root on the host: anyone who can connect starts a privileged \
          container with the host's disk mounted. On a tcp socket without `tlsverify` that \
          is anyone who can reach the port (port 2375 is scanned for constantly), and even \
          on 127.0.0.1 any local user or container on the host network. `tls` alone \
          encrypts but accepts every client. Listen on the unix socket only, or set \
          `\"tlsverify\": true` with `tlscacert`, `tlscert` and `tlskey` so that only \
          clients with a certificate from your CA get in. Hosts given to dockerd as `-H` \
          flags are not in daemon.json: they are seen only when seaworthy connects over \
          them.",
    bad: "{\n  \"hosts\": [\"unix:///var/run/docker.sock\", \"tcp://0.0.0.0:2375\"]\n}\n",
    good: "{\n  \"hosts\": [\"unix:///var/run/docker.sock\", \"tcp://0.0.0.0:2376\"],\n  \"tlsverify\": true,\n  \"tlscacert\": \"/etc/docker/ca.pem\",\n  \"tlscert\": \"/etc/docker/server-cert.pem\",\n  \"tlskey\": \"/etc/docker/server-key.pem\"\n}\n",
};

impl DaemonRule for DaemonTcpWithoutTls {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DaemonContext<'_>, out: &mut Vec<Finding>) {
        let d = cx.daemon;
        if let Some(file) = d.file() {
            if file.tlsverify != Some(true) {
                for host in &file.hosts {
                    if host.trim().starts_with("tcp://") {
                        out.push(Finding::at(
                            &META,
                            format!("hosts[{}]", host.trim()),
                            format!(
                                "the API listens on {} without `\"tlsverify\": true`: whoever \
                                 reaches the port controls the host",
                                host.trim()
                            ),
                        ));
                    }
                }
            }
        }
        if let Some(url) = &d.plain_tcp_endpoint {
            out.push(Finding::at(
                &META,
                "engine endpoint",
                format!(
                    "seaworthy reached the API at {url} without TLS: whoever reaches the port \
                     controls the host; require TLS client certificates"
                ),
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
        let d = daemon_with(&[("/tlsverify", json!(false)), ("/tls", json!(true))]);
        assert_eq!(
            daemon_findings(&DaemonTcpWithoutTls, &d),
            ["hosts[tcp://0.0.0.0:2376]"]
        );
        let d = daemon_from(r#"{"hosts": ["fd://", "tcp://127.0.0.1:2375"]}"#);
        assert_eq!(
            daemon_findings(&DaemonTcpWithoutTls, &d),
            ["hosts[tcp://127.0.0.1:2375]"]
        );
        let d = seaworthy_runtime::Daemon {
            plain_tcp_endpoint: Some("tcp://10.0.0.5:2375".to_owned()),
            ..Default::default()
        };
        assert_eq!(
            daemon_findings(&DaemonTcpWithoutTls, &d),
            ["engine endpoint"]
        );
    }

    #[test]
    fn passes() {
        assert!(daemon_findings(&DaemonTcpWithoutTls, &hardened_daemon()).is_empty());
        let d = daemon_from(r#"{"hosts": ["unix:///var/run/docker.sock"]}"#);
        assert!(daemon_findings(&DaemonTcpWithoutTls, &d).is_empty());
    }
}
