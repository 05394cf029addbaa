//! The `leanos-prove` binary: parses the command line and hands over to one module per command.

mod cli;
mod commands;
mod gate_log;
mod output;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
