//! `seaworthy image` end to end on images the tests write themselves: the hardened image gets
//! no finding, each single deviation from it gets exactly the finding it should, at the place
//! it should; broken images are one clear error line and exit 2; `--layers` prints the
//! breakdown.

use std::path::{Path, PathBuf};

// The image crate's real-registry fixture: docker-registry on loopback, skopeo to push.
#[path = "../../seaworthy-image/tests/support/registry.rs"]
mod registry;

use assert_cmd::Command;
use seaworthy_image::write::{ImageWriter, LayerBuilder};

const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\napp:x:10001:10001::/app:/usr/sbin/nologin\n";
const SHADOW: &str = "root:*:19000:0:99999:7:::\napp:!:19000:0:99999:7:::\n";
const GROUP: &str = "root:x:0:\napp:x:10001:\n";
const OS_RELEASE: &str =
    "PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nID=debian\nVERSION_ID=\"13\"\n";
const RUNTIME: &str = r#"{
    "User": "10001:10001",
    "Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "APP_MODE=production"],
    "Cmd": ["/app/server"],
    "WorkingDir": "/app",
    "ExposedPorts": {"8080/tcp": {}},
    "Volumes": {"/data": {}},
    "Healthcheck": {"Test": ["CMD", "/app/server", "--health"]}
}"#;

fn base() -> LayerBuilder {
    LayerBuilder::new()
        .dir("/bin", 0o755, 0, 0)
        .file("/bin/sh", b"\x7fELF shell", 0o755)
        .dir("/etc", 0o755, 0, 0)
        .file("/etc/passwd", PASSWD.as_bytes(), 0o644)
        .file("/etc/shadow", SHADOW.as_bytes(), 0o640)
        .file("/etc/group", GROUP.as_bytes(), 0o644)
        .file("/etc/os-release", OS_RELEASE.as_bytes(), 0o644)
        .dir("/tmp", 0o1777, 0, 0)
}

fn app() -> LayerBuilder {
    LayerBuilder::new()
        .dir("/app", 0o755, 10001, 10001)
        .file("/app/server", b"\x7fELF server", 0o755)
        .dir("/data", 0o750, 10001, 10001)
}

/// The hardened image: non-root numeric user, healthcheck, no secrets, no caches.
fn hardened() -> ImageWriter {
    let mut w = ImageWriter::new(RUNTIME);
    w.layer(base().finish(), "ADD rootfs.tar / # buildkit");
    w.layer(app().finish(), "COPY server /app/server # buildkit");
    w
}

/// The hardened image with a `size`-byte /tmp/big.tar added by step `add` and deleted by
/// step `remove`: wasted bytes.
fn with_deleted_file(size: usize, add: &str, remove: &str) -> ImageWriter {
    let mut w = with_layer(
        LayerBuilder::new().file("/tmp/big.tar", &vec![1u8; size], 0o644),
        add,
    );
    w.layer(
        LayerBuilder::new().whiteout("/tmp/big.tar").finish(),
        remove,
    );
    w
}

fn with_layer(layer: LayerBuilder, created_by: &str) -> ImageWriter {
    let mut w = hardened();
    w.layer(layer.finish(), created_by);
    w
}

fn seaworthy(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("seaworthy").unwrap();
    // No configuration file above the temporary directory changes the result.
    cmd.current_dir(dir).env("NO_COLOR", "1");
    cmd
}

/// (rule id, location) of every finding, and the exit code, for an image at `path`.
fn findings(dir: &Path, path: &Path) -> Vec<(String, String)> {
    findings_with(dir, &[], path)
}

/// The same, with more flags.
fn findings_with(dir: &Path, flags: &[&str], path: &Path) -> Vec<(String, String)> {
    let out = seaworthy(dir)
        .args(["image", "--format", "json", "--fail-on", "none"])
        .args(flags)
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json.as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["kind"], "image");
            assert_eq!(f["object"], path.to_str().unwrap());
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["location"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn write_archive(dir: &Path, w: &ImageWriter, name: &str) -> PathBuf {
    let path = dir.join(name);
    w.docker_archive(&path, "app:1").unwrap();
    path
}

#[test]
fn the_hardened_image_gets_no_finding() {
    let dir = tempfile::tempdir().unwrap();
    let w = hardened();
    let tar = write_archive(dir.path(), &w, "app.tar");
    let oci = dir.path().join("oci");
    w.oci_layout(&oci).unwrap();
    for path in [&tar, &oci] {
        let out = seaworthy(dir.path())
            .args(["image", "--fail-on", "style"])
            .arg(path)
            .assert()
            .success();
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains("1 image, 0 findings"), "{stderr}");
        assert!(out.get_output().stdout.is_empty());
    }
}

