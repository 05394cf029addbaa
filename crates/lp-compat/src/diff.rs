//! The structural diff of two resolved specs: every change between them, named by a rule of
//! [`crate::rules`], and the refinement questions only z3 can answer (narrowed or widened).
//!
//! Items are matched by name (types, fields, variants, errors, functions, services,
//! operations, parameters, machines, states, variables); transitions by `from`, event and
//! `to`. Types are compared by how they are written (`Option<Seats>`), so a change inside a
//! named type is reported once, at that type, not at every use.

use crate::rules::{self, Rule};
use lp_check::smt_goal::{Binder, Formula, Mode, SmtGoal, SmtVar};
use lp_ir::text::ExprNames;
use lp_ir::{
    Expr, ExprKind, FieldDef, Location, Machine, Op, SettingValue, SettingValueKind, Spec, Ty, TypeBody, TypeDef, VarId,
};
use std::collections::{BTreeMap, BTreeSet};

/// One change between the old and the new spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub rule: &'static Rule,
    /// What it is about, as `allow ... on PATH` names it: `Customer.name`, `billing.subscribe`,
    /// `Billing.PastDue`.
    pub path: String,
    /// One sentence for the changelog and the diagnostic.
    pub message: String,
    /// Where it was in the old spec.
    pub old: Option<Location>,
    /// Where it is in the new spec.
    pub new: Option<Location>,
    /// More detail: a counterexample, or why a question could not be decided.
    pub note: Option<String>,
}

/// A refinement comparison for z3: does every value the old refinements accept pass the new
/// ones (`narrowed` when not), and the other way round (`widened` when not).
#[derive(Debug, Clone)]
pub struct Question {
    pub path: String,
    pub old: Option<Location>,
    pub new: Option<Location>,
    /// Old refinements imply the new ones (in terms of the new spec).
    pub keeps: SmtGoal,
    /// New refinements imply the old ones; `None` for machine invariants, where only
    /// narrowing matters.
    pub admits: Option<SmtGoal>,
    /// The rule reported when `keeps` fails.
    pub narrowed: &'static Rule,
}

/// The result of [`diff`].
#[derive(Debug, Clone, Default)]
pub struct Diff {
    /// Changes decided structurally, in a stable order (by kind of item, then declaration
    /// order of the new spec, then of the old).
    pub changes: Vec<Change>,
    /// Refinement comparisons to discharge with z3.
    pub questions: Vec<Question>,
}

fn loc(file: lp_diagnostics::FileId, span: lp_diagnostics::Span) -> Option<Location> {
    Some(Location { file, span })
}

struct Cx<'a> {
    old: &'a Spec,
    new: &'a Spec,
    out: Diff,
}

impl Cx<'_> {
    fn push(
        &mut self,
        rule: &'static Rule,
        path: String,
        message: String,
        old: Option<Location>,
        new: Option<Location>,
    ) {
        self.out.changes.push(Change { rule, path, message, old, new, note: None });
    }
}

/// Compares two specs. Pure and fast: no solver runs here (see [`Diff::questions`]).
pub fn diff(old: &Spec, new: &Spec) -> Diff {
    let mut cx = Cx { old, new, out: Diff::default() };
    types(&mut cx);
    errors(&mut cx);
    fns(&mut cx);
    services(&mut cx);
    machines(&mut cx);
    entities(&mut cx);
    spec_invariants(&mut cx);
    standards(&mut cx);
    cx.out
}

// ---------------------------------------------------------------- entities and behaviour

/// The names of an entity's key fields, in order.
fn key_names(spec: &Spec, e: &lp_ir::Entity) -> Vec<String> {
    match &spec.types[e.ty.index()].body {
        lp_ir::TypeBody::Record(fields) => {
            e.key.iter().map(|&k| fields.get(k as usize).map_or_else(|| "?".to_string(), |f| f.name.clone())).collect()
        }
        _ => Vec::new(),
    }
}

fn entities(cx: &mut Cx<'_>) {
    let (old, new) = (cx.old, cx.new);
    let oi = index(&old.entities, |e| &e.name);
    let ni = index(&new.entities, |e| &e.name);
    for n in &new.entities {
        let nl = loc(n.file, n.name_span);
        let Some(&i) = oi.get(n.name.as_str()) else {
            cx.push(rules::ENTITY_ADDED, n.name.clone(), format!("entity `{}` was added", n.name), None, nl);
            continue;
        };
        let o = &old.entities[i];
        let ol = loc(o.file, o.name_span);
        let (a, b) = (key_names(old, o), key_names(new, n));
        if a != b {
            let msg = format!("the key of `{}` changed from ({}) to ({})", n.name, a.join(", "), b.join(", "));
            cx.push(rules::ENTITY_KEY_CHANGED, n.name.clone(), msg, loc(o.file, o.key_span), loc(n.file, n.key_span));
        }
        let name_of = |spec: &Spec, m: Option<lp_ir::MachineId>| m.map(|m| spec.machines[m.index()].name.clone());
        let (a, b) = (name_of(old, o.lifecycle), name_of(new, n.lifecycle));
        if a != b {
            let show = |m: &Option<String>| m.as_ref().map_or_else(|| "none".to_string(), |m| format!("`{m}`"));
            let msg = format!("the lifecycle of `{}` changed from {} to {}", n.name, show(&a), show(&b));
            cx.push(rules::ENTITY_LIFECYCLE_CHANGED, n.name.clone(), msg, ol, nl);
        }
    }
    for o in &old.entities {
        if !ni.contains_key(o.name.as_str()) {
            let msg = format!("entity `{}` was removed; its stored instances are lost", o.name);
            cx.push(rules::ENTITY_REMOVED, o.name.clone(), msg, loc(o.file, o.name_span), None);
        }
    }
}

