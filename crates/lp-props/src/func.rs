//! The family of functions `f` and `g` drawn for the functor laws: total functions on `Int`,
//! injective and not, order-preserving and not, so that collisions and reorderings are tried.

use crate::value::Value;
use proptest::prelude::*;
use std::fmt;

/// A function `Int -> Int` from the family. Values that are not integers pass through
/// unchanged (parameters are instantiated with `Int`, so `map` only hands it integers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntFn {
    /// `x -> k`: sends everything to one value.
    Const(i64),
    /// `x -> x + k`.
    Add(i64),
    /// `x -> x * k`, `k >= 2`.
    Mul(i64),
    /// `x -> x / k` (Euclidean), `k > 0`: merges neighbours.
    Div(i64),
    /// `x -> x % k` (Euclidean), `k > 0`.
    Rem(i64),
    /// `x -> -x`: injective, reverses the order.
    Neg,
    /// `x -> |x|`.
    Abs,
}

impl IntFn {
    /// Applies the function; integer overflow saturates, so the function stays total.
    pub fn apply(self, v: &Value) -> Value {
        let Value::Int(x) = *v else { return v.clone() };
        Value::Int(match self {
            IntFn::Const(k) => k,
            IntFn::Add(k) => x.saturating_add(k),
            IntFn::Mul(k) => x.saturating_mul(k),
            IntFn::Div(k) => x.checked_div_euclid(k).unwrap_or(x),
            IntFn::Rem(k) => x.checked_rem_euclid(k).unwrap_or(x),
            IntFn::Neg => x.saturating_neg(),
            IntFn::Abs => x.saturating_abs(),
        })
    }
}

/// The function's body in spec syntax, with `x` as its argument: `x / 2`.
impl fmt::Display for IntFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            IntFn::Const(k) => write!(f, "{k}"),
            IntFn::Add(k) if k < 0 => write!(f, "x - {}", k.unsigned_abs()),
            IntFn::Add(k) => write!(f, "x + {k}"),
            IntFn::Mul(k) => write!(f, "x * {k}"),
            IntFn::Div(k) => write!(f, "x / {k}"),
            IntFn::Rem(k) => write!(f, "x % {k}"),
            IntFn::Neg => f.write_str("-x"),
            IntFn::Abs => f.write_str("match x >= 0 { true => x, false => -x }"),
        }
    }
}

/// Draws functions from the family. Shrinking moves towards the simplest ones (constants).
pub fn int_fn() -> BoxedStrategy<IntFn> {
    prop_oneof![
        (-3i64..=3).prop_map(IntFn::Const),
        (-5i64..=5).prop_map(IntFn::Add),
        (2i64..=3).prop_map(IntFn::Mul),
        (2i64..=4).prop_map(IntFn::Div),
        (2i64..=4).prop_map(IntFn::Rem),
        Just(IntFn::Neg),
        Just(IntFn::Abs),
    ]
    .boxed()
}
