//! `leanos-prove explain CODE`: print a diagnostic code's documentation.

use crate::cli::Status;
use crate::output::Output;
use lp_diagnostics::codes::{ALL, Code};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A code such as `LP1001` (case-insensitive).
    #[arg(required_unless_present = "list")]
    pub code: Option<String>,
    /// List every code with its one-line summary instead.
    #[arg(long, conflicts_with = "code")]
    pub list: bool,
}

pub fn run(args: Args, out: &Output) -> Status {
    if args.list {
        let mut text = String::new();
        for c in ALL {
            let info = c.info();
            text.push_str(&format!("{}  {:<8} {:<24} {}\n", info.id, info.severity.as_str(), info.name, info.summary));
        }
        out.stdout(&text);
        return Status::Success;
    }
    let id = args.code.unwrap_or_default();
    match Code::lookup(id.trim()) {
        Some(code) => {
            let doc = code.info().doc;
            out.stdout(doc);
            if !doc.ends_with('\n') {
                out.stdout("\n");
            }
            Status::Success
        }
        None => {
            out.fatal(&format!("unknown diagnostic code `{id}`; `leanos-prove explain --list` lists them"));
            Status::Error
        }
    }
}
