//! Where git stands on the host files a project reads secrets from: the top-level `secrets:`
//! with a `file:` and the services' `env_file:`. Found once while loading, so that rules stay
//! functions of the model: for each such file that exists inside a git work tree, the work
//! tree's root and whether git ignores the file.
//!
//! The work tree is the nearest directory above the file holding `.git` (a directory, or a
//! file for worktrees and submodules). Ignoring follows git: `.git/info/exclude`, then the
//! `.gitignore` of every directory from the root down to the file, a deeper file overriding a
//! shallower one and a file inside an ignored directory staying ignored whatever a deeper
//! `.gitignore` says. The user's global excludes file (`core.excludesFile`) is not read: a
//! teammate's clone would not have it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::model::{Origin, Service, Tree};

/// A file inside a git work tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitFile {
    /// Absolute.
    pub path: PathBuf,
    /// The work tree's root.
    pub repository: PathBuf,
    /// Whether `.gitignore` (or `.git/info/exclude`) keeps it out of commits.
    pub ignored: bool,
}

impl GitFile {
    /// The path relative to the work tree's root.
    pub fn relative(&self) -> &Path {
        self.path
            .strip_prefix(&self.repository)
            .unwrap_or(&self.path)
    }
}

/// The secret and env files of `root` (the resolved top level) and `services` that exist
/// inside a git work tree, by the origin of the value naming them (a `file:` value, an
/// `env_file:` entry). `host_path` makes a path as written absolute, as the loader does.
pub(crate) fn collect(
    root: &Tree,
    services: &BTreeMap<String, Service>,
    host_path: impl Fn(&str) -> String,
) -> HashMap<Origin, GitFile> {
    let mut named: Vec<(Origin, String)> = Vec::new();
    for (_, secret) in root.get("secrets").and_then(Tree::as_map).unwrap_or(&[]) {
        if let Some(file) = secret.get("file") {
            if let Some(path) = file.scalar_text() {
                named.push((file.origin, path));
            }
        }
    }
    for service in services.values() {
        for item in service.env_file_entries() {
            let path = match item.get("path") {
                Some(p) => p.scalar_text(),
                None => item.scalar_text(),
            };
            if let Some(path) = path {
                named.push((item.origin, path));
            }
        }
    }
    let mut out = HashMap::new();
    for (origin, path) in named {
        if path.trim().is_empty() {
            continue;
        }
        let path = PathBuf::from(host_path(&path));
        if let Some(found) = locate(&path) {
            out.insert(origin, found);
        }
    }
    out
}

/// Where git stands on `path` (absolute): `None` when it does not exist or is in no work tree.
pub fn locate(path: &Path) -> Option<GitFile> {
    if !path.is_absolute() || !path.exists() {
        return None;
    }
    let path = crate::load::lexical(path);
    let repository = path
        .ancestors()
        .skip(1)
        .find(|dir| dir.join(".git").exists())?
        .to_path_buf();
    let ignored = is_ignored(&repository, &path);
    Some(GitFile {
        path,
        repository,
        ignored,
    })
}

/// One ignore file's patterns, rooted where git reads them from.
fn matcher(root: &Path, file: &Path) -> Option<Gitignore> {
    if !file.is_file() {
        return None;
    }
    let mut builder = GitignoreBuilder::new(root);
    // A pattern that does not parse is skipped, as git skips it.
    let _ = builder.add(file);
    builder.build().ok().filter(|g| !g.is_empty())
}

