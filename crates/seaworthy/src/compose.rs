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

/// A project ready to load: its files, absolute, and how to show their paths.
pub struct Prepared {
    paths: Paths,
    options: seaworthy_compose::Options,
}

impl Prepared {
    pub fn new(project: &ComposeProject, cwd: &Path, load: &LoadOptions) -> Prepared {
        let first = project.files[0].clone();
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
            consistency: true,
            texts: HashMap::new(),
        };
        Prepared { paths, options }
    }

    /// The path of a loaded file as the user should see it.
    pub fn show(&self, path: &Path) -> PathBuf {
        self.paths.show(path)
    }

    /// Loads the project, reading the files in `texts` (absolute path → text) from there
    /// instead of the disk; an error is one `file:line:col: error: message` line.
    pub fn load(
        &self,
        texts: HashMap<PathBuf, String>,
    ) -> Result<seaworthy_compose::Project, String> {
        let options = seaworthy_compose::Options {
            texts,
            ..self.options.clone()
        };
        seaworthy_compose::load(&options).map_err(|e| {
            let path = self.paths.show(&e.path);
            // The loader names the file it was reading.
            match e.position {
                Some(p) => format!(
                    "{}:{}:{}: error: {}",
                    path.display(),
                    p.line,
                    p.column,
                    e.message
                ),
                None => format!("{}: error: {}", path.display(), e.message),
            }
        })
    }

    /// The findings of the Compose rules on a loaded project, each file's pragmas and the
    /// configuration for its path applied; each finding keeps its file index.
    pub fn findings(&self, loaded: &seaworthy_compose::Project, config: &Config) -> Vec<Finding> {
        let mut findings = seaworthy_rules::check_compose(loaded, &config.settings);
        let mut kept = Vec::new();
        for (i, source) in loaded.files.iter().enumerate() {
            let path = self.paths.show(&source.path);
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
            kept.extend(mine);
        }
        kept
    }
}

