//! Secrets recognised by their content: private keys, cloud keys, the common providers' tokens,
//! and `PASSWORD=` assignments in env files. A match never carries the secret: only its kind,
//! a masked form that keeps the provider's public prefix (`ghp_****`), and where it is.

use crate::secret_names::looks_secret;

/// One secret found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// What it is: `an SSH private key`, `a GitHub token`.
    pub kind: &'static str,
    /// Safe to print: `ghp_****`, `DB_PASSWORD=****`, `-----BEGIN RSA PRIVATE KEY-----`.
    pub masked: String,
    /// 1-based line of the text.
    pub line: usize,
}

/// A token format: a fixed public prefix, then `min..=max` characters of a set.
struct Token {
    prefix: &'static str,
    kind: &'static str,
    set: fn(u8) -> bool,
    min: usize,
    max: usize,
}

fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}
fn upper_digit(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}
fn url_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}
fn word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}
fn slack(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}
fn letter(b: u8) -> bool {
    b.is_ascii_alphabetic()
}

const TOKENS: &[Token] = &[
    Token {
        prefix: "AKIA",
        kind: "an AWS access key id",
        set: upper_digit,
        min: 16,
        max: 16,
    },
    Token {
        prefix: "ASIA",
        kind: "an AWS access key id",
        set: upper_digit,
        min: 16,
        max: 16,
    },
    Token {
        prefix: "ghp_",
        kind: "a GitHub token",
        set: alnum,
        min: 36,
        max: 255,
    },
    Token {
        prefix: "gho_",
        kind: "a GitHub token",
        set: alnum,
        min: 36,
        max: 255,
    },
    Token {
        prefix: "ghu_",
        kind: "a GitHub token",
        set: alnum,
        min: 36,
        max: 255,
    },
    Token {
        prefix: "ghs_",
        kind: "a GitHub token",
        set: alnum,
        min: 36,
        max: 255,
    },
    Token {
        prefix: "ghr_",
        kind: "a GitHub token",
        set: alnum,
        min: 36,
        max: 255,
    },
    Token {
        prefix: "github_pat_",
        kind: "a GitHub token",
        set: word,
        min: 60,
        max: 255,
    },
    Token {
        prefix: "glpat-",
        kind: "a GitLab token",
        set: url_safe,
        min: 20,
        max: 255,
    },
    Token {
        prefix: "xoxb-",
        kind: "a Slack token",
        set: slack,
        min: 20,
        max: 255,
    },
    Token {
        prefix: "xoxp-",
        kind: "a Slack token",
        set: slack,
        min: 20,
        max: 255,
    },
    Token {
        prefix: "xoxa-",
        kind: "a Slack token",
        set: slack,
        min: 20,
        max: 255,
    },
    Token {
        prefix: "xoxr-",
        kind: "a Slack token",
        set: slack,
        min: 20,
        max: 255,
    },
    Token {
        prefix: "xoxs-",
        kind: "a Slack token",
        set: slack,
        min: 20,
        max: 255,
    },
    Token {
        prefix: "sk_live_",
        kind: "a Stripe live key",
        set: alnum,
        min: 24,
        max: 255,
    },
    Token {
        prefix: "rk_live_",
        kind: "a Stripe live key",
        set: alnum,
        min: 24,
        max: 255,
    },
    Token {
        prefix: "AIza",
        kind: "a Google API key",
        set: url_safe,
        min: 35,
        max: 35,
    },
    Token {
        prefix: "npm_",
        kind: "an npm token",
        set: alnum,
        min: 36,
        max: 36,
    },
    Token {
        prefix: "pypi-AgEIcHlwaS5vcmc",
        kind: "a PyPI token",
        set: url_safe,
        min: 50,
        max: 512,
    },
    Token {
        prefix: "hf_",
        kind: "a Hugging Face token",
        set: letter,
        min: 34,
        max: 34,
    },
    Token {
        prefix: "sk-proj-",
        kind: "an OpenAI API key",
        set: url_safe,
        min: 40,
        max: 255,
    },
    Token {
        prefix: "sk-ant-",
        kind: "an Anthropic API key",
        set: url_safe,
        min: 40,
        max: 255,
    },
];

