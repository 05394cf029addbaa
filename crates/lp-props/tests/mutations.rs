//! Mutation tests: each example with a small defect in its covariant type must make the right
//! functor obligation fail with the right code, while the unmutated example passes.

mod common;

use common::*;
use lp_check::{Goal, Verdict};
use std::path::{Path, PathBuf};

fn example(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec-examples").join(dir)
}

/// The failing functor obligations of a spec: id, code and counterexample summary.
fn failures(spec: &lp_ir::Spec) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for ob in lp_check::passes::functor::obligations(spec) {
        let v = match &ob.goal {
            Goal::Decided(v) => v.clone(),
            Goal::Law(_) => discharge(spec, &ob),
            Goal::Smt(_) | Goal::Run(_) => unreachable!(),
        };
        if let Some(d) = lp_check::diagnostic_for(&ob, &v) {
            let summary = match &v {
                Verdict::Failed { counterexample } => counterexample.summary.clone(),
                other => format!("{other:?}"),
            };
            out.push((ob.id.clone(), d.code.id().to_string(), summary));
        }
    }
    out
}

const SCOPED: &str = "type Scoped<+T> = { tenant: TenantId, items: List<T>, next_cursor: Option<String> }";
const PAGE: &str = "type Page<+T> = { items: List<T>, next_cursor: Option<String> }";

#[test]
fn the_unmutated_examples_have_no_functor_failures() {
    for dir in ["catalog-sync", "order-fulfilment"] {
        assert_eq!(failures(&lower_project(&example(dir))), Vec::new(), "{dir}");
    }
}

#[test]
fn a_consumed_parameter_breaks_variance() {
    let to = "type Scoped<+T> = { tenant: TenantId, items: List<T>, keep: T -> Bool, next_cursor: Option<String> }";
    let got = failures(&lower_mutated(&example("catalog-sync"), SCOPED, to));
    assert_eq!(
        got,
        vec![(
            "functor/type.Scoped/variance.T".to_string(),
            "LP2030".to_string(),
            "Scoped.keep: T -> Bool puts T in a negative position".to_string()
        )]
    );
}

#[test]
fn a_keyed_page_breaks_composition() {
    let to = "type Page<+T> = { items: Map<T, Int>, next_cursor: Option<String> }";
    let got = failures(&lower_mutated(&example("order-fulfilment"), PAGE, to));
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!((got[0].0.as_str(), got[0].1.as_str()), ("functor/type.Page/map.T/composition", "LP2031"));
    assert!(got[0].2.contains("but map(g, map(f, x)) = { items: Map["), "{}", got[0].2);
}

#[test]
fn a_set_with_a_minimum_size_breaks_its_refinement() {
    let to = "type Scoped<+T> = { tenant: TenantId, items: Set<T> where len(self) >= 2, next_cursor: Option<String> }";
    let got = failures(&lower_mutated(&example("catalog-sync"), SCOPED, to));
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!((got[0].0.as_str(), got[0].1.as_str()), ("functor/type.Scoped/map.T/refinements", "LP2032"));
    assert!(got[0].2.ends_with("breaks `len(self) >= 2` of Scoped.items at map(f, x).items"), "{}", got[0].2);
}
