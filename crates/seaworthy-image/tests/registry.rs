//! Images audited straight from a real registry: each test starts Debian's `docker-registry` on
//! 127.0.0.1 (port 0, storage in a temp dir), pushes images this suite writes with skopeo (OCI
//! and Docker schema2 manifests, a multi-platform index), and opens them by reference: anonymous
//! over plain HTTP, and basic auth over TLS with a CA and credentials the test writes.
//! Needs the Debian packages docker-registry, skopeo, apache2-utils and openssl.

mod common;
#[path = "support/registry.rs"]
mod support;

use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

use common::*;
use seaworthy_image::*;
use serde_json::json;
use support::*;

/// Two gzip layers: the base adds /app files and a secret, the second deletes the secret.
fn app_image(marker: &str) -> TestImage {
    let base = LayerTar::new()
        .dir("app")
        .file_mode("app/run", b"#!/bin/sh\nexec true\n", 0o755)
        .file("app/secret.env", b"PASSWORD=hunter2\n")
        .file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n")
        .finish();
    let top = LayerTar::new()
        .whiteout("app/secret.env")
        .file("app/marker", marker.as_bytes())
        .finish();
    TestImage::new(vec![
        BuiltLayer::new(base, Comp::Gzip),
        BuiltLayer::new(top, Comp::Gzip),
    ])
}

fn layout_dir(img: &TestImage) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    oci_layout(img).write_dir(dir.path());
    dir
}

