//! One service's Python modules: spec functions, transition tables, routes, default logic,
//! the application entry point and the project files.

use super::models::{pyty, witness};
use super::py::{self, Scope, ident, is_enum, str_lit};
use super::slice::Slice;
use super::{RUNTIME_DEPS, TEST_DEPS};
use crate::openapi::{doc_text, route, secured, success_status};
use lp_ir::text::{ExprNames, expr_text};
use lp_ir::{HttpMethod, Op, OpId, OpRef, PathSeg, ServiceId, Spec, Ty};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Module-level `TypeAdapter`s, one per distinct annotation.
#[derive(Default)]
pub struct Adapters {
    index: BTreeMap<String, usize>,
    order: Vec<String>,
}

impl Adapters {
    pub fn get(&mut self, annotation: &str) -> String {
        let next = self.order.len();
        let i = *self.index.entry(annotation.to_string()).or_insert_with(|| next);
        if i == next {
            self.order.push(annotation.to_string());
        }
        format!("_A{i}")
    }

    pub fn defs(&self) -> String {
        let mut out = String::new();
        for (i, a) in self.order.iter().enumerate() {
            let _ = writeln!(out, "_A{i} = _pd.TypeAdapter({a})");
        }
        out
    }
}

/// A path parameter of an operation.
pub struct PathParam {
    /// Its name in the FastAPI route (`product__sku`).
    pub route_name: String,
    /// As written in the route (`product.sku`).
    pub name: String,
    pub ty: Ty,
    /// The operation parameter it belongs to.
    pub param: usize,
    /// The field names below that parameter.
    pub fields: Vec<String>,
}

/// What the routes, the logic and the tests need to know about one operation.
pub struct OpInfo<'s> {
    pub op: &'s Op,
    pub path: String,
    pub method: &'static str,
    /// The FastAPI path: parameters by their `route_name`.
    pub fastapi_path: String,
    pub path_params: Vec<PathParam>,
    /// Query parameters: parameter indices.
    pub query: Vec<usize>,
    pub body: Option<usize>,
    pub status: u16,
    pub scopes: Option<Vec<String>>,
    /// The resource key, as Python expressions over the parsed parameters.
    pub key: Vec<String>,
    /// `(machine, event)` names when the operation fires one.
    pub fires: Option<(String, String)>,
}

pub fn op_info<'s>(spec: &'s Spec, r: OpRef) -> Option<OpInfo<'s>> {
    let svc = spec.services.get(r.service.index())?;
    let op = svc.ops.get(r.op.index())?;
    let (path, method) = route(spec, r);
    let mut path_params = Vec::new();
    let mut fastapi_path = String::new();
    match &op.http {
        Some(http) => {
            for seg in &http.segments {
                fastapi_path.push('/');
                match seg {
                    PathSeg::Literal(s) => fastapi_path.push_str(s),
                    PathSeg::Param { param, fields, names, suffix, .. } => {
                        // The spec's name, dotted paths joined by `__` (a Starlette parameter
                        // name is a word); the index keeps names distinct.
                        let mut route_name: String = names
                            .join("__")
                            .chars()
                            .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
                            .collect();
                        if route_name.is_empty() || route_name.starts_with(|c: char| c.is_ascii_digit()) {
                            route_name.insert(0, 'p');
                        }
                        if path_params.iter().any(|p: &PathParam| p.route_name == route_name) {
                            route_name = format!("{route_name}_{}", path_params.len());
                        }
                        // Starlette matches `{p}.json` with the parameter up to the suffix.
                        let _ = write!(fastapi_path, "{{{route_name}}}{suffix}");
                        let Some(p) = op.params.get(*param as usize) else { continue };
                        let mut ty = p.ty.clone();
                        for f in fields {
                            ty = spec
                                .record_fields(&ty)
                                .and_then(|(fs, args)| fs.get(*f as usize).map(|fd| fd.ty.subst(&args)))
                                .unwrap_or(Ty::Error);
                        }
                        path_params.push(PathParam {
                            route_name,
                            name: names.join("."),
                            ty,
                            param: *param as usize,
                            fields: names.iter().skip(1).cloned().collect(),
                        });
                    }
                }
            }
            if fastapi_path.is_empty() {
                fastapi_path.push('/');
            }
        }
        None => fastapi_path = path.clone(),
    }
    let roots: Vec<usize> = path_params.iter().map(|p| p.param).collect();
    let body = op.params.iter().position(|p| p.body);
    let query: Vec<usize> = (0..op.params.len()).filter(|i| Some(*i) != body && !roots.contains(i)).collect();
    let mut key: Vec<String> =
        path_params.iter().enumerate().filter(|(_, p)| !is_enum(spec, &p.ty)).map(|(i, _)| format!("_p{i}")).collect();
    if key.is_empty() {
        key = query
            .iter()
            .filter(|i| {
                let t = &op.params[**i].ty;
                !is_enum(spec, t) && !matches!(t, Ty::Option(_))
            })
            .map(|i| ident(&op.params[*i].name))
            .collect();
    }
    let fires = op.fires.as_ref().and_then(|f| {
        let m = spec.machines.get(f.machine.index())?;
        Some((m.name.clone(), m.events.get(f.event.index())?.name.clone()))
    });
    if key.is_empty()
        && let (Some(f), Some(b)) = (&op.fires, body)
    {
        // Identify the instance by a body field named like the key of another operation that
        // fires the same machine.
        let names = key_names_of_machine(spec, f.machine);
        if let Some((fields, _)) = spec.record_fields(&op.params[b].ty) {
            for fd in fields {
                if names.contains(&fd.name) {
                    key.push(format!(
                        "_rt.dump(_pd.TypeAdapter(_t.Any), {}.{})",
                        ident(&op.params[b].name),
                        ident(&fd.name)
                    ));
                }
            }
        }
    }
    let body_creates = body.is_some_and(|b| same_named(spec, &op.params[b].ty, &op.result));
    if body_creates
        && path_params.is_empty()
        && let Some(b) = body
        && let Some((fields, _)) = spec.record_fields(&op.params[b].ty)
        && fields.iter().any(|f| f.name == "id")
    {
        key.push(format!("{}.{}", ident(&op.params[b].name), ident("id")));
    }
    Some(OpInfo {
        op,
        path,
        method,
        fastapi_path,
        path_params,
        query,
        body,
        status: success_status(op).parse().unwrap_or(200),
        scopes: secured(spec, r),
        key,
        fires,
    })
}

