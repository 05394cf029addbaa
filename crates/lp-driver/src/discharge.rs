//! Discharging obligations: in parallel on all cores, through the verdict cache.
//!
//! Each obligation is content-addressed ([`lp_check::Obligation::digest`]); a cached verdict
//! is reused only for an identical digest, which covers the claim, the tool version and the
//! discharge options that can change a verdict (time limit, case count, seed).

use crate::fs::FileSystem;
use lp_check::{Goal, Obligation, Verdict};
use lp_ir::Spec;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The tool version hashed into every obligation digest.
pub const TOOL_VERSION: &str = concat!("leanos-prove ", env!("CARGO_PKG_VERSION"));

/// Settings that change how obligations are discharged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOptions {
    /// z3's time limit per obligation, in milliseconds.
    pub smt_timeout_ms: u64,
    /// Property-test cases per law.
    pub props_cases: u32,
    /// The property tests' seed; recorded in every `tested` verdict.
    pub seed: u64,
    /// Whether to read and write the verdict cache.
    pub use_cache: bool,
    /// The state-machine exploration depth; `None` takes the project's `[check] depth`, else
    /// the default.
    pub machine_depth: Option<u32>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            smt_timeout_ms: 2_000,
            props_cases: 256,
            seed: 0x1ea0_5eed,
            use_cache: true,
            machine_depth: None,
        }
    }
}

impl CheckOptions {
    /// The part of the options that a verdict depends on, folded into digests.
    fn fingerprint(&self) -> String {
        format!(
            "{TOOL_VERSION};smt={};smt-timeout={};cases={};seed={}",
            lp_smt::TRANSLATION_REVISION,
            self.smt_timeout_ms,
            self.props_cases,
            self.seed
        )
    }
}

/// One discharged obligation.
#[derive(Debug, Clone)]
pub struct ObligationResult {
    pub obligation: Obligation,
    pub verdict: Verdict,
    /// The obligation's content address.
    pub digest: String,
    /// Whether the verdict came from the cache.
    pub cached: bool,
}

/// The verdict cache: digest → verdict, one JSON file per input.
#[derive(Debug, Default)]
pub struct Cache {
    path: Option<PathBuf>,
    entries: BTreeMap<String, Verdict>,
}

impl Cache {
    /// A cache file in an input folder: `<dir>/.leanos/cache/<name>`.
    pub fn location(dir: &Path, name: &str) -> PathBuf {
        dir.join(".leanos").join("cache").join(name)
    }

    /// Loads a cache; a missing or unreadable one is empty (the cache is only an optimisation).
    pub fn load(fs: &dyn FileSystem, path: PathBuf) -> Cache {
        let entries = fs
            .read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<BTreeMap<String, Verdict>>(&bytes).ok())
            .unwrap_or_default();
        Cache { path: Some(path), entries }
    }

    /// Replaces the cache with the verdicts of this run, so it never grows without bound.
    /// `unknown` verdicts are not cached: a later run with more time may decide them.
    pub fn store(&self, fs: &dyn FileSystem, results: &[ObligationResult]) -> std::io::Result<()> {
        let Some(path) = &self.path else { return Ok(()) };
        let entries: BTreeMap<&str, &Verdict> = results
            .iter()
            .filter(|r| !matches!(r.verdict, Verdict::Unknown { .. }))
            .map(|r| (r.digest.as_str(), &r.verdict))
            .collect();
        if let Some(parent) = path.parent() {
            fs.create_dir_all(parent)?;
        }
        let text = serde_json::to_vec_pretty(&entries).map_err(std::io::Error::other)?;
        fs.write_atomic(path, &text)
    }
}

/// The most cases a claim about an operation body runs (each case draws a whole store).
pub const RUN_CASES: u32 = 128;

/// Discharges one obligation, without the cache.
pub fn discharge_one(spec: &Spec, ob: &Obligation, opts: &CheckOptions) -> Verdict {
    match &ob.goal {
        Goal::Decided(v) => v.clone(),
        Goal::Smt(goal) => lp_smt::discharge(spec, goal, &lp_smt::SmtOptions { timeout_ms: opts.smt_timeout_ms }),
        Goal::Law(goal) => {
            lp_props::discharge(spec, goal, &lp_props::PropsOptions { cases: opts.props_cases, seed: opts.seed })
        }
        // z3 proves what it can decide; everything else (and every refutation, whose
        // concrete counterexample the interpreter finds) is tested in the interpreter.
        Goal::Run(goal) => {
            match lp_smt::discharge_run(spec, goal, &lp_smt::SmtOptions { timeout_ms: opts.smt_timeout_ms }) {
                proved @ Verdict::Proved { .. } => proved,
                _ => lp_interp::check::discharge(spec, goal, opts.props_cases.min(RUN_CASES), opts.seed),
            }
        }
    }
}

/// Discharges every obligation on all cores, reusing cached verdicts. Results keep the
/// obligations' order, so output does not depend on scheduling.
pub fn discharge_all(
    spec: &Spec,
    obligations: Vec<Obligation>,
    opts: &CheckOptions,
    cache: &Cache,
) -> Vec<ObligationResult> {
    let fingerprint = opts.fingerprint();
    let keyed: Vec<(Obligation, String, String)> = obligations
        .into_par_iter()
        .map(|ob| {
            let digest = ob.digest(&fingerprint);
            let goal = ob.goal_digest(&fingerprint);
            (ob, digest, goal)
        })
        .collect();
    let hit = |digest: &str| if opts.use_cache { cache.entries.get(digest).cloned() } else { None };
    // Each goal not answered by the cache is decided once, by its first obligation; a proof
    // is shared by the obligations with the same goal, anything else is reached by each.
    let mut todo: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, (_, digest, goal)) in keyed.iter().enumerate() {
        if !opts.use_cache || !cache.entries.contains_key(digest) {
            todo.entry(goal.as_str()).or_insert(i);
        }
    }
    let decided: BTreeMap<&str, (usize, Verdict)> =
        todo.into_par_iter().map(|(goal, i)| (goal, (i, discharge_one(spec, &keyed[i].0, opts)))).collect();
    let decided: BTreeMap<String, (usize, Verdict)> = decided.into_iter().map(|(g, v)| (g.to_string(), v)).collect();
    keyed
        .into_par_iter()
        .enumerate()
        .map(|(i, (ob, digest, goal))| match hit(&digest) {
            Some(verdict) => ObligationResult { obligation: ob, verdict, digest, cached: true },
            None => {
                let verdict = match decided.get(&goal) {
                    // Its own verdict, or a proof shared by an identical goal.
                    Some((first, v)) if *first == i || matches!(v, Verdict::Proved { .. }) => v.clone(),
                    // A refutation words its counterexample for its own obligation.
                    _ => discharge_one(spec, &ob, opts),
                };
                ObligationResult { obligation: ob, verdict, digest, cached: false }
            }
        })
        .collect()
}
