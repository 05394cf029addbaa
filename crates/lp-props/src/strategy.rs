//! Strategies derived from IR types: proptest generators of [`Value`]s that satisfy every
//! refinement of their type.
//!
//! Integers come from small ranges (collisions are likely), strings from a small alphabet,
//! collections have at most a few elements, and recursive types are unrolled a bounded number
//! of times. Refined values are generated constructively where the refinement says how
//! (bounds on `self`, on `len(self)`, a `matches(self, "...")` pattern, and the same for
//! `self.field` in a record's refinement), then filtered by the refinement itself, so every
//! generated value is valid. Every type parameter is instantiated with `Int`.

use crate::eval::Env;
use crate::value::Value;
use lp_ir::decimal::Decimal;
use lp_ir::{BinOp, Builtin, Expr, ExprKind, FieldDef, Ty, TypeBody, TypeId, UnOp};
use proptest::collection::{SizeRange, btree_map, btree_set, vec};
use proptest::prelude::*;
use proptest::strategy::Union;
use std::rc::Rc;

/// How many times one type may be unfolded inside itself while generating a value.
pub const MAX_UNROLL: usize = 3;

/// The most elements a generated collection has beyond its lower bound.
const EXTRA_ELEMENTS: usize = 4;

/// A generator of values.
pub type Strat = BoxedStrategy<Value>;

/// `Ok(None)`: no value could be built within the unrolling bound (or the type is empty);
/// `Err`: the type contains something that cannot be generated.
pub type GenResult = Result<Option<Strat>, String>;

/// Builds strategies for the types of one spec.
pub struct Gen {
    env: Rc<Env>,
    /// The declared types being unfolded, outermost first.
    stack: Vec<TypeId>,
}

/// What a refinement says about how to build a value directly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hints {
    pub lo: Option<i64>,
    pub hi: Option<i64>,
    pub len_lo: Option<i64>,
    pub len_hi: Option<i64>,
    pub regex: Option<String>,
    /// Comparisons of the target with decimal literals (`self <= 2.0` is `(Le, 2.0)`).
    pub decimal_bounds: Vec<(BinOp, Decimal)>,
}

impl Gen {
    pub fn new(env: Rc<Env>) -> Gen {
        Gen { env, stack: Vec::new() }
    }

    /// A strategy for valid values of `ty`.
    pub fn strategy(&mut self, ty: &Ty) -> GenResult {
        self.strat(ty, Vec::new(), Hints::default())
    }

