//! Tests of the build session on in-memory files: project resolution, file order, version
//! headers, and that formatting never changes the meaning of a spec.

use lp_driver::fs::{MemFs, OsFs};
use std::path::{Path, PathBuf};

fn codes(outcome: &lp_driver::CheckOutcome) -> Vec<&'static str> {
    outcome.diagnostics.iter().map(|d| d.code.id()).collect()
}

#[test]
fn project_files_are_found_in_sorted_order_and_output_is_skipped() {
    let fs = MemFs::new();
    fs.insert("p/leanos.toml", "[project]\nname = \"p\"\nversion = \"1.0.0\"\nspecs = [\"spec\"]\n");
    fs.insert("p/spec/b.adt", "type B = A\n");
    fs.insert("p/spec/a.adt", "spec p version 1.0.0\ntype A = Int\n");
    fs.insert("p/spec/.hidden/c.adt", "type C = Nope\n");
    fs.insert("p/spec/notes.txt", "not a spec");
    let outcome = lp_driver::check(&fs, Path::new("p")).expect("loads");
    let names: Vec<&str> = outcome.files.iter().map(|f| outcome.db.get(f.file).name.as_str()).collect();
    assert_eq!(names, ["p/spec/a.adt", "p/spec/b.adt"]);
    assert!(outcome.diagnostics.is_empty(), "{:?}", outcome.diagnostics);
}

#[test]
fn header_version_must_match_the_project() {
    let fs = MemFs::new();
    fs.insert("p/leanos.toml", "[project]\nname = \"p\"\nversion = \"1.0.0\"\n");
    fs.insert("p/a.adt", "spec p version 1.2.0\ntype A = Int\n");
    let outcome = lp_driver::check(&fs, Path::new("p")).expect("loads");
    assert_eq!(codes(&outcome), ["LP1016"]);
}

#[test]
fn invalid_project_files_point_into_the_toml() {
    for (toml, needle) in [
        ("[project]\nname = \"p\"\n", "missing field `version`"),
        ("[project]\nname = \"p\"\nversion = \"1.0\"\n", "MAJOR.MINOR.PATCH"),
        ("[project]\nname = \"p\"\nversion = \"1.0.0\"\nspecz = []\n", "unknown field `specz`"),
        ("[project]\nname = \"p\"\nversion = \"1.0.0\"\nspecs = [\"nope\"]\n", "does not exist"),
        ("[project]\nname = \"p\"\nversion = \"1.0.0\"\n[build]\ntargets = [\"cobol\"]\n", "unknown variant `cobol`"),
        ("[project\n", "invalid"),
    ] {
        let fs = MemFs::new();
        fs.insert("p/leanos.toml", toml);
        fs.insert("p/a.adt", "type A = Int\n");
        let outcome = lp_driver::check(&fs, Path::new("p")).expect("loads");
        assert_eq!(codes(&outcome), ["LP1015"], "for {toml:?}");
        assert!(
            outcome.diagnostics[0].message.contains(needle),
            "{:?} lacks {needle:?}",
            outcome.diagnostics[0].message
        );
    }
}

#[test]
fn syntax_errors_stop_before_resolution() {
    let fs = MemFs::new();
    fs.insert("a.adt", "type A = { a: Int\ntype B = Missing\n");
    let outcome = lp_driver::check(&fs, Path::new("a.adt")).expect("loads");
    assert!(outcome.spec.is_none());
    assert!(outcome.diagnostics.iter().all(|d| d.code.id().starts_with("LP0")), "{:?}", codes(&outcome));
    assert!(!outcome.diagnostics.is_empty());
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn adt_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            adt_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "adt") {
            out.push(p);
        }
    }
}

