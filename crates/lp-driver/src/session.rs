//! One run of the pipeline over a file or a project: load → decode → parse → lower.

use crate::discharge::{Cache, CheckOptions, ObligationResult, discharge_all};
use crate::fs::FileSystem;
use crate::project::{ConfigError, ProjectConfig, TOML_NAME};
use lp_diagnostics::{Diagnostic, FileId, SourceDb, Span, codes};
use lp_syntax::ast::SourceFileAst;
use std::path::{Path, PathBuf};

/// What a command was pointed at.
#[derive(Debug, Clone)]
pub enum Input {
    /// A single `.adt` file, checked on its own.
    File(PathBuf),
    /// A project folder with a valid `leanos.toml`.
    Project { root: PathBuf, config: Box<ProjectConfig> },
}

/// A spec file of the run.
#[derive(Debug, Clone)]
pub struct SpecFileEntry {
    pub path: PathBuf,
    pub file: FileId,
    /// `None` when the file could not be decoded as text.
    pub ast: Option<SourceFileAst>,
    /// Whether the parser reported errors in this file.
    pub has_syntax_errors: bool,
}

/// Everything a `check` produced.
#[derive(Debug)]
pub struct CheckOutcome {
    pub db: SourceDb,
    pub diagnostics: Vec<Diagnostic>,
    pub input: Option<Input>,
    pub files: Vec<SpecFileEntry>,
    /// The lowered IR, when every file parsed.
    pub spec: Option<lp_ir::Spec>,
    /// Every obligation with its verdict, in a stable order; empty when resolution failed.
    pub results: Vec<ObligationResult>,
    /// `versions.yaml`: the comparison with `[compat] previous`, when it ran.
    pub versions_yaml: Option<String>,
    /// The migration workspace of that comparison (the previous version's changed types, as
    /// `PrevT`, beside this version's, and each `migrate` rule typed): the backend prints its
    /// migration module from it. `None` without `[compat] previous` or `migrate` blocks.
    pub migration_workspace: Option<lp_ir::Spec>,
}

