//! The resolved spec: arenas of items addressed by typed ids, in declaration order.

use crate::expr::Expr;
use crate::ty::Ty;
use lp_diagnostics::{FileId, Span};
pub use lp_syntax::ast::{HttpMethod, SettingValue, SettingValueKind, Variance};

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
            pub struct $name(pub u32);

            impl $name {
                /// The position in its arena.
                pub fn index(self) -> usize {
                    self.0 as usize
                }
            }
        )*
    };
}

ids! {
    /// A `type` declaration: an index into [`Spec::types`].
    TypeId;
    /// An `error` declaration: an index into [`Spec::errors`].
    ErrorId;
    /// A `fn` declaration: an index into [`Spec::fns`].
    FnId;
    /// A `machine`: an index into [`Spec::machines`].
    MachineId;
    /// A `service`: an index into [`Spec::services`].
    ServiceId;
    /// A `deploy` block: an index into [`Spec::deploys`].
    DeployId;
    /// A `migrate` block: an index into [`Spec::migrations`].
    MigrationId;
    /// An `allow` declaration: an index into [`Spec::allows`].
    AllowId;
    /// A state of one machine: an index into [`Machine::states`].
    StateId;
    /// An event of one machine: an index into [`Machine::events`].
    EventId;
    /// A variable of one machine: an index into [`Machine::vars`].
    VarId;
    /// An operation of one service: an index into [`Service::ops`].
    OpId;
    /// An `entity`: an index into [`Spec::entities`].
    EntityId;
    /// A spec-level `invariant`: an index into [`Spec::invariants`].
    InvariantId;
}

/// Something a top-level name can refer to. Types, errors, functions, machines and
/// services share one namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DefId {
    Type(TypeId),
    Error(ErrorId),
    Fn(FnId),
    Machine(MachineId),
    Service(ServiceId),
}

/// A top-level item, for walking the spec in declaration order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ItemRef {
    Type(TypeId),
    Error(ErrorId),
    Fn(FnId),
    Machine(MachineId),
    Service(ServiceId),
    /// The `standards` block with this index in [`Standards::blocks`].
    Standards(u32),
    Deploy(DeployId),
    Migration(MigrationId),
    Allow(AllowId),
    Entity(EntityId),
    Invariant(InvariantId),
}

/// An operation of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpRef {
    pub service: ServiceId,
    pub op: OpId,
}

/// A `MAJOR.MINOR.PATCH` spec version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SpecVersion {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

impl std::fmt::Display for SpecVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// A whole resolved spec (all files of a project). Every arena is in declaration order,
/// files in the order they were given to [`crate::lower`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spec {
    /// The name from the `spec NAME version X.Y.Z` header (the first file that has one).
    pub name: Option<String>,
    pub version: Option<SpecVersion>,
    pub types: Vec<TypeDef>,
    pub errors: Vec<ErrorDef>,
    pub fns: Vec<FnDef>,
    pub machines: Vec<Machine>,
    pub services: Vec<Service>,
    /// Every `standards` block merged into one.
    pub standards: Standards,
    pub deploys: Vec<Deploy>,
    pub migrations: Vec<Migration>,
    pub allows: Vec<Allow>,
    /// Stored records with a key. Each entity's record is also a type in [`Spec::types`].
    pub entities: Vec<Entity>,
    /// Claims over the stored entities that every operation must keep.
    pub invariants: Vec<Invariant>,
    /// Every item in declaration order.
    pub items: Vec<ItemRef>,
}

/// A doc comment's lines, without the `///`.
pub type Docs = Vec<String>;

// ---------------------------------------------------------------- types

/// `type NAME<PARAMS> = BODY [where EXPR]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeDef {
    pub name: String,
    pub file: FileId,
    /// The whole declaration.
    pub span: Span,
    pub name_span: Span,
    pub docs: Docs,
    pub params: Vec<TypeParam>,
    pub body: TypeBody,
    /// The refinement of the whole type. `self` is the value: for an alias, of the aliased
    /// type; for a record or sum, of this type applied to its own parameters.
    pub refinement: Option<Expr>,
}

