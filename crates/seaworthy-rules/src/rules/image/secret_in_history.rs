use super::secrets::{is_literal, scan};
use super::{ImageContext, ImageRule};
use crate::secret_names::looks_secret;
use crate::{Category, Finding, RuleMeta, Severity};

/// A history step's `created_by` records a secret: an `ARG` or `ENV` whose name says so, a
/// build argument passed to a `RUN` (`|1 NPM_TOKEN=… /bin/sh -c …`), or a provider token
/// anywhere in the command.
pub struct SecretInHistory;

static META: RuleMeta = RuleMeta {
    id: "SW3301",
    name: "image-secret-in-history",
    severity: Severity::Error,
    category: Category::Secrets,
    practice: 4,
    aliases: &["CIS-4.10"],
    summary: "The image's build history records a secret.",
    why: "Every build step's command line is stored in the image's history, and `docker \
          history --no-trunc` prints it to anyone who can pull the image: a build argument used \
          by a `RUN` is recorded with its value (`|1 NPM_TOKEN=… /bin/sh -c npm ci`), so is an \
          `ENV` removed later, and so is a token pasted into a command. Use BuildKit secret \
          mounts (`RUN --mount=type=secret,id=npm …`) instead of build arguments. Only the \
          `ARG`/`ENV` assignments and build arguments are judged by name (dockle's \
          CIS-DI-0010 also matched every `a=b` word of a command, which its users found \
          noisy); a variable still in `Config.Env` is left to image-secret-in-env. Values are \
          never printed.",
    bad: "FROM node:22.11.0-slim\nARG NPM_TOKEN\nRUN echo \"//registry.npmjs.org/:_authToken=$NPM_TOKEN\" > .npmrc && npm ci && rm .npmrc\n",
    good: "FROM node:22.11.0-slim\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\n",
};

impl ImageRule for SecretInHistory {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ImageContext<'_>, out: &mut Vec<Finding>) {
        let env: Vec<(&str, &str)> = cx.config.config.env_pairs().collect();
        for (i, h) in cx.config.history.iter().enumerate() {
            let Some(created_by) = h.created_by.as_deref() else {
                continue;
            };
            let place = format!("history[{i}].created_by");
            let mut reported = false;
            for (name, value) in assignments(created_by) {
                if env.contains(&(name, value)) || !looks_secret(name) || !is_literal(value) {
                    continue;
                }
                reported = true;
                out.push(Finding::at(
                    &META,
                    &place,
                    format!(
                        "build step {i} records `{name}=****`: `docker history` shows the value \
                         to anyone who pulls the image; use a BuildKit secret mount"
                    ),
                ));
            }
            if reported {
                continue;
            }
            if let Some(m) = scan(created_by.as_bytes()).into_iter().next() {
                // An `ENV` step of a token still in `Config.Env`: image-secret-in-env's.
                let in_env = env.iter().any(|(_, v)| {
                    !v.is_empty() && created_by.contains(v) && !scan(v.as_bytes()).is_empty()
                });
                if !in_env {
                    out.push(Finding::at(
                        &META,
                        &place,
                        format!(
                            "build step {i} records {} (`{}`): `docker history` shows it to \
                             anyone who pulls the image",
                            m.kind, m.masked
                        ),
                    ));
                }
            }
        }
    }
}

/// The `NAME=value` assignments of an `ENV` or `ARG` step, and the build arguments a `RUN` step
/// was given (`|2 A=1 B=2 /bin/sh -c …`).
fn assignments(created_by: &str) -> Vec<(&str, &str)> {
    let s = created_by.trim();
    let s = s
        .strip_prefix("/bin/sh -c #(nop)")
        .unwrap_or(s)
        .trim_start();
    let s = s.strip_prefix("RUN ").unwrap_or(s).trim_start();
    let words: Vec<&str> = if let Some(rest) = s.strip_prefix('|') {
        let mut it = rest.split_whitespace();
        let n: usize = it.next().and_then(|n| n.parse().ok()).unwrap_or(0);
        it.take(n).collect()
    } else if let Some(rest) = s.strip_prefix("ENV ").or_else(|| s.strip_prefix("ARG ")) {
        let rest = rest.strip_suffix("# buildkit").unwrap_or(rest);
        rest.split_whitespace().collect()
    } else {
        Vec::new()
    };
    words
        .into_iter()
        .filter_map(|w| w.split_once('='))
        .map(|(k, v)| (k, v.trim_matches(|c| c == '"' || c == '\'')))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn fires() {
        let mut w = hardened();
        w.step("ENV DB_PASSWORD=hunter2");
        w.step("/bin/sh -c #(nop)  ENV API_TOKEN=abc123");
        w.step("RUN |1 NPM_TOKEN=npmsecret /bin/sh -c npm ci # buildkit");
        w.step(&format!(
            "/bin/sh -c git clone https://x:ghp_{}@github.com/a/b",
            "a".repeat(36)
        ));
        let found = assert_fires(
            &SecretInHistory,
            &w,
            &[
                "history[3].created_by",
                "history[4].created_by",
                "history[5].created_by",
                "history[6].created_by",
            ],
        );
        for f in &found {
            assert!(
                !f.message.contains("hunter2")
                    && !f.message.contains("npmsecret")
                    && !f.message.contains("aaaa"),
                "{}",
                f.message
            );
        }
        assert!(found[2].message.contains("NPM_TOKEN=****"));
        assert!(found[3].message.contains("ghp_****"));
    }

    #[test]
    fn passes() {
        assert_clean(&SecretInHistory, &hardened());
        let mut w = hardened();
        // Still in Config.Env: image-secret-in-env reports it.
        w.set("Env", Some(r#"["DB_PASSWORD=hunter2"]"#));
        w.step("ENV DB_PASSWORD=hunter2");
        w.step("ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D");
        w.step("ARG TOKEN_FILE=/run/secrets/t");
        w.step("/bin/sh -c apk add --no-cache pass=1.7.4-r0 openssl");
        w.step("RUN |1 VERSION=1.2 /bin/sh -c make");
        assert_clean(&SecretInHistory, &w);
        let token = format!("ghp_{}", "b".repeat(36));
        let mut w = hardened();
        w.set("Env", Some(&format!(r#"["GH={token}"]"#)));
        w.step(&format!("ENV GH={token}"));
        assert_clean(&SecretInHistory, &w);
    }
}
