use seaworthy_dockerfile::shell::{Command, Word};

use super::fixes_run::{append_commands, cleanup_reaches};
use super::packages::{node_call, operands_after, NPM_VALUE_FLAGS, YARN_VALUE_FLAGS};
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, Fix, FixKind, RuleMeta, Severity};

/// `yarn install` or `npm ci`/`npm install` in a stage that ships, without cleaning the
/// package manager's cache afterwards in the same RUN (`yarn cache clean`,
/// `npm cache clean --force`) and without a cache mount over it.
pub struct NodePackageCacheKept;

static META: RuleMeta = RuleMeta {
    id: "SW1421",
    name: "node-package-cache-kept",
    severity: Severity::Info,
    category: Category::Hygiene,
    practice: 10,
    aliases: &["DL3060"],
    summary: "yarn or npm leaves its download cache in the layer.",
    why: "yarn and npm keep a copy of every package they download (yarn under \
          /usr/local/share/.cache/yarn or ~/.cache/yarn, npm under ~/.npm): often as large as \
          node_modules itself, and never read by the running application. A layer is frozen \
          when its RUN ends, so clean in the same RUN, after the install (`&& yarn cache \
          clean`, `&& npm cache clean --force`), or keep the cache out of the image and \
          between builds with a BuildKit cache mount (`--mount=type=cache,target=/root/.npm`, \
          `target=/usr/local/share/.cache/yarn`). Only the stages the final image is built \
          from are checked, as hadolint does: a build stage's cache does not ship. pnpm is \
          not checked: its store is hard-linked into node_modules, so removing it frees \
          nothing. Differs from hadolint: npm is checked too, and so are a bare `yarn`, \
          `yarn add` and `yarn global add`; a cache mount or `rm` of the folder named by \
          `--cache-folder`, `--cache` or `YARN_CACHE_FOLDER` counts. `seaworthy fix` appends \
          `&& npm cache clean --force` (or `&& yarn cache clean`) to the RUN when the install \
          runs as the RUN's user, with the default cache, and nothing changes directory after it.",
    bad: "FROM node:22.9.0-slim\nCOPY package.json yarn.lock ./\nRUN yarn install --frozen-lockfile\n",
    good: "FROM node:22.9.0-slim\nCOPY package.json yarn.lock ./\n\
           RUN yarn install --frozen-lockfile && yarn cache clean\n",
};

impl DockerfileRule for NodePackageCacheKept {
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
                let vars = cx.model.variables_before(stage.index, index);
                for (i, cmd) in script.commands.iter().enumerate() {
                    let Some((tool, word)) = node_install(cmd) else {
                        continue;
                    };
                    // Where this install keeps its cache, when it is configured.
                    let configured = match tool {
                        "yarn" => option_value(cmd, "--cache-folder")
                            .or_else(|| vars.value("YARN_CACHE_FOLDER").map(str::to_owned)),
                        _ => option_value(cmd, "--cache").or_else(|| {
                            vars.value("npm_config_cache")
                                .or_else(|| vars.value("NPM_CONFIG_CACHE"))
                                .map(str::to_owned)
                        }),
                    };
                    let is_cache = |path: &str| is_cache_dir(tool, path, configured.as_deref());
                    if super::cache_mounted(step, is_cache) {
                        continue;
                    }
                    let cleaned = script.commands[i + 1..]
                        .iter()
                        .any(|c| cleans_cache(tool, c) || removes(c, &is_cache));
                    if cleaned {
                        continue;
                    }
                    let (what, fix) = if tool == "yarn" {
                        ("yarn's", "yarn cache clean")
                    } else {
                        ("npm's", "npm cache clean --force")
                    };
                    let mut finding = Finding::new(
                        &META,
                        run.source_span(word.span.clone()),
                        format!(
                            "`{}` leaves {what} download cache in the layer; add `&& {fix}` \
                             after it in this RUN or mount a cache there",
                            install_text(tool, cmd, word)
                        ),
                    );
                    // The clean must run as the same user, on the same cache, and (for yarn
                    // 2 and later, whose cache belongs to the project) in the same directory.
                    let fixable = cleanup_reaches(script, cmd)
                        && cmd.subshell_depth == 0
                        && !cmd.in_function
                        && option_value(cmd, "--cache-folder").is_none()
                        && option_value(cmd, "--cache").is_none()
                        && !script.commands[i + 1..]
                            .iter()
                            .any(|c| matches!(c.name_str(), Some("cd" | "pushd" | "popd")));
                    if let Some(append) = fixable
                        .then(|| append_commands(cx.file, step, &[fix.to_owned()]))
                        .flatten()
                    {
                        finding = finding
                            .with_related(append.after, format!("`&& {fix}` goes after this"))
                            .with_fix(Fix::safe(
                                format!("clean {what} cache in the same RUN"),
                                vec![append.edit],
                            ));
                    }
                    out.push(finding);
                }
            }
        }
    }
}

