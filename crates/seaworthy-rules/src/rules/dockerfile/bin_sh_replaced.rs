use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A `RUN` replaces `/bin/sh` with a link to another shell (`ln -sf /bin/bash /bin/sh`)
/// instead of choosing the shell with `SHELL`.
pub struct BinShReplaced;

static META: RuleMeta = RuleMeta {
    id: "SW1443",
    name: "bin-sh-replaced",
    severity: Severity::Warning,
    category: Category::Hygiene,
    practice: 0,
    aliases: &["DL4005"],
    summary: "A RUN links /bin/sh to another shell instead of using SHELL.",
    why: "Relinking /bin/sh changes the shell of every script in the image, the package \
          manager's maintainer scripts and the running application included, which were \
          written for the distribution's /bin/sh (dash on Debian, busybox ash on Alpine); a \
          package upgrade can also restore the link behind your back. `SHELL [\"/bin/bash\", \
          \"-o\", \"pipefail\", \"-c\"]` changes the shell of the Dockerfile's own RUN \
          instructions only, and says so where the reader looks. Differs from hadolint: only \
          a link whose destination is /bin/sh (or /usr/bin/sh) is reported, not `ln -s /bin/sh \
          /usr/local/bin/sh`.",
    bad: "FROM debian:12.7\nRUN ln -sf /bin/bash /bin/sh\n",
    good: "FROM debian:12.7\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n",
};

impl DockerfileRule for BinShReplaced {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                for cmd in script.commands_named("ln") {
                    // The operands; `-t DIR`/`--target-directory` is not used with /bin/sh.
                    let mut operands = Vec::new();
                    let mut options_done = false;
                    for w in &cmd.args {
                        match w.value_str() {
                            Some("--") if !options_done => options_done = true,
                            Some(v) if v.starts_with('-') && !options_done => {}
                            _ => operands.push(w),
                        }
                    }
                    let Some(dest) = operands.last().filter(|_| operands.len() >= 2) else {
                        continue;
                    };
                    if !matches!(dest.value_str(), Some("/bin/sh" | "/usr/bin/sh")) {
                        continue;
                    }
                    out.push(Finding::new(
                        &META,
                        run.source_span(dest.span.clone()),
                        "replacing /bin/sh changes the shell of every script in the image; use \
                         `SHELL [\"/bin/bash\", \"-c\"]` to choose the shell of RUN instructions",
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
        assert_documented_examples(&BinShReplaced);
    }

    #[test]
    fn fires() {
        let r = &BinShReplaced;
        assert_fires(r, "FROM debian\nRUN ln -sf /bin/bash /bin/sh\n", &[2]);
        assert_fires(r, "FROM debian\nRUN ln -s -f bash /bin/sh\n", &[2]);
        assert_fires(
            r,
            "FROM debian\nRUN rm /bin/sh && ln -s /bin/bash /bin/sh\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM debian\nRUN apt-get update \\\n && ln -sf /usr/bin/bash /usr/bin/sh\n",
            &[3],
        );
        assert_fires(
            r,
            "FROM debian\nRUN <<EOF\nln -snf /bin/bash /bin/sh\nEOF\n",
            &[3],
        );
        assert_fires(
            r,
            "FROM debian AS build\nRUN sudo ln -sf /bin/bash /bin/sh\nFROM debian\n",
            &[2],
        );
    }

    #[test]
    fn passes() {
        let r = &BinShReplaced;
        assert_clean(r, "FROM debian\nRUN ln -s /bin/sh /usr/local/bin/sh\n");
        assert_clean(
            r,
            "FROM debian\nRUN ln -sf /usr/bin/python3 /usr/bin/python\n",
        );
        assert_clean(
            r,
            "FROM debian\nSHELL [\"/bin/bash\", \"-c\"]\nRUN echo hi\n",
        );
        assert_clean(r, "FROM debian\nRUN echo ln -sf /bin/bash /bin/sh\n");
    }
}