    /// A strategy for values of `ty` that also satisfy `refs` (refinements with `self` bound
    /// to the value), built with the help of `hints`.
    fn strat(&mut self, ty: &Ty, mut refs: Vec<Expr>, mut hints: Hints) -> GenResult {
        for r in &refs {
            hints.absorb(r, &Target::SelfValue);
        }
        let base = match ty {
            Ty::Named { id, args } => {
                let env = Rc::clone(&self.env);
                let Some(def) = env.spec.types.get(id.index()) else { return Err("an unknown type".into()) };
                if self.stack.iter().filter(|t| *t == id).count() >= MAX_UNROLL {
                    return Ok(None);
                }
                if let Some(r) = &def.refinement {
                    hints.absorb(r, &Target::SelfValue);
                    refs.push(r.clone());
                }
                self.stack.push(*id);
                let built = match &def.body {
                    TypeBody::Alias(t) => {
                        let inner = self.strat(&t.subst(args), refs, hints);
                        self.stack.pop();
                        return inner;
                    }
                    TypeBody::Record(fields) => self.record(fields, args, &refs),
                    TypeBody::Sum(variants) => {
                        let mut options = Vec::new();
                        for (index, v) in variants.iter().enumerate() {
                            let built = match &v.payload {
                                None => Ok(Some(Just(Vec::new()).boxed())),
                                Some(fields) => self.fields(fields, args, &refs),
                            };
                            let Some(payload) = built? else { continue };
                            let names: Vec<String> = v.payload.iter().flatten().map(|f| f.name.clone()).collect();
                            let name = v.name.clone();
                            let index = index as u32;
                            // A unit variant has one value; variants with payloads get more cases.
                            let weight = if v.payload.as_ref().is_some_and(|f| !f.is_empty()) { 3 } else { 1 };
                            options.push((
                                weight,
                                payload
                                    .prop_map(move |vals| Value::Variant {
                                        name: name.clone(),
                                        index,
                                        fields: names.iter().cloned().zip(vals).collect(),
                                    })
                                    .boxed(),
                            ));
                        }
                        Ok(if options.is_empty() { None } else { Some(Union::new_weighted(options).boxed()) })
                    }
                };
                self.stack.pop();
                built?
            }
            Ty::ErrorType(id) => {
                let env = Rc::clone(&self.env);
                let Some(def) = env.spec.errors.get(id.index()) else { return Err("an unknown error type".into()) };
                self.record(&def.fields, &[], &refs)?
            }
            Ty::Int | Ty::Param(_) => int_strategy(&hints),
            Ty::Decimal => decimal_strategy(&hints),
            Ty::Bool => Some(any::<bool>().prop_map(Value::Bool).boxed()),
            Ty::String => Some(string_strategy(&hints)),
            Ty::Unit => Some(Just(Value::Unit).boxed()),
            Ty::Void => None,
            Ty::Option(t) => Some(match self.strategy(t)? {
                Some(s) => {
                    prop_oneof![1 => Just(Value::Option(None)), 3 => s.prop_map(|v| Value::Option(Some(Box::new(v))))]
                        .boxed()
                }
                None => Just(Value::Option(None)).boxed(),
            }),
            Ty::Result(a, b) => {
                let mut options = Vec::new();
                if let Some(s) = self.strategy(a)? {
                    options.push(s.prop_map(|v| Value::Result(Ok(Box::new(v)))).boxed());
                }
                if let Some(s) = self.strategy(b)? {
                    options.push(s.prop_map(|v| Value::Result(Err(Box::new(v)))).boxed());
                }
                if options.is_empty() { None } else { Some(Union::new(options).boxed()) }
            }
            Ty::List(t) => {
                let Some(size) = hints.size() else { return Ok(None) };
                match self.strategy(t)? {
                    Some(s) => Some(vec(s, size).prop_map(Value::List).boxed()),
                    None if size.start() == 0 => Some(Just(Value::List(Vec::new())).boxed()),
                    None => None,
                }
            }
            Ty::Set(t) => {
                let Some(size) = hints.size() else { return Ok(None) };
                match self.strategy(t)? {
                    Some(s) => Some(btree_set(s, size).prop_map(Value::Set).boxed()),
                    None if size.start() == 0 => Some(Just(Value::Set(Default::default())).boxed()),
                    None => None,
                }
            }
            Ty::Map(k, v) => {
                let Some(size) = hints.size() else { return Ok(None) };
                match (self.strategy(k)?, self.strategy(v)?) {
                    (Some(ks), Some(vs)) => Some(btree_map(ks, vs, size).prop_map(Value::Map).boxed()),
                    _ if size.start() == 0 => Some(Just(Value::Map(Default::default())).boxed()),
                    _ => None,
                }
            }
            Ty::Fn(a, b) => match (self.strategy(a)?, self.strategy(b)?) {
                (_, None) => None,
                (Some(args), Some(results)) => Some(
                    (btree_map(args, results.clone(), 0..=2), results)
                        .prop_map(|(table, default)| Value::Fn { table, default: Box::new(default) })
                        .boxed(),
                ),
                (None, Some(results)) => Some(
                    results
                        .prop_map(|default| Value::Fn { table: Default::default(), default: Box::new(default) })
                        .boxed(),
                ),
            },
            Ty::Machine(_) => return Err("a state machine handle cannot be generated".into()),
            Ty::Error => return Err("the type has errors".into()),
        };
        Ok(base.map(|s| self.filtered(s, refs)))
    }

