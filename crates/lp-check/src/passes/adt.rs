//! ADT structure: which types have a value (Void paths, recursive types without a base case),
//! how many value shapes ("paths") each type has, its sum-of-products normal form, and types
//! that are structurally isomorphic to an earlier one (a hint, not an obligation).
//!
//! The analysis ([`AdtFacts`]) is shared with the totality pass and the reports.
//!
//! Decisions, documented here and in the book:
//! - **Inhabitation** ignores refinements (whether a refinement is satisfiable is decided by
//!   z3 in the refinements pass). `Option`, `List`, `Set` and `Map` are always inhabited
//!   (`None`, `[]`); `Result<A, B>` is inhabited when `A` or `B` is; a function type `A -> B`
//!   when `B` is or `A` is literally `Void`. It is the least fixpoint over the type graph, so a
//!   recursive type is inhabited only when some variant reaches a base case. A type parameter
//!   is inhabited when its argument is; a generic declaration is judged with inhabited
//!   arguments.
//! - **Path counts** count value shapes, the cases a total function must consider: `Void` 0,
//!   `Unit`, `Int`, `String`, a function, a machine handle and a type parameter 1 (a scalar is
//!   one shape whatever its value), `Bool` 2, a sum the sum of its variants', a record the
//!   product of its fields', `Option<T>` 1 + T, `Result<A, B>` A + B. A collection is 1 when
//!   its elements have no value (only the empty one) and ω otherwise, and so is a type that
//!   can contain itself: ω means unbounded (or beyond 2^64 - 1).
//! - **Normal form**: one level of sum of products: the variants (`+`) of products (`×`) of
//!   the field types as written; a record is one product, the unit product is `1`.
//! - **Isomorphic duplicates** compare records and sums with at least one field, modulo the
//!   names and order of fields and variants; field types are compared as written (an alias
//!   such as `Cents` is not `Int`), with field refinements. Enumerations (sums of unit
//!   variants), aliases, errors and types with a whole-type refinement are not compared:
//!   their names or invariants are what tells them apart.

use crate::obligation::{Counterexample, Goal, Method, Obligation, Pass, Report, Verdict};
use lp_diagnostics::{Diagnostic, FileId, Span, codes};
use lp_ir::{Expr, ExprKind, FieldDef, Pattern, PatternKind, Spec, Ty, TypeBody, TypeId, VariantDef};
use petgraph::graph::{DiGraph, NodeIndex};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;

/// Type parameters beyond this many are assumed inhabited (tables have 2^n entries).
const MAX_PARAMS: usize = 8;

/// How many paths [`AdtFacts::paths`] lists at most.
pub const MAX_LISTED_PATHS: u64 = 64;

/// A number of value shapes: finite, or ω (unbounded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Count {
    Finite(u64),
    Omega,
}

impl Count {
    pub const ZERO: Count = Count::Finite(0);
    pub const ONE: Count = Count::Finite(1);

    pub fn is_zero(self) -> bool {
        self == Count::ZERO
    }

    fn add(self, other: Count) -> Count {
        match (self, other) {
            (Count::Finite(a), Count::Finite(b)) => a.checked_add(b).map_or(Count::Omega, Count::Finite),
            _ => Count::Omega,
        }
    }

    fn mul(self, other: Count) -> Count {
        match (self, other) {
            (Count::Finite(0), _) | (_, Count::Finite(0)) => Count::ZERO,
            (Count::Finite(a), Count::Finite(b)) => a.checked_mul(b).map_or(Count::Omega, Count::Finite),
            _ => Count::Omega,
        }
    }
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Count::Finite(n) => write!(f, "{n}"),
            Count::Omega => f.write_str("ω"),
        }
    }
}

/// What the values of a declaration are made of.
#[derive(Clone, Copy)]
enum Body<'s> {
    Record(&'s [FieldDef]),
    Sum(&'s [VariantDef]),
    Alias(&'s Ty),
}

/// Why a type has no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Emptiness {
    /// Every value would need a value of `Void` (directly or through other empty types).
    VoidPath,
    /// Recursive, and every variant needs another value of the type: no base case.
    NoBaseCase,
}

/// A field that has no value and so blocks its record or variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    /// `Type.field` or `Type.Variant.field` (`Type` for an alias).
    pub path: String,
    /// The field's type as written.
    pub ty: String,
    pub span: Span,
}

/// The inhabitation, recursion and path-count facts of every `type` and `error` of a spec.
///
/// Declarations are nodes: types first (by [`TypeId`]), then errors (by `ErrorId`).
pub struct AdtFacts<'s> {
    spec: &'s Spec,
    /// Per node, whether it is inhabited for each combination of inhabited parameters (bit
    /// `i` of the index is parameter `i`).
    inh: Vec<Vec<bool>>,
    /// Strongly connected components of the reference graph (every mention).
    ref_scc: Vec<usize>,
    ref_recursive: Vec<bool>,
    /// Components of the live graph (mentions in inhabited alternatives, outside function
    /// types, of inhabited instances): a type in a cycle here has unboundedly many paths.
    live_scc: Vec<usize>,
    live_recursive: Vec<bool>,
    /// Whether a node may be empty by its structure: it reaches, through required positions
    /// (not under `Option` or a collection), `Void` or a cycle. Claims about the others
    /// cannot fail, so no obligation is emitted for them.
    fragile: Vec<bool>,
    counts: RefCell<HashMap<(usize, Vec<Count>), Count>>,
    in_progress: RefCell<HashSet<(usize, Vec<Count>)>>,
}

