//! `services.spec.yaml` (LeanOS's name): the spec's services as the infrastructure stage reads
//! them.
//!
//! The document has the spec's `spec` name and `version`, its `standards` (the `auth` scheme
//! with its arguments such as `scopes` and its `except` list, the `errors` style, then every
//! other setting as written), and `services`, in declaration order. Each service has its
//! `name`, `description`, `dependencies` (LeanOS's `{name, type, external}`; every dependency
//! is another service of the spec), the settings of its `deploy` block when there is one
//! (`replicas`, `port`, `image`, `resources{cpu, memory}`, `env`), its `operations` and its
//! `flows`.
//!
//! An operation has its `name`, `operation_id` (`service.op`, as in `api.openapi.json`),
//! `description`, `method` and `path` (an operation without a route is at `POST
//! /service/op` and `synthesized: true`), `params` with their `type` in spec syntax and
//! `location` (`path`, `query` or `body`), the `result` type and `success_status`, `errors`
//! with their HTTP `status`, `fires` as `Machine.event`, and `authenticated` when the spec
//! has an `auth` standard; an operation with a body has `body: true` and its `effects` as
//! its service map lists them (`maps.rs`), and a service that owns entities lists them in
//! `owns`. A flow has its `name`, `description` and `steps`, each a `call`
//! (`op`, `fn`, or `service.op` for another service's operation) and its `kind`.
//!
//! The text is deterministic to the byte: everything in declaration order, no timestamps, a
//! generated-by comment header. Strings that a YAML 1.1 reader (PyYAML, go-yaml v2) would
//! take for booleans (`on`, `yes`, `n`...) are single-quoted; every key is a fixed name.

use crate::openapi::{doc_text, path_params, route, secured, success_status};
use lp_ir::{Callable, OpId, OpRef, PathSeg, ServiceId, SettingValue, SettingValueKind, Spec, StandardKey};
use lp_yaml::Node;

/// The text of `services.spec.yaml`.
pub fn services_yaml(spec: &Spec) -> String {
    let mut doc = Node::map()
        .with("spec", spec.name.as_deref().map_or(Node::Null, Node::from))
        .with("version", spec.version.map_or(Node::Null, |v| Node::from(v.to_string())))
        .with("standards", standards(spec));
    let owners = lp_ir::effects::owners(spec);
    let services = spec.services.iter().enumerate().map(|(i, _)| service(spec, ServiceId(i as u32), &owners)).collect();
    doc.push("services", Node::Seq(services));
    let version = spec.version.map(|v| v.to_string());
    lp_yaml::render("services.spec.yaml", spec.name.as_deref(), version.as_deref(), &doc)
}

/// The `standards` as written: `auth` (scheme, arguments, `except`), `errors`, then every
/// other setting in order.
pub(crate) fn standards(spec: &Spec) -> Node {
    let mut n = Node::map();
    if let Some(auth) = &spec.standards.auth {
        let mut a = Node::map().with("scheme", auth.scheme.as_str());
        for (k, v) in &auth.args {
            a.push(k, setting(v));
        }
        a.push("except", Node::strs(&auth.except.iter().map(|e| e.name.as_str()).collect::<Vec<_>>()));
        n.push("auth", a);
    }
    if let Some(style) = &spec.standards.errors {
        n.push("errors", style.as_str());
    }
    for s in &spec.standards.settings {
        if matches!(s.key, StandardKey::Auth | StandardKey::Errors) {
            continue;
        }
        n.push(s.key.as_str(), setting(&s.value));
    }
    n
}

/// A raw setting value: scalars as themselves, `name` as a string, `name(args)` as
/// `{name, args}`, lists as sequences.
fn setting(v: &SettingValue) -> Node {
    match &v.kind {
        SettingValueKind::Int(i) => Node::Int(*i),
        SettingValueKind::Str(s) => Node::from(s.as_str()),
        SettingValueKind::Bool(b) => Node::Bool(*b),
        SettingValueKind::Ident { name, args: None } => Node::from(name.text.as_str()),
        SettingValueKind::Ident { name, args: Some(args) } => {
            let mut a = Node::map();
            for (k, v) in args {
                a.push(&k.text, setting(v));
            }
            Node::map().with("name", name.text.as_str()).with("args", a)
        }
        SettingValueKind::List(items) => Node::Seq(items.iter().map(setting).collect()),
    }
}