#[test]
fn each_deviation_gets_its_finding() {
    let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZWQyNTUxOQAAACDx\n-----END OPENSSH PRIVATE KEY-----\n";
    let set = |key: &str, value: Option<&str>| {
        let mut w = hardened();
        w.set(key, value);
        w
    };
    let cases: Vec<(&str, ImageWriter, &str, &str)> = vec![
        ("no user", set("User", None), "SW3001", "Config.User"),
        (
            "user 0:0",
            set("User", Some(r#""0:0""#)),
            "SW3001",
            "Config.User",
        ),
        (
            "unknown user",
            set("User", Some(r#""web""#)),
            "SW3004",
            "Config.User",
        ),
        (
            "no healthcheck",
            set("Healthcheck", None),
            "SW3100",
            "Config.Healthcheck",
        ),
        (
            "healthcheck with curl",
            set(
                "Healthcheck",
                Some(r#"{"Test": ["CMD-SHELL", "curl -f http://localhost:8080/"]}"#),
            ),
            "SW3101",
            "Config.Healthcheck.Test",
        ),
        (
            "shell-form cmd",
            set("Cmd", Some(r#"["/bin/sh", "-c", "/app/server"]"#)),
            "SW3102",
            "Config.Cmd",
        ),
        (
            "port 22",
            set("ExposedPorts", Some(r#"{"8080/tcp": {}, "22/tcp": {}}"#)),
            "SW3103",
            "Config.ExposedPorts",
        ),
        (
            "volume on /proc",
            set("Volumes", Some(r#"{"/data": {}, "/proc": {}}"#)),
            "SW3104",
            "Config.Volumes",
        ),
        (
            "secret env",
            set(
                "Env",
                Some(r#"["PATH=/usr/bin:/bin", "DB_PASSWORD=hunter2"]"#),
            ),
            "SW3300",
            "Config.Env",
        ),
        (
            "secret in history",
            {
                let mut w = hardened();
                w.step("RUN |1 NPM_TOKEN=s3cr3t /bin/sh -c npm ci # buildkit");
                w
            },
            "SW3301",
            "history[2].created_by",
        ),
        (
            "key added then deleted",
            {
                let mut w = with_layer(
                    LayerBuilder::new().file("/root/.ssh/id_ed25519", key.as_bytes(), 0o600),
                    "COPY id_ed25519 /root/.ssh/",
                );
                w.layer(
                    LayerBuilder::new()
                        .whiteout("/root/.ssh/id_ed25519")
                        .finish(),
                    "RUN rm /root/.ssh/id_ed25519",
                );
                w
            },
            "SW3303",
            "/root/.ssh/id_ed25519",
        ),
        (
            "credentials file",
            with_layer(
                LayerBuilder::new().file("/app/.aws/credentials", b"[default]\n", 0o600),
                "COPY . /app",
            ),
            "SW3302",
            "/app/.aws/credentials",
        ),
        (
            "setuid",
            with_layer(
                LayerBuilder::new().file("/usr/bin/su", b"\x7fELF", 0o4755),
                "RUN apt-get install -y login",
            ),
            "SW3401",
            "/usr/bin/su",
        ),
        (
            "world-writable",
            with_layer(
                LayerBuilder::new().file("/app/server", b"\x7fELF server", 0o777),
                "RUN chmod 777 /app/server",
            ),
            "SW3402",
            "/app/server",
        ),
        (
            "empty password",
            with_layer(
                LayerBuilder::new().file("/etc/shadow", b"root:*:1::::::\napp::1::::::\n", 0o640),
                "RUN passwd -d app",
            ),
            "SW3002",
            "/etc/shadow",
        ),
        (
            "duplicate uid",
            with_layer(
                LayerBuilder::new().file(
                    "/etc/passwd",
                    format!("{PASSWD}admin:x:10001:10001::/:/bin/sh\n").as_bytes(),
                    0o644,
                ),
                "RUN useradd -o -u 10001 admin",
            ),
            "SW3003",
            "/etc/passwd",
        ),
        (
            "apt lists",
            with_layer(
                LayerBuilder::new().file("/var/lib/apt/lists/x_InRelease", b"index", 0o644),
                "RUN apt-get update",
            ),
            "SW3403",
            "/var/lib/apt/lists",
        ),
        (
            "compiler",
            with_layer(
                LayerBuilder::new().file("/usr/bin/gcc", b"\x7fELF", 0o755),
                "RUN apt-get install -y gcc",
            ),
            "SW3404",
            "/usr/bin/gcc",
        ),
        (
            "wasted bytes",
            with_deleted_file(3 << 20, "COPY big.tar /tmp/", "RUN rm /tmp/big.tar"),
            "SW3405",
            "/tmp/big.tar",
        ),
        (
            "volume not writable",
            with_layer(
                LayerBuilder::new().dir("/data", 0o755, 0, 0),
                "RUN chown root /data",
            ),
            "SW3120",
            "Config.Volumes[/data]",
        ),
        (
            "end-of-life OS",
            with_layer(
                LayerBuilder::new().file(
                    "/etc/os-release",
                    b"ID=alpine\nVERSION_ID=3.14.2\n",
                    0o644,
                ),
                "ADD alpine.tar /",
            ),
            "SW3200",
            "/etc/os-release",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (i, (what, w, rule, place)) in cases.iter().enumerate() {
        let path = write_archive(dir.path(), w, &format!("case{i}.tar"));
        let got = findings(dir.path(), &path);
        assert_eq!(
            got,
            [(rule.to_string(), place.to_string())],
            "{what}: expected exactly {rule} at {place}"
        );
    }
}

#[test]
fn findings_show_the_place_and_mask_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = hardened();
    w.set("Env", Some(r#"["API_TOKEN=hunter2hunter2"]"#));
    let path = write_archive(dir.path(), &w, "app.tar");
    let out = seaworthy(dir.path())
        .args(["image", "--format", "concise"])
        .arg(&path)
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(stdout.contains("Config.Env"), "{stdout}");
    assert!(stdout.contains("API_TOKEN=****"), "{stdout}");
    assert!(!stdout.contains("hunter2"), "{stdout}");
    // --ignore and severity thresholds apply as for `check`.
    seaworthy(dir.path())
        .args(["image", "--ignore", "SW3300"])
        .arg(&path)
        .assert()
        .success();
}

#[test]
fn layers_breakdown() {
    let dir = tempfile::tempdir().unwrap();
    let w = with_deleted_file(
        2 << 20,
        "/bin/sh -c curl -o /tmp/big.tar https://example.com/big.tar",
        "/bin/sh -c rm /tmp/big.tar",
    );
    let path = write_archive(dir.path(), &w, "app.tar");
    let out = seaworthy(dir.path())
        .args(["image", "--layers", "--fail-on", "none"])
        .arg(&path)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let table = &stdout[stdout.find("Layers of").expect(&stdout)..];
    assert!(table.contains("4 layers"), "{table}");
    let rows: Vec<&str> = table.lines().filter(|l| l.contains("RUN ")).collect();
    assert_eq!(rows.len(), 2, "{table}");
    // The 2 MiB layer: a full bar of waste; its deleting layer: no bar.
    assert!(
        rows[0].contains("2.0 MiB") && rows[0].contains(&"~".repeat(30)),
        "{table}"
    );
    assert!(rows[0].contains("RUN curl -o /tmp/big.tar"), "{table}");
    assert!(!rows[1].contains('#') && !rows[1].contains('~'), "{table}");
    assert!(
        !table.contains('\x1b'),
        "no colour unless the report is coloured"
    );
    // Coloured with the report.
    let out = seaworthy(dir.path())
        .args([
            "image",
            "--layers",
            "--color",
            "always",
            "--fail-on",
            "none",
        ])
        .arg(&path)
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("\x1b[31m~"));
    // Machine formats keep stdout parseable: the table goes to stderr.
    let out = seaworthy(dir.path())
        .args(["image", "--layers", "--format", "json", "--fail-on", "none"])
        .arg(&path)
        .assert()
        .success();
    let o = out.get_output();
    serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("Layers of"));
}

/// One line on stderr, exit 2.
fn assert_error(dir: &Path, path: &Path, expected: &str) {
    let out = seaworthy(dir).arg("image").arg(path).assert().code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(expected), "{stderr}");
    assert!(out.get_output().stdout.is_empty());
}

#[test]
fn broken_images_are_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    assert_error(dir.path(), &dir.path().join("missing.tar"), "no such file");
    let not_image = dir.path().join("notes.txt");
    std::fs::write(&not_image, "hello").unwrap();
    assert_error(
        dir.path(),
        &not_image,
        "not a docker save archive or OCI image layout",
    );
    // A layer blob changed after the manifest was written: digest mismatch.
    let oci = dir.path().join("oci");
    hardened().oci_layout(&oci).unwrap();
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(oci.join("index.json")).unwrap()).unwrap();
    let manifest_digest = index["manifests"][0]["digest"].as_str().unwrap();
    let blob = |d: &str| {
        oci.join("blobs/sha256")
            .join(d.trim_start_matches("sha256:"))
    };
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(blob(manifest_digest)).unwrap()).unwrap();
    let layer = blob(manifest["layers"][1]["digest"].as_str().unwrap());
    let mut bytes = std::fs::read(&layer).unwrap();
    let keep = bytes.clone();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&layer, &bytes).unwrap();
    assert_error(dir.path(), &oci, "layer 1");
    // Truncated: a corrupt gzip stream.
    std::fs::write(&layer, &keep[..keep.len() / 2]).unwrap();
    assert_error(dir.path(), &oci, "layer 1");
    // No image for the platform asked for.
    std::fs::write(&layer, &keep).unwrap();
    let out = seaworthy(dir.path())
        .args(["image", "--platform", "linux/arm64"])
        .arg(&oci)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("no image for platform linux/arm64"),
        "{stderr}"
    );
}

/// `seaworthy image` by reference against a real registry on loopback: the hardened image
/// pushed there gets no finding, anonymously over plain HTTP (`--insecure`) and with basic auth
/// over TLS (credentials from the Docker config, the test CA from `--ca-file`); a missing image
/// and wrong credentials are one clear error line, exit 2, without the password.
#[test]
fn images_by_reference_from_a_real_registry() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("oci");
    hardened().oci_layout(&layout).unwrap();

    let plain = registry::Registry::start(registry::Auth::None);
    plain.push(&layout, "app:1", &[]);
    let reference = plain.reference("app:1");
    let out = seaworthy(dir.path())
        .args(["image", "--insecure", "--fail-on", "style"])
        .arg(&reference)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("1 image, 0 findings"), "{stderr}");
    // Without --insecure, HTTPS to a plain-HTTP registry fails clearly.
    let out = seaworthy(dir.path())
        .arg("image")
        .arg(&reference)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&reference), "{stderr}");
    // A tag that is not there.
    let missing = plain.reference("app:2");
    let out = seaworthy(dir.path())
        .args(["image", "--insecure"])
        .arg(&missing)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&missing), "{stderr}");
    // The HTML report of the same audit.
    let page = dir.path().join("layers.html");
    seaworthy(dir.path())
        .args(["image", "--insecure", "--html"])
        .arg(&page)
        .arg(&reference)
        .assert()
        .success();
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains(&format!("layers of {reference}")), "{html}");

    let tls = registry::Registry::start(registry::Auth::BasicTls);
    tls.push(&layout, "private/app:1", &[]);
    let reference = tls.reference("private/app:1");
    let ca = tls.ca.clone().unwrap();
    let good = tls.docker_config(registry::USER, registry::PASSWORD);
    let out = seaworthy(dir.path())
        .env("DOCKER_CONFIG", good.path())
        .args(["image", "--fail-on", "style", "--ca-file"])
        .arg(&ca)
        .arg(&reference)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("1 image, 0 findings"), "{stderr}");
    let bad = tls.docker_config(registry::USER, "not-the-password");
    let out = seaworthy(dir.path())
        .env("DOCKER_CONFIG", bad.path())
        .args(["image", "--ca-file"])
        .arg(&ca)
        .arg(&reference)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&reference), "{stderr}");
    assert!(!stderr.contains("not-the-password"), "{stderr}");
    // No credentials at all.
    let empty = tempfile::tempdir().unwrap();
    seaworthy(dir.path())
        .env("DOCKER_CONFIG", empty.path())
        .args(["image", "--ca-file"])
        .arg(&ca)
        .arg(&reference)
        .assert()
        .code(2);
}

