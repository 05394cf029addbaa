//! The verification policy: which verdicts are good enough to deploy.
//!
//! `failed` and `unknown` never are. Beyond that the policy can demand `proved` for some
//! obligation kinds or passes (`invariant`, `ensures`, `machines`), a minimum number of
//! property-test cases behind a `tested` verdict, and a minimum depth for `bounded`.
//!
//! The gate's bar is set by the verifier, never by the signer: `verify` judges by its own
//! policy (a file it names, else [`Policy::gate_default`]) and the policy recorded in a
//! statement may only tighten it ([`Policy::tightened_by`]).

use crate::statement::ObligationRecord;
use serde::{Deserialize, Serialize};

/// A policy, as written in `leanos.toml`'s `[policy]` table or a `verify --policy` TOML file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Obligation kinds (`invariant`, `ensures`) or passes (`machines`, `contracts`) whose
    /// verdicts must be `proved`.
    #[serde(default)]
    pub require_proved: Vec<String>,
    /// The fewest property-test cases a `tested` verdict may rest on.
    #[serde(default = "default_min_tested_cases")]
    pub min_tested_cases: u64,
    /// Whether `bounded` verdicts are accepted at all.
    #[serde(default = "default_true")]
    pub allow_bounded: bool,
    /// The smallest accepted depth of a `bounded` verdict.
    #[serde(default)]
    pub min_bounded_depth: u64,
}

fn default_min_tested_cases() -> u64 {
    100
}

fn default_true() -> bool {
    true
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            require_proved: Vec::new(),
            min_tested_cases: default_min_tested_cases(),
            allow_bounded: true,
            min_bounded_depth: 0,
        }
    }
}

/// The smallest `bounded` depth the gate accepts when the verifier names no policy: a
/// bounded search of a few steps shows almost nothing, so a certificate may not lower the bar
/// below this by recording a weaker policy.
pub const GATE_MIN_BOUNDED_DEPTH: u64 = 100;

/// Why a policy file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PolicyError(String);

impl Policy {
    /// The verifier's policy when it names none: the build defaults, with `bounded` verdicts
    /// accepted only from a depth of [`GATE_MIN_BOUNDED_DEPTH`].
    pub fn gate_default() -> Policy {
        Policy { min_bounded_depth: GATE_MIN_BOUNDED_DEPTH, ..Policy::default() }
    }

    /// This policy, made stricter wherever `other` is stricter and never looser: the union of
    /// the kinds that must be proved, the larger minimums, and `bounded` only if both accept it.
    pub fn tightened_by(&self, other: &Policy) -> Policy {
        let mut require_proved = self.require_proved.clone();
        for k in &other.require_proved {
            if !require_proved.contains(k) {
                require_proved.push(k.clone());
            }
        }
        Policy {
            require_proved,
            min_tested_cases: self.min_tested_cases.max(other.min_tested_cases),
            allow_bounded: self.allow_bounded && other.allow_bounded,
            min_bounded_depth: self.min_bounded_depth.max(other.min_bounded_depth),
        }
    }

