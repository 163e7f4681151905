//! `seaworthy runtime` live, against a real engine: podman's Docker-compatible API service on
//! a unix socket in a temporary directory, with real containers created hardened and risky.
//!
//! Hermetic: every podman setting and all storage live in the temporary directory (runc,
//! cgroupfs, explicit ulimits, vfs storage so nothing stays mounted), the started containers
//! have `--network none`, and the one container with published ports is created but never
//! started, so host networking is not touched. Everything is removed at the end, on failure
//! too. Needs the Debian packages podman, runc, catatonit (for `--init`) and busybox-static.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const PACKAGES: &str = "podman runc catatonit busybox-static";

/// The podman service and its state directory; dropping it removes every container, stops
/// the service and deletes the directory.
struct Podman {
    dir: tempfile::TempDir,
    service: Option<Child>,
}

impl Podman {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn socket_url(&self) -> String {
        format!("unix://{}", self.path("podman.sock").display())
    }

    /// `podman` with this instance's configuration.
    fn podman(&self) -> Command {
        let mut cmd = Command::new("podman");
        cmd.env("CONTAINERS_CONF", self.path("containers.conf"))
            .env("CONTAINERS_STORAGE_CONF", self.path("storage.conf"))
            .env("CONTAINERS_REGISTRIES_CONF", self.path("registries.conf"))
            .env("TMPDIR", self.path("vartmp"))
            .env_remove("DOCKER_HOST")
            .env_remove("CONTAINER_HOST");
        cmd
    }

