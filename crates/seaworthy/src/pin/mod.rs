//! `seaworthy pin`: image references pinned to the digests their registries serve.
//!
//! References are found in Dockerfiles (`FROM`, `COPY --from=IMAGE` and the `from=IMAGE` of a
//! `RUN --mount`, when IMAGE is no stage of the file), Compose files (services' `image:`) and
//! Kubernetes-style manifests (`image:` of `containers`, `initContainers` and
//! `ephemeralContainers`, at any depth, in any YAML file whose documents have `apiVersion` and
//! `kind`). Each one the registry can resolve, `name:tag`, becomes `name:tag@sha256:…`, where
//! the digest is the one the registry serves for the tag: the multi-platform index (manifest
//! list) for a multi-platform image, so that every platform keeps building from the pin. The
//! reference keeps the rest of its text as written (no `docker.io/library/` added); a reference
//! without a tag gets the tag the digest was resolved from, `node` → `node:latest@sha256:…`, so
//! that `--update` knows what to follow and a reader what the pin is.
//!
//! Not pinned, and said so: `FROM` a stage, `scratch`, references built from ARGs or variables
//! (`FROM node:${V}`, `image: ${IMG}`: a default value could be overridden at build time), the
//! image a Compose service with `build:` builds, and values written in forms that cannot be
//! edited in place (escapes, block scalars, line continuations inside the name, quotes around a
//! flag). A `COPY --from` or `--mount from=` naming a stage (or, for COPY, a stage index) is no
//! image reference and is not reported.
//!
//! The edits are byte ranges on the original text; the edited file is parsed again (and each
//! edited value read back) before it is written atomically, permissions kept.
//!
//! Output: one line per reference, `path:line:col: pinned node:20 → sha256:…` or why it was
//! not, on standard output (standard error with `--diff`, whose diff has standard output), then
//! a summary on standard error. Each distinct reference is resolved once per run, `-j` at a
//! time; credentials come from the Docker config as for `seaworthy image`.
//!
//! Exit codes, as `check`: 0 all went well; 1 a reference is wrong in the file (unknown tag or
//! repository, not an image reference) or, with `--check`, a reference is not pinned or its
//! pinned digest is gone from the registry; 2 usage errors, files that cannot be parsed, and a
//! registry that could not answer (unreachable, TLS failure, refused credentials).

mod find;

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use clap::Args as ClapArgs;
use seaworthy_compose::yaml::LineIndex;
use seaworthy_image::{DigestResolver, RegistryError, RegistryErrorKind, RegistryOptions};

use crate::discover::{compose_name, discover};
use crate::output::{plural, write_atomically};
use find::{Ref, What};

#[derive(ClapArgs)]
pub struct PinArgs {
    /// Files or directories (default: the current directory); directories are walked
    /// respecting .gitignore.
    paths: Vec<PathBuf>,
    /// Change nothing: exit 1 when a reference is not pinned or its pinned digest no longer
    /// exists in the registry. References that cannot be pinned (stages, scratch, ARG-built)
    /// do not fail the check.
    #[arg(long, conflicts_with_all = ["update", "diff"])]
    check: bool,
    /// Move pinned references to the digest their tag names now.
    #[arg(long)]
    update: bool,
    /// Print the changes as a unified diff instead of writing them.
    #[arg(long)]
    diff: bool,
    /// Talk plain HTTP to the registries (Docker's "insecure registry"); TLS errors are never
    /// ignored.
    #[arg(long)]
    insecure: bool,
    /// A PEM file of CA certificates to trust for the registries, besides the system's.
    #[arg(long, value_name = "PEM")]
    ca_file: Option<PathBuf>,
    /// Registry requests in flight at once (default 8).
    #[arg(short = 'j', long, value_name = "N")]
    jobs: Option<usize>,
    /// Print only the references that need attention, and no summary.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dockerfile,
    Compose,
    Kubernetes,
}

/// A file with image references.
struct Entry {
    path: PathBuf,
    shown: PathBuf,
    kind: Kind,
    text: String,
    refs: Vec<Ref>,
}

/// A question for a registry; answered once per run however many files ask it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Query {
    /// The digest a tag names.
    Resolve(String),
    /// Whether a digest exists.
    Exists(String),
}

#[derive(Debug)]
enum Answer {
    Digest(String),
    Exists(bool),
}

