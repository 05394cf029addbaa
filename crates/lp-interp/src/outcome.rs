//! What running an operation answers.

use lp_diagnostics::{FileId, Span};
use lp_ir::ErrorId;
use lp_props::Value;
use std::fmt;

/// The result of running an operation's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The body finished with this value; its writes are kept.
    Ok(Value),
    /// The body answered a declared error (of the operation or of an operation it called),
    /// with its payload: a record of the error's fields in declaration order. Nothing was
    /// written.
    Raised { error: ErrorId, payload: Value },
    /// The body went wrong in a way the checker must rule out. Nothing was written.
    Fault { kind: FaultKind, file: FileId, span: Span, message: String },
}

impl Outcome {
    /// The fault's kind, if this is a fault.
    pub fn fault_kind(&self) -> Option<FaultKind> {
        match self {
            Outcome::Fault { kind, .. } => Some(*kind),
            _ => None,
        }
    }
}

/// Why a run faulted. Each kind is something a proof obligation (or a well-formed spec and
/// environment) excludes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultKind {
    /// `fire` without `else` on an event that has no enabled transition in the instance's
    /// state and is not ignored there.
    EventNotEnabled,
    /// `fire` without `else` on an instance that is not stored.
    NotStored,
    /// `create` without `else` on a key that is taken.
    KeyTaken,
    /// A stored record, a machine variable, an error payload or a result breaks its type's or
    /// field's refinement, or a machine invariant no longer holds.
    RefinementViolated,
    /// Arguments of the wrong number, or breaking the refinements of their parameters.
    BadArguments,
    /// A contract of an external function (`requires` before the call, the result type and
    /// `ensures` after), or an operation's `ensures`, does not hold.
    ContractViolated,
    /// A call of an operation that has no body.
    MissingBody,
    /// A call of an external function that has no implementation in the [`crate::Env`], or
    /// whose implementation failed.
    ExternalFn,
    /// An expression has no value: division by zero, integer overflow, no match arm.
    Undefined,
    /// A construct the interpreter does not run (such as a `fresh` key it could not find
    /// within [`crate::MAX_FRESH_CANDIDATES`] candidates).
    Unsupported,
}

impl FaultKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::EventNotEnabled => "event-not-enabled",
            FaultKind::NotStored => "not-stored",
            FaultKind::KeyTaken => "key-taken",
            FaultKind::RefinementViolated => "refinement-violated",
            FaultKind::BadArguments => "bad-arguments",
            FaultKind::ContractViolated => "contract-violated",
            FaultKind::MissingBody => "missing-body",
            FaultKind::ExternalFn => "external-fn",
            FaultKind::Undefined => "undefined",
            FaultKind::Unsupported => "unsupported",
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A fault on its way out of the interpreter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

impl From<Fault> for Outcome {
    fn from(f: Fault) -> Outcome {
        Outcome::Fault { kind: f.kind, file: f.file, span: f.span, message: f.message }
    }
}
