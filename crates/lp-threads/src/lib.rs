//! LeanOS business threads: loading a workspace, the stage linter (`LP9nnn` diagnostics), the
//! one impact policy, learning into the canvas, `ops/today.md`, scaffolding, and engineering
//! actions run through an [`EngineeringRunner`].
//!
//! A workspace is a folder with `threads/{business,sales,marketing,engineering}/{name}/`
//! (stage files `1-input.md` … `6-learning.md`, or a `5-actions/` folder, and
//! `metadata.yaml`), the canvas in `strategy/canvas/` and `ops/`. This crate knows nothing
//! of the spec language: engineering steps are delegated to a runner the command line
//! implements with the driver. It reads and writes only through the [`Fs`] trait ([`OsFs`],
//! or [`MemFs`] in tests); every write on disk is atomic (a temporary sibling, then a rename).

pub mod canvas;
pub mod check;
pub mod doc;
pub mod engineering;
pub mod fs;
pub mod impact;
pub mod learn;
pub mod scaffold;
pub mod today;
pub mod workspace;

pub use engineering::{
    ActionResult, EngineeringRunner, Outcome, RunReport, Step, record_gate_failure, record_gate_failure_with,
    run_actions,
};
pub use fs::{Fs, MemFs, OsFs};
pub use impact::{Mode, Policy};
pub use workspace::{Thread, Workspace, find_workspace, find_workspace_with, write_atomic};
