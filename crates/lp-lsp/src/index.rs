//! A syntactic index of a workspace's names: every definition and every use of a top-level
//! item, variant, machine state or variable and service operation, with its span. It is built
//! from the ASTs alone, so navigation works while the spec has name or type errors.
//!
//! Names live in scopes: top-level items and variants in the global one, states and
//! variables in their machine, operations and flows in their service. A use resolves to its
//! own scope first, then to the global one; a use that resolves to nothing is not indexed.

use lp_diagnostics::{FileId, Span};
use lp_syntax::ast::{self, ItemKind, MachineMemberKind, ServiceMemberKind};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Where a name is defined.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    Global,
    Machine(String),
    Service(String),
}

/// What a definition is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SymKind {
    Type,
    Variant,
    Error,
    Fn,
    Machine,
    State,
    Var,
    Service,
    Op,
    Flow,
    Entity,
    Invariant,
}

impl SymKind {
    pub fn word(self) -> &'static str {
        match self {
            SymKind::Type => "type",
            SymKind::Variant => "variant",
            SymKind::Error => "error",
            SymKind::Fn => "fn",
            SymKind::Machine => "machine",
            SymKind::State => "state",
            SymKind::Var => "var",
            SymKind::Service => "service",
            SymKind::Op => "op",
            SymKind::Flow => "flow",
            SymKind::Entity => "entity",
            SymKind::Invariant => "invariant",
        }
    }
}

/// A name in its scope: what uses resolve to.
pub type Key = (Scope, String);

/// One definition.
#[derive(Debug, Clone)]
pub struct Def {
    pub key: Key,
    pub kind: SymKind,
    pub file: FileId,
    pub name_span: Span,
    /// The whole declaration (the item, variant or member).
    pub span: Span,
    /// The enclosing item's name for variants, states, variables, operations and flows.
    pub container: Option<String>,
    pub docs: Vec<String>,
}

/// One written occurrence of a name, its definition included.
#[derive(Debug, Clone)]
pub struct Occurrence {
    /// Shared by every occurrence of the name.
    pub key: Arc<Key>,
    pub file: FileId,
    pub span: Span,
    pub is_def: bool,
}

/// Every definition and resolved occurrence of a workspace.
#[derive(Debug, Default)]
pub struct Index {
    pub defs: Vec<Def>,
    pub occurrences: Vec<Occurrence>,
}

/// A use before resolution; `scope` indexes [`Collector::scopes`].
struct Use<'a> {
    scope: usize,
    name: &'a str,
    file: FileId,
    span: Span,
}

/// The global scope's index in [`Collector::scopes`].
const GLOBAL: usize = 0;

impl Index {
    /// Indexes the parsed files of one workspace.
    pub fn build(files: &[(FileId, &ast::SourceFileAst)]) -> Index {
        let mut c = Collector {
            defs: Vec::new(),
            uses: Vec::new(),
            file: FileId(0),
            params: Vec::new(),
            scopes: vec![Scope::Global],
        };
        for (file, ast) in files {
            c.file = *file;
            for item in &ast.items {
                c.item(item);
            }
        }
        // One shared key per defined name; uses look it up without allocating.
        let mut keys: HashMap<&Scope, HashMap<&str, Arc<Key>>> = HashMap::new();
        for d in &c.defs {
            keys.entry(&d.key.0).or_default().entry(d.key.1.as_str()).or_insert_with(|| Arc::new(d.key.clone()));
        }
        let lookup = |scope: &Scope, name: &str| keys.get(scope).and_then(|m| m.get(name)).cloned();
        let mut occurrences: Vec<Occurrence> = c
            .defs
            .iter()
            .filter_map(|d| {
                let key = lookup(&d.key.0, &d.key.1)?;
                Some(Occurrence { key, file: d.file, span: d.name_span, is_def: true })
            })
            .collect();
        for u in &c.uses {
            let Some(key) = lookup(&c.scopes[u.scope], u.name).or_else(|| lookup(&Scope::Global, u.name)) else {
                continue;
            };
            occurrences.push(Occurrence { key, file: u.file, span: u.span, is_def: false });
        }
        occurrences.sort_by_key(|o| (o.file, o.span.start, o.span.end));
        Index { defs: c.defs, occurrences }
    }

    /// The occurrence under a byte offset (a cursor just after a name counts).
    pub fn occurrence_at(&self, file: FileId, offset: usize) -> Option<&Occurrence> {
        let offset = offset as u32;
        self.occurrences.iter().find(|o| o.file == file && o.span.start <= offset && offset <= o.span.end)
    }

