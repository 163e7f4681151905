use seaworthy_dockerfile::shell::{Command, Word};

use super::fixes_run::insert_after;
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, Fix, FixKind, RuleMeta, Severity};

/// `pip install` without `--no-cache-dir` in a stage that ships: pip keeps every wheel it
/// downloaded or built in `~/.cache/pip`, inside the layer. Silenced by `PIP_NO_CACHE_DIR`
/// (ENV or on the command), a cache mount over the pip cache, or removing it in the same RUN.
pub struct PipCacheKept;

static META: RuleMeta = RuleMeta {
    id: "SW1404",
    name: "pip-cache-kept",
    severity: Severity::Warning,
    category: Category::Hygiene,
    practice: 10,
    aliases: &["DL3042"],
    summary: "`pip install` keeps its download cache in the layer.",
    why: "pip caches every wheel it downloads or builds under ~/.cache/pip, often as large as \
          the installed packages themselves. In an image the cache is never reused: it only \
          makes the layer bigger. Use `pip install --no-cache-dir`, set \
          `ENV PIP_NO_CACHE_DIR=1`, or better, keep the cache between builds and out of the \
          image with `RUN --mount=type=cache,target=/root/.cache/pip`. Only the stages the \
          final image is built from are checked. Differs from hadolint: removing the cache in \
          the same RUN (`rm -rf ~/.cache/pip`, or the `--cache-dir` or `PIP_CACHE_DIR` \
          directory) or `pip cache purge` counts, and build stages are not reported; \
          `rm -rf ~/.pip/cache` does not count, since only pip 1 cached there. \
          `seaworthy fix` adds `--no-cache-dir` after `install`.",
    bad: "FROM python:3.12.7-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
    good: "FROM python:3.12.7-slim\nCOPY requirements.txt .\n\
           RUN pip install --no-cache-dir -r requirements.txt\n",
};

impl DockerfileRule for PipCacheKept {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn fix_kind(&self) -> FixKind {
        FixKind::Safe
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in cx.runtime_chain() {
            for (index, step) in stage.steps.iter().enumerate() {
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                let env_off = cx
                    .model
                    .variables_before(stage.index, index)
                    .value("PIP_NO_CACHE_DIR")
                    .is_some_and(|v| !v.is_empty());
                let mounted = super::cache_mounted(step, is_pip_cache);
                if env_off || mounted {
                    continue;
                }
                // Where pip caches: its default, `$PIP_CACHE_DIR`, or a `--cache-dir` given in
                // this RUN.
                let mut cache_dirs: Vec<String> = cx
                    .model
                    .variables_before(stage.index, index)
                    .value("PIP_CACHE_DIR")
                    .map(|v| v.to_string())
                    .into_iter()
                    .collect();
                for c in &script.commands {
                    if pip_subcommand(c).is_some() {
                        cache_dirs.extend(option_values(c, "--cache-dir"));
                    }
                }
                let is_cache = |path: &str| {
                    let p = path.trim_end_matches(['/', '*']);
                    is_default_pip_cache(p)
                        || cache_dirs
                            .iter()
                            .any(|d| !d.is_empty() && d.trim_end_matches('/') == p)
                };
                let purged = script.commands.iter().any(|c| {
                    (c.name_str() == Some("rm") && c.arg_values().flatten().any(is_cache))
                        || pip_subcommand(c).is_some_and(|w| w.value.as_deref() == Some("cache"))
                });
                if purged {
                    continue;
                }
                for cmd in &script.commands {
                    let Some(install) = pip_subcommand(cmd) else {
                        continue;
                    };
                    if install.value.as_deref() != Some("install")
                        || cmd.has_flag(None, Some("no-cache-dir"))
                        || cmd
                            .assignments
                            .iter()
                            .any(|a| a.raw.starts_with("PIP_NO_CACHE_DIR="))
                    {
                        continue;
                    }
                    let mut finding = Finding::new(
                        &META,
                        run.source_span(install.span.clone()),
                        "`pip install` without `--no-cache-dir` leaves pip's download cache \
                         in the layer",
                    );
                    if let Some(edit) = insert_after(cx.file, run, cmd, install, " --no-cache-dir")
                    {
                        finding = finding.with_fix(Fix::safe("add `--no-cache-dir`", vec![edit]));
                    }
                    out.push(finding);
                }
            }
        }
    }
}

