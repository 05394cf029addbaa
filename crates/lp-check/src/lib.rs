//! The verification passes. Each pass walks the IR and emits [`Obligation`]s; the driver
//! discharges them (z3 through `lp-smt`, property tests through `lp-props`) and turns failed
//! or unknown verdicts into diagnostics with [`diagnostic_for`].
//!
//! This crate knows nothing of z3 internals or files: goals are described in IR terms.

pub mod law;
pub mod obligation;
pub mod passes;
pub mod reports;
pub mod run_goal;
pub mod smt_goal;

pub use obligation::{Counterexample, Goal, Method, Obligation, Pass, Report, TraceStep, Verdict};
pub use passes::machines::{Exploration, explore};

use lp_diagnostics::Diagnostic;
use lp_ir::Spec;

/// Settings of the passes that a project or the command line may choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassOptions {
    /// How many steps the state-machine exploration goes before it reports `bounded`.
    pub machine_depth: u32,
    /// The completeness policy for machines when the spec's `standards` declare none.
    pub completeness: Option<passes::machines::Completeness>,
}

impl Default for PassOptions {
    fn default() -> Self {
        PassOptions { machine_depth: passes::machines::DEFAULT_DEPTH, completeness: None }
    }
}

/// Runs every pass over a resolved spec with the default options.
pub fn obligations(spec: &Spec) -> Vec<Obligation> {
    obligations_with(spec, &PassOptions::default())
}

/// Runs every pass over a resolved spec, returning obligations in a stable order (pass, then
/// declaration order within the pass).
pub fn obligations_with(spec: &Spec, opts: &PassOptions) -> Vec<Obligation> {
    let mut out = Vec::new();
    let facts = passes::adt::AdtFacts::new(spec);
    out.extend(passes::adt::obligations(spec, &facts));
    out.extend(passes::totality::obligations(spec, &facts));
    out.extend(passes::refinements::obligations(spec));
    out.extend(passes::contracts::obligations(spec));
    out.extend(passes::functor::obligations(spec));
    out.extend(passes::composition::obligations(spec));
    out.extend(passes::machines::obligations_with(spec, opts.machine_depth, opts.completeness));
    out.extend(passes::behaviour::obligations(spec));
    out
}

/// Advice that is not a claim about the spec, so not an obligation: hints such as types that
/// are structurally isomorphic to an earlier one (LP2005). Deterministic, in declaration order.
pub fn hints(spec: &Spec) -> Vec<Diagnostic> {
    let mut out = passes::adt::isomorphism_hints(spec);
    out.extend(passes::behaviour::dead_errors(spec));
    out
}

/// The diagnostic for an obligation whose verdict does not pass, or `None` when it passes.
pub fn diagnostic_for(ob: &Obligation, verdict: &Verdict) -> Option<Diagnostic> {
    let mut d = match verdict {
        Verdict::Proved { .. } | Verdict::Bounded { .. } | Verdict::Tested { .. } => return None,
        Verdict::Failed { counterexample } => {
            let mut d = Diagnostic::new(ob.report.code, ob.report.message.clone()).at(
                ob.file,
                ob.span,
                ob.report.label.clone(),
            );
            if !counterexample.summary.is_empty() {
                d = d.with_note(format!("counterexample: {}", counterexample.summary));
            }
            if !counterexample.trace.is_empty() {
                let mut trace = String::from("shortest trace:");
                for (i, step) in counterexample.trace.iter().enumerate() {
                    let vars = step.vars.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", ");
                    trace.push_str(&format!("\n  {}. {}", i + 1, step.state));
                    if !vars.is_empty() {
                        trace.push_str(&format!(" [{vars}]"));
                    }
                    if let Some(e) = &step.event {
                        trace.push_str(&format!(" --{e}-->"));
                    }
                }
                d = d.with_note(trace);
            }
            if let Some(h) = &ob.report.help {
                d = d.with_help(h.clone());
            }
            d
        }
        Verdict::Unknown { reason } => {
            Diagnostic::new(lp_diagnostics::codes::UNDECIDED, format!("could not decide: {} ({reason})", ob.claim))
                .at(ob.file, ob.span, "this obligation is undecided, so it fails closed")
                .with_help("simplify the claim, or raise the solver time limit with `--smt-timeout`")
        }
    };
    for (file, span, label) in &ob.report.secondary {
        d = d.with_secondary(*file, *span, label.clone());
    }
    Some(d)
}
