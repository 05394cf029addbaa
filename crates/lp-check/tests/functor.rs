//! The functor pass: variance analysis with seeded defects it must catch (each asserting the
//! code, the occurrence and the counterexample text), clean types it must pass, the inferred
//! variances it reports, and the law obligations it emits.

mod common;
use common::spec as lower;

use lp_check::law::LawKind;
use lp_check::passes::functor::{self, Occurs};
use lp_check::{Goal, Method, Obligation, Verdict, diagnostic_for};
use lp_diagnostics::FileId;
use lp_ir::Spec;

fn obligations(src: &str) -> (Spec, Vec<Obligation>) {
    let spec = lower(src);
    let obs = functor::obligations(&spec);
    (spec, obs)
}

fn find<'o>(obs: &'o [Obligation], id: &str) -> &'o Obligation {
    obs.iter().find(|o| o.id == id).unwrap_or_else(|| {
        panic!("no obligation {id}; have: {:?}", obs.iter().map(|o| o.id.as_str()).collect::<Vec<_>>())
    })
}

fn decided(ob: &Obligation) -> &Verdict {
    match &ob.goal {
        Goal::Decided(v) => v,
        other => panic!("{} is not decided: {other:?}", ob.id),
    }
}

/// Asserts that a variance obligation fails with LP2030 and this counterexample summary, and
/// that its primary label covers `occurrence` in the source.
fn assert_violation(src: &str, id: &str, summary: &str, occurrence: &str) {
    let (_, obs) = obligations(src);
    let ob = find(&obs, id);
    let Verdict::Failed { counterexample } = decided(ob) else { panic!("{id} should fail: {:?}", decided(ob)) };
    assert_eq!(counterexample.summary, summary);
    let d = diagnostic_for(ob, decided(ob)).expect("a failed obligation has a diagnostic");
    assert_eq!(d.code.id(), "LP2030");
    let primary = d.primary.expect("primary label");
    assert_eq!(&src[primary.span.range()], occurrence, "primary label");
    assert_eq!(d.secondary.len(), 1, "a secondary label at the declaration");
    assert!(d.notes.iter().any(|n| n.contains(summary)), "{:?}", d.notes);
    assert!(d.help.is_some());
}

// ------------------------------------------------------------------ seeded defects

#[test]
fn covariant_parameter_as_function_argument_fails() {
    let src = "type Handler<+T> = { run: T -> Bool }\n";
    assert_violation(
        src,
        "functor/type.Handler/variance.T",
        "Handler.run: T -> Bool puts T in a negative position",
        "run: T -> Bool",
    );
    let (_, obs) = obligations(src);
    let d = diagnostic_for(&obs[0], decided(&obs[0])).expect("diagnostic");
    assert_eq!(&src[d.secondary[0].span.range()], "+T");
    assert!(d.message.contains("declares `+T`"), "{}", d.message);
}

#[test]
fn covariant_parameter_through_a_contravariant_type_fails() {
    let src = "type Handler<-T> = { run: T -> Bool }\ntype Sink<+T> = { name: String, h: Handler<T> }\n";
    assert_violation(
        src,
        "functor/type.Sink/variance.T",
        "Sink.h: Handler<T> puts T in a negative position (`Handler` is contravariant in `T`)",
        "h: Handler<T>",
    );
    let (_, obs) = obligations(src);
    assert!(matches!(decided(find(&obs, "functor/type.Handler/variance.T")), Verdict::Proved { .. }));
}

#[test]
fn covariant_parameter_read_and_written_fails() {
    assert_violation(
        "type Cell<+T> = { get: Unit -> T, set: T -> Unit }\n",
        "functor/type.Cell/variance.T",
        "Cell.set: T -> Unit puts T in a negative position",
        "set: T -> Unit",
    );
}

#[test]
fn contravariant_parameter_in_a_positive_position_fails() {
    assert_violation(
        "type Source<-T> = { value: List<T> }\n",
        "functor/type.Source/variance.T",
        "Source.value: List<T> puts T in a positive position",
        "value: List<T>",
    );
}

#[test]
fn covariant_parameter_in_a_variant_payload_fails() {
    assert_violation(
        "type Event<+T> = Fired { callback: Option<T -> Unit> } | Idle\n",
        "functor/type.Event/variance.T",
        "Event.Fired.callback: Option<T -> Unit> puts T in a negative position",
        "callback: Option<T -> Unit>",
    );
}

#[test]
fn covariant_parameter_of_an_alias_fails() {
    let src = "type Pred<+T> = T -> Bool\n";
    assert_violation(
        src,
        "functor/type.Pred/variance.T",
        "Pred: T -> Bool puts T in a negative position",
        src.trim_end(),
    );
}

