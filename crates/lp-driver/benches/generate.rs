//! Generation time: `lp_driver::build::artifacts` (every enabled generator: the specification
//! files, OpenAPI with its translation validation, the FastAPI backends, the frontend and the
//! infrastructure) on an already checked outcome, for the catalog-sync example and for a
//! generated spec with 200 services. Goal (issue "FastAPI backend"): 200 services in under 1 s.
//!
//! Run with `cargo bench -p lp-driver --bench generate`. Each input is checked once (not timed)
//! and must come out clean; Criterion then times `artifacts`, and a summary table gives the
//! best of a few runs and the share of the FastAPI generator alone, for `book/src/benchmarks.md`.

use criterion::Criterion;
use lp_driver::CheckOptions;
use lp_driver::fs::MemFs;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How many services the generated spec has (one per synth module).
const SERVICES: usize = 200;

fn checked(fs: &MemFs, path: &Path, name: &str) -> lp_driver::CheckOutcome {
    let opts = CheckOptions { use_cache: false, props_cases: 16, ..CheckOptions::default() };
    let outcome = lp_driver::check_with(fs, path, &opts).expect("in memory");
    assert_eq!(outcome.error_count(), 0, "{name} must check clean: {:?}", outcome.diagnostics.first());
    outcome
}

fn inputs() -> Vec<(String, lp_driver::CheckOutcome)> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let fs = MemFs::load_project(&repo.join("spec-examples/catalog-sync"), Path::new("in")).expect("example");
    let catalog = checked(&fs, &PathBuf::from("in"), "catalog-sync");
    // About 90 lines per synth module, one service each.
    let mut lines = SERVICES * 90;
    let text = loop {
        let text = lp_driver::synth::spec(lines);
        let services = text.lines().filter(|l| l.starts_with("service ")).count();
        if services >= SERVICES {
            break text;
        }
        lines += (SERVICES - services) * 90;
    };
    let fs = MemFs::new();
    fs.insert("in/spec.adt", text.as_bytes());
    let big = checked(&fs, &PathBuf::from("in/spec.adt"), "generated");
    let services = big.spec.as_ref().map_or(0, |s| s.services.len());
    vec![("catalog-sync".into(), catalog), (format!("generated: {services} services"), big)]
}

fn best(runs: usize, f: &dyn Fn()) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn bench(c: &mut Criterion, inputs: &[(String, lp_driver::CheckOutcome)]) {
    let mut group = c.benchmark_group("generate");
    group.sample_size(10);
    for (name, outcome) in inputs {
        group.bench_function(name.as_str(), |b| b.iter(|| black_box(lp_driver::build::artifacts(outcome))));
    }
    group.finish();
}

fn main() {
    let inputs = inputs();
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, &inputs);
    println!("\n| input | files | all generators | OpenAPI + read-back | FastAPI | frontend | infra + read-back |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (name, outcome) in &inputs {
        let files = lp_driver::build::artifacts(outcome).files.len();
        let ms = |f: &dyn Fn()| format!("{:.1} ms", best(5, f).as_secs_f64() * 1e3);
        let spec = outcome.spec.as_ref().expect("a spec");
        let all = ms(&|| {
            black_box(lp_driver::build::artifacts(outcome));
        });
        let openapi = ms(&|| {
            let doc = lp_codegen::openapi::openapi(spec);
            black_box(lp_codegen::openapi::read_back(&doc, spec));
        });
        let fastapi = ms(&|| {
            black_box(lp_codegen::fastapi::generate(spec));
        });
        let remix = ms(&|| {
            black_box(lp_codegen::remix::generate(spec));
        });
        let infra = ms(&|| {
            let options = lp_codegen::infra::Options { frontend: true };
            let files = lp_codegen::infra::generate_with(spec, &options);
            black_box(lp_codegen::infra::validate(spec, &options, &files));
        });
        println!("| {name} | {files} | {all} | {openapi} | {fastapi} | {remix} | {infra} |");
    }
}
