//! Concrete, breadth-first exploration of a machine's configurations: a state and a valuation
//! of the machine's `Int` and `Bool` variables.
//!
//! The search starts at the `initial` state with every variable at its initial value, and
//! follows every transition whose guard holds, applying its actions (all right-hand sides see
//! the values from before the transition). Configurations are deduplicated, and each records
//! the configuration and transition it was first reached from; breadth-first order makes the
//! trace back to the initial configuration a shortest one. The search stops at a depth (steps
//! from the initial configuration) and at a number of configurations; [`Exploration::complete`]
//! says whether anything was cut off.
//!
//! Valuations live in one flat arena (`vars_of`); a step evaluates into a reused buffer and
//! allocates only when it finds a new configuration.

use super::eval::{self, Scalar};
use crate::obligation::TraceStep;
use lp_ir::{Machine, MachineId, Spec, StateId};
use std::collections::HashMap;
use std::collections::VecDeque;

/// The default bound on steps from the initial configuration.
pub const DEFAULT_DEPTH: u32 = 10_000;

/// The default bound on the number of configurations explored.
pub const MAX_CONFIGS: usize = 100_000;

/// One explored configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    pub state: StateId,
    /// Steps from the initial configuration (the length of a shortest trace to it).
    pub depth: u32,
    /// The configuration and the index (in [`Machine::transitions`]) of the transition this
    /// one was first reached by; `None` for the initial configuration.
    pub parent: Option<(u32, u32)>,
    /// Whether a bound kept some successor of this configuration from being explored.
    pub truncated: bool,
}

/// The result of exploring one machine. Indices of configurations are `u32`s into
/// [`Exploration::configs`], in breadth-first order (0 is the initial configuration).
#[derive(Debug, Clone, Default)]
pub struct Exploration {
    pub machine: Option<MachineId>,
    /// The depth bound the exploration ran with.
    pub depth: u32,
    /// Every trace of at most this many steps was explored (equal to `depth` unless the
    /// configuration bound cut a level short).
    pub bound: u32,
    /// Why the exploration could not run (no initial state, a variable that is not `Int` or
    /// `Bool`, a guard the evaluator cannot evaluate). When set, only the configurations
    /// explored before the problem are recorded, and nothing that depends on guards may be
    /// concluded from their absence.
    pub unsupported: Option<String>,
    /// Whether every reachable configuration was explored: no bound cut anything off and
    /// nothing was unsupported. Absence of a violation is then a proof.
    pub complete: bool,
    /// The explored configurations, in breadth-first order.
    pub configs: Vec<Config>,
    /// The kinds of the machine's variables, by `VarId`.
    pub kinds: Vec<Scalar>,
    /// The valuations, `kinds.len()` values per configuration.
    values: Vec<i64>,
    /// Every step taken: (from configuration, transition index, to configuration).
    pub edges: Vec<(u32, u32, u32)>,
    /// Per state (by `StateId`): the first configuration in that state.
    pub state_reached: Vec<Option<u32>>,
    /// Per transition: the first configuration it was enabled in.
    pub transition_enabled: Vec<Option<u32>>,
    /// Per state: the first expanded configuration in that (non-final) state in which no
    /// transition is enabled.
    pub deadlock: Vec<Option<u32>>,
    /// Per invariant: the first configuration that violates it.
    pub invariant_violated: Vec<Option<u32>>,
}

impl Exploration {
    /// The values of configuration `c`'s variables, by `VarId`.
    pub fn vars_of(&self, c: u32) -> &[i64] {
        let n = self.kinds.len();
        let start = c as usize * n;
        self.values.get(start..start + n).unwrap_or(&[])
    }