fn service(spec: &Spec, id: ServiceId, owners: &[Option<ServiceId>]) -> Node {
    let Some(s) = spec.services.get(id.index()) else { return Node::Null };
    let mut n = Node::map().with("name", s.name.as_str());
    if !s.docs.is_empty() {
        n.push("description", doc_text(&s.docs));
    }
    let deps = s
        .depends
        .iter()
        .filter_map(|d| spec.services.get(d.service.index()))
        .map(|d| Node::map().with("name", d.name.as_str()).with("type", "service").with("external", false))
        .collect();
    n.push("dependencies", Node::Seq(deps));
    if let Some(d) = spec.deploys.iter().find(|d| d.service == id) {
        if let Some(r) = d.replicas {
            n.push("replicas", Node::Int(r));
        }
        if let Some(p) = d.port {
            n.push("port", Node::Int(p));
        }
        if let Some(image) = &d.image {
            n.push("image", image.as_str());
        }
        if d.cpu.is_some() || d.memory.is_some() {
            let mut r = Node::map();
            if let Some(cpu) = &d.cpu {
                r.push("cpu", cpu.as_str());
            }
            if let Some(memory) = &d.memory {
                r.push("memory", memory.as_str());
            }
            n.push("resources", r);
        }
        if let Some(env) = &d.env {
            n.push("env", Node::Seq(env.iter().map(setting).collect()));
        }
    }
    // The entities this service owns (only its bodies write them), when it owns some.
    let owned: Vec<Node> = (0..spec.entities.len())
        .filter(|&e| owners.get(e).copied().flatten() == Some(id))
        .map(|e| crate::maps::entity_node(spec, lp_ir::EntityId(e as u32)))
        .collect();
    if !owned.is_empty() {
        n.push("owns", Node::Seq(owned));
    }
    let ops = (0..s.ops.len()).map(|o| operation(spec, OpRef { service: id, op: OpId(o as u32) })).collect();
    n.push("operations", Node::Seq(ops));
    let flows = s
        .flows
        .iter()
        .map(|f| {
            let mut fl = Node::map().with("name", f.name.as_str());
            if !f.docs.is_empty() {
                fl.push("description", doc_text(&f.docs));
            }
            let steps = f
                .steps
                .iter()
                .map(|st| {
                    let (call, kind) = callable(spec, id, st.target);
                    Node::map().with("call", call).with("kind", kind)
                })
                .collect();
            fl.push("steps", Node::Seq(steps));
            fl
        })
        .collect();
    n.push("flows", Node::Seq(flows));
    n
}

/// A flow step as written: `op` for the flow's own service, `service.op` for another's.
fn callable(spec: &Spec, own: ServiceId, c: Callable) -> (String, &'static str) {
    match c {
        Callable::Fn(f) => (spec.fns.get(f.index()).map_or_else(|| "?".into(), |f| f.name.clone()), "fn"),
        Callable::Op(r) => {
            let service = spec.services.get(r.service.index());
            let op = service.and_then(|s| s.ops.get(r.op.index())).map_or("?", |o| o.name.as_str());
            if r.service == own {
                (op.to_string(), "op")
            } else {
                (format!("{}.{op}", service.map_or("?", |s| s.name.as_str())), "op")
            }
        }
    }
}

fn operation(spec: &Spec, r: OpRef) -> Node {
    let Some(service) = spec.services.get(r.service.index()) else { return Node::Null };
    let Some(op) = service.ops.get(r.op.index()) else { return Node::Null };
    let mut n =
        Node::map().with("name", op.name.as_str()).with("operation_id", format!("{}.{}", service.name, op.name));
    if !op.docs.is_empty() {
        n.push("description", doc_text(&op.docs));
    }
    let (path, method) = route(spec, r);
    n.push("method", method.to_uppercase());
    n.push("path", path);
    if op.http.is_none() {
        n.push("synthesized", true);
    }
    // A parameter read by the route, whole or through its fields, is in the path.
    let in_path: Vec<u32> = op
        .http
        .iter()
        .flat_map(|h| &h.segments)
        .filter_map(|s| match s {
            PathSeg::Param { param, .. } => Some(*param),
            PathSeg::Literal(_) => None,
        })
        .collect();
    let mut params: Vec<Node> = op
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let location = if p.body {
                "body"
            } else if in_path.contains(&(i as u32)) {
                "path"
            } else {
                "query"
            };
            Node::map()
                .with("name", p.name.as_str())
                .with("type", spec.display_ty(&p.ty, &[]))
                .with("location", location)
        })
        .collect();
    // Route parameters read through a field of the body (`{product.sku}`) are listed too.
    for (name, ty) in path_params(spec, op) {
        if name.contains('.') {
            let root = name.split('.').next().unwrap_or_default();
            if op.params.iter().any(|p| p.name == root && p.body) {
                params.push(
                    Node::map()
                        .with("name", name.as_str())
                        .with("type", spec.display_ty(&ty, &[]))
                        .with("location", "path"),
                );
            }
        }
    }
    n.push("params", Node::Seq(params));
    n.push("result", spec.display_ty(&op.result, &[]));
    n.push("success_status", Node::Int(success_status(op).parse().unwrap_or(200)));
    let errors = op
        .errors
        .iter()
        .filter_map(|e| spec.errors.get(e.error.index()))
        .map(|e| Node::map().with("name", e.name.as_str()).with("status", Node::Int(i64::from(e.status))))
        .collect();
    n.push("errors", Node::Seq(errors));
    if let Some(f) = &op.fires
        && let Some(m) = spec.machines.get(f.machine.index())
        && let Some(ev) = m.events.get(f.event.index())
    {
        n.push("fires", format!("{}.{}", m.name, ev.name));
    }
    if spec.standards.auth.is_some() {
        n.push("authenticated", secured(spec, r).is_some());
    }
    // An operation with a body: what it does, as its service map lists it.
    if let Some(body) = &op.body {
        n.push("body", true);
        n.push("effects", crate::maps::effects_node(spec, &lp_ir::effects::of_body(body)));
    }
    n
}
