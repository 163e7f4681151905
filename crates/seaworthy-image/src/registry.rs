//! Images straight from a registry over the OCI distribution API.
//!
//! `oci-client` speaks the protocol: reference normalisation, the `/v2/` challenge, basic auth
//! and bearer tokens (scope `repository:NAME:pull`), manifests in the Docker schema2 and OCI
//! media types. This module picks the platform from a manifest list or OCI index, reads the
//! config, and hands each layer blob to the scanner as a `Read` over the HTTP body: nothing is
//! written to disk, and the layer digests are verified by `LayerReader` as for local images.
//!
//! `oci-client` is async; a two-thread tokio runtime owned by the opened image drives it, and
//! `SyncIoBridge` blocks the scanning thread on the body stream (scanner threads are never
//! runtime threads, so blocking there is allowed).
//!
//! TLS: the system's roots (which honour `SSL_CERT_FILE`/`SSL_CERT_DIR`), plus an optional CA
//! file in `RegistryOptions::ca_file` for private registries with their own CA. There is no
//! switch to accept any certificate: `insecure` means plain HTTP, as for Docker's
//! insecure-registries.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use oci_client::client::{
    BlobResponse, Certificate, CertificateEncoding, ClientConfig, ClientProtocol,
};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::manifest::{OciDescriptor, OciImageIndex, OciManifest};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use tokio_util::io::{StreamReader, SyncIoBridge};

use crate::auth::{self, Credentials};
use crate::error::ImageError;
use crate::image::{self, Image, Layer, Platform, SourceFormat};
use crate::store::{Blob, Store};

const MAX_INDEX_DEPTH: usize = 8;

/// How to reach a registry.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// Which image of a manifest list / OCI index (default linux/amd64).
    pub platform: Option<Platform>,
    /// Plain HTTP instead of HTTPS (Docker's "insecure registry").
    pub insecure: bool,
    /// A PEM file of extra CA certificates (one or more) to trust, besides the system roots.
    pub ca_file: Option<PathBuf>,
    pub credentials: Credentials,
}

/// What kind of registry failure; the message says the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryErrorKind {
    /// Not a valid image reference.
    BadReference,
    /// No such repository, tag, digest or blob.
    NotFound,
    /// Authentication required or the credentials were refused.
    Unauthorized,
    /// The Docker config or a credential helper could not give credentials.
    Credentials,
    /// No connection (refused, DNS, timeout).
    Unreachable,
    /// The TLS handshake failed (untrusted or invalid certificate, HTTP on the other side).
    Tls,
    /// Anything else the registry answered that we cannot use.
    Protocol,
}

/// A registry source failed; `Display` is one line starting with the reference.
#[derive(Debug, thiserror::Error)]
#[error("{reference}: {message}")]
pub struct RegistryError {
    pub reference: String,
    pub kind: RegistryErrorKind,
    pub message: String,
}

/// The registry side of an opened image: the client, the runtime that drives it, and the
/// resolved reference blobs are fetched from.
pub(crate) struct Remote {
    runtime: tokio::runtime::Runtime,
    client: Client,
    reference: Reference,
    shown: String,
    creds_source: Option<String>,
    sizes: HashMap<String, u64>,
}

impl fmt::Debug for Remote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Remote")
            .field("reference", &self.reference.whole())
            .finish_non_exhaustive()
    }
}

/// Parses an image reference (`[registry/]repo[:tag][@sha256:...]`, optionally prefixed with
/// `docker://`), with Docker's normalisation: no registry means Docker Hub, a single-name
/// repository there means `library/NAME`, no tag means `latest`. Docker Hub's API is reached at
/// `index.docker.io` (oci-client's choice; it serves the same v2 API as `registry-1.docker.io`).
pub(crate) fn parse_reference(spec: &str) -> Result<Reference, RegistryError> {
    let s = spec.strip_prefix("docker://").unwrap_or(spec);
    s.parse().map_err(|e| RegistryError {
        reference: spec.to_string(),
        kind: RegistryErrorKind::BadReference,
        message: format!("not an image reference: {e}"),
    })
}

