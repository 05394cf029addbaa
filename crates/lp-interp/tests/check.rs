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

/// Every seeded fault of `behaviour_faults.adt` fails LP3027 with a concrete store and
/// request, whatever way the run gets stuck; the clean traps do not fail.
#[test]
fn seeded_faults_fail_with_a_counterexample_of_their_kind() {
    let spec = corpus("passes/behaviour_faults.adt");
    let all = verdicts(&spec, SEED);
    let expected = [
        ("store.bump", "(undefined): integer overflow"),
        ("store.doubled", "(undefined): integer overflow"),
        ("store.rooted", "(contract-violated): `requires` 1 of `root`"),
        ("store.coded", "(refinement-violated): the payload"),
        ("store.level", "(refinement-violated): the result of `store.level`"),
        ("store.name_room", "(refinement-violated): the `Room`"),
        ("store.pour", "(refinement-violated): `Tank.fill`"),
        ("store.toggle", "(not-stored)"),
        ("store.drive", "(undefined): integer overflow"),
        ("front.relay", "(bad-arguments): argument `n`"),
        ("front.relay_positive", "(contract-violated): an `ensures` of `store.positive`"),
        ("front.relay_find", "(refinement-violated): the payload"),
    ];
    let mut failing = Vec::new();
    for (id, (v, code)) in &all {
        if !id.ends_with("/runs-without-fault") {
            continue;
        }
        if let Verdict::Failed { counterexample } = v {
            assert_eq!(*code, "LP3027", "{id}");
            let op = id.trim_start_matches("behaviour/op.").trim_end_matches("/runs-without-fault");
            let Some((_, kind)) = expected.iter().find(|(o, _)| *o == op) else {
                panic!("{id} fails but is a clean trap: {}", counterexample.summary);
            };
            assert!(counterexample.summary.starts_with("store {"), "{id}: {}", counterexample.summary);
            assert!(counterexample.summary.contains(kind), "{id}: {}", counterexample.summary);
            failing.push(op.to_string());
        }
    }
    let mut want: Vec<String> = expected.iter().map(|(o, _)| o.to_string()).collect();
    want.sort();
    failing.sort();
    assert_eq!(failing, want, "all verdicts: {all:#?}");
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
