//! The checks `docker compose` makes on the merged project after the schema, each verified
//! against `docker compose config` (v2.40):
//!
//! - [`decoded`]: what compose-go rejects while decoding the merged model, in every mode:
//!   durations and byte sizes that do not parse, a top-level secret or config without exactly
//!   one source, a GPU request with both `count` and `device_ids`, a `host_ip` that is not an
//!   IP address. (Bad short port and volume specs are caught where the loader parses them.)
//! - [`consistent`]: the consistency checks of the default mode (`--no-consistency` skips
//!   them), on the services left active by profiles: references to undeclared volumes,
//!   networks, secrets and configs; dependencies (`depends_on`, `links`, `volumes_from`,
//!   `service:X` in `network_mode`, `ipc`, `pid`, `uts`) on unknown services, on services
//!   disabled by profiles unless `required: false`, and in cycles; services with neither image
//!   nor build; a build with both `dockerfile` and `dockerfile_inline`; `network_mode` with
//!   `networks`; a `develop.watch` rule without `target` (but to rebuild or restart); a
//!   healthcheck `test` list not starting with CMD, CMD-SHELL or NONE; options set
//!   twice with different values (`cpus`, `mem_limit`, `mem_reservation`, `pids_limit` and
//!   `deploy.resources`, `scale` and `deploy.replicas`); `container_name` with more than one
//!   replica.

use std::collections::{BTreeMap, HashSet};

use crate::load::truthy;
use crate::model::{MountType, Origin, Service, Tree, TreeValue};

/// A check that failed: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub origin: Origin,
    pub message: String,
}

type Checked = Result<(), Problem>;

fn problem(origin: Origin, message: String) -> Checked {
    Err(Problem { origin, message })
}

fn entries(t: Option<&Tree>) -> &[(crate::model::Spanned<String>, Tree)] {
    t.and_then(Tree::as_map).unwrap_or(&[])
}

fn items(t: Option<&Tree>) -> &[Tree] {
    t.and_then(Tree::as_seq).unwrap_or(&[])
}

/// A key given a value (compose-go counts an empty string as given).
fn set(t: &Tree, key: &str) -> bool {
    t.get(key).is_some_and(|v| !v.is_null())
}

// ---------------------------------------------------------------- decoding

/// What compose-go rejects when decoding the merged project, in every mode; `root` is the
/// merged tree with every service, active or not.
pub(crate) fn decoded(root: &Tree) -> Checked {
    for (kind, sources) in [
        ("secrets", &["file", "environment"][..]),
        ("configs", &["file", "environment", "content"][..]),
    ] {
        for (name, def) in entries(root.get(kind)) {
            if def.get("external").and_then(truthy).unwrap_or(false) {
                continue;
            }
            let given: Vec<&str> = sources.iter().copied().filter(|k| set(def, k)).collect();
            let list = sources
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ");
            if given.is_empty() {
                return problem(
                    name.origin,
                    format!(
                        "{kind}.{}: no source: give exactly one of {list}, or `external: true` \
                         for one created outside Compose",
                        name.value
                    ),
                );
            }
            if given.len() > 1 {
                let at = def.get(given[1]).map_or(name.origin, |t| t.origin);
                return problem(
                    at,
                    format!(
                        "{kind}.{}: `{}` and `{}` are both set, but {list} are mutually \
                         exclusive; keep one",
                        name.value, given[0], given[1]
                    ),
                );
            }
        }
    }
    for (name, svc) in entries(root.get("services")) {
        service_values(&name.value, svc)?;
    }
    Ok(())
}

