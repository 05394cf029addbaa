//! Validates `check --error-format sarif` output against the official SARIF 2.1.0 JSON schema.
//!
//! The schema is the OASIS errata01 one, kept in `tests/schemas/` (see the README there). Each
//! test runs the real binary on one kind of input and checks its stdout against the schema, then
//! checks what the schema cannot say: that every `ruleIndex` points at the rule named by
//! `ruleId`, and that the results are the ones expected.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The compiled SARIF 2.1.0 validator, built once for all tests.
fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-schema-2.1.0.json");
        let text = std::fs::read_to_string(&path).expect("read the SARIF schema");
        let schema: Value = serde_json::from_str(&text).expect("the SARIF schema is JSON");
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .should_validate_formats(true)
            .build(&schema)
            .expect("the SARIF schema compiles")
    })
}

/// Lists every schema violation of `log`, one per line, or nothing when it is valid.
fn violations(log: &Value) -> String {
    validator().iter_errors(log).map(|e| format!("{} at {}\n", e, e.instance_path())).collect()
}

/// A fresh scratch folder under the target directory.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sarif").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Runs `leanos-prove check <file> --error-format sarif` in `dir` and returns the exit code
/// and the parsed log, after asserting that the log is valid SARIF 2.1.0.
fn check_sarif(dir: &Path, file: &str) -> (Option<i32>, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_leanos-prove"))
        .args(["check", file, "--error-format", "sarif", "--color", "never"])
        .current_dir(dir)
        .output()
        .expect("run leanos-prove");
    let stdout = String::from_utf8(out.stdout).expect("SARIF output is UTF-8");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "the binary panicked:\n{stderr}");
    let log: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{stdout}"));
    let problems = violations(&log);
    assert!(problems.is_empty(), "the SARIF log for {file} does not validate:\n{problems}\n{stdout}");
    assert_rule_indexes(&log);
    (out.status.code(), log)
}

/// Every result's `ruleIndex` names the rule with its `ruleId`, as SARIF §3.27.6 requires.
fn assert_rule_indexes(log: &Value) {
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    for r in results(log) {
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], r["ruleId"], "ruleIndex points at the wrong rule in {r}");
    }
}

fn results(log: &Value) -> Vec<Value> {
    log["runs"][0]["results"].as_array().expect("results").clone()
}

fn rule_ids(log: &Value) -> Vec<String> {
    results(log).iter().map(|r| r["ruleId"].as_str().expect("ruleId").to_string()).collect()
}

#[test]
fn clean_spec_is_valid_sarif_with_no_results() {
    let dir = scratch("clean");
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../lp-ir/tests/fixtures/design.adt");
    std::fs::copy(&spec, dir.join("catalog.adt")).expect("copy the design example");
    let (code, log) = check_sarif(&dir, "catalog.adt");
    assert_eq!(code, Some(0));
    assert_eq!(log["version"], "2.1.0");
    assert!(results(&log).is_empty(), "a clean spec has no results: {log}");
    assert_eq!(log["runs"][0]["tool"]["driver"]["name"], "leanos-prove");
}

#[test]
fn several_syntax_errors_are_valid_sarif() {
    let dir = scratch("syntax");
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus/diagnostics/many_errors.adt");
    std::fs::copy(&spec, dir.join("many errors #1.adt")).expect("copy many_errors.adt");
    let (code, log) = check_sarif(&dir, "many errors #1.adt");
    assert_eq!(code, Some(1));
    let ids = rule_ids(&log);
    assert!(ids.len() >= 5, "every syntax error is a result: {ids:?}");
    assert!(ids.iter().all(|id| id.starts_with("LP0")), "only syntax codes: {ids:?}");
    for r in results(&log) {
        let uri = &r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
        assert_eq!(uri, "many%20errors%20%231.adt", "the file name is a percent-encoded URI");
    }
}

