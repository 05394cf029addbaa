//! Discharges [`RunGoal`]s: claims about an operation's body tested by running it on
//! generated stores and requests.
//!
//! Each case draws a store and a request from one deterministic random stream (the seed):
//!
//! - The store: for each entity in declaration order, up to [`MAX_INSTANCES`] instances drawn
//!   from the entity's record type (valid values only, by `lp-props`' strategies), in a state
//!   reachable in its lifecycle with variables drawn from their types under the machine's
//!   invariants. Scalar fields take a value already stored in a field of the same type (and
//!   name, when there is one) half of the time, so references between entities resolve, and
//!   integers a small boundary value a quarter of the time. An instance is kept only when every invariant still holds
//!   with it, so the store satisfies every invariant.
//! - The request: each parameter drawn from its type, scalar values (and scalar fields of a
//!   record parameter) taken from the store half of the time, preferring fields of the
//!   parameter's name, so lookups find something.
//! - External functions (`fn`s without a body) answer a value of their result type drawn
//!   until one satisfies their `ensures`: the claim is tested for every implementation that
//!   keeps its contract.
//!
//! The verdict is `tested` with the cases that really ran and the seed, or `failed` with the
//! store and the request of the first failing case (cases are not shrunk, so the first
//! failure in the stream is reported: reproducible with the same seed).

use crate::env::Env as RunEnv;
use crate::invariants::check_some_invariants;
use crate::json::store_to_json;
use crate::outcome::{FaultKind, Outcome};
use crate::run::run_op;
use crate::store::{Instance, Lifecycle, Store, key_of};
use lp_check::run_goal::{RunClaim, RunGoal};
use lp_check::{Counterexample, Verdict};
use lp_ir::{BinOp, EntityId, Expr, ExprKind, FnId, InvariantId, OpRef, Spec, StateId, Ty, TypeBody};
use lp_props::Value;
use lp_props::eval::{Env as PropsEnv, Scope};
use lp_props::strategy::{Gen, Strat};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

/// The most instances of one entity a generated store holds.
pub const MAX_INSTANCES: u32 = 4;

/// How many draws an external function gets to find a result that keeps its `ensures`.
const EXTERNAL_TRIES: u32 = 64;

/// Discharges a run goal with `cases` generated cases from `seed`.
pub fn discharge(spec: &Spec, goal: &RunGoal, cases: u32, seed: u64) -> Verdict {
    let unknown = |reason: String| Verdict::Unknown { reason };
    let Some(op) = spec.services.get(goal.op.service.index()).and_then(|s| s.ops.get(goal.op.op.index())) else {
        return unknown("the goal names an unknown operation".into());
    };
    if op.body.is_none() {
        return unknown("the operation has no body to run".into());
    }
    if cases == 0 {
        return unknown("no cases were requested".into());
    }
    let scope = Relevance::of(spec, goal.op);
    // The evaluator's copy of the spec and the strategies built from it are kept per thread
    // and reused while the spec stays the same (its digest is in the goal).
    let (env, mut strategies) = PREPARED.with(|p| match p.borrow_mut().take() {
        Some((digest, env, strategies)) if digest == goal.spec_digest => (env, strategies),
        _ => {
            let env = Rc::new(PropsEnv::new(spec.clone()));
            let strategies = Strategies { generator: Gen::new(Rc::clone(&env)), cache: HashMap::new() };
            (env, strategies)
        }
    });
    let verdict = run_cases(spec, goal, cases, seed, &scope, &env, &mut strategies);
    PREPARED.with(|p| *p.borrow_mut() = Some((goal.spec_digest.clone(), env, strategies)));
    verdict
}

thread_local! {
    /// The last spec's evaluator and strategies on this thread, by the spec's digest.
    static PREPARED: RefCell<Option<(String, Rc<PropsEnv>, Strategies)>> = const { RefCell::new(None) };
}

/// One generated case: the store and request drawn, and what the run did.
struct Case {
    store: Store,
    args: Vec<Value>,
    outcome: Outcome,
    after: Store,
}