/// What became of one reference.
enum Outcome {
    Pinned {
        digest: String,
        latest: bool,
    },
    AlreadyPinned,
    Updated {
        old: String,
        new: String,
    },
    UpToDate,
    /// `--check`: pinned and the digest is there.
    Present,
    NotPinned,
    Gone,
    Skipped(String),
    Invalid(String),
    Failed(RegistryError),
}

impl Outcome {
    /// 0 fine, 1 a problem in the file, 2 could not tell.
    fn code(&self) -> u8 {
        match self {
            Outcome::NotPinned | Outcome::Gone | Outcome::Invalid(_) => 1,
            Outcome::Failed(e) => match e.kind {
                RegistryErrorKind::NotFound | RegistryErrorKind::BadReference => 1,
                _ => 2,
            },
            _ => 0,
        }
    }

    fn category(&self, diff: bool) -> &'static str {
        match self {
            Outcome::Pinned { .. } if diff => "to pin",
            Outcome::Pinned { .. } => "pinned",
            Outcome::AlreadyPinned => "already pinned",
            Outcome::Updated { .. } if diff => "to update",
            Outcome::Updated { .. } => "updated",
            Outcome::UpToDate => "up to date",
            Outcome::Present => "pinned",
            Outcome::NotPinned => "not pinned",
            Outcome::Gone => "pinned to a missing digest",
            Outcome::Skipped(_) => "cannot be pinned",
            Outcome::Invalid(_) | Outcome::Failed(_) => "failed",
        }
    }

    fn message(&self, written: &str, diff: bool) -> String {
        let would = |done: &str, todo: &str| if diff { todo } else { done }.to_string();
        match self {
            Outcome::Pinned { digest, latest } => format!(
                "{} {written}{} → {digest}",
                would("pinned", "would pin"),
                if *latest {
                    format!(" (as {written}:latest)")
                } else {
                    String::new()
                }
            ),
            Outcome::AlreadyPinned => format!("already pinned: {written}"),
            Outcome::Updated { old, new } => format!(
                "{} {}: {old} → {new}",
                would("updated", "would update"),
                written.split('@').next().unwrap_or(written)
            ),
            Outcome::UpToDate => format!("up to date: {written}"),
            Outcome::Present => format!("pinned: {written}"),
            Outcome::NotPinned => format!("not pinned: {written}"),
            Outcome::Gone => {
                format!("pinned to a digest the registry no longer has (or never had): {written}")
            }
            Outcome::Skipped(why) => format!("cannot pin {written}: {why}"),
            Outcome::Invalid(why) => format!("error: {written}: not an image reference: {why}"),
            Outcome::Failed(e) => format!("error: {e}"),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Pin,
    Update,
    Check,
}

pub fn run(args: PinArgs) -> ExitCode {
    let cwd = match std::env::current_dir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: cannot read the current directory: {e}");
            return ExitCode::from(2);
        }
    };
    let mode = if args.check {
        Mode::Check
    } else if args.update {
        Mode::Update
    } else {
        Mode::Pin
    };
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut code = 0u8;
    let entries = collect(&paths, &cwd, &mut code);

    // Which questions the registries must answer.
    let mut queries: Vec<Query> = Vec::new();
    let mut index: HashMap<Query, usize> = HashMap::new();
    for entry in &entries {
        for r in &entry.refs {
            if let Some(q) = query(r, mode) {
                index.entry(q.clone()).or_insert_with(|| {
                    queries.push(q);
                    queries.len() - 1
                });
            }
        }
    }
    let options = RegistryOptions {
        insecure: args.insecure,
        ca_file: args.ca_file.clone(),
        ..Default::default()
    };
    let answers = ask(&queries, &options, args.jobs.unwrap_or(8));

    let report_stdout = !args.diff;
    let mut lines = Vec::new();
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut references = 0;
    let mut files_changed = 0;
    for entry in &entries {
        let mut edits: Vec<(std::ops::Range<usize>, String, usize, String)> = Vec::new();
        let lines_of = LineIndex::new(&entry.text);
        for r in &entry.refs {
            references += 1;
            let answer = query(r, mode).map(|q| &answers[index[&q]]);
            let outcome = outcome(r, mode, answer);
            if let (Some((range, text)), What::Image { span, .. }) = (edit(r, &outcome), &r.what) {
                let mut new_written = entry.text[span.clone()].to_string();
                let at = range.start - span.start;
                new_written.replace_range(at..at + range.len(), &text);
                edits.push((range, text, r.node_start, new_written));
            }
            code = code.max(outcome.code());
            *counts.entry(outcome.category(args.diff)).or_default() += 1;
            let attention = outcome.code() > 0;
            if !args.quiet || attention {
                let p = lines_of.position(&entry.text, r.node_start);
                lines.push(format!(
                    "{}:{}:{}: {}",
                    entry.shown.display(),
                    p.line,
                    p.column,
                    outcome.message(&r.written, args.diff)
                ));
            }
        }
        if edits.is_empty() || mode == Mode::Check {
            continue;
        }
        match apply(entry, &edits) {
            Ok(after) => {
                if args.diff {
                    files_changed += 1;
                    let shown = entry.shown.display().to_string();
                    let diff = similar::TextDiff::from_lines(&entry.text, &after)
                        .unified_diff()
                        .header(&format!("a/{shown}"), &format!("b/{shown}"))
                        .to_string();
                    let _ = std::io::stdout().lock().write_all(diff.as_bytes());
                } else if let Err(e) = write_atomically(&entry.path, after.as_bytes()) {
                    lines.push(format!(
                        "{}: error: cannot write: {e}",
                        entry.shown.display()
                    ));
                    code = 2;
                } else {
                    files_changed += 1;
                }
            }
            Err(message) => {
                lines.push(format!(
                    "{}: error: {message}; the file is left as it was",
                    entry.shown.display()
                ));
                code = 2;
            }
        }
    }
    let mut out = lines.join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    if report_stdout {
        let _ = std::io::stdout().lock().write_all(out.as_bytes());
    } else {
        let _ = std::io::stderr().lock().write_all(out.as_bytes());
    }
    let stale =
        counts.contains_key("not pinned") || counts.contains_key("pinned to a missing digest");
    if !args.quiet {
        let mut counted: Vec<(&str, usize)> = counts.into_iter().collect();
        counted.sort_by_key(|(k, _)| ORDER.iter().position(|o| o == k));
        let parts: Vec<String> = counted.iter().map(|(k, n)| format!("{n} {k}")).collect();
        let files = entries.iter().filter(|e| !e.refs.is_empty()).count();
        let mut summary = format!(
            "{} in {}",
            plural(references, "image reference"),
            plural(files, "file")
        );
        if !parts.is_empty() {
            summary.push_str(": ");
            summary.push_str(&parts.join(", "));
        }
        if mode != Mode::Check && files_changed > 0 {
            summary.push_str(&format!(
                "; {} {}",
                plural(files_changed, "file"),
                if args.diff { "would change" } else { "changed" }
            ));
        }
        eprintln!("{summary}");
        if stale {
            eprintln!("run `seaworthy pin` to pin them, `seaworthy pin --update` to move pins");
        }
    }
    ExitCode::from(code)
}

