//! Finding the files to check: a gitignore-aware walk (ripgrep's `ignore` crate) and
//! classification by file name.
//!
//! Compose projects: every `compose.yaml`, `compose.yml`, `docker-compose.yaml`,
//! `docker-compose.yml` and every variant `compose.<name>.yaml|yml` /
//! `docker-compose.<name>.yaml|yml` (`docker-compose.prod.yml`) is a project of its own,
//! loaded together with the override file beside it, `<stem>.override.yaml|yml`, as
//! `docker compose` does without `-f`. An override file is never a project by itself: without
//! its main file it is not checked.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Suffixes that make `Dockerfile.<suffix>` something other than a buildable Dockerfile:
/// templates rendered into one (docker-library's jq templates, Jinja, ERB, Go templates), editor
/// and merge leftovers, and source files that merely share the name (`dockerfile.go`).
const NOT_A_DOCKERFILE: &[&str] = &[
    "dockerignore",
    "containerignore",
    "template",
    "tmpl",
    "tpl",
    "j2",
    "jinja",
    "jinja2",
    "erb",
    "mustache",
    "hbs",
    "in",
    "orig",
    "rej",
    "bak",
    "swp",
    "tmp",
    "md",
    "txt",
    "rst",
    "go",
    "rs",
    "py",
    "js",
    "ts",
    "java",
    "rb",
    "sh",
    "ps1",
    "json",
    "yaml",
    "yml",
    "toml",
    "lock",
];

/// Whether a file name is a Dockerfile by the conventions Docker, Podman and editors use:
/// `Dockerfile`, `Containerfile`, `Dockerfile.*`, `*.Dockerfile`, `*.dockerfile`.
pub fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if let Some((_, ext)) = lower.rsplit_once('.') {
        if NOT_A_DOCKERFILE.contains(&ext) {
            return false;
        }
    }
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.starts_with("containerfile.")
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
}

/// What a Compose file name says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComposeName {
    /// `compose.yaml`, `docker-compose.prod.yml`, ...: the first file of a project.
    Main,
    /// `compose.override.yaml`, `docker-compose.prod.override.yml`: merged over its main file.
    Override,
}

/// Whether a file name is a Compose file's: `compose` or `docker-compose`, optional
/// `.<variant>` parts, then `.yaml` or `.yml`.
pub fn compose_name(name: &str) -> Option<ComposeName> {
    let stem = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))?;
    let rest = stem
        .strip_prefix("docker-compose")
        .or_else(|| stem.strip_prefix("compose"))?;
    if !(rest.is_empty() || rest.starts_with('.') && rest.len() > 1) {
        return None;
    }
    if rest == ".override" || rest.ends_with(".override") {
        Some(ComposeName::Override)
    } else {
        Some(ComposeName::Main)
    }
}

/// The override file beside a main Compose file, when there is one:
/// `<stem>.override.yaml`, else `<stem>.override.yml`.
fn override_of(main: &Path) -> Option<PathBuf> {
    let name = main.file_name()?.to_str()?;
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    ["yaml", "yml"]
        .iter()
        .map(|ext| main.with_file_name(format!("{stem}.override.{ext}")))
        .find(|p| p.is_file())
}

/// The main file an override file is merged over, when it exists.
fn main_of(over: &Path) -> Option<PathBuf> {
    let name = over.file_name()?.to_str()?;
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let base = stem.strip_suffix(".override")?;
    ["yaml", "yml"]
        .iter()
        .map(|ext| over.with_file_name(format!("{base}.{ext}")))
        .find(|p| p.is_file())
}

/// A Compose project to load: its main file, then its override file if any.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ComposeProject {
    pub files: Vec<PathBuf>,
}

/// What `check` is to read.
#[derive(Debug, Default)]
pub struct Found {
    pub dockerfiles: Vec<PathBuf>,
    pub compose: Vec<ComposeProject>,
}

/// Every Dockerfile and Compose project under `paths`. A file named explicitly is a Compose
/// file when its name says so (an override file then brings its main file), else a Dockerfile
/// whatever its name.
/// [`discover`] under `paths`, the current directory when none is named; an error is
/// printed and becomes exit code 2.
pub fn discover_or_exit(paths: &[PathBuf]) -> Result<Found, std::process::ExitCode> {
    let here = [PathBuf::from(".")];
    let paths = if paths.is_empty() { &here[..] } else { paths };
    discover(paths).map_err(|e| {
        eprintln!("error: {e}");
        std::process::ExitCode::from(2)
    })
}

