//! Behaviour of operation bodies: what a body can answer, what it writes, and whether its
//! `fire`s and `create`s can get stuck.
//!
//! Per operation with a body (ids `behaviour/op.SERVICE.OP/...`):
//! - `errors-declared`: every error the body can answer is declared: its own `require`,
//!   lookups, `fail`, `else` clauses, and the declared errors of operations it calls without
//!   `else` (they propagate). Decided by inspecting the body (LP3020).
//! - `get-writes-nothing`, for `GET` operations: neither the body nor an operation it calls
//!   (transitively) has a `put`, `delete`, `create` or `fire` (LP3022).
//! - `fire.N` for each `fire` without `else` (N counts them in the order written): the event is
//!   enabled in every state the instance can be in there. The states are tracked through the
//!   body: an instance just created is in its machine's initial state and follows the events
//!   the body fires; one looked up or given as a parameter can be in any state reachable from
//!   the initial one. A state with an unguarded transition on the event, or an `ignore` rule
//!   for it, enables it; one with no transition does not (a counterexample); one whose
//!   transitions are all guarded enables it when the disjunction of the guards is valid
//!   under the machine's invariants, which z3 decides (`fire.N.STATE`) (LP3023).
//! - `create.N` for each `create` without `else`: the key cannot be taken, because every key
//!   field is `fresh` or an earlier `require !exists E[same key]` in the same block rules it
//!   out (LP3024).
//!
//! - Claims about running the body ([`RunGoal`]): z3 proves what it can over a symbolic
//!   store (`lp-smt`), and the rest (and every refutation, for its concrete counterexample)
//!   is decided by running the body in the reference interpreter on generated stores and
//!   requests (`lp-interp`; `tested` with cases and seed):
//!   `invariants-preserved` when the spec has invariants (LP3025; proved structurally when
//!   the body and what it calls write nothing), `ensures` when the operation has some
//!   (LP3026), `runs-without-fault` (LP3027: refinements of stored values and machine
//!   variables, undefined expressions, contracts of called functions), and `idempotent` for
//!   `PUT` and `DELETE` (LP3028; proved structurally for a body that writes nothing).
//!
//! A declared error that no path raises is a warning ([`dead_errors`], LP3021), not an
//! obligation: it does not make the API wrong, only misleading.

use crate::Goal;
use crate::obligation::{Method, Obligation, Pass, Report, Verdict};
use crate::passes::adt::{decided, failed};
use crate::run_goal::{RunClaim, RunGoal, spec_digest};
use crate::smt_goal::{Binder, Formula, Mode, SmtGoal, SmtVar};
use lp_diagnostics::{Diagnostic, Span, codes};
use lp_ir::body::{Block, Stmt, StmtKind, Term, TermKind};
use lp_ir::{
    BinOp, EntityId, ErrorId, Expr, ExprKind, HttpMethod, LocalId, MachineId, Op, OpRef, ParamDef, ServiceId, Spec,
    StateId, Ty,
};
use std::collections::{BTreeMap, BTreeSet};

/// Every obligation of the behaviour pass, in declaration order.
pub fn obligations(spec: &Spec) -> Vec<Obligation> {
    let mut out = Vec::new();
    let has_bodies = spec.services.iter().any(|s| s.ops.iter().any(|o| o.body.is_some()));
    let digest = if has_bodies { spec_digest(spec) } else { String::new() };
    for (s, service) in spec.services.iter().enumerate() {
        for (o, op) in service.ops.iter().enumerate() {
            let Some(body) = &op.body else { continue };
            let at = OpRef { service: ServiceId(s as u32), op: lp_ir::OpId(o as u32) };
            let prefix = format!("behaviour/op.{}.{}", service.name, op.name);
            out.push(errors_declared(spec, at, op, body, &prefix));
            if op.http.as_ref().is_some_and(|h| h.method == HttpMethod::Get) {
                out.push(get_writes_nothing(spec, at, op, body, &prefix));
            }
            let mut walker = FireWalk {
                spec,
                params: &op.params,
                file: service.file,
                prefix: &prefix,
                out: &mut out,
                fires: 0,
                creates: 0,
            };
            let mut states = BTreeMap::new();
            walker.block(body, &mut states);
            run_obligations(spec, at, op, body, &prefix, &digest, &mut out);
        }
    }
    out
}

