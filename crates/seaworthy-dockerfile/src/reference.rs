//! How images are named: Docker's reference grammar (`registry/repository:tag@digest`, with
//! `docker.io/library` normalisation) and platform specifiers (`linux/arm64/v8`).
//!
//! Parsing is Docker's `ParseNormalizedNamed` (distribution/reference), written out by hand. The
//! grammar is small and deterministic; the regular expression `oci-spec` compiles for it costs
//! over 100 ms on first use, more than the rest of a Dockerfile audit. The tests check this parser
//! against `oci-spec`'s. Unlike `oci-spec`, the parse records whether a tag was *written*:
//! `FROM python` and `FROM python:latest` are different findings.

use std::fmt;

const DOCKER_HUB: &str = "docker.io";
const OFFICIAL_PREFIX: &str = "library/";

/// A parsed image reference.
///
/// ```
/// use seaworthy_dockerfile::reference::ImageRef;
/// let image = ImageRef::parse("python").unwrap();
/// assert_eq!(image.registry, "docker.io");
/// assert_eq!(image.repository, "library/python");
/// assert_eq!(image.tag, None);
/// assert_eq!(image.normalized, "docker.io/library/python:latest");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    /// The reference as it was written (after variable expansion).
    pub written: String,
    /// `docker.io` for Docker Hub (`index.docker.io` is folded into it).
    pub registry: String,
    /// The path inside the registry; official Hub images get their implicit `library/`.
    pub repository: String,
    /// The tag, only when one was written.
    pub tag: Option<String>,
    /// The digest (`sha256:…`), when written.
    pub digest: Option<String>,
    /// The fully qualified reference Docker pulls: `docker.io/library/python:3.12`, with the
    /// implicit `:latest` when neither tag nor digest is written.
    pub normalized: String,
}

/// Why a string is not an image reference; worded as Docker words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceError {
    pub message: String,
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ReferenceError {}

