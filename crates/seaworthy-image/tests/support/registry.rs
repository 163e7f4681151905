//! A real registry for tests: Debian's `docker-registry` on 127.0.0.1 (port 0, storage in a
//! temp dir), plain HTTP, basic auth over TLS with a test CA, or bearer tokens from a token
//! server, with skopeo to push. Shared by the image crate's registry tests and the CLI's
//! (`#[path]`-included there). Needs the Debian packages docker-registry, skopeo,
//! apache2-utils and openssl.
#![allow(dead_code)]

use std::fs::File;
use std::io::Read;
use std::io::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

pub const PACKAGES: &str = "docker-registry skopeo apache2-utils openssl";

pub fn require_tools() {
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

pub fn sh(script: &str, dir: &Path) {
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
pub enum Auth {
    /// Plain HTTP, anonymous.
    None,
    /// TLS (certificate from a test CA) and htpasswd basic auth.
    BasicTls,
    /// Plain HTTP and bearer tokens from `TokenServer` (Docker's token auth).
    Token,
}

/// A running `docker-registry serve`; killed when dropped.
pub struct Registry {
    pub child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
    /// The CA that signed its certificate, when it serves TLS.
    pub ca: Option<PathBuf>,
    pub auth: Auth,
    pub token_server: Option<TokenServer>,
}

pub const USER: &str = "tester";
pub const PASSWORD: &str = "s3cret";

impl Registry {
    pub fn start(auth: Auth) -> Registry {
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

    pub fn reference(&self, repo_tag: &str) -> String {
        format!("127.0.0.1:{}/{repo_tag}", self.port)
    }

    /// `skopeo copy` of an OCI layout directory to `repo_tag`, with extra flags.
    pub fn push(&self, layout: &Path, repo_tag: &str, flags: &[&str]) {
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
    pub fn docker_config(&self, user: &str, password: &str) -> tempfile::TempDir {
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

pub const TOKEN_SERVICE: &str = "seaworthy-test-registry";
pub const TOKEN_ISSUER: &str = "seaworthy-test-issuer";

/// A bearer-token endpoint for the registry's `auth.token` mode: it hands a JWT (RS256, signed
/// by openssl with a key whose certificate the registry trusts, access pull+push on
/// `private/app`) to requests with the right basic credentials, and 401 to any other. It
/// records the query of each request (scope, service).
pub struct TokenServer {
    pub port: u16,
    pub stop: Arc<AtomicBool>,
    pub requests: Arc<Mutex<Vec<String>>>,
    pub thread: Option<std::thread::JoinHandle<()>>,
}

impl TokenServer {
    pub fn start(dir: &Path) -> TokenServer {
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

pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
