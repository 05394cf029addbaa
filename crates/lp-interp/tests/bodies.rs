//! Statements and terms one by one: `fire` with guards, actions and `ignore`, `create` on a
//! taken key, rollback of writes, calls of other services' operations, external functions
//! and `fresh` integer keys.

mod common;

use common::*;
use lp_interp::{Env, FaultKind, Outcome, Store, Value, run_op};
use lp_ir::Spec;

const JOBS: &str = r#"
type Hits = Int where self <= 3
type Id = Int where self > 2

machine Counter {
  var hits: Hits = 0
  var last: Int = 0
  initial Open
  final Closed
  Open -> Open on hit when hits < 2 do hits = hits + 1, last = hits
  Open -> Closed on hit when hits >= 2 do hits = hits + 1
  Open -> Closed on close
  ignore close in Closed
  Closed -> Closed on hit do hits = hits + 1
}

entity Run key id lifecycle Counter = { id: String, size: Int where self >= 0 }
entity Pair key id = { id: Id, other: Id }

error Missing = 404 { id: String }
error Taken = 409
error Closed = 409 { id: String }

service jobs {
  op open(id: String) -> Run POST /runs/{id} = {
    create Run { id, size: 1 }
  }
  op open_or_taken(id: String) -> Run ! Taken PUT /runs/{id} = {
    create Run { id, size: 1 } else Taken
  }
  op hit(id: String) -> Unit ! Missing POST /runs/{id}/hit = {
    let run = Run[id] else Missing { id }
    fire run.hit
  }
  op close(id: String) -> Unit ! Missing POST /runs/{id}/close = {
    let run = Run[id] else Missing { id }
    fire run.close
  }
  op hit_open(id: String) -> Unit ! Closed POST /runs/{id}/hit-open = {
    fire Run { id, size: 0 }.hit else Closed { id }
  }
  op hit_unchecked(id: String) -> Unit POST /runs/{id}/hit-unchecked = {
    fire Run { id, size: 0 }.hit
  }
  op shrink(id: String) -> Unit ! Missing POST /runs/{id}/shrink = {
    let run = Run[id] else Missing { id }
    put run with { size: run.size - 1 }
  }
  op grow_then_fail(id: String) -> Unit ! Missing | Taken POST /runs/{id}/grow = {
    let run = Run[id] else Missing { id }
    put run with { size: run.size + 10 }
    create Run { id: "other", size: 0 }
    fail Taken
  }
  op pair() -> Pair POST /pairs = {
    create Pair { id: fresh, other: fresh }
  }
}
"#;

fn jobs() -> Spec {
    lower(JOBS)
}

fn vars(spec: &Spec, store: &Store, id: &str) -> Vec<Value> {
    let e = entity(spec, "Run");
    store.get(e, &[s(id)]).and_then(|i| i.lifecycle.as_ref()).expect("a lifecycle").vars.clone()
}

#[test]
fn create_starts_at_the_initial_state_with_initial_variables() {
    let spec = jobs();
    let mut store = Store::new();
    let out = call(&spec, &mut store, "jobs", "open", vec![s("a")]);
    assert_eq!(out, Outcome::Ok(rec(&[("id", s("a")), ("size", int(1))])));
    assert_eq!(state_of(&spec, &store, "Run", &[s("a")]), "Open");
    assert_eq!(vars(&spec, &store, "a"), vec![int(0), int(0)]);
}

#[test]
fn create_on_a_taken_key_faults_or_raises() {
    let spec = jobs();
    let mut store = Store::new();
    call(&spec, &mut store, "jobs", "open", vec![s("a")]);
    let before = store.clone();
    let out = call(&spec, &mut store, "jobs", "open", vec![s("a")]);
    assert_eq!(out.fault_kind(), Some(FaultKind::KeyTaken), "{out:?}");
    assert_eq!(store, before);
    let out = call(&spec, &mut store, "jobs", "open_or_taken", vec![s("a")]);
    assert_raised(&spec, &out, "Taken", rec(&[]));
    assert_eq!(store, before);
}

