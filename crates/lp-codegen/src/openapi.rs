//! The OpenAPI 3.1 document of a spec (`api.openapi.json`) and its translation validation.
//!
//! Decisions, so that the document is predictable:
//!
//! - Every non-generic `type` and every `error` gets a schema under `components.schemas`.
//!   Generic types are emitted once per instantiation actually used (`Scoped<Product>` is
//!   `Scoped_Product`); a generic type that is never instantiated has no schema.
//! - A record is an object with `properties` and `required` (an `Option` field is not
//!   required, and its schema is that of the inner type) and `additionalProperties: false`.
//! - A sum whose variants are all units is a string `enum`; otherwise it is a `oneOf` of
//!   objects, each with a `kind` property whose `const` is the variant name (unit variants are
//!   `{ "kind": "Name" }` objects).
//! - An alias is the schema of its base type with the refinement's constraints.
//! - A refinement that is a conjunction of bounds on `self` or `len(self)` and of
//!   `matches(self, "re")` becomes `minimum`/`maximum`/`exclusive*`, `minLength`/`maxLength`
//!   (`minItems`/`maxItems` for lists and sets, `minProperties`/`maxProperties` for maps) and
//!   `pattern`. When any conjunct cannot be expressed, the whole refinement is also kept as
//!   spec text in `x-leanos-refinement`, so nothing is silently dropped.
//! - Each operation is one OpenAPI operation, `operationId` `service.op`. An operation without
//!   an HTTP binding is placed at `POST /{service}/{op}` and marked `x-leanos-synthesized`.
//!   Path parameters come from the route (`{tenant.id}` is a field of a parameter), the other
//!   non-body parameters are query parameters, the `body` parameter is the request body. The
//!   success response is `204` for a `Unit` result, `201` for `POST`, `200` otherwise; each
//!   declared error is a response with its status and an `application/problem+json` body.
//! - An error schema is `allOf [ProblemDetails, payload]`; the payload part is open, since
//!   each `allOf` part sees the whole problem document (`type`, `title`, `status` included).
//! - The statuses the generated service's runtime answers besides the declared errors
//!   ([`runtime_responses`]: 400, 401, 403, 409, 422, 501, 502, 503) are declared too, as `ProblemDetails`
//!   marked `x-leanos-runtime`; a declared error of the same status makes the schema
//!   `anyOf [declared, ProblemDetails]`.
//! - `Int` is `integer` (`int64`); `Decimal` is `number` with `format: decimal` (exact
//!   decimals: the generated services read and write them as decimals, never as binary
//!   floating point). A bound on a decimal becomes `minimum`/`maximum`/`exclusive*` only when
//!   a JSON number holds its digits exactly ([`lp_ir::decimal::to_f64_exact`]).
//! - A map whose key is not `String` carries its key type in `x-leanos-key` and the key's
//!   text in `propertyNames`.
//! - `standards { auth = bearer(scopes = [...]) except [ops] }` becomes an HTTP bearer
//!   security scheme; every operation gets an explicit `security` (empty when exempt).

use lp_ir::text::{ExprNames, expr_text};
use lp_ir::{
    BinOp, Builtin, Expr, ExprKind, FieldDef, HttpMethod, Op, OpRef, PathSeg, SettingValueKind, Spec, Ty, TypeBody,
    TypeDef, TypeId, UnOp,
};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The name of the problem-details schema every error schema extends.
pub const PROBLEM_DETAILS: &str = "ProblemDetails";

/// The OpenAPI document of a spec.
pub fn openapi(spec: &Spec) -> Value {
    let mut schemas = Map::new();
    schemas.insert(PROBLEM_DETAILS.into(), problem_details());
    for (name, (id, args)) in schema_types(spec) {
        if let Some(def) = spec.types.get(id.index()) {
            schemas.insert(name, type_schema(spec, def, &args));
        }
    }
    for e in &spec.errors {
        schemas.insert(e.name.clone(), error_schema(spec, e));
    }
    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for (s, service) in spec.services.iter().enumerate() {
        for (o, op) in service.ops.iter().enumerate() {
            let r = OpRef { service: lp_ir::ServiceId(s as u32), op: lp_ir::OpId(o as u32) };
            let (path, method) = route(spec, r);
            paths.entry(path).or_default().insert(method.to_string(), operation(spec, r, op));
        }
    }
    let mut components = Map::new();
    components.insert("schemas".into(), Value::Object(schemas));
    if let Some(scheme) = security_scheme(spec) {
        components.insert("securitySchemes".into(), json!({ AUTH_SCHEME: scheme }));
    }
    let title = spec.name.clone().unwrap_or_else(|| "spec".into());
    let version = spec.version.map(|v| v.to_string()).unwrap_or_else(|| "0.0.0".into());
    json!({
        "openapi": "3.1.0",
        "info": { "title": title, "version": version },
        "paths": paths.into_iter().map(|(k, v)| (k, Value::Object(v))).collect::<Map<_, _>>(),
        "components": components,
    })
}

