//! Configuration, inline suppression and the report options of `check`, as users run them:
//! each test works in its own directory, with its own Dockerfiles and configuration files.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::str::contains;

/// `sudo` (SW1408 sudo-in-run, error, hygiene) on line 2 and a lower-case `as` (SW1506
/// from-as-casing, style, correctness) on line 1.
const SUDO_AND_CASING: &str = "FROM debian:12.7 as build\nRUN sudo make\nUSER 1000\n";

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// `seaworthy check --format concise ARGS` run in `cwd`: (exit code, stdout, stderr).
fn check(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["--format", "concise"];
    all.extend_from_slice(args);
    run(cwd, &all)
}

/// `seaworthy check ARGS` run in `cwd`: (exit code, stdout, stderr).
fn run(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("seaworthy")
        .unwrap()
        .current_dir(cwd)
        .arg("check")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The rules these tests watch: others (added to the catalogue later) may fire on the same
/// fixtures and are left out of [`ids`].
const WATCHED: [&str; 3] = ["SW1220", "SW1408", "SW1506"];

/// The watched rule ids reported on stdout in the concise format, in order.
fn ids(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| {
            let start = l.find('[')? + 1;
            let end = start + l[start..].find(']')?;
            Some(l[start..end].to_owned())
        })
        .filter(|id| WATCHED.contains(&id.as_str()))
        .collect()
}

#[test]
fn config_is_found_upward_from_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "svc/Dockerfile", SUDO_AND_CASING);
    fs::create_dir_all(root.join("svc/deep/er")).unwrap();
    // Without configuration both rules report.
    let (code, out, _) = check(&root.join("svc/deep/er"), &["../../Dockerfile"]);
    assert_eq!(
        (code, ids(&out)),
        (1, vec!["SW1506".into(), "SW1408".into()])
    );
    write(root, ".seaworthy.toml", "ignore = [\"sudo-in-run\"]\n");
    let (code, out, _) = check(&root.join("svc/deep/er"), &["../../Dockerfile"]);
    // Only a style finding is left: below the default threshold (info).
    assert_eq!((code, ids(&out)), (0, vec!["SW1506".into()]));
    // A nearer .hadolint.yaml does not win over a .seaworthy.toml further up.
    write(root, "svc/.hadolint.yaml", "ignored: [FromAsCasing]\n");
    let (_, out, _) = check(&root.join("svc"), &["Dockerfile"]);
    assert_eq!(ids(&out), ["SW1506"]);
    // --config names the file outright.
    write(root, "other.toml", "ignore = [\"correctness\"]\n");
    let (_, out, _) = check(
        &root.join("svc"),
        &["--config", "../other.toml", "Dockerfile"],
    );
    assert_eq!(ids(&out), ["SW1408"]);
}

#[test]
fn select_and_ignore_by_id_name_alias_or_category() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "Dockerfile", SUDO_AND_CASING);
    for (flags, want) in [
        (vec!["--select", "SW1408"], vec!["SW1408"]),
        (vec!["--select", "sudo-in-run"], vec!["SW1408"]),
        (vec!["--select", "DL3004"], vec!["SW1408"]),
        (vec!["--select", "fromascasing"], vec!["SW1506"]),
        (
            vec!["--select", "hygiene,correctness"],
            vec!["SW1506", "SW1408"],
        ),
        (
            vec!["--select", "hygiene", "--select", "correctness"],
            vec!["SW1506", "SW1408"],
        ),
        (vec!["--ignore", "DL3004"], vec!["SW1506"]),
        (vec!["--ignore", "correctness"], vec!["SW1408"]),
        (vec!["--ignore", "sudo-in-run,SW1506"], vec![]),
        // The rule's own key beats its category.
        (
            vec!["--select", "SW1408", "--ignore", "hygiene"],
            vec!["SW1408"],
        ),
    ] {
        let mut args = flags.clone();
        args.push("Dockerfile");
        let (_, out, _) = check(root, &args);
        assert_eq!(ids(&out), want, "{flags:?}");
    }
    // The command line comes after the configuration.
    write(root, ".seaworthy.toml", "select = [\"hygiene\"]\n");
    let (_, out, _) = check(root, &["Dockerfile"]);
    assert_eq!(ids(&out), ["SW1408"]);
    let (_, out, _) = check(root, &["--select", "SW1506", "Dockerfile"]);
    assert_eq!(ids(&out), ["SW1506"]);
    // A key that names nothing is a usage error.
    let (code, _, err) = check(root, &["--ignore", "DL9999", "Dockerfile"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--ignore: no rule or category \"DL9999\""),
        "{err}"
    );
}