/// The cases of one operation for one seed: the same for every claim about it, so they are
/// drawn and run once and kept per thread while the claims of that operation are discharged.
type Cases = Rc<Result<Vec<Case>, String>>;

/// What the cases depend on: the spec's digest, the operation, the seed and the count.
type CasesKey = (String, OpRef, u64, u32);

thread_local! {
    static CASES: RefCell<Option<(CasesKey, Cases)>> = const { RefCell::new(None) };
}

/// Draws `cases` stores and requests from `seed` and runs the operation on each; `Err` when
/// a case cannot be generated or the body cannot run (an external function without a
/// stand-in, a call of an operation without a body).
fn generate(
    spec: &Spec,
    goal: &RunGoal,
    cases: u32,
    seed: u64,
    scope: &Relevance,
    env: &Rc<PropsEnv>,
    strategies: &mut Strategies,
) -> Result<Vec<Case>, String> {
    let op = &spec.services[goal.op.service.index()].ops[goal.op.op.index()];
    let rng = Rc::new(RefCell::new(runner(seed)));
    let mut out = Vec::with_capacity(cases as usize);
    for _ in 0..cases {
        let (store, pool) =
            draw_store(spec, env, strategies, &rng, scope).map_err(|r| format!("cannot generate stores: {r}"))?;
        let mut args = Vec::with_capacity(op.params.len());
        for p in &op.params {
            let v = draw_like_store(spec, env, strategies, &rng, &p.ty, &p.name, &pool)
                .map_err(|r| format!("cannot generate `{}`: {r}", p.name))?;
            args.push(v);
        }
        let mut run_env = externals(spec, env, strategies, &rng);
        let mut after = store.clone();
        let outcome = run_op(spec, goal.op, args.clone(), &mut after, &mut run_env);
        if let Outcome::Fault {
            kind: FaultKind::ExternalFn | FaultKind::MissingBody | FaultKind::Unsupported,
            message,
            ..
        } = &outcome
        {
            return Err(format!("cannot run the body: {message}"));
        }
        out.push(Case { store, args, outcome, after });
    }
    Ok(out)
}

