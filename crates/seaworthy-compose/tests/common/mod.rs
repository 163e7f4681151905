//! Helpers the Compose loader's test files share.

use std::path::{Path, PathBuf};

use seaworthy_compose::Options;

/// Loader options for `files` (relative to `dir`, the working directory) in an environment of
/// exactly `env`, consistency checks on.
pub fn options(dir: &Path, files: &[&str], env: &[(&str, &str)]) -> Options {
    Options {
        files: files.iter().map(PathBuf::from).collect(),
        environment: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        working_dir: dir.to_path_buf(),
        ..Options::default()
    }
}
