//! Loading a project as `docker compose config` does: the `.env` file, interpolation of every
//! string scalar, the merge of several files and documents (`!reset`, `!override`, per-key
//! rules for sequences), profiles, and the normalisation of short syntax to the model.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::dotenv;
use crate::interpolate::{self, Lookup};
use crate::model::*;
use crate::validate::{self, Check};
use crate::yaml::{self, LineIndex, Node, Position, Span, Value};

/// What to load.
#[derive(Debug, Clone)]
pub struct Options {
    /// Compose files in order; empty: discover them in `working_dir`.
    pub files: Vec<PathBuf>,
    /// `--env-file`s; empty: `.env` in the project directory when it exists.
    pub env_files: Vec<PathBuf>,
    pub profiles: Vec<String>,
    /// The process environment.
    pub environment: HashMap<String, String>,
    /// Where relative `files` and discovery start (the current directory for the CLI).
    pub working_dir: PathBuf,
    /// docker compose's consistency checks (its default; `--no-consistency` turns them off):
    /// undeclared volumes, networks, secrets and configs, unknown dependencies, services with
    /// neither image nor build ([`crate::consistency`]).
    pub consistency: bool,
    /// Texts to read instead of the files' contents on disk, by absolute path: `seaworthy
    /// fix` loads its edited Compose files this way before it writes them.
    pub texts: HashMap<PathBuf, String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            files: Vec::new(),
            env_files: Vec::new(),
            profiles: Vec::new(),
            environment: HashMap::new(),
            working_dir: PathBuf::new(),
            consistency: true,
            texts: HashMap::new(),
        }
    }
}

/// A loading error, at a position in a file when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub path: PathBuf,
    pub position: Option<Position>,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(p) => write!(
                f,
                "{}:{}:{}: error: {}",
                self.path.display(),
                p.line,
                p.column,
                self.message
            ),
            None => write!(f, "{}: error: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for LoadError {}

const COMPOSE_NAMES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// The Compose file of `dir` and the override file beside it, as `docker compose` finds them
/// without `-f` (the first of compose.yaml, compose.yml, docker-compose.yaml,
/// docker-compose.yml, then `<stem>.override.yaml|yml`).
pub fn discover(dir: &Path) -> Vec<PathBuf> {
    let Some(main) = COMPOSE_NAMES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
    else {
        return Vec::new();
    };
    let mut out = vec![main.clone()];
    let name = main.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    for ext in ["yaml", "yml"] {
        let p = dir.join(format!("{stem}.override.{ext}"));
        if p.is_file() {
            out.push(p);
            break;
        }
    }
    out
}

struct Env {
    vars: HashMap<String, String>,
}

impl Lookup for Env {
    fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }
}

struct Loader {
    files: Vec<SourceFile>,
    env: Env,
    unset: Vec<Spanned<String>>,
    dir: PathBuf,
    texts: HashMap<PathBuf, String>,
}

/// Loads and resolves a project.
pub fn load(options: &Options) -> Result<Project, LoadError> {
    let mut paths: Vec<PathBuf> = options
        .files
        .iter()
        .map(|f| absolute(&options.working_dir, f))
        .collect();
    if paths.is_empty() {
        if let Some(list) = options.environment.get("COMPOSE_FILE") {
            let sep = options
                .environment
                .get("COMPOSE_PATH_SEPARATOR")
                .map_or(":", String::as_str);
            paths = list
                .split(sep)
                .filter(|s| !s.is_empty())
                .map(|f| absolute(&options.working_dir, Path::new(f)))
                .collect();
        }
    }
    if paths.is_empty() {
        paths = discover(&options.working_dir);
    }
    if paths.is_empty() {
        return Err(LoadError {
            path: options.working_dir.clone(),
            position: None,
            message: "no configuration file provided: not found".into(),
        });
    }
    let dir = paths[0]
        .parent()
        .map_or_else(|| options.working_dir.clone(), Path::to_path_buf);

    // The environment: env files, then the process environment wins.
    let mut vars: HashMap<String, String> = HashMap::new();
    let env_files: Vec<(PathBuf, bool)> = if options.env_files.is_empty() {
        vec![(dir.join(".env"), false)]
    } else {
        options
            .env_files
            .iter()
            .map(|f| (absolute(&options.working_dir, f), true))
            .collect()
    };
    for (path, required) in env_files {
        if !path.is_file() {
            if required {
                return Err(LoadError {
                    path,
                    position: None,
                    message: "couldn't find env file".into(),
                });
            }
            continue;
        }
        let text = read(&path)?;
        let process = &options.environment;
        let earlier = vars.clone();
        let lookup = |k: &str| process.get(k).or_else(|| earlier.get(k)).cloned();
        let entries = dotenv::parse(&text, &lookup).map_err(|e| LoadError {
            position: Some(LineIndex::new(&text).position(&text, e.span.start)),
            path: path.clone(),
            message: e.message.clone(),
        })?;
        for e in entries {
            vars.insert(e.key, e.value);
        }
    }
    for (k, v) in &options.environment {
        vars.insert(k.clone(), v.clone());
    }

    let mut loader = Loader {
        files: Vec::new(),
        env: Env { vars },
        unset: Vec::new(),
        dir: dir.clone(),
        texts: options.texts.clone(),
    };
    let mut merged: Option<Tree> = None;
    for (i, path) in paths.iter().enumerate() {
        let check = if i == 0 { Check::Full } else { Check::Override };
        for doc in loader.read_file(path, check)? {
            let file_dir = path.parent().unwrap_or(&dir).to_path_buf();
            let doc = loader.include(doc, &file_dir, &mut vec![path.clone()])?;
            merged = Some(match merged {
                None => doc,
                Some(base) => merge(base, doc, &mut Vec::new()),
            });
        }
    }
    let root = merged.unwrap_or(Tree {
        origin: Origin::default(),
        tag: None,
        value: TreeValue::Map(Vec::new()),
    });
    let root = strip_resets(loader.apply_extends(root, &dir)?);
    loader.resolve(root, options)
}

fn absolute(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

fn read(path: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|e| LoadError {
        path: path.to_path_buf(),
        position: None,
        message: e.to_string(),
    })
}

