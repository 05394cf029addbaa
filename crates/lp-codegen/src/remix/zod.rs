//! The runtime validators (`validators.ts`, zod) with every refinement, and the printer of
//! spec expressions as TypeScript that refinements, guards and actions share.

use super::ts::{ident, jsdoc, line_comment, prop_key, ts_string, ts_type};
use lp_ir::text::{ExprNames, ctor_name, expr_text};
use lp_ir::{
    BinOp, Builtin, Ctor, Expr, ExprKind, FieldDef, FnId, Pattern, PatternKind, Spec, Ty, TypeBody, TypeDef, UnOp,
    VarDef,
};
use std::collections::BTreeSet;
use std::fmt::Write as _;

// ---------------------------------------------------------------- expressions

/// What the names of an expression refer to when it is printed as TypeScript.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    /// The name of the refined value (`self`).
    pub this: &'a str,
    /// Machine variables are read from this object (`v.attempts`).
    pub vars: &'a [VarDef],
}

/// A printed expression, with the declared functions it calls and whether it uses something
/// that has no TypeScript form (external functions).
pub struct Printed {
    pub text: String,
    pub calls: BTreeSet<FnId>,
    pub unsupported: Vec<String>,
}

/// Prints an expression as a TypeScript expression over the runtime helpers `h` and the
/// translated functions `fns`.
pub fn print_expr(spec: &Spec, scope: Scope<'_>, e: &Expr) -> Printed {
    let mut p = Printer { spec, scope, calls: BTreeSet::new(), unsupported: Vec::new(), fresh: 0 };
    let text = p.expr(e);
    Printed { text, calls: p.calls, unsupported: p.unsupported }
}

struct Printer<'a> {
    spec: &'a Spec,
    scope: Scope<'a>,
    calls: BTreeSet<FnId>,
    unsupported: Vec<String>,
    fresh: u32,
}

fn local_name(name: &str, id: u32) -> String {
    format!("{name}_{id}")
}

fn is_unit_sum(spec: &Spec, ty: lp_ir::TypeId) -> bool {
    matches!(spec.types.get(ty.index()).map(|d| &d.body), Some(TypeBody::Sum(vs)) if vs.iter().all(|v| v.payload.is_none()))
}

