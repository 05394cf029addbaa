//! From IR expressions to z3 terms.
//!
//! Values are *flattened* by type: an `Int`, `Bool` or `String` is one z3 constant; a record
//! is its fields; an `Option`, a `Result` or a sum is an integer tag (the variant's index:
//! `None` 0, `Some` 1, `Ok` 0, `Err` 1) and the payload fields of every variant, of which only
//! the tagged one means anything. Lists, sets, maps, functions, machine handles, type
//! parameters and recursive types are opaque: a constant of an uninterpreted sort (named after
//! the type with its aliases expanded) with an uninterpreted, non-negative `len`. Flattening
//! keeps counterexamples in spec terms (`range = { min: 1, max: 0 }`) and lets `match` and
//! field access be plain term construction.
//!
//! Expressions are evaluated symbolically: a `match` becomes an if-then-else over its arms
//! (first match wins; when no arm matches, the value is unconstrained), a call of a function
//! with a body is unfolded (up to [`MAX_INLINE`] deep; recursion is unsupported), a call of an
//! external function is a fresh value of its result type for which its result type's
//! refinement and its `ensures` are assumed whenever its `requires` hold (and two calls with
//! equal arguments have equal results; applying a parameter of function type `A -> B` gives
//! a valid `B`, the same for equal functions and arguments). `/` and `%` round towards negative infinity (Python's
//! `//` and `%`); `x / 0` is z3's unspecified division (some integer, a function of `x`), so
//! a claim that needs the quotient fails at a zero divisor; the contracts pass checks every
//! divisor in its own obligation.
//!
//! A `Decimal` is a z3 `Real`, and its literals exact rationals (`0.7` is `7/10`). Every
//! fresh decimal is also constrained to be a decimal, a multiple of `10^-28` (the finest
//! scale a decimal has), so a real that no decimal equals (`1/3`) is never a
//! counterexample, and a refinement satisfied only by such reals is unsatisfiable, as it is
//! for decimals. The 96-bit bound on a decimal's digits is not modelled: the proofs are about
//! unbounded decimals, like the proofs about `Int` are about unbounded integers.
//!
//! Anything else is [`Unsupported`], which makes the verdict `unknown`.

use crate::regex;
use lp_check::passes::contracts::has_refinement;
use lp_check::smt_goal::{Binder, Formula, PathStep, SmtGoal};
use lp_ir::{
    BinOp, Builtin, Ctor, Expr, ExprKind, FieldDef, FnId, LocalId, Pattern, PatternKind, Spec, Ty, TypeBody, UnOp,
};
use std::collections::BTreeMap;
use std::str::FromStr;
use z3::ast::{Ast, Bool, Dynamic, Int, Real, String as ZString};
use z3::{FuncDecl, Model, Sort, Symbol};

/// How deep calls of functions with a body are unfolded.
pub const MAX_INLINE: usize = 16;

/// Why a goal cannot be translated; the verdict is `unknown` with this reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

pub(crate) type R<T> = Result<T, Unsupported>;

pub(crate) fn unsupported<T>(what: impl Into<String>) -> R<T> {
    Err(Unsupported(format!("unsupported: {}", what.into())))
}

/// A flattened symbolic value.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    Int(Int),
    /// A `Decimal`.
    Real(Real),
    Bool(Bool),
    Str(ZString),
    /// `Unit`, and the (impossible) values of `Void`.
    Unit,
    Record(Vec<Val>),
    Sum {
        tag: Int,
        payloads: Vec<Vec<Val>>,
    },
    Opaque(Dynamic),
}

/// How values of a type are flattened.
pub(crate) enum Shape {
    Int,
    /// `Decimal`.
    Real,
    Bool,
    Str,
    Unit,
    Void,
    /// Field names and types.
    Record(Vec<(String, Ty)>),
    /// Variant names and their payload fields; `named` is false for `Option` and `Result`,
    /// whose payload is written `Some(x)` rather than `V { f: x }`.
    Sum {
        variants: Vec<(String, Vec<(String, Ty)>)>,
        named: bool,
    },
    /// The name of the uninterpreted sort.
    Opaque(String),
}

/// The translated goal: what z3 must assume, the claim, and the scope's values for rendering
/// a model.
pub struct Built {
    pub facts: Vec<Bool>,
    pub claim: Bool,
    /// The `matches` atoms decided on concrete strings (empty when z3 expresses every pattern).
    pub approx: Vec<Approx>,
    scope: Vec<(String, Ty, Val)>,
}

impl Built {
    /// The integers of the free scope variables (fields included, tags not): a
    /// counterexample reads best when they are small.
    pub fn free_ints(&self, goal: &SmtGoal) -> Vec<Int> {
        fn leaves(v: &Val, out: &mut Vec<Int>) {
            match v {
                Val::Int(i) => out.push(i.clone()),
                Val::Record(vs) => vs.iter().for_each(|v| leaves(v, out)),
                Val::Sum { payloads, .. } => payloads.iter().flatten().for_each(|v| leaves(v, out)),
                Val::Real(_) | Val::Bool(_) | Val::Str(_) | Val::Unit | Val::Opaque(_) => {}
            }
        }
        let mut out = Vec::new();
        for (var, (_, _, val)) in goal.scope.iter().zip(&self.scope) {
            if var.value.is_none() {
                leaves(val, &mut out);
            }
        }
        out
    }
}

impl Built {
    /// The decimals of the free scope variables (fields included): a counterexample reads
    /// best when they have few digits.
    pub fn free_reals(&self, goal: &SmtGoal) -> Vec<Real> {
        fn leaves(v: &Val, out: &mut Vec<Real>) {
            match v {
                Val::Real(x) => out.push(x.clone()),
                Val::Record(vs) => vs.iter().for_each(|v| leaves(v, out)),
                Val::Sum { payloads, .. } => payloads.iter().flatten().for_each(|v| leaves(v, out)),
                Val::Int(_) | Val::Bool(_) | Val::Str(_) | Val::Unit | Val::Opaque(_) => {}
            }
        }
        let mut out = Vec::new();
        for (var, (_, _, val)) in goal.scope.iter().zip(&self.scope) {
            if var.value.is_none() {
                leaves(val, &mut out);
            }
        }
        out
    }

    /// Every scope variable's name and value in the model, in scope order.
    pub fn render(&self, spec: &Spec, model: &Model) -> Vec<(String, String)> {
        let r = Renderer { tx: Tx::new(spec), model };
        self.scope.iter().map(|(name, ty, val)| (name.clone(), r.value(ty, val, 0))).collect()
    }
}

/// Translates a goal.
pub fn build(spec: &Spec, goal: &SmtGoal) -> R<Built> {
    let mut tx = Tx::new(spec);
    let mut frame = Frame::default();
    let mut scope = Vec::new();
    for var in &goal.scope {
        let val = match &var.value {
            None => tx.fresh(&var.ty, &var.name)?,
            Some(e) => tx.eval(e, &frame)?,
        };
        if var.refined {
            let r = tx.refines(&var.ty, &val)?;
            tx.facts.push(r);
        }
        frame.scope.insert(var.binder, val.clone());
        scope.push((var.name.clone(), var.ty.clone(), val));
    }
    for a in &goal.assumptions {
        let f = tx.formula(a, &frame)?;
        tx.facts.push(f);
    }
    let claim = tx.formula(&goal.claim, &frame)?;
    Ok(Built { facts: tx.facts, claim, approx: tx.approx, scope })
}

/// What the names of one expression root refer to.
#[derive(Clone, Default)]
pub(crate) struct Frame {
    pub(crate) scope: BTreeMap<Binder, Val>,
    pub(crate) locals: BTreeMap<LocalId, Val>,
    /// The type arguments of a generic type whose refinement is evaluated: the expressions'
    /// types mention its parameters.
    pub(crate) type_args: Vec<Ty>,
}