/// The canonical text of an expression of a spec, for comparing two versions.
fn expr_canon(spec: &Spec, params: &[lp_ir::ParamDef], e: &Expr) -> String {
    let names = lp_ir::text::ExprNames { params, vars: &[], qualify_variants: true };
    let mut s = String::new();
    lp_ir::text::write_expr(&mut s, spec, names, e, 0);
    s
}

fn spec_invariants(cx: &mut Cx<'_>) {
    let (old, new) = (cx.old, cx.new);
    let oi = index(&old.invariants, |i| &i.name);
    let ni = index(&new.invariants, |i| &i.name);
    for n in &new.invariants {
        let nl = loc(n.file, n.name_span);
        match oi.get(n.name.as_str()) {
            None => {
                let msg = format!("invariant `{}` was added; data stored before may break it", n.name);
                cx.push(rules::SPEC_INVARIANT_ADDED, n.name.clone(), msg, None, nl);
            }
            Some(&i) => {
                let o = &old.invariants[i];
                if expr_canon(old, &[], &o.expr) != expr_canon(new, &[], &n.expr) {
                    let msg = format!("invariant `{}` changed; data stored before may break it", n.name);
                    cx.push(
                        rules::SPEC_INVARIANT_CHANGED,
                        n.name.clone(),
                        msg,
                        loc(o.file, o.span),
                        loc(n.file, n.span),
                    );
                }
            }
        }
    }
    for o in &old.invariants {
        if !ni.contains_key(o.name.as_str()) {
            let msg = format!("invariant `{}` was removed", o.name);
            cx.push(rules::SPEC_INVARIANT_REMOVED, o.name.clone(), msg, loc(o.file, o.name_span), None);
        }
    }
}

/// The canonical text of an operation's body (`None` without one).
fn body_canon(spec: &Spec, op: &Op) -> Option<String> {
    let body = op.body.as_ref()?;
    let names = lp_ir::text::ExprNames { params: &op.params, vars: &[], qualify_variants: true };
    let mut s = String::new();
    lp_ir::text::write_block(&mut s, spec, names, body, "");
    Some(s)
}

fn behaviour(
    cx: &mut Cx<'_>,
    path: &str,
    (ofile, o): (lp_diagnostics::FileId, &Op),
    (nfile, n): (lp_diagnostics::FileId, &Op),
) {
    let (old, new) = (cx.old, cx.new);
    let (ol, nl) = (loc(ofile, o.name_span), loc(nfile, n.name_span));
    match (body_canon(old, o), body_canon(new, n)) {
        (None, Some(_)) => {
            cx.push(rules::OP_BODY_ADDED, path.to_string(), format!("`{path}` now has a body"), ol, nl);
        }
        (Some(_), None) => {
            cx.push(rules::OP_BODY_REMOVED, path.to_string(), format!("`{path}` no longer has a body"), ol, nl);
        }
        (Some(a), Some(b)) if a != b => {
            let (ob, nb) = (o.body.as_ref().map(|b| b.span), n.body.as_ref().map(|b| b.span));
            let msg = format!("the body of `{path}` changed: the same request may get another answer");
            cx.push(
                rules::OP_BODY_CHANGED,
                path.to_string(),
                msg,
                ob.and_then(|s| loc(ofile, s)),
                nb.and_then(|s| loc(nfile, s)),
            );
        }
        _ => {}
    }
    let ens =
        |spec: &Spec, op: &Op| -> Vec<String> { op.ensures.iter().map(|e| expr_canon(spec, &op.params, e)).collect() };
    if ens(old, o) != ens(new, n) {
        let msg = format!("the `ensures` of `{path}` changed");
        cx.push(rules::OP_ENSURES_CHANGED, path.to_string(), msg, ol, nl);
    }
}

/// Name → index, first definition wins.
fn index<T>(items: &[T], name: impl Fn(&T) -> &str) -> BTreeMap<&str, usize> {
    let mut m = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        m.entry(name(item)).or_insert(i);
    }
    m
}

fn ty_text(spec: &Spec, ty: &Ty, def: Option<&TypeDef>) -> String {
    spec.display_ty(ty, def.map(|d| d.params.as_slice()).unwrap_or(&[]))
}

// ---------------------------------------------------------------- types

fn kind(def: &TypeDef) -> &'static str {
    match def.body {
        TypeBody::Record(_) => "a record",
        TypeBody::Sum(_) => "a sum",
        TypeBody::Alias(_) => "an alias",
    }
}