    /// Runs podman with `args`; panics with its output when it fails.
    fn run(&self, args: &[&str]) -> String {
        let out = self.podman().args(args).output().expect("podman runs");
        assert!(
            out.status.success(),
            "podman {}: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn start() -> Podman {
        let found = Command::new("podman")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            found,
            "podman is not installed: this test needs the Debian packages {PACKAGES} \
             (apt-get install -y {PACKAGES})"
        );
        let busybox = std::fs::read("/bin/busybox").unwrap_or_else(|e| {
            panic!("/bin/busybox: {e}: install the Debian package busybox-static")
        });
        assert!(
            is_static_elf(&busybox),
            "/bin/busybox is not a static executable: install the Debian package busybox-static"
        );

        let dir = tempfile::Builder::new()
            .prefix("sw-podman")
            .tempdir()
            .unwrap();
        let d = dir.path();
        for sub in [
            "root",
            "run",
            "libpod",
            "net",
            "vartmp",
            "volumes",
            "rootfs/bin",
            "rootfs/etc",
        ] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        let p = |name: &str| d.join(name).display().to_string();
        std::fs::write(
            d.join("containers.conf"),
            format!(
                "[containers]\ndefault_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\n\
                 log_driver = \"k8s-file\"\n\
                 [engine]\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n\
                 events_logfile_path = \"{}\"\nruntime = \"runc\"\ntmp_dir = \"{}\"\n\
                 volume_path = \"{}\"\nimage_copy_tmp_dir = \"{}\"\n\
                 [network]\nnetwork_config_dir = \"{}\"\n",
                p("events.log"),
                p("libpod"),
                p("volumes"),
                p("vartmp"),
                p("net")
            ),
        )
        .unwrap();
        std::fs::write(
            d.join("storage.conf"),
            format!(
                "[storage]\ndriver = \"vfs\"\ngraphroot = \"{}\"\nrunroot = \"{}\"\n",
                p("root"),
                p("run")
            ),
        )
        .unwrap();
        std::fs::write(
            d.join("registries.conf"),
            "unqualified-search-registries = []\n",
        )
        .unwrap();

        // A tiny rootfs: static busybox and the few names the containers run.
        let rootfs = d.join("rootfs");
        std::fs::write(rootfs.join("bin/busybox"), &busybox).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                rootfs.join("bin/busybox"),
                std::fs::Permissions::from_mode(0o755),
            )
            .unwrap();
            for name in ["sh", "sleep", "true", "false"] {
                std::os::unix::fs::symlink("busybox", rootfs.join("bin").join(name)).unwrap();
            }
        }
        std::fs::write(rootfs.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
        std::fs::write(rootfs.join("etc/group"), "root:x:0:\n").unwrap();
        let status = Command::new("tar")
            .arg("-C")
            .arg(&rootfs)
            .arg("-cf")
            .arg(d.join("tiny.tar"))
            .arg(".")
            .status()
            .unwrap();
        assert!(status.success(), "tar failed");

        let mut podman = Podman { dir, service: None };
        let log = std::fs::File::create(podman.path("service.log")).unwrap();
        let child = podman
            .podman()
            .args(["system", "service", "--time=0", &podman.socket_url()])
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("podman system service starts");
        podman.service = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::os::unix::net::UnixStream::connect(podman.path("podman.sock")).is_err() {
            assert!(
                Instant::now() < deadline,
                "the podman service did not open its socket: {}",
                std::fs::read_to_string(podman.path("service.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        podman
    }
}

impl Drop for Podman {
    fn drop(&mut self) {
        // Containers run under conmon, not the service: remove them before stopping it.
        let _ = self
            .podman()
            .args(["rm", "-f", "-t", "0", "-a"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if let Some(mut child) = self.service.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // conmon runs `podman container cleanup` after each container exits, with this
        // directory in its arguments: wait for those before the directory goes.
        let dir = self.dir.path().display().to_string();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && processes_mentioning(&dir) {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Whether a process other than this one has `text` in its command line.
fn processes_mentioning(text: &str) -> bool {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()) && n != me)
        })
        .any(|e| {
            std::fs::read(e.path().join("cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(text))
        })
}

/// Whether `elf` is a 64-bit ELF executable without a program interpreter (`PT_INTERP`).
fn is_static_elf(elf: &[u8]) -> bool {
    let u16_at = |o: usize| {
        elf.get(o..o + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize)
    };
    let u64_at = |o: usize| {
        elf.get(o..o + 8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap()) as usize)
    };
    if !elf.starts_with(b"\x7fELF") || elf.get(4) != Some(&2) {
        return false;
    }
    let (Some(phoff), Some(phentsize), Some(phnum)) = (u64_at(0x20), u16_at(0x36), u16_at(0x38))
    else {
        return false;
    };
    (0..phnum).all(|i| {
        let at = phoff + i * phentsize;
        elf.get(at..at + 4) != Some(&3u32.to_le_bytes()[..])
    })
}

/// Findings by container name: `(rule, location)` sorted.
fn by_object(stdout: &[u8]) -> BTreeMap<String, Vec<(String, String)>> {
    let v: Value = serde_json::from_slice(stdout).unwrap();
    let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for f in v.as_array().unwrap() {
        assert_eq!(f["kind"], "container", "{f}");
        let object = f["object"].as_str().unwrap();
        let name = object.split(" (").next().unwrap().to_owned();
        out.entry(name).or_default().push((
            f["rule"].as_str().unwrap().to_owned(),
            f["location"].as_str().unwrap().to_owned(),
        ));
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<_> = items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    v.sort();
    v
}

fn seaworthy(args: &[&str]) -> std::process::Output {
    Command::new(assert_cmd::cargo::cargo_bin("seaworthy"))
        .arg("runtime")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .output()
        .unwrap()
}

#[test]
fn live_podman_containers_hardened_and_risky() {
    let podman = Podman::start();
    let tar = podman.path("tiny.tar").display().to_string();
    podman.run(&[
        "import",
        "-q",
        "--change",
        "CMD [\"/bin/sh\"]",
        &tar,
        "localhost/tiny:1",
    ]);
    podman.run(&["tag", "localhost/tiny:1", "localhost/tiny:latest"]);
    let sock = podman.path("podman.sock").display().to_string();

    const HARDENED: &[&str] = &[
        "--init",
        "--memory",
        "64m",
        "--memory-swap",
        "64m",
        "--cpus",
        "0.5",
        "--pids-limit",
        "100",
        "--cap-drop",
        "ALL",
        "--read-only",
        "--security-opt",
        "no-new-privileges",
        "--user",
        "1000:1000",
        "--restart",
        "on-failure:3",
        "--health-interval",
        "30s",
    ];
    let create = |name: &str, extra: &[&str], image_cmd: &[&str]| {
        let mut args = vec!["create", "-q", "--name", name];
        args.extend_from_slice(extra);
        args.extend_from_slice(image_cmd);
        podman.run(&args);
    };
    let tiny = ["localhost/tiny:1", "sleep", "600"];
    let mut hardened = HARDENED.to_vec();
    hardened.extend(["--network", "none", "--health-cmd", "true"]);
    create("hardened", &hardened, &tiny);
    // Unhealthy after one failed check.
    let mut sick = HARDENED.to_vec();
    sick.extend([
        "--network",
        "none",
        "--health-cmd",
        "false",
        "--health-retries",
        "1",
    ]);
    create("sick", &sick, &tiny);
    let docker_sock = format!("{sock}:/var/run/docker.sock");
    create(
        "risky",
        &[
            "--network",
            "none",
            "--privileged",
            "--pid",
            "host",
            "-v",
            &docker_sock,
            "-v",
            "/etc:/host/etc:ro",
            "--cap-add",
            "SYS_ADMIN",
            "--security-opt",
            "seccomp=unconfined",
            "--user",
            "root",
            "-e",
            "DB_PASSWORD=hunter2",
        ],
        &["localhost/tiny:latest", "sleep", "600"],
    );
    // Published on every interface, but never started: host networking stays untouched.
    let mut published = HARDENED.to_vec();
    published.extend([
        "--health-cmd",
        "true",
        "-p",
        "18080:80",
        "-p",
        "127.0.0.1:18081:81",
    ]);
    create("published", &published, &tiny);
    podman.run(&["start", "hardened", "sick", "risky"]);
    // No systemd timers here: run the checks by hand.
    podman.run(&["healthcheck", "run", "hardened"]);
    let _ = podman
        .podman()
        .args(["healthcheck", "run", "sick"])
        .output();

    let host = podman.socket_url();
    let out = seaworthy(&["--host", &host, "--format", "json", "--fail-on", "none"]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("3 containers, 0 errors"),
        "{stderr}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(stderr.contains("is podman"), "{stderr}");
    let found = by_object(&out.stdout);
    assert!(!found.contains_key("hardened"), "{found:?}");
    assert!(!found.contains_key("published"), "not running: {found:?}");
    assert_eq!(
        found["sick"],
        pairs(&[("SW4016", "State.Health.Status")]),
        "{found:?}"
    );
    assert_eq!(
        found["risky"],
        pairs(&[
            ("SW4000", "Config.User"),
            ("SW4001", "HostConfig.Privileged"),
            ("SW4004", "HostConfig.SecurityOpt"),
            ("SW4006", "HostConfig.ReadonlyRootfs"),
            ("SW4007", "HostConfig.Memory"),
            ("SW4007", "HostConfig.NanoCpus"),
            ("SW4008", "HostConfig.RestartPolicy"),
            ("SW4010", "Mounts[/var/run/docker.sock]"),
            ("SW4011", "Mounts[/host/etc]"),
            ("SW4012", "HostConfig.PidMode"),
            ("SW4014", "Config.Env[DB_PASSWORD]"),
            ("SW4015", "Config.Image"),
            ("SW4017", "Config.Healthcheck"),
            ("SW4019", "HostConfig.Init"),
        ]),
        "{found:?}"
    );

    // --all adds the created container, whose port is published on every interface.
    let out = seaworthy(&[
        "--host",
        &host,
        "--all",
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found = by_object(&out.stdout);
    assert_eq!(
        found["published"],
        pairs(&[("SW4013", "HostConfig.PortBindings[80/tcp]")]),
        "{found:?}"
    );
    assert!(!found.contains_key("hardened"), "{found:?}");

    // By name, through DOCKER_HOST; the exit code follows the findings.
    let out = Command::new(assert_cmd::cargo::cargo_bin("seaworthy"))
        .args([
            "runtime",
            "hardened",
            "--fail-on",
            "style",
            "--format",
            "concise",
        ])
        .env("DOCKER_HOST", &host)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("1 container, 0 errors, 0 findings"),
        "{stderr}"
    );
    let out = seaworthy(&["--host", &host, "risky", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<_> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(
        names.iter().all(|n| n.starts_with("container/risky (")),
        "{names:?}"
    );

    // Through the current Docker context, as the docker CLI finds it.
    let home = tempfile::tempdir().unwrap();
    let digest: String = {
        use sha2::Digest;
        sha2::Sha256::digest(b"podman-test")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let meta = home.path().join(".docker/contexts/meta").join(digest);
    std::fs::create_dir_all(&meta).unwrap();
    std::fs::write(
        home.path().join(".docker/config.json"),
        r#"{"currentContext": "podman-test"}"#,
    )
    .unwrap();
    std::fs::write(
        meta.join("meta.json"),
        format!(
            r#"{{"Name":"podman-test","Metadata":{{}},"Endpoints":{{"docker":{{"Host":"{host}","SkipTLSVerify":false}}}}}}"#
        ),
    )
    .unwrap();
    let out = Command::new(assert_cmd::cargo::cargo_bin("seaworthy"))
        .args(["runtime", "sick", "--format", "json", "--fail-on", "none"])
        .env("HOME", home.path())
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .env_remove("DOCKER_CONFIG")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        by_object(&out.stdout)["sick"],
        pairs(&[("SW4016", "State.Health.Status")])
    );

    // A name the engine does not know.
    let out = seaworthy(&["--host", &host, "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
    let all =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(all.contains("no such container: nosuch"), "{all}");
}

#[test]
fn live_and_offline_agree() {
    // The live path converts the client's typed response to the offline model: auditing the
    // API's own JSON for the same container must give the same findings.
    let podman = Podman::start();
    let tar = podman.path("tiny.tar").display().to_string();
    podman.run(&["import", "-q", &tar, "localhost/tiny:1"]);
    podman.run(&[
        "create",
        "-q",
        "--name",
        "plain",
        "--network",
        "none",
        "localhost/tiny:1",
        "sleep",
        "600",
    ]);
    let host = podman.socket_url();
    let live = seaworthy(&[
        "--host",
        &host,
        "--all",
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    assert!(
        live.status.success(),
        "{}",
        String::from_utf8_lossy(&live.stderr)
    );
    // The raw API response, fetched with curl-free std: one HTTP/1.0 request on the socket.
    use std::io::{Read, Write};
    let mut stream = std::os::unix::net::UnixStream::connect(podman.path("podman.sock")).unwrap();
    stream
        .write_all(b"GET /v1.41/containers/plain/json HTTP/1.0\r\nHost: d\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let body = response.split_once("\r\n\r\n").unwrap().1;
    let file = podman.path("plain.json");
    std::fs::write(&file, body).unwrap();
    let offline = seaworthy(&[
        "--inspect",
        &file.display().to_string(),
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    assert!(
        offline.status.success(),
        "{}",
        String::from_utf8_lossy(&offline.stderr)
    );
    let live = by_object(&live.stdout);
    let offline = by_object(&offline.stdout);
    assert!(!live["plain"].is_empty());
    assert_eq!(live, offline);
    let _ = Path::new(&file);
}