/// The order of the summary's counts.
const ORDER: [&str; 10] = [
    "pinned",
    "to pin",
    "already pinned",
    "updated",
    "to update",
    "up to date",
    "not pinned",
    "pinned to a missing digest",
    "cannot be pinned",
    "failed",
];

/// The registry question a reference needs answered, if any.
fn query(r: &Ref, mode: Mode) -> Option<Query> {
    let What::Image { image, .. } = &r.what else {
        return None;
    };
    let name = r
        .written
        .split('@')
        .next()
        .unwrap_or(&r.written)
        .to_string();
    match (mode, &image.digest) {
        (Mode::Check, None) => None,
        (Mode::Check, Some(_)) => Some(Query::Exists(r.written.clone())),
        (Mode::Pin, Some(_)) => None,
        (Mode::Update, Some(_)) if image.tag.is_none() => None,
        _ => Some(Query::Resolve(name)),
    }
}

fn outcome(r: &Ref, mode: Mode, answer: Option<&Result<Answer, RegistryError>>) -> Outcome {
    let image = match &r.what {
        What::Image { image, .. } => image,
        What::Skip(why) => return Outcome::Skipped(why.clone()),
        What::Invalid(why) => return Outcome::Invalid(why.clone()),
    };
    match (mode, &image.digest, answer) {
        (Mode::Check, None, _) => Outcome::NotPinned,
        (Mode::Pin, Some(_), _) => Outcome::AlreadyPinned,
        (Mode::Update, Some(_), None) => {
            Outcome::Skipped("pinned without a tag, so there is nothing to update it from".into())
        }
        (_, _, Some(Err(e))) => Outcome::Failed(clone_error(e)),
        (Mode::Check, Some(_), Some(Ok(Answer::Exists(true)))) => Outcome::Present,
        (Mode::Check, Some(_), Some(Ok(_))) => Outcome::Gone,
        (_, old, Some(Ok(Answer::Digest(new)))) => match old {
            None => Outcome::Pinned {
                digest: new.clone(),
                latest: image.tag.is_none(),
            },
            Some(old) if old == new => Outcome::UpToDate,
            Some(old) => Outcome::Updated {
                old: old.clone(),
                new: new.clone(),
            },
        },
        _ => Outcome::Skipped("no answer".into()),
    }
}

