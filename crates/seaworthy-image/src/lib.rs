//! Container images read from local sources (`docker save` archives, OCI image layouts) and
//! indexed in one streaming pass.
//!
//! ```no_run
//! use seaworthy_image::{Image, NoVisitor, ScanOptions};
//! let image = Image::open("app.tar", None)?;
//! println!("user: {:?}", image.config.config.user);
//! let index = image.scan(&ScanOptions::default(), &mut NoVisitor)?;
//! println!("wasted: {} bytes, efficiency {:.2}", index.wasted_bytes(), index.efficiency());
//! # Ok::<(), seaworthy_image::ImageError>(())
//! ```
//!
//! Each layer is read once, decompressed on the fly (gzip, zstd or plain tar, by magic bytes),
//! its digest and diff_id verified at the end of its stream, and never written to disk. The index
//! keeps tar header metadata only; links are recorded and never followed.

mod config;
mod error;
mod image;
mod index;
mod scan;
mod store;
mod stream;

pub use config::{ContainerConfig, Healthcheck, History, ImageConfig, RootFs};
pub use error::ImageError;
pub use image::{Image, Layer, Platform, SourceFormat};
pub use index::{
    Anomaly, AnomalyKind, EntryMeta, FileKind, FileRecord, FsIndex, HiddenHow, LayerStats,
};
pub use scan::{NoVisitor, ScanOptions, Visitor};
pub use stream::{Compression, LayerReader};
