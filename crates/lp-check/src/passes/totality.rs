//! Totality (Curry–Howard), the parts decided without a solver: every function and operation
//! whose inputs have values has a result type with values (`totality/fn.NAME/result-inhabited`,
//! `totality/op.SERVICE.NAME/result-inhabited`), and every `match` covers every value of its
//! scrutinee (`totality/ITEM/match.N`). Whether refinements are satisfiable is decided with z3
//! by the refinements pass.
//!
//! Exhaustiveness is Maranget's usefulness algorithm ("Warnings for pattern matching", 2007)
//! over the constructors of `Bool`, `Option`, `Result` and declared sums, with nested
//! patterns. Constructors whose payload has no value need no arm. `Int` and `String`
//! literals never cover their type: such a match needs a wildcard or a binding.
//!
//! `N` in `match.N` is the match's position in a pre-order walk of the item's expressions
//! (a function's `requires`, `ensures`, then its body; a type's refinement, then its fields'
//! refinements; an error's field refinements; a machine's variable initialisers, invariants,
//! then each transition's guard and actions), so it does not change with whitespace edits.
//! A match with a top-level wildcard or binding arm cannot fail and gets no obligation, but
//! keeps its number.

use crate::obligation::{Method, Obligation, Pass, Report, Verdict};
use crate::passes::adt::{AdtFacts, decided, failed};
use lp_diagnostics::{FileId, Span, codes};
use lp_ir::{Ctor, Expr, ExprKind, ParamDef, Pattern, PatternKind, Spec, Ty, TypeBody, TypeId};

/// How many missing cases a counterexample lists at most.
const MAX_WITNESSES: usize = 16;

/// The totality pass: result inhabitation of every function and operation, then match
/// exhaustiveness, each in declaration order.
pub fn obligations(spec: &Spec, facts: &AdtFacts<'_>) -> Vec<Obligation> {
    let mut out = Vec::new();
    for f in &spec.fns {
        if let Some(ob) = result_inhabited(
            facts,
            &format!("fn.{}", f.name),
            "function",
            &f.name,
            &f.params,
            &f.result,
            (f.file, f.result_span),
        ) {
            out.push(ob);
        }
    }
    for s in &spec.services {
        for op in &s.ops {
            let item = format!("op.{}.{}", s.name, op.name);
            let name = format!("{}.{}", s.name, op.name);
            if let Some(ob) =
                result_inhabited(facts, &item, "operation", &name, &op.params, &op.result, (s.file, op.result_span))
            {
                out.push(ob);
            }
        }
    }
    let checker = Exhaustiveness { spec, facts };
    for f in &spec.fns {
        let roots: Vec<&Expr> = f.requires.iter().chain(&f.ensures).chain(f.body.as_ref()).collect();
        checker.item(&format!("fn.{}", f.name), f.file, &roots, &mut out);
    }
    for t in &spec.types {
        let mut roots: Vec<&Expr> = t.refinement.iter().collect();
        match &t.body {
            TypeBody::Record(fields) => roots.extend(fields.iter().filter_map(|f| f.refinement.as_ref())),
            TypeBody::Sum(variants) => roots.extend(
                variants.iter().filter_map(|v| v.payload.as_ref()).flatten().filter_map(|f| f.refinement.as_ref()),
            ),
            TypeBody::Alias(_) => {}
        }
        checker.item(&format!("type.{}", t.name), t.file, &roots, &mut out);
    }
    for e in &spec.errors {
        let roots: Vec<&Expr> = e.fields.iter().filter_map(|f| f.refinement.as_ref()).collect();
        checker.item(&format!("error.{}", e.name), e.file, &roots, &mut out);
    }
    for m in &spec.machines {
        let mut roots: Vec<&Expr> = m.vars.iter().map(|v| &v.init).chain(&m.invariants).collect();
        for t in &m.transitions {
            roots.extend(t.guard.iter());
            roots.extend(t.actions.iter().map(|a| &a.value));
        }
        checker.item(&format!("machine.{}", m.name), m.file, &roots, &mut out);
    }
    out
}

