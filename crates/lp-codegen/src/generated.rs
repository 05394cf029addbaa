//! The output of a generator: files with the spec items they come from (traceability).
//!
//! Every generator returns a [`Generated`] map. The build writes the bytes and records, for
//! each file, the spec items it was generated from; the certificate's traceability manifest is
//! built from these, and `verify` checks it both ways (every artifact names its items, every
//! item names at least one artifact).

use lp_ir::Spec;
use std::collections::BTreeMap;

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GeneratedFile {
    pub bytes: Vec<u8>,
    /// The spec items this file comes from, as [`item_id`]s, sorted and without duplicates.
    pub sources: Vec<String>,
}

impl GeneratedFile {
    /// A file generated from the given items.
    pub fn new(bytes: impl Into<Vec<u8>>, sources: impl IntoIterator<Item = String>) -> GeneratedFile {
        let mut sources: Vec<String> = sources.into_iter().collect();
        sources.sort();
        sources.dedup();
        GeneratedFile { bytes: bytes.into(), sources }
    }
}

/// Generated files by path relative to the build output folder (forward slashes, no `..`).
pub type Generated = BTreeMap<String, GeneratedFile>;

/// The pseudo-item "the spec as a whole", named by a file that comes from no particular item:
/// the scaffolding of an app whose spec has no service, a test suite of a spec with no type.
/// The certificate lists it among the items when some artifact names it (as it does for the
/// reports of a spec without the items they describe), so the traceability manifest stays
/// complete both ways. Use it through [`or_whole_spec`], only where the specific set can be
/// empty.
pub const WHOLE_SPEC: &str = "spec";

/// `sources`, or [`WHOLE_SPEC`] when it is empty.
pub fn or_whole_spec<I: IntoIterator<Item = String>>(sources: I) -> Vec<String> {
    let mut out: Vec<String> = sources.into_iter().collect();
    if out.is_empty() {
        out.push(WHOLE_SPEC.to_string());
    }
    out
}

/// The kinds of spec item that artifacts are traced to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Type,
    Error,
    Fn,
    Machine,
    Service,
    /// An operation: its id is `op.SERVICE.NAME`.
    Op,
    Deploy,
    Standards,
}

/// The stable id of a spec item in traceability records: `type.Product`, `error.Conflict`,
/// `fn.discounted`, `machine.SyncJob`, `service.catalog`, `op.catalog.upsert`,
/// `deploy.catalog`, `standards`.
pub fn item_id(kind: ItemKind, name: &str) -> String {
    let prefix = match kind {
        ItemKind::Type => "type",
        ItemKind::Error => "error",
        ItemKind::Fn => "fn",
        ItemKind::Machine => "machine",
        ItemKind::Service => "service",
        ItemKind::Op => "op",
        ItemKind::Deploy => "deploy",
        ItemKind::Standards => return "standards".to_string(),
    };
    format!("{prefix}.{name}")
}

/// The id of operation `op` of service `service`.
pub fn op_id(service: &str, op: &str) -> String {
    item_id(ItemKind::Op, &format!("{service}.{op}"))
}

/// Every traceable item of a spec, sorted: each must be named by at least one artifact.
pub fn spec_items(spec: &Spec) -> Vec<String> {
    let mut items = Vec::new();
    items.extend(spec.types.iter().map(|t| item_id(ItemKind::Type, &t.name)));
    items.extend(spec.errors.iter().map(|e| item_id(ItemKind::Error, &e.name)));
    items.extend(spec.fns.iter().map(|f| item_id(ItemKind::Fn, &f.name)));
    items.extend(spec.machines.iter().map(|m| item_id(ItemKind::Machine, &m.name)));
    for s in &spec.services {
        items.push(item_id(ItemKind::Service, &s.name));
        items.extend(s.ops.iter().map(|o| op_id(&s.name, &o.name)));
    }
    items.extend(spec.deploys.iter().map(|d| item_id(ItemKind::Deploy, &spec.services[d.service.0 as usize].name)));
    items.sort();
    items.dedup();
    items
}
