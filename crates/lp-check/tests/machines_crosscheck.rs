//! A cross-check of the exploration against an independent brute-force enumerator: for small
//! random machines, every event sequence up to a length is simulated directly from the
//! generator's description (not from the IR), and the configurations it reaches, with the
//! length of their shortest sequence, must be exactly those the breadth-first exploration
//! finds. Every exploration trace must replay, step by step, in the simulator.

use lp_check::passes::machines;
use lp_diagnostics::FileId;
use lp_ir::MachineId;
use proptest::prelude::*;
use std::collections::BTreeMap;

/// Steps the brute force enumerates.
const K: u32 = 5;

#[derive(Debug, Clone)]
enum Guard {
    None,
    Lt(i64),
    Ge(i64),
}

#[derive(Debug, Clone)]
enum Action {
    None,
    Inc,
    Reset,
}

#[derive(Debug, Clone)]
struct Tr {
    from: usize,
    to: usize,
    event: usize,
    guard: Guard,
    action: Action,
}

fn guard() -> impl Strategy<Value = Guard> {
    prop_oneof![Just(Guard::None), (0i64..3).prop_map(Guard::Lt), (0i64..3).prop_map(Guard::Ge)]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![Just(Action::None), Just(Action::Inc), Just(Action::Reset)]
}

fn machine() -> impl Strategy<Value = (usize, Vec<Tr>)> {
    (2usize..6).prop_flat_map(|n| {
        let tr = (0..n, 0..n, 0usize..3, guard(), action()).prop_map(|(from, to, event, guard, action)| Tr {
            from,
            to,
            event,
            guard,
            action,
        });
        (Just(n), proptest::collection::vec(tr, 1..10))
    })
}

fn text(n: usize, trs: &[Tr]) -> String {
    let states: Vec<String> = (0..n).map(|i| format!("S{i}")).collect();
    let mut s = format!("machine M {{\n  var x: Int = 0\n  states {}\n  initial S0\n", states.join(", "));
    for t in trs {
        s.push_str(&format!("  S{} -> S{} on e{}", t.from, t.to, t.event));
        match t.guard {
            Guard::None => {}
            Guard::Lt(c) => s.push_str(&format!(" when x < {c}")),
            Guard::Ge(c) => s.push_str(&format!(" when x >= {c}")),
        }
        match t.action {
            Action::None => {}
            Action::Inc => s.push_str(" do x = x + 1"),
            Action::Reset => s.push_str(" do x = 0"),
        }
        s.push('\n');
    }
    s.push_str("}\n");
    s
}

fn enabled(t: &Tr, x: i64) -> bool {
    match t.guard {
        Guard::None => true,
        Guard::Lt(c) => x < c,
        Guard::Ge(c) => x >= c,
    }
}

fn apply(t: &Tr, x: i64) -> i64 {
    match t.action {
        Action::None => x,
        Action::Inc => x + 1,
        Action::Reset => 0,
    }
}

/// Every configuration reachable by some event sequence of at most `K` events, with the
/// length of the shortest: enumerates every sequence of events (and, where the machine is
/// nondeterministic, every choice of transition) depth-first.
fn brute_force(trs: &[Tr]) -> BTreeMap<(usize, i64), u32> {
    fn go(trs: &[Tr], state: usize, x: i64, len: u32, out: &mut BTreeMap<(usize, i64), u32>) {
        let best = out.entry((state, x)).or_insert(len);
        *best = (*best).min(len);
        if len == K {
            return;
        }
        for event in 0..3 {
            for t in trs.iter().filter(|t| t.from == state && t.event == event && enabled(t, x)) {
                go(trs, t.to, apply(t, x), len + 1, out);
            }
        }
    }
    let mut out = BTreeMap::new();
    go(trs, 0, 0, 0, &mut out);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn exploration_matches_brute_force((n, trs) in machine()) {
        let src = text(n, &trs);
        let parsed = lp_syntax::parse(FileId(0), &src);
        prop_assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let lowered = lp_ir::lower(&[(FileId(0), &parsed.value)]);
        prop_assert!(lowered.diagnostics.is_empty(), "{:?}", lowered.diagnostics);
        let spec = lowered.value;
        let m = &spec.machines[0];
        let x = machines::explore(&spec, MachineId(0), K);
        prop_assert!(x.unsupported.is_none());

        let state_index = |name: &str| name.trim_start_matches('S').parse::<usize>().unwrap_or(usize::MAX);
        let mut explored = BTreeMap::new();
        for (c, cfg) in x.configs.iter().enumerate() {
            let name = &m.states[cfg.state.index()].name;
            explored.insert((state_index(name), x.vars_of(c as u32)[0]), cfg.depth);

            // The trace replays in the simulator and is as long as the depth.
            let trace = x.trace(m, c as u32);
            prop_assert_eq!(trace.len() as u32, cfg.depth + 1);
            let (mut state, mut val) = (0usize, 0i64);
            for (i, step) in trace.iter().enumerate() {
                prop_assert_eq!(state_index(&step.state), state);
                prop_assert_eq!(&step.vars, &vec![("x".to_string(), val.to_string())]);
                let Some(event) = &step.event else {
                    prop_assert_eq!(i + 1, trace.len());
                    break;
                };
                let e: usize = event.trim_start_matches('e').parse().unwrap_or(usize::MAX);
                let next = &trace[i + 1];
                let t = trs.iter().find(|t| {
                    t.from == state && t.event == e && enabled(t, val)
                        && t.to == state_index(&next.state)
                        && next.vars[0].1 == apply(t, val).to_string()
                });
                prop_assert!(t.is_some(), "step {} of the trace to {:?} does not replay", i + 1, cfg);
                if let Some(t) = t {
                    state = t.to;
                    val = apply(t, val);
                }
            }
        }
        let expected = brute_force(&trs);
        prop_assert_eq!(&explored, &expected, "{}", src);

        // The states reached are those the brute force reaches.
        for s in 0..m.states.len() {
            let idx = state_index(&m.states[s].name);
            prop_assert_eq!(x.reached(lp_ir::StateId(s as u32)), expected.keys().any(|(st, _)| *st == idx));
        }
    }
}
