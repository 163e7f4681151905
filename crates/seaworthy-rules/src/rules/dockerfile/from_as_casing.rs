use seaworthy_dockerfile::Args;

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `FROM` and `AS` are cased differently: `FROM x as y` or `from x AS y`. As in BuildKit, a
/// `FROM` in mixed case (`From`) sets no expectation.
pub struct FromAsCasing;

static META: RuleMeta = RuleMeta {
    id: "SW1506",
    name: "from-as-casing",
    severity: Severity::Style,
    category: Category::Correctness,
    practice: 0,
    aliases: &["FromAsCasing"],
    summary: "The AS keyword is not cased like FROM.",
    why: "Keywords are case-insensitive, but mixed casing on one line reads as a typo and \
          defeats simple searches (`grep ' AS '` for stage names, which is how some tools look \
          them up). Write `AS` in the same case as `FROM`.",
    bad: "FROM golang:1.23 as build\nRUN go build -o /app .\n",
    good: "FROM golang:1.23 AS build\nRUN go build -o /app .\n",
};

impl DockerfileRule for FromAsCasing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            let from = stage.from;
            let Args::Words(words) = &from.args else {
                continue;
            };
            let [_, as_word, _] = words.as_slice() else {
                continue;
            };
            let keyword = cx.file.slice(from.keyword);
            let written = cx.file.slice(as_word.span);
            let upper = keyword.chars().all(|c| !c.is_lowercase());
            let lower = keyword.chars().all(|c| !c.is_uppercase());
            let mismatch = (upper && written != written.to_uppercase())
                || (lower && written != written.to_lowercase());
            if mismatch {
                out.push(
                    Finding::new(
                        &META,
                        as_word.span,
                        format!("`{written}` is not cased like `{keyword}`"),
                    )
                    .with_related(from.keyword, "the FROM keyword"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&FromAsCasing);
    }

    #[test]
    fn fires() {
        let rule = &FromAsCasing;
        assert_fires(rule, "FROM alpine as build\n", &[1]);
        assert_fires(rule, "from alpine AS build\n", &[1]);
        assert_fires(rule, "FROM alpine As build\n", &[1]);
        assert_fires(rule, "FROM alpine AS a\nFROM a as b\n", &[2]);
    }

    #[test]
    fn passes() {
        let rule = &FromAsCasing;
        assert_clean(rule, "FROM alpine AS build\n");
        assert_clean(rule, "from alpine as build\n");
        // Mixed-case FROM sets no expectation (as in BuildKit).
        assert_clean(rule, "From alpine as build\n");
        assert_clean(rule, "FROM alpine\n");
    }
}