#[test]
fn severity_overrides_change_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "Dockerfile", "FROM debian:12.7 as build\nUSER 1000\n");
    write(root, ".seaworthy.toml", "fail-on = \"warning\"\n");
    let (code, out, _) = check(root, &["Dockerfile"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("style[SW1506]"), "{out}");
    write(
        root,
        ".seaworthy.toml",
        "fail-on = \"warning\"\n[severity]\nFromAsCasing = \"error\"\n",
    );
    let (code, out, _) = check(root, &["Dockerfile"]);
    assert_eq!(code, 1);
    assert!(out.contains("error[SW1506]"), "{out}");
    // --fail-on on the command line wins over the file's.
    let (code, _, _) = check(root, &["--fail-on", "none", "Dockerfile"]);
    assert_eq!(code, 0);
}

#[test]
fn per_path_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "app/Dockerfile", SUDO_AND_CASING);
    write(root, "legacy/old/Dockerfile", SUDO_AND_CASING);
    write(
        root,
        ".seaworthy.toml",
        "[[overrides]]\npaths = [\"legacy/**\"]\nignore = [\"hygiene\"]\n\
         [overrides.severity]\nSW1506 = \"warning\"\n",
    );
    let (_, out, _) = check(root, &["."]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("app/Dockerfile:2:5: error[SW1408]")),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("app/Dockerfile:1:18: style[SW1506]")),
        "{out}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("legacy/old/Dockerfile:2")),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("legacy/old/Dockerfile:1:18: warning[SW1506]")),
        "{out}"
    );
    // Paths are taken relative to the configuration file, from wherever seaworthy runs.
    let (_, out, _) = check(&root.join("legacy"), &["old/Dockerfile"]);
    assert_eq!(ids(&out), ["SW1506"]);
}

#[test]
fn hadolint_yaml_is_read_when_there_is_no_seaworthy_toml() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "Dockerfile",
        "FROM quay.io/team/base:1.2.3 as build\nRUN sudo make\nUSER 1000\n",
    );
    let (_, out, _) = check(root, &["Dockerfile"]);
    assert_eq!(ids(&out), ["SW1506", "SW1408"]);
    write(
        root,
        ".hadolint.yaml",
        "ignored:\n  - DL3004\noverride:\n  info:\n    - FromAsCasing\n\
         trustedRegistries:\n  - docker.io\nfailure-threshold: warning\n",
    );
    let (code, out, _) = check(root, &["Dockerfile"]);
    // DL3004 is off, the casing rule became info (below the threshold), and quay.io is not
    // trusted: DL3026.
    assert_eq!(ids(&out), ["SW1220", "SW1506"], "{out}");
    assert!(out.contains("info[SW1506]"), "{out}");
    assert_eq!(code, 1);
    write(
        root,
        ".hadolint.yaml",
        "ignored: [DL3004]\ntrustedRegistries: [quay.io]\nfailure-threshold: warning\n\
         override:\n  info: [FromAsCasing]\n",
    );
    let (code, out, _) = check(root, &["Dockerfile"]);
    assert_eq!((code, ids(&out)), (0, vec!["SW1506".to_owned()]), "{out}");
}

