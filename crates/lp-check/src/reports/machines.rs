//! `state-machines.yaml` (LeanOS's name): for every machine its states, initial and terminal
//! states, transitions with guards and actions in spec syntax, variables, invariants, and the
//! validation results (every `machines/*` obligation of the machine with its verdict and
//! evidence).
//!
//! [`MachineFacts`] is the analysis the report and the diagrams share: which states are
//! reachable and which transitions violate a property. It combines the verdicts of the
//! machines pass (when its obligations are among the results) with a structural breadth-first
//! search that ignores guards, so it works with and without that pass.

use super::{Node, header, method_name, render};
use crate::obligation::{Obligation, Verdict};
use lp_ir::text::{ExprNames, expr_text};
use lp_ir::{Expr, Machine, MachineId, Spec, StateId, Transition};
use std::collections::VecDeque;

/// How a state's reachability was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Reachable: the machines pass proved it, or a guard-free path exists and the pass did not
    /// refute it.
    Reachable,
    /// Unreachable: the machines pass refuted it, or no path exists even ignoring guards.
    Unreachable,
}

/// What the report and the diagrams know about one machine.
#[derive(Debug, Clone)]
pub struct MachineFacts<'a> {
    pub machine: &'a Machine,
    /// Per state (by `StateId`): reachable from the initial state by transitions, ignoring
    /// guards. Every state is unreachable when the machine has no initial state.
    pub structurally_reachable: Vec<bool>,
    /// Per state: the combined verdict (the machines pass's `reachable.STATE` obligation when
    /// it decided one, else the structural search).
    pub reach: Vec<Reach>,
    /// Per state: some failed obligation of the machine points at it (deadlock, progress...).
    pub state_violation: Vec<bool>,
    /// Per transition (by index in [`Machine::transitions`]): it violates a property — it
    /// leaves a final state, it overlaps another unguarded transition on the same event, or a
    /// failed obligation of the machine points at it.
    pub transition_violation: Vec<bool>,
    /// Per transition: a complete exploration of the machine's configurations (guards and
    /// variables considered) never found it enabled. All `false` when the exploration was
    /// bounded or could not run.
    pub never_enabled: Vec<bool>,
    /// Whether the exploration covered every reachable configuration.
    pub explored: bool,
    /// The machine's obligations with their verdicts, in the order they were emitted.
    pub results: Vec<(&'a Obligation, &'a Verdict)>,
}

