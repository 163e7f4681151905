//! The Compose schema as `docker compose config` (v2.40, compose-go v2.9) enforces it. Every
//! verdict below was checked against the real binary.

mod common;

use std::path::Path;

use common::options;
use seaworthy_compose::{load, LoadError};

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// Loads `text` as compose.yaml, in an environment of `env`.
fn load_text(text: &str, env: &[(&str, &str)]) -> Result<(), LoadError> {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "compose.yaml", text);
    load(&options(dir.path(), &["compose.yaml"], env)).map(|_| ())
}

/// A service `x` with the given lines (indented under it) added.
fn service(lines: &str) -> String {
    let mut text = String::from("services:\n  x:\n    image: a\n");
    for line in lines.lines() {
        text.push_str("    ");
        text.push_str(line);
        text.push('\n');
    }
    text
}

#[track_caller]
fn accepted(text: &str) {
    if let Err(e) = load_text(text, &[]) {
        panic!("rejected:\n{text}\n{e}");
    }
}

/// Asserts `text` is rejected at `line`:`col` with a message containing every one of `words`.
#[track_caller]
fn rejected(text: &str, line: usize, col: usize, words: &[&str]) {
    let e = match load_text(text, &[]) {
        Ok(()) => panic!("accepted:\n{text}"),
        Err(e) => e,
    };
    let p = e.position.expect("a position");
    assert_eq!((p.line, p.column), (line, col), "{e}\n{text}");
    for w in words {
        assert!(e.message.contains(w), "{e} lacks {w:?}\n{text}");
    }
}

#[test]
fn scalars_are_typed_as_yaml_types_them() {
    rejected(
        &service("user: 1000"),
        4,
        11,
        &["services.x.user must be a string", "integer", "\"1000\""],
    );
    accepted(&service("user: \"1000\""));
    accepted(&service("user: ${UID:-1000}"));
    rejected(
        "version: 3.8\nservices:\n  x:\n    image: a\n",
        1,
        10,
        &["version must be a string"],
    );
    accepted("version: '3.8'\nservices:\n  x:\n    image: a\n");
    rejected(
        &service("healthcheck:\n  interval: 5"),
        5,
        17,
        &["interval"],
    );
    rejected(&service("stop_grace_period: 5"), 4, 24, &["string"]);
    rejected(&service("command: 5"), 4, 14, &["services.x.command"]);
    rejected(
        &service("command: [a, 5]"),
        4,
        18,
        &["services.x.command[1]"],
    );
    accepted(&service("command:"));
    accepted(&service("ports: [80, \"81:81\", {target: 82}]"));
    accepted(&service("mem_limit: 512000000"));
    accepted(&service("sysctls: {net.core.somaxconn: 1024}"));
    accepted(&service(
        "logging: {driver: json-file, options: {max-size: 10m, max-file: 3}}",
    ));
    rejected(&service("shm_size: true"), 4, 15, &["boolean"]);
    rejected(
        &service("use_api_socket: \"true\""),
        4,
        21,
        &["must be a boolean"],
    );
}

#[test]
fn values_of_the_wrong_shape_are_errors() {
    rejected(
        &service("ports: 80"),
        4,
        12,
        &["services.x.ports must be a list"],
    );
    rejected(
        &service("environment: 5"),
        4,
        18,
        &["environment must be a mapping or a list"],
    );
    rejected(
        &service("restart: [x]"),
        4,
        14,
        &["restart must be a string"],
    );
    rejected(&service("environment: [1]"), 4, 19, &["environment[0]"]);
    rejected(&service("labels: {a: [1]}"), 4, 17, &["labels.a"]);
    rejected(&service("volumes: [5]"), 4, 15, &["volumes[0]"]);
    rejected(
        &service("deploy: {resources: {limits: {memory: 512}}}"),
        4,
        43,
        &["memory"],
    );
    // An empty value is null: the error points at its key.
    rejected(&service("environment:"), 4, 5, &["not empty (null)"]);
    rejected(
        &service("healthcheck:"),
        4,
        5,
        &["healthcheck must be a mapping"],
    );
    rejected("services:\n  x:\n", 2, 3, &["services.x must be a mapping"]);
    rejected(
        "services:\n  x:\n    image: a\nvolumes:\n",
        4,
        1,
        &["volumes must be a mapping"],
    );
    // Where the schema allows null.
    accepted(&service("deploy:"));
    accepted(&service("environment: {A: }"));
    accepted("services:\n  x:\n    image: a\nvolumes:\n  v:\nnetworks:\n  n:\n");
    rejected(
        "services:\n  x:\n    image: a\nsecrets:\n  s:\n",
        5,
        3,
        &["secrets.s must be a mapping"],
    );
}

