use super::fixes_run::{append_commands, cleanup_reaches, insert_after};
use super::install_without_yes::subcommand;
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, Fix, FixKind, RuleMeta, Severity};

/// `apk add` without `--no-cache` in a stage that ships: the package index apk downloaded
/// stays in `/var/cache/apk`, inside the layer.
pub struct ApkCacheKept;

static META: RuleMeta = RuleMeta {
    id: "SW1405",
    name: "apk-cache-kept",
    severity: Severity::Info,
    category: Category::Hygiene,
    practice: 10,
    aliases: &["DL3019", "DS-0025", "DS025", "AVD-DS-0025"],
    summary: "`apk add` without `--no-cache` keeps the package index in the layer.",
    why: "`apk update` and `apk add --update` store the repository index under /var/cache/apk, \
          a few megabytes that the running container never reads. `apk add --no-cache` \
          fetches the index into memory and keeps nothing; a BuildKit cache mount on \
          /var/cache/apk or /etc/apk/cache keeps it between builds and out of the image, and \
          `rm -rf /var/cache/apk/*` in the same RUN also works. Only the stages the final \
          image is built from are checked. Differs from hadolint: removing /var/cache/apk in \
          the same RUN counts, `apk add --no-network` (which fetches no index) passes, and \
          build stages are not reported. `seaworthy fix` adds `--no-cache` after `add` when \
          the RUN runs no other apk command that fills the cache, and otherwise (after \
          `apk update`) appends `&& rm -rf /var/cache/apk/*` to the RUN.",
    bad: "FROM alpine:3.20.3\nRUN apk add curl\n",
    good: "FROM alpine:3.20.3\nRUN apk add --no-cache curl\n",
};

impl DockerfileRule for ApkCacheKept {
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
                let mounted = super::cache_mounted(step, is_apk_cache);
                let removed = script.commands.iter().any(|c| {
                    c.name_str() == Some("rm") && c.arg_values().flatten().any(is_apk_cache)
                });
                if mounted || removed {
                    continue;
                }
                // `apk update` (or `upgrade`, `fetch`, …) fills the cache whatever `add` does:
                // `--no-cache` on the `add` alone would not empty it.
                let only_adds = script.commands_named("apk").all(|c| {
                    matches!(
                        subcommand(c, APK_VALUE_FLAGS).and_then(|w| w.value.as_deref()),
                        Some("add" | "del")
                    )
                });
                let mut reported_run = false;
                for cmd in script.commands_named("apk") {
                    let Some(add) = subcommand(cmd, APK_VALUE_FLAGS) else {
                        continue;
                    };
                    // `--no-network` installs from what is already there: no index is fetched.
                    if add.value.as_deref() != Some("add")
                        || cmd.has_flag(None, Some("no-cache"))
                        || cmd.has_flag(None, Some("no-network"))
                    {
                        continue;
                    }
                    let mut finding = Finding::new(
                        &META,
                        run.source_span(add.span.clone()),
                        "`apk add` without `--no-cache` leaves the package index in \
                         /var/cache/apk in the layer",
                    );
                    if only_adds {
                        if let Some(edit) = insert_after(cx.file, run, cmd, add, " --no-cache") {
                            finding = finding.with_fix(Fix::safe("add `--no-cache`", vec![edit]));
                        }
                    } else if !reported_run {
                        // `apk update` filled the cache too: empty it at the end of the RUN,
                        // once for the RUN, when apk ran where the cleanup reaches.
                        let reachable = script
                            .commands_named("apk")
                            .all(|c| cleanup_reaches(script, c));
                        if let Some(append) = reachable
                            .then(|| append_commands(cx.file, step, &[REMOVE_CACHE.to_owned()]))
                            .flatten()
                        {
                            finding = finding
                                .with_related(
                                    append.after,
                                    format!("`&& {REMOVE_CACHE}` goes after this"),
                                )
                                .with_fix(Fix::safe(
                                    "empty apk's cache in the same RUN",
                                    vec![append.edit],
                                ));
                        }
                    }
                    reported_run = true;
                    out.push(finding);
                }
            }
        }
    }
}

/// The cleanup the fix appends when `--no-cache` alone would not do.
const REMOVE_CACHE: &str = "rm -rf /var/cache/apk/*";

const APK_VALUE_FLAGS: &[&str] = &[
    "-X",
    "--repository",
    "-p",
    "--root",
    "--arch",
    "--cache-dir",
    "--keys-dir",
    "--repositories-file",
    "-t",
    "--virtual",
];

