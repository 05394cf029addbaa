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
