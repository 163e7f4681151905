//! Errors of image reading and layer streaming.

use std::path::PathBuf;

/// Everything that can go wrong while opening an image or streaming its layers.
/// Every variant names what it was reading, so the message alone is actionable.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a docker save archive or OCI image layout: {reason}")]
    NotAnImage { path: PathBuf, reason: String },
    #[error("{what}: invalid JSON: {message}")]
    Json { what: String, message: String },
    #[error("{what}: blob missing from the image ({location})")]
    MissingBlob { what: String, location: String },
    #[error("{what}: digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch {
        what: String,
        expected: String,
        actual: String,
    },
    #[error("{what}: size mismatch: expected {expected} bytes, got {actual}")]
    SizeMismatch {
        what: String,
        expected: u64,
        actual: u64,
    },
    #[error("{what}: truncated: {detail}")]
    Truncated { what: String, detail: String },
    #[error("{what}: corrupt {format} data: {detail}")]
    Corrupt {
        what: String,
        format: &'static str,
        detail: String,
    },
    #[error("{what}: more than {limit} uncompressed bytes (per-layer limit; possible decompression bomb)")]
    LayerTooLarge { what: String, limit: u64 },
    #[error("image: more than {limit} uncompressed bytes in all layers (per-image limit; possible decompression bomb)")]
    ImageTooLarge { limit: u64 },
    #[error("{what}: entry {path:?} declares {size} bytes, above the per-layer limit of {limit}")]
    AbsurdEntrySize {
        what: String,
        path: String,
        size: u64,
        limit: u64,
    },
    #[error("{what}: more than {limit} tar entries")]
    TooManyEntries { what: String, limit: u64 },
    #[error("no image for platform {wanted} (available: {available})")]
    NoMatchingPlatform { wanted: String, available: String },
    #[error("config lists {diff_ids} diff_ids but the manifest lists {layers} layers")]
    LayerCountMismatch { diff_ids: usize, layers: usize },
    #[error("{what}: unsafe entry name {name:?} (leaves the root or is absolute)")]
    UnsafePath { what: String, name: String },
    #[error("{0}")]
    Unsupported(String),
    /// A registry source failed: missing image, refused credentials, unreachable, TLS.
    #[error(transparent)]
    Registry(#[from] crate::registry::RegistryError),
    #[error("visitor failed on {path:?} in {what}: {source}")]
    Visitor {
        what: String,
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl ImageError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ImageError::Io {
            path: path.into(),
            source,
        }
    }
}
