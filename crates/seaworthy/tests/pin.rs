//! `seaworthy pin` end to end against a real registry on loopback (Debian's docker-registry,
//! images pushed by the tests with skopeo): FROM lines, `COPY --from`, `RUN --mount from=`,
//! Compose `image:` and Kubernetes `image:` pinned in one run to the digests the registry serves (the index digest for a
//! multi-platform image, computed here from the bytes the registry serves), `--check`,
//! `--update`, `--diff`, basic auth over TLS, and one clear line for each error.

mod common;

use common::copy_dir;
use std::path::Path;

// The image crate's real-registry fixture: docker-registry on loopback, skopeo to push.
#[path = "../../seaworthy-image/tests/support/registry.rs"]
mod registry;

use assert_cmd::Command;
use registry::{Auth, Registry};
use seaworthy_image::write::{ImageWriter, IndexWriter, LayerBuilder};
use sha2::{Digest as _, Sha256};

/// A small image for `arch` whose content depends on `marker` (so different markers give
/// different digests).
fn image(arch: &str, marker: &str) -> ImageWriter {
    let mut w = ImageWriter::new(r#"{"User": "10001", "Cmd": ["/app"]}"#);
    w.architecture = arch.into();
    w.layer(
        LayerBuilder::new()
            .dir("/etc", 0o755, 0, 0)
            .file("/etc/marker", marker.as_bytes(), 0o644)
            .finish(),
        "COPY marker /etc/marker",
    );
    w
}

fn single(dir: &Path, name: &str, marker: &str) -> std::path::PathBuf {
    let layout = dir.join(name);
    image("amd64", marker).oci_layout(&layout).unwrap();
    layout
}

fn multi(dir: &Path, name: &str, marker: &str) -> std::path::PathBuf {
    let layout = dir.join(name);
    let (amd, arm) = (image("amd64", marker), image("arm64", marker));
    IndexWriter {
        images: vec![&amd, &arm],
    }
    .oci_layout(&layout)
    .unwrap();
    layout
}

/// The manifest bytes the registry serves for `reference` (`skopeo inspect --raw`), and their
/// sha256: the digest a pin must carry, computed without seaworthy.
fn served(reference: &str, creds: Option<&str>) -> (serde_json::Value, String) {
    let mut cmd = std::process::Command::new("skopeo");
    cmd.args(["inspect", "--raw", "--tls-verify=false"]);
    if let Some(c) = creds {
        cmd.arg(format!("--creds={c}"));
    }
    let out = cmd.arg(format!("docker://{reference}")).output().unwrap();
    assert!(
        out.status.success(),
        "skopeo inspect: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hex: String = Sha256::digest(&out.stdout)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    (
        serde_json::from_slice(&out.stdout).unwrap(),
        format!("sha256:{hex}"),
    )
}

/// `seaworthy` in `dir`, with an empty Docker config (never the user's).
fn seaworthy(dir: &Path, docker_config: &Path) -> Command {
    let mut cmd = Command::cargo_bin("seaworthy").unwrap();
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env("DOCKER_CONFIG", docker_config)
        .env_remove("IMG");
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const DOCKERFILE: &str = "# syntax=docker/dockerfile:1
ARG V=1
FROM --platform=$BUILDPLATFORM R/multi:2 AS build
RUN echo built
FROM R/app:${V} AS from-arg
FROM build AS again
FROM scratch AS empty
COPY --from=build /etc/marker /
FROM   R/base   AS last
COPY --from=R/app:1 /etc/marker /app-marker
RUN --mount=target=/m,from=R/multi:2,type=bind cat /m/etc/marker
";

const COMPOSE: &str = "services:
  web:
    image: \"R/multi:2\"   # the proxy
  db:
    image: R/app:1
  built:
    build: .
    image: R/app:1
  env:
    image: ${IMG:-R/app:1}
";

/// CRLF line endings, two documents, a flow mapping, a quoted value.
const DEPLOYMENT: &str = "apiVersion: apps/v1\r
kind: Deployment\r
metadata:\r
  name: web\r
spec:\r
  template:\r
    spec:\r
      initContainers:\r
        - name: init\r
          image: R/app:1\r
      containers:\r
        - name: web\r
          image: 'R/multi:2'  # every platform\r
---\r
apiVersion: v1\r
kind: Pod\r
spec:\r
  containers: [{name: a, image: \"R/base\"}]\r
";

/// A Dockerfile (FROM, COPY --from, RUN --mount from=; a COPY --from naming a stage is no
/// reference), a Compose file and a Kubernetes manifest pinned in one run: the multi-platform
/// tag to its index digest, tags kept, a tagless reference given `:latest`, every other byte
/// as it was; what cannot be pinned is reported; a second run changes nothing; `--check`
/// fails before and passes after.
#[test]
fn pins_dockerfiles_compose_and_kubernetes_in_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let layouts = tmp.path().join("layouts");
    let reg = Registry::start(Auth::None);
    reg.push(&multi(&layouts, "multi", "m"), "multi:2", &["--all"]);
    reg.push(&single(&layouts, "app", "a"), "app:1", &[]);
    reg.push(&single(&layouts, "base", "b"), "base:latest", &[]);
    let r = reg.reference("");
    let r = r.trim_end_matches('/');

    // The digests the registry serves, computed from its bytes.
    let (index, multi_digest) = served(&reg.reference("multi:2"), None);
    assert_eq!(
        index["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    let platforms: Vec<String> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            assert_ne!(m["digest"].as_str().unwrap(), multi_digest);
            m["platform"]["architecture"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(platforms, ["amd64", "arm64"]);
    let (_, app_digest) = served(&reg.reference("app:1"), None);
    let (_, base_digest) = served(&reg.reference("base:latest"), None);

    let project = tmp.path().join("project");
    let sub = |t: &str| t.replace("R/", &format!("{r}/"));
    write(&project, "Dockerfile", &sub(DOCKERFILE));
    write(&project, "compose.yaml", &sub(COMPOSE));
    write(&project, "k8s/deployment.yaml", &sub(DEPLOYMENT));
    // Not Kubernetes, not Compose: left alone.
    write(&project, "values.yaml", &sub("image: R/app:1\n"));
    let untouched = tmp.path().join("untouched");
    copy_dir(&project, &untouched);
    let empty = tempfile::tempdir().unwrap();

    // --check before pinning: every pinnable reference is reported, exit 1.
    let check = run(seaworthy(&project, empty.path()).args(["pin", "--check", "--insecure"]));
    assert_eq!(check.code, 1, "{}{}", check.stdout, check.stderr);
    assert!(
        check
            .stdout
            .contains(&format!("Dockerfile:3:32: not pinned: {r}/multi:2\n")),
        "{}",
        check.stdout
    );
    assert_eq!(
        check.stdout.matches(": not pinned: ").count(),
        9,
        "{}",
        check.stdout
    );
    assert!(
        check.stderr.contains("9 not pinned, 5 cannot be pinned"),
        "{}",
        check.stderr
    );

    let pin = run(seaworthy(&project, empty.path()).args(["pin", "--insecure"]));
    assert_eq!(pin.code, 0, "{}{}", pin.stdout, pin.stderr);
    let want_stdout = format!(
        "Dockerfile:3:32: pinned {r}/multi:2 → {multi_digest}
Dockerfile:5:6: cannot pin {r}/app:${{V}}: built from ARG V
Dockerfile:6:6: cannot pin build: a stage of this Dockerfile (build)
Dockerfile:7:6: cannot pin scratch: scratch is no image
Dockerfile:9:8: pinned {r}/base (as {r}/base:latest) → {base_digest}
Dockerfile:10:13: pinned {r}/app:1 → {app_digest}
Dockerfile:11:28: pinned {r}/multi:2 → {multi_digest}
compose.yaml:3:12: pinned {r}/multi:2 → {multi_digest}
compose.yaml:5:12: pinned {r}/app:1 → {app_digest}
compose.yaml:8:12: cannot pin {r}/app:1: the image service built builds (it has build:)
compose.yaml:10:12: cannot pin ${{IMG:-{r}/app:1}}: interpolated from variable IMG
k8s/deployment.yaml:10:18: pinned {r}/app:1 → {app_digest}
k8s/deployment.yaml:13:18: pinned {r}/multi:2 → {multi_digest}
k8s/deployment.yaml:18:33: pinned {r}/base (as {r}/base:latest) → {base_digest}
"
    );
    assert_eq!(pin.stdout, want_stdout);
    assert_eq!(
        pin.stderr,
        "14 image references in 3 files: 9 pinned, 5 cannot be pinned; 3 files changed\n"
    );

    let pinned = |t: &str| {
        sub(t)
            .replace(
                &format!("{r}/multi:2\""),
                &format!("{r}/multi:2@{multi_digest}\""),
            )
            .replace(
                &format!("{r}/multi:2 "),
                &format!("{r}/multi:2@{multi_digest} "),
            )
            .replace(
                &format!("{r}/multi:2'"),
                &format!("{r}/multi:2@{multi_digest}'"),
            )
    };
    assert_eq!(
        read(&project.join("Dockerfile")),
        format!(
            "# syntax=docker/dockerfile:1
ARG V=1
FROM --platform=$BUILDPLATFORM {r}/multi:2@{multi_digest} AS build
RUN echo built
FROM {r}/app:${{V}} AS from-arg
FROM build AS again
FROM scratch AS empty
COPY --from=build /etc/marker /
FROM   {r}/base:latest@{base_digest}   AS last
COPY --from={r}/app:1@{app_digest} /etc/marker /app-marker
RUN --mount=target=/m,from={r}/multi:2@{multi_digest},type=bind cat /m/etc/marker
"
        )
    );
    assert_eq!(
        read(&project.join("compose.yaml")),
        pinned(COMPOSE).replacen(
            &format!("image: {r}/app:1\n"),
            &format!("image: {r}/app:1@{app_digest}\n"),
            1
        )
    );
    assert_eq!(
        read(&project.join("k8s/deployment.yaml")),
        pinned(DEPLOYMENT)
            .replace(
                &format!("image: {r}/app:1\r"),
                &format!("image: {r}/app:1@{app_digest}\r")
            )
            .replace(
                &format!("{r}/base\""),
                &format!("{r}/base:latest@{base_digest}\"")
            )
    );
    assert_eq!(read(&project.join("values.yaml")), sub("image: R/app:1\n"));
    // The exact texts above are still what `check` parses.
    seaworthy(&project, empty.path())
        .args(["debug", "model", "Dockerfile"])
        .assert()
        .success();

    // Nothing left to do: a second run changes nothing.
    let before: Vec<String> = ["Dockerfile", "compose.yaml", "k8s/deployment.yaml"]
        .iter()
        .map(|f| read(&project.join(f)))
        .collect();
    let again = run(seaworthy(&project, empty.path()).args(["pin", "--insecure"]));
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
    assert_eq!(again.stdout.matches(": already pinned: ").count(), 9);
    assert!(!again.stderr.contains("changed"), "{}", again.stderr);
    let after: Vec<String> = ["Dockerfile", "compose.yaml", "k8s/deployment.yaml"]
        .iter()
        .map(|f| read(&project.join(f)))
        .collect();
    assert_eq!(before, after);

    // --check after pinning: every pin exists, exit 0.
    let check = run(seaworthy(&project, empty.path()).args(["pin", "--check", "--insecure"]));
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    assert!(
        check
            .stderr
            .starts_with("14 image references in 3 files: 9 pinned, 5 cannot be pinned"),
        "{}",
        check.stderr
    );

    // --diff on the untouched copy: the same change as a diff, nothing written.
    let diff = run(seaworthy(&untouched, empty.path()).args([
        "pin",
        "--diff",
        "--insecure",
        "Dockerfile",
    ]));
    assert_eq!(diff.code, 0, "{}{}", diff.stdout, diff.stderr);
    assert_eq!(
        diff.stdout,
        format!(
            "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,11 +1,11 @@\n # syntax=docker/dockerfile:1\n \
             ARG V=1\n-FROM --platform=$BUILDPLATFORM {r}/multi:2 AS build\n\
             +FROM --platform=$BUILDPLATFORM {r}/multi:2@{multi_digest} AS build\n \
             RUN echo built\n FROM {r}/app:${{V}} AS from-arg\n FROM build AS again\n \
             FROM scratch AS empty\n COPY --from=build /etc/marker /\n\
             -FROM   {r}/base   AS last\n\
             -COPY --from={r}/app:1 /etc/marker /app-marker\n\
             -RUN --mount=target=/m,from={r}/multi:2,type=bind cat /m/etc/marker\n\
             +FROM   {r}/base:latest@{base_digest}   AS last\n\
             +COPY --from={r}/app:1@{app_digest} /etc/marker /app-marker\n\
             +RUN --mount=target=/m,from={r}/multi:2@{multi_digest},type=bind cat \
             /m/etc/marker\n"
        )
    );
    assert!(diff.stderr.contains("would pin"), "{}", diff.stderr);
    assert_eq!(read(&untouched.join("Dockerfile")), sub(DOCKERFILE));
}

/// `--check` fails for a digest the registry never had and for one deleted from it; `--update`
/// moves a pin when its tag moves, and then has nothing to do.
#[test]
fn check_finds_missing_digests_and_update_follows_the_tag() {
    let tmp = tempfile::tempdir().unwrap();
    let layouts = tmp.path().join("layouts");
    let reg = Registry::start(Auth::None);
    reg.push(&single(&layouts, "one", "first"), "app:1", &[]);
    let (_, first) = served(&reg.reference("app:1"), None);
    let app = reg.reference("app:1");
    let project = tmp.path().join("project");
    let empty = tempfile::tempdir().unwrap();
    write(&project, "Dockerfile", &format!("FROM {app}\n"));
    let pin = run(seaworthy(&project, empty.path()).args(["pin", "--insecure"]));
    assert_eq!(pin.code, 0, "{}{}", pin.stdout, pin.stderr);
    assert_eq!(
        read(&project.join("Dockerfile")),
        format!("FROM {app}@{first}\n")
    );

    // A made-up digest: never in the registry.
    let made_up = format!("sha256:{}", "0".repeat(64));
    write(
        &project,
        "compose.yaml",
        &format!("services:\n  a:\n    image: {app}@{made_up}\n"),
    );
    let check = run(seaworthy(&project, empty.path()).args(["pin", "--check", "--insecure"]));
    assert_eq!(check.code, 1, "{}{}", check.stdout, check.stderr);
    assert_eq!(
        check.stdout,
        format!(
            "Dockerfile:1:6: pinned: {app}@{first}\n\
             compose.yaml:3:12: pinned to a digest the registry no longer has (or never had): \
             {app}@{made_up}\n"
        )
    );
    assert!(
        check
            .stderr
            .contains("1 pinned, 1 pinned to a missing digest"),
        "{}",
        check.stderr
    );
    std::fs::remove_file(project.join("compose.yaml")).unwrap();

    // The tag moves: --check still passes (the old digest exists), --update follows the tag.
    reg.push(&single(&layouts, "two", "second"), "app:1", &[]);
    let (_, second) = served(&reg.reference("app:1"), None);
    assert_ne!(first, second);
    let check = run(seaworthy(&project, empty.path()).args(["pin", "--check", "--insecure"]));
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    let update = run(seaworthy(&project, empty.path()).args(["pin", "--update", "--insecure"]));
    assert_eq!(update.code, 0, "{}{}", update.stdout, update.stderr);
    assert_eq!(
        update.stdout,
        format!("Dockerfile:1:6: updated {app}: {first} → {second}\n")
    );
    assert_eq!(
        read(&project.join("Dockerfile")),
        format!("FROM {app}@{second}\n")
    );
    let again = run(seaworthy(&project, empty.path()).args(["pin", "--update", "--insecure"]));
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
    assert_eq!(
        again.stdout,
        format!("Dockerfile:1:6: up to date: {app}@{second}\n")
    );
    // Without --update a pinned reference is left alone, whatever its tag names now.
    write(&project, "Dockerfile", &format!("FROM {app}@{first}\n"));
    let plain = run(seaworthy(&project, empty.path()).args(["pin", "--insecure"]));
    assert_eq!(plain.code, 0);
    assert_eq!(
        read(&project.join("Dockerfile")),
        format!("FROM {app}@{first}\n")
    );

    // The first digest deleted from the registry's storage: --check fails.
    let revision = reg
        .dir
        .path()
        .join("data/docker/registry/v2/repositories/app/_manifests/revisions/sha256")
        .join(first.trim_start_matches("sha256:"));
    assert!(revision.is_dir(), "{}", revision.display());
    std::fs::remove_dir_all(&revision).unwrap();
    let check = run(seaworthy(&project, empty.path()).args(["pin", "--check", "--insecure"]));
    assert_eq!(check.code, 1, "{}{}", check.stdout, check.stderr);
    assert_eq!(
        check.stdout,
        format!(
            "Dockerfile:1:6: pinned to a digest the registry no longer has (or never had): \
             {app}@{first}\n"
        )
    );
}

/// Basic auth over TLS (credentials from the Docker config, the test CA from --ca-file), and
/// one clear line, with the reference, for each failure: refused credentials, an unknown tag,
/// a registry nobody listens for. A failed reference leaves the file as it was.
#[test]
fn basic_auth_over_tls_and_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let layouts = tmp.path().join("layouts");
    let tls = Registry::start(Auth::BasicTls);
    tls.push(
        &multi(&layouts, "multi", "secure"),
        "private/app:1",
        &["--all"],
    );
    let reference = tls.reference("private/app:1");
    let (_, digest) = served(
        &reference,
        Some(&format!("{}:{}", registry::USER, registry::PASSWORD)),
    );
    let ca = tls.ca.clone().unwrap();
    let project = tmp.path().join("project");
    let dockerfile = format!("FROM {reference} AS app\n");
    write(&project, "Dockerfile", &dockerfile);

    let bad = tls.docker_config(registry::USER, "not-the-password");
    let out = run(seaworthy(&project, bad.path())
        .args(["pin", "--ca-file"])
        .arg(&ca));
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    let port = tls.port;
    assert_eq!(
        out.stdout,
        format!(
            "Dockerfile:1:6: error: {reference}: the registry 127.0.0.1:{port} refused the \
             credentials from {}/config.json (unauthorized)\n",
            bad.path().display()
        )
    );
    assert!(!out.stdout.contains("not-the-password"));
    assert_eq!(read(&project.join("Dockerfile")), dockerfile);

    // The system roots alone do not trust the test CA.
    let good = tls.docker_config(registry::USER, registry::PASSWORD);
    let out = run(seaworthy(&project, good.path()).arg("pin"));
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .starts_with(&format!("Dockerfile:1:6: error: {reference}: TLS failure")),
        "{}",
        out.stdout
    );
    assert_eq!(out.stdout.lines().count(), 1);

    let out = run(seaworthy(&project, good.path())
        .args(["pin", "--ca-file"])
        .arg(&ca));
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        out.stdout,
        format!("Dockerfile:1:6: pinned {reference} → {digest}\n")
    );
    assert_eq!(
        read(&project.join("Dockerfile")),
        format!("FROM {reference}@{digest} AS app\n")
    );
    let out = run(seaworthy(&project, good.path())
        .args(["pin", "--check", "--ca-file"])
        .arg(&ca));
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);

    // An unknown tag: exit 1, the file untouched, the other reference still pinned.
    let plain = Registry::start(Auth::None);
    plain.push(&single(&layouts, "one", "x"), "app:1", &[]);
    let (_, app_digest) = served(&plain.reference("app:1"), None);
    let missing = plain.reference("app:nope");
    let app = plain.reference("app:1");
    let empty = tempfile::tempdir().unwrap();
    write(
        &project,
        "Dockerfile",
        &format!("FROM {missing}\nFROM {app}\n"),
    );
    let out = run(seaworthy(&project, empty.path()).args(["pin", "--insecure"]));
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        out.stdout,
        format!(
            "Dockerfile:1:6: error: {missing}: tag nope not found in the registry 127.0.0.1:{} \
             (manifest unknown)\nDockerfile:2:6: pinned {app} → {app_digest}\n",
            plain.port
        )
    );
    assert_eq!(
        read(&project.join("Dockerfile")),
        format!("FROM {missing}\nFROM {app}@{app_digest}\n")
    );

    // A registry nobody listens for: exit 2, one line naming it.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let gone = format!("127.0.0.1:{port}/app:1");
    write(&project, "Dockerfile", &format!("FROM {gone}\n"));
    let out = run(seaworthy(&project, empty.path()).args(["pin", "--insecure"]));
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.starts_with(&format!(
            "Dockerfile:1:6: error: {gone}: cannot reach the registry 127.0.0.1:{port}: "
        )),
        "{}",
        out.stdout
    );
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
    assert_eq!(read(&project.join("Dockerfile")), format!("FROM {gone}\n"));

    // A file seaworthy cannot parse: exit 2, never touched.
    write(
        &project,
        "Dockerfile",
        "FROM alpine\nRUN <<EOF\nunterminated",
    );
    let out = run(seaworthy(&project, empty.path()).args(["pin", "--insecure"]));
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .starts_with("Dockerfile:2:1: error: unterminated heredoc\n"),
        "{}",
        out.stderr
    );
}

