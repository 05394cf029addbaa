//! The composition pass: seeded flow mismatches, dependency cycles and undeclared
//! dependencies it must catch, clean flows with effects it must pass, parallel stages.

mod common;
use common::{spec, verdict};

use lp_check::passes::composition::{stages, type_flow};
use lp_check::{Obligation, Verdict};
use lp_ir::{ServiceId, Spec};

fn composition(spec: &Spec) -> Vec<Obligation> {
    lp_check::obligations(spec).into_iter().filter(|o| o.id.starts_with("composition/")).collect()
}

fn find<'a>(obs: &'a [Obligation], id: &str) -> &'a Obligation {
    obs.iter()
        .find(|o| o.id == id)
        .unwrap_or_else(|| panic!("no {id} in {:?}", obs.iter().map(|o| &o.id).collect::<Vec<_>>()))
}

fn failure(text: &str, id: &str) -> (&'static str, String) {
    let s = spec(text);
    let obs = composition(&s);
    let ob = find(&obs, id);
    match verdict(ob) {
        Verdict::Failed { counterexample } => (ob.report.code.id(), counterexample.summary.clone()),
        v => panic!("{id} did not fail: {v:?}"),
    }
}

fn slice(text: &str, span: lp_diagnostics::Span) -> &str {
    &text[span.start as usize..span.end as usize]
}

const CRAWLER: &str = "
type Raw = { text: String }
type Clean = { text: String, words: Int }
fn fetch(url: String) -> Result<Raw, String>
fn clean(raw: Raw) -> Option<Clean>
fn store(page: Clean) -> Result<Unit, String>
fn store_two(page: Clean, force: Bool) -> Result<Unit, String>
";

#[test]
fn a_step_whose_parameter_is_not_the_previous_result() {
    let text =
        format!("{CRAWLER}\nservice crawler {{ op health() -> Unit GET /health\n flow crawl = fetch >=> store }}");
    let (code, summary) = failure(&text, "composition/flow.crawler.crawl/types");
    assert_eq!(code, "LP6002");
    assert_eq!(summary, "`fetch` gives `Raw` (unwrapped from `Result`), but `store` takes `Clean`");
    let s = spec(&text);
    let obs = composition(&s);
    let ob = find(&obs, "composition/flow.crawler.crawl/types");
    let d = lp_check::diagnostic_for(ob, verdict(ob)).expect("diagnostic");
    assert_eq!(d.message, "the steps of flow `crawl` do not compose: `fetch` gives `Raw`, `store` takes `Clean`");
    let primary = d.primary.expect("primary");
    assert_eq!(slice(&text, primary.span), "store");
    assert_eq!(primary.message, "`store` takes `Clean`");
    assert_eq!(d.secondary.len(), 1);
    assert_eq!(slice(&text, d.secondary[0].span), "fetch");
    assert_eq!(d.secondary[0].message, "`fetch` gives `Raw` here");
}

#[test]
fn a_step_that_takes_two_parameters() {
    let text = format!(
        "{CRAWLER}\nservice crawler {{ op health() -> Unit GET /health\n flow crawl = fetch >=> clean >=> store_two }}"
    );
    let (code, summary) = failure(&text, "composition/flow.crawler.crawl/types");
    assert_eq!(code, "LP6002");
    assert_eq!(summary, "`clean` gives `Clean` (unwrapped from `Option`), but `store_two` takes 2 parameters");
}

#[test]
fn every_mismatch_of_a_flow_is_listed() {
    let text = format!(
        "{CRAWLER}\nservice crawler {{ op health() -> Unit GET /health\n flow crawl = store >=> fetch >=> store }}"
    );
    let (_, summary) = failure(&text, "composition/flow.crawler.crawl/types");
    assert_eq!(
        summary,
        "`store` gives `Unit` (unwrapped from `Result`), but `fetch` takes `String`; \
         `fetch` gives `Raw` (unwrapped from `Result`), but `store` takes `Clean`"
    );
}

#[test]
fn a_dependency_cycle_is_shown_as_a_path() {
    let text = "
service a { depends on b\n op x() -> Unit GET /a }
service b { depends on c\n op y() -> Unit GET /b }
service c { depends on a\n op z() -> Unit GET /c }
service d { depends on a\n op w() -> Unit GET /d }
";
    let (code, summary) = failure(text, "composition/services/acyclic");
    assert_eq!(code, "LP6001");
    assert_eq!(summary, "cycle: a -> b -> c -> a");
    let s = spec(text);
    let obs = composition(&s);
    let ob = find(&obs, "composition/services/acyclic");
    let d = lp_check::diagnostic_for(ob, verdict(ob)).expect("diagnostic");
    assert_eq!(d.message, "the service dependency graph has a cycle: a -> b -> c -> a");
    let primary = d.primary.expect("primary");
    assert_eq!(slice(text, primary.span), "b");
    assert_eq!(primary.message, "`a` depends on `b`");
    let labels: Vec<&str> = d.secondary.iter().map(|l| l.message.as_str()).collect();
    assert_eq!(labels, ["`b` depends on `c`", "`c` depends on `a`, closing the cycle"]);
    let (layers, unordered) = stages(&s);
    assert!(layers.is_empty());
    assert_eq!(unordered.len(), 4);
}

