//! Property-based checks: discharges [`LawGoal`]s (the functor laws of derived `map`s) by
//! testing them on values generated from the IR types with proptest.
//!
//! - [`value`]: the [`Value`] of an IR type and its rendering in spec syntax;
//! - [`eval`]: an evaluator of IR expressions over values, and refinement checking;
//! - [`strategy`]: proptest strategies derived from IR types, producing only valid values;
//! - [`func`]: the family of functions `f`, `g` on `Int` the laws quantify over;
//! - [`map`]: the derived structural `map`, behind the [`MapImpl`] hook.
//!
//! A run is reproducible: the seed fixes the generated cases, the shrinking and so the
//! counterexample text. A `tested` verdict counts the cases that really ran.
//!
//! Architecture invariant: knows nothing of z3 or files; reads only the IR and the goal.

pub mod eval;
pub mod func;
pub mod map;
pub mod strategy;
pub mod value;

pub use map::{DerivedMap, MapImpl, derived_map};
pub use value::Value;

use eval::{Env, EvalError};
use func::{IntFn, int_fn};
use lp_check::law::{LawGoal, LawKind};
use lp_check::{Counterexample, Verdict};
use lp_ir::expr::walk;
use lp_ir::{Expr, ExprKind, Spec, Ty, TypeBody, TypeId};
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::rc::Rc;

/// The seed used when none is given; recorded in every `tested` verdict.
pub const DEFAULT_SEED: u64 = 0x1ea0_5eed;

/// The number of cases per law when none is given.
pub const DEFAULT_CASES: u32 = 256;

/// How many shrinking steps a failure gets (a count, not a time, so runs are reproducible).
const MAX_SHRINK_ITERS: u32 = 4096;

/// How property tests are run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PropsOptions {
    /// Cases per law.
    pub cases: u32,
    /// The seed of the random generator.
    pub seed: u64,
}

impl Default for PropsOptions {
    fn default() -> Self {
        PropsOptions { cases: DEFAULT_CASES, seed: DEFAULT_SEED }
    }
}

/// Discharges a law with the derived `map`.
pub fn discharge(spec: &Spec, goal: &LawGoal, opts: &PropsOptions) -> Verdict {
    discharge_with(spec, goal, opts, &DerivedMap)
}

/// Discharges a law with a given `map` implementation; tests use it to show that a wrong
/// implementation is caught.
pub fn discharge_with(spec: &Spec, goal: &LawGoal, opts: &PropsOptions, imp: &dyn MapImpl) -> Verdict {
    let unknown = |reason: String| Verdict::Unknown { reason };
    let Some(def) = spec.types.get(goal.ty.index()) else { return unknown("the law names an unknown type".into()) };
    if goal.param as usize >= def.params.len() {
        return unknown(format!("`{}` has no parameter {}", def.name, goal.param));
    }
    if goal.instance != Ty::Int {
        return unknown("laws are only tested with parameters instantiated to `Int`".into());
    }
    if opts.cases == 0 {
        return unknown("no property-test cases were requested".into());
    }
    if let Some(reason) = unsupported(spec, goal.ty) {
        return unknown(format!("cannot test the law: {reason}"));
    }
    let instance = goal.instance_text(spec);
    let env = Rc::new(Env::new(spec.clone()));
    let ty = Ty::Named { id: goal.ty, args: (0..def.params.len() as u32).map(Ty::Param).collect() };
    let values = match strategy::Gen::new(Rc::clone(&env)).strategy(&ty) {
        Ok(Some(s)) => s,
        Ok(None) => {
            return unknown(format!(
                "no value of `{instance}` could be built (the type is empty, or needs more than {} nested unfoldings)",
                strategy::MAX_UNROLL
            ));
        }
        Err(reason) => return unknown(format!("cannot generate values of `{instance}`: {reason}")),
    };
    let law = Law { env: &env, imp, ty: &ty, param: goal.param, kind: goal.law };
    let mut runner = runner(opts);
    let ran = Cell::new(0u32);
    let trouble: RefCell<Option<String>> = RefCell::new(None);
    let result = runner.run(&(values, int_fn(), int_fn()), |(x, f, g)| {
        ran.set(ran.get().saturating_add(1));
        match law.check(&x, f, g) {
            Outcome::Holds => Ok(()),
            Outcome::Fails(_) => Err(TestCaseError::fail("the law fails")),
            Outcome::Error(reason) => {
                trouble.borrow_mut().get_or_insert(reason);
                Ok(())
            }
        }
    });
    if let Some(reason) = trouble.into_inner() {
        return unknown(format!("cannot test the law: {reason}"));
    }
    match result {
        Ok(()) => Verdict::Tested { cases: ran.get(), seed: opts.seed },
        Err(TestError::Fail(_, (x, f, g))) => match law.check(&x, f, g) {
            Outcome::Fails(counterexample) => Verdict::Failed { counterexample },
            Outcome::Holds | Outcome::Error(_) => {
                unknown("the law failed on a case that passes when replayed (a nondeterministic map?)".into())
            }
        },
        Err(TestError::Abort(reason)) => {
            unknown(format!("could not generate enough values of `{instance}` that satisfy its refinements ({reason})"))
        }
    }
}

