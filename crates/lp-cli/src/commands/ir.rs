//! `leanos-prove ir [PATH]`: print the resolved IR (a debugging aid, hidden from `--help`).

use crate::cli::Status;
use crate::output::{Output, tally};
use lp_driver::fs::OsFs;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A `.adt` file, or a project folder containing `leanos.toml`.
    #[arg(default_value = ".", value_parser = crate::cli::path_arg)]
    pub path: PathBuf,
}

pub fn run(args: Args, out: &Output) -> Status {
    let outcome = match lp_driver::check(&OsFs, &args.path) {
        Ok(o) => o,
        Err(e) => {
            out.fatal(&e.to_string());
            return Status::Error;
        }
    };
    if let Some(text) = lp_driver::ir_text(&outcome) {
        out.stdout(&text);
    }
    if !outcome.diagnostics.is_empty() {
        out.diagnostics(&outcome.db, &outcome.diagnostics, serde_json::json!({}), &tally(&outcome.diagnostics));
    }
    if outcome.error_count() > 0 { Status::Failure } else { Status::Success }
}
