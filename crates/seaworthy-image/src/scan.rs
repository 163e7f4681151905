//! The streaming pass: every layer read once, its tar entries indexed, whiteouts applied.

use std::io::{self, BufReader, Read};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use rayon::prelude::*;

use crate::error::ImageError;
use crate::image::Image;
use crate::index::{normalize, Anomaly, AnomalyKind, EntryMeta, FileKind, FsIndex, Item, Listing};
use crate::stream::{Expect, LayerReader, StreamLimits};

/// Lets a later rule read file content during the single pass (e.g. secret scanning).
pub trait Visitor {
    /// Decides from the header alone; only wanted entries are read.
    fn wants(&self, layer: usize, path: &str, meta: &EntryMeta) -> bool;
    /// Reads (part of) the content; what is not read is skipped.
    fn visit(
        &mut self,
        layer: usize,
        path: &str,
        meta: &EntryMeta,
        content: &mut dyn Read,
    ) -> io::Result<()>;
}

/// Adds the bytes read through it to a shared counter.
struct Counted {
    inner: Box<dyn Read + Send>,
    count: Arc<AtomicU64>,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// A visitor that wants nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoVisitor;

impl Visitor for NoVisitor {
    fn wants(&self, _: usize, _: &str, _: &EntryMeta) -> bool {
        false
    }
    fn visit(&mut self, _: usize, _: &str, _: &EntryMeta, _: &mut dyn Read) -> io::Result<()> {
        Ok(())
    }
}

/// Limits of one scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Uncompressed bytes allowed per layer (decompression-bomb guard).
    pub max_layer_bytes: u64,
    /// Uncompressed bytes allowed over all layers.
    pub max_image_bytes: u64,
    /// Tar entries allowed per layer (bounds the index's memory).
    pub max_entries_per_layer: u64,
    /// Fail on `..`-escaping or absolute names instead of normalising and reporting them.
    pub reject_unsafe_paths: bool,
    /// Counts the stored (compressed) bytes read so far over all layers, for a progress bar:
    /// the total to expect is the sum of the layers' `size`.
    pub progress: Option<Arc<AtomicU64>>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_layer_bytes: 32 << 30,
            max_image_bytes: 128 << 30,
            max_entries_per_layer: 5_000_000,
            reject_unsafe_paths: false,
            progress: None,
        }
    }
}

enum WalkErr {
    Io(io::Error),
    Image(ImageError),
    Visitor(String, io::Error),
}

impl Image {
    fn what(&self, i: usize) -> String {
        let l = &self.layers[i];
        format!(
            "layer {i} ({})",
            l.digest.as_deref().unwrap_or(l.location.as_str())
        )
    }

    /// The decompressed, verified tar stream of layer `i` (digests are checked at its end).
    pub fn layer_reader(&self, i: usize, opts: &ScanOptions) -> Result<LayerReader, ImageError> {
        self.layer_reader_with(i, opts, Arc::new(AtomicU64::new(0)))
    }

    fn layer_reader_with(
        &self,
        i: usize,
        opts: &ScanOptions,
        total: Arc<AtomicU64>,
    ) -> Result<LayerReader, ImageError> {
        let layer = self.layers.get(i).ok_or_else(|| {
            ImageError::Unsupported(format!("no layer {i}: the image has {}", self.layers.len()))
        })?;
        let what = self.what(i);
        let mut blob = self.store.blob(&layer.location, &what)?;
        if let Some(progress) = &opts.progress {
            blob.reader = Box::new(Counted {
                inner: blob.reader,
                count: progress.clone(),
            });
        }
        if layer.size_declared && blob.len != layer.size {
            return Err(ImageError::SizeMismatch {
                what,
                expected: layer.size,
                actual: blob.len,
            });
        }
        LayerReader::new(
            blob.reader,
            Expect {
                what,
                digest: layer.digest.clone(),
                size: layer.size_declared.then_some(layer.size),
                diff_id: Some(layer.diff_id.clone()),
            },
            StreamLimits {
                layer: opts.max_layer_bytes,
                image: opts.max_image_bytes,
                image_total: total,
            },
        )
    }

    /// One sequential pass over all layers.
    pub fn scan(
        &self,
        opts: &ScanOptions,
        visitor: &mut dyn Visitor,
    ) -> Result<FsIndex, ImageError> {
        let total = Arc::new(AtomicU64::new(0));
        let mut index = FsIndex::default();
        for i in 0..self.layers.len() {
            let listing = self.list_layer(i, opts, total.clone(), visitor)?;
            index.push_layer(i, listing);
        }
        Ok(index)
    }

    /// Layers streamed in parallel (each still read once), merged in order afterwards. Each layer
    /// gets its own visitor from `make`; they are returned in layer order.
    pub fn scan_parallel<V, F>(
        &self,
        opts: &ScanOptions,
        make: F,
    ) -> Result<(FsIndex, Vec<V>), ImageError>
    where
        V: Visitor + Send,
        F: Fn(usize) -> V + Sync,
    {
        let total = Arc::new(AtomicU64::new(0));
        let results: Vec<(Listing, V)> = (0..self.layers.len())
            .into_par_iter()
            .map(|i| {
                let mut v = make(i);
                let listing = self.list_layer(i, opts, total.clone(), &mut v)?;
                Ok((listing, v))
            })
            .collect::<Result<_, ImageError>>()?;
        let mut index = FsIndex::default();
        let mut visitors = Vec::with_capacity(results.len());
        for (i, (listing, v)) in results.into_iter().enumerate() {
            index.push_layer(i, listing);
            visitors.push(v);
        }
        Ok((index, visitors))
    }

