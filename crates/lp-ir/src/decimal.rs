//! Exact arithmetic on the values of `Decimal`, shared by every evaluator of IR expressions.
//!
//! A [`Decimal`] is a 96-bit integer (the mantissa) and a scale of at most 28 digits after the
//! point. Every operation here is exact: it computes the mantissa of the result in `i128`
//! and answers `None` when that result is not representable, never a rounded value. The
//! spec's semantics (z3's unbounded reals in the proofs) has no such limit, so evaluators
//! treat `None` as "cannot evaluate", not as a fault of the spec.

pub use lp_syntax::ast::{Decimal, MAX_DECIMAL_SCALE};
pub use lp_syntax::format::decimal_text;

/// `10^n` as an `i128`, if it fits.
fn pow10(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

/// The decimal with this mantissa and scale, if it is representable.
fn make(mantissa: i128, scale: u32) -> Option<Decimal> {
    if scale > MAX_DECIMAL_SCALE {
        return None;
    }
    Decimal::try_from_i128_with_scale(mantissa, scale).ok()
}

/// The mantissas of `a` and `b` at their common (larger) scale, and that scale.
fn aligned(a: Decimal, b: Decimal) -> Option<(i128, i128, u32)> {
    let scale = a.scale().max(b.scale());
    let ma = a.mantissa().checked_mul(pow10(scale - a.scale())?)?;
    let mb = b.mantissa().checked_mul(pow10(scale - b.scale())?)?;
    Some((ma, mb, scale))
}

/// `a + b`, exactly.
pub fn add(a: Decimal, b: Decimal) -> Option<Decimal> {
    let (ma, mb, scale) = aligned(a, b)?;
    make(ma.checked_add(mb)?, scale)
}

/// `a - b`, exactly.
pub fn sub(a: Decimal, b: Decimal) -> Option<Decimal> {
    let (ma, mb, scale) = aligned(a, b)?;
    make(ma.checked_sub(mb)?, scale)
}

/// `a * b`, exactly: the scales add up.
pub fn mul(a: Decimal, b: Decimal) -> Option<Decimal> {
    make(a.mantissa().checked_mul(b.mantissa())?, a.scale() + b.scale())
}

/// `-a`, exactly.
pub fn neg(a: Decimal) -> Option<Decimal> {
    make(a.mantissa().checked_neg()?, a.scale())
}

/// The integer `n` as a decimal with scale 0 (always representable: 64 bits fit in 96).
pub fn from_int(n: i64) -> Decimal {
    Decimal::from(n)
}

/// The numerator and denominator of `d` as decimal digit strings: `12.50` is `1250` over
/// `100`. For exact rational constants (z3's `Real`).
pub fn fraction(d: Decimal) -> (String, String) {
    (d.mantissa().to_string(), format!("1{}", "0".repeat(d.scale() as usize)))
}

/// The `f64` whose shortest decimal text is exactly `d`, if there is one; `None` otherwise.
///
/// JSON writers here (serde_json without arbitrary precision) hold a non-integer number as an
/// `f64` and write it in its shortest round-trip form. A decimal is handed to them only when
/// that text is the decimal itself (checked here, digit for digit), so the JSON on the wire
/// is exact; a decimal with more significant digits than an `f64` keeps (about 15) has no
/// such `f64`, and the caller must say so rather than write a rounded number.
pub fn to_f64_exact(d: Decimal) -> Option<f64> {
    let f: f64 = d.to_string().parse().ok()?;
    let back = from_number_text(&format!("{f}"))?;
    (back == d && f.is_finite()).then_some(f)
}

/// A decimal from the text of a JSON or YAML number (`0.7`, `-12.50`, `7e-1`), exactly;
/// `None` when it has no exact `Decimal`.
pub fn from_number_text(text: &str) -> Option<Decimal> {
    if text.contains(['e', 'E']) {
        let (mantissa, exp) = text.split_once(['e', 'E'])?;
        let exp: i64 = exp.parse().ok()?;
        let m = from_number_text(mantissa)?;
        let ten = Decimal::from(10);
        let mut out = m;
        if exp >= 0 {
            for _ in 0..exp.min(64) {
                out = mul(out, ten)?;
            }
            if exp > 64 {
                return None;
            }
        } else {
            let scale = u32::try_from(-exp).ok()?;
            out = make(out.mantissa(), out.scale().checked_add(scale)?)?;
        }
        return Some(out);
    }
    Decimal::from_str_exact(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str_exact(s).expect("a decimal")
    }

    #[test]
    fn arithmetic_is_exact_and_keeps_scale() {
        assert_eq!(add(d("0.1"), d("0.2")).map(|x| x.to_string()), Some("0.3".to_string()));
        assert_eq!(sub(d("1.00"), d("0.7")).map(|x| x.to_string()), Some("0.30".to_string()));
        assert_eq!(mul(d("0.7"), d("-1.5")).map(|x| x.to_string()), Some("-1.05".to_string()));
        assert_eq!(neg(d("12.50")).map(|x| x.to_string()), Some("-12.50".to_string()));
        assert_eq!(from_int(-3).to_string(), "-3");
        assert_eq!(fraction(d("-12.50")), ("-1250".to_string(), "100".to_string()));
    }

    #[test]
    fn json_numbers_carry_decimals_only_when_exact() {
        assert_eq!(to_f64_exact(d("0.7")), Some(0.7));
        assert_eq!(to_f64_exact(d("-12.50")), Some(-12.5));
        // 20 significant digits do not survive an `f64`.
        assert_eq!(to_f64_exact(d("0.12345678901234567891")), None);
        assert_eq!(from_number_text("7e-1"), Some(d("0.7")));
        assert_eq!(from_number_text("1.5E2"), Some(d("150")));
        assert_eq!(from_number_text("-0.70"), Some(d("-0.7")));
        assert_eq!(from_number_text("abc"), None);
    }

    #[test]
    fn unrepresentable_results_are_none_not_rounded() {
        // 15 + 15 digits after the point is 30 > 28: the exact product has no `Decimal`.
        let tiny = d("0.000000000000001");
        assert_eq!(mul(tiny, tiny), None);
        // The largest mantissa plus one needs 97 bits.
        assert_eq!(add(Decimal::MAX, d("1")), None);
        assert_eq!(sub(Decimal::MIN, d("1")), None);
    }
}
