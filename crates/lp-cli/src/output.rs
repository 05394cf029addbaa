//! Terminal output: rendering diagnostics in the chosen format, colours, and summaries.

use clap::ValueEnum;
use lp_diagnostics::render::{self, ErrorFormat, HumanOptions};
use lp_diagnostics::{Diagnostic, Severity, SourceDb};
use std::io::{IsTerminal, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Where and how a command reports.
pub struct Output {
    pub format: ErrorFormat,
    color: bool,
}

impl Output {
    pub fn new(format: ErrorFormat, color: ColorChoice) -> Self {
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        };
        Output { format, color }
    }

    /// Writes to stdout, ignoring a closed pipe (`leanos-prove ... | head`).
    pub fn stdout(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    pub fn stderr(&self, text: &str) {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(text.as_bytes());
        let _ = err.flush();
    }

    /// A one-line error that is not about the spec (IO, usage), always on stderr. Control
    /// characters (from paths) are escaped, so the line stays one line.
    pub fn fatal(&self, message: &str) {
        let message = render::escape_line(message);
        if self.color {
            self.stderr(&format!("\x1b[1;31merror\x1b[0m: {message}\n"));
        } else {
            self.stderr(&format!("error: {message}\n"));
        }
    }

    /// Reports diagnostics: human text on stderr, JSON or SARIF on stdout.
    ///
    /// `extra` is merged into the JSON object (command-specific fields such as the files).
    pub fn diagnostics(&self, db: &SourceDb, diags: &[Diagnostic], extra: serde_json::Value, summary: &str) {
        match self.format {
            ErrorFormat::Human => {
                self.stderr(&render::human(db, diags, HumanOptions { color: self.color }));
                self.stderr(&format!("{}\n", render::escape_controls(summary, true)));
            }
            ErrorFormat::Json => {
                let mut obj = serde_json::json!({
                    "diagnostics": render::json(db, diags),
                    "summary": {
                        "errors": count(diags, Severity::Error),
                        "warnings": count(diags, Severity::Warning),
                        "text": summary,
                    },
                });
                if let (Some(o), serde_json::Value::Object(extra)) = (obj.as_object_mut(), extra) {
                    o.extend(extra);
                }
                self.stdout(&format!("{}\n", serde_json::to_string_pretty(&obj).unwrap_or_default()));
            }
            ErrorFormat::Sarif => {
                let log = render::sarif(db, diags, env!("CARGO_PKG_VERSION"));
                self.stdout(&format!("{}\n", serde_json::to_string_pretty(&log).unwrap_or_default()));
            }
            ErrorFormat::Github => {
                // Annotations on stdout, where the runner reads workflow commands; the summary
                // as a plain line after them.
                self.stdout(&render::github(db, diags));
                self.stdout(&format!("{}\n", render::escape_controls(summary, true)));
            }
        }
    }
}

pub fn count(diags: &[Diagnostic], severity: Severity) -> usize {
    diags.iter().filter(|d| d.severity == severity).count()
}

/// "2 errors, 1 warning" or "no problems".
pub fn tally(diags: &[Diagnostic]) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let errors = count(diags, Severity::Error);
    let warnings = count(diags, Severity::Warning);
    match (errors, warnings) {
        (0, 0) => "no problems".to_string(),
        (e, 0) => plural(e, "error"),
        (0, w) => plural(w, "warning"),
        (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
    }
}
