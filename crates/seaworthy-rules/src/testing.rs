//! Test helpers: run one rule on a Dockerfile snippet.

use seaworthy_dockerfile::{BuildContext, BuildOptions, Dockerfile, Model};

use crate::rules::dockerfile::{DockerfileContext, DockerfileRule};
use crate::{Finding, Fix, FixKind, Settings};

/// Settings with a label schema of two required labels, a URL and a text, for the label rules.
pub fn label_schema() -> Settings {
    Settings {
        required_labels: vec![
            (
                "org.opencontainers.image.source".into(),
                crate::LabelType::Url,
            ),
            ("maintainer".into(), crate::LabelType::Text),
        ],
        ..Settings::default()
    }
}

/// The findings of `rule` on `src`, as (1-based line, message).
pub fn findings(rule: &dyn DockerfileRule, src: &str) -> Vec<(usize, String)> {
    findings_with(rule, src, &Settings::default(), None)
}

/// The findings of `rule` on `src` with `settings` and a build context, as (line, message).
pub fn findings_with(
    rule: &dyn DockerfileRule,
    src: &str,
    settings: &Settings,
    build_context: Option<&BuildContext>,
) -> Vec<(usize, String)> {
    let file = Dockerfile::parse(src.as_bytes().to_vec())
        .unwrap_or_else(|e| panic!("snippet does not parse: {e}\n{src}"));
    let model = Model::build(&file, &BuildOptions::default());
    assert!(
        model.errors.is_empty(),
        "snippet has errors: {:?}",
        model.errors
    );
    let cx = DockerfileContext {
        file: &file,
        model: &model,
        settings,
        build_context,
    };
    let mut out = Vec::new();
    rule.check(&cx, &mut out);
    out.iter()
        .map(|f| {
            assert!(f.span.end <= src.len(), "span out of bounds");
            (file.position(f.span.start).line, f.message.clone())
        })
        .collect()
}

/// Asserts the rule fires on every line listed, and only there.
pub fn assert_fires(rule: &dyn DockerfileRule, src: &str, lines: &[usize]) {
    let got: Vec<usize> = findings(rule, src).into_iter().map(|(l, _)| l).collect();
    assert_eq!(got, lines, "{} on:\n{src}", rule.meta().id);
}

/// Asserts the rule stays silent.
pub fn assert_clean(rule: &dyn DockerfileRule, src: &str) {
    let got = findings(rule, src);
    assert!(
        got.is_empty(),
        "{} fired {got:?} on:\n{src}",
        rule.meta().id
    );
}

/// Every rule's documented bad example triggers it and its good example does not.
pub fn assert_documented_examples(rule: &dyn DockerfileRule) {
    let m = rule.meta();
    assert!(
        !findings(rule, m.bad).is_empty(),
        "{}: the bad example does not trigger the rule",
        m.id
    );
    assert_clean(rule, m.good);
}

/// The findings of `rule` on `text`, or why `text` does not parse or model.
fn raw_findings(rule: &dyn DockerfileRule, text: &str) -> Result<Vec<Finding>, String> {
    let file = Dockerfile::parse(text.as_bytes().to_vec()).map_err(|e| e.to_string())?;
    let model = Model::build(&file, &BuildOptions::default());
    if let Some(e) = model.errors.first() {
        return Err(e.message.clone());
    }
    let cx = DockerfileContext {
        file: &file,
        model: &model,
        settings: &Settings::default(),
        build_context: None,
    };
    let mut out = Vec::new();
    rule.check(&cx, &mut out);
    Ok(out)
}

/// Whether every edit of `f`'s fix lies inside the finding's span or one of its related spans
/// (an insertion may sit at either end): a fix never touches bytes the finding is not about.
pub fn fix_stays_in_place(f: &Finding) -> bool {
    let Some(fix) = &f.fix else { return true };
    let spans: Vec<seaworthy_dockerfile::Span> = std::iter::once(f.span)
        .chain(f.related.iter().map(|r| r.span))
        .collect();
    fix.edits.iter().all(|e| {
        spans
            .iter()
            .any(|s| s.start <= e.span.start && e.span.end <= s.end)
    })
}