impl Frame {
    /// An expression's type with the frame's type arguments substituted.
    pub(crate) fn ty(&self, ty: &Ty) -> Ty {
        if self.type_args.is_empty() { ty.clone() } else { ty.subst(&self.type_args) }
    }

    fn get(&self, b: Binder) -> R<Val> {
        match self.scope.get(&b) {
            Some(v) => Ok(v.clone()),
            None => unsupported(format!("`{}` is not in scope here", binder_name(b))),
        }
    }
}

fn binder_name(b: Binder) -> String {
    match b {
        Binder::Param(i) => format!("parameter {i}"),
        Binder::SelfValue => "self".to_string(),
        Binder::Result => "result".to_string(),
        Binder::Var(v) => format!("variable {}", v.0),
    }
}

pub(crate) fn and(items: &[Bool]) -> Bool {
    match items.len() {
        0 => Bool::from_bool(true),
        1 => items[0].clone(),
        _ => Bool::and(items),
    }
}

pub(crate) fn or(items: &[Bool]) -> Bool {
    match items.len() {
        0 => Bool::from_bool(false),
        1 => items[0].clone(),
        _ => Bool::or(items),
    }
}

/// The exact rational of a decimal literal: `12.50` is `1250/100`.
pub(crate) fn real_lit(d: lp_ir::decimal::Decimal) -> R<Real> {
    let (num, den) = lp_ir::decimal::fraction(d);
    Real::from_rational_str(&num, &den).ok_or_else(|| Unsupported("unsupported: a decimal literal".to_string()))
}

/// That `x` has at most `scale` digits after the point: `x * 10^scale` is an integer.
pub(crate) fn has_scale(x: &Real, scale: u32) -> R<Bool> {
    let shift = Real::from_rational_str(&format!("1{}", "0".repeat(scale as usize)), "1")
        .ok_or_else(|| Unsupported("unsupported: the scale of decimals".to_string()))?;
    let scaled = Real::mul(&[x, &shift]);
    Ok(Real::from_int(&Int::from_real(&scaled)).eq(&scaled))
}

/// That `x` is a decimal: `x * 10^28` is an integer, so `x` has at most 28 digits after the
/// point (the finest scale of a `Decimal`).
pub(crate) fn is_decimal(x: &Real) -> R<Bool> {
    has_scale(x, lp_ir::decimal::MAX_DECIMAL_SCALE)
}

fn int_add(a: &Int, b: &Int) -> Int {
    Int::add(&[a, b])
}

fn int_sub(a: &Int, b: &Int) -> Int {
    Int::sub(&[a, b])
}

fn int_mul(a: &Int, b: &Int) -> Int {
    Int::mul(&[a, b])
}

/// `a / b` and `a % b` rounding towards negative infinity. z3's `div` and `mod` are
/// Euclidean (the remainder is never negative), which agrees for `b > 0`; for `b < 0`,
/// `floor(a / b) = floor(-a / -b)` and the remainder takes the divisor's sign.
fn floor_div_mod(a: &Int, b: &Int, rem: bool) -> Int {
    let neg_a = a.unary_minus();
    let neg_b = b.unary_minus();
    let positive = if rem { a.modulo(b) } else { a.div(b) };
    let negative = if rem { neg_a.modulo(&neg_b).unary_minus() } else { neg_a.div(&neg_b) };
    match b.as_i64() {
        Some(n) if n > 0 => positive,
        Some(n) if n < 0 => negative,
        _ => b.ge(Int::from_i64(0)).ite(&positive, &negative),
    }
}

pub(crate) struct Tx<'s> {
    pub(crate) spec: &'s Spec,
    pub(crate) facts: Vec<Bool>,
    /// Whether each declared type can contain itself through flattened positions.
    recursive: Vec<bool>,
    /// Functions being unfolded (or whose contracts are being evaluated).
    stack: Vec<FnId>,
    /// Earlier calls of external functions, for functional consistency.
    external_calls: Vec<(FnId, Vec<Val>, Val)>,
    /// Earlier applications of function values: the function, the argument, the result.
    applications: Vec<(Val, Val, Val)>,
    sorts: BTreeMap<String, Sort>,
    lens: BTreeMap<String, FuncDecl>,
    fresh_count: u32,
    /// `matches` atoms z3 cannot express, decided on concrete strings instead.
    pub(crate) approx: Vec<Approx>,
    /// The store of a run goal ([`crate::body`]); `None` for other goals, whose store
    /// expressions are unsupported.
    pub(crate) store: Option<crate::body::StoreModel>,
    /// How many store quantifiers the expression being evaluated is inside: their bound
    /// variables may not flow into made-up constants.
    pub(crate) bound_depth: u32,
    /// Facts true only on the path being executed (a `fresh` key's freshness).
    pub(crate) pending: Vec<Bool>,
    /// Run goals: calls are not assumed functional (the interpreter's stand-ins for external
    /// functions need not be), and `/` and `%` only by positive literals (the interpreter
    /// rounds them otherwise differently).
    pub(crate) run_mode: bool,
    /// Whether an external function or a function value was called: its answer may differ
    /// from run to run.
    pub(crate) calls_out: bool,
    /// While an expression the interpreter evaluates is translated for a `runs-without-fault`
    /// goal: what must hold for its evaluation not to fault (each an implication from the
    /// [`Tx::guards`] it was made under). `None` when faults are not checked, and while
    /// assumptions are translated ([`Tx::assuming`]).
    pub(crate) checks: Option<Vec<Bool>>,
    /// The conditions under which the subexpression being translated is evaluated at all: a
    /// `match` arm's (its pattern matches and no earlier one does), the right operand's of `&&`
    /// and `||` (the interpreter short-circuits).
    guards: Vec<Bool>,
}

/// The smallest and largest values of the interpreter's (and the services') 64-bit integers.
pub(crate) fn in_i64(i: &Int) -> Bool {
    and(&[i.ge(Int::from_i64(i64::MIN)), i.le(Int::from_i64(i64::MAX))])
}

/// A `matches(text, pattern)` whose pattern z3's regular expressions cannot express: a fresh
/// Boolean stands for it (implying the text is in an over-approximation of the pattern's
/// language, when there is one), and the discharger checks each model's string against the
/// pattern with a full regular-expression engine ([`regex::checker`]).
pub struct Approx {
    pub atom: Bool,
    pub text: ZString,
    pub pattern: String,
    pub checker: fancy_regex::Regex,
    /// Why z3 cannot express it.
    pub why: String,
}

