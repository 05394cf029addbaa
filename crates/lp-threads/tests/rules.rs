//! Seeded defects for the linter's rules beyond the one-per-code corpus
//! (`tests/corpus/threads/`): each test edits a clean workspace and checks exactly which codes
//! `check` reports.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const DEMO: &str = "threads/business/demo";

/// A copy of the corpus's clean workspace (a business thread through Stage 6).
fn clean(name: &str) -> PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus/threads/clean");
    let to = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rules").join(name);
    let _ = std::fs::remove_dir_all(&to);
    copy(&from, &to);
    to
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read") {
        let p = e.expect("entry").path();
        let t = to.join(p.file_name().expect("name"));
        if p.is_dir() { copy(&p, &t) } else { std::fs::copy(&p, &t).map(|_| ()).expect("copy") }
    }
}

/// Replaces `old` (which must occur) by `new` in a file of the workspace.
fn edit(ws: &Path, rel: &str, old: &str, new: &str) {
    let p = ws.join(rel);
    let text = std::fs::read_to_string(&p).expect("read");
    assert!(text.contains(old), "`{old}` is not in {rel}:\n{text}");
    std::fs::write(&p, text.replacen(old, new, 1)).expect("write");
}

fn codes(ws: &Path) -> BTreeSet<String> {
    let loaded = lp_threads::Workspace::load(ws).expect("load");
    let today = "2026-11-24".parse().expect("date");
    lp_threads::check::check(&loaded, Some(today), None).iter().map(|d| d.code.id().to_string()).collect()
}

fn set(codes: &[&str]) -> BTreeSet<String> {
    codes.iter().map(|c| c.to_string()).collect()
}

#[test]
fn the_clean_workspace_is_clean() {
    assert_eq!(codes(&clean("clean")), set(&[]));
}

#[test]
fn stage_number_and_thread_name_must_match_the_file() {
    let ws = clean("stage-number");
    edit(&ws, &format!("{DEMO}/2-hypothesis.md"), "stage: 2", "stage: 3");
    assert_eq!(codes(&ws), set(&["LP9002"]));
    let ws = clean("thread-name");
    edit(&ws, &format!("{DEMO}/3-implication.md"), "thread: demo", "thread: other");
    assert_eq!(codes(&ws), set(&["LP9005"]));
}

#[test]
fn broken_yaml_and_a_type_under_the_wrong_folder() {
    let ws = clean("yaml");
    edit(&ws, &format!("{DEMO}/3-implication.md"), "impact: medium", "impact: [medium");
    assert_eq!(codes(&ws), set(&["LP9005"]));
    let ws = clean("type");
    edit(&ws, &format!("{DEMO}/metadata.yaml"), "type: business", "type: sales");
    assert_eq!(codes(&ws), set(&["LP9004"]));
}

#[test]
fn stored_flags_and_metadata_scores_are_recomputed() {
    let ws = clean("flag");
    edit(&ws, &format!("{DEMO}/4-decision.md"), "impact_score: 0.5\n", "impact_score: 0.5\nhuman_flagged: true\n");
    assert_eq!(codes(&ws), set(&["LP9060"]));
    let ws = clean("meta-score");
    edit(&ws, &format!("{DEMO}/metadata.yaml"), "stage: 6\n", "stage: 6\nimpact_score: 0.9\n");
    assert_eq!(codes(&ws), set(&["LP9060"]));
}

#[test]
fn pivot_always_needs_a_human_and_approval_clears_it() {
    let ws = clean("pivot");
    edit(&ws, &format!("{DEMO}/4-decision.md"), "decision: BUILD", "decision: PIVOT");
    assert_eq!(codes(&ws), set(&["LP9062"]));
    edit(&ws, &format!("{DEMO}/4-decision.md"), "decision: PIVOT\n", "decision: PIVOT\napproved_by: grace\n");
    assert_eq!(codes(&ws), set(&[]));
}

#[test]
fn the_threshold_and_the_mode_come_from_the_mode_file() {
    let ws = clean("threshold");
    edit(
        &ws,
        "strategy/canvas/00-business-model-mode.md",
        "mode: BOOTSTRAP\n",
        "mode: BOOTSTRAP\nimpact:\n  threshold: 0.4\n",
    );
    assert_eq!(codes(&ws), set(&["LP9062"]));
    // HYBRID once profitable scores venture factors, which the decision does not have.
    let ws = clean("hybrid");
    edit(&ws, "strategy/canvas/00-business-model-mode.md", "mode: BOOTSTRAP\n", "mode: HYBRID\nprofitable: true\n");
    assert_eq!(codes(&ws), set(&["LP9061"]));
    // Weights change the score: 2·0.5 + 0.6 + 0.4 over 4 is 0.5 still; 3·0.6 + 0.5 + 0.4 over 5 is 0.54.
    let ws = clean("weights");
    edit(
        &ws,
        "strategy/canvas/00-business-model-mode.md",
        "mode: BOOTSTRAP\n",
        "mode: BOOTSTRAP\nimpact:\n  bootstrap: {revenue_impact: 1, time_to_cash: 3, margin: 1}\n",
    );
    assert_eq!(codes(&ws), set(&["LP9060"]));
    edit(&ws, &format!("{DEMO}/4-decision.md"), "impact_score: 0.5", "impact_score: 0.54");
    assert_eq!(codes(&ws), set(&[]));
    // An unknown setting is reported, and no score is checked meanwhile.
    let ws = clean("typo");
    edit(
        &ws,
        "strategy/canvas/00-business-model-mode.md",
        "mode: BOOTSTRAP\n",
        "mode: BOOTSTRAP\nimpact:\n  treshold: 0.4\n",
    );
    assert_eq!(codes(&ws), set(&["LP9082"]));
}

