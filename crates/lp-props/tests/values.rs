//! Values, the evaluator and the strategies: every generated value satisfies the refinements
//! of its type, the evaluator follows the spec's semantics, and values render in spec syntax.

mod common;

use common::*;
use lp_ir::{Spec, Ty, TypeBody, TypeId};
use lp_props::Value;
use lp_props::eval::{Env, EvalError};
use lp_props::strategy::Gen;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::rc::Rc;

/// The refinement of the type called `name`.
fn refinement<'s>(spec: &'s Spec, name: &str) -> &'s lp_ir::Expr {
    spec.types.iter().find(|d| d.name == name).and_then(|d| d.refinement.as_ref()).expect("a refined type")
}

fn holds(src: &str, name: &str, v: Value) -> Result<bool, EvalError> {
    let spec = lower(src);
    let env = Env::new(spec.clone());
    env.holds(refinement(&spec, name), &v)
}

#[test]
fn arithmetic_is_euclidean_and_checked() {
    let src = "type E = Int where self / 2 == -4 && self % 2 == 1 && -self == 7\n";
    assert_eq!(holds(src, "E", Value::Int(-7)), Ok(true));
    assert_eq!(holds(src, "E", Value::Int(-6)), Ok(false));
    let zero = "type Z = Int where 10 / self > 0\n";
    assert!(matches!(holds(zero, "Z", Value::Int(0)), Err(EvalError::Runtime(_))));
    let big = "type B = Int where self * self > 0\n";
    assert!(matches!(holds(big, "B", Value::Int(i64::MAX)), Err(EvalError::Runtime(_))));
}

#[test]
fn strings_lengths_and_patterns() {
    let src = "type S = String where len(self) == 2 && matches(self, \"^[a-zé]+$\")\n";
    assert_eq!(holds(src, "S", Value::Str("éa".into())), Ok(true), "length counts characters");
    assert_eq!(holds(src, "S", Value::Str("aB".into())), Ok(false));
    let bad = "type R = String where matches(self, \"(\")\n";
    assert!(matches!(holds(bad, "R", Value::Str("x".into())), Err(EvalError::Unsupported(_))));
}

#[test]
fn matches_calls_and_constructors() {
    let src = r#"
fn double(x: Int) -> Int = x * 2
type M = Option<Int> where match self { Some(n) => double(n) == 10, None => false }
type Shape = Circle { r: Int } | Dot
type Round = Shape where match self { Circle { r: r } => r > 0, Dot => true } && self != Dot
"#;
    let some = |n| Value::Option(Some(Box::new(Value::Int(n))));
    assert_eq!(holds(src, "M", some(5)), Ok(true));
    assert_eq!(holds(src, "M", some(4)), Ok(false));
    assert_eq!(holds(src, "M", Value::Option(None)), Ok(false));
    let circle = |r| Value::Variant { name: "Circle".into(), index: 0, fields: vec![("r".into(), Value::Int(r))] };
    let dot = Value::Variant { name: "Dot".into(), index: 1, fields: Vec::new() };
    assert_eq!(holds(src, "Round", circle(2)), Ok(true));
    assert_eq!(holds(src, "Round", circle(0)), Ok(false));
    assert_eq!(holds(src, "Round", dot), Ok(false), "`Dot` as an expression equals the value `Dot`");
}

#[test]
fn values_render_in_spec_syntax() {
    let v = Value::Record(vec![
        ("name".into(), Value::Str("a\"b".into())),
        ("tags".into(), Value::Set(BTreeSet::from([Value::Int(2), Value::Int(1)]))),
        ("index".into(), Value::Map(BTreeMap::from([(Value::Int(1), Value::Bool(true))]))),
        ("next".into(), Value::Option(None)),
        (
            "shape".into(),
            Value::Variant { name: "Circle".into(), index: 0, fields: vec![("r".into(), Value::Int(-3))] },
        ),
        ("items".into(), Value::List(vec![Value::Result(Ok(Box::new(Value::Unit)))])),
        (
            "f".into(),
            Value::Fn { table: BTreeMap::from([(Value::Int(1), Value::Int(2))]), default: Box::new(Value::Int(0)) },
        ),
        ("empty".into(), Value::Record(Vec::new())),
    ]);
    assert_eq!(
        v.to_string(),
        r#"{ name: "a\"b", tags: Set[1, 2], index: Map[1 => true], next: None, shape: Circle { r: -3 }, items: [Ok(Unit)], f: fn { 1 => 2, _ => 0 }, empty: {} }"#
    );
}

