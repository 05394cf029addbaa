//! The catalog of `tests/corpus/ir/behaviour.adt`: lookups, requires, upserts with the plan
//! limit (and its rollback), lifecycles driven by `fire`, `fresh` keys and invariants.

mod common;

use common::*;
use lp_interp::json::render_store;
use lp_interp::{FaultKind, Instance, Outcome, Store, Value, check_invariants};
use lp_ir::Spec;

fn spec() -> Spec {
    corpus("ir/behaviour.adt")
}

fn tenant(id: &str, max: i64) -> Value {
    rec(&[("id", s(id)), ("name", s("Acme")), ("max_products", int(max))])
}

fn product(tenant: &str, sku: &str, price: i64) -> Value {
    rec(&[("tenant", s(tenant)), ("sku", s(sku)), ("title", s("A thing")), ("price", int(price))])
}

/// A store with the tenant `acme` allowed `max` products.
fn store_with_tenant(spec: &Spec, max: i64) -> Store {
    let mut store = Store::new();
    store.put(spec, entity(spec, "Tenant"), tenant("acme", max)).expect("put a tenant");
    store
}

#[test]
fn get_of_a_missing_product_is_not_found() {
    let spec = spec();
    let mut store = store_with_tenant(&spec, 3);
    let out = call(&spec, &mut store, "catalog", "get_product", vec![s("acme"), s("abc")]);
    assert_raised(&spec, &out, "NotFound", rec(&[("sku", s("abc"))]));
}

#[test]
fn get_for_an_unknown_tenant_is_tenant_unknown() {
    let spec = spec();
    let mut store = Store::new();
    let out = call(&spec, &mut store, "catalog", "get_product", vec![s("nobody"), s("abc")]);
    assert_raised(&spec, &out, "TenantUnknown", rec(&[("tenant", s("nobody"))]));
    // The upsert reads the tenant with a lookup-or-error: the same error.
    let out = call(&spec, &mut store, "catalog", "upsert", vec![s("nobody"), product("nobody", "abc", 1)]);
    assert_raised(&spec, &out, "TenantUnknown", rec(&[("tenant", s("nobody"))]));
    assert!(store.is_empty());
}

#[test]
fn upsert_then_get_answers_the_stored_product() {
    let spec = spec();
    let mut store = store_with_tenant(&spec, 3);
    // The body replaces the product's tenant by the path's.
    let out = call(&spec, &mut store, "catalog", "upsert", vec![s("acme"), product("other", "abc", 5)]);
    assert_eq!(out, Outcome::Ok(product("acme", "abc", 5)));
    let got = call(&spec, &mut store, "catalog", "get_product", vec![s("acme"), s("abc")]);
    assert_eq!(got, Outcome::Ok(product("acme", "abc", 5)));
    // A second upsert of the same key replaces it (PUT is an upsert, not a second product).
    let out = call(&spec, &mut store, "catalog", "upsert", vec![s("acme"), product("acme", "abc", 7)]);
    assert_eq!(out, Outcome::Ok(product("acme", "abc", 7)));
    assert_eq!(store.count(entity(&spec, "Product")), 1);
    let got = call(&spec, &mut store, "catalog", "get_product", vec![s("acme"), s("abc")]);
    assert_eq!(got, Outcome::Ok(product("acme", "abc", 7)));
}

#[test]
fn plan_limit_raises_and_leaves_the_store_unchanged() {
    let spec = spec();
    let mut store = store_with_tenant(&spec, 1);
    let out = call(&spec, &mut store, "catalog", "upsert", vec![s("acme"), product("acme", "abc", 1)]);
    assert!(matches!(out, Outcome::Ok(_)), "{out:?}");
    let before = store.clone();
    let out = call(&spec, &mut store, "catalog", "upsert", vec![s("acme"), product("acme", "def", 1)]);
    assert_raised(&spec, &out, "PlanLimit", rec(&[("limit", int(1))]));
    assert_eq!(store, before, "a raised error writes nothing");
    // Updating the product that is already there is not a new product: no limit.
    let out = call(&spec, &mut store, "catalog", "upsert", vec![s("acme"), product("acme", "abc", 2)]);
    assert_eq!(out, Outcome::Ok(product("acme", "abc", 2)));
}