/// The claims decided by running the body (`tested`), or structurally when the body writes
/// nothing: invariants preserved, `ensures`, no fault, and idempotence of `PUT`/`DELETE`.
fn run_obligations(
    spec: &Spec,
    at: OpRef,
    op: &Op,
    body: &Block,
    prefix: &str,
    digest: &str,
    out: &mut Vec<Obligation>,
) {
    let service = &spec.services[at.service.index()];
    let writes = first_write(spec, body, &mut BTreeSet::from([at])).is_some();
    let name = format!("{}.{}", service.name, op.name);
    let mut push = |claim: RunClaim, text: String, report: Report, read_only_proves: bool| {
        let id = format!("{prefix}/{}", claim.as_str());
        let kind = claim.as_str();
        let (method, goal) = if read_only_proves && !writes {
            (Method::Structural, Goal::Decided(Verdict::Proved { method: Method::Structural }))
        } else {
            (Method::PropertyTest, Goal::Run(RunGoal { op: at, claim, spec_digest: digest.to_string() }))
        };
        out.push(Obligation {
            id,
            pass: Pass::Behaviour,
            kind,
            claim: text,
            file: service.file,
            span: op.name_span,
            method,
            goal,
            report,
        });
    };
    if !spec.invariants.is_empty() {
        push(
            RunClaim::InvariantsPreserved,
            format!("`{name}` keeps every invariant"),
            Report {
                code: codes::INVARIANT_NOT_PRESERVED,
                message: format!("operation `{}` can break an invariant", op.name),
                label: "breaks an invariant".to_string(),
                secondary: Vec::new(),
                help: Some("refuse the requests that would break it with `require ... else Error { ... }`".to_string()),
            },
            true,
        );
    }
    if !op.ensures.is_empty() {
        push(
            RunClaim::Ensures,
            format!("`{name}` satisfies its `ensures`"),
            Report {
                code: codes::OPERATION_ENSURES_FAILS,
                message: format!("operation `{}` can succeed without satisfying its `ensures`", op.name),
                label: "the `ensures` may not hold".to_string(),
                secondary: Vec::new(),
                help: Some("correct the body, or state what it really guarantees".to_string()),
            },
            false,
        );
    }
    push(
        RunClaim::NoFault,
        format!("`{name}` never gets stuck"),
        Report {
            code: codes::BODY_CAN_FAULT,
            message: format!("operation `{}` can get stuck", op.name),
            label: "a run can fault".to_string(),
            secondary: Vec::new(),
            help: Some("refuse the requests that lead there with `require ... else Error { ... }`".to_string()),
        },
        false,
    );
    if op.http.as_ref().is_some_and(|h| matches!(h.method, HttpMethod::Put | HttpMethod::Delete)) {
        push(
            RunClaim::Idempotent,
            format!("`{name}` is idempotent"),
            Report {
                code: codes::NOT_IDEMPOTENT,
                message: format!("operation `{}` is not idempotent", op.name),
                label: "running it twice differs from running it once".to_string(),
                secondary: Vec::new(),
                help: Some("replace what the request addresses (`put`), or bind the operation to `POST`".to_string()),
            },
            true,
        );
    }
}

/// Warnings for declared errors that no path of a body raises (LP3021).
pub fn dead_errors(spec: &Spec) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for service in &spec.services {
        for op in &service.ops {
            let Some(body) = &op.body else { continue };
            let raised: BTreeSet<ErrorId> =
                raise_sites(spec, &op.params, body).into_iter().map(|(e, _, _)| e).collect();
            for declared in &op.errors {
                if raised.contains(&declared.error) {
                    continue;
                }
                let name = &spec.errors[declared.error.index()].name;
                out.push(
                    Diagnostic::new(
                        codes::DEAD_DECLARED_ERROR,
                        format!("operation `{}` declares `{name}`, but no path of its body raises it", op.name),
                    )
                    .at(service.file, declared.span, "never raised")
                    .with_note("clients are told to handle an error the service never answers")
                    .with_help(format!("remove `{name}` from the operation's errors, or raise it where it applies")),
                );
            }
        }
    }
    out
}

