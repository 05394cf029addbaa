//! Loading a LeanOS workspace from disk: the canvas files, every thread folder with its
//! metadata, stage files and actions, all kept in one [`SourceDb`] so diagnostics can point
//! into them.

use crate::canvas::{self, Assumption};
use crate::doc::{Doc, line_end, yaml_file};
use crate::fs::{Fs, OsFs};
use lp_diagnostics::{FileId, SourceDb, Span};
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The thread types and their folders under `threads/`.
pub const TYPES: [&str; 4] = ["business", "sales", "marketing", "engineering"];

/// Stage numbers, names and file names (with the aliases LeanOS's own examples use).
pub const STAGES: [(u8, &str, &[&str]); 6] = [
    (1, "input", &["1-input.md"]),
    (2, "hypothesis", &["2-hypothesis.md", "2-hypotesis.md"]),
    (3, "implication", &["3-implication.md"]),
    (4, "decision", &["4-decision.md"]),
    (5, "actions", &["5-actions.md"]),
    (6, "learning", &["6-learning.md"]),
];

pub const ASSUMPTIONS_FILE: &str = "strategy/canvas/10-assumptions.md";
pub const MODE_FILE: &str = "strategy/canvas/00-business-model-mode.md";

/// A loaded workspace.
#[derive(Debug)]
pub struct Workspace {
    /// Where the workspace's files are read and written.
    pub fs: Arc<dyn Fs>,
    pub root: PathBuf,
    pub db: SourceDb,
    pub mode: Option<Doc>,
    pub canvas: Option<Doc>,
    pub threads: Vec<Thread>,
}

/// One thread folder.
#[derive(Debug)]
pub struct Thread {
    /// `business`, `sales`, `marketing` or `engineering`.
    pub kind: String,
    /// The folder's name.
    pub name: String,
    pub dir: PathBuf,
    /// `threads/business/name`, with forward slashes.
    pub rel: String,
    pub metadata: Option<Doc>,
    /// Stage number to its file (stage 5 only when it is `5-actions.md`).
    pub stages: BTreeMap<u8, Doc>,
    /// Whether the thread has a `5-actions/` folder.
    pub actions_dir: bool,
    /// The files of `5-actions/`, sorted by name, with their paths.
    pub action_files: Vec<(PathBuf, Doc)>,
}

/// One Stage 5 action, from a `5-actions/` file or a heading of `5-actions.md`.
#[derive(Debug, Clone)]
pub struct Action {
    pub file: FileId,
    /// The action file (for `5-actions/` actions).
    pub path: Option<PathBuf>,
    /// Where the action is declared (its heading, or its file's `type:` key).
    pub span: Span,
    pub id: String,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub project: Option<String>,
    pub title: String,
    pub log: Vec<LogEntry>,
}

/// One `### DATE — what: result` entry of an action's `## Run log`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub date: String,
    pub what: String,
    /// `passed`, `FAILED` or `incomplete`.
    pub result: String,
    pub summary: String,
}

impl LogEntry {
    pub fn failed(&self) -> bool {
        self.result.eq_ignore_ascii_case("failed")
    }
}

impl Workspace {
    /// Loads a workspace from disk; file names in diagnostics are `root` joined with each
    /// file's path.
    pub fn load(root: &Path) -> io::Result<Workspace> {
        Workspace::load_with(Arc::new(OsFs), root)
    }

    /// Loads a workspace through `fs`.
    pub fn load_with(fs: Arc<dyn Fs>, root: &Path) -> io::Result<Workspace> {
        let f = fs.as_ref();
        let mut db = SourceDb::new();
        let mode = read_opt(f, &mut db, root, MODE_FILE)?.map(|(id, t)| Doc::parse(id, t));
        let canvas = read_opt(f, &mut db, root, ASSUMPTIONS_FILE)?.map(|(id, t)| Doc::parse(id, t));
        let mut threads = Vec::new();
        for kind in TYPES {
            let dir = root.join("threads").join(kind);
            if !f.is_dir(&dir) {
                continue;
            }
            for sub in sorted_dirs(f, &dir)? {
                let name = file_name(&sub);
                if name == "campaigns" && !looks_like_thread(f, &sub) {
                    for camp in sorted_dirs(f, &sub)? {
                        let rel = format!("threads/{kind}/campaigns/{}", file_name(&camp));
                        threads.push(load_thread(f, &mut db, kind, &camp, rel)?);
                    }
                } else {
                    let rel = format!("threads/{kind}/{name}");
                    threads.push(load_thread(f, &mut db, kind, &sub, rel)?);
                }
            }
        }
        Ok(Workspace { fs, root: root.to_path_buf(), db, mode, canvas, threads })
    }

    pub fn assumptions(&self) -> Vec<Assumption> {
        self.canvas.as_ref().map(canvas::assumptions).unwrap_or_default()
    }