/// The last names of the path parameters of operations that fire a machine.
fn key_names_of_machine(spec: &Spec, m: lp_ir::MachineId) -> Vec<String> {
    let mut out = Vec::new();
    for svc in &spec.services {
        for op in &svc.ops {
            if op.fires.as_ref().is_some_and(|f| f.machine == m)
                && let Some(http) = &op.http
            {
                for seg in &http.segments {
                    if let PathSeg::Param { names, .. } = seg
                        && let Some(last) = names.last()
                    {
                        out.push(last.clone());
                    }
                }
            }
        }
    }
    out
}

pub fn same_named(spec: &Spec, a: &Ty, b: &Ty) -> bool {
    matches!((spec.head(a).as_ref(), spec.head(b).as_ref()), (Ty::Named { id: x, args: xa }, Ty::Named { id: y, args: ya }) if x == y && xa == ya)
}

// ---------------------------------------------------------------- functions and machines

/// `app/fns.py`: each spec function with a body as Python; external ones call the logic.
pub fn fns_py(spec: &Spec, sl: &Slice) -> String {
    let mut out = String::from(
        "from __future__ import annotations\n\nimport typing as _t\n\nfrom app import models as M\nfrom app import runtime as _rt\n\n\n",
    );
    for f in spec.fns.iter().enumerate().filter(|(i, _)| sl.fns[*i]).map(|(_, f)| f) {
        let name = ident(&f.name);
        let params: Vec<String> = f.params.iter().map(|p| ident(&p.name)).collect();
        let scope =
            Scope { params: &f.params, vars: &[], self_name: "_self", result_name: "result_", models: "M.", fns: "" };
        let _ = writeln!(out, "def {name}({}):", params.join(", "));
        if !f.docs.is_empty() {
            let _ = writeln!(out, "    {}", str_lit(&doc_text(&f.docs)));
        }
        match &f.body {
            Some(b) => {
                let _ = writeln!(out, "    return {}\n\n", py::expr(spec, scope, b));
            }
            None => {
                // The hand-written seam, its contract monitored (`requires`, result type, `ensures`).
                let args = if params.len() == 1 { format!("{},", params[0]) } else { params.join(", ") };
                let _ = writeln!(out, "    return _rt.call_external({}, {name}, ({args}))\n\n", str_lit(&f.name));
            }
        }
        if f.body.is_none() {
            let _ = writeln!(out, "{name}.result_type = {}", pyty(spec, &f.result, "M."));
        }
        let names = ExprNames { params: &f.params, vars: &[], qualify_variants: false };
        let conds = |es: &[lp_ir::Expr]| -> String {
            let parts: Vec<String> = es
                .iter()
                .map(|e| {
                    format!(
                        "({}, {})",
                        str_lit(&expr_text(spec, names, e)),
                        format_args!("lambda {}: {}", lambda_params(&params, true), py::expr(spec, scope, e))
                    )
                })
                .collect();
            format!("[{}]", parts.join(", "))
        };
        let _ = writeln!(out, "{name}.requires = {}", conds(&f.requires));
        let _ = writeln!(out, "{name}.ensures = {}\n\n", conds(&f.ensures));
    }
    out
}

