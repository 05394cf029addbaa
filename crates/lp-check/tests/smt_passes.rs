//! The contracts and refinement-satisfiability passes: which SMT obligations they emit, with
//! which ids and codes, and canonical goal texts that change exactly when the claim does.

mod common;
use common::spec;

use lp_check::passes::{contracts, refinements};
use lp_check::{Goal, Obligation};
use lp_diagnostics::FileId;
use lp_ir::Spec;

fn obligations(spec: &Spec) -> Vec<Obligation> {
    let mut out = refinements::obligations(spec);
    out.extend(contracts::obligations(spec));
    out
}

/// `ID [CODE] kind: claim`, one line per obligation.
fn listing(src: &str) -> String {
    obligations(&spec(src)).iter().map(|o| format!("{} [{}] {}: {}\n", o.id, o.report.code, o.kind, o.claim)).collect()
}

fn canonical(src: &str, id: &str) -> String {
    let spec = spec(src);
    let obs = obligations(&spec);
    let ob = obs.iter().find(|o| o.id == id).unwrap_or_else(|| panic!("no obligation {id}"));
    let Goal::Smt(goal) = &ob.goal else { panic!("{id} is not an SMT goal") };
    goal.canonical()
}

const SPEC: &str = r#"
type Cents = Int where self >= 0
type Percent = Int where 0 <= self && self <= 100
type Window = { min: Int, max: Int where self >= 0 } where self.min <= self.max
type Plan = Free | Annual { pct: Int where self <= 30 }
type Tag = String
error Limit = 422 { limit: Int where self > 0 }

fn discounted(price: Cents, pct: Percent) -> Cents
  ensures result <= price
  ensures result >= 0
  = price - price * pct / 100

fn markdown(price: Cents, off: Cents) -> Cents
  requires off * 2 <= price
  = price - off

fn twice(price: Cents) -> Cents = markdown(markdown(price, 0), 0) + discounted(price, 10)

fn ratio(a: Int, b: Int) -> Int = a / b + a / 100 + a % (b + 1)

fn plain(a: Int) -> Int = a + 1

fn remote(w: Window) -> Cents requires w.min > 0
"#;

#[test]
fn obligation_ids_kinds_and_codes() {
    let expected = "\
totality/type.Cents/refinement-sat [LP2020] refinement-sat: some value of `Cents` satisfies `self >= 0`
totality/type.Percent/refinement-sat [LP2020] refinement-sat: some value of `Percent` satisfies `0 <= self && self <= 100`
totality/type.Window/refinement-sat [LP2020] refinement-sat: some value of `Window` satisfies `self.min <= self.max`
totality/type.Window/field.max/refinement-sat [LP2021] refinement-sat: some value of `Window.max` satisfies `self >= 0`
totality/type.Plan/variant.Annual/field.pct/refinement-sat [LP2021] refinement-sat: some value of `Plan::Annual.pct` satisfies `self <= 30`
totality/error.Limit/field.limit/refinement-sat [LP2021] refinement-sat: some value of `Limit.limit` satisfies `self > 0`
contracts/fn.discounted/ensures.0 [LP3001] ensures: `discounted` ensures result <= price
contracts/fn.discounted/ensures.1 [LP3001] ensures: `discounted` ensures result >= 0
contracts/fn.discounted/result-refinement [LP3002] result-refinement: the result of `discounted` is a valid `Cents`
contracts/fn.markdown/requires-sat [LP3004] requires-sat: `markdown` can be called: requires off * 2 <= price
contracts/fn.markdown/result-refinement [LP3002] result-refinement: the result of `markdown` is a valid `Cents`
contracts/fn.twice/result-refinement [LP3002] result-refinement: the result of `twice` is a valid `Cents`
contracts/fn.twice/call.markdown.0 [LP3003] call-precondition: the call markdown(markdown(price, 0), 0) in `twice` satisfies requires off * 2 <= price, price: Cents, off: Cents
contracts/fn.twice/call.markdown.1 [LP3003] call-precondition: the call markdown(price, 0) in `twice` satisfies requires off * 2 <= price, price: Cents, off: Cents
contracts/fn.twice/call.discounted.0 [LP3003] call-precondition: the call discounted(price, 10) in `twice` satisfies price: Cents, pct: Percent
contracts/fn.ratio/division.0 [LP3005] division: the divisor `b` in `ratio` is not zero
contracts/fn.ratio/division.1 [LP3005] division: the divisor `b + 1` in `ratio` is not zero
contracts/fn.remote/requires-sat [LP3004] requires-sat: `remote` can be called: requires w.min > 0
";
    assert_eq!(listing(SPEC), expected);
}

#[test]
fn every_smt_obligation_has_an_smt_goal_and_a_span_in_the_file() {
    let spec = spec(SPEC);
    for ob in obligations(&spec) {
        assert!(matches!(ob.goal, Goal::Smt(_)), "{}", ob.id);
        assert!(ob.span.end as usize <= SPEC.len() && ob.span.start < ob.span.end, "{}", ob.id);
    }
}

