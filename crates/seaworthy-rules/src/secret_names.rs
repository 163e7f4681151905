//! Which variable names hold secrets: one judgement for Dockerfile ARG/ENV and Compose
//! `environment` keys, so that `DB_PASSWORD` is a secret (and `PASSWORD_FILE` is not) wherever
//! it is written.

/// Whole words of a name that make it a secret (BuildKit's SecretsUsedInArgOrEnv list plus
/// `pass` and `privatekey`).
const SECRET_WORDS: &[&str] = &[
    "apikey",
    "auth",
    "credential",
    "credentials",
    "key",
    "pass",
    "password",
    "pword",
    "passwd",
    "secret",
    "token",
    "privatekey",
];

/// Parts of a name that are secrets even run together with other words (`DBPASSWORD`).
const SECRET_PARTS: &[&str] = &["password", "passwd", "secret", "apikey", "credential"];

/// Endings of a word that make it a secret run together with what precedes it
/// (`ACCESSTOKEN`), though not at its start (`TOKENIZERS_PARALLELISM`).
const SECRET_ENDINGS: &[&str] = &["token"];

/// Words that say the value is not the secret itself.
const NOT_SECRET_WORDS: &[&str] = &[
    "public",
    "pub",
    "file",
    "path",
    "dir",
    "version",
    "url",
    "uri",
    "endpoint",
    "host",
    "name",
    "type",
    "mode",
    "method",
    "enabled",
    "enable",
    "disabled",
    "disable",
    "length",
    "size",
    "fingerprint",
    "gpg",
    "pgp",
    "keyring",
    "header",
    "provider",
    "ttl",
    "timeout",
    "sock",
    "socket",
    "cache",
];

/// Whether the value of a secret-looking variable holds no credential: empty, a path (to a
/// secret file, say), a boolean switch. Compose `environment:` and a container's Env agree.
pub(crate) fn is_placeholder_value(value: &str) -> bool {
    let v = value.trim();
    v.is_empty()
        || (v.starts_with('/') && !v.contains(char::is_whitespace))
        || matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off"
        )
}

/// Whether a variable name (an ARG, ENV or Compose `environment` key) looks like it holds a
/// secret.
pub(crate) fn looks_secret(name: &str) -> bool {
    let words = words(name);
    if words.iter().any(|w| NOT_SECRET_WORDS.contains(&w.as_str())) {
        return false;
    }
    words.iter().any(|w| {
        SECRET_WORDS.contains(&w.as_str())
            || SECRET_PARTS.iter().any(|p| w.contains(p))
            || SECRET_ENDINGS.iter().any(|e| w.ends_with(e))
    })
}

/// `NPM_AUTH_TOKEN`, `npm-auth-token`, `npmAuthToken` → `npm`, `auth`, `token`.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}
