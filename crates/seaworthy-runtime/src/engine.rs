//! The Docker Engine API, reached where the `docker` CLI would reach it: `--host`, else
//! `DOCKER_HOST` (a unix socket, or tcp with TLS from `DOCKER_CERT_PATH` when
//! `DOCKER_TLS_VERIFY` is set), else the current Docker context (`DOCKER_CONTEXT` or
//! `currentContext` in ~/.docker/config.json), else /var/run/docker.sock. Podman's
//! Docker-compatible service answers the same requests.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bollard::query_parameters::{InspectContainerOptions, ListContainersOptionsBuilder};
use bollard::Docker;
use sha2::{Digest, Sha256};

use crate::daemon::{EngineKind, Info};
use crate::inspect::{container_from_value, Container};

/// The socket the Docker CLI uses when nothing else is configured.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// How long one request may take.
const TIMEOUT_SECS: u64 = 30;

/// Client certificates for a tcp endpoint with TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TlsFiles {
    fn in_dir(dir: &Path) -> TlsFiles {
        TlsFiles {
            ca: dir.join("ca.pem"),
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        }
    }
}

/// Where the engine is, and why seaworthy chose it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `unix:///run/docker.sock`, `tcp://10.0.0.5:2376`.
    pub url: String,
    /// `Some` for tcp with TLS.
    pub tls: Option<TlsFiles>,
    /// `--host`, `DOCKER_HOST`, `context "remote"`, `the default socket`.
    pub source: String,
}

impl Endpoint {
    /// The socket path of a `unix://` endpoint.
    pub fn unix_path(&self) -> Option<&str> {
        self.url.strip_prefix("unix://")
    }

    /// Whether requests travel over tcp without TLS.
    pub fn is_plain_tcp(&self) -> bool {
        self.tls.is_none() && (self.url.starts_with("tcp://") || self.url.starts_with("http://"))
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (from {})", self.url, self.source)
    }
}

/// Why the engine could not be used.
#[derive(Debug)]
pub enum EngineError {
    /// The endpoint could not be worked out (bad `DOCKER_HOST`, unreadable context).
    Config(String),
    /// Connecting failed: no socket, refused, permission denied, TLS.
    Connect {
        endpoint: Box<Endpoint>,
        reason: String,
    },
    /// A request failed after connecting.
    Request { what: String, reason: String },
    /// No container has this name or id.
    NoSuchContainer(String),
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::Config(m) => f.write_str(m),
            EngineError::Connect { endpoint, reason } => {
                write!(
                    f,
                    "cannot reach the container engine at {endpoint}: {reason}"
                )
            }
            EngineError::Request { what, reason } => write!(f, "{what} failed: {reason}"),
            EngineError::NoSuchContainer(name) => write!(f, "no such container: {name}"),
        }
    }
}

impl std::error::Error for EngineError {}

/// The environment the endpoint is resolved from: variables and the home directory.
pub trait Environment {
    fn var(&self, name: &str) -> Option<String>;
    fn home(&self) -> Option<PathBuf>;
}

/// The process's own environment.
pub struct ProcessEnv;

impl Environment for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
    fn home(&self) -> Option<PathBuf> {
        self.var("HOME").map(PathBuf::from)
    }
}

