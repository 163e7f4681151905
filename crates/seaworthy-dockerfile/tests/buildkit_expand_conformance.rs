//! Conformance of `expand` with BuildKit's shell lexer (`frontend/dockerfile/shell`).
//!
//! BuildKit is not vendored and CI has no copy of it, so these tests run only when pointed at
//! one:
//!
//! - `SEAWORTHY_BUILDKIT_SHELL_DIR`: a directory holding BuildKit's golden files `envVarTest`
//!   and `wordsTest`, read the way BuildKit's `lex_test.go` reads them.
//! - `SEAWORTHY_BUILDKIT_ORACLE`: an executable wrapping BuildKit's `shell.Lex` (a short Go
//!   `main` is enough). It reads one JSON request a line, `{"word", "env": [[k, v]…], "escape",
//!   "raw_quotes", "raw_escapes", "skip_unset", "skip_process_quotes"}`, and answers one JSON
//!   line, `{"value", "matched", "unmatched", "err", "words", "words_err"}`, from
//!   `ProcessWordWithMatches` and `ProcessWords` (`err`/`words_err` are null on success, and the
//!   name lists are sorted). With it, randomly generated words are compared in every mode.
//!
//! Every mismatch is printed before the test fails.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use seaworthy_dockerfile::expand::Lexer;
use serde_json::{json, Value};

const DIR_VARIABLE: &str = "SEAWORTHY_BUILDKIT_SHELL_DIR";
const ORACLE_VARIABLE: &str = "SEAWORTHY_BUILDKIT_ORACLE";

fn golden_dir() -> Option<PathBuf> {
    let dir = std::env::var_os(DIR_VARIABLE).map(PathBuf::from);
    if dir.is_none() {
        println!("note: {DIR_VARIABLE} is not set; skipping BuildKit golden files");
    }
    dir
}

fn read(dir: &Path, name: &str) -> String {
    let path = dir.join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("reading {}: {err}", path.display()))
}

fn owned_env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn report(what: &str, passed: usize, failures: &[String]) {
    for failure in failures {
        println!("MISMATCH {failure}");
    }
    println!("{what}: {passed} passed, {} failed", failures.len());
    assert!(failures.is_empty(), "{what}: {} mismatches", failures.len());
}

/// `envVarTest`: `PLATFORM|input|expected` expanded with `ProcessWord`; only `A` and `U` lines
/// apply, since seaworthy expands as BuildKit does on Linux.
#[test]
fn env_var_golden_lines() {
    let Some(dir) = golden_dir() else { return };
    let text = read(&dir, "envVarTest");
    let env = owned_env(&[
        ("PWD", "/home"),
        ("SHELL", "bash"),
        ("KOREAN", "한국어"),
        ("NULL", ""),
    ]);
    let lexer = Lexer::new('\\');

    let (mut passed, mut failures) = (0, Vec::new());
    for (index, raw_line) in text.lines().enumerate() {
        if raw_line.starts_with('#') || raw_line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = raw_line.trim().split('|').collect();
        let [platform, input, expected] = fields[..] else {
            failures.push(format!(
                "envVarTest line {}: malformed {raw_line:?}",
                index + 1
            ));
            continue;
        };
        let (platform, input, expected) = (platform.trim(), input.trim(), expected.trim());
        if !matches!(platform, "A" | "U") {
            continue;
        }
        let result = lexer.process_word(input, &env);
        let ok = match &result {
            Err(_) => expected == "error",
            Ok(expansion) => expected != "error" && expansion.value == expected,
        };
        if ok {
            passed += 1;
        } else {
            failures.push(format!(
                "envVarTest line {}: {input:?} expected {expected:?}, got {result:?}",
                index + 1
            ));
        }
    }
    report("envVarTest lines", passed, &failures);
}

/// One `wordsTest` case: the input, the environment in force and the expected fields.
struct WordsCase {
    line: usize,
    input: String,
    env: Vec<(String, String)>,
    expected: Vec<String>,
}

fn words_cases(text: &str) -> (Vec<WordsCase>, Vec<String>) {
    let (mut cases, mut malformed, mut env) = (Vec::new(), Vec::new(), Vec::new());
    for (index, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if let Some(assignment) = line.strip_prefix("ENV ") {
            let assignment = assignment.trim_start_matches(' ');
            let (key, value) = assignment.split_once('=').unwrap_or((assignment, ""));
            env.push((key.to_string(), value.to_string()));
            continue;
        }
        let fields: Vec<&str> = line.split('|').collect();
        let [input, expected] = fields[..] else {
            malformed.push(format!("wordsTest line {}: malformed {line:?}", index + 1));
            continue;
        };
        cases.push(WordsCase {
            line: index + 1,
            input: input.trim().to_string(),
            env: env.clone(),
            expected: expected
                .trim_start_matches(' ')
                .split(',')
                .map(str::to_string)
                .collect(),
        });
    }
    (cases, malformed)
}

