//! Runs the parser over the shared corpus (`tests/corpus` at the workspace root): grammar cases
//! parse without any diagnostic, every grammar production has a case, and each syntax
//! diagnostic case reports the code it is named after.

use lp_diagnostics::{Diagnostic, FileId, codes};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corpus() -> PathBuf {
    root().join("tests/corpus")
}

/// Every `*.adt` file below `dir`, sorted.
fn adt_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "adt") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn parse_file(path: &Path) -> (String, Vec<Diagnostic>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = lp_syntax::decode(&bytes).unwrap_or_else(|d| panic!("{}: {}", path.display(), d.message)).to_string();
    let parsed = lp_syntax::parse(FileId(0), &text);
    (text, parsed.diagnostics)
}

fn show(path: &Path, diags: &[Diagnostic]) -> String {
    let mut s = format!("{}:\n", path.display());
    for d in diags {
        let at = d.primary.as_ref().map(|l| (l.span.start, l.span.end));
        s.push_str(&format!("  {} {:?} {}\n", d.code, at, d.message));
    }
    s
}

/// The production names of `grammar/leanos.ebnf`: every `name = ...` at the start of a line.
fn productions() -> BTreeSet<String> {
    let grammar = std::fs::read_to_string(root().join("grammar/leanos.ebnf")).expect("grammar/leanos.ebnf");
    grammar
        .lines()
        .filter(|line| !line.starts_with(char::is_whitespace))
        .filter_map(|line| line.split_once('='))
        .map(|(name, _)| name.trim_end())
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .map(str::to_string)
        .collect()
}

#[test]
fn grammar_cases_parse_without_diagnostics() {
    let files = adt_files(&corpus().join("grammar"));
    assert!(!files.is_empty(), "no grammar cases found");
    let mut failures = String::new();
    for path in &files {
        let (_, diags) = parse_file(path);
        if !diags.is_empty() {
            failures.push_str(&show(path, &diags));
        }
    }
    assert!(failures.is_empty(), "grammar cases with diagnostics:\n{failures}");
}

#[test]
fn every_production_has_a_grammar_case() {
    let productions = productions();
    assert!(productions.len() > 50, "found only {} productions", productions.len());
    assert!(productions.contains("type_decl") && productions.contains("IDENT"));
    let missing: Vec<_> =
        productions.iter().filter(|p| !corpus().join("grammar").join(format!("{p}.adt")).exists()).collect();
    assert!(missing.is_empty(), "productions without a case in tests/corpus/grammar: {missing:?}");
}

#[test]
fn syntax_diagnostic_cases_report_their_code() {
    let mut failures = String::new();
    let mut seen = BTreeSet::new();
    for path in adt_files(&corpus().join("diagnostics")) {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        let Some((id, name)) = stem.split_once('_') else { continue };
        if !id.starts_with("LP00") {
            continue;
        }
        let code = codes::Code::lookup(id).unwrap_or_else(|| panic!("{}: unknown code {id}", path.display()));
        assert_eq!(name, code.info().name, "{}: the name after the code must be the code's name", path.display());
        let (_, diags) = parse_file(&path);
        if !diags.iter().any(|d| d.code == code) {
            failures.push_str(&format!("does not report {id}: {}", show(&path, &diags)));
        }
        seen.insert(id.to_string());
    }
    assert!(failures.is_empty(), "{failures}");
    // Codes whose input cannot be a text file are tested in `decode.rs` instead, and LP0015
    // (a FIFO or a device as a spec path) in lp-cli's `tests/cli.rs`.
    let untestable = ["LP0005", "LP0006", "LP0010", "LP0015"];
    let missing: Vec<_> = codes::ALL
        .iter()
        .map(|c| c.id())
        .filter(|id| id.starts_with("LP00") && !untestable.contains(id) && !seen.contains(*id))
        .collect();
    assert!(missing.is_empty(), "syntax codes without a case in tests/corpus/diagnostics: {missing:?}");
}

#[test]
fn syntax_diagnostic_cases_report_nothing_else() {
    // Each case shows one problem, so that its snapshot documents exactly that code.
    for path in adt_files(&corpus().join("diagnostics")) {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let Some((id, _)) = stem.split_once('_') else { continue };
        if !id.starts_with("LP00") {
            continue;
        }
        let (_, diags) = parse_file(&path);
        assert!(diags.iter().all(|d| d.code.id() == id), "{}", show(&path, &diags));
    }
}

#[test]
fn many_errors_are_all_reported() {
    let path = corpus().join("diagnostics/many_errors.adt");
    let (text, diags) = parse_file(&path);
    let codes: BTreeSet<_> = diags.iter().map(|d| d.code.id()).collect();
    assert!(diags.len() >= 8, "{}", show(&path, &diags));
    assert!(codes.len() >= 5, "expected at least 5 different codes: {}", show(&path, &diags));
    // Errors come from lines spread over the file, not from one item.
    let lines: BTreeSet<_> = diags
        .iter()
        .filter_map(|d| d.primary.as_ref())
        .map(|l| text[..l.span.start as usize].matches('\n').count())
        .collect();
    assert!(lines.len() >= 8, "{}", show(&path, &diags));
}

#[test]
fn every_adt_file_in_the_repository_parses_without_panicking() {
    let mut files = adt_files(&corpus());
    // The example projects' spec files as the CLI finds them (not a build output's reports).
    files.extend(lp_test_support::example_spec_files());
    for path in files {
        let Ok(bytes) = std::fs::read(&path) else { continue };
        if let Ok(text) = lp_syntax::decode(&bytes) {
            let parsed = lp_syntax::parse(FileId(0), text);
            for d in &parsed.diagnostics {
                let label = d.primary.as_ref().unwrap_or_else(|| panic!("{}: {} has no label", path.display(), d.code));
                assert!(label.span.end as usize <= text.len() && label.span.start <= label.span.end);
                assert!(!label.message.is_empty(), "{}: {} has an empty label", path.display(), d.code);
            }
        }
    }
}
