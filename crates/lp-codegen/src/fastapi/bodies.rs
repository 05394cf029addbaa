//! `app/bodies.py`: every operation body compiled to a Python function over one database
//! transaction (`_rt.Tx`), with the semantics of the reference interpreter (`lp-interp`):
//! lookups, `put`, `delete`, `create` (with `fresh` keys and the `else` on a taken key),
//! `exists`, `count` and quantifiers over entities, `require … else`, `fire` on an instance's
//! lifecycle, calls of external functions (the hand-written seam, contracts monitored) and of
//! other services' operations (HTTP, with a timeout).
//!
//! Statements and the expressions that touch the store are built as Python syntax trees
//! ([`super::pyast`]); pure sub-expressions are printed by the spec-expression printer
//! ([`super::py::expr`]), which the functions, guards and refinements use too.

use super::models::pyty;
use super::py::{self, Scope, ident};
use super::pyast::{BinOp as PB, Expr as P, Stmt as S, print};
use super::service::{Adapters, op_info};
use crate::openapi::{doc_text, route};
use lp_ir::body::{Block, Raise, StmtKind, Term, TermKind};
use lp_ir::expr::walk;
use lp_ir::{BinOp, Builtin, Ctor, EntityId, Expr, ExprKind, LocalId, OpRef, ServiceId, Spec, Ty, UnOp};
use std::fmt::Write as _;

/// The entities the bodies of a service use (read or write), in declaration order, with the
/// entity each operation's result is, when it is one.
pub fn entities_of(spec: &Spec, sid: ServiceId) -> Vec<EntityId> {
    let mut used = vec![false; spec.entities.len()];
    let Some(svc) = spec.services.get(sid.index()) else { return Vec::new() };
    for op in &svc.ops {
        let Some(body) = &op.body else { continue };
        let fx = lp_ir::effects::of_body(body);
        for e in fx.reads.iter().chain(fx.written().iter()) {
            if let Some(u) = used.get_mut(e.index()) {
                *u = true;
            }
        }
        if let Some(e) = result_entity(spec, &op.result)
            && let Some(u) = used.get_mut(e.index())
        {
            *u = true;
        }
    }
    (0..spec.entities.len()).filter(|i| used[*i]).map(|i| EntityId(i as u32)).collect()
}

/// What an operation's compiled body answers besides its declared errors while a seam of the
/// deployment is open: 501 when it reaches an external function (no implementation until
/// `LEANOS_LOGIC` gives one), 503 when it calls another service (its `{SERVICE}_URL` unset, or
/// the service unreachable). Empty for an operation without a body.
pub fn seam_statuses(spec: &Spec, op: &lp_ir::Op) -> Vec<u16> {
    let Some(body) = &op.body else { return Vec::new() };
    let mut out = Vec::new();
    if !crate::openapi::externals_reached(spec, body).is_empty() {
        out.push(501);
    }
    if !lp_ir::effects::of_body(body).calls.is_empty() {
        out.push(503);
    }
    out
}

/// The entity whose record type `ty` is.
pub fn result_entity(spec: &Spec, ty: &Ty) -> Option<EntityId> {
    let head = spec.head(ty);
    let Ty::Named { id, args } = head.as_ref() else { return None };
    if !args.is_empty() {
        return None;
    }
    spec.entities.iter().position(|e| e.ty == *id).map(|i| EntityId(i as u32))
}

/// The table of an entity.
pub fn table_name(spec: &Spec, e: EntityId) -> String {
    let name = spec.entities.get(e.index()).map_or("entity", |d| d.name.as_str());
    let clean: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    format!("lp_entity_{clean}")
}

/// The Python name of an operation's compiled body.
pub fn body_fn(op: &lp_ir::Op) -> String {
    format!("op_{}", ident(&op.name))
}

/// The expression naming an entity's definition in `app/bodies.py`.
fn ent(spec: &Spec, e: EntityId) -> P {
    let name = spec.entities.get(e.index()).map_or("?", |d| d.name.as_str());
    P::Subscript(Box::new(P::name("ENTITIES")), Box::new(P::Str(name.to_string())))
}

