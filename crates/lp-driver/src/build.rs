//! `build`: check, then write the build output — all of it or nothing.
//!
//! The output is assembled in a temporary sibling folder and renamed into place, so an
//! interrupted or failed build leaves the previous output intact, and a reader never sees a
//! half-written tree.
//!
//! Builds of one output take turns: the write phase holds an advisory lock on `.NAME.lock`
//! beside the output folder (the operating system releases it when a build dies, so it never
//! goes stale). A second build waits for it, says so while it waits, and reports `LP8030`
//! when it is done, as cargo does with its build folder. Holding the lock proves that no other
//! build is writing, so the temporary folders a killed build left behind are removed then.

use crate::discharge::CheckOptions;
use crate::fs::FileSystem;
use crate::project::{BuildSection, Target};
use crate::session::{CheckOutcome, Input, LoadError, check_with};
use lp_check::{Obligation, Verdict};
use lp_diagnostics::{Diagnostic, codes};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What a build produced.
#[derive(Debug)]
pub struct BuildOutcome {
    pub check: CheckOutcome,
    /// The output folder, when the build wrote one.
    pub out_dir: Option<PathBuf>,
    /// The files written, relative to `out_dir`, sorted.
    pub written: Vec<String>,
}

/// A failure while writing the output (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("cannot write the build output `{}`: {error}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub error: std::io::Error,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The signing key cannot be read or is not a PKCS#8 Ed25519 key (exit code 2).
    #[error("cannot use the signing key `{}`: {message}", path.display())]
    Key { path: PathBuf, message: String },
}

/// The output folder of an input: the project's `build.output`, or `out` when given.
pub fn output_dir(input: &Input, out: Option<&Path>) -> PathBuf {
    if let Some(out) = out {
        return out.to_path_buf();
    }
    match input {
        Input::Project { root, config } => root.join(&config.build.output),
        Input::File(p) => p.parent().unwrap_or(Path::new(".")).join("artifacts/engineering"),
    }
}

/// The build output before it is written.
#[derive(Debug, Default)]
pub struct Artifacts {
    /// Path (relative to the output folder) to contents.
    pub files: BTreeMap<String, Vec<u8>>,
    /// What translation validation found wrong in the generated OpenAPI document (`LP7001`);
    /// the build writes nothing when there is any.
    pub mismatches: Vec<Diagnostic>,
    /// The generators' files with the spec items each comes from (also in `files`).
    pub generated: lp_codegen::generated::Generated,
}

/// Reads a generated OpenAPI document back against the spec: one `LP7001` error per mismatch.
pub fn translation_diagnostics(doc: &serde_json::Value, spec: &lp_ir::Spec) -> Vec<Diagnostic> {
    lp_codegen::openapi::read_back(doc, spec)
        .into_iter()
        .map(|m| {
            Diagnostic::new(
                codes::OPENAPI_TRANSLATION_MISMATCH,
                format!("the generated OpenAPI does not match the spec: {}: {}", m.item, m.message),
            )
            .with_note("this is a bug in the OpenAPI generator, not in the spec")
        })
        .collect()
}

/// Reads the generated service maps back and checks composition on them alone (LeanOS's
/// gate 1): one `LP6022` error per problem; the build then writes nothing.
pub fn map_diagnostics(spec: &lp_ir::Spec, maps: &lp_codegen::generated::Generated) -> Vec<Diagnostic> {
    lp_codegen::maps::validate(spec, maps)
        .into_iter()
        .map(|p| {
            Diagnostic::new(
                codes::SERVICE_MAP_MISMATCH,
                format!("the service map `{}` breaks composition: {}", p.map, p.message),
            )
            .with_note("the composition pass proved this on the spec, so this is a bug in the map generator")
        })
        .collect()
}

