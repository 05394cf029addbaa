//! `verify`: locating the output folder, the certificate, the trusted key, the policy and the
//! project, then running the certificate verifier of `lp-cert` over the files on disk.
//!
//! Nothing in the tree being verified chooses what it is judged by: the trusted key is pinned
//! by the caller (a key file, the key's text, or a fingerprint the tree's key must have), the
//! policy is the caller's (the certified one can only tighten it), and the project whose spec
//! is compared must be the one the certificate places its output in.

use crate::certify::{CERTIFICATE_PATH, spec_records};
use crate::fs::{FileSystem, lexical_normal};
use crate::project::{ProjectConfig, TOML_NAME};
use crate::session::{obligation_ids, spec_paths};
use lp_cert::policy::Policy;
use lp_cert::verify::{FileDigests, Options, Tree, Verification};
use lp_diagnostics::{Diagnostic, SourceDb, codes};
use sha2::{Digest, Sha256, Sha512};
use std::path::{Path, PathBuf};

/// What to verify. Paths left out are found from the project.
#[derive(Debug, Clone, Default)]
pub struct VerifyRequest {
    /// The output folder, or a project folder (its `build.output` is used); `.` by default.
    pub path: PathBuf,
    /// The certificate; by default `proofs/composed/system-proof.certificate` in the output.
    pub cert: Option<PathBuf>,
    /// The trusted public key (an SPKI PEM file); it comes first.
    pub key: Option<PathBuf>,
    /// The trusted public key's SPKI PEM text, when no key file is given.
    pub key_pem: Option<String>,
    /// A pinned fingerprint (`SHA256:` and 64 hex digits). Without a key above, the project's
    /// `[signing] public_key` is read and trusted only if it has this fingerprint; with one,
    /// that key must have it too.
    pub key_fingerprint: Option<String>,
    /// Whether a certificate signed by the committed TEST-ONLY key may authorize a deploy.
    pub allow_test_key: bool,
    /// The verifier's policy file (TOML); the certified policy can only tighten it. Without
    /// one the gate's default policy applies.
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
    #[error(
        "no trusted public key: pin one with `--key FILE`, the environment variable `LEANOS_TRUSTED_KEY` (a PEM file or the PEM text) or `--key-fingerprint SHA256:<hex>`; the project's `[signing] public_key` lies in the tree being verified, so it is not trusted on its own"
    )]
    NoKey,
    #[error("the pinned key fingerprint `{}` is not `SHA256:` followed by 64 hex digits", value.escape_debug())]
    Fingerprint { value: String },
    #[error(
        "a key fingerprint is pinned, but no public key was given and the project names none (`[signing] public_key`); give `--key FILE` or `LEANOS_TRUSTED_KEY`"
    )]
    NoKeyForFingerprint,
    #[error("cannot use the public key `{}`: {message}", path.display())]
    Key { path: PathBuf, message: String },
    #[error("the policy `{}` is invalid: {message}", path.display())]
    Policy { path: PathBuf, message: String },
}

impl VerifyError {
    /// The diagnostic code of errors that have one.
    pub fn code(&self) -> Option<lp_diagnostics::Code> {
        match self {
            VerifyError::Policy { .. } => Some(codes::POLICY_INVALID),
            VerifyError::NoKey | VerifyError::Fingerprint { .. } | VerifyError::NoKeyForFingerprint => {
                Some(codes::TRUST_ANCHOR_MISSING)
            }
            VerifyError::Read { .. } | VerifyError::Key { .. } => None,
        }
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

/// The output folder as a [`Tree`] over a [`FileSystem`], skipping the certificate in use.
/// Symbolic links are never followed: they are reported, and not descended into or hashed.
struct FsTree<'a> {
    fs: &'a dyn FileSystem,
    root: PathBuf,
    /// The certificate being verified, when it lies in the output folder (relative path).
    skip: Option<String>,
    bytes: std::sync::atomic::AtomicU64,
}

/// What a walk of the output folder found: regular files and symbolic links.
#[derive(Default)]
struct Walk {
    files: Vec<String>,
    links: Vec<String>,
}

impl FsTree<'_> {
    fn walk(&self, dir: &Path, rel: &str, out: &mut Walk, depth: usize) -> std::io::Result<()> {
        if depth > 64 {
            return Err(std::io::Error::other(format!("`{}` is nested more than 64 folders deep", dir.display())));
        }
        let mut entries = self.fs.read_dir(dir)?;
        entries.sort();
        for e in entries {
            let name = e.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let r = if rel.is_empty() { name } else { format!("{rel}/{name}") };
            if self.fs.is_symlink(&e) {
                out.links.push(r);
            } else if self.fs.is_dir(&e) {
                self.walk(&e, &r, out, depth + 1)?;
            } else if self.skip.as_deref() != Some(r.as_str()) {
                out.files.push(r);
            }
        }
        Ok(())
    }

