//! `leanos-prove build [PATH]`: check, then write the build output atomically.

use crate::cli::Status;
use crate::commands::check::{CheckFlags, report};
use crate::output::Output;
use lp_driver::fs::OsFs;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A `.adt` file, or a project folder containing `leanos.toml`.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The output folder; by default the project's `build.output`.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub flags: CheckFlags,
}

pub fn run(args: Args, out: &Output) -> Status {
    match lp_driver::build(&OsFs, &args.path, &args.flags.options(), args.out.as_deref()) {
        Ok(b) => {
            let (trailer, dir) = match &b.out_dir {
                Some(dir) => {
                    (format!("\nwrote {} files to {}", b.written.len(), dir.display()), Some(dir.display().to_string()))
                }
                None => ("\nnothing written: the spec has errors".to_string(), None),
            };
            let trailer = if b.check.input.is_none() { String::new() } else { trailer };
            report(&b.check, &args.flags, out, serde_json::json!({ "out_dir": dir, "written": b.written }), &trailer)
        }
        Err(lp_driver::BuildError::Load(e)) => {
            out.fatal(&e.to_string());
            Status::Error
        }
        Err(lp_driver::BuildError::Write(e)) => {
            out.fatal(&e.to_string());
            Status::Error
        }
    }
}