impl<'s> AdtFacts<'s> {
    /// Analyses every declaration: a fixpoint for inhabitation (each table entry changes at
    /// most once, so the work is linear in the size of the types times 2^params), then
    /// Tarjan's algorithm for the recursive components.
    pub fn new(spec: &'s Spec) -> Self {
        let n = spec.types.len() + spec.errors.len();
        let mut facts = AdtFacts {
            spec,
            inh: (0..n).map(|i| vec![false; 1 << nparams(spec, i)]).collect(),
            ref_scc: vec![0; n],
            ref_recursive: vec![false; n],
            live_scc: vec![0; n],
            live_recursive: vec![false; n],
            fragile: vec![false; n],
            counts: RefCell::new(HashMap::new()),
            in_progress: RefCell::new(HashSet::new()),
        };
        let mut refs: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (node, out) in refs.iter_mut().enumerate() {
            for_each_field_ty(body(spec, node), |ty| mentions(spec, ty, out));
            out.sort_unstable();
            out.dedup();
        }
        facts.fixpoint(&refs);
        let (scc, rec) = components(n, &refs);
        facts.ref_scc = scc;
        facts.ref_recursive = rec;
        let live: Vec<Vec<usize>> = (0..n).map(|node| facts.live_edges(node)).collect();
        let (scc, rec) = components(n, &live);
        facts.live_scc = scc;
        facts.live_recursive = rec;
        facts.fragile = fragility(spec, n);
        facts
    }

    /// Whether a type may be empty by its structure (see [`AdtFacts::fragile`]).
    pub fn may_be_empty(&self, ty: &Ty) -> bool {
        let mut refs = Vec::new();
        let mut void = false;
        required(self.spec, ty, &mut refs, &mut void);
        void || refs.iter().any(|&r| self.fragile.get(r).copied().unwrap_or(false))
    }

    /// Whether a declared type may be empty by its structure.
    pub fn type_may_be_empty(&self, id: TypeId) -> bool {
        self.fragile.get(id.index()).copied().unwrap_or(false)
    }

    /// Whether an error's payload may be empty by its structure.
    pub fn error_may_be_empty(&self, id: lp_ir::ErrorId) -> bool {
        self.fragile.get(self.spec.types.len() + id.index()).copied().unwrap_or(false)
    }