fn fields_or_error(lexer: &Lexer, case: &WordsCase) -> Vec<String> {
    lexer
        .process_words(&case.input, &case.env)
        .unwrap_or_else(|_| vec!["error".to_string()])
}

/// `wordsTest`: `input|w1,w2,…` split with `ProcessWords`, `ENV k=v` lines adding to the
/// environment.
///
/// BuildKit's test means to run the file twice, plainly and with raw quotes plus unset variables
/// left as written, but its second pass reads an exhausted file and checks nothing; the goldens
/// describe the plain mode only. In the second mode a golden is used only where it can apply
/// (no quotes, no unset variable); the other lines are compared with the oracle when there is
/// one.
#[test]
fn words_golden_lines() {
    let Some(dir) = golden_dir() else { return };
    let (cases, mut failures) = words_cases(&read(&dir, "wordsTest"));
    let mut passed = 0;

    let plain = Lexer::new('\\');
    for case in &cases {
        let result = fields_or_error(&plain, case);
        if result == case.expected {
            passed += 1;
        } else {
            failures.push(format!(
                "wordsTest line {} (plain): {:?} expected {:?}, got {result:?}",
                case.line, case.input, case.expected
            ));
        }
    }

    let mut raw_skip = Lexer::new('\\');
    raw_skip.raw_quotes = true;
    raw_skip.skip_unset_env = true;
    let mut for_oracle = Vec::new();
    for case in &cases {
        let has_quotes = case.input.contains(['\'', '"']);
        let has_unset = plain
            .process_word(&case.input, &case.env)
            .is_ok_and(|expansion| !expansion.unmatched.is_empty());
        if has_quotes || has_unset {
            for_oracle.push(case);
            continue;
        }
        let result = fields_or_error(&raw_skip, case);
        if result == case.expected {
            passed += 1;
        } else {
            failures.push(format!(
                "wordsTest line {} (raw quotes, skip unset): {:?} expected {:?}, got {result:?}",
                case.line, case.input, case.expected
            ));
        }
    }
    match Oracle::from_env() {
        None => println!(
            "note: {} wordsTest lines in raw-quotes/skip-unset mode have no golden; set \
             {ORACLE_VARIABLE} to compare them with BuildKit",
            for_oracle.len()
        ),
        Some(oracle) => {
            let requests: Vec<Request> = for_oracle
                .iter()
                .map(|case| Request {
                    word: case.input.clone(),
                    env: case.env.clone(),
                    lexer: raw_skip,
                })
                .collect();
            let answers = oracle.ask(&requests);
            for (request, answer) in requests.iter().zip(&answers) {
                match compare(request, answer) {
                    None => passed += 1,
                    Some(difference) => failures.push(difference),
                }
            }
        }
    }
    report("wordsTest cases", passed, &failures);
}

/// A small deterministic generator (xorshift), so that a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Pieces that exercise every branch of the lexer when glued together at random.
const FRAGMENTS: &[&str] = &[
    "$", "{", "}", ":", "-", "+", "?", "#", "%", "/", "\\", "'", "\"", "`", " ", "\t", "\n", "\r",
    "\u{a0}", "\u{3000}", "\u{85}", "<", "<<", "a", "b", "x", "A", "X", "Y", "E", "_", "0", "1",
    "9", "@", "*", "!", ".", "[", "(", "^", "é", "한", "\u{FEFF}", "٣", "²", "$X", "${X", "${X}",
    "${Y:-", "${E:+", "${U-", "${Y#", "${Y##", "${X%", "${X%%", "${Y/", "${Y//", "${U:?", "${E?",
    "$1", "${#}", "$$", "\\$", "\\\\", "\\}", "\\/", "\\*", "\"$X\"", "'$Y'", "*", "?", "b*", "?x",
];

fn random_word(rng: &mut Rng) -> String {
    let len = rng.below(9);
    (0..len)
        .map(|_| FRAGMENTS[rng.below(FRAGMENTS.len())])
        .collect()
}