/// Works out the endpoint as the `docker` CLI does; `host` is `--host`.
pub fn resolve_endpoint(
    host: Option<&str>,
    env: &dyn Environment,
) -> Result<Endpoint, EngineError> {
    let config_dir = env
        .var("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| env.home().map(|h| h.join(".docker")));
    let env_tls = || {
        env.var("DOCKER_TLS_VERIFY").map(|_| {
            let dir = env
                .var("DOCKER_CERT_PATH")
                .map(PathBuf::from)
                .or_else(|| config_dir.clone())
                .unwrap_or_else(|| PathBuf::from(".docker"));
            TlsFiles::in_dir(&dir)
        })
    };
    if let Some(h) = host {
        return from_url(h, env_tls(), "--host");
    }
    if let Some(h) = env.var("DOCKER_HOST") {
        return from_url(&h, env_tls(), "DOCKER_HOST");
    }
    let (context, source) = match env.var("DOCKER_CONTEXT") {
        Some(c) => (Some(c), "DOCKER_CONTEXT"),
        None => (
            config_dir
                .as_deref()
                .and_then(|d| current_context(&d.join("config.json")).transpose())
                .transpose()?,
            "currentContext",
        ),
    };
    match (context, config_dir) {
        (Some(name), Some(dir)) if name != "default" => context_endpoint(&dir, &name, source),
        _ => Ok(Endpoint {
            url: format!("unix://{DEFAULT_SOCKET}"),
            tls: None,
            source: "the default socket".to_owned(),
        }),
    }
}

fn from_url(url: &str, tls: Option<TlsFiles>, source: &str) -> Result<Endpoint, EngineError> {
    let url = url.trim();
    let tls = if url.starts_with("unix://") {
        None
    } else if url.starts_with("https://") {
        Some(tls.unwrap_or_else(|| TlsFiles::in_dir(Path::new(".docker"))))
    } else if url.starts_with("tcp://") || url.starts_with("http://") {
        tls
    } else {
        return Err(EngineError::Config(format!(
            "{source} is {url:?}: seaworthy reaches engines at unix:// and tcp:// endpoints"
        )));
    };
    Ok(Endpoint {
        url: url.to_owned(),
        tls,
        source: source.to_owned(),
    })
}

/// `currentContext` of the Docker CLI's config.json, if the file exists and sets one.
fn current_context(config: &Path) -> Result<Option<String>, EngineError> {
    let text = match std::fs::read_to_string(config) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(EngineError::Config(format!(
                "{}: cannot read the Docker configuration: {e}",
                config.display()
            )))
        }
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        EngineError::Config(format!(
            "{}: not a Docker configuration: {e}",
            config.display()
        ))
    })?;
    Ok(value
        .get("currentContext")
        .and_then(|c| c.as_str())
        .filter(|c| !c.is_empty())
        .map(str::to_owned))
}

/// The docker endpoint of context `name`: contexts/meta/<sha256(name)>/meta.json, with TLS
/// files under contexts/tls/<sha256(name)>/docker/ when the context has them.
fn context_endpoint(config_dir: &Path, name: &str, source: &str) -> Result<Endpoint, EngineError> {
    let digest: String = Sha256::digest(name.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let meta_path = config_dir
        .join("contexts/meta")
        .join(&digest)
        .join("meta.json");
    let text = std::fs::read_to_string(&meta_path).map_err(|e| {
        EngineError::Config(format!(
            "Docker context {name:?} (from {source}): cannot read {}: {e}",
            meta_path.display()
        ))
    })?;
    let meta: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| EngineError::Config(format!("{}: not a context: {e}", meta_path.display())))?;
    let docker = &meta["Endpoints"]["docker"];
    let Some(host) = docker["Host"].as_str().filter(|h| !h.is_empty()) else {
        return Err(EngineError::Config(format!(
            "Docker context {name:?}: {} names no docker endpoint host",
            meta_path.display()
        )));
    };
    let tls_dir = config_dir.join("contexts/tls").join(&digest).join("docker");
    let tls = tls_dir.is_dir().then(|| TlsFiles::in_dir(&tls_dir));
    from_url(host, tls, &format!("context {name:?}"))
}

/// A connection to an engine.
pub struct Engine {
    docker: Docker,
    runtime: tokio::runtime::Runtime,
    pub endpoint: Endpoint,
    pub kind: EngineKind,
}

/// The chain of causes of an error, most specific last, as one line.
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// A plain connection attempt first, so that a missing socket, a permission error or a
/// refused port is reported as such rather than as an HTTP client error.
fn probe(endpoint: &Endpoint) -> Result<(), String> {
    use std::io::ErrorKind;
    let hint = |e: &std::io::Error| match e.kind() {
        ErrorKind::NotFound => {
            " (is the engine running? choose another with --host, DOCKER_HOST or a Docker context)"
        }
        ErrorKind::PermissionDenied => {
            " (the socket is not open to this user: join its group, e.g. `docker`, or run as root)"
        }
        ErrorKind::ConnectionRefused => " (nothing listens there)",
        _ => "",
    };
    if let Some(path) = endpoint.unix_path() {
        #[cfg(unix)]
        if let Err(e) = std::os::unix::net::UnixStream::connect(path) {
            return Err(format!("{e}{}", hint(&e)));
        }
        #[cfg(not(unix))]
        let _ = path;
        return Ok(());
    }
    let rest = endpoint
        .url
        .split_once("://")
        .map_or(endpoint.url.as_str(), |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    let addrs = std::net::ToSocketAddrs::to_socket_addrs(authority)
        .map_err(|e| format!("cannot resolve {authority}: {e}"))?;
    let mut last = None;
    for addr in addrs {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(10)) {
            Ok(_) => return Ok(()),
            Err(e) => last = Some(e),
        }
    }
    match last {
        Some(e) => Err(format!("{e}{}", hint(&e))),
        None => Err(format!("{authority} resolves to no address")),
    }
}

