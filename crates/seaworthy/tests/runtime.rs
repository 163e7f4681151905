//! `seaworthy runtime` offline: the hardened containers (Docker's and podman's inspect output)
//! and daemon.json get no finding, each single deviation gets exactly its finding at its
//! place, and bad input is a clear error with exit code 2.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{json, Value};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/runtime")
        .join(name)
}

fn load(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap()
}

fn seaworthy() -> Command {
    let mut cmd = Command::cargo_bin("seaworthy").unwrap();
    // No configuration file of the machine's, and no DOCKER_HOST of the caller's.
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT");
    cmd
}

/// Sets JSON pointer `pointer` (`/0/HostConfig/Privileged`, `~1` for `/` in a key) in `v`,
/// creating objects on the way.
fn set(v: &mut Value, pointer: &str, value: Value) {
    let mut at = v;
    for key in pointer.trim_start_matches('/').split('/') {
        let key = key.replace("~1", "/").replace("~0", "~");
        let key = key.as_str();
        at = match at {
            Value::Array(items) => &mut items[key.parse::<usize>().unwrap()],
            Value::Object(map) => map.entry(key.to_owned()).or_insert(Value::Null),
            other => {
                *other = json!({});
                other
                    .as_object_mut()
                    .unwrap()
                    .entry(key.to_owned())
                    .or_insert(Value::Null)
            }
        };
    }
    *at = value;
}