fn service_values(name: &str, svc: &Tree) -> Checked {
    let here = |path: &str| format!("services.{name}.{path}");
    for key in ["mem_limit", "memswap_limit", "mem_reservation", "shm_size"] {
        size(svc.get(key), &here(key))?;
    }
    size(
        svc.get("build").and_then(|b| b.get("shm_size")),
        &here("build.shm_size"),
    )?;
    for key in ["device_read_bps", "device_write_bps"] {
        for item in items(svc.get("blkio_config").and_then(|b| b.get(key))) {
            size(item.get("rate"), &here(&format!("blkio_config.{key}.rate")))?;
        }
    }
    for v in items(svc.get("volumes")) {
        size(
            v.get("tmpfs").and_then(|t| t.get("size")),
            &here("volumes.tmpfs.size"),
        )?;
    }
    duration(svc.get("stop_grace_period"), &here("stop_grace_period"))?;
    let hc = svc.get("healthcheck");
    for key in ["interval", "timeout", "start_period", "start_interval"] {
        duration(
            hc.and_then(|h| h.get(key)),
            &here(&format!("healthcheck.{key}")),
        )?;
    }
    let deploy = svc.get("deploy");
    for (part, keys) in [
        ("restart_policy", ["delay", "window"]),
        ("update_config", ["delay", "monitor"]),
        ("rollback_config", ["delay", "monitor"]),
    ] {
        for key in keys {
            duration(
                deploy.and_then(|d| d.get(part)).and_then(|p| p.get(key)),
                &here(&format!("deploy.{part}.{key}")),
            )?;
        }
    }
    let resources = deploy.and_then(|d| d.get("resources"));
    for part in ["limits", "reservations"] {
        let r = resources.and_then(|r| r.get(part));
        size(
            r.and_then(|r| r.get("memory")),
            &here(&format!("deploy.resources.{part}.memory")),
        )?;
        for dev in items(r.and_then(|r| r.get("devices"))) {
            if let (Some(_), Some(ids)) = (dev.get("count"), dev.get("device_ids")) {
                return problem(
                    ids.origin,
                    format!(
                        "{}: a device request takes `count` or `device_ids`, not both; keep \
                         `device_ids` to pick devices, `count` to take any that many",
                        here(&format!("deploy.resources.{part}.devices"))
                    ),
                );
            }
        }
    }
    for p in items(svc.get("ports")) {
        if let Some(ip) = p.get("host_ip").and_then(Tree::scalar_text) {
            if ip.parse::<std::net::IpAddr>().is_err() {
                return problem(
                    p.get("host_ip").map_or(p.origin, |t| t.origin),
                    format!(
                        "{}: host_ip {ip:?} is not an IP address; write one such as \
                         \"127.0.0.1\" or \"::1\"",
                        here("ports")
                    ),
                );
            }
        }
    }
    Ok(())
}

fn size(t: Option<&Tree>, path: &str) -> Checked {
    let Some(t) = t else { return Ok(()) };
    let TreeValue::String(s) = &t.value else {
        return Ok(());
    };
    if is_size(s) {
        return Ok(());
    }
    problem(
        t.origin,
        format!(
            "{path}: {s:?} is not a byte size; write a number with an optional unit b, k, m, g, \
             t or p (\"512m\", \"1.5g\")"
        ),
    )
}

fn duration(t: Option<&Tree>, path: &str) -> Checked {
    let Some(t) = t else { return Ok(()) };
    let TreeValue::String(s) = &t.value else {
        return Ok(());
    };
    if is_duration(s) {
        return Ok(());
    }
    problem(
        t.origin,
        format!(
            "{path}: {s:?} is not a duration; write numbers with units ns, us, ms, s, m, h, d or \
             w, without spaces (\"30s\", \"1m30s\")"
        ),
    )
}

/// A duration as compose-go reads one: Go's `time.ParseDuration` plus days and weeks.
pub(crate) fn is_duration(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    if s == "0" {
        return true;
    }
    if s.is_empty() {
        return false;
    }
    let mut rest = s;
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num = &rest[..n];
        if num.is_empty() || num == "." || num.matches('.').count() > 1 {
            return false;
        }
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        if !matches!(
            &rest[..u],
            "ns" | "us" | "µs" | "μs" | "ms" | "s" | "m" | "h" | "d" | "w"
        ) {
            return false;
        }
        rest = &rest[u..];
    }
    true
}

/// A byte size as Docker reads one (go-units `RAMInBytes`): a non-negative number, an
/// optional space, then nothing, `b`, or one of k m g t p followed by an optional `i` and `b`.
pub(crate) fn is_size(s: &str) -> bool {
    let Some(sep) = s.rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ') else {
        return false;
    };
    let (num, suffix) = if s.as_bytes()[sep] == b' ' {
        (&s[..sep], &s[sep + 1..])
    } else {
        (&s[..=sep], &s[sep + 1..])
    };
    // Go's ParseFloat takes a sign, digits, a fraction and an exponent, as Rust's does.
    if !num.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '.' | '+' | '-')) {
        return false;
    }
    match num.parse::<f64>() {
        Ok(n) if n >= 0.0 => {}
        _ => return false,
    }
    let suffix = suffix.to_ascii_lowercase();
    match suffix.as_bytes() {
        [] | [b'b'] => true,
        [u, rest @ ..] if b"kmgtp".contains(u) => matches!(rest, [] | [b'i'] | [b'b'] | b"ib"),
        _ => false,
    }
}

