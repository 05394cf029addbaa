//! Composition and architecture: `>=>` flows type-check with effects, flows call only the
//! services their service depends on, and the service dependency graph is acyclic; parallel
//! stages are derived from it.
//!
//! Kleisli typing of a flow `a >=> b >=> c`, as decided here:
//! - A step's result is unwrapped from its effect: `Option<T>` gives `T` (effect `option`),
//!   `Result<T, E>` gives `T` (effect `result`, error `E`), anything else is pure. An
//!   operation's declared `! E1 | E2` errors are effects too. Aliases are unfolded first.
//! - Every step after the first takes exactly one parameter, and the previous step's
//!   unwrapped result must be compatible with it (`Spec::compatible`: refinements are not
//!   compared here). The first step's parameters are the flow's input.
//! - The flow's effect is the union: pure when every step is pure, `Option<T>` when only
//!   options occur, otherwise `Result<T, E1 | E2 | ...>` whose errors are the union, in
//!   order of first appearance, of the `Result` error types, the declared errors, and `None`
//!   when an `Option` step is mixed with errors (a `None` short-circuits like an error).
//!
//! Ownership and calls of operation bodies, on the effects the service maps list
//! (`lp_ir::effects`):
//! - `composition/entity.NAME/single-writer`, for each entity some body writes when the spec
//!   has several services: one service only (the owner) writes it directly with `create`,
//!   `put`, `delete` or `fire`; the others call the owner's operations (LP6020).
//! - `composition/calls/acyclic`, when some body calls an operation: the operation-level call
//!   graph has no cycle (LP6021). Calls follow `depends on`, so such a cycle also fails
//!   `composition/services/acyclic`; this obligation names the operations on it.
//!
//! The dependency graph has an edge `a -> b` for each `depends on b` of service `a`; a cycle
//! is reported as a path. Stages are the topological layers of the graph: stage 0 depends on
//! nothing, stage k only on earlier stages, so each stage's services can start in parallel.

use crate::obligation::{Method, Obligation, Pass, Report, Verdict};
use crate::passes::adt::{decided, failed};
use lp_diagnostics::{FileId, Span, codes};
use lp_ir::{Callable, Flow, ParamDef, ServiceId, Spec, Ty};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::VecDeque;

/// The effect a step's result carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Pure,
    Option,
    /// `Result<_, E>`, with `E` as written.
    Result(String),
}

/// One step of a typed flow.
#[derive(Debug, Clone)]
pub struct StepTyping {
    /// The callee as written: `normalize`, or `service.op` for another service's operation.
    pub call: String,
    /// The step's morphism: `Scoped<RemoteProduct> -> Result<Scoped<Product>, RemoteFailure>`.
    pub morphism: String,
    /// The parameter types.
    pub inputs: Vec<Ty>,
    /// The result with its effect removed.
    pub value: Ty,
    pub effect: Effect,
    /// Declared errors of an operation.
    pub errors: Vec<String>,
    pub span: Span,
}

/// Where two steps do not fit.
#[derive(Debug, Clone)]
pub struct Mismatch {
    /// The index of the step that receives the value (at least 1).
    pub step: usize,
    /// What the previous step gives, as written.
    pub found: String,
    /// What this step takes, as written (`2 parameters` when it does not take one).
    pub expected: String,
}

/// A flow with its steps typed and its composed type.
#[derive(Debug, Clone)]
pub struct FlowTyping {
    pub service: ServiceId,
    pub name: String,
    pub steps: Vec<StepTyping>,
    /// The flow's input: the first step's parameter types.
    pub input: String,
    /// `A -> Result<T, E1 | E2>`.
    pub composed: String,
    /// `option`, `result`, `errors`: which effects occur.
    pub effects: Vec<&'static str>,
    /// The union of errors, in order of first appearance.
    pub errors: Vec<String>,
    pub mismatches: Vec<Mismatch>,
    /// A step or type could not be resolved (already reported by lowering).
    pub poisoned: bool,
}

