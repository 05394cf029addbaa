//! The spec language front end: bytes → text → tokens → AST, and AST → canonical text.
//!
//! Parsing never fails: [`parse`] always returns a tree plus the diagnostics found on the
//! way. The parser recovers at item boundaries so one run reports every syntax error, never
//! panics and never recurses deeper than [`MAX_NESTING`].

pub mod ast;
pub mod format;
mod input;
mod lexer;
mod parser;

pub use input::{MAX_FILE_BYTES, decode};

use lp_diagnostics::{Diagnostic, FileId};

/// How deeply types, expressions, patterns and blocks may nest before the parser stops with
/// `LP0004` instead of risking the stack.
pub const MAX_NESTING: usize = 128;

/// A value together with the diagnostics produced while computing it.
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    pub value: T,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses one spec file's text.
pub fn parse(file: FileId, text: &str) -> Parsed<ast::SourceFileAst> {
    parser::parse(file, text)
}
