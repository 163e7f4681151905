use seaworthy_dockerfile::Step;

use super::fixes_run::{append_commands, cleanup_reaches};
use super::install_without_yes::{subcommand, APT_VALUE_FLAGS};
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, Fix, FixKind, RuleMeta, Severity};

/// The cleanup the fix appends.
const REMOVE_LISTS: &str = "rm -rf /var/lib/apt/lists/*";

/// `apt-get update` or `install` in a stage that ships, without removing
/// `/var/lib/apt/lists` in the same `RUN` and without a cache mount over it: the package
/// lists (tens of megabytes) stay in the layer.
pub struct AptListsNotRemoved;

static META: RuleMeta = RuleMeta {
    id: "SW1402",
    name: "apt-lists-not-removed",
    severity: Severity::Info,
    category: Category::Hygiene,
    practice: 10,
    aliases: &["DL3009"],
    summary: "apt package lists are left in the layer that downloaded them.",
    why: "`apt-get update` writes the package index to /var/lib/apt/lists, 20 to 50 MB that \
          the running container never needs. A layer is frozen when its RUN ends, so the \
          lists must be removed in the same RUN (`&& rm -rf /var/lib/apt/lists/*`), or kept \
          out of the layer with a BuildKit cache mount (`--mount=type=cache,target=/var/lib/apt`). \
          A cache mount on /var/cache/apt alone does not cover the lists. Only the stages the \
          final image is built from are checked. Differs from hadolint: apt 3's \
          `apt-get dist-clean` and a pattern naming the index files \
          (`rm -rf /var/lib/apt/lists/*_dists_*`) count as removing the lists; \
          `apt-get install --update` and an update inside a subshell are reported; a RUN that \
          only installs from lists an earlier RUN downloaded is not (that earlier RUN is). \
          `seaworthy fix` appends `&& rm -rf /var/lib/apt/lists/*` to the RUN (on a new \
          continued line when the RUN is continued over several).",
    bad:
        "FROM debian:12.7\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n",
    good:
        "FROM debian:12.7\nRUN apt-get update && apt-get install -y --no-install-recommends curl \
           && rm -rf /var/lib/apt/lists/*\n",
};

impl DockerfileRule for AptListsNotRemoved {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn fix_kind(&self) -> FixKind {
        FixKind::Safe
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in cx.runtime_chain() {
            for step in &stage.steps {
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                if lists_mounted(step) {
                    continue;
                }
                let install = script.commands.iter().find_map(|cmd| {
                    let tool = cmd.name_str()?;
                    if tool != "apt-get" && tool != "apt" {
                        return None;
                    }
                    let sub = subcommand(cmd, APT_VALUE_FLAGS)?;
                    // `install --update` (apt 3) refreshes the lists; a plain install only
                    // reads the ones an `update` wrote, reported where that runs.
                    let writes = match sub.value.as_deref() {
                        Some("update") => true,
                        Some(_) => cmd.has_flag(None, Some("update")),
                        None => false,
                    };
                    writes.then_some((tool, sub))
                });
                let Some((tool, sub)) = install else { continue };
                if script.commands.iter().any(removes_lists) {
                    continue;
                }
                let mut finding = Finding::new(
                    &META,
                    run.source_span(sub.span.clone()),
                    format!(
                        "`{tool} {}` leaves /var/lib/apt/lists in the layer; add \
                         `&& {REMOVE_LISTS}` to this RUN or mount a cache there",
                        sub.value.as_deref().unwrap_or_default()
                    ),
                );
                // Not when apt runs as another user or in another root (`sudo`, `chroot`):
                // the cleanup would not reach its lists.
                let reachable = script
                    .commands
                    .iter()
                    .filter(|c| matches!(c.name_str(), Some("apt-get" | "apt")))
                    .all(|c| cleanup_reaches(script, c));
                if let Some(append) = reachable
                    .then(|| append_commands(cx.file, step, &[REMOVE_LISTS.to_owned()]))
                    .flatten()
                {
                    finding = finding
                        .with_related(append.after, format!("`&& {REMOVE_LISTS}` goes after this"))
                        .with_fix(Fix::safe(
                            "remove the apt lists in the same RUN",
                            vec![append.edit],
                        ));
                }
                out.push(finding);
            }
        }
    }
}

