//! Migration obligations: the `migrate` block's rules typed against both versions, and the
//! claims z3 decides about them — totality (every valid old value maps to a valid new one)
//! and, for `reversible` migrations, the round trip `back(forward(v)) == v`.
//!
//! Both versions must be visible to one expression, so the rules are checked in a
//! *workspace*: one spec lowered from the new version's types, errors and functions, plus the
//! old version's types that differ, renamed with the prefix `Prev` (variants too), plus one
//! synthetic function per rule (`fn migrate_fwd_0(old: PrevCustomer) -> String = old.name`).
//! Lowering that workspace types the rules with the ordinary type checker, and its IR is what
//! the goals talk about. Old types that did not change keep their names, so a field carried
//! over unchanged compares with `==`.

use lp_check::smt_goal::{Binder, Formula, Mode, SmtGoal, SmtVar};
use lp_check::{Counterexample, Goal, Method, Obligation, Pass, Report, Verdict};
use lp_diagnostics::{Diagnostic, FileId, Span, codes};
use lp_ir::text::ExprNames;
use lp_ir::{BinOp, Ctor, Expr, ExprKind, FieldDef, Spec, Ty, TypeBody, TypeDef, TypeId};
use lp_syntax::ast::{self, ItemKind, SourceFileAst};
use std::collections::{BTreeMap, BTreeSet};

/// The prefix of the old version's types in the workspace.
pub const PREFIX: &str = "Prev";

/// The migration checks of a new spec against an old one.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    /// The spec the obligations' goals talk about (discharge them against it).
    pub spec: Spec,
    pub obligations: Vec<Obligation>,
    /// The round trips of `reversible` migrations, for property tests when z3 cannot decide.
    pub round_trips: Vec<crate::roundtrip::RoundTrip>,
    /// Rules that do not type-check, or name what does not exist (`LP5008`, `LP1xxx`).
    pub diagnostics: Vec<Diagnostic>,
}

