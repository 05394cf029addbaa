//! Rename on a real project (catalog-sync) through the in-process server: an accepted rename
//! leaves a spec with the same diagnostics and the same IR with the name changed; a refused
//! one (a keyword, a non-identifier, a name already declared, a rename that changes what
//! names mean) is an error response with no edit.

use lp_diagnostics::FileId;
use lp_lsp::overlay::OverlayFs;
use lp_lsp::{Config, Server};
use lsp_server::{Message, Notification, Request, RequestId, Response};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec-examples/catalog-sync").canonicalize().expect("the example")
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The project's spec files and their texts.
fn project() -> BTreeMap<PathBuf, String> {
    let spec = root().join("spec");
    ["catalog.adt", "services.adt", "sync.adt"]
        .iter()
        .map(|f| {
            let p = spec.join(f);
            let text = std::fs::read_to_string(&p).expect("a spec file");
            (p, text)
        })
        .collect()
}

fn server(files: &BTreeMap<PathBuf, String>) -> Server {
    let mut s = Server::new(Config { full_check: false, ..Config::default() });
    s.handle(Message::Request(Request::new(RequestId::from(0), "initialize".into(), json!({"capabilities": {}}))));
    s.handle(Message::Notification(Notification::new("initialized".into(), json!({}))));
    for (p, text) in files {
        s.handle(Message::Notification(Notification::new(
            "textDocument/didOpen".into(),
            json!({"textDocument": {"uri": uri(p), "languageId": "leanos", "version": 1, "text": text}}),
        )));
    }
    s.take_outgoing();
    s
}

/// The position of the `nth` occurrence of a needle (the files are ASCII).
fn pos(text: &str, needle: &str, nth: usize) -> Value {
    let at = text.match_indices(needle).nth(nth).map(|(i, _)| i).expect("the needle is in the text");
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": col})
}

fn rename(s: &mut Server, file: &Path, at: Value, new: &str) -> Response {
    s.handle(Message::Request(Request::new(
        RequestId::from(1),
        "textDocument/rename".into(),
        json!({"textDocument": {"uri": uri(file)}, "position": at, "newName": new}),
    )));
    s.take_outgoing()
        .into_iter()
        .find_map(|m| match m {
            Message::Response(r) => Some(r),
            _ => None,
        })
        .expect("a response")
}

fn offset(text: &str, p: &Value) -> usize {
    let line = p["line"].as_u64().expect("line") as usize;
    let col = p["character"].as_u64().expect("character") as usize;
    text.split_inclusive('\n').take(line).map(str::len).sum::<usize>() + col
}

/// The texts after a workspace edit.
fn apply(files: &BTreeMap<PathBuf, String>, edit: &Value) -> BTreeMap<PathBuf, String> {
    let mut out = files.clone();
    for (u, edits) in edit["changes"].as_object().expect("changes") {
        let path = PathBuf::from(u.strip_prefix("file://").expect("a file URI"));
        let text = out.get_mut(&path).expect("an edit of a project file");
        let mut edits: Vec<&Value> = edits.as_array().expect("edits").iter().collect();
        edits.sort_by_key(|e| std::cmp::Reverse(offset(text, &e["range"]["start"])));
        for e in edits {
            let (a, b) = (offset(text, &e["range"]["start"]), offset(text, &e["range"]["end"]));
            text.replace_range(a..b, e["newText"].as_str().expect("text"));
        }
    }
    out
}

/// The name-resolution diagnostics (code and file) and the printed IR of a project's texts.
fn analyse(files: &BTreeMap<PathBuf, String>) -> (Vec<(String, String)>, String) {
    analyse_at(files, &root())
}

/// [`analyse`] of the project (or single spec file) at `at`.
fn analyse_at(files: &BTreeMap<PathBuf, String>, at: &Path) -> (Vec<(String, String)>, String) {
    let fs = OverlayFs { docs: Arc::new(files.clone()), writes: Arc::default() };
    let a = lp_driver::analyze::analyze(&fs, at).expect("the project reads");
    let mut codes: Vec<(String, String)> = a
        .diagnostics
        .iter()
        .map(|d| {
            let file = d.primary.as_ref().map_or(FileId(u32::MAX), |l| l.file);
            let name = if file.0 == u32::MAX { String::new() } else { a.db.get(file).name.clone() };
            (d.code.id().to_string(), name)
        })
        .collect();
    codes.sort();
    (codes, a.spec.as_ref().map(lp_ir::print).unwrap_or_default())
}

/// Replaces every whole-word occurrence of `from` by `to`.
fn replace_word(text: &str, from: &str, to: &str) -> String {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::new();
    let mut last = 0;
    for (i, _) in text.match_indices(from) {
        let end = i + from.len();
        if !text[..i].chars().next_back().is_some_and(is_word) && !text[end..].chars().next().is_some_and(is_word) {
            out.push_str(&text[last..i]);
            out.push_str(to);
            last = end;
        }
    }
    out.push_str(&text[last..]);
    out
}

