//! The catalog-sync example run by the reference interpreter: what its README says each
//! operation does (tenants must exist, missing products are `NotFound`, the plan limit holds, a
//! sync run is addressed by its id and follows its lifecycle, webhooks are checked by the
//! external `signature_valid` and applied once), with the invariants holding after each step.

mod common;

use common::*;
use lp_diagnostics::FileId;
use lp_interp::{Env, Outcome, Store, Value, check_invariants, run_op};
use lp_ir::Spec;
use std::path::PathBuf;

/// The three files of `spec-examples/catalog-sync/spec`, lowered together.
fn catalog_sync() -> Spec {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../spec-examples/catalog-sync/spec");
    let texts: Vec<String> = ["catalog.adt", "services.adt", "sync.adt"]
        .iter()
        .map(|f| std::fs::read_to_string(dir.join(f)).expect("read the example"))
        .collect();
    let parsed: Vec<_> = texts.iter().enumerate().map(|(i, t)| lp_syntax::parse(FileId(i as u32), t)).collect();
    for p in &parsed {
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    }
    let files: Vec<_> = parsed.iter().enumerate().map(|(i, p)| (FileId(i as u32), &p.value)).collect();
    let lowered = lp_ir::lower(&files);
    assert!(!lowered.diagnostics.iter().any(|d| d.is_error()), "{:?}", lowered.diagnostics);
    lowered.value
}

const ACME: &str = "acme.myshopify.com";

fn unit(name: &str, index: u32) -> Value {
    Value::Variant { name: name.into(), index, fields: Vec::new() }
}

fn shopify() -> Value {
    unit("Shopify", 0)
}

fn tenant(max: i64) -> Value {
    rec(&[("id", s(ACME)), ("name", s("Acme")), ("max_products", int(max))])
}

fn product(tenant: &str, sku: &str, price: i64) -> Value {
    rec(&[
        ("tenant", s(tenant)),
        ("sku", s(sku)),
        ("title", s("A lamp")),
        ("price", int(price)),
        ("discount", Value::Option(None)),
        ("tags", Value::List(Vec::new())),
        ("external_ids", Value::Map(Default::default())),
    ])
}

fn connection() -> Value {
    rec(&[
        ("tenant", s(ACME)),
        ("platform", shopify()),
        ("api_base", s("https://acme.myshopify.com/admin")),
        ("secret", s("0123456789abcdef0123")),
    ])
}

fn webhook(id: &str, on_hand: i64) -> Value {
    rec(&[("id", s(id)), ("topic", unit("InventoryUpdated", 0)), ("sku", s("LAMP-1")), ("on_hand", int(on_hand))])
}

/// Runs `service.op` with the external functions the example declares: the platform answers,
/// and a signature is valid when it is `good`.
fn run(spec: &Spec, store: &mut Store, service: &str, name: &str, args: Vec<Value>) -> Outcome {
    let mut env = Env::new();
    env.register("platform_reachable", |_| Ok(Value::Bool(true)));
    env.register("signature_valid", |args| Ok(Value::Bool(args.get(2) == Some(&Value::Str("good".into())))));
    let out = run_op(spec, op(spec, service, name), args, store, &mut env);
    assert!(out.fault_kind().is_none(), "{service}.{name}: {out:?}");
    let broken = check_invariants(spec, store);
    assert!(broken.is_empty(), "{service}.{name}: {broken:?}");
    out
}

fn ok(out: Outcome) -> Value {
    match out {
        Outcome::Ok(v) => v,
        other => panic!("expected a value, got {other:?}"),
    }
}

fn field<'v>(v: &'v Value, name: &str) -> &'v Value {
    &v.fields().expect("a record").iter().find(|(n, _)| n == name).expect("the field").1
}

