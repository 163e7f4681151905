mod common;

use std::path::{Path, PathBuf};

use common::options;
use seaworthy_compose::json::to_json;
use seaworthy_compose::model::MountType;
use seaworthy_compose::{load, Project};
use serde_json::json;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn line_of(project: &Project, origin: seaworthy_compose::Origin) -> (String, usize) {
    let (path, pos) = project.locate(origin);
    (
        path.file_name().unwrap().to_string_lossy().into_owned(),
        pos.line,
    )
}

#[test]
fn short_syntax_is_normalised_to_long() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "compose.yaml",
        "services:
  web:
    image: nginx
    environment:
      - A=1
      - FROM_ENV
      - MISSING
    ports:
      - \"8080:80\"
      - \"127.0.0.1:5432:5432/udp\"
      - 9000
      - \"7000-7001:7000-7001\"
    volumes:
      - ./data:/var/lib/x:ro
      - cache:/cache
      - /host:/c
      - type: tmpfs
        target: /tmp
        tmpfs:
          size: 10m
    secrets:
      - db
      - source: api
        target: key
        mode: 0440
    mem_limit: 50M
volumes:
  cache: {}
secrets:
  db: {file: ./db.txt}
  api: {external: true}
",
    );
    let p = load(&options(d, &[], &[("FROM_ENV", "yes")])).unwrap();
    let web = &p.services["web"];
    assert_eq!(web.environment["A"].1.as_ref().unwrap().value, "1");
    assert_eq!(web.environment["FROM_ENV"].1.as_ref().unwrap().value, "yes");
    assert!(web.environment["MISSING"].1.is_none());

    let ports: Vec<_> = web
        .ports
        .iter()
        .map(|p| {
            (
                p.host_ip.clone(),
                p.published.clone(),
                p.target,
                p.protocol.clone(),
            )
        })
        .collect();
    assert_eq!(
        ports,
        vec![
            (None, Some("8080".into()), 80, "tcp".into()),
            (
                Some("127.0.0.1".into()),
                Some("5432".into()),
                5432,
                "udp".into()
            ),
            (None, None, 9000, "tcp".into()),
            (None, Some("7000".into()), 7000, "tcp".into()),
            (None, Some("7001".into()), 7001, "tcp".into()),
        ]
    );

    let v = &web.volumes;
    assert_eq!(v[0].kind, MountType::Bind);
    assert_eq!(
        v[0].source.as_deref(),
        Some(d.join("data").to_str().unwrap())
    );
    assert!(v[0].read_only);
    assert_eq!(v[1].kind, MountType::Volume);
    assert_eq!(v[1].source.as_deref(), Some("cache"));
    assert_eq!(v[2].kind, MountType::Bind);
    assert_eq!(v[2].source.as_deref(), Some("/host"));
    assert_eq!(v[3].kind, MountType::Tmpfs);
    assert_eq!(v[3].tmpfs_size, Some(10 << 20));

    assert_eq!(web.secrets[0].target, "/run/secrets/db");
    assert_eq!(web.secrets[1].target, "/run/secrets/key");
    assert_eq!(web.secrets[1].mode, Some(0o440));
    assert_eq!(web.mem_limit.as_ref().unwrap().value, 50 << 20);

    let j = to_json(&p);
    let name = p.name.clone();
    assert_eq!(j["services"]["web"]["mem_limit"], json!("52428800"));
    assert_eq!(j["services"]["web"]["secrets"][1]["mode"], json!("0440"));
    assert_eq!(j["services"]["web"]["ports"][0]["published"], json!("8080"));
    assert_eq!(j["services"]["web"]["ports"][0]["target"], json!(80));
    assert_eq!(
        j["networks"]["default"]["name"],
        json!(format!("{name}_default"))
    );
    assert_eq!(
        j["volumes"]["cache"]["name"],
        json!(format!("{name}_cache"))
    );
    assert_eq!(j["secrets"]["api"]["name"], json!("api"));
    assert_eq!(
        j["secrets"]["db"]["file"],
        json!(d.join("db.txt").to_str().unwrap())
    );
}

#[test]
fn interpolation_uses_dotenv_defaults_and_process_env() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, ".env", "TAG=1.25\nUSER_ID=1000\n");
    write(
        d,
        "compose.yaml",
        "name: demo
services:
  web:
    image: \"nginx:${TAG}\"
    user: ${USER_ID}
    restart: ${RESTART:-unless-stopped}
    environment:
      NOPE: $UNSET_ONE
",
    );
    let p = load(&options(d, &[], &[("USER_ID", "2000")])).unwrap();
    assert_eq!(p.name, "demo");
    let web = &p.services["web"];
    assert_eq!(web.image.as_ref().unwrap().value, "nginx:1.25");
    // The process environment wins over .env.
    assert_eq!(web.user.as_ref().unwrap().value, "2000");
    assert_eq!(web.restart.as_ref().unwrap().value, "unless-stopped");
    assert_eq!(p.unset_variables.len(), 1);
    assert_eq!(p.unset_variables[0].value, "UNSET_ONE");
    assert_eq!(
        line_of(&p, p.unset_variables[0].origin),
        ("compose.yaml".into(), 8)
    );
}