#[test]
fn unknown_keys_are_errors_with_a_suggestion() {
    rejected(
        &service("usr: a"),
        4,
        5,
        &["unknown key \"usr\" in services.x", "did you mean \"user\""],
    );
    rejected(
        &service("enviroment: {A: 1}"),
        4,
        5,
        &["did you mean \"environment\""],
    );
    rejected(
        &service("exclude_from_hc: true"),
        4,
        5,
        &["\"exclude_from_hc\"", "x-"],
    );
    rejected(
        "foo: 1\nservices:\n  x:\n    image: a\n",
        1,
        1,
        &["unknown top-level key \"foo\"", "services"],
    );
    rejected(
        &service("healthcheck:\n  tset: [CMD, x]"),
        5,
        7,
        &["did you mean \"test\""],
    );
    rejected(
        &service("volumes: [{type: bind, source: ./a, target: /a, content: x}]"),
        4,
        53,
        &["unknown key \"content\" in services.x.volumes[0]"],
    );
    rejected(
        &service("ports: [{target: 80, hostip: x}]"),
        4,
        26,
        &["did you mean \"host_ip\""],
    );
    rejected(
        "services:\n  x:\n    image: a\nnetworks:\n  n:\n    drvier: bridge\n",
        6,
        5,
        &["did you mean \"driver\""],
    );
    rejected(
        "services:\n  x y:\n    image: a\n",
        2,
        3,
        &["service name \"x y\""],
    );
}

#[test]
fn extensions_are_allowed_where_the_schema_allows_them() {
    accepted("x-foo: {a: [1]}\nservices:\n  x:\n    image: a\n    x-bar: 1\n");
    accepted(&service("build: {context: ., x-foo: 1}"));
    accepted(&service(
        "volumes: [{type: bind, source: ./a, target: /a, x-a: 1}]",
    ));
    // blkio_config and env_file entries take no extension.
    rejected(&service("blkio_config: {x-a: 1}"), 4, 20, &["\"x-a\""]);
    rejected(
        &service("env_file: [{path: ./x.env, required: false, x-a: 1}]"),
        4,
        49,
        &["\"x-a\""],
    );
    // Keys outside the schema's patterns are not checked in open mappings.
    accepted(&service("ulimits: {NOFILE: 5}"));
    accepted("services:\n  x:\n    image: a\nnetworks:\n  'a b':\n    driver: bridge\n");
}

#[test]
fn strings_at_typed_paths_are_cast_as_compose_casts_them() {
    accepted(&service("privileged: \"yes\""));
    accepted(&service("privileged: yes"));
    accepted(&service("init: \"true\""));
    accepted(&service("cpus: \"0.5\""));
    accepted(&service("scale: 2.0"));
    accepted(&service("healthcheck:\n  retries: \"3\""));
    accepted(&service("ports: [{target: \"80\", published: \"8080\"}]"));
    accepted(&service(
        "ulimits: {nofile: {soft: \"1024\", hard: 2048}, nproc: 65535}",
    ));
    accepted(&service("deploy: {replicas: \"2\"}"));
    accepted(&service("oom_score_adj: \"-500\""));
    accepted("services:\n  x:\n    image: a\nnetworks:\n  n:\n    external: 'yes'\n");
    rejected(
        &service("privileged: abc"),
        4,
        17,
        &["privileged must be a boolean", "\"abc\""],
    );
    rejected(&service("privileged: 1"), 4, 17, &["string or a boolean"]);
    rejected(&service("cpus: abc"), 4, 11, &["cpus must be a number"]);
    rejected(
        &service("healthcheck:\n  retries: \"2.5\""),
        5,
        16,
        &["integer"],
    );
    rejected(
        &service("ports: [{target: \"80x\"}]"),
        4,
        22,
        &["ports[0].target"],
    );
    rejected(
        &service("ulimits: {nofile: \"abc\"}"),
        4,
        23,
        &["ulimits.nofile"],
    );
    rejected(&service("deploy: {replicas: two}"), 4, 24, &["replicas"]);
    rejected(
        "services:\n  x:\n    image: a\nnetworks:\n  n:\n    external: maybe\n",
        6,
        15,
        &["external must be a boolean"],
    );
    // The cast result meets the schema's ranges and integer types.
    rejected(&service("cpu_percent: \"50.5\""), 4, 18, &["cpu_percent"]);
    rejected(&service("cpu_percent: 150"), 4, 18, &["between 0 and 100"]);
    rejected(&service("cpu_count: -1"), 4, 16, &["at least 0"]);
    rejected(
        &service("oom_score_adj: 2000"),
        4,
        20,
        &["between -1000 and 1000"],
    );
    rejected(&service("scale: 2.5"), 4, 12, &["scale"]);
    rejected(
        &service("ports: [{target: 80, published: 8080.5}]"),
        4,
        37,
        &["published"],
    );
}

