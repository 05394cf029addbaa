//! The effects of operation bodies: what each body reads and writes in the store, which
//! events it fires, which operations and functions it calls and which errors it can answer
//! on its own. This is the summary that the service maps print (`maps/backend/*-map.yaml`)
//! and that the composition checks on them use (one writer per entity, no cycle of
//! synchronous calls), so that the maps and the checks cannot disagree.
//!
//! Only what a body does directly is listed: an operation that calls another one does not
//! inherit the callee's writes. Everything is in the order first written in the body, without
//! duplicates.

use crate::body::{Block, Raise, Stmt, StmtKind, Term, TermKind};
use crate::expr::{Expr, ExprKind};
use crate::spec::{EntityId, ErrorId, EventId, FnId, MachineId, OpId, OpRef, ServiceId, Spec};
use lp_diagnostics::Span;
use std::collections::BTreeSet;

/// How a body writes an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WriteKind {
    /// `create E { ... }`.
    Create,
    /// `put value`.
    Put,
    /// `delete E[key]`.
    Delete,
    /// `fire x.event`: the instance's lifecycle state (and machine variables) change.
    Fire,
}

impl WriteKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WriteKind::Create => "create",
            WriteKind::Put => "put",
            WriteKind::Delete => "delete",
            WriteKind::Fire => "fire",
        }
    }
}

/// One statement or term of a body that writes an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Write {
    pub entity: EntityId,
    pub kind: WriteKind,
    pub span: Span,
}

/// One `fire` of a body: the entity whose instance takes the event, its machine and the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fired {
    pub entity: EntityId,
    pub machine: MachineId,
    pub event: EventId,
    /// Whether a disabled event answers an error (`else`) instead of being a fault.
    pub guarded: bool,
    pub span: Span,
}

/// One call of another operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call {
    pub op: OpRef,
    /// The error that replaces every error of the callee (`else`), if any.
    pub otherwise: Option<ErrorId>,
    pub span: Span,
}

/// What one operation body does, directly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpEffects {
    /// Entities read: looked up, tested with `exists`, quantified over or counted, or the
    /// instance of a `fire`.
    pub reads: Vec<EntityId>,
    /// Every writing statement or term, in the order written.
    pub writes: Vec<Write>,
    /// Every `fire`, in the order written.
    pub fires: Vec<Fired>,
    /// Every call of another operation, in the order written.
    pub calls: Vec<Call>,
    /// Functions called (declared functions, external ones included), without duplicates.
    pub fns: Vec<FnId>,
    /// Errors the body answers on its own (`require`, lookups, `fail`, `else` clauses),
    /// without duplicates; errors that pass through from callees are not included.
    pub raises: Vec<ErrorId>,
}

impl OpEffects {
    /// The entities written, without duplicates, in the order first written.
    pub fn written(&self) -> Vec<EntityId> {
        let mut out = Vec::new();
        for w in &self.writes {
            push_unique(&mut out, w.entity);
        }
        out
    }

    /// Whether the body changes the store: it writes an entity or fires an event.
    pub fn changes_store(&self) -> bool {
        !self.writes.is_empty() || !self.fires.is_empty()
    }
}

fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

/// The effects of a body.
pub fn of_body(body: &Block) -> OpEffects {
    let mut fx = OpEffects::default();
    block(&mut fx, body);
    fx
}

/// The entities an expression reads in the store: those it tests with `exists`, quantifies
/// over or counts.
pub fn expr_entities(e: &Expr) -> BTreeSet<EntityId> {
    let mut fx = OpEffects::default();
    expr(&mut fx, e);
    fx.reads.into_iter().collect()
}

/// What an operation reaches, together with every operation it calls (transitively).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// Entities read by the bodies or named in the operations' `ensures`.
    pub reads: BTreeSet<EntityId>,
    /// Entities written by `put`, `delete` or `create` (a `fire` reads its instance).
    pub written: BTreeSet<EntityId>,
    /// Whether one of the bodies fires an event.
    pub fires: bool,
}

