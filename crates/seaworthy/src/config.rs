//! Configuration: `.seaworthy.toml`, or a hadolint user's `.hadolint.yaml`, found upward from
//! the working directory; which rules run where, how severe they are, and the rules' settings.
//!
//! Which rules report is decided in layers, each a `select` (the rules that run; all when
//! absent) and an `ignore` (rules turned off): the file's top level, then every `[[overrides]]`
//! whose `paths` match the file, in order, then `--select`/`--ignore` on the command line. A
//! layer with `select` decides afresh for every rule; a layer with only `ignore` turns more
//! off. Within a layer a key naming the rule itself beats a category, which beats `all`: with
//! `select = ["DL3008"]` and `ignore = ["hygiene"]` DL3008 still runs. `[severity]` tables
//! follow the same order and specificity.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use seaworthy_rules::suppress::key_matches;
use seaworthy_rules::{Category, Finding, LabelType, PinLevel, Settings, Severity};
use serde::Deserialize;
use toml::Spanned;

pub const CONFIG_FILE: &str = ".seaworthy.toml";
pub const HADOLINT_FILES: [&str; 2] = [".hadolint.yaml", ".hadolint.yml"];

/// A problem with a configuration file or a `--select`/`--ignore` key, already worded as
/// `file:line:col: error: message` (or `error: message` without a place).
#[derive(Debug)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// When `check` exits 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// A finding at least this severe.
    At(Severity),
    /// Never: findings are reported, the check passes.
    Never,
}

impl FailOn {
    pub fn parse(s: &str) -> Option<FailOn> {
        match s.to_ascii_lowercase().as_str() {
            "none" | "never" => Some(FailOn::Never),
            other => Severity::parse(other).map(FailOn::At),
        }
    }

    pub fn fails(self, severity: Severity) -> bool {
        match self {
            FailOn::At(threshold) => severity >= threshold,
            FailOn::Never => false,
        }
    }
}

/// What a key in `select`, `ignore` or `[severity]` names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    All,
    /// Every ShellCheck finding.
    ShellCheck,
    Category(Category),
    /// A rule id, name or alias (`SW1408`, `sudo-in-run`, `DL3004`, `SC2086`).
    Rule(String),
}

const CATEGORIES: [Category; 6] = [
    Category::Identity,
    Category::Supply,
    Category::Secrets,
    Category::Runtime,
    Category::Hygiene,
    Category::Correctness,
];

impl Key {
    /// `strict`: a key that names nothing is an error (in `.seaworthy.toml` and on the command
    /// line); hadolint's files may name rules seaworthy does not have.
    fn parse(text: &str, strict: bool) -> Result<Key, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("all") {
            return Ok(Key::All);
        }
        if text.eq_ignore_ascii_case("shellcheck") {
            return Ok(Key::ShellCheck);
        }
        if let Some(c) = CATEGORIES
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(text))
        {
            return Ok(Key::Category(c));
        }
        if strict && seaworthy_rules::find_rule(text).is_none() && !is_shellcheck_code(text) {
            return Err(format!(
                "no rule or category {text:?} (`seaworthy rules` lists the rules; categories: \
                 {}, shellcheck, all)",
                CATEGORIES.map(|c| c.as_str()).join(", ")
            ));
        }
        Ok(Key::Rule(text.to_owned()))
    }

    fn matches(&self, f: &Finding) -> bool {
        match self {
            Key::All => true,
            Key::ShellCheck => is_shellcheck_code(f.rule.id),
            Key::Category(c) => f.rule.category == *c,
            Key::Rule(k) => key_matches(k, f),
        }
    }

    /// A rule's own id beats its group, which beats everything.
    fn specificity(&self) -> u8 {
        match self {
            Key::All => 0,
            Key::ShellCheck | Key::Category(_) => 1,
            Key::Rule(_) => 2,
        }
    }
}

fn is_shellcheck_code(s: &str) -> bool {
    s.len() > 2 && s[..2].eq_ignore_ascii_case("sc") && s[2..].bytes().all(|b| b.is_ascii_digit())
}

/// One layer of rule selection and severity overrides.
#[derive(Debug, Default, Clone)]
struct Layer {
    select: Option<Vec<Key>>,
    ignore: Vec<Key>,
    severity: Vec<(Key, Severity)>,
}