#[test]
fn guards_pick_the_first_enabled_transition_and_actions_see_old_values() {
    let spec = jobs();
    let mut store = Store::new();
    call(&spec, &mut store, "jobs", "open", vec![s("a")]);
    assert_eq!(call(&spec, &mut store, "jobs", "hit", vec![s("a")]), Outcome::Ok(Value::Unit));
    // `last = hits` saw the value from before `hits = hits + 1`.
    assert_eq!(vars(&spec, &store, "a"), vec![int(1), int(0)]);
    call(&spec, &mut store, "jobs", "hit", vec![s("a")]);
    assert_eq!(vars(&spec, &store, "a"), vec![int(2), int(1)]);
    assert_eq!(state_of(&spec, &store, "Run", &[s("a")]), "Open");
    // Now `hits < 2` is false: the second transition on `hit` is taken.
    call(&spec, &mut store, "jobs", "hit", vec![s("a")]);
    assert_eq!(vars(&spec, &store, "a"), vec![int(3), int(1)]);
    assert_eq!(state_of(&spec, &store, "Run", &[s("a")]), "Closed");
}

#[test]
fn a_machine_variable_leaving_its_type_is_a_fault() {
    let spec = jobs();
    let mut store = Store::new();
    call(&spec, &mut store, "jobs", "open", vec![s("a")]);
    for _ in 0..3 {
        call(&spec, &mut store, "jobs", "hit", vec![s("a")]);
    }
    let before = store.clone();
    // In `Closed`, `hit` makes `hits` 4, outside `Hits`.
    let out = call(&spec, &mut store, "jobs", "hit", vec![s("a")]);
    assert_eq!(out.fault_kind(), Some(FaultKind::RefinementViolated), "{out:?}");
    assert_eq!(store, before);
}

#[test]
fn ignored_events_change_nothing() {
    let spec = jobs();
    let mut store = Store::new();
    call(&spec, &mut store, "jobs", "open", vec![s("a")]);
    assert_eq!(call(&spec, &mut store, "jobs", "close", vec![s("a")]), Outcome::Ok(Value::Unit));
    assert_eq!(state_of(&spec, &store, "Run", &[s("a")]), "Closed");
    // `close` is ignored in `Closed`.
    let before = store.clone();
    assert_eq!(call(&spec, &mut store, "jobs", "close", vec![s("a")]), Outcome::Ok(Value::Unit));
    assert_eq!(store, before);
}

#[test]
fn fire_without_else_on_a_disabled_event_is_a_fault() {
    // A machine where `hit` has no transition from `Done` and is not ignored there.
    let src = JOBS.replace("  Closed -> Closed on hit do hits = hits + 1\n", "");
    let spec = lower(&src);
    let mut store = Store::new();
    call(&spec, &mut store, "jobs", "open", vec![s("a")]);
    call(&spec, &mut store, "jobs", "close", vec![s("a")]);
    let before = store.clone();
    let out = call(&spec, &mut store, "jobs", "hit", vec![s("a")]);
    assert_eq!(out.fault_kind(), Some(FaultKind::EventNotEnabled), "{out:?}");
    let Outcome::Fault { message, .. } = &out else { unreachable!() };
    assert!(message.contains("`hit` is not enabled in state `Closed`"), "{message}");
    assert_eq!(store, before);
}

#[test]
fn fire_on_an_instance_that_is_not_stored() {
    let spec = jobs();
    let mut store = Store::new();
    let out = call(&spec, &mut store, "jobs", "hit_unchecked", vec![s("ghost")]);
    assert_eq!(out.fault_kind(), Some(FaultKind::NotStored), "{out:?}");
    // With `else`, the error is answered instead.
    let out = call(&spec, &mut store, "jobs", "hit_open", vec![s("ghost")]);
    assert_raised(&spec, &out, "Closed", rec(&[("id", s("ghost"))]));
    assert!(store.is_empty());
}

#[test]
fn writes_before_a_raise_are_rolled_back() {
    let spec = jobs();
    let mut store = Store::new();
    call(&spec, &mut store, "jobs", "open", vec![s("a")]);
    let before = store.clone();
    let out = call(&spec, &mut store, "jobs", "grow_then_fail", vec![s("a")]);
    assert_raised(&spec, &out, "Taken", rec(&[]));
    assert_eq!(store, before, "the put and the create are undone");
}