fn run_cases(
    spec: &Spec,
    goal: &RunGoal,
    cases: u32,
    seed: u64,
    scope: &Relevance,
    env: &Rc<PropsEnv>,
    strategies: &mut Strategies,
) -> Verdict {
    let op = &spec.services[goal.op.service.index()].ops[goal.op.op.index()];
    let service = &spec.services[goal.op.service.index()];
    let own_ensures = format!("an `ensures` of `{}.{}`", service.name, op.name);
    let key = (goal.spec_digest.clone(), goal.op, seed, cases);
    let memo = CASES.with(|c| c.borrow().as_ref().filter(|(k, _)| *k == key).map(|(_, v)| Rc::clone(v)));
    let generated = match memo {
        Some(v) => v,
        None => {
            let v: Cases = Rc::new(generate(spec, goal, cases, seed, scope, env, strategies));
            CASES.with(|c| *c.borrow_mut() = Some((key, Rc::clone(&v))));
            v
        }
    };
    let all = match generated.as_ref() {
        Ok(all) => all,
        Err(reason) => return Verdict::Unknown { reason: reason.clone() },
    };
    let mut ran = 0u32;
    for (i, case) in all.iter().enumerate() {
        let Case { store, args, outcome, after } = case;
        ran += 1;
        let failure = match goal.claim {
            RunClaim::NoFault => match outcome {
                // The operation's own `ensures` is its own claim (`RunClaim::Ensures`).
                Outcome::Fault { kind: FaultKind::ContractViolated, message, .. }
                    if message.starts_with(&own_ensures) =>
                {
                    None
                }
                Outcome::Fault { kind, message, .. } => Some(format!("the run faults ({kind}): {message}")),
                _ => None,
            },
            RunClaim::Ensures => match outcome {
                Outcome::Fault { kind: FaultKind::ContractViolated, message, .. }
                    if message.starts_with(&own_ensures) =>
                {
                    Some(message.clone())
                }
                _ => None,
            },
            RunClaim::InvariantsPreserved => match outcome {
                Outcome::Ok(_) => {
                    let broken = check_some_invariants(spec, after, &scope.invariants);
                    broken.first().map(|b| {
                        let shown: Vec<String> = b.bindings.iter().map(|(n, v)| format!("{n} = {v}")).collect();
                        if shown.is_empty() {
                            format!("afterwards `{}` does not hold", b.name)
                        } else {
                            format!("afterwards `{}` does not hold for {}", b.name, shown.join(", "))
                        }
                    })
                }
                _ => None,
            },
            RunClaim::Idempotent => match outcome {
                Outcome::Fault { .. } => None,
                first => {
                    // The second run's external functions draw from a stream of their own, so
                    // the cases stay the same whatever claim is discharged first.
                    let rng = Rc::new(RefCell::new(runner(seed ^ (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15))));
                    let mut again = after.clone();
                    let mut run_env = externals(spec, env, strategies, &rng);
                    let second = run_op(spec, goal.op, args.clone(), &mut again, &mut run_env);
                    if second.fault_kind().is_some() {
                        None
                    } else if &second != first {
                        Some(format!(
                            "the second run answers {} instead of {}",
                            answer(spec, &second),
                            answer(spec, first)
                        ))
                    } else if again != *after {
                        Some(format!(
                            "the second run leaves the store {} instead of {}",
                            compact(spec, &again),
                            compact(spec, after)
                        ))
                    } else {
                        None
                    }
                }
            },
        };
        if let Some(what) = failure {
            let mut bindings = vec![("store".to_string(), compact(spec, store))];
            let request: Vec<String> = op.params.iter().zip(args).map(|(p, v)| format!("{} = {v}", p.name)).collect();
            for (p, v) in op.params.iter().zip(args) {
                bindings.push((p.name.clone(), v.to_string()));
            }
            let summary = format!("store {}, request {}: {what}", compact(spec, store), request.join(", "));
            return Verdict::Failed { counterexample: Counterexample { summary, bindings, trace: Vec::new() } };
        }
    }
    Verdict::Tested { cases: ran, seed }
}

fn runner(seed: u64) -> TestRunner {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..16].copy_from_slice(b"lp-run\0\0");
    TestRunner::new_with_rng(
        Config { failure_persistence: None, ..Config::default() },
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    )
}

fn compact(spec: &Spec, store: &Store) -> String {
    serde_json::to_string(&store_to_json(spec, store)).unwrap_or_default()
}

fn answer(spec: &Spec, o: &Outcome) -> String {
    match o {
        Outcome::Ok(v) => format!("`{v}`"),
        Outcome::Raised { error, payload } => format!("`{} {payload}`", spec.errors[error.index()].name),
        Outcome::Fault { kind, .. } => format!("a fault ({kind})"),
    }
}

/// Strategies by type, built once per discharge.
struct Strategies {
    generator: Gen,
    cache: HashMap<Ty, Option<Strat>>,
}

impl Strategies {
    fn get(&mut self, spec: &Spec, ty: &Ty) -> Result<Option<Strat>, String> {
        if let Some(s) = self.cache.get(ty) {
            return Ok(s.clone());
        }
        let _ = spec;
        let s = self.generator.strategy(ty)?;
        self.cache.insert(ty.clone(), s.clone());
        Ok(s)
    }
}

fn draw(strategies: &mut Strategies, spec: &Spec, rng: &RefCell<TestRunner>, ty: &Ty) -> Result<Value, String> {
    let Some(s) = strategies.get(spec, ty)? else {
        return Err(format!("no value of `{}` can be built", spec.display_ty(ty, &[])));
    };
    let tree = s.new_tree(&mut rng.borrow_mut()).map_err(|e| e.to_string())?;
    Ok(tree.current())
}

/// A number in `0..n` (0 when `n` is 0), from the stream.
fn below(rng: &RefCell<TestRunner>, n: u32) -> u32 {
    if n == 0 {
        return 0;
    }
    (0..n).new_tree(&mut rng.borrow_mut()).map_or(0, |t| t.current())
}