    /// The definitions of a key (more than one when a name is declared twice).
    pub fn defs_of<'a>(&'a self, key: &'a Key) -> impl Iterator<Item = &'a Def> + 'a {
        self.defs.iter().filter(move |d| &d.key == key)
    }

    /// Every occurrence of a key, definitions included, in file and position order.
    pub fn occurrences_of<'a>(&'a self, key: &'a Key) -> impl Iterator<Item = &'a Occurrence> + 'a {
        self.occurrences.iter().filter(move |o| *o.key == *key)
    }

    /// The innermost definition whose declaration contains a byte offset.
    pub fn enclosing(&self, file: FileId, offset: usize) -> Option<&Def> {
        let offset = offset as u32;
        self.defs
            .iter()
            .filter(|d| d.file == file && d.span.start <= offset && offset <= d.span.end)
            .min_by_key(|d| d.span.len())
    }
}

struct Collector<'a> {
    defs: Vec<Def>,
    uses: Vec<Use<'a>>,
    file: FileId,
    /// The type parameters in scope (uses of them are not indexed).
    params: Vec<&'a str>,
    /// Every scope seen; uses refer to them by index.
    scopes: Vec<Scope>,
}

impl<'a> Collector<'a> {
    fn scope(&mut self, scope: Scope) -> usize {
        self.scopes.push(scope);
        self.scopes.len() - 1
    }

    fn def(
        &mut self,
        scope: Scope,
        name: &ast::Name,
        kind: SymKind,
        span: Span,
        container: Option<&str>,
        docs: &[String],
    ) {
        self.defs.push(Def {
            key: (scope, name.text.clone()),
            kind,
            file: self.file,
            name_span: name.span,
            span,
            container: container.map(str::to_string),
            docs: docs.to_vec(),
        });
    }

    fn use_(&mut self, scope: usize, name: &'a ast::Name) {
        self.uses.push(Use { scope, name: &name.text, file: self.file, span: name.span });
    }

    fn item(&mut self, item: &'a ast::Item) {
        match &item.kind {
            ItemKind::Type(t) => {
                self.def(Scope::Global, &t.name, SymKind::Type, item.span, None, &item.docs);
                self.params = t.params.iter().map(|p| p.name.text.as_str()).collect();
                match &t.body {
                    ast::TypeBody::Record(r) => self.record(GLOBAL, r),
                    ast::TypeBody::Sum(s) => {
                        for v in &s.variants {
                            self.def(Scope::Global, &v.name, SymKind::Variant, v.span, Some(&t.name.text), &v.docs);
                            if let Some(p) = &v.payload {
                                self.record(GLOBAL, p);
                            }
                        }
                    }
                    ast::TypeBody::Alias(r) => self.ty(r),
                }
                if let Some(e) = &t.refinement {
                    self.expr(GLOBAL, e);
                }
                self.params.clear();
            }
            ItemKind::Error(e) => {
                self.def(Scope::Global, &e.name, SymKind::Error, item.span, None, &item.docs);
                if let Some(p) = &e.payload {
                    self.record(GLOBAL, p);
                }
            }
            ItemKind::Fn(f) => {
                self.def(Scope::Global, &f.name, SymKind::Fn, item.span, None, &item.docs);
                for p in &f.params {
                    self.ty(&p.ty);
                }
                self.ty(&f.result);
                for c in &f.contracts {
                    self.expr(GLOBAL, &c.expr);
                }
                if let Some(b) = &f.body {
                    self.expr(GLOBAL, b);
                }
            }
            ItemKind::Machine(m) => self.machine(item, m),
            ItemKind::Service(s) => self.service(item, s),
            ItemKind::Deploy(d) => self.use_(GLOBAL, &d.service),
            ItemKind::Migrate(m) => {
                for r in &m.rules {
                    self.use_(GLOBAL, &r.ty);
                    self.expr(GLOBAL, &r.value);
                }
            }
            ItemKind::Allow(a) => {
                if let Some(first) = a.target.first() {
                    self.use_(GLOBAL, first);
                }
            }
            ItemKind::Entity(e) => {
                self.def(Scope::Global, &e.name, SymKind::Entity, item.span, None, &item.docs);
                self.record(GLOBAL, &e.record);
                if let Some(m) = &e.lifecycle {
                    self.use_(GLOBAL, m);
                }
                if let Some(r) = &e.refinement {
                    self.expr(GLOBAL, r);
                }
            }
            ItemKind::Invariant(i) => {
                self.def(Scope::Global, &i.name, SymKind::Invariant, item.span, None, &item.docs);
                self.expr(GLOBAL, &i.expr);
            }
            ItemKind::Standards(_) | ItemKind::Invalid => {}
        }
    }

