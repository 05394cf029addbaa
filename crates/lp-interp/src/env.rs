//! The environment of a run: what the spec leaves to hand-written code.

use lp_props::Value;
use lp_props::eval::RegexCache;
use std::collections::BTreeMap;
use std::fmt;

/// The implementation of an external function: from its arguments (in parameter order) to
/// its result, or a message saying why it failed.
pub type ExternalFn = Box<dyn FnMut(&[Value]) -> Result<Value, String>>;

/// Implementations of external functions (`fn`s without a body), by name, and the compiled
/// regular expressions of `matches`. An implementation may keep state (a stub counting its
/// calls); it is called in the order the body evaluates its calls, so runs stay
/// deterministic when the implementations are.
#[derive(Default)]
pub struct Env {
    pub(crate) externals: BTreeMap<String, ExternalFn>,
    pub(crate) regexes: RegexCache,
}

impl Env {
    /// An environment with no external functions.
    pub fn new() -> Env {
        Env::default()
    }

    /// Registers (or replaces) the implementation of the external function `name`.
    pub fn register(&mut self, name: impl Into<String>, f: impl FnMut(&[Value]) -> Result<Value, String> + 'static) {
        self.externals.insert(name.into(), Box::new(f));
    }

    /// Whether an implementation of `name` is registered.
    pub fn has(&self, name: &str) -> bool {
        self.externals.contains_key(name)
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Env").field("externals", &self.externals.keys().collect::<Vec<_>>()).finish()
    }
}
