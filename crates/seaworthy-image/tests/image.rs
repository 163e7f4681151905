mod common;

use std::io::Read;

use common::*;
use seaworthy_image::*;
use serde_json::json;

fn opts() -> ScanOptions {
    ScanOptions::default()
}

/// Layer 0: a base with a secret, a data dir, passwd; layer 1 deletes the secret, makes data
/// opaque, overwrites passwd, adds a symlink loop.
fn sample_layers(comp: Comp) -> Vec<BuiltLayer> {
    let base = LayerTar::new()
        .dir("etc/")
        .file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n")
        .dir("app/")
        .file("app/secret.txt", &[b's'; 100])
        .dir("app/data/")
        .file("app/data/a", &[1; 10])
        .dir("app/data/sub/")
        .file("app/data/sub/b", &[2; 20])
        .file("app/data-other", &[3; 5])
        .file_mode("usr/bin/sudo", b"ELF", 0o4755)
        .hardlink("usr/bin/sudoedit", "usr/bin/sudo")
        .finish();
    let top = LayerTar::new()
        .dir("app/")
        .whiteout("app/secret.txt")
        .opaque("app/data")
        .file("app/data/c", &[4; 7])
        .file(
            "etc/passwd",
            b"root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/app:/bin/sh\n",
        )
        .symlink("loop-a", "loop-b")
        .symlink("loop-b", "loop-a")
        .symlink("self", "self")
        .finish();
    vec![BuiltLayer::new(base, comp), BuiltLayer::new(top, comp)]
}

#[test]
fn merged_index_applies_whiteouts_opaque_and_overwrites() {
    for comp in [Comp::Gzip, Comp::Zstd, Comp::None] {
        let dir = tempfile::tempdir().unwrap();
        oci_layout(&TestImage::new(sample_layers(comp))).write_dir(dir.path());
        let image = Image::open(dir.path(), None).unwrap();
        assert_eq!(image.format, SourceFormat::OciLayout);
        let index = image.scan(&opts(), &mut NoVisitor).unwrap();

        // Deleted in layer 1, still shipped in layer 0.
        assert!(index.get("/app/secret.txt").is_none());
        let secret: Vec<_> = index.history_of("/app/secret.txt").collect();
        assert_eq!(secret.len(), 1);
        assert_eq!(secret[0].layer, 0);
        assert_eq!(secret[0].hidden, Some((1, HiddenHow::Deleted)));

        // Opaque dir: lower children gone, the dir itself and the new child stay; a sibling
        // whose name shares the prefix is untouched.
        assert!(index.get("/app/data").is_some());
        assert!(index.get("/app/data/a").is_none());
        assert!(index.get("/app/data/sub").is_none());
        assert!(index.get("/app/data/sub/b").is_none());
        assert_eq!(index.get("/app/data/c").unwrap().layer, 1);
        assert!(index.get("/app/data-other").is_some());

        // Overwritten file.
        let passwd: Vec<_> = index.history_of("/etc/passwd").collect();
        assert_eq!(passwd.len(), 2);
        assert_eq!(passwd[0].hidden, Some((1, HiddenHow::Overwritten)));
        assert!(passwd[1].is_visible());
        assert!(index.get("/etc/passwd").unwrap().meta.size > 30);

        // Wasted bytes: the secret, a, b and the old passwd.
        assert_eq!(index.wasted_bytes(), 100 + 10 + 20 + 26);
        assert_eq!(index.layers()[0].wasted_bytes, 156);
        assert_eq!(index.layers()[1].wasted_bytes, 0);
        let total = index.total_file_bytes();
        assert!((index.efficiency() - (total - 156) as f64 / total as f64).abs() < 1e-9);

        // Metadata: setuid bit, hardlink target, symlink loops indexed without following.
        let sudo = index.get("/usr/bin/sudo").unwrap();
        assert_eq!(sudo.meta.mode & 0o4000, 0o4000);
        assert_eq!(sudo.meta.kind, FileKind::File);
        let edit = index.get("/usr/bin/sudoedit").unwrap();
        assert_eq!(edit.meta.kind, FileKind::Hardlink);
        assert_eq!(edit.meta.link_target.as_deref(), Some("/usr/bin/sudo"));
        let a = index.get("/loop-a").unwrap();
        assert_eq!(a.meta.kind, FileKind::Symlink);
        assert_eq!(a.meta.link_target.as_deref(), Some("loop-b"));
        assert_eq!(
            index.get("/self").unwrap().meta.link_target.as_deref(),
            Some("self")
        );
        // Whiteout files are not entries.
        assert!(index.records().iter().all(|r| !r.path.contains(".wh.")));
        assert_eq!(index.layers()[1].whiteouts, 2);
        assert!(index.anomalies().is_empty());
    }
}

