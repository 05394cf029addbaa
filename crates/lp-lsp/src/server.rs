//! The protocol state machine: lifecycle, document synchronisation, diagnostics and request
//! dispatch.

use crate::document::Document;
use crate::features;
use crate::index::Index;
use crate::overlay::OverlayFs;
use crate::position::{Encoding, LineIndex};
use crate::uri;
use lp_diagnostics::{Diagnostic, FileId, Severity, SourceDb};
use lp_driver::analyze::{Analysis, analyze, project_root};
use lp_driver::{CheckOptions, CheckOutcome};
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The server's settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// How long the documents of a workspace must stay unchanged before the full check runs.
    pub debounce: Duration,
    /// Whether to run full checks at all (syntax and name diagnostics are always computed).
    pub full_check: bool,
    /// How obligations are discharged.
    pub check: CheckOptions,
}

impl Default for Config {
    fn default() -> Self {
        Config { debounce: Duration::from_millis(300), full_check: true, check: CheckOptions::default() }
    }
}

/// What the transport does after a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Continue,
    /// The client sent `exit`: stop with this process exit code (0 after `shutdown`, else 1).
    Exit(i32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lifecycle {
    Uninitialized,
    Running,
    ShutDown,
}

/// A full check to run off the main loop.
#[derive(Debug, Clone)]
pub struct Job {
    pub workspace: PathBuf,
    pub generation: u64,
    pub fs: OverlayFs,
    pub options: CheckOptions,
}

/// The result of a [`Job`].
#[derive(Debug)]
pub struct JobResult {
    pub workspace: PathBuf,
    pub generation: u64,
    pub outcome: Option<CheckOutcome>,
}

/// Runs a full check: every pass, every obligation discharged (verdicts cached in memory).
pub fn run_job(job: Job) -> JobResult {
    let outcome = lp_driver::check_with(&job.fs, &job.workspace, &job.options).ok();
    JobResult { workspace: job.workspace, generation: job.generation, outcome }
}

/// The verdict of one obligation, for hovers.
#[derive(Debug, Clone)]
pub(crate) struct VerdictInfo {
    pub path: PathBuf,
    pub span: lp_diagnostics::Span,
    pub id: String,
    pub claim: String,
    pub verdict: String,
}

/// A workspace: a project folder with `leanos.toml`, or a lone spec file.
#[derive(Debug, Default)]
pub(crate) struct Workspace {
    pub generation: u64,
    pub analysis: Option<Analysis>,
    pub index: Index,
    /// Verdicts of the last full check, with the generation it checked.
    pub verdicts: Option<(u64, Vec<VerdictInfo>)>,
    /// What only the full check finds (its diagnostics less the quick ones of the same text),
    /// by path. They are kept for files not edited since, so they do not blink off while the
    /// next check runs; an edited file's are dropped, as their places may have moved.
    pub verification: BTreeMap<PathBuf, Vec<lsp::Diagnostic>>,
    /// When the full check is due.
    pub due: Option<Instant>,
    /// The paths this workspace last published diagnostics for.
    pub published: BTreeSet<PathBuf>,
}

impl Workspace {
    /// The path of a file of the analysis.
    pub fn path_of(&self, file: FileId) -> Option<PathBuf> {
        let a = self.analysis.as_ref()?;
        a.files
            .iter()
            .find(|f| f.file == file)
            .map(|f| f.path.clone())
            .or_else(|| (file.0 < a.db.len() as u32).then(|| PathBuf::from(&a.db.get(file).name)))
    }

    /// The file id of a path in the analysis.
    pub fn file_of(&self, path: &Path) -> Option<FileId> {
        self.analysis.as_ref()?.files.iter().find(|f| f.path == path).map(|f| f.file)
    }
}

/// The language server.
pub struct Server {
    config: Config,
    state: Lifecycle,
    pub(crate) encoding: Encoding,
    pub(crate) docs: BTreeMap<PathBuf, Document>,
    /// The URI each open document was opened with.
    pub(crate) uris: BTreeMap<PathBuf, lsp::Uri>,
    /// The workspace of each open document.
    doc_workspace: BTreeMap<PathBuf, PathBuf>,
    pub(crate) workspaces: BTreeMap<PathBuf, Workspace>,
    /// Shared by every snapshot: the in-memory verdict cache lives here.
    writes: Arc<lp_driver::fs::MemFs>,
    /// What was last published per path, to send only changes.
    published: BTreeMap<PathBuf, Vec<lsp::Diagnostic>>,
    outgoing: Vec<Message>,
}

/// A request error: code and message.
pub(crate) type ReqError = (ErrorCode, String);

impl Server {
    pub fn new(config: Config) -> Self {
        Server {
            config,
            state: Lifecycle::Uninitialized,
            encoding: Encoding::Utf16,
            docs: BTreeMap::new(),
            uris: BTreeMap::new(),
            doc_workspace: BTreeMap::new(),
            workspaces: BTreeMap::new(),
            writes: Arc::default(),
            published: BTreeMap::new(),
            outgoing: Vec::new(),
        }
    }

    /// The messages queued for the client, in order.
    pub fn take_outgoing(&mut self) -> Vec<Message> {
        std::mem::take(&mut self.outgoing)
    }

    /// The current text of an open document.
    pub fn document_text(&self, uri: &lsp::Uri) -> Option<&str> {
        self.docs.get(&doc_path(uri)).map(|d| d.text.as_str())
    }

    /// The negotiated position encoding.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Handles one message from the client.
    pub fn handle(&mut self, msg: Message) -> Control {
        match msg {
            Message::Request(req) => {
                self.on_request(req);
                Control::Continue
            }
            Message::Notification(n) => self.on_notification(n),
            // The server sends no requests, so a response is unexpected; ignore it.
            Message::Response(_) => Control::Continue,
        }
    }

    fn respond(&mut self, id: RequestId, result: Result<serde_json::Value, ReqError>) {
        let resp = match result {
            Ok(v) => Response::new_ok(id, v),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        };
        self.outgoing.push(resp.into());
    }

    fn on_request(&mut self, req: Request) {
        let id = req.id.clone();
        let result = match (self.state, req.method.as_str()) {
            (Lifecycle::Uninitialized, "initialize") => self.initialize(req.params),
            (Lifecycle::Uninitialized, _) => {
                Err((ErrorCode::ServerNotInitialized, "the server has not been initialized".into()))
            }
            (Lifecycle::ShutDown, _) => Err((ErrorCode::InvalidRequest, "the server is shutting down".into())),
            (Lifecycle::Running, "initialize") => Err((ErrorCode::InvalidRequest, "initialize was sent twice".into())),
            (Lifecycle::Running, "shutdown") => {
                self.state = Lifecycle::ShutDown;
                Ok(serde_json::Value::Null)
            }
            (Lifecycle::Running, method) => self.dispatch(method, req.params),
        };
        self.respond(id, result);
    }

    fn dispatch(&mut self, method: &str, params: serde_json::Value) -> Result<serde_json::Value, ReqError> {
        use lsp::request::*;
        match method {
            HoverRequest::METHOD => run::<HoverRequest>(self, params, features::hover),
            GotoDefinition::METHOD => run::<GotoDefinition>(self, params, features::definition),
            References::METHOD => run::<References>(self, params, features::references),
            Rename::METHOD => run::<Rename>(self, params, features::rename),
            PrepareRenameRequest::METHOD => run::<PrepareRenameRequest>(self, params, features::prepare_rename),
            DocumentSymbolRequest::METHOD => run::<DocumentSymbolRequest>(self, params, features::document_symbols),
            WorkspaceSymbolRequest::METHOD => run::<WorkspaceSymbolRequest>(self, params, features::workspace_symbols),
            Formatting::METHOD => run::<Formatting>(self, params, features::formatting),
            Completion::METHOD => run::<Completion>(self, params, features::completion),
            CodeActionRequest::METHOD => run::<CodeActionRequest>(self, params, features::code_actions),
            _ => Err((ErrorCode::MethodNotFound, format!("unknown method `{method}`"))),
        }
    }

    fn initialize(&mut self, params: serde_json::Value) -> Result<serde_json::Value, ReqError> {
        let params: lsp::InitializeParams = parse_params(params)?;
        let offers_utf8 = params
            .capabilities
            .general
            .and_then(|g| g.position_encodings)
            .is_some_and(|encs| encs.contains(&lsp::PositionEncodingKind::UTF8));
        self.encoding = if offers_utf8 { Encoding::Utf8 } else { Encoding::Utf16 };
        self.state = Lifecycle::Running;
        let result = lsp::InitializeResult {
            capabilities: capabilities(self.encoding),
            server_info: Some(lsp::ServerInfo {
                name: "leanos-prove".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
        };
        to_value(result)
    }

    fn on_notification(&mut self, n: Notification) -> Control {
        use lsp::notification::*;
        if n.method == Exit::METHOD {
            return Control::Exit(if self.state == Lifecycle::ShutDown { 0 } else { 1 });
        }
        if self.state != Lifecycle::Running {
            return Control::Continue;
        }
        // A notification cannot be answered: one with bad parameters is dropped.
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp::DidOpenTextDocumentParams>(n.params) {
                    self.did_open(p);
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp::DidChangeTextDocumentParams>(n.params) {
                    self.did_change(p);
                }
            }
            // A file changed on the disk: every workspace may read it.
            DidChangeWatchedFiles::METHOD => {
                let all: Vec<PathBuf> = self.workspaces.keys().cloned().collect();
                for ws in all {
                    self.refresh(&ws, None);
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp::DidCloseTextDocumentParams>(n.params) {
                    self.did_close(p);
                }
            }
            _ => {}
        }
        Control::Continue
    }

    fn did_open(&mut self, p: lsp::DidOpenTextDocumentParams) {
        let path = doc_path(&p.text_document.uri);
        self.docs.insert(path.clone(), Document::new(p.text_document.text, p.text_document.version));
        self.uris.insert(path.clone(), p.text_document.uri);
        let ws = self.workspace_for(&path);
        self.doc_workspace.insert(path.clone(), ws.clone());
        self.refresh(&ws, Some(&path));
    }

    fn did_change(&mut self, p: lsp::DidChangeTextDocumentParams) {
        let path = doc_path(&p.text_document.uri);
        let enc = self.encoding;
        let Some(doc) = self.docs.get_mut(&path) else { return };
        for change in &p.content_changes {
            doc.apply(change, enc);
        }
        doc.version = p.text_document.version;
        if let Some(ws) = self.doc_workspace.get(&path).cloned() {
            self.refresh(&ws, Some(&path));
        }
    }

    fn did_close(&mut self, p: lsp::DidCloseTextDocumentParams) {
        let path = doc_path(&p.text_document.uri);
        self.docs.remove(&path);
        let Some(ws) = self.doc_workspace.remove(&path) else { return };
        if self.doc_workspace.values().any(|w| *w == ws) {
            // The disk's version of the file takes over.
            self.refresh(&ws, Some(&path));
        } else {
            // No open document is left in the workspace: forget it and clear its diagnostics.
            let stale = self.workspaces.remove(&ws).map(|w| w.published).unwrap_or_default();
            for p in stale {
                self.publish(&p, Vec::new());
            }
        }
        self.uris.remove(&path);
    }

    /// The project folder containing a document, else the document itself. A document that
    /// its project does not list is checked on its own.
    fn workspace_for(&self, path: &Path) -> PathBuf {
        let fs = self.snapshot();
        match project_root(&fs, path) {
            Some(root) => match analyze(&fs, &root) {
                Ok(a) if a.files.iter().any(|f| f.path == path) => root,
                _ => path.to_path_buf(),
            },
            None => path.to_path_buf(),
        }
    }

    /// The current file system view: open documents over the disk.
    pub(crate) fn snapshot(&self) -> OverlayFs {
        let docs: BTreeMap<PathBuf, String> = self.docs.iter().map(|(p, d)| (p.clone(), d.text.clone())).collect();
        OverlayFs { docs: Arc::new(docs), writes: Arc::clone(&self.writes) }
    }

    /// Re-analyses a workspace after a change, publishes its syntax and name diagnostics and
    /// schedules its full check. `changed` is the file whose text changed (`None`: any).
    fn refresh(&mut self, ws: &PathBuf, changed: Option<&Path>) {
        let fs = self.snapshot();
        let analysis = analyze(&fs, ws).ok();
        let index = analysis
            .as_ref()
            .map(|a| {
                let asts: Vec<(FileId, &lp_syntax::ast::SourceFileAst)> =
                    a.files.iter().filter_map(|f| f.ast.as_ref().map(|ast| (f.file, ast))).collect();
                Index::build(&asts)
            })
            .unwrap_or_default();
        let due = self.config.full_check.then(|| Instant::now() + self.config.debounce);
        let entry = self.workspaces.entry(ws.clone()).or_default();
        entry.generation += 1;
        entry.analysis = analysis;
        entry.index = index;
        match changed {
            Some(p) => {
                entry.verification.remove(p);
            }
            None => entry.verification.clear(),
        }
        entry.due = due;
        self.publish_workspace(ws);
    }

    /// Publishes a workspace's diagnostics: the full check's when it is current, else the
    /// syntax and name diagnostics. Only paths whose diagnostics changed are sent.
    fn publish_workspace(&mut self, ws: &PathBuf) {
        let Some(w) = self.workspaces.get(ws) else { return };
        let mut by_path = self.quick_diagnostics(ws);
        for (p, v) in &w.verification {
            let list = by_path.entry(p.clone()).or_default();
            list.extend(v.iter().cloned());
            list.sort_by_key(|d| (d.range.start.line, d.range.start.character));
        }
        if let Some(a) = &w.analysis {
            for f in &a.files {
                by_path.entry(f.path.clone()).or_default();
            }
        }
        // Files this workspace reported on before and no longer does are cleared.
        for p in &w.published {
            by_path.entry(p.clone()).or_default();
        }
        let paths: BTreeSet<PathBuf> = by_path.iter().filter(|(_, d)| !d.is_empty()).map(|(p, _)| p.clone()).collect();
        if let Some(w) = self.workspaces.get_mut(ws) {
            w.published = paths;
        }
        for (path, diags) in by_path {
            self.publish(&path, diags);
        }
    }

    /// The current syntax and name diagnostics of a workspace, by path.
    fn quick_diagnostics(&self, ws: &PathBuf) -> BTreeMap<PathBuf, Vec<lsp::Diagnostic>> {
        match self.workspaces.get(ws).and_then(|w| w.analysis.as_ref()) {
            Some(a) => self.convert_all(&a.db, &a.diagnostics, ws),
            None => BTreeMap::new(),
        }
    }

    fn publish(&mut self, path: &Path, diagnostics: Vec<lsp::Diagnostic>) {
        // An open document always hears back after a change; other files only when theirs
        // changed.
        let unchanged = self.published.get(path).map(|d| *d == diagnostics).unwrap_or(diagnostics.is_empty());
        if unchanged && !self.docs.contains_key(path) {
            return;
        }
        let Some(uri) = self.uris.get(path).cloned().or_else(|| uri::from_path(path)) else { return };
        let version = self.docs.get(path).map(|d| d.version);
        if diagnostics.is_empty() {
            self.published.remove(path);
        } else {
            self.published.insert(path.to_path_buf(), diagnostics.clone());
        }
        let params = lsp::PublishDiagnosticsParams { uri, diagnostics, version };
        self.outgoing.push(Notification::new("textDocument/publishDiagnostics".into(), params).into());
    }

    /// Converts diagnostics to LSP ones by path. Diagnostics without a place go on the
    /// workspace's first open document.
    pub(crate) fn convert_all(
        &self,
        db: &SourceDb,
        diags: &[Diagnostic],
        ws: &PathBuf,
    ) -> BTreeMap<PathBuf, Vec<lsp::Diagnostic>> {
        let mut indexes: BTreeMap<FileId, LineIndex> = BTreeMap::new();
        let mut out: BTreeMap<PathBuf, Vec<lsp::Diagnostic>> = BTreeMap::new();
        let fallback = self.doc_workspace.iter().find(|(_, w)| *w == ws).map(|(p, _)| p.clone());
        for d in diags {
            let (path, range) = match &d.primary {
                Some(l) if (l.file.0 as usize) < db.len() => {
                    let f = db.get(l.file);
                    let idx = indexes.entry(l.file).or_insert_with(|| LineIndex::new(&f.text));
                    (PathBuf::from(&f.name), idx.range(&f.text, l.span, self.encoding))
                }
                _ => match &fallback {
                    Some(p) => (p.clone(), lsp::Range::default()),
                    None => continue,
                },
            };
            let related: Vec<lsp::DiagnosticRelatedInformation> = d
                .secondary
                .iter()
                .filter(|l| (l.file.0 as usize) < db.len())
                .filter_map(|l| {
                    let f = db.get(l.file);
                    let idx = LineIndex::new(&f.text);
                    let uri = self.uri_of(Path::new(&f.name))?;
                    Some(lsp::DiagnosticRelatedInformation {
                        location: lsp::Location { uri, range: idx.range(&f.text, l.span, self.encoding) },
                        message: l.message.clone(),
                    })
                })
                .collect();
            let mut message = d.message.clone();
            for note in &d.notes {
                message.push_str("\nnote: ");
                message.push_str(note);
            }
            if let Some(help) = &d.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            out.entry(path).or_default().push(lsp::Diagnostic {
                range,
                severity: Some(match d.severity {
                    Severity::Error => lsp::DiagnosticSeverity::ERROR,
                    Severity::Warning => lsp::DiagnosticSeverity::WARNING,
                    Severity::Note => lsp::DiagnosticSeverity::INFORMATION,
                    Severity::Hint => lsp::DiagnosticSeverity::HINT,
                }),
                code: Some(lsp::NumberOrString::String(d.code.id().to_string())),
                code_description: None,
                source: Some("leanos-prove".into()),
                message,
                related_information: (!related.is_empty()).then_some(related),
                tags: None,
                data: None,
            });
        }
        out
    }

    /// The URI of a path: the one its document was opened with, else a `file:` URI.
    pub(crate) fn uri_of(&self, path: &Path) -> Option<lsp::Uri> {
        self.uris.get(path).cloned().or_else(|| uri::from_path(path))
    }

    /// The workspace of an open document.
    pub(crate) fn workspace_of(&self, path: &Path) -> Option<&Workspace> {
        self.workspaces.get(self.doc_workspace.get(path)?)
    }

    /// The root (project folder or lone file) of an open document's workspace.
    pub(crate) fn workspace_root_of(&self, path: &Path) -> Option<&PathBuf> {
        self.doc_workspace.get(path)
    }

    /// When the next full check is due.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.workspaces.values().filter_map(|w| w.due).min()
    }

    /// The full checks due at `now`; each is taken off the schedule.
    pub fn take_due_jobs(&mut self, now: Instant) -> Vec<Job> {
        let fs = self.snapshot();
        let mut jobs = Vec::new();
        for (path, w) in &mut self.workspaces {
            if w.due.is_some_and(|d| d <= now) {
                w.due = None;
                jobs.push(Job {
                    workspace: path.clone(),
                    generation: w.generation,
                    fs: fs.clone(),
                    options: self.config.check.clone(),
                });
            }
        }
        jobs
    }

    /// Takes in a finished full check; a result for an older generation is dropped.
    pub fn apply_job_result(&mut self, r: JobResult) {
        let Some(outcome) = r.outcome else { return };
        let current = self.workspaces.get(&r.workspace).map(|w| w.generation);
        if current != Some(r.generation) {
            return;
        }
        let full = self.convert_all(&outcome.db, &outcome.diagnostics, &r.workspace);
        let quick = self.quick_diagnostics(&r.workspace);
        let verification: BTreeMap<PathBuf, Vec<lsp::Diagnostic>> = full
            .into_iter()
            .map(|(p, list)| {
                let known = quick.get(&p);
                let only: Vec<lsp::Diagnostic> =
                    list.into_iter().filter(|d| !known.is_some_and(|k| k.contains(d))).collect();
                (p, only)
            })
            .filter(|(_, list)| !list.is_empty())
            .collect();
        let verdicts = outcome
            .results
            .iter()
            .filter(|res| (res.obligation.file.0 as usize) < outcome.db.len())
            .map(|res| VerdictInfo {
                path: PathBuf::from(&outcome.db.get(res.obligation.file).name),
                span: res.obligation.span,
                id: res.obligation.id.clone(),
                claim: res.obligation.claim.clone(),
                verdict: verdict_text(&res.verdict),
            })
            .collect();
        if let Some(w) = self.workspaces.get_mut(&r.workspace) {
            w.verification = verification;
            w.verdicts = Some((r.generation, verdicts));
        }
        self.publish_workspace(&r.workspace);
    }

    /// Runs every due full check now, on this thread (for tests and benchmarks).
    pub fn run_due_jobs_now(&mut self) {
        let far = Instant::now() + Duration::from_secs(3600);
        for job in self.take_due_jobs(far) {
            let result = run_job(job);
            self.apply_job_result(result);
        }
    }
}

/// A verdict as one short phrase.
fn verdict_text(v: &lp_check::Verdict) -> String {
    use lp_check::Verdict;
    match v {
        Verdict::Proved { method } => {
            format!("proved ({})", serde_json::to_string(method).unwrap_or_default().trim_matches('"'))
        }
        Verdict::Bounded { depth } => format!("bounded (depth {depth})"),
        Verdict::Tested { cases, seed } => format!("tested ({cases} cases, seed {seed:#x})"),
        Verdict::Failed { counterexample } => format!("failed: {}", counterexample.summary),
        Verdict::Unknown { reason } => format!("unknown: {reason}"),
    }
}

/// The path a document is kept under: its file path, or a stand-in for other URI schemes.
pub(crate) fn doc_path(uri: &lsp::Uri) -> PathBuf {
    uri::to_path(uri).unwrap_or_else(|| {
        let safe: String =
            uri.as_str().chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '_' }).collect();
        PathBuf::from("/.leanos-unsaved").join(safe)
    })
}