impl<'s> Tx<'s> {
    pub(crate) fn new(spec: &'s Spec) -> Tx<'s> {
        let recursive = (0..spec.types.len()).map(|i| reaches_itself(spec, i)).collect();
        Tx {
            spec,
            facts: Vec::new(),
            recursive,
            stack: Vec::new(),
            external_calls: Vec::new(),
            applications: Vec::new(),
            sorts: BTreeMap::new(),
            lens: BTreeMap::new(),
            fresh_count: 0,
            approx: Vec::new(),
            store: None,
            bound_depth: 0,
            pending: Vec::new(),
            run_mode: false,
            calls_out: false,
            checks: None,
            guards: Vec::new(),
        }
    }

    /// Records what must hold for the evaluation being translated not to fault, when faults
    /// are checked. Under a quantifier over the store the condition would mention its bound
    /// variables, which the goal cannot state: unsupported.
    pub(crate) fn check(&mut self, holds: Bool) -> R<()> {
        if self.checks.is_none() || holds.as_bool() == Some(true) {
            return Ok(());
        }
        if self.bound_depth > 0 {
            return unsupported("a fault check under a quantifier over the store");
        }
        let guarded = and(&self.guards).implies(&holds);
        if let Some(checks) = self.checks.as_mut() {
            checks.push(guarded);
        }
        Ok(())
    }

    /// Translates an assumption (a fact the goal takes for granted, not an evaluation the
    /// interpreter makes): no fault is checked inside it.
    pub(crate) fn assuming<T>(&mut self, f: impl FnOnce(&mut Self) -> R<T>) -> R<T> {
        let checks = self.checks.take();
        let guards = std::mem::take(&mut self.guards);
        let out = f(self);
        self.checks = checks;
        self.guards = guards;
        out
    }

    /// Translates `f` as evaluated only when `cond` holds.
    pub(crate) fn guarded<T>(&mut self, cond: Bool, f: impl FnOnce(&mut Self) -> R<T>) -> R<T> {
        self.guards.push(cond);
        let out = f(self);
        self.guards.pop();
        out
    }

    /// A decimal's result. Decimals are unbounded here, but the interpreter's (96 bits, at
    /// most 28 places) can overflow or lose places, a fault this encoding does not model: where
    /// faults are checked, decimal arithmetic is unsupported (and the claim is tested).
    fn checked_decimal(&mut self, x: Real) -> R<Val> {
        if self.checks.is_some() {
            return unsupported("decimal arithmetic where faults are checked (the 96-bit range is not modelled)");
        }
        Ok(Val::Real(x))
    }

    /// A 64-bit integer's result: in range, or the evaluation faults (an overflow).
    fn checked(&mut self, i: Int) -> R<Val> {
        if self.checks.is_some() {
            self.check(in_i64(&i))?;
        }
        Ok(Val::Int(i))
    }

    // ------------------------------------------------------------ shapes and fresh values

    pub(crate) fn shape(&self, ty: &Ty) -> R<Shape> {
        let head = self.spec.expand_alias(ty);
        Ok(match &head {
            Ty::Int => Shape::Int,
            Ty::Decimal => Shape::Real,
            Ty::Bool => Shape::Bool,
            Ty::String => Shape::Str,
            Ty::Unit => Shape::Unit,
            Ty::Void => Shape::Void,
            Ty::Option(t) => Shape::Sum {
                variants: vec![
                    ("None".to_string(), Vec::new()),
                    ("Some".to_string(), vec![("0".to_string(), (**t).clone())]),
                ],
                named: false,
            },
            Ty::Result(a, b) => Shape::Sum {
                variants: vec![
                    ("Ok".to_string(), vec![("0".to_string(), (**a).clone())]),
                    ("Err".to_string(), vec![("0".to_string(), (**b).clone())]),
                ],
                named: false,
            },
            Ty::Named { id, args } => {
                if self.recursive.get(id.index()).copied().unwrap_or(true) {
                    return Ok(Shape::Opaque(self.sort_name(&head)));
                }
                let Some(def) = self.spec.types.get(id.index()) else { return unsupported("an unknown type") };
                let fields =
                    |fs: &[FieldDef]| fs.iter().map(|f| (f.name.clone(), f.ty.subst(args))).collect::<Vec<_>>();
                match &def.body {
                    TypeBody::Record(fs) => Shape::Record(fields(fs)),
                    TypeBody::Sum(vs) => Shape::Sum {
                        variants: vs
                            .iter()
                            .map(|v| (v.name.clone(), v.payload.as_deref().map(fields).unwrap_or_default()))
                            .collect(),
                        named: true,
                    },
                    TypeBody::Alias(_) => return unsupported("a cyclic type alias"),
                }
            }
            Ty::ErrorType(id) => match self.spec.errors.get(id.index()) {
                Some(e) => Shape::Record(e.fields.iter().map(|f| (f.name.clone(), f.ty.clone())).collect()),
                None => return unsupported("an unknown error type"),
            },
            Ty::List(_) | Ty::Set(_) | Ty::Map(..) | Ty::Fn(..) | Ty::Machine(_) | Ty::Param(_) => {
                Shape::Opaque(self.sort_name(&head))
            }
            Ty::Error => return unsupported("an erroneous type"),
        })
    }

    /// The name of a type with every alias expanded, so equal types share a sort.
    pub(crate) fn sort_name(&self, ty: &Ty) -> String {
        let mut out = String::new();
        self.write_sort_name(&mut out, ty, 0);
        out
    }

    fn write_sort_name(&self, out: &mut String, ty: &Ty, depth: usize) {
        let head = self.spec.expand_alias(ty);
        let app = |out: &mut String, name: &str, args: &[&Ty]| {
            out.push_str(name);
            if !args.is_empty() {
                out.push('<');
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    if depth < 32 {
                        self.write_sort_name(out, a, depth + 1);
                    }
                }
                out.push('>');
            }
        };
        match &head {
            Ty::Option(t) => app(out, "Option", &[t]),
            Ty::Result(a, b) => app(out, "Result", &[a, b]),
            Ty::List(t) => app(out, "List", &[t]),
            Ty::Set(t) => app(out, "Set", &[t]),
            Ty::Map(a, b) => app(out, "Map", &[a, b]),
            Ty::Fn(a, b) => app(out, "Fn", &[a, b]),
            Ty::Named { id, args } => {
                let name = self.spec.types.get(id.index()).map_or("?", |d| d.name.as_str());
                let args: Vec<&Ty> = args.iter().collect();
                app(out, name, &args);
            }
            Ty::Param(i) => out.push_str(&format!("${i}")),
            other => out.push_str(&self.spec.display_ty(other, &[])),
        }
    }

    pub(crate) fn sort(&mut self, name: &str) -> Sort {
        self.sorts
            .entry(name.to_string())
            .or_insert_with(|| Sort::uninterpreted(Symbol::String(name.to_string())))
            .clone()
    }

    /// The length of an opaque value: an uninterpreted function per sort, never negative.
    fn opaque_len(&mut self, value: &Dynamic) -> R<Int> {
        let sort = value.get_sort();
        let key = sort.to_string();
        let decl =
            self.lens.entry(key.clone()).or_insert_with(|| FuncDecl::new(format!("len {key}"), &[&sort], &Sort::int()));
        let Some(len) = decl.apply(&[value as &dyn Ast]).as_int() else {
            return unsupported("the length of an opaque value");
        };
        self.facts.push(len.ge(Int::from_i64(0)));
        if self.run_mode && self.bound_depth == 0 {
            self.facts.push(len.le(Int::from_i64(i64::MAX)));
        }
        Ok(len)
    }

