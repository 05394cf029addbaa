//! The functor laws by property tests: seeded defects each law must catch (asserting the code
//! and the counterexample), clean types it must pass with an honest `tested{cases, seed}`,
//! wrong `map` implementations injected through the [`MapImpl`] hook, determinism, the
//! examples, and laws that cannot be tested (`unknown`, never a pass).

mod common;

use common::*;
use lp_check::{Goal, Verdict};
use lp_ir::{Spec, Ty};
use lp_props::{DEFAULT_SEED, MapImpl, PropsOptions, Value, derived_map};
use std::path::Path;

const SCOPED: &str = r#"
type TenantId = String where 3 <= len(self) && len(self) <= 63
type Scoped<+T> = { tenant: TenantId, items: List<T> }
"#;

fn tested(v: &Verdict) -> (u32, u64) {
    match v {
        Verdict::Tested { cases, seed } => (*cases, *seed),
        other => panic!("expected tested, got {other:?}"),
    }
}

// ------------------------------------------------------------------ clean cases

#[test]
fn the_design_example_scoped_passes_with_the_cases_that_ran() {
    let spec = lower(SCOPED);
    for law in ["identity", "composition"] {
        let ob = obligation(&spec, &format!("functor/type.Scoped/map.T/{law}"));
        let v = discharge(&spec, &ob);
        assert_eq!(tested(&v), (opts().cases, DEFAULT_SEED), "{law}");
        assert!(lp_check::diagnostic_for(&ob, &v).is_none());
    }
}

#[test]
fn tested_counts_what_ran_not_a_constant() {
    let spec = lower(SCOPED);
    let ob = obligation(&spec, "functor/type.Scoped/map.T/identity");
    let Goal::Law(goal) = &ob.goal else { panic!() };
    let v = lp_props::discharge(&spec, goal, &PropsOptions { cases: 17, seed: 42 });
    assert_eq!(v, Verdict::Tested { cases: 17, seed: 42 });
    let v = lp_props::discharge(&spec, goal, &PropsOptions { cases: 0, seed: 42 });
    assert!(matches!(v, Verdict::Unknown { .. }), "zero cases is no evidence: {v:?}");
}

#[test]
fn refinements_that_map_preserves_pass() {
    let src = r#"
type Bounded<+T> = { items: List<T> where len(self) <= 3 }
type AtMost<+T> = { tags: Set<T> } where len(self.tags) <= 3
type Counted<+T> = { items: List<T>, count: Int } where len(self.items) == self.count
type Page<+T> = NonEmpty { first: T, rest: List<T> where len(self) < 4 } | Empty
type Tree<+T> = Leaf | Node { left: Tree<T>, value: T, right: Tree<T> }
type Keyed<+T> = { by_name: Map<String, T> where len(self) >= 1 }
type Lazy<+T> = { make: Int -> T, fallback: Option<T> }
"#;
    let spec = lower(src);
    for ob in lp_check::passes::functor::obligations(&spec) {
        let v = match &ob.goal {
            Goal::Law(_) => discharge(&spec, &ob),
            Goal::Decided(v) => v.clone(),
            Goal::Smt(_) | Goal::Run(_) => unreachable!(),
        };
        assert!(matches!(v, Verdict::Tested { .. } | Verdict::Proved { .. }), "{}: {v:?}", ob.id);
    }
    // The refinement obligations exist for the types whose refinements read `T` values.
    for name in ["Bounded", "AtMost", "Counted", "Page"] {
        obligation(&spec, &format!("functor/type.{name}/map.T/refinements"));
    }
}

// ------------------------------------------------------------------ refinements: seeded defects

#[test]
fn a_set_of_fixed_size_is_not_preserved() {
    let s = failure(
        "type Tags<+T> = { tags: Set<T> } where len(self.tags) == 3\n",
        "functor/type.Tags/map.T/refinements",
        "LP2032",
    );
    assert!(s.starts_with("x = { tags: Set["), "{s}");
    assert!(s.contains(": map(f, x) = { tags: Set["), "{s}");
    assert!(s.ends_with("breaks `len(self.tags) == 3` of Tags"), "{s}");
}