impl<'a> MachineFacts<'a> {
    /// The facts of machine `id` of `spec`, given every discharged obligation of the spec.
    /// `None` when there is no such machine.
    pub fn new(spec: &'a Spec, id: MachineId, results: &'a [(Obligation, Verdict)]) -> Option<Self> {
        let m = spec.machines.get(id.index())?;
        let prefix = format!("machines/machine.{}/", m.name);
        let mine: Vec<(&Obligation, &Verdict)> =
            results.iter().filter(|(o, _)| o.id.starts_with(&prefix)).map(|(o, v)| (o, v)).collect();
        let structurally_reachable = structural_reach(m);
        let x = crate::passes::machines::explore(spec, id, crate::passes::machines::DEFAULT_DEPTH);
        let explored = x.complete && x.unsupported.is_none();
        let mut reach: Vec<Reach> = structurally_reachable
            .iter()
            .enumerate()
            .map(|(i, &r)| {
                let reached = if explored { x.reached(StateId(i as u32)) } else { r };
                if reached { Reach::Reachable } else { Reach::Unreachable }
            })
            .collect();
        let never_enabled: Vec<bool> = (0..m.transitions.len())
            .map(|t| explored && x.transition_enabled.get(t).is_some_and(Option::is_none))
            .collect();
        for (i, s) in m.states.iter().enumerate() {
            let id = format!("{prefix}reachable.{}", s.name);
            if let Some((_, v)) = mine.iter().find(|(o, _)| o.id == id) {
                match v {
                    Verdict::Failed { .. } => reach[i] = Reach::Unreachable,
                    v if v.is_pass() => reach[i] = Reach::Reachable,
                    _ => {}
                }
            }
        }
        let mut state_violation = vec![false; m.states.len()];
        let mut transition_violation: Vec<bool> = m.transitions.iter().map(|t| m.finals.contains(&t.from)).collect();
        for (i, a) in m.transitions.iter().enumerate() {
            let overlap = m.transitions.iter().enumerate().any(|(j, b)| {
                i != j && a.from == b.from && a.event == b.event && a.guard.is_none() && b.guard.is_none()
            });
            if overlap {
                transition_violation[i] = true;
            }
        }
        let mark = |violation: &mut Vec<bool>, from: &str, event: &str, to: Option<&str>| {
            for (i, t) in m.transitions.iter().enumerate() {
                if state_name(m, t.from) == from
                    && event_name(m, t) == event
                    && to.is_none_or(|to| state_name(m, t.to) == to)
                {
                    violation[i] = true;
                }
            }
        };
        for (o, v) in &mine {
            let Verdict::Failed { counterexample } = v else { continue };
            let tail = &o.id[prefix.len()..];
            if tail.starts_with("reachable.") {
                continue;
            }
            // Every transition of a nondeterministic (state, event) pair violates.
            if let Some((state, event)) = tail.strip_prefix("deterministic.").and_then(|r| r.split_once('.')) {
                mark(&mut transition_violation, state, event, None);
            }
            // An invariant is broken by the last transition of its trace.
            if o.kind == "invariant"
                && let [.., prev, last] = counterexample.trace.as_slice()
                && let Some(event) = &prev.event
            {
                mark(&mut transition_violation, &prev.state, event, Some(&last.state));
            }
            let spans = std::iter::once(o.span).chain(o.report.secondary.iter().map(|(_, s, _)| *s));
            for span in spans {
                for (i, t) in m.transitions.iter().enumerate() {
                    if t.span == span {
                        transition_violation[i] = true;
                    }
                }
                for (i, s) in m.states.iter().enumerate() {
                    if s.span == span {
                        state_violation[i] = true;
                    }
                }
            }
        }
        Some(MachineFacts {
            machine: m,
            structurally_reachable,
            reach,
            state_violation,
            transition_violation,
            never_enabled,
            explored,
            results: mine,
        })
    }

    /// Whether state `s` is reachable (combined verdict).
    pub fn reachable(&self, s: StateId) -> bool {
        self.reach.get(s.index()) == Some(&Reach::Reachable)
    }

    /// Whether anything is highlighted: an unreachable state or a violation.
    pub fn has_highlights(&self) -> bool {
        self.reach.contains(&Reach::Unreachable)
            || self.state_violation.contains(&true)
            || self.transition_violation.contains(&true)
    }
}

/// Breadth-first search from the initial state over every transition, guards ignored.
fn structural_reach(m: &Machine) -> Vec<bool> {
    let mut seen = vec![false; m.states.len()];
    let Some(initial) = m.initial else { return seen };
    let mut queue = VecDeque::from([initial]);
    if let Some(slot) = seen.get_mut(initial.index()) {
        *slot = true;
    }
    while let Some(s) = queue.pop_front() {
        for t in m.transitions.iter().filter(|t| t.from == s) {
            if let Some(slot) = seen.get_mut(t.to.index())
                && !*slot
            {
                *slot = true;
                queue.push_back(t.to);
            }
        }
    }
    seen
}

/// An expression of machine `m` as spec text.
pub fn machine_expr(spec: &Spec, m: &Machine, e: &Expr) -> String {
    expr_text(spec, ExprNames { params: &[], vars: &m.vars, qualify_variants: false }, e)
}

/// The name of a state (`?` for an id out of range).
pub fn state_name(m: &Machine, s: StateId) -> &str {
    m.states.get(s.index()).map_or("?", |d| d.name.as_str())
}

/// A transition's guard in spec syntax, if it has one.
pub fn guard_text(spec: &Spec, m: &Machine, t: &Transition) -> Option<String> {
    t.guard.as_ref().map(|g| machine_expr(spec, m, g))
}

