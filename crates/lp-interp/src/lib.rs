//! The reference interpreter of operation bodies: the semantics that generated services are
//! checked against.
//!
//! [`run_op`] runs the body of one operation over an in-memory [`Store`] of entities, as one
//! transaction: it answers a value ([`Outcome::Ok`]), one of the spec's errors
//! ([`Outcome::Raised`]), or a [`Outcome::Fault`] — something the checker's proofs must rule
//! out, such as firing a disabled event without `else` or storing a value that breaks a
//! refinement. On anything but `Ok` the store is left exactly as it was.
//!
//! - [`store`]: the store (records by key, the lifecycle state of each instance);
//! - [`env`](mod@env): the implementations of external functions;
//! - [`run`]: statements and terms, `fire`, `fresh` keys, calls of other operations;
//! - [`invariants`]: which spec invariants a store breaks, with the instances that break them;
//! - [`json`]: values and stores as JSON, in the wire format of the generated services;
//! - [`serve`]: a session answering JSON requests (run an operation, reset, dump the store), the
//!   reference side of the generated services' differential tests.
//!
//! Pure expressions are evaluated by `lp-props`' evaluator; this crate gives it a
//! [`lp_props::eval::Host`] that reads the store, draws `fresh` keys and calls external
//! functions. Everything is deterministic: the same spec, store, arguments and external
//! functions give the same outcome and the same store.
//!
//! Architecture invariant: knows nothing of code generation, HTTP, Python or solvers.

pub mod check;
pub mod env;
pub mod invariants;
pub mod json;
pub mod outcome;
pub mod run;
pub mod serve;
pub mod store;

pub use env::Env;
pub use invariants::{BrokenInvariant, check_invariants};
pub use lp_props::Value;
pub use outcome::{Fault, FaultKind, Outcome};
pub use run::{MAX_CALL_DEPTH, MAX_FRESH_CANDIDATES, run_op, run_op_drawing};
pub use store::{Instance, Lifecycle, Store, key_of};

use lp_ir::{OpId, OpRef, ServiceId, Spec};

/// The operation `op` of the service `service`, by name.
pub fn op_ref(spec: &Spec, service: &str, op: &str) -> Option<OpRef> {
    let s = spec.services.iter().position(|s| s.name == service)?;
    let o = spec.services[s].ops.iter().position(|o| o.name == op)?;
    Some(OpRef { service: ServiceId(s as u32), op: OpId(o as u32) })
}
