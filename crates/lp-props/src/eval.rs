//! An evaluator for IR expressions over [`Value`]s, and the check that a value satisfies every
//! refinement of its type.
//!
//! Integers are 64-bit and checked: an overflow is an error, not a wrap. Division and
//! remainder are Euclidean (`-7 / 2 == -4`, `-7 % 2 == 1`), as in SMT-LIB. `len` of a string
//! counts characters. `matches(text, re)` is a regular-expression search (anchors must be
//! written). What the evaluator cannot do (machine variables, external functions, calls
//! nested deeper than [`MAX_CALL_DEPTH`]) is an [`EvalError::Unsupported`], and a law whose
//! refinements need it is `unknown`, never passed.
//!
//! [`Env`] owns its spec, for strategies that outlive the caller's borrow; [`Evaluator`] is
//! the same evaluator over a borrowed spec. An evaluation in a [`Scope`] can also see
//! parameters, locals, machine variables, `result`, and through a [`Host`] the store, `fresh`
//! keys and external functions: that is how the reference interpreter (`lp-interp`) runs
//! operation bodies with this evaluator instead of a second one.

use crate::value::Value;
use lp_check::law::{ctor_name, expr_text};
use lp_ir::decimal;
use lp_ir::{BinOp, Builtin, Ctor, EntityId, Expr, ExprKind, FnId, Pattern, PatternKind, Spec, Ty, TypeBody, UnOp};
use regex::Regex;
use std::cell::RefCell;
use std::collections::BTreeMap;

/// How deeply declared functions may call each other while evaluating one expression.
pub const MAX_CALL_DEPTH: u32 = 64;

/// Why an expression has no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalError {
    /// The evaluator does not support this construct; the law is `unknown`.
    Unsupported(String),
    /// The expression is undefined for these values (division by zero, overflow, no match
    /// arm).
    Runtime(String),
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalError::Unsupported(s) => write!(f, "unsupported: {s}"),
            EvalError::Runtime(s) => f.write_str(s),
        }
    }
}

/// A refinement that a value breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where in the value, such as `self.tags` or `self.items[2]`.
    pub path: String,
    /// The type or field the refinement belongs to, such as `Tags` or `Product.sku`.
    pub owner: String,
    /// The refinement as written.
    pub rule: String,
}

/// Compiled regular expressions by pattern (`None` for an invalid one), shared by the
/// evaluations that use it.
#[derive(Debug, Default)]
pub struct RegexCache(RefCell<BTreeMap<String, Option<Regex>>>);

/// The spec a discharge works on, with a cache of compiled regular expressions. Strategies
/// keep it alive, so it owns its spec.
#[derive(Debug)]
pub struct Env {
    pub spec: Spec,
    regexes: RegexCache,
}

impl Env {
    pub fn new(spec: Spec) -> Env {
        Env { spec, regexes: RegexCache::default() }
    }

    /// The evaluator over this environment's spec and regular-expression cache.
    pub fn evaluator(&self) -> Evaluator<'_> {
        Evaluator::new(&self.spec, &self.regexes)
    }

    /// Evaluates a refinement-like expression with `self` bound to `value`.
    pub fn eval(&self, e: &Expr, value: &Value) -> Result<Value, EvalError> {
        self.evaluator().eval(e, value)
    }

    /// Whether a Boolean expression holds with `self` bound to `value`.
    pub fn holds(&self, e: &Expr, value: &Value) -> Result<bool, EvalError> {
        self.evaluator().holds(e, value)
    }

    /// Whether every expression holds; an error counts as not holding. Used to filter
    /// generated values.
    pub fn all_hold(&self, exprs: &[Expr], value: &Value) -> bool {
        self.evaluator().all_hold(exprs, value)
    }

    /// Builds the value of a constructor applied to its arguments.
    pub fn construct(&self, ctor: Ctor, args: Vec<Value>) -> Result<Value, EvalError> {
        self.evaluator().construct(ctor, args)
    }

    /// Checks every refinement that applies to `value` as a value of `ty` (the type's own,
    /// its aliases', its fields' and those of every value nested in it), returning the first
    /// one it breaks. `path` names the value in messages.
    pub fn validate(&self, ty: &Ty, value: &Value, path: &str) -> Result<Option<Violation>, EvalError> {
        self.evaluator().validate(ty, value, path)
    }
}

