//! Container images read from local sources (`docker save` archives, OCI image layouts) or
//! straight from a registry, and indexed in one streaming pass.
//!
//! ```no_run
//! use seaworthy_image::{Image, NoVisitor, RegistryOptions, ScanOptions};
//! // A path (docker save archive, OCI layout) or a registry reference, e.g.
//! // `ghcr.io/org/app:1.2` or `registry.example.com/app@sha256:...`.
//! let image = Image::open_any("app.tar", &RegistryOptions::default())?;
//! println!("user: {:?}", image.config.config.user);
//! let index = image.scan(&ScanOptions::default(), &mut NoVisitor)?;
//! println!("wasted: {} bytes, efficiency {:.2}", index.wasted_bytes(), index.efficiency());
//! # Ok::<(), seaworthy_image::ImageError>(())
//! ```
//!
//! Each layer is read once, decompressed on the fly (gzip, zstd or plain tar, by magic bytes),
//! its digest and diff_id verified at the end of its stream, and never written to disk. The index
//! keeps tar header metadata only; links are recorded and never followed.

mod auth;
mod config;
mod error;
mod image;
mod index;
mod registry;
mod scan;
mod store;
mod stream;
pub mod write;

pub use auth::Credentials;
pub use config::{ContainerConfig, Healthcheck, History, ImageConfig, RootFs};
pub use error::ImageError;
pub use image::{Image, Layer, Platform, SourceFormat};
pub use index::{
    Anomaly, AnomalyKind, EntryMeta, FileKind, FileRecord, FsIndex, HiddenHow, LayerStats,
};
pub use registry::{
    digest_exists, resolve_digest, DigestResolver, RegistryError, RegistryErrorKind,
    RegistryOptions, Resolved,
};
pub use scan::{NoVisitor, ScanOptions, Visitor};
pub use stream::{Compression, LayerReader};
