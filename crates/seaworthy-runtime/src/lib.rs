//! Running containers and the daemon, as the runtime rules see them: the model of
//! `docker inspect` output ([`inspect`]), of daemon.json and `GET /info` ([`daemon`]), and the
//! Engine API client that fetches both from a live Docker or podman engine ([`engine`]).

pub mod daemon;
pub mod engine;
pub mod inspect;

pub use daemon::{parse_daemon_config, Daemon, DaemonConfig, EngineKind, Info};
pub use engine::{resolve_endpoint, Endpoint, Engine, EngineError, ProcessEnv};
pub use inspect::{parse_inspect, ComposeOrigin, Container, InspectError};
pub use serde_json;
