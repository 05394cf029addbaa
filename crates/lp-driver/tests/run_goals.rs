//! How the driver discharges claims about operation bodies: z3 first (`proved`, method
//! `smt`), and whatever z3 does not prove is tested in the interpreter, which finds the
//! concrete counterexample of every seeded defect.

use lp_check::run_goal::RunClaim;
use lp_check::{Goal, Method, Verdict};
use lp_diagnostics::FileId;
use lp_driver::CheckOptions;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn verdicts(corpus_file: &str) -> BTreeMap<String, (RunClaim, Verdict)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus").join(corpus_file);
    let src = std::fs::read_to_string(path).expect("read the corpus file");
    let parsed = lp_syntax::parse(FileId(0), &src);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let lowered = lp_ir::lower(&[(FileId(0), &parsed.value)]);
    assert!(!lowered.diagnostics.iter().any(|d| d.is_error()), "{:?}", lowered.diagnostics);
    let spec = lowered.value;
    let opts = CheckOptions { use_cache: false, ..CheckOptions::default() };
    lp_check::passes::behaviour::obligations(&spec)
        .into_iter()
        .filter_map(|ob| match &ob.goal {
            Goal::Run(g) => Some((ob.id.clone(), (g.claim, lp_driver::discharge::discharge_one(&spec, &ob, &opts)))),
            _ => None,
        })
        .collect()
}

#[test]
fn seeded_run_defects_fail_with_a_concrete_counterexample_and_clean_claims_are_proved() {
    let all = verdicts("passes/behaviour_runs.adt");
    for id in [
        "behaviour/op.shop.add_item/invariants-preserved",
        "behaviour/op.shop.drop_tenant/invariants-preserved",
        "behaviour/op.shop.peek/ensures",
    ] {
        match &all[id].1 {
            Verdict::Failed { counterexample } => {
                assert!(counterexample.summary.starts_with("store {"), "{id}: {}", counterexample.summary)
            }
            other => panic!("{id}: {other:?}"),
        }
    }
    for id in [
        "behaviour/op.shop.add_item_checked/invariants-preserved",
        "behaviour/op.shop.retire_tenant/invariants-preserved",
        "behaviour/op.shop.tagged/ensures",
    ] {
        assert_eq!(all[id].1, Verdict::Proved { method: Method::Smt }, "{id}");
    }
    assert_eq!(all["behaviour/op.shop.set_qty/idempotent"].1, Verdict::Proved { method: Method::Smt });
    assert!(matches!(all["behaviour/op.shop.restock/idempotent"].1, Verdict::Failed { .. }));
    // A fault is found by running (with its counterexample); a body that cannot fault is
    // proved by z3.
    for id in ["behaviour/op.shop.take/runs-without-fault", "behaviour/op.shop.tick/runs-without-fault"] {
        assert!(matches!(all[id].1, Verdict::Failed { .. }), "{id}: {:?}", all[id].1);
    }
    assert_eq!(all["behaviour/op.shop.take_checked/runs-without-fault"].1, Verdict::Proved { method: Method::Smt });
    // Where z3 does not prove it (`restock`'s `qty + 1` can overflow) and no case finds a
    // fault, the claim stays `tested`, never `proved`.
    assert!(matches!(all["behaviour/op.shop.restock/runs-without-fault"].1, Verdict::Tested { .. }));
    for (id, (claim, v)) in &all {
        if matches!(claim, RunClaim::NoFault) {
            assert!(!matches!(v, Verdict::Unknown { .. }), "{id}: {v:?}");
        }
    }
}

#[test]
fn the_diagnostic_fixtures_fail() {
    for (file, id) in [
        ("diagnostics/LP3025_invariant-not-preserved.adt", "behaviour/op.catalog.remove_tenant/invariants-preserved"),
        ("diagnostics/LP3026_operation-ensures-fails.adt", "behaviour/op.counters.bump/ensures"),
        ("diagnostics/LP3028_not-idempotent.adt", "behaviour/op.items.add/idempotent"),
        ("diagnostics/LP3027_body-can-fault.adt", "behaviour/op.accounts.withdraw/runs-without-fault"),
    ] {
        let all = verdicts(file);
        assert!(matches!(all[id].1, Verdict::Failed { .. }), "{file}: {id}: {:?}", all[id].1);
    }
}