/// A transition's actions in spec syntax: `var = value` each.
pub fn action_texts(spec: &Spec, m: &Machine, t: &Transition) -> Vec<String> {
    t.actions
        .iter()
        .map(|a| {
            let var = m.vars.get(a.var.index()).map_or("?", |v| v.name.as_str());
            format!("{var} = {}", machine_expr(spec, m, &a.value))
        })
        .collect()
}

/// The name of a transition's event.
pub fn event_name(m: &Machine, t: &Transition) -> String {
    m.events.get(t.event.index()).map_or_else(|| "?".to_string(), |e| e.name.clone())
}

/// An obligation with its verdict and evidence; a failed one carries its trace.
fn validation_node(ob: &Obligation, v: &Verdict) -> Node {
    let mut n = Node::map().with("id", ob.id.as_str()).with("kind", ob.kind).with("claim", ob.claim.as_str());
    n.push("verdict", v.name());
    match v {
        Verdict::Proved { method } => n.push("method", method_name(*method)),
        Verdict::Bounded { depth } => n.push("depth", u64::from(*depth)),
        Verdict::Tested { cases, seed } => {
            n.push("cases", u64::from(*cases));
            n.push("seed", *seed);
        }
        Verdict::Failed { counterexample } => {
            n.push("counterexample", counterexample.summary.as_str());
            if !counterexample.trace.is_empty() {
                let steps = counterexample
                    .trace
                    .iter()
                    .map(|step| {
                        let mut s = Node::map().with("state", step.state.as_str());
                        if let Some(e) = &step.event {
                            s.push("event", e.as_str());
                        }
                        if !step.vars.is_empty() {
                            let mut vars = Node::map();
                            for (k, val) in &step.vars {
                                vars.push(k, val.as_str());
                            }
                            s.push("vars", vars);
                        }
                        s
                    })
                    .collect::<Vec<_>>();
                n.push("trace", Node::Seq(steps));
            }
        }
        Verdict::Unknown { reason } => n.push("reason", reason.as_str()),
    }
    n
}