fn err(reference: &str, kind: RegistryErrorKind, message: impl Into<String>) -> RegistryError {
    RegistryError {
        reference: reference.to_string(),
        kind,
        message: message.into(),
    }
}

/// All messages of an error's source chain, outermost first.
fn chain(e: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut out = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let m = s.to_string();
        if !out.last().is_some_and(|l| l.contains(&m)) {
            out.push(m);
        }
        cur = s.source();
    }
    out
}

impl Remote {
    fn registry(&self) -> &str {
        self.reference.registry()
    }

    fn unauthorized(&self) -> RegistryError {
        let registry = self.registry();
        let message = match &self.creds_source {
            Some(src) => {
                format!("the registry {registry} refused the credentials from {src} (unauthorized)")
            }
            None => format!(
                "the registry {registry} requires authentication (or the repository does not \
                 exist) and no credentials for it were found: run `docker login {registry}`, or \
                 point DOCKER_CONFIG at a config.json holding them"
            ),
        };
        err(&self.shown, RegistryErrorKind::Unauthorized, message)
    }

    /// Turns a client error into one clear line; `what` names the object being fetched.
    fn classify(&self, e: OciDistributionError, what: &str) -> RegistryError {
        use RegistryErrorKind as K;
        let registry = self.registry().to_string();
        let not_found = |detail: &str| {
            err(
                &self.shown,
                K::NotFound,
                format!("{what} not found in the registry {registry} ({detail})"),
            )
        };
        match e {
            OciDistributionError::UnauthorizedError { .. }
            | OciDistributionError::AuthenticationFailure(_) => self.unauthorized(),
            OciDistributionError::ImageManifestNotFoundError(m) => not_found(&m),
            OciDistributionError::RegistryError { envelope, .. } => {
                let codes: Vec<&OciErrorCode> = envelope.errors.iter().map(|e| &e.code).collect();
                let messages: Vec<String> = envelope
                    .errors
                    .iter()
                    .map(|e| {
                        if e.message.is_empty() {
                            format!("{:?}", e.code)
                        } else {
                            e.message.clone()
                        }
                    })
                    .collect();
                let detail = messages.join("; ");
                if codes.iter().any(|c| {
                    matches!(
                        c,
                        OciErrorCode::ManifestUnknown
                            | OciErrorCode::NameUnknown
                            | OciErrorCode::NotFound
                            | OciErrorCode::BlobUnknown
                    )
                }) {
                    not_found(&detail)
                } else if codes
                    .iter()
                    .any(|c| matches!(c, OciErrorCode::Unauthorized | OciErrorCode::Denied))
                {
                    self.unauthorized()
                } else if codes
                    .iter()
                    .any(|c| matches!(c, OciErrorCode::Toomanyrequests))
                {
                    err(
                        &self.shown,
                        K::Protocol,
                        format!("the registry {registry} refused: too many requests ({detail})"),
                    )
                } else {
                    err(
                        &self.shown,
                        K::Protocol,
                        format!("the registry {registry} refused {what}: {detail}"),
                    )
                }
            }
            OciDistributionError::ServerError { code, message, .. } => {
                let message = message.trim().lines().next().unwrap_or("").to_string();
                match code {
                    404 => not_found(&format!("HTTP 404 {message}")),
                    401 | 403 => self.unauthorized(),
                    400 if message.contains("HTTPS server") => err(
                        &self.shown,
                        K::Protocol,
                        format!(
                            "the registry {registry} speaks HTTPS but plain HTTP was used: \
                             drop --insecure"
                        ),
                    ),
                    _ => err(
                        &self.shown,
                        K::Protocol,
                        format!(
                            "the registry {registry} answered HTTP {code} for {what}: {message}"
                        ),
                    ),
                }
            }
            OciDistributionError::RequestError(re) => {
                let msgs = chain(&re);
                let all = msgs.join(": ").to_ascii_lowercase();
                let root = msgs.last().cloned().unwrap_or_default();
                let tls = ["certificate", "tls", "handshake", "corrupt message"]
                    .iter()
                    .any(|k| all.contains(k));
                if all.contains("invalidcontenttype") {
                    // A TLS client hello answered in plain HTTP.
                    err(
                        &self.shown,
                        K::Tls,
                        format!(
                            "TLS failure talking to {registry}: it answers in plain HTTP, not \
                             TLS (use --insecure for a plain-HTTP registry)"
                        ),
                    )
                } else if all.contains("causedasendentity") {
                    err(
                        &self.shown,
                        K::Tls,
                        format!(
                            "TLS failure talking to {registry}: its certificate is a CA \
                             certificate (basicConstraints CA:TRUE, as `openssl req -x509` makes \
                             by default), which is refused as a server certificate: give the \
                             registry a certificate with CA:FALSE, signed by a CA passed with \
                             --ca-file or SSL_CERT_FILE"
                        ),
                    )
                } else if tls {
                    err(
                        &self.shown,
                        K::Tls,
                        format!(
                            "TLS failure talking to {registry}: {root} (trust its CA with \
                             --ca-file or SSL_CERT_FILE; a plain-HTTP registry needs --insecure)"
                        ),
                    )
                } else if re.is_connect() || re.is_timeout() {
                    err(
                        &self.shown,
                        K::Unreachable,
                        format!("cannot reach the registry {registry}: {root}"),
                    )
                } else {
                    err(
                        &self.shown,
                        K::Protocol,
                        format!(
                            "fetching {what} from {registry} failed: {}",
                            msgs.join(": ")
                        ),
                    )
                }
            }
            OciDistributionError::UnsupportedSchemaVersionError(v) => err(
                &self.shown,
                K::Protocol,
                format!(
                    "{what}: manifest schema version {v} is not supported (only schema 2 / OCI)"
                ),
            ),
            other => err(
                &self.shown,
                K::Protocol,
                format!("{what} from {registry}: {other}"),
            ),
        }
    }

