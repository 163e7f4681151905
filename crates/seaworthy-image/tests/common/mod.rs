//! Builds images for the tests: layer tars, compression, digests, docker save archives and OCI
//! layouts, all written by hand (no daemon, nothing downloaded).
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub fn sha256(bytes: &[u8]) -> String {
    format!(
        "sha256:{}",
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

pub fn hex(digest: &str) -> &str {
    digest.strip_prefix("sha256:").unwrap()
}

/// A layer tar written entry by entry. Names are written verbatim (so `../x` and `/x` can be
/// tested), which the `tar` crate's path setters would refuse.
pub struct LayerTar {
    builder: tar::Builder<Vec<u8>>,
}

impl Default for LayerTar {
    fn default() -> Self {
        Self::new()
    }
}

impl LayerTar {
    pub fn new() -> Self {
        LayerTar {
            builder: tar::Builder::new(Vec::new()),
        }
    }

    fn header(name: &str, kind: tar::EntryType, size: u64, mode: u32) -> tar::Header {
        let mut h = tar::Header::new_ustar();
        let bytes = name.as_bytes();
        assert!(bytes.len() < 100, "test names stay short");
        h.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
        h.set_entry_type(kind);
        h.set_size(size);
        h.set_mode(mode);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(1_700_000_000);
        h.set_cksum();
        h
    }

    pub fn file(mut self, name: &str, data: &[u8]) -> Self {
        self = self.file_mode(name, data, 0o644);
        self
    }

    pub fn file_mode(mut self, name: &str, data: &[u8], mode: u32) -> Self {
        let h = Self::header(name, tar::EntryType::Regular, data.len() as u64, mode);
        self.builder.append(&h, data).unwrap();
        self
    }

    pub fn file_owned(mut self, name: &str, data: &[u8], uid: u64, gid: u64) -> Self {
        let mut h = Self::header(name, tar::EntryType::Regular, data.len() as u64, 0o600);
        h.set_uid(uid);
        h.set_gid(gid);
        h.set_cksum();
        self.builder.append(&h, data).unwrap();
        self
    }

    /// A large file streamed from a reader (no need to hold it).
    pub fn file_from(mut self, name: &str, size: u64, data: impl std::io::Read) -> Self {
        let h = Self::header(name, tar::EntryType::Regular, size, 0o644);
        self.builder.append(&h, data).unwrap();
        self
    }

    pub fn dir(mut self, name: &str) -> Self {
        let h = Self::header(name, tar::EntryType::Directory, 0, 0o755);
        self.builder.append(&h, std::io::empty()).unwrap();
        self
    }

    fn link(mut self, name: &str, target: &str, kind: tar::EntryType) -> Self {
        let mut h = Self::header(name, kind, 0, 0o777);
        let t = target.as_bytes();
        h.as_old_mut().linkname[..t.len()].copy_from_slice(t);
        h.set_cksum();
        self.builder.append(&h, std::io::empty()).unwrap();
        self
    }

    pub fn symlink(self, name: &str, target: &str) -> Self {
        self.link(name, target, tar::EntryType::Symlink)
    }

    pub fn hardlink(self, name: &str, target: &str) -> Self {
        self.link(name, target, tar::EntryType::Link)
    }

    /// `.wh.<base>` next to `path`.
    pub fn whiteout(self, path: &str) -> Self {
        let name = match path.rsplit_once('/') {
            Some((d, b)) => format!("{d}/.wh.{b}"),
            None => format!(".wh.{path}"),
        };
        self.file(&name, b"")
    }

    pub fn opaque(self, dir: &str) -> Self {
        self.file(&format!("{dir}/.wh..wh..opq"), b"")
    }

    /// A header whose size field claims `size` bytes, followed by no data.
    pub fn absurd(self, name: &str, size: u64) -> Vec<u8> {
        let mut h = Self::header(name, tar::EntryType::Regular, 0, 0o644);
        h.set_size(size);
        h.set_cksum();
        let mut out = self.builder.get_ref().clone();
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(&[0u8; 1024]);
        out
    }

    pub fn finish(self) -> Vec<u8> {
        self.builder.into_inner().unwrap()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comp {
    None,
    Gzip,
    Zstd,
}

pub fn compress(tar: &[u8], comp: Comp) -> Vec<u8> {
    match comp {
        Comp::None => tar.to_vec(),
        Comp::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(tar).unwrap();
            e.finish().unwrap()
        }
        Comp::Zstd => zstd::encode_all(tar, 3).unwrap(),
    }
}

fn media_type(comp: Comp) -> &'static str {
    match comp {
        Comp::None => "application/vnd.oci.image.layer.v1.tar",
        Comp::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
        Comp::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
    }
}

/// One layer: its tar (for the diff_id) and its stored blob.
#[derive(Clone)]
pub struct BuiltLayer {
    pub tar: Vec<u8>,
    pub blob: Vec<u8>,
    pub comp: Comp,
}

impl BuiltLayer {
    pub fn new(tar: Vec<u8>, comp: Comp) -> Self {
        BuiltLayer {
            blob: compress(&tar, comp),
            tar,
            comp,
        }
    }
}

/// An image before it is written: layers and the `config` section of the config.
#[derive(Clone)]
pub struct TestImage {
    pub layers: Vec<BuiltLayer>,
    pub runtime: Value,
    pub arch: String,
    pub history: Option<Value>,
    /// Replaces the computed diff_ids when set.
    pub diff_ids: Option<Vec<String>>,
}

impl TestImage {
    pub fn new(layers: Vec<BuiltLayer>) -> Self {
        TestImage {
            layers,
            runtime: json!({"User": "1000", "Cmd": ["/app/run"]}),
            arch: "amd64".into(),
            history: None,
            diff_ids: None,
        }
    }

    pub fn config_json(&self) -> Vec<u8> {
        let diff_ids: Vec<String> = self
            .diff_ids
            .clone()
            .unwrap_or_else(|| self.layers.iter().map(|l| sha256(&l.tar)).collect());
        let history = self.history.clone().unwrap_or_else(|| {
            Value::Array(
                (0..self.layers.len())
                    .map(|i| json!({"created_by": format!("step {i}")}))
                    .collect(),
            )
        });
        serde_json::to_vec(&json!({
            "architecture": self.arch,
            "os": "linux",
            "config": self.runtime,
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": history,
        }))
        .unwrap()
    }
}

/// A content-addressed blob store under construction; becomes a directory or a tar.
#[derive(Default)]
pub struct Files {
    pub files: Vec<(String, Vec<u8>)>,
    pub symlinks: Vec<(String, String)>,
}

impl Files {
    pub fn blob(&mut self, bytes: Vec<u8>) -> String {
        let d = sha256(&bytes);
        let name = format!("blobs/sha256/{}", hex(&d));
        if !self.files.iter().any(|(n, _)| *n == name) {
            self.files.push((name, bytes));
        }
        d
    }

    pub fn add(&mut self, name: &str, bytes: Vec<u8>) {
        self.files.push((name.to_string(), bytes));
    }

    pub fn remove(&mut self, name: &str) {
        self.files.retain(|(n, _)| n != name);
    }

    pub fn get_mut(&mut self, name: &str) -> &mut Vec<u8> {
        &mut self.files.iter_mut().find(|(n, _)| n == name).unwrap().1
    }

    pub fn write_dir(&self, dir: &Path) {
        for (name, bytes) in &self.files {
            let p = dir.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
    }

    pub fn tar_bytes(&self) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, bytes) in &self.files {
            let mut h = tar::Header::new_gnu();
            h.set_size(bytes.len() as u64);
            h.set_mode(0o644);
            b.append_data(&mut h, name, &bytes[..]).unwrap();
        }
        for (name, target) in &self.symlinks {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_size(0);
            b.append_link(&mut h, name, target).unwrap();
        }
        b.into_inner().unwrap()
    }

    pub fn write_tar(&self, path: &Path) {
        std::fs::write(path, self.tar_bytes()).unwrap();
    }
}

/// Writes the image's manifest and blobs; returns the manifest descriptor.
pub fn oci_manifest(files: &mut Files, img: &TestImage, platform: bool) -> Value {
    let config = img.config_json();
    let config_len = config.len();
    let config_digest = files.blob(config);
    let layers: Vec<Value> = img
        .layers
        .iter()
        .map(|l| {
            let size = l.blob.len();
            let d = files.blob(l.blob.clone());
            json!({"mediaType": media_type(l.comp), "digest": d, "size": size})
        })
        .collect();
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_len},
        "layers": layers,
    }))
    .unwrap();
    let size = manifest.len();
    let d = files.blob(manifest);
    let mut desc = json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d, "size": size});
    if platform {
        desc["platform"] = json!({"os": "linux", "architecture": img.arch});
    }
    desc
}