#[test]
fn interpolated_values_are_checked_and_cast() {
    let text = service("privileged: ${P}\ncgroup: ${CG:-host}");
    assert!(load_text(&text, &[("P", "true")]).is_ok());
    let e = load_text(&text, &[]).unwrap_err();
    assert!(e.message.contains("privileged must be a boolean"), "{e}");
    let e = load_text(&text, &[("P", "on"), ("CG", "shared")]).unwrap_err();
    assert!(e.message.contains("cgroup must be one of"), "{e}");
    let text = service("cpus: ${CPUS}");
    assert!(load_text(&text, &[("CPUS", "1.5")]).is_ok());
    assert!(load_text(&text, &[("CPUS", "lots")]).is_err());
}

#[test]
fn enumerations_and_patterns() {
    rejected(&service("cgroup: foo"), 4, 13, &["\"host\", \"private\""]);
    rejected(
        &service("volumes: [{type: bnd, source: ./a, target: /a}]"),
        4,
        22,
        &["did you mean \"bind\""],
    );
    rejected(&service("gpus: some"), 4, 11, &["must be \"all\""]);
    accepted(&service("gpus: all"));
    rejected(
        &(service("depends_on: {db: {condition: healthy}}") + "  db:\n    image: b\n"),
        4,
        34,
        &["service_healthy"],
    );
    rejected(&service("container_name: x"), 4, 21, &["container name"]);
    accepted(&service("container_name: my-app"));
    rejected(&service("pull_policy: foo"), 4, 18, &["pull policy"]);
    accepted(&service("pull_policy: every_12h"));
    rejected(
        &service("develop: {watch: [{path: ., action: copy}]}"),
        4,
        41,
        &["sync+restart"],
    );
}

#[test]
fn duplicates_are_errors_only_in_lists_compose_does_not_deduplicate() {
    accepted(&service("cap_add: [A, A]"));
    accepted(&service("environment: [A=1, A=2]"));
    accepted(&service("ports: [\"80\", \"80\"]"));
    rejected(
        &service("security_opt: [a, a]"),
        4,
        23,
        &["\"a\" twice", "unique"],
    );
    rejected(&service("group_add: [a, a]"), 4, 20, &["twice"]);
    rejected(
        &service("extra_hosts: [\"a:1\", \"a:1\"]"),
        4,
        26,
        &["twice"],
    );
    rejected(
        &(service("depends_on: [db, db]") + "  db:\n    image: b\n"),
        4,
        22,
        &["twice"],
    );
}

#[test]
fn required_keys() {
    rejected(
        &(service("depends_on: {db: {required: false}}") + "  db:\n    image: b\n"),
        4,
        22,
        &["lacks \"condition\""],
    );
    rejected(
        &service("volumes: [{source: a, target: /a}]"),
        4,
        15,
        &["lacks \"type\""],
    );
    rejected(
        &service("ulimits: {nofile: {soft: 1}}"),
        4,
        23,
        &["lacks \"hard\""],
    );
    rejected(
        &service("post_start: [{user: root}]"),
        4,
        18,
        &["lacks \"command\""],
    );
    // The extended service supplies the condition.
    accepted(
        "services:\n  x:\n    extends: y\n    depends_on: {db: {required: true}}\n  y:\n    \
         image: b\n    depends_on: {db: {condition: service_started}}\n  db:\n    image: c\n",
    );
}

