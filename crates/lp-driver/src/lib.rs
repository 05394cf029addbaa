//! The build session: finding a project's files, running the pipeline stages in order, and
//! formatting. It reads and writes only through [`fs::FileSystem`], so the language server and
//! tests can run it on in-memory files.

pub mod analyze;
pub mod build;
pub mod certify;
pub mod compat;
pub mod discharge;
pub mod fs;
pub mod project;
mod session;
pub mod synth;
pub mod verify;

pub use build::{BuildError, BuildOptions, BuildOutcome, BuildStage, build, build_with};
pub use discharge::{CheckOptions, ObligationResult, TOOL_VERSION};
pub use project::{ProjectConfig, TOML_NAME};
pub use session::{
    CheckOutcome, FmtFile, Input, SpecFileEntry, check, check_with, format_files, ir_text, resolve_input, spec_files,
};
