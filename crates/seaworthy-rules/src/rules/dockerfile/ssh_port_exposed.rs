use seaworthy_dockerfile::{Args, Expanded, Keyword};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// The final image `EXPOSE`s TCP port 22 (SSH), alone or inside a range, after variable
/// expansion. `EXPOSE` in build stages that only feed `COPY --from` does not reach the image
/// and is left alone; so is `22/udp`.
pub struct SshPortExposed;

static META: RuleMeta = RuleMeta {
    id: "SW1104",
    name: "ssh-port-exposed",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 20,
    aliases: &["DS-0004", "DS004", "AVD-DS-0004", "CKV_DOCKER_1"],
    summary: "The final image exposes port 22 (SSH).",
    why: "An SSH server in a container is a second way in that needs its own keys, updates and \
          hardening, and it is usually left with a default or baked-in credential. Containers \
          are replaced, not logged into: use `docker exec` or `kubectl exec` for debugging \
          and ship logs and metrics out instead.",
    bad: "FROM ubuntu:24.04\nRUN apt-get install -y --no-install-recommends openssh-server\n\
          EXPOSE 22 8080\n",
    good: "FROM ubuntu:24.04\nEXPOSE 8080\n",
};

impl DockerfileRule for SshPortExposed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in cx.runtime_chain().into_iter().rev() {
            for step in &stage.steps {
                let ins = step.instruction;
                if ins.kind != Keyword::Expose {
                    continue;
                }
                let Expanded::Expose(ports) = &step.expanded else {
                    continue;
                };
                let words = match &ins.args {
                    Args::Words(words) => words.as_slice(),
                    _ => &[],
                };
                for (i, port) in ports.iter().enumerate() {
                    if port.protocol != "tcp" || !(port.start..=port.end).contains(&22) {
                        continue;
                    }
                    // A word that expands to several ports cannot be matched to one of them.
                    let span = if words.len() == ports.len() {
                        words[i].span
                    } else {
                        ins.keyword
                    };
                    out.push(Finding::new(
                        &META,
                        span,
                        format!(
                            "EXPOSE {} publishes the SSH port 22 of the final image",
                            port.written
                        ),
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
        assert_documented_examples(&SshPortExposed);
    }

    #[test]
    fn fires() {
        assert_fires(&SshPortExposed, "FROM alpine\nEXPOSE 22\n", &[2]);
        assert_fires(&SshPortExposed, "FROM alpine\nEXPOSE 80 22/tcp\n", &[2]);
        assert_fires(&SshPortExposed, "FROM alpine\nEXPOSE 20-30\n", &[2]);
        assert_fires(
            &SshPortExposed,
            "FROM alpine\nARG PORT=22\nEXPOSE ${PORT}\n",
            &[3],
        );
        assert_fires(
            &SshPortExposed,
            "FROM alpine AS base\nEXPOSE 22\nFROM base\nCMD [\"/app\"]\n",
            &[2],
        );
    }

    #[test]
    fn passes() {
        assert_clean(&SshPortExposed, "FROM alpine\nEXPOSE 8080\n");
        assert_clean(&SshPortExposed, "FROM alpine\nEXPOSE 2222\n");
        assert_clean(&SshPortExposed, "FROM alpine\nEXPOSE 22/udp\n");
        // A build stage's EXPOSE does not reach the final image.
        assert_clean(
            &SshPortExposed,
            "FROM alpine AS build\nEXPOSE 22\nFROM alpine\nEXPOSE 80\n",
        );
    }
}
