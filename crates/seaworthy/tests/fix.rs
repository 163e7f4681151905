//! `seaworthy fix` as users run it: what it writes, what it leaves alone, and how it says so.

mod common;

use common::copy_dir;
use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

fn seaworthy(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("seaworthy").unwrap();
    cmd.current_dir(dir);
    cmd
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap()
}

/// A Dockerfile with two safe fixes and findings no fix repairs.
const FIXABLE: &str = "FROM alpine:3.20.3\nEXPOSE 80/TCP\nRUN echo a \\\n\n    && echo b\n";
const FIXED: &str = "FROM alpine:3.20.3\nEXPOSE 80/tcp\nRUN echo a \\\n    && echo b\n";

#[test]
fn fix_rewrites_in_place_keeping_permissions_and_a_second_run_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Dockerfile", FIXABLE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(
            dir.path().join("Dockerfile"),
            fs::Permissions::from_mode(0o640),
        )
        .unwrap();
    }
    // Findings remain (no USER, no HEALTHCHECK): exit 1, as `check` would.
    let out = seaworthy(dir.path()).arg("fix").assert().code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("Dockerfile: fixed SW1541 (expose-protocol-casing)"),
        "{stderr}"
    );
    assert!(stderr.contains("fixed SW1544"), "{stderr}");
    assert!(stderr.contains("2 fixes applied to 1 file"), "{stderr}");
    assert_eq!(read(dir.path(), "Dockerfile"), FIXED);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.path().join("Dockerfile"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640);
    }
    // No temporary file is left behind.
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["Dockerfile"]);
    // The findings are gone from `check`, and a second fix is a no-op.
    seaworthy(dir.path())
        .args(["check", "--no-shellcheck", "--format", "concise"])
        .assert()
        .stdout(predicates::str::contains("SW1541").not())
        .stdout(predicates::str::contains("SW1544").not());
    seaworthy(dir.path())
        .arg("fix")
        .assert()
        .code(1)
        .stderr(contains("0 fixes applied to 0 files"));
    assert_eq!(read(dir.path(), "Dockerfile"), FIXED);
}

#[test]
fn diff_prints_the_change_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Dockerfile", FIXABLE);
    let out = seaworthy(dir.path())
        .args(["fix", "--diff"])
        .assert()
        .code(1);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(
        stdout,
        "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,5 +1,4 @@\n FROM alpine:3.20.3\n\
         -EXPOSE 80/TCP\n+EXPOSE 80/tcp\n RUN echo a \\\n-\n     && echo b\n"
    );
    assert_eq!(read(dir.path(), "Dockerfile"), FIXABLE);
    // Nothing to change: exit 0 and no diff.
    write(dir.path(), "Dockerfile", FIXED);
    seaworthy(dir.path())
        .args(["fix", "--diff"])
        .assert()
        .code(0)
        .stdout("");
}

#[test]
fn select_and_ignore_choose_the_fixes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Dockerfile", FIXABLE);
    seaworthy(dir.path())
        .args(["fix", "--select", "expose-protocol-casing"])
        .assert()
        .code(0)
        .stderr(contains("1 fix applied to 1 file, 0 findings remaining"));
    assert_eq!(
        read(dir.path(), "Dockerfile"),
        "FROM alpine:3.20.3\nEXPOSE 80/tcp\nRUN echo a \\\n\n    && echo b\n"
    );
    write(dir.path(), "Dockerfile", FIXABLE);
    seaworthy(dir.path())
        .args(["fix", "--ignore", "SW1541"])
        .assert()
        .code(1);
    assert_eq!(
        read(dir.path(), "Dockerfile"),
        "FROM alpine:3.20.3\nEXPOSE 80/TCP\nRUN echo a \\\n    && echo b\n"
    );
}

#[test]
fn a_file_that_does_not_parse_is_never_touched() {
    let dir = tempfile::tempdir().unwrap();
    let broken = "FROM alpine:3.20.3\nEXPOSE 80/TCP\nCOPY --from=nowhere\n";
    write(dir.path(), "Dockerfile", broken);
    let not_utf8: &[u8] = b"FROM alpine:3.20.3\nEXPOSE 80/TCP\nLABEL x=\xff\n";
    fs::create_dir(dir.path().join("b")).unwrap();
    fs::write(dir.path().join("b/Dockerfile"), not_utf8).unwrap();
    seaworthy(dir.path())
        .arg("fix")
        .assert()
        .code(2)
        .stderr(contains("Dockerfile:3:1: error:"))
        .stderr(contains("b/Dockerfile: warning: not UTF-8, not fixed"));
    assert_eq!(read(dir.path(), "Dockerfile"), broken);
    assert_eq!(fs::read(dir.path().join("b/Dockerfile")).unwrap(), not_utf8);
}

