//! The machines pass with the discharger: determinism (overlapping guards found by z3, the
//! valuation shown), invariants proved inductive or else bounded, and the spec examples'
//! machines verified.

mod common;
use common::example_files;

use lp_check::passes::machines;
use lp_check::{Goal, Verdict};
use lp_ir::Spec;

/// Every machines obligation of a spec with its verdict, `ID: VERDICT`.
fn verdicts_of(spec: &Spec) -> Vec<(String, Verdict)> {
    machines::obligations(spec)
        .iter()
        .map(|ob| {
            let v = match &ob.goal {
                Goal::Decided(v) => v.clone(),
                Goal::Smt(_) => common::discharge(spec, ob),
                Goal::Law(_) | Goal::Run(_) => panic!("the machines pass emits no laws or runs"),
            };
            (ob.id.clone(), v)
        })
        .collect()
}

fn verdict(src: &str, id: &str) -> String {
    let spec = common::spec(src);
    let all = verdicts_of(&spec);
    let Some((_, v)) = all.iter().find(|(i, _)| i == id) else { panic!("no obligation {id}: {all:?}") };
    common::line(v)
}

#[test]
fn overlapping_guards_are_found_with_the_valuation() {
    let src = "machine Retry {\n  var attempts: Int = 0\n  invariant attempts >= 0\n  initial Running\n  final Done, Failed\n  Running -> Running on fail when attempts < 3 do attempts = attempts + 1\n  Running -> Failed on fail when attempts >= 2\n  Running -> Done on finish\n}";
    assert_eq!(
        verdict(src, "machines/machine.Retry/deterministic.Running.fail"),
        "failed: attempts = 2: two transitions from `Running` on `fail` can both fire (guards `attempts < 3`, `attempts >= 2`)"
    );
    // A missing guard overlaps any satisfiable one.
    let src = "machine A { var n: Int = 0\n initial S\n final T\n S -> T on go\n S -> S on go when n > 5 }";
    assert!(verdict(src, "machines/machine.A/deterministic.S.go").starts_with("failed: n = 6"));
    // Two Boolean guards.
    let src = "machine B { var p: Bool = false\n var q: Bool = false\n initial S\n final T, U\n S -> T on go when p || q\n S -> U on go when p && !q }";
    assert!(verdict(src, "machines/machine.B/deterministic.S.go").starts_with("failed: p = true, q = false"));
    // Three transitions: the pair that overlaps is found.
    let src = "machine C { var n: Int = 0\n initial S\n final T, U, V\n S -> T on go when n < 0\n S -> U on go when n == 0\n S -> V on go when n >= 0 }";
    assert!(verdict(src, "machines/machine.C/deterministic.S.go").starts_with("failed: n = 0"));
}

#[test]
fn exclusive_guards_are_deterministic() {
    let src = "machine R { var n: Int = 0\n invariant n >= 0 && n <= 3\n initial S\n final T, F\n S -> S on fail when n < 3 do n = n + 1\n S -> F on fail when n >= 3\n S -> T on ok }";
    assert_eq!(verdict(src, "machines/machine.R/deterministic.S.fail"), "proved");
    // Exclusive only under the invariant.
    let src = "machine I { var n: Int = 0\n invariant n >= 0\n initial S\n final T, U\n S -> T on go when n >= 0\n S -> U on go when n < 0 }";
    assert_eq!(verdict(src, "machines/machine.I/deterministic.S.go"), "proved");
}

#[test]
fn invariants_are_proved_inductive_or_bounded_never_both() {
    // Infinite, and inductive: z3 proves it.
    let src = "machine U { var n: Int = 0\n invariant n >= 0\n initial S\n final T\n S -> S on up do n = n + 1\n S -> T on stop }";
    assert_eq!(verdict(src, "machines/machine.U/invariant.0"), "proved");
    let spec = common::spec(src);
    let all = verdicts_of(&spec);
    assert!(
        all.iter()
            .any(|(id, v)| id.ends_with("invariant.0") && *v == Verdict::Proved { method: lp_check::Method::Smt })
    );
    // Infinite, true, but not inductive on its own (`m` is never negative because `n` is not):
    // the exploration's bound is the verdict.
    let src = "machine V { var n: Int = 0\n var m: Int = 0\n invariant m >= 0\n initial S\n final T\n S -> S on up do n = n + 1, m = n\n S -> T on stop }";
    assert_eq!(verdict(src, "machines/machine.V/invariant.0"), "bounded");
    // Finite: the exhaustive exploration proves it without z3.
    let src = "machine W { var n: Int = 0\n invariant n <= 3\n initial S\n final T\n S -> S on up when n < 3 do n = n + 1\n S -> T on stop }";
    assert_eq!(verdict(src, "machines/machine.W/invariant.0"), "proved");
}

