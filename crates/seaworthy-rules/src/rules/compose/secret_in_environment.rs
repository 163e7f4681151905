use seaworthy_compose::{Service, Spanned};

use super::yaml_edit::{NewValue, Seg, ServiceSite, Written};
use super::{finding_at, ComposeContext, ComposeRule};
use crate::secret_names::looks_secret;
use crate::{Category, FileWrite, Finding, Fix, RuleMeta, Severity, WriteKind};

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
          are all covered. `seaworthy fix --unsafe-fixes` does the move: it writes the value \
          to secrets/NAME.txt (and `secrets/` to .gitignore), declares the secret, and sets \
          `NAME_FILE`; unsafe because only images that read the `_FILE` variable follow.",
    bad: "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_PASSWORD: hunter2\n",
    good: "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password\n    secrets:\n      - postgres_password\nsecrets:\n  postgres_password:\n    file: ./secrets/postgres_password.txt\n",
};

/// The name of the secret a variable moves to: the variable's, lower-cased, when it makes a
/// plain file name.
fn secret_name(variable: &str) -> Option<String> {
    let name = variable.to_ascii_lowercase();
    let plain = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    (plain && !name.is_empty()).then_some(name)
}

/// The literal `value` of `variable` moved to a secret: the entry becomes `VARIABLE_FILE:
/// /run/secrets/<name>`, the service lists the secret, the top-level `secrets:` declares it
/// from `./secrets/<name>.txt`, and the fix writes that file and ignores `secrets/` in git.
/// Unsafe: only an image that reads `VARIABLE_FILE` gets the value.
fn move_to_secret(
    cx: &ComposeContext<'_>,
    service: &Service,
    variable: &str,
    value: &Spanned<String>,
) -> Option<Fix> {
    let project = cx.project;
    let secret = secret_name(variable)?;
    let file_variable = format!("{variable}_FILE");
    let taken = project.secrets.contains_key(&secret)
        || service.secrets.iter().any(|s| s.source.value == secret)
        || service.environment.contains_key(&file_variable);
    // `file:` is read from the project's directory: the edited file must be there.
    let path = &project.files.get(value.origin.file)?.path;
    if taken || path.parent() != Some(project.directory.as_path()) {
        return None;
    }
    let mut site = ServiceSite::find(project, service, value.origin.file)?;
    if !site.whole() || site.key("environment") != Written::Here {
        return None;
    }
    let target = NewValue::Str(format!("/run/secrets/{secret}"));
    let environment = site.node(&["environment"])?;
    if let Some(entries) = environment.as_map() {
        let index = entries
            .iter()
            .position(|(_, v)| v.span == value.origin.span)?;
        site.replace_entry(&["environment"], index, &file_variable, &target)?;
    } else {
        let items = environment.as_seq()?;
        let index = items.iter().position(|i| i.span == value.origin.span)?;
        let mut path = site.path(&["environment"]);
        path.push(Seg::Index(index));
        let NewValue::Str(target) = target else {
            return None;
        };
        site.replace_at(&path, &NewValue::Str(format!("{file_variable}={target}")))?;
    }
    let listed = NewValue::str(&secret);
    match site.key("secrets") {
        Written::Missing => site.add_key("secrets", &NewValue::List(vec![listed]))?,
        Written::Here => site.push_item(&["secrets"], &listed)?,
        Written::Elsewhere => return None,
    }
    let secret_file = format!("secrets/{secret}.txt");
    let declared = NewValue::map([("file", NewValue::Str(format!("./{secret_file}")))]);
    let top = [Seg::Key("secrets".into())];
    match site.plan.node(site.doc, &top) {
        None => {
            let entry = NewValue::Map(vec![(secret.clone(), declared)]);
            site.plan.add_top_level("secrets", &entry)?;
        }
        Some(_) => site.plan.add_entry(site.doc, &top, &secret, &declared)?,
    }
    let mut fix = Fix::unsafe_(
        format!(
            "move `{variable}` to the secret `{secret}` and set `{file_variable}` (only \
             for images that read `{file_variable}`)"
        ),
        site.finish()?,
    );
    fix.writes = vec![
        FileWrite {
            path: secret_file.into(),
            contents: value.value.clone(),
            how: WriteKind::CreateSecret,
        },
        FileWrite {
            path: ".gitignore".into(),
            contents: "secrets/\n".into(),
            how: WriteKind::AppendLines,
        },
    ];
    Some(fix)
}

impl ComposeRule for SecretInEnvironment {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn fix_kind(&self) -> crate::FixKind {
        crate::FixKind::Unsafe
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
                let finding = finding_at(
                    &META,
                    value.origin,
                    format!(
                        "service `{}`: `{name}` is written in the Compose file; pass it with \
                         `secrets:` (and `{name}_FILE` where the image supports it) or \
                         interpolate it from an uncommitted `.env`",
                        service.name
                    ),
                );
                out.push(match move_to_secret(cx, service, name, value) {
                    Some(fix) => finding.with_fix(fix),
                    None => finding,
                });
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