#[test]
fn a_symbolic_link_stays_a_link_to_the_fixed_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "real/Dockerfile", FIXABLE);
    fs::create_dir(dir.path().join("app")).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("../real/Dockerfile", dir.path().join("app/Dockerfile"))
            .unwrap();
        seaworthy(dir.path())
            .args(["fix", "app/Dockerfile"])
            .assert()
            .code(1);
        let link = fs::symlink_metadata(dir.path().join("app/Dockerfile")).unwrap();
        assert!(link.file_type().is_symlink());
        assert_eq!(read(dir.path(), "real/Dockerfile"), FIXED);
    }
}

#[test]
fn check_says_which_findings_fix_repairs() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Dockerfile", FIXABLE);
    seaworthy(dir.path())
        .args(["check", "--no-shellcheck", "--format", "concise"])
        .assert()
        .code(1)
        .stdout(contains("(expose-protocol-casing) [fix]\n"))
        .stderr(contains("(2 fixable with `seaworthy fix`)"));
    seaworthy(dir.path())
        .args(["check", "--no-shellcheck"])
        .assert()
        .stdout(contains("= help: `seaworthy fix` can "));
}

const COMPOSE_WITH_CREDENTIAL: &str = "services:
  api:
    image: example/api:1.4.2
    # The token of the payment provider.
    environment:
      LOG_LEVEL: info
      PAYMENT_API_TOKEN: tok-live-8f2a91c3
";

#[test]
fn an_unsafe_compose_fix_waits_for_the_flag_and_writes_its_secret_beside() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "compose.yaml", COMPOSE_WITH_CREDENTIAL);
    write(dir.path(), ".gitignore", "/secrets/\n");
    // Safe fixes only: the credential stays, and the summary says what the flag would do.
    seaworthy(dir.path())
        .args(["fix", "--select", "SW2400"])
        .assert()
        .code(1)
        .stderr(contains(
            "0 fixes applied to 0 files, 1 finding remaining (1 more fixable with --unsafe-fixes)",
        ));
    assert_eq!(read(dir.path(), "compose.yaml"), COMPOSE_WITH_CREDENTIAL);
    seaworthy(dir.path())
        .args(["fix", "--select", "SW2400", "--unsafe-fixes"])
        .assert()
        .code(0)
        .stderr(contains("fixed SW2400"));
    assert_eq!(
        read(dir.path(), "compose.yaml"),
        "services:
  api:
    image: example/api:1.4.2
    # The token of the payment provider.
    environment:
      LOG_LEVEL: info
      PAYMENT_API_TOKEN_FILE: /run/secrets/payment_api_token
    secrets:
      - payment_api_token
secrets:
  payment_api_token:
    file: ./secrets/payment_api_token.txt
"
    );
    assert_eq!(
        read(dir.path(), "secrets/payment_api_token.txt"),
        "tok-live-8f2a91c3"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.path().join("secrets/payment_api_token.txt"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // `/secrets/` already keeps the directory out of git: no second line.
    assert_eq!(read(dir.path(), ".gitignore"), "/secrets/\n");
    // The project still loads, with the secret declared.
    seaworthy(dir.path())
        .args(["debug", "compose"])
        .assert()
        .success()
        .stdout(contains("\"payment_api_token\""));
}

#[test]
fn a_secret_fix_adds_the_gitignore_line_when_it_is_missing_and_never_overwrites_a_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "compose.yaml", COMPOSE_WITH_CREDENTIAL);
    seaworthy(dir.path())
        .args(["fix", "--select", "SW2400", "--unsafe-fixes"])
        .assert()
        .code(0);
    assert_eq!(read(dir.path(), ".gitignore"), "secrets/\n");
    // A file already where the secret would go, with other contents: nothing is written.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "compose.yaml", COMPOSE_WITH_CREDENTIAL);
    write(
        dir.path(),
        "secrets/payment_api_token.txt",
        "something else",
    );
    seaworthy(dir.path())
        .args(["fix", "--select", "SW2400", "--unsafe-fixes"])
        .assert()
        .code(2)
        .stderr(contains("exists with other contents; not overwritten"));
    assert_eq!(read(dir.path(), "compose.yaml"), COMPOSE_WITH_CREDENTIAL);
    assert_eq!(
        read(dir.path(), "secrets/payment_api_token.txt"),
        "something else"
    );
}