    /// A record of `fields` (types substituted with `args`), satisfying `refs`.
    fn record(&mut self, fields: &[FieldDef], args: &[Ty], refs: &[Expr]) -> GenResult {
        let Some(vals) = self.fields(fields, args, refs)? else { return Ok(None) };
        let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
        Ok(Some(vals.prop_map(move |vals| Value::Record(names.iter().cloned().zip(vals).collect())).boxed()))
    }

    /// The field values of a record or variant payload, each satisfying its own refinement
    /// and built with the hints that `refs` (the refinements of the whole value) give for it.
    fn fields(
        &mut self,
        fields: &[FieldDef],
        args: &[Ty],
        refs: &[Expr],
    ) -> Result<Option<BoxedStrategy<Vec<Value>>>, String> {
        let mut parts = Vec::with_capacity(fields.len());
        for f in fields {
            let mut hints = Hints::default();
            for r in refs {
                hints.absorb(r, &Target::Field(f.name.clone()));
            }
            let own: Vec<Expr> = f.refinement.iter().cloned().collect();
            match self.strat(&f.ty.subst(args), own, hints)? {
                Some(s) => parts.push(s),
                None => return Ok(None),
            }
        }
        Ok(Some(parts.boxed()))
    }

    fn filtered(&self, s: Strat, refs: Vec<Expr>) -> Strat {
        if refs.is_empty() {
            return s;
        }
        let env = Rc::clone(&self.env);
        let reason = format!(
            "values satisfying {}",
            refs.iter().map(|r| lp_check::law::expr_text(&env.spec, r, &[])).collect::<Vec<_>>().join(" && ")
        );
        s.prop_filter(reason, move |v| env.all_hold(&refs, v)).boxed()
    }
}

/// What a hint is about: the refined value itself, or one field of it.
enum Target {
    SelfValue,
    Field(String),
}

impl Target {
    fn is(&self, e: &Expr) -> bool {
        match (self, &e.kind) {
            (Target::SelfValue, ExprKind::SelfValue) => true,
            (Target::Field(name), ExprKind::Field { base, name: n, .. }) => {
                n == name && matches!(base.kind, ExprKind::SelfValue)
            }
            _ => false,
        }
    }
}

impl Hints {
    /// Reads the conjuncts of a refinement that bound the target or its length.
    fn absorb(&mut self, e: &Expr, target: &Target) {
        match &e.kind {
            ExprKind::Binary { op: BinOp::And, lhs, rhs } => {
                self.absorb(lhs, target);
                self.absorb(rhs, target);
            }
            ExprKind::Binary { op, lhs, rhs } if decimal_literal(lhs).is_some() != decimal_literal(rhs).is_some() => {
                let (subject, k, op) = match (decimal_literal(lhs), decimal_literal(rhs)) {
                    (None, Some(k)) => (&**lhs, k, *op),
                    (Some(k), _) => (&**rhs, k, mirror(*op)),
                    (None, None) => return,
                };
                if target.is(subject) {
                    self.decimal_bounds.push((op, k));
                }
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let (subject, k, op) = match (literal(lhs), literal(rhs)) {
                    (None, Some(k)) => (&**lhs, k, *op),
                    (Some(k), None) => (&**rhs, k, mirror(*op)),
                    _ => return,
                };
                let len = match &subject.kind {
                    _ if target.is(subject) => false,
                    ExprKind::Builtin { builtin: Builtin::Len, args } if args.len() == 1 && target.is(&args[0]) => true,
                    _ => return,
                };
                let (lo, hi) = if len { (&mut self.len_lo, &mut self.len_hi) } else { (&mut self.lo, &mut self.hi) };
                let raise = |slot: &mut Option<i64>, v: i64| *slot = Some(slot.map_or(v, |s| s.max(v)));
                let lower = |slot: &mut Option<i64>, v: i64| *slot = Some(slot.map_or(v, |s| s.min(v)));
                match op {
                    BinOp::Ge => raise(lo, k),
                    BinOp::Gt => raise(lo, k.saturating_add(1)),
                    BinOp::Le => lower(hi, k),
                    BinOp::Lt => lower(hi, k.saturating_sub(1)),
                    BinOp::Eq => {
                        raise(lo, k);
                        lower(hi, k);
                    }
                    _ => {}
                }
            }
            ExprKind::Builtin { builtin: Builtin::Matches, args } if args.len() == 2 && target.is(&args[0]) => {
                if let ExprKind::Str(re) = &args[1].kind
                    && self.regex.is_none()
                {
                    self.regex = Some(re.clone());
                }
            }
            _ => {}
        }
    }

