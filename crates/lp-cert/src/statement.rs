//! The in-toto Statement v1 of a system proof and its predicate, as signed in the certificate.
//!
//! The predicate is plain data: the verdicts arrive as JSON records, so this crate needs no
//! knowledge of specs or checks to sign, read and judge them.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The statement type of in-toto Statement v1.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The predicate type of a leanos-prove system proof.
pub const PREDICATE_TYPE: &str = "https://leanos.dev/attestation/system-proof/v1";

/// An in-toto Statement v1 whose predicate is a [`SystemProof`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    #[serde(rename = "_type")]
    pub statement_type: String,
    pub subject: Vec<Subject>,
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    pub predicate: SystemProof,
}

/// One certified artifact: its path relative to the output folder and its digests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    pub name: String,
    /// Algorithm to lowercase hex; `sha256` is required.
    pub digest: BTreeMap<String, String>,
}

impl Subject {
    pub fn sha256(name: impl Into<String>, hex: impl Into<String>) -> Subject {
        Subject { name: name.into(), digest: BTreeMap::from([("sha256".to_string(), hex.into())]) }
    }
}

/// The predicate: what was checked, how, and whether a deploy is authorized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemProof {
    pub spec: SpecRecord,
    pub tool: ToolRecord,
    pub solver: ToolRecord,
    /// Every obligation with its verdict and evidence, in the check's stable order.
    pub obligations: Vec<ObligationRecord>,
    /// Counts per verdict name.
    pub summary: BTreeMap<String, u64>,
    /// The policy the build judged the verdicts by.
    pub policy: crate::policy::Policy,
    /// Why the build's policy refused the deploy, if it did.
    #[serde(default)]
    pub policy_violations: Vec<String>,
    pub traceability: Traceability,
    pub deploy_authorized: bool,
}

/// The spec the proof is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecRecord {
    pub name: String,
    pub version: String,
    /// SHA-256 of the canonical printed IR: the meaning of the spec, independent of layout.
    pub ir_sha256: String,
    /// Every spec source file and the project file, relative to the project folder.
    pub files: Vec<FileRecord>,
    /// The output folder relative to the project folder (forward slashes), when it lies
    /// inside it; `verify` finds the project from it.
    pub output: Option<String>,
}

/// A file and its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRecord {
    pub path: String,
    pub sha256: String,
}

/// A tool and its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolRecord {
    pub name: String,
    pub version: String,
}

/// One obligation and its verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObligationRecord {
    pub id: String,
    pub pass: String,
    pub kind: String,
    pub claim: String,
    pub method: String,
    /// The spec file (relative to the project) and line the claim is about.
    pub file: String,
    pub line: u64,
    /// The verdict with its evidence: `{"verdict": "tested", "cases": 256, "seed": …}`.
    pub verdict: serde_json::Value,
    /// The obligation's content address.
    pub digest: String,
}

impl ObligationRecord {
    /// The verdict's name (`proved`, `bounded`, `tested`, `failed`, `unknown`), or `""`.
    pub fn verdict_name(&self) -> &str {
        self.verdict.get("verdict").and_then(|v| v.as_str()).unwrap_or("")
    }

    /// A field of the verdict's evidence as a number (`cases`, `depth`, `seed`).
    pub fn evidence_u64(&self, field: &str) -> Option<u64> {
        self.verdict.get(field).and_then(|v| v.as_u64())
    }
}

/// The traceability manifest, both ways.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Traceability {
    /// Artifact path to the spec items it comes from.
    pub artifacts: BTreeMap<String, Vec<String>>,
    /// Spec item to the artifacts that implement it.
    pub items: BTreeMap<String, Vec<String>>,
}

impl Traceability {
    /// Builds both directions from the artifact direction; every item of `all_items` gets an
    /// entry, empty when no artifact names it (which `verify` rejects).
    pub fn from_artifacts(artifacts: BTreeMap<String, Vec<String>>, all_items: &[String]) -> Traceability {
        let mut items: BTreeMap<String, Vec<String>> = all_items.iter().map(|i| (i.clone(), Vec::new())).collect();
        for (path, sources) in &artifacts {
            for s in sources {
                items.entry(s.clone()).or_default().push(path.clone());
            }
        }
        for v in items.values_mut() {
            v.sort();
            v.dedup();
        }
        Traceability { artifacts, items }
    }
}

/// Why a name cannot be a subject: `None` when it is a safe relative path inside the output
/// folder (forward slashes, no `..`, `.` or empty segments, not absolute, no backslash or NUL).
pub fn unsafe_path_reason(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("it is empty");
    }
    if name.starts_with('/') || name.as_bytes().get(1) == Some(&b':') {
        return Some("it is absolute");
    }
    if name.contains('\\') {
        return Some("it contains a backslash");
    }
    if name.contains('\0') {
        return Some("it contains a NUL byte");
    }
    for seg in name.split('/') {
        match seg {
            ".." => return Some("it contains `..`"),
            "." | "" => return Some("it contains an empty or `.` segment"),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_paths_are_named() {
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a\\b", "C:/x", "a/.", "a\0b"] {
            assert!(unsafe_path_reason(bad).is_some(), "{bad:?} should be unsafe");
        }
        for good in ["a", "code/backend/x.py", ".github/workflows/ci.yaml", "a..b/c"] {
            assert_eq!(unsafe_path_reason(good), None, "{good:?} should be safe");
        }
    }

    #[test]
    fn traceability_has_both_directions() {
        let arts = BTreeMap::from([
            ("a.py".to_string(), vec!["type.A".to_string()]),
            ("b.py".to_string(), vec!["type.A".to_string(), "fn.f".to_string()]),
        ]);
        let t = Traceability::from_artifacts(arts, &["type.A".into(), "fn.f".into(), "type.B".into()]);
        assert_eq!(t.items["type.A"], vec!["a.py", "b.py"]);
        assert_eq!(t.items["fn.f"], vec!["b.py"]);
        assert!(t.items["type.B"].is_empty());
    }
}
