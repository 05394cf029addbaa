//! State machines: reachability, deadlock, progress, determinism, completeness, invariants,
//! terminal states and the events operations fire (DESIGN §4).
//!
//! Each machine is explored concretely ([`explore`]): breadth-first over configurations (a
//! state and the values of its `Int` and `Bool` variables), so every failure carries a
//! shortest event trace from the initial configuration. When the exploration covers every
//! reachable configuration, its findings are proofs (`proved`, method `exhaustive`); when a
//! bound cuts it short, a violation it finds is still real, and its absence is `bounded`.
//! A machine whose variables or guards the evaluator cannot handle gets `unknown` verdicts for
//! the properties that depend on them.
//!
//! Obligations, per machine in declaration order (ids `machines/machine.NAME/...`):
//! - `initial` (`LP4009`): only for a machine without an `initial` state, which fails; such a
//!   machine has no other obligations.
//! - `reachable.STATE` (`LP4001`): every state but the initial one is reachable.
//! - `deadlock.STATE` (`LP4002`): every non-final state has an enabled exit in every reachable
//!   configuration.
//! - `progress.STATE` (`LP4003`, machines with `final` states): from every reachable
//!   configuration in a non-final state, a final state is reachable.
//! - `deterministic.STATE.EVENT` (`LP4004`, where two or more transitions leave STATE on
//!   EVENT): no two of their guards can hold together, assuming the invariants; z3 decides it
//!   and shows the overlapping values.
//! - `completeness` (`LP4005`, only under `standards { completeness = strict }`): every
//!   non-final state has a transition on every event. Under `lenient`, the default, unhandled
//!   events are rejected at runtime and nothing is emitted.
//! - `invariant.N` (`LP4006`): the N-th invariant (from 0) holds in every reachable
//!   configuration. A violation found by the exploration fails with its trace; a complete
//!   exploration proves it; otherwise z3 tries to prove it inductive (the initial values
//!   satisfy it, and every transition preserves it under its guard) and, when it cannot, the
//!   verdict is the exploration's `bounded{depth}`.
//! - `terminal.STATE` (`LP4007`): a final state has no outgoing transitions.
//!
//! And per operation with `fires M.e` (ids `machines/op.SERVICE.OP/fires`, `LP4008`): some
//! reachable configuration of M has an enabled transition on `e`.

pub mod eval;
pub mod explore;

pub use explore::{Config, DEFAULT_DEPTH, Exploration, MAX_CONFIGS, explore, explore_with};

use crate::obligation::{Counterexample, Goal, Method, Obligation, Pass, Report, Verdict};
use crate::smt_goal::{Binder, Formula, Mode, Names, PathStep, SmtGoal, SmtVar, expr_has_error, expr_text};
use lp_diagnostics::{Code, Span, codes};
use lp_ir::{BinOp, Expr, ExprKind, Machine, MachineId, SettingValueKind, Spec, StandardKey, Ty, UnOp};

/// The completeness policy of a spec's machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    /// Every non-final state handles every event.
    Strict,
    /// Unhandled events are rejected at runtime (the default).
    Lenient,
}

/// The policy the spec's `standards` declare (`completeness = strict` or `lenient`), if any.
pub fn declared_policy(spec: &Spec) -> Option<Completeness> {
    spec.standards.settings.iter().find(|s| s.key == StandardKey::Completeness).and_then(|s| match &s.value.kind {
        SettingValueKind::Ident { name, args: None } if name.text == "strict" => Some(Completeness::Strict),
        SettingValueKind::Ident { name, args: None } if name.text == "lenient" => Some(Completeness::Lenient),
        _ => None,
    })
}

/// The policy in force: the spec's own declaration, else the project's default, else lenient.
pub fn completeness_policy(spec: &Spec, project_default: Option<Completeness>) -> Completeness {
    declared_policy(spec).or(project_default).unwrap_or(Completeness::Lenient)
}

/// The obligations of the machines pass, exploring every machine to [`DEFAULT_DEPTH`].
pub fn obligations(spec: &Spec) -> Vec<Obligation> {
    obligations_with(spec, DEFAULT_DEPTH, None)
}

