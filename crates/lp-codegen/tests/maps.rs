//! The service maps (`maps/backend/{service}-map.yaml`, `maps/shared/standards-contract.yaml`):
//! their content for a spec with bodies, determinism, a snapshot, and the read-back that
//! checks composition on the maps before code generation (each tampering is a problem the
//! driver reports as LP6022).

mod common;

use lp_codegen::generated::Generated;
use lp_codegen::maps::{STANDARDS_CONTRACT, generate, map_path, validate};
use lp_diagnostics::FileId;
use yaml_serde::Value;

fn repo_file(rel: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn lower(src: &str) -> lp_ir::Spec {
    let parsed = lp_syntax::parse(FileId(0), src);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let lowered = lp_ir::lower(&[(FileId(0), &parsed.value)]);
    assert!(!lowered.diagnostics.iter().any(|d| d.is_error()), "{:?}", lowered.diagnostics);
    lowered.value
}

fn clean() -> lp_ir::Spec {
    lower(&repo_file("tests/corpus/passes/behaviour_clean.adt"))
}

fn yaml(maps: &Generated, path: &str) -> Value {
    let file = maps.get(path).unwrap_or_else(|| panic!("no {path}"));
    yaml_serde::from_slice(&file.bytes).expect("valid YAML")
}

/// The operation named `name` of a service map.
fn op<'v>(map: &'v Value, name: &str) -> &'v Value {
    map["service"]["operations"]
        .as_sequence()
        .and_then(|ops| ops.iter().find(|o| o["name"].as_str() == Some(name)))
        .unwrap_or_else(|| panic!("no operation {name}"))
}

fn strs(v: &Value) -> Vec<&str> {
    v.as_sequence().map_or(Vec::new(), |s| s.iter().filter_map(Value::as_str).collect())
}

#[test]
fn a_map_per_service_and_the_standards_contract() {
    let spec = clean();
    let maps = generate(&spec);
    let paths: Vec<&str> = maps.keys().map(String::as_str).collect();
    assert_eq!(paths, vec!["maps/backend/runs-map.yaml", "maps/backend/tenants-map.yaml", STANDARDS_CONTRACT]);
    assert_eq!(maps[&map_path("runs")].sources[0], "op.runs.cancel");
    assert!(maps[&map_path("runs")].sources.contains(&"service.runs".to_string()));
}

#[test]
fn maps_list_owned_entities_and_each_operations_effects() {
    let spec = clean();
    let maps = generate(&spec);
    let tenants = yaml(&maps, &map_path("tenants"));
    let runs = yaml(&maps, &map_path("runs"));
    assert_eq!(tenants["service"]["owns"][0]["entity"].as_str(), Some("Tenant"));
    assert_eq!(strs(&tenants["service"]["owns"][0]["key"]), vec!["id"]);
    assert_eq!(runs["service"]["owns"][0]["entity"].as_str(), Some("Run"));
    assert_eq!(runs["service"]["owns"][0]["lifecycle"].as_str(), Some("Job"));
    assert_eq!(strs(&runs["service"]["dependencies"]), vec!["tenants"]);

    // `runs.start` calls `tenants.get`, creates a run and fires three events on it.
    let start = op(&runs, "start");
    assert_eq!(start["signature"].as_str(), Some("(tenant: String) -> Run ! Missing"));
    assert_eq!(start["http"]["method"].as_str(), Some("POST"));
    assert_eq!(start["http"]["path"].as_str(), Some("/tenants/{tenant}/runs"));
    assert_eq!(start["body"].as_bool(), Some(true));
    let fx = &start["effects"];
    assert_eq!(fx["writes"][0]["entity"].as_str(), Some("Run"));
    assert_eq!(strs(&fx["writes"][0]["by"]), vec!["create", "fire"]);
    let fired: Vec<&str> =
        fx["fires"].as_sequence().expect("fires").iter().filter_map(|f| f["event"].as_str()).collect();
    assert_eq!(fired, vec!["Run.start", "Run.touch", "Run.finish"]);
    assert_eq!(fx["calls"][0]["operation"].as_str(), Some("tenants.get"));
    assert_eq!(strs(&fx["calls"][0]["errors"]), vec!["Missing"]);
    assert!(fx["calls"][0]["errors_replaced_by"].is_null());
    assert_eq!(strs(&fx["raises"]), vec!["Missing"]);

    // `runs.cancel` refuses a disabled event with `Busy`.
    let cancel = &op(&runs, "cancel")["effects"];
    assert_eq!(cancel["fires"][0]["refused_with_error"].as_bool(), Some(true));
    assert_eq!(strs(&cancel["raises"]), vec!["Missing", "Busy"]);

    // `runs.owner` is a `GET`: it reads and writes nothing; `else Down` replaces the callee's errors.
    let owner = &op(&runs, "owner")["effects"];
    assert_eq!(strs(&owner["reads"]), vec!["Run"]);
    assert_eq!(owner["writes"].as_sequence().map(Vec::len), Some(0));
    assert_eq!(owner["calls"][0]["errors_replaced_by"].as_str(), Some("Down"));
    assert_eq!(strs(&owner["raises"]), vec!["Missing", "Down"]);

    // `tenants.register` reads through `exists` and creates.
    let register = &op(&tenants, "register")["effects"];
    assert_eq!(strs(&register["reads"]), vec!["Tenant"]);
    assert_eq!(strs(&register["writes"][0]["by"]), vec!["create"]);
    assert_eq!(strs(&op(&tenants, "remove")["effects"]["writes"][0]["by"]), vec!["delete"]);
}