/// A cache or tmpfs mount over the apt lists keeps them out of the layer.
pub(super) fn lists_mounted(step: &Step<'_>) -> bool {
    super::cache_mounted(step, |t| {
        let t = t.trim_end_matches('/');
        t == "/var/lib/apt" || t == "/var/lib/apt/lists"
    })
}

/// `rm -rf /var/lib/apt/lists/*` (any spelling that names the directory, what is in it, or
/// its index files by a pattern such as `/var/lib/apt/lists/*_dists_*`), or apt 3's
/// `apt-get dist-clean`, which removes the lists with the package cache.
pub(super) fn removes_lists(cmd: &seaworthy_dockerfile::shell::Command) -> bool {
    match cmd.name_str() {
        Some("rm") => cmd.arg_values().flatten().any(|v| {
            let trimmed = v.trim_end_matches(['/', '*']);
            let pattern = v
                .strip_prefix("/var/lib/apt/lists/")
                .is_some_and(|rest| rest.contains('*') && !rest.contains('/'));
            trimmed == "/var/lib/apt/lists" || trimmed == "/var/lib/apt" || pattern
        }),
        Some("apt-get" | "apt") => matches!(
            subcommand(cmd, APT_VALUE_FLAGS).and_then(|w| w.value.as_deref()),
            Some("dist-clean" | "distclean")
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&AptListsNotRemoved);
    }

    #[test]
    fn fires() {
        // apt 3's `install --update` refreshes the lists first.
        assert_fires(
            &AptListsNotRemoved,
            "FROM debian:13\nRUN apt-get install --update -y --no-install-recommends curl\n",
            &[2],
        );
        // Removing only the partial downloads leaves the lists.
        assert_fires(
            &AptListsNotRemoved,
            "FROM debian\nRUN apt-get update && rm -rf /var/lib/apt/lists/partial/*\n",
            &[2],
        );
        assert_fires(
            &AptListsNotRemoved,
            "FROM debian\nRUN apt-get update\n",
            &[2],
        );
        assert_fires(
            &AptListsNotRemoved,
            "FROM debian\nRUN sudo apt-get update \\\n && sudo apt-get install -y curl\n",
            &[2],
        );
        assert_fires(
            &AptListsNotRemoved,
            "FROM debian\nRUN <<EOF\nset -e\napt-get update\napt-get install -y curl\nEOF\n",
            &[4],
        );
        // Removing them in a later RUN does not shrink the layer that holds them.
        assert_fires(
            &AptListsNotRemoved,
            "FROM debian\nRUN apt-get update && apt-get install -y curl\nRUN rm -rf /var/lib/apt/lists/*\n",
            &[2],
        );
        // A cache mount on the downloaded .debs does not cover the lists.
        assert_fires(
            &AptListsNotRemoved,
            "FROM debian\nRUN --mount=type=cache,target=/var/cache/apt apt-get update\n",
            &[2],
        );
    }

    #[test]
    fn fixes() {
        let r = &AptListsNotRemoved;
        assert_fix(
            r,
            "FROM debian\nRUN apt-get update\n",
            "FROM debian\nRUN apt-get update && rm -rf /var/lib/apt/lists/*\n",
            FixKind::Safe,
        );
        assert_fix(
            r,
            "FROM debian\nRUN apt-get update \\\n && apt-get install -y curl\n",
            "FROM debian\nRUN apt-get update \\\n && apt-get install -y curl \\\n && rm -rf /var/lib/apt/lists/*\n",
            FixKind::Safe,
        );
        assert_fix(
            r,
            "FROM debian\nRUN set -eux; \\\n\tapt-get update; \\\n\tapt-get install -y curl;\n",
            "FROM debian\nRUN set -eux; \\\n\tapt-get update; \\\n\tapt-get install -y curl && \\\n\trm -rf /var/lib/apt/lists/*;\n",
            FixKind::Safe,
        );
        assert_fix(
            r,
            "FROM debian\r\nRUN apt-get update && \\\r\n    apt-get install -y curl # client\r\nUSER 1000\r\n",
            "FROM debian\r\nRUN apt-get update && \\\r\n    apt-get install -y curl && \\\r\n    rm -rf /var/lib/apt/lists/* # client\r\nUSER 1000\r\n",
            FixKind::Safe,
        );
        assert_fix(
            r,
            "# escape=`\nFROM debian\nRUN apt-get update `\n  && apt-get install -y curl\n",
            "# escape=`\nFROM debian\nRUN apt-get update `\n  && apt-get install -y curl `\n  && rm -rf /var/lib/apt/lists/*\n",
            FixKind::Safe,
        );
        // An `||` list: the cleanup runs when the list as a whole succeeded.
        assert_fix(
            r,
            "FROM debian AS base\nRUN apt-get update || (sleep 5 && apt-get update)\nFROM base\n",
            "FROM debian AS base\nRUN apt-get update || (sleep 5 && apt-get update) && rm -rf /var/lib/apt/lists/*\nFROM base\n",
            FixKind::Safe,
        );
        // A later RUN that cleans does not shrink this layer: the fix goes into this one.
        assert_fix(
            r,
            "FROM debian\nRUN apt-get update && apt-get install -y curl\nRUN rm -rf /var/lib/apt/lists/*\n",
            "FROM debian\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\nRUN rm -rf /var/lib/apt/lists/*\n",
            FixKind::Safe,
        );
    }

    #[test]
    fn no_fix_where_appending_would_be_a_guess() {
        let r = &AptListsNotRemoved;
        assert_no_fix(
            r,
            "FROM debian\nRUN <<EOF\nset -e\napt-get update\napt-get install -y curl\nEOF\n",
        );
        assert_no_fix(r, "FROM debian\nRUN apt-get update &\n");
        assert_no_fix(r, "FROM debian\nRUN apt-get update; exit 0\n");
        assert_no_fix(r, "FROM debian\nRUN sudo apt-get update\n");
        assert_no_fix(r, "FROM debian\nRUN chroot /target apt-get update\n");
        assert_no_fix(r, "FROM debian\nRUN apt-get update && if true; then\n");
    }

    #[test]
    fn passes() {
        // `apt-get dist-clean` (apt 3) removes the lists along with the package cache.
        assert_clean(
            &AptListsNotRemoved,
            "FROM debian:13\nRUN set -eux; \\\n\tapt-get install --update -y curl; \\\n\tapt-get dist-clean\n",
        );
        assert_clean(
            &AptListsNotRemoved,
            "FROM debian:13\nRUN apt-get update && apt-get install -y curl && apt-get distclean\n",
        );
        // The index files themselves, by pattern.
        assert_clean(
            &AptListsNotRemoved,
            "FROM debian\nRUN apt-get update \\\n\t&& apt-get install -y git \\\n\t&& apt-get clean \\\n\t&& rm -rf /var/lib/apt/lists/*_dists_*\n",
        );
        // An install without `update` reads lists an earlier layer wrote: that RUN is the one
        // to fix, and it is reported there.
        assert_fires(
            &AptListsNotRemoved,
            "FROM ubuntu:14.04\nRUN apt-get update\nRUN apt-get --no-install-recommends install -y redis-server\n",
            &[2],
        );
        assert_clean(
            &AptListsNotRemoved,
            "FROM debian\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
        );
        assert_clean(
            &AptListsNotRemoved,
            "FROM debian\nRUN <<EOF\napt-get update\napt-get install -y curl\nrm -rf /var/lib/apt/lists/*\nEOF\n",
        );
        assert_clean(
            &AptListsNotRemoved,
            "FROM debian\nRUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\\n    \
             --mount=type=cache,target=/var/lib/apt,sharing=locked \\\n    \
             apt-get update && apt-get install -y curl\n",
        );
        assert_clean(
            &AptListsNotRemoved,
            "FROM debian AS build\nRUN apt-get update && apt-get install -y gcc\n\
             FROM debian:12.7\nCOPY --from=build /x /x\n",
        );
        assert_clean(&AptListsNotRemoved, "FROM debian\nRUN apt-get clean\n");
    }
}
