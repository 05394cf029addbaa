//! The state-machine pass on generated machines with 10, 100 and 1,000 states and three `Int`
//! variables: exploration alone, obligation generation (exploration included), and discharge
//! of every machine obligation, in total and per property (`reachable`, `deadlock`, `progress`,
//! `deterministic`, `invariant`, `terminal`, `completeness`). Goal (issue "state machines"):
//! all properties of a 1,000-state machine in under 1 s.
//!
//! Run with `cargo bench -p lp-driver --bench machines`. Each spec is first checked end to end
//! (`check_with` on in-memory files, no cache) and must come out clean with every machine
//! verdict passing. Then, best of several runs each: `lp_check::explore`, the machines pass's
//! obligation generation, `discharge_all` on all cores (wall clock), and `discharge_one` per
//! obligation on one thread, summed per property kind.

use lp_check::passes::machines::{self, DEFAULT_DEPTH};
use lp_check::{Goal, Obligation};
use lp_driver::CheckOptions;
use lp_driver::discharge::{Cache, discharge_all, discharge_one};
use lp_driver::fs::MemFs;
use lp_ir::{MachineId, Spec};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

const RUNS: usize = 5;

/// Every this many states, the `next` guards need z3 to be shown exclusive (the others are
/// disjoint ranges of one variable, which the pass decides without z3).
const SMT_EVERY: usize = 20;

/// A spec with one machine of `n` states `S0..S{n-1}` plus the finals `Done` and `Cancelled`,
/// under `completeness = strict`. Variables: `r` (retries in the current state, 0..2), `b`
/// (whether the one allowed jump back was taken) and `k` (retries in total, 0..5). Every
/// non-final state moves on along the chain on `next` (two guarded transitions, so each state
/// has a determinism obligation), retries on `retry`, jumps back to the start of its block of
/// ten on `back` once, and can be cancelled.
fn machine_spec(n: usize) -> String {
    let mut s = String::from("spec bench version 1.0.0\n\nstandards { completeness = strict }\n\nmachine Big {\n");
    s.push_str("  var r: Int = 0\n  var b: Int = 0\n  var k: Int = 0\n");
    s.push_str("  invariant 0 <= r && r <= 2\n  invariant 0 <= b && b <= 1\n  invariant 0 <= k && k <= 5\n");
    s.push_str("  initial S0\n  final Done, Cancelled\n");
    for i in 0..n {
        let next = if i + 1 == n { "Done".to_string() } else { format!("S{}", i + 1) };
        if i % SMT_EVERY == 0 {
            s.push_str(&format!("  S{i} -> {next} on next when r + b < 2 do r = 0\n"));
            s.push_str(&format!("  S{i} -> {next} on next when r + b >= 2 do r = 0, b = 0\n"));
        } else {
            s.push_str(&format!("  S{i} -> {next} on next when r < 2 do r = 0\n"));
            s.push_str(&format!("  S{i} -> {next} on next when r >= 2 do r = 0\n"));
        }
        s.push_str(&format!("  S{i} -> S{i} on retry when r < 2 && k < 5 do r = r + 1, k = k + 1\n"));
        s.push_str(&format!("  S{i} -> S{} on back when b == 0 do b = 1, r = 0\n", i - i % 10));
        s.push_str(&format!("  S{i} -> Cancelled on cancel\n"));
    }
    s.push_str("}\n");
    s
}

/// The property an obligation checks: the id segment after `machines/machine.NAME/`, up to
/// the first dot (`deterministic.S3.next` → `deterministic`).
fn property(ob: &Obligation) -> String {
    let tail = ob.id.splitn(3, '/').nth(2).unwrap_or(&ob.id);
    tail.split('.').next().unwrap_or(tail).to_string()
}

