//! The reports (`requirements.adt`, `types.curry-howard`, `architecture.categorical`) and the
//! spec examples: no failures from the ADT, totality and composition passes.

use lp_check::{Goal, Obligation, Pass, Verdict};
use lp_ir::Spec;
use lp_test_support::spec_of;

/// Every project of `spec-examples` (a folder with a `leanos.toml`), with its spec files'
/// texts, loaded as the CLI loads the project.
fn examples() -> Vec<(String, Vec<String>)> {
    lp_test_support::example_projects()
        .into_iter()
        .map(|d| {
            let files = lp_test_support::project_files(&d);
            let name =
                d.strip_prefix(lp_test_support::repo().join("spec-examples")).expect("inside").display().to_string();
            (name, files.iter().map(|f| std::fs::read_to_string(f).expect("read spec")).collect())
        })
        .collect()
}

fn mine(ob: &Obligation) -> bool {
    matches!(ob.pass, Pass::Adt | Pass::Composition) || ob.id.contains("/result-inhabited") || ob.id.contains("/match.")
}

fn decided(spec: &Spec) -> Vec<(Obligation, Verdict)> {
    lp_check::obligations(spec)
        .into_iter()
        .filter(mine)
        .map(|ob| {
            let Goal::Decided(v) = &ob.goal else { panic!("{} is not decided", ob.id) };
            let v = v.clone();
            (ob, v)
        })
        .collect()
}

/// The failures from these passes, as `(id, code, summary)`.
fn failures(spec: &Spec) -> Vec<(String, &'static str, String)> {
    decided(spec)
        .into_iter()
        .filter_map(|(ob, v)| match v {
            Verdict::Failed { counterexample } => Some((ob.id.clone(), ob.report.code.id(), counterexample.summary)),
            _ => None,
        })
        .collect()
}

fn example(name: &str) -> Vec<String> {
    examples().into_iter().find(|(n, _)| n == name).map(|(_, t)| t).expect("example")
}

/// Applies one textual edit to the example's file that contains `from`.
fn mutate(texts: &[String], from: &str, to: &str) -> Vec<String> {
    let mut hit = false;
    let out = texts
        .iter()
        .map(|t| {
            if !hit && t.contains(from) {
                hit = true;
                t.replacen(from, to, 1)
            } else {
                t.clone()
            }
        })
        .collect();
    assert!(hit, "the example does not contain {from:?}");
    out
}

#[test]
fn the_examples_pass_every_structural_pass() {
    let all = examples();
    assert!(all.len() >= 4, "found only {:?}", all.iter().map(|(n, _)| n).collect::<Vec<_>>());
    for (name, texts) in all {
        let spec = spec_of(&texts);
        let results = decided(&spec);
        assert!(!results.is_empty(), "{name}: no obligations");
        let failed = failures(&spec);
        assert!(failed.is_empty(), "{name}: {failed:?}");
        assert!(lp_check::hints(&spec).is_empty(), "{name}: {:?}", lp_check::hints(&spec));
    }
}

#[test]
fn mutated_examples_fail_the_right_pass() {
    let catalog = example("catalog-sync");
    let cases: [(&str, &str, &str, &str, &str); 5] = [
        (
            "match platform { Shopify => 2, WooCommerce => 3 }",
            "match platform { Shopify => 2 }",
            "totality/fn.platform_fee/match.0",
            "LP2003",
            "missing: WooCommerce",
        ),
        (
            "service tenants {",
            "service tenants {\n  depends on catalog",
            "composition/services/acyclic",
            "LP6001",
            "cycle: tenants -> catalog -> tenants",
        ),
        (
            "flow sync = fetch_remote >=> normalize >=> upsert_all",
            "flow sync = fetch_remote >=> upsert_all",
            "composition/flow.catalog.sync/types",
            "LP6002",
            "`fetch_remote` gives `Scoped<RemoteProduct>` (unwrapped from `Result`), but `upsert_all` takes `Scoped<Product>`",
        ),
        (
            // A record no body builds (`finish_sync` takes it as its request body), so the
            // mutated spec still lowers.
            "skipped: Tally }",
            "skipped: Void }",
            "adt/type.SyncReport/inhabited",
            "LP2001",
            "Void path: SyncReport.skipped: Void",
        ),
        (
            // `Outcome` is built by the sync bodies, so the cycle goes through a record that
            // only arrives in a request (`finish_sync`'s report), which the spec still lowers.
            "type SyncReport = { tenant: TenantId,",
            "type SyncReport = { tenant: TenantId, next: SyncReport,",
            "adt/type.SyncReport/inhabited",
            "LP2002",
            "every value of `SyncReport` needs another value of its cycle: SyncReport.next: SyncReport",
        ),
    ];
    for (from, to, id, code, summary) in cases {
        let spec = spec_of(&mutate(&catalog, from, to));
        let failed = failures(&spec);
        let hit = failed.iter().find(|(i, _, _)| i == id);
        let Some((_, c, s)) = hit else { panic!("{from:?} -> {to:?}: {id} did not fail; failures: {failed:?}") };
        assert_eq!(*c, code, "{id}");
        assert_eq!(s, summary, "{id}");
    }
}

