//! The rule catalogue. A rule is a pure function of a model: it reads the resolved Dockerfile
//! (and later Compose projects, images, containers) and emits [`Finding`]s. Rules know nothing
//! of files on disk, output formats or the command line.
//!
//! One rule, one file: `src/rules/<target>/<rule_name>.rs` holds its metadata, documentation,
//! check and tests, so a newcomer finds everything about a rule in one place.

mod finding;
pub mod fix;
#[cfg(test)]
mod fix_properties;
mod host;
pub mod rules;
mod secret_names;
mod settings;
pub mod shellcheck;
pub mod suppress;
pub mod suppress_yaml;
#[cfg(test)]
pub(crate) mod testing;

pub use finding::{
    Category, Edit, FileWrite, Finding, Fix, FixKind, Related, RuleMeta, Severity, WriteKind,
};
pub use rules::compose::{check_compose, ComposeContext, ComposeRule};
pub use rules::dockerfile::{
    check_dockerfile, check_dockerfile_text, DockerfileContext, DockerfileRule,
};
pub use settings::{LabelType, PinLevel, Settings};

/// Every rule's metadata, in id order.
pub fn catalogue() -> Vec<&'static RuleMeta> {
    let mut all: Vec<&'static RuleMeta> = rules::dockerfile::all()
        .iter()
        .map(|r| r.meta())
        .chain(rules::compose::all().iter().map(|r| r.meta()))
        .chain(rules::image::metas())
        .chain(rules::runtime::metas())
        .collect();
    all.sort_by_key(|m| m.id);
    all
}

/// What `seaworthy fix` can do about the findings of the rule `m`.
pub fn fix_kind(m: &RuleMeta) -> FixKind {
    rules::dockerfile::all()
        .iter()
        .find(|r| std::ptr::eq(r.meta(), m))
        .map(|r| r.fix_kind())
        .or_else(|| {
            rules::compose::all()
                .iter()
                .find(|r| std::ptr::eq(r.meta(), m))
                .map(|r| r.fix_kind())
        })
        .unwrap_or(FixKind::None)
}

/// How a rule's documentation says what `seaworthy fix` does about it.
pub fn fix_doc(m: &RuleMeta) -> &'static str {
    match fix_kind(m) {
        FixKind::None => "none",
        FixKind::Safe => "`seaworthy fix`",
        FixKind::Unsafe => "`seaworthy fix --unsafe-fixes`",
    }
}

/// A rule's documentation page in Markdown, as docs/rules/<ID>.md holds it.
pub fn rule_markdown(m: &RuleMeta) -> String {
    let aliases = if m.aliases.is_empty() {
        "none (seaworthy is the first to check this)".to_owned()
    } else {
        m.aliases
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "<!-- Generated from crates/seaworthy-rules: edit the rule's source, then run\n     \
         `UPDATE_RULE_DOCS=1 cargo test -p seaworthy-rules rule_docs`. -->\n\
         # {id} {name}\n\n\
         {summary}\n\n\
         | severity | category | practice | fix | also known as |\n\
         |---|---|---|---|---|\n\
         | {severity} | {category} | {practice} | {fix} | {aliases} |\n\n\
         ## Why it matters\n\n{why}\n\n\
         ## Example\n\n```{lang}\n{bad}```\n\n\
         ## Use instead\n\n```{lang}\n{good}```\n",
        lang = example_language(m),
        id = m.id,
        name = m.name,
        summary = m.summary,
        severity = m.severity,
        category = m.category.as_str(),
        practice = if m.practice == 0 {
            "correctness".to_owned()
        } else {
            format!("#{}", m.practice)
        },
        fix = fix_doc(m),
        why = m.why,
        bad = m.bad,
        good = m.good,
    )
}

/// The language of a rule's examples, for code fences: Compose rules (`SW2xxx`) show YAML,
/// image rules (`SW3xxx`) the Dockerfile that builds the image, container rules (`SW4xxx`) the
/// `docker run` command line, daemon rules (`SW5xxx`) daemon.json.
pub fn example_language(m: &RuleMeta) -> &'static str {
    match m.id.get(..3) {
        Some("SW2") => "yaml",
        Some("SW4") => "sh",
        Some("SW5") => "json",
        _ => "dockerfile",
    }
}