/// `inputs ⇒ result`: emitted when the result type may be empty by its structure.
fn result_inhabited(
    facts: &AdtFacts<'_>,
    item: &str,
    what: &str,
    name: &str,
    params: &[ParamDef],
    result: &Ty,
    (file, result_span): (FileId, Span),
) -> Option<Obligation> {
    if !facts.may_be_empty(result) || result.contains_error() {
        return None;
    }
    let spec = facts.spec();
    let show = |ty: &Ty| spec.display_ty(ty, &[]);
    let signature = params.iter().map(|p| format!("{}: {}", p.name, show(&p.ty))).collect::<Vec<_>>().join(", ");
    let inputs = params.iter().all(|p| facts.inhabited(&p.ty));
    let verdict = if !inputs || facts.inhabited(result) {
        Verdict::Proved { method: Method::Structural }
    } else {
        let mut summary = format!("`{name}({signature})` can be called, but no `{}` exists to return", show(result));
        let mut empty = Vec::new();
        collect_empty_named(facts, result, &mut empty);
        if let Some(id) = empty.first() {
            let path = facts.void_path(*id);
            if !path.is_empty() {
                let text = path.iter().map(|b| format!("{}: {}", b.path, b.ty)).collect::<Vec<_>>().join(" → ");
                summary.push_str(&format!(" ({text})"));
            }
        }
        let mut bindings: Vec<(String, String)> = params.iter().map(|p| (p.name.clone(), show(&p.ty))).collect();
        bindings.push(("result".into(), show(result)));
        failed(summary, bindings)
    };
    let mut empty = Vec::new();
    collect_empty_named(facts, result, &mut empty);
    let secondary = empty
        .iter()
        .filter_map(|id| spec.types.get(id.index()))
        .map(|d| (d.file, d.name_span, format!("`{}` is declared here, without a value", d.name)))
        .collect();
    Some(decided(
        format!("totality/{item}/result-inhabited"),
        Pass::Totality,
        "result-inhabited",
        format!("when the inputs of {what} `{name}` have values, its result type `{}` has one", show(result)),
        (file, result_span),
        Method::Structural,
        verdict,
        Report {
            code: codes::UNINHABITED_RESULT,
            message: format!("{what} `{name}` can never return: its result type `{}` has no value", show(result)),
            label: format!("`{}` has no value", show(result)),
            secondary,
            help: Some(
                "under Curry–Howard a total function proves its result from its inputs; give the result a type \
                 that has values, or make the impossible part optional (`Option<T>`, `Result<T, E>`)"
                    .into(),
            ),
        },
    ))
}

/// The declared types inside `ty` that have no value and so make it empty.
fn collect_empty_named(facts: &AdtFacts<'_>, ty: &Ty, out: &mut Vec<TypeId>) {
    match ty {
        Ty::Named { id, .. } if !facts.inhabited(ty) => out.push(*id),
        Ty::Result(a, b) => {
            collect_empty_named(facts, a, out);
            collect_empty_named(facts, b, out);
        }
        Ty::Fn(_, b) => collect_empty_named(facts, b, out),
        _ => {}
    }
}

/// A constructor in a pattern or a witness.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    Bool(bool),
    None,
    Some,
    Ok,
    Err,
    Variant(TypeId, u32),
    Int(i64),
    Str(String),
}

/// A pattern reduced to what exhaustiveness needs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pat {
    Wild,
    Ctor(Key, Vec<Pat>),
}

/// The constructors of a type: each with the types of its arguments; `None` for a type
/// whose values cannot be listed (`Int`, `String`, records, collections).
type Signature = Option<Vec<(Key, Vec<Ty>)>>;

struct Exhaustiveness<'a, 's> {
    spec: &'s Spec,
    facts: &'a AdtFacts<'s>,
}

impl Exhaustiveness<'_, '_> {
    /// Numbers the matches of one item in pre-order and checks those that can fail.
    fn item(&self, item: &str, file: FileId, roots: &[&Expr], out: &mut Vec<Obligation>) {
        let mut n = 0usize;
        for root in roots {
            lp_ir::expr::walk(root, &mut |e| {
                if let ExprKind::Match { scrutinee, arms } = &e.kind {
                    let index = n;
                    n += 1;
                    let patterns: Vec<&Pattern> = arms.iter().map(|a| &a.pattern).collect();
                    // The obligation points at `match scrutinee`, not at the whole match.
                    let head = Span { start: e.span.start, end: scrutinee.span.end.max(e.span.start) };
                    if let Some(ob) = self.check(item, index, file, head, &scrutinee.ty, &patterns) {
                        out.push(ob);
                    }
                }
            });
        }
    }

