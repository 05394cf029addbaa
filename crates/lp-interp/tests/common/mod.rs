//! Helpers shared by the interpreter's tests: lowering spec text, finding items by name, and
//! building values.

#![allow(dead_code)]

use lp_diagnostics::FileId;
use lp_interp::{Env, Outcome, Store, Value, run_op};
use lp_ir::{EntityId, ErrorId, OpRef, Spec};
use std::path::PathBuf;

/// Lowers one spec file, which must have no errors (warnings are allowed).
pub fn lower(src: &str) -> Spec {
    let file = FileId(0);
    let parsed = lp_syntax::parse(file, src);
    assert!(!parsed.diagnostics.iter().any(|d| d.is_error()), "parse errors: {:?}", parsed.diagnostics);
    let lowered = lp_ir::lower(&[(file, &parsed.value)]);
    let errors: Vec<_> = lowered.diagnostics.iter().filter(|d| d.is_error()).map(|d| &d.message).collect();
    assert!(errors.is_empty(), "lowering errors: {errors:?}");
    lowered.value
}

/// Lowers a file of the repository's test corpus.
pub fn corpus(path: &str) -> Spec {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus").join(path);
    lower(&std::fs::read_to_string(&full).expect("read a corpus file"))
}

/// The operation `service.op`.
pub fn op(spec: &Spec, service: &str, op: &str) -> OpRef {
    lp_interp::op_ref(spec, service, op).unwrap_or_else(|| panic!("no operation {service}.{op}"))
}

pub fn entity(spec: &Spec, name: &str) -> EntityId {
    EntityId(spec.entities.iter().position(|e| e.name == name).expect("an entity") as u32)
}

pub fn error(spec: &Spec, name: &str) -> ErrorId {
    ErrorId(spec.errors.iter().position(|e| e.name == name).expect("an error") as u32)
}

pub fn s(text: &str) -> Value {
    Value::Str(text.to_string())
}

pub fn int(n: i64) -> Value {
    Value::Int(n)
}

/// A record value with these fields, in this order (the record type's declaration order).
pub fn rec(fields: &[(&str, Value)]) -> Value {
    Value::Record(fields.iter().map(|(n, v)| (n.to_string(), v.clone())).collect())
}

/// Runs `service.op` with a fresh environment.
pub fn call(spec: &Spec, store: &mut Store, service: &str, name: &str, args: Vec<Value>) -> Outcome {
    run_op(spec, op(spec, service, name), args, store, &mut Env::new())
}

/// Asserts that the outcome is `Raised` with this error and payload.
#[track_caller]
pub fn assert_raised(spec: &Spec, out: &Outcome, name: &str, payload: Value) {
    assert_eq!(out, &Outcome::Raised { error: error(spec, name), payload }, "expected {name}");
}

/// The name of the lifecycle state of `entity[key]`.
pub fn state_of(spec: &Spec, store: &Store, entity_name: &str, key: &[Value]) -> String {
    let e = entity(spec, entity_name);
    let life = store.get(e, key).expect("stored").lifecycle.as_ref().expect("a lifecycle");
    let m = spec.entities[e.index()].lifecycle.expect("a machine");
    spec.machines[m.index()].states[life.state.index()].name.clone()
}
