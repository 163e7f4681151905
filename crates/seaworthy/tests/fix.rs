//! `seaworthy fix` as users run it: what it writes, what it leaves alone, and how it says so.

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