#[test]
fn deleting_a_directory_hides_its_subtree_and_a_file_replacing_a_dir_hides_children() {
    let l0 = LayerTar::new()
        .dir("opt/")
        .dir("opt/tool/")
        .file("opt/tool/bin", &[0; 50])
        .dir("var/cache/")
        .file("var/cache/x", &[0; 8])
        .finish();
    let l1 = LayerTar::new()
        .whiteout("opt/tool")
        .file("var/cache", b"now a file")
        .finish();
    let l2 = LayerTar::new().file("opt/tool", b"back as file").finish();
    let img = TestImage::new(vec![
        BuiltLayer::new(l0, Comp::Gzip),
        BuiltLayer::new(l1, Comp::Gzip),
        BuiltLayer::new(l2, Comp::Gzip),
    ]);
    let dir = tempfile::tempdir().unwrap();
    oci_layout(&img).write_dir(dir.path());
    let index = Image::open(dir.path(), None)
        .unwrap()
        .scan(&opts(), &mut NoVisitor)
        .unwrap();
    let bin: Vec<_> = index.history_of("/opt/tool/bin").collect();
    assert_eq!(bin[0].hidden, Some((1, HiddenHow::Deleted)));
    let x: Vec<_> = index.history_of("/var/cache/x").collect();
    assert_eq!(x[0].hidden, Some((1, HiddenHow::Overwritten)));
    assert_eq!(index.get("/opt/tool").unwrap().layer, 2);
    assert_eq!(index.get("/opt/tool").unwrap().meta.kind, FileKind::File);
    assert_eq!(index.wasted_bytes(), 58);
}

#[test]
fn config_is_parsed_from_a_legacy_docker_save_archive() {
    let mut img = TestImage::new(sample_layers(Comp::None));
    img.runtime = json!({
        "User": "app:app",
        "Env": ["PATH=/usr/bin", "DB_PASSWORD=hunter2", "EMPTY"],
        "Entrypoint": ["/bin/sh", "-c"],
        "Cmd": ["exec app"],
        "ExposedPorts": {"22/tcp": {}, "8080/tcp": {}},
        "Volumes": {"/data": {}, "/proc": {}},
        "WorkingDir": "/app",
        "Labels": {"maintainer": "me"},
        "Healthcheck": {"Test": ["CMD-SHELL", "curl -f localhost"], "Interval": 30000000000u64, "Retries": 3},
        "OnBuild": null,
        "Shell": null,
    });
    img.history = Some(json!([
        {"created_by": "/bin/sh -c #(nop) ADD file:abc in /"},
        {"created_by": "/bin/sh -c #(nop) ENV DB_PASSWORD=hunter2", "empty_layer": true},
        {"created_by": "RUN apt-get update"},
    ]));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("save.tar");
    docker_legacy(&img).write_tar(&path);
    let image = Image::open(&path, None).unwrap();
    assert_eq!(image.format, SourceFormat::DockerArchive);
    assert_eq!(image.repo_tags, vec!["app:1"]);
    let c = &image.config.config;
    assert_eq!(c.user.as_deref(), Some("app:app"));
    let env: Vec<_> = c.env_pairs().collect();
    assert_eq!(env[1], ("DB_PASSWORD", "hunter2"));
    assert_eq!(env[2], ("EMPTY", ""));
    assert_eq!(
        c.entrypoint.as_deref(),
        Some(&["/bin/sh".to_string(), "-c".into()][..])
    );
    assert_eq!(c.cmd.as_deref(), Some(&["exec app".to_string()][..]));
    assert!(c.exposed_ports.contains_key("22/tcp"));
    assert_eq!(c.volumes.keys().collect::<Vec<_>>(), vec!["/data", "/proc"]);
    assert_eq!(c.working_dir.as_deref(), Some("/app"));
    assert_eq!(c.labels["maintainer"], "me");
    let hc = c.healthcheck.as_ref().unwrap();
    assert_eq!(hc.test, vec!["CMD-SHELL", "curl -f localhost"]);
    assert_eq!(hc.interval, Some(30_000_000_000));
    assert_eq!(hc.retries, Some(3));
    assert!(!hc.is_disabled());
    assert!(c.on_build.is_none());
    assert_eq!(image.history().len(), 3);
    assert!(image.config_digest.is_some());
    // History steps with layers line up with the layers.
    assert_eq!(
        image.layers[0].created_by.as_deref(),
        Some("/bin/sh -c #(nop) ADD file:abc in /")
    );
    assert_eq!(
        image.layers[1].created_by.as_deref(),
        Some("RUN apt-get update")
    );
    assert!(image.layers[0].digest.is_none());
    // Legacy layers are plain tar and still verified by diff_id.
    let index = image.scan(&opts(), &mut NoVisitor).unwrap();
    assert!(index.get("/app/secret.txt").is_none());
    assert_eq!(index.wasted_bytes(), 156);
}