/// The scalar values stored in fields, by the field's type, and by the field's type and name.
struct Pool<'s> {
    by_type: HashMap<&'s Ty, BTreeSet<Value>>,
    by_name: HashMap<(&'s Ty, &'s str), BTreeSet<Value>>,
}

impl<'s> Pool<'s> {
    fn new() -> Pool<'s> {
        Pool { by_type: HashMap::new(), by_name: HashMap::new() }
    }

    /// Adds the scalar fields of a stored instance of `entity`.
    fn add(&mut self, spec: &'s Spec, entity: EntityId, value: &Value) {
        let def = &spec.entities[entity.index()];
        let TypeBody::Record(fields) = &spec.types[def.ty.index()].body else { return };
        let Some(values) = value.fields() else { return };
        for (f, (_, v)) in fields.iter().zip(values) {
            if matches!(v, Value::Int(_) | Value::Str(_) | Value::Bool(_)) {
                self.by_type.entry(&f.ty).or_default().insert(v.clone());
                self.by_name.entry((&f.ty, f.name.as_str())).or_default().insert(v.clone());
            }
        }
    }
}

/// Small integers where refinements usually draw their lines, and the ends of the 64-bit
/// range, where arithmetic overflows (a fault).
const BOUNDARIES: [i64; 7] = [0, 1, -1, 2, 3, i64::MAX, i64::MIN];

/// A replacement for the scalar `v` of type `ty` named `name`: half of the time a stored
/// value (of a field with the same name when there is one), a quarter of the time for an
/// `Int` a boundary value; otherwise `v`.
fn replace_scalar(pool: &Pool, rng: &RefCell<TestRunner>, ty: &Ty, name: &str, v: &Value) -> Value {
    let named = pool.by_name.get(&(ty, name)).filter(|s| !s.is_empty());
    let typed = pool.by_type.get(ty).filter(|s| !s.is_empty());
    let pick = |set: &BTreeSet<Value>| set.iter().nth(below(rng, set.len() as u32) as usize).cloned();
    match below(rng, 4) {
        0 | 1 => named.or(typed).and_then(pick).unwrap_or_else(|| v.clone()),
        2 if matches!(v, Value::Int(_)) => Value::Int(BOUNDARIES[below(rng, BOUNDARIES.len() as u32) as usize]),
        _ => v.clone(),
    }
}

/// A value of `ty` named `name` whose scalar parts (the value itself, or the fields of a
/// record) are often replaced by stored or boundary values ([`replace_scalar`]), when the
/// result stays valid.
fn draw_like_store(
    spec: &Spec,
    env: &PropsEnv,
    strategies: &mut Strategies,
    rng: &RefCell<TestRunner>,
    ty: &Ty,
    name: &str,
    pool: &Pool<'_>,
) -> Result<Value, String> {
    let v = draw(strategies, spec, rng, ty)?;
    let candidate = match (&v, spec.record_fields(ty)) {
        (Value::Int(_) | Value::Str(_) | Value::Bool(_), _) => replace_scalar(pool, rng, ty, name, &v),
        (Value::Record(values), Some((fields, _))) => Value::Record(
            fields
                .iter()
                .zip(values)
                .map(|(f, (n, x))| {
                    let x = if matches!(x, Value::Int(_) | Value::Str(_) | Value::Bool(_)) {
                        replace_scalar(pool, rng, &f.ty, &f.name, x)
                    } else {
                        x.clone()
                    };
                    (n.clone(), x)
                })
                .collect(),
        ),
        _ => v.clone(),
    };
    match env.validate(ty, &candidate, "value") {
        Ok(None) => Ok(candidate),
        _ => Ok(v),
    }
}