/// `~/.cache/pip`, `/root/.cache`, `$HOME/.cache/pip` (trailing `/` and `*` removed): pip's
/// default cache, or the directory holding it. `~/.pip/cache` is not: only pip 1 used it.
fn is_default_pip_cache(p: &str) -> bool {
    p.ends_with("/.cache") || p.ends_with("/.cache/pip") || p == "~/.cache" || p == ".cache/pip"
}

/// The values of a long option, as `--name value` or `--name=value`.
fn option_values(cmd: &seaworthy_dockerfile::shell::Command, name: &str) -> Vec<String> {
    let values: Vec<Option<&str>> = cmd.arg_values().collect();
    let mut out = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let Some(v) = v else { continue };
        if *v == name {
            if let Some(Some(next)) = values.get(i + 1) {
                out.push((*next).to_owned());
            }
        } else if let Some(rest) = v.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
            out.push(rest.to_owned());
        }
    }
    out
}

/// A cache mount target that holds pip's cache: its default place, or any directory named
/// for pip (`/tmp/pip-cache`, pointed at by `PIP_CACHE_DIR` or `--cache-dir`).
fn is_pip_cache(path: &str) -> bool {
    let p = path.trim_end_matches(['/', '*']);
    p.ends_with("/.cache") || p.ends_with(".cache/pip") || p.contains("pip")
}

/// The subcommand word of `pip …`, `pip3.12 …` or `python3 -m pip …`.
fn pip_subcommand(cmd: &Command) -> Option<&Word> {
    let name = cmd.name_str()?;
    let mut args = cmd.args.iter();
    if is_python(name) {
        // `python -m pip`: skip to the module name.
        loop {
            let arg = args.next()?.value.as_deref()?;
            if arg == "-m" {
                break;
            }
            if !arg.starts_with('-') {
                return None;
            }
        }
        if args.next()?.value.as_deref() != Some("pip") {
            return None;
        }
    } else if !is_pip(name) {
        return None;
    }
    let mut skip = false;
    for arg in args {
        let value = arg.value.as_deref()?;
        if skip {
            skip = false;
        } else if value.starts_with('-') {
            skip = matches!(
                value,
                "--proxy" | "--cache-dir" | "--log" | "--python" | "--cert"
            );
        } else {
            return Some(arg);
        }
    }
    None
}

