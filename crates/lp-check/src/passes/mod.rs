//! The verification passes, one module per pass.

pub mod adt;
pub mod behaviour;
pub mod composition;
pub mod contracts;
pub mod functor;
pub mod machines;
pub mod refinements;
pub mod totality;
