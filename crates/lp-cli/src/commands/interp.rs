//! `leanos-prove interp [PATH]`: the reference interpreter as a process speaking JSON lines on
//! standard input and output (`lp_interp::serve`), for the generated services' differential
//! tests.

use crate::cli::Status;
use crate::output::{Output, tally};
use lp_driver::fs::OsFs;
use std::io::{BufRead, Write};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A `.adt` file, or a project folder containing `leanos.toml`.
    #[arg(default_value = ".", value_parser = crate::cli::path_arg)]
    pub path: PathBuf,
}

pub fn run(args: Args, out: &Output) -> Status {
    let analysis = match lp_driver::analyze::analyze(&OsFs, &args.path) {
        Ok(a) => a,
        Err(e) => {
            out.fatal(&format!("{}: {e}", args.path.display()));
            return Status::Error;
        }
    };
    let errors = analysis.diagnostics.iter().any(lp_diagnostics::Diagnostic::is_error);
    let spec = match analysis.spec {
        Some(spec) if !errors => spec,
        _ => {
            // The spec does not resolve: report why, and answer nothing (standard output stays
            // free of protocol lines, so a caller sees the end of input at once).
            out.diagnostics(&analysis.db, &analysis.diagnostics, serde_json::json!({}), &tally(&analysis.diagnostics));
            if !errors {
                out.fatal("the input holds no spec to run");
            }
            return Status::Failure;
        }
    };
    let mut session = lp_interp::serve::Session::new(&spec);
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                out.fatal(&format!("standard input: {e}"));
                return Status::Error;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let answer = session.handle_text(&line);
        // A closed standard output ends the session like the end of the input.
        if writeln!(stdout, "{answer}").and_then(|()| stdout.flush()).is_err() {
            return Status::Success;
        }
    }
    Status::Success
}