    pub fn spec(&self) -> &'s Spec {
        self.spec
    }

    fn fixpoint(&mut self, refs: &[Vec<usize>]) {
        let n = refs.len();
        let mut rev: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (from, tos) in refs.iter().enumerate() {
            for &to in tos {
                rev[to].push(from);
            }
        }
        let mut queue: VecDeque<usize> = (0..n).collect();
        let mut queued = vec![true; n];
        while let Some(node) = queue.pop_front() {
            queued[node] = false;
            let k = nparams(self.spec, node);
            let table: Vec<bool> = (0..1usize << k)
                .map(|bits| {
                    let env: Vec<bool> = (0..k).map(|i| bits & (1 << i) != 0).collect();
                    self.body_inhabited(node, &env, None)
                })
                .collect();
            if table != self.inh[node] {
                self.inh[node] = table;
                for &dep in &rev[node] {
                    if !queued[dep] {
                        queued[dep] = true;
                        queue.push_back(dep);
                    }
                }
            }
        }
    }

    /// Whether a value of `ty` exists, with type parameters inhabited as `env` says (missing
    /// entries are inhabited). With `assume`, members of that reference component count as
    /// inhabited (used to tell a missing base case from a Void path).
    fn ty_inhabited(&self, ty: &Ty, env: &[bool], assume: Option<usize>) -> bool {
        match ty {
            Ty::Int | Ty::Decimal | Ty::Bool | Ty::String | Ty::Unit | Ty::Machine(_) | Ty::Error => true,
            Ty::Option(_) | Ty::List(_) | Ty::Set(_) | Ty::Map(..) => true,
            Ty::Void => false,
            Ty::Result(a, b) => self.ty_inhabited(a, env, assume) || self.ty_inhabited(b, env, assume),
            Ty::Fn(a, b) => matches!(**a, Ty::Void) || self.ty_inhabited(b, env, assume),
            Ty::Param(i) => env.get(*i as usize).copied().unwrap_or(true),
            Ty::Named { id, args } => {
                let node = id.index();
                if node >= self.spec.types.len() {
                    return true;
                }
                if assume.is_some_and(|c| self.ref_scc[node] == c) {
                    return true;
                }
                let mut bits = 0usize;
                for (i, a) in args.iter().take(nparams(self.spec, node)).enumerate() {
                    if self.ty_inhabited(a, env, assume) {
                        bits |= 1 << i;
                    }
                }
                self.inh[node].get(bits).copied().unwrap_or(true)
            }
            Ty::ErrorType(e) => {
                let node = self.spec.types.len() + e.index();
                if node >= self.inh.len() {
                    return true;
                }
                if assume.is_some_and(|c| self.ref_scc[node] == c) {
                    return true;
                }
                self.inh[node][0]
            }
        }
    }

    fn fields_inhabited(&self, fields: &[FieldDef], env: &[bool], assume: Option<usize>) -> bool {
        fields.iter().all(|f| self.ty_inhabited(&f.ty, env, assume))
    }

    fn body_inhabited(&self, node: usize, env: &[bool], assume: Option<usize>) -> bool {
        match body(self.spec, node) {
            Body::Record(fields) => self.fields_inhabited(fields, env, assume),
            Body::Sum(variants) => {
                variants.iter().any(|v| v.payload.as_deref().is_none_or(|f| self.fields_inhabited(f, env, assume)))
            }
            Body::Alias(ty) => self.ty_inhabited(ty, env, assume),
        }
    }

    /// The live edges out of a node, judged with inhabited parameters.
    fn live_edges(&self, node: usize) -> Vec<usize> {
        let env = vec![true; nparams(self.spec, node)];
        let mut out = Vec::new();
        for_each_alternative(body(self.spec, node), |fields| {
            if fields.iter().all(|ty| self.ty_inhabited(ty, &env, None)) {
                for ty in fields {
                    self.live_mentions(ty, &env, &mut out);
                }
            }
        });
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Declarations mentioned where they count (outside function types), with an inhabited
    /// instance.
    fn live_mentions(&self, ty: &Ty, env: &[bool], out: &mut Vec<usize>) {
        match ty {
            Ty::Option(t) | Ty::List(t) | Ty::Set(t) => self.live_mentions(t, env, out),
            Ty::Result(a, b) | Ty::Map(a, b) => {
                self.live_mentions(a, env, out);
                self.live_mentions(b, env, out);
            }
            Ty::Named { id, args } => {
                if self.ty_inhabited(ty, env, None) && id.index() < self.spec.types.len() {
                    out.push(id.index());
                }
                for a in args {
                    self.live_mentions(a, env, out);
                }
            }
            Ty::ErrorType(e) if self.ty_inhabited(ty, env, None) => out.push(self.spec.types.len() + e.index()),
            _ => {}
        }
    }

    /// Whether a closed type (parameters count as inhabited) has a value.
    pub fn inhabited(&self, ty: &Ty) -> bool {
        self.ty_inhabited(ty, &[], None)
    }

    /// Whether a declared type has a value (its parameters taken as inhabited).
    pub fn type_inhabited(&self, id: TypeId) -> bool {
        let node = id.index();
        self.inh.get(node).and_then(|t| t.last()).copied().unwrap_or(true)
    }

    /// Whether an error's payload has a value.
    pub fn error_inhabited(&self, id: lp_ir::ErrorId) -> bool {
        self.inh.get(self.spec.types.len() + id.index()).and_then(|t| t.first()).copied().unwrap_or(true)
    }

    /// Whether a declared type can contain itself (it is in a cycle of the type graph).
    pub fn type_recursive(&self, id: TypeId) -> bool {
        self.ref_recursive.get(id.index()).copied().unwrap_or(false)
    }

    /// The number of paths of a closed type (a type parameter counts as one path).
    pub fn count(&self, ty: &Ty) -> Count {
        self.count_ty(ty, &[])
    }

    /// The number of paths of a declared type, each of its parameters counting as one.
    pub fn type_count(&self, id: TypeId) -> Count {
        let k = self.spec.types.get(id.index()).map_or(0, |d| d.params.len());
        self.count_node(id.index(), vec![Count::ONE; k])
    }

    /// The number of paths of an error's payload.
    pub fn error_count(&self, id: lp_ir::ErrorId) -> Count {
        self.count_node(self.spec.types.len() + id.index(), Vec::new())
    }

    fn count_ty(&self, ty: &Ty, env: &[Count]) -> Count {
        match ty {
            Ty::Int | Ty::Decimal | Ty::String | Ty::Unit | Ty::Machine(_) | Ty::Error => Count::ONE,
            Ty::Bool => Count::Finite(2),
            Ty::Void => Count::ZERO,
            Ty::Option(t) => Count::ONE.add(self.count_ty(t, env)),
            Ty::Result(a, b) => self.count_ty(a, env).add(self.count_ty(b, env)),
            Ty::List(t) | Ty::Set(t) => {
                if self.count_ty(t, env).is_zero() {
                    Count::ONE
                } else {
                    Count::Omega
                }
            }
            Ty::Map(k, v) => {
                if self.count_ty(k, env).is_zero() || self.count_ty(v, env).is_zero() {
                    Count::ONE
                } else {
                    Count::Omega
                }
            }
            Ty::Fn(..) => {
                let bools: Vec<bool> = env.iter().map(|c| !c.is_zero()).collect();
                if self.ty_inhabited(ty, &bools, None) { Count::ONE } else { Count::ZERO }
            }
            Ty::Param(i) => env.get(*i as usize).copied().unwrap_or(Count::ONE),
            Ty::Named { id, args } => {
                let args: Vec<Count> = args.iter().map(|a| self.count_ty(a, env)).collect();
                self.count_node(id.index(), args)
            }
            Ty::ErrorType(e) => self.count_node(self.spec.types.len() + e.index(), Vec::new()),
        }
    }

    fn count_node(&self, node: usize, args: Vec<Count>) -> Count {
        if node >= self.inh.len() {
            return Count::ONE;
        }
        let env: Vec<bool> = args.iter().map(|c| !c.is_zero()).collect();
        let k = nparams(self.spec, node);
        let bits = (0..k).filter(|&i| env.get(i).copied().unwrap_or(true)).fold(0usize, |b, i| b | (1 << i));
        if !self.inh[node][bits] {
            return Count::ZERO;
        }
        let key = (node, args);
        if let Some(c) = self.counts.borrow().get(&key) {
            return *c;
        }
        if !self.in_progress.borrow_mut().insert(key.clone()) {
            // Only reachable through a cycle the live graph missed: unbounded.
            return Count::Omega;
        }
        let args = &key.1;
        let mut infinite = false;
        if self.live_recursive[node] {
            for_each_alternative(body(self.spec, node), |fields| {
                if !infinite && fields.iter().all(|ty| self.ty_inhabited(ty, &env, None)) {
                    let mut out = Vec::new();
                    for ty in fields {
                        self.live_mentions(ty, &env, &mut out);
                    }
                    infinite = out.iter().any(|&m| self.live_scc[m] == self.live_scc[node]);
                }
            });
        }
        let count = if infinite {
            Count::Omega
        } else {
            let product = |fields: &[FieldDef]| {
                if !self.fields_inhabited(fields, &env, None) {
                    return Count::ZERO;
                }
                fields.iter().fold(Count::ONE, |acc, f| acc.mul(self.count_ty(&f.ty, args)))
            };
            match body(self.spec, node) {
                Body::Record(fields) => product(fields),
                Body::Sum(variants) => variants
                    .iter()
                    .fold(Count::ZERO, |acc, v| acc.add(v.payload.as_deref().map_or(Count::ONE, product))),
                Body::Alias(ty) => self.count_ty(ty, args),
            }
        };
        self.in_progress.borrow_mut().remove(&key);
        self.counts.borrow_mut().insert(key, count);
        count
    }

    /// Why a declared type has no value, or `None` when it has one.
    pub fn emptiness(&self, id: TypeId) -> Option<Emptiness> {
        if self.type_inhabited(id) {
            return None;
        }
        let node = id.index();
        let env = vec![true; nparams(self.spec, node)];
        if self.ref_recursive[node] && self.body_inhabited(node, &env, Some(self.ref_scc[node])) {
            Some(Emptiness::NoBaseCase)
        } else {
            Some(Emptiness::VoidPath)
        }
    }

    /// The fields that keep a type from having a value: every empty field of a record, the
    /// first empty field of each variant of a sum, the body of an alias.
    pub fn blockers(&self, id: TypeId) -> Vec<Blocker> {
        let Some(def) = self.spec.types.get(id.index()) else { return Vec::new() };
        let env = vec![true; nparams(self.spec, id.index())];
        let show = |ty: &Ty| self.spec.display_ty(ty, &def.params);
        match &def.body {
            TypeBody::Record(fields) => fields
                .iter()
                .filter(|f| !self.ty_inhabited(&f.ty, &env, None))
                .map(|f| Blocker { path: format!("{}.{}", def.name, f.name), ty: show(&f.ty), span: f.span })
                .collect(),
            TypeBody::Sum(variants) => variants
                .iter()
                .filter_map(|v| {
                    let f = v.payload.as_ref()?.iter().find(|f| !self.ty_inhabited(&f.ty, &env, None))?;
                    Some(Blocker { path: format!("{}.{}.{}", def.name, v.name, f.name), ty: show(&f.ty), span: f.span })
                })
                .collect(),
            TypeBody::Alias(ty) => vec![Blocker { path: def.name.clone(), ty: show(ty), span: def.span }],
        }
    }

    /// The Void path of an empty type: its first blocker, then the first blocker of the empty
    /// type that field mentions, and so on, until `Void` or a type already on the path.
    pub fn void_path(&self, id: TypeId) -> Vec<Blocker> {
        let mut path = Vec::new();
        let mut seen = HashSet::new();
        let mut current = Some(id);
        while let Some(t) = current.take() {
            if !seen.insert(t) {
                break;
            }
            let Some(b) = self.blockers(t).into_iter().next() else { break };
            current = self.first_empty_named(self.blocker_ty(t, &b));
            path.push(b);
        }
        path
    }

    /// The type of the field a blocker names.
    fn blocker_ty(&self, id: TypeId, b: &Blocker) -> Option<&'s Ty> {
        let def = self.spec.types.get(id.index())?;
        match &def.body {
            TypeBody::Record(fields) => fields.iter().find(|f| f.span == b.span).map(|f| &f.ty),
            TypeBody::Sum(variants) => {
                variants.iter().filter_map(|v| v.payload.as_ref()).flatten().find(|f| f.span == b.span).map(|f| &f.ty)
            }
            TypeBody::Alias(ty) => Some(ty),
        }
    }

    /// The first declared type inside `ty` that has no value (so that `ty` has none).
    fn first_empty_named(&self, ty: Option<&Ty>) -> Option<TypeId> {
        let ty = ty?;
        match ty {
            Ty::Named { id, .. } if !self.ty_inhabited(ty, &[], None) => Some(*id),
            Ty::Result(a, b) => self.first_empty_named(Some(a)).or_else(|| self.first_empty_named(Some(b))),
            Ty::Fn(_, b) => self.first_empty_named(Some(b)),
            _ => None,
        }
    }

    /// The paths of a declared type as patterns (`{ platform: Shopify, outcome: None }`),
    /// when there are at most [`MAX_LISTED_PATHS`] of them.
    pub fn paths(&self, id: TypeId) -> Option<Vec<String>> {
        match self.type_count(id) {
            Count::Finite(n) if n <= MAX_LISTED_PATHS => {}
            _ => return None,
        }
        let def = self.spec.types.get(id.index())?;
        let env = vec![Count::ONE; def.params.len()];
        Some(self.node_shapes(id.index(), &env))
    }

    /// The shapes of a finite type, as patterns; `_` for a scalar.
    fn shapes(&self, ty: &Ty, env: &[Count]) -> Vec<String> {
        match ty {
            Ty::Void => Vec::new(),
            Ty::Bool => vec!["true".into(), "false".into()],
            Ty::Option(t) => {
                let mut out = vec!["None".to_string()];
                out.extend(self.shapes(t, env).into_iter().map(|s| format!("Some({s})")));
                out
            }
            Ty::Result(a, b) => {
                let mut out: Vec<String> = self.shapes(a, env).into_iter().map(|s| format!("Ok({s})")).collect();
                out.extend(self.shapes(b, env).into_iter().map(|s| format!("Err({s})")));
                out
            }
            Ty::List(_) | Ty::Set(_) | Ty::Map(..) => {
                if self.count_ty(ty, env).is_zero() {
                    Vec::new()
                } else {
                    vec!["[]".into()]
                }
            }
            Ty::Named { id, args } => {
                let args: Vec<Count> = args.iter().map(|a| self.count_ty(a, env)).collect();
                if self.count_node(id.index(), args.clone()).is_zero() {
                    return Vec::new();
                }
                self.node_shapes(id.index(), &args)
            }
            Ty::ErrorType(e) => self.node_shapes(self.spec.types.len() + e.index(), &[]),
            _ => {
                if self.count_ty(ty, env).is_zero() {
                    Vec::new()
                } else {
                    vec!["_".into()]
                }
            }
        }
    }

    fn node_shapes(&self, node: usize, args: &[Count]) -> Vec<String> {
        let record = |prefix: &str, fields: &[FieldDef]| -> Vec<String> {
            let mut acc: Vec<Vec<(String, String)>> = vec![Vec::new()];
            for f in fields {
                let shapes = self.shapes(&f.ty, args);
                let mut next = Vec::with_capacity(acc.len() * shapes.len());
                for a in &acc {
                    for s in &shapes {
                        let mut row = a.clone();
                        if s != "_" {
                            row.push((f.name.clone(), s.clone()));
                        }
                        next.push(row);
                    }
                }
                acc = next;
            }
            acc.into_iter()
                .map(|row| {
                    let inner = row.iter().map(|(f, s)| format!("{f}: {s}")).collect::<Vec<_>>().join(", ");
                    match (prefix.is_empty(), row.is_empty()) {
                        (true, true) => "_".to_string(),
                        (true, false) => format!("{{ {inner} }}"),
                        (false, true) => format!("{prefix} {{ .. }}"),
                        (false, false) if row.len() < fields.len() => format!("{prefix} {{ {inner}, .. }}"),
                        (false, false) => format!("{prefix} {{ {inner} }}"),
                    }
                })
                .collect()
        };
        match body(self.spec, node) {
            Body::Record(fields) => record("", fields),
            Body::Sum(variants) => variants
                .iter()
                .flat_map(|v| match &v.payload {
                    None => vec![v.name.clone()],
                    Some(fields) => record(&v.name, fields),
                })
                .collect(),
            Body::Alias(ty) => self.shapes(ty, args),
        }
    }

    /// The sum-of-products normal form of a declared type, one level deep: variants joined
    /// by ` + `, fields by ` × `, the empty product `1`.
    pub fn normal_form(&self, id: TypeId) -> String {
        let Some(def) = self.spec.types.get(id.index()) else { return String::new() };
        let product = |fields: &[FieldDef]| -> Vec<String> {
            fields.iter().map(|f| self.spec.display_ty(&f.ty, &def.params)).collect()
        };
        match &def.body {
            TypeBody::Record(fields) if fields.is_empty() => "1".into(),
            TypeBody::Record(fields) => product(fields).join(" × "),
            TypeBody::Sum(variants) => variants
                .iter()
                .map(|v| {
                    let mut factors = vec![v.name.clone()];
                    factors.extend(v.payload.as_deref().map(product).unwrap_or_default());
                    factors.join(" × ")
                })
                .collect::<Vec<_>>()
                .join(" + "),
            TypeBody::Alias(ty) => self.spec.display_ty(ty, &def.params),
        }
    }
}