/// A type parameter with its declared variance (checked by the variance pass).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeParam {
    pub name: String,
    pub variance: Variance,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeBody {
    Record(Vec<FieldDef>),
    Sum(Vec<VariantDef>),
    Alias(Ty),
}

/// A record field (of a record type, a variant payload or an error payload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    pub name: String,
    pub span: Span,
    pub name_span: Span,
    pub docs: Docs,
    pub ty: Ty,
    /// The field's refinement, where `self` is the field's value.
    pub refinement: Option<Expr>,
}

/// A variant of a sum type. `payload` is `None` for a unit variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantDef {
    pub name: String,
    pub span: Span,
    pub name_span: Span,
    pub docs: Docs,
    pub payload: Option<Vec<FieldDef>>,
}

// ---------------------------------------------------------------- errors

/// The members of the RFC 9457 problem document every error is answered as. The services set
/// them for every error, so no declared field may share a name with one (LP1029).
pub const PROBLEM_MEMBERS: &[&str] = &["type", "title", "status", "detail", "instance"];

/// `error NAME = STATUS [{ fields }]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorDef {
    pub name: String,
    pub file: FileId,
    pub span: Span,
    pub name_span: Span,
    pub docs: Docs,
    /// The HTTP status, checked to be in 400..=599.
    pub status: u16,
    pub status_span: Span,
    /// The payload fields (empty without a payload).
    pub fields: Vec<FieldDef>,
}

// ---------------------------------------------------------------- functions

/// `fn NAME(PARAMS) -> RESULT {requires|ensures} [= BODY]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FnDef {
    pub name: String,
    pub file: FileId,
    pub span: Span,
    pub name_span: Span,
    pub docs: Docs,
    pub params: Vec<ParamDef>,
    pub result: Ty,
    pub result_span: Span,
    /// Preconditions over the parameters.
    pub requires: Vec<Expr>,
    /// Postconditions over the parameters and `result`.
    pub ensures: Vec<Expr>,
    /// `None` for an external function.
    pub body: Option<Expr>,
}

/// A parameter of a function or operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamDef {
    pub name: String,
    pub span: Span,
    pub name_span: Span,
    pub ty: Ty,
    /// For operations: whether this is the request body.
    pub body: bool,
}

// ---------------------------------------------------------------- machines

/// `machine NAME { ... }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    pub name: String,
    pub file: FileId,
    pub span: Span,
    pub name_span: Span,
    pub docs: Docs,
    pub vars: Vec<VarDef>,
    pub invariants: Vec<Expr>,
    /// Every state: those of `states`, `initial`, `final` and every transition endpoint, in
    /// first-mention order. When the machine has a `states` line, only those are states.
    pub states: Vec<StateDef>,
    /// The `initial` state; `None` when the machine declares none.
    pub initial: Option<StateId>,
    /// The `final` states, in the order written.
    pub finals: Vec<StateId>,
    /// Every event named by a transition, in first-mention order.
    pub events: Vec<EventDef>,
    pub transitions: Vec<Transition>,
    /// `ignore` rules: events accepted and ignored in a state, in the order written.
    pub ignored: Vec<IgnoreRule>,
}

impl Machine {
    /// The states reachable from the initial state, following every transition whatever its
    /// guard (an over-approximation); empty when the machine has no initial state.
    pub fn reachable_states(&self) -> std::collections::BTreeSet<StateId> {
        let mut seen = std::collections::BTreeSet::new();
        let Some(initial) = self.initial else { return seen };
        let mut todo = vec![initial];
        seen.insert(initial);
        while let Some(s) = todo.pop() {
            for t in self.transitions.iter().filter(|t| t.from == s) {
                if seen.insert(t.to) {
                    todo.push(t.to);
                }
            }
        }
        seen
    }
}

/// `var NAME: TYPE = INIT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarDef {
    pub name: String,
    pub span: Span,
    pub name_span: Span,
    pub docs: Docs,
    pub ty: Ty,
    /// The initial value (a constant: variables are not in scope).
    pub init: Expr,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateDef {
    pub name: String,
    /// The first mention.
    pub span: Span,
    /// The doc comment of the `states` line that declares it, if any.
    pub docs: Docs,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDef {
    pub name: String,
    /// The first mention.
    pub span: Span,
}

/// One event explicitly ignored in one state (`ignore EVENT in STATE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IgnoreRule {
    pub state: StateId,
    pub event: EventId,
    /// The event's name in the rule.
    pub span: Span,
}

