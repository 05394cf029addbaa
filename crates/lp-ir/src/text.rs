//! Resolved expressions and patterns written back as spec text: the one expression printer that
//! the IR printer, claims, counterexamples, law descriptions and reports share.
//!
//! Only the parentheses that precedence needs are written, so `a + b * c` and `(a + b) * c`
//! come out as an author would write them. Names come from the declarations the expression is
//! resolved against ([`ExprNames`]).

use crate::expr::{BinOp, Ctor, Expr, ExprKind, Pattern, PatternKind, RecordField, UnOp};
use crate::spec::{ParamDef, Spec, TypeBody, VarDef};
use std::fmt::Write as _;

/// The names an expression's references resolve to, and how variants are written.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExprNames<'a> {
    /// The parameters of the enclosing function or operation.
    pub params: &'a [ParamDef],
    /// The variables of the enclosing state machine.
    pub vars: &'a [VarDef],
    /// Write variants as `Type::Variant` (the IR printer) rather than `Variant` (spec text).
    pub qualify_variants: bool,
}

/// Binding strength of postfix operators (field access, calls) and of unary operators.
const POSTFIX: u8 = 7;
const UNARY: u8 = 6;

/// An expression as spec text (`result <= price`, `len(self) >= 3`).
pub fn expr_text(spec: &Spec, names: ExprNames<'_>, e: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, spec, names, e, 0);
    out
}

/// A pattern as spec text (`Synced { count }`, `Some(_)`).
pub fn pattern_text(spec: &Spec, names: ExprNames<'_>, p: &Pattern) -> String {
    let mut out = String::new();
    write_pattern(&mut out, spec, names, p);
    out
}

/// The name a constructor is written with: `Some`, `Shopify`, or `Platform::Shopify` when
/// qualified.
pub fn ctor_name(spec: &Spec, ctor: Ctor, qualify: bool) -> String {
    match ctor {
        Ctor::Some => "Some".to_string(),
        Ctor::None => "None".to_string(),
        Ctor::Ok => "Ok".to_string(),
        Ctor::Err => "Err".to_string(),
        Ctor::Variant { ty, index } => {
            let def = spec.types.get(ty.index());
            let variant = match def.map(|d| &d.body) {
                Some(TypeBody::Sum(vs)) => vs.get(index as usize).map_or("?", |v| v.name.as_str()),
                _ => "?",
            };
            match def {
                Some(d) if qualify => format!("{}::{variant}", d.name),
                _ => variant.to_string(),
            }
        }
    }
}

/// Writes a string literal with the escapes of the spec language ([`lp_syntax::format::quote`],
/// the one string writer, so the text reads back as the same string).
pub fn string_literal(out: &mut String, s: &str) {
    out.push_str(&lp_syntax::format::quote(s));
}

/// Writes `e`, parenthesised when it binds more loosely than `min`.
pub fn write_expr(out: &mut String, spec: &Spec, names: ExprNames<'_>, e: &Expr, min: u8) {
    let args = |out: &mut String, es: &[Expr]| {
        for (i, a) in es.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            write_expr(out, spec, names, a, 0);
        }
    };
    match &e.kind {
        ExprKind::Int(n) => {
            let _ = write!(out, "{n}");
        }
        ExprKind::Str(s) => string_literal(out, s),
        ExprKind::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        ExprKind::SelfValue => out.push_str("self"),
        ExprKind::Result => out.push_str("result"),
        ExprKind::Param(i) => match names.params.get(*i as usize) {
            Some(p) => out.push_str(&p.name),
            None => {
                let _ = write!(out, "$param{i}");
            }
        },
        ExprKind::Var(v) => match names.vars.get(v.index()) {
            Some(var) => out.push_str(&var.name),
            None => {
                let _ = write!(out, "$var{}", v.0);
            }
        },
        ExprKind::Local { name, .. } => out.push_str(name),
        ExprKind::Ctor { ctor, args: a } => {
            out.push_str(&ctor_name(spec, *ctor, names.qualify_variants));
            if !a.is_empty() {
                out.push('(');
                args(out, a);
                out.push(')');
            }
        }
        ExprKind::Call { func, args: a } => {
            out.push_str(spec.fns.get(func.index()).map_or("?", |f| f.name.as_str()));
            out.push('(');
            args(out, a);
            out.push(')');
        }
        ExprKind::Builtin { builtin, args: a } => {
            out.push_str(builtin.name());
            out.push('(');
            args(out, a);
            out.push(')');
        }
        ExprKind::Apply { func, arg } => {
            write_expr(out, spec, names, func, POSTFIX);
            out.push('(');
            write_expr(out, spec, names, arg, 0);
            out.push(')');
        }
        ExprKind::Field { base, name, .. } => {
            write_expr(out, spec, names, base, POSTFIX);
            out.push('.');
            out.push_str(name);
        }
        ExprKind::Unary { op, operand } => {
            let open = min > UNARY;
            if open {
                out.push('(');
            }
            out.push(match op {
                UnOp::Not => '!',
                UnOp::Neg => '-',
            });
            write_expr(out, spec, names, operand, UNARY);
            if open {
                out.push(')');
            }
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let p = op.precedence();
            let open = p < min;
            if open {
                out.push('(');
            }
            // Comparisons do not chain, so a comparison on the left needs parentheses too.
            let left = if p == BinOp::Eq.precedence() { p + 1 } else { p };
            write_expr(out, spec, names, lhs, left);
            let _ = write!(out, " {} ", op.as_str());
            write_expr(out, spec, names, rhs, p + 1);
            if open {
                out.push(')');
            }
        }
        ExprKind::List(items) => {
            out.push('[');
            args(out, items);
            out.push(']');
        }
        ExprKind::Record { fields } => {
            let name = match &e.ty {
                crate::Ty::Named { id, .. } => spec.types.get(id.index()).map_or("?", |t| t.name.as_str()),
                crate::Ty::ErrorType(id) => spec.errors.get(id.index()).map_or("?", |t| t.name.as_str()),
                _ => "?",
            };
            out.push_str(name);
            write_fields(out, spec, names, fields);
        }
        ExprKind::With { base, fields } => {
            write_expr(out, spec, names, base, POSTFIX);
            out.push_str(" with");
            write_fields(out, spec, names, fields);
        }
        ExprKind::Match { scrutinee, arms } => {
            out.push_str("match ");
            if bare_record(scrutinee) {
                out.push('(');
                write_expr(out, spec, names, scrutinee, 0);
                out.push(')');
            } else {
                write_expr(out, spec, names, scrutinee, 0);
            }
            out.push_str(" {");
            for (i, arm) in arms.iter().enumerate() {
                out.push_str(if i > 0 { ", " } else { " " });
                write_pattern(out, spec, names, &arm.pattern);
                out.push_str(" => ");
                write_expr(out, spec, names, &arm.body, 0);
            }
            out.push_str(" }");
        }
        ExprKind::Error => out.push_str("{error}"),
    }
}

