//! `cargo run --release -p seaworthy-image --example scan -- PATH [PLATFORM]`: opens an image,
//! streams every layer once and prints per-layer figures (for manual checks and peak-memory runs).

use std::time::Instant;

use seaworthy_image::{Image, NoVisitor, Platform, ScanOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: scan PATH [os/arch]")?;
    let platform: Option<Platform> = args.next().map(|p| p.parse()).transpose()?;
    let t = Instant::now();
    let image = Image::open(&path, platform.as_ref())?;
    let index = image.scan(&ScanOptions::default(), &mut NoVisitor)?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{:?} {} user={:?} layers={}",
        image.format,
        image.platform(),
        image.config.config.user,
        image.layers.len()
    );
    for l in index.layers() {
        println!(
            "layer {:>2}: {:>7} entries {:>12} tar bytes {:>12} blob bytes {:>10} wasted",
            l.index, l.entries, l.tar_bytes, l.blob_bytes, l.wasted_bytes
        );
    }
    let tar: u64 = index.layers().iter().map(|l| l.tar_bytes).sum();
    println!(
        "records={} wasted={} efficiency={:.4} anomalies={} time={:.2}s ({:.0} MB/s uncompressed)",
        index.records().len(),
        index.wasted_bytes(),
        index.efficiency(),
        index.anomalies().len(),
        secs,
        tar as f64 / 1e6 / secs
    );
    Ok(())
}
