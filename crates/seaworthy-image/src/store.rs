//! Where an image's files live: a directory, an uncompressed tar read in place, or a registry.
//!
//! A tar is indexed once (headers only: name, data offset, size); each blob is then read with a
//! seek and a bounded read, so nothing is extracted and a blob is read only when it is streamed.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::error::ImageError;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    offset: u64,
    size: u64,
}

#[derive(Debug)]
pub(crate) enum Store {
    Dir(PathBuf),
    Tar {
        path: PathBuf,
        slots: HashMap<String, Slot>,
    },
    /// A registry: blobs by digest, streamed over HTTP.
    Registry(Box<crate::registry::Remote>),
}

/// A blob opened for reading, with its length as stored.
pub(crate) struct Blob {
    pub reader: Box<dyn Read + Send>,
    pub len: u64,
}

/// Normalises a name inside an archive or layout: no leading `./` or `/`, no `.` components;
/// `None` when `..` would leave the root.
pub(crate) fn clean_rel(name: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for c in name.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

impl Store {
    pub fn open(path: &Path) -> Result<Store, ImageError> {
        let meta = std::fs::metadata(path).map_err(|e| ImageError::io(path, e))?;
        if meta.is_dir() {
            return Ok(Store::Dir(path.to_path_buf()));
        }
        let mut file = File::open(path).map_err(|e| ImageError::io(path, e))?;
        let file_len = meta.len();
        let mut magic = [0u8; 4];
        let n = file.read(&mut magic).map_err(|e| ImageError::io(path, e))?;
        if n >= 2 && magic[..2] == [0x1f, 0x8b] || n == 4 && magic == [0x28, 0xb5, 0x2f, 0xfd] {
            return Err(ImageError::Unsupported(format!(
                "{}: compressed archive; decompress it first (docker save writes an uncompressed tar)",
                path.display()
            )));
        }
        file.seek(SeekFrom::Start(0))
            .map_err(|e| ImageError::io(path, e))?;
        let not_tar = |e: std::io::Error| ImageError::NotAnImage {
            path: path.to_path_buf(),
            reason: format!("cannot read it as a tar archive: {e}"),
        };
        let mut archive = tar::Archive::new(file);
        let mut slots = HashMap::new();
        let mut links: HashMap<String, String> = HashMap::new();
        for entry in archive.entries_with_seek().map_err(not_tar)? {
            let entry = entry.map_err(not_tar)?;
            let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let Some(name) = clean_rel(&raw) else {
                continue; // names escaping the archive root are never blobs we look up
            };
            let kind = entry.header().entry_type();
            if kind.is_symlink() || kind.is_hard_link() {
                let Some(target) = entry.link_name_bytes() else {
                    continue;
                };
                let target = String::from_utf8_lossy(&target).into_owned();
                let joined = if kind.is_symlink() && !target.starts_with('/') {
                    match name.rsplit_once('/') {
                        Some((dir, _)) => format!("{dir}/{target}"),
                        None => target,
                    }
                } else {
                    target
                };
                if let Some(t) = clean_rel(&joined) {
                    links.insert(name, t);
                }
            } else if kind.is_file() || kind == tar::EntryType::Continuous {
                let size = entry.size();
                let offset = entry.raw_file_position();
                if offset.saturating_add(size) > file_len {
                    return Err(ImageError::Truncated {
                        what: path.display().to_string(),
                        detail: format!(
                            "{name} needs bytes up to {} but the archive has {file_len}",
                            offset.saturating_add(size)
                        ),
                    });
                }
                slots.insert(name, Slot { offset, size });
            }
        }
        // Resolve links (Docker 25+ points legacy `<id>/layer.tar` names at `blobs/sha256/...`).
        // Bounded: at most 16 hops, so a link loop just resolves to nothing.
        let mut resolved = Vec::new();
        for (name, target) in &links {
            let mut t = target.clone();
            for _ in 0..16 {
                if let Some(slot) = slots.get(&t).copied() {
                    resolved.push((name.clone(), slot));
                    break;
                }
                match links.get(&t) {
                    Some(next) => t = next.clone(),
                    None => break,
                }
            }
        }
        for (name, slot) in resolved {
            slots.entry(name).or_insert(slot);
        }
        Ok(Store::Tar {
            path: path.to_path_buf(),
            slots,
        })
    }

    pub fn display(&self) -> String {
        match self {
            Store::Dir(p) | Store::Tar { path: p, .. } => p.display().to_string(),
            Store::Registry(r) => r.display(),
        }
    }

    pub fn exists(&self, rel: &str) -> bool {
        match self {
            Store::Dir(dir) => dir.join(rel).is_file(),
            Store::Tar { slots, .. } => slots.contains_key(rel),
            Store::Registry(_) => false,
        }
    }

    /// Opens a blob; a missing one is `MissingBlob` naming `what`.
    pub fn blob(&self, rel: &str, what: &str) -> Result<Blob, ImageError> {
        let missing = || ImageError::MissingBlob {
            what: what.to_string(),
            location: rel.to_string(),
        };
        let rel = clean_rel(rel).ok_or_else(missing)?;
        match self {
            Store::Dir(dir) => {
                let p = dir.join(&rel);
                let file = match File::open(&p) {
                    Ok(f) => f,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(missing()),
                    Err(e) => return Err(ImageError::io(p, e)),
                };
                let len = file.metadata().map_err(|e| ImageError::io(&p, e))?.len();
                Ok(Blob {
                    reader: Box::new(file),
                    len,
                })
            }
            Store::Tar { path, slots } => {
                let slot = *slots.get(&rel).ok_or_else(missing)?;
                let mut file = File::open(path).map_err(|e| ImageError::io(path, e))?;
                file.seek(SeekFrom::Start(slot.offset))
                    .map_err(|e| ImageError::io(path, e))?;
                Ok(Blob {
                    reader: Box::new(file.take(slot.size)),
                    len: slot.size,
                })
            }
            Store::Registry(r) => r.blob(&rel, what),
        }
    }

    /// Reads a small JSON blob whole, refusing anything over `limit` bytes.
    pub fn read_small(&self, rel: &str, what: &str, limit: u64) -> Result<Vec<u8>, ImageError> {
        let blob = self.blob(rel, what)?;
        if blob.len > limit {
            return Err(ImageError::Unsupported(format!(
                "{what}: {} bytes, above the {limit}-byte limit for metadata",
                blob.len
            )));
        }
        let mut buf = Vec::with_capacity(blob.len as usize);
        blob.reader
            .take(limit)
            .read_to_end(&mut buf)
            .map_err(|e| ImageError::io(self.display(), e))?;
        Ok(buf)
    }
}
