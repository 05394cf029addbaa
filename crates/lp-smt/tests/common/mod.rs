//! Helpers shared by the discharger's tests: specs from text, their SMT obligations, and
//! verdicts as one line of text each.

#![allow(dead_code)]

use lp_check::{Goal, Obligation, Verdict};
use lp_diagnostics::FileId;
use lp_ir::Spec;
use lp_smt::SmtOptions;

/// Parses and lowers one spec file; panics on any diagnostic, so a test never checks a spec
/// that lowering rejected.
pub fn spec(src: &str) -> Spec {
    specs(&[src])
}

/// Parses and lowers the files of one project.
pub fn specs(srcs: &[&str]) -> Spec {
    let parsed: Vec<_> =
        srcs.iter().enumerate().map(|(i, s)| (FileId(i as u32), lp_syntax::parse(FileId(i as u32), s))).collect();
    for (_, p) in &parsed {
        assert!(p.diagnostics.is_empty(), "parse errors: {:?}", p.diagnostics);
    }
    let files: Vec<_> = parsed.iter().map(|(f, p)| (*f, &p.value)).collect();
    let lowered = lp_ir::lower(&files);
    assert!(lowered.diagnostics.is_empty(), "lowering errors: {:?}", lowered.diagnostics);
    lowered.value
}

/// The SMT obligations of the contracts and refinements passes.
pub fn smt_obligations(spec: &Spec) -> Vec<Obligation> {
    let mut out = lp_check::passes::refinements::obligations(spec);
    out.extend(lp_check::passes::contracts::obligations(spec));
    out.retain(|o| matches!(o.goal, Goal::Smt(_)));
    out
}

/// A verdict as one line: `proved`, `failed: SUMMARY`, `unknown: REASON`.
pub fn line(v: &Verdict) -> String {
    match v {
        Verdict::Failed { counterexample } => format!("failed: {}", counterexample.summary),
        Verdict::Unknown { reason } => format!("unknown: {reason}"),
        other => other.name().to_string(),
    }
}

/// Discharges one obligation with the default options.
pub fn discharge(spec: &Spec, ob: &Obligation) -> Verdict {
    discharge_with(spec, ob, &SmtOptions::default())
}

pub fn discharge_with(spec: &Spec, ob: &Obligation, opts: &SmtOptions) -> Verdict {
    let Goal::Smt(goal) = &ob.goal else { panic!("{} is not an SMT obligation", ob.id) };
    lp_smt::discharge(spec, goal, opts)
}

/// Every SMT obligation of a spec with its verdict: `ID: VERDICT`, one per line.
pub fn verdicts(src: &str) -> String {
    let spec = spec(src);
    smt_obligations(&spec).iter().map(|ob| format!("{}: {}\n", ob.id, line(&discharge(&spec, ob)))).collect()
}

/// The verdict of the obligation with this id.
pub fn verdict_of(src: &str, id: &str) -> String {
    let spec = spec(src);
    let obs = smt_obligations(&spec);
    let Some(ob) = obs.iter().find(|o| o.id == id) else {
        let ids: Vec<&str> = obs.iter().map(|o| o.id.as_str()).collect();
        panic!("no obligation {id}; there are {ids:?}")
    };
    line(&discharge(&spec, ob))
}

/// The `.adt` texts of an example project, in sorted order.
#[allow(unused_imports)]
pub use lp_test_support::example_texts as example_files;