/// The files of the build output, and the translation validation of the OpenAPI document.
pub fn artifacts(outcome: &CheckOutcome) -> Artifacts {
    let mut files = BTreeMap::new();
    let Some(spec) = &outcome.spec else { return Artifacts::default() };
    let version = spec.version.map(|v| v.to_string()).or_else(|| match &outcome.input {
        Some(Input::Project { config, .. }) => Some(config.project.version.clone()),
        _ => None,
    });
    let dir = format!("specifications/v{}", version.unwrap_or_else(|| "0.0.0".into()));
    let results: Vec<(Obligation, Verdict)> =
        outcome.results.iter().map(|r| (r.obligation.clone(), r.verdict.clone())).collect();
    let mut spec_files: BTreeMap<&str, String> = BTreeMap::new();
    spec_files.insert("requirements.adt", lp_check::reports::requirements_yaml(spec, &results));
    spec_files.insert("types.curry-howard", lp_check::reports::curry_howard_yaml(spec, &results));
    spec_files.insert("architecture.categorical", lp_check::reports::architecture_yaml(spec, &results));
    spec_files.insert("state-machines.yaml", lp_check::reports::state_machines_yaml(spec, &results));
    let api = lp_codegen::openapi::openapi(spec);
    let mismatches = translation_diagnostics(&api, spec);
    let mut api_text = serde_json::to_string_pretty(&api).unwrap_or_default();
    api_text.push('\n');
    spec_files.insert("api.openapi.json", api_text);
    spec_files.insert("services.spec.yaml", lp_codegen::services::services_yaml(spec));
    // Version compatibility: `versions.yaml` when the project names a previous version (the
    // comparison ran in `check`, which reported its errors; a build with errors stops before).
    if let Some(yaml) = &outcome.versions_yaml {
        spec_files.insert("versions.yaml", yaml.clone());
    }
    let mut manifest = BTreeMap::new();
    for (name, text) in &spec_files {
        manifest.insert(name.to_string(), lp_check::obligation::hex(&Sha256::digest(text.as_bytes())));
    }
    let manifest = serde_json::json!({ "algorithm": "sha256", "files": manifest });
    let mut manifest_text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    manifest_text.push('\n');
    for (name, text) in spec_files {
        files.insert(format!("{dir}/{name}"), text.into_bytes());
    }
    files.insert(format!("{dir}/manifest.json"), manifest_text.into_bytes());
    // Generators: each enabled target adds its files under its own folder of the output.
    // One line per generator; each returns paths relative to the output folder.
    let targets = targets_of(outcome.input.as_ref());
    let mut generated = lp_codegen::generated::Generated::new();
    let mut mismatches = mismatches;
    // The service maps come before any code (LeanOS's Phase 3a): `maps/backend/*-map.yaml`
    // and `maps/shared/standards-contract.yaml`, for every target. The composition pass
    // checked ownership and calls on the same effects in `check`.
    let maps = lp_codegen::maps::generate(spec);
    mismatches.extend(map_diagnostics(spec, &maps));
    generated.extend(maps);
    // GENERATORS: one block per target below, e.g.
    // `if targets.contains(&Target::Fastapi) { generated.extend(lp_codegen::fastapi::generate(spec)); }`;
    // a generator's translation validation pushes its diagnostics onto `mismatches`.
    if targets.contains(&Target::Fastapi) {
        // The backend services (code/backend/{service}/), run by scripts/test-backend.sh; an
        // operation on a route the services answer themselves is LP7010.
        mismatches.extend(lp_codegen::fastapi::spec_diagnostics(spec));
        // With `migrate` blocks, the migration module is printed from the compatibility
        // check's workspace (the previous version's types beside this version's).
        generated.extend(lp_codegen::fastapi::generate_with_migrations(spec, outcome.migration_workspace.as_ref()));
    }
    if targets.contains(&Target::Remix) {
        // The frontend app (code/frontend/{spec name}/), checked by scripts/test-frontend.sh.
        generated.extend(lp_codegen::remix::generate(spec));
    }
    if targets.contains(&Target::Infra) {
        // The deployment configuration (configs/), read back against the spec (LP7050–LP7054,
        // LP7059); `check` already reported the deploy strings it cannot carry (LP7055–LP7058).
        let options = lp_codegen::infra::Options { frontend: targets.contains(&Target::Remix) };
        let infra = lp_codegen::infra::generate_with(spec, &options);
        mismatches.extend(lp_codegen::infra::validate(spec, &options, &infra));
        generated.extend(infra);
    }
    let _ = &targets;
    let _ = (&mut mismatches, &mut generated);
    for (path, file) in &generated {
        files.insert(path.clone(), file.bytes.clone());
    }
    for (i, m) in spec.machines.iter().enumerate() {
        let id = lp_ir::MachineId(i as u32);
        let diagram = |format| lp_check::reports::diagram::diagram(spec, &[id], &results, format);
        files.insert(
            format!("{dir}/machines/{}.dot", m.name),
            diagram(lp_check::reports::diagram::DiagramFormat::Dot).into_bytes(),
        );
        files.insert(
            format!("{dir}/machines/{}.mmd", m.name),
            diagram(lp_check::reports::diagram::DiagramFormat::Mermaid).into_bytes(),
        );
    }
    Artifacts { files, mismatches, generated }
}

