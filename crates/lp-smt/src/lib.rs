//! The SMT discharger: decides [`SmtGoal`]s with z3 and renders z3's models as counterexamples
//! in spec terms. This is the only crate that links z3.
//!
//! [`discharge`] translates a goal's scope, assumptions and claim to z3 terms ([`translate`])
//! in a fresh z3 context, asks z3 with a time limit, and turns the answer into a [`Verdict`]:
//! `proved` (the claim's negation is unsatisfiable, or the claim is satisfiable in
//! [`Mode::Satisfiable`]), `failed` with a counterexample (a model of the negation, rendered as
//! `price = 1, pct = -1: ensures result <= price fails`; or no model at all in
//! [`Mode::Satisfiable`]), or `unknown` with a reason (a timeout, or a construct the
//! translation does not support). `unknown` is never a pass.
//!
//! The theory, in short (details in [`translate`]): `Int` is the mathematical integers, `/`
//! and `%` round towards negative infinity (as Python's `//` and `%`; `x / 0` is an unknown
//! integer, division by zero being its own obligation), `String` is z3's string theory
//! with `len` and `matches` (regular expressions, see [`regex`]), records, options, results
//! and sums are flattened into their parts, and lists, sets, maps, functions and recursive
//! types are opaque values with a length.
//!
//! Verdicts are deterministic: each goal gets its own z3 context with fixed seeds, z3 runs
//! single-threaded, and a counterexample prints only values read from the model in the
//! scope's order (a timeout is the one exception: it depends on the machine's speed).
//!
//! Bounded work: z3's time limit covers its checks, not the simplification of the assertions
//! before them, so literals and patterns over a size bound are not translated (an `unknown`
//! naming the bound, see [`regex`] and [`translate::MAX_STRING_LITERAL_CHARS`]) and each goal
//! runs under a wall-clock budget past which z3 is interrupted and the verdict is `unknown`.
//!
//! Architecture invariant: nothing outside this crate knows z3; goals come in IR terms
//! (`lp_check::smt_goal`) and leave as [`Verdict`]s.

pub mod body;
pub mod regex;
pub mod translate;

use lp_check::run_goal::RunGoal;
use lp_check::smt_goal::{Mode, SmtGoal};
use lp_check::{Counterexample, Method, Verdict};
use lp_ir::Spec;
use std::panic::AssertUnwindSafe;
use std::str::FromStr;
use z3::ast::{Int, Real};
use z3::{Config, Model, Params, SatResult, Solver};

/// The revision of the translation's semantics, folded into every obligation's digest so that
/// a verdict cached by an earlier translation is not reused when what it decides changed
/// (revision 2: anchors bind to their branch of a top-level `|`, look-around, and patterns
/// beyond z3 decided by checking candidate strings; revision 3: claims about operation bodies
/// (invariants preserved, `ensures`) proved by z3 over a symbolic store, see [`body`]).
pub const TRANSLATION_REVISION: u32 = 3;

/// How the discharger runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SmtOptions {
    /// The time limit for one obligation, in milliseconds (at most `u32::MAX` is used).
    /// Running out of it makes the verdict `unknown`.
    pub timeout_ms: u64,
}

impl SmtOptions {
    fn timeout_u32(&self) -> u32 {
        u32::try_from(self.timeout_ms).unwrap_or(u32::MAX)
    }
}

impl Default for SmtOptions {
    fn default() -> Self {
        SmtOptions { timeout_ms: 2000 }
    }
}

/// The version of the linked z3, such as `5.4.1`, for certificates and cache keys.
///
/// ```
/// assert!(lp_smt::z3_version().starts_with("5.4"));
/// ```
pub fn z3_version() -> String {
    let v = z3::full_version();
    v.trim_start_matches("Z3 ").split_whitespace().next().unwrap_or_default().to_string()
}

