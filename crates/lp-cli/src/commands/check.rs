//! `leanos-prove check [PATH]`: parse, resolve and check, then report.

use crate::cli::Status;
use crate::output::{Output, tally};
use lp_driver::fs::OsFs;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A `.adt` file, or a project folder containing `leanos.toml`.
    #[arg(default_value = ".")]
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
    let n = outcome.files.len();
    let summary = format!("checked {n} file{}: {}", if n == 1 { "" } else { "s" }, tally(&outcome.diagnostics));
    let files: Vec<String> = outcome.files.iter().map(|f| outcome.db.get(f.file).name.clone()).collect();
    out.diagnostics(&outcome.db, &outcome.diagnostics, serde_json::json!({ "files": files }), &summary);
    if outcome.error_count() > 0 { Status::Failure } else { Status::Success }
}
