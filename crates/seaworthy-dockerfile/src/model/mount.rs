//! `RUN --mount` and `RUN --device` options, parsed and checked as BuildKit does.

use super::go::{csv_fields, go_parse_bool, go_quote, ram_in_bytes, with_suggestion};
use super::MountType;

// ---------------------------------------------------------------------------------------------
// RUN --mount and --device

pub(super) struct MountSpec {
    pub(super) kind: MountType,
    /// `from=` as written: BuildKit looks the stage up before expansion.
    pub(super) from: Option<String>,
    pub(super) source: Option<String>,
    pub(super) target: Option<String>,
    pub(super) id: Option<String>,
    pub(super) sharing: Option<String>,
    pub(super) readonly: bool,
    pub(super) required: bool,
    pub(super) mode: Option<u32>,
    pub(super) uid: Option<u32>,
    pub(super) gid: Option<u32>,
    pub(super) size: Option<i64>,
    pub(super) env: Option<String>,
}

/// BuildKit's `parseMount`. Without an expander (the parse-time pass) only what can be checked
/// before expansion is checked.
/// Expands one `--mount` option value.
type FieldExpander<'x> = &'x mut dyn FnMut(&str) -> Result<String, String>;

pub(super) fn parse_mount(
    value: &str,
    mut expand: Option<FieldExpander<'_>>,
) -> Result<MountSpec, String> {
    let fields = csv_fields(value).map_err(|e| format!("failed to parse csv mounts: {e}"))?;
    let mut m = MountSpec {
        kind: MountType::Bind,
        from: None,
        source: None,
        target: None,
        id: None,
        sharing: None,
        readonly: false,
        required: false,
        mode: None,
        uid: None,
        gid: None,
        size: None,
        env: None,
    };
    let mut ro_auto = true;
    for field in &fields {
        let (key, raw_value) = match field.split_once('=') {
            Some((k, v)) => (k.to_lowercase(), Some(v)),
            None => (field.to_lowercase(), None),
        };
        let Some(raw_value) = raw_value else {
            if expand.is_none() {
                continue;
            }
            match key.as_str() {
                "readonly" | "ro" => {
                    m.readonly = true;
                    ro_auto = false;
                }
                "readwrite" | "rw" => {
                    m.readonly = false;
                    ro_auto = false;
                }
                "required" if matches!(m.kind, MountType::Secret | MountType::Ssh) => {
                    m.required = true
                }
                "required" => {
                    return Err(format!(
                        "unexpected key '{key}' for mount type '{}'",
                        m.kind.as_str()
                    ))
                }
                _ => return Err(format!("invalid field '{field}' must be a key=value pair")),
            }
            continue;
        };
        if key == "from" {
            m.from = Some(raw_value.to_owned());
        }
        let value = match expand.as_mut() {
            Some(e) => e(raw_value)?,
            None => {
                if key == "from" {
                    if let Some(i) = raw_value.find('$') {
                        if i != raw_value.len() - 1 {
                            return Err(format!("'{key}' doesn't support variable expansion, define alias stage instead"));
                        }
                    }
                }
                continue;
            }
        };
        let bad = |k: &str, v: &str| format!("invalid value for {k}: {v}");
        match key.as_str() {
            "type" => {
                m.kind = match value.to_lowercase().as_str() {
                    "bind" => MountType::Bind,
                    "cache" => MountType::Cache,
                    "tmpfs" => MountType::Tmpfs,
                    "secret" => MountType::Secret,
                    "ssh" => MountType::Ssh,
                    _ => {
                        return Err(with_suggestion(
                            format!("unsupported mount type {}", go_quote(&value)),
                            &value,
                            &["bind", "cache", "tmpfs", "secret", "ssh"],
                            true,
                        ))
                    }
                }
            }
            "from" => {}
            "source" | "src" => m.source = Some(value),
            "target" | "dst" | "destination" => m.target = Some(value),
            "readonly" | "ro" => {
                m.readonly = go_parse_bool(&value).ok_or_else(|| bad(&key, &value))?;
                ro_auto = false;
            }
            "readwrite" | "rw" => {
                m.readonly = !go_parse_bool(&value).ok_or_else(|| bad(&key, &value))?;
                ro_auto = false;
            }
            "required" => {
                if matches!(m.kind, MountType::Secret | MountType::Ssh) {
                    m.required = go_parse_bool(&value).ok_or_else(|| bad(&key, &value))?;
                } else {
                    return Err(format!(
                        "unexpected key '{key}' for mount type '{}'",
                        m.kind.as_str()
                    ));
                }
            }
            "size" => {
                if m.kind == MountType::Tmpfs {
                    m.size = Some(ram_in_bytes(&value).ok_or_else(|| bad(&key, &value))?);
                } else {
                    return Err(format!(
                        "unexpected key '{key}' for mount type '{}'",
                        m.kind.as_str()
                    ));
                }
            }
            "id" => m.id = Some(value),
            "sharing" => {
                let v = value.to_lowercase();
                if !matches!(v.as_str(), "shared" | "private" | "locked") {
                    return Err(with_suggestion(
                        format!("unsupported sharing value {}", go_quote(&value)),
                        &value,
                        &["shared", "private", "locked"],
                        true,
                    ));
                }
                m.sharing = Some(v);
            }
            "mode" => {
                m.mode = Some(
                    u32::from_str_radix(&value, 8)
                        .ok()
                        .filter(|_| value.bytes().all(|b| b.is_ascii_digit()))
                        .ok_or_else(|| format!("invalid value {value} for mode"))?,
                )
            }
            "uid" | "gid" => {
                let v = value
                    .parse::<u32>()
                    .ok()
                    .filter(|_| value.bytes().all(|b| b.is_ascii_digit()))
                    .ok_or_else(|| format!("invalid value {value} for {key}"))?;
                if key == "uid" {
                    m.uid = Some(v);
                } else {
                    m.gid = Some(v);
                }
            }
            "env" => m.env = Some(value),
            _ => {
                return Err(with_suggestion(
                    format!("unexpected key '{key}' in '{field}'"),
                    &key,
                    &[
                        "type",
                        "from",
                        "source",
                        "target",
                        "readonly",
                        "id",
                        "sharing",
                        "required",
                        "size",
                        "mode",
                        "uid",
                        "gid",
                        "src",
                        "dst",
                        "destination",
                        "ro",
                        "rw",
                        "readwrite",
                        "env",
                    ],
                    true,
                ))
            }
        }
    }
    if expand.is_none() {
        return Ok(m);
    }
    let kind = m.kind.as_str();
    if !matches!(
        m.kind,
        MountType::Secret | MountType::Ssh | MountType::Cache
    ) {
        for (name, set) in [
            ("mode", m.mode.is_some()),
            ("uid", m.uid.is_some()),
            ("gid", m.gid.is_some()),
        ] {
            if set {
                return Err(format!(
                    "{name} not allowed for {} type mounts",
                    go_quote(kind)
                ));
            }
        }
    }
    if ro_auto {
        m.readonly = !matches!(m.kind, MountType::Cache | MountType::Tmpfs);
    }
    if m.kind == MountType::Secret {
        if m.from.is_some() {
            return Err("secret mount should not have a from".into());
        }
        if m.sharing.is_some() {
            return Err("secret mount should not define sharing".into());
        }
        if m.source.is_none() && m.target.is_none() && m.id.is_none() {
            return Err("invalid secret mount. one of source, target required".into());
        }
        if m.source.is_some() && m.id.is_some() {
            return Err("both source and id can't be set".into());
        }
    }
    if m.sharing.is_some() && m.kind != MountType::Cache {
        return Err(format!("invalid cache sharing set for {kind} mount"));
    }
    Ok(m)
}