fn variant_fields(spec: &Spec, ty: lp_ir::TypeId, index: u32) -> Vec<String> {
    match spec.types.get(ty.index()).map(|d| &d.body) {
        Some(TypeBody::Sum(vs)) => vs
            .get(index as usize)
            .and_then(|v| v.payload.as_ref())
            .map(|fs| fs.iter().map(|f| f.name.clone()).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

impl Printer<'_> {
    fn expr(&mut self, e: &Expr) -> String {
        match &e.kind {
            ExprKind::Int(n) => {
                if *n < 0 {
                    format!("({n})")
                } else {
                    n.to_string()
                }
            }
            // A decimal is a JavaScript number here: comparisons with it are monotone, so a
            // valid value is never refused; decimal arithmetic is not exact in binary floating
            // point, so it is left to the service (see `Self::expr`'s `Binary` arm).
            ExprKind::Decimal(d) => {
                let text = lp_ir::decimal::decimal_text(*d);
                if d.is_sign_negative() { format!("({text})") } else { text }
            }
            ExprKind::Str(s) => ts_string(s),
            ExprKind::Bool(b) => b.to_string(),
            ExprKind::SelfValue => self.scope.this.to_string(),
            ExprKind::Result => "result".into(),
            ExprKind::Param(i) => format!("p{i}"),
            ExprKind::Var(v) => {
                let name = self.scope.vars.get(v.index()).map_or("?", |d| d.name.as_str());
                format!("v.{}", prop_key(name))
            }
            ExprKind::Local { id, name } => local_name(name, id.0),
            ExprKind::Ctor { ctor, args } => {
                let args: Vec<String> = args.iter().map(|a| self.expr(a)).collect();
                match ctor {
                    Ctor::None => "null".into(),
                    Ctor::Some => args.first().cloned().unwrap_or_else(|| "null".into()),
                    Ctor::Ok => format!("{{ kind: \"Ok\", value: {} }}", args.first().map_or("null", |s| s.as_str())),
                    Ctor::Err => format!("{{ kind: \"Err\", error: {} }}", args.first().map_or("null", |s| s.as_str())),
                    Ctor::Variant { ty, index } => {
                        let name = ts_string(&ctor_name(self.spec, *ctor, false));
                        if is_unit_sum(self.spec, *ty) {
                            name
                        } else {
                            let mut s = format!("{{ kind: {name}");
                            for (f, a) in variant_fields(self.spec, *ty, *index).iter().zip(&args) {
                                let _ = write!(s, ", {}: {a}", prop_key(f));
                            }
                            s.push_str(" }");
                            s
                        }
                    }
                }
            }
            ExprKind::Call { func, args } => {
                let args: Vec<String> = args.iter().map(|a| self.expr(a)).collect();
                match self.spec.fns.get(func.index()) {
                    Some(def) if def.body.is_some() => {
                        self.calls.insert(*func);
                        format!("fns.{}({})", ident(&def.name), args.join(", "))
                    }
                    Some(def) => {
                        self.unsupported.push(format!("the external function `{}`", def.name));
                        "true".into()
                    }
                    None => {
                        self.unsupported.push("an unknown function".into());
                        "true".into()
                    }
                }
            }
            ExprKind::Builtin { builtin, args } => {
                let args: Vec<String> = args.iter().map(|a| self.expr(a)).collect();
                match builtin {
                    Builtin::Len => format!("h.len({})", args.join(", ")),
                    Builtin::Matches => format!("h.matches({})", args.join(", ")),
                    Builtin::Decimal => format!("({})", args.join(", ")),
                }
            }
            ExprKind::Apply { func, arg } => format!("({})({})", self.expr(func), self.expr(arg)),
            ExprKind::Field { base, name, .. } => format!("{}.{}", self.expr(base), prop_key(name)),
            ExprKind::Unary { op, operand } => match op {
                UnOp::Not => format!("!({})", self.expr(operand)),
                UnOp::Neg => format!("(-({}))", self.expr(operand)),
            },
            ExprKind::Binary { op: op @ (BinOp::Add | BinOp::Sub | BinOp::Mul), lhs, .. }
                if matches!(self.spec.head(&lhs.ty).as_ref(), Ty::Decimal) =>
            {
                self.unsupported.push(format!("decimal `{}` (exact only in the service)", op.as_str()));
                "true".into()
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let (l, r) = (self.expr(lhs), self.expr(rhs));
                match op {
                    BinOp::Or => format!("({l} || {r})"),
                    BinOp::And => format!("({l} && {r})"),
                    BinOp::Eq => format!("h.eq({l}, {r})"),
                    BinOp::Ne => format!("!h.eq({l}, {r})"),
                    BinOp::Lt => format!("({l} < {r})"),
                    BinOp::Le => format!("({l} <= {r})"),
                    BinOp::Gt => format!("({l} > {r})"),
                    BinOp::Ge => format!("({l} >= {r})"),
                    BinOp::Add => format!("({l} + {r})"),
                    BinOp::Sub => format!("({l} - {r})"),
                    BinOp::Mul => format!("({l} * {r})"),
                    BinOp::Div => format!("h.div({l}, {r})"),
                    BinOp::Rem => format!("h.rem({l}, {r})"),
                }
            }
            ExprKind::List(items) => {
                let items: Vec<String> = items.iter().map(|a| self.expr(a)).collect();
                format!("[{}]", items.join(", "))
            }
            ExprKind::Record { fields } => {
                let fields: Vec<String> =
                    fields.iter().map(|f| format!("{}: {}", ts_string(&f.name), self.expr(&f.value))).collect();
                format!("{{ {} }}", fields.join(", "))
            }
            ExprKind::With { base, fields } => {
                let mut parts = vec![format!("...{}", self.expr(base))];
                parts.extend(fields.iter().map(|f| format!("{}: {}", ts_string(&f.name), self.expr(&f.value))));
                format!("{{ {} }}", parts.join(", "))
            }
            ExprKind::Match { scrutinee, arms } => {
                let s = format!("m{}", self.fresh);
                self.fresh += 1;
                let mut out = format!("((): any => {{ const {s}: any = {}; ", self.expr(scrutinee));
                for arm in arms {
                    let mut conds = Vec::new();
                    let mut binds = Vec::new();
                    self.pattern(&arm.pattern, &s, &mut conds, &mut binds);
                    let cond = if conds.is_empty() { "true".to_string() } else { conds.join(" && ") };
                    let _ = write!(out, "if ({cond}) {{ ");
                    for (name, path) in binds {
                        let _ = write!(out, "const {name}: any = {path}; ");
                    }
                    let _ = write!(out, "return {}; }} ", self.expr(&arm.body));
                }
                out.push_str("return h.noMatch(); })()");
                out
            }
            ExprKind::Error => {
                self.unsupported.push("an erroneous expression".into());
                "true".into()
            }
            ExprKind::Exists { .. } | ExprKind::Quantified { .. } | ExprKind::Count { .. } | ExprKind::Fresh => {
                self.unsupported.push("a store expression".into());
                "true".into()
            }
        }
    }

    fn pattern(&mut self, p: &Pattern, path: &str, conds: &mut Vec<String>, binds: &mut Vec<(String, String)>) {
        match &p.kind {
            PatternKind::Wildcard | PatternKind::Error => {}
            PatternKind::Int(n) => conds.push(format!("h.eq({path}, {n})")),
            PatternKind::Str(s) => conds.push(format!("h.eq({path}, {})", ts_string(s))),
            PatternKind::Bool(b) => conds.push(format!("{path} === {b}")),
            PatternKind::Bind { local, name } => binds.push((local_name(name, local.0), path.to_string())),
            PatternKind::Ctor { ctor, fields } => match ctor {
                Ctor::None => conds.push(format!("{path} == null")),
                Ctor::Some => {
                    conds.push(format!("{path} != null"));
                    for f in fields {
                        self.pattern(&f.pattern, path, conds, binds);
                    }
                }
                Ctor::Ok | Ctor::Err => {
                    let (kind, inner) = if matches!(ctor, Ctor::Ok) { ("Ok", "value") } else { ("Err", "error") };
                    conds.push(format!("{path}.kind === \"{kind}\""));
                    for f in fields {
                        self.pattern(&f.pattern, &format!("{path}.{inner}"), conds, binds);
                    }
                }
                Ctor::Variant { ty, index } => {
                    let name = ts_string(&ctor_name(self.spec, *ctor, false));
                    if is_unit_sum(self.spec, *ty) {
                        conds.push(format!("{path} === {name}"));
                    } else {
                        conds.push(format!("{path}.kind === {name}"));
                        let names = variant_fields(self.spec, *ty, *index);
                        for f in fields {
                            let field = names.get(f.index as usize).map_or("?", |s| s.as_str());
                            self.pattern(&f.pattern, &format!("{path}.{}", prop_key(field)), conds, binds);
                        }
                    }
                }
            },
        }
    }
}

// ---------------------------------------------------------------- validators

/// What the validators need beyond their text: the functions their refinements call and the
/// refinements that cannot be checked in the browser.
#[derive(Default)]
pub struct Validators {
    pub text: String,
    pub calls: BTreeSet<FnId>,
    /// `(where, refinement text, why)` for every refinement left to the backend.
    pub unchecked: Vec<(String, String, String)>,
}

struct Ctx<'a> {
    spec: &'a Spec,
    params: &'a [lp_ir::TypeParam],
    out: &'a mut Validators,
}

/// The zod schema of a type in a value position; `prefix` qualifies declared validators.
pub fn zod_type(spec: &Spec, ty: &Ty, params: &[lp_ir::TypeParam], prefix: &str) -> String {
    match ty {
        Ty::Int => "z.int()".into(),
        Ty::Decimal => "z.number()".into(),
        Ty::Bool => "z.boolean()".into(),
        Ty::String | Ty::Machine(_) => "z.string()".into(),
        Ty::Unit => "z.null()".into(),
        Ty::Void => "z.never()".into(),
        Ty::Option(t) => format!("{}.nullable()", zod_type(spec, t, params, prefix)),
        Ty::Result(a, b) => format!(
            "z.discriminatedUnion(\"kind\", [z.object({{ kind: z.literal(\"Ok\"), value: {} }}), z.object({{ kind: z.literal(\"Err\"), error: {} }})])",
            zod_type(spec, a, params, prefix),
            zod_type(spec, b, params, prefix)
        ),
        Ty::List(t) => format!("z.array({})", zod_type(spec, t, params, prefix)),
        Ty::Set(t) => format!(
            "z.array({}).refine(h.unique, {{ message: \"the items of a set are unique\" }})",
            zod_type(spec, t, params, prefix)
        ),
        Ty::Map(k, v) => {
            let value = zod_type(spec, v, params, prefix);
            match spec.head(k).as_ref() {
                Ty::String => format!("z.record(z.string(), {value})"),
                Ty::Int => format!(
                    "z.record(z.string(), {value}).refine((m) => Object.keys(m).every((k) => /^-?[0-9]+$/.test(k) && {}.safeParse(Number(k)).success), {{ message: \"every key is a {}\" }})",
                    zod_type(spec, k, params, prefix),
                    spec.display_ty(k, params)
                ),
                _ => format!(
                    "z.record(z.string(), {value}).refine((m) => Object.keys(m).every((k) => {}.safeParse(k).success), {{ message: \"every key is a {}\" }})",
                    zod_type(spec, k, params, prefix),
                    spec.display_ty(k, params)
                ),
            }
        }
        Ty::Fn(..) | Ty::Error => "z.unknown()".into(),
        Ty::Named { id, args } => {
            let name = spec.types.get(id.index()).map_or("?", |d| d.name.as_str());
            if args.is_empty() {
                format!("{prefix}{name}")
            } else {
                let args: Vec<String> = args.iter().map(|a| zod_type(spec, a, params, prefix)).collect();
                format!("{prefix}{name}({})", args.join(", "))
            }
        }
        Ty::ErrorType(e) => format!("{prefix}{}", spec.errors.get(e.index()).map_or("?", |e| e.name.as_str())),
        Ty::Param(i) => params.get(*i as usize).map_or("z.unknown()".into(), |p| format!("p_{}", p.name)),
    }
}

impl Ctx<'_> {
    /// `.refine(...)` for a refinement, or a comment when it cannot be checked here.
    fn refine(&mut self, owner: &str, r: Option<&Expr>, inline: bool) -> String {
        let Some(r) = r else { return String::new() };
        let text = expr_text(self.spec, ExprNames::default(), r);
        let printed = print_expr(self.spec, Scope { this: "self", vars: &[] }, r);
        self.out.calls.extend(printed.calls.iter().copied());
        if !printed.unsupported.is_empty() {
            let why = printed.unsupported.join(", ");
            self.out.unchecked.push((owner.to_string(), text, why));
            return String::new();
        }
        let sep = if inline { "" } else { "\n    " };
        format!(
            "{sep}.refine((self: any) => {}, {{ message: {} }})",
            printed.text,
            ts_string(&format!("{owner}: {text}"))
        )
    }

    fn object(&mut self, owner: &str, fields: &[FieldDef], kind: Option<&str>, strict: bool) -> String {
        let mut out = format!("z.{}({{\n", if strict { "strictObject" } else { "object" });
        if let Some(k) = kind {
            let _ = writeln!(out, "    kind: z.literal({}),", ts_string(k));
        }
        for f in fields {
            let (base, optional) = match &f.ty {
                Ty::Option(t) => (t.as_ref(), true),
                t => (t, false),
            };
            let refine = self.refine(&format!("{owner}.{}", f.name), f.refinement.as_ref(), true);
            let mut schema = format!("{}{refine}", zod_type(self.spec, base, self.params, ""));
            if optional {
                // Absent or `null`: the same, no value.
                schema.push_str(".nullish()");
            }
            let _ = writeln!(out, "    {}: {schema},", prop_key(&f.name));
        }
        out.push_str("  })");
        out
    }

    fn type_def(&mut self, index: usize, def: &TypeDef) -> String {
        let owner = def.name.as_str();
        let body = match &def.body {
            TypeBody::Record(fields) => self.object(owner, fields, None, true),
            TypeBody::Sum(variants) if variants.iter().all(|v| v.payload.is_none()) => {
                let names: Vec<String> = variants.iter().map(|v| ts_string(&v.name)).collect();
                format!("z.enum([{}])", names.join(", "))
            }
            TypeBody::Sum(variants) => {
                let mut s = String::from("z.discriminatedUnion(\"kind\", [\n");
                for v in variants {
                    let obj = self.object(owner, v.payload.as_deref().unwrap_or(&[]), Some(&v.name), true);
                    s.push_str("    ");
                    s.push_str(&obj.replace('\n', "\n  "));
                    s.push_str(",\n");
                }
                s.push_str("  ])");
                s
            }
            TypeBody::Alias(t) => zod_type(self.spec, t, self.params, ""),
        };
        let refine = self.refine(owner, def.refinement.as_ref(), false);
        let ty_params = if def.params.is_empty() {
            String::new()
        } else {
            format!("<{}>", def.params.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "))
        };
        let ts = ts_type(
            self.spec,
            &Ty::Named { id: lp_ir::TypeId(index as u32), args: (0..def.params.len() as u32).map(Ty::Param).collect() },
            "types.",
            &def.params,
        );
        let mut out = jsdoc(&def.docs, "");
        if def.params.is_empty() {
            let _ = writeln!(out, "export const {owner}: z.ZodType<{ts}> = z.lazy(() =>\n  {body}{refine},\n);");
        } else {
            let args: Vec<String> = def.params.iter().map(|p| format!("p_{0}: z.ZodType<{0}>", p.name)).collect();
            let _ = writeln!(
                out,
                "export function {owner}{ty_params}({}): z.ZodType<{ts}> {{\n  return z.lazy(() =>\n    {}{},\n  );\n}}",
                args.join(", "),
                body.replace('\n', "\n  "),
                refine.replace('\n', "\n  ")
            );
        }
        out
    }
}

/// `app/api/validators.ts`: a zod schema per type (a function of the parameters' schemas for
/// a generic type) and per error, typed against `types.ts`, with every refinement.
pub fn validators_ts(spec: &Spec) -> Validators {
    let mut v = Validators::default();
    let mut body = String::new();
    for (i, def) in spec.types.iter().enumerate() {
        let mut ctx = Ctx { spec, params: &def.params, out: &mut v };
        body.push('\n');
        body.push_str(&ctx.type_def(i, def));
    }
    for e in &spec.errors {
        let mut ctx = Ctx { spec, params: &[], out: &mut v };
        let obj = ctx.object(&e.name, &e.fields, None, false);
        let obj = obj.replacen("z.object({\n", "z.object({\n    ...problemFields,\n", 1);
        body.push('\n');
        body.push_str(&jsdoc(&e.docs, ""));
        let _ = writeln!(body, "export const {0}: z.ZodType<types.{0}> = z.lazy(() =>\n  {obj},\n);", e.name);
    }
    let mut out = String::from(
        "// Generated by leanos-prove; do not edit.\n// Runtime validators: a zod schema for every type and error of the spec, with every refinement.\n// Each is typed against app/api/types.ts, so tsc proves the two agree.\n\nimport { z } from \"zod\";\nimport * as h from \"../lib/runtime\";\nimport type * as types from \"./types\";\n",
    );
    if !v.calls.is_empty() {
        out.push_str("import * as fns from \"./functions\";\n");
    }
    out.push_str(
        "\nconst problemFields = {\n  type: z.string(),\n  title: z.string(),\n  status: z.int(),\n  detail: z.string().optional(),\n  instance: z.string().optional(),\n};\n\n/** RFC 9457 problem details. */\nexport const ProblemDetails: z.ZodType<types.ProblemDetails> = z.object(problemFields);\n",
    );
    out.push_str(&body);
    out.push_str("\n/** Refinements that cannot be checked in the browser; the backend checks them. */\n");
    out.push_str("export const UNCHECKED_REFINEMENTS: readonly string[] = [");
    if v.unchecked.is_empty() {
        out.push_str("];\n");
    } else {
        out.push('\n');
        for (owner, text, why) in &v.unchecked {
            let _ = writeln!(out, "  {},", ts_string(&format!("{owner}: {text} (uses {why})")));
        }
        out.push_str("];\n");
    }
    v.text = out;
    v
}

/// `app/api/functions.ts`: the declared functions that refinements and guards call, with
/// their bodies translated (and the functions those call), or `None` when none is called.
pub fn functions_ts(spec: &Spec, roots: &BTreeSet<FnId>) -> Option<(String, BTreeSet<FnId>)> {
    if roots.is_empty() {
        return None;
    }
    let mut done = BTreeSet::new();
    let mut todo: Vec<FnId> = roots.iter().copied().collect();
    let mut texts = std::collections::BTreeMap::new();
    while let Some(id) = todo.pop() {
        if !done.insert(id) {
            continue;
        }
        let Some(def) = spec.fns.get(id.index()) else { continue };
        let Some(body) = &def.body else { continue };
        let printed = print_expr(spec, Scope { this: "self", vars: &[] }, body);
        todo.extend(printed.calls.iter().copied());
        let params: Vec<String> = def
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| format!("p{i}: {}", ts_type(spec, &p.ty, "types.", &[])))
            .collect();
        let mut t = jsdoc(&def.docs, "");
        let _ = writeln!(
            t,
            "// {}",
            line_comment(&expr_text(spec, ExprNames { params: &def.params, ..Default::default() }, body))
        );
        let _ = writeln!(
            t,
            "export function {}({}): {} {{\n  return {};\n}}",
            ident(&def.name),
            params.join(", "),
            ts_type(spec, &def.result, "types.", &[]),
            printed.text
        );
        texts.insert(id, t);
    }
    let mut out = String::from(
        "// Generated by leanos-prove; do not edit.\n// The spec's functions that refinements call, translated from their bodies.\n\nimport * as h from \"../lib/runtime\";\nimport type * as types from \"./types\";\n",
    );
    for t in texts.values() {
        out.push('\n');
        out.push_str(t);
    }
    let names: Vec<String> = texts.keys().filter_map(|id| spec.fns.get(id.index())).map(|d| ident(&d.name)).collect();
    let _ = writeln!(
        out,
        "\n/** The functions by name, as the translated bodies call them. */\nconst fns = {{ {} }};",
        names.join(", ")
    );
    Some((out, done))
}
