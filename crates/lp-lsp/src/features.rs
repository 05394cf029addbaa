//! The request handlers: hover, navigation, rename, symbols, formatting, completion and quick
//! fixes. Each takes the server's state read-only and returns the LSP result.

use crate::index::{Def, Index, Key, Scope, SymKind};
use crate::position::LineIndex;
use crate::server::{ReqError, Server, Workspace, doc_path};
use lp_diagnostics::FileId;
use lsp_server::ErrorCode;
use lsp_types as lsp;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The built-in types, offered by completion.
const BUILTIN_TYPES: &[&str] =
    &["Bool", "Decimal", "Int", "List", "Map", "Option", "Result", "Set", "String", "Unit", "Void"];

/// The most lines of a declaration a hover shows.
const HOVER_LINES: usize = 24;

/// An open document, its workspace and its file id there.
struct At<'s> {
    text: &'s str,
    index: &'s LineIndex,
    ws: &'s Workspace,
    file: Option<FileId>,
}

fn not_open(uri: &lsp::Uri) -> ReqError {
    (ErrorCode::InvalidParams, format!("document not open: {}", uri.as_str()))
}

fn open<'s>(s: &'s Server, uri: &lsp::Uri) -> Result<At<'s>, ReqError> {
    let path = doc_path(uri);
    let doc = s.docs.get(&path).ok_or_else(|| not_open(uri))?;
    let ws = s.workspace_of(&path).ok_or_else(|| not_open(uri))?;
    Ok(At { text: &doc.text, index: &doc.index, ws, file: ws.file_of(&path) })
}

/// The index key under a position, if the position exists and is on a name.
fn key_at(s: &Server, at: &At<'_>, pos: lsp::Position) -> Option<(Key, lp_diagnostics::Span)> {
    let offset = at.index.checked_offset(at.text, pos, s.encoding)?;
    let occ = at.ws.index.occurrence_at(at.file?, offset)?;
    Some(((*occ.key).clone(), occ.span))
}

/// A location of a span in a workspace file.
fn location(s: &Server, ws: &Workspace, file: FileId, span: lp_diagnostics::Span) -> Option<lsp::Location> {
    let a = ws.analysis.as_ref()?;
    let path = ws.path_of(file)?;
    let f = a.db.get(file);
    let idx = LineIndex::new(&f.text);
    Some(lsp::Location { uri: s.uri_of(&path)?, range: idx.range(&f.text, span, s.encoding) })
}

pub fn hover(s: &Server, p: lsp::HoverParams) -> Result<Option<lsp::Hover>, ReqError> {
    let tdp = p.text_document_position_params;
    let at = open(s, &tdp.text_document.uri)?;
    let Some((key, span)) = key_at(s, &at, tdp.position) else { return Ok(None) };
    let Some(def) = at.ws.index.defs_of(&key).next() else { return Ok(None) };
    let Some(a) = at.ws.analysis.as_ref() else { return Ok(None) };
    let src = &a.db.get(def.file).text;
    let mut md = String::new();
    md.push_str(&format!("{} `{}`", def.kind.word(), key.1));
    if let Some(c) = &def.container {
        md.push_str(&format!(" in `{c}`"));
    }
    md.push_str("\n\n```leanos\n");
    let decl = src.get(def.span.range()).unwrap_or("");
    let lines = lp_diagnostics::lines(decl);
    md.push_str(&lines[..lines.len().min(HOVER_LINES)].join("\n"));
    if lines.len() > HOVER_LINES {
        md.push_str("\n// …");
    }
    md.push_str("\n```\n");
    if !def.docs.is_empty() {
        md.push('\n');
        md.push_str(&def.docs.iter().map(|d| d.trim()).collect::<Vec<_>>().join("\n"));
        md.push('\n');
    }
    if let Some(facts) = adt_facts_line(a, def) {
        md.push('\n');
        md.push_str(&facts);
        md.push('\n');
    }
    md.push_str(&verdicts_text(at.ws, def));
    Ok(Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent { kind: lsp::MarkupKind::Markdown, value: md }),
        range: Some(at.index.range(at.text, span, s.encoding)),
    }))
}

