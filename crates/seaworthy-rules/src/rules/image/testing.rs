//! Images for the image rules' tests: a hardened image that no rule fires on, written as a real
//! docker-save archive, opened and scanned like any image, so that each rule's test changes one
//! thing and sees exactly its finding.

use seaworthy_image::write::{ImageWriter, LayerBuilder};
use seaworthy_image::{Image, ScanOptions};

use super::{check_image, FactsVisitor, ImageContext, ImageFacts, ImageOptions, ImageRule};
use crate::{Finding, Settings};

pub const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\napp:x:10001:10001::/app:/usr/sbin/nologin\n";
pub const SHADOW: &str =
    "root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\napp:!:19000:0:99999:7:::\n";
pub const GROUP: &str = "root:x:0:\nnogroup:x:65534:\napp:x:10001:\n";
pub const OS_RELEASE: &str = "PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"13\"\nID=debian\n";

/// The base layer: a tiny root filesystem with a shell, accounts and os-release.
pub fn base_layer() -> LayerBuilder {
    LayerBuilder::new()
        .dir("/bin", 0o755, 0, 0)
        .file("/bin/sh", b"\x7fELF shell", 0o755)
        .dir("/etc", 0o755, 0, 0)
        .file("/etc/passwd", PASSWD.as_bytes(), 0o644)
        .file("/etc/shadow", SHADOW.as_bytes(), 0o640)
        .file("/etc/group", GROUP.as_bytes(), 0o644)
        .dir("/usr/lib", 0o755, 0, 0)
        .file("/usr/lib/os-release", OS_RELEASE.as_bytes(), 0o644)
        .symlink("/etc/os-release", "../usr/lib/os-release")
        .dir("/tmp", 0o1777, 0, 0)
        .dir("/root", 0o700, 0, 0)
}

/// The application layer: the server, its data directory owned by the runtime user.
pub fn app_layer() -> LayerBuilder {
    LayerBuilder::new()
        .dir("/app", 0o755, 10001, 10001)
        .file("/app/server", b"\x7fELF server", 0o755)
        .file("/app/config.toml", b"listen = \"0.0.0.0:8080\"\n", 0o644)
        .dir("/data", 0o750, 10001, 10001)
}

pub const RUNTIME: &str = r#"{
    "User": "10001:10001",
    "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "APP_MODE=production"],
    "Cmd": ["/app/server"],
    "WorkingDir": "/app",
    "ExposedPorts": {"8080/tcp": {}},
    "Volumes": {"/data": {}},
    "Labels": {"org.opencontainers.image.source": "https://example.com/app"},
    "Healthcheck": {"Test": ["CMD", "/app/server", "--health"], "Interval": 30000000000}
}"#;

/// The hardened image: non-root numeric user, healthcheck, no secrets, no caches.
pub fn hardened() -> ImageWriter {
    let mut w = ImageWriter::new(RUNTIME);
    w.layer(base_layer().finish(), "ADD rootfs.tar / # buildkit");
    w.layer(app_layer().finish(), "COPY server /app/server # buildkit");
    w.step("USER 10001:10001");
    w
}

/// The image with one more layer on top.
pub fn with_layer(layer: LayerBuilder, created_by: &str) -> ImageWriter {
    let mut w = hardened();
    w.layer(layer.finish(), created_by);
    w
}

/// The test day: 2026-01-01.
pub fn options() -> ImageOptions {
    ImageOptions {
        today: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        ..ImageOptions::at_unix_day(0)
    }
}

fn run(
    w: &ImageWriter,
    settings: &Settings,
    check: impl Fn(&ImageContext<'_>) -> Vec<Finding>,
) -> Vec<Finding> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("image.tar");
    w.docker_archive(&path, "test:1").unwrap();
    let image = Image::open(&path, None).unwrap();
    let (index, visitors) = image
        .scan_parallel(&ScanOptions::default(), |_| FactsVisitor::default())
        .unwrap();
    let facts = ImageFacts::from_visitors(visitors);
    let options = options();
    let cx = ImageContext::new(&image, &index, &facts, settings, &options);
    check(&cx)
}

/// The findings of one rule.
pub fn findings_with(rule: &dyn ImageRule, w: &ImageWriter, settings: &Settings) -> Vec<Finding> {
    run(w, settings, |cx| {
        let mut out = Vec::new();
        rule.check(cx, &mut out);
        out
    })
}

pub fn findings(rule: &dyn ImageRule, w: &ImageWriter) -> Vec<Finding> {
    findings_with(rule, w, &Settings::default())
}

/// The findings of every image rule.
pub fn all_findings(w: &ImageWriter) -> Vec<Finding> {
    run(w, &Settings::default(), check_image)
}

/// The logical places of findings.
pub fn places(found: &[Finding]) -> Vec<String> {
    found
        .iter()
        .map(|f| f.logical.clone().unwrap_or_default())
        .collect()
}

/// Asserts the rule fires exactly at `places`, and every message is non-empty.
pub fn assert_fires(rule: &dyn ImageRule, w: &ImageWriter, want: &[&str]) -> Vec<Finding> {
    let found = findings(rule, w);
    assert_eq!(
        places(&found),
        want,
        "{:#?}",
        found.iter().map(|f| &f.message).collect::<Vec<_>>()
    );
    for f in &found {
        assert_eq!(f.rule.id, rule.meta().id);
        assert!(!f.message.is_empty());
    }
    found
}

pub fn assert_clean(rule: &dyn ImageRule, w: &ImageWriter) {
    let found = findings(rule, w);
    assert!(
        found.is_empty(),
        "{}",
        found
            .iter()
            .map(|f| format!("{:?}: {}", f.logical, f.message))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_hardened_image_gets_no_finding() {
    let found = all_findings(&hardened());
    assert!(
        found.is_empty(),
        "{}",
        found
            .iter()
            .map(|f| format!("{} {:?}: {}", f.rule.id, f.logical, f.message))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn documentation_is_complete() {
    for rule in super::all() {
        let m = rule.meta();
        assert!(m.id.starts_with("SW3"), "{}", m.id);
        assert!(m.name.starts_with("image-"), "{}", m.name);
        assert!(
            m.bad.starts_with("FROM ") && m.good.starts_with("FROM "),
            "{}",
            m.id
        );
    }
}
