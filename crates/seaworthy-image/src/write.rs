//! Writing images: layer tars built entry by entry, saved as a `docker save` archive or an OCI
//! image layout. For tests and fixtures that need a real image without a daemon or a download;
//! what is written is read back by [`crate::Image::open`] like any other image.
//!
//! ```
//! use seaworthy_image::write::{ImageWriter, LayerBuilder};
//! let base = LayerBuilder::new().dir("/app", 0o755, 1000, 1000).file("/app/run", b"#!/bin/sh\n", 0o755);
//! let mut image = ImageWriter::new(r#"{"User": "1000"}"#);
//! image.layer(base.finish(), "COPY run /app/run");
//! let dir = std::env::temp_dir().join(format!("sw-write-doc-{}", std::process::id()));
//! image.oci_layout(&dir).unwrap();
//! let opened = seaworthy_image::Image::open(&dir, None).unwrap();
//! assert_eq!(opened.layers.len(), 1);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use std::io::{self, Write};
use std::path::Path;

use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

fn digest(bytes: &[u8]) -> String {
    let hex: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256:{hex}")
}

fn hex(digest: &str) -> &str {
    digest.trim_start_matches("sha256:")
}

/// One layer's tar, entry by entry. Paths may be written with or without the leading `/`.
pub struct LayerBuilder {
    tar: tar::Builder<Vec<u8>>,
}

impl Default for LayerBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl LayerBuilder {
    pub fn new() -> Self {
        LayerBuilder {
            tar: tar::Builder::new(Vec::new()),
        }
    }

    fn append(
        mut self,
        path: &str,
        kind: tar::EntryType,
        data: &[u8],
        mode: u32,
        owner: (u64, u64),
        link: Option<&str>,
    ) -> Self {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_size(data.len() as u64);
        h.set_mode(mode);
        h.set_uid(owner.0);
        h.set_gid(owner.1);
        h.set_mtime(1_700_000_000);
        let name = path.trim_start_matches('/');
        let name = if name.is_empty() { "." } else { name };
        let result = match link {
            Some(target) => self.tar.append_link(&mut h, name, target),
            None => self.tar.append_data(&mut h, name, data),
        };
        result.unwrap_or_else(|e| panic!("cannot add {path:?} to a layer: {e}"));
        self
    }

    /// A regular file owned by root.
    pub fn file(self, path: &str, data: &[u8], mode: u32) -> Self {
        self.append(path, tar::EntryType::Regular, data, mode, (0, 0), None)
    }

    /// A regular file with an owner.
    pub fn file_owned(self, path: &str, data: &[u8], mode: u32, uid: u64, gid: u64) -> Self {
        self.append(path, tar::EntryType::Regular, data, mode, (uid, gid), None)
    }

    pub fn dir(self, path: &str, mode: u32, uid: u64, gid: u64) -> Self {
        self.append(path, tar::EntryType::Directory, b"", mode, (uid, gid), None)
    }

    pub fn symlink(self, path: &str, target: &str) -> Self {
        self.append(
            path,
            tar::EntryType::Symlink,
            b"",
            0o777,
            (0, 0),
            Some(target),
        )
    }

    /// Deletes `path` (and everything below it) of the layers beneath: `.wh.<name>`.
    pub fn whiteout(self, path: &str) -> Self {
        let path = path.trim_end_matches('/');
        let name = match path.rsplit_once('/') {
            Some((dir, base)) => format!("{dir}/.wh.{base}"),
            None => format!(".wh.{path}"),
        };
        self.file(&name, b"", 0o644)
    }

    /// Hides everything below `dir` in the layers beneath: `.wh..wh..opq`.
    pub fn opaque(self, dir: &str) -> Self {
        let dir = dir.trim_end_matches('/');
        self.file(&format!("{dir}/.wh..wh..opq"), b"", 0o644)
    }

    pub fn finish(self) -> Vec<u8> {
        self.tar
            .into_inner()
            .expect("writing a tar to memory cannot fail")
    }
}

/// An image to write: the runtime config (the `config` key: `User`, `Env`, `Healthcheck`, …),
/// layers with the step that made each, and steps without a layer.
pub struct ImageWriter {
    runtime: Value,
    layers: Vec<Vec<u8>>,
    history: Vec<Value>,
    pub architecture: String,
    pub os: String,
}

impl ImageWriter {
    /// `runtime` is the JSON text of the `config` key, e.g. `{"User": "1000"}`.
    pub fn new(runtime: &str) -> Self {
        let runtime: Value = serde_json::from_str(runtime)
            .unwrap_or_else(|e| panic!("runtime config {runtime:?} is not JSON: {e}"));
        ImageWriter {
            runtime,
            layers: Vec::new(),
            history: Vec::new(),
            architecture: "amd64".into(),
            os: "linux".into(),
        }
    }