pub fn check_project(
    project: &ComposeProject,
    config: &Config,
    cwd: &Path,
    load: &LoadOptions,
) -> ComposeReport {
    let prepared = Prepared::new(project, cwd, load);
    let mut report = ComposeReport {
        path: project.files[0].clone(),
        files: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let loaded = match prepared.load(HashMap::new()) {
        Ok(p) => p,
        Err(e) => {
            report.errors.push(e);
            return report;
        }
    };
    for v in &loaded.unset_variables {
        let (path, pos) = loaded.locate(v.origin);
        report.warnings.push(format!(
            "{}:{pos}: warning: the {:?} variable is not set, defaulting to a blank string",
            prepared.show(&path).display(),
            v.value
        ));
    }
    let mut findings = prepared.findings(&loaded, config);
    for (i, source) in loaded.files.iter().enumerate() {
        let (mine, rest): (Vec<Finding>, Vec<Finding>) =
            findings.into_iter().partition(|f| f.file == i);
        findings = rest;
        report.files.push(CheckedFile {
            path: prepared.show(&source.path),
            text: Text::new(source.text.clone().into_bytes()),
            findings: mine,
        });
    }
    report
}

/// One copy of each file that several projects read (an `extends` base or an `include`d file
/// in a parent directory shared by two compose.yaml files), with one copy of each finding in
/// it: the first project that reads the file keeps it; a later project's copy gives the
/// first the findings it did not have (same rule, span and message: a rule can judge a shared
/// file differently in each project) and is dropped. A warning line printed for an earlier
/// project is dropped too; errors stay, as each project failed. Projects stay in their order.
pub fn dedupe(mut projects: Vec<ComposeReport>) -> Vec<ComposeReport> {
    // Path → (project, file) of its first copy.
    let mut first: HashMap<PathBuf, (usize, usize)> = HashMap::new();
    let mut warned: std::collections::HashSet<String> = std::collections::HashSet::new();
    for p in 0..projects.len() {
        // A warning about a shared file (an unset variable in it) is printed once too.
        projects[p].warnings.retain(|w| warned.insert(w.clone()));
        let mut kept = Vec::new();
        for file in std::mem::take(&mut projects[p].files) {
            let Some(&(fp, fi)) = first.get(&file.path) else {
                first.insert(file.path.clone(), (p, kept.len()));
                kept.push(file);
                continue;
            };
            let earlier = if fp == p {
                &mut kept[fi]
            } else {
                &mut projects[fp].files[fi]
            };
            for finding in file.findings {
                let same = |f: &Finding| {
                    f.rule.id == finding.rule.id
                        && f.span == finding.span
                        && f.message == finding.message
                };
                if !earlier.findings.iter().any(same) {
                    earlier.findings.push(finding);
                }
            }
            earlier.findings.sort_by(|a, b| {
                (a.span.start, a.span.end, a.rule.id).cmp(&(b.span.start, b.span.end, b.rule.id))
            });
        }
        projects[p].files = kept;
    }
    projects
}

#[cfg(test)]
mod tests {
    use super::{dedupe, tidy, CheckedFile, ComposeReport};
    use seaworthy_report::Text;
    use seaworthy_rules::{Finding, RuleMeta};
    use std::path::{Path, PathBuf};

    fn meta(id: &str) -> &'static RuleMeta {
        seaworthy_rules::catalogue()
            .into_iter()
            .find(|m| m.id == id)
            .unwrap()
    }

    fn file(path: &str, findings: &[(&str, usize, &str)]) -> CheckedFile {
        CheckedFile {
            path: PathBuf::from(path),
            text: Text::new(b"services: {}\n".to_vec()),
            findings: findings
                .iter()
                .map(|(id, at, message)| {
                    Finding::new(
                        meta(id),
                        seaworthy_dockerfile::Span::new(*at, *at + 1),
                        *message,
                    )
                })
                .collect(),
        }
    }

    fn project(files: Vec<CheckedFile>, warnings: &[&str]) -> ComposeReport {
        ComposeReport {
            path: files[0].path.clone(),
            files,
            errors: Vec::new(),
            warnings: warnings.iter().map(|w| (*w).to_owned()).collect(),
        }
    }

    /// A file's path and its findings' (start, message).
    type FileShape = (String, Vec<(usize, String)>);

    #[test]
    fn dedupe_keeps_one_copy_of_a_shared_file_and_of_each_finding() {
        let projects = vec![
            project(
                vec![
                    file("a/compose.yaml", &[("SW2300", 5, "a")]),
                    file("base.yml", &[("SW2300", 9, "shared"), ("SW2103", 3, "x")]),
                ],
                &[
                    "base.yml:2:3: warning: unset",
                    "a/compose.yaml:1:1: warning: a",
                ],
            ),
            project(
                vec![
                    file("b/compose.yaml", &[("SW2300", 5, "a")]),
                    // The same finding, and one the first project did not get there.
                    file(
                        "base.yml",
                        &[("SW2300", 9, "shared"), ("SW2300", 1, "only b")],
                    ),
                ],
                &["base.yml:2:3: warning: unset"],
            ),
        ];
        let projects = dedupe(projects);
        let shape: Vec<Vec<FileShape>> = projects
            .iter()
            .map(|p| {
                p.files
                    .iter()
                    .map(|f| {
                        (
                            f.path.display().to_string(),
                            f.findings
                                .iter()
                                .map(|f| (f.span.start, f.message.clone()))
                                .collect(),
                        )
                    })
                    .collect()
            })
            .collect();
        let s = |t: &str| t.to_owned();
        assert_eq!(
            shape,
            [
                vec![
                    (s("a/compose.yaml"), vec![(5, s("a"))]),
                    (
                        s("base.yml"),
                        vec![(1, s("only b")), (3, s("x")), (9, s("shared"))]
                    ),
                ],
                // Same rule, span and message in another file: kept.
                vec![(s("b/compose.yaml"), vec![(5, s("a"))])],
            ]
        );
        assert_eq!(projects[0].warnings.len(), 2);
        assert!(projects[1].warnings.is_empty());
    }

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
