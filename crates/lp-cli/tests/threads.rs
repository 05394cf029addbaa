//! End-to-end tests of `leanos-prove threads`: the `LP9nnn` corpus under
//! `tests/corpus/threads/` (one small workspace per code, each with a snapshot of
//! `threads check`), and every command on a copy of `spec-examples/leanos-workspace`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Every thread code and its corpus case `tests/corpus/threads/LPnnnn_name/`.
const CODES: &[&str] = &[
    "LP9001", "LP9002", "LP9003", "LP9004", "LP9005", "LP9006", "LP9010", "LP9011", "LP9020", "LP9021", "LP9030",
    "LP9031", "LP9040", "LP9041", "LP9050", "LP9060", "LP9061", "LP9062", "LP9070", "LP9080", "LP9081", "LP9082",
    "LP9090", "LP9091",
];

const DATE: &str = "2026-11-24";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

fn run_in(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_leanos-prove"));
    c.args(args)
        .current_dir(cwd)
        .env_remove("LEANOS_TODAY")
        .env_remove("NO_COLOR")
        .env_remove("LEANOS_TRUSTED_KEY")
        .env_remove("LEANOS_TRUSTED_KEY_FINGERPRINT")
        .env_remove("LEANOS_ALLOW_TEST_KEY");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run leanos-prove")
}

