//! Code generation from the resolved IR: the OpenAPI 3.1 document of a spec's services
//! ([`openapi`]), with translation validation that reads the emitted document back and
//! compares it with the IR, and the services' deployment description `services.spec.yaml`
//! ([`services`]).
//!
//! Every generator returns a [`generated::Generated`] map: files with the spec items they
//! come from, for the certificate's traceability manifest.
//!
//! Architecture invariant: this crate knows the IR and the diagnostics model, nothing about
//! checks, obligations or solvers; its output depends only on the [`lp_ir::Spec`] and is
//! deterministic (JSON object keys are sorted, YAML in declaration order).

pub mod fastapi;
pub mod generated;
pub mod infra;
pub mod maps;
pub mod openapi;
pub mod remix;
pub mod services;
