//! `leanos-prove graph [PATH] [--machine NAME] [--format dot|mermaid|svg] [-o FILE]`: checks
//! the spec and prints the diagram of one state machine, or of every machine (one cluster or
//! composite state each) when `--machine` is omitted.
//!
//! Unreachable states and violating transitions are highlighted from the check's verdicts.
//! `svg` pipes the DOT text through Graphviz (`dot -Tsvg`); without Graphviz it is an error
//! (exit 2) that names the missing tool. Diagnostics go to stderr as for `ir`, and errors in
//! the spec make the exit status 1 even when a diagram was printed.

use crate::cli::Status;
use crate::output::{Output, tally};
use lp_check::reports::diagram::{self, DiagramFormat};
use lp_check::{Obligation, Verdict};
use lp_driver::fs::OsFs;
use lp_ir::MachineId;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT text.
    Dot,
    /// A Mermaid `stateDiagram-v2`.
    Mermaid,
    /// SVG rendered by Graphviz `dot` (which must be installed).
    Svg,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A `.adt` file, or a project folder containing `leanos.toml`. A single argument that is
    /// not a path names a machine of the project in the current folder (`graph Payment`).
    #[arg(default_value = ".", value_parser = crate::cli::path_arg)]
    pub path: PathBuf,
    /// The machine to draw, as a second argument (`graph PATH MACHINE`).
    #[arg(value_name = "MACHINE", conflicts_with = "machine")]
    pub machine_arg: Option<String>,
    /// The machine to draw; every machine when omitted.
    #[arg(long, short = 'm', value_name = "NAME")]
    pub machine: Option<String>,
    /// The diagram format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Write the diagram to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE", value_parser = crate::cli::output_file_arg)]
    pub output: Option<PathBuf>,
}

pub fn run(mut args: Args, out: &Output) -> Status {
    args.machine = args.machine.take().or(args.machine_arg.take());
    // `graph Payment`: a lone argument that is not a path, inside a project, names a machine.
    if args.machine.is_none() && !args.path.exists() && std::path::Path::new(lp_driver::TOML_NAME).is_file() {
        args.machine = Some(args.path.to_string_lossy().into_owned());
        args.path = PathBuf::from(".");
    }
    let outcome = match lp_driver::check_with(&OsFs, &args.path, &lp_driver::CheckOptions::default()) {
        Ok(o) => o,
        Err(e) => {
            out.fatal(&e.to_string());
            return Status::Error;
        }
    };
    let report = |status: Status| {
        if !outcome.diagnostics.is_empty() {
            out.diagnostics(&outcome.db, &outcome.diagnostics, serde_json::json!({}), &tally(&outcome.diagnostics));
        }
        if outcome.error_count() > 0 { Status::Failure } else { status }
    };
    // Without a resolved spec there is nothing to draw.
    let Some(spec) = outcome.spec.as_ref().filter(|_| outcome.error_count() == 0 || !outcome.results.is_empty()) else {
        return report(Status::Failure);
    };
    let ids: Vec<MachineId> = match &args.machine {
        Some(name) => match spec.machines.iter().position(|m| &m.name == name) {
            Some(i) => vec![MachineId(i as u32)],
            None => {
                let names = spec.machines.iter().map(|m| m.name.as_str());
                let mut message = format!("no state machine named `{name}`");
                if let Some(s) = lp_ir::suggest::did_you_mean(name, names) {
                    message.push_str(&format!("; did you mean `{s}`?"));
                } else if spec.machines.is_empty() {
                    message.push_str("; the spec declares none");
                } else {
                    let all: Vec<String> = spec.machines.iter().map(|m| format!("`{}`", m.name)).collect();
                    message.push_str(&format!("; the machines are {}", all.join(", ")));
                }
                out.fatal(&message);
                return Status::Error;
            }
        },
        None => (0..spec.machines.len()).map(|i| MachineId(i as u32)).collect(),
    };
    if ids.is_empty() {
        out.fatal("the spec declares no state machine, so there is nothing to draw");
        return Status::Error;
    }
    let results: Vec<(Obligation, Verdict)> =
        outcome.results.iter().map(|r| (r.obligation.clone(), r.verdict.clone())).collect();
    let bytes = match args.format {
        GraphFormat::Dot => diagram::diagram(spec, &ids, &results, DiagramFormat::Dot).into_bytes(),
        GraphFormat::Mermaid => diagram::diagram(spec, &ids, &results, DiagramFormat::Mermaid).into_bytes(),
        GraphFormat::Svg => match svg(&diagram::diagram(spec, &ids, &results, DiagramFormat::Dot)) {
            Ok(b) => b,
            Err(message) => {
                out.fatal(&message);
                return Status::Error;
            }
        },
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &bytes) {
                out.fatal(&format!("cannot write `{}`: {e}", path.display()));
                return Status::Error;
            }
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(&bytes);
            let _ = stdout.flush();
        }
    }
    report(Status::Success)
}

/// Renders DOT text to SVG with Graphviz's `dot`.
fn svg(dot: &str) -> Result<Vec<u8>, String> {
    let child =
        Command::new("dot").arg("-Tsvg").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err("`--format svg` needs Graphviz's `dot`, which is not installed (not found on PATH); install \
                        Graphviz, or use `--format dot` or `--format mermaid`"
                .to_string());
        }
        Err(e) => return Err(format!("cannot run Graphviz's `dot`: {e}")),
    };
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(dot.as_bytes()).map_err(|e| format!("cannot write to Graphviz's `dot`: {e}"))?;
    }
    let output = child.wait_with_output().map_err(|e| format!("Graphviz's `dot` failed: {e}"))?;
    if !output.status.success() {
        return Err(format!("Graphviz's `dot` failed: {}", String::from_utf8_lossy(&output.stderr).trim()));
    }
    Ok(output.stdout)
}
