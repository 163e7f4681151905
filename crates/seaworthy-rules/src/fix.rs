//! Applying fixes: byte-range edits on the original text, as many as do not conflict per pass,
//! re-checked after each pass until nothing is left to fix.
//!
//! A pass takes the fixes in the order of their first edit and skips any fix whose edits
//! overlap or touch an edit already taken: two fixes of the same instruction (`-y` and
//! `--no-install-recommends` on one `apt-get install`) are applied in two passes, the second
//! on the re-parsed result of the first, so that neither works on stale spans. A fix either
//! applies whole or not at all.

use crate::{Finding, Fix, RuleMeta};

/// The most passes [`converge`] makes: each pass applies at least one fix, and fixes remove
/// their findings, so a file needs as many passes as one place has fixes.
pub const MAX_PASSES: usize = 16;

/// The text with as many of `fixes` applied as do not conflict, and which of them were.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub text: String,
    /// Indices into the `fixes` given, in the order they were taken.
    pub applied: Vec<usize>,
}

/// Applies the fixes of `fixes` that do not overlap (or touch) an earlier one; a fix with an
/// edit outside `text` or off a character boundary is skipped.
pub fn apply(text: &str, fixes: &[&Fix]) -> Applied {
    let mut order: Vec<usize> = (0..fixes.len())
        .filter(|&i| !fixes[i].edits.is_empty())
        .collect();
    order.sort_by_key(|&i| {
        let first = fixes[i].edits.iter().map(|e| e.span.start).min();
        (first, i)
    });
    let mut taken: Vec<(usize, usize)> = Vec::new();
    let mut applied = Vec::new();
    for i in order {
        let fix = fixes[i];
        let well_formed = fix.edits.iter().all(|e| {
            e.span.start <= e.span.end
                && e.span.end <= text.len()
                && text.is_char_boundary(e.span.start)
                && text.is_char_boundary(e.span.end)
        });
        let mut ranges: Vec<(usize, usize)> = fix
            .edits
            .iter()
            .map(|e| (e.span.start, e.span.end))
            .collect();
        ranges.sort_unstable();
        let self_overlap = ranges.windows(2).any(|w| w[1].0 < w[0].1);
        let conflicts = ranges
            .iter()
            .any(|&(a, b)| taken.iter().any(|&(c, d)| a <= d && c <= b));
        if !well_formed || self_overlap || conflicts {
            continue;
        }
        taken.extend(ranges);
        applied.push(i);
    }
    let mut edits: Vec<&crate::Edit> = applied
        .iter()
        .flat_map(|&i| fixes[i].edits.iter())
        .collect();
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for e in edits {
        out.push_str(&text[at..e.span.start]);
        out.push_str(&e.replacement);
        at = e.span.end;
    }
    out.push_str(&text[at..]);
    Applied { text: out, applied }
}

/// A fix that was applied, and the rule it came from.
#[derive(Debug, Clone)]
pub struct AppliedFix {
    pub rule: &'static RuleMeta,
    /// The file of the artifact it edited (see [`Finding::file`]).
    pub file: usize,
    pub fix: Fix,
}

/// The texts after every pass of [`converge`].
#[derive(Debug, Clone)]
pub struct Converged {
    pub texts: Vec<String>,
    pub applied: Vec<AppliedFix>,
    /// The findings of the last check: what is left.
    pub remaining: Vec<Finding>,
}

/// Why [`converge`] stopped without a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConvergeError<E> {
    /// The texts as given do not check (they do not parse, or do not load).
    Input(E),
    /// A pass made a text that no longer checks: a fix of `rule` is wrong. Nothing is to be
    /// written.
    Broken { rules: Vec<&'static str>, error: E },
}