/// [`openapi`] as pretty JSON with a trailing newline.
pub fn openapi_json(spec: &Spec) -> String {
    let mut text = serde_json::to_string_pretty(&openapi(spec)).unwrap_or_default();
    text.push('\n');
    text
}

const AUTH_SCHEME: &str = "bearerAuth";

/// A doc comment as a description: its lines trimmed and joined.
pub(crate) fn doc_text(docs: &[String]) -> String {
    docs.iter().map(|l| l.trim()).collect::<Vec<_>>().join("\n").trim().to_string()
}

fn problem_details() -> Value {
    json!({
        "type": "object",
        "description": "RFC 9457 problem details.",
        "properties": {
            "type": { "type": "string" },
            "title": { "type": "string" },
            "status": { "type": "integer" },
            "detail": { "type": "string" },
            "instance": { "type": "string" },
        },
        "required": ["type", "title", "status"],
    })
}

// ---------------------------------------------------------------- naming

/// The schema name of a named type applied to arguments: `Page_Order` for `Page<Order>`.
pub fn schema_name(spec: &Spec, id: TypeId, args: &[Ty]) -> String {
    let mut name = spec.types.get(id.index()).map_or_else(|| "Unknown".to_string(), |d| d.name.clone());
    for a in args {
        name.push('_');
        name.push_str(&ty_name(spec, a));
    }
    name
}

/// A type as a name fragment (`List_Product`, `Scoped_Product`): how generic instantiations
/// are named in the document, and by the other generators that must agree with it.
pub fn ty_name(spec: &Spec, ty: &Ty) -> String {
    let app = |head: &str, args: &[&Ty]| {
        let mut s = head.to_string();
        for a in args {
            s.push('_');
            s.push_str(&ty_name(spec, a));
        }
        s
    };
    match ty {
        Ty::Int => "Int".into(),
        Ty::Decimal => "Decimal".into(),
        Ty::Bool => "Bool".into(),
        Ty::String => "String".into(),
        Ty::Unit => "Unit".into(),
        Ty::Void => "Void".into(),
        Ty::Option(t) => app("Option", &[t]),
        Ty::Result(a, b) => app("Result", &[a, b]),
        Ty::List(t) => app("List", &[t]),
        Ty::Set(t) => app("Set", &[t]),
        Ty::Map(a, b) => app("Map", &[a, b]),
        Ty::Fn(a, b) => app("Fn", &[a, b]),
        Ty::Named { id, args } => schema_name(spec, *id, args),
        Ty::Machine(m) => spec.machines.get(m.index()).map_or_else(|| "Machine".into(), |m| m.name.clone()),
        Ty::ErrorType(e) => spec.errors.get(e.index()).map_or_else(|| "Error".into(), |e| e.name.clone()),
        Ty::Param(i) => format!("T{i}"),
        Ty::Error => "Error".into(),
    }
}

/// Every type that gets a schema, by schema name: the non-generic types, and the
/// instantiations of generic types reachable from them, the errors and the operations.
pub fn schema_types(spec: &Spec) -> BTreeMap<String, (TypeId, Vec<Ty>)> {
    let mut out = BTreeMap::new();
    let mut todo: Vec<Ty> = Vec::new();
    for (i, def) in spec.types.iter().enumerate() {
        if def.params.is_empty() {
            todo.push(Ty::Named { id: TypeId(i as u32), args: Vec::new() });
        }
    }
    for e in &spec.errors {
        todo.extend(e.fields.iter().map(|f| f.ty.clone()));
    }
    for s in &spec.services {
        for op in &s.ops {
            todo.extend(op.params.iter().map(|p| p.ty.clone()));
            todo.push(op.result.clone());
        }
    }
    while let Some(ty) = todo.pop() {
        match ty {
            Ty::Option(t) | Ty::List(t) | Ty::Set(t) => todo.push(*t),
            Ty::Result(a, b) | Ty::Map(a, b) | Ty::Fn(a, b) => {
                todo.push(*a);
                todo.push(*b);
            }
            Ty::Named { id, args } => {
                let name = schema_name(spec, id, &args);
                if out.contains_key(&name)
                    || args.iter().any(Ty::contains_param)
                    || spec.types.get(id.index()).is_none()
                {
                    continue;
                }
                todo.extend(spec.component_types(id, &args));
                todo.extend(args.iter().cloned());
                out.insert(name, (id, args));
            }
            _ => {}
        }
    }
    out
}

