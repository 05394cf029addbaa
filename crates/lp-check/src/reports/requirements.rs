//! `requirements.adt`: every type's sum-of-products normal form, path count, paths and
//! inhabitation, and every error payload's.

use super::{Index, Node, header, obligation_node, render};
use crate::obligation::{Obligation, Verdict};
use crate::passes::adt::{AdtFacts, Count, Emptiness, MAX_LISTED_PATHS, shape_key};
use lp_ir::{ErrorId, FieldDef, Spec, TypeBody, TypeId};
use std::collections::HashMap;

/// The text of `requirements.adt` (YAML).
pub fn requirements_yaml(spec: &Spec, results: &[(Obligation, Verdict)]) -> String {
    let facts = AdtFacts::new(spec);
    let index = Index::new(results);
    let mut first_shape: HashMap<String, &str> = HashMap::new();
    let mut types = Node::map();
    let mut uninhabited = Vec::new();
    let mut no_base_case = Vec::new();
    let mut recursive = Vec::new();
    for (i, def) in spec.types.iter().enumerate() {
        let id = TypeId(i as u32);
        let fields = |fields: &[FieldDef]| -> Node {
            Node::Seq(
                fields
                    .iter()
                    .map(|f| {
                        Node::map().with("name", f.name.as_str()).with("type", spec.display_ty(&f.ty, &def.params))
                    })
                    .collect(),
            )
        };
        let mut n = match &def.body {
            TypeBody::Record(fs) => Node::map().with("type", "product").with("fields", fields(fs)),
            TypeBody::Sum(vs) => Node::map().with("type", "coproduct").with(
                "variants",
                Node::Seq(
                    vs.iter()
                        .map(|v| {
                            let n = Node::map().with("name", v.name.as_str());
                            match &v.payload {
                                Some(fs) => n.with("fields", fields(fs)),
                                None => n,
                            }
                        })
                        .collect(),
                ),
            ),
            TypeBody::Alias(ty) => Node::map().with("type", "alias").with("aliases", spec.display_ty(ty, &def.params)),
        };
        if !def.params.is_empty() {
            n.push("parameters", Node::strs(&def.params.iter().map(|p| p.name.as_str()).collect::<Vec<_>>()));
        }
        let lhs = if def.params.is_empty() {
            def.name.clone()
        } else {
            format!("{}<{}>", def.name, def.params.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "))
        };
        n.push("expression", format!("{lhs} = {}", facts.normal_form(id)));
        let field_refined = match &def.body {
            TypeBody::Record(fs) => fs.iter().any(|f| f.refinement.is_some()),
            TypeBody::Sum(vs) => vs.iter().filter_map(|v| v.payload.as_ref()).flatten().any(|f| f.refinement.is_some()),
            TypeBody::Alias(_) => false,
        };
        n.push("refined", def.refinement.is_some() || field_refined);
        let count = facts.type_count(id);
        n.push("path_count", count_node(count));
        match facts.paths(id) {
            Some(paths) => n.push("paths", Node::strs(&paths)),
            None => n.push("paths", Node::from(format!("not listed: more than {MAX_LISTED_PATHS}, or unbounded (ω)"))),
        }
        let inhabited = facts.type_inhabited(id);
        n.push("inhabited", inhabited);
        let rec = facts.type_recursive(id);
        n.push("recursive", rec);
        if rec {
            recursive.push(def.name.as_str());
        }
        match facts.emptiness(id) {
            Some(Emptiness::VoidPath) => {
                uninhabited.push(def.name.as_str());
                let path = facts.void_path(id);
                n.push(
                    "void_path",
                    Node::strs(&path.iter().map(|b| format!("{}: {}", b.path, b.ty)).collect::<Vec<_>>()),
                );
            }
            Some(Emptiness::NoBaseCase) => {
                uninhabited.push(def.name.as_str());
                no_base_case.push(def.name.as_str());
                let blockers = facts.blockers(id);
                n.push(
                    "needs_itself",
                    Node::strs(&blockers.iter().map(|b| format!("{}: {}", b.path, b.ty)).collect::<Vec<_>>()),
                );
            }
            None => {}
        }
        if let Some(key) = shape_key(spec, id) {
            match first_shape.get(&key) {
                Some(earlier) => n.push("isomorphic_to", *earlier),
                None => {
                    first_shape.insert(key, def.name.as_str());
                }
            }
        }
        if let Some((ob, v)) = index.get(&format!("adt/type.{}/inhabited", def.name)) {
            n.push("obligation", obligation_node(ob, v));
        }
        types.push(&def.name, n);
    }
    let mut errors = Node::map();
    for (i, e) in spec.errors.iter().enumerate() {
        let id = ErrorId(i as u32);
        let product = if e.fields.is_empty() {
            "1".to_string()
        } else {
            e.fields.iter().map(|f| spec.display_ty(&f.ty, &[])).collect::<Vec<_>>().join(" × ")
        };
        let fields = Node::Seq(
            e.fields
                .iter()
                .map(|f| Node::map().with("name", f.name.as_str()).with("type", spec.display_ty(&f.ty, &[])))
                .collect(),
        );
        errors.push(
            &e.name,
            Node::map()
                .with("status", u64::from(e.status))
                .with("fields", fields)
                .with("expression", format!("{} = {product}", e.name))
                .with("path_count", count_node(facts.error_count(id)))
                .with("inhabited", facts.error_inhabited(id)),
        );
    }
    let mut doc = header(spec)
        .with(
            "conventions",
            Node::map()
                .with(
                    "path_count",
                    "value shapes: Void 0; Unit, Int, String, a function, a machine handle and a type parameter 1; \
                     Bool 2; a sum adds its variants, a record multiplies its fields; Option<T> is 1 + T, \
                     Result<A, B> is A + B; a collection, or a type that can contain itself, is ω (unbounded)",
                )
                .with("paths", "each path as a pattern; `_` stands for a scalar, `..` for fields with one shape")
                .with("expression", "sum of products, one level: variants joined by +, fields by ×, 1 for none")
                .with("refinements", "not counted: a refinement narrows the values of a path, not the paths"),
        )
        .with("type_definitions", types)
        .with("errors", errors);
    let mut summary = Node::map()
        .with("types", spec.types.len())
        .with("errors", spec.errors.len())
        .with("uninhabited", Node::strs(&uninhabited))
        .with("no_base_case", Node::strs(&no_base_case))
        .with("recursive", Node::strs(&recursive));
    // Stored state, only for specs that have some (so other specs' reports are unchanged).
    if !spec.entities.is_empty() || !spec.invariants.is_empty() {
        doc.push("entities", entities(spec, &index));
        doc.push("invariants", invariants(spec, &index));
        summary.push("entities", spec.entities.len());
        summary.push("invariants", spec.invariants.len());
    }
    doc.push("summary", summary);
    render("requirements.adt", spec, &doc)
}

/// Each entity: its record type (in `type_definitions`), `key`, `lifecycle`, the `owner`
/// (the one service whose bodies write it, `null` when none or several do) and the
/// single-writer obligation.
fn entities(spec: &Spec, index: &Index) -> Node {
    let owners = lp_ir::effects::owners(spec);
    let mut out = Node::map();
    for (i, e) in spec.entities.iter().enumerate() {
        let mut n = Node::map()
            .with("record", spec.types.get(e.ty.index()).map_or("?", |t| t.name.as_str()))
            .with("key", Node::strs(&super::key_names(spec, e)));
        if let Some(m) = e.lifecycle.and_then(|m| spec.machines.get(m.index())) {
            n.push("lifecycle", m.name.as_str());
        }
        let owner = owners.get(i).copied().flatten().and_then(|s| spec.services.get(s.index()));
        n.push("owner", owner.map_or(Node::Null, |s| Node::from(s.name.as_str())));
        if let Some((ob, v)) = index.get(&format!("composition/entity.{}/single-writer", e.name)) {
            n.push("obligation", obligation_node(ob, v));
        }
        out.push(&e.name, n);
    }
    out
}

/// Each invariant: its expression and the entities it reads.
fn invariants(spec: &Spec, index: &Index) -> Node {
    let mut out = Node::map();
    for inv in &spec.invariants {
        let mut n = Node::map()
            .with("expression", super::store_expr_text(spec, &inv.expr))
            .with("reads", Node::strs(&super::entities_read(spec, &inv.expr)));
        let obligations = index.item(&format!("invariant.{}", inv.name));
        n.push("obligations", Node::Seq(obligations.iter().map(|(o, v)| obligation_node(o, v)).collect()));
        if obligations.is_empty() {
            n.push("checked", "not proved yet: the reference interpreter checks it when it runs operations");
        }
        out.push(&inv.name, n);
    }
    out
}

fn count_node(c: Count) -> Node {
    match c {
        Count::Finite(n) => Node::from(n),
        Count::Omega => Node::from("ω"),
    }
}
