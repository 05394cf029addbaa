//! The example of each code this discharger reports (in `crates/lp-diagnostics/docs`), and
//! its corpus case (`tests/corpus/diagnostics/LPnnnn_name.adt`), really trigger it: some
//! obligation with that code fails (or, for LP3000, is undecided), and nothing else does.

mod common;

use lp_check::Verdict;
use lp_diagnostics::codes;

fn example_of(code: lp_diagnostics::Code) -> String {
    let doc = code.info().doc;
    let start = doc.find("```adt\n").unwrap_or_else(|| panic!("{code} has no ```adt example")) + "```adt\n".len();
    let len = doc[start..].find("```").unwrap_or_else(|| panic!("{code}'s example is not closed"));
    doc[start..start + len].to_string()
}

const CODES: [lp_diagnostics::Code; 8] = [
    codes::UNSATISFIABLE_REFINEMENT,
    codes::UNSATISFIABLE_FIELD_REFINEMENT,
    codes::UNDECIDED,
    codes::ENSURES_FAILS,
    codes::RESULT_REFINEMENT_FAILS,
    codes::PRECONDITION_VIOLATED_AT_CALL,
    codes::VACUOUS_PRECONDITION,
    codes::POSSIBLE_DIVISION_BY_ZERO,
];

/// The codes of the obligations of `src` that do not pass.
fn reported(src: &str) -> Vec<&'static str> {
    let spec = common::spec(src);
    let mut out: Vec<&'static str> = common::smt_obligations(&spec)
        .iter()
        .filter_map(|ob| match common::discharge_with(&spec, ob, &lp_smt::SmtOptions { timeout_ms: 200 }) {
            Verdict::Unknown { .. } => Some(codes::UNDECIDED.id()),
            Verdict::Failed { .. } => Some(ob.report.code.id()),
            _ => None,
        })
        .collect();
    out.dedup();
    out
}

#[test]
fn each_code_example_triggers_its_code() {
    let mut problems = Vec::new();
    for code in CODES {
        let found = reported(&example_of(code));
        if !found.contains(&code.id()) {
            problems.push(format!("{code}: {found:?}"));
        }
    }
    assert!(problems.is_empty(), "examples that do not trigger their code: {problems:?}");
}

#[test]
fn each_corpus_case_reports_its_code_and_nothing_else() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus/diagnostics");
    let mut problems = Vec::new();
    for code in CODES {
        let path = dir.join(format!("{}_{}.adt", code.id(), code.info().name));
        let Ok(src) = std::fs::read_to_string(&path) else {
            problems.push(format!("{code}: no case {}", path.display()));
            continue;
        };
        let found = reported(&src);
        if found != [code.id()] {
            problems.push(format!("{code}: {found:?}"));
        }
    }
    assert!(problems.is_empty(), "corpus cases: {problems:?}");
}