/// One machine's entry of the report.
fn machine_node(spec: &Spec, facts: &MachineFacts<'_>) -> Node {
    let m = facts.machine;
    let names = |ids: &[StateId]| Node::strs(&ids.iter().map(|&s| state_name(m, s)).collect::<Vec<_>>());
    let states = m
        .states
        .iter()
        .map(|s| {
            let mut n = Node::map().with("name", s.name.as_str());
            if !s.docs.is_empty() {
                n.push("description", s.docs.join("\n").trim().to_string());
            }
            n
        })
        .collect::<Vec<_>>();
    let transitions = m
        .transitions
        .iter()
        .map(|t| {
            let mut n = Node::map()
                .with("from", state_name(m, t.from))
                .with("to", state_name(m, t.to))
                .with("event", event_name(m, t));
            if let Some(g) = guard_text(spec, m, t) {
                n.push("guard", g);
            }
            n.push("actions", Node::strs(&action_texts(spec, m, t)));
            if !t.docs.is_empty() {
                n.push("description", t.docs.join("\n").trim().to_string());
            }
            n
        })
        .collect::<Vec<_>>();
    let variables = m
        .vars
        .iter()
        .map(|v| {
            Node::map()
                .with("name", v.name.as_str())
                .with("type", spec.display_ty(&v.ty, &[]))
                .with("init", machine_expr(spec, m, &v.init))
        })
        .collect::<Vec<_>>();
    let invariants: Vec<String> = m.invariants.iter().map(|e| machine_expr(spec, m, e)).collect();
    let reachable: Vec<&str> = m
        .states
        .iter()
        .enumerate()
        .filter(|(i, _)| facts.reach[*i] == Reach::Reachable)
        .map(|(_, s)| s.name.as_str())
        .collect();
    let unreachable: Vec<&str> = m
        .states
        .iter()
        .enumerate()
        .filter(|(i, _)| facts.reach[*i] == Reach::Unreachable)
        .map(|(_, s)| s.name.as_str())
        .collect();
    let verified = facts.results.iter().any(|(o, _)| o.id.contains("/reachable."));
    let mut ambiguous = Vec::new();
    let mut guarded_pairs = Vec::new();
    for (i, a) in m.transitions.iter().enumerate() {
        for b in m.transitions.iter().skip(i + 1) {
            if a.from == b.from && a.event == b.event {
                let pair = Node::map()
                    .with("state", state_name(m, a.from))
                    .with("event", event_name(m, a))
                    .with("targets", Node::strs(&[state_name(m, a.to), state_name(m, b.to)]));
                if a.guard.is_none() && b.guard.is_none() {
                    ambiguous.push(pair);
                } else {
                    guarded_pairs.push(pair);
                }
            }
        }
    }
    let mut unhandled = Vec::new();
    for (si, s) in m.states.iter().enumerate() {
        if m.finals.iter().any(|f| f.index() == si) {
            continue;
        }
        for (ei, e) in m.events.iter().enumerate() {
            if !m.transitions.iter().any(|t| t.from.index() == si && t.event.index() == ei) {
                unhandled.push(format!("{}.{}", s.name, e.name));
            }
        }
    }
    let terminal_exits: Vec<String> = m
        .transitions
        .iter()
        .filter(|t| m.finals.contains(&t.from))
        .map(|t| format!("{} -> {} on {}", state_name(m, t.from), state_name(m, t.to), event_name(m, t)))
        .collect();
    let failed = facts.results.iter().any(|(_, v)| !v.is_pass());
    // The pass checks completeness only under `strict`, whether the spec or the project chose
    // it, so its obligation tells the policy that was in force.
    let strict = facts.results.iter().any(|(o, _)| o.id.ends_with("/completeness"))
        || crate::passes::machines::declared_policy(spec) == Some(crate::passes::machines::Completeness::Strict);
    let policy = if strict { "strict" } else { "lenient" };
    let never_enabled: Vec<String> = m
        .transitions
        .iter()
        .zip(&facts.never_enabled)
        .filter(|(_, never)| **never)
        .map(|(t, _)| format!("{} -> {} on {}", state_name(m, t.from), state_name(m, t.to), event_name(m, t)))
        .collect();
    let validation = Node::map()
        .with(
            "reachability",
            Node::map()
                .with(
                    "method",
                    if verified {
                        "machines pass"
                    } else if facts.explored {
                        "exhaustive exploration"
                    } else {
                        "structural (guards ignored)"
                    },
                )
                .with("reachable", Node::strs(&reachable))
                .with("unreachable", Node::strs(&unreachable)),
        )
        .with(
            "determinism",
            Node::map()
                .with("ambiguous_transitions", Node::Seq(ambiguous.clone()))
                .with("guarded_pairs", Node::Seq(guarded_pairs)),
        )
        .with("completeness", Node::map().with("policy", policy).with("undefined_transitions", Node::strs(&unhandled)))
        .with("never_enabled_transitions", Node::strs(&never_enabled))
        .with("terminal_exits", Node::strs(&terminal_exits))
        .with("obligations", Node::Seq(facts.results.iter().map(|(o, v)| validation_node(o, v)).collect()))
        .with(
            "violations_found",
            failed || !unreachable.is_empty() || !terminal_exits.is_empty() || !ambiguous.is_empty(),
        );
    let mut n = Node::map();
    if !m.docs.is_empty() {
        n.push("description", m.docs.join("\n").trim().to_string());
    }
    n.push("initial_state", m.initial.map_or(Node::Null, |s| Node::from(state_name(m, s))));
    n.push("terminal_states", names(&m.finals));
    n.push("states", Node::Seq(states));
    n.push("events", Node::strs(&m.events.iter().map(|e| e.name.as_str()).collect::<Vec<_>>()));
    n.push("transitions", Node::Seq(transitions));
    n.push("variables", Node::Seq(variables));
    n.push("invariants", Node::strs(&invariants));
    n.push("validation", validation);
    n
}

