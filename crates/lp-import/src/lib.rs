//! Imports an OpenAPI 3.0/3.1 document (JSON or YAML) as spec source text, for
//! `leanos-prove import openapi FILE`.
//!
//! The document is read into one `serde_json::Value` ([`document::parse`]), checked to be
//! OpenAPI 3.0 or 3.1, and translated: `components.schemas` to `type` and `error`
//! declarations ([`schema`]), `paths` to `service` blocks ([`ops`]), the bearer security
//! scheme to `standards`. The result is printed as text, parsed again with `lp-syntax` (it
//! must parse without a single diagnostic, or the import fails with `LP5512`) and formatted
//! with the project formatter. Whatever cannot be represented is reported as a warning
//! (`LP5504`–`LP5511`) and written as a `//` comment above the item concerned; nothing is
//! dropped silently. The translation inverts `lp_codegen::openapi`, so a spec's generated
//! document imports back to the same types.

pub mod bundle;
pub mod document;
mod model;
mod names;
mod ops;
pub use ops::PROBLEM_MEMBERS;
mod schema;

use lp_diagnostics::{Code, Diagnostic, FileId, codes};
use model::{BodyOut, SpecOut};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The outcome of an import: the formatted spec text (absent when the document could not be
/// imported) and every diagnostic, warnings included, in the order they were found.
#[derive(Debug, Clone)]
pub struct Imported {
    pub text: Option<String>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Imported {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Imports the text of an OpenAPI document (JSON or YAML).
pub fn import_openapi_text(text: &str) -> Imported {
    match document::parse(text) {
        Ok(doc) => import_openapi(&doc),
        Err(d) => Imported { text: None, diagnostics: vec![*d] },
    }
}

/// Imports a description that may be split over several files: the root document's text,
/// its file name `root` (a path relative to the folder the other files are read from, through
/// `files`), and the bounds of following its references to other files ([`bundle`]).
pub fn import_openapi_files(text: &str, root: &str, files: &dyn bundle::Files, limits: bundle::Limits) -> Imported {
    let doc = match document::parse(text) {
        Ok(doc) => doc,
        Err(d) => return Imported { text: None, diagnostics: vec![*d] },
    };
    if let Err(d) = document::check_version(&doc) {
        return Imported { text: None, diagnostics: vec![*d] };
    }
    let (bundled, mut diagnostics) = bundle::bundle(&doc, root, files, limits);
    let Some(bundled) = bundled else { return Imported { text: None, diagnostics } };
    let imported = import_openapi(&bundled);
    diagnostics.extend(imported.diagnostics);
    Imported { text: imported.text, diagnostics }
}

/// Imports an OpenAPI document already read into a JSON value.
pub fn import_openapi(doc: &Value) -> Imported {
    if let Err(d) = document::check_version(doc) {
        return Imported { text: None, diagnostics: vec![*d] };
    }
    static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
    let schemas = doc.get("components").and_then(|c| c.get("schemas")).and_then(Value::as_object).unwrap_or(&EMPTY);
    let mut imp = Importer {
        doc,
        schemas,
        diags: Vec::new(),
        pending: Vec::new(),
        global: names::Scope::default(),
        type_names: BTreeMap::new(),
        error_names: BTreeMap::new(),
        hoisted: Vec::new(),
        error_for_schema: BTreeMap::new(),
        nullable_shapes: BTreeSet::new(),
        out: SpecOut::default(),
    };
    imp.header();
    imp.import_components();
    let hoisted = std::mem::take(&mut imp.hoisted);
    imp.out.types.extend(hoisted);
    imp.import_paths();
    let hoisted = std::mem::take(&mut imp.hoisted);
    imp.out.types.extend(hoisted);
    let leftover = std::mem::take(&mut imp.pending);
    imp.out.comments.extend(leftover);
    imp.break_alias_cycles();
    let text = imp.out.text();
    finish(&text, imp.diags)
}

/// The guard every import ends with: `text` is printed (formatted) only when it parses without
/// an error; otherwise the result is `LP5512` and no text. Public for its test, which feeds it
/// text that does not parse.
#[doc(hidden)]
pub fn finish(text: &str, mut diagnostics: Vec<Diagnostic>) -> Imported {
    let parsed = lp_syntax::parse(FileId(0), text);
    let problems: Vec<&Diagnostic> = parsed.diagnostics.iter().filter(|d| d.is_error()).collect();
    if !problems.is_empty() {
        let mut d = Diagnostic::new(
            codes::IMPORT_INVALID_OUTPUT,
            format!("the imported spec does not parse: {}", problems[0].message),
        );
        for p in problems.iter().take(5) {
            d = d.with_note(format!("{}: {}", p.code, p.message));
        }
        diagnostics.push(d);
        return Imported { text: None, diagnostics };
    }
    Imported { text: Some(lp_syntax::format::format(&parsed.value, text)), diagnostics }
}

/// The state of one import.
pub(crate) struct Importer<'d> {
    pub doc: &'d Value,
    pub schemas: &'d Map<String, Value>,
    pub diags: Vec<Diagnostic>,
    /// Comments for the item being imported (one per warning about it).
    pub pending: Vec<String>,
    /// Types, errors and services share one namespace.
    pub global: names::Scope,
    /// Component schema key → declared name (types and errors).
    pub type_names: BTreeMap<String, String>,
    /// Component schema key → error name, for the schemas imported as errors.
    pub error_names: BTreeMap<String, String>,
    /// Declarations made for inline schemas, added after the components.
    pub hoisted: Vec<model::TypeOut>,
    /// The error declared for an error response's status and component schema, so that every
    /// response with that status and schema is that one error.
    pub error_for_schema: BTreeMap<(u16, String), String>,
    /// Component schemas declared as a record or a sum that allow `null` (`nullable: true`,
    /// or `type: [..., "null"]`): a `$ref` to one is an `Option` of the declared type.
    pub nullable_shapes: BTreeSet<&'d str>,
    pub out: SpecOut,
}

impl Importer<'_> {
    /// A warning about the item being imported: a diagnostic and a comment above the item.
    pub fn warn(&mut self, code: Code, at: &str, message: String) {
        self.pending.push(format!("{code}: {at}: {message}"));
        self.diags.push(Diagnostic::new(code, format!("{at}: {message}")));
    }

    /// A warning whose comment goes at the top of the spec or above `standards`.
    pub fn warn_to(&mut self, code: Code, at: &str, message: String, target: ops::Target) {
        let comment = format!("{code}: {at}: {message}");
        match target {
            ops::Target::Document => self.out.comments.push(comment),
            ops::Target::Standards => self.out.standards_comments.push(comment),
        }
        self.diags.push(Diagnostic::new(code, format!("{at}: {message}")));
    }

    pub fn rename_warning(&mut self, at: &str, raw: &str, new: &str) {
        let why = if names::is_ident(raw) { "the name is reserved or already taken" } else { "not a valid identifier" };
        self.warn(codes::IMPORT_NAME_CHANGED, at, format!("`{raw}` renamed to `{new}` ({why})"));
    }

    /// `text` when it parses as a refinement expression; otherwise a warning and `None`.
    pub fn valid_expr(&mut self, text: &str, at: &str) -> Option<String> {
        let probe = format!("type T = Int where {text}\n");
        let parsed = lp_syntax::parse(FileId(0), &probe);
        // One expression on one line, with no comment that could swallow what follows it.
        let single = !text.contains('\n') && parsed.value.items.len() == 1 && parsed.value.comments.is_empty();
        if parsed.diagnostics.is_empty() && single {
            Some(text.to_string())
        } else {
            self.warn(
                codes::IMPORT_UNSUPPORTED_SCHEMA,
                at,
                format!("`x-leanos-refinement` `{}` is not a spec expression; not imported", text.replace('\n', " ")),
            );
            None
        }
    }

    /// `text` when it parses as a type reference; otherwise a warning and `None`.
    pub fn valid_type(&mut self, text: &str, at: &str) -> Option<String> {
        let probe = format!("type T = {text}\n");
        let parsed = lp_syntax::parse(FileId(0), &probe);
        let alias = matches!(
            parsed.value.items.as_slice(),
            [lp_syntax::ast::Item { kind: lp_syntax::ast::ItemKind::Type(t), .. }]
                if matches!(t.body, lp_syntax::ast::TypeBody::Alias(_)) && t.refinement.is_none()
        );
        if parsed.diagnostics.is_empty() && alias && !text.contains('\n') && parsed.value.comments.is_empty() {
            Some(text.to_string())
        } else {
            self.warn(
                codes::IMPORT_UNSUPPORTED_SCHEMA,
                at,
                format!("`x-leanos-type` `{}` is not a type; imported as `Unit`", text.replace('\n', " ")),
            );
            None
        }
    }

    /// `spec NAME version X.Y.Z` from `info.title` and `info.version`.
    fn header(&mut self) {
        let info = self.doc.get("info");
        let title = info.and_then(|i| i.get("title")).and_then(Value::as_str).unwrap_or("api");
        self.out.name = if names::is_ident(title) { title.to_string() } else { names::snake(title) };
        let raw = info.and_then(|i| i.get("version")).map(document::plain).unwrap_or_default();
        let parts: Vec<&str> = raw.split('.').collect();
        let exact = parts.len() == 3
            && parts.iter().all(|p| !p.is_empty() && p.len() < 19 && p.chars().all(|c| c.is_ascii_digit()));
        self.out.version = if exact {
            parts
                .iter()
                .map(|p| p.trim_start_matches('0').parse::<u64>().unwrap_or(0).to_string())
                .collect::<Vec<_>>()
                .join(".")
        } else {
            let mut nums: Vec<u64> = raw
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty())
                .take(3)
                .map(|s| s.parse().unwrap_or(0))
                .collect();
            nums.resize(3, 0);
            let v = nums.iter().map(u64::to_string).collect::<Vec<_>>().join(".");
            self.warn_to(
                codes::IMPORT_DOCUMENT_LOSSY,
                "info.version",
                format!("`{raw}` is not MAJOR.MINOR.PATCH; the spec says version {v}"),
                ops::Target::Document,
            );
            v
        };
    }

    /// Aliases may not expand to themselves: each alias on a cycle of aliases becomes `Unit`.
    fn break_alias_cycles(&mut self) {
        let aliases: BTreeMap<String, BTreeSet<String>> = self
            .out
            .types
            .iter()
            .filter_map(|t| match &t.body {
                BodyOut::Alias(text) => Some((t.name.clone(), idents(text))),
                _ => None,
            })
            .collect();
        let mut on_cycle = BTreeSet::new();
        for start in aliases.keys() {
            // Depth-first search over alias edges only, iteratively.
            let mut stack: Vec<&String> = aliases.get(start).map(|s| s.iter().collect()).unwrap_or_default();
            let mut seen = BTreeSet::new();
            while let Some(n) = stack.pop() {
                if n == start {
                    on_cycle.insert(start.clone());
                    break;
                }
                if seen.insert(n.clone())
                    && let Some(next) = aliases.get(n)
                {
                    stack.extend(next.iter());
                }
            }
        }
        for t in &mut self.out.types {
            if on_cycle.contains(&t.name)
                && let BodyOut::Alias(text) = &t.body
            {
                let message = format!(
                    "the alias `{} = {text}` is part of a cycle of aliases, which a spec cannot express; imported as `Unit`",
                    t.name
                );
                t.comments.push(format!("{}: schemas.{}: {message}", codes::IMPORT_REF_CYCLE, t.name));
                self.diags.push(Diagnostic::new(codes::IMPORT_REF_CYCLE, format!("schemas.{}: {message}", t.name)));
                t.body = BodyOut::Alias("Unit".into());
                t.refinement = None;
            }
        }
    }
}

/// The identifiers in a type reference's text.
fn idents(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
