//! Opening an image: docker save archives (legacy and Docker 25+) and OCI image layouts.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use oci_spec::image::{Descriptor, ImageIndex, ImageManifest, MediaType};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use crate::config::{History, ImageConfig};
use crate::error::ImageError;
use crate::registry::RegistryOptions;
use crate::store::Store;

pub(crate) const JSON_LIMIT: u64 = 16 << 20;
const MAX_INDEX_DEPTH: usize = 8;

/// `os/arch[/variant]`, e.g. `linux/amd64`, `linux/arm64/v8`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Default for Platform {
    fn default() -> Self {
        Platform {
            os: "linux".into(),
            architecture: "amd64".into(),
            variant: None,
        }
    }
}

impl FromStr for Platform {
    type Err = ImageError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split('/').collect();
        match parts.as_slice() {
            [os, arch] | [os, arch, _] if !os.is_empty() && !arch.is_empty() => Ok(Platform {
                os: os.to_string(),
                architecture: normalize_arch(arch).to_string(),
                variant: parts.get(2).map(|v| v.to_string()),
            }),
            _ => Err(ImageError::Unsupported(format!(
                "platform {s:?}: expected os/arch[/variant], e.g. linux/amd64"
            ))),
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

fn normalize_arch(a: &str) -> &str {
    match a {
        "x86_64" | "x86-64" => "amd64",
        "aarch64" => "arm64",
        a => a,
    }
}

impl Platform {
    /// True when an image for `other` satisfies a request for `self`. A variant is compared only
    /// when both name one; arm64's missing variant means v8.
    pub fn matches(&self, other: &Platform) -> bool {
        let arch = normalize_arch(&self.architecture);
        if self.os != other.os || arch != normalize_arch(&other.architecture) {
            return false;
        }
        let default_variant = |p: &Platform| -> Option<String> {
            p.variant
                .clone()
                .or_else(|| (arch == "arm64").then(|| "v8".to_string()))
        };
        match (default_variant(self), default_variant(other)) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
    }
}

/// Which kind of source the image came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// `docker save` (legacy layout, or Docker 25+ with `blobs/sha256/`), found by `manifest.json`.
    DockerArchive,
    /// OCI image layout (directory or tar), found by `index.json`.
    OciLayout,
    /// A registry, over the OCI distribution API.
    Registry,
}

/// One layer of the image.
#[derive(Debug, Clone)]
pub struct Layer {
    pub index: usize,
    /// `sha256:...` of the stored blob; `None` for legacy docker save layers (their names are not
    /// digests; the diff_id still verifies their content).
    pub digest: Option<String>,
    pub media_type: Option<String>,
    /// Stored (compressed) size in bytes.
    pub size: u64,
    /// `sha256:...` of the uncompressed tar, from the config.
    pub diff_id: String,
    /// `created_by` of the history step that made it, if the history lines up.
    pub created_by: Option<String>,
    pub(crate) location: String,
    pub(crate) size_declared: bool,
}

/// An opened image: config, history, layers; layer bytes are read only when scanned.
#[derive(Debug)]
pub struct Image {
    pub(crate) store: Store,
    pub format: SourceFormat,
    pub config: ImageConfig,
    pub config_digest: Option<String>,
    pub manifest_digest: Option<String>,
    pub repo_tags: Vec<String>,
    pub layers: Vec<Layer>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerManifestEntry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    #[serde(default)]
    layers: Vec<String>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(crate) fn json<T: for<'de> Deserialize<'de>>(
    bytes: &[u8],
    what: &str,
) -> Result<T, ImageError> {
    serde_json::from_slice(bytes).map_err(|e| ImageError::Json {
        what: what.to_string(),
        message: e.to_string(),
    })
}

/// `blobs/sha256/<hex>` for a `sha256:<hex>` digest; other algorithms or malformed hex are refused
/// (so a digest can never name a path outside `blobs/`).
pub(crate) fn blob_path(digest: &str) -> Result<String, ImageError> {
    match digest.split_once(':') {
        Some(("sha256", hex))
            if hex.len() == 64
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) =>
        {
            Ok(format!("blobs/sha256/{hex}"))
        }
        _ => Err(ImageError::Unsupported(format!(
            "digest {digest:?}: only sha256 digests are supported"
        ))),
    }
}

/// The digest a docker save name stands for: `blobs/sha256/<hex>` or `<hex>.json`.
fn digest_in_name(name: &str) -> Option<String> {
    let base = name
        .strip_prefix("blobs/sha256/")
        .or_else(|| name.strip_suffix(".json"))?;
    (base.len() == 64 && base.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("sha256:{base}"))
}

pub(crate) fn verify(bytes: &[u8], expected: &str, what: &str) -> Result<(), ImageError> {
    let actual = format!("sha256:{}", sha256_hex(bytes));
    if actual != expected {
        return Err(ImageError::DigestMismatch {
            what: what.to_string(),
            expected: expected.to_string(),
            actual,
        });
    }
    Ok(())
}

impl Image {
    /// Opens a docker save archive or an OCI layout (directory or tar). `platform` picks among the
    /// images of a multi-platform index (default linux/amd64).
    pub fn open(path: impl AsRef<Path>, platform: Option<&Platform>) -> Result<Image, ImageError> {
        let path = path.as_ref();
        let store = Store::open(path)?;
        let wanted = platform.cloned().unwrap_or_default();
        if store.exists("manifest.json") {
            Self::open_docker(store)
        } else if store.exists("index.json") {
            Self::open_oci(store, &wanted)
        } else {
            Err(ImageError::NotAnImage {
                path: path.to_path_buf(),
                reason: "neither manifest.json (docker save) nor index.json (OCI layout) found"
                    .into(),
            })
        }
    }