    /// A fresh value of `ty` whose constants are named after `name` (`p.price`,
    /// `p.discount.Some.0`), with the structural facts every value has (a sum's tag is one of
    /// its variants; `Void` has no value).
    pub(crate) fn fresh(&mut self, ty: &Ty, name: &str) -> R<Val> {
        Ok(match self.shape(ty)? {
            Shape::Int => {
                let i = Int::new_const(name);
                // Every integer a run sees is a 64-bit one.
                if self.run_mode {
                    self.facts.push(in_i64(&i));
                }
                Val::Int(i)
            }
            Shape::Real => {
                let x = Real::new_const(name);
                let decimal = is_decimal(&x)?;
                self.facts.push(decimal);
                Val::Real(x)
            }
            Shape::Bool => Val::Bool(Bool::new_const(name)),
            Shape::Str => Val::Str(ZString::new_const(name)),
            Shape::Unit => Val::Unit,
            // A scope variable of type `Void` cannot exist, so its goal holds vacuously; a
            // value made up during evaluation (an external call's result, the value of a
            // `match` no arm of which matches) is only reached on a path that cannot be
            // taken, which the facts, being unconditional, must not assume.
            Shape::Void => {
                if !name.contains('!') {
                    self.facts.push(Bool::from_bool(false));
                }
                Val::Unit
            }
            Shape::Record(fields) => {
                let mut vals = Vec::with_capacity(fields.len());
                for (f, t) in &fields {
                    vals.push(self.fresh(t, &format!("{name}.{f}"))?);
                }
                Val::Record(vals)
            }
            Shape::Sum { variants, .. } => {
                let tag = Int::new_const(format!("{name}#tag"));
                self.facts.push(tag.ge(Int::from_i64(0)));
                self.facts.push(tag.lt(Int::from_i64(variants.len() as i64)));
                let mut payloads = Vec::with_capacity(variants.len());
                for (v, fields) in &variants {
                    let mut vals = Vec::with_capacity(fields.len());
                    for (f, t) in fields {
                        vals.push(self.fresh(t, &format!("{name}.{v}.{f}"))?);
                    }
                    payloads.push(vals);
                }
                Val::Sum { tag, payloads }
            }
            Shape::Opaque(sort_name) => {
                let sort = self.sort(&sort_name);
                Val::Opaque(Dynamic::new_const(name, &sort))
            }
        })
    }

    /// A fresh value named uniquely after `what`.
    pub(crate) fn fresh_anon(&mut self, ty: &Ty, what: &str) -> R<Val> {
        if self.bound_depth > 0 {
            return unsupported(format!("a made-up value ({what}) under a quantifier over the store"));
        }
        self.fresh_count += 1;
        let name = format!("{what}!{}", self.fresh_count);
        self.fresh(ty, &name)
    }

    /// Some value of `ty`, for the payloads of the variants a constructed value is not.
    fn default_val(&mut self, ty: &Ty) -> R<Val> {
        Ok(match self.shape(ty)? {
            Shape::Int => Val::Int(Int::from_i64(0)),
            Shape::Real => Val::Real(Real::from_rational(0, 1)),
            Shape::Bool => Val::Bool(Bool::from_bool(false)),
            Shape::Str => Val::Str(str_lit("")?),
            Shape::Unit | Shape::Void => Val::Unit,
            Shape::Record(fields) => {
                let mut vals = Vec::with_capacity(fields.len());
                for (_, t) in &fields {
                    vals.push(self.default_val(t)?);
                }
                Val::Record(vals)
            }
            Shape::Sum { variants, .. } => {
                let mut payloads = Vec::with_capacity(variants.len());
                for (_, fields) in &variants {
                    let mut vals = Vec::with_capacity(fields.len());
                    for (_, t) in fields {
                        vals.push(self.default_val(t)?);
                    }
                    payloads.push(vals);
                }
                Val::Sum { tag: Int::from_i64(0), payloads }
            }
            Shape::Opaque(sort_name) => {
                let sort = self.sort(&sort_name);
                Val::Opaque(Dynamic::new_const(format!("{sort_name}!default"), &sort))
            }
        })
    }

    // ------------------------------------------------------------ refinements

    /// That `val` is a valid value of `ty`: every refinement along its aliases, of its
    /// fields, of the tagged variant's payload and of an option's or result's content.
    pub(crate) fn refines(&mut self, ty: &Ty, val: &Val) -> R<Bool> {
        let mut conds = Vec::new();
        let mut current = ty.clone();
        // Aliases: the refinement of each alias on the way, then the aliased type's.
        for _ in 0..=self.spec.types.len() {
            let Ty::Named { id, args } = &current else { break };
            let Some(def) = self.spec.types.get(id.index()) else { break };
            if self.recursive.get(id.index()).copied().unwrap_or(true) {
                // Its values are opaque, so its refinements cannot be stated; leaving them out
                // would be unsound wherever validity is claimed rather than assumed.
                if has_refinement(self.spec, &current) {
                    return unsupported(format!("the refinements of the recursive type `{}`", def.name));
                }
                return Ok(and(&conds));
            }
            if let Some(r) = &def.refinement {
                conds.push(self.refinement(r, val, args)?);
            }
            match &def.body {
                TypeBody::Alias(body) => current = body.subst(args),
                TypeBody::Record(fields) => {
                    let Val::Record(vals) = val else { return unsupported("a record value of another shape") };
                    for (f, v) in fields.iter().zip(vals) {
                        conds.push(self.field_refines(f, args, v)?);
                    }
                    return Ok(and(&conds));
                }
                TypeBody::Sum(variants) => {
                    let Val::Sum { tag, payloads } = val else { return unsupported("a sum value of another shape") };
                    for (i, (v, payload)) in variants.iter().zip(payloads).enumerate() {
                        let Some(fields) = &v.payload else { continue };
                        let mut inner = Vec::new();
                        for (f, pv) in fields.iter().zip(payload) {
                            inner.push(self.field_refines(f, args, pv)?);
                        }
                        conds.push(tag.eq(Int::from_i64(i as i64)).implies(and(&inner)));
                    }
                    return Ok(and(&conds));
                }
            }
        }
        // The one payload field of variant `i` of an option or a result.
        let content = |payloads: &[Vec<Val>], i: usize| match payloads.get(i).and_then(|p| p.first()) {
            Some(v) => Ok(v.clone()),
            None => unsupported("an option or result value of another shape"),
        };
        match (&current, val) {
            (Ty::Option(t), Val::Sum { tag, payloads }) => {
                let inner = self.refines(t, &content(payloads, 1)?)?;
                conds.push(tag.eq(Int::from_i64(1)).implies(inner));
            }
            (Ty::Result(a, b), Val::Sum { tag, payloads }) => {
                let ok = self.refines(a, &content(payloads, 0)?)?;
                let err = self.refines(b, &content(payloads, 1)?)?;
                conds.push(tag.eq(Int::from_i64(0)).implies(ok));
                conds.push(tag.eq(Int::from_i64(1)).implies(err));
            }
            (Ty::ErrorType(id), Val::Record(vals)) => {
                let fields = self.spec.errors.get(id.index()).map(|e| e.fields.clone()).unwrap_or_default();
                for (f, v) in fields.iter().zip(vals) {
                    conds.push(self.field_refines(f, &[], v)?);
                }
            }
            _ => {}
        }
        Ok(and(&conds))
    }

    /// That a field's value is valid: its type's refinements and its own. `type_args` are
    /// those of the record or sum the field belongs to.
    fn field_refines(&mut self, f: &FieldDef, type_args: &[Ty], val: &Val) -> R<Bool> {
        let mut conds = vec![self.refines(&f.ty.subst(type_args), val)?];
        if let Some(r) = &f.refinement {
            conds.push(self.refinement(r, val, type_args)?);
        }
        Ok(and(&conds))
    }

    /// A refinement expression with `self` bound to `val`, in a type declaration whose
    /// parameters are `type_args`.
    fn refinement(&mut self, r: &Expr, val: &Val, type_args: &[Ty]) -> R<Bool> {
        let mut frame = Frame { type_args: type_args.to_vec(), ..Frame::default() };
        frame.scope.insert(Binder::SelfValue, val.clone());
        self.eval_bool(r, &frame)
    }

    // ------------------------------------------------------------ formulas