fn lambda_params(params: &[String], with_result: bool) -> String {
    let mut ps: Vec<String> = params.to_vec();
    if with_result {
        ps.push("result_=None".into());
    }
    ps.join(", ")
}

/// `app/machines.py`: every machine as a transition table with guards, actions and invariants.
pub fn machines_py(spec: &Spec, sl: &Slice) -> String {
    let mut out = String::from(
        "from __future__ import annotations\n\nfrom app import fns as F\nfrom app import models as M\nfrom app import runtime as _rt\n\n\n",
    );
    let mut all = Vec::new();
    for m in spec.machines.iter().enumerate().filter(|(i, _)| sl.machines[*i]).map(|(_, m)| m) {
        let name = ident(&m.name);
        all.push(format!("{}: {name}", str_lit(&m.name)));
        let scope =
            Scope { params: &[], vars: &m.vars, self_name: "_self", result_name: "result", models: "M.", fns: "F." };
        let names = ExprNames { params: &[], vars: &m.vars, qualify_variants: false };
        let state = |i: lp_ir::StateId| m.states.get(i.index()).map_or("?", |s| s.name.as_str());
        let event = |i: lp_ir::EventId| m.events.get(i.index()).map_or("?", |e| e.name.as_str());
        let states: Vec<String> = m.states.iter().map(|s| str_lit(&s.name)).collect();
        let finals: Vec<String> = m.finals.iter().map(|f| str_lit(state(*f))).collect();
        let vars: Vec<String> =
            m.vars.iter().map(|v| format!("{}: {}", str_lit(&v.name), py::expr(spec, scope, &v.init))).collect();
        let _ = writeln!(out, "{name} = _rt.MachineDef(");
        let _ = writeln!(out, "    name={},", str_lit(&m.name));
        let _ = writeln!(out, "    states=({}{}),", states.join(", "), if states.len() == 1 { "," } else { "" });
        let _ = writeln!(out, "    initial={},", m.initial.map_or("None".to_string(), |i| str_lit(state(i))));
        let _ = writeln!(out, "    finals=({}{}),", finals.join(", "), if finals.len() == 1 { "," } else { "" });
        let _ = writeln!(out, "    init_vars=lambda: {{{}}},", vars.join(", "));
        out.push_str("    transitions=(\n");
        for t in &m.transitions {
            let guard = t.guard.as_ref().map_or("True".to_string(), |g| py::expr(spec, scope, g));
            let actions: Vec<String> = t
                .actions
                .iter()
                .map(|a| {
                    let var = m.vars.get(a.var.index()).map_or("?", |v| v.name.as_str());
                    format!("{}: {}", str_lit(var), py::expr(spec, scope, &a.value))
                })
                .collect();
            let mut text = format!("{} -> {} on {}", state(t.from), state(t.to), event(t.event));
            if let Some(g) = &t.guard {
                let _ = write!(text, " when {}", expr_text(spec, names, g));
            }
            let _ = writeln!(
                out,
                "        _rt.Transition({}, {}, {}, lambda v: {guard}, lambda v: {{{}}}, {}),",
                str_lit(state(t.from)),
                str_lit(event(t.event)),
                str_lit(state(t.to)),
                actions.join(", "),
                str_lit(&text)
            );
        }
        out.push_str("    ),\n");
        let ignored: Vec<String> =
            m.ignored.iter().map(|r| format!("({}, {})", str_lit(state(r.state)), str_lit(event(r.event)))).collect();
        let _ = writeln!(out, "    ignored=frozenset({{{}}}),", ignored.join(", "));
        let invs: Vec<String> = m
            .invariants
            .iter()
            .map(|i| format!("({}, lambda v: {})", str_lit(&expr_text(spec, names, i)), py::expr(spec, scope, i)))
            .collect();
        let _ = writeln!(out, "    invariants=({}{}),", invs.join(", "), if invs.len() == 1 { "," } else { "" });
        out.push_str(")\n\n");
    }
    let _ = writeln!(out, "MACHINES = {{{}}}", all.join(", "));
    out
}

// ---------------------------------------------------------------- routes

fn http_method(m: &str) -> String {
    m.to_ascii_uppercase()
}