/// What an expression may read beyond its own values: the store of entities, `fresh` keys
/// and external functions. Operation bodies, their `ensures` and invariants need one;
/// refinements and laws do not. Every method may refuse with an [`EvalError`].
pub trait Host {
    /// Whether the store holds an instance of `entity` with this key (one value per key
    /// field, in the key's order).
    fn exists(&self, entity: EntityId, key: &[Value]) -> Result<bool, EvalError>;
    /// Every stored instance of `entity`, in key order.
    fn instances(&self, entity: EntityId) -> Result<Vec<Value>, EvalError>;
    /// A key value of type `ty` that no stored instance uses yet.
    fn fresh(&self, ty: &Ty) -> Result<Value, EvalError>;
    /// Calls the function `func`, which has no body in the spec.
    fn call_external(&self, func: FnId, args: &[Value]) -> Result<Value, EvalError>;
}

/// Everything an expression evaluated by [`Evaluator::eval_scoped`] can refer to. What is
/// missing (no `self`, no host, ...) is an [`EvalError::Unsupported`] when used.
#[derive(Default)]
pub struct Scope<'v> {
    /// `self`, in a refinement.
    pub this: Option<&'v Value>,
    /// The parameters of the function or operation, by index.
    pub params: &'v [Value],
    /// The variables of the state machine, by [`lp_ir::VarId`] (guards and actions).
    pub vars: &'v [Value],
    /// `result`, in an `ensures` clause.
    pub result: Option<&'v Value>,
    /// The values of locals, by [`lp_ir::LocalId`]; evaluation leaves them as it found them.
    pub locals: Vec<Option<Value>>,
    /// The store, `fresh` and external functions.
    pub host: Option<&'v dyn Host>,
}

/// The evaluator over a borrowed spec.
#[derive(Debug, Clone, Copy)]
pub struct Evaluator<'s> {
    pub spec: &'s Spec,
    regexes: &'s RegexCache,
}