fn types(cx: &mut Cx<'_>) {
    let old_ix = index(&cx.old.types, |t| &t.name);
    let new_ix = index(&cx.new.types, |t| &t.name);
    for n in &cx.new.types {
        let Some(&oi) = old_ix.get(n.name.as_str()) else {
            let at = loc(n.file, n.name_span);
            cx.push(rules::TYPE_ADDED, n.name.clone(), format!("type `{}` was added", n.name), None, at);
            continue;
        };
        let o = &cx.old.types[oi];
        let (ol, nl) = (loc(o.file, o.name_span), loc(n.file, n.name_span));
        let names = |d: &TypeDef| d.params.iter().map(|p| format!("{:?} {}", p.variance, p.name)).collect::<Vec<_>>();
        if names(o) != names(n) {
            let msg = format!("the parameters of `{}` changed", n.name);
            cx.push(rules::TYPE_PARAMS_CHANGED, n.name.clone(), msg, ol, nl);
            continue;
        }
        match (&o.body, &n.body) {
            (TypeBody::Record(of), TypeBody::Record(nf)) => {
                fields(cx, &n.name, (o, of), (n, nf));
                record_refinement(cx, o, n);
            }
            (TypeBody::Sum(ov), TypeBody::Sum(nv)) => {
                let oix = index(ov, |v| &v.name);
                let nix = index(nv, |v| &v.name);
                for v in nv {
                    let path = format!("{}.{}", n.name, v.name);
                    match oix.get(v.name.as_str()) {
                        None => {
                            let msg = format!("variant `{}` was added to `{}`", v.name, n.name);
                            cx.push(rules::VARIANT_ADDED, path, msg, None, loc(n.file, v.name_span));
                        }
                        Some(&i) => {
                            let empty = Vec::new();
                            let of = ov[i].payload.as_ref().unwrap_or(&empty);
                            let nf = v.payload.as_ref().unwrap_or(&empty);
                            fields(cx, &path, (o, of), (n, nf));
                        }
                    }
                }
                for v in ov {
                    if !nix.contains_key(v.name.as_str()) {
                        let msg = format!("variant `{}` was removed from `{}`", v.name, n.name);
                        let path = format!("{}.{}", n.name, v.name);
                        cx.push(rules::VARIANT_REMOVED, path, msg, loc(o.file, v.name_span), nl);
                    }
                }
            }
            (TypeBody::Alias(ot), TypeBody::Alias(nt)) => {
                let (a, b) = (ty_text(cx.old, ot, Some(o)), ty_text(cx.new, nt, Some(n)));
                if a != b {
                    let msg = format!("`{}` was an alias of `{a}` and is now one of `{b}`", n.name);
                    cx.push(rules::ALIAS_TARGET_CHANGED, n.name.clone(), msg, ol, nl);
                }
            }
            _ => {
                let msg = format!("`{}` was {} type and is now {} type", n.name, kind(o), kind(n));
                cx.push(rules::TYPE_KIND_CHANGED, n.name.clone(), msg, ol, nl);
            }
        }
    }
    for o in &cx.old.types {
        if !new_ix.contains_key(o.name.as_str()) {
            let msg = format!("type `{}` was removed", o.name);
            cx.push(rules::TYPE_REMOVED, o.name.clone(), msg, loc(o.file, o.name_span), None);
        }
    }
}

fn record_refinement(cx: &mut Cx<'_>, o: &TypeDef, n: &TypeDef) {
    let text = |spec: &Spec, d: &TypeDef| {
        d.refinement.as_ref().map(|r| lp_ir::text::expr_text(spec, ExprNames::default(), r)).unwrap_or_default()
    };
    let (a, b) = (text(cx.old, o), text(cx.new, n));
    if a != b {
        let msg = format!("the `where` of `{}` changed from `{a}` to `{b}`", n.name);
        cx.push(rules::RECORD_REFINEMENT_CHANGED, n.name.clone(), msg, loc(o.file, o.span), loc(n.file, n.span));
    }
}

/// Compares two field lists (of a record, a variant payload or an error payload) at `owner`.
fn fields(cx: &mut Cx<'_>, owner: &str, (od, of): (&TypeDef, &[FieldDef]), (nd, nf): (&TypeDef, &[FieldDef])) {
    field_lists(cx, owner, (od.file, Some(od), of), (nd.file, Some(nd), nf), loc(nd.file, nd.name_span));
}

type Side<'a> = (lp_diagnostics::FileId, Option<&'a TypeDef>, &'a [FieldDef]);

