//! The corpus cases and documentation examples of the ADT, totality, behaviour and composition codes
//! report what they claim: each `diagnostics/LPnnnn_*.adt` case and each doc's ```adt example
//! triggers its code, and each `passes/*.adt` case fails exactly the obligations its
//! `// expects:` line lists, in order.

use lp_check::{Goal, Verdict};
use lp_diagnostics::{Diagnostic, FileId};
use std::path::{Path, PathBuf};

const CODES: &[&str] = &[
    "LP2001", "LP2002", "LP2003", "LP2004", "LP2005", "LP3020", "LP3021", "LP3022", "LP3023", "LP3024", "LP6001",
    "LP6002", "LP6003", "LP6020", "LP6021",
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The diagnostics of this crate's passes for one spec text (lowering must be clean).
fn diagnostics(name: &str, text: &str) -> Vec<Diagnostic> {
    let parsed = lp_syntax::parse(FileId(0), text);
    assert!(parsed.diagnostics.is_empty(), "{name}: parse: {:?}", parsed.diagnostics);
    let lowered = lp_ir::lower(&[(FileId(0), &parsed.value)]);
    let errors: Vec<_> = lowered.diagnostics.iter().filter(|d| d.is_error()).map(|d| &d.message).collect();
    assert!(errors.is_empty(), "{name}: lower: {errors:?}");
    let spec = lowered.value;
    let mut out: Vec<Diagnostic> = lp_check::obligations(&spec)
        .iter()
        .filter_map(|ob| match &ob.goal {
            Goal::Decided(v) => lp_check::diagnostic_for(ob, v),
            _ => None,
        })
        .collect();
    out.extend(lp_check::hints(&spec));
    out
}

#[test]
fn every_code_has_a_corpus_case_that_reports_it() {
    let dir = repo().join("tests/corpus/diagnostics");
    for code in CODES {
        let info = lp_diagnostics::codes::Code::lookup(code).expect("registered").info();
        let path = dir.join(format!("{}_{}.adt", info.id, info.name));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let found = diagnostics(code, &text);
        assert!(found.iter().any(|d| d.code.id() == *code), "{code}: the case reports {found:?}");
    }
}

#[test]
fn every_doc_example_triggers_its_code() {
    for code in CODES {
        let doc = lp_diagnostics::codes::Code::lookup(code).expect("registered").info().doc;
        let example = doc.split("```adt\n").nth(1).and_then(|rest| rest.split("```").next());
        let example = example.unwrap_or_else(|| panic!("{code}: no ```adt example"));
        let found = diagnostics(code, example);
        assert!(found.iter().any(|d| d.code.id() == *code), "{code}: the example reports {found:?}");
    }
}

#[test]
fn pass_cases_fail_exactly_what_they_expect() {
    let dir = repo().join("tests/corpus/passes");
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(&dir).expect("passes dir").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    let mut checked = 0;
    for path in entries.iter().filter(|p| p.extension().is_some_and(|e| e == "adt")) {
        let text = std::fs::read_to_string(path).expect("read case");
        let expects: Vec<&str> = text
            .lines()
            .find_map(|l| l.strip_prefix("// expects:"))
            .unwrap_or_else(|| panic!("{}: no `// expects:` line", path.display()))
            .split_whitespace()
            .collect();
        let name = path.display().to_string();
        let found = diagnostics(&name, &text);
        let codes: Vec<&str> = found.iter().map(|d| d.code.id()).collect();
        assert_eq!(codes, expects, "{name}: {found:#?}");
        for d in &found {
            assert!(!d.notes.is_empty(), "{name}: {} has no counterexample", d.code);
        }
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} cases");
}

#[test]
fn verdicts_of_decided_obligations_are_never_unknown() {
    let dir = repo().join("tests/corpus/passes");
    for entry in std::fs::read_dir(&dir).expect("passes dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "adt") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        let parsed = lp_syntax::parse(FileId(0), &text);
        let spec = lp_ir::lower(&[(FileId(0), &parsed.value)]).value;
        for ob in lp_check::obligations(&spec) {
            if let Goal::Decided(v) = &ob.goal {
                assert!(!matches!(v, Verdict::Unknown { .. }), "{}: {}", path.display(), ob.id);
            }
        }
    }
}
