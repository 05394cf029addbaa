//! Lowering of behaviour: entities (keys and lifecycles), spec-level invariants, store
//! expressions (`exists`, quantifiers, `count`, `fresh`), and operation bodies and `ensures`.

use super::Lowerer;
use super::expr::{ResultMode, Scope};
use super::hash::Map;
use crate::body::{Block, Raise, Stmt, StmtKind, Term, TermArm, TermKind};
use crate::expr::{Expr, ExprKind};
use crate::spec::{DefId, EntityId, OpRef, ServiceId, TypeBody};
use crate::ty::Ty;
use lp_diagnostics::{Diagnostic, Span, codes};
use lp_syntax::ast;

impl<'a> Lowerer<'a> {
    // ------------------------------------------------------------ entities

    /// Resolves an entity's key fields and lifecycle machine (after the record is lowered).
    pub(super) fn lower_entity_structure(&mut self, id: EntityId) {
        let decl = self.entity_asts[id.index()];
        let ty = self.spec.entities[id.index()].ty;
        self.file = self.spec.entities[id.index()].file;
        let fields: Vec<(String, Ty)> = match &self.spec.types[ty.index()].body {
            TypeBody::Record(fields) => fields.iter().map(|f| (f.name.clone(), f.ty.clone())).collect(),
            _ => Vec::new(),
        };
        let mut key: Vec<u32> = Vec::with_capacity(decl.key.len());
        for name in &decl.key {
            let Some(index) = fields.iter().position(|(n, _)| *n == name.text) else {
                let mut d = Diagnostic::new(
                    codes::INVALID_ENTITY_KEY,
                    format!("`{}` has no field `{}` to be its key", decl.name.text, name.text),
                )
                .at(self.file, name.span, "not a field of the entity");
                if let Some(s) = crate::suggest::did_you_mean(&name.text, fields.iter().map(|(n, _)| n.as_str())) {
                    d = d.with_help(crate::suggest::similar_help("field", s));
                }
                self.diags.push(d);
                continue;
            };
            if key.contains(&(index as u32)) {
                self.diags.push(
                    Diagnostic::new(codes::INVALID_ENTITY_KEY, format!("`{}` is named twice in the key", name.text))
                        .at(self.file, name.span, "named again here"),
                );
                continue;
            }
            if !self.is_key_type(&fields[index].1) {
                let shown = self.spec.display_ty(&fields[index].1, &[]);
                self.diags.push(
                    Diagnostic::new(
                        codes::INVALID_ENTITY_KEY,
                        format!("the key field `{}` has type `{shown}`, which cannot be a key", name.text),
                    )
                    .at(self.file, name.span, "not a key type")
                    .with_note(
                        "a key field is an `Int`, a `String`, a `Bool`, an alias of one, or a sum of unit variants",
                    ),
                );
                continue;
            }
            key.push(index as u32);
        }
        self.spec.entities[id.index()].key = key;
        if let Some(m) = &decl.lifecycle {
            self.spec.entities[id.index()].lifecycle = match self.globals.get(m.text.as_str()).copied() {
                Some(DefId::Machine(machine)) => Some(machine),
                Some(other) => {
                    let what = self.describe(other);
                    self.kind_mismatch(m.span, format!("expected a machine, found {what}"), "not a machine");
                    None
                }
                None => {
                    let candidates = self.global_names(|d| matches!(d, DefId::Machine(_)));
                    let message = format!("unknown machine `{}`", m.text);
                    self.unknown(codes::UNKNOWN_MACHINE, m, message, "machine", candidates);
                    None
                }
            };
        }
    }

    /// Whether values of `ty` can form a key: scalars, aliases of them, sums of unit variants.
    fn is_key_type(&self, ty: &Ty) -> bool {
        match self.spec.head(ty).as_ref() {
            Ty::Int | Ty::String | Ty::Bool | Ty::Error => true,
            Ty::Named { id, .. } => match &self.spec.types[id.index()].body {
                TypeBody::Sum(variants) => variants.iter().all(|v| v.payload.is_none()),
                _ => false,
            },
            _ => false,
        }
    }