/// `FROM -> TO on EVENT [when GUARD] [do ACTIONS]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub from: StateId,
    pub to: StateId,
    pub event: EventId,
    pub guard: Option<Expr>,
    pub actions: Vec<Action>,
    pub span: Span,
    pub docs: Docs,
}

/// `var = value` in a transition's `do` list; all right-hand sides see the values from
/// before the transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub var: VarId,
    pub value: Expr,
    pub span: Span,
}

// ---------------------------------------------------------------- services

/// `service NAME { ... }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    pub file: FileId,
    pub span: Span,
    pub name_span: Span,
    pub docs: Docs,
    pub depends: Vec<Dependency>,
    pub ops: Vec<Op>,
    pub flows: Vec<Flow>,
}

/// One service of a `depends on` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub service: ServiceId,
    pub span: Span,
}

/// `op NAME(PARAMS) -> RESULT [! ERRORS] [METHOD PATH] [fires MACHINE.EVENT]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    pub name: String,
    pub span: Span,
    pub name_span: Span,
    pub docs: Docs,
    pub params: Vec<ParamDef>,
    /// The result type; here a machine may be used as a type.
    pub result: Ty,
    pub result_span: Span,
    pub errors: Vec<OpError>,
    pub http: Option<HttpRoute>,
    pub fires: Option<Fires>,
    /// Postconditions over the parameters, `result` and the store after the operation.
    pub ensures: Vec<Expr>,
    /// What the operation does; `None` for a pure interface (implemented by hand).
    pub body: Option<crate::body::Block>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpError {
    pub error: ErrorId,
    pub span: Span,
}

/// An HTTP binding with its path parameters resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRoute {
    pub method: HttpMethod,
    pub segments: Vec<PathSeg>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSeg {
    /// A literal segment, without slashes.
    Literal(String),
    /// `{param}` or `{param.field.field}`: the operation parameter with index `param`, then
    /// a path of field indices into its (record) type. `names` is the path as written;
    /// `suffix` the literal text after the braces in the same segment (`{sid}.json`).
    Param { param: u32, fields: Vec<u32>, names: Vec<String>, suffix: String, span: Span },
}

/// `fires MACHINE.EVENT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fires {
    pub machine: MachineId,
    pub event: EventId,
    pub span: Span,
}

/// `flow NAME = a >=> b >=> c`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub name: String,
    pub span: Span,
    pub name_span: Span,
    pub docs: Docs,
    pub steps: Vec<FlowStep>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowStep {
    pub target: Callable,
    pub span: Span,
}

/// What a flow step calls: an operation of the flow's own service, a function, or an
/// operation of another service (tried in that order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Callable {
    Fn(FnId),
    Op(OpRef),
}

// ---------------------------------------------------------------- entities

/// `entity NAME key FIELDS [lifecycle MACHINE] = { fields } [where EXPR]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub name: String,
    pub file: FileId,
    pub span: Span,
    pub name_span: Span,
    pub docs: Docs,
    /// The entity's record type (its fields and refinements), in [`Spec::types`].
    pub ty: TypeId,
    /// The key: indices of fields of the record, in the order written. Two stored instances
    /// never have the same key.
    pub key: Vec<u32>,
    pub key_span: Span,
    /// The machine every instance follows, with its own state and variables.
    pub lifecycle: Option<MachineId>,
}

/// `invariant NAME: EXPR`, a `Bool` over the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invariant {
    pub name: String,
    pub file: FileId,
    pub span: Span,
    pub name_span: Span,
    pub docs: Docs,
    pub expr: Expr,
}

// ---------------------------------------------------------------- standards and deploy

/// All `standards` blocks of the spec, merged (a key may appear once in all of them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Standards {
    /// Where each block is, in declaration order.
    pub blocks: Vec<Location>,
    /// `auth = SCHEME[(ARGS)] [except [...]]`, interpreted.
    pub auth: Option<Auth>,
    /// `errors = STYLE`, such as `problem_json`.
    pub errors: Option<String>,
    /// Every setting (including `auth` and `errors`) with its raw value, in order.
    pub settings: Vec<StandardSetting>,
}

