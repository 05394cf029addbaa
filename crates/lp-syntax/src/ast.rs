//! The syntax tree of a spec file, as written: every node keeps its span.
//!
//! The tree follows `grammar/leanos.ebnf` production by production. Parsing never fails: an
//! item the parser could not read becomes [`ItemKind::Error`] and the parser resumes at the
//! next item keyword. Nothing here is resolved; names are plain strings.

use lp_diagnostics::Span;
/// The exact decimal numbers of `Decimal` literals and values: a 96-bit integer and a scale
/// (the number of digits after the point), with no binary floating point anywhere.
pub use rust_decimal::Decimal;

/// The most digits a decimal literal may have after its point (the scale of [`Decimal`]).
pub const MAX_DECIMAL_SCALE: u32 = 28;

/// An identifier with where it was written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

/// A whole `.adt` file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceFileAst {
    pub header: Option<SpecHeader>,
    pub items: Vec<Item>,
    /// Ordinary `//` comments (not doc comments), in source order, for the formatter.
    pub comments: Vec<Comment>,
}

/// A `//` comment. `text` excludes the leading `//` and the line terminator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}

/// `spec NAME version X.Y.Z`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecHeader {
    pub name: Name,
    pub version: Version,
    pub span: Span,
}

/// A `MAJOR.MINOR.PATCH` version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub span: Span,
}

/// A top-level item with its doc comment lines (without the `///`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub docs: Vec<String>,
    pub kind: ItemKind,
    /// From the item keyword to the end of the item (doc comments excluded).
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemKind {
    Type(TypeDecl),
    Error(ErrorDecl),
    Fn(FnDecl),
    Machine(MachineDecl),
    Service(ServiceDecl),
    Standards(Settings),
    Deploy(DeployDecl),
    Migrate(MigrateDecl),
    Allow(AllowDecl),
    Entity(EntityDecl),
    Invariant(InvariantDecl),
    /// Text the parser could not read; a diagnostic has been reported for it.
    Invalid,
}

// ---------------------------------------------------------------- types

/// `type NAME<PARAMS> = BODY [where EXPR]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeDecl {
    pub name: Name,
    pub params: Vec<TypeParam>,
    pub body: TypeBody,
    /// A refinement of the whole type, where `self` is the value.
    pub refinement: Option<Expr>,
}

/// Declared variance of a type parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Variance {
    /// `T`: no claim.
    Invariant,
    /// `+T`: declared covariant (a functor in T).
    Covariant,
    /// `-T`: declared contravariant.
    Contravariant,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeParam {
    pub variance: Variance,
    pub name: Name,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeBody {
    Record(RecordType),
    Sum(SumType),
    Alias(TypeRef),
}

/// `{ field: T, ... }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordType {
    pub fields: Vec<Field>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub docs: Vec<String>,
    pub name: Name,
    pub ty: TypeRef,
    pub refinement: Option<Expr>,
    pub span: Span,
}

/// `A | B { x: Int } | C`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumType {
    pub variants: Vec<Variant>,
    /// Whether the source started with `|` (kept so the formatter can tell a one-variant sum).
    pub leading_bar: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    pub docs: Vec<String>,
    pub name: Name,
    pub payload: Option<RecordType>,
    pub span: Span,
}

/// A use of a type: `Name`, `Name<Args>`, or `A -> B`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    Named {
        name: Name,
        args: Vec<TypeRef>,
        span: Span,
    },
    Function {
        param: Box<TypeRef>,
        result: Box<TypeRef>,
        span: Span,
    },
    /// `( T )`, kept so the formatter reproduces needed parentheses.
    Paren {
        inner: Box<TypeRef>,
        span: Span,
    },
}

impl TypeRef {
    pub fn span(&self) -> Span {
        match self {
            TypeRef::Named { span, .. } | TypeRef::Function { span, .. } | TypeRef::Paren { span, .. } => *span,
        }
    }
}

/// `error NAME = STATUS [{ fields }]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorDecl {
    pub name: Name,
    pub status: IntLit,
    pub payload: Option<RecordType>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntLit {
    pub value: i64,
    pub span: Span,
}

// ---------------------------------------------------------------- functions

/// `fn NAME(PARAMS) -> RESULT {contracts} [= BODY]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FnDecl {
    pub name: Name,
    pub params: Vec<Param>,
    pub result: TypeRef,
    pub contracts: Vec<Contract>,
    /// `None` for an external function (declared, implemented elsewhere).
    pub body: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: Name,
    pub ty: TypeRef,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContractKind {
    Requires,
    Ensures,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    pub kind: ContractKind,
    pub expr: Expr,
    pub span: Span,
}