/// The operations of a service, ordered so that literal segments are tried before parameters,
/// and a parameter with a suffix (`{id}.json`) before a bare one (`{id}`), which would match
/// `7.json` too: Starlette takes the first route that matches.
pub fn ordered_ops(spec: &Spec, sid: ServiceId) -> Vec<OpInfo<'_>> {
    let Some(svc) = spec.services.get(sid.index()) else { return Vec::new() };
    let mut infos: Vec<OpInfo<'_>> =
        (0..svc.ops.len()).filter_map(|o| op_info(spec, OpRef { service: sid, op: OpId(o as u32) })).collect();
    infos.sort_by_key(|i| {
        i.fastapi_path
            .split('/')
            .map(|s| {
                let rank = match s.strip_prefix('{') {
                    None => 0,
                    Some(rest) if !rest.ends_with('}') => 1,
                    Some(_) => 2,
                };
                (rank, s.to_string())
            })
            .collect::<Vec<_>>()
    });
    infos
}

/// `app/routes.py`: one route per operation.
pub fn routes_py(spec: &Spec, sid: ServiceId) -> String {
    let Some(svc) = spec.services.get(sid.index()) else { return String::new() };
    let mut adapters = Adapters::default();
    let mut body_out = String::new();
    for info in ordered_ops(spec, sid) {
        let op = info.op;
        let fname = format!("op_{}", ident(&op.name));
        let mut deco = format!(
            "@router.api_route({}, methods=[{}], status_code={}, operation_id={}, response_model=None",
            str_lit(&info.fastapi_path),
            str_lit(&http_method(info.method)),
            info.status,
            str_lit(&format!("{}.{}", svc.name, op.name)),
        );
        if !op.docs.is_empty() {
            let _ = write!(deco, ", description={}", str_lit(&doc_text(&op.docs)));
        }
        if let Some(scopes) = &info.scopes {
            let s: Vec<String> = scopes.iter().map(|s| str_lit(s)).collect();
            let _ = write!(deco, ", dependencies=[_Depends(_rt.require_scopes([{}]))]", s.join(", "));
        }
        deco.push(')');
        let mut sig = vec!["request: _Request".to_string()];
        if let Some(b) = info.body {
            // An `Option` body may be left out of the request (the document says the request
            // body is not required): it is then `None`, as an explicit JSON `null` is.
            let default = if matches!(op.params[b].ty, Ty::Option(_)) { " = None" } else { "" };
            sig.push(format!("body_: _t.Annotated[{}, _Body()]{default}", pyty(spec, &op.params[b].ty, "M.")));
        }
        let _ = writeln!(body_out, "{deco}\ndef {fname}({}):", sig.join(", "));
        let mut call = Vec::new();
        for (i, pp) in info.path_params.iter().enumerate() {
            let a = adapters.get(&pyty(spec, &pp.ty, "M."));
            let _ = writeln!(
                body_out,
                "    _p{i} = _rt.parse_string_param({}, \"path\", request.path_params.get({}), {a})",
                str_lit(&pp.name),
                str_lit(&pp.route_name)
            );
        }
        for (pi, p) in op.params.iter().enumerate() {
            let name = ident(&p.name);
            if info.body == Some(pi) {
                let _ = writeln!(body_out, "    {name} = body_");
            } else if info.query.contains(&pi) {
                let (inner, optional) = match &p.ty {
                    Ty::Option(t) => ((**t).clone(), true),
                    t => (t.clone(), false),
                };
                let a = adapters.get(&pyty(spec, &inner, "M."));
                let key = str_lit(&p.name);
                if let Ty::List(item) | Ty::Set(item) = spec.head(&inner).as_ref() {
                    // Scalars and enums are read from their text; other elements are JSON.
                    let scalar = matches!(
                        spec.head(item).as_ref(),
                        Ty::Int | Ty::Decimal | Ty::Bool | Ty::String | Ty::Machine(_)
                    ) || py::is_enum(spec, item);
                    let json = if scalar { "" } else { ", json_items=True" };
                    let _ = writeln!(
                        body_out,
                        "    {name} = _rt.parse_list_param({key}, request.query_params.getlist({key}), {a}{json})"
                    );
                } else if optional {
                    let _ = writeln!(
                        body_out,
                        "    {name} = _rt.parse_string_param({key}, \"query\", request.query_params.get({key}), {a}) if {key} in request.query_params else None"
                    );
                } else {
                    let _ = writeln!(
                        body_out,
                        "    {name} = _rt.parse_string_param({key}, \"query\", request.query_params.get({key}), {a})"
                    );
                }
            } else if let Some((i, pp)) =
                info.path_params.iter().enumerate().find(|(_, pp)| pp.param == pi && pp.fields.is_empty())
            {
                let _ = pp;
                let _ = writeln!(body_out, "    {name} = _p{i}");
            } else {
                let _ = writeln!(body_out, "    {name} = None");
            }
            call.push(format!("{name}={name}"));
        }
        // A path parameter naming a field of the body addresses the resource: it sets that field.
        for (i, pp) in info.path_params.iter().enumerate() {
            if pp.fields.len() != 1 || info.body != Some(pp.param) {
                continue;
            }
            let name = ident(&op.params[pp.param].name);
            let _ = writeln!(body_out, "    {name} = _rt.with_field({name}, {}, _p{i})", str_lit(&pp.fields[0]));
        }
        let _ = writeln!(body_out, "    store = request.app.state.store");
        if let Some(body) = &op.body {
            // The compiled body, in one transaction (a write lock ahead only when it writes).
            let result_a = adapters.get(&pyty(spec, &op.result, "M."));
            let entity = super::bodies::result_entity(spec, &op.result).and_then(|e| spec.entities.get(e.index()));
            let entity = entity.map_or("None".to_string(), |e| format!("_B.ENTITIES[{}]", str_lit(&e.name)));
            let fx = lp_ir::effects::of_body(body);
            let args: Vec<String> = op.params.iter().map(|p| ident(&p.name)).collect();
            let args = if args.is_empty() { String::new() } else { format!(", {}", args.join(", ")) };
            let _ = writeln!(
                body_out,
                "    value, headers = _rt.run_body(store, {result_a}, {}, {entity}, {},\n        lambda tx: _B.{}(tx{args}))",
                str_lit(&format!("{}.{}", svc.name, op.name)),
                if fx.changes_store() { "True" } else { "False" },
                super::bodies::body_fn(op),
            );
            if info.status == 204 {
                body_out.push_str("    return _Response(status_code=204, headers=headers)\n\n\n");
            } else {
                let _ = writeln!(
                    body_out,
                    "    return _JSONResponse(_rt.dump({result_a}, value), status_code={}, headers=headers)\n\n",
                    info.status
                );
            }
            continue;
        }
        let _ = writeln!(body_out, "    key = [{}]", info.key.join(", "));
        let (machine, event) = match &info.fires {
            Some((m, e)) => (format!("MACHINES[{}]", str_lit(m)), str_lit(e)),
            None => ("None".to_string(), "None".to_string()),
        };
        let result_a = adapters.get(&pyty(spec, &op.result, "M."));
        // The monitor fires the event, the logic runs, the result is checked and the new
        // state stored, all under the store's lock.
        let _ = writeln!(
            body_out,
            "    value = _rt.run_operation(store, key, {machine}, {event}, {result_a}, {},\n        \
             lambda firing: request.app.state.logic.{}(_rt.Context(store, key, firing), {}))",
            str_lit(&format!("{}.{}", svc.name, op.name)),
            ident(&op.name),
            call.join(", ")
        );
        if info.status == 204 {
            body_out.push_str("    return _Response(status_code=204)\n\n\n");
        } else {
            let _ = writeln!(
                body_out,
                "    return _JSONResponse(_rt.dump({result_a}, value), status_code={})\n\n",
                info.status
            );
        }
    }
    // Answers with decimals are written by the runtime's exact JSON response (a decimal with
    // more digits than a float keeps is still a JSON number with exactly its digits); the
    // routes of other specs stay as they were.
    let json_response = if super::models::uses_decimal(spec) {
        "from fastapi.responses import Response as _Response\nfrom app.runtime import ExactJSONResponse as _JSONResponse\n"
    } else {
        "from fastapi.responses import JSONResponse as _JSONResponse, Response as _Response\n"
    };
    format!(
        "from __future__ import annotations\n\nimport typing as _t\n\nimport pydantic as _pd\n\
         from fastapi import APIRouter, Body as _Body, Depends as _Depends, Request as _Request\n\
         {json_response}\n\
         from app import bodies as _B\nfrom app import models as M\nfrom app import runtime as _rt\nfrom app.machines import MACHINES\n\n\
         router = APIRouter()\n\n{}\n\n{body_out}",
        adapters.defs()
    )
}