#[test]
fn env_file_option_replaces_dotenv() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, ".env", "TAG=from-dotenv\n");
    write(d, "other.env", "TAG=from-other\n");
    write(d, "compose.yaml", "services:\n  a:\n    image: x:${TAG}\n");
    let mut o = options(d, &["compose.yaml"], &[]);
    o.env_files = vec![PathBuf::from("other.env")];
    let p = load(&o).unwrap();
    assert_eq!(
        p.services["a"].image.as_ref().unwrap().value,
        "x:from-other"
    );
}

#[test]
fn two_files_merge_with_reset_and_override() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "compose.yaml",
        "services:
  web:
    image: nginx
    command: [a, b]
    environment:
      A: \"1\"
      B: \"2\"
    ports:
      - \"80:80\"
    volumes:
      - ./a:/data
    cap_add: [NET_ADMIN]
    security_opt: [no-new-privileges:true]
    logging:
      driver: json-file
      options: {max-size: 10m}
",
    );
    write(
        d,
        "compose.override.yaml",
        "services:
  web:
    command: [c]
    environment:
      - B=3
      - C=4
    ports:
      - \"8443:443\"
    volumes:
      - ./b:/data
    cap_add: !reset []
    security_opt: !override [label:disable]
    logging:
      options: {max-file: \"3\"}
",
    );
    let p = load(&options(d, &[], &[])).unwrap();
    let web = &p.services["web"];
    let env: Vec<_> = web
        .environment
        .iter()
        .map(|(k, (_, v))| (k.as_str(), v.as_ref().unwrap().value.as_str()))
        .collect();
    assert_eq!(env, vec![("A", "1"), ("B", "3"), ("C", "4")]);
    assert_eq!(web.ports.len(), 2);
    // Volumes are merged by target: the override's source wins.
    assert_eq!(web.volumes.len(), 1);
    assert_eq!(
        web.volumes[0].source.as_deref(),
        Some(d.join("b").to_str().unwrap())
    );
    assert!(web.cap_add.is_empty());
    let sec: Vec<_> = web.security_opt.iter().map(|s| s.value.as_str()).collect();
    assert_eq!(sec, vec!["label:disable"]);
    let logging = web.logging.as_ref().unwrap();
    assert_eq!(logging.driver.as_ref().unwrap().value, "json-file");
    assert_eq!(logging.options.len(), 2);
    let cmd = to_json(&p);
    assert!(cmd["services"]["web"].get("cap_add").is_none());
    assert_eq!(
        web.raw.get("command").unwrap().as_seq().unwrap().len(),
        1,
        "command is replaced, not appended"
    );

    // Spans: the port from the override file points at the override's line.
    assert_eq!(
        line_of(&p, web.ports[1].origin),
        ("compose.override.yaml".into(), 8)
    );
    assert_eq!(line_of(&p, web.ports[0].origin), ("compose.yaml".into(), 9));
    assert_eq!(
        line_of(&p, web.image.as_ref().unwrap().origin),
        ("compose.yaml".into(), 3)
    );
    let b = &web.environment["B"].1.as_ref().unwrap();
    assert_eq!(line_of(&p, b.origin), ("compose.override.yaml".into(), 5));
}

#[test]
fn several_documents_in_one_file_merge_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "compose.yaml",
        "services:\n  a:\n    image: one\n---\nservices:\n  a:\n    image: two\n",
    );
    let p = load(&options(d, &["compose.yaml"], &[])).unwrap();
    assert_eq!(p.services["a"].image.as_ref().unwrap().value, "two");
}

#[test]
fn profiles_drop_services_unless_active() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "compose.yaml",
        "services:
  app: {image: app}
  debug: {image: busybox, profiles: [debug]}
  tools: {image: tools, profiles: [tools, ops]}
",
    );
    let p = load(&options(d, &[], &[])).unwrap();
    assert_eq!(p.services.keys().collect::<Vec<_>>(), vec!["app"]);
    assert_eq!(p.disabled_services, vec!["debug", "tools"]);

    let mut o = options(d, &[], &[]);
    o.profiles = vec!["ops".into()];
    let p = load(&o).unwrap();
    assert_eq!(p.services.keys().collect::<Vec<_>>(), vec!["app", "tools"]);

    let p = load(&options(d, &[], &[("COMPOSE_PROFILES", "debug")])).unwrap();
    assert_eq!(p.services.keys().collect::<Vec<_>>(), vec!["app", "debug"]);
}