/// The edit an outcome makes: a byte range of the file and its replacement.
fn edit(r: &Ref, outcome: &Outcome) -> Option<(std::ops::Range<usize>, String)> {
    let What::Image { span, .. } = &r.what else {
        return None;
    };
    match outcome {
        Outcome::Pinned { digest, latest } => Some((
            span.end..span.end,
            if *latest {
                format!(":latest@{digest}")
            } else {
                format!("@{digest}")
            },
        )),
        Outcome::Updated { new, .. } => {
            let at = r.written.rfind('@')?;
            Some((span.start + at..span.end, format!("@{new}")))
        }
        _ => None,
    }
}

/// The entry's text with the edits made, each edited value read back from a fresh parse.
fn apply(
    entry: &Entry,
    edits: &[(std::ops::Range<usize>, String, usize, String)],
) -> Result<String, String> {
    let mut sorted: Vec<_> = edits.iter().collect();
    sorted.sort_by_key(|(range, ..)| range.start);
    let mut out = String::with_capacity(entry.text.len() + 80 * edits.len());
    let mut at = 0;
    let mut delta: isize = 0;
    let mut expected = Vec::new();
    for (range, text, node_start, new_written) in sorted {
        if range.start < at {
            return Err("overlapping edits".into());
        }
        expected.push((node_start.saturating_add_signed(delta), new_written));
        out.push_str(&entry.text[at..range.start]);
        out.push_str(text);
        at = range.end;
        delta += text.len() as isize - range.len() as isize;
    }
    out.push_str(&entry.text[at..]);
    for (start, want) in expected {
        let found = match entry.kind {
            Kind::Dockerfile => find::dockerfile_value_at(&out, start, want),
            Kind::Compose | Kind::Kubernetes => find::yaml_value_at(&out, start, want),
        };
        match found {
            Ok(true) => {}
            Ok(false) => return Err(format!("after pinning, {want} does not read back")),
            Err(e) => return Err(format!("after pinning, the file does not parse: {e}")),
        }
    }
    Ok(out)
}

/// Asks the registries every question, `jobs` at a time.
fn ask(
    queries: &[Query],
    options: &RegistryOptions,
    jobs: usize,
) -> Vec<Result<Answer, RegistryError>> {
    let resolver = DigestResolver::new(options);
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<Result<Answer, RegistryError>>>> =
        queries.iter().map(|_| Mutex::new(None)).collect();
    let jobs = jobs.clamp(1, queries.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(q) = queries.get(i) else {
                    break;
                };
                let answer = match q {
                    Query::Resolve(spec) => {
                        resolver.resolve(spec).map(|r| Answer::Digest(r.digest))
                    }
                    Query::Exists(spec) => resolver.exists(spec).map(Answer::Exists),
                };
                *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(answer);
            });
        }
    });
    results
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .expect("every query is answered")
        })
        .collect()
}

fn clone_error(e: &RegistryError) -> RegistryError {
    RegistryError {
        reference: e.reference.clone(),
        kind: e.kind,
        message: e.message.clone(),
    }
}

/// `path` made absolute against `cwd`, `.` and `..` resolved by name.
fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    seaworthy_compose::load::lexical(&cwd.join(path))
}

/// How a file is shown: relative to the working directory when it is below it.
fn show(cwd: &Path, abs: &Path) -> PathBuf {
    abs.strip_prefix(cwd)
        .map_or_else(|_| abs.to_path_buf(), Path::to_path_buf)
}

fn is_yaml(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// YAML files under `dir` that are not Compose files: Kubernetes manifests, maybe.
fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for entry in ignore::WalkBuilder::new(dir).build() {
        let entry = entry.map_err(|e| e.to_string())?;
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        let name = entry.file_name().to_str().unwrap_or("");
        if is_yaml(path) && compose_name(name).is_none() {
            out.push(entry.into_path());
        }
    }
    Ok(out)
}

