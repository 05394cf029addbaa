//! The service maps (LeanOS's Phase 3a, "maps before code"): one map per service,
//! `maps/backend/{service}-map.yaml`, and the standards every service honours,
//! `maps/shared/standards-contract.yaml`, written by `build` beside the other engineering
//! artifacts and certified like them.
//!
//! A service map has the spec's `spec` name and `version`, then `service`: its `name`,
//! `description`, `dependencies`, the entities it `owns` (the entities only its bodies write,
//! with their `key` and `lifecycle`), and its `operations` in declaration order. Each
//! operation has its `name`, `operation_id`, `signature` (in spec syntax), `http` binding
//! (`method`, `path`, `authenticated` when the spec has an `auth` standard), whether it has a
//! `body`, its declared `errors` (with their HTTP `status`), and for an operation with a
//! body its `effects`, as `lp_ir::effects` finds them: entities `reads` and `writes` (each
//! with the statements that write: `create`, `put`, `delete`, `fire`), `fires` as
//! `Entity.event` (with the machine and whether a disabled event answers an error),
//! `calls` of other operations (with the callee's declared errors and whether an `else`
//! replaces them), `functions` called, and `raises` (what the body answers on its own and what
//! passes through from callees). An operation without a body lists what its `fires` clause
//! declares. The composition checks of the `composition` pass (one writer per entity, no
//! cycle of synchronous calls) run on the same `lp_ir::effects` summary before any code is
//! generated.
//!
//! The standards contract has the `standards` as `services.spec.yaml` writes them, the
//! operations the `auth` standard exempts (`exempt_operations`, as `service.op`), and the
//! services it applies to (`applies_to`, every service of the spec).
//!
//! The text is deterministic to the byte (declaration order, no timestamps) and written with
//! `lp-yaml`, which quotes what YAML 1.1 readers would not read back as a string.

use crate::generated::{Generated, GeneratedFile, ItemKind, item_id, op_id, or_whole_spec};
use crate::openapi::{doc_text, route, secured};
use lp_ir::effects::{OpEffects, WriteKind};
use lp_ir::{EntityId, OpId, OpRef, ServiceId, Spec, TypeBody};
use lp_yaml::Node;

/// The folder of the service maps in the build output.
pub const BACKEND_DIR: &str = "maps/backend";
/// The standards contract's path in the build output.
pub const STANDARDS_CONTRACT: &str = "maps/shared/standards-contract.yaml";

/// The path of a service's map in the build output.
pub fn map_path(service: &str) -> String {
    format!("{BACKEND_DIR}/{service}-map.yaml")
}

/// Every map of the spec: one per service, and the standards contract.
pub fn generate(spec: &Spec) -> Generated {
    let mut out = Generated::new();
    let owners = lp_ir::effects::owners(spec);
    for (i, s) in spec.services.iter().enumerate() {
        let path = map_path(&s.name);
        let mut sources = vec![item_id(ItemKind::Service, &s.name)];
        sources.extend(s.ops.iter().map(|o| op_id(&s.name, &o.name)));
        out.insert(path, GeneratedFile::new(service_map(spec, ServiceId(i as u32), &owners), sources));
    }
    let mut sources: Vec<String> = spec.services.iter().map(|s| item_id(ItemKind::Service, &s.name)).collect();
    if !spec.standards.blocks.is_empty() {
        sources.push(item_id(ItemKind::Standards, ""));
    }
    out.insert(
        STANDARDS_CONTRACT.to_string(),
        GeneratedFile::new(standards_contract_yaml(spec), or_whole_spec(sources)),
    );
    out
}

fn render(file: &str, spec: &Spec, doc: &Node) -> String {
    let version = spec.version.map(|v| v.to_string());
    lp_yaml::render(file, spec.name.as_deref(), version.as_deref(), doc)
}

fn header(spec: &Spec) -> Node {
    Node::map()
        .with("spec", spec.name.as_deref().map_or(Node::Null, Node::from))
        .with("version", spec.version.map_or(Node::Null, |v| Node::from(v.to_string())))
}

