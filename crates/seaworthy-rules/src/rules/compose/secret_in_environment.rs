use super::{finding_at, ComposeContext, ComposeRule};
use crate::secret_names::looks_secret;
use crate::{Category, Finding, RuleMeta, Severity};

/// An `environment:` entry whose name looks like a credential (`POSTGRES_PASSWORD`,
/// `API_KEY`, `AWS_SECRET_ACCESS_KEY`, `githubToken`) with a value written in the Compose
/// file.
///
/// - A value interpolated from the shell or `.env` (`${DB_PASSWORD}`, checked in the source
///   text, so `${DB_PASSWORD:-}` counts too) is not written in the file and passes.
/// - Values from `env_file:` and names listed without a value (passed through from the
///   shell) pass.
/// - Names that say the value is elsewhere or public (`*_FILE`, `*_PATH`, `*_URL`, `*_HOST`,
///   `PUBLIC_KEY`), empty values and absolute paths pass.
/// - The value is never printed.
pub struct SecretInEnvironment;

static META: RuleMeta = RuleMeta {
    id: "SW2400",
    name: "compose-secret-in-environment",
    severity: Severity::Warning,
    category: Category::Secrets,
    practice: 4,
    aliases: &[],
    summary: "A credential is written as a literal in a service's `environment:`.",
    why: "A password or token written in the Compose file is committed with it, copied to \
          every clone and CI log that prints the file, and readable by anyone with \
          `docker inspect` on the host, in the container's environment which child \
          processes and crash reports inherit. Mount it with top-level `secrets:` and the \
          service's `secrets:` instead (it appears as /run/secrets/NAME), and point the \
          application at it with the `_FILE` convention many images support \
          (`POSTGRES_PASSWORD_FILE: /run/secrets/db_password`); or at least interpolate it \
          from an uncommitted `.env` (`${DB_PASSWORD}`). Differs from KICS and dclint, which \
          do not check `environment:`; list and mapping syntax, override files and anchors \
          are all covered.",
    bad: "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_PASSWORD: hunter2\n",
    good: "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_PASSWORD_FILE: /run/secrets/db_password\n    secrets:\n      - db_password\nsecrets:\n  db_password:\n    file: ./db_password.txt\n",
};


impl ComposeRule for SecretInEnvironment {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        for service in cx.services() {
            let env_files: Vec<_> = match service.raw.get("env_file") {
                Some(t) => match t.as_seq() {
                    Some(items) => items.iter().map(|i| i.origin).collect(),
                    None => vec![t.origin],
                },
                None => Vec::new(),
            };
            for (name, (key_origin, value)) in &service.environment {
                let Some(value) = value else { continue };
                // From `env_file:`: not written here.
                if env_files.contains(&value.origin) || !looks_secret(name) {
                    continue;
                }
                if crate::secret_names::is_placeholder_value(&value.value) {
                    continue;
                }
                let Some(file) = cx.project.files.get(value.origin.file) else {
                    continue;
                };
                let mut source = file.text.get(value.origin.span.range()).unwrap_or_default();
                if value.origin == *key_origin {
                    // A list item `KEY=value`; `KEY` alone is passed through from the shell.
                    match source.split_once('=') {
                        Some((_, v)) => source = v,
                        None => continue,
                    }
                }
                if source.replace("$$", "").contains('$') {
                    continue;
                }
                out.push(finding_at(
                    &META,
                    value.origin,
                    format!(
                        "service `{}`: `{name}` is written in the Compose file; pass it with \
                         `secrets:` (and `{name}_FILE` where the image supports it) or \
                         interpolate it from an uncommitted `.env`",
                        service.name
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::compose::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&SecretInEnvironment);
    }

    #[test]
    fn fires() {
        assert_fires(
            &SecretInEnvironment,
            "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_PASSWORD: hunter2\n      POSTGRES_USER: app\n  app:\n    image: org/app:1.0.0\n    environment:\n      - API_KEY=abc123\n      - stripeSecretKey=sk_live_x\n      - GITHUB_TOKEN=ghp_x\n      - LOG_LEVEL=info\n",
            &[10, 12, 11, 5],
        );
        // The value is never printed.
        let found = findings_with(
            &SecretInEnvironment,
            &crate::Settings::default(),
            &[(
                "compose.yaml",
                "services:\n  db:\n    image: postgres:16.4\n    environment:\n      DB_PASSWORD: hunter2\n",
            )],
        );
        assert_eq!(found.len(), 1);
        assert!(!found[0].2.contains("hunter2"), "{found:?}");
        assert!(found[0].2.contains("DB_PASSWORD_FILE"), "{found:?}");
        // Written in the override file; `$$` is a literal dollar, not interpolation.
        let found = findings_with(
            &SecretInEnvironment,
            &crate::Settings::default(),
            &[
                (
                    "compose.yaml",
                    "services:\n  db:\n    image: postgres:16.4\n",
                ),
                (
                    "compose.override.yaml",
                    "services:\n  db:\n    environment:\n      MYSQL_ROOT_PASSWORD: \"pa$$word\"\n",
                ),
            ],
        );
        assert_eq!(places(&found), [("compose.override.yaml", 4)]);
    }

    #[test]
    fn passes() {
        assert_clean(
            &SecretInEnvironment,
            "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_PASSWORD_FILE: /run/secrets/db\n      POSTGRES_HOST_AUTH_METHOD: scram-sha-256\n      JWT_PUBLIC_KEY: abc\n      TOKEN_TTL: \"3600\"\n      AUTH_ENABLED: \"true\"\n      EMPTY_PASSWORD: \"\"\n      TOKENIZERS_PARALLELISM: \"false\"\n      DB_PASSWORD:\n",
        );
        // Interpolated, in both syntaxes, even when the variable is empty or has a default.
        let found = findings_with(
            &SecretInEnvironment,
            &crate::Settings::default(),
            &[
                (
                    "compose.yaml",
                    "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_PASSWORD: ${DB_PASSWORD}\n      REDIS_PASSWORD: ${REDIS_PASSWORD:-devonly}\n  app:\n    image: org/app:1.0.0\n    environment:\n      - API_TOKEN=${API_TOKEN}\n      - DB_PASSWORD\n    env_file: app.env\n",
                ),
                (".env", "DB_PASSWORD=hunter2\nAPI_TOKEN=abc\n"),
                ("app.env", "SECRET_KEY=from-env-file\n"),
            ],
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
