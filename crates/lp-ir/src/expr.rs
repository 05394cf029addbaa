//! Typed expressions and patterns: every reference resolved, every node carrying its [`Ty`].

use crate::spec::{EntityId, FnId, TypeId, VarId};
use crate::ty::Ty;
use lp_diagnostics::Span;
pub use lp_syntax::ast::{BinOp, Decimal, UnOp};

/// A match-bound variable, numbered from zero within one root expression (a refinement, a
/// contract, a body, a guard, ...) in the order its binding appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalId(pub u32);

/// A typed expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expr {
    pub kind: ExprKind,
    /// The type of the value. [`Ty::Error`] when the expression is erroneous.
    pub ty: Ty,
    /// Where the expression was written (parentheses not included).
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExprKind {
    Int(i64),
    /// An exact decimal literal, its scale as written.
    Decimal(Decimal),
    Str(String),
    Bool(bool),
    /// `self` in a refinement: the refined value.
    SelfValue,
    /// `result` in an `ensures` clause: the function's result.
    Result,
    /// A parameter of the enclosing function, by index.
    Param(u32),
    /// A variable of the enclosing state machine.
    Var(VarId),
    /// A variable bound by a match pattern. The name is kept for printers.
    Local {
        id: LocalId,
        name: String,
    },
    /// A constructor: `Some(x)`, `None`, `Ok(x)`, `Err(e)`, a unit variant `Shopify`, or a
    /// variant with a payload `Synced(3)` (arguments are the payload fields in order).
    Ctor {
        ctor: Ctor,
        args: Vec<Expr>,
    },
    /// A call of a declared function.
    Call {
        func: FnId,
        args: Vec<Expr>,
    },
    /// A call of a built-in function.
    Builtin {
        builtin: Builtin,
        args: Vec<Expr>,
    },
    /// A call of a value of function type (a parameter or a local `A -> B`).
    Apply {
        func: Box<Expr>,
        arg: Box<Expr>,
    },
    /// `base.name`: `index` is the field's position in the record (or error payload) that
    /// `base.ty` resolves to.
    Field {
        base: Box<Expr>,
        index: u32,
        name: String,
    },
    Unary {
        op: UnOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// A list literal; its type is `List<T>`.
    List(Vec<Expr>),
    /// A record literal: a value of the record (or error payload) type `ty` resolves to,
    /// with one field per field of the record, in declaration order (`fields[i].index == i`).
    /// A variant with a record payload written `V { a: 1 }` lowers to [`ExprKind::Ctor`].
    Record {
        fields: Vec<RecordField>,
    },
    /// `base with { … }`: `base` with the listed fields replaced (in the order written, each
    /// at most once). Its type is `base.ty`.
    With {
        base: Box<Expr>,
        fields: Vec<RecordField>,
    },
    /// `match scrutinee { arms }`. Exhaustiveness is checked by a later pass.
    Match {
        scrutinee: Box<Expr>,
        arms: Vec<MatchArm>,
    },
    /// `exists E[key]`: whether the store holds an instance of the entity with this key (one
    /// expression per key field, in the key's order).
    Exists {
        entity: EntityId,
        key: Vec<Expr>,
    },
    /// `forall x: E. body` (or `exists`): over every stored instance of the entity, bound to
    /// the local `local` in `body`.
    Quantified {
        forall: bool,
        entity: EntityId,
        local: LocalId,
        name: String,
        body: Box<Expr>,
    },
    /// `count(x: E where filter)`: how many stored instances satisfy `filter` (all of them
    /// without one).
    Count {
        entity: EntityId,
        local: LocalId,
        name: String,
        filter: Option<Box<Expr>>,
    },
    /// `fresh`: a key value that no stored instance of any entity uses yet.
    Fresh,
    /// An expression that could not be lowered; a diagnostic has been reported.
    Error,
}

impl ExprKind {
    /// Whether this node reads the store (`exists`, a quantifier over an entity, `count`)
    /// or draws a fresh key. Such expressions may only stand in operation bodies, `ensures`
    /// of operations and invariants.
    pub fn reads_store(&self) -> bool {
        matches!(self, ExprKind::Exists { .. } | ExprKind::Quantified { .. } | ExprKind::Count { .. } | ExprKind::Fresh)
    }
}

impl Expr {
    /// Whether this expression or one inside it reads the store (see
    /// [`ExprKind::reads_store`]).
    pub fn uses_store(&self) -> bool {
        let mut found = false;
        walk(self, &mut |e| found |= e.kind.reads_store());
        found
    }
}

/// A field given in a record literal or `with` update: the field's position in its record,
/// its name (for printers) and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordField {
    pub index: u32,
    pub name: String,
    pub value: Expr,
}