#[test]
fn reset_values_are_not_checked_and_extends_is_not_schema_checked() {
    accepted(&service("user: !reset 5"));
    // `!override 5` is a string to go-yaml.
    accepted(&service("user: !override 5"));
    accepted(&(service("extends: {service: y, foo: 1}") + "  y:\n    image: b\n"));
}

#[test]
fn keys_must_be_strings() {
    rejected(
        &service("environment: {1: a}"),
        4,
        19,
        &["mapping key 1 in services.x.environment is not a string"],
    );
    rejected(
        "x-foo: {1: a}\nservices:\n  x:\n    image: a\n",
        1,
        9,
        &["x-foo"],
    );
    rejected(&service("labels: {true: a}"), 4, 14, &["key true"]);
}

#[test]
fn aliases_are_checked_where_they_are_written() {
    rejected(
        "x-base: &b\n  image: a\n  user: 1000\nservices:\n  x:\n    <<: *b\n",
        3,
        9,
        &["services.x.user"],
    );
}

#[test]
fn override_files_may_complete_merged_objects_but_not_replaced_ones() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "base.yaml",
        "services:\n  web:\n    image: a\n    depends_on: {db: {condition: service_healthy}}\n    \
         volumes: [{type: bind, source: ./a, target: /a}]\n  db:\n    image: b\n",
    );
    write(
        d,
        "deps.yaml",
        "services:\n  web:\n    depends_on: {db: {restart: true}}\n",
    );
    write(
        d,
        "vols.yaml",
        "services:\n  web:\n    volumes: [{target: /a, read_only: true}]\n",
    );
    write(d, "user.yaml", "services:\n  web:\n    user: 1000\n");
    assert!(load(&options(d, &["base.yaml", "deps.yaml"], &[])).is_ok());
    let e = load(&options(d, &["base.yaml", "vols.yaml"], &[])).unwrap_err();
    assert!(
        e.path.ends_with("vols.yaml") && e.message.contains("\"type\""),
        "{e}"
    );
    let e = load(&options(d, &["base.yaml", "user.yaml"], &[])).unwrap_err();
    assert!(e.path.ends_with("user.yaml"), "{e}");
    assert_eq!(e.position.map(|p| p.line), Some(3), "{e}");
    // compose-go merges environments as `KEY=VALUE` strings: any value passes.
    write(
        d,
        "env.yaml",
        "services:\n  web:\n    environment: {B: [1]}\n",
    );
    assert!(load(&options(d, &["base.yaml", "env.yaml"], &[])).is_ok());

    // A later document of one file is an override too.
    write(
        d,
        "docs.yaml",
        "services:\n  web:\n    image: a\n    depends_on: {db: {condition: service_started}}\n  \
         db:\n    image: b\n---\nservices:\n  web:\n    depends_on: {db: {restart: true}}\n",
    );
    assert!(load(&options(d, &["docs.yaml"], &[])).is_ok());
}

#[test]
fn extends_checks_only_the_service_it_takes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "common.yaml",
        "services:\n  base:\n    image: a\n    user: 1000\n  good:\n    image: c\n    \
         user: \"1\"\n  unused:\n    imgae: b\n",
    );
    write(
        d,
        "good.yaml",
        "services:\n  web:\n    extends: {file: common.yaml, service: good}\n",
    );
    write(
        d,
        "bad.yaml",
        "services:\n  web:\n    extends: {file: common.yaml, service: base}\n",
    );
    assert!(load(&options(d, &["good.yaml"], &[])).is_ok());
    let e = load(&options(d, &["bad.yaml"], &[])).unwrap_err();
    assert!(e.path.ends_with("common.yaml"), "{e}");
    assert_eq!(e.position.map(|p| (p.line, p.column)), Some((4, 11)), "{e}");
}

#[test]
fn included_files_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "compose.yaml",
        "include: [other.yaml]\nservices:\n  web:\n    image: a\n",
    );
    write(
        d,
        "other.yaml",
        "services:\n  other:\n    image: a\n    restart: [x]\n",
    );
    let e = load(&options(d, &["compose.yaml"], &[])).unwrap_err();
    assert!(e.path.ends_with("other.yaml"), "{e}");
    assert!(e.message.contains("services.other.restart"), "{e}");
}