    /// The names an operation body uses: entities, errors, functions, services and their
    /// operations, variants.
    fn block(&mut self, scope: usize, b: &'a ast::Block) {
        for st in &b.stmts {
            match &st.kind {
                ast::StmtKind::Let { ty, value, .. } => {
                    if let Some(t) = ty {
                        self.ty(t);
                    }
                    self.term(scope, value);
                }
                ast::StmtKind::Require { cond, otherwise } => {
                    self.expr(scope, cond);
                    self.raise(scope, otherwise);
                }
                ast::StmtKind::Put(e) => self.expr(scope, e),
                ast::StmtKind::Delete { entity, key } => {
                    self.use_(GLOBAL, entity);
                    key.iter().for_each(|k| self.expr(scope, k));
                }
                ast::StmtKind::Fire { target, otherwise, .. } => {
                    self.expr(scope, target);
                    if let Some(r) = otherwise {
                        self.raise(scope, r);
                    }
                }
                ast::StmtKind::Term(t) => self.term(scope, t),
                ast::StmtKind::Invalid => {}
            }
        }
        if let Some(t) = &b.result {
            self.term(scope, t);
        }
    }

    fn term(&mut self, scope: usize, t: &'a ast::Term) {
        match &t.kind {
            ast::TermKind::Expr(e) => self.expr(scope, e),
            ast::TermKind::Lookup { entity, key, otherwise } => {
                self.use_(GLOBAL, entity);
                key.iter().for_each(|k| self.expr(scope, k));
                self.raise(scope, otherwise);
            }
            ast::TermKind::Create { entity, fields, otherwise } => {
                self.use_(GLOBAL, entity);
                self.field_inits(scope, fields);
                if let Some(r) = otherwise {
                    self.raise(scope, r);
                }
            }
            ast::TermKind::CallOp { service, op, args, otherwise } => {
                self.use_(GLOBAL, service);
                let callee = self.scope(Scope::Service(service.text.clone()));
                self.use_(callee, op);
                args.iter().for_each(|a| self.expr(scope, a));
                if let Some(r) = otherwise {
                    self.raise(scope, r);
                }
            }
            ast::TermKind::If { cond, then, otherwise } => {
                self.expr(scope, cond);
                self.block(scope, then);
                if let Some(o) = otherwise {
                    self.term(scope, o);
                }
            }
            ast::TermKind::Match { scrutinee, arms } => {
                self.expr(scope, scrutinee);
                for arm in arms {
                    self.pattern(&arm.pattern);
                    self.term(scope, &arm.body);
                }
            }
            ast::TermKind::Fail(r) => self.raise(scope, r),
            ast::TermKind::Block(b) => self.block(scope, b),
        }
    }

    fn raise(&mut self, scope: usize, r: &'a ast::Raise) {
        self.use_(GLOBAL, &r.error);
        if let Some(fields) = &r.fields {
            self.field_inits(scope, fields);
        }
    }