impl Engine {
    /// Connects and agrees on an API version (podman 4 speaks 1.41).
    pub fn connect(endpoint: Endpoint) -> Result<Engine, EngineError> {
        let fail = |endpoint: &Endpoint, reason: String| EngineError::Connect {
            endpoint: Box::new(endpoint.clone()),
            reason,
        };
        probe(&endpoint).map_err(|r| fail(&endpoint, r))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| fail(&endpoint, format!("cannot start the I/O runtime: {e}")))?;
        let docker = match (&endpoint.tls, endpoint.unix_path()) {
            (_, Some(path)) => {
                Docker::connect_with_unix(path, TIMEOUT_SECS, bollard::API_DEFAULT_VERSION)
            }
            (Some(tls), None) => {
                // Certificates that are missing are reported by name, not as a TLS failure.
                for f in [&tls.ca, &tls.cert, &tls.key] {
                    if !f.is_file() {
                        return Err(fail(
                            &endpoint,
                            format!(
                                "TLS is on but {} does not exist (set DOCKER_CERT_PATH)",
                                f.display()
                            ),
                        ));
                    }
                }
                Docker::connect_with_ssl(
                    &endpoint.url,
                    &tls.key,
                    &tls.cert,
                    &tls.ca,
                    TIMEOUT_SECS,
                    bollard::API_DEFAULT_VERSION,
                )
            }
            (None, None) => {
                Docker::connect_with_http(&endpoint.url, TIMEOUT_SECS, bollard::API_DEFAULT_VERSION)
            }
        }
        .map_err(|e| fail(&endpoint, describe(&e)))?;
        let docker = runtime
            .block_on(docker.negotiate_version())
            .map_err(|e| fail(&endpoint, describe(&e)))?;
        let version = runtime
            .block_on(docker.version())
            .map_err(|e| fail(&endpoint, describe(&e)))?;
        let podman = version
            .components
            .iter()
            .flatten()
            .any(|c| c.name.to_ascii_lowercase().contains("podman"));
        Ok(Engine {
            docker,
            runtime,
            endpoint,
            kind: if podman {
                EngineKind::Podman
            } else {
                EngineKind::Docker
            },
        })
    }

    /// The ids of the running containers, or of all of them with `all`.
    pub fn container_ids(&self, all: bool) -> Result<Vec<String>, EngineError> {
        let options = ListContainersOptionsBuilder::new().all(all).build();
        let list = self
            .runtime
            .block_on(self.docker.list_containers(Some(options)))
            .map_err(|e| EngineError::Request {
                what: "listing containers".to_owned(),
                reason: describe(&e),
            })?;
        Ok(list.into_iter().filter_map(|c| c.id).collect())
    }

    /// One container's inspect output, in the model the offline path reads.
    pub fn inspect(&self, name: &str) -> Result<Container, EngineError> {
        let response = self
            .runtime
            .block_on(
                self.docker
                    .inspect_container(name, None::<InspectContainerOptions>),
            )
            .map_err(|e| match e {
                bollard::errors::Error::DockerResponseServerError {
                    status_code: 404, ..
                } => EngineError::NoSuchContainer(name.to_owned()),
                e => EngineError::Request {
                    what: format!("inspecting container {name}"),
                    reason: describe(&e),
                },
            })?;
        let value = serde_json::to_value(&response).map_err(|e| EngineError::Request {
            what: format!("reading container {name}"),
            reason: e.to_string(),
        })?;
        container_from_value(value).map_err(|e| EngineError::Request {
            what: format!("reading container {name}"),
            reason: e.to_string(),
        })
    }

    /// `GET /info`, in the model the daemon rules read.
    pub fn info(&self) -> Result<Info, EngineError> {
        let fail = |reason: String| EngineError::Request {
            what: "GET /info".to_owned(),
            reason,
        };
        let info = self
            .runtime
            .block_on(self.docker.info())
            .map_err(|e| fail(describe(&e)))?;
        let value = serde_json::to_value(&info).map_err(|e| fail(e.to_string()))?;
        serde_json::from_value(value).map_err(|e| fail(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct FakeEnv {
        vars: HashMap<&'static str, String>,
        home: Option<PathBuf>,
    }

    impl Environment for FakeEnv {
        fn var(&self, name: &str) -> Option<String> {
            self.vars.get(name).cloned()
        }
        fn home(&self) -> Option<PathBuf> {
            self.home.clone()
        }
    }

    fn env(vars: &[(&'static str, &str)], home: Option<&Path>) -> FakeEnv {
        FakeEnv {
            vars: vars.iter().map(|(k, v)| (*k, v.to_string())).collect(),
            home: home.map(Path::to_owned),
        }
    }

    #[test]
    fn flag_then_docker_host_then_default() {
        let e = resolve_endpoint(Some("unix:///tmp/x.sock"), &env(&[], None)).unwrap();
        assert_eq!(
            (e.url.as_str(), e.source.as_str()),
            ("unix:///tmp/x.sock", "--host")
        );
        let e =
            resolve_endpoint(None, &env(&[("DOCKER_HOST", "tcp://10.0.0.5:2375")], None)).unwrap();
        assert!(e.is_plain_tcp());
        assert_eq!(e.source, "DOCKER_HOST");
        let e = resolve_endpoint(
            None,
            &env(
                &[
                    ("DOCKER_HOST", "tcp://10.0.0.5:2376"),
                    ("DOCKER_TLS_VERIFY", "1"),
                    ("DOCKER_CERT_PATH", "/certs"),
                ],
                None,
            ),
        )
        .unwrap();
        assert_eq!(e.tls.unwrap().ca, Path::new("/certs/ca.pem"));
        let e = resolve_endpoint(None, &env(&[], None)).unwrap();
        assert_eq!(e.url, "unix:///var/run/docker.sock");
        let err = resolve_endpoint(Some("ssh://me@host"), &env(&[], None)).unwrap_err();
        assert!(err.to_string().contains("ssh://me@host"), "{err}");
    }

    #[test]
    fn current_context_from_config_json() {
        let home = tempfile::tempdir().unwrap();
        let docker = home.path().join(".docker");
        // sha256("remote")
        let digest: String = Sha256::digest(b"remote")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let meta = docker.join("contexts/meta").join(&digest);
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            docker.join("config.json"),
            r#"{"auths": {}, "currentContext": "remote"}"#,
        )
        .unwrap();
        std::fs::write(
            meta.join("meta.json"),
            r#"{"Name":"remote","Metadata":{},"Endpoints":{"docker":{"Host":"tcp://build.example:2376","SkipTLSVerify":false}}}"#,
        )
        .unwrap();
        let e = resolve_endpoint(None, &env(&[], Some(home.path()))).unwrap();
        assert_eq!(e.url, "tcp://build.example:2376");
        assert_eq!(e.source, "context \"remote\"");
        assert!(e.is_plain_tcp());
        // With the context's TLS files.
        let tls = docker.join("contexts/tls").join(&digest).join("docker");
        std::fs::create_dir_all(&tls).unwrap();
        let e = resolve_endpoint(None, &env(&[], Some(home.path()))).unwrap();
        assert_eq!(e.tls.unwrap().key, tls.join("key.pem"));
        // DOCKER_CONTEXT wins over config.json; `default` is the default socket.
        let e = resolve_endpoint(
            None,
            &env(&[("DOCKER_CONTEXT", "default")], Some(home.path())),
        )
        .unwrap();
        assert_eq!(e.url, "unix:///var/run/docker.sock");
        // DOCKER_HOST wins over the context.
        let e = resolve_endpoint(
            None,
            &env(&[("DOCKER_HOST", "unix:///run/x.sock")], Some(home.path())),
        )
        .unwrap();
        assert_eq!(e.url, "unix:///run/x.sock");
        // A context that does not exist is an error naming it.
        let err = resolve_endpoint(None, &env(&[("DOCKER_CONTEXT", "gone")], Some(home.path())))
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"gone\""), "{err}");
    }

    #[test]
    fn a_missing_socket_is_reported_with_its_endpoint() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("unix://{}/none.sock", dir.path().display());
        let endpoint = resolve_endpoint(Some(&url), &env(&[], None)).unwrap();
        let err = Engine::connect(endpoint).err().unwrap().to_string();
        assert!(err.contains(&url) && err.contains("--host"), "{err}");
        assert!(err.contains("No such file"), "{err}");
    }

    #[test]
    fn a_refused_port_is_reported() {
        // Bind a port, then close it: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("tcp://127.0.0.1:{port}");
        let endpoint = resolve_endpoint(Some(&url), &env(&[], None)).unwrap();
        let err = Engine::connect(endpoint).err().unwrap().to_string();
        assert!(err.contains(&url) && err.contains("refused"), "{err}");
    }
}