    /// The type of an entity's values.
    pub(super) fn entity_ty(&self, id: EntityId) -> Ty {
        Ty::Named { id: self.spec.entities[id.index()].ty, args: Vec::new() }
    }

    /// The entity whose record type `ty` is, if any.
    fn entity_of_ty(&self, ty: &Ty) -> Option<EntityId> {
        match self.spec.head(ty).as_ref() {
            Ty::Named { id, .. } => self.spec.entities.iter().position(|e| e.ty == *id).map(|i| EntityId(i as u32)),
            _ => None,
        }
    }

    /// Resolves a name that must be an entity.
    fn resolve_entity(&mut self, name: &'a ast::Name) -> Option<EntityId> {
        if let Some(i) = self.spec.entities.iter().position(|e| e.name == name.text) {
            return Some(EntityId(i as u32));
        }
        let candidates: Vec<String> = self.spec.entities.iter().map(|e| e.name.clone()).collect();
        let what = match self.globals.get(name.text.as_str()).copied() {
            Some(def) => format!("{} is not an entity", self.describe(def)),
            None => format!("unknown entity `{}`", name.text),
        };
        let mut d = Diagnostic::new(codes::UNKNOWN_ENTITY, what).at(self.file, name.span, "not an entity");
        if let Some(s) = crate::suggest::did_you_mean(&name.text, candidates.iter().map(String::as_str)) {
            d = d.with_help(crate::suggest::similar_help("entity", s));
        } else if matches!(self.globals.get(name.text.as_str()), Some(DefId::Type(_))) {
            d = d.with_help(format!("declare it as `entity {} key FIELD = {{ ... }}` to store it", name.text));
        }
        self.diags.push(d);
        None
    }

    /// Reports a store expression where the store is not available.
    fn store_forbidden(&mut self, sc: &Scope<'a>, span: Span, what: &str) -> bool {
        if sc.store {
            return false;
        }
        self.diags.push(
            Diagnostic::new(
                codes::STORE_OUTSIDE_BEHAVIOUR,
                format!("{what} reads the store, which is not available here"),
            )
            .at(self.file, span, "only in operation bodies, operation `ensures` and invariants")
            .with_note("functions, refinements, guards and function contracts are about values, whatever is stored"),
        );
        true
    }

    /// Checks a key given for `entity`: one expression per key field, of its type.
    fn lower_key(&mut self, sc: &mut Scope<'a>, span: Span, entity: EntityId, key: &'a [ast::Expr]) -> Vec<Expr> {
        let e = &self.spec.entities[entity.index()];
        let types: Vec<Ty> = match &self.spec.types[e.ty.index()].body {
            TypeBody::Record(fields) => e.key.iter().map(|&i| fields[i as usize].ty.clone()).collect(),
            _ => Vec::new(),
        };
        if types.is_empty() {
            // The entity's key could not be resolved (already reported).
            return key.iter().map(|k| self.infer(sc, k, None)).collect();
        }
        if key.len() != types.len() {
            let name = e.name.clone();
            self.diags.push(
                Diagnostic::new(
                    codes::WRONG_ARGUMENT_COUNT,
                    format!("`{name}` has a key of {}, but {} given", super::plural(types.len(), "field"), key.len()),
                )
                .at(self.file, span, "wrong number of key values"),
            );
            return key.iter().map(|k| self.infer(sc, k, None)).collect();
        }
        key.iter()
            .zip(types)
            .map(|(k, t)| self.check(sc, k, &t, "a key value must have the key field's type"))
            .collect()
    }

