//! Any bytes as a Compose file: the YAML reader, the loader (interpolation, merge keys,
//! extends within the file, validation) and every Compose rule never panic, and aliases never
//! blow up memory.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("seaworthy-fuzz-compose-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = seaworthy_compose::yaml::parse_documents(text);
    let file = dir().join("compose.yaml");
    std::fs::write(&file, data).unwrap();
    let options = seaworthy_compose::Options {
        files: vec![file],
        working_dir: dir().clone(),
        environment: [("HOME".to_string(), "/nonexistent".to_string())].into(),
        ..Default::default()
    };
    if let Ok(project) = seaworthy_compose::load(&options) {
        let _ = seaworthy_compose::json::to_json(&project);
        let _ = seaworthy_rules::check_compose(&project, &Default::default());
    }
});