/// The canonical text of a type's own definition (names, not ids), to tell changed types.
fn def_text(spec: &Spec, d: &TypeDef) -> String {
    let fields = |fs: &[FieldDef]| {
        fs.iter()
            .map(|f| {
                let r = f.refinement.as_ref().map(|r| lp_ir::text::expr_text(spec, ExprNames::default(), r));
                format!("{}: {} where {}", f.name, spec.display_ty(&f.ty, &d.params), r.unwrap_or_default())
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let body = match &d.body {
        TypeBody::Record(fs) => format!("{{{}}}", fields(fs)),
        TypeBody::Sum(vs) => vs
            .iter()
            .map(|v| format!("{} {}", v.name, v.payload.as_deref().map(fields).unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(" | "),
        TypeBody::Alias(t) => spec.display_ty(t, &d.params),
    };
    let r = d.refinement.as_ref().map(|r| lp_ir::text::expr_text(spec, ExprNames::default(), r));
    let params: Vec<&str> = d.params.iter().map(|p| p.name.as_str()).collect();
    format!("{}<{}> = {body} where {}", d.name, params.join(","), r.unwrap_or_default())
}

fn ty_names(ty: &Ty, out: &mut Vec<TypeId>) {
    match ty {
        Ty::Named { id, args } => {
            out.push(*id);
            args.iter().for_each(|a| ty_names(a, out));
        }
        Ty::Option(t) | Ty::List(t) | Ty::Set(t) => ty_names(t, out),
        Ty::Result(a, b) | Ty::Map(a, b) | Ty::Fn(a, b) => {
            ty_names(a, out);
            ty_names(b, out);
        }
        _ => {}
    }
}

/// The names of the old types that differ from the new version, directly or through a type
/// they use.
fn changed_types(old: &Spec, new: &Spec) -> BTreeSet<String> {
    let new_text: BTreeMap<&str, String> = new.types.iter().map(|d| (d.name.as_str(), def_text(new, d))).collect();
    let mut changed: BTreeSet<String> = old
        .types
        .iter()
        .filter(|d| new_text.get(d.name.as_str()) != Some(&def_text(old, d)))
        .map(|d| d.name.clone())
        .collect();
    loop {
        let before = changed.len();
        for d in &old.types {
            let mut used = Vec::new();
            match &d.body {
                TypeBody::Record(fs) => fs.iter().for_each(|f| ty_names(&f.ty, &mut used)),
                TypeBody::Sum(vs) => {
                    vs.iter().flat_map(|v| v.payload.iter().flatten()).for_each(|f| ty_names(&f.ty, &mut used))
                }
                TypeBody::Alias(t) => ty_names(t, &mut used),
            }
            if used.iter().any(|id| old.types.get(id.index()).is_some_and(|u| changed.contains(&u.name))) {
                changed.insert(d.name.clone());
            }
        }
        if changed.len() == before {
            return changed;
        }
    }
}

// ---------------------------------------------------------------- renaming the old ASTs

struct Renamer<'a> {
    types: &'a BTreeSet<String>,
    variants: BTreeSet<String>,
}

impl Renamer<'_> {
    fn name(&self, set: &BTreeSet<String>, n: &mut ast::Name) {
        if set.contains(&n.text) {
            n.text = format!("{PREFIX}{}", n.text);
        }
    }

    fn type_ref(&self, t: &mut ast::TypeRef) {
        match t {
            ast::TypeRef::Named { name, args, .. } => {
                self.name(self.types, name);
                args.iter_mut().for_each(|a| self.type_ref(a));
            }
            ast::TypeRef::Function { param, result, .. } => {
                self.type_ref(param);
                self.type_ref(result);
            }
            ast::TypeRef::Paren { inner, .. } => self.type_ref(inner),
        }
    }

    fn record(&self, r: &mut ast::RecordType) {
        for f in &mut r.fields {
            self.type_ref(&mut f.ty);
            if let Some(e) = &mut f.refinement {
                self.expr(e);
            }
        }
    }

    fn expr(&self, e: &mut ast::Expr) {
        match &mut e.kind {
            ast::ExprKind::Name(n) => self.name(&self.variants, n),
            ast::ExprKind::Call { callee, args } => {
                self.name(&self.variants, callee);
                args.iter_mut().for_each(|a| self.expr(a));
            }
            ast::ExprKind::Field { base, .. } => self.expr(base),
            ast::ExprKind::Unary { operand, .. } => self.expr(operand),
            ast::ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            ast::ExprKind::List(items) => items.iter_mut().for_each(|a| self.expr(a)),
            ast::ExprKind::Match { scrutinee, arms } => {
                self.expr(scrutinee);
                for arm in arms {
                    self.pattern(&mut arm.pattern);
                    self.expr(&mut arm.body);
                }
            }
            ast::ExprKind::Paren(inner) => self.expr(inner),
            ast::ExprKind::Record { fields, .. } => {
                fields.iter_mut().filter_map(|f| f.value.as_mut()).for_each(|v| self.expr(v))
            }
            ast::ExprKind::With { base, fields } => {
                self.expr(base);
                fields.iter_mut().filter_map(|f| f.value.as_mut()).for_each(|v| self.expr(v));
            }
            ast::ExprKind::Exists { key, .. } => key.iter_mut().for_each(|k| self.expr(k)),
            ast::ExprKind::Quantified { body, .. } => self.expr(body),
            ast::ExprKind::Count { filter, .. } => {
                if let Some(f) = filter {
                    self.expr(f);
                }
            }
            ast::ExprKind::Int(_)
            | ast::ExprKind::Decimal(_)
            | ast::ExprKind::Str(_)
            | ast::ExprKind::Bool(_)
            | ast::ExprKind::Invalid => {}
        }
    }

    fn pattern(&self, p: &mut ast::Pattern) {
        if let ast::PatternKind::Variant { name, payload } = &mut p.kind {
            self.name(&self.variants, name);
            match payload {
                ast::VariantPatternPayload::None => {}
                ast::VariantPatternPayload::Tuple(inner) => self.pattern(inner),
                ast::VariantPatternPayload::Record(fields) => {
                    fields.iter_mut().filter_map(|f| f.pattern.as_mut()).for_each(|p| self.pattern(p))
                }
            }
        }
    }

    fn type_decl(&self, d: &mut ast::TypeDecl) {
        self.name(self.types, &mut d.name);
        match &mut d.body {
            ast::TypeBody::Record(r) => self.record(r),
            ast::TypeBody::Sum(s) => {
                for v in &mut s.variants {
                    v.name.text = format!("{PREFIX}{}", v.name.text);
                    if let Some(r) = &mut v.payload {
                        self.record(r);
                    }
                }
            }
            ast::TypeBody::Alias(t) => self.type_ref(t),
        }
        if let Some(e) = &mut d.refinement {
            self.expr(e);
        }
    }
}

// ---------------------------------------------------------------- the workspace

fn find_field<'a>(files: &'a [(FileId, &SourceFileAst)], ty: &str, field: &str) -> Option<&'a ast::Field> {
    files.iter().flat_map(|(_, a)| &a.items).find_map(|item| match &item.kind {
        ItemKind::Type(d) if d.name.text == ty => match &d.body {
            ast::TypeBody::Record(r) => r.fields.iter().find(|f| f.name.text == field),
            _ => None,
        },
        ItemKind::Entity(e) if e.name.text == ty => e.record.fields.iter().find(|f| f.name.text == field),
        _ => None,
    })
}

/// The item as a type declaration: a type as it is, an entity as the record type it stores
/// (a migration maps values; keys, lifecycles and the store play no part in it).
fn as_type_decl(kind: &ItemKind) -> Option<ast::TypeDecl> {
    match kind {
        ItemKind::Type(d) => Some(d.clone()),
        ItemKind::Entity(e) => Some(ast::TypeDecl {
            name: e.name.clone(),
            params: Vec::new(),
            body: ast::TypeBody::Record(e.record.clone()),
            refinement: e.refinement.clone(),
        }),
        _ => None,
    }
}

fn named(text: &str, span: Span) -> ast::TypeRef {
    ast::TypeRef::Named { name: ast::Name { text: text.into(), span }, args: Vec::new(), span }
}

/// One synthetic function per rule: what it is called and which rule it types.
struct Synth {
    migration: usize,
    rule: usize,
    fn_name: String,
}

/// Builds the migration obligations of `new` (which has `migrate` blocks) against `old`.
pub fn workspace(
    old: (&Spec, &[(FileId, &SourceFileAst)]),
    new: (&Spec, &[(FileId, &SourceFileAst)]),
) -> Option<Workspace> {
    let ((old_spec, old_files), (new_spec, new_files)) = (old, new);
    if new_spec.migrations.is_empty() {
        return None;
    }
    let changed = changed_types(old_spec, new_spec);
    let mut variants = BTreeSet::new();
    for d in &old_spec.types {
        if let (true, TypeBody::Sum(vs)) = (changed.contains(&d.name), &d.body) {
            variants.extend(vs.iter().map(|v| v.name.clone()));
        }
    }
    let renamer = Renamer { types: &changed, variants };
    let old_name = |t: &str| if changed.contains(t) { format!("{PREFIX}{t}") } else { t.to_string() };
    let mut diagnostics = Vec::new();

    // The new version's types, errors and functions; the old version's changed types.
    // Entities take part as the record types they store.
    let keep = |i: &ast::Item| match &i.kind {
        ItemKind::Error(_) | ItemKind::Fn(_) => Some(i.clone()),
        k => as_type_decl(k).map(|d| ast::Item { docs: i.docs.clone(), kind: ItemKind::Type(d), span: i.span }),
    };
    let mut asts: Vec<(FileId, SourceFileAst)> = new_files
        .iter()
        .map(|(f, a)| {
            let items = a.items.iter().filter_map(keep).collect();
            (*f, SourceFileAst { header: a.header.clone(), items, comments: Vec::new() })
        })
        .collect();
    for (f, a) in old_files {
        let mut items = Vec::new();
        for item in &a.items {
            if let Some(mut d) = as_type_decl(&item.kind)
                && changed.contains(&d.name.text)
            {
                renamer.type_decl(&mut d);
                items.push(ast::Item { docs: Vec::new(), kind: ItemKind::Type(d), span: item.span });
            }
        }
        asts.push((*f, SourceFileAst { header: None, items, comments: Vec::new() }));
    }
    // One function per rule, in the migration's file.
    let mut synths = Vec::new();
    for (mi, m) in new_spec.migrations.iter().enumerate() {
        for (ri, rule) in m.rules.iter().enumerate() {
            let span = rule.span;
            let (param, param_ty, result) = if rule.back {
                let Some(field) = find_field(old_files, &rule.ty, &rule.field) else {
                    diagnostics.push(
                        Diagnostic::new(
                            codes::MIGRATION_RULE_INVALID,
                            format!("the previous version has no record field `{}.{}`", rule.ty, rule.field),
                        )
                        .at(m.file, span, "a `back` rule sets a field of the previous version"),
                    );
                    continue;
                };
                let mut result = field.ty.clone();
                renamer.type_ref(&mut result);
                ("new", named(&rule.ty, span), result)
            } else {
                if rule.target.is_none() {
                    continue; // Lowering the new spec reported it.
                }
                if !old_spec.types.iter().any(|d| d.name == rule.ty) {
                    diagnostics.push(
                        Diagnostic::new(
                            codes::MIGRATION_RULE_INVALID,
                            format!("the previous version has no type `{}` to migrate from", rule.ty),
                        )
                        .at(m.file, span, "`old` would have no type here"),
                    );
                    continue;
                }
                let Some(field) = find_field(new_files, &rule.ty, &rule.field) else { continue };
                ("old", named(&old_name(&rule.ty), span), field.ty.clone())
            };
            let fn_name = format!("migrate_{}_{mi}_{ri}", if rule.back { "back" } else { "fwd" });
            let decl = ast::FnDecl {
                name: ast::Name { text: fn_name.clone(), span },
                params: vec![ast::Param { name: ast::Name { text: param.into(), span }, ty: param_ty, span }],
                result,
                contracts: Vec::new(),
                body: Some(rule.value.clone()),
            };
            if let Some((_, a)) = asts.iter_mut().find(|(f, _)| *f == m.file) {
                a.items.push(ast::Item { docs: Vec::new(), kind: ItemKind::Fn(decl), span });
            }
            synths.push(Synth { migration: mi, rule: ri, fn_name });
        }
    }
    let refs: Vec<(FileId, &SourceFileAst)> = asts.iter().map(|(f, a)| (*f, a)).collect();
    let lowered = lp_ir::lower(&refs);
    let ws = lowered.value;
    // Errors inside a rule's expression are the author's; anything else is a workspace
    // problem the rules cannot be checked through.
    let rule_spans: Vec<(FileId, Span)> =
        new_spec.migrations.iter().flat_map(|m| m.rules.iter().map(move |r| (m.file, r.value.span))).collect();
    let mut broken = false;
    for d in lowered.diagnostics.into_iter().filter(Diagnostic::is_error) {
        broken = true;
        let inside = d.primary.as_ref().is_some_and(|l| {
            rule_spans.iter().any(|(f, s)| *f == l.file && s.start <= l.span.start && l.span.end <= s.end)
        });
        if inside {
            diagnostics.push(d);
        } else if let Some(m) = new_spec.migrations.first() {
            diagnostics.push(
                Diagnostic::new(
                    codes::MIGRATION_RULE_INVALID,
                    format!("the migration cannot be checked against the previous version: {}", d.message),
                )
                .at(m.file, m.from_span, "the previous version named here"),
            );
        }
    }
    if broken {
        return Some(Workspace { spec: ws, obligations: Vec::new(), round_trips: Vec::new(), diagnostics });
    }
    let mut obligations = Vec::new();
    let mut round_trips = Vec::new();
    for (mi, m) in new_spec.migrations.iter().enumerate() {
        let mine: Vec<&Synth> = synths.iter().filter(|s| s.migration == mi).collect();
        let mut types: Vec<&str> = Vec::new();
        for s in &mine {
            let t = m.rules[s.rule].ty.as_str();
            if !types.contains(&t) {
                types.push(t);
            }
        }
        for t in types {
            let body = |back: bool| -> BTreeMap<String, Expr> {
                mine.iter()
                    .filter(|s| m.rules[s.rule].ty == t && m.rules[s.rule].back == back)
                    .filter_map(|s| {
                        let id = ws.fns.iter().position(|f| f.name == s.fn_name)?;
                        Some((m.rules[s.rule].field.clone(), ws.fns[id].body.clone()?))
                    })
                    .collect()
            };
            let (fwd, back) = (body(false), body(true));
            let span = mine.iter().find(|s| m.rules[s.rule].ty == t).map(|s| m.rules[s.rule].span).unwrap_or(m.span);
            match type_obligations(&ws, t, &old_name(t), (&fwd, &back), m.reversible, (m.file, span)) {
                Some((obs, rt)) => {
                    obligations.extend(obs);
                    round_trips.extend(rt);
                }
                // A generic record, or one that is not a record in both versions: the rules
                // cannot be checked, which fails closed.
                None => obligations.push(Obligation {
                    id: format!("versions/migrate.{t}/total"),
                    pass: Pass::Versions,
                    kind: "migration-total",
                    claim: format!("every valid previous `{t}` migrates to a valid `{t}`"),
                    file: m.file,
                    span,
                    method: Method::Structural,
                    goal: Goal::Decided(Verdict::Unknown {
                        reason: format!("`{t}` is not a non-generic record type in both versions"),
                    }),
                    report: Report {
                        code: codes::MIGRATION_NOT_TOTAL,
                        message: format!("the migration of `{t}` cannot be checked"),
                        label: "not checked".into(),
                        secondary: Vec::new(),
                        help: None,
                    },
                }),
            }
        }
    }
    Some(Workspace { spec: ws, obligations, round_trips, diagnostics })
}

fn record<'s>(spec: &'s Spec, name: &str) -> Option<(TypeId, &'s [FieldDef])> {
    let i = spec.types.iter().position(|d| d.name == name)?;
    match &spec.types[i].body {
        TypeBody::Record(fs) if spec.types[i].params.is_empty() => Some((TypeId(i as u32), fs)),
        _ => None,
    }
}

