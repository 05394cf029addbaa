//! Python text: identifiers that cannot collide with keywords or pydantic's attributes, string
//! literals with every escape Python needs, and the printer of spec expressions as Python
//! expressions (the spec's expression language is small, so every construct is one Python
//! expression; `match` becomes nested conditional expressions over a lambda-bound scrutinee).

use crate::openapi::schema_name;
use lp_ir::{BinOp, Builtin, Ctor, Expr, ExprKind, ParamDef, Pattern, PatternKind, Spec, Ty, TypeBody, UnOp, VarDef};
use std::fmt::Write as _;

/// Python keywords, soft keywords and the names generated code or pydantic's `BaseModel`
/// already use; a spec name equal to one of them gets a trailing `_`.
const RESERVED: &[&str] = &[
    "False",
    "None",
    "True",
    "and",
    "as",
    "assert",
    "async",
    "await",
    "break",
    "class",
    "continue",
    "def",
    "del",
    "elif",
    "else",
    "except",
    "finally",
    "for",
    "from",
    "global",
    "if",
    "import",
    "in",
    "is",
    "lambda",
    "nonlocal",
    "not",
    "or",
    "pass",
    "raise",
    "return",
    "try",
    "while",
    "with",
    "yield",
    "match",
    "case",
    "type",
    "self",
    "copy",
    "dict",
    "json",
    "schema",
    "schema_json",
    "construct",
    "validate",
    "fields",
    "parse_obj",
    "parse_raw",
    "parse_file",
    "from_orm",
    "update_forward_refs",
    "len",
    "list",
    "set",
    "str",
    "int",
    "bool",
    "any",
    "all",
    "print",
    "object",
    "request",
    "ctx",
    "body",
    "store",
    "firing",
    "key",
    "result",
    "value",
    "kind",
];

/// A spec name as a Python identifier: unchanged unless it is reserved, starts with `_` or
/// `model_`, or holds a character Python does not allow (replaced by `_`).
pub fn ident(name: &str) -> String {
    let mut out: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'n');
    }
    if out.starts_with('_') {
        out.insert(0, 'f');
    }
    if RESERVED.contains(&out.as_str()) || out.starts_with("model_") {
        out.push('_');
    }
    out
}

/// Whether a spec name is kept as is in Python (otherwise an alias maps it).
pub fn ident_is_verbatim(name: &str) -> bool {
    ident(name) == name
}

/// A Python string literal: double-quoted, with backslashes, quotes, line breaks and every
/// other control or line-separator character escaped.
pub fn str_lit(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' || c == '\u{85}' || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text for a `#` comment: one line, control characters replaced by spaces.
pub fn comment_text(s: &str) -> String {
    s.chars().map(|c| if c.is_control() || c == '\u{2028}' || c == '\u{2029}' { ' ' } else { c }).collect()
}

/// The Python class or alias name of a named type applied to arguments.
pub fn type_name(spec: &Spec, id: lp_ir::TypeId, args: &[Ty]) -> String {
    ident(&schema_name(spec, id, args))
}

/// The Python class of a variant of a sum type with payloads.
pub fn variant_class(spec: &Spec, id: lp_ir::TypeId, args: &[Ty], variant: &str) -> String {
    format!("{}_{}", type_name(spec, id, args), variant)
}

/// The Python name of a `Result<A, B>` union and its two classes' prefix.
pub fn result_name(spec: &Spec, ok: &Ty, err: &Ty) -> String {
    ident(&format!("Result_{}_{}", ty_tag(spec, ok), ty_tag(spec, err)))
}

/// A type as a name fragment (`List_Product`), the OpenAPI document's naming.
pub fn ty_tag(spec: &Spec, ty: &Ty) -> String {
    crate::openapi::ty_name(spec, ty)
}

/// Whether a type (after aliases) is a sum whose variants are all units: a `Literal` of strings.
pub fn is_enum(spec: &Spec, ty: &Ty) -> bool {
    spec.sum_variants(ty).is_some_and(|s| s.variants.iter().all(|v| v.payload.is_none()))
}

/// What the names in an expression refer to, in Python.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    /// The parameters, written by their Python names.
    pub params: &'a [ParamDef],
    /// The machine variables: `Var(i)` is `v["name"]`.
    pub vars: &'a [VarDef],
    /// How `self` is written.
    pub self_name: &'a str,
    /// How `result` is written.
    pub result_name: &'a str,
    /// The module prefix of models (`M.` outside `models.py`, empty inside).
    pub models: &'a str,
    /// The module prefix of spec functions (`F.` outside `fns.py`, empty inside).
    pub fns: &'a str,
}

