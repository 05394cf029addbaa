//! The machines pass: seeded defects for every property (with the shortest trace asserted),
//! clean machines that pass, and the exploration API.

use lp_check::passes::machines;
use lp_check::{Goal, Obligation, Verdict};
use lp_diagnostics::FileId;
use lp_ir::{MachineId, Spec};

fn spec(src: &str) -> Spec {
    let parsed = lp_syntax::parse(FileId(0), src);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let lowered = lp_ir::lower(&[(FileId(0), &parsed.value)]);
    assert!(lowered.diagnostics.is_empty(), "{:?}", lowered.diagnostics);
    lowered.value
}

fn obligations(src: &str) -> Vec<Obligation> {
    machines::obligations(&spec(src))
}

/// `ID: VERDICT` per decided obligation, `ID: smt` for the others.
fn listing(src: &str) -> String {
    obligations(src)
        .iter()
        .map(|o| match &o.goal {
            Goal::Decided(v) => format!("{}: {}\n", o.id, v.name()),
            _ => format!("{}: smt\n", o.id),
        })
        .collect()
}

/// The rendered diagnostic of the failing obligation `id`: code, message and notes.
fn failure(src: &str, id: &str) -> String {
    let obs = obligations(src);
    let Some(ob) = obs.iter().find(|o| o.id == id) else {
        panic!("no obligation {id}; there are {:?}", obs.iter().map(|o| &o.id).collect::<Vec<_>>())
    };
    let Goal::Decided(v) = &ob.goal else { panic!("{id} is not decided") };
    let Some(d) = lp_check::diagnostic_for(ob, v) else { panic!("{id} passes: {v:?}") };
    format!("[{}] {}\n{}", d.code, d.message, d.notes.join("\n"))
}

fn failing(src: &str) -> Vec<String> {
    obligations(src)
        .iter()
        .filter(|o| matches!(&o.goal, Goal::Decided(v) if !v.is_pass()))
        .map(|o| format!("{} [{}]", o.id, o.report.code))
        .collect()
}

// ---------------------------------------------------------------- clean machines

const CLEAN: &str = r#"
machine Retry {
  var attempts: Int = 0
  var paused: Bool = false
  invariant 0 <= attempts && attempts <= 3
  initial Pending
  final Done, Failed
  Pending -> Running on start
  Running -> Done on finish
  Running -> Pending on fail when attempts < 3 do attempts = attempts + 1
  Running -> Failed on fail when attempts >= 3
  Pending -> Pending on pause when !paused do paused = true
}
"#;

#[test]
fn a_clean_machine_passes_everything() {
    assert_eq!(
        listing(CLEAN),
        "machines/machine.Retry/reachable.Done: proved
machines/machine.Retry/reachable.Failed: proved
machines/machine.Retry/reachable.Running: proved
machines/machine.Retry/deadlock.Pending: proved
machines/machine.Retry/deadlock.Running: proved
machines/machine.Retry/progress.Pending: proved
machines/machine.Retry/progress.Running: proved
machines/machine.Retry/deterministic.Running.fail: proved
machines/machine.Retry/invariant.0: proved
machines/machine.Retry/terminal.Done: proved
machines/machine.Retry/terminal.Failed: proved
"
    );
}

#[test]
fn clean_machines_have_no_failures() {
    for src in [
        CLEAN,
        "machine A { initial S\n final T\n S -> T on go }",
        "machine B { var n: Int = 0\n invariant n >= 0\n initial S\n final T\n S -> S on up do n = n + 1\n S -> T on stop }",
        "standards { completeness = strict }\nmachine C { initial S\n final T\n S -> T on go\n S -> S on stay }",
    ] {
        assert!(failing(src).is_empty(), "{src}: {:?}", failing(src));
    }
}

// ---------------------------------------------------------------- reachability

#[test]
fn unreachable_states_are_caught() {
    let src = "machine Door {\n  states Closed, Open, Locked\n  initial Closed\n  final Open\n  Closed -> Open on open\n  Locked -> Open on unlock\n}";
    // An unreachable state has no reachable configuration, so it cannot deadlock either.
    assert_eq!(failing(src), ["machines/machine.Door/reachable.Locked [LP4001]"]);
    assert!(
        failure(src, "machines/machine.Door/reachable.Locked")
            .contains("no chain of transitions leads from `Closed` to `Locked`")
    );

    // A guard that never holds.
    let src = "machine G { var n: Int = 0\n initial A\n final C\n A -> B on go when n > 0\n A -> C on stop\n B -> C on stop }";
    assert_eq!(failing(src), ["machines/machine.G/reachable.B [LP4001]"]);
    assert!(
        failure(src, "machines/machine.G/reachable.B")
            .contains("no reachable configuration enables a transition into `B`")
    );

    // Only reachable through a state that is itself unreachable.
    let src = "machine H { initial A\n final D\n A -> D on go\n B -> C on x\n C -> D on y }";
    let f = failing(src);
    assert!(f.contains(&"machines/machine.H/reachable.B [LP4001]".to_string()), "{f:?}");
    assert!(f.contains(&"machines/machine.H/reachable.C [LP4001]".to_string()), "{f:?}");
}

