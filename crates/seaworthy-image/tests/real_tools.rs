//! Interoperability with images written by real tools: umoci builds an OCI layout, skopeo
//! converts it to a docker-archive, an oci-archive and a zstd OCI layout. Needs the Debian
//! packages `umoci` and `skopeo`; without them the test says so and checks nothing.

use std::path::Path;
use std::process::Command;

use seaworthy_image::*;

const SCRIPT: &str = r#"
set -e
cd "$W"
umoci init --layout oci
umoci new --image oci:t
umoci unpack --rootless --image oci:t b >/dev/null
mkdir -p b/rootfs/app/data b/rootfs/etc
echo secret > b/rootfs/app/.env
echo a > b/rootfs/app/data/a
echo root:x:0:0 > b/rootfs/etc/passwd
ln -s loop b/rootfs/loop
head -c 300000 /dev/zero > b/rootfs/app/blob
umoci repack --image oci:t b >/dev/null
umoci unpack --rootless --image oci:t b2 >/dev/null
rm b2/rootfs/app/.env b2/rootfs/app/blob
rm -rf b2/rootfs/app/data
mkdir b2/rootfs/app/data
echo c > b2/rootfs/app/data/c
printf 'root:x:0:0\napp:x:1000:1000\n' > b2/rootfs/etc/passwd
umoci repack --image oci:t b2 >/dev/null
umoci config --image oci:t --config.user 1000 --config.env DB_PASSWORD=x --config.exposedports 22/tcp --config.volume /data
skopeo copy -q oci:oci:t docker-archive:"$W/t.tar":t:1
skopeo copy -q oci:oci:t oci-archive:"$W/t-oci.tar":t
skopeo copy -q --dest-compress-format zstd oci:oci:t oci:"$W/zoci":t
"#;

fn have(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok()
}

#[test]
fn images_written_by_umoci_and_skopeo() {
    // Real tools, not a stand-in: .ci/run installs them.
    assert!(
        have("umoci") && have("skopeo"),
        "umoci and skopeo are not installed: these tests read images they write \
         (Debian/Ubuntu: apt-get install umoci skopeo)"
    );
    let dir = tempfile::tempdir().unwrap();
    let st = Command::new("sh")
        .arg("-c")
        .arg(SCRIPT)
        .env("W", dir.path())
        .status()
        .unwrap();
    assert!(st.success());
    let cases = [
        ("oci", SourceFormat::OciLayout, Compression::Gzip),
        ("t.tar", SourceFormat::DockerArchive, Compression::None),
        ("t-oci.tar", SourceFormat::OciLayout, Compression::Gzip),
        ("zoci", SourceFormat::OciLayout, Compression::Zstd),
    ];
    for (name, format, compression) in cases {
        let path = dir.path().join(name);
        let image = Image::open(Path::new(&path), None).unwrap();
        assert_eq!(image.format, format, "{name}");
        assert_eq!(image.layers.len(), 2, "{name}");
        let c = &image.config.config;
        assert_eq!(c.user.as_deref(), Some("1000"));
        assert!(c.env.iter().any(|e| e == "DB_PASSWORD=x"));
        assert!(c.exposed_ports.contains_key("22/tcp"));
        assert!(c.volumes.contains_key("/data"));
        assert_eq!(
            image
                .layer_reader(0, &ScanOptions::default())
                .unwrap()
                .compression(),
            compression,
            "{name}"
        );
        let index = image.scan(&ScanOptions::default(), &mut NoVisitor).unwrap();
        let env: Vec<_> = index.history_of("/app/.env").collect();
        assert_eq!(env[0].hidden, Some((1, HiddenHow::Deleted)), "{name}");
        assert!(index.get("/app/data/a").is_none());
        assert_eq!(index.get("/app/data/c").unwrap().layer, 1);
        assert_eq!(index.get("/loop").unwrap().meta.kind, FileKind::Symlink);
        // .env (7) + blob (300000) + a (2) + the first passwd (11).
        assert_eq!(index.wasted_bytes(), 300_020, "{name}");
    }
}
