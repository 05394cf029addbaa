//! Lowering of state machines: variables, states, events, transitions, and the
//! expressions of invariants, guards and actions.

use super::Lowerer;
use super::expr::Scope;
use super::hash::Map;
use super::types::TyCx;
use crate::expr::Expr;
use crate::spec::{Action, EventDef, EventId, IgnoreRule, MachineId, StateDef, StateId, Transition, VarDef, VarId};
use crate::ty::Ty;
use lp_diagnostics::{Diagnostic, Span, codes};
use lp_syntax::ast::{self, MachineMemberKind};

/// The state and event tables of one machine while its members are read.
struct Tables<'a> {
    /// Whether the machine has a `states` line, which then lists every state.
    closed: bool,
    declared: Map<&'a str, Span>,
    states: Map<&'a str, StateId>,
    events: Map<&'a str, EventId>,
}

impl<'a> Lowerer<'a> {
    pub(super) fn lower_machine_structure(&mut self, id: MachineId) {
        let m = id.index();
        let decl = self.machine_asts[m].decl;
        self.file = self.spec.machines[m].file;
        let mut tables =
            Tables { closed: false, declared: Map::default(), states: Map::default(), events: Map::default() };
        for member in &decl.members {
            if let MachineMemberKind::States(names) = &member.kind {
                tables.closed = true;
                for n in names {
                    tables.declared.entry(n.text.as_str()).or_insert(n.span);
                }
            }
        }
        let mut vars: Map<&'a str, VarId> = Map::default();
        let mut declared_seen: Map<&'a str, Span> = Map::default();
        let mut initial: Option<Span> = None;
        let mut finals: Map<StateId, Span> = Map::default();
        let mut transitions = Vec::new();
        let mut ignores = Vec::new();
        for member in &decl.members {
            match &member.kind {
                MachineMemberKind::Var { name, ty, init } => {
                    if let Some(&first) =
                        vars.get(name.text.as_str()).map(|v| &self.spec.machines[m].vars[v.index()].name_span)
                    {
                        self.duplicate_member("variable", name, first);
                    }
                    let ty = self.lower_ty(ty, TyCx::PLAIN);
                    let var = VarId(self.spec.machines[m].vars.len() as u32);
                    vars.entry(name.text.as_str()).or_insert(var);
                    self.spec.machines[m].vars.push(VarDef {
                        name: name.text.clone(),
                        span: member.span,
                        name_span: name.span,
                        docs: member.docs.clone(),
                        ty,
                        init: Expr::error(init.span),
                    });
                }
                MachineMemberKind::States(names) => {
                    for n in names {
                        if let Some(&first) = declared_seen.get(n.text.as_str()) {
                            self.duplicate_member("state", n, first);
                            continue;
                        }
                        declared_seen.insert(&n.text, n.span);
                        let state = self.ensure_state(id, &mut tables, n);
                        let def = &mut self.spec.machines[m].states[state.index()];
                        if def.docs.is_empty() {
                            def.docs = member.docs.clone();
                        }
                    }
                }
                MachineMemberKind::Initial(n) => {
                    let Some(state) = self.state_ref(id, &mut tables, n) else { continue };
                    if let Some(first) = initial {
                        self.diags.push(
                            Diagnostic::new(
                                codes::DUPLICATE_MEMBER,
                                format!("machine `{}` has more than one initial state", decl.name.text),
                            )
                            .at(self.file, n.span, "a second initial state")
                            .with_secondary(self.file, first, "first initial state")
                            .with_help("a machine starts in exactly one state"),
                        );
                    } else {
                        initial = Some(n.span);
                        self.spec.machines[m].initial = Some(state);
                    }
                }
                MachineMemberKind::Final(names) => {
                    for n in names {
                        let Some(state) = self.state_ref(id, &mut tables, n) else { continue };
                        if let Some(&first) = finals.get(&state) {
                            self.diags.push(
                                Diagnostic::new(
                                    codes::DUPLICATE_MEMBER,
                                    format!("state `{}` is marked final more than once", n.text),
                                )
                                .at(self.file, n.span, "marked again here")
                                .with_secondary(self.file, first, "first marked here"),
                            );
                        } else {
                            finals.insert(state, n.span);
                            self.spec.machines[m].finals.push(state);
                        }
                    }
                }
                MachineMemberKind::Transition(t) => {
                    let from = self.state_ref(id, &mut tables, &t.from);
                    let to = self.state_ref(id, &mut tables, &t.to);
                    let event = match tables.events.get(t.event.text.as_str()) {
                        Some(&e) => e,
                        None => {
                            let e = EventId(self.spec.machines[m].events.len() as u32);
                            self.spec.machines[m]
                                .events
                                .push(EventDef { name: t.event.text.clone(), span: t.event.span });
                            tables.events.insert(&t.event.text, e);
                            e
                        }
                    };
                    let index = match (from, to) {
                        (Some(from), Some(to)) => {
                            let index = self.spec.machines[m].transitions.len();
                            self.spec.machines[m].transitions.push(Transition {
                                from,
                                to,
                                event,
                                guard: None,
                                actions: Vec::new(),
                                span: member.span,
                                docs: member.docs.clone(),
                            });
                            Some(index)
                        }
                        _ => None,
                    };
                    transitions.push((index, t));
                }
                MachineMemberKind::Ignore { events, states } => ignores.push((events, states)),
                MachineMemberKind::Invariant(_) | MachineMemberKind::Invalid => {}
            }
        }
        // Ignore rules name events that transitions introduce, possibly further down.
        for (events, states) in ignores {
            self.lower_ignore(id, &mut tables, events, states);
        }
        let ast = &mut self.machine_asts[m];
        ast.vars = vars;
        ast.transitions = transitions;
    }