/// Checks `texts` with `check` (which parses them afresh and returns the findings, each in
/// its [`Finding::file`]), applies the fixes `wanted` accepts, and repeats on the result until
/// no wanted fix is left or [`MAX_PASSES`] passes were made.
pub fn converge<E>(
    texts: Vec<String>,
    mut check: impl FnMut(&[String]) -> Result<Vec<Finding>, E>,
    wanted: impl Fn(&Finding, &Fix) -> bool,
) -> Result<Converged, ConvergeError<E>> {
    let mut texts = texts;
    let mut findings = check(&texts).map_err(ConvergeError::Input)?;
    let mut applied_all: Vec<AppliedFix> = Vec::new();
    for _ in 0..MAX_PASSES {
        let mut any = false;
        let mut next = texts.clone();
        let mut rules: Vec<&'static str> = Vec::new();
        for (file, text) in texts.iter().enumerate() {
            let candidates: Vec<&Finding> = findings
                .iter()
                .filter(|f| f.file == file)
                .filter(|f| f.fix.as_ref().is_some_and(|fix| wanted(f, fix)))
                .collect();
            if candidates.is_empty() {
                continue;
            }
            let fixes: Vec<&Fix> = candidates.iter().filter_map(|f| f.fix.as_ref()).collect();
            let applied = apply(text, &fixes);
            if applied.applied.is_empty() || applied.text == *text {
                continue;
            }
            for &i in &applied.applied {
                rules.push(candidates[i].rule.id);
                applied_all.push(AppliedFix {
                    rule: candidates[i].rule,
                    file,
                    fix: fixes[i].clone(),
                });
            }
            next[file] = applied.text;
            any = true;
        }
        if !any {
            break;
        }
        texts = next;
        findings = check(&texts).map_err(|error| ConvergeError::Broken { rules, error })?;
    }
    Ok(Converged {
        texts,
        applied: applied_all,
        remaining: findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Edit;
    use seaworthy_dockerfile::Span;

    fn fix(edits: &[(usize, usize, &str)]) -> Fix {
        Fix::safe(
            "t",
            edits
                .iter()
                .map(|&(a, b, r)| Edit::replace(Span::new(a, b), r))
                .collect(),
        )
    }

    #[test]
    fn non_overlapping_fixes_apply_together_in_position_order() {
        let a = fix(&[(7, 10, "COPY")]);
        let b = fix(&[(0, 0, "# top\n")]);
        let out = apply("FROM x\nADD a b\n", &[&a, &b]);
        assert_eq!(out.text, "# top\nFROM x\nCOPY a b\n");
        assert_eq!(out.applied, vec![1, 0]);
    }

    #[test]
    fn a_fix_that_overlaps_or_touches_a_taken_one_waits() {
        let text = "RUN apt-get install x\n";
        let a = fix(&[(12, 19, "install -y")]);
        // Touches `a`'s end.
        let b = fix(&[(19, 19, " --no-install-recommends")]);
        // Overlaps `a`.
        let c = fix(&[(4, 13, "apt-get")]);
        let out = apply(text, &[&a, &b, &c]);
        // `c` comes first; `a` overlaps it; `b` is clear of `c`.
        assert_eq!(out.applied, vec![2, 1]);
        assert_eq!(out.text, "RUN apt-getnstall --no-install-recommends x\n");
        let out = apply(text, &[&a, &b]);
        assert_eq!(out.applied, vec![0]);
    }

    #[test]
    fn a_fix_applies_whole_or_not_at_all() {
        let text = "abcdef";
        let taken = fix(&[(1, 2, "B")]);
        // Its second edit conflicts: neither edit is made.
        let both = fix(&[(4, 5, "E"), (2, 3, "C")]);
        let out = apply(text, &[&taken, &both]);
        assert_eq!(out.text, "aBcdef");
        // Out of range, or inside a character: skipped.
        let out = apply("é", &[&fix(&[(1, 1, "x")]), &fix(&[(0, 9, "")])]);
        assert_eq!(out.text, "é");
        assert!(out.applied.is_empty());
    }

    #[test]
    fn converge_repeats_until_nothing_is_left_and_reports_a_broken_pass() {
        // A toy check: every `x` is a finding whose fix makes it `y`, and a text with `!`
        // does not parse.
        static META: RuleMeta = RuleMeta {
            id: "SW0000",
            name: "toy",
            severity: crate::Severity::Style,
            category: crate::Category::Correctness,
            practice: 0,
            aliases: &[],
            summary: "",
            why: "",
            bad: "",
            good: "",
        };
        let check = |bang: bool| {
            move |texts: &[String]| -> Result<Vec<Finding>, String> {
                let t = &texts[0];
                if t.contains('!') {
                    return Err("does not parse".into());
                }
                Ok(t.match_indices("xx")
                    .map(|(i, _)| {
                        Finding::new(&META, Span::new(i, i + 2), "xx").with_fix(fix(&[(
                            i,
                            i + 2,
                            if bang { "!" } else { "x" },
                        )]))
                    })
                    .collect())
            }
        };
        // `xxxx`: the two findings overlap, so each pass fixes one.
        let done = converge(vec!["xxxx".into()], check(false), |_, _| true).unwrap();
        assert_eq!(done.texts, vec!["x".to_owned()]);
        assert_eq!(done.applied.len(), 3);
        assert!(done.remaining.is_empty());
        let broken = converge(vec!["axxb".into()], check(true), |_, _| true).unwrap_err();
        assert_eq!(
            broken,
            ConvergeError::Broken {
                rules: vec!["SW0000"],
                error: "does not parse".into()
            }
        );
        let input = converge(vec!["!".into()], check(false), |_, _| true).unwrap_err();
        assert_eq!(input, ConvergeError::Input("does not parse".into()));
        // Nothing wanted: nothing changes.
        let none = converge(vec!["xx".into()], check(false), |_, _| false).unwrap();
        assert_eq!(none.texts, vec!["xx".to_owned()]);
        assert_eq!(none.remaining.len(), 1);
    }
}
