//! Checking one Compose project: load it as `docker compose config` would, run the Compose
//! rules, and split the findings per file (a finding in an override file points at it), with
//! each file's pragmas and the configuration applied to its path.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use seaworthy_report::Text;
use seaworthy_rules::suppress_yaml::YamlSuppressions;
use seaworthy_rules::Finding;

use crate::config::Config;
use crate::discover::ComposeProject;

/// One file of a checked project.
pub struct CheckedFile {
    /// The path as the user should see it.
    pub path: PathBuf,
    pub text: Text,
    pub findings: Vec<Finding>,
}

/// What checking a project gave.
pub struct ComposeReport {
    /// The project's first file, as discovered.
    pub path: PathBuf,
    /// Every file the project was read from (main, override, `extends` and `include` files);
    /// empty when it did not load.
    pub files: Vec<CheckedFile>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

/// Maps the loader's absolute paths back to the paths the user named or discovery found.
struct Paths {
    /// `(absolute, shown)` for the project's own files.
    known: Vec<(PathBuf, PathBuf)>,
    /// The project directory, absolute and shown.
    dir: PathBuf,
    shown_dir: PathBuf,
}

impl Paths {
    fn show(&self, path: &Path) -> PathBuf {
        if let Some((_, shown)) = self.known.iter().find(|(abs, _)| abs == path) {
            return shown.clone();
        }
        match path.strip_prefix(&self.dir) {
            Ok(rel) => tidy(&self.shown_dir.join(rel)),
            Err(_) => tidy(path),
        }
    }
}

/// `a/../b` as `b`, lexically (an `extends` or `include` file given as `../common.yml`); a
/// leading `./` stays, as discovery shows it.
fn tidy(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            Component::ParentDir if matches!(out.last(), Some(Component::RootDir)) => {}
            c => out.push(c),
        }
    }
    out.iter().collect()
}

/// What `check` passes to every project's loader, as `docker compose` takes it.
pub struct LoadOptions {
    /// `--env-file`s (absolute), replacing each project's `.env`.
    pub env_files: Vec<PathBuf>,
    /// `--profile`s.
    pub profiles: Vec<String>,
    /// The process environment.
    pub environment: HashMap<String, String>,
}

pub fn check_project(
    project: &ComposeProject,
    config: &Config,
    cwd: &Path,
    load: &LoadOptions,
) -> ComposeReport {
    let first = project.files[0].clone();
    let mut report = ComposeReport {
        path: first.clone(),
        files: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let known: Vec<(PathBuf, PathBuf)> = project
        .files
        .iter()
        .map(|f| (cwd.join(f), f.clone()))
        .collect();
    let dir = known[0]
        .0
        .parent()
        .map_or_else(|| cwd.to_path_buf(), Path::to_path_buf);
    let paths = Paths {
        dir: dir.clone(),
        shown_dir: first.parent().map(Path::to_path_buf).unwrap_or_default(),
        known,
    };
    let options = seaworthy_compose::Options {
        files: paths.known.iter().map(|(abs, _)| abs.clone()).collect(),
        working_dir: dir,
        environment: load.environment.clone(),
        env_files: load.env_files.clone(),
        profiles: load.profiles.clone(),
    };
    let loaded = match seaworthy_compose::load(&options) {
        Ok(p) => p,
        Err(e) => {
            let path = paths.show(&e.path);
            // The loader names the file it was reading.
            report.errors.push(match e.position {
                Some(p) => format!(
                    "{}:{}:{}: error: {}",
                    path.display(),
                    p.line,
                    p.column,
                    e.message
                ),
                None => format!("{}: error: {}", path.display(), e.message),
            });
            return report;
        }
    };
    for v in &loaded.unset_variables {
        let (path, pos) = loaded.locate(v.origin);
        report.warnings.push(format!(
            "{}:{pos}: warning: the {:?} variable is not set, defaulting to a blank string",
            paths.show(&path).display(),
            v.value
        ));
    }
    let mut findings = seaworthy_rules::check_compose(&loaded, &config.settings);
    for (i, source) in loaded.files.iter().enumerate() {
        let path = paths.show(&source.path);
        let mut mine: Vec<Finding> = Vec::new();
        let mut rest = Vec::new();
        for f in findings {
            if f.file == i {
                mine.push(f);
            } else {
                rest.push(f);
            }
        }
        findings = rest;
        if config.inline_ignores {
            YamlSuppressions::from_text(&source.text).apply(&mut mine);
        }
        config.filter(&path, &mut mine);
        report.files.push(CheckedFile {
            path,
            text: Text::new(source.text.clone().into_bytes()),
            findings: mine,
        });
    }
    report
}

#[cfg(test)]
mod tests {
    use super::tidy;
    use std::path::{Path, PathBuf};

    #[test]
    fn tidy_resolves_parent_components_lexically() {
        for (path, want) in [
            ("./app/../common/base.yml", "./common/base.yml"),
            ("/srv/app/../../x.yml", "/x.yml"),
            ("/../x.yml", "/x.yml"),
            ("../x.yml", "../x.yml"),
            ("app/compose.yaml", "app/compose.yaml"),
        ] {
            assert_eq!(tidy(Path::new(path)), PathBuf::from(want), "{path}");
        }
    }
}
