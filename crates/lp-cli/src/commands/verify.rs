//! `leanos-prove verify`: the deploy gate. Exit 0 = deploy authorized, 1 = the certificate
//! does not hold (every reason listed), 2 = usage or IO error.

use crate::cli::Status;
use crate::output::Output;
use lp_diagnostics::{Diagnostic, SourceDb};
use lp_driver::fs::OsFs;
use lp_driver::verify::{VerifyRequest, verify};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The build output folder, or a project folder (its `build.output` is verified).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The certificate; by default `proofs/composed/system-proof.certificate` in the output.
    #[arg(long, value_name = "FILE")]
    pub cert: Option<PathBuf>,
    /// The public key (SPKI PEM) the certificate must be signed with; by default the
    /// project's `[signing] public_key`.
    #[arg(long, value_name = "PUB")]
    pub key: Option<PathBuf>,
    /// A policy (TOML) to judge the verdicts by instead of the certified one.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// The project (folder or spec file) whose spec on disk must be the certified one; by
    /// default the project the output folder lies in.
    #[arg(long, value_name = "PATH")]
    pub project: Option<PathBuf>,
}

pub fn run(args: Args, out: &Output) -> Status {
    let req = VerifyRequest {
        path: args.path.clone(),
        cert: args.cert.clone(),
        key: args.key.clone(),
        policy: args.policy.clone(),
        project: args.project.clone(),
    };
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
            outcome.cert_path.display()
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