/// Every file with image references under `paths`, each once; errors are printed and raise
/// `code` to 2.
fn collect(paths: &[PathBuf], cwd: &Path, code: &mut u8) -> Vec<Entry> {
    let mut fail = |message: String| {
        eprintln!("{message}");
        *code = 2;
    };
    let mut entries: BTreeMap<PathBuf, Entry> = BTreeMap::new();
    // Named YAML files that are not Compose files are manifests; `discover` would take them
    // for Dockerfiles.
    let (named_yaml, rest): (Vec<PathBuf>, Vec<PathBuf>) = paths.iter().cloned().partition(|p| {
        p.is_file()
            && is_yaml(p)
            && compose_name(p.file_name().and_then(|n| n.to_str()).unwrap_or("")).is_none()
    });
    let found = if rest.is_empty() {
        Default::default()
    } else {
        match discover(&rest) {
            Ok(f) => f,
            Err(e) => {
                fail(format!("error: {e}"));
                return Vec::new();
            }
        }
    };
    let read = |path: &Path| -> Result<String, String> {
        std::fs::read_to_string(path).map_err(|e| {
            format!(
                "{}: error: cannot read: {e}",
                show(cwd, &absolute(cwd, path)).display()
            )
        })
    };

    for path in &found.dockerfiles {
        let abs = absolute(cwd, path);
        let shown = show(cwd, &abs);
        let text = match read(path) {
            Ok(t) => t,
            Err(e) => {
                fail(e);
                continue;
            }
        };
        match find::dockerfile_refs(&text) {
            Ok(refs) => {
                entries.insert(
                    abs.clone(),
                    Entry {
                        path: abs,
                        shown,
                        kind: Kind::Dockerfile,
                        text,
                        refs,
                    },
                );
            }
            Err(e) => fail(format!("{}:{e}", shown.display())),
        }
    }

    let environment: HashMap<String, String> = std::env::vars().collect();
    for project in &found.compose {
        let files: Vec<PathBuf> = project.files.iter().map(|f| absolute(cwd, f)).collect();
        let dir = files[0]
            .parent()
            .map_or_else(|| cwd.to_path_buf(), Path::to_path_buf);
        let options = seaworthy_compose::Options {
            files,
            working_dir: dir,
            environment: environment.clone(),
            // Every service, whatever its profiles.
            profiles: vec!["*".into()],
            consistency: false,
            ..Default::default()
        };
        let loaded = match seaworthy_compose::load(&options) {
            Ok(p) => p,
            Err(e) => {
                let shown = show(cwd, &absolute(cwd, &e.path));
                fail(match e.position {
                    Some(p) => format!(
                        "{}:{}:{}: error: {}",
                        shown.display(),
                        p.line,
                        p.column,
                        e.message
                    ),
                    None => format!("{}: error: {}", shown.display(), e.message),
                });
                continue;
            }
        };
        for (file, r) in find::compose_refs(&loaded) {
            let source = &loaded.files[file];
            let abs = absolute(cwd, &source.path);
            let entry = entries.entry(abs.clone()).or_insert_with(|| Entry {
                shown: show(cwd, &abs),
                path: abs,
                kind: Kind::Compose,
                text: source.text.clone(),
                refs: Vec::new(),
            });
            if !entry.refs.iter().any(|x| x.node_start == r.node_start) {
                entry.refs.push(r);
            }
        }
    }

    let mut manifests: Vec<(PathBuf, bool)> = named_yaml.into_iter().map(|p| (p, true)).collect();
    for path in &rest {
        if path.is_dir() {
            match yaml_files(path) {
                Ok(found) => manifests.extend(found.into_iter().map(|p| (p, false))),
                Err(e) => fail(format!("error: {e}")),
            }
        }
    }
    for (path, named) in manifests {
        let abs = absolute(cwd, &path);
        if entries.contains_key(&abs) {
            continue;
        }
        let shown = show(cwd, &abs);
        let text = match read(&path) {
            Ok(t) => t,
            Err(e) => {
                if named {
                    fail(e);
                }
                continue;
            }
        };
        let maybe_manifest = text.contains("apiVersion") && text.contains("kind");
        if !named && !maybe_manifest {
            continue;
        }
        match find::kubernetes_refs(&text) {
            Ok(Some(refs)) => {
                entries.insert(
                    abs.clone(),
                    Entry {
                        path: abs,
                        shown,
                        kind: Kind::Kubernetes,
                        text,
                        refs,
                    },
                );
            }
            Ok(None) => {}
            // A walked file that is not YAML (a Helm template, say) is none of pin's business;
            // one named on the command line is.
            Err(e) if named => {
                let p = e.position(&text);
                fail(format!(
                    "{}:{}:{}: error: {}",
                    shown.display(),
                    p.line,
                    p.column,
                    e.message
                ));
            }
            Err(_) => {}
        }
    }
    let mut entries: Vec<Entry> = entries.into_values().collect();
    for e in &mut entries {
        e.refs.sort_by_key(|r| r.node_start);
    }
    entries.sort_by(|a, b| a.shown.cmp(&b.shown));
    entries
}