fn capabilities(enc: Encoding) -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        position_encoding: Some(match enc {
            Encoding::Utf8 => lsp::PositionEncodingKind::UTF8,
            Encoding::Utf16 => lsp::PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(lsp::TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(lsp::TextDocumentSyncKind::INCREMENTAL),
            ..Default::default()
        })),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        definition_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        rename_provider: Some(lsp::OneOf::Right(lsp::RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        document_symbol_provider: Some(lsp::OneOf::Left(true)),
        workspace_symbol_provider: Some(lsp::OneOf::Left(true)),
        document_formatting_provider: Some(lsp::OneOf::Left(true)),
        completion_provider: Some(lsp::CompletionOptions::default()),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Options(lsp::CodeActionOptions {
            code_action_kinds: Some(vec![lsp::CodeActionKind::QUICKFIX]),
            ..Default::default()
        })),
        ..Default::default()
    }
}

fn parse_params<P: DeserializeOwned>(params: serde_json::Value) -> Result<P, ReqError> {
    serde_json::from_value(params).map_err(|e| (ErrorCode::InvalidParams, format!("invalid parameters: {e}")))
}

fn to_value(v: impl Serialize) -> Result<serde_json::Value, ReqError> {
    serde_json::to_value(v).map_err(|e| (ErrorCode::InternalError, format!("cannot encode the result: {e}")))
}