    fn walk_all(&self) -> std::io::Result<Walk> {
        let mut out = Walk::default();
        self.walk(&self.root, "", &mut out, 0)?;
        Ok(out)
    }
}

impl Tree for FsTree<'_> {
    fn list(&self) -> std::io::Result<Vec<String>> {
        Ok(self.walk_all()?.files)
    }

    fn symlinks(&self) -> std::io::Result<Vec<String>> {
        Ok(self.walk_all()?.links)
    }

    fn digests(&self, rel: &str, sha512: bool) -> std::io::Result<Option<FileDigests>> {
        // Every step from the output folder down must be a real folder or file, not a link.
        let mut path = self.root.clone();
        for seg in rel.split('/') {
            path.push(seg);
            if self.fs.is_symlink(&path) {
                return Ok(None);
            }
        }
        if !self.fs.is_file(&path) {
            return Ok(None);
        }
        let bytes = self.fs.read(&path)?;
        self.bytes.fetch_add(bytes.len() as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(Some(FileDigests {
            sha256: Sha256::digest(&bytes).into(),
            sha512: sha512.then(|| Sha512::digest(&bytes).into()),
        }))
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
    // The project found by looking upwards from the output folder is only a guess; it must be
    // shown to be the certified one below.
    let project_found_upwards = req.project.is_none() && !fs.is_file(&path.join(TOML_NAME));
    let project = req.project.clone().or(project_of_out);
    let (key, key_source) = trusted_key(fs, req, project.as_deref())?;
    let found = lp_cert::keys::fingerprint(&key).unwrap_or_default();
    if let Some(pinned) = &req.key_fingerprint {
        let pinned = normal_fingerprint(pinned)?;
        if found != pinned {
            let diagnostics = vec![Diagnostic::new(
                codes::KEY_FINGERPRINT_MISMATCH,
                format!(
                    "the public key `{}` has the fingerprint {found}, not the pinned {pinned}; nothing the certificate says is believed",
                    key_source.display()
                ),
            )];
            let verification = Verification { key_fingerprint: found, ..Verification::default() };
            return Ok(VerifyOutcome { out_dir, cert_path, project, verification, diagnostics, bytes_hashed: 0 });
        }
    }
    let policy = match &req.policy {
        Some(p) => Some(
            Policy::from_toml(&String::from_utf8_lossy(&read(fs, p)?))
                .map_err(|e| VerifyError::Policy { path: p.clone(), message: e.to_string() })?,
        ),
        None => None,
    };
    let mut diagnostics = Vec::new();
    let spec_on_disk = project.as_deref().and_then(|p| spec_on_disk(fs, p));
    let expected_obligations = match (&project, &spec_on_disk) {
        (Some(p), Some(_)) => {
            let ids = obligation_ids(fs, p);
            if ids.is_none() {
                diagnostics.push(
                    Diagnostic::new(
                        codes::OBLIGATION_MISSING,
                        "the obligations of the spec on disk could not be derived, so the certificate cannot be shown to record them all",
                    )
                    .with_help("run `leanos-prove check` on the project and fix the errors it reports"),
                );
            }
            ids
        }
        _ => None,
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
    // A certificate cannot cover itself: the one being verified is left out of the listing
    // when it lies in the output folder. Any other file, a stray certificate at the usual
    // place included, must be covered.
    let skip = lexical_normal(&cert_path)
        .strip_prefix(lexical_normal(&out_dir))
        .ok()
        .map(|r| r.to_string_lossy().replace('\\', "/"));
    let tree = FsTree { fs, root: out_dir.clone(), skip, bytes: Default::default() };
    let options = Options { policy, spec_on_disk, expected_obligations, allow_test_key: req.allow_test_key };
    let verification = lp_cert::verify::verify(&certificate, &key, &tree, &options)
        .map_err(|error| VerifyError::Read { path: out_dir.clone(), error })?;
    if let (Some(st), Some(p)) = (&verification.statement, &project) {
        diagnostics.extend(project_mismatch(fs, &st.predicate.spec, p, &out_dir, project_found_upwards));
    }
    let mut all = verification.diagnostics.clone();
    all.extend(diagnostics);
    let bytes_hashed = tree.bytes.load(std::sync::atomic::Ordering::Relaxed);
    Ok(VerifyOutcome { out_dir, cert_path, project, verification, diagnostics: all, bytes_hashed })
}

/// The trusted public key and where it came from: `--key`, else the PEM text, else (with a
/// pinned fingerprint, checked by the caller) the project's `[signing] public_key`.
fn trusted_key(
    fs: &dyn FileSystem,
    req: &VerifyRequest,
    project: Option<&Path>,
) -> Result<(lp_cert::keys::PublicKey, PathBuf), VerifyError> {
    let (text, source) = if let Some(k) = &req.key {
        (String::from_utf8_lossy(&read(fs, k)?).into_owned(), k.clone())
    } else if let Some(pem) = &req.key_pem {
        (pem.clone(), PathBuf::from("LEANOS_TRUSTED_KEY"))
    } else if let Some(pinned) = &req.key_fingerprint {
        normal_fingerprint(pinned)?;
        let named = project.and_then(|root| {
            let config = load_config(fs, root)?;
            Some(root.join(config.signing.public_key?))
        });
        let path = named.ok_or(VerifyError::NoKeyForFingerprint)?;
        (String::from_utf8_lossy(&read(fs, &path)?).into_owned(), path)
    } else {
        return Err(VerifyError::NoKey);
    };
    let key = lp_cert::keys::public_key_from_pem(&text)
        .map_err(|e| VerifyError::Key { path: source.clone(), message: e.to_string() })?;
    Ok((key, source))
}

/// A pinned fingerprint in the form [`lp_cert::keys::fingerprint`] writes: `SHA256:` and 64
/// lowercase hex digits (upper case is accepted and lowered).
fn normal_fingerprint(value: &str) -> Result<String, VerifyError> {
    let bad = || VerifyError::Fingerprint { value: value.to_string() };
    let hex = value.trim().strip_prefix("SHA256:").ok_or_else(bad)?;
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    Ok(format!("SHA256:{}", hex.to_ascii_lowercase()))
}

/// Why the located project is not the one the certificate was issued for, if it is not: the
/// certified output folder, taken relative to the project, must be the folder being verified.
/// A project found by looking upwards must be confirmed that way; one named by the caller is
/// held to it when the certificate records where its output lies.
fn project_mismatch(
    fs: &dyn FileSystem,
    spec: &lp_cert::statement::SpecRecord,
    project: &Path,
    out_dir: &Path,
    found_upwards: bool,
) -> Option<Diagnostic> {
    match &spec.output {
        Some(output) if fs.canonical(&project.join(output)) != fs.canonical(out_dir) => Some(
            Diagnostic::new(
                codes::SPEC_CHANGED,
                format!(
                    "the project `{}` is not the one the certificate was issued for: its certified output `{}` is `{}`, not the verified folder `{}`",
                    project.display(),
                    output,
                    project.join(output).display(),
                    out_dir.display()
                ),
            )
            .with_help("verify the project folder itself, or name it with `--project PATH`"),
        ),
        None if found_upwards => Some(
            Diagnostic::new(
                codes::SPEC_CHANGED,
                format!(
                    "the certificate does not place its output inside a project, so the project `{}` found above the output folder cannot be shown to be the certified one",
                    project.display()
                ),
            )
            .with_help("name the project with `--project PATH`"),
        ),
        _ => None,
    }
}

/// The spec files of a project (or lone spec file) as they are now.
fn spec_on_disk(fs: &dyn FileSystem, path: &Path) -> Option<Vec<lp_cert::statement::FileRecord>> {
    let mut db = SourceDb::new();
    let mut diags = Vec::new();
    let input = crate::session::resolve_input(fs, path, &mut db, &mut diags).ok()??;
    let paths = spec_paths(fs, &input, &db, &mut diags).ok()?;
    Some(spec_records(fs, &input, &paths))
}