#[test]
fn a_bad_config_is_a_usage_error_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "Dockerfile", SUDO_AND_CASING);
    write(
        root,
        ".seaworthy.toml",
        "ignore = [\"SW1408\"]\n\n[settings]\nbase-pins = \"tag\"\n",
    );
    let (code, out, err) = check(root, &["Dockerfile"]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains(".seaworthy.toml:4:1: error: unknown field `base-pins`"),
        "{err}"
    );
    write(root, ".seaworthy.toml", "fail-on = \"loud\"\n");
    let (code, _, err) = check(root, &["Dockerfile"]);
    assert_eq!(code, 2);
    assert!(
        err.contains(".seaworthy.toml:1:11: error: unknown severity"),
        "{err}"
    );
    fs::remove_file(root.join(".seaworthy.toml")).unwrap();
    write(root, ".hadolint.yml", "ignored: DL3004\n");
    let (code, _, err) = check(root, &["Dockerfile"]);
    assert_eq!(code, 2);
    assert!(
        err.contains(".hadolint.yml:1:10: error: expected a list"),
        "{err}"
    );
    let (code, _, err) = check(root, &["--config", "missing.toml", "Dockerfile"]);
    assert_eq!(code, 2);
    assert!(err.contains("missing.toml: error:"), "{err}");
}

/// Lines where sudo-in-run still reports in `src`.
fn sudo_lines(src: &str, extra: &[&str]) -> Vec<usize> {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Dockerfile", src);
    let mut args = vec!["--select", "SW1408"];
    args.extend_from_slice(extra);
    args.push("Dockerfile");
    let (_, out, _) = check(dir.path(), &args);
    out.lines()
        .filter_map(|l| l.strip_prefix("Dockerfile:"))
        .map(|l| l.split(':').next().unwrap().parse().unwrap())
        .collect()
}

#[test]
fn every_pragma_form_end_to_end() {
    let base = "FROM debian:12.7\n";
    let runs = "RUN sudo a\nRUN sudo b\n";
    assert_eq!(sudo_lines(&format!("{base}{runs}"), &[]), [2, 3]);
    for pragma in [
        "# seaworthy ignore=SW1408 the installer needs root",
        "# seaworthy ignore=DL3008,sudo-in-run",
        "# hadolint ignore=DL3004",
        "# trivy:ignore:DS-0010",
        "#trivy:ignore:AVD-DS-0010",
    ] {
        let src = format!("{base}{pragma}\n{runs}");
        assert_eq!(sudo_lines(&src, &[]), [4], "{pragma}");
    }
    for pragma in [
        "# seaworthy ignore-file=DL3004",
        "# hadolint global ignore=sudo-in-run",
    ] {
        let src = format!("{base}{runs}{pragma}\n");
        assert_eq!(sudo_lines(&src, &[]), Vec::<usize>::new(), "{pragma}");
    }
    let stages = |pragma: &str| {
        format!("FROM debian:12.7 AS a\nRUN sudo a\n{pragma}\nFROM debian:12.7\nRUN sudo b\n")
    };
    for pragma in [
        "# seaworthy ignore-stage=SW1408",
        "# hadolint stage ignore=DL3004",
    ] {
        assert_eq!(sudo_lines(&stages(pragma), &[]), [2], "{pragma}");
    }
    // BuildKit's check directive and comment name BuildKit's checks.
    let casing = "FROM debian:12.7 as a\nRUN sudo a\nUSER 1000\n";
    let (_, out, _) = {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "Dockerfile",
            &format!("# check=skip=FromAsCasing\n{casing}"),
        );
        check(dir.path(), &["Dockerfile"])
    };
    assert_eq!(ids(&out), ["SW1408"]);
    let (_, out, _) = {
        let dir = tempfile::tempdir().unwrap();
        let src = format!(
            "FROM debian:12.7\nUSER 1000\n# check=skip=all\n{casing}FROM debian:12.7 as b\n"
        );
        write(dir.path(), "Dockerfile", &src);
        check(dir.path(), &["Dockerfile"])
    };
    assert!(!out.contains("Dockerfile:4:"), "{out}");
    assert!(out.contains("Dockerfile:5:5: error[SW1408]"), "{out}");
    assert!(out.contains("Dockerfile:7:18: style[SW1506]"), "{out}");
    // `disable-ignore-pragma` and `inline-ignores = false` turn pragmas off.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Dockerfile",
        &format!("{base}# hadolint ignore=DL3004\n{runs}"),
    );
    write(
        dir.path(),
        ".hadolint.yaml",
        "disable-ignore-pragma: true\n",
    );
    let (_, out, _) = check(dir.path(), &["Dockerfile"]);
    assert_eq!(ids(&out), ["SW1408", "SW1408"]);
    fs::remove_file(dir.path().join(".hadolint.yaml")).unwrap();
    write(dir.path(), ".seaworthy.toml", "inline-ignores = false\n");
    let (_, out, _) = check(dir.path(), &["Dockerfile"]);
    assert_eq!(ids(&out), ["SW1408", "SW1408"]);
}

