//! Any word, any lexer mode: expansion never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use seaworthy_dockerfile::expand::Lexer;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(word) = std::str::from_utf8(rest) else {
        return;
    };
    let env = vec![
        ("A".to_string(), "a b".to_string()),
        ("EMPTY".to_string(), String::new()),
    ];
    let mut lexer = Lexer::new(if mode & 1 == 0 { '\\' } else { '`' });
    lexer.raw_quotes = mode & 2 != 0;
    lexer.raw_escapes = mode & 4 != 0;
    lexer.skip_unset_env = mode & 8 != 0;
    lexer.skip_process_quotes = mode & 16 != 0;
    let _ = lexer.process_word(word, &env);
    let _ = lexer.process_words(word, &env);
});
