//! `leanos-prove diff OLD NEW` and `leanos-prove diff --against git:REV NEW`: the compatibility
//! report between two versions of a spec, with the rule, categories and status of every
//! change, and the migration verdicts.
//!
//! With `--against git:REV`, the previous version is the same path at a git revision of the
//! repository that holds NEW: `git archive REV PATH` is unpacked into a temporary folder
//! (removed afterwards). This command is the only place that runs git.

use crate::cli::Status;
use crate::output::{Output, tally};
use lp_diagnostics::render::ErrorFormat;
use lp_driver::CheckOptions;
use lp_driver::fs::OsFs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// One line per change on standard output.
    Text,
    /// A Markdown changelog on standard output.
    Markdown,
    /// `versions.yaml`, as `build` writes it, on standard output.
    Yaml,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The previous version (a `.adt` file or a project folder); omit it with `--against`.
    #[arg(value_name = "OLD", value_parser = crate::cli::path_arg)]
    pub paths: Vec<PathBuf>,
    /// The previous version, instead of OLD: a path, or `git:REV` to read it from a git
    /// revision of the repository holding NEW (`git:HEAD~1`, `git:v1.0.0`).
    #[arg(long, value_name = "PATH|git:REV")]
    pub against: Option<String>,
    /// How the changes are printed on standard output (diagnostics follow `--error-format`).
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    #[command(flatten)]
    pub discharge: crate::commands::check::DischargeFlags,
}

/// A temporary folder removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn git(args: &[&str], dir: &Path) -> Result<String, String> {
    let out = Command::new("git").args(args).current_dir(dir).output().map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!("git {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Unpacks `new` as of `rev` into a temporary folder; returns the folder and the path of
/// the old version in it.
fn checkout(rev: &str, new: &Path) -> Result<(TempDir, PathBuf), String> {
    let abs = std::fs::canonicalize(new).map_err(|e| format!("cannot read `{}`: {e}", new.display()))?;
    let dir = if abs.is_dir() { abs.clone() } else { abs.parent().map(Path::to_path_buf).unwrap_or_default() };
    let top = PathBuf::from(git(&["rev-parse", "--show-toplevel"], &dir)?);
    let rel = abs.strip_prefix(&top).map_err(|_| format!("`{}` is not inside {}", new.display(), top.display()))?;
    let rel_text = if rel.as_os_str().is_empty() { ".".to_string() } else { rel.to_string_lossy().replace('\\', "/") };
    let tmp = TempDir(std::env::temp_dir().join(format!("leanos-prove-diff-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&tmp.0);
    std::fs::create_dir_all(&tmp.0).map_err(|e| format!("cannot create {}: {e}", tmp.0.display()))?;
    let mut archive = Command::new("git")
        .args(["archive", "--format=tar", rev, "--", &rel_text])
        .current_dir(&top)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let stdout = archive.stdout.take().ok_or("git archive has no output")?;
    let tar = Command::new("tar")
        .args(["-x", "-f", "-", "-C"])
        .arg(&tmp.0)
        .stdin(stdout)
        .output()
        .map_err(|e| format!("cannot run tar: {e}"))?;
    let status = archive.wait_with_output().map_err(|e| format!("git archive: {e}"))?;
    if !status.status.success() {
        return Err(format!("git archive {rev} failed: {}", String::from_utf8_lossy(&status.stderr).trim()));
    }
    if !tar.status.success() {
        return Err(format!("tar failed: {}", String::from_utf8_lossy(&tar.stderr).trim()));
    }
    let old = tmp.0.join(rel);
    Ok((tmp, old))
}

pub fn run(args: Args, out: &Output) -> Status {
    // The temporary checkout lives until the comparison is done.
    let (old, new, _tmp) = match (&args.against, args.paths.as_slice()) {
        (None, [old, new]) => (old.clone(), new.clone(), None),
        (Some(spec), [new]) => {
            let Some(rev) = spec.strip_prefix("git:") else {
                return compare(&PathBuf::from(spec), new, &args, out);
            };
            match checkout(rev, new) {
                Ok((tmp, old)) => (old, new.clone(), Some(tmp)),
                Err(e) => {
                    out.fatal(&e);
                    return Status::Error;
                }
            }
        }
        _ => {
            out.fatal("usage: `diff OLD NEW`, or `diff --against OLD|git:REV NEW`");
            return Status::Error;
        }
    };
    compare(&old, &new, &args, out)
}

/// Compares two versions on disk and reports.
fn compare(old: &Path, new: &Path, args: &Args, out: &Output) -> Status {
    let opts = CheckOptions { use_cache: false, ..args.discharge.options() };
    let outcome = match lp_driver::compat::diff_paths(&OsFs, old, new, &opts) {
        Ok(o) => o,
        Err(e) => {
            out.fatal(&e.to_string());
            return Status::Error;
        }
    };
    let mut summary = String::new();
    let mut extra = serde_json::json!({});
    if let Some(report) = &outcome.report {
        let text = match args.format {
            ReportFormat::Text => lp_compat::output::human(report),
            ReportFormat::Markdown => lp_compat::output::markdown(report, &outcome.versions),
            ReportFormat::Yaml => lp_compat::output::versions_yaml(report, &outcome.versions),
        };
        // With `--error-format json` the changes are in the JSON object; with SARIF only the
        // diagnostics are printed, so that standard output stays one document.
        if out.format == ErrorFormat::Human {
            out.stdout(&text);
        }
        extra = lp_compat::output::json(report, &outcome.db);
        let breaking = report.changes.iter().filter(|(_, s)| *s == lp_compat::Status::Breaking).count();
        let n = report.changes.len();
        summary = format!("{n} change{} ({breaking} breaking and not covered), ", if n == 1 { "" } else { "s" });
    }
    summary.push_str(&tally(&outcome.diagnostics));
    out.diagnostics(&outcome.db, &outcome.diagnostics, extra, &summary);
    if outcome.error_count() > 0 { Status::Failure } else { Status::Success }
}