// ---------------------------------------------------------------- logic

fn collection(spec: &Spec, ty: &Ty) -> String {
    py::ty_tag(spec, ty)
}

pub fn list_element(spec: &Spec, ty: &Ty) -> Option<(Option<String>, Ty)> {
    if let Ty::List(t) = spec.head(ty).as_ref() {
        return Some((None, (**t).clone()));
    }
    // A page: a generic record with one `List<T>` field of its type parameter.
    let (fields, args) = spec.record_fields(ty)?;
    let lists: Vec<(String, Ty)> = fields
        .iter()
        .filter(|f| matches!(&f.ty, Ty::List(t) if matches!(**t, Ty::Param(_))))
        .filter_map(|f| match f.ty.subst(&args) {
            Ty::List(t) => Some((f.name.clone(), *t)),
            _ => None,
        })
        .collect();
    match lists.as_slice() {
        [(name, t)] => Some((Some(name.clone()), t.clone())),
        _ => None,
    }
}

/// `app/logic.py`: `DefaultLogic`, the default behaviour of every operation over the store.
pub fn logic_py(spec: &Spec, sid: ServiceId, sl: &Slice) -> String {
    let Some(svc) = spec.services.get(sid.index()) else { return String::new() };
    let mut adapters = Adapters::default();
    let mut methods = String::new();
    let mut compiled = Vec::new();
    for (o, op) in svc.ops.iter().enumerate() {
        let Some(info) = op_info(spec, OpRef { service: sid, op: OpId(o as u32) }) else { continue };
        if op.body.is_some() {
            // Compiled from its body (`app/bodies.py`): no default logic.
            compiled.push(format!("`{}`", op.name));
            continue;
        }
        let params: Vec<String> = op.params.iter().map(|p| ident(&p.name)).collect();
        let star = if params.is_empty() { String::new() } else { format!(", *, {}", params.join(", ")) };
        let _ = writeln!(methods, "    def {}(self, ctx: _rt.Context{star}):", ident(&op.name));
        let _ = writeln!(
            methods,
            "        {}",
            str_lit(&format!("`{}.{}` ({} {}).", svc.name, op.name, http_method(info.method), info.path))
        );
        // Candidates for fields of synthesized values: the parameters, then the machine's vars.
        let mut cands = Vec::new();
        for p in &op.params {
            let a = adapters.get(&pyty(spec, &p.ty, "M."));
            cands.push(format!("{}=_rt.dump({a}, {})", ident(&p.name), ident(&p.name)));
        }
        let _ = writeln!(methods, "        cands = _rt.candidates_from({})", cands.join(", "));
        methods.push_str(
            "        if ctx.firing is not None:\n            cands = {**{k: [v] for k, v in ctx.firing.vars.items()}, **cands}\n",
        );
        methods.push_str("        cands.setdefault(\"id\", []).extend(_rt.fresh_ids())\n");
        let result_a = adapters.get(&pyty(spec, &op.result, "M."));
        let w = serde_json::to_string(&witness(spec, &op.result, 0)).unwrap_or_else(|_| "null".into());
        let what = str_lit(&format!("the result of `{}.{}`", svc.name, op.name));
        let not_found = op.errors.iter().filter_map(|e| spec.errors.get(e.error.index())).find(|e| e.status == 404);
        let raise_not_found = |out: &mut String, indent: &str| {
            if let Some(e) = not_found {
                let _ = writeln!(out, "{indent}raise self.problem({}, cands)", str_lit(&e.name));
            }
        };
        let body_creates = info.body.is_some_and(|b| same_named(spec, &op.params[b].ty, &op.result));
        let coll = collection(spec, &op.result);
        if body_creates {
            let b = ident(&op.params[info.body.unwrap_or(0)].name);
            let _ = writeln!(
                methods,
                "        ctx.store.put({}, ctx.key, _rt.dump({result_a}, {b}))\n        return {b}\n",
                str_lit(&coll)
            );
        } else if matches!(op.result, Ty::Unit) {
            if matches!(op.http.as_ref().map(|h| h.method), Some(HttpMethod::Delete)) {
                methods.push_str("        if ctx.store.delete_key(ctx.key) == 0:\n");
                if not_found.is_some() {
                    raise_not_found(&mut methods, "            ");
                } else {
                    methods.push_str("            pass\n");
                }
            } else if let Some(b) = info.body {
                let a = adapters.get(&pyty(spec, &op.params[b].ty, "M."));
                let _ = writeln!(
                    methods,
                    "        ctx.store.put({}, ctx.key + [_rt.fresh_ids()[1]], _rt.dump({a}, {}))",
                    str_lit(&collection(spec, &op.params[b].ty)),
                    ident(&op.params[b].name)
                );
            }
            methods.push_str("        return None\n\n");
        } else if matches!(op.result, Ty::Machine(_)) {
            methods.push_str("        return \"/\".join(str(k) for k in ctx.key) or \"instance\"\n\n");
        } else if let Some((field, elem)) = list_element(spec, &op.result).filter(|_| info.method == "get") {
            let _ = writeln!(
                methods,
                "        items = ctx.store.list_prefix({}, ctx.key)",
                str_lit(&collection(spec, &elem))
            );
            match field {
                None => {
                    let _ = writeln!(methods, "        return {result_a}.validate_python(items)\n");
                }
                Some(f) => {
                    let _ = writeln!(
                        methods,
                        "        return _rt.synthesize({result_a}, {{**_json.loads({}), {}: items}}, cands, {what})\n",
                        str_lit(&w),
                        str_lit(&f)
                    );
                }
            }
        } else if matches!(spec.head(&op.result).as_ref(), Ty::Named { .. }) {
            let c = str_lit(&coll);
            let _ = writeln!(methods, "        found = ctx.store.get({c}, ctx.key)\n        if found is not None:");
            methods.push_str(
                "            machine = {k: [v] for k, v in ctx.firing.vars.items()} if ctx.firing is not None else {}\n",
            );
            let _ = writeln!(methods, "            value = _rt.synthesize({result_a}, found, machine, {what})");
            let _ = writeln!(
                methods,
                "            ctx.store.put({c}, ctx.key, _rt.dump({result_a}, value))\n            return value"
            );
            if info.method == "get" && info.fires.is_none() {
                raise_not_found(&mut methods, "        ");
            }
            let _ = writeln!(
                methods,
                "        value = _rt.synthesize({result_a}, _json.loads({}), cands, {what})",
                str_lit(&w)
            );
            if info.method != "get" {
                let _ = writeln!(methods, "        ctx.store.put({c}, ctx.key, _rt.dump({result_a}, value))");
            }
            methods.push_str("        return value\n\n");
        } else {
            let _ = writeln!(
                methods,
                "        return _rt.synthesize({result_a}, _json.loads({}), cands, {what})\n",
                str_lit(&w)
            );
        }
    }
    let mut errors = String::new();
    for (i, e) in spec.errors.iter().enumerate().filter(|(i, _)| sl.errors[*i]) {
        let a = adapters.get(&format!("M.{}", ident(&e.name)));
        let w = serde_json::to_string(&witness(spec, &Ty::ErrorType(lp_ir::ErrorId(i as u32)), 0))
            .unwrap_or_else(|_| "{}".into());
        let _ = writeln!(errors, "    {}: ({}, {a}, {}),", str_lit(&e.name), e.status, str_lit(&w));
    }
    format!(
        "\"\"\"The default behaviour of each operation. Replace it without editing generated files: write a\n\
         subclass of `DefaultLogic` in your own module and start the service with\n\
         `LEANOS_LOGIC=your_module:YourLogic`. External spec functions are methods of that class too.\n\"\"\"\n\n\
         from __future__ import annotations\n\nimport json as _json\nimport typing as _t\n\nimport pydantic as _pd\n\n\
         from app import models as M\nfrom app import runtime as _rt\n\n{}\n\
         ERRORS = {{\n{errors}}}\n\n\n\
         class DefaultLogic:\n    \"\"\"{}\"\"\"\n\n\
         \x20   def problem(self, name: str, cands: dict) -> _rt.Problem:\n\
         \x20       \"\"\"The declared error `name` as a problem, its payload filled from the request.\"\"\"\n\
         \x20       status, adapter, witness = ERRORS[name]\n\
         \x20       payload = _rt.dump(adapter, _rt.synthesize(adapter, _json.loads(witness), cands, name))\n\
         \x20       return _rt.Problem(status, name, None, \"urn:leanos:error:\" + name, **payload)\n\n{methods}",
        adapters.defs(),
        logic_doc(&compiled)
    )
}

