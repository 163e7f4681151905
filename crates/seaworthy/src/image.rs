//! `seaworthy image`: audit a built image (to be written).

use std::process::ExitCode;

use clap::Args as ClapArgs;

use crate::output::OutputArgs;

#[derive(ClapArgs)]
pub struct ImageArgs {
    /// A `docker save` archive, an OCI layout (directory or tar), or a registry reference.
    pub image: String,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub fn run(args: ImageArgs) -> ExitCode {
    eprintln!(
        "error: `seaworthy image {}` is not available yet",
        args.image
    );
    ExitCode::from(2)
}
