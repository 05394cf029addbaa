//! Which of the spec's invariants a store breaks, with the instances that break them.

use crate::run::View;
use crate::store::Store;
use lp_ir::{BinOp, Expr, ExprKind, InvariantId, Spec};
use lp_props::Value;
use lp_props::eval::{Evaluator, RegexCache, Scope};
use std::cell::RefCell;
use std::collections::BTreeSet;

/// An invariant that does not hold in a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenInvariant {
    pub invariant: InvariantId,
    /// The invariant's name.
    pub name: String,
    /// A counterexample: for an invariant of the form `forall x: E. ...` (possibly nested,
    /// possibly under `&&`), the first instances in key order for which the body is false,
    /// outermost first, with the names they are bound to. Empty when the invariant has no
    /// such form or could not be evaluated.
    pub bindings: Vec<(String, Value)>,
    /// Why the invariant could not be evaluated (an external function, division by zero),
    /// when that is why it is reported: an invariant that has no value does not hold.
    pub error: Option<String>,
}

/// Every invariant of the spec that `store` breaks, in declaration order. External functions
/// are not available to invariants here; an invariant that needs one is reported with an
/// error.
pub fn check_invariants(spec: &Spec, store: &Store) -> Vec<BrokenInvariant> {
    let all: Vec<InvariantId> = (0..spec.invariants.len()).map(|i| InvariantId(i as u32)).collect();
    check_some_invariants(spec, store, &all)
}

/// [`check_invariants`] for the invariants `which` only, in that order.
pub fn check_some_invariants(spec: &Spec, store: &Store, which: &[InvariantId]) -> Vec<BrokenInvariant> {
    let regexes = RegexCache::default();
    let drawn = RefCell::new(BTreeSet::new());
    let pending = RefCell::new(None);
    let view =
        View { spec, ev: Evaluator::new(spec, &regexes), store, externals: None, drawn: &drawn, pending: &pending };
    let mut out = Vec::new();
    for &id in which {
        let i = id.index();
        let Some(inv) = spec.invariants.get(i) else { continue };
        let mut scope = Scope { host: Some(&view), ..Scope::default() };
        let (holds, error) = match view.ev.holds_scoped(&inv.expr, &mut scope) {
            Ok(b) => (b, None),
            Err(e) => (false, Some(pending.borrow_mut().take().map_or_else(|| e.to_string(), |(_, m)| m))),
        };
        if holds {
            continue;
        }
        let bindings = if error.is_none() { witness(&view, &inv.expr, &mut Vec::new()) } else { Vec::new() };
        out.push(BrokenInvariant { invariant: InvariantId(i as u32), name: inv.name.clone(), bindings, error });
    }
    out
}

/// The instances that make a false `forall` false, outermost first; for `a && b`, those of
/// the conjunct that is false.
fn witness(view: &View<'_, '_>, e: &Expr, locals: &mut Vec<Option<Value>>) -> Vec<(String, Value)> {
    let is_false = |e: &Expr, locals: &mut Vec<Option<Value>>| {
        let mut scope = Scope { host: Some(view), locals: std::mem::take(locals), ..Scope::default() };
        let r = view.ev.eval_scoped(e, &mut scope);
        *locals = scope.locals;
        matches!(r, Ok(Value::Bool(false)))
    };
    match &e.kind {
        ExprKind::Quantified { forall: true, entity, local, name, body } => {
            let i = local.0 as usize;
            if locals.len() <= i {
                locals.resize(i + 1, None);
            }
            for (_, inst) in view.store.instances(*entity) {
                let saved = locals[i].replace(inst.value.clone());
                if is_false(body, locals) {
                    let mut out = vec![(name.clone(), inst.value.clone())];
                    out.extend(witness(view, body, locals));
                    locals[i] = saved;
                    return out;
                }
                locals[i] = saved;
            }
            Vec::new()
        }
        ExprKind::Binary { op: BinOp::And, lhs, rhs } => {
            if is_false(lhs, locals) {
                witness(view, lhs, locals)
            } else {
                witness(view, rhs, locals)
            }
        }
        _ => Vec::new(),
    }
}
