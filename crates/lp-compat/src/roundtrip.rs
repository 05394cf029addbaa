//! The round trip of a `reversible` migration by property tests (lp-props): for generated valid
//! values of the previous type, migrate forward, go back, and compare field by field.
//!
//! z3 decides the round trip first (`migrate.rs`); the tests are the second way, used when z3
//! cannot decide it (an `unknown` verdict becomes `tested` or `failed`). A field carried over
//! unchanged whose type changed (a sum that gained a variant) is compared by neither.

use lp_check::{Counterexample, Verdict};
use lp_ir::{Expr, Spec, Ty};
use lp_props::Value;
use lp_props::eval::Env;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::rc::Rc;

/// The round trip of one record type, with every expression over `self`.
#[derive(Debug, Clone)]
pub struct RoundTrip {
    /// The id of the round-trip obligation this tests.
    pub obligation: String,
    /// The previous type (in the workspace).
    pub old_ty: Ty,
    /// Each field of the new value: its name and how it is computed from the old value
    /// (`self`); `None` when it is carried over without being compared.
    pub forward: Vec<(String, Option<Expr>)>,
    /// Each compared field of the old value: its name and how it is computed back from the
    /// new value (`self`).
    pub back: Vec<(String, Expr)>,
}

fn field<'v>(v: &'v Value, name: &str) -> Option<&'v Value> {
    v.fields()?.iter().find(|(n, _)| n == name).map(|(_, x)| x)
}

/// Tests a round trip on `cases` generated values (seeded by `seed`).
pub fn test(ws: &Spec, rt: &RoundTrip, cases: u32, seed: u64) -> Verdict {
    let unknown = |reason: String| Verdict::Unknown { reason };
    let env = Rc::new(Env::new(ws.clone()));
    let strategy = match lp_props::strategy::Gen::new(Rc::clone(&env)).strategy(&rt.old_ty) {
        Ok(Some(s)) => s,
        Ok(None) => return unknown("no valid previous value could be built".into()),
        Err(reason) => return unknown(format!("cannot generate previous values: {reason}")),
    };
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&(seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)).to_le_bytes());
    }
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes));
    let mut ran = 0;
    for _ in 0..cases {
        let Ok(tree) = strategy.new_tree(&mut runner) else {
            return unknown("could not generate enough valid previous values".into());
        };
        let old = tree.current();
        let mut fields = Vec::with_capacity(rt.forward.len());
        for (name, e) in &rt.forward {
            let v = match e {
                Some(e) => match env.eval(e, &old) {
                    Ok(v) => v,
                    Err(err) => return unknown(format!("cannot evaluate the forward rule of `{name}`: {err:?}")),
                },
                None => field(&old, name).cloned().unwrap_or(Value::Unit),
            };
            fields.push((name.clone(), v));
        }
        let new = Value::Record(fields);
        for (name, e) in &rt.back {
            let back = match env.eval(e, &new) {
                Ok(v) => v,
                Err(err) => return unknown(format!("cannot evaluate the way back of `{name}`: {err:?}")),
            };
            if field(&old, name) != Some(&back) {
                let summary = format!("old = {old}, new = {new}: going back gives `{name}` = {back}");
                return Verdict::Failed {
                    counterexample: Counterexample { summary, bindings: Vec::new(), trace: Vec::new() },
                };
            }
        }
        ran += 1;
    }
    Verdict::Tested { cases: ran, seed }
}
