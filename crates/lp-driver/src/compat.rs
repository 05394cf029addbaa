//! The compatibility check in a session: loading the previous version (a file or a project
//! folder) into the same source database, running `lp-compat`'s diff, discharging its
//! refinement questions and migration obligations, and rendering `versions.yaml`.

use crate::discharge::{Cache, CheckOptions, discharge_all};
use crate::fs::FileSystem;
use crate::session::{Input, LoadError, SpecFileEntry, load_specs, resolve_input, spec_paths};
use lp_compat::output::Versions;
use lp_diagnostics::{Diagnostic, FileId, SourceDb, Span, codes};
use lp_syntax::ast::SourceFileAst;
use std::path::Path;

/// One version, loaded and resolved.
#[derive(Debug)]
pub struct Loaded {
    pub files: Vec<SpecFileEntry>,
    pub spec: lp_ir::Spec,
    /// The version from the spec header, else the project's.
    pub version: Option<String>,
}

impl Loaded {
    fn asts(&self) -> Vec<(FileId, &SourceFileAst)> {
        self.files.iter().filter_map(|f| f.ast.as_ref().map(|a| (f.file, a))).collect()
    }
}

fn version_of(spec: &lp_ir::Spec, input: &Input) -> Option<String> {
    spec.version.map(|v| v.to_string()).or_else(|| match input {
        Input::Project { config, .. } => Some(config.project.version.clone()),
        Input::File(_) => None,
    })
}

/// Loads a version into `db`. Problems in it (syntax, names, types) are returned as
/// diagnostics and the version is `None`: nothing can be compared with a broken spec.
pub fn load_version(
    fs: &dyn FileSystem,
    path: &Path,
    db: &mut SourceDb,
    diags: &mut Vec<Diagnostic>,
) -> Result<Option<Loaded>, LoadError> {
    let before = diags.len();
    let Some(input) = resolve_input(fs, path, db, diags)? else { return Ok(None) };
    let paths = spec_paths(fs, &input, db, diags)?;
    let files = load_specs(fs, &paths, db, diags)?;
    if files.is_empty() || files.iter().any(|f| f.has_syntax_errors) || diags[before..].iter().any(|d| d.is_error()) {
        return Ok(None);
    }
    let asts: Vec<(FileId, &SourceFileAst)> =
        files.iter().filter_map(|f| f.ast.as_ref().map(|a| (f.file, a))).collect();
    let lowered = lp_ir::lower(&asts);
    let errors = lowered.diagnostics.iter().any(Diagnostic::is_error);
    diags.extend(lowered.diagnostics);
    if errors {
        return Ok(None);
    }
    let version = version_of(&lowered.value, &input);
    Ok(Some(Loaded { files, spec: lowered.value, version }))
}

/// Compares two loaded versions: the diff, its z3 questions, the migration obligations.
pub fn compare(old: &Loaded, new: &Loaded, opts: &CheckOptions) -> lp_compat::Report {
    let (old_asts, new_asts) = (old.asts(), new.asts());
    let plan = lp_compat::plan(
        lp_compat::Version { spec: &old.spec, files: &old_asts },
        lp_compat::Version { spec: &new.spec, files: &new_asts },
    );
    // Verdicts are not cached here: the questions are cheap, and the workspace spec of the
    // migration obligations is not the spec the session's cache belongs to.
    let cache = Cache::default();
    let q: Vec<_> =
        discharge_all(&new.spec, plan.questions.clone(), opts, &cache).into_iter().map(|r| r.verdict).collect();
    let m: Vec<_> = match &plan.workspace {
        Some(ws) => {
            discharge_all(&ws.spec, ws.obligations.clone(), opts, &cache).into_iter().map(|r| r.verdict).collect()
        }
        None => Vec::new(),
    };
    // Round trips z3 could not decide are property-tested (lp-props), with the run's seed.
    let mut m = m;
    lp_compat::test_round_trips(&plan, &mut m, opts.props_cases, opts.seed);
    lp_compat::finish(plan, &new.spec, &q, &m)
}

