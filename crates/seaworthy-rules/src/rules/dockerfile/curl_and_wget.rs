use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A stage uses both `curl` and `wget`. Each stage is judged on its own: a build stage that
/// downloads with wget does not make the runtime stage's curl a finding.
pub struct CurlAndWget;

static META: RuleMeta = RuleMeta {
    id: "SW1411",
    name: "curl-and-wget",
    severity: Severity::Warning,
    category: Category::Hygiene,
    practice: 9,
    aliases: &["DL4001", "DS-0014", "DS014", "AVD-DS-0014"],
    summary: "A stage downloads with both `curl` and `wget`.",
    why: "Two tools that do the same job means two packages (and their TLS libraries) to \
          install, patch and scan, and two sets of flags to get right for failing on HTTP \
          errors and verifying certificates. Pick one per stage; in a final image, ideally \
          neither. Differs from hadolint: commands run through a shell's `-c` string (`sh -c \
          \"…\"`, `su nobody -s /bin/sh -c \"…\"`) count, which hadolint does not look into; \
          and a stage is reported once, at the first use of the second tool, where hadolint \
          reports every RUN after it that uses either.",
    bad: "FROM debian:12.7\nRUN curl -fsSLo /a https://example.com/a\nRUN wget -qO /b https://example.com/b\n",
    good: "FROM debian:12.7\nRUN curl -fsSLo /a https://example.com/a\nRUN curl -fsSLo /b https://example.com/b\n",
};

impl DockerfileRule for CurlAndWget {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            let mut first: Option<&str> = None;
            'stage: for step in &stage.steps {
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                for cmd in &script.commands {
                    let Some(tool) = cmd.name_str().filter(|n| *n == "curl" || *n == "wget") else {
                        continue;
                    };
                    match first {
                        None => first = Some(if tool == "curl" { "curl" } else { "wget" }),
                        Some(f) if f != tool => {
                            let Some(word) = &cmd.name else { continue };
                            out.push(Finding::new(
                                &META,
                                run.source_span(word.span.clone()),
                                format!(
                                    "this stage already downloads with `{f}`; use it here \
                                     too instead of `{tool}`"
                                ),
                            ));
                            break 'stage;
                        }
                        Some(_) => {}
                    }
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
        assert_documented_examples(&CurlAndWget);
    }

    #[test]
    fn fires() {
        assert_fires(
            &CurlAndWget,
            "FROM debian\nRUN curl -O https://a && wget https://b\n",
            &[2],
        );
        assert_fires(
            &CurlAndWget,
            "FROM debian\nRUN wget https://a\nRUN \\\n  curl -O https://b\n",
            &[4],
        );
        assert_fires(
            &CurlAndWget,
            "FROM debian\nRUN <<EOF\ncurl -O https://a\nsudo wget https://b\nEOF\n",
            &[4],
        );
        // Inside a shell's -c string (docker-library/nginx builds as nobody with su).
        assert_fires(
            &CurlAndWget,
            "FROM alpine:3.20\nRUN wget -O /k https://a/k \\\n    && su nobody -s /bin/sh -c \" \\\n        \
             cd /tmp && curl -f -L -O https://b/src.tar.gz \\\n    \"\n",
            &[4],
        );
        // One finding per stage, in every stage.
        assert_fires(
            &CurlAndWget,
            "FROM debian AS a\nRUN curl x; wget y; wget z\nFROM debian\nRUN wget y && curl x\n",
            &[2, 4],
        );
    }

    #[test]
    fn passes() {
        assert_clean(
            &CurlAndWget,
            "FROM debian\nRUN curl -O https://a && curl -O https://b\n",
        );
        // Different stages.
        assert_clean(
            &CurlAndWget,
            "FROM debian AS a\nRUN wget https://a\nFROM debian\nRUN curl https://b\n",
        );
        assert_clean(
            &CurlAndWget,
            "FROM debian\nRUN apt-get install -y curl wget\n",
        );
        assert_clean(
            &CurlAndWget,
            "FROM debian\nRUN [\"wget\", \"x\"]\nRUN curl y\n",
        );
    }
}
