//! Property: the linter, `today` and `learn` never panic, whatever the files of a workspace
//! contain; bad content is reported as diagnostics.

use proptest::prelude::*;
use std::path::Path;

fn noise() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("---\n".to_string()),
        Just("stage: 2\n".to_string()),
        Just("date: 2026-11-2".to_string()),
        Just("status: accepted\n".to_string()),
        Just("decision: BUILD\n".to_string()),
        Just("impact_inputs: {revenue_impact: 2, margin: x}\n".to_string()),
        Just("canvas_updates:\n  - assumption: A1\n    confidence: 900\n".to_string()),
        Just("## Facts\n- a (source: b, 2026-01-01)\n".to_string()),
        Just("### A1: x\n**Status:** ✅\n**Confidence:** 1 → \n".to_string()),
        Just("## Actions\n### engineering:backend x\n**Project:** ../..\n".to_string()),
        Just("## Run log\n### 2026 — : FAILED\n".to_string()),
        Just("mode: HYBRID\nimpact: [1]\n".to_string()),
        "[ -~é→\n]{0,16}",
    ];
    proptest::collection::vec(piece, 0..16).prop_map(|v| v.concat())
}

const FILES: [&str; 9] = [
    "strategy/canvas/00-business-model-mode.md",
    "strategy/canvas/10-assumptions.md",
    "threads/business/t/metadata.yaml",
    "threads/business/t/1-input.md",
    "threads/business/t/2-hypothesis.md",
    "threads/business/t/4-decision.md",
    "threads/business/t/5-actions.md",
    "threads/business/t/6-learning.md",
    "threads/engineering/e/5-actions/action-1.md",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn check_today_and_learn_never_panic(texts in proptest::collection::vec(noise(), FILES.len())) {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("check-robust");
        let _ = std::fs::remove_dir_all(&root);
        for (rel, text) in FILES.iter().zip(&texts) {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, text).expect("write");
        }
        let ws = lp_threads::Workspace::load(&root).expect("load");
        let today = "2026-11-24".parse().expect("date");
        let diags = lp_threads::check::check(&ws, Some(today), None);
        for d in &diags {
            prop_assert!(d.code.id().starts_with("LP90"), "{:?}", d);
        }
        // Every span renders (codespan panics on spans outside the file or inside a character).
        let _ = lp_diagnostics::render::human(&ws.db, &diags, lp_diagnostics::render::HumanOptions { color: false });
        let _ = lp_threads::today::render(&ws, today, None);
        for t in &ws.threads {
            let _ = lp_threads::learn::plan(&ws, t);
        }
    }
}
