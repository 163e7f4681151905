//! Inline suppression: comments in a Dockerfile that silence findings.
//!
//! seaworthy honours its own pragmas and those of the tools users switch from, so that a file
//! linted with hadolint, BuildKit's checks or trivy keeps its exceptions:
//!
//! | comment | silences |
//! |---|---|
//! | `# seaworthy ignore=KEY[,KEY…] [reason]` | the next instruction |
//! | `# seaworthy ignore-stage=KEY,…` | the stage of the next instruction |
//! | `# seaworthy ignore-file=KEY,…` (anywhere) | the whole file |
//! | `# hadolint ignore=KEY,…` | the next instruction |
//! | `# hadolint stage ignore=KEY,…` | the stage of the next instruction |
//! | `# hadolint global ignore=KEY,…` (anywhere) | the whole file |
//! | `# check=skip=Name,…` parser directive | the whole file |
//! | `# check=skip=Name,…` above an instruction | that instruction, or the stage above a FROM |
//! | `# trivy:ignore:ID` | the next instruction |
//!
//! A KEY is a rule's id, name or any alias, compared case-insensitively: `DL3004`, `SW1408`,
//! `sudo-in-run` and `AVD-DS-0010` all name the same rule, and `SC2086` names a ShellCheck
//! finding. BuildKit's `skip=all` silences the rules that have a BuildKit check name; it does
//! not turn off seaworthy's other rules.
//!
//! "The next instruction" is the first instruction after the pragma's comment block: other
//! comment lines may stand between them, a blank line may not (a pragma separated by a blank
//! line is stranded, as in hadolint). A stage pragma applies to the stage of the next
//! instruction whatever lies between, so it can stand above a FROM or anywhere inside a stage;
//! before the first FROM it applies to the first stage. A finding belongs to the instruction
//! whose span holds the start of the finding's span.

use seaworthy_dockerfile::{Dockerfile, Item, Keyword, Model, Span};

use crate::Finding;

/// The suppressions a Dockerfile declares.
#[derive(Debug, Default, Clone)]
pub struct Suppressions {
    entries: Vec<Suppression>,
}

#[derive(Debug, Clone)]
struct Suppression {
    /// `None`: the whole file.
    scope: Option<Span>,
    keys: Keys,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Keys {
    /// Rule ids, names or aliases, lower-cased.
    List(Vec<String>),
    /// BuildKit's `skip=all`: every rule with a BuildKit check name.
    BuildKitAll,
}

/// What a comment asks for, before it is tied to an instruction.
#[derive(Debug, PartialEq, Eq)]
enum Pragma {
    /// The next instruction; with `stage_above_from`, the whole stage when that is a FROM
    /// (BuildKit's `# check=skip=` comment).
    Next {
        keys: Keys,
        stage_above_from: bool,
    },
    Stage(Keys),
    File(Keys),
}

impl Suppressions {
    /// The suppressions `file`'s comments and `# check=` directive declare. `model` gives the
    /// stages that stage pragmas cover.
    pub fn from_file(file: &Dockerfile, model: &Model<'_>) -> Suppressions {
        let mut entries = Vec::new();
        if let Some(d) = file.directive("check") {
            if let Some(keys) = buildkit_skip(&d.value) {
                entries.push(Suppression { scope: None, keys });
            }
        }
        let stage_starts: Vec<usize> = model.stages.iter().map(|s| s.from.span.start).collect();
        let stage_range = |offset: usize| -> Option<Span> {
            // The stage holding `offset`, or the first stage when it comes before any FROM.
            let first = (!stage_starts.is_empty()).then_some(0);
            let i = stage_starts.iter().rposition(|&s| s <= offset).or(first)?;
            let end = stage_starts
                .get(i + 1)
                .copied()
                // The last stage also holds an empty span at the very end of the file.
                .unwrap_or(file.source().len() + 1);
            Some(Span::new(stage_starts[i], end))
        };

        // Pragmas waiting for the next instruction: those still attached (no blank line since)
        // and stage pragmas, which blank lines do not detach.
        let mut attached: Vec<(Keys, bool)> = Vec::new();
        let mut stage_pending: Vec<Keys> = Vec::new();
        for item in &file.items {
            match item {
                Item::Comment(span) => match parse_pragma(&file.slice(*span)) {
                    Some(Pragma::File(keys)) => entries.push(Suppression { scope: None, keys }),
                    Some(Pragma::Stage(keys)) => stage_pending.push(keys),
                    Some(Pragma::Next {
                        keys,
                        stage_above_from,
                    }) => attached.push((keys, stage_above_from)),
                    None => {}
                },
                Item::Blank(_) => attached.clear(),
                Item::Instruction(ins) => {
                    for (keys, stage_above_from) in attached.drain(..) {
                        let scope = if stage_above_from && ins.kind == Keyword::From {
                            stage_range(ins.span.start)
                        } else {
                            Some(ins.span)
                        };
                        if let Some(scope) = scope {
                            entries.push(Suppression {
                                scope: Some(scope),
                                keys,
                            });
                        }
                    }
                    for keys in stage_pending.drain(..) {
                        if let Some(scope) = stage_range(ins.span.start) {
                            entries.push(Suppression {
                                scope: Some(scope),
                                keys,
                            });
                        }
                    }
                }
                Item::Bom(_) | Item::Directive(_) => {}
            }
        }
        Suppressions { entries }
    }

