//! Mutation tests: each example checks clean, and a small seeded defect in it (a widened
//! refinement, a dropped match arm, a reversed dependency, ...) is caught by the right pass.

use lp_check::{Pass, Verdict};
use lp_driver::fs::MemFs;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Loads an example project into memory under `ex/`, with one textual edit applied.
fn load(example: &str, edit: Option<(&str, &str, &str)>) -> MemFs {
    let root = repo().join("spec-examples").join(example);
    let fs = MemFs::load_project(&root, Path::new("ex")).expect("example folder");
    if let Some((file, from, to)) = edit {
        let path = Path::new("ex").join(file);
        let text = String::from_utf8(lp_driver::fs::FileSystem::read(&fs, &path).expect("file exists")).expect("utf-8");
        assert!(text.contains(from), "the mutation's text `{from}` is not in {file}; update the test");
        fs.insert(path, text.replacen(from, to, 1));
    }
    fs
}

fn no_cache() -> lp_driver::CheckOptions {
    lp_driver::CheckOptions { use_cache: false, ..Default::default() }
}

/// Checks a mutant; returns the passes with failed obligations and the error codes.
fn failures(fs: &MemFs) -> (Vec<Pass>, Vec<&'static str>) {
    let outcome = lp_driver::check_with(fs, Path::new("ex"), &no_cache()).expect("loads");
    let mut passes: Vec<Pass> = outcome
        .results
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Failed { .. }))
        .map(|r| r.obligation.pass)
        .collect();
    passes.dedup();
    let codes = outcome.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.code.id()).collect();
    (passes, codes)
}

#[test]
fn examples_are_clean_before_mutation() {
    for ex in ["catalog-sync", "order-fulfilment", "subscription-billing/v1", "subscription-billing/v2"] {
        let outcome = lp_driver::check_with(&load(ex, None), Path::new("ex"), &no_cache()).expect("loads");
        let errors: Vec<String> =
            outcome.diagnostics.iter().filter(|d| d.is_error()).map(|d| format!("{}: {}", d.code, d.message)).collect();
        assert!(errors.is_empty(), "{ex} has errors: {errors:#?}");
        assert!(outcome.results.len() >= 10, "{ex}: only {} obligations", outcome.results.len());
        assert!(outcome.results.iter().all(|r| r.verdict.is_pass()), "{ex}: a verdict does not pass");
    }
}

/// (example, file, text, replacement, the pass that must fail, the code area that must show).
const MUTATIONS: &[(&str, &str, &str, &str, Pass, &str)] = &[
    // Widen a refinement: a 200% discount makes `discounted` return a negative price.
    ("catalog-sync", "spec/catalog.adt", "self <= 100", "self <= 200", Pass::Contracts, "LP3"),
    // Weaken a postcondition into a false one.
    ("catalog-sync", "spec/catalog.adt", "ensures result <= price", "ensures result < price", Pass::Contracts, "LP3"),
    // Drop a match arm.
    ("catalog-sync", "spec/catalog.adt", "Shopify => 2, WooCommerce => 3", "Shopify => 2", Pass::Totality, "LP2"),
    // Reverse a dependency: tenants now depends on inventory, which depends on tenants.
    (
        "catalog-sync",
        "spec/services.adt",
        "service tenants {\n",
        "service tenants {\n  depends on inventory\n",
        Pass::Composition,
        "LP6",
    ),
    // Swap two flow steps, so the types no longer meet.
    (
        "catalog-sync",
        "spec/services.adt",
        "fetch_remote >=> normalize",
        "normalize >=> fetch_remote",
        Pass::Composition,
        "LP6",
    ),
    // Declare a covariant parameter that is used as a function argument.
    (
        "catalog-sync",
        "spec/catalog.adt",
        "type Cents = Int where self >= 0",
        "type Cents = Int where self >= 0\ntype Handler<+T> = { run: T -> Bool }",
        Pass::Functor,
        "LP2",
    ),
    // Make a refinement unsatisfiable.
    (
        "catalog-sync",
        "spec/catalog.adt",
        "type Cents = Int where self >= 0",
        "type Cents = Int where self >= 0 && self < 0",
        Pass::Totality,
        "LP2",
    ),
    // A record field of an empty type makes the record uninhabited.
    (
        "catalog-sync",
        "spec/catalog.adt",
        "type PriceRange = { min: Cents, max: Cents }",
        "type PriceRange = { min: Cents, max: Cents, never: Void }",
        Pass::Adt,
        "LP2",
    ),
    // The same kinds of defects in the other examples.
    (
        "order-fulfilment",
        "fulfilment.adt",
        "type Quantity = Int where 1 <= self && self <= 999",
        "type Quantity = Int where 1 <= self && self <= 999 && self > 1000",
        Pass::Totality,
        "LP2",
    ),
    (
        "order-fulfilment",
        "fulfilment.adt",
        "reserve_stock >=> price_order",
        "price_order >=> authorise_payment >=> reserve_stock",
        Pass::Composition,
        "LP6",
    ),
];

#[test]
fn seeded_defects_are_caught_by_the_right_pass() {
    let mut problems = Vec::new();
    for (example, file, from, to, pass, area) in MUTATIONS {
        let (passes, codes) = failures(&load(example, Some((file, from, to))));
        if !passes.contains(pass) || !codes.iter().any(|c| c.starts_with(area)) {
            problems.push(format!("{example}: `{from}` -> `{to}`: expected a failure in {pass:?} ({area}xxx), got passes {passes:?}, codes {codes:?}"));
        }
    }
    assert!(problems.is_empty(), "mutants that survived:\n{}", problems.join("\n"));
}