// ---------------------------------------------------------------- deadlock

#[test]
fn deadlocks_carry_a_shortest_trace() {
    let src = "machine Job {\n  var tries: Int = 0\n  initial Idle\n  final Done\n  Idle -> Running on start\n  Idle -> Idle on retry when tries < 1 do tries = tries + 1\n  Running -> Done on finish when tries > 0\n}";
    assert_eq!(
        failing(src),
        ["machines/machine.Job/deadlock.Running [LP4002]", "machines/machine.Job/progress.Running [LP4003]"]
    );
    assert_eq!(
        failure(src, "machines/machine.Job/deadlock.Running"),
        "[LP4002] `Job` can get stuck in state `Running`
counterexample: no transition out of `Running` is enabled when tries = 0
shortest trace:
  1. Idle [tries = 0] --start-->
  2. Running [tries = 0]"
    );

    // A state without any exit.
    let src = "machine K { initial A\n final C\n A -> B on go\n A -> C on stop }";
    assert!(failure(src, "machines/machine.K/deadlock.B").contains("  1. A --go-->\n  2. B"));

    // Stuck only after a few steps, so the trace is the shortest of several.
    let src = "machine L { var n: Int = 0\n initial A\n final Z\n A -> A on up when n < 3 do n = n + 1\n A -> B on go\n B -> Z on done when n < 2\n A -> Z on stop }";
    assert_eq!(
        failure(src, "machines/machine.L/deadlock.B"),
        "[LP4002] `L` can get stuck in state `B`
counterexample: no transition out of `B` is enabled when n = 2
shortest trace:
  1. A [n = 0] --up-->
  2. A [n = 1] --up-->
  3. A [n = 2] --go-->
  4. B [n = 2]"
    );
}

// ---------------------------------------------------------------- progress

#[test]
fn loops_without_a_way_out_fail_progress() {
    let src = "machine Ping {\n  initial Start\n  final Done\n  Start -> Done on finish\n  Start -> A on go\n  A -> B on ping\n  B -> A on pong\n}";
    assert_eq!(
        failing(src),
        ["machines/machine.Ping/progress.A [LP4003]", "machines/machine.Ping/progress.B [LP4003]"]
    );
    assert_eq!(
        failure(src, "machines/machine.Ping/progress.B"),
        "[LP4003] `Ping` can reach a configuration in `B` from which it can never finish
counterexample: from `B` no final state can be reached
shortest trace:
  1. Start --go-->
  2. A --ping-->
  3. B"
    );

    // A self-loop that the guard keeps from ever leaving.
    let src = "machine Q { var n: Int = 0\n initial A\n final Z\n A -> A on tick when n < 2 do n = n + 1\n A -> Z on stop when n < 2 }";
    let f = failure(src, "machines/machine.Q/progress.A");
    assert!(f.contains("when n = 2") && f.contains("  3. A [n = 2]"), "{f}");

    // A sink that is not final is also a deadlock.
    let src = "machine R { initial A\n final Z\n A -> Z on stop\n A -> S on sink\n S -> S on spin }";
    assert_eq!(failing(src), ["machines/machine.R/progress.S [LP4003]"]);
}

// ---------------------------------------------------------------- invariants

#[test]
fn violated_invariants_carry_a_shortest_trace() {
    let src = "machine Counter {\n  var n: Int = 0\n  invariant n <= 2\n  initial Counting\n  final Done\n  Counting -> Counting on tick when n < 5 do n = n + 1\n  Counting -> Done on stop\n}";
    assert_eq!(
        failure(src, "machines/machine.Counter/invariant.0"),
        "[LP4006] invariant `n <= 2` of `Counter` can be violated
counterexample: `n <= 2` is false when n = 3
shortest trace:
  1. Counting [n = 0] --tick-->
  2. Counting [n = 1] --tick-->
  3. Counting [n = 2] --tick-->
  4. Counting [n = 3]"
    );

    // Violated by the initial values.
    let src = "machine I { var n: Int = 5\n invariant n < 5\n initial A\n final Z\n A -> Z on go }";
    assert_eq!(
        failure(src, "machines/machine.I/invariant.0"),
        "[LP4006] invariant `n < 5` of `I` can be violated\ncounterexample: `n < 5` is false when n = 5\nshortest trace:\n  1. A [n = 5]"
    );

    // Two variables updated together; the shorter of two paths is the trace.
    let src = "machine J { var a: Int = 0\n var b: Bool = false\n invariant !(b && a > 1)\n initial S\n final Z\n S -> S on inc do a = a + 1\n S -> S on flag do b = true\n S -> Z on stop }";
    let f = failure(src, "machines/machine.J/invariant.0");
    assert!(f.contains("when a = 2, b = true") && f.matches("-->").count() == 3, "{f}");
}