    /// Opens `reference` (`[registry/]repo[:tag][@sha256:...]`, Docker Hub by default) from its
    /// registry. Layers are streamed from the registry when scanned, never stored.
    pub fn open_reference(reference: &str, opts: &RegistryOptions) -> Result<Image, ImageError> {
        crate::registry::open(reference, opts)
    }

    /// Opens `spec` as a local image when it names an existing file or directory (or looks like
    /// a path: starts with `/`, `.` or `~`, or ends in `.tar`), else as a registry reference;
    /// `docker://REF` is always a reference. `opts.platform` applies to both.
    pub fn open_any(spec: &str, opts: &RegistryOptions) -> Result<Image, ImageError> {
        if spec.starts_with("docker://") {
            return Self::open_reference(spec, opts);
        }
        let path = Path::new(spec);
        let looks_like_path =
            spec.starts_with(['/', '.', '~']) || spec.ends_with(".tar") || spec.contains('\\');
        if path.exists() || looks_like_path {
            Self::open(path, opts.platform.as_ref())
        } else {
            Self::open_reference(spec, opts)
        }
    }

    fn open_docker(store: Store) -> Result<Image, ImageError> {
        let bytes = store.read_small("manifest.json", "manifest.json", JSON_LIMIT)?;
        let entries: Vec<DockerManifestEntry> = json(&bytes, "manifest.json")?;
        let Some(entry) = entries.into_iter().next() else {
            return Err(ImageError::NotAnImage {
                path: store.display().into(),
                reason: "manifest.json lists no image".into(),
            });
        };
        let config_bytes = store.read_small(&entry.config, "image config", JSON_LIMIT)?;
        let config_digest = digest_in_name(&entry.config);
        if let Some(d) = &config_digest {
            verify(&config_bytes, d, "image config")?;
        }
        let config: ImageConfig = json(&config_bytes, "image config")?;
        let layers = entry
            .layers
            .iter()
            .map(|name| {
                let size = store_len(&store, name)?;
                Ok(Layer {
                    index: 0,
                    digest: name
                        .starts_with("blobs/sha256/")
                        .then(|| digest_in_name(name))
                        .flatten(),
                    media_type: None,
                    size,
                    diff_id: String::new(),
                    created_by: None,
                    location: name.clone(),
                    size_declared: false,
                })
            })
            .collect::<Result<Vec<_>, ImageError>>()?;
        Self::finish(
            store,
            SourceFormat::DockerArchive,
            config,
            config_digest,
            None,
            entry.repo_tags.unwrap_or_default(),
            layers,
        )
    }