    /// Whether a pragma silences `finding`.
    pub fn suppresses(&self, finding: &Finding) -> bool {
        self.entries.iter().any(|s| {
            s.scope.is_none_or(|scope| {
                scope.start <= finding.span.start && finding.span.start < scope.end
            }) && s.keys.matches(finding)
        })
    }

    /// Drops the findings a pragma silences.
    pub fn apply(&self, findings: &mut Vec<Finding>) {
        if !self.entries.is_empty() {
            findings.retain(|f| !self.suppresses(f));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Whether `key` names `finding`'s rule: its id, name or an alias, case-insensitively.
pub fn key_matches(key: &str, finding: &Finding) -> bool {
    let rule = finding.rule;
    rule.id.eq_ignore_ascii_case(key)
        || rule.name.eq_ignore_ascii_case(key)
        || rule.aliases.iter().any(|a| a.eq_ignore_ascii_case(key))
}

impl Keys {
    fn matches(&self, finding: &Finding) -> bool {
        match self {
            Keys::List(keys) => keys.iter().any(|k| key_matches(k, finding)),
            Keys::BuildKitAll => finding
                .rule
                .aliases
                .iter()
                .any(|a| is_buildkit_check_name(a)),
        }
    }
}

/// BuildKit's check names are CamelCase words (`JSONArgsRecommended`); every other tool's ids
/// carry digits (`DL3004`, `DS-0002`, `CKV_DOCKER_3`, `SC2086`).
fn is_buildkit_check_name(alias: &str) -> bool {
    alias.starts_with(|c: char| c.is_ascii_uppercase())
        && alias.chars().all(|c| c.is_ascii_alphabetic())
}

/// Parses one comment line (with its `#`, leading white space and newline) as a pragma.
fn parse_pragma(line: &str) -> Option<Pragma> {
    let body = line.trim().strip_prefix('#')?.trim_start();
    if let Some(rest) = strip_word(body, "seaworthy") {
        let rest = rest.trim_start();
        for (word, make) in [
            ("ignore-file", Pragma::File as fn(Keys) -> Pragma),
            ("ignore-stage", Pragma::Stage),
            ("ignore", next),
        ] {
            if let Some(list) = strip_assignment(rest, word) {
                return key_list(list).map(|k| make(Keys::List(k)));
            }
        }
        return None;
    }
    if let Some(rest) = strip_word(body, "hadolint") {
        let rest = rest.trim_start();
        if let Some(rest) = strip_word(rest, "global") {
            return strip_assignment(rest.trim_start(), "ignore")
                .and_then(key_list)
                .map(|k| Pragma::File(Keys::List(k)));
        }
        if let Some(rest) = strip_word(rest, "stage") {
            return strip_assignment(rest.trim_start(), "ignore")
                .and_then(key_list)
                .map(|k| Pragma::Stage(Keys::List(k)));
        }
        return strip_assignment(rest, "ignore")
            .and_then(key_list)
            .map(|k| next(Keys::List(k)));
    }
    if let Some(id) = body.strip_prefix("trivy:ignore:") {
        // `trivy:ignore:ID[exp:2025-01-01]`: the bracketed parameters are not evaluated.
        let id = id.split(['[', ' ', '\t', '#']).next().unwrap_or("").trim();
        if id.is_empty() {
            return None;
        }
        return Some(next(Keys::List(vec![id.to_ascii_lowercase()])));
    }
    // BuildKit's check directive written as a comment above an instruction.
    let (name, value) = body.split_once('=')?;
    if !name.trim().eq_ignore_ascii_case("check") {
        return None;
    }
    Some(Pragma::Next {
        keys: buildkit_skip(value.trim())?,
        stage_above_from: true,
    })
}

fn next(keys: Keys) -> Pragma {
    Pragma::Next {
        keys,
        stage_above_from: false,
    }
}

/// The `skip=` part of a `check=` value such as `skip=StageNameCasing,FromAsCasing;error=true`.
fn buildkit_skip(value: &str) -> Option<Keys> {
    for part in value.split(';') {
        let Some((k, v)) = part.split_once('=') else {
            continue;
        };
        if !k.trim().eq_ignore_ascii_case("skip") {
            continue;
        }
        let keys: Vec<String> = v
            .split(',')
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
            .collect();
        if keys.iter().any(|k| k == "all") {
            return Some(Keys::BuildKitAll);
        }
        if !keys.is_empty() {
            return Some(Keys::List(keys));
        }
    }
    None
}

/// `word` at the start of `text`, followed by white space or the end (so `hadolintx` is not
/// `hadolint`).
fn strip_word<'t>(text: &'t str, word: &str) -> Option<&'t str> {
    let rest = text.strip_prefix(word)?;
    (rest.is_empty() || rest.starts_with(char::is_whitespace)).then_some(rest)
}

/// `word` `=` at the start of `text` (white space allowed around `=`): what follows.
pub(crate) fn strip_assignment<'t>(text: &'t str, word: &str) -> Option<&'t str> {
    let rest = text.strip_prefix(word)?.trim_start();
    Some(rest.strip_prefix('=')?.trim_start())
}