impl Loader {
    /// The documents of a file, interpolated and checked against the Compose schema.
    fn read_file(&mut self, path: &Path, mut check: Check) -> Result<Vec<Tree>, LoadError> {
        let text = match self.texts.get(path) {
            Some(text) => text.clone(),
            None => read(path)?,
        };
        let lines = LineIndex::new(&text);
        let docs = yaml::parse_documents(&text).map_err(|e| LoadError {
            path: path.to_path_buf(),
            position: Some(lines.position(&text, e.span.start)),
            message: e.message.clone(),
        })?;
        let file = self.files.len();
        self.files.push(SourceFile {
            path: path.to_path_buf(),
            text,
            lines,
        });
        let mut out = Vec::new();
        for doc in docs {
            if doc.root.is_null() && doc.root.span.is_empty() {
                continue;
            }
            validate::keys(&doc.root)
                .map_err(|(span, message)| self.error_at(Origin { file, span }, message))?;
            let tree = self.convert(&doc.root, file, &mut Vec::new())?;
            if !matches!(tree.value, TreeValue::Map(_)) {
                return Err(self.error_at(
                    Origin {
                        file,
                        span: doc.root.span,
                    },
                    "Top-level object must be a mapping".into(),
                ));
            }
            validate::document(&tree, check).map_err(|v| self.error_at(v.origin, v.message))?;
            check = check.next_document();
            out.push(normalise_lists(tree, &mut Vec::new()));
        }
        Ok(out)
    }

    fn error_at(&self, origin: Origin, message: String) -> LoadError {
        let f = &self.files[origin.file];
        LoadError {
            path: f.path.clone(),
            position: Some(f.position(origin.span.start)),
            message,
        }
    }

    /// The YAML tree with every string value interpolated (keys are not).
    fn convert(
        &mut self,
        node: &Node,
        file: usize,
        path: &mut Vec<String>,
    ) -> Result<Tree, LoadError> {
        let origin = Origin {
            file,
            span: node.span,
        };
        let value = match &node.value {
            Value::Null => TreeValue::Null,
            Value::Bool(b) => TreeValue::Bool(*b),
            Value::Int(i) => TreeValue::Int(*i),
            Value::Float(f) => TreeValue::Float(*f),
            Value::String(s) => match interpolate::interpolate(s, &self.env) {
                Ok(r) => {
                    for name in r.unset {
                        self.unset.push(Spanned::new(name, origin));
                    }
                    TreeValue::String(r.value)
                }
                Err(e) => {
                    // Offsets are into the value; they match the source for plain scalars and,
                    // past the opening quote, for quoted scalars without escapes.
                    let at = match node.style {
                        yaml::Style::Plain => node.span.start + e.offset,
                        yaml::Style::SingleQuoted | yaml::Style::DoubleQuoted => {
                            node.span.start + 1 + e.offset
                        }
                        _ => node.span.start,
                    };
                    let at = if at < node.span.end {
                        at
                    } else {
                        node.span.start
                    };
                    let at = Origin {
                        file,
                        span: Span::new(at, at),
                    };
                    let what = if path.is_empty() {
                        String::new()
                    } else {
                        format!(" {}", path.join("."))
                    };
                    return Err(self.error_at(
                        at,
                        format!("error while interpolating{what}: {}", e.message),
                    ));
                }
            },
            Value::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    path.push("[]".into());
                    let t = self.convert(item, file, path);
                    path.pop();
                    out.push(t?);
                }
                TreeValue::Seq(out)
            }
            Value::Map(entries) => {
                let mut out = Vec::with_capacity(entries.len());
                for (k, v) in entries {
                    let key = match &k.value {
                        Value::String(s) => s.clone(),
                        Value::Int(i) => i.to_string(),
                        Value::Bool(b) => b.to_string(),
                        Value::Float(f) => format_float(*f),
                        Value::Null => "null".into(),
                        _ => {
                            return Err(self.error_at(
                                Origin { file, span: k.span },
                                "mapping key must be a scalar".into(),
                            ))
                        }
                    };
                    path.push(key.clone());
                    let t = self.convert(v, file, path);
                    path.pop();
                    out.push((Spanned::new(key, Origin { file, span: k.span }), t?));
                }
                TreeValue::Map(out)
            }
        };
        Ok(Tree {
            origin,
            tag: node.tag.clone(),
            value,
        })
    }
}

impl Loader {
    /// Replaces every service that `extends` another by the merge of that service (resolved
    /// first, from this file or from `file:`) and its own definition.
    fn apply_extends(&mut self, mut root: Tree, dir: &Path) -> Result<Tree, LoadError> {
        let Some(services) = root.get("services").cloned() else {
            return Ok(root);
        };
        let names: Vec<String> = services
            .as_map()
            .unwrap_or(&[])
            .iter()
            .map(|(k, _)| k.value.clone())
            .collect();
        let mut resolved = services.clone();
        for name in names {
            let t = self.extended(&services, &name, dir, &mut Vec::new())?;
            if let TreeValue::Map(entries) = &mut resolved.value {
                if let Some(e) = entries.iter_mut().find(|(k, _)| k.value == name) {
                    e.1 = t;
                }
            }
        }
        if let TreeValue::Map(entries) = &mut root.value {
            if let Some(e) = entries.iter_mut().find(|(k, _)| k.value == "services") {
                e.1 = resolved;
            }
        }
        Ok(root)
    }