/// A spec expression as one Python expression (fully parenthesised).
pub fn expr(spec: &Spec, scope: Scope<'_>, e: &Expr) -> String {
    let mut counter = 0;
    let mut out = String::new();
    write_expr(&mut out, spec, scope, e, &mut counter);
    out
}

fn write_args(out: &mut String, spec: &Spec, scope: Scope<'_>, args: &[Expr], counter: &mut u32) {
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_expr(out, spec, scope, a, counter);
    }
}

/// Whether values of `ty` are decimals, whose arithmetic the runtime's exact helpers compute.
pub fn is_decimal(spec: &Spec, ty: &Ty) -> bool {
    matches!(spec.head(ty).as_ref(), Ty::Decimal)
}

/// The runtime's exact helper for a decimal `+`, `-` or `*`.
pub fn decimal_op(op: BinOp) -> Option<&'static str> {
    match op {
        BinOp::Add => Some("_rt.dadd"),
        BinOp::Sub => Some("_rt.dsub"),
        BinOp::Mul => Some("_rt.dmul"),
        _ => None,
    }
}

/// Whether the field `name` of the record type `ty` is optional (`Option<T>`). Its model
/// refuses an explicit `None` (an absent value is an omitted field), so a record literal leaves
/// out a `None` there: literally, or through `_rt.present` when it is only known at run time.
pub fn optional_field(spec: &Spec, ty: &Ty, name: &str) -> bool {
    spec.record_fields(ty)
        .and_then(|(fields, args)| fields.iter().find(|f| f.name == name).map(|f| f.ty.subst(&args)))
        .is_some_and(|t| matches!(t, Ty::Option(_)))
}

pub fn local(id: lp_ir::LocalId) -> String {
    format!("_l{}", id.0)
}

