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
    adt_files(&repo().join("spec-examples"), &mut files);
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