#[test]
fn a_body_argument_breaking_a_field_refinement_is_refused_before_the_body() {
    let spec = spec();
    let mut store = store_with_tenant(&spec, 3);
    let before = store.clone();
    let out = call(&spec, &mut store, "catalog", "upsert", vec![s("acme"), product("acme", "abc", -1)]);
    assert_eq!(out.fault_kind(), Some(FaultKind::BadArguments), "{out:?}");
    let Outcome::Fault { message, .. } = &out else { unreachable!() };
    assert!(message.contains("self >= 0") && message.contains("Product.price"), "{message}");
    assert_eq!(store, before);
}

#[test]
fn arguments_breaking_their_refinements_are_refused() {
    let spec = spec();
    let mut store = store_with_tenant(&spec, 3);
    // `Sku` needs three characters.
    let out = call(&spec, &mut store, "catalog", "get_product", vec![s("acme"), s("ab")]);
    assert_eq!(out.fault_kind(), Some(FaultKind::BadArguments), "{out:?}");
    let out = call(&spec, &mut store, "catalog", "get_product", vec![s("acme")]);
    assert_eq!(out.fault_kind(), Some(FaultKind::BadArguments), "{out:?}");
}

#[test]
fn delete_removes_and_is_a_no_op_when_absent() {
    let spec = spec();
    let mut store = store_with_tenant(&spec, 3);
    call(&spec, &mut store, "catalog", "upsert", vec![s("acme"), product("acme", "abc", 1)]);
    let out = call(&spec, &mut store, "catalog", "delete_product", vec![s("acme"), s("abc")]);
    assert_eq!(out, Outcome::Ok(Value::Unit));
    assert_eq!(store.count(entity(&spec, "Product")), 0);
    let after_one = store.clone();
    let out = call(&spec, &mut store, "catalog", "delete_product", vec![s("acme"), s("abc")]);
    assert_eq!(out, Outcome::Ok(Value::Unit));
    assert_eq!(store, after_one, "DELETE is idempotent");
}

#[test]
fn start_sync_then_cancel_of_a_running_job_is_busy() {
    let spec = spec();
    let mut store = store_with_tenant(&spec, 3);
    let out = call(&spec, &mut store, "catalog", "start_sync", vec![s("acme")]);
    let run = rec(&[("id", s("f0000001")), ("tenant", s("acme"))]);
    assert_eq!(out, Outcome::Ok(run.clone()));
    assert_eq!(state_of(&spec, &store, "SyncRun", &[s("f0000001")]), "Running");
    let before = store.clone();
    let out = call(&spec, &mut store, "catalog", "cancel_sync", vec![s("f0000001")]);
    assert_raised(&spec, &out, "Busy", rec(&[]));
    assert_eq!(store, before);
    assert_eq!(state_of(&spec, &store, "SyncRun", &[s("f0000001")]), "Running");
    // An unknown job is not found, with the payload the body gives.
    let out = call(&spec, &mut store, "catalog", "cancel_sync", vec![s("nope")]);
    assert_raised(&spec, &out, "NotFound", rec(&[("sku", s("none"))]));
}

#[test]
fn cancel_of_a_pending_job_moves_it_to_cancelled() {
    let spec = spec();
    let mut store = store_with_tenant(&spec, 3);
    let runs = entity(&spec, "SyncRun");
    // A job stored directly starts in the machine's initial state, `Pending`.
    store.put(&spec, runs, rec(&[("id", s("j1")), ("tenant", s("acme"))])).expect("put");
    assert_eq!(state_of(&spec, &store, "SyncRun", &[s("j1")]), "Pending");
    let out = call(&spec, &mut store, "catalog", "cancel_sync", vec![s("j1")]);
    assert_eq!(out, Outcome::Ok(rec(&[("id", s("j1")), ("tenant", s("acme"))])));
    assert_eq!(state_of(&spec, &store, "SyncRun", &[s("j1")]), "Cancelled");
    // The match arm for the tenant "x" fails after the transition: the transition is undone.
    store.put(&spec, runs, rec(&[("id", s("j2")), ("tenant", s("x"))])).expect("put");
    let before = store.clone();
    let out = call(&spec, &mut store, "catalog", "cancel_sync", vec![s("j2")]);
    assert_raised(&spec, &out, "Busy", rec(&[]));
    assert_eq!(store, before);
    assert_eq!(state_of(&spec, &store, "SyncRun", &[s("j2")]), "Pending");
}

