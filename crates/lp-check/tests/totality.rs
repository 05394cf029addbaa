//! The totality pass: seeded non-exhaustive matches and uninhabited results it must catch,
//! with the missing cases listed, and clean specs it must pass.

mod common;
use common::{spec, verdict};

use lp_check::{Obligation, Verdict};
use lp_ir::Spec;

fn totality(spec: &Spec) -> Vec<Obligation> {
    lp_check::obligations(spec)
        .into_iter()
        .filter(|o| o.id.contains("/result-inhabited") || o.id.contains("/match."))
        .collect()
}

fn ids(obs: &[Obligation]) -> Vec<&str> {
    obs.iter().map(|o| o.id.as_str()).collect()
}

/// The failed obligation with this id: its code and counterexample summary.
fn failure(text: &str, id: &str) -> (&'static str, String) {
    let s = spec(text);
    let obs = totality(&s);
    let ob = obs.iter().find(|o| o.id == id).unwrap_or_else(|| panic!("no obligation {id} in {:?}", ids(&obs)));
    match verdict(ob) {
        Verdict::Failed { counterexample } => (ob.report.code.id(), counterexample.summary.clone()),
        v => panic!("{id} did not fail: {v:?}"),
    }
}

const TYPES: &str = "
type Platform = Shopify | WooCommerce
type Outcome = Synced { count: Int, skipped: Int } | Failed { reason: String } | Skipped
";

#[test]
fn a_missing_unit_variant() {
    let text = format!("{TYPES}\nfn fee(p: Platform) -> Int = match p {{ Shopify => 2 }}");
    assert_eq!(failure(&text, "totality/fn.fee/match.0"), ("LP2003", "missing: WooCommerce".into()));
}

#[test]
fn missing_variants_with_and_without_payloads() {
    let text = format!("{TYPES}\nfn count(o: Outcome) -> Int = match o {{ Synced {{ count }} => count }}");
    assert_eq!(failure(&text, "totality/fn.count/match.0"), ("LP2003", "missing: Failed { .. }, Skipped".into()));
}

#[test]
fn a_missing_nested_case() {
    let text = format!("{TYPES}\nfn fee(p: Option<Platform>) -> Int = match p {{ Some(Shopify) => 2, None => 0 }}");
    assert_eq!(failure(&text, "totality/fn.fee/match.0"), ("LP2003", "missing: Some(WooCommerce)".into()));
}

#[test]
fn a_missing_case_inside_a_payload() {
    let text = format!(
        "{TYPES}\ntype Event = Ran {{ on: Platform, ok: Bool }} | Idle\n\
         fn score(e: Event) -> Int = match e {{ Ran {{ on: Shopify, ok }} => 1, Ran {{ ok: true }} => 2, Idle => 0 }}"
    );
    assert_eq!(
        failure(&text, "totality/fn.score/match.0"),
        ("LP2003", "missing: Ran { on: WooCommerce, ok: false }".into())
    );
}

#[test]
fn booleans_and_results() {
    let text = "fn flag(b: Bool) -> Int = match b { true => 1 }\n\
                fn res(r: Result<Bool, String>) -> Int = match r { Ok(true) => 1, Err(_) => 0 }";
    assert_eq!(failure(text, "totality/fn.flag/match.0"), ("LP2003", "missing: false".into()));
    assert_eq!(failure(text, "totality/fn.res/match.0"), ("LP2003", "missing: Ok(false)".into()));
}

#[test]
fn integers_and_strings_need_a_wildcard() {
    let text = "fn small(n: Int) -> Int = match n { 0 => 1, 1 => 2 }\n\
                fn nl(c: String) -> Bool = match c { \"NL\" => true }";
    assert_eq!(failure(text, "totality/fn.small/match.0"), ("LP2003", "missing: _".into()));
    assert_eq!(failure(text, "totality/fn.nl/match.0"), ("LP2003", "missing: _".into()));
    let s = spec(text);
    let obs = totality(&s);
    let d = lp_check::diagnostic_for(&obs[0], verdict(&obs[0])).expect("diagnostic");
    assert!(d.help.as_deref().is_some_and(|h| h.contains("wildcard")), "{:?}", d.help);
}

#[test]
fn matches_everywhere_expressions_occur() {
    let text = "
type Gauge = { on: Bool, level: Int } where match self.on { true => self.level > 0 }
machine Lamp {
  var lit: Bool = false
  initial Off
  Off -> On on press when match lit { false => true }
}
fn pick(a: Bool, b: Bool) -> Int
  requires match a { true => true, false => true }
  ensures match b { true => result > 0 }
  = match a { true => 1 }
";
    assert_eq!(failure(text, "totality/type.Gauge/match.0"), ("LP2003", "missing: false".into()));
    assert_eq!(failure(text, "totality/machine.Lamp/match.0"), ("LP2003", "missing: true".into()));
    // Numbered in pre-order over requires, ensures, body.
    assert_eq!(failure(text, "totality/fn.pick/match.1"), ("LP2003", "missing: false".into()));
    assert_eq!(failure(text, "totality/fn.pick/match.2"), ("LP2003", "missing: false".into()));
    let s = spec(text);
    let pick: Vec<_> = totality(&s).into_iter().filter(|o| o.id.starts_with("totality/fn.pick/")).collect();
    assert!(verdict(&pick[0]).is_pass());
}

