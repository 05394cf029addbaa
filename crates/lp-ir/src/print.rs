//! The canonical text form of the IR, for `leanos-prove ir` and snapshot tests.
//!
//! The output depends only on the resolved spec, never on spans or layout, so formatting a
//! file does not change it. Items are printed by kind (types, errors, functions, machines,
//! services, standards, deploys, migrations, allows), each kind in declaration order.
//! Variants are qualified (`Platform::Shopify`), flow steps say what they call
//! (`fn normalize`, `op catalog.upsert`), and binary expressions carry only the
//! parentheses precedence needs.

use crate::expr::{BinOp, Expr, UnOp};
use crate::spec::{
    Callable, Docs, FieldDef, Machine, ParamDef, PathSeg, SettingValue, SettingValueKind, Spec, TypeBody, TypeParam,
    Variance,
};
use crate::text::{ExprNames, string_literal};
use crate::ty::Ty;
use lp_syntax::ast;
use std::fmt::Write as _;

/// What names the parameters, variables and type parameters an expression refers to.
#[derive(Clone, Copy)]
struct Cx<'s> {
    params: &'s [ParamDef],
    machine: Option<&'s Machine>,
    type_params: &'s [TypeParam],
}

impl<'s> Cx<'s> {
    const EMPTY: Cx<'static> = Cx { params: &[], machine: None, type_params: &[] };
}

/// Prints a spec in its canonical, resolved form.
pub fn print(spec: &Spec) -> String {
    let mut p = Printer { spec, out: String::new() };
    p.spec();
    p.out
}

struct Printer<'s> {
    spec: &'s Spec,
    out: String,
}

/// Precedence of postfix `.field` and of atoms.
const POSTFIX: u8 = 7;
const UNARY: u8 = 6;

impl<'s> Printer<'s> {
    fn spec(&mut self) {
        let spec = self.spec;
        match (&spec.name, &spec.version) {
            (Some(name), Some(version)) => {
                let _ = writeln!(self.out, "spec {name} version {version}");
            }
            _ => self.out.push_str("spec (unnamed)\n"),
        }
        for (i, _) in spec.types.iter().enumerate() {
            self.out.push('\n');
            self.type_def(i);
        }
        for e in &spec.errors {
            self.out.push('\n');
            self.docs(&e.docs, "");
            let _ = write!(self.out, "error {} = {}", e.name, e.status);
            if !e.fields.is_empty() {
                self.out.push_str(" {\n");
                self.fields_block(&e.fields, Cx::EMPTY, "  ");
                self.out.push('}');
            }
            self.out.push('\n');
        }
        for f in &spec.fns {
            self.out.push('\n');
            self.docs(&f.docs, "");
            let cx = Cx { params: &f.params, machine: None, type_params: &[] };
            let _ = write!(self.out, "fn {}(", f.name);
            self.params(&f.params, cx);
            self.out.push_str(") -> ");
            self.ty(&f.result, cx);
            self.out.push('\n');
            for r in &f.requires {
                self.out.push_str("  requires ");
                self.expr(r, cx, 0);
                self.out.push('\n');
            }
            for e in &f.ensures {
                self.out.push_str("  ensures ");
                self.expr(e, cx, 0);
                self.out.push('\n');
            }
            if let Some(body) = &f.body {
                self.out.push_str("  = ");
                self.expr(body, cx, 0);
                self.out.push('\n');
            }
        }
        for m in &spec.machines {
            self.out.push('\n');
            self.machine(m);
        }
        for e in &spec.entities {
            self.out.push('\n');
            let keys: Vec<&str> = match &spec.types[e.ty.index()].body {
                crate::spec::TypeBody::Record(fields) => {
                    e.key.iter().map(|&i| fields.get(i as usize).map_or("?", |f| f.name.as_str())).collect()
                }
                _ => Vec::new(),
            };
            let _ = write!(
                self.out,
                "entity {} key ({}) = type {}",
                e.name,
                keys.join(", "),
                spec.types[e.ty.index()].name
            );
            if let Some(m) = e.lifecycle {
                let _ = write!(self.out, " lifecycle {}", spec.machines[m.index()].name);
            }
            self.out.push('\n');
        }
        for inv in &spec.invariants {
            self.out.push('\n');
            self.docs(&inv.docs, "");
            let _ = write!(self.out, "invariant {}: ", inv.name);
            self.expr(&inv.expr, Cx::EMPTY, 0);
            self.out.push('\n');
        }
        for (i, _) in spec.services.iter().enumerate() {
            self.out.push('\n');
            self.service(i);
        }
        if !spec.standards.blocks.is_empty() {
            self.out.push('\n');
            self.out.push_str("standards {\n");
            for s in &spec.standards.settings {
                let _ = write!(self.out, "  {} = ", s.key.as_str());
                self.setting_value(&s.value);
                if !s.except.is_empty() {
                    self.out.push_str(" except [");
                    for (i, x) in s.except.iter().enumerate() {
                        if i > 0 {
                            self.out.push_str(", ");
                        }
                        self.out.push_str(&x.name);
                        let ops: Vec<String> = x
                            .ops
                            .iter()
                            .map(|r| {
                                let service = &spec.services[r.service.index()];
                                format!("{}.{}", service.name, service.ops[r.op.index()].name)
                            })
                            .collect();
                        if ops.is_empty() {
                            self.out.push_str(" (no operation)");
                        } else {
                            let _ = write!(self.out, " ({})", ops.join(", "));
                        }
                    }
                    self.out.push(']');
                }
                self.out.push('\n');
            }
            self.out.push_str("}\n");
        }
        for d in &spec.deploys {
            self.out.push('\n');
            self.docs(&d.docs, "");
            let _ = writeln!(self.out, "deploy {} {{", spec.services[d.service.index()].name);
            for s in &d.settings {
                let _ = write!(self.out, "  {} = ", s.key.as_str());
                self.setting_value(&s.value);
                self.out.push('\n');
            }
            self.out.push_str("}\n");
        }
        for m in &spec.migrations {
            self.out.push('\n');
            self.docs(&m.docs, "");
            self.out.push_str("migrate from ");
            string_literal(&mut self.out, &m.from);
            if m.reversible {
                self.out.push_str(" reversible");
            }
            self.out.push_str(" {\n");
            for r in &m.rules {
                self.out.push_str("  ");
                if r.back {
                    self.out.push_str("back ");
                }
                let _ = write!(self.out, "{}.{} <- ", r.ty, r.field);
                ast_expr(&mut self.out, &r.value, 0);
                self.out.push('\n');
            }
            self.out.push_str("}\n");
        }
        for a in &spec.allows {
            self.out.push('\n');
            self.docs(&a.docs, "");
            let _ = write!(self.out, "allow {} on {} because ", a.rule, a.target.join("."));
            string_literal(&mut self.out, &a.reason);
            self.out.push('\n');
        }
    }