/// Decides one goal. Never panics and never passes what it could not decide: a goal the
/// translation does not support, a timeout or an internal error is `unknown`.
pub fn discharge(spec: &Spec, goal: &SmtGoal, opts: &SmtOptions) -> Verdict {
    let run = || {
        let mut cfg = Config::new();
        cfg.set_model_generation(true);
        z3::with_z3_config(&cfg, || {
            let ctx = z3::Context::thread_local();
            let handle = ctx.handle();
            let (verdict, interrupted) = within(budget(opts), || handle.interrupt(), || solve(spec, goal, opts));
            if interrupted {
                // Whatever z3 answered after the interruption (an assertion may have been cut
                // short), the verdict is `unknown`: never a pass that was not decided.
                Verdict::Unknown { reason: format!("z3 ran out of its time limit ({} ms)", opts.timeout_ms) }
            } else {
                verdict
            }
        })
    };
    let verdict = match std::panic::catch_unwind(AssertUnwindSafe(run)) {
        Ok(verdict) => verdict,
        Err(payload) => internal_error(payload.as_ref()),
    };
    match (&goal.fallback, verdict.is_pass()) {
        (Some(fallback), false) => fallback.clone(),
        _ => verdict,
    }
}

/// The verdict for a panic inside the translation or z3: `unknown`, with the panic's text.
fn internal_error(payload: &(dyn std::any::Any + Send)) -> Verdict {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    Verdict::Unknown { reason: format!("internal error in the SMT translation: {detail}") }
}

/// A solver with the time limit of `opts`, an optional resource limit, and a fixed seed (the
/// same answers on every machine).
fn solver(opts: &SmtOptions, rlimit: Option<u32>) -> Solver {
    let solver = Solver::new();
    let mut params = Params::new();
    params.set_u32("timeout", opts.timeout_u32());
    if let Some(r) = rlimit {
        params.set_u32("rlimit", r);
    }
    params.set_u32("random_seed", 0);
    solver.set_params(&params);
    solver
}

/// Tries to prove a run goal (a claim about an operation body, see [`body`]) with z3. The
/// answer is `proved` (method `smt`) or `unknown` with the reason; never `failed`: a model of
/// the negation is not rendered as a concrete store and request, so the caller falls back to
/// testing in the interpreter, which finds and shows concrete counterexamples.
pub fn discharge_run(spec: &Spec, goal: &RunGoal, opts: &SmtOptions) -> Verdict {
    if let Some(reason) = body::not_handled(spec, goal) {
        return Verdict::Unknown { reason };
    }
    let run = || {
        let mut cfg = Config::new();
        cfg.set_model_generation(false);
        z3::with_z3_config(&cfg, || {
            let ctx = z3::Context::thread_local();
            let handle = ctx.handle();
            let (verdict, interrupted) =
                within(run_budget(opts), || handle.interrupt(), || solve_run(spec, goal, opts));
            if interrupted {
                Verdict::Unknown {
                    reason: format!("z3 ran out of its time limit ({} ms per goal)", run_budget(opts).as_millis()),
                }
            } else {
                verdict
            }
        })
    };
    match std::panic::catch_unwind(AssertUnwindSafe(run)) {
        Ok(Verdict::Proved { method }) => Verdict::Proved { method },
        Ok(Verdict::Unknown { reason }) => Verdict::Unknown { reason },
        Ok(_) => Verdict::Unknown { reason: "z3 did not prove it".to_string() },
        Err(payload) => internal_error(payload.as_ref()),
    }
}

/// The wall-clock budget of one run goal, all its paths together: twice the time limit of
/// one check and a second for the translation. Past it the goal is `unknown` (and tested).
fn run_budget(opts: &SmtOptions) -> std::time::Duration {
    std::time::Duration::from_millis(opts.timeout_ms.saturating_mul(2).saturating_add(1000))
}

/// z3's resource limit for one path of a run goal: bounds the quantifier instantiation that a
/// satisfiable (not provable) path can wander into, the same on every machine.
const RUN_RLIMIT: u32 = 2_000_000;