#[cfg(test)]
mod tests {
    use super::*;
    use seaworthy_dockerfile::ImageRef;

    fn image_ref(text: &str, written: &str) -> Ref {
        let start = text.find(written).unwrap();
        Ref {
            node_start: start,
            written: written.into(),
            what: What::Image {
                span: start..start + written.len(),
                image: ImageRef::parse(written).unwrap(),
            },
        }
    }

    const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    #[test]
    fn edits_keep_everything_else() {
        let text = "FROM node:20 AS a\r\nFROM alpine\r\nFROM b:1@sha256:1111111111111111111111111111111111111111111111111111111111111111\r\n";
        let entry = Entry {
            path: "Dockerfile".into(),
            shown: "Dockerfile".into(),
            kind: Kind::Dockerfile,
            text: text.into(),
            refs: vec![],
        };
        let refs = [
            image_ref(text, "node:20"),
            image_ref(text, "alpine"),
            image_ref(text, &format!("b:1@{D1}")),
        ];
        let outcomes = [
            Outcome::Pinned {
                digest: D1.into(),
                latest: false,
            },
            Outcome::Pinned {
                digest: D2.into(),
                latest: true,
            },
            Outcome::Updated {
                old: D1.into(),
                new: D2.into(),
            },
        ];
        let mut edits = Vec::new();
        for (r, o) in refs.iter().zip(&outcomes) {
            let (range, new) = edit(r, o).unwrap();
            let What::Image { span, .. } = &r.what else {
                unreachable!()
            };
            let mut w = text[span.clone()].to_string();
            let at = range.start - span.start;
            w.replace_range(at..at + range.len(), &new);
            edits.push((range, new, r.node_start, w));
        }
        let after = apply(&entry, &edits).unwrap();
        assert_eq!(
            after,
            format!("FROM node:20@{D1} AS a\r\nFROM alpine:latest@{D2}\r\nFROM b:1@{D2}\r\n")
        );
        assert_eq!(
            outcomes[1].message("alpine", false),
            format!("pinned alpine (as alpine:latest) → {D2}")
        );
        // An edit that would not read back is refused.
        let bad = vec![(5..5, " x".to_string(), 5, "node:20 x".to_string())];
        assert!(apply(&entry, &bad).is_err());
    }

    #[test]
    fn queries_by_mode() {
        let text = format!("FROM a:1\nFROM b:2@{D1}\nFROM c@{D1}\n");
        let a = image_ref(&text, "a:1");
        let b = image_ref(&text, &format!("b:2@{D1}"));
        let c = image_ref(&text, &format!("c@{D1}"));
        assert_eq!(query(&a, Mode::Pin), Some(Query::Resolve("a:1".into())));
        assert_eq!(query(&b, Mode::Pin), None);
        assert_eq!(query(&b, Mode::Update), Some(Query::Resolve("b:2".into())));
        assert_eq!(query(&c, Mode::Update), None);
        assert_eq!(query(&a, Mode::Check), None);
        assert_eq!(
            query(&b, Mode::Check),
            Some(Query::Exists(format!("b:2@{D1}")))
        );
        assert!(matches!(outcome(&a, Mode::Check, None), Outcome::NotPinned));
        assert!(matches!(
            outcome(&c, Mode::Update, None),
            Outcome::Skipped(_)
        ));
        let same = Ok(Answer::Digest(D1.into()));
        assert!(matches!(
            outcome(&b, Mode::Update, Some(&same)),
            Outcome::UpToDate
        ));
        let gone = Ok(Answer::Exists(false));
        assert!(matches!(
            outcome(&b, Mode::Check, Some(&gone)),
            Outcome::Gone
        ));
    }
}