/// Each error a body can answer: the error, where, and when (in spec terms).
fn raise_sites(spec: &Spec, params: &[ParamDef], body: &Block) -> Vec<(ErrorId, Span, String)> {
    let mut out = Vec::new();
    collect_raises(spec, params, body, &mut out);
    out
}

fn collect_raises(spec: &Spec, params: &[ParamDef], b: &Block, out: &mut Vec<(ErrorId, Span, String)>) {
    for st in &b.stmts {
        match &st.kind {
            StmtKind::Require { cond, otherwise } => {
                out.push((
                    otherwise.error,
                    otherwise.span,
                    format!("when `{}` is false", expr_text(spec, params, cond)),
                ));
            }
            StmtKind::Fire { otherwise: Some(r), event, machine, .. } => {
                let m = &spec.machines[machine.index()];
                out.push((r.error, r.span, format!("when `{}` is not enabled", m.events[event.index()].name)));
            }
            StmtKind::Let { value, .. } | StmtKind::Term(value) => collect_term_raises(spec, params, value, out),
            _ => {}
        }
    }
    if let Some(t) = &b.result {
        collect_term_raises(spec, params, t, out);
    }
}

fn collect_term_raises(spec: &Spec, params: &[ParamDef], t: &Term, out: &mut Vec<(ErrorId, Span, String)>) {
    match &t.kind {
        TermKind::Lookup { entity, otherwise, .. } => {
            let name = &spec.entities[entity.index()].name;
            out.push((otherwise.error, otherwise.span, format!("when no `{name}` with that key is stored")));
        }
        TermKind::Create { entity, otherwise: Some(r), .. } => {
            let name = &spec.entities[entity.index()].name;
            out.push((r.error, r.span, format!("when a `{name}` with that key is already stored")));
        }
        TermKind::CallOp { op, otherwise, .. } => {
            let callee = &spec.services[op.service.index()].ops[op.op.index()];
            let called = format!("{}.{}", spec.services[op.service.index()].name, callee.name);
            match otherwise {
                Some(r) if !callee.errors.is_empty() => {
                    out.push((r.error, r.span, format!("when `{called}` answers an error")));
                }
                Some(_) => {}
                None => {
                    for e in &callee.errors {
                        out.push((e.error, t.span, format!("when `{called}` answers it")));
                    }
                }
            }
        }
        TermKind::If { then, otherwise, .. } => {
            collect_raises(spec, params, then, out);
            collect_term_raises(spec, params, otherwise, out);
        }
        TermKind::Match { arms, .. } => arms.iter().for_each(|a| collect_term_raises(spec, params, &a.body, out)),
        TermKind::Fail(r) => out.push((r.error, r.span, "on this path".to_string())),
        TermKind::Block(b) => collect_raises(spec, params, b, out),
        _ => {}
    }
}

fn expr_text(spec: &Spec, params: &[ParamDef], e: &Expr) -> String {
    let names = lp_ir::text::ExprNames { params, vars: &[], qualify_variants: false };
    let mut s = String::new();
    lp_ir::text::write_expr(&mut s, spec, names, e, 0);
    s
}

