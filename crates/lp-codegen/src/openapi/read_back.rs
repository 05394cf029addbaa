//! Translation validation: reads an emitted OpenAPI document back, walking only the JSON,
//! and checks it against the IR.
//!
//! The expected shape of every schema is derived from the IR types here (field names and
//! optionality, variant names, base types, status codes); the generator's schema builders are
//! not used. Two conventions are shared with the generator because they define the document
//! rather than translate it: schema names ([`super::schema_name`], [`super::schema_types`])
//! and routes ([`super::route`]); the expected refinement bounds come from
//! [`super::refinement_constraints`], the one definition of which bounds are expressible.

use super::{
    AUTH_SCHEME, INT_KEY_PATTERN, RUNTIME_MARK, refinement_constraints, route, schema_name, schema_types,
    success_status,
};
use lp_ir::{FieldDef, Op, OpRef, SettingValueKind, Spec, Ty, TypeBody};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const PROBLEM_REF: &str = "#/components/schemas/ProblemDetails";

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
        if schema.pointer("/allOf/0/$ref").and_then(Value::as_str) != Some(PROBLEM_REF) {
            r.fail(&item, "`allOf` does not start with `ProblemDetails`".into());
        }
        match schema.pointer("/allOf/1") {
            Some(payload) => {
                r.object(&item, payload, &e.fields, &[], None);
                // Every `allOf` part sees the whole problem document: a closed payload part
                // would reject the problem members, so no response could match.
                if payload.get("additionalProperties").is_some() {
                    r.fail(&item, "the payload part of `allOf` constrains `additionalProperties`".into());
                }
            }
            None if e.fields.is_empty() => {}
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
            let (base, p) = match ty {
                // An `Option` field: absent, or `null`, or a value of its type.
                Ty::Option(t) => match (p.pointer("/oneOf/0"), p.pointer("/oneOf/1/type").and_then(Value::as_str)) {
                    (Some(inner), Some("null")) => (*t, inner),
                    _ => {
                        self.fail(&fitem, "an optional field's schema is not `oneOf [its type, null]`".into());
                        continue;
                    }
                },
                t => (t, p),
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
            Ty::Decimal => expect_type("number") && schema.get("format").and_then(Value::as_str) == Some("decimal"),
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
            Ty::Map(k, v) => {
                if let Some(values) = schema.get("additionalProperties") {
                    self.ty(&format!("{item}{{}}"), values, v);
                }
                self.key_names(item, schema.get("propertyNames"), k);
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

    /// Checks a map's `propertyNames` against its key type: the key's text must be what the
    /// names are constrained to.
    fn key_names(&mut self, item: &str, names: Option<&Value>, k: &Ty) {
        let item = format!("{item}(keys)");
        let head = self.spec.head(k);
        let string_valued = match head.as_ref() {
            Ty::String => !matches!(k, Ty::String),
            Ty::Named { id, .. } => self
                .spec
                .types
                .get(id.index())
                .is_some_and(|d| matches!(&d.body, TypeBody::Sum(vs) if vs.iter().all(|v| v.payload.is_none()))),
            _ => false,
        };
        let str_type = |n: &Value| n.get("type").and_then(Value::as_str) == Some("string");
        match (head.as_ref(), names) {
            _ if string_valued => match names {
                Some(n) => self.ty(&item, n, k),
                None => self.fail(&item, "no `propertyNames` for the key type".into()),
            },
            (Ty::Int, Some(n)) if str_type(n) && n.get("pattern").and_then(Value::as_str) == Some(INT_KEY_PATTERN) => {}
            (Ty::Bool, Some(n)) if str_type(n) && n.get("enum") == Some(&serde_json::json!(["true", "false"])) => {}
            (Ty::Machine(_), Some(n)) if str_type(n) => {}
            (Ty::Int | Ty::Bool | Ty::Machine(_), _) => {
                let shown = self.spec.display_ty(k, &[]);
                self.fail(&item, format!("`propertyNames` does not describe the text of `{shown}` keys"));
            }
            (Ty::String, Some(_)) => self.fail(&item, "`propertyNames` constrains `String` keys".into()),
            _ => {}
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

    /// The statuses the generated service answers for an operation besides its declared
    /// errors, derived from the IR: an unreadable body (400), an unknown token (401), a
    /// missing scope (403), an event not enabled (409), a request outside the types (422).
    fn runtime_statuses(&self, r: OpRef, op: &Op) -> BTreeMap<u16, &'static str> {
        let mut out = BTreeMap::new();
        if op.params.iter().any(|p| p.body) {
            out.insert(400, "an unreadable body");
        }
        if let Some(auth) = &self.spec.standards.auth
            && !auth.except.iter().any(|e| e.ops.contains(&r))
        {
            out.insert(401, "no known bearer token");
            let scoped = auth.args.iter().any(|(k, v)| {
                k == "scopes"
                    && matches!(&v.kind, SettingValueKind::List(items)
                        if items.iter().any(|i| matches!(i.kind, SettingValueKind::Str(_))))
            });
            if scoped {
                out.insert(403, "a missing scope");
            }
        }
        let fx = op.body.as_ref().map(lp_ir::effects::of_body);
        if op.fires.is_some() {
            out.insert(409, "an event not enabled");
        } else if fx.as_ref().is_some_and(lp_ir::effects::OpEffects::changes_store) {
            out.insert(409, "a concurrent update");
        }
        if !op.params.is_empty() {
            out.insert(422, "a request outside the types");
        }
        if op.body.as_ref().is_some_and(|b| !super::externals_reached(self.spec, b).is_empty()) {
            out.insert(501, "an external function not implemented");
        }
        if fx.as_ref().is_some_and(|fx| !fx.calls.is_empty()) {
            out.insert(502, "a dependency answering outside its API");
            out.insert(503, "a dependency unavailable");
        }
        out
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
            // `{name}`, or `{name}.json` (a parameter with a literal suffix).
            if let Some((name, _suffix)) = seg.strip_prefix('{').and_then(|s| s.split_once('}')) {
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
            (Some(b), Some(s)) => {
                self.ty(&format!("{item}(body {})", b.name), s, &b.ty);
                let required = o.pointer("/requestBody/required").and_then(Value::as_bool) == Some(true);
                if required == matches!(b.ty, Ty::Option(_)) {
                    let want = if required { "optional" } else { "required" };
                    self.fail(item, format!("the request body `{}` is not {want}", b.name));
                }
            }
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
        // What the generated service's runtime answers besides the declared errors.
        for (status, why) in self.runtime_statuses(r, op) {
            want_codes.insert(status.to_string());
            let Some(resp) = o.pointer(&format!("/responses/{status}")) else { continue };
            let schema = resp.pointer("/content/application~1problem+json/schema");
            let declared =
                op.errors.iter().any(|e| self.spec.errors.get(e.error.index()).is_some_and(|d| d.status == status));
            let problem_ref = |s: &Value| s.get("$ref").and_then(Value::as_str) == Some(PROBLEM_REF);
            let ok = match schema {
                // Both the spec's errors and the runtime's problem document.
                Some(s) if declared => s
                    .get("anyOf")
                    .and_then(Value::as_array)
                    .is_some_and(|a| a.len() == 2 && !problem_ref(&a[0]) && problem_ref(&a[1])),
                Some(s) => problem_ref(s),
                None => false,
            };
            if !ok {
                self.fail(item, format!("the {status} response ({why}) does not accept a problem document"));
            }
            if resp.get(RUNTIME_MARK).and_then(Value::as_str).is_none() {
                self.fail(item, format!("the {status} response ({why}) has no `{RUNTIME_MARK}`"));
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