/// Types a flow: unwraps each step's effect, checks adjacent steps, and composes the effects.
pub fn type_flow(spec: &Spec, service: ServiceId, flow: &Flow) -> FlowTyping {
    let show = |ty: &Ty| spec.display_ty(ty, &[]);
    let own = service;
    let mut steps = Vec::new();
    let mut poisoned = false;
    for step in &flow.steps {
        let (call, params, result, errors): (String, &[ParamDef], &Ty, Vec<String>) = match step.target {
            Callable::Fn(id) => match spec.fns.get(id.index()) {
                Some(f) => (f.name.clone(), &f.params, &f.result, Vec::new()),
                None => {
                    poisoned = true;
                    continue;
                }
            },
            Callable::Op(r) => {
                let Some(s) = spec.services.get(r.service.index()) else {
                    poisoned = true;
                    continue;
                };
                let Some(op) = s.ops.get(r.op.index()) else {
                    poisoned = true;
                    continue;
                };
                let call = if r.service == own { op.name.clone() } else { format!("{}.{}", s.name, op.name) };
                let errors = op.errors.iter().filter_map(|e| spec.errors.get(e.error.index())).map(|e| e.name.clone());
                (call, &op.params, &op.result, errors.collect())
            }
        };
        poisoned |= result.contains_error() || params.iter().any(|p| p.ty.contains_error());
        let head = spec.expand_alias(result);
        let (value, effect) = match head {
            Ty::Option(t) => (*t, Effect::Option),
            Ty::Result(t, e) => (*t, Effect::Result(show(&e))),
            _ => (result.clone(), Effect::Pure),
        };
        let inputs: Vec<Ty> = params.iter().map(|p| p.ty.clone()).collect();
        let mut morphism = format!("{} -> {}", tuple(spec, &inputs), show(result));
        if !errors.is_empty() {
            morphism.push_str(&format!(" ! {}", errors.join(" | ")));
        }
        steps.push(StepTyping { call, morphism, inputs, value, effect, errors, span: step.span });
    }
    let mut mismatches = Vec::new();
    for i in 1..steps.len() {
        let (prev, this) = (&steps[i - 1], &steps[i]);
        let found = show(&prev.value);
        match this.inputs.as_slice() {
            [input] if spec.compatible(input, &prev.value) => {}
            [input] => mismatches.push(Mismatch { step: i, found, expected: show(input) }),
            inputs => {
                let expected = format!("{} parameters", inputs.len());
                mismatches.push(Mismatch { step: i, found, expected });
            }
        }
    }
    let mut errors: Vec<String> = Vec::new();
    let mut option = false;
    let mut result = false;
    let mut declared = false;
    for s in &steps {
        match &s.effect {
            Effect::Pure => {}
            Effect::Option => option = true,
            Effect::Result(e) => {
                result = true;
                push_unique(&mut errors, e.clone());
            }
        }
        for e in &s.errors {
            declared = true;
            push_unique(&mut errors, e.clone());
        }
    }
    if option && !errors.is_empty() {
        push_unique(&mut errors, "None".into());
    }
    let mut effects = Vec::new();
    if option {
        effects.push("option");
    }
    if result {
        effects.push("result");
    }
    if declared {
        effects.push("errors");
    }
    let input = steps.first().map_or_else(|| "Unit".to_string(), |s| tuple(spec, &s.inputs));
    let output = steps.last().map_or_else(|| "Unit".to_string(), |s| show(&s.value));
    let composed = if !errors.is_empty() {
        format!("{input} -> Result<{output}, {}>", errors.join(" | "))
    } else if option {
        format!("{input} -> Option<{output}>")
    } else {
        format!("{input} -> {output}")
    };
    FlowTyping { service, name: flow.name.clone(), steps, input, composed, effects, errors, mismatches, poisoned }
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// Parameter types as one type: `Unit` for none, `A` for one, `(A, B)` for several.
fn tuple(spec: &Spec, tys: &[Ty]) -> String {
    match tys {
        [] => "Unit".into(),
        [t] => spec.display_ty(t, &[]),
        many => format!("({})", many.iter().map(|t| spec.display_ty(t, &[])).collect::<Vec<_>>().join(", ")),
    }
}

/// The composition pass: per flow (declaration order) its typing and its dependencies, then
/// the acyclicity of the service graph.
pub fn obligations(spec: &Spec) -> Vec<Obligation> {
    let mut out = Vec::new();
    for (si, s) in spec.services.iter().enumerate() {
        let sid = ServiceId(si as u32);
        for flow in &s.flows {
            let typing = type_flow(spec, sid, flow);
            if typing.steps.len() >= 2 && !typing.poisoned {
                out.push(flow_types(s.file, &s.name, flow, &typing));
            }
            if let Some(ob) = flow_dependencies(spec, sid, flow) {
                out.push(ob);
            }
        }
    }
    if let Some(ob) = acyclic(spec) {
        out.push(ob);
    }
    out.extend(single_writers(spec));
    if let Some(ob) = calls_acyclic(spec) {
        out.push(ob);
    }
    out
}

fn flow_types(file: FileId, service: &str, flow: &Flow, t: &FlowTyping) -> Obligation {
    let id = format!("composition/flow.{service}.{}/types", flow.name);
    let claim = format!("the steps of flow `{service}.{}` compose: {}", flow.name, t.composed);
    let Some(first) = t.mismatches.first() else {
        return decided(
            id,
            Pass::Composition,
            "flow-types",
            claim,
            (file, flow.span),
            Method::Structural,
            Verdict::Proved { method: Method::Structural },
            Report {
                code: codes::FLOW_TYPE_MISMATCH,
                message: format!("the steps of flow `{}` do not compose", flow.name),
                label: "these steps do not fit".into(),
                secondary: Vec::new(),
                help: None,
            },
        );
    };
    let describe = |m: &Mismatch| {
        let (prev, this) = (&t.steps[m.step - 1], &t.steps[m.step]);
        let via = match &prev.effect {
            Effect::Pure => String::new(),
            Effect::Option => " (unwrapped from `Option`)".into(),
            Effect::Result(_) => " (unwrapped from `Result`)".into(),
        };
        format!("`{}` gives `{}`{via}, but `{}` takes {}", prev.call, m.found, this.call, taken(&m.expected))
    };
    let mut secondary = Vec::new();
    for (i, m) in t.mismatches.iter().enumerate() {
        let (prev, this) = (&t.steps[m.step - 1], &t.steps[m.step]);
        secondary.push((file, prev.span, format!("`{}` gives `{}` here", prev.call, m.found)));
        if i > 0 {
            secondary.push((file, this.span, format!("`{}` takes {}", this.call, taken(&m.expected))));
        }
    }
    let this = &t.steps[first.step];
    let summary = t.mismatches.iter().map(describe).collect::<Vec<_>>().join("; ");
    let bindings = t
        .mismatches
        .iter()
        .flat_map(|m| {
            let (prev, this) = (&t.steps[m.step - 1], &t.steps[m.step]);
            [(prev.call.clone(), m.found.clone()), (this.call.clone(), m.expected.clone())]
        })
        .collect();
    decided(
        id,
        Pass::Composition,
        "flow-types",
        claim,
        (file, this.span),
        Method::Structural,
        failed(summary, bindings),
        Report {
            code: codes::FLOW_TYPE_MISMATCH,
            message: format!(
                "the steps of flow `{}` do not compose: `{}` gives `{}`, `{}` takes {}",
                flow.name,
                t.steps[first.step - 1].call,
                first.found,
                this.call,
                taken(&first.expected)
            ),
            label: format!("`{}` takes {}", this.call, taken(&first.expected)),
            secondary,
            help: Some(
                "each step's result, after unwrapping `Option` or `Result`, must be the next step's only parameter; \
                 insert a step that converts the value, or change one of the signatures"
                    .into(),
            ),
        },
    )
}

fn taken(expected: &str) -> String {
    if expected.ends_with(" parameters") { expected.to_string() } else { format!("`{expected}`") }
}

/// Calls of other services' operations need a `depends on` of the flow's service.
fn flow_dependencies(spec: &Spec, sid: ServiceId, flow: &Flow) -> Option<Obligation> {
    let s = spec.services.get(sid.index())?;
    let foreign: Vec<_> = flow
        .steps
        .iter()
        .filter_map(|st| match st.target {
            Callable::Op(r) if r.service != sid => Some((r, st.span)),
            _ => None,
        })
        .collect();
    if foreign.is_empty() {
        return None;
    }
    let missing: Vec<_> =
        foreign.iter().filter(|(r, _)| !s.depends.iter().any(|d| d.service == r.service)).copied().collect();
    let name_of = |id: ServiceId| spec.services.get(id.index()).map_or("?", |x| x.name.as_str());
    let op_of = |r: lp_ir::OpRef| {
        spec.services.get(r.service.index()).and_then(|x| x.ops.get(r.op.index())).map_or("?", |o| o.name.as_str())
    };
    let id = format!("composition/flow.{}.{}/dependencies", s.name, flow.name);
    let claim = format!("flow `{}.{}` calls only services that `{}` depends on", s.name, flow.name, s.name);
    let Some((first, span)) = missing.first().copied() else {
        return Some(decided(
            id,
            Pass::Composition,
            "flow-dependencies",
            claim,
            (s.file, flow.span),
            Method::Structural,
            Verdict::Proved { method: Method::Structural },
            Report {
                code: codes::UNDECLARED_DEPENDENCY,
                message: format!("flow `{}` calls a service that `{}` does not depend on", flow.name, s.name),
                label: "called here".into(),
                secondary: Vec::new(),
                help: None,
            },
        ));
    };
    let mut services: Vec<&str> = Vec::new();
    for (r, _) in &missing {
        let n = name_of(r.service);
        if !services.contains(&n) {
            services.push(n);
        }
    }
    let summary = missing
        .iter()
        .map(|(r, _)| format!("`{}.{}` needs `depends on {}`", name_of(r.service), op_of(*r), name_of(r.service)))
        .collect::<Vec<_>>()
        .join("; ");
    let mut secondary =
        vec![(s.file, s.name_span, format!("`{}` does not declare `depends on {}`", s.name, services.join(", ")))];
    secondary.extend(missing.iter().skip(1).map(|(r, sp)| {
        (s.file, *sp, format!("calls `{}`, which `{}` does not depend on", name_of(r.service), s.name))
    }));
    Some(decided(
        id,
        Pass::Composition,
        "flow-dependencies",
        claim,
        (s.file, span),
        Method::Structural,
        failed(summary, missing.iter().map(|(r, _)| (op_of(*r).to_string(), name_of(r.service).to_string())).collect()),
        Report {
            code: codes::UNDECLARED_DEPENDENCY,
            message: format!(
                "flow `{}` calls `{}.{}`, but service `{}` does not depend on `{}`",
                flow.name,
                name_of(first.service),
                op_of(first),
                s.name,
                name_of(first.service)
            ),
            label: format!("`{}` is an operation of `{}`", op_of(first), name_of(first.service)),
            secondary,
            help: Some(format!("add `depends on {}` to service `{}`", services.join(", "), s.name)),
        },
    ))
}

/// The dependency graph: one node per service (index = `ServiceId`), an edge per distinct
/// `depends on`, with the span of its first mention.
fn graph(spec: &Spec) -> DiGraph<(), Span> {
    let mut g = DiGraph::new();
    for _ in &spec.services {
        g.add_node(());
    }
    for (i, s) in spec.services.iter().enumerate() {
        let mut seen = Vec::new();
        for d in &s.depends {
            if d.service.index() < spec.services.len() && !seen.contains(&d.service) {
                seen.push(d.service);
                g.add_edge(NodeIndex::new(i), NodeIndex::new(d.service.index()), d.span);
            }
        }
    }
    g
}

/// Every cycle of the dependency graph, one per strongly connected component, each as the
/// shortest path from the component's first declared service back to itself.
pub fn cycles(spec: &Spec) -> Vec<Vec<ServiceId>> {
    let g = graph(spec);
    let mut out = Vec::new();
    let mut sccs = petgraph::algo::tarjan_scc(&g);
    for scc in &mut sccs {
        scc.sort();
    }
    sccs.sort();
    for scc in sccs {
        let start = scc[0];
        let cyclic = scc.len() > 1 || g.find_edge(start, start).is_some();
        if !cyclic {
            continue;
        }
        // Breadth-first search inside the component for the shortest way back to `start`.
        let mut parent: Vec<Option<NodeIndex>> = vec![None; g.node_count()];
        let mut queue = VecDeque::from([start]);
        let mut end = None;
        'search: while let Some(n) = queue.pop_front() {
            let mut next: Vec<NodeIndex> = g.neighbors(n).collect();
            next.sort();
            next.dedup();
            for m in next {
                if m == start {
                    end = Some(n);
                    break 'search;
                }
                if scc.binary_search(&m).is_ok() && parent[m.index()].is_none() {
                    parent[m.index()] = Some(n);
                    queue.push_back(m);
                }
            }
        }
        let Some(mut n) = end else { continue };
        let mut path = vec![n];
        while n != start {
            let Some(p) = parent[n.index()] else { break };
            path.push(p);
            n = p;
        }
        path.reverse();
        out.push(path.into_iter().map(|n| ServiceId(n.index() as u32)).collect());
    }
    out
}

