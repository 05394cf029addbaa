//! Operation bodies: blocks of statements over the request, the store and the spec's
//! functions. Pure sub-expressions are ordinary typed [`Expr`]s; what reads or writes the
//! store, calls another service or fails is a statement or a [`Term`].
//!
//! Bodies terminate by construction: there are no loops and no recursion through bodies
//! (an operation may only call operations of the services its service depends on, and the
//! dependency graph is checked to be acyclic).

use crate::expr::{Expr, LocalId, Pattern, RecordField};
use crate::spec::{EntityId, ErrorId, EventId, MachineId, OpRef};
use crate::ty::Ty;
use lp_diagnostics::Span;

/// `{ stmt... [value] }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    /// The value of the block; `None` is `Unit`.
    pub result: Option<Box<Term>>,
    /// The type of the block's value.
    pub ty: Ty,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StmtKind {
    /// `let name = value`: binds the local `local` in the rest of the block.
    Let { local: LocalId, name: String, value: Term },
    /// `require cond else raise`: fails with `raise` unless `cond` holds.
    Require { cond: Expr, otherwise: Raise },
    /// `put value`: stores the entity value, replacing the instance with the same key.
    Put { entity: EntityId, value: Expr },
    /// `delete E[key]`: removes the instance with this key if there is one.
    Delete { entity: EntityId, key: Vec<Expr> },
    /// `fire target.event [else raise]`: takes the event in the lifecycle machine of the stored
    /// instance with `target`'s key. Without `else`, the event must be enabled (an
    /// obligation); with it, a disabled event fails with `raise` and changes nothing.
    Fire { entity: EntityId, machine: MachineId, target: Expr, event: EventId, otherwise: Option<Raise> },
    /// A term whose value is not used.
    Term(Term),
}

/// A body expression: a pure expression, or one that reads or writes the store, calls
/// another service or fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub kind: TermKind,
    pub ty: Ty,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermKind {
    Expr(Expr),
    /// `E[key] else raise`: the stored instance with this key, or a failure.
    Lookup {
        entity: EntityId,
        key: Vec<Expr>,
        otherwise: Raise,
    },
    /// `create E { ... } [else raise]`: stores a new instance and is its value. When the key
    /// is taken, fails with `raise`; without `else`, the key must be fresh (an obligation).
    /// An entity with a lifecycle starts in its machine's initial state.
    Create {
        entity: EntityId,
        value: Expr,
        otherwise: Option<Raise>,
    },
    /// `Service.op(args) [else raise]`: calls an operation of a service this one depends
    /// on. Its errors propagate unless `else` replaces every one of them by `raise`.
    CallOp {
        op: OpRef,
        args: Vec<Expr>,
        otherwise: Option<Raise>,
    },
    /// `if cond { then } else { otherwise }`; a missing `else` is an empty block.
    If {
        cond: Expr,
        then: Block,
        otherwise: Box<Term>,
    },
    /// `match scrutinee { pattern => term, ... }`.
    Match {
        scrutinee: Expr,
        arms: Vec<TermArm>,
    },
    /// `fail raise`: answers the error. Its type is `Void`.
    Fail(Raise),
    Block(Block),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermArm {
    pub pattern: Pattern,
    pub body: Term,
    pub span: Span,
}

/// The error to answer, with its whole payload (every field, in declaration order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raise {
    pub error: ErrorId,
    pub fields: Vec<RecordField>,
    pub span: Span,
}

/// Calls `f` on every statement of `b` and of the blocks inside it, in the order written.
pub fn walk_stmts<'b>(b: &'b Block, f: &mut dyn FnMut(&'b Stmt)) {
    for s in &b.stmts {
        f(s);
        match &s.kind {
            StmtKind::Let { value, .. } | StmtKind::Term(value) => walk_term_stmts(value, f),
            _ => {}
        }
    }
    if let Some(t) = &b.result {
        walk_term_stmts(t, f);
    }
}

fn walk_term_stmts<'b>(t: &'b Term, f: &mut dyn FnMut(&'b Stmt)) {
    match &t.kind {
        TermKind::If { then, otherwise, .. } => {
            walk_stmts(then, f);
            walk_term_stmts(otherwise, f);
        }
        TermKind::Match { arms, .. } => arms.iter().for_each(|a| walk_term_stmts(&a.body, f)),
        TermKind::Block(b) => walk_stmts(b, f),
        _ => {}
    }
}

/// Calls `f` on every term of `b`, nested ones included, parents before children.
pub fn walk_terms<'b>(b: &'b Block, f: &mut dyn FnMut(&'b Term)) {
    for s in &b.stmts {
        match &s.kind {
            StmtKind::Let { value, .. } | StmtKind::Term(value) => walk_term(value, f),
            _ => {}
        }
    }
    if let Some(t) = &b.result {
        walk_term(t, f);
    }
}

fn walk_term<'b>(t: &'b Term, f: &mut dyn FnMut(&'b Term)) {
    f(t);
    match &t.kind {
        TermKind::If { then, otherwise, .. } => {
            walk_terms(then, f);
            walk_term(otherwise, f);
        }
        TermKind::Match { arms, .. } => arms.iter().for_each(|a| walk_term(&a.body, f)),
        TermKind::Block(b) => walk_terms(b, f),
        _ => {}
    }
}

/// Every error a block can answer on its own (`require`, `fail`, lookups, `else` clauses),
/// with where, in the order written. Errors of called operations are not included.
pub fn raises(b: &Block) -> Vec<&Raise> {
    let mut out = Vec::new();
    walk_stmts(b, &mut |s| match &s.kind {
        StmtKind::Require { otherwise, .. } => out.push(otherwise),
        StmtKind::Fire { otherwise: Some(r), .. } => out.push(r),
        _ => {}
    });
    walk_terms(b, &mut |t| match &t.kind {
        TermKind::Lookup { otherwise, .. } | TermKind::Fail(otherwise) => out.push(otherwise),
        TermKind::Create { otherwise: Some(r), .. } | TermKind::CallOp { otherwise: Some(r), .. } => out.push(r),
        _ => {}
    });
    out.sort_by_key(|r| r.span.start);
    out
}