    /// `ignore e in S`: every named event must be an event of the machine, every state one of
    /// its states, and an ignored event must not also be handled by a transition there.
    fn lower_ignore(
        &mut self,
        id: MachineId,
        tables: &mut Tables<'a>,
        events: &'a [ast::Name],
        states: &'a [ast::Name],
    ) {
        let m = id.index();
        let mut event_ids = Vec::new();
        for e in events {
            match tables.events.get(e.text.as_str()) {
                Some(&ev) => event_ids.push((ev, e)),
                None => {
                    let message = format!("machine `{}` has no event `{}`", self.spec.machines[m].name, e.text);
                    let candidates: Vec<&str> = tables.events.keys().copied().collect();
                    self.unknown(codes::UNKNOWN_EVENT, e, message, "event", candidates);
                }
            }
        }
        for s in states {
            let Some(&state) = tables.states.get(s.text.as_str()) else {
                let message = format!("machine `{}` has no state `{}`", self.spec.machines[m].name, s.text);
                let candidates: Vec<&str> = tables.states.keys().copied().collect();
                self.unknown(codes::UNKNOWN_STATE, s, message, "state", candidates);
                continue;
            };
            for &(event, e) in &event_ids {
                let machine = &self.spec.machines[m];
                if let Some(t) = machine.transitions.iter().find(|t| t.from == state && t.event == event) {
                    let handled_at = t.span;
                    self.diags.push(
                        Diagnostic::new(
                            codes::DUPLICATE_MEMBER,
                            format!("`{}` is both handled and ignored in state `{}`", e.text, s.text),
                        )
                        .at(self.file, e.span, "ignored here")
                        .with_secondary(self.file, handled_at, "handled here")
                        .with_help("keep the transition or the ignore rule, not both"),
                    );
                } else if !machine.ignored.iter().any(|i| i.state == state && i.event == event) {
                    self.spec.machines[m].ignored.push(IgnoreRule { state, event, span: e.span });
                }
            }
        }
    }

