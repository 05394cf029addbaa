//! `types.curry-howard`: every function and operation read as a proposition (its inputs imply
//! its result), whether both sides are inhabited, and the verdicts that make it total;
//! recursive types with their base cases; impossible states (types and refinements without
//! values).

use super::{Index, Node, header, method_name, obligation_node, render};
use crate::obligation::{Obligation, Pass, Verdict};
use crate::passes::adt::AdtFacts;
use lp_ir::{ParamDef, Spec, Ty, TypeId};
use std::collections::BTreeSet;

/// The text of `types.curry-howard` (YAML).
pub fn curry_howard_yaml(spec: &Spec, results: &[(Obligation, Verdict)]) -> String {
    let facts = AdtFacts::new(spec);
    let index = Index::new(results);
    let show = |ty: &Ty| spec.display_ty(ty, &[]);
    let mut signatures = Node::map();
    let mut all_total = true;
    let mut entry = |key: String,
                     signature: String,
                     params: &[ParamDef],
                     result: &Ty,
                     errors: &[String],
                     external,
                     behaviour: Option<Node>| {
        let inputs: Vec<String> = params.iter().map(|p| show(&p.ty)).collect();
        let mut rhs = vec![show(result)];
        rhs.extend(errors.iter().cloned());
        let lhs = if inputs.is_empty() { "⊤".to_string() } else { inputs.join(" ∧ ") };
        let inputs_inhabited = params.iter().all(|p| facts.inhabited(&p.ty));
        let result_inhabited = facts.inhabited(result);
        let obligations = index.item(&key);
        let passes = obligations.iter().all(|(_, v)| v.is_pass());
        let total = (!inputs_inhabited || result_inhabited)
            && obligations.iter().filter(|(o, _)| o.pass == Pass::Totality).all(|(_, v)| v.is_pass());
        all_total &= total;
        let methods: BTreeSet<&str> = obligations
            .iter()
            .filter_map(|(_, v)| match v {
                Verdict::Proved { method } => Some(method_name(*method)),
                Verdict::Bounded { .. } => Some("bounded"),
                Verdict::Tested { .. } => Some("property-test"),
                _ => None,
            })
            .chain(["structural"])
            .collect();
        let mut n = Node::map()
            .with("signature", signature)
            .with("proposition", format!("{lhs} ⇒ {}", rhs.join(" ∨ ")))
            .with("inputs_inhabited", inputs_inhabited)
            .with("result_inhabited", result_inhabited)
            .with("total", total)
            .with("verified", total && passes)
            .with("proof_method", Node::strs(&methods.into_iter().collect::<Vec<_>>()));
        if external {
            n.push("external", true);
        }
        // An operation with a body: what it does (its effects, as the service maps list them).
        if let Some(b) = behaviour {
            n.push("behaviour", b);
        }
        n.push("obligations", Node::Seq(obligations.iter().map(|(o, v)| obligation_node(o, v)).collect()));
        signatures.push(&key, n);
    };
    for f in &spec.fns {
        let params = f.params.iter().map(|p| format!("{}: {}", p.name, show(&p.ty))).collect::<Vec<_>>().join(", ");
        let signature = format!("{}({params}) -> {}", f.name, show(&f.result));
        entry(format!("fn.{}", f.name), signature, &f.params, &f.result, &[], f.body.is_none(), None);
    }
    for s in &spec.services {
        for op in &s.ops {
            let errors: Vec<String> =
                op.errors.iter().filter_map(|e| spec.errors.get(e.error.index())).map(|e| e.name.clone()).collect();
            let params =
                op.params.iter().map(|p| format!("{}: {}", p.name, show(&p.ty))).collect::<Vec<_>>().join(", ");
            let mut signature = format!("{}.{}({params}) -> {}", s.name, op.name, show(&op.result));
            if !errors.is_empty() {
                signature.push_str(&format!(" ! {}", errors.join(" | ")));
            }
            let behaviour = op.body.as_ref().map(|b| {
                Node::map().with("body", true).with("effects", super::effects_node(spec, &lp_ir::effects::of_body(b)))
            });
            entry(format!("op.{}.{}", s.name, op.name), signature, &op.params, &op.result, &errors, false, behaviour);
        }
    }
    let mut recursive = Node::map();
    for (i, def) in spec.types.iter().enumerate() {
        let id = TypeId(i as u32);
        if !facts.type_recursive(id) {
            continue;
        }
        let mut n = Node::map()
            .with("definition", format!("{} = {}", def.name, facts.normal_form(id)))
            .with("base_case", facts.type_inhabited(id));
        if let Some((ob, v)) = index.get(&format!("adt/type.{}/inhabited", def.name)) {
            n.push("obligation", obligation_node(ob, v));
        }
        recursive.push(&def.name, n);
    }
    let impossible: Vec<&(Obligation, Verdict)> =
        results.iter().filter(|(o, _)| matches!(o.kind, "refinement-sat" | "inhabited")).collect();
    let found: Vec<&str> = impossible.iter().filter(|(_, v)| !v.is_pass()).map(|(o, _)| o.id.as_str()).collect();
    let mut counts = Node::map();
    for name in ["proved", "bounded", "tested", "failed", "unknown"] {
        let n = results.iter().filter(|(o, v)| o.pass == Pass::Totality && v.name() == name).count();
        counts.push(name, n);
    }
    let mut doc = header(spec)
        .with(
            "conventions",
            Node::map()
                .with("proposition", "the parameter types (∧) imply the result type, or one of the declared errors (∨)")
                .with(
                    "total",
                    "when the inputs have values the result type has one, and every totality obligation of the \
                     item (exhaustive matches) passes",
                )
                .with("verified", "total, and every obligation of the item (contracts included) passes")
                .with("termination", "not proven"),
        )
        .with("type_signatures", signatures);
    // Invariants are propositions over the store, listed only for specs that have some.
    if !spec.invariants.is_empty() {
        let mut invariants = Node::map();
        for inv in &spec.invariants {
            let obligations = index.item(&format!("invariant.{}", inv.name));
            let mut n = Node::map()
                .with("proposition", super::store_expr_text(spec, &inv.expr))
                .with("obligations", Node::Seq(obligations.iter().map(|(o, v)| obligation_node(o, v)).collect()));
            if obligations.is_empty() {
                n.push("checked", "not proved yet: the reference interpreter checks it when it runs operations");
            }
            invariants.push(&inv.name, n);
        }
        doc.push("invariants", invariants);
    }
    let doc = doc
        .with("recursive_types", recursive)
        .with("impossible_states", Node::map().with("checked", impossible.len()).with("found", Node::strs(&found)))
        .with(
            "summary",
            Node::map()
                .with("all_total", all_total)
                .with("no_impossible_states", found.is_empty())
                .with("functions", spec.fns.len())
                .with("operations", spec.services.iter().map(|s| s.ops.len()).sum::<usize>())
                .with("totality_obligations", counts),
        );
    render("types.curry-howard", spec, &doc)
}