    fn block_on<T>(
        &self,
        what: &str,
        f: impl std::future::Future<Output = Result<T, OciDistributionError>>,
    ) -> Result<T, RegistryError> {
        self.runtime.block_on(f).map_err(|e| self.classify(e, what))
    }

    /// Streams the blob `digest`; `len` is the Content-Length, else the manifest's size.
    pub(crate) fn blob(&self, digest: &str, what: &str) -> Result<Blob, ImageError> {
        image::blob_path(digest)?; // only well-formed sha256 digests reach a URL
        let desc = OciDescriptor {
            digest: digest.to_string(),
            ..Default::default()
        };
        // A range from 0 asks for the whole body without the client's own digest check, so a
        // mismatch is reported by LayerReader like for any other source.
        let response = self.block_on(
            what,
            self.client
                .pull_blob_stream_partial(&self.reference, &desc, 0, None),
        )?;
        let stream = match response {
            BlobResponse::Full(s) | BlobResponse::Partial(s) => s,
        };
        let len = stream
            .content_length
            .or_else(|| self.sizes.get(digest).copied())
            .unwrap_or(0);
        let reader =
            SyncIoBridge::new_with_handle(StreamReader::new(stream), self.runtime.handle().clone());
        Ok(Blob {
            reader: Box::new(reader),
            len,
        })
    }

    pub(crate) fn display(&self) -> String {
        self.shown.clone()
    }
}

fn platform_of(p: &oci_client::manifest::Platform) -> Platform {
    Platform {
        os: p.os.to_string(),
        architecture: p.architecture.to_string(),
        variant: p.variant.clone(),
    }
}

/// The digest of the index entry for `wanted` (attestation entries, `unknown/unknown`, never
/// match); a single entry without a platform is taken as is.
fn pick(index: &OciImageIndex, wanted: &Platform) -> Result<String, ImageError> {
    let entries: Vec<_> = index
        .manifests
        .iter()
        .filter(|m| {
            m.platform
                .as_ref()
                .is_none_or(|p| p.os.to_string() != "unknown")
        })
        .collect();
    if let Some(m) = entries.iter().find(|m| {
        m.platform
            .as_ref()
            .is_some_and(|p| wanted.matches(&platform_of(p)))
    }) {
        return Ok(m.digest.clone());
    }
    if let [only] = entries.as_slice() {
        if only.platform.is_none() {
            return Ok(only.digest.clone());
        }
    }
    let available: Vec<String> = entries
        .iter()
        .map(|m| {
            m.platform
                .as_ref()
                .map_or("unknown".to_string(), |p| platform_of(p).to_string())
        })
        .collect();
    Err(ImageError::NoMatchingPlatform {
        wanted: wanted.to_string(),
        available: if available.is_empty() {
            "none".into()
        } else {
            available.join(", ")
        },
    })
}