#[test]
fn docker_null_fields_and_missing_user_parse() {
    let mut img = TestImage::new(sample_layers(Comp::None));
    img.runtime = json!({"User": "", "Env": null, "Cmd": null, "ExposedPorts": null, "Volumes": null, "Labels": null, "Healthcheck": {"Test": ["NONE"]}});
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("save.tar");
    docker_legacy(&img).write_tar(&path);
    let image = Image::open(&path, None).unwrap();
    let c = &image.config.config;
    assert_eq!(c.user.as_deref(), Some(""));
    assert!(c.env.is_empty() && c.cmd.is_none() && c.volumes.is_empty());
    assert!(c.healthcheck.as_ref().unwrap().is_disabled());
}

#[test]
fn docker25_archive_with_blobs_and_legacy_symlinks() {
    let img = TestImage::new(sample_layers(Comp::None));
    let dir = tempfile::tempdir().unwrap();
    // manifest.json naming blobs/sha256/...
    let path = dir.path().join("d25.tar");
    docker25(&img).write_tar(&path);
    let image = Image::open(&path, None).unwrap();
    assert_eq!(image.format, SourceFormat::DockerArchive);
    assert!(image.layers[0]
        .digest
        .as_deref()
        .unwrap()
        .starts_with("sha256:"));
    let index = image.scan(&opts(), &mut NoVisitor).unwrap();
    assert_eq!(index.wasted_bytes(), 156);

    // manifest.json naming the legacy symlinks, which point into blobs/.
    let mut files = docker25(&img);
    let names: Vec<String> = (1..=2).map(|i| format!("{i:064x}/layer.tar")).collect();
    let config_name = format!("blobs/sha256/{}", hex(&sha256(&img.config_json())));
    files.remove("manifest.json");
    files.add(
        "manifest.json",
        serde_json::to_vec(&json!([{"Config": config_name, "Layers": names}])).unwrap(),
    );
    let path = dir.path().join("d25-links.tar");
    files.write_tar(&path);
    let index = Image::open(&path, None)
        .unwrap()
        .scan(&opts(), &mut NoVisitor)
        .unwrap();
    assert_eq!(index.get("/app/data/c").unwrap().meta.size, 7);
}

#[test]
fn oci_layout_as_a_tar() {
    let img = TestImage::new(sample_layers(Comp::Zstd));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("oci.tar");
    oci_layout(&img).write_tar(&path);
    let image = Image::open(&path, None).unwrap();
    assert_eq!(image.format, SourceFormat::OciLayout);
    assert_eq!(
        image.layers[0].media_type.as_deref(),
        Some("application/vnd.oci.image.layer.v1.tar+zstd")
    );
    assert!(image.manifest_digest.is_some());
    let index = image.scan(&opts(), &mut NoVisitor).unwrap();
    assert_eq!(index.wasted_bytes(), 156);
    assert_eq!(
        index.layers()[0].blob_bytes,
        img.layers[0].blob.len() as u64
    );
    assert_eq!(index.layers()[0].tar_bytes, img.layers[0].tar.len() as u64);
}