const PEM: &[u8] = b"-----BEGIN ";

/// First bytes of every pattern: positions starting with anything else are skipped at once.
/// Finds where a token prefix or a PEM header starts, all prefixes at once: most text holds
/// none, and the checks of [`scan`] then run only where one does.
fn prefixes() -> &'static aho_corasick::AhoCorasick {
    static PREFIXES: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    PREFIXES.get_or_init(|| {
        let patterns: Vec<&[u8]> = std::iter::once(PEM)
            .chain(TOKENS.iter().map(|t| t.prefix.as_bytes()))
            .collect();
        aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(patterns)
            .expect("the prefixes are a small fixed set")
    })
}

fn line_of(text: &[u8], offset: usize) -> usize {
    text[..offset].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Every token and private key in `text`.
pub fn scan(text: &[u8]) -> Vec<Match> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        // The next place a prefix starts; nothing before it can match.
        match prefixes().find(aho_corasick::Input::new(text).range(i..)) {
            Some(m) => i = m.start(),
            None => break,
        }
        if let Some((kind, label, end)) = private_key_at(text, i) {
            out.push(Match {
                kind,
                masked: format!("-----BEGIN {label}-----"),
                line: line_of(text, i),
            });
            i = end;
            continue;
        }
        let boundary_before = i == 0 || !word(text[i - 1]);
        let mut matched = None;
        if boundary_before {
            for tok in TOKENS {
                let p = tok.prefix.as_bytes();
                if !text[i..].starts_with(p) {
                    continue;
                }
                let body = &text[i + p.len()..];
                let n = body
                    .iter()
                    .take(tok.max + 1)
                    .take_while(|&&b| (tok.set)(b))
                    .count();
                let boundary_after = body.get(n).is_none_or(|&b| !word(b));
                if n >= tok.min && n <= tok.max && boundary_after {
                    matched = Some((tok, i + p.len() + n));
                    break;
                }
            }
        }
        match matched {
            Some((tok, end)) => {
                out.push(Match {
                    kind: tok.kind,
                    masked: format!("{}****", tok.prefix),
                    line: line_of(text, i),
                });
                i = end;
            }
            None => i += 1,
        }
    }
    out
}

/// A PEM private key at `i`: its kind, its label, and where to continue. The header alone is
/// not enough (libraries carry it as a string constant): a base64 body must follow.
fn private_key_at(text: &[u8], i: usize) -> Option<(&'static str, String, usize)> {
    let rest = text.get(i..)?.strip_prefix(PEM)?;
    let close = rest.iter().take(48).position(|&b| b == b'-')?;
    let label = std::str::from_utf8(&rest[..close]).ok()?;
    if !rest[close..].starts_with(b"-----") {
        return None;
    }
    if !(label.ends_with("PRIVATE KEY") || label.ends_with("PRIVATE KEY BLOCK")) {
        return None;
    }
    let body_start = close + 5;
    let mut base64 = 0;
    let mut j = body_start;
    while j < rest.len() && j < body_start + 400 {
        let b = rest[j];
        if b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=' {
            base64 += 1;
        } else if b == b'\\' && rest.get(j + 1) == Some(&b'n') {
            j += 1; // a JSON-escaped newline (service account files)
        } else if !matches!(b, b'\n' | b'\r' | b' ' | b'\t') {
            break;
        }
        j += 1;
    }
    if base64 < 64 {
        return None;
    }
    let kind = match label {
        "OPENSSH PRIVATE KEY" => "an SSH private key",
        "PGP PRIVATE KEY BLOCK" => "a PGP private key",
        _ => "a private key",
    };
    Some((kind, label.to_string(), i + PEM.len() + body_start))
}

