//! Loading the example specs for the OpenAPI and services tests.

pub use lp_test_support::{EXAMPLES, example};