/// `KEY[ , KEY…]` up to the first white space or `#` not followed by a comma: the reason that
/// may follow is not part of the list. Keys are lower-cased.
pub(crate) fn key_list(text: &str) -> Option<Vec<String>> {
    let is_key = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':');
    let mut keys = Vec::new();
    let mut rest = text;
    loop {
        let end = rest.find(|c: char| !is_key(c)).unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        keys.push(rest[..end].to_ascii_lowercase());
        let after = rest[end..].trim_start();
        match after.strip_prefix(',') {
            Some(next) => rest = next.trim_start(),
            None => break,
        }
    }
    (!keys.is_empty()).then_some(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use seaworthy_dockerfile::BuildOptions;

    /// The rules left reporting on `src` after suppression, as (line, rule id).
    fn remaining(src: &str) -> Vec<(usize, &'static str)> {
        let file = Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
        let model = Model::build(&file, &BuildOptions::default());
        assert!(model.errors.is_empty(), "{:?}", model.errors);
        let mut findings =
            crate::check_dockerfile(&file, &model, &crate::Settings::default(), None);
        Suppressions::from_file(&file, &model).apply(&mut findings);
        let mut out: Vec<(usize, &'static str)> = findings
            .iter()
            .map(|f| (file.position(f.span.start).line, f.rule.id))
            .collect();
        out.sort();
        out
    }

    /// Lines where sudo-in-run (SW1408) still fires.
    fn sudo_lines(src: &str) -> Vec<usize> {
        remaining(src)
            .into_iter()
            .filter(|(_, id)| *id == "SW1408")
            .map(|(l, _)| l)
            .collect()
    }

    const BASE: &str = "FROM debian:12.7\n";

    #[test]
    fn without_pragmas_the_rule_fires() {
        assert_eq!(
            sudo_lines(&format!("{BASE}RUN sudo a\nRUN sudo b\n")),
            [2, 3]
        );
    }

    #[test]
    fn seaworthy_ignore_covers_the_next_instruction_by_id_name_or_alias() {
        for key in ["SW1408", "sudo-in-run", "DL3004", "dl3004", "AVD-DS-0010"] {
            let src = format!("{BASE}# seaworthy ignore={key}\nRUN sudo a\nRUN sudo b\n");
            assert_eq!(sudo_lines(&src), [4], "{key}");
        }
        // A list, a reason, comment lines between, continuation lines in the instruction.
        let src = format!(
            "{BASE}# seaworthy ignore=DL3008, sudo-in-run  because the base has no gosu\n\
             # the installer needs root\nRUN apt-get update && \\\n  sudo make install\nRUN sudo b\n"
        );
        assert_eq!(sudo_lines(&src), [6]);
        let src = format!("{BASE}# seaworthy ignore=SW1408 # vendor script\nRUN sudo a\n");
        assert_eq!(sudo_lines(&src), Vec::<usize>::new());
    }

    #[test]
    fn a_blank_line_strands_a_next_instruction_pragma() {
        let src = format!("{BASE}# seaworthy ignore=SW1408\n\nRUN sudo a\n");
        assert_eq!(sudo_lines(&src), [4]);
        let src = format!("{BASE}# hadolint ignore=DL3004\n\nRUN sudo a\n");
        assert_eq!(sudo_lines(&src), [4]);
    }

    #[test]
    fn other_keys_do_not_suppress() {
        let src = format!("{BASE}# seaworthy ignore=DL3008\nRUN sudo a\n");
        assert_eq!(sudo_lines(&src), [3]);
        // `ignore=` of another tool's name, or a misspelt pragma, does nothing.
        let src =
            format!("{BASE}# seaworthyy ignore=SW1408\n# hadolint ignored=DL3004\nRUN sudo a\n");
        assert_eq!(sudo_lines(&src), [4]);
    }

    #[test]
    fn heredoc_findings_belong_to_their_instruction() {
        let src =
            format!("{BASE}# hadolint ignore=DL3004\nRUN <<EOF\nset -e\nsudo a\nEOF\nRUN sudo b\n");
        assert_eq!(sudo_lines(&src), [7]);
    }

    #[test]
    fn stage_pragmas_cover_the_stage_of_the_next_instruction() {
        let src = "FROM debian:12.7 AS a\nRUN sudo a\n# seaworthy ignore-stage=sudo-in-run\n\
                   FROM debian:12.7 AS b\nRUN sudo b\nRUN sudo c\nFROM debian:12.7\nRUN sudo d\n";
        assert_eq!(sudo_lines(src), [2, 8]);
        let src = "FROM debian:12.7 AS a\nRUN sudo a\n# hadolint stage ignore=DL3004\n\n\
                   FROM debian:12.7 AS b\nRUN sudo b\n";
        assert_eq!(sudo_lines(src), [2]);
        // Inside a stage it covers that stage, earlier instructions included.
        let src =
            "FROM debian:12.7 AS a\nRUN sudo a\n# seaworthy ignore-stage=SW1408\nRUN sudo b\n\
                   FROM debian:12.7\nRUN sudo c\n";
        assert_eq!(sudo_lines(src), [6]);
        // Before the first FROM, among global ARGs: the first stage.
        let src = "# seaworthy ignore-stage=SW1408\nARG V=1\nFROM debian:12.7\nRUN sudo a\n\
                   FROM debian:12.7\nRUN sudo b\n";
        assert_eq!(sudo_lines(src), [6]);
    }

    #[test]
    fn file_pragmas_cover_the_whole_file_from_anywhere() {
        let src = "FROM debian:12.7 AS a\nRUN sudo a\nFROM debian:12.7\nRUN sudo b\n\
                   # seaworthy ignore-file=DL3004\n";
        assert_eq!(sudo_lines(src), Vec::<usize>::new());
        let src = "# hadolint global ignore=SW1408\nFROM debian:12.7\nRUN sudo a\n";
        assert_eq!(sudo_lines(src), Vec::<usize>::new());
    }

    #[test]
    fn buildkit_check_directive_skips_its_checks_for_the_file() {
        let casing = "FROM debian:12.7 as build\nRUN sudo a\n";
        let with = |directive: &str| remaining(&format!("{directive}{casing}"));
        let ids =
            |v: Vec<(usize, &'static str)>| v.into_iter().map(|(_, id)| id).collect::<Vec<_>>();
        let plain = ids(with(""));
        let from_as = crate::find_rule("FromAsCasing").unwrap().id;
        assert!(plain.contains(&from_as), "{plain:?}");
        let skipped = ids(with("# check=skip=FromAsCasing;error=true\n"));
        assert!(!skipped.contains(&from_as), "{skipped:?}");
        assert!(skipped.contains(&"SW1408"), "{skipped:?}");
        // `skip=all` skips every check BuildKit has, not seaworthy's own rules.
        let all = ids(with("# check=skip=all\n"));
        assert!(!all.contains(&from_as), "{all:?}");
        assert!(all.contains(&"SW1408"), "{all:?}");
    }

    #[test]
    fn buildkit_check_comment_covers_an_instruction_or_a_stage() {
        let from_as = crate::find_rule("FromAsCasing").unwrap().id;
        let json = crate::find_rule("JSONArgsRecommended").unwrap().id;
        let src = "FROM debian:12.7\nRUN true\n# check=skip=FromAsCasing,JSONArgsRecommended\n\
                   FROM debian:12.7 as b\nCMD run b\nFROM debian:12.7 as c\nCMD run c\n";
        let got = remaining(src);
        assert!(!got.contains(&(4, from_as)), "{got:?}");
        assert!(!got.contains(&(5, json)), "{got:?}");
        assert!(got.contains(&(6, from_as)), "{got:?}");
        assert!(got.contains(&(7, json)), "{got:?}");
        // Above another instruction: that instruction only.
        let src = "FROM debian:12.7\n# check=skip=JSONArgsRecommended\nCMD run\nENTRYPOINT run\n";
        let got: Vec<usize> = remaining(src)
            .into_iter()
            .filter(|(_, id)| *id == json)
            .map(|(l, _)| l)
            .collect();
        assert_eq!(got, [4]);
    }

    #[test]
    fn trivy_ignore_covers_the_next_instruction() {
        let src = format!("{BASE}#trivy:ignore:DS-0010\nRUN sudo a\nRUN sudo b\n");
        assert_eq!(sudo_lines(&src), [4]);
        let src = format!(
            "{BASE}# trivy:ignore:AVD-DS-0010[exp:2099-01-01]\n# trivy:ignore:DS-0002\nRUN sudo a\n"
        );
        assert_eq!(sudo_lines(&src), Vec::<usize>::new());
    }

    #[test]
    fn pragma_syntax() {
        assert_eq!(
            parse_pragma("  # seaworthy  ignore = a , B,c reason here\n"),
            Some(next(Keys::List(vec!["a".into(), "b".into(), "c".into()])))
        );
        assert_eq!(
            parse_pragma("# hadolint global ignore=DL3008,DL3009\r\n"),
            Some(Pragma::File(Keys::List(vec![
                "dl3008".into(),
                "dl3009".into()
            ])))
        );
        assert_eq!(parse_pragma("# seaworthy ignore=\n"), None);
        assert_eq!(parse_pragma("# just words\n"), None);
        assert_eq!(parse_pragma("# checks=skip=all\n"), None);
        assert_eq!(
            parse_pragma("# check=skip=all\n"),
            Some(Pragma::Next {
                keys: Keys::BuildKitAll,
                stage_above_from: true
            })
        );
    }
}
