//! The functor codes (LP2030–LP2032): the corpus case and the documentation example of each
//! code really report it when the functor pass's obligations are discharged.

mod common;

use common::*;
use lp_check::{Goal, Verdict};
use std::path::Path;

/// The codes reported by the functor pass on `src`, with their counterexamples.
fn reported(src: &str) -> Vec<(String, String)> {
    let spec = lower(src);
    let mut out = Vec::new();
    for ob in lp_check::passes::functor::obligations(&spec) {
        let v = match &ob.goal {
            Goal::Decided(v) => v.clone(),
            Goal::Law(_) => discharge(&spec, &ob),
            Goal::Smt(_) | Goal::Run(_) => unreachable!("the functor pass emits no SMT or run goals"),
        };
        if let Some(d) = lp_check::diagnostic_for(&ob, &v) {
            let summary = match &v {
                Verdict::Failed { counterexample } => counterexample.summary.clone(),
                other => format!("{other:?}"),
            };
            out.push((d.code.id().to_string(), summary));
        }
    }
    out
}

/// The first ```adt block of a code's documentation.
fn doc_example(code: &str) -> String {
    let info = lp_diagnostics::Code::lookup(code).expect("a registered code").info();
    let start = info.doc.find("```adt\n").expect("an adt example") + "```adt\n".len();
    let len = info.doc[start..].find("```").expect("a closed block");
    info.doc[start..start + len].to_string()
}

fn corpus_case(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus/diagnostics").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn variance_violation_is_reported_by_its_case_and_doc() {
    let got = reported(&corpus_case("LP2030_variance-violation.adt"));
    let summaries: Vec<&str> = got.iter().map(|(_, s)| s.as_str()).collect();
    assert!(got.iter().all(|(c, _)| c == "LP2030"), "{got:?}");
    assert_eq!(
        summaries,
        vec![
            "Handler.run: T -> Bool puts T in a negative position",
            "Sink.callback: Callback<T> puts T in a negative position (`Callback` is contravariant in `T`)",
            "Source.value: List<T> puts T in a positive position",
        ]
    );
    assert_eq!(reported(&doc_example("LP2030")).len(), 1);
}

#[test]
fn functor_law_failed_is_reported_by_its_case_and_doc() {
    for src in [corpus_case("LP2031_functor-law-failed.adt"), doc_example("LP2031")] {
        let got = reported(&src);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "LP2031");
        assert!(got[0].1.contains("but map(g, map(f, x)) = { entries: Map["), "{}", got[0].1);
    }
}

#[test]
fn map_breaks_refinement_is_reported_by_its_case_and_doc() {
    for src in [corpus_case("LP2032_map-breaks-refinement.adt"), doc_example("LP2032")] {
        let got = reported(&src);
        assert_eq!(got.len(), 1, "only Tags fails, Bounded passes: {got:?}");
        assert_eq!(got[0].0, "LP2032");
        assert!(got[0].1.ends_with("breaks `len(self.tags) == 3` of Tags"), "{}", got[0].1);
    }
}