    fn list_layer(
        &self,
        i: usize,
        opts: &ScanOptions,
        total: Arc<AtomicU64>,
        visitor: &mut dyn Visitor,
    ) -> Result<Listing, ImageError> {
        let what = self.what(i);
        let mut lr = self.layer_reader_with(i, opts, total)?;
        let result = walk(i, &what, &mut lr, opts, visitor);
        let failure = lr.take_failure();
        match result {
            Ok(mut listing) => {
                if let Some(f) = failure {
                    return Err(f);
                }
                listing.stats.index = i;
                listing.stats.tar_bytes = lr.uncompressed_bytes();
                listing.stats.blob_bytes = lr.compressed_bytes();
                Ok(listing)
            }
            Err(WalkErr::Image(e)) => Err(failure.unwrap_or(e)),
            Err(WalkErr::Visitor(path, source)) => {
                Err(failure.unwrap_or(ImageError::Visitor { what, path, source }))
            }
            Err(WalkErr::Io(e)) => Err(failure.unwrap_or_else(|| {
                let msg = e.to_string();
                if e.kind() == io::ErrorKind::UnexpectedEof
                    || msg.contains("unexpected EOF")
                    || msg.contains("entire block")
                {
                    ImageError::Truncated {
                        what,
                        detail: format!("tar stream ends early: {msg}"),
                    }
                } else {
                    ImageError::Corrupt {
                        what,
                        format: "tar",
                        detail: msg,
                    }
                }
            })),
        }
    }
}

fn walk(
    layer: usize,
    what: &str,
    lr: &mut LayerReader,
    opts: &ScanOptions,
    visitor: &mut dyn Visitor,
) -> Result<Listing, WalkErr> {
    let mut listing = Listing::default();
    let mut ar = tar::Archive::new(BufReader::with_capacity(256 << 10, lr));
    for entry in ar.entries().map_err(WalkErr::Io)? {
        let mut entry = entry.map_err(WalkErr::Io)?;
        let et = entry.header().entry_type();
        if matches!(
            et,
            tar::EntryType::XGlobalHeader
                | tar::EntryType::XHeader
                | tar::EntryType::GNULongName
                | tar::EntryType::GNULongLink
        ) {
            continue;
        }
        listing.stats.entries += 1;
        if listing.stats.entries > opts.max_entries_per_layer {
            return Err(WalkErr::Image(ImageError::TooManyEntries {
                what: what.to_string(),
                limit: opts.max_entries_per_layer,
            }));
        }
        let raw_bytes = entry.path_bytes();
        let (raw, non_utf8) = match std::str::from_utf8(&raw_bytes) {
            Ok(s) => (s.to_string(), false),
            Err(_) => (String::from_utf8_lossy(&raw_bytes).into_owned(), true),
        };
        let (path, anomaly) = normalize(&raw);
        let anomaly = anomaly.or(non_utf8.then_some(AnomalyKind::NonUtf8));
        if let Some(kind) = anomaly {
            if opts.reject_unsafe_paths && kind != AnomalyKind::NonUtf8 {
                return Err(WalkErr::Image(ImageError::UnsafePath {
                    what: what.to_string(),
                    name: raw,
                }));
            }
            listing.anomalies.push(Anomaly {
                layer,
                raw_name: raw.clone(),
                kind,
            });
        }
        let kind = if et.is_dir() {
            FileKind::Dir
        } else if et.is_symlink() {
            FileKind::Symlink
        } else if et.is_hard_link() {
            FileKind::Hardlink
        } else if et.is_file() || et == tar::EntryType::Continuous || et.is_gnu_sparse() {
            FileKind::File
        } else {
            FileKind::Other
        };
        let size = if kind == FileKind::File {
            entry.size()
        } else {
            0
        };
        if size > opts.max_layer_bytes {
            return Err(WalkErr::Image(ImageError::AbsurdEntrySize {
                what: what.to_string(),
                path,
                size,
                limit: opts.max_layer_bytes,
            }));
        }
        let (base_dir, base) = match path.rsplit_once('/') {
            Some(("", b)) => ("/", b),
            Some((d, b)) => (d, b),
            None => ("/", path.as_str()),
        };
        if let Some(hidden) = base.strip_prefix(".wh.") {
            listing.stats.whiteouts += 1;
            if hidden == ".wh..opq" {
                listing.items.push(Item::Opaque(base_dir.into()));
            } else if !hidden.starts_with(".wh.") && !hidden.is_empty() {
                let target = if base_dir == "/" {
                    format!("/{hidden}")
                } else {
                    format!("{base_dir}/{hidden}")
                };
                listing.items.push(Item::Whiteout(target.into()));
            }
            continue;
        }
        let header = entry.header();
        let link_target = entry.link_name_bytes().map(|t| {
            let t = String::from_utf8_lossy(&t).into_owned();
            if kind == FileKind::Hardlink {
                normalize(&t).0
            } else {
                t
            }
        });
        let meta = EntryMeta {
            kind,
            size,
            mode: header.mode().unwrap_or(0) & 0o7777,
            uid: header.uid().unwrap_or(0),
            gid: header.gid().unwrap_or(0),
            link_target,
        };
        listing.stats.file_bytes += size;
        if visitor.wants(layer, &path, &meta) {
            visitor
                .visit(layer, &path, &meta, &mut entry)
                .map_err(|e| WalkErr::Visitor(path.clone(), e))?;
        }
        listing.items.push(Item::Entry(path.into(), meta));
    }
    let mut rest = ar.into_inner();
    io::copy(&mut rest, &mut io::sink()).map_err(WalkErr::Io)?;
    Ok(listing)
}
