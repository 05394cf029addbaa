//! Translation validation: reads an emitted OpenAPI document back, walking only the JSON,
//! and checks it against the IR.
//!
//! The expected shape of every schema is derived from the IR types here (field names and
//! optionality, variant names, base types, status codes); the generator's schema builders are
//! not used. Two conventions are shared with the generator because they define the document
//! rather than translate it: schema names ([`super::schema_name`], [`super::schema_types`])
//! and routes ([`super::route`]); the expected refinement bounds come from
//! [`super::refinement_constraints`], the one definition of which bounds are expressible.

use super::{AUTH_SCHEME, refinement_constraints, route, schema_name, schema_types, success_status};
use lp_ir::{FieldDef, Op, OpRef, Spec, Ty, TypeBody};
use serde_json::Value;
use std::collections::BTreeSet;

/// One difference between the document and the IR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The schema or operation (`schemas.Order`, `orders.get_order`).
    pub item: String,
    pub message: String,
}

/// The constraint keywords a refinement can produce.
const CONSTRAINT_KEYS: &[&str] = &[
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "pattern",
    "x-leanos-refinement",
];

struct Reader<'a> {
    spec: &'a Spec,
    out: Vec<Mismatch>,
}

/// Every difference between `doc` and what the IR says it must describe.
pub fn read_back(doc: &Value, spec: &Spec) -> Vec<Mismatch> {
    let mut r = Reader { spec, out: Vec::new() };
    if doc.get("openapi").and_then(Value::as_str) != Some("3.1.0") {
        r.fail("document", "`openapi` is not `3.1.0`".into());
    }
    let schemas = doc.pointer("/components/schemas");
    for (name, (id, args)) in schema_types(spec) {
        let item = format!("schemas.{name}");
        let Some(schema) = schemas.and_then(|s| s.get(&name)) else {
            r.fail(&item, "no schema".into());
            continue;
        };
        let Some(def) = spec.types.get(id.index()) else { continue };
        match &def.body {
            TypeBody::Record(fields) => {
                r.object(&item, schema, fields, &args, None);
                r.constraints(&item, schema, &Ty::Error, def.refinement.as_ref(), true);
            }
            TypeBody::Sum(variants) => {
                if variants.iter().all(|v| v.payload.is_none()) {
                    let names: Vec<&str> = variants.iter().map(|v| v.name.as_str()).collect();
                    let found: Vec<&str> = schema
                        .get("enum")
                        .and_then(Value::as_array)
                        .map(|a| a.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    if found != names {
                        r.fail(&item, format!("enum is {found:?}, the variants are {names:?}"));
                    }
                } else {
                    let one_of = schema.get("oneOf").and_then(Value::as_array).cloned().unwrap_or_default();
                    if one_of.len() != variants.len() {
                        r.fail(&item, format!("{} alternatives for {} variants", one_of.len(), variants.len()));
                    }
                    for (v, alt) in variants.iter().zip(&one_of) {
                        let vitem = format!("{item}.{}", v.name);
                        if alt.pointer("/properties/kind/const").and_then(Value::as_str) != Some(v.name.as_str()) {
                            r.fail(&vitem, "the `kind` property is not this variant's name".into());
                        }
                        r.object(&vitem, alt, v.payload.as_deref().unwrap_or(&[]), &args, Some("kind"));
                    }
                }
                r.constraints(&item, schema, &Ty::Error, def.refinement.as_ref(), true);
            }
            TypeBody::Alias(t) => {
                let base = t.subst(&args);
                r.ty(&item, schema, &base);
                r.constraints(&item, schema, &base, def.refinement.as_ref(), false);
            }
        }
    }
    for e in &spec.errors {
        let item = format!("schemas.{}", e.name);
        let Some(schema) = schemas.and_then(|s| s.get(&e.name)) else {
            r.fail(&item, "no schema".into());
            continue;
        };
        if schema.get("x-leanos-status").and_then(Value::as_u64) != Some(u64::from(e.status)) {
            r.fail(&item, format!("`x-leanos-status` is not {}", e.status));
        }
        match schema.pointer("/allOf/1") {
            Some(payload) => r.object(&item, payload, &e.fields, &[], None),
            None => r.fail(&item, "no payload object in `allOf`".into()),
        }
    }
    for (s, service) in spec.services.iter().enumerate() {
        for (o, op) in service.ops.iter().enumerate() {
            let opref = OpRef { service: lp_ir::ServiceId(s as u32), op: lp_ir::OpId(o as u32) };
            r.operation(doc, opref, &format!("{}.{}", service.name, op.name), op);
        }
    }
    r.out
}

impl Reader<'_> {
    fn fail(&mut self, item: &str, message: String) {
        self.out.push(Mismatch { item: item.to_string(), message });
    }

    /// A record (or variant payload, or error payload) object.
    fn object(&mut self, item: &str, schema: &Value, fields: &[FieldDef], args: &[Ty], extra: Option<&str>) {
        if schema.get("type").and_then(Value::as_str) != Some("object") {
            self.fail(item, "not an object".into());
        }
        let props = schema.get("properties").and_then(Value::as_object);
        let found: BTreeSet<&str> = props.map(|p| p.keys().map(String::as_str).collect()).unwrap_or_default();
        let mut expected: BTreeSet<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        expected.extend(extra);
        if found != expected {
            self.fail(item, format!("properties are {found:?}, the fields are {expected:?}"));
        }
        let required: BTreeSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut want: BTreeSet<&str> =
            fields.iter().filter(|f| !matches!(f.ty, Ty::Option(_))).map(|f| f.name.as_str()).collect();
        want.extend(extra);
        if required != want {
            self.fail(item, format!("required is {required:?}, the non-optional fields are {want:?}"));
        }
        for f in fields {
            let Some(p) = props.and_then(|p| p.get(&f.name)) else { continue };
            let fitem = format!("{item}.{}", f.name);
            let ty = f.ty.subst(args);
            let base = match ty {
                Ty::Option(t) => *t,
                t => t,
            };
            self.ty(&fitem, p, &base);
            self.constraints(&fitem, p, &base, f.refinement.as_ref(), false);
        }
    }

    /// Checks that `schema` describes a value of type `ty` (looking through `allOf` wrappers).
    fn ty(&mut self, item: &str, schema: &Value, ty: &Ty) {
        let schema = match (schema.get("$ref"), schema.pointer("/allOf/0")) {
            (None, Some(inner)) => inner,
            _ => schema,
        };
        let ty_kw = schema.get("type").and_then(Value::as_str);
        let expect_type = |t: &str| ty_kw == Some(t);
        let ok = match ty {
            Ty::Int => expect_type("integer"),
            Ty::Bool => expect_type("boolean"),
            Ty::String | Ty::Machine(_) => expect_type("string"),
            Ty::Unit => expect_type("null"),
            Ty::List(t) | Ty::Set(t) => {
                if let Some(items) = schema.get("items") {
                    self.ty(&format!("{item}[]"), items, t);
                }
                expect_type("array")
                    && schema.get("items").is_some()
                    && (!matches!(ty, Ty::Set(_)) || schema.get("uniqueItems") == Some(&Value::Bool(true)))
            }
            Ty::Map(_, v) => {
                if let Some(values) = schema.get("additionalProperties") {
                    self.ty(&format!("{item}{{}}"), values, v);
                }
                expect_type("object")
            }
            Ty::Option(t) => match schema.pointer("/oneOf/0") {
                Some(inner) => {
                    self.ty(item, inner, t);
                    schema.pointer("/oneOf/1/type").and_then(Value::as_str) == Some("null")
                }
                None => false,
            },
            Ty::Named { id, args } => {
                let want = format!("#/components/schemas/{}", schema_name(self.spec, *id, args));
                schema.get("$ref").and_then(Value::as_str) == Some(want.as_str())
            }
            Ty::ErrorType(e) => {
                let name = self.spec.errors.get(e.index()).map_or("?", |e| e.name.as_str());
                let want = format!("#/components/schemas/{name}");
                schema.get("$ref").and_then(Value::as_str) == Some(want.as_str())
            }
            Ty::Result(..) => schema.get("oneOf").and_then(Value::as_array).is_some_and(|a| a.len() == 2),
            Ty::Void | Ty::Fn(..) | Ty::Param(_) | Ty::Error => true,
        };
        if !ok {
            let shown = self.spec.display_ty(ty, &[]);
            self.fail(item, format!("the schema does not describe `{shown}`"));
        }
    }

    /// Checks that the constraint keywords are exactly the translated refinement.
    fn constraints(&mut self, item: &str, schema: &Value, ty: &Ty, r: Option<&lp_ir::Expr>, whole: bool) {
        let expected = if whole {
            // A record's or sum's own refinement is only ever kept as text.
            let mut m = serde_json::Map::new();
            if let Some(r) = r {
                let text = lp_ir::text::expr_text(self.spec, lp_ir::text::ExprNames::default(), r);
                m.insert("x-leanos-refinement".into(), Value::String(text));
            }
            m
        } else {
            refinement_constraints(self.spec, ty, r)
        };
        for key in CONSTRAINT_KEYS {
            let found = schema.get(*key);
            let want = expected.get(*key);
            if found != want {
                let show = |v: Option<&Value>| v.map_or_else(|| "absent".to_string(), Value::to_string);
                self.fail(item, format!("`{key}` is {}, the refinement says {}", show(found), show(want)));
            }
        }
    }

    fn operation(&mut self, doc: &Value, r: OpRef, item: &str, op: &Op) {
        let (path, method) = route(self.spec, r);
        let Some(o) = doc.get("paths").and_then(|p| p.get(&path)).and_then(|p| p.get(method)) else {
            self.fail(item, format!("no `{} {path}` operation", method.to_uppercase()));
            return;
        };
        if o.get("operationId").and_then(Value::as_str) != Some(item) {
            self.fail(item, format!("`{} {path}` has another operationId", method.to_uppercase()));
        }
        // Parameters: every route parameter in the path, every other non-body parameter in
        // the query.
        let mut want: BTreeSet<(String, &str)> = BTreeSet::new();
        let mut roots = BTreeSet::new();
        for seg in path.split('/') {
            if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                want.insert((name.to_string(), "path"));
                roots.insert(name.split('.').next().unwrap_or(name).to_string());
            }
        }
        for p in &op.params {
            if !p.body && !roots.contains(&p.name) {
                want.insert((p.name.clone(), "query"));
            }
        }
        let params = o.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
        let found: BTreeSet<(String, &str)> = params
            .iter()
            .filter_map(|p| {
                let name = p.get("name")?.as_str()?.to_string();
                let place = match p.get("in")?.as_str()? {
                    "path" => "path",
                    "query" => "query",
                    _ => "other",
                };
                Some((name, place))
            })
            .collect();
        if found != want {
            self.fail(item, format!("parameters are {found:?}, expected {want:?}"));
        }
        for p in &op.params {
            if p.body || roots.contains(&p.name) {
                continue;
            }
            let Some(schema) = params.iter().find(|q| q.get("name").and_then(Value::as_str) == Some(&p.name)) else {
                continue;
            };
            let base = match &p.ty {
                Ty::Option(t) => t.as_ref(),
                t => t,
            };
            if let Some(s) = schema.get("schema") {
                self.ty(&format!("{item}({})", p.name), s, base);
            }
        }
        let body = op.params.iter().find(|p| p.body);
        match (body, o.pointer("/requestBody/content/application~1json/schema")) {
            (Some(b), Some(s)) => self.ty(&format!("{item}(body {})", b.name), s, &b.ty),
            (Some(b), None) => self.fail(item, format!("no request body for `{}`", b.name)),
            (None, Some(_)) => self.fail(item, "a request body without a `body` parameter".into()),
            (None, None) => {}
        }
        let success = success_status(op);
        let mut want_codes: BTreeSet<String> = BTreeSet::from([success.to_string()]);
        for e in &op.errors {
            if let Some(def) = self.spec.errors.get(e.error.index()) {
                want_codes.insert(def.status.to_string());
                let pointer = format!("/responses/{}/content/application~1problem+json", def.status);
                if o.pointer(&pointer).is_none() {
                    self.fail(
                        item,
                        format!("the {} response of `{}` is not application/problem+json", def.status, def.name),
                    );
                }
            }
        }
        let codes: BTreeSet<String> =
            o.get("responses").and_then(Value::as_object).map(|m| m.keys().cloned().collect()).unwrap_or_default();
        if codes != want_codes {
            self.fail(item, format!("responses are {codes:?}, expected {want_codes:?}"));
        }
        if success != "204"
            && let Some(s) = o.pointer(&format!("/responses/{success}/content/application~1json/schema"))
        {
            self.ty(&format!("{item}(result)"), s, &op.result);
        }
        let fires = op.fires.as_ref().and_then(|f| {
            let m = self.spec.machines.get(f.machine.index())?;
            Some(format!("{}.{}", m.name, m.events.get(f.event.index())?.name))
        });
        if o.get("x-leanos-fires").and_then(Value::as_str) != fires.as_deref() {
            self.fail(item, format!("`x-leanos-fires` is not {}", fires.as_deref().unwrap_or("absent")));
        }
        if let Some(auth) = &self.spec.standards.auth {
            let exempt = auth.except.iter().any(|e| e.ops.contains(&r));
            let security = o.get("security").and_then(Value::as_array);
            let ok = match security {
                Some(list) if exempt => list.is_empty(),
                Some(list) => list.iter().any(|req| req.get(AUTH_SCHEME).is_some()),
                None => false,
            };
            if !ok {
                let what = if exempt { "exempt from auth" } else { "secured" };
                self.fail(item, format!("the operation is {what}, its `security` says otherwise"));
            }
        }
    }
}
