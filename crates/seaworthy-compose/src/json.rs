//! The resolved project as JSON in the shape of `docker compose config --format json`, for the
//! fields the model knows (ports and volumes in long form, memory sizes as byte-count strings,
//! secret modes as octal strings, the default network).

use std::collections::BTreeSet;

use serde_json::{json, Map, Value as Json};

use crate::load::parse_bytes;
use crate::model::*;

/// The project as `docker compose config --format json` prints it.
pub fn to_json(project: &Project) -> Json {
    let mut root = Map::new();
    root.insert("name".into(), json!(project.name));
    let mut services = Map::new();
    let mut used_networks = BTreeSet::new();
    for (name, s) in &project.services {
        for n in &s.networks {
            used_networks.insert(n.value.clone());
        }
        services.insert(name.clone(), service(s));
    }
    root.insert("services".into(), Json::Object(services));

    let mut networks = Map::new();
    for n in &used_networks {
        match project.networks.get(n) {
            Some(r) => {
                networks.insert(n.clone(), resource(r, project, true));
            }
            None if n == "default" => {
                networks.insert(
                    n.clone(),
                    json!({"name": format!("{}_default", project.name), "ipam": {}}),
                );
            }
            None => {}
        }
    }
    if !networks.is_empty() {
        root.insert("networks".into(), Json::Object(networks));
    }
    // Like docker compose, only the volumes and secrets that an active service uses.
    let used_volumes: BTreeSet<&str> = project
        .services
        .values()
        .flat_map(|s| &s.volumes)
        .filter(|m| m.kind == MountType::Volume)
        .filter_map(|m| m.source.as_deref())
        .collect();
    let used_secrets: BTreeSet<&str> = project
        .services
        .values()
        .flat_map(|s| &s.secrets)
        .map(|s| s.source.value.as_str())
        .collect();
    for (key, map, used) in [
        ("volumes", &project.volumes, used_volumes),
        ("secrets", &project.secrets, used_secrets),
    ] {
        let m: Map<String, Json> = map
            .iter()
            .filter(|(k, _)| used.contains(k.as_str()))
            .map(|(k, r)| (k.clone(), resource(r, project, false)))
            .collect();
        if !m.is_empty() {
            root.insert(key.into(), Json::Object(m));
        }
    }
    Json::Object(root)
}

fn resource(r: &Resource, project: &Project, network: bool) -> Json {
    let mut m = match tree(&r.raw) {
        Json::Object(m) => m,
        _ => Map::new(),
    };
    m.insert("name".into(), json!(r.resolved_name));
    if r.external {
        m.insert("external".into(), json!(true));
    }
    if let Some(Json::String(f)) = m.get("file").cloned() {
        let abs = project.directory.join(&f);
        m.insert("file".into(), json!(crate::load::clean(&abs)));
    }
    // A local volume bound to a host directory: compose resolves a relative device.
    let binds = m
        .get("driver_opts")
        .and_then(|o| o.get("o"))
        .and_then(Json::as_str)
        .is_some_and(|o| o.split(',').any(|x| x == "bind" || x == "rbind"));
    if binds {
        if let Some(opts) = m.get_mut("driver_opts").and_then(Json::as_object_mut) {
            if let Some(Json::String(dev)) = opts.get("device").cloned() {
                if dev.starts_with('.') {
                    let abs = project.directory.join(&dev);
                    opts.insert("device".into(), json!(crate::load::clean(&abs)));
                }
            }
        }
    }
    if network && !r.external && !m.contains_key("ipam") {
        m.insert("ipam".into(), json!({}));
    }
    Json::Object(m)
}

/// A tree as JSON, scalars as written.
fn tree(t: &Tree) -> Json {
    match &t.value {
        TreeValue::Null => Json::Null,
        TreeValue::Bool(b) => json!(b),
        TreeValue::Int(i) => json!(i),
        TreeValue::Float(f) => json!(f),
        TreeValue::String(s) => json!(s),
        TreeValue::Seq(items) => Json::Array(items.iter().map(tree).collect()),
        TreeValue::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| (k.value.clone(), tree(v)))
                .collect(),
        ),
    }
}

