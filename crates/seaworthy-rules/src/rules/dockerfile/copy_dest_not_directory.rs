use seaworthy_dockerfile::{Args, Expanded};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `COPY` or `ADD` with more than one source (heredocs included) whose destination, after
/// variable expansion, does not end with `/`. `.` and `..` (and paths ending in `/.`) name a
/// directory and are left alone, as BuildKit treats them; a destination that expands to
/// nothing is unknown. A single glob that matches several files cannot be seen here.
pub struct CopyDestNotDirectory;

static META: RuleMeta = RuleMeta {
    id: "SW1509",
    name: "copy-dest-not-directory",
    severity: Severity::Error,
    category: Category::Correctness,
    practice: 0,
    aliases: &["DL3021", "DS-0011", "DS011", "AVD-DS-0011"],
    summary: "COPY of several sources to a destination that does not end with /.",
    why: "With several sources the destination must be a directory. The classic builder \
          refuses `COPY a b /app` outright (\"the destination must be a directory and end \
          with a /\"); BuildKit accepts it, so the same Dockerfile builds in one place and \
          fails in another, and a reader cannot tell whether `/app` was meant as a file. \
          End the destination with `/`.",
    bad: "FROM node:20.18.0-slim\nCOPY package.json package-lock.json /app\n",
    good: "FROM node:20.18.0-slim\nCOPY package.json package-lock.json /app/\n",
};

impl DockerfileRule for CopyDestNotDirectory {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                let (Expanded::Copy(copy) | Expanded::Add(copy)) = &step.expanded else {
                    continue;
                };
                let dest = copy.dest.as_str();
                if copy.sources.len() + copy.heredocs.len() < 2 || names_directory(dest) {
                    continue;
                }
                let ins = step.instruction;
                let span = match &ins.args {
                    Args::Words(words) => words.last().map(|w| w.span),
                    Args::Json { items, .. } => items.last().map(|w| w.span),
                    _ => None,
                }
                .unwrap_or(ins.keyword);
                let keyword = cx.file.slice(ins.keyword).to_ascii_uppercase();
                out.push(Finding::new(
                    &META,
                    span,
                    format!(
                        "{keyword} has several sources, so its destination `{dest}` must be a \
                         directory: write `{dest}/`"
                    ),
                ));
            }
        }
    }
}

fn names_directory(dest: &str) -> bool {
    dest.is_empty()
        || dest.ends_with('/')
        || dest.ends_with('\\')
        || matches!(dest, "." | "..")
        || dest.ends_with("/.")
        || dest.ends_with("/..")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&CopyDestNotDirectory);
    }

    #[test]
    fn fires() {
        let rule = &CopyDestNotDirectory;
        assert_fires(rule, "FROM alpine\nCOPY a b /app\n", &[2]);
        assert_fires(rule, "FROM alpine\nCOPY [\"a\", \"b\", \"/app\"]\n", &[2]);
        assert_fires(rule, "FROM alpine\nADD a.txt b.txt /app\n", &[2]);
        assert_fires(rule, "FROM alpine\nARG D=/app\nCOPY a b ${D}\n", &[3]);
        // The destination on a continuation line is where the finding points.
        assert_fires(rule, "FROM alpine\nCOPY a \\\n  b \\\n  /app\n", &[4]);
    }

    #[test]
    fn passes() {
        let rule = &CopyDestNotDirectory;
        assert_clean(rule, "FROM alpine\nCOPY a b /app/\n");
        assert_clean(rule, "FROM alpine\nCOPY a /app\n");
        // `.` is the working directory (hadolint flags it; BuildKit copies into it).
        assert_clean(
            rule,
            "FROM alpine\nWORKDIR /app\nCOPY package.json yarn.lock .\n",
        );
        assert_clean(rule, "FROM alpine\nARG D=/app/\nCOPY a b ${D}\n");
        assert_clean(
            rule,
            "FROM alpine AS b\nFROM alpine\nCOPY --from=b /x /y /out/\n",
        );
    }
}