/// How many parameters of a node the tables track.
fn nparams(spec: &Spec, node: usize) -> usize {
    spec.types.get(node).map_or(0, |d| d.params.len().min(MAX_PARAMS))
}

fn body(spec: &Spec, node: usize) -> Body<'_> {
    match spec.types.get(node) {
        Some(def) => match &def.body {
            TypeBody::Record(fields) => Body::Record(fields),
            TypeBody::Sum(variants) => Body::Sum(variants),
            TypeBody::Alias(ty) => Body::Alias(ty),
        },
        None => Body::Record(spec.errors.get(node - spec.types.len()).map_or(&[], |e| e.fields.as_slice())),
    }
}

fn for_each_field_ty(body: Body<'_>, mut f: impl FnMut(&Ty)) {
    match body {
        Body::Record(fields) => fields.iter().for_each(|x| f(&x.ty)),
        Body::Sum(variants) => variants.iter().filter_map(|v| v.payload.as_ref()).flatten().for_each(|x| f(&x.ty)),
        Body::Alias(ty) => f(ty),
    }
}

/// Calls `f` with the field types of each alternative: the record, each variant, the alias.
fn for_each_alternative(body: Body<'_>, mut f: impl FnMut(&[&Ty])) {
    match body {
        Body::Record(fields) => f(&fields.iter().map(|x| &x.ty).collect::<Vec<_>>()),
        Body::Sum(variants) => {
            for v in variants {
                f(&v.payload.iter().flatten().map(|x| &x.ty).collect::<Vec<_>>());
            }
        }
        Body::Alias(ty) => f(&[ty]),
    }
}

