//! `leanos-prove check [PATH]`: parse, resolve, run every pass, discharge every obligation,
//! then report diagnostics and a summary of verdicts.

use crate::cli::Status;
use crate::output::{Output, tally};
use lp_diagnostics::render::ErrorFormat;
use lp_driver::fs::OsFs;
use lp_driver::{CheckOptions, CheckOutcome, ObligationResult};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A `.adt` file, or a project folder containing `leanos.toml`.
    #[arg(default_value = ".", value_parser = crate::cli::path_arg)]
    pub path: PathBuf,
    #[command(flatten)]
    pub flags: CheckFlags,
}

/// How obligations are discharged: the flags `check`, `build` and `diff` share.
#[derive(Debug, clap::Args)]
pub struct DischargeFlags {
    /// z3's time limit per obligation, in milliseconds; a timeout is `unknown` and fails.
    #[arg(long, value_name = "MS", default_value_t = CheckOptions::default().smt_timeout_ms,
          value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub smt_timeout: u64,
    /// Property-test cases per law.
    #[arg(long, value_name = "N", default_value_t = CheckOptions::default().props_cases,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub cases: u32,
    /// The property tests' seed (recorded in every `tested` verdict, so a run can be replayed).
    #[arg(long, value_name = "SEED", default_value_t = CheckOptions::default().seed)]
    pub seed: u64,
}

/// The flags `check` and `build` share.
#[derive(Debug, clap::Args)]
pub struct CheckFlags {
    /// List every obligation with its verdict, not only the summary.
    #[arg(long, short)]
    pub verbose: bool,
    /// Discharge every obligation again instead of reusing cached verdicts.
    #[arg(long)]
    pub no_cache: bool,
    #[command(flatten)]
    pub discharge: DischargeFlags,
    /// How many steps state-machine exploration goes before an unproved invariant is only
    /// `bounded` (default: the project's `[check] depth`, else 10000).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub depth: Option<u32>,
}

impl DischargeFlags {
    /// The options with these settings and the defaults for the rest.
    pub fn options(&self) -> CheckOptions {
        CheckOptions {
            smt_timeout_ms: self.smt_timeout,
            props_cases: self.cases,
            seed: self.seed,
            ..CheckOptions::default()
        }
    }
}

impl CheckFlags {
    pub fn options(&self) -> CheckOptions {
        CheckOptions { use_cache: !self.no_cache, machine_depth: self.depth, ..self.discharge.options() }
    }
}

pub fn run(args: Args, out: &Output) -> Status {
    match lp_driver::check_with(&OsFs, &args.path, &args.flags.options()) {
        Ok(outcome) => report(&outcome, &args.flags, out, serde_json::json!({}), ""),
        Err(e) => {
            out.fatal(&e.to_string());
            Status::Error
        }
    }
}

/// Reports a check's diagnostics, obligations and summary; `extra` joins the JSON object and
/// `trailer` the human summary.
pub fn report(
    outcome: &CheckOutcome,
    flags: &CheckFlags,
    out: &Output,
    extra: serde_json::Value,
    trailer: &str,
) -> Status {
    let n = outcome.files.len();
    let mut summary = String::new();
    if !outcome.results.is_empty() {
        if flags.verbose && out.format == ErrorFormat::Human {
            summary.push_str(&listing(&outcome.results));
        }
        summary.push_str(&verdict_summary(&outcome.results));
    }
    summary.push_str(&format!("checked {n} file{}: {}", if n == 1 { "" } else { "s" }, tally(&outcome.diagnostics)));
    summary.push_str(trailer);
    let files: Vec<String> = outcome.files.iter().map(|f| outcome.db.get(f.file).name.clone()).collect();
    let obligations: Vec<serde_json::Value> = outcome.results.iter().map(|r| obligation_json(&outcome.db, r)).collect();
    let mut json = serde_json::json!({ "files": files, "obligations": obligations });
    if let (Some(o), serde_json::Value::Object(extra)) = (json.as_object_mut(), extra) {
        o.extend(extra);
    }
    out.diagnostics(&outcome.db, &outcome.diagnostics, json, &summary);
    if outcome.error_count() > 0 { Status::Failure } else { Status::Success }
}

/// Counts per verdict, then per pass.
fn verdict_summary(results: &[ObligationResult]) -> String {
    const ORDER: [&str; 5] = ["proved", "bounded", "tested", "failed", "unknown"];
    let mut total: BTreeMap<&str, usize> = BTreeMap::new();
    let mut per_pass: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for r in results {
        *total.entry(r.verdict.name()).or_default() += 1;
        *per_pass.entry(r.obligation.pass.as_str()).or_default().entry(r.verdict.name()).or_default() += 1;
    }
    let counts = |m: &BTreeMap<&str, usize>| {
        ORDER.iter().filter_map(|v| m.get(v).map(|n| format!("{n} {v}"))).collect::<Vec<_>>().join(", ")
    };
    let mut s = format!("obligations: {} ({})\n", results.len(), counts(&total));
    for (pass, m) in &per_pass {
        s.push_str(&format!("  {pass:<12} {}\n", counts(m)));
    }
    s
}

/// One line per obligation, for `--verbose`.
fn listing(results: &[ObligationResult]) -> String {
    let mut s = String::new();
    for r in results {
        let detail = match &r.verdict {
            lp_check::Verdict::Proved { method } => format!("{method:?}").to_lowercase(),
            lp_check::Verdict::Bounded { depth } => format!("depth {depth}"),
            lp_check::Verdict::Tested { cases, seed } => format!("{cases} cases, seed {seed}"),
            lp_check::Verdict::Failed { counterexample } => counterexample.summary.clone(),
            lp_check::Verdict::Unknown { reason } => reason.clone(),
        };
        s.push_str(&format!("{:<8} {}  ({detail})\n", r.verdict.name(), r.obligation.id));
    }
    s
}

fn obligation_json(db: &lp_diagnostics::SourceDb, r: &ObligationResult) -> serde_json::Value {
    let f = db.get(r.obligation.file);
    let at = f.line_col(r.obligation.span.start as usize);
    serde_json::json!({
        "id": r.obligation.id,
        "pass": r.obligation.pass,
        "kind": r.obligation.kind,
        "claim": r.obligation.claim,
        "method": r.obligation.method,
        "file": f.name,
        "line": at.line,
        "column": at.column,
        "verdict": r.verdict,
        "digest": r.digest,
        "cached": r.cached,
    })
}
