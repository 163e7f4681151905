//! Test helpers: run one rule on a Dockerfile snippet.

use seaworthy_dockerfile::{BuildContext, BuildOptions, Dockerfile, Model};

use crate::rules::dockerfile::{DockerfileContext, DockerfileRule};
use crate::Settings;

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
    use crate::rules::compose::{ComposeContext, ComposeRule};
    use crate::Settings;

    /// The findings of `rule` on the project made of `files` (name, text; the first is the
    /// main file, the others are passed as further `-f` files when their name contains
    /// "override" or is listed in `extra`, and are otherwise just written beside it, e.g.
    /// `.env` or an `extends` target), as (file name, 1-based line, message).
    pub fn findings_with(
        rule: &dyn ComposeRule,
        settings: &Settings,
        files: &[(&str, &str)],
    ) -> Vec<(String, usize, String)> {
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