#[test]
fn invariants_of_infinite_machines_go_to_z3_with_a_bounded_fallback() {
    let src = "machine B { var n: Int = 0\n invariant n >= 0\n initial S\n final T\n S -> S on up do n = n + 1\n S -> T on stop }";
    let obs = obligations(src);
    let ob = obs.iter().find(|o| o.id == "machines/machine.B/invariant.0").expect("an invariant obligation");
    let Goal::Smt(goal) = &ob.goal else { panic!("not an SMT goal") };
    assert_eq!(goal.fallback, Some(Verdict::Bounded { depth: machines::DEFAULT_DEPTH }));
    assert!(goal.canonical().contains("fallback"));
}

// ---------------------------------------------------------------- terminal states

#[test]
fn final_states_with_exits_are_caught() {
    let src =
        "machine Order {\n  initial Open\n  final Closed\n  Open -> Closed on close\n  Closed -> Open on reopen\n}";
    assert_eq!(failing(src), ["machines/machine.Order/terminal.Closed [LP4007]"]);
    assert!(
        failure(src, "machines/machine.Order/terminal.Closed")
            .contains("`Closed` has 1 outgoing transition (on `reopen`)")
    );
    let src = "machine P { initial A\n final B, C\n A -> B on b\n A -> C on c\n B -> C on x\n C -> C on y }";
    assert_eq!(failing(src), ["machines/machine.P/terminal.B [LP4007]", "machines/machine.P/terminal.C [LP4007]"]);
    let src = "machine Q { initial A\n final A\n A -> A on again }";
    assert_eq!(failing(src), ["machines/machine.Q/terminal.A [LP4007]"]);
}

// ---------------------------------------------------------------- completeness

#[test]
fn completeness_is_a_policy() {
    let machine = "machine Lamp {\n  initial Off\n  final Broken\n  Off -> On on toggle\n  On -> Off on toggle\n  On -> Broken on smash\n}";
    assert!(listing(machine).lines().all(|l| !l.contains("completeness")), "lenient is the default");
    let lenient = format!("standards {{ completeness = lenient }}\n{machine}");
    assert!(listing(&lenient).lines().all(|l| !l.contains("completeness")));
    let strict = format!("standards {{ completeness = strict }}\n{machine}");
    assert_eq!(failing(&strict), ["machines/machine.Lamp/completeness [LP4005]"]);
    assert!(failure(&strict, "machines/machine.Lamp/completeness").contains("unhandled: `Off` on `smash`"));
    let strict2 = "standards { completeness = strict }\nmachine M { initial A\n final Z\n A -> B on x\n B -> Z on y }";
    assert!(failure(strict2, "machines/machine.M/completeness").contains("unhandled: `A` on `y`, `B` on `x`"));
    // Final states need not handle anything; a self-loop handles an event.
    let strict3 = "standards { completeness = strict }\nmachine N { initial A\n final Z\n A -> Z on x\n A -> A on y\n B -> Z on x }";
    assert!(failure(strict3, "machines/machine.N/completeness").ends_with("unhandled: `B` on `y`"));
}

// ---------------------------------------------------------------- fires and initial states

#[test]
fn fired_events_must_be_enabled_somewhere() {
    let src = "machine Ticket {\n  var votes: Int = 0\n  initial Open\n  final Closed\n  Open -> Closed on close\n  Open -> Closed on purge when votes > 0\n}\n\nservice tickets {\n  op purge(id: String) -> Unit fires Ticket.purge\n  op close(id: String) -> Unit fires Ticket.close\n}";
    assert_eq!(failing(src), ["machines/op.tickets.purge/fires [LP4008]"]);
    let src = "machine T { initial A\n final Z\n A -> Z on go\n B -> Z on late }\nservice s { op late() -> Unit fires T.late }";
    assert!(failing(src).contains(&"machines/op.s.late/fires [LP4008]".to_string()));
    let src = "machine U { var n: Int = 0\n initial A\n final Z\n A -> B on go\n B -> Z on done when n == 1\n B -> Z on quit }\nservice s { op done() -> Unit fires U.done }";
    assert!(failing(src).contains(&"machines/op.s.done/fires [LP4008]".to_string()));
}

