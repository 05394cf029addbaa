//! Goals discharged by running operation bodies in the reference interpreter (`lp-interp`):
//! claims about what a body does to the store, tested on generated stores and requests.
//!
//! A [`RunGoal`] names an operation and a [`RunClaim`]. The discharger generates stores that
//! satisfy every `invariant` (instances drawn from the entities' types, keys and field values
//! shared between entities so that references resolve) and requests whose values satisfy
//! the parameters' types, often reusing values already stored, runs the body, and checks the
//! claim. A pass is `tested` with the number of cases and the seed; a failure has the store
//! and the request as counterexample. The goal's canonical text includes a digest of the
//! whole resolved spec, so a cached verdict is never reused after any change.

use lp_ir::{OpRef, Spec};
use sha2::{Digest, Sha256};

/// What is claimed about one operation's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RunClaim {
    /// From a store that satisfies every invariant, a successful run leaves one that does.
    InvariantsPreserved,
    /// A successful run satisfies the operation's `ensures` clauses.
    Ensures,
    /// No run gets stuck: nothing stored breaks its refinements, no machine variable leaves
    /// its type, no expression is undefined, no contract of a called function is broken.
    NoFault,
    /// Running the body twice with the same request leaves the same store and the same answer
    /// as running it once (`PUT` and `DELETE`).
    Idempotent,
}

impl RunClaim {
    pub fn as_str(self) -> &'static str {
        match self {
            RunClaim::InvariantsPreserved => "invariants-preserved",
            RunClaim::Ensures => "ensures",
            RunClaim::NoFault => "runs-without-fault",
            RunClaim::Idempotent => "idempotent",
        }
    }
}

/// A claim about one operation's body, decided by running it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunGoal {
    pub op: OpRef,
    pub claim: RunClaim,
    /// A digest of the resolved spec's canonical text (see [`spec_digest`]).
    pub spec_digest: String,
}

impl RunGoal {
    /// The span-free canonical form, hashed into the obligation's digest.
    pub fn canonical(&self) -> String {
        format!("run {} of op {}.{} in spec {}", self.claim.as_str(), self.op.service.0, self.op.op.0, self.spec_digest)
    }
}

/// The SHA-256 of the spec's canonical IR text: what a run's verdict depends on.
pub fn spec_digest(spec: &Spec) -> String {
    let mut h = Sha256::new();
    h.update(lp_ir::print(spec).as_bytes());
    crate::obligation::hex(&h.finalize())
}
