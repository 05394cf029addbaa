//! `verify`: locating the output folder, the certificate, the key, the policy and the project,
//! then running the certificate verifier of `lp-cert` over the files on disk.

use crate::certify::{CERTIFICATE_PATH, spec_records};
use crate::fs::FileSystem;
use crate::project::{ProjectConfig, TOML_NAME};
use crate::session::spec_paths;
use lp_cert::policy::Policy;
use lp_cert::verify::{Options, Tree, Verification};
use lp_diagnostics::{Diagnostic, SourceDb, codes};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// What to verify. Paths left out are found from the project.
#[derive(Debug, Clone, Default)]
pub struct VerifyRequest {
    /// The output folder, or a project folder (its `build.output` is used); `.` by default.
    pub path: PathBuf,
    /// The certificate; by default `proofs/composed/system-proof.certificate` in the output.
    pub cert: Option<PathBuf>,
    /// The public key (SPKI PEM); by default the project's `[signing] public_key`.
    pub key: Option<PathBuf>,
    /// A policy file (TOML) to judge by instead of the certified one.
    pub policy: Option<PathBuf>,
    /// The project (folder or lone spec file) whose spec on disk must be the certified one;
    /// by default the project the output folder lies in.
    pub project: Option<PathBuf>,
}

/// A verify that could not run (exit code 2): unreadable paths, no key, a bad policy.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("cannot read `{}`: {error}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        error: std::io::Error,
    },
    #[error("no public key: give `--key FILE` or set `[signing] public_key` in leanos.toml")]
    NoKey,
    #[error("cannot use the public key `{}`: {message}", path.display())]
    Key { path: PathBuf, message: String },
    #[error("the policy `{}` is invalid: {message}", path.display())]
    Policy { path: PathBuf, message: String },
}

impl VerifyError {
    /// The diagnostic code of errors that have one.
    pub fn code(&self) -> Option<lp_diagnostics::Code> {
        matches!(self, VerifyError::Policy { .. }).then_some(codes::POLICY_INVALID)
    }
}

/// What a verify found.
#[derive(Debug)]
pub struct VerifyOutcome {
    pub out_dir: PathBuf,
    pub cert_path: PathBuf,
    /// The project whose spec was compared, if one was located.
    pub project: Option<PathBuf>,
    pub verification: Verification,
    /// The verifier's findings plus those about locating the spec.
    pub diagnostics: Vec<Diagnostic>,
    /// Bytes hashed.
    pub bytes_hashed: u64,
}

impl VerifyOutcome {
    pub fn authorized(&self) -> bool {
        self.verification.statement.is_some() && !self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// The output folder as a [`Tree`] over a [`FileSystem`], skipping the certificate itself.
struct FsTree<'a> {
    fs: &'a dyn FileSystem,
    root: PathBuf,
    skip: Vec<String>,
    bytes: std::sync::atomic::AtomicU64,
}

impl FsTree<'_> {
    fn walk(&self, dir: &Path, rel: &str, out: &mut Vec<String>, depth: usize) -> std::io::Result<()> {
        if depth > 64 {
            return Err(std::io::Error::other(format!("`{}` is nested more than 64 folders deep", dir.display())));
        }
        let mut entries = self.fs.read_dir(dir)?;
        entries.sort();
        for e in entries {
            let name = e.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let r = if rel.is_empty() { name } else { format!("{rel}/{name}") };
            if self.fs.is_dir(&e) {
                self.walk(&e, &r, out, depth + 1)?;
            } else if !self.skip.contains(&r) {
                out.push(r);
            }
        }
        Ok(())
    }
}

impl Tree for FsTree<'_> {
    fn list(&self) -> std::io::Result<Vec<String>> {
        let mut out = Vec::new();
        self.walk(&self.root, "", &mut out, 0)?;
        Ok(out)
    }

    fn sha256(&self, rel: &str) -> std::io::Result<Option<[u8; 32]>> {
        let path = self.root.join(rel);
        if !self.fs.is_file(&path) {
            return Ok(None);
        }
        let bytes = self.fs.read(&path)?;
        self.bytes.fetch_add(bytes.len() as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(Some(Sha256::digest(&bytes).into()))
    }
}

fn read(fs: &dyn FileSystem, path: &Path) -> Result<Vec<u8>, VerifyError> {
    fs.read(path).map_err(|error| VerifyError::Read { path: path.to_path_buf(), error })
}