fn errors_declared(spec: &Spec, at: OpRef, op: &Op, body: &Block, prefix: &str) -> Obligation {
    let service = &spec.services[at.service.index()];
    let declared: BTreeSet<ErrorId> = op.errors.iter().map(|e| e.error).collect();
    let sites = raise_sites(spec, &op.params, body);
    let bad: Vec<&(ErrorId, Span, String)> = sites.iter().filter(|(e, _, _)| !declared.contains(e)).collect();
    let span = bad.first().map_or(op.name_span, |(_, s, _)| *s);
    let verdict = match bad.first() {
        None => Verdict::Proved { method: Method::Structural },
        Some((e, _, when)) => {
            let name = &spec.errors[e.index()].name;
            failed(
                format!("the body answers `{name}` {when}, and `{}` does not declare it", op.name),
                vec![("error".to_string(), name.clone()), ("path".to_string(), when.clone())],
            )
        }
    };
    let names: Vec<String> = bad.iter().map(|(e, _, _)| format!("`{}`", spec.errors[e.index()].name)).collect();
    let mut names_unique = names.clone();
    names_unique.dedup();
    decided(
        format!("{prefix}/errors-declared"),
        Pass::Behaviour,
        "errors-declared",
        format!("every error `{}.{}` can answer is declared", service.name, op.name),
        (service.file, span),
        Method::Structural,
        verdict,
        Report {
            code: codes::UNDECLARED_ERROR_RAISED,
            message: format!("operation `{}` can answer {} without declaring it", op.name, names_unique.join(", ")),
            label: "raised here".to_string(),
            secondary: vec![(service.file, op.name_span, "the operation".to_string())],
            help: Some(format!("declare it: `! {}`", declared_with(spec, op, &bad))),
        },
    )
}

fn declared_with(spec: &Spec, op: &Op, bad: &[&(ErrorId, Span, String)]) -> String {
    let mut names: Vec<String> = op.errors.iter().map(|e| spec.errors[e.error.index()].name.clone()).collect();
    for (e, _, _) in bad {
        let n = spec.errors[e.index()].name.clone();
        if !names.contains(&n) {
            names.push(n);
        }
    }
    names.join(" | ")
}

/// The first write of a body or of an operation it calls (transitively): what and where.
fn first_write(spec: &Spec, b: &Block, seen: &mut BTreeSet<OpRef>) -> Option<(String, Span)> {
    let mut found: Option<(String, Span)> = None;
    lp_ir::body::walk_stmts(b, &mut |s: &Stmt| {
        if found.is_some() {
            return;
        }
        found = match &s.kind {
            StmtKind::Put { .. } => Some(("`put`".to_string(), s.span)),
            StmtKind::Delete { .. } => Some(("`delete`".to_string(), s.span)),
            StmtKind::Fire { .. } => Some(("`fire`".to_string(), s.span)),
            _ => None,
        };
    });
    if found.is_some() {
        return found;
    }
    let mut calls = Vec::new();
    lp_ir::body::walk_terms(b, &mut |t: &Term| match &t.kind {
        TermKind::Create { .. } if found.is_none() => found = Some(("`create`".to_string(), t.span)),
        TermKind::CallOp { op, .. } => calls.push((*op, t.span)),
        _ => {}
    });
    if found.is_some() {
        return found;
    }
    for (op, span) in calls {
        if !seen.insert(op) {
            continue;
        }
        let callee = &spec.services[op.service.index()].ops[op.op.index()];
        if let Some(cb) = &callee.body
            && let Some((what, _)) = first_write(spec, cb, seen)
        {
            let name = format!("{}.{}", spec.services[op.service.index()].name, callee.name);
            return Some((format!("a call of `{name}`, which writes with {what}"), span));
        }
    }
    None
}

fn get_writes_nothing(spec: &Spec, at: OpRef, op: &Op, body: &Block, prefix: &str) -> Obligation {
    let service = &spec.services[at.service.index()];
    let mut seen = BTreeSet::from([at]);
    let write = first_write(spec, body, &mut seen);
    let span = write.as_ref().map_or(op.name_span, |(_, s)| *s);
    let verdict = match &write {
        None => Verdict::Proved { method: Method::Structural },
        Some((what, _)) => failed(
            format!("`GET` `{}` writes the store with {what}", op.name),
            vec![("write".to_string(), what.clone())],
        ),
    };
    decided(
        format!("{prefix}/get-writes-nothing"),
        Pass::Behaviour,
        "get-writes-nothing",
        format!("`GET` operation `{}.{}` writes nothing", service.name, op.name),
        (service.file, span),
        Method::Structural,
        verdict,
        Report {
            code: codes::GET_WRITES,
            message: format!("`GET` operation `{}` writes the store", op.name),
            label: "a write".to_string(),
            secondary: vec![(service.file, op.name_span, "a `GET` operation".to_string())],
            help: Some("a `GET` must be safe to repeat and to prefetch: use `POST`, `PUT` or `DELETE` for an operation that writes".to_string()),
        },
    )
}