/// The [`Reach`] of an operation: its body and `ensures`, and those of every operation it
/// calls, each visited once.
pub fn reach(spec: &Spec, op: OpRef) -> Reach {
    let mut out = Reach::default();
    let mut seen = BTreeSet::new();
    let mut todo = vec![op];
    while let Some(op) = todo.pop() {
        if !seen.insert(op) {
            continue;
        }
        let Some(def) = spec.services.get(op.service.index()).and_then(|s| s.ops.get(op.op.index())) else {
            continue;
        };
        for e in &def.ensures {
            out.reads.extend(expr_entities(e));
        }
        let Some(body) = &def.body else { continue };
        let fx = of_body(body);
        out.reads.extend(fx.reads);
        out.written.extend(fx.writes.iter().filter(|w| w.kind != WriteKind::Fire).map(|w| w.entity));
        out.fires |= !fx.fires.is_empty();
        todo.extend(fx.calls.iter().map(|c| c.op));
    }
    out
}

/// The effects of every operation with a body, in declaration order.
pub fn of_spec(spec: &Spec) -> Vec<(OpRef, OpEffects)> {
    let mut out = Vec::new();
    for (s, service) in spec.services.iter().enumerate() {
        for (o, op) in service.ops.iter().enumerate() {
            if let Some(body) = &op.body {
                out.push((OpRef { service: ServiceId(s as u32), op: OpId(o as u32) }, of_body(body)));
            }
        }
    }
    out
}

/// The services that write one entity, in the order first met, each with its writes (the
/// operation and the writing statement).
pub type Writers = Vec<(ServiceId, Vec<(OpRef, Write)>)>;

/// The services that write each entity directly, with their writes, in declaration order of
/// the services (index = `EntityId`).
pub fn writers(spec: &Spec) -> Vec<Writers> {
    let mut out: Vec<Writers> = vec![Vec::new(); spec.entities.len()];
    for (at, fx) in of_spec(spec) {
        for w in &fx.writes {
            let Some(slot) = out.get_mut(w.entity.index()) else { continue };
            match slot.iter_mut().find(|(s, _)| *s == at.service) {
                Some((_, ws)) => ws.push((at, *w)),
                None => slot.push((at.service, vec![(at, *w)])),
            }
        }
    }
    out
}

/// The owner of each entity (index = `EntityId`): the one service that writes it, when
/// exactly one does.
pub fn owners(spec: &Spec) -> Vec<Option<ServiceId>> {
    writers(spec)
        .iter()
        .map(|by| match by.as_slice() {
            [(s, _)] => Some(*s),
            _ => None,
        })
        .collect()
}

fn block(fx: &mut OpEffects, b: &Block) {
    for s in &b.stmts {
        stmt(fx, s);
    }
    if let Some(t) = &b.result {
        term(fx, t);
    }
}

fn stmt(fx: &mut OpEffects, s: &Stmt) {
    match &s.kind {
        StmtKind::Let { value, .. } | StmtKind::Term(value) => term(fx, value),
        StmtKind::Require { cond, otherwise } => {
            expr(fx, cond);
            raise(fx, otherwise);
        }
        StmtKind::Put { entity, value } => {
            expr(fx, value);
            fx.writes.push(Write { entity: *entity, kind: WriteKind::Put, span: s.span });
        }
        StmtKind::Delete { entity, key } => {
            key.iter().for_each(|k| expr(fx, k));
            fx.writes.push(Write { entity: *entity, kind: WriteKind::Delete, span: s.span });
        }
        StmtKind::Fire { entity, machine, target, event, otherwise } => {
            expr(fx, target);
            push_unique(&mut fx.reads, *entity);
            if let Some(r) = otherwise {
                raise(fx, r);
            }
            fx.writes.push(Write { entity: *entity, kind: WriteKind::Fire, span: s.span });
            fx.fires.push(Fired {
                entity: *entity,
                machine: *machine,
                event: *event,
                guarded: otherwise.is_some(),
                span: s.span,
            });
        }
    }
}