fn solve_run(spec: &Spec, goal: &RunGoal, opts: &SmtOptions) -> Verdict {
    let built = match body::build(spec, goal) {
        Ok(b) => b,
        Err(unsupported) => return Verdict::Unknown { reason: unsupported.0 },
    };
    let solver = solver(opts, Some(RUN_RLIMIT));
    for fact in &built.facts {
        solver.assert(fact);
    }
    // Contradictory assumptions (a parameter of an empty type, invariants no store meets)
    // make the claim hold vacuously, which is what it means: it is about valid requests on
    // stores where every invariant holds. `run_paths_feasible` tells such proofs apart.
    for (i, (cond, claim)) in built.paths.iter().enumerate() {
        solver.push();
        solver.assert(cond);
        solver.assert(claim.not());
        let answer = solver.check();
        solver.pop(1);
        match answer {
            SatResult::Unsat => {}
            SatResult::Sat => {
                return Verdict::Unknown { reason: format!("z3 found a possible counterexample on path {}", i + 1) };
            }
            SatResult::Unknown => {
                let reason = solver.get_reason_unknown().unwrap_or_default();
                return Verdict::Unknown { reason: format!("z3 could not decide path {} ({reason})", i + 1) };
            }
        }
    }
    Verdict::Proved { method: Method::Smt }
}

/// For each successful path of a run goal's body, whether z3 finds its condition satisfiable
/// under the assumptions (`Some(false)`: the path cannot be taken; `None`: undecided), or why
/// the goal is not translated. A diagnostic for tests: a claim proved only because no path
/// can be taken is proved vacuously.
pub fn run_paths_feasible(spec: &Spec, goal: &RunGoal, opts: &SmtOptions) -> Result<Vec<Option<bool>>, String> {
    let mut cfg = Config::new();
    cfg.set_model_generation(false);
    z3::with_z3_config(&cfg, || {
        let built = body::build(spec, goal).map_err(|u| u.0)?;
        let solver = Solver::new();
        let mut params = Params::new();
        params.set_u32("timeout", opts.timeout_u32());
        params.set_u32("rlimit", RUN_RLIMIT);
        solver.set_params(&params);
        for fact in &built.facts {
            solver.assert(fact);
        }
        let mut out = Vec::new();
        for (cond, _) in &built.paths {
            solver.push();
            solver.assert(cond);
            out.push(match solver.check() {
                SatResult::Sat => Some(true),
                SatResult::Unsat => Some(false),
                SatResult::Unknown => None,
            });
            solver.pop(1);
        }
        Ok(out)
    })
}

/// The wall-clock budget of one goal, translation and assertions included. z3's `timeout`
/// covers each `check` only, not the simplification each assertion goes through first, which
/// grows faster than the terms (a long regular expression took minutes). The budget leaves
/// room for the check and the attempts at a smaller counterexample, each under the time
/// limit, so it cuts only work that the time limit did not cover.
fn budget(opts: &SmtOptions) -> std::time::Duration {
    let checks = 2 + SMALL_BOUNDS.len() as u64;
    std::time::Duration::from_millis(opts.timeout_ms.saturating_mul(checks).saturating_add(1000))
}

/// Runs `work`; if it is still running after `budget`, calls `interrupt` (from another thread)
/// once. Returns the work's result and whether it was interrupted.
fn within<T>(budget: std::time::Duration, interrupt: impl Fn() + Sync, work: impl FnOnce() -> T) -> (T, bool) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let fired = AtomicBool::new(false);
    let (done, wait) = std::sync::mpsc::channel::<()>();
    let (fired_ref, interrupt_ref) = (&fired, &interrupt);
    let result = std::thread::scope(|s| {
        s.spawn(move || {
            if wait.recv_timeout(budget) == Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
                fired_ref.store(true, Ordering::SeqCst);
                interrupt_ref();
            }
        });
        let result = work();
        drop(done);
        result
    });
    (result, fired.load(Ordering::SeqCst))
}

/// How many models are checked against patterns z3 cannot express before the verdict is
/// `unknown`.
pub const MAX_CANDIDATES: usize = 16;

/// The length bounds on the strings of such patterns tried first, one candidate each, so that
/// short witnesses (the usual kind) are found before z3 wanders off to long strings.
const CANDIDATE_LENGTHS: [i64; 10] = [0, 1, 2, 3, 4, 6, 8, 12, 16, 32];

