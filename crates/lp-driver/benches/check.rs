//! Cold and warm `check` (all passes, every obligation discharged) of each example and of a
//! generated spec with 1,000 contract-bearing functions; reports obligations per second and the
//! warm/cold speed-up.
//!
//! Run with `cargo bench -p lp-driver --bench check`. Cold: a fresh in-memory copy of the input
//! with an empty verdict cache, so every obligation is discharged (z3, property tests,
//! structural). Warm: the same copy again, so verdicts come from the cache written by the cold
//! run. Each figure is the best of several runs; wall-clock time, all cores (rayon).

use lp_driver::CheckOptions;
use lp_driver::fs::MemFs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const RUNS: usize = 5;

fn load_example(dir: &Path) -> MemFs {
    MemFs::load_project(dir, Path::new("in")).expect("example folder")
}

/// A spec with `n` functions, each with a precondition, a postcondition, a refined result and
/// a body; every tenth one uses non-linear arithmetic.
fn contracts_spec(n: usize) -> String {
    let mut s = String::from(
        "spec bench version 1.0.0\n\ntype Cents = Int where self >= 0\n\ntype Percent = Int where 0 <= self && self <= 100\n",
    );
    for i in 0..n {
        let k = i % 7;
        if i % 10 == 0 {
            s.push_str(&format!(
                "\nfn f{i}(price: Cents, pct: Percent) -> Cents\n  requires price >= {k}\n  ensures result <= price\n  = price - price * pct / 100\n"
            ));
        } else {
            s.push_str(&format!(
                "\nfn f{i}(price: Cents, off: Cents) -> Cents\n  requires off <= price && price >= {k}\n  ensures result <= price && result >= 0\n  = price - off\n"
            ));
        }
    }
    s
}

struct Row {
    name: String,
    obligations: usize,
    cold: Duration,
    warm: Duration,
}

fn measure(name: &str, make: &dyn Fn() -> (MemFs, PathBuf)) -> Row {
    let opts = CheckOptions::default();
    let mut cold = Duration::MAX;
    let mut warm = Duration::MAX;
    let mut obligations = 0;
    for _ in 0..RUNS {
        let (fs, path) = make();
        let t = Instant::now();
        let first = lp_driver::check_with(&fs, &path, &opts).expect("in memory");
        cold = cold.min(t.elapsed());
        assert_eq!(first.error_count(), 0, "{name} must check clean: {:?}", first.diagnostics.first());
        assert!(first.results.iter().all(|r| !r.cached), "{name}: the cold run hit a cache");
        obligations = first.results.len();
        let t = Instant::now();
        let second = lp_driver::check_with(&fs, &path, &opts).expect("in memory");
        warm = warm.min(t.elapsed());
        assert!(second.results.iter().all(|r| r.cached), "{name}: the warm run missed the cache");
        let verdicts = |o: &lp_driver::CheckOutcome| o.results.iter().map(|r| r.verdict.clone()).collect::<Vec<_>>();
        assert_eq!(verdicts(&first), verdicts(&second), "{name}: cached verdicts differ");
    }
    Row { name: name.to_string(), obligations, cold, warm }
}

fn main() {
    // `cargo bench` passes `--bench`; anything else (such as a filter) is ignored.
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut rows = Vec::new();
    for ex in ["catalog-sync", "order-fulfilment", "subscription-billing/v1", "subscription-billing/v2"] {
        let dir = repo.join("spec-examples").join(ex);
        rows.push(measure(ex, &|| (load_example(&dir), PathBuf::from("in"))));
    }
    let text = contracts_spec(1_000);
    rows.push(measure("generated: 1,000 fns with contracts", &|| {
        let fs = MemFs::new();
        fs.insert("in/spec.adt", text.as_bytes());
        (fs, PathBuf::from("in/spec.adt"))
    }));
    println!("\n| input | obligations | cold | cold obligations/s | warm | warm obligations/s | warm speed-up |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        let per_s = |d: Duration| r.obligations as f64 / d.as_secs_f64();
        println!(
            "| {} | {} | {:.1} ms | {:.0} | {:.2} ms | {:.0} | {:.0}x |",
            r.name,
            r.obligations,
            r.cold.as_secs_f64() * 1e3,
            per_s(r.cold),
            r.warm.as_secs_f64() * 1e3,
            per_s(r.warm),
            r.cold.as_secs_f64() / r.warm.as_secs_f64()
        );
    }
}