// ---------------------------------------------------------------- consistency

/// The default mode's consistency checks on the active `services`; `root` is the merged tree
/// (top-level declarations) and `all` every service name, active or disabled by profiles.
pub(crate) fn consistent(
    root: &Tree,
    services: &BTreeMap<String, Service>,
    all: &[String],
) -> Checked {
    let declared = |kind: &str| -> HashSet<&str> {
        entries(root.get(kind))
            .iter()
            .map(|(k, _)| k.value.as_str())
            .collect()
    };
    let volumes = declared("volumes");
    let networks = declared("networks");
    let secrets = declared("secrets");
    let configs = declared("configs");

    for (name, def) in entries(root.get("secrets")) {
        let external = def.get("external").and_then(truthy).unwrap_or(false);
        let env = def.get("environment").and_then(Tree::scalar_text);
        if !external && def.get("file").is_none() && env.as_deref() == Some("") {
            return problem(
                def.get("environment").map_or(name.origin, |e| e.origin),
                format!(
                    "secrets.{}: `environment` is empty; name the variable holding the secret",
                    name.value
                ),
            );
        }
    }
    for (name, s) in services {
        let t = &s.raw;
        let build = t.get("build").filter(|b| !b.is_null());
        let has_image = t
            .get("image")
            .and_then(Tree::scalar_text)
            .is_some_and(|i| !i.is_empty());
        if build.is_none() && !has_image {
            return problem(
                s.name_origin,
                format!(
                    "service `{name}` has neither `image` nor `build`; give it an image to run or \
                     a build context to build one"
                ),
            );
        }
        if let Some(b) = build {
            if let (Some(_), Some(inline)) = (b.get("dockerfile"), b.get("dockerfile_inline")) {
                return problem(
                    inline.origin,
                    format!(
                        "service `{name}` sets both `build.dockerfile` and \
                         `build.dockerfile_inline`; keep one"
                    ),
                );
            }
            for sec in items(b.get("secrets")) {
                reference(name, sec, &secrets, "build secret", "secrets")?;
            }
        }
        if let Some(mode) = &s.network_mode {
            if let Some((k, _)) = entries(t.get("networks")).first() {
                return problem(
                    k.origin,
                    format!(
                        "service `{name}` sets both `network_mode: {}` and `networks:`; they are \
                         mutually exclusive: remove one",
                        mode.value
                    ),
                );
            }
        }
        for (net, _) in entries(t.get("networks")) {
            if net.value != "default" && !networks.contains(net.value.as_str()) {
                return problem(
                    net.origin,
                    format!(
                        "service `{name}` uses network `{}`, which is not declared under the \
                         top-level `networks:`; declare it there",
                        net.value
                    ),
                );
            }
        }
        if let Some(test) = t.get("healthcheck").and_then(|h| h.get("test")) {
            if let Some(first) = test.as_seq().and_then(|s| s.first()) {
                let word = first.scalar_text().unwrap_or_default();
                if !matches!(word.as_str(), "CMD" | "CMD-SHELL" | "NONE") {
                    return problem(
                        first.origin,
                        format!(
                            "service `{name}`: a healthcheck `test` list must start with \"CMD\", \
                             \"CMD-SHELL\" or \"NONE\", not {word:?}"
                        ),
                    );
                }
            }
        }
        for m in &s.volumes {
            if m.kind != MountType::Volume {
                continue;
            }
            if let Some(src) = &m.source {
                if !volumes.contains(src.as_str()) {
                    return problem(
                        m.origin,
                        format!(
                            "service `{name}` uses volume `{src}`, which is not declared under \
                             the top-level `volumes:`; declare it or use a path for a bind mount"
                        ),
                    );
                }
            }
        }
        for sec in items(t.get("secrets")) {
            reference(name, sec, &secrets, "secret", "secrets")?;
        }
        for cfg in items(t.get("configs")) {
            reference(name, cfg, &configs, "config", "configs")?;
        }
        for w in items(t.get("develop").and_then(|d| d.get("watch"))) {
            let action = w
                .get("action")
                .and_then(Tree::scalar_text)
                .unwrap_or_default();
            let target = w
                .get("target")
                .and_then(Tree::scalar_text)
                .unwrap_or_default();
            if target.is_empty() && !matches!(action.as_str(), "rebuild" | "restart") {
                return problem(
                    w.get("target").unwrap_or(w).origin,
                    format!(
                        "service `{name}`: a `develop.watch` rule with action `{action}` needs a \
                         `target`, the path in the container to update"
                    ),
                );
            }
        }
        twice(name, t)?;
        dependencies(name, s, services, all)?;
    }
    cycles(services)
}