    /// Adds a layer (an uncompressed tar) made by `created_by`.
    pub fn layer(&mut self, tar: Vec<u8>, created_by: &str) -> &mut Self {
        self.layers.push(tar);
        self.history.push(json!({"created_by": created_by}));
        self
    }

    /// Adds a history step without a layer (`ENV`, `USER`, `ARG` …).
    pub fn step(&mut self, created_by: &str) -> &mut Self {
        self.history
            .push(json!({"created_by": created_by, "empty_layer": true}));
        self
    }

    /// Sets (or with `None` removes) one key of the runtime config to JSON text:
    /// `set("User", Some(r#""0""#))`.
    pub fn set(&mut self, key: &str, json_text: Option<&str>) -> &mut Self {
        match json_text {
            Some(text) => {
                let value: Value = serde_json::from_str(text)
                    .unwrap_or_else(|e| panic!("{key}: {text:?} is not JSON: {e}"));
                self.runtime[key] = value;
            }
            None => {
                if let Some(map) = self.runtime.as_object_mut() {
                    map.remove(key);
                }
            }
        }
        self
    }

    /// The config blob.
    pub fn config_json(&self) -> Vec<u8> {
        let diff_ids: Vec<String> = self.layers.iter().map(|l| digest(l)).collect();
        serde_json::to_vec(&json!({
            "architecture": self.architecture,
            "os": self.os,
            "created": "2024-01-01T00:00:00Z",
            "config": self.runtime,
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": self.history,
        }))
        .expect("JSON values serialise")
    }

    /// A classic `docker save` archive (one tar file: `<n>/layer.tar`, `<config>.json`,
    /// `manifest.json`), tagged `tag`.
    pub fn docker_archive(&self, path: &Path, tag: &str) -> io::Result<()> {
        let config = self.config_json();
        let config_name = format!("{}.json", hex(&digest(&config)));
        let mut out = tar::Builder::new(io::BufWriter::new(std::fs::File::create(path)?));
        let mut add = |name: &str, bytes: &[u8]| -> io::Result<()> {
            let mut h = tar::Header::new_gnu();
            h.set_size(bytes.len() as u64);
            h.set_mode(0o644);
            h.set_mtime(1_700_000_000);
            out.append_data(&mut h, name, bytes)
        };
        add(&config_name, &config)?;
        let mut names = Vec::new();
        for (i, layer) in self.layers.iter().enumerate() {
            let name = format!("{:064x}/layer.tar", i + 1);
            add(&name, layer)?;
            names.push(name);
        }
        let manifest = json!([{"Config": config_name, "RepoTags": [tag], "Layers": names}]);
        add("manifest.json", &serde_json::to_vec(&manifest)?)?;
        out.into_inner()?.flush()
    }

    /// An OCI image layout directory with gzip-compressed layers.
    pub fn oci_layout(&self, dir: &Path) -> io::Result<()> {
        let blobs = dir.join("blobs/sha256");
        std::fs::create_dir_all(&blobs)?;
        let manifest = image_blobs(self, &blobs)?;
        std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
        let index = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [manifest],
        });
        std::fs::write(dir.join("index.json"), serde_json::to_vec(&index)?)
    }
}

/// The blobs of one image (config, gzip-compressed layers, manifest) written into the
/// `blobs/sha256` directory of an OCI layout; the manifest's descriptor, with the image's
/// platform.
fn image_blobs(image: &ImageWriter, blobs: &Path) -> io::Result<Value> {
    let put = |bytes: &[u8]| -> io::Result<(String, usize)> {
        let d = digest(bytes);
        std::fs::write(blobs.join(hex(&d)), bytes)?;
        Ok((d, bytes.len()))
    };
    let (config_digest, config_size) = put(&image.config_json())?;
    let mut layers = Vec::new();
    for layer in &image.layers {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(layer)?;
        let (d, size) = put(&gz.finish()?)?;
        layers.push(json!({
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": d,
            "size": size,
        }));
    }
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": config_digest,
            "size": config_size,
        },
        "layers": layers,
    });
    let (manifest_digest, manifest_size) = put(&serde_json::to_vec(&manifest)?)?;
    let platform = json!({"os": image.os, "architecture": image.architecture});
    Ok(json!({
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": manifest_digest,
        "size": manifest_size,
        "platform": platform,
    }))
}

/// A multi-platform image: an OCI image index over one image per platform (each
/// [`ImageWriter`]'s `os` and `architecture`), as `docker buildx build --platform
/// linux/amd64,linux/arm64` pushes it.
pub struct IndexWriter<'a> {
    pub images: Vec<&'a ImageWriter>,
}

