//! The ADT pass: seeded defects it must catch (Void paths, recursive types without a base
//! case), clean specs it must pass, path counts, paths, normal forms and the isomorphism hint.

mod common;
use common::{spec, verdict};

use lp_check::passes::adt::{AdtFacts, Count};
use lp_check::{Obligation, Verdict};
use lp_diagnostics::Severity;
use lp_ir::{Spec, TypeId};

fn adt_obligations(spec: &Spec) -> Vec<Obligation> {
    lp_check::obligations(spec).into_iter().filter(|o| o.id.starts_with("adt/")).collect()
}

/// The failed obligation with this id: its code and counterexample summary.
fn failure(text: &str, id: &str) -> (&'static str, String) {
    let s = spec(text);
    let obs = adt_obligations(&s);
    let ob = obs.iter().find(|o| o.id == id).unwrap_or_else(|| panic!("no obligation {id} in {:?}", ids(&obs)));
    match verdict(ob) {
        Verdict::Failed { counterexample } => (ob.report.code.id(), counterexample.summary.clone()),
        v => panic!("{id} did not fail: {v:?}"),
    }
}

fn ids(obs: &[Obligation]) -> Vec<&str> {
    obs.iter().map(|o| o.id.as_str()).collect()
}

fn type_id(spec: &Spec, name: &str) -> TypeId {
    TypeId(spec.types.iter().position(|t| t.name == name).expect("type") as u32)
}

#[test]
fn a_void_field_makes_a_record_empty() {
    let (code, summary) = failure("type Never = { impossible: Void }", "adt/type.Never/inhabited");
    assert_eq!(code, "LP2001");
    assert_eq!(summary, "Void path: Never.impossible: Void");
}

#[test]
fn the_void_path_goes_through_other_types() {
    let text = "type Never = { impossible: Void }\ntype Order = { id: String, blocker: Never }";
    let (code, summary) = failure(text, "adt/type.Order/inhabited");
    assert_eq!(code, "LP2001");
    assert_eq!(summary, "Void path: Order.blocker: Never → Never.impossible: Void");
}

#[test]
fn a_sum_is_empty_when_every_variant_is() {
    let text = "type Never = { impossible: Void }\ntype Shape = Circle { r: Void } | Square { side: Int, s: Never }";
    let (code, summary) = failure(text, "adt/type.Shape/inhabited");
    assert_eq!(code, "LP2001");
    assert_eq!(summary, "every variant needs a value of an empty type: Shape.Circle.r: Void, Shape.Square.s: Never");
}

#[test]
fn a_recursive_type_without_a_base_case() {
    let (code, summary) = failure("type Chain = Link { next: Chain, label: String }", "adt/type.Chain/inhabited");
    assert_eq!(code, "LP2002");
    assert_eq!(summary, "every value of `Chain` needs another value of its cycle: Chain.Link.next: Chain");
}

#[test]
fn mutually_recursive_types_without_a_base_case() {
    let text = "type Ping = { pong: Pong }\ntype Pong = { ping: Ping, n: Int }";
    let (code, summary) = failure(text, "adt/type.Ping/inhabited");
    assert_eq!(code, "LP2002");
    assert_eq!(summary, "every value of `Ping` needs another value of its cycle: Ping.pong: Pong");
    assert_eq!(failure(text, "adt/type.Pong/inhabited").0, "LP2002");
}

#[test]
fn recursion_that_would_not_help_is_a_void_path() {
    // Even if `R` had a value, `a: Void` would keep it empty: the cause is Void, not recursion.
    let (code, summary) = failure("type R = { a: Void, r: R }", "adt/type.R/inhabited");
    assert_eq!(code, "LP2001");
    assert!(summary.starts_with("Void path: R.a: Void"), "{summary}");
}

#[test]
fn a_generic_type_applied_to_void() {
    let text = "type Box<T> = { value: T }\ntype Bad = { b: Box<Void> }";
    let (code, summary) = failure(text, "adt/type.Bad/inhabited");
    assert_eq!(code, "LP2001");
    assert_eq!(summary, "Void path: Bad.b: Box<Void>");
    // `Box` itself is fine for inhabited arguments; as a structure it cannot fail, so it has
    // no obligation at all.
    assert!(!ids(&adt_obligations(&spec(text))).contains(&"adt/type.Box/inhabited"));
}