/// The text of `maps/backend/{service}-map.yaml`.
pub fn service_map_yaml(spec: &Spec, id: ServiceId) -> String {
    service_map(spec, id, &lp_ir::effects::owners(spec))
}

fn service_map(spec: &Spec, id: ServiceId, owners: &[Option<ServiceId>]) -> String {
    let Some(s) = spec.services.get(id.index()) else { return String::new() };
    let mut n = Node::map().with("name", s.name.as_str());
    if !s.docs.is_empty() {
        n.push("description", doc_text(&s.docs));
    }
    let deps: Vec<&str> =
        s.depends.iter().filter_map(|d| spec.services.get(d.service.index())).map(|d| d.name.as_str()).collect();
    n.push("dependencies", Node::strs(&deps));
    let owned: Vec<Node> = (0..spec.entities.len())
        .map(|e| EntityId(e as u32))
        .filter(|&e| owners.get(e.index()).copied().flatten() == Some(id))
        .map(|e| entity_node(spec, e))
        .collect();
    n.push("owns", Node::Seq(owned));
    let ops = (0..s.ops.len()).map(|o| operation(spec, OpRef { service: id, op: OpId(o as u32) })).collect();
    n.push("operations", Node::Seq(ops));
    let doc = header(spec).with("service", n);
    render(&map_path(&s.name), spec, &doc)
}

/// An entity as the maps and reports describe it: `name`, `key` fields, `lifecycle`.
pub fn entity_node(spec: &Spec, e: EntityId) -> Node {
    let Some(entity) = spec.entities.get(e.index()) else { return Node::Null };
    let mut n = Node::map().with("entity", entity.name.as_str()).with("key", Node::strs(&key_names(spec, e)));
    if let Some(m) = entity.lifecycle.and_then(|m| spec.machines.get(m.index())) {
        n.push("lifecycle", m.name.as_str());
    }
    n
}

/// The names of an entity's key fields, in the key's order.
pub fn key_names(spec: &Spec, e: EntityId) -> Vec<String> {
    let Some(entity) = spec.entities.get(e.index()) else { return Vec::new() };
    let fields = match spec.types.get(entity.ty.index()).map(|t| &t.body) {
        Some(TypeBody::Record(fields)) => fields.as_slice(),
        _ => &[],
    };
    entity.key.iter().filter_map(|&i| fields.get(i as usize)).map(|f| f.name.clone()).collect()
}

/// `(a: A, b: B) -> R ! E1 | E2`.
pub fn signature(spec: &Spec, r: OpRef) -> String {
    let Some(op) = spec.services.get(r.service.index()).and_then(|s| s.ops.get(r.op.index())) else {
        return String::new();
    };
    let params: Vec<String> =
        op.params.iter().map(|p| format!("{}: {}", p.name, spec.display_ty(&p.ty, &[]))).collect();
    let mut out = format!("({}) -> {}", params.join(", "), spec.display_ty(&op.result, &[]));
    let errors: Vec<&str> =
        op.errors.iter().filter_map(|e| spec.errors.get(e.error.index())).map(|e| e.name.as_str()).collect();
    if !errors.is_empty() {
        out.push_str(&format!(" ! {}", errors.join(" | ")));
    }
    out
}

fn op_name(spec: &Spec, r: OpRef) -> String {
    let s = spec.services.get(r.service.index());
    let o = s.and_then(|s| s.ops.get(r.op.index()));
    format!("{}.{}", s.map_or("?", |s| s.name.as_str()), o.map_or("?", |o| o.name.as_str()))
}

