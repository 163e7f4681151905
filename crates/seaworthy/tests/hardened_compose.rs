//! The hardened Compose fixture follows every Compose practice: no rule fires on it, and each
//! single deviation from it gets exactly the finding it should, at the line it should.

mod common;

use common::copy_dir;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hardened-compose")
}

/// (rule id, line) of every finding in compose.yaml when the project in `dir` is checked.
fn compose_findings(dir: &Path) -> Vec<(String, u64)> {
    let out = Command::cargo_bin("seaworthy")
        .unwrap()
        .current_dir(dir)
        .args([
            "check",
            "--format",
            "json",
            "--no-shellcheck",
            "--fail-on",
            "none",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["file"].as_str().unwrap().ends_with("compose.yaml"))
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_hardened_project_gets_no_finding() {
    let out = Command::cargo_bin("seaworthy")
        .unwrap()
        .current_dir(fixture())
        .args(["check", "--format", "concise", "--fail-on", "style"])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("1 Dockerfile and 1 Compose project, 0 with errors, 0 findings"),
        "{stderr}"
    );
}

/// A hardened reverse proxy, then the line that follows it in the fixture.
const PROXY: &str = "  proxy:
    <<: *hardening
    image: nginx:1.27.2-alpine@sha256:5a8f6b0e4f2c1d3e9b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f
    user: \"101:101\"
    ports:
      - \"127.0.0.1:8080:8080\"
    tmpfs:
      - /tmp
    healthcheck:
      test: [\"CMD\", \"wget\", \"-qO-\", \"http://127.0.0.1:8080/\"]
      interval: 30s
      timeout: 3s
      start_period: 5s
      retries: 3
    deploy:
      resources:
        limits:
          cpus: \"0.5\"
          memory: 128M
          pids: 100
        reservations:
          memory: 64M
    networks:
      backend: {}
    depends_on: [api]

  db:
    <<: *hardening
";

/// A copy of the fixture as its own git work tree, where its `.gitignore` applies.
fn work_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    dir
}

#[test]
fn a_secret_file_git_would_commit_gets_its_finding() {
    let dir = work_tree();
    // Ignored: nothing.
    assert_eq!(compose_findings(dir.path()), []);
    std::fs::remove_file(dir.path().join(".gitignore")).unwrap();
    let text = std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("file: ./secrets/db_password.txt"))
        .unwrap() as u64
        + 1;
    assert_eq!(compose_findings(dir.path()), [("SW2401".to_owned(), line)]);
}

/// Each single deviation from the fixture: what is changed, into what, the rule that must
/// fire, and a text on the line it must name (a marker that starts with spaces is a whole
/// line).
fn deviations() -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
    const API_USER: &str = "    user: \"10001:10001\"\n";
    const DB_USER: &str = "    user: \"999:999\"\n";
    vec![
        (DB_USER, "", "SW2000", "  db:"),
        (API_USER, "    user: \"10001:10001\"\n    privileged: true\n", "SW2300", "privileged: true"),
        (
            "    tmpfs:\n      - /tmp\n    healthcheck:\n      test: [\"CMD\", \"python\"",
            "    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n    tmpfs:\n      - /tmp\n    healthcheck:\n      test: [\"CMD\", \"python\"",
            "SW2301",
            "docker.sock:",
        ),
        (API_USER, "    user: \"10001:10001\"\n    cap_drop: [NET_RAW]\n", "SW2303", "cap_drop: [NET_RAW]"),
        (API_USER, "    user: \"10001:10001\"\n    cap_add: [SYS_ADMIN]\n", "SW2304", "SYS_ADMIN"),
        (
            "    tmpfs:\n      - /tmp\n    healthcheck:\n      test: [\"CMD\", \"python\"",
            "    volumes:\n      - /etc:/host/etc:ro\n    tmpfs:\n      - /tmp\n    healthcheck:\n      test: [\"CMD\", \"python\"",
            "SW2302",
            "/etc:/host/etc:ro",
        ),
        (API_USER, "    user: \"10001:10001\"\n    security_opt: []\n", "SW2305", "security_opt: []"),
        (API_USER, "    user: \"10001:10001\"\n    pid: host\n", "SW2306", "pid: host"),
        (
            API_USER,
            "    user: \"10001:10001\"\n    security_opt: [\"no-new-privileges:true\", \"seccomp:unconfined\"]\n",
            "SW2308",
            "seccomp:unconfined",
        ),
        (API_USER, "    user: \"10001:10001\"\n    read_only: false\n", "SW2307", "read_only: false"),
        (
            "image: postgres:16.4-bookworm@sha256:3f1b2c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809",
            "image: postgres:latest",
            "SW2200",
            "postgres:latest",
        ),
        ("          pids: 300\n", "", "SW2100", "  db:"),
        ("        reservations:\n          memory: 512M\n", "", "SW2105", "  db:"),
        (API_USER, "    user: \"10001:10001\"\n    logging:\n      driver: json-file\n", "SW2101", "      driver: json-file"),
        (
            "    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready -U shop\"]\n      interval: 10s\n      timeout: 3s\n      start_period: 30s\n      retries: 5\n",
            "    healthcheck:\n      disable: true\n",
            "SW2103",
            "disable: true",
        ),
        (
            "      POSTGRES_USER: shop\n",
            "      POSTGRES_USER: shop\n      API_TOKEN: hunter2-not-real\n",
            "SW2400",
            "API_TOKEN",
        ),
        ("    volumes:\n      - db-data:/var/lib/postgresql/data\n", "", "SW2500", "  db:"),
        ("      - \"127.0.0.1:8000:8000\"", "      - \"8000:8000\"", "SW2501", "\"8000:8000\""),
        // The api's Dockerfile starts no init of its own.
        (API_USER, "    user: \"10001:10001\"\n    init: false\n", "SW2104", "init: false"),
        (API_USER, "    user: \"10001:10001\"\n    devices:\n      - /dev/fuse\n", "SW2309", "/dev/fuse"),
        (
            "    networks: [backend]\n    depends_on:",
            "    network_mode: bridge\n    depends_on:",
            "SW2503",
            "network_mode: bridge",
        ),
        // A reverse proxy in front of the api, on the database's network.
        ("  db:\n    <<: *hardening\n", PROXY, "SW2502", "      backend: {}"),
    ]
}

