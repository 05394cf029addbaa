//! `leanos-prove build [PATH]`: check, generate, compose and sign, then write the output
//! atomically, with a progress display on a terminal and a final summary.

use crate::cli::Status;
use crate::commands::check::{CheckFlags, report};
use crate::output::Output;
use lp_diagnostics::render::ErrorFormat;
use lp_driver::fs::OsFs;
use lp_driver::{BuildOptions, BuildStage};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A `.adt` file, or a project folder containing `leanos.toml`.
    #[arg(default_value = ".", value_parser = crate::cli::path_arg)]
    pub path: PathBuf,
    /// The output folder; by default the project's `build.output`. The output is a folder,
    /// so `-` (standard output) is refused.
    #[arg(long, value_name = "DIR", value_parser = crate::cli::path_arg)]
    pub out: Option<PathBuf>,
    /// The private key (PKCS#8 PEM) that signs the certificate; by default the
    /// LEANOS_SIGNING_KEY environment variable, else the project's `[signing] key`.
    #[arg(long, value_name = "FILE", env = "LEANOS_SIGNING_KEY", value_parser = crate::cli::path_arg)]
    pub key: Option<PathBuf>,
    /// No progress display.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub flags: CheckFlags,
}

pub fn run(args: Args, out: &Output) -> Status {
    let show_progress = !args.quiet && out.format == ErrorFormat::Human && std::io::stderr().is_terminal();
    let bar = show_progress.then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(100));
        bar
    });
    let progress = |stage: BuildStage| {
        if let Some(bar) = &bar {
            bar.set_message(format!("build: {}", stage.as_str()));
        }
    };
    // Another build of the same output holds its lock: say so at once, like cargo's "Blocking
    // waiting for file lock", then wait (LP8030 is reported when the build is done).
    let waiting = |lock: &std::path::Path| {
        let line =
            format!("Blocking waiting for file lock `{}`: another build is writing this output\n", lock.display());
        match &bar {
            Some(bar) => bar.suspend(|| out.stderr(&line)),
            None => out.stderr(&line),
        }
    };
    let opts = BuildOptions {
        out: args.out.clone(),
        key: args.key.clone(),
        progress: Some(&progress),
        waiting: Some(&waiting),
    };
    let result = lp_driver::build_with(&OsFs, &args.path, &args.flags.options(), &opts);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(b) => {
            let certified = b.written.iter().any(|w| w == lp_driver::certify::CERTIFICATE_PATH);
            let (trailer, dir) = match &b.out_dir {
                Some(dir) => {
                    let cert = if certified {
                        format!("; certificate {}", dir.join(lp_driver::certify::CERTIFICATE_PATH).display())
                    } else {
                        "; no certificate (unsigned)".to_string()
                    };
                    (
                        format!("\nwrote {} files to {}{cert}", b.written.len(), dir.display()),
                        Some(dir.display().to_string()),
                    )
                }
                None => ("\nnothing written: the spec has errors".to_string(), None),
            };
            let trailer = if b.check.input.is_none() { String::new() } else { trailer };
            if b.out_dir.is_none() && b.check.input.is_some() {
                let errors = b.check.diagnostics.iter().filter(|d| d.is_error()).count();
                let summary = format!("the spec has {errors} error{}", if errors == 1 { "" } else { "s" });
                crate::gate_log::record_failure(&args.path, "build", &summary, out);
            }
            report(
                &b.check,
                &args.flags,
                out,
                serde_json::json!({ "out_dir": dir, "written": b.written, "certified": certified }),
                &trailer,
            )
        }
        Err(e) => {
            out.fatal(&e.to_string());
            crate::gate_log::record_failure(&args.path, "build", &e.to_string(), out);
            Status::Error
        }
    }
}