    /// The id of a state, adding it at its first mention.
    fn ensure_state(&mut self, id: MachineId, tables: &mut Tables<'a>, name: &'a ast::Name) -> StateId {
        if let Some(&state) = tables.states.get(name.text.as_str()) {
            return state;
        }
        let machine = &mut self.spec.machines[id.index()];
        let state = StateId(machine.states.len() as u32);
        machine.states.push(StateDef { name: name.text.clone(), span: name.span, docs: Vec::new() });
        tables.states.insert(&name.text, state);
        state
    }

    /// The state a name refers to outside `states`: with a `states` line, it must be listed.
    fn state_ref(&mut self, id: MachineId, tables: &mut Tables<'a>, name: &'a ast::Name) -> Option<StateId> {
        if tables.closed && !tables.declared.contains_key(name.text.as_str()) {
            let message = format!("machine `{}` has no state `{}`", self.spec.machines[id.index()].name, name.text);
            let candidates: Vec<&str> = tables.declared.keys().copied().collect();
            self.unknown(codes::UNKNOWN_STATE, name, message, "state", candidates);
            return None;
        }
        Some(self.ensure_state(id, tables, name))
    }

    pub(super) fn lower_machine_exprs(&mut self, id: MachineId) {
        let m = id.index();
        let decl = self.machine_asts[m].decl;
        self.file = self.spec.machines[m].file;
        let mut var_index = 0usize;
        for member in &decl.members {
            match &member.kind {
                MachineMemberKind::Var { init, .. } => {
                    let ty = self.spec.machines[m].vars[var_index].ty.clone();
                    let mut scope = Scope::new();
                    let e = self.check(&mut scope, init, &ty, "the initial value must have the variable's type");
                    self.spec.machines[m].vars[var_index].init = e;
                    var_index += 1;
                }
                MachineMemberKind::Invariant(e) => {
                    let mut scope = Scope::new();
                    scope.machine = Some(id);
                    let e = self.check(&mut scope, e, &Ty::Bool, "an invariant must be a `Bool`");
                    self.spec.machines[m].invariants.push(e);
                }
                _ => {}
            }
        }
        let transitions = std::mem::take(&mut self.machine_asts[m].transitions);
        for &(index, t) in &transitions {
            let guard = t.guard.as_ref().map(|g| {
                let mut scope = Scope::new();
                scope.machine = Some(id);
                self.check(&mut scope, g, &Ty::Bool, "a guard must be a `Bool`")
            });
            let mut actions = Vec::with_capacity(t.actions.len());
            let mut assigned: Map<VarId, Span> = Map::default();
            for a in &t.actions {
                let mut scope = Scope::new();
                scope.machine = Some(id);
                let var = self.machine_asts[m].vars.get(a.target.text.as_str()).copied();
                let Some(var) = var else {
                    let message =
                        format!("machine `{}` has no variable `{}`", self.spec.machines[m].name, a.target.text);
                    let candidates: Vec<&str> = self.machine_asts[m].vars.keys().copied().collect();
                    self.unknown(codes::UNKNOWN_NAME, &a.target, message, "variable", candidates);
                    self.infer(&mut scope, &a.value, None);
                    continue;
                };
                if let Some(&first) = assigned.get(&var) {
                    self.diags.push(
                        Diagnostic::new(
                            codes::DUPLICATE_MEMBER,
                            format!("`{}` is assigned more than once in this transition", a.target.text),
                        )
                        .at(self.file, a.target.span, "assigned again here")
                        .with_secondary(self.file, first, "first assigned here"),
                    );
                } else {
                    assigned.insert(var, a.target.span);
                }
                let ty = self.spec.machines[m].vars[var.index()].ty.clone();
                let value = self.check(&mut scope, &a.value, &ty, "the assigned value must have the variable's type");
                actions.push(Action { var, value, span: a.span });
            }
            if let Some(index) = index {
                let transition = &mut self.spec.machines[m].transitions[index];
                transition.guard = guard;
                transition.actions = actions;
            }
        }
        self.machine_asts[m].transitions = transitions;
    }
}
