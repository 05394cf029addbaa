//! Loading the example specs for the OpenAPI tests.

use lp_diagnostics::FileId;
use lp_ir::Spec;
use std::path::{Path, PathBuf};

pub const EXAMPLES: &[&str] =
    &["order-fulfilment", "catalog-sync", "subscription-billing/v1", "subscription-billing/v2"];

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The resolved spec of an example project, which must lower without errors.
pub fn example(dir: &str) -> Spec {
    fn adt_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> =
            std::fs::read_dir(dir).expect("read dir").map(|e| e.expect("entry").path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                adt_files(&p, out);
            } else if p.extension().is_some_and(|e| e == "adt") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    adt_files(&repo().join("spec-examples").join(dir), &mut files);
    let texts: Vec<String> = files.iter().map(|f| std::fs::read_to_string(f).expect("read spec")).collect();
    let parsed: Vec<_> = texts.iter().enumerate().map(|(i, t)| lp_syntax::parse(FileId(i as u32), t)).collect();
    let asts: Vec<_> = parsed.iter().enumerate().map(|(i, p)| (FileId(i as u32), &p.value)).collect();
    let lowered = lp_ir::lower(&asts);
    assert!(!lowered.diagnostics.iter().any(|d| d.is_error()), "{dir}: {:?}", lowered.diagnostics);
    lowered.value
}