#[test]
fn distinct_fields_are_not_preserved() {
    let s = failure(
        "type Pair<+T> = { a: T, b: T } where self.a != self.b\n",
        "functor/type.Pair/map.T/refinements",
        "LP2032",
    );
    assert!(s.starts_with("x = { a: "), "{s}");
    assert!(s.ends_with("breaks `self.a != self.b` of Pair"), "{s}");
}

#[test]
fn a_field_refinement_on_map_keys_is_not_preserved() {
    let s = failure(
        "type Sized<+T> = { index: Map<T, Int> where len(self) >= 2 }\n",
        "functor/type.Sized/map.T/refinements",
        "LP2032",
    );
    assert!(s.starts_with("x = { index: Map["), "{s}");
    assert!(s.ends_with("breaks `len(self) >= 2` of Sized.index at map(f, x).index"), "{s}");
}

#[test]
fn a_broken_refinement_nested_in_another_type_is_found() {
    let s = failure(
        "type Tags<+T> = { tags: Set<T> } where len(self.tags) == 2\ntype Board<+T> = { rows: List<Tags<T>> where len(self) == 1 }\n",
        "functor/type.Board/map.T/refinements",
        "LP2032",
    );
    assert!(s.starts_with("x = { rows: [{ tags: Set["), "{s}");
    assert!(s.ends_with("breaks `len(self.tags) == 2` of Tags at map(f, x).rows[0]"), "{s}");
}

#[test]
fn a_refinement_on_a_sum_payload_is_not_preserved() {
    let s = failure(
        "type Choice<+T> = Two { x: T, y: T } | None0\ntype Strict<+T> = { c: Choice<T> } where match self.c { Two { x: a, y: b } => a != b, None0 => true }\n",
        "functor/type.Strict/map.T/refinements",
        "LP2032",
    );
    assert!(s.contains("breaks `match self.c { Two { x: a, y: b } => a != b, None0 => true }` of Strict"), "{s}");
}

// ------------------------------------------------------------------ composition: seeded defects

#[test]
fn map_keys_break_composition_in_a_record() {
    let s = failure("type Index<+T> = { entries: Map<T, Int> }\n", "functor/type.Index/map.T/composition", "LP2031");
    assert!(s.starts_with("x = { entries: Map["), "{s}");
    assert!(s.contains(", f(x) = ") && s.contains(", g(x) = "), "{s}");
    assert!(
        s.contains(": map(g ∘ f, x) = { entries: Map[") && s.contains("}, but map(g, map(f, x)) = { entries: Map["),
        "{s}"
    );
}

#[test]
fn map_keys_break_composition_in_an_alias() {
    let s = failure("type Lookup<+T> = Map<T, String>\n", "functor/type.Lookup/map.T/composition", "LP2031");
    assert!(s.starts_with("x = Map["), "{s}");
    assert!(s.contains("but map(g, map(f, x)) = Map["), "{s}");
}

#[test]
fn map_keys_break_composition_in_a_variant() {
    let s = failure(
        "type Registry<+T> = Closed | Open { by_key: Map<T, String> }\n",
        "functor/type.Registry/map.T/composition",
        "LP2031",
    );
    assert!(s.starts_with("x = Open { by_key: Map["), "{s}");
}

#[test]
fn map_keys_keep_the_identity_law() {
    let spec = lower("type Index<+T> = { entries: Map<T, Int> }\n");
    let ob = obligation(&spec, "functor/type.Index/map.T/identity");
    tested(&discharge(&spec, &ob));
}

// ------------------------------------------------------------------ wrong maps are caught

/// Reverses every list in a value.
fn reverse_lists(v: Value) -> Value {
    rewrite(v, &|v| match v {
        Value::List(mut items) => {
            items.reverse();
            Value::List(items)
        }
        v => v,
    })
}