    pub(super) fn lower_exists(
        &mut self,
        sc: &mut Scope<'a>,
        span: Span,
        entity: &'a ast::Name,
        key: &'a [ast::Expr],
    ) -> Expr {
        let forbidden = self.store_forbidden(sc, span, "`exists`");
        let Some(id) = self.resolve_entity(entity) else {
            key.iter().for_each(|k| drop(self.infer(sc, k, None)));
            return Expr::error(span);
        };
        let key = self.lower_key(sc, span, id, key);
        if forbidden {
            return Expr::error(span);
        }
        Expr { kind: ExprKind::Exists { entity: id, key }, ty: Ty::Bool, span }
    }

    pub(super) fn lower_quantified(
        &mut self,
        sc: &mut Scope<'a>,
        span: Span,
        forall: bool,
        var: &'a ast::Name,
        entity: &'a ast::Name,
        body: &'a ast::Expr,
    ) -> Expr {
        let forbidden = self.store_forbidden(sc, span, if forall { "`forall`" } else { "`exists`" });
        let id = self.resolve_entity(entity);
        let ty = id.map_or(Ty::Error, |id| self.entity_ty(id));
        let mark = sc.mark();
        let local = sc.bind_local(&var.text, ty);
        let body = self.check(sc, body, &Ty::Bool, "the body of a quantifier must be a `Bool`");
        sc.restore(mark);
        match id {
            Some(entity) if !forbidden => Expr {
                kind: ExprKind::Quantified { forall, entity, local, name: var.text.clone(), body: Box::new(body) },
                ty: Ty::Bool,
                span,
            },
            _ => Expr::error(span),
        }
    }

    pub(super) fn lower_count(
        &mut self,
        sc: &mut Scope<'a>,
        span: Span,
        var: &'a ast::Name,
        entity: &'a ast::Name,
        filter: Option<&'a ast::Expr>,
    ) -> Expr {
        let forbidden = self.store_forbidden(sc, span, "`count`");
        let id = self.resolve_entity(entity);
        let ty = id.map_or(Ty::Error, |id| self.entity_ty(id));
        let mark = sc.mark();
        let local = sc.bind_local(&var.text, ty);
        let filter = filter.map(|f| Box::new(self.check(sc, f, &Ty::Bool, "the filter of `count` must be a `Bool`")));
        sc.restore(mark);
        match id {
            Some(entity) if !forbidden => {
                Expr { kind: ExprKind::Count { entity, local, name: var.text.clone(), filter }, ty: Ty::Int, span }
            }
            _ => Expr::error(span),
        }
    }

    pub(super) fn lower_fresh(&mut self, sc: &mut Scope<'a>, span: Span, hint: Option<&Ty>) -> Expr {
        if !sc.fresh {
            self.diags.push(
                Diagnostic::new(
                    codes::STORE_OUTSIDE_BEHAVIOUR,
                    "`fresh` draws a new key, which is only possible in an operation body",
                )
                .at(self.file, span, "not in an operation body"),
            );
            return Expr::error(span);
        }
        match hint {
            Some(t) if matches!(self.spec.head(t).as_ref(), Ty::String | Ty::Int) => {
                Expr { kind: ExprKind::Fresh, ty: t.clone(), span }
            }
            _ => {
                self.diags.push(
                    Diagnostic::new(codes::FRESH_TYPE_UNKNOWN, "the type of this `fresh` key is not known here")
                        .at(self.file, span, "no `String` or `Int` key type is expected here")
                        .with_help("use `fresh` as the value of a key field: `create Run { id: fresh, ... }`"),
                );
                Expr::error(span)
            }
        }
    }

    // ------------------------------------------------------------ invariants

    pub(super) fn lower_invariant(&mut self, index: usize) {
        let decl = self.invariant_asts[index];
        self.file = self.spec.invariants[index].file;
        let mut scope = Scope::new();
        scope.store = true;
        let e = self.check(&mut scope, &decl.expr, &Ty::Bool, "an invariant must be a `Bool`");
        self.spec.invariants[index].expr = e;
    }

    // ------------------------------------------------------------ operations