impl IndexWriter<'_> {
    /// An OCI image layout directory whose `index.json` names one image, the multi-platform
    /// index (a blob of its own, so that `skopeo copy --all oci:DIR docker://…` pushes it as
    /// the tag's manifest). Returns the digest of the index blob.
    pub fn oci_layout(&self, dir: &Path) -> io::Result<String> {
        let blobs = dir.join("blobs/sha256");
        std::fs::create_dir_all(&blobs)?;
        let manifests = self
            .images
            .iter()
            .map(|image| image_blobs(image, &blobs))
            .collect::<io::Result<Vec<Value>>>()?;
        let index = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": manifests,
        }))?;
        let index_digest = digest(&index);
        std::fs::write(blobs.join(hex(&index_digest)), &index)?;
        std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
        let top = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "digest": index_digest,
                "size": index.len(),
            }],
        });
        std::fs::write(dir.join("index.json"), serde_json::to_vec(&top)?)?;
        Ok(index_digest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FileKind, HiddenHow, Image, NoVisitor, ScanOptions, SourceFormat};

    fn sample() -> ImageWriter {
        let mut w = ImageWriter::new(r#"{"User": "1000:1000", "Env": ["A=b"]}"#);
        w.layer(
            LayerBuilder::new()
                .dir("/etc", 0o755, 0, 0)
                .file("/etc/passwd", b"root:x:0:0::/root:/bin/sh\n", 0o644)
                .file("/secret", b"x", 0o600)
                .symlink("/bin", "usr/bin")
                .finish(),
            "ADD rootfs.tar /",
        );
        w.step("ENV A=b");
        w.layer(
            LayerBuilder::new()
                .whiteout("/secret")
                .file_owned("/data/x", b"yy", 0o640, 1000, 1000)
                .finish(),
            "RUN rm /secret",
        );
        w
    }

    fn check(image: &Image) {
        assert_eq!(image.layers.len(), 2);
        assert_eq!(image.config.config.user.as_deref(), Some("1000:1000"));
        assert_eq!(
            image.layers[1].created_by.as_deref(),
            Some("RUN rm /secret")
        );
        let index = image.scan(&ScanOptions::default(), &mut NoVisitor).unwrap();
        let secret = index.history_of("/secret").next().unwrap();
        assert_eq!(secret.hidden, Some((1, HiddenHow::Deleted)));
        let x = index.get("/data/x").unwrap();
        assert_eq!((x.meta.uid, x.meta.mode, x.meta.size), (1000, 0o640, 2));
        assert_eq!(index.get("/bin").unwrap().meta.kind, FileKind::Symlink);
    }

    #[test]
    fn a_multi_platform_layout_reads_back_per_platform() {
        let dir = tempfile::tempdir().unwrap();
        let amd = sample();
        let mut arm = sample();
        arm.architecture = "arm64".into();
        arm.set("User", Some(r#""2000""#));
        let layout = dir.path().join("multi");
        let index_digest = IndexWriter {
            images: vec![&amd, &arm],
        }
        .oci_layout(&layout)
        .unwrap();
        let index_bytes =
            std::fs::read(layout.join("blobs/sha256").join(hex(&index_digest))).unwrap();
        assert_eq!(digest(&index_bytes), index_digest);
        let index: Value = serde_json::from_slice(&index_bytes).unwrap();
        let platforms: Vec<&str> = index["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["platform"]["architecture"].as_str().unwrap())
            .collect();
        assert_eq!(platforms, ["amd64", "arm64"]);
        let arm64: crate::Platform = "linux/arm64".parse().unwrap();
        let image = Image::open(&layout, Some(&arm64)).unwrap();
        assert_eq!(image.config.architecture, "arm64");
        assert_eq!(image.config.config.user.as_deref(), Some("2000"));
        let image = Image::open(&layout, None).unwrap();
        assert_eq!(image.config.architecture, "amd64");
        check(&image);
    }

    #[test]
    fn written_images_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let w = sample();
        let tar = dir.path().join("a.tar");
        w.docker_archive(&tar, "app:1").unwrap();
        let image = Image::open(&tar, None).unwrap();
        assert_eq!(image.format, SourceFormat::DockerArchive);
        assert_eq!(image.repo_tags, ["app:1"]);
        check(&image);
        let oci = dir.path().join("oci");
        w.oci_layout(&oci).unwrap();
        let image = Image::open(&oci, None).unwrap();
        assert_eq!(image.format, SourceFormat::OciLayout);
        check(&image);
    }
}