/// For a yarn or npm command that downloads packages: the tool and the word to point at
/// (the subcommand, or the name of a bare `yarn`).
fn node_install(cmd: &Command) -> Option<(&str, &Word)> {
    let (tool, sub) = node_call(cmd)?;
    let verb = sub.and_then(|w| w.value.as_deref());
    let installs = match tool {
        "yarn" => match verb {
            // A bare `yarn` installs; `yarn --version` does not.
            None => {
                !cmd.has_flag(Some('v'), Some("version")) && !cmd.has_flag(Some('h'), Some("help"))
            }
            Some("install" | "add") => true,
            Some("global") => {
                let rest = operands_after(cmd, sub?, YARN_VALUE_FLAGS);
                rest.first().and_then(|w| w.value.as_deref()) == Some("add")
            }
            _ => false,
        },
        "npm" => matches!(
            verb,
            Some("install" | "i" | "ci" | "add" | "clean-install" | "install-clean" | "isntall")
        ),
        _ => false,
    };
    if !installs {
        return None;
    }
    Some((tool, sub.or(cmd.name.as_ref())?))
}

fn install_text(tool: &str, cmd: &Command, word: &Word) -> String {
    match cmd.name.as_ref() {
        Some(name) if name.span == word.span => tool.to_owned(),
        _ if word.value.as_deref() == Some("global") => format!("{tool} global add"),
        _ => format!("{tool} {}", word.value.as_deref().unwrap_or_default()),
    }
}

/// The value of `--flag value` or `--flag=value`.
fn option_value(cmd: &Command, flag: &str) -> Option<String> {
    let mut args = cmd.args.iter();
    while let Some(arg) = args.next() {
        let value = arg.value.as_deref()?;
        if value == flag {
            return args.next()?.value.clone();
        }
        if let Some(v) = value.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
            return Some(v.to_owned());
        }
    }
    None
}

fn is_cache_dir(tool: &str, path: &str, configured: Option<&str>) -> bool {
    let p = path.trim_end_matches(['/', '*']);
    if configured.is_some_and(|c| c.trim_end_matches('/') == p) {
        return true;
    }
    if tool == "yarn" {
        p.contains("yarn")
    } else {
        p.ends_with("/.npm") || p == ".npm" || p.ends_with("/_cacache")
    }
}

/// `yarn cache clean`, `npm cache clean --force` (`clear`, `rm`).
fn cleans_cache(tool: &str, cmd: &Command) -> bool {
    let Some((t, Some(sub))) = node_call(cmd) else {
        return false;
    };
    if t != tool || sub.value.as_deref() != Some("cache") {
        return false;
    }
    let flags = if tool == "npm" {
        NPM_VALUE_FLAGS
    } else {
        YARN_VALUE_FLAGS
    };
    let rest = operands_after(cmd, sub, flags);
    matches!(
        rest.first().and_then(|w| w.value.as_deref()),
        Some("clean" | "clear" | "rm")
    )
}