    /// Reads a policy from TOML text (the keys of [`Policy`], at top level).
    pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        toml::from_str(text).map_err(|e| PolicyError(e.message().to_string()))
    }

    /// One sentence per obligation that falls short of the policy, in the obligations' order.
    pub fn violations(&self, obligations: &[ObligationRecord]) -> Vec<String> {
        let mut out = Vec::new();
        for ob in obligations {
            let name = ob.verdict_name();
            let must_prove = self.require_proved.iter().any(|k| *k == ob.kind || *k == ob.pass);
            let why = match name {
                "proved" => None,
                "failed" => Some("failed".to_string()),
                "unknown" => Some(format!(
                    "unknown ({}); unknown verdicts fail closed",
                    ob.verdict.get("reason").and_then(|r| r.as_str()).unwrap_or("no reason given")
                )),
                _ if must_prove => Some(format!("{name}, the policy requires `{}` obligations to be proved", ob.kind)),
                "tested" => {
                    let cases = ob.evidence_u64("cases").unwrap_or(0);
                    (cases < self.min_tested_cases).then(|| {
                        format!("tested ({cases} cases), the policy requires at least {} cases", self.min_tested_cases)
                    })
                }
                "bounded" => {
                    let depth = ob.evidence_u64("depth").unwrap_or(0);
                    if !self.allow_bounded {
                        Some(format!("bounded (depth {depth}), the policy does not accept bounded verdicts"))
                    } else if depth < self.min_bounded_depth {
                        Some(format!(
                            "bounded (depth {depth}), the policy requires a depth of at least {}",
                            self.min_bounded_depth
                        ))
                    } else {
                        None
                    }
                }
                other => Some(format!("has no recognised verdict (`{other}`)")),
            };
            if let Some(why) = why {
                out.push(format!("`{}` is {why}", ob.id));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ob(id: &str, kind: &str, verdict: serde_json::Value) -> ObligationRecord {
        ObligationRecord {
            id: id.into(),
            pass: "machines".into(),
            kind: kind.into(),
            claim: String::new(),
            method: "smt".into(),
            file: "a.adt".into(),
            line: 1,
            verdict,
            digest: String::new(),
        }
    }

    #[test]
    fn each_rule_catches_its_defect() {
        let obs = vec![
            ob("a", "ensures", json!({"verdict": "proved", "method": "smt"})),
            ob("b", "law", json!({"verdict": "tested", "cases": 10, "seed": 1})),
            ob("c", "law", json!({"verdict": "tested", "cases": 500, "seed": 1})),
            ob("d", "invariant", json!({"verdict": "bounded", "depth": 5})),
            ob("e", "x", json!({"verdict": "failed", "counterexample": {}})),
            ob("f", "x", json!({"verdict": "unknown", "reason": "timeout"})),
        ];
        let default = Policy::default().violations(&obs);
        assert_eq!(default.len(), 3, "{default:#?}");
        assert!(default[0].starts_with("`b` is tested (10 cases)"));
        assert!(default[1].starts_with("`e` is failed"));
        assert!(default[2].contains("timeout"));
        let strict = Policy { require_proved: vec!["invariant".into()], ..Policy::default() };
        assert!(
            strict.violations(&obs).iter().any(|v| v.starts_with("`d` is bounded, the policy requires `invariant`"))
        );
        let deep = Policy { min_bounded_depth: 10, ..Policy::default() };
        assert!(deep.violations(&obs).iter().any(|v| v.contains("depth of at least 10")));
        let no_bounded = Policy { allow_bounded: false, ..Policy::default() };
        assert!(no_bounded.violations(&obs).iter().any(|v| v.contains("does not accept bounded")));
    }

    #[test]
    fn a_recorded_policy_only_tightens_the_verifiers() {
        let gate = Policy::gate_default();
        let weak = Policy { min_tested_cases: 1, allow_bounded: true, min_bounded_depth: 0, require_proved: vec![] };
        assert_eq!(gate.tightened_by(&weak), gate);
        let strict = Policy {
            require_proved: vec!["invariant".into()],
            min_tested_cases: 500,
            allow_bounded: false,
            min_bounded_depth: 7,
        };
        let both = gate.tightened_by(&strict);
        assert_eq!(both.require_proved, vec!["invariant".to_string()]);
        assert_eq!(both.min_tested_cases, 500);
        assert!(!both.allow_bounded);
        assert_eq!(both.min_bounded_depth, GATE_MIN_BOUNDED_DEPTH);
        let shallow = vec![ob("d", "invariant", json!({"verdict": "bounded", "depth": 1}))];
        assert_eq!(weak.violations(&shallow), Vec::<String>::new());
        assert_eq!(gate.tightened_by(&weak).violations(&shallow).len(), 1);
    }

    #[test]
    fn toml_typos_are_errors() {
        assert!(Policy::from_toml("min_tested_case = 3").is_err());
        assert!(Policy::from_toml("min_tested_cases = \"many\"").is_err());
        let p = Policy::from_toml("require_proved = [\"invariant\"]\nmin_tested_cases = 256").expect("valid policy");
        assert_eq!(p.min_tested_cases, 256);
        assert!(p.allow_bounded);
    }
}