#[test]
fn an_error_whose_payload_is_empty() {
    let (code, summary) = failure("error Broken = 500 { reason: Void }", "adt/error.Broken/inhabited");
    assert_eq!(code, "LP2001");
    assert_eq!(summary, "Void path: Broken.reason: Void");
}

#[test]
fn the_diagnostic_points_at_the_type_and_its_empty_fields() {
    let text = "type Never = { impossible: Void }";
    let s = spec(text);
    let obs = adt_obligations(&s);
    let d = lp_check::diagnostic_for(&obs[0], verdict(&obs[0])).expect("a diagnostic");
    assert_eq!(d.code.id(), "LP2001");
    assert_eq!(d.message, "type `Never` has no value");
    let primary = d.primary.expect("primary");
    assert_eq!(&text[primary.span.start as usize..primary.span.end as usize], "Never");
    assert_eq!(d.secondary.len(), 1);
    assert_eq!(&text[d.secondary[0].span.start as usize..d.secondary[0].span.end as usize], "impossible: Void");
    assert_eq!(d.notes, vec!["counterexample: Void path: Never.impossible: Void".to_string()]);
    assert!(d.help.is_some());
}

#[test]
fn clean_types_that_mention_void_or_themselves_pass() {
    let text = "
type MaybeVoid = { none_only: Option<Void>, empty: List<Void>, nothing: Map<Void, Int> }
type Tree = Leaf | Node { left: Tree, right: Tree }
type Nat = Zero | Succ { n: Nat }
type Mostly = Fine | Impossible { v: Void }
type Either = L { v: Void } | R { n: Int }
type Linked = { head: Int, tail: Option<Linked> }
type Forest = { trees: List<Forest> }
type Wrap = { r: Result<Void, Int> }
";
    let s = spec(text);
    let obs = adt_obligations(&s);
    // `Void` under `Option` or a collection, and recursion under `Option` or `List`, cannot
    // make a type empty: those claims could not fail, so they are not obligations.
    assert_eq!(
        ids(&obs),
        [
            "adt/type.Tree/inhabited",
            "adt/type.Nat/inhabited",
            "adt/type.Mostly/inhabited",
            "adt/type.Either/inhabited",
            "adt/type.Wrap/inhabited",
        ]
    );
    for ob in &obs {
        assert!(verdict(ob).is_pass(), "{} failed: {:?}", ob.id, verdict(ob));
    }
    let facts = AdtFacts::new(&s);
    for t in &s.types {
        assert!(facts.type_inhabited(type_id(&s, &t.name)), "{} is empty", t.name);
    }
}

#[test]
fn types_that_cannot_be_empty_get_no_obligation() {
    let text = "
type Cents = Int where self >= 0
type Currency = EUR | USD
type Price = { amount: Cents, currency: Currency, note: Option<String> }
error Missing = 404 { id: String }
";
    assert!(adt_obligations(&spec(text)).is_empty());
}

#[test]
fn path_counts() {
    let text = "
type Platform = Shopify | WooCommerce
type Outcome = Synced { count: Int } | Failed { reason: String } | Skipped
type SyncRun = { id: String, platform: Platform, outcome: Option<Outcome> }
type Flags = { a: Bool, b: Bool, c: Bool }
type Either = { r: Result<Bool, Unit> }
type Empty = { v: Void }
type Pair<A, B> = { a: A, b: B }
type TwoFlags = { p: Pair<Bool, Bool> }
type Tags = { tags: List<String> }
type NoTags = { tags: List<Void>, m: Map<Void, Int> }
type Nat = Zero | Succ { n: Nat }
type Mostly = Fine | Impossible { v: Void }
type Unit1 = {}
type Fun = { f: Int -> Bool }
";
    let s = spec(text);
    let facts = AdtFacts::new(&s);
    let count = |name: &str| facts.type_count(type_id(&s, name));
    assert_eq!(count("Platform"), Count::Finite(2));
    assert_eq!(count("Outcome"), Count::Finite(3));
    assert_eq!(count("SyncRun"), Count::Finite(8));
    assert_eq!(count("Flags"), Count::Finite(8));
    assert_eq!(count("Either"), Count::Finite(3));
    assert_eq!(count("Empty"), Count::ZERO);
    assert_eq!(count("Pair"), Count::Finite(1));
    assert_eq!(count("TwoFlags"), Count::Finite(4));
    assert_eq!(count("Tags"), Count::Omega);
    assert_eq!(count("NoTags"), Count::Finite(1));
    assert_eq!(count("Nat"), Count::Omega);
    assert_eq!(count("Mostly"), Count::Finite(1));
    assert_eq!(count("Unit1"), Count::Finite(1));
    assert_eq!(count("Fun"), Count::Finite(1));
    assert_eq!(Count::Omega.to_string(), "ω");
}

