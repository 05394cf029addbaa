//! `leanos-prove verify`: the deploy gate. Exit 0 = deploy authorized, 1 = the certificate
//! does not hold (every reason listed), 2 = usage or IO error.
//!
//! The trusted key is pinned from outside the tree: `--key FILE`, else `LEANOS_TRUSTED_KEY`
//! (a PEM file, or the PEM text when it starts with `-----BEGIN`), else `--key-fingerprint`
//! (or `LEANOS_TRUSTED_KEY_FINGERPRINT`), which the project's own public key must match.

use crate::cli::Status;
use crate::output::Output;
use lp_diagnostics::{Diagnostic, SourceDb};
use lp_driver::fs::OsFs;
use lp_driver::verify::{VerifyRequest, verify};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The build output folder, or a project folder (its `build.output` is verified).
    #[arg(default_value = ".", value_parser = crate::cli::path_arg)]
    pub path: PathBuf,
    /// The certificate; by default `proofs/composed/system-proof.certificate` in the output.
    #[arg(long, value_name = "FILE", value_parser = crate::cli::path_arg)]
    pub cert: Option<PathBuf>,
    /// The trusted public key (SPKI PEM) the certificate must be signed with. Without it:
    /// `LEANOS_TRUSTED_KEY` (a PEM file or the PEM text), else `--key-fingerprint`. The
    /// project's own `[signing] public_key` is never trusted on its own.
    #[arg(long, value_name = "PUB", value_parser = crate::cli::path_arg)]
    pub key: Option<PathBuf>,
    /// A pinned key fingerprint (`SHA256:<hex>`, as `keygen` prints it; also
    /// `LEANOS_TRUSTED_KEY_FINGERPRINT`): the project's `[signing] public_key` is trusted only
    /// if it has this fingerprint.
    #[arg(long, value_name = "SHA256:HEX")]
    pub key_fingerprint: Option<String>,
    /// Accept a certificate signed by the committed TEST-ONLY key (tests and demos only).
    #[arg(long)]
    pub allow_test_key: bool,
    /// The verifier's policy (TOML; also `LEANOS_VERIFY_POLICY`); the certified policy can
    /// only tighten it. Without one the gate's defaults apply.
    #[arg(long, value_name = "FILE", value_parser = crate::cli::path_arg)]
    pub policy: Option<PathBuf>,
    /// The project (folder or spec file) whose spec on disk must be the certified one; by
    /// default the project the output folder lies in.
    #[arg(long, value_name = "PATH", value_parser = crate::cli::path_arg)]
    pub project: Option<PathBuf>,
}

/// Fills in the trust anchor and the policy from the environment where the command line left
/// them out: `LEANOS_TRUSTED_KEY`, `LEANOS_TRUSTED_KEY_FINGERPRINT`, `LEANOS_VERIFY_POLICY`.
pub fn from_environment(req: &mut VerifyRequest) {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    if req.key.is_none()
        && req.key_pem.is_none()
        && let Some(v) = var("LEANOS_TRUSTED_KEY")
    {
        if v.trim_start().starts_with("-----BEGIN") {
            req.key_pem = Some(v);
        } else {
            req.key = Some(PathBuf::from(v));
        }
    }
    if req.key_fingerprint.is_none() {
        req.key_fingerprint = var("LEANOS_TRUSTED_KEY_FINGERPRINT");
    }
    if req.policy.is_none() {
        req.policy = var("LEANOS_VERIFY_POLICY").map(PathBuf::from);
    }
}

pub fn run(args: Args, out: &Output) -> Status {
    let mut req = VerifyRequest {
        path: args.path.clone(),
        cert: args.cert.clone(),
        key: args.key.clone(),
        key_pem: None,
        key_fingerprint: args.key_fingerprint.clone(),
        allow_test_key: args.allow_test_key,
        policy: args.policy.clone(),
        project: args.project.clone(),
    };
    from_environment(&mut req);
    let db = SourceDb::new();
    let outcome = match verify(&OsFs, &req) {
        Ok(o) => o,
        Err(e) => {
            match e.code() {
                Some(code) => out.diagnostics(
                    &db,
                    &[Diagnostic::new(code, e.to_string())],
                    serde_json::json!({}),
                    "verify failed",
                ),
                None => out.fatal(&e.to_string()),
            }
            return Status::Error;
        }
    };
    let authorized = outcome.authorized();
    let st = outcome.verification.statement.as_ref();
    let spec = st.map(|s| format!("{} {}", s.predicate.spec.name, s.predicate.spec.version));
    let errors = outcome.diagnostics.iter().filter(|d| d.is_error()).count();
    let summary = if authorized {
        format!(
            "deploy authorized: {} ({} artifacts, {} bytes re-hashed, {} obligations, signed by {})",
            spec.clone().unwrap_or_default(),
            outcome.verification.files_hashed,
            outcome.bytes_hashed,
            st.map(|s| s.predicate.obligations.len()).unwrap_or(0),
            outcome.verification.key_fingerprint
        )
    } else {
        format!(
            "deploy NOT authorized: {errors} reason{} ({})",
            if errors == 1 { "" } else { "s" },
            lp_diagnostics::render::escape_line(&outcome.cert_path.display().to_string())
        )
    };
    let json = serde_json::json!({
        "authorized": authorized,
        "out_dir": outcome.out_dir.display().to_string(),
        "certificate": outcome.cert_path.display().to_string(),
        "project": outcome.project.as_ref().map(|p| p.display().to_string()),
        "key": outcome.verification.key_fingerprint,
        "spec": st.map(|s| serde_json::json!({
            "name": s.predicate.spec.name,
            "version": s.predicate.spec.version,
            "ir_sha256": s.predicate.spec.ir_sha256,
        })),
        "files_hashed": outcome.verification.files_hashed,
        "bytes_hashed": outcome.bytes_hashed,
    });
    out.diagnostics(&db, &outcome.diagnostics, json, &summary);
    if !authorized {
        let first =
            outcome.diagnostics.iter().find(|d| d.is_error()).map(|d| format!(" (first: [{}] {})", d.code, d.message));
        let project = outcome.project.clone().unwrap_or_else(|| args.path.clone());
        crate::gate_log::record_failure(&project, "verify", &format!("{summary}{}", first.unwrap_or_default()), out);
    }
    if authorized { Status::Success } else { Status::Failure }
}
