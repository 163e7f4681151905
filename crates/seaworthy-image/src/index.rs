//! The merged filesystem: every path ever present in any layer, with who added and who hid it.
//!
//! Only tar header metadata is kept. Links are recorded, never followed, so symlink loops cannot
//! make indexing loop.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

/// Type of a tar entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    File,
    Dir,
    Symlink,
    Hardlink,
    /// Character or block device, FIFO, or anything else.
    Other,
}

/// What a tar header says about one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryMeta {
    pub kind: FileKind,
    /// Bytes of content (0 for anything but regular files).
    pub size: u64,
    /// Permission bits including setuid/setgid/sticky (`0o7777` mask).
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Symlink or hardlink target; hardlink targets are normalised like paths.
    pub link_target: Option<String>,
}

/// How a record stopped being visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HiddenHow {
    /// A whiteout (`.wh.name`, or an opaque directory above it) removed it.
    Deleted,
    /// The same path was written again (by a later layer, or later in the same layer), or a
    /// parent directory was replaced by a non-directory.
    Overwritten,
}

/// One path as added by one layer.
#[derive(Debug, Clone)]
pub struct FileRecord {
    /// Absolute, normalised: `/etc/passwd`; the root is `/`.
    pub path: Arc<str>,
    pub meta: EntryMeta,
    /// Index of the layer that added it (0 = base).
    pub layer: usize,
    /// Layer that hid it, and how; `None` if it is in the final filesystem.
    pub hidden: Option<(usize, HiddenHow)>,
}

impl FileRecord {
    pub fn is_visible(&self) -> bool {
        self.hidden.is_none()
    }
}

/// A tar name that had to be normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anomaly {
    pub layer: usize,
    pub raw_name: String,
    pub kind: AnomalyKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnomalyKind {
    /// `..` would climb above the root; clamped at the root as Docker does when extracting.
    ParentTraversal,
    /// The name started with `/`.
    AbsolutePath,
    /// The name was not valid UTF-8 (replacement characters used).
    NonUtf8,
}

/// Per-layer figures.
#[derive(Debug, Clone, Default)]
pub struct LayerStats {
    pub index: usize,
    pub entries: u64,
    pub whiteouts: u64,
    /// Sum of regular-file sizes this layer adds.
    pub file_bytes: u64,
    /// Uncompressed tar bytes.
    pub tar_bytes: u64,
    /// Stored (compressed) bytes.
    pub blob_bytes: u64,
    /// Bytes of files from this layer that are hidden in the final image.
    pub wasted_bytes: u64,
}

/// One item of a layer, in tar order.
#[derive(Debug, Clone)]
pub(crate) enum Item {
    Entry(Arc<str>, EntryMeta),
    /// `.wh.name`: removes the path and everything below it from lower layers.
    Whiteout(Arc<str>),
    /// `.wh..wh..opq` in a directory: removes everything below it from lower layers.
    Opaque(Arc<str>),
}

/// What one layer contributes, before merging.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    pub items: Vec<Item>,
    pub anomalies: Vec<Anomaly>,
    pub stats: LayerStats,
}

/// The merged index.
#[derive(Debug, Default)]
pub struct FsIndex {
    records: Vec<FileRecord>,
    visible: BTreeMap<Arc<str>, usize>,
    anomalies: Vec<Anomaly>,
    layers: Vec<LayerStats>,
}

/// Normalises a tar entry name to an absolute path, clamping `..` at the root.
pub(crate) fn normalize(raw: &str) -> (String, Option<AnomalyKind>) {
    let mut anomaly = raw.starts_with('/').then_some(AnomalyKind::AbsolutePath);
    let mut parts: Vec<&str> = Vec::new();
    for c in raw.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    anomaly = Some(AnomalyKind::ParentTraversal);
                }
            }
            c => parts.push(c),
        }
    }
    (format!("/{}", parts.join("/")), anomaly)
}

/// The key range of everything strictly below `dir`.
fn below(dir: &str) -> (Bound<String>, Bound<String>) {
    if dir == "/" {
        (Bound::Excluded("/".to_string()), Bound::Unbounded)
    } else {
        // '0' is the byte after '/', so this is exactly the keys starting with "dir/".
        (
            Bound::Included(format!("{dir}/")),
            Bound::Excluded(format!("{dir}0")),
        )
    }
}