fn is_apk_cache(path: &str) -> bool {
    let p = path.trim_end_matches(['/', '*']);
    p == "/var/cache/apk" || p == "/etc/apk/cache"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&ApkCacheKept);
    }

    #[test]
    fn fires() {
        assert_fires(&ApkCacheKept, "FROM alpine\nRUN apk add curl\n", &[2]);
        assert_fires(
            &ApkCacheKept,
            "FROM alpine\nRUN apk --update add curl\n",
            &[2],
        );
        assert_fires(
            &ApkCacheKept,
            "FROM alpine\nRUN sudo apk add -t .deps gcc\n",
            &[2],
        );
        assert_fires(
            &ApkCacheKept,
            "FROM alpine\nRUN apk update \\\n && apk add \\\n    curl\n",
            &[3],
        );
        assert_fires(
            &ApkCacheKept,
            "FROM alpine\nRUN <<EOF\napk add curl\nEOF\n",
            &[3],
        );
        assert_fires(
            &ApkCacheKept,
            "FROM alpine AS base\nRUN apk add curl\nFROM base\nCMD [\"curl\"]\n",
            &[2],
        );
    }

    #[test]
    fn fixes() {
        let r = &ApkCacheKept;
        assert_fix(
            r,
            "FROM alpine\nRUN apk add curl\n",
            "FROM alpine\nRUN apk add --no-cache curl\n",
            FixKind::Safe,
        );
        // `--update` with `--no-cache` reads the index into memory only.
        assert_fix(
            r,
            "FROM alpine\nRUN apk --update add \\\n      curl \\\n && sudo apk add -t .deps gcc \\\n && apk del .deps\n",
            "FROM alpine\nRUN apk --update add --no-cache \\\n      curl \\\n && sudo apk add --no-cache -t .deps gcc \\\n && apk del .deps\n",
            FixKind::Safe,
        );
        assert_fix(
            r,
            "FROM alpine\r\nRUN apk add curl # for the healthcheck\r\nCMD [\"sh\"]\r\n",
            "FROM alpine\r\nRUN apk add --no-cache curl # for the healthcheck\r\nCMD [\"sh\"]\r\n",
            FixKind::Safe,
        );
        assert_fix(
            r,
            "FROM alpine AS base\nRUN <<EOF\napk add curl\nEOF\nFROM base\nCMD [\"curl\"]\n",
            "FROM alpine AS base\nRUN <<EOF\napk add --no-cache curl\nEOF\nFROM base\nCMD [\"curl\"]\n",
            FixKind::Safe,
        );
    }

    #[test]
    fn when_another_apk_command_fills_the_cache_it_is_emptied_at_the_end() {
        let r = &ApkCacheKept;
        assert_fix(
            r,
            "FROM alpine\nRUN apk update && apk add curl\n",
            "FROM alpine\nRUN apk update && apk add curl && rm -rf /var/cache/apk/*\n",
            FixKind::Safe,
        );
        // Two adds: one cleanup.
        assert_fix(
            r,
            "FROM alpine\nRUN apk upgrade \\\n && apk add curl \\\n && apk add jq\n",
            "FROM alpine\nRUN apk upgrade \\\n && apk add curl \\\n && apk add jq \\\n && rm -rf /var/cache/apk/*\n",
            FixKind::Safe,
        );
        // apk in another root: the cleanup would not reach its cache.
        assert_no_fix(
            r,
            "FROM alpine\nRUN apk update && chroot /target apk add curl\n",
        );
        assert_no_fix(r, "FROM alpine\nRUN apk a\\\ndd curl\n");
    }

    #[test]
    fn passes() {
        // `--no-network` installs from what is already there and fetches no index.
        assert_clean(
            &ApkCacheKept,
            "FROM alpine\nRUN apk add --no-cache --virtual .build-deps gcc \\\n && scanelf --needed /usr/local | xargs -rt apk add --no-network --virtual .rundeps \\\n && apk del --no-network .build-deps\n",
        );
        assert_clean(&ApkCacheKept, "FROM alpine\nRUN apk add --no-cache curl\n");
        assert_clean(&ApkCacheKept, "FROM alpine\nRUN apk --no-cache add curl\n");
        assert_clean(
            &ApkCacheKept,
            "FROM alpine\nRUN --mount=type=cache,target=/var/cache/apk apk add curl\n",
        );
        assert_clean(
            &ApkCacheKept,
            "FROM alpine\nRUN --mount=type=cache,target=/etc/apk/cache apk add curl\n",
        );
        assert_clean(
            &ApkCacheKept,
            "FROM alpine\nRUN apk update && apk add curl && rm -rf /var/cache/apk/*\n",
        );
        assert_clean(&ApkCacheKept, "FROM alpine\nRUN apk del curl\n");
        assert_clean(
            &ApkCacheKept,
            "FROM alpine AS build\nRUN apk add gcc\nFROM alpine:3.20\nCOPY --from=build /x /x\n",
        );
    }
}