/// A store of the entities in `scope` that satisfies the invariants in `scope`, with the
/// pool of its scalar values.
fn draw_store<'s>(
    spec: &'s Spec,
    env: &PropsEnv,
    strategies: &mut Strategies,
    rng: &RefCell<TestRunner>,
    scope: &Relevance,
) -> Result<(Store, Pool<'s>), String> {
    let mut store = Store::new();
    let mut pool = Pool::new();
    for &id in &scope.entities {
        let entity = &spec.entities[id.index()];
        let ty = Ty::Named { id: entity.ty, args: Vec::new() };
        let n = below(rng, MAX_INSTANCES + 1);
        for _ in 0..n {
            let value = draw_like_store(spec, env, strategies, rng, &ty, "", &pool)?;
            let Ok(key) = key_of(spec, id, &value) else { continue };
            if store.contains(id, &key) {
                continue;
            }
            let lifecycle = match entity.lifecycle {
                Some(m) => {
                    let states: Vec<StateId> = reachable(spec, m).into_iter().collect();
                    let Some(&state) = states.get(below(rng, states.len() as u32) as usize) else { continue };
                    Some(Lifecycle { state, vars: draw_vars(spec, env, strategies, rng, m)? })
                }
                None => None,
            };
            store.insert(id, key.clone(), Instance { value: value.clone(), lifecycle });
            if check_some_invariants(spec, &store, &scope.invariants).is_empty() {
                pool.add(spec, id, &value);
            } else {
                store.remove(id, &key);
            }
        }
    }
    Ok((store, pool))
}

/// Values of a machine's variables: drawn from their types until the machine's invariants
/// hold (the instance may be anywhere its invariants allow), else the initial values.
fn draw_vars(
    spec: &Spec,
    env: &PropsEnv,
    strategies: &mut Strategies,
    rng: &RefCell<TestRunner>,
    m: lp_ir::MachineId,
) -> Result<Vec<Value>, String> {
    let machine = &spec.machines[m.index()];
    for _ in 0..8 {
        let mut vars = Vec::with_capacity(machine.vars.len());
        for v in &machine.vars {
            // Integers are a boundary value a quarter of the time, when that stays valid.
            let x = draw(strategies, spec, rng, &v.ty)?;
            let x = match x {
                Value::Int(_) if below(rng, 4) == 0 => {
                    let b = Value::Int(BOUNDARIES[below(rng, BOUNDARIES.len() as u32) as usize]);
                    if matches!(env.validate(&v.ty, &b, "value"), Ok(None)) { b } else { x }
                }
                x => x,
            };
            vars.push(x);
        }
        let ev = env.evaluator();
        let ok = machine.invariants.iter().all(|inv| {
            let mut scope = Scope { vars: &vars, ..Scope::default() };
            matches!(ev.holds_scoped(inv, &mut scope), Ok(true))
        });
        if ok {
            return Ok(vars);
        }
    }
    let mut vars = Vec::with_capacity(machine.vars.len());
    for v in &machine.vars {
        match env.eval(&v.init, &Value::Unit) {
            Ok(x) => vars.push(x),
            Err(err) => return Err(format!("the initial value of `{}`: {err}", v.name)),
        }
    }
    Ok(vars)
}

fn reachable(spec: &Spec, m: lp_ir::MachineId) -> BTreeSet<StateId> {
    spec.machines[m.index()].reachable_states()
}

/// Stand-ins for every external function: a result of its type that keeps its `ensures`.
fn externals(spec: &Spec, env: &Rc<PropsEnv>, strategies: &mut Strategies, rng: &Rc<RefCell<TestRunner>>) -> RunEnv {
    let mut out = RunEnv::new();
    for (i, f) in spec.fns.iter().enumerate() {
        if f.body.is_some() {
            continue;
        }
        let strategy = strategies.get(spec, &f.result).ok().flatten();
        let env = Rc::clone(env);
        let rng = Rc::clone(rng);
        let func = FnId(i as u32);
        out.register(f.name.clone(), move |args: &[Value]| {
            let Some(strategy) = &strategy else { return Err("no value of its result type can be built".into()) };
            let def = &env.spec.fns[func.index()];
            for _ in 0..EXTERNAL_TRIES {
                let mut v = strategy.new_tree(&mut rng.borrow_mut()).map_err(|e| e.to_string())?.current();
                let ev = env.evaluator();
                // An `ensures result.path == e` (with `e` not naming the result) is met by
                // construction: a random draw would almost never hit the one value it allows.
                for clause in &def.ensures {
                    pin_equalities(&ev, clause, args, &mut v);
                }
                let ok = def.ensures.iter().all(|e| {
                    let mut scope = Scope { params: args, result: Some(&v), ..Scope::default() };
                    matches!(ev.holds_scoped(e, &mut scope), Ok(true))
                });
                if ok {
                    return Ok(v);
                }
            }
            Err(format!("no result keeping its `ensures` was found in {EXTERNAL_TRIES} draws"))
        });
    }
    out
}

