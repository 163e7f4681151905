//! `seaworthy fix`: the findings' fixes applied to the files, checked before they are written.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args as ClapArgs;

#[derive(ClapArgs)]
pub struct FixArgs {
    /// Files or directories (default: the current directory).
    paths: Vec<PathBuf>,
}

pub fn run(args: FixArgs) -> ExitCode {
    let _ = args.paths;
    eprintln!("error: `seaworthy fix` is not built yet");
    ExitCode::from(2)
}
