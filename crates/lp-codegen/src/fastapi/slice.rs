//! What one service's project holds: the types, errors, functions and machines its operations
//! reach (through parameter, result and payload types, refinements, function bodies and
//! contracts, guards, actions and invariants). The first service holds the whole spec, so every
//! spec item is generated (and traced) at least once; the others hold only their slice, which
//! keeps the output linear in the number of services.

use super::models::{Concrete, concrete_from};
use lp_ir::expr::walk;
use lp_ir::{Ctor, Expr, ExprKind, ServiceId, Spec, Ty, TypeBody, TypeId};

/// A subset of the spec's items, by arena index.
pub struct Slice {
    pub fns: Vec<bool>,
    pub machines: Vec<bool>,
    pub errors: Vec<bool>,
    /// The concrete types (closed under fields, variants, aliases and expressions).
    pub concrete: Concrete,
}

impl Slice {
    /// Everything in the spec.
    pub fn all(spec: &Spec) -> Slice {
        let mut roots: Vec<Ty> = Vec::new();
        for (i, def) in spec.types.iter().enumerate() {
            if def.params.is_empty() {
                roots.push(Ty::Named { id: TypeId(i as u32), args: Vec::new() });
            }
        }
        for s in &spec.services {
            for op in &s.ops {
                roots.extend(op.params.iter().map(|p| p.ty.clone()));
                roots.push(op.result.clone());
            }
        }
        let mut slice = Slice {
            fns: vec![true; spec.fns.len()],
            machines: vec![true; spec.machines.len()],
            errors: vec![true; spec.errors.len()],
            concrete: Concrete::default(),
        };
        slice.close(spec, roots);
        slice
    }

    /// What the operations of one service reach.
    pub fn of(spec: &Spec, sid: ServiceId) -> Slice {
        let mut slice = Slice {
            fns: vec![false; spec.fns.len()],
            machines: vec![false; spec.machines.len()],
            errors: vec![false; spec.errors.len()],
            concrete: Concrete::default(),
        };
        let mut roots = Vec::new();
        if let Some(svc) = spec.services.get(sid.index()) {
            for op in &svc.ops {
                roots.extend(op.params.iter().map(|p| p.ty.clone()));
                roots.push(op.result.clone());
                for e in &op.errors {
                    if let Some(flag) = slice.errors.get_mut(e.error.index()) {
                        *flag = true;
                    }
                }
                if let Some(f) = &op.fires
                    && let Some(flag) = slice.machines.get_mut(f.machine.index())
                {
                    *flag = true;
                }
            }
            // What the compiled bodies reach: the entities they use (records and lifecycles),
            // the functions they call, the types they construct, and the operations of other
            // services they call (parameters, result and errors).
            for e in super::bodies::entities_of(spec, sid) {
                let Some(d) = spec.entities.get(e.index()) else { continue };
                roots.push(Ty::Named { id: d.ty, args: Vec::new() });
                if let Some(flag) = d.lifecycle.and_then(|m| slice.machines.get_mut(m.index())) {
                    *flag = true;
                }
            }
            for op in &svc.ops {
                let Some(body) = &op.body else { continue };
                let fx = lp_ir::effects::of_body(body);
                for f in &fx.fns {
                    if let Some(flag) = slice.fns.get_mut(f.index()) {
                        *flag = true;
                    }
                }
                for c in &fx.calls {
                    let Some(callee) = spec.services.get(c.op.service.index()).and_then(|s| s.ops.get(c.op.op.index()))
                    else {
                        continue;
                    };
                    roots.extend(callee.params.iter().map(|p| p.ty.clone()));
                    roots.push(callee.result.clone());
                    for e in &callee.errors {
                        if let Some(flag) = slice.errors.get_mut(e.error.index()) {
                            *flag = true;
                        }
                    }
                }
                let mut found = Vec::new();
                lp_ir::body::walk_terms(body, &mut |t| found.push(t.ty.clone()));
                let mut exprs: Vec<&Expr> = Vec::new();
                body_exprs(body, &mut exprs);
                for e in exprs {
                    walk(e, &mut |x| match &x.kind {
                        ExprKind::Call { func, .. } => {
                            if let Some(flag) = slice.fns.get_mut(func.index()) {
                                *flag = true;
                            }
                        }
                        ExprKind::Ctor { ctor: Ctor::Variant { .. } | Ctor::Ok | Ctor::Err, .. }
                        | ExprKind::Record { .. } => found.push(x.ty.clone()),
                        _ => {}
                    });
                }
                for t in found {
                    if !matches!(t, Ty::Error) && !roots.contains(&t) {
                        roots.push(t);
                    }
                }
            }
        }
        slice.close(spec, roots);
        slice
    }