/// A service's `secrets`/`configs` entry (a name or `{source: name}`) must be declared.
fn reference(
    service: &str,
    entry: &Tree,
    declared: &HashSet<&str>,
    what: &str,
    top: &str,
) -> Checked {
    let Some(src) = entry
        .spanned_text()
        .or_else(|| entry.get("source").and_then(Tree::spanned_text))
    else {
        return Ok(());
    };
    if declared.contains(src.value.as_str()) {
        return Ok(());
    }
    problem(
        src.origin,
        format!(
            "service `{service}` uses {what} `{}`, which is not declared under the top-level \
             `{top}:`; declare it there",
            src.value
        ),
    )
}

/// Options given both at the service level and under `deploy` must agree.
fn twice(name: &str, t: &Tree) -> Checked {
    let deploy = t.get("deploy").filter(|d| !d.is_null());
    let res = deploy.and_then(|d| d.get("resources"));
    // A number, or with `bytes` a byte size; 0 when absent, as compose-go's zero value.
    let value = |t: Option<&Tree>, bytes: bool| -> f64 {
        match t.map(|t| &t.value) {
            Some(TreeValue::Int(i)) => *i as f64,
            Some(TreeValue::Float(f)) => *f,
            Some(TreeValue::String(s)) if bytes => {
                crate::load::parse_bytes(s).map_or(0.0, |b| b as f64)
            }
            Some(TreeValue::String(s)) => s.trim().parse().unwrap_or(0.0),
            _ => 0.0,
        }
    };
    let number = |t: Option<&Tree>| value(t, false);
    let pairs = [
        ("cpus", "limits", "cpus"),
        ("mem_limit", "limits", "memory"),
        ("mem_reservation", "reservations", "memory"),
        ("pids_limit", "limits", "pids"),
    ];
    for (key, part, sub) in pairs {
        let Some(own) = t.get(key) else { continue };
        let Some(section) = res.and_then(|r| r.get(part)).filter(|p| !p.is_null()) else {
            continue;
        };
        let bytes = sub == "memory";
        let mine = value(Some(own), bytes);
        if mine != 0.0 && mine != value(section.get(sub), bytes) {
            return problem(
                own.origin,
                format!(
                    "service `{name}` sets `{key}` and `deploy.resources.{part}.{sub}` to \
                     different values; set it in one place"
                ),
            );
        }
    }
    let scale = t.get("scale");
    let replicas = deploy.and_then(|d| d.get("replicas"));
    if let (Some(s), Some(r)) = (scale, replicas) {
        if number(Some(s)) != number(Some(r)) {
            return problem(
                s.origin,
                format!(
                    "service `{name}` sets `scale` and `deploy.replicas` to different values; set \
                     it in one place"
                ),
            );
        }
    }
    if let Some(cn) = t.get("container_name") {
        if number(scale.or(replicas)) > 1.0 {
            let which = if scale.is_some() {
                "scale"
            } else {
                "deploy.replicas"
            };
            return problem(
                cn.origin,
                format!(
                    "service `{name}` sets `container_name` and runs more than one container \
                     (`{which}`), but a container name must be unique; drop `container_name`"
                ),
            );
        }
    }
    Ok(())
}

/// One service another one needs: where it is named, its name, whether it is required.
struct Dependency {
    origin: Origin,
    on: String,
    required: bool,
    via: &'static str,
}

fn dependency_list(s: &Service) -> Vec<Dependency> {
    let t = &s.raw;
    let mut out = Vec::new();
    for (k, v) in entries(t.get("depends_on")) {
        out.push(Dependency {
            origin: k.origin,
            on: k.value.clone(),
            required: v.get("required").and_then(truthy).unwrap_or(true),
            via: "depends_on",
        });
    }
    for link in items(t.get("links")) {
        if let Some(text) = link.scalar_text() {
            let on = text.split_once(':').map_or(text.as_str(), |(s, _)| s);
            out.push(Dependency {
                origin: link.origin,
                on: on.to_string(),
                required: true,
                via: "links",
            });
        }
    }
    for from in items(t.get("volumes_from")) {
        if let Some(text) = from.scalar_text() {
            if text.starts_with("container:") {
                continue;
            }
            let on = text.split_once(':').map_or(text.as_str(), |(s, _)| s);
            out.push(Dependency {
                origin: from.origin,
                on: on.to_string(),
                required: true,
                via: "volumes_from",
            });
        }
    }
    for via in ["network_mode", "ipc", "pid", "uts"] {
        let Some(mode) = t.get(via).and_then(Tree::spanned_text) else {
            continue;
        };
        if let Some(on) = mode.value.strip_prefix("service:") {
            out.push(Dependency {
                origin: mode.origin,
                on: on.to_string(),
                required: true,
                via,
            });
        }
    }
    out
}