impl ImageRef {
    /// Parses `text` with Docker's reference grammar and normalisation.
    pub fn parse(text: &str) -> Result<ImageRef, ReferenceError> {
        let err = |message: &str| {
            Err(ReferenceError {
                message: message.to_owned(),
            })
        };
        if text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return err(&format!(
                "invalid repository name ({text}), cannot specify 64-byte hexadecimal strings"
            ));
        }
        let (registry, remainder) = split_docker_domain(text);
        // The case of the repository path is checked first, for a useful message on `Alpine`.
        let remote = remainder.split(':').next().unwrap_or("");
        if remote.to_lowercase() != remote {
            return err(&format!(
                "invalid reference format: repository name ({remote}) must be lowercase"
            ));
        }
        if text.is_empty() {
            return err("repository name must have at least one component");
        }
        let (name_and_tag, digest) = match text.split_once('@') {
            Some((n, d)) => (n, Some(d)),
            None => (text, None),
        };
        let last_slash = name_and_tag.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name_and_tag[last_slash..].rfind(':') {
            Some(i) => (
                &name_and_tag[..last_slash + i],
                Some(&name_and_tag[last_slash + i + 1..]),
            ),
            None => (name_and_tag, None),
        };
        let full_name = format!("{registry}/{}", remainder_name(&remainder));
        let valid = is_name(name)
            && is_name(&full_name)
            && tag.is_none_or(is_tag)
            && digest.is_none_or(is_digest_syntax);
        if !valid {
            return err("invalid reference format");
        }
        if full_name.len() > 255 {
            return err("repository name must not be more than 255 characters");
        }
        if let Some(d) = digest {
            validate_digest(d).map_err(|m| ReferenceError {
                message: m.to_owned(),
            })?;
        }
        let repository = remainder_name(&remainder).to_owned();
        let mut normalized = format!("{registry}/{repository}");
        match (tag, digest) {
            (None, None) => normalized.push_str(":latest"),
            (t, d) => {
                if let Some(t) = t {
                    normalized.push(':');
                    normalized.push_str(t);
                }
                if let Some(d) = d {
                    normalized.push('@');
                    normalized.push_str(d);
                }
            }
        }
        Ok(ImageRef {
            written: text.to_owned(),
            registry: registry.to_owned(),
            repository,
            tag: tag.map(str::to_owned),
            digest: digest.map(str::to_owned),
            normalized,
        })
    }

    /// The tag Docker will pull: the written one, or `latest` when neither a tag nor a digest is
    /// written. `None` for a digest-only reference.
    pub fn effective_tag(&self) -> Option<&str> {
        match (&self.tag, &self.digest) {
            (Some(t), _) => Some(t),
            (None, None) => Some("latest"),
            (None, Some(_)) => None,
        }
    }

    pub fn is_docker_hub(&self) -> bool {
        self.registry == DOCKER_HUB
    }

    /// A Docker Hub official image (`docker.io/library/…`).
    pub fn is_official(&self) -> bool {
        self.is_docker_hub() && self.repository.starts_with(OFFICIAL_PREFIX)
    }

    /// `registry/repository`, without tag or digest.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The short form people write: `python:3.12`, `bitnami/redis`, `ghcr.io/org/app@sha256:…`.
    pub fn familiar(&self) -> String {
        let mut out = if self.is_docker_hub() {
            match self.repository.strip_prefix(OFFICIAL_PREFIX) {
                Some(rest) if !rest.contains('/') => rest.to_owned(),
                _ => self.repository.clone(),
            }
        } else {
            self.name()
        };
        if let Some(t) = &self.tag {
            out.push(':');
            out.push_str(t);
        }
        if let Some(d) = &self.digest {
            out.push('@');
            out.push_str(d);
        }
        out
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

/// The repository part of a normalised remainder, without tag or digest.
fn remainder_name(remainder: &str) -> &str {
    let name = remainder.split('@').next().unwrap_or(remainder);
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    match name[last_slash..].rfind(':') {
        Some(i) => &name[..last_slash + i],
        None => name,
    }
}

/// `name := [domain '/'] path-component ['/' path-component]*`
fn is_name(name: &str) -> bool {
    if name.split('/').all(is_path_component) {
        return true;
    }
    match name.split_once('/') {
        Some((domain, path)) => is_domain(domain) && path.split('/').all(is_path_component),
        None => false,
    }
}

/// `domain := host [':' port]`, host a dotted name of `[a-zA-Z0-9-]` labels or `[IPv6]`.
fn is_domain(domain: &str) -> bool {
    let port_ok = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if let Some(rest) = domain.strip_prefix('[') {
        let Some((inner, after)) = rest.split_once(']') else {
            return false;
        };
        let inner_ok =
            !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':');
        return inner_ok && (after.is_empty() || after.strip_prefix(':').is_some_and(port_ok));
    }
    let (host, port) = match domain.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (domain, None),
    };
    port.is_none_or(port_ok)
        && host.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        })
}

/// `[a-z0-9]+ (separator [a-z0-9]+)*` with separators `.`, `_`, `__` or a run of `-`.
fn is_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    let mut i = 0;
    loop {
        let start = i;
        while i < b.len() && alnum(b[i]) {
            i += 1;
        }
        if i == start {
            return false;
        }
        if i == b.len() {
            return true;
        }
        match b[i] {
            b'.' => i += 1,
            b'_' => i += if b.get(i + 1) == Some(&b'_') { 2 } else { 1 },
            b'-' => {
                while i < b.len() && b[i] == b'-' {
                    i += 1;
                }
            }
            _ => return false,
        }
    }
}

/// `[\w][\w.-]{0,127}`, `\w` being ASCII as in Go.
fn is_tag(t: &str) -> bool {
    let word = |x: u8| x.is_ascii_alphanumeric() || x == b'_';
    let b = t.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && word(b[0])
        && b.iter().all(|&x| word(x) || x == b'.' || x == b'-')
}