/// Every declaration a type mentions, anywhere in it.
fn mentions(spec: &Spec, ty: &Ty, out: &mut Vec<usize>) {
    match ty {
        Ty::Option(t) | Ty::List(t) | Ty::Set(t) => mentions(spec, t, out),
        Ty::Result(a, b) | Ty::Map(a, b) | Ty::Fn(a, b) => {
            mentions(spec, a, out);
            mentions(spec, b, out);
        }
        Ty::Named { id, args } => {
            if id.index() < spec.types.len() {
                out.push(id.index());
            }
            for a in args {
                mentions(spec, a, out);
            }
        }
        Ty::ErrorType(e) if e.index() < spec.errors.len() => out.push(spec.types.len() + e.index()),
        _ => {}
    }
}

/// The declarations a type needs a value of (outside `Option` and collections; both sides of
/// a `Result`, the result of a function type, type arguments), and whether it needs `Void`.
fn required(spec: &Spec, ty: &Ty, out: &mut Vec<usize>, void: &mut bool) {
    match ty {
        Ty::Void => *void = true,
        Ty::Result(a, b) => {
            required(spec, a, out, void);
            required(spec, b, out, void);
        }
        Ty::Fn(_, b) => required(spec, b, out, void),
        Ty::Named { id, args } => {
            if id.index() < spec.types.len() {
                out.push(id.index());
            }
            for a in args {
                required(spec, a, out, void);
            }
        }
        Ty::ErrorType(e) if e.index() < spec.errors.len() => out.push(spec.types.len() + e.index()),
        _ => {}
    }
}