#[test]
fn the_diagnostic_lists_the_missing_cases_and_points_at_the_type() {
    let text = format!("{TYPES}\nfn count(o: Outcome) -> Int = match o {{ Synced {{ count }} => count }}");
    let s = spec(&text);
    let obs = totality(&s);
    let d = lp_check::diagnostic_for(&obs[0], verdict(&obs[0])).expect("diagnostic");
    assert_eq!(d.code.id(), "LP2003");
    assert_eq!(d.message, "non-exhaustive match on `Outcome`: missing `Failed { .. }`, `Skipped`");
    let primary = d.primary.expect("primary");
    assert_eq!(&text[primary.span.start as usize..primary.span.end as usize], "match o");
    assert_eq!(&text[d.secondary[0].span.start as usize..d.secondary[0].span.end as usize], "Outcome");
    assert_eq!(d.notes, vec!["counterexample: missing: Failed { .. }, Skipped".to_string()]);
}

#[test]
fn match_ids_are_stable_under_whitespace_edits() {
    let a = format!(
        "{TYPES}\nfn f(p: Platform, b: Bool) -> Int = match p {{ Shopify => match b {{ true => 1, false => 2 }}, WooCommerce => 3 }}"
    );
    let b = format!(
        "{TYPES}\n\n\nfn f(p: Platform,\n      b: Bool) -> Int =\n  match p {{\n    Shopify => match b {{ true => 1, false => 2 }},\n    WooCommerce => 3,\n  }}\n"
    );
    let ids_a: Vec<String> = totality(&spec(&a)).into_iter().map(|o| o.id).collect();
    let ids_b: Vec<String> = totality(&spec(&b)).into_iter().map(|o| o.id).collect();
    assert_eq!(ids_a, ["totality/fn.f/match.0", "totality/fn.f/match.1"]);
    assert_eq!(ids_a, ids_b);
}

#[test]
fn a_function_that_can_never_return() {
    let text = "type Nothing = { never: Void }\nfn impossible(n: Int) -> Nothing";
    let (code, summary) = failure(text, "totality/fn.impossible/result-inhabited");
    assert_eq!(code, "LP2004");
    assert_eq!(summary, "`impossible(n: Int)` can be called, but no `Nothing` exists to return (Nothing.never: Void)");
}

#[test]
fn an_operation_that_can_never_succeed() {
    let text = "type Nothing = { never: Void }\nerror Gone = 410\n\
                service s { op get(id: String) -> Nothing ! Gone GET /things/{id} }";
    let (code, summary) = failure(text, "totality/op.s.get/result-inhabited");
    assert_eq!(code, "LP2004");
    assert!(summary.starts_with("`s.get(id: String)` can be called"), "{summary}");
}

#[test]
fn a_void_result() {
    let (code, summary) = failure("fn absurd(n: Int) -> Void", "totality/fn.absurd/result-inhabited");
    assert_eq!(code, "LP2004");
    assert_eq!(summary, "`absurd(n: Int)` can be called, but no `Void` exists to return");
}

#[test]
fn clean_matches_and_results_pass() {
    let text = format!(
        "{TYPES}
type Nothing = {{ never: Void }}
type Maybe = Yes | No {{ v: Void }}
fn fee(p: Platform) -> Int = match p {{ Shopify => 2, WooCommerce => 3 }}
fn count(o: Outcome) -> Int = match o {{ Synced {{ count }} => count, Failed {{ reason: _ }} => 0, Skipped => 0 }}
fn nested(o: Option<Option<Bool>>) -> Int = match o {{ Some(Some(true)) => 1, Some(Some(false)) => 2, Some(None) => 3, None => 4 }}
fn only_yes(m: Maybe) -> Int = match m {{ Yes => 1 }}
fn res(r: Result<Platform, Bool>) -> Int = match r {{ Ok(Shopify) => 1, Ok(WooCommerce) => 2, Err(true) => 3, Err(false) => 4 }}
fn vacuous(n: Nothing) -> Nothing
fn maybe(n: Int) -> Result<Nothing, String>
"
    );
    let s = spec(&text);
    let obs = totality(&s);
    assert_eq!(
        ids(&obs),
        [
            "totality/fn.vacuous/result-inhabited",
            "totality/fn.maybe/result-inhabited",
            "totality/fn.fee/match.0",
            "totality/fn.count/match.0",
            "totality/fn.nested/match.0",
            "totality/fn.only_yes/match.0",
            "totality/fn.res/match.0",
        ]
    );
    for ob in &obs {
        assert!(verdict(ob).is_pass(), "{} failed: {:?}", ob.id, verdict(ob));
    }
}

#[test]
fn matches_with_a_catch_all_arm_cannot_fail_and_get_no_obligation() {
    let text = format!(
        "{TYPES}\nfn f(p: Platform) -> Int = match p {{ Shopify => 1, other => 2 }}\nfn g(n: Int) -> Int = match n {{ 0 => 1, _ => 2 }}"
    );
    assert!(totality(&spec(&text)).is_empty());
}

#[test]
fn a_thousand_functions_with_matches() {
    let mut text = String::from(TYPES);
    for i in 0..1000 {
        text.push_str(&format!(
            "fn f{i}(o: Option<Outcome>, p: Platform) -> Int = match o {{ Some(Synced {{ count }}) => count, Some(Failed {{ reason: _ }}) => 1, Some(Skipped) => 2, None => match p {{ Shopify => 3, WooCommerce => {i} }} }}\n"
        ));
    }
    let s = spec(&text);
    let start = std::time::Instant::now();
    let obs = totality(&s);
    assert_eq!(obs.len(), 2000);
    assert!(obs.iter().all(|o| verdict(o).is_pass()));
    assert!(start.elapsed().as_secs() < 5, "took {:?}", start.elapsed());
}
