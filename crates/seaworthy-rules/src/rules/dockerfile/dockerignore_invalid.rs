use super::context_secret_copied::{context_sources, usable_context};
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A `.dockerignore` pattern BuildKit refuses: a lone `!`, an unclosed `[`, a class starting
/// with an unescaped `-` or `]`, a trailing `\`. Reported at the first COPY or ADD that reads
/// the context (or the first instruction), naming the ignore file's line.
pub struct DockerignoreInvalid;

static META: RuleMeta = RuleMeta {
    id: "SW1561",
    name: "dockerignore-invalid",
    severity: Severity::Error,
    category: Category::Correctness,
    practice: 0,
    aliases: &[],
    summary: "A .dockerignore pattern is malformed, so the build fails before it starts.",
    why: "BuildKit compiles every `.dockerignore` pattern when it prepares the build \
          context and stops at the first malformed one (\"syntax error in pattern\", \
          \"illegal exclusion pattern\"), so the build fails however correct the Dockerfile \
          is. Escape a literal `[` as `\\[`, close every class, and give `!` a pattern.",
    bad: "# .dockerignore: [abc\nFROM alpine:3.20\nCOPY . /app\n",
    good: "# .dockerignore: [abc]\nFROM alpine:3.20\nCOPY . /app\n",
};

impl DockerfileRule for DockerignoreInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let Some(bc) = usable_context(cx) else { return };
        let Some(ignore) = &bc.ignore else { return };
        let Some(error) = ignore.errors.first() else {
            return;
        };
        let span = match context_sources(cx).first() {
            Some(src) => src.span,
            None => match cx.file.instructions().next() {
                Some(ins) => ins.keyword,
                None => return,
            },
        };
        out.push(Finding::new(
            &META,
            span,
            format!(
                "`{}` line {}: {}; BuildKit refuses the file and the build fails",
                ignore.name, error.line, error.message
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::context_secret_copied::tests::context;
    use super::*;
    use crate::testing::*;
    use crate::Settings;

    fn check_lines(ignore: &str, src: &str, lines: &[usize]) {
        let bc = context(&["a.txt", "src/b.txt"], Some(ignore));
        assert_fires_with(
            &DockerignoreInvalid,
            &Settings::default(),
            Some(&bc),
            src,
            lines,
        );
    }

    #[test]
    fn documented_examples() {
        let s = Settings::default();
        let bad = context(&["a"], Some("[abc\n"));
        let good = context(&["a"], Some("[abc]\n"));
        assert!(!findings_with(&DockerignoreInvalid, META.bad, &s, Some(&bad)).is_empty());
        assert!(findings_with(&DockerignoreInvalid, META.good, &s, Some(&good)).is_empty());
        assert_clean(&DockerignoreInvalid, META.bad);
    }

    #[test]
    fn fires() {
        check_lines("*.md\n[abc\n", "FROM alpine\nCOPY . /app\n", &[2]);
        check_lines("!\n", "FROM alpine\nRUN true\nCOPY a.txt /\n", &[3]);
        check_lines("a\\\n", "FROM alpine\nCOPY src /src\n", &[2]);
        check_lines("[-a]\n", "FROM alpine\nRUN true\n", &[1]);
        let bc = context(&["a.txt"], Some("# x\n!\n"));
        let got = findings_with(
            &DockerignoreInvalid,
            "FROM alpine\nCOPY . .\n",
            &Settings::default(),
            Some(&bc),
        );
        assert!(got[0].1.contains("line 2"), "{}", got[0].1);
    }

    #[test]
    fn passes() {
        check_lines("[abc]\n!a.txt\n\\[x\n", "FROM alpine\nCOPY . /app\n", &[]);
        check_lines("# [abc\n", "FROM alpine\nCOPY . /app\n", &[]);
        check_lines("**/*.md\n[!a]\n", "FROM alpine\nCOPY . /app\n", &[]);
    }
}
