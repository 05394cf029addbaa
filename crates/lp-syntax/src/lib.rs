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

/// Every keyword of the language (the quoted words of `grammar/leanos.ebnf`), sorted.
/// Keywords are contextual, so the lexer never needs this list; tools that create names
/// (the language server's rename) refuse these, since a keyword where the grammar may also
/// ask for it (`initial -> A`, `true`) changes how the text parses.
pub const KEYWORDS: &[&str] = &[
    "allow",
    "back",
    "because",
    "body",
    "count",
    "create",
    "delete",
    "depends",
    "deploy",
    "do",
    "else",
    "ensures",
    "entity",
    "error",
    "except",
    "exists",
    "fail",
    "false",
    "final",
    "fire",
    "fires",
    "flow",
    "fn",
    "forall",
    "from",
    "if",
    "ignore",
    "in",
    "initial",
    "invariant",
    "key",
    "let",
    "lifecycle",
    "machine",
    "match",
    "migrate",
    "on",
    "op",
    "put",
    "require",
    "requires",
    "reversible",
    "service",
    "spec",
    "standards",
    "states",
    "true",
    "type",
    "var",
    "version",
    "when",
    "where",
    "with",
];

/// Whether a word is one of [`KEYWORDS`].
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.binary_search(&word).is_ok()
}

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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// The keyword list is the grammar's: every quoted word of two or more letters outside
    /// comments (single letters are string escapes).
    #[test]
    fn keywords_are_the_grammars_words() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../grammar/leanos.ebnf");
        let grammar = std::fs::read_to_string(path).expect("grammar/leanos.ebnf");
        let mut text = String::new();
        let mut rest = grammar.as_str();
        while let Some((before, after)) = rest.split_once("(*") {
            text.push_str(before);
            rest = after.split_once("*)").map_or("", |(_, tail)| tail);
        }
        text.push_str(rest);
        let words: BTreeSet<&str> = text
            .split('\'')
            .skip(1)
            .step_by(2)
            .filter(|w| w.len() >= 2 && w.chars().all(|c| c.is_ascii_lowercase()))
            .collect();
        let listed: BTreeSet<&str> = super::KEYWORDS.iter().copied().collect();
        assert_eq!(words, listed);
        assert!(super::KEYWORDS.windows(2).all(|w| w[0] < w[1]), "sorted, for the binary search");
        assert!(super::is_keyword("type") && super::is_keyword("initial") && !super::is_keyword("Sku"));
    }
}