/// `owner_at` is the owner's name in the new spec, where a removed field is reported.
fn field_lists(
    cx: &mut Cx<'_>,
    owner: &str,
    (ofile, od, of): Side<'_>,
    (nfile, nd, nf): Side<'_>,
    owner_at: Option<Location>,
) {
    let oix = index(of, |f| &f.name);
    let nix = index(nf, |f| &f.name);
    for f in nf {
        let path = format!("{owner}.{}", f.name);
        let nl = loc(nfile, f.name_span);
        let Some(&i) = oix.get(f.name.as_str()) else {
            let optional = matches!(cx.new.expand_alias(&f.ty), Ty::Option(_));
            let (rule, what) = if optional {
                (rules::FIELD_ADDED_OPTIONAL, "an optional")
            } else {
                (rules::FIELD_ADDED_REQUIRED, "a required")
            };
            let msg = format!("`{owner}` has {what} new field `{}`", f.name);
            cx.push(rule, path, msg, None, nl);
            continue;
        };
        let o = &of[i];
        let ol = loc(ofile, o.name_span);
        let (a, b) = (ty_text(cx.old, &o.ty, od), ty_text(cx.new, &f.ty, nd));
        if a != b {
            let rule = if format!("Option<{a}>") == b {
                rules::FIELD_MADE_OPTIONAL
            } else if format!("Option<{b}>") == a {
                rules::FIELD_MADE_REQUIRED
            } else {
                rules::FIELD_TYPE_CHANGED
            };
            let msg = format!("the type of `{path}` changed from `{a}` to `{b}`");
            cx.push(rule, path, msg, ol, nl);
            continue;
        }
        refinement_question(cx, path, (&o.ty, o.refinement.as_ref(), ol), (&f.ty, f.refinement.as_ref(), nl));
    }
    for o in of {
        if !nix.contains_key(o.name.as_str()) {
            let path = format!("{owner}.{}", o.name);
            let msg = format!("field `{}` was removed from `{owner}`", o.name);
            cx.push(rules::FIELD_REMOVED, path, msg, loc(ofile, o.name_span), owner_at);
        }
    }
}

// ---------------------------------------------------------------- refinements

/// The primitive a value's type unfolds to, and every refinement on the way (the field's
/// own first, then each alias's), all about `self`.
fn refinement_chain<'s>(spec: &'s Spec, ty: &Ty, own: Option<&'s Expr>) -> Option<(Ty, Vec<&'s Expr>)> {
    let mut out: Vec<&Expr> = own.into_iter().collect();
    let mut ty = ty.clone();
    for _ in 0..64 {
        match ty {
            Ty::Int | Ty::Decimal | Ty::String | Ty::Bool => return Some((ty, out)),
            Ty::Named { id, ref args } if args.is_empty() => {
                let def = spec.types.get(id.index())?;
                let TypeBody::Alias(inner) = &def.body else { return None };
                out.extend(def.refinement.as_ref());
                ty = inner.clone();
            }
            _ => return None,
        }
    }
    None
}

/// Rewrites an expression of `from` so that it means the same in any spec: every type is
/// unfolded to a primitive, machine variables are renumbered through `vars`. `None` when it
/// refers to an item (a function, a variant) or has a type that is not primitive.
pub(crate) fn transfer(from: &Spec, e: &Expr, vars: &dyn Fn(VarId) -> Option<VarId>) -> Option<Expr> {
    let ty = primitive(from, &e.ty)?;
    let kind = match &e.kind {
        ExprKind::Int(_) | ExprKind::Decimal(_) | ExprKind::Str(_) | ExprKind::Bool(_) | ExprKind::SelfValue => {
            e.kind.clone()
        }
        ExprKind::Var(v) => ExprKind::Var(vars(*v)?),
        ExprKind::Builtin { builtin, args } => ExprKind::Builtin {
            builtin: *builtin,
            args: args.iter().map(|a| transfer(from, a, vars)).collect::<Option<_>>()?,
        },
        ExprKind::Unary { op, operand } => {
            ExprKind::Unary { op: *op, operand: Box::new(transfer(from, operand, vars)?) }
        }
        ExprKind::Binary { op, lhs, rhs } => ExprKind::Binary {
            op: *op,
            lhs: Box::new(transfer(from, lhs, vars)?),
            rhs: Box::new(transfer(from, rhs, vars)?),
        },
        _ => return None,
    };
    Some(Expr { kind, ty, span: e.span })
}

/// The primitive type `ty` unfolds to (lists, sets and options of primitives too).
fn primitive(spec: &Spec, ty: &Ty) -> Option<Ty> {
    match spec.expand_alias(ty) {
        t @ (Ty::Int | Ty::Decimal | Ty::String | Ty::Bool | Ty::Unit) => Some(t),
        Ty::List(t) => Some(Ty::List(Box::new(primitive(spec, &t)?))),
        Ty::Set(t) => Some(Ty::Set(Box::new(primitive(spec, &t)?))),
        Ty::Option(t) => Some(Ty::Option(Box::new(primitive(spec, &t)?))),
        _ => None,
    }
}

fn conj_text(spec: &Spec, es: &[&Expr]) -> String {
    es.iter().map(|e| lp_ir::text::expr_text(spec, ExprNames::default(), e)).collect::<Vec<_>>().join(" && ")
}