impl<'s> Evaluator<'s> {
    pub fn new(spec: &'s Spec, regexes: &'s RegexCache) -> Evaluator<'s> {
        Evaluator { spec, regexes }
    }

    /// Evaluates a refinement-like expression with `self` bound to `value`.
    pub fn eval(&self, e: &Expr, value: &Value) -> Result<Value, EvalError> {
        let mut frame = Frame { this: Some(value), ..Frame::default() };
        self.eval_in(e, &mut frame)
    }

    /// Whether a Boolean expression holds with `self` bound to `value`.
    pub fn holds(&self, e: &Expr, value: &Value) -> Result<bool, EvalError> {
        match self.eval(e, value)? {
            Value::Bool(b) => Ok(b),
            other => Err(EvalError::Runtime(format!("a refinement evaluated to {other}, not a Bool"))),
        }
    }

    /// Whether every expression holds; an error counts as not holding. Used to filter
    /// generated values.
    pub fn all_hold(&self, exprs: &[Expr], value: &Value) -> bool {
        exprs.iter().all(|e| self.holds(e, value).unwrap_or(false))
    }

    /// Evaluates an expression in a scope. The scope's locals are the same afterwards.
    pub fn eval_scoped(&self, e: &Expr, scope: &mut Scope<'_>) -> Result<Value, EvalError> {
        let mut frame = Frame {
            this: scope.this,
            params: scope.params,
            vars: scope.vars,
            result: scope.result,
            locals: std::mem::take(&mut scope.locals),
            depth: 0,
            host: scope.host,
        };
        let out = self.eval_in(e, &mut frame);
        scope.locals = frame.locals;
        out
    }

    /// Whether a Boolean expression holds in a scope.
    pub fn holds_scoped(&self, e: &Expr, scope: &mut Scope<'_>) -> Result<bool, EvalError> {
        match self.eval_scoped(e, scope)? {
            Value::Bool(b) => Ok(b),
            other => Err(EvalError::Runtime(format!("a condition evaluated to {other}, not a Bool"))),
        }
    }

    fn regex(&self, pattern: &str) -> Result<Regex, EvalError> {
        let mut cache = self.regexes.0.borrow_mut();
        let entry = cache.entry(pattern.to_string()).or_insert_with(|| Regex::new(pattern).ok());
        entry.clone().ok_or_else(|| EvalError::Unsupported(format!("invalid regular expression {pattern:?}")))
    }

    fn eval_in(&self, e: &Expr, fr: &mut Frame<'_>) -> Result<Value, EvalError> {
        Ok(match &e.kind {
            ExprKind::Int(n) => Value::Int(*n),
            ExprKind::Decimal(d) => Value::Decimal(*d),
            ExprKind::Str(s) => Value::Str(s.clone()),
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::SelfValue => {
                fr.this.cloned().ok_or_else(|| EvalError::Unsupported("`self` outside a refinement".into()))?
            }
            ExprKind::Result => {
                fr.result.cloned().ok_or_else(|| EvalError::Unsupported("`result` in a refinement".into()))?
            }
            ExprKind::Var(v) => fr
                .vars
                .get(v.index())
                .cloned()
                .ok_or_else(|| EvalError::Unsupported("a machine variable in a refinement".into()))?,
            ExprKind::Error => return Err(EvalError::Unsupported("an erroneous expression".into())),
            ExprKind::Exists { .. } | ExprKind::Quantified { .. } | ExprKind::Count { .. } | ExprKind::Fresh
                if fr.host.is_none() =>
            {
                return Err(EvalError::Unsupported("a store expression".into()));
            }
            ExprKind::Exists { entity, key } => {
                let mut vals = Vec::with_capacity(key.len());
                for k in key {
                    vals.push(self.eval_in(k, fr)?);
                }
                Value::Bool(fr.host()?.exists(*entity, &vals)?)
            }
            ExprKind::Quantified { forall, entity, local, body, .. } => {
                let instances = fr.host()?.instances(*entity)?;
                let mut found = false;
                for inst in instances {
                    let b = self.with_local(*local, inst, fr, |this, fr| this.eval_in(body, fr))?;
                    let Value::Bool(b) = b else {
                        return Err(EvalError::Runtime(format!("a quantifier's body evaluated to {b}, not a Bool")));
                    };
                    // `forall` stops at the first instance where the body is false, `exists`
                    // at the first where it is true.
                    if b != *forall {
                        found = true;
                        break;
                    }
                }
                Value::Bool(if *forall { !found } else { found })
            }
            ExprKind::Count { entity, local, filter, .. } => {
                let instances = fr.host()?.instances(*entity)?;
                let mut n: i64 = 0;
                for inst in instances {
                    let counted = match filter {
                        None => true,
                        Some(f) => match self.with_local(*local, inst, fr, |this, fr| this.eval_in(f, fr))? {
                            Value::Bool(b) => b,
                            other => {
                                return Err(EvalError::Runtime(format!("a count's filter evaluated to {other}")));
                            }
                        },
                    };
                    if counted {
                        n = n.checked_add(1).ok_or_else(|| EvalError::Runtime("integer overflow".into()))?;
                    }
                }
                Value::Int(n)
            }
            ExprKind::Fresh => fr.host()?.fresh(&e.ty)?,
            ExprKind::Param(i) => fr
                .params
                .get(*i as usize)
                .cloned()
                .ok_or_else(|| EvalError::Unsupported("a function parameter outside a function".into()))?,
            ExprKind::Local { id, name } => fr
                .locals
                .get(id.0 as usize)
                .cloned()
                .flatten()
                .ok_or_else(|| EvalError::Runtime(format!("`{name}` is not bound")))?,
            ExprKind::Ctor { ctor, args } => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval_in(a, fr)?);
                }
                self.construct(*ctor, vals)?
            }
            ExprKind::Call { func, args } => {
                let def = self
                    .spec
                    .fns
                    .get(func.index())
                    .ok_or_else(|| EvalError::Unsupported("an unknown function".into()))?;
                if def.body.is_none() && fr.host.is_none() {
                    return Err(EvalError::Unsupported(format!("the external function `{}`", def.name)));
                }
                if fr.depth >= MAX_CALL_DEPTH {
                    return Err(EvalError::Unsupported(format!("calls of `{}` nested too deeply", def.name)));
                }
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval_in(a, fr)?);
                }
                match &def.body {
                    Some(body) => {
                        // A function body sees its parameters and the host (for the external
                        // functions it calls), nothing of its caller's scope.
                        let mut inner = Frame { params: &vals, depth: fr.depth + 1, host: fr.host, ..Frame::default() };
                        self.eval_in(body, &mut inner)?
                    }
                    None => fr.host()?.call_external(*func, &vals)?,
                }
            }
            ExprKind::Builtin { builtin, args } => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval_in(a, fr)?);
                }
                match (builtin, vals.as_slice()) {
                    (Builtin::Len, [v]) => Value::Int(match v {
                        Value::Str(s) => s.chars().count() as i64,
                        Value::List(l) => l.len() as i64,
                        Value::Set(s) => s.len() as i64,
                        Value::Map(m) => m.len() as i64,
                        other => return Err(EvalError::Runtime(format!("len of {other}"))),
                    }),
                    (Builtin::Matches, [Value::Str(text), Value::Str(re)]) => {
                        Value::Bool(self.regex(re)?.is_match(text))
                    }
                    (Builtin::Decimal, [Value::Int(n)]) => Value::Decimal(decimal::from_int(*n)),
                    _ => return Err(EvalError::Runtime(format!("bad arguments to `{}`", builtin.name()))),
                }
            }
            ExprKind::Apply { func, arg } => {
                let f = self.eval_in(func, fr)?;
                let a = self.eval_in(arg, fr)?;
                match f {
                    Value::Fn { table, default } => table.get(&a).cloned().unwrap_or(*default),
                    other => return Err(EvalError::Runtime(format!("{other} is not a function"))),
                }
            }
            ExprKind::Field { base, index, name } => {
                let b = self.eval_in(base, fr)?;
                b.fields()
                    .and_then(|fs| fs.get(*index as usize))
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| EvalError::Runtime(format!("{b} has no field `{name}`")))?
            }
            ExprKind::Record { fields } => {
                let mut vals = Vec::with_capacity(fields.len());
                for f in fields {
                    vals.push((f.name.clone(), self.eval_in(&f.value, fr)?));
                }
                Value::Record(vals)
            }
            ExprKind::With { base, fields } => {
                let b = self.eval_in(base, fr)?;
                let Value::Record(mut vals) = b else {
                    return Err(EvalError::Runtime(format!("{b} is not a record")));
                };
                for f in fields {
                    let v = self.eval_in(&f.value, fr)?;
                    match vals.get_mut(f.index as usize) {
                        Some(slot) => slot.1 = v,
                        None => return Err(EvalError::Runtime(format!("no field `{}` to update", f.name))),
                    }
                }
                Value::Record(vals)
            }
            ExprKind::Unary { op, operand } => match (op, self.eval_in(operand, fr)?) {
                (UnOp::Not, Value::Bool(b)) => Value::Bool(!b),
                (UnOp::Neg, Value::Int(n)) => {
                    Value::Int(n.checked_neg().ok_or_else(|| EvalError::Runtime("integer overflow".into()))?)
                }
                (UnOp::Neg, Value::Decimal(d)) => Value::Decimal(decimal::neg(d).ok_or_else(decimal_unrepresentable)?),
                (_, v) => return Err(EvalError::Runtime(format!("bad operand {v}"))),
            },
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, fr)?,
            ExprKind::List(items) => {
                let mut vals = Vec::with_capacity(items.len());
                for a in items {
                    vals.push(self.eval_in(a, fr)?);
                }
                Value::List(vals)
            }
            ExprKind::Match { scrutinee, arms } => {
                let v = self.eval_in(scrutinee, fr)?;
                for arm in arms {
                    let saved = fr.locals.clone();
                    if bind(&arm.pattern, &v, &mut fr.locals) {
                        let result = self.eval_in(&arm.body, fr);
                        fr.locals = saved;
                        return result;
                    }
                    fr.locals = saved;
                }
                return Err(EvalError::Runtime(format!("no arm of `{}` matches {v}", expr_text(self.spec, e, &[]))));
            }
        })
    }

    /// Evaluates `f` with `local` bound to `value`, then restores the local.
    fn with_local(
        &self,
        local: lp_ir::LocalId,
        value: Value,
        fr: &mut Frame<'_>,
        f: impl FnOnce(&Self, &mut Frame<'_>) -> Result<Value, EvalError>,
    ) -> Result<Value, EvalError> {
        let i = local.0 as usize;
        if fr.locals.len() <= i {
            fr.locals.resize(i + 1, None);
        }
        let saved = fr.locals[i].replace(value);
        let out = f(self, fr);
        fr.locals[i] = saved;
        out
    }

    fn binary(&self, op: BinOp, lhs: &Expr, rhs: &Expr, fr: &mut Frame<'_>) -> Result<Value, EvalError> {
        let l = self.eval_in(lhs, fr)?;
        match (op, &l) {
            (BinOp::And, Value::Bool(false)) => return Ok(Value::Bool(false)),
            (BinOp::Or, Value::Bool(true)) => return Ok(Value::Bool(true)),
            _ => {}
        }
        let r = self.eval_in(rhs, fr)?;
        let overflow = || EvalError::Runtime("integer overflow".into());
        Ok(match (op, l, r) {
            (BinOp::And | BinOp::Or, _, Value::Bool(b)) => Value::Bool(b),
            (BinOp::Eq, a, b) => Value::Bool(a == b),
            (BinOp::Ne, a, b) => Value::Bool(a != b),
            (BinOp::Lt, Value::Int(a), Value::Int(b)) => Value::Bool(a < b),
            (BinOp::Le, Value::Int(a), Value::Int(b)) => Value::Bool(a <= b),
            (BinOp::Gt, Value::Int(a), Value::Int(b)) => Value::Bool(a > b),
            (BinOp::Ge, Value::Int(a), Value::Int(b)) => Value::Bool(a >= b),
            (BinOp::Add, Value::Int(a), Value::Int(b)) => Value::Int(a.checked_add(b).ok_or_else(overflow)?),
            (BinOp::Sub, Value::Int(a), Value::Int(b)) => Value::Int(a.checked_sub(b).ok_or_else(overflow)?),
            (BinOp::Mul, Value::Int(a), Value::Int(b)) => Value::Int(a.checked_mul(b).ok_or_else(overflow)?),
            (BinOp::Lt, Value::Decimal(a), Value::Decimal(b)) => Value::Bool(a < b),
            (BinOp::Le, Value::Decimal(a), Value::Decimal(b)) => Value::Bool(a <= b),
            (BinOp::Gt, Value::Decimal(a), Value::Decimal(b)) => Value::Bool(a > b),
            (BinOp::Ge, Value::Decimal(a), Value::Decimal(b)) => Value::Bool(a >= b),
            (BinOp::Add, Value::Decimal(a), Value::Decimal(b)) => {
                Value::Decimal(decimal::add(a, b).ok_or_else(decimal_unrepresentable)?)
            }
            (BinOp::Sub, Value::Decimal(a), Value::Decimal(b)) => {
                Value::Decimal(decimal::sub(a, b).ok_or_else(decimal_unrepresentable)?)
            }
            (BinOp::Mul, Value::Decimal(a), Value::Decimal(b)) => {
                Value::Decimal(decimal::mul(a, b).ok_or_else(decimal_unrepresentable)?)
            }
            (BinOp::Div | BinOp::Rem, Value::Int(_), Value::Int(0)) => {
                return Err(EvalError::Runtime("division by zero".into()));
            }
            (BinOp::Div, Value::Int(a), Value::Int(b)) => Value::Int(a.checked_div_euclid(b).ok_or_else(overflow)?),
            (BinOp::Rem, Value::Int(a), Value::Int(b)) => Value::Int(a.checked_rem_euclid(b).ok_or_else(overflow)?),
            (op, a, b) => return Err(EvalError::Runtime(format!("bad operands {a} {} {b}", op.as_str()))),
        })
    }

    /// Builds the value of a constructor applied to its arguments.
    pub fn construct(&self, ctor: Ctor, mut args: Vec<Value>) -> Result<Value, EvalError> {
        let one = |args: &mut Vec<Value>| {
            if args.len() == 1 {
                Ok(Box::new(args.remove(0)))
            } else {
                Err(EvalError::Runtime("a constructor with the wrong number of arguments".into()))
            }
        };
        Ok(match ctor {
            Ctor::Some => Value::Option(Some(one(&mut args)?)),
            Ctor::None => Value::Option(None),
            Ctor::Ok => Value::Result(Ok(one(&mut args)?)),
            Ctor::Err => Value::Result(Err(one(&mut args)?)),
            Ctor::Variant { ty, index } => {
                let names: Vec<String> = match self.spec.types.get(ty.index()).map(|d| &d.body) {
                    Some(TypeBody::Sum(variants)) => variants
                        .get(index as usize)
                        .and_then(|v| v.payload.as_ref())
                        .map(|fs| fs.iter().map(|f| f.name.clone()).collect())
                        .unwrap_or_default(),
                    _ => Vec::new(),
                };
                if names.len() != args.len() {
                    return Err(EvalError::Runtime("a variant with the wrong number of fields".into()));
                }
                Value::Variant {
                    name: ctor_name(self.spec, ctor),
                    index,
                    fields: names.into_iter().zip(args).collect(),
                }
            }
        })
    }

    /// Checks every refinement that applies to `value` as a value of `ty` (the type's own,
    /// its aliases', its fields' and those of every value nested in it), returning the first
    /// one it breaks. `path` names the value in messages.
    pub fn validate(&self, ty: &Ty, value: &Value, path: &str) -> Result<Option<Violation>, EvalError> {
        self.validate_within(ty, value, path, 0)
    }

    fn validate_within(&self, ty: &Ty, value: &Value, path: &str, depth: u32) -> Result<Option<Violation>, EvalError> {
        if depth > 512 {
            return Err(EvalError::Unsupported("a value nested too deeply".into()));
        }
        let d = depth + 1;
        match (ty, value) {
            (Ty::Named { id, args }, _) => {
                let Some(def) = self.spec.types.get(id.index()) else { return Ok(None) };
                if let Some(r) = &def.refinement
                    && !self.holds(r, value)?
                {
                    return Ok(Some(Violation {
                        path: path.to_string(),
                        owner: def.name.clone(),
                        rule: expr_text(self.spec, r, &[]),
                    }));
                }
                let fields = match (&def.body, value) {
                    (TypeBody::Alias(t), _) => return self.validate_within(&t.subst(args), value, path, d),
                    (TypeBody::Record(fields), Value::Record(vals)) => Some((fields, vals, def.name.clone())),
                    (TypeBody::Sum(variants), Value::Variant { index, fields: vals, .. }) => {
                        match variants.get(*index as usize) {
                            Some(v) => {
                                v.payload.as_ref().map(|fields| (fields, vals, format!("{}.{}", def.name, v.name)))
                            }
                            None => None,
                        }
                    }
                    _ => None,
                };
                if let Some((fields, vals, owner)) = fields {
                    for (f, (_, v)) in fields.iter().zip(vals) {
                        let sub = format!("{path}.{}", f.name);
                        if let Some(r) = &f.refinement
                            && !self.holds(r, v)?
                        {
                            return Ok(Some(Violation {
                                path: sub,
                                owner: format!("{owner}.{}", f.name),
                                rule: expr_text(self.spec, r, &[]),
                            }));
                        }
                        if let Some(viol) = self.validate_within(&f.ty.subst(args), v, &sub, d)? {
                            return Ok(Some(viol));
                        }
                    }
                }
                Ok(None)
            }
            (Ty::ErrorType(id), Value::Record(vals)) => {
                let Some(def) = self.spec.errors.get(id.index()) else { return Ok(None) };
                for (f, (_, v)) in def.fields.iter().zip(vals) {
                    let sub = format!("{path}.{}", f.name);
                    if let Some(r) = &f.refinement
                        && !self.holds(r, v)?
                    {
                        return Ok(Some(Violation {
                            path: sub,
                            owner: format!("{}.{}", def.name, f.name),
                            rule: expr_text(self.spec, r, &[]),
                        }));
                    }
                    if let Some(viol) = self.validate_within(&f.ty, v, &sub, d)? {
                        return Ok(Some(viol));
                    }
                }
                Ok(None)
            }
            (Ty::Option(t), Value::Option(Some(v))) => self.validate_within(t, v, &format!("{path}?"), d),
            (Ty::Result(t, _), Value::Result(Ok(v))) | (Ty::Result(_, t), Value::Result(Err(v))) => {
                self.validate_within(t, v, &format!("{path}?"), d)
            }
            (Ty::List(t), Value::List(items)) => {
                for (i, v) in items.iter().enumerate() {
                    if let Some(viol) = self.validate_within(t, v, &format!("{path}[{i}]"), d)? {
                        return Ok(Some(viol));
                    }
                }
                Ok(None)
            }
            (Ty::Set(t), Value::Set(items)) => {
                for v in items {
                    if let Some(viol) = self.validate_within(t, v, &format!("{path}[{v}]"), d)? {
                        return Ok(Some(viol));
                    }
                }
                Ok(None)
            }
            (Ty::Map(k, t), Value::Map(entries)) | (Ty::Fn(k, t), Value::Fn { table: entries, .. }) => {
                for (key, v) in entries {
                    if let Some(viol) = self.validate_within(k, key, &format!("{path} key {key}"), d)? {
                        return Ok(Some(viol));
                    }
                    if let Some(viol) = self.validate_within(t, v, &format!("{path}[{key}]"), d)? {
                        return Ok(Some(viol));
                    }
                }
                if let (Ty::Fn(_, t), Value::Fn { default, .. }) = (ty, value) {
                    return self.validate_within(t, default, &format!("{path}(_)"), d);
                }
                Ok(None)
            }
            _ => Ok(None),
        }
    }
}

