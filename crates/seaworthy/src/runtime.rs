//! `seaworthy runtime`: audit containers (live from the Engine API, or the JSON `docker inspect`
//! printed) and the daemon (daemon.json, and `GET /info` of a live engine).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args as ClapArgs;
use seaworthy_report::FileReport;
use seaworthy_rules::rules::runtime::{check_container, check_daemon};
use seaworthy_runtime::{
    parse_daemon_config, parse_inspect, resolve_endpoint, Container, Daemon, Engine, EngineError,
    EngineKind, ProcessEnv,
};

use crate::output::{plural, OutputArgs};

/// Where dockerd reads its configuration unless told otherwise.
const DEFAULT_DAEMON_CONFIG: &str = "/etc/docker/daemon.json";

#[derive(ClapArgs)]
pub struct RuntimeArgs {
    /// Containers by name or id (default: every running one; with --inspect, every one in
    /// the file).
    pub containers: Vec<String>,
    /// Audit stopped and created containers too, not only running ones.
    #[arg(long)]
    pub all: bool,
    /// Audit the JSON `docker inspect` printed (one container or an array of them) instead of
    /// asking the engine; `-` reads standard input.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["host", "all"])]
    pub inspect: Option<PathBuf>,
    /// The daemon's configuration file (default: /etc/docker/daemon.json when it exists and
    /// the engine is a local dockerd).
    #[arg(long, value_name = "PATH", conflicts_with = "no_daemon_config")]
    pub daemon_config: Option<PathBuf>,
    /// Do not read daemon.json (the daemon rules then use only a live engine's `/info`).
    #[arg(long)]
    pub no_daemon_config: bool,
    /// The engine's endpoint, `unix:///path/to.sock` or `tcp://host:port` (default:
    /// DOCKER_HOST, else the current Docker context, else /var/run/docker.sock).
    #[arg(long, value_name = "URL")]
    pub host: Option<String>,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// A fatal error: printed, exit code 2.
fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

/// Reads and parses daemon.json; errors name the file and, for JSON errors, line and column.
fn read_daemon_config(path: &Path) -> Result<seaworthy_runtime::DaemonConfig, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "{}: cannot read the daemon configuration: {e}",
            path.display()
        )
    })?;
    parse_daemon_config(&text).map_err(|e| {
        format!(
            "{}:{}:{}: not a valid daemon.json: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })
}

/// The containers named on the command line, out of those read from an inspect file.
fn select(
    containers: Vec<Container>,
    names: &[String],
    errors: &mut Vec<String>,
) -> Vec<Container> {
    if names.is_empty() {
        return containers;
    }
    let matches = |c: &Container, n: &str| {
        c.short_name() == n.trim_start_matches('/') || (n.len() >= 3 && c.id.starts_with(n))
    };
    for n in names {
        if !containers.iter().any(|c| matches(c, n)) {
            errors.push(format!("error: no container {n:?} in the inspect output"));
        }
    }
    containers
        .into_iter()
        .filter(|c| names.iter().any(|n| matches(c, n)))
        .collect()
}

pub fn run(args: RuntimeArgs) -> ExitCode {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let setup = match args.out.setup(&cwd) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut errors: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut daemon = Daemon::default();
    let mut daemon_name = String::new();

    let containers = if let Some(file) = &args.inspect {
        let (label, text) = if file.as_os_str() == "-" {
            let mut text = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut text) {
                return fail(format!("standard input: {e}"));
            }
            ("<stdin>".to_owned(), text)
        } else {
            match std::fs::read_to_string(file) {
                Ok(t) => (file.display().to_string(), t),
                Err(e) => return fail(format!("{}: {e}", file.display())),
            }
        };
        let containers = match parse_inspect(&text) {
            Ok(c) => c,
            Err(e) => return fail(format!("{label}: {e}")),
        };
        if containers.is_empty() {
            notes.push(format!("note: {label} holds no container\n"));
        }
        select(containers, &args.containers, &mut errors)
    } else {
        let endpoint = match resolve_endpoint(args.host.as_deref(), &ProcessEnv) {
            Ok(e) => e,
            Err(e) => return fail(e),
        };
        let engine = match Engine::connect(endpoint) {
            Ok(e) => e,
            Err(e) => return fail(e),
        };
        let names = if args.containers.is_empty() {
            match engine.container_ids(args.all) {
                Ok(ids) => ids,
                Err(e) => return fail(e),
            }
        } else {
            args.containers.clone()
        };
        let mut containers = Vec::new();
        for name in &names {
            match engine.inspect(name) {
                Ok(c) => containers.push(c),
                // Removed between the listing and the inspection.
                Err(EngineError::NoSuchContainer(_)) if args.containers.is_empty() => {}
                Err(e) => errors.push(format!("error: {e}\n")),
            }
        }
        if names.is_empty() {
            notes.push(format!(
                "note: no {}containers at {}\n",
                if args.all { "" } else { "running " },
                engine.endpoint.url
            ));
        }
        match engine.info() {
            Ok(info) => daemon.info = Some(info),
            Err(e) => errors.push(format!("error: {e}\n")),
        }
        daemon.engine = Some(engine.kind);
        if engine.endpoint.is_plain_tcp() {
            daemon.plain_tcp_endpoint = Some(engine.endpoint.url.clone());
        }
        daemon_name = engine.endpoint.url.clone();
        containers
    };

    // daemon.json: the one named, else dockerd's default when the engine is a local dockerd
    // (or none was asked, offline).
    let local_docker = match daemon.engine {
        None => true,
        Some(EngineKind::Podman) => false,
        Some(EngineKind::Docker) => daemon_name.starts_with("unix://"),
    };
    let config_path = match &args.daemon_config {
        Some(p) => Some(p.clone()),
        None if args.no_daemon_config => None,
        None => {
            let p = PathBuf::from(DEFAULT_DAEMON_CONFIG);
            (local_docker && p.is_file()).then_some(p)
        }
    };
    if let Some(path) = config_path {
        match read_daemon_config(&path) {
            Ok(c) => {
                daemon_name = path.display().to_string();
                daemon.config = Some((daemon_name.clone(), c));
            }
            Err(e) => errors.push(format!("error: {e}\n")),
        }
    }
    if daemon.engine == Some(EngineKind::Podman) && daemon.config.is_none() {
        notes.push(format!(
            "note: the engine at {daemon_name} is podman: the daemon rules are about dockerd \
             and were not run\n"
        ));
    }

    let settings = &setup.config.settings;
    let mut audited: Vec<(String, Vec<seaworthy_rules::Finding>)> = containers
        .iter()
        .map(|c| {
            let name = c.display_name();
            let mut findings = check_container(c, &daemon, settings);
            setup.config.filter(Path::new(&name), &mut findings);
            (name, findings)
        })
        .collect();
    let daemon_audited =
        daemon.config.is_some() || (daemon.is_known() && daemon.engine != Some(EngineKind::Podman));
    if daemon_audited {
        let mut findings = check_daemon(&daemon, settings);
        setup.config.filter(Path::new(&daemon_name), &mut findings);
        audited.push((daemon_name.clone(), findings));
    }

    let mut reports: Vec<FileReport<'_>> = Vec::new();
    let containers_n = containers.len();
    for (i, (name, findings)) in audited.iter().enumerate() {
        let kind = if daemon_audited && i == audited.len() - 1 {
            "daemon"
        } else {
            "container"
        };
        reports.push(FileReport::logical(kind, name, findings));
    }
    if !args.out.quiet {
        args.out.diagnostics(&notes.concat());
    }
    let error_lines: String = errors
        .iter()
        .map(|e| {
            if e.ends_with('\n') {
                e.clone()
            } else {
                format!("{e}\n")
            }
        })
        .collect();
    args.out.diagnostics(&error_lines);
    let error_count = errors.len();
    args.out.finish(&setup, &reports, error_count, |n| {
        format!(
            "{}{}, {} error{}, {}",
            plural(containers_n, "container"),
            if daemon_audited {
                " and the daemon"
            } else {
                ""
            },
            error_count,
            if error_count == 1 { "" } else { "s" },
            plural(n, "finding")
        )
    })
}
