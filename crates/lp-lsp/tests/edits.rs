//! Random edit sequences through the in-process server: it never panics, and its copy of the
//! document always equals a reference model that applies the same edits naively.

use lp_lsp::{Config, Server};
use lsp_server::{Message, Notification, Request, RequestId};
use lsp_types::{Position, Range, TextDocumentContentChangeEvent, Uri};
use proptest::prelude::*;
use serde_json::json;
use std::str::FromStr;

/// The reference model's offset of an LSP position: walk every char boundary, take the first
/// on the line at or past the column, or the line's end; a line past the last is the end.
/// A line ends at `\n`, `\r\n` or a lone `\r`.
fn model_offset(text: &str, pos: Position, utf8: bool) -> usize {
    let (mut line, mut col) = (0u32, 0u32);
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        if line == pos.line && (col >= pos.character || c == '\n' || c == '\r') {
            return i;
        }
        if c == '\r' && bytes.get(i + 1) == Some(&b'\n') {
            // The `\r` of a `\r\n`: the `\n` ends the line.
        } else if c == '\n' || c == '\r' {
            line += 1;
            col = 0;
        } else {
            col += if utf8 { c.len_utf8() } else { c.len_utf16() } as u32;
        }
    }
    text.len()
}

fn model_apply(text: &mut String, change: &TextDocumentContentChangeEvent, utf8: bool) {
    match change.range {
        None => *text = change.text.clone(),
        Some(r) => {
            let a = model_offset(text, r.start, utf8);
            let b = model_offset(text, r.end, utf8);
            let (s, e) = (a.min(b), a.max(b));
            *text = format!("{}{}{}", &text[..s], change.text, &text[e..]);
        }
    }
}

fn snippet() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "",
        "a",
        "type ",
        "T",
        " = ",
        "Int",
        "{",
        "}",
        "\n",
        "\r",
        "\r\n",
        "é",
        "😀",
        "//",
        " | ",
        "fn f(x: Int) -> Int = x\n",
        "machine M { states A, B initial A A -> B on go }\n",
        "\"",
        "<",
        ">",
    ]);
    prop::collection::vec(pieces, 0..4).prop_map(|v| v.concat())
}

fn change() -> impl Strategy<Value = TextDocumentContentChangeEvent> {
    let position = (0u32..12, 0u32..30).prop_map(|(l, c)| Position::new(l, c));
    prop_oneof![
        8 => (position.clone(), position, snippet()).prop_map(|(a, b, text)| TextDocumentContentChangeEvent {
            range: Some(Range { start: a, end: b }),
            range_length: None,
            text,
        }),
        1 => snippet().prop_map(|text| TextDocumentContentChangeEvent { range: None, range_length: None, text }),
    ]
}

fn note(method: &str, params: serde_json::Value) -> Message {
    Message::Notification(Notification::new(method.into(), params))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_edits_keep_the_document_in_sync(
        utf8 in any::<bool>(),
        start in snippet(),
        batches in prop::collection::vec(prop::collection::vec(change(), 1..4), 1..12),
    ) {
        let mut server = Server::new(Config { full_check: false, ..Config::default() });
        let caps = if utf8 { json!({"general": {"positionEncodings": ["utf-8"]}}) } else { json!({}) };
        let init = Request::new(RequestId::from(1), "initialize".into(), json!({"capabilities": caps}));
        server.handle(Message::Request(init));
        let uri_text = "file:///nowhere/lp-lsp-proptest/doc.adt";
        let uri = Uri::from_str(uri_text).expect("a valid URI");
        server.handle(note("textDocument/didOpen", json!({
            "textDocument": {"uri": uri_text, "languageId": "leanos", "version": 1, "text": start}
        })));
        let mut model = start.clone();
        for (v, batch) in batches.iter().enumerate() {
            for c in batch {
                model_apply(&mut model, c, utf8);
            }
            server.handle(note("textDocument/didChange", json!({
                "textDocument": {"uri": uri_text, "version": v as i32 + 2},
                "contentChanges": batch,
            })));
            prop_assert_eq!(server.document_text(&uri), Some(model.as_str()));
            // Every edit is answered with the document's diagnostics.
            let out = server.take_outgoing();
            prop_assert!(out.iter().any(|m| matches!(m, Message::Notification(n)
                if n.method == "textDocument/publishDiagnostics" && n.params["version"] == json!(v as i32 + 2))));
            // Requests at random places never fail on a document that is open.
            let hover = Request::new(RequestId::from(100 + v as i32), "textDocument/hover".into(), json!({
                "textDocument": {"uri": uri_text}, "position": {"line": v % 5, "character": v * 3}
            }));
            server.handle(Message::Request(hover));
            let out = server.take_outgoing();
            prop_assert!(out.iter().all(|m| !matches!(m, Message::Response(r) if r.response_result.is_err())));
        }
    }
}
