//! The corpus cases and documentation examples this crate owns, checked without the CLI:
//! every `LP1nnn` case and doc example reports its code when lowered, and every `ir` case
//! lowers clean.

use lp_diagnostics::{Diagnostic, FileId};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Parses and lowers the given texts as one project; `Err` with the syntax errors.
fn lower_texts(texts: &[String]) -> Result<Vec<Diagnostic>, String> {
    let parsed: Vec<_> = texts.iter().enumerate().map(|(i, t)| lp_syntax::parse(FileId(i as u32), t)).collect();
    let syntax: Vec<String> =
        parsed.iter().flat_map(|p| &p.diagnostics).map(|d| format!("{} {}", d.code, d.message)).collect();
    if !syntax.is_empty() {
        return Err(syntax.join("\n"));
    }
    let asts: Vec<_> = parsed.iter().enumerate().map(|(i, p)| (FileId(i as u32), &p.value)).collect();
    Ok(lp_ir::lower(&asts).diagnostics)
}

/// The texts of a case: one file, or every `.adt` of a project folder in sorted order.
fn case_texts(path: &Path) -> Vec<String> {
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .expect("case folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "adt"))
            .collect();
        files.sort();
        files.iter().map(|f| std::fs::read_to_string(f).expect("readable")).collect()
    } else {
        vec![std::fs::read_to_string(path).expect("readable")]
    }
}

fn codes_of(diags: &[Diagnostic]) -> Vec<&'static str> {
    diags.iter().map(|d| d.code.id()).collect()
}

/// The codes this crate emits (`LP1015` belongs to the driver).
fn own_codes() -> Vec<lp_diagnostics::Code> {
    lp_diagnostics::codes::ALL.iter().copied().filter(|c| c.id().starts_with("LP10") && c.id() != "LP1015").collect()
}

#[test]
fn diagnostic_cases_report_their_code() {
    let dir = repo().join("tests/corpus/diagnostics");
    let mut problems = Vec::new();
    for code in own_codes() {
        let stem = format!("{}_{}", code.id(), code.info().name);
        let file = dir.join(format!("{stem}.adt"));
        let path = if file.is_file() { file } else { dir.join(&stem) };
        if !path.exists() {
            problems.push(format!("{}: no case {stem}", code.id()));
            continue;
        }
        match lower_texts(&case_texts(&path)) {
            Err(syntax) => problems.push(format!("{}: syntax errors\n{syntax}", code.id())),
            Ok(diags) if !codes_of(&diags).contains(&code.id()) => {
                problems.push(format!("{}: not reported, got {:?}", code.id(), codes_of(&diags)));
            }
            Ok(_) => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The ```adt block of a code's documentation, split into files at `// NAME.adt` lines.
fn doc_example(doc: &str) -> Option<Vec<String>> {
    let start = doc.find("```adt\n")? + "```adt\n".len();
    let end = start + doc[start..].find("```")?;
    let mut files = vec![String::new()];
    for line in doc[start..end].lines() {
        if line.starts_with("// ") && line.contains(".adt") && !files.last().is_some_and(|f| f.trim().is_empty()) {
            files.push(String::new());
        }
        let current = files.last_mut().expect("a file");
        current.push_str(line);
        current.push('\n');
    }
    Some(files)
}

#[test]
fn documentation_examples_report_their_code() {
    let mut problems = Vec::new();
    for code in own_codes() {
        let doc = code.info().doc;
        let title = format!("# {}: {}\n\n{}\n", code.id(), code.info().name, code.info().summary);
        if !doc.starts_with(&title) || !doc.contains("## What it means") || !doc.contains("## How to fix") {
            problems.push(format!("{}: the doc does not follow the format", code.id()));
            continue;
        }
        let Some(files) = doc_example(doc) else {
            problems.push(format!("{}: no ```adt example", code.id()));
            continue;
        };
        match lower_texts(&files) {
            Err(syntax) => problems.push(format!("{}: syntax errors in the example\n{syntax}", code.id())),
            Ok(diags) if !codes_of(&diags).contains(&code.id()) => {
                problems.push(format!("{}: the example does not report it, got {:?}", code.id(), codes_of(&diags)));
            }
            Ok(_) => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn ir_cases_lower_clean() {
    let dir = repo().join("tests/corpus/ir");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/corpus/ir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "adt"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 4, "too few ir cases");
    for case in cases {
        let text = std::fs::read_to_string(&case).expect("readable");
        assert!(text.starts_with("// command = \"ir\"\n"), "{}: missing the ir header", case.display());
        match lower_texts(std::slice::from_ref(&text)) {
            Err(syntax) => panic!("{}: syntax errors\n{syntax}", case.display()),
            Ok(diags) => {
                let report: Vec<String> = diags
                    .iter()
                    .map(|d| {
                        let at = d.primary.as_ref().map_or("", |l| text.get(l.span.range()).unwrap_or("?"));
                        format!("{} {} at {at:?}", d.code, d.message)
                    })
                    .collect();
                assert!(report.is_empty(), "{} does not lower clean:\n{}", case.display(), report.join("\n"));
            }
        }
    }
}