fn ex(kind: ExprKind, ty: Ty, span: Span) -> Expr {
    Expr { kind, ty, span }
}

fn field_of(base: Expr, fields: &[FieldDef], i: usize) -> Expr {
    let span = base.span;
    ex(
        ExprKind::Field { base: Box::new(base), index: i as u32, name: fields[i].name.clone() },
        fields[i].ty.clone(),
        span,
    )
}

fn eq(a: Expr, b: Expr) -> Formula {
    let span = a.span;
    Formula::Holds(ex(ExprKind::Binary { op: BinOp::Eq, lhs: Box::new(a), rhs: Box::new(b) }, Ty::Bool, span))
}

/// Whether values of `a` and `b` can be compared with `==` in the workspace.
fn comparable(ws: &Spec, a: &Ty, b: &Ty) -> bool {
    ws.compatible(a, b) && ws.compatible(b, a)
}

/// Replaces the parameter `new` of a back rule by `self`, the new value of the goals.
fn param_to_self(e: &mut Expr) {
    if matches!(e.kind, ExprKind::Param(0)) {
        e.kind = ExprKind::SelfValue;
        return;
    }
    match &mut e.kind {
        ExprKind::Ctor { args, .. }
        | ExprKind::Call { args, .. }
        | ExprKind::Builtin { args, .. }
        | ExprKind::List(args) => args.iter_mut().for_each(param_to_self),
        ExprKind::Apply { func, arg } => {
            param_to_self(func);
            param_to_self(arg);
        }
        ExprKind::Field { base, .. } => param_to_self(base),
        ExprKind::Unary { operand, .. } => param_to_self(operand),
        ExprKind::Binary { lhs, rhs, .. } => {
            param_to_self(lhs);
            param_to_self(rhs);
        }
        ExprKind::Match { scrutinee, arms } => {
            param_to_self(scrutinee);
            arms.iter_mut().for_each(|a| param_to_self(&mut a.body));
        }
        _ => {}
    }
}