fn term(fx: &mut OpEffects, t: &Term) {
    match &t.kind {
        TermKind::Expr(e) => expr(fx, e),
        TermKind::Lookup { entity, key, otherwise } => {
            key.iter().for_each(|k| expr(fx, k));
            push_unique(&mut fx.reads, *entity);
            raise(fx, otherwise);
        }
        TermKind::Create { entity, value, otherwise } => {
            expr(fx, value);
            if let Some(r) = otherwise {
                raise(fx, r);
            }
            fx.writes.push(Write { entity: *entity, kind: WriteKind::Create, span: t.span });
        }
        TermKind::CallOp { op, args, otherwise } => {
            args.iter().for_each(|a| expr(fx, a));
            if let Some(r) = otherwise {
                raise(fx, r);
            }
            fx.calls.push(Call { op: *op, otherwise: otherwise.as_ref().map(|r| r.error), span: t.span });
        }
        TermKind::If { cond, then, otherwise } => {
            expr(fx, cond);
            block(fx, then);
            term(fx, otherwise);
        }
        TermKind::Match { scrutinee, arms } => {
            expr(fx, scrutinee);
            arms.iter().for_each(|a| term(fx, &a.body));
        }
        TermKind::Fail(r) => raise(fx, r),
        TermKind::Block(b) => block(fx, b),
    }
}

fn raise(fx: &mut OpEffects, r: &Raise) {
    r.fields.iter().for_each(|f| expr(fx, &f.value));
    push_unique(&mut fx.raises, r.error);
}

fn expr(fx: &mut OpEffects, e: &Expr) {
    crate::expr::walk(e, &mut |e| match &e.kind {
        ExprKind::Exists { entity, .. } | ExprKind::Quantified { entity, .. } | ExprKind::Count { entity, .. } => {
            push_unique(&mut fx.reads, *entity)
        }
        ExprKind::Call { func, .. } => push_unique(&mut fx.fns, *func),
        _ => {}
    });
}

/// The operation-level call graph: an edge `a -> b` for each call of `b` in the body of `a`.
/// Returns every cycle, one per strongly connected component, as the operations in call order
/// starting from the component's first operation (in declaration order).
pub fn call_cycles(spec: &Spec) -> Vec<Vec<OpRef>> {
    let effects = of_spec(spec);
    let mut callees: std::collections::BTreeMap<OpRef, Vec<OpRef>> = std::collections::BTreeMap::new();
    for (at, fx) in &effects {
        let list = callees.entry(*at).or_default();
        for c in &fx.calls {
            push_unique(list, c.op);
        }
    }
    // Depth-first search from each operation in order for the shortest way back to it; an
    // operation already in a reported cycle does not start another.
    let mut reported: Vec<OpRef> = Vec::new();
    let mut out = Vec::new();
    for (start, _) in &effects {
        if reported.contains(start) {
            continue;
        }
        let mut parent: std::collections::BTreeMap<OpRef, OpRef> = std::collections::BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([*start]);
        let mut end = None;
        'search: while let Some(n) = queue.pop_front() {
            for &m in callees.get(&n).map_or(&[][..], Vec::as_slice) {
                if m == *start {
                    end = Some(n);
                    break 'search;
                }
                if let std::collections::btree_map::Entry::Vacant(slot) = parent.entry(m) {
                    slot.insert(n);
                    queue.push_back(m);
                }
            }
        }
        let Some(mut n) = end else { continue };
        let mut path = vec![n];
        while n != *start {
            let Some(&p) = parent.get(&n) else { break };
            path.push(p);
            n = p;
        }
        path.reverse();
        reported.extend(path.iter().copied());
        out.push(path);
    }
    out
}
