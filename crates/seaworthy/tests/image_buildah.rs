//! Real images: buildah builds them from Dockerfiles (`FROM scratch`, static files and a static
//! busybox for `RUN`), saves them as a docker-archive and as an OCI layout, and `seaworthy
//! image` audits them end to end. Needs the Debian packages `buildah` and `busybox-static`;
//! without them the test fails and says so. Storage stays in a temporary directory (`--root`,
//! `--runroot`, the vfs driver, chroot isolation): nothing is pulled and no daemon is used.

// The image crate's real-registry fixture: docker-registry on loopback, skopeo to push.
#[path = "../../seaworthy-image/tests/support/registry.rs"]
mod registry;

use std::path::Path;
use std::process::Command;

const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\napp:x:10001:10001::/app:/sbin/nologin\n";
const GROUP: &str = "root:x:0:\napp:x:10001:\n";
const SHADOW: &str = "root:*:19000:0:99999:7:::\napp:!:19000:0:99999:7:::\n";
const OS_RELEASE: &str =
    "PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nID=debian\nVERSION_ID=\"13\"\n";
const KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZWQyNTUxOQAAACDx\n-----END OPENSSH PRIVATE KEY-----\n";

const HARDENED: &str = "FROM scratch
COPY rootfs/ /
COPY --chown=10001:10001 app/ /app/
COPY --chown=10001:10001 data/ /data/
USER 10001:10001
WORKDIR /app
VOLUME /data
EXPOSE 8080
HEALTHCHECK CMD [\"/app/server\", \"--health\"]
CMD [\"/app/server\"]
";

const RISKY: &str = "FROM scratch
COPY rootfs/ /
COPY --chown=10001:10001 app/ /app/
COPY secrets/ /root/
COPY tools/ /usr/bin/
RUN rm /root/.ssh/id_rsa && chmod 4755 /usr/bin/su
ENV DB_PASSWORD=hunter2
EXPOSE 22
CMD /app/server
";

fn write(path: &Path, data: &[u8], mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, data).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The build context: a tiny root filesystem with busybox as the shell, the application, and
/// the secrets and tools the risky image copies in.
fn context(dir: &Path) {
    let busybox = std::fs::read("/bin/busybox").expect(
        "/bin/busybox is missing: these tests RUN commands in images built from scratch \
         (Debian/Ubuntu: apt-get install busybox-static)",
    );
    let root = dir.join("rootfs");
    write(&root.join("bin/busybox"), &busybox, 0o755);
    for applet in ["sh", "rm", "chmod"] {
        std::os::unix::fs::symlink("busybox", root.join("bin").join(applet)).unwrap();
    }
    write(&root.join("etc/passwd"), PASSWD.as_bytes(), 0o644);
    write(&root.join("etc/group"), GROUP.as_bytes(), 0o644);
    write(&root.join("etc/shadow"), SHADOW.as_bytes(), 0o640);
    write(&root.join("etc/os-release"), OS_RELEASE.as_bytes(), 0o644);
    write(&dir.join("app/server"), b"#!/bin/sh\necho ok\n", 0o755);
    write(&dir.join("data/.keep"), b"", 0o644);
    write(&dir.join("secrets/.ssh/id_rsa"), KEY.as_bytes(), 0o600);
    write(
        &dir.join("secrets/.aws/credentials"),
        b"[default]\nregion = eu-west-1\n",
        0o600,
    );
    write(&dir.join("tools/gcc"), b"fake", 0o755);
    write(&dir.join("tools/su"), b"fake", 0o755);
    std::fs::write(dir.join("Dockerfile.hardened"), HARDENED).unwrap();
    std::fs::write(dir.join("Dockerfile.risky"), RISKY).unwrap();
}

fn buildah(work: &Path, args: &[&str]) {
    let out = Command::new("buildah")
        .arg("--root")
        .arg(work.join("storage"))
        .arg("--runroot")
        .arg(work.join("run"))
        .args(["--storage-driver", "vfs"])
        .args(args)
        .current_dir(work)
        .output()
        .expect(
            "buildah is not installed: this test audits images it builds \
             (Debian/Ubuntu: apt-get install buildah)",
        );
    assert!(
        out.status.success(),
        "buildah {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Builds `Dockerfile.<name>` and saves it as `<name>.tar` (docker-archive) and `<name>-oci`
/// (an OCI layout holding the Docker manifest, so that the healthcheck survives).
fn build(work: &Path, name: &str) {
    let tag = format!("localhost/seaworthy-{name}:1");
    buildah(
        work,
        &[
            "bud",
            "--quiet",
            "--isolation",
            "chroot",
            "--format",
            "docker",
            "--layers",
            "-f",
            &format!("ctx/Dockerfile.{name}"),
            "-t",
            &tag,
            "ctx",
        ],
    );
    let archive = format!("docker-archive:{}/{name}.tar:{tag}", work.display());
    buildah(work, &["push", "--quiet", &tag, &archive]);
    let oci = format!("oci:{}/{name}-oci:1", work.display());
    buildah(work, &["push", "--quiet", "--format", "v2s2", &tag, &oci]);
}

fn audit(work: &Path, image: &str) -> Vec<(String, String)> {
    audit_with(work, &[], image)
}

/// (rule, place) of every finding of `seaworthy image FLAGS... IMAGE`, sorted.
fn audit_with(work: &Path, flags: &[&str], image: &str) -> Vec<(String, String)> {
    let out = assert_cmd::Command::cargo_bin("seaworthy")
        .unwrap()
        .current_dir(work)
        .args(["image", "--format", "json", "--fail-on", "none"])
        .args(flags)
        .arg(image)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{image}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut found: Vec<(String, String)> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["location"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn images_built_by_buildah_are_audited_end_to_end() {
    let work = tempfile::tempdir().unwrap();
    let work = work.path();
    context(&work.join("ctx"));
    build(work, "hardened");
    build(work, "risky");
    for image in ["hardened.tar", "hardened-oci"] {
        assert_eq!(audit(work, image), [], "{image}");
    }
    let expected: Vec<(String, String)> = [
        ("SW3001", "Config.User"),
        ("SW3100", "Config.Healthcheck"),
        ("SW3102", "Config.Cmd"),
        ("SW3103", "Config.ExposedPorts"),
        ("SW3300", "Config.Env"),
        ("SW3302", "/root/.aws/credentials"),
        ("SW3303", "/root/.ssh/id_rsa"),
        ("SW3401", "/usr/bin/su"),
        ("SW3404", "/usr/bin/gcc"),
    ]
    .iter()
    .map(|(r, l)| (r.to_string(), l.to_string()))
    .collect();
    for image in ["risky.tar", "risky-oci"] {
        assert_eq!(audit(work, image), expected, "{image}");
    }
    // The deleted key is reported with the layer that deleted it, masked.
    let out = assert_cmd::Command::cargo_bin("seaworthy")
        .unwrap()
        .current_dir(work)
        .args([
            "image",
            "--format",
            "concise",
            "--select",
            "SW3303",
            "risky.tar",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("deleted in layer 4 (`RUN rm /root/.ssh/id_rsa && chmod 4755 /usr/bin/su`), still in the image"),
        "{stdout}"
    );
    assert!(!stdout.contains("b3BlbnNz"), "{stdout}");

    // The same images pushed to a real registry with skopeo and audited by reference.
    let registry = registry::Registry::start(registry::Auth::None);
    registry.push(&work.join("hardened-oci"), "shop/hardened:1", &[]);
    registry.push(&work.join("risky-oci"), "shop/risky:1", &[]);
    for (name, want) in [
        ("shop/hardened:1", &[][..]),
        ("shop/risky:1", &expected[..]),
    ] {
        let reference = registry.reference(name);
        let found = audit_with(work, &["--insecure"], &reference);
        assert_eq!(found, want, "{reference}");
    }

    // check --image: the Dockerfile and the image built from it agree; another image does not.
    let cross = |image: &str| {
        let out = assert_cmd::Command::cargo_bin("seaworthy")
            .unwrap()
            .current_dir(work)
            .args(["check", "ctx/Dockerfile.hardened", "--no-shellcheck"])
            .args(["--select", "SW3900", "--format", "json", "--image", image])
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        json.as_array()
            .unwrap()
            .iter()
            .map(|f| f["line"].as_u64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(cross("hardened.tar"), Vec::<u64>::new());
    let lines = cross("risky.tar");
    assert!(
        !lines.is_empty(),
        "the risky image is not the hardened Dockerfile's"
    );
}