/// `solver.check()`, when some `matches` atoms stand for patterns z3 cannot express
/// ([`translate::Approx`]): the atoms are free Booleans (implying an over-approximation of the
/// pattern), so `unsat` is final, and a model is a real one only when each atom's value is
/// what the full regular-expression engine says of the model's string. Otherwise that fact
/// (`text = "..." ⇒ atom = real answer`, true of the pattern) is added and z3 asked again:
/// first under growing bounds on the strings' lengths, then without, [`MAX_CANDIDATES`]
/// candidates in all. Returns z3's answer and, when the atoms had to be checked, the checked
/// model (a witness or a counterexample, whose strings the engine confirmed).
fn check_with_witnesses(solver: &Solver, approx: &[translate::Approx]) -> Result<(SatResult, Option<Model>), String> {
    if approx.is_empty() {
        return Ok((solver.check(), None));
    }
    let mut candidates = 0;
    let mut bounds = CANDIDATE_LENGTHS.iter();
    // Unbounded first: an unsatisfiable over-approximation ends the search at once.
    let mut bound: Option<i64> = None;
    while candidates < MAX_CANDIDATES {
        if let Some(b) = bound {
            solver.push();
            for a in approx {
                solver.assert(a.text.length().le(Int::from_i64(b)));
            }
        }
        let answer = solver.check();
        let model = if answer == SatResult::Sat { solver.get_model() } else { None };
        if bound.is_some() {
            solver.pop(1);
        }
        match (answer, bound) {
            (SatResult::Sat, _) => {}
            (other, None) => return Ok((other, None)),
            // Nothing (or nothing decidable) within this bound: the next one.
            (_, Some(_)) => {
                bound = bounds.next().copied();
                continue;
            }
        }
        let Some(model) = model else { return Err("z3 found a model but gave none".to_string()) };
        candidates += 1;
        let mut agree = true;
        for a in approx {
            let text = model.eval(&a.text, true).and_then(|t| t.as_string()).map(|t| translate::unescape(&t));
            let guess = model.eval(&a.atom, true).and_then(|b| b.as_bool());
            let (Some(text), Some(guess)) = (text, guess) else {
                return Err(format!("the pattern {} could not be checked on z3's model", regex::shown(&a.pattern)));
            };
            let real = a.checker.is_match(&text).map_err(|e| {
                format!("the pattern {} could not be checked on {text:?} ({e})", regex::shown(&a.pattern))
            })?;
            if real != guess {
                agree = false;
                let Ok(literal) = z3::ast::String::from_str(&regex::z3_escape(&text)) else {
                    return Err(format!("the pattern {} could not be checked on z3's model", regex::shown(&a.pattern)));
                };
                solver.assert(a.text.eq(&literal).implies(a.atom.eq(z3::ast::Bool::from_bool(real))));
            }
        }
        if agree {
            return Ok((SatResult::Sat, Some(model)));
        }
        if bound.is_none() {
            bound = bounds.next().copied();
        }
    }
    let why =
        approx.first().map(|a| format!("the pattern {}: {}", regex::shown(&a.pattern), a.why)).unwrap_or_default();
    Err(format!(
        "unsupported: {why}; z3 cannot express it, and none of {MAX_CANDIDATES} candidate strings checked with a full regular-expression engine decided the goal"
    ))
}

/// The bounds tried, smallest first, to find a counterexample with small integers.
const SMALL_BOUNDS: [i64; 4] = [1, 10, 100, 1000];

/// z3's resource limit for one attempt at a smaller counterexample. Unlike a time limit it
/// does not depend on the machine, so whether an attempt succeeds, and with it the
/// counterexample's text, is the same everywhere.
const SMALL_RLIMIT: u32 = 2_000_000;

/// The most digits after the point tried, fewest first, to find a counterexample with short
/// decimals (`t = 1.4` rather than `t = 1.3333333333333333333333333334`).
const SMALL_SCALES: [u32; 3] = [1, 2, 4];