struct Compiler<'s> {
    spec: &'s Spec,
    op: &'s lp_ir::Op,
    adapters: &'s mut Adapters,
    temp: u32,
}

enum Dest {
    Return,
    Assign(String),
    Discard,
}

impl<'s> Compiler<'s> {
    fn scope(&self) -> Scope<'s> {
        Scope {
            params: &self.op.params,
            vars: &[],
            self_name: "_self",
            result_name: "result_",
            models: "M.",
            fns: "F.",
        }
    }

    fn temp(&mut self, prefix: &str) -> String {
        self.temp += 1;
        format!("_{prefix}{}", self.temp)
    }

    fn emit(dest: &Dest, e: P, out: &mut Vec<S>) {
        match dest {
            Dest::Return => out.push(S::Return(Some(e))),
            Dest::Assign(v) => out.push(S::Assign(v.clone(), e)),
            Dest::Discard => out.push(S::Expr(e)),
        }
    }

    fn adapter(&mut self, ty: &Ty) -> P {
        P::Name(self.adapters.get(&pyty(self.spec, ty, "M.")))
    }

    // ------------------------------------------------------------ expressions

    fn expr(&mut self, e: &Expr) -> P {
        if !e.uses_store() {
            return P::Raw(py::expr(self.spec, self.scope(), e));
        }
        let spec = self.spec;
        match &e.kind {
            ExprKind::Exists { entity, key } => {
                let key = P::List(key.iter().map(|k| self.expr(k)).collect());
                P::name("_tx").attr("exists").call(vec![ent(spec, *entity), key])
            }
            ExprKind::Count { entity, local, filter, .. } => {
                let (where_, rest) = match filter {
                    Some(f) => self.pushdown(*entity, *local, f),
                    None => (Vec::new(), Vec::new()),
                };
                let mut kw = Vec::new();
                if !where_.is_empty() {
                    kw.push(("where".to_string(), P::Dict(where_)));
                }
                if !rest.is_empty() {
                    let body = rest.into_iter().map(|x| self.expr(x)).reduce(|a, b| a.bin(PB::And, b));
                    if let Some(body) = body {
                        kw.push(("pred".to_string(), P::Lambda(vec![py::local(*local)], Box::new(body))));
                    }
                }
                P::name("_tx").attr("count").call_kw(vec![ent(spec, *entity)], kw)
            }
            ExprKind::Quantified { forall, entity, local, body, .. } => {
                let pred = P::Lambda(vec![py::local(*local)], Box::new(self.expr(body)));
                let method = if *forall { "forall" } else { "exists_where" };
                P::name("_tx").attr(method).call(vec![ent(spec, *entity), pred])
            }
            ExprKind::Fresh => {
                let integer = matches!(spec.head(&e.ty).as_ref(), Ty::Int);
                let a = self.adapter(&e.ty);
                let mut args = vec![a];
                if integer {
                    args.push(P::Bool(true));
                }
                P::name("_tx").attr("fresh").call(args)
            }
            ExprKind::Unary { op: UnOp::Not, operand } => self.expr(operand).not(),
            ExprKind::Unary { op: UnOp::Neg, operand } if py::is_decimal(spec, &operand.ty) => {
                P::name("_rt.dneg").call(vec![self.expr(operand)])
            }
            ExprKind::Unary { op: UnOp::Neg, operand } => P::Int(0).bin(PB::Sub, self.expr(operand)),
            ExprKind::Binary { op, lhs, rhs } => {
                let (l, r) = (self.expr(lhs), self.expr(rhs));
                if let Some(helper) = py::decimal_op(*op).filter(|_| py::is_decimal(spec, &lhs.ty)) {
                    return P::name(helper).call(vec![l, r]);
                }
                let op = match op {
                    BinOp::Or => PB::Or,
                    BinOp::And => PB::And,
                    BinOp::Eq => PB::Eq,
                    BinOp::Ne => PB::Ne,
                    BinOp::Lt => PB::Lt,
                    BinOp::Le => PB::Le,
                    BinOp::Gt => PB::Gt,
                    BinOp::Ge => PB::Ge,
                    BinOp::Add => PB::Add,
                    BinOp::Sub => PB::Sub,
                    BinOp::Mul => return P::name("_rt.mul").call(vec![l, r]),
                    BinOp::Div => return P::name("_rt.ediv").call(vec![l, r]),
                    BinOp::Rem => return P::name("_rt.erem").call(vec![l, r]),
                };
                l.bin(op, r)
            }
            ExprKind::Field { base, name, .. } => self.expr(base).attr(&ident(name)),
            ExprKind::Call { func, args } => {
                let name = spec.fns.get(func.index()).map_or_else(|| "None".to_string(), |f| ident(&f.name));
                let args = args.iter().map(|a| self.expr(a)).collect();
                P::Name(format!("F.{name}")).call(args)
            }
            ExprKind::Builtin { builtin, args } => {
                let f = match builtin {
                    Builtin::Len => "len",
                    Builtin::Matches => "_rt.matches",
                    Builtin::Decimal => "_rt.D",
                };
                let args = args.iter().map(|a| self.expr(a)).collect();
                P::name(f).call(args)
            }
            ExprKind::List(items) => P::List(items.iter().map(|a| self.expr(a)).collect()),
            ExprKind::Record { fields } => {
                let class = pyty(spec, &spec.expand_alias(&e.ty), "M.");
                let mut kw = Vec::new();
                for f in fields {
                    if !py::optional_field(spec, &e.ty, &f.name) {
                        kw.push((ident(&f.name), self.expr(&f.value)));
                    } else if !matches!(f.value.kind, ExprKind::Ctor { ctor: Ctor::None, .. }) {
                        // An optional field is left out when it is `None` (see `py::optional_field`).
                        let v = self.expr(&f.value);
                        kw.push((String::new(), P::name("_rt.present").call(vec![P::Str(ident(&f.name)), v])));
                    }
                }
                P::Name(class).call_kw(Vec::new(), kw)
            }
            ExprKind::With { base, fields } => {
                let update = fields.iter().map(|f| (P::Str(ident(&f.name)), self.expr(&f.value))).collect();
                self.expr(base).attr("model_copy").call_kw(Vec::new(), vec![("update".into(), P::Dict(update))])
            }
            ExprKind::Ctor { ctor: Ctor::Some, args } if args.len() == 1 => self.expr(&args[0]),
            // What remains (a `match`, a constructor with a payload, an application) over the
            // store is not compiled in this increment: the service answers 501 there.
            _ => P::name("_rt.unsupported").call(vec![P::Str(format!(
                "an expression over the store at {}..{} of `{}`",
                e.span.start, e.span.end, self.op.name
            ))]),
        }
    }

    /// Splits a `count` filter into key-field equalities (run as SQL) and the rest.
    fn pushdown<'e>(&mut self, entity: EntityId, local: LocalId, f: &'e Expr) -> (Vec<(P, P)>, Vec<&'e Expr>) {
        let mut conj = Vec::new();
        conjuncts(f, &mut conj);
        let key = self.spec.entities.get(entity.index()).map(|d| d.key.clone()).unwrap_or_default();
        let mut where_ = Vec::new();
        let mut rest = Vec::new();
        for c in conj {
            if let ExprKind::Binary { op: BinOp::Eq, lhs, rhs } = &c.kind {
                let side = |a: &Expr, b: &Expr| -> Option<usize> {
                    let ExprKind::Field { base, index, .. } = &a.kind else { return None };
                    let ExprKind::Local { id, .. } = &base.kind else { return None };
                    if *id != local || mentions(b, local) {
                        return None;
                    }
                    key.iter().position(|k| k == index)
                };
                if let Some(i) = side(lhs, rhs) {
                    where_.push((P::Int(i as i64), self.expr(rhs)));
                    continue;
                }
                if let Some(i) = side(rhs, lhs) {
                    where_.push((P::Int(i as i64), self.expr(lhs)));
                    continue;
                }
            }
            rest.push(c);
        }
        (where_, rest)
    }

    fn problem(&mut self, r: &Raise) -> P {
        let Some(e) = self.spec.errors.get(r.error.index()) else { return P::name("_rt.fault").call(vec![]) };
        let kw = r.fields.iter().map(|f| (ident(&f.name), self.expr(&f.value))).collect();
        let payload = P::Name(format!("M.{}", ident(&e.name))).call_kw(Vec::new(), kw);
        P::name("_rt.declared").call(vec![P::Int(i64::from(e.status)), P::Str(e.name.clone()), payload])
    }

    fn fault(text: String) -> P {
        P::name("_rt.fault").call(vec![P::Str(text)])
    }

    fn entity_name(&self, e: EntityId) -> &'s str {
        self.spec.entities.get(e.index()).map_or("?", |d| d.name.as_str())
    }

    // ------------------------------------------------------------ statements and terms

    fn block(&mut self, b: &Block, dest: &Dest, out: &mut Vec<S>) {
        for s in &b.stmts {
            match &s.kind {
                StmtKind::Let { local, value, .. } => self.term(value, &Dest::Assign(py::local(*local)), out),
                StmtKind::Require { cond, otherwise } => {
                    let c = self.expr(cond).not();
                    let p = self.problem(otherwise);
                    out.push(S::If(vec![(c, vec![S::Raise(p)])], Vec::new()));
                }
                StmtKind::Put { entity, value } => {
                    let v = self.expr(value);
                    out.push(S::Expr(P::name("_tx").attr("put").call(vec![ent(self.spec, *entity), v])));
                }
                StmtKind::Delete { entity, key } => {
                    let key = P::List(key.iter().map(|k| self.expr(k)).collect());
                    out.push(S::Expr(P::name("_tx").attr("delete").call(vec![ent(self.spec, *entity), key])));
                }
                StmtKind::Fire { entity, machine, target, event, otherwise } => {
                    let ev = self
                        .spec
                        .machines
                        .get(machine.index())
                        .and_then(|m| m.events.get(event.index()))
                        .map_or("?", |e| e.name.as_str());
                    let t = self.expr(target);
                    let fired = P::name("_tx").attr("fire").call(vec![ent(self.spec, *entity), t, P::Str(ev.into())]);
                    let p = match otherwise {
                        Some(r) => self.problem(r),
                        None => Self::fault(format!(
                            "`fire {}` of `{}`: the event is not enabled, or the instance is not stored",
                            ev,
                            self.entity_name(*entity)
                        )),
                    };
                    out.push(S::If(vec![(fired.not(), vec![S::Raise(p)])], Vec::new()));
                }
                StmtKind::Term(t) => self.term(t, &Dest::Discard, out),
            }
        }
        match &b.result {
            Some(t) => self.term(t, dest, out),
            None => match dest {
                Dest::Discard => {}
                d => Self::emit(d, P::None, out),
            },
        }
    }

    fn term(&mut self, t: &Term, dest: &Dest, out: &mut Vec<S>) {
        let spec = self.spec;
        match &t.kind {
            TermKind::Expr(e) => {
                let e = self.expr(e);
                Self::emit(dest, e, out);
            }
            TermKind::Lookup { entity, key, otherwise } => {
                let v = self.temp("v");
                let key = P::List(key.iter().map(|k| self.expr(k)).collect());
                out.push(S::Assign(v.clone(), P::name("_tx").attr("get").call(vec![ent(spec, *entity), key])));
                let p = self.problem(otherwise);
                out.push(S::If(vec![(P::name(&v).bin(PB::Is, P::None), vec![S::Raise(p)])], Vec::new()));
                Self::emit(dest, P::name(&v), out);
            }
            TermKind::Create { entity, value, otherwise } => {
                let v = self.temp("v");
                let value = self.expr(value);
                out.push(S::Assign(v.clone(), value));
                let created = P::name("_tx").attr("create").call(vec![ent(spec, *entity), P::name(&v)]);
                let p = match otherwise {
                    Some(r) => self.problem(r),
                    None => Self::fault(format!("`create {}`: the key is taken", self.entity_name(*entity))),
                };
                out.push(S::If(vec![(created.not(), vec![S::Raise(p)])], Vec::new()));
                Self::emit(dest, P::name(&v), out);
            }
            TermKind::CallOp { op, args, otherwise } => {
                let call = self.call_op(*op, args, otherwise.as_ref(), out);
                Self::emit(dest, call, out);
            }
            TermKind::If { cond, then, otherwise } => {
                let c = self.expr(cond);
                let mut yes = Vec::new();
                self.block(then, dest, &mut yes);
                let mut no = Vec::new();
                self.term(otherwise, dest, &mut no);
                out.push(S::If(vec![(c, yes)], no));
            }
            TermKind::Match { scrutinee, arms } => {
                let s = self.temp("m");
                let value = self.expr(scrutinee);
                out.push(S::Assign(s.clone(), value));
                let mut branches = Vec::new();
                let mut otherwise = None;
                for arm in arms {
                    let mut tests = Vec::new();
                    let mut binds = Vec::new();
                    py::pattern(spec, &arm.pattern, &s, &mut tests, &mut binds);
                    let mut body: Vec<S> = binds.into_iter().map(|(n, v)| S::Assign(n, P::Raw(v))).collect();
                    self.term(&arm.body, dest, &mut body);
                    if tests.is_empty() {
                        otherwise = Some(body);
                        break;
                    }
                    let cond = tests.into_iter().map(P::Raw).reduce(|a, b| a.bin(PB::And, b)).unwrap_or(P::Bool(true));
                    branches.push((cond, body));
                }
                let otherwise = otherwise.unwrap_or_else(|| {
                    vec![S::Raise(Self::fault(format!("no arm of a `match` of `{}` applies", self.op.name)))]
                });
                if branches.is_empty() {
                    out.extend(otherwise);
                } else {
                    out.push(S::If(branches, otherwise));
                }
            }
            TermKind::Fail(r) => {
                let p = self.problem(r);
                out.push(S::Raise(p));
            }
            TermKind::Block(b) => self.block(b, dest, out),
        }
    }

    /// `Service.op(args) [else raise]`: an HTTP call of the other service's operation.
    fn call_op(&mut self, r: OpRef, args: &[Expr], otherwise: Option<&Raise>, out: &mut Vec<S>) -> P {
        let spec = self.spec;
        let Some(info) = op_info(spec, r) else { return Self::fault("an unknown operation".into()) };
        let svc = spec.services.get(r.service.index()).map_or("?", |s| s.name.as_str());
        let mut vals = Vec::new();
        for a in args {
            let v = self.temp("a");
            let e = self.expr(a);
            out.push(S::Assign(v.clone(), e));
            vals.push(v);
        }
        // The path: literal segments and each parameter (or a field of it), percent-encoded.
        let (path_text, method) = route(spec, r);
        let mut path: Option<P> = None;
        let mut lit = String::new();
        let mut pp = info.path_params.iter();
        let segments: Vec<String> = path_text.split('/').filter(|s| !s.is_empty()).map(str::to_string).collect();
        for seg in segments {
            lit.push('/');
            if seg.starts_with('{') {
                let Some(p) = pp.next() else { continue };
                let mut value = P::name(&vals.get(p.param).cloned().unwrap_or_else(|| "None".into()));
                for f in &p.fields {
                    value = value.attr(&ident(f));
                }
                let part = P::Str(std::mem::take(&mut lit)).bin(PB::Add, P::name("_rt.seg").call(vec![value]));
                path = Some(match path {
                    Some(x) => x.bin(PB::Add, part),
                    None => part,
                });
            } else {
                lit.push_str(&seg);
            }
        }
        if !lit.is_empty() || path.is_none() {
            let l = P::Str(if lit.is_empty() { "/".into() } else { lit });
            path = Some(match path {
                Some(x) => x.bin(PB::Add, l),
                None => l,
            });
        }
        let query = P::Dict(
            info.query
                .iter()
                .map(|i| {
                    (P::Str(info.op.params[*i].name.clone()), P::name(vals.get(*i).map_or("None", String::as_str)))
                })
                .collect(),
        );
        let body = info.body.and_then(|b| vals.get(b)).map_or(P::None, |v| P::name(v));
        let result = self.adapter(&info.op.result);
        let errors = P::Dict(
            info.op
                .errors
                .iter()
                .filter_map(|e| spec.errors.get(e.error.index()))
                .map(|e| (P::Str(e.name.clone()), P::Int(i64::from(e.status))))
                .collect(),
        );
        let mut kw = Vec::new();
        if let Some(r) = otherwise {
            let p = self.problem(r);
            kw.push(("otherwise".to_string(), P::Lambda(Vec::new(), Box::new(p))));
        }
        P::name("_tx").attr("call_service").call_kw(
            vec![
                P::Str(svc.to_string()),
                P::Str(format!("{svc}.{}", info.op.name)),
                P::Str(method.to_ascii_uppercase()),
                path.unwrap_or(P::Str("/".into())),
                query,
                body,
                result,
                errors,
            ],
            kw,
        )
    }
}

