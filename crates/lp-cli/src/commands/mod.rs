//! One module per subcommand, each with its clap `Args` and a `run` function.

pub mod build;
pub mod check;
pub mod diff;
pub mod explain;
pub mod fmt;
pub mod graph;
pub mod import;
pub mod init;
pub mod interp;
pub mod ir;
pub mod keygen;
pub mod lsp;
pub mod threads;
pub mod verify;
