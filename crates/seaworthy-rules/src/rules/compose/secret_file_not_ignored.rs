use std::collections::HashSet;

use seaworthy_compose::Origin;

use super::{finding_at, ComposeContext, ComposeRule};
use crate::secret_names::looks_secret;
use crate::{Category, Finding, RuleMeta, Severity};

/// A file the project reads a secret from lies inside a git work tree and no `.gitignore`
/// excludes it, so `git add .` commits it:
///
/// - a top-level `secrets:` entry's `file:`;
/// - a service's `env_file:` that sets a credential (a name that looks secret with a value
///   that is not empty, a path or a switch, or a URL with a password in it) which the service
///   does not override in `environment:`.
///
/// What git ignores is found by the loader ([`seaworthy_compose::gitfacts`]): the work tree is
/// the nearest directory above the file with `.git`; `.git/info/exclude` and every
/// `.gitignore` on the way down decide. Files outside any work tree, files that do not exist
/// and top-level `configs:` (meant for non-secret configuration) are not reported. A file
/// git already tracks stays committed even once ignored: that is not visible without git's
/// index, so untrack it with `git rm --cached` as well.
pub struct SecretFileNotIgnored;

static META: RuleMeta = RuleMeta {
    id: "SW2401",
    name: "compose-secret-file-not-ignored",
    severity: Severity::Warning,
    category: Category::Secrets,
    practice: 4,
    aliases: &[],
    summary: "A secret file or credential env file is inside the repository and not ignored by git.",
    why: "Top-level `secrets:` keep a password out of the Compose file and the container's \
          environment, but the file they read is only as private as the directory it sits \
          in: inside a git work tree without a `.gitignore` entry, the next `git add .` \
          commits it, and from then on every clone, fork, CI cache and backup of the \
          repository holds it, and removing it later does not remove it from history. The \
          same goes for an `env_file:` holding credentials. Ignore the file (`secrets/` in \
          `.gitignore`, with a committed example file beside it), or read it from outside \
          the repository. Files outside any git work tree are not reported.",
    bad: "services:\n  db:\n    image: postgres:16.4\n    secrets: [db_password]\nsecrets:\n  db_password:\n    file: ./db_password.txt\n",
    good: "services:\n  db:\n    image: postgres:16.4\n    secrets: [db_password]\nsecrets:\n  db_password:\n    file: ./secrets/db_password.txt\n",
};

/// A value that holds no credential: empty, a path, a switch, a reference to a variable.
fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    v.is_empty()
        || v.starts_with('/')
        || v.starts_with("${")
        || matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "changeme" | "change-me"
        )
}

/// `scheme://user:password@host`: a URL with a password in it.
fn url_with_password(value: &str) -> bool {
    let Some((_, rest)) = value.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    match authority.rsplit_once('@') {
        Some((userinfo, _)) => userinfo
            .split_once(':')
            .is_some_and(|(_, password)| !password.is_empty() && !password.starts_with("${")),
        None => false,
    }
}