    fn docs(&mut self, docs: &Docs, indent: &str) {
        for line in docs {
            let line = line.trim();
            self.out.push_str(indent);
            self.out.push_str("///");
            if !line.is_empty() {
                self.out.push(' ');
                self.out.push_str(line);
            }
            self.out.push('\n');
        }
    }

    fn ty(&mut self, ty: &Ty, cx: Cx<'_>) {
        self.spec.write_ty(&mut self.out, ty, cx.type_params);
    }

    fn params(&mut self, params: &[ParamDef], cx: Cx<'_>) {
        for (i, p) in params.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            if p.body {
                self.out.push_str("body ");
            }
            let _ = write!(self.out, "{}: ", p.name);
            self.ty(&p.ty, cx);
        }
    }

    fn type_def(&mut self, index: usize) {
        let def = &self.spec.types[index];
        let cx = Cx { params: &[], machine: None, type_params: &def.params };
        self.docs(&def.docs, "");
        let _ = write!(self.out, "type {}", def.name);
        if !def.params.is_empty() {
            self.out.push('<');
            for (i, p) in def.params.iter().enumerate() {
                if i > 0 {
                    self.out.push_str(", ");
                }
                match p.variance {
                    Variance::Covariant => self.out.push('+'),
                    Variance::Contravariant => self.out.push('-'),
                    Variance::Invariant => {}
                }
                self.out.push_str(&p.name);
            }
            self.out.push('>');
        }
        self.out.push_str(" =");
        match &def.body {
            TypeBody::Alias(t) => {
                self.out.push(' ');
                self.ty(t, cx);
                self.out.push('\n');
            }
            TypeBody::Record(fields) => {
                if fields.is_empty() {
                    self.out.push_str(" {}\n");
                } else {
                    self.out.push_str(" {\n");
                    self.fields_block(fields, cx, "  ");
                    self.out.push_str("}\n");
                }
            }
            TypeBody::Sum(variants) => {
                self.out.push('\n');
                for v in variants {
                    self.docs(&v.docs, "  ");
                    let _ = write!(self.out, "  | {}", v.name);
                    if let Some(fields) = &v.payload {
                        if fields.iter().any(|f| !f.docs.is_empty()) {
                            self.out.push_str(" {\n");
                            self.fields_block(fields, cx, "      ");
                            self.out.push_str("    }");
                        } else {
                            self.out.push_str(" {");
                            for (i, f) in fields.iter().enumerate() {
                                self.out.push_str(if i > 0 { ", " } else { " " });
                                self.field(f, cx);
                            }
                            self.out.push_str(if fields.is_empty() { "}" } else { " }" });
                        }
                    }
                    self.out.push('\n');
                }
            }
        }
        if let Some(r) = &def.refinement {
            self.out.push_str("  where ");
            self.expr(r, cx, 0);
            self.out.push('\n');
        }
    }

    fn fields_block(&mut self, fields: &[FieldDef], cx: Cx<'_>, indent: &str) {
        for f in fields {
            self.docs(&f.docs, indent);
            self.out.push_str(indent);
            self.field(f, cx);
            self.out.push_str(",\n");
        }
    }

    fn field(&mut self, f: &FieldDef, cx: Cx<'_>) {
        let _ = write!(self.out, "{}: ", f.name);
        self.ty(&f.ty, cx);
        if let Some(r) = &f.refinement {
            self.out.push_str(" where ");
            self.expr(r, cx, 0);
        }
    }

    fn machine(&mut self, m: &Machine) {
        let cx = Cx { params: &[], machine: Some(m), type_params: &[] };
        self.docs(&m.docs, "");
        let _ = writeln!(self.out, "machine {} {{", m.name);
        for v in &m.vars {
            self.docs(&v.docs, "  ");
            let _ = write!(self.out, "  var {}: ", v.name);
            self.ty(&v.ty, cx);
            self.out.push_str(" = ");
            self.expr(&v.init, cx, 0);
            self.out.push('\n');
        }
        for i in &m.invariants {
            self.out.push_str("  invariant ");
            self.expr(i, cx, 0);
            self.out.push('\n');
        }
        for (i, s) in m.states.iter().enumerate() {
            self.docs(&s.docs, "  ");
            let _ = write!(self.out, "  state {}", s.name);
            if m.initial.map(|x| x.index()) == Some(i) {
                self.out.push_str(" initial");
            }
            if m.finals.iter().any(|f| f.index() == i) {
                self.out.push_str(" final");
            }
            self.out.push('\n');
        }
        for e in &m.events {
            let _ = writeln!(self.out, "  event {}", e.name);
        }
        for t in &m.transitions {
            self.docs(&t.docs, "  ");
            let _ = write!(
                self.out,
                "  {} -> {} on {}",
                m.states[t.from.index()].name,
                m.states[t.to.index()].name,
                m.events[t.event.index()].name
            );
            if let Some(g) = &t.guard {
                self.out.push_str(" when ");
                self.expr(g, cx, 0);
            }
            for (i, a) in t.actions.iter().enumerate() {
                self.out.push_str(if i == 0 { " do " } else { ", " });
                let _ = write!(self.out, "{} = ", m.vars[a.var.index()].name);
                self.expr(&a.value, cx, 0);
            }
            self.out.push('\n');
        }
        for i in &m.ignored {
            let _ =
                writeln!(self.out, "  ignore {} in {}", m.events[i.event.index()].name, m.states[i.state.index()].name);
        }
        self.out.push_str("}\n");
    }

    fn service(&mut self, index: usize) {
        let spec = self.spec;
        let s = &spec.services[index];
        self.docs(&s.docs, "");
        let _ = writeln!(self.out, "service {} {{", s.name);
        if !s.depends.is_empty() {
            let names: Vec<&str> = s.depends.iter().map(|d| spec.services[d.service.index()].name.as_str()).collect();
            let _ = writeln!(self.out, "  depends on {}", names.join(", "));
        }
        for op in &s.ops {
            let cx = Cx { params: &op.params, machine: None, type_params: &[] };
            self.docs(&op.docs, "  ");
            let _ = write!(self.out, "  op {}(", op.name);
            self.params(&op.params, cx);
            self.out.push_str(") -> ");
            self.ty(&op.result, cx);
            if !op.errors.is_empty() {
                let names: Vec<&str> = op.errors.iter().map(|e| spec.errors[e.error.index()].name.as_str()).collect();
                let _ = write!(self.out, " ! {}", names.join(" | "));
            }
            self.out.push('\n');
            if let Some(http) = &op.http {
                let _ = write!(self.out, "    {} ", http.method.as_str());
                if http.segments.is_empty() {
                    self.out.push('/');
                }
                for seg in &http.segments {
                    self.out.push('/');
                    match seg {
                        PathSeg::Literal(text) => self.out.push_str(text),
                        PathSeg::Param { names, suffix, .. } => {
                            let _ = write!(self.out, "{{{}}}{suffix}", names.join("."));
                        }
                    }
                }
                self.out.push('\n');
            }
            if let Some(f) = &op.fires {
                let m = &spec.machines[f.machine.index()];
                let _ = writeln!(self.out, "    fires {}.{}", m.name, m.events[f.event.index()].name);
            }
            for e in &op.ensures {
                self.out.push_str("    ensures ");
                self.expr(e, cx, 0);
                self.out.push('\n');
            }
            if let Some(body) = &op.body {
                self.out.push_str("    = ");
                let names = ExprNames { params: cx.params, vars: &[], qualify_variants: true };
                crate::text::write_block(&mut self.out, spec, names, body, "    ");
                self.out.push('\n');
            }
        }
        for flow in &s.flows {
            self.docs(&flow.docs, "  ");
            let _ = write!(self.out, "  flow {} =", flow.name);
            for (i, step) in flow.steps.iter().enumerate() {
                if i > 0 {
                    self.out.push_str(" >=>");
                }
                match step.target {
                    Callable::Fn(f) => {
                        let _ = write!(self.out, " fn {}", spec.fns[f.index()].name);
                    }
                    Callable::Op(r) => {
                        let service = &spec.services[r.service.index()];
                        let _ = write!(self.out, " op {}.{}", service.name, service.ops[r.op.index()].name);
                    }
                }
            }
            self.out.push('\n');
        }
        self.out.push_str("}\n");
    }

    fn setting_value(&mut self, value: &SettingValue) {
        match &value.kind {
            SettingValueKind::Int(n) => {
                let _ = write!(self.out, "{n}");
            }
            SettingValueKind::Str(s) => string_literal(&mut self.out, s),
            SettingValueKind::Bool(b) => {
                let _ = write!(self.out, "{b}");
            }
            SettingValueKind::Ident { name, args } => {
                self.out.push_str(&name.text);
                if let Some(args) = args {
                    self.out.push('(');
                    for (i, (n, v)) in args.iter().enumerate() {
                        if i > 0 {
                            self.out.push_str(", ");
                        }
                        let _ = write!(self.out, "{} = ", n.text);
                        self.setting_value(v);
                    }
                    self.out.push(')');
                }
            }
            SettingValueKind::List(items) => {
                self.out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.setting_value(v);
                }
                self.out.push(']');
            }
        }
    }

    // ------------------------------------------------------------ expressions

    fn expr(&mut self, e: &Expr, cx: Cx<'_>, min: u8) {
        let names =
            ExprNames { params: cx.params, vars: cx.machine.map_or(&[][..], |m| &m.vars[..]), qualify_variants: true };
        crate::text::write_expr(&mut self.out, self.spec, names, e, min);
    }
}