impl CheckOutcome {
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

/// A failure to read what the user pointed at: exit code 2, not a diagnostic about the spec.
#[derive(Debug, thiserror::Error)]
#[error("cannot read `{}`: {error}", path.display())]
pub struct LoadError {
    pub path: PathBuf,
    #[source]
    pub error: std::io::Error,
}

/// Works out whether `path` is a spec file or a project folder, and loads `leanos.toml`.
///
/// Problems inside `leanos.toml` become diagnostics (the file is added to `db` so they can point
/// into it); a path that cannot be read at all is a [`LoadError`].
pub fn resolve_input(
    fs: &dyn FileSystem,
    path: &Path,
    db: &mut SourceDb,
    diags: &mut Vec<Diagnostic>,
) -> Result<Option<Input>, LoadError> {
    if fs.is_file(path) {
        if path.file_name().is_some_and(|n| n == TOML_NAME) {
            return resolve_input(fs, path.parent().unwrap_or(Path::new(".")), db, diags);
        }
        return Ok(Some(Input::File(path.to_path_buf())));
    }
    if !fs.is_dir(path) {
        // Let the read produce the operating system's own reason (not found, permission), or
        // refuse a FIFO or device without opening it.
        let error = fs.read(path).err().unwrap_or_else(|| std::io::Error::other("not a file or folder"));
        if let Some(kind) = crate::fs::not_regular_file(&error) {
            diags.push(not_regular(path, kind));
            return Ok(None);
        }
        return Err(LoadError { path: path.to_path_buf(), error });
    }
    let toml_path = path.join(TOML_NAME);
    if !fs.is_file(&toml_path) {
        if fs.exists(&toml_path)
            && let Err(error) = fs.read(&toml_path)
            && let Some(kind) = crate::fs::not_regular_file(&error)
        {
            diags.push(not_regular(&toml_path, kind));
            return Ok(None);
        }
        diags.push(
            Diagnostic::new(codes::INVALID_PROJECT, format!("no `{TOML_NAME}` in `{}`", path.display()))
                .with_help("pass a `.adt` file, or create a project with `leanos-prove init NAME`"),
        );
        return Ok(None);
    }
    let bytes = fs.read(&toml_path).map_err(|error| LoadError { path: toml_path.clone(), error })?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let parsed = ProjectConfig::parse(&text);
    let file = db.add(display(&toml_path), text);
    match parsed {
        Ok(config) => Ok(Some(Input::Project { root: path.to_path_buf(), config: Box::new(config) })),
        Err(ConfigError { message, span }) => {
            let mut d = Diagnostic::new(codes::INVALID_PROJECT, format!("invalid `{TOML_NAME}`: {message}"));
            let span = span.map(|r| Span::new(r.start, r.end)).unwrap_or_default();
            d = d.at(file, span, "here");
            diags.push(d);
            Ok(None)
        }
    }
}

/// `LP0015`: a path the run would read is a FIFO, a device, a socket or a folder.
fn not_regular(path: &Path, kind: &str) -> Diagnostic {
    Diagnostic::new(codes::NOT_A_REGULAR_FILE, format!("`{}` is {kind}, not a regular file", display(path)))
        .with_help("point at `.adt` files or a project folder; pipes, devices and sockets are never read")
}

/// A path as shown to the user: forward slashes, no leading `./`.
fn display(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// Folders never searched for spec files.
fn skipped_dir(name: &str) -> bool {
    name.starts_with('.') || matches!(name, "target" | "node_modules" | "artifacts")
}

fn collect_adt(fs: &dyn FileSystem, dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> Result<(), LoadError> {
    if depth > 32 {
        return Ok(());
    }
    let mut entries = fs.read_dir(dir).map_err(|error| LoadError { path: dir.to_path_buf(), error })?;
    entries.sort();
    for entry in entries {
        let name = entry.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if fs.is_dir(&entry) {
            if !skipped_dir(&name) {
                collect_adt(fs, &entry, out, depth + 1)?;
            }
        } else if name.ends_with(".adt") {
            out.push(entry);
        }
    }
    Ok(())
}

/// The spec files of an input, in a stable order.
pub(crate) fn spec_paths(
    fs: &dyn FileSystem,
    input: &Input,
    db: &SourceDb,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<PathBuf>, LoadError> {
    match input {
        Input::File(p) => Ok(vec![p.clone()]),
        Input::Project { root, config } => {
            let mut out = Vec::new();
            for entry in &config.project.specs {
                // `root/./spec` would show as such in every diagnostic; drop the `.` parts.
                let mut p: PathBuf =
                    root.join(entry).components().filter(|c| *c != std::path::Component::CurDir).collect();
                if p.as_os_str().is_empty() {
                    p = PathBuf::from(".");
                }
                if fs.is_dir(&p) {
                    let output = root.join(&config.build.output);
                    let mut found = Vec::new();
                    collect_adt(fs, &p, &mut found, 0)?;
                    out.extend(found.into_iter().filter(|f| !f.starts_with(&output)));
                } else if fs.is_file(&p) || fs.exists(&p) {
                    // Something that is neither a file nor a folder (a FIFO) is refused when read.
                    out.push(p);
                } else {
                    let toml =
                        db.files().find(|(_, f)| f.name.ends_with(TOML_NAME)).map(|(id, f)| (id, f.text.clone()));
                    let mut d = Diagnostic::new(
                        codes::INVALID_PROJECT,
                        format!("spec path `{}` in `{TOML_NAME}` does not exist", entry.display()),
                    );
                    if let Some((id, text)) = toml {
                        let needle = format!("\"{}\"", entry.display());
                        if let Some(at) = text.find(&needle) {
                            d = d.at(id, Span::new(at, at + needle.len()), "no such file or folder");
                        }
                    }
                    diags.push(d);
                }
            }
            let mut seen = std::collections::BTreeSet::new();
            out.retain(|p| seen.insert(p.clone()));
            if out.is_empty() && diags.is_empty() {
                diags.push(
                    Diagnostic::new(
                        codes::INVALID_PROJECT,
                        format!("project `{}` has no `.adt` files", root.display()),
                    )
                    .with_help("list spec files or folders in `project.specs`"),
                );
            }
            Ok(out)
        }
    }
}

/// The spec files of a project folder or a spec file, found exactly as `check` and `build`
/// find them (a project's `leanos.toml` `specs`, without its build output), in the order they
/// are read, with the problems found on the way (an invalid `leanos.toml`, a missing path).
pub fn spec_files(fs: &dyn FileSystem, path: &Path) -> Result<(Vec<PathBuf>, Vec<Diagnostic>), LoadError> {
    let mut db = SourceDb::new();
    let mut diags = Vec::new();
    let Some(input) = resolve_input(fs, path, &mut db, &mut diags)? else { return Ok((Vec::new(), diags)) };
    let paths = spec_paths(fs, &input, &db, &mut diags)?;
    Ok((paths, diags))
}

/// Reads, decodes and parses each spec file.
pub(crate) fn load_specs(
    fs: &dyn FileSystem,
    paths: &[PathBuf],
    db: &mut SourceDb,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<SpecFileEntry>, LoadError> {
    let mut entries = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes = match fs.read(path) {
            Ok(bytes) => bytes,
            Err(error) => {
                let Some(kind) = crate::fs::not_regular_file(&error) else {
                    return Err(LoadError { path: path.clone(), error });
                };
                let file = db.add(display(path), "");
                diags.push(not_regular(path, kind).at(file, Span::default(), "not read"));
                entries.push(SpecFileEntry { path: path.clone(), file, ast: None, has_syntax_errors: true });
                continue;
            }
        };
        match lp_syntax::decode(&bytes) {
            Ok(text) => {
                let file = db.add(display(path), text);
                let parsed = lp_syntax::parse(file, &db.get(file).text);
                let has_syntax_errors = parsed.diagnostics.iter().any(Diagnostic::is_error);
                diags.extend(parsed.diagnostics);
                entries.push(SpecFileEntry { path: path.clone(), file, ast: Some(parsed.value), has_syntax_errors });
            }
            Err(d) => {
                let file = db.add(display(path), "");
                diags.push(d.at(file, Span::default(), "in this file"));
                entries.push(SpecFileEntry { path: path.clone(), file, ast: None, has_syntax_errors: true });
            }
        }
    }
    Ok(entries)
}

/// Headers must agree with the project's version.
pub(crate) fn check_header_versions(input: &Input, files: &[SpecFileEntry], diags: &mut Vec<Diagnostic>) {
    let Input::Project { config, .. } = input else { return };
    for entry in files {
        let Some(header) = entry.ast.as_ref().and_then(|a| a.header.as_ref()) else { continue };
        let v = header.version;
        let written = format!("{}.{}.{}", v.major, v.minor, v.patch);
        if written != config.project.version {
            diags.push(
                Diagnostic::new(
                    codes::SPEC_HEADER_MISMATCH,
                    format!("spec version `{written}` differs from the project's version `{}`", config.project.version),
                )
                .at(entry.file, v.span, format!("`{TOML_NAME}` says `{}`", config.project.version))
                .with_help("keep `project.version` and every `spec ... version` header the same"),
            );
        }
    }
}

/// The passes' settings: the command line's, else the project's `[check]`, else the defaults.
fn pass_options(input: &Input, opts: &CheckOptions) -> lp_check::PassOptions {
    use crate::project::CompletenessSetting;
    use lp_check::passes::machines::Completeness;
    let defaults = lp_check::PassOptions::default();
    let check = match input {
        Input::Project { config, .. } => Some(&config.check),
        Input::File(_) => None,
    };
    lp_check::PassOptions {
        machine_depth: opts.machine_depth.or(check.and_then(|c| c.depth)).unwrap_or(defaults.machine_depth),
        completeness: check.and_then(|c| c.completeness).map(|c| match c {
            CompletenessSetting::Strict => Completeness::Strict,
            CompletenessSetting::Lenient => Completeness::Lenient,
        }),
    }
}

/// The ids of the obligations the passes emit for a spec file or project, without discharging
/// any: what a certificate of this spec must record a verdict for. `None` when the spec cannot
/// be read, parsed or resolved, so no obligations can be derived.
pub fn obligation_ids(fs: &dyn FileSystem, path: &Path) -> Option<Vec<String>> {
    let mut db = SourceDb::new();
    let mut diagnostics = Vec::new();
    let input = resolve_input(fs, path, &mut db, &mut diagnostics).ok()??;
    let paths = spec_paths(fs, &input, &db, &mut diagnostics).ok()?;
    let files = load_specs(fs, &paths, &mut db, &mut diagnostics).ok()?;
    if files.is_empty() || files.iter().any(|f| f.has_syntax_errors) {
        return None;
    }
    let asts: Vec<(FileId, &SourceFileAst)> =
        files.iter().filter_map(|f| f.ast.as_ref().map(|a| (f.file, a))).collect();
    let lowered = lp_ir::lower(&asts);
    if lowered.diagnostics.iter().any(Diagnostic::is_error) {
        return None;
    }
    let obligations = lp_check::obligations_with(&lowered.value, &pass_options(&input, &CheckOptions::default()));
    Some(obligations.into_iter().map(|o| o.id).collect())
}

/// Checks a spec file or project with the default options.
pub fn check(fs: &dyn FileSystem, path: &Path) -> Result<CheckOutcome, LoadError> {
    check_with(fs, path, &CheckOptions::default())
}

/// Where a run's verdict cache lives: `.leanos/cache/` in the project folder, or in the spec
/// file's folder with the file's name, so files checked one by one keep separate caches.
fn cache_path(input: &Input) -> PathBuf {
    match input {
        Input::Project { root, .. } => Cache::location(root, "verdicts.json"),
        Input::File(p) => {
            let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            Cache::location(&dir, &format!("{name}.verdicts.json"))
        }
    }
}

/// Checks a spec file or project: every stage that can run, every obligation discharged, and
/// every diagnostic found.
pub fn check_with(fs: &dyn FileSystem, path: &Path, opts: &CheckOptions) -> Result<CheckOutcome, LoadError> {
    let mut db = SourceDb::new();
    let mut diagnostics = Vec::new();
    let input = resolve_input(fs, path, &mut db, &mut diagnostics)?;
    let mut files = Vec::new();
    let mut spec = None;
    let mut results = Vec::new();
    let mut versions_yaml = None;
    let mut migration_workspace = None;
    if let Some(input) = &input {
        let paths = spec_paths(fs, input, &db, &mut diagnostics)?;
        files = load_specs(fs, &paths, &mut db, &mut diagnostics)?;
        check_header_versions(input, &files, &mut diagnostics);
        // Name resolution after syntax errors mostly reports echoes of them (a type whose
        // declaration did not parse is "unknown" everywhere), so it runs only on clean input.
        if !files.is_empty() && files.iter().all(|f| !f.has_syntax_errors) {
            let asts: Vec<(FileId, &SourceFileAst)> =
                files.iter().filter_map(|f| f.ast.as_ref().map(|a| (f.file, a))).collect();
            let lowered = lp_ir::lower(&asts);
            let resolved = !lowered.diagnostics.iter().any(Diagnostic::is_error);
            diagnostics.extend(lowered.diagnostics);
            // The passes assume a well-formed IR; after name or type errors they would only
            // report echoes of them.
            if resolved {
                let cache = if opts.use_cache { Cache::load(fs, cache_path(input)) } else { Cache::default() };
                diagnostics.extend(lp_check::hints(&lowered.value));
                // The `deploy` blocks' strings against the grammars of the files they reach
                // (LP7055-LP7058): reported by `check` and the editor, and they stop a build.
                diagnostics.extend(lp_codegen::infra::spec_diagnostics(&lowered.value));
                let obligations = lp_check::obligations_with(&lowered.value, &pass_options(input, opts));
                results = discharge_all(&lowered.value, obligations, opts, &cache);
                diagnostics.extend(results.iter().filter_map(|r| lp_check::diagnostic_for(&r.obligation, &r.verdict)));
                if opts.use_cache {
                    // A cache that cannot be written only costs time on the next run.
                    let _ = cache.store(fs, &results);
                }
                // Version compatibility against `[compat] previous` (see `compat.rs`).
                if let Some((found, report, versions)) =
                    crate::compat::against_previous(fs, input, &lowered.value, &files, &mut db, opts)
                {
                    diagnostics.extend(found);
                    if let Some(r) = &report {
                        // The migration obligations join the run's results (so `-v` lists them
                        // and the certificate records them); their diagnostics are already in.
                        for (ob, verdict) in &r.migrations {
                            if (ob.file.0 as usize) < db.len() {
                                results.push(ObligationResult {
                                    digest: ob.digest(crate::discharge::TOOL_VERSION),
                                    obligation: ob.clone(),
                                    verdict: verdict.clone(),
                                    cached: false,
                                });
                            }
                        }
                    }
                    migration_workspace = report.as_ref().and_then(|r| r.workspace.clone());
                    versions_yaml = report.map(|r| lp_compat::output::versions_yaml(&r, &versions));
                }
            }
            spec = Some(lowered.value);
        }
    }
    lp_diagnostics::sort(&mut diagnostics);
    // Two stages may report the same fact at the same place (the project's version check and
    // the file-against-file header check, say); the user needs it once.
    diagnostics.dedup_by(|b, a| {
        a.code == b.code && a.primary.as_ref().map(|l| (l.file, l.span)) == b.primary.as_ref().map(|l| (l.file, l.span))
    });
    Ok(CheckOutcome { db, diagnostics, input, files, spec, results, versions_yaml, migration_workspace })
}

/// The IR printer's text for a check outcome, when lowering ran.
pub fn ir_text(outcome: &CheckOutcome) -> Option<String> {
    outcome.spec.as_ref().map(lp_ir::print)
}

/// One file's formatting result.
#[derive(Debug, Clone)]
pub struct FmtFile {
    pub path: PathBuf,
    pub original: String,
    pub formatted: String,
}

impl FmtFile {
    pub fn changed(&self) -> bool {
        self.original != self.formatted
    }
}

/// Formats every spec file of an input. Files with syntax errors are not formatted; their
/// diagnostics are returned instead.
pub fn format_files(fs: &dyn FileSystem, path: &Path) -> Result<(SourceDb, Vec<Diagnostic>, Vec<FmtFile>), LoadError> {
    let mut db = SourceDb::new();
    let mut diagnostics = Vec::new();
    let mut out = Vec::new();
    if let Some(input) = resolve_input(fs, path, &mut db, &mut diagnostics)? {
        let paths = spec_paths(fs, &input, &db, &mut diagnostics)?;
        let files = load_specs(fs, &paths, &mut db, &mut diagnostics)?;
        for entry in files {
            if entry.has_syntax_errors {
                continue;
            }
            let Some(ast) = &entry.ast else { continue };
            let original = db.get(entry.file).text.clone();
            let formatted = lp_syntax::format::format(ast, &original);
            out.push(FmtFile { path: entry.path, original, formatted });
        }
    }
    lp_diagnostics::sort(&mut diagnostics);
    Ok((db, diagnostics, out))
}
