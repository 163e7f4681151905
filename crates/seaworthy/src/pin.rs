//! `seaworthy pin`: image references pinned to the digests their registries serve.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args as ClapArgs;

#[derive(ClapArgs)]
pub struct PinArgs {
    /// Files or directories (default: the current directory).
    paths: Vec<PathBuf>,
}

pub fn run(args: PinArgs) -> ExitCode {
    let _ = args.paths;
    eprintln!("error: `seaworthy pin` is not built yet");
    ExitCode::from(2)
}