/// The docstring of `DefaultLogic`: what it does, and which operations run compiled bodies.
fn logic_doc(compiled: &[String]) -> String {
    let mut doc = String::from(
        "The hand-written seam. Operations without a body: DEFAULT LOGIC (stores what is written,\n    \
         reads it back, and builds results from the request), not the spec's behaviour. External\n    \
         spec functions are methods of this class too (none by default: calling one answers 501).",
    );
    if !compiled.is_empty() {
        doc.push_str("\n\n    Compiled from their bodies (app/bodies.py), never through this class: ");
        doc.push_str(&compiled.join(", "));
        doc.push('.');
    }
    doc
}

// ---------------------------------------------------------------- entry point and project files

/// `app/main.py`: the application with its store, logic, handlers, health and readiness.
pub fn main_py(spec: &Spec, sid: ServiceId) -> String {
    let Some(svc) = spec.services.get(sid.index()) else { return String::new() };
    let title = format!("{} {}", spec.name.as_deref().unwrap_or("spec"), svc.name);
    let version = spec.version.map(|v| v.to_string()).unwrap_or_else(|| "0.0.0".into());
    let deps: Vec<String> = svc
        .depends
        .iter()
        .filter_map(|d| spec.services.get(d.service.index()))
        .map(|d| {
            let env = format!("{}_URL", d.name.to_ascii_uppercase());
            format!("{}: _os.environ.get({})", str_lit(&d.name), str_lit(&env))
        })
        .collect();
    format!(
        "from __future__ import annotations\n\nimport importlib as _importlib\nimport os as _os\n\n\
         from fastapi import FastAPI\nfrom fastapi.responses import JSONResponse\n\n\
         from app import runtime as _rt\nfrom app.bodies import ENTITIES\nfrom app.logic import DefaultLogic\nfrom app.routes import router\n\n\
         # The base URL of each service this one depends on.\nDEPENDENCIES = {{{}}}\n\n\n\
         def load_logic():\n    \"\"\"`LEANOS_LOGIC=module:Class` selects hand-written logic; by default `DefaultLogic`.\"\"\"\n\
         \x20   spec = _os.environ.get(\"LEANOS_LOGIC\", \"\")\n    if not spec:\n        return DefaultLogic()\n\
         \x20   module, _, name = spec.partition(\":\")\n    return getattr(_importlib.import_module(module), name or \"Logic\")()\n\n\n\
         def create_app(database_url: str | None = None) -> FastAPI:\n\
         \x20   app = FastAPI(title={}, version={}, description={})\n\
         \x20   app.state.store = _rt.Store(database_url)\n    app.state.store.ensure_entities(ENTITIES)\n    app.state.logic = load_logic()\n    _rt.LOGIC = app.state.logic\n\
         \x20   _rt.install_handlers(app)\n\n\
         \x20   @app.get(\"/healthz\", include_in_schema=False)\n    def healthz():\n        return {{\"status\": \"ok\"}}\n\n\
         \x20   @app.get(\"/readyz\", include_in_schema=False)\n    def readyz():\n\
         \x20       if app.state.store.ping():\n            return {{\"status\": \"ready\"}}\n\
         \x20       return JSONResponse({{\"status\": \"unavailable\"}}, status_code=503)\n\n\
         \x20   app.include_router(router)\n    return app\n\n\napp = create_app()\n",
        deps.join(", "),
        str_lit(&title),
        str_lit(&version),
        str_lit(&doc_text(&svc.docs)),
    )
}