pub fn discover(paths: &[PathBuf]) -> Result<Found, String> {
    let mut dockerfiles = Vec::new();
    let mut mains: BTreeSet<PathBuf> = BTreeSet::new();
    // Override files named explicitly whose main file is missing: loaded alone.
    let mut lone_overrides: BTreeSet<PathBuf> = BTreeSet::new();
    for path in paths {
        if path.is_file() {
            match path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(compose_name)
            {
                Some(ComposeName::Main) => {
                    mains.insert(path.clone());
                }
                Some(ComposeName::Override) => match main_of(path) {
                    Some(main) => {
                        mains.insert(main);
                    }
                    None => {
                        lone_overrides.insert(path.clone());
                    }
                },
                None => dockerfiles.push(path.clone()),
            }
            continue;
        }
        if !path.exists() {
            return Err(format!("{}: no such file or directory", path.display()));
        }
        let walker = ignore::WalkBuilder::new(path).build();
        for entry in walker {
            let entry = entry.map_err(|e| e.to_string())?;
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let Some(name) = entry.file_name().to_str() else {
                continue;
            };
            if is_dockerfile_name(name) {
                dockerfiles.push(entry.into_path());
            } else if compose_name(name) == Some(ComposeName::Main) {
                mains.insert(entry.into_path());
            }
        }
    }
    dockerfiles.sort();
    dockerfiles.dedup();
    let mut compose: Vec<ComposeProject> = mains
        .into_iter()
        .map(|main| {
            let mut files = vec![main.clone()];
            files.extend(override_of(&main));
            ComposeProject { files }
        })
        .chain(
            lone_overrides
                .into_iter()
                .map(|f| ComposeProject { files: vec![f] }),
        )
        .collect();
    compose.sort();
    Ok(Found {
        dockerfiles,
        compose,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_compose_names() {
        for main in [
            "compose.yaml",
            "compose.yml",
            "docker-compose.yaml",
            "docker-compose.yml",
            "docker-compose.prod.yml",
            "compose.dev.yaml",
        ] {
            assert_eq!(compose_name(main), Some(ComposeName::Main), "{main}");
        }
        for over in [
            "compose.override.yaml",
            "docker-compose.override.yml",
            "docker-compose.prod.override.yml",
        ] {
            assert_eq!(compose_name(over), Some(ComposeName::Override), "{over}");
        }
        for no in [
            "compose.json",
            "composer.yaml",
            "docker-compose",
            "compose..yaml",
            "mycompose.yaml",
            "Dockerfile",
            "docker-compose.yml.bak",
        ] {
            assert_eq!(compose_name(no), None, "{no}");
        }
    }

    #[test]
    fn groups_a_main_file_with_its_override_only() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for name in [
            "compose.yaml",
            "compose.override.yml",
            "docker-compose.prod.yml",
            "docker-compose.prod.override.yaml",
            "docker-compose.dev.yml",
            "other/compose.override.yaml",
            "Dockerfile",
        ] {
            let p = root.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "services: {}\n").unwrap();
        }
        let found = discover(&[root.to_path_buf()]).unwrap();
        assert_eq!(found.dockerfiles, vec![root.join("Dockerfile")]);
        let projects: Vec<Vec<PathBuf>> = found.compose.into_iter().map(|p| p.files).collect();
        assert_eq!(
            projects,
            vec![
                vec![root.join("compose.yaml"), root.join("compose.override.yml")],
                vec![root.join("docker-compose.dev.yml")],
                vec![
                    root.join("docker-compose.prod.yml"),
                    root.join("docker-compose.prod.override.yaml")
                ],
            ]
        );
        // Named explicitly, an override file brings its main file; a lone one is loaded alone.
        let found = discover(&[
            root.join("compose.override.yml"),
            root.join("other/compose.override.yaml"),
        ])
        .unwrap();
        assert!(found.dockerfiles.is_empty());
        let projects: Vec<Vec<PathBuf>> = found.compose.into_iter().map(|p| p.files).collect();
        assert_eq!(
            projects,
            vec![
                vec![root.join("compose.yaml"), root.join("compose.override.yml")],
                vec![root.join("other/compose.override.yaml")],
            ]
        );
    }

    #[test]
    fn recognises_dockerfile_names() {
        for yes in [
            "Dockerfile",
            "dockerfile",
            "Containerfile",
            "Dockerfile.prod",
            "api.Dockerfile",
            "build.dockerfile",
        ] {
            assert!(is_dockerfile_name(yes), "{yes}");
        }
        for no in [
            "Dockerfile.dockerignore",
            "Dockerfile.template",
            "Dockerfile.j2",
            "dockerfile.go",
            "Dockerfile.orig",
            "docker-compose.yml",
            "Dockerfiles",
            "README.md",
        ] {
            assert!(!is_dockerfile_name(no), "{no}");
        }
    }
}