/// The states of a machine reachable from its initial state, following every transition
/// whatever its guard (an over-approximation).
fn reachable_states(spec: &Spec, m: MachineId) -> BTreeSet<StateId> {
    spec.machines[m.index()].reachable_states()
}

/// Walks a body in order, tracking the states each local instance can be in, and emits the
/// `fire` and `create` obligations.
struct FireWalk<'s, 'o> {
    spec: &'s Spec,
    params: &'s [ParamDef],
    file: lp_diagnostics::FileId,
    prefix: &'o str,
    out: &'o mut Vec<Obligation>,
    fires: usize,
    creates: usize,
}

/// Possible states of the instances bound to locals (absent: any reachable state).
type States = BTreeMap<LocalId, BTreeSet<StateId>>;

impl FireWalk<'_, '_> {
    fn block(&mut self, b: &Block, states: &mut States) {
        let mut required: Vec<(EntityId, Vec<Expr>)> = Vec::new();
        for st in &b.stmts {
            match &st.kind {
                StmtKind::Let { local, value, .. } => {
                    self.term(value, states, &required);
                    if let TermKind::Create { entity, .. } = &value.kind
                        && let Some(m) = self.spec.entities[entity.index()].lifecycle
                        && let Some(initial) = self.spec.machines[m.index()].initial
                    {
                        states.insert(*local, BTreeSet::from([initial]));
                    }
                }
                StmtKind::Require { cond, .. } => {
                    if let ExprKind::Unary { op: lp_ir::UnOp::Not, operand } = &cond.kind
                        && let ExprKind::Exists { entity, key } = &operand.kind
                    {
                        required.push((*entity, key.clone()));
                    }
                }
                StmtKind::Fire { machine, target, event, otherwise, .. } => {
                    let local = match &target.kind {
                        ExprKind::Local { id, .. } => Some(*id),
                        _ => None,
                    };
                    let before = local
                        .and_then(|l| states.get(&l).cloned())
                        .unwrap_or_else(|| reachable_states(self.spec, *machine));
                    if otherwise.is_none() {
                        self.fire(*machine, *event, target, &before, st.span);
                    }
                    let m = &self.spec.machines[machine.index()];
                    let mut after: BTreeSet<StateId> = BTreeSet::new();
                    for s in &before {
                        let outs: Vec<StateId> =
                            m.transitions.iter().filter(|t| t.from == *s && t.event == *event).map(|t| t.to).collect();
                        let ignored = m.ignored.iter().any(|i| i.state == *s && i.event == *event);
                        if outs.is_empty() || ignored || otherwise.is_some() {
                            after.insert(*s);
                        }
                        after.extend(outs);
                    }
                    if let Some(l) = local {
                        states.insert(l, after);
                    }
                }
                StmtKind::Term(t) => self.term(t, states, &required),
                StmtKind::Put { .. } | StmtKind::Delete { .. } => {}
            }
        }
        if let Some(t) = &b.result {
            self.term(t, states, &required);
        }
    }

    fn term(&mut self, t: &Term, states: &mut States, required: &[(EntityId, Vec<Expr>)]) {
        match &t.kind {
            TermKind::Create { entity, value, otherwise: None } => self.create(*entity, value, required, t.span),
            TermKind::If { then, otherwise, .. } => {
                let mut a = states.clone();
                self.block(then, &mut a);
                let mut b = states.clone();
                self.term(otherwise, &mut b, required);
                merge(states, a, b);
            }
            TermKind::Match { arms, .. } => {
                let mut merged: Option<States> = None;
                for arm in arms {
                    let mut s = states.clone();
                    self.term(&arm.body, &mut s, required);
                    merged = Some(match merged {
                        None => s,
                        Some(m) => {
                            let mut out = States::new();
                            merge(&mut out, m, s);
                            out
                        }
                    });
                }
                if let Some(m) = merged {
                    *states = m;
                }
            }
            TermKind::Block(b) => self.block(b, states),
            _ => {}
        }
    }