#[test]
fn accepted_renames_keep_the_spec_and_refused_ones_edit_nothing() {
    let files = project();
    let spec = root().join("spec");
    let (catalog, sync) = (spec.join("catalog.adt"), spec.join("sync.adt"));
    let (codes_before, ir_before) = analyse(&files);
    assert!(!ir_before.is_empty(), "catalog-sync lowers");

    // (file, needle, nth, old name, new name): accepted.
    let accepted: &[(&Path, &str, usize, &str, &str)] = &[
        (&catalog, "Sku =", 0, "Sku", "StockUnit"),
        (&catalog, "Shopify |", 0, "Shopify", "ShopifyPlus"),
        (&catalog, "discounted(p", 0, "discounted", "after_discount"),
        (&sync, "SyncJob {", 0, "SyncJob", "Job"),
        // A state declared by use only (no `states` line).
        (&sync, "Running -> Pending", 0, "Running", "InProgress"),
        (&sync, "attempts < 3", 0, "attempts", "tries"),
        // States are not in the types' namespace: a state may be called like a type.
        (&sync, "Pending -> Running", 0, "Pending", "Sku"),
    ];
    for &(file, needle, nth, old, new) in accepted {
        let mut s = server(&files);
        let r = rename(&mut s, file, pos(&files[file], needle, nth), new);
        let edit = match r.response_result {
            Ok(edit) => edit,
            Err(e) => panic!("{old} -> {new} refused: {}", e.message),
        };
        assert!(edit.is_object(), "{old} -> {new}: no edit ({edit})");
        let after = apply(&files, &edit);
        assert_ne!(after, files, "{old} -> {new} changed nothing");
        let (codes_after, ir_after) = analyse(&after);
        assert_eq!(codes_after, codes_before, "{old} -> {new} changed the diagnostics");
        if !files.values().any(|t| replace_word(t, new, "\u{0}") != *t) {
            // A fresh name: the IR is the same once the new name reads as the old one again.
            assert_eq!(replace_word(&ir_after, new, old), ir_before, "{old} -> {new} changed the IR");
        }
    }

    // (file, needle, nth, new name, JSON-RPC error code): refused.
    let refused: &[(&Path, &str, usize, &str, i64)] = &[
        (&catalog, "Sku =", 0, "type", -32602),
        (&sync, "Running -> Pending", 0, "initial", -32602),
        (&catalog, "Sku =", 0, "not-a-name", -32602),
        (&catalog, "Sku =", 0, "", -32602),
        // Already declared in the same namespace.
        (&catalog, "Cents =", 0, "Sku", -32803),
        (&catalog, "Shopify |", 0, "WooCommerce", -32803),
        (&sync, "Running -> Pending", 0, "Pending", -32803),
        (&catalog, "discounted(p", 0, "effective_price", -32803),
        // A built-in type's name.
        (&catalog, "Cents =", 0, "Int", -32803),
        // A variant with a lower-case name is a binding in `platform_fee`'s pattern.
        (&catalog, "Shopify |", 0, "shopify", -32803),
    ];
    for &(file, needle, nth, new, code) in refused {
        let mut s = server(&files);
        let r = rename(&mut s, file, pos(&files[file], needle, nth), new);
        let e = match r.response_result {
            Ok(edit) => panic!("{needle} -> {new:?} was accepted with {edit}"),
            Err(e) => e,
        };
        assert_eq!(e.code as i64, code, "{needle} -> {new:?}: {}", e.message);
        assert!(!e.message.is_empty());
    }
}

/// Entities, errors and operations used in operation bodies rename everywhere they are used:
/// lookups, `create`, `delete`, `exists`, `count`, quantifiers, `put` values, raised errors
/// and calls of another service's operations.
#[test]
fn renames_reach_every_use_in_operation_bodies() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus/passes/behaviour_clean.adt");
    let path = path.canonicalize().expect("the corpus case exists");
    let text = std::fs::read_to_string(&path).expect("readable");
    let files: BTreeMap<PathBuf, String> = [(path.clone(), text.clone())].into_iter().collect();
    let (codes_before, ir_before) = analyse_at(&files, &path);
    assert!(codes_before.is_empty(), "the case checks clean: {codes_before:?}");
    // (needle, nth, old name, new name, the least number of occurrences).
    let cases: &[(&str, usize, &str, &str, usize)] = &[
        ("Run key", 0, "Run", "JobRun", 4),
        ("Tenant key", 0, "Tenant", "Org", 5),
        ("Missing =", 0, "Missing", "NotThere", 5),
        ("get(id", 0, "get", "fetch", 3),
    ];
    for &(needle, nth, old, new, least) in cases {
        let mut s = server(&files);
        let r = rename(&mut s, &path, pos(&text, needle, nth), new);
        let edit = match r.response_result {
            Ok(edit) => edit,
            Err(e) => panic!("{old} -> {new} refused: {}", e.message),
        };
        let after = apply(&files, &edit);
        let renamed = &after[&path];
        assert!(renamed.matches(new).count() >= least, "{old} -> {new}: too few uses renamed:\n{renamed}");
        let (codes_after, ir_after) = analyse_at(&after, &path);
        assert!(codes_after.is_empty(), "{old} -> {new} broke the spec: {codes_after:?}");
        assert_eq!(replace_word(&ir_after, new, old), ir_before, "{old} -> {new} changed the IR");
    }
}
