//! One module per subcommand, each with its clap `Args` and a `run` function.

pub mod build;
pub mod check;
pub mod explain;
pub mod fmt;
pub mod graph;
pub mod init;
pub mod ir;
pub mod keygen;
