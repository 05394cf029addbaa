//! The deploy gate's verification of a certificate against an output folder.
//!
//! The order matters: the signature is checked before anything in the payload is believed,
//! subject paths are checked before any file is read, and then every reason the certificate
//! does not hold is collected — a gate that stops at the first reason makes people fix one
//! thing at a time.

use crate::dsse::{DsseError, Envelope, IN_TOTO_PAYLOAD_TYPE};
use crate::keys::{PublicKey, fingerprint, hex};
use crate::policy::Policy;
use crate::statement::{FileRecord, PREDICATE_TYPE, STATEMENT_TYPE, Statement, unsafe_path_reason};
use lp_diagnostics::{Diagnostic, codes};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// The output folder as the verifier sees it.
pub trait Tree: Sync {
    /// Every file below the output folder, as a relative path with forward slashes, except
    /// the certificate itself.
    fn list(&self) -> std::io::Result<Vec<String>>;
    /// The SHA-256 of a file, `None` when it does not exist.
    fn sha256(&self, rel: &str) -> std::io::Result<Option<[u8; 32]>>;
}

/// What the verifier is given besides the tree.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The policy to judge by instead of the one recorded in the certificate.
    pub policy: Option<Policy>,
    /// The spec files as they are on disk now (paths relative to the project), when the
    /// project could be located; `None` skips the comparison (the caller reports why).
    pub spec_on_disk: Option<Vec<FileRecord>>,
}

/// The verifier's findings.
#[derive(Debug, Default)]
pub struct Verification {
    /// The statement, once the signature verified and it parsed.
    pub statement: Option<Statement>,
    /// Every reason the certificate does not authorize the deploy (errors), in check order.
    pub diagnostics: Vec<Diagnostic>,
    /// How many files were hashed and their total size is up to the tree.
    pub files_hashed: usize,
    /// The key the signature was checked with.
    pub key_fingerprint: String,
}

impl Verification {
    /// Deploy authorized: the certificate verified with no error.
    pub fn authorized(&self) -> bool {
        self.statement.is_some() && !self.diagnostics.iter().any(|d| d.is_error())
    }
}

fn fail(v: &mut Verification, code: lp_diagnostics::Code, msg: String) {
    v.diagnostics.push(Diagnostic::new(code, msg));
}