/// Random words in every mode, compared with BuildKit's lexer run through the oracle.
#[test]
fn random_words_match_buildkit_oracle() {
    let Some(oracle) = Oracle::from_env() else {
        println!("note: {ORACLE_VARIABLE} is not set; skipping the comparison with BuildKit");
        return;
    };
    let env = owned_env(&[
        ("X", "a b*c?x"),
        ("Y", "x/y/zx.*x"),
        ("E", ""),
        ("N", "line\none"),
        ("S", "  spaced  out "),
    ]);
    let mut rng = Rng(0x5eaf_0071_2024_d0c5);
    let mut requests = Vec::new();
    for round in 0..40_000 {
        let mut lexer = Lexer::new(if round % 5 == 4 { '`' } else { '\\' });
        let mode = rng.below(16);
        lexer.raw_quotes = mode & 1 != 0;
        lexer.raw_escapes = mode & 2 != 0;
        lexer.skip_unset_env = mode & 4 != 0;
        lexer.skip_process_quotes = mode & 8 != 0 && rng.below(2) == 0;
        requests.push(Request {
            word: random_word(&mut rng),
            env: env.clone(),
            lexer,
        });
    }
    let answers = oracle.ask(&requests);
    let failures: Vec<String> = requests
        .iter()
        .zip(&answers)
        .filter_map(|(request, answer)| compare(request, answer))
        .collect();
    report(
        "random words against BuildKit",
        requests.len() - failures.len(),
        &failures,
    );
}

struct Request {
    word: String,
    env: Vec<(String, String)>,
    lexer: Lexer,
}

struct Oracle(PathBuf);

impl Oracle {
    fn from_env() -> Option<Self> {
        std::env::var_os(ORACLE_VARIABLE).map(|path| Self(PathBuf::from(path)))
    }

    fn ask(&self, requests: &[Request]) -> Vec<Value> {
        let mut child = Command::new(&self.0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("starting {}: {err}", self.0.display()));
        let mut input = String::new();
        for request in requests {
            let line = json!({
                "word": request.word,
                "env": request.env.iter().map(|(k, v)| [k, v]).collect::<Vec<_>>(),
                "escape": request.lexer.escape.to_string(),
                "raw_quotes": request.lexer.raw_quotes,
                "raw_escapes": request.lexer.raw_escapes,
                "skip_unset": request.lexer.skip_unset_env,
                "skip_process_quotes": request.lexer.skip_process_quotes,
            });
            input.push_str(&line.to_string());
            input.push('\n');
        }
        let mut stdin = child.stdin.take().expect("oracle stdin");
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let stdout = BufReader::new(child.stdout.take().expect("oracle stdout"));
        let answers: Vec<Value> = stdout
            .lines()
            .map(|line| serde_json::from_str(&line.expect("oracle output")).expect("oracle JSON"))
            .collect();
        writer
            .join()
            .expect("writer")
            .expect("writing to the oracle");
        child.wait().expect("oracle exit");
        assert_eq!(
            answers.len(),
            requests.len(),
            "the oracle answered too few lines"
        );
        answers
    }
}

fn string_list(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Compares seaworthy with the oracle's answer; `None` when they agree in every respect,
/// error messages included.
fn compare(request: &Request, answer: &Value) -> Option<String> {
    let lexer = &request.lexer;
    let ours_word = lexer
        .process_word(&request.word, &request.env)
        .map(|e| {
            (
                e.value,
                e.matched.into_iter().collect::<Vec<_>>(),
                e.unmatched.into_iter().collect::<Vec<_>>(),
            )
        })
        .map_err(|e| e.message);
    let theirs_word = match answer["err"].as_str() {
        Some(message) => Err(message.to_string()),
        None => Ok((
            answer["value"].as_str().unwrap_or_default().to_string(),
            string_list(&answer["matched"]),
            string_list(&answer["unmatched"]),
        )),
    };
    let ours_words = lexer
        .process_words(&request.word, &request.env)
        .map_err(|e| e.message);
    let theirs_words = match answer["words_err"].as_str() {
        Some(message) => Err(message.to_string()),
        None => Ok(string_list(&answer["words"])),
    };
    if ours_word == theirs_word && ours_words == theirs_words {
        return None;
    }
    Some(format!(
        "{:?} with {lexer:?}:\n  process_word  ours {ours_word:?}\n                theirs {theirs_word:?}\n  process_words ours {ours_words:?}\n                theirs {theirs_words:?}",
        request.word
    ))
}