fn is_comparison(op: BinOp) -> bool {
    op.precedence() == BinOp::Eq.precedence()
}

/// Writes an unresolved expression (a migration rule's value) with the same conventions.
fn ast_expr(out: &mut String, e: &ast::Expr, min: u8) {
    match &e.kind {
        ast::ExprKind::Int(n) => {
            let _ = write!(out, "{n}");
        }
        ast::ExprKind::Decimal(d) => out.push_str(&lp_syntax::format::decimal_text(*d)),
        ast::ExprKind::Str(s) => string_literal(out, s),
        ast::ExprKind::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        ast::ExprKind::Name(n) => out.push_str(&n.text),
        ast::ExprKind::Call { callee, args } => {
            out.push_str(&callee.text);
            out.push('(');
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                ast_expr(out, a, 0);
            }
            out.push(')');
        }
        ast::ExprKind::Field { base, field } => {
            ast_expr(out, base, POSTFIX);
            out.push('.');
            out.push_str(&field.text);
        }
        ast::ExprKind::Unary { op, operand } => {
            let open = min > UNARY;
            if open {
                out.push('(');
            }
            out.push(match op {
                UnOp::Not => '!',
                UnOp::Neg => '-',
            });
            ast_expr(out, operand, UNARY);
            if open {
                out.push(')');
            }
        }
        ast::ExprKind::Binary { op, lhs, rhs } => {
            let p = op.precedence();
            let open = p < min;
            if open {
                out.push('(');
            }
            ast_expr(out, lhs, if is_comparison(*op) { p + 1 } else { p });
            let _ = write!(out, " {} ", op.as_str());
            ast_expr(out, rhs, p + 1);
            if open {
                out.push(')');
            }
        }
        ast::ExprKind::List(items) => {
            out.push('[');
            for (i, a) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                ast_expr(out, a, 0);
            }
            out.push(']');
        }
        ast::ExprKind::Match { scrutinee, arms } => {
            out.push_str("match ");
            ast_expr(out, scrutinee, 0);
            out.push_str(" {");
            for (i, arm) in arms.iter().enumerate() {
                out.push_str(if i > 0 { ", " } else { " " });
                ast_pattern(out, &arm.pattern);
                out.push_str(" => ");
                ast_expr(out, &arm.body, 0);
            }
            out.push_str(" }");
        }
        ast::ExprKind::Paren(inner) => ast_expr(out, inner, min),
        ast::ExprKind::Record { name, fields } => {
            if let Some(n) = name {
                out.push_str(&n.text);
                out.push(' ');
            }
            ast_fields(out, fields);
        }
        ast::ExprKind::With { base, fields } => {
            ast_expr(out, base, POSTFIX);
            out.push_str(" with ");
            ast_fields(out, fields);
        }
        ast::ExprKind::Exists { entity, key } => {
            let _ = write!(out, "exists {}[", entity.text);
            for (i, k) in key.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                ast_expr(out, k, 0);
            }
            out.push(']');
        }
        ast::ExprKind::Quantified { forall, var, entity, body } => {
            let open = min > 0;
            if open {
                out.push('(');
            }
            let kw = if *forall { "forall" } else { "exists" };
            let _ = write!(out, "{kw} {}: {}. ", var.text, entity.text);
            ast_expr(out, body, 0);
            if open {
                out.push(')');
            }
        }
        ast::ExprKind::Count { var, entity, filter } => {
            let _ = write!(out, "count({}: {}", var.text, entity.text);
            if let Some(f) = filter {
                out.push_str(" where ");
                ast_expr(out, f, 0);
            }
            out.push(')');
        }
        ast::ExprKind::Invalid => out.push_str("{error}"),
    }
}