/// `pyproject.toml`: the pinned dependencies.
pub fn pyproject(spec: &Spec, svc: &lp_ir::Service) -> String {
    let name =
        format!("{}-{}", spec.name.as_deref().unwrap_or("spec"), svc.name).to_ascii_lowercase().replace('_', "-");
    let version = spec.version.map(|v| v.to_string()).unwrap_or_else(|| "0.0.0".into());
    let q = |xs: &[&str]| xs.iter().map(|d| format!("  {},", toml_str(d))).collect::<Vec<_>>().join("\n");
    format!(
        "[project]\nname = {}\nversion = {}\ndescription = {}\nrequires-python = \">=3.11\"\ndependencies = [\n{}\n]\n\n\
         [project.optional-dependencies]\ntest = [\n{}\n]\n\n\
         [build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n\n\
         [tool.setuptools]\npackages = [\"app\"]\n\n\
         [tool.pytest.ini_options]\ntestpaths = [\"tests\"]\npythonpath = [\".\"]\naddopts = \"-p no:cacheprovider\"\n",
        toml_str(&name),
        toml_str(&version),
        toml_str(&doc_text(&svc.docs)),
        q(RUNTIME_DEPS),
        q(TEST_DEPS),
    )
}

/// A TOML basic string (its escapes are JSON's).
fn toml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// `README.md`: how to run, test and extend the service.
pub fn readme(spec: &Spec, svc: &lp_ir::Service, header: &str) -> String {
    let _ = spec;
    format!(
        "<!-- {} -->\n# Service `{}`\n\n\
         This folder is part of a certified build: `leanos-prove verify` refuses the output when it\n\
         holds any file the build did not write (LP8006), such as a virtual environment,\n\
         `__pycache__`, `.pytest_cache`, `.hypothesis` or the SQLite database. So install, test\n\
         and run a copy, as the generated CI workflow does.\n\n\
         ## Test\n\n\
         From this folder:\n\n\
         ```sh\n{README_TEST}```\n\n\
         ## Run\n\n\
         In the copy (the shell is still there after the commands above):\n\n\
         ```sh\n.venv/bin/uvicorn app.main:app --host 0.0.0.0 --port 8000\n```\n\n\
         Environment: `DATABASE_URL` (absent: SQLite `./data/app.db`; `postgresql://...`: PostgreSQL),\n\
         `LEANOS_AUTH_TOKENS` (JSON object: bearer token -> scopes), `LEANOS_LOGIC` (`module:Class`,\n\
         hand-written logic subclassing `app.logic.DefaultLogic`; keep that module outside this folder,\n\
         which every build rewrites).\n",
        header.replace("--", "- -"),
        py::comment_text(&svc.name)
    )
}

/// The README's test commands, run from the service's folder: copy it to a temporary folder,
/// install the service with its test extras into a virtual environment there, run pytest.
/// `scripts/test-infra.sh` runs them as written and then verifies the output (no LP8006).
pub const README_TEST: &str = "work=\"$(mktemp -d)\"\n\
    cp -R . \"$work/service\"\n\
    cd \"$work/service\"\n\
    python3 -m venv .venv\n\
    .venv/bin/pip install '.[test]'\n\
    .venv/bin/python -m pytest -q\n";