// ---------------------------------------------------------------- schemas

/// The reference to a component schema.
pub fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// The schema of a type in a field, parameter or result position.
fn ty_schema(spec: &Spec, ty: &Ty) -> Value {
    match ty {
        Ty::Int => json!({ "type": "integer", "format": "int64" }),
        Ty::Decimal => json!({ "type": "number", "format": "decimal" }),
        Ty::Bool => json!({ "type": "boolean" }),
        Ty::String => json!({ "type": "string" }),
        Ty::Unit => json!({ "type": "null" }),
        Ty::Void => json!({ "not": {} }),
        Ty::Option(t) => json!({ "oneOf": [ty_schema(spec, t), { "type": "null" }] }),
        Ty::Result(a, b) => json!({ "oneOf": [
            {
                "type": "object",
                "properties": { "kind": { "const": "Ok" }, "value": ty_schema(spec, a) },
                "required": ["kind", "value"],
            },
            {
                "type": "object",
                "properties": { "kind": { "const": "Err" }, "error": ty_schema(spec, b) },
                "required": ["kind", "error"],
            },
        ] }),
        Ty::List(t) => json!({ "type": "array", "items": ty_schema(spec, t) }),
        Ty::Set(t) => json!({ "type": "array", "items": ty_schema(spec, t), "uniqueItems": true }),
        Ty::Map(k, v) => {
            let mut m = json!({ "type": "object", "additionalProperties": ty_schema(spec, v) });
            if !matches!(spec.head(k).as_ref(), Ty::String) {
                m["x-leanos-key"] = ty_schema(spec, k);
            }
            if let Some(names) = key_names(spec, k) {
                m["propertyNames"] = names;
            }
            m
        }
        Ty::Fn(..) => json!({ "x-leanos-type": spec.display_ty(ty, &[]) }),
        Ty::Named { id, args } => schema_ref(&schema_name(spec, *id, args)),
        Ty::Machine(m) => json!({
            "type": "string",
            "x-leanos-machine": spec.machines.get(m.index()).map_or("?", |m| m.name.as_str()),
        }),
        Ty::ErrorType(e) => schema_ref(spec.errors.get(e.index()).map_or("?", |e| e.name.as_str())),
        Ty::Param(_) | Ty::Error => json!({}),
    }
}

/// The JSON text of an integer map key, as the generated services write it (`str(n)`).
pub const INT_KEY_PATTERN: &str = "^-?(0|[1-9][0-9]*)$";

/// The `propertyNames` schema of a map whose keys have type `k`: the JSON object key is the
/// key's text. `None` for `String` (any name) and for key types without a text form.
pub(crate) fn key_names(spec: &Spec, k: &Ty) -> Option<Value> {
    if matches!(k, Ty::String) {
        return None;
    }
    match spec.head(k).as_ref() {
        // A string alias (its refinement applies to the name) or a string enum: its schema.
        Ty::String => Some(ty_schema(spec, k)),
        Ty::Named { id, .. }
            if spec
                .types
                .get(id.index())
                .is_some_and(|d| matches!(&d.body, TypeBody::Sum(vs) if vs.iter().all(|v| v.payload.is_none()))) =>
        {
            Some(ty_schema(spec, k))
        }
        Ty::Int => Some(json!({ "type": "string", "pattern": INT_KEY_PATTERN })),
        Ty::Bool => Some(json!({ "type": "string", "enum": ["true", "false"] })),
        Ty::Machine(_) => Some(json!({ "type": "string" })),
        _ => None,
    }
}

/// The type a field's schema describes: `T` for an `Option<T>` field.
fn field_base(ty: &Ty) -> &Ty {
    match ty {
        Ty::Option(t) => t,
        t => t,
    }
}