fn write_expr(out: &mut String, spec: &Spec, scope: Scope<'_>, e: &Expr, counter: &mut u32) {
    match &e.kind {
        ExprKind::Int(n) => {
            let _ = write!(out, "({n})");
        }
        // A decimal literal from its text, so it is exact (`_rt.D("0.7")`, never `0.7`).
        ExprKind::Decimal(d) => {
            let _ = write!(out, "_rt.D({})", str_lit(&lp_ir::decimal::decimal_text(*d)));
        }
        ExprKind::Str(s) => out.push_str(&str_lit(s)),
        ExprKind::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
        ExprKind::SelfValue => out.push_str(scope.self_name),
        ExprKind::Result => out.push_str(scope.result_name),
        ExprKind::Param(i) => match scope.params.get(*i as usize) {
            Some(p) => out.push_str(&ident(&p.name)),
            None => out.push_str("None"),
        },
        ExprKind::Var(v) => match scope.vars.get(v.index()) {
            Some(var) => {
                let _ = write!(out, "v[{}]", str_lit(&var.name));
            }
            None => out.push_str("None"),
        },
        ExprKind::Local { id, .. } => out.push_str(&local(*id)),
        ExprKind::Ctor { ctor, args } => write_ctor(out, spec, scope, *ctor, args, &e.ty, counter),
        ExprKind::Call { func, args } => {
            let name = spec.fns.get(func.index()).map_or_else(|| "None".to_string(), |f| ident(&f.name));
            let _ = write!(out, "{}{name}(", scope.fns);
            write_args(out, spec, scope, args, counter);
            out.push(')');
        }
        ExprKind::Builtin { builtin, args } => {
            out.push_str(match builtin {
                Builtin::Len => "len(",
                Builtin::Matches => "_rt.matches(",
                Builtin::Decimal => "_rt.D(",
            });
            write_args(out, spec, scope, args, counter);
            out.push(')');
        }
        ExprKind::Apply { func, arg } => {
            out.push('(');
            write_expr(out, spec, scope, func, counter);
            out.push_str(")(");
            write_expr(out, spec, scope, arg, counter);
            out.push(')');
        }
        ExprKind::Field { base, name, .. } => {
            out.push('(');
            write_expr(out, spec, scope, base, counter);
            let _ = write!(out, ").{}", ident(name));
        }
        ExprKind::Unary { op, operand } => {
            out.push_str(match op {
                UnOp::Not => "(not ",
                UnOp::Neg if is_decimal(spec, &operand.ty) => "_rt.dneg(",
                UnOp::Neg => "(-",
            });
            write_expr(out, spec, scope, operand, counter);
            out.push(')');
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let func = match op {
                BinOp::Div => Some("_rt.ediv"),
                BinOp::Rem => Some("_rt.erem"),
                BinOp::Add | BinOp::Sub | BinOp::Mul if is_decimal(spec, &lhs.ty) => decimal_op(*op),
                _ => None,
            };
            if let Some(func) = func {
                let _ = write!(out, "{func}(");
                write_expr(out, spec, scope, lhs, counter);
                out.push_str(", ");
                write_expr(out, spec, scope, rhs, counter);
                out.push(')');
                return;
            }
            // Division and remainder went to the runtime's Euclidean helpers above, and decimal
            // arithmetic to its exact helpers; the other operators are written as in the spec,
            // but for Python's `or` and `and`.
            let op = match op {
                BinOp::Or => "or",
                BinOp::And => "and",
                other => other.as_str(),
            };
            out.push('(');
            write_expr(out, spec, scope, lhs, counter);
            let _ = write!(out, " {op} ");
            write_expr(out, spec, scope, rhs, counter);
            out.push(')');
        }
        ExprKind::List(items) => {
            out.push('[');
            write_args(out, spec, scope, items, counter);
            out.push(']');
        }
        ExprKind::Record { fields } => {
            let class = super::models::pyty(spec, &spec.expand_alias(&e.ty), scope.models);
            let _ = write!(out, "{class}(");
            let mut first = true;
            for f in fields {
                let optional = optional_field(spec, &e.ty, &f.name);
                if optional && matches!(f.value.kind, ExprKind::Ctor { ctor: Ctor::None, .. }) {
                    continue;
                }
                if !first {
                    out.push_str(", ");
                }
                first = false;
                if optional {
                    let _ = write!(out, "**_rt.present({}, ", str_lit(&ident(&f.name)));
                    write_expr(out, spec, scope, &f.value, counter);
                    out.push(')');
                } else {
                    let _ = write!(out, "{}=", ident(&f.name));
                    write_expr(out, spec, scope, &f.value, counter);
                }
            }
            out.push(')');
        }
        ExprKind::With { base, fields } => {
            // The spec proves the updated record valid, so no validation runs again here.
            out.push('(');
            write_expr(out, spec, scope, base, counter);
            out.push_str(").model_copy(update={");
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{}: ", str_lit(&ident(&f.name)));
                write_expr(out, spec, scope, &f.value, counter);
            }
            out.push_str("})");
        }
        ExprKind::Match { scrutinee, arms } => {
            let s = format!("_s{}", *counter);
            *counter += 1;
            let _ = write!(out, "(lambda {s}: ");
            let mut closing = 0;
            for arm in arms {
                let mut tests = Vec::new();
                let mut binds = Vec::new();
                pattern(spec, &arm.pattern, &s, &mut tests, &mut binds);
                let mut body = String::new();
                if binds.is_empty() {
                    write_expr(&mut body, spec, scope, &arm.body, counter);
                } else {
                    let names: Vec<&str> = binds.iter().map(|(n, _)| n.as_str()).collect();
                    let values: Vec<&str> = binds.iter().map(|(_, v)| v.as_str()).collect();
                    let _ = write!(body, "(lambda {}: ", names.join(", "));
                    write_expr(&mut body, spec, scope, &arm.body, counter);
                    let _ = write!(body, ")({})", values.join(", "));
                }
                if tests.is_empty() {
                    out.push_str(&body);
                    for _ in 0..closing {
                        out.push(')');
                    }
                    let _ = write!(out, ")(");
                    write_expr(out, spec, scope, scrutinee, counter);
                    out.push(')');
                    return;
                }
                let _ = write!(out, "({body} if ({}) else ", tests.join(" and "));
                closing += 1;
            }
            let _ = write!(out, "_rt.no_match({s})");
            for _ in 0..closing {
                out.push(')');
            }
            out.push_str(")(");
            write_expr(out, spec, scope, scrutinee, counter);
            out.push(')');
        }
        // Store expressions stand only in operation bodies, `ensures` and invariants, never in
        // the functions and refinements this module translates.
        ExprKind::Error
        | ExprKind::Exists { .. }
        | ExprKind::Quantified { .. }
        | ExprKind::Count { .. }
        | ExprKind::Fresh => out.push_str("None"),
    }
}