#[test]
fn fresh_ids_are_distinct_and_the_same_on_every_run() {
    let spec = spec();
    let ids = || {
        let mut store = store_with_tenant(&spec, 3);
        (0..3)
            .map(|_| match call(&spec, &mut store, "catalog", "start_sync", vec![s("acme")]) {
                Outcome::Ok(Value::Record(fields)) => fields[0].1.clone(),
                other => panic!("{other:?}"),
            })
            .collect::<Vec<_>>()
    };
    let first = ids();
    assert_eq!(first, vec![s("f0000001"), s("f0000002"), s("f0000003")]);
    assert_eq!(ids(), first);
}

#[test]
fn fresh_skips_keys_in_use_by_any_entity() {
    let spec = spec();
    let mut store = Store::new();
    // A tenant whose id is the first candidate: `fresh` must not hand it out for a job.
    store.put(&spec, entity(&spec, "Tenant"), tenant("f0000001", 3)).expect("put");
    let out = call(&spec, &mut store, "catalog", "start_sync", vec![s("f0000001")]);
    assert_eq!(out, Outcome::Ok(rec(&[("id", s("f0000002")), ("tenant", s("f0000001"))])));
}

#[test]
fn invariants_report_the_instances_that_break_them() {
    let spec = spec();
    let mut store = store_with_tenant(&spec, 1);
    assert!(check_invariants(&spec, &store).is_empty());
    let products = entity(&spec, "Product");
    store.put(&spec, products, product("acme", "abc", 1)).expect("put");
    assert!(check_invariants(&spec, &store).is_empty());
    store.put(&spec, products, product("acme", "def", 1)).expect("put");
    let broken = check_invariants(&spec, &store);
    assert_eq!(broken.len(), 1, "{broken:?}");
    assert_eq!(broken[0].name, "plan_limit");
    assert_eq!(broken[0].bindings, vec![("t".to_string(), tenant("acme", 1))]);
    assert_eq!(broken[0].error, None);
    // A product of an unknown tenant breaks referential integrity too.
    store.insert(products, vec![s("ghost"), s("xyz")], Instance { value: product("ghost", "xyz", 1), lifecycle: None });
    let names: Vec<_> = check_invariants(&spec, &store).into_iter().map(|b| (b.name, b.bindings)).collect();
    assert_eq!(
        names,
        vec![
            ("products_have_tenants".to_string(), vec![("p".to_string(), product("ghost", "xyz", 1))]),
            ("plan_limit".to_string(), vec![("t".to_string(), tenant("acme", 1))]),
        ]
    );
}

#[test]
fn the_store_renders_as_deterministic_json_and_reads_back() {
    let spec = spec();
    let mut store = store_with_tenant(&spec, 3);
    call(&spec, &mut store, "catalog", "upsert", vec![s("acme"), product("acme", "abc", 5)]);
    call(&spec, &mut store, "catalog", "start_sync", vec![s("acme")]);
    let text = render_store(&spec, &store);
    let expected = r#"{
  "Product": [
    {
      "value": {
        "price": 5,
        "sku": "abc",
        "tenant": "acme",
        "title": "A thing"
      }
    }
  ],
  "SyncRun": [
    {
      "state": "Running",
      "value": {
        "id": "f0000001",
        "tenant": "acme"
      },
      "vars": {}
    }
  ],
  "Tenant": [
    {
      "value": {
        "id": "acme",
        "max_products": 3,
        "name": "Acme"
      }
    }
  ]
}"#;
    assert_eq!(text, expected);
    let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let back = lp_interp::json::store_from_json(&spec, &json).expect("read back");
    assert_eq!(back, store);
}