/// One evaluation scope: `self`, the parameters of the function being evaluated, the locals
/// bound by patterns, quantifiers and `let`, machine variables, `result` and the host.
#[derive(Default)]
struct Frame<'v> {
    this: Option<&'v Value>,
    params: &'v [Value],
    vars: &'v [Value],
    result: Option<&'v Value>,
    locals: Vec<Option<Value>>,
    depth: u32,
    host: Option<&'v dyn Host>,
}

impl<'v> Frame<'v> {
    fn host(&self) -> Result<&'v dyn Host, EvalError> {
        self.host.ok_or_else(|| EvalError::Unsupported("a store expression".into()))
    }
}

/// A decimal result the evaluator cannot hold exactly (more than 28 digits after the point,
/// or a mantissa over 96 bits). The spec's decimals are unbounded, so this is not a failure
/// of the spec: evaluation is unsupported, never rounded.
fn decimal_unrepresentable() -> EvalError {
    EvalError::Unsupported("a decimal result with more digits than 28 after the point or 96 bits in all".into())
}

/// Matches a pattern against a value, binding the locals of the pattern (indexed by
/// [`lp_ir::LocalId`]); `false` when it does not match, in which case some locals may already
/// be bound and the caller restores them.
pub fn match_pattern(p: &Pattern, v: &Value, locals: &mut Vec<Option<Value>>) -> bool {
    bind(p, v, locals)
}