#[test]
fn writes_before_a_fault_are_rolled_back() {
    let spec = jobs();
    let mut store = Store::new();
    call(&spec, &mut store, "jobs", "open", vec![s("a")]);
    assert_eq!(call(&spec, &mut store, "jobs", "shrink", vec![s("a")]), Outcome::Ok(Value::Unit));
    let run = store.get(entity(&spec, "Run"), &[s("a")]).expect("stored");
    assert_eq!(run.value, rec(&[("id", s("a")), ("size", int(0))]));
    assert_eq!(state_of(&spec, &store, "Run", &[s("a")]), "Open", "a put keeps the lifecycle state");
    let before = store.clone();
    let out = call(&spec, &mut store, "jobs", "shrink", vec![s("a")]);
    assert_eq!(out.fault_kind(), Some(FaultKind::RefinementViolated), "{out:?}");
    assert_eq!(store, before);
}

#[test]
fn fresh_integer_keys_satisfy_the_refinement_and_differ_within_a_run() {
    let spec = jobs();
    let mut store = Store::new();
    // `Id` needs `self > 2`: the candidates 1 and 2 are skipped; the second `fresh` of the
    // same run does not repeat the first even though neither is stored yet.
    let out = call(&spec, &mut store, "jobs", "pair", vec![]);
    assert_eq!(out, Outcome::Ok(rec(&[("id", int(3)), ("other", int(4))])));
    // 3 is a stored key now; 4 is not (`other` is not a key field).
    let out = call(&spec, &mut store, "jobs", "pair", vec![]);
    assert_eq!(out, Outcome::Ok(rec(&[("id", int(4)), ("other", int(5))])));
}

const SERVICES: &str = r#"
entity Account key id = { id: String, balance: Int where self >= 0 }

error NoAccount = 404 { id: String }
error Short = 422 { id: String }
error Unavailable = 503

fn fee(amount: Int) -> Int requires amount >= 0 ensures result >= 0 && result <= amount

service ledger {
  op withdraw(id: String, amount: Int) -> Account ! NoAccount | Short POST /accounts/{id}/withdraw = {
    let a = Account[id] else NoAccount { id }
    require a.balance >= amount + fee(amount) else Short { id }
    let b = a with { balance: a.balance - amount - fee(amount) }
    put b
    b
  }
  op audit(id: String) -> Unit POST /accounts/{id}/audit
}

service shop {
  depends on ledger
  op pay(id: String, amount: Int) -> Account ! NoAccount | Short POST /pay/{id} = {
    create Account { id: "log", balance: amount }
    ledger.withdraw(id, amount)
  }
  op pay_or_unavailable(id: String, amount: Int) -> Account ! Unavailable POST /pay2/{id} = {
    ledger.withdraw(id, amount) else Unavailable
  }
  op audit(id: String) -> Unit POST /audit/{id} = {
    ledger.audit(id)
  }
}
"#;

fn ledger_store(spec: &Spec) -> Store {
    let mut store = Store::new();
    store.put(spec, entity(spec, "Account"), rec(&[("id", s("a")), ("balance", int(10))])).expect("put");
    store
}

/// An environment where `fee` takes one unit, or `fee` answers `answer` when given.
fn env_with_fee(answer: Option<i64>) -> Env {
    let mut env = Env::new();
    env.register("fee", move |args: &[Value]| match (answer, args) {
        (Some(n), _) => Ok(int(n)),
        (None, [Value::Int(a)]) => Ok(int(i64::from(*a > 0))),
        _ => Err("bad arguments".into()),
    });
    env
}

#[test]
fn calls_of_other_operations_share_the_transaction() {
    let spec = lower(SERVICES);
    let mut store = ledger_store(&spec);
    let mut env = env_with_fee(None);
    let out = run_op(&spec, op(&spec, "shop", "pay"), vec![s("a"), int(4)], &mut store, &mut env);
    assert_eq!(out, Outcome::Ok(rec(&[("id", s("a")), ("balance", int(5))])));
    assert_eq!(store.count(entity(&spec, "Account")), 2, "the caller's create is kept");
    // The callee's error propagates, and the caller's create is undone with it.
    let mut store = ledger_store(&spec);
    let before = store.clone();
    let out = run_op(&spec, op(&spec, "shop", "pay"), vec![s("a"), int(10)], &mut store, &mut env);
    assert_raised(&spec, &out, "Short", rec(&[("id", s("a"))]));
    assert_eq!(store, before);
    // With `else`, every error of the callee is replaced.
    let out = run_op(&spec, op(&spec, "shop", "pay_or_unavailable"), vec![s("b"), int(1)], &mut store, &mut env);
    assert_raised(&spec, &out, "Unavailable", rec(&[]));
}