    fn machine(&mut self, item: &'a ast::Item, m: &'a ast::MachineDecl) {
        self.def(Scope::Global, &m.name, SymKind::Machine, item.span, None, &item.docs);
        let sc = Scope::Machine(m.name.text.clone());
        let s = self.scope(sc.clone());
        let container = Some(m.name.text.as_str());
        // Without a `states` line the states are declared by use (as the IR lowers them): a
        // state's first mention in `initial`, `final` or a transition is its definition.
        let closed = m.members.iter().any(|member| matches!(member.kind, MachineMemberKind::States(_)));
        let mut mentioned: HashSet<&str> = HashSet::new();
        let mut state = |c: &mut Self, n: &'a ast::Name| {
            if !closed && mentioned.insert(&n.text) {
                c.def(sc.clone(), n, SymKind::State, n.span, container, &[]);
            } else {
                c.use_(s, n);
            }
        };
        for member in &m.members {
            match &member.kind {
                MachineMemberKind::Var { name, ty, init } => {
                    self.def(sc.clone(), name, SymKind::Var, member.span, container, &member.docs);
                    self.ty(ty);
                    self.expr(s, init);
                }
                MachineMemberKind::Invariant(e) => self.expr(s, e),
                MachineMemberKind::States(names) => {
                    for n in names {
                        self.def(sc.clone(), n, SymKind::State, n.span, container, &member.docs);
                    }
                }
                MachineMemberKind::Initial(n) => state(self, n),
                MachineMemberKind::Final(ns) => ns.iter().for_each(|n| state(self, n)),
                // `ignore` names states declared elsewhere; it never declares one.
                MachineMemberKind::Ignore { states, .. } => states.iter().for_each(|n| self.use_(s, n)),
                MachineMemberKind::Transition(t) => {
                    state(self, &t.from);
                    state(self, &t.to);
                    if let Some(g) = &t.guard {
                        self.expr(s, g);
                    }
                    for a in &t.actions {
                        self.use_(s, &a.target);
                        self.expr(s, &a.value);
                    }
                }
                MachineMemberKind::Invalid => {}
            }
        }
    }

    fn service(&mut self, item: &'a ast::Item, sv: &'a ast::ServiceDecl) {
        self.def(Scope::Global, &sv.name, SymKind::Service, item.span, None, &item.docs);
        let sc = Scope::Service(sv.name.text.clone());
        let s = self.scope(sc.clone());
        let container = Some(sv.name.text.as_str());
        for member in &sv.members {
            match &member.kind {
                ServiceMemberKind::Depends(names) => names.iter().for_each(|n| self.use_(GLOBAL, n)),
                ServiceMemberKind::Op(op) => {
                    self.def(sc.clone(), &op.name, SymKind::Op, member.span, container, &member.docs);
                    for p in &op.params {
                        self.ty(&p.ty);
                    }
                    self.ty(&op.result);
                    op.errors.iter().for_each(|e| self.use_(GLOBAL, e));
                    if let Some((machine, _event)) = &op.fires {
                        self.use_(GLOBAL, machine);
                    }
                    for c in &op.ensures {
                        self.expr(s, &c.expr);
                    }
                    if let Some(b) = &op.body {
                        self.block(s, b);
                    }
                }
                ServiceMemberKind::Flow(f) => {
                    self.def(sc.clone(), &f.name, SymKind::Flow, member.span, container, &member.docs);
                    f.steps.iter().for_each(|n| self.use_(s, n));
                }
                ServiceMemberKind::Invalid => {}
            }
        }
    }

    fn record(&mut self, scope: usize, r: &'a ast::RecordType) {
        for f in &r.fields {
            self.ty(&f.ty);
            if let Some(e) = &f.refinement {
                self.expr(scope, e);
            }
        }
    }

    fn ty(&mut self, t: &'a ast::TypeRef) {
        match t {
            ast::TypeRef::Named { name, args, .. } => {
                if !self.params.contains(&name.text.as_str()) {
                    self.use_(GLOBAL, name);
                }
                args.iter().for_each(|a| self.ty(a));
            }
            ast::TypeRef::Function { param, result, .. } => {
                self.ty(param);
                self.ty(result);
            }
            ast::TypeRef::Paren { inner, .. } => self.ty(inner),
        }
    }

    fn expr(&mut self, scope: usize, e: &'a ast::Expr) {
        match &e.kind {
            ast::ExprKind::Name(n) => self.use_(scope, n),
            ast::ExprKind::Call { callee, args } => {
                self.use_(scope, callee);
                args.iter().for_each(|a| self.expr(scope, a));
            }
            ast::ExprKind::Field { base, .. } => self.expr(scope, base),
            ast::ExprKind::Unary { operand, .. } => self.expr(scope, operand),
            ast::ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(scope, lhs);
                self.expr(scope, rhs);
            }
            ast::ExprKind::List(items) => items.iter().for_each(|i| self.expr(scope, i)),
            ast::ExprKind::Match { scrutinee, arms } => {
                self.expr(scope, scrutinee);
                for arm in arms {
                    self.pattern(&arm.pattern);
                    self.expr(scope, &arm.body);
                }
            }
            ast::ExprKind::Paren(inner) => self.expr(scope, inner),
            ast::ExprKind::Record { name, fields } => {
                if let Some(n) = name {
                    self.use_(GLOBAL, n);
                }
                self.field_inits(scope, fields);
            }
            ast::ExprKind::With { base, fields } => {
                self.expr(scope, base);
                self.field_inits(scope, fields);
            }
            ast::ExprKind::Exists { entity, key } => {
                self.use_(GLOBAL, entity);
                key.iter().for_each(|k| self.expr(scope, k));
            }
            ast::ExprKind::Quantified { entity, body, .. } => {
                self.use_(GLOBAL, entity);
                self.expr(scope, body);
            }
            ast::ExprKind::Count { entity, filter, .. } => {
                self.use_(GLOBAL, entity);
                if let Some(f) = filter {
                    self.expr(scope, f);
                }
            }
            ast::ExprKind::Int(_)
            | ast::ExprKind::Decimal(_)
            | ast::ExprKind::Str(_)
            | ast::ExprKind::Bool(_)
            | ast::ExprKind::Invalid => {}
        }
    }

    /// The values of a record literal's fields; a shorthand field `{ a }` uses the value `a`.
    fn field_inits(&mut self, scope: usize, fields: &'a [ast::FieldInit]) {
        for f in fields {
            match &f.value {
                Some(v) => self.expr(scope, v),
                None => self.use_(scope, &f.name),
            }
        }
    }

    fn pattern(&mut self, p: &'a ast::Pattern) {
        if let ast::PatternKind::Variant { name, payload } = &p.kind {
            self.use_(GLOBAL, name);
            match payload {
                ast::VariantPatternPayload::None => {}
                ast::VariantPatternPayload::Tuple(inner) => self.pattern(inner),
                ast::VariantPatternPayload::Record(fields) => {
                    fields.iter().filter_map(|f| f.pattern.as_ref()).for_each(|p| self.pattern(p));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = "spec s version 1.0.0
type Status = | Active | Retired
type Product = { sku: String, status: Status }
fn live(p: Product) -> Bool = match p.status { Active => true, Retired => false }
machine Life {
  states Draft, Live
  initial Draft
  Draft -> Live on publish
}
";

    #[test]
    fn finds_definitions_and_uses_across_scopes() {
        let parsed = lp_syntax::parse(FileId(0), SPEC);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let idx = Index::build(&[(FileId(0), &parsed.value)]);
        let status = (Scope::Global, "Status".to_string());
        let uses: Vec<&str> = idx.occurrences_of(&status).map(|o| &SPEC[o.span.range()]).collect();
        assert_eq!(uses, ["Status", "Status"]);
        let active = (Scope::Global, "Active".to_string());
        assert_eq!(idx.occurrences_of(&active).count(), 2, "the variant and its pattern");
        let draft = (Scope::Machine("Life".into()), "Draft".to_string());
        assert_eq!(idx.occurrences_of(&draft).count(), 3, "declared, initial, transition");
        let at = SPEC.find("Draft ->").expect("in the text");
        assert_eq!(idx.occurrence_at(FileId(0), at).map(|o| &*o.key), Some(&draft));
        assert!(idx.defs_of(&draft).all(|d| d.kind == SymKind::State));
        // `p` is a parameter, not an indexed name.
        let p_at = SPEC.find("p.status").expect("in the text");
        assert!(idx.occurrence_at(FileId(0), p_at).is_none());
    }

    #[test]
    fn states_declared_by_use_are_defined_at_their_first_mention() {
        // As catalog-sync's `SyncJob`: no `states` line.
        let spec = "spec s version 1.0.0
machine Job {
  var attempts: Int = 0
  initial Pending
  final Done, Abandoned
  Pending -> Running on start
  Running -> Done on finish
  Running -> Pending on fail when attempts < 3 do attempts = attempts + 1
  Running -> Abandoned on fail when attempts >= 3
  ignore start in Done
}
";
        let parsed = lp_syntax::parse(FileId(0), spec);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let idx = Index::build(&[(FileId(0), &parsed.value)]);
        let scope = Scope::Machine("Job".into());
        let states: Vec<&str> =
            idx.defs.iter().filter(|d| d.kind == SymKind::State).map(|d| d.key.1.as_str()).collect();
        assert_eq!(states, ["Pending", "Done", "Abandoned", "Running"]);
        let running = (scope.clone(), "Running".to_string());
        let def = idx.defs_of(&running).next().expect("`Running` is defined");
        assert_eq!(def.name_span.start as usize, spec.find("Running on start").expect("in the text"));
        assert_eq!(def.container.as_deref(), Some("Job"));
        assert_eq!(idx.occurrences_of(&running).count(), 4);
        assert_eq!(idx.occurrences_of(&running).filter(|o| o.is_def).count(), 1);
        let done = (scope, "Done".to_string());
        assert_eq!(idx.occurrences_of(&done).count(), 3, "final, transition and ignore");
        let at = spec.rfind("Done").expect("in the text");
        assert_eq!(idx.occurrence_at(FileId(0), at).map(|o| &*o.key), Some(&done));
    }
}
