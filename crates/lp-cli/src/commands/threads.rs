//! `leanos-prove threads …`: the business-thread commands on a LeanOS workspace (`new`,
//! `check`, `learn`, `today`, `run`), and the [`EngineeringRunner`] that runs engineering
//! actions with the driver's check and build. "Today" comes from `--date`, else
//! `LEANOS_TODAY`, else the system clock, and only here.

use crate::cli::Status;
use crate::output::{Output, tally};
use jiff::civil::Date;
use lp_driver::CheckOptions;
use lp_driver::fs::OsFs;
use lp_threads::check::parse_date;
use lp_threads::workspace::display;
use lp_threads::{ActionResult, EngineeringRunner, Outcome, Step, Workspace, find_workspace};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// Create a thread folder (`threads/TYPE/NAME/`) with `metadata.yaml` and a Stage 1 file.
    New(NewArgs),
    /// Lint threads and the canvas: stages, front matter, facts, assumptions, decisions,
    /// actions, learning, and the impact score recomputed by the policy.
    Check(CheckArgs),
    /// Apply a thread's Stage 6 canvas updates to `10-assumptions.md` (prints a diff; `--write` applies it).
    Learn(LearnArgs),
    /// Write `ops/today.md`: approvals by impact, decisions made, engineering progress, failed gates, overdue stages.
    Today(TodayArgs),
    /// Run a thread's engineering actions that name a spec project, logging each result in `5-actions/`.
    Run(RunArgs),
}

#[derive(Debug, clap::Args)]
pub struct DateArg {
    /// Today's date, YYYY-MM-DD (default: `LEANOS_TODAY`, else the system date).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// business, sales, marketing or engineering.
    pub kind: String,
    /// The thread's folder name, kebab-case.
    pub name: String,
    /// The workspace (or any folder inside it).
    #[arg(long, value_name = "DIR", default_value = ".", value_parser = crate::cli::path_arg)]
    pub workspace: PathBuf,
    /// Who owns the thread.
    #[arg(long, default_value = "unassigned")]
    pub owner: String,
    #[command(flatten)]
    pub date: DateArg,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The workspace, a folder under `threads/`, or one thread's folder.
    #[arg(default_value = ".", value_parser = crate::cli::path_arg)]
    pub path: PathBuf,
    #[command(flatten)]
    pub date: DateArg,
}

#[derive(Debug, clap::Args)]
pub struct LearnArgs {
    /// The thread's folder.
    #[arg(value_parser = crate::cli::path_arg)]
    pub thread: PathBuf,
    /// Write the canvas (atomically) instead of printing the diff.
    #[arg(long)]
    pub write: bool,
}

#[derive(Debug, clap::Args)]
pub struct TodayArgs {
    /// The workspace (or any folder inside it).
    #[arg(default_value = ".", value_parser = crate::cli::path_arg)]
    pub path: PathBuf,
    #[command(flatten)]
    pub date: DateArg,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The engineering thread's folder.
    #[arg(value_parser = crate::cli::path_arg)]
    pub thread: PathBuf,
    /// Run only this action (its `action_id` or file name without `.md`).
    #[arg(long, value_name = "ID")]
    pub action: Option<String>,
    #[command(flatten)]
    pub date: DateArg,
}

pub fn run(args: Args, out: &Output) -> Status {
    let r = match args.command {
        Sub::New(a) => new(a, out),
        Sub::Check(a) => check(a, out),
        Sub::Learn(a) => learn(a, out),
        Sub::Today(a) => today(a, out),
        Sub::Run(a) => run_actions(a, out),
    };
    r.unwrap_or_else(|e| {
        out.fatal(&e);
        Status::Error
    })
}

/// Today: the flag, else `LEANOS_TODAY`, else the system date (UTC).
fn resolve_date(arg: &DateArg) -> Result<Date, String> {
    let (text, from) = match (&arg.date, std::env::var("LEANOS_TODAY")) {
        (Some(d), _) => (d.clone(), "--date"),
        (None, Ok(d)) if !d.trim().is_empty() => (d, "LEANOS_TODAY"),
        _ => return Ok(jiff::tz::Offset::UTC.to_datetime(jiff::Timestamp::now()).date()),
    };
    parse_date(&text).ok_or_else(|| format!("{from}: `{text}` is not a date (YYYY-MM-DD)"))
}