/// Bearer tokens (Docker's token auth): the credentials from the Docker config go to the token
/// server, scoped to the repository, and the pin is the digest the registry serves.
#[test]
fn bearer_token_auth() {
    let tmp = tempfile::tempdir().unwrap();
    let layouts = tmp.path().join("layouts");
    let reg = Registry::start(Auth::Token);
    reg.push(
        &multi(&layouts, "multi", "token"),
        "private/app:3",
        &["--all"],
    );
    let reference = reg.reference("private/app:3");
    let (_, digest) = served(
        &reference,
        Some(&format!("{}:{}", registry::USER, registry::PASSWORD)),
    );
    let project = tmp.path().join("project");
    write(
        &project,
        "k8s.yaml",
        &format!("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - image: {reference}\n"),
    );
    let config = reg.docker_config(registry::USER, registry::PASSWORD);
    let out = run(seaworthy(&project, config.path()).args(["pin", "--insecure", "k8s.yaml"]));
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        out.stdout,
        format!("k8s.yaml:5:14: pinned {reference} → {digest}\n")
    );
    assert_eq!(
        read(&project.join("k8s.yaml")),
        format!(
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - image: {reference}@{digest}\n"
        )
    );
    let requests = reg
        .token_server
        .as_ref()
        .unwrap()
        .requests
        .lock()
        .unwrap()
        .clone();
    assert!(
        requests
            .iter()
            .any(|r| r.contains("scope=repository%3Aprivate%2Fapp%3Apull")
                || r.contains("scope=repository:private/app:pull")),
        "{requests:?}"
    );
    // Anonymous: the token server refuses, one clear line, exit 2.
    let empty = tempfile::tempdir().unwrap();
    let out =
        run(seaworthy(&project, empty.path()).args(["pin", "--check", "--insecure", "k8s.yaml"]));
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.starts_with(&format!(
            "k8s.yaml:5:14: error: {reference}@{digest}: the registry 127.0.0.1:{} requires \
             authentication",
            reg.port
        )),
        "{}",
        out.stdout
    );
}
