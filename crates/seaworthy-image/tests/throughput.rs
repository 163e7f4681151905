//! Throughput of the streaming pass against `gzip -dc` of the same layers.
//! `cargo test --release -p seaworthy-image --test throughput -- --ignored --nocapture`
//! (SEAWORTHY_BENCH_MB sets the uncompressed size, default 200).

mod common;

use std::process::Command;
use std::time::Instant;

use common::*;
use seaworthy_image::*;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Mixed content: text-like files (logs, source), incompressible binaries, many small files.
fn layer(seed: u64, bytes: usize) -> Vec<u8> {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut t = LayerTar::new().dir(&format!("l{seed}/"));
    let mut written = 0;
    let mut n = 0;
    while written < bytes {
        n += 1;
        let kind = rng.next() % 10;
        let data: Vec<u8> = if kind < 5 {
            let len = (rng.next() % (256 << 10)) as usize + 1000;
            let mut s = String::with_capacity(len + 100);
            while s.len() < len {
                let r = rng.next();
                s.push_str(&format!(
                    "{} INFO request id={} path=/api/v{}/items/{} took {}ms user={}\n",
                    1_700_000_000 + (r % 100_000),
                    r % 1_000_000,
                    r % 3,
                    r % 5000,
                    r % 900,
                    ["alice", "bob", "carol", "dave"][(r % 4) as usize]
                ));
            }
            s.into_bytes()
        } else if kind < 8 {
            let len = (rng.next() % (1 << 20)) as usize + 4096;
            let mut v = Vec::with_capacity(len + 8);
            while v.len() < len {
                // Half random, half structured: like compiled code.
                let r = rng.next();
                v.extend_from_slice(&r.to_le_bytes());
                v.extend_from_slice(&[0, 0, 0, (r & 0xff) as u8, 0x48, 0x89, 0xe5, 0xc3]);
            }
            v
        } else {
            (0..(rng.next() % 2000) as usize)
                .map(|i| (i % 61) as u8 + 32)
                .collect()
        };
        written += data.len();
        t = t.file(&format!("l{seed}/f{n}"), &data);
    }
    t.finish()
}

#[test]
#[ignore = "benchmark: run in release with --ignored --nocapture"]
fn throughput_against_gzip() {
    let mb: usize = std::env::var("SEAWORTHY_BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let layers_n = 8;
    let t0 = Instant::now();
    let layers: Vec<BuiltLayer> = (0..layers_n)
        .map(|i| {
            let tar = layer(i as u64 + 7, mb * (1 << 20) / layers_n);
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            std::io::Write::write_all(&mut e, &tar).unwrap();
            let blob = e.finish().unwrap();
            BuiltLayer {
                tar,
                blob,
                comp: Comp::Gzip,
            }
        })
        .collect();
    let tar_bytes: usize = layers.iter().map(|l| l.tar.len()).sum();
    let blob_bytes: usize = layers.iter().map(|l| l.blob.len()).sum();
    let img = TestImage::new(layers);
    let dir = tempfile::tempdir().unwrap();
    let files = oci_layout(&img);
    files.write_dir(dir.path());
    // SEAWORTHY_BENCH_KEEP=PATH keeps a copy (OCI layout dir) for `--example scan` runs.
    if let Ok(keep) = std::env::var("SEAWORTHY_BENCH_KEEP") {
        files.write_dir(std::path::Path::new(&keep));
    }
    drop(files);
    println!(
        "built {} layers: {:.1} MB uncompressed, {:.1} MB gzip, in {:.1?}",
        layers_n,
        tar_bytes as f64 / 1e6,
        blob_bytes as f64 / 1e6,
        t0.elapsed()
    );
    let blobs: Vec<_> = img
        .layers
        .iter()
        .map(|l| {
            dir.path()
                .join(format!("blobs/sha256/{}", hex(&sha256(&l.blob))))
        })
        .collect();
    drop(img);

    let rate = |secs: f64| tar_bytes as f64 / 1e6 / secs;
    let mut best = [f64::MAX; 3];
    for _ in 0..3 {
        let t = Instant::now();
        for b in &blobs {
            let st = Command::new("sh")
                .arg("-c")
                .arg(format!("gzip -dc '{}' > /dev/null", b.display()))
                .status()
                .unwrap();
            assert!(st.success());
        }
        best[0] = best[0].min(t.elapsed().as_secs_f64());

        let t = Instant::now();
        let image = Image::open(dir.path(), None).unwrap();
        let index = image.scan(&ScanOptions::default(), &mut NoVisitor).unwrap();
        best[1] = best[1].min(t.elapsed().as_secs_f64());
        assert!(index.records().len() > 100);

        let t = Instant::now();
        let image = Image::open(dir.path(), None).unwrap();
        let (pindex, _) = image
            .scan_parallel(&ScanOptions::default(), |_| NoVisitor)
            .unwrap();
        best[2] = best[2].min(t.elapsed().as_secs_f64());
        assert_eq!(pindex.records().len(), index.records().len());
    }
    println!(
        "gzip -dc:             {:.2} s  {:.0} MB/s (uncompressed)",
        best[0],
        rate(best[0])
    );
    println!(
        "scan (sequential):    {:.2} s  {:.0} MB/s  (inflate + sha256 x2 + tar index)",
        best[1],
        rate(best[1])
    );
    println!(
        "scan_parallel:        {:.2} s  {:.0} MB/s  ({} threads)",
        best[2],
        rate(best[2]),
        rayon::current_num_threads()
    );
}