fn arch_image(arch: &str, marker: &str) -> TestImage {
    let l = LayerTar::new().file("arch", marker.as_bytes()).finish();
    let mut img = TestImage::new(vec![BuiltLayer::new(l, Comp::Gzip)]);
    img.arch = arch.into();
    img
}

#[test]
fn platform_is_picked_from_a_nested_index() {
    let mut files = Files::default();
    let amd = oci_manifest(&mut files, &arch_image("amd64", "x86"), true);
    let arm = oci_manifest(&mut files, &arch_image("arm64", "arm"), true);
    // An attestation manifest, as buildx writes, is never picked.
    let mut att = oci_manifest(&mut files, &arch_image("amd64", "att"), true);
    att["platform"] = json!({"os": "unknown", "architecture": "unknown"});
    let nested = serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [arm, att]})).unwrap();
    let nested_len = nested.len();
    let nested_digest = files.blob(nested);
    oci_index(
        &mut files,
        vec![
            json!({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": nested_digest, "size": nested_len}),
            amd,
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    files.write_dir(dir.path());

    let read_arch = |image: &Image| {
        let mut seen = Vec::new();
        struct Grab<'a>(&'a mut Vec<u8>);
        impl Visitor for Grab<'_> {
            fn wants(&self, _: usize, path: &str, _: &EntryMeta) -> bool {
                path == "/arch"
            }
            fn visit(
                &mut self,
                _: usize,
                _: &str,
                _: &EntryMeta,
                r: &mut dyn Read,
            ) -> std::io::Result<()> {
                r.read_to_end(self.0).map(|_| ())
            }
        }
        image.scan(&opts(), &mut Grab(&mut seen)).unwrap();
        String::from_utf8(seen).unwrap()
    };
    let default = Image::open(dir.path(), None).unwrap();
    assert_eq!(default.config.architecture, "amd64");
    assert_eq!(read_arch(&default), "x86");
    let arm: Platform = "linux/arm64".parse().unwrap();
    let image = Image::open(dir.path(), Some(&arm)).unwrap();
    assert_eq!(image.platform().architecture, "arm64");
    assert_eq!(read_arch(&image), "arm");
    let v8: Platform = "linux/aarch64/v8".parse().unwrap();
    assert_eq!(
        read_arch(&Image::open(dir.path(), Some(&v8)).unwrap()),
        "arm"
    );
    let s390: Platform = "linux/s390x".parse().unwrap();
    match Image::open(dir.path(), Some(&s390)) {
        Err(ImageError::NoMatchingPlatform { wanted, available }) => {
            assert_eq!(wanted, "linux/s390x");
            assert!(
                available.contains("linux/amd64") && available.contains("linux/arm64"),
                "{available}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!("linux".parse::<Platform>().is_err());
}

#[test]
fn visitor_sees_deleted_files_and_parallel_scan_matches() {
    let dir = tempfile::tempdir().unwrap();
    oci_layout(&TestImage::new(sample_layers(Comp::Gzip))).write_dir(dir.path());
    let image = Image::open(dir.path(), None).unwrap();
    #[derive(Default)]
    struct Secrets(Vec<(usize, String, usize)>);
    impl Visitor for Secrets {
        fn wants(&self, _: usize, path: &str, meta: &EntryMeta) -> bool {
            meta.kind == FileKind::File && (path.ends_with(".txt") || path.starts_with("/etc/"))
        }
        fn visit(
            &mut self,
            layer: usize,
            path: &str,
            _: &EntryMeta,
            r: &mut dyn Read,
        ) -> std::io::Result<()> {
            let mut buf = Vec::new();
            r.take(1 << 20).read_to_end(&mut buf)?;
            self.0.push((layer, path.to_string(), buf.len()));
            Ok(())
        }
    }
    let mut seq = Secrets::default();
    let index = image.scan(&opts(), &mut seq).unwrap();
    assert_eq!(
        seq.0,
        vec![
            (0, "/etc/passwd".to_string(), 26),
            (0, "/app/secret.txt".to_string(), 100),
            (1, "/etc/passwd".to_string(), 56)
        ]
    );
    let (pindex, visitors) = image
        .scan_parallel(&opts(), |_| Secrets::default())
        .unwrap();
    let flat: Vec<_> = visitors.into_iter().flat_map(|v| v.0).collect();
    assert_eq!(flat, seq.0);
    let key = |i: &FsIndex| {
        i.records()
            .iter()
            .map(|r| (r.path.to_string(), r.layer, r.hidden, r.meta.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&index), key(&pindex));
}

#[test]
fn visitor_errors_are_reported_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    oci_layout(&TestImage::new(sample_layers(Comp::Gzip))).write_dir(dir.path());
    struct Fails;
    impl Visitor for Fails {
        fn wants(&self, _: usize, path: &str, _: &EntryMeta) -> bool {
            path == "/etc/passwd"
        }
        fn visit(
            &mut self,
            _: usize,
            _: &str,
            _: &EntryMeta,
            _: &mut dyn Read,
        ) -> std::io::Result<()> {
            Err(std::io::Error::other("boom"))
        }
    }
    let err = Image::open(dir.path(), None)
        .unwrap()
        .scan(&opts(), &mut Fails)
        .unwrap_err();
    assert!(
        matches!(&err, ImageError::Visitor { path, .. } if path == "/etc/passwd"),
        "{err}"
    );
}

#[test]
fn layer_reader_streams_the_verified_tar() {
    let img = TestImage::new(sample_layers(Comp::Gzip));
    let dir = tempfile::tempdir().unwrap();
    oci_layout(&img).write_dir(dir.path());
    let image = Image::open(dir.path(), None).unwrap();
    let mut r = image.layer_reader(1, &opts()).unwrap();
    assert_eq!(r.compression(), Compression::Gzip);
    let mut out = Vec::new();
    r.read_to_end(&mut out).unwrap();
    assert_eq!(out, img.layers[1].tar);
    assert!(r.verified());
}

#[test]
fn docker_media_types_in_an_oci_layout() {
    // A manifest list and a schema2 manifest, as registries and `skopeo copy --format v2s2` use.
    let img = arch_image("amd64", "docker");
    let mut files = Files::default();
    let config = img.config_json();
    let config_len = config.len();
    let config_digest = files.blob(config);
    let blob = img.layers[0].blob.clone();
    let blob_len = blob.len();
    let layer_digest = files.blob(blob);
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "digest": config_digest, "size": config_len},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "digest": layer_digest, "size": blob_len}],
    }))
    .unwrap();
    let mlen = manifest.len();
    let mdigest = files.blob(manifest);
    let list = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
        "manifests": [{"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "digest": mdigest, "size": mlen, "platform": {"os": "linux", "architecture": "amd64"}}],
    }))
    .unwrap();
    let llen = list.len();
    let ldigest = files.blob(list);
    oci_index(
        &mut files,
        vec![
            json!({"mediaType": "application/vnd.docker.distribution.manifest.list.v2+json", "digest": ldigest, "size": llen}),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    files.write_dir(dir.path());
    let image = Image::open(dir.path(), None).unwrap();
    assert_eq!(
        image.layers[0].media_type.as_deref(),
        Some("application/vnd.docker.image.rootfs.diff.tar.gzip")
    );
    let index = image.scan(&opts(), &mut NoVisitor).unwrap();
    assert_eq!(index.get("/arch").unwrap().meta.size, 6);
    // An arm64 request finds nothing and says what there is.
    let arm: Platform = "linux/arm64".parse().unwrap();
    let err = Image::open(dir.path(), Some(&arm)).unwrap_err();
    assert!(err.to_string().contains("available: linux/amd64"), "{err}");
}

#[test]
fn progress_counts_every_stored_byte_of_every_layer() {
    for comp in [Comp::Gzip, Comp::None] {
        let dir = tempfile::tempdir().unwrap();
        oci_layout(&TestImage::new(sample_layers(comp))).write_dir(dir.path());
        let image = Image::open(dir.path(), None).unwrap();
        let count = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let options = ScanOptions {
            progress: Some(count.clone()),
            ..opts()
        };
        image
            .scan_parallel(&options, |_| NoVisitor)
            .expect("the image scans");
        let stored: u64 = image.layers.iter().map(|l| l.size).sum();
        assert!(stored > 0);
        assert_eq!(
            count.load(std::sync::atomic::Ordering::Relaxed),
            stored,
            "{comp:?}"
        );
    }
}
