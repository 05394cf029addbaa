//! Language-server latency on a 5,000-line spec (`lp_driver::synth::spec`): from a
//! `didChange` to the published syntax and name diagnostics (goal: under 50 ms), and from a
//! `didChange` to the published full-check diagnostics with the in-memory verdict cache warm
//! (every unchanged obligation reused). A cold full check (empty cache) is timed once and
//! printed.
//!
//! Run with `cargo bench -p lp-lsp --bench latency`. The server runs in process: the figures
//! are the server's own work, without the JSON-RPC transport (a few microseconds per message).

use criterion::{Criterion, criterion_group, criterion_main};
use lp_lsp::{Config, Server};
use lsp_server::{Message, Notification, Request, RequestId};
use serde_json::json;
use std::time::{Duration, Instant};

const URI: &str = "file:///nowhere/lp-lsp-bench/big.adt";
const LINES: usize = 5_000;

fn note(method: &str, params: serde_json::Value) -> Message {
    Message::Notification(Notification::new(method.into(), params))
}

/// A server with the synthetic spec open and its first analysis done.
fn server(text: &str, full_check: bool) -> Server {
    let mut s = Server::new(Config { full_check, debounce: Duration::ZERO, ..Config::default() });
    s.handle(Message::Request(Request::new(RequestId::from(1), "initialize".into(), json!({"capabilities": {}}))));
    s.handle(note(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": URI, "languageId": "leanos", "version": 1, "text": text}}),
    ));
    s.take_outgoing();
    s
}

/// An edit on the last line: a comment toggled on and off, so the spec stays the same size.
fn edit(version: i32, line: usize) -> Message {
    let text = if version % 2 == 0 { "// edited\n" } else { "" };
    let end_line = if version % 2 == 0 { line } else { line + 1 };
    note(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI, "version": version}, "contentChanges": [{
            "range": {"start": {"line": line, "character": 0}, "end": {"line": end_line, "character": 0}},
            "text": text,
        }]}),
    )
}

fn published(out: &[Message]) -> usize {
    out.iter()
        .filter(|m| matches!(m, Message::Notification(n) if n.method == "textDocument/publishDiagnostics"))
        .count()
}

fn bench(c: &mut Criterion) {
    let text = lp_driver::synth::spec(LINES);
    let lines = text.lines().count();
    let mut group = c.benchmark_group(format!("lsp {lines} lines"));
    group.sample_size(20);

    let mut s = server(&text, false);
    let mut version = 1;
    group.bench_function("didChange to syntax and name diagnostics", |b| {
        b.iter(|| {
            version += 1;
            s.handle(edit(version, lines / 2));
            let out = s.take_outgoing();
            assert_eq!(published(&out), 1);
        })
    });

    // The parts: the driver's front half alone, and the index built from its ASTs.
    let fs = lp_lsp::overlay::OverlayFs {
        docs: std::sync::Arc::new([(std::path::PathBuf::from("/nowhere/big.adt"), text.clone())].into()),
        writes: Default::default(),
    };
    let path = std::path::Path::new("/nowhere/big.adt");
    group.bench_function("part: lp_driver::analyze (load, parse, resolve)", |b| {
        b.iter(|| lp_driver::analyze::analyze(&fs, path).expect("in memory"))
    });
    let analysis = lp_driver::analyze::analyze(&fs, path).expect("in memory");
    let asts: Vec<_> = analysis.files.iter().filter_map(|f| f.ast.as_ref().map(|a| (f.file, a))).collect();
    group.bench_function("part: symbol index", |b| b.iter(|| lp_lsp::index::Index::build(&asts)));

    let mut s = server(&text, true);
    let cold = Instant::now();
    s.run_due_jobs_now();
    let cold = cold.elapsed();
    let out = s.take_outgoing();
    assert_eq!(published(&out), 1, "the full check publishes");
    eprintln!("cold full check of {lines} lines (empty verdict cache): {:.1} ms", cold.as_secs_f64() * 1e3);
    group.sample_size(10);
    let mut version = 1;
    group.bench_function("didChange to full-check diagnostics (warm cache)", |b| {
        b.iter(|| {
            version += 1;
            s.handle(edit(version, lines / 2));
            s.run_due_jobs_now();
            let out = s.take_outgoing();
            assert_eq!(published(&out), 2, "quick diagnostics, then the full check's");
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