fn best(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

#[derive(Default)]
struct Kind {
    count: usize,
    smt: usize,
    time: Duration,
}

struct Row {
    states: usize,
    configs: usize,
    obligations: usize,
    smt: usize,
    explore: Duration,
    generate: Duration,
    discharge: Duration,
    kinds: BTreeMap<String, Kind>,
}

/// Checks the spec end to end and returns its IR; panics unless it is clean and every machine
/// obligation passes.
fn checked_spec(n: usize, text: &str) -> Spec {
    let fs = MemFs::new();
    fs.insert("in/spec.adt", text.as_bytes());
    let opts = CheckOptions { use_cache: false, ..CheckOptions::default() };
    let out = lp_driver::check_with(&fs, Path::new("in/spec.adt"), &opts).expect("in memory");
    assert_eq!(out.error_count(), 0, "{n} states must check clean: {:?}", out.diagnostics.first());
    let machine: Vec<_> = out.results.iter().filter(|r| r.obligation.id.starts_with("machines/")).collect();
    assert!(!machine.is_empty(), "{n} states: no machine obligations");
    for r in &machine {
        assert!(r.verdict.is_pass(), "{n} states: {} is {:?}", r.obligation.id, r.verdict);
    }
    out.spec.expect("the spec lowered")
}

fn measure(n: usize) -> Row {
    let text = machine_spec(n);
    let spec = checked_spec(n, &text);
    let opts = CheckOptions { use_cache: false, ..CheckOptions::default() };
    let x = lp_check::explore(&spec, MachineId(0), DEFAULT_DEPTH);
    assert!(x.complete && x.unsupported.is_none(), "{n} states: the exploration must be complete");
    let configs = x.configs.len();

    let explore = best(RUNS, || {
        std::hint::black_box(lp_check::explore(&spec, MachineId(0), DEFAULT_DEPTH));
    });
    let generate = best(RUNS, || {
        std::hint::black_box(machines::obligations(&spec));
    });
    let obligations = machines::obligations(&spec);
    let smt = obligations.iter().filter(|o| matches!(o.goal, Goal::Smt(_))).count();
    assert!(smt > 0, "{n} states: some obligation must need z3");
    let cache = Cache::default();
    let discharge = best(RUNS, || {
        let results = discharge_all(&spec, obligations.clone(), &opts, &cache);
        assert!(results.iter().all(|r| r.verdict.is_pass()), "{n} states: a machine obligation failed");
    });

    let mut kinds: BTreeMap<String, Kind> = BTreeMap::new();
    for ob in &obligations {
        let k = kinds.entry(property(ob)).or_default();
        k.count += 1;
        k.smt += usize::from(matches!(ob.goal, Goal::Smt(_)));
        k.time = Duration::MAX;
    }
    // One worker thread, as `discharge_all` runs obligations on rayon's workers: on the main
    // thread, after the large allocations of checking and exploring, z3 runs several times
    // slower (about 9 ms instead of 2 ms per goal at 1,000 states on the reference machine).
    let per_run: Vec<BTreeMap<String, Duration>> = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                (0..RUNS)
                    .map(|_| {
                        let mut sums: BTreeMap<String, Duration> = BTreeMap::new();
                        for ob in &obligations {
                            let t = Instant::now();
                            let verdict = discharge_one(&spec, ob, &opts);
                            *sums.entry(property(ob)).or_default() += t.elapsed();
                            assert!(verdict.is_pass(), "{n} states: {} is {verdict:?}", ob.id);
                        }
                        sums
                    })
                    .collect()
            })
            .join()
            .expect("the timing thread")
    });
    for sums in per_run {
        for (name, d) in sums {
            let k = kinds.get_mut(&name).expect("counted above");
            k.time = k.time.min(d);
        }
    }
    Row { states: n, configs, obligations: obligations.len(), smt, explore, generate, discharge, kinds }
}

fn main() {
    // `cargo bench` passes `--bench`; anything else (such as a filter) is ignored.
    let rows: Vec<Row> = [10, 100, 1_000].into_iter().map(measure).collect();

    println!(
        "\n| states | configurations | obligations (z3) | explore | generate | discharge (all cores) | generate + discharge |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {} | {} ({}) | {} | {} | {} | {} |",
            r.states,
            r.configs,
            r.obligations,
            r.smt,
            ms(r.explore),
            ms(r.generate),
            ms(r.discharge),
            ms(r.generate + r.discharge)
        );
    }

    let names: Vec<&String> =
        rows.iter().flat_map(|r| r.kinds.keys()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    print!("\n| property |");
    for r in &rows {
        print!(" {} states: count (z3) | time | per obligation |", r.states);
    }
    println!();
    print!("|---|");
    for _ in &rows {
        print!("---:|---:|---:|");
    }
    println!();
    for name in names {
        print!("| {name} |");
        for r in &rows {
            match r.kinds.get(name) {
                Some(k) => print!(
                    " {} ({}) | {} | {:.1} µs |",
                    k.count,
                    k.smt,
                    ms(k.time),
                    k.time.as_secs_f64() * 1e6 / k.count as f64
                ),
                None => print!(" – | – | – |"),
            }
        }
        println!();
    }

    let big = rows.last().expect("three sizes");
    let total = big.generate + big.discharge;
    println!(
        "\nGoal: all properties of a {}-state machine in under 1 s: {} ({} generate + discharge).",
        big.states,
        if total < Duration::from_secs(1) { "met" } else { "NOT met" },
        ms(total)
    );
}
