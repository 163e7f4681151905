//! Runs BuildKit's own parser goldens against our dump when a local copy of them is at hand.
//!
//! BuildKit's test files are not ours to commit, so this harness reads them from the directory
//! named by `SEAWORTHY_BUILDKIT_PARSER_DIR` (BuildKit's `frontend/dockerfile/parser`). Without it
//! the test only says so; `tests/parser.rs` holds our own cases covering the same ground.

use std::path::Path;

use seaworthy_dockerfile::{dump::dump, Dockerfile};

#[test]
fn buildkit_parser_goldens() {
    let Ok(dir) = std::env::var("SEAWORTHY_BUILDKIT_PARSER_DIR") else {
        eprintln!("SEAWORTHY_BUILDKIT_PARSER_DIR is not set: BuildKit's goldens were not run");
        return;
    };
    let dir = Path::new(&dir);
    let mut failures = Vec::new();
    let mut positive = 0;
    for entry in std::fs::read_dir(dir.join("testfiles")).expect("testfiles") {
        let case = entry.unwrap().path();
        let src = std::fs::read(case.join("Dockerfile")).unwrap();
        let want = std::fs::read_to_string(case.join("result"))
            .unwrap()
            .replace("\r\n", "\n");
        positive += 1;
        match Dockerfile::parse(src.clone()) {
            Ok(file) => {
                let got = dump(&file);
                if got != want {
                    failures.push(format!(
                        "{}:\n--- want\n{want}--- got\n{got}",
                        case.display()
                    ));
                }
                if file.reprint() != src {
                    failures.push(format!("{}: reprint differs", case.display()));
                }
            }
            Err(e) => failures.push(format!("{}: unexpected error {e}", case.display())),
        }
    }
    let mut negative = 0;
    for entry in std::fs::read_dir(dir.join("testfiles-negative")).expect("testfiles-negative") {
        let case = entry.unwrap().path();
        let src = std::fs::read(case.join("Dockerfile")).unwrap();
        negative += 1;
        if let Ok(file) = Dockerfile::parse(src) {
            failures.push(format!(
                "{}: accepted, dump:\n{}",
                case.display(),
                dump(&file)
            ));
        }
    }
    eprintln!("{positive} positive and {negative} negative BuildKit cases");
    assert!(positive > 0 && negative > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
