use std::collections::BTreeMap;

use seaworthy_image::{FileKind, FileRecord};

use super::secrets::is_credentials_config;
use super::{is_system_path, ImageContext, ImageRule};
use crate::rules::dockerfile::secret_files::secret_kind;
use crate::{Category, Finding, RuleMeta, Severity};

/// A file whose name says it holds credentials (an SSH key, `.env`, cloud credentials, a key
/// store, Terraform state) or a `.git` directory is in a layer of the image, deleted or not.
pub struct SecretFile;

static META: RuleMeta = RuleMeta {
    id: "SW3302",
    name: "image-secret-file",
    severity: Severity::Error,
    category: Category::Secrets,
    practice: 4,
    aliases: &["DKL-LI-0003"],
    summary: "A layer of the image contains a credentials file or a `.git` directory.",
    why: "Every layer ships whole: a key, `.env` or cloud credentials file copied into the \
          image can be extracted by anyone who pulls it, even when a later layer deletes it \
          (`docker save` and every registry keep the layer that added it). A `.git` directory \
          carries the whole history, remotes with embedded tokens and files deleted long ago. \
          File names are judged as the Dockerfile rules secret-file-copied and \
          context-secret-copied judge them; package-manager configurations (`.npmrc`, \
          `.pypirc`, `.docker/config.json`) are judged by their content instead, by \
          image-secret-content, which also takes files whose content is a secret. Paths of \
          installed packages and test fixtures (/usr/lib, site-packages, `tests/`) are not \
          reported. Keep secrets out of the build context (.dockerignore) and use BuildKit \
          secret mounts for build-time credentials.",
    bad: "FROM debian:12.7-slim\nCOPY . /app\nRUN rm /app/.env\n",
    good: "FROM debian:12.7-slim\nCOPY --exclude=.env --exclude=.git . /app\n",
};

impl ImageRule for SecretFile {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ImageContext<'_>, out: &mut Vec<Finding>) {
        // The last record of each path (the visible one, or the last copy shipped).
        let mut files: BTreeMap<&str, (&FileRecord, &'static str)> = BTreeMap::new();
        let mut git: BTreeMap<String, &FileRecord> = BTreeMap::new();
        for r in cx.index.records() {
            let path = &*r.path;
            if is_system_path(path) {
                continue;
            }
            if let Some(at) = path
                .find("/.git/")
                .map(|i| i + 5)
                .or_else(|| path.ends_with("/.git").then_some(path.len()))
            {
                git.entry(path[..at].to_string()).or_insert(r);
                continue;
            }
            if !matches!(r.meta.kind, FileKind::File | FileKind::Hardlink)
                || path.ends_with("/authorized_keys")
                || is_credentials_config(path)
            {
                continue;
            }
            if cx.facts.secrets.iter().any(|s| s.path == path) {
                continue; // image-secret-content reports it, with what it found
            }
            if let Some(kind) = secret_kind(path) {
                files.insert(path, (r, kind));
            }
        }
        for (path, (r, kind)) in files {
            out.push(Finding::at(
                &META,
                path,
                format!(
                    "`{path}` holds {kind}, by its name ({}): anyone who pulls the image can \
                     extract it",
                    cx.provenance(r)
                ),
            ));
        }
        for (dir, r) in git {
            out.push(Finding::at(
                &META,
                &*dir,
                format!(
                    "`{dir}` is a git repository ({}): its history, remotes and deleted files \
                     ship with the image; exclude `.git` from the build context",
                    cx.provenance(r)
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

    #[test]
    fn fires() {
        let mut w = with_layer(
            LayerBuilder::new()
                .file("/app/.env", b"MODE=production\n", 0o644)
                .file("/root/.aws/credentials", b"[default]\n", 0o600)
                .dir("/app/.git", 0o755, 0, 0)
                .file("/app/.git/config", b"[core]\n", 0o644)
                .file("/app/.git/HEAD", b"ref: refs/heads/main\n", 0o644),
            "COPY . /app",
        );
        w.layer(
            LayerBuilder::new().whiteout("/root/.aws").finish(),
            "RUN rm -rf /root/.aws",
        );
        let found = assert_fires(
            &SecretFile,
            &w,
            &["/app/.env", "/root/.aws/credentials", "/app/.git"],
        );
        assert!(
            found[1].message.contains("AWS credentials")
                && found[1].message.contains("deleted in layer 3"),
            "{}",
            found[1].message
        );
        assert!(found[2].message.contains("git repository"));
    }

    #[test]
    fn passes() {
        assert_clean(&SecretFile, &hardened());
        let w = with_layer(
            LayerBuilder::new()
                .file("/app/.env.example", b"DB_PASSWORD=\n", 0o644)
                .file(
                    "/home/app/.ssh/authorized_keys",
                    b"ssh-ed25519 AAAA\n",
                    0o600,
                )
                .file(
                    "/usr/lib/python3/dist-packages/tests/server.key",
                    b"x",
                    0o644,
                )
                .file("/root/.npmrc", b"registry=https://r.example/\n", 0o644)
                .file("/app/tls/ca.pem", b"-----BEGIN CERTIFICATE-----\n", 0o644),
            "COPY . /app",
        );
        assert_clean(&SecretFile, &w);
    }
}