/// A file and a span in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub file: FileId,
    pub span: Span,
}

/// The keys a `standards` block may set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StandardKey {
    Auth,
    Errors,
    RateLimit,
    Cors,
    Pagination,
    Versioning,
    Audit,
    /// `completeness = strict | lenient`: the state machines' completeness policy.
    Completeness,
}

impl StandardKey {
    pub const ALL: [StandardKey; 8] = [
        StandardKey::Auth,
        StandardKey::Errors,
        StandardKey::RateLimit,
        StandardKey::Cors,
        StandardKey::Pagination,
        StandardKey::Versioning,
        StandardKey::Audit,
        StandardKey::Completeness,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StandardKey::Auth => "auth",
            StandardKey::Errors => "errors",
            StandardKey::RateLimit => "rate_limit",
            StandardKey::Cors => "cors",
            StandardKey::Pagination => "pagination",
            StandardKey::Versioning => "versioning",
            StandardKey::Audit => "audit",
            StandardKey::Completeness => "completeness",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandardSetting {
    pub key: StandardKey,
    pub value: SettingValue,
    pub except: Vec<Exempt>,
    pub file: FileId,
    pub span: Span,
}

/// The authentication standard: a scheme such as `bearer` with its named arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Auth {
    pub scheme: String,
    pub args: Vec<(String, SettingValue)>,
    pub except: Vec<Exempt>,
}

/// A name in an `except [...]` list, with the operations of that name (of any service).
/// An empty `ops` means no operation has the name (a generated endpoint, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exempt {
    pub name: String,
    pub span: Span,
    pub ops: Vec<OpRef>,
}

/// `deploy SERVICE { ... }`, with the known settings interpreted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deploy {
    pub service: ServiceId,
    pub file: FileId,
    pub span: Span,
    pub name_span: Span,
    pub docs: Docs,
    /// At least 1.
    pub replicas: Option<i64>,
    pub cpu: Option<String>,
    pub memory: Option<String>,
    /// In 1..=65535.
    pub port: Option<i64>,
    pub image: Option<String>,
    /// The raw elements of the `env` list.
    pub env: Option<Vec<SettingValue>>,
    /// Every setting with its raw value, in order.
    pub settings: Vec<DeploySetting>,
}

/// The keys a `deploy` block may set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DeployKey {
    Replicas,
    Cpu,
    Memory,
    Port,
    Image,
    Env,
}

impl DeployKey {
    pub const ALL: [DeployKey; 6] =
        [DeployKey::Replicas, DeployKey::Cpu, DeployKey::Memory, DeployKey::Port, DeployKey::Image, DeployKey::Env];

    pub fn as_str(self) -> &'static str {
        match self {
            DeployKey::Replicas => "replicas",
            DeployKey::Cpu => "cpu",
            DeployKey::Memory => "memory",
            DeployKey::Port => "port",
            DeployKey::Image => "image",
            DeployKey::Env => "env",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploySetting {
    pub key: DeployKey,
    pub value: SettingValue,
    pub span: Span,
}

// ---------------------------------------------------------------- versions

/// `migrate from "PATH" [reversible] { rules }`. Rule values mention `old` (forward rules)
/// or `new` (`back` rules) and are typed by the version pass, which has both specs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    pub from: String,
    pub from_span: Span,
    pub reversible: bool,
    pub file: FileId,
    pub span: Span,
    pub docs: Docs,
    pub rules: Vec<MigrationRule>,
}

/// `[back] Type.field <- expr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationRule {
    pub back: bool,
    pub ty: String,
    pub field: String,
    /// For a forward rule, the new spec's record type and field index it targets (checked
    /// here); `None` for `back` rules, which target the old spec.
    pub target: Option<(TypeId, u32)>,
    /// The right-hand side as written.
    pub value: lp_syntax::ast::Expr,
    pub span: Span,
}

/// `allow RULE on PATH because "REASON"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allow {
    pub rule: String,
    pub target: Vec<String>,
    pub reason: String,
    pub file: FileId,
    pub span: Span,
    pub docs: Docs,
}
