//! The functor pass: variance analysis of every generic type, and the functor-law goals of
//! every type that declares a covariant parameter.
//!
//! Variance is inferred from occurrences. A parameter occurring as a field, inside `Option`,
//! `List`, `Set`, `Map` (keys and values), `Result`, records, sums or the result of a function
//! type is in a positive position; the argument of a function type flips the polarity; a
//! generic type used inside another passes its own parameters' variance on (the inferred one,
//! computed as a least fixpoint over all types, so mutually recursive types are handled).
//! `Set<T>` and `Map` keys count as covariant *data*; whether `map` over them is
//! structure-preserving is a separate question that the law obligations answer.
//!
//! Obligations, in declaration order of the types:
//! - `functor/type.NAME/variance.T` for each parameter declared `+T` or `-T`: decided here
//!   (structural); a failure names the occurrence that breaks the declaration (LP2030).
//! - `functor/type.NAME/map.T/identity` and `.../composition` for each `+T` that passes:
//!   property tests of the derived `map` (LP2031).
//! - `functor/type.NAME/map.T/refinements` for each `+T` that passes when a refinement of the
//!   type, or of a type nested in it, looks at values that contain `T` (LP2032).
//!
//! Parameters without a sign make no claim: their inferred variance is only reported
//! ([`variance_report`]), for `architecture.categorical`.

use crate::law::{LawGoal, LawKind, variance_sign};
use crate::obligation::{Counterexample, Goal, Method, Obligation, Pass, Report, Verdict};
use lp_diagnostics::{FileId, Span, codes};
use lp_ir::{Expr, ExprKind, FieldDef, Spec, Ty, TypeBody, TypeDef, TypeId, Variance};
use serde::Serialize;
use std::collections::BTreeSet;

/// The variance of a parameter as inferred from its occurrences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Occurs {
    /// The parameter does not occur (a phantom): both co- and contravariant.
    Nowhere,
    /// Only in positive positions.
    Covariant,
    /// Only in negative positions.
    Contravariant,
    /// In both.
    Invariant,
}

impl Occurs {
    /// The least upper bound of two variances.
    pub fn join(self, other: Occurs) -> Occurs {
        match (self, other) {
            (Occurs::Nowhere, x) | (x, Occurs::Nowhere) => x,
            (a, b) if a == b => a,
            _ => Occurs::Invariant,
        }
    }

    /// The polarity on the other side of a function arrow.
    pub fn flip(self) -> Occurs {
        match self {
            Occurs::Covariant => Occurs::Contravariant,
            Occurs::Contravariant => Occurs::Covariant,
            x => x,
        }
    }

    /// The polarity of a parameter of a type that has variance `inner` in it, used at a
    /// position of polarity `self`.
    pub fn compose(self, inner: Occurs) -> Occurs {
        match inner {
            Occurs::Nowhere => Occurs::Nowhere,
            Occurs::Covariant => self,
            Occurs::Contravariant => self.flip(),
            Occurs::Invariant => Occurs::Invariant,
        }
    }

    /// Whether this inferred variance is allowed by a declaration.
    pub fn allowed_by(self, declared: Variance) -> bool {
        match declared {
            Variance::Invariant => true,
            Variance::Covariant => matches!(self, Occurs::Nowhere | Occurs::Covariant),
            Variance::Contravariant => matches!(self, Occurs::Nowhere | Occurs::Contravariant),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Occurs::Nowhere => "phantom",
            Occurs::Covariant => "covariant",
            Occurs::Contravariant => "contravariant",
            Occurs::Invariant => "invariant",
        }
    }
}