/// The services in parallel stages (topological layers, declaration order inside a stage),
/// and the services that are on or behind a cycle and so in no stage.
pub fn stages(spec: &Spec) -> (Vec<Vec<ServiceId>>, Vec<ServiceId>) {
    let g = graph(spec);
    let n = g.node_count();
    let mut remaining: Vec<usize> = (0..n).map(|i| g.neighbors(NodeIndex::new(i)).count()).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for e in g.raw_edges() {
        dependents[e.target().index()].push(e.source().index());
    }
    let mut layer: Vec<usize> = (0..n).filter(|&i| remaining[i] == 0).collect();
    let mut placed = vec![false; n];
    let mut out = Vec::new();
    while !layer.is_empty() {
        let mut next = Vec::new();
        for &i in &layer {
            placed[i] = true;
            for &d in &dependents[i] {
                remaining[d] -= 1;
                if remaining[d] == 0 {
                    next.push(d);
                }
            }
        }
        out.push(layer.iter().map(|&i| ServiceId(i as u32)).collect());
        next.sort_unstable();
        layer = next;
    }
    let unordered = (0..n).filter(|&i| !placed[i]).map(|i| ServiceId(i as u32)).collect();
    (out, unordered)
}

/// `composition/services/acyclic`, emitted when some service depends on another.
fn acyclic(spec: &Spec) -> Option<Obligation> {
    let with_deps = spec.services.iter().find(|s| !s.depends.is_empty())?;
    let cycles = cycles(spec);
    let claim = "the service dependency graph has no cycle".to_string();
    let report =
        |secondary, help, message, label| Report { code: codes::DEPENDENCY_CYCLE, message, label, secondary, help };
    let Some(first) = cycles.first() else {
        return Some(decided(
            "composition/services/acyclic".into(),
            Pass::Composition,
            "acyclic",
            claim,
            (with_deps.file, with_deps.span),
            Method::Structural,
            Verdict::Proved { method: Method::Structural },
            report(Vec::new(), None, "the service dependency graph has a cycle".into(), "cycle".into()),
        ));
    };
    let name = |id: ServiceId| spec.services[id.index()].name.as_str();
    let render = |c: &[ServiceId]| {
        let mut names: Vec<&str> = c.iter().map(|&s| name(s)).collect();
        names.push(name(c[0]));
        names.join(" -> ")
    };
    // The `depends on` entry of each edge of each cycle.
    let mut edges: Vec<(FileId, Span, String)> = Vec::new();
    for c in &cycles {
        for (i, &from) in c.iter().enumerate() {
            let to = c[(i + 1) % c.len()];
            let s = &spec.services[from.index()];
            if let Some(d) = s.depends.iter().find(|d| d.service == to) {
                let closing = if i + 1 == c.len() { ", closing the cycle" } else { "" };
                edges.push((s.file, d.span, format!("`{}` depends on `{}`{closing}", name(from), name(to))));
            }
        }
    }
    let (file, span, label) =
        edges.first().cloned().unwrap_or((with_deps.file, with_deps.name_span, "in a cycle".to_string()));
    let summary = cycles.iter().map(|c| format!("cycle: {}", render(c))).collect::<Vec<_>>().join("; ");
    let bindings = cycles.iter().map(|c| ("cycle".to_string(), render(c))).collect();
    Some(decided(
        "composition/services/acyclic".into(),
        Pass::Composition,
        "acyclic",
        claim,
        (file, span),
        Method::Structural,
        failed(summary, bindings),
        report(
            edges.into_iter().skip(1).collect(),
            Some(
                "a service cannot start before the services it depends on; remove one `depends on` of the cycle, \
                 or move what both need into a new service that both depend on"
                    .into(),
            ),
            format!("the service dependency graph has a cycle: {}", render(first)),
            label,
        ),
    ))
}

