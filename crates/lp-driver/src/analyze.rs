//! The quick front half of the pipeline for editors: load, decode, parse and resolve a file or
//! project, without the verification passes, so syntax and name errors can be shown at once.
//!
//! It shares the session's file listing and loading (`spec_paths`, `load_specs`) and follows
//! [`crate::check_with`]'s order and rules (resolution only on input without syntax errors), so
//! its diagnostics are exactly the front-end subset of a full check's.

use crate::fs::FileSystem;
use crate::project::TOML_NAME;
use crate::session::{Input, SpecFileEntry, check_header_versions, load_specs, resolve_input, spec_paths};
use lp_diagnostics::{Diagnostic, FileId, SourceDb};
use lp_syntax::ast::SourceFileAst;
use std::path::{Path, PathBuf};

/// What the front half of the pipeline produced.
#[derive(Debug)]
pub struct Analysis {
    pub db: SourceDb,
    /// Syntax, project and name-resolution diagnostics, sorted.
    pub diagnostics: Vec<Diagnostic>,
    pub input: Option<Input>,
    pub files: Vec<SpecFileEntry>,
    /// The lowered IR, when every file parsed.
    pub spec: Option<lp_ir::Spec>,
}

/// Parses and resolves a spec file or project. A path that cannot be read is an IO error.
pub fn analyze(fs: &dyn FileSystem, path: &Path) -> std::io::Result<Analysis> {
    let mut db = SourceDb::new();
    let mut diagnostics = Vec::new();
    let input = resolve_input(fs, path, &mut db, &mut diagnostics).map_err(|e| e.error)?;
    let mut files = Vec::new();
    let mut spec = None;
    if let Some(input) = &input {
        let paths = spec_paths(fs, input, &db, &mut diagnostics).map_err(|e| e.error)?;
        files = load_specs(fs, &paths, &mut db, &mut diagnostics).map_err(|e| e.error)?;
        check_header_versions(input, &files, &mut diagnostics);
        if !files.is_empty() && files.iter().all(|f| !f.has_syntax_errors) {
            let asts: Vec<(FileId, &SourceFileAst)> =
                files.iter().filter_map(|f| f.ast.as_ref().map(|a| (f.file, a))).collect();
            let lowered = lp_ir::lower(&asts);
            diagnostics.extend(lowered.diagnostics);
            spec = Some(lowered.value);
        }
    }
    lp_diagnostics::sort(&mut diagnostics);
    diagnostics.dedup_by(|b, a| {
        a.code == b.code && a.primary.as_ref().map(|l| (l.file, l.span)) == b.primary.as_ref().map(|l| (l.file, l.span))
    });
    Ok(Analysis { db, diagnostics, input, files, spec })
}

/// The folder of the project (the nearest folder above `file` with a `leanos.toml`), else
/// `None` for a lone file.
pub fn project_root(fs: &dyn FileSystem, file: &Path) -> Option<PathBuf> {
    file.ancestors().skip(1).find(|dir| fs.is_file(&dir.join(TOML_NAME))).map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::MemFs;

    #[test]
    fn front_half_matches_a_full_checks_front_end_diagnostics() {
        let fs = MemFs::new();
        fs.insert("/p/leanos.toml", "[project]\nname = \"p\"\nversion = \"1.0.0\"\n");
        fs.insert("/p/a.adt", "spec p version 1.0.0\ntype A = { b: Bee }\n");
        let a = analyze(&fs, Path::new("/p")).expect("the project is in memory");
        let codes: Vec<&str> = a.diagnostics.iter().map(|d| d.code.id()).collect();
        let full = crate::check(&fs, Path::new("/p")).expect("the project is in memory");
        let full_codes: Vec<&str> = full.diagnostics.iter().map(|d| d.code.id()).collect();
        assert!(!codes.is_empty(), "the unknown type must be reported");
        assert_eq!(codes, full_codes);
        assert_eq!(project_root(&fs, Path::new("/p/a.adt")), Some(PathBuf::from("/p")));
        assert_eq!(project_root(&fs, Path::new("/q/a.adt")), None);
    }
}