/// The text of `state-machines.yaml`.
pub fn state_machines_yaml(spec: &Spec, results: &[(Obligation, Verdict)]) -> String {
    let mut machines = Node::map();
    let mut violations = false;
    for (i, m) in spec.machines.iter().enumerate() {
        let Some(facts) = MachineFacts::new(spec, MachineId(i as u32), results) else { continue };
        let node = machine_node(spec, &facts);
        if let Node::Map(entries) = &node
            && let Some((_, Node::Map(validation))) = entries.iter().find(|(k, _)| k == "validation")
        {
            violations |= validation.iter().any(|(k, v)| k == "violations_found" && *v == Node::Bool(true));
        }
        let node = with_lifecycle(spec, MachineId(i as u32), node);
        machines.push(&m.name, node);
    }
    let machine_obligations = results.iter().filter(|(o, _)| o.id.starts_with("machines/")).count();
    let other_failed: Vec<&str> = results
        .iter()
        .filter(|(o, v)| o.id.starts_with("machines/") && !o.id.starts_with("machines/machine.") && !v.is_pass())
        .map(|(o, _)| o.id.as_str())
        .collect();
    let doc = header(spec)
        .with(
            "conventions",
            Node::map()
                .with("guard", "a transition is taken only when its guard holds; guards and actions are spec text")
                .with("actions", "all right-hand sides see the values from before the transition")
                .with(
                    "reachability",
                    "from the machines pass when it ran (guards and variables considered), else a breadth-first \
                     search over the transitions that ignores guards",
                )
                .with(
                    "determinism",
                    "ambiguous_transitions: two unguarded transitions on one event from one state; guarded_pairs: \
                     pairs whose guards decide, checked for overlap by the machines pass",
                )
                .with("violations_found", "an unreachable state, an exit from a terminal state, an ambiguous pair, or a machines obligation that does not pass")
                .with(
                    "never_enabled_transitions",
                    "transitions whose guard never holds in any reachable configuration (listed only when the \
                     exploration of the machine's configurations was complete)",
                )
                .with(
                    "completeness",
                    "undefined_transitions lists every (state, event) pair of a non-final state without a \
                     transition; an error under the `strict` policy, rejected at runtime under `lenient` (the default)",
                ),
        )
        .with("state_machines", machines)
        .with(
            "summary",
            Node::map()
                .with("machines", spec.machines.len())
                .with("obligations", machine_obligations)
                .with("other_failed", Node::strs(&other_failed))
                .with("violations_found", violations || !other_failed.is_empty()),
        );
    render("state-machines.yaml", spec, &doc)
}

/// For a machine some entity uses as its lifecycle: `lifecycle_of` (the entities) and
/// `fired_by` (each `fire` of an operation body on it: the operation, the entity's event,
/// and whether a disabled event answers an error). Other machines are left as they are.
fn with_lifecycle(spec: &Spec, id: MachineId, mut node: Node) -> Node {
    let entities: Vec<&str> =
        spec.entities.iter().filter(|e| e.lifecycle == Some(id)).map(|e| e.name.as_str()).collect();
    if entities.is_empty() {
        return node;
    }
    let mut fired = Vec::new();
    for (at, fx) in lp_ir::effects::of_spec(spec) {
        let s = &spec.services[at.service.index()];
        for f in fx.fires.iter().filter(|f| f.machine == id) {
            let event = spec.machines[id.index()].events.get(f.event.index()).map_or("?", |e| e.name.as_str());
            let entity = spec.entities.get(f.entity.index()).map_or("?", |e| e.name.as_str());
            fired.push(
                Node::map()
                    .with("operation", format!("{}.{}", s.name, s.ops[at.op.index()].name))
                    .with("event", format!("{entity}.{event}"))
                    .with("refused_with_error", f.guarded),
            );
        }
    }
    node.push("lifecycle_of", Node::strs(&entities));
    node.push("fired_by", Node::Seq(fired));
    node
}