/// The obligations of the machines pass with an explicit exploration depth.
pub fn obligations_with_depth(spec: &Spec, depth: u32) -> Vec<Obligation> {
    obligations_with(spec, depth, None)
}

/// The obligations of the machines pass with an exploration depth and the project's default
/// completeness policy (used when the spec declares none).
pub fn obligations_with(spec: &Spec, depth: u32, project_policy: Option<Completeness>) -> Vec<Obligation> {
    let policy = completeness_policy(spec, project_policy);
    let mut out = Vec::new();
    let mut explorations: Vec<Option<Exploration>> = vec![None; spec.machines.len()];
    for (i, m) in spec.machines.iter().enumerate() {
        if machine_has_error(m) {
            continue;
        }
        let x = explore(spec, MachineId(i as u32), depth);
        MachineCheck { spec, m, x: &x, out: &mut out }.run(policy);
        explorations[i] = Some(x);
    }
    for s in &spec.services {
        for op in &s.ops {
            let Some(fires) = &op.fires else { continue };
            let (Some(m), Some(Some(x))) =
                (spec.machines.get(fires.machine.index()), explorations.get(fires.machine.index()))
            else {
                continue;
            };
            let Some(event) = m.events.get(fires.event.index()) else { continue };
            if m.initial.is_none() {
                continue;
            }
            let enabled_in = m
                .transitions
                .iter()
                .enumerate()
                .filter(|(_, t)| t.event == fires.event)
                .filter_map(|(t, _)| x.transition_enabled.get(t).copied().flatten())
                .min();
            let verdict = if enabled_in.is_some() {
                Verdict::Proved { method: Method::Exhaustive }
            } else if let Some(reason) = &x.unsupported {
                Verdict::Unknown { reason: reason.clone() }
            } else if x.complete {
                failed(
                    format!("no reachable configuration of `{}` has an enabled transition on `{}`", m.name, event.name),
                    Vec::new(),
                )
            } else {
                Verdict::Unknown { reason: format!("`{}` is not enabled within {} steps", event.name, x.bound) }
            };
            out.push(Obligation {
                id: format!("machines/op.{}.{}/fires", s.name, op.name),
                pass: Pass::Machines,
                kind: "fires-enabled",
                claim: format!("operation `{}` can fire `{}.{}` in some reachable state", op.name, m.name, event.name),
                file: s.file,
                span: fires.span,
                method: if x.complete { Method::Exhaustive } else { Method::Bounded },
                goal: Goal::Decided(verdict),
                report: Report {
                    code: codes::EVENT_NEVER_ENABLED,
                    message: format!("`{}` fires `{}.{}`, which can never occur", op.name, m.name, event.name),
                    label: "this event is never enabled".to_string(),
                    secondary: vec![(m.file, event.span, format!("`{}` is handled here", event.name))],
                    help: Some("make a state with a transition on the event reachable, or relax its guard".to_string()),
                },
            });
        }
    }
    out
}

fn machine_has_error(m: &Machine) -> bool {
    m.vars.iter().any(|v| v.ty.contains_error() || expr_has_error(&v.init))
        || m.invariants.iter().any(expr_has_error)
        || m.transitions
            .iter()
            .any(|t| t.guard.as_ref().is_some_and(expr_has_error) || t.actions.iter().any(|a| expr_has_error(&a.value)))
}

fn failed(summary: String, trace: Vec<crate::obligation::TraceStep>) -> Verdict {
    Verdict::Failed { counterexample: Counterexample { summary, bindings: Vec::new(), trace } }
}

struct MachineCheck<'a> {
    spec: &'a Spec,
    m: &'a Machine,
    x: &'a Exploration,
    out: &'a mut Vec<Obligation>,
}