/// Opens `spec` from its registry: manifest (by platform from a list/index), config, layers.
pub(crate) fn open(spec: &str, opts: &RegistryOptions) -> Result<Image, ImageError> {
    let reference = parse_reference(spec)?;
    let (mut remote, auth) = connect(spec, &reference, opts)?;
    remote.block_on(
        "the authentication challenge",
        remote
            .client
            .auth(&remote.reference, &auth, RegistryOperation::Pull),
    )?;

    let wanted = opts.platform.clone().unwrap_or_default();
    let mut target = remote.reference.clone();
    let mut depth = 0;
    let (manifest, manifest_digest) = loop {
        let (m, digest) = remote.block_on("image", remote.client.pull_manifest(&target, &auth))?;
        match m {
            OciManifest::Image(m) => break (m, digest),
            OciManifest::ImageIndex(index) => {
                depth += 1;
                if depth > MAX_INDEX_DEPTH {
                    return Err(ImageError::Unsupported(format!(
                        "{spec}: image indexes nested more than {MAX_INDEX_DEPTH} deep"
                    )));
                }
                let d = pick(&index, &wanted)?;
                image::blob_path(&d)?;
                target = remote.reference.clone_with_digest(d);
            }
        }
    };
    let size = |d: &OciDescriptor| -> Result<u64, ImageError> {
        u64::try_from(d.size).map_err(|_| {
            ImageError::Unsupported(format!("{spec}: negative size for blob {}", d.digest))
        })
    };
    remote
        .sizes
        .insert(manifest.config.digest.clone(), size(&manifest.config)?);
    let mut layers = Vec::with_capacity(manifest.layers.len());
    for d in &manifest.layers {
        image::blob_path(&d.digest)?;
        let len = size(d)?;
        remote.sizes.insert(d.digest.clone(), len);
        layers.push(Layer {
            index: 0,
            digest: Some(d.digest.clone()),
            media_type: Some(d.media_type.clone()),
            size: len,
            diff_id: String::new(),
            created_by: None,
            location: d.digest.clone(),
            size_declared: true,
        });
    }
    let whole = remote.reference.whole();
    let config_digest = manifest.config.digest.clone();
    image::blob_path(&config_digest)?;
    let store = Store::Registry(Box::new(remote));
    let config_bytes = store.read_small(&config_digest, "image config", image::JSON_LIMIT)?;
    image::verify(&config_bytes, &config_digest, "image config")?;
    let config = image::json(&config_bytes, "image config")?;
    Image::finish(
        store,
        SourceFormat::Registry,
        config,
        Some(config_digest),
        Some(manifest_digest),
        vec![whole],
        layers,
    )
}

/// The digest a registry serves for a reference, as `docker pull` would resolve it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The reference as the registry was asked for it, normalised
    /// (`docker.io/library/node:20`).
    pub reference: String,
    /// `sha256:…` of the manifest the tag points at: for a multi-platform image the image
    /// index (manifest list) itself, not one platform's manifest.
    pub digest: String,
}

/// Resolves tags to digests and checks that digests exist, without pulling anything: one
/// HEAD of the manifest per reference (a GET when the registry sends no
/// `Docker-Content-Digest`), with the manifest list and OCI index media types accepted, so a
/// multi-platform tag gives its index digest.
///
/// One client and runtime per registry, shared by every reference to it (credentials are
/// looked up once per registry, as [`RegistryOptions::credentials`] says; bearer tokens are
/// cached per repository). `&self` methods may be called from several threads at once.
pub struct DigestResolver {
    options: RegistryOptions,
    remotes: std::sync::Mutex<HashMap<String, std::sync::Arc<Connection>>>,
}

