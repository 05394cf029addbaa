//! `record_gate_failure` and `find_workspace`, the API `build` and `verify` call when a gate
//! fails on a spec project that an engineering thread names.

use lp_threads::{find_workspace, record_gate_failure};
use std::path::{Path, PathBuf};

/// A scratch workspace: a canvas, an engineering thread whose actions name `../shop`, and
/// the `shop` and `other` project folders beside it.
fn scratch(name: &str) -> PathBuf {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gate-failure").join(name);
    let _ = std::fs::remove_dir_all(&base);
    let ws = base.join("ws");
    let files = [
        ("strategy/canvas/00-business-model-mode.md", "---\nmode: BOOTSTRAP\n---\n"),
        ("strategy/canvas/10-assumptions.md", "### A1: x\n\n**Status:** ⏳TESTING\n**Confidence:** 40%\n"),
        (
            "threads/engineering/shop/metadata.yaml",
            "thread_id: e\ntype: engineering\nstatus: active\nowner: a\ncreated: 2026-11-01\nupdated: 2026-11-01\nstage: 5\n",
        ),
        (
            "threads/engineering/shop/5-actions/action-1-architecture.md",
            "---\naction_id: action-1-architecture\ntype: engineering:architecture\nowner: a\nstatus: completed\ndue_date: 2026-12-01\nproject: ../shop\n---\n# Check\n",
        ),
        (
            "threads/engineering/shop/5-actions/action-2-validate.md",
            "---\naction_id: action-2-validate\ntype: engineering:validate\nowner: a\nstatus: pending\ndue_date: 2026-12-02\nproject: ../shop\n---\n# Validate\n\nKeep this line.\n",
        ),
        ("ops/today.md", "# Today: 2026-11-24\n\n## Failed Gates\n\n- none\n\n## Overdue Stages\n\n- none\n"),
    ];
    for (rel, text) in files {
        let p = ws.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    std::fs::create_dir_all(base.join("shop")).expect("mkdir");
    std::fs::create_dir_all(base.join("other")).expect("mkdir");
    ws
}

#[test]
fn a_failed_verify_is_logged_on_the_validate_action_and_flagged_today() {
    let ws = scratch("verify");
    let found = record_gate_failure(&ws, &ws.join("../shop"), "verify", "artifact digest mismatch", "2026-11-24")
        .expect("record");
    assert!(found);
    let action =
        std::fs::read_to_string(ws.join("threads/engineering/shop/5-actions/action-2-validate.md")).expect("action");
    assert!(action.contains("Keep this line.\n"), "{action}");
    assert!(
        action.contains("## Run log\n\n### 2026-11-24 — verify: FAILED ⚠\n\n**Summary:** artifact digest mismatch\n"),
        "{action}"
    );
    assert!(action.contains("status: blocked\n"), "{action}");
    let other = std::fs::read_to_string(ws.join("threads/engineering/shop/5-actions/action-1-architecture.md"))
        .expect("action");
    assert!(!other.contains("Run log"), "only the matching action is flagged: {other}");
    let today = std::fs::read_to_string(ws.join("ops/today.md")).expect("today");
    assert_eq!(
        today,
        "# Today: 2026-11-24\n\n## Failed Gates\n\n- ⚠ 2026-11-24 `threads/engineering/shop` action-2-validate: verify failed: artifact digest mismatch\n\n## Overdue Stages\n\n- none\n"
    );
    // A second failure joins the same list; the same one is not repeated.
    record_gate_failure(&ws, &ws.join("../shop"), "check", "LP4002 deadlock", "2026-11-25").expect("record");
    record_gate_failure(&ws, &ws.join("../shop"), "check", "LP4002 deadlock", "2026-11-25").expect("record");
    let today = std::fs::read_to_string(ws.join("ops/today.md")).expect("today");
    assert_eq!(today.matches("LP4002 deadlock").count(), 1, "{today}");
    let arch = std::fs::read_to_string(ws.join("threads/engineering/shop/5-actions/action-1-architecture.md"))
        .expect("action");
    assert_eq!(arch.matches("LP4002 deadlock").count(), 1, "{arch}");
    assert!(today.contains("check failed: LP4002 deadlock\n- ⚠ 2026-11-24"), "{today}");
    // The linter now reports the failed gates (LP9091) on both actions.
    let loaded = lp_threads::Workspace::load(&ws).expect("load");
    let diags = lp_threads::check::check(&loaded, None, None);
    let gates = diags.iter().filter(|d| d.code.id() == "LP9091").count();
    assert_eq!(gates, 2, "{diags:#?}");
}

#[test]
fn a_project_no_thread_names_writes_nothing() {
    let ws = scratch("other");
    let before = std::fs::read_to_string(ws.join("ops/today.md")).expect("today");
    let found = record_gate_failure(&ws, &ws.join("../other"), "build", "x", "2026-11-24").expect("record");
    assert!(!found);
    assert_eq!(std::fs::read_to_string(ws.join("ops/today.md")).expect("today"), before);
    // A missing project path is not found either.
    assert!(!record_gate_failure(&ws, &ws.join("../gone"), "build", "x", "2026-11-24").expect("record"));
}

#[test]
fn missing_today_md_is_created() {
    let ws = scratch("create");
    std::fs::remove_file(ws.join("ops/today.md")).expect("rm");
    assert!(record_gate_failure(&ws, &ws.join("../shop"), "build", "no backend files", "2026-11-24").expect("record"));
    let today = std::fs::read_to_string(ws.join("ops/today.md")).expect("today");
    assert!(today.starts_with("# Today: 2026-11-24\n\n## Failed Gates\n\n- ⚠ 2026-11-24"), "{today}");
    // `build` belongs to the architecture action when there is no backend/frontend/infra one.
    let action = std::fs::read_to_string(ws.join("threads/engineering/shop/5-actions/action-1-architecture.md"))
        .expect("action");
    assert!(action.contains("build: FAILED"), "{action}");
}

#[test]
fn find_workspace_walks_up() {
    let ws = scratch("find");
    let canonical = ws.canonicalize().expect("canonical");
    assert_eq!(find_workspace(&ws.join("threads/engineering/shop/5-actions")), Some(canonical.clone()));
    assert_eq!(find_workspace(&ws.join("strategy/canvas/10-assumptions.md")), Some(canonical));
    assert_eq!(find_workspace(&ws.join("../shop")), None);
    assert_eq!(find_workspace(&ws.join("no/such/dir")), None);
}