/// Matches a pattern against a value, binding locals; `false` when it does not match.
fn bind(p: &Pattern, v: &Value, locals: &mut Vec<Option<Value>>) -> bool {
    match (&p.kind, v) {
        (PatternKind::Wildcard, _) => true,
        (PatternKind::Int(n), Value::Int(m)) => n == m,
        (PatternKind::Str(s), Value::Str(t)) => s == t,
        (PatternKind::Bool(b), Value::Bool(c)) => b == c,
        (PatternKind::Bind { local, .. }, _) => {
            let i = local.0 as usize;
            if locals.len() <= i {
                locals.resize(i + 1, None);
            }
            locals[i] = Some(v.clone());
            true
        }
        (PatternKind::Ctor { ctor, fields }, _) => {
            let inner: Option<Vec<&Value>> = match (ctor, v) {
                (Ctor::Some, Value::Option(Some(x)))
                | (Ctor::Ok, Value::Result(Ok(x)))
                | (Ctor::Err, Value::Result(Err(x))) => Some(vec![x.as_ref()]),
                (Ctor::None, Value::Option(None)) => Some(Vec::new()),
                (Ctor::Variant { index, .. }, Value::Variant { index: j, fields: vals, .. }) if index == j => {
                    Some(vals.iter().map(|(_, x)| x).collect())
                }
                _ => None,
            };
            let Some(inner) = inner else { return false };
            fields.iter().all(|fp| inner.get(fp.index as usize).is_some_and(|x| bind(&fp.pattern, x, locals)))
        }
        _ => false,
    }
}
