//! Renderers for diagnostics: human text (codespan-reporting), JSON, SARIF 2.1.0 and GitHub
//! Actions annotations.
//!
//! Messages often quote names from outside the tool's control (file names in an output folder,
//! subjects of a certificate), so every renderer writes control characters as visible escapes
//! ([`escape_controls`]): a file name with a newline cannot start a fake line, such as a GitHub
//! workflow command, in a CI log. JSON and SARIF escape them as JSON strings do.

use crate::{Diagnostic, Severity, SourceDb};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::term;
use serde_json::{Value, json};

/// The output formats every command accepts through `--error-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorFormat {
    Human,
    Json,
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…,line=…::message`), one per line.
    Github,
}

/// Options for the human renderer.
#[derive(Debug, Clone, Copy)]
pub struct HumanOptions {
    pub color: bool,
}

/// `text` with every control character, and the Unicode bidirectional overrides and isolates,
/// written as a visible Rust-style escape (`\n`, `\u{1b}`), except line feeds when
/// `keep_newlines` (notes and help may span lines; a message may not).
pub fn escape_controls(text: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if (c == '\n' && keep_newlines) || !(c.is_control() || bidi) {
            out.push(c);
        } else {
            out.extend(c.escape_debug());
        }
    }
    out
}

/// One line of free text (a summary or a usage error) with its control characters escaped.
pub fn escape_line(text: &str) -> String {
    escape_controls(text, false)
}

fn to_codespan(d: &Diagnostic) -> cs::Diagnostic<crate::FileId> {
    let severity = match d.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
        Severity::Note => cs::Severity::Note,
        Severity::Hint => cs::Severity::Help,
    };
    let mut labels = Vec::new();
    if let Some(p) = &d.primary {
        labels.push(cs::Label::primary(p.file, p.span.range()).with_message(escape_line(&p.message)));
    }
    for s in &d.secondary {
        labels.push(cs::Label::secondary(s.file, s.span.range()).with_message(escape_line(&s.message)));
    }
    let mut notes: Vec<String> = d.notes.iter().map(|n| format!("note: {}", escape_controls(n, true))).collect();
    if let Some(h) = &d.help {
        notes.push(format!("help: {}", escape_controls(h, true)));
    }
    cs::Diagnostic::new(severity)
        .with_code(d.code.id())
        .with_message(escape_line(&d.message))
        .with_labels(labels)
        .with_notes(notes)
}

/// Renders diagnostics as a compiler would: file, line, caret, code, notes and help.
pub fn human(db: &SourceDb, diags: &[Diagnostic], opts: HumanOptions) -> String {
    let config = term::Config::default();
    let mut out = String::new();
    for d in diags {
        let cs = to_codespan(d);
        let rendered = if opts.color {
            let mut buf = term::termcolor::Buffer::ansi();
            match term::emit_to_write_style(&mut buf, &config, db, &cs) {
                Ok(()) => String::from_utf8_lossy(buf.as_slice()).into_owned(),
                Err(e) => {
                    format!(
                        "{}[{}]: {} (could not render source: {e})\n",
                        d.severity.as_str(),
                        d.code,
                        escape_line(&d.message)
                    )
                }
            }
        } else {
            match term::emit_into_string(&config, db, &cs) {
                Ok(s) => s,
                Err(e) => {
                    format!(
                        "{}[{}]: {} (could not render source: {e})\n",
                        d.severity.as_str(),
                        d.code,
                        escape_line(&d.message)
                    )
                }
            }
        };
        out.push_str(&rendered);
    }
    out
}

fn label_json(db: &SourceDb, l: &crate::Label) -> Value {
    let f = db.get(l.file);
    let start = f.line_col(l.span.start as usize);
    let end = f.line_col(l.span.end as usize);
    json!({
        "file": f.name,
        "byte_start": l.span.start,
        "byte_end": l.span.end,
        "line_start": start.line,
        "column_start": start.column,
        "line_end": end.line,
        "column_end": end.column,
        "message": l.message,
    })
}

/// One diagnostic as a JSON object (the shape is documented in the book).
pub fn json_value(db: &SourceDb, d: &Diagnostic) -> Value {
    json!({
        "code": d.code.id(),
        "name": d.code.info().name,
        "severity": d.severity.as_str(),
        "message": d.message,
        "primary": d.primary.as_ref().map(|l| label_json(db, l)),
        "secondary": d.secondary.iter().map(|l| label_json(db, l)).collect::<Vec<_>>(),
        "notes": d.notes,
        "help": d.help,
    })
}

/// All diagnostics as a JSON array.
pub fn json(db: &SourceDb, diags: &[Diagnostic]) -> Value {
    Value::Array(diags.iter().map(|d| json_value(db, d)).collect())
}

fn sarif_location(db: &SourceDb, l: &crate::Label) -> Value {
    let f = db.get(l.file);
    let start = f.line_col(l.span.start as usize);
    let end = f.line_col(l.span.end as usize);
    let mut loc = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": sarif_uri(&f.name) },
            "region": {
                "startLine": start.line,
                "startColumn": start.column,
                "endLine": end.line,
                "endColumn": end.column,
                "byteOffset": l.span.start,
                "byteLength": l.span.len(),
            }
        }
    });
    if !l.message.is_empty() {
        loc["message"] = json!({ "text": l.message });
    }
    loc
}

/// File names become relative URIs with forward slashes, as SARIF viewers expect.
fn sarif_uri(name: &str) -> String {
    let name = name.replace('\\', "/");
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '%' => out.push_str("%25"),
            '#' => out.push_str("%23"),
            '?' => out.push_str("%3F"),
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// All diagnostics as one SARIF 2.1.0 log with a single run.
pub fn sarif(db: &SourceDb, diags: &[Diagnostic], tool_version: &str) -> Value {
    let mut used: Vec<crate::Code> = diags.iter().map(|d| d.code).collect();
    used.sort_by_key(|c| c.id());
    used.dedup();
    let rules: Vec<Value> = used
        .iter()
        .map(|c| {
            let info = c.info();
            json!({
                "id": info.id,
                "name": info.name,
                "shortDescription": { "text": info.summary },
                "fullDescription": { "text": info.summary },
                "help": { "text": info.doc, "markdown": info.doc },
                "defaultConfiguration": { "level": sarif_level(info.severity) },
            })
        })
        .collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            // SARIF results have one message; notes (counterexamples, traces) and help join it.
            let mut text = d.message.clone();
            for n in &d.notes {
                text.push_str("\nnote: ");
                text.push_str(n);
            }
            if let Some(h) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(h);
            }
            let mut r = json!({
                "ruleId": d.code.id(),
                "ruleIndex": used.iter().position(|c| *c == d.code).unwrap_or(0),
                "level": sarif_level(d.severity),
                "message": { "text": text },
            });
            if let Some(p) = &d.primary {
                r["locations"] = json!([sarif_location(db, p)]);
            }
            if !d.secondary.is_empty() {
                r["relatedLocations"] = Value::Array(
                    d.secondary
                        .iter()
                        .enumerate()
                        .map(|(i, l)| {
                            let mut v = sarif_location(db, l);
                            v["id"] = json!(i);
                            v
                        })
                        .collect(),
                );
            }
            r
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "leanos-prove",
                    "version": tool_version,
                    "informationUri": "https://example.invalid/leanos-prove",
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note | Severity::Hint => "note",
    }
}

/// Escapes a workflow command's message (`%`, CR, LF), as the GitHub Actions toolkit does,
/// after writing every other control character as a visible escape.
pub fn github_escape_data(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| if c == '\n' || c == '\r' { c.to_string() } else { escape_controls(&c.to_string(), false) })
        .collect();
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a workflow command's property value: the message escapes plus `:` and `,`.
pub fn github_escape_property(s: &str) -> String {
    github_escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Renders diagnostics as GitHub Actions annotations: one `::error`/`::warning`/`::notice`
/// workflow command per diagnostic, with the file, line and column when it has a location.
/// Notes and help join the message on further (escaped) lines.
pub fn github(db: &SourceDb, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note | Severity::Hint => "notice",
        };
        let mut props = vec![format!("title={}", github_escape_property(d.code.id()))];
        if let Some(p) = &d.primary {
            let f = db.get(p.file);
            let start = f.line_col(p.span.start as usize);
            let end = f.line_col(p.span.end as usize);
            props.insert(0, format!("file={}", github_escape_property(&f.name)));
            props.insert(1, format!("line={}", start.line));
            props.insert(2, format!("col={}", start.column));
            if end.line == start.line && end.column > start.column {
                props.insert(3, format!("endColumn={}", end.column));
            } else if end.line > start.line {
                props.insert(3, format!("endLine={}", end.line));
            }
        }
        let mut message = d.message.clone();
        for n in &d.notes {
            message.push_str(&format!("\nnote: {n}"));
        }
        if let Some(h) = &d.help {
            message.push_str(&format!("\nhelp: {h}"));
        }
        out.push_str(&format!("::{level} {}::{}\n", props.join(","), github_escape_data(&message)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes;

    fn hostile() -> Diagnostic {
        Diagnostic::new(codes::ARTIFACT_UNCERTIFIED, "`x\n::error::forged%0A,a:b\r\u{1b}[2J\u{202e}` is uncertified")
            .with_note("first line\nsecond \u{7} line")
    }

    #[test]
    fn control_characters_are_escaped_in_every_format() {
        let db = SourceDb::new();
        let d = [hostile()];
        let human = human(&db, &d, HumanOptions { color: false });
        assert!(human.contains(r"`x\n::error::forged%0A,a:b\r\u{1b}[2J\u{202e}`"), "{human}");
        assert!(!human.lines().any(|l| l.trim_start().starts_with("::")), "{human}");
        assert!(human.contains("second \\u{7} line"), "{human}");
        assert!(!human.contains('\u{1b}') && !human.contains('\r') && !human.contains('\u{7}'), "{human:?}");
        let gh = github(&db, &d);
        assert_eq!(gh.lines().count(), 1, "{gh}");
        assert!(gh.starts_with("::error title=LP8006::`x%0A::error::forged%250A,a:b%0D\\u{1b}[2J\\u{202e}`"), "{gh}");
        for v in [json(&db, &d), sarif(&db, &d, "0")] {
            let text = serde_json::to_string(&v).expect("json");
            assert!(!text.contains('\n') && !text.contains('\u{1b}'), "{text}");
        }
        assert_eq!(github_escape_property("a:b,c%\nd"), "a%3Ab%2Cc%25%0Ad");
    }

    #[test]
    fn file_names_with_control_characters_are_escaped_in_every_format() {
        let mut db = SourceDb::new();
        let file = db.add("spec/a\n::error::x.adt", "type A = Int\n");
        let d = [Diagnostic::new(codes::ARTIFACT_MODIFIED, "m").at(file, crate::Span::new(5, 6), "here")];
        let human = human(&db, &d, HumanOptions { color: false });
        assert!(human.contains(r"spec/a\n::error::x.adt"), "{human}");
        assert!(!human.lines().any(|l| l.trim_start().starts_with("::")), "{human}");
        let gh = github(&db, &d);
        assert!(gh.starts_with("::error file=spec/a%0A%3A%3Aerror%3A%3Ax.adt,line=1,"), "{gh}");
        let uri = sarif(&db, &d, "0")["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
            ["uri"]
            .clone();
        assert_eq!(uri, "spec/a%0A::error::x.adt");
    }
}
