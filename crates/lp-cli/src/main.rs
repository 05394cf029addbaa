//! The leanos-prove binary.
fn main() {}