impl Layer {
    /// Whether `f` runs after this layer, given whether it ran before.
    fn enabled(&self, f: &Finding, before: bool) -> bool {
        let best = |keys: &[Key]| {
            keys.iter()
                .filter(|k| k.matches(f))
                .map(Key::specificity)
                .max()
        };
        let selected = self.select.as_deref().map(best);
        let mut on = match selected {
            Some(s) => s.is_some(),
            None => before,
        };
        if let Some(ignored) = best(&self.ignore) {
            if !matches!(selected, Some(Some(s)) if s > ignored) {
                on = false;
            }
        }
        on
    }

    fn severity(&self, f: &Finding) -> Option<Severity> {
        self.severity
            .iter()
            .filter(|(k, _)| k.matches(f))
            .max_by_key(|(k, _)| k.specificity())
            .map(|(_, s)| *s)
    }
}

#[derive(Debug)]
struct Override {
    paths: GlobSet,
    /// Patterns without a `/` also match a file's name anywhere, as in .gitignore.
    names: GlobSet,
    layer: Layer,
}

/// The resolved configuration of one run.
#[derive(Debug)]
pub struct Config {
    /// The file it came from, if any.
    pub file: Option<PathBuf>,
    /// The directory `[[overrides]]` paths are relative to.
    root: PathBuf,
    pub settings: Settings,
    pub fail_on: Option<FailOn>,
    /// Whether inline pragmas (`# seaworthy ignore=`, `# hadolint ignore=`, ...) are honoured.
    pub inline_ignores: bool,
    /// Problems that do not stop the run, worded as `file:line:col: warning: message`.
    pub warnings: Vec<String>,
    base: Layer,
    overrides: Vec<Override>,
    cli: Layer,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            file: None,
            root: PathBuf::from("."),
            settings: Settings::default(),
            fail_on: None,
            inline_ignores: true,
            warnings: Vec::new(),
            base: Layer::default(),
            overrides: Vec::new(),
            cli: Layer::default(),
        }
    }
}

impl Config {
    /// `--config FILE`, or the nearest `.seaworthy.toml` from `cwd` upward, or else the nearest
    /// `.hadolint.yaml`/`.hadolint.yml`, or the defaults.
    pub fn find(explicit: Option<&Path>, cwd: &Path) -> Result<Config, ConfigError> {
        if let Some(path) = explicit {
            return Config::load(path);
        }
        let found = find_upward(cwd, &[CONFIG_FILE]).or_else(|| find_upward(cwd, &HADOLINT_FILES));
        match found {
            Some(path) => Config::load(&path),
            None => Ok(Config {
                root: cwd.to_path_buf(),
                ..Config::default()
            }),
        }
    }

    /// Reads a `.seaworthy.toml` (any name not ending in `.yaml`/`.yml`) or a hadolint YAML file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("{}: error: {e}", path.display())))?;
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let is_yaml = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
        let mut config = if is_yaml {
            hadolint::parse(&text, &path)?
        } else {
            parse_toml(&text, &path)?
        };
        config.file = Some(path);
        config.root = root;
        Ok(config)
    }

    /// The command line's `--select` and `--ignore`, which come after every configured layer.
    pub fn set_cli_selection(
        &mut self,
        select: &[String],
        ignore: &[String],
    ) -> Result<(), ConfigError> {
        let keys = |flag: &str, list: &[String]| -> Result<Vec<Key>, ConfigError> {
            list.iter()
                .filter(|s| !s.trim().is_empty())
                .map(|s| {
                    Key::parse(s, true).map_err(|e| ConfigError(format!("error: {flag}: {e}")))
                })
                .collect()
        };
        self.cli.select = if select.is_empty() {
            None
        } else {
            Some(keys("--select", select)?)
        };
        self.cli.ignore = keys("--ignore", ignore)?;
        Ok(())
    }

    /// Drops the findings `path`'s selection turns off and applies severity overrides.
    pub fn filter(&self, path: &Path, findings: &mut Vec<Finding>) {
        let layers = self.layers_for(path);
        findings.retain(|f| layers.iter().fold(true, |on, layer| layer.enabled(f, on)));
        for f in findings.iter_mut() {
            if let Some(s) = layers.iter().rev().find_map(|l| l.severity(f)) {
                f.severity = s;
            }
        }
    }

    fn layers_for(&self, path: &Path) -> Vec<&Layer> {
        let mut layers = vec![&self.base];
        if !self.overrides.is_empty() {
            let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
            let relative = absolute.strip_prefix(&self.root).unwrap_or(&absolute);
            let name = relative.file_name().map(Path::new);
            for o in &self.overrides {
                if o.paths.is_match(relative) || name.is_some_and(|n| o.names.is_match(n)) {
                    layers.push(&o.layer);
                }
            }
        }
        layers.push(&self.cli);
        layers
    }
}

