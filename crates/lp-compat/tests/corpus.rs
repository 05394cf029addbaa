//! The compatibility corpus: `tests/corpus/compat/<case>/{old.adt,new.adt}` with the expected
//! report in `expected.txt` beside them (every change with its status, rule, path and the
//! categories it breaks, every migration verdict, and the codes of the diagnostics).
//!
//! Run with `UPDATE_EXPECT=1` to rewrite the expectations, then read the diff.

use lp_compat::{Report, Version};
use lp_diagnostics::FileId;
use lp_syntax::ast::SourceFileAst;
use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus/compat")
}

fn parse(file: FileId, text: &str) -> SourceFileAst {
    let parsed = lp_syntax::parse(file, text);
    assert!(!parsed.diagnostics.iter().any(|d| d.is_error()), "{:?}", parsed.diagnostics);
    parsed.value
}

/// Diffs two spec texts and discharges every obligation with z3.
pub fn run(old: &str, new: &str) -> Report {
    let (new_ast, old_ast) = (parse(FileId(0), new), parse(FileId(1), old));
    let new_files = [(FileId(0), &new_ast)];
    let old_files = [(FileId(1), &old_ast)];
    let new_spec = lp_ir::lower(&new_files);
    let old_spec = lp_ir::lower(&old_files);
    for d in new_spec.diagnostics.iter().chain(&old_spec.diagnostics) {
        assert!(!d.is_error(), "{d:?}");
    }
    let plan = lp_compat::plan(
        Version { spec: &old_spec.value, files: &old_files },
        Version { spec: &new_spec.value, files: &new_files },
    );
    let smt = lp_smt::SmtOptions { timeout_ms: 10_000 };
    let discharge = |spec: &lp_ir::Spec, ob: &lp_check::Obligation| match &ob.goal {
        lp_check::Goal::Decided(v) => v.clone(),
        lp_check::Goal::Smt(g) => lp_smt::discharge(spec, g, &smt),
        lp_check::Goal::Law(_) | lp_check::Goal::Run(_) => panic!("compat emits no law or run goals"),
    };
    let q: Vec<_> = plan.questions.iter().map(|ob| discharge(&new_spec.value, ob)).collect();
    let m: Vec<_> = match &plan.workspace {
        Some(ws) => ws.obligations.iter().map(|ob| discharge(&ws.spec, ob)).collect(),
        None => Vec::new(),
    };
    let mut m = m;
    lp_compat::test_round_trips(&plan, &mut m, 64, 7);
    lp_compat::finish(plan, &new_spec.value, &q, &m)
}

/// The expectation text of a report.
pub fn render(report: &Report) -> String {
    let mut out = lp_compat::output::human(report);
    for d in &report.diagnostics {
        out.push_str(&format!("{}[{}]: {}\n", d.severity.as_str(), d.code, d.message));
        for n in &d.notes {
            out.push_str(&format!("  note: {n}\n"));
        }
    }
    out
}

