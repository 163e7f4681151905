//! Any Dockerfile that parses and models: every fix of every rule, applied pass after pass,
//! gives a file that still parses and models, and a second run changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use seaworthy_rules::fix::{converge, ConvergeError};
use seaworthy_rules::{check_dockerfile_text, Finding, Settings};

fn findings(text: &str) -> Result<Vec<Finding>, String> {
    check_dockerfile_text(text, &Settings::default())
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let all = |_: &Finding, _: &seaworthy_rules::Fix| true;
    match converge(vec![text.to_owned()], |t| findings(&t[0]), all) {
        Ok(done) => {
            let fixed = &done.texts[0];
            let again = converge(vec![fixed.clone()], |t| findings(&t[0]), all)
                .expect("the fixed file checks");
            assert!(again.applied.is_empty(), "a second run fixed more");
        }
        Err(ConvergeError::Input(_)) => {}
        Err(ConvergeError::Broken { rules, error }) => {
            panic!("the fixes of {rules:?} broke the file: {error}")
        }
    }
});