    /// The thread whose folder is `dir` (compared after canonicalizing both).
    pub fn thread_at(&self, dir: &Path) -> Option<&Thread> {
        let want = self.fs.canonicalize(dir).ok()?;
        self.threads.iter().find(|t| self.fs.canonicalize(&t.dir).ok().as_deref() == Some(want.as_path()))
    }
}

impl Thread {
    pub fn metadata_text(&self, key: &str) -> Option<String> {
        self.metadata.as_ref()?.get_text(key)
    }

    /// The thread's actions in file or heading order.
    pub fn actions(&self) -> Vec<Action> {
        let mut out = Vec::new();
        for (path, doc) in &self.action_files {
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            out.push(Action {
                file: doc.file,
                path: Some(path.clone()),
                span: doc.key_span("type"),
                id: doc.get_text("action_id").unwrap_or(stem),
                kind: doc.get_text("type"),
                status: doc.get_text("status"),
                project: doc.get_text("project"),
                title: doc.title(),
                log: run_log(doc),
            });
        }
        if let Some(doc) = self.stages.get(&5)
            && let Some(sec) =
                doc.headings.iter().position(|h| h.level >= 2 && h.text.trim().eq_ignore_ascii_case("Actions"))
        {
            let level = doc.headings[sec].level;
            for j in doc.children(sec) {
                let h = &doc.headings[j];
                if h.level != level + 1 {
                    continue;
                }
                let block = doc.block_range(j);
                let first = h.text.split_whitespace().next().unwrap_or("").trim_end_matches(':');
                let field = |k: &str| doc.field_in(&block, k).map(|f| f.value.clone());
                out.push(Action {
                    file: doc.file,
                    path: None,
                    span: Span::new(h.range.start, h.range.end),
                    id: format!("{}#{}", self.rel, out.len() + 1),
                    kind: Some(first.to_string()),
                    status: field("Status"),
                    project: field("Project"),
                    title: h.text.clone(),
                    log: Vec::new(),
                });
            }
        }
        out
    }
}

/// The `## Run log` entries of an action file.
pub fn run_log(doc: &Doc) -> Vec<LogEntry> {
    let Some(sec) = doc.section(&["Run log"]) else { return Vec::new() };
    let mut out = Vec::new();
    for j in doc.children(sec) {
        let h = &doc.headings[j];
        let Some((head, result)) = h.text.rsplit_once(':') else { continue };
        let (date, what) = match head.split_once('—') {
            Some((d, w)) => (d.trim(), w.trim()),
            None => (head.trim(), ""),
        };
        let block = doc.block_range(j);
        let summary = doc.field_in(&block, "Summary").map(|f| f.value.clone()).unwrap_or_default();
        let result = result.trim().trim_matches('⚠').trim().to_string();
        out.push(LogEntry { date: date.to_string(), what: what.to_string(), result, summary });
    }
    out
}