#[test]
fn catalog_operations_check_the_tenant_the_product_and_the_plan_limit() {
    let spec = catalog_sync();
    let mut store = Store::new();
    let out = run(&spec, &mut store, "catalog", "get_product", vec![s(ACME), s("LAMP-1")]);
    assert_raised(&spec, &out, "TenantUnknown", rec(&[("tenant", s(ACME))]));
    let out = run(&spec, &mut store, "catalog", "upsert", vec![s(ACME), product(ACME, "LAMP-1", 100)]);
    assert_raised(&spec, &out, "TenantUnknown", rec(&[("tenant", s(ACME))]));
    assert!(store.is_empty());

    ok(run(&spec, &mut store, "tenants", "register", vec![tenant(1)]));
    let out = run(&spec, &mut store, "catalog", "get_product", vec![s(ACME), s("LAMP-1")]);
    assert_raised(&spec, &out, "NotFound", rec(&[("sku", s("LAMP-1"))]));
    // The tenant comes from the path.
    let stored = ok(run(&spec, &mut store, "catalog", "upsert", vec![s(ACME), product("other.shop", "LAMP-1", 100)]));
    assert_eq!(stored, product(ACME, "LAMP-1", 100));
    // A second product exceeds the plan; replacing the first does not.
    let out = run(&spec, &mut store, "catalog", "upsert", vec![s(ACME), product(ACME, "LAMP-2", 100)]);
    assert_raised(&spec, &out, "PlanLimit", rec(&[("limit", int(1))]));
    ok(run(&spec, &mut store, "catalog", "upsert", vec![s(ACME), product(ACME, "LAMP-1", 90)]));
    assert_eq!(
        ok(run(&spec, &mut store, "catalog", "get_product", vec![s(ACME), s("LAMP-1")])),
        product(ACME, "LAMP-1", 90)
    );
    // Raising the limit makes room; deleting twice is deleting once.
    ok(run(&spec, &mut store, "tenants", "register", vec![tenant(2)]));
    ok(run(&spec, &mut store, "catalog", "upsert", vec![s(ACME), product(ACME, "LAMP-2", 100)]));
    let out = run(&spec, &mut store, "tenants", "register", vec![tenant(1)]);
    assert_raised(&spec, &out, "PlanLimit", rec(&[("limit", int(1))]));
    ok(run(&spec, &mut store, "catalog", "delete_product", vec![s(ACME), s("LAMP-2")]));
    let once = store.clone();
    ok(run(&spec, &mut store, "catalog", "delete_product", vec![s(ACME), s("LAMP-2")]));
    assert_eq!(store, once);
}

#[test]
fn a_sync_run_is_addressed_by_its_id_and_follows_its_lifecycle() {
    let spec = catalog_sync();
    let mut store = Store::new();
    ok(run(&spec, &mut store, "tenants", "register", vec![tenant(5)]));
    let out = run(&spec, &mut store, "catalog", "start_sync", vec![s(ACME), shopify()]);
    assert_raised(&spec, &out, "NotConnected", rec(&[("platform", shopify())]));
    ok(run(&spec, &mut store, "tenants", "connect", vec![s(ACME), connection()]));

    let started = ok(run(&spec, &mut store, "catalog", "start_sync", vec![s(ACME), shopify()]));
    let job = field(&started, "id").clone();
    assert_eq!(state_of(&spec, &store, "SyncRun", std::slice::from_ref(&job)), "Running");
    // A second run gets another id.
    let second = ok(run(&spec, &mut store, "catalog", "start_sync", vec![s(ACME), shopify()]));
    assert_ne!(field(&second, "id"), &job);

    // Cancelling the run just started addresses that run: it is running, so 409.
    let out = run(&spec, &mut store, "catalog", "cancel_sync", vec![s(ACME), job.clone()]);
    assert_raised(&spec, &out, "SyncBusy", rec(&[("job", job.clone())]));
    let out = run(&spec, &mut store, "catalog", "cancel_sync", vec![s(ACME), s("no-such-job")]);
    assert_raised(&spec, &out, "SyncNotFound", rec(&[("job", s("no-such-job"))]));

    // A failure puts it back to pending with the reason; then it can be cancelled.
    let failed = ok(run(&spec, &mut store, "catalog", "fail_sync", vec![s(ACME), job.clone(), unit("Timeout", 0)]));
    assert_eq!(state_of(&spec, &store, "SyncRun", std::slice::from_ref(&job)), "Pending");
    assert!(matches!(field(&failed, "outcome"), Value::Option(Some(_))), "{failed:?}");
    ok(run(&spec, &mut store, "catalog", "cancel_sync", vec![s(ACME), job.clone()]));
    assert_eq!(state_of(&spec, &store, "SyncRun", std::slice::from_ref(&job)), "Cancelled");
    let out = run(&spec, &mut store, "catalog", "retry_sync", vec![s(ACME), job.clone()]);
    assert_raised(&spec, &out, "SyncBusy", rec(&[("job", job.clone())]));

    // The second run fails four times and is abandoned; finishing it then is refused.
    let job2 = field(&second, "id").clone();
    for _ in 0..3 {
        ok(run(&spec, &mut store, "catalog", "fail_sync", vec![s(ACME), job2.clone(), unit("Unauthorized", 1)]));
        ok(run(&spec, &mut store, "catalog", "retry_sync", vec![s(ACME), job2.clone()]));
    }
    ok(run(&spec, &mut store, "catalog", "fail_sync", vec![s(ACME), job2.clone(), unit("Unauthorized", 1)]));
    assert_eq!(state_of(&spec, &store, "SyncRun", std::slice::from_ref(&job2)), "Abandoned");
    let report = rec(&[("tenant", s(ACME)), ("created", int(1)), ("updated", int(2)), ("skipped", int(0))]);
    let out = run(&spec, &mut store, "catalog", "finish_sync", vec![s(ACME), job2.clone(), report.clone()]);
    assert_raised(&spec, &out, "SyncBusy", rec(&[("job", job2.clone())]));

    // A third run finishes and records how many products it wrote; another tenant's path does
    // not reach it.
    let third = ok(run(&spec, &mut store, "catalog", "start_sync", vec![s(ACME), shopify()]));
    let job3 = field(&third, "id").clone();
    let done = ok(run(&spec, &mut store, "catalog", "finish_sync", vec![s(ACME), job3.clone(), report]));
    assert_eq!(state_of(&spec, &store, "SyncRun", std::slice::from_ref(&job3)), "Done");
    let synced = Value::Variant { name: "Synced".into(), index: 0, fields: vec![("count".into(), int(3))] };
    assert_eq!(field(&done, "outcome"), &Value::Option(Some(Box::new(synced))));
    ok(run(
        &spec,
        &mut store,
        "tenants",
        "register",
        vec![rec(&[("id", s("other.shop")), ("name", s("Other")), ("max_products", int(1))])],
    ));
    let out = run(&spec, &mut store, "catalog", "get_sync", vec![s("other.shop"), job3.clone()]);
    assert_raised(&spec, &out, "SyncNotFound", rec(&[("job", job3)]));
}

