use seaworthy_dockerfile::Keyword;

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// The final image runs as root: no `USER` anywhere in the stages it is built from, or the
/// last `USER` names root (`root`, `0`, `0:0`, `root:root`, ...).
pub struct LastUserRoot;

static META: RuleMeta = RuleMeta {
    id: "SW1001",
    name: "last-user-root",
    severity: Severity::Warning,
    category: Category::Identity,
    practice: 1,
    aliases: &[
        "DL3002",
        "DS-0002",
        "DS002",
        "AVD-DS-0002",
        "CKV_DOCKER_3",
        "CKV_DOCKER_8",
        "CIS-DI-0001",
    ],
    summary: "The final image runs as root.",
    why: "A process running as root inside the container is root on the host's kernel: one \
          escape or one writable host mount away from the host. Most images default to root, \
          so a final stage without USER runs as root even though no line says so. Only the \
          final stage decides: build stages may use root freely. Differs from hadolint: \
          DL3002 reports only an explicit `USER root` (in any stage, even a build stage that \
          does not ship); this rule also reports a final stage that never sets USER, and \
          ignores the stages whose files are only copied out.",
    bad: "FROM python:3.12-slim\nCOPY app /app\nCMD [\"python\", \"/app/main.py\"]\n",
    good: "FROM python:3.12-slim\nRUN useradd --uid 10001 --no-create-home app\nCOPY app /app\n\
           USER 10001:10001\nCMD [\"python\", \"/app/main.py\"]\n",
};

impl DockerfileRule for LastUserRoot {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let Some(stage) = cx.final_stage() else {
            return;
        };
        match &stage.at_end.user {
            Some(user) if user.is_root() => out.push(
                Finding::new(
                    &META,
                    user.span,
                    format!("the final image runs as root (USER {})", user.value),
                )
                .with_related(stage.from.keyword, "the final stage starts here"),
            ),
            Some(_) => {}
            None => {
                // Point at the last instruction of the final stage: that is where a USER goes.
                let last = stage
                    .steps
                    .iter()
                    .rev()
                    .map(|s| s.instruction)
                    .find(|i| !matches!(i.kind, Keyword::Cmd | Keyword::Entrypoint))
                    .unwrap_or(stage.from);
                out.push(
                    Finding::new(
                        &META,
                        stage.from.keyword,
                        "the final stage never sets USER, so the image runs as its base \
                         image's user, root for most images",
                    )
                    .with_related(last.keyword, "add USER with a numeric UID after this line"),
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
        assert_documented_examples(&LastUserRoot);
    }

    #[test]
    fn fires() {
        assert_fires(&LastUserRoot, "FROM alpine\nRUN id\n", &[1]);
        assert_fires(&LastUserRoot, "FROM alpine\nUSER app\nUSER root\n", &[3]);
        assert_fires(&LastUserRoot, "FROM alpine\nUSER 0:0\n", &[2]);
        assert_fires(&LastUserRoot, "FROM alpine\nARG U=root\nUSER ${U}\n", &[3]);
        // Only the final stage decides, whatever the build stage does.
        assert_fires(
            &LastUserRoot,
            "FROM alpine AS b\nUSER 1000\nFROM alpine\nCOPY --from=b /x /x\n",
            &[3],
        );
        // A child stage inherits its parent stage's USER root.
        assert_fires(
            &LastUserRoot,
            "FROM alpine AS base\nUSER root\nFROM base\nRUN id\n",
            &[2],
        );
    }

    #[test]
    fn passes() {
        assert_clean(&LastUserRoot, "FROM alpine\nUSER 10001:10001\n");
        assert_clean(&LastUserRoot, "FROM alpine\nUSER app\n");
        assert_clean(
            &LastUserRoot,
            "FROM alpine AS b\nRUN make\nFROM alpine\nUSER 1000\n",
        );
        // The user set in the parent stage carries into the child.
        assert_clean(
            &LastUserRoot,
            "FROM alpine AS base\nUSER 1000\nFROM base\nRUN id\n",
        );
        // Root in a build stage is fine.
        assert_clean(
            &LastUserRoot,
            "FROM alpine AS b\nUSER root\nFROM alpine\nUSER 1000\n",
        );
    }
}