fn looks_like_thread(fs: &dyn Fs, dir: &Path) -> bool {
    ["metadata.yaml", "meta.json", "1-input.md"].iter().any(|f| fs.is_file(&dir.join(f)))
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn sorted_dirs(fs: &dyn Fs, dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> =
        fs.read_dir(dir)?.into_iter().filter(|p| fs.is_dir(p) && !file_name(p).starts_with('.')).collect();
    out.sort();
    Ok(out)
}

/// A path as shown in diagnostics: forward slashes, no leading `./`.
pub fn display(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

fn read_opt(fs: &dyn Fs, db: &mut SourceDb, root: &Path, rel: &str) -> io::Result<Option<(FileId, String)>> {
    let path = root.join(rel);
    if !fs.is_file(&path) {
        return Ok(None);
    }
    let text = fs.read_text(&path)?;
    Ok(Some((db.add(display(&path), text.clone()), text)))
}

fn load_thread(fs: &dyn Fs, db: &mut SourceDb, kind: &str, dir: &Path, rel: String) -> io::Result<Thread> {
    let mut metadata = None;
    for name in ["metadata.yaml", "meta.json"] {
        let p = dir.join(name);
        if fs.is_file(&p) {
            let text = fs.read_text(&p)?;
            let file = db.add(display(&p), text.clone());
            metadata = Some(yaml_file(file, text));
            break;
        }
    }
    let mut stages = BTreeMap::new();
    for (n, _, names) in STAGES {
        for name in names {
            let p = dir.join(name);
            if fs.is_file(&p) {
                let text = fs.read_text(&p)?;
                let file = db.add(display(&p), text.clone());
                stages.insert(n, Doc::parse(file, text));
                break;
            }
        }
    }
    let actions_path = dir.join("5-actions");
    let actions_dir = fs.is_dir(&actions_path);
    let mut action_files = Vec::new();
    if actions_dir {
        let mut files: Vec<PathBuf> = fs
            .read_dir(&actions_path)?
            .into_iter()
            .filter(|p| fs.is_file(p) && p.extension().is_some_and(|e| e == "md") && !file_name(p).starts_with('.'))
            .collect();
        files.sort();
        for p in files {
            let text = fs.read_text(&p)?;
            let file = db.add(display(&p), text.clone());
            action_files.push((p, Doc::parse(file, text)));
        }
    }
    Ok(Thread {
        kind: kind.to_string(),
        name: file_name(dir),
        dir: dir.to_path_buf(),
        rel,
        metadata,
        stages,
        actions_dir,
        action_files,
    })
}

/// Walks up from `start` to the first folder that has both `threads/` and `strategy/`, on
/// disk.
pub fn find_workspace(start: &Path) -> Option<PathBuf> {
    find_workspace_with(&OsFs, start)
}

/// [`find_workspace`] through `fs`.
pub fn find_workspace_with(fs: &dyn Fs, start: &Path) -> Option<PathBuf> {
    let abs = fs.canonicalize(start).ok()?;
    let mut dir = if fs.is_file(&abs) { abs.parent()?.to_path_buf() } else { abs };
    loop {
        if fs.is_dir(&dir.join("threads")) && fs.is_dir(&dir.join("strategy")) {
            return Some(dir);
        }
        dir = dir.parent()?.to_path_buf();
    }
}

/// Writes a file on disk so that readers see the old bytes or the new ones: a temporary
/// sibling, then a rename. Creates missing parent folders.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    OsFs.write_atomic(path, bytes)
}

/// Appends `entry` (a `### ...` heading and its lines) to a file's `## Run log` section,
/// creating the section at the end when there is none. Returns the new text.
pub fn append_run_log(text: &str, entry: &str) -> String {
    let doc = Doc::parse(FileId(0), text.to_string());
    let mut out = text.to_string();
    match doc.section(&["Run log"]) {
        Some(sec) => {
            let end = doc.section_range(sec).end;
            let head = out[..end].trim_end().len();
            let sep = if end < text.len() { "\n\n" } else { "\n" };
            out.replace_range(head..end, &format!("\n\n{}{sep}", entry.trim_end()));
        }
        None => {
            let head = out.trim_end().len();
            out.truncate(head);
            out.push_str(&format!("\n\n## Run log\n\n{}\n", entry.trim_end()));
        }
    }
    out
}

/// Replaces the value of a top-level front-matter key (`status: pending` → `status: done`),
/// keeping every other byte; adds the key at the end of the front matter when it is missing.
pub fn set_front_matter_key(text: &str, key: &str, value: &str) -> String {
    let doc = Doc::parse(FileId(0), text.to_string());
    let Some(fm) = &doc.front else { return text.to_string() };
    let span = doc.key_span(key);
    let mut out = text.to_string();
    if span.end as usize > span.start as usize && (span.start as usize) >= fm.yaml.start {
        let line_end = line_end(text, span.start as usize);
        out.replace_range(span.start as usize..line_end, &format!("{key}: {value}"));
    } else {
        out.insert_str(fm.yaml.end, &format!("{key}: {value}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_log_appends_and_parses() {
        let t = "---\ntype: engineering:backend\nstatus: pending\n---\n# Backend\n\nBody.\n";
        let t1 = append_run_log(t, "### 2026-11-24 — build: passed\n\n**Summary:** 3 files\n");
        let t2 = append_run_log(&t1, "### 2026-11-25 — verify: FAILED ⚠\n\n**Summary:** bad hash\n");
        assert!(t2.starts_with(t), "{t2}");
        let doc = Doc::parse(FileId(0), t2.clone());
        let log = run_log(&doc);
        assert_eq!(log.len(), 2, "{t2}");
        assert_eq!(log[0].what, "build");
        assert_eq!(log[1].result, "FAILED");
        assert!(log[1].failed());
        assert_eq!(log[1].summary, "bad hash");
        let t3 = set_front_matter_key(&t2, "status", "blocked");
        assert!(t3.contains("status: blocked\n") && !t3.contains("pending"));
        let t4 = set_front_matter_key(&t3, "updated", "2026-11-25");
        assert!(t4.contains("updated: 2026-11-25\n---\n"), "{t4}");
    }

    #[test]
    fn run_log_before_another_section_keeps_it() {
        let t = "# A\n\n## Run log\n\n### 2026-01-01 — check: passed\n\n## Notes\n\nkeep\n";
        let out = append_run_log(t, "### 2026-01-02 — build: passed");
        assert!(
            out.contains("### 2026-01-01 — check: passed\n\n### 2026-01-02 — build: passed\n\n## Notes\n\nkeep\n"),
            "{out}"
        );
    }
}
