//! Inline suppression in YAML files (Compose files): comments that silence findings.
//!
//! | comment | silences |
//! |---|---|
//! | `# seaworthy ignore=KEY[,KEY…] [reason]` | findings that start on the next non-comment line |
//! | `# seaworthy ignore-file=KEY,…` (anywhere) | the whole file |
//!
//! A KEY is a rule's id, name or alias, compared case-insensitively, as in Dockerfile pragmas
//! ([`crate::suppress`]). A pragma covers the first line after its comment block: other comment
//! lines may stand between them, a blank line may not. The pragma must stand on a line of its
//! own; a comment after a value is not read.

use crate::suppress::{key_list, key_matches, strip_assignment};
use crate::Finding;

/// The pragmas of one YAML file.
#[derive(Debug, Default, Clone)]
pub struct YamlSuppressions {
    /// `(line, keys)`: findings starting on 0-based `line`; `None`, the whole file.
    entries: Vec<(Option<usize>, Vec<String>)>,
    /// Byte offset where each line starts.
    line_starts: Vec<usize>,
}

enum Pragma {
    Next(Vec<String>),
    File(Vec<String>),
}

impl YamlSuppressions {
    /// The pragmas `text` declares.
    pub fn from_text(text: &str) -> YamlSuppressions {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let mut entries = Vec::new();
        let mut pending: Vec<Vec<String>> = Vec::new();
        for (n, line) in text.split('\n').enumerate() {
            let trimmed = line.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
            if trimmed.is_empty() {
                pending.clear();
            } else if trimmed.starts_with('#') {
                match parse_pragma(trimmed) {
                    Some(Pragma::File(keys)) => entries.push((None, keys)),
                    Some(Pragma::Next(keys)) => pending.push(keys),
                    None => {}
                }
            } else {
                entries.extend(pending.drain(..).map(|keys| (Some(n), keys)));
            }
        }
        YamlSuppressions {
            entries,
            line_starts,
        }
    }

    fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Whether a pragma silences `finding` (whose span is in this file).
    pub fn suppresses(&self, finding: &Finding) -> bool {
        let line = self.line_of(finding.span.start);
        self.entries.iter().any(|(at, keys)| {
            at.is_none_or(|at| at == line) && keys.iter().any(|k| key_matches(k, finding))
        })
    }

    /// Drops the findings a pragma silences; every finding must be in this file.
    pub fn apply(&self, findings: &mut Vec<Finding>) {
        if !self.entries.is_empty() {
            findings.retain(|f| !self.suppresses(f));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// One comment line (trimmed, with its `#`) as a pragma.
fn parse_pragma(line: &str) -> Option<Pragma> {
    let body = line.strip_prefix('#')?.trim_start();
    let rest = body.strip_prefix("seaworthy")?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let rest = rest.trim_start();
    if let Some(list) = strip_assignment(rest, "ignore-file") {
        return key_list(list).map(Pragma::File);
    }
    strip_assignment(rest, "ignore")
        .and_then(key_list)
        .map(Pragma::Next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Category, RuleMeta, Severity};
    use seaworthy_dockerfile::Span;

    static RULE: RuleMeta = RuleMeta {
        id: "SW2999",
        name: "compose-test-rule",
        severity: Severity::Warning,
        category: Category::Runtime,
        practice: 0,
        aliases: &["CIS-5.999"],
        summary: "s",
        why: "w",
        bad: "b",
        good: "g",
    };

    /// The finding at the first occurrence of `needle` in `text`.
    fn at(text: &str, needle: &str) -> Finding {
        let start = text.find(needle).unwrap();
        Finding::new(&RULE, Span::new(start, start + needle.len()), "m")
    }

    fn silenced(text: &str, needle: &str) -> bool {
        YamlSuppressions::from_text(text).suppresses(&at(text, needle))
    }

    #[test]
    fn a_pragma_silences_the_next_line_by_id_name_or_alias() {
        for key in ["SW2999", "sw2999", "compose-test-rule", "cis-5.999"] {
            let text = format!(
                "services:\n  web:\n    # seaworthy ignore={key} the host is a CI runner\n    privileged: true\n"
            );
            assert!(silenced(&text, "privileged"), "{key}");
        }
        let text = "services:\n  web:\n    # seaworthy ignore = other-rule , SW2999\n    privileged: true\n";
        assert!(silenced(text, "privileged"));
    }

    #[test]
    fn comment_lines_may_stand_between_but_not_blank_lines() {
        let text = "services:\n  web:\n    # seaworthy ignore=SW2999\n    # why: legacy\n    privileged: true\n";
        assert!(silenced(text, "privileged"));
        let text = "services:\n  web:\n    # seaworthy ignore=SW2999\n\n    privileged: true\n";
        assert!(!silenced(text, "privileged"));
        let text = "services:\n  web:\r\n    # seaworthy ignore=SW2999\r\n    privileged: true\r\n";
        assert!(silenced(text, "privileged"));
    }

    #[test]
    fn a_pragma_covers_one_line_and_its_own_keys() {
        // The line after the next one is not covered.
        let text = "services:\n  web:\n    # seaworthy ignore=SW2999\n    image: nginx\n    privileged: true\n";
        assert!(!silenced(text, "privileged"));
        assert!(silenced(text, "nginx"));
        // Another rule's key does not silence this one.
        let text = "services:\n  web:\n    # seaworthy ignore=SW2300\n    privileged: true\n";
        assert!(!silenced(text, "privileged"));
        // Not a pragma: other words, a trailing comment, a missing list.
        for text in [
            "services:\n  web:\n    # seaworthyignore=SW2999\n    privileged: true\n",
            "services:\n  web:\n    # hadolint ignore=SW2999\n    privileged: true\n",
            "services:\n  web:\n    # seaworthy ignore=\n    privileged: true\n",
            "services:\n  web: # seaworthy ignore=SW2999\n    privileged: true\n",
        ] {
            assert!(!silenced(text, "privileged"), "{text}");
        }
    }

    #[test]
    fn ignore_file_applies_anywhere() {
        let text = "services:\n  web:\n    privileged: true\n\n# seaworthy ignore-file=compose-test-rule\n";
        let s = YamlSuppressions::from_text(text);
        let mut findings = vec![at(text, "privileged"), at(text, "web")];
        s.apply(&mut findings);
        assert!(findings.is_empty());
        let s = YamlSuppressions::from_text("# seaworthy ignore-file=SW1001\nservices: {}\n");
        let mut findings = vec![at(text, "privileged")];
        s.apply(&mut findings);
        assert_eq!(findings.len(), 1);
    }
}