#[test]
fn every_case_matches_its_expectation() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("corpus folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 40, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let read =
            |n: &str| std::fs::read_to_string(case.join(n)).unwrap_or_else(|e| panic!("{}: {e}", case.display()));
        let report = run(&read("old.adt"), &read("new.adt"));
        let got = render(&report);
        let expected_path = case.join("expected.txt");
        if update {
            std::fs::write(&expected_path, &got).expect("write expectation");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != expected {
            failures.push(format!("{}:\n--- expected\n{expected}--- got\n{got}", case.display()));
        }
        // A case named after a rule must report that rule.
        let name = case.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if let Some(rule) = lp_compat::Rule::lookup(&name) {
            assert!(
                report.changes.iter().any(|(c, _)| c.rule == rule),
                "{}: the case does not report {}",
                case.display(),
                rule.id
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_a_case() {
    for rule in lp_compat::rules::ALL {
        assert!(corpus_dir().join(rule.id).join("old.adt").is_file(), "no corpus case for {}", rule.id);
    }
}

#[test]
fn subscription_billing_v1_to_v2_is_accepted() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec-examples/subscription-billing");
    let read = |v: &str| std::fs::read_to_string(dir.join(v).join("spec/billing.adt")).expect("example");
    let report = run(&read("v1"), &read("v2"));
    let text = render(&report);
    assert!(report.is_ok(), "{text}");
    let status = |rule: &str, path: &str| {
        report.changes.iter().find(|(c, _)| c.rule.id == rule && c.path == path).map(|(_, s)| s.clone())
    };
    assert_eq!(status("FIELD_REMOVED", "Customer.name"), Some(lp_compat::Status::Migrated), "{text}");
    assert_eq!(status("FIELD_ADDED_REQUIRED", "Customer.full_name"), Some(lp_compat::Status::Migrated), "{text}");
    assert_eq!(status("FIELD_ADDED_OPTIONAL", "Subscription.tax_id"), Some(lp_compat::Status::Compatible), "{text}");
    assert!(matches!(status("VARIANT_ADDED", "Plan.Enterprise"), Some(lp_compat::Status::Allowed(_))), "{text}");
    let verdicts: Vec<(&str, &str)> = report.migrations.iter().map(|(o, v)| (o.id.as_str(), v.name())).collect();
    assert_eq!(
        verdicts,
        [
            ("versions/migrate.Customer/total", "proved"),
            ("versions/migrate.Customer/back-total", "proved"),
            ("versions/migrate.Customer/round-trip", "proved"),
            ("versions/migrate.Subscription/total", "proved"),
            ("versions/migrate.Subscription/round-trip", "proved"),
        ],
        "{text}"
    );
}

/// Seeded defects in the example's migration must each be caught.
#[test]
fn broken_billing_migrations_fail() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec-examples/subscription-billing");
    let read = |v: &str| std::fs::read_to_string(dir.join(v).join("spec/billing.adt")).expect("example");
    let (v1, v2) = (read("v1"), read("v2"));
    let cases = [
        // The back rule does not undo the forward one.
        ("back Customer.name <- new.full_name", "back Customer.name <- \"x\"", "LP5005"),
        // No back rule: `name` is lost on the way back.
        ("  back Customer.name <- new.full_name\n", "", "LP5005"),
        // The forward rule can give an empty name, which `len(self) >= 1` rejects.
        ("Customer.full_name <- old.name", "Customer.full_name <- \"\"", "LP5004"),
        // Without the allow, the new variant is an unhandled break.
        ("allow VARIANT_ADDED on Plan.Enterprise", "allow VARIANT_ADDED on Plan.Gold", "LP5001"),
    ];
    for (from, to, code) in cases {
        assert!(v2.contains(from), "{from}");
        let report = run(&v1, &v2.replacen(from, to, 1));
        let codes: Vec<&str> = report.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.code.id()).collect();
        assert!(codes.contains(&code), "{from} -> {to}: expected {code}, got {codes:?}\n{}", render(&report));
    }
}

#[test]
fn the_report_is_deterministic() {
    let dir = corpus_dir();
    for case in ["migrate-not-total", "REFINEMENT_WIDENED", "migrate-covers-rename"] {
        let read = |n: &str| std::fs::read_to_string(dir.join(case).join(n)).expect("case");
        let (a, b) = (run(&read("old.adt"), &read("new.adt")), run(&read("old.adt"), &read("new.adt")));
        assert_eq!(render(&a), render(&b), "{case}");
        let v = lp_compat::output::Versions::default();
        assert_eq!(lp_compat::output::versions_yaml(&a, &v), lp_compat::output::versions_yaml(&b, &v), "{case}");
    }
}

#[test]
fn an_undecided_question_is_taken_as_breaking() {
    // `unknown` from the solver never passes: the narrowing is reported with the reason.
    let dir = corpus_dir().join("REFINEMENT_NARROWED");
    let read = |n: &str| std::fs::read_to_string(dir.join(n)).expect("case");
    let (old_src, new_src) = (read("old.adt"), read("new.adt"));
    let (new_ast, old_ast) = (parse(FileId(0), &new_src), parse(FileId(1), &old_src));
    let (new_files, old_files) = ([(FileId(0), &new_ast)], [(FileId(1), &old_ast)]);
    let (new, old) = (lp_ir::lower(&new_files).value, lp_ir::lower(&old_files).value);
    let plan = lp_compat::plan(Version { spec: &old, files: &old_files }, Version { spec: &new, files: &new_files });
    let unknown = lp_check::Verdict::Unknown { reason: "timeout".into() };
    let verdicts = vec![unknown; plan.questions.len()];
    let report = lp_compat::finish(plan, &new, &verdicts, &[]);
    let (change, status) = &report.changes[0];
    assert_eq!(change.rule.id, "REFINEMENT_NARROWED");
    assert_eq!(*status, lp_compat::Status::Breaking);
    assert!(change.note.as_deref().is_some_and(|n| n.contains("timeout")), "{:?}", change.note);
    assert!(!report.is_ok());
}

/// The property-test way of deciding a round trip (used when z3 cannot): it passes a correct
/// migration and finds the defect of a wrong one.
#[test]
fn round_trips_are_property_tested() {
    let dir = corpus_dir();
    for (case, fails) in [("migrate-covers-rename", false), ("migrate-not-reversible", true)] {
        let read = |n: &str| std::fs::read_to_string(dir.join(case).join(n)).expect("case");
        let (old_src, new_src) = (read("old.adt"), read("new.adt"));
        let (new_ast, old_ast) = (parse(FileId(0), &new_src), parse(FileId(1), &old_src));
        let (new_files, old_files) = ([(FileId(0), &new_ast)], [(FileId(1), &old_ast)]);
        let (new, old) = (lp_ir::lower(&new_files).value, lp_ir::lower(&old_files).value);
        let plan =
            lp_compat::plan(Version { spec: &old, files: &old_files }, Version { spec: &new, files: &new_files });
        let ws = plan.workspace.as_ref().expect("a workspace");
        let rt = ws.round_trips.first().expect("a round trip");
        match lp_compat::roundtrip::test(&ws.spec, rt, 200, 11) {
            lp_check::Verdict::Tested { cases, seed } => {
                assert!(!fails, "{case}: the defect was not found");
                assert_eq!((cases, seed), (200, 11));
            }
            lp_check::Verdict::Failed { counterexample } => {
                assert!(fails, "{case}: {}", counterexample.summary);
                assert!(counterexample.summary.contains("going back gives `note`"), "{}", counterexample.summary);
            }
            other => panic!("{case}: {other:?}"),
        }
        // Through `test_round_trips`, only an undecided verdict is replaced.
        let n = ws.obligations.len();
        let mut verdicts = vec![lp_check::Verdict::Unknown { reason: "timeout".into() }; n];
        lp_compat::test_round_trips(&plan, &mut verdicts, 50, 3);
        let i = ws.obligations.iter().position(|o| o.kind == "migration-round-trip").expect("round trip");
        assert_eq!(verdicts[i].name(), if fails { "failed" } else { "tested" }, "{case}");
        assert!(verdicts.iter().enumerate().all(|(j, v)| j == i || v.name() == "unknown"));
    }
}
