//! Finding the files to check: a gitignore-aware walk (ripgrep's `ignore` crate) and
//! classification by file name.

use std::path::PathBuf;

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

/// Every Dockerfile under `paths`. A file named explicitly is taken whatever its name.
pub fn dockerfiles(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_file() {
            out.push(path.clone());
            continue;
        }
        if !path.exists() {
            return Err(format!("{}: no such file or directory", path.display()));
        }
        let walker = ignore::WalkBuilder::new(path).build();
        for entry in walker {
            let entry = entry.map_err(|e| e.to_string())?;
            if entry.file_type().is_some_and(|t| t.is_file())
                && entry.file_name().to_str().is_some_and(is_dockerfile_name)
            {
                out.push(entry.into_path());
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::is_dockerfile_name;

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
