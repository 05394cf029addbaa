//! The language server driven as an editor drives it: the real `leanos-prove lsp` binary,
//! Content-Length framed JSON-RPC over its standard input and output.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// How long a test waits for one message before failing.
const WAIT: Duration = Duration::from_secs(60);

const SPEC: &str = "spec shop version 1.0.0

/// A product in the catalog.
type Product = { sku: String, price: Int }

type Status = | Active | Retired

fn live(s: Status) -> Bool = match s { Active => true, Retired => false }

type Order = { item: Product, status: Status }

machine Life {
  states Draft, Live
  initial Draft
  Draft -> Live on publish
}
";

/// A running server and what it has sent.
struct Lsp {
    child: Child,
    stdin: Option<ChildStdin>,
    rx: Receiver<Value>,
    /// Notifications received while waiting for responses.
    notifications: Vec<Value>,
    next_id: i64,
}

impl Lsp {
    fn start(args: &[&str]) -> Lsp {
        let mut child = Command::new(env!("CARGO_BIN_EXE_leanos-prove"))
            .arg("lsp")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let stdin = child.stdin.take();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        length = v.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("the server always sends Content-Length")];
                r.read_exact(&mut body).expect("a whole body");
                let v: Value = serde_json::from_slice(&body).expect("the server sends JSON");
                assert_eq!(v["jsonrpc"], "2.0", "{v}");
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        Lsp { child, stdin, rx, notifications: Vec::new(), next_id: 1 }
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).expect("the server reads");
        stdin.flush().expect("flush");
    }

    fn send(&mut self, v: &Value) {
        let body = v.to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn next(&mut self) -> Value {
        match self.rx.recv_timeout(WAIT) {
            Ok(v) => v,
            Err(RecvTimeoutError::Timeout) => panic!("no message from the server within {WAIT:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output"),
        }
    }

    /// The response with this id (notifications on the way are kept).
    fn response(&mut self, id: &Value) -> Value {
        loop {
            let v = self.next();
            if v.get("method").is_some() && v.get("id").is_none() {
                self.notifications.push(v);
            } else if &v["id"] == id {
                return v;
            } else {
                panic!("unexpected message {v}");
            }
        }
    }

    /// Sends a request and returns the whole response (result or error).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = json!(self.next_id);
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.response(&id)
    }

    /// Sends a request and returns its result, failing on an error response.
    fn call(&mut self, method: &str, params: Value) -> Value {
        let r = self.request(method, params);
        assert!(r.get("error").is_none(), "{method} failed: {r}");
        r["result"].clone()
    }

    /// Waits for diagnostics of `uri` satisfying `pred`, and returns them.
    fn diagnostics_until(&mut self, uri: &str, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + WAIT;
        let mut seen = std::mem::take(&mut self.notifications).into_iter();
        loop {
            let v = match seen.next() {
                Some(v) => v,
                None => {
                    assert!(Instant::now() < deadline, "no matching diagnostics for {uri}");
                    self.next()
                }
            };
            if v["method"] == "textDocument/publishDiagnostics" && v["params"]["uri"] == uri {
                let diags = v["params"]["diagnostics"].as_array().cloned().unwrap_or_default();
                if pred(&diags) {
                    self.notifications.extend(seen);
                    return diags;
                }
            }
        }
    }

    fn initialize(&mut self, capabilities: Value) -> Value {
        let r = self.call("initialize", json!({"processId": null, "rootUri": null, "capabilities": capabilities}));
        self.notify("initialized", json!({}));
        r
    }

    /// Sends `shutdown` and `exit` and returns the exit code.
    fn finish(mut self) -> i32 {
        assert_eq!(self.call("shutdown", Value::Null), Value::Null);
        self.notify("exit", Value::Null);
        self.wait()
    }

    fn wait(&mut self) -> i32 {
        drop(self.stdin.take());
        let status = self.child.wait().expect("the server exits");
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        assert!(!err.contains("panicked"), "the server panicked: {err}");
        status.code().expect("an exit code, not a signal")
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lp-lsp-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn pos(text: &str, needle: &str, nth: usize) -> Value {
    let at = text.match_indices(needle).nth(nth).map(|(i, _)| i).expect("the needle is in the text");
    let line = text[..at].matches('\n').count();
    let col = text[..at].rsplit('\n').next().map_or(0, |l| l.encode_utf16().count());
    json!({"line": line, "character": col})
}

fn open(lsp: &mut Lsp, uri: &str, text: &str) {
    lsp.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "leanos", "version": 1, "text": text}}),
    );
}

