//! Reading a Dockerfile's build context from disk: the directory the Dockerfile is in, as
//! `docker build -f DIR/Dockerfile DIR` would send it.
//!
//! The walk ignores `.gitignore` (docker does not read it: a gitignored `.env` is still in the
//! context) and does not follow symbolic links. It records without walking into them `.git`,
//! `node_modules`, and directories the ignore file excludes whole (`target`, `dist`, when it
//! has no `!` exception that could take something under them back), and stops at
//! [`MAX_ENTRIES`]. Dockerfiles in one directory that use the same ignore file share one
//! context.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use seaworthy_dockerfile::context::{is_unlisted_dir_name, IgnoreFile};
use seaworthy_dockerfile::BuildContext;

/// The most entries listed per context; beyond it the listing is marked truncated.
const MAX_ENTRIES: usize = 100_000;

/// The largest ignore file read (BuildKit reads lines of up to 64 KiB; real files are small).
const MAX_IGNORE_BYTES: u64 = 1 << 20;

/// A context directory's listing: files, unlisted directories, whether it was cut short.
struct Listing {
    files: Vec<String>,
    unlisted_dirs: Vec<String>,
    truncated: bool,
}

/// A context is one directory read with one ignore file (or none).
type ContextKey = (PathBuf, Option<PathBuf>);

type Slot = Arc<OnceLock<Option<Arc<BuildContext>>>>;

/// The contexts read so far. The global lock is held only to find a context's slot, so a
/// thread waits only for the context it needs.
fn slot(key: ContextKey) -> Slot {
    static CACHE: OnceLock<Mutex<HashMap<ContextKey, Slot>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    let mut guard = cache.lock().unwrap_or_else(|e| e.into_inner());
    guard.entry(key).or_default().clone()
}

/// The build context of the Dockerfile at `dockerfile`: its parent directory, with the ignore
/// file BuildKit would use. `None` when the directory cannot be read.
pub fn load(dockerfile: &Path) -> Option<Arc<BuildContext>> {
    let dir = context_dir(dockerfile)?;
    let ignore_path = ignore_file_for(dockerfile, &dir);
    slot((dir.clone(), ignore_path.clone()))
        .get_or_init(|| {
            let ignore = ignore_path.as_deref().and_then(read_ignore);
            let listing = list(&dir, MAX_ENTRIES, ignore.as_ref())?;
            Some(Arc::new(BuildContext {
                ignore,
                files: listing.files.into(),
                unlisted_dirs: listing.unlisted_dirs.into(),
                truncated: listing.truncated,
            }))
        })
        .clone()
}

/// The directory the Dockerfile is in (`.` for a bare file name).
fn context_dir(dockerfile: &Path) -> Option<PathBuf> {
    let parent = dockerfile.parent()?;
    let dir = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    dir.is_dir().then(|| dir.to_path_buf())
}

/// `<Dockerfile name>.dockerignore` beside the Dockerfile when it exists, which BuildKit
/// prefers, else the context's `.dockerignore`, else `.containerignore` (Podman and Buildah
/// read it; a project with only that file is not without an ignore file), else none.
fn ignore_file_for(dockerfile: &Path, dir: &Path) -> Option<PathBuf> {
    let name = dockerfile.file_name()?.to_string_lossy();
    [
        format!("{name}.dockerignore"),
        ".dockerignore".to_owned(),
        ".containerignore".to_owned(),
    ]
    .into_iter()
    .map(|candidate| dir.join(candidate))
    .find(|path| path.is_file())
}

fn read_ignore(path: &Path) -> Option<IgnoreFile> {
    use std::io::Read;
    let file = std::fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    file.take(MAX_IGNORE_BYTES).read_to_end(&mut bytes).ok()?;
    let name = path.file_name()?.to_string_lossy();
    Some(IgnoreFile::parse(&name, &String::from_utf8_lossy(&bytes)))
}

