//! One layer as a verified, decompressed byte stream.
//!
//! `LayerReader` reads the stored blob once: it hashes the compressed bytes (layer digest),
//! inflates gzip or zstd on the fly (chosen by magic bytes, whatever the media type says), hashes
//! the uncompressed tar (diff_id), enforces the per-layer and per-image byte limits, and at end of
//! stream checks both digests. Nothing is buffered beyond fixed-size read buffers.

use std::io::{self, BufReader, Chain, Cursor, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use sha2::{Digest as _, Sha256};

use crate::error::ImageError;

/// Compression found by magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Zstd,
    None,
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::None => "tar",
        }
    }

    fn detect(magic: &[u8]) -> Compression {
        if magic.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// Hashes and counts the bytes of the stored blob.
pub(crate) struct CompTap {
    inner: Box<dyn Read + Send>,
    hasher: Sha256,
    count: u64,
}

impl Read for CompTap {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

type Head = Chain<Cursor<Vec<u8>>, BufReader<CompTap>>;

enum Decoder {
    Gzip(Box<flate2::read::MultiGzDecoder<Head>>),
    Zstd(Box<zstd::stream::read::Decoder<'static, BufReader<Head>>>),
    Plain(Box<Head>),
}

impl Decoder {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::Gzip(d) => d.read(buf),
            Decoder::Zstd(d) => d.read(buf),
            Decoder::Plain(d) => d.read(buf),
        }
    }

    fn comp(&mut self) -> &mut BufReader<CompTap> {
        match self {
            Decoder::Gzip(d) => d.get_mut().get_mut().1,
            Decoder::Zstd(d) => d.get_mut().get_mut().get_mut().1,
            Decoder::Plain(d) => d.get_mut().1,
        }
    }
}

/// What a layer's bytes must match.
#[derive(Debug, Clone)]
pub(crate) struct Expect {
    pub what: String,
    pub digest: Option<String>,
    pub size: Option<u64>,
    pub diff_id: Option<String>,
}

/// Limits of a stream.
#[derive(Debug, Clone)]
pub(crate) struct StreamLimits {
    pub layer: u64,
    pub image: u64,
    pub image_total: Arc<AtomicU64>,
}

/// The decompressed tar of one layer; `Read` ends with an error if a digest does not match or a
/// limit is passed, and `failure()` then gives the precise `ImageError`.
pub struct LayerReader {
    decoder: Decoder,
    compression: Compression,
    expect: Expect,
    limits: StreamLimits,
    plain: Sha256,
    plain_count: u64,
    done: bool,
    failure: Option<ImageError>,
    compressed_count: u64,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl LayerReader {
    pub(crate) fn new(
        blob: Box<dyn Read + Send>,
        expect: Expect,
        limits: StreamLimits,
    ) -> Result<LayerReader, ImageError> {
        let mut comp = BufReader::with_capacity(
            256 << 10,
            CompTap {
                inner: blob,
                hasher: Sha256::new(),
                count: 0,
            },
        );
        let mut magic = Vec::with_capacity(4);
        (&mut comp)
            .take(4)
            .read_to_end(&mut magic)
            .map_err(|e| ImageError::Corrupt {
                what: expect.what.clone(),
                format: "blob",
                detail: e.to_string(),
            })?;
        let compression = Compression::detect(&magic);
        let head = Cursor::new(magic).chain(comp);
        let decoder = match compression {
            Compression::Gzip => Decoder::Gzip(Box::new(flate2::read::MultiGzDecoder::new(head))),
            Compression::Zstd => {
                let mut d =
                    zstd::stream::read::Decoder::new(head).map_err(|e| ImageError::Corrupt {
                        what: expect.what.clone(),
                        format: "zstd",
                        detail: e.to_string(),
                    })?;
                // Bounds the decoder's window memory (128 MiB) whatever a frame asks for.
                d.window_log_max(27).map_err(|e| ImageError::Corrupt {
                    what: expect.what.clone(),
                    format: "zstd",
                    detail: e.to_string(),
                })?;
                Decoder::Zstd(Box::new(d))
            }
            Compression::None => Decoder::Plain(Box::new(head)),
        };
        Ok(LayerReader {
            decoder,
            compression,
            expect,
            limits,
            plain: Sha256::new(),
            plain_count: 0,
            done: false,
            failure: None,
            compressed_count: 0,
        })
    }

    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Uncompressed bytes read so far.
    pub fn uncompressed_bytes(&self) -> u64 {
        self.plain_count
    }

    /// Bytes of the stored blob (known once the stream has ended).
    pub fn compressed_bytes(&self) -> u64 {
        self.compressed_count
    }

    /// True once the whole blob was read and both digests matched.
    pub fn verified(&self) -> bool {
        self.done && self.failure.is_none()
    }

    /// The precise error behind a failed `read`, if the failure was detected here.
    pub fn take_failure(&mut self) -> Option<ImageError> {
        self.failure.take()
    }

    fn fail(&mut self, e: ImageError) -> io::Error {
        let err = io::Error::other(e.to_string());
        self.failure = Some(e);
        err
    }

    fn finish(&mut self) -> io::Result<()> {
        self.done = true;
        let what = self.expect.what.clone();
        // Bytes after the compressed stream still belong to the blob and its digest.
        if let Err(e) = io::copy(self.decoder.comp(), &mut io::sink()) {
            return Err(self.fail(ImageError::Corrupt {
                what,
                format: "blob",
                detail: e.to_string(),
            }));
        }
        let tap = self.decoder.comp().get_mut();
        let count = tap.count;
        let digest = format!(
            "sha256:{}",
            hex(&std::mem::take(&mut tap.hasher).finalize())
        );
        self.compressed_count = count;
        if let Some(size) = self.expect.size {
            if size != count {
                return Err(self.fail(ImageError::SizeMismatch {
                    what,
                    expected: size,
                    actual: count,
                }));
            }
        }
        if let Some(expected) = self.expect.digest.clone() {
            if expected != digest {
                return Err(self.fail(ImageError::DigestMismatch {
                    what,
                    expected,
                    actual: digest,
                }));
            }
        }
        // An uncompressed blob is its own tar: one hash serves as digest and diff_id.
        let diff_id = if self.compression == Compression::None {
            digest
        } else {
            format!(
                "sha256:{}",
                hex(&std::mem::take(&mut self.plain).finalize())
            )
        };
        if let Some(expected) = self.expect.diff_id.clone() {
            if expected != diff_id {
                return Err(self.fail(ImageError::DigestMismatch {
                    what: format!("{what} (diff_id, uncompressed)"),
                    expected,
                    actual: diff_id,
                }));
            }
        }
        Ok(())
    }
}

impl Read for LayerReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done {
            return match &self.failure {
                Some(e) => Err(io::Error::other(e.to_string())),
                None => Ok(0),
            };
        }
        // Never ask for more than the limits allow, plus one byte to notice the overflow.
        let room = self
            .limits
            .layer
            .saturating_sub(self.plain_count)
            .saturating_add(1);
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = match self.decoder.read(&mut buf[..want]) {
            Ok(0) if !buf.is_empty() => {
                self.finish()?;
                return Ok(0);
            }
            Ok(n) => n,
            Err(e) => {
                self.done = true;
                let what = self.expect.what.clone();
                let format = self.compression.name();
                let err = if e.kind() == io::ErrorKind::UnexpectedEof {
                    ImageError::Truncated {
                        what,
                        detail: format!("{format} stream ends early: {e}"),
                    }
                } else {
                    ImageError::Corrupt {
                        what,
                        format,
                        detail: e.to_string(),
                    }
                };
                return Err(self.fail(err));
            }
        };
        self.plain_count += n as u64;
        if self.plain_count > self.limits.layer {
            self.done = true;
            let e = ImageError::LayerTooLarge {
                what: self.expect.what.clone(),
                limit: self.limits.layer,
            };
            return Err(self.fail(e));
        }
        let total = self
            .limits
            .image_total
            .fetch_add(n as u64, Ordering::Relaxed)
            + n as u64;
        if total > self.limits.image {
            self.done = true;
            let e = ImageError::ImageTooLarge {
                limit: self.limits.image,
            };
            return Err(self.fail(e));
        }
        if self.compression != Compression::None {
            self.plain.update(&buf[..n]);
        }
        Ok(n)
    }
}