/// Writes ` { a: 1, b: 2 }` (or ` {}`).
fn write_fields(out: &mut String, spec: &Spec, names: ExprNames<'_>, fields: &[RecordField]) {
    if fields.is_empty() {
        out.push_str(" {}");
        return;
    }
    for (i, f) in fields.iter().enumerate() {
        out.push_str(if i > 0 { ", " } else { " { " });
        out.push_str(&f.name);
        out.push_str(": ");
        write_expr(out, spec, names, &f.value, 0);
    }
    out.push_str(" }");
}

/// Whether a record literal or update stands outside brackets in `e`, where a `match`
/// scrutinee needs parentheses around it.
fn bare_record(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Record { .. } | ExprKind::With { .. } => true,
        ExprKind::Binary { lhs, rhs, .. } => bare_record(lhs) || bare_record(rhs),
        ExprKind::Unary { operand, .. } => bare_record(operand),
        ExprKind::Field { base, .. } => bare_record(base),
        _ => false,
    }
}

fn write_pattern(out: &mut String, spec: &Spec, names: ExprNames<'_>, p: &Pattern) {
    match &p.kind {
        PatternKind::Wildcard => out.push('_'),
        PatternKind::Int(n) => {
            let _ = write!(out, "{n}");
        }
        PatternKind::Str(s) => string_literal(out, s),
        PatternKind::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        PatternKind::Bind { name, .. } => out.push_str(name),
        PatternKind::Ctor { ctor, fields } => {
            out.push_str(&ctor_name(spec, *ctor, names.qualify_variants));
            match ctor {
                Ctor::Variant { ty, index } => {
                    if fields.is_empty() {
                        return;
                    }
                    let field_names: Vec<&str> = match spec.types.get(ty.index()).map(|d| &d.body) {
                        Some(TypeBody::Sum(vs)) => vs
                            .get(*index as usize)
                            .and_then(|v| v.payload.as_ref())
                            .map(|fs| fs.iter().map(|f| f.name.as_str()).collect())
                            .unwrap_or_default(),
                        _ => Vec::new(),
                    };
                    out.push_str(" {");
                    for (i, f) in fields.iter().enumerate() {
                        out.push_str(if i > 0 { ", " } else { " " });
                        let field = field_names.get(f.index as usize).copied().unwrap_or("?");
                        match &f.pattern.kind {
                            PatternKind::Bind { name: bound, .. } if bound == field => out.push_str(field),
                            _ => {
                                let _ = write!(out, "{field}: ");
                                write_pattern(out, spec, names, &f.pattern);
                            }
                        }
                    }
                    out.push_str(" }");
                }
                _ => {
                    if let Some(f) = fields.first() {
                        out.push('(');
                        write_pattern(out, spec, names, &f.pattern);
                        out.push(')');
                    }
                }
            }
        }
        PatternKind::Error => out.push_str("{error}"),
    }
}