#[test]
fn output_file_statistics_and_formats() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "Dockerfile", SUDO_AND_CASING);
    write(root, "reports/old.txt", "stale\n");
    // -o: the report in the file, nothing on stdout, the summary on stderr.
    let (code, out, err) = check(root, &["-o", "reports/old.txt", "Dockerfile"]);
    assert_eq!(code, 1);
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("2 findings, report written to reports/old.txt"),
        "{err}"
    );
    let report = fs::read_to_string(root.join("reports/old.txt")).unwrap();
    assert_eq!(ids(&report), ["SW1506", "SW1408"]);
    // No temporary file is left beside it.
    assert_eq!(fs::read_dir(root.join("reports")).unwrap().count(), 1);
    let (code, _, err) = check(root, &["-o", "no/such/dir/r.txt", "Dockerfile"]);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/dir/r.txt: error:"), "{err}");

    // --statistics: after a human-readable report on stdout; on stderr after a machine one.
    let row = |text: &str| {
        text.lines().position(|l| {
            l.split_whitespace().collect::<Vec<_>>() == ["1", "SW1408", "sudo-in-run", "error"]
        })
    };
    let (_, out, _) = check(root, &["--statistics", "Dockerfile"]);
    let finding = out
        .lines()
        .position(|l| l.contains("Dockerfile:2:5: error[SW1408]"));
    assert!(row(&out) > finding && finding.is_some(), "{out}");
    let (_, out, _) = check(root, &["Dockerfile"]);
    assert_eq!(row(&out), None, "{out}");
    let (_, out, err) = run(root, &["--format", "json", "--statistics", "Dockerfile"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        v.as_array().unwrap().iter().any(|f| f["rule"] == "SW1408"),
        "{out}"
    );
    assert!(row(&err).is_some(), "{err}");

    // SARIF on stdout, parseable, with its version.
    let out = Command::cargo_bin("seaworthy")
        .unwrap()
        .current_dir(root)
        .args(["check", "--format", "sarif", "Dockerfile"])
        .assert()
        .code(1);
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    // Every listed format is accepted; an unknown one is a usage error naming them.
    for format in [
        "human",
        "concise",
        "json",
        "sarif",
        "junit",
        "checkstyle",
        "github",
        "gitlab",
    ] {
        let (code, out, _) = run(
            root,
            &["--format", format, "--select", "SW1408", "Dockerfile"],
        );
        assert_eq!(code, 1, "{format}");
        assert!(out.contains("SW1408"), "{format}: {out}");
    }
    Command::cargo_bin("seaworthy")
        .unwrap()
        .current_dir(root)
        .args(["check", "--format", "xml", "Dockerfile"])
        .assert()
        .code(2)
        .stderr(contains("sarif"));
}

#[test]
fn no_color_wins_over_color_always() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Dockerfile", SUDO_AND_CASING);
    let run = |flags: &[&str]| {
        let out = Command::cargo_bin("seaworthy")
            .unwrap()
            .current_dir(dir.path())
            .args(["check", "--format", "human"])
            .args(flags)
            .arg("Dockerfile")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(run(&["--color", "always"]).contains('\u{1b}'));
    assert!(!run(&["--color", "always", "--no-color"]).contains('\u{1b}'));
}