    /// Lowers the `ensures` clauses and body of an operation.
    pub(super) fn lower_op_behaviour(&mut self, service: ServiceId, o: usize, op: &'a ast::Operation) {
        let s = service.index();
        let params: Map<&'a str, (u32, Ty)> = {
            let lowered = &self.spec.services[s].ops[o].params;
            let mut m = Map::default();
            for (i, (p, l)) in op.params.iter().zip(lowered).enumerate() {
                m.entry(p.name.text.as_str()).or_insert((i as u32, l.ty.clone()));
            }
            m
        };
        let result = self.spec.services[s].ops[o].result.clone();
        let mut ensures = Vec::with_capacity(op.ensures.len());
        for c in &op.ensures {
            let mut scope = Scope::new();
            scope.params = params.clone();
            scope.store = true;
            scope.result = ResultMode::Allowed(result.clone());
            ensures.push(self.check(&mut scope, &c.expr, &Ty::Bool, "an `ensures` clause must be a `Bool`"));
        }
        self.spec.services[s].ops[o].ensures = ensures;
        let Some(body) = &op.body else { return };
        if let Some((machine, _)) = &op.fires {
            self.diags.push(
                Diagnostic::new(
                    codes::FIRES_WITH_BODY,
                    format!("operation `{}` has a body and a `fires` clause", op.name.text),
                )
                .at(self.file, machine.span, "`fires` describes operations without a body")
                .with_secondary(self.file, body.span, "the body")
                .with_help("remove the clause; fire the event on its instance in the body: `fire run.event`"),
            );
        }
        let mut scope = Scope::new();
        scope.params = params;
        scope.store = true;
        scope.fresh = true;
        let block = self.lower_block(&mut scope, service, body, Some(&result));
        self.spec.services[s].ops[o].body = Some(block);
    }

    fn lower_block(
        &mut self,
        sc: &mut Scope<'a>,
        service: ServiceId,
        b: &'a ast::Block,
        expected: Option<&Ty>,
    ) -> Block {
        let mark = sc.mark();
        let mut stmts = Vec::with_capacity(b.stmts.len());
        for st in &b.stmts {
            if let Some(s) = self.lower_stmt(sc, service, st) {
                stmts.push(s);
            }
        }
        let result = b.result.as_deref().map(|t| Box::new(self.lower_term(sc, service, t, expected)));
        sc.restore(mark);
        let ty = match &result {
            Some(t) => t.ty.clone(),
            None => {
                if let Some(want) = expected
                    && !self.spec.compatible(want, &Ty::Unit)
                {
                    let shown = self.show(sc, want);
                    self.type_mismatch(
                        Span { start: b.span.end.saturating_sub(1), end: b.span.end },
                        format!("`{shown}`"),
                        "`Unit`".to_string(),
                        "the block ends without a value",
                    );
                }
                Ty::Unit
            }
        };
        Block { stmts, result, ty, span: b.span }
    }

    fn lower_stmt(&mut self, sc: &mut Scope<'a>, service: ServiceId, st: &'a ast::Stmt) -> Option<Stmt> {
        let kind = match &st.kind {
            ast::StmtKind::Let { name, ty, value } => {
                let declared = ty.as_ref().map(|t| self.lower_ty(t, super::types::TyCx::PLAIN));
                let value = self.lower_term(sc, service, value, declared.as_ref());
                let ty = declared.unwrap_or_else(|| value.ty.clone());
                let local = sc.bind_local(&name.text, ty);
                StmtKind::Let { local, name: name.text.clone(), value }
            }
            ast::StmtKind::Require { cond, otherwise } => {
                let cond = self.check(sc, cond, &Ty::Bool, "a requirement must be a `Bool`");
                let otherwise = self.lower_raise(sc, otherwise)?;
                StmtKind::Require { cond, otherwise }
            }
            ast::StmtKind::Put(e) => {
                let value = self.infer(sc, e, None);
                let Some(entity) = self.entity_of_ty(&value.ty) else {
                    if !value.ty.is_error() {
                        let shown = self.show(sc, &value.ty);
                        self.diags.push(
                            Diagnostic::new(
                                codes::NOT_AN_ENTITY_VALUE,
                                format!("`put` stores entities, not `{shown}`"),
                            )
                            .at(self.file, e.span, "not a value of an entity")
                            .with_help("declare the type as an `entity` with a key"),
                        );
                    }
                    return None;
                };
                StmtKind::Put { entity, value }
            }
            ast::StmtKind::Delete { entity, key } => {
                let id = self.resolve_entity(entity)?;
                let key = self.lower_key(sc, st.span, id, key);
                StmtKind::Delete { entity: id, key }
            }
            ast::StmtKind::Fire { target, event, otherwise } => {
                let target = self.infer(sc, target, None);
                let otherwise = match otherwise {
                    Some(r) => Some(self.lower_raise(sc, r)?),
                    None => None,
                };
                if target.ty.is_error() {
                    return None;
                }
                let entity = self.entity_of_ty(&target.ty);
                let Some((entity, machine)) =
                    entity.and_then(|e| self.spec.entities[e.index()].lifecycle.map(|m| (e, m)))
                else {
                    let shown = self.show(sc, &target.ty);
                    self.diags.push(
                        Diagnostic::new(codes::INVALID_FIRE, format!("`{shown}` has no lifecycle to fire events in"))
                            .at(self.file, target.span, "not an instance of an entity with a lifecycle")
                            .with_help("declare the entity with `lifecycle Machine`"),
                    );
                    return None;
                };
                let m = &self.spec.machines[machine.index()];
                let Some(ev) = m.events.iter().position(|e| e.name == event.text) else {
                    let names: Vec<String> = m.events.iter().map(|e| e.name.clone()).collect();
                    let mname = m.name.clone();
                    let mut d = Diagnostic::new(
                        codes::INVALID_FIRE,
                        format!("machine `{mname}` has no event `{}`", event.text),
                    )
                    .at(self.file, event.span, "not an event of the lifecycle");
                    if let Some(s) = crate::suggest::did_you_mean(&event.text, names.iter().map(String::as_str)) {
                        d = d.with_help(crate::suggest::similar_help("event", s));
                    }
                    self.diags.push(d);
                    return None;
                };
                StmtKind::Fire { entity, machine, target, event: crate::spec::EventId(ev as u32), otherwise }
            }
            ast::StmtKind::Term(t) => StmtKind::Term(self.lower_term(sc, service, t, None)),
            ast::StmtKind::Invalid => return None,
        };
        Some(Stmt { kind, span: st.span })
    }

    fn lower_term(&mut self, sc: &mut Scope<'a>, service: ServiceId, t: &'a ast::Term, expected: Option<&Ty>) -> Term {
        let span = t.span;
        let (kind, ty) = match &t.kind {
            ast::TermKind::Expr(e) => {
                let e = match expected {
                    Some(want) => self.check(sc, e, want, "the value must have the type its place requires"),
                    None => self.infer(sc, e, None),
                };
                let ty = e.ty.clone();
                return Term { kind: TermKind::Expr(e), ty, span };
            }
            ast::TermKind::Lookup { entity, key, otherwise } => {
                let Some(id) = self.resolve_entity(entity) else { return error_term(span) };
                let key = self.lower_key(sc, span, id, key);
                let Some(otherwise) = self.lower_raise(sc, otherwise) else { return error_term(span) };
                (TermKind::Lookup { entity: id, key, otherwise }, self.entity_ty(id))
            }
            ast::TermKind::Create { entity, fields, otherwise } => {
                let Some(id) = self.resolve_entity(entity) else { return error_term(span) };
                let ty = self.entity_ty(id);
                let value = self.lower_record(sc, span, None, fields, Some(&ty));
                let otherwise = match otherwise {
                    Some(r) => match self.lower_raise(sc, r) {
                        Some(r) => Some(r),
                        None => return error_term(span),
                    },
                    None => None,
                };
                (TermKind::Create { entity: id, value, otherwise }, ty)
            }
            ast::TermKind::CallOp { service: callee, op, args, otherwise } => {
                let Some(target) = self.resolve_op_call(service, callee, op) else {
                    args.iter().for_each(|a| drop(self.infer(sc, a, None)));
                    return error_term(span);
                };
                let callee_op = &self.spec.services[target.service.index()].ops[target.op.index()];
                let params: Vec<Ty> = callee_op.params.iter().map(|p| p.ty.clone()).collect();
                let result = callee_op.result.clone();
                if params.len() != args.len() {
                    self.diags.push(
                        Diagnostic::new(
                            codes::WRONG_ARGUMENT_COUNT,
                            format!(
                                "`{}.{}` takes {}, but {} given",
                                callee.text,
                                op.text,
                                super::plural(params.len(), "argument"),
                                args.len()
                            ),
                        )
                        .at(self.file, span, "wrong number of arguments"),
                    );
                    args.iter().for_each(|a| drop(self.infer(sc, a, None)));
                    return error_term(span);
                }
                let args = args
                    .iter()
                    .zip(&params)
                    .map(|(a, p)| self.check(sc, a, p, "an argument must have the parameter's type"))
                    .collect();
                let otherwise = match otherwise {
                    Some(r) => match self.lower_raise(sc, r) {
                        Some(r) => Some(r),
                        None => return error_term(span),
                    },
                    None => None,
                };
                (TermKind::CallOp { op: target, args, otherwise }, result)
            }
            ast::TermKind::If { cond, then, otherwise } => {
                let cond = self.check(sc, cond, &Ty::Bool, "the condition of `if` must be a `Bool`");
                let then = self.lower_block(sc, service, then, expected);
                let want = expected.cloned().or_else(|| (then.ty != Ty::Void).then(|| then.ty.clone()));
                let otherwise = match otherwise {
                    Some(o) => self.lower_term(sc, service, o, want.as_ref()),
                    None => {
                        if let Some(w) = &want
                            && !self.spec.compatible(w, &Ty::Unit)
                        {
                            let shown = self.show(sc, w);
                            self.type_mismatch(
                                span,
                                format!("`{shown}`"),
                                "`Unit`".to_string(),
                                "an `if` without `else` has no value when the condition is false",
                            );
                        }
                        let end = Span { start: span.end, end: span.end };
                        Term {
                            kind: TermKind::Block(Block { stmts: Vec::new(), result: None, ty: Ty::Unit, span: end }),
                            ty: Ty::Unit,
                            span: end,
                        }
                    }
                };
                let ty = want.unwrap_or_else(|| otherwise.ty.clone());
                (TermKind::If { cond, then, otherwise: Box::new(otherwise) }, ty)
            }
            ast::TermKind::Match { scrutinee, arms } => {
                let scrutinee = self.infer(sc, scrutinee, None);
                let mut want: Option<Ty> = expected.cloned();
                let mut lowered = Vec::with_capacity(arms.len());
                for arm in arms {
                    let mark = sc.mark();
                    let mut bound = Map::default();
                    let pattern = self.lower_pattern(sc, &arm.pattern, &scrutinee.ty, &mut bound);
                    let body = self.lower_term(sc, service, &arm.body, want.as_ref());
                    if want.is_none() && body.ty != Ty::Void && !body.ty.is_error() {
                        want = Some(body.ty.clone());
                    }
                    sc.restore(mark);
                    lowered.push(TermArm { pattern, body, span: arm.span });
                }
                (TermKind::Match { scrutinee, arms: lowered }, want.unwrap_or(Ty::Void))
            }
            ast::TermKind::Fail(r) => {
                let Some(r) = self.lower_raise(sc, r) else { return error_term(span) };
                (TermKind::Fail(r), Ty::Void)
            }
            ast::TermKind::Block(b) => {
                let b = self.lower_block(sc, service, b, expected);
                let ty = b.ty.clone();
                (TermKind::Block(b), ty)
            }
        };
        if let Some(want) = expected
            && ty != Ty::Void
            && !self.spec.compatible(want, &ty)
        {
            let (w, f) = (self.show(sc, want), self.show(sc, &ty));
            self.type_mismatch(
                span,
                format!("`{w}`"),
                format!("`{f}`"),
                "the value must have the type its place requires",
            );
        }
        Term { kind, ty, span }
    }

    /// Resolves `Service.op` called from a body of `caller`.
    fn resolve_op_call(&mut self, caller: ServiceId, service: &'a ast::Name, op: &'a ast::Name) -> Option<OpRef> {
        let callee = self.resolve_service(service)?;
        let depends = self.spec.services[caller.index()].depends.iter().any(|d| d.service == callee);
        if !depends {
            let caller_name = self.spec.services[caller.index()].name.clone();
            self.diags.push(
                Diagnostic::new(
                    codes::INVALID_OPERATION_CALL,
                    format!("service `{caller_name}` calls `{}` but does not depend on it", service.text),
                )
                .at(self.file, service.span, "not a dependency")
                .with_help(format!("add `depends on {}` to service `{caller_name}`", service.text)),
            );
            return None;
        }
        match self.service_asts[callee.index()].op_names.get(op.text.as_str()) {
            Some(&o) => Some(OpRef { service: callee, op: o }),
            None => {
                let names: Vec<String> =
                    self.spec.services[callee.index()].ops.iter().map(|o| o.name.clone()).collect();
                let mut d = Diagnostic::new(
                    codes::INVALID_OPERATION_CALL,
                    format!("service `{}` has no operation `{}`", service.text, op.text),
                )
                .at(self.file, op.span, "no such operation");
                if let Some(s) = crate::suggest::did_you_mean(&op.text, names.iter().map(String::as_str)) {
                    d = d.with_help(crate::suggest::similar_help("operation", s));
                }
                self.diags.push(d);
                None
            }
        }
    }

    /// Lowers `Error { fields }`: every field of the payload must be given.
    fn lower_raise(&mut self, sc: &mut Scope<'a>, r: &'a ast::Raise) -> Option<Raise> {
        let error = match self.globals.get(r.error.text.as_str()).copied() {
            Some(DefId::Error(id)) => id,
            Some(other) => {
                let what = self.describe(other);
                self.diags.push(
                    Diagnostic::new(codes::UNKNOWN_ERROR_TYPE, format!("`{}` is not an error type", r.error.text))
                        .at(self.file, r.error.span, "not declared with `error`")
                        .with_note(format!("it is the {what}")),
                );
                return None;
            }
            None => {
                let candidates = self.global_names(|d| matches!(d, DefId::Error(_)));
                let message = format!("unknown error type `{}`", r.error.text);
                self.unknown(codes::UNKNOWN_ERROR_TYPE, &r.error, message, "error type", candidates);
                return None;
            }
        };
        let fields = match &r.fields {
            Some(fields) => {
                let e = self.lower_record(sc, r.span, None, fields, Some(&Ty::ErrorType(error)));
                match e.kind {
                    ExprKind::Record { fields } => fields,
                    _ => return None,
                }
            }
            None => {
                let declared = &self.spec.errors[error.index()].fields;
                if !declared.is_empty() {
                    let names: Vec<String> = declared.iter().map(|f| format!("`{}`", f.name)).collect();
                    self.diags.push(
                        Diagnostic::new(
                            codes::MISSING_FIELD,
                            format!("error `{}` needs its payload: {}", r.error.text, names.join(", ")),
                        )
                        .at(self.file, r.span, "no payload given")
                        .with_help(format!(
                            "give every field: `{} {{ {} }}`",
                            r.error.text,
                            declared.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ")
                        )),
                    );
                    return None;
                }
                Vec::new()
            }
        };
        Some(Raise { error, fields, span: r.span })
    }
}

fn error_term(span: Span) -> Term {
    Term { kind: TermKind::Expr(Expr { kind: ExprKind::Error, ty: Ty::Error, span }), ty: Ty::Error, span }
}