#[test]
fn webhooks_are_checked_by_signature_and_applied_once() {
    let spec = catalog_sync();
    let mut store = Store::new();
    let args = |sig: &str, event: Value| vec![shopify(), s(ACME), s(sig), event];
    let out = run(&spec, &mut store, "inventory", "receive_webhook", args("good", webhook("d1", 5)));
    assert_raised(&spec, &out, "TenantUnknown", rec(&[("tenant", s(ACME))]));
    ok(run(&spec, &mut store, "tenants", "register", vec![tenant(5)]));
    // Not connected: nothing to check the signature against.
    let out = run(&spec, &mut store, "inventory", "receive_webhook", args("good", webhook("d1", 5)));
    assert_raised(&spec, &out, "InvalidSignature", rec(&[("platform", shopify())]));
    ok(run(&spec, &mut store, "tenants", "connect", vec![s(ACME), connection()]));
    let out = run(&spec, &mut store, "inventory", "receive_webhook", args("forged", webhook("d1", 5)));
    assert_raised(&spec, &out, "InvalidSignature", rec(&[("platform", shopify())]));

    let out = run(&spec, &mut store, "inventory", "stock", vec![s(ACME), s("LAMP-1")]);
    assert_raised(&spec, &out, "NotFound", rec(&[("sku", s("LAMP-1"))]));
    ok(run(&spec, &mut store, "inventory", "receive_webhook", args("good", webhook("d1", 5))));
    let stock = rec(&[("tenant", s(ACME)), ("sku", s("LAMP-1")), ("on_hand", int(5))]);
    assert_eq!(ok(run(&spec, &mut store, "inventory", "stock", vec![s(ACME), s("LAMP-1")])), stock);
    // A duplicate delivery is dropped; a new one applies.
    ok(run(&spec, &mut store, "inventory", "receive_webhook", args("good", webhook("d1", 9))));
    assert_eq!(ok(run(&spec, &mut store, "inventory", "stock", vec![s(ACME), s("LAMP-1")])), stock);
    ok(run(&spec, &mut store, "inventory", "receive_webhook", args("good", webhook("d2", 7))));
    let stock = rec(&[("tenant", s(ACME)), ("sku", s("LAMP-1")), ("on_hand", int(7))]);
    assert_eq!(ok(run(&spec, &mut store, "inventory", "stock", vec![s(ACME), s("LAMP-1")])), stock);
}
