//! Engineering actions: an `engineering:architecture|backend|frontend|infrastructure|validate`
//! action that names a spec project runs the matching part of the build through an
//! [`EngineeringRunner`], and the result is appended to the action's `## Run log`. Gate
//! failures (from these runs or reported by `build`/`verify` through
//! [`record_gate_failure`]) are flagged in the log and in `ops/today.md`.
//!
//! This crate does not know the spec language: the runner is implemented by the command
//! line, which calls the driver.

use crate::doc::{Doc, line_end};
use crate::fs::{Fs, OsFs};
use crate::workspace::{Action, Thread, Workspace, append_run_log, set_front_matter_key};
use lp_diagnostics::FileId;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The engineering steps an action can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Architecture,
    Backend,
    Frontend,
    Infrastructure,
    Validate,
}

impl Step {
    /// `engineering:backend` → `Backend`.
    pub fn of_action(kind: &str) -> Option<Step> {
        match kind.strip_prefix("engineering:")? {
            "architecture" => Some(Step::Architecture),
            "backend" => Some(Step::Backend),
            "frontend" => Some(Step::Frontend),
            "infrastructure" => Some(Step::Infrastructure),
            "validate" => Some(Step::Validate),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Step::Architecture => "architecture",
            Step::Backend => "backend",
            Step::Frontend => "frontend",
            Step::Infrastructure => "infrastructure",
            Step::Validate => "validate",
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed,
    /// Part of the step could not run (for example `verify` before it exists).
    Incomplete,
}

impl Outcome {
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "FAILED",
            Outcome::Incomplete => "incomplete",
        }
    }

    /// The action status a run leaves behind.
    pub fn action_status(self) -> &'static str {
        match self {
            Outcome::Passed => "completed",
            Outcome::Failed => "blocked",
            Outcome::Incomplete => "in_progress",
        }
    }
}

/// What a runner reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionResult {
    pub outcome: Outcome,
    /// What ran: `check`, `build`, `check + verify`.
    pub what: String,
    /// One line.
    pub summary: String,
    /// Further lines (diagnostics, files written).
    pub details: Vec<String>,
}

/// Runs engineering steps on a spec project. Implemented by the command line with the driver.
pub trait EngineeringRunner {
    /// Runs one step on the project folder.
    fn run(&self, step: Step, project: &Path) -> ActionResult;
    /// A one-line status of the project's certificate, for `ops/today.md`.
    fn certificate_status(&self, project: &Path) -> String;
}

/// What `threads run` did for one action.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub action: String,
    pub file: PathBuf,
    pub result: ActionResult,
}

/// Runs the engineering actions of a thread that name a spec project (only `only`, by action
/// id or file stem, when given), appending each result to the action's run log and setting its
/// status. Failures are flagged in `ops/today.md`.
pub fn run_actions(
    ws: &Workspace,
    t: &Thread,
    only: Option<&str>,
    runner: &dyn EngineeringRunner,
    date: &str,
) -> io::Result<Vec<RunReport>> {
    let mut reports = Vec::new();
    for a in t.actions() {
        let (Some(path), Some(kind), Some(project)) = (&a.path, &a.kind, &a.project) else { continue };
        let Some(step) = Step::of_action(kind) else { continue };
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        if only.is_some_and(|o| o != a.id && o != stem) {
            continue;
        }
        let result = runner.run(step, &ws.root.join(project));
        let mut entry = format!(
            "### {date} — {}: {}{}\n\n**Summary:** {}\n",
            result.what,
            result.outcome.word(),
            if result.outcome == Outcome::Failed { " ⚠" } else { "" },
            result.summary
        );
        for d in &result.details {
            entry.push_str(&format!("- {d}\n"));
        }
        let text = ws.fs.read_text(path)?;
        let text = append_run_log(&text, &entry);
        let text = set_front_matter_key(&text, "status", result.outcome.action_status());
        ws.fs.write_atomic(path, text.as_bytes())?;
        if result.outcome == Outcome::Failed {
            flag_today(ws, &t.rel, &a.id, &result.what, &result.summary, date)?;
        }
        reports.push(RunReport { action: a.id.clone(), file: path.clone(), result });
    }
    Ok(reports)
}

/// Which action a gate failure of `what` (`check`, `build`, `verify`) belongs to.
fn preferred(what: &str) -> &'static [Step] {
    match what {
        "check" => &[Step::Architecture],
        "build" => &[Step::Backend, Step::Frontend, Step::Infrastructure, Step::Architecture],
        "verify" => &[Step::Validate],
        _ => &[],
    }
}