/// A proptest runner that depends only on the options: a ChaCha generator seeded from
/// `seed`, no persistence, no forking, no time limits.
fn runner(opts: &PropsOptions) -> TestRunner {
    let config = Config {
        cases: opts.cases,
        failure_persistence: None,
        source_file: None,
        test_name: None,
        fork: false,
        timeout: 0,
        max_shrink_time: 0,
        max_shrink_iters: MAX_SHRINK_ITERS,
        max_local_rejects: 65_536,
        max_global_rejects: 1024,
        verbose: 0,
        rng_algorithm: RngAlgorithm::ChaCha,
        ..Config::default()
    };
    let mut seed = [0u8; 32];
    for (i, chunk) in seed.chunks_mut(8).enumerate() {
        let word = opts.seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed))
}

/// The result of one case.
enum Outcome {
    Holds,
    Fails(Counterexample),
    /// The case could not be judged (an unsupported or undefined refinement).
    Error(String),
}

/// One law of one type, ready to check cases.
struct Law<'a> {
    env: &'a Env,
    imp: &'a dyn MapImpl,
    /// The type applied to its own parameters.
    ty: &'a Ty,
    param: u32,
    kind: LawKind,
}

impl Law<'_> {
    fn map(&self, x: &Value, f: &dyn Fn(&Value) -> Value) -> Value {
        self.imp.map(&self.env.spec, self.ty, self.param, x, f)
    }

    fn check(&self, x: &Value, f: IntFn, g: IntFn) -> Outcome {
        match self.env.validate(self.ty, x, "x") {
            Ok(None) => {}
            Ok(Some(v)) => return Outcome::Error(format!("generated an invalid value: {x} breaks {}", v.rule)),
            Err(e) => return Outcome::Error(e.to_string()),
        }
        let fails = |summary: String, bindings: Vec<(&str, String)>| {
            Outcome::Fails(Counterexample {
                summary,
                bindings: bindings.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
                trace: Vec::new(),
            })
        };
        match self.kind {
            LawKind::Identity => {
                let y = self.map(x, &|v| v.clone());
                if y == *x {
                    return Outcome::Holds;
                }
                fails(
                    format!("x = {x}: map(id, x) = {y}, not x"),
                    vec![("x", x.to_string()), ("map(id, x)", y.to_string())],
                )
            }
            LawKind::Composition => {
                let once = self.map(x, &|v| g.apply(&f.apply(v)));
                let twice = self.map(&self.map(x, &|v| f.apply(v)), &|v| g.apply(v));
                if once == twice {
                    return Outcome::Holds;
                }
                fails(
                    format!("x = {x}, f(x) = {f}, g(x) = {g}: map(g ∘ f, x) = {once}, but map(g, map(f, x)) = {twice}"),
                    vec![
                        ("x", x.to_string()),
                        ("f(x)", f.to_string()),
                        ("g(x)", g.to_string()),
                        ("map(g ∘ f, x)", once.to_string()),
                        ("map(g, map(f, x))", twice.to_string()),
                    ],
                )
            }
            LawKind::PreservesRefinements => {
                let y = self.map(x, &|v| f.apply(v));
                match self.env.validate(self.ty, &y, "map(f, x)") {
                    Ok(None) => Outcome::Holds,
                    Ok(Some(v)) => {
                        let at = if v.path == "map(f, x)" { String::new() } else { format!(" at {}", v.path) };
                        fails(
                            format!("x = {x}, f(x) = {f}: map(f, x) = {y} breaks `{}` of {}{at}", v.rule, v.owner),
                            vec![
                                ("x", x.to_string()),
                                ("f(x)", f.to_string()),
                                ("map(f, x)", y.to_string()),
                                ("refinement", format!("{}: {}", v.owner, v.rule)),
                            ],
                        )
                    }
                    Err(EvalError::Unsupported(reason)) => Outcome::Error(reason),
                    Err(EvalError::Runtime(reason)) => {
                        Outcome::Error(format!("a refinement is undefined on map(f, x) = {y}: {reason}"))
                    }
                }
            }
        }
    }
}

