//! `threads learn`: applies a thread's Stage 6 `canvas_updates` to the canvas's
//! `10-assumptions.md` (status, confidence before → after, evidence path and date in the
//! entry's history). Planning never writes; [`write`] replaces the file atomically and
//! refuses when the file changed since it was read.

use crate::canvas::{self, Applied, LearnError, Update, normalize_status};
use crate::doc::scalar_text;
use crate::fs::Fs;
use crate::workspace::{ASSUMPTIONS_FILE, Thread, Workspace, display};
use std::path::PathBuf;
use yaml_serde::Value;

/// What learning from a thread would change.
#[derive(Debug, Clone)]
pub struct LearnPlan {
    pub path: PathBuf,
    pub old: String,
    pub new: String,
    pub applied: Vec<Applied>,
}

impl LearnPlan {
    pub fn changed(&self) -> bool {
        self.old != self.new
    }

    /// A unified diff of the change (empty when nothing changes).
    pub fn diff(&self) -> String {
        if !self.changed() {
            return String::new();
        }
        let name = display(&self.path);
        similar::TextDiff::from_lines(&self.old, &self.new)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{name}"), &format!("b/{name}"))
            .to_string()
    }
}

/// The canvas updates of a thread's Stage 6.
pub fn updates(t: &Thread) -> Result<Vec<Update>, LearnError> {
    let Some(doc) = t.stages.get(&6) else {
        return Err(LearnError(format!("thread `{}` has no stage 6 (`6-learning.md`)", t.rel)));
    };
    let date = doc
        .get_text("date")
        .filter(|d| crate::check::parse_date(d).is_some())
        .ok_or_else(|| LearnError(format!("`{}/6-learning.md` has no valid `date`", t.rel)))?;
    let Some(Value::Sequence(items)) = doc.get("canvas_updates") else {
        return Err(LearnError(format!("`{}/6-learning.md` has no `canvas_updates` list", t.rel)));
    };
    let evidence = format!("{}/6-learning.md", t.rel);
    let mut out = Vec::new();
    for item in items {
        let get = |k: &str| match item {
            Value::Mapping(m) => m.get(k).and_then(scalar_text),
            _ => None,
        };
        let id = get("assumption").ok_or_else(|| LearnError("a canvas update has no `assumption`".into()))?;
        let status = get("status")
            .as_deref()
            .and_then(normalize_status)
            .ok_or_else(|| LearnError(format!("the canvas update of `{id}` has no valid `status`")))?;
        let confidence = get("confidence")
            .and_then(|c| c.parse::<u32>().ok())
            .filter(|c| *c <= 100)
            .ok_or_else(|| LearnError(format!("the canvas update of `{id}` has no `confidence` from 0 to 100")))?;
        let evidence = get("evidence").unwrap_or_else(|| evidence.clone());
        out.push(Update { id, status: status.to_string(), confidence, evidence, date: date.clone() });
    }
    if out.is_empty() {
        return Err(LearnError(format!("`{}/6-learning.md` records no canvas update", t.rel)));
    }
    Ok(out)
}

/// Plans applying a thread's Stage 6 to the canvas.
pub fn plan(ws: &Workspace, t: &Thread) -> Result<LearnPlan, LearnError> {
    let path = ws.root.join(ASSUMPTIONS_FILE);
    let Some(doc) = &ws.canvas else {
        return Err(LearnError(format!("there is no `{ASSUMPTIONS_FILE}` to update")));
    };
    let ups = updates(t)?;
    let (new, applied) = canvas::apply(&doc.text, &ups)?;
    Ok(LearnPlan { path, old: doc.text.clone(), new, applied })
}

/// Writes a plan through `fs`. Fails, writing nothing, if the file changed since the plan was
/// made.
pub fn write(fs: &dyn Fs, plan: &LearnPlan) -> std::io::Result<()> {
    let now = fs.read(&plan.path)?;
    if String::from_utf8_lossy(&now) != plan.old {
        return Err(std::io::Error::other(format!(
            "`{}` changed while learning; run `threads learn` again",
            display(&plan.path)
        )));
    }
    if plan.changed() { fs.write_atomic(&plan.path, plan.new.as_bytes()) } else { Ok(()) }
}