#[test]
fn the_start_sync_result_is_caught_when_its_type_is_emptied() {
    let catalog = example("catalog-sync");
    // `SyncRun` gains a field of type `Void`; `start_sync`'s `create` must give it a value, which
    // only an external function can claim to return, so the spec still lowers.
    let emptied = mutate(&catalog, "outcome: Option<Outcome>,\n}", "outcome: Option<Outcome>,\n  blocker: Void,\n}");
    let emptied = mutate(&emptied, "outcome: None }", "outcome: None, blocker: nothing() }");
    let emptied = mutate(&emptied, "/// The kinds of change", "fn nothing() -> Void\n\n/// The kinds of change");
    let spec = spec_of(&emptied);
    let failed = failures(&spec);
    let ids: Vec<&str> = failed.iter().map(|(i, _, _)| i.as_str()).collect();
    assert!(ids.contains(&"adt/type.SyncRun/inhabited"), "{ids:?}");
    assert!(ids.contains(&"totality/op.catalog.start_sync/result-inhabited"), "{ids:?}");
    assert!(ids.contains(&"totality/op.catalog.cancel_sync/result-inhabited"), "{ids:?}");
}

#[test]
fn reports_are_deterministic_yaml() {
    for (name, texts) in examples() {
        let a = spec_of(&texts);
        let b = spec_of(&texts);
        let (ra, rb) = (decided(&a), decided(&b));
        for (f, label) in [
            (lp_check::reports::requirements_yaml as fn(&Spec, &[(Obligation, Verdict)]) -> String, "requirements"),
            (lp_check::reports::curry_howard_yaml, "curry-howard"),
            (lp_check::reports::architecture_yaml, "categorical"),
        ] {
            let (x, y) = (f(&a, &ra), f(&b, &rb));
            assert_eq!(x, y, "{name} {label} differs between runs");
            let value: yaml_serde::Value = yaml_serde::from_str(&x).unwrap_or_else(|e| panic!("{name} {label}: {e}"));
            assert!(value.get("spec").is_some(), "{name} {label}");
        }
    }
}

#[test]
fn requirements_of_catalog_sync() {
    let spec = spec_of(&example("catalog-sync"));
    let text = lp_check::reports::requirements_yaml(&spec, &decided(&spec));
    assert!(text.starts_with("# requirements.adt: generated by leanos-prove from spec catalog_sync 2.0.0."));
    let v: yaml_serde::Value = yaml_serde::from_str(&text).expect("yaml");
    let types = &v["type_definitions"];
    assert_eq!(types["SyncRun"]["path_count"].as_u64(), Some(8));
    assert_eq!(types["SyncRun"]["type"].as_str(), Some("product"));
    assert_eq!(types["SyncRun"]["paths"][0].as_str(), Some("{ platform: Shopify, outcome: None }"));
    assert_eq!(types["Outcome"]["expression"].as_str(), Some("Outcome = Synced × Int + Failed × String + Skipped"));
    assert_eq!(types["Platform"]["path_count"].as_u64(), Some(2));
    assert_eq!(types["Product"]["path_count"].as_str(), Some("ω"));
    assert_eq!(types["Tenant"]["inhabited"].as_bool(), Some(true));
    assert_eq!(v["summary"]["uninhabited"].as_sequence().map(Vec::len), Some(0));
    assert_eq!(v["errors"]["NotFound"]["status"].as_u64(), Some(404));
}