fn is_pip(name: &str) -> bool {
    name.strip_prefix("pip")
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

fn is_python(name: &str) -> bool {
    name.strip_prefix("python")
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&PipCacheKept);
    }

    #[test]
    fn fires() {
        // ~/.pip/cache was pip 1's download cache; pip 6 and later cache in ~/.cache/pip.
        assert_fires(
            &PipCacheKept,
            "FROM python\nRUN pip install -r /src/requirements.txt \\\n && rm -rf ~/.pip/cache\n",
            &[2],
        );
        assert_fires(&PipCacheKept, "FROM python\nRUN pip install flask\n", &[2]);
        assert_fires(
            &PipCacheKept,
            "FROM python\nRUN python3 -m pip install -U pip\n",
            &[2],
        );
        assert_fires(
            &PipCacheKept,
            "FROM python\nRUN sudo pip3.12 install flask\n",
            &[2],
        );
        assert_fires(
            &PipCacheKept,
            "FROM python\nRUN pip install --upgrade pip \\\n && pip install \\\n    -r req.txt\n",
            &[2, 3],
        );
        assert_fires(
            &PipCacheKept,
            "FROM python\nRUN <<EOF\nset -e\npip install flask\nEOF\n",
            &[4],
        );
        // A cache mount somewhere else does not cover pip's.
        assert_fires(
            &PipCacheKept,
            "FROM python\nRUN --mount=type=cache,target=/var/cache/apt pip install flask\n",
            &[2],
        );
    }

    #[test]
    fn fixes() {
        let r = &PipCacheKept;
        assert_fix(
            r,
            "FROM python\nRUN pip install flask\n",
            "FROM python\nRUN pip install --no-cache-dir flask\n",
            FixKind::Safe,
        );
        assert_fix(
            r,
            "FROM python\nRUN python3 -m pip install -U pip \\\n && pip3.12 --disable-pip-version-check install \\\n    -r req.txt \\\n && rm -rf ~/.pip/cache\n",
            "FROM python\nRUN python3 -m pip install --no-cache-dir -U pip \\\n && pip3.12 --disable-pip-version-check install --no-cache-dir \\\n    -r req.txt \\\n && rm -rf ~/.pip/cache\n",
            FixKind::Safe,
        );
        assert_fix(
            r,
            "FROM python\r\nRUN sudo pip install flask; # web\r\n",
            "FROM python\r\nRUN sudo pip install --no-cache-dir flask; # web\r\n",
            FixKind::Safe,
        );
        assert_fix(
            r,
            "FROM python:3.12 AS build\nRUN pip install build\nFROM build\nRUN <<EOF\nset -e\npip install flask\nEOF\n",
            "FROM python:3.12 AS build\nRUN pip install --no-cache-dir build\nFROM build\nRUN <<EOF\nset -e\npip install --no-cache-dir flask\nEOF\n",
            FixKind::Safe,
        );
    }

    #[test]
    fn no_fix_where_the_command_is_not_plain() {
        let r = &PipCacheKept;
        assert_no_fix(r, "FROM python\nRUN pip ins\\\ntall flask\n");
        assert_no_fix(r, "FROM python\nRUN pip install flask && for x in; do\n");
    }

    #[test]
    fn passes() {
        assert_clean(
            &PipCacheKept,
            "FROM python\nRUN pip install --cache-dir /tmp/pipc flask && rm -rf /tmp/pipc\n",
        );
        assert_clean(
            &PipCacheKept,
            "FROM python\nENV PIP_CACHE_DIR=/var/pip\nRUN pip install flask && rm -rf /var/pip\n",
        );
        assert_clean(
            &PipCacheKept,
            "FROM python\nRUN pip install flask && rm -rf ~/.cache/pip/* /root/.cache\n",
        );
        assert_clean(
            &PipCacheKept,
            "FROM python\nRUN pip install --no-cache-dir flask\n",
        );
        assert_clean(
            &PipCacheKept,
            "FROM python\nENV PIP_NO_CACHE_DIR=1\nRUN pip install flask\n",
        );
        assert_clean(
            &PipCacheKept,
            "FROM python\nRUN PIP_NO_CACHE_DIR=1 pip install flask\n",
        );
        assert_clean(
            &PipCacheKept,
            "FROM python\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\n",
        );
        assert_clean(
            &PipCacheKept,
            "FROM python\nRUN pip install flask && rm -rf /root/.cache/pip\n",
        );
        assert_clean(
            &PipCacheKept,
            "FROM python\nRUN pip install flask && pip cache purge\n",
        );
        assert_clean(&PipCacheKept, "FROM python\nRUN pip freeze > /reqs.txt\n");
        // A build stage whose cache does not ship.
        assert_clean(
            &PipCacheKept,
            "FROM python:3.12 AS build\nRUN pip wheel -w /w flask && pip install flask\n\
             FROM python:3.12-slim\nCOPY --from=build /w /w\n",
        );
    }
}