/// Which nodes reach `Void` or a cycle through required positions.
fn fragility(spec: &Spec, n: usize) -> Vec<bool> {
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut direct = vec![false; n];
    for node in 0..n {
        let mut void = false;
        for_each_field_ty(body(spec, node), |ty| required(spec, ty, &mut edges[node], &mut void));
        edges[node].sort_unstable();
        edges[node].dedup();
        direct[node] = void;
    }
    let (_, cyclic) = components(n, &edges);
    let mut rev: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (from, tos) in edges.iter().enumerate() {
        for &to in tos {
            rev[to].push(from);
        }
    }
    let mut fragile = vec![false; n];
    let mut queue: VecDeque<usize> = (0..n).filter(|&i| direct[i] || cyclic[i]).collect();
    for &i in &queue {
        fragile[i] = true;
    }
    while let Some(i) = queue.pop_front() {
        for &p in &rev[i] {
            if !fragile[p] {
                fragile[p] = true;
                queue.push_back(p);
            }
        }
    }
    fragile
}

/// Tarjan's strongly connected components: the component of each node, and whether the
/// node is in a cycle (a component of two or more, or a self-loop).
fn components(n: usize, edges: &[Vec<usize>]) -> (Vec<usize>, Vec<bool>) {
    let mut g: DiGraph<(), ()> = DiGraph::with_capacity(n, edges.iter().map(Vec::len).sum());
    for _ in 0..n {
        g.add_node(());
    }
    for (from, tos) in edges.iter().enumerate() {
        for &to in tos {
            g.add_edge(NodeIndex::new(from), NodeIndex::new(to), ());
        }
    }
    let mut scc = vec![0; n];
    let mut rec = vec![false; n];
    for (c, members) in petgraph::algo::tarjan_scc(&g).into_iter().enumerate() {
        let cyclic = members.len() > 1;
        for m in members {
            scc[m.index()] = c;
            rec[m.index()] = cyclic || edges[m.index()].contains(&m.index());
        }
    }
    (scc, rec)
}

/// A decided obligation.
#[allow(clippy::too_many_arguments)]
pub(crate) fn decided(
    id: String,
    pass: Pass,
    kind: &'static str,
    claim: String,
    (file, span): (FileId, Span),
    method: Method,
    verdict: Verdict,
    report: Report,
) -> Obligation {
    Obligation { id, pass, kind, claim, file, span, method, goal: Goal::Decided(verdict), report }
}

/// A failed verdict with a one-line summary and its bindings.
pub(crate) fn failed(summary: String, bindings: Vec<(String, String)>) -> Verdict {
    Verdict::Failed { counterexample: Counterexample { summary, bindings, trace: Vec::new() } }
}

