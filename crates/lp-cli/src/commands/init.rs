//! `leanos-prove init NAME`: scaffold a project folder that checks clean.

use crate::cli::Status;
use crate::output::Output;
use lp_driver::fs::{FileSystem, OsFs};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The project's name and folder (letters, digits, `-` and `_`, starting with a letter).
    #[arg(value_parser = crate::cli::path_arg)]
    pub name: PathBuf,
}

const SPEC_TEMPLATE: &str = include_str!("../../templates/init/spec.adt");
const TOML_TEMPLATE: &str = include_str!("../../templates/init/leanos.toml");

pub fn run(args: Args, out: &Output) -> Status {
    let dir = args.name.as_path();
    let Some(name) = dir.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        out.fatal("a project needs a name, such as `leanos-prove init catalog`");
        return Status::Error;
    };
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        out.fatal(&format!(
            "`{name}` is not a valid project name: use letters, digits, `-` and `_`, starting with a letter"
        ));
        return Status::Error;
    }
    if dir.exists() && std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        out.fatal(&format!("`{}` already exists and is not empty", dir.display()));
        return Status::Error;
    }
    let ident = name.replace('-', "_");
    let files: [(PathBuf, String); 2] = [
        (dir.join("leanos.toml"), TOML_TEMPLATE.replace("{{name}}", &name)),
        (dir.join("spec").join(format!("{ident}.adt")), SPEC_TEMPLATE.replace("{{ident}}", &ident)),
    ];
    for (path, text) in &files {
        if let Err(e) = write(path, text) {
            out.fatal(&format!("cannot write `{}`: {e}", path.display()));
            return Status::Error;
        }
    }
    out.stderr(&format!("created project `{name}` in {}\nnext: leanos-prove check {}\n", dir.display(), dir.display()));
    Status::Success
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        OsFs.create_dir_all(parent)?;
    }
    OsFs.write_atomic(path, text.as_bytes())
}