/// The generation targets of an input: the project's `build.targets`, or every target for a
/// lone spec file.
pub fn targets_of(input: Option<&Input>) -> Vec<Target> {
    match input {
        Some(Input::Project { config, .. }) => config.build.targets.clone(),
        _ => BuildSection::default().targets,
    }
}

/// A stage of a build, reported to a progress display as it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildStage {
    Checking,
    Generating,
    Composing,
    Writing,
}

impl BuildStage {
    pub fn as_str(self) -> &'static str {
        match self {
            BuildStage::Checking => "checking",
            BuildStage::Generating => "generating",
            BuildStage::Composing => "composing and signing the certificate",
            BuildStage::Writing => "writing",
        }
    }
}

/// How a build signs and where it writes.
#[derive(Default)]
pub struct BuildOptions<'a> {
    /// The output folder instead of the project's `build.output`.
    pub out: Option<PathBuf>,
    /// The signing key (PKCS#8 PEM) instead of the project's `[signing] key`.
    pub key: Option<PathBuf>,
    /// Called as each stage starts.
    pub progress: Option<&'a (dyn Fn(BuildStage) + Sync)>,
    /// Called with the lock file's path when another build holds the output's lock, before
    /// this build blocks waiting for it.
    pub waiting: Option<&'a (dyn Fn(&Path) + Sync)>,
}

/// The private key a build signs with: `key`, else the project's `[signing] key`.
fn signing_key(
    fs: &dyn FileSystem,
    input: &Input,
    key: Option<&Path>,
) -> Result<Option<lp_cert::keys::PrivateKey>, BuildError> {
    let path = match (key, input) {
        (Some(k), _) => k.to_path_buf(),
        (None, Input::Project { root, config }) => match &config.signing.key {
            Some(k) => root.join(k),
            None => return Ok(None),
        },
        (None, Input::File(_)) => return Ok(None),
    };
    let bytes = fs.read(&path).map_err(|e| BuildError::Key { path: path.clone(), message: e.to_string() })?;
    let text = String::from_utf8_lossy(&bytes);
    lp_cert::keys::private_key_from_pem(&text).map(Some).map_err(|e| BuildError::Key { path, message: e.to_string() })
}

/// Checks, and when there are no errors writes the output folder atomically; the project's
/// signing key signs the certificate.
pub fn build(
    fs: &dyn FileSystem,
    path: &Path,
    opts: &CheckOptions,
    out: Option<&Path>,
) -> Result<BuildOutcome, BuildError> {
    build_with(fs, path, opts, &BuildOptions { out: out.map(Path::to_path_buf), ..BuildOptions::default() })
}

/// Checks, generates, composes and signs the certificate, and when there are no errors
/// writes the output folder atomically.
pub fn build_with(
    fs: &dyn FileSystem,
    path: &Path,
    opts: &CheckOptions,
    bopts: &BuildOptions,
) -> Result<BuildOutcome, BuildError> {
    let stage = |s| {
        if let Some(p) = bopts.progress {
            p(s)
        }
    };
    stage(BuildStage::Checking);
    let mut check = check_with(fs, path, opts)?;
    let Some(input) = check.input.clone() else {
        return Ok(BuildOutcome { check, out_dir: None, written: Vec::new() });
    };
    if check.error_count() > 0 || check.spec.is_none() {
        return Ok(BuildOutcome { check, out_dir: None, written: Vec::new() });
    }
    // A bad key is found before any work is written.
    let key = signing_key(fs, &input, bopts.key.as_deref())?;
    let out_dir = output_dir(&input, bopts.out.as_deref());
    stage(BuildStage::Generating);
    let mut arts = artifacts(&check);
    if !arts.mismatches.is_empty() {
        check.diagnostics.append(&mut arts.mismatches);
        return Ok(BuildOutcome { check, out_dir: None, written: Vec::new() });
    }
    stage(BuildStage::Composing);
    let mut files = std::mem::take(&mut arts.files);
    if let Some((statement, signed)) = crate::certify::compose(fs, &check, &arts, &mut files, &out_dir, key.as_ref()) {
        for why in &statement.predicate.policy_violations {
            check.diagnostics.push(
                Diagnostic::new(codes::POLICY_VIOLATION, format!("policy: {why}"))
                    .with_severity(lp_diagnostics::Severity::Warning)
                    .with_note("the certificate records `deploy_authorized: false`; `verify` will refuse the deploy"),
            );
        }
        match signed {
            Some(bytes) => {
                files.insert(crate::certify::CERTIFICATE_PATH.to_string(), bytes);
            }
            None => check.diagnostics.push(
                Diagnostic::new(codes::BUILD_UNSIGNED, "no signing key: the build wrote no certificate")
                    .with_help("give `--key FILE`, set LEANOS_SIGNING_KEY, or set `[signing] key` in leanos.toml; `leanos-prove keygen` makes a key pair"),
            ),
        }
    }
    stage(BuildStage::Writing);
    if write_locked(fs, &out_dir, &files, bopts.waiting)? {
        check.diagnostics.push(
            Diagnostic::new(
                codes::BUILD_OUTPUT_LOCKED,
                format!(
                    "another build was writing `{}`; this build waited for it, then replaced its output",
                    out_dir.display()
                ),
            )
            .with_note(format!("builds of one output take turns through the lock `{}`", lock_path(&out_dir).display())),
        );
    }
    Ok(BuildOutcome { check, out_dir: Some(out_dir), written: files.into_keys().collect() })
}

