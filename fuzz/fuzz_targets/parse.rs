//! Any input: the parser never panics, and whatever it accepts prints back byte for byte, with
//! nothing but white space outside the tree's tokens.
#![no_main]

use libfuzzer_sys::fuzz_target;
use seaworthy_dockerfile::{dump::dump, Dockerfile, TokenKind};

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = Dockerfile::parse(data.to_vec()) {
        assert_eq!(file.reprint(), data);
        for t in file.tokens() {
            if t.kind == TokenKind::Trivia {
                let text = file.slice(t.span);
                assert!(
                    text.chars().all(|c| c.is_whitespace() || c == '\u{fffd}'),
                    "non-space trivia {text:?}"
                );
            }
        }
        let _ = dump(&file);
    }
});