/// Decodes a request's parameters, runs a feature and encodes its result.
fn run<R: lsp::request::Request>(
    server: &mut Server,
    params: serde_json::Value,
    f: impl FnOnce(&Server, R::Params) -> Result<R::Result, ReqError>,
) -> Result<serde_json::Value, ReqError> {
    let p: R::Params = parse_params(params)?;
    to_value(f(server, p)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRICING: &str = "type Cents = Int where self >= 0

fn discounted(price: Cents, pct: Int) -> Int
  ensures result <= price
  = price - price * pct / 100

fn half(price: Cents) -> Cents
  ensures result <= price
  = price / 2
";

    fn job(fs: &OverlayFs, path: &Path, text: &str) -> JobResult {
        let mut docs = BTreeMap::new();
        docs.insert(path.to_path_buf(), text.to_string());
        let fs = OverlayFs { docs: Arc::new(docs), writes: Arc::clone(&fs.writes) };
        run_job(Job { workspace: path.to_path_buf(), generation: 1, fs, options: CheckOptions::default() })
    }

    #[test]
    fn the_in_memory_cache_rechecks_only_changed_obligations() {
        let fs = OverlayFs::default();
        let path = Path::new("/nowhere/lp-lsp-cache/pricing.adt");
        let first = job(&fs, path, PRICING).outcome.expect("in memory");
        assert!(!first.results.is_empty());
        assert!(first.results.iter().all(|r| !r.cached), "the first run discharges everything");
        assert!(first.diagnostics.iter().any(|d| d.code.id() == "LP3001"), "the seeded contract failure");
        // Change only `half`'s contract.
        let edited = PRICING.replace("price / 2", "price / 3");
        let second = job(&fs, path, &edited).outcome.expect("in memory");
        let fresh: Vec<&str> = second.results.iter().filter(|r| !r.cached).map(|r| r.obligation.id.as_str()).collect();
        assert!(!fresh.is_empty() && fresh.iter().all(|id| id.contains("half")), "{fresh:?}");
        assert!(second.results.iter().any(|r| r.cached && r.obligation.id.contains("discounted")));
        assert!(!Path::new("/nowhere").exists(), "nothing is written to the disk");
    }

    #[test]
    fn stale_full_checks_are_dropped() {
        let mut s = Server::new(Config { debounce: Duration::ZERO, ..Config::default() });
        s.handle(Message::Request(Request::new(
            1.into(),
            "initialize".into(),
            serde_json::json!({"capabilities": {}}),
        )));
        let uri = "file:///nowhere/lp-lsp-stale/p.adt";
        let open =
            serde_json::json!({"textDocument": {"uri": uri, "languageId": "leanos", "version": 1, "text": PRICING}});
        s.handle(Message::Notification(Notification::new("textDocument/didOpen".into(), open)));
        let jobs = s.take_due_jobs(Instant::now() + Duration::from_secs(1));
        assert_eq!(jobs.len(), 1);
        let change = serde_json::json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": "type A = Int\n"}]});
        s.handle(Message::Notification(Notification::new("textDocument/didChange".into(), change)));
        s.take_outgoing();
        let old = jobs.into_iter().map(run_job).next().expect("one job");
        s.apply_job_result(old);
        assert!(s.take_outgoing().is_empty(), "a result for an older text publishes nothing");
        s.run_due_jobs_now();
        let out = s.take_outgoing();
        assert_eq!(out.len(), 1, "the current text's full check publishes");
    }

    fn codes_published(out: &[Message], file: &str) -> Option<Vec<String>> {
        out.iter().rev().find_map(|m| match m {
            Message::Notification(n)
                if n.method == "textDocument/publishDiagnostics"
                    && n.params["uri"].as_str().is_some_and(|u| u.ends_with(file)) =>
            {
                Some(
                    n.params["diagnostics"]
                        .as_array()
                        .map(|a| a.iter().filter_map(|d| d["code"].as_str().map(str::to_string)).collect())
                        .unwrap_or_default(),
                )
            }
            _ => None,
        })
    }

    #[test]
    fn verification_diagnostics_stay_on_files_not_edited() {
        let dir = std::env::temp_dir().join(format!("lp-lsp-keep-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("leanos.toml"), "[project]\nname = \"p\"\nversion = \"1.0.0\"\n").expect("write");
        let b_text = "type Note = { text: String }\n";
        std::fs::write(dir.join("a.adt"), PRICING).expect("write");
        std::fs::write(dir.join("b.adt"), b_text).expect("write");
        let mut s = Server::new(Config { debounce: Duration::ZERO, ..Config::default() });
        s.handle(Message::Request(Request::new(
            1.into(),
            "initialize".into(),
            serde_json::json!({"capabilities": {}}),
        )));
        let uri = |name: &str| crate::uri::from_path(&dir.join(name)).expect("a path").as_str().to_string();
        for (name, text) in [("a.adt", PRICING), ("b.adt", b_text)] {
            let open = serde_json::json!({"textDocument": {"uri": uri(name), "languageId": "leanos", "version": 1, "text": text}});
            s.handle(Message::Notification(Notification::new("textDocument/didOpen".into(), open)));
        }
        s.run_due_jobs_now();
        let out = s.take_outgoing();
        assert_eq!(codes_published(&out, "a.adt"), Some(vec!["LP3001".to_string()]));
        let edit = |s: &mut Server, name: &str, text: &str| {
            let change = serde_json::json!({"textDocument": {"uri": uri(name), "version": 2}, "contentChanges": [{"text": text}]});
            s.handle(Message::Notification(Notification::new("textDocument/didChange".into(), change)));
            s.take_outgoing()
        };
        // Editing `b.adt` keeps `a.adt`'s verification diagnostic (`a.adt` did not change).
        let out = edit(&mut s, "b.adt", "// a comment\ntype Note = { text: String }\n");
        assert_eq!(codes_published(&out, "a.adt"), Some(vec!["LP3001".to_string()]));
        // Editing `a.adt` drops it until the next full check puts it back.
        let out = edit(&mut s, "a.adt", &format!("// moved down\n{PRICING}"));
        assert_eq!(codes_published(&out, "a.adt"), Some(vec![]));
        s.run_due_jobs_now();
        let out = s.take_outgoing();
        assert_eq!(codes_published(&out, "a.adt"), Some(vec!["LP3001".to_string()]));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
