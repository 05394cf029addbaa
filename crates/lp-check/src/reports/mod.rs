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

/// The effects of one operation body as the reports list them (the service maps' summary,
/// flattened): entities `reads`, `writes` (`Entity (create, fire)`), `fires` (`Entity.event`),
/// `calls` (`service.op`), `functions` and the errors it `raises` on its own.
pub(crate) fn effects_node(spec: &lp_ir::Spec, fx: &lp_ir::effects::OpEffects) -> Node {
    let entity = |e: lp_ir::EntityId| spec.entities.get(e.index()).map_or("?", |x| x.name.as_str());
    let reads: Vec<&str> = fx.reads.iter().map(|&e| entity(e)).collect();
    let writes: Vec<String> = fx
        .written()
        .into_iter()
        .map(|e| {
            let mut kinds: Vec<&str> = Vec::new();
            for w in fx.writes.iter().filter(|w| w.entity == e) {
                if !kinds.contains(&w.kind.as_str()) {
                    kinds.push(w.kind.as_str());
                }
            }
            format!("{} ({})", entity(e), kinds.join(", "))
        })
        .collect();
    let fires: Vec<String> = fx
        .fires
        .iter()
        .map(|f| {
            let ev = spec.machines.get(f.machine.index()).and_then(|m| m.events.get(f.event.index()));
            format!("{}.{}", entity(f.entity), ev.map_or("?", |e| e.name.as_str()))
        })
        .collect();
    let calls: Vec<String> = fx
        .calls
        .iter()
        .map(|c| {
            let s = spec.services.get(c.op.service.index());
            let o = s.and_then(|s| s.ops.get(c.op.op.index()));
            format!("{}.{}", s.map_or("?", |s| s.name.as_str()), o.map_or("?", |o| o.name.as_str()))
        })
        .collect();
    let fns: Vec<&str> = fx.fns.iter().filter_map(|f| spec.fns.get(f.index())).map(|f| f.name.as_str()).collect();
    let raises: Vec<&str> =
        fx.raises.iter().filter_map(|e| spec.errors.get(e.index())).map(|e| e.name.as_str()).collect();
    Node::map()
        .with("reads", Node::strs(&reads))
        .with("writes", Node::strs(&writes))
        .with("fires", Node::strs(&fires))
        .with("calls", Node::strs(&calls))
        .with("functions", Node::strs(&fns))
        .with("raises", Node::strs(&raises))
}

/// An expression over the store (an invariant) as spec text.
pub(crate) fn store_expr_text(spec: &lp_ir::Spec, e: &lp_ir::Expr) -> String {
    let names = lp_ir::text::ExprNames { params: &[], vars: &[], qualify_variants: false };
    let mut s = String::new();
    lp_ir::text::write_expr(&mut s, spec, names, e, 0);
    s
}

/// The entities an expression reads (`exists`, quantifiers, `count`), in order.
pub(crate) fn entities_read(spec: &lp_ir::Spec, e: &lp_ir::Expr) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    lp_ir::expr::walk(e, &mut |x| match &x.kind {
        lp_ir::ExprKind::Exists { entity, .. }
        | lp_ir::ExprKind::Quantified { entity, .. }
        | lp_ir::ExprKind::Count { entity, .. } => {
            if let Some(name) = spec.entities.get(entity.index()).map(|x| x.name.clone())
                && !out.contains(&name)
            {
                out.push(name);
            }
        }
        _ => {}
    });
    out
}

/// The names of an entity's key fields, in the key's order.
pub(crate) fn key_names(spec: &lp_ir::Spec, e: &lp_ir::Entity) -> Vec<String> {
    let fields = match spec.types.get(e.ty.index()).map(|t| &t.body) {
        Some(lp_ir::TypeBody::Record(fields)) => fields.as_slice(),
        _ => &[],
    };
    e.key.iter().filter_map(|&i| fields.get(i as usize)).map(|f| f.name.clone()).collect()
}