/// BuildKit's `ParseDevice` (the parse-time checks of `RUN --device`).
pub(super) fn parse_device(value: &str) -> Result<(), String> {
    let fields = csv_fields(value).map_err(|e| format!("failed to parse csv devices: {e}"))?;
    let mut name: Option<String> = None;
    for field in &fields {
        let (key, v) = match field.split_once('=') {
            Some((k, v)) => (k.to_lowercase(), Some(v)),
            None => (field.to_lowercase(), None),
        };
        match (key.as_str(), v) {
            ("required", None) => {}
            (_, None) if name.is_none() => name = Some(field.clone()),
            (_, None) => return Err(format!("invalid field '{field}' must be a key=value pair")),
            ("name", Some(v)) => {
                if let Some(n) = &name {
                    return Err(format!("device name already set to {n}"));
                }
                name = Some(v.to_owned());
            }
            ("required", Some(v)) => {
                go_parse_bool(v).ok_or_else(|| format!("invalid value for {key}: {v}"))?;
            }
            _ if name.is_none() => name = Some(field.clone()),
            _ => {
                return Err(with_suggestion(
                    format!("unexpected key '{key}' in '{field}'"),
                    &key,
                    &["name", "required"],
                    true,
                ))
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::{parse, pos};
    use crate::model::{BuildOptions, Expanded, Model, SourceRef};
    use std::collections::BTreeSet;

    #[test]
    fn run_mounts_are_parsed_and_resolved() {
        let src = "FROM alpine AS deps\n\
                   FROM alpine\n\
                   ARG CACHE=/root/.cache\n\
                   RUN --mount=type=cache,target=${CACHE},sharing=locked \\\n\
                   \x20   --mount=type=secret,id=npmrc,target=/root/.npmrc,required \\\n\
                   \x20   --mount=from=deps,source=/out,target=/deps \\\n\
                   \x20   --mount=type=bind,from=busybox:1.36,target=/bb,rw \\\n\
                   \x20   --mount=type=tmpfs,target=/tmp,size=64m \\\n\
                   \x20   --network=none \\\n\
                   \x20   true\n";
        let file = parse(src);
        let model = Model::build(&file, &BuildOptions::default());
        assert!(model.errors.is_empty(), "{:?}", model.errors);
        let step = &model.stages[1].steps[1];
        let m = &step.mounts;
        assert_eq!(m.len(), 5);
        assert_eq!(m[0].kind, MountType::Cache);
        assert_eq!(m[0].target.as_deref(), Some("/root/.cache"));
        assert_eq!(m[0].sharing.as_deref(), Some("locked"));
        assert!(!m[0].readonly);
        assert_eq!(m[0].from, None);
        assert_eq!(m[1].kind, MountType::Secret);
        assert_eq!(m[1].id.as_deref(), Some("npmrc"));
        assert!(m[1].required && m[1].readonly);
        assert_eq!(m[2].kind, MountType::Bind);
        assert_eq!(m[2].from, Some(SourceRef::Stage(0)));
        assert!(m[2].readonly);
        match &m[3].from {
            Some(SourceRef::Image(r)) => assert_eq!(r.tag.as_deref(), Some("1.36")),
            other => panic!("{other:?}"),
        }
        assert!(!m[3].readonly);
        assert_eq!(m[4].size, Some(64 * 1024 * 1024));
        assert_eq!(file.position(m[2].span.start), pos(6, 5));
        assert_eq!(
            step.expanded,
            Expanded::Run {
                network: "none".into(),
                security: "sandbox".into()
            }
        );
        assert_eq!(model.stages_needed_by_target(), BTreeSet::from([0, 1]));
    }
}