/// Adds refinement constraints to a base schema: merged when the base is inline, wrapped in
/// `allOf` when it is a reference.
fn constrain(mut base: Value, constraints: Map<String, Value>) -> Value {
    if constraints.is_empty() {
        return base;
    }
    if base.get("$ref").is_some() {
        let mut m = Map::new();
        m.insert("allOf".into(), Value::Array(vec![base]));
        m.extend(constraints);
        return Value::Object(m);
    }
    if let Value::Object(m) = &mut base {
        m.extend(constraints);
    }
    base
}

fn fields_object(spec: &Spec, fields: &[FieldDef], args: &[Ty], extra: Option<(&str, Value)>) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    if let Some((k, v)) = extra {
        props.insert(k.to_string(), v);
        required.push(Value::String(k.to_string()));
    }
    for f in fields {
        let ty = f.ty.subst(args);
        if !matches!(ty, Ty::Option(_)) {
            required.push(Value::String(f.name.clone()));
        }
        let base = field_base(&ty);
        let constraints = refinement_constraints(spec, base, f.refinement.as_ref());
        let mut schema = constrain(ty_schema(spec, base), constraints);
        if matches!(ty, Ty::Option(_)) {
            // An `Option` field may be absent or `null`, which mean the same: no value.
            schema = json!({ "oneOf": [schema, { "type": "null" }] });
        }
        if !f.docs.is_empty() {
            schema["description"] = Value::String(doc_text(&f.docs));
        }
        props.insert(f.name.clone(), schema);
    }
    json!({ "type": "object", "properties": props, "required": required, "additionalProperties": false })
}

fn type_schema(spec: &Spec, def: &TypeDef, args: &[Ty]) -> Value {
    let mut schema = match &def.body {
        TypeBody::Record(fields) => {
            let mut s = fields_object(spec, fields, args, None);
            if let Some(r) = &def.refinement {
                s["x-leanos-refinement"] = Value::String(refinement_text(spec, r));
            }
            s
        }
        TypeBody::Sum(variants) => {
            let mut s = if variants.iter().all(|v| v.payload.is_none()) {
                json!({ "type": "string", "enum": variants.iter().map(|v| v.name.clone()).collect::<Vec<_>>() })
            } else {
                let one_of: Vec<Value> = variants
                    .iter()
                    .map(|v| {
                        let kind = json!({ "const": v.name });
                        fields_object(spec, v.payload.as_deref().unwrap_or(&[]), args, Some(("kind", kind)))
                    })
                    .collect();
                json!({ "oneOf": one_of })
            };
            if let Some(r) = &def.refinement {
                s["x-leanos-refinement"] = Value::String(refinement_text(spec, r));
            }
            s
        }
        TypeBody::Alias(t) => {
            let base = t.subst(args);
            let constraints = refinement_constraints(spec, &base, def.refinement.as_ref());
            constrain(ty_schema(spec, &base), constraints)
        }
    };
    if !def.docs.is_empty() {
        schema["description"] = Value::String(doc_text(&def.docs));
    }
    schema
}

fn error_schema(spec: &Spec, e: &lp_ir::ErrorDef) -> Value {
    // The payload part stays open: under `allOf` every part sees the whole problem document,
    // so `additionalProperties: false` here would reject the problem members themselves.
    let mut payload = fields_object(spec, &e.fields, &[], None);
    if let Value::Object(m) = &mut payload {
        m.remove("additionalProperties");
    }
    // An error without fields is the problem document alone: an empty payload part would be
    // an object with no properties, which TypeScript generators read as "no members at all".
    let parts = if e.fields.is_empty() {
        json!([schema_ref(PROBLEM_DETAILS)])
    } else {
        json!([schema_ref(PROBLEM_DETAILS), payload])
    };
    let mut s = json!({
        "allOf": parts,
        "x-leanos-status": e.status,
    });
    if !e.docs.is_empty() {
        s["description"] = Value::String(doc_text(&e.docs));
    }
    s
}

// ---------------------------------------------------------------- refinements

fn refinement_text(spec: &Spec, e: &Expr) -> String {
    expr_text(spec, ExprNames::default(), e)
}

/// What a refinement's `self` is measured by in a bound.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Measure {
    Value,
    Len,
}

fn conjuncts<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::Binary { op: BinOp::And, lhs, rhs } => {
            conjuncts(lhs, out);
            conjuncts(rhs, out);
        }
        _ => out.push(e),
    }
}

fn int_lit(e: &Expr) -> Option<i64> {
    match &e.kind {
        ExprKind::Int(n) => Some(*n),
        ExprKind::Unary { op: UnOp::Neg, operand } => int_lit(operand).and_then(i64::checked_neg),
        _ => None,
    }
}

