//! The leanos-prove language server: the only crate that knows LSP types.
//!
//! [`Server`] is the protocol state machine, independent of the transport: it takes decoded
//! JSON-RPC messages ([`Server::handle`]) and queues the messages to send
//! ([`Server::take_outgoing`]). Syntax and name diagnostics are computed at once on every
//! change; the full check (every verification pass, discharged through an in-memory verdict
//! cache) is a [`Job`] the transport runs on a worker thread after a quiet period, and whose
//! [`JobResult`] it hands back with [`Server::apply_job_result`]. [`transport`] is the
//! Content-Length framed stdio transport, which answers malformed input with JSON-RPC errors
//! instead of stopping.
//!
//! The core reads through `lp_driver`'s `FileSystem` trait: open documents are an overlay
//! over the disk ([`overlay::OverlayFs`]), and the server never writes to the disk.

pub mod document;
mod features;
pub mod index;
pub mod overlay;
pub mod position;
mod server;
pub mod transport;
pub mod uri;

pub use server::{Config, Control, Job, JobResult, Server, run_job};
pub use transport::run_stdio;