    /// The project in a directory holding `files`, loaded.
    fn load(files: &[(String, String)]) -> seaworthy_compose::Project {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let options = seaworthy_compose::Options {
            files: vec![dir.path().join("compose.yaml")],
            working_dir: dir.path().to_path_buf(),
            ..Default::default()
        };
        seaworthy_compose::load(&options).unwrap()
    }

    #[test]
    fn fix_moves_the_value_to_a_secret_file() {
        let (files, fixes) = fixed_files(
            &SecretInEnvironment,
            &[
                (
                    "compose.yaml",
                    "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_USER: app\n      POSTGRES_PASSWORD: \"pa$$w0rd\" # change me\n",
                ),
                (".gitignore", ".env"),
            ],
        );
        assert_eq!(fixes.len(), 1);
        assert!(!fixes[0].safe && fixes[0].title.contains("POSTGRES_PASSWORD_FILE"));
        let want = [
            (".gitignore", ".env\nsecrets/\n"),
            (
                "compose.yaml",
                "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_USER: app\n      POSTGRES_PASSWORD_FILE: \"/run/secrets/postgres_password\" # change me\n    secrets:\n      - postgres_password\nsecrets:\n  postgres_password:\n    file: ./secrets/postgres_password.txt\n",
            ),
            // `$$` is a literal dollar: the secret holds what the container saw.
            ("secrets/postgres_password.txt", "pa$w0rd"),
        ]
        .map(|(n, t)| (n.to_owned(), t.to_owned()));
        assert_eq!(files, want);
        let project = load(&files);
        let db = &project.services["db"];
        assert!(project.secrets.contains_key("postgres_password"));
        assert_eq!(db.secrets[0].source.value, "postgres_password");
        assert_eq!(db.secrets[0].target, "/run/secrets/postgres_password");
        assert!(!db.environment.contains_key("POSTGRES_PASSWORD"));
    }

    #[test]
    fn fix_shapes() {
        use crate::FixKind::Unsafe;
        // The list form, two credentials (one pass each), an existing top-level block.
        assert_fix(
            &SecretInEnvironment,
            "services:\n  app:\n    image: org/app:1.0.0\n    environment:\n      - API_KEY=abc123\n      - LOG_LEVEL=info\n      - \"GITHUB_TOKEN=ghp_x\"\n    secrets: [tls]\nsecrets:\n  tls:\n    file: ./tls.pem\n",
            "services:\n  app:\n    image: org/app:1.0.0\n    environment:\n      - API_KEY_FILE=/run/secrets/api_key\n      - LOG_LEVEL=info\n      - \"GITHUB_TOKEN_FILE=/run/secrets/github_token\"\n    secrets: [tls, api_key, github_token]\nsecrets:\n  tls:\n    file: ./tls.pem\n  api_key:\n    file: ./secrets/api_key.txt\n  github_token:\n    file: ./secrets/github_token.txt\n",
            Unsafe,
        );
        // Four-space indentation, CRLF, no final newline, the service not the last one.
        assert_fix(
            &SecretInEnvironment,
            "services:\r\n    db:\r\n        image: mysql:8.4\r\n        environment:\r\n            MYSQL_ROOT_PASSWORD: hunter2\r\n    web:\r\n        image: nginx:1.27.2",
            "services:\r\n    db:\r\n        image: mysql:8.4\r\n        environment:\r\n            MYSQL_ROOT_PASSWORD_FILE: /run/secrets/mysql_root_password\r\n        secrets:\r\n            - mysql_root_password\r\n    web:\r\n        image: nginx:1.27.2\r\nsecrets:\r\n    mysql_root_password:\r\n        file: ./secrets/mysql_root_password.txt",
            Unsafe,
        );
    }

    #[test]
    fn no_fix_where_the_edit_would_be_a_guess() {
        // A secret of that name exists already; the `_FILE` variable is set already.
        assert_no_fix(
            &SecretInEnvironment,
            "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_PASSWORD: hunter2\nsecrets:\n  postgres_password:\n    file: ./pw.txt\n",
        );
        assert_no_fix(
            &SecretInEnvironment,
            "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_PASSWORD: hunter2\n      POSTGRES_PASSWORD_FILE: /run/secrets/pw\n",
        );
        // A flow-style service; `environment` from an anchor; a block scalar value.
        assert_no_fix(
            &SecretInEnvironment,
            "services:\n  db: {image: \"postgres:16.4\", environment: {POSTGRES_PASSWORD: hunter2}}\n",
        );
        assert_no_fix(
            &SecretInEnvironment,
            "x-env: &env\n  POSTGRES_PASSWORD: hunter2\nservices:\n  db:\n    image: postgres:16.4\n    environment: *env\n",
        );
        assert_no_fix(
            &SecretInEnvironment,
            "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_PASSWORD: |\n        hunter2\n",
        );
        // Written in the override file.
        assert_no_fix_in(
            &SecretInEnvironment,
            &[
                (
                    "compose.yaml",
                    "services:\n  db:\n    image: postgres:16.4\n",
                ),
                (
                    "compose.override.yaml",
                    "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: hunter2\n",
                ),
            ],
        );
    }
}
