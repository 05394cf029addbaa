//! The FastAPI generator on the examples and on the escaping corpus (`tests/corpus/codegen/`):
//! output is deterministic, every path stays inside `code/backend/{service}/`, every Python
//! file compiles (`python3 -m py_compile`), `pyproject.toml` parses, every file names its spec
//! items.
//!
//! Running the services of the examples and of this corpus for real (their generated pytest
//! suites, uvicorn + Schemathesis, SQLite and PostgreSQL) is `scripts/test-backend.sh`.

mod common;

use common::{EXAMPLES, example};
use lp_codegen::fastapi::{generate, py, regex_witness, safe_name};
use lp_codegen::generated::{Generated, spec_items};
use lp_ir::Spec;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

fn corpus() -> Vec<(String, Spec)> {
    let dir = lp_test_support::repo().join("tests/corpus/codegen");
    lp_test_support::adt_files(&dir)
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read a corpus spec");
            (p.file_name().expect("a file name").to_string_lossy().into_owned(), lp_test_support::spec_of(&[text]))
        })
        .collect()
}

fn all_specs() -> Vec<(String, Spec)> {
    let mut out: Vec<(String, Spec)> = EXAMPLES.iter().map(|n| (n.to_string(), example(n))).collect();
    out.extend(corpus());
    out
}