/// Why values of `root` cannot be generated or its refinements evaluated, if so: a machine
/// handle in the type, an erroneous type, or a refinement that uses what the evaluator does
/// not support.
fn unsupported(spec: &Spec, root: TypeId) -> Option<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![root];
    let mut exprs: Vec<(&Expr, bool)> = Vec::new();
    let mut tys: Vec<&Ty> = Vec::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let def = spec.types.get(id.index())?;
        exprs.extend(def.refinement.iter().map(|e| (e, false)));
        let start = tys.len();
        match &def.body {
            TypeBody::Alias(t) => tys.push(t),
            TypeBody::Record(fields) => {
                for f in fields {
                    tys.push(&f.ty);
                    exprs.extend(f.refinement.iter().map(|e| (e, false)));
                }
            }
            TypeBody::Sum(variants) => {
                for f in variants.iter().flat_map(|v| v.payload.iter().flatten()) {
                    tys.push(&f.ty);
                    exprs.extend(f.refinement.iter().map(|e| (e, false)));
                }
            }
        }
        for t in &tys[start..] {
            if let Some(reason) = unsupported_ty(spec, t, &mut stack, &mut exprs) {
                return Some(reason);
            }
        }
    }
    let mut fns = BTreeSet::new();
    while let Some((e, in_fn)) = exprs.pop() {
        let mut problem = None;
        walk(e, &mut |x| {
            if problem.is_some() {
                return;
            }
            problem = match &x.kind {
                ExprKind::Var(_) => Some("a refinement reads a machine variable".to_string()),
                ExprKind::Result => Some("a refinement reads `result`".to_string()),
                ExprKind::Error => Some("a refinement has errors".to_string()),
                ExprKind::Param(_) if !in_fn => Some("a refinement reads a function parameter".to_string()),
                ExprKind::Call { func, .. } => match spec.fns.get(func.index()) {
                    Some(f) => match &f.body {
                        Some(body) => {
                            if fns.insert(*func) {
                                exprs.push((body, true));
                            }
                            None
                        }
                        None => Some(format!("a refinement calls the external function `{}`", f.name)),
                    },
                    None => Some("a refinement calls an unknown function".to_string()),
                },
                _ => None,
            };
        });
        if problem.is_some() {
            return problem;
        }
    }
    None
}

/// Pushes the declared types (and error payloads' refinements) in `ty` for [`unsupported`],
/// and says why `ty` itself cannot be generated, if so.
fn unsupported_ty<'s>(
    spec: &'s Spec,
    ty: &'s Ty,
    stack: &mut Vec<TypeId>,
    exprs: &mut Vec<(&'s Expr, bool)>,
) -> Option<String> {
    match ty {
        Ty::Named { id, args } => {
            stack.push(*id);
            args.iter().find_map(|a| unsupported_ty(spec, a, stack, exprs))
        }
        Ty::Option(t) | Ty::List(t) | Ty::Set(t) => unsupported_ty(spec, t, stack, exprs),
        Ty::Result(a, b) | Ty::Map(a, b) | Ty::Fn(a, b) => {
            unsupported_ty(spec, a, stack, exprs).or_else(|| unsupported_ty(spec, b, stack, exprs))
        }
        Ty::ErrorType(id) => {
            let def = spec.errors.get(id.index())?;
            for f in &def.fields {
                exprs.extend(f.refinement.iter().map(|e| (e, false)));
                if let Some(reason) = unsupported_ty(spec, &f.ty, stack, exprs) {
                    return Some(reason);
                }
            }
            None
        }
        Ty::Machine(_) => Some("the type contains a state machine handle".into()),
        Ty::Error => Some("the type has errors".into()),
        _ => None,
    }
}