impl FsIndex {
    pub(crate) fn push_layer(&mut self, layer: usize, listing: Listing) {
        let Listing {
            items,
            anomalies,
            stats,
        } = listing;
        self.anomalies.extend(anomalies);
        self.layers.push(stats);
        // Whiteouts apply to lower layers only, wherever they sit in the tar.
        for item in &items {
            match item {
                Item::Whiteout(p) => {
                    if let Some(i) = self.visible.remove(&**p) {
                        self.hide(i, layer, HiddenHow::Deleted);
                    }
                    self.hide_below(p, layer, HiddenHow::Deleted);
                }
                Item::Opaque(d) => self.hide_below(d, layer, HiddenHow::Deleted),
                Item::Entry(..) => {}
            }
        }
        for item in items {
            let Item::Entry(path, meta) = item else {
                continue;
            };
            let is_dir = meta.kind == FileKind::Dir;
            if let Some(old) = self.visible.get(&*path).copied() {
                self.hide(old, layer, HiddenHow::Overwritten);
                if self.records[old].meta.kind == FileKind::Dir && !is_dir {
                    self.hide_below(&path, layer, HiddenHow::Overwritten);
                }
            }
            let idx = self.records.len();
            self.records.push(FileRecord {
                path: path.clone(),
                meta,
                layer,
                hidden: None,
            });
            self.visible.insert(path, idx);
        }
    }

    fn hide(&mut self, idx: usize, layer: usize, how: HiddenHow) {
        let rec = &mut self.records[idx];
        rec.hidden = Some((layer, how));
        if rec.meta.kind == FileKind::File {
            if let Some(stats) = self.layers.get_mut(rec.layer) {
                stats.wasted_bytes += rec.meta.size;
            }
        }
    }

    fn hide_below(&mut self, dir: &str, layer: usize, how: HiddenHow) {
        let keys: Vec<Arc<str>> = self
            .visible
            .range::<str, _>(as_str_bounds(&below(dir)))
            .map(|(k, _)| k.clone())
            .collect();
        for k in keys {
            if let Some(i) = self.visible.remove(&*k) {
                self.hide(i, layer, how);
            }
        }
    }

    /// Every record, in layer order then tar order.
    pub fn records(&self) -> &[FileRecord] {
        &self.records
    }

    /// The final filesystem, sorted by path.
    pub fn visible(&self) -> impl Iterator<Item = &FileRecord> {
        self.visible.values().map(|&i| &self.records[i])
    }

    /// The visible record at `path` (absolute, e.g. `/etc/passwd`).
    pub fn get(&self, path: &str) -> Option<&FileRecord> {
        self.visible.get(path).map(|&i| &self.records[i])
    }

    /// Every record ever at `path`, oldest first.
    pub fn history_of<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a FileRecord> + 'a {
        self.records.iter().filter(move |r| &*r.path == path)
    }

    /// Records that ship in a layer but are not in the final filesystem.
    pub fn hidden(&self) -> impl Iterator<Item = &FileRecord> {
        self.records.iter().filter(|r| r.hidden.is_some())
    }

    pub fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }

    pub fn layers(&self) -> &[LayerStats] {
        &self.layers
    }

    /// Sum of the sizes of all regular files in all layers.
    pub fn total_file_bytes(&self) -> u64 {
        self.layers.iter().map(|l| l.file_bytes).sum()
    }

    /// Bytes of regular files that ship but are deleted or overwritten later. Unlike dive, the
    /// copy that is kept is not counted.
    pub fn wasted_bytes(&self) -> u64 {
        self.layers.iter().map(|l| l.wasted_bytes).sum()
    }

    /// Share of shipped file bytes that are in the final filesystem (1.0 when there are none).
    pub fn efficiency(&self) -> f64 {
        let total = self.total_file_bytes();
        if total == 0 {
            1.0
        } else {
            (total - self.wasted_bytes()) as f64 / total as f64
        }
    }
}

fn as_str_bounds(b: &(Bound<String>, Bound<String>)) -> (Bound<&str>, Bound<&str>) {
    fn one(b: &Bound<String>) -> Bound<&str> {
        match b {
            Bound::Included(s) => Bound::Included(s.as_str()),
            Bound::Excluded(s) => Bound::Excluded(s.as_str()),
            Bound::Unbounded => Bound::Unbounded,
        }
    }
    (one(&b.0), one(&b.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised_and_clamped() {
        assert_eq!(normalize("./etc/passwd"), ("/etc/passwd".into(), None));
        assert_eq!(normalize("etc//./x/"), ("/etc/x".into(), None));
        assert_eq!(normalize("./"), ("/".into(), None));
        assert_eq!(
            normalize("../../etc/shadow"),
            ("/etc/shadow".into(), Some(AnomalyKind::ParentTraversal))
        );
        assert_eq!(normalize("a/b/../c"), ("/a/c".into(), None));
        assert_eq!(
            normalize("/usr/bin"),
            ("/usr/bin".into(), Some(AnomalyKind::AbsolutePath))
        );
    }

    #[test]
    fn below_covers_exactly_the_subtree() {
        let keys = ["/a", "/a/b", "/a/b/c", "/a-b", "/a.b", "/a0", "/ab", "/b"];
        let map: BTreeMap<String, ()> = keys.iter().map(|k| (k.to_string(), ())).collect();
        let got: Vec<&str> = map
            .range::<str, _>(as_str_bounds(&below("/a")))
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(got, vec!["/a/b", "/a/b/c"]);
        assert_eq!(
            map.range::<str, _>(as_str_bounds(&below("/"))).count(),
            keys.len()
        );
    }
}