#[test]
fn variance_through_mutually_recursive_types_fails() {
    let src = "type A<+T> = { b: Option<B<T>> }\ntype B<T> = { f: T -> Int, a: Option<A<T>> }\n";
    assert_violation(
        src,
        "functor/type.A/variance.T",
        "A.b: Option<B<T>> puts T in a negative position (`B` is contravariant in `T`)",
        "b: Option<B<T>>",
    );
    let table = functor::infer_variances(&lower(src));
    assert_eq!(table, vec![vec![Occurs::Contravariant], vec![Occurs::Contravariant]]);
}

#[test]
fn covariant_parameter_in_both_positions_of_a_nested_type_fails() {
    assert_violation(
        "type Inv<T> = { f: T -> T }\ntype Box<+T> = { inner: Inv<T> }\n",
        "functor/type.Box/variance.T",
        "Box.inner: Inv<T> puts T in both a positive and a negative position (`Inv` is invariant in `T`)",
        "inner: Inv<T>",
    );
}

// ------------------------------------------------------------------ clean cases

/// The types of DESIGN §3, verbatim.
const DESIGN: &str = r#"
type TenantId = String where 3 <= len(self) && len(self) <= 63
type Scoped<+T> = { tenant: TenantId, items: List<T> }
type Handler<-T> = { run: T -> Bool }
"#;

#[test]
fn the_design_example_passes_variance() {
    let (_, obs) = obligations(DESIGN);
    for id in ["functor/type.Scoped/variance.T", "functor/type.Handler/variance.T"] {
        let ob = find(&obs, id);
        assert_eq!(decided(ob), &Verdict::Proved { method: Method::Structural }, "{id}");
        assert_eq!(ob.method, Method::Structural);
        assert_eq!(ob.report.code.id(), "LP2030");
    }
}

#[test]
fn positive_positions_pass() {
    let src = r#"
type Cont<+T> = { run: (T -> Bool) -> Bool }
type Everything<+T> = { o: Option<T>, l: List<T>, s: Set<T>, k: Map<T, Int>, v: Map<String, T>,
                        r: Result<T, String>, e: Result<Int, T>, make: Int -> T }
type Tree<+T> = Leaf | Node { left: Tree<T>, value: T, right: Tree<T> }
type Phantom<+T> = { name: String }
type Consumer<-T> = { eat: T -> Unit, feed: (Unit -> T) -> Unit }
"#;
    let (_, obs) = obligations(src);
    let variance: Vec<&Obligation> = obs.iter().filter(|o| o.kind == "variance").collect();
    assert_eq!(variance.len(), 5);
    for ob in variance {
        assert_eq!(decided(ob), &Verdict::Proved { method: Method::Structural }, "{}", ob.id);
    }
}

#[test]
fn undeclared_parameters_are_inferred_and_reported_without_obligations() {
    let src = r#"
type Page<T> = { items: List<T> }
type Pred<T> = T -> Bool
type Cell<T> = { get: Unit -> T, set: T -> Unit }
type Ghost<T> = { name: String }
type Pair<+A, B> = { a: A, f: B -> A }
"#;
    let (spec, obs) = obligations(src);
    assert!(obs.iter().all(|o| !o.id.contains("Page") && !o.id.contains("Cell") && !o.id.contains("variance.B")));
    let report = functor::variance_report(&spec);
    let got: Vec<(String, String, Occurs, bool)> = report
        .iter()
        .flat_map(|t| t.params.iter().map(move |p| (t.name.clone(), p.name.clone(), p.inferred, p.functor)))
        .collect();
    assert_eq!(
        got,
        vec![
            ("Page".into(), "T".into(), Occurs::Covariant, false),
            ("Pred".into(), "T".into(), Occurs::Contravariant, false),
            ("Cell".into(), "T".into(), Occurs::Invariant, false),
            ("Ghost".into(), "T".into(), Occurs::Nowhere, false),
            ("Pair".into(), "A".into(), Occurs::Covariant, true),
            ("Pair".into(), "B".into(), Occurs::Contravariant, false),
        ]
    );
    let json = serde_json::to_string(&report).expect("the report serializes");
    assert!(json.contains(r#""inferred":"contravariant""#), "{json}");
}

// ------------------------------------------------------------------ law obligations

#[test]
fn covariant_types_get_law_obligations_with_stable_ids() {
    let src = r#"
type TenantId = String where 3 <= len(self) && len(self) <= 63
type Scoped<+T> = { tenant: TenantId, items: List<T> }
type Tags<+T> = { tags: Set<T> } where len(self.tags) == 3
type Bounded<+T> = { items: List<T> where len(self) <= 3 }
type Range<+T> = { min: Int, max: Int, tag: T } where self.min <= self.max
type Nested<+T> = { inner: Option<Tags<T>> }
type Handler<+T> = { run: T -> Bool }
"#;
    let (_, obs) = obligations(src);
    let ids: Vec<&str> = obs.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "functor/type.Scoped/variance.T",
            "functor/type.Scoped/map.T/identity",
            "functor/type.Scoped/map.T/composition",
            "functor/type.Tags/variance.T",
            "functor/type.Tags/map.T/identity",
            "functor/type.Tags/map.T/composition",
            "functor/type.Tags/map.T/refinements",
            "functor/type.Bounded/variance.T",
            "functor/type.Bounded/map.T/identity",
            "functor/type.Bounded/map.T/composition",
            "functor/type.Bounded/map.T/refinements",
            "functor/type.Range/variance.T",
            "functor/type.Range/map.T/identity",
            "functor/type.Range/map.T/composition",
            "functor/type.Nested/variance.T",
            "functor/type.Nested/map.T/identity",
            "functor/type.Nested/map.T/composition",
            "functor/type.Nested/map.T/refinements",
            // A failed variance check derives no map, so no laws.
            "functor/type.Handler/variance.T",
        ]
    );
    let tags = find(&obs, "functor/type.Tags/map.T/refinements");
    assert_eq!(tags.method, Method::PropertyTest);
    assert_eq!(tags.report.code.id(), "LP2032");
    assert_eq!(find(&obs, "functor/type.Tags/map.T/identity").report.code.id(), "LP2031");
    let Goal::Law(goal) = &tags.goal else { panic!("a law goal") };
    assert_eq!(goal.law, LawKind::PreservesRefinements);
    assert_eq!(goal.param, 0);
    assert!(
        goal.canonical().contains("type Tags<+T> = { tags: Set<T> } where len(self.tags) == 3"),
        "{}",
        goal.canonical()
    );
    assert_eq!(tags.claim, "map(f, x) satisfies the refinements of Tags<Int> for every valid x: Tags<Int>");
}