    /// Service `name` of `services` (a file's `services:` read from `dir`) with its `extends`
    /// chain applied.
    fn extended(
        &mut self,
        services: &Tree,
        name: &str,
        dir: &Path,
        seen: &mut Vec<(PathBuf, String)>,
    ) -> Result<Tree, LoadError> {
        let Some(service) = services.get(name) else {
            return Err(self.error_at(
                services.origin,
                format!("cannot extend service {name:?}: not found"),
            ));
        };
        let Some(ext) = service.get("extends") else {
            return Ok(service.clone());
        };
        let key = (dir.to_path_buf(), name.to_string());
        if seen.contains(&key) {
            return Err(self.error_at(
                ext.origin,
                format!("circular reference with extends in service {name:?}"),
            ));
        }
        seen.push(key);
        let (base_name, file) = match ext.scalar_text() {
            Some(s) => (Some(s), None),
            None => (
                ext.get("service").and_then(Tree::scalar_text),
                ext.get("file").and_then(Tree::spanned_text),
            ),
        };
        let Some(base_name) = base_name else {
            return Err(self.error_at(ext.origin, "extends requires a service".into()));
        };
        let base = match file {
            None => self.extended(services, &base_name, dir, seen)?,
            Some(f) => {
                let path = absolute(dir, Path::new(&f.value));
                if !path.is_file() {
                    return Err(self.error_at(
                        f.origin,
                        format!("cannot read extended file {}", path.display()),
                    ));
                }
                let mut merged: Option<Tree> = None;
                for doc in self.read_file(&path, Check::Service(&base_name))? {
                    merged = Some(match merged {
                        None => doc,
                        Some(b) => merge(b, doc, &mut Vec::new()),
                    });
                }
                let other = merged.and_then(|m| m.get("services").cloned());
                let Some(other) = other else {
                    return Err(self.error_at(
                        f.origin,
                        format!(
                            "cannot extend service {base_name:?}: no services in {}",
                            f.value
                        ),
                    ));
                };
                let other_dir = path
                    .parent()
                    .map_or_else(|| dir.to_path_buf(), Path::to_path_buf);
                let base = self.extended(&other, &base_name, &other_dir, seen)?;
                rebase(base, &other_dir)
            }
        };
        seen.pop();
        let mut own = service.clone();
        if let TreeValue::Map(entries) = &mut own.value {
            entries.retain(|(k, _)| k.value != "extends");
        }
        let mut path = vec!["services".to_string(), name.to_string()];
        Ok(merge(base, own, &mut path))
    }
}

impl Loader {
    /// Adds the services, networks, volumes and secrets of the files a document's `include:`
    /// names (each resolved in its own directory) to the document; a name defined in both is
    /// an error.
    fn include(
        &mut self,
        mut doc: Tree,
        dir: &Path,
        stack: &mut Vec<PathBuf>,
    ) -> Result<Tree, LoadError> {
        let Some(list) = doc.get("include").cloned() else {
            return Ok(doc);
        };
        if let TreeValue::Map(entries) = &mut doc.value {
            entries.retain(|(k, _)| k.value != "include");
        }
        let items: Vec<Tree> = match list.value {
            TreeValue::Seq(items) => items,
            _ => vec![list],
        };
        for item in items {
            let paths: Vec<Spanned<String>> = match item.get("path") {
                Some(p) => match &p.value {
                    TreeValue::Seq(ps) => ps.iter().filter_map(Tree::spanned_text).collect(),
                    _ => p.spanned_text().into_iter().collect(),
                },
                None => item.spanned_text().into_iter().collect(),
            };
            let mut included: Option<Tree> = None;
            let mut inc_dir = dir.to_path_buf();
            for (i, p) in paths.iter().enumerate() {
                let path = absolute(dir, Path::new(&p.value));
                if !path.is_file() {
                    return Err(self.error_at(
                        p.origin,
                        format!("included file {} not found", path.display()),
                    ));
                }
                if stack.contains(&path) {
                    return Err(
                        self.error_at(p.origin, format!("include cycle: {}", path.display()))
                    );
                }
                if i == 0 {
                    inc_dir = path.parent().unwrap_or(dir).to_path_buf();
                }
                stack.push(path.clone());
                let check = if i == 0 { Check::Full } else { Check::Override };
                for d in self.read_file(&path, check)? {
                    let d = self.include(d, &inc_dir, stack)?;
                    included = Some(match included {
                        None => d,
                        Some(b) => merge(b, d, &mut Vec::new()),
                    });
                }
                stack.pop();
            }
            let Some(inc) = included else { continue };
            let inc = strip_resets(self.apply_extends(inc, &inc_dir)?);
            for section in ["services", "networks", "volumes", "secrets", "configs"] {
                let Some(entries) = inc.get(section).and_then(Tree::as_map) else {
                    continue;
                };
                for (k, v) in entries {
                    let v = match section {
                        "services" => rebase(v.clone(), &inc_dir),
                        _ => rebase_file(v.clone(), &inc_dir),
                    };
                    let TreeValue::Map(top) = &mut doc.value else {
                        continue;
                    };
                    if !top.iter().any(|(tk, _)| tk.value == section) {
                        top.push((
                            Spanned::new(section.to_string(), k.origin),
                            Tree {
                                origin: k.origin,
                                tag: None,
                                value: TreeValue::Map(Vec::new()),
                            },
                        ));
                    }
                    let Some((_, target)) = top.iter_mut().find(|(tk, _)| tk.value == section)
                    else {
                        continue;
                    };
                    if target.is_null() {
                        target.value = TreeValue::Map(Vec::new());
                    }
                    let TreeValue::Map(target) = &mut target.value else {
                        continue;
                    };
                    if let Some((existing, old)) = target.iter().find(|(tk, _)| tk.value == k.value)
                    {
                        if !same(old, &v) {
                            let at = existing.origin;
                            return Err(self.error_at(
                                at,
                                format!("{section}.{} conflicts with imported resource", k.value),
                            ));
                        }
                        continue;
                    }
                    target.push((k.clone(), v));
                }
            }
        }
        Ok(doc)
    }
}

/// A top-level secret's or config's relative `file:` made absolute.
fn rebase_file(mut t: Tree, dir: &Path) -> Tree {
    if let TreeValue::Map(m) = &mut t.value {
        if let Some(e) = m.iter_mut().find(|(k, _)| k.value == "file") {
            if let TreeValue::String(s) = &mut e.1.value {
                if !s.starts_with('/') && !s.starts_with('~') {
                    *s = clean(&dir.join(&*s));
                }
            }
        }
    }
    t
}