#[test]
fn missing_canvas_files() {
    let ws = clean("no-mode");
    std::fs::remove_file(ws.join("strategy/canvas/00-business-model-mode.md")).expect("rm");
    assert_eq!(codes(&ws), set(&["LP9082"]));
    let ws = clean("no-canvas");
    std::fs::remove_file(ws.join("strategy/canvas/10-assumptions.md")).expect("rm");
    assert_eq!(codes(&ws), set(&["LP9080"]));
}

#[test]
fn canvas_updates_name_known_assumptions_with_percentages() {
    let ws = clean("update-id");
    edit(&ws, &format!("{DEMO}/6-learning.md"), "assumption: A1", "assumption: A9");
    assert_eq!(codes(&ws), set(&["LP9020"]));
    let ws = clean("update-confidence");
    edit(&ws, &format!("{DEMO}/6-learning.md"), "confidence: 85", "confidence: 850");
    assert_eq!(codes(&ws), set(&["LP9005"]));
    let ws = clean("update-status");
    edit(&ws, &format!("{DEMO}/6-learning.md"), "status: VALIDATED", "status: PROBABLY");
    assert_eq!(codes(&ws), set(&["LP9004"]));
}

#[test]
fn new_hypotheses_may_name_ids_the_canvas_lacks() {
    let ws = clean("new-hypothesis");
    edit(
        &ws,
        &format!("{DEMO}/2-hypothesis.md"),
        "### A1: Merchants churn in week 2\n",
        "### H1: Merchants want CSV\n\n**Status:** 🆕NEW\n**Confidence:** 30%\n\n### A1: Merchants churn in week 2\n",
    );
    assert_eq!(codes(&ws), set(&[]));
    edit(&ws, &format!("{DEMO}/2-hypothesis.md"), "**Status:** 🆕NEW", "**Status:** ✅VALIDATED");
    assert_eq!(codes(&ws), set(&["LP9020", "LP9021"]));
}

#[test]
fn action_statuses_in_a_stage_5_file() {
    let ws = clean("action-status");
    edit(&ws, &format!("{DEMO}/5-actions.md"), "**Status:** pending", "**Status:** someday");
    assert_eq!(codes(&ws), set(&["LP9004"]));
}

#[test]
fn action_files_need_their_fields() {
    let ws = clean("action-files");
    let dir = ws.join(DEMO);
    std::fs::remove_file(dir.join("5-actions.md")).expect("rm");
    std::fs::create_dir_all(dir.join("5-actions")).expect("mkdir");
    std::fs::write(
        dir.join("5-actions/a.md"),
        "---\ntype: marketing:create\nowner: ada\ndue_date: 2026-12-01\n---\n# A\n",
    )
    .expect("write");
    assert_eq!(codes(&ws), set(&["LP9041"]));
    std::fs::write(dir.join("5-actions/a.md"), "---\ntype: marketing:create\nstatus: done\nowner: ada\n---\n# A\n")
        .expect("write");
    assert_eq!(codes(&ws), set(&["LP9003", "LP9004"]));
    std::fs::remove_file(dir.join("5-actions/a.md")).expect("rm");
    assert_eq!(codes(&ws), set(&["LP9011"]));
}

#[test]
fn completed_threads_are_never_late() {
    let ws = clean("late");
    edit(&ws, &format!("{DEMO}/metadata.yaml"), "stage: 6", "stage: 1");
    for f in ["2-hypothesis.md", "3-implication.md", "4-decision.md", "5-actions.md", "6-learning.md"] {
        std::fs::remove_file(ws.join(DEMO).join(f)).expect("rm");
    }
    assert_eq!(codes(&ws), set(&["LP9070"]));
    edit(&ws, &format!("{DEMO}/metadata.yaml"), "status: active", "status: completed");
    assert_eq!(codes(&ws), set(&[]));
}

#[test]
fn the_metadata_stage_keeps_up_with_the_files() {
    let ws = clean("meta-stage");
    edit(&ws, &format!("{DEMO}/metadata.yaml"), "stage: 6", "stage: 4");
    assert_eq!(codes(&ws), set(&["LP9002"]));
}
