//! Lowering of the AST into the IR, in three passes over all files.
//!
//! 1. [`collect`](Lowerer::collect): every top-level name gets an id (duplicates and the spec
//!    headers are checked), and every variant is indexed by name.
//! 2. Structure: type bodies, error payloads, function signatures, machine states and
//!    events, service operations. Alias cycles are broken after this pass.
//! 3. Expressions and references that need the structure: refinements, contracts, bodies,
//!    guards, actions, HTTP paths, `fires`, flows, standards, deploys and migrations.
//!
//! Every pass reports what it finds and carries on; a name that cannot be resolved becomes
//! [`Ty::Error`] or is left out, so one mistake is reported once.

mod behaviour;
mod expr;
mod hash;
mod items;
mod machine;
mod service;
mod settings;
mod types;

use crate::spec::{
    Allow, DefId, DeployId, Entity, EntityId, ErrorDef, ErrorId, FnDef, FnId, Invariant, InvariantId, ItemRef, Machine,
    MachineId, Migration, MigrationRule, OpId, OpRef, Service, ServiceId, Spec, SpecVersion, TypeBody, TypeDef, TypeId,
    TypeParam, VarId,
};
use crate::suggest::{did_you_mean, similar_help};
use crate::ty::{Ty, builtin_arity};
use hash::Map;
use lp_diagnostics::{Code, Diagnostic, FileId, Span, codes};
use lp_syntax::ast::{self, ItemKind, SourceFileAst};

/// The built-in functions, whose names may not be redefined.
const BUILTIN_FNS: &[&str] = &["len", "matches"];

/// An item of the declaration order whose id is only known after the last pass.
enum Pending {
    Item(ItemRef),
    /// The `deploy` block with this index in [`Lowerer::deploy_asts`].
    Deploy(usize),
}

/// The AST of one machine, with what pass 3 needs to find its parts again.
struct MachineAst<'a> {
    decl: &'a ast::MachineDecl,
    vars: Map<&'a str, VarId>,
    /// Each transition member with the index of its IR transition (`None` when an endpoint
    /// was unknown and the transition left out).
    transitions: Vec<(Option<usize>, &'a ast::Transition)>,
}

/// The AST of one service, with what pass 3 needs to find its parts again.
struct ServiceAst<'a> {
    decl: &'a ast::ServiceDecl,
    ops: Vec<&'a ast::Operation>,
    op_names: Map<&'a str, OpId>,
    flows: Vec<&'a ast::Flow>,
}