#[test]
fn a_service_that_depends_on_itself() {
    let text =
        "service a { depends on a\n op x() -> Unit GET /a }\nservice b { depends on b, a\n op y() -> Unit GET /b }";
    let (code, summary) = failure(text, "composition/services/acyclic");
    assert_eq!(code, "LP6001");
    assert_eq!(summary, "cycle: a -> a; cycle: b -> b");
}

#[test]
fn a_reversed_dependency_makes_a_cycle() {
    let text = "
service tenants { depends on catalog\n op health() -> Unit GET /health }
service inventory { depends on tenants\n op stock() -> Unit GET /stock }
service catalog { depends on inventory, tenants\n op list() -> Unit GET /products }
";
    assert_eq!(
        failure(text, "composition/services/acyclic"),
        ("LP6001", "cycle: tenants -> catalog -> tenants".into())
    );
}

#[test]
fn a_flow_that_calls_a_service_it_does_not_depend_on() {
    let text = "
service payments { op charge(amount: Int) -> Int POST /charges }
service orders {
  op total(order: String) -> Int GET /orders/{order}/total
  flow pay = total >=> charge
}
";
    let (code, summary) = failure(text, "composition/flow.orders.pay/dependencies");
    assert_eq!(code, "LP6003");
    assert_eq!(summary, "`payments.charge` needs `depends on payments`");
    let s = spec(text);
    let obs = composition(&s);
    let ob = find(&obs, "composition/flow.orders.pay/dependencies");
    let d = lp_check::diagnostic_for(ob, verdict(ob)).expect("diagnostic");
    assert_eq!(d.help.as_deref(), Some("add `depends on payments` to service `orders`"));
    assert_eq!(slice(text, d.primary.expect("primary").span), "charge");
    // With the dependency declared, it passes.
    let fixed = text.replace("service orders {", "service orders {\n  depends on payments");
    let s = spec(&fixed);
    let obs = composition(&s);
    assert!(verdict(find(&obs, "composition/flow.orders.pay/dependencies")).is_pass());
    assert!(verdict(find(&obs, "composition/flow.orders.pay/types")).is_pass());
}

#[test]
fn effects_are_unioned() {
    let text = format!(
        "{CRAWLER}
error Busy = 503
error Gone = 410
type Fetched = Result<Raw, String>
fn fetch_aliased(url: String) -> Fetched
fn count(page: Clean) -> Int
service crawler {{
  op health() -> Unit GET /health
  op save(page: Clean) -> Unit ! Busy | Gone POST /pages
  flow kleisli = fetch >=> clean >=> store
  flow declared = fetch_aliased >=> clean >=> save
  flow options = clean >=> count
  flow pure = count
}}"
    );
    let s = spec(&text);
    let flows = &s.services[0].flows;
    let t = |i: usize| type_flow(&s, ServiceId(0), &flows[i]);
    let k = t(0);
    assert!(k.mismatches.is_empty());
    assert_eq!(k.composed, "String -> Result<Unit, String | None>");
    assert_eq!(k.effects, ["option", "result"]);
    let d = t(1);
    assert!(d.mismatches.is_empty(), "{:?}", d.mismatches);
    assert_eq!(d.composed, "String -> Result<Unit, String | Busy | Gone | None>");
    assert_eq!(d.effects, ["option", "result", "errors"]);
    assert_eq!(d.steps[2].morphism, "Clean -> Unit ! Busy | Gone");
    assert_eq!(t(2).composed, "Raw -> Option<Int>");
    assert_eq!(t(3).composed, "Clean -> Int");
    let obs = composition(&s);
    let ids: Vec<&str> = obs.iter().map(|o| o.id.as_str()).collect();
    // A one-step flow cannot fail to compose: no obligation.
    assert_eq!(
        ids,
        [
            "composition/flow.crawler.kleisli/types",
            "composition/flow.crawler.declared/types",
            "composition/flow.crawler.options/types"
        ]
    );
    assert!(obs.iter().all(|o| verdict(o).is_pass()));
}

#[test]
fn parallel_stages_are_topological_layers() {
    let text = "
service app { depends on api, worker\n op a() -> Unit GET /a }
service api { depends on db\n op b() -> Unit GET /b }
service worker { depends on db, queue\n op c() -> Unit GET /c }
service db { op d() -> Unit GET /d }
service queue { op e() -> Unit GET /e }
";
    let s = spec(text);
    let (layers, unordered) = stages(&s);
    let names: Vec<Vec<&str>> =
        layers.iter().map(|l| l.iter().map(|id| s.services[id.index()].name.as_str()).collect()).collect();
    assert_eq!(names, [vec!["db", "queue"], vec!["api", "worker"], vec!["app"]]);
    assert!(unordered.is_empty());
    let obs = composition(&s);
    assert_eq!(obs.len(), 1);
    assert!(verdict(&obs[0]).is_pass());
}

#[test]
fn services_without_dependencies_make_no_claim() {
    assert!(composition(&spec("service a { op x() -> Unit GET /a }")).is_empty());
}