    /// Adds everything the current items and `roots` reach, until nothing changes.
    fn close(&mut self, spec: &Spec, mut roots: Vec<Ty>) {
        loop {
            let mut exprs: Vec<&Expr> = Vec::new();
            for (i, e) in spec.errors.iter().enumerate() {
                if self.errors[i] {
                    roots.extend(e.fields.iter().map(|f| f.ty.clone()));
                    exprs.extend(e.fields.iter().filter_map(|f| f.refinement.as_ref()));
                }
            }
            for (i, f) in spec.fns.iter().enumerate() {
                if self.fns[i] {
                    roots.extend(f.params.iter().map(|p| p.ty.clone()));
                    roots.push(f.result.clone());
                    exprs.extend(f.requires.iter().chain(&f.ensures).chain(f.body.as_ref()));
                }
            }
            for (i, m) in spec.machines.iter().enumerate() {
                if self.machines[i] {
                    roots.extend(m.vars.iter().map(|v| v.ty.clone()));
                    exprs.extend(m.vars.iter().map(|v| &v.init));
                    exprs.extend(&m.invariants);
                    for t in &m.transitions {
                        exprs.extend(t.guard.as_ref());
                        exprs.extend(t.actions.iter().map(|a| &a.value));
                    }
                }
            }
            let concrete = concrete_from(spec, roots.clone());
            for (id, _) in concrete.named.values() {
                let Some(def) = spec.types.get(id.index()) else { continue };
                exprs.extend(def.refinement.as_ref());
                match &def.body {
                    TypeBody::Record(fields) => exprs.extend(fields.iter().filter_map(|f| f.refinement.as_ref())),
                    TypeBody::Sum(variants) => {
                        for v in variants {
                            exprs.extend(v.payload.iter().flatten().filter_map(|f| f.refinement.as_ref()));
                        }
                    }
                    TypeBody::Alias(_) => {}
                }
            }
            let before = (self.fns.clone(), roots.len());
            let mut found = Vec::new();
            for e in exprs {
                walk(e, &mut |e| match &e.kind {
                    ExprKind::Call { func, .. } => {
                        if let Some(flag) = self.fns.get_mut(func.index()) {
                            *flag = true;
                        }
                    }
                    ExprKind::Ctor { ctor: Ctor::Variant { .. } | Ctor::Ok | Ctor::Err, .. } => {
                        found.push(e.ty.clone())
                    }
                    _ => {}
                });
            }
            for t in found {
                if !roots.contains(&t) {
                    roots.push(t);
                }
            }
            self.concrete = concrete;
            if before == (self.fns.clone(), roots.len()) {
                self.concrete = concrete_from(spec, roots);
                return;
            }
        }
    }
}

/// Every expression written in a body (conditions, values, keys, payloads), outermost first.
fn body_exprs<'b>(b: &'b lp_ir::body::Block, out: &mut Vec<&'b Expr>) {
    use lp_ir::body::{StmtKind, TermKind};
    lp_ir::body::walk_stmts(b, &mut |s| match &s.kind {
        StmtKind::Require { cond, otherwise } => {
            out.push(cond);
            out.extend(otherwise.fields.iter().map(|f| &f.value));
        }
        StmtKind::Put { value, .. } => out.push(value),
        StmtKind::Delete { key, .. } => out.extend(key),
        StmtKind::Fire { target, otherwise, .. } => {
            out.push(target);
            out.extend(otherwise.iter().flat_map(|r| r.fields.iter().map(|f| &f.value)));
        }
        StmtKind::Let { .. } | StmtKind::Term(_) => {}
    });
    lp_ir::body::walk_terms(b, &mut |t| match &t.kind {
        TermKind::Expr(e) => out.push(e),
        TermKind::Lookup { key, otherwise, .. } => {
            out.extend(key);
            out.extend(otherwise.fields.iter().map(|f| &f.value));
        }
        TermKind::Create { value, otherwise, .. } => {
            out.push(value);
            out.extend(otherwise.iter().flat_map(|r| r.fields.iter().map(|f| &f.value)));
        }
        TermKind::CallOp { args, otherwise, .. } => {
            out.extend(args);
            out.extend(otherwise.iter().flat_map(|r| r.fields.iter().map(|f| &f.value)));
        }
        TermKind::If { cond, .. } => out.push(cond),
        TermKind::Match { scrutinee, .. } => out.push(scrutinee),
        TermKind::Fail(r) => out.extend(r.fields.iter().map(|f| &f.value)),
        TermKind::Block(_) => {}
    });
}