/// (kind, rule, location) of every finding `seaworthy runtime ARGS` reports as JSON.
fn findings(args: &[&str]) -> Vec<(String, String, String)> {
    let mut cmd = seaworthy();
    cmd.arg("runtime").args(args);
    // The machine's own /etc/docker/daemon.json stays out of the container cases.
    if !args.contains(&"--daemon-config") {
        cmd.arg("--no-daemon-config");
    }
    let out = cmd
        .args(["--format", "json", "--fail-on", "none"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_owned(),
                f["rule"].as_str().unwrap().to_owned(),
                f["location"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn write(dir: &Path, name: &str, v: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(v).unwrap()).unwrap();
    path.display().to_string()
}

#[test]
fn the_hardened_containers_and_daemon_get_no_finding() {
    let daemon = fixture("daemon-hardened.json");
    for container in ["hardened-docker.json", "hardened-podman.json"] {
        let out = seaworthy()
            .args(["runtime", "--inspect"])
            .arg(fixture(container))
            .arg("--daemon-config")
            .arg(&daemon)
            .args(["--format", "concise", "--fail-on", "style"])
            .assert()
            .success();
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(
            stderr.contains("1 container and the daemon, 0 errors, 0 findings"),
            "{container}: {stderr}"
        );
    }
}

/// Each change to a hardened container, the rule that must report it and where.
const DOCKER_DEVIATIONS: &[(&str, &str, &str, &str)] = &[
    ("/Config/User", r#""""#, "SW4000", "Config.User"),
    ("/Config/User", r#""0:0""#, "SW4000", "Config.User"),
    (
        "/Config/Image",
        r#""registry.example/shop/api:latest""#,
        "SW4015",
        "Config.Image",
    ),
    (
        "/Config/Env/1",
        r#""API_TOKEN=abc123""#,
        "SW4014",
        "Config.Env[API_TOKEN]",
    ),
    (
        "/HostConfig/Privileged",
        "true",
        "SW4001",
        "HostConfig.Privileged",
    ),
    (
        "/HostConfig/CapDrop",
        "null",
        "SW4002",
        "HostConfig.CapDrop",
    ),
    (
        "/HostConfig/CapAdd",
        r#"["NET_BIND_SERVICE","SYS_ADMIN"]"#,
        "SW4003",
        "HostConfig.CapAdd[SYS_ADMIN]",
    ),
    (
        "/HostConfig/SecurityOpt",
        "[]",
        "SW4004",
        "HostConfig.SecurityOpt",
    ),
    (
        "/HostConfig/SecurityOpt",
        r#"["no-new-privileges:true","seccomp=unconfined"]"#,
        "SW4005",
        "HostConfig.SecurityOpt[seccomp=unconfined]",
    ),
    (
        "/AppArmorProfile",
        r#""unconfined""#,
        "SW4005",
        "AppArmorProfile",
    ),
    (
        "/HostConfig/ReadonlyRootfs",
        "false",
        "SW4006",
        "HostConfig.ReadonlyRootfs",
    ),
    ("/HostConfig/Memory", "0", "SW4007", "HostConfig.Memory"),
    (
        "/HostConfig/MemorySwap",
        "-1",
        "SW4007",
        "HostConfig.MemorySwap",
    ),
    ("/HostConfig/NanoCpus", "0", "SW4007", "HostConfig.NanoCpus"),
    (
        "/HostConfig/PidsLimit",
        "null",
        "SW4007",
        "HostConfig.PidsLimit",
    ),
    (
        "/HostConfig/RestartPolicy/Name",
        r#""no""#,
        "SW4008",
        "HostConfig.RestartPolicy",
    ),
    (
        "/HostConfig/LogConfig/Config",
        "{}",
        "SW4009",
        "HostConfig.LogConfig",
    ),
    (
        "/Mounts/0",
        r#"{"Type":"bind","Source":"/var/run/docker.sock","Destination":"/var/run/docker.sock","Mode":"","RW":true,"Propagation":"rprivate"}"#,
        "SW4010",
        "Mounts[/var/run/docker.sock]",
    ),
    (
        "/Mounts/0",
        r#"{"Type":"bind","Source":"/","Destination":"/host","Mode":"ro","RW":false,"Propagation":"rprivate"}"#,
        "SW4011",
        "Mounts[/host]",
    ),
    (
        "/HostConfig/NetworkMode",
        r#""host""#,
        "SW4012",
        "HostConfig.NetworkMode",
    ),
    (
        "/HostConfig/PidMode",
        r#""host""#,
        "SW4012",
        "HostConfig.PidMode",
    ),
    (
        "/HostConfig/PortBindings/8080~1tcp/0/HostIp",
        r#""0.0.0.0""#,
        "SW4013",
        "HostConfig.PortBindings[8080/tcp]",
    ),
    (
        "/State/Health/Status",
        r#""unhealthy""#,
        "SW4016",
        "State.Health.Status",
    ),
    (
        "/Config/Healthcheck",
        r#"{"Test":["NONE"]}"#,
        "SW4017",
        "Config.Healthcheck",
    ),
    (
        "/HostConfig/Devices",
        r#"[{"PathOnHost":"/dev/sda","PathInContainer":"/dev/sda","CgroupPermissions":"rwm"}]"#,
        "SW4018",
        "HostConfig.Devices[/dev/sda]",
    ),
    ("/HostConfig/Init", "false", "SW4019", "HostConfig.Init"),
];

#[test]
fn each_docker_deviation_gets_its_finding() {
    let dir = tempfile::tempdir().unwrap();
    let base = load("hardened-docker.json");
    let mut seen_rules = std::collections::BTreeSet::new();
    for (pointer, value, rule, location) in DOCKER_DEVIATIONS {
        let mut v = base.clone();
        let value: Value = serde_json::from_str(value).unwrap();
        set(&mut v, &format!("/0{pointer}"), value);
        let file = write(dir.path(), "inspect.json", &v);
        let found = findings(&["--inspect", &file]);
        assert_eq!(
            found,
            [(
                "container".to_owned(),
                rule.to_string(),
                location.to_string()
            )],
            "{pointer}"
        );
        seen_rules.insert(*rule);
    }
    // Every container rule is exercised.
    assert_eq!(seen_rules.len(), 20, "{seen_rules:?}");
}

#[test]
fn podman_deviations_get_their_findings() {
    let dir = tempfile::tempdir().unwrap();
    let base = load("hardened-podman.json");
    let cases: &[(&str, Value, &str, &str)] = &[
        // `--cap-drop NET_RAW` only, as podman reports it.
        (
            "/0/HostConfig/CapDrop",
            json!(["NET_RAW"]),
            "SW4002",
            "HostConfig.CapDrop",
        ),
        (
            "/0/HostConfig/SecurityOpt",
            json!([]),
            "SW4004",
            "HostConfig.SecurityOpt",
        ),
        // A port published without HostIp.
        (
            "/0/HostConfig/PortBindings",
            json!({"80/tcp": [{"HostIp": "", "HostPort": "18080"}]}),
            "SW4013",
            "HostConfig.PortBindings[80/tcp]",
        ),
        // podman's default PIDs limit is a limit; -1 is none.
        (
            "/0/HostConfig/PidsLimit",
            json!(-1),
            "SW4007",
            "HostConfig.PidsLimit",
        ),
    ];
    for (pointer, value, rule, location) in cases {
        let mut v = base.clone();
        set(&mut v, pointer, value.clone());
        let file = write(dir.path(), "inspect.json", &v);
        assert_eq!(
            findings(&["--inspect", &file]),
            [(
                "container".to_owned(),
                rule.to_string(),
                location.to_string()
            )],
            "{pointer}"
        );
    }
    let mut v = base.clone();
    set(&mut v, "/0/HostConfig/PidsLimit", json!(2048));
    let file = write(dir.path(), "inspect.json", &v);
    assert!(findings(&["--inspect", &file]).is_empty());
}

#[test]
fn each_daemon_deviation_gets_its_finding() {
    let dir = tempfile::tempdir().unwrap();
    let base = load("daemon-hardened.json");
    let cases: &[(&str, Value, &str, &str)] = &[
        ("/log-opts", json!({}), "SW5000", "log-opts"),
        ("/live-restore", json!(false), "SW5001", "live-restore"),
        ("/userns-remap", json!(""), "SW5002", "userns-remap"),
        ("/icc", json!(true), "SW5003", "icc"),
        (
            "/no-new-privileges",
            json!(false),
            "SW5004",
            "no-new-privileges",
        ),
        (
            "/insecure-registries",
            json!(["registry.internal:5000"]),
            "SW5005",
            "insecure-registries[registry.internal:5000]",
        ),
        (
            "/tlsverify",
            json!(false),
            "SW5006",
            "hosts[tcp://0.0.0.0:2376]",
        ),
    ];
    let container = fixture("hardened-docker.json").display().to_string();
    for (pointer, value, rule, location) in cases {
        let mut v = base.clone();
        set(&mut v, pointer, value.clone());
        let file = write(dir.path(), "daemon.json", &v);
        assert_eq!(
            findings(&["--inspect", &container, "--daemon-config", &file]),
            [("daemon".to_owned(), rule.to_string(), location.to_string())],
            "{pointer}"
        );
    }
}

#[test]
fn standard_input_many_containers_and_names() {
    let mut a = load("hardened-docker.json");
    let mut b = a[0].clone();
    set(&mut b, "/Name", json!("/worker"));
    set(
        &mut b,
        "/Id",
        json!("77aa00bb11cc22dd33ee44ff5566778899aabbccddeeff001122334455667788"),
    );
    set(&mut b, "/HostConfig/Privileged", json!(true));
    a.as_array_mut().unwrap().push(b);
    let text = serde_json::to_string(&a).unwrap();
    let out = seaworthy()
        .args([
            "runtime",
            "--inspect",
            "-",
            "--no-daemon-config",
            "--format",
            "concise",
        ])
        .write_stdin(text.clone())
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert_eq!(
        stdout.trim(),
        "container worker (77aa00bb11cc): HostConfig.Privileged: error[SW4001] runs privileged: \
         every capability and device of the host, no seccomp or AppArmor; add only the \
         capabilities and devices it needs (container-privileged)"
    );
    // A single object, as the API returns it, and a name to pick.
    seaworthy()
        .args([
            "runtime",
            "--inspect",
            "-",
            "api",
            "--no-daemon-config",
            "--fail-on",
            "style",
        ])
        .write_stdin(serde_json::to_string(&a[0]).unwrap())
        .assert()
        .success();
    seaworthy()
        .args([
            "runtime",
            "--inspect",
            "-",
            "api",
            "--no-daemon-config",
            "--fail-on",
            "style",
        ])
        .write_stdin(text)
        .assert()
        .success();
}

#[test]
fn compose_started_containers_name_the_file_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = load("hardened-docker.json");
    set(&mut v, "/0/HostConfig/Privileged", json!(true));
    set(
        &mut v,
        "/0/Config/Labels",
        json!({
            "com.docker.compose.project": "shop",
            "com.docker.compose.service": "api",
            "com.docker.compose.project.config_files": "/srv/shop/compose.yaml",
            "com.docker.compose.project.working_dir": "/srv/shop"
        }),
    );
    let file = write(dir.path(), "inspect.json", &v);
    let out = seaworthy()
        .args([
            "runtime",
            "--inspect",
            &file,
            "--no-daemon-config",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let found: Value = serde_json::from_slice(&out.stdout).unwrap();
    let message = found[0]["message"].as_str().unwrap();
    assert!(
        message.contains("Compose project `shop`, service `api`: fix it in /srv/shop/compose.yaml"),
        "{message}"
    );
}

#[test]
fn sarif_places_findings_at_logical_locations() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = load("hardened-docker.json");
    set(&mut v, "/0/HostConfig/Privileged", json!(true));
    let file = write(dir.path(), "inspect.json", &v);
    let out = seaworthy()
        .args([
            "runtime",
            "--inspect",
            &file,
            "--no-daemon-config",
            "--format",
            "sarif",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "SW4001");
    let logical = &result["locations"][0]["logicalLocations"][0];
    assert_eq!(logical["name"], "HostConfig.Privileged");
    assert_eq!(
        logical["fullyQualifiedName"],
        "container/api (5c8e2f7a1b3d)/HostConfig.Privileged"
    );
    assert!(result["locations"][0].get("physicalLocation").is_none());
}

#[test]
fn malformed_input_is_an_error_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.json");
    std::fs::write(
        &file,
        "[\n  {\"Id\": \"abc\",\n   \"HostConfig\": {\"Privileged\": \"yes\"}}\n]\n",
    )
    .unwrap();
    let out = seaworthy()
        .arg("runtime")
        .arg("--inspect")
        .arg(&file)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("bad.json") && stderr.contains("line 3 column"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    let out = seaworthy()
        .args(["runtime", "--inspect", "-"])
        .write_stdin("[{\"Id\": \"abc\", ")
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("<stdin>") && stderr.contains("EOF"),
        "{stderr}"
    );

    // An image's inspect output.
    let out = seaworthy()
        .args(["runtime", "--inspect", "-"])
        .write_stdin(r#"[{"Id": "sha256:abc", "RepoTags": ["nginx:1.27"], "Config": {}}]"#)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("seaworthy image"), "{stderr}");

    // A missing file, a malformed daemon.json.
    seaworthy()
        .args(["runtime", "--inspect", "/nonexistent/inspect.json"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("/nonexistent/inspect.json"));
    let daemon = dir.path().join("daemon.json");
    std::fs::write(&daemon, "{\n  \"icc\": false,\n}\n").unwrap();
    let out = seaworthy()
        .args(["runtime", "--inspect"])
        .arg(fixture("hardened-docker.json"))
        .arg("--daemon-config")
        .arg(&daemon)
        .assert()
        .code(2);
    // Diagnostics go to stdout in the human format, like `check`'s.
    let output = out.get_output();
    let stderr = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("daemon.json:3:1: not a valid daemon.json"),
        "{stderr}"
    );
    assert!(stderr.contains("1 error"), "{stderr}");
}

#[test]
fn an_unreachable_engine_is_an_error_naming_the_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("unix://{}/engine.sock", dir.path().display());
    let out = seaworthy()
        .args(["runtime", "--host", &url])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains(&url) && stderr.contains("--host"),
        "{stderr}"
    );
    // From DOCKER_HOST.
    let out = seaworthy()
        .arg("runtime")
        .env("DOCKER_HOST", &url)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains(&url) && stderr.contains("DOCKER_HOST"),
        "{stderr}"
    );
    // A tcp port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("tcp://127.0.0.1:{port}");
    let out = seaworthy()
        .args(["runtime", "--host", &url])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains(&url) && stderr.contains("refused"),
        "{stderr}"
    );
}

/// A socket the user may not open: as root (CI) the check runs as `nobody` through setpriv,
/// since root opens any socket.
#[cfg(unix)]
#[test]
fn a_socket_without_permission_is_an_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new()
        .prefix("sw-perm")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let sock = dir.path().join("engine.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    std::fs::set_permissions(&sock, std::fs::Permissions::from_mode(0o600)).unwrap();
    let url = format!("unix://{}", sock.display());
    let bin = assert_cmd::cargo::cargo_bin("seaworthy");
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let mut cmd = if is_root {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin);
        c
    } else {
        std::process::Command::new(&bin)
    };
    let out = cmd
        .args(["runtime", "--host", &url])
        .current_dir("/")
        .env_remove("DOCKER_HOST")
        .output()
        .expect("setpriv (util-linux) runs the check as nobody");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&url) && stderr.contains("Permission denied"),
        "{stderr}"
    );
    assert!(stderr.contains("not open to this user"), "{stderr}");
}