/// Formatting changes layout only: for every corpus and example file that checks clean, the
/// formatted text checks clean too, prints the same IR, and formats to itself.
#[test]
fn fmt_preserves_the_ir_of_every_clean_file() {
    let mut files = Vec::new();
    adt_files(&repo().join("tests/corpus"), &mut files);
    // The example projects' spec files as the CLI finds them (not a build output's reports).
    files.extend(lp_test_support::example_spec_files());
    let mut compared = 0;
    for path in &files {
        let before = lp_driver::check(&OsFs, path).expect("readable");
        if before.error_count() > 0 || before.files.len() != 1 {
            continue;
        }
        let Some(ir_before) = lp_driver::ir_text(&before) else { continue };
        let (_, _, formatted) = lp_driver::format_files(&OsFs, path).expect("readable");
        let text = &formatted[0].formatted;
        let mem = MemFs::new();
        mem.insert("f.adt", text.as_bytes());
        let after = lp_driver::check(&mem, Path::new("f.adt")).expect("in memory");
        assert_eq!(
            after.error_count(),
            0,
            "{}: the formatted text has errors: {:?}\n{text}",
            path.display(),
            after.diagnostics
        );
        assert_eq!(
            lp_driver::ir_text(&after).as_deref(),
            Some(ir_before.as_str()),
            "{}: fmt changed the IR",
            path.display()
        );
        let (_, _, again) = lp_driver::format_files(&mem, Path::new("f.adt")).expect("in memory");
        assert_eq!(&again[0].formatted, text, "{}: fmt is not idempotent", path.display());
        compared += 1;
    }
    assert!(compared >= 20, "only {compared} clean files were compared; is the corpus missing?");
}

/// Verdicts are the same run to run, and with or without the cache; the second run reuses
/// every verdict, and changing a claim re-discharges only what changed.
#[test]
fn verdicts_are_identical_with_and_without_the_cache() {
    let fs = MemFs::new();
    let src = "spec c version 1.0.0\ntype Cents = Int where self >= 0\n\
               fn half(p: Cents) -> Cents\n  ensures result <= p\n  = p / 2\n\
               fn bad(p: Cents) -> Cents\n  ensures result < p\n  = p\n\
               type Box<+T> = { items: List<T> }\n";
    fs.insert("c.adt", src);
    let cached = lp_driver::CheckOptions::default();
    let uncached = lp_driver::CheckOptions { use_cache: false, ..Default::default() };
    let verdicts = |o: &lp_driver::CheckOutcome| -> Vec<(String, lp_check::Verdict)> {
        o.results.iter().map(|r| (r.obligation.id.clone(), r.verdict.clone())).collect()
    };
    let first = lp_driver::check_with(&fs, Path::new("c.adt"), &cached).expect("in memory");
    let second = lp_driver::check_with(&fs, Path::new("c.adt"), &cached).expect("in memory");
    let fresh = lp_driver::check_with(&fs, Path::new("c.adt"), &uncached).expect("in memory");
    assert!(first.results.len() >= 5, "{:?}", verdicts(&first));
    assert!(first.results.iter().all(|r| !r.cached));
    assert!(second.results.iter().all(|r| r.cached), "the second run re-discharged something");
    assert!(fresh.results.iter().all(|r| !r.cached));
    assert_eq!(verdicts(&first), verdicts(&second));
    assert_eq!(verdicts(&first), verdicts(&fresh));
    assert!(first.results.iter().any(|r| matches!(r.verdict, lp_check::Verdict::Failed { .. })), "`bad` must fail");
    assert_eq!(first.diagnostics, second.diagnostics);
    // Editing one function's contract invalidates that obligation only.
    fs.insert("c.adt", src.replace("ensures result < p", "ensures result <= p"));
    let third = lp_driver::check_with(&fs, Path::new("c.adt"), &cached).expect("in memory");
    let rerun: Vec<&str> = third.results.iter().filter(|r| !r.cached).map(|r| r.obligation.id.as_str()).collect();
    assert!(rerun.iter().all(|id| id.contains("fn.bad")), "re-discharged beyond the edit: {rerun:?}");
    assert!(!rerun.is_empty());
    assert_eq!(third.error_count(), 0, "{:?}", third.diagnostics);
}