/// A model of the solver's (satisfiable) assertions whose free integers are as small as a few
/// bounded attempts can make them, and whose free decimals as small and as short: z3's first
/// model is correct but often has arbitrary values (`price = 8945`) where `price = 1` reads
/// better.
fn smallest_model(solver: &Solver, ints: &[Int], reals: &[Real], opts: &SmtOptions) -> Option<Model> {
    let first = solver.get_model();
    if ints.is_empty() && reals.is_empty() {
        return first;
    }
    let scales: &[u32] = if reals.is_empty() { &[0] } else { &SMALL_SCALES };
    let mut params = Params::new();
    params.set_u32("timeout", opts.timeout_u32());
    params.set_u32("rlimit", SMALL_RLIMIT);
    params.set_u32("random_seed", 0);
    solver.set_params(&params);
    for bound in SMALL_BOUNDS {
        for &scale in scales {
            solver.push();
            for i in ints {
                solver.assert(i.le(Int::from_i64(bound)));
                solver.assert(i.ge(Int::from_i64(-bound)));
            }
            for x in reals {
                solver.assert(x.le(Real::from_rational(bound, 1)));
                solver.assert(x.ge(Real::from_rational(-bound, 1)));
                if let Ok(short) = translate::has_scale(x, scale) {
                    solver.assert(&short);
                }
            }
            let found = if solver.check() == SatResult::Sat { solver.get_model() } else { None };
            solver.pop(1);
            if found.is_some() {
                return found;
            }
        }
    }
    first
}

fn solve(spec: &Spec, goal: &SmtGoal, opts: &SmtOptions) -> Verdict {
    let built = match translate::build(spec, goal) {
        Ok(b) => b,
        Err(unsupported) => return Verdict::Unknown { reason: unsupported.0 },
    };
    let solver = solver(opts, None);
    for fact in &built.facts {
        solver.assert(fact);
    }
    match goal.mode {
        Mode::Valid => solver.assert(built.claim.not()),
        Mode::Satisfiable => solver.assert(&built.claim),
    }
    let (answer, checked) = match check_with_witnesses(&solver, &built.approx) {
        Ok(found) => found,
        Err(reason) => return Verdict::Unknown { reason },
    };
    match (answer, goal.mode) {
        (SatResult::Unsat, Mode::Valid) | (SatResult::Sat, Mode::Satisfiable) => {
            Verdict::Proved { method: Method::Smt }
        }
        (SatResult::Unsat, Mode::Satisfiable) => Verdict::Failed {
            counterexample: Counterexample { summary: goal.failure.clone(), bindings: Vec::new(), trace: Vec::new() },
        },
        (SatResult::Sat, Mode::Valid) => {
            match checked.or_else(|| smallest_model(&solver, &built.free_ints(goal), &built.free_reals(goal), opts)) {
                Some(model) => {
                    let bindings = built.render(spec, &model);
                    let shown: Vec<String> = goal
                        .scope
                        .iter()
                        .zip(&bindings)
                        .filter(|(var, _)| var.shown)
                        .map(|(_, (name, value))| format!("{name} = {value}"))
                        .collect();
                    let summary = if shown.is_empty() {
                        goal.failure.clone()
                    } else {
                        format!("{}: {}", shown.join(", "), goal.failure)
                    };
                    Verdict::Failed { counterexample: Counterexample { summary, bindings, trace: Vec::new() } }
                }
                None => Verdict::Unknown { reason: "z3 found a counterexample but gave no model".to_string() },
            }
        }
        (SatResult::Unknown, _) => {
            let reason = solver.get_reason_unknown().unwrap_or_default();
            if reason.contains("timeout") || reason.contains("canceled") || reason.contains("resource") {
                Verdict::Unknown { reason: format!("z3 ran out of its time limit ({} ms)", opts.timeout_ms) }
            } else {
                Verdict::Unknown { reason: format!("z3 could not decide it ({reason})") }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    #[test]
    fn work_past_its_budget_is_interrupted_once() {
        let stop = AtomicBool::new(false);
        let (spins, interrupted) = within(
            Duration::from_millis(20),
            || stop.store(true, Ordering::SeqCst),
            || {
                let mut spins = 0u64;
                while !stop.load(Ordering::SeqCst) {
                    spins += 1;
                    std::thread::sleep(Duration::from_millis(1));
                }
                spins
            },
        );
        assert!(interrupted && spins > 0);
        let (value, interrupted) = within(Duration::from_secs(60), || panic!("not interrupted"), || 7);
        assert_eq!((value, interrupted), (7, false));
    }

    #[test]
    fn the_budget_covers_every_check() {
        assert_eq!(budget(&SmtOptions { timeout_ms: 2000 }), Duration::from_millis(2000 * 6 + 1000));
        assert_eq!(budget(&SmtOptions { timeout_ms: u64::MAX }), Duration::from_millis(u64::MAX));
    }
}