/// `rm -rf <cache dir>`; a path written with `$HOME` or `~` is read by its tail.
fn removes(cmd: &Command, is_cache: &dyn Fn(&str) -> bool) -> bool {
    cmd.name_str() == Some("rm")
        && cmd.args.iter().any(|a| {
            is_cache(
                a.value
                    .as_deref()
                    .unwrap_or(a.raw.trim_matches(['"', '\''])),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&NodePackageCacheKept);
    }

    #[test]
    fn fires() {
        let r = &NodePackageCacheKept;
        assert_fires(r, "FROM node\nRUN yarn install\n", &[2]);
        assert_fires(r, "FROM node\nRUN yarn\n", &[2]);
        assert_fires(r, "FROM node\nRUN yarn add left-pad@1.3.0\n", &[2]);
        assert_fires(r, "FROM node\nRUN yarn global add pm2@5.4.2\n", &[2]);
        let found = findings(r, "FROM node\nRUN yarn global add pm2@5.4.2\n");
        assert!(
            found[0].1.starts_with("`yarn global add` leaves"),
            "{found:?}"
        );
        assert_fires(
            r,
            "FROM node\nRUN yarn install --frozen-lockfile && yarn build\n",
            &[2],
        );
        // A clean before the install cleans nothing.
        assert_fires(r, "FROM node\nRUN yarn cache clean && yarn install\n", &[2]);
        assert_fires(r, "FROM node\nRUN npm ci --omit=dev\n", &[2]);
        assert_fires(r, "FROM node\nRUN npm install -g pm2@5.4.2\n", &[2]);
        assert_fires(
            r,
            "FROM node\nRUN --mount=type=cache,target=/root/.npm yarn install\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM node\nWORKDIR /app\nRUN <<EOF\nset -e\nyarn install --frozen-lockfile\nyarn build\nEOF\n",
            &[5],
        );
        assert_fires(
            r,
            "FROM node AS base\nRUN yarn install \\\n  --frozen-lockfile\nFROM base\nCMD [\"node\", \"x.js\"]\n",
            &[2],
        );
        assert_fires(r, "FROM node\nRUN su node -c 'npm ci'\n", &[2]);
    }

    #[test]
    fn fixes() {
        let r = &NodePackageCacheKept;
        assert_fix(
            r,
            "FROM node\nRUN npm ci --omit=dev\n",
            "FROM node\nRUN npm ci --omit=dev && npm cache clean --force\n",
            FixKind::Safe,
        );
        assert_fix(
            r,
            "FROM node\nWORKDIR /app\nRUN yarn install --frozen-lockfile \\\n && yarn build\n",
            "FROM node\nWORKDIR /app\nRUN yarn install --frozen-lockfile \\\n && yarn build \\\n && yarn cache clean\n",
            FixKind::Safe,
        );
        assert_fix(
            r,
            "FROM node\r\nRUN cd /app && npm install -g pm2@5.4.2 # process manager\r\n",
            "FROM node\r\nRUN cd /app && npm install -g pm2@5.4.2 && npm cache clean --force # process manager\r\n",
            FixKind::Safe,
        );
        // Both tools in one RUN: one clean each, over two passes.
        assert_fix(
            r,
            "FROM node AS base\nRUN npm ci && yarn\nFROM base\nCMD [\"node\", \"x.js\"]\n",
            "FROM node AS base\nRUN npm ci && yarn && npm cache clean --force && yarn cache clean\n\
             FROM base\nCMD [\"node\", \"x.js\"]\n",
            FixKind::Safe,
        );
    }

    #[test]
    fn no_fix_where_the_clean_may_miss_the_cache() {
        let r = &NodePackageCacheKept;
        // Another user's cache.
        assert_no_fix(r, "FROM node\nRUN su node -c 'npm ci'\n");
        // A cache given on the command line, which a plain clean does not see.
        assert_no_fix(r, "FROM node\nRUN yarn install --cache-folder /tmp/yc\n");
        // Another directory by the end of the script, or a subshell.
        assert_no_fix(r, "FROM node\nRUN cd /app && yarn install && cd /\n");
        assert_no_fix(r, "FROM node\nRUN (cd /app && yarn install)\n");
        assert_no_fix(
            r,
            "FROM node\nWORKDIR /app\nRUN <<EOF\nset -e\nyarn install --frozen-lockfile\nyarn build\nEOF\n",
        );
    }

    #[test]
    fn passes() {
        let r = &NodePackageCacheKept;
        assert_clean(r, "FROM node\nRUN yarn install && yarn cache clean\n");
        assert_clean(r, "FROM node\nRUN yarn install && yarn cache clean --all\n");
        assert_clean(r, "FROM node\nRUN npm ci && npm cache clean --force\n");
        assert_clean(
            r,
            "FROM node\nRUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install\n",
        );
        assert_clean(
            r,
            "FROM node\nRUN --mount=type=cache,target=/root/.npm npm ci\n",
        );
        assert_clean(
            r,
            "FROM node\nRUN yarn install --cache-folder /tmp/yc && rm -rf /tmp/yc\n",
        );
        assert_clean(
            r,
            "FROM node\nENV YARN_CACHE_FOLDER=/cache\nRUN --mount=type=cache,target=/cache yarn install\n",
        );
        assert_clean(r, "FROM node\nRUN npm ci && rm -rf ~/.npm\n");
        assert_clean(r, "FROM node\nRUN npm ci && rm -rf \"$HOME/.npm\"\n");
        assert_clean(r, "FROM node\nRUN yarn build && yarn test\n");
        assert_clean(r, "FROM node\nRUN yarn --version && npm --version\n");
        assert_clean(r, "FROM node\nRUN npm run build\n");
        assert_clean(r, "FROM node\nRUN pnpm install --frozen-lockfile\n");
        // A build stage's cache does not ship.
        assert_clean(
            r,
            "FROM node AS build\nRUN yarn install\nFROM node:22-slim\nCOPY --from=build /app /app\n",
        );
    }
}