    fn formula(&mut self, f: &Formula, frame: &Frame) -> R<Bool> {
        match f {
            Formula::Holds(e) => self.eval_bool(e, frame),
            Formula::Refines { value, ty } => {
                let v = self.eval(value, frame)?;
                self.refines(ty, &v)
            }
            Formula::Precondition { func, args } => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval(a, frame)?);
                }
                self.precondition(*func, &vals)
            }
            Formula::Guarded { path, then } => {
                let mut frame = frame.clone();
                let mut conds = Vec::new();
                for step in path {
                    match step {
                        PathStep::Arm { scrutinee, earlier, pattern } => {
                            let v = self.eval(scrutinee, &frame)?;
                            for p in earlier {
                                let mut ignored = BTreeMap::new();
                                conds.push(self.matches(p, &v, &mut ignored)?.not());
                            }
                            let mut bound = BTreeMap::new();
                            conds.push(self.matches(pattern, &v, &mut bound)?);
                            frame.locals.extend(bound);
                        }
                        PathStep::Cond { cond, value } => {
                            let c = self.eval_bool(cond, &frame)?;
                            conds.push(if *value { c } else { c.not() });
                        }
                    }
                }
                let t = self.formula(then, &frame)?;
                Ok(and(&conds).implies(t))
            }
            Formula::And(fs) => {
                let mut items = Vec::with_capacity(fs.len());
                for f in fs {
                    items.push(self.formula(f, frame)?);
                }
                Ok(and(&items))
            }
        }
    }

    /// The precondition of `func` for these arguments: its `requires` clauses and the
    /// refinements of its parameter types.
    fn precondition(&mut self, func: FnId, args: &[Val]) -> R<Bool> {
        let Some(def) = self.spec.fns.get(func.index()) else { return unsupported("a call of an unknown function") };
        if args.len() != def.params.len() {
            return unsupported(format!("a call of `{}` with the wrong number of arguments", def.name));
        }
        let frame = call_frame(args);
        let mut conds = Vec::new();
        for (p, v) in def.params.iter().zip(args) {
            conds.push(self.refines(&p.ty, v)?);
        }
        self.enter(func)?;
        for r in &def.requires {
            match self.eval_bool(r, &frame) {
                Ok(c) => conds.push(c),
                Err(e) => {
                    self.stack.pop();
                    return Err(e);
                }
            }
        }
        self.stack.pop();
        Ok(and(&conds))
    }

    fn enter(&mut self, func: FnId) -> R<()> {
        let name = self.spec.fns.get(func.index()).map_or("?", |f| f.name.as_str());
        if self.stack.contains(&func) {
            return unsupported(format!("recursive call of `{name}`"));
        }
        if self.stack.len() >= MAX_INLINE {
            return unsupported(format!("calls nested more than {MAX_INLINE} deep (at `{name}`)"));
        }
        self.stack.push(func);
        Ok(())
    }

    // ------------------------------------------------------------ expressions

    pub(crate) fn eval_bool(&mut self, e: &Expr, frame: &Frame) -> R<Bool> {
        match self.eval(e, frame)? {
            Val::Bool(b) => Ok(b),
            _ => unsupported("a condition that is not a Bool"),
        }
    }

    fn eval_int(&mut self, e: &Expr, frame: &Frame) -> R<Int> {
        match self.eval(e, frame)? {
            Val::Int(i) => Ok(i),
            _ => unsupported("arithmetic on a value that is not an Int"),
        }
    }

    pub(crate) fn eval(&mut self, e: &Expr, frame: &Frame) -> R<Val> {
        match &e.kind {
            ExprKind::Int(n) => Ok(Val::Int(Int::from_i64(*n))),
            ExprKind::Decimal(d) => Ok(Val::Real(real_lit(*d)?)),
            ExprKind::Str(s) => Ok(Val::Str(str_lit(s)?)),
            ExprKind::Bool(b) => Ok(Val::Bool(Bool::from_bool(*b))),
            ExprKind::SelfValue => frame.get(Binder::SelfValue),
            ExprKind::Result => frame.get(Binder::Result),
            ExprKind::Param(i) => frame.get(Binder::Param(*i)),
            ExprKind::Var(v) => frame.get(Binder::Var(*v)),
            ExprKind::Local { id, name } => match frame.locals.get(id) {
                Some(v) => Ok(v.clone()),
                None => unsupported(format!("`{name}` is not bound here")),
            },
            ExprKind::Ctor { ctor, args } => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval(a, frame)?);
                }
                self.construct(&frame.ty(&e.ty), *ctor, vals)
            }
            ExprKind::Call { func, args } => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval(a, frame)?);
                }
                self.call(*func, vals)
            }
            ExprKind::Builtin { builtin: Builtin::Len, args } => {
                let [arg] = args.as_slice() else { return unsupported("`len` with other than one argument") };
                match self.eval(arg, frame)? {
                    Val::Str(s) => {
                        let n = s.length();
                        if self.run_mode && self.bound_depth == 0 {
                            self.facts.push(n.le(Int::from_i64(i64::MAX)));
                        }
                        Ok(Val::Int(n))
                    }
                    Val::Opaque(d) => Ok(Val::Int(self.opaque_len(&d)?)),
                    _ => unsupported("`len` of a value that is not a string or a collection"),
                }
            }
            ExprKind::Builtin { builtin: Builtin::Decimal, args } => {
                let [arg] = args.as_slice() else { return unsupported("`decimal` with other than one argument") };
                Ok(Val::Real(Real::from_int(&self.eval_int(arg, frame)?)))
            }
            ExprKind::Builtin { builtin: Builtin::Matches, args } => {
                let [text, pattern] = args.as_slice() else {
                    return unsupported("`matches` with other than two arguments");
                };
                let ExprKind::Str(pattern) = &pattern.kind else {
                    return unsupported("matches with a pattern that is not a string literal");
                };
                let Val::Str(s) = self.eval(text, frame)? else { return unsupported("matches on a non-string") };
                let refused = |why: &str| {
                    Unsupported(format!("unsupported: matches with the pattern {}: {why}", regex::shown(pattern)))
                };
                match regex::exact(pattern) {
                    Ok(re) => Ok(Val::Bool(s.regex_matches(&re))),
                    Err(why) if regex::is_bound(&why) => Err(refused(&why)),
                    Err(why) => {
                        // Beyond z3's regular expressions: decided on concrete strings.
                        let checker = regex::checker(pattern).map_err(|e| refused(&format!("{why}; {e}")))?;
                        self.fresh_count += 1;
                        let atom = Bool::new_const(format!("matches!{}", self.fresh_count));
                        if let Some(over) = regex::over_approximation(pattern) {
                            self.facts.push(atom.implies(s.regex_matches(&over)));
                        }
                        self.approx.push(Approx {
                            atom: atom.clone(),
                            text: s,
                            pattern: pattern.clone(),
                            checker,
                            why,
                        });
                        Ok(Val::Bool(atom))
                    }
                }
            }
            ExprKind::Apply { func, arg } => {
                let f = self.eval(func, frame)?;
                let a = self.eval(arg, frame)?;
                self.apply(&frame.ty(&e.ty), f, a)
            }
            ExprKind::Field { base, index, name } => match self.eval(base, frame)? {
                Val::Record(fields) => match fields.get(*index as usize) {
                    Some(v) => Ok(v.clone()),
                    None => unsupported(format!("the field `{name}`")),
                },
                _ => unsupported(format!("the field `{name}` of a value that is not a record")),
            },
            ExprKind::Record { fields } => {
                let mut vals = Vec::with_capacity(fields.len());
                for f in fields {
                    vals.push(self.eval(&f.value, frame)?);
                }
                Ok(Val::Record(vals))
            }
            ExprKind::With { base, fields } => match self.eval(base, frame)? {
                Val::Record(mut vals) => {
                    for f in fields {
                        let v = self.eval(&f.value, frame)?;
                        match vals.get_mut(f.index as usize) {
                            Some(slot) => *slot = v,
                            None => return unsupported(format!("the field `{}`", f.name)),
                        }
                    }
                    Ok(Val::Record(vals))
                }
                _ => unsupported("an update of a value that is not a record"),
            },
            ExprKind::Unary { op: UnOp::Not, operand } => Ok(Val::Bool(self.eval_bool(operand, frame)?.not())),
            ExprKind::Unary { op: UnOp::Neg, operand } => match self.eval(operand, frame)? {
                Val::Int(i) => self.checked(i.unary_minus()),
                Val::Real(x) => self.checked_decimal(x.unary_minus()),
                _ => unsupported("`-` of a value that is not a number"),
            },
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, frame),
            ExprKind::List(items) => {
                for item in items {
                    self.eval(item, frame)?;
                }
                let Val::Opaque(list) = self.fresh_anon(&frame.ty(&e.ty), "list")? else {
                    return unsupported("a list literal");
                };
                let len = self.opaque_len(&list)?;
                self.facts.push(len.eq(Int::from_i64(items.len() as i64)));
                Ok(Val::Opaque(list))
            }
            ExprKind::Match { scrutinee, arms } => {
                let v = self.eval(scrutinee, frame)?;
                let mut cases = Vec::with_capacity(arms.len());
                let mut earlier: Vec<Bool> = Vec::new();
                for arm in arms {
                    let mut bound = BTreeMap::new();
                    let cond = self.matches(&arm.pattern, &v, &mut bound)?;
                    let mut inner = frame.clone();
                    inner.locals.extend(bound);
                    // The interpreter evaluates the first arm that matches, and only that one.
                    let mut taken: Vec<Bool> = earlier.iter().map(|c| c.not()).collect();
                    taken.push(cond.clone());
                    let body = self.guarded(and(&taken), |tx| tx.eval(&arm.body, &inner))?;
                    earlier.push(cond.clone());
                    cases.push((cond, body, irrefutable(&arm.pattern)));
                }
                // No arm matching is a fault (an undefined expression).
                if self.checks.is_some() && !covers_all(arms, &v) {
                    self.check(or(&earlier))?;
                }
                let mut result = match cases.last() {
                    Some((_, body, true)) => body.clone(),
                    // The arms cover every variant (or both Booleans): no value is left for
                    // the made-up one, so any value stands for it (also under a quantifier,
                    // where a made-up constant could not depend on the bound variables).
                    _ if covers_all(arms, &v) => match self.default_val(&frame.ty(&e.ty)) {
                        Ok(d) => d,
                        Err(_) => self.fresh_anon(&frame.ty(&e.ty), "no-arm")?,
                    },
                    _ => self.fresh_anon(&frame.ty(&e.ty), "no-arm")?,
                };
                for (cond, body, _) in cases.iter().rev() {
                    result = ite(cond, body, &result)?;
                }
                Ok(result)
            }
            ExprKind::Error => unsupported("an expression with an error"),
            ExprKind::Exists { .. } | ExprKind::Quantified { .. } | ExprKind::Count { .. } | ExprKind::Fresh => {
                if self.store.is_none() {
                    return unsupported("a store expression");
                }
                self.store_expr(e, frame)
            }
        }
    }

    fn binary(&mut self, op: BinOp, lhs: &Expr, rhs: &Expr, frame: &Frame) -> R<Val> {
        match op {
            BinOp::And | BinOp::Or => {
                let a = self.eval_bool(lhs, frame)?;
                // The right operand is evaluated only when the left does not decide.
                let when = if op == BinOp::And { a.clone() } else { a.not() };
                let b = self.guarded(when, |tx| tx.eval_bool(rhs, frame))?;
                Ok(Val::Bool(if op == BinOp::And { and(&[a, b]) } else { or(&[a, b]) }))
            }
            BinOp::Eq | BinOp::Ne => {
                let a = self.eval(lhs, frame)?;
                let b = self.eval(rhs, frame)?;
                let eq = equal(&a, &b)?;
                Ok(Val::Bool(if op == BinOp::Eq { eq } else { eq.not() }))
            }
            _ if matches!(self.shape(&frame.ty(&lhs.ty)), Ok(Shape::Real)) => {
                let (Val::Real(a), Val::Real(b)) = (self.eval(lhs, frame)?, self.eval(rhs, frame)?) else {
                    return unsupported("decimal arithmetic on a value that is not a Decimal");
                };
                Ok(match op {
                    BinOp::Lt => Val::Bool(a.lt(&b)),
                    BinOp::Le => Val::Bool(a.le(&b)),
                    BinOp::Gt => Val::Bool(a.gt(&b)),
                    BinOp::Ge => Val::Bool(a.ge(&b)),
                    BinOp::Add => self.checked_decimal(Real::add(&[&a, &b]))?,
                    BinOp::Sub => self.checked_decimal(Real::sub(&[&a, &b]))?,
                    BinOp::Mul => self.checked_decimal(Real::mul(&[&a, &b]))?,
                    // The checker rejects decimal division (LP1051), so it is never proved.
                    BinOp::Div | BinOp::Rem => return unsupported("`/` or `%` on decimals"),
                    BinOp::And | BinOp::Or | BinOp::Eq | BinOp::Ne => return unsupported("an operator"),
                })
            }
            _ => {
                let a = self.eval_int(lhs, frame)?;
                let b = self.eval_int(rhs, frame)?;
                Ok(match op {
                    BinOp::Lt => Val::Bool(a.lt(&b)),
                    BinOp::Le => Val::Bool(a.le(&b)),
                    BinOp::Gt => Val::Bool(a.gt(&b)),
                    BinOp::Ge => Val::Bool(a.ge(&b)),
                    BinOp::Add => self.checked(int_add(&a, &b))?,
                    BinOp::Sub => self.checked(int_sub(&a, &b))?,
                    BinOp::Mul => self.checked(int_mul(&a, &b))?,
                    BinOp::Div | BinOp::Rem if self.run_mode && b.as_i64().is_none_or(|n| n <= 0) => {
                        return unsupported("`/` or `%` by a divisor that is not a positive literal in a body");
                    }
                    BinOp::Div => Val::Int(floor_div_mod(&a, &b, false)),
                    BinOp::Rem => Val::Int(floor_div_mod(&a, &b, true)),
                    BinOp::And | BinOp::Or | BinOp::Eq | BinOp::Ne => return unsupported("an operator"),
                })
            }
        }
    }

    /// The value built by a constructor, of type `ty`.
    fn construct(&mut self, ty: &Ty, ctor: Ctor, args: Vec<Val>) -> R<Val> {
        let Shape::Sum { variants, .. } = self.shape(ty)? else {
            return unsupported("a constructor of a type that is not a sum");
        };
        let index = ctor_index(ctor);
        if index >= variants.len() || variants[index].1.len() != args.len() {
            return unsupported("a constructor with the wrong arguments");
        }
        let mut args = Some(args);
        let mut payloads = Vec::with_capacity(variants.len());
        for (i, (_, fields)) in variants.iter().enumerate() {
            if i == index {
                payloads.push(args.take().unwrap_or_default());
            } else {
                let mut vals = Vec::with_capacity(fields.len());
                for (_, t) in fields {
                    vals.push(self.default_val(t)?);
                }
                payloads.push(vals);
            }
        }
        Ok(Val::Sum { tag: Int::from_i64(index as i64), payloads })
    }

    fn call(&mut self, func: FnId, args: Vec<Val>) -> R<Val> {
        let Some(def) = self.spec.fns.get(func.index()) else { return unsupported("a call of an unknown function") };
        if args.len() != def.params.len() {
            return unsupported(format!("a call of `{}` with the wrong number of arguments", def.name));
        }
        let frame = call_frame(&args);
        self.enter(func)?;
        let out = match &def.body {
            Some(body) => self.eval(body, &frame),
            None => self.external_call(func, args, frame),
        };
        self.stack.pop();
        out
    }

    /// A call of a function without a body: a fresh result, valid and satisfying the
    /// function's `ensures` whenever the arguments satisfy its `requires`, and equal to the
    /// result of every earlier call with equal arguments.
    fn external_call(&mut self, func: FnId, args: Vec<Val>, mut frame: Frame) -> R<Val> {
        self.calls_out = true;
        let spec = self.spec;
        let Some(def) = spec.fns.get(func.index()) else { return unsupported("a call of an unknown function") };
        let result = self.fresh_anon(&def.result, &format!("{}()", def.name))?;
        frame.scope.insert(Binder::Result, result.clone());
        let mut pre = Vec::new();
        for r in &def.requires {
            pre.push(self.eval_bool(r, &frame)?);
        }
        // Breaking a `requires` is a fault (the interpreter checks them before the call).
        self.check(and(&pre))?;
        // What the function answers is assumed: the claim is about every implementation that
        // keeps its contract.
        let post = self.assuming(|tx| {
            let mut post = vec![tx.refines(&def.result, &result)?];
            for e in &def.ensures {
                post.push(tx.eval_bool(e, &frame)?);
            }
            Ok(post)
        })?;
        self.facts.push(and(&pre).implies(and(&post)));
        if self.run_mode {
            return Ok(result);
        }
        let mut same = Vec::new();
        for (other, other_args, other_result) in &self.external_calls {
            if *other != func {
                continue;
            }
            let mut eqs = Vec::with_capacity(args.len());
            for (a, b) in args.iter().zip(other_args) {
                eqs.push(equal(a, b)?);
            }
            same.push(and(&eqs).implies(equal(&result, other_result)?));
        }
        self.facts.extend(same);
        self.external_calls.push((func, args, result.clone()));
        Ok(result)
    }

    /// `f(a)` for a value `f` of type `A -> B`: some valid `B`, the same for equal functions
    /// and arguments.
    fn apply(&mut self, result_ty: &Ty, f: Val, a: Val) -> R<Val> {
        self.calls_out = true;
        let result = self.fresh_anon(result_ty, "apply")?;
        let valid = self.refines(result_ty, &result)?;
        self.facts.push(valid);
        if self.run_mode {
            return Ok(result);
        }
        let mut same = Vec::new();
        for (other_f, other_a, other_result) in &self.applications {
            let args_equal = and(&[equal(&f, other_f)?, equal(&a, other_a)?]);
            same.push(args_equal.implies(equal(&result, other_result)?));
        }
        self.facts.extend(same);
        self.applications.push((f, a, result.clone()));
        Ok(result)
    }

    /// Whether `val` matches `p`, binding the pattern's locals into `bound`.
    pub(crate) fn matches(&mut self, p: &Pattern, val: &Val, bound: &mut BTreeMap<LocalId, Val>) -> R<Bool> {
        match (&p.kind, val) {
            (PatternKind::Wildcard, _) => Ok(Bool::from_bool(true)),
            (PatternKind::Bind { local, .. }, _) => {
                bound.insert(*local, val.clone());
                Ok(Bool::from_bool(true))
            }
            (PatternKind::Int(n), Val::Int(i)) => Ok(i.eq(Int::from_i64(*n))),
            (PatternKind::Str(s), Val::Str(v)) => Ok(v.eq(str_lit(s)?)),
            (PatternKind::Bool(b), Val::Bool(v)) => Ok(if *b { v.clone() } else { v.not() }),
            (PatternKind::Ctor { ctor, fields }, Val::Sum { tag, payloads }) => {
                let index = ctor_index(*ctor);
                let Some(payload) = payloads.get(index) else { return unsupported("a pattern of another type") };
                let mut conds = vec![tag.eq(Int::from_i64(index as i64))];
                for f in fields {
                    let Some(v) = payload.get(f.index as usize) else { return unsupported("a pattern field") };
                    conds.push(self.matches(&f.pattern, v, bound)?);
                }
                Ok(and(&conds))
            }
            (PatternKind::Ctor { .. }, Val::Opaque(_)) => unsupported("matching a value of a recursive type"),
            _ => unsupported("a pattern that does not fit the value"),
        }
    }
}

