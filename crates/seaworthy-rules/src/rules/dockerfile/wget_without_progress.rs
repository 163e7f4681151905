use seaworthy_dockerfile::shell::Command;

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `wget` without `--progress`, `-q`/`--quiet`, `-nv`/`--no-verbose` or a log file
/// (`-o`/`--output-file`, `-a`/`--append-output`): its progress display fills the build log.
pub struct WgetWithoutProgress;

static META: RuleMeta = RuleMeta {
    id: "SW1440",
    name: "wget-without-progress",
    severity: Severity::Info,
    category: Category::Hygiene,
    practice: 10,
    aliases: &["DL3047"],
    summary: "`wget` prints its progress display into the build log.",
    why: "Without a terminal wget falls back to printing a dot line per few kilobytes, so one \
          large download adds thousands of lines to the build log, burying the output that \
          matters and slowing CI log viewers. `wget -q` (or `-nv`) prints nothing but errors; \
          GNU wget's `--progress=dot:giga` keeps a short progress trace. Differs from \
          hadolint: a wget whose standard error is redirected (`2>/dev/null`, `&>log`) prints \
          nothing to the build log and is not reported, and a wget run through `sudo`, `env` \
          or `sh -c` is.",
    bad: "FROM debian:12.7\nRUN wget https://example.com/tool.tgz\n",
    good: "FROM debian:12.7\nRUN wget -q https://example.com/tool.tgz\n",
};

impl DockerfileRule for WgetWithoutProgress {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                for cmd in script.commands_named("wget") {
                    if quiet(cmd) {
                        continue;
                    }
                    let Some(word) = &cmd.name else { continue };
                    out.push(Finding::new(
                        &META,
                        run.source_span(word.span.clone()),
                        "`wget` without `-q`, `-nv` or `--progress=dot:giga` fills the build log \
                         with its progress display",
                    ));
                }
            }
        }
    }
}

fn quiet(cmd: &Command) -> bool {
    cmd.has_flag(None, Some("progress"))
        || cmd.has_flag(Some('q'), Some("quiet"))
        || cmd.has_flag(Some('o'), Some("output-file"))
        || cmd.has_flag(Some('a'), Some("append-output"))
        || cmd.has_flag(None, Some("no-verbose"))
        || cmd.arg_values().any(|v| v == Some("-nv"))
        || cmd.redirects.iter().any(|r| {
            // `2>&1` only joins the log to standard output.
            let to_fd = r.op == ">&"
                && r.target
                    .as_ref()
                    .and_then(|t| t.value_str())
                    .is_some_and(|t| t.chars().all(|c| c.is_ascii_digit()));
            matches!(r.op.as_str(), "&>" | "&>>")
                || (r.fd == Some(2) && r.op.starts_with('>') && !to_fd)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&WgetWithoutProgress);
    }

    #[test]
    fn fires() {
        let r = &WgetWithoutProgress;
        assert_fires(r, "FROM debian\nRUN wget http://x/a\n", &[2]);
        assert_fires(r, "FROM debian\nRUN wget -O /tmp/a http://x/a\n", &[2]);
        assert_fires(r, "FROM debian\nRUN wget -nc http://x/a\n", &[2]);
        assert_fires(
            r,
            "FROM debian\nRUN apt-get update \\\n && wget --show-progress http://x/a\n",
            &[3],
        );
        assert_fires(
            r,
            "FROM debian\nRUN <<EOF\nset -e\nwget http://x/a\nEOF\n",
            &[4],
        );
        assert_fires(r, "FROM debian\nRUN sudo wget http://x/a\n", &[2]);
        assert_fires(
            r,
            "FROM debian AS build\nRUN wget http://x/a 2>&1\nFROM debian\n",
            &[2],
        );
    }

    #[test]
    fn passes() {
        let r = &WgetWithoutProgress;
        assert_clean(r, "FROM debian\nRUN wget -q http://x/a\n");
        assert_clean(r, "FROM debian\nRUN wget -qO- http://x/a | tar -x\n");
        assert_clean(r, "FROM debian\nRUN wget --quiet http://x/a\n");
        assert_clean(r, "FROM debian\nRUN wget -nv http://x/a\n");
        assert_clean(r, "FROM debian\nRUN wget --no-verbose http://x/a\n");
        assert_clean(r, "FROM debian\nRUN wget --progress=dot:giga http://x/a\n");
        assert_clean(r, "FROM debian\nRUN wget -o /tmp/log http://x/a\n");
        assert_clean(r, "FROM debian\nRUN wget -a /tmp/log http://x/a\n");
        assert_clean(r, "FROM debian\nRUN wget http://x/a 2>/dev/null\n");
        assert_clean(r, "FROM debian\nRUN curl -fsSLO http://x/a\n");
    }
}
