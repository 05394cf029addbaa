//! Throughput of the front end on generated specs: parse only, and parse + resolve.
//!
//! Run with `cargo bench -p lp-driver --bench parse_resolve`. The specs come from
//! [`lp_driver::synth`] (about 1k, 10k and 100k lines, every construct of the language, every
//! name defined); each is checked once to parse and lower with no diagnostics before anything is
//! timed. Criterion reports each case in lines per second (`Throughput::Elements(lines)`).
//! Freeing the AST and IR is not timed (`iter_with_large_drop`): it is the allocator's work, not
//! the front end's, and a one-shot `check` need not do it at all. After the Criterion groups, a
//! summary table gives the best of a few batches per size in on-CPU time (so that other processes
//! on a shared machine do not count), with and without the free, and the linearity ratio (time
//! per line at the largest size over time per line at the smallest), ready for
//! `book/src/benchmarks.md`. Everything runs on one thread.

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group};
use lp_diagnostics::FileId;
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// The sizes, in lines, of the generated specs.
const SIZES: [usize; 3] = [1_000, 10_000, 100_000];

/// One generated spec and its exact line count.
struct Case {
    lines: usize,
    text: String,
}

fn cases() -> Vec<Case> {
    SIZES
        .iter()
        .map(|&n| {
            let text = lp_driver::synth::spec(n);
            let case = Case { lines: text.lines().count(), text };
            assert_clean(&case);
            case
        })
        .collect()
}

/// The benchmark is only meaningful on valid input: a spec with errors would time recovery.
fn assert_clean(case: &Case) {
    let parsed = lp_syntax::parse(FileId(0), &case.text);
    assert!(parsed.diagnostics.is_empty(), "the generated spec has syntax errors: {:?}", parsed.diagnostics.first());
    let lowered = lp_ir::lower(&[(FileId(0), &parsed.value)]);
    assert!(
        lowered.diagnostics.is_empty(),
        "the generated spec has resolution errors: {:?}",
        lowered.diagnostics.first()
    );
}

fn parse(text: &str) -> lp_syntax::Parsed<lp_syntax::ast::SourceFileAst> {
    lp_syntax::parse(FileId(0), black_box(text))
}

/// Parses and lowers, returning both trees so that freeing them can be left out of the timing.
fn parse_resolve(text: &str) -> (lp_syntax::Parsed<lp_syntax::ast::SourceFileAst>, lp_syntax::Parsed<lp_ir::Spec>) {
    let parsed = lp_syntax::parse(FileId(0), black_box(text));
    let lowered = lp_ir::lower(&[(FileId(0), &parsed.value)]);
    (parsed, lowered)
}

fn benches(c: &mut Criterion) {
    let cases = cases();
    let mut group = c.benchmark_group("parse");
    configure(&mut group);
    for case in &cases {
        group.throughput(Throughput::Elements(case.lines as u64));
        group.bench_with_input(BenchmarkId::from_parameter(case.lines), case.text.as_str(), |b, text| {
            b.iter_with_large_drop(|| parse(text))
        });
    }
    group.finish();
    let mut group = c.benchmark_group("parse_resolve");
    configure(&mut group);
    for case in &cases {
        group.throughput(Throughput::Elements(case.lines as u64));
        group.bench_with_input(BenchmarkId::from_parameter(case.lines), case.text.as_str(), |b, text| {
            b.iter_with_large_drop(|| parse_resolve(text))
        });
    }
    group.finish();
}

/// Few samples, flat sampling (one 100k-line iteration takes a sizeable fraction of a second),
/// and a short measurement, so the whole bench runs in well under two minutes.
fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sampling_mode(SamplingMode::Flat);
}

/// The time this thread has spent running on a CPU, from Linux's `/proc/thread-self/schedstat`
/// (nanoseconds). Unlike wall time, it leaves out the time the thread waited for a core, which
/// matters on the project's shared two-core machines. `None` elsewhere.
fn on_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// A clock: on-CPU time where the system reports it, wall time otherwise.
struct Clock {
    cpu: bool,
    origin: Instant,
}

impl Clock {
    fn new() -> Self {
        Clock { cpu: on_cpu().is_some(), origin: Instant::now() }
    }

    fn now(&self) -> Duration {
        if self.cpu { on_cpu().unwrap_or_default() } else { self.origin.elapsed() }
    }

    fn name(&self) -> &'static str {
        if self.cpu { "on-CPU time of the benchmark thread" } else { "wall time" }
    }
}

/// How many lines one timed batch of the summary processes: enough that the clock's resolution
/// (the scheduler tick, for on-CPU time) is small beside the batch.
const BATCH_LINES: usize = 300_000;

/// How many batches the summary times per case; it keeps the fastest.
const BATCHES: usize = 5;

/// The time of one call of `f` on `text`: the fastest of [`BATCHES`] batches of calls, divided
/// by the calls per batch, after one warm-up call. The minimum, not the median, because the
/// machines this runs on are shared: other processes only ever add time. Freeing the results
/// is timed only when `with_drop` is set.
fn best<T>(clock: &Clock, case: &Case, f: fn(&str) -> T, with_drop: bool) -> Duration {
    let calls = (BATCH_LINES / case.lines).max(1);
    drop(f(&case.text));
    let batches = (0..BATCHES).map(|_| {
        let mut values = Vec::with_capacity(calls);
        let start = clock.now();
        for _ in 0..calls {
            values.push(f(&case.text));
            if with_drop {
                values.clear();
            }
        }
        let elapsed = clock.now().saturating_sub(start);
        drop(values);
        elapsed / calls as u32
    });
    batches.min().unwrap_or_default()
}

/// Prints the figures table and the linearity ratio as Markdown.
fn summary() {
    let cases = cases();
    let clock = Clock::new();
    println!("\nfastest of {BATCHES} batches of {BATCH_LINES} lines, {}:", clock.name());
    println!("\n| lines | parse | lines/s | parse + resolve | lines/s | parse + resolve + free | lines/s |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    let mut per_line = Vec::new();
    for case in &cases {
        let times = [
            best(&clock, case, parse, false),
            best(&clock, case, parse_resolve, false),
            best(&clock, case, parse_resolve, true),
        ];
        let mut row = format!("| {} |", case.lines);
        for t in times {
            let _ = write!(row, " {:.2} ms | {:.0} |", t.as_secs_f64() * 1e3, case.lines as f64 / t.as_secs_f64());
        }
        println!("{row}");
        per_line.push(times.map(|t| t.as_secs_f64() / case.lines as f64));
    }
    if let (Some(first), Some(last)) = (per_line.first(), per_line.last()) {
        println!(
            "\nlinearity (time per line at {} lines / at {} lines; 1.00 is linear): \
             parse {:.2}, parse + resolve {:.2}, parse + resolve + free {:.2}",
            cases[cases.len() - 1].lines,
            cases[0].lines,
            last[0] / first[0],
            last[1] / first[1],
            last[2] / first[2],
        );
    }
}

criterion_group!(front_end, benches);

fn main() {
    front_end();
    Criterion::default().configure_from_args().final_summary();
    // `cargo bench` passes `--bench`; without it (`cargo test --benches`) Criterion only checks
    // that each case runs, and the summary is skipped too, as it is under `--profile-time`.
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--profile-time") {
        summary();
    }
}