/// Records a failed gate of `build`/`verify` on the spec project at `project_path`: every
/// engineering thread of the workspace with an action naming that project gets a flagged
/// entry in that action's run log (the action whose step matches `what`, else the last one
/// naming the project; its status becomes `blocked`), and `ops/today.md` gets a flagged item
/// under "Failed Gates". Returns whether any thread was found; when none is, nothing is
/// written.
pub fn record_gate_failure(
    workspace_root: &Path,
    project_path: &Path,
    what: &str,
    summary: &str,
    date: &str,
) -> io::Result<bool> {
    record_gate_failure_with(Arc::new(OsFs), workspace_root, project_path, what, summary, date)
}

/// [`record_gate_failure`] through `fs`.
pub fn record_gate_failure_with(
    fs: Arc<dyn Fs>,
    workspace_root: &Path,
    project_path: &Path,
    what: &str,
    summary: &str,
    date: &str,
) -> io::Result<bool> {
    let Ok(ws) = Workspace::load_with(fs, workspace_root) else { return Ok(false) };
    let Ok(want) = ws.fs.canonicalize(project_path) else { return Ok(false) };
    let mut found = false;
    for t in ws.threads.iter().filter(|t| t.kind == "engineering") {
        let naming: Vec<Action> = t
            .actions()
            .into_iter()
            .filter(|a| a.path.is_some())
            .filter(|a| a.kind.as_deref().and_then(Step::of_action).is_some())
            .filter(|a| {
                a.project.as_ref().and_then(|p| ws.fs.canonicalize(&ws.root.join(p)).ok()).as_deref()
                    == Some(want.as_path())
            })
            .collect();
        let chosen = preferred(what)
            .iter()
            .find_map(|s| naming.iter().find(|a| a.kind.as_deref().and_then(Step::of_action) == Some(*s)))
            .or(naming.last());
        let Some(a) = chosen else { continue };
        let Some(path) = &a.path else { continue };
        found = true;
        // The same failure reported twice is logged once.
        if a.log.last().is_some_and(|l| l.failed() && l.date == date && l.what == what && l.summary == summary) {
            continue;
        }
        let entry = format!("### {date} — {what}: FAILED ⚠\n\n**Summary:** {summary}\n- flagged in `ops/today.md`\n");
        let text = ws.fs.read_text(path)?;
        let text = append_run_log(&text, &entry);
        let text = set_front_matter_key(&text, "status", "blocked");
        ws.fs.write_atomic(path, text.as_bytes())?;
        flag_today(&ws, &t.rel, &a.id, what, summary, date)?;
    }
    Ok(found)
}

/// The heading of the failed-gates section of `ops/today.md`.
pub const FAILED_GATES: &str = "Failed Gates";

/// The line a failed gate gets in `ops/today.md`.
pub fn gate_line(date: &str, thread: &str, action: &str, what: &str, summary: &str) -> String {
    format!("- ⚠ {date} `{thread}` {action}: {what} failed: {summary}")
}

/// Adds a failed gate to `ops/today.md` (creating it, or its section, when missing); a line
/// that is already there is not added twice.
fn flag_today(ws: &Workspace, thread: &str, action: &str, what: &str, summary: &str, date: &str) -> io::Result<()> {
    let path = ws.root.join("ops/today.md");
    let line = gate_line(date, thread, action, what, summary);
    let text = if ws.fs.is_file(&path) { ws.fs.read_text(&path)? } else { format!("# Today: {date}\n") };
    if text.lines().any(|l| l == line) {
        return Ok(());
    }
    let doc = Doc::parse(FileId(0), text.clone());
    let mut out = text.clone();
    match doc.section(&[FAILED_GATES]) {
        Some(sec) => {
            let h = doc.headings[sec].range.clone();
            let r = doc.section_range(sec);
            // Drop a "- none" placeholder.
            let body = &text[h.end..r.end];
            let none = body.lines().any(|l| l.trim() == "- none");
            let at = line_end(&text, h.start);
            if none {
                let cleaned: String = body.lines().filter(|l| l.trim() != "- none").map(|l| format!("{l}\n")).collect();
                let cleaned = cleaned.trim_start_matches('\n').trim_end().to_string();
                let rest = if cleaned.is_empty() { String::new() } else { format!("\n{cleaned}") };
                let tail = if r.end < text.len() { "\n\n" } else { "\n" };
                out.replace_range(at..r.end, &format!("\n\n{line}{rest}{tail}"));
            } else {
                out.insert_str(at, &format!("\n\n{line}"));
                // The inserted line joins the list that follows the heading.
                out = out.replacen(&format!("{line}\n\n- "), &format!("{line}\n- "), 1);
            }
        }
        None => {
            out.truncate(out.trim_end().len());
            out.push_str(&format!("\n\n## {FAILED_GATES}\n\n{line}\n"));
        }
    }
    ws.fs.write_atomic(&path, out.as_bytes())
}
