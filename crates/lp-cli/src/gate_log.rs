//! Failed gates in a LeanOS workspace: when `build` or `verify` fails on a spec project of a
//! LeanOS workspace (`LEANOS_WORKSPACE`, or the workspace the project lies in), the
//! engineering thread naming that project gets a flagged entry in its action log and
//! `ops/today.md` a flagged item (the format is `lp-threads`').

use crate::output::Output;
use std::path::Path;

/// Today as `YYYY-MM-DD`: `LEANOS_TODAY` when set (tests, reproducible runs), else the
/// system date in UTC.
fn today() -> String {
    match std::env::var("LEANOS_TODAY") {
        Ok(d) if !d.trim().is_empty() => d.trim().to_string(),
        _ => jiff::tz::Offset::UTC.to_datetime(jiff::Timestamp::now()).date().to_string(),
    }
}

/// Records a failed `what` (`build`, `verify`) of `project`. Outside a workspace it does
/// nothing; a workspace that cannot be written is reported as a warning, never hiding the
/// gate's own result.
pub fn record_failure(project: &Path, what: &str, summary: &str, out: &Output) {
    // The workspace: `LEANOS_WORKSPACE` when set (a spec project usually lives beside the
    // workspace, not inside it), else the workspace the project lies in.
    let ws = match std::env::var_os("LEANOS_WORKSPACE") {
        Some(w) if !w.is_empty() => lp_threads::find_workspace(Path::new(&w)),
        _ => lp_threads::find_workspace(project),
    };
    let Some(ws) = ws else { return };
    match lp_threads::record_gate_failure(&ws, project, what, summary, &today()) {
        Ok(true) => out.stderr(&format!(
            "note: flagged in the LeanOS workspace `{}` (ops/today.md and the engineering thread's action log)\n",
            ws.display()
        )),
        Ok(false) => {}
        Err(e) => out.stderr(&format!("warning: could not record the failed {what} in `{}`: {e}\n", ws.display())),
    }
}
