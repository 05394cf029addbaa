//! External validation: every example's document passes `openapi-spec-validator`.
//!
//! The validator is found on `PATH` or in the repository's `.venv-val` (which
//! `scripts/test.sh` creates). Without it the test fails under CI (env `CI` set) and is
//! skipped with a note otherwise.

mod common;

use common::{EXAMPLES, example};
use std::path::PathBuf;
use std::process::Command;

const VALIDATOR: &str = "openapi-spec-validator";

fn validator() -> Option<PathBuf> {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv-val/bin").join(VALIDATOR);
    if venv.is_file() {
        return Some(venv);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(VALIDATOR)).find(|p| p.is_file())
}

#[test]
fn examples_pass_openapi_spec_validator() {
    let Some(exe) = validator() else {
        assert!(std::env::var_os("CI").is_none(), "{VALIDATOR} not found; CI must install it (scripts/test.sh)");
        eprintln!("note: {VALIDATOR} not found on PATH or in .venv-val; skipping the external validation");
        return;
    };
    let dir = std::env::temp_dir().join(format!("lp-codegen-openapi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for name in EXAMPLES {
        let file = dir.join(format!("{}.openapi.json", name.replace('/', "-")));
        std::fs::write(&file, lp_codegen::openapi::openapi_json(&example(name))).expect("write document");
        let out = Command::new(&exe).arg(&file).output().expect("run the validator");
        assert!(
            out.status.success(),
            "{name}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