impl fmt::Debug for DigestResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DigestResolver")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// A client for one registry, and the repositories it has passed the challenge for.
struct Connection {
    remote: Remote,
    auth: RegistryAuth,
    authenticated: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl DigestResolver {
    /// A resolver reaching registries as `options` says (`platform` is not used: a tag is
    /// resolved to what it names, an index for a multi-platform image).
    pub fn new(options: &RegistryOptions) -> DigestResolver {
        DigestResolver {
            options: options.clone(),
            remotes: std::sync::Mutex::new(HashMap::new()),
        }
    }

    fn connection(
        &self,
        spec: &str,
        reference: &Reference,
    ) -> Result<std::sync::Arc<Connection>, RegistryError> {
        let registry = reference.registry().to_string();
        let mut remotes = self.remotes.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = remotes.get(&registry) {
            return Ok(c.clone());
        }
        let (remote, auth) = connect(spec, reference, &self.options)?;
        let c = std::sync::Arc::new(Connection {
            remote,
            auth,
            authenticated: std::sync::Mutex::new(std::collections::HashSet::new()),
        });
        remotes.insert(registry, c.clone());
        Ok(c)
    }

    /// The manifest digest the registry serves for `spec` (`name[:tag]`; no tag means
    /// `latest`; a digest in `spec` is checked against the registry's).
    pub fn resolve(&self, spec: &str) -> Result<Resolved, RegistryError> {
        let reference = parse_reference(spec)?;
        let c = self.connection(spec, &reference)?;
        let remote = &c.remote;
        let with_spec = |mut e: RegistryError| {
            e.reference = spec.to_string();
            e
        };
        let repository = reference.repository().to_string();
        let fresh = !c
            .authenticated
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&repository);
        if fresh {
            remote
                .block_on(
                    "the authentication challenge",
                    remote
                        .client
                        .auth(&reference, &c.auth, RegistryOperation::Pull),
                )
                .map_err(with_spec)?;
            c.authenticated
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(repository);
        }
        let what = match reference.digest() {
            Some(d) => format!("manifest {d}"),
            None => format!("tag {}", reference.tag().unwrap_or("latest")),
        };
        let digest = remote
            .block_on(
                &what,
                remote.client.fetch_manifest_digest(&reference, &c.auth),
            )
            .map_err(with_spec)?;
        image::blob_path(&digest).map_err(|e| {
            err(
                spec,
                RegistryErrorKind::Protocol,
                format!(
                    "the registry {} sent a bad digest: {e}",
                    reference.registry()
                ),
            )
        })?;
        Ok(Resolved {
            reference: reference.whole(),
            digest,
        })
    }

