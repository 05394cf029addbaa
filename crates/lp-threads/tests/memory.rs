//! The threads module runs on an in-memory file system: nothing here touches the disk.

use lp_threads::{Fs, MemFs, Workspace};
use std::path::Path;
use std::sync::Arc;

fn workspace() -> Arc<MemFs> {
    let fs = MemFs::new();
    let files = [
        ("/ws/strategy/canvas/00-business-model-mode.md", "---\nmode: VENTURE\n---\n"),
        ("/ws/strategy/canvas/10-assumptions.md", "# A\n\n### A1: x\n\n**Status:** ⏳TESTING\n**Confidence:** 40%\n"),
        (
            "/ws/threads/marketing/m/metadata.yaml",
            "thread_id: m\ntype: marketing\nstatus: active\nowner: a\ncreated: 2026-11-20\nupdated: 2026-11-20\nstage: 6\n",
        ),
        (
            "/ws/threads/marketing/m/1-input.md",
            "---\nthread: m\nstage: 1\ndate: 2026-11-20\nowner: a\nsource: market\n---\n## Facts\n\n- x (source: y, 2026-11-19)\n",
        ),
        (
            "/ws/threads/marketing/m/2-hypothesis.md",
            "---\nthread: m\nstage: 2\ndate: 2026-11-20\nowner: a\ncanvas_section: s\n---\n### A1: x\n\n**Confidence:** 40% → 50%\n",
        ),
        (
            "/ws/threads/marketing/m/3-implication.md",
            "---\nthread: m\nstage: 3\ndate: 2026-11-21\nowner: a\nimpact: low\n---\n",
        ),
        (
            "/ws/threads/marketing/m/4-decision.md",
            "---\nthread: m\nstage: 4\ndate: 2026-11-22\nowner: a\nstatus: accepted\ndecision: LAUNCH\nimpact_inputs: {strategic_value: 0.9, market_size: 0.9, defensibility: 0.9}\nimpact_score: 0.9\napproved_by: b\n---\n## Alternatives\n\n- TEST first\n- HOLD\n",
        ),
        (
            "/ws/threads/marketing/m/5-actions/publish.md",
            "---\ntype: marketing:publish\nstatus: completed\nowner: a\ndue_date: 2026-11-23\n---\n# Publish\n",
        ),
        (
            "/ws/threads/marketing/m/6-learning.md",
            "---\nthread: m\nstage: 6\ndate: 2026-11-24\nowner: a\nvalidation_result: partial\ncanvas_updates:\n  - {assumption: A1, status: CHALLENGED, confidence: 30}\n---\n",
        ),
    ];
    for (p, t) in files {
        fs.insert(p, t);
    }
    Arc::new(fs)
}

#[test]
fn check_and_learn_in_memory() {
    let fs = workspace();
    let root = lp_threads::find_workspace_with(fs.as_ref(), Path::new("/ws/threads/marketing/m")).expect("workspace");
    assert_eq!(root, Path::new("/ws"));
    let ws = Workspace::load_with(fs.clone(), &root).expect("load");
    let diags = lp_threads::check::check(&ws, Some("2026-11-24".parse().expect("date")), None);
    assert!(diags.is_empty(), "{diags:#?}");
    let t = ws.thread_at(Path::new("/ws/threads/marketing/m/.")).expect("thread");
    let plan = lp_threads::learn::plan(&ws, t).expect("plan");
    lp_threads::learn::write(ws.fs.as_ref(), &plan).expect("write");
    let canvas = fs.read_text(Path::new("/ws/strategy/canvas/10-assumptions.md")).expect("canvas");
    assert!(canvas.contains("**Status:** ⚠️CHALLENGED\n**Confidence:** 30%\n"), "{canvas}");
    assert!(canvas.contains("- 2026-11-24: status ⏳TESTING → ⚠️CHALLENGED, confidence 40% → 30%"), "{canvas}");
}

#[test]
fn today_and_gate_failures_in_memory() {
    let fs = workspace();
    fs.insert(
        "/ws/threads/engineering/e/5-actions/a.md",
        "---\ntype: engineering:backend\nstatus: pending\nowner: a\ndue_date: 2026-12-01\nproject: ../shop\n---\n# A\n",
    );
    fs.insert("/ws/threads/engineering/e/metadata.yaml", "stage: 5\n");
    fs.insert("/shop/leanos.toml", "");
    let found = lp_threads::record_gate_failure_with(
        fs.clone(),
        Path::new("/ws"),
        Path::new("/shop"),
        "build",
        "no backend",
        "2026-11-24",
    )
    .expect("record");
    assert!(found);
    let today = fs.read_text(Path::new("/ws/ops/today.md")).expect("today");
    assert!(today.contains("`threads/engineering/e` a: build failed: no backend"), "{today}");
    let ws = Workspace::load_with(fs.clone(), Path::new("/ws")).expect("load");
    let text = lp_threads::today::render(&ws, "2026-11-24".parse().expect("date"), None);
    assert!(
        text.contains("## Failed Gates\n\n- ⚠ 2026-11-24 `threads/engineering/e` a: build failed: no backend\n"),
        "{text}"
    );
    assert!(text.contains("✓ 2026-11-22 `threads/marketing/m`: LAUNCH (Impact: 0.90), approved by b"), "{text}");
}