/// Verifies `certificate` (the envelope's bytes) with `key` against `tree`.
pub fn verify(certificate: &[u8], key: &PublicKey, tree: &dyn Tree, opts: &Options) -> std::io::Result<Verification> {
    let mut v = Verification { key_fingerprint: fingerprint(key).unwrap_or_default(), ..Verification::default() };
    let malformed = |v: &mut Verification, why: String| {
        fail(v, codes::CERT_MALFORMED, format!("the certificate is malformed: {why}"))
    };
    let envelope: Envelope = match serde_json::from_slice(certificate) {
        Ok(e) => e,
        Err(e) => {
            malformed(&mut v, format!("it is not a DSSE envelope: {e}"));
            return Ok(v);
        }
    };
    if envelope.payload_type != IN_TOTO_PAYLOAD_TYPE {
        malformed(
            &mut v,
            format!("the envelope's payloadType is `{}`, expected `{IN_TOTO_PAYLOAD_TYPE}`", envelope.payload_type),
        );
        return Ok(v);
    }
    let payload = match crate::dsse::verify(&envelope, key) {
        Ok(p) => p,
        Err(DsseError::PayloadEncoding) => {
            malformed(&mut v, "the payload is not valid base64".into());
            return Ok(v);
        }
        Err(e) => {
            let fingerprint = v.key_fingerprint.clone();
            fail(
                &mut v,
                codes::CERT_BAD_SIGNATURE,
                format!("{e} ({}): the certificate was signed by another key or changed after signing", fingerprint),
            );
            return Ok(v);
        }
    };
    // The key hint is not covered by the signature, so it is held to the key that verified:
    // a certificate that names another key is refused rather than half-believed.
    if !envelope.signatures.iter().all(|s| s.keyid == v.key_fingerprint) {
        let named: Vec<&str> = envelope.signatures.iter().map(|s| s.keyid.as_str()).collect();
        let fingerprint = v.key_fingerprint.clone();
        fail(
            &mut v,
            codes::CERT_BAD_SIGNATURE,
            format!("the signature names the key `{}`, but it was verified with {}", named.join("`, `"), fingerprint),
        );
        return Ok(v);
    }
    let statement: Statement = match serde_json::from_slice(&payload) {
        Ok(s) => s,
        Err(e) => {
            malformed(&mut v, format!("the signed payload is not a system-proof statement: {e}"));
            return Ok(v);
        }
    };
    if statement.statement_type != STATEMENT_TYPE || statement.predicate_type != PREDICATE_TYPE {
        malformed(
            &mut v,
            format!(
                "the statement is `{}` with predicate `{}`, expected `{STATEMENT_TYPE}` with `{PREDICATE_TYPE}`",
                statement.statement_type, statement.predicate_type
            ),
        );
        return Ok(v);
    }
    // Subject names and digests, before any file is read.
    let mut seen = BTreeSet::new();
    let mut expected: BTreeMap<&str, &str> = BTreeMap::new();
    let mut unsafe_subject = false;
    for s in &statement.subject {
        if let Some(why) = unsafe_path_reason(&s.name) {
            unsafe_subject = true;
            fail(
                &mut v,
                codes::CERT_UNSAFE_SUBJECT,
                format!(
                    "the certificate's subject `{}` is not a relative path inside the output folder: {why}",
                    s.name.escape_debug()
                ),
            );
            continue;
        }
        if !seen.insert(s.name.as_str()) {
            unsafe_subject = true;
            fail(&mut v, codes::CERT_UNSAFE_SUBJECT, format!("the certificate names the subject `{}` twice", s.name));
            continue;
        }
        match s.digest.get("sha256") {
            Some(d) if d.len() == 64 && d.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) => {
                expected.insert(&s.name, d);
            }
            _ => {
                malformed(&mut v, format!("subject `{}` has no lowercase hex SHA-256 digest", s.name));
                v.statement = None;
                return Ok(v);
            }
        }
    }
    if unsafe_subject {
        return Ok(v);
    }
    // Every file on disk against every subject, hashed in parallel.
    let on_disk: BTreeSet<String> = tree.list()?.into_iter().collect();
    let hashed: Vec<(&str, &str, Option<[u8; 32]>)> = expected
        .par_iter()
        .map(|(name, want)| tree.sha256(name).map(|got| (*name, *want, got)))
        .collect::<std::io::Result<_>>()?;
    v.files_hashed = hashed.iter().filter(|h| h.2.is_some()).count();
    for (name, want, got) in hashed {
        match got {
            None => fail(
                &mut v,
                codes::ARTIFACT_MISSING,
                format!("`{name}` is certified but missing from the output folder"),
            ),
            Some(got) => {
                let got = hex(&got);
                if got != want {
                    fail(
                        &mut v,
                        codes::ARTIFACT_MODIFIED,
                        format!("`{name}` was modified: sha256 is {got}, the certificate records {want}"),
                    );
                }
            }
        }
    }
    for extra in on_disk.iter().filter(|f| !expected.contains_key(f.as_str())) {
        fail(
            &mut v,
            codes::ARTIFACT_UNCERTIFIED,
            format!("`{extra}` is in the output folder but not covered by the certificate"),
        );
    }
    let proof = &statement.predicate;
    if let Some(now) = &opts.spec_on_disk {
        let then: BTreeMap<&str, &str> =
            proof.spec.files.iter().map(|f| (f.path.as_str(), f.sha256.as_str())).collect();
        let now: BTreeMap<&str, &str> = now.iter().map(|f| (f.path.as_str(), f.sha256.as_str())).collect();
        for (path, want) in &then {
            match now.get(path) {
                None => fail(
                    &mut v,
                    codes::SPEC_CHANGED,
                    format!("the spec changed since the certificate was issued: `{path}` is gone"),
                ),
                Some(got) if got != want => fail(
                    &mut v,
                    codes::SPEC_CHANGED,
                    format!(
                        "the spec changed since the certificate was issued: `{path}` has sha256 {got}, the certificate records {want}"
                    ),
                ),
                Some(_) => {}
            }
        }
        for path in now.keys().filter(|p| !then.contains_key(*p)) {
            fail(
                &mut v,
                codes::SPEC_CHANGED,
                format!("the spec changed since the certificate was issued: `{path}` is a new spec file"),
            );
        }
    }
    check_traceability(&mut v, &statement);
    if !proof.deploy_authorized {
        let mut d = Diagnostic::new(
            codes::DEPLOY_NOT_AUTHORIZED,
            format!(
                "the certificate records `deploy_authorized: false` ({} obligation{} fall short of the build's policy)",
                proof.policy_violations.len(),
                if proof.policy_violations.len() == 1 { "" } else { "s" }
            ),
        );
        for why in &proof.policy_violations {
            d = d.with_note(why.clone());
        }
        v.diagnostics.push(d);
    }
    let policy = opts.policy.as_ref().unwrap_or(&proof.policy);
    for why in policy.violations(&proof.obligations) {
        fail(&mut v, codes::POLICY_VIOLATION, format!("policy: {why}"));
    }
    v.statement = Some(statement);
    Ok(v)
}

/// Both directions of the traceability manifest agree with each other and with the subjects.
fn check_traceability(v: &mut Verification, statement: &Statement) {
    let t = &statement.predicate.traceability;
    let subjects: BTreeSet<&str> = statement.subject.iter().map(|s| s.name.as_str()).collect();
    let mut broken = |msg: String| fail(v, codes::TRACEABILITY_BROKEN, format!("traceability: {msg}"));
    for s in &subjects {
        match t.artifacts.get(*s) {
            None => broken(format!("artifact `{s}` has no entry")),
            Some(items) if items.is_empty() => broken(format!("artifact `{s}` names no spec item")),
            Some(_) => {}
        }
    }
    for a in t.artifacts.keys().filter(|a| !subjects.contains(a.as_str())) {
        broken(format!("`{a}` has an entry but is not a subject of the certificate"));
    }
    for (item, arts) in &t.items {
        if arts.is_empty() {
            broken(format!("spec item `{item}` names no artifact"));
        }
        for a in arts {
            if !t.artifacts.get(a).is_some_and(|items| items.contains(item)) {
                broken(format!("spec item `{item}` names `{a}`, but `{a}` does not name it"));
            }
        }
    }
    for (a, items) in &t.artifacts {
        for item in items {
            if !t.items.get(item).is_some_and(|arts| arts.contains(a)) {
                broken(format!("`{a}` names spec item `{item}`, which does not name it back"));
            }
        }
    }
}