/// Sets the part of `result` that an `ensures` conjunct `result.a.b == e` (or `e == result.a.b`)
/// names to the value of `e`, when `e` does not mention the result. Other clauses are left to
/// the draw; the caller still checks every clause on the repaired value.
fn pin_equalities(ev: &lp_props::eval::Evaluator<'_>, clause: &Expr, args: &[Value], result: &mut Value) {
    match &clause.kind {
        ExprKind::Binary { op: BinOp::And, lhs, rhs } => {
            pin_equalities(ev, lhs, args, result);
            pin_equalities(ev, rhs, args, result);
        }
        ExprKind::Binary { op: BinOp::Eq, lhs, rhs } => {
            let (path, other) = match (result_path(lhs), result_path(rhs)) {
                (Some(p), None) => (p, rhs),
                (None, Some(p)) => (p, lhs),
                _ => return,
            };
            if mentions_result(other) {
                return;
            }
            let mut scope = Scope { params: args, ..Scope::default() };
            if let Ok(value) = ev.eval_scoped(other, &mut scope) {
                set_path(result, &path, value);
            }
        }
        _ => {}
    }
}

/// The field positions of `result.a.b`, outermost first; `None` for any other expression.
fn result_path(e: &Expr) -> Option<Vec<usize>> {
    match &e.kind {
        ExprKind::Result => Some(Vec::new()),
        ExprKind::Field { base, index, .. } => {
            let mut path = result_path(base)?;
            path.push(*index as usize);
            Some(path)
        }
        _ => None,
    }
}

fn mentions_result(e: &Expr) -> bool {
    let mut found = false;
    lp_ir::expr::walk(e, &mut |x| found |= matches!(x.kind, ExprKind::Result));
    found
}

fn set_path(v: &mut Value, path: &[usize], value: Value) {
    match path.split_first() {
        None => *v = value,
        Some((i, rest)) => {
            if let Value::Record(fields) = v
                && let Some((_, field)) = fields.get_mut(*i)
            {
                set_path(field, rest, value);
            }
        }
    }
}

/// What a run of one operation can touch: the entities its body (and the bodies it calls)
/// and its `ensures` read or write, the invariants that mention one of them, and the
/// entities those invariants mention in turn. Stores are drawn over these entities only, and
/// only these invariants are assumed and checked: the others speak of tables the run
/// neither reads nor writes.
struct Relevance {
    entities: BTreeSet<EntityId>,
    invariants: Vec<InvariantId>,
}

impl Relevance {
    fn of(spec: &Spec, op: OpRef) -> Relevance {
        let reach = lp_ir::effects::reach(spec, op);
        let mut entities: BTreeSet<EntityId> = reach.reads.union(&reach.written).copied().collect();
        let mentions: Vec<BTreeSet<EntityId>> =
            spec.invariants.iter().map(|inv| lp_ir::effects::expr_entities(&inv.expr)).collect();
        let mut invariants: BTreeSet<usize> = BTreeSet::new();
        loop {
            let before = (entities.len(), invariants.len());
            for (i, m) in mentions.iter().enumerate() {
                if m.iter().any(|e| entities.contains(e)) {
                    invariants.insert(i);
                    entities.extend(m.iter().copied());
                }
            }
            if (entities.len(), invariants.len()) == before {
                break;
            }
        }
        Relevance { entities, invariants: invariants.into_iter().map(|i| InvariantId(i as u32)).collect() }
    }
}