/// Finds the workspace around `path` and loads it under a display root relative to the
/// current folder (so file names in diagnostics are short and stable).
fn load(path: &Path) -> Result<Workspace, String> {
    if !path.exists() {
        return Err(format!("cannot read `{}`: no such file or folder", path.display()));
    }
    let root = find_workspace(path).ok_or_else(|| {
        format!("`{}` is not inside a LeanOS workspace (a folder with `threads/` and `strategy/`)", path.display())
    })?;
    let shown = std::env::current_dir()
        .ok()
        .and_then(|cwd| cwd.canonicalize().ok())
        .and_then(|cwd| root.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .map(|p| if p.as_os_str().is_empty() { PathBuf::from(".") } else { p })
        .unwrap_or(root);
    Workspace::load(&shown).map_err(|e| format!("cannot read the workspace `{}`: {e}", display(&shown)))
}

fn new(a: NewArgs, out: &Output) -> Result<Status, String> {
    let date = resolve_date(&a.date)?;
    let ws = load(&a.workspace)?;
    let files =
        lp_threads::scaffold::new_thread(ws.fs.as_ref(), &ws.root, &a.kind, &a.name, &a.owner, &date.to_string())
            .map_err(|e| e.to_string())?;
    let names: Vec<String> = files.iter().map(|p| display(p)).collect();
    out.stderr(&format!("created {}\n", names.join(", ")));
    Ok(Status::Success)
}

fn check(a: CheckArgs, out: &Output) -> Result<Status, String> {
    let date = resolve_date(&a.date)?;
    let ws = load(&a.path)?;
    let want = a.path.canonicalize().map_err(|e| format!("cannot read `{}`: {e}", a.path.display()))?;
    let only: Vec<usize> = ws
        .threads
        .iter()
        .enumerate()
        .filter(|(_, t)| {
            let dir = t.dir.canonicalize().unwrap_or_else(|_| t.dir.clone());
            dir.starts_with(&want) || want.starts_with(&dir)
        })
        .map(|(i, _)| i)
        .collect();
    let diags = lp_threads::check::check(&ws, Some(date), Some(&only));
    let policy = ws.mode.as_ref().and_then(|d| lp_threads::Policy::from_mode_file(d).ok());
    let threads: Vec<serde_json::Value> = only
        .iter()
        .map(|&i| {
            let t = &ws.threads[i];
            let d = lp_threads::check::decision_info(t, policy.as_ref());
            serde_json::json!({
                "thread": t.rel,
                "type": t.kind,
                "decision": d.as_ref().map(|d| d.decision.clone()),
                "impact_score": d.as_ref().and_then(|d| d.score),
                "needs_human": d.as_ref().map(|d| d.needs_human),
                "approved_by": d.as_ref().and_then(|d| d.approved_by.clone()),
            })
        })
        .collect();
    let n = only.len();
    let summary = format!("checked {n} thread{}: {}", if n == 1 { "" } else { "s" }, tally(&diags));
    out.diagnostics(&ws.db, &diags, serde_json::json!({ "threads": threads, "date": date.to_string() }), &summary);
    Ok(if diags.iter().any(|d| d.is_error()) { Status::Failure } else { Status::Success })
}

fn thread_of<'w>(ws: &'w Workspace, path: &Path) -> Result<&'w lp_threads::Thread, String> {
    ws.thread_at(path).ok_or_else(|| format!("`{}` is not a thread folder of the workspace", path.display()))
}

fn learn(a: LearnArgs, out: &Output) -> Result<Status, String> {
    let ws = load(&a.thread)?;
    let t = thread_of(&ws, &a.thread)?;
    let plan = match lp_threads::learn::plan(&ws, t) {
        Ok(p) => p,
        Err(e) => {
            out.fatal(&format!("cannot learn from `{}`: {}", t.rel, e.0));
            return Ok(Status::Failure);
        }
    };
    let mut lines = Vec::new();
    for ap in &plan.applied {
        match ap {
            lp_threads::canvas::Applied::Changed { id, before, after } => {
                lines.push(format!("  {id}: status {} → {}, confidence {} → {}", before.0, after.0, before.1, after.1))
            }
            lp_threads::canvas::Applied::AlreadyApplied { id } => lines.push(format!("  {id}: already applied")),
        }
    }
    let name = display(&plan.path);
    if !plan.changed() {
        out.stderr(&format!("{name} already has every update of `{}`:\n{}\n", t.rel, lines.join("\n")));
        return Ok(Status::Success);
    }
    if a.write {
        lp_threads::learn::write(ws.fs.as_ref(), &plan).map_err(|e| format!("cannot write `{name}`: {e}"))?;
        out.stderr(&format!("updated {name} from `{}`:\n{}\n", t.rel, lines.join("\n")));
    } else {
        out.stdout(&plan.diff());
        out.stderr(&format!("dry run: {name} would change as above:\n{}\npass --write to apply\n", lines.join("\n")));
    }
    Ok(Status::Success)
}