#[test]
fn errors_carry_their_position() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "compose.yaml",
        "services:\n  web:\n    image: \"nginx:${TAG:?tag is required}\"\n",
    );
    let e = load(&options(d, &[], &[])).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("compose.yaml:3:") && text.contains(": error: ") && text.contains("TAG"),
        "{text}"
    );

    write(
        d,
        "compose.yaml",
        "services:\n  web:\n    image: a\n    image: b\n",
    );
    let e = load(&options(d, &[], &[])).unwrap_err();
    assert_eq!(e.position.unwrap().line, 4, "{e}");

    write(
        d,
        "compose.yaml",
        "services:\n  web:\n    image: a\n    depends_on: [db]\n",
    );
    let e = load(&options(d, &[], &[])).unwrap_err();
    assert_eq!(e.position.unwrap().line, 4, "{e}");
    assert!(e.message.contains("undefined service \"db\""), "{e}");
}

#[test]
fn discovery_finds_the_override_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "docker-compose.yml", "services:\n  a:\n    image: one\n");
    write(
        d,
        "docker-compose.override.yml",
        "services:\n  a:\n    read_only: true\n",
    );
    let p = load(&options(d, &[], &[])).unwrap();
    let a = &p.services["a"];
    assert_eq!(a.image.as_ref().unwrap().value, "one");
    assert!(a.read_only.as_ref().unwrap().value);
    assert_eq!(p.files.len(), 2);
}

#[test]
fn extends_from_same_file_and_other_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("base")).unwrap();
    write(
        &d.join("base"),
        "common.yml",
        "services:
  common:
    image: base:1
    environment: [A=1, B=2]
    volumes: [\"./conf:/conf:ro\"]
    cap_drop: [ALL]
",
    );
    write(
        d,
        "compose.yaml",
        "services:
  local:
    image: loc
    ports: [\"80:80\"]
  web:
    extends: {file: base/common.yml, service: common}
    environment: [B=3]
    cap_drop: [NET_RAW]
  web2:
    extends: local
    ports: [\"81:81\"]
",
    );
    let p = load(&options(d, &[], &[])).unwrap();
    let web = &p.services["web"];
    assert_eq!(web.image.as_ref().unwrap().value, "base:1");
    assert_eq!(web.environment["A"].1.as_ref().unwrap().value, "1");
    assert_eq!(web.environment["B"].1.as_ref().unwrap().value, "3");
    let caps: Vec<_> = web.cap_drop.iter().map(|c| c.value.as_str()).collect();
    assert_eq!(caps, vec!["ALL", "NET_RAW"]);
    // A bind source of the base is relative to the base's file.
    assert_eq!(
        web.volumes[0].source.as_deref(),
        Some(d.join("base/conf").to_str().unwrap())
    );
    // The image points into the extended file.
    assert_eq!(
        line_of(&p, web.image.as_ref().unwrap().origin),
        ("common.yml".into(), 3)
    );
    let web2 = &p.services["web2"];
    assert_eq!(web2.image.as_ref().unwrap().value, "loc");
    assert_eq!(web2.ports.len(), 2);
}

#[test]
fn extends_cycle_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "compose.yaml",
        "services:\n  a: {image: x, extends: b}\n  b: {image: y, extends: a}\n",
    );
    let e = load(&options(d, &[], &[])).unwrap_err();
    assert!(e.message.contains("circular"), "{e}");
}

#[test]
fn include_adds_services_resolved_in_their_directory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("db")).unwrap();
    write(
        &d.join("db"),
        "compose.yaml",
        "services:
  db:
    image: postgres
    volumes: [\"./data:/var/lib/postgresql/data\"]
    secrets: [pw]
secrets:
  pw: {file: ./pw.txt}
",
    );
    write(
        d,
        "compose.yaml",
        "include:\n  - db/compose.yaml\nservices:\n  web:\n    image: nginx\n    depends_on: [db]\n",
    );
    let p = load(&options(d, &[], &[])).unwrap();
    assert_eq!(p.services.keys().collect::<Vec<_>>(), vec!["db", "web"]);
    let db = &p.services["db"];
    assert_eq!(
        db.volumes[0].source.as_deref(),
        Some(d.join("db/data").to_str().unwrap())
    );
    let j = to_json(&p);
    assert_eq!(
        j["secrets"]["pw"]["file"],
        json!(d.join("db/pw.txt").to_str().unwrap())
    );
    assert_eq!(
        line_of(&p, db.image.as_ref().unwrap().origin),
        ("compose.yaml".into(), 3)
    );
    assert_eq!(
        p.locate(db.image.as_ref().unwrap().origin).0,
        d.join("db/compose.yaml")
    );
}

#[test]
fn a_required_dependency_on_a_disabled_service_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "compose.yaml",
        "services:
  web:
    image: a
    depends_on: [db]
  db:
    image: b
    profiles: [debug]
",
    );
    let e = load(&options(d, &[], &[])).unwrap_err();
    assert_eq!(e.position.unwrap().line, 4, "{e}");
    let mut o = options(d, &[], &[]);
    o.profiles = vec!["debug".into()];
    assert_eq!(load(&o).unwrap().services.len(), 2);

    write(
        d,
        "compose.yaml",
        "services:
  web:
    image: a
    depends_on:
      db: {condition: service_started, required: false}
  db:
    image: b
    profiles: [debug]
",
    );
    let p = load(&options(d, &[], &[])).unwrap();
    assert!(p.services["web"].depends_on.is_empty());
}