impl MachineCheck<'_> {
    fn id(&self, tail: &str) -> String {
        format!("machines/machine.{}/{tail}", self.m.name)
    }

    fn state_name(&self, s: lp_ir::StateId) -> &str {
        self.m.states.get(s.index()).map(|s| s.name.as_str()).unwrap_or("?")
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        tail: &str,
        kind: &'static str,
        claim: String,
        span: Span,
        method: Method,
        goal: Goal,
        code: Code,
        message: String,
        label: &str,
        help: &str,
    ) {
        self.out.push(Obligation {
            id: self.id(tail),
            pass: Pass::Machines,
            kind,
            claim,
            file: self.m.file,
            span,
            method,
            goal,
            report: Report {
                code,
                message,
                label: label.to_string(),
                secondary: if span == self.m.name_span {
                    Vec::new()
                } else {
                    vec![(self.m.file, self.m.name_span, format!("in machine `{}`", self.m.name))]
                },
                help: Some(help.to_string()),
            },
        });
    }

    /// How the exploration's verdicts are reached: exhaustively when it covered every
    /// reachable configuration, else up to a bound.
    fn method(&self) -> Method {
        if self.x.complete { Method::Exhaustive } else { Method::Bounded }
    }

    /// The verdict when the exploration found nothing: proved if it was complete, else
    /// `bounded`, or `unknown` if it could not run.
    fn nothing_found(&self) -> Verdict {
        if let Some(reason) = &self.x.unsupported {
            Verdict::Unknown { reason: reason.clone() }
        } else if self.x.complete {
            Verdict::Proved { method: Method::Exhaustive }
        } else {
            Verdict::Bounded { depth: self.x.bound }
        }
    }

    fn run(mut self, policy: Completeness) {
        let m = self.m;
        let Some(initial) = m.initial else {
            self.push(
                "initial",
                "initial-state",
                format!("machine `{}` has an initial state", m.name),
                m.name_span,
                Method::Structural,
                Goal::Decided(failed(format!("machine `{}` declares no `initial` state", m.name), Vec::new())),
                codes::MISSING_INITIAL_STATE,
                format!("machine `{}` has no initial state", m.name),
                "no `initial` state",
                "add `initial STATE` to the machine",
            );
            return;
        };
        self.reachability(initial);
        self.deadlocks();
        self.progress();
        self.determinism();
        if policy == Completeness::Strict {
            self.completeness();
        }
        self.invariants();
        self.terminals();
    }

    fn reachability(&mut self, initial: lp_ir::StateId) {
        let m = self.m;
        let structural = structurally_reachable(m, initial);
        for (i, s) in m.states.iter().enumerate() {
            if i == initial.index() {
                continue;
            }
            let verdict = if self.x.reached(lp_ir::StateId(i as u32)) {
                Verdict::Proved { method: Method::Exhaustive }
            } else if !structural[i] {
                failed(
                    format!("no chain of transitions leads from `{}` to `{}`", self.state_name(initial), s.name),
                    Vec::new(),
                )
            } else if let Some(reason) = &self.x.unsupported {
                Verdict::Unknown { reason: reason.clone() }
            } else if self.x.complete {
                failed(format!("no reachable configuration enables a transition into `{}`", s.name), Vec::new())
            } else {
                Verdict::Unknown { reason: format!("`{}` is not reached within {} steps", s.name, self.x.bound) }
            };
            self.push(
                &format!("reachable.{}", s.name),
                "reachable",
                format!("state `{}` of `{}` is reachable from `{}`", s.name, m.name, self.state_name(initial)),
                s.span,
                self.method(),
                Goal::Decided(verdict),
                codes::UNREACHABLE_STATE,
                format!("state `{}` of `{}` is unreachable", s.name, m.name),
                "this state can never be reached",
                "add a transition into it from a reachable state, relax the guards that keep it out, or delete it",
            );
        }
    }

    fn deadlocks(&mut self) {
        let m = self.m;
        for (i, s) in m.states.iter().enumerate() {
            let sid = lp_ir::StateId(i as u32);
            if m.finals.contains(&sid) {
                continue;
            }
            let verdict = match self.x.deadlock.get(i).copied().flatten() {
                Some(c) => failed(
                    format!("no transition out of `{}` is enabled{}", s.name, values_text(self.x, m, c)),
                    self.x.trace(m, c),
                ),
                None => self.nothing_found(),
            };
            self.push(
                &format!("deadlock.{}", s.name),
                "deadlock",
                format!("state `{}` of `{}` always has an enabled exit", s.name, m.name),
                s.span,
                self.method(),
                Goal::Decided(verdict),
                codes::DEADLOCK,
                format!("`{}` can get stuck in state `{}`", m.name, s.name),
                "no transition leaves this state here",
                "add a transition out of the state, widen the guards, or make the state `final`",
            );
        }
    }

    fn progress(&mut self) {
        let m = self.m;
        if m.finals.is_empty() {
            return;
        }
        let ok = if self.x.unsupported.is_none() { explore::can_finish(self.x, m) } else { Vec::new() };
        // The first configuration of each state from which no final state is reachable.
        let mut first_stuck: Vec<Option<u32>> = vec![None; m.states.len()];
        for (c, cfg) in self.x.configs.iter().enumerate() {
            if !ok.get(c).copied().unwrap_or(true)
                && let Some(slot) = first_stuck.get_mut(cfg.state.index())
                && slot.is_none()
            {
                *slot = Some(c as u32);
            }
        }
        for (i, s) in m.states.iter().enumerate() {
            let sid = lp_ir::StateId(i as u32);
            if m.finals.contains(&sid) {
                continue;
            }
            let stuck = first_stuck[i];
            let verdict = match stuck {
                Some(c) => failed(
                    format!("from `{}`{} no final state can be reached", s.name, values_text(self.x, m, c)),
                    self.x.trace(m, c),
                ),
                None => self.nothing_found(),
            };
            self.push(
                &format!("progress.{}", s.name),
                "progress",
                format!("from state `{}` of `{}` a final state is always reachable", s.name, m.name),
                s.span,
                self.method(),
                Goal::Decided(verdict),
                codes::NO_PROGRESS,
                format!("`{}` can reach a configuration in `{}` from which it can never finish", m.name, s.name),
                "no final state is reachable from here",
                "add a way out towards a final state, or make a state of the loop `final`",
            );
        }
    }

    fn scope(&self) -> Vec<SmtVar> {
        self.m
            .vars
            .iter()
            .enumerate()
            .map(|(i, v)| SmtVar::free(Binder::Var(lp_ir::VarId(i as u32)), v.name.clone(), v.ty.clone()))
            .collect()
    }

    fn names(&self) -> Names<'_> {
        Names { params: &[], vars: &self.m.vars }
    }

    fn determinism(&mut self) {
        let m = self.m;
        // Transitions by (source state, event), in declaration order of the first of each.
        let mut groups: std::collections::BTreeMap<(usize, usize), Vec<usize>> = std::collections::BTreeMap::new();
        for (i, t) in m.transitions.iter().enumerate() {
            groups.entry((t.from.index(), t.event.index())).or_default().push(i);
        }
        let mut groups: Vec<((usize, usize), Vec<usize>)> = groups.into_iter().collect();
        groups.sort_by_key(|(_, list)| list[0]);
        for ((from, event), list) in groups {
            if list.len() < 2 {
                continue;
            }
            let state = self.state_name(lp_ir::StateId(from as u32)).to_string();
            let event = m.events.get(event).map(|e| e.name.clone()).unwrap_or_default();
            let mut claims = Vec::new();
            for (a, &i) in list.iter().enumerate() {
                for &j in &list[a + 1..] {
                    let (ti, tj) = (&m.transitions[i], &m.transitions[j]);
                    let both =
                        and(guard_or_true(ti.guard.as_ref(), ti.span), guard_or_true(tj.guard.as_ref(), tj.span));
                    claims.push(Formula::Holds(not(both)));
                }
            }
            let guards: Vec<String> = list
                .iter()
                .map(|&i| match &m.transitions[i].guard {
                    Some(g) => format!("`{}`", expr_text(self.spec, self.names(), g)),
                    None => "no guard".to_string(),
                })
                .collect();
            // Guards that bound a variable to disjoint ranges exclude each other without z3.
            let boxes: Vec<Option<Vec<(i64, i64)>>> =
                list.iter().map(|&i| m.transitions[i].guard.as_ref().map(|g| guard_box(g, m.vars.len()))).collect();
            let disjoint = (0..list.len()).all(|a| {
                (a + 1..list.len()).all(|b| match (&boxes[a], &boxes[b]) {
                    (Some(x), Some(y)) => x.iter().zip(y).any(|(p, q)| p.1 < q.0 || q.1 < p.0),
                    _ => false,
                })
            });
            let goal = if disjoint {
                Goal::Decided(Verdict::Proved { method: Method::Structural })
            } else {
                Goal::Smt(SmtGoal::new(
                    self.spec,
                    Mode::Valid,
                    self.scope(),
                    m.invariants.iter().cloned().map(Formula::Holds).collect(),
                    Formula::And(claims),
                    format!("two transitions from `{state}` on `{event}` can both fire (guards {})", guards.join(", ")),
                ))
            };
            let span = m.transitions[list[1]].span;
            self.push(
                &format!("deterministic.{state}.{event}"),
                "deterministic",
                format!("at most one transition of `{}` leaves `{state}` on `{event}`", m.name),
                span,
                Method::Smt,
                goal,
                codes::NONDETERMINISTIC_TRANSITION,
                format!("`{}` is nondeterministic in `{state}` on `{event}`", m.name),
                "this transition's guard overlaps an earlier one's",
                "make the guards exclusive, or merge the transitions",
            );
        }
    }

    fn completeness(&mut self) {
        let m = self.m;
        // A state handles an event with a transition, or by ignoring it explicitly.
        let handled: std::collections::HashSet<(usize, usize)> = m
            .transitions
            .iter()
            .map(|t| (t.from.index(), t.event.index()))
            .chain(m.ignored.iter().map(|i| (i.state.index(), i.event.index())))
            .collect();
        let mut missing = Vec::new();
        for (i, s) in m.states.iter().enumerate() {
            let sid = lp_ir::StateId(i as u32);
            if m.finals.contains(&sid) {
                continue;
            }
            for (e, ev) in m.events.iter().enumerate() {
                if !handled.contains(&(i, e)) {
                    missing.push(format!("`{}` on `{}`", s.name, ev.name));
                }
            }
        }
        let verdict = if missing.is_empty() {
            Verdict::Proved { method: Method::Structural }
        } else {
            failed(format!("unhandled: {}", missing.join(", ")), Vec::new())
        };
        self.push(
            "completeness",
            "completeness",
            format!("every non-final state of `{}` handles every event", m.name),
            m.name_span,
            Method::Structural,
            Goal::Decided(verdict),
            codes::INCOMPLETE_MACHINE,
            format!("`{}` does not handle every event in every state (`completeness = strict`)", m.name),
            "this machine is incomplete",
            "add the missing transitions, ignore the events explicitly (`ignore EVENT in STATE`), or choose `completeness = lenient`",
        );
    }

    fn invariants(&mut self) {
        let m = self.m;
        for (n, inv) in m.invariants.iter().enumerate() {
            let text = expr_text(self.spec, self.names(), inv);
            let goal = match self.x.invariant_violated.get(n).copied().flatten() {
                Some(c) => {
                    Goal::Decided(failed(format!("`{text}` is false{}", values_text(self.x, m, c)), self.x.trace(m, c)))
                }
                None if self.x.complete => Goal::Decided(Verdict::Proved { method: Method::Exhaustive }),
                None => {
                    let fallback = self.nothing_found();
                    Goal::Smt(self.inductive_goal(inv, &text).with_fallback(fallback))
                }
            };
            self.push(
                &format!("invariant.{n}"),
                "invariant",
                format!("invariant `{text}` of `{}` holds in every reachable configuration", m.name),
                inv.span,
                Method::Smt,
                goal,
                codes::INVARIANT_VIOLATED,
                format!("invariant `{text}` of `{}` can be violated", m.name),
                "this invariant can become false",
                "strengthen the guards of the transitions that break it, change their actions, or weaken it",
            );
        }
    }

    /// The claim that `inv` is inductive: it holds for the initial values, and each
    /// transition preserves it under its guard.
    fn inductive_goal(&self, inv: &Expr, text: &str) -> SmtGoal {
        let m = self.m;
        let init: Vec<Option<&Expr>> = m.vars.iter().map(|v| Some(&v.init)).collect();
        let mut claims = vec![Formula::Holds(subst(inv, &init))];
        for t in &m.transitions {
            let mut values: Vec<Option<&Expr>> = vec![None; m.vars.len()];
            for a in &t.actions {
                if let Some(slot) = values.get_mut(a.var.index()) {
                    *slot = Some(&a.value);
                }
            }
            let after = Formula::Holds(subst(inv, &values));
            claims.push(match &t.guard {
                Some(g) => Formula::Guarded {
                    path: vec![PathStep::Cond { cond: g.clone(), value: true }],
                    then: Box::new(after),
                },
                None => after,
            });
        }
        SmtGoal::new(
            self.spec,
            Mode::Valid,
            self.scope(),
            vec![Formula::Holds(inv.clone())],
            Formula::And(claims),
            format!("invariant `{text}` is not inductive"),
        )
    }

    fn terminals(&mut self) {
        let m = self.m;
        for &f in &m.finals {
            let name = self.state_name(f).to_string();
            let exits: Vec<&lp_ir::Transition> = m.transitions.iter().filter(|t| t.from == f).collect();
            let verdict = match exits.first() {
                None => Verdict::Proved { method: Method::Structural },
                Some(_) => failed(
                    format!(
                        "`{name}` has {} outgoing transition{} ({})",
                        exits.len(),
                        if exits.len() == 1 { "" } else { "s" },
                        exits
                            .iter()
                            .map(|t| format!(
                                "on `{}`",
                                m.events.get(t.event.index()).map(|e| e.name.as_str()).unwrap_or("?")
                            ))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    Vec::new(),
                ),
            };
            let span = exits
                .first()
                .map(|t| t.span)
                .unwrap_or_else(|| m.states.get(f.index()).map(|s| s.span).unwrap_or(m.name_span));
            self.push(
                &format!("terminal.{name}"),
                "terminal",
                format!("final state `{name}` of `{}` has no outgoing transitions", m.name),
                span,
                Method::Structural,
                Goal::Decided(verdict),
                codes::TERMINAL_STATE_HAS_EXIT,
                format!("final state `{name}` of `{}` has an outgoing transition", m.name),
                "a transition out of a final state",
                "remove the transition, or stop declaring the state `final`",
            );
        }
    }
}