/// Draws `n` values of `ty` with a fixed seed.
fn sample(env: &Rc<Env>, ty: &Ty, n: usize) -> Vec<Value> {
    let strategy = match Gen::new(Rc::clone(env)).strategy(ty) {
        Ok(Some(s)) => s,
        other => panic!("no strategy for {ty:?}: {:?}", other.err()),
    };
    let mut runner = TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]));
    (0..n).map(|_| strategy.new_tree(&mut runner).expect("a value").current()).collect()
}

#[test]
fn generated_values_satisfy_every_refinement_of_the_examples() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec-examples");
    let mut checked = 0;
    for dir in ["catalog-sync", "order-fulfilment", "subscription-billing/v1", "subscription-billing/v2"] {
        let spec = lower_project(&root.join(dir));
        let env = Rc::new(Env::new(spec.clone()));
        for (i, def) in spec.types.iter().enumerate() {
            let args = (0..def.params.len() as u32).map(Ty::Param).collect();
            let ty = Ty::Named { id: TypeId(i as u32), args };
            for v in sample(&env, &ty, 32) {
                assert_eq!(env.validate(&ty, &v, "x"), Ok(None), "{dir}: {} value {v}", def.name);
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "{checked}");
}

#[test]
fn constructive_hints_reach_narrow_refinements() {
    let src = r#"
type Code = String where len(self) == 2 && matches(self, "^[A-Z]{2}$")
type OrderId = String where matches(self, "^ord_[a-z0-9]{12}$")
type Tiny = Int where 1000 <= self && self <= 1002
type Window = { min: Int, max: Int } where self.min <= self.max && self.min >= 500
type Triple = { xs: List<Int> } where len(self.xs) == 3
type Tree = Leaf | Node { left: Tree, right: Tree, label: Code }
"#;
    let spec = lower(src);
    let env = Rc::new(Env::new(spec.clone()));
    for (i, def) in spec.types.iter().enumerate() {
        let ty = Ty::Named { id: TypeId(i as u32), args: Vec::new() };
        let values = sample(&env, &ty, 64);
        for v in &values {
            assert_eq!(env.validate(&ty, v, "x"), Ok(None), "{} value {v}", def.name);
        }
        if matches!(def.body, TypeBody::Sum(_)) {
            assert!(values.iter().any(|v| v.to_string().starts_with("Node")), "recursion is unrolled");
        }
    }
}

/// Decimal arithmetic is exact, equal decimals are equal whatever their scale, and a result
/// with no exact 96-bit decimal is unsupported (never rounded).
#[test]
fn decimal_arithmetic_is_exact() {
    let d = |s: &str| Value::Decimal(lp_ir::decimal::Decimal::from_str_exact(s).expect("a decimal"));
    let src = "type E = Decimal where self + 0.2 == 0.3 && self * 3.0 == 0.30 && -self < 0.0\n";
    assert_eq!(holds(src, "E", d("0.1")), Ok(true));
    assert_eq!(holds(src, "E", d("0.10")), Ok(true));
    assert_eq!(holds(src, "E", d("0.11")), Ok(false));
    let conv = "type C = Decimal where self == decimal(3) * 0.5\n";
    assert_eq!(holds(conv, "C", d("1.5")), Ok(true));
    let tiny = "type T = Decimal where self * self > 0.0\n";
    assert!(matches!(holds(tiny, "T", d("0.000000000000001")), Err(EvalError::Unsupported(_))));
    assert_eq!(d("-12.50").to_string(), "-12.50");
}

/// Generated decimals satisfy their refinements, bounds included, and are not all integral.
#[test]
fn generated_decimals_respect_refinements() {
    let src = r#"
type Temperature = Decimal where 0.0 <= self && self <= 2.0
type Narrow = Decimal where self > 0.125 && self < 0.127
type Reading = { value: Decimal where self >= -1.5, scale: Temperature } where self.value <= 1.5
"#;
    let spec = lower(src);
    let env = Rc::new(Env::new(spec.clone()));
    for (i, def) in spec.types.iter().enumerate() {
        let ty = Ty::Named { id: TypeId(i as u32), args: Vec::new() };
        let values = sample(&env, &ty, 64);
        for v in &values {
            assert_eq!(env.validate(&ty, v, "x"), Ok(None), "{} value {v}", def.name);
        }
        let fractional = values.iter().filter(|v| v.to_string().split('.').nth(1).is_some_and(|f| f != "0")).count();
        assert!(fractional > 0, "{}: {values:?}", def.name);
    }
}