pub(crate) struct Lowerer<'a> {
    pub(crate) spec: Spec,
    pub(crate) diags: Vec<Diagnostic>,
    /// The file of the item being lowered.
    file: FileId,
    globals: Map<&'a str, DefId>,
    /// Every variant name with the sum types that have it.
    variants: Map<&'a str, Vec<(TypeId, u32)>>,
    /// Every operation name with the operations of that name, across services.
    ops_by_name: Map<&'a str, Vec<OpRef>>,
    header: Option<(FileId, &'a ast::SpecHeader)>,
    type_asts: Vec<types::TypeAst<'a>>,
    error_asts: Vec<&'a ast::ErrorDecl>,
    fn_asts: Vec<&'a ast::FnDecl>,
    machine_asts: Vec<MachineAst<'a>>,
    service_asts: Vec<ServiceAst<'a>>,
    standards_asts: Vec<(FileId, Span, &'a ast::Settings)>,
    deploy_asts: Vec<(FileId, &'a ast::Item, &'a ast::DeployDecl)>,
    deploy_ids: Vec<Option<DeployId>>,
    migration_asts: Vec<&'a ast::MigrateDecl>,
    entity_asts: Vec<&'a ast::EntityDecl>,
    invariant_asts: Vec<&'a ast::InvariantDecl>,
    order: Vec<Pending>,
}

impl<'a> Lowerer<'a> {
    pub(crate) fn new() -> Self {
        Lowerer {
            spec: Spec::default(),
            diags: Vec::new(),
            file: FileId(0),
            globals: Map::default(),
            variants: Map::default(),
            ops_by_name: Map::default(),
            header: None,
            type_asts: Vec::new(),
            error_asts: Vec::new(),
            fn_asts: Vec::new(),
            machine_asts: Vec::new(),
            service_asts: Vec::new(),
            standards_asts: Vec::new(),
            deploy_asts: Vec::new(),
            deploy_ids: Vec::new(),
            migration_asts: Vec::new(),
            entity_asts: Vec::new(),
            invariant_asts: Vec::new(),
            order: Vec::new(),
        }
    }

    /// Runs every pass and returns the spec.
    pub(crate) fn run(mut self, files: &[(FileId, &'a SourceFileAst)]) -> (Spec, Vec<Diagnostic>) {
        for &(file, ast) in files {
            self.collect(file, ast);
        }

        for i in 0..self.spec.types.len() {
            self.lower_type_body(TypeId(i as u32));
        }
        for i in 0..self.spec.errors.len() {
            self.lower_error(ErrorId(i as u32));
        }
        for i in 0..self.spec.fns.len() {
            self.lower_fn_signature(FnId(i as u32));
        }
        for i in 0..self.spec.machines.len() {
            self.lower_machine_structure(MachineId(i as u32));
        }
        for i in 0..self.spec.services.len() {
            self.lower_service_structure(ServiceId(i as u32));
        }
        for i in 0..self.spec.entities.len() {
            self.lower_entity_structure(EntityId(i as u32));
        }
        self.break_alias_cycles();

        for i in 0..self.spec.types.len() {
            self.lower_type_refinements(TypeId(i as u32));
        }
        for i in 0..self.spec.errors.len() {
            self.lower_error_refinements(ErrorId(i as u32));
        }
        for i in 0..self.spec.fns.len() {
            self.lower_fn_exprs(FnId(i as u32));
        }
        for i in 0..self.spec.machines.len() {
            self.lower_machine_exprs(MachineId(i as u32));
        }
        let mut routes = Map::default();
        for i in 0..self.spec.services.len() {
            self.lower_service_refs(ServiceId(i as u32), &mut routes);
        }
        for i in 0..self.spec.invariants.len() {
            self.lower_invariant(i);
        }
        self.lower_standards();
        self.lower_deploys();
        for i in 0..self.spec.migrations.len() {
            self.lower_migration(i);
        }

        let mut items = Vec::with_capacity(self.order.len());
        for pending in &self.order {
            match *pending {
                Pending::Item(item) => items.push(item),
                Pending::Deploy(k) => {
                    if let Some(id) = self.deploy_ids.get(k).copied().flatten() {
                        items.push(ItemRef::Deploy(id));
                    }
                }
            }
        }
        self.spec.items = items;
        (self.spec, self.diags)
    }

    // ------------------------------------------------------------ pass 1

    fn collect(&mut self, file: FileId, ast: &'a SourceFileAst) {
        self.file = file;
        if let Some(header) = &ast.header {
            self.check_header(file, header);
        }
        for item in &ast.items {
            match &item.kind {
                ItemKind::Type(decl) => self.collect_type(file, item, decl),
                ItemKind::Error(decl) => {
                    let id = ErrorId(self.spec.errors.len() as u32);
                    self.spec.errors.push(ErrorDef {
                        name: decl.name.text.clone(),
                        file,
                        span: item.span,
                        name_span: decl.name.span,
                        docs: item.docs.clone(),
                        status: 0,
                        status_span: decl.status.span,
                        fields: Vec::new(),
                    });
                    self.error_asts.push(decl);
                    self.define(&decl.name, DefId::Error(id));
                    self.order.push(Pending::Item(ItemRef::Error(id)));
                }
                ItemKind::Fn(decl) => {
                    let id = FnId(self.spec.fns.len() as u32);
                    self.spec.fns.push(FnDef {
                        name: decl.name.text.clone(),
                        file,
                        span: item.span,
                        name_span: decl.name.span,
                        docs: item.docs.clone(),
                        params: Vec::new(),
                        result: Ty::Error,
                        result_span: decl.result.span(),
                        requires: Vec::new(),
                        ensures: Vec::new(),
                        body: None,
                    });
                    self.fn_asts.push(decl);
                    self.define(&decl.name, DefId::Fn(id));
                    self.order.push(Pending::Item(ItemRef::Fn(id)));
                }
                ItemKind::Machine(decl) => {
                    let id = MachineId(self.spec.machines.len() as u32);
                    self.spec.machines.push(Machine {
                        name: decl.name.text.clone(),
                        file,
                        span: item.span,
                        name_span: decl.name.span,
                        docs: item.docs.clone(),
                        vars: Vec::new(),
                        invariants: Vec::new(),
                        states: Vec::new(),
                        initial: None,
                        finals: Vec::new(),
                        events: Vec::new(),
                        transitions: Vec::new(),
                        ignored: Vec::new(),
                    });
                    self.machine_asts.push(MachineAst { decl, vars: Map::default(), transitions: Vec::new() });
                    self.define(&decl.name, DefId::Machine(id));
                    self.order.push(Pending::Item(ItemRef::Machine(id)));
                }
                ItemKind::Service(decl) => {
                    let id = ServiceId(self.spec.services.len() as u32);
                    self.spec.services.push(Service {
                        name: decl.name.text.clone(),
                        file,
                        span: item.span,
                        name_span: decl.name.span,
                        docs: item.docs.clone(),
                        depends: Vec::new(),
                        ops: Vec::new(),
                        flows: Vec::new(),
                    });
                    self.service_asts.push(ServiceAst {
                        decl,
                        ops: Vec::new(),
                        op_names: Map::default(),
                        flows: Vec::new(),
                    });
                    self.define(&decl.name, DefId::Service(id));
                    self.order.push(Pending::Item(ItemRef::Service(id)));
                }
                ItemKind::Standards(settings) => {
                    let index = self.standards_asts.len() as u32;
                    self.standards_asts.push((file, item.span, settings));
                    self.order.push(Pending::Item(ItemRef::Standards(index)));
                }
                ItemKind::Deploy(decl) => {
                    self.order.push(Pending::Deploy(self.deploy_asts.len()));
                    self.deploy_asts.push((file, item, decl));
                }
                ItemKind::Migrate(decl) => {
                    let id = crate::spec::MigrationId(self.spec.migrations.len() as u32);
                    self.spec.migrations.push(Migration {
                        from: decl.from.value.clone(),
                        from_span: decl.from.span,
                        reversible: decl.reversible,
                        file,
                        span: item.span,
                        docs: item.docs.clone(),
                        rules: decl
                            .rules
                            .iter()
                            .map(|r| MigrationRule {
                                back: r.back,
                                ty: r.ty.text.clone(),
                                field: r.field.text.clone(),
                                target: None,
                                value: r.value.clone(),
                                span: r.span,
                            })
                            .collect(),
                    });
                    self.migration_asts.push(decl);
                    self.order.push(Pending::Item(ItemRef::Migration(id)));
                }
                ItemKind::Allow(decl) => {
                    let id = crate::spec::AllowId(self.spec.allows.len() as u32);
                    self.spec.allows.push(Allow {
                        rule: decl.rule.text.clone(),
                        target: decl.target.iter().map(|n| n.text.clone()).collect(),
                        reason: decl.reason.value.clone(),
                        file,
                        span: item.span,
                        docs: item.docs.clone(),
                    });
                    self.order.push(Pending::Item(ItemRef::Allow(id)));
                }
                ItemKind::Entity(decl) => self.collect_entity(file, item, decl),
                ItemKind::Invariant(decl) => {
                    let id = InvariantId(self.spec.invariants.len() as u32);
                    if let Some(first) = self.spec.invariants.iter().find(|i| i.name == decl.name.text) {
                        let (first_file, first_span) = (first.file, first.name_span);
                        self.diags.push(
                            Diagnostic::new(
                                codes::DUPLICATE_DEFINITION,
                                format!("invariant `{}` is defined more than once", decl.name.text),
                            )
                            .at(file, decl.name.span, "defined again here")
                            .with_secondary(first_file, first_span, "first defined here"),
                        );
                    }
                    self.spec.invariants.push(Invariant {
                        name: decl.name.text.clone(),
                        file,
                        span: item.span,
                        name_span: decl.name.span,
                        docs: item.docs.clone(),
                        expr: crate::expr::Expr {
                            kind: crate::expr::ExprKind::Error,
                            ty: Ty::Error,
                            span: decl.expr.span,
                        },
                    });
                    self.invariant_asts.push(decl);
                    self.order.push(Pending::Item(ItemRef::Invariant(id)));
                }
                ItemKind::Invalid => {}
            }
        }
    }

    /// An entity is a record type (so it is used like any type) plus what makes it stored.
    fn collect_entity(&mut self, file: FileId, item: &'a ast::Item, decl: &'a ast::EntityDecl) {
        let ty = TypeId(self.spec.types.len() as u32);
        self.spec.types.push(TypeDef {
            name: decl.name.text.clone(),
            file,
            span: item.span,
            name_span: decl.name.span,
            docs: item.docs.clone(),
            params: Vec::new(),
            body: TypeBody::Record(Vec::new()),
            refinement: None,
        });
        self.type_asts.push(types::TypeAst::Entity(decl));
        let id = EntityId(self.spec.entities.len() as u32);
        let key_span = match (decl.key.first(), decl.key.last()) {
            (Some(a), Some(b)) => a.span.to(b.span),
            _ => decl.name.span,
        };
        self.spec.entities.push(Entity {
            name: decl.name.text.clone(),
            file,
            span: item.span,
            name_span: decl.name.span,
            docs: item.docs.clone(),
            ty,
            key: Vec::new(),
            key_span,
            lifecycle: None,
        });
        self.entity_asts.push(decl);
        self.define(&decl.name, DefId::Type(ty));
        self.order.push(Pending::Item(ItemRef::Entity(id)));
    }

    fn collect_type(&mut self, file: FileId, item: &'a ast::Item, decl: &'a ast::TypeDecl) {
        let id = TypeId(self.spec.types.len() as u32);
        self.report_duplicates(&decl.params, |p| &p.name, "type parameter");
        let params: Vec<TypeParam> = decl
            .params
            .iter()
            .map(|p| TypeParam { name: p.name.text.clone(), variance: p.variance, span: p.span })
            .collect();
        self.spec.types.push(TypeDef {
            name: decl.name.text.clone(),
            file,
            span: item.span,
            name_span: decl.name.span,
            docs: item.docs.clone(),
            params,
            body: TypeBody::Alias(Ty::Error),
            refinement: None,
        });
        self.type_asts.push(types::TypeAst::Decl(decl));
        if self.define(&decl.name, DefId::Type(id))
            && let ast::TypeBody::Sum(sum) = &decl.body
        {
            for (index, variant) in sum.variants.iter().enumerate() {
                self.variants.entry(variant.name.text.as_str()).or_default().push((id, index as u32));
            }
        }
        self.order.push(Pending::Item(ItemRef::Type(id)));
    }

    /// Enters a top-level name; reports it when the name is taken. Returns whether it was
    /// entered.
    fn define(&mut self, name: &'a ast::Name, def: DefId) -> bool {
        let text = name.text.as_str();
        if builtin_arity(text).is_some() || BUILTIN_FNS.contains(&text) {
            let what = if BUILTIN_FNS.contains(&text) { "function" } else { "type" };
            self.diags.push(
                Diagnostic::new(
                    codes::DUPLICATE_DEFINITION,
                    format!("`{text}` is already defined as a built-in {what}"),
                )
                .at(self.file, name.span, "redefines a built-in")
                .with_help("choose another name"),
            );
            return false;
        }
        if let Some(&previous) = self.globals.get(text) {
            let (file, span) = self.def_location(previous);
            self.diags.push(
                Diagnostic::new(codes::DUPLICATE_DEFINITION, format!("`{text}` is defined more than once"))
                    .at(self.file, name.span, "defined again here")
                    .with_secondary(file, span, "first defined here")
                    .with_help("rename one of the definitions or remove it"),
            );
            return false;
        }
        self.globals.insert(text, def);
        true
    }

    /// Where a top-level definition's name is.
    fn def_location(&self, def: DefId) -> (FileId, Span) {
        match def {
            DefId::Type(id) => (self.spec.types[id.index()].file, self.spec.types[id.index()].name_span),
            DefId::Error(id) => (self.spec.errors[id.index()].file, self.spec.errors[id.index()].name_span),
            DefId::Fn(id) => (self.spec.fns[id.index()].file, self.spec.fns[id.index()].name_span),
            DefId::Machine(id) => (self.spec.machines[id.index()].file, self.spec.machines[id.index()].name_span),
            DefId::Service(id) => (self.spec.services[id.index()].file, self.spec.services[id.index()].name_span),
        }
    }

    fn check_header(&mut self, file: FileId, header: &'a ast::SpecHeader) {
        let Some((first_file, first)) = self.header else {
            self.header = Some((file, header));
            self.spec.name = Some(header.name.text.clone());
            let v = header.version;
            self.spec.version = Some(SpecVersion { major: v.major, minor: v.minor, patch: v.patch });
            return;
        };
        if header.name.text != first.name.text {
            self.diags.push(
                Diagnostic::new(
                    codes::SPEC_HEADER_MISMATCH,
                    format!("spec name `{}` differs from `{}`", header.name.text, first.name.text),
                )
                .at(file, header.name.span, "declared differently here")
                .with_secondary(first_file, first.name.span, "first declared here")
                .with_help("every file of a project must declare the same spec name and version"),
            );
        }
        let (a, b) = (header.version, first.version);
        if (a.major, a.minor, a.patch) != (b.major, b.minor, b.patch) {
            self.diags.push(
                Diagnostic::new(
                    codes::SPEC_HEADER_MISMATCH,
                    format!(
                        "spec version `{}.{}.{}` differs from `{}.{}.{}`",
                        a.major, a.minor, a.patch, b.major, b.minor, b.patch
                    ),
                )
                .at(file, a.span, "declared differently here")
                .with_secondary(first_file, b.span, "first declared here")
                .with_help("every file of a project must declare the same spec name and version"),
            );
        }
    }

    // ------------------------------------------------------------ diagnostics

    /// Reports a name that is not defined, with a suggestion from `candidates`.
    fn unknown<'c>(
        &mut self,
        code: Code,
        name: &ast::Name,
        message: String,
        what: &str,
        candidates: impl IntoIterator<Item = &'c str>,
    ) {
        let help = did_you_mean(&name.text, candidates).map(|s| similar_help(what, s));
        let mut diag = Diagnostic::new(code, message).at(self.file, name.span, "not found");
        if let Some(help) = help {
            diag = diag.with_help(help);
        }
        self.diags.push(diag);
    }

    /// Reports every name in `items` that repeats an earlier one. Short lists are compared
    /// pairwise without allocating; long ones go through a map, so this stays linear.
    fn report_duplicates<T>(&mut self, items: &'a [T], name: impl Fn(&'a T) -> &'a ast::Name, what: &str) {
        const SHORT: usize = 16;
        if items.len() <= SHORT {
            for (i, item) in items.iter().enumerate() {
                let n = name(item);
                if let Some(first) = items[..i].iter().map(&name).find(|m| m.text == n.text) {
                    self.duplicate_member(what, n, first.span);
                }
            }
        } else {
            let mut seen: Map<&str, Span> = hash::map_with_capacity(items.len());
            for item in items {
                let n = name(item);
                match seen.get(n.text.as_str()) {
                    Some(&first) => self.duplicate_member(what, n, first),
                    None => {
                        seen.insert(&n.text, n.span);
                    }
                }
            }
        }
    }

    /// Reports a member (field, variant, parameter, ...) declared twice.
    fn duplicate_member(&mut self, what: &str, name: &ast::Name, first: Span) {
        self.diags.push(
            Diagnostic::new(codes::DUPLICATE_MEMBER, format!("{what} `{}` is declared more than once", name.text))
                .at(self.file, name.span, "declared again here")
                .with_secondary(self.file, first, "first declared here"),
        );
    }

    /// Reports a name used as the wrong kind of thing.
    fn kind_mismatch(&mut self, span: Span, message: String, label: &str) {
        self.diags.push(Diagnostic::new(codes::KIND_MISMATCH, message).at(self.file, span, label));
    }

    /// A description of a top-level definition: "type `Product`".
    fn describe(&self, def: DefId) -> String {
        match def {
            DefId::Type(id) => format!("type `{}`", self.spec.types[id.index()].name),
            DefId::Error(id) => format!("error type `{}`", self.spec.errors[id.index()].name),
            DefId::Fn(id) => format!("function `{}`", self.spec.fns[id.index()].name),
            DefId::Machine(id) => format!("machine `{}`", self.spec.machines[id.index()].name),
            DefId::Service(id) => format!("service `{}`", self.spec.services[id.index()].name),
        }
    }

    /// The names of every top-level definition accepted by `keep`, for suggestions.
    fn global_names(&self, keep: impl Fn(DefId) -> bool) -> Vec<&'a str> {
        self.globals.iter().filter(|(_, d)| keep(**d)).map(|(n, _)| *n).collect()
    }
}

/// "1 argument", "2 arguments".
fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
}