    /// The size range of a collection, or `None` when the bounds are contradictory.
    fn size(&self) -> Option<SizeRange> {
        let lo = self.len_lo.unwrap_or(0).max(0);
        let hi = self.len_hi.map_or(lo + EXTRA_ELEMENTS as i64, |h| h.min(lo + EXTRA_ELEMENTS as i64));
        if hi < lo {
            return None;
        }
        Some(SizeRange::from((lo as usize)..=(hi as usize)))
    }
}

/// An integer literal, possibly negated.
fn literal(e: &Expr) -> Option<i64> {
    match &e.kind {
        ExprKind::Int(n) => Some(*n),
        ExprKind::Unary { op: UnOp::Neg, operand } => match operand.kind {
            ExprKind::Int(n) => n.checked_neg(),
            _ => None,
        },
        _ => None,
    }
}

/// A decimal literal, possibly negated.
fn decimal_literal(e: &Expr) -> Option<Decimal> {
    match &e.kind {
        ExprKind::Decimal(d) => Some(*d),
        ExprKind::Unary { op: UnOp::Neg, operand } => match operand.kind {
            ExprKind::Decimal(d) => lp_ir::decimal::neg(d),
            _ => None,
        },
        _ => None,
    }
}

/// `k op x` as `x op' k`.
fn mirror(op: BinOp) -> BinOp {
    match op {
        BinOp::Lt => BinOp::Gt,
        BinOp::Le => BinOp::Ge,
        BinOp::Gt => BinOp::Lt,
        BinOp::Ge => BinOp::Le,
        other => other,
    }
}

/// Integers in the hinted bounds: mostly close to the lower end (or to zero), where
/// collisions under the law's functions are likely, sometimes anywhere in a wider range.
fn int_strategy(h: &Hints) -> Option<Strat> {
    const NEAR: i64 = 10;
    const FAR: i64 = 1000;
    let (near, far) = match (h.lo, h.hi) {
        (None, None) => ((-NEAR, NEAR), (-FAR, FAR)),
        (Some(lo), None) => ((lo, lo.saturating_add(NEAR)), (lo, lo.saturating_add(FAR))),
        (None, Some(hi)) => ((hi.saturating_sub(NEAR), hi), (hi.saturating_sub(FAR), hi)),
        (Some(lo), Some(hi)) if lo <= hi => ((lo, hi.min(lo.saturating_add(NEAR))), (lo, hi)),
        _ => return None,
    };
    Some(prop_oneof![3 => near.0..=near.1, 1 => far.0..=far.1].prop_map(Value::Int).boxed())
}

