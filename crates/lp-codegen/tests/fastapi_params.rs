//! The generated FastAPI service of `tests/corpus/codegen/query_params.adt`, driven for real:
//! path and query parameters are read from their text, so integers (plain and refined),
//! booleans and lists of integers and of strings must be accepted when well formed and
//! answered with 422 otherwise; an optional request body may be omitted; an `Option` field
//! may be absent or `null` (the same), and is omitted from the answer when it has no value.
//!
//! The service runs in process (FastAPI's `TestClient`) with the pinned dependencies of the
//! repository's `.venv-backend` (which `scripts/test-backend.sh` creates). Without it the test
//! is skipped with a note, unless `LEANOS_REQUIRE_BACKEND_VENV` is set, as
//! `scripts/test-backend.sh` does when it runs this test after creating the environment.

use lp_codegen::fastapi::generate;
use std::path::PathBuf;
use std::process::Command;

/// Requests and the status each must get, checked by a Python script against the service.
const SCRIPT: &str = r#"
import sys
from fastapi.testclient import TestClient
from app.main import app

cases = [
    ("POST /items/1/notes", None, 201),
    ("POST /items/1/notes", {"text": "hello"}, 201),
    ("POST /items/1/notes", "null", 201),
    ("POST /items/1/notes", {"text": ""}, 422),
    ("POST /labels", {"name": "a"}, 201),
    ("POST /labels", {"name": "a", "colour": None}, 201),
    ("POST /labels", {"name": "a", "colour": "red"}, 201),
    ("POST /labels", {"name": None}, 422),
    ("POST /labels", {"name": "a", "colour": 5}, 422),
    ("GET /items?n=5", None, 200),
    ("GET /items?n=-3", None, 200),
    ("GET /items?n=%2B7", None, 200),
    ("GET /items?n=39.0", None, 200),
    ("GET /items?n=0&page=100", None, 200),
    ("GET /items?n=1&active=true", None, 200),
    ("GET /items?n=1&active=false", None, 200),
    ("GET /items?n=1&ids=1&ids=2&ids=-3", None, 200),
    ("GET /items?n=1&fields=a&fields=b", None, 200),
    ("GET /items?n=1&fields=%22&fields=%7B&fields=%5B1%5D", None, 200),
    ("GET /items?n=1&fields=", None, 200),
    ("GET /items?n=1&ids=", None, 200),
    ("GET /items/7?verbose=true", None, 200),
    ("GET /items/-7?verbose=false", None, 200),
    ("GET /items/7?verbose=true&tags=%22&tags=%5B&tags=a&near=1", None, 200),
    ("GET /items/7.json", None, 200),
    ("GET /items/-7.json", None, 200),
    ("GET /items/x.json", None, 422),
    ("GET /items/7.json.json", None, 422),
    ("GET /items", None, 422),
    ("GET /items?n=", None, 422),
    ("GET /items?n=x", None, 422),
    ("GET /items?n=1.5", None, 422),
    ("GET /items?n=99999999999999999999", None, 422),
    ("GET /items?n=1&page=0", None, 422),
    ("GET /items?n=1&page=101", None, 422),
    ("GET /items?n=1&active=maybe", None, 422),
    ("GET /items?n=1&ids=1&ids=x", None, 422),
    ("GET /items/x?verbose=true", None, 422),
    ("GET /items/7", None, 422),
    ("GET /items/7?verbose=true&near=x", None, 422),
]
failures = []
with TestClient(app, raise_server_exceptions=False) as client:
    client.headers["Authorization"] = "Bearer test-all"
    for request, body, status in cases:
        method, url = request.split(" ", 1)
        if body is None:
            r = client.request(method, url)
        elif isinstance(body, dict) and "colour" in body and body["colour"] is None:
            # An explicit `null` (json= would send it too; spelled out so the test says so).
            r = client.request(method, url, content=b'{"name": "a", "colour": null}',
                               headers={"Content-Type": "application/json"})
            if r.status_code == 201 and "colour" in r.json():
                failures.append(f"{request}: a `null` option is answered as {r.text}, not omitted")
        elif body == "null":
            r = client.request(method, url, content=b"null", headers={"Content-Type": "application/json"})
        else:
            r = client.request(method, url, json=body)
        if r.status_code != status:
            failures.append(f"{request} {body}: {r.status_code} (expected {status}): {r.text}")
print("\n".join(failures))
sys.exit(1 if failures else 0)
"#;

#[test]
fn parameters_are_read_from_their_text_and_optional_bodies_and_fields_may_be_omitted_or_null() {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv-backend/bin/python");
    if !python.is_file() {
        assert!(
            std::env::var_os("LEANOS_REQUIRE_BACKEND_VENV").is_none(),
            "{} is missing; scripts/test-backend.sh creates it",
            python.display()
        );
        eprintln!(
            "note: .venv-backend not found; skipping the run of the generated service (scripts/test-backend.sh runs it)"
        );
        return;
    }
    let path = lp_test_support::repo().join("tests/corpus/codegen/query_params.adt");
    let text = std::fs::read_to_string(&path).expect("read the corpus spec");
    let spec = lp_test_support::spec_of(&[text]);
    let dir = std::env::temp_dir().join(format!("lp-fastapi-params-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (rel, file) in generate(&spec) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create a folder");
        std::fs::write(&path, &file.bytes).expect("write a generated file");
    }
    let service = dir.join("code/backend/catalog");
    let out = Command::new(&python)
        .arg("-c")
        .arg(SCRIPT)
        .current_dir(&service)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("DATABASE_URL", format!("sqlite:///{}", dir.join("params.db").display()))
        .env("LEANOS_AUTH_TOKENS", r#"{"test-all": []}"#)
        .output()
        .expect("run the generated service");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "the generated service misread its parameters:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
