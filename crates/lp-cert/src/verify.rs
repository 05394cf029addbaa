//! The deploy gate's verification of a certificate against an output folder.
//!
//! The order matters: the signature is checked before anything in the payload is believed,
//! subject paths are checked before any file is read, and then every reason the certificate
//! does not hold is collected — a gate that stops at the first reason makes people fix one
//! thing at a time.

use crate::dsse::{DsseError, Envelope, IN_TOTO_PAYLOAD_TYPE};
use crate::keys::{PublicKey, TEST_ONLY_KEY_FINGERPRINT, fingerprint, hex};
use crate::policy::Policy;
use crate::statement::{FileRecord, PREDICATE_TYPE, STATEMENT_TYPE, Statement, unsafe_path_reason};
use lp_diagnostics::{Diagnostic, codes};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// The digest algorithms the gate can recompute; a subject naming any other is refused, so
/// no digest in a certificate goes unchecked.
pub const DIGEST_ALGORITHMS: &[&str] = &["sha256", "sha512"];

/// The digests of one file: always SHA-256, and SHA-512 when it was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileDigests {
    pub sha256: [u8; 32],
    pub sha512: Option<[u8; 64]>,
}

/// The output folder as the verifier sees it.
pub trait Tree: Sync {
    /// Every regular file below the output folder, as a relative path with forward slashes,
    /// except the certificate itself; symbolic links are not followed and not listed.
    fn list(&self) -> std::io::Result<Vec<String>>;
    /// Every symbolic link below the output folder (relative paths, forward slashes). The gate
    /// refuses each one: a link can point at an identical file outside the output, which no
    /// digest would notice.
    fn symlinks(&self) -> std::io::Result<Vec<String>> {
        Ok(Vec::new())
    }
    /// The digests of a file (SHA-512 only when `sha512`), `None` when it does not exist as a
    /// regular file reached without following a symbolic link.
    fn digests(&self, rel: &str, sha512: bool) -> std::io::Result<Option<FileDigests>>;
}

/// What the verifier is given besides the tree.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The verifier's own policy; `None` means [`Policy::gate_default`]. The policy recorded
    /// in the certificate can only tighten it.
    pub policy: Option<Policy>,
    /// The spec files as they are on disk now (paths relative to the project), when the
    /// project could be located; `None` skips the comparison (the caller reports why).
    pub spec_on_disk: Option<Vec<FileRecord>>,
    /// The ids of the obligations the spec on disk gives rise to, re-derived by the caller;
    /// each must be recorded in the certificate. `None` skips the check (the caller reports why).
    pub expected_obligations: Option<Vec<String>>,
    /// Whether a certificate signed by the committed TEST-ONLY key may authorize a deploy.
    pub allow_test_key: bool,
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
    // The committed test key's private half is public: it may sign only when the caller says so.
    if v.key_fingerprint == TEST_ONLY_KEY_FINGERPRINT {
        v.diagnostics.push(Diagnostic::new(
            codes::TEST_KEY_SIGNED,
            format!("the certificate is signed by the committed TEST-ONLY key ({TEST_ONLY_KEY_FINGERPRINT}), whose private key anyone can read"),
        ).with_help("sign real deploys with your own key (`leanos-prove keygen`) and pin its public key"));
        if !opts.allow_test_key {
            v.diagnostics.push(
                Diagnostic::new(
                    codes::TEST_KEY_REFUSED,
                    "a certificate signed by the TEST-ONLY key does not authorize a deploy unless `--allow-test-key` is given",
                )
                .with_help("pin your own public key; pass `--allow-test-key` only for tests and demos"),
            );
        }
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
    let mut expected_512: BTreeMap<&str, &str> = BTreeMap::new();
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
        // Every digest a subject carries is checked, so a certificate cannot hide a wrong one
        // behind an algorithm the gate would skip.
        if let Some(alg) = s.digest.keys().find(|a| !DIGEST_ALGORITHMS.contains(&a.as_str())) {
            fail(
                &mut v,
                codes::DIGEST_UNSUPPORTED,
                format!(
                    "subject `{}` carries a `{}` digest, which the gate cannot check (it checks {})",
                    s.name,
                    alg.escape_debug(),
                    DIGEST_ALGORITHMS.join(", ")
                ),
            );
            v.statement = None;
            return Ok(v);
        }
        let is_hex =
            |d: &str, len: usize| d.len() == len && d.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        match s.digest.get("sha256") {
            Some(d) if is_hex(d, 64) => {
                expected.insert(&s.name, d);
            }
            _ => {
                malformed(&mut v, format!("subject `{}` has no lowercase hex SHA-256 digest", s.name));
                v.statement = None;
                return Ok(v);
            }
        }
        match s.digest.get("sha512") {
            Some(d) if is_hex(d, 128) => {
                expected_512.insert(&s.name, d);
            }
            Some(_) => {
                malformed(
                    &mut v,
                    format!("subject `{}` has a SHA-512 digest that is not 128 lowercase hex digits", s.name),
                );
                v.statement = None;
                return Ok(v);
            }
            None => {}
        }
    }
    if unsafe_subject {
        return Ok(v);
    }
    // Every file on disk against every subject, hashed in parallel.
    let on_disk: BTreeSet<String> = tree.list()?.into_iter().collect();
    let links = tree.symlinks()?;
    for link in &links {
        fail(
            &mut v,
            codes::SYMLINK_IN_OUTPUT,
            format!(
                "`{link}` is a symbolic link; the gate follows no links, so a certified output holds only real files and folders"
            ),
        );
    }
    let through_link = |name: &str| {
        links.iter().any(|l| name == l || name.strip_prefix(l.as_str()).is_some_and(|r| r.starts_with('/')))
    };
    let hashed: Vec<(&str, &str, Option<FileDigests>)> = expected
        .par_iter()
        .map(|(name, want)| tree.digests(name, expected_512.contains_key(name)).map(|got| (*name, *want, got)))
        .collect::<std::io::Result<_>>()?;
    v.files_hashed = hashed.iter().filter(|h| h.2.is_some()).count();
    for (name, want, got) in hashed {
        match got {
            // A file behind a link is already refused as the link.
            None if through_link(name) => {}
            None => fail(
                &mut v,
                codes::ARTIFACT_MISSING,
                format!("`{name}` is certified but missing from the output folder"),
            ),
            Some(got) => {
                let got_256 = hex(&got.sha256);
                if got_256 != want {
                    fail(
                        &mut v,
                        codes::ARTIFACT_MODIFIED,
                        format!("`{name}` was modified: sha256 is {got_256}, the certificate records {want}"),
                    );
                } else if let (Some(want), Some(got)) = (expected_512.get(name), got.sha512.map(|d| hex(&d)))
                    && got != *want
                {
                    fail(
                        &mut v,
                        codes::ARTIFACT_MODIFIED,
                        format!(
                            "`{name}` does not match its certified digests: sha512 is {got}, the certificate records {want}"
                        ),
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
    if let Some(ids) = &opts.expected_obligations {
        let recorded: BTreeSet<&str> = proof.obligations.iter().map(|o| o.id.as_str()).collect();
        for id in ids.iter().filter(|id| !recorded.contains(id.as_str())) {
            fail(
                &mut v,
                codes::OBLIGATION_MISSING,
                format!("the spec gives rise to the obligation `{id}`, but the certificate records no verdict for it"),
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
    // The verifier sets the bar; the certified policy can only raise it.
    let policy = opts.policy.clone().unwrap_or_else(Policy::gate_default).tightened_by(&proof.policy);
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