#[test]
fn curry_howard_of_catalog_sync() {
    let spec = spec_of(&example("catalog-sync"));
    let text = lp_check::reports::curry_howard_yaml(&spec, &decided(&spec));
    let v: yaml_serde::Value = yaml_serde::from_str(&text).expect("yaml");
    let clamp = &v["type_signatures"]["fn.clamp"];
    assert_eq!(clamp["proposition"].as_str(), Some("Cents ∧ PriceRange ⇒ Cents"));
    assert_eq!(clamp["total"].as_bool(), Some(true));
    assert_eq!(clamp["obligations"].as_sequence().map(Vec::len), Some(2));
    let connect = &v["type_signatures"]["op.tenants.connect"];
    assert_eq!(
        connect["proposition"].as_str(),
        Some("TenantId ∧ Connection ⇒ Tenant ∨ TenantUnknown ∨ PlatformUnavailable")
    );
    assert_eq!(v["summary"]["all_total"].as_bool(), Some(true));
    assert_eq!(v["conventions"]["termination"].as_str(), Some("not proven"));
}

#[test]
fn architecture_of_catalog_sync() {
    let spec = spec_of(&example("catalog-sync"));
    let text = lp_check::reports::architecture_yaml(&spec, &decided(&spec));
    let v: yaml_serde::Value = yaml_serde::from_str(&text).expect("yaml");
    let sync = &v["composition_strategy"]["vertical_composition"]["catalog.sync"];
    assert_eq!(sync["result_type"].as_str(), Some("Connection -> Result<SyncReport, RemoteFailure>"));
    assert_eq!(sync["effects"][0].as_str(), Some("result"));
    assert_eq!(sync["composes"].as_bool(), Some(true));
    let stages: Vec<Vec<String>> = v["composition_strategy"]["horizontal_composition"]["parallel_stages"]
        .as_sequence()
        .expect("stages")
        .iter()
        .map(|l| l.as_sequence().expect("stage").iter().map(|s| s.as_str().expect("name").to_string()).collect())
        .collect();
    assert_eq!(stages, [vec!["tenants"], vec!["inventory"], vec!["catalog"]]);
    assert_eq!(v["category"]["acyclic"].as_bool(), Some(true));
    assert_eq!(v["services"]["catalog"]["stage"].as_u64(), Some(2));
}

#[test]
fn reports_show_failures() {
    let text = "
type Never = { v: Void }
type Chain = Link { next: Chain }
fn stuck(n: Int) -> Never
service a { depends on b\n op x() -> Unit GET /a }
service b { depends on a\n op y() -> Unit GET /b }
";
    let spec = spec_of(&[text.to_string()]);
    let results = decided(&spec);
    let req: yaml_serde::Value =
        yaml_serde::from_str(&lp_check::reports::requirements_yaml(&spec, &results)).expect("yaml");
    assert_eq!(req["type_definitions"]["Never"]["void_path"][0].as_str(), Some("Never.v: Void"));
    assert_eq!(req["type_definitions"]["Chain"]["needs_itself"][0].as_str(), Some("Chain.Link.next: Chain"));
    assert_eq!(req["type_definitions"]["Never"]["obligation"]["verdict"].as_str(), Some("failed"));
    assert_eq!(req["summary"]["no_base_case"][0].as_str(), Some("Chain"));
    let ch: yaml_serde::Value =
        yaml_serde::from_str(&lp_check::reports::curry_howard_yaml(&spec, &results)).expect("yaml");
    assert_eq!(ch["type_signatures"]["fn.stuck"]["total"].as_bool(), Some(false));
    assert_eq!(ch["summary"]["all_total"].as_bool(), Some(false));
    assert_eq!(ch["recursive_types"]["Chain"]["base_case"].as_bool(), Some(false));
    let arch: yaml_serde::Value =
        yaml_serde::from_str(&lp_check::reports::architecture_yaml(&spec, &results)).expect("yaml");
    assert_eq!(arch["category"]["cycles"][0].as_str(), Some("a -> b -> a"));
    assert_eq!(arch["composition_strategy"]["horizontal_composition"]["unordered"][1].as_str(), Some("b"));
}