/// Compares the refinements of a value that has the same type (by name) in both specs.
fn refinement_question(
    cx: &mut Cx<'_>,
    path: String,
    (oty, oown, ol): (&Ty, Option<&Expr>, Option<Location>),
    (nty, nown, nl): (&Ty, Option<&Expr>, Option<Location>),
) {
    let (Some((obase, ochain)), Some((nbase, nchain))) =
        (refinement_chain(cx.old, oty, oown), refinement_chain(cx.new, nty, nown))
    else {
        return;
    };
    let (a, b) = (conj_text(cx.old, &ochain), conj_text(cx.new, &nchain));
    if a == b || obase != nbase {
        return;
    }
    let same = |v: VarId| Some(v);
    let olds: Option<Vec<Expr>> = ochain.iter().map(|e| transfer(cx.old, e, &same)).collect();
    let news: Option<Vec<Expr>> = nchain.iter().map(|e| transfer(cx.new, e, &same)).collect();
    let (Some(olds), Some(news)) = (olds, news) else {
        let msg = format!("the refinement of `{path}` changed from `{a}` to `{b}`");
        cx.out.changes.push(Change {
            rule: rules::REFINEMENT_NARROWED,
            path,
            message: msg,
            old: ol,
            new: nl,
            note: Some(
                "not decided: a refinement calls a function or names a variant, so it is taken as narrowed".into(),
            ),
        });
        return;
    };
    let name = path.rsplit('.').next().unwrap_or("value").to_string();
    let var = || vec![SmtVar { refined: false, ..SmtVar::free(Binder::SelfValue, name.clone(), nbase.clone()) }];
    let holds = |es: &[Expr]| Formula::And(es.iter().cloned().map(Formula::Holds).collect());
    let keeps = SmtGoal::new(
        cx.new,
        Mode::Valid,
        var(),
        vec![holds(&olds)],
        holds(&news),
        format!("accepted by `{a}`, rejected by `{b}`"),
    );
    let admits = SmtGoal::new(
        cx.new,
        Mode::Valid,
        var(),
        vec![holds(&news)],
        holds(&olds),
        format!("accepted by `{b}`, rejected by `{a}`"),
    );
    cx.out.questions.push(Question {
        path,
        old: ol,
        new: nl,
        keeps,
        admits: Some(admits),
        narrowed: rules::REFINEMENT_NARROWED,
    });
}

// ---------------------------------------------------------------- errors and functions

fn errors(cx: &mut Cx<'_>) {
    let old_ix = index(&cx.old.errors, |e| &e.name);
    let new_ix = index(&cx.new.errors, |e| &e.name);
    for n in &cx.new.errors {
        let Some(&i) = old_ix.get(n.name.as_str()) else { continue };
        let o = &cx.old.errors[i];
        if o.status != n.status {
            let msg = format!("error `{}` changed its status from {} to {}", n.name, o.status, n.status);
            cx.push(
                rules::ERROR_STATUS_CHANGED,
                n.name.clone(),
                msg,
                loc(o.file, o.status_span),
                loc(n.file, n.status_span),
            );
        }
        let at = loc(n.file, n.name_span);
        field_lists(cx, &n.name, (o.file, None, &o.fields), (n.file, None, &n.fields), at);
    }
    for o in &cx.old.errors {
        if !new_ix.contains_key(o.name.as_str()) {
            let msg = format!("error `{}` was removed", o.name);
            cx.push(rules::ERROR_REMOVED, o.name.clone(), msg, loc(o.file, o.name_span), None);
        }
    }
}

fn fns(cx: &mut Cx<'_>) {
    let old_ix = index(&cx.old.fns, |f| &f.name);
    let new_ix = index(&cx.new.fns, |f| &f.name);
    for n in &cx.new.fns {
        let Some(&i) = old_ix.get(n.name.as_str()) else { continue };
        let o = &cx.old.fns[i];
        let sig = |spec: &Spec, f: &lp_ir::FnDef| {
            let ps: Vec<String> =
                f.params.iter().map(|p| format!("{}: {}", p.name, ty_text(spec, &p.ty, None))).collect();
            format!("({}) -> {}", ps.join(", "), ty_text(spec, &f.result, None))
        };
        let (a, b) = (sig(cx.old, o), sig(cx.new, n));
        if a != b {
            let msg = format!("the signature of `{}` changed from `{a}` to `{b}`", n.name);
            cx.push(
                rules::FN_SIGNATURE_CHANGED,
                n.name.clone(),
                msg,
                loc(o.file, o.name_span),
                loc(n.file, n.name_span),
            );
        }
    }
    for o in &cx.old.fns {
        if !new_ix.contains_key(o.name.as_str()) {
            let msg = format!("function `{}` was removed", o.name);
            cx.push(rules::FN_REMOVED, o.name.clone(), msg, loc(o.file, o.name_span), None);
        }
    }
}

// ---------------------------------------------------------------- services

fn route(op: &Op) -> String {
    let Some(http) = &op.http else { return String::from("(no HTTP binding)") };
    let mut s = format!("{} ", http.method.as_str());
    for seg in &http.segments {
        s.push('/');
        match seg {
            lp_ir::PathSeg::Literal(l) => s.push_str(l),
            lp_ir::PathSeg::Param { names, suffix, .. } => {
                s.push('{');
                s.push_str(&names.join("."));
                s.push('}');
                s.push_str(suffix);
            }
        }
    }
    if http.segments.is_empty() {
        s.push('/');
    }
    s
}

