//! Contracts: the SMT obligations of every function's `requires`, `ensures`, result type and
//! call sites, discharged by z3 through `lp-smt`.
//!
//! For each function, in declaration order (ids are `contracts/fn.NAME/...`):
//! - `requires-sat` (any function with `requires` clauses): some arguments satisfy them and
//!   the parameters' refinements; otherwise the function can never be called (`LP3004`).
//! - `ensures.N` (functions with a body): the N-th `ensures` clause holds for every argument
//!   that satisfies the precondition, `result` being the body's value (`LP3001`).
//! - `result-refinement` (a body, and a result type with a refinement somewhere in it): the
//!   body's value is a valid value of the result type (`LP3002`).
//! - `call.CALLEE.N` (a body; callees with `requires` or refined parameters): the N-th call of
//!   CALLEE in the function (in its `requires`, `ensures`, then body, in evaluation order)
//!   satisfies CALLEE's precondition, under the caller's precondition and the path to the
//!   call (`LP3003`).
//! - `division.N` (a body): the N-th `/` or `%` whose divisor is not a non-zero literal has a
//!   non-zero divisor wherever it is evaluated (`LP3005`). The other obligations leave
//!   `x / 0` an unknown integer, so they may fail at a zero divisor too (the function has no
//!   result there); this obligation is the one that names the divisor.
//!
//! Functions without a body are external: only `requires-sat` is checked for them. Functions
//! whose signature or contracts contain an error reported by lowering are skipped.

use crate::obligation::{Goal, Method, Obligation, Pass, Report};
use crate::smt_goal::{Binder, Formula, Mode, Names, PathStep, SmtGoal, SmtVar, expr_has_error, expr_text};
use lp_diagnostics::codes;
use lp_ir::{BinOp, Expr, ExprKind, FnDef, FnId, Spec, Ty, TypeBody};
use std::collections::BTreeMap;

/// The obligations of the contracts pass, function by function in declaration order.
pub fn obligations(spec: &Spec) -> Vec<Obligation> {
    let mut out = Vec::new();
    for f in &spec.fns {
        if signature_has_error(f) {
            continue;
        }
        FnContracts { spec, f, out: &mut out }.run();
    }
    out
}

fn signature_has_error(f: &FnDef) -> bool {
    f.params.iter().any(|p| p.ty.contains_error())
        || f.result.contains_error()
        || f.requires.iter().chain(&f.ensures).chain(&f.body).any(expr_has_error)
}

/// Whether a value of `ty` is constrained by a refinement anywhere in it: its aliases, the
/// fields of records and variants, the contents of options and results. Lists, sets, maps
/// and functions are opaque to the solver, so refinements of their elements do not count.
pub fn has_refinement(spec: &Spec, ty: &Ty) -> bool {
    fn go(spec: &Spec, ty: &Ty, seen: &mut Vec<lp_ir::TypeId>) -> bool {
        match ty {
            Ty::Option(t) => go(spec, t, seen),
            Ty::Result(a, b) => go(spec, a, seen) || go(spec, b, seen),
            Ty::ErrorType(id) => spec
                .errors
                .get(id.index())
                .is_some_and(|e| e.fields.iter().any(|f| f.refinement.is_some() || go(spec, &f.ty, seen))),
            Ty::Named { id, args } => {
                if seen.contains(id) {
                    return false;
                }
                let Some(def) = spec.types.get(id.index()) else { return false };
                if def.refinement.is_some() {
                    return true;
                }
                seen.push(*id);
                let fields_refined = |fields: &[lp_ir::FieldDef], seen: &mut Vec<lp_ir::TypeId>| {
                    fields.iter().any(|f| f.refinement.is_some() || go(spec, &f.ty.subst(args), seen))
                };
                let found = match &def.body {
                    TypeBody::Alias(t) => go(spec, &t.subst(args), seen),
                    TypeBody::Record(fields) => fields_refined(fields, seen),
                    TypeBody::Sum(variants) => {
                        variants.iter().any(|v| v.payload.as_deref().is_some_and(|fs| fields_refined(fs, seen)))
                    }
                };
                seen.pop();
                found
            }
            _ => false,
        }
    }
    go(spec, ty, &mut Vec::new())
}

/// A place in a function where something must hold: a call, a division, or a record built
/// by a literal or a `with` update (it must satisfy its type's refinements).
struct Site<'e> {
    path: Vec<PathStep>,
    kind: SiteKind<'e>,
}