fn run(cwd: &Path, args: &[&str]) -> Output {
    run_in(cwd, args, &[])
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The codes a run reported (`error[LP9001]`, `warning[LP9070]`).
fn reported(stderr: &str) -> BTreeSet<String> {
    stderr
        .match_indices("[LP")
        .filter_map(|(i, _)| stderr.get(i + 1..i + 7))
        .filter(|c| c[2..].chars().all(|ch| ch.is_ascii_digit()))
        .map(str::to_string)
        .collect()
}

fn corpus_cases() -> Vec<PathBuf> {
    let dir = repo_root().join("tests/corpus/threads");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/corpus/threads")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "snapshots"))
        .collect();
    out.sort();
    out
}

#[test]
fn every_thread_code_has_a_corpus_case_that_reports_only_it() {
    let registered: BTreeSet<&str> =
        lp_diagnostics::codes::ALL.iter().map(|c| c.id()).filter(|id| id.starts_with("LP90")).collect();
    assert_eq!(registered, CODES.iter().copied().collect(), "CODES must list every registered LP90nn code");
    let cases = corpus_cases();
    let mut failures = Vec::new();
    for code in CODES {
        let info = lp_diagnostics::codes::Code::lookup(code).expect("registered").info();
        let name = format!("{}_{}", info.id, info.name);
        if !cases.iter().any(|c| c.file_name().is_some_and(|n| n.to_string_lossy() == name)) {
            failures.push(format!("{code}: no case tests/corpus/threads/{name}/"));
        }
    }
    let root = repo_root();
    for case in &cases {
        let name = case.file_name().expect("name").to_string_lossy().into_owned();
        let rel = format!("tests/corpus/threads/{name}");
        let o = run(&root, &["threads", "check", &rel, "--date", DATE, "--color", "never"]);
        let stderr = text(&o.stderr);
        let codes = reported(&stderr);
        let expected: BTreeSet<String> = match name.split_once('_') {
            Some((code, _)) if code.starts_with("LP") => [code.to_string()].into(),
            _ => BTreeSet::new(),
        };
        if codes != expected {
            failures.push(format!("{rel}: reports {codes:?}, expected {expected:?}\n{stderr}"));
        }
        let errors = stderr.lines().any(|l| l.starts_with("error["));
        let want_exit = if errors { 1 } else { 0 };
        if o.status.code() != Some(want_exit) {
            failures.push(format!("{rel}: exit {:?}, expected {want_exit}", o.status.code()));
        }
        let snapshot = format!(
            "----- COMMAND\nleanos-prove threads check {rel} --date {DATE} --color never\n----- EXIT {}\n----- STDOUT\n{}\n----- STDERR\n{}",
            o.status.code().unwrap_or(-1),
            text(&o.stdout).trim_end(),
            stderr.trim_end()
        );
        let result = std::panic::catch_unwind(|| {
            let mut settings = insta::Settings::clone_current();
            settings.set_snapshot_path(root.join("tests/corpus/threads/snapshots"));
            settings.set_prepend_module_to_snapshot(false);
            settings.set_omit_expression(true);
            settings.bind(|| insta::assert_snapshot!(name.as_str(), snapshot));
        });
        if result.is_err() {
            failures.push(format!("{rel}: snapshot differs (run `cargo insta review`)"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// JSON output carries the same diagnostics plus each thread's recomputed score.
#[test]
fn check_json_has_codes_and_scores() {
    let root = repo_root();
    let o = run(
        &root,
        &[
            "threads",
            "check",
            "tests/corpus/threads/LP9060_impact-score-mismatch",
            "--date",
            DATE,
            "--error-format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["diagnostics"][0]["code"], "LP9060", "{v:#}");
    assert_eq!(v["threads"][0]["impact_score"], 0.8, "{v:#}");
    assert_eq!(v["threads"][0]["needs_human"], true, "{v:#}");
}

/// A copy of the example workspace and the spec project its engineering thread names,
/// side by side as in the repository, without build outputs or caches.
fn example_copy(name: &str) -> PathBuf {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("threads").join(name);
    let _ = std::fs::remove_dir_all(&base);
    for ex in ["leanos-workspace", "catalog-sync"] {
        copy_dir(&repo_root().join("spec-examples").join(ex), &base.join("spec-examples").join(ex));
    }
    // The examples sign their builds with the test key in `certificates/`.
    if repo_root().join("certificates").is_dir() {
        copy_dir(&repo_root().join("certificates"), &base.join("certificates"));
    }
    base.join("spec-examples/leanos-workspace")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let p = e.expect("entry").path();
        let name = p.file_name().expect("name").to_owned();
        if name == "artifacts" || name == ".leanos" {
            continue;
        }
        if p.is_dir() {
            copy_dir(&p, &to.join(&name));
        } else {
            std::fs::copy(&p, to.join(&name)).expect("copy");
        }
    }
}

#[test]
fn example_workspace_checks_without_errors() {
    let ws = example_copy("check");
    let o = run(&ws, &["threads", "check", "--date", DATE, "--color", "never"]);
    let stderr = text(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    // The premium tier waits for a human, so its actions are late.
    assert_eq!(reported(&stderr), ["LP9070".to_string()].into(), "{stderr}");
    assert!(stderr.contains("checked 4 threads: 1 warning"), "{stderr}");
    // One thread only.
    let o = run(&ws, &["threads", "check", "threads/sales/acme-pilot", "--date", DATE, "--color", "never"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stderr).contains("checked 1 thread: no problems"), "{}", text(&o.stderr));
}

#[test]
fn example_today_is_deterministic_and_matches_the_committed_file() {
    let ws = example_copy("today");
    let o = run(&ws, &["threads", "today", "--date", DATE]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let first = std::fs::read_to_string(ws.join("ops/today.md")).expect("today.md");
    // The date from the environment gives the same bytes.
    let o = run_in(&ws, &["threads", "today"], &[("LEANOS_TODAY", DATE)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let second = std::fs::read_to_string(ws.join("ops/today.md")).expect("today.md");
    assert_eq!(first, second);
    assert!(first.contains("### [Impact: 0.87] BUILD"), "{first}");
    assert!(first.contains("approved by omar"), "{first}");
    assert!(first.contains("`threads/business/premium-tier`: stage 5 (actions) due 2026-11-20, 4 days overdue"));
    let committed = std::fs::read_to_string(repo_root().join("spec-examples/leanos-workspace/ops/today.md"))
        .expect("committed today.md");
    assert_eq!(
        first, committed,
        "regenerate with `leanos-prove threads today spec-examples/leanos-workspace --date {DATE}`"
    );
    insta::assert_snapshot!("example_today_md", first);
    // A bad date is a usage error.
    let o = run(&ws, &["threads", "today", "--date", "24.11.2026"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("is not a date"));
}

#[test]
fn learn_is_a_dry_run_until_write_and_keeps_the_canvas() {
    let ws = example_copy("learn");
    let canvas = ws.join("strategy/canvas/10-assumptions.md");
    let before = std::fs::read_to_string(&canvas).expect("canvas");
    let o = run(&ws, &["threads", "learn", "threads/business/self-serve-onboarding"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let diff = text(&o.stdout);
    assert!(diff.contains("-**Status:** ⏳TESTING") && diff.contains("+**Status:** ✅VALIDATED"), "{diff}");
    assert!(diff.contains("+**Confidence:** 85%"), "{diff}");
    assert_eq!(std::fs::read_to_string(&canvas).expect("canvas"), before, "a dry run must not write");

    let o = run(&ws, &["threads", "learn", "threads/business/self-serve-onboarding", "--write"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let after = std::fs::read_to_string(&canvas).expect("canvas");
    assert!(after.contains(
        "- 2026-11-20: status ⏳TESTING → ✅VALIDATED, confidence 40% → 85%, evidence threads/business/self-serve-onboarding/6-learning.md"
    ), "{after}");
    // Every line of the old canvas is still there, in order, except the two that changed.
    let mut new_lines = after.lines();
    for line in before.lines().filter(|l| !l.is_empty()) {
        if line == "**Status:** ⏳TESTING" || line == "**Confidence:** 40%" {
            continue;
        }
        assert!(new_lines.any(|n| n == line), "lost or reordered: {line}\n{after}");
    }
    // Learning again changes nothing.
    let o = run(&ws, &["threads", "learn", "threads/business/self-serve-onboarding", "--write"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stderr).contains("already applied"), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(&canvas).expect("canvas"), after);
    // The workspace still checks.
    let o = run(&ws, &["threads", "check", "--date", DATE]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // A thread without Stage 6 cannot teach anything.
    let o = run(&ws, &["threads", "learn", "threads/business/premium-tier"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("has no stage 6"), "{}", text(&o.stderr));
}

#[test]
fn new_scaffolds_a_thread_that_asks_for_facts() {
    let ws = example_copy("new");
    let o = run(&ws, &["threads", "new", "marketing", "spring-launch", "--owner", "kim", "--date", DATE]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let meta = std::fs::read_to_string(ws.join("threads/marketing/spring-launch/metadata.yaml")).expect("metadata");
    assert!(
        meta.contains("type: marketing\n") && meta.contains("created: 2026-11-24\n") && meta.contains("owner: kim\n")
    );
    let o = run(&ws, &["threads", "check", "threads/marketing/spring-launch", "--date", DATE, "--color", "never"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(reported(&text(&o.stderr)), ["LP9011".to_string()].into(), "{}", text(&o.stderr));
    // Existing folders, bad names and bad types are usage errors.
    for args in [
        &["threads", "new", "marketing", "spring-launch"][..],
        &["threads", "new", "marketing", "Spring Launch"][..],
        &["threads", "new", "finance", "budget"][..],
    ] {
        let o = run(&ws, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
    }
    // Outside a workspace.
    let o = run(&ws.join(".."), &["threads", "new", "sales", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("not inside a LeanOS workspace"), "{}", text(&o.stderr));
}

#[test]
fn engineering_actions_run_the_driver_and_flag_failed_gates() {
    let ws = example_copy("run");
    let thread = "threads/engineering/catalog-sync";
    let action = ws.join(thread).join("5-actions/action-1-architecture.md");
    let o = run(&ws, &["threads", "run", thread, "--action", "action-1-architecture", "--date", DATE]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let log = std::fs::read_to_string(&action).expect("action");
    assert!(log.contains("status: completed\n"), "{log}");
    assert!(log.contains("## Run log\n\n### 2026-11-24 — check: passed\n"), "{log}");
    assert!(log.contains("obligations ("), "{log}");

    // validate = check + verify: before any build there is no certificate, so it fails; after
    // the backend action built (and signed) the output, the gate authorizes it.
    let validate = ws.join(thread).join("5-actions/action-5-validate.md");
    let o = run(&ws, &["threads", "run", thread, "--action", "action-5-validate", "--date", DATE]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let log = std::fs::read_to_string(&validate).expect("action");
    assert!(log.contains("check + verify: FAILED") && log.contains("system-proof.certificate"), "{log}");
    let o = run(&ws, &["threads", "run", thread, "--action", "action-2-backend", "--date", DATE]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // The gate trusts only a key pinned from outside the tree, and the example is signed with
    // the committed TEST-ONLY key, which must be allowed explicitly.
    let test_pub = repo_root().join("certificates/TEST-ONLY-signing-key.pub").to_string_lossy().to_string();
    let pinned = [("LEANOS_TRUSTED_KEY", test_pub.as_str()), ("LEANOS_ALLOW_TEST_KEY", "1")];
    let o = run_in(&ws, &["threads", "run", thread, "--action", "action-5-validate", "--date", DATE], &pinned);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let log = std::fs::read_to_string(&validate).expect("action");
    assert!(log.contains("check + verify: passed") && log.contains("deploy authorized"), "{log}");
    assert!(log.contains("status: completed\n"), "{log}");

    // Break the spec: the gate fails, the log and ops/today.md say so, and check warns.
    let spec_dir = ws.join("../catalog-sync/spec");
    let mut specs: Vec<PathBuf> =
        std::fs::read_dir(&spec_dir).expect("spec dir").map(|e| e.expect("e").path()).collect();
    specs.sort();
    let broken = &specs[0];
    let mut src = std::fs::read_to_string(broken).expect("spec");
    src.push_str("\ntype Broken = { x: NoSuchType }\n");
    std::fs::write(broken, src).expect("write spec");
    let o = run(&ws, &["threads", "run", thread, "--action", "action-1-architecture", "--date", "2026-11-25"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let log = std::fs::read_to_string(&action).expect("action");
    assert!(log.contains("### 2026-11-25 — check: FAILED ⚠") && log.contains("[LP1001]"), "{log}");
    assert!(log.contains("status: blocked\n"), "{log}");
    let today = std::fs::read_to_string(ws.join("ops/today.md")).expect("today");
    assert!(
        today.contains("- ⚠ 2026-11-25 `threads/engineering/catalog-sync` action-1-architecture: check failed:"),
        "{today}"
    );
    assert!(!today.contains("## Failed Gates\n\n- none"), "{today}");
    let o = run(&ws, &["threads", "check", thread, "--date", "2026-11-25", "--color", "never"]);
    assert!(reported(&text(&o.stderr)).contains("LP9091"), "{}", text(&o.stderr));
    // Regenerating today.md keeps the failure (it is read back from the action log).
    let o = run(&ws, &["threads", "today", "--date", "2026-11-25"]);
    assert_eq!(o.status.code(), Some(0));
    let today = std::fs::read_to_string(ws.join("ops/today.md")).expect("today");
    assert!(
        today.contains("- ⚠ 2026-11-25 `threads/engineering/catalog-sync` action-1-architecture: check failed:"),
        "{today}"
    );
    // An unknown action id runs nothing.
    let o = run(&ws, &["threads", "run", thread, "--action", "action-9", "--date", DATE]);
    assert_eq!(o.status.code(), Some(1));
}

/// `engineering:backend` runs `build` and passes exactly when the build wrote backend code.
#[test]
fn backend_actions_pass_only_when_the_build_writes_backend_code() {
    let ws = example_copy("backend");
    let thread = "threads/engineering/catalog-sync";
    let o = run(&ws, &["threads", "run", thread, "--action", "action-2-backend", "--date", DATE]);
    let log = std::fs::read_to_string(ws.join(thread).join("5-actions/action-2-backend.md")).expect("action");
    let backend = ws.join("../catalog-sync/artifacts/engineering/code/backend");
    let wrote_backend = std::fs::read_dir(&backend).map(|mut d| d.next().is_some()).unwrap_or(false);
    if wrote_backend {
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        assert!(log.contains("### 2026-11-24 — build: passed") && log.contains("status: completed\n"), "{log}");
    } else {
        assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
        assert!(log.contains("### 2026-11-24 — build: FAILED ⚠") && log.contains("status: blocked\n"), "{log}");
    }
}