/// The totality and round-trip obligations of the rules of one record type `t`.
fn type_obligations(
    ws: &Spec,
    t: &str,
    old_t: &str,
    (fwd, back): (&BTreeMap<String, Expr>, &BTreeMap<String, Expr>),
    reversible: bool,
    (file, span): (FileId, Span),
) -> Option<(Vec<Obligation>, Option<crate::roundtrip::RoundTrip>)> {
    let (new_id, new_fields) = record(ws, t)?;
    let (old_id, old_fields) = record(ws, old_t)?;
    let new_ty = Ty::Named { id: new_id, args: Vec::new() };
    let old_ty = Ty::Named { id: old_id, args: Vec::new() };
    let old_v = || ex(ExprKind::Param(0), old_ty.clone(), span);
    let new_v = || ex(ExprKind::SelfValue, new_ty.clone(), span);
    let scope = || {
        vec![
            SmtVar::free(Binder::Param(0), "old", old_ty.clone()),
            SmtVar { refined: false, ..SmtVar::free(Binder::SelfValue, "new", new_ty.clone()) },
        ]
    };
    // new.f == forward value of f, for every field the forward mapping determines.
    let mut forward = Vec::new();
    let mut unmodelled = Vec::new();
    for (i, f) in new_fields.iter().enumerate() {
        let lhs = field_of(new_v(), new_fields, i);
        let old_pos = old_fields.iter().position(|o| o.name == f.name);
        let value = if let Some(v) = fwd.get(&f.name) {
            v.clone()
        } else if let Some(j) = old_pos {
            if !comparable(ws, &old_fields[j].ty, &f.ty) {
                // A changed record or sum carried over as it is: the diff reports every
                // narrowing inside it as a change of its own, so here the value is only
                // assumed to be valid.
                unmodelled.push(f.name.clone());
                forward.push(Formula::Refines { value: lhs, ty: f.ty.clone() });
                continue;
            }
            field_of(old_v(), old_fields, j)
        } else if matches!(ws.expand_alias(&f.ty), Ty::Option(_)) {
            ex(ExprKind::Ctor { ctor: Ctor::None, args: Vec::new() }, f.ty.clone(), span)
        } else {
            continue; // No value: FIELD_ADDED_REQUIRED reports it.
        };
        forward.push(eq(lhs, value));
    }
    let note = if unmodelled.is_empty() {
        String::new()
    } else {
        format!(" ({} carried over unchanged, checked by the diff)", unmodelled.join(", "))
    };
    let mut out = Vec::new();
    let total = SmtGoal::new(
        ws,
        Mode::Valid,
        scope(),
        forward.clone(),
        Formula::Refines { value: new_v(), ty: new_ty.clone() },
        format!("the migrated `{t}` breaks its refinements"),
    );
    out.push(Obligation {
        id: format!("versions/migrate.{t}/total"),
        pass: Pass::Versions,
        kind: "migration-total",
        claim: format!("every valid previous `{t}` migrates to a valid `{t}`{note}"),
        file,
        span,
        method: Method::Smt,
        goal: Goal::Smt(total),
        report: Report {
            code: codes::MIGRATION_NOT_TOTAL,
            message: format!("the migration of `{t}` is not total"),
            label: "some valid previous value maps to an invalid one".into(),
            secondary: Vec::new(),
            help: Some("clamp or default the value in the rule so it meets the new refinement".into()),
        },
    });
    if !back.is_empty() {
        // The back mapping is total too: every valid new value maps to a valid old one.
        let new_p = || ex(ExprKind::Param(0), new_ty.clone(), span);
        let old_s = || ex(ExprKind::SelfValue, old_ty.clone(), span);
        let mut backward = Vec::new();
        for (j, g) in old_fields.iter().enumerate() {
            let lhs = field_of(old_s(), old_fields, j);
            let value = if let Some(v) = back.get(&g.name) {
                v.clone()
            } else if let Some(i) = new_fields.iter().position(|f| f.name == g.name) {
                if !comparable(ws, &g.ty, &new_fields[i].ty) {
                    backward.push(Formula::Refines { value: lhs, ty: g.ty.clone() });
                    continue;
                }
                field_of(new_p(), new_fields, i)
            } else if matches!(ws.expand_alias(&g.ty), Ty::Option(_)) {
                ex(ExprKind::Ctor { ctor: Ctor::None, args: Vec::new() }, g.ty.clone(), span)
            } else {
                continue;
            };
            backward.push(eq(lhs, value));
        }
        let goal = SmtGoal::new(
            ws,
            Mode::Valid,
            vec![
                SmtVar::free(Binder::Param(0), "new", new_ty.clone()),
                SmtVar { refined: false, ..SmtVar::free(Binder::SelfValue, "old", old_ty.clone()) },
            ],
            backward,
            Formula::Refines { value: old_s(), ty: old_ty.clone() },
            format!("going back, the previous `{t}` breaks its refinements"),
        );
        out.push(Obligation {
            id: format!("versions/migrate.{t}/back-total"),
            pass: Pass::Versions,
            kind: "migration-back-total",
            claim: format!("every valid `{t}` maps back to a valid previous `{t}`{note}"),
            file,
            span,
            method: Method::Smt,
            goal: Goal::Smt(goal),
            report: Report {
                code: codes::MIGRATION_NOT_TOTAL,
                message: format!("the `back` rules of `{t}` are not total"),
                label: "some valid value maps back to an invalid previous one".into(),
                secondary: Vec::new(),
                help: Some("make each `back` rule meet the previous version's refinements".into()),
            },
        });
    }
    let mut round_trip = None;
    if reversible {
        // The same mapping with every expression over `self`, for property tests.
        let self_of = |e: &Expr| {
            let mut e = e.clone();
            param_to_self(&mut e);
            e
        };
        let old_self = || ex(ExprKind::SelfValue, old_ty.clone(), span);
        let new_self = || ex(ExprKind::SelfValue, new_ty.clone(), span);
        let forward_values = new_fields
            .iter()
            .map(|f| {
                let j = old_fields.iter().position(|o| o.name == f.name);
                let value = match (fwd.get(&f.name), j) {
                    (Some(v), _) => Some(self_of(v)),
                    (None, Some(j)) if comparable(ws, &old_fields[j].ty, &f.ty) => {
                        Some(field_of(old_self(), old_fields, j))
                    }
                    (None, None) if matches!(ws.expand_alias(&f.ty), Ty::Option(_)) => {
                        Some(ex(ExprKind::Ctor { ctor: Ctor::None, args: Vec::new() }, f.ty.clone(), span))
                    }
                    _ => None,
                };
                (f.name.clone(), value)
            })
            .collect();
        let back_values = old_fields
            .iter()
            .filter_map(|g| match back.get(&g.name) {
                Some(v) => Some((g.name.clone(), self_of(v))),
                None => {
                    let i = new_fields.iter().position(|f| f.name == g.name)?;
                    comparable(ws, &g.ty, &new_fields[i].ty)
                        .then(|| (g.name.clone(), field_of(new_self(), new_fields, i)))
                }
            })
            .collect();
        round_trip = Some(crate::roundtrip::RoundTrip {
            obligation: format!("versions/migrate.{t}/round-trip"),
            old_ty: old_ty.clone(),
            forward: forward_values,
            back: back_values,
        });
        let mut claims = Vec::new();
        let mut lost = Vec::new();
        for (j, g) in old_fields.iter().enumerate() {
            let rhs = field_of(old_v(), old_fields, j);
            let back_value = if let Some(v) = back.get(&g.name) {
                let mut v = v.clone();
                param_to_self(&mut v);
                v
            } else if let Some(i) = new_fields.iter().position(|f| f.name == g.name) {
                if !comparable(ws, &g.ty, &new_fields[i].ty) {
                    continue;
                }
                field_of(new_v(), new_fields, i)
            } else {
                lost.push(g.name.clone());
                continue;
            };
            claims.push(eq(back_value, rhs));
        }
        let report = Report {
            code: codes::MIGRATION_NOT_REVERSIBLE,
            message: format!("the migration of `{t}` is declared `reversible` but does not round-trip"),
            label: "back(forward(old)) differs from old".into(),
            secondary: Vec::new(),
            help: Some("add a `back` rule for every field the forward rules replace".into()),
        };
        let goal = if lost.is_empty() {
            let g = SmtGoal::new(
                ws,
                Mode::Valid,
                scope(),
                forward,
                Formula::And(claims),
                "back(forward(old)) differs from old".to_string(),
            );
            Goal::Smt(g)
        } else {
            let summary = format!(
                "field{} `{}` of the previous `{t}` has no `back` rule and is lost",
                if lost.len() > 1 { "s" } else { "" },
                lost.join("`, `")
            );
            Goal::Decided(Verdict::Failed {
                counterexample: Counterexample { summary, bindings: Vec::new(), trace: Vec::new() },
            })
        };
        let method = if matches!(goal, Goal::Smt(_)) { Method::Smt } else { Method::Structural };
        out.push(Obligation {
            id: format!("versions/migrate.{t}/round-trip"),
            pass: Pass::Versions,
            kind: "migration-round-trip",
            claim: format!("going back after migrating `{t}` gives the original value{note}"),
            file,
            span,
            method,
            goal,
            report,
        });
    }
    Some((out, round_trip))
}