enum SiteKind<'e> {
    Call { func: FnId, args: &'e [Expr], span: lp_diagnostics::Span },
    Division { division: &'e Expr, divisor: &'e Expr },
    Construct { record: &'e Expr },
}

/// Collects the call and division sites of `e` in evaluation order, with the path that
/// reaches each.
fn collect_sites<'e>(e: &'e Expr, path: &mut Vec<PathStep>, out: &mut Vec<Site<'e>>) {
    match &e.kind {
        ExprKind::Call { func, args } => {
            out.push(Site { path: path.clone(), kind: SiteKind::Call { func: *func, args, span: e.span } });
            args.iter().for_each(|a| collect_sites(a, path, out));
        }
        ExprKind::Binary { op: op @ (BinOp::And | BinOp::Or), lhs, rhs } => {
            collect_sites(lhs, path, out);
            path.push(PathStep::Cond { cond: (**lhs).clone(), value: *op == BinOp::And });
            collect_sites(rhs, path, out);
            path.pop();
        }
        ExprKind::Binary { op: BinOp::Div | BinOp::Rem, lhs, rhs } => {
            if !is_nonzero_literal(rhs) {
                out.push(Site { path: path.clone(), kind: SiteKind::Division { division: e, divisor: rhs } });
            }
            collect_sites(lhs, path, out);
            collect_sites(rhs, path, out);
        }
        ExprKind::Match { scrutinee, arms } => {
            collect_sites(scrutinee, path, out);
            for (i, arm) in arms.iter().enumerate() {
                path.push(PathStep::Arm {
                    scrutinee: (**scrutinee).clone(),
                    earlier: arms[..i].iter().map(|a| a.pattern.clone()).collect(),
                    pattern: arm.pattern.clone(),
                });
                collect_sites(&arm.body, path, out);
                path.pop();
            }
        }
        ExprKind::Ctor { args, .. } | ExprKind::Builtin { args, .. } | ExprKind::List(args) => {
            args.iter().for_each(|a| collect_sites(a, path, out));
        }
        ExprKind::Apply { func, arg } => {
            collect_sites(func, path, out);
            collect_sites(arg, path, out);
        }
        ExprKind::Field { base, .. } => collect_sites(base, path, out),
        ExprKind::Record { fields } => {
            fields.iter().for_each(|f| collect_sites(&f.value, path, out));
            out.push(Site { path: path.clone(), kind: SiteKind::Construct { record: e } });
        }
        ExprKind::With { base, fields } => {
            collect_sites(base, path, out);
            fields.iter().for_each(|f| collect_sites(&f.value, path, out));
            out.push(Site { path: path.clone(), kind: SiteKind::Construct { record: e } });
        }
        ExprKind::Unary { operand, .. } => collect_sites(operand, path, out),
        ExprKind::Binary { lhs, rhs, .. } => {
            collect_sites(lhs, path, out);
            collect_sites(rhs, path, out);
        }
        ExprKind::Int(_)
        | ExprKind::Decimal(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::SelfValue
        | ExprKind::Result
        | ExprKind::Param(_)
        | ExprKind::Var(_)
        | ExprKind::Local { .. }
        | ExprKind::Error => {}
        // Store expressions stand only in operation bodies, `ensures` and invariants, which
        // the behaviour pass checks.
        ExprKind::Exists { .. } | ExprKind::Quantified { .. } | ExprKind::Count { .. } | ExprKind::Fresh => {}
    }
}

/// The spans of the record literals and updates `e` returns as its value: `e` itself, or
/// the values of its `match` arms.
fn tail_records(e: &Expr, out: &mut Vec<lp_diagnostics::Span>) {
    match &e.kind {
        ExprKind::Record { .. } | ExprKind::With { .. } => out.push(e.span),
        ExprKind::Match { arms, .. } => arms.iter().for_each(|a| tail_records(&a.body, out)),
        _ => {}
    }
}

/// `3` or `-3`: a divisor that cannot be zero, so it gets no obligation.
fn is_nonzero_literal(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Int(n) => *n != 0,
        ExprKind::Unary { op: lp_ir::UnOp::Neg, operand } => matches!(operand.kind, ExprKind::Int(n) if n != 0),
        _ => false,
    }
}

/// Where an expression that sites are collected from sits in the function.
#[derive(Clone, Copy)]
enum Root {
    /// The `requires` clause with this index: the clauses before it are assumed.
    Requires(usize),
    /// An `ensures` clause: `result` is in scope (the body's value).
    Ensures,
    Body,
}

struct FnContracts<'a> {
    spec: &'a Spec,
    f: &'a FnDef,
    out: &'a mut Vec<Obligation>,
}