/// `composition/entity.NAME/single-writer` for each entity written by some body, when the
/// spec has more than one service (with one, no second writer can exist).
fn single_writers(spec: &Spec) -> Vec<Obligation> {
    if spec.services.len() < 2 {
        return Vec::new();
    }
    let writers = lp_ir::effects::writers(spec);
    let mut out = Vec::new();
    for (e, entity) in spec.entities.iter().enumerate() {
        let Some(by) = writers.get(e) else { continue };
        let Some((owner, owner_writes)) = by.first() else { continue };
        let service_name = |s: ServiceId| spec.services[s.index()].name.as_str();
        let op_name = |r: lp_ir::OpRef| {
            format!("{}.{}", service_name(r.service), spec.services[r.service.index()].ops[r.op.index()].name)
        };
        let owner_file = spec.services[owner.index()].file;
        let id = format!("composition/entity.{}/single-writer", entity.name);
        let claim = format!("entity `{}` is written by one service only, its owner", entity.name);
        let describe = |ws: &[(lp_ir::OpRef, lp_ir::effects::Write)]| {
            ws.iter()
                .map(|(at, w)| format!("`{}` in `{}`", w.kind.as_str(), op_name(*at)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let report = |message: String, label: String, secondary, help| Report {
            code: codes::ENTITY_WRITTEN_BY_SEVERAL_SERVICES,
            message,
            label,
            secondary,
            help,
        };
        let Some((other, other_writes)) = by.get(1) else {
            out.push(decided(
                id,
                Pass::Composition,
                "single-writer",
                claim,
                (owner_file, owner_writes[0].1.span),
                Method::Structural,
                Verdict::Proved { method: Method::Structural },
                report(
                    format!("entity `{}` is written by several services", entity.name),
                    "a write".into(),
                    Vec::new(),
                    None,
                ),
            ));
            continue;
        };
        let summary = by
            .iter()
            .map(|(s, ws)| format!("`{}` writes `{}` with {}", service_name(*s), entity.name, describe(ws)))
            .collect::<Vec<_>>()
            .join("; ");
        let bindings = by.iter().map(|(s, ws)| (service_name(*s).to_string(), describe(ws))).collect();
        let mut secondary: Vec<(FileId, Span, String)> = Vec::new();
        for (at, w) in owner_writes {
            secondary.push((owner_file, w.span, format!("`{}` writes it in `{}`", service_name(*owner), op_name(*at))));
        }
        for (s, ws) in by.iter().skip(1) {
            let file = spec.services[s.index()].file;
            for (at, w) in ws {
                if w.span != other_writes[0].1.span {
                    secondary.push((file, w.span, format!("`{}` writes it in `{}`", service_name(*s), op_name(*at))));
                }
            }
        }
        let others: Vec<&str> = by.iter().skip(1).map(|(s, _)| service_name(*s)).collect();
        out.push(decided(
            id,
            Pass::Composition,
            "single-writer",
            claim,
            (spec.services[other.index()].file, other_writes[0].1.span),
            Method::Structural,
            failed(summary, bindings),
            report(
                format!(
                    "entity `{}` is written by {}; only its owner may write it",
                    entity.name,
                    and_list(&by.iter().map(|(s, _)| service_name(*s)).collect::<Vec<_>>())
                ),
                format!("`{}` writes `{}` here", service_name(*other), entity.name),
                secondary,
                Some(format!(
                    "keep every write of `{}` in one service (say `{}`): give it an operation that does this write, \
                     and call that operation from {}",
                    entity.name,
                    service_name(*owner),
                    and_list(&others)
                )),
            ),
        ));
    }
    out
}

/// `composition/calls/acyclic`, emitted when some body calls an operation.
fn calls_acyclic(spec: &Spec) -> Option<Obligation> {
    let effects = lp_ir::effects::of_spec(spec);
    let (first_caller, first_call) = effects.iter().find_map(|(at, fx)| fx.calls.first().map(|c| (*at, *c)))?;
    let op_name = |r: lp_ir::OpRef| {
        format!("{}.{}", spec.services[r.service.index()].name, spec.services[r.service.index()].ops[r.op.index()].name)
    };
    let claim = "operation bodies do not call each other in a cycle".to_string();
    let cycles = lp_ir::effects::call_cycles(spec);
    let report = |message, label, secondary, help| Report {
        code: codes::SYNCHRONOUS_CALL_CYCLE,
        message,
        label,
        secondary,
        help,
    };
    let render = |c: &[lp_ir::OpRef]| {
        let mut names: Vec<String> = c.iter().map(|&r| op_name(r)).collect();
        names.push(op_name(c[0]));
        names.join(" -> ")
    };
    let Some(first) = cycles.first() else {
        return Some(decided(
            "composition/calls/acyclic".into(),
            Pass::Composition,
            "calls-acyclic",
            claim,
            (spec.services[first_caller.service.index()].file, first_call.span),
            Method::Structural,
            Verdict::Proved { method: Method::Structural },
            report("operation bodies call each other in a cycle".into(), "a call".into(), Vec::new(), None),
        ));
    };
    // The call of each edge of each cycle, as written in the caller's body.
    let mut edges: Vec<(FileId, Span, String)> = Vec::new();
    for c in &cycles {
        for (i, &from) in c.iter().enumerate() {
            let to = c[(i + 1) % c.len()];
            let Some((_, fx)) = effects.iter().find(|(at, _)| *at == from) else { continue };
            if let Some(call) = fx.calls.iter().find(|call| call.op == to) {
                let closing = if i + 1 == c.len() { ", closing the cycle" } else { "" };
                edges.push((
                    spec.services[from.service.index()].file,
                    call.span,
                    format!("`{}` calls `{}`{closing}", op_name(from), op_name(to)),
                ));
            }
        }
    }
    let (file, span, label) = edges.first().cloned()?;
    let summary = cycles.iter().map(|c| format!("cycle: {}", render(c))).collect::<Vec<_>>().join("; ");
    let bindings = cycles.iter().map(|c| ("cycle".to_string(), render(c))).collect();
    Some(decided(
        "composition/calls/acyclic".into(),
        Pass::Composition,
        "calls-acyclic",
        claim,
        (file, span),
        Method::Structural,
        failed(summary, bindings),
        report(
            format!("operation bodies call each other in a cycle: {}", render(first)),
            label,
            edges.into_iter().skip(1).collect(),
            Some(
                "a call waits for its answer, so a request on this cycle would wait for itself; move what the \
                 operations share into a service that both depend on"
                    .into(),
            ),
        ),
    ))
}

/// Names quoted and joined: "`a`", "`a` and `b`", "`a`, `b` and `c`".
fn and_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}
