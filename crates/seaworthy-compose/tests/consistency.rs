//! The checks docker compose makes after the schema: every case below was run through
//! `docker compose config` (v2.40.3) in its default mode and with `--no-consistency`, and the
//! comment above it quotes docker's verdict. `Invalid` files are rejected in both modes,
//! `Consistency` ones only in the default mode; seaworthy must reject them at the line and
//! column given, with a message starting with the text given.

use std::path::PathBuf;

use seaworthy_compose::{load, LoadError, Options};

enum Verdict {
    Ok,
    /// Rejected in both modes: line, column, the message's start.
    Invalid(usize, usize, &'static str),
    /// Rejected only by the consistency checks.
    Consistency(usize, usize, &'static str),
}
use Verdict::*;

fn load_text(text: &str, consistency: bool) -> Result<(), LoadError> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), text).unwrap();
    let options = Options {
        files: vec![PathBuf::from("compose.yaml")],
        working_dir: dir.path().to_path_buf(),
        environment: [("HOME".to_string(), "/nonexistent".to_string())].into(),
        consistency,
        ..Default::default()
    };
    load(&options).map(|_| ())
}

fn assert_rejected(name: &str, r: Result<(), LoadError>, line: usize, col: usize, msg: &str) {
    let e = r.expect_err(name);
    let p = e
        .position
        .unwrap_or_else(|| panic!("{name}: no position: {e}"));
    assert_eq!((p.line, p.column), (line, col), "{name}: {e}");
    assert!(e.message.starts_with(msg), "{name}: {e}");
}

#[test]
fn verdicts_match_docker_compose() {
    for (name, text, verdict) in CASES {
        let default = load_text(text, true);
        let relaxed = load_text(text, false);
        match *verdict {
            Ok => {
                assert!(default.is_ok(), "{name}: {}", default.unwrap_err());
                assert!(relaxed.is_ok(), "{name}: {}", relaxed.unwrap_err());
            }
            Invalid(line, col, msg) => {
                assert_rejected(name, default, line, col, msg);
                assert_rejected(name, relaxed, line, col, msg);
            }
            Consistency(line, col, msg) => {
                assert_rejected(name, default, line, col, msg);
                assert!(relaxed.is_ok(), "{name}: {}", relaxed.unwrap_err());
            }
        }
    }
}

#[test]
fn options_check_consistency_by_default() {
    assert!(Options::default().consistency);
}

#[test]
fn an_error_in_an_override_file_points_into_that_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("compose.yaml"),
        "services:\n  web:\n    image: nginx\n",
    )
    .unwrap();
    std::fs::write(
        d.join("compose.override.yaml"),
        "services:\n  web:\n    volumes:\n      - cache:/cache\n",
    )
    .unwrap();
    let options = Options {
        working_dir: d.to_path_buf(),
        ..Default::default()
    };
    let e = load(&options).unwrap_err();
    assert!(e.path.ends_with("compose.override.yaml"), "{e}");
    assert_eq!(e.position.map(|p| p.line), Some(4), "{e}");
    assert!(e.message.contains("volume `cache`"), "{e}");
}

/// docker compose: accepted (an included file declares what its services use, and the
/// including file may use it too).
#[test]
fn declarations_of_included_files_count() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("sub")).unwrap();
    std::fs::write(
        d.join("compose.yaml"),
        "include:\n  - sub/compose.yaml\nservices:\n  web:\n    image: nginx\n    volumes: [\"data:/d\"]\n    networks: [n]\n    depends_on: [db]\n",
    )
    .unwrap();
    std::fs::write(
        d.join("sub/compose.yaml"),
        "services:\n  db:\n    image: pg\n    volumes: [\"data:/d\"]\n    networks: [n]\nvolumes:\n  data: {}\nnetworks:\n  n: {}\n",
    )
    .unwrap();
    let options = Options {
        working_dir: d.to_path_buf(),
        ..Default::default()
    };
    let project = load(&options).unwrap();
    assert_eq!(project.services.len(), 2);
}

/// docker compose: service "web" refers to undefined volume data (`extends` takes the service,
/// not the top-level `volumes:` of its file); the error points where the mount is written.
#[test]
fn extends_does_not_bring_declarations() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("compose.yaml"),
        "services:\n  web:\n    extends:\n      file: base.yaml\n      service: b\n",
    )
    .unwrap();
    std::fs::write(
        d.join("base.yaml"),
        "services:\n  b:\n    image: pg\n    volumes: [\"data:/d\"]\nvolumes:\n  data: {}\n",
    )
    .unwrap();
    let mut options = Options {
        working_dir: d.to_path_buf(),
        ..Default::default()
    };
    let e = load(&options).unwrap_err();
    assert!(e.path.ends_with("base.yaml"), "{e}");
    assert_eq!(e.position.map(|p| (p.line, p.column)), Some((4, 15)), "{e}");
    assert!(e.message.contains("volume `data`"), "{e}");
    options.consistency = false;
    assert!(load(&options).is_ok());
}