    fn open_oci(store: Store, wanted: &Platform) -> Result<Image, ImageError> {
        let bytes = store.read_small("index.json", "index.json", JSON_LIMIT)?;
        let index = ImageIndex::from_reader(&bytes[..]).map_err(|e| ImageError::Json {
            what: "index.json".into(),
            message: e.to_string(),
        })?;
        let mut candidates: Vec<(Descriptor, Option<Platform>)> = Vec::new();
        collect_manifests(&store, index.manifests(), 0, &mut candidates)?;
        let pick = if candidates.len() == 1 && candidates[0].1.is_none() {
            Some(candidates.remove(0))
        } else {
            let pos = candidates
                .iter()
                .position(|(_, p)| p.as_ref().is_some_and(|p| wanted.matches(p)))
                .or_else(|| {
                    // Images without a platform in the index (single-image layouts): only if unique.
                    let unnamed: Vec<usize> = (0..candidates.len())
                        .filter(|&i| candidates[i].1.is_none())
                        .collect();
                    (unnamed.len() == 1 && candidates.iter().all(|(_, p)| p.is_none()))
                        .then(|| unnamed[0])
                });
            pos.map(|i| candidates.remove(i))
        };
        let Some((desc, _)) = pick else {
            let available: Vec<String> = candidates
                .iter()
                .map(|(_, p)| p.as_ref().map_or("unknown".to_string(), |p| p.to_string()))
                .collect();
            return Err(ImageError::NoMatchingPlatform {
                wanted: wanted.to_string(),
                available: if available.is_empty() {
                    "none".into()
                } else {
                    available.join(", ")
                },
            });
        };
        let manifest_digest = desc.digest().to_string();
        let mbytes =
            store.read_small(&blob_path(&manifest_digest)?, "image manifest", JSON_LIMIT)?;
        verify(&mbytes, &manifest_digest, "image manifest")?;
        let manifest = ImageManifest::from_reader(&mbytes[..]).map_err(|e| ImageError::Json {
            what: "image manifest".into(),
            message: e.to_string(),
        })?;
        let config_digest = manifest.config().digest().to_string();
        let config_bytes =
            store.read_small(&blob_path(&config_digest)?, "image config", JSON_LIMIT)?;
        verify(&config_bytes, &config_digest, "image config")?;
        let config: ImageConfig = json(&config_bytes, "image config")?;
        let layers = manifest
            .layers()
            .iter()
            .map(|d| {
                let digest = d.digest().to_string();
                Ok(Layer {
                    index: 0,
                    location: blob_path(&digest)?,
                    digest: Some(digest),
                    media_type: Some(d.media_type().to_string()),
                    size: d.size(),
                    diff_id: String::new(),
                    created_by: None,
                    size_declared: true,
                })
            })
            .collect::<Result<Vec<_>, ImageError>>()?;
        Self::finish(
            store,
            SourceFormat::OciLayout,
            config,
            Some(config_digest),
            Some(manifest_digest),
            Vec::new(),
            layers,
        )
    }

    pub(crate) fn finish(
        store: Store,
        format: SourceFormat,
        config: ImageConfig,
        config_digest: Option<String>,
        manifest_digest: Option<String>,
        repo_tags: Vec<String>,
        mut layers: Vec<Layer>,
    ) -> Result<Image, ImageError> {
        let diff_ids = &config.rootfs.diff_ids;
        if diff_ids.len() != layers.len() {
            return Err(ImageError::LayerCountMismatch {
                diff_ids: diff_ids.len(),
                layers: layers.len(),
            });
        }
        let mut steps = config
            .history
            .iter()
            .filter(|h| !h.empty_layer)
            .map(|h| h.created_by.clone());
        let history_lines_up =
            config.history.iter().filter(|h| !h.empty_layer).count() == layers.len();
        for (i, layer) in layers.iter_mut().enumerate() {
            layer.index = i;
            blob_path(&diff_ids[i])?; // validates the diff_id's form
            layer.diff_id = diff_ids[i].clone();
            layer.created_by = if history_lines_up {
                steps.next().flatten()
            } else {
                None
            };
        }
        Ok(Image {
            store,
            format,
            config,
            config_digest,
            manifest_digest,
            repo_tags,
            layers,
        })
    }

