//! A minimal evaluator for the `Int` and `Bool` expressions of machine guards, actions,
//! invariants and initial values, over a valuation of the machine's variables.
//!
//! Values are `i64`; `Bool` is `0` or `1`. Arithmetic is checked (an overflow is a runtime
//! error, not a wrap), and `/` and `%` round towards negative infinity, as the SMT discharger
//! does. Anything else (strings, records, calls of declared functions) is unsupported, and
//! the properties that depend on it are `unknown` rather than guessed.

use lp_ir::{BinOp, Expr, ExprKind, LocalId, PatternKind, Spec, Ty, TypeBody, UnOp};

/// Why an expression has no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalError {
    /// The evaluator does not support this construct.
    Unsupported(String),
    /// The expression is undefined for these values (overflow, division by zero).
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

/// The kind of a machine variable the evaluator can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    Int,
    Bool,
}

/// The scalar a type stands for: `Int`, `Bool`, or an alias of one (without parameters).
/// `None` for every other type.
pub fn scalar_of(spec: &Spec, ty: &Ty) -> Option<Scalar> {
    let mut ty = ty.clone();
    for _ in 0..64 {
        match ty {
            Ty::Int => return Some(Scalar::Int),
            Ty::Bool => return Some(Scalar::Bool),
            Ty::Named { id, ref args } if args.is_empty() => match spec.types.get(id.index()).map(|d| &d.body) {
                Some(TypeBody::Alias(t)) => ty = t.clone(),
                _ => return None,
            },
            _ => return None,
        }
    }
    None
}

/// Renders a value of a scalar.
pub fn render(kind: Scalar, v: i64) -> String {
    match kind {
        Scalar::Int => v.to_string(),
        Scalar::Bool => (v != 0).to_string(),
    }
}

/// Evaluates `e` with the machine's variables bound to `vars` (indexed by `VarId`).
pub fn eval(e: &Expr, vars: &[i64]) -> Result<i64, EvalError> {
    let mut locals = Vec::new();
    go(e, vars, &mut locals)
}

/// Evaluates a Boolean expression.
pub fn holds(e: &Expr, vars: &[i64]) -> Result<bool, EvalError> {
    eval(e, vars).map(|v| v != 0)
}

fn overflow() -> EvalError {
    EvalError::Runtime("integer overflow".to_string())
}

fn go(e: &Expr, vars: &[i64], locals: &mut Vec<(LocalId, i64)>) -> Result<i64, EvalError> {
    match &e.kind {
        ExprKind::Int(n) => Ok(*n),
        ExprKind::Bool(b) => Ok(i64::from(*b)),
        ExprKind::Var(v) => {
            vars.get(v.index()).copied().ok_or_else(|| EvalError::Unsupported("an unknown variable".to_string()))
        }
        ExprKind::Local { id, .. } => locals
            .iter()
            .rev()
            .find(|(l, _)| l == id)
            .map(|(_, v)| *v)
            .ok_or_else(|| EvalError::Unsupported("an unbound local".to_string())),
        ExprKind::Unary { op: UnOp::Not, operand } => Ok(i64::from(go(operand, vars, locals)? == 0)),
        ExprKind::Unary { op: UnOp::Neg, operand } => go(operand, vars, locals)?.checked_neg().ok_or_else(overflow),
        ExprKind::Binary { op: BinOp::And, lhs, rhs } => {
            if go(lhs, vars, locals)? == 0 {
                return Ok(0);
            }
            Ok(i64::from(go(rhs, vars, locals)? != 0))
        }
        ExprKind::Binary { op: BinOp::Or, lhs, rhs } => {
            if go(lhs, vars, locals)? != 0 {
                return Ok(1);
            }
            Ok(i64::from(go(rhs, vars, locals)? != 0))
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let a = go(lhs, vars, locals)?;
            let b = go(rhs, vars, locals)?;
            binary(*op, a, b)
        }
        ExprKind::Match { scrutinee, arms } => {
            let v = go(scrutinee, vars, locals)?;
            for arm in arms {
                let bound = match &arm.pattern.kind {
                    PatternKind::Wildcard => None,
                    PatternKind::Int(n) if *n == v => None,
                    PatternKind::Bool(b) if i64::from(*b) == v => None,
                    PatternKind::Int(_) | PatternKind::Bool(_) => continue,
                    PatternKind::Bind { local, .. } => Some(*local),
                    _ => return Err(EvalError::Unsupported("a constructor pattern".to_string())),
                };
                if let Some(local) = bound {
                    locals.push((local, v));
                    let r = go(&arm.body, vars, locals);
                    locals.pop();
                    return r;
                }
                return go(&arm.body, vars, locals);
            }
            Err(EvalError::Runtime("no `match` arm matches".to_string()))
        }
        ExprKind::Str(_) => Err(EvalError::Unsupported("a string".to_string())),
        ExprKind::Decimal(_) => Err(EvalError::Unsupported("a decimal".to_string())),
        ExprKind::Call { .. } => Err(EvalError::Unsupported("a call of a declared function".to_string())),
        ExprKind::Builtin { builtin, .. } => Err(EvalError::Unsupported(format!("`{}`", builtin.name()))),
        ExprKind::Ctor { .. } => Err(EvalError::Unsupported("a constructor".to_string())),
        ExprKind::Field { .. } => Err(EvalError::Unsupported("a field access".to_string())),
        ExprKind::List(_) => Err(EvalError::Unsupported("a list".to_string())),
        ExprKind::Record { .. } | ExprKind::With { .. } => Err(EvalError::Unsupported("a record".to_string())),
        ExprKind::Apply { .. } => Err(EvalError::Unsupported("a function application".to_string())),
        ExprKind::SelfValue | ExprKind::Result | ExprKind::Param(_) => {
            Err(EvalError::Unsupported("a name that machines do not bind".to_string()))
        }
        ExprKind::Error => Err(EvalError::Unsupported("an erroneous expression".to_string())),
        ExprKind::Exists { .. } | ExprKind::Quantified { .. } | ExprKind::Count { .. } | ExprKind::Fresh => {
            Err(EvalError::Unsupported("a store expression".to_string()))
        }
    }
}

/// Applies a binary operator that is not `&&` or `||`.
pub fn binary(op: BinOp, a: i64, b: i64) -> Result<i64, EvalError> {
    Ok(match op {
        BinOp::Eq => i64::from(a == b),
        BinOp::Ne => i64::from(a != b),
        BinOp::Lt => i64::from(a < b),
        BinOp::Le => i64::from(a <= b),
        BinOp::Gt => i64::from(a > b),
        BinOp::Ge => i64::from(a >= b),
        BinOp::Add => a.checked_add(b).ok_or_else(overflow)?,
        BinOp::Sub => a.checked_sub(b).ok_or_else(overflow)?,
        BinOp::Mul => a.checked_mul(b).ok_or_else(overflow)?,
        BinOp::Div | BinOp::Rem => {
            if b == 0 {
                return Err(EvalError::Runtime("division by zero".to_string()));
            }
            let q = a.checked_div(b).ok_or_else(overflow)?;
            let r = a - q * b;
            let (q, r) = if r != 0 && ((r < 0) != (b < 0)) { (q - 1, r + b) } else { (q, r) };
            if op == BinOp::Div { q } else { r }
        }
        BinOp::And => i64::from(a != 0 && b != 0),
        BinOp::Or => i64::from(a != 0 || b != 0),
    })
}