impl ComposeRule for SecretFileNotIgnored {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        let git = &cx.project.git_files;
        let committable = |origin: &Origin| git.get(origin).filter(|f| !f.ignored);
        for (name, secret) in &cx.project.secrets {
            let Some(file) = secret.raw.get("file") else {
                continue;
            };
            if let Some(found) = committable(&file.origin) {
                out.push(finding_at(
                    &META,
                    file.origin,
                    format!(
                        "secret `{name}` is read from `{}`, inside the git work tree `{}` and \
                         not ignored: `git add` would commit it; add it to `.gitignore`",
                        found.relative().display(),
                        found.repository.display()
                    ),
                ));
            }
        }
        let mut reported: HashSet<Origin> = HashSet::new();
        for service in cx.services() {
            for item in service.env_file_entries() {
                let Some(found) = committable(&item.origin) else {
                    continue;
                };
                let mut credentials: Vec<&str> = service
                    .environment
                    .iter()
                    .filter_map(|(key, (_, value))| {
                        let value = value.as_ref()?;
                        let credential = (looks_secret(key) && !is_placeholder(&value.value))
                            || url_with_password(&value.value);
                        (value.origin == item.origin && credential).then_some(key.as_str())
                    })
                    .collect();
                if credentials.is_empty() || !reported.insert(item.origin) {
                    continue;
                }
                credentials.truncate(3);
                out.push(finding_at(
                    &META,
                    item.origin,
                    format!(
                        "env file `{}` sets {} for service `{}` and is inside the git work tree \
                         `{}` without being ignored: `git add` would commit it; add it to \
                         `.gitignore`",
                        found.relative().display(),
                        credentials
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        service.name,
                        found.repository.display()
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

    const GIT: (&str, &str) = (".git/HEAD", "ref: refs/heads/main\n");

    fn run(files: &[(&str, &str)]) -> Vec<(String, usize, String)> {
        findings_with(&SecretFileNotIgnored, &crate::Settings::default(), files)
    }

    #[test]
    fn documented_examples() {
        // The examples need a work tree, a secret file and a .gitignore around them.
        let m = SecretFileNotIgnored.meta();
        let bad = run(&[
            ("compose.yaml", m.bad),
            GIT,
            ("db_password.txt", "x\n"),
            (".gitignore", "secrets/\n"),
        ]);
        assert_eq!(places(&bad), [("compose.yaml", 7)]);
        let good = run(&[
            ("compose.yaml", m.good),
            GIT,
            ("secrets/db_password.txt", "x\n"),
            (".gitignore", "secrets/\n"),
        ]);
        assert!(good.is_empty(), "{good:?}");
    }

    #[test]
    fn fires() {
        let compose = "services:\n  db:\n    image: postgres:16.4\n    secrets: [db_password, api_key]\nsecrets:\n  db_password:\n    file: ./secrets/db_password.txt\n  api_key:\n    file: ${KEYS}/api.key\n";
        let found = run(&[
            ("compose.yaml", compose),
            GIT,
            ("secrets/db_password.txt", "x\n"),
            ("keys/api.key", "x\n"),
            (".env", "KEYS=./keys\n"),
            (".gitignore", "*.log\n"),
        ]);
        // By secret name: `api_key`, then `db_password`.
        assert_eq!(places(&found), [("compose.yaml", 9), ("compose.yaml", 7)]);
        assert!(
            found[1].2.contains("`secrets/db_password.txt`"),
            "{found:?}"
        );
        // A .gitignore that re-includes it.
        let found = run(&[
            ("compose.yaml", compose),
            GIT,
            ("secrets/db_password.txt", "x\n"),
            ("keys/api.key", "x\n"),
            (".env", "KEYS=./keys\n"),
            (".gitignore", "secrets/*\n!secrets/db_password.txt\nkeys/\n"),
        ]);
        assert_eq!(places(&found), [("compose.yaml", 7)]);
        // The project in a subdirectory of the work tree; the secret in an `include`d file.
        let found = run(&[
            (
                "deploy/compose.yaml",
                "include:\n  - ../shared/db.yaml\nservices:\n  app:\n    image: x:1.0.0\n",
            ),
            (
                "shared/db.yaml",
                "services:\n  db:\n    image: postgres:16.4\n    secrets: [pw]\nsecrets:\n  pw:\n    file: ./pw.txt\n",
            ),
            ("shared/pw.txt", "x\n"),
            GIT,
        ]);
        assert_eq!(places(&found), [("deploy/../shared/db.yaml", 7)]);
        assert!(found[0].2.contains("`shared/pw.txt`"), "{found:?}");
        // An env file with credentials, once for the two services sharing it.
        let found = run(&[
            (
                "compose.yaml",
                "x-env: &env\n  env_file: [app.env, settings.env]\nservices:\n  a:\n    <<: *env\n    image: x:1.0.0\n  b:\n    <<: *env\n    image: x:1.0.0\n",
            ),
            GIT,
            ("app.env", "LOG_LEVEL=info\nDB_PASSWORD=hunter2\n"),
            ("settings.env", "DATABASE_URL=postgres://app:s3cret@db/app\n"),
        ]);
        assert_eq!(places(&found), [("compose.yaml", 2), ("compose.yaml", 2)]);
        assert!(found[0].2.contains("`DB_PASSWORD`"), "{found:?}");
        assert!(!found[0].2.contains("hunter2"), "{found:?}");
        assert!(found[1].2.contains("`DATABASE_URL`"), "{found:?}");
        // Long syntax, from an override file.
        let found = run(&[
            ("compose.yaml", "services:\n  a:\n    image: x:1.0.0\n"),
            (
                "compose.override.yaml",
                "services:\n  a:\n    env_file:\n      - path: ./prod.env\n        required: true\n",
            ),
            GIT,
            ("prod.env", "STRIPE_SECRET_KEY=sk_live_x\n"),
        ]);
        assert_eq!(places(&found), [("compose.override.yaml", 4)]);
    }

    #[test]
    fn passes() {
        let compose = "services:\n  db:\n    image: postgres:16.4\n    secrets: [db_password]\nsecrets:\n  db_password:\n    file: ./secrets/db_password.txt\n";
        // Not in a git work tree.
        let found = run(&[
            ("compose.yaml", compose),
            ("secrets/db_password.txt", "x\n"),
        ]);
        assert!(found.is_empty(), "{found:?}");
        // Ignored by a .gitignore in the directory, or by .git/info/exclude.
        for ignore in [
            ("secrets/.gitignore", "*\n!.gitignore\n"),
            (".git/info/exclude", "db_password.txt\n"),
        ] {
            let found = run(&[
                ("compose.yaml", compose),
                GIT,
                ("secrets/db_password.txt", "x\n"),
                ignore,
            ]);
            assert!(found.is_empty(), "{ignore:?}: {found:?}");
        }
        // The file does not exist (yet); the secret comes from the environment; a config.
        let found = run(&[
            (
                "compose.yaml",
                "services:\n  db:\n    image: postgres:16.4\n    secrets: [a, b]\n    configs: [c]\nsecrets:\n  a:\n    file: ./missing.txt\n  b:\n    environment: DB_PASSWORD\nconfigs:\n  c:\n    file: ./nginx.conf\n",
            ),
            GIT,
            ("nginx.conf", "events {}\n"),
        ]);
        assert!(found.is_empty(), "{found:?}");
        // Env files without credentials, or whose credential the service overrides.
        let found = run(&[
            (
                "compose.yaml",
                "services:\n  a:\n    image: x:1.0.0\n    env_file: [app.env]\n    environment:\n      DB_PASSWORD_FILE: /run/secrets/db\n      API_TOKEN: ${API_TOKEN}\n",
            ),
            GIT,
            (
                "app.env",
                "LOG_LEVEL=info\nDB_PASSWORD_FILE=/run/secrets/db\nAPI_TOKEN=abc\nSMTP_PASSWORD=\nREDIS_URL=redis://cache:6379\n",
            ),
        ]);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn credential_values() {
        assert!(url_with_password("postgres://app:s3cret@db:5432/app"));
        assert!(!url_with_password("postgres://app@db:5432/app"));
        assert!(!url_with_password("http://example.com/a:b@c"));
        assert!(!url_with_password("postgres://app:${PW}@db/app"));
        assert!(is_placeholder(""));
        assert!(is_placeholder("/run/secrets/x"));
        assert!(!is_placeholder("hunter2"));
    }
}
