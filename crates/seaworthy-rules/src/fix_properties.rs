//! Properties of every fix together, over generated Dockerfiles and the repository's own:
//! fixing never makes a file that fails to parse or model, never edits bytes outside the
//! finding it repairs, and reaches a fixed point (a second run changes nothing).

use proptest::prelude::*;

use crate::fix::{converge, ConvergeError};
use crate::testing::fix_stays_in_place;
use crate::{check_dockerfile_text, Finding, Settings};

fn all_findings(text: &str) -> Result<Vec<Finding>, String> {
    check_dockerfile_text(text, &Settings::default())
}

/// Fixes `src` with every fix, safe and unsafe; `None` when `src` itself does not check.
/// Panics when a fix edits outside its finding, a pass breaks the file, or a second run
/// changes the result.
fn fix_all(src: &str) -> Option<String> {
    let in_place = |f: &Finding, _: &crate::Fix| {
        assert!(
            fix_stays_in_place(f),
            "{}: an edit outside the finding's spans: {:?}\n{src}",
            f.rule.id,
            f.fix
        );
        true
    };
    let done = match converge(vec![src.to_owned()], |t| all_findings(&t[0]), in_place) {
        Ok(done) => done,
        Err(ConvergeError::Input(_)) => return None,
        Err(ConvergeError::Broken { rules, error }) => {
            panic!("the fixes of {rules:?} broke the file ({error}):\n{src}")
        }
    };
    let fixed = done.texts.into_iter().next().unwrap();
    let again = converge(vec![fixed.clone()], |t| all_findings(&t[0]), in_place)
        .unwrap_or_else(|e| panic!("the fixed file does not check: {e:?}\n{fixed}"));
    assert!(
        again.applied.is_empty(),
        "a second fix applied {:?} to:\n{fixed}",
        again.applied.iter().map(|a| a.rule.id).collect::<Vec<_>>()
    );
    Some(fixed)
}

/// Every rule's documented Dockerfiles, the building blocks of the generated files.
fn examples() -> Vec<&'static str> {
    crate::rules::dockerfile::all()
        .iter()
        .flat_map(|r| [r.meta().bad, r.meta().good])
        .collect()
}

/// A generated variation of a Dockerfile: keywords in another case, words moved to
/// continuation lines (some with a comment line inside), CRLF line ends.
fn vary(src: &str, seed: &[u8], crlf: bool) -> String {
    let mut out = String::new();
    for (i, line) in src.split_inclusive('\n').enumerate() {
        let pick = seed.get(i % seed.len().max(1)).copied().unwrap_or(0);
        let (body, end) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let mut body = body.to_owned();
        // The keyword of an instruction line, in lower case.
        if pick & 1 == 1 {
            if let Some(sp) = body.find(' ') {
                let (kw, rest) = body.split_at(sp);
                if kw.chars().all(|c| c.is_ascii_uppercase()) && !kw.is_empty() {
                    body = format!("{}{rest}", kw.to_ascii_lowercase());
                }
            }
        }
        // A RUN's words split over continuation lines.
        if pick & 2 == 2 && body.starts_with("RUN ") && !body.contains("<<") {
            let words: Vec<&str> = body.split(' ').collect();
            if words.len() > 3 && !body.ends_with('\\') {
                let cut = 2 + (pick as usize >> 2) % (words.len() - 2);
                let comment = if pick & 4 == 4 { "# between\n" } else { "" };
                body = format!(
                    "{} \\\n{comment}    {}",
                    words[..cut].join(" "),
                    words[cut..].join(" ")
                );
            }
        }
        out.push_str(&body);
        out.push_str(end);
    }
    if crlf {
        out = out.replace('\n', "\r\n");
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn fixing_generated_dockerfiles_keeps_them_valid(
        picks in proptest::collection::vec(any::<prop::sample::Index>(), 1..4),
        seed in proptest::collection::vec(any::<u8>(), 1..16),
        crlf in any::<bool>(),
    ) {
        let pool = examples();
        // Several examples one after the other: a multi-stage file.
        let mut src = String::new();
        for p in &picks {
            let ex = pool[p.index(pool.len())];
            src.push_str(ex);
            if !ex.ends_with('\n') {
                src.push('\n');
            }
        }
        let src = vary(&src, &seed, crlf);
        if let Some(fixed) = fix_all(&src) {
            if crlf {
                prop_assert!(
                    !fixed.replace("\r\n", "").contains('\n'),
                    "a fix wrote LF into a CRLF file:\n{fixed:?}"
                );
            }
        }
    }
}

#[test]
fn fixing_the_repositorys_dockerfiles_keeps_them_valid() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut seen = 0;
    for dir in ["examples", "crates/seaworthy/tests/fixtures"] {
        for entry in walk(&root.join(dir)) {
            let name = entry.file_name().unwrap().to_string_lossy().to_string();
            if !name.contains("Dockerfile") {
                continue;
            }
            let src = std::fs::read_to_string(&entry).unwrap();
            assert!(
                fix_all(&src).is_some(),
                "{} does not check",
                entry.display()
            );
            seen += 1;
        }
    }
    assert!(seen >= 4, "only {seen} Dockerfiles found");
    for ex in examples() {
        fix_all(ex);
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