#[test]
fn the_examples_machines_verify() {
    let mut problems = Vec::new();
    let mut count = 0;
    for dir in ["catalog-sync", "order-fulfilment", "subscription-billing/v1", "subscription-billing/v2"] {
        let texts = example_files(dir);
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let spec = common::specs(&refs);
        assert!(!spec.machines.is_empty(), "{dir} has no machine");
        for (id, v) in verdicts_of(&spec) {
            count += 1;
            if !v.is_pass() {
                problems.push(format!("{dir}: {id}: {}", common::line(&v)));
            }
        }
    }
    assert!(count > 20, "{count}");
    assert!(problems.is_empty(), "machine obligations of the examples that fail:\n{}", problems.join("\n"));
}

/// A chain of `n` states with two bounded integer variables: `next` moves on under one of two
/// exclusive guards (a determinism obligation per state, decided by z3 when `z3_guards`, else
/// by the guards' disjoint ranges), `reset` goes back to the start.
fn chain(n: usize, z3_guards: bool) -> String {
    let other = if z3_guards { "!(a < 5)" } else { "a >= 5" };
    let mut src = String::from(
        "machine Chain {\n  var a: Int = 0\n  var b: Int = 0\n  invariant 0 <= a && a <= 5\n  invariant 0 <= b && b < 3\n",
    );
    src.push_str(&format!("  initial S0\n  final S{}\n", n - 1));
    for i in 0..n - 1 {
        src.push_str(&format!("  S{i} -> S{} on next when a < 5 do a = a + 1\n", i + 1));
        src.push_str(&format!("  S{i} -> S{} on next when {other} do a = 0, b = (b + 1) % 3\n", i + 1));
        src.push_str(&format!("  S{i} -> S0 on reset do a = 0\n"));
    }
    src.push_str("}\n");
    src
}

/// Times every property of generated machines of 10, 100 and 1,000 states: the exploration,
/// the properties decided from it, and the z3 obligations by kind. Run with `--nocapture` to
/// see the figures; the 1,000-state machine must stay well within its budget.
#[test]
fn benchmark_generated_machines() {
    for (n, z3_guards) in [(10, false), (100, false), (1000, false), (1000, true)] {
        let spec = common::spec(&chain(n, z3_guards));
        let start = std::time::Instant::now();
        let x = lp_check::explore(&spec, lp_ir::MachineId(0), machines::DEFAULT_DEPTH);
        let explore = start.elapsed();
        assert!(x.complete, "{n}");
        let start = std::time::Instant::now();
        let obs = machines::obligations(&spec);
        let all_decided = start.elapsed();
        let mut by_kind: std::collections::BTreeMap<&str, (usize, std::time::Duration)> = Default::default();
        for ob in &obs {
            let start = std::time::Instant::now();
            let v = match &ob.goal {
                Goal::Decided(v) => v.clone(),
                _ => common::discharge(&spec, ob),
            };
            assert!(v.is_pass(), "{}: {v:?}", ob.id);
            let e = by_kind.entry(ob.kind).or_default();
            e.0 += 1;
            e.1 += start.elapsed();
        }
        let smt: std::time::Duration = by_kind.values().map(|(_, d)| *d).sum();
        println!(
            "{n} states{}, {} configurations: explore {explore:?}, obligations (explore included) {all_decided:?}, discharge {smt:?}",
            if z3_guards { " (guards for z3)" } else { "" },
            x.configs.len()
        );
        for (kind, (count, d)) in &by_kind {
            println!("  {kind:<14} {count:>5} obligations  {d:?}");
        }
    }
}