/// Applies `f` bottom-up to every value inside `v`.
fn rewrite(v: Value, f: &dyn Fn(Value) -> Value) -> Value {
    let inner = match v {
        Value::List(items) => Value::List(items.into_iter().map(|x| rewrite(x, f)).collect()),
        Value::Option(Some(x)) => Value::Option(Some(Box::new(rewrite(*x, f)))),
        Value::Record(fields) => Value::Record(fields.into_iter().map(|(n, x)| (n, rewrite(x, f))).collect()),
        Value::Variant { name, index, fields } => {
            Value::Variant { name, index, fields: fields.into_iter().map(|(n, x)| (n, rewrite(x, f))).collect() }
        }
        v => v,
    };
    f(inner)
}

struct ReverseLists;
impl MapImpl for ReverseLists {
    fn map(&self, spec: &Spec, ty: &Ty, param: u32, value: &Value, f: &dyn Fn(&Value) -> Value) -> Value {
        reverse_lists(derived_map(spec, ty, param, value, f))
    }
}

struct DropLast;
impl MapImpl for DropLast {
    fn map(&self, spec: &Spec, ty: &Ty, param: u32, value: &Value, f: &dyn Fn(&Value) -> Value) -> Value {
        rewrite(derived_map(spec, ty, param, value, f), &|v| match v {
            Value::List(mut items) => {
                items.pop();
                Value::List(items)
            }
            v => v,
        })
    }
}

struct ForgetOptions;
impl MapImpl for ForgetOptions {
    fn map(&self, spec: &Spec, ty: &Ty, param: u32, value: &Value, f: &dyn Fn(&Value) -> Value) -> Value {
        rewrite(derived_map(spec, ty, param, value, f), &|v| match v {
            Value::Option(Some(_)) => Value::Option(None),
            v => v,
        })
    }
}

/// Lawful on the identity (id ∘ id = id) but not on composition.
struct AppliesTwice;
impl MapImpl for AppliesTwice {
    fn map(&self, spec: &Spec, ty: &Ty, param: u32, value: &Value, f: &dyn Fn(&Value) -> Value) -> Value {
        derived_map(spec, ty, param, value, &|v| f(&f(v)))
    }
}

#[test]
fn a_map_that_reverses_lists_breaks_identity() {
    let spec = lower(SCOPED);
    let ob = obligation(&spec, "functor/type.Scoped/map.T/identity");
    let s = failure_of(&ob, &discharge_with(&spec, &ob, &ReverseLists), "LP2031");
    assert!(s.starts_with("x = { tenant: \""), "{s}");
    assert!(s.contains(": map(id, x) = { tenant: \""), "{s}");
    assert!(s.ends_with("}, not x"), "{s}");
    // The shrunk list has exactly two different elements, the smallest that reversal changes.
    let Verdict::Failed { counterexample } = discharge_with(&spec, &ob, &ReverseLists) else { panic!() };
    let x = &counterexample.bindings[0].1;
    let items = x.split("items: [").nth(1).and_then(|r| r.split(']').next()).expect("items");
    assert_eq!(items.split(", ").count(), 2, "{x}");
}

#[test]
fn a_map_that_drops_the_last_element_breaks_identity() {
    let spec = lower(SCOPED);
    let ob = obligation(&spec, "functor/type.Scoped/map.T/identity");
    let s = failure_of(&ob, &discharge_with(&spec, &ob, &DropLast), "LP2031");
    assert!(s.contains(", items: [0] }: map(id, x) = { tenant: ") && s.contains(", items: [] }, not x"), "{s}");
}

#[test]
fn a_map_that_forgets_options_breaks_identity() {
    let spec = lower("type Maybe<+T> = { value: Option<T>, note: String }\n");
    let ob = obligation(&spec, "functor/type.Maybe/map.T/identity");
    let s = failure_of(&ob, &discharge_with(&spec, &ob, &ForgetOptions), "LP2031");
    assert!(s.starts_with("x = { value: Some(0), note: \"\" }: map(id, x) = { value: None, note: \"\" }"), "{s}");
}

#[test]
fn a_map_that_applies_f_twice_keeps_identity_but_breaks_composition() {
    let spec = lower(SCOPED);
    let identity = obligation(&spec, "functor/type.Scoped/map.T/identity");
    tested(&discharge_with(&spec, &identity, &AppliesTwice));
    let ob = obligation(&spec, "functor/type.Scoped/map.T/composition");
    let s = failure_of(&ob, &discharge_with(&spec, &ob, &AppliesTwice), "LP2031");
    assert!(s.contains("map(g ∘ f, x) = ") && s.contains(", but map(g, map(f, x)) = "), "{s}");
}