/// The ADT pass: an `adt/type.NAME/inhabited` obligation for every type, then an
/// `adt/error.NAME/inhabited` for every error, that may be empty by its structure (it reaches
/// `Void` or a recursive type through required positions), in declaration order. For the
/// others the claim could not fail, so none is emitted.
pub fn obligations(spec: &Spec, facts: &AdtFacts<'_>) -> Vec<Obligation> {
    let mut out = Vec::new();
    for (i, def) in spec.types.iter().enumerate() {
        let id = TypeId(i as u32);
        if !facts.type_may_be_empty(id) {
            continue;
        }
        let recursive = facts.type_recursive(id);
        let claim = if recursive {
            format!("recursive type `{}` has a base case (a finite value)", def.name)
        } else {
            format!("type `{}` has a value", def.name)
        };
        let emptiness = facts.emptiness(id);
        let blockers = facts.blockers(id);
        let (verdict, report) = match emptiness {
            None => (
                Verdict::Proved { method: Method::Structural },
                Report {
                    code: codes::UNINHABITED_TYPE,
                    message: format!("type `{}` has no value", def.name),
                    label: "no value of this type can be built".into(),
                    secondary: Vec::new(),
                    help: None,
                },
            ),
            Some(Emptiness::NoBaseCase) => {
                let list = blockers.iter().map(|b| format!("{}: {}", b.path, b.ty)).collect::<Vec<_>>().join(", ");
                let summary = format!("every value of `{}` needs another value of its cycle: {list}", def.name);
                let secondary = blockers
                    .iter()
                    .map(|b| (def.file, b.span, format!("needs a value of `{}`, which has no finite value", b.ty)))
                    .collect();
                (
                    failed(summary, blockers.iter().map(|b| (b.path.clone(), b.ty.clone())).collect()),
                    Report {
                        code: codes::NO_BASE_CASE,
                        message: format!("recursive type `{}` has no base case", def.name),
                        label: "every value of this type would contain another one, without end".into(),
                        secondary,
                        help: Some(
                            "add a variant that does not mention the type (such as `Leaf` or `Nil`), or make the \
                             recursive field an `Option` or a `List`"
                                .into(),
                        ),
                    },
                )
            }
            Some(Emptiness::VoidPath) => {
                let summary = if matches!(def.body, TypeBody::Sum(_)) {
                    let list = blockers.iter().map(|b| format!("{}: {}", b.path, b.ty)).collect::<Vec<_>>().join(", ");
                    format!("every variant needs a value of an empty type: {list}")
                } else {
                    let path = facts.void_path(id);
                    let mut text = path.iter().map(|b| format!("{}: {}", b.path, b.ty)).collect::<Vec<_>>().join(" → ");
                    if text.is_empty() {
                        text = def.name.clone();
                    }
                    format!("Void path: {text}")
                };
                let secondary = blockers
                    .iter()
                    .filter(|b| b.span != def.span)
                    .map(|b| (def.file, b.span, format!("this needs a value of `{}`, which has none", b.ty)))
                    .collect();
                (
                    failed(summary, blockers.iter().map(|b| (b.path.clone(), b.ty.clone())).collect()),
                    Report {
                        code: codes::UNINHABITED_TYPE,
                        message: format!("type `{}` has no value", def.name),
                        label: "no value of this type can be built".into(),
                        secondary,
                        help: Some(
                            "a required field of type `Void` (or of a type without values) makes the whole type \
                             empty; use `Option<T>` for a field that may be absent, or remove the field"
                                .into(),
                        ),
                    },
                )
            }
        };
        out.push(decided(
            format!("adt/type.{}/inhabited", def.name),
            Pass::Adt,
            "inhabited",
            claim,
            (def.file, def.name_span),
            Method::Structural,
            verdict,
            report,
        ));
    }
    for (i, err) in spec.errors.iter().enumerate() {
        if !facts.error_may_be_empty(lp_ir::ErrorId(i as u32)) {
            continue;
        }
        let blockers: Vec<&FieldDef> = err.fields.iter().filter(|f| !facts.inhabited(&f.ty)).collect();
        let show = |f: &FieldDef| (format!("{}.{}", err.name, f.name), spec.display_ty(&f.ty, &[]));
        let verdict = if facts.error_inhabited(lp_ir::ErrorId(i as u32)) {
            Verdict::Proved { method: Method::Structural }
        } else {
            let list = blockers.iter().map(|f| show(f)).map(|(p, t)| format!("{p}: {t}")).collect::<Vec<_>>();
            failed(format!("Void path: {}", list.join(", ")), blockers.iter().map(|f| show(f)).collect())
        };
        out.push(decided(
            format!("adt/error.{}/inhabited", err.name),
            Pass::Adt,
            "inhabited",
            format!("error `{}` has a value, so it can be raised", err.name),
            (err.file, err.name_span),
            Method::Structural,
            verdict,
            Report {
                code: codes::UNINHABITED_TYPE,
                message: format!("error `{}` has no value, so it can never be raised", err.name),
                label: "no value of this error's payload can be built".into(),
                secondary: blockers
                    .iter()
                    .map(|f| (err.file, f.span, "this field's type has no value".to_string()))
                    .collect(),
                help: Some("remove the field, or give it a type that has values".into()),
            },
        ));
    }
    out
}

