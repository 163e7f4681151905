use std::collections::HashMap;

use seaworthy_dockerfile::expand::Lexer;
use seaworthy_dockerfile::{Args, ImageRef};

use super::base_image_unpinned::base_word;
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// With only the defaults of the global `ARG`s (no `--build-arg`), a `FROM` line's base name
/// is empty or not a valid image reference: the file cannot be built without build arguments.
pub struct InvalidDefaultArgInFrom;

static META: RuleMeta = RuleMeta {
    id: "SW1525",
    name: "invalid-default-arg-in-from",
    severity: Severity::Warning,
    category: Category::Correctness,
    practice: 0,
    aliases: &["InvalidDefaultArgInFrom"],
    summary: "Without `--build-arg`, a `FROM` base name is empty or invalid.",
    why: "`ARG VERSION` followed by `FROM busybox:$VERSION` builds only when every caller \
          passes `--build-arg VERSION=…`; a plain `docker build`, an IDE, a scanner or a CI \
          job that does not know the convention fails with \"invalid reference format\", and \
          tools that read the Dockerfile cannot tell which image it uses. Give the ARG a \
          working default (`ARG VERSION=1.36.1`), which `--build-arg` still overrides. The \
          base is judged as BuildKit judges it: the global ARGs with their defaults only.",
    bad: "ARG VERSION\nFROM busybox:$VERSION\nCOPY app /app\n",
    good: "ARG VERSION=1.36.1\nFROM busybox:$VERSION\nCOPY app /app\n",
};

impl DockerfileRule for InvalidDefaultArgInFrom {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let lexer = Lexer::new(cx.file.escape as char);
        // The automatic platform ARGs, then each global ARG's default in order.
        let mut env: HashMap<String, String> = cx.model.automatic_args.iter().cloned().collect();
        for global in &cx.model.global_args {
            if let Some(default) = &global.arg.default {
                match lexer.process_word(default, &env) {
                    Ok(e) => {
                        env.insert(global.arg.name.clone(), e.value);
                    }
                    // BuildKit gives up on the check; the build fails for its own reasons.
                    Err(_) => return,
                }
            }
        }
        for stage in &cx.model.stages {
            let Args::Words(words) = &stage.from.args else {
                continue;
            };
            let Some(word) = words.first() else {
                continue;
            };
            let raw = cx.file.logical(stage.from, word.span);
            if !raw.contains('$') {
                continue;
            }
            let Ok(expanded) = lexer.process_word(&raw, &env) else {
                continue;
            };
            if ImageRef::parse(&expanded.value).is_ok() {
                continue;
            }
            let result = if expanded.value.is_empty() {
                "an empty base name".to_owned()
            } else {
                format!("`{}`, which is not a valid image reference", expanded.value)
            };
            out.push(Finding::new(
                &META,
                base_word(stage),
                format!(
                    "without --build-arg, `{raw}` expands to {result}; give the ARG{} a working \
                     default",
                    if expanded.unmatched.len() > 1 {
                        "s"
                    } else {
                        ""
                    }
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&InvalidDefaultArgInFrom);
    }

    #[test]
    fn fires() {
        let rule = &InvalidDefaultArgInFrom;
        assert_fires(rule, "ARG IMAGE\nFROM $IMAGE\n", &[2]);
        assert_fires(
            rule,
            "ARG VERSION\nFROM busybox:$VERSION AS base\nFROM base\n",
            &[2],
        );
        assert_fires(
            rule,
            "ARG REGISTRY\nARG TAG=1.2.3\nFROM ${REGISTRY}/org/app:${TAG}\n",
            &[3],
        );
        let found = findings(rule, "ARG IMAGE\nFROM $IMAGE\n");
        assert!(found[0].1.contains("an empty base name"), "{found:?}");
    }

    #[test]
    fn passes() {
        let rule = &InvalidDefaultArgInFrom;
        assert_clean(rule, "ARG VERSION=latest\nFROM busybox:${VERSION}\n");
        // An empty default that still leaves a valid reference.
        assert_clean(rule, "ARG VARIANT=\"\"\nFROM busybox:stable${VARIANT}\n");
        assert_clean(rule, "ARG VARIANT\nFROM busybox:stable${VARIANT}\n");
        // Defaults in the expansion itself.
        assert_clean(rule, "ARG IMAGE\nFROM ${IMAGE:-alpine:3.20.3}\n");
        assert_clean(rule, "ARG BASE=alpine:3.20.3\nFROM $BASE AS a\nFROM a\n");
        assert_clean(rule, "FROM scratch\n");
    }
}