/// `algorithm ':' hex`: components `[A-Za-z][A-Za-z0-9]*` joined by `[+._-]`, then 32 or more
/// hex digits.
fn is_digest_syntax(d: &str) -> bool {
    let Some((alg, hex)) = d.split_once(':') else {
        return false;
    };
    let alg_ok = alg.split(['+', '.', '_', '-']).all(|c| {
        let b = c.as_bytes();
        !b.is_empty() && b[0].is_ascii_alphabetic() && b.iter().all(u8::is_ascii_alphanumeric)
    });
    alg_ok && hex.len() >= 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// go-digest's `Validate` for the algorithms Docker registers.
fn validate_digest(d: &str) -> Result<(), &'static str> {
    let (alg, hex) = d.split_once(':').unwrap_or((d, ""));
    let size = match alg {
        "sha256" => 32,
        "sha384" => 48,
        "sha512" => 64,
        _ => return Err("unsupported digest algorithm"),
    };
    if hex.len() != size * 2 {
        return Err("invalid checksum digest length");
    }
    if !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err("invalid checksum digest format");
    }
    Ok(())
}

/// Docker's `splitDockerDomain`: the first path component is a registry when it looks like a
/// host name (has a `.` or `:`, is `localhost`, or has upper case).
fn split_docker_domain(name: &str) -> (&str, String) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.to_lowercase() != first =>
        {
            let domain = if first == "index.docker.io" {
                DOCKER_HUB
            } else {
                first
            };
            if domain == DOCKER_HUB && !rest.contains('/') {
                (domain, format!("{OFFICIAL_PREFIX}{rest}"))
            } else {
                (domain, rest.to_owned())
            }
        }
        Some(_) => (DOCKER_HUB, name.to_owned()),
        None => (DOCKER_HUB, format!("{OFFICIAL_PREFIX}{name}")),
    }
}

/// A platform: operating system, architecture and variant, as containerd normalises them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
    pub os_version: Option<String>,
}

impl Default for Platform {
    /// `linux/amd64`.
    fn default() -> Self {
        Platform::new("linux", "amd64")
    }
}

const KNOWN_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
];

const KNOWN_ARCH: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "ppc64",
    "ppc64le",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

impl Platform {
    pub fn new(os: &str, architecture: &str) -> Self {
        Platform {
            os: os.to_owned(),
            architecture: architecture.to_owned(),
            variant: None,
            os_version: None,
        }
    }

    /// Parses a platform specifier the way containerd's `platforms.Parse` does (`linux/amd64`,
    /// `linux/arm/v7`, `arm64`, `windows(10.0.17763)/amd64`). A bare operating system takes the
    /// architecture of `default`, a bare architecture its operating system.
    pub fn parse(specifier: &str, default: &Platform) -> Result<Platform, String> {
        let invalid = |why: String| Err(format!("{}: invalid argument", why));
        if specifier.contains('*') {
            return invalid(format!("{specifier:?}: wildcards not yet supported"));
        }
        let mut parts: Vec<&str> = specifier.splitn(4, '/').collect();
        let mut os_version = None;
        if let Some((os, version)) = parts[0].split_once('(') {
            match version.strip_suffix(')') {
                Some(v) => os_version = Some(v.to_owned()),
                None => return invalid(format!("{specifier:?}: invalid OS version")),
            }
            parts[0] = os;
        }
        for part in &parts {
            let ok = !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
            if !ok {
                return invalid(format!(
                    "{part:?} is an invalid component of {specifier:?}: platform specifier component must match \"^[A-Za-z0-9_.-]+$\""
                ));
            }
        }
        let mut p = Platform {
            os: String::new(),
            architecture: String::new(),
            variant: None,
            os_version,
        };
        match parts.len() {
            1 => {
                let os = normalize_os(parts[0]);
                if KNOWN_OS.contains(&os.as_str()) {
                    p.os = os;
                    p.architecture = default.architecture.clone();
                    p.variant = default.variant.clone();
                    return Ok(p);
                }
                let (arch, variant) = normalize_arch(parts[0], "");
                if KNOWN_ARCH.contains(&arch.as_str()) {
                    p.os = default.os.clone();
                    p.architecture = arch;
                    p.variant = variant.filter(|v| !(p.architecture == "arm" && v == "v7"));
                    return Ok(p);
                }
                invalid(format!(
                    "{specifier:?}: unknown operating system or architecture"
                ))
            }
            2 => {
                p.os = normalize_os(parts[0]);
                let (arch, variant) = normalize_arch(parts[1], "");
                p.variant = variant.filter(|v| !(arch == "arm" && v == "v7"));
                p.architecture = arch;
                Ok(p)
            }
            3 => {
                p.os = normalize_os(parts[0]);
                let (arch, variant) = normalize_arch(parts[1], parts[2]);
                p.variant = match variant {
                    None if arch == "arm64" => Some("v8".to_owned()),
                    v => v,
                };
                p.architecture = arch;
                Ok(p)
            }
            _ => invalid(format!("{specifier:?}: cannot parse platform specifier")),
        }
    }

