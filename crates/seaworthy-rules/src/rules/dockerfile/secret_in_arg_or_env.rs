use seaworthy_dockerfile::{Args, Expanded, Keyword, Span};

use super::{DockerfileContext, DockerfileRule};
use crate::secret_names::looks_secret;
use crate::{Category, Finding, RuleMeta, Severity};

/// An `ARG` or `ENV` whose name looks like a secret (`NPM_TOKEN`, `DB_PASSWORD`,
/// `AWS_SECRET_ACCESS_KEY`, `apiKey`) carries a value into the image.
///
/// - A value written in the Dockerfile (`ENV API_KEY=abc`, `ARG TOKEN=abc`) fires in every
///   stage: the secret is committed with the Dockerfile and sits in the image config or history.
/// - An `ARG` without a default, or an `ENV` copied from one (`ENV TOKEN=$TOKEN`), fires in
///   the stages the final image is built from: the `--build-arg` value is recorded in the image
///   history (and an `ENV` in the image config). A build stage that only feeds `COPY --from`
///   ships neither.
/// - Names that say the value is not the secret itself (`*_FILE`, `*_PATH`, `*_URL`,
///   `*_VERSION`, `PUBLIC_*`, `GPG_KEY` fingerprints) and values that are absolute paths do not
///   fire.
pub struct SecretInArgOrEnv;

static META: RuleMeta = RuleMeta {
    id: "SW1300",
    name: "secret-in-arg-or-env",
    severity: Severity::Warning,
    category: Category::Secrets,
    practice: 4,
    aliases: &[
        "DL3064",
        "SecretsUsedInArgOrEnv",
        "DS-0031",
        "DS031",
        "AVD-DS-0031",
        "CIS-DI-0010",
    ],
    summary: "A secret-looking ARG or ENV gives a value to the build or the image.",
    why: "ENV values are stored in the image configuration: anyone who can pull the image reads \
          them with `docker inspect`. ARG values passed with `--build-arg` are recorded in the \
          image history next to every RUN that sees them. A default written in the Dockerfile \
          is also committed to source control. Pass secrets with \
          `RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN` (BuildKit), which exposes them \
          to that one RUN and stores them nowhere, and give runtime secrets to the container \
          when it starts, not to the image. Differs from hadolint: `key`, `auth` and `pass` \
          as words of their own (`LICENSE_KEY`, `GITHUB_AUTH`, `ADMIN_PASS`) make a secret, \
          as in BuildKit's check; names that say the value is elsewhere (`*_FILE`, `*_PATH`, \
          `*_URL`) or public (`PUBLIC_KEY`, `GPG_KEY`) do not; and an ARG without a default \
          in a build stage that does not ship is not reported, since its value stays in that \
          stage's history.",
    bad: "FROM node:20.18.0-slim\nARG NPM_TOKEN\nRUN npm ci\n",
    good: "FROM node:20.18.0-slim\nRUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci\n",
};