/// The folder an output folder is in, and the output folder's name.
fn parent_and_name(dir: &Path) -> (&Path, String) {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "output".into());
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    (parent, name)
}

/// The lock file that builds writing `dir` take in turn: `.NAME.lock` beside it.
pub fn lock_path(dir: &Path) -> PathBuf {
    let (parent, name) = parent_and_name(dir);
    parent.join(format!(".{name}.lock"))
}

fn err(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + use<> {
    let path = path.to_path_buf();
    move |error| WriteError { path, error }
}

/// Writes the output under its lock, after removing what killed builds left; returns whether
/// another build held the lock first.
fn write_locked(
    fs: &dyn FileSystem,
    dir: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    waiting: Option<&(dyn Fn(&Path) + Sync)>,
) -> Result<bool, WriteError> {
    let (parent, name) = parent_and_name(dir);
    fs.create_dir_all(parent).map_err(err(parent))?;
    let lock = lock_path(dir);
    let waited = std::cell::Cell::new(false);
    let on_wait = || {
        waited.set(true);
        if let Some(w) = waiting {
            w(&lock);
        }
    };
    let guard = fs.lock_exclusive(&lock, &on_wait).map_err(err(&lock))?;
    remove_stale(fs, parent, &name)?;
    write_tree(fs, dir, files)?;
    drop(guard);
    Ok(waited.get())
}

/// Whether `entry` is the name of a temporary folder a build of the output `name` makes:
/// `.NAME.tmp-PID` or `.NAME.old-PID`.
fn is_temporary(entry: &str, name: &str) -> bool {
    ["tmp", "old"].iter().any(|kind| {
        entry
            .strip_prefix(&format!(".{name}.{kind}-"))
            .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// Removes the temporary folders that builds killed while writing left beside the output.
/// Only called under the output's lock: no live build is writing any of them.
fn remove_stale(fs: &dyn FileSystem, parent: &Path, name: &str) -> Result<(), WriteError> {
    let Ok(entries) = fs.read_dir(parent) else { return Ok(()) };
    for entry in entries {
        let stale = entry.file_name().is_some_and(|n| is_temporary(&n.to_string_lossy(), name));
        if stale && fs.is_dir(&entry) {
            fs.remove_dir_all(&entry).map_err(err(&entry))?;
        }
    }
    Ok(())
}

/// Writes `files` as the whole content of `dir`: first into `dir.tmp-PID`, then swapped in.
fn write_tree(fs: &dyn FileSystem, dir: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<(), WriteError> {
    let (parent, name) = parent_and_name(dir);
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    fs.remove_dir_all(&tmp).map_err(err(&tmp))?;
    for (rel, bytes) in files {
        let path = tmp.join(rel);
        if let Some(p) = path.parent() {
            fs.create_dir_all(p).map_err(err(p))?;
        }
        fs.write_atomic(&path, bytes).map_err(err(&path))?;
    }
    let had_old = fs.is_dir(dir);
    if had_old {
        fs.rename(dir, &old).map_err(err(dir))?;
    }
    if let Err(e) = fs.rename(&tmp, dir) {
        // Put the previous output back before reporting.
        if had_old {
            let _ = fs.rename(&old, dir);
        }
        return Err(WriteError { path: dir.to_path_buf(), error: e });
    }
    if had_old {
        fs.remove_dir_all(&old).map_err(err(&old))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lp_diagnostics::FileId;

    fn spec(src: &str) -> lp_ir::Spec {
        let parsed = lp_syntax::parse(FileId(0), src);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let lowered = lp_ir::lower(&[(FileId(0), &parsed.value)]);
        assert!(!lowered.diagnostics.iter().any(|d| d.is_error()), "{:?}", lowered.diagnostics);
        lowered.value
    }

    const SRC: &str = "spec shop version 1.0.0\n\
        type Item = { sku: String where len(self) >= 3, count: Int where self >= 1 }\n\
        error Missing = 404 { sku: String }\n\
        service items {\n  op get_item(sku: String) -> Item ! Missing GET /items/{sku}\n}\n";

    #[test]
    fn only_the_builds_temporary_folders_count_as_stale() {
        assert!(is_temporary(".engineering.tmp-4242", "engineering"));
        assert!(is_temporary(".engineering.old-7", "engineering"));
        assert!(!is_temporary(".engineering.tmp-", "engineering"));
        assert!(!is_temporary(".engineering.tmp-12x", "engineering"));
        assert!(!is_temporary(".other.tmp-12", "engineering"));
        assert!(!is_temporary("engineering", "engineering"));
        assert!(!is_temporary(".engineering.lock", "engineering"));
    }

    #[test]
    fn a_write_removes_what_killed_builds_left_and_keeps_the_rest() {
        let fs = crate::fs::MemFs::new();
        let out = Path::new("/p/artifacts/engineering");
        fs.insert("/p/artifacts/.engineering.tmp-99999/specifications/v1/requirements.adt", "half");
        fs.insert("/p/artifacts/.engineering.old-99998/manifest.json", "old");
        fs.insert("/p/artifacts/.other.tmp-99999/kept.txt", "not ours");
        fs.insert("/p/artifacts/engineering/stale.txt", "replaced");
        let files: BTreeMap<String, Vec<u8>> = [("a.txt".to_string(), b"new".to_vec())].into();
        let waited = write_locked(&fs, out, &files, None).expect("write");
        assert!(!waited, "nothing else held the lock");
        let mut left = fs.read_dir(Path::new("/p/artifacts")).expect("list");
        left.sort();
        assert_eq!(
            left,
            vec![PathBuf::from("/p/artifacts/.other.tmp-99999"), PathBuf::from("/p/artifacts/engineering")]
        );
        assert_eq!(fs.read(&out.join("a.txt")).expect("written"), b"new");
        assert!(!fs.is_file(&out.join("stale.txt")));
    }

    #[test]
    fn the_generated_document_reads_back_cleanly() {
        let spec = spec(SRC);
        let doc = lp_codegen::openapi::openapi(&spec);
        assert_eq!(translation_diagnostics(&doc, &spec), Vec::new());
    }

    #[test]
    fn maps_that_break_composition_are_lp6022_errors() {
        let spec = spec(
            "spec shop version 1.0.0\nentity Item key sku = { sku: String, count: Int }\n\
             error Missing = 404 { sku: String }\n\
             service items {\n  op get(sku: String) -> Item ! Missing GET /items/{sku} = {\n    Item[sku] else Missing { sku }\n  }\n\
               op add(sku: String) -> Item POST /items/{sku} = {\n    create Item { sku, count: 1 } else Missing { sku }\n  }\n}\n\
             service shop {\n  depends on items\n  op show(sku: String) -> Item ! Missing GET /shop/{sku} = {\n    items.get(sku)\n  }\n}\n",
        );
        let mut maps = lp_codegen::maps::generate(&spec);
        assert_eq!(map_diagnostics(&spec, &maps), Vec::new());
        let path = lp_codegen::maps::map_path("items");
        let file = maps.get_mut(&path).expect("the map of items");
        let text = String::from_utf8(file.bytes.clone()).expect("UTF-8");
        file.bytes = text.replace("  owns:\n  - entity: Item\n    key:\n    - sku\n", "  owns: []\n").into_bytes();
        let found = map_diagnostics(&spec, &maps);
        assert!(!found.is_empty());
        assert!(found.iter().all(|d| d.code == codes::SERVICE_MAP_MISMATCH && d.is_error()), "{found:#?}");
        assert!(
            found[0].message.contains("`items.add` writes entity `Item`, which `items` does not own"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn a_mutated_document_is_an_lp7001_error() {
        let spec = spec(SRC);
        let mut doc = lp_codegen::openapi::openapi(&spec);
        doc["components"]["schemas"]["Item"]["properties"]["count"]["minimum"] = 0.into();
        let found = translation_diagnostics(&doc, &spec);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].code, codes::OPENAPI_TRANSLATION_MISMATCH);
        assert!(found[0].is_error());
        assert!(found[0].message.contains("schemas.Item.count"), "{}", found[0].message);
        assert!(found[0].message.contains("minimum"), "{}", found[0].message);
    }
}