fn call_frame(args: &[Val]) -> Frame {
    let mut frame = Frame::default();
    for (i, v) in args.iter().enumerate() {
        frame.scope.insert(Binder::Param(i as u32), v.clone());
    }
    frame
}

fn ctor_index(ctor: Ctor) -> usize {
    match ctor {
        Ctor::None | Ctor::Ok => 0,
        Ctor::Some | Ctor::Err => 1,
        Ctor::Variant { index, .. } => index as usize,
    }
}

fn irrefutable(p: &Pattern) -> bool {
    matches!(p.kind, PatternKind::Wildcard | PatternKind::Bind { .. })
}

/// Whether some arm matches every value of the scrutinee `v`: an irrefutable arm, one arm per
/// variant of a sum whose payload patterns are all irrefutable, or both Booleans. (A sum's
/// tag is always one of its variants: every value made or read has that fact.)
fn covers_all(arms: &[lp_ir::MatchArm], v: &Val) -> bool {
    if arms.iter().any(|a| irrefutable(&a.pattern)) {
        return true;
    }
    match v {
        Val::Sum { payloads, .. } => {
            let covered: std::collections::BTreeSet<usize> = arms
                .iter()
                .filter_map(|a| match &a.pattern.kind {
                    PatternKind::Ctor { ctor, fields } if fields.iter().all(|f| irrefutable(&f.pattern)) => {
                        Some(ctor_index(*ctor))
                    }
                    _ => None,
                })
                .collect();
            (0..payloads.len()).all(|i| covered.contains(&i))
        }
        Val::Bool(_) => {
            let has = |b: bool| arms.iter().any(|a| a.pattern.kind == PatternKind::Bool(b));
            has(true) && has(false)
        }
        _ => false,
    }
}