fn write(files: &Generated, dir: &Path) {
    for (rel, file) in files {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create a folder");
        std::fs::write(&path, &file.bytes).expect("write a generated file");
    }
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lp-fastapi-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn generation_is_deterministic() {
    for (name, spec) in all_specs() {
        assert_eq!(generate(&spec), generate(&spec), "{name}: two generations differ");
    }
}

#[test]
fn every_path_stays_in_its_service_folder() {
    for (name, spec) in all_specs() {
        let files = generate(&spec);
        assert!(!files.is_empty(), "{name}: nothing generated");
        for path in files.keys() {
            let p = Path::new(path);
            assert!(p.components().all(|c| matches!(c, Component::Normal(_))), "{name}: `{path}` escapes");
            let parts: Vec<&str> = path.split('/').collect();
            assert!(parts.len() >= 4 && parts[0] == "code" && parts[1] == "backend", "{name}: `{path}`");
            assert!(spec.services.iter().any(|s| s.name == parts[2]), "{name}: `{path}` is no service's");
            assert!(!path.contains('\\'), "{name}: `{path}`");
        }
    }
}

#[test]
fn unsafe_service_names_are_never_folders() {
    for bad in ["..", "../x", "a/b", "", ".", "1x", "a b"] {
        assert!(!safe_name(bad), "{bad:?} accepted");
    }
    assert!(safe_name("catalog") && safe_name("class") && safe_name("snake_case"));
}

#[test]
fn every_file_has_sources_and_a_provenance_header() {
    for (name, spec) in all_specs() {
        let files = generate(&spec);
        let items = spec_items(&spec);
        let mut named = std::collections::BTreeSet::new();
        for (path, file) in &files {
            assert!(!file.sources.is_empty(), "{name}: {path} has no sources");
            for s in &file.sources {
                assert!(items.contains(s), "{name}: {path} names unknown item {s}");
                named.insert(s.clone());
            }
            let text = String::from_utf8(file.bytes.clone()).expect("UTF-8");
            let first = text.lines().next().unwrap_or_default();
            assert!(first.contains("generated, do not edit") && first.contains("sha256:"), "{name}: {path}: {first}");
        }
        // Every type, error, function, machine, service and operation reaches the backend.
        for item in items.iter().filter(|i| !i.starts_with("deploy.")) {
            assert!(named.contains(item), "{name}: no backend file names {item}");
        }
    }
}

#[test]
fn string_literals_escape_everything_python_needs() {
    let nasty = "a\"b\\c\nd\re\tf{{g}}'''\"\"\"\u{2028}\u{0}";
    let lit = py::str_lit(nasty);
    assert!(!lit.contains('\n') && !lit.contains('\r') && !lit.contains('\u{2028}') && !lit.contains('\u{0}'));
    let out = Command::new("python3")
        .args(["-c", &format!("import sys; sys.stdout.write({lit})")])
        .output()
        .expect("run python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), nasty);
    for kw in ["class", "from", "None", "True", "lambda", "model_config", "json", "_x", "self"] {
        let id = py::ident(kw);
        assert_ne!(id, kw, "{kw} kept");
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    }
}

#[test]
fn generated_python_compiles_and_pyproject_parses() {
    for (name, spec) in all_specs() {
        let dir = temp(&name.replace(['/', '.'], "-"));
        let files = generate(&spec);
        write(&files, &dir);
        let py_files: Vec<PathBuf> = files.keys().filter(|p| p.ends_with(".py")).map(|p| dir.join(p)).collect();
        let out = Command::new("python3").arg("-m").arg("py_compile").args(&py_files).output().expect("run python3");
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        for toml in files.keys().filter(|p| p.ends_with("pyproject.toml")) {
            let out = Command::new("python3")
                .args(["-c", "import sys, tomllib; tomllib.load(open(sys.argv[1], 'rb'))"])
                .arg(dir.join(toml))
                .output()
                .expect("run python3");
            assert!(out.status.success(), "{name}: {toml}: {}", String::from_utf8_lossy(&out.stderr));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn regex_witnesses_match_their_patterns() {
    for pattern in [
        "^ord_[a-z0-9]{12}$",
        "^[A-Z]{2}$",
        "^[^@ ]+@[^@ ]+$",
        "^https://",
        "^(draft|sent)-[0-9]{3,5}$",
        "^[A-Z0-9-]+$",
        "x?y*z",
        "^\\d{4}-\\d{2}$",
    ] {
        let w = regex_witness(pattern).expect("the pattern parses");
        let re = regex::Regex::new(pattern).expect("a valid pattern");
        assert!(re.is_match(&w), "{pattern}: witness {w:?} does not match");
    }
    assert_eq!(regex_witness("(unclosed"), None);
    // Patterns beyond `regex`: checked with fancy-regex (Python's `re` reads them the same way).
    for pattern in ["^(?=.*[0-9])(?=.*[A-Z]).{8,}$", "\\bok\\b", "^(a+)\\1$", "^(?!admin$)[a-z]+$", "(?i)^abc$"] {
        let w = regex_witness(pattern).expect("a witness");
        let re = fancy_regex::Regex::new(pattern).expect("a valid pattern");
        assert!(re.is_match(&w).unwrap_or(false), "{pattern}: witness {w:?} does not match");
    }
}

/// Refinements that pin a field to literals (an imported `const`, `tests/corpus/codegen/pinned_values.adt`):
/// the strategies draw from the literals (a filtered broad strategy never drew them and
/// Hypothesis gave up), the witnesses are the literals (the default result was refused), and
/// the create-then-read test gives the body an `id` when the record's `id` is optional.
#[test]
fn pinned_values_are_drawn_and_witnessed_exactly() {
    let text = std::fs::read_to_string(lp_test_support::repo().join("tests/corpus/codegen/pinned_values.adt"))
        .expect("read the corpus spec");
    let files = generate(&lp_test_support::spec_of(&[text]));
    let file =
        |p: &str| String::from_utf8(files.get(p).unwrap_or_else(|| panic!("no {p}")).bytes.clone()).expect("UTF-8");
    let strategies = file("code/backend/orders/tests/strategies.py");
    for expected in [
        r#""object": st.sampled_from(json.loads("[\"order\"]"))"#,
        r#""priority": st.sampled_from(json.loads("[1,5,-2]"))"#,
        r#""object": st.sampled_from(json.loads("[\"list\"]"))"#,
        r#"st_Marker = st.deferred(lambda: (st.sampled_from(json.loads("[\"marker\"]")))"#,
    ] {
        assert!(strategies.contains(expected), "no {expected} in:\n{strategies}");
    }
    let logic = file("code/backend/orders/app/logic.py");
    assert!(logic.contains(r#"_json.loads("{\"items\":[],\"object\":\"list\"}")"#), "{logic}");
    let api = file("code/backend/orders/tests/test_api.py");
    assert!(
        api.contains(r#"json.loads("{\"id\":\"ord_aaaaaaaa\",\"name\":\"a\"}")"#)
            && api.contains(r#"send(client, "GET", "/orders/" + _q("ord_aaaaaaaa") + "", {}, None)"#),
        "{api}"
    );
}

/// The body compiler on a small spec with every kind of statement (`fixtures/fastapi-bodies.adt`):
/// its `app/bodies.py` as a snapshot, and how routes and the logic class use it.
#[test]
fn bodies_compile_to_python_over_one_transaction() {
    let spec = lp_test_support::spec_of(&[include_str!("fixtures/fastapi-bodies.adt").to_string()]);
    let files = generate(&spec);
    let text =
        |p: &str| String::from_utf8(files.get(p).unwrap_or_else(|| panic!("no {p}")).bytes.clone()).expect("UTF-8");
    let bodies = text("code/backend/store/app/bodies.py");
    // Without the provenance line, whose digest changes with any IR change.
    let body_text = bodies.split_once('\n').map_or("", |(_, rest)| rest);
    insta::assert_snapshot!("fastapi_bodies_py", body_text);
    // Key equalities of a `count` run as SQL, the rest as a filter over those rows; an optional
    // field that may be `None` is left out; a call of another service goes through the
    // transaction, which commits first.
    assert!(
        body_text.contains("_tx.count(ENTITIES[\"Box\"], where={0: (box).owner}, pred=lambda _l0: ((_l0).size > (3)))")
    );
    assert!(body_text.contains("**_rt.present(\"note\", F.label(owner))"));
    assert!(body_text.contains("_tx.call_service(\"audit\", \"audit.log\", \"POST\", \"/log\""));
    let routes = text("code/backend/store/app/routes.py");
    // One transaction per request; a write lock ahead only for a body that writes or fires.
    assert!(routes.contains("\"store.put_box\", _B.ENTITIES[\"Box\"], True,"), "{routes}");
    assert!(routes.contains("\"store.get_box\", _B.ENTITIES[\"Box\"], False,"), "{routes}");
    let logic = text("code/backend/store/app/logic.py");
    assert!(logic.contains("Compiled from their bodies (app/bodies.py), never through this class: `put_box`"));
    assert!(!logic.contains("def put_box"), "DefaultLogic still answers a compiled operation");
    // The seams of compiled bodies are documented: 501 for an external function, 502/503 for
    // a call of another service, 409 for a concurrent update of a fired resource.
    let doc = lp_codegen::openapi::openapi(&spec);
    let close = &doc["paths"]["/boxes/{owner}/{id}/close"]["post"]["responses"];
    assert_eq!(close["409"]["x-leanos-runtime"], "concurrent-update");
    assert_eq!(close["503"]["x-leanos-runtime"], "dependency-unavailable");
    let open = &doc["paths"]["/boxes/{owner}"]["post"]["responses"];
    assert_eq!(open["501"]["x-leanos-runtime"], "not-implemented");
}