fn find_upward(start: &Path, names: &[&str]) -> Option<PathBuf> {
    start
        .ancestors()
        .find_map(|dir| names.iter().map(|n| dir.join(n)).find(|p| p.is_file()))
}

/// `file:line:col` of a byte offset, columns counted in characters.
fn place(path: &Path, text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("{}:{line}:{column}", path.display())
}

// ---- .seaworthy.toml ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct TomlConfig {
    select: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<String, Spanned<String>>,
    fail_on: Option<Spanned<String>>,
    inline_ignores: Option<bool>,
    #[serde(default)]
    settings: TomlSettings,
    #[serde(default)]
    overrides: Vec<TomlOverride>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct TomlSettings {
    trusted_registries: Option<Vec<String>>,
    base_pin: Option<Spanned<String>>,
    pin_packages: Option<bool>,
    #[serde(default)]
    required_labels: BTreeMap<String, Spanned<String>>,
    strict_labels: Option<bool>,
    lowest_efficiency: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct TomlOverride {
    paths: Spanned<Vec<Spanned<String>>>,
    select: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<String, Spanned<String>>,
}

fn parse_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let at = |span: Range<usize>| place(path, text, span.start);
    let error = |span: Range<usize>, message: String| {
        ConfigError(format!("{}: error: {message}", at(span)))
    };
    let raw: TomlConfig = toml::from_str(text).map_err(|e| {
        let message = e.message().trim_end().to_owned();
        match e.span() {
            Some(span) => error(span, message),
            None => ConfigError(format!("{}: error: {message}", path.display())),
        }
    })?;
    let keys = |list: &[Spanned<String>]| -> Result<Vec<Key>, ConfigError> {
        list.iter()
            .map(|k| Key::parse(k.get_ref(), true).map_err(|m| error(k.span(), m)))
            .collect()
    };
    // A severity table's keys carry no span of their own: errors point at the value.
    let severities = |table: &BTreeMap<String, Spanned<String>>| {
        table
            .iter()
            .map(|(k, v)| {
                let key = Key::parse(k, true).map_err(|m| error(v.span(), m))?;
                let severity = Severity::parse(v.get_ref()).ok_or_else(|| {
                    error(
                        v.span(),
                        format!(
                            "unknown severity {:?}: use error, warning, info or style",
                            v.get_ref()
                        ),
                    )
                })?;
                Ok((key, severity))
            })
            .collect::<Result<Vec<_>, ConfigError>>()
    };
    let base = Layer {
        select: raw.select.as_deref().map(keys).transpose()?,
        ignore: keys(&raw.ignore)?,
        severity: severities(&raw.severity)?,
    };
    let mut overrides = Vec::new();
    for o in &raw.overrides {
        let mut paths = GlobSetBuilder::new();
        let mut names = GlobSetBuilder::new();
        for p in o.paths.get_ref() {
            let pattern = p.get_ref().trim_start_matches("./");
            let glob = |pattern: &str| {
                GlobBuilder::new(pattern)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| error(p.span(), format!("bad glob {pattern:?}: {}", e.kind())))
            };
            paths.add(glob(pattern)?);
            // `legacy/` or `legacy` also means everything under it.
            let dir = pattern.trim_end_matches('/');
            if !dir.contains(['*', '?', '[', '{']) {
                paths.add(glob(&format!("{dir}/**"))?);
            }
            if !pattern.contains('/') {
                names.add(glob(pattern)?);
            }
        }
        if o.paths.get_ref().is_empty() {
            return Err(error(o.paths.span(), "`paths` is empty".to_owned()));
        }
        let build = |b: GlobSetBuilder| b.build().map_err(|e| error(o.paths.span(), e.to_string()));
        overrides.push(Override {
            paths: build(paths)?,
            names: build(names)?,
            layer: Layer {
                select: o.select.as_deref().map(keys).transpose()?,
                ignore: keys(&o.ignore)?,
                severity: severities(&o.severity)?,
            },
        });
    }
    let fail_on = raw
        .fail_on
        .as_ref()
        .map(|v| {
            FailOn::parse(v.get_ref()).ok_or_else(|| {
                error(
                    v.span(),
                    format!(
                        "unknown severity {:?}: use error, warning, info, style or none",
                        v.get_ref()
                    ),
                )
            })
        })
        .transpose()?;

    let mut settings = Settings::default();
    let s = &raw.settings;
    if let Some(r) = &s.trusted_registries {
        settings.trusted_registries = r.clone();
    }
    if let Some(level) = &s.base_pin {
        settings.base_pin = match level.get_ref().to_ascii_lowercase().as_str() {
            "tag" => PinLevel::Tag,
            "patch" => PinLevel::Patch,
            "digest" => PinLevel::Digest,
            other => {
                return Err(error(
                    level.span(),
                    format!("unknown base-pin {other:?}: use tag, patch or digest"),
                ))
            }
        };
    }
    if let Some(p) = s.pin_packages {
        settings.pin_packages = p;
    }
    if let Some(e) = &s.lowest_efficiency {
        let ratio = *e.get_ref();
        if !(0.0..=1.0).contains(&ratio) {
            return Err(error(
                e.span(),
                format!("lowest-efficiency {ratio} is not a ratio between 0 and 1"),
            ));
        }
        settings.lowest_efficiency = ratio;
    }
    for (name, kind) in &s.required_labels {
        let t = LabelType::parse(kind.get_ref()).ok_or_else(|| {
            error(
                kind.span(),
                format!(
                    "unknown label type {:?}: use text, url, semver, hash, rfc3339, spdx or email",
                    kind.get_ref()
                ),
            )
        })?;
        settings.required_labels.push((name.clone(), t));
    }
    if let Some(strict) = s.strict_labels {
        settings.strict_labels = strict;
    }
    Ok(Config {
        settings,
        fail_on,
        inline_ignores: raw.inline_ignores.unwrap_or(true),
        base,
        overrides,
        ..Config::default()
    })
}

