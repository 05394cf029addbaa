//! Keys, DSSE envelopes and canonical JSON: the cryptographic building blocks of certificates.
//!
//! Also the certificate's statement ([`statement`]), the verification policy ([`policy`]) and
//! the deploy gate's verifier ([`verify`]), which works on plain records and a file tree.
//!
//! Architecture invariant: this crate knows nothing of specs, checks or generated code; it
//! signs, reads and judges records handed to it.

pub mod canonical;
pub mod dsse;
pub mod keys;
pub mod policy;
pub mod statement;
pub mod verify;
