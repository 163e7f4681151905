//! The command line as users run it: exit codes, messages with file:line:column, discovery.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;

fn seaworthy() -> Command {
    let mut cmd = Command::cargo_bin("seaworthy").unwrap();
    // Away from the repository, so that no .seaworthy.toml or .hadolint.yaml of its own applies.
    cmd.current_dir(std::env::temp_dir());
    cmd
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[test]
fn check_walks_a_tree_and_respects_gitignore() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // `ignore` only reads .gitignore inside a git repository.
    fs::create_dir(root.join(".git")).unwrap();
    write(root, ".gitignore", "vendor/\n");
    write(root, "Dockerfile", "FROM alpine:3.20.3\nUSER 10001\n");
    write(
        root,
        "svc/api.Dockerfile",
        "FROM alpine:3.20.3\nUSER 10001\n",
    );
    write(
        root,
        "svc/Containerfile",
        "FROM alpine:3.20.3\nUSER 10001\n",
    );
    write(
        root,
        "svc/Dockerfile.prod",
        "FROM alpine:3.20.3\nUSER 10001\n",
    );
    write(root, "svc/Dockerfile.template", "{{ not a dockerfile }}\n");
    write(root, "vendor/Dockerfile", "NOT A DOCKERFILE\n");
    let out = seaworthy().arg("check").arg(root).assert().success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("checked 4 Dockerfiles and 0 Compose projects, 0 with errors"),
        "{stderr}"
    );
    // The ignored and template files were not read: nothing else was reported.
    assert!(out.get_output().stdout.is_empty());
}

#[test]
fn parse_errors_give_file_line_column_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "a/Dockerfile",
        "FROM alpine\nRUN <<EOF\necho never closed\n",
    );
    write(root, "b/Dockerfile", "FROM alpine\n\nENV ONLYKEY\n");
    write(
        root,
        "c/Dockerfile",
        "FROM alpine\nRUN --mount=type=cache,target=/c --bogus=1 ls\n",
    );
    write(root, "d/Dockerfile", "FROM alpine\nFORM x\n");
    write(root, "e/Dockerfile", "# only a comment\n");
    write(root, "f/Dockerfile", "# escape=x\nFROM alpine\n");
    let out = seaworthy().arg("check").arg(root).assert().code(2);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let expect = [
        ("a/Dockerfile:2:1: error: unterminated heredoc"),
        ("b/Dockerfile:3:5: error: ENV must have two arguments"),
        ("c/Dockerfile:2:"),
        ("unknown flag: --bogus"),
        ("d/Dockerfile:2:1: error: unknown instruction: FORM"),
        ("e/Dockerfile:2:1: error: file with no instructions"),
        ("f/Dockerfile:1:10: error: invalid escape token 'x'"),
    ];
    for e in expect {
        assert!(stdout.contains(e), "missing {e:?} in:\n{stdout}");
    }
}

#[test]
fn warnings_do_not_fail_the_check() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Dockerfile",
        "FROM alpine:3.20.3\n# syntax=docker/dockerfile:1\nUSER 1000\nCMD [\"sh\"]\n",
    );
    let out = seaworthy()
        .args(["check", "--format", "concise", "--fail-on", "error"])
        .arg(dir.path())
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        stdout.contains("Dockerfile:2:1: warning: the syntax parser directive has no effect"),
        "{stdout}"
    );
}

#[test]
fn an_empty_continuation_line_is_reported_once_as_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Dockerfile",
        "FROM alpine:3.20.3\nRUN a \\\n\n  b\nUSER 1000\n",
    );
    let out = seaworthy()
        .args(["check", "--format", "concise"])
        .arg(dir.path())
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert_eq!(stdout.matches(":3:").count(), 1, "{stdout}");
    assert!(stdout.contains("(empty-continuation-line)"), "{stdout}");
    assert!(!stdout.contains("warning: Empty continuation"), "{stdout}");
}

#[test]
fn build_args_resolve_a_base_that_waits_for_them() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Dockerfile",
        "ARG BASE\nFROM ${BASE}\nARG X\nFROM $NOPE\n",
    );
    let out = seaworthy().arg("check").arg(dir.path()).assert().code(2);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(stdout.contains("Dockerfile:4:6: error: base name ($NOPE) should not be blank"));
    assert!(!stdout.contains("${BASE}"), "{stdout}");
}

#[test]
fn debug_dump_prints_buildkit_format_and_rejects_like_buildkit() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Dockerfile");
    fs::write(
        &file,
        "FROM golang:1.22 AS build\nCOPY --from=x a b\nCMD [\"run\"]\nONBUILD RUN make\nBOGUS x\n",
    )
    .unwrap();
    seaworthy()
        .args(["debug", "dump"])
        .arg(&file)
        .assert()
        .success()
        .stdout(
            "(from \"golang:1.22\" \"AS\" \"build\")\n(copy [\"--from=x\"] \"a\" \"b\")\n\
             (cmd \"run\")\n(onbuild (run \"make\"))\n(bogus \"\")\n",
        );
    fs::write(&file, "FROM x\nCMD [\"a\", [\"b\"]]\n").unwrap();
    seaworthy()
        .args(["debug", "dump"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(contains(
            "Dockerfile:2:5: error: when using JSON array syntax",
        ));
}

#[test]
fn debug_reprint_is_byte_exact() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Dockerfile");
    let text =
        "\u{feff}# syntax=docker/dockerfile:1\r\nFROM a \\\r\n  # c\r\n  AS b\t\nRUN <<EOF\nx\nEOF";
    fs::write(&file, text).unwrap();
    seaworthy()
        .args(["debug", "reprint"])
        .arg(&file)
        .assert()
        .success()
        .stdout(text);
}

