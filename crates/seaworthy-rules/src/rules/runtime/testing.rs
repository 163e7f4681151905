//! Test helpers for the runtime rules: a hardened container (Docker's and podman's shape of
//! it) and a hardened daemon, each changed one field at a time with a JSON pointer.

use seaworthy_runtime::serde_json::{self, json, Value};

use seaworthy_runtime::inspect::container_from_value;
use seaworthy_runtime::{parse_daemon_config, Container, Daemon, Info};

use super::{ContainerContext, ContainerRule, DaemonContext, DaemonRule};
use crate::{Finding, Settings};

/// A container that follows every practice, as Docker's inspect prints it (trimmed).
pub fn hardened_value() -> Value {
    json!({
        "Id": "3f2a1b9c0d1e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f90",
        "Name": "/api",
        "Path": "/app/server",
        "Args": ["--port", "8080"],
        "State": {"Status": "running", "Running": true,
                  "Health": {"Status": "healthy", "FailingStreak": 0}},
        "Image": "sha256:9b1c4e0f2a3d5b6c7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d",
        "AppArmorProfile": "docker-default",
        "HostConfig": {
            "Binds": ["/srv/api/config:/etc/api:ro"],
            "LogConfig": {"Type": "json-file", "Config": {"max-size": "10m", "max-file": "3"}},
            "NetworkMode": "api_backend",
            "PortBindings": {"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]},
            "RestartPolicy": {"Name": "unless-stopped", "MaximumRetryCount": 0},
            "AutoRemove": false,
            "CapAdd": ["NET_BIND_SERVICE"],
            "CapDrop": ["ALL"],
            "IpcMode": "private",
            "PidMode": "",
            "Privileged": false,
            "ReadonlyRootfs": true,
            "SecurityOpt": ["no-new-privileges:true"],
            "UTSMode": "",
            "UsernsMode": "",
            "Memory": 268435456,
            "MemorySwap": 268435456,
            "NanoCpus": 500000000,
            "CpuShares": 0,
            "CpuQuota": 0,
            "CpuPeriod": 0,
            "CpusetCpus": "",
            "PidsLimit": 200,
            "Devices": [],
            "Init": true
        },
        "Mounts": [
            {"Type": "bind", "Source": "/srv/api/config", "Destination": "/etc/api",
             "Mode": "ro", "RW": false, "Propagation": "rprivate"},
            {"Type": "volume", "Name": "api_data", "Source": "/var/lib/docker/volumes/api_data/_data",
             "Destination": "/data", "Driver": "local", "Mode": "z", "RW": true, "Propagation": ""}
        ],
        "Config": {
            "User": "10001:10001",
            "Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "DB_PASSWORD_FILE=/run/secrets/db_password",
                    "LOG_LEVEL=info"],
            "Image": "registry.example/shop/api:1.4.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "Labels": {"org.opencontainers.image.version": "1.4.2"},
            "Healthcheck": {"Test": ["CMD", "/app/server", "--health"], "Interval": 30_000_000_000_i64}
        },
        "NetworkSettings": {"Ports": {"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]}}
    })
}

/// The hardened container read through the model.
pub fn hardened() -> Container {
    container_from_value(hardened_value()).unwrap()
}

/// The same container as podman's compatible API reports it: `--cap-drop ALL` as the list of
/// defaults, `no-new-privileges` without `:true`, no log options, its own environment.
pub fn hardened_podman() -> Container {
    container_from_value(with(
        hardened_value(),
        &[
            (
                "/HostConfig/CapDrop",
                json!([
                    "AUDIT_WRITE",
                    "CHOWN",
                    "DAC_OVERRIDE",
                    "FOWNER",
                    "FSETID",
                    "KILL",
                    "MKNOD",
                    "NET_RAW",
                    "SETFCAP",
                    "SETGID",
                    "SETPCAP",
                    "SETUID",
                    "SYS_CHROOT"
                ]),
            ),
            ("/HostConfig/CapAdd", json!([])),
            ("/HostConfig/SecurityOpt", json!(["no-new-privileges"])),
            (
                "/HostConfig/LogConfig",
                json!({"Type": "json-file", "Config": null}),
            ),
            ("/HostConfig/IpcMode", json!("shareable")),
            ("/HostConfig/PidMode", json!("private")),
            ("/HostConfig/UTSMode", json!("private")),
            ("/AppArmorProfile", json!("")),
            (
                "/Config/Env",
                json!([
                    "container=podman",
                    "PATH=/usr/bin:/bin",
                    "TERM=xterm",
                    "HOSTNAME=3f2a1b9c0d1e"
                ]),
            ),
        ],
    ))
    .unwrap()
}

/// `base` with each `(pointer, value)` set, objects created on the way as needed.
pub fn with(mut base: Value, changes: &[(&str, Value)]) -> Value {
    for (pointer, value) in changes {
        let mut at = &mut base;
        for key in pointer.trim_start_matches('/').split('/') {
            if !at.is_object() {
                *at = json!({});
            }
            at = at
                .as_object_mut()
                .unwrap()
                .entry(key.to_owned())
                .or_insert(Value::Null);
        }
        *at = value.clone();
    }
    base
}

/// The hardened container with `changes`.
pub fn container_with(changes: &[(&str, Value)]) -> Container {
    container_from_value(with(hardened_value(), changes)).unwrap()
}

/// `(location, message)` of each finding.
pub fn summary(found: &[Finding]) -> Vec<(String, String)> {
    found
        .iter()
        .map(|f| {
            (
                f.logical.clone().unwrap_or_default(),
                format!("{}: {}", f.rule.id, f.message),
            )
        })
        .collect()
}

/// The findings of `rule` on `container` with no daemon known.
pub fn findings(rule: &dyn ContainerRule, container: &Container) -> Vec<Finding> {
    findings_in(rule, container, &Daemon::default(), &Settings::default())
}

pub fn findings_in(
    rule: &dyn ContainerRule,
    container: &Container,
    daemon: &Daemon,
    settings: &Settings,
) -> Vec<Finding> {
    let mut out = Vec::new();
    rule.check(
        &ContainerContext {
            container,
            daemon,
            settings,
        },
        &mut out,
    );
    out
}

/// Asserts that `rule` reports exactly these locations (in order) on the hardened container
/// with `changes`, and nothing on the hardened containers themselves.
pub fn assert_fires(rule: &dyn ContainerRule, changes: &[(&str, Value)], locations: &[&str]) {
    for base in [hardened(), hardened_podman()] {
        assert!(
            findings(rule, &base).is_empty(),
            "{:?}",
            summary(&findings(rule, &base))
        );
    }
    let found = findings(rule, &container_with(changes));
    let got: Vec<_> = found
        .iter()
        .map(|f| f.logical.clone().unwrap_or_default())
        .collect();
    assert_eq!(got, locations, "{:?}", summary(&found));
    for f in &found {
        assert!(std::ptr::eq(f.rule, rule.meta()));
    }
}

/// Asserts that `rule` reports nothing on the hardened container with `changes`.
pub fn assert_clean(rule: &dyn ContainerRule, changes: &[(&str, Value)]) {
    let found = findings(rule, &container_with(changes));
    assert!(found.is_empty(), "{:?}", summary(&found));
}

/// A daemon.json that follows every practice.
pub const HARDENED_DAEMON_JSON: &str = r#"{
  "icc": false,
  "live-restore": true,
  "userns-remap": "default",
  "no-new-privileges": true,
  "log-driver": "json-file",
  "log-opts": {"max-size": "10m", "max-file": "3"},
  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"],
  "tlsverify": true,
  "tlscacert": "/etc/docker/ca.pem",
  "tlscert": "/etc/docker/server-cert.pem",
  "tlskey": "/etc/docker/server-key.pem",
  "insecure-registries": []
}"#;

/// A daemon known from `daemon_json` alone.
pub fn daemon_from(daemon_json: &str) -> Daemon {
    Daemon {
        config: Some((
            "/etc/docker/daemon.json".to_owned(),
            parse_daemon_config(daemon_json).unwrap(),
        )),
        ..Daemon::default()
    }
}

/// The hardened daemon.json.
pub fn hardened_daemon() -> Daemon {
    daemon_from(HARDENED_DAEMON_JSON)
}

/// The hardened daemon.json with `changes`.
pub fn daemon_with(changes: &[(&str, Value)]) -> Daemon {
    let v = with(serde_json::from_str(HARDENED_DAEMON_JSON).unwrap(), changes);
    daemon_from(&v.to_string())
}

/// A daemon known from `/info` alone.
pub fn daemon_info(info: Value) -> Daemon {
    Daemon {
        info: Some(serde_json::from_value::<Info>(info).unwrap()),
        engine: Some(seaworthy_runtime::EngineKind::Docker),
        ..Daemon::default()
    }
}

/// The locations `rule` reports on `daemon`.
pub fn daemon_findings(rule: &dyn DaemonRule, daemon: &Daemon) -> Vec<String> {
    let mut out = Vec::new();
    rule.check(
        &DaemonContext {
            daemon,
            settings: &Settings::default(),
        },
        &mut out,
    );
    for f in &out {
        assert!(std::ptr::eq(f.rule, rule.meta()));
        assert!(!f.message.is_empty());
    }
    out.into_iter()
        .map(|f| f.logical.unwrap_or_default())
        .collect()
}