/// Name, compose.yaml, verdict.
const CASES: &[(&str, &str, Verdict)] = &[
    // docker compose: accepted
    (
        "b_defnet",
        "services:\n  web:\n    image: nginx\n    networks: [default]\n",
        Ok,
    ),
    // docker compose: dependency cycle detected: web -> web
    (
        "b_dependsself",
        "services:\n  web:\n    image: nginx\n    depends_on: [web]\n",
        Consistency(4, 18, "dependency cycle: web -> web; services cannot wait for each"),
    ),
    // docker compose: accepted
    (
        "b_ipv6",
        "services:\n  web:\n    image: nginx\n    ports:\n      - \"[::1]:80:80\"\n      - \"127.0.0.1:81:81\"\n      - \"0.0.0.0::82\"\n      - target: 83\n        host_ip: \"::\"\n",
        Ok,
    ),
    // docker compose: service "web" refers to undefined volume data: invalid compose project
    (
        "b_longvol",
        "services:\n  web:\n    image: nginx\n    volumes:\n      - type: volume\n        source: data\n        target: /data\n",
        Consistency(5, 9, "service `web` uses volume `data`, which is not declared"),
    ),
    // docker compose: accepted
    (
        "b_netunk_disabled",
        "services:\n  web:\n    image: nginx\n    profiles: [x]\n    networks: [nope]\n    volumes: [\"nope:/x\"]\n",
        Ok,
    ),
    // docker compose: service "web" depends on undefined service "db": invalid compose project
    (
        "b_reqfalse",
        "services:\n  web:\n    image: nginx\n    depends_on:\n      db:\n        condition: service_started\n        required: false\n",
        Consistency(5, 7, "service `web` depends on undefined service \"db\" (in"),
    ),
    // docker compose: accepted
    (
        "b_reqfalseprof",
        "services:\n  web:\n    image: nginx\n    depends_on:\n      db:\n        condition: service_started\n        required: false\n  db:\n    image: postgres\n    profiles: [x]\n",
        Ok,
    ),
    // docker compose: accepted
    (
        "b_secenv",
        "services:\n  web:\n    image: nginx\nsecrets:\n  s:\n    environment: X\nconfigs:\n  c:\n    environment: X\n  d:\n    content: hi\n  e:\n    external: true\n",
        Ok,
    ),
    // docker compose: accepted
    (
        "b_secext",
        "services:\n  web:\n    image: nginx\n    secrets: [s]\nsecrets:\n  s:\n    external: true\n",
        Ok,
    ),
    // docker compose: secrets.s: one of file|environment must be set
    (
        "b_secname",
        "services:\n  web:\n    image: nginx\nsecrets:\n  s:\n    name: foo\n",
        Invalid(5, 3, "secrets.s: no source: give exactly one of `file`,"),
    ),
    // docker compose: invalid spec: /a::/b: empty section between colons
    (
        "b_volcolon",
        "services:\n  web:\n    image: nginx\n    volumes: [\"/a::/b\", \"/c:\"]\n",
        Invalid(4, 15, "invalid spec: /a::/b: empty section between colons"),
    ),
    // docker compose: accepted
    (
        "b_volext",
        "services:\n  web:\n    image: nginx\n    volumes: [\"data:/data\"]\nvolumes:\n  data:\n    external: true\n",
        Ok,
    ),
    // docker compose: service "web" refers to undefined build secret s1: invalid compose project
    (
        "buildsecret",
        "services:\n  web:\n    build:\n      context: .\n      secrets: [s1]\n",
        Consistency(5, 17, "service `web` uses build secret `s1`, which is not declared"),
    ),
    // docker compose: 'services[web].build.shm_size' invalid suffix: 'parsecs'
    (
        "c_build_shm",
        "services:\n  web:\n    build:\n      context: .\n      shm_size: 5 parsecs\n",
        Invalid(5, 17, "services.web.build.shm_size: \"5 parsecs\" is not a byte"),
    ),
    // docker compose: accepted
    (
        "c_dur0",
        "services:\n  web:\n    image: nginx\n    healthcheck:\n      interval: \"0\"\n      timeout: \".5s\"\n      start_period: \"1.s\"\n",
        Ok,
    ),
    // docker compose: accepted
    (
        "c_durd",
        "services:\n  web:\n    image: nginx\n    healthcheck:\n      interval: \"2d\"\n",
        Ok,
    ),
    // docker compose: 'services[web].healthcheck.interval' time: invalid duration ""
    (
        "c_durempty",
        "services:\n  web:\n    image: nginx\n    healthcheck:\n      interval: \"\"\n",
        Invalid(5, 17, "services.web.healthcheck.interval: \"\" is not a duration;"),
    ),
    // docker compose: 'services[web].healthcheck.interval' time: missing unit in duration "10"
    (
        "c_durs",
        "services:\n  web:\n    image: nginx\n    stop_grace_period: 1m30s\n    healthcheck:\n      interval: \"10\"\n      timeout: \"1.5s\"\n      start_period: 1h2m3s4ms5us6ns\n      start_interval: \"-1s\"\n    deploy:\n      restart_policy:\n        delay: 5s\n        window: \"+2h\"\n",
        Invalid(6, 17, "services.web.healthcheck.interval: \"10\" is not a duration;"),
    ),
    // docker compose: 'services[web].healthcheck.interval' time: missing unit in duration "10"
    (
        "c_durs2",
        "services:\n  web:\n    image: nginx\n    stop_grace_period: 1m30s\n    healthcheck:\n      interval: \"10\"\n      timeout: \"1.5s\"\n      start_period: 1h2m3s4ms5us6ns\n      start_interval: \"-1s\"\n    deploy:\n      restart_policy:\n        delay: 5s\n",
        Invalid(6, 17, "services.web.healthcheck.interval: \"10\" is not a duration;"),
    ),
    // docker compose: accepted
    (
        "c_mem_b",
        "services:\n  web:\n    image: nginx\n    mem_limit: \"10 MB\"\n",
        Ok,
    ),
    // docker compose: 'services[web].mem_limit' invalid size: ''
    (
        "c_mem_e",
        "services:\n  web:\n    image: nginx\n    mem_limit: \"\"\n",
        Invalid(4, 16, "services.web.mem_limit: \"\" is not a byte size; write a"),
    ),
    // docker compose: 'services[web].mem_limit' strconv.ParseFloat: parsing " 10": invalid syntax
    (
        "c_mem_sp",
        "services:\n  web:\n    image: nginx\n    mem_limit: \" 10m\"\n    mem_reservation: \"10 m\"\n    shm_size: \"1e3\"\n",
        Invalid(4, 16, "services.web.mem_limit: \" 10m\" is not a byte size; write a"),
    ),
    // docker compose: 'services[web].volumes[0].tmpfs.size' invalid suffix: 'parsecs'
    (
        "c_mem_tmpfs",
        "services:\n  web:\n    image: nginx\n    volumes:\n      - type: tmpfs\n        target: /y\n        tmpfs:\n          size: 10parsecs\n",
        Invalid(8, 17, "services.web.volumes.tmpfs.size: \"10parsecs\" is not a byte"),
    ),
    // docker compose: services.web: can't set distinct values on 'mem_limit' and 'deploy.resources.limits.memory': invalid compose project
    (
        "c_mems",
        "services:\n  web:\n    image: nginx\n    mem_limit: 1gb\n    memswap_limit: -1\n    mem_reservation: 512M\n    shm_size: \"1.5g\"\n    deploy:\n      resources:\n        limits:\n          memory: \"100\"\n        reservations:\n          memory: 1.5GiB\n    tmpfs: [\"/x:size=5parsecs\"]\n    volumes:\n      - type: tmpfs\n        target: /y\n        tmpfs:\n          size: 10m\n",
        Consistency(4, 16, "service `web` sets `mem_limit` and"),
    ),
    // docker compose: services.web: can't set distinct values on 'mem_reservation' and 'deploy.resources.reservations.memory': invalid compose project
    (
        "c_mems2",
        "services:\n  web:\n    image: nginx\n    mem_limit: 1gb\n    memswap_limit: -1\n    mem_reservation: 512M\n    shm_size: \"1.5g\"\n    deploy:\n      resources:\n        reservations:\n          memory: 1.5GiB\n    tmpfs: [\"/x:size=5parsecs\"]\n    volumes:\n      - type: tmpfs\n        target: /y\n        tmpfs:\n          size: 10m\n",
        Consistency(6, 22, "service `web` sets `mem_reservation` and"),
    ),
    // docker compose: 'services[web].shm_size' invalid suffix: 'parsecs'
    (
        "c_shm",
        "services:\n  web:\n    image: nginx\n    shm_size: 5 parsecs\n",
        Invalid(4, 15, "services.web.shm_size: \"5 parsecs\" is not a byte size;"),
    ),
    // docker compose: 'services[web].memswap_limit' invalid suffix: 'parsecs'
    (
        "c_swap",
        "services:\n  web:\n    image: nginx\n    memswap_limit: 5 parsecs\n",
        Invalid(4, 20, "services.web.memswap_limit: \"5 parsecs\" is not a byte size;"),
    ),
    // docker compose: services.scale: can't set container_name and web as container name must be unique: invalid compose project
    (
        "cname",
        "services:\n  web:\n    image: nginx\n    container_name: foo\n    scale: 2\n",
        Consistency(4, 21, "service `web` sets `container_name` and runs more than one"),
    ),
    // docker compose: service "web" refers to undefined config c1: invalid compose project
    (
        "config",
        "services:\n  web:\n    image: nginx\n    configs: [c1]\n",
        Consistency(4, 15, "service `web` uses config `c1`, which is not declared under"),
    ),
    // docker compose: services.web: can't set distinct values on 'cpus' and 'deploy.resources.limits.cpus': invalid compose project
    (
        "cpus",
        "services:\n  web:\n    image: nginx\n    cpus: 1\n    deploy:\n      resources:\n        limits:\n          cpus: 2\n",
        Consistency(4, 11, "service `web` sets `cpus` and"),
    ),
    // docker compose: services.web: can't set distinct values on 'cpus' and 'deploy.resources.limits.cpus': invalid compose project
    (
        "d_cpus_partial",
        "services:\n  web:\n    image: nginx\n    cpus: 1\n    mem_limit: 1g\n    deploy:\n      resources:\n        limits:\n          pids: 5\n",
        Consistency(4, 11, "service `web` sets `cpus` and"),
    ),
    // docker compose: accepted
    (
        "d_cpus_same",
        "services:\n  web:\n    image: nginx\n    cpus: 1.5\n    mem_limit: 1g\n    deploy:\n      resources:\n        limits:\n          cpus: \"1.5\"\n          memory: 1024M\n",
        Ok,
    ),
    // docker compose: dependency cycle detected: a -> b -> a
    (
        "d_cycle",
        "services:\n  a:\n    image: nginx\n    depends_on: [b]\n  b:\n    image: nginx\n    links: [a]\n",
        Consistency(7, 13, "dependency cycle: a -> b -> a; services cannot wait for"),
    ),
    // docker compose: accepted
    (
        "d_extdef",
        "services:\n  web:\n    image: nginx\n    networks: [default]\nnetworks:\n  default:\n    external: true\n    name: foo\n",
        Ok,
    ),
    // docker compose: services.web.deploy.resources.reservations.devices.[]: "count" and "device_ids" attributes are exclusive
    (
        "d_gpu_all",
        "services:\n  web:\n    image: nginx\n    deploy:\n      resources:\n        reservations:\n          devices:\n            - capabilities: [gpu]\n              count: all\n              device_ids: []\n",
        Invalid(10, 27, "services.web.deploy.resources.reservations.devices: a"),
    ),
    // docker compose: accepted
    (
        "d_hc_empty",
        "services:\n  web:\n    image: nginx\n    healthcheck:\n      test: []\n",
        Ok,
    ),
    // docker compose: accepted
    (
        "d_hc_str",
        "services:\n  web:\n    image: nginx\n    healthcheck:\n      test: \"CMD curl\"\n",
        Ok,
    ),
    // docker compose: accepted
    (
        "d_links_alias",
        "services:\n  web:\n    image: nginx\n    links: [\"db:database\"]\n  db:\n    image: postgres\n",
        Ok,
    ),
    // docker compose: services.web: can't set distinct values on 'mem_reservation' and 'deploy.resources.reservations.memory': invalid compose project
    (
        "d_memres",
        "services:\n  web:\n    image: nginx\n    mem_reservation: 10m\n    deploy:\n      resources:\n        reservations:\n          cpus: \"1\"\n",
        Consistency(4, 22, "service `web` sets `mem_reservation` and"),
    ),
    // docker compose: accepted
    (
        "d_nethost_nets",
        "services:\n  web:\n    image: nginx\n    network_mode: host\n    networks: {}\n",
        Ok,
    ),
    // docker compose: services.web: can't set distinct values on 'pids_limit' and 'deploy.resources.limits.pids': invalid compose project
    (
        "d_pids",
        "services:\n  web:\n    image: nginx\n    pids_limit: 10\n    deploy:\n      resources:\n        limits:\n          pids: 5\n",
        Consistency(4, 17, "service `web` sets `pids_limit` and"),
    ),
    // docker compose: invalid proto: foo
    (
        "d_proto",
        "services:\n  web:\n    image: nginx\n    ports: [\"80:80/foo\"]\n",
        Invalid(4, 13, "invalid port \"80:80/foo\": the protocol must be tcp, udp or"),
    ),
    // docker compose: service "web" depends on undefined service "db": invalid compose project
    (
        "d_volfrom_ro",
        "services:\n  web:\n    image: nginx\n    volumes_from: [\"db:ro\"]\n",
        Consistency(4, 20, "service `web` depends on undefined service \"db\" (in"),
    ),
    // docker compose: service "web" depends on undefined service "db": invalid compose project
    (
        "dep",
        "services:\n  web:\n    image: nginx\n    depends_on: [db]\n",
        Consistency(4, 18, "service `web` depends on undefined service \"db\" (in"),
    ),
    // docker compose: service "web" depends on undefined service "db": invalid compose project
    (
        "depprof",
        "services:\n  web:\n    image: nginx\n    depends_on: [db]\n  db:\n    image: postgres\n    profiles: [x]\n",
        Consistency(4, 18, "service `web` depends on service `db` (in `depends_on`),"),
    ),
    // docker compose: accepted
    (
        "depprof2",
        "services:\n  web:\n    image: nginx\n    profiles: [x]\n    depends_on: [db]\n",
        Ok,
    ),
    // docker compose: service "web" declares mutualy exclusive dockerfile and dockerfile_inline: invalid compose project
    (
        "dfinline",
        "services:\n  web:\n    build:\n      context: .\n      dockerfile: Dockerfile\n      dockerfile_inline: FROM scratch\n",
        Consistency(6, 26, "service `web` sets both `build.dockerfile` and"),
    ),
    // docker compose: accepted
    (
        "dupmount",
        "services:\n  web:\n    image: nginx\n    volumes: [\"/a:/data\", \"/b:/data\"]\n",
        Ok,
    ),
    // docker compose: 'services[web].healthcheck.interval' time: unknown unit " blah" in duration "5 blah"
    (
        "dur",
        "services:\n  web:\n    image: nginx\n    healthcheck:\n      interval: 5 blah\n",
        Invalid(5, 17, "services.web.healthcheck.interval: \"5 blah\" is not a"),
    ),
    // docker compose: 'services[web].stop_grace_period' time: unknown unit "x" in duration "5x"
    (
        "dur2",
        "services:\n  web:\n    image: nginx\n    stop_grace_period: 5x\n",
        Invalid(4, 24, "services.web.stop_grace_period: \"5x\" is not a duration;"),
    ),
    // docker compose: services.b: can't set distinct values on 'pids_limit' and 'deploy.resources.limits.pids': invalid compose project
    (
        "e_pids",
        "services:\n  b:\n    image: y:1.0.0\n    pids_limit: 5\n    deploy:\n      resources:\n        limits:\n          cpus: \"1\"\n",
        Consistency(4, 17, "service `b` sets `pids_limit` and"),
    ),
    // docker compose: accepted
    (
        "e_res",
        "services:\n  b:\n    image: y:1.0.0\n    mem_limit: 512m\n    deploy:\n      resources:\n        reservations:\n          cpus: \"1\"\n",
        Ok,
    ),
    // docker compose: accepted
    (
        "e_rules_fixture",
        "services:\n  b:\n    image: y:1.0.0\n    mem_limit: 512m\n    deploy:\n      resources:\n        limits:\n          cpus: \"1\"\n          memory: 512m\n",
        Ok,
    ),
    // docker compose: accepted
    (
        "f_cpus_eq",
        "services:\n  web:\n    image: nginx\n    build: .\n    deploy:\n      resources:\n        limits:\n          cpus: \"0.5\"\n    cpus: 0.5\n",
        Ok,
    ),
    // docker compose: dependency cycle detected: db -> web -> db
    (
        "f_cycle_optional",
        "services:\n  web:\n    image: nginx\n    depends_on:\n      db:\n        condition: service_healthy\n        required: false\n  db:\n    image: x\n    depends_on: [web]\n",
        Consistency(5, 7, "dependency cycle: db -> web -> db; services cannot wait for"),
    ),
    // docker compose: service "web" has neither an image nor a build context specified: invalid compose project
    (
        "f_emptyimage",
        "services:\n  web:\n    image: \"\"\n",
        Consistency(2, 3, "service `web` has neither `image` nor `build`; give it an"),
    ),
    // docker compose: healthcheck.test must start either by "CMD", "CMD-SHELL" or "NONE"
    (
        "f_hcdisable",
        "services:\n  web:\n    image: nginx\n    healthcheck:\n      disable: true\n      test: [\"FOO\"]\n",
        Consistency(6, 14, "service `web`: a healthcheck `test` list must start with"),
    ),
    // docker compose: healthcheck.test must start either by "CMD", "CMD-SHELL" or "NONE"
    (
        "f_hclower",
        "services:\n  web:\n    image: nginx\n    healthcheck:\n      test: [\"cmd\", \"x\"]\n",
        Consistency(5, 14, "service `web`: a healthcheck `test` list must start with"),
    ),
    // docker compose: service "web" depends on undefined service "db": invalid compose project
    (
        "f_ipc",
        "services:\n  web:\n    image: nginx\n    ipc: service:db\n",
        Consistency(4, 10, "service `web` depends on undefined service \"db\" (in `ipc`);"),
    ),
    // docker compose: dependency cycle detected: db -> web -> db
    (
        "f_ipccycle",
        "services:\n  web:\n    image: nginx\n    ipc: service:db\n  db:\n    image: x\n    depends_on: [web]\n",
        Consistency(4, 10, "dependency cycle: db -> web -> db; services cannot wait for"),
    ),
    // docker compose: service "web" depends on undefined service "db": invalid compose project
    (
        "f_pid",
        "services:\n  web:\n    image: nginx\n    pid: service:db\n",
        Consistency(4, 10, "service `web` depends on undefined service \"db\" (in `pid`);"),
    ),
    // docker compose: accepted
    (
        "f_scale0",
        "services:\n  web:\n    image: nginx\n    scale: 0\n    container_name: abc\n",
        Ok,
    ),
    // docker compose: service "web" depends on undefined service "db": invalid compose project
    (
        "f_uts",
        "services:\n  web:\n    image: nginx\n    uts: service:db\n",
        Consistency(4, 10, "service `web` depends on undefined service \"db\" (in `uts`);"),
    ),
    // docker compose: accepted
    (
        "f_volfrom_ok",
        "services:\n  web:\n    image: nginx\n    volumes_from: [\"db:rw\"]\n  db:\n    image: x\n    volumes_from: [\"container:web\"]\n",
        Ok,
    ),
    // docker compose: accepted
    (
        "g_cfgcontentempty",
        "services:\n  web:\n    image: nginx\nconfigs:\n  c:\n    content: \"\"\n",
        Ok,
    ),
    // docker compose: accepted
    (
        "g_cfgenvempty",
        "services:\n  web:\n    image: nginx\nconfigs:\n  c:\n    environment: \"\"\n",
        Ok,
    ),
    // docker compose: services.web.ports.[]: invalid ip address: 
    (
        "g_hostipempty",
        "services:\n  web:\n    image: nginx\n    ports:\n      - target: 80\n        host_ip: \"\"\n",
        Invalid(6, 18, "services.web.ports: host_ip \"\" is not an IP address; write"),
    ),
    // docker compose: accepted
    (
        "g_portforms",
        "services:\n  web:\n    image: nginx\n    ports: [\"127.0.0.1::80\", \"[::]:8080:80/UDP\"]\n",
        Ok,
    ),
    // docker compose: accepted
    (
        "g_portranges",
        "services:\n  web:\n    image: nginx\n    ports: [\"8000-8001:8000-8001\", \"9000-9005:80\"]\n",
        Ok,
    ),
    // docker compose: invalid hostPort: 8001-8000
    (
        "g_portrev",
        "services:\n  web:\n    image: nginx\n    ports: [\"8001-8000:80\"]\n",
        Invalid(4, 13, "invalid port \"8001-8000:80\""),
    ),
    // docker compose: secret "s" must declare either `file` or `environment`: invalid compose project
    (
        "g_secenvempty",
        "services:\n  web:\n    image: nginx\nsecrets:\n  s:\n    environment: \"\"\n",
        Consistency(6, 18, "secrets.s: `environment` is empty; name the variable"),
    ),
    // docker compose: accepted
    (
        "g_secenvext",
        "services:\n  web:\n    image: nginx\nsecrets:\n  s:\n    environment: \"\"\n    external: true\n",
        Ok,
    ),
    // docker compose: accepted
    (
        "g_secextfile",
        "services:\n  web:\n    image: nginx\nsecrets:\n  s:\n    external: true\n    file: ./x\n",
        Ok,
    ),
    // docker compose: accepted
    (
        "g_secfileempty",
        "services:\n  web:\n    image: nginx\nsecrets:\n  s:\n    file: \"\"\n",
        Ok,
    ),
    // docker compose: accepted
    (
        "g_volshort",
        "services:\n  web:\n    image: nginx\n    volumes: [\"ab\", \"/x\", \"./a:/b:ro,z\"]\n",
        Ok,
    ),
    // docker compose: services.web.deploy.resources.reservations.devices.[]: "count" and "device_ids" attributes are exclusive
    (
        "gpu",
        "services:\n  web:\n    image: nginx\n    deploy:\n      resources:\n        reservations:\n          devices:\n            - capabilities: [gpu]\n              count: 1\n              device_ids: [\"0\"]\n",
        Invalid(10, 27, "services.web.deploy.resources.reservations.devices: a"),
    ),
    // docker compose: healthcheck.test must start either by "CMD", "CMD-SHELL" or "NONE"
    (
        "hc",
        "services:\n  web:\n    image: nginx\n    healthcheck:\n      test: [\"FOO\", \"x\"]\n",
        Consistency(5, 14, "service `web`: a healthcheck `test` list must start with"),
    ),
    // docker compose: services.web.ports.[]: invalid ip address: notanip
    (
        "hostip",
        "services:\n  web:\n    image: nginx\n    ports:\n      - target: 80\n        host_ip: notanip\n",
        Invalid(6, 18, "services.web.ports: host_ip \"notanip\" is not an IP address;"),
    ),
    // docker compose: invalid IP address: foo
    (
        "hostip2",
        "services:\n  web:\n    image: nginx\n    ports:\n      - \"foo:80:80\"\n",
        Invalid(5, 9, "invalid port \"foo:80:80\": \"foo\" is not an IP address; write"),
    ),
    // docker compose: 'services[web].blkio_config.device_read_bps[0].Rate' invalid suffix: 'parsecs'
    (
        "i_blkio_bad",
        "services:\n  web:\n    image: nginx\n    blkio_config:\n      device_read_bps:\n        - path: /dev/sda\n          rate: 5 parsecs\n",
        Invalid(7, 17, "services.web.blkio_config.device_read_bps.rate: \"5 parsecs\""),
    ),
    // docker compose: accepted
    (
        "i_blkio_ok",
        "services:\n  web:\n    image: nginx\n    blkio_config:\n      device_write_bps:\n        - path: /dev/sda\n          rate: 1mb\n",
        Ok,
    ),
    // docker compose: accepted
    (
        "i_deploy_ok",
        "services:\n  web:\n    image: nginx\n    deploy:\n      update_config:\n        delay: 10s\n        monitor: 1m\n      rollback_config:\n        delay: 0s\n      restart_policy:\n        delay: 5s\n        window: 2m\n",
        Ok,
    ),
    // docker compose: accepted
    (
        "i_longproto",
        "services:\n  web:\n    image: nginx\n    ports:\n      - target: 80\n        protocol: bogus\n",
        Ok,
    ),
    // docker compose: 'services[web].deploy.rollback_config.monitor' time: unknown unit "x" in duration "5x"
    (
        "i_rollback_bad",
        "services:\n  web:\n    image: nginx\n    deploy:\n      rollback_config:\n        monitor: 5x\n",
        Invalid(6, 18, "services.web.deploy.rollback_config.monitor: \"5x\" is not a"),
    ),
    // docker compose: 'services[web].deploy.update_config.delay' time: unknown unit " blah" in duration "5 blah"
    (
        "i_update_bad",
        "services:\n  web:\n    image: nginx\n    deploy:\n      update_config:\n        delay: 5 blah\n",
        Invalid(6, 16, "services.web.deploy.update_config.delay: \"5 blah\" is not a"),
    ),
    // docker compose: services.web.develop.watch: target is required for non-rebuild actions: invalid compose project
    (
        "i_watch",
        "services:\n  web:\n    image: nginx\n    develop:\n      watch:\n        - path: ./x\n          action: sync\n",
        Consistency(6, 11, "service `web`: a `develop.watch` rule with action `sync`"),
    ),
    // docker compose: 'services[web].deploy.restart_policy.window' time: unknown unit "x" in duration "5x"
    (
        "i_window_bad",
        "services:\n  web:\n    image: nginx\n    deploy:\n      restart_policy:\n        window: 5x\n",
        Invalid(6, 17, "services.web.deploy.restart_policy.window: \"5x\" is not a"),
    ),
    // docker compose: services.web.develop.watch: target is required for non-rebuild actions: invalid compose project
    (
        "j_watch_emptytarget",
        "services:\n  web:\n    image: nginx\n    develop:\n      watch:\n        - path: ./x\n          action: sync\n          target: \"\"\n",
        Consistency(8, 19, "service `web`: a `develop.watch` rule with action `sync`"),
    ),
    // docker compose: accepted
    (
        "j_watch_rebuild",
        "services:\n  web:\n    image: nginx\n    develop:\n      watch:\n        - path: ./x\n          action: rebuild\n",
        Ok,
    ),
    // docker compose: accepted
    (
        "j_watch_restart",
        "services:\n  web:\n    image: nginx\n    develop:\n      watch:\n        - path: ./x\n          action: restart\n",
        Ok,
    ),
    // docker compose: services.web.develop.watch: target is required for non-rebuild actions: invalid compose project
    (
        "j_watch_sync_exec",
        "services:\n  web:\n    image: nginx\n    develop:\n      watch:\n        - path: ./x\n          action: sync+exec\n",
        Consistency(6, 11, "service `web`: a `develop.watch` rule with action"),
    ),
    // docker compose: services.web.develop.watch: target is required for non-rebuild actions: invalid compose project
    (
        "j_watch_sync_restart",
        "services:\n  web:\n    image: nginx\n    develop:\n      watch:\n        - path: ./x\n          action: sync+restart\n",
        Consistency(6, 11, "service `web`: a `develop.watch` rule with action"),
    ),
    // docker compose: service "web" depends on undefined service "db": invalid compose project
    (
        "links",
        "services:\n  web:\n    image: nginx\n    links: [db]\n",
        Consistency(4, 13, "service `web` depends on undefined service \"db\" (in"),
    ),
    // docker compose: service "web" depends on undefined service "db": invalid compose project
    (
        "linksprof",
        "services:\n  web:\n    image: nginx\n    links: [db]\n  db:\n    image: postgres\n    profiles: [x]\n",
        Consistency(4, 13, "service `web` depends on service `db` (in `links`), which"),
    ),
    // docker compose: 'services[web].mem_limit' invalid suffix: 'parsecs'
    (
        "mem",
        "services:\n  web:\n    image: nginx\n    mem_limit: 5 parsecs\n",
        Invalid(4, 16, "services.web.mem_limit: \"5 parsecs\" is not a byte size;"),
    ),
    // docker compose: 'services[web].deploy.resources.limits.memory' invalid suffix: 'parsecs'
    (
        "mem2",
        "services:\n  web:\n    image: nginx\n    deploy:\n      resources:\n        limits:\n          memory: 5 parsecs\n",
        Invalid(7, 19, "services.web.deploy.resources.limits.memory: \"5 parsecs\" is"),
    ),
    // docker compose: service "web" refers to undefined network front: invalid compose project
    (
        "net",
        "services:\n  web:\n    image: nginx\n    networks: [front]\n",
        Consistency(4, 16, "service `web` uses network `front`, which is not declared"),
    ),
    // docker compose: service "web" depends on undefined service "db": invalid compose project
    (
        "netmode",
        "services:\n  web:\n    image: nginx\n    network_mode: service:db\n",
        Consistency(4, 19, "service `web` depends on undefined service \"db\" (in"),
    ),
    // docker compose: accepted
    (
        "netmodecont",
        "services:\n  web:\n    image: nginx\n    network_mode: container:db\n",
        Ok,
    ),
    // docker compose: service web declares mutually exclusive `network_mode` and `networks`: invalid compose project
    (
        "netmodenets",
        "services:\n  web:\n    image: nginx\n    network_mode: host\n    networks: [default]\n",
        Consistency(5, 16, "service `web` sets both `network_mode: host` and"),
    ),
    // docker compose: service "web" depends on undefined service "db": invalid compose project
    (
        "netmodeprof",
        "services:\n  web:\n    image: nginx\n    network_mode: service:db\n  db:\n    image: postgres\n    profiles: [x]\n",
        Consistency(4, 19, "service `web` depends on service `db` (in `network_mode`),"),
    ),
    // docker compose: service "web" has neither an image nor a build context specified: invalid compose project
    (
        "noimage",
        "services:\n  web:\n    restart: always\n",
        Consistency(2, 3, "service `web` has neither `image` nor `build`; give it an"),
    ),
    // docker compose: invalid IP address: 80:80
    (
        "port4",
        "services:\n  web:\n    image: nginx\n    ports: [\"80:80:80:80\"]\n",
        Invalid(4, 13, "invalid port \"80:80:80:80\": \"80:80\" is not an IP address;"),
    ),
    // docker compose: invalid ranges specified for container and host Ports: 80-81 and 8000-8002
    (
        "portrange",
        "services:\n  web:\n    image: nginx\n    ports: [\"8000-8002:80-81\"]\n",
        Invalid(4, 13, "invalid port \"8000-8002:80-81\": the host range and the"),
    ),
    // docker compose: accepted
    (
        "portrange2",
        "services:\n  web:\n    image: nginx\n    ports: [\"8000-8010:80\"]\n",
        Ok,
    ),
    // docker compose: services.web: can't set distinct values on 'scale' and 'deploy.replicas': invalid compose project
    (
        "scale",
        "services:\n  web:\n    image: nginx\n    scale: 2\n    deploy:\n      replicas: 3\n",
        Consistency(4, 12, "service `web` sets `scale` and `deploy.replicas` to"),
    ),
    // docker compose: service "web" refers to undefined secret s1: invalid compose project
    (
        "secret",
        "services:\n  web:\n    image: nginx\n    secrets: [s1]\n",
        Consistency(4, 15, "service `web` uses secret `s1`, which is not declared under"),
    ),
    // docker compose: configs.c1: one of file|environment|content must be set
    (
        "topconfig",
        "services:\n  web:\n    image: nginx\nconfigs:\n  c1: {}\n",
        Invalid(5, 3, "configs.c1: no source: give exactly one of `file`,"),
    ),
    // docker compose: configs.c1: file|environment|content attributes are mutually exclusive
    (
        "topconfig2",
        "services:\n  web:\n    image: nginx\nconfigs:\n  c1:\n    file: ./a\n    content: x\n",
        Invalid(7, 14, "configs.c1: `file` and `content` are both set, but `file`,"),
    ),
    // docker compose: secrets.s1: one of file|environment must be set
    (
        "topsecret",
        "services:\n  web:\n    image: nginx\nsecrets:\n  s1: {}\n",
        Invalid(5, 3, "secrets.s1: no source: give exactly one of `file`,"),
    ),
    // docker compose: secrets.s1: file|environment attributes are mutually exclusive
    (
        "topsecret2",
        "services:\n  web:\n    image: nginx\nsecrets:\n  s1:\n    file: ./a\n    environment: B\n",
        Invalid(7, 18, "secrets.s1: `file` and `environment` are both set, but"),
    ),
    // docker compose: accepted
    (
        "ulimit",
        "services:\n  web:\n    image: nginx\n    ulimits:\n      bogus: 5\n",
        Ok,
    ),
    // docker compose: service "web" refers to undefined volume data: invalid compose project
    (
        "vol",
        "services:\n  web:\n    image: nginx\n    volumes:\n      - data:/data\n",
        Consistency(5, 9, "service `web` uses volume `data`, which is not declared"),
    ),
    // docker compose: service "web" depends on undefined service "db": invalid compose project
    (
        "volfrom",
        "services:\n  web:\n    image: nginx\n    volumes_from: [db]\n",
        Consistency(4, 20, "service `web` depends on undefined service \"db\" (in"),
    ),
    // docker compose: accepted
    (
        "volfromcont",
        "services:\n  web:\n    image: nginx\n    volumes_from: [\"container:db\"]\n",
        Ok,
    ),
    // docker compose: invalid spec: :/data: empty section between colons
    (
        "volspec",
        "services:\n  web:\n    image: nginx\n    volumes: [\":/data\"]\n",
        Invalid(4, 15, "invalid spec: :/data: empty section between colons"),
    ),
    // docker compose: accepted
    (
        "volspec3",
        "services:\n  web:\n    image: nginx\n    volumes: [\"/a:relative\"]\n",
        Ok,
    ),
    // docker compose: accepted
    (
        "volspec4",
        "services:\n  web:\n    image: nginx\n    volumes: [\"/a:/b:bogus\"]\n",
        Ok,
    ),
];