fn services(cx: &mut Cx<'_>) {
    let (old, new) = (cx.old, cx.new);
    let old_ix = index(&old.services, |s| &s.name);
    let new_ix = index(&new.services, |s| &s.name);
    for n in &new.services {
        let nl = loc(n.file, n.name_span);
        let Some(&i) = old_ix.get(n.name.as_str()) else {
            cx.push(rules::SERVICE_ADDED, n.name.clone(), format!("service `{}` was added", n.name), None, nl);
            continue;
        };
        let o = &old.services[i];
        let ol = loc(o.file, o.name_span);
        let dep_names = |spec: &Spec, s: &lp_ir::Service| -> BTreeMap<String, lp_diagnostics::Span> {
            s.depends.iter().map(|d| (spec.services[d.service.index()].name.clone(), d.span)).collect()
        };
        let (od, nd) = (dep_names(old, o), dep_names(new, n));
        for (name, span) in &nd {
            if !od.contains_key(name) {
                let msg = format!("service `{}` now depends on `{name}`", n.name);
                cx.push(rules::DEPENDENCY_ADDED, format!("{}.{name}", n.name), msg, ol, loc(n.file, *span));
            }
        }
        for (name, span) in &od {
            if !nd.contains_key(name) {
                let msg = format!("service `{}` no longer depends on `{name}`", n.name);
                cx.push(rules::DEPENDENCY_REMOVED, format!("{}.{name}", n.name), msg, loc(o.file, *span), nl);
            }
        }
        let oops = index(&o.ops, |op| &op.name);
        let nops = index(&n.ops, |op| &op.name);
        for nop in &n.ops {
            let path = format!("{}.{}", n.name, nop.name);
            let nopl = loc(n.file, nop.name_span);
            let Some(&j) = oops.get(nop.name.as_str()) else {
                cx.push(rules::OP_ADDED, path, format!("operation `{}.{}` was added", n.name, nop.name), None, nopl);
                continue;
            };
            op(cx, &path, (o.file, &o.ops[j]), (n.file, nop));
        }
        for oop in &o.ops {
            if !nops.contains_key(oop.name.as_str()) {
                let msg = format!("operation `{}.{}` was removed", n.name, oop.name);
                cx.push(rules::OP_REMOVED, format!("{}.{}", n.name, oop.name), msg, loc(o.file, oop.name_span), nl);
            }
        }
        let port = |spec: &Spec, name: &str| {
            spec.deploys
                .iter()
                .find(|d| spec.services[d.service.index()].name == name)
                .map(|d| (d.port, d.file, d.span))
        };
        if let (Some((Some(a), of, os)), Some((Some(b), nf, ns))) = (port(old, &o.name), port(new, &n.name))
            && a != b
        {
            let msg = format!("service `{}` moved from port {a} to port {b}", n.name);
            cx.push(rules::DEPLOY_PORT_CHANGED, n.name.clone(), msg, loc(of, os), loc(nf, ns));
        }
    }
    for o in &old.services {
        if !new_ix.contains_key(o.name.as_str()) {
            let msg = format!("service `{}` was removed", o.name);
            cx.push(rules::SERVICE_REMOVED, o.name.clone(), msg, loc(o.file, o.name_span), None);
        }
    }
}

fn op(
    cx: &mut Cx<'_>,
    path: &str,
    (ofile, o): (lp_diagnostics::FileId, &Op),
    (nfile, n): (lp_diagnostics::FileId, &Op),
) {
    let (old, new) = (cx.old, cx.new);
    let (ol, nl) = (loc(ofile, o.name_span), loc(nfile, n.name_span));
    let (a, b) = (route(o), route(n));
    if a != b {
        cx.push(rules::OP_HTTP_CHANGED, path.to_string(), format!("`{path}` moved from `{a}` to `{b}`"), ol, nl);
    }
    let oparams = index(&o.params, |p| &p.name);
    let nparams = index(&n.params, |p| &p.name);
    for p in &n.params {
        let ppath = format!("{path}.{}", p.name);
        let pl = loc(nfile, p.name_span);
        match oparams.get(p.name.as_str()) {
            None => {
                let msg = format!("`{path}` has a new parameter `{}`", p.name);
                cx.push(rules::OP_PARAM_ADDED, ppath, msg, ol, pl);
            }
            Some(&i) => {
                let q = &o.params[i];
                let (a, b) = (ty_text(old, &q.ty, None), ty_text(new, &p.ty, None));
                let ql = loc(ofile, q.name_span);
                if a != b || q.body != p.body {
                    let msg = format!("parameter `{ppath}` changed from `{a}` to `{b}`");
                    cx.push(rules::OP_PARAM_TYPE_CHANGED, ppath, msg, ql, pl);
                } else {
                    refinement_question(cx, ppath, (&q.ty, None, ql), (&p.ty, None, pl));
                }
            }
        }
    }
    for q in &o.params {
        if !nparams.contains_key(q.name.as_str()) {
            let msg = format!("`{path}` no longer has the parameter `{}`", q.name);
            cx.push(rules::OP_PARAM_REMOVED, format!("{path}.{}", q.name), msg, loc(ofile, q.name_span), nl);
        }
    }
    let (a, b) = (ty_text(old, &o.result, None), ty_text(new, &n.result, None));
    if a != b {
        let msg = format!("the result of `{path}` changed from `{a}` to `{b}`");
        cx.push(rules::OP_RESULT_CHANGED, path.to_string(), msg, loc(ofile, o.result_span), loc(nfile, n.result_span));
    }
    let errs = |spec: &Spec, op: &Op| -> BTreeMap<String, lp_diagnostics::Span> {
        op.errors.iter().map(|e| (spec.errors[e.error.index()].name.clone(), e.span)).collect()
    };
    behaviour(cx, path, (ofile, o), (nfile, n));
    let (oe, ne) = (errs(old, o), errs(new, n));
    for (name, span) in &ne {
        if !oe.contains_key(name) {
            let msg = format!("`{path}` may now fail with `{name}`");
            cx.push(rules::OP_ERROR_ADDED, format!("{path}.{name}"), msg, ol, loc(nfile, *span));
        }
    }
    for (name, span) in &oe {
        if !ne.contains_key(name) {
            let msg = format!("`{path}` no longer fails with `{name}`");
            cx.push(rules::OP_ERROR_REMOVED, format!("{path}.{name}"), msg, loc(ofile, *span), nl);
        }
    }
}

