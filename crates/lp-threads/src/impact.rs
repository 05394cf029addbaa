//! The one impact policy: a mode-aware weighted mean of three factors in `[0, 1]`, a
//! threshold above which a decision needs a human, and decisions that always need one.
//!
//! LeanOS documents four scoring rules that disagree (see the book's threads page). This
//! module implements one: BOOTSTRAP scores `revenue_impact`, `time_to_cash` and `margin`;
//! VENTURE scores `strategic_value`, `market_size` and `defensibility`; HYBRID uses the
//! bootstrap factors until the mode file says `profitable: true`, then the venture ones. The
//! score is the weighted arithmetic mean (equal weights by default), rounded to two decimals,
//! which is the only reading under which LeanOS's own worked example (0.7, 0.8, 0.9 → 0.80)
//! holds. At or above `threshold` (default 0.8) a decision needs human approval, as do the
//! decisions in `always_flag` (default `PIVOT`). Everything is configurable in the front
//! matter of `strategy/canvas/00-business-model-mode.md`.

use crate::doc::Doc;
use yaml_serde::{Mapping, Value};

/// The business model mode of `00-business-model-mode.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Bootstrap,
    Venture,
    Hybrid,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s.trim().to_ascii_uppercase().as_str() {
            "BOOTSTRAP" => Some(Mode::Bootstrap),
            "VENTURE" => Some(Mode::Venture),
            "HYBRID" => Some(Mode::Hybrid),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Mode::Bootstrap => "BOOTSTRAP",
            Mode::Venture => "VENTURE",
            Mode::Hybrid => "HYBRID",
        }
    }
}

/// The configured policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub mode: Mode,
    /// For HYBRID: once profitable, the venture factors apply.
    pub profitable: bool,
    pub threshold: f64,
    pub bootstrap: Vec<(String, f64)>,
    pub venture: Vec<(String, f64)>,
    pub always_flag: Vec<String>,
}

pub const BOOTSTRAP_FACTORS: [&str; 3] = ["revenue_impact", "time_to_cash", "margin"];
pub const VENTURE_FACTORS: [&str; 3] = ["strategic_value", "market_size", "defensibility"];
pub const DEFAULT_THRESHOLD: f64 = 0.8;

impl Policy {
    pub fn new(mode: Mode) -> Policy {
        let equal = |names: [&str; 3]| names.iter().map(|n| (n.to_string(), 1.0)).collect();
        Policy {
            mode,
            profitable: false,
            threshold: DEFAULT_THRESHOLD,
            bootstrap: equal(BOOTSTRAP_FACTORS),
            venture: equal(VENTURE_FACTORS),
            always_flag: vec!["PIVOT".to_string()],
        }
    }

    /// Reads the policy from the mode file's front matter. Errors name the key at fault.
    pub fn from_mode_file(doc: &Doc) -> Result<Policy, (String, String)> {
        let Some(mode) = doc.get_text("mode") else {
            return Err(("mode".into(), "names no business model mode (`mode: BOOTSTRAP|VENTURE|HYBRID`)".into()));
        };
        let Some(mode) = Mode::parse(&mode) else {
            return Err(("mode".into(), format!("`{mode}` is not a mode: use BOOTSTRAP, VENTURE or HYBRID")));
        };
        let mut p = Policy::new(mode);
        match doc.get("profitable") {
            None => {}
            Some(Value::Bool(b)) => p.profitable = *b,
            Some(_) => return Err(("profitable".into(), "`profitable` must be true or false".into())),
        }
        let Some(cfg) = doc.get("impact") else { return Ok(p) };
        let Value::Mapping(cfg) = cfg else {
            return Err(("impact".into(), "`impact` must be a mapping".into()));
        };
        for (k, v) in cfg {
            let key = k.as_str().unwrap_or("");
            match key {
                "threshold" => match v.as_f64() {
                    Some(t) if (0.0..=1.0).contains(&t) => p.threshold = t,
                    _ => return Err(("threshold".into(), "`impact.threshold` must be a number from 0 to 1".into())),
                },
                "bootstrap" | "venture" => {
                    let w = weights(v).map_err(|m| (key.to_string(), format!("`impact.{key}`: {m}")))?;
                    if key == "bootstrap" {
                        p.bootstrap = w;
                    } else {
                        p.venture = w;
                    }
                }
                "always_flag" => match v {
                    Value::Sequence(items) => {
                        p.always_flag = items.iter().filter_map(|i| i.as_str().map(str::to_ascii_uppercase)).collect();
                    }
                    _ => return Err(("always_flag".into(), "`impact.always_flag` must be a list of decisions".into())),
                },
                other => {
                    return Err((
                        other.to_string(),
                        format!(
                            "`impact.{other}` is not a policy setting (threshold, bootstrap, venture, always_flag)"
                        ),
                    ));
                }
            }
        }
        Ok(p)
    }