/// A value constructor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ctor {
    Some,
    None,
    Ok,
    Err,
    /// The variant with this index of the sum type `ty`.
    Variant {
        ty: TypeId,
        index: u32,
    },
}

/// The built-in functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Builtin {
    /// `len(String | List<T> | Set<T> | Map<K, V>) -> Int`.
    Len,
    /// `matches(text: String, regex: String) -> Bool`.
    Matches,
    /// `decimal(n: Int) -> Decimal`: the integer as an exact decimal (scale 0). The only
    /// conversion between the two numeric types.
    Decimal,
}

impl Builtin {
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Len => "len",
            Builtin::Matches => "matches",
            Builtin::Decimal => "decimal",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchArm {
    pub pattern: Pattern,
    pub body: Expr,
    pub span: Span,
}

/// A typed pattern; `ty` is the type of the value it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub kind: PatternKind,
    pub ty: Ty,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternKind {
    Wildcard,
    Int(i64),
    Str(String),
    Bool(bool),
    /// A lower-case name: binds the value to a local.
    Bind {
        local: LocalId,
        name: String,
    },
    /// A constructor pattern. For `Some`, `Ok` and `Err`, the one sub-pattern has index 0;
    /// for a variant, `fields` names payload fields by index. Fields not mentioned match
    /// anything.
    Ctor {
        ctor: Ctor,
        fields: Vec<FieldPattern>,
    },
    /// A pattern that could not be lowered; a diagnostic has been reported.
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPattern {
    pub index: u32,
    pub pattern: Pattern,
}

impl Expr {
    pub(crate) fn error(span: Span) -> Expr {
        Expr { kind: ExprKind::Error, ty: Ty::Error, span }
    }
}

/// Calls `f` on `e` and on every expression inside it, parents before children, in the order
/// they are written (match arms' bodies, not their patterns).
pub fn walk<'e>(e: &'e Expr, f: &mut dyn FnMut(&'e Expr)) {
    f(e);
    match &e.kind {
        ExprKind::Ctor { args, .. }
        | ExprKind::Call { args, .. }
        | ExprKind::Builtin { args, .. }
        | ExprKind::List(args) => args.iter().for_each(|a| walk(a, f)),
        ExprKind::Apply { func, arg } => {
            walk(func, f);
            walk(arg, f);
        }
        ExprKind::Field { base, .. } => walk(base, f),
        ExprKind::Record { fields } => fields.iter().for_each(|x| walk(&x.value, f)),
        ExprKind::With { base, fields } => {
            walk(base, f);
            fields.iter().for_each(|x| walk(&x.value, f));
        }
        ExprKind::Unary { operand, .. } => walk(operand, f),
        ExprKind::Binary { lhs, rhs, .. } => {
            walk(lhs, f);
            walk(rhs, f);
        }
        ExprKind::Match { scrutinee, arms } => {
            walk(scrutinee, f);
            arms.iter().for_each(|a| walk(&a.body, f));
        }
        ExprKind::Exists { key, .. } => key.iter().for_each(|k| walk(k, f)),
        ExprKind::Quantified { body, .. } => walk(body, f),
        ExprKind::Count { filter: Some(x), .. } => walk(x, f),
        _ => {}
    }
}