/// Looks a rule up by id (`SW1001`), name (`last-user-root`) or alias (`DL3002`), case-insensitively.
pub fn find_rule(key: &str) -> Option<&'static RuleMeta> {
    catalogue().into_iter().find(|m| {
        m.id.eq_ignore_ascii_case(key)
            || m.name.eq_ignore_ascii_case(key)
            || m.aliases.iter().any(|a| a.eq_ignore_ascii_case(key))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_names_and_aliases_are_unique_and_well_formed() {
        let all = catalogue();
        assert!(!all.is_empty());
        let mut keys = std::collections::HashSet::new();
        for m in &all {
            assert!(m.id.len() == 6 && m.id.starts_with("SW"), "{}", m.id);
            assert!(
                m.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{} is not kebab-case",
                m.name
            );
            for key in std::iter::once(m.id)
                .chain([m.name])
                .chain(m.aliases.iter().copied())
            {
                assert!(keys.insert(key.to_ascii_lowercase()), "{key} used twice");
            }
            for section in [m.summary, m.why, m.bad, m.good] {
                assert!(!section.trim().is_empty(), "{} lacks documentation", m.id);
            }
        }
    }

    /// A rule that says it has a fix offers one on its documented bad example, of the kind it
    /// says, and the fix makes the example pass; a rule that says it has none offers none.
    #[test]
    fn fix_kinds_match_what_the_documented_examples_get() {
        for rule in rules::dockerfile::all() {
            let m = rule.meta();
            let (fixed, applied) = testing::fixed(*rule, m.bad);
            check_kind(m.id, rule.fix_kind(), &applied);
            if rule.fix_kind() != FixKind::None {
                assert!(
                    testing::findings(*rule, &fixed).is_empty(),
                    "{}: the fixed bad example still fails:\n{fixed}",
                    m.id
                );
            }
        }
        for rule in rules::compose::all() {
            let m = rule.meta();
            let (files, applied) = testing::compose::fixed_files(*rule, &[("compose.yaml", m.bad)]);
            check_kind(m.id, rule.fix_kind(), &applied);
            if rule.fix_kind() != FixKind::None {
                let fixed = &files.iter().find(|(n, _)| n == "compose.yaml").unwrap().1;
                testing::compose::assert_clean(*rule, fixed);
            }
        }
    }

    fn check_kind(id: &str, kind: FixKind, applied: &[Fix]) {
        match kind {
            FixKind::None => assert!(applied.is_empty(), "{id} fixes but says it does not"),
            FixKind::Safe => assert!(
                !applied.is_empty() && applied.iter().all(|f| f.safe),
                "{id}: its bad example gets no safe fix"
            ),
            FixKind::Unsafe => assert!(
                !applied.is_empty() && applied.iter().any(|f| !f.safe),
                "{id}: its bad example gets no unsafe fix"
            ),
        }
    }

    /// docs/rules is generated from the rules' own documentation; this fails when it is stale.
    #[test]
    fn rule_docs_are_up_to_date() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules");
        let update = std::env::var_os("UPDATE_RULE_DOCS").is_some();
        let mut index = String::from(
            "<!-- Generated from crates/seaworthy-rules. -->\n# seaworthy rules\n\n\
             | id | name | severity | category | summary |\n|---|---|---|---|---|\n",
        );
        let mut stale = Vec::new();
        let mut expected_files = vec!["README.md".to_owned()];
        for m in catalogue() {
            index.push_str(&format!(
                "| [{id}]({id}.md) | {} | {} | {} | {} |\n",
                m.name,
                m.severity,
                m.category.as_str(),
                m.summary.replace('|', "\\|"),
                id = m.id
            ));
            let file = format!("{}.md", m.id);
            check_doc(&dir.join(&file), &rule_markdown(m), update, &mut stale);
            expected_files.push(file);
        }
        check_doc(&dir.join("README.md"), &index, update, &mut stale);
        // A page whose rule is gone is stale too.
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !expected_files.contains(&name) {
                if update {
                    std::fs::remove_file(entry.path()).unwrap();
                } else {
                    stale.push(name);
                }
            }
        }
        assert!(
            stale.is_empty(),
            "docs/rules is stale ({}); run `UPDATE_RULE_DOCS=1 cargo test -p seaworthy-rules rule_docs`",
            stale.join(", ")
        );
    }

    fn check_doc(path: &std::path::Path, want: &str, update: bool, stale: &mut Vec<String>) {
        let have = std::fs::read_to_string(path).unwrap_or_default();
        if have != want {
            if update {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, want).unwrap();
            } else {
                stale.push(path.file_name().unwrap().to_string_lossy().into_owned());
            }
        }
    }

    #[test]
    fn rules_are_found_by_id_name_or_alias() {
        let m = find_rule("SW1001").unwrap();
        assert_eq!(find_rule(m.name).unwrap().id, m.id);
        if let Some(alias) = m.aliases.first() {
            assert_eq!(find_rule(&alias.to_lowercase()).unwrap().id, m.id);
        }
        assert!(find_rule("no-such-rule").is_none());
    }
}