    fn check(
        &self,
        item: &str,
        index: usize,
        file: FileId,
        span: Span,
        ty: &Ty,
        patterns: &[&Pattern],
    ) -> Option<Obligation> {
        let irrefutable = patterns.iter().any(|p| matches!(p.kind, PatternKind::Wildcard | PatternKind::Bind { .. }));
        if irrefutable || ty.contains_error() || patterns.iter().any(|p| has_error(p)) {
            return None;
        }
        let rows: Vec<Vec<Pat>> = patterns.iter().map(|p| vec![self.lower(p)]).collect();
        let mut budget = MAX_WITNESSES + 1;
        let witnesses = self.missing(&rows, std::slice::from_ref(ty), &mut budget);
        let shown = self.spec.display_ty(ty, &[]);
        let cases: Vec<String> =
            witnesses.iter().take(MAX_WITNESSES).filter_map(|w| w.first()).map(|p| self.render(p)).collect();
        let verdict = if cases.is_empty() {
            Verdict::Proved { method: Method::Exhaustive }
        } else {
            let mut list = cases.join(", ");
            if witnesses.len() > MAX_WITNESSES {
                list.push_str(", …");
            }
            failed(format!("missing: {list}"), cases.iter().map(|c| ("missing".to_string(), c.clone())).collect())
        };
        let mut secondary = Vec::new();
        if let Some(d) = self.spec.sum_variants(ty).and_then(|sum| self.spec.types.get(sum.id.index())) {
            secondary.push((d.file, d.name_span, format!("`{}` is declared here", d.name)));
        }
        let infinite = cases.iter().any(|c| c == "_");
        Some(decided(
            format!("totality/{item}/match.{index}"),
            Pass::Totality,
            "match-exhaustive",
            format!("match {index} of `{item}` covers every value of `{shown}`"),
            (file, span),
            Method::Exhaustive,
            verdict,
            Report {
                code: codes::NON_EXHAUSTIVE_MATCH,
                message: format!("non-exhaustive match on `{shown}`: missing {}", quoted(&cases)),
                label: format!("{} not covered", quoted(&cases)),
                secondary,
                help: Some(if infinite {
                    "`Int` and `String` have too many values to list: add a wildcard arm `_ => ...`".into()
                } else {
                    "add an arm for each missing case, or a wildcard arm `_ => ...`".into()
                }),
            },
        ))
    }

    fn lower(&self, p: &Pattern) -> Pat {
        match &p.kind {
            PatternKind::Wildcard | PatternKind::Bind { .. } | PatternKind::Error => Pat::Wild,
            PatternKind::Bool(b) => Pat::Ctor(Key::Bool(*b), Vec::new()),
            PatternKind::Int(n) => Pat::Ctor(Key::Int(*n), Vec::new()),
            PatternKind::Str(s) => Pat::Ctor(Key::Str(s.clone()), Vec::new()),
            PatternKind::Ctor { ctor, fields } => {
                let (key, arity) = match ctor {
                    Ctor::None => (Key::None, 0),
                    Ctor::Some => (Key::Some, 1),
                    Ctor::Ok => (Key::Ok, 1),
                    Ctor::Err => (Key::Err, 1),
                    Ctor::Variant { ty, index } => (Key::Variant(*ty, *index), self.variant_arity(*ty, *index)),
                };
                let mut args = vec![Pat::Wild; arity];
                for f in fields {
                    if let Some(slot) = args.get_mut(f.index as usize) {
                        *slot = self.lower(&f.pattern);
                    }
                }
                Pat::Ctor(key, args)
            }
        }
    }

    fn variant_arity(&self, ty: TypeId, index: u32) -> usize {
        match self.spec.types.get(ty.index()).map(|d| &d.body) {
            Some(TypeBody::Sum(variants)) => {
                variants.get(index as usize).and_then(|v| v.payload.as_ref()).map_or(0, Vec::len)
            }
            _ => 0,
        }
    }