    /// `os/arch[/variant]`, containerd's `platforms.Format` (the value of `BUILDPLATFORM`).
    pub fn format(&self) -> String {
        let mut s = format!("{}/{}", self.os, self.architecture);
        if let Some(v) = &self.variant {
            s.push('/');
            s.push_str(v);
        }
        s
    }

    /// Like [`Platform::format`] with the OS version, `platforms.FormatAll` (the value of
    /// `TARGETPLATFORM`).
    pub fn format_all(&self) -> String {
        let mut s = self.os.clone();
        if let Some(v) = &self.os_version {
            s.push('(');
            s.push_str(v);
            s.push(')');
        }
        s.push('/');
        s.push_str(&self.architecture);
        if let Some(v) = &self.variant {
            s.push('/');
            s.push_str(v);
        }
        s
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format_all())
    }
}

fn normalize_os(os: &str) -> String {
    let os = os.to_lowercase();
    if os == "macos" {
        "darwin".to_owned()
    } else {
        os
    }
}

fn normalize_arch(arch: &str, variant: &str) -> (String, Option<String>) {
    let arch = arch.to_lowercase();
    let variant = variant.to_lowercase();
    let (a, v): (&str, String) = match arch.as_str() {
        "i386" => ("386", String::new()),
        "x86_64" | "x86-64" | "amd64" => (
            "amd64",
            if variant == "v1" {
                String::new()
            } else {
                variant
            },
        ),
        "aarch64" | "arm64" => (
            "arm64",
            match variant.as_str() {
                "8" | "v8" | "v8.0" => String::new(),
                "9" | "9.0" | "v9.0" => "v9".to_owned(),
                _ => variant,
            },
        ),
        "armhf" => ("arm", "v7".to_owned()),
        "armel" => ("arm", "v6".to_owned()),
        "arm" => (
            "arm",
            match variant.as_str() {
                "" | "7" => "v7".to_owned(),
                "5" | "6" | "8" => format!("v{variant}"),
                _ => variant,
            },
        ),
        other => return (other.to_owned(), (!variant.is_empty()).then_some(variant)),
    };
    (a.to_owned(), (!v.is_empty()).then_some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn bare_official_image_is_normalised_without_a_written_tag() {
        let r = ImageRef::parse("alpine").unwrap();
        assert_eq!(r.registry, "docker.io");
        assert_eq!(r.repository, "library/alpine");
        assert_eq!(r.tag, None);
        assert_eq!(r.digest, None);
        assert_eq!(r.effective_tag(), Some("latest"));
        assert_eq!(r.normalized, "docker.io/library/alpine:latest");
        assert!(r.is_official());
        assert_eq!(r.familiar(), "alpine");
    }

    #[test]
    fn written_tags_are_kept_including_latest() {
        let r = ImageRef::parse("alpine:3.20").unwrap();
        assert_eq!(r.tag.as_deref(), Some("3.20"));
        assert_eq!(r.normalized, "docker.io/library/alpine:3.20");
        let r = ImageRef::parse("python:latest").unwrap();
        assert_eq!(r.tag.as_deref(), Some("latest"));
    }

    #[test]
    fn registry_with_port_is_not_a_tag() {
        let r = ImageRef::parse("localhost:5000/x:1").unwrap();
        assert_eq!(r.registry, "localhost:5000");
        assert_eq!(r.repository, "x");
        assert_eq!(r.tag.as_deref(), Some("1"));
        let r = ImageRef::parse("registry.example.com:443/team/app").unwrap();
        assert_eq!(r.registry, "registry.example.com:443");
        assert_eq!(r.repository, "team/app");
        assert_eq!(r.tag, None);
        assert!(!r.is_docker_hub());
    }

    #[test]
    fn digest_references() {
        let text = format!("ghcr.io/org/app@{DIGEST}");
        let r = ImageRef::parse(&text).unwrap();
        assert_eq!(r.registry, "ghcr.io");
        assert_eq!(r.repository, "org/app");
        assert_eq!(r.tag, None);
        assert_eq!(r.digest.as_deref(), Some(DIGEST));
        assert_eq!(r.effective_tag(), None);
        assert_eq!(r.normalized, text);
        let r = ImageRef::parse(&format!("nginx:1.27@{DIGEST}")).unwrap();
        assert_eq!(r.tag.as_deref(), Some("1.27"));
        assert_eq!(r.familiar(), format!("nginx:1.27@{DIGEST}"));
    }

    #[test]
    fn hub_user_images_and_legacy_index_host() {
        let r = ImageRef::parse("bitnami/redis:7").unwrap();
        assert_eq!(r.repository, "bitnami/redis");
        assert!(!r.is_official());
        assert_eq!(r.familiar(), "bitnami/redis:7");
        let r = ImageRef::parse("index.docker.io/library/debian").unwrap();
        assert_eq!(r.registry, "docker.io");
        assert_eq!(r.familiar(), "debian");
    }

    #[test]
    fn invalid_references_are_errors_not_panics() {
        let e = ImageRef::parse("Alpine").unwrap_err();
        assert_eq!(
            e.message,
            "invalid reference format: repository name (library/Alpine) must be lowercase"
        );
        let e = ImageRef::parse("alpine@sha256:abc").unwrap_err();
        assert_eq!(e.message, "invalid reference format");
        let e = ImageRef::parse("alpine@sha256:0123456789abcdef0123456789abcdef0").unwrap_err();
        assert_eq!(e.message, "invalid checksum digest length");
        let upper = format!("alpine@sha256:{}", "ABCDEF0123456789".repeat(4));
        let e = ImageRef::parse(&upper).unwrap_err();
        assert_eq!(e.message, "invalid checksum digest format");
        let e = ImageRef::parse(&format!("alpine@md5:{}", "0".repeat(32))).unwrap_err();
        assert_eq!(e.message, "unsupported digest algorithm");
        assert!(ImageRef::parse("").is_err());
        assert!(ImageRef::parse("a b").is_err());
        assert!(ImageRef::parse(":tag").is_err());
        let hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert!(ImageRef::parse(hex)
            .unwrap_err()
            .message
            .contains("64-byte"));
    }

    #[test]
    fn platforms_parse_and_normalise() {
        let d = Platform::default();
        assert_eq!(d.format(), "linux/amd64");
        let p = Platform::parse("linux/arm64", &d).unwrap();
        assert_eq!((p.os.as_str(), p.architecture.as_str()), ("linux", "arm64"));
        assert_eq!(p.variant, None);
        let p = Platform::parse("linux/arm/v7", &d).unwrap();
        assert_eq!(p.format(), "linux/arm/v7");
        let p = Platform::parse("linux/x86_64", &d).unwrap();
        assert_eq!(p.format(), "linux/amd64");
        let p = Platform::parse("arm64", &d).unwrap();
        assert_eq!(p.format(), "linux/arm64");
        let p = Platform::parse("windows", &d).unwrap();
        assert_eq!(p.format(), "windows/amd64");
        let p = Platform::parse("windows(10.0.17763)/amd64", &d).unwrap();
        assert_eq!(p.format_all(), "windows(10.0.17763)/amd64");
        assert!(Platform::parse("linux/", &d).is_err());
        assert!(Platform::parse("nonsense", &d).is_err());
        assert!(Platform::parse("a/b/c/d", &d).is_err());
    }

    /// The hand-written grammar agrees with `oci-spec`'s regular expression where `oci-spec`
    /// follows Docker (its `\w` is Unicode where Docker's is ASCII, it accepts upper-case digest
    /// hex that go-digest refuses, and it predates IPv6 hosts, so no such input is listed).
    #[test]
    fn agrees_with_oci_spec() {
        let d64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let inputs = [
            "alpine".to_owned(),
            "alpine:3.20".into(),
            "library/alpine:edge".into(),
            "docker.io/library/alpine".into(),
            "index.docker.io/nginx:1".into(),
            "localhost/app".into(),
            "localhost:5000/app:v1".into(),
            "registry.example.com/team/sub/app:1.2.3-rc.1".into(),
            "registry-1.example.com:443/a/b".into(),
            "my_app".into(),
            "my__app".into(),
            "my___app".into(),
            "my-----app".into(),
            "my.app".into(),
            "my..app".into(),
            "-app".into(),
            "app-".into(),
            "app/".into(),
            "/app".into(),
            "app//x".into(),
            "app:".into(),
            "app:-tag".into(),
            "app:_tag.x-y".into(),
            format!("app:{}", "t".repeat(128)),
            format!("app:{}", "t".repeat(129)),
            format!("app@sha256:{d64}"),
            format!("app:1@sha256:{d64}"),
            format!("app@sha512:{d64}{d64}"),
            format!("app@md5:{d64}"),
            format!("app@sha256:{d64}@x"),
            "app@sha256:0123".into(),
            "app@sha256".into(),
            "host.com:port/app".into(),
            "host.com:80:80/app".into(),
            "ex-.com/app".into(),
            "a b".into(),
            "app:tag:tag".into(),
            "test.com:5000".into(),
            "foo_bar.com:8080".into(),
        ];
        for input in &inputs {
            let ours = ImageRef::parse(input);
            let theirs = oci_spec::distribution::Reference::try_from(input.as_str());
            match (&ours, &theirs) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a.registry, b.registry(), "{input}");
                    assert_eq!(a.repository, b.repository(), "{input}");
                    assert_eq!(a.digest.as_deref(), b.digest(), "{input}");
                    assert_eq!(a.effective_tag(), b.tag(), "{input}");
                    assert_eq!(a.normalized, b.whole(), "{input}");
                }
                (Err(_), Err(_)) => {}
                _ => panic!("{input}: ours {ours:?}, oci-spec {theirs:?}"),
            }
        }
    }

    #[test]
    fn ipv6_registry_hosts() {
        let r = ImageRef::parse("[::1]:5000/app:tag").unwrap();
        assert_eq!(r.registry, "[::1]:5000");
        assert_eq!(r.repository, "app");
        assert!(ImageRef::parse("[fe80::1]/app").is_ok());
        assert!(ImageRef::parse("[zz]/app").is_err());
        assert!(ImageRef::parse("[::1]x/app").is_err());
    }

    #[test]
    fn parsing_is_cheap_from_the_first_call() {
        let started = std::time::Instant::now();
        for _ in 0..1000 {
            ImageRef::parse("registry.example.com:5000/team/app:1.2.3").unwrap();
        }
        // oci-spec's regex took over 100 ms to compile before its first match.
        assert!(started.elapsed() < std::time::Duration::from_millis(100));
    }
}