#[test]
fn a_call_of_an_operation_without_body_is_a_fault() {
    let spec = lower(SERVICES);
    let mut store = ledger_store(&spec);
    let out = call(&spec, &mut store, "shop", "audit", vec![s("a")]);
    assert_eq!(out.fault_kind(), Some(FaultKind::MissingBody), "{out:?}");
    let out = call(&spec, &mut store, "ledger", "audit", vec![s("a")]);
    assert_eq!(out.fault_kind(), Some(FaultKind::MissingBody), "{out:?}");
}

#[test]
fn external_functions_come_from_the_environment_and_their_contracts_are_monitored() {
    let spec = lower(SERVICES);
    let withdraw = op(&spec, "ledger", "withdraw");
    let mut store = ledger_store(&spec);
    let before = store.clone();
    // Not registered.
    let out = run_op(&spec, withdraw, vec![s("a"), int(1)], &mut store, &mut Env::new());
    assert_eq!(out.fault_kind(), Some(FaultKind::ExternalFn), "{out:?}");
    // Registered, answering outside its `ensures`.
    let out = run_op(&spec, withdraw, vec![s("a"), int(1)], &mut store, &mut env_with_fee(Some(5)));
    assert_eq!(out.fault_kind(), Some(FaultKind::ContractViolated), "{out:?}");
    // Called outside its `requires`.
    let out = run_op(&spec, withdraw, vec![s("a"), int(-1)], &mut store, &mut env_with_fee(None));
    assert_eq!(out.fault_kind(), Some(FaultKind::ContractViolated), "{out:?}");
    // Failing.
    let mut failing = Env::new();
    failing.register("fee", |_: &[Value]| Err("the fee service is down".to_string()));
    let out = run_op(&spec, withdraw, vec![s("a"), int(1)], &mut store, &mut failing);
    assert_eq!(out.fault_kind(), Some(FaultKind::ExternalFn), "{out:?}");
    assert_eq!(store, before);
    // Well behaved.
    let out = run_op(&spec, withdraw, vec![s("a"), int(3)], &mut store, &mut env_with_fee(None));
    assert_eq!(out, Outcome::Ok(rec(&[("id", s("a")), ("balance", int(6))])));
}

const CHECKS: &str = r#"
entity N key id = { id: String, d: Int }

error Missing = 404 { id: String }

service checks {
  op forget(id: String) -> Unit DELETE /n/{id} ensures !exists N[id] = {}
  op ratio(id: String) -> Int ! Missing GET /n/{id}/ratio = {
    let n = N[id] else Missing { id }
    100 / n.d
  }
}
"#;

#[test]
fn a_broken_ensures_is_a_fault() {
    let spec = lower(CHECKS);
    let mut store = Store::new();
    assert_eq!(call(&spec, &mut store, "checks", "forget", vec![s("a")]), Outcome::Ok(Value::Unit));
    store.put(&spec, entity(&spec, "N"), rec(&[("id", s("a")), ("d", int(0))])).expect("put");
    let out = call(&spec, &mut store, "checks", "forget", vec![s("a")]);
    assert_eq!(out.fault_kind(), Some(FaultKind::ContractViolated), "{out:?}");
}

#[test]
fn an_expression_without_value_is_an_undefined_fault() {
    let spec = lower(CHECKS);
    let mut store = Store::new();
    let n = entity(&spec, "N");
    store.put(&spec, n, rec(&[("id", s("a")), ("d", int(0))])).expect("put");
    store.put(&spec, n, rec(&[("id", s("b")), ("d", int(-3))])).expect("put");
    let out = call(&spec, &mut store, "checks", "ratio", vec![s("a")]);
    assert_eq!(out.fault_kind(), Some(FaultKind::Undefined), "{out:?}");
    // Division is Euclidean, as in the checker.
    assert_eq!(call(&spec, &mut store, "checks", "ratio", vec![s("b")]), Outcome::Ok(int(-33)));
}
