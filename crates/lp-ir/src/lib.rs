//! The resolved IR of a spec: lowering from the AST, name resolution, kinds and arity, and the
//! IR printer. (Being written.)

use lp_diagnostics::FileId;
use lp_syntax::{Parsed, ast::SourceFileAst};

/// A whole resolved spec (all files of a project).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spec {
    pub name: Option<String>,
}

/// Lowers the parsed files of one project into one IR.
pub fn lower(files: &[(FileId, &SourceFileAst)]) -> Parsed<Spec> {
    let _ = files;
    Parsed { value: Spec::default(), diagnostics: Vec::new() }
}

/// Prints the IR in its canonical, resolved form.
pub fn print(spec: &Spec) -> String {
    format!("{spec:?}\n")
}