    /// The constructors of a type that have values.
    fn signature(&self, ty: &Ty) -> Signature {
        let head = self.spec.head(ty);
        let ctors = match head.as_ref() {
            Ty::Bool => vec![(Key::Bool(true), Vec::new()), (Key::Bool(false), Vec::new())],
            Ty::Option(t) => vec![(Key::None, Vec::new()), (Key::Some, vec![(**t).clone()])],
            Ty::Result(a, b) => vec![(Key::Ok, vec![(**a).clone()]), (Key::Err, vec![(**b).clone()])],
            Ty::Void => Vec::new(),
            Ty::Named { .. } => {
                let sum = self.spec.sum_variants(&head)?;
                sum.variants
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        let tys = v.payload.iter().flatten().map(|f| f.ty.subst(&sum.args)).collect();
                        (Key::Variant(sum.id, i as u32), tys)
                    })
                    .collect()
            }
            _ => return None,
        };
        Some(ctors.into_iter().filter(|(_, tys)| tys.iter().all(|t| self.facts.inhabited(t))).collect())
    }

    /// Maranget's algorithm for the wildcard vector: the value vectors (as patterns) that no
    /// row matches. `budget` bounds how many are produced.
    fn missing(&self, rows: &[Vec<Pat>], tys: &[Ty], budget: &mut usize) -> Vec<Vec<Pat>> {
        if *budget == 0 {
            return Vec::new();
        }
        let Some((head_ty, rest_tys)) = tys.split_first() else {
            if rows.is_empty() {
                *budget -= 1;
                return vec![Vec::new()];
            }
            return Vec::new();
        };
        if rows.is_empty() {
            *budget -= 1;
            return vec![vec![Pat::Wild; tys.len()]];
        }
        let mut present: Vec<&Key> = Vec::new();
        for row in rows {
            if let Some(Pat::Ctor(k, _)) = row.first()
                && !present.contains(&k)
            {
                present.push(k);
            }
        }
        let sig = self.signature(head_ty);
        let complete = sig.as_ref().is_some_and(|ctors| ctors.iter().all(|(k, _)| present.contains(&k)));
        let mut out = Vec::new();
        if complete {
            for (key, arg_tys) in sig.iter().flatten() {
                let arity = arg_tys.len();
                let specialized = specialize(rows, key, arity);
                let mut sub_tys = arg_tys.clone();
                sub_tys.extend_from_slice(rest_tys);
                for w in self.missing(&specialized, &sub_tys, budget) {
                    let mut w = w.into_iter();
                    let args: Vec<Pat> = w.by_ref().take(arity).collect();
                    let mut full = vec![Pat::Ctor(key.clone(), args)];
                    full.extend(w);
                    out.push(full);
                }
            }
            return out;
        }
        let default: Vec<Vec<Pat>> =
            rows.iter().filter(|r| matches!(r.first(), Some(Pat::Wild))).map(|r| r[1..].to_vec()).collect();
        let rest = self.missing(&default, rest_tys, budget);
        if rest.is_empty() {
            return out;
        }
        let heads: Vec<Pat> = match &sig {
            Some(ctors) if !present.is_empty() => ctors
                .iter()
                .filter(|(k, _)| !present.contains(&k))
                .map(|(k, tys)| Pat::Ctor(k.clone(), vec![Pat::Wild; tys.len()]))
                .collect(),
            _ => vec![Pat::Wild],
        };
        for h in &heads {
            for w in &rest {
                let mut full = vec![h.clone()];
                full.extend(w.iter().cloned());
                out.push(full);
            }
        }
        *budget = budget.saturating_sub(heads.len().saturating_sub(1) * rest.len());
        out
    }

    /// A witness as a spec author would write the pattern.
    fn render(&self, p: &Pat) -> String {
        match p {
            Pat::Wild => "_".into(),
            Pat::Ctor(key, args) => {
                let arg = |i: usize| args.get(i).map_or_else(|| "_".to_string(), |a| self.render(a));
                match key {
                    Key::Bool(b) => b.to_string(),
                    Key::None => "None".into(),
                    Key::Some => format!("Some({})", arg(0)),
                    Key::Ok => format!("Ok({})", arg(0)),
                    Key::Err => format!("Err({})", arg(0)),
                    Key::Int(n) => n.to_string(),
                    Key::Str(s) => format!("{s:?}"),
                    Key::Variant(ty, index) => {
                        let Some(TypeBody::Sum(variants)) = self.spec.types.get(ty.index()).map(|d| &d.body) else {
                            return "_".into();
                        };
                        let Some(v) = variants.get(*index as usize) else { return "_".into() };
                        let Some(fields) = &v.payload else { return v.name.clone() };
                        let shown: Vec<String> = fields
                            .iter()
                            .zip(args)
                            .filter(|(_, a)| **a != Pat::Wild)
                            .map(|(f, a)| format!("{}: {}", f.name, self.render(a)))
                            .collect();
                        if shown.is_empty() {
                            format!("{} {{ .. }}", v.name)
                        } else if shown.len() < fields.len() {
                            format!("{} {{ {}, .. }}", v.name, shown.join(", "))
                        } else {
                            format!("{} {{ {} }}", v.name, shown.join(", "))
                        }
                    }
                }
            }
        }
    }
}

/// The rows whose head is `key` (its arguments spliced in) or a wildcard (expanded).
fn specialize(rows: &[Vec<Pat>], key: &Key, arity: usize) -> Vec<Vec<Pat>> {
    let mut out = Vec::new();
    for row in rows {
        let Some((head, tail)) = row.split_first() else { continue };
        let mut new_row = match head {
            Pat::Wild => vec![Pat::Wild; arity],
            Pat::Ctor(k, args) if k == key => {
                let mut a = args.clone();
                a.resize(arity, Pat::Wild);
                a
            }
            Pat::Ctor(..) => continue,
        };
        new_row.extend_from_slice(tail);
        out.push(new_row);
    }
    out
}

fn has_error(p: &Pattern) -> bool {
    match &p.kind {
        PatternKind::Error => true,
        PatternKind::Ctor { fields, .. } => fields.iter().any(|f| has_error(&f.pattern)),
        _ => p.ty.contains_error(),
    }
}

fn quoted(cases: &[String]) -> String {
    cases.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
}