fn decimal_lit(e: &Expr) -> Option<lp_ir::decimal::Decimal> {
    match &e.kind {
        ExprKind::Decimal(d) => Some(*d),
        ExprKind::Unary { op: UnOp::Neg, operand } => decimal_lit(operand).and_then(lp_ir::decimal::neg),
        _ => None,
    }
}

/// A decimal bound `self OP k` (or `k OP self`) as JSON Schema keywords, when a JSON number
/// holds `k` exactly.
fn decimal_keywords(op: BinOp, lhs: &Expr, rhs: &Expr) -> Option<Vec<(&'static str, Value)>> {
    let (op, k) = match (&lhs.kind, decimal_lit(rhs), &rhs.kind, decimal_lit(lhs)) {
        (ExprKind::SelfValue, Some(k), _, _) => (op, k),
        (_, _, ExprKind::SelfValue, Some(k)) => (
            match op {
                BinOp::Lt => BinOp::Gt,
                BinOp::Le => BinOp::Ge,
                BinOp::Gt => BinOp::Lt,
                BinOp::Ge => BinOp::Le,
                other => other,
            },
            k,
        ),
        _ => return None,
    };
    let n = Value::Number(serde_json::Number::from_f64(lp_ir::decimal::to_f64_exact(k)?)?);
    match op {
        BinOp::Ge => Some(vec![("minimum", n)]),
        BinOp::Gt => Some(vec![("exclusiveMinimum", n)]),
        BinOp::Le => Some(vec![("maximum", n)]),
        BinOp::Lt => Some(vec![("exclusiveMaximum", n)]),
        BinOp::Eq => Some(vec![("minimum", n.clone()), ("maximum", n)]),
        _ => None,
    }
}

fn measure(e: &Expr) -> Option<Measure> {
    match &e.kind {
        ExprKind::SelfValue => Some(Measure::Value),
        ExprKind::Builtin { builtin: Builtin::Len, args } if args.len() == 1 => {
            matches!(args[0].kind, ExprKind::SelfValue).then_some(Measure::Len)
        }
        _ => None,
    }
}

/// The JSON Schema keywords for a length bound on a value of type `ty`.
fn len_keywords(spec: &Spec, ty: &Ty) -> Option<(&'static str, &'static str)> {
    match spec.head(ty).as_ref() {
        Ty::String => Some(("minLength", "maxLength")),
        Ty::List(_) | Ty::Set(_) => Some(("minItems", "maxItems")),
        Ty::Map(..) => Some(("minProperties", "maxProperties")),
        _ => None,
    }
}

/// Translates one conjunct into keywords; `None` when it cannot be expressed.
fn conjunct_keywords(spec: &Spec, ty: &Ty, e: &Expr) -> Option<Vec<(&'static str, Value)>> {
    if let ExprKind::Builtin { builtin: Builtin::Matches, args } = &e.kind {
        if let [s, re] = args.as_slice()
            && matches!(s.kind, ExprKind::SelfValue)
            && let ExprKind::Str(re) = &re.kind
            && matches!(spec.head(ty).as_ref(), Ty::String)
        {
            return Some(vec![("pattern", Value::String(re.clone()))]);
        }
        return None;
    }
    let ExprKind::Binary { op, lhs, rhs } = &e.kind else { return None };
    if matches!(spec.head(ty).as_ref(), Ty::Decimal) {
        return decimal_keywords(*op, lhs, rhs);
    }
    // Normalise to `measure OP n`.
    let (m, op, n) = match (measure(lhs), int_lit(rhs), measure(rhs), int_lit(lhs)) {
        (Some(m), Some(n), _, _) => (m, *op, n),
        (_, _, Some(m), Some(n)) => {
            let flipped = match op {
                BinOp::Lt => BinOp::Gt,
                BinOp::Le => BinOp::Ge,
                BinOp::Gt => BinOp::Lt,
                BinOp::Ge => BinOp::Le,
                other => *other,
            };
            (m, flipped, n)
        }
        _ => return None,
    };
    match m {
        Measure::Value => {
            if !matches!(spec.head(ty).as_ref(), Ty::Int) {
                return None;
            }
            match op {
                BinOp::Ge => Some(vec![("minimum", json!(n))]),
                BinOp::Gt => Some(vec![("exclusiveMinimum", json!(n))]),
                BinOp::Le => Some(vec![("maximum", json!(n))]),
                BinOp::Lt => Some(vec![("exclusiveMaximum", json!(n))]),
                BinOp::Eq => Some(vec![("minimum", json!(n)), ("maximum", json!(n))]),
                _ => None,
            }
        }
        Measure::Len => {
            let (min, max) = len_keywords(spec, ty)?;
            let (lo, hi) = match op {
                BinOp::Ge => (Some(n), None),
                BinOp::Gt => (Some(n.checked_add(1)?), None),
                BinOp::Le => (None, Some(n)),
                BinOp::Lt => (None, Some(n.checked_sub(1)?)),
                BinOp::Eq => (Some(n), Some(n)),
                _ => return None,
            };
            let mut out = Vec::new();
            if let Some(lo) = lo {
                out.push((min, json!(lo.max(0))));
            }
            if let Some(hi) = hi {
                if hi < 0 {
                    return None;
                }
                out.push((max, json!(hi)));
            }
            Some(out)
        }
    }
}