/// Every service named must exist; a required one must also be active.
fn dependencies(
    name: &str,
    s: &Service,
    services: &BTreeMap<String, Service>,
    all: &[String],
) -> Checked {
    for d in dependency_list(s) {
        if services.contains_key(&d.on) {
            continue;
        }
        if !all.contains(&d.on) {
            return problem(
                d.origin,
                format!(
                    "service `{name}` depends on undefined service {:?} (in `{}`); define it \
                     or remove the reference",
                    d.on, d.via
                ),
            );
        }
        if d.required {
            return problem(
                d.origin,
                format!(
                    "service `{name}` depends on service `{}` (in `{}`), which no active profile \
                     enables; enable one of its profiles, or mark the dependency \
                     `required: false`",
                    d.on, d.via
                ),
            );
        }
    }
    Ok(())
}

/// No service may depend on itself, directly or through others.
fn cycles(services: &BTreeMap<String, Service>) -> Checked {
    let deps: BTreeMap<&str, Vec<Dependency>> = services
        .iter()
        .map(|(n, s)| {
            let list = dependency_list(s)
                .into_iter()
                .filter(|d| services.contains_key(&d.on))
                .collect();
            (n.as_str(), list)
        })
        .collect();
    // 0 unvisited, 1 on the current path, 2 done.
    let mut state: BTreeMap<&str, u8> = BTreeMap::new();
    fn visit<'a>(
        n: &'a str,
        deps: &'a BTreeMap<&str, Vec<Dependency>>,
        state: &mut BTreeMap<&'a str, u8>,
        path: &mut Vec<(&'a str, Origin)>,
    ) -> Checked {
        state.insert(n, 1);
        for d in deps.get(n).map_or(&[][..], Vec::as_slice) {
            let on = d.on.as_str();
            match state.get(on).copied().unwrap_or(0) {
                1 => {
                    let start = path.iter().position(|(p, _)| *p == on).unwrap_or(0);
                    let mut names: Vec<&str> = path[start..].iter().map(|(p, _)| *p).collect();
                    names.push(n);
                    names.push(on);
                    return problem(
                        d.origin,
                        format!(
                            "dependency cycle: {}; services cannot wait for each other, remove \
                             one of these dependencies",
                            names.join(" -> ")
                        ),
                    );
                }
                0 => {
                    path.push((n, d.origin));
                    let key = deps.get_key_value(on).map_or(on, |(k, _)| *k);
                    visit(key, deps, state, path)?;
                    path.pop();
                }
                _ => {}
            }
        }
        state.insert(n, 2);
        Ok(())
    }
    for n in deps.keys() {
        if state.get(n).copied().unwrap_or(0) == 0 {
            visit(n, &deps, &mut state, &mut Vec::new())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_as_compose_go_reads_them() {
        for ok in [
            "0",
            "-0",
            "1m30s",
            "1.5s",
            ".5s",
            "1.s",
            "+1s",
            "-1s",
            "2d",
            "1w",
            "1d2h",
            "1us",
            "1µs",
            "1ms1s",
            "00001s",
            "1h2m3s4ms5us6ns",
        ] {
            assert!(is_duration(ok), "{ok}");
        }
        for bad in [
            "", "10", "5 blah", "1s ", " 1s", "1S", "1h-1s", "0s0", ".s", "1e3s", "1y", "00", "+",
            "1..5s",
        ] {
            assert!(!is_duration(bad), "{bad}");
        }
    }

    #[test]
    fn sizes_as_docker_reads_them() {
        for ok in [
            "10 m", "1e3", "10mb", "10MiB", "10KB", "1.5", "10b", "10B", "10kib", "10 ", "10.m",
            ".5m", "10 p", "10pb", "10t", "1gb", "512M",
        ] {
            assert!(is_size(ok), "{ok}");
        }
        for bad in [
            "",
            " 10m",
            "10m ",
            "10kb ",
            "-5",
            "-5m",
            "10bm",
            "0x10",
            "10e",
            "10 e",
            "10E",
            "10i",
            "10ib",
            "5 parsecs",
            "m",
        ] {
            assert!(!is_size(bad), "{bad}");
        }
    }
}
