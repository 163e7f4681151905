//! The rule catalogue. A rule is a pure function of a model: it reads the resolved Dockerfile
//! (and later Compose projects, images, containers) and emits [`Finding`]s. Rules know nothing
//! of files on disk, output formats or the command line.
//!
//! One rule, one file: `src/rules/<target>/<rule_name>.rs` holds its metadata, documentation,
//! check and tests, so a newcomer finds everything about a rule in one place.

mod finding;
pub mod rules;
#[cfg(test)]
pub(crate) mod testing;

pub use finding::{Category, Edit, Finding, Fix, Related, RuleMeta, Severity};
pub use rules::dockerfile::{check_dockerfile, DockerfileContext, DockerfileRule};

/// Every rule's metadata, in id order.
pub fn catalogue() -> Vec<&'static RuleMeta> {
    let mut all: Vec<&'static RuleMeta> =
        rules::dockerfile::all().iter().map(|r| r.meta()).collect();
    all.sort_by_key(|m| m.id);
    all
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