#[test]
fn types_without_values_get_no_law_obligations() {
    let src = r#"
type Stream<+T> = { head: T, tail: Stream<T> }
type Never<+T> = { value: T, never: Void }
type Tree<+T> = Leaf | Node { left: Tree<T>, value: T, right: Tree<T> }
type Ring<+T> = { next: Option<Ring<T>>, value: T }
"#;
    let (_, obs) = obligations(src);
    let ids: Vec<&str> = obs.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "functor/type.Stream/variance.T",
            "functor/type.Never/variance.T",
            "functor/type.Tree/variance.T",
            "functor/type.Tree/map.T/identity",
            "functor/type.Tree/map.T/composition",
            "functor/type.Ring/variance.T",
            "functor/type.Ring/map.T/identity",
            "functor/type.Ring/map.T/composition",
        ]
    );
}

#[test]
fn law_digests_follow_the_types_they_depend_on() {
    let a = "type Tags<+T> = { tags: Set<T> } where len(self.tags) == 3\ntype Other = Int\n";
    let b = "type Tags<+T> = { tags: Set<T> } where len(self.tags) <= 3\ntype Other = Int\n";
    let c = "// A comment moves every span.\n\ntype Tags<+T> = { tags: Set<T> } where len(self.tags) == 3\ntype Other = String\n";
    let digest = |src: &str| {
        let (_, obs) = obligations(src);
        find(&obs, "functor/type.Tags/map.T/refinements").digest("test")
    };
    assert_ne!(digest(a), digest(b), "a changed refinement changes the digest");
    assert_eq!(digest(a), digest(c), "spans and unrelated types do not");
}

// ------------------------------------------------------------------ the examples

/// The example projects' specs, their files loaded as the CLI loads the project.
fn example_specs() -> Vec<(String, Spec)> {
    let mut projects = Vec::new();
    for dir in lp_test_support::EXAMPLES {
        let texts = lp_test_support::example_texts(dir);
        let parsed: Vec<_> =
            texts.iter().enumerate().map(|(i, t)| (FileId(i as u32), lp_syntax::parse(FileId(i as u32), t))).collect();
        let asts: Vec<_> = parsed.iter().map(|(id, p)| (*id, &p.value)).collect();
        projects.push((dir.to_string(), lp_ir::lower(&asts).value));
    }
    projects
}

#[test]
fn the_examples_pass_variance() {
    let mut laws = 0;
    for (name, spec) in example_specs() {
        for ob in functor::obligations(&spec) {
            match &ob.goal {
                Goal::Decided(v) => assert!(v.is_pass(), "{name}: {} {v:?}", ob.id),
                Goal::Law(_) => laws += 1,
                Goal::Smt(_) | Goal::Run(_) => panic!("the functor pass emits no SMT or run goals"),
            }
        }
    }
    assert!(laws >= 4, "Scoped and Page get identity and composition laws");
}