pub fn oci_index(files: &mut Files, manifests: Vec<Value>) {
    files.add("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec());
    files.add(
        "index.json",
        serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests})).unwrap(),
    );
}

/// A single-image OCI layout.
pub fn oci_layout(img: &TestImage) -> Files {
    let mut files = Files::default();
    let desc = oci_manifest(&mut files, img, false);
    oci_index(&mut files, vec![desc]);
    files
}

/// Docker's classic `docker save`: `<id>/layer.tar`, `<config hex>.json`, manifest.json.
/// Layers are stored uncompressed, as docker save does.
pub fn docker_legacy(img: &TestImage) -> Files {
    let mut files = Files::default();
    let config = img.config_json();
    let config_name = format!("{}.json", hex(&sha256(&config)));
    files.add(&config_name, config);
    let mut names = Vec::new();
    for (i, l) in img.layers.iter().enumerate() {
        let name = format!("{:064x}/layer.tar", i + 1);
        files.add(&name, l.tar.clone());
        names.push(name);
    }
    files.add(
        "manifest.json",
        serde_json::to_vec(
            &json!([{"Config": config_name, "RepoTags": ["app:1"], "Layers": names}]),
        )
        .unwrap(),
    );
    files
}

/// Docker 25+ `docker save`: OCI blobs plus manifest.json naming `blobs/sha256/...`, and legacy
/// `<id>/layer.tar` symlinks into the blobs.
pub fn docker25(img: &TestImage) -> Files {
    let mut files = Files::default();
    let desc = oci_manifest(&mut files, img, false);
    oci_index(&mut files, vec![desc]);
    let config = img.config_json();
    let config_name = format!("blobs/sha256/{}", hex(&sha256(&config)));
    let names: Vec<String> = img
        .layers
        .iter()
        .map(|l| format!("blobs/sha256/{}", hex(&sha256(&l.blob))))
        .collect();
    for (i, n) in names.iter().enumerate() {
        files
            .symlinks
            .push((format!("{:064x}/layer.tar", i + 1), format!("../{n}")));
    }
    files.add(
        "manifest.json",
        serde_json::to_vec(
            &json!([{"Config": config_name, "RepoTags": ["app:1"], "Layers": names}]),
        )
        .unwrap(),
    );
    files
}
