//! The canonical formatter: AST plus comments → text. (Being written.)

use crate::ast::SourceFileAst;

/// Formats a parsed file in the canonical style, keeping every comment.
pub fn format(file: &SourceFileAst, source: &str) -> String {
    let _ = file;
    source.to_string()
}
