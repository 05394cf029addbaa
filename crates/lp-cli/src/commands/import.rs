//! `leanos-prove import openapi FILE [-o OUT.adt]`: turns an OpenAPI 3.0/3.1 document (JSON or
//! YAML) into spec source text, printed on standard output or written atomically to `OUT`.
//!
//! Exit codes: 0 imported (warnings about lossy parts may have been reported), 1 the document
//! is not valid JSON/YAML, not OpenAPI, or of an unsupported version (nothing is written),
//! 2 the file cannot be read or the output cannot be written.

use crate::cli::Status;
use crate::output::{Output, tally};
use lp_diagnostics::render::ErrorFormat;
use lp_diagnostics::{Diagnostic, SourceDb};
use lp_driver::fs::{FileSystem, OsFs};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub format: Format,
}

#[derive(Debug, clap::Subcommand)]
pub enum Format {
    /// Import an OpenAPI 3.0 or 3.1 document (JSON or YAML) as a spec.
    Openapi(OpenapiArgs),
}

#[derive(Debug, clap::Args)]
pub struct OpenapiArgs {
    /// The OpenAPI document.
    #[arg(value_parser = crate::cli::path_arg)]
    pub file: PathBuf,
    /// Write the spec to this file (atomically) instead of standard output; required with
    /// `--error-format json`, `sarif` or `github`, whose diagnostics use standard output.
    #[arg(long, short = 'o', value_name = "OUT.adt", value_parser = crate::cli::output_file_arg)]
    pub output: Option<PathBuf>,
    /// Print every warning. Without it, human output shows the first few warnings of each
    /// code and counts the rest (every warning is still a `//` comment in the spec, and JSON,
    /// SARIF and GitHub output always hold them all).
    #[arg(long)]
    pub verbose: bool,
}

/// How many warnings of one code human output prints without `--verbose`.
pub const SHOWN_PER_CODE: usize = 3;

/// The diagnostics human output prints, and the summary by code: every error; of the warnings,
/// the first [`SHOWN_PER_CODE`] of each code, exact repeats (same code and message) once.
/// Returns the shown diagnostics, the count per code of all warnings (most frequent first) and
/// how many warnings are not shown.
pub fn grouped(diags: &[Diagnostic], verbose: bool) -> (Vec<Diagnostic>, Vec<(&'static str, usize)>, usize) {
    let mut per_code: std::collections::BTreeMap<&'static str, usize> = Default::default();
    let mut seen: std::collections::BTreeSet<(&'static str, &str)> = Default::default();
    let mut shown = Vec::new();
    let mut hidden = 0;
    for d in diags {
        if d.is_error() {
            shown.push(d.clone());
            continue;
        }
        let n = per_code.entry(d.code.id()).or_default();
        *n += 1;
        let repeat = !seen.insert((d.code.id(), d.message.as_str()));
        if verbose || (*n <= SHOWN_PER_CODE && !repeat) {
            shown.push(d.clone());
        } else {
            hidden += 1;
        }
    }
    let mut by_code: Vec<(&'static str, usize)> = per_code.into_iter().collect();
    by_code.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    (shown, by_code, hidden)
}

pub fn run(args: Args, out: &Output) -> Status {
    let Format::Openapi(args) = args.format;
    // JSON and SARIF diagnostics go to standard output, where the spec would go too.
    if args.output.is_none() && !matches!(out.format, ErrorFormat::Human) {
        out.fatal("with `--error-format json`, `sarif` or `github` the diagnostics use standard output; give the spec a file with `-o OUT.adt`");
        return Status::Error;
    }
    // The shared reading path: a FIFO or a device is refused instead of blocking or never ending.
    let bytes = match lp_driver::fs::FileSystem::read(&lp_driver::fs::OsFs, &args.file) {
        Ok(b) => b,
        Err(e) => {
            out.fatal(&format!("cannot read `{}`: {e}", args.file.display()));
            return Status::Error;
        }
    };
    let imported = match String::from_utf8(bytes) {
        Ok(text) => {
            // `$ref`s to other files are read from the document's folder, never outside it.
            let folder = args.file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
            let root = args.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let limits = lp_import::bundle::Limits::default();
            let files = FolderFiles { folder: folder.to_path_buf(), max_bytes: limits.max_bytes };
            lp_import::import_openapi_files(&text, &root, &files, limits)
        }
        Err(_) => lp_import::Imported {
            text: None,
            diagnostics: vec![lp_diagnostics::Diagnostic::new(
                lp_diagnostics::codes::IMPORT_UNREADABLE_DOCUMENT,
                format!("`{}` is not UTF-8 text, so it is not a JSON or YAML document", args.file.display()),
            )],
        },
    };
    let db = SourceDb::new();
    let report = |written: Option<&PathBuf>| {
        let mut summary = match (&imported.text, written) {
            (Some(_), Some(p)) => {
                format!("imported `{}` into `{}`: {}", args.file.display(), p.display(), tally(&imported.diagnostics))
            }
            (Some(_), None) => format!("imported `{}`: {}", args.file.display(), tally(&imported.diagnostics)),
            (None, _) => format!("could not import `{}`: {}", args.file.display(), tally(&imported.diagnostics)),
        };
        // Human output groups repeated warnings: the first few of each code, and a count by code.
        let human = matches!(out.format, ErrorFormat::Human);
        let (shown, by_code, hidden) = grouped(&imported.diagnostics, args.verbose || !human);
        if human && !by_code.is_empty() {
            let counts: Vec<String> = by_code.iter().map(|(c, n)| format!("{c} {n}")).collect();
            summary.push_str(&format!(" (by code: {})", counts.join(", ")));
            if hidden > 0 {
                summary.push_str(&format!(
                    "; {hidden} not shown (repeats, or past the first {SHOWN_PER_CODE} of a code): `--verbose` prints them all, and every one is a `//` comment in the spec"
                ));
            }
        }
        out.diagnostics(&db, &shown, serde_json::json!({}), &summary);
    };
    let Some(text) = imported.text.as_deref().filter(|_| !imported.has_errors()) else {
        report(None);
        return Status::Failure;
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = OsFs.write_atomic(path, text.as_bytes()) {
                out.fatal(&format!("cannot write `{}`: {e}", path.display()));
                return Status::Error;
            }
            report(Some(path));
        }
        None => {
            out.stdout(text);
            report(None);
        }
    }
    Status::Success
}

/// The files of a multi-file description, read from the root document's folder. The importer
/// hands over paths that stay inside it; a symbolic link that leads out of it is refused here,
/// and so is a file larger than the importer's bound on all files together.
struct FolderFiles {
    folder: PathBuf,
    max_bytes: usize,
}

impl lp_import::bundle::Files for FolderFiles {
    fn read(&self, path: &str) -> Result<String, String> {
        let full = self.folder.join(path);
        let inside = match (std::fs::canonicalize(&self.folder), std::fs::canonicalize(&full)) {
            (Ok(folder), Ok(file)) => file.starts_with(folder),
            (_, Err(e)) => return Err(e.to_string()),
            (Err(e), _) => return Err(e.to_string()),
        };
        if !inside {
            return Err("it leads out of the description's folder".into());
        }
        let len = std::fs::metadata(&full).map_err(|e| e.to_string())?.len();
        if len > self.max_bytes as u64 {
            return Err(format!("it is larger than {} bytes", self.max_bytes));
        }
        let bytes = FileSystem::read(&OsFs, &full).map_err(|e| e.to_string())?;
        String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string())
    }
}
