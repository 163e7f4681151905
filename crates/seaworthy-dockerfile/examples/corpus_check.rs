//! Parses every file under the given directories and reports what a parser change must never
//! break: panics, files that do not print back byte for byte, and which files are rejected.
//!
//! `cargo run --release -p seaworthy-dockerfile --example corpus_check -- DIR... [--rejected FILE]`
//! writes the rejected paths (one per line, with the error) to FILE for comparison with
//! another tool's verdicts.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use seaworthy_dockerfile::Dockerfile;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        out.push(dir.to_path_buf());
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut dirs = Vec::new();
    let mut rejected_out = None;
    while let Some(a) = args.next() {
        if a == "--rejected" {
            rejected_out = args.next();
        } else {
            dirs.push(PathBuf::from(a));
        }
    }
    let mut files = Vec::new();
    for d in &dirs {
        walk(d, &mut files);
    }
    files.sort();
    let (mut ok, mut bytes, mut panics, mut mismatches) = (0usize, 0usize, 0usize, 0usize);
    let mut rejected = Vec::new();
    for f in &files {
        let Ok(src) = std::fs::read(f) else { continue };
        bytes += src.len();
        match catch_unwind(AssertUnwindSafe(|| Dockerfile::parse(src.clone()))) {
            Err(_) => {
                panics += 1;
                eprintln!("PANIC {}", f.display());
            }
            Ok(Err(e)) => rejected.push(format!("{}\t{e}", f.display())),
            Ok(Ok(df)) => {
                ok += 1;
                if df.reprint() != src {
                    mismatches += 1;
                    eprintln!("REPRINT DIFFERS {}", f.display());
                }
            }
        }
    }
    if let Some(path) = rejected_out {
        std::fs::write(path, rejected.join("\n") + "\n").expect("write rejected list");
    }
    println!(
        "{} files, {:.1} MB: {ok} parsed, {} rejected, {panics} panics, {mismatches} reprint mismatches",
        files.len(),
        bytes as f64 / 1e6,
        rejected.len()
    );
    if panics + mismatches > 0 {
        std::process::exit(1);
    }
}