    /// The factors and weights in force, with the formula's name.
    pub fn active(&self) -> (&'static str, &[(String, f64)]) {
        match (self.mode, self.profitable) {
            (Mode::Bootstrap, _) | (Mode::Hybrid, false) => ("bootstrap", &self.bootstrap),
            (Mode::Venture, _) | (Mode::Hybrid, true) => ("venture", &self.venture),
        }
    }

    /// A human description of the formula in force.
    pub fn formula(&self) -> String {
        let (name, ws) = self.active();
        let terms: Vec<String> = ws
            .iter()
            .map(|(n, w)| if (*w - 1.0).abs() < f64::EPSILON { n.clone() } else { format!("{w}·{n}") })
            .collect();
        let total: f64 = ws.iter().map(|(_, w)| w).sum();
        format!("{} {name}: ({}) / {total}", self.mode.name(), terms.join(" + "))
    }

    /// Scores the `impact_inputs` mapping, or says which inputs are missing or out of range.
    pub fn score(&self, inputs: Option<&Mapping>) -> Result<f64, Vec<String>> {
        let (_, ws) = self.active();
        let mut problems = Vec::new();
        let mut sum = 0.0;
        let mut total = 0.0;
        for (name, w) in ws {
            match inputs.and_then(|m| m.get(name.as_str())).and_then(Value::as_f64) {
                Some(x) if (0.0..=1.0).contains(&x) => {
                    sum += w * x;
                    total += w;
                }
                Some(x) => problems.push(format!("`{name}` is {x}, outside 0–1")),
                None => problems.push(format!("`{name}` is missing")),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(round2(if total > 0.0 { sum / total } else { 0.0 }))
    }

    /// Whether a decision with this score needs a human.
    pub fn needs_human(&self, score: f64, decision: &str) -> bool {
        score >= self.threshold - 1e-9 || self.always_flag.iter().any(|d| d.eq_ignore_ascii_case(decision))
    }
}

fn weights(v: &Value) -> Result<Vec<(String, f64)>, String> {
    let Value::Mapping(m) = v else { return Err("must map factor names to weights".into()) };
    let mut out = Vec::new();
    for (k, w) in m {
        let name = k.as_str().ok_or("factor names must be strings")?;
        match w.as_f64() {
            Some(w) if w > 0.0 => out.push((name.to_string(), w)),
            _ => return Err(format!("the weight of `{name}` must be a positive number")),
        }
    }
    if out.is_empty() {
        return Err("names no factor".into());
    }
    Ok(out)
}

/// Rounds to two decimals, half away from zero.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Whether a stored score says the same as a computed one (at two decimals).
pub fn same_score(stored: f64, computed: f64) -> bool {
    (round2(stored) - computed).abs() < 0.005
}

#[cfg(test)]
mod tests {
    use super::*;
    use lp_diagnostics::FileId;

    fn inputs(pairs: &[(&str, f64)]) -> Mapping {
        let mut m = Mapping::new();
        for (k, v) in pairs {
            m.insert(Value::from(*k), Value::from(*v));
        }
        m
    }

    #[test]
    fn leanos_worked_example_is_the_mean() {
        let p = Policy::new(Mode::Bootstrap);
        let s = p.score(Some(&inputs(&[("revenue_impact", 0.7), ("time_to_cash", 0.8), ("margin", 0.9)])));
        assert_eq!(s, Ok(0.8));
        assert!(p.needs_human(0.8, "BUILD"));
        assert!(!p.needs_human(0.79, "BUILD"));
        assert!(p.needs_human(0.1, "pivot"));
    }

    #[test]
    fn hybrid_switches_factors_when_profitable() {
        let mut p = Policy::new(Mode::Hybrid);
        let venture = inputs(&[("strategic_value", 0.3), ("market_size", 0.3), ("defensibility", 0.6)]);
        assert!(p.score(Some(&venture)).is_err(), "bootstrap factors are needed until profitable");
        p.profitable = true;
        assert_eq!(p.score(Some(&venture)), Ok(0.4));
    }

    #[test]
    fn out_of_range_and_missing_inputs_are_reported() {
        let p = Policy::new(Mode::Venture);
        let e = p.score(Some(&inputs(&[("strategic_value", 1.5), ("market_size", 0.3)]))).expect_err("bad");
        assert_eq!(e.len(), 2, "{e:?}");
    }

    #[test]
    fn weights_and_threshold_come_from_the_mode_file() {
        let doc = Doc::parse(
            FileId(0),
            "---\nmode: BOOTSTRAP\nimpact:\n  threshold: 0.7\n  bootstrap: {revenue_impact: 2, margin: 1}\n---\n"
                .to_string(),
        );
        let p = Policy::from_mode_file(&doc).expect("policy");
        assert_eq!(p.threshold, 0.7);
        assert_eq!(p.score(Some(&inputs(&[("revenue_impact", 0.9), ("margin", 0.3)]))), Ok(0.7));
        let bad = Doc::parse(FileId(0), "---\nmode: BOOTSTRAP\nimpact:\n  treshold: 0.7\n---\n".to_string());
        assert_eq!(Policy::from_mode_file(&bad).expect_err("typo").0, "treshold");
    }
}