    fn fire(
        &mut self,
        machine: MachineId,
        event: lp_ir::EventId,
        target: &Expr,
        before: &BTreeSet<StateId>,
        span: Span,
    ) {
        let spec = self.spec;
        let m = &spec.machines[machine.index()];
        let ev = &m.events[event.index()].name;
        let n = self.fires;
        self.fires += 1;
        let id = format!("{}/fire.{n}", self.prefix);
        let who = expr_text(spec, self.params, target);
        let report = |state: Option<&str>| Report {
            code: codes::FIRE_NOT_ENABLED,
            message: match state {
                Some(s) => {
                    format!("`fire {who}.{ev}` can meet the instance in state `{s}`, where `{ev}` is not enabled")
                }
                None => format!("`fire {who}.{ev}` may not be enabled"),
            },
            label: "this event may not be enabled".to_string(),
            secondary: vec![(m.file, m.name_span, format!("the lifecycle `{}`", m.name))],
            help: Some(format!(
                "add `else Error {{ ... }}` to refuse the request in that state, or `require` a state in which `{ev}` is enabled"
            )),
        };
        let claim = format!("`{ev}` is enabled wherever `fire {who}.{ev}` runs");
        // A state with no transition on the event and no ignore rule is a counterexample.
        for s in before {
            let trs: Vec<&lp_ir::Transition> =
                m.transitions.iter().filter(|t| t.from == *s && t.event == event).collect();
            let ignored = m.ignored.iter().any(|i| i.state == *s && i.event == event);
            if trs.is_empty() && !ignored {
                let state = &m.states[s.index()].name;
                self.out.push(decided(
                    id,
                    Pass::Behaviour,
                    "fire-enabled",
                    claim,
                    (self.file, span),
                    Method::Structural,
                    failed(
                        format!(
                            "an instance `{who}` in state `{state}` (reachable from `{}`) has no transition on `{ev}`",
                            initial_name(spec, machine)
                        ),
                        vec![("state".to_string(), state.clone()), ("event".to_string(), ev.clone())],
                    ),
                    report(Some(state)),
                ));
                return;
            }
        }
        // States whose transitions on the event are all guarded: the guards must cover every
        // value of the machine's variables.
        let mut goals = Vec::new();
        for s in before {
            let trs: Vec<&lp_ir::Transition> =
                m.transitions.iter().filter(|t| t.from == *s && t.event == event).collect();
            let ignored = m.ignored.iter().any(|i| i.state == *s && i.event == event);
            if ignored || trs.iter().any(|t| t.guard.is_none()) {
                continue;
            }
            let guards: Vec<Expr> = trs.iter().filter_map(|t| t.guard.clone()).collect();
            goals.push((*s, disjunction(guards)));
        }
        if goals.is_empty() {
            self.out.push(decided(
                id,
                Pass::Behaviour,
                "fire-enabled",
                claim,
                (self.file, span),
                Method::Structural,
                Verdict::Proved { method: Method::Structural },
                report(None),
            ));
            return;
        }
        for (s, guard) in goals {
            let state = m.states[s.index()].name.clone();
            let scope: Vec<SmtVar> = m
                .vars
                .iter()
                .enumerate()
                .map(|(i, v)| SmtVar::free(Binder::Var(lp_ir::VarId(i as u32)), v.name.clone(), v.ty.clone()))
                .collect();
            let assumptions = m.invariants.iter().cloned().map(Formula::Holds).collect();
            let goal = SmtGoal::new(
                spec,
                Mode::Valid,
                scope,
                assumptions,
                Formula::Holds(guard),
                format!("in state `{state}` no guard of `{ev}` holds"),
            );
            self.out.push(Obligation {
                id: format!("{id}.{state}"),
                pass: Pass::Behaviour,
                kind: "fire-enabled",
                claim: format!("in state `{state}`, a guard of `{ev}` always holds"),
                file: self.file,
                span,
                method: Method::Smt,
                goal: Goal::Smt(goal),
                report: report(Some(&state)),
            });
        }
    }