/// Decimals in the hinted bounds. Values are drawn as integers of units of `10^-s` (`s` the
/// largest scale of the bounds, at least 2 and at most 9) with [`int_strategy`]'s
/// distribution, so bounds hold exactly; a bound with more digits than that, or too large for
/// 64-bit units, is left to the refinement's filter.
fn decimal_strategy(h: &Hints) -> Option<Strat> {
    const MIN_SCALE: u32 = 2;
    const MAX_SCALE: u32 = 9;
    let scale = h.decimal_bounds.iter().map(|(_, k)| k.scale()).max().unwrap_or(0).max(MIN_SCALE);
    let mut units = Hints::default();
    if scale <= MAX_SCALE {
        let raise = |slot: &mut Option<i64>, v: i64| *slot = Some(slot.map_or(v, |s| s.max(v)));
        let lower = |slot: &mut Option<i64>, v: i64| *slot = Some(slot.map_or(v, |s| s.min(v)));
        for (op, k) in &h.decimal_bounds {
            let unit = 10i128.pow(scale - k.scale());
            let Some(u) = k.mantissa().checked_mul(unit).and_then(|u| i64::try_from(u).ok()) else { continue };
            match op {
                BinOp::Ge => raise(&mut units.lo, u),
                BinOp::Gt => raise(&mut units.lo, u.saturating_add(1)),
                BinOp::Le => lower(&mut units.hi, u),
                BinOp::Lt => lower(&mut units.hi, u.saturating_sub(1)),
                BinOp::Eq => {
                    raise(&mut units.lo, u);
                    lower(&mut units.hi, u);
                }
                _ => {}
            }
        }
    }
    let scale = scale.min(MAX_SCALE);
    let ints = int_strategy(&units)?;
    Some(
        ints.prop_map(move |v| match v {
            Value::Int(u) => Value::Decimal(Decimal::new(u, scale).normalize()),
            other => other,
        })
        .boxed(),
    )
}

/// The longest pattern generated from (the bound of the SMT translation, for the same reason:
/// building a generator grows with the pattern); longer ones use the small alphabet, and the
/// values that miss the pattern are filtered out like any other.
pub const MAX_GENERATED_PATTERN_CHARS: usize = 2000;

/// Strings: from the hinted pattern when there is one that proptest can generate from,
/// otherwise from a small alphabet, with the hinted length.
fn string_strategy(h: &Hints) -> Strat {
    if let Some(re) = h.regex.as_ref().filter(|re| re.chars().count() <= MAX_GENERATED_PATTERN_CHARS) {
        let stripped = re.strip_prefix('^').unwrap_or(re);
        let stripped = match stripped.strip_suffix('$') {
            Some(s) if !s.ends_with('\\') => s,
            _ => stripped,
        };
        if let Ok(s) = proptest::string::string_regex(stripped) {
            return s.prop_map(Value::Str).boxed();
        }
    }
    let lo = h.len_lo.unwrap_or(0).max(0) as usize;
    let hi = h.len_hi.map_or(lo + 6, |x| (x.max(0) as usize).min(lo + 6)).max(lo);
    let alphabet = vec!['a', 'b', 'c', 'x', 'A', 'B', '0', '1', '-', '_', ' '];
    vec(proptest::sample::select(alphabet), lo..=hi).prop_map(|cs| Value::Str(cs.into_iter().collect())).boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    /// A pattern over the bound is not compiled into a generator: strings come from the
    /// alphabet, with the hinted length.
    #[test]
    fn huge_patterns_fall_back_to_the_alphabet() {
        let mut runner = TestRunner::deterministic();
        let huge = Hints { regex: Some("a".repeat(1_000_000)), len_lo: Some(2), len_hi: Some(2), ..Hints::default() };
        let Value::Str(s) = string_strategy(&huge).new_tree(&mut runner).expect("a value").current() else {
            panic!("not a string")
        };
        assert_eq!(s.chars().count(), 2, "{s:?}");
        let small = Hints { regex: Some("^ab$".to_string()), ..Hints::default() };
        let Value::Str(s) = string_strategy(&small).new_tree(&mut runner).expect("a value").current() else {
            panic!("not a string")
        };
        assert_eq!(s, "ab");
    }
}