/// `src` with every fix `rule` offers applied, pass after pass, as `seaworthy fix
/// --unsafe-fixes` applies them, and the fixes applied.
pub fn fixed(rule: &dyn DockerfileRule, src: &str) -> (String, Vec<Fix>) {
    match crate::fix::converge(
        vec![src.to_owned()],
        |t| raw_findings(rule, &t[0]),
        |_, _| true,
    ) {
        Ok(done) => (
            done.texts.into_iter().next().unwrap(),
            done.applied.into_iter().map(|a| a.fix).collect(),
        ),
        Err(e) => panic!("{}: fixing failed: {e:?}\n{src}", rule.meta().id),
    }
}

/// Asserts that the fixes of `rule` turn `bad` into `want`: the rule fires on `bad` with a fix
/// of `kind` on each finding it fixes, every edit stays inside its finding's spans, the result
/// parses and models, the rule is silent on it, and fixing it again changes nothing.
pub fn assert_fix(rule: &dyn DockerfileRule, bad: &str, want: &str, kind: FixKind) {
    let id = rule.meta().id;
    let found = raw_findings(rule, bad).unwrap_or_else(|e| panic!("{id}: {e}\n{bad}"));
    assert!(!found.is_empty(), "{id} does not fire on:\n{bad}");
    for f in found.iter().filter(|f| f.fix.is_some()) {
        let safe = f.fix.as_ref().unwrap().safe;
        assert_eq!(
            if safe { FixKind::Safe } else { FixKind::Unsafe },
            kind,
            "{id}: fix of the wrong kind on:\n{bad}"
        );
        assert!(
            fix_stays_in_place(f),
            "{id}: an edit lies outside the finding: {f:?}"
        );
    }
    let (got, applied) = fixed(rule, bad);
    assert!(!applied.is_empty(), "{id} offers no fix on:\n{bad}");
    assert_eq!(got, want, "{id} fixed:\n{bad}");
    let left = raw_findings(rule, &got).unwrap_or_else(|e| panic!("{id}: {e}\n{got}"));
    assert!(
        left.is_empty(),
        "{id} still fires after its fix: {left:?}\n{got}"
    );
    let (again, applied) = fixed(rule, &got);
    assert!(
        applied.is_empty() && again == got,
        "{id}: a second fix changed:\n{got}"
    );
}

/// Asserts the rule fires on `src` and offers no fix there.
pub fn assert_no_fix(rule: &dyn DockerfileRule, src: &str) {
    let id = rule.meta().id;
    let found = raw_findings(rule, src).unwrap_or_else(|e| panic!("{id}: {e}\n{src}"));
    assert!(!found.is_empty(), "{id} does not fire on:\n{src}");
    assert!(
        found.iter().all(|f| f.fix.is_none()),
        "{id} offers a fix on:\n{src}"
    );
}

#[allow(dead_code)] // used by rules with settings
/// Asserts the rule, run with `settings` (and a build context), fires on exactly these lines.
pub fn assert_fires_with(
    rule: &dyn DockerfileRule,
    settings: &Settings,
    build_context: Option<&BuildContext>,
    src: &str,
    lines: &[usize],
) {
    let got: Vec<usize> = findings_with(rule, src, settings, build_context)
        .into_iter()
        .map(|(l, _)| l)
        .collect();
    assert_eq!(got, lines, "{} on:\n{src}", rule.meta().id);
}

/// Compose rules, tested on projects loaded by the real loader from files written to a
/// temporary directory.
pub mod compose {
    use seaworthy_compose::{yaml, Project};

