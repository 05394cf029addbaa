//! Helpers the tests of several crates share (a dev-dependency only): where the repository
//! and its example projects are, their spec files (loaded as the CLI loads a project), and
//! resolved specs built from text.
//!
//! Panicking is this crate's way of failing a test, so it uses `expect` freely.

#![allow(clippy::unwrap_used)]

use lp_diagnostics::FileId;
use lp_ir::Spec;
use std::path::{Path, PathBuf};

/// The example projects under `spec-examples/`.
pub const EXAMPLES: &[&str] =
    &["order-fulfilment", "catalog-sync", "subscription-billing/v1", "subscription-billing/v2"];

/// The repository's root folder.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `.adt` files below a folder, in sorted order: for the test corpus's folders of loose
/// spec files. An example project is loaded with [`project_files`] instead, the way the CLI
/// loads it: its folder may hold other `.adt` files, such as the build output's
/// `requirements.adt` after `./scripts/demo.sh`.
pub fn adt_files(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> =
            std::fs::read_dir(dir).expect("read a folder").map(|e| e.expect("a folder entry").path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "adt") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out
}

/// The spec files of a project folder (or a spec file) exactly as `check` and `build` read
/// them: lp-driver's project loading, from the `leanos.toml`'s `specs`. Panics when the
/// project has problems.
pub fn project_files(dir: &Path) -> Vec<PathBuf> {
    let (files, problems) = lp_driver::spec_files(&lp_driver::fs::OsFs, dir)
        .unwrap_or_else(|e| panic!("cannot load the project `{}`: {e}", dir.display()));
    let messages: Vec<&str> = problems.iter().map(|d| d.message.as_str()).collect();
    assert!(messages.is_empty(), "the project `{}` has problems: {messages:?}", dir.display());
    assert!(!files.is_empty(), "the project `{}` has no spec files", dir.display());
    files
}

/// Every project folder (a folder with a `leanos.toml`) under `spec-examples/`, sorted.
pub fn example_projects() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        if dir.join("leanos.toml").is_file() {
            out.push(dir.to_path_buf());
            return;
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("read a folder")
            .map(|e| e.expect("a folder entry").path())
            .filter(|p| p.is_dir())
            .collect();
        entries.sort();
        for p in entries {
            walk(&p, out);
        }
    }
    let mut out = Vec::new();
    walk(&repo().join("spec-examples"), &mut out);
    out
}

/// The spec files of every example project, as the CLI reads them.
pub fn example_spec_files() -> Vec<PathBuf> {
    example_projects().iter().flat_map(|p| project_files(p)).collect()
}

/// The texts of an example project's spec files, in the order the CLI reads them.
pub fn example_texts(example: &str) -> Vec<String> {
    project_files(&repo().join("spec-examples").join(example))
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("read a spec file"))
        .collect()
}

/// Parses and lowers several files as one spec, asserting that there are no syntax or
/// resolution errors (warnings and hints are allowed).
pub fn spec_of(texts: &[String]) -> Spec {
    let parsed: Vec<_> = texts.iter().enumerate().map(|(i, t)| lp_syntax::parse(FileId(i as u32), t)).collect();
    for p in &parsed {
        assert!(!p.diagnostics.iter().any(|d| d.is_error()), "parse: {:?}", p.diagnostics);
    }
    let asts: Vec<_> = parsed.iter().enumerate().map(|(i, p)| (FileId(i as u32), &p.value)).collect();
    let lowered = lp_ir::lower(&asts);
    let errors: Vec<_> = lowered.diagnostics.iter().filter(|d| d.is_error()).map(|d| &d.message).collect();
    assert!(errors.is_empty(), "lower: {errors:?}");
    lowered.value
}

/// The resolved spec of an example project.
pub fn example(example: &str) -> Spec {
    spec_of(&example_texts(example))
}