/// The inferred variance of every parameter of every type, indexed by [`TypeId`] then by
/// parameter index: the least fixpoint of the occurrence rules over all types.
pub fn infer_variances(spec: &Spec) -> Vec<Vec<Occurs>> {
    let mut table: Vec<Vec<Occurs>> = spec.types.iter().map(|d| vec![Occurs::Nowhere; d.params.len()]).collect();
    // Each round can only move entries up a lattice of height three, so this terminates; the
    // bound guards against a mistake in that argument.
    for _ in 0..=(3 * table.iter().map(Vec::len).sum::<usize>() + 1) {
        let mut changed = false;
        for (i, def) in spec.types.iter().enumerate() {
            let mut acc = vec![Occurs::Nowhere; def.params.len()];
            for ty in body_types(def) {
                occurrences(ty, Occurs::Covariant, &table, &mut acc);
            }
            if acc != table[i] {
                table[i] = acc;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    table
}

/// The types written in a declaration's body, in order.
fn body_types(def: &TypeDef) -> Vec<&Ty> {
    match &def.body {
        TypeBody::Alias(t) => vec![t],
        TypeBody::Record(fields) => fields.iter().map(|f| &f.ty).collect(),
        TypeBody::Sum(variants) => variants.iter().flat_map(|v| v.payload.iter().flatten()).map(|f| &f.ty).collect(),
    }
}

/// Joins the polarity of every parameter occurrence in `ty`, seen at polarity `pol`, into `acc`.
fn occurrences(ty: &Ty, pol: Occurs, table: &[Vec<Occurs>], acc: &mut [Occurs]) {
    match ty {
        Ty::Param(i) => {
            if let Some(slot) = acc.get_mut(*i as usize) {
                *slot = slot.join(pol);
            }
        }
        Ty::Option(t) | Ty::List(t) | Ty::Set(t) => occurrences(t, pol, table, acc),
        Ty::Result(a, b) | Ty::Map(a, b) => {
            occurrences(a, pol, table, acc);
            occurrences(b, pol, table, acc);
        }
        Ty::Fn(a, b) => {
            occurrences(a, pol.flip(), table, acc);
            occurrences(b, pol, table, acc);
        }
        Ty::Named { id, args } => {
            for (j, arg) in args.iter().enumerate() {
                let inner = table.get(id.index()).and_then(|v| v.get(j)).copied().unwrap_or(Occurs::Invariant);
                let p = pol.compose(inner);
                if p != Occurs::Nowhere {
                    occurrences(arg, p, table, acc);
                }
            }
        }
        Ty::Int | Ty::Decimal | Ty::Bool | Ty::String | Ty::Unit | Ty::Void => {}
        Ty::Machine(_) | Ty::ErrorType(_) | Ty::Error => {}
    }
}

/// One parameter in the variance report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParamVariance {
    pub name: String,
    /// `covariant`, `contravariant` or `none` (no sign written).
    pub declared: &'static str,
    pub inferred: Occurs,
    /// Whether the inferred variance satisfies the declaration.
    pub ok: bool,
    /// Whether the type is a functor in this parameter: declared covariant and checked, so a
    /// `map` is derived for it.
    pub functor: bool,
}

/// One generic type in the variance report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeVariance {
    pub name: String,
    pub params: Vec<ParamVariance>,
}

/// The declared and inferred variance of every parameter of every generic type, in
/// declaration order: the functor section of `architecture.categorical`.
pub fn variance_report(spec: &Spec) -> Vec<TypeVariance> {
    let table = infer_variances(spec);
    spec.types
        .iter()
        .zip(&table)
        .filter(|(def, _)| !def.params.is_empty())
        .map(|(def, inferred)| TypeVariance {
            name: def.name.clone(),
            params: def
                .params
                .iter()
                .zip(inferred)
                .map(|(p, &inf)| ParamVariance {
                    name: p.name.clone(),
                    declared: match p.variance {
                        Variance::Covariant => "covariant",
                        Variance::Contravariant => "contravariant",
                        Variance::Invariant => "none",
                    },
                    inferred: inf,
                    ok: inf.allowed_by(p.variance),
                    functor: p.variance == Variance::Covariant && inf.allowed_by(p.variance),
                })
                .collect(),
        })
        .collect()
}

/// The functor pass's obligations, in declaration order of the types.
pub fn obligations(spec: &Spec) -> Vec<Obligation> {
    let table = infer_variances(spec);
    let mut out = Vec::new();
    for (index, def) in spec.types.iter().enumerate() {
        if def.params.is_empty() || body_types(def).iter().any(|t| t.contains_error()) {
            continue;
        }
        let id = TypeId(index as u32);
        for (p, param) in def.params.iter().enumerate() {
            if param.variance == Variance::Invariant {
                continue;
            }
            let inferred = table[index].get(p).copied().unwrap_or(Occurs::Invariant);
            let ok = inferred.allowed_by(param.variance);
            out.push(variance_obligation(spec, def, p as u32, ok, &table));
            if ok && param.variance == Variance::Covariant && inhabited(spec, &self_ty(id, def), &mut Vec::new()) {
                for law in [LawKind::Identity, LawKind::Composition] {
                    out.push(law_obligation(spec, id, def, p as u32, law));
                }
                if refinement_sensitive(spec, id, &BTreeSet::from([p as u32]), &mut BTreeSet::new()) {
                    out.push(law_obligation(spec, id, def, p as u32, LawKind::PreservesRefinements));
                }
            }
        }
    }
    out
}

/// A declared type applied to its own parameters.
fn self_ty(id: TypeId, def: &TypeDef) -> Ty {
    Ty::Named { id, args: (0..def.params.len() as u32).map(Ty::Param).collect() }
}

/// Whether `ty` has a finite value, ignoring refinements, with parameters standing for `Int`.
/// A type without one (reported by the ADT pass) gets no law obligations: there is nothing to
/// test. A minimal value never nests a declared type inside itself, so a type already being
/// unfolded (`stack`) contributes none.
fn inhabited(spec: &Spec, ty: &Ty, stack: &mut Vec<TypeId>) -> bool {
    match ty {
        Ty::Void => false,
        Ty::Result(a, b) => inhabited(spec, a, stack) || inhabited(spec, b, stack),
        Ty::Fn(_, b) => inhabited(spec, b, stack),
        Ty::Named { id, args } => {
            let Some(def) = spec.types.get(id.index()) else { return true };
            if stack.contains(id) {
                return false;
            }
            stack.push(*id);
            let fields = |fields: &[FieldDef], stack: &mut Vec<TypeId>| {
                fields.iter().all(|f| inhabited(spec, &f.ty.subst(args), stack))
            };
            let found = match &def.body {
                TypeBody::Alias(t) => inhabited(spec, &t.subst(args), stack),
                TypeBody::Record(fs) => fields(fs, stack),
                TypeBody::Sum(variants) => {
                    variants.iter().any(|v| v.payload.as_deref().is_none_or(|fs| fields(fs, stack)))
                }
            };
            stack.pop();
            found
        }
        Ty::ErrorType(id) => {
            spec.errors.get(id.index()).is_none_or(|e| e.fields.iter().all(|f| inhabited(spec, &f.ty, stack)))
        }
        _ => true,
    }
}

/// Where a parameter occurs with the wrong polarity.
struct Offence {
    /// `Handler.run`, `Outcome.Synced.count`, or the type's name for an alias body.
    path: String,
    /// The type written at that place, such as `T -> Bool`.
    written: String,
    /// The polarity that breaks the declaration.
    found: Occurs,
    /// An explanation of a polarity passed on by another generic type, if any.
    via: Option<String>,
    file: FileId,
    span: Span,
}

fn variance_obligation(spec: &Spec, def: &TypeDef, p: u32, ok: bool, table: &[Vec<Occurs>]) -> Obligation {
    let param = &def.params[p as usize];
    let sign = variance_sign(param.variance);
    let (wanted, wrong) = match param.variance {
        Variance::Contravariant => ("contravariant", "positive"),
        _ => ("covariant", "negative"),
    };
    let id = format!("functor/type.{}/variance.{}", def.name, param.name);
    let claim = format!("`{}` is {wanted} in `{}`, as `{sign}{}` declares", def.name, param.name, param.name);
    let offence = if ok { None } else { find_offence(spec, def, p, table) };
    let (span, verdict, label) = match &offence {
        None if ok => (param.span, Verdict::Proved { method: Method::Structural }, String::new()),
        None => (
            param.span,
            Verdict::Failed {
                counterexample: Counterexample {
                    summary: format!("`{}` occurs in a {wrong} position of `{}`", param.name, def.name),
                    bindings: Vec::new(),
                    trace: Vec::new(),
                },
            },
            format!("`{}` occurs in a {wrong} position", param.name),
        ),
        Some(o) => {
            let polarity = match o.found {
                Occurs::Invariant => "both a positive and a negative".to_string(),
                Occurs::Covariant => "a positive".to_string(),
                _ => "a negative".to_string(),
            };
            let mut summary = format!("{}: {} puts {} in {polarity} position", o.path, o.written, param.name);
            if let Some(via) = &o.via {
                summary.push_str(&format!(" ({via})"));
            }
            let label = match o.found {
                Occurs::Invariant => format!("`{}` occurs both positively and negatively here", param.name),
                Occurs::Covariant => format!("`{}` occurs in a positive position here", param.name),
                _ => format!("`{}` occurs in a negative position here", param.name),
            };
            let verdict = Verdict::Failed {
                counterexample: Counterexample {
                    summary,
                    bindings: vec![
                        ("occurrence".into(), o.path.clone()),
                        ("type".into(), o.written.clone()),
                        ("polarity".into(), o.found.as_str().into()),
                    ],
                    trace: Vec::new(),
                },
            };
            (o.span, verdict, label)
        }
    };
    let help = match param.variance {
        Variance::Contravariant => format!(
            "declare `{0}` covariant (`+{0}`) or without a sign (`{0}`), or only take `{0}` as a function argument",
            param.name
        ),
        _ => format!(
            "declare `{0}` contravariant (`-{0}`) or without a sign (`{0}`), or produce `{0}` instead of consuming it \
             (a function result rather than an argument)",
            param.name
        ),
    };
    Obligation {
        id,
        pass: Pass::Functor,
        kind: "variance",
        claim,
        file: offence.as_ref().map_or(def.file, |o| o.file),
        span,
        method: Method::Structural,
        goal: Goal::Decided(verdict),
        report: Report {
            code: codes::VARIANCE_VIOLATION,
            message: format!("`{}` declares `{sign}{}` but is not {wanted} in `{}`", def.name, param.name, param.name),
            label,
            secondary: vec![(def.file, param.span, format!("declared {wanted} here"))],
            help: Some(help),
        },
    }
}

/// The first place in `def`'s body where parameter `p` occurs with a polarity its
/// declaration forbids.
fn find_offence(spec: &Spec, def: &TypeDef, p: u32, table: &[Vec<Occurs>]) -> Option<Offence> {
    let declared = def.params.get(p as usize)?.variance;
    let places: Vec<(String, &Ty, Span)> = match &def.body {
        TypeBody::Alias(t) => vec![(def.name.clone(), t, def.span)],
        TypeBody::Record(fields) => {
            fields.iter().map(|f| (format!("{}.{}", def.name, f.name), &f.ty, f.span)).collect()
        }
        TypeBody::Sum(variants) => variants
            .iter()
            .flat_map(|v| {
                v.payload
                    .iter()
                    .flatten()
                    .map(move |f: &FieldDef| (format!("{}.{}.{}", def.name, v.name, f.name), &f.ty, f.span))
            })
            .collect(),
    };
    for (path, ty, span) in places {
        let mut acc = vec![Occurs::Nowhere; def.params.len()];
        occurrences(ty, Occurs::Covariant, table, &mut acc);
        let found = acc.get(p as usize).copied().unwrap_or(Occurs::Nowhere);
        if !found.allowed_by(declared) {
            let via = find_via(spec, ty, Occurs::Covariant, p, declared, table, &def.params);
            return Some(Offence { path, written: spec.display_ty(ty, &def.params), found, via, file: def.file, span });
        }
    }
    None
}

/// When the offending polarity of `p` in `ty` comes from another generic type's variance,
/// says which (`Handler is contravariant in T`).
fn find_via(
    spec: &Spec,
    ty: &Ty,
    pol: Occurs,
    p: u32,
    declared: Variance,
    table: &[Vec<Occurs>],
    params: &[lp_ir::TypeParam],
) -> Option<String> {
    let bad = |t: &Ty, pol: Occurs| {
        let mut acc = vec![Occurs::Nowhere; params.len().max(p as usize + 1)];
        occurrences(t, pol, table, &mut acc);
        !acc[p as usize].allowed_by(declared)
    };
    match ty {
        Ty::Option(t) | Ty::List(t) | Ty::Set(t) => find_via(spec, t, pol, p, declared, table, params),
        Ty::Result(a, b) | Ty::Map(a, b) => {
            if bad(a, pol) {
                find_via(spec, a, pol, p, declared, table, params)
            } else {
                find_via(spec, b, pol, p, declared, table, params)
            }
        }
        Ty::Fn(a, b) => {
            if bad(a, pol.flip()) {
                find_via(spec, a, pol.flip(), p, declared, table, params)
            } else {
                find_via(spec, b, pol, p, declared, table, params)
            }
        }
        Ty::Named { id, args } => {
            let inner_def = spec.types.get(id.index())?;
            for (j, arg) in args.iter().enumerate() {
                let inner = table.get(id.index()).and_then(|v| v.get(j)).copied().unwrap_or(Occurs::Invariant);
                let q = pol.compose(inner);
                if q != Occurs::Nowhere && bad(arg, q) {
                    if inner == Occurs::Covariant {
                        return find_via(spec, arg, q, p, declared, table, params);
                    }
                    let inner_name = inner_def.params.get(j).map_or("?", |tp| tp.name.as_str());
                    return Some(format!("`{}` is {} in `{inner_name}`", inner_def.name, inner.as_str()));
                }
            }
            None
        }
        _ => None,
    }
}

fn law_obligation(spec: &Spec, id: TypeId, def: &TypeDef, p: u32, law: LawKind) -> Obligation {
    let param = &def.params[p as usize];
    let goal = LawGoal::new(spec, id, p, law);
    let (kind, code, message, label, help) = match law {
        LawKind::Identity => (
            "functor-identity",
            codes::FUNCTOR_LAW_FAILED,
            format!("the derived `map` of `{}` over `{}` breaks the identity law", def.name, param.name),
            "mapping the identity function changes a value of this type".to_string(),
            format!(
                "keep `{0}` out of `Map` keys, or declare `{0}` without a sign so that no `map` is derived",
                param.name
            ),
        ),
        LawKind::Composition => (
            "functor-composition",
            codes::FUNCTOR_LAW_FAILED,
            format!("the derived `map` of `{}` over `{}` breaks the composition law", def.name, param.name),
            "mapping `g ∘ f` differs from mapping `f` then `g`".to_string(),
            format!(
                "keep `{0}` out of `Map` keys (a list of pairs keeps every entry), or declare `{0}` without a sign",
                param.name
            ),
        ),
        LawKind::PreservesRefinements => (
            "map-preserves-refinements",
            codes::MAP_BREAKS_REFINEMENT,
            format!("mapping over `{}` of `{}` can break its refinements", param.name, def.name),
            "`map` can produce a value that violates this type's refinement".to_string(),
            format!(
                "relax the refinement so that every function keeps it, use a `List<{0}>` instead of a `Set<{0}>`, \
                 or declare `{0}` without a sign",
                param.name
            ),
        ),
    };
    Obligation {
        id: format!("functor/type.{}/map.{}/{}", def.name, param.name, law.as_str()),
        pass: Pass::Functor,
        kind,
        claim: goal.statement(spec),
        file: def.file,
        span: def.name_span,
        method: Method::PropertyTest,
        goal: Goal::Law(goal),
        report: Report {
            code,
            message,
            label,
            secondary: vec![(def.file, param.span, format!("`{}` is declared covariant here", param.name))],
            help: Some(help),
        },
    }
}

/// Whether a refinement of type `id`, or of a type nested in it, looks at values whose type
/// contains one of the parameters in `carried` (the positions `map` changes). `seen` breaks
/// recursion through recursive types.
pub fn refinement_sensitive(
    spec: &Spec,
    id: TypeId,
    carried: &BTreeSet<u32>,
    seen: &mut BTreeSet<(TypeId, Vec<u32>)>,
) -> bool {
    if carried.is_empty() || !seen.insert((id, carried.iter().copied().collect())) {
        return false;
    }
    let Some(def) = spec.types.get(id.index()) else { return false };
    if def.refinement.as_ref().is_some_and(|r| expr_sensitive(r, carried, false)) {
        return true;
    }
    let fields: Vec<&FieldDef> = match &def.body {
        TypeBody::Alias(_) => Vec::new(),
        TypeBody::Record(fields) => fields.iter().collect(),
        TypeBody::Sum(variants) => variants.iter().flat_map(|v| v.payload.iter().flatten()).collect(),
    };
    for f in &fields {
        if mentions(&f.ty, carried) && f.refinement.as_ref().is_some_and(|r| expr_sensitive(r, carried, false)) {
            return true;
        }
    }
    body_types(def).into_iter().any(|t| nested_sensitive(spec, t, carried, seen))
}

/// [`refinement_sensitive`] for every declared type nested in `ty`.
fn nested_sensitive(spec: &Spec, ty: &Ty, carried: &BTreeSet<u32>, seen: &mut BTreeSet<(TypeId, Vec<u32>)>) -> bool {
    match ty {
        Ty::Option(t) | Ty::List(t) | Ty::Set(t) => nested_sensitive(spec, t, carried, seen),
        Ty::Result(a, b) | Ty::Map(a, b) | Ty::Fn(a, b) => {
            nested_sensitive(spec, a, carried, seen) || nested_sensitive(spec, b, carried, seen)
        }
        Ty::Named { id, args } => {
            let inner: BTreeSet<u32> =
                args.iter().enumerate().filter(|(_, a)| mentions(a, carried)).map(|(j, _)| j as u32).collect();
            refinement_sensitive(spec, *id, &inner, seen)
                || args.iter().any(|a| nested_sensitive(spec, a, carried, seen))
        }
        _ => false,
    }
}

/// Whether `ty` contains one of the parameters in `carried`.
fn mentions(ty: &Ty, carried: &BTreeSet<u32>) -> bool {
    match ty {
        Ty::Param(i) => carried.contains(i),
        Ty::Option(t) | Ty::List(t) | Ty::Set(t) => mentions(t, carried),
        Ty::Result(a, b) | Ty::Map(a, b) | Ty::Fn(a, b) => mentions(a, carried) || mentions(b, carried),
        Ty::Named { args, .. } => args.iter().any(|a| mentions(a, carried)),
        _ => false,
    }
}

/// Whether an expression looks at a value whose type contains a carried parameter. The base
/// of a field access is not looked at as a whole (`self.min` reads only `min`).
fn expr_sensitive(e: &Expr, carried: &BTreeSet<u32>, as_base: bool) -> bool {
    if !as_base && mentions(&e.ty, carried) {
        return true;
    }
    match &e.kind {
        ExprKind::Field { base, .. } => expr_sensitive(base, carried, true),
        ExprKind::Ctor { args, .. }
        | ExprKind::Call { args, .. }
        | ExprKind::Builtin { args, .. }
        | ExprKind::List(args) => args.iter().any(|a| expr_sensitive(a, carried, false)),
        ExprKind::Apply { func, arg } => expr_sensitive(func, carried, false) || expr_sensitive(arg, carried, false),
        ExprKind::Unary { operand, .. } => expr_sensitive(operand, carried, false),
        ExprKind::Binary { lhs, rhs, .. } => expr_sensitive(lhs, carried, false) || expr_sensitive(rhs, carried, false),
        ExprKind::Match { scrutinee, arms } => {
            expr_sensitive(scrutinee, carried, false) || arms.iter().any(|a| expr_sensitive(&a.body, carried, false))
        }
        _ => false,
    }
}