// ---------------------------------------------------------------- expressions

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            BinOp::Or => "||",
            BinOp::And => "&&",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
        }
    }

    /// Binding strength: higher binds tighter. Comparisons do not chain.
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 3,
            BinOp::Add | BinOp::Sub => 4,
            BinOp::Mul | BinOp::Div | BinOp::Rem => 5,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExprKind {
    Int(i64),
    /// A decimal literal, its scale as written (`12.50` keeps two digits after the point).
    Decimal(Decimal),
    Str(String),
    Bool(bool),
    /// A name: a parameter, `self`, `result`, `old`, `new`, a variable or a unit variant.
    Name(Name),
    /// `f(a, b)`: a built-in (`len`, `matches`), a fn, or a variant constructor (`Some(x)`).
    Call {
        callee: Name,
        args: Vec<Expr>,
    },
    Field {
        base: Box<Expr>,
        field: Name,
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
    List(Vec<Expr>),
    Match {
        scrutinee: Box<Expr>,
        arms: Vec<MatchArm>,
    },
    /// `( e )`, kept so the formatter can reproduce the author's grouping.
    Paren(Box<Expr>),
    /// A record literal: `Window { min: 0, max: w.max }`, or `{ min: 0, max: 1 }` whose
    /// record type comes from the context. `name` may also be a variant with a record
    /// payload (`Synced { count: 3 }`).
    Record {
        name: Option<Name>,
        fields: Vec<FieldInit>,
    },
    /// A functional update: `base with { max: base.max + 1 }` is `base` with the named
    /// fields replaced.
    With {
        base: Box<Expr>,
        fields: Vec<FieldInit>,
    },
    /// `exists Entity[k1, k2]`: whether the store holds an instance with this key.
    Exists {
        entity: Name,
        key: Vec<Expr>,
    },
    /// `forall x: Entity. body` or `exists x: Entity. body`: over every stored instance.
    Quantified {
        forall: bool,
        var: Name,
        entity: Name,
        body: Box<Expr>,
    },
    /// `count(x: Entity where filter)`: how many stored instances satisfy `filter`.
    Count {
        var: Name,
        entity: Name,
        filter: Option<Box<Expr>>,
    },
    /// An expression the parser could not read; a diagnostic has been reported.
    Invalid,
}

/// One field of a record literal or `with` update: `name: value`, or the shorthand `name`
/// for `name: name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldInit {
    pub name: Name,
    /// `None` for the shorthand.
    pub value: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchArm {
    pub pattern: Pattern,
    pub body: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub kind: PatternKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternKind {
    Wildcard,
    Int(i64),
    Str(String),
    Bool(bool),
    /// A lower-case name binds the value.
    Binding(Name),
    /// `Variant`, `Variant(p)` or `Variant { a, b: p }`.
    Variant {
        name: Name,
        payload: VariantPatternPayload,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VariantPatternPayload {
    None,
    Tuple(Box<Pattern>),
    Record(Vec<FieldPattern>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPattern {
    pub name: Name,
    /// `None` for the shorthand `{ a }`, which binds `a`.
    pub pattern: Option<Pattern>,
    pub span: Span,
}

// ---------------------------------------------------------------- machines

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineDecl {
    pub name: Name,
    pub members: Vec<MachineMember>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineMember {
    pub docs: Vec<String>,
    pub kind: MachineMemberKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MachineMemberKind {
    Var {
        name: Name,
        ty: TypeRef,
        init: Expr,
    },
    Invariant(Expr),
    States(Vec<Name>),
    Initial(Name),
    Final(Vec<Name>),
    /// `ignore e1, e2 in S1, S2`: these events are explicitly accepted and ignored in these
    /// states (what the `strict` completeness policy asks for besides transitions).
    Ignore {
        events: Vec<Name>,
        states: Vec<Name>,
    },
    Transition(Transition),
    /// A member the parser could not read; it resumed at the next member.
    Invalid,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub from: Name,
    pub to: Name,
    pub event: Name,
    pub guard: Option<Expr>,
    pub actions: Vec<Assignment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub target: Name,
    pub value: Expr,
    pub span: Span,
}

// ---------------------------------------------------------------- services

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDecl {
    pub name: Name,
    pub members: Vec<ServiceMember>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceMember {
    pub docs: Vec<String>,
    pub kind: ServiceMemberKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceMemberKind {
    Depends(Vec<Name>),
    Op(Box<Operation>),
    Flow(Flow),
    /// A member the parser could not read; it resumed at the next member.
    Invalid,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    pub name: Name,
    pub params: Vec<OpParam>,
    pub result: TypeRef,
    pub errors: Vec<Name>,
    pub http: Option<HttpBinding>,
    /// `fires Machine.event`.
    pub fires: Option<(Name, Name)>,
    /// `ensures` clauses over the parameters, `result` and the store after the operation.
    pub ensures: Vec<Contract>,
    /// `= { ... }`: what the operation does. `None` for a pure interface.
    pub body: Option<Block>,
}

// ---------------------------------------------------------------- behaviour

/// `entity NAME key FIELDS [lifecycle MACHINE] = { fields } [where EXPR]`: a stored record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityDecl {
    pub name: Name,
    /// The key's fields, in the order written (`key id` or `key (tenant, sku)`).
    pub key: Vec<Name>,
    /// Whether the key was written in parentheses.
    pub key_parens: bool,
    pub lifecycle: Option<Name>,
    pub record: RecordType,
    pub refinement: Option<Expr>,
}

/// `invariant NAME: EXPR`: a claim over the stored entities that every operation keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvariantDecl {
    pub name: Name,
    pub expr: Expr,
}

/// `{ stmt... [term] }`: an operation body or a branch of one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    /// The block's value; `None` is `Unit`.
    pub result: Option<Box<Term>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StmtKind {
    /// `let name [: Type] = term`.
    Let { name: Name, ty: Option<TypeRef>, value: Term },
    /// `require cond else Error { ... }`.
    Require { cond: Expr, otherwise: Raise },
    /// `put value`: stores an entity, replacing any with the same key.
    Put(Expr),
    /// `delete Entity[key]`: removes the instance with this key, if there is one.
    Delete { entity: Name, key: Vec<Expr> },
    /// `fire target.event [else Error { ... }]`.
    Fire { target: Expr, event: Name, otherwise: Option<Raise> },
    /// A term whose value is not used.
    Term(Term),
    /// A statement the parser could not read; a diagnostic has been reported.
    Invalid,
}

/// A body expression: a pure expression, or one that reads or writes the store or fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub kind: TermKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermKind {
    Expr(Expr),
    /// `Entity[key] else Error { ... }`.
    Lookup {
        entity: Name,
        key: Vec<Expr>,
        otherwise: Raise,
    },
    /// `create Entity { fields } [else Error { ... }]`.
    Create {
        entity: Name,
        fields: Vec<FieldInit>,
        otherwise: Option<Raise>,
    },
    /// `Service.op(args) [else Error { ... }]`.
    CallOp {
        service: Name,
        op: Name,
        args: Vec<Expr>,
        otherwise: Option<Raise>,
    },
    /// `if cond { ... } [else { ... } | else if ...]`.
    If {
        cond: Expr,
        then: Block,
        otherwise: Option<Box<Term>>,
    },
    /// `match scrutinee { Pattern => term, ... }`.
    Match {
        scrutinee: Expr,
        arms: Vec<TermArm>,
    },
    /// `fail Error { ... }`.
    Fail(Raise),
    Block(Block),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermArm {
    pub pattern: Pattern,
    pub body: Term,
    pub span: Span,
}

/// `Error { fields }` after `else` or `fail`: the error to answer. Without fields, the error
/// has no payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raise {
    pub error: Name,
    pub fields: Option<Vec<FieldInit>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpParam {
    /// Whether the parameter is the request body (`body product: Product`).
    pub body: bool,
    pub name: Name,
    pub ty: TypeRef,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpBinding {
    pub method: HttpMethod,
    pub method_span: Span,
    pub path: HttpPath,
}

/// `/tenants/{tenant}/products/{product.sku}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpPath {
    pub segments: Vec<PathSegment>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// A literal segment (without slashes).
    Literal(String),
    /// `{a.b}`: a parameter, possibly a field of a body parameter, then literal text up to the
    /// next slash (`{sid}.json`; usually empty).
    Param { path: Vec<Name>, suffix: String, span: Span },
}

/// `flow NAME = a >=> b >=> c`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub name: Name,
    pub steps: Vec<Name>,
}

// ---------------------------------------------------------------- settings

/// `{ key = value except [...]; ... }` of `standards` and `deploy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub entries: Vec<Setting>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub key: Name,
    pub value: SettingValue,
    pub except: Vec<Name>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingValue {
    pub kind: SettingValueKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingValueKind {
    Int(i64),
    Str(String),
    Bool(bool),
    /// `bearer` or `bearer(scopes = [...])`; `args` is `None` without parentheses.
    Ident {
        name: Name,
        args: Option<Vec<(Name, SettingValue)>>,
    },
    List(Vec<SettingValue>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployDecl {
    pub service: Name,
    pub settings: Settings,
}

// ---------------------------------------------------------------- versions

/// `migrate from "path" [reversible] { rules }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrateDecl {
    pub from: StrLit,
    pub reversible: bool,
    pub rules: Vec<MigrationRule>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

/// `[back] Type.field <- expr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationRule {
    pub back: bool,
    pub ty: Name,
    pub field: Name,
    pub value: Expr,
    pub span: Span,
}

/// `allow RULE on Path.to.thing because "reason"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowDecl {
    pub rule: Name,
    pub target: Vec<Name>,
    pub reason: StrLit,
}