/// The longest string literal handed to z3, in characters: z3's time and memory grow faster
/// than a literal's length (1 MB took 15 s and 1.7 GB before this bound), and before its time
/// limit starts counting. Longer literals make the goal `unknown`, naming this bound.
pub const MAX_STRING_LITERAL_CHARS: usize = 10_000;

pub(crate) fn str_lit(s: &str) -> R<ZString> {
    let length = s.chars().count();
    if length > MAX_STRING_LITERAL_CHARS {
        return Err(Unsupported(format!(
            "unsupported: a string literal of {length} characters, over the limit of {MAX_STRING_LITERAL_CHARS} characters the solver is given"
        )));
    }
    if s.chars().any(|c| c as u32 > regex::MAX_CHAR) {
        return unsupported("a string with a character beyond U+2FFFF");
    }
    ZString::from_str(&regex::z3_escape(s)).map_err(|_| Unsupported("unsupported: a string literal".to_string()))
}

/// Structural equality of two values of the same type.
pub(crate) fn equal(a: &Val, b: &Val) -> R<Bool> {
    let sorts = |_| Unsupported("unsupported: comparing values of different sorts".to_string());
    Ok(match (a, b) {
        (Val::Int(x), Val::Int(y)) => x.safe_eq(y).map_err(sorts)?,
        (Val::Real(x), Val::Real(y)) => x.safe_eq(y).map_err(sorts)?,
        (Val::Bool(x), Val::Bool(y)) => x.safe_eq(y).map_err(sorts)?,
        (Val::Str(x), Val::Str(y)) => x.safe_eq(y).map_err(sorts)?,
        (Val::Unit, Val::Unit) => Bool::from_bool(true),
        (Val::Record(xs), Val::Record(ys)) if xs.len() == ys.len() => {
            let mut conds = Vec::with_capacity(xs.len());
            for (x, y) in xs.iter().zip(ys) {
                conds.push(equal(x, y)?);
            }
            and(&conds)
        }
        (Val::Sum { tag: t1, payloads: p1 }, Val::Sum { tag: t2, payloads: p2 }) if p1.len() == p2.len() => {
            let mut conds = vec![t1.eq(t2)];
            for (i, (xs, ys)) in p1.iter().zip(p2).enumerate() {
                let mut inner = Vec::with_capacity(xs.len());
                for (x, y) in xs.iter().zip(ys) {
                    inner.push(equal(x, y)?);
                }
                conds.push(t1.eq(Int::from_i64(i as i64)).implies(and(&inner)));
            }
            and(&conds)
        }
        (Val::Opaque(x), Val::Opaque(y)) => x.safe_eq(y).map_err(sorts)?,
        _ => return unsupported("comparing values of different shapes"),
    })
}

