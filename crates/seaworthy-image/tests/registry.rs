//! Images audited straight from a real registry: each test starts Debian's `docker-registry` on
//! 127.0.0.1 (port 0, storage in a temp dir), pushes images this suite writes with skopeo (OCI
//! and Docker schema2 manifests, a multi-platform index), and opens them by reference: anonymous
//! over plain HTTP, and basic auth over TLS with a CA and credentials the test writes.
//! Needs the Debian packages docker-registry, skopeo, apache2-utils and openssl.

mod common;

use std::fs::File;
use std::io::Read;
use std::io::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use seaworthy_image::*;
use serde_json::json;

const PACKAGES: &str = "docker-registry skopeo apache2-utils openssl";

fn require_tools() {
    let missing: Vec<&str> = [
        ("docker-registry", "--version"),
        ("skopeo", "--version"),
        ("htpasswd", "-h"),
        ("openssl", "version"),
    ]
    .into_iter()
    .filter(|(tool, arg)| {
        Command::new(tool)
            .arg(arg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_err()
    })
    .map(|(tool, _)| tool)
    .collect();
    assert!(
        missing.is_empty(),
        "{} not installed: these tests run a real registry \
         (Debian/Ubuntu: apt-get install {PACKAGES})",
        missing.join(", ")
    );
}

fn sh(script: &str, dir: &Path) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script}\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// How a test registry authenticates.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Auth {
    /// Plain HTTP, anonymous.
    None,
    /// TLS (certificate from a test CA) and htpasswd basic auth.
    BasicTls,
    /// Plain HTTP and bearer tokens from `TokenServer` (Docker's token auth).
    Token,
}

/// A running `docker-registry serve`; killed when dropped.
struct Registry {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
    /// The CA that signed its certificate, when it serves TLS.
    ca: Option<PathBuf>,
    auth: Auth,
    token_server: Option<TokenServer>,
}

const USER: &str = "tester";
const PASSWORD: &str = "s3cret";

