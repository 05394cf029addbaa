//! `architecture.categorical`: the services as objects and their dependencies as morphisms,
//! the flows with their composed (Kleisli) types and effects, the parallel stages derived
//! from the dependency graph, and the functors (variance and law verdicts).

use super::{Index, Node, header, obligation_node, render};
use crate::obligation::{Obligation, Verdict};
use crate::passes::composition::{cycles, stages, type_flow};
use crate::passes::functor::variance_report;
use lp_ir::{ServiceId, Spec};

/// The text of `architecture.categorical` (YAML).
pub fn architecture_yaml(spec: &Spec, results: &[(Obligation, Verdict)]) -> String {
    let index = Index::new(results);
    let name = |id: ServiceId| spec.services.get(id.index()).map_or("?", |s| s.name.as_str());
    let (layers, unordered) = stages(spec);
    let stage_of = |id: ServiceId| layers.iter().position(|l| l.contains(&id));
    let mut morphisms = Vec::new();
    let mut services = Node::map();
    let owners = lp_ir::effects::owners(spec);
    for (i, s) in spec.services.iter().enumerate() {
        let sid = ServiceId(i as u32);
        let mut deps: Vec<&str> = Vec::new();
        for d in &s.depends {
            let to = name(d.service);
            if !deps.contains(&to) {
                deps.push(to);
                morphisms.push(Node::map().with("from", s.name.as_str()).with("to", to).with("label", "depends on"));
            }
        }
        let ops = s
            .ops
            .iter()
            .map(|op| {
                let params: Vec<_> = op.params.iter().map(|p| spec.display_ty(&p.ty, &[])).collect();
                let input = match params.as_slice() {
                    [] => "Unit".to_string(),
                    [one] => one.clone(),
                    many => format!("({})", many.join(", ")),
                };
                let mut morphism = format!("{input} -> {}", spec.display_ty(&op.result, &[]));
                let errors: Vec<&str> = op
                    .errors
                    .iter()
                    .filter_map(|e| spec.errors.get(e.error.index()))
                    .map(|e| e.name.as_str())
                    .collect();
                if !errors.is_empty() {
                    morphism.push_str(&format!(" ! {}", errors.join(" | ")));
                }
                let n = Node::map().with("name", op.name.as_str()).with("morphism", morphism);
                // An operation with a body: its effects, as the service maps list them.
                match &op.body {
                    Some(b) => n.with("effects", super::effects_node(spec, &lp_ir::effects::of_body(b))),
                    None => n,
                }
            })
            .collect::<Vec<_>>();
        let mut n = Node::map().with("depends_on", Node::strs(&deps));
        n.push("stage", stage_of(sid).map_or(Node::Null, Node::from));
        if !spec.entities.is_empty() {
            let owned: Vec<&str> = spec
                .entities
                .iter()
                .enumerate()
                .filter(|(e, _)| owners.get(*e).copied().flatten() == Some(sid))
                .map(|(_, e)| e.name.as_str())
                .collect();
            n.push("owns", Node::strs(&owned));
        }
        n.push("operations", Node::Seq(ops));
        n.push("flows", Node::strs(&s.flows.iter().map(|f| f.name.as_str()).collect::<Vec<_>>()));
        services.push(&s.name, n);
    }
    let cycle_list: Vec<String> = cycles(spec)
        .iter()
        .map(|c| {
            let mut names: Vec<&str> = c.iter().map(|&s| name(s)).collect();
            names.extend(c.first().map(|&s| name(s)));
            names.join(" -> ")
        })
        .collect();
    let mut category = Node::map()
        .with("objects", Node::strs(&spec.services.iter().map(|s| s.name.as_str()).collect::<Vec<_>>()))
        .with("morphisms", Node::Seq(morphisms))
        .with("acyclic", cycle_list.is_empty());
    if !cycle_list.is_empty() {
        category.push("cycles", Node::strs(&cycle_list));
    }
    if let Some((ob, v)) = index.get("composition/services/acyclic") {
        category.push("obligation", obligation_node(ob, v));
    }
    // The operation-level call graph of bodies, when some body calls an operation.
    if let Some((ob, v)) = index.get("composition/calls/acyclic") {
        let mut calls = Vec::new();
        for (at, fx) in lp_ir::effects::of_spec(spec) {
            let op_name = |r: lp_ir::OpRef| {
                let s = &spec.services[r.service.index()];
                format!("{}.{}", s.name, s.ops[r.op.index()].name)
            };
            for c in &fx.calls {
                calls.push(Node::map().with("from", op_name(at)).with("to", op_name(c.op)).with("label", "calls"));
            }
        }
        category.push(
            "operation_calls",
            Node::map().with("morphisms", Node::Seq(calls)).with("obligation", obligation_node(ob, v)),
        );
    }
    let mut vertical = Node::map();
    for (i, s) in spec.services.iter().enumerate() {
        for flow in &s.flows {
            let t = type_flow(spec, ServiceId(i as u32), flow);
            let steps = t
                .steps
                .iter()
                .map(|st| Node::map().with("call", st.call.as_str()).with("morphism", st.morphism.as_str()))
                .collect::<Vec<_>>();
            let mut n = Node::map()
                .with("order", Node::strs(&t.steps.iter().map(|st| st.call.as_str()).collect::<Vec<_>>()))
                .with("steps", Node::Seq(steps))
                .with("result_type", t.composed.as_str())
                .with("effects", Node::strs(&t.effects))
                .with("errors", Node::strs(&t.errors))
                .with("composes", t.mismatches.is_empty() && !t.poisoned);
            let key = format!("{}.{}", s.name, flow.name);
            let obs: Vec<Node> = ["types", "dependencies"]
                .iter()
                .filter_map(|k| index.get(&format!("composition/flow.{key}/{k}")))
                .map(|(o, v)| obligation_node(o, v))
                .collect();
            n.push("obligations", Node::Seq(obs));
            vertical.push(&key, n);
        }
    }
    let parallel =
        Node::Seq(layers.iter().map(|l| Node::strs(&l.iter().map(|&s| name(s)).collect::<Vec<_>>())).collect());
    let mut functors = Node::map();
    for tv in variance_report(spec) {
        let params = tv
            .params
            .iter()
            .map(|p| {
                Node::map()
                    .with("name", p.name.as_str())
                    .with("declared", p.declared)
                    .with("inferred", p.inferred.as_str())
                    .with("functor", p.functor)
            })
            .collect::<Vec<_>>();
        let obs = index
            .item(&format!("type.{}", tv.name))
            .iter()
            .filter(|(o, _)| o.id.starts_with("functor/"))
            .map(|(o, v)| obligation_node(o, v))
            .collect::<Vec<_>>();
        functors.push(&tv.name, Node::map().with("parameters", Node::Seq(params)).with("obligations", Node::Seq(obs)));
    }
    let doc = header(spec)
        .with(
            "conventions",
            Node::map()
                .with("objects", "services; a morphism `a -> b` is `a` depends on `b`")
                .with(
                    "vertical_composition",
                    "Kleisli composition of a flow's steps: each result is unwrapped from Option or Result and \
                     passed on; errors are unioned, and None becomes an error when Option is mixed with errors; \
                     associativity holds by construction, the identity law is not applicable",
                )
                .with(
                    "horizontal_composition",
                    "parallel stages: topological layers of the dependency graph; a stage depends only on earlier \
                     ones, so its services can start in parallel",
                ),
        )
        .with("category", category)
        .with("services", services)
        .with(
            "composition_strategy",
            Node::map().with("vertical_composition", vertical).with(
                "horizontal_composition",
                Node::map()
                    .with("parallel_stages", parallel)
                    .with("unordered", Node::strs(&unordered.iter().map(|&s| name(s)).collect::<Vec<_>>())),
            ),
        )
        .with("functors", functors);
    render("architecture.categorical", spec, &doc)
}
