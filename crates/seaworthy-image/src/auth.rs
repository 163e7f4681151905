//! Registry credentials: given explicitly, or looked up in the Docker config (`config.json` in
//! `$DOCKER_CONFIG` or `~/.docker`: `auths` entries, `credsStore` and `credHelpers`, which run
//! the `docker-credential-<name>` helpers).

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use docker_credential::{CredentialRetrievalError, DockerCredential};
use oci_client::secrets::RegistryAuth;

/// Where the credentials for a registry come from.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Credentials {
    /// The Docker config: `config.json` in `$DOCKER_CONFIG`, else in `~/.docker`. No config
    /// file, or no entry for the registry, means anonymous access.
    #[default]
    DockerConfig,
    /// The Docker config in the given directory (as `DOCKER_CONFIG=dir` would name it).
    DockerConfigIn(PathBuf),
    /// No credentials.
    Anonymous,
    /// A user name and password (or token), sent as HTTP basic auth or to the token endpoint.
    Basic { username: String, password: String },
}

impl std::fmt::Debug for Credentials {
    // Never prints a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::DockerConfig => f.write_str("DockerConfig"),
            Credentials::DockerConfigIn(d) => f.debug_tuple("DockerConfigIn").field(d).finish(),
            Credentials::Anonymous => f.write_str("Anonymous"),
            Credentials::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"***")
                .finish(),
        }
    }
}

/// Credentials resolved for one registry, and where they came from (for error messages).
pub(crate) struct Resolved {
    pub auth: RegistryAuth,
    /// `None` for anonymous access.
    pub source: Option<String>,
}

/// The key Docker files a registry's credentials under: Docker Hub keeps its historical
/// `https://index.docker.io/v1/`, every other registry its `host[:port]`.
pub(crate) fn config_key(registry: &str) -> String {
    match registry {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" => {
            "https://index.docker.io/v1/".to_string()
        }
        r => r.to_string(),
    }
}

fn default_config_dir() -> Option<PathBuf> {
    std::env::var_os("DOCKER_CONFIG")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".docker")))
}

/// Resolves `creds` for `registry` (as written in the reference, e.g. `docker.io`,
/// `127.0.0.1:5000`). Errors are one line naming the config file.
pub(crate) fn resolve(creds: &Credentials, registry: &str) -> Result<Resolved, String> {
    let dir = match creds {
        Credentials::Anonymous => {
            return Ok(Resolved {
                auth: RegistryAuth::Anonymous,
                source: None,
            })
        }
        Credentials::Basic { username, password } => {
            return Ok(Resolved {
                auth: RegistryAuth::Basic(username.clone(), password.clone()),
                source: Some("the given credentials".into()),
            })
        }
        Credentials::DockerConfigIn(dir) => Some(dir.clone()),
        Credentials::DockerConfig => default_config_dir(),
    };
    let anonymous = Resolved {
        auth: RegistryAuth::Anonymous,
        source: None,
    };
    let Some(dir) = dir else {
        return Ok(anonymous);
    };
    let path = dir.join("config.json");
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(anonymous),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let key = config_key(registry);
    match docker_credential::get_credential_from_reader(BufReader::new(file), &key) {
        Ok(DockerCredential::UsernamePassword(username, password)) => Ok(Resolved {
            auth: RegistryAuth::Basic(username, password),
            source: Some(path.display().to_string()),
        }),
        Ok(DockerCredential::IdentityToken(_)) => Err(format!(
            "{}: the entry for {key} holds an OAuth identity token, which seaworthy cannot use; \
             log in with a user name and password or access token instead",
            path.display()
        )),
        Err(CredentialRetrievalError::NoCredentialConfigured) => Ok(anonymous),
        Err(CredentialRetrievalError::HelperFailure { helper, stderr, .. }) => Err(format!(
            "{}: credential helper {helper} failed for {key}: {}",
            path.display(),
            stderr.trim()
        )),
        Err(e) => Err(format!("{}: credentials for {key}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &Path, json: &str) -> Credentials {
        std::fs::write(dir.join("config.json"), json).unwrap();
        Credentials::DockerConfigIn(dir.to_path_buf())
    }

    fn basic(r: &Resolved) -> Option<(&str, &str)> {
        match &r.auth {
            RegistryAuth::Basic(u, p) => Some((u, p)),
            _ => None,
        }
    }

    #[test]
    fn docker_hub_uses_its_historical_key() {
        assert_eq!(config_key("docker.io"), "https://index.docker.io/v1/");
        assert_eq!(config_key("127.0.0.1:5000"), "127.0.0.1:5000");
    }

    #[test]
    fn auths_entries_are_decoded_and_matched_by_host() {
        let dir = tempfile::tempdir().unwrap();
        // base64("tester:s3cret")
        let creds = config(
            dir.path(),
            r#"{"auths": {"https://index.docker.io/v1/": {"auth": "aHViOmh1YnB3"},
                          "127.0.0.1:5000": {"auth": "dGVzdGVyOnMzY3JldA=="}}}"#,
        );
        let r = resolve(&creds, "127.0.0.1:5000").unwrap();
        assert_eq!(basic(&r), Some(("tester", "s3cret")));
        assert!(r.source.unwrap().ends_with("config.json"));
        let hub = resolve(&creds, "docker.io").unwrap();
        assert_eq!(basic(&hub), Some(("hub", "hubpw")));
        let other = resolve(&creds, "ghcr.io").unwrap();
        assert!(matches!(other.auth, RegistryAuth::Anonymous));
        assert!(other.source.is_none());
    }

    #[test]
    fn missing_config_is_anonymous_and_broken_config_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let none = Credentials::DockerConfigIn(dir.path().to_path_buf());
        assert!(matches!(
            resolve(&none, "example.com").unwrap().auth,
            RegistryAuth::Anonymous
        ));
        let broken = config(dir.path(), r#"{"auths": {"example.com": {"auth": "!!"}}}"#);
        let err = resolve(&broken, "example.com").err().unwrap();
        assert!(
            err.contains("config.json") && err.contains("example.com"),
            "{err}"
        );
        let helper = config(
            dir.path(),
            r#"{"credHelpers": {"example.com": "seaworthy-no-such-helper"}}"#,
        );
        let err = resolve(&helper, "example.com").err().unwrap();
        assert!(err.contains("example.com"), "{err}");
    }

    #[test]
    fn passwords_never_show_in_debug_output() {
        let c = Credentials::Basic {
            username: "u".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