fn operation(spec: &Spec, r: OpRef) -> Node {
    let Some(service) = spec.services.get(r.service.index()) else { return Node::Null };
    let Some(op) = service.ops.get(r.op.index()) else { return Node::Null };
    let mut n = Node::map().with("name", op.name.as_str()).with("operation_id", op_name(spec, r));
    if !op.docs.is_empty() {
        n.push("description", doc_text(&op.docs));
    }
    n.push("signature", signature(spec, r));
    let (path, method) = route(spec, r);
    let mut http = Node::map().with("method", method.to_uppercase()).with("path", path);
    if op.http.is_none() {
        http.push("synthesized", true);
    }
    if spec.standards.auth.is_some() {
        http.push("authenticated", secured(spec, r).is_some());
    }
    n.push("http", http);
    n.push("body", op.body.is_some());
    let errors = op
        .errors
        .iter()
        .filter_map(|e| spec.errors.get(e.error.index()))
        .map(|e| Node::map().with("name", e.name.as_str()).with("status", Node::Int(i64::from(e.status))))
        .collect();
    n.push("errors", Node::Seq(errors));
    match &op.body {
        Some(body) => n.push("effects", effects_node(spec, &lp_ir::effects::of_body(body))),
        None => {
            if let Some(f) = &op.fires
                && let Some(m) = spec.machines.get(f.machine.index())
                && let Some(ev) = m.events.get(f.event.index())
            {
                n.push("fires", format!("{}.{}", m.name, ev.name));
            }
        }
    }
    n
}

/// The effects of one body: reads, writes, fires, calls, functions and raises.
pub fn effects_node(spec: &Spec, fx: &OpEffects) -> Node {
    let entity = |e: EntityId| spec.entities.get(e.index()).map_or("?", |x| x.name.as_str());
    let error = |e: lp_ir::ErrorId| spec.errors.get(e.index()).map_or("?", |x| x.name.as_str());
    let reads: Vec<&str> = fx.reads.iter().map(|&e| entity(e)).collect();
    let writes = fx
        .written()
        .into_iter()
        .map(|e| {
            let mut kinds: Vec<WriteKind> = fx.writes.iter().filter(|w| w.entity == e).map(|w| w.kind).collect();
            kinds.dedup();
            let mut unique: Vec<&str> = Vec::new();
            for k in kinds {
                if !unique.contains(&k.as_str()) {
                    unique.push(k.as_str());
                }
            }
            Node::map().with("entity", entity(e)).with("by", Node::strs(&unique))
        })
        .collect();
    let fires = fx
        .fires
        .iter()
        .map(|f| {
            let m = spec.machines.get(f.machine.index());
            let ev = m.and_then(|m| m.events.get(f.event.index())).map_or("?", |e| e.name.as_str());
            Node::map()
                .with("event", format!("{}.{ev}", entity(f.entity)))
                .with("machine", m.map_or("?", |m| m.name.as_str()))
                .with("refused_with_error", f.guarded)
        })
        .collect();
    let mut passed: Vec<&str> = Vec::new();
    let calls = fx
        .calls
        .iter()
        .map(|c| {
            let callee = spec.services.get(c.op.service.index()).and_then(|s| s.ops.get(c.op.op.index()));
            let errors: Vec<&str> = callee.map_or(Vec::new(), |o| o.errors.iter().map(|e| error(e.error)).collect());
            let mut n = Node::map()
                .with("operation", op_name(spec, c.op))
                .with("signature", signature(spec, c.op))
                .with("errors", Node::strs(&errors));
            match c.otherwise {
                Some(e) => n.push("errors_replaced_by", error(e)),
                None => {
                    for e in &errors {
                        if !passed.contains(e) {
                            passed.push(e);
                        }
                    }
                }
            }
            n
        })
        .collect();
    let fns: Vec<&str> = fx.fns.iter().filter_map(|f| spec.fns.get(f.index())).map(|f| f.name.as_str()).collect();
    let mut raised: Vec<&str> = fx.raises.iter().map(|&e| error(e)).collect();
    for e in passed {
        if !raised.contains(&e) {
            raised.push(e);
        }
    }
    Node::map()
        .with("reads", Node::strs(&reads))
        .with("writes", Node::Seq(writes))
        .with("fires", Node::Seq(fires))
        .with("calls", Node::Seq(calls))
        .with("functions", Node::strs(&fns))
        .with("raises", Node::strs(&raised))
}