// ---- .hadolint.yaml ----

mod hadolint {
    //! hadolint's configuration file, mapped onto seaworthy's: `ignored`, `override`,
    //! `trustedRegistries`, `label-schema`, `strict-labels`, `failure-threshold`, `no-fail`,
    //! `disable-ignore-pragma`. Its output options (`format`, `no-color`, `verbose`) are left
    //! to seaworthy's flags. Codes seaworthy has no rule for are accepted and match nothing.

    use std::path::Path;

    use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

    use super::{place_line_col, Config, ConfigError, FailOn, Key, Layer};
    use seaworthy_rules::{LabelType, Severity};

    type Node<'a> = MarkedYaml<'a>;

    pub(super) fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let at = |node: &Node<'_>| {
            let m = node.span.start;
            place_line_col(path, m.line(), m.col() + 1)
        };
        let error = |node: &Node<'_>, message: String| {
            ConfigError(format!("{}: error: {message}", at(node)))
        };
        let docs = MarkedYaml::load_from_str(text).map_err(|e| {
            let m = e.marker();
            ConfigError(format!(
                "{}: error: {}",
                place_line_col(path, m.line(), m.col() + 1),
                e.info()
            ))
        })?;
        let mut config = Config::default();
        let Some(root) = docs.first() else {
            return Ok(config);
        };
        let mapping = match &root.data {
            YamlData::Mapping(m) => m,
            YamlData::Value(Scalar::Null) => return Ok(config),
            _ => return Err(error(root, "expected a mapping of settings".to_owned())),
        };
        let mut layer = Layer::default();
        for (key, value) in mapping {
            let Some(name) = key.data.as_str() else {
                return Err(error(key, "expected a string key".to_owned()));
            };
            match name {
                "ignored" => {
                    for code in strings(value, &error)? {
                        layer.ignore.push(rule_key(&code));
                    }
                }
                "override" => {
                    let YamlData::Mapping(levels) = &value.data else {
                        if is_null(value) {
                            continue;
                        }
                        return Err(error(
                            value,
                            "expected error/warning/info/style lists".into(),
                        ));
                    };
                    for (level, codes) in levels {
                        let severity =
                            level
                                .data
                                .as_str()
                                .and_then(Severity::parse)
                                .ok_or_else(|| {
                                    error(level, "expected error, warning, info or style".into())
                                })?;
                        for code in strings(codes, &error)? {
                            layer.severity.push((rule_key(&code), severity));
                        }
                    }
                }
                "trustedRegistries" => {
                    config.settings.trusted_registries = strings(value, &error)?;
                }
                "label-schema" => {
                    let YamlData::Mapping(labels) = &value.data else {
                        if is_null(value) {
                            continue;
                        }
                        return Err(error(value, "expected label: type pairs".into()));
                    };
                    for (label, kind) in labels {
                        let (Some(label), Some(t)) = (
                            scalar_text(label),
                            kind.data.as_str().and_then(LabelType::parse),
                        ) else {
                            return Err(error(
                                kind,
                                "expected a label type: text, url, semver, hash, rfc3339, spdx \
                                 or email"
                                    .into(),
                            ));
                        };
                        config.settings.required_labels.push((label, t));
                    }
                }
                "strict-labels" => config.settings.strict_labels = boolean(value, &error)?,
                "disable-ignore-pragma" => config.inline_ignores = !boolean(value, &error)?,
                "no-fail" => {
                    if boolean(value, &error)? {
                        config.fail_on = Some(FailOn::Never);
                    }
                }
                "failure-threshold" => {
                    let threshold = value.data.as_str().and_then(|s| match s {
                        "ignore" | "none" => Some(FailOn::Never),
                        s => Severity::parse(s).map(FailOn::At),
                    });
                    let threshold = threshold.ok_or_else(|| {
                        error(value, "expected error, warning, info, style or none".into())
                    })?;
                    // `no-fail: true` wins whichever comes first.
                    if config.fail_on != Some(FailOn::Never) {
                        config.fail_on = Some(threshold);
                    }
                }
                // Output and hadolint's own options: seaworthy's flags decide these.
                "format" | "output-format" | "no-color" | "verbose" | "notrusted" => {}
                // hadolint may grow settings seaworthy does not know: say so, go on.
                other => config.warnings.push(format!(
                    "{}: warning: hadolint setting {other:?} is not used by seaworthy",
                    at(key)
                )),
            }
        }
        config.base = layer;
        Ok(config)
    }

    fn rule_key(code: &str) -> Key {
        // hadolint's files name hadolint's and ShellCheck's codes; none is a category here.
        Key::Rule(code.trim().to_owned())
    }

    fn is_null(node: &Node<'_>) -> bool {
        matches!(node.data, YamlData::Value(Scalar::Null))
    }

    fn scalar_text(node: &Node<'_>) -> Option<String> {
        match &node.data {
            YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
            YamlData::Value(Scalar::Integer(i)) => Some(i.to_string()),
            YamlData::Value(Scalar::FloatingPoint(f)) => Some(f.to_string()),
            YamlData::Value(Scalar::Boolean(b)) => Some(b.to_string()),
            _ => None,
        }
    }

    fn strings(
        node: &Node<'_>,
        error: &dyn Fn(&Node<'_>, String) -> ConfigError,
    ) -> Result<Vec<String>, ConfigError> {
        match &node.data {
            YamlData::Sequence(items) => items
                .iter()
                .map(|i| scalar_text(i).ok_or_else(|| error(i, "expected a string".into())))
                .collect(),
            YamlData::Value(Scalar::Null) => Ok(Vec::new()),
            _ => Err(error(node, "expected a list".into())),
        }
    }

    fn boolean(
        node: &Node<'_>,
        error: &dyn Fn(&Node<'_>, String) -> ConfigError,
    ) -> Result<bool, ConfigError> {
        node.data
            .as_bool()
            .ok_or_else(|| error(node, "expected true or false".into()))
    }
}

fn place_line_col(path: &Path, line: usize, column: usize) -> String {
    format!("{}:{line}:{column}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;
    use seaworthy_dockerfile::{BuildOptions, Dockerfile, Model};

    fn findings(src: &str) -> Vec<Finding> {
        let file = Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
        let model = Model::build(&file, &BuildOptions::default());
        seaworthy_rules::check_dockerfile(&file, &model, &Settings::default(), None)
    }

    /// `RUN sudo` (SW1408, hygiene, error) and `FROM ... as` casing and a missing USER.
    const SRC: &str = "FROM debian:12.7 as build\nRUN sudo make\n";

    fn ids(config: &Config, path: &str) -> Vec<(&'static str, Severity)> {
        let mut f = findings(SRC);
        config.filter(Path::new(path), &mut f);
        let mut out: Vec<_> = f.iter().map(|f| (f.rule.id, f.severity)).collect();
        out.sort();
        out.dedup();
        out
    }

    fn toml_config(text: &str) -> Config {
        let mut c = parse_toml(text, Path::new("/p/.seaworthy.toml")).unwrap();
        c.root = PathBuf::from("/p");
        c
    }

    #[test]
    fn select_and_ignore_by_id_name_alias_or_category() {
        let all = ids(&Config::default(), "/p/Dockerfile");
        assert!(all.iter().any(|(id, _)| *id == "SW1408"), "{all:?}");
        assert!(all.len() > 1, "{all:?}");
        for key in ["SW1408", "sudo-in-run", "DL3004", "dl3004"] {
            let c = toml_config(&format!("select = [{key:?}]"));
            assert_eq!(
                ids(&c, "/p/Dockerfile"),
                [("SW1408", Severity::Error)],
                "{key}"
            );
            let c = toml_config(&format!("ignore = [{key:?}]"));
            let got = ids(&c, "/p/Dockerfile");
            assert!(!got.iter().any(|(id, _)| *id == "SW1408"), "{key}");
            assert_eq!(got.len(), all.len() - 1);
        }
        let c = toml_config("select = [\"hygiene\"]");
        let got = ids(&c, "/p/Dockerfile");
        assert!(got.iter().all(|(id, _)| {
            seaworthy_rules::find_rule(id).unwrap().category == Category::Hygiene
        }));
        assert!(!got.is_empty());
        // The rule's own key beats its category, whichever list it is in.
        let c = toml_config("select = [\"sudo-in-run\"]\nignore = [\"hygiene\"]");
        assert_eq!(ids(&c, "/p/Dockerfile"), [("SW1408", Severity::Error)]);
        let c = toml_config("select = [\"hygiene\"]\nignore = [\"SW1408\"]");
        assert!(!ids(&c, "/p/Dockerfile")
            .iter()
            .any(|(id, _)| *id == "SW1408"));
    }

    #[test]
    fn severity_overrides_and_per_path_layers() {
        let c = toml_config(
            "[severity]\nDL3004 = \"style\"\nhygiene = \"info\"\n\
             [[overrides]]\npaths = [\"legacy/**\"]\nignore = [\"all\"]\nselect = [\"SW1408\"]\n\
             [overrides.severity]\nsudo-in-run = \"warning\"\n",
        );
        let got = ids(&c, "/p/Dockerfile");
        assert!(got.contains(&("SW1408", Severity::Style)), "{got:?}");
        assert_eq!(
            ids(&c, "/p/legacy/a/Dockerfile"),
            [("SW1408", Severity::Warning)]
        );
        // Relative paths are taken from the working directory; outside the root no override.
        assert!(ids(&c, "/elsewhere/legacy/Dockerfile").len() > 1);
    }

    #[test]
    fn override_paths_like_gitignore() {
        let c = toml_config(
            "[[overrides]]\npaths = [\"legacy\", \"*.dev.Dockerfile\"]\nselect = [\"SW1408\"]\n",
        );
        assert_eq!(ids(&c, "/p/legacy/x/Dockerfile").len(), 1);
        assert_eq!(ids(&c, "/p/svc/api.dev.Dockerfile").len(), 1);
        assert!(ids(&c, "/p/legacyx/Dockerfile").len() > 1);
    }

    #[test]
    fn the_command_line_comes_last() {
        let mut c = toml_config("ignore = [\"SW1408\"]");
        c.set_cli_selection(&["DL3004".into()], &[]).unwrap();
        assert_eq!(ids(&c, "/p/Dockerfile"), [("SW1408", Severity::Error)]);
        let mut c = toml_config("select = [\"SW1408\"]");
        c.set_cli_selection(&[], &["sudo-in-run".into()]).unwrap();
        assert!(ids(&c, "/p/Dockerfile").is_empty());
        let err = Config::default()
            .set_cli_selection(&["DL9999".into()], &[])
            .unwrap_err();
        assert!(
            err.0.contains("--select: no rule or category \"DL9999\""),
            "{err}"
        );
    }

    #[test]
    fn settings_map_onto_the_rules_settings() {
        let c = toml_config(
            "fail-on = \"none\"\ninline-ignores = false\n[settings]\n\
             trusted-registries = [\"registry.example.com\"]\nbase-pin = \"digest\"\n\
             pin-packages = false\nstrict-labels = true\nlowest-efficiency = 0.75\n\
             required-labels = { \"org.opencontainers.image.source\" = \"url\" }\n",
        );
        assert_eq!(c.settings.lowest_efficiency, 0.75);
        assert_eq!(c.fail_on, Some(FailOn::Never));
        assert!(!c.inline_ignores);
        assert_eq!(c.settings.trusted_registries, ["registry.example.com"]);
        assert_eq!(c.settings.base_pin, PinLevel::Digest);
        assert!(!c.settings.pin_packages);
        assert!(c.settings.strict_labels);
        assert_eq!(
            c.settings.required_labels,
            [("org.opencontainers.image.source".to_owned(), LabelType::Url)]
        );
    }

    #[test]
    fn errors_name_the_file_line_and_column() {
        let err = |text: &str| parse_toml(text, Path::new("c.toml")).unwrap_err().0;
        let e = err("select = [\"SW1408\"]\n\nbogus = 1\n");
        assert!(
            e.starts_with("c.toml:3:1: error: unknown field `bogus`"),
            "{e}"
        );
        let e = err("[settings]\nlowest-efficiency = 1.5\n");
        assert!(
            e.starts_with("c.toml:2:21: error: lowest-efficiency 1.5 is not a ratio"),
            "{e}"
        );
        let e = err("[settings]\nbase-pin = \"exact\"\n");
        assert!(e.starts_with("c.toml:2:12: error: unknown base-pin"), "{e}");
        let e = err("ignore = [\"SW1408\", \"no-such-rule\"]\n");
        assert!(
            e.starts_with("c.toml:1:21: error: no rule or category"),
            "{e}"
        );
        let e = err("[severity]\nSW1408 = \"loud\"\n");
        assert!(e.starts_with("c.toml:2:10: error: unknown severity"), "{e}");
        let e = err("select = [\n");
        assert!(e.starts_with("c.toml:"), "{e}");
    }

    #[test]
    fn hadolint_yaml_maps_onto_the_same_layers() {
        let yaml = "ignored:\n  - DL3004\n  - DL9999\noverride:\n  warning:\n    - DL3006\n\
                    trustedRegistries:\n  - docker.io\nlabel-schema:\n  owner: email\n\
                    strict-labels: true\nfailure-threshold: error\ndisable-ignore-pragma: true\n\
                    format: json\n";
        let c = hadolint::parse(yaml, Path::new(".hadolint.yaml")).unwrap();
        assert!(!ids(&c, "Dockerfile").iter().any(|(id, _)| *id == "SW1408"));
        assert_eq!(c.fail_on, Some(FailOn::At(Severity::Error)));
        assert!(!c.inline_ignores);
        assert_eq!(c.settings.trusted_registries, ["docker.io"]);
        assert_eq!(
            c.settings.required_labels,
            [("owner".to_owned(), LabelType::Email)]
        );
        assert!(c.settings.strict_labels);
        let c = hadolint::parse("ignored: [DL3004]\nbogus: 1\n", Path::new("h.yaml")).unwrap();
        assert_eq!(
            c.warnings,
            ["h.yaml:2:1: warning: hadolint setting \"bogus\" is not used by seaworthy"]
        );
        let e = hadolint::parse("ignored: DL3004\n", Path::new("h.yaml"))
            .unwrap_err()
            .0;
        assert!(e.starts_with("h.yaml:1:10: error: expected a list"), "{e}");
        let e = hadolint::parse("ignored: [DL3004\n", Path::new("h.yaml"))
            .unwrap_err()
            .0;
        assert!(e.starts_with("h.yaml:"), "{e}");
    }

    #[test]
    fn fail_on_parses_none() {
        assert_eq!(FailOn::parse("never"), Some(FailOn::Never));
        assert_eq!(
            FailOn::parse("Warning"),
            Some(FailOn::At(Severity::Warning))
        );
        assert!(FailOn::At(Severity::Warning).fails(Severity::Error));
        assert!(!FailOn::At(Severity::Warning).fails(Severity::Info));
        assert!(!FailOn::Never.fails(Severity::Error));
        assert_eq!(FailOn::parse("loud"), None);
    }
}
