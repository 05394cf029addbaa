//! The verification passes, one module per pass.

pub mod functor;