/// The JSON Schema constraints of a refinement of a value of type `ty`: the translated
/// bounds, plus `x-leanos-refinement` with the spec text when any part cannot be expressed.
pub fn refinement_constraints(spec: &Spec, ty: &Ty, refinement: Option<&Expr>) -> Map<String, Value> {
    let mut out = Map::new();
    let Some(r) = refinement else { return out };
    let mut parts = Vec::new();
    conjuncts(r, &mut parts);
    let mut exact = true;
    for part in parts {
        match conjunct_keywords(spec, ty, part) {
            Some(kws) if kws.iter().all(|(k, _)| !out.contains_key(*k)) => {
                for (k, v) in kws {
                    out.insert(k.to_string(), v);
                }
            }
            _ => exact = false,
        }
    }
    if !exact {
        out.insert("x-leanos-refinement".into(), Value::String(refinement_text(spec, r)));
    }
    out
}

// ---------------------------------------------------------------- operations

fn method_name(m: HttpMethod) -> &'static str {
    match m {
        HttpMethod::Get => "get",
        HttpMethod::Post => "post",
        HttpMethod::Put => "put",
        HttpMethod::Patch => "patch",
        HttpMethod::Delete => "delete",
    }
}

/// The path and (lower-case) method of an operation.
pub fn route(spec: &Spec, r: OpRef) -> (String, &'static str) {
    let Some(service) = spec.services.get(r.service.index()) else { return ("/".into(), "post") };
    let Some(op) = service.ops.get(r.op.index()) else { return ("/".into(), "post") };
    match &op.http {
        Some(http) => {
            let mut path = String::new();
            for seg in &http.segments {
                path.push('/');
                match seg {
                    PathSeg::Literal(s) => path.push_str(s),
                    PathSeg::Param { names, suffix, .. } => {
                        path.push('{');
                        path.push_str(&names.join("."));
                        path.push('}');
                        path.push_str(suffix);
                    }
                }
            }
            if path.is_empty() {
                path.push('/');
            }
            (path, method_name(http.method))
        }
        None => (format!("/{}/{}", service.name, op.name), "post"),
    }
}

/// The success status of an operation.
pub fn success_status(op: &Op) -> &'static str {
    if matches!(op.result, Ty::Unit) {
        "204"
    } else if matches!(op.http.as_ref().map(|h| h.method), Some(HttpMethod::Post)) {
        "201"
    } else {
        "200"
    }
}

/// The path parameters of an operation: name as written and the type it reads.
pub(crate) fn path_params(spec: &Spec, op: &Op) -> Vec<(String, Ty)> {
    let mut out = Vec::new();
    let Some(http) = &op.http else { return out };
    for seg in &http.segments {
        if let PathSeg::Param { param, fields, names, .. } = seg {
            let Some(p) = op.params.get(*param as usize) else { continue };
            let mut ty = p.ty.clone();
            for f in fields {
                let next =
                    spec.record_fields(&ty).and_then(|(fs, args)| fs.get(*f as usize).map(|fd| fd.ty.subst(&args)));
                ty = next.unwrap_or(Ty::Error);
            }
            out.push((names.join("."), ty));
        }
    }
    out
}