    /// The shortest trace from the initial configuration to `c`, one step per configuration;
    /// each step names the event that leads out of it (none for the last).
    pub fn trace(&self, m: &Machine, c: u32) -> Vec<TraceStep> {
        let mut path = vec![(c, None)];
        let mut cur = c;
        while let Some((parent, t)) = self.configs.get(cur as usize).and_then(|cfg| cfg.parent) {
            path.push((parent, Some(t)));
            cur = parent;
        }
        path.reverse();
        path.iter()
            .map(|&(cfg, t)| {
                let state = self.configs.get(cfg as usize).map(|x| x.state);
                TraceStep {
                    state: state.and_then(|s| m.states.get(s.index())).map(|s| s.name.clone()).unwrap_or_default(),
                    event: t
                        .and_then(|t| m.transitions.get(t as usize))
                        .and_then(|t| m.events.get(t.event.index()))
                        .map(|e| e.name.clone()),
                    vars: self.rendered_vars(m, cfg),
                }
            })
            .collect()
    }

    /// The variables of configuration `c` as `(name, value)` pairs.
    pub fn rendered_vars(&self, m: &Machine, c: u32) -> Vec<(String, String)> {
        m.vars
            .iter()
            .zip(&self.kinds)
            .zip(self.vars_of(c))
            .map(|((v, k), x)| (v.name.clone(), eval::render(*k, *x)))
            .collect()
    }

    /// Whether a state was reached by some explored configuration.
    pub fn reached(&self, s: StateId) -> bool {
        self.state_reached.get(s.index()).is_some_and(Option::is_some)
    }
}

/// Explores the machine `machine` of `spec` breadth-first, at most `depth` steps from the
/// initial configuration and at most [`MAX_CONFIGS`] configurations. Pure and deterministic:
/// the same spec gives the same exploration. The diagrams use it to highlight unreachable
/// states and violations; the machines pass draws its verdicts from it.
pub fn explore(spec: &Spec, machine: MachineId, depth: u32) -> Exploration {
    explore_with(spec, machine, depth, MAX_CONFIGS)
}

/// [`explore`] with an explicit bound on the number of configurations.
pub fn explore_with(spec: &Spec, machine: MachineId, depth: u32, max_configs: usize) -> Exploration {
    let mut x = Exploration { machine: Some(machine), depth, bound: depth, ..Exploration::default() };
    let Some(m) = spec.machines.get(machine.index()) else {
        x.unsupported = Some("no such machine".to_string());
        return x;
    };
    x.state_reached = vec![None; m.states.len()];
    x.transition_enabled = vec![None; m.transitions.len()];
    x.deadlock = vec![None; m.states.len()];
    x.invariant_violated = vec![None; m.invariants.len()];
    let Some(initial) = m.initial else {
        x.unsupported = Some(format!("machine `{}` has no initial state", m.name));
        return x;
    };
    for v in &m.vars {
        match eval::scalar_of(spec, &v.ty) {
            Some(k) => x.kinds.push(k),
            None => {
                x.unsupported = Some(format!("variable `{}` is neither `Int` nor `Bool`", v.name));
                return x;
            }
        }
    }
    let n = m.vars.len();
    let mut init = Vec::with_capacity(n);
    for v in &m.vars {
        match eval::eval(&v.init, &[]) {
            Ok(value) => init.push(value),
            Err(e) => {
                x.unsupported = Some(format!("the initial value of `{}`: {e}", v.name));
                return x;
            }
        }
    }
    // Transitions by source state, in declaration order.
    let mut by_state: Vec<Vec<u32>> = vec![Vec::new(); m.states.len()];
    for (i, t) in m.transitions.iter().enumerate() {
        if let Some(list) = by_state.get_mut(t.from.index()) {
            list.push(i as u32);
        }
    }
    let is_final: Vec<bool> = (0..m.states.len()).map(|s| m.finals.iter().any(|f| f.index() == s)).collect();

    // The key of a configuration: the state, then the variables.
    let mut seen: HashMap<Vec<i64>, u32> = HashMap::new();
    let mut key = Vec::with_capacity(n + 1);
    key.push(initial.0 as i64);
    key.extend_from_slice(&init);
    seen.insert(key.clone(), 0);
    x.values.extend_from_slice(&init);
    x.configs.push(Config { state: initial, depth: 0, parent: None, truncated: false });
    let mut complete = true;
    if let Err(e) = visit(&mut x, m, 0) {
        x.unsupported = Some(e);
        return x;
    }
    let mut queue: VecDeque<u32> = VecDeque::from([0]);
    let mut next = vec![0i64; n];
    let mut current = vec![0i64; n];
    while let Some(c) = queue.pop_front() {
        let cfg = x.configs[c as usize];
        current.copy_from_slice(x.vars_of(c));
        let mut any_enabled = false;
        for &t in by_state.get(cfg.state.index()).map(Vec::as_slice).unwrap_or(&[]) {
            let tr = &m.transitions[t as usize];
            let enabled = match &tr.guard {
                None => true,
                Some(g) => match eval::holds(g, &current) {
                    Ok(b) => b,
                    Err(e) => {
                        x.unsupported = Some(format!("a guard of `{}`: {e}", m.name));
                        return x;
                    }
                },
            };
            if !enabled {
                continue;
            }
            any_enabled = true;
            if x.transition_enabled[t as usize].is_none() {
                x.transition_enabled[t as usize] = Some(c);
            }
            next.copy_from_slice(&current);
            for a in &tr.actions {
                match eval::eval(&a.value, &current) {
                    Ok(v) => {
                        if let Some(slot) = next.get_mut(a.var.index()) {
                            *slot = v;
                        }
                    }
                    Err(e) => {
                        x.unsupported = Some(format!("an action of `{}`: {e}", m.name));
                        return x;
                    }
                }
            }
            key.clear();
            key.push(tr.to.0 as i64);
            key.extend_from_slice(&next);
            if let Some(&to) = seen.get(key.as_slice()) {
                x.edges.push((c, t, to));
                continue;
            }
            if cfg.depth >= depth || x.configs.len() >= max_configs {
                x.configs[c as usize].truncated = true;
                complete = false;
                if cfg.depth < depth {
                    x.bound = x.bound.min(cfg.depth);
                }
                continue;
            }
            let to = x.configs.len() as u32;
            seen.insert(key.clone(), to);
            x.values.extend_from_slice(&next);
            x.configs.push(Config { state: tr.to, depth: cfg.depth + 1, parent: Some((c, t)), truncated: false });
            x.edges.push((c, t, to));
            if let Err(e) = visit(&mut x, m, to) {
                x.unsupported = Some(e);
                return x;
            }
            queue.push_back(to);
        }
        if !any_enabled && !is_final[cfg.state.index()] && x.deadlock[cfg.state.index()].is_none() {
            x.deadlock[cfg.state.index()] = Some(c);
        }
    }
    x.complete = complete;
    x
}