/// Hints about types that are structurally isomorphic to an earlier type (same shape modulo
/// the names and order of fields and variants). These are advice, not claims, so they are
/// diagnostics rather than obligations.
pub fn isomorphism_hints(spec: &Spec) -> Vec<Diagnostic> {
    let mut first: BTreeMap<String, TypeId> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, def) in spec.types.iter().enumerate() {
        let id = TypeId(i as u32);
        let Some(key) = shape_key(spec, id) else { continue };
        match first.get(&key) {
            None => {
                first.insert(key, id);
            }
            Some(&earlier) => {
                let e = &spec.types[earlier.index()];
                out.push(
                    Diagnostic::new(
                        codes::ISOMORPHIC_TYPES,
                        format!("type `{}` has the same shape as `{}`", def.name, e.name),
                    )
                    .at(def.file, def.name_span, format!("`{}` is `{}` with other names", def.name, e.name))
                    .with_secondary(e.file, e.name_span, format!("`{}` is declared here", e.name))
                    .with_help(
                        "if both mean the same thing, keep one of them; if not, this hint can be ignored \
                         (the types stay distinct: records and sums are nominal)",
                    ),
                );
            }
        }
    }
    out
}

/// The shape of a record or sum modulo names, or `None` when the type is not compared.
pub(crate) fn shape_key(spec: &Spec, id: TypeId) -> Option<String> {
    let def = spec.types.get(id.index())?;
    if def.refinement.is_some() {
        return None;
    }
    let fields_key = |fields: &[FieldDef]| -> String {
        let mut keys: Vec<String> = fields
            .iter()
            .map(|f| {
                let mut k = String::new();
                ty_key(spec, &f.ty, id, &mut k);
                if let Some(r) = &f.refinement {
                    k.push_str(" where ");
                    k.push_str(&expr_key(r));
                }
                k
            })
            .collect();
        keys.sort();
        format!("{{{}}}", keys.join(", "))
    };
    match &def.body {
        TypeBody::Record(fields) if !fields.is_empty() => Some(fields_key(fields)),
        TypeBody::Sum(variants) if variants.iter().any(|v| v.payload.as_ref().is_some_and(|p| !p.is_empty())) => {
            if variants.len() == 1 {
                return Some(fields_key(variants[0].payload.as_deref().unwrap_or_default()));
            }
            let mut keys: Vec<String> =
                variants.iter().map(|v| fields_key(v.payload.as_deref().unwrap_or_default())).collect();
            keys.sort();
            Some(format!("<{}>", keys.join(" | ")))
        }
        _ => None,
    }
}

fn ty_key(spec: &Spec, ty: &Ty, this: TypeId, out: &mut String) {
    match ty {
        Ty::Named { id, args } => {
            if *id == this {
                out.push_str("Self");
            } else {
                out.push('#');
                out.push_str(&id.0.to_string());
            }
            if !args.is_empty() {
                out.push('<');
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    ty_key(spec, a, this, out);
                }
                out.push('>');
            }
        }
        Ty::Param(i) => {
            out.push('$');
            out.push_str(&i.to_string());
        }
        Ty::Option(t) | Ty::List(t) | Ty::Set(t) => {
            out.push_str(match ty {
                Ty::Option(_) => "Option<",
                Ty::List(_) => "List<",
                _ => "Set<",
            });
            ty_key(spec, t, this, out);
            out.push('>');
        }
        Ty::Result(a, b) | Ty::Map(a, b) | Ty::Fn(a, b) => {
            out.push_str(match ty {
                Ty::Result(..) => "Result<",
                Ty::Map(..) => "Map<",
                _ => "Fn<",
            });
            ty_key(spec, a, this, out);
            out.push(',');
            ty_key(spec, b, this, out);
            out.push('>');
        }
        other => out.push_str(&spec.display_ty(other, &[])),
    }
}

/// A span-free canonical form of an expression, for comparing refinements.
pub(crate) fn expr_key(e: &Expr) -> String {
    let mut e = e.clone();
    despan(&mut e);
    format!("{:?}", e.kind)
}

fn despan(e: &mut Expr) {
    e.span = Span::default();
    match &mut e.kind {
        ExprKind::Ctor { args, .. } | ExprKind::Call { args, .. } | ExprKind::Builtin { args, .. } => {
            args.iter_mut().for_each(despan)
        }
        ExprKind::List(items) => items.iter_mut().for_each(despan),
        ExprKind::Apply { func, arg } => {
            despan(func);
            despan(arg);
        }
        ExprKind::Field { base, .. } => despan(base),
        ExprKind::Unary { operand, .. } => despan(operand),
        ExprKind::Binary { lhs, rhs, .. } => {
            despan(lhs);
            despan(rhs);
        }
        ExprKind::Match { scrutinee, arms } => {
            despan(scrutinee);
            for arm in arms {
                arm.span = Span::default();
                despan_pattern(&mut arm.pattern);
                despan(&mut arm.body);
            }
        }
        _ => {}
    }
}

fn despan_pattern(p: &mut Pattern) {
    p.span = Span::default();
    if let PatternKind::Ctor { fields, .. } = &mut p.kind {
        for f in fields {
            despan_pattern(&mut f.pattern);
        }
    }
}