/// The rule ids `check` reports on the project in `dir`, with its own configuration.
fn rule_ids(dir: &Path) -> Vec<String> {
    let out = seaworthy(dir)
        .args([
            "check",
            "--no-shellcheck",
            "--format",
            "json",
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
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}

/// What is changed, into what, the rule that fires, and what fix makes of it (`None`: the
/// fixture's own text; else a replacement in the fixture's text).
type Deviation = (
    &'static str,
    &'static str,
    &'static str,
    Option<(&'static str, &'static str)>,
);

/// Each deviation from the hardened Dockerfile (issue 3's fixture, under its strictest
/// settings) whose repair is mechanical is brought back by `fix --unsafe-fixes` to a file
/// with no finding, the very text of the fixture where the fix restores what was there;
/// the others are left as they were.
#[test]
fn fix_brings_the_hardened_dockerfile_back_from_each_mechanical_deviation() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hardened");
    let original = read(&fixture, "Dockerfile");
    const PIP: &str = "COPY --from=build /install /usr/local\n";
    const USERS: &str = "RUN groupadd --gid 10001 app \\\n";
    let repaired: &[Deviation] = &[
        ("COPY requirements.txt .", "ADD requirements.txt .", "SW1502", None),
        ("USER 10001:10001", "USER app:app", "SW1002", None),
        (
            PIP,
            "RUN pip install gunicorn==23.0.0\nCOPY --from=build /install /usr/local\n",
            "SW1404",
            Some((PIP, "RUN pip install --no-cache-dir gunicorn==23.0.0\nCOPY --from=build /install /usr/local\n")),
        ),
        (
            USERS,
            "RUN apt-get update && apt-get install curl=7.88.1-10+deb12u8\nRUN groupadd --gid 10001 app \\\n",
            "SW1400",
            Some((USERS, "RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 && rm -rf /var/lib/apt/lists/*\nRUN groupadd --gid 10001 app \\\n")),
        ),
        (
            USERS,
            "RUN apt update && apt install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n && rm -rf /var/lib/apt/lists/*\nRUN groupadd --gid 10001 app \\\n",
            "SW1403",
            Some((USERS, "RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n && rm -rf /var/lib/apt/lists/*\nRUN groupadd --gid 10001 app \\\n")),
        ),
    ];
    for (from, to, rule, fixed) in repaired {
        assert!(original.contains(from), "{from:?} not in the fixture");
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixture, dir.path());
        let changed = original.replacen(from, to, 1);
        write(dir.path(), "Dockerfile", &changed);
        assert!(
            rule_ids(dir.path()).iter().any(|r| r == rule),
            "{rule} does not fire on the deviation"
        );
        let out = seaworthy(dir.path())
            .args(["fix", "--unsafe-fixes"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let text = read(dir.path(), "Dockerfile");
        let want = match fixed {
            None => original.clone(),
            Some((a, b)) => original.replacen(a, b, 1),
        };
        assert_eq!(text, want, "{rule}: {stderr}");
        assert_eq!(
            rule_ids(dir.path()),
            Vec::<String>::new(),
            "{rule}: {stderr}"
        );
        assert_eq!(out.status.code(), Some(0), "{rule}: {stderr}");
    }
    // A shell-form ENTRYPOINT under SHELL bash, and a relative WORKDIR on a base image whose
    // working directory the Dockerfile does not say: a fix would guess.
    for (from, to, rule) in [
        (
            "ENTRYPOINT [\"python\", \"-m\", \"app\"]",
            "ENTRYPOINT python -m app",
            "SW1100",
        ),
        ("WORKDIR /app", "WORKDIR app", "SW1508"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixture, dir.path());
        let changed = original.replacen(from, to, 1);
        write(dir.path(), "Dockerfile", &changed);
        assert!(rule_ids(dir.path()).iter().any(|r| r == rule), "{rule}");
        seaworthy(dir.path())
            .args(["fix", "--unsafe-fixes"])
            .assert()
            .code(1);
        assert_eq!(read(dir.path(), "Dockerfile"), changed, "{rule}");
    }
}
