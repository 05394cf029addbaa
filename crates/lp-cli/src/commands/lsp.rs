//! `leanos-prove lsp`: the language server, over standard input and output.

use crate::cli::Status;
use crate::output::Output;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Milliseconds without edits before the full check (z3 and property tests) runs.
    #[arg(long, default_value_t = 300, value_name = "MS")]
    pub debounce_ms: u64,
    /// Show only syntax and name diagnostics; never run the verification passes.
    #[arg(long)]
    pub no_full_check: bool,
    /// Accepted for editors that pass it; standard input and output are the only transport.
    #[arg(long, hide = true)]
    pub stdio: bool,
}

pub fn run(args: Args, out: &Output) -> Status {
    let config = lp_lsp::Config {
        debounce: Duration::from_millis(args.debounce_ms),
        full_check: !args.no_full_check,
        ..lp_lsp::Config::default()
    };
    match lp_lsp::run_stdio(config) {
        // The specification's exit codes: 0 after `shutdown`, 1 otherwise.
        Ok(0) => Status::Success,
        Ok(_) => Status::Failure,
        Err(e) => {
            out.fatal(&format!("the language server stopped: {e}"));
            Status::Error
        }
    }
}
