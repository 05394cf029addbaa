//! Helpers shared by the lowering tests: parse, lower, find a diagnostic.

#![allow(dead_code)]

use lp_diagnostics::{Diagnostic, FileId};
use lp_ir::Spec;

/// Parses and lowers one file; panics on syntax errors, which would make the test
/// meaningless.
pub fn lower(src: &str) -> (Spec, Vec<Diagnostic>) {
    lower_files(&[src])
}

/// Parses and lowers several files of one project, `FileId(i)` for the `i`-th.
pub fn lower_files(srcs: &[&str]) -> (Spec, Vec<Diagnostic>) {
    let parsed: Vec<_> = srcs
        .iter()
        .enumerate()
        .map(|(i, src)| {
            let p = lp_syntax::parse(FileId(i as u32), src);
            assert!(p.diagnostics.is_empty(), "syntax errors in test input:\n{src}\n{:#?}", p.diagnostics);
            p.value
        })
        .collect();
    let files: Vec<_> = parsed.iter().enumerate().map(|(i, ast)| (FileId(i as u32), ast)).collect();
    let out = lp_ir::lower(&files);
    (out.value, out.diagnostics)
}

/// Lowers `src` and asserts it is clean.
pub fn lower_clean(src: &str) -> Spec {
    let (spec, diags) = lower(src);
    assert!(diags.is_empty(), "unexpected diagnostics:\n{}", describe(src, &diags));
    spec
}

/// The first diagnostic with `code`; panics with every diagnostic when there is none.
pub fn find<'d>(src: &str, diags: &'d [Diagnostic], code: &str) -> &'d Diagnostic {
    diags
        .iter()
        .find(|d| d.code.id() == code)
        .unwrap_or_else(|| panic!("no {code} for:\n{src}\ngot:\n{}", describe(src, diags)))
}

/// The source text under a diagnostic's primary label.
pub fn primary_text<'s>(src: &'s str, d: &Diagnostic) -> &'s str {
    let label = d.primary.as_ref().expect("a primary label");
    &src[label.span.range()]
}

/// Asserts that lowering `src` reports `code` with its primary label on `text`.
pub fn expect(src: &str, code: &str, text: &str) -> Diagnostic {
    let (_, diags) = lower(src);
    let d = find(src, &diags, code);
    assert_eq!(primary_text(src, d), text, "wrong span for {code}: {}", describe(src, &diags));
    d.clone()
}

/// One line per diagnostic: code, message, primary text, help.
pub fn describe(src: &str, diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| {
            let at = d.primary.as_ref().map_or("", |l| src.get(l.span.range()).unwrap_or("?"));
            format!("{} {} @ {at:?} help={:?}\n", d.code, d.message, d.help)
        })
        .collect()
}