fn strings(v: &[Spanned<String>]) -> Json {
    Json::Array(v.iter().map(|s| json!(s.value)).collect())
}

fn service(s: &Service) -> Json {
    let mut m = Map::new();
    let mut put = |k: &str, v: Json| {
        m.insert(k.to_string(), v);
    };
    if let Some(b) = &s.build {
        put(
            "build",
            json!({"context": b.context.value, "dockerfile": b.dockerfile.value}),
        );
    }
    for (k, v) in [
        ("image", &s.image),
        ("user", &s.user),
        ("network_mode", &s.network_mode),
        ("pid", &s.pid),
        ("ipc", &s.ipc),
        ("restart", &s.restart),
    ] {
        if let Some(v) = v {
            put(k, json!(v.value));
        }
    }
    for (k, v) in [
        ("cap_add", &s.cap_add),
        ("cap_drop", &s.cap_drop),
        ("security_opt", &s.security_opt),
        ("tmpfs", &s.tmpfs),
        ("profiles", &s.profiles),
    ] {
        if !v.is_empty() {
            put(k, strings(v));
        }
    }
    for (k, v) in [
        ("read_only", &s.read_only),
        ("privileged", &s.privileged),
        ("init", &s.init),
    ] {
        if let Some(v) = v {
            put(k, json!(v.value));
        }
    }
    if !s.environment.is_empty() {
        let env: Map<String, Json> = s
            .environment
            .iter()
            .map(|(k, (_, v))| (k.clone(), v.as_ref().map_or(Json::Null, |v| json!(v.value))))
            .collect();
        put("environment", Json::Object(env));
    }
    if !s.ports.is_empty() {
        put("ports", Json::Array(s.ports.iter().map(port).collect()));
    }
    if !s.volumes.is_empty() {
        put(
            "volumes",
            Json::Array(s.volumes.iter().map(mount).collect()),
        );
    }
    if !s.secrets.is_empty() {
        let list = s
            .secrets
            .iter()
            .map(|sec| {
                let mut o = Map::new();
                o.insert("source".into(), json!(sec.source.value));
                o.insert("target".into(), json!(sec.target));
                if let Some(u) = &sec.uid {
                    o.insert("uid".into(), json!(u));
                }
                if let Some(g) = &sec.gid {
                    o.insert("gid".into(), json!(g));
                }
                if let Some(mode) = sec.mode {
                    o.insert("mode".into(), json!(format!("0{mode:o}")));
                }
                Json::Object(o)
            })
            .collect();
        put("secrets", Json::Array(list));
    }
    if let Some(h) = &s.healthcheck {
        let mut o = Map::new();
        if h.disable.as_ref().is_some_and(|d| d.value) {
            o.insert("disable".into(), json!(true));
        }
        if let Some(t) = &h.test {
            o.insert("test".into(), json!(t.value));
        }
        for (k, v) in [
            ("interval", &h.interval),
            ("timeout", &h.timeout),
            ("start_period", &h.start_period),
            ("start_interval", &h.start_interval),
        ] {
            if let Some(v) = v {
                o.insert(k.into(), json!(go_duration(&v.value)));
            }
        }
        if let Some(r) = &h.retries {
            o.insert("retries".into(), json!(r.value));
        }
        if !o.is_empty() {
            put("healthcheck", Json::Object(o));
        }
    }
    if let Some(d) = s.raw.get("deploy") {
        put("deploy", deploy(d));
    }
    if let Some(l) = &s.logging {
        let mut o = Map::new();
        if let Some(d) = &l.driver {
            o.insert("driver".into(), json!(d.value));
        }
        if !l.options.is_empty() {
            let opts: Map<String, Json> = l
                .options
                .iter()
                .map(|(k, v)| (k.clone(), json!(v.value)))
                .collect();
            o.insert("options".into(), Json::Object(opts));
        }
        put("logging", Json::Object(o));
    }
    if let Some(v) = &s.mem_limit {
        put("mem_limit", json!(v.value.to_string()));
    }
    if let Some(v) = &s.cpus {
        put("cpus", json!(v.value));
    }
    if let Some(v) = &s.pids_limit {
        put("pids_limit", json!(v.value));
    }
    if !s.networks.is_empty() {
        let nets: Map<String, Json> = s
            .networks
            .iter()
            .map(|n| {
                let v = s
                    .raw
                    .get("networks")
                    .and_then(|m| m.get(&n.value))
                    .map_or(Json::Null, tree);
                (n.value.clone(), v)
            })
            .collect();
        put("networks", Json::Object(nets));
    }
    Json::Object(m)
}

