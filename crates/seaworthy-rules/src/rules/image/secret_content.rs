use std::collections::BTreeMap;

use super::{ImageContext, ImageRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A file of any layer, deleted later or not, contains a secret: a private key, a cloud key, a
/// provider token, credentials in a package manager's configuration, or a `PASSWORD=` line in
/// an env file.
pub struct SecretContent;

static META: RuleMeta = RuleMeta {
    id: "SW3303",
    name: "image-secret-content",
    severity: Severity::Error,
    category: Category::Secrets,
    practice: 4,
    aliases: &[],
    summary: "A file in a layer of the image contains a secret.",
    why: "Whatever a layer adds ships with the image, including files a later layer deletes: \
          the bytes stay in the layer that added them and anyone who pulls the image can \
          extract them (dockle merges the layers and misses those). Every text file outside \
          the paths of installed packages and test fixtures is read once during the scan and \
          checked for PEM private keys (with a key body, not just the header a library \
          carries), AWS key ids, GitHub, GitLab, Slack, Stripe, Google, npm, PyPI, Hugging \
          Face, OpenAI and Anthropic tokens, credentials in `.npmrc`, `.pypirc`, `pip.conf`, \
          `.netrc` and `.docker/config.json`, and secret-named assignments in env files. The \
          secret is masked in every message. Use BuildKit secret mounts for build-time \
          credentials and runtime secrets for the rest; rotate any secret that was pushed.",
    bad: "FROM debian:12.7-slim\nCOPY id_rsa /root/.ssh/id_rsa\nRUN git clone git@example.com:org/app.git && rm /root/.ssh/id_rsa\n",
    good: "FROM debian:12.7-slim\nRUN --mount=type=ssh git clone git@example.com:org/app.git\n",
};

impl ImageRule for SecretContent {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ImageContext<'_>, out: &mut Vec<Finding>) {
        // One finding per file copy (path and layer), listing what it holds.
        let mut by_copy: BTreeMap<(&str, usize), Vec<String>> = BTreeMap::new();
        for s in &cx.facts.secrets {
            let what = format!("{} (`{}`, line {})", s.kind, s.masked, s.line);
            let list = by_copy.entry((s.path.as_str(), s.layer)).or_default();
            if !list.contains(&what) {
                list.push(what);
            }
        }
        for ((path, layer), found) in by_copy {
            let rec = cx
                .index
                .history_of(path)
                .filter(|r| r.layer == layer)
                .last();
            let provenance = match rec {
                Some(r) => cx.provenance(r),
                None => format!("in {}", cx.layer_name(layer)),
            };
            let shown: Vec<&str> = found.iter().take(3).map(String::as_str).collect();
            let more = match found.len() {
                n if n > 3 => format!(" and {} more", n - 3),
                _ => String::new(),
            };
            out.push(Finding::at(
                &META,
                path,
                format!(
                    "`{path}` contains {}{more} ({provenance}): anyone who pulls the image can \
                     read it; remove it from the build and rotate it",
                    shown.join(", ")
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use seaworthy_image::write::LayerBuilder;

    const KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZWQyNTUxOQAAACDx\n-----END OPENSSH PRIVATE KEY-----\n";

    #[test]
    fn fires() {
        let mut w = with_layer(
            LayerBuilder::new()
                .file("/root/.ssh/id_ed25519", KEY.as_bytes(), 0o600)
                .file("/app/.env", b"DB_HOST=db\nDB_PASSWORD=hunter2\n", 0o644)
                .file(
                    "/app/settings.py",
                    b"AWS_KEY = 'AKIAIOSFODNN7EXAMPLE'\n",
                    0o644,
                )
                .file(
                    "/root/.npmrc",
                    b"//registry.npmjs.org/:_authToken=abcdef123\n",
                    0o600,
                ),
            "COPY . /",
        );
        w.layer(
            LayerBuilder::new().whiteout("/root/.ssh").finish(),
            "RUN rm -rf /root/.ssh",
        );
        let found = assert_fires(
            &SecretContent,
            &w,
            &[
                "/app/.env",
                "/app/settings.py",
                "/root/.npmrc",
                "/root/.ssh/id_ed25519",
            ],
        );
        for f in &found {
            assert!(
                !f.message.contains("hunter2")
                    && !f.message.contains("IOSFODNN")
                    && !f.message.contains("abcdef123")
                    && !f.message.contains("b3Blbn"),
                "{}",
                f.message
            );
        }
        assert!(
            found[0].message.contains("DB_PASSWORD=****") && found[0].message.contains("line 2")
        );
        assert!(
            found[3].message.contains("an SSH private key")
                && found[3]
                    .message
                    .contains("deleted in layer 3 (`RUN rm -rf /root/.ssh`), still in the image"),
            "{}",
            found[3].message
        );
    }

    #[test]
    fn passes() {
        assert_clean(&SecretContent, &hardened());
        let w = with_layer(
            LayerBuilder::new()
                .file(
                    "/app/crypto.py",
                    b"HEADER = '-----BEGIN RSA PRIVATE KEY-----'\n",
                    0o644,
                )
                .file("/app/.env.example", b"DB_PASSWORD=changeme\n", 0o644)
                .file(
                    "/usr/lib/python3/dist-packages/x/tests/key.pem",
                    KEY.as_bytes(),
                    0o644,
                )
                .file("/app/image.png", KEY.as_bytes(), 0o644)
                .file("/app/bin", b"\x00\x01\x02 AKIAIOSFODNN7EXAMPLE", 0o755),
            "COPY . /app",
        );
        assert_clean(&SecretContent, &w);
    }
}
