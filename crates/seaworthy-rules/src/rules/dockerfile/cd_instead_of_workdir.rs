use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `cd` at the top level of a `RUN` script. Its effect ends with the RUN, so the next
/// instruction is back in the old directory; `WORKDIR` says where the build is, once. A `cd`
/// in a subshell (`(cd src && make)`), a command substitution or a function is scoped on
/// purpose and does not fire.
pub struct CdInsteadOfWorkdir;

static META: RuleMeta = RuleMeta {
    id: "SW1409",
    name: "cd-instead-of-workdir",
    severity: Severity::Warning,
    category: Category::Hygiene,
    practice: 0,
    aliases: &["DL3003", "DS-0013", "DS013", "AVD-DS-0013"],
    summary: "A RUN changes directory with `cd` instead of `WORKDIR`.",
    why: "A `cd` lasts until the end of its RUN: the next RUN, COPY or CMD starts in the \
          WORKDIR again, so relative paths silently point somewhere else, and every RUN \
          repeats the `cd`. `WORKDIR /path` sets the directory for everything that follows, \
          creates it if needed, and shows in the image config where the application lives. \
          Differs from hadolint: a `cd` inside a subshell (`( cd src && make )`) is not \
          reported, since it is the idiom for working somewhere without moving the rest of \
          the RUN; PowerShell and cmd RUNs are not analysed.",
    bad: "FROM node:20.18.0-slim\nCOPY . /app\nRUN cd /app && npm ci\n",
    good: "FROM node:20.18.0-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
};

impl DockerfileRule for CdInsteadOfWorkdir {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                for cmd in script.commands_named("cd") {
                    if cmd.subshell_depth > 0 || cmd.in_substitution || cmd.in_function {
                        continue;
                    }
                    let Some(word) = &cmd.name else { continue };
                    let target = cmd
                        .args
                        .iter()
                        .filter_map(|a| a.value.as_deref())
                        .find(|v| !v.starts_with('-'))
                        .unwrap_or("");
                    let fix = if target.starts_with('/') {
                        format!("`WORKDIR {target}`")
                    } else {
                        "`WORKDIR`".to_owned()
                    };
                    out.push(Finding::new(
                        &META,
                        run.source_span(word.span.clone()),
                        format!("`cd` only lasts until the end of this RUN; use {fix} instead"),
                    ));
                }
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
        assert_documented_examples(&CdInsteadOfWorkdir);
    }

    #[test]
    fn fires() {
        assert_fires(
            &CdInsteadOfWorkdir,
            "FROM alpine\nRUN cd /app && make\n",
            &[2],
        );
        assert_fires(
            &CdInsteadOfWorkdir,
            "FROM alpine\nRUN git clone x \\\n && cd x \\\n && make\n",
            &[3],
        );
        assert_fires(
            &CdInsteadOfWorkdir,
            "FROM alpine\nRUN <<EOF\nset -e\ncd /src\nmake\nEOF\n",
            &[4],
        );
        assert_fires(
            &CdInsteadOfWorkdir,
            "FROM alpine AS b\nRUN make; cd /tmp; rm -f x\nFROM alpine\n",
            &[2],
        );
        let found = findings(&CdInsteadOfWorkdir, "FROM alpine\nRUN cd /app && make\n");
        assert!(found[0].1.contains("`WORKDIR /app`"), "{found:?}");
    }

    #[test]
    fn passes() {
        assert_clean(&CdInsteadOfWorkdir, "FROM alpine\nWORKDIR /app\nRUN make\n");
        assert_clean(
            &CdInsteadOfWorkdir,
            "FROM alpine\nRUN (cd /src && make) && make -C /other\n",
        );
        assert_clean(
            &CdInsteadOfWorkdir,
            "FROM alpine\nRUN X=$(cd /src && pwd) && echo $X\n",
        );
        assert_clean(&CdInsteadOfWorkdir, "FROM alpine\nRUN echo cd /app\n");
    }
}