#[test]
fn canonical_text_ignores_layout_and_unrelated_items() {
    let id = "contracts/fn.discounted/ensures.0";
    let base = canonical(SPEC, id);
    // Spans move: the same spec, laid out differently, with an unrelated type first.
    let moved =
        format!("type Unrelated = {{ x: Int where self > 5 }}\n\n\n{}", SPEC.replace("  = price", "      = price"));
    assert_eq!(canonical(&moved, id), base);
    assert!(base.contains("dep type Cents = Int where (>= self 0)"), "{base}");
    assert!(base.contains("dep type Percent"), "{base}");
    assert!(!base.contains("Window"), "the goal does not depend on Window:\n{base}");
}

#[test]
fn canonical_text_changes_with_what_the_goal_depends_on() {
    let id = "contracts/fn.twice/call.markdown.0";
    let base = canonical(SPEC, id);
    // The callee's precondition.
    assert_ne!(canonical(&SPEC.replace("off * 2 <= price", "off * 3 <= price"), id), base);
    // A refinement of a type the goal uses.
    assert_ne!(
        canonical(&SPEC.replace("type Cents = Int where self >= 0", "type Cents = Int where self > 0"), id),
        base
    );
    // An unfolded callee's body, for a goal that evaluates the call.
    let result = "contracts/fn.twice/result-refinement";
    assert_ne!(
        canonical(&SPEC.replace("= price - price * pct / 100", "= price - pct"), result),
        canonical(SPEC, result)
    );
    assert_eq!(canonical(&SPEC.replace("= price - price * pct / 100", "= price - pct"), id), base);
    // Not the body of a function it does not call.
    assert_eq!(
        canonical(&SPEC.replace("fn plain(a: Int) -> Int = a + 1", "fn plain(a: Int) -> Int = a + 2"), id),
        base
    );
}

fn decision(src: &str, id: &str) -> String {
    let spec = spec(src);
    let obs = obligations(&spec);
    let ob = obs.iter().find(|o| o.id == id).unwrap_or_else(|| panic!("no obligation {id}"));
    let Goal::Smt(goal) = &ob.goal else { panic!("{id} is not an SMT goal") };
    goal.decision_canonical().to_string()
}

#[test]
fn aliases_that_differ_only_by_name_share_one_decided_goal() {
    // An imported API hoists one alias per field, most of them with the same refinement; the
    // goal of each is stated over the base type, so the alias's name is not decided.
    let src = r#"
type Cents = Int where self >= 0
type AccountSid = String where len(self) == 34 && matches(self, "^AC[0-9a-f]{32}$")
type CallAccountSid = String where len(self) == 34 && matches(self, "^AC[0-9a-f]{32}$")
type CallSid = String where len(self) == 34 && matches(self, "^CA[0-9a-f]{32}$")
type Price = Cents where self <= 100
type Fee = Cents where self <= 100
type Generic<T> = List<T> where len(self) > 0
"#;
    let account = decision(src, "totality/type.AccountSid/refinement-sat");
    assert_eq!(decision(src, "totality/type.CallAccountSid/refinement-sat"), account);
    assert!(!account.contains("AccountSid"), "the alias's name is decided:\n{account}");
    assert!(account.starts_with("mode satisfiable\nvar self \"self\" : String refined shown\nclaim "), "{account}");
    // Another refinement is another goal.
    assert_ne!(decision(src, "totality/type.CallSid/refinement-sat"), account);
    // An alias of a refined alias keeps the base's refinement as an assumption (through the
    // base's definition), and shares with its twin.
    let price = decision(src, "totality/type.Price/refinement-sat");
    assert_eq!(decision(src, "totality/type.Fee/refinement-sat"), price);
    assert!(price.contains(": Cents refined") && price.contains("dep type Cents = Int where (>= self 0)"), "{price}");
    assert!(!price.contains("Price"), "{price}");
    // The canonical text (the obligation's digest) still words the failure with the alias.
    assert!(canonical(src, "totality/type.Price/refinement-sat").contains("no value of `Price`"));
    // A generic alias's refinement reads its parameters, so its goal keeps the type.
    assert!(decision(src, "totality/type.Generic/refinement-sat").contains("dep type Generic"));
}

#[test]
fn erroneous_functions_get_no_obligations() {
    let parsed = lp_syntax::parse(
        FileId(0),
        "type Cents = Int where self >= 0\nfn f(x: Nope) -> Cents = x\nfn g(x: Int) -> Cents = y",
    );
    let lowered = lp_ir::lower(&[(FileId(0), &parsed.value)]);
    assert!(!lowered.diagnostics.is_empty());
    let ids: Vec<String> = obligations(&lowered.value).into_iter().map(|o| o.id).collect();
    assert_eq!(ids, vec!["totality/type.Cents/refinement-sat".to_string()]);
}