/// Records a newly found configuration: its state, and the invariants it violates.
fn visit(x: &mut Exploration, m: &Machine, c: u32) -> Result<(), String> {
    let state = x.configs[c as usize].state;
    if let Some(slot) = x.state_reached.get_mut(state.index())
        && slot.is_none()
    {
        *slot = Some(c);
    }
    for (i, inv) in m.invariants.iter().enumerate() {
        if x.invariant_violated[i].is_some() {
            continue;
        }
        let n = x.kinds.len();
        let start = c as usize * n;
        let vars = &x.values[start..start + n];
        match eval::holds(inv, vars) {
            Ok(true) => {}
            Ok(false) => x.invariant_violated[i] = Some(c),
            Err(e) => return Err(format!("invariant {} of `{}`: {e}", i + 1, m.name)),
        }
    }
    Ok(())
}

/// Which configurations can still reach a configuration in a final state, or one whose
/// successors were not all explored (about which nothing is known). Those that cannot are
/// stuck for good: from them no final state is reachable.
pub fn can_finish(x: &Exploration, m: &Machine) -> Vec<bool> {
    let count = x.configs.len();
    let mut preds: Vec<Vec<u32>> = vec![Vec::new(); count];
    for &(from, _, to) in &x.edges {
        preds[to as usize].push(from);
    }
    let mut ok = vec![false; count];
    let mut todo: Vec<u32> = Vec::new();
    for (i, cfg) in x.configs.iter().enumerate() {
        if cfg.truncated || m.finals.contains(&cfg.state) {
            ok[i] = true;
            todo.push(i as u32);
        }
    }
    while let Some(c) = todo.pop() {
        for &p in &preds[c as usize] {
            if !ok[p as usize] {
                ok[p as usize] = true;
                todo.push(p);
            }
        }
    }
    ok
}