/// `, with x = 1, y = true` for a configuration with variables; empty without.
fn values_text(x: &Exploration, m: &Machine, c: u32) -> String {
    let vars = x.rendered_vars(m, c);
    if vars.is_empty() {
        return String::new();
    }
    format!(" when {}", vars.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", "))
}

/// A box that contains every valuation satisfying `guard`: per variable (by `VarId`), an
/// inclusive range of values (`Bool` as 0 and 1). Only conjunctions of comparisons between a
/// variable and an integer literal, and Boolean variables and their negations, narrow it;
/// anything else is left unconstrained, which keeps the box sound (never too small).
fn guard_box(guard: &Expr, vars: usize) -> Vec<(i64, i64)> {
    fn narrow(e: &Expr, out: &mut [(i64, i64)]) {
        let mut meet = |v: lp_ir::VarId, lo: i64, hi: i64| {
            if let Some(r) = out.get_mut(v.index()) {
                *r = (r.0.max(lo), r.1.min(hi));
            }
        };
        match &e.kind {
            ExprKind::Binary { op: BinOp::And, lhs, rhs } => {
                narrow(lhs, out);
                narrow(rhs, out);
            }
            ExprKind::Var(v) if e.ty == Ty::Bool => meet(*v, 1, 1),
            ExprKind::Unary { op: UnOp::Not, operand } => {
                if let (ExprKind::Var(v), Ty::Bool) = (&operand.kind, &operand.ty) {
                    meet(*v, 0, 0);
                }
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let (v, c, op) = match (&lhs.kind, &rhs.kind) {
                    (ExprKind::Var(v), ExprKind::Int(c)) => (*v, *c, *op),
                    (ExprKind::Int(c), ExprKind::Var(v)) => (
                        *v,
                        *c,
                        match op {
                            BinOp::Lt => BinOp::Gt,
                            BinOp::Le => BinOp::Ge,
                            BinOp::Gt => BinOp::Lt,
                            BinOp::Ge => BinOp::Le,
                            other => *other,
                        },
                    ),
                    _ => return,
                };
                match op {
                    BinOp::Lt => meet(v, i64::MIN, c.saturating_sub(1)),
                    BinOp::Le => meet(v, i64::MIN, c),
                    BinOp::Gt => meet(v, c.saturating_add(1), i64::MAX),
                    BinOp::Ge => meet(v, c, i64::MAX),
                    BinOp::Eq => meet(v, c, c),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    let mut out = vec![(i64::MIN, i64::MAX); vars];
    narrow(guard, &mut out);
    out
}

/// Which states a chain of transitions leads to from `initial`, ignoring guards.
fn structurally_reachable(m: &Machine, initial: lp_ir::StateId) -> Vec<bool> {
    let mut seen = vec![false; m.states.len()];
    let mut todo = vec![initial];
    if let Some(s) = seen.get_mut(initial.index()) {
        *s = true;
    }
    while let Some(s) = todo.pop() {
        for t in m.transitions.iter().filter(|t| t.from == s) {
            if let Some(slot) = seen.get_mut(t.to.index())
                && !*slot
            {
                *slot = true;
                todo.push(t.to);
            }
        }
    }
    seen
}

fn bool_expr(kind: ExprKind, span: Span) -> Expr {
    Expr { kind, ty: Ty::Bool, span }
}

fn guard_or_true(g: Option<&Expr>, span: Span) -> Expr {
    g.cloned().unwrap_or_else(|| bool_expr(ExprKind::Bool(true), span))
}

fn and(a: Expr, b: Expr) -> Expr {
    let span = a.span;
    bool_expr(ExprKind::Binary { op: BinOp::And, lhs: Box::new(a), rhs: Box::new(b) }, span)
}

fn not(a: Expr) -> Expr {
    let span = a.span;
    bool_expr(ExprKind::Unary { op: UnOp::Not, operand: Box::new(a) }, span)
}

/// `e` with every machine variable that has a value in `values` replaced by that value.
fn subst(e: &Expr, values: &[Option<&Expr>]) -> Expr {
    let mut out = e.clone();
    subst_in(&mut out, values);
    out
}

fn subst_in(e: &mut Expr, values: &[Option<&Expr>]) {
    if let ExprKind::Var(v) = &e.kind {
        if let Some(Some(value)) = values.get(v.index()) {
            *e = (*value).clone();
        }
        return;
    }
    match &mut e.kind {
        ExprKind::Ctor { args, .. }
        | ExprKind::Call { args, .. }
        | ExprKind::Builtin { args, .. }
        | ExprKind::List(args) => {
            args.iter_mut().for_each(|a| subst_in(a, values));
        }
        ExprKind::Apply { func, arg } => {
            subst_in(func, values);
            subst_in(arg, values);
        }
        ExprKind::Field { base, .. } => subst_in(base, values),
        ExprKind::Unary { operand, .. } => subst_in(operand, values),
        ExprKind::Binary { lhs, rhs, .. } => {
            subst_in(lhs, values);
            subst_in(rhs, values);
        }
        ExprKind::Match { scrutinee, arms } => {
            subst_in(scrutinee, values);
            arms.iter_mut().for_each(|a| subst_in(&mut a.body, values));
        }
        _ => {}
    }
}