/// The reports of a spec with entities, invariants and operation bodies describe them.
#[test]
fn reports_describe_entities_invariants_and_behaviour() {
    let path = lp_test_support::repo().join("tests/corpus/passes/behaviour_clean.adt");
    let text = std::fs::read_to_string(path).expect("read");
    let spec = spec_of(&[text]);
    let results = decided(&spec);
    let yaml = |text: String| -> yaml_serde::Value { yaml_serde::from_str(&text).expect("valid YAML") };

    let req = yaml(lp_check::reports::requirements_yaml(&spec, &results));
    let run = &req["entities"]["Run"];
    assert_eq!(run["key"][0].as_str(), Some("id"));
    assert_eq!(run["lifecycle"].as_str(), Some("Job"));
    assert_eq!(run["owner"].as_str(), Some("runs"));
    assert_eq!(run["obligation"]["id"].as_str(), Some("composition/entity.Run/single-writer"));
    assert_eq!(run["obligation"]["verdict"].as_str(), Some("proved"));
    assert_eq!(req["entities"]["Tenant"]["owner"].as_str(), Some("tenants"));
    assert_eq!(req["summary"]["entities"].as_u64(), Some(2));

    let ch = yaml(lp_check::reports::curry_howard_yaml(&spec, &results));
    let start = &ch["type_signatures"]["op.runs.start"]["behaviour"];
    assert_eq!(start["body"].as_bool(), Some(true));
    assert_eq!(start["effects"]["writes"][0].as_str(), Some("Run (create, fire)"));
    assert_eq!(start["effects"]["calls"][0].as_str(), Some("tenants.get"));
    assert!(ch["type_signatures"]["op.runs.start"]["obligations"].as_sequence().is_some());

    let arch = yaml(lp_check::reports::architecture_yaml(&spec, &results));
    assert_eq!(arch["services"]["runs"]["owns"][0].as_str(), Some("Run"));
    let ops = arch["services"]["runs"]["operations"].as_sequence().expect("operations");
    assert_eq!(ops[3]["effects"]["calls"][0].as_str(), Some("tenants.get"));
    let calls = &arch["category"]["operation_calls"];
    assert_eq!(calls["morphisms"][0]["from"].as_str(), Some("runs.start"));
    assert_eq!(calls["morphisms"][0]["to"].as_str(), Some("tenants.get"));
    assert_eq!(calls["obligation"]["id"].as_str(), Some("composition/calls/acyclic"));

    let machines = yaml(lp_check::reports::state_machines_yaml(&spec, &results));
    let job = &machines["state_machines"]["Job"];
    assert_eq!(job["lifecycle_of"][0].as_str(), Some("Run"));
    let fired: Vec<&str> =
        job["fired_by"].as_sequence().expect("fired_by").iter().filter_map(|f| f["event"].as_str()).collect();
    assert_eq!(fired, vec!["Run.start", "Run.touch", "Run.finish", "Run.cancel", "Run.touch"]);
}

/// A spec without entities or bodies gets none of the behaviour sections.
#[test]
fn reports_of_specs_without_behaviour_have_no_behaviour_sections() {
    let spec = spec_of(&["spec s version 1.0.0\nservice api {\n  op ping() -> Unit GET /ping\n}\n".to_string()]);
    let results = decided(&spec);
    for text in [
        lp_check::reports::requirements_yaml(&spec, &results),
        lp_check::reports::curry_howard_yaml(&spec, &results),
        lp_check::reports::architecture_yaml(&spec, &results),
        lp_check::reports::state_machines_yaml(&spec, &results),
    ] {
        for key in ["entities:", "invariants:", "behaviour:", "effects:", "owns:", "operation_calls:", "lifecycle_of:"]
        {
            assert!(!text.contains(key), "{key} in\n{text}");
        }
    }
}