/// Whether a file is an env file by its name: `.env`, `.env.production`, `prod.env`,
/// `/etc/environment`, `.envrc`.
pub fn is_env_file(path: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    if let Some(suffix) = base.strip_prefix(".env.") {
        let templates = ["example", "sample", "template", "dist", "defaults", "tmpl"];
        return !templates.contains(&suffix);
    }
    matches!(base.as_str(), ".env" | ".envrc" | "environment")
        || base.strip_suffix(".env").is_some_and(|s| !s.is_empty())
}

/// `NAME=value` lines of an env file whose name says they hold a secret and whose value is a
/// literal (not empty, not a `${REFERENCE}`).
pub fn env_assignments(text: &[u8]) -> Vec<Match> {
    let text = String::from_utf8_lossy(text);
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        if line.starts_with('#') {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        if looks_secret(name) && is_literal(value) {
            out.push(Match {
                kind: "a password assignment",
                masked: format!("{name}=****"),
                line: i + 1,
            });
        }
    }
    out
}

/// Configuration files of package managers and tools that may carry credentials, judged by
/// their content (an `.npmrc` that only names a registry is harmless).
pub fn is_credentials_config(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let base = lower.rsplit('/').next().unwrap_or(&lower);
    matches!(
        base,
        ".npmrc" | ".yarnrc" | ".yarnrc.yml" | ".pypirc" | "pip.conf" | ".netrc" | "_netrc"
    ) || lower.ends_with("/.docker/config.json")
}

/// Credentials in such a file: `_authToken=…`, `password = …`, `"auth": "…"`, `password …`
/// (netrc).
pub fn config_credentials(text: &[u8]) -> Vec<Match> {
    const KEYS: &[&str] = &[
        "_authtoken",
        "_auth",
        "_password",
        "npmauthtoken",
        "npmauthident",
        "password",
        "auth",
        "identitytoken",
    ];
    let text = String::from_utf8_lossy(text);
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim().trim_end_matches(',');
        if l.starts_with('#') || l.starts_with(';') {
            continue;
        }
        // `key = value`, `key: value`, `"key": "value"`, `//host/:_authToken=value`, netrc's
        // `machine h login u password p`.
        let pair = l
            .find('=')
            .or_else(|| l.find(':'))
            .map(|at| (&l[..at], &l[at + 1..]))
            .filter(|(k, _)| !k.trim().contains(' ') || k.trim().starts_with('"'));
        let (key, value) = match pair {
            Some((k, v)) => (k.trim().trim_matches('"'), v.trim()),
            None => match l.split_whitespace().collect::<Vec<_>>().as_slice() {
                [.., "password", v] => ("password", *v),
                _ => continue,
            },
        };
        let key = key.rsplit(':').next().unwrap_or(key).to_ascii_lowercase();
        let value = value.trim_matches('"');
        if KEYS.contains(&key.as_str()) && is_literal(value) && !value.starts_with('{') {
            out.push(Match {
                kind: "registry credentials",
                masked: format!("{key}=****"),
                line: i + 1,
            });
        }
    }
    out
}

