//! The generated FastAPI service of `tests/corpus/codegen/decimals.adt`, driven for real:
//! a decimal is read from its JSON number (or, as a query parameter, from its text) into an
//! exact Python `Decimal`, checked against decimal bounds, computed with exactly, and answered
//! as a JSON number with exactly its digits (`0.7 + 0.1` is `0.8`, and a result with more
//! digits than a float keeps is still written digit for digit, never rounded).
//!
//! Like `fastapi_params.rs`, it runs with the pinned dependencies of the repository's
//! `.venv-backend` (which `scripts/test-backend.sh` creates) and is skipped with a note without
//! it, unless `LEANOS_REQUIRE_BACKEND_VENV` is set.

use lp_codegen::fastapi::generate;
use std::path::PathBuf;
use std::process::Command;

/// Requests, the status each must get and, when given, the exact text of the answer's body.
const SCRIPT: &str = r#"
import sys
from fastapi.testclient import TestClient
from app.main import app

setting = '{"name": "a", "temperature": 0.7, "budget": 12.50}'
cases = [
    ("POST", "/settings", setting, 201, '{"name":"a","temperature":0.7,"budget":12.5}'),
    ("GET", "/settings/a", None, 200, '{"name":"a","temperature":0.7,"budget":12.5}'),
    ("POST", "/settings", '{"name": "b", "temperature": 2.0, "budget": 0}', 201, None),
    ("POST", "/settings", '{"name": "c", "temperature": 2.05, "budget": 1.0}', 422, None),
    ("POST", "/settings", '{"name": "c", "temperature": -0.1, "budget": 1.0}', 422, None),
    ("POST", "/settings", '{"name": "c", "temperature": "0.7", "budget": 1.0}', 422, None),
    ("POST", "/settings", '{"name": "c", "temperature": true, "budget": 1.0}', 422, None),
    ("POST", "/settings", '{"name": "c", "temperature": 0.5, "budget": -0.01}', 422, None),
    ("GET", "/warmer?t=0.7", None, 200, "0.8"),
    ("GET", "/warmer?t=1.9", None, 200, "2.0"),
    ("GET", "/warmer?t=1.23456789012345678", None, 200, "1.33456789012345678"),
    ("GET", "/warmer?t=2.5", None, 422, None),
    ("GET", "/warmer?t=abc", None, 422, None),
]
failures = []
with TestClient(app, raise_server_exceptions=False) as client:
    client.headers["Authorization"] = "Bearer test-all"
    for method, url, body, status, text in cases:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        r = client.request(method, url, content=body, headers=headers)
        if r.status_code != status:
            failures.append(f"{method} {url} {body}: {r.status_code} (expected {status}): {r.text}")
        elif text is not None and r.text != text:
            failures.append(f"{method} {url} {body}: answered {r.text!r}, expected {text!r}")
print("\n".join(failures))
sys.exit(1 if failures else 0)
"#;

#[test]
fn decimals_are_exact_json_numbers_in_and_out() {
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
    let path = lp_test_support::repo().join("tests/corpus/codegen/decimals.adt");
    let text = std::fs::read_to_string(&path).expect("read the corpus spec");
    let spec = lp_test_support::spec_of(&[text]);
    let dir = std::env::temp_dir().join(format!("lp-fastapi-decimals-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (rel, file) in generate(&spec) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create a folder");
        std::fs::write(&path, &file.bytes).expect("write a generated file");
    }
    let service = dir.join("code/backend/models");
    let out = Command::new(&python)
        .arg("-c")
        .arg(SCRIPT)
        .current_dir(&service)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("DATABASE_URL", format!("sqlite:///{}", dir.join("decimals.db").display()))
        .env("LEANOS_AUTH_TOKENS", r#"{"test-all": []}"#)
        .output()
        .expect("run the generated service");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "the generated service mishandled decimals:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