#[test]
fn an_editor_session_uses_every_feature() {
    let dir = temp_dir("session");
    let file = dir.join("shop.adt");
    std::fs::write(&file, SPEC).expect("write the spec");
    let u = uri(&file);
    let mut lsp = Lsp::start(&["--debounce-ms", "20"]);
    let init = lsp.initialize(json!({}));
    let caps = &init["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16", "the default when the client offers nothing");
    assert_eq!(caps["textDocumentSync"]["change"], 2, "incremental sync");
    assert_eq!(caps["hoverProvider"], true);

    open(&mut lsp, &u, SPEC);
    let diags = lsp.diagnostics_until(&u, |_| true);
    assert!(diags.is_empty(), "the spec is clean: {diags:?}");

    // Hover on a use of `Product`: its declaration, doc, path count and normal form.
    let tdp = |p: Value| json!({"textDocument": {"uri": u}, "position": p});
    let hover = lsp.call("textDocument/hover", tdp(pos(SPEC, "Product,", 0)));
    let text = hover["contents"]["value"].as_str().expect("markdown");
    assert!(text.contains("type `Product`"), "{text}");
    assert!(text.contains("type Product = { sku: String, price: Int }"), "{text}");
    assert!(text.contains("A product in the catalog."), "{text}");
    assert!(text.contains("**paths:** 1"), "{text}");
    let hover = lsp.call("textDocument/hover", tdp(pos(SPEC, "Status }", 0)));
    assert!(hover["contents"]["value"].as_str().expect("markdown").contains("**paths:** 2"), "{hover}");
    assert_eq!(hover["range"]["start"], pos(SPEC, "Status }", 0));

    // Definition of the use in `Order` is the declaration's name.
    let def = lsp.call("textDocument/definition", tdp(pos(SPEC, "Product,", 0)));
    assert_eq!(def["uri"], u);
    assert_eq!(def["range"]["start"], pos(SPEC, "Product", 0));
    assert_eq!(def["range"]["end"]["character"], pos(SPEC, "Product", 0)["character"].as_u64().expect("n") + 7);
    // A state is found inside its machine.
    let def = lsp.call("textDocument/definition", tdp(pos(SPEC, "Draft -> ", 0)));
    assert_eq!(def["range"]["start"], pos(SPEC, "Draft", 0));

    // References, with and without the declaration.
    let mut refs = tdp(pos(SPEC, "Status", 1));
    refs["context"] = json!({"includeDeclaration": true});
    let all = lsp.call("textDocument/references", refs.clone());
    assert_eq!(all.as_array().expect("locations").len(), 3, "{all}");
    refs["context"] = json!({"includeDeclaration": false});
    let uses = lsp.call("textDocument/references", refs);
    assert_eq!(uses.as_array().expect("locations").len(), 2, "{uses}");

    // Rename edits every occurrence.
    let mut rename = tdp(pos(SPEC, "Active", 1));
    rename["newName"] = json!("Live");
    let edit = lsp.call("textDocument/rename", rename.clone());
    let edits = edit["changes"][&u].as_array().expect("edits for the file");
    assert_eq!(edits.len(), 2, "{edit}");
    assert!(edits.iter().all(|e| e["newText"] == "Live"));
    rename["newName"] = json!("not a name");
    let bad = lsp.request("textDocument/rename", rename);
    assert_eq!(bad["error"]["code"], -32602, "{bad}");

    // Document symbols: the items, with variants and states nested.
    let syms = lsp.call("textDocument/documentSymbol", json!({"textDocument": {"uri": u}}));
    let names: Vec<&str> = syms.as_array().expect("symbols").iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(names, ["Product", "Status", "live", "Order", "Life"]);
    let status_children: Vec<&str> =
        syms[1]["children"].as_array().expect("children").iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(status_children, ["Active", "Retired"]);
    let ws = lsp.call("workspace/symbol", json!({"query": "raf"}));
    assert_eq!(ws[0]["name"], "Draft", "{ws}");

    // Completion inside the machine offers its states, the spec's types and the built-ins.
    let comp = lsp.call("textDocument/completion", tdp(pos(SPEC, "Live on", 0)));
    let labels: Vec<&str> = comp.as_array().expect("items").iter().filter_map(|i| i["label"].as_str()).collect();
    for want in ["Draft", "Live", "Product", "Status", "Int", "Option"] {
        assert!(labels.contains(&want), "{want} missing from {labels:?}");
    }
    let comp = lsp.call("textDocument/completion", tdp(pos(SPEC, "Product,", 0)));
    let labels: Vec<&str> = comp.as_array().expect("items").iter().filter_map(|i| i["label"].as_str()).collect();
    assert!(!labels.contains(&"Draft"), "states only inside their machine");

    // An edit that misspells a type: a did-you-mean diagnostic at once, and its quick fix.
    let typo_at = pos(SPEC, "Product,", 0);
    let range = json!({"start": typo_at, "end": {"line": typo_at["line"], "character": typo_at["character"].as_u64().expect("n") + 7}});
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 2}, "contentChanges": [{"range": range, "text": "Prodcut"}]}),
    );
    // The full check of the clean text may publish its own findings (`Live` has no way out:
    // LP4002) before this edit is seen; wait for the edit's diagnostics.
    let diags = lsp.diagnostics_until(&u, |d| d.iter().any(|d| d["code"] == "LP1001"));
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "LP1001");
    assert_eq!(diags[0]["range"], range);
    assert!(diags[0]["message"].as_str().expect("text").contains("`Product`"), "{diags:?}");
    let actions = lsp.call(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": u}, "range": range, "context": {"diagnostics": diags}}),
    );
    let action = &actions[0];
    assert_eq!(action["kind"], "quickfix");
    assert_eq!(action["edit"]["changes"][&u][0]["newText"], "Product");
    assert_eq!(action["edit"]["changes"][&u][0]["range"], range);

    // Fix it back; formatting gives the formatter's text as one edit.
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 3}, "contentChanges": [{"text": "type   A =   Int\n"}]}),
    );
    let edits = lsp.call(
        "textDocument/formatting",
        json!({"textDocument": {"uri": u}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(edits[0]["newText"], "type A = Int\n", "{edits}");
    assert_eq!(edits[0]["range"]["start"], json!({"line": 0, "character": 0}));
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 4}, "contentChanges": [{"text": "type A = Int\n"}]}),
    );
    let edits = lsp.call(
        "textDocument/formatting",
        json!({"textDocument": {"uri": u}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(edits, json!([]), "already formatted");

    assert_eq!(lsp.finish(), 0, "exit after shutdown is a clean stop");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_gets_error_responses_and_the_server_keeps_going() {
    let dir = temp_dir("bad");
    let file = dir.join("a.adt");
    let mut lsp = Lsp::start(&["--no-full-check"]);

    // A request before `initialize`.
    let early = lsp.request("textDocument/hover", json!({}));
    assert_eq!(early["error"]["code"], -32002, "{early}");
    lsp.initialize(json!({}));

    // Bad JSON.
    lsp.send_raw(b"Content-Length: 9\r\n\r\n{\"bad\": }");
    let r = lsp.next();
    assert_eq!(r["error"]["code"], -32700, "{r}");
    assert_eq!(r["id"], Value::Null);
    // A header block without Content-Length.
    lsp.send_raw(b"Content-Type: application/json\r\n\r\n");
    let r = lsp.next();
    assert_eq!(r["error"]["code"], -32700, "{r}");
    // JSON that is no JSON-RPC message.
    lsp.send(&json!([1, 2, 3]));
    assert_eq!(lsp.next()["error"]["code"], -32600);
    lsp.send(&json!({"jsonrpc": "2.0", "id": 77}));
    let r = lsp.next();
    assert_eq!((r["error"]["code"].clone(), r["id"].clone()), (json!(-32600), json!(77)), "{r}");

    // An unknown method.
    let r = lsp.request("textDocument/teleport", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    // Parameters of the wrong shape.
    let r = lsp.request("textDocument/hover", json!({"textDocument": 5}));
    assert_eq!(r["error"]["code"], -32602, "{r}");
    // A document never opened.
    let r = lsp.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&file)}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(r["error"]["code"], -32602, "{r}");
    assert!(r["error"]["message"].as_str().expect("text").contains("not open"), "{r}");
    // A notification with bad parameters is dropped without an answer; the next request works.
    lsp.notify("textDocument/didChange", json!({"nonsense": true}));

    // Positions past the end of the document.
    let u = uri(&file);
    open(&mut lsp, &u, SPEC);
    lsp.diagnostics_until(&u, |_| true);
    let far = json!({"textDocument": {"uri": u}, "position": {"line": 9999, "character": 3}});
    assert_eq!(lsp.call("textDocument/hover", far.clone()), Value::Null);
    assert_eq!(lsp.call("textDocument/definition", far.clone()), Value::Null);
    assert_eq!(lsp.call("textDocument/completion", far.clone()), Value::Null);
    let mut refs = far.clone();
    refs["context"] = json!({"includeDeclaration": true});
    assert_eq!(lsp.call("textDocument/references", refs), Value::Null);
    // A column past the end of a line is the line's end: still no crash, still an answer.
    let wide = json!({"textDocument": {"uri": u}, "position": {"line": 0, "character": 4000}});
    assert_eq!(lsp.call("textDocument/hover", wide), Value::Null);
    // An edit with a range past the end appends, as the specification's clamping says.
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 2}, "contentChanges": [
            {"range": {"start": {"line": 500, "character": 0}, "end": {"line": 600, "character": 9}}, "text": "type Z = Nope\n"}
        ]}),
    );
    let diags = lsp.diagnostics_until(&u, |d| !d.is_empty());
    assert_eq!(diags[0]["code"], "LP1001", "{diags:?}");

    // Still alive: a normal request is answered.
    let syms = lsp.call("textDocument/documentSymbol", json!({"textDocument": {"uri": u}}));
    assert!(syms.as_array().is_some_and(|s| s.len() == 6), "{syms}");

    // After shutdown, requests are refused; exit ends with 0.
    assert_eq!(lsp.call("shutdown", Value::Null), Value::Null);
    let r = lsp.request("textDocument/hover", far);
    assert_eq!(r["error"]["code"], -32600, "{r}");
    lsp.notify("exit", Value::Null);
    assert_eq!(lsp.wait(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn exit_without_shutdown_and_end_of_input_stop_with_code_1() {
    let mut lsp = Lsp::start(&[]);
    lsp.initialize(json!({}));
    lsp.notify("exit", Value::Null);
    assert_eq!(lsp.wait(), 1);
    let mut lsp = Lsp::start(&[]);
    lsp.initialize(json!({}));
    assert_eq!(lsp.wait(), 1, "stdin closed without exit");
}

#[test]
fn full_check_reports_verdicts_after_the_quick_diagnostics() {
    let dir = temp_dir("full");
    let file = dir.join("pricing.adt");
    let text = "type Cents = Int where self >= 0

/// A negative `pct` raises the price.
fn discounted(price: Cents, pct: Int) -> Int
  ensures result <= price
  = price - price * pct / 100
";
    std::fs::write(&file, text).expect("write");
    let u = uri(&file);
    let mut lsp = Lsp::start(&["--debounce-ms", "10"]);
    lsp.initialize(json!({}));
    open(&mut lsp, &u, text);
    // First the quick diagnostics (none: it resolves), then the contract failure from z3.
    let first = lsp.diagnostics_until(&u, |_| true);
    assert!(first.is_empty(), "{first:?}");
    let full = lsp.diagnostics_until(&u, |d| !d.is_empty());
    assert!(full.iter().any(|d| d["code"] == "LP3001"), "{full:?}");
    let hover =
        lsp.call("textDocument/hover", json!({"textDocument": {"uri": u}, "position": pos(text, "discounted", 0)}));
    let md = hover["contents"]["value"].as_str().expect("markdown");
    assert!(md.contains("**obligations:**") && md.contains("failed"), "{md}");
    // Nothing was written next to the spec: the verdict cache stays in memory.
    assert!(!dir.join(".leanos").exists());
    assert_eq!(lsp.finish(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn utf8_positions_when_the_client_offers_them() {
    let dir = temp_dir("utf8");
    let file = dir.join("e.adt");
    // `é` is two bytes and one UTF-16 unit; the emoji four bytes and two UTF-16 units.
    let text = "type Emoji = Int\ntype Tag = { a: String where self != \"é😀\", b: Emoji }\n";
    let line = text.lines().nth(1).expect("two lines");
    let prefix = &line[..line.find("Emoji").expect("the use")];
    let u = uri(&file);
    for (caps, enc, col) in [
        (json!({"general": {"positionEncodings": ["utf-8", "utf-16"]}}), "utf-8", prefix.len()),
        (json!({}), "utf-16", prefix.encode_utf16().count()),
    ] {
        assert!(prefix.len() != prefix.encode_utf16().count(), "the columns differ");
        let mut lsp = Lsp::start(&["--no-full-check"]);
        let init = lsp.initialize(caps);
        assert_eq!(init["capabilities"]["positionEncoding"], enc);
        open(&mut lsp, &u, text);
        let diags = lsp.diagnostics_until(&u, |_| true);
        assert!(diags.is_empty(), "{diags:?}");
        let at = |c: usize| json!({"textDocument": {"uri": u}, "position": {"line": 1, "character": c}});
        let def = lsp.call("textDocument/definition", at(col));
        assert_eq!(def["range"]["start"], json!({"line": 0, "character": 5}), "{enc}: {def}");
        // The use's range, as hover reports it, is in the negotiated units.
        let hover = lsp.call("textDocument/hover", at(col + 2));
        assert_eq!(hover["range"]["start"]["character"], col, "{enc}: {hover}");
        assert_eq!(hover["range"]["end"]["character"], col + 5, "{enc}: {hover}");
        if enc == "utf-8" {
            // The UTF-16 column of the name, read as bytes, is before it (on the field `b`).
            let miss = lsp.call("textDocument/definition", at(prefix.encode_utf16().count()));
            assert_eq!(miss, Value::Null, "{enc}: {miss}");
        }
        assert_eq!(lsp.finish(), 0);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn editor_files_are_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let vscode = root.join("editors/vscode");
    let read = |p: &Path| -> Value {
        let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", p.display()))
    };
    let package = read(&vscode.join("package.json"));
    let lang = &package["contributes"]["languages"][0];
    assert_eq!(lang["extensions"], json!([".adt"]));
    let config = lang["configuration"].as_str().expect("a configuration path");
    let comments = read(&vscode.join(config));
    assert_eq!(comments["comments"]["lineComment"], "//");
    let grammar_path = package["contributes"]["grammars"][0]["path"].as_str().expect("a grammar path");
    let grammar = read(&vscode.join(grammar_path));
    assert_eq!(grammar["scopeName"], package["contributes"]["grammars"][0]["scopeName"]);
    assert!(vscode.join(package["main"].as_str().expect("main")).is_file());
    assert!(package["dependencies"]["vscode-languageclient"].is_string());

    // Every keyword of the grammar is highlighted, as a whole word of some rule's regex.
    let ebnf = std::fs::read_to_string(root.join("grammar/leanos.ebnf")).expect("the grammar");
    let body = ebnf.split_once("*)").expect("the legend comment ends").1;
    // Every quoted word: a quote, letters, a quote (apostrophes in comments are skipped by
    // the letters-only rule).
    let quotes: Vec<usize> = body.match_indices('\'').map(|(i, _)| i).collect();
    let mut keywords: Vec<&str> = quotes
        .windows(2)
        .map(|w| &body[w[0] + 1..w[1]])
        .filter(|t| t.len() > 1 && t.chars().all(|c| c.is_ascii_alphabetic()))
        .collect();
    keywords.sort_unstable();
    keywords.dedup();
    assert!(keywords.len() > 30 && keywords.contains(&"machine") && keywords.contains(&"GET"), "{keywords:?}");
    let regexes = grammar.to_string();
    for k in keywords {
        let word = |sep: char| regexes.contains(&format!("{sep}{k}|")) || regexes.contains(&format!("|{k})"));
        assert!(word('(') || word('|'), "keyword `{k}` is not in the TextMate grammar");
    }
}

#[test]
fn a_project_is_one_workspace_and_an_unlisted_file_is_its_own() {
    let dir = temp_dir("project");
    std::fs::write(
        dir.join("leanos.toml"),
        "[project]\nname = \"p\"\nversion = \"1.0.0\"\nspecs = [\"a.adt\", \"b.adt\"]\n",
    )
    .expect("write");
    let a_text = "type Product = { sku: String }\n";
    let b_text = "type Order = { item: Product }\n";
    let c_text = "type Loose = { item: Prodcut }\n";
    for (name, text) in [("a.adt", a_text), ("b.adt", b_text), ("c.adt", c_text)] {
        std::fs::write(dir.join(name), text).expect("write");
    }
    let (a, b, c) = (uri(&dir.join("a.adt")), uri(&dir.join("b.adt")), uri(&dir.join("c.adt")));
    let mut lsp = Lsp::start(&["--no-full-check"]);
    lsp.initialize(json!({}));

    // Only `b.adt` is open; `Product` resolves from `a.adt` on the disk.
    open(&mut lsp, &b, b_text);
    let diags = lsp.diagnostics_until(&b, |_| true);
    assert!(diags.is_empty(), "{diags:?}");
    let at = json!({"textDocument": {"uri": b}, "position": pos(b_text, "Product", 0)});
    let def = lsp.call("textDocument/definition", at.clone());
    assert_eq!(def["uri"], a, "{def}");
    let mut rename = at.clone();
    rename["newName"] = json!("Item");
    let edit = lsp.call("textDocument/rename", rename);
    assert_eq!(edit["changes"][&a].as_array().map(Vec::len), Some(1), "{edit}");
    assert_eq!(edit["changes"][&b].as_array().map(Vec::len), Some(1), "{edit}");

    // `c.adt` is not listed by the project: it is checked alone, and its error stays.
    open(&mut lsp, &c, c_text);
    let diags = lsp.diagnostics_until(&c, |d| !d.is_empty());
    assert_eq!(diags[0]["code"], "LP1001", "{diags:?}");
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": b, "version": 2}, "contentChanges": [{"text": "type Order = { item: Product, n: Int }\n"}]}),
    );
    let diags = lsp.diagnostics_until(&b, |_| true);
    assert!(diags.is_empty(), "{diags:?}");
    lsp.call("textDocument/documentSymbol", json!({"textDocument": {"uri": b}}));
    let cleared_c = lsp
        .notifications
        .iter()
        .any(|n| n["params"]["uri"] == c && n["params"]["diagnostics"].as_array().is_some_and(Vec::is_empty));
    assert!(!cleared_c, "an edit in the project must not clear another workspace's diagnostics");

    // An edit in `b.adt` that breaks the project is reported at once, on `b.adt`.
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": b, "version": 3}, "contentChanges": [{"text": "type Order = { item: Produc }\n"}]}),
    );
    let diags = lsp.diagnostics_until(&b, |d| !d.is_empty());
    assert_eq!(diags[0]["code"], "LP1001", "{diags:?}");
    assert_eq!(lsp.finish(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// catalog-sync's `SyncJob` declares its states by use only (no `states` line): navigation,
/// hover, references and completion see them; rename refuses keywords and declared names.
#[test]
fn states_declared_by_use_and_rename_refusals() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec-examples/catalog-sync");
    let root = root.canonicalize().expect("the example");
    let file = root.join("spec/sync.adt");
    let text = std::fs::read_to_string(&file).expect("read sync.adt");
    let u = uri(&file);
    let mut lsp = Lsp::start(&["--no-full-check"]);
    lsp.initialize(json!({}));
    open(&mut lsp, &u, &text);
    let diags = lsp.diagnostics_until(&u, |_| true);
    assert!(diags.is_empty(), "catalog-sync is clean: {diags:?}");
    let tdp = |p: Value| json!({"textDocument": {"uri": u}, "position": p});

    // `Running` is first mentioned in `Pending -> Running on start`: that is its definition.
    let first = pos(&text, "Running on start", 0);
    let def = lsp.call("textDocument/definition", tdp(pos(&text, "Running -> Done", 0)));
    assert_eq!(def["uri"], u, "{def}");
    assert_eq!(def["range"]["start"], first, "{def}");
    let hover = lsp.call("textDocument/hover", tdp(pos(&text, "Running -> Abandoned", 0)));
    let md = hover["contents"]["value"].as_str().expect("markdown");
    assert!(md.contains("state `Running` in `SyncJob`"), "{md}");
    let mut refs = tdp(pos(&text, "Pending\n", 0));
    refs["context"] = json!({"includeDeclaration": true});
    let all = lsp.call("textDocument/references", refs);
    // `initial Pending`, two transitions from it and one back to it.
    assert_eq!(all.as_array().expect("locations").len(), 4, "{all}");
    let comp = lsp.call("textDocument/completion", tdp(pos(&text, "Done on finish", 0)));
    let labels: Vec<&str> = comp.as_array().expect("items").iter().filter_map(|i| i["label"].as_str()).collect();
    for want in ["Pending", "Running", "Done", "Abandoned", "Cancelled", "attempts"] {
        assert!(labels.contains(&want), "{want} missing from {labels:?}");
    }

    // Rename: a keyword and a state already declared are refused with no edit.
    let mut rename = tdp(pos(&text, "Running -> Done", 0));
    for (new, code) in [("type", -32602), ("initial", -32602), ("Pending", -32803)] {
        rename["newName"] = json!(new);
        let r = lsp.request("textDocument/rename", rename.clone());
        assert_eq!(r["error"]["code"], code, "{new}: {r}");
        assert!(r.get("result").is_none(), "{new}: {r}");
    }
    rename["newName"] = json!("Working");
    let edit = lsp.call("textDocument/rename", rename);
    assert_eq!(edit["changes"][&u].as_array().expect("edits").len(), 4, "{edit}");
    assert_eq!(lsp.finish(), 0);
}

/// Hover shows the first lines of a declaration, and a file whose lines end in a lone CR has
/// lines too: the declaration is cut after `HOVER_LINES` lines, with no CR left in the text.
#[test]
fn hover_splits_a_bare_cr_declaration_into_lines() {
    let mut text = String::from("type Wide = {\r");
    for i in 0..30 {
        text.push_str(&format!("  f{i}: Int,\r"));
    }
    text.push_str("}\rfn first(w: Wide) -> Int = w.f0\r");
    let dir = temp_dir("bare-cr-hover");
    let file = dir.join("wide.adt");
    std::fs::write(&file, &text).expect("write");
    let u = uri(&file);
    let mut lsp = Lsp::start(&["--no-full-check"]);
    lsp.initialize(json!({}));
    open(&mut lsp, &u, &text);
    let diags = lsp.diagnostics_until(&u, |_| true);
    assert!(diags.is_empty(), "the spec is clean: {diags:?}");
    // `fn first` is on line 32 (the type's line, 30 fields, the closing brace before it).
    let at = json!({"line": 32, "character": "fn first(w: ".len()});
    let hover = lsp.call("textDocument/hover", json!({"textDocument": {"uri": u}, "position": at}));
    let md = hover["contents"]["value"].as_str().expect("markdown");
    assert!(md.contains("type `Wide`"), "{md}");
    assert!(!md.contains('\r'), "{md:?}");
    assert!(md.contains("// …"), "the declaration is cut: {md}");
    assert!(md.contains("  f22: Int,") && !md.contains("f23"), "24 lines shown: {md}");
    assert_eq!(lsp.finish(), 0);
}
