//! What the image rules need from file contents, collected during the single streaming pass by
//! a [`FactsVisitor`]: the account files and os-release (small, bounded), and secrets found by
//! content in every file of every layer, deleted ones included. The visitor does no I/O of its
//! own: it looks only at the bytes the scan hands it, and keeps secrets masked.

use std::collections::BTreeMap;
use std::io::{self, Read};

use seaworthy_image::{EntryMeta, FileKind, FsIndex, Visitor};

use super::accounts::{parse_group, parse_passwd, Accounts};
use super::{is_system_path, resolve, secrets};

/// Files kept whole (up to [`SMALL_FILE`] bytes) for the rules to parse.
pub const KEPT_FILES: &[&str] = &[
    "/etc/passwd",
    "/etc/shadow",
    "/etc/group",
    "/etc/os-release",
    "/usr/lib/os-release",
    "/etc/alpine-release",
    "/etc/debian_version",
    "/etc/redhat-release",
];
const SMALL_FILE: u64 = 1 << 20;
/// Larger files are not read for secrets (trivy warns above 10 MB; keys and env files are
/// small).
const SCAN_LIMIT: u64 = 2 << 20;
/// Extensions of files that are never text worth scanning.
const BINARY_EXTENSIONS: &[&str] = &[
    "so", "a", "o", "png", "jpg", "jpeg", "gif", "ico", "webp", "woff", "woff2", "ttf", "otf",
    "gz", "tgz", "xz", "bz2", "zst", "zip", "jar", "war", "whl", "pyc", "class", "mo", "wasm",
    "pdf", "mp3", "mp4", "deb", "rpm", "apk",
];

/// A secret found by content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretHit {
    pub layer: usize,
    pub path: String,
    /// `an SSH private key`, `a GitHub token`, `a password assignment`.
    pub kind: &'static str,
    /// The secret masked: `ghp_****`.
    pub masked: String,
    pub line: usize,
}

/// The [`Visitor`] of the image rules. Use one per layer with `scan_parallel`, or one for the
/// whole image with `scan`; then [`ImageFacts::from_visitors`].
#[derive(Debug, Default)]
pub struct FactsVisitor {
    files: Vec<(usize, String, Vec<u8>)>,
    secrets: Vec<SecretHit>,
}

fn scanned_for_secrets(path: &str, meta: &EntryMeta) -> bool {
    if meta.size < 16 || meta.size > SCAN_LIMIT || is_system_path(path) {
        return false;
    }
    let base = path.rsplit('/').next().unwrap_or(path);
    match base.rsplit_once('.') {
        Some((_, ext)) => !BINARY_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()),
        None => true,
    }
}

impl Visitor for FactsVisitor {
    fn wants(&self, _layer: usize, path: &str, meta: &EntryMeta) -> bool {
        meta.kind == FileKind::File
            && (KEPT_FILES.contains(&path) && meta.size <= SMALL_FILE
                || scanned_for_secrets(path, meta))
    }

    fn visit(
        &mut self,
        layer: usize,
        path: &str,
        meta: &EntryMeta,
        content: &mut dyn Read,
    ) -> io::Result<()> {
        let mut buf = Vec::with_capacity(meta.size.min(SCAN_LIMIT) as usize);
        content.take(SCAN_LIMIT).read_to_end(&mut buf)?;
        if scanned_for_secrets(path, meta) && !buf[..buf.len().min(4096)].contains(&0) {
            let mut found = secrets::scan(&buf);
            if secrets::is_env_file(path) {
                found.extend(secrets::env_assignments(&buf));
            }
            if secrets::is_credentials_config(path) {
                found.extend(secrets::config_credentials(&buf));
            }
            self.secrets.extend(found.into_iter().map(|m| SecretHit {
                layer,
                path: path.to_string(),
                kind: m.kind,
                masked: m.masked,
                line: m.line,
            }));
        }
        if KEPT_FILES.contains(&path) {
            self.files.push((layer, path.to_string(), buf));
        }
        Ok(())
    }
}

/// Everything the visitors collected.
#[derive(Debug, Default, Clone)]
pub struct ImageFacts {
    files: BTreeMap<(usize, String), Vec<u8>>,
    /// Secrets by content, in layer then path order.
    pub secrets: Vec<SecretHit>,
}

impl ImageFacts {
    pub fn from_visitors(visitors: impl IntoIterator<Item = FactsVisitor>) -> ImageFacts {
        let mut facts = ImageFacts::default();
        for v in visitors {
            for (layer, path, bytes) in v.files {
                facts.files.insert((layer, path), bytes);
            }
            facts.secrets.extend(v.secrets);
        }
        facts
            .secrets
            .sort_by(|a, b| (a.layer, &a.path, a.line).cmp(&(b.layer, &b.path, b.line)));
        facts
    }

    /// The content of a kept file as the final filesystem has it (symbolic links followed):
    /// `None` when the image has no such file.
    pub fn content(&self, index: &FsIndex, path: &str) -> Option<String> {
        let rec = resolve(index, path, 32)?;
        let bytes = self.files.get(&(rec.layer, rec.path.to_string()))?;
        Some(String::from_utf8_lossy(bytes).into_owned())
    }

    /// The final /etc/passwd and /etc/group.
    pub fn accounts(&self, index: &FsIndex) -> Accounts {
        Accounts {
            passwd: self
                .content(index, "/etc/passwd")
                .map(|t| parse_passwd(&t))
                .unwrap_or_default(),
            groups: self
                .content(index, "/etc/group")
                .map(|t| parse_group(&t))
                .unwrap_or_default(),
        }
    }
}
