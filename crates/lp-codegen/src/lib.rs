//! Code generation from the resolved IR: today the OpenAPI 3.1 document of a spec's services
//! ([`openapi`]), with translation validation that reads the emitted document back and
//! compares it with the IR.
//!
//! Architecture invariant: this crate knows the IR and the diagnostics model, nothing about
//! checks, obligations or solvers; its output depends only on the [`lp_ir::Spec`] and is
//! deterministic (object keys are sorted).

pub mod openapi;
