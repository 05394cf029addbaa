//! Evaluation in a scope: parameters, machine variables, `result`, locals, and a host that
//! answers the store expressions and external functions.

mod common;

use common::*;
use lp_ir::{EntityId, FnId, Ty};
use lp_props::Value;
use lp_props::eval::{Env, EvalError, Host, Scope};

/// A store with the integers 1 to 3 as instances of one entity, and an external function
/// that doubles its argument.
struct Numbers;

impl Host for Numbers {
    fn exists(&self, _: EntityId, key: &[Value]) -> Result<bool, EvalError> {
        Ok(matches!(key, [Value::Int(1..=3)]))
    }
    fn instances(&self, _: EntityId) -> Result<Vec<Value>, EvalError> {
        Ok((1..=3).map(|n| Value::Record(vec![("n".into(), Value::Int(n))])).collect())
    }
    fn fresh(&self, _: &Ty) -> Result<Value, EvalError> {
        Ok(Value::Int(4))
    }
    fn call_external(&self, _: FnId, args: &[Value]) -> Result<Value, EvalError> {
        match args {
            [Value::Int(n)] => Ok(Value::Int(n * 2)),
            _ => Err(EvalError::Runtime("bad arguments".into())),
        }
    }
}

const SRC: &str = "
entity N key n = { n: Int }
fn double(x: Int) -> Int
invariant store: exists N[2] && !exists N[4] && count(x: N where x.n >= 2) == 2
  && forall x: N. x.n > 0 && exists x: N. x.n == 3 && !(forall x: N. x.n < 3) && double(4) == 8
machine M {
  var v: Int = 0
  initial A
  A -> A on e when v + 1 == 2
}
";

#[test]
fn store_expressions_and_external_functions_go_through_the_host() {
    let spec = lower(SRC);
    let env = Env::new(spec.clone());
    let inv = &spec.invariants[0].expr;
    let mut scope = Scope { host: Some(&Numbers), ..Scope::default() };
    assert_eq!(env.evaluator().eval_scoped(inv, &mut scope), Ok(Value::Bool(true)));
    assert!(scope.locals.iter().all(Option::is_none), "quantifiers restore their locals");
    // Without a host, store expressions and external functions stay unsupported.
    let mut bare = Scope::default();
    assert!(matches!(env.evaluator().eval_scoped(inv, &mut bare), Err(EvalError::Unsupported(_))));
}

#[test]
fn machine_variables_are_read_from_the_scope() {
    let spec = lower(SRC);
    let env = Env::new(spec.clone());
    let guard = spec.machines[0].transitions[0].guard.as_ref().expect("a guard");
    let vars = [Value::Int(1)];
    let mut scope = Scope { vars: &vars, ..Scope::default() };
    assert_eq!(env.evaluator().holds_scoped(guard, &mut scope), Ok(true));
    // Refinements still have no machine variables.
    assert!(matches!(env.eval(guard, &Value::Unit), Err(EvalError::Unsupported(_))));
}