/// A value that is itself the secret: not empty and not a reference to one.
pub fn is_literal(value: &str) -> bool {
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    !(v.is_empty() || v.starts_with('$') || v.starts_with('<') && v.ends_with('>'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(&'static str, String)> {
        scan(text.as_bytes())
            .into_iter()
            .map(|m| (m.kind, m.masked))
            .collect()
    }

    pub(crate) const RSA: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo9z+40RQzuVaE8AkAFmxZzow3x+VJYKdjykkJ0iT9wCS0DRTXu269V264Vf/3jvredZiKRkgwlL9xNAwxXFg0x/XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC+9aGVd+Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmwIDAQABAoIBACiARq2wkltjtcjskFvZ7w1JAORHbEufEO1Eu27zOIlqbgyAcAl7q+/1bip4Z/x1IVES84/yTaM8p0goamMhvgry4mS8Sc8KUIp6/T3bgLqQfUD8I2d5mFrHh6Z2kSVa\n-----END RSA PRIVATE KEY-----\n";

    #[test]
    fn tokens_and_keys_are_found_and_masked() {
        let found = kinds(&format!(
            "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\ntoken: ghp_{}\n{RSA}glpat-abcdefghij0123456789\n",
            "a".repeat(36)
        ));
        assert_eq!(
            found,
            [
                ("an AWS access key id", "AKIA****".to_string()),
                ("a GitHub token", "ghp_****".to_string()),
                (
                    "a private key",
                    "-----BEGIN RSA PRIVATE KEY-----".to_string()
                ),
                ("a GitLab token", "glpat-****".to_string()),
            ]
        );
        let lines: Vec<usize> = scan(format!("x\n\nAKIAIOSFODNN7EXAMPLE {RSA}").as_bytes())
            .iter()
            .map(|m| m.line)
            .collect();
        assert_eq!(lines, [3, 3]);
        // A JSON-escaped key, as in a service account file.
        let json = format!(
            "{{\"private_key\": \"-----BEGIN PRIVATE KEY-----\\n{}\\n{}\\n-----END PRIVATE KEY-----\\n\"}}",
            "A".repeat(64),
            "B".repeat(64)
        );
        assert_eq!(kinds(&json).len(), 1);
    }

    #[test]
    fn look_alikes_are_not_secrets() {
        for text in [
            // A library's constant: a header without a key.
            "if line == \"-----BEGIN RSA PRIVATE KEY-----\": parse(rest)",
            "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq\n",
            // Too short, or glued to a word.
            "AKIA1234",
            "XAKIAIOSFODNN7EXAMPLE",
            "AKIAIOSFODNN7EXAMPLEX",
            "ghp_short",
            "my_npm_token_var",
        ] {
            assert_eq!(kinds(text), [], "{text}");
        }
    }

    #[test]
    fn credentials_in_tool_configs() {
        assert!(
            is_credentials_config("/root/.npmrc")
                && is_credentials_config("/home/a/.docker/config.json")
        );
        assert!(!is_credentials_config("/app/config.json"));
        assert!(config_credentials(b"registry=https://r.example/\n").is_empty());
        assert!(config_credentials(b"//r.example/:_authToken=${NPM_TOKEN}\n").is_empty());
        let masked: Vec<String> = config_credentials(
            b"registry=https://r.example/\n//r.example/:_authToken=abc123\n[pypi]\npassword = pypi-secret\n{\n  \"auths\": {\n    \"r\": {\n      \"auth\": \"dXNlcjpwYXNz\"\n    }\n  }\n}\nmachine h login u password p\n",
        )
        .into_iter()
        .map(|m| m.masked)
        .collect();
        assert_eq!(
            masked,
            [
                "_authtoken=****",
                "password=****",
                "auth=****",
                "password=****"
            ]
        );
    }

    #[test]
    fn env_files_and_assignments() {
        for env in [
            "/app/.env",
            "/app/.env.production",
            "/srv/prod.env",
            "/etc/environment",
        ] {
            assert!(is_env_file(env), "{env}");
        }
        for not in [
            "/app/.env.example",
            "/app/env.py",
            "/usr/bin/env",
            "/app/.envoy",
        ] {
            assert!(!is_env_file(not), "{not}");
        }
        let found = env_assignments(
            b"# DB_PASSWORD=commented\nexport DB_PASSWORD=hunter2\nAPI_TOKEN=\"abc\"\nEMPTY_PASSWORD=\nREF_SECRET=${FROM_VAULT}\nPASSWORD_FILE=/run/secrets/db\nUSER=app\n",
        );
        let got: Vec<(String, usize)> = found.into_iter().map(|m| (m.masked, m.line)).collect();
        assert_eq!(
            got,
            [
                ("DB_PASSWORD=****".to_string(), 2),
                ("API_TOKEN=****".to_string(), 3)
            ]
        );
    }
}