impl Registry {
    fn start(auth: Auth) -> Registry {
        require_tools();
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let mut config = format!(
            "version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: {}\n\
             http:\n  addr: 127.0.0.1:0\n",
            d.join("data").display()
        );
        let mut ca = None;
        let mut token_server = None;
        if auth == Auth::Token {
            let server = TokenServer::start(d);
            config.push_str(&format!(
                "auth:\n  token:\n    realm: http://127.0.0.1:{}/token\n    \
                 service: {TOKEN_SERVICE}\n    issuer: {TOKEN_ISSUER}\n    rootcertbundle: {}\n",
                server.port,
                d.join("token.pem").display()
            ));
            token_server = Some(server);
        }
        if auth == Auth::BasicTls {
            // rustls refuses a CA certificate as the server's own, so: a CA, and a leaf for
            // 127.0.0.1 signed by it.
            sh(
                &format!(
                    "set -e
                     openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
                       -subj /CN=seaworthy-test-ca 2>/dev/null
                     openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
                       -subj /CN=127.0.0.1 2>/dev/null
                     printf 'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\n' > ext.cnf
                     openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
                       -out server.pem -days 2 -extfile ext.cnf 2>/dev/null
                     htpasswd -Bbn {USER} {PASSWORD} > htpasswd"
                ),
                d,
            );
            config.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\nauth:\n  htpasswd:\n    \
                 realm: seaworthy-test\n    path: {}\n",
                d.join("server.pem").display(),
                d.join("server.key").display(),
                d.join("htpasswd").display()
            ));
            ca = Some(d.join("ca.pem"));
        }
        std::fs::write(d.join("config.yml"), config).unwrap();
        let log = d.join("registry.log");
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(d.join("config.yml"))
            .stdout(File::create(&log).unwrap())
            .stderr(File::create(d.join("registry.err")).unwrap())
            .spawn()
            .unwrap();
        let mut registry = Registry {
            child,
            port: 0,
            dir,
            ca,
            auth,
            token_server,
        };
        let start = Instant::now();
        loop {
            let mut text = String::new();
            for name in ["registry.log", "registry.err"] {
                if let Ok(mut f) = File::open(registry.dir.path().join(name)) {
                    f.read_to_string(&mut text).unwrap();
                }
            }
            if let Some(rest) = text.split("listening on 127.0.0.1:").nth(1) {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                registry.port = digits.parse().unwrap();
                return registry;
            }
            if let Ok(Some(status)) = registry.child.try_wait() {
                panic!("docker-registry exited ({status}):\n{text}");
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "docker-registry did not start:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn reference(&self, repo_tag: &str) -> String {
        format!("127.0.0.1:{}/{repo_tag}", self.port)
    }

    /// `skopeo copy` of an OCI layout directory to `repo_tag`, with extra flags.
    fn push(&self, layout: &Path, repo_tag: &str, flags: &[&str]) {
        let mut cmd = Command::new("skopeo");
        cmd.args(["copy", "-q", "--dest-tls-verify=false"]);
        if self.auth != Auth::None {
            cmd.arg(format!("--dest-creds={USER}:{PASSWORD}"));
        }
        let out = cmd
            .args(flags)
            .arg(format!("oci:{}", layout.display()))
            .arg(format!("docker://{}", self.reference(repo_tag)))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "skopeo copy failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A Docker config dir whose `auths` entry for this registry holds `user:password`.
    fn docker_config(&self, user: &str, password: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let auth = base64(format!("{user}:{password}").as_bytes());
        let config = json!({"auths": {format!("127.0.0.1:{}", self.port): {"auth": auth}}});
        std::fs::write(dir.path().join("config.json"), config.to_string()).unwrap();
        dir
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const TOKEN_SERVICE: &str = "seaworthy-test-registry";
const TOKEN_ISSUER: &str = "seaworthy-test-issuer";

/// A bearer-token endpoint for the registry's `auth.token` mode: it hands a JWT (RS256, signed
/// by openssl with a key whose certificate the registry trusts, access pull+push on
/// `private/app`) to requests with the right basic credentials, and 401 to any other. It
/// records the query of each request (scope, service).
struct TokenServer {
    port: u16,
    stop: Arc<AtomicBool>,
    requests: Arc<Mutex<Vec<String>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TokenServer {
    fn start(dir: &Path) -> TokenServer {
        sh(
            &format!(
                r#"set -e
                b64url() {{ openssl base64 -A | tr '+/' '-_' | tr -d '='; }}
                openssl req -x509 -newkey rsa:2048 -nodes -keyout token.key -out token.pem                   -days 2 -subj /CN=seaworthy-test-token 2>/dev/null
                x5c=$(openssl x509 -in token.pem -outform DER | openssl base64 -A)
                now=$(date +%s)
                header=$(printf '{{"typ":"JWT","alg":"RS256","x5c":["%s"]}}' "$x5c" | b64url)
                claims=$(printf '{{"iss":"{TOKEN_ISSUER}","sub":"{USER}","aud":"{TOKEN_SERVICE}","exp":%d,"nbf":%d,"iat":%d,"jti":"t1","access":[{{"type":"repository","name":"private/app","actions":["pull","push"]}}]}}' $((now+3600)) $((now-60)) $((now-60)) | b64url)
                sig=$(printf '%s.%s' "$header" "$claims" | openssl dgst -sha256 -sign token.key -binary | b64url)
                printf '%s.%s.%s' "$header" "$claims" "$sig" > token.jwt"#
            ),
            dir,
        );
        let token = std::fs::read_to_string(dir.join("token.jwt")).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let expected = format!(
            "authorization: basic {}",
            base64(format!("{USER}:{PASSWORD}").as_bytes()).to_ascii_lowercase()
        );
        let (stop2, requests2) = (stop.clone(), requests.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut conn) = conn else { continue };
                let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
                    match conn.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).to_string();
                let target = head.split_whitespace().nth(1).unwrap_or("").to_string();
                requests2.lock().unwrap().push(target);
                let authorized = head
                    .lines()
                    .any(|l| l.trim().to_ascii_lowercase() == expected);
                let (status, body) = if authorized {
                    (
                        "200 OK",
                        json!({"token": token, "access_token": token}).to_string(),
                    )
                } else {
                    (
                        "401 Unauthorized",
                        r#"{"details":"incorrect username or password"}"#.to_string(),
                    )
                };
                let _ = write!(
                    conn,
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        TokenServer {
            port,
            stop,
            requests,
            thread: Some(thread),
        }
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

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
