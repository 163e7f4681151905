//! The per-layer HTML report, rendered by a real browser: headless Chromium (Debian's
//! `chromium` package) loads the page from disk and prints the DOM after its script ran. The
//! chart's bars, the tables and the summary must be there, and strings from the image must stay
//! text even when they look like markup.

use std::path::{Path, PathBuf};
use std::process::Command;

use seaworthy_report::{layers_html, LayerBreakdown, LayerRow};
use seaworthy_rules::Finding;

fn chromium() -> PathBuf {
    for candidate in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = Command::new("which").arg(candidate).output() {
            if out.status.success() {
                return PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            }
        }
    }
    panic!("headless Chromium is needed: apt-get install -y chromium");
}

/// The DOM of `page` after its scripts ran, as headless Chromium prints it.
fn rendered_dom(page: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn chromium_draws_a_bar_per_layer_and_a_wasted_bar_where_bytes_are_wasted() {
    let meta = seaworthy_rules::find_rule("SW1001").unwrap();
    let findings = vec![Finding::at(meta, "Config.User", "the image runs as <root>")];
    let breakdown = LayerBreakdown {
        image: "registry.example/app:1.2".into(),
        layers: vec![
            LayerRow {
                created_by: "ADD rootfs.tar /".into(),
                digest: "sha256:aaaa".into(),
                bytes: 80 << 20,
                wasted: 20 << 20,
                files: 4000,
                stored: 30 << 20,
            },
            LayerRow {
                created_by: "RUN echo '</script><script>document.title=\"pwned\"</script>'".into(),
                digest: "sha256:bbbb".into(),
                bytes: 10 << 20,
                wasted: 0,
                files: 12,
                stored: 4 << 20,
            },
            LayerRow {
                created_by: "RUN rm -rf /var/cache/apt".into(),
                digest: "sha256:cccc".into(),
                bytes: 0,
                wasted: 0,
                files: 3,
                stored: 200,
            },
        ],
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("layers.html");
    let mut html = Vec::new();
    layers_html(&mut html, &breakdown, &findings).unwrap();
    std::fs::write(&page, html).unwrap();

    let dom = rendered_dom(&page);
    assert!(
        dom.contains("data-rendered=\"yes\""),
        "the script ran: {dom}"
    );
    assert_eq!(dom.matches("class=\"kept\"").count(), 3, "{dom}");
    assert_eq!(dom.matches("class=\"wasted\"").count(), 1, "{dom}");
    assert!(dom.contains("class=\"wasted\" data-layer=\"0\""), "{dom}");
    assert!(dom.contains("efficiency 77.8%"), "{dom}");
    assert!(dom.contains("total 90.0 MiB"), "{dom}");
    assert!(dom.contains("wasted 20.0 MiB"), "{dom}");
    // The finding, with its markup-looking message as text.
    assert!(dom.contains("SW1001 last-user-root"), "{dom}");
    assert!(dom.contains("the image runs as &lt;root&gt;"), "{dom}");
    // The hostile command is shown, not run.
    assert!(!dom.contains("<title>pwned</title>"), "{dom}");
    assert!(
        dom.contains(
            "RUN echo '&lt;/script&gt;&lt;script&gt;document.title=\"pwned\"&lt;/script&gt;'"
        ),
        "{dom}"
    );
}