#[test]
fn name_errors_with_secondary_labels_are_valid_sarif() {
    let dir = scratch("names");
    let spec = "\
spec shop version 1.0.0

type Cents = Int where self >= 0
type Cents = Int

type Order = { total: Cent, items: List<Item> }

fn total(o: Order) -> Cents = o.totl + missing(1)

machine Job {
  initial Pending
  Pending -> Runing on start
}

service orders {
  depends on billing
  op get(id: Int) -> Order GET /orders/{order_id}
}
";
    std::fs::write(dir.join("names.adt"), spec).expect("write");
    let (code, log) = check_sarif(&dir, "names.adt");
    assert_eq!(code, Some(1));
    let ids = rule_ids(&log);
    assert!(ids.iter().all(|id| id.starts_with("LP1")), "only resolution codes: {ids:?}");
    assert!(ids.contains(&"LP1002".to_string()), "the duplicate is reported: {ids:?}");
    let duplicate = results(&log).into_iter().find(|r| r["ruleId"] == "LP1002").expect("LP1002");
    let related = duplicate["relatedLocations"].as_array().expect("the first definition is a related location");
    assert_eq!(related[0]["physicalLocation"]["region"]["startLine"], 3);
    assert_eq!(related[0]["message"]["text"], "first defined here");
}

#[test]
fn binary_file_is_valid_sarif() {
    let dir = scratch("binary");
    std::fs::write(dir.join("x.adt"), b"type A = Int\n\x00\x01\x02\xff").expect("write");
    let (code, log) = check_sarif(&dir, "x.adt");
    assert_eq!(code, Some(1));
    assert_eq!(rule_ids(&log), ["LP0006"]);
}

#[test]
fn invalid_utf8_and_empty_files_are_valid_sarif() {
    let dir = scratch("utf8");
    std::fs::write(dir.join("bad.adt"), b"type A = Int\ntype B = \xc3\x28 String\n").expect("write");
    std::fs::write(dir.join("empty.adt"), b"").expect("write");
    let (code, log) = check_sarif(&dir, "bad.adt");
    assert_eq!(code, Some(1));
    assert_eq!(rule_ids(&log), ["LP0005"]);
    let (_, log) = check_sarif(&dir, "empty.adt");
    assert!(rule_ids(&log).iter().all(|id| id == "LP0007"), "{log}");
}

#[test]
fn project_with_errors_in_several_files_is_valid_sarif() {
    let dir = scratch("project");
    std::fs::write(dir.join("leanos.toml"), "[project]\nname = \"shop\"\nversion = \"1.0.0\"\n").expect("write");
    std::fs::write(dir.join("a.adt"), "type Cents = Int\ntype Price = Cent\n").expect("write");
    std::fs::write(dir.join("b.adt"), "type Cents = Int\nfn f(x: Int) -> Int = y\n").expect("write");
    let (code, log) = check_sarif(&dir, ".");
    assert_eq!(code, Some(1));
    let duplicate = results(&log).into_iter().find(|r| r["ruleId"] == "LP1002").expect("LP1002: {log}");
    let here = &duplicate["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    let first = &duplicate["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_ne!(here, first, "the duplicate and its first definition are in different files: {duplicate}");
}

#[test]
fn the_validator_rejects_invalid_sarif() {
    let valid = json!({
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "leanos-prove", "rules": [{ "id": "LP0001" }] } },
            "results": [{ "ruleId": "LP0001", "level": "error", "message": { "text": "boom" } }]
        }]
    });
    assert_eq!(violations(&valid), "", "the hand-written log is valid");

    let mut fatal = valid.clone();
    fatal["runs"][0]["results"][0]["level"] = json!("fatal");
    assert!(!validator().is_valid(&fatal), "`fatal` is not a SARIF level");

    let mut no_message = valid.clone();
    no_message["runs"][0]["results"][0].as_object_mut().expect("result").remove("message");
    assert!(!validator().is_valid(&no_message), "a result needs a message");

    let mut wrong_version = valid.clone();
    wrong_version["version"] = json!("2.0.0");
    assert!(!validator().is_valid(&wrong_version), "only version 2.1.0 is accepted");

    let mut unknown_property = valid.clone();
    unknown_property["runs"][0]["results"][0]["severity"] = json!("error");
    assert!(!validator().is_valid(&unknown_property), "results allow no unknown properties");

    let mut zero_line = valid;
    zero_line["runs"][0]["results"][0]["locations"] = json!([{
        "physicalLocation": { "artifactLocation": { "uri": "a.adt" }, "region": { "startLine": 0 } }
    }]);
    assert!(!validator().is_valid(&zero_line), "lines count from 1");
}