fn conjuncts<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::Binary { op: BinOp::And, lhs, rhs } => {
            conjuncts(lhs, out);
            conjuncts(rhs, out);
        }
        _ => out.push(e),
    }
}

fn mentions(e: &Expr, local: LocalId) -> bool {
    let mut found = false;
    walk(e, &mut |x| found |= matches!(&x.kind, ExprKind::Local { id, .. } if *id == local));
    found
}

/// `app/bodies.py`: the entity definitions of the service and one function per operation with
/// a body.
pub fn bodies_py(spec: &Spec, sid: ServiceId) -> String {
    let Some(svc) = spec.services.get(sid.index()) else { return String::new() };
    let mut adapters = Adapters::default();
    let mut defs = String::new();
    for e in entities_of(spec, sid) {
        let Some(d) = spec.entities.get(e.index()) else { continue };
        let ty = Ty::Named { id: d.ty, args: Vec::new() };
        let fields = spec.record_fields(&ty).map(|(f, _)| f.to_vec()).unwrap_or_default();
        let key: Vec<P> =
            d.key.iter().filter_map(|i| fields.get(*i as usize)).map(|f| P::Str(f.name.clone())).collect();
        let a = adapters.get(&pyty(spec, &ty, "M."));
        let mut kw = vec![
            ("name".to_string(), P::Str(d.name.clone())),
            ("table".to_string(), P::Str(table_name(spec, e))),
            ("key".to_string(), P::Tuple(key)),
            ("adapter".to_string(), P::Name(a)),
        ];
        if let Some(m) = d.lifecycle.and_then(|m| spec.machines.get(m.index())) {
            kw.push((
                "machine".to_string(),
                P::Subscript(Box::new(P::name("MACHINES")), Box::new(P::Str(m.name.clone()))),
            ));
        }
        let _ = writeln!(
            defs,
            "    {}: {},",
            P::Str(d.name.clone()).print(),
            P::name("_rt.EntityDef").call_kw(Vec::new(), kw).print()
        );
    }
    let mut fns = Vec::new();
    for op in &svc.ops {
        let Some(body) = &op.body else { continue };
        let mut c = Compiler { spec, op, adapters: &mut adapters, temp: 0 };
        let mut stmts = Vec::new();
        c.block(body, &Dest::Return, &mut stmts);
        let mut params = vec!["_tx".to_string()];
        params.extend(op.params.iter().map(|p| ident(&p.name)));
        let doc = format!("`{}.{}`, compiled from its body. {}", svc.name, op.name, doc_text(&op.docs));
        fns.push(S::Def { name: body_fn(op), params, doc: Some(doc.trim_end().to_string()), body: stmts });
        fns.push(S::Blank);
        fns.push(S::Blank);
    }
    format!(
        "\"\"\"The operation bodies of the spec, compiled: each function runs exactly its body over one\n\
         database transaction (`_tx`). Generated from the spec; do not edit.\n\"\"\"\n\n\
         from __future__ import annotations\n\nimport typing as _t\n\nimport pydantic as _pd\n\n\
         from app import fns as F\nfrom app import models as M\nfrom app import runtime as _rt\nfrom app.machines import MACHINES\n\n\
         {}\n# The entities the bodies use: one table each.\nENTITIES = {{\n{defs}}}\n\n\n{}",
        adapters.defs(),
        print(&fns, 0)
    )
}
