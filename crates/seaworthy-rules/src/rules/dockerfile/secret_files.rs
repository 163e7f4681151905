//! Which file names hold credentials: shared by the rule on COPY sources as written
//! (secret-file-copied) and the rule on the files a COPY sends from the build context
//! (context-secret-copied), so that both judge a name the same way.

/// What kind of credentials a path names (a file, or a directory such as `.ssh` or `.aws`),
/// judged by its name; `None` for an ordinary file.
pub(crate) fn secret_kind(path: &str) -> Option<&'static str> {
    let lower = path.trim_end_matches('/').to_ascii_lowercase();
    let mut parts = lower.rsplit('/');
    let base = parts.next().unwrap_or(&lower);
    let parent = parts.next().unwrap_or("");
    if parent == ".ssh" && !base.ends_with(".pub") && !matches!(base, "known_hosts" | "config") {
        return Some("an SSH key");
    }
    if parent == ".gnupg" {
        return Some("GPG keys");
    }
    let what = match base {
        "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519" | "id_ecdsa_sk" | "id_ed25519_sk" => {
            "an SSH private key"
        }
        ".ssh" => "SSH keys",
        ".gnupg" => "GPG private keys",
        ".env" | ".envrc" => "environment secrets",
        ".npmrc" => "npm registry credentials",
        ".yarnrc.yml" => "yarn registry credentials",
        ".pypirc" | "pip.conf" => "Python package index credentials",
        ".netrc" | "_netrc" => "login credentials",
        ".git-credentials" => "git credentials",
        ".htpasswd" => "password hashes",
        ".vault-token" => "a Vault token",
        ".aws" => "AWS credentials",
        "kubeconfig" | ".kube" => "Kubernetes credentials",
        ".dockercfg" => "registry credentials",
        "terraform.tfstate" | "terraform.tfstate.backup" => "Terraform state, with its secrets",
        "credentials" if parent == ".aws" => "AWS credentials",
        "config.json" if parent == ".docker" => "registry credentials",
        "config" if parent == ".kube" => "Kubernetes credentials",
        "credentials.json" => "service credentials",
        _ => {
            if let Some(suffix) = base.strip_prefix(".env.") {
                let templates = [
                    "example", "sample", "template", "dist", "defaults", "tmpl", "test", "ci",
                ];
                return (!templates.contains(&suffix)).then_some("environment secrets");
            }
            if base.starts_with("client_secret") && base.ends_with(".json") {
                return Some("OAuth client secrets");
            }
            if base.starts_with("service-account") && base.ends_with(".json") {
                return Some("service account credentials");
            }
            let (stem, ext) = base.rsplit_once('.')?;
            match ext {
                "key" if !stem.contains("pub") => "a private key",
                "pem" if !is_certificate(stem) => "a private key, by its name",
                // A trust store holds public certificates.
                "p12" | "pfx" | "jks" | "keystore" if !stem.contains("trust") => "a key store",
                "tfstate" => "Terraform state, with its secrets",
                "env" if !stem.is_empty() => "environment secrets",
                _ => return None,
            }
        }
    };
    Some(what)
}

/// `ca.pem`, `cert.pem`, `fullchain.pem`: certificates are public.
fn is_certificate(stem: &str) -> bool {
    stem.split(['-', '_', '.']).any(|part| {
        part == "ca"
            || part == "crt"
            || part.contains("cert")
            || part.contains("chain")
            || part.starts_with("bundle")
            || part.starts_with("pub")
            || part.starts_with("root")
    })
}

#[cfg(test)]
mod tests {
    use super::secret_kind;

    #[test]
    fn names() {
        for secret in [
            "id_rsa",
            "keys/.ssh/deploy",
            ".ssh/",
            ".env",
            "config/.env.production",
            "prod.env",
            ".npmrc",
            ".aws/credentials",
            ".docker/config.json",
            "tls/server.key",
            "tls/server.pem",
            "release.p12",
            "terraform.tfstate",
            "client_secret_123.json",
        ] {
            assert!(secret_kind(secret).is_some(), "{secret}");
        }
        for plain in [
            ".env.example",
            ".ssh/known_hosts",
            ".ssh/id_rsa.pub",
            "tls/ca.pem",
            "tls/fullchain.pem",
            "server.pub.key",
            "truststore.jks",
            "config.json",
            "app.py",
            ".envoy.yaml",
        ] {
            assert!(secret_kind(plain).is_none(), "{plain}");
        }
    }
}