    fn create(&mut self, entity: EntityId, value: &Expr, required: &[(EntityId, Vec<Expr>)], span: Span) {
        let spec = self.spec;
        let e = &spec.entities[entity.index()];
        let n = self.creates;
        self.creates += 1;
        let key: Vec<&Expr> = match &value.kind {
            ExprKind::Record { fields } => {
                e.key.iter().filter_map(|&k| fields.iter().find(|f| f.index == k).map(|f| &f.value)).collect()
            }
            _ => Vec::new(),
        };
        let fresh = !key.is_empty() && key.iter().any(|k| matches!(k.kind, ExprKind::Fresh));
        let ruled_out = required
            .iter()
            .any(|(ent, k)| *ent == entity && k.len() == key.len() && k.iter().zip(&key).all(|(a, b)| same_expr(a, b)));
        let verdict = if fresh || ruled_out {
            Verdict::Proved { method: Method::Structural }
        } else {
            let shown: Vec<String> = key.iter().map(|k| expr_text(spec, self.params, k)).collect();
            failed(
                format!("a store that already holds a `{}` with key ({})", e.name, shown.join(", ")),
                vec![("entity".to_string(), e.name.clone()), ("key".to_string(), shown.join(", "))],
            )
        };
        self.out.push(decided(
            format!("{}/create.{n}", self.prefix),
            Pass::Behaviour,
            "create-key-free",
            format!("`create {}` never meets a taken key", e.name),
            (self.file, span),
            Method::Structural,
            verdict,
            Report {
                code: codes::CREATE_KEY_TAKEN,
                message: format!("`create {}` can meet a key that is already stored", e.name),
                label: "the key may be taken".to_string(),
                secondary: vec![(e.file, e.name_span, "the entity".to_string())],
                help: Some(format!(
                    "draw the key with `fresh`, `require !exists {}[...] else Error {{ ... }}` first, or add `else Error {{ ... }}`",
                    e.name
                )),
            },
        ));
    }
}

fn initial_name(spec: &Spec, m: MachineId) -> String {
    let machine = &spec.machines[m.index()];
    machine.initial.map_or_else(|| "?".to_string(), |s| machine.states[s.index()].name.clone())
}

/// Where two branches join, an instance can be in a state of either.
fn merge(into: &mut States, a: States, b: States) {
    into.clear();
    for (k, v) in &a {
        if let Some(w) = b.get(k) {
            into.insert(*k, v.union(w).copied().collect());
        }
    }
}

/// `g1 || g2 || ...` (false when empty).
fn disjunction(guards: Vec<Expr>) -> Expr {
    let mut it = guards.into_iter();
    let Some(first) = it.next() else {
        return Expr { kind: ExprKind::Bool(false), ty: Ty::Bool, span: Span::default() };
    };
    it.fold(first, |acc, g| {
        let span = acc.span;
        Expr { kind: ExprKind::Binary { op: BinOp::Or, lhs: Box::new(acc), rhs: Box::new(g) }, ty: Ty::Bool, span }
    })
}

/// Structural equality of two expressions, ignoring spans.
fn same_expr(a: &Expr, b: &Expr) -> bool {
    match (&a.kind, &b.kind) {
        (ExprKind::Param(x), ExprKind::Param(y)) => x == y,
        (ExprKind::Local { id: x, .. }, ExprKind::Local { id: y, .. }) => x == y,
        (ExprKind::Int(x), ExprKind::Int(y)) => x == y,
        (ExprKind::Str(x), ExprKind::Str(y)) => x == y,
        (ExprKind::Bool(x), ExprKind::Bool(y)) => x == y,
        (ExprKind::Field { base: x, index: i, .. }, ExprKind::Field { base: y, index: j, .. }) => {
            i == j && same_expr(x, y)
        }
        _ => false,
    }
}
