//! Property: `learn` rewrites the canvas's status, confidence and history of the assumptions
//! it updates and keeps every other line, whatever unrelated text surrounds the entries; and
//! learning twice is the same as learning once.

use lp_diagnostics::FileId;
use lp_threads::canvas::{Update, apply, assumptions};
use lp_threads::doc::Doc;
use proptest::prelude::*;

/// Unrelated prose: a paragraph or a `##` heading made of plain words.
fn chunk() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z][A-Za-z0-9 ,.]{0,60}".prop_map(|s| s.trim_end().to_string()),
        "[A-Za-z][A-Za-z ]{0,20}".prop_map(|s| format!("## {}", s.trim_end())),
        "[A-Za-z][A-Za-z0-9 ]{0,30}".prop_map(|s| format!("- {}", s.trim_end())),
    ]
}

fn entry(id: u8, conf: u8, extra: &str, history: bool) -> String {
    let mut s =
        format!("### A{id}: Title {id}\n\n**Status:** ⏳TESTING\n**Hypothesis:** {extra}\n**Confidence:** {conf}%\n");
    if history {
        s.push_str("\n**History:**\n\n- 2026-01-01: created\n");
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn learn_keeps_unrelated_text(
        before in proptest::collection::vec(chunk(), 0..4),
        between in proptest::collection::vec(chunk(), 0..4),
        after in proptest::collection::vec(chunk(), 0..4),
        conf1 in 0u8..=100,
        conf2 in 0u8..=100,
        new_conf in 0u32..=100,
        history in any::<bool>(),
        target_second in any::<bool>(),
    ) {
        // Unrelated text never sits directly under an entry (it would continue its last line).
        let join = |v: &Vec<String>| v.iter().map(|c| format!("{c}\n\n")).collect::<String>();
        let text = format!(
            "# Assumptions\n\n{}{}\n{}{}\n{}",
            join(&before),
            entry(1, conf1, "first", history),
            join(&between).replace("## ", "#### "),
            entry(2, conf2, "second", !history),
            join(&after).replace("## ", "#### "),
        );
        let id = if target_second { "A2" } else { "A1" };
        let u = Update { id: id.into(), status: "VALIDATED".into(), confidence: new_conf, evidence: "threads/b/t/6-learning.md".into(), date: "2026-11-20".into() };
        let (out, _) = apply(&text, std::slice::from_ref(&u)).expect("apply");

        // The target entry changed as asked.
        let doc = Doc::parse(FileId(0), out.clone());
        let all = assumptions(&doc);
        let a = all.iter().find(|a| a.id == id).expect("entry");
        prop_assert_eq!(a.status.as_ref().and_then(|s| s.1), Some("VALIDATED"));
        prop_assert_eq!(a.confidence.as_ref().and_then(|c| c.0), Some(new_conf));
        prop_assert!(a.history.iter().any(|h| h.contains("evidence threads/b/t/6-learning.md")), "{}", out);
        // The other entry did not.
        let other = all.iter().find(|a| a.id != id).expect("other");
        prop_assert_eq!(other.status.as_ref().and_then(|s| s.1), Some("TESTING"));

        // Every old line is still there in order, except the target's status and confidence.
        let old_conf = if target_second { conf2 } else { conf1 };
        let target_start = text.find(&format!("### {id}:")).expect("target");
        let mut skip = vec![("**Status:** ⏳TESTING".to_string(), target_start), (format!("**Confidence:** {old_conf}%"), target_start)];
        let mut new_lines = out.lines();
        let mut offset = 0;
        for line in text.lines() {
            let here = offset;
            offset += line.len() + 1;
            if let Some(i) = skip.iter().position(|(l, after)| l == line && here > *after) {
                skip.remove(i);
                continue;
            }
            if line.is_empty() {
                continue;
            }
            prop_assert!(new_lines.any(|n| n == line), "lost or reordered `{}`:\n{}\n---\n{}", line, text, out);
        }

        // Idempotent.
        let (again, _) = apply(&out, &[u]).expect("apply");
        prop_assert_eq!(again, out);
    }
}

/// Markdown-ish noise: headings, fields, lists, fences, front-matter fences, emphasis and
/// multi-byte characters.
fn noise() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("---\n".to_string()),
        Just("### A1: x\n".to_string()),
        Just("**Status:** ✅VALIDATED\n".to_string()),
        Just("**Confidence:** 40% → 6".to_string()),
        Just("**History:**\n- ".to_string()),
        Just("```\n".to_string()),
        Just("**Ke\ny:** é\n".to_string()),
        Just("- [x] **a:**".to_string()),
        "[ -~é→⚠️\n]{0,20}",
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Parsing and learning never panic on arbitrary text; learning either applies or refuses.
    #[test]
    fn parsing_and_learning_never_panic(text in noise()) {
        let doc = Doc::parse(FileId(0), text.clone());
        let _ = doc.key_span("status");
        let _ = assumptions(&doc);
        let _ = lp_threads::Policy::from_mode_file(&doc);
        let u = Update { id: "A1".into(), status: "VALIDATED".into(), confidence: 50, evidence: "e".into(), date: "2026-01-01".into() };
        if let Ok((out, _)) = apply(&text, &[u]) {
            let doc = Doc::parse(FileId(0), out);
            prop_assert!(assumptions(&doc).iter().any(|a| a.id == "A1"));
        }
        let _ = lp_threads::workspace::set_front_matter_key(&text, "status", "done");
        let _ = lp_threads::workspace::append_run_log(&text, "### 2026-01-01 — check: passed\n");
    }
}