/// `deploy` as written, with resources' cpus as numbers, memory as byte-count strings and pids
/// and max_attempts as numbers.
fn deploy(d: &Tree) -> Json {
    let mut j = tree(d);
    if let Some(res) = j.get_mut("resources").and_then(Json::as_object_mut) {
        for kind in ["limits", "reservations"] {
            if let Some(r) = res.get_mut(kind).and_then(Json::as_object_mut) {
                if let Some(c) = r.get("cpus").cloned() {
                    let n = match &c {
                        Json::String(s) => s.trim().parse::<f64>().ok().map(|f| json!(f)),
                        other => Some(other.clone()),
                    };
                    if let Some(n) = n {
                        r.insert("cpus".into(), n);
                    }
                }
                if let Some(mem) = r.get("memory").cloned() {
                    let b = match &mem {
                        Json::String(s) => parse_bytes(s),
                        Json::Number(n) => n.as_u64(),
                        _ => None,
                    };
                    if let Some(b) = b {
                        r.insert("memory".into(), json!(b.to_string()));
                    }
                }
                if let Some(Json::String(p)) = r.get("pids").cloned() {
                    if let Ok(n) = p.trim().parse::<i64>() {
                        r.insert("pids".into(), json!(n));
                    }
                }
            }
        }
    }
    if let Some(rp) = j.get_mut("restart_policy").and_then(Json::as_object_mut) {
        if let Some(Json::String(p)) = rp.get("max_attempts").cloned() {
            if let Ok(n) = p.trim().parse::<i64>() {
                rp.insert("max_attempts".into(), json!(n));
            }
        }
    }
    for section in ["restart_policy", "update_config", "rollback_config"] {
        if let Some(o) = j.get_mut(section).and_then(Json::as_object_mut) {
            for key in ["delay", "window", "monitor"] {
                if let Some(Json::String(d)) = o.get(key).cloned() {
                    o.insert(key.into(), json!(go_duration(&d)));
                }
            }
        }
    }
    if let Some(Json::String(p)) = j.get("replicas").cloned() {
        if let Ok(n) = p.trim().parse::<i64>() {
            j["replicas"] = json!(n);
        }
    }
    j
}

fn port(p: &Port) -> Json {
    let mut o = Map::new();
    o.insert("mode".into(), json!(p.mode));
    if let Some(ip) = &p.host_ip {
        o.insert("host_ip".into(), json!(ip));
    }
    o.insert("target".into(), json!(p.target));
    if let Some(pb) = &p.published {
        o.insert("published".into(), json!(pb));
    }
    o.insert("protocol".into(), json!(p.protocol));
    if let Some(n) = &p.name {
        o.insert("name".into(), json!(n));
    }
    if let Some(a) = &p.app_protocol {
        o.insert("app_protocol".into(), json!(a));
    }
    Json::Object(o)
}

