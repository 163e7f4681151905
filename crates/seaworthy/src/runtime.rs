//! `seaworthy runtime`: audit running containers and the daemon (to be written).

use std::process::ExitCode;

use clap::Args as ClapArgs;

use crate::output::OutputArgs;

#[derive(ClapArgs)]
pub struct RuntimeArgs {
    /// Containers by name or id (default: every running one).
    pub containers: Vec<String>,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub fn run(args: RuntimeArgs) -> ExitCode {
    eprintln!(
        "error: `seaworthy runtime` is not available yet ({} containers named)",
        args.containers.len()
    );
    ExitCode::from(2)
}
