//! Keys, DSSE envelopes and canonical JSON: the cryptographic building blocks of certificates.
//!
//! This crate knows nothing of specs, checks or generated code; it signs and verifies bytes.

pub mod canonical;
pub mod dsse;
pub mod keys;