/// `if c then a else b`, part by part.
pub(crate) fn ite(c: &Bool, a: &Val, b: &Val) -> R<Val> {
    Ok(match (a, b) {
        (Val::Int(x), Val::Int(y)) => Val::Int(c.ite(x, y)),
        (Val::Real(x), Val::Real(y)) => Val::Real(c.ite(x, y)),
        (Val::Bool(x), Val::Bool(y)) => Val::Bool(c.ite(x, y)),
        (Val::Str(x), Val::Str(y)) => Val::Str(c.ite(x, y)),
        (Val::Unit, Val::Unit) => Val::Unit,
        (Val::Record(xs), Val::Record(ys)) if xs.len() == ys.len() => {
            Val::Record(xs.iter().zip(ys).map(|(x, y)| ite(c, x, y)).collect::<R<Vec<_>>>()?)
        }
        (Val::Sum { tag: t1, payloads: p1 }, Val::Sum { tag: t2, payloads: p2 }) if p1.len() == p2.len() => {
            let mut payloads = Vec::with_capacity(p1.len());
            for (xs, ys) in p1.iter().zip(p2) {
                payloads.push(xs.iter().zip(ys).map(|(x, y)| ite(c, x, y)).collect::<R<Vec<_>>>()?);
            }
            Val::Sum { tag: c.ite(t1, t2), payloads }
        }
        (Val::Opaque(x), Val::Opaque(y)) if x.get_sort() == y.get_sort() => Val::Opaque(c.ite(x, y)),
        _ => return unsupported("match arms whose values have different shapes"),
    })
}

/// Whether the declared type with this index can contain itself through the positions that
/// are flattened (alias bodies, fields, payloads, options and results).
fn reaches_itself(spec: &Spec, start: usize) -> bool {
    fn visit(spec: &Spec, ty: &Ty, start: usize, seen: &mut Vec<usize>) -> bool {
        match ty {
            Ty::Option(t) => visit(spec, t, start, seen),
            Ty::Result(a, b) => visit(spec, a, start, seen) || visit(spec, b, start, seen),
            Ty::Named { id, args } => {
                if id.index() == start {
                    return true;
                }
                if args.iter().any(|a| visit(spec, a, start, seen)) {
                    return true;
                }
                if seen.contains(&id.index()) {
                    return false;
                }
                seen.push(id.index());
                spec.types.get(id.index()).is_some_and(|d| body_reaches(spec, &d.body, start, seen))
            }
            _ => false,
        }
    }
    fn body_reaches(spec: &Spec, body: &TypeBody, start: usize, seen: &mut Vec<usize>) -> bool {
        match body {
            TypeBody::Alias(t) => visit(spec, t, start, seen),
            TypeBody::Record(fields) => fields.iter().any(|f| visit(spec, &f.ty, start, seen)),
            TypeBody::Sum(variants) => {
                variants.iter().filter_map(|v| v.payload.as_ref()).flatten().any(|f| visit(spec, &f.ty, start, seen))
            }
        }
    }
    let mut seen = vec![start];
    spec.types.get(start).is_some_and(|d| body_reaches(spec, &d.body, start, &mut seen))
}

// ---------------------------------------------------------------- rendering models

struct Renderer<'a> {
    tx: Tx<'a>,
    model: &'a Model,
}

impl Renderer<'_> {
    fn value(&self, ty: &Ty, val: &Val, depth: usize) -> String {
        if depth > 16 {
            return "…".to_string();
        }
        let shape = self.tx.shape(ty);
        match (val, shape) {
            (Val::Int(i), _) => self.int(i),
            (Val::Real(x), _) => self.real(x),
            (Val::Bool(b), _) => match self.model.eval(b, true).and_then(|b| b.as_bool()) {
                Some(true) => "true".to_string(),
                Some(false) => "false".to_string(),
                None => "?".to_string(),
            },
            (Val::Str(s), _) => match self.model.eval(s, true).and_then(|s| s.as_string()) {
                Some(text) => quote(&text),
                None => "?".to_string(),
            },
            (Val::Unit, _) => "()".to_string(),
            (Val::Record(vals), Ok(Shape::Record(fields))) => {
                let parts: Vec<String> = fields
                    .iter()
                    .zip(vals)
                    .map(|((name, t), v)| format!("{name}: {}", self.value(t, v, depth + 1)))
                    .collect();
                if parts.is_empty() { "{}".to_string() } else { format!("{{ {} }}", parts.join(", ")) }
            }
            (Val::Sum { tag, payloads }, Ok(Shape::Sum { variants, named })) => {
                let index = self.model.eval(tag, true).and_then(|t| t.as_i64()).unwrap_or(-1);
                let Some(((name, fields), payload)) =
                    usize::try_from(index).ok().and_then(|i| variants.get(i).zip(payloads.get(i)))
                else {
                    return "?".to_string();
                };
                if fields.is_empty() {
                    name.clone()
                } else if named {
                    let parts: Vec<String> = fields
                        .iter()
                        .zip(payload)
                        .map(|((f, t), v)| format!("{f}: {}", self.value(t, v, depth + 1)))
                        .collect();
                    format!("{name} {{ {} }}", parts.join(", "))
                } else {
                    let parts: Vec<String> =
                        fields.iter().zip(payload).map(|((_, t), v)| self.value(t, v, depth + 1)).collect();
                    format!("{name}({})", parts.join(", "))
                }
            }
            _ => "_".to_string(),
        }
    }

    /// A decimal of the model, exactly: fresh decimals are multiples of `10^-28`, so 28
    /// digits after the point are always enough.
    fn real(&self, x: &Real) -> String {
        match self.model.eval(x, true) {
            Some(v) => {
                let text = v.approx(lp_ir::decimal::MAX_DECIMAL_SCALE as usize);
                match lp_ir::decimal::Decimal::from_str_exact(&text) {
                    Ok(d) => lp_ir::decimal::decimal_text(d.normalize()),
                    Err(_) => text,
                }
            }
            None => "?".to_string(),
        }
    }

    fn int(&self, i: &Int) -> String {
        match self.model.eval(i, true) {
            Some(v) => match v.as_i64() {
                Some(n) => n.to_string(),
                None => v.to_string(),
            },
            None => "?".to_string(),
        }
    }
}

/// The characters of a string as z3 prints it: its `\u{H}` escapes (z3 writes every
/// character outside printable ASCII, and the backslash, that way) decoded.
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("\\u{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 3..];
        match after
            .find('}')
            .and_then(|j| u32::from_str_radix(&after[..j], 16).ok().and_then(char::from_u32).map(|c| (j, c)))
        {
            Some((j, c)) => {
                out.push(c);
                rest = &after[j + 1..];
            }
            None => {
                out.push_str("\\u{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A string value as the spec language writes it. z3 gives non-printable characters as
/// `\u{..}` escapes already.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}