/// Writes `{ a: 1, b }` (or `{}`).
fn ast_fields(out: &mut String, fields: &[ast::FieldInit]) {
    if fields.is_empty() {
        out.push_str("{}");
        return;
    }
    for (i, f) in fields.iter().enumerate() {
        out.push_str(if i > 0 { ", " } else { "{ " });
        out.push_str(&f.name.text);
        if let Some(v) = &f.value {
            out.push_str(": ");
            ast_expr(out, v, 0);
        }
    }
    out.push_str(" }");
}

fn ast_pattern(out: &mut String, p: &ast::Pattern) {
    match &p.kind {
        ast::PatternKind::Wildcard => out.push('_'),
        ast::PatternKind::Int(n) => {
            let _ = write!(out, "{n}");
        }
        ast::PatternKind::Str(s) => string_literal(out, s),
        ast::PatternKind::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        ast::PatternKind::Binding(n) => out.push_str(&n.text),
        ast::PatternKind::Variant { name, payload } => {
            out.push_str(&name.text);
            match payload {
                ast::VariantPatternPayload::None => {}
                ast::VariantPatternPayload::Tuple(inner) => {
                    out.push('(');
                    ast_pattern(out, inner);
                    out.push(')');
                }
                ast::VariantPatternPayload::Record(fields) => {
                    out.push_str(" {");
                    for (i, f) in fields.iter().enumerate() {
                        out.push_str(if i > 0 { ", " } else { " " });
                        out.push_str(&f.name.text);
                        if let Some(sub) = &f.pattern {
                            out.push_str(": ");
                            ast_pattern(out, sub);
                        }
                    }
                    out.push_str(" }");
                }
            }
        }
    }
}