/// Whether git ignores `path` (inside `repository`), walking down from the root: a directory
/// on the way that is ignored ignores everything in it.
fn is_ignored(repository: &Path, path: &Path) -> bool {
    let Ok(relative) = path.strip_prefix(repository) else {
        return false;
    };
    // Lowest precedence first.
    let mut matchers: Vec<Gitignore> = Vec::new();
    let git = repository.join(".git");
    if git.is_dir() {
        matchers.extend(matcher(repository, &git.join("info/exclude")));
    }
    matchers.extend(matcher(repository, &repository.join(".gitignore")));
    let components: Vec<Component<'_>> = relative.components().collect();
    let mut current = repository.to_path_buf();
    for (i, c) in components.iter().enumerate() {
        current.push(c);
        let is_dir = i + 1 < components.len() || path.is_dir();
        let decided = matchers
            .iter()
            .rev()
            .map(|m| m.matched(&current, is_dir))
            .find(|m| !m.is_none());
        if decided.is_some_and(|m| m.is_ignore()) {
            return true;
        }
        if i + 1 < components.len() {
            matchers.extend(matcher(&current, &current.join(".gitignore")));
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    fn ignored(dir: &Path, name: &str) -> Option<bool> {
        locate(&dir.join(name)).map(|f| f.ignored)
    }

    #[test]
    fn outside_a_work_tree_nothing_is_known() {
        let dir = tree(&[("secrets/db.txt", "x")]);
        assert_eq!(ignored(dir.path(), "secrets/db.txt"), None);
        // A file that does not exist is not reported either.
        let dir = tree(&[(".git/HEAD", "ref: refs/heads/main\n")]);
        assert_eq!(ignored(dir.path(), "missing.txt"), None);
    }

    #[test]
    fn gitignore_files_decide_as_git_does() {
        let dir = tree(&[
            (".git/HEAD", "ref: refs/heads/main\n"),
            (".git/info/exclude", "excluded.txt\n"),
            (".gitignore", "*.key\n/secrets/\n!keep.key\n"),
            ("app/.gitignore", "local.env\n!prod.key\n"),
            ("app/local.env", "A=1"),
            ("app/prod.key", "x"),
            ("app/other.key", "x"),
            ("app/prod.env", "A=1"),
            ("secrets/db.txt", "x"),
            ("secrets/.gitignore", "!db.txt\n"),
            ("keep.key", "x"),
            ("excluded.txt", "x"),
            ("deep/er/.gitignore", "*.txt\n"),
            ("deep/er/pw.txt", "x"),
            ("deep/pw.txt", "x"),
        ]);
        let d = dir.path();
        assert_eq!(ignored(d, "app/local.env"), Some(true));
        // A deeper .gitignore re-includes what a shallower one ignores.
        assert_eq!(ignored(d, "app/prod.key"), Some(false));
        assert_eq!(ignored(d, "app/other.key"), Some(true));
        assert_eq!(ignored(d, "app/prod.env"), Some(false));
        // Inside an ignored directory: ignored, whatever the directory's own .gitignore says.
        assert_eq!(ignored(d, "secrets/db.txt"), Some(true));
        assert_eq!(ignored(d, "keep.key"), Some(false));
        assert_eq!(ignored(d, "excluded.txt"), Some(true));
        assert_eq!(ignored(d, "deep/er/pw.txt"), Some(true));
        assert_eq!(ignored(d, "deep/pw.txt"), Some(false));
        // Written with `..` and `.`.
        assert_eq!(ignored(d, "app/../secrets/./db.txt"), Some(true));
        let found = locate(&d.join("app/prod.env")).unwrap();
        assert_eq!(found.relative(), Path::new("app/prod.env"));
    }

    #[test]
    fn the_nearest_work_tree_counts() {
        // A `.git` file: a submodule or a worktree.
        let dir = tree(&[
            (".git/HEAD", "ref: refs/heads/main\n"),
            (".gitignore", "vendor/lib/creds.txt\n"),
            ("vendor/lib/.git", "gitdir: ../../.git/modules/lib\n"),
            ("vendor/lib/creds.txt", "x"),
        ]);
        let found = locate(&dir.path().join("vendor/lib/creds.txt")).unwrap();
        assert_eq!(found.repository, dir.path().join("vendor/lib"));
        assert!(!found.ignored);
    }
}