/// `build` writes the reports atomically and deterministically, and writes nothing when the
/// spec has errors (the previous output stays).
#[test]
fn build_writes_reports_and_keeps_old_output_on_errors() {
    let fs = MemFs::new();
    // Only the OpenAPI target: no generated projects (the maps are written for every target),
    // and no signing key, so no certificate.
    fs.insert("p/leanos.toml", "[project]\nname = \"p\"\nversion = \"1.0.0\"\n[build]\ntargets = [\"openapi\"]\n");
    fs.insert("p/a.adt", "spec p version 1.0.0\ntype Cents = Int where self >= 0\ntype T = A | B\n");
    let opts = lp_driver::CheckOptions { use_cache: false, ..Default::default() };
    let b = lp_driver::build(&fs, Path::new("p"), &opts, None).expect("builds");
    assert_eq!(b.out_dir.as_deref(), Some(Path::new("p/artifacts/engineering")));
    assert!(b.check.diagnostics.iter().any(|d| d.code.id() == "LP8011"), "an unsigned build warns");
    assert_eq!(
        b.written,
        [
            "maps/shared/standards-contract.yaml",
            "proofs/composed/composition.dot",
            "proofs/composed/verification-report.md",
            "specifications/v1.0.0/api.openapi.json",
            "specifications/v1.0.0/architecture.categorical",
            "specifications/v1.0.0/manifest.json",
            "specifications/v1.0.0/requirements.adt",
            "specifications/v1.0.0/services.spec.yaml",
            "specifications/v1.0.0/state-machines.yaml",
            "specifications/v1.0.0/types.curry-howard",
        ]
    );
    let read = |p: &str| {
        String::from_utf8(lp_driver::fs::FileSystem::read(&fs, Path::new(p)).expect("written")).expect("utf-8")
    };
    let req = read("p/artifacts/engineering/specifications/v1.0.0/requirements.adt");
    assert!(req.contains("path_count: 2"), "{req}");
    // Same input, same bytes.
    lp_driver::build(&fs, Path::new("p"), &opts, None).expect("builds");
    assert_eq!(read("p/artifacts/engineering/specifications/v1.0.0/requirements.adt"), req);
    let contract = read("p/artifacts/engineering/maps/shared/standards-contract.yaml");
    assert!(contract.contains("standards: {}") && contract.contains("applies_to: []"), "{contract}");
    // A broken spec writes nothing and keeps the previous output.
    fs.insert("p/a.adt", "spec p version 1.0.0\ntype T = A | B\nfn f(t: T) -> Int = match t { A => 1 }\n");
    let b = lp_driver::build(&fs, Path::new("p"), &opts, None).expect("runs");
    assert!(b.out_dir.is_none() && b.written.is_empty());
    assert_eq!(read("p/artifacts/engineering/specifications/v1.0.0/requirements.adt"), req);
}

/// The project's `[check]` section sets the machines' completeness policy and exploration
/// depth when the spec does not; a spec's own `standards` setting wins.
#[test]
fn project_check_section_sets_completeness_and_depth() {
    let machine = "machine Lamp {\n  initial Off\n  final Broken\n  Off -> On on press\n  On -> Off on press\n  On -> Broken on smash\n}\n";
    let run = |toml_extra: &str, spec_extra: &str| {
        let fs = MemFs::new();
        fs.insert("p/leanos.toml", format!("[project]\nname = \"p\"\nversion = \"1.0.0\"\n{toml_extra}"));
        fs.insert("p/m.adt", format!("{spec_extra}{machine}"));
        let opts = lp_driver::CheckOptions { use_cache: false, ..Default::default() };
        let outcome = lp_driver::check_with(&fs, Path::new("p"), &opts).expect("loads");
        codes(&outcome).into_iter().filter(|c| *c != "LP0007").collect::<Vec<_>>()
    };
    assert_eq!(run("", ""), Vec::<&str>::new(), "lenient by default");
    assert_eq!(run("[check]\ncompleteness = \"strict\"\n", ""), ["LP4005"]);
    assert_eq!(
        run("[check]\ncompleteness = \"strict\"\n", "standards { completeness = lenient }\n"),
        Vec::<&str>::new()
    );
    assert_eq!(run("", "standards { completeness = strict }\n"), ["LP4005"]);
    assert_eq!(run("[check]\ncompleteness = \"sloppy\"\n", ""), ["LP1015"]);
}