#[test]
fn debug_expand_follows_buildkit() {
    seaworthy()
        .args(["debug", "expand", "--env", "V=a b", "--", "${V:-x}/${U:-d}"])
        .assert()
        .success()
        .stdout("a b/d\n");
    seaworthy()
        .args([
            "debug", "expand", "--words", "--env", "V=a b", "--", "$V 'c d'",
        ])
        .assert()
        .success()
        .stdout("a,b,c d\n");
    seaworthy()
        .args(["debug", "expand", "--", "${U:?is required}"])
        .assert()
        .code(2)
        .stderr(contains("U: is required"));
}

#[test]
fn a_missing_path_is_a_usage_error() {
    seaworthy()
        .args(["check", "/definitely/not/here"])
        .assert()
        .code(2)
        .stderr(contains("no such file or directory"));
}

#[test]
fn debug_model_shows_stages_effective_state_and_run_commands_with_positions() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Dockerfile");
    fs::write(
        &file,
        "ARG GO=1.22\n\
         FROM golang:${GO} AS build\n\
         WORKDIR /src\n\
         RUN go mod download \\\n    # fetched once\n    && sudo go build -o /app .\n\
         FROM gcr.io/distroless/static\n\
         COPY --from=build /app /app\n\
         USER 65532\n\
         RUN <<EOF\nset -e\nchmod 777 /tmp\nEOF\n\
         SHELL [\"pwsh\", \"-c\"]\n\
         RUN Get-ChildItem\n",
    )
    .unwrap();
    let out = seaworthy()
        .args(["debug", "model"])
        .arg(&file)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    for want in [
        "global ARG GO = 1.22",
        "stage 0 build at 2:1: FROM docker.io/library/golang:1.22",
        "stage 1 stage-1 at 7:1: FROM gcr.io/distroless/static:latest  [target]",
        "      6:8 sudo go build -o /app .",
        "  4:1 RUN user=(base image) workdir=/src shell=/bin/sh -c",
        "      4:5 go mod download",
        "      6:13 go build -o /app .  (under sudo)",
        "      from stage 0",
        "  10:1 RUN user=65532",
        "      12:1 chmod 777 /tmp",
        "(not analysed: PowerShell)",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    let out = seaworthy()
        .args(["debug", "model", "--build-arg", "GO=1.23"])
        .arg(&file)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("FROM docker.io/library/golang:1.23"),
        "{text}"
    );
}

#[test]
fn findings_exit_1_unless_below_the_threshold_and_every_format_reports_them() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Dockerfile", "FROM alpine:3.20\nRUN id\n");
    let out = seaworthy()
        .args(["check", "--color", "never"])
        .arg(dir.path())
        .assert()
        .code(1);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("warning[SW1001]"), "{text}");
    assert!(text.contains("Dockerfile:1:1"), "{text}");
    // Below the threshold: reported, but the check passes.
    seaworthy()
        .args(["check", "--fail-on", "error", "--format", "concise"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(contains("Dockerfile:1:1: warning[SW1001]"));
    let out = seaworthy()
        .args(["check", "--format", "json"])
        .arg(dir.path())
        .assert()
        .code(1);
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v[0]["rule"], "SW1001");
    assert_eq!(v[0]["line"], 1);
    seaworthy()
        .args(["check", "--fail-on", "loud"])
        .arg(dir.path())
        .assert()
        .code(2);
}

#[test]
fn rule_and_rules_explain_the_catalogue() {
    seaworthy()
        .args(["rule", "dl3002"])
        .assert()
        .success()
        .stdout(contains("SW1001 last-user-root").and(contains("Use instead:")));
    seaworthy()
        .args(["rules"])
        .assert()
        .success()
        .stdout(contains("SW1001  last-user-root"));
    seaworthy().args(["rule", "nope"]).assert().code(2);
}

/// The hardened fixture follows every Dockerfile practice under the strictest settings (its
/// `.seaworthy.toml`: digest pins, trusted registries, required and strict labels), with its
/// build context and ShellCheck: no rule may fire on it. The same file with its hardening undone
/// line by line is what each rule's own tests cover.
#[test]
fn the_hardened_fixture_gets_no_finding() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hardened");
    let out = Command::cargo_bin("seaworthy")
        .unwrap()
        .current_dir(&fixture)
        .args(["check", "--format", "concise", "--fail-on", "style"])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("checked 1 Dockerfile and 0 Compose projects, 0 with errors, 0 findings"),
        "{stderr}"
    );
    // The configuration is really applied: the same Dockerfile without its digests fails it.
    let dir = tempfile::tempdir().unwrap();
    for name in [".seaworthy.toml", ".dockerignore", "requirements.txt"] {
        std::fs::copy(fixture.join(name), dir.path().join(name)).unwrap();
    }
    let text = std::fs::read_to_string(fixture.join("Dockerfile")).unwrap();
    let unpinned: String = text
        .lines()
        .map(|l| match l.find("@sha256:") {
            Some(at) if l.starts_with("FROM") => {
                let rest = l[at..].split_once(' ').map_or("", |(_, r)| r);
                format!("{} {rest}\n", &l[..at])
            }
            _ => format!("{l}\n"),
        })
        .collect();
    std::fs::write(dir.path().join("Dockerfile"), unpinned).unwrap();
    std::fs::create_dir(dir.path().join("app")).unwrap();
    let out = Command::cargo_bin("seaworthy")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "--format", "concise"])
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(stdout.contains("base-image-not-digest-pinned"), "{stdout}");
}