// ---------------------------------------------------------------- machines

fn machines(cx: &mut Cx<'_>) {
    let (old, new) = (cx.old, cx.new);
    let new_ix = index(&new.machines, |m| &m.name);
    let old_ix = index(&old.machines, |m| &m.name);
    for n in &new.machines {
        if let Some(&i) = old_ix.get(n.name.as_str()) {
            machine(cx, &old.machines[i], n);
        }
    }
    for o in &old.machines {
        if !new_ix.contains_key(o.name.as_str()) {
            let msg = format!("machine `{}` was removed", o.name);
            cx.push(rules::MACHINE_REMOVED, o.name.clone(), msg, loc(o.file, o.name_span), None);
        }
    }
}

fn machine(cx: &mut Cx<'_>, o: &Machine, n: &Machine) {
    let (old, new) = (cx.old, cx.new);
    let (ol, nl) = (loc(o.file, o.name_span), loc(n.file, n.name_span));
    let ostates = index(&o.states, |s| &s.name);
    let nstates = index(&n.states, |s| &s.name);
    for s in &n.states {
        if !ostates.contains_key(s.name.as_str()) {
            let msg = format!("state `{}` was added to `{}`", s.name, n.name);
            cx.push(rules::STATE_ADDED, format!("{}.{}", n.name, s.name), msg, ol, loc(n.file, s.span));
        }
    }
    for s in &o.states {
        if !nstates.contains_key(s.name.as_str()) {
            let msg = format!("state `{}` was removed from `{}`", s.name, n.name);
            cx.push(rules::STATE_REMOVED, format!("{}.{}", n.name, s.name), msg, loc(o.file, s.span), nl);
        }
    }
    let initial = |m: &Machine| m.initial.map(|s| m.states[s.index()].name.clone());
    if let (Some(a), Some(b)) = (initial(o), initial(n))
        && a != b
    {
        let msg = format!("the initial state of `{}` changed from `{a}` to `{b}`", n.name);
        cx.push(rules::INITIAL_STATE_CHANGED, n.name.clone(), msg, ol, nl);
    }
    let key = |m: &Machine, t: &lp_ir::Transition| {
        (
            m.states[t.from.index()].name.clone(),
            m.events[t.event.index()].name.clone(),
            m.states[t.to.index()].name.clone(),
        )
    };
    let otr: BTreeMap<_, _> = o.transitions.iter().map(|t| (key(o, t), t.span)).collect();
    let ntr: BTreeMap<_, _> = n.transitions.iter().map(|t| (key(n, t), t.span)).collect();
    for (k, span) in &ntr {
        if !otr.contains_key(k) {
            let msg = format!("`{}` has a new transition `{} -> {} on {}`", n.name, k.0, k.2, k.1);
            cx.push(rules::TRANSITION_ADDED, format!("{}.{}.{}", n.name, k.0, k.1), msg, ol, loc(n.file, *span));
        }
    }
    for (k, span) in &otr {
        if !ntr.contains_key(k) {
            let msg = format!("transition `{} -> {} on {}` was removed from `{}`", k.0, k.2, k.1, n.name);
            cx.push(rules::TRANSITION_REMOVED, format!("{}.{}.{}", n.name, k.0, k.1), msg, loc(o.file, *span), nl);
        }
    }
    let ovars = index(&o.vars, |v| &v.name);
    let nvars = index(&n.vars, |v| &v.name);
    let mut var_map: BTreeMap<VarId, VarId> = BTreeMap::new();
    for (i, v) in n.vars.iter().enumerate() {
        let path = format!("{}.{}", n.name, v.name);
        match ovars.get(v.name.as_str()) {
            None => {
                let msg = format!("`{}` has a new variable `{}`", n.name, v.name);
                cx.push(rules::MACHINE_VAR_ADDED, path, msg, ol, loc(n.file, v.name_span));
            }
            Some(&j) => {
                let (a, b) = (ty_text(old, &o.vars[j].ty, None), ty_text(new, &v.ty, None));
                if a != b {
                    let msg = format!("variable `{path}` changed from `{a}` to `{b}`");
                    cx.push(
                        rules::MACHINE_VAR_TYPE_CHANGED,
                        path,
                        msg,
                        loc(o.file, o.vars[j].name_span),
                        loc(n.file, v.name_span),
                    );
                } else {
                    var_map.insert(VarId(j as u32), VarId(i as u32));
                }
            }
        }
    }
    for v in &o.vars {
        if !nvars.contains_key(v.name.as_str()) {
            let msg = format!("variable `{}` was removed from `{}`", v.name, n.name);
            cx.push(rules::MACHINE_VAR_REMOVED, format!("{}.{}", n.name, v.name), msg, loc(o.file, v.name_span), nl);
        }
    }
    invariants(cx, o, n, &var_map);
}