/// The text of `maps/shared/standards-contract.yaml`.
pub fn standards_contract_yaml(spec: &Spec) -> String {
    let mut standards = crate::services::standards(spec);
    if let Some(auth) = &spec.standards.auth {
        let mut exempt: Vec<String> = Vec::new();
        for e in &auth.except {
            for &r in &e.ops {
                let name = op_name(spec, r);
                if !exempt.contains(&name) {
                    exempt.push(name);
                }
            }
        }
        standards.push("exempt_operations", Node::strs(&exempt));
    }
    let services: Vec<&str> = spec.services.iter().map(|s| s.name.as_str()).collect();
    let doc = header(spec).with("standards", standards).with("applies_to", Node::strs(&services));
    render(STANDARDS_CONTRACT, spec, &doc)
}

/// One way the maps, read back, break composition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapProblem {
    /// The map's path in the build output.
    pub map: String,
    pub message: String,
}

/// One operation as read back from a map.
struct ReadOp {
    signature: String,
    declared: Vec<String>,
    raises: Vec<String>,
    writes: Vec<String>,
    /// Callee `service.op`, its errors as the caller's map lists them, and whether an `else`
    /// replaces them.
    calls: Vec<(String, Vec<String>, bool)>,
}

fn strs(v: &yaml_serde::Value) -> Vec<String> {
    v.as_sequence().map_or(Vec::new(), |s| s.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
}

fn read_op(op: &yaml_serde::Value) -> (String, ReadOp) {
    let id = op["operation_id"].as_str().unwrap_or_default().to_string();
    let fx = &op["effects"];
    let names = |v: &yaml_serde::Value, key: &str| -> Vec<String> {
        v.as_sequence().map_or(Vec::new(), |s| s.iter().filter_map(|x| x[key].as_str().map(str::to_string)).collect())
    };
    let calls = fx["calls"].as_sequence().map_or(Vec::new(), |s| {
        s.iter()
            .map(|c| {
                let callee = c["operation"].as_str().unwrap_or_default().to_string();
                (callee, strs(&c["errors"]), !c["errors_replaced_by"].is_null())
            })
            .collect()
    });
    let read = ReadOp {
        signature: op["signature"].as_str().unwrap_or_default().to_string(),
        declared: names(&op["errors"], "name"),
        raises: strs(&fx["raises"]),
        writes: names(&fx["writes"], "entity"),
        calls,
    };
    (id, read)
}

/// Reads the service maps of `generated` back and checks composition on them alone, before
/// any code is generated (LeanOS's gate 1): every map parses and names its service; every
/// call names an operation that its callee's map lists, with the same signature and errors;
/// a callee's errors are replaced by an `else`, or raised and declared by the caller; every
/// entity an operation writes is owned by its own service, and no entity has two owners; the
/// calls between operations have no cycle. The composition pass proved the same facts on the
/// spec, so a problem here is a bug in the map generator.
pub fn validate(spec: &Spec, generated: &Generated) -> Vec<MapProblem> {
    let mut problems = Vec::new();
    let mut ops: std::collections::BTreeMap<String, (String, ReadOp)> = std::collections::BTreeMap::new();
    let mut owners: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    let mut owned: Vec<(String, Vec<String>)> = Vec::new();
    for s in &spec.services {
        let path = map_path(&s.name);
        let mut problem = |message: String| problems.push(MapProblem { map: path.clone(), message });
        let Some(file) = generated.get(&path) else {
            problem(format!("no map for service `{}`", s.name));
            continue;
        };
        let doc: yaml_serde::Value = match yaml_serde::from_slice(&file.bytes) {
            Ok(d) => d,
            Err(e) => {
                problem(format!("the map does not parse: {e}"));
                continue;
            }
        };
        let service = &doc["service"];
        if service["name"].as_str() != Some(s.name.as_str()) {
            problem(format!("the map does not name service `{}`", s.name));
        }
        let entities: Vec<String> = service["owns"]
            .as_sequence()
            .map_or(Vec::new(), |o| o.iter().filter_map(|e| e["entity"].as_str().map(str::to_string)).collect());
        for e in &entities {
            if let Some(other) = owners.insert(e.clone(), s.name.clone()) {
                problem(format!("entity `{e}` is owned by `{other}` and by `{}`", s.name));
            }
        }
        owned.push((s.name.clone(), entities));
        for op in service["operations"].as_sequence().map_or(&[][..], Vec::as_slice) {
            let (id, read) = read_op(op);
            ops.insert(id, (path.clone(), read));
        }
    }
    for (id, (path, op)) in &ops {
        let service = id.split('.').next().unwrap_or_default();
        let own: &[String] = owned.iter().find(|(s, _)| s == service).map_or(&[], |(_, e)| e.as_slice());
        let mut problem = |message: String| problems.push(MapProblem { map: path.clone(), message });
        for e in &op.writes {
            if !own.contains(e) {
                problem(format!("`{id}` writes entity `{e}`, which `{service}` does not own"));
            }
        }
        for (callee, errors, replaced) in &op.calls {
            let Some((_, target)) = ops.get(callee) else {
                problem(format!("`{id}` calls `{callee}`, which no map lists"));
                continue;
            };
            let listed = signature_of_call(spec, callee);
            if listed.as_deref() != Some(target.signature.as_str()) {
                problem(format!("`{id}` calls `{callee}`, whose map has the signature `{}`", target.signature));
            }
            if errors != &target.declared {
                problem(format!(
                    "`{id}` expects `{callee}` to answer [{}], but its map declares [{}]",
                    errors.join(", "),
                    target.declared.join(", ")
                ));
            }
            if !replaced {
                for e in &target.declared {
                    if !op.raises.contains(e) || !op.declared.contains(e) {
                        problem(format!("`{id}` neither handles nor declares `{e}`, which `{callee}` can answer"));
                    }
                }
            }
        }
    }
    // The call graph on the maps: a depth-first search for a cycle.
    let edges: std::collections::BTreeMap<&str, Vec<&str>> =
        ops.iter().map(|(id, (_, op))| (id.as_str(), op.calls.iter().map(|(c, _, _)| c.as_str()).collect())).collect();
    let mut done: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    for start in edges.keys() {
        let mut stack: Vec<&str> = Vec::new();
        if let Some(cycle) = find_cycle(start, &edges, &mut stack, &mut done) {
            let map = ops.get(cycle[0].as_str()).map_or_else(String::new, |(p, _)| p.clone());
            problems.push(MapProblem { map, message: format!("the calls form a cycle: {}", cycle.join(" -> ")) });
            break;
        }
    }
    problems
}

/// The signature of `service.op` in the spec, to compare a callee's map with.
fn signature_of_call(spec: &Spec, callee: &str) -> Option<String> {
    let (service, op) = callee.split_once('.')?;
    let s = spec.services.iter().position(|s| s.name == service)?;
    let o = spec.services[s].ops.iter().position(|o| o.name == op)?;
    Some(signature(spec, OpRef { service: ServiceId(s as u32), op: OpId(o as u32) }))
}

fn find_cycle<'a>(
    at: &'a str,
    edges: &std::collections::BTreeMap<&'a str, Vec<&'a str>>,
    stack: &mut Vec<&'a str>,
    done: &mut std::collections::BTreeSet<&'a str>,
) -> Option<Vec<String>> {
    if let Some(i) = stack.iter().position(|s| *s == at) {
        let mut cycle: Vec<String> = stack[i..].iter().map(|s| s.to_string()).collect();
        cycle.push(at.to_string());
        return Some(cycle);
    }
    if done.contains(at) {
        return None;
    }
    stack.push(at);
    for next in edges.get(at).map_or(&[][..], Vec::as_slice) {
        if let Some(c) = find_cycle(next, edges, stack, done) {
            return Some(c);
        }
    }
    stack.pop();
    done.insert(at);
    None
}