    use crate::rules::compose::{ComposeContext, ComposeRule};
    use crate::{Finding, Fix, FixKind, Settings, WriteKind};

    /// A temporary directory holding `files` (name, text), and the Compose files among them:
    /// the first, and those whose name contains "override".
    fn write_project(files: &[(&str, &str)]) -> (tempfile::TempDir, Vec<std::path::PathBuf>) {
        let dir = tempfile::tempdir().unwrap();
        let mut compose_files = Vec::new();
        for (i, (name, text)) in files.iter().enumerate() {
            let path = dir.path().join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).unwrap();
            }
            std::fs::write(&path, text).unwrap();
            if i == 0 || name.contains("override") {
                compose_files.push(path);
            }
        }
        (dir, compose_files)
    }

    /// The findings of `rule` on the project made of `files` (name, text; the first is the
    /// main file, the others are passed as further `-f` files when their name contains
    /// "override", and are otherwise just written beside it, e.g.
    /// `.env` or an `extends` target), as (file name, 1-based line, message).
    pub fn findings_with(
        rule: &dyn ComposeRule,
        settings: &Settings,
        files: &[(&str, &str)],
    ) -> Vec<(String, usize, String)> {
        let (dir, compose_files) = write_project(files);
        let options = seaworthy_compose::Options {
            files: compose_files,
            working_dir: dir.path().to_path_buf(),
            ..Default::default()
        };
        let project = seaworthy_compose::load(&options)
            .unwrap_or_else(|e| panic!("project does not load: {e}\n{files:?}"));
        let cx = ComposeContext::new(&project, settings);
        let mut out = Vec::new();
        rule.check(&cx, &mut out);
        out.iter()
            .map(|f| {
                let file = &project.files[f.file];
                assert!(f.span.end <= file.text.len(), "span out of bounds");
                let name = file
                    .path
                    .strip_prefix(dir.path())
                    .unwrap_or(&file.path)
                    .display()
                    .to_string();
                (name, file.position(f.span.start).line, f.message.clone())
            })
            .collect()
    }

    /// The (file name, line) of each finding of `findings_with`.
    pub fn places(found: &[(String, usize, String)]) -> Vec<(&str, usize)> {
        found.iter().map(|(f, l, _)| (f.as_str(), *l)).collect()
    }

    /// The findings of `rule` on a one-file project `compose.yaml`, as lines.
    pub fn lines(rule: &dyn ComposeRule, compose_yaml: &str) -> Vec<usize> {
        findings_with(
            rule,
            &Settings::default(),
            &[("compose.yaml", compose_yaml)],
        )
        .into_iter()
        .map(|(_, line, _)| line)
        .collect()
    }

    /// Asserts the rule fires on exactly these lines of a one-file project.
    pub fn assert_fires(rule: &dyn ComposeRule, compose_yaml: &str, expected: &[usize]) {
        assert_eq!(
            lines(rule, compose_yaml),
            expected,
            "{} on:\n{compose_yaml}",
            rule.meta().id
        );
    }

    /// Asserts the rule stays silent on a one-file project.
    pub fn assert_clean(rule: &dyn ComposeRule, compose_yaml: &str) {
        assert_fires(rule, compose_yaml, &[]);
    }

    /// The files of a project made of `files` (as [`findings_with`] takes them) after every
    /// fix `rule` offers was applied, pass after pass, with each pass reloading the project
    /// from the edited texts: every file of the directory afterwards (fixes may write files
    /// such as a secret and `.gitignore`), by name, and the fixes applied.
    pub fn fixed_files(
        rule: &dyn ComposeRule,
        files: &[(&str, &str)],
    ) -> (Vec<(String, String)>, Vec<Fix>) {
        fixed_files_with(&[rule], files)
    }

    /// [`fixed_files`] with the fixes of several rules together, as `seaworthy fix` applies
    /// them. Every fix offered on the way must stay inside its service
    /// ([`fix_stays_in_service`]).
    pub fn fixed_files_with(
        rules: &[&dyn ComposeRule],
        files: &[(&str, &str)],
    ) -> (Vec<(String, String)>, Vec<Fix>) {
        let ids: Vec<&str> = rules.iter().map(|r| r.meta().id).collect();
        let (dir, compose_files) = write_project(files);
        let settings = Settings::default();
        // The loader's file list, fixed on the first load: texts are indexed by it.
        let mut paths: Vec<std::path::PathBuf> = Vec::new();
        let load = |texts: &[String], paths: &mut Vec<std::path::PathBuf>| {
            let options = seaworthy_compose::Options {
                files: compose_files.clone(),
                working_dir: dir.path().to_path_buf(),
                texts: paths.iter().cloned().zip(texts.iter().cloned()).collect(),
                ..Default::default()
            };
            let project = seaworthy_compose::load(&options).map_err(|e| e.to_string())?;
            if paths.is_empty() {
                *paths = project.files.iter().map(|f| f.path.clone()).collect();
            }
            let cx = ComposeContext::new(&project, &settings);
            let mut out = Vec::new();
            for rule in rules {
                rule.check(&cx, &mut out);
            }
            for f in out.iter().filter(|f| f.fix.is_some()) {
                assert!(
                    fix_stays_in_service(&project, f),
                    "{}: an edit lies outside the service: {f:?}\n{}",
                    f.rule.id,
                    project.files[f.file].text
                );
            }
            Ok::<_, String>((project, out))
        };
        let (first, _) = load(&[], &mut paths).unwrap_or_else(|e| panic!("{e}"));
        let texts: Vec<String> = first.files.iter().map(|f| f.text.clone()).collect();
        let done = crate::fix::converge(
            texts,
            |t| load(t, &mut paths).map(|(_, out)| out),
            |_, _| true,
        )
        .unwrap_or_else(|e| panic!("{ids:?}: fixing failed: {e:?}"));
        let mut fixes = Vec::new();
        for applied in &done.applied {
            let base = paths[applied.file].parent().unwrap().to_path_buf();
            for w in &applied.fix.writes {
                let path = base.join(&w.path);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).unwrap();
                }
                match w.how {
                    WriteKind::CreateSecret => {
                        assert!(!path.exists(), "{} exists", path.display());
                        std::fs::write(&path, &w.contents).unwrap();
                    }
                    WriteKind::AppendLines => {
                        let mut text = std::fs::read_to_string(&path).unwrap_or_default();
                        for line in w.contents.lines() {
                            if !text.lines().any(|l| l == line) {
                                if !text.is_empty() && !text.ends_with('\n') {
                                    text.push('\n');
                                }
                                text.push_str(line);
                                text.push('\n');
                            }
                        }
                        std::fs::write(&path, text).unwrap();
                    }
                }
            }
            fixes.push(applied.fix.clone());
        }
        for (path, text) in paths.iter().zip(&done.texts) {
            std::fs::write(path, text).unwrap();
        }
        let mut out = Vec::new();
        for entry in walkdir(dir.path()) {
            let name = entry
                .strip_prefix(dir.path())
                .unwrap()
                .display()
                .to_string();
            out.push((name, std::fs::read_to_string(&entry).unwrap()));
        }
        out.sort();
        (out, fixes)
    }

    fn walkdir(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(walkdir(&path));
            } else {
                out.push(path);
            }
        }
        out
    }

    /// Asserts that the fixes of `rule` turn the one-file project `bad` into `want`: each
    /// fix offered is of `kind` and stays inside its service, the rule is silent on the
    /// result, and fixing it again changes nothing.
    pub fn assert_fix(rule: &dyn ComposeRule, bad: &str, want: &str, kind: FixKind) {
        let id = rule.meta().id;
        let (files, fixes) = fixed_files(rule, &[("compose.yaml", bad)]);
        assert!(!fixes.is_empty(), "{id} offers no fix on:\n{bad}");
        for fix in &fixes {
            let got = if fix.safe {
                FixKind::Safe
            } else {
                FixKind::Unsafe
            };
            assert_eq!(got, kind, "{id}: fix of the wrong kind on:\n{bad}");
        }
        let got = &files.iter().find(|(n, _)| n == "compose.yaml").unwrap().1;
        assert_eq!(got, want, "{id} fixed:\n{bad}");
        assert_clean(rule, got);
        let (again, fixes) = fixed_files(rule, &[("compose.yaml", got)]);
        assert!(
            fixes.is_empty() && again.iter().any(|(n, t)| n == "compose.yaml" && t == got),
            "{id}: a second fix changed:\n{got}"
        );
    }

    /// Whether every edit of `f`'s fix lies inside the entry of the service the finding is
    /// in, in the finding's file: from the service's key to the end of the line its value
    /// ends on. A fix that writes a secret file may also edit the top-level `secrets:` entry
    /// (to the end of its last line) or insert at the end of the file.
    pub fn fix_stays_in_service(project: &Project, f: &Finding) -> bool {
        let Some(fix) = &f.fix else { return true };
        let text = &project.files[f.file].text;
        let line_end = |at: usize| {
            let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
            end - usize::from(text[..end].ends_with('\r'))
        };
        let docs = yaml::parse_documents(text).unwrap();
        let mut allowed = Vec::new();
        for doc in &docs {
            for (k, v) in doc
                .root
                .get("services")
                .and_then(|s| s.as_map())
                .unwrap_or(&[])
            {
                let entry = (k.span.start, line_end(v.span.end.max(k.span.end)));
                if entry.0 <= f.span.start && f.span.end <= entry.1 {
                    allowed.push(entry);
                }
            }
            if let Some((k, v)) = doc.root.entry("secrets").filter(|_| !fix.writes.is_empty()) {
                allowed.push((k.span.start, line_end(v.span.end.max(k.span.end))));
            }
        }
        if !fix.writes.is_empty() {
            allowed.push((text.len(), text.len()));
        }
        fix.edits.iter().all(|e| {
            allowed
                .iter()
                .any(|&(start, end)| start <= e.span.start && e.span.end <= end)
        })
    }

    /// Asserts the rule fires on the one-file project `src` and offers no fix there.
    pub fn assert_no_fix(rule: &dyn ComposeRule, src: &str) {
        let id = rule.meta().id;
        assert!(
            !lines(rule, src).is_empty(),
            "{id} does not fire on:\n{src}"
        );
        let (_, fixes) = fixed_files(rule, &[("compose.yaml", src)]);
        assert!(fixes.is_empty(), "{id} offers a fix on:\n{src}");
    }

    /// Asserts the rule fires on the project made of `files` (as [`findings_with`] takes
    /// them) and offers no fix there: every file stays as it was.
    pub fn assert_no_fix_in(rule: &dyn ComposeRule, files: &[(&str, &str)]) {
        let id = rule.meta().id;
        let found = findings_with(rule, &Settings::default(), files);
        assert!(!found.is_empty(), "{id} does not fire on {files:?}");
        let (after, fixes) = fixed_files(rule, files);
        assert!(
            fixes.is_empty(),
            "{id} offers a fix on {files:?}: {fixes:?}"
        );
        for (name, text) in files {
            assert!(
                after.iter().any(|(n, t)| n == name && t == text),
                "{id} changed {name}: {after:?}"
            );
        }
    }

    /// The rule's documented bad example triggers it, its good example does not.
    pub fn assert_documented_examples(rule: &dyn ComposeRule) {
        let m = rule.meta();
        assert!(
            !lines(rule, m.bad).is_empty(),
            "{}: the bad example does not trigger the rule",
            m.id
        );
        assert_clean(rule, m.good);
    }
}
