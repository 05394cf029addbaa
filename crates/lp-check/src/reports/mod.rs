//! The per-pass reports of the build output, named as LeanOS names them:
//! `requirements.adt` ([`requirements_yaml`]), `types.curry-howard` ([`curry_howard_yaml`]),
//! `architecture.categorical` ([`architecture_yaml`]) and `state-machines.yaml`
//! ([`state_machines_yaml`]), all YAML; and the machines' diagrams ([`diagram`]).
//!
//! They are pure functions of the spec and the discharged obligations, deterministic to the
//! byte: items in declaration order, no timestamps, no absolute paths. The driver writes them.

mod categorical;
mod curry_howard;
pub mod diagram;
pub mod machines;
mod requirements;

pub use categorical::architecture_yaml;
pub use curry_howard::curry_howard_yaml;
pub use machines::state_machines_yaml;
pub use requirements::requirements_yaml;

use crate::obligation::{Method, Obligation, Verdict};
use std::collections::HashMap;

pub(crate) use lp_yaml::Node;

/// The YAML text of a report: a comment header, then the document.
pub(crate) fn render(title: &str, spec: &lp_ir::Spec, body: &Node) -> String {
    let version = spec.version.map(|v| v.to_string());
    lp_yaml::render(title, spec.name.as_deref(), version.as_deref(), body)
}

/// The spec's name and version as the first entries of a report.
pub(crate) fn header(spec: &lp_ir::Spec) -> Node {
    Node::map()
        .with("spec", spec.name.as_deref().map_or(Node::Null, Node::from))
        .with("version", spec.version.map_or(Node::Null, |v| Node::from(v.to_string())))
}

/// Verdicts by obligation id, and the obligations of each item (`fn.NAME`, `type.NAME`, ...:
/// the second segment of the id) in the order they were emitted.
pub(crate) struct Index<'r> {
    by_id: HashMap<&'r str, (&'r Obligation, &'r Verdict)>,
    by_item: HashMap<&'r str, Vec<(&'r Obligation, &'r Verdict)>>,
}

impl<'r> Index<'r> {
    pub(crate) fn new(results: &'r [(Obligation, Verdict)]) -> Self {
        let mut by_id = HashMap::new();
        let mut by_item: HashMap<&str, Vec<_>> = HashMap::new();
        for (ob, v) in results {
            by_id.insert(ob.id.as_str(), (ob, v));
            if let Some(item) = ob.id.split('/').nth(1) {
                by_item.entry(item).or_default().push((ob, v));
            }
        }
        Index { by_id, by_item }
    }

    pub(crate) fn get(&self, id: &str) -> Option<(&'r Obligation, &'r Verdict)> {
        self.by_id.get(id).copied()
    }

    pub(crate) fn item(&self, item: &str) -> &[(&'r Obligation, &'r Verdict)] {
        self.by_item.get(item).map_or(&[], Vec::as_slice)
    }
}

/// An obligation and its verdict, as a report lists them.
pub(crate) fn obligation_node(ob: &Obligation, v: &Verdict) -> Node {
    let mut n = Node::map().with("id", ob.id.as_str()).with("verdict", v.name());
    match v {
        Verdict::Proved { method } => n.push("method", method_name(*method)),
        Verdict::Bounded { depth } => n.push("depth", u64::from(*depth)),
        Verdict::Tested { cases, seed } => {
            n.push("cases", u64::from(*cases));
            n.push("seed", *seed);
        }
        Verdict::Failed { counterexample } => n.push("counterexample", counterexample.summary.as_str()),
        Verdict::Unknown { reason } => n.push("reason", reason.as_str()),
    }
    n
}

pub(crate) fn method_name(m: Method) -> &'static str {
    match m {
        Method::Structural => "structural",
        Method::Exhaustive => "exhaustive",
        Method::Smt => "smt",
        Method::PropertyTest => "property-test",
        Method::Bounded => "bounded",
    }
}