fn write_ctor(out: &mut String, spec: &Spec, scope: Scope<'_>, ctor: Ctor, args: &[Expr], ty: &Ty, counter: &mut u32) {
    match ctor {
        Ctor::Some => match args.first() {
            Some(a) => write_expr(out, spec, scope, a, counter),
            None => out.push_str("None"),
        },
        Ctor::None => out.push_str("None"),
        Ctor::Ok | Ctor::Err => {
            let head = spec.head(ty);
            let (class, field) = match head.as_ref() {
                Ty::Result(a, b) => {
                    let base = result_name(spec, a, b);
                    if ctor == Ctor::Ok { (format!("{base}_Ok"), "value") } else { (format!("{base}_Err"), "error") }
                }
                _ => ("dict".to_string(), "value"),
            };
            let _ = write!(out, "{}{class}({field}=", scope.models);
            match args.first() {
                Some(a) => write_expr(out, spec, scope, a, counter),
                None => out.push_str("None"),
            }
            out.push(')');
        }
        Ctor::Variant { ty: id, index } => {
            let Some(def) = spec.types.get(id.index()) else { return out.push_str("None") };
            let TypeBody::Sum(variants) = &def.body else { return out.push_str("None") };
            let Some(v) = variants.get(index as usize) else { return out.push_str("None") };
            let type_args = match spec.head(ty).as_ref() {
                Ty::Named { args, .. } => args.clone(),
                _ => Vec::new(),
            };
            if variants.iter().all(|v| v.payload.is_none()) {
                out.push_str(&str_lit(&v.name));
                return;
            }
            let _ = write!(out, "{}{}(", scope.models, variant_class(spec, id, &type_args, &v.name));
            for (i, (f, a)) in v.payload.iter().flatten().zip(args).enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{}=", ident(&f.name));
                write_expr(out, spec, scope, a, counter);
            }
            out.push(')');
        }
    }
}

/// The tests and bindings of a pattern matched against the Python expression `subject`.
pub fn pattern(spec: &Spec, p: &Pattern, subject: &str, tests: &mut Vec<String>, binds: &mut Vec<(String, String)>) {
    match &p.kind {
        PatternKind::Wildcard | PatternKind::Error => {}
        PatternKind::Int(n) => tests.push(format!("{subject} == ({n})")),
        PatternKind::Str(s) => tests.push(format!("{subject} == {}", str_lit(s))),
        PatternKind::Bool(b) => tests.push(format!("{subject} is {}", if *b { "True" } else { "False" })),
        PatternKind::Bind { local: id, .. } => binds.push((local(*id), subject.to_string())),
        PatternKind::Ctor { ctor, fields } => match ctor {
            Ctor::Some => {
                tests.push(format!("{subject} is not None"));
                if let Some(f) = fields.first() {
                    pattern(spec, &f.pattern, subject, tests, binds);
                }
            }
            Ctor::None => tests.push(format!("{subject} is None")),
            Ctor::Ok | Ctor::Err => {
                let (kind, field) = if *ctor == Ctor::Ok { ("Ok", "value") } else { ("Err", "error") };
                tests.push(format!("{subject}.kind == {}", str_lit(kind)));
                if let Some(f) = fields.first() {
                    pattern(spec, &f.pattern, &format!("{subject}.{field}"), tests, binds);
                }
            }
            Ctor::Variant { ty, index } => {
                let Some(TypeBody::Sum(variants)) = spec.types.get(ty.index()).map(|d| &d.body) else { return };
                let Some(v) = variants.get(*index as usize) else { return };
                if variants.iter().all(|v| v.payload.is_none()) {
                    tests.push(format!("{subject} == {}", str_lit(&v.name)));
                    return;
                }
                tests.push(format!("getattr({subject}, \"kind\", None) == {}", str_lit(&v.name)));
                let payload = v.payload.as_deref().unwrap_or(&[]);
                for f in fields {
                    if let Some(fd) = payload.get(f.index as usize) {
                        pattern(spec, &f.pattern, &format!("{subject}.{}", ident(&fd.name)), tests, binds);
                    }
                }
            }
        },
    }
}
