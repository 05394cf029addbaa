//! Obligations and verdicts: the currency between the passes, the dischargers and the
//! certificate (DESIGN §4).
//!
//! A pass emits an [`Obligation`] for each claim it makes about the spec. The claim is either
//! decided by the pass itself (a structural fact, an exhaustive enumeration) or handed to a
//! discharger: z3 for [`Goal::Smt`], property tests for [`Goal::Law`]. Discharging yields a
//! [`Verdict`]. No pass may emit an obligation that cannot fail.

use lp_diagnostics::{Code, FileId, Span};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Which pass emitted an obligation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pass {
    /// ADT structure: inhabitation, recursion, normal form and path counts.
    Adt,
    /// Totality: exhaustive matches, inhabited results, satisfiable refinements.
    Totality,
    /// Contracts: `requires`/`ensures` and refinement preservation.
    Contracts,
    /// Functors: variance and the `map` laws.
    Functor,
    /// Composition and architecture: flows and the service graph.
    Composition,
    /// State machines.
    Machines,
    /// Version compatibility.
    Versions,
    /// Operation bodies: errors, HTTP method semantics, `fire` and `create`.
    Behaviour,
}

impl Pass {
    pub fn as_str(self) -> &'static str {
        match self {
            Pass::Adt => "adt",
            Pass::Totality => "totality",
            Pass::Contracts => "contracts",
            Pass::Functor => "functor",
            Pass::Composition => "composition",
            Pass::Machines => "machines",
            Pass::Versions => "versions",
            Pass::Behaviour => "behaviour",
        }
    }
}

/// How a verdict was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Decided by inspecting the IR (a graph search, a fixpoint).
    Structural,
    /// Decided by enumerating a finite domain completely.
    Exhaustive,
    /// Decided by z3: the negation of the claim is unsatisfiable.
    Smt,
    /// Property tests over generated values.
    PropertyTest,
    /// Bounded exploration up to a depth.
    Bounded,
}

/// A concrete witness that a claim is false.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counterexample {
    /// One line in spec terms: `price = 0, pct = 101: ensures result <= price fails`.
    pub summary: String,
    /// The values, name to rendered value, in a stable order.
    pub bindings: Vec<(String, String)>,
    /// A shortest event trace, for state machines; empty otherwise.
    pub trace: Vec<TraceStep>,
}

/// One step of a counterexample trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceStep {
    pub state: String,
    /// The event that leads out of `state` (none for the last step).
    pub event: Option<String>,
    pub vars: Vec<(String, String)>,
}

/// The outcome of discharging one obligation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum Verdict {
    /// Decided true.
    Proved { method: Method },
    /// No violation up to `depth`.
    Bounded { depth: u32 },
    /// Property tests passed: `cases` really ran, `seed` replays them.
    Tested { cases: u32, seed: u64 },
    /// Decided false, with a witness.
    Failed { counterexample: Counterexample },
    /// Not decided (solver timeout, unsupported theory). Fails closed.
    Unknown { reason: String },
}

impl Verdict {
    /// The verdict's name as the summary and the certificate spell it.
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Proved { .. } => "proved",
            Verdict::Bounded { .. } => "bounded",
            Verdict::Tested { .. } => "tested",
            Verdict::Failed { .. } => "failed",
            Verdict::Unknown { .. } => "unknown",
        }
    }

    /// Whether the verdict lets a deploy through under the default policy. `unknown` fails
    /// closed.
    pub fn is_pass(&self) -> bool {
        matches!(self, Verdict::Proved { .. } | Verdict::Bounded { .. } | Verdict::Tested { .. })
    }
}

/// What a failed or unknown obligation reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The code of the diagnostic emitted when the obligation fails.
    pub code: Code,
    /// The diagnostic's message when it fails, e.g. "postcondition may not hold".
    pub message: String,
    /// The primary label's text.
    pub label: String,
    /// Extra places, such as the declaration a claim comes from.
    pub secondary: Vec<(FileId, Span, String)>,
    pub help: Option<String>,
}

/// One claim about the spec.
#[derive(Debug, Clone)]
pub struct Obligation {
    /// Stable across edits that do not change the claim: built from the spec item's path
    /// (`contracts/fn.discounted/ensures.0`), never from line numbers.
    pub id: String,
    pub pass: Pass,
    /// A short kind such as `ensures`, `refinement-sat`, `match-exhaustive`.
    pub kind: &'static str,
    /// A human sentence: what is claimed.
    pub claim: String,
    pub file: FileId,
    pub span: Span,
    pub method: Method,
    pub goal: Goal,
    pub report: Report,
}

/// How an obligation is to be discharged.
#[derive(Debug, Clone)]
pub enum Goal {
    /// The pass decided it while running.
    Decided(Verdict),
    /// Valid formula: discharged by the SMT crate.
    Smt(crate::smt_goal::SmtGoal),
    /// A law checked by property tests.
    Law(crate::law::LawGoal),
    /// A claim about an operation body, tested by running it in the reference interpreter.
    Run(crate::run_goal::RunGoal),
}

impl Obligation {
    /// The content address of the obligation: a digest of its canonical form (the goal
    /// without spans) and the tool version. Equal digests may share a cached verdict.
    pub fn digest(&self, tool_version: &str) -> String {
        let mut h = Sha256::new();
        h.update(tool_version.as_bytes());
        h.update([0]);
        h.update(self.id.as_bytes());
        h.update([0]);
        h.update(self.goal_canonical().as_bytes());
        hex(&h.finalize())
    }

    /// The digest of what is to be decided, without the obligation's id nor the wording of a
    /// counterexample: two obligations with the same goal digest are proved, or not,
    /// together (the goal's canonical form holds everything its discharge reads), so a run
    /// proves each goal digest once and shares the proof; any other verdict is reached for
    /// each obligation on its own, since it words its counterexample. Many fields of an
    /// imported API share one refinement, say.
    pub fn goal_digest(&self, tool_version: &str) -> String {
        let mut h = Sha256::new();
        h.update(tool_version.as_bytes());
        h.update([0]);
        match &self.goal {
            Goal::Smt(g) => h.update(format!("smt:{}", g.decision_canonical()).as_bytes()),
            _ => h.update(self.goal_canonical().as_bytes()),
        }
        hex(&h.finalize())
    }

    fn goal_canonical(&self) -> String {
        match &self.goal {
            Goal::Decided(v) => format!("decided:{}", serde_json::to_string(v).unwrap_or_default()),
            Goal::Smt(g) => format!("smt:{}", g.canonical()),
            Goal::Law(l) => format!("law:{}", l.canonical()),
            Goal::Run(r) => format!("run:{}", r.canonical()),
        }
    }
}

/// Lower-case hexadecimal of bytes (sha2 0.11 digests do not format themselves).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}
