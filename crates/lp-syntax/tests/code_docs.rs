//! The documentation of the syntax codes (`crates/lp-diagnostics/docs/LP00nn.md`): written,
//! in the common shape, and with an example that really triggers the code.

use lp_diagnostics::{FileId, codes};

#[test]
fn syntax_code_docs_are_written_and_their_examples_trigger_them() {
    for code in codes::ALL.iter().filter(|c| c.id().starts_with("LP00")) {
        let info = code.info();
        let doc = info.doc;
        assert!(!doc.contains("TODO-DOC"), "{} is not documented", info.id);
        let title = format!("# {}: {}\n\n{}\n\n## What it means\n\n", info.id, info.name, info.summary);
        assert!(doc.starts_with(&title), "{} does not start with its title and summary", info.id);
        let what = doc.find("## What it means").unwrap_or(usize::MAX);
        let example = doc.find("## Example").unwrap_or(usize::MAX);
        let fix = doc.find("## How to fix").unwrap_or(usize::MAX);
        assert!(what < example && example < fix && fix < usize::MAX, "{}: sections out of order", info.id);
        let Some(start) = doc.find("```adt\n") else {
            // Codes about a file's bytes or type cannot be shown as text.
            assert!(["LP0005", "LP0006", "LP0010", "LP0015"].contains(&info.id), "{} has no adt example", info.id);
            continue;
        };
        let body = &doc[start + 7..];
        let source = &body[..body.find("```").expect("closed code block")];
        let parsed = lp_syntax::parse(FileId(0), source);
        assert!(
            parsed.diagnostics.iter().any(|d| d.code == *code),
            "the example of {} does not trigger it: {:?}",
            info.id,
            parsed.diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>()
        );
    }
}
