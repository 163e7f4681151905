//! Parser throughput: reads every file under the given directories into memory, then parses
//! them repeatedly on one thread and reports MB/s (parse only: no I/O, no rules).
//!
//! `cargo run --release -p seaworthy-dockerfile --example parse_throughput -- DIR... [--secs N]`

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use seaworthy_dockerfile::Dockerfile;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        out.push(dir.to_path_buf());
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out)
        } else {
            out.push(p)
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut dirs = Vec::new();
    let mut secs = 3.0f64;
    while let Some(a) = args.next() {
        if a == "--secs" {
            secs = args.next().and_then(|s| s.parse().ok()).unwrap_or(secs);
        } else {
            dirs.push(PathBuf::from(a));
        }
    }
    let mut paths = Vec::new();
    for d in &dirs {
        walk(d, &mut paths);
    }
    let sources: Vec<Vec<u8>> = paths.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    let total: usize = sources.iter().map(Vec::len).sum();
    assert!(total > 0, "no input");
    let budget = Duration::from_secs_f64(secs);
    let start = Instant::now();
    let mut rounds = 0u64;
    let mut instructions = 0usize;
    while start.elapsed() < budget || rounds == 0 {
        for s in &sources {
            // The copy into the tree's own buffer is part of what a caller pays.
            if let Ok(df) = Dockerfile::parse(s.as_slice()) {
                instructions += df.instructions().count();
            }
        }
        rounds += 1;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mb = total as f64 * rounds as f64 / 1e6;
    println!(
        "{} files, {:.2} MB x {rounds} rounds, {} instructions/round: {:.1} MB/s on one thread",
        sources.len(),
        total as f64 / 1e6,
        instructions / rounds as usize,
        mb / elapsed
    );
}