#[test]
fn machines_without_an_initial_state_are_caught() {
    for src in [
        "machine Draft {\n  final Published\n  Editing -> Published on publish\n}",
        "machine E { states A, B\n A -> B on go }",
        "machine F { var n: Int = 0\n A -> A on go do n = n + 1 }",
    ] {
        let f = failing(src);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].ends_with("/initial [LP4009]"), "{f:?}");
    }
}

// ---------------------------------------------------------------- exploration

#[test]
fn exploration_reports_reachable_states_and_completeness() {
    let spec = spec(CLEAN);
    let x = lp_check::explore(&spec, MachineId(0), machines::DEFAULT_DEPTH);
    assert!(x.complete && x.unsupported.is_none());
    assert!(spec.machines[0].states.iter().enumerate().all(|(i, _)| x.reached(lp_ir::StateId(i as u32))));
    // Pending, Running and Done with attempts 0..=3 and paused either way; Failed with 3.
    assert_eq!(x.configs.len(), 26);
    let short = lp_check::explore(&spec, MachineId(0), 2);
    assert!(!short.complete);
    assert_eq!(short.bound, 2);
}

#[test]
fn unsupported_variables_fail_closed() {
    let src = "machine S { var name: String = \"a\"\n initial A\n final Z\n A -> Z on go when len(name) > 0\n A -> B on x\n B -> Z on y }";
    let obs = obligations(src);
    let deadlock = obs.iter().find(|o| o.id == "machines/machine.S/deadlock.A").expect("a deadlock obligation");
    assert!(matches!(&deadlock.goal, Goal::Decided(Verdict::Unknown { .. })), "{:?}", deadlock.goal);
}

#[test]
fn a_thousand_state_machine_is_fast() {
    let mut src = String::from("machine Big {\n  var n: Int = 0\n  invariant n >= 0\n  initial S0\n  final S999\n");
    for i in 0..999 {
        src.push_str(&format!("  S{i} -> S{} on next when n < 5 do n = n + 1\n", i + 1));
        src.push_str(&format!("  S{i} -> S{} on skip when n >= 5\n", i + 1));
        src.push_str(&format!("  S{i} -> S0 on reset do n = 0\n"));
    }
    src.push_str("}\n");
    let spec = spec(&src);
    let start = std::time::Instant::now();
    let obs = machines::obligations(&spec);
    let elapsed = start.elapsed();
    assert!(obs.iter().all(|o| match &o.goal {
        Goal::Decided(v) => v.is_pass(),
        Goal::Smt(_) => true,
        Goal::Law(_) | Goal::Run(_) => false,
    }));
    // Debug builds are slow; the bound is generous, the release figure is far lower.
    assert!(elapsed.as_secs_f64() < 5.0, "{elapsed:?}");
}

#[test]
fn the_completeness_setting_is_checked_by_lowering() {
    let src = "standards { completeness = sometimes }\nmachine A { initial S\n final T\n S -> T on go }";
    let parsed = lp_syntax::parse(FileId(0), src);
    let lowered = lp_ir::lower(&[(FileId(0), &parsed.value)]);
    let codes: Vec<&str> = lowered.diagnostics.iter().map(|d| d.code.id()).collect();
    assert_eq!(codes, ["LP1023"]);
    assert!(lowered.diagnostics[0].message.contains("`completeness` must be `strict` or `lenient`"));
}

#[test]
fn guards_with_disjoint_ranges_are_deterministic_without_z3() {
    let kind = |g1: &str, g2: &str| {
        let src = format!(
            "machine D {{ var x: Int = 0\n var p: Bool = false\n initial S\n final T, U\n S -> T on e when {g1}\n S -> U on e when {g2} }}"
        );
        let obs = obligations(&src);
        let ob = obs.iter().find(|o| o.id == "machines/machine.D/deterministic.S.e").expect("a determinism obligation");
        match &ob.goal {
            Goal::Decided(v) => v.name().to_string(),
            Goal::Smt(_) => "smt".to_string(),
            Goal::Law(_) | Goal::Run(_) => "law".to_string(),
        }
    };
    assert_eq!(kind("x < 3", "x >= 3"), "proved");
    assert_eq!(kind("3 > x && p", "x == 3"), "proved");
    assert_eq!(kind("p", "!p"), "proved");
    assert_eq!(kind("x < 3", "x >= 2"), "smt");
    assert_eq!(kind("x < 3 || p", "x >= 3"), "smt");
    assert_eq!(kind("!(x < 3)", "x < 3"), "smt");
}
