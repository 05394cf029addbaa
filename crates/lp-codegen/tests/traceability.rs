//! Traceability of every generator (issue #14): for a range of minimal spec shapes — no
//! services, no types, no errors, no functions, no machines, no deploy blocks — every file any
//! target generates names at least one spec item, and every item it names is one of the
//! spec's (or `spec`, the spec as a whole), so `verify`'s traceability check accepts a fresh
//! build of any spec.

use lp_codegen::generated::{Generated, ItemKind, WHOLE_SPEC, item_id, spec_items};
use lp_diagnostics::FileId;

/// Minimal spec shapes, each missing most kinds of item.
const SHAPES: &[(&str, &str)] = &[
    ("one type", "spec s version 1.0.0\ntype Note = { text: String }\n"),
    ("one error", "spec s version 1.0.0\nerror Gone = 404 { id: String }\n"),
    ("one function", "spec s version 1.0.0\nfn twice(n: Int) -> Int = n * 2\n"),
    ("one op, nothing else", "spec s version 1.0.0\nservice api {\n  op ping() -> Unit GET /ping\n}\n"),
    (
        "a service with a type and an error, no machine",
        "spec s version 1.0.0\ntype Note = { text: String }\nerror Gone = 404 { id: String }\n\
         service notes {\n  op get(id: String) -> Note ! Gone GET /notes/{id}\n}\n",
    ),
    (
        "a machine only",
        "spec s version 1.0.0\nmachine Door {\n  initial Open\n  Open -> Closed on close\n  Closed -> Open on open\n}\n",
    ),
    (
        "a deployed service and auth",
        "spec s version 1.0.0\nservice api {\n  op ping() -> Unit GET /ping\n}\n\
         standards { auth = bearer(scopes = [\"s\"]) }\ndeploy api { replicas = 2 }\n",
    ),
];

fn lower(src: &str) -> lp_ir::Spec {
    let parsed = lp_syntax::parse(FileId(0), src);
    assert!(parsed.diagnostics.is_empty(), "{src}\n{:?}", parsed.diagnostics);
    let lowered = lp_ir::lower(&[(FileId(0), &parsed.value)]);
    assert!(!lowered.diagnostics.iter().any(|d| d.is_error()), "{src}\n{:?}", lowered.diagnostics);
    lowered.value
}

/// Every target's files for a spec.
fn all_targets(spec: &lp_ir::Spec) -> Vec<(&'static str, Generated)> {
    vec![
        ("maps", lp_codegen::maps::generate(spec)),
        ("fastapi", lp_codegen::fastapi::generate(spec)),
        ("remix", lp_codegen::remix::generate(spec)),
        ("infra", lp_codegen::infra::generate_with(spec, &lp_codegen::infra::Options { frontend: true })),
        (
            "infra without frontend",
            lp_codegen::infra::generate_with(spec, &lp_codegen::infra::Options { frontend: false }),
        ),
    ]
}

#[test]
fn every_generated_file_names_a_spec_item_for_every_shape() {
    let mut problems = Vec::new();
    let mut files_seen = 0;
    for (shape, src) in SHAPES {
        let spec = lower(src);
        // The spec's items, and `standards` when it has some (the infra files of an `auth`
        // spec and the standards contract name it; the certificate lists every named item).
        let mut items = spec_items(&spec);
        if !spec.standards.blocks.is_empty() {
            items.push(item_id(ItemKind::Standards, ""));
        }
        for (target, files) in all_targets(&spec) {
            for (path, file) in &files {
                files_seen += 1;
                if file.sources.is_empty() {
                    problems.push(format!("{shape}: {target}: `{path}` names no spec item"));
                }
                for s in &file.sources {
                    if s != WHOLE_SPEC && !items.contains(s) {
                        problems.push(format!("{shape}: {target}: `{path}` names `{s}`, not an item of the spec"));
                    }
                }
            }
        }
    }
    assert!(files_seen > 100, "the shapes generated only {files_seen} files");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A spec without a state machine gets no machine module or machine tests in its app: they
/// would say nothing and come from no item.
#[test]
fn an_app_without_machines_has_no_machine_files() {
    let spec = lower(SHAPES[4].1);
    let files = lp_codegen::remix::generate(&spec);
    let machine_files: Vec<&String> = files.keys().filter(|p| p.contains("machines")).collect();
    assert!(machine_files.is_empty(), "{machine_files:?}");
    let with = lp_codegen::remix::generate(&lower(SHAPES[5].1));
    assert!(with.keys().any(|p| p.ends_with("app/machines.ts")));
    assert!(with.keys().any(|p| p.ends_with("tests/machines.test.ts")));
}
