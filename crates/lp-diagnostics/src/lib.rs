//! Source files, spans and the one diagnostic model shared by every stage of leanos-prove.
//!
//! This crate knows nothing about the spec language. It owns:
//! - [`SourceDb`]: the loaded files, their names and line indexes;
//! - [`Span`] and [`FileId`]: where a diagnostic points;
//! - [`Diagnostic`]: code, severity, message, primary and secondary labels, notes and help;
//! - [`codes`]: the registry of stable `LPnnnn` codes and their documentation;
//! - [`render`]: the human (codespan), JSON and SARIF 2.1.0 renderers.

pub mod codes;
pub mod render;
mod source;

pub use codes::{Code, CodeInfo};
pub use source::{FileId, LineCol, SourceDb, SourceFile, Span, count_line_ends, line_end, line_starts, lines};

use serde::Serialize;

/// How serious a diagnostic is. Only `Error` makes a command exit with code 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Hint,
    Note,
    Warning,
    Error,
}

impl Severity {
    /// The lowercase word used in every renderer.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Hint => "hint",
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A labelled span inside a diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

/// One finding: the model every stage produces and every renderer and the LSP consume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// Where the problem is. Diagnostics about a whole project (a missing `leanos.toml`,
    /// say) have none.
    pub primary: Option<Label>,
    /// Related places, possibly in other files.
    pub secondary: Vec<Label>,
    pub notes: Vec<String>,
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with the code's default severity and no location.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.info().severity,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
        }
    }

    /// Sets the primary label.
    pub fn at(mut self, file: FileId, span: Span, label: impl Into<String>) -> Self {
        self.primary = Some(Label { file, span, message: label.into() });
        self
    }

    /// Adds a secondary label.
    pub fn with_secondary(mut self, file: FileId, span: Span, label: impl Into<String>) -> Self {
        self.secondary.push(Label { file, span, message: label.into() });
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Sets the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Overrides the code's default severity.
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics into a stable order: by file, then position, then code.
///
/// Every command sorts before rendering so that output does not depend on the order in
/// which passes happened to run.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let key = |d: &Diagnostic| d.primary.as_ref().map(|l| (l.file, l.span.start, l.span.end));
        key(a).cmp(&key(b)).then_with(|| a.code.id().cmp(b.code.id())).then_with(|| a.message.cmp(&b.message))
    });
}