/// Makes the relative host paths of a service read from another directory absolute: build
/// context, env_file, bind-mount sources.
fn rebase(mut service: Tree, dir: &Path) -> Tree {
    let fix = |t: &mut Tree| {
        if let TreeValue::String(s) = &mut t.value {
            if s.starts_with('.')
                || (!s.starts_with('/') && !s.starts_with('~') && !s.contains("://"))
            {
                *s = clean(&dir.join(&*s));
            }
        }
    };
    let TreeValue::Map(entries) = &mut service.value else {
        return service;
    };
    for (k, v) in entries.iter_mut() {
        match k.value.as_str() {
            "build" => match &mut v.value {
                TreeValue::String(_) => fix(v),
                TreeValue::Map(m) => {
                    if let Some(e) = m.iter_mut().find(|(k, _)| k.value == "context") {
                        fix(&mut e.1);
                    }
                }
                _ => {}
            },
            "env_file" => match &mut v.value {
                TreeValue::String(_) => fix(v),
                TreeValue::Seq(items) => {
                    for item in items {
                        match &mut item.value {
                            TreeValue::String(_) => fix(item),
                            TreeValue::Map(m) => {
                                if let Some(e) = m.iter_mut().find(|(k, _)| k.value == "path") {
                                    fix(&mut e.1);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            },
            "volumes" => {
                if let TreeValue::Seq(items) = &mut v.value {
                    for item in items {
                        match &mut item.value {
                            TreeValue::String(spec) if spec.starts_with('.') => {
                                *spec = clean(&dir.join(&*spec));
                            }
                            TreeValue::Map(m) => {
                                let bind = m
                                    .iter()
                                    .any(|(k, v)| k.value == "type" && v.as_str() == Some("bind"));
                                if bind {
                                    if let Some(e) = m.iter_mut().find(|(k, _)| k.value == "source")
                                    {
                                        if e.1.as_str().is_some_and(|s| s.starts_with('.')) {
                                            fix(&mut e.1);
                                        }
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
    }
    service
}

/// Sequences that compose-go merges as mappings are turned into mappings first: environment,
/// labels, annotations, extra_hosts, sysctls, build args and labels, deploy labels, networks and
/// depends_on of a service.
fn normalise_lists(tree: Tree, path: &mut Vec<String>) -> Tree {
    let Tree { origin, tag, value } = tree;
    let value = match value {
        TreeValue::Map(entries) => TreeValue::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    path.push(k.value.clone());
                    let v = normalise_lists(v, path);
                    path.pop();
                    (k, v)
                })
                .collect(),
        ),
        TreeValue::Seq(items) if list_as_map(path).is_some() => {
            let sep = list_as_map(path).unwrap_or('=');
            TreeValue::Map(
                items
                    .into_iter()
                    .map(|item| {
                        let text = item.scalar_text().unwrap_or_default();
                        let (k, v) = match sep {
                            ' ' => (text.as_str(), None),
                            _ => split_entry(&text, sep),
                        };
                        let key = Spanned::new(k.to_string(), item.origin);
                        let value = Tree {
                            origin: item.origin,
                            tag: None,
                            value: v.map_or(TreeValue::Null, |v| TreeValue::String(v.into())),
                        };
                        (key, value)
                    })
                    .collect(),
            )
        }
        other => other,
    };
    Tree { origin, tag, value }
}

fn split_entry(text: &str, sep: char) -> (&str, Option<&str>) {
    if sep == ':' {
        // extra_hosts: `host=ip` or `host:ip` (the ip may hold colons).
        if let Some((k, v)) = text.split_once('=') {
            return (k, Some(v));
        }
        return match text.split_once(':') {
            Some((k, v)) => (k, Some(v)),
            None => (text, None),
        };
    }
    match text.split_once(sep) {
        Some((k, v)) => (k, Some(v)),
        None => (text, None),
    }
}

/// For a service-level list merged as a mapping: the separator of its entries (`' '` for plain
/// names).
fn list_as_map(path: &[String]) -> Option<char> {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    match p.as_slice() {
        ["services", _, "environment" | "labels" | "annotations" | "sysctls"] => Some('='),
        ["services", _, "build", "args" | "labels"] => Some('='),
        ["services", _, "deploy", "labels"] => Some('='),
        ["services", _, "extra_hosts"] => Some(':'),
        ["services", _, "networks" | "depends_on"] => Some(' '),
        _ => None,
    }
}

/// Merges `over` into `base` with the specification's rules.
fn merge(base: Tree, over: Tree, path: &mut Vec<String>) -> Tree {
    if over.tag.as_deref() == Some("!override") || over.tag.as_deref() == Some("!reset") {
        return over;
    }
    match (base.value, over.value) {
        (TreeValue::Map(mut b), TreeValue::Map(o)) => {
            for (k, v) in o {
                match b.iter().position(|(bk, _)| bk.value == k.value) {
                    Some(i) => {
                        if v.tag.as_deref() == Some("!reset") {
                            b.remove(i);
                            continue;
                        }
                        let (_, old) = b.remove(i);
                        path.push(k.value.clone());
                        let merged = merge(old, v, path);
                        path.pop();
                        b.insert(i, (k, merged));
                    }
                    None => b.push((k, v)),
                }
            }
            Tree {
                origin: over.origin,
                tag: None,
                value: TreeValue::Map(b),
            }
        }
        (TreeValue::Seq(mut b), TreeValue::Seq(o)) => {
            let p: Vec<&str> = path.iter().map(String::as_str).collect();
            let value = match p.as_slice() {
                ["services", _, "command" | "entrypoint"]
                | ["services", _, "healthcheck", "test"] => TreeValue::Seq(o),
                ["services", _, kind @ ("volumes" | "secrets" | "configs")] => {
                    let key = |t: &Tree| seq_key(kind, t);
                    for item in o {
                        let k = key(&item);
                        match b.iter().position(|x| k.is_some() && key(x) == k) {
                            Some(i) => b[i] = item,
                            None => b.push(item),
                        }
                    }
                    TreeValue::Seq(b)
                }
                _ => {
                    for item in o {
                        if !b.iter().any(|x| same(x, &item)) {
                            b.push(item);
                        }
                    }
                    TreeValue::Seq(b)
                }
            };
            Tree {
                origin: over.origin,
                tag: None,
                value,
            }
        }
        (_, value) => Tree {
            origin: over.origin,
            tag: over.tag,
            value,
        },
    }
}

/// Equal values, ignoring where they are written.
fn same(a: &Tree, b: &Tree) -> bool {
    match (&a.value, &b.value) {
        (TreeValue::Seq(x), TreeValue::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (TreeValue::Map(x), TreeValue::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(a, b)| a.0.value == b.0.value && same(&a.1, &b.1))
        }
        (x, y) => match (a.scalar_text(), b.scalar_text()) {
            (Some(s), Some(t)) => s == t,
            _ => x == y,
        },
    }
}

/// The identity of a volume, secret or config entry when merging: its target.
fn seq_key(kind: &str, t: &Tree) -> Option<String> {
    if let Some(s) = t.scalar_text() {
        return Some(match kind {
            "volumes" => {
                let parts = split_volume(&s);
                parts.get(1).unwrap_or(&parts[0]).to_string()
            }
            _ => format!("/run/secrets/{s}"),
        });
    }
    if let Some(target) = t.get("target").and_then(Tree::scalar_text) {
        return Some(target);
    }
    t.get("source")
        .and_then(Tree::scalar_text)
        .map(|s| format!("/run/secrets/{s}"))
}

/// Drops entries tagged `!reset` left after merging (or written in a single file) and the
/// `!override` tags.
fn strip_resets(tree: Tree) -> Tree {
    let Tree { origin, tag, value } = tree;
    let value = match value {
        TreeValue::Map(entries) => TreeValue::Map(
            entries
                .into_iter()
                .filter(|(_, v)| v.tag.as_deref() != Some("!reset"))
                .map(|(k, v)| (k, strip_resets(v)))
                .collect(),
        ),
        TreeValue::Seq(items) => TreeValue::Seq(
            items
                .into_iter()
                .filter(|v| v.tag.as_deref() != Some("!reset"))
                .map(strip_resets)
                .collect(),
        ),
        other => other,
    };
    let tag = tag.filter(|t| t != "!override" && t != "!reset");
    Tree { origin, tag, value }
}

/// Splits a short volume spec on `:`, keeping Windows drive letters (`C:\x`) together.
fn split_volume(spec: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let bytes = spec.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b':' {
            let is_drive = i == start + 1
                && bytes[start].is_ascii_alphabetic()
                && matches!(bytes.get(i + 1), Some(b'\\' | b'/'));
            if !is_drive {
                parts.push(&spec[start..i]);
                start = i + 1;
            }
        }
        i += 1;
    }
    parts.push(&spec[start..]);
    parts
}

fn project_name_normalise(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect::<String>()
        .trim_start_matches(['_', '-'])
        .to_string()
}

impl Loader {
    fn resolve(mut self, root: Tree, options: &Options) -> Result<Project, LoadError> {
        let name = self
            .env
            .vars
            .get("COMPOSE_PROJECT_NAME")
            .filter(|s| !s.is_empty())
            .cloned()
            .or_else(|| root.get("name").and_then(Tree::scalar_text))
            .unwrap_or_else(|| {
                self.dir
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
        let name = project_name_normalise(&name);

        let mut profiles: Vec<String> = options.profiles.clone();
        if profiles.is_empty() {
            if let Some(p) = self.env.vars.get("COMPOSE_PROFILES") {
                profiles = p
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect();
            }
        }

        crate::consistency::decoded(&root).map_err(|p| self.error_at(p.origin, p.message))?;
        let mut services = BTreeMap::new();
        let mut disabled = Vec::new();
        let all_services: Vec<String> = root
            .get("services")
            .and_then(Tree::as_map)
            .map(|m| m.iter().map(|(k, _)| k.value.clone()).collect())
            .unwrap_or_default();
        if let Some(entries) = root.get("services").and_then(Tree::as_map) {
            for (k, v) in entries {
                if v.as_map().is_none() && !v.is_null() {
                    return Err(
                        self.error_at(v.origin, format!("services.{} must be a mapping", k.value))
                    );
                }
                let mut service = self.service(&k.value, v, &name)?;
                service.name_origin = k.origin;
                let active = service.profiles.is_empty()
                    || service
                        .profiles
                        .iter()
                        .any(|p| profiles.iter().any(|a| a == "*" || *a == p.value));
                if active {
                    services.insert(k.value.clone(), service);
                } else {
                    disabled.push(k.value.clone());
                }
            }
        }
        if options.consistency {
            crate::consistency::consistent(&root, &services, &all_services)
                .map_err(|p| self.error_at(p.origin, p.message))?;
        }
        // Dependencies on services that are not active are dropped.
        for service in services.values_mut() {
            let mut deps = std::mem::take(&mut service.depends_on);
            deps.retain(|d| !disabled.contains(&d.value) && all_services.contains(&d.value));
            service.depends_on = deps;
        }
        let networks = self.resources(&root, "networks", &name);
        let volumes = self.resources(&root, "volumes", &name);
        let secrets = self.resources(&root, "secrets", &name);
        let git_files = crate::gitfacts::collect(&root, &services, |p| self.host_path(p));
        Ok(Project {
            name,
            directory: self.dir,
            files: std::mem::take(&mut self.files),
            services,
            disabled_services: disabled,
            networks,
            volumes,
            secrets,
            unset_variables: self.unset,
            git_files,
        })
    }

    fn resources(&self, root: &Tree, key: &str, project: &str) -> BTreeMap<String, Resource> {
        let mut out = BTreeMap::new();
        for (k, v) in root.get(key).and_then(Tree::as_map).unwrap_or(&[]) {
            let external = v
                .get("external")
                .is_some_and(|e| truthy(e).unwrap_or(false));
            let explicit = v.get("name").and_then(Tree::scalar_text);
            let resolved_name = match explicit {
                Some(n) => n,
                None if external => k.value.clone(),
                None => format!("{project}_{}", k.value),
            };
            out.insert(
                k.value.clone(),
                Resource {
                    name: k.value.clone(),
                    resolved_name,
                    external,
                    raw: v.clone(),
                },
            );
        }
        out
    }

    fn host_path(&self, p: &str) -> String {
        if let Some(rest) = p.strip_prefix('~') {
            if rest.is_empty() || rest.starts_with('/') {
                let home = self.env.vars.get("HOME").cloned().unwrap_or_default();
                return format!("{home}{rest}");
            }
        }
        let path = Path::new(p);
        if is_windows_path(p) {
            return p.to_string();
        }
        if path.is_absolute() {
            return clean(path);
        }
        clean(&self.dir.join(path))
    }

    fn service(&self, name: &str, t: &Tree, project: &str) -> Result<Service, LoadError> {
        let text = |k: &str| t.get(k).and_then(Tree::spanned_text);
        let strings = |k: &str| -> Vec<Spanned<String>> {
            match t.get(k) {
                Some(v) => match &v.value {
                    TreeValue::Seq(items) => items.iter().filter_map(Tree::spanned_text).collect(),
                    _ => v.spanned_text().into_iter().collect(),
                },
                None => Vec::new(),
            }
        };
        let boolean =
            |k: &str| -> Result<Option<Spanned<bool>>, LoadError> {
                match t.get(k) {
                    None => Ok(None),
                    Some(v) if v.is_null() => Ok(None),
                    Some(v) => match truthy(v) {
                        Some(b) => Ok(Some(Spanned::new(b, v.origin))),
                        None => Err(self
                            .error_at(v.origin, format!("services.{name}.{k} must be a boolean"))),
                    },
                }
            };

        // environment: env_file first, then `environment:` wins.
        let mut environment = BTreeMap::new();
        if let Some(ef) = t.get("env_file") {
            let items: Vec<&Tree> = match &ef.value {
                TreeValue::Seq(items) => items.iter().collect(),
                _ => vec![ef],
            };
            for item in items {
                let (path, required) = match item.get("path") {
                    Some(p) => (
                        p.scalar_text().unwrap_or_default(),
                        item.get("required").and_then(truthy).unwrap_or(true),
                    ),
                    None => (item.scalar_text().unwrap_or_default(), true),
                };
                let full = PathBuf::from(self.host_path(&path));
                let Ok(src) = std::fs::read_to_string(&full) else {
                    if required {
                        return Err(self.error_at(
                            item.origin,
                            format!("env file {} not found", full.display()),
                        ));
                    }
                    continue;
                };
                let vars = &self.env.vars;
                let lookup = |k: &str| vars.get(k).cloned();
                let entries = dotenv::parse(&src, &lookup)
                    .map_err(|e| self.error_at(item.origin, format!("{}: {e}", full.display())))?;
                for e in entries {
                    environment.insert(
                        e.key,
                        (item.origin, Some(Spanned::new(e.value, item.origin))),
                    );
                }
            }
        }
        if let Some(env) = t.get("environment").and_then(Tree::as_map) {
            for (k, v) in env {
                let value = match v.spanned_text() {
                    Some(s) => Some(s),
                    None => self
                        .env
                        .vars
                        .get(&k.value)
                        .map(|s| Spanned::new(s.clone(), k.origin)),
                };
                environment.insert(k.value.clone(), (k.origin, value));
            }
        }

        let mut ports = Vec::new();
        for p in t.get("ports").and_then(Tree::as_seq).unwrap_or(&[]) {
            ports.extend(self.port(p)?);
        }
        let mut volumes = Vec::new();
        for v in t.get("volumes").and_then(Tree::as_seq).unwrap_or(&[]) {
            volumes.push(self.mount(v)?);
        }
        let secrets = t
            .get("secrets")
            .and_then(Tree::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(|s| {
                let source = match s.spanned_text() {
                    Some(src) => src,
                    None => s.get("source")?.spanned_text()?,
                };
                let target = s
                    .get("target")
                    .and_then(Tree::scalar_text)
                    .map(|t| {
                        if t.starts_with('/') {
                            t
                        } else {
                            format!("/run/secrets/{t}")
                        }
                    })
                    .unwrap_or_else(|| format!("/run/secrets/{}", source.value));
                Some(ServiceSecret {
                    origin: s.origin,
                    target,
                    uid: s.get("uid").and_then(Tree::scalar_text),
                    gid: s.get("gid").and_then(Tree::scalar_text),
                    mode: s.get("mode").and_then(|m| match &m.value {
                        TreeValue::Int(i) => Some(*i),
                        TreeValue::String(s) => i64::from_str_radix(s, 8).ok(),
                        _ => None,
                    }),
                    source,
                })
            })
            .collect();

        let healthcheck = t.get("healthcheck").map(|h| Healthcheck {
            origin: h.origin,
            test: h.get("test").map(|test| {
                let v = match &test.value {
                    TreeValue::Seq(items) => items.iter().filter_map(Tree::scalar_text).collect(),
                    _ => vec![
                        "CMD-SHELL".to_string(),
                        test.scalar_text().unwrap_or_default(),
                    ],
                };
                Spanned::new(v, test.origin)
            }),
            interval: h.get("interval").and_then(Tree::spanned_text),
            timeout: h.get("timeout").and_then(Tree::spanned_text),
            start_period: h.get("start_period").and_then(Tree::spanned_text),
            start_interval: h.get("start_interval").and_then(Tree::spanned_text),
            retries: h.get("retries").and_then(int),
            disable: h
                .get("disable")
                .and_then(|d| truthy(d).map(|b| Spanned::new(b, d.origin))),
        });

        let deploy = t.get("deploy").map(|d| {
            let res = |k: &str| {
                d.get("resources")
                    .and_then(|r| r.get(k))
                    .map(|r| Resources {
                        cpus: r.get("cpus").and_then(number),
                        memory: r.get("memory").and_then(bytes),
                        pids: r.get("pids").and_then(int),
                    })
            };
            Deploy {
                origin: d.origin,
                limits: res("limits"),
                reservations: res("reservations"),
                restart_policy: d.get("restart_policy").map(|r| RestartPolicy {
                    origin: r.origin,
                    condition: r.get("condition").and_then(Tree::spanned_text),
                    delay: r.get("delay").and_then(Tree::spanned_text),
                    max_attempts: r.get("max_attempts").and_then(int),
                    window: r.get("window").and_then(Tree::spanned_text),
                }),
            }
        });

        let logging = t.get("logging").map(|l| Logging {
            origin: l.origin,
            driver: l.get("driver").and_then(Tree::spanned_text),
            options: l
                .get("options")
                .and_then(Tree::as_map)
                .unwrap_or(&[])
                .iter()
                .filter_map(|(k, v)| Some((k.value.clone(), v.spanned_text()?)))
                .collect(),
        });

        let build = t.get("build").map(|b| {
            let (context, dockerfile) = match b.spanned_text() {
                Some(ctx) => (ctx, None),
                None => (
                    b.get("context")
                        .and_then(Tree::spanned_text)
                        .unwrap_or_else(|| Spanned::new(".".into(), b.origin)),
                    b.get("dockerfile").and_then(Tree::spanned_text),
                ),
            };
            let context = if context.value.contains("://") || context.value.starts_with("git@") {
                context
            } else {
                Spanned::new(self.host_path(&context.value), context.origin)
            };
            let dockerfile =
                dockerfile.unwrap_or_else(|| Spanned::new("Dockerfile".into(), b.origin));
            let remote = context.value.contains("://") || context.value.starts_with("git@");
            let dockerfile_text = match b.get("dockerfile_inline").and_then(Tree::as_str) {
                Some(inline) => Some(inline.to_owned()),
                None if remote => None,
                None => {
                    std::fs::read_to_string(Path::new(&context.value).join(&dockerfile.value)).ok()
                }
            };
            Build {
                origin: b.origin,
                context,
                dockerfile,
                dockerfile_text,
            }
        });

        let network_mode = text("network_mode");
        let mut networks: Vec<Spanned<String>> = t
            .get("networks")
            .and_then(Tree::as_map)
            .unwrap_or(&[])
            .iter()
            .map(|(k, _)| k.clone())
            .collect();
        if networks.is_empty() && network_mode.is_none() {
            networks.push(Spanned::new("default".into(), t.origin));
        }
        let depends_on = t
            .get("depends_on")
            .and_then(Tree::as_map)
            .unwrap_or(&[])
            .iter()
            .map(|(k, _)| k.clone())
            .collect();
        let _ = project;
        Ok(Service {
            name: name.to_string(),
            name_origin: t.origin,
            raw: t.clone(),
            image: text("image"),
            build,
            user: text("user"),
            environment,
            ports,
            volumes,
            tmpfs: strings("tmpfs"),
            healthcheck,
            deploy,
            logging,
            cap_add: strings("cap_add"),
            cap_drop: strings("cap_drop"),
            security_opt: strings("security_opt"),
            read_only: boolean("read_only")?,
            privileged: boolean("privileged")?,
            init: boolean("init")?,
            network_mode,
            pid: text("pid"),
            ipc: text("ipc"),
            restart: text("restart"),
            secrets,
            mem_limit: t.get("mem_limit").and_then(bytes),
            cpus: t.get("cpus").and_then(number),
            pids_limit: t.get("pids_limit").and_then(int),
            networks,
            profiles: strings("profiles"),
            depends_on,
        })
    }

    fn port(&self, p: &Tree) -> Result<Vec<Port>, LoadError> {
        let base = Port {
            origin: p.origin,
            target: 0,
            published: None,
            host_ip: None,
            protocol: "tcp".into(),
            mode: "ingress".into(),
            name: None,
            app_protocol: None,
        };
        if p.as_map().is_some() {
            let target = p
                .get("target")
                .and_then(Tree::scalar_text)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| self.error_at(p.origin, "port target is missing".into()))?;
            return Ok(vec![Port {
                target,
                published: p
                    .get("published")
                    .and_then(Tree::scalar_text)
                    .filter(|s| !s.is_empty()),
                host_ip: p.get("host_ip").and_then(Tree::scalar_text),
                protocol: p
                    .get("protocol")
                    .and_then(Tree::scalar_text)
                    .unwrap_or_else(|| "tcp".into()),
                mode: p
                    .get("mode")
                    .and_then(Tree::scalar_text)
                    .unwrap_or_else(|| "ingress".into()),
                name: p.get("name").and_then(Tree::scalar_text),
                app_protocol: p.get("app_protocol").and_then(Tree::scalar_text),
                ..base
            }]);
        }
        let spec = p
            .scalar_text()
            .ok_or_else(|| self.error_at(p.origin, "invalid port".into()))?;
        let bad = || self.error_at(p.origin, format!("invalid port {spec:?}"));
        let (rest, protocol) = match spec.rsplit_once('/') {
            Some((r, proto)) => (r, proto.to_string()),
            None => (spec.as_str(), "tcp".to_string()),
        };
        // host_ip may be an IPv6 address in brackets.
        let (host_ip, rest) = if let Some(stripped) = rest.strip_prefix('[') {
            let (ip, after) = stripped.split_once(']').ok_or_else(bad)?;
            (Some(ip.to_string()), after.trim_start_matches(':'))
        } else {
            let parts: Vec<&str> = rest.split(':').collect();
            if parts.len() >= 3 {
                let n = parts.len();
                let ip = parts[..n - 2].join(":");
                let idx = rest.len() - parts[n - 2].len() - parts[n - 1].len() - 1;
                (Some(ip), &rest[idx..])
            } else {
                (None, rest)
            }
        };
        let (published, target) = match rest.rsplit_once(':') {
            Some((p, t)) => (Some(p), t),
            None => (None, rest),
        };
        let published = published.filter(|s| !s.is_empty());
        let range = |s: &str| -> Option<(u32, u32)> {
            match s.split_once('-') {
                Some((a, b)) => Some((a.trim().parse().ok()?, b.trim().parse().ok()?)),
                None => {
                    let v = s.trim().parse().ok()?;
                    Some((v, v))
                }
            }
        };
        let (t0, t1) = range(target).ok_or_else(bad)?;
        if t1 < t0 {
            return Err(bad());
        }
        let host_ip = host_ip.filter(|s| !s.is_empty());
        if let Some(ip) = &host_ip {
            if ip.parse::<std::net::IpAddr>().is_err() {
                return Err(self.error_at(
                    p.origin,
                    format!(
                        "invalid port {spec:?}: {ip:?} is not an IP address; write \
                         [IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]"
                    ),
                ));
            }
        }
        if !matches!(
            protocol.to_ascii_lowercase().as_str(),
            "tcp" | "udp" | "sctp"
        ) {
            return Err(self.error_at(
                p.origin,
                format!("invalid port {spec:?}: the protocol must be tcp, udp or sctp"),
            ));
        }
        let pub_range = published.map(|p| range(p).ok_or_else(bad)).transpose()?;
        if let Some((p0, p1)) = pub_range {
            if p1 < p0 {
                return Err(bad());
            }
            if t0 != t1 && p1 - p0 != t1 - t0 {
                return Err(self.error_at(
                    p.origin,
                    format!(
                        "invalid port {spec:?}: the host range and the container range have \
                         different lengths"
                    ),
                ));
            }
        }
        let mut out = Vec::new();
        for (i, t) in (t0..=t1).enumerate() {
            let published = match (pub_range, published) {
                (Some((p0, p1)), _) if t0 != t1 && p1 - p0 == t1 - t0 => {
                    Some((p0 + i as u32).to_string())
                }
                (Some(_), Some(p)) => Some(p.to_string()),
                _ => None,
            };
            out.push(Port {
                target: t,
                published,
                host_ip: host_ip.clone(),
                protocol: protocol.clone(),
                ..base.clone()
            });
        }
        Ok(out)
    }

    fn mount(&self, v: &Tree) -> Result<Mount, LoadError> {
        let mut m = Mount {
            origin: v.origin,
            kind: MountType::Volume,
            source: None,
            target: String::new(),
            read_only: false,
            bind_propagation: None,
            bind_selinux: None,
            bind_create_host_path: None,
            volume_nocopy: false,
            volume_subpath: None,
            tmpfs_size: None,
            tmpfs_mode: None,
            consistency: None,
        };
        if v.as_map().is_some() {
            let s = |k: &str| v.get(k).and_then(Tree::scalar_text);
            m.kind = match s("type").as_deref() {
                Some("bind") => MountType::Bind,
                Some("tmpfs") => MountType::Tmpfs,
                Some("npipe") => MountType::Npipe,
                Some("cluster") => MountType::Cluster,
                Some("image") => MountType::Image,
                _ => MountType::Volume,
            };
            m.target = clean_target(&s("target").unwrap_or_default());
            m.source = s("source").filter(|s| !s.is_empty());
            if m.kind == MountType::Bind {
                m.source = m.source.map(|p| self.host_path(&p));
            }
            m.read_only = v.get("read_only").and_then(truthy).unwrap_or(false);
            m.consistency = s("consistency");
            if let Some(b) = v.get("bind") {
                m.bind_propagation = b.get("propagation").and_then(Tree::scalar_text);
                m.bind_selinux = b.get("selinux").and_then(Tree::scalar_text);
                m.bind_create_host_path = b.get("create_host_path").and_then(truthy);
            }
            if let Some(b) = v.get("volume") {
                m.volume_nocopy = b.get("nocopy").and_then(truthy).unwrap_or(false);
                m.volume_subpath = b.get("subpath").and_then(Tree::scalar_text);
            }
            if let Some(b) = v.get("tmpfs") {
                m.tmpfs_size = b.get("size").and_then(bytes).map(|s| s.value);
                m.tmpfs_mode = b.get("mode").and_then(int).map(|s| s.value);
            }
            return Ok(m);
        }
        let spec = v
            .scalar_text()
            .ok_or_else(|| self.error_at(v.origin, "invalid volume".into()))?;
        let parts = split_volume(&spec);
        if spec.len() > 2 && parts.iter().any(|p| p.is_empty()) {
            return Err(self.error_at(
                v.origin,
                format!("invalid spec: {spec}: empty section between colons"),
            ));
        }
        let (source, target, modes) = match parts.as_slice() {
            [t] => (None, *t, None),
            [s, t] => (Some(*s), *t, None),
            [s, t, m] => (Some(*s), *t, Some(*m)),
            _ => {
                return Err(
                    self.error_at(v.origin, format!("invalid spec: {spec}: too many colons"))
                )
            }
        };
        m.target = clean_target(target);
        if let Some(src) = source.filter(|s| !s.is_empty()) {
            let is_path = src.starts_with(['.', '/', '~']) || is_windows_path(src);
            if is_path {
                m.kind = MountType::Bind;
                m.source = Some(self.host_path(src));
                m.bind_create_host_path = Some(true);
            } else {
                m.source = Some(src.to_string());
            }
        }
        for mode in modes.unwrap_or("").split(',').filter(|s| !s.is_empty()) {
            match mode {
                "ro" => m.read_only = true,
                "rw" => m.read_only = false,
                "z" | "Z" => m.bind_selinux = Some(mode.to_string()),
                "nocopy" => m.volume_nocopy = true,
                "shared" | "rshared" | "slave" | "rslave" | "private" | "rprivate" => {
                    m.bind_propagation = Some(mode.to_string())
                }
                _ => {}
            }
        }
        Ok(m)
    }
}

fn is_windows_path(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && matches!(b[2], b'\\' | b'/')
}

/// A container path as compose-go cleans it (`/data/` → `/data`).
fn clean_target(t: &str) -> String {
    if t.starts_with('/') {
        clean(Path::new(t))
    } else {
        t.to_string()
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system.
pub(crate) fn clean(p: &Path) -> String {
    lexical(p).to_string_lossy().into_owned()
}

/// `a/./b/../c` as `a/c`: `.` dropped and `..` resolved by name, without touching the file
/// system (a `..` above a root or a leading `..` stays).
pub fn lexical(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            Component::ParentDir if matches!(out.last(), Some(Component::RootDir)) => {}
            other => out.push(other),
        }
    }
    out.iter().collect()
}

/// A boolean as Compose reads one (YAML booleans, and the strings compose-go converts).
pub(crate) fn truthy(t: &Tree) -> Option<bool> {
    match &t.value {
        TreeValue::Bool(b) => Some(*b),
        TreeValue::String(s) => match s.to_lowercase().as_str() {
            "true" | "yes" | "y" | "on" | "1" => Some(true),
            "false" | "no" | "n" | "off" | "0" => Some(false),
            _ => None,
        },
        TreeValue::Int(i) => Some(*i != 0),
        _ => None,
    }
}

fn int(t: &Tree) -> Option<Spanned<i64>> {
    let v = match &t.value {
        TreeValue::Int(i) => *i,
        TreeValue::Float(f) => *f as i64,
        TreeValue::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    Some(Spanned::new(v, t.origin))
}

fn number(t: &Tree) -> Option<Spanned<f64>> {
    let v = match &t.value {
        TreeValue::Int(i) => *i as f64,
        TreeValue::Float(f) => *f,
        TreeValue::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    Some(Spanned::new(v, t.origin))
}

fn bytes(t: &Tree) -> Option<Spanned<u64>> {
    let v = match &t.value {
        TreeValue::Int(i) => u64::try_from(*i).ok()?,
        TreeValue::Float(f) => *f as u64,
        TreeValue::String(s) => parse_bytes(s)?,
        _ => return None,
    };
    Some(Spanned::new(v, t.origin))
}

/// A memory size as Docker reads one (`512m`, `1.5g`, `1GiB`, `100`): binary multiples.
pub fn parse_bytes(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let num: f64 = num.parse().ok()?;
    let unit = unit.trim().to_ascii_lowercase();
    let unit = unit.strip_suffix('b').unwrap_or(&unit);
    let unit = unit.strip_suffix('i').unwrap_or(unit);
    let mult: u64 = match unit {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        "t" => 1 << 40,
        "p" => 1 << 50,
        _ => return None,
    };
    Some((num * mult as f64) as u64)
}