/// Whether the `standards` auth applies to an operation.
pub(crate) fn secured(spec: &Spec, r: OpRef) -> Option<Vec<String>> {
    let auth = spec.standards.auth.as_ref()?;
    if auth.except.iter().any(|e| e.ops.contains(&r)) {
        return None;
    }
    let mut scopes = Vec::new();
    for (k, v) in &auth.args {
        if k == "scopes"
            && let SettingValueKind::List(items) = &v.kind
        {
            for i in items {
                if let SettingValueKind::Str(s) = &i.kind {
                    scopes.push(s.clone());
                }
            }
        }
    }
    Some(scopes)
}

fn security_scheme(spec: &Spec) -> Option<Value> {
    let auth = spec.standards.auth.as_ref()?;
    Some(if auth.scheme == "bearer" {
        json!({ "type": "http", "scheme": "bearer" })
    } else {
        json!({ "type": "http", "scheme": auth.scheme })
    })
}

/// The extension that marks a response the generated service's runtime gives (its value says
/// which), as opposed to the spec's declared errors.
pub const RUNTIME_MARK: &str = "x-leanos-runtime";

/// An error response every generated service gives for an operation, besides its declared
/// errors: a problem document (`ProblemDetails`) with this status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeResponse {
    pub status: u16,
    /// The value of [`RUNTIME_MARK`].
    pub kind: &'static str,
    pub description: &'static str,
}

/// The runtime error responses of an operation, by status: what the generated FastAPI service
/// (`fastapi/runtime.py`) answers. 400 when the request body cannot be read (FastAPI's body
/// parsing), 422 when a parameter or the body is outside the spec's types, 401 without a known
/// bearer token and 403 when the token lacks a scope (secured operations; 403 only when scopes
/// are required), 409 when the fired event is not enabled in the resource's state (or, for a
/// body that writes, when a concurrent request changed what it read), and for a compiled body 501 when
/// it reaches an external function and 502/503 when it calls another service.
pub fn runtime_responses(spec: &Spec, r: OpRef, op: &Op) -> Vec<RuntimeResponse> {
    let mut out = Vec::new();
    let rt = |status, kind, description| RuntimeResponse { status, kind, description };
    if op.params.iter().any(|p| p.body) {
        out.push(rt(400, "unreadable-body", "The request body cannot be read."));
    }
    if let Some(scopes) = secured(spec, r) {
        out.push(rt(401, "unauthorized", "No bearer token, or an unknown one."));
        if !scopes.is_empty() {
            out.push(rt(403, "forbidden", "The bearer token lacks a required scope."));
        }
    }
    let fx = op.body.as_ref().map(lp_ir::effects::of_body);
    if op.fires.is_some() {
        out.push(rt(409, "illegal-transition", "The event is not enabled in the resource's state."));
    } else if fx.as_ref().is_some_and(lp_ir::effects::OpEffects::changes_store) {
        out.push(rt(409, "concurrent-update", "A concurrent request changed what the body read; retry."));
    }
    if !op.params.is_empty() {
        out.push(rt(422, "validation", "The request is outside the spec's types."));
    }
    if op.body.as_ref().is_some_and(|b| !externals_reached(spec, b).is_empty()) {
        out.push(rt(
            501,
            "not-implemented",
            "An external function of the body has no implementation (`LEANOS_LOGIC`).",
        ));
    }
    if fx.as_ref().is_some_and(|fx| !fx.calls.is_empty()) {
        out.push(rt(502, "dependency-failed", "A service the body calls answered outside its API."));
        out.push(rt(503, "dependency-unavailable", "A service the body calls is not configured or unreachable."));
    }
    out
}

/// The external functions (those without a body) that an operation body reaches, directly or
/// through the spec functions it calls, in declaration order: the hand-written seam, which
/// answers 501 until `LEANOS_LOGIC` implements it.
pub fn externals_reached(spec: &Spec, body: &lp_ir::body::Block) -> Vec<lp_ir::FnId> {
    let mut seen = vec![false; spec.fns.len()];
    let mut todo: Vec<lp_ir::FnId> = lp_ir::effects::of_body(body).fns;
    while let Some(f) = todo.pop() {
        let Some(def) = spec.fns.get(f.index()) else { continue };
        if std::mem::replace(&mut seen[f.index()], true) {
            continue;
        }
        if let Some(b) = &def.body {
            lp_ir::expr::walk(b, &mut |x| {
                if let lp_ir::ExprKind::Call { func, .. } = &x.kind {
                    todo.push(*func);
                }
            });
        }
    }
    (0..spec.fns.len()).filter(|i| seen[*i] && spec.fns[*i].body.is_none()).map(|i| lp_ir::FnId(i as u32)).collect()
}