/// What `diff` produced.
#[derive(Debug)]
pub struct DiffOutcome {
    pub db: SourceDb,
    pub diagnostics: Vec<Diagnostic>,
    /// `None` when either version could not be loaded (see the diagnostics).
    pub report: Option<lp_compat::Report>,
    pub versions: Versions,
}

impl DiffOutcome {
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

fn previous_invalid(what: &Path, diags: &[Diagnostic]) -> Diagnostic {
    let n = diags.iter().filter(|d| d.is_error()).count();
    Diagnostic::new(
        codes::PREVIOUS_VERSION_INVALID,
        format!(
            "the previous version `{}` cannot be compared: it has {n} error{}",
            what.display(),
            if n == 1 { "" } else { "s" }
        ),
    )
    .with_help("the previous version must check cleanly; its own errors are reported too")
}

/// `leanos-prove diff OLD NEW`: both paths are spec files or project folders.
pub fn diff_paths(fs: &dyn FileSystem, old: &Path, new: &Path, opts: &CheckOptions) -> Result<DiffOutcome, LoadError> {
    let mut db = SourceDb::new();
    let mut diagnostics = Vec::new();
    let new_v = load_version(fs, new, &mut db, &mut diagnostics)?;
    let mut old_diags = Vec::new();
    let old_v = load_version(fs, old, &mut db, &mut old_diags)?;
    if old_v.is_none() {
        diagnostics.push(previous_invalid(old, &old_diags));
    }
    diagnostics.extend(old_diags);
    let mut versions = Versions::default();
    let report = match (&old_v, &new_v) {
        (Some(o), Some(n)) => {
            versions =
                Versions { spec_name: n.spec.name.clone(), previous: o.version.clone(), current: n.version.clone() };
            let report = compare(o, n, opts);
            diagnostics.extend(report.diagnostics.iter().cloned());
            Some(report)
        }
        _ => None,
    };
    lp_diagnostics::sort(&mut diagnostics);
    Ok(DiffOutcome { db, diagnostics, report, versions })
}

/// The check against `[compat] previous` for a session: `None` when the project names no
/// previous version. The previous version's files are added to `db`.
pub fn against_previous(
    fs: &dyn FileSystem,
    input: &Input,
    spec: &lp_ir::Spec,
    files: &[SpecFileEntry],
    db: &mut SourceDb,
    opts: &CheckOptions,
) -> Option<(Vec<Diagnostic>, Option<lp_compat::Report>, Versions)> {
    let Input::Project { root, config } = input else { return None };
    let previous = config.compat.previous.as_ref()?;
    let path: std::path::PathBuf =
        root.join(previous).components().filter(|c| *c != std::path::Component::CurDir).collect();
    let mut diags = Vec::new();
    let old = match load_version(fs, &path, db, &mut diags) {
        Ok(v) => v,
        Err(e) => {
            // A previous version that is not there (a checkout without it, a project copied on
            // its own) cannot be compared: a warning, so the gap is visible. One that is there
            // but broken is an error (below).
            let d =
                Diagnostic::new(codes::PREVIOUS_VERSION_INVALID, format!("the compatibility check did not run: {e}"))
                    .with_severity(lp_diagnostics::Severity::Warning)
                    .with_help("`[compat] previous` in `leanos.toml` names the previous version's folder");
            return Some((vec![d], None, Versions::default()));
        }
    };
    let Some(old) = old else {
        let d = previous_invalid(&path, &diags);
        diags.push(d);
        return Some((diags, None, Versions::default()));
    };
    let new = Loaded { files: files.to_vec(), spec: spec.clone(), version: version_of(spec, input) };
    let versions =
        Versions { spec_name: spec.name.clone(), previous: old.version.clone(), current: new.version.clone() };
    let report = compare(&old, &new, opts);
    diags.extend(report.diagnostics.iter().cloned());
    Some((diags, Some(report), versions))
}

/// A span-less location for diagnostics about the previous version as a whole.
pub fn nowhere() -> Span {
    Span::default()
}