    /// Whether the registry still serves `spec`, a reference with a digest
    /// (`name[:tag]@sha256:…`; the tag is ignored): `Ok(false)` when it answers that the
    /// manifest (or the repository) is unknown, an error when it cannot say.
    pub fn exists(&self, spec: &str) -> Result<bool, RegistryError> {
        let reference = parse_reference(spec)?;
        if reference.digest().is_none() {
            return Err(err(
                spec,
                RegistryErrorKind::BadReference,
                "a digest (@sha256:…) is needed to check that an image exists",
            ));
        }
        match self.resolve(spec) {
            Ok(_) => Ok(true),
            Err(e) if e.kind == RegistryErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// The digest the registry serves for `spec`; see [`DigestResolver::resolve`]. For many
/// references, one [`DigestResolver`] shares connections and tokens.
pub fn resolve_digest(spec: &str, options: &RegistryOptions) -> Result<Resolved, RegistryError> {
    DigestResolver::new(options).resolve(spec)
}

/// Whether `spec` (`name@sha256:…`) still exists in its registry; see
/// [`DigestResolver::exists`].
pub fn digest_exists(spec: &str, options: &RegistryOptions) -> Result<bool, RegistryError> {
    DigestResolver::new(options).exists(spec)
}

/// A client for the registry of `reference`, with its credentials resolved and the CA file
/// read; no request is made yet.
fn connect(
    spec: &str,
    reference: &Reference,
    opts: &RegistryOptions,
) -> Result<(Remote, RegistryAuth), RegistryError> {
    let registry = reference.registry().to_string();
    let resolved = auth::resolve(&opts.credentials, &registry)
        .map_err(|m| err(spec, RegistryErrorKind::Credentials, m))?;
    let mut extra_roots = Vec::new();
    if let Some(ca) = &opts.ca_file {
        let data = std::fs::read(ca).map_err(|e| {
            err(
                spec,
                RegistryErrorKind::Tls,
                format!("cannot read the CA file {}: {e}", ca.display()),
            )
        })?;
        for cert in CertificateDer::pem_slice_iter(&data) {
            let cert = cert.map_err(|e| {
                err(
                    spec,
                    RegistryErrorKind::Tls,
                    format!("the CA file {}: invalid PEM: {e}", ca.display()),
                )
            })?;
            extra_roots.push(Certificate {
                encoding: CertificateEncoding::Der,
                data: cert.to_vec(),
            });
        }
        if extra_roots.is_empty() {
            return Err(err(
                spec,
                RegistryErrorKind::Tls,
                format!("the CA file {} holds no PEM certificate", ca.display()),
            ));
        }
    }
    let config = ClientConfig {
        protocol: if opts.insecure {
            ClientProtocol::Http
        } else {
            ClientProtocol::Https
        },
        extra_root_certificates: extra_roots,
        platform_resolver: None,
        connect_timeout: Some(Duration::from_secs(30)),
        // A layer blob streams through one response: allow slow registries.
        read_timeout: Some(Duration::from_secs(120)),
        user_agent: concat!("seaworthy/", env!("CARGO_PKG_VERSION")),
        ..Default::default()
    };
    let client = Client::try_from(config).map_err(|e| {
        err(
            spec,
            RegistryErrorKind::Tls,
            format!("cannot set up the HTTP client: {e}"),
        )
    })?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("seaworthy-registry")
        .enable_all()
        .build()
        .map_err(|e| {
            err(
                spec,
                RegistryErrorKind::Protocol,
                format!("cannot start the HTTP runtime: {e}"),
            )
        })?;
    let remote = Remote {
        runtime,
        client,
        reference: reference.clone(),
        shown: spec.to_string(),
        creds_source: resolved.source,
        sizes: HashMap::new(),
    };
    Ok((remote, resolved.auth))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_normalised_like_docker() {
        let r = parse_reference("alpine").unwrap();
        assert_eq!(r.registry(), "docker.io");
        assert_eq!(r.resolve_registry(), "index.docker.io");
        assert_eq!(r.repository(), "library/alpine");
        assert_eq!(r.tag(), Some("latest"));
        let r = parse_reference("docker://127.0.0.1:5000/team/app:1.2").unwrap();
        assert_eq!(r.registry(), "127.0.0.1:5000");
        assert_eq!(r.resolve_registry(), "127.0.0.1:5000");
        assert_eq!(r.repository(), "team/app");
        let d = format!("sha256:{}", "ab".repeat(32));
        let r = parse_reference(&format!("ghcr.io/o/app@{d}")).unwrap();
        assert_eq!(r.digest(), Some(d.as_str()));
        let e = parse_reference("Not A Reference").unwrap_err();
        assert_eq!(e.kind, RegistryErrorKind::BadReference);
        // Existence is asked of a digest, never of a tag (and nothing is sent for either).
        let e = digest_exists("127.0.0.1:1/app:1", &RegistryOptions::default()).unwrap_err();
        assert_eq!(e.kind, RegistryErrorKind::BadReference);
        assert!(
            e.to_string().starts_with("127.0.0.1:1/app:1: a digest"),
            "{e}"
        );
        let e = resolve_digest("Not A Reference", &RegistryOptions::default()).unwrap_err();
        assert_eq!(e.kind, RegistryErrorKind::BadReference);
        assert!(e.to_string().starts_with("Not A Reference: "));
    }
}