/// One OCI layout whose index.json holds a single nested index over the given images, each
/// with its platform; `skopeo copy --all` pushes it as a multi-platform image.
fn multi_platform_layout(images: &[TestImage]) -> tempfile::TempDir {
    let mut files = Files::default();
    let manifests: Vec<_> = images
        .iter()
        .map(|img| oci_manifest(&mut files, img, true))
        .collect();
    let inner = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": manifests,
    }))
    .unwrap();
    let size = inner.len();
    let digest = files.blob(inner);
    oci_index(
        &mut files,
        vec![
            json!({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": digest, "size": size}),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    files.write_dir(dir.path());
    dir
}

fn insecure() -> RegistryOptions {
    RegistryOptions {
        insecure: true,
        credentials: Credentials::Anonymous,
        ..Default::default()
    }
}

fn marker(image: &Image) -> String {
    struct Grab(Option<String>);
    impl Visitor for Grab {
        fn wants(&self, _: usize, path: &str, _: &EntryMeta) -> bool {
            path == "/app/marker"
        }
        fn visit(
            &mut self,
            _: usize,
            _: &str,
            _: &EntryMeta,
            content: &mut dyn Read,
        ) -> std::io::Result<()> {
            let mut s = String::new();
            content.read_to_string(&mut s)?;
            self.0 = Some(s);
            Ok(())
        }
    }
    let mut grab = Grab(None);
    image.scan(&ScanOptions::default(), &mut grab).unwrap();
    grab.0.expect("/app/marker read during the scan")
}

/// The audit sees the same filesystem as for a local image.
fn assert_app_index(image: &Image, what: &str) {
    assert_eq!(image.format, SourceFormat::Registry, "{what}");
    assert_eq!(image.layers.len(), 2, "{what}");
    assert_eq!(image.config.config.user.as_deref(), Some("1000"), "{what}");
    let index = image.scan(&ScanOptions::default(), &mut NoVisitor).unwrap();
    assert_eq!(index.get("/app/run").unwrap().meta.mode, 0o755, "{what}");
    assert!(index.get("/app/secret.env").is_none(), "{what}");
    let secret: Vec<_> = index.history_of("/app/secret.env").collect();
    assert_eq!(secret[0].hidden, Some((1, HiddenHow::Deleted)), "{what}");
    assert_eq!(index.get("/app/marker").unwrap().layer, 1, "{what}");
    assert!(index.layers().iter().all(|l| l.blob_bytes > 0), "{what}");
    let (parallel, _) = image
        .scan_parallel(&ScanOptions::default(), |_| NoVisitor)
        .unwrap();
    assert_eq!(parallel.records().len(), index.records().len(), "{what}");
}

fn registry_error(result: Result<Image, ImageError>) -> RegistryError {
    match result {
        Err(ImageError::Registry(e)) => e,
        Err(other) => panic!("expected a registry error, got {other}"),
        Ok(image) => panic!("expected an error, opened {:?}", image.manifest_digest),
    }
}

fn assert_one_line(e: &RegistryError, reference: &str) {
    let text = e.to_string();
    assert!(text.starts_with(&format!("{reference}: ")), "{text}");
    assert!(!text.contains('\n'), "{text}");
}

#[test]
fn oci_and_docker_schema2_images_by_tag_and_digest() {
    let registry = Registry::start(Auth::None);
    let layout = layout_dir(&app_image("one"));
    registry.push(layout.path(), "team/app:oci", &[]);
    registry.push(layout.path(), "team/app:v2s2", &["--format", "v2s2"]);

    let oci = Image::open_reference(&registry.reference("team/app:oci"), &insecure()).unwrap();
    assert!(oci.layers.iter().all(|l| l
        .media_type
        .as_deref()
        .unwrap()
        .starts_with("application/vnd.oci.image.layer.v1.tar")));
    assert_app_index(&oci, "oci");
    assert_eq!(marker(&oci), "one");

    let v2 = Image::open_reference(&registry.reference("team/app:v2s2"), &insecure()).unwrap();
    assert!(v2
        .layers
        .iter()
        .all(|l| l.media_type.as_deref()
            == Some("application/vnd.docker.image.rootfs.diff.tar.gzip")));
    assert_app_index(&v2, "v2s2");
    // Same layers, so the same diff_ids and digests; the config may be rewritten.
    assert_eq!(
        oci.layers.iter().map(|l| &l.diff_id).collect::<Vec<_>>(),
        v2.layers.iter().map(|l| &l.diff_id).collect::<Vec<_>>()
    );

    // By digest, and through open_any (a reference, not a path).
    let digest = oci.manifest_digest.clone().unwrap();
    let by_digest = Image::open_any(
        &registry.reference(&format!("team/app@{digest}")),
        &insecure(),
    )
    .unwrap();
    assert_eq!(by_digest.config_digest, oci.config_digest);
    assert_eq!(by_digest.manifest_digest.as_deref(), Some(digest.as_str()));
    assert_eq!(marker(&by_digest), "one");
    let docker_uri = Image::open_any(
        &format!("docker://{}", registry.reference("team/app:oci")),
        &insecure(),
    )
    .unwrap();
    assert_eq!(docker_uri.config_digest, oci.config_digest);

    // A digest that does not name this image's manifest is refused.
    let wrong = format!("sha256:{}", "0".repeat(64));
    let e = registry_error(Image::open_reference(
        &registry.reference(&format!("team/app@{wrong}")),
        &insecure(),
    ));
    assert_eq!(e.kind, RegistryErrorKind::NotFound, "{e}");
}

#[test]
fn multi_platform_index_picks_by_platform() {
    let registry = Registry::start(Auth::None);
    let amd = app_image("amd64");
    let mut arm = app_image("arm64");
    arm.arch = "arm64".into();
    let layout = multi_platform_layout(&[amd, arm]);
    registry.push(layout.path(), "multi:1", &["--all"]);
    let reference = registry.reference("multi:1");

    let default = Image::open_reference(&reference, &insecure()).unwrap();
    assert_eq!(default.platform().architecture, "amd64");
    assert_eq!(marker(&default), "amd64");

    let opts = RegistryOptions {
        platform: Some("linux/arm64".parse().unwrap()),
        ..insecure()
    };
    let arm = Image::open_reference(&reference, &opts).unwrap();
    assert_eq!(arm.platform().architecture, "arm64");
    assert_eq!(marker(&arm), "arm64");
    assert_app_index(&arm, "arm64");

    // The same as a Docker manifest list of schema2 manifests.
    registry.push(layout.path(), "multi:v2s2", &["--all", "--format", "v2s2"]);
    let opts = RegistryOptions {
        platform: Some("linux/arm64".parse().unwrap()),
        ..insecure()
    };
    let list = Image::open_reference(&registry.reference("multi:v2s2"), &opts).unwrap();
    assert_eq!(list.platform().architecture, "arm64");
    assert_eq!(
        list.layers[0].media_type.as_deref(),
        Some("application/vnd.docker.image.rootfs.diff.tar.gzip")
    );
    assert_eq!(marker(&list), "arm64");

    let opts = RegistryOptions {
        platform: Some("linux/s390x".parse().unwrap()),
        ..insecure()
    };
    match Image::open_reference(&reference, &opts) {
        Err(ImageError::NoMatchingPlatform { wanted, available }) => {
            assert_eq!(wanted, "linux/s390x");
            assert_eq!(available, "linux/amd64, linux/arm64");
        }
        other => panic!("expected NoMatchingPlatform, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn missing_images_and_unreachable_registries_are_clear_errors() {
    let registry = Registry::start(Auth::None);
    let layout = layout_dir(&app_image("one"));
    registry.push(layout.path(), "app:1", &[]);

    for missing in ["app:2", "nothing/here:1"] {
        let reference = registry.reference(missing);
        let e = registry_error(Image::open_reference(&reference, &insecure()));
        assert_eq!(e.kind, RegistryErrorKind::NotFound, "{e}");
        assert_one_line(&e, &reference);
        assert!(e.to_string().contains("not found"), "{e}");
    }

    // A port nothing listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let reference = format!("127.0.0.1:{port}/app:1");
    let e = registry_error(Image::open_reference(&reference, &insecure()));
    assert_eq!(e.kind, RegistryErrorKind::Unreachable, "{e}");
    assert_one_line(&e, &reference);

    // HTTPS against a plain-HTTP registry fails at the TLS handshake and says so.
    let reference = registry.reference("app:1");
    let opts = RegistryOptions {
        insecure: false,
        ..insecure()
    };
    let e = registry_error(Image::open_reference(&reference, &opts));
    assert_eq!(e.kind, RegistryErrorKind::Tls, "{e}");
    assert!(e.to_string().contains("--insecure"), "{e}");
    assert_one_line(&e, &reference);

    // open_any: paths stay paths (a missing file is a file error, never a registry lookup).
    for path in ["./missing.tar", "/nonexistent/app", "app.tar"] {
        match Image::open_any(path, &insecure()) {
            Err(ImageError::Io { path: p, .. }) => assert_eq!(p, Path::new(path)),
            other => panic!("{path}: expected a file error, got {:?}", other.map(|_| ())),
        }
    }
    let local = Image::open_any(&layout.path().display().to_string(), &insecure()).unwrap();
    assert_eq!(local.format, SourceFormat::OciLayout);

    let e = registry_error(Image::open_reference("UPPER/Case", &insecure()));
    assert_eq!(e.kind, RegistryErrorKind::BadReference, "{e}");
}

#[test]
fn basic_auth_over_tls_with_docker_config_credentials() {
    let registry = Registry::start(Auth::BasicTls);
    let layout = layout_dir(&app_image("secure"));
    registry.push(layout.path(), "private/app:1", &[]);
    let reference = registry.reference("private/app:1");
    let ca = registry.ca.clone();

    // Credentials from a Docker config dir (auths, base64 user:password), CA from a file.
    let good = registry.docker_config(USER, PASSWORD);
    let opts = RegistryOptions {
        ca_file: ca.clone(),
        credentials: Credentials::DockerConfigIn(good.path().to_path_buf()),
        ..Default::default()
    };
    let image = Image::open_reference(&reference, &opts).unwrap();
    assert_app_index(&image, "tls+auth");
    assert_eq!(marker(&image), "secure");

    // A CA bundle: the registry's CA after another certificate.
    let bundle = registry.dir.path().join("bundle.pem");
    let mut pem = std::fs::read(registry.dir.path().join("server.pem")).unwrap();
    pem.extend(std::fs::read(ca.as_ref().unwrap()).unwrap());
    std::fs::write(&bundle, pem).unwrap();
    let opts = RegistryOptions {
        ca_file: Some(bundle),
        credentials: Credentials::DockerConfigIn(good.path().to_path_buf()),
        ..Default::default()
    };
    assert!(Image::open_reference(&reference, &opts).is_ok());
    let opts = RegistryOptions {
        ca_file: Some(registry.dir.path().join("htpasswd")),
        ..Default::default()
    };
    let e = registry_error(Image::open_reference(&reference, &opts));
    assert_eq!(e.kind, RegistryErrorKind::Tls, "{e}");
    assert!(e.to_string().contains("no PEM certificate"), "{e}");

    // Explicit credentials work the same way.
    let opts = RegistryOptions {
        ca_file: ca.clone(),
        credentials: Credentials::Basic {
            username: USER.into(),
            password: PASSWORD.into(),
        },
        ..Default::default()
    };
    assert!(Image::open_reference(&reference, &opts).is_ok());

    // No credentials: a clear "requires authentication".
    let empty = tempfile::tempdir().unwrap();
    let opts = RegistryOptions {
        ca_file: ca.clone(),
        credentials: Credentials::DockerConfigIn(empty.path().to_path_buf()),
        ..Default::default()
    };
    let e = registry_error(Image::open_reference(&reference, &opts));
    assert_eq!(e.kind, RegistryErrorKind::Unauthorized, "{e}");
    assert!(e.to_string().contains("requires authentication"), "{e}");
    assert_one_line(&e, &reference);

    // Wrong password: the credentials were refused, and the message says where they came from.
    let bad = registry.docker_config(USER, "wrong");
    let opts = RegistryOptions {
        ca_file: ca.clone(),
        credentials: Credentials::DockerConfigIn(bad.path().to_path_buf()),
        ..Default::default()
    };
    let e = registry_error(Image::open_reference(&reference, &opts));
    assert_eq!(e.kind, RegistryErrorKind::Unauthorized, "{e}");
    assert!(e.to_string().contains("refused the credentials"), "{e}");
    assert!(
        e.to_string()
            .contains(&bad.path().join("config.json").display().to_string()),
        "{e}"
    );
    assert!(!e.to_string().contains("wrong"), "{e}");
    assert_one_line(&e, &reference);

    // The CA not trusted: a TLS failure, never a silent downgrade.
    let opts = RegistryOptions {
        credentials: Credentials::DockerConfigIn(good.path().to_path_buf()),
        ..Default::default()
    };
    let e = registry_error(Image::open_reference(&reference, &opts));
    assert_eq!(e.kind, RegistryErrorKind::Tls, "{e}");
    assert!(e.to_string().contains("--ca-file"), "{e}");
    assert_one_line(&e, &reference);

    // Plain HTTP to the TLS port.
    let opts = RegistryOptions {
        insecure: true,
        credentials: Credentials::DockerConfigIn(good.path().to_path_buf()),
        ..Default::default()
    };
    let e = registry_error(Image::open_reference(&reference, &opts));
    assert!(e.to_string().contains("HTTPS"), "{e}");
    assert_one_line(&e, &reference);
}

/// `credHelpers` runs `docker-credential-<name> get` from PATH, DOCKER_CONFIG names the config
/// dir, and SSL_CERT_FILE the trusted CA. All are process-wide, so the audit runs in a child test
/// process with its own environment (see `helper_child`).
#[test]
fn credential_helper_from_docker_config_env() {
    let registry = Registry::start(Auth::BasicTls);
    let layout = layout_dir(&app_image("helper"));
    registry.push(layout.path(), "private/app:1", &[]);
    let host = format!("127.0.0.1:{}", registry.port);

    let bin = tempfile::tempdir().unwrap();
    let helper = bin.path().join("docker-credential-swtest");
    // Answers only for this registry, as a real helper does; logs what it was asked.
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\necho \"$server\" >> \"$0.log\"\n\
             [ \"$server\" = {host} ] || {{ echo 'credentials not found in native keychain'; exit 1; }}\n\
             printf '{{\"ServerURL\":\"%s\",\"Username\":\"{USER}\",\"Secret\":\"{PASSWORD}\"}}' \"$server\"\n"
        ),
    )
    .unwrap();
    sh(&format!("chmod +x {}", helper.display()), bin.path());
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // A per-registry helper, and the default store (credsStore) used for every registry.
    for config_json in [
        json!({"credHelpers": {host.clone(): "swtest"}}),
        json!({"credsStore": "swtest", "auths": {host.clone(): {}}}),
    ] {
        let config = tempfile::tempdir().unwrap();
        std::fs::write(config.path().join("config.json"), config_json.to_string()).unwrap();
        let log = bin.path().join("docker-credential-swtest.log");
        let _ = std::fs::remove_file(&log);
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "helper_child", "--ignored", "--nocapture"])
            .env("PATH", &path)
            .env("DOCKER_CONFIG", config.path())
            .env("SW_TEST_REFERENCE", registry.reference("private/app:1"))
            .env("SSL_CERT_FILE", registry.ca.as_ref().unwrap())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{config_json}: {text}");
        assert!(text.contains("1 passed"), "{text}");
        // The helper was asked, for this registry only.
        let asked = std::fs::read_to_string(&log).unwrap();
        assert!(
            !asked.is_empty() && asked.lines().all(|l| l == host),
            "{asked}"
        );
    }
}

#[test]
#[ignore = "run by credential_helper_from_docker_config_env in a child process"]
fn helper_child() {
    let reference = std::env::var("SW_TEST_REFERENCE").expect("run by the parent test");
    let opts = RegistryOptions {
        credentials: Credentials::DockerConfig,
        ..Default::default()
    };
    let image = Image::open_reference(&reference, &opts).unwrap();
    assert_eq!(marker(&image), "helper");
}

#[test]
fn bearer_token_auth() {
    let registry = Registry::start(Auth::Token);
    let layout = layout_dir(&app_image("token"));
    registry.push(layout.path(), "private/app:1", &[]);
    let reference = registry.reference("private/app:1");
    let requests = registry.token_server.as_ref().unwrap().requests.clone();
    requests.lock().unwrap().clear();

    let good = registry.docker_config(USER, PASSWORD);
    let opts = RegistryOptions {
        insecure: true,
        credentials: Credentials::DockerConfigIn(good.path().to_path_buf()),
        ..Default::default()
    };
    let image = Image::open_reference(&reference, &opts).unwrap();
    assert_app_index(&image, "bearer");
    assert_eq!(marker(&image), "token");
    let asked = requests.lock().unwrap().clone();
    assert!(!asked.is_empty());
    assert!(
        asked.iter().all(|q| q.starts_with("/token?")
            && q.contains("scope=repository%3Aprivate%2Fapp%3Apull")
            && q.contains(&format!("service={TOKEN_SERVICE}"))),
        "{asked:?}"
    );

    // The token endpoint refuses a wrong password: a clear error naming the config.
    let bad = registry.docker_config(USER, "wrong");
    let opts = RegistryOptions {
        insecure: true,
        credentials: Credentials::DockerConfigIn(bad.path().to_path_buf()),
        ..Default::default()
    };
    let e = registry_error(Image::open_reference(&reference, &opts));
    assert_eq!(e.kind, RegistryErrorKind::Unauthorized, "{e}");
    assert!(e.to_string().contains("refused the credentials"), "{e}");
    assert_one_line(&e, &reference);

    // Anonymous: the token endpoint refuses too.
    let e = registry_error(Image::open_reference(&reference, &insecure()));
    assert_eq!(e.kind, RegistryErrorKind::Unauthorized, "{e}");
    assert!(e.to_string().contains("requires authentication"), "{e}");
}

#[test]
fn a_tampered_blob_is_a_digest_mismatch() {
    let registry = Registry::start(Auth::None);
    let layout = layout_dir(&app_image("one"));
    registry.push(layout.path(), "app:1", &[]);
    let image = Image::open_reference(&registry.reference("app:1"), &insecure()).unwrap();
    // Corrupt the second layer in the registry's own storage: it serves what it stores.
    let digest = image.layers[1].digest.clone().unwrap();
    let hex = digest.strip_prefix("sha256:").unwrap();
    let data = registry.dir.path().join(format!(
        "data/docker/registry/v2/blobs/sha256/{}/{hex}/data",
        &hex[..2]
    ));
    let mut bytes = std::fs::read(&data).unwrap();
    // Another gzip mtime: the same tar inside, so only the blob digest can tell.
    assert_eq!(bytes[..2], [0x1f, 0x8b]);
    bytes[4] ^= 0xff;
    std::fs::write(&data, &bytes).unwrap();
    match image.scan(&ScanOptions::default(), &mut NoVisitor) {
        Err(ImageError::DigestMismatch { what, expected, .. }) => {
            assert_eq!(expected, digest);
            assert!(what.contains("layer 1"), "{what}");
        }
        other => panic!("expected a digest mismatch, got {:?}", other.map(|_| ())),
    }
}