/// Stored instances stay valid when the old invariants imply the new ones.
fn invariants(cx: &mut Cx<'_>, o: &Machine, n: &Machine, var_map: &BTreeMap<VarId, VarId>) {
    let (old, new) = (cx.old, cx.new);
    let text = |spec: &Spec, m: &Machine| {
        let names = ExprNames { vars: &m.vars, ..ExprNames::default() };
        m.invariants.iter().map(|e| lp_ir::text::expr_text(spec, names, e)).collect::<Vec<_>>().join(" && ")
    };
    let (a, b) = (text(old, o), text(new, n));
    if a == b || n.invariants.is_empty() {
        return;
    }
    let (ol, nl) = (loc(o.file, o.name_span), loc(n.file, n.name_span));
    let mapped = |v: VarId| var_map.get(&v).copied();
    let same = |v: VarId| Some(v);
    let olds: Option<Vec<Expr>> = o.invariants.iter().map(|e| transfer(old, e, &mapped)).collect();
    let news: Option<Vec<Expr>> = n.invariants.iter().map(|e| transfer(new, e, &same)).collect();
    let scope: Option<Vec<SmtVar>> = n
        .vars
        .iter()
        .enumerate()
        .map(|(i, v)| Some(SmtVar::free(Binder::Var(VarId(i as u32)), v.name.clone(), primitive(new, &v.ty)?)))
        .collect();
    let (Some(olds), Some(news), Some(scope)) = (olds, news, scope) else {
        cx.out.changes.push(Change {
            rule: rules::INVARIANT_NARROWED,
            path: n.name.clone(),
            message: format!("the invariants of `{}` changed from `{a}` to `{b}`", n.name),
            old: ol,
            new: nl,
            note: Some("not decided: the invariants use a variable that changed, a function or a variant".into()),
        });
        return;
    };
    let holds = |es: Vec<Expr>| Formula::And(es.into_iter().map(Formula::Holds).collect());
    let keeps = SmtGoal::new(
        new,
        Mode::Valid,
        scope,
        vec![holds(olds)],
        holds(news),
        format!("a stored instance valid under `{a}` breaks `{b}`"),
    );
    cx.out.questions.push(Question {
        path: n.name.clone(),
        old: ol,
        new: nl,
        keeps,
        admits: None,
        narrowed: rules::INVARIANT_NARROWED,
    });
}

// ---------------------------------------------------------------- standards

fn setting_text(v: &SettingValue, out: &mut String) {
    match &v.kind {
        SettingValueKind::Int(i) => out.push_str(&i.to_string()),
        SettingValueKind::Str(s) => out.push_str(&format!("{s:?}")),
        SettingValueKind::Bool(b) => out.push_str(&b.to_string()),
        SettingValueKind::Ident { name, args } => {
            out.push_str(&name.text);
            if let Some(args) = args {
                out.push('(');
                for (i, (k, v)) in args.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&k.text);
                    out.push_str(" = ");
                    setting_text(v, out);
                }
                out.push(')');
            }
        }
        SettingValueKind::List(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                setting_text(v, out);
            }
            out.push(']');
        }
    }
}

fn auth_text(spec: &Spec) -> String {
    let Some(auth) = &spec.standards.auth else { return "none".into() };
    let mut s = auth.scheme.clone();
    for (k, v) in &auth.args {
        s.push_str(&format!(" {k}="));
        setting_text(v, &mut s);
    }
    let except: BTreeSet<&str> = auth.except.iter().map(|e| e.name.as_str()).collect();
    if !except.is_empty() {
        s.push_str(&format!(" except [{}]", except.into_iter().collect::<Vec<_>>().join(", ")));
    }
    s
}

fn standards(cx: &mut Cx<'_>) {
    let (a, b) = (auth_text(cx.old), auth_text(cx.new));
    if a != b {
        let at = |spec: &Spec| {
            spec.standards.settings.iter().find(|s| s.key == lp_ir::StandardKey::Auth).and_then(|s| loc(s.file, s.span))
        };
        let msg = format!("the `auth` standard changed from `{a}` to `{b}`");
        cx.push(rules::AUTH_CHANGED, "auth".into(), msg, at(cx.old), at(cx.new));
    }
}