#[test]
fn operations_without_a_body_are_interfaces() {
    let spec = lower(
        "spec s version 1.0.0\nmachine Door {\n  initial Open\n  Open -> Closed on close\n  Closed -> Open on open\n}\n\
         service doors {\n  op close(id: String) -> Unit POST /doors/{id}/close fires Door.close\n}\n\
         standards { auth = bearer(scopes = [\"doors\"]) except [health], errors = problem_json, rate_limit = 100 }\n",
    );
    let maps = generate(&spec);
    let doors = yaml(&maps, &map_path("doors"));
    let close = op(&doors, "close");
    assert_eq!(close["body"].as_bool(), Some(false));
    assert!(close["effects"].is_null());
    assert_eq!(close["fires"].as_str(), Some("Door.close"));
    assert_eq!(close["http"]["authenticated"].as_bool(), Some(true));
    let contract = yaml(&maps, STANDARDS_CONTRACT);
    assert_eq!(contract["standards"]["auth"]["scheme"].as_str(), Some("bearer"));
    assert_eq!(strs(&contract["standards"]["auth"]["scopes"]), vec!["doors"]);
    assert_eq!(contract["standards"]["errors"].as_str(), Some("problem_json"));
    assert_eq!(contract["standards"]["rate_limit"].as_i64(), Some(100));
    assert_eq!(strs(&contract["applies_to"]), vec!["doors"]);
    assert!(maps[STANDARDS_CONTRACT].sources.contains(&"standards".to_string()));
    assert!(validate(&spec, &maps).is_empty());
}

#[test]
fn maps_are_deterministic_and_read_back_cleanly() {
    for spec in [clean(), lower(&repo_file("tests/corpus/ir/behaviour.adt"))] {
        let a = generate(&spec);
        let b = generate(&spec);
        assert_eq!(a, b);
        for (path, f) in &a {
            let text = std::str::from_utf8(&f.bytes).expect("UTF-8");
            assert!(text.starts_with(&format!("# {path}: generated by leanos-prove")), "{text}");
        }
        assert_eq!(validate(&spec, &a), Vec::new());
    }
    for dir in common::EXAMPLES {
        let spec = common::example(dir);
        let maps = generate(&spec);
        assert_eq!(maps, generate(&spec), "{dir}");
        assert_eq!(maps.len(), spec.services.len() + 1, "{dir}");
        assert_eq!(validate(&spec, &maps), Vec::new(), "{dir}");
    }
}

#[test]
fn the_map_of_a_service_with_bodies() {
    let spec = lower(&repo_file("tests/corpus/ir/behaviour.adt"));
    let maps = generate(&spec);
    let text = String::from_utf8(maps[&map_path("catalog")].bytes.clone()).expect("UTF-8");
    insta::assert_snapshot!(text);
}

/// Replaces `from` by `to` in one generated map (once, and it must be there).
fn tamper(maps: &mut Generated, path: &str, from: &str, to: &str) {
    let file = maps.get_mut(path).expect("map");
    let text = String::from_utf8(file.bytes.clone()).expect("UTF-8");
    assert!(text.contains(from), "{path} has no {from:?}:\n{text}");
    file.bytes = text.replacen(from, to, 1).into_bytes();
}