/// The path count and normal form of a type or error, when the spec resolved cleanly.
fn adt_facts_line(a: &lp_driver::analyze::Analysis, def: &Def) -> Option<String> {
    if !matches!(def.kind, SymKind::Type | SymKind::Error) || def.key.0 != Scope::Global {
        return None;
    }
    let spec = a.spec.as_ref()?;
    if a.diagnostics.iter().any(|d| d.is_error()) {
        return None;
    }
    let facts = lp_check::passes::adt::AdtFacts::new(spec);
    match spec.lookup(&def.key.1)? {
        lp_ir::DefId::Type(id) => Some(format!(
            "**paths:** {} · **normal form:** `{}`{}",
            facts.type_count(id),
            facts.normal_form(id),
            if facts.type_inhabited(id) { "" } else { " · **uninhabited**" }
        )),
        lp_ir::DefId::Error(id) => Some(format!("**paths:** {}", facts.error_count(id))),
        _ => None,
    }
}

/// The verdicts of the obligations about a definition, from the last full check.
fn verdicts_text(ws: &Workspace, def: &Def) -> String {
    let Some(path) = ws.path_of(def.file) else { return String::new() };
    let Some((generation, verdicts)) = &ws.verdicts else {
        return "\n*obligations: checking…*\n".into();
    };
    if *generation != ws.generation {
        return "\n*obligations: re-checking after the last edit…*\n".into();
    }
    let mine: Vec<_> = verdicts
        .iter()
        .filter(|v| v.path == path && def.span.start <= v.span.start && v.span.end <= def.span.end)
        .collect();
    if mine.is_empty() {
        return "\n*no obligations about this item*\n".into();
    }
    let mut out = String::from("\n**obligations:**\n");
    for v in mine.iter().take(20) {
        out.push_str(&format!("- {} — {} (`{}`)\n", v.verdict, v.claim, v.id));
    }
    if mine.len() > 20 {
        out.push_str(&format!("- … and {} more\n", mine.len() - 20));
    }
    out
}

pub fn definition(s: &Server, p: lsp::GotoDefinitionParams) -> Result<Option<lsp::GotoDefinitionResponse>, ReqError> {
    let tdp = p.text_document_position_params;
    let at = open(s, &tdp.text_document.uri)?;
    let Some((key, _)) = key_at(s, &at, tdp.position) else { return Ok(None) };
    let locs: Vec<lsp::Location> =
        at.ws.index.defs_of(&key).filter_map(|d| location(s, at.ws, d.file, d.name_span)).collect();
    Ok(match locs.len() {
        0 => None,
        1 => locs.into_iter().next().map(lsp::GotoDefinitionResponse::Scalar),
        _ => Some(lsp::GotoDefinitionResponse::Array(locs)),
    })
}

pub fn references(s: &Server, p: lsp::ReferenceParams) -> Result<Option<Vec<lsp::Location>>, ReqError> {
    let tdp = p.text_document_position;
    let at = open(s, &tdp.text_document.uri)?;
    let Some((key, _)) = key_at(s, &at, tdp.position) else { return Ok(None) };
    let include = p.context.include_declaration;
    Ok(Some(
        at.ws
            .index
            .occurrences_of(&key)
            .filter(|o| include || !o.is_def)
            .filter_map(|o| location(s, at.ws, o.file, o.span))
            .collect(),
    ))
}

