//! Placeholder until the parser lands: reports that parsing is not available.

use crate::Parsed;
use crate::ast::SourceFileAst;
use lp_diagnostics::{Diagnostic, FileId, Span, codes};

pub(crate) fn parse(file: FileId, text: &str) -> Parsed<SourceFileAst> {
    Parsed {
        value: SourceFileAst::default(),
        diagnostics: vec![Diagnostic::new(codes::UNEXPECTED_TOKEN, "parser not written yet").at(
            file,
            Span::new(0, text.len().min(1)),
            "",
        )],
    }
}