impl FnContracts<'_> {
    fn names(&self) -> Names<'_> {
        Names { params: &self.f.params, vars: &[] }
    }

    fn text(&self, e: &Expr) -> String {
        expr_text(self.spec, self.names(), e)
    }

    fn ob_id(&self, rest: &str) -> String {
        format!("contracts/fn.{}/{rest}", self.f.name)
    }

    /// The parameters, free, with their refinements assumed.
    fn params(&self) -> Vec<SmtVar> {
        self.f
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| SmtVar::free(Binder::Param(i as u32), p.name.clone(), p.ty.clone()))
            .collect()
    }

    /// The parameters and `result` defined as the body's value.
    fn params_and_result(&self, body: &Expr, shown: bool) -> Vec<SmtVar> {
        let mut scope = self.params();
        scope.push(SmtVar {
            binder: Binder::Result,
            name: "result".to_string(),
            ty: self.f.result.clone(),
            refined: false,
            value: Some(body.clone()),
            shown,
        });
        scope
    }

    fn requires(&self, n: usize) -> Vec<Formula> {
        self.f.requires.iter().take(n).map(|r| Formula::Holds(r.clone())).collect()
    }

    fn in_fn(&self) -> (lp_diagnostics::FileId, lp_diagnostics::Span, String) {
        (self.f.file, self.f.name_span, format!("in `{}`", self.f.name))
    }

    fn push(
        &mut self,
        id: String,
        kind: &'static str,
        claim: String,
        span: lp_diagnostics::Span,
        goal: SmtGoal,
        report: Report,
    ) {
        self.out.push(Obligation {
            id,
            pass: Pass::Contracts,
            kind,
            claim,
            file: self.f.file,
            span,
            method: Method::Smt,
            goal: Goal::Smt(goal),
            report,
        });
    }

    fn run(mut self) {
        self.requires_sat();
        let Some(body) = &self.f.body else { return };
        self.ensures(body);
        self.result_refinement(body);
        self.sites(body);
    }

    fn requires_sat(&mut self) {
        let Some(first) = self.f.requires.first() else { return };
        let texts: Vec<String> = self.f.requires.iter().map(|r| format!("requires {}", self.text(r))).collect();
        let all = texts.join(" and ");
        let name = &self.f.name;
        let refined: Vec<String> = self
            .f
            .params
            .iter()
            .filter(|p| has_refinement(self.spec, &p.ty))
            .map(|p| format!("{}: {}", p.name, self.spec.display_ty(&p.ty, &[])))
            .collect();
        let with = if refined.is_empty() { String::new() } else { format!(" (with {})", refined.join(", ")) };
        let goal = SmtGoal::new(
            self.spec,
            Mode::Satisfiable,
            self.params(),
            Vec::new(),
            Formula::And(self.requires(self.f.requires.len())),
            format!("no arguments of `{name}` satisfy {all}{with}"),
        );
        let report = Report {
            code: codes::VACUOUS_PRECONDITION,
            message: format!("the precondition of `{name}` can never hold"),
            label: "no arguments satisfy this precondition".to_string(),
            secondary: vec![self.in_fn()],
            help: Some("fix the clause that contradicts the others or the parameter types".to_string()),
        };
        let span = self.f.requires.iter().skip(1).fold(first.span, |s, r| s.to(r.span));
        self.push(
            self.ob_id("requires-sat"),
            "requires-sat",
            format!("`{name}` can be called: {all}"),
            span,
            goal,
            report,
        );
    }

    fn ensures(&mut self, body: &Expr) {
        for (n, e) in self.f.ensures.iter().enumerate() {
            let text = self.text(e);
            let name = &self.f.name;
            let goal = SmtGoal::new(
                self.spec,
                Mode::Valid,
                self.params_and_result(body, false),
                self.requires(self.f.requires.len()),
                Formula::Holds(e.clone()),
                format!("ensures {text} fails"),
            );
            let report = Report {
                code: codes::ENSURES_FAILS,
                message: format!("the postcondition `{text}` of `{name}` does not always hold"),
                label: "this postcondition can fail".to_string(),
                secondary: vec![self.in_fn()],
                help: Some(
                    "fix the body, weaken the postcondition, or exclude the counterexample with `requires` or a refined parameter type"
                        .to_string(),
                ),
            };
            let claim = format!("`{name}` ensures {text}");
            self.push(self.ob_id(&format!("ensures.{n}")), "ensures", claim, e.span, goal, report);
        }
    }

    fn result_refinement(&mut self, body: &Expr) {
        if !has_refinement(self.spec, &self.f.result) {
            return;
        }
        let ty_text = self.spec.display_ty(&self.f.result, &[]);
        let name = &self.f.name;
        let result = Expr { kind: ExprKind::Result, ty: self.f.result.clone(), span: body.span };
        let refinement = refinement_summary(self.spec, &self.f.result);
        let goal = SmtGoal::new(
            self.spec,
            Mode::Valid,
            self.params_and_result(body, true),
            self.requires(self.f.requires.len()),
            Formula::Refines { value: result, ty: self.f.result.clone() },
            format!("the result is not a valid `{ty_text}`{refinement}"),
        );
        let report = Report {
            code: codes::RESULT_REFINEMENT_FAILS,
            message: format!("the body of `{name}` can return a value that is not a valid `{ty_text}`"),
            label: format!("this value can violate the refinement of `{ty_text}`"),
            secondary: vec![(self.f.file, self.f.result_span, "the result type".to_string())],
            help: Some("restrict the arguments with `requires`, change the body, or widen the result type".to_string()),
        };
        let claim = format!("the result of `{name}` is a valid `{ty_text}`");
        self.push(self.ob_id("result-refinement"), "result-refinement", claim, body.span, goal, report);
    }

    fn sites(&mut self, body: &Expr) {
        let mut sites: Vec<(Root, Site<'_>)> = Vec::new();
        for (i, r) in self.f.requires.iter().enumerate() {
            let mut found = Vec::new();
            collect_sites(r, &mut Vec::new(), &mut found);
            sites.extend(found.into_iter().map(|s| (Root::Requires(i), s)));
        }
        for e in &self.f.ensures {
            let mut found = Vec::new();
            collect_sites(e, &mut Vec::new(), &mut found);
            sites.extend(found.into_iter().map(|s| (Root::Ensures, s)));
        }
        let mut found = Vec::new();
        collect_sites(body, &mut Vec::new(), &mut found);
        // A record the body returns is covered by the result's refinement obligation.
        let mut returned = Vec::new();
        if has_refinement(self.spec, &self.f.result) {
            tail_records(body, &mut returned);
        }
        found.retain(|s| !matches!(s.kind, SiteKind::Construct { record } if returned.contains(&record.span)));
        sites.extend(found.into_iter().map(|s| (Root::Body, s)));

        let mut calls: BTreeMap<FnId, usize> = BTreeMap::new();
        let mut divisions = 0usize;
        let mut constructs = 0usize;
        for (root, site) in sites {
            let (scope, assumptions) = match root {
                Root::Requires(i) => (self.params(), self.requires(i)),
                Root::Ensures => (self.params_and_result(body, false), self.requires(self.f.requires.len())),
                Root::Body => (self.params(), self.requires(self.f.requires.len())),
            };
            match site.kind {
                SiteKind::Call { func, args, span } => {
                    let n = calls.entry(func).or_default();
                    let index = *n;
                    *n += 1;
                    self.call(func, args, span, site.path, index, scope, assumptions);
                }
                SiteKind::Division { division, divisor } => {
                    let index = divisions;
                    divisions += 1;
                    self.division(division, divisor, site.path, index, scope, assumptions);
                }
                SiteKind::Construct { record } => {
                    if has_refinement(self.spec, &record.ty) {
                        let index = constructs;
                        constructs += 1;
                        self.construct(record, site.path, index, scope, assumptions);
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn call(
        &mut self,
        func: FnId,
        args: &[Expr],
        span: lp_diagnostics::Span,
        path: Vec<PathStep>,
        index: usize,
        scope: Vec<SmtVar>,
        assumptions: Vec<Formula>,
    ) {
        let Some(callee) = self.spec.fns.get(func.index()) else { return };
        let refined_params = callee.params.iter().any(|p| has_refinement(self.spec, &p.ty));
        if callee.requires.is_empty() && !refined_params {
            return;
        }
        let arg_texts: Vec<String> = args.iter().map(|a| self.text(a)).collect();
        let call_text = format!("{}({})", callee.name, arg_texts.join(", "));
        let mut parts: Vec<String> = callee
            .requires
            .iter()
            .map(|r| format!("requires {}", expr_text(self.spec, Names { params: &callee.params, vars: &[] }, r)))
            .collect();
        for p in callee.params.iter().filter(|p| has_refinement(self.spec, &p.ty)) {
            parts.push(format!("{}: {}", p.name, self.spec.display_ty(&p.ty, &[])));
        }
        let pre = parts.join(", ");
        let claim = Formula::Guarded { path, then: Box::new(Formula::Precondition { func, args: args.to_vec() }) };
        let goal = SmtGoal::new(
            self.spec,
            Mode::Valid,
            scope,
            assumptions,
            claim,
            format!("the call {call_text} violates the precondition of `{}` ({pre})", callee.name),
        );
        let report = Report {
            code: codes::PRECONDITION_VIOLATED_AT_CALL,
            message: format!("this call of `{}` can violate its precondition", callee.name),
            label: format!("these arguments do not always satisfy {pre}"),
            secondary: vec![(callee.file, callee.name_span, format!("`{}` is declared here", callee.name))],
            help: Some(
                "check the arguments before the call, or add a `requires` clause to the calling function".to_string(),
            ),
        };
        let claim_text = format!("the call {call_text} in `{}` satisfies {pre}", self.f.name);
        self.push(
            self.ob_id(&format!("call.{}.{index}", callee.name)),
            "call-precondition",
            claim_text,
            span,
            goal,
            report,
        );
    }

    /// A record literal or update builds a valid value of its type: its refinement and the
    /// refinements of its fields hold.
    fn construct(
        &mut self,
        record: &Expr,
        path: Vec<PathStep>,
        index: usize,
        scope: Vec<SmtVar>,
        assumptions: Vec<Formula>,
    ) {
        let ty_text = self.spec.display_ty(&record.ty, &[]);
        let what = if matches!(record.kind, ExprKind::With { .. }) { "update" } else { "literal" };
        let refinement = refinement_summary(self.spec, &record.ty);
        let claim = Formula::Guarded {
            path,
            then: Box::new(Formula::Refines { value: record.clone(), ty: record.ty.clone() }),
        };
        let goal = SmtGoal::new(
            self.spec,
            Mode::Valid,
            scope,
            assumptions,
            claim,
            format!("the record built here is not a valid `{ty_text}`{refinement}"),
        );
        let name = &self.f.name;
        let report = Report {
            code: codes::RECORD_REFINEMENT_FAILS,
            message: format!("this record {what} in `{name}` can build a value that is not a valid `{ty_text}`"),
            label: format!("this value can violate the refinement of `{ty_text}`"),
            secondary: vec![self.in_fn()],
            help: Some(
                "change the fields' values, check them before building the record, or restrict the arguments with `requires`"
                    .to_string(),
            ),
        };
        let claim_text = format!("the record {what} `{}` in `{name}` is a valid `{ty_text}`", self.text(record));
        self.push(self.ob_id(&format!("record.{index}")), "record-refinement", claim_text, record.span, goal, report);
    }

    fn division(
        &mut self,
        division: &Expr,
        divisor: &Expr,
        path: Vec<PathStep>,
        index: usize,
        scope: Vec<SmtVar>,
        assumptions: Vec<Formula>,
    ) {
        let text = self.text(divisor);
        let nonzero = Expr {
            kind: ExprKind::Binary {
                op: BinOp::Ne,
                lhs: Box::new(divisor.clone()),
                rhs: Box::new(Expr { kind: ExprKind::Int(0), ty: Ty::Int, span: divisor.span }),
            },
            ty: Ty::Bool,
            span: divisor.span,
        };
        let claim = Formula::Guarded { path, then: Box::new(Formula::Holds(nonzero)) };
        let goal = SmtGoal::new(
            self.spec,
            Mode::Valid,
            scope,
            assumptions,
            claim,
            format!("the divisor of {} is 0", self.text(division)),
        );
        let report = Report {
            code: codes::POSSIBLE_DIVISION_BY_ZERO,
            message: format!("the divisor `{text}` can be zero"),
            label: "this divisor can be 0".to_string(),
            secondary: vec![self.in_fn()],
            help: Some(
                "exclude zero with `requires`, a refined parameter type, or a `match` before dividing".to_string(),
            ),
        };
        let claim_text = format!("the divisor `{text}` in `{}` is not zero", self.f.name);
        self.push(self.ob_id(&format!("division.{index}")), "division", claim_text, divisor.span, goal, report);
    }
}

/// ` (self >= 0)`: the refinements along the alias chain of a type, or nothing when it is a
/// record, sum or option whose refinements are spread over its parts.
pub fn refinement_summary(spec: &Spec, ty: &Ty) -> String {
    let mut parts = Vec::new();
    let mut current = ty.clone();
    for _ in 0..=spec.types.len() {
        let Ty::Named { id, args } = &current else { break };
        let Some(def) = spec.types.get(id.index()) else { break };
        if let Some(r) = &def.refinement {
            parts.push(expr_text(spec, Names::default(), r));
        }
        let TypeBody::Alias(body) = &def.body else { break };
        current = body.subst(args);
    }
    if parts.is_empty() { String::new() } else { format!(" ({})", parts.join(" && ")) }
}