fn mount(m: &Mount) -> Json {
    let mut o = Map::new();
    o.insert("type".into(), json!(m.kind.as_str()));
    if let Some(s) = &m.source {
        o.insert("source".into(), json!(s));
    }
    o.insert("target".into(), json!(m.target));
    if m.read_only {
        o.insert("read_only".into(), json!(true));
    }
    if let Some(c) = &m.consistency {
        o.insert("consistency".into(), json!(c));
    }
    let mut bind = Map::new();
    if let Some(p) = &m.bind_propagation {
        bind.insert("propagation".into(), json!(p));
    }
    if let Some(c) = m.bind_create_host_path {
        bind.insert("create_host_path".into(), json!(c));
    }
    if let Some(s) = &m.bind_selinux {
        bind.insert("selinux".into(), json!(s));
    }
    if !bind.is_empty() {
        o.insert("bind".into(), Json::Object(bind));
    }
    let mut vol = Map::new();
    if m.volume_nocopy {
        vol.insert("nocopy".into(), json!(true));
    }
    if let Some(s) = &m.volume_subpath {
        vol.insert("subpath".into(), json!(s));
    }
    if m.kind == MountType::Volume {
        o.insert("volume".into(), Json::Object(vol));
    }
    let mut tmp = Map::new();
    if let Some(s) = m.tmpfs_size {
        tmp.insert("size".into(), json!(s.to_string()));
    }
    if let Some(s) = m.tmpfs_mode {
        tmp.insert("mode".into(), json!(s));
    }
    if !tmp.is_empty() {
        o.insert("tmpfs".into(), Json::Object(tmp));
    }
    Json::Object(o)
}

/// A duration as Go prints it (`90s` → `1m30s`, `1500ms` → `1.5s`); text that is not a Go
/// duration is returned as is.
pub fn go_duration(text: &str) -> String {
    match parse_duration(text) {
        Some(ns) => format_duration(ns),
        None => text.to_string(),
    }
}

/// Nanoseconds of a Go duration string (`1h30m`, `1.5s`, `250ms`).
pub fn parse_duration(text: &str) -> Option<u128> {
    let mut rest = text.trim();
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let mult = match &rest[..u] {
            "ns" => 1.0,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[u..];
        total += num * mult;
    }
    Some(total.round() as u128)
}

fn format_duration(ns: u128) -> String {
    if ns == 0 {
        return "0s".into();
    }
    let frac = |v: u128, unit: u128, suffix: &str| {
        let whole = v / unit;
        let rem = v % unit;
        if rem == 0 {
            return format!("{whole}{suffix}");
        }
        let digits = unit.to_string().len() - 1;
        let f = format!("{rem:0digits$}");
        format!("{whole}.{}{suffix}", f.trim_end_matches('0'))
    };
    if ns < 1_000 {
        return format!("{ns}ns");
    }
    if ns < 1_000_000 {
        return frac(ns, 1_000, "\u{b5}s");
    }
    if ns < 1_000_000_000 {
        return frac(ns, 1_000_000, "ms");
    }
    let h = ns / 3_600_000_000_000;
    let m = (ns / 60_000_000_000) % 60;
    let s = ns % 60_000_000_000;
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if h > 0 || m > 0 {
        out.push_str(&format!("{m}m"));
    }
    out.push_str(&frac(s, 1_000_000_000, "s"));
    out
}

#[cfg(test)]
mod tests {
    use super::go_duration;

    #[test]
    fn durations_print_as_go_does() {
        assert_eq!(go_duration("90s"), "1m30s");
        assert_eq!(go_duration("2m"), "2m0s");
        assert_eq!(go_duration("1h"), "1h0m0s");
        assert_eq!(go_duration("1500ms"), "1.5s");
        assert_eq!(go_duration("500ms"), "500ms");
        assert_eq!(go_duration("1m30.25s"), "1m30.25s");
        assert_eq!(go_duration("0"), "0s");
        assert_eq!(go_duration("soon"), "soon");
    }
}