fn problems(maps: &Generated) -> Vec<String> {
    validate(&clean(), maps).into_iter().map(|p| format!("{}: {}", p.map, p.message)).collect()
}

#[test]
fn tampered_maps_break_composition() {
    let spec = clean();
    let fresh = generate(&spec);

    // A write of an entity the service does not own.
    let mut maps = fresh.clone();
    tamper(&mut maps, &map_path("tenants"), "  owns:\n  - entity: Tenant\n    key:\n    - id\n", "  owns: []\n");
    let found = problems(&maps);
    assert!(
        found.iter().any(|p| p.contains("`tenants.register` writes entity `Tenant`, which `tenants` does not own")),
        "{found:?}"
    );

    // Two owners of one entity.
    let mut maps = fresh.clone();
    tamper(&mut maps, &map_path("tenants"), "  - entity: Tenant\n", "  - entity: Run\n  - entity: Tenant\n");
    assert!(problems(&maps).iter().any(|p| p.contains("entity `Run` is owned by")), "{:?}", problems(&maps));

    // A callee whose map disagrees with its caller about its signature or errors.
    let mut maps = fresh.clone();
    tamper(
        &mut maps,
        &map_path("tenants"),
        "signature: '(id: String) -> Tenant ! Missing'",
        "signature: '(id: Int) -> Tenant'",
    );
    assert!(problems(&maps).iter().any(|p| p.contains("calls `tenants.get`, whose map has the signature")));
    let mut maps = fresh.clone();
    tamper(&mut maps, &map_path("runs"), "      errors:\n        - Missing\n", "      errors: []\n");
    assert!(problems(&maps).iter().any(|p| p.contains("expects `tenants.get` to answer []")), "{:?}", problems(&maps));

    // A callee error neither handled nor declared by the caller.
    let mut maps = fresh.clone();
    tamper(
        &mut maps,
        &map_path("runs"),
        "      raises:\n      - Missing\n  - name: cancel",
        "      raises: []\n  - name: cancel",
    );
    assert!(
        problems(&maps).iter().any(|p| p.contains("`runs.start` neither handles nor declares `Missing`")),
        "{:?}",
        problems(&maps)
    );

    // A call of an operation no map lists, and a cycle of calls.
    let mut maps = fresh.clone();
    tamper(&mut maps, &map_path("runs"), "operation: tenants.get", "operation: tenants.lost");
    assert!(problems(&maps).iter().any(|p| p.contains("calls `tenants.lost`, which no map lists")));
    let mut maps = fresh.clone();
    tamper(&mut maps, &map_path("runs"), "operation: tenants.get", "operation: runs.start");
    assert!(
        problems(&maps).iter().any(|p| p.contains("the calls form a cycle: runs.start -> runs.start")),
        "{:?}",
        problems(&maps)
    );

    // A map that does not parse, or is missing.
    let mut maps = fresh.clone();
    tamper(&mut maps, &map_path("runs"), "service:\n", "service: [\n");
    assert!(problems(&maps).iter().any(|p| p.contains("does not parse")));
    let mut maps = fresh;
    maps.remove(&map_path("runs"));
    assert!(problems(&maps).iter().any(|p| p.contains("no map for service `runs`")));
}

#[test]
fn services_spec_yaml_describes_owned_entities_and_effects_like_the_maps() {
    let spec = clean();
    let doc: Value = yaml_serde::from_str(&lp_codegen::services::services_yaml(&spec)).expect("valid YAML");
    let runs = &doc["services"][1];
    assert_eq!(runs["name"].as_str(), Some("runs"));
    assert_eq!(runs["owns"][0]["entity"].as_str(), Some("Run"));
    let start = &runs["operations"][0];
    assert_eq!(start["body"].as_bool(), Some(true));
    let maps = generate(&spec);
    let map = yaml(&maps, &map_path("runs"));
    assert_eq!(start["effects"], op(&map, "start")["effects"]);
    // Without bodies nothing is added.
    let plain = lower("spec s version 1.0.0\nservice api {\n  op ping() -> Unit GET /ping\n}\n");
    let text = lp_codegen::services::services_yaml(&plain);
    assert!(!text.contains("effects:") && !text.contains("owns:") && !text.contains("body:"), "{text}");
}