/// Lists `dir` as the context: every file and symbolic link, relative and `/`-separated.
fn list(dir: &Path, max_entries: usize, ignore: Option<&IgnoreFile>) -> Option<Listing> {
    // A directory the ignore file excludes is not walked unless a `!` could take back
    // something under it.
    let prune =
        |relative: &str| ignore.is_some_and(|i| !i.has_exceptions() && i.excludes(relative));
    let mut files = Vec::new();
    let mut unlisted = Vec::new();
    let mut truncated = false;
    // Directories to read, with their path relative to `dir` ("" for the root).
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    let mut first = true;
    'walk: while let Some((path, relative)) = pending.pop() {
        let entries = match std::fs::read_dir(&path) {
            Ok(entries) => entries,
            Err(_) if first => return None,
            Err(_) => continue,
        };
        first = false;
        for entry in entries.flatten() {
            if files.len() + unlisted.len() >= max_entries {
                truncated = true;
                break 'walk;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let child = if relative.is_empty() {
                name.clone()
            } else {
                format!("{relative}/{name}")
            };
            // `file_type` does not follow symbolic links.
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if is_unlisted_dir_name(&name) && (kind.is_dir() || name == ".git")
                || kind.is_dir() && prune(&child)
            {
                unlisted.push(child);
            } else if kind.is_dir() {
                pending.push((entry.path(), child));
            } else {
                files.push(child);
            }
        }
    }
    files.sort();
    unlisted.sort();
    Some(Listing {
        files,
        unlisted_dirs: unlisted,
        truncated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn write(root: &Path, path: &str, text: &str) {
        let path = root.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    #[test]
    fn lists_the_context_without_gitignore_and_without_walking_git() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write(root, "Dockerfile", "FROM alpine\nCOPY . .\n");
        write(root, ".gitignore", ".env\n");
        write(root, ".env", "TOKEN=x\n");
        write(root, "src/app.py", "");
        write(root, ".git/HEAD", "ref: refs/heads/main\n");
        write(root, ".git/config", "");
        write(root, "web/node_modules/left-pad/index.js", "");
        write(root, ".dockerignore", "node_modules\n");
        let cx = load(&root.join("Dockerfile")).expect("context");
        assert_eq!(
            &*cx.files,
            [
                ".dockerignore",
                ".env",
                ".gitignore",
                "Dockerfile",
                "src/app.py"
            ]
        );
        assert_eq!(&*cx.unlisted_dirs, [".git", "web/node_modules"]);
        assert!(!cx.truncated);
        let ignore = cx.ignore.as_ref().expect("ignore file");
        assert_eq!(ignore.name, ".dockerignore");
        assert_eq!(ignore.patterns.len(), 1);
        assert!(!cx.is_excluded(".env"));
    }

    #[test]
    fn prefers_the_dockerfile_specific_ignore_file_and_shares_contexts() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write(root, "Dockerfile", "FROM alpine\n");
        write(root, "Dockerfile.dev", "FROM alpine\n");
        write(root, "api.Dockerfile", "FROM alpine\n");
        write(root, "api.Dockerfile.dockerignore", "*.md\n");
        write(root, ".dockerignore", ".env\n");
        write(root, "README.md", "");
        let api = load(&root.join("api.Dockerfile")).unwrap();
        let plain = load(&root.join("Dockerfile")).unwrap();
        assert_eq!(
            api.ignore.as_ref().unwrap().name,
            "api.Dockerfile.dockerignore"
        );
        assert!(api.is_excluded("README.md"));
        assert_eq!(plain.ignore.as_ref().unwrap().name, ".dockerignore");
        assert!(!plain.is_excluded("README.md"));
        // Dockerfiles with the same ignore file share one context.
        assert!(Arc::ptr_eq(
            &plain,
            &load(&root.join("Dockerfile.dev")).unwrap()
        ));
    }

    #[test]
    fn falls_back_to_containerignore() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write(root, "Containerfile", "FROM alpine\n");
        write(root, ".containerignore", ".env\n");
        write(root, ".env", "");
        let cx = load(&root.join("Containerfile")).unwrap();
        assert_eq!(cx.ignore.as_ref().unwrap().name, ".containerignore");
        assert!(cx.is_excluded(".env"));
    }

    #[test]
    fn does_not_walk_excluded_directories() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write(root, "Dockerfile", "FROM alpine\n");
        write(root, ".dockerignore", "target\n**/*.log\n");
        write(root, "target/debug/a", "");
        write(root, "logs/x.log", "");
        write(root, "src/main.rs", "");
        let cx = load(&root.join("Dockerfile")).unwrap();
        assert_eq!(
            &*cx.files,
            [".dockerignore", "Dockerfile", "logs/x.log", "src/main.rs"]
        );
        assert_eq!(&*cx.unlisted_dirs, ["target"]);
        // With an exception anywhere, excluded directories are walked.
        write(root, ".dockerignore", "target\n!target/keep\n");
        let listing = list(root, 100, read_ignore(&root.join(".dockerignore")).as_ref()).unwrap();
        assert!(listing.files.contains(&"target/debug/a".to_owned()));
    }

    #[test]
    fn no_ignore_file_and_a_cap() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for i in 0..10 {
            write(root, &format!("f{i}"), "");
        }
        let listing = list(root, 4, None).unwrap();
        assert!(listing.truncated);
        assert_eq!(listing.files.len(), 4);
        write(root, "Dockerfile", "FROM alpine\n");
        let cx = load(&root.join("Dockerfile")).unwrap();
        assert!(cx.ignore.is_none());
        assert_eq!(cx.files.len(), 11);
    }

    #[cfg(unix)]
    #[test]
    fn does_not_follow_symlinks() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        write(outside.path(), "secret/id_rsa", "");
        let root = tmp.path();
        write(root, "Dockerfile", "FROM alpine\n");
        std::os::unix::fs::symlink(outside.path().join("secret"), root.join("link")).unwrap();
        let cx = load(&root.join("Dockerfile")).unwrap();
        assert_eq!(&*cx.files, ["Dockerfile", "link"]);
    }

    /// The loader and the rules together, as `check_file` runs them.
    #[test]
    fn rules_see_the_loaded_context() {
        use seaworthy_dockerfile::{BuildOptions, Dockerfile, Model};
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let src = "FROM python:3.12-slim\nCOPY requirements.txt .\nCOPY . /app\n";
        write(root, "Dockerfile", src);
        write(root, ".gitignore", ".env\n");
        write(root, ".env", "DB_PASSWORD=x\n");
        write(root, "requirements.txt", "");
        write(root, ".git/HEAD", "");
        let cx = load(&root.join("Dockerfile")).unwrap();
        let df = Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
        let model = Model::build(&df, &BuildOptions::default());
        let ids = |bc: Option<&BuildContext>| -> Vec<&str> {
            seaworthy_rules::check_dockerfile(
                &df,
                &model,
                &seaworthy_rules::Settings::default(),
                bc,
            )
            .iter()
            .map(|f| f.rule.id)
            .filter(|id| ["SW1320", "SW1460", "SW1461", "SW1560", "SW1561"].contains(id))
            .collect()
        };
        let mut got = ids(Some(&cx));
        got.sort();
        assert_eq!(got, ["SW1320", "SW1460"]);
        assert!(ids(None).is_empty());
    }

    #[test]
    fn missing_directory() {
        assert!(load(Path::new("/nonexistent/seaworthy/Dockerfile")).is_none());
    }
}