fn today(a: TodayArgs, out: &Output) -> Result<Status, String> {
    let date = resolve_date(&a.date)?;
    let ws = load(&a.path)?;
    let text = lp_threads::today::render(&ws, date, Some(&DriverRunner));
    let path = ws.root.join("ops/today.md");
    ws.fs.write_atomic(&path, text.as_bytes()).map_err(|e| format!("cannot write `{}`: {e}", display(&path)))?;
    out.stderr(&format!("wrote {}\n", display(&path)));
    Ok(Status::Success)
}

fn run_actions(a: RunArgs, out: &Output) -> Result<Status, String> {
    let date = resolve_date(&a.date)?;
    let ws = load(&a.thread)?;
    let t = thread_of(&ws, &a.thread)?;
    let reports = lp_threads::run_actions(&ws, t, a.action.as_deref(), &DriverRunner, &date.to_string())
        .map_err(|e| format!("cannot update the actions of `{}`: {e}", t.rel))?;
    if reports.is_empty() {
        out.fatal(&format!(
            "`{}` has no engineering action in `5-actions/` that names a spec project{}",
            t.rel,
            a.action.map(|x| format!(" with id `{x}`")).unwrap_or_default()
        ));
        return Ok(Status::Failure);
    }
    let mut failed = false;
    for r in &reports {
        failed |= r.result.outcome == Outcome::Failed;
        out.stderr(&format!("{}: {} {}: {}\n", r.action, r.result.what, r.result.outcome.word(), r.result.summary));
    }
    if failed {
        out.stderr("flagged in ops/today.md\n");
    }
    Ok(if failed { Status::Failure } else { Status::Success })
}

/// Runs engineering steps with the driver.
pub struct DriverRunner;

impl DriverRunner {
    fn check(&self, project: &Path) -> ActionResult {
        match lp_driver::check_with(&OsFs, project, &CheckOptions::default()) {
            Ok(o) => {
                let errors = o.error_count();
                let proved = o.results.iter().filter(|r| r.verdict.name() == "proved").count();
                let details = first_errors(&o.diagnostics);
                ActionResult {
                    outcome: if errors == 0 && o.input.is_some() { Outcome::Passed } else { Outcome::Failed },
                    what: "check".into(),
                    summary: format!(
                        "{} spec file{}, {} obligations ({proved} proved), {}",
                        o.files.len(),
                        if o.files.len() == 1 { "" } else { "s" },
                        o.results.len(),
                        tally(&o.diagnostics)
                    ),
                    details,
                }
            }
            Err(e) => failed("check", e.to_string()),
        }
    }

    fn build(&self, step: Step, project: &Path) -> ActionResult {
        let (prefix, what) = match step {
            Step::Backend => ("code/backend/", "backend"),
            Step::Frontend => ("code/frontend/", "frontend"),
            _ => ("configs/", "infrastructure"),
        };
        match lp_driver::build(&OsFs, project, &CheckOptions::default(), None) {
            Ok(b) if b.out_dir.is_some() => {
                let n = b.written.iter().filter(|f| f.starts_with(prefix)).count();
                let outcome = if n > 0 { Outcome::Passed } else { Outcome::Failed };
                let summary = if n > 0 {
                    format!("build wrote {n} {what} files under `{prefix}` ({} files in all)", b.written.len())
                } else {
                    format!(
                        "build wrote no {what} files under `{prefix}` ({} files in all); is the target in `build.targets`?",
                        b.written.len()
                    )
                };
                ActionResult { outcome, what: "build".into(), summary, details: Vec::new() }
            }
            Ok(b) => ActionResult {
                outcome: Outcome::Failed,
                what: "build".into(),
                summary: format!("nothing written: {}", tally(&b.check.diagnostics)),
                details: first_errors(&b.check.diagnostics),
            },
            Err(e) => failed("build", e.to_string()),
        }
    }

