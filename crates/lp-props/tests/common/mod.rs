//! Helpers shared by the lp-props tests: lowering spec text and discharging the functor
//! pass's law obligations.

#![allow(dead_code)]

use lp_check::{Goal, Obligation, Verdict};
use lp_diagnostics::FileId;
use lp_ir::Spec;
use lp_props::{MapImpl, PropsOptions};

/// Lowers one spec file, which must be free of errors.
pub fn lower(src: &str) -> Spec {
    let file = FileId(0);
    let parsed = lp_syntax::parse(file, src);
    assert!(parsed.diagnostics.is_empty(), "parse errors: {:?}", parsed.diagnostics);
    let lowered = lp_ir::lower(&[(file, &parsed.value)]);
    assert!(lowered.diagnostics.is_empty(), "lowering errors: {:?}", lowered.diagnostics);
    lowered.value
}

/// The case count: 256 by default, `PROPTEST_CASES` to scale it.
pub fn opts() -> PropsOptions {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(256);
    PropsOptions { cases, ..PropsOptions::default() }
}

/// The functor pass's obligation with this id.
pub fn obligation(spec: &Spec, id: &str) -> Obligation {
    let obs = lp_check::passes::functor::obligations(spec);
    let ids: Vec<String> = obs.iter().map(|o| o.id.clone()).collect();
    obs.into_iter().find(|o| o.id == id).unwrap_or_else(|| panic!("no obligation {id}; have {ids:?}"))
}

/// Discharges one law obligation with a `map` implementation.
pub fn discharge_with(spec: &Spec, ob: &Obligation, imp: &dyn MapImpl) -> Verdict {
    let Goal::Law(goal) = &ob.goal else { panic!("{} is not a law", ob.id) };
    lp_props::discharge_with(spec, goal, &opts(), imp)
}

/// Discharges one law obligation with the derived `map`.
pub fn discharge(spec: &Spec, ob: &Obligation) -> Verdict {
    let Goal::Law(goal) = &ob.goal else { panic!("{} is not a law", ob.id) };
    lp_props::discharge(spec, goal, &opts())
}

/// Discharges the obligation `id` of `src`, asserts it fails with `code`, and returns the
/// counterexample's summary.
pub fn failure(src: &str, id: &str, code: &str) -> String {
    let spec = lower(src);
    let ob = obligation(&spec, id);
    let verdict = discharge(&spec, &ob);
    failure_of(&ob, &verdict, code)
}

/// Asserts that `verdict` is a failure reported with `code`, and returns its summary.
pub fn failure_of(ob: &Obligation, verdict: &Verdict, code: &str) -> String {
    let Verdict::Failed { counterexample } = verdict else { panic!("{} should fail, got {verdict:?}", ob.id) };
    let d = lp_check::diagnostic_for(ob, verdict).expect("a failure has a diagnostic");
    assert_eq!(d.code.id(), code, "{}", ob.id);
    assert!(d.notes.iter().any(|n| n.contains(&counterexample.summary)), "{:?}", d.notes);
    counterexample.summary.clone()
}

/// Lowers every `.adt` file under `dir` (sorted) as one project.
pub fn lower_project(dir: &std::path::Path) -> Spec {
    let mut files = Vec::new();
    collect_adt(dir, &mut files);
    files.sort();
    let texts: Vec<String> = files.iter().map(|p| std::fs::read_to_string(p).expect("read")).collect();
    let parsed: Vec<_> =
        texts.iter().enumerate().map(|(i, t)| (FileId(i as u32), lp_syntax::parse(FileId(i as u32), t))).collect();
    let asts: Vec<_> = parsed.iter().map(|(id, p)| (*id, &p.value)).collect();
    let lowered = lp_ir::lower(&asts);
    assert!(lowered.diagnostics.iter().all(|d| !d.is_error()), "{}: {:?}", dir.display(), lowered.diagnostics);
    lowered.value
}

/// Lowers every `.adt` file under `dir` (sorted) as one project, after replacing `from` by
/// `to` in the files that contain it (exactly one must).
pub fn lower_mutated(dir: &std::path::Path, from: &str, to: &str) -> Spec {
    let mut files = Vec::new();
    collect_adt(dir, &mut files);
    files.sort();
    let texts: Vec<String> = files.iter().map(|p| std::fs::read_to_string(p).expect("read")).collect();
    assert_eq!(texts.iter().filter(|t| t.contains(from)).count(), 1, "the mutation site {from:?} must be unique");
    let texts: Vec<String> = texts.into_iter().map(|t| t.replace(from, to)).collect();
    let parsed: Vec<_> =
        texts.iter().enumerate().map(|(i, t)| (FileId(i as u32), lp_syntax::parse(FileId(i as u32), t))).collect();
    let asts: Vec<_> = parsed.iter().map(|(id, p)| (*id, &p.value)).collect();
    let lowered = lp_ir::lower(&asts);
    assert!(lowered.diagnostics.iter().all(|d| !d.is_error()), "{}: {:?}", dir.display(), lowered.diagnostics);
    lowered.value
}

fn collect_adt(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let p = entry.expect("entry").path();
        if p.is_dir() {
            collect_adt(&p, out);
        } else if p.extension().is_some_and(|e| e == "adt") {
            out.push(p);
        }
    }
}