impl DockerfileRule for SecretInArgOrEnv {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        // Global ARGs reach a stage only through a redeclaration, checked there; a default
        // written here is committed all the same.
        for global in &cx.model.global_args {
            let arg = &global.arg;
            if let Some(default) = arg.default.as_deref().filter(|d| is_literal(d)) {
                if looks_secret(&arg.name) && !names_a_location(default) {
                    out.push(written_default(arg.span, &arg.name, "ARG"));
                }
            }
        }
        let shipped: Vec<usize> = cx.runtime_chain().iter().map(|s| s.index).collect();
        for stage in &cx.model.stages {
            let ships = shipped.contains(&stage.index);
            for step in &stage.steps {
                let ins = step.instruction;
                match (&step.expanded, &ins.args) {
                    (Expanded::Arg(args), _) if ins.kind == Keyword::Arg => {
                        for arg in args {
                            if !looks_secret(&arg.name) {
                                continue;
                            }
                            let name = name_span(arg.span, &arg.name);
                            match arg.default.as_deref() {
                                // A literal default that is a path names a location.
                                Some(d)
                                    if is_literal(d) && !d.is_empty() && names_a_location(d) => {}
                                Some(d) if is_literal(d) && !d.is_empty() => {
                                    out.push(written_default(name, &arg.name, "ARG"));
                                }
                                _ if ships => out.push(Finding::new(
                                    &META,
                                    name,
                                    format!(
                                        "`ARG {}` looks like a secret: a value passed with \
                                         --build-arg is recorded in the image history; use \
                                         `RUN --mount=type=secret,id={},env={}` instead",
                                        arg.name,
                                        arg.name.to_ascii_lowercase(),
                                        arg.name
                                    ),
                                )),
                                _ => {}
                            }
                        }
                    }
                    (Expanded::Env(pairs), Args::KeyValues(kvs)) => {
                        for ((key, value), kv) in pairs.iter().zip(kvs) {
                            if !looks_secret(key) || names_a_location(value) {
                                continue;
                            }
                            let raw = cx.file.logical(ins, kv.value);
                            if is_literal(&raw) {
                                if value.is_empty() {
                                    continue;
                                }
                                out.push(written_default(kv.key, key, "ENV"));
                            } else if ships {
                                out.push(Finding::new(
                                    &META,
                                    kv.key,
                                    format!(
                                        "`ENV {key}` looks like a secret and copies a value \
                                         (hidden here) into the image config, where `docker \
                                         inspect` shows it; use `RUN --mount=type=secret` for \
                                         the RUN that needs it"
                                    ),
                                ));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

fn written_default(span: Span, name: &str, keyword: &str) -> Finding {
    let stored = if keyword == "ENV" {
        "the image config and the Dockerfile"
    } else {
        "the Dockerfile and the image history"
    };
    Finding::new(
        &META,
        span,
        format!(
            "`{keyword} {name}` looks like a secret and its value (hidden here) is written in \
             {stored}; pass it with `RUN --mount=type=secret` instead"
        ),
    )
}

/// The `NAME` part of an `ARG NAME=default` word.
fn name_span(word: Span, name: &str) -> Span {
    Span::new(word.start, (word.start + name.len()).min(word.end))
}

/// Written without any variable: the text is the value.
fn is_literal(raw: &str) -> bool {
    !raw.contains('$')
}

/// `/run/secrets/db_password`: the value says where the secret is, not what it is.
fn names_a_location(value: &str) -> bool {
    let v = value.trim_matches(['"', '\'']);
    v.starts_with('/') && !v.contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&SecretInArgOrEnv);
    }

    #[test]
    fn names() {
        for secret in [
            "NPM_TOKEN",
            "DB_PASSWORD",
            "DBPASSWORD",
            "ACCESSTOKEN",
            "githubToken",
            "NuGetFeedPassword",
            "AWS_SECRET_ACCESS_KEY",
            "apiKey",
            "GITHUB_AUTH",
            "SECRET_KEY_BASE",
            "registry-credentials",
        ] {
            assert!(looks_secret(secret), "{secret}");
        }
        for plain in [
            "PATH",
            "AUTHOR",
            "MONKEY",
            "TOKENIZERS_PARALLELISM",
            "GPG_KEY",
            "PASSWORD_FILE",
            "PUBLIC_KEY",
            "NODE_VERSION",
            "AUTH_URL",
            "KEYCLOAK_HOME",
            "SSH_AUTH_SOCK",
        ] {
            assert!(!looks_secret(plain), "{plain}");
        }
    }

    #[test]
    fn fires() {
        assert_fires(&SecretInArgOrEnv, "FROM alpine\nENV API_KEY=abc123\n", &[2]);
        assert_fires(
            &SecretInArgOrEnv,
            "FROM alpine\nENV DB_PASSWORD hunter2\n",
            &[2],
        );
        assert_fires(
            &SecretInArgOrEnv,
            "FROM alpine\nARG GITHUB_TOKEN=ghp_x\n",
            &[2],
        );
        assert_fires(&SecretInArgOrEnv, "ARG NPM_TOKEN=abc\nFROM alpine\n", &[1]);
        // Without a default: the --build-arg value ends up in the history.
        assert_fires(
            &SecretInArgOrEnv,
            "FROM alpine\nARG NPM_TOKEN\nRUN npm ci\n",
            &[2],
        );
        // Copied from a build argument into the image config.
        assert_fires(
            &SecretInArgOrEnv,
            "FROM alpine\nARG TOKEN\nENV NODE_AUTH_TOKEN=${TOKEN}\n",
            &[2, 3],
        );
        // A literal value in a build stage is still committed with the Dockerfile.
        assert_fires(
            &SecretInArgOrEnv,
            "FROM alpine AS build\nENV \\\n  SECRET_KEY=abc\nFROM alpine\n",
            &[3],
        );
        let found = findings(&SecretInArgOrEnv, "FROM alpine\nENV API_KEY=abc123\n");
        assert!(!found[0].1.contains("abc123"), "the value leaks: {found:?}");
    }

    #[test]
    fn passes() {
        assert_clean(
            &SecretInArgOrEnv,
            "FROM alpine\nENV PATH=/usr/local/bin:$PATH\n",
        );
        assert_clean(
            &SecretInArgOrEnv,
            "FROM python:3.12\nENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D\n",
        );
        assert_clean(
            &SecretInArgOrEnv,
            "FROM alpine\nENV DB_PASSWORD_FILE=/run/secrets/db\n",
        );
        assert_clean(
            &SecretInArgOrEnv,
            "FROM alpine\nENV SSL_KEY=/etc/ssl/private/app.key\n",
        );
        assert_clean(&SecretInArgOrEnv, "FROM alpine\nENV API_TOKEN=\n");
        // A build argument in a build stage whose history does not ship.
        assert_clean(
            &SecretInArgOrEnv,
            "FROM node:20 AS build\nARG NPM_TOKEN\nRUN npm ci\nFROM node:20\nCOPY --from=build /app /app\n",
        );
        // A global ARG without a default passes nothing by itself.
        assert_clean(&SecretInArgOrEnv, "ARG NPM_TOKEN\nFROM alpine\n");
        assert_clean(
            &SecretInArgOrEnv,
            "FROM node:20\nRUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci\n",
        );
    }
}
