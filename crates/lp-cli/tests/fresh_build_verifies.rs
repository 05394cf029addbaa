//! `build` then `verify` of specs with few kinds of item (issue #14): the deploy gate accepts
//! the tool's own fresh output. A spec without a state machine, built with the `remix`
//! target, used to get `app/machines.ts` and `tests/machines.test.ts` traced to no spec item,
//! which `verify` refused (LP8008).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leanos-prove"))
        .args(args)
        .current_dir(cwd)
        .env_remove("LEANOS_SIGNING_KEY")
        .env_remove("LEANOS_TRUSTED_KEY")
        .output()
        .expect("run leanos-prove")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fresh-build").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Writes a project with `spec` and every target, signs its build with a freshly generated
/// key (not the committed TEST-ONLY one), verifies the output with that key, and returns
/// the verifier's exit code and output.
fn build_and_verify(name: &str, spec: &str) -> (Option<i32>, String) {
    let dir = scratch(name);
    std::fs::create_dir_all(dir.join("spec")).expect("spec dir");
    std::fs::write(dir.join("spec/app.adt"), spec).expect("write spec");
    std::fs::write(
        dir.join("leanos.toml"),
        format!(
            "[project]\nname = \"{name}\"\nversion = \"1.0.0\"\nspecs = [\"spec\"]\n\n\
             [build]\noutput = \"out\"\ntargets = [\"openapi\", \"fastapi\", \"remix\", \"infra\"]\n"
        ),
    )
    .expect("write leanos.toml");
    let keys = dir.join("keys");
    let o = run(&["keygen", "--out", &keys.to_string_lossy(), "--color", "never"], &dir);
    assert_eq!(o.status.code(), Some(0), "keygen: {}", text(&o.stderr));
    let key = keys.join("leanos.key");
    let public = keys.join("leanos.pub");
    let o = run(&["build", ".", "--key", &key.to_string_lossy(), "--no-cache", "--color", "never"], &dir);
    assert_eq!(o.status.code(), Some(0), "build {name}: {}", text(&o.stderr));
    let o = run(&["verify", "out", "--key", &public.to_string_lossy(), "--color", "never"], &dir);
    (o.status.code(), format!("{}{}", text(&o.stdout), text(&o.stderr)))
}

#[test]
fn a_spec_without_a_state_machine_builds_and_verifies_with_the_remix_target() {
    let spec = "spec notes version 1.0.0\n\
        type Note = { text: String where len(self) <= 200 }\n\
        error Gone = 404 { id: String }\n\
        service notes {\n  op get(id: String) -> Note ! Gone GET /notes/{id}\n}\n";
    let (code, out) = build_and_verify("no-machine", spec);
    assert_eq!(code, Some(0), "verify refused a fresh build of a machine-less spec:\n{out}");
    assert!(!out.contains("LP8008"), "{out}");
}

#[test]
fn a_spec_with_one_op_and_no_type_builds_and_verifies() {
    let spec = "spec ping version 1.0.0\nservice api {\n  op ping() -> Unit GET /ping\n}\n";
    let (code, out) = build_and_verify("one-op", spec);
    assert_eq!(code, Some(0), "verify refused a fresh build of a one-op spec:\n{out}");
}