    /// The `verify` half of `engineering:validate`: the deploy gate on the project's output,
    /// with the key pinned in the environment as `verify` reads it (`LEANOS_TRUSTED_KEY`,
    /// `LEANOS_TRUSTED_KEY_FINGERPRINT`) and the gate's policy. A certificate signed by the
    /// committed TEST-ONLY key passes only when `LEANOS_ALLOW_TEST_KEY=1` says so.
    pub fn verify_step(&self, project: &Path) -> Option<ActionResult> {
        let mut req = lp_driver::verify::VerifyRequest {
            path: project.to_path_buf(),
            allow_test_key: std::env::var("LEANOS_ALLOW_TEST_KEY").is_ok_and(|v| v == "1"),
            ..Default::default()
        };
        crate::commands::verify::from_environment(&mut req);
        Some(match lp_driver::verify::verify(&OsFs, &req) {
            Ok(o) if o.authorized() => ActionResult {
                outcome: Outcome::Passed,
                what: "verify".into(),
                summary: format!(
                    "deploy authorized: {} artifacts re-hashed, signed by {}",
                    o.verification.files_hashed, o.verification.key_fingerprint
                ),
                details: Vec::new(),
            },
            Ok(o) => {
                let errors = o.diagnostics.iter().filter(|d| d.is_error()).count();
                ActionResult {
                    outcome: Outcome::Failed,
                    what: "verify".into(),
                    summary: format!("deploy NOT authorized: {errors} reason{}", if errors == 1 { "" } else { "s" }),
                    details: first_errors(&o.diagnostics),
                }
            }
            Err(e) => failed("verify", e.to_string()),
        })
    }
}

fn failed(what: &str, summary: String) -> ActionResult {
    ActionResult { outcome: Outcome::Failed, what: what.into(), summary, details: Vec::new() }
}

/// The first ten errors, one line each.
fn first_errors(diags: &[lp_diagnostics::Diagnostic]) -> Vec<String> {
    diags.iter().filter(|d| d.is_error()).take(10).map(|d| format!("[{}] {}", d.code, d.message)).collect()
}

impl EngineeringRunner for DriverRunner {
    fn run(&self, step: Step, project: &Path) -> ActionResult {
        match step {
            Step::Architecture => self.check(project),
            Step::Backend | Step::Frontend | Step::Infrastructure => self.build(step, project),
            Step::Validate => {
                let checked = self.check(project);
                if checked.outcome != Outcome::Passed {
                    return ActionResult { what: "check + verify".into(), ..checked };
                }
                match self.verify_step(project) {
                    Some(v) => ActionResult {
                        outcome: v.outcome,
                        what: "check + verify".into(),
                        summary: format!("{}; {}", checked.summary, v.summary),
                        details: v.details,
                    },
                    None => ActionResult {
                        outcome: Outcome::Incomplete,
                        what: "check + verify".into(),
                        summary: format!("{}; verify is not wired into threads yet", checked.summary),
                        details: Vec::new(),
                    },
                }
            }
        }
    }

    fn certificate_status(&self, project: &Path) -> String {
        let mut db = lp_diagnostics::SourceDb::new();
        let mut diags = Vec::new();
        let input = match lp_driver::resolve_input(&OsFs, project, &mut db, &mut diags) {
            Ok(Some(i)) => i,
            _ => return "unknown: the project cannot be read".into(),
        };
        let out_dir = lp_driver::build::output_dir(&input, None);
        let cert = out_dir.join("proofs/composed/system-proof.certificate");
        let rel = cert.strip_prefix(project).map(display).unwrap_or_else(|_| display(&cert));
        if !cert.is_file() {
            return format!("none (`{rel}` does not exist)");
        }
        match self.verify_step(project) {
            Some(r) if r.outcome == Outcome::Passed => format!("valid (`{rel}`): {}", r.summary),
            Some(r) => format!("INVALID (`{rel}`): {}", r.summary),
            None => format!("present (`{rel}`)"),
        }
    }
}
