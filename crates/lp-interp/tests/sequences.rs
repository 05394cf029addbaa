//! Long sequences of catalog operations drawn from a fixed pseudo-random sequence: the
//! catalog never faults, keeps its invariants, writes nothing when it answers an error, and
//! gives the same answers and stores when the same sequence runs again.

mod common;

use common::*;
use lp_interp::json::render_store;
use lp_interp::{Outcome, Store, Value, check_invariants};
use lp_ir::Spec;

/// A small linear congruential generator: the sequences are the same on every machine.
struct Lcg(u64);

impl Lcg {
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        items[((self.0 >> 33) % items.len() as u64) as usize]
    }
}

fn step(spec: &Spec, store: &mut Store, rng: &mut Lcg) -> Outcome {
    let tenant = s(rng.pick(&["acme", "beta", "gone"]));
    let sku = s(rng.pick(&["abc", "def", "ghi"]));
    let job = s(rng.pick(&["f0000001", "f0000002", "f0000003"]));
    let price = int(rng.pick(&[0, 5, 99]));
    let product = rec(&[("tenant", tenant.clone()), ("sku", sku.clone()), ("title", s("T")), ("price", price)]);
    match rng.pick(&["get", "upsert", "delete", "start", "cancel"]) {
        "get" => call(spec, store, "catalog", "get_product", vec![tenant, sku]),
        "upsert" => call(spec, store, "catalog", "upsert", vec![tenant, product]),
        "delete" => call(spec, store, "catalog", "delete_product", vec![tenant, sku]),
        "start" => call(spec, store, "catalog", "start_sync", vec![tenant]),
        _ => call(spec, store, "catalog", "cancel_sync", vec![job]),
    }
}

fn run(spec: &Spec, seed: u64, len: usize) -> (Vec<Outcome>, String) {
    let mut store = Store::new();
    let tenants = entity(spec, "Tenant");
    for (id, max) in [("acme", 2), ("beta", 1)] {
        store.put(spec, tenants, rec(&[("id", s(id)), ("name", s("N")), ("max_products", int(max))])).expect("put");
    }
    let mut rng = Lcg(seed);
    let mut outcomes = Vec::new();
    for i in 0..len {
        let before = store.clone();
        let out = step(spec, &mut store, &mut rng);
        assert!(out.fault_kind().is_none(), "seed {seed}, step {i}: {out:?}");
        if !matches!(out, Outcome::Ok(_)) {
            assert_eq!(store, before, "seed {seed}, step {i}: an error wrote to the store");
        }
        let broken = check_invariants(spec, &store);
        assert!(broken.is_empty(), "seed {seed}, step {i}: {broken:?}\n{}", render_store(spec, &store));
        outcomes.push(out);
    }
    (outcomes, render_store(spec, &store))
}

#[test]
fn catalog_sequences_keep_the_invariants_and_replay_identically() {
    let spec = corpus("ir/behaviour.adt");
    let mut kinds = std::collections::BTreeSet::new();
    for seed in 0..40 {
        let first = run(&spec, seed, 30);
        for out in &first.0 {
            kinds.insert(match out {
                Outcome::Ok(Value::Unit) => "unit".to_string(),
                Outcome::Ok(_) => "ok".to_string(),
                Outcome::Raised { error, .. } => spec.errors[error.index()].name.clone(),
                Outcome::Fault { .. } => "fault".to_string(),
            });
        }
        assert_eq!(run(&spec, seed, 30), first, "seed {seed} replays differently");
    }
    // The sequences reach every answer the catalog has.
    let expected = ["Busy", "NotFound", "PlanLimit", "TenantUnknown", "ok", "unit"];
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), expected);
}
