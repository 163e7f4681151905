//! `seaworthy check` on Compose projects: discovery, findings per file, pragmas, errors,
//! formats and the summary.

use std::fs;
use std::path::Path;

use assert_cmd::Command;

/// `seaworthy` run in `dir`, where no configuration of the repository applies.
fn seaworthy(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("seaworthy").unwrap();
    cmd.current_dir(dir);
    cmd.env_remove("COMPOSE_FILE");
    cmd
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[&str]) -> Run {
    let out = seaworthy(dir).args(args).output().unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

const PRIVILEGED: &str = "services:\n  web:\n    image: nginx:1.27.2\n    privileged: true\n";

#[test]
fn a_privileged_service_is_reported_at_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "compose.yaml", PRIVILEGED);
    let r = run(dir.path(), &["check", "--format", "concise"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("compose.yaml:4:17: error[SW2300]"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr
            .contains("checked 0 Dockerfiles and 1 Compose project"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_finding_from_the_override_file_points_at_it() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "docker-compose.yml",
        "services:\n  web:\n    image: nginx:1.27.2\n",
    );
    write(
        dir.path(),
        "docker-compose.override.yml",
        "services:\n  web:\n\n    privileged: true\n",
    );
    let r = run(
        dir.path(),
        &["check", "--format", "concise", "--select", "SW2300"],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", r.stdout);
    assert!(
        lines[0].starts_with("./docker-compose.override.yml:4:17: error[SW2300]"),
        "{}",
        r.stdout
    );
    // The override file is part of the project, not a project of its own.
    assert!(r.stderr.contains("and 1 Compose project,"), "{}", r.stderr);
    // Named on the command line, the override file brings its main file.
    let r = run(
        dir.path(),
        &[
            "check",
            "--format",
            "concise",
            "--select",
            "SW2300",
            "docker-compose.override.yml",
        ],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("docker-compose.override.yml:4:17"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_pragma_silences_the_finding_below_it() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27.2\n    # seaworthy ignore=compose-privileged the CI runner needs it\n    privileged: true\n",
    );
    let r = run(
        dir.path(),
        &["check", "--format", "concise", "--select", "SW2300"],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains("SW2300"), "{}", r.stdout);
    // Separated by a blank line, the pragma is stranded.
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27.2\n    # seaworthy ignore=SW2300\n\n    privileged: true\n",
    );
    let r = run(
        dir.path(),
        &["check", "--format", "concise", "--select", "SW2300"],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("compose.yaml:6:17"), "{}", r.stdout);
    // ignore-file anywhere, in the override file for a finding there.
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27.2\n",
    );
    write(
        dir.path(),
        "compose.override.yaml",
        "services:\n  web:\n    privileged: true\n# seaworthy ignore-file=SW2300\n",
    );
    let r = run(
        dir.path(),
        &["check", "--format", "concise", "--select", "SW2300"],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn a_yaml_error_is_reported_with_file_line_column_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "svc/compose.yml",
        "services:\n  web:\n    image: nginx:1.27.2\n    ports: [\"80:80\"\n",
    );
    let r = run(dir.path(), &["check"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    let all = format!("{}{}", r.stdout, r.stderr);
    let line = all
        .lines()
        .find(|l| l.contains(": error: "))
        .unwrap_or_else(|| panic!("{all}"));
    // `svc/compose.yml:LINE:COL: error: ...`
    let rest = line
        .strip_prefix("./svc/compose.yml:")
        .unwrap_or_else(|| panic!("{line}"));
    let mut parts = rest.splitn(3, ':');
    assert!(parts.next().unwrap().parse::<usize>().is_ok(), "{line}");
    assert!(parts.next().unwrap().parse::<usize>().is_ok(), "{line}");
    assert!(r.stderr.contains("1 with errors"), "{}", r.stderr);
}

#[test]
fn sarif_carries_the_compose_finding_and_its_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "compose.yaml", PRIVILEGED);
    let r = run(dir.path(), &["check", "--format", "sarif"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let sarif: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let found = results
        .iter()
        .find(|f| f["ruleId"] == "SW2300")
        .unwrap_or_else(|| panic!("{}", r.stdout));
    let location = &found["locations"][0]["physicalLocation"];
    let uri = location["artifactLocation"]["uri"].as_str().unwrap();
    assert!(uri.ends_with("compose.yaml"), "{uri}");
    assert_eq!(location["region"]["startLine"], 4);
}

#[test]
fn dockerfiles_and_compose_projects_are_checked_together() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Dockerfile", "FROM alpine:3.20.3\nUSER root\n");
    write(dir.path(), "deploy/compose.yaml", PRIVILEGED);
    write(dir.path(), "deploy/docker-compose.prod.yml", PRIVILEGED);
    let r = run(
        dir.path(),
        &["check", "--format", "concise", "--select", "SW1001,SW2300"],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    // Ordered by path; the variant file is a project of its own.
    assert_eq!(lines.len(), 3, "{}", r.stdout);
    assert!(lines[0].starts_with("./Dockerfile:2:"), "{}", r.stdout);
    assert!(
        lines[1].starts_with("./deploy/compose.yaml:4:17"),
        "{}",
        r.stdout
    );
    assert!(
        lines[2].starts_with("./deploy/docker-compose.prod.yml:4:17"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr
            .contains("checked 1 Dockerfile and 2 Compose projects, 0 with errors, 3 findings"),
        "{}",
        r.stderr
    );
}

#[test]
fn configuration_applies_to_the_compose_file_path() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "compose.yaml", PRIVILEGED);
    write(
        dir.path(),
        ".seaworthy.toml",
        "[[overrides]]\npaths = [\"compose.yaml\"]\n[overrides.severity]\nSW2300 = \"style\"\n",
    );
    let r = run(dir.path(), &["check", "--format", "concise"]);
    assert!(
        r.stdout.contains("compose.yaml:4:17: style[SW2300]"),
        "{}{}",
        r.stdout,
        r.stderr
    );
}

#[test]
fn a_finding_from_an_extends_base_points_at_that_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "common/base.yml",
        "services:\n  base:\n    image: nginx:1.27.2\n    privileged: true\n",
    );
    write(
        dir.path(),
        "app/compose.yaml",
        "services:\n  web:\n    extends:\n      file: ../common/base.yml\n      service: base\n",
    );
    let r = run(
        dir.path(),
        &["check", "--format", "concise", "--select", "SW2300"],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .starts_with("./common/base.yml:4:17: error[SW2300]"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_file_shared_by_two_projects_is_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "common/base.yml",
        "services:\n  base:\n    image: nginx:1.27.2${SUFFIX}\n    privileged: true\n    devices:\n      - ${DEVICE:-/dev/null}\n",
    );
    for app in ["api", "worker"] {
        write(
            dir.path(),
            &format!("{app}/compose.yaml"),
            "services:\n  web:\n    extends:\n      file: ../common/base.yml\n      service: base\n    devices:\n      - /dev/kvm\n",
        );
    }
    // The worker's `.env` names another device: its finding on the shared line differs.
    write(dir.path(), "worker/.env", "DEVICE=/dev/fuse\n");
    let r = run(
        dir.path(),
        &["check", "--format", "concise", "--select", "SW2300,SW2309"],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let count = |prefix: &str| {
        r.stdout
            .lines()
            .filter(|l| l.starts_with(prefix) && l.contains("[SW"))
            .count()
    };
    for (prefix, n) in [
        // The same finding from both projects: once.
        ("./common/base.yml:4:", 1),
        // Judged differently in each project: both.
        ("./common/base.yml:6:", 2),
        ("./api/compose.yaml:7:", 1),
        ("./worker/compose.yaml:7:", 1),
    ] {
        assert_eq!(count(prefix), n, "{prefix}\n{}", r.stdout);
    }
    // The unset variable of the shared file is warned about once.
    let warnings = format!("{}{}", r.stdout, r.stderr);
    assert_eq!(
        warnings.matches("\"SUFFIX\" variable is not set").count(),
        1,
        "{warnings}"
    );
}
