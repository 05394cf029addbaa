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
        ExprKind::Decimal(d) => out.push_str(&lp_syntax::format::decimal_text(*d)),
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
        ExprKind::Exists { entity, key } => {
            out.push_str("exists ");
            out.push_str(entity_name(spec, *entity));
            out.push('[');
            args(out, key);
            out.push(']');
        }
        ExprKind::Quantified { forall, entity, name, body, .. } => {
            let open = min > 0;
            if open {
                out.push('(');
            }
            let _ =
                write!(out, "{} {name}: {}. ", if *forall { "forall" } else { "exists" }, entity_name(spec, *entity));
            write_expr(out, spec, names, body, 0);
            if open {
                out.push(')');
            }
        }
        ExprKind::Count { entity, name, filter, .. } => {
            let _ = write!(out, "count({name}: {}", entity_name(spec, *entity));
            if let Some(f) = filter {
                out.push_str(" where ");
                write_expr(out, spec, names, f, 0);
            }
            out.push(')');
        }
        ExprKind::Fresh => out.push_str("fresh"),
        ExprKind::Error => out.push_str("{error}"),
    }
}

fn entity_name(spec: &Spec, id: crate::spec::EntityId) -> &str {
    spec.entities.get(id.index()).map_or("?", |e| e.name.as_str())
}

fn error_name(spec: &Spec, id: crate::spec::ErrorId) -> &str {
    spec.errors.get(id.index()).map_or("?", |e| e.name.as_str())
}

/// Writes an operation body, its statements one per line at `indent` plus two spaces.
pub fn write_block(out: &mut String, spec: &Spec, names: ExprNames<'_>, b: &crate::body::Block, indent: &str) {
    use crate::body::StmtKind;
    if b.stmts.is_empty() && b.result.is_none() {
        out.push_str("{}");
        return;
    }
    let inner = format!("{indent}  ");
    out.push_str("{\n");
    for st in &b.stmts {
        out.push_str(&inner);
        match &st.kind {
            StmtKind::Let { name, value, .. } => {
                let _ = write!(out, "let {name} = ");
                write_term(out, spec, names, value, &inner);
            }
            StmtKind::Require { cond, otherwise } => {
                out.push_str("require ");
                write_expr(out, spec, names, cond, 0);
                out.push_str(" else ");
                write_raise(out, spec, names, otherwise);
            }
            StmtKind::Put { value, .. } => {
                out.push_str("put ");
                write_expr(out, spec, names, value, 0);
            }
            StmtKind::Delete { entity, key } => {
                let _ = write!(out, "delete {}[", entity_name(spec, *entity));
                for (i, k) in key.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_expr(out, spec, names, k, 0);
                }
                out.push(']');
            }
            StmtKind::Fire { machine, target, event, otherwise, .. } => {
                out.push_str("fire ");
                write_expr(out, spec, names, target, POSTFIX);
                let ev = spec.machines.get(machine.index()).and_then(|m| m.events.get(event.index()));
                let _ = write!(out, ".{}", ev.map_or("?", |e| e.name.as_str()));
                if let Some(r) = otherwise {
                    out.push_str(" else ");
                    write_raise(out, spec, names, r);
                }
            }
            StmtKind::Term(t) => write_term(out, spec, names, t, &inner),
        }
        out.push('\n');
    }
    if let Some(t) = &b.result {
        out.push_str(&inner);
        write_term(out, spec, names, t, &inner);
        out.push('\n');
    }
    out.push_str(indent);
    out.push('}');
}

fn write_term(out: &mut String, spec: &Spec, names: ExprNames<'_>, t: &crate::body::Term, indent: &str) {
    use crate::body::TermKind;
    let keys = |out: &mut String, key: &[Expr]| {
        for (i, k) in key.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            write_expr(out, spec, names, k, 0);
        }
    };
    match &t.kind {
        TermKind::Expr(e) => write_expr(out, spec, names, e, 0),
        TermKind::Lookup { entity, key, otherwise } => {
            let _ = write!(out, "{}[", entity_name(spec, *entity));
            keys(out, key);
            out.push_str("] else ");
            write_raise(out, spec, names, otherwise);
        }
        TermKind::Create { entity, value, otherwise } => {
            let _ = write!(out, "create {}", entity_name(spec, *entity));
            match &value.kind {
                ExprKind::Record { fields } => write_fields(out, spec, names, fields),
                _ => {
                    out.push(' ');
                    write_expr(out, spec, names, value, 0);
                }
            }
            if let Some(r) = otherwise {
                out.push_str(" else ");
                write_raise(out, spec, names, r);
            }
        }
        TermKind::CallOp { op, args, otherwise } => {
            let service = spec.services.get(op.service.index());
            let _ = write!(
                out,
                "{}.{}(",
                service.map_or("?", |s| s.name.as_str()),
                service.and_then(|s| s.ops.get(op.op.index())).map_or("?", |o| o.name.as_str())
            );
            keys(out, args);
            out.push(')');
            if let Some(r) = otherwise {
                out.push_str(" else ");
                write_raise(out, spec, names, r);
            }
        }
        TermKind::If { cond, then, otherwise } => {
            out.push_str("if ");
            write_expr(out, spec, names, cond, 0);
            out.push(' ');
            write_block(out, spec, names, then, indent);
            out.push_str(" else ");
            write_term(out, spec, names, otherwise, indent);
        }
        TermKind::Match { scrutinee, arms } => {
            out.push_str("match ");
            write_expr(out, spec, names, scrutinee, 0);
            out.push_str(" {\n");
            let inner = format!("{indent}  ");
            for arm in arms {
                out.push_str(&inner);
                write_pattern(out, spec, names, &arm.pattern);
                out.push_str(" => ");
                write_term(out, spec, names, &arm.body, &inner);
                out.push_str(",\n");
            }
            out.push_str(indent);
            out.push('}');
        }
        TermKind::Fail(r) => {
            out.push_str("fail ");
            write_raise(out, spec, names, r);
        }
        TermKind::Block(b) => write_block(out, spec, names, b, indent),
    }
}

fn write_raise(out: &mut String, spec: &Spec, names: ExprNames<'_>, r: &crate::body::Raise) {
    out.push_str(error_name(spec, r.error));
    if !r.fields.is_empty() {
        write_fields(out, spec, names, &r.fields);
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