/// Whether a new name is an identifier of the language (`grammar/leanos.ebnf`, `IDENT`).
fn is_ident(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub fn prepare_rename(
    s: &Server,
    p: lsp::TextDocumentPositionParams,
) -> Result<Option<lsp::PrepareRenameResponse>, ReqError> {
    let at = open(s, &p.text_document.uri)?;
    Ok(key_at(s, &at, p.position)
        .map(|(_, span)| lsp::PrepareRenameResponse::Range(at.index.range(at.text, span, s.encoding))))
}

/// Why a new name is refused before looking at the spec: not an identifier, or a keyword.
fn invalid_new_name(name: &str) -> Option<String> {
    if !is_ident(name) {
        return Some(format!("`{name}` is not an identifier"));
    }
    if lp_syntax::is_keyword(name) {
        return Some(format!("`{name}` is a keyword of the language"));
    }
    None
}

// `lsp_types::Uri` hashes and compares by its text; its inner cell is a parse cache.
#[allow(clippy::mutable_key_type)]
pub fn rename(s: &Server, p: lsp::RenameParams) -> Result<Option<lsp::WorkspaceEdit>, ReqError> {
    let tdp = p.text_document_position;
    let at = open(s, &tdp.text_document.uri)?;
    let new = p.new_name.as_str();
    if let Some(why) = invalid_new_name(new) {
        return Err((ErrorCode::InvalidParams, why));
    }
    let Some((key, _)) = key_at(s, &at, tdp.position) else { return Ok(None) };
    if new != key.1 {
        if let Some(d) = at.ws.index.defs.iter().find(|d| d.key.0 == key.0 && d.key.1 == new) {
            let place = d.container.as_ref().map(|c| format!(" in `{c}`")).unwrap_or_default();
            return Err((
                ErrorCode::RequestFailed,
                format!("`{new}` is already declared: {} `{new}`{place}", d.kind.word()),
            ));
        }
        let root =
            s.workspace_root_of(&doc_path(&tdp.text_document.uri)).ok_or_else(|| not_open(&tdp.text_document.uri))?;
        check_rename_keeps_meaning(s, at.ws, root, &key, new).map_err(|why| (ErrorCode::RequestFailed, why))?;
    }
    let mut changes: HashMap<lsp::Uri, Vec<lsp::TextEdit>> = HashMap::new();
    for o in at.ws.index.occurrences_of(&key) {
        if let Some(loc) = location(s, at.ws, o.file, o.span) {
            changes.entry(loc.uri).or_default().push(lsp::TextEdit { range: loc.range, new_text: p.new_name.clone() });
        }
    }
    Ok(Some(lsp::WorkspaceEdit { changes: Some(changes), ..Default::default() }))
}

/// Re-analyses the workspace with the rename applied and compares it with the current one: the
/// same diagnostics (by code and file), and every written name still resolving to the same
/// definition, with the renamed one (and, for a machine or service, its scope) under its new
/// name. This finds what a list of rules would miss: a variable that would capture a
/// function's uses, a variant that would become a pattern binding, a built-in's name.
fn check_rename_keeps_meaning(s: &Server, ws: &Workspace, root: &Path, key: &Key, new: &str) -> Result<(), String> {
    let Some(a) = ws.analysis.as_ref() else { return Ok(()) };
    // The renamed texts of the files the name occurs in, over the current snapshot.
    let mut texts: HashMap<FileId, String> = HashMap::new();
    let mut spans: HashMap<FileId, Vec<lp_diagnostics::Span>> = HashMap::new();
    for o in ws.index.occurrences_of(key) {
        spans.entry(o.file).or_default().push(o.span);
    }
    for (file, mut list) in spans {
        list.sort_by_key(|sp| std::cmp::Reverse(sp.start));
        let mut text = a.db.get(file).text.to_string();
        for sp in list {
            text.replace_range(sp.range(), new);
        }
        texts.insert(file, text);
    }
    let mut fs = s.snapshot();
    let mut docs = (*fs.docs).clone();
    for (file, text) in texts {
        let path = ws.path_of(file).ok_or("a file of the workspace has no path")?;
        docs.insert(path, text);
    }
    fs.docs = std::sync::Arc::new(docs);
    let after = lp_driver::analyze::analyze(&fs, root).map_err(|e| format!("the renamed spec cannot be read: {e}"))?;
    let codes = |an: &lp_driver::analyze::Analysis| {
        let mut v: Vec<(String, String)> = an
            .diagnostics
            .iter()
            .map(|d| {
                (
                    d.code.id().to_string(),
                    d.primary.as_ref().map(|l| an.db.get(l.file).name.clone()).unwrap_or_default(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let (before_codes, after_codes) = (codes(a), codes(&after));
    if before_codes != after_codes {
        let new_codes: Vec<&str> =
            after_codes.iter().filter(|c| !before_codes.contains(c)).map(|(code, _)| code.as_str()).collect();
        return Err(format!(
            "renaming `{}` to `{new}` would change the spec's diagnostics{}",
            key.1,
            if new_codes.is_empty() { String::new() } else { format!(" (new: {})", new_codes.join(", ")) }
        ));
    }
    let renamed = |k: &Key| -> Key {
        let scope = match &k.0 {
            Scope::Machine(m) if key.0 == Scope::Global && *m == key.1 => Scope::Machine(new.to_string()),
            Scope::Service(sv) if key.0 == Scope::Global && *sv == key.1 => Scope::Service(new.to_string()),
            other => other.clone(),
        };
        let name = if k == key { new.to_string() } else { k.1.clone() };
        (scope, name)
    };
    let asts: Vec<(FileId, &lp_syntax::ast::SourceFileAst)> =
        after.files.iter().filter_map(|f| f.ast.as_ref().map(|ast| (f.file, ast))).collect();
    let after_index = Index::build(&asts);
    let by_path = |index: &Index, path_of: &dyn Fn(FileId) -> Option<PathBuf>, map: &dyn Fn(&Key) -> Key| {
        let mut out: Vec<(Option<PathBuf>, Key, bool)> =
            index.occurrences.iter().map(|o| (path_of(o.file), map(&o.key), o.is_def)).collect();
        // Occurrences are in position order within a file; a stable sort by path keeps it.
        out.sort_by(|x, y| x.0.cmp(&y.0));
        out
    };
    let after_path = |f: FileId| after.files.iter().find(|e| e.file == f).map(|e| e.path.clone());
    let expected = by_path(&ws.index, &|f| ws.path_of(f), &renamed);
    let got = by_path(&after_index, &after_path, &|k: &Key| k.clone());
    if expected != got {
        let first = expected.iter().zip(&got).find(|(x, y)| x != y).map(|(x, _)| &x.1.1);
        return Err(format!(
            "renaming `{}` to `{new}` would make names refer to other definitions{}",
            key.1,
            first.map(|n| format!(" (first: `{n}`)")).unwrap_or_default()
        ));
    }
    Ok(())
}

fn symbol_kind(k: SymKind) -> lsp::SymbolKind {
    match k {
        SymKind::Type => lsp::SymbolKind::STRUCT,
        SymKind::Variant => lsp::SymbolKind::ENUM_MEMBER,
        SymKind::Error => lsp::SymbolKind::OBJECT,
        SymKind::Fn | SymKind::Flow => lsp::SymbolKind::FUNCTION,
        SymKind::Machine => lsp::SymbolKind::CLASS,
        SymKind::State => lsp::SymbolKind::CONSTANT,
        SymKind::Var => lsp::SymbolKind::VARIABLE,
        SymKind::Service => lsp::SymbolKind::MODULE,
        SymKind::Op => lsp::SymbolKind::METHOD,
        SymKind::Entity => lsp::SymbolKind::STRUCT,
        SymKind::Invariant => lsp::SymbolKind::PROPERTY,
    }
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` must still be written.
pub fn document_symbols(
    s: &Server,
    p: lsp::DocumentSymbolParams,
) -> Result<Option<lsp::DocumentSymbolResponse>, ReqError> {
    let at = open(s, &p.text_document.uri)?;
    let Some(file) = at.file else { return Ok(Some(lsp::DocumentSymbolResponse::Nested(Vec::new()))) };
    let idx: &Index = &at.ws.index;
    let sym = |d: &Def, children: Option<Vec<lsp::DocumentSymbol>>| lsp::DocumentSymbol {
        name: d.key.1.clone(),
        detail: d.container.clone(),
        kind: symbol_kind(d.kind),
        tags: None,
        deprecated: None,
        range: at.index.range(at.text, d.span, s.encoding),
        selection_range: at.index.range(at.text, d.name_span, s.encoding),
        children,
    };
    let mut out = Vec::new();
    for top in idx.defs.iter().filter(|d| d.file == file && d.container.is_none()) {
        let children: Vec<lsp::DocumentSymbol> = idx
            .defs
            .iter()
            .filter(|c| {
                c.file == file
                    && c.container.as_deref() == Some(top.key.1.as_str())
                    && top.span.start <= c.span.start
                    && c.span.end <= top.span.end
            })
            .map(|c| sym(c, None))
            .collect();
        out.push(sym(top, Some(children)));
    }
    Ok(Some(lsp::DocumentSymbolResponse::Nested(out)))
}

#[allow(deprecated)] // `SymbolInformation::deprecated` must still be written.
pub fn workspace_symbols(
    s: &Server,
    p: lsp::WorkspaceSymbolParams,
) -> Result<Option<lsp::WorkspaceSymbolResponse>, ReqError> {
    let query = p.query.to_lowercase();
    let mut out = Vec::new();
    for ws in s.workspaces.values() {
        for d in &ws.index.defs {
            if !d.key.1.to_lowercase().contains(&query) {
                continue;
            }
            let Some(location) = location(s, ws, d.file, d.name_span) else { continue };
            out.push(lsp::SymbolInformation {
                name: d.key.1.clone(),
                kind: symbol_kind(d.kind),
                tags: None,
                deprecated: None,
                location,
                container_name: d.container.clone(),
            });
        }
    }
    Ok(Some(lsp::WorkspaceSymbolResponse::Flat(out)))
}

pub fn formatting(s: &Server, p: lsp::DocumentFormattingParams) -> Result<Option<Vec<lsp::TextEdit>>, ReqError> {
    let at = open(s, &p.text_document.uri)?;
    let parsed = lp_syntax::parse(FileId(0), at.text);
    if parsed.diagnostics.iter().any(|d| d.is_error()) {
        // The formatter needs a tree without errors; the diagnostics already say why.
        return Ok(None);
    }
    let formatted = lp_syntax::format::format(&parsed.value, at.text);
    if formatted == at.text {
        return Ok(Some(Vec::new()));
    }
    let end = at.index.position(at.text, at.text.len(), s.encoding);
    Ok(Some(vec![lsp::TextEdit { range: lsp::Range { start: lsp::Position::new(0, 0), end }, new_text: formatted }]))
}

pub fn completion(s: &Server, p: lsp::CompletionParams) -> Result<Option<lsp::CompletionResponse>, ReqError> {
    let tdp = p.text_document_position;
    let at = open(s, &tdp.text_document.uri)?;
    let Some(offset) = at.index.checked_offset(at.text, tdp.position, s.encoding) else { return Ok(None) };
    let idx = &at.ws.index;
    // The machine or service the cursor is in: its states, variables and operations count.
    let local: Option<Scope> = at.file.and_then(|file| {
        idx.defs
            .iter()
            .filter(|d| d.file == file && matches!(d.kind, SymKind::Machine | SymKind::Service))
            .find(|d| d.span.start as usize <= offset && offset <= d.span.end as usize)
            .map(|d| match d.kind {
                SymKind::Machine => Scope::Machine(d.key.1.clone()),
                _ => Scope::Service(d.key.1.clone()),
            })
    });
    let mut seen = std::collections::BTreeMap::new();
    for d in &idx.defs {
        if d.key.0 == Scope::Global || Some(&d.key.0) == local.as_ref() {
            seen.entry(d.key.1.clone()).or_insert_with(|| (d.kind, d.container.clone()));
        }
    }
    let mut items: Vec<lsp::CompletionItem> = seen
        .into_iter()
        .map(|(name, (kind, container))| lsp::CompletionItem {
            label: name,
            kind: Some(completion_kind(kind)),
            detail: Some(match container {
                Some(c) => format!("{} in {c}", kind.word()),
                None => kind.word().to_string(),
            }),
            ..Default::default()
        })
        .collect();
    items.extend(BUILTIN_TYPES.iter().map(|t| lsp::CompletionItem {
        label: (*t).to_string(),
        kind: Some(lsp::CompletionItemKind::STRUCT),
        detail: Some("built-in type".into()),
        ..Default::default()
    }));
    // The keywords, `fresh` among them, so that statements of operation bodies (`require`,
    // `fire`, `create`, ...) and store expressions (`exists`, `count`, ...) complete too.
    items.extend(lp_syntax::KEYWORDS.iter().chain(&["fresh"]).map(|k| lsp::CompletionItem {
        label: (*k).to_string(),
        kind: Some(lsp::CompletionItemKind::KEYWORD),
        detail: Some("keyword".into()),
        ..Default::default()
    }));
    Ok(Some(lsp::CompletionResponse::Array(items)))
}

fn completion_kind(k: SymKind) -> lsp::CompletionItemKind {
    match k {
        SymKind::Type | SymKind::Error => lsp::CompletionItemKind::STRUCT,
        SymKind::Variant => lsp::CompletionItemKind::ENUM_MEMBER,
        SymKind::Fn | SymKind::Flow => lsp::CompletionItemKind::FUNCTION,
        SymKind::Machine => lsp::CompletionItemKind::CLASS,
        SymKind::State => lsp::CompletionItemKind::CONSTANT,
        SymKind::Var => lsp::CompletionItemKind::VARIABLE,
        SymKind::Service => lsp::CompletionItemKind::MODULE,
        SymKind::Op => lsp::CompletionItemKind::METHOD,
        SymKind::Entity => lsp::CompletionItemKind::STRUCT,
        SymKind::Invariant => lsp::CompletionItemKind::PROPERTY,
    }
}

/// The name a did-you-mean help line suggests (`lp_ir::suggest::similar_help`).
fn suggestion(help: &str) -> Option<&str> {
    let rest = help.split_once("with a similar name exists: `")?.1;
    let name = rest.strip_suffix('`')?;
    is_ident(name).then_some(name)
}

// `lsp_types::Uri` hashes and compares by its text; its inner cell is a parse cache.
#[allow(clippy::mutable_key_type)]
pub fn code_actions(s: &Server, p: lsp::CodeActionParams) -> Result<Option<lsp::CodeActionResponse>, ReqError> {
    let at = open(s, &p.text_document.uri)?;
    let path: PathBuf = doc_path(&p.text_document.uri);
    let Some(a) = at.ws.analysis.as_ref() else { return Ok(Some(Vec::new())) };
    let want_start = at.index.offset(at.text, p.range.start, s.encoding);
    let want_end = at.index.offset(at.text, p.range.end, s.encoding);
    let mut out = Vec::new();
    for d in &a.diagnostics {
        let (Some(label), Some(help)) = (&d.primary, &d.help) else { continue };
        let Some(name) = suggestion(help) else { continue };
        if Some(Path::new(&a.db.get(label.file).name)) != Some(path.as_path()) {
            continue;
        }
        let (start, end) = (label.span.start as usize, label.span.end as usize);
        if end < want_start || start > want_end {
            continue;
        }
        let range = at.index.range(at.text, label.span, s.encoding);
        let uri = p.text_document.uri.clone();
        let mut changes = HashMap::new();
        changes.insert(uri, vec![lsp::TextEdit { range, new_text: name.to_string() }]);
        let diagnostic = lsp::Diagnostic {
            range,
            severity: Some(if d.is_error() {
                lsp::DiagnosticSeverity::ERROR
            } else {
                lsp::DiagnosticSeverity::WARNING
            }),
            code: Some(lsp::NumberOrString::String(d.code.id().to_string())),
            source: Some("leanos-prove".into()),
            message: d.message.clone(),
            ..Default::default()
        };
        out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
            title: format!("Replace with `{name}`"),
            kind: Some(lsp::CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![diagnostic]),
            edit: Some(lsp::WorkspaceEdit { changes: Some(changes), ..Default::default() }),
            is_preferred: Some(true),
            ..Default::default()
        }));
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_suggested_name_from_help() {
        assert_eq!(suggestion("a type with a similar name exists: `Product`"), Some("Product"));
        assert_eq!(suggestion("an event with a similar name exists: `start`"), Some("start"));
        assert_eq!(suggestion("choose another name"), None);
        assert!(is_ident("_a1") && !is_ident("1a") && !is_ident("a-b") && !is_ident(""));
    }
}
