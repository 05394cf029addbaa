//! Diffing two generated specs of about 10,000 lines each: the structural diff alone, and the
//! whole plan (diff plus the z3 goals of every refinement question, not discharged).
//!
//! Run with `cargo bench -p lp-compat --bench diff`. The new version is the old one with a
//! mutation in every tenth module (a removed field, a new required field, a new variant, a
//! narrowed refinement, a moved route, a removed transition), so the diff has real work.

use criterion::{Criterion, criterion_group, criterion_main};
use lp_diagnostics::FileId;
use std::fmt::Write as _;
use std::hint::black_box;

/// One module of about 40 lines; `mutated` applies this module's mutation.
fn module(out: &mut String, i: usize, mutated: bool) {
    let m = mutated && i.is_multiple_of(10);
    let bound = if m { 500 } else { 1000 };
    let _ = writeln!(out, "/// Amounts of module {i}.\ntype Amount{i} = Int where 0 <= self && self <= {bound}");
    let _ = writeln!(out, "type Code{i} = String where len(self) >= 2");
    let _ = writeln!(out, "type Item{i} = {{");
    let _ = writeln!(out, "  code: Code{i},");
    let _ = writeln!(out, "  amount: Amount{i},");
    if !m {
        let _ = writeln!(out, "  note: Option<String>,");
    }
    if m {
        let _ = writeln!(out, "  weight: Int,");
    }
    let _ = writeln!(out, "  count: Int where self >= 0,\n}}");
    let extra = if m { " | Paused" } else { "" };
    let _ = writeln!(out, "type Status{i} = Active | Closed {{ reason: String }}{extra}");
    let _ = writeln!(out, "error Missing{i} = 404 {{ code: Code{i} }}");
    let _ = writeln!(out, "fn price{i}(item: Item{i}) -> Int = item.amount + item.count");
    let _ = writeln!(out, "machine Flow{i} {{\n  var tries: Int = 0\n  invariant 0 <= tries && tries <= 3");
    let _ = writeln!(out, "  initial Open\n  final Done\n  Open -> Busy on start\n  Busy -> Done on finish");
    if !m {
        let _ = writeln!(out, "  Busy -> Open on retry when tries < 3 do tries = tries + 1");
    }
    let _ = writeln!(out, "}}");
    let path = if m { "things" } else { "items" };
    let _ = writeln!(out, "service svc{i} {{");
    if i > 0 {
        let _ = writeln!(out, "  depends on svc{}", i - 1);
    }
    let _ = writeln!(out, "  op get{i}(code: Code{i}) -> Item{i} ! Missing{i} GET /{path}{i}/{{code}}");
    let _ = writeln!(out, "  op put{i}(body item: Item{i}) -> Item{i} PUT /items{i}/{{item.code}}");
    let _ = writeln!(out, "  op start{i}(code: Code{i}) -> Flow{i} POST /items{i}/{{code}}/start fires Flow{i}.start");
    let _ = writeln!(out, "}}\n");
}

fn spec(lines: usize, version: &str, mutated: bool) -> String {
    let mut out = format!("spec bench version {version}\n\n");
    let mut i = 0;
    while out.lines().count() < lines {
        module(&mut out, i, mutated);
        i += 1;
    }
    out
}

fn lower(file: FileId, text: &str) -> (lp_syntax::ast::SourceFileAst, lp_ir::Spec) {
    let parsed = lp_syntax::parse(file, text);
    assert!(!parsed.diagnostics.iter().any(|d| d.is_error()), "{:?}", parsed.diagnostics.first());
    let lowered = lp_ir::lower(&[(file, &parsed.value)]);
    assert!(!lowered.diagnostics.iter().any(|d| d.is_error()), "{:?}", lowered.diagnostics.first());
    (parsed.value, lowered.value)
}

fn bench(c: &mut Criterion) {
    let old_text = spec(10_000, "1.0.0", false);
    let new_text = spec(10_000, "2.0.0", true);
    let (old_ast, old) = lower(FileId(1), &old_text);
    let (new_ast, new) = lower(FileId(0), &new_text);
    let d = lp_compat::diff(&old, &new);
    println!(
        "old: {} lines, new: {} lines; {} changes, {} refinement questions",
        old_text.lines().count(),
        new_text.lines().count(),
        d.changes.len(),
        d.questions.len()
    );
    assert!(d.changes.len() > 100 && !d.questions.is_empty(), "the mutation must give the diff work");
    c.bench_function("diff 10k-line specs (structural)", |b| b.iter(|| black_box(lp_compat::diff(&old, &new))));
    let (old_files, new_files) = ([(FileId(1), &old_ast)], [(FileId(0), &new_ast)]);
    c.bench_function("plan 10k-line specs (diff + z3 goals)", |b| {
        b.iter(|| {
            black_box(lp_compat::plan(
                lp_compat::Version { spec: &old, files: &old_files },
                lp_compat::Version { spec: &new, files: &new_files },
            ))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
