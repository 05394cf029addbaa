//! The command-line interface: global flags, subcommands and exit codes.

use crate::commands;
use crate::output::{ColorChoice, Output};
use clap::{Parser, Subcommand, ValueEnum};
use lp_diagnostics::render::ErrorFormat;
use std::path::PathBuf;
use std::process::ExitCode;

const EXIT_CODES: &str = "\
Exit codes:
  0  success: no errors (warnings may have been reported)
  1  the input has errors (diagnostics were reported), or `fmt --check` found unformatted files
  2  usage or IO error: bad flags, an unreadable path, an unknown code";

const VERIFY_EXIT_CODES: &str = "\
Exit codes:
  0  deploy authorized: the signature, every artifact digest, the spec and the policy hold
  1  not authorized: every reason is listed (tampered or missing files, another key, policy)
  2  usage or IO error: bad flags, an unreadable certificate or key, an invalid policy file";

const INTERP_EXIT_CODES: &str = "\
Exit codes:
  0  the input ended (each request was answered, a bad one with `\"outcome\": \"error\"`)
  1  the spec has errors (diagnostics were reported; nothing was answered)
  2  usage or IO error: bad flags, an unreadable path or standard input";

/// leanos-prove: check, build and certify LeanOS system specifications.
#[derive(Debug, Parser)]
#[command(name = "leanos-prove", version, after_help = EXIT_CODES, propagate_version = true)]
pub struct Cli {
    /// How diagnostics are printed.
    #[arg(long, global = true, value_enum, default_value_t = FormatArg::Human)]
    pub error_format: FormatArg,
    /// When to use colours in human output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Human,
    Json,
    Sarif,
    /// GitHub Actions annotations (`::error file=…::…`).
    Github,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse, resolve and verify a spec file or a project folder: every obligation is discharged.
    #[command(after_help = EXIT_CODES)]
    Check(commands::check::Args),
    /// Check, generate (OpenAPI, backend, frontend, deployment configs), compose and sign the certificate, then write the output atomically.
    #[command(after_help = EXIT_CODES)]
    Build(commands::build::Args),
    /// The deploy gate: verify a build's signed certificate against the files on disk and the policy.
    #[command(after_help = VERIFY_EXIT_CODES)]
    Verify(commands::verify::Args),
    /// Draw state machines as Graphviz DOT, Mermaid or SVG, with unreachable states and violations highlighted.
    #[command(after_help = EXIT_CODES)]
    Graph(commands::graph::Args),
    /// Format spec files in the canonical style (comments are kept).
    #[command(after_help = EXIT_CODES)]
    Fmt(commands::fmt::Args),
    /// Print the documentation of a diagnostic code, e.g. `explain LP1001`.
    #[command(after_help = EXIT_CODES)]
    Explain(commands::explain::Args),
    /// Create a new project folder that checks clean.
    #[command(after_help = EXIT_CODES)]
    Init(commands::init::Args),
    /// Generate an Ed25519 signing key pair (`NAME.key`, PKCS#8 PEM, and `NAME.pub`) for certificates.
    #[command(after_help = EXIT_CODES)]
    Keygen(commands::keygen::Args),
    /// Run the language server (LSP over standard input and output) for editors.
    #[command(after_help = EXIT_CODES)]
    Lsp(commands::lsp::Args),
    /// Compare two versions of a spec: every change by rule id and category, and the migration checks.
    #[command(after_help = EXIT_CODES)]
    Diff(commands::diff::Args),
    /// Import an existing API description as a spec: `import openapi FILE [-o OUT.adt]`.
    #[command(after_help = EXIT_CODES)]
    Import(commands::import::Args),
    /// Business threads on a LeanOS workspace: scaffold, lint, learn into the canvas, write ops/today.md, run engineering actions.
    #[command(after_help = EXIT_CODES)]
    Threads(commands::threads::Args),
    /// Run operation bodies in the reference interpreter: JSON requests on standard input, one a line, answers on standard output (the reference side of the generated differential tests).
    #[command(after_help = INTERP_EXIT_CODES)]
    Interp(commands::interp::Args),
    /// Print the resolved IR of a spec file or project (for debugging).
    #[command(hide = true)]
    Ir(commands::ir::Args),
}

/// A path argument of a command that does not read standard input or write standard output
/// through `-`: `-` is a usage error (exit 2), not a file or folder named `-`.
pub fn path_arg(s: &str) -> Result<PathBuf, String> {
    if s == "-" {
        return Err(
            "`-` (standard input or output) is not supported here; give a path, or `./-` for a file named `-`".into()
        );
    }
    Ok(PathBuf::from(s))
}

/// An output-file option whose absence means standard output: `-` is a usage error that says so.
pub fn output_file_arg(s: &str) -> Result<PathBuf, String> {
    if s == "-" {
        return Err("`-`: standard output is where it goes without this option; omit the option, or give `./-` for a file named `-`".into());
    }
    Ok(PathBuf::from(s))
}

/// The documented exit statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success = 0,
    Failure = 1,
    Error = 2,
}

impl From<Status> for ExitCode {
    fn from(s: Status) -> ExitCode {
        ExitCode::from(s as u8)
    }
}

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout with status 0, usage errors to stderr.
            let _ = e.print();
            return if e.use_stderr() { Status::Error.into() } else { Status::Success.into() };
        }
    };
    let format = match cli.error_format {
        FormatArg::Human => ErrorFormat::Human,
        FormatArg::Json => ErrorFormat::Json,
        FormatArg::Sarif => ErrorFormat::Sarif,
        FormatArg::Github => ErrorFormat::Github,
    };
    let out = Output::new(format, cli.color);
    let status = match cli.command {
        Command::Check(args) => commands::check::run(args, &out),
        Command::Build(args) => commands::build::run(args, &out),
        Command::Verify(args) => commands::verify::run(args, &out),
        Command::Graph(args) => commands::graph::run(args, &out),
        Command::Fmt(args) => commands::fmt::run(args, &out),
        Command::Explain(args) => commands::explain::run(args, &out),
        Command::Init(args) => commands::init::run(args, &out),
        Command::Keygen(args) => commands::keygen::run(args, &out),
        Command::Import(args) => commands::import::run(args, &out),
        Command::Ir(args) => commands::ir::run(args, &out),
        Command::Interp(args) => commands::interp::run(args, &out),
        Command::Threads(args) => commands::threads::run(args, &out),
        Command::Diff(args) => commands::diff::run(args, &out),
        Command::Lsp(args) => commands::lsp::run(args, &out),
    };
    status.into()
}