fn load_config(fs: &dyn FileSystem, root: &Path) -> Option<ProjectConfig> {
    let bytes = fs.read(&root.join(TOML_NAME)).ok()?;
    ProjectConfig::parse(&String::from_utf8_lossy(&bytes)).ok()
}

/// The folder containing `leanos.toml` among `dir` and its ancestors.
fn enclosing_project(fs: &dyn FileSystem, dir: &Path) -> Option<PathBuf> {
    let mut cur = Some(dir);
    while let Some(d) = cur {
        let probe = if d.as_os_str().is_empty() { Path::new(".") } else { d };
        if fs.is_file(&probe.join(TOML_NAME)) {
            return Some(probe.to_path_buf());
        }
        cur = d.parent();
    }
    None
}

/// Verifies a build's certificate against its output folder.
pub fn verify(fs: &dyn FileSystem, req: &VerifyRequest) -> Result<VerifyOutcome, VerifyError> {
    let path = if req.path.as_os_str().is_empty() { PathBuf::from(".") } else { req.path.clone() };
    // A project folder means its output folder.
    let (out_dir, project_of_out) = match load_config(fs, &path) {
        Some(config) if fs.is_file(&path.join(TOML_NAME)) => (path.join(&config.build.output), Some(path.clone())),
        _ => {
            if !fs.is_dir(&path) {
                let error = fs.read(&path).err().unwrap_or_else(|| std::io::Error::other("not a folder"));
                return Err(VerifyError::Read { path, error });
            }
            let project = path.parent().and_then(|p| enclosing_project(fs, p));
            (path.clone(), project)
        }
    };
    let cert_path = req.cert.clone().unwrap_or_else(|| out_dir.join(CERTIFICATE_PATH));
    let certificate = read(fs, &cert_path)?;
    let project = req.project.clone().or(project_of_out);
    let config = project.as_deref().and_then(|p| load_config(fs, p));
    let key_path = match (&req.key, &config, &project) {
        (Some(k), _, _) => k.clone(),
        (None, Some(c), Some(root)) if c.signing.public_key.is_some() => {
            root.join(c.signing.public_key.as_deref().unwrap_or(Path::new("")))
        }
        _ => return Err(VerifyError::NoKey),
    };
    let key_text = String::from_utf8_lossy(&read(fs, &key_path)?).into_owned();
    let key = lp_cert::keys::public_key_from_pem(&key_text)
        .map_err(|e| VerifyError::Key { path: key_path.clone(), message: e.to_string() })?;
    let policy = match &req.policy {
        Some(p) => Some(
            Policy::from_toml(&String::from_utf8_lossy(&read(fs, p)?))
                .map_err(|e| VerifyError::Policy { path: p.clone(), message: e.to_string() })?,
        ),
        None => None,
    };
    let mut diagnostics = Vec::new();
    let spec_on_disk = match &project {
        Some(p) => spec_on_disk(fs, p),
        None => None,
    };
    if spec_on_disk.is_none() {
        diagnostics.push(
            Diagnostic::new(
                codes::SPEC_CHANGED,
                "the spec on disk could not be located, so it cannot be shown to be the certified one",
            )
            .with_help("run verify inside the project, or name it with `--project PATH`"),
        );
    }
    // A certificate cannot cover itself: the one at the usual place, and the one given by
    // `--cert` when it lies in the output folder, are left out of the listing.
    let mut skip = vec![CERTIFICATE_PATH.to_string()];
    skip.extend(cert_path.strip_prefix(&out_dir).ok().map(|r| r.to_string_lossy().replace('\\', "/")));
    let tree = FsTree { fs, root: out_dir.clone(), skip, bytes: Default::default() };
    let verification = lp_cert::verify::verify(&certificate, &key, &tree, &Options { policy, spec_on_disk })
        .map_err(|error| VerifyError::Read { path: out_dir.clone(), error })?;
    let mut all = verification.diagnostics.clone();
    all.extend(diagnostics);
    let bytes_hashed = tree.bytes.load(std::sync::atomic::Ordering::Relaxed);
    Ok(VerifyOutcome { out_dir, cert_path, project, verification, diagnostics: all, bytes_hashed })
}

/// The spec files of a project (or lone spec file) as they are now.
fn spec_on_disk(fs: &dyn FileSystem, path: &Path) -> Option<Vec<lp_cert::statement::FileRecord>> {
    let mut db = SourceDb::new();
    let mut diags = Vec::new();
    let input = crate::session::resolve_input(fs, path, &mut db, &mut diags).ok()??;
    let paths = spec_paths(fs, &input, &db, &mut diags).ok()?;
    Some(spec_records(fs, &input, &paths))
}