/// `check --image`: a Dockerfile and the image built from it. What the image proves lands on
/// the Dockerfile's lines; an image not built from the target stage is reported there.
#[test]
fn check_cross_checks_a_dockerfile_with_its_image() {
    const DOCKERFILE: &str = "FROM scratch\nCOPY rootfs /\nUSER 10001:10001\nWORKDIR /app\n\
                              EXPOSE 8080\nVOLUME /data\n\
                              HEALTHCHECK CMD [\"/app/server\", \"--health\"]\n\
                              CMD [\"/app/server\"]\n";
    let dir = tempfile::tempdir().unwrap();
    let run = |dockerfile: &str, image: &ImageWriter| -> (i32, Vec<serde_json::Value>, String) {
        std::fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
        let archive = write_archive(dir.path(), image, "built.tar");
        let out = seaworthy(dir.path())
            .args(["check", "Dockerfile", "--no-shellcheck", "--format", "json"])
            .args(["--select", "SW3001,SW3100,SW3101,SW3120,SW3900"])
            .arg("--image")
            .arg(&archive)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let json: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
        (
            out.status.code().unwrap(),
            json.as_array().unwrap().clone(),
            stderr,
        )
    };
    let on_dockerfile = |found: &[serde_json::Value]| -> Vec<(u64, String)> {
        found
            .iter()
            .filter(|f| f["file"] == "Dockerfile")
            .map(|f| {
                (
                    f["line"].as_u64().unwrap(),
                    f["rule"].as_str().unwrap().into(),
                )
            })
            .collect()
    };

    let (code, found, stderr) = run(DOCKERFILE, &hardened());
    assert_eq!((code, found.len()), (0, 0), "{found:?} {stderr}");
    assert!(stderr.contains("against 1 image"), "{stderr}");

    // Built from another revision: USER differs.
    let (code, found, _) = run(
        &DOCKERFILE.replace("USER 10001:10001", "USER app"),
        &hardened(),
    );
    assert_eq!(code, 1);
    assert_eq!(on_dockerfile(&found), vec![(3, "SW3900".to_owned())]);

    // The image runs as root: its finding is on the USER line, not on the image.
    let mut root = hardened();
    root.set("User", Some("\"0\""));
    let (_, found, _) = run(&DOCKERFILE.replace("USER 10001:10001", "USER 0"), &root);
    assert_eq!(on_dockerfile(&found), vec![(3, "SW3001".to_owned())]);
    assert!(found.iter().all(|f| f["kind"] != "image"), "{found:?}");
    let message = found[0]["message"].as_str().unwrap();
    assert!(message.contains("found in the image"), "{message}");

    // No healthcheck in the image: a mismatch on the HEALTHCHECK line, and the image's own.
    let mut no_health = hardened();
    no_health.set("Healthcheck", None);
    let (_, found, _) = run(DOCKERFILE, &no_health);
    assert_eq!(on_dockerfile(&found), vec![(7, "SW3900".to_owned())]);
    assert!(
        found
            .iter()
            .any(|f| f["kind"] == "image" && f["rule"] == "SW3100"),
        "{found:?}"
    );

    // Two Dockerfiles: which one the image belongs to is not guessed.
    std::fs::write(dir.path().join("Dockerfile.dev"), DOCKERFILE).unwrap();
    let out = seaworthy(dir.path())
        .args(["check", ".", "--no-shellcheck", "--image", "built.tar"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("one Dockerfile"), "{stderr}");
}

/// A progress bar on a terminal (util-linux `script` gives the command one), nothing otherwise.
#[test]
fn a_progress_bar_only_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_archive(dir.path(), &hardened(), "app.tar");
    let out = seaworthy(dir.path())
        .args(["image", "--format", "json"])
        .arg(&path)
        .assert()
        .success();
    assert!(out.get_output().stderr.starts_with(b"1 image, 0 findings"));

    let bin = assert_cmd::cargo::cargo_bin("seaworthy");
    let log = dir.path().join("tty.log");
    let command = format!(
        "{} image --format json -o {} {}",
        bin.display(),
        dir.path().join("report.json").display(),
        path.display()
    );
    let status = std::process::Command::new("script")
        .args(["-qec", &command])
        .arg(&log)
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("util-linux `script` runs");
    assert!(status.success());
    let tty = String::from_utf8_lossy(&std::fs::read(&log).unwrap()).into_owned();
    assert!(tty.contains("scanning ["), "{tty}");
    assert!(tty.contains("1 image, 0 findings"), "{tty}");
}

/// The efficiency below which wasted bytes are reported: `--lowest-efficiency`, else the
/// configuration's `lowest-efficiency`, else 0.9.
#[test]
fn the_efficiency_threshold_comes_from_the_flag_or_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let w = with_deleted_file(3 << 20, "COPY big.tar /tmp/", "RUN rm /tmp/big.tar");
    let path = write_archive(dir.path(), &w, "app.tar");
    let rules = |flags: &[&str]| -> Vec<String> {
        findings_with(dir.path(), flags, &path)
            .into_iter()
            .map(|(rule, _)| rule)
            .collect()
    };
    assert_eq!(rules(&[]), ["SW3405"]);
    assert_eq!(rules(&["--lowest-efficiency", "0"]), Vec::<String>::new());
    std::fs::write(
        dir.path().join(".seaworthy.toml"),
        "[settings]\nlowest-efficiency = 0.0\n",
    )
    .unwrap();
    assert_eq!(rules(&[]), Vec::<String>::new());
    // The flag wins over the configuration.
    assert_eq!(rules(&["--lowest-efficiency", "1"]), ["SW3405"]);
}