    /// The build history (including steps without a layer).
    pub fn history(&self) -> &[History] {
        &self.config.history
    }

    /// The platform the config declares.
    pub fn platform(&self) -> Platform {
        Platform {
            os: self.config.os.clone(),
            architecture: self.config.architecture.clone(),
            variant: self.config.variant.clone(),
        }
    }
}

fn store_len(store: &Store, name: &str) -> Result<u64, ImageError> {
    Ok(store.blob(name, &format!("layer {name}"))?.len)
}

fn is_index(mt: &MediaType) -> bool {
    match mt {
        MediaType::ImageIndex => true,
        MediaType::Other(s) => s == "application/vnd.docker.distribution.manifest.list.v2+json",
        _ => false,
    }
}

fn is_manifest(mt: &MediaType) -> bool {
    match mt {
        MediaType::ImageManifest => true,
        MediaType::Other(s) => s == "application/vnd.docker.distribution.manifest.v2+json",
        _ => false,
    }
}

fn collect_manifests(
    store: &Store,
    descriptors: &[Descriptor],
    depth: usize,
    out: &mut Vec<(Descriptor, Option<Platform>)>,
) -> Result<(), ImageError> {
    if depth > MAX_INDEX_DEPTH {
        return Err(ImageError::Unsupported(format!(
            "image indexes nested more than {MAX_INDEX_DEPTH} deep"
        )));
    }
    for d in descriptors {
        if is_index(d.media_type()) {
            let digest = d.digest().to_string();
            let bytes = store.read_small(&blob_path(&digest)?, "nested image index", JSON_LIMIT)?;
            verify(&bytes, &digest, "nested image index")?;
            let index = ImageIndex::from_reader(&bytes[..]).map_err(|e| ImageError::Json {
                what: format!("image index {digest}"),
                message: e.to_string(),
            })?;
            collect_manifests(store, index.manifests(), depth + 1, out)?;
        } else if is_manifest(d.media_type()) {
            let platform = d.platform().as_ref().map(|p| Platform {
                os: p.os().to_string(),
                architecture: p.architecture().to_string(),
                variant: p.variant().clone(),
            });
            // Attestation manifests (buildx) carry the platform unknown/unknown: skip them.
            if platform.as_ref().is_some_and(|p| p.os == "unknown") {
                continue;
            }
            out.push((d.clone(), platform));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_parse_and_match() {
        let p: Platform = "linux/arm64/v8".parse().unwrap();
        assert_eq!(p.to_string(), "linux/arm64/v8");
        let plain: Platform = "linux/arm64".parse().unwrap();
        assert!(p.matches(&plain) && plain.matches(&p));
        let v7: Platform = "linux/arm/v7".parse().unwrap();
        let v6: Platform = "linux/arm/v6".parse().unwrap();
        assert!(!v7.matches(&v6));
        assert!(Platform::default().matches(&"linux/x86_64".parse().unwrap()));
        assert!(!Platform::default().matches(&"windows/amd64".parse().unwrap()));
        assert!("".parse::<Platform>().is_err());
        assert!("linux/".parse::<Platform>().is_err());
    }

    #[test]
    fn digests_never_name_paths_outside_blobs() {
        assert!(blob_path(&format!("sha256:{}", "a".repeat(64))).is_ok());
        assert!(blob_path("sha256:../../etc/passwd").is_err());
        assert!(blob_path(&format!("sha256:{}", "A".repeat(64))).is_err());
        assert!(blob_path(&format!("sha512:{}", "a".repeat(128))).is_err());
    }
}