fn operation(spec: &Spec, r: OpRef, op: &Op) -> Value {
    let service = spec.services.get(r.service.index()).map_or("?", |s| s.name.as_str());
    let mut o = Map::new();
    o.insert("operationId".into(), Value::String(format!("{service}.{}", op.name)));
    o.insert("tags".into(), json!([service]));
    if !op.docs.is_empty() {
        o.insert("description".into(), Value::String(doc_text(&op.docs)));
    }
    let mut params = Vec::new();
    let in_path = path_params(spec, op);
    for (name, ty) in &in_path {
        params.push(json!({ "name": name, "in": "path", "required": true, "schema": ty_schema(spec, ty) }));
    }
    let path_roots: BTreeSet<&str> = in_path.iter().filter_map(|(n, _)| n.split('.').next()).collect();
    let mut body = None;
    for p in &op.params {
        if p.body {
            body = Some(p);
            continue;
        }
        if path_roots.contains(p.name.as_str()) {
            continue;
        }
        let required = !matches!(p.ty, Ty::Option(_));
        params.push(json!({
            "name": p.name,
            "in": "query",
            "required": required,
            "schema": ty_schema(spec, field_base(&p.ty)),
        }));
    }
    if !params.is_empty() {
        o.insert("parameters".into(), Value::Array(params));
    }
    if let Some(b) = body {
        // An `Option` body may be left out of the request.
        let required = !matches!(b.ty, Ty::Option(_));
        o.insert(
            "requestBody".into(),
            json!({ "required": required, "content": { "application/json": { "schema": ty_schema(spec, &b.ty) } } }),
        );
    }
    let mut responses = Map::new();
    let status = success_status(op);
    if status == "204" {
        responses.insert(status.into(), json!({ "description": "Success." }));
    } else {
        responses.insert(
            status.into(),
            json!({ "description": "Success.", "content": { "application/json": { "schema": ty_schema(spec, &op.result) } } }),
        );
    }
    let mut by_status: BTreeMap<u16, Vec<&str>> = BTreeMap::new();
    for e in &op.errors {
        if let Some(def) = spec.errors.get(e.error.index()) {
            by_status.entry(def.status).or_default().push(&def.name);
        }
    }
    let runtime: BTreeMap<u16, RuntimeResponse> =
        runtime_responses(spec, r, op).into_iter().map(|x| (x.status, x)).collect();
    let statuses: BTreeSet<u16> = by_status.keys().chain(runtime.keys()).copied().collect();
    for status in statuses {
        let names = by_status.get(&status).map(Vec::as_slice).unwrap_or_default();
        let declared = match names {
            [] => None,
            [one] => Some(schema_ref(one)),
            _ => Some(json!({ "oneOf": names.iter().map(|n| schema_ref(n)).collect::<Vec<_>>() })),
        };
        let mut description: Vec<&str> = names.to_vec();
        let mut response = Map::new();
        let schema = match (declared, runtime.get(&status)) {
            (Some(declared), None) => declared,
            (declared, Some(rt)) => {
                description.push(rt.description);
                response.insert(RUNTIME_MARK.into(), Value::String(rt.kind.into()));
                match declared {
                    // The spec's errors or the runtime's problem: both can answer this status.
                    Some(declared) => json!({ "anyOf": [declared, schema_ref(PROBLEM_DETAILS)] }),
                    None => schema_ref(PROBLEM_DETAILS),
                }
            }
            (None, None) => continue,
        };
        response.insert("description".into(), Value::String(description.join(" | ")));
        response.insert("content".into(), json!({ "application/problem+json": { "schema": schema } }));
        responses.insert(status.to_string(), Value::Object(response));
    }
    o.insert("responses".into(), Value::Object(responses));
    if let Some(f) = &op.fires
        && let Some(m) = spec.machines.get(f.machine.index())
        && let Some(ev) = m.events.get(f.event.index())
    {
        o.insert("x-leanos-fires".into(), Value::String(format!("{}.{}", m.name, ev.name)));
    }
    if op.http.is_none() {
        o.insert("x-leanos-synthesized".into(), Value::Bool(true));
    }
    if spec.standards.auth.is_some() {
        let security = match secured(spec, r) {
            Some(scopes) => json!([{ AUTH_SCHEME: scopes }]),
            None => json!([]),
        };
        o.insert("security".into(), security);
    }
    Value::Object(o)
}

// ---------------------------------------------------------------- translation validation

mod read_back;
pub use read_back::{Mismatch, read_back};