#[test]
fn each_deviation_gets_its_finding() {
    let deviations = deviations();
    let original = std::fs::read_to_string(fixture().join("compose.yaml")).unwrap();
    for (from, to, rule, marker) in &deviations {
        assert!(original.contains(from), "{from:?} not in the fixture");
        let changed = original.replacen(from, to, 1);
        let line = changed
            .lines()
            .position(|l| {
                // A marker that is a whole key line (`  db:`) must be that line.
                if marker.starts_with(' ') {
                    l == *marker
                } else {
                    l.contains(marker)
                }
            })
            .unwrap_or_else(|| panic!("{marker:?} not in the changed file"))
            as u64
            + 1;
        let dir = work_tree();
        std::fs::write(dir.path().join("compose.yaml"), &changed).unwrap();
        let found = compose_findings(dir.path());
        assert_eq!(
            found,
            [((*rule).to_owned(), line)],
            "changing {from:?} into {to:?}"
        );
    }
}

/// `seaworthy fix --unsafe-fixes` brings every deviation whose repair is mechanical back to a
/// project with no finding, and leaves the others as they were (their finding stays, nothing
/// else appears); a second run changes nothing.
#[test]
fn fix_repairs_each_mechanical_deviation() {
    // The rules whose deviation above `fix` repairs. The others need a person: which
    // privilege, mount, device or capability to drop, which image version, which limit.
    // (init: false and a web port on all interfaces are written choices, left alone.)
    const REPAIRED: &[&str] = &["SW2101", "SW2303", "SW2305", "SW2307", "SW2400"];
    let original = std::fs::read_to_string(fixture().join("compose.yaml")).unwrap();
    let mut repaired = Vec::new();
    for (from, to, rule, _) in deviations() {
        let changed = original.replacen(from, to, 1);
        let dir = work_tree();
        std::fs::write(dir.path().join("compose.yaml"), &changed).unwrap();
        let before = compose_findings(dir.path());
        let fix = || {
            Command::cargo_bin("seaworthy")
                .unwrap()
                .current_dir(dir.path())
                .args(["fix", "--unsafe-fixes"])
                .output()
                .unwrap()
        };
        let out = fix();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.code() != Some(2), "{rule}: {stderr}");
        let after = compose_findings(dir.path());
        let text = std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap();
        if REPAIRED.contains(&rule) {
            assert_eq!(after, [], "{rule} not repaired: {stderr}\n{text}");
            repaired.push(rule);
        } else {
            assert_eq!(after, before, "{rule}: {stderr}\n{text}");
            assert_eq!(text, changed, "{rule}: changed although not repaired");
        }
        let again = fix();
        assert!(
            String::from_utf8_lossy(&again.stderr).contains("0 fixes applied"),
            "{rule}: a second fix changed something"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap(),
            text
        );
    }
    repaired.sort_unstable();
    assert_eq!(repaired, REPAIRED);
}
