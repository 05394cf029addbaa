//! The behaviour obligations decided by running bodies (`lp_interp::check`): every seeded
//! defect of `tests/corpus/passes/behaviour_runs.adt` fails with its code and a counterexample
//! naming a store and a request, every clean trap is `tested`, and verdicts are reproducible
//! from their seed.

mod common;

use common::corpus;
use lp_check::{Goal, Verdict};
use lp_ir::Spec;
use std::collections::BTreeMap;

const SEED: u64 = 0x1ea0_5eed;
const CASES: u32 = 128;

/// The verdict of every obligation of the behaviour pass, by id.
fn verdicts(spec: &Spec, seed: u64) -> BTreeMap<String, (Verdict, &'static str)> {
    lp_check::passes::behaviour::obligations(spec)
        .into_iter()
        .map(|ob| {
            let v = match &ob.goal {
                Goal::Decided(v) => v.clone(),
                Goal::Run(g) => lp_interp::check::discharge(spec, g, CASES, seed),
                Goal::Smt(_) => Verdict::Proved { method: lp_check::Method::Smt },
                Goal::Law(_) => unreachable!("the behaviour pass emits no laws"),
            };
            (ob.id.clone(), (v, ob.report.code.id()))
        })
        .collect()
}

#[test]
fn seeded_run_defects_fail_with_their_code_and_clean_traps_pass() {
    let spec = corpus("passes/behaviour_runs.adt");
    let all = verdicts(&spec, SEED);
    let failed: Vec<(String, &str)> = all
        .iter()
        .filter(|(_, (v, _))| matches!(v, Verdict::Failed { .. }))
        .map(|(id, (_, code))| (id.clone(), *code))
        .collect();
    let expected = [
        ("behaviour/op.shop.add_item/invariants-preserved", "LP3025"),
        ("behaviour/op.shop.append_item/idempotent", "LP3028"),
        ("behaviour/op.shop.drop_tenant/invariants-preserved", "LP3025"),
        ("behaviour/op.shop.peek/ensures", "LP3026"),
        ("behaviour/op.shop.remove_item/idempotent", "LP3028"),
        ("behaviour/op.shop.restock/idempotent", "LP3028"),
        ("behaviour/op.shop.take/runs-without-fault", "LP3027"),
        ("behaviour/op.shop.tick/runs-without-fault", "LP3027"),
    ];
    let expected: Vec<(String, &str)> = expected.iter().map(|(i, c)| (i.to_string(), *c)).collect();
    assert_eq!(failed, expected, "all verdicts: {all:#?}");
    for (id, (v, _)) in &all {
        match v {
            Verdict::Failed { counterexample } => {
                assert!(counterexample.summary.starts_with("store {"), "{id}: {}", counterexample.summary);
                assert!(counterexample.bindings.iter().any(|(n, _)| n == "store"), "{id}");
            }
            Verdict::Tested { cases, seed } => assert_eq!((*cases, *seed), (CASES, SEED), "{id}"),
            Verdict::Proved { .. } => {}
            other => panic!("{id}: {other:?}"),
        }
    }
}

#[test]
fn verdicts_are_reproducible_from_the_seed() {
    let spec = corpus("passes/behaviour_runs.adt");
    assert_eq!(verdicts(&spec, SEED), verdicts(&spec, SEED));
}

#[test]
fn the_clean_corpus_cases_pass() {
    for case in ["passes/behaviour_clean.adt", "ir/behaviour.adt"] {
        let spec = corpus(case);
        for (id, (v, _)) in verdicts(&spec, SEED) {
            assert!(v.is_pass(), "{case}: {id}: {v:?}");
        }
    }
}
