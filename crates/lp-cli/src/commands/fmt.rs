//! `leanos-prove fmt [--check] [PATH]`: rewrite spec files in the canonical style.

use crate::cli::Status;
use crate::output::{Output, tally};
use lp_diagnostics::{Diagnostic, FileId, SourceDb};
use lp_driver::fs::{FileSystem, OsFs};
use std::io::Read;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A `.adt` file, a project folder, or `-` to format standard input to standard output.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Change nothing; list the files that are not formatted and exit with 1 if there are any.
    #[arg(long)]
    pub check: bool,
}

pub fn run(args: Args, out: &Output) -> Status {
    if args.path.as_os_str() == "-" {
        return stdin(args.check, out);
    }
    let (db, diags, files) = match lp_driver::format_files(&OsFs, &args.path) {
        Ok(r) => r,
        Err(e) => {
            out.fatal(&e.to_string());
            return Status::Error;
        }
    };
    let changed: Vec<_> = files.iter().filter(|f| f.changed()).collect();
    let mut status = if diags.iter().any(Diagnostic::is_error) { Status::Failure } else { Status::Success };
    if args.check {
        for f in &changed {
            out.stdout(&format!("would reformat {}\n", f.path.display()));
        }
        if !changed.is_empty() {
            status = Status::Failure;
        }
    } else {
        for f in &changed {
            if let Err(e) = OsFs.write_atomic(&f.path, f.formatted.as_bytes()) {
                out.fatal(&format!("cannot write `{}`: {e}", f.path.display()));
                return Status::Error;
            }
        }
    }
    let verb = if args.check { "would reformat" } else { "reformatted" };
    let summary = format!(
        "{verb} {} of {} file{}{}",
        changed.len(),
        files.len(),
        if files.len() == 1 { "" } else { "s" },
        if diags.is_empty() { String::new() } else { format!("; {}", tally(&diags)) }
    );
    let names: Vec<String> = changed.iter().map(|f| f.path.display().to_string()).collect();
    out.diagnostics(&db, &diags, serde_json::json!({ "changed": names }), &summary);
    status
}

/// Formats standard input to standard output, as editors call it.
fn stdin(check: bool, out: &Output) -> Status {
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
        out.fatal(&format!("cannot read standard input: {e}"));
        return Status::Error;
    }
    let mut db = SourceDb::new();
    let text = match lp_syntax::decode(&bytes) {
        Ok(t) => t,
        Err(d) => {
            let file = db.add("<stdin>", "");
            let d = d.at(file, Default::default(), "in standard input");
            out.diagnostics(&db, &[d], serde_json::json!({}), "standard input is not a spec file");
            return Status::Failure;
        }
    };
    let file: FileId = db.add("<stdin>", text);
    let parsed = lp_syntax::parse(file, &db.get(file).text);
    if parsed.diagnostics.iter().any(Diagnostic::is_error) {
        out.diagnostics(&db, &parsed.diagnostics, serde_json::json!({}), &tally(&parsed.diagnostics));
        return Status::Failure;
    }
    let formatted = lp_syntax::format::format(&parsed.value, &db.get(file).text);
    if check {
        if formatted != db.get(file).text {
            out.stdout("would reformat <stdin>\n");
            return Status::Failure;
        }
        return Status::Success;
    }
    out.stdout(&formatted);
    Status::Success
}
