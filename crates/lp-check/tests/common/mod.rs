//! Helpers the pass tests share: a spec from text, and the verdict of a decided obligation.

use lp_check::{Goal, Obligation, Verdict};
use lp_diagnostics::FileId;
use lp_ir::Spec;

/// Parses and lowers one file, asserting that it has no syntax or resolution errors (warnings
/// and hints are allowed).
pub fn spec(text: &str) -> Spec {
    let parsed = lp_syntax::parse(FileId(0), text);
    assert!(parsed.diagnostics.is_empty(), "parse: {:?}", parsed.diagnostics);
    let lowered = lp_ir::lower(&[(FileId(0), &parsed.value)]);
    let errors: Vec<_> = lowered.diagnostics.iter().filter(|d| d.is_error()).map(|d| &d.message).collect();
    assert!(errors.is_empty(), "lower: {errors:?}");
    lowered.value
}

/// The verdict a pass decided itself; panics for goals left to a discharger.
#[allow(dead_code)]
pub fn verdict(ob: &Obligation) -> &Verdict {
    match &ob.goal {
        Goal::Decided(v) => v,
        other => panic!("{} is not decided: {other:?}", ob.id),
    }
}