#[test]
fn paths_and_normal_forms() {
    let text = "
type Platform = Shopify | WooCommerce
type Outcome = Synced { count: Int } | Failed { reason: String } | Skipped
type SyncRun = { id: String, platform: Platform, outcome: Option<Outcome> }
type Pair<A, B> = { a: A, b: B }
";
    let s = spec(text);
    let facts = AdtFacts::new(&s);
    let id = type_id(&s, "SyncRun");
    assert_eq!(facts.normal_form(id), "String × Platform × Option<Outcome>");
    assert_eq!(facts.normal_form(type_id(&s, "Outcome")), "Synced × Int + Failed × String + Skipped");
    assert_eq!(facts.normal_form(type_id(&s, "Pair")), "A × B");
    let paths = facts.paths(id).expect("finite");
    assert_eq!(paths.len(), 8);
    assert_eq!(paths[0], "{ platform: Shopify, outcome: None }");
    assert_eq!(paths[1], "{ platform: Shopify, outcome: Some(Synced { .. }) }");
    assert_eq!(paths[7], "{ platform: WooCommerce, outcome: Some(Skipped) }");
    assert_eq!(facts.paths(type_id(&s, "Outcome")).expect("finite"), ["Synced { .. }", "Failed { .. }", "Skipped"]);
}

#[test]
fn isomorphic_records_get_a_hint() {
    let text = "
type Customer = { name: String, email: String }
type Supplier = { company: String, contact: String }
type Currency = EUR | USD | GBP
type Carrier = Dhl | Ups | PostNl
type Priced = { amount: Int where self >= 0, label: String }
type Counted = { label: String, amount: Int where self >= 0 }
type Loose = { label: String, amount: Int }
";
    let hints = lp_check::hints(&spec(text));
    let messages: Vec<&str> = hints.iter().map(|h| h.message.as_str()).collect();
    assert_eq!(
        messages,
        ["type `Supplier` has the same shape as `Customer`", "type `Counted` has the same shape as `Priced`"]
    );
    assert!(hints.iter().all(|h| h.severity == Severity::Hint && h.code.id() == "LP2005"));
    assert_eq!(hints[0].secondary.len(), 1);
}

#[test]
fn isomorphic_sums_and_recursive_types() {
    let text = "
type IntList = INil | ICons { head: Int, tail: IntList }
type Numbers = Done | More { rest: Numbers, value: Int }
type A = X { n: Int } | Y { s: String }
type B = P { s: String } | Q { n: Int }
";
    let hints = lp_check::hints(&spec(text));
    let messages: Vec<&str> = hints.iter().map(|h| h.message.as_str()).collect();
    assert_eq!(messages, ["type `Numbers` has the same shape as `IntList`", "type `B` has the same shape as `A`"]);
}

#[test]
fn a_thousand_types_are_analysed_quickly() {
    let mut text = String::new();
    for i in 0..1000 {
        text.push_str(&format!("type T{i} = A{i} {{ next: T{} }} | B{i} {{ v: Option<T{i}>, n: Int }}\n", i + 1));
    }
    text.push_str("type T1000 = { end: Bool }\n");
    let s = spec(&text);
    let start = std::time::Instant::now();
    let obs = adt_obligations(&s);
    assert!(obs.iter().all(|o| verdict(o).is_pass()));
    assert!(start.elapsed().as_secs() < 5, "took {:?}", start.elapsed());
}