#[test]
fn wrong_maps_are_caught_on_recursive_types_too() {
    let spec = lower("type Tree<+T> = Leaf | Node { left: Tree<T>, value: List<T>, right: Tree<T> }\n");
    let ob = obligation(&spec, "functor/type.Tree/map.T/identity");
    let s = failure_of(&ob, &discharge_with(&spec, &ob, &ReverseLists), "LP2031");
    assert!(s.starts_with("x = Node { left: "), "{s}");
}

// ------------------------------------------------------------------ determinism

#[test]
fn discharging_twice_gives_identical_verdicts() {
    let cases = [
        ("type Tags<+T> = { tags: Set<T> } where len(self.tags) == 3\n", "functor/type.Tags/map.T/refinements"),
        ("type Index<+T> = { entries: Map<T, Int> }\n", "functor/type.Index/map.T/composition"),
        (SCOPED, "functor/type.Scoped/map.T/composition"),
    ];
    for (src, id) in cases {
        let spec = lower(src);
        let ob = obligation(&spec, id);
        let first = discharge(&spec, &ob);
        let second = discharge(&spec, &ob);
        assert_eq!(first, second, "{id}");
        // A fresh lowering of the same text gives the same verdict too.
        let again = lower(src);
        assert_eq!(discharge(&again, &obligation(&again, id)), first, "{id}");
    }
    let spec = lower(SCOPED);
    let ob = obligation(&spec, "functor/type.Scoped/map.T/identity");
    let Goal::Law(goal) = &ob.goal else { panic!() };
    let other = lp_props::discharge(&spec, goal, &PropsOptions { cases: 64, seed: 7 });
    assert_eq!(other, Verdict::Tested { cases: 64, seed: 7 }, "the verdict records the seed that ran");
}

// ------------------------------------------------------------------ unknown, never a pass

#[test]
fn laws_whose_refinements_cannot_be_evaluated_are_unknown() {
    let src = "fn ok(n: Int) -> Bool\ntype Guarded<+T> = { items: List<T> } where ok(len(self.items))\n";
    let spec = lower(src);
    for law in ["identity", "composition", "refinements"] {
        let ob = obligation(&spec, &format!("functor/type.Guarded/map.T/{law}"));
        let v = discharge(&spec, &ob);
        let Verdict::Unknown { reason } = &v else { panic!("{law}: {v:?}") };
        assert!(reason.contains("external function `ok`"), "{reason}");
        let d = lp_check::diagnostic_for(&ob, &v).expect("unknown fails closed");
        assert_eq!(d.code.id(), "LP3000");
    }
}

#[test]
fn unsatisfiable_refinements_are_unknown_not_tested() {
    let spec = lower("type Never<+T> = { items: List<T> } where len(self.items) > 3 && len(self.items) < 2\n");
    let ob = obligation(&spec, "functor/type.Never/map.T/identity");
    let v = discharge(&spec, &ob);
    assert!(matches!(v, Verdict::Unknown { .. }), "{v:?}");
}

// ------------------------------------------------------------------ the examples

#[test]
fn the_examples_pass_every_law() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec-examples");
    let mut laws = 0;
    for dir in ["catalog-sync", "order-fulfilment", "subscription-billing/v1", "subscription-billing/v2"] {
        let spec = lower_project(&root.join(dir));
        for ob in lp_check::passes::functor::obligations(&spec) {
            let v = match &ob.goal {
                Goal::Law(_) => {
                    laws += 1;
                    discharge(&spec, &ob)
                }
                Goal::Decided(v) => v.clone(),
                Goal::Smt(_) | Goal::Run(_) => unreachable!(),
            };
            assert!(v.is_pass(), "{dir}: {} {v:?}", ob.id);
            if let Verdict::Tested { cases, seed } = v {
                assert_eq!((cases, seed), (opts().cases, DEFAULT_SEED));
            }
        }
    }
    assert_eq!(laws, 4, "Scoped and Page: identity and composition");
}
