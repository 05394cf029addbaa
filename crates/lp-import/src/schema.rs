//! Schemas to spec types: `components.schemas` become `type` and `error` declarations, inline
//! schemas become type references (inline objects, enums and unions are hoisted into named
//! types), and bounds become `where` refinements.
//!
//! This inverts `lp_codegen::openapi`: `x-leanos-status` marks an error schema (an `allOf` of
//! `ProblemDetails` and the fields), `x-leanos-refinement` carries refinement text the
//! generator could not express as bounds, `x-leanos-key` the key type of a map, and a `oneOf`
//! of objects with a `kind` constant is a sum with payloads.

use crate::Importer;
use crate::document::plain;
use crate::model::{BodyOut, ErrorOut, FieldOut, TypeOut, VariantOut, doc_lines};
use crate::names;
use lp_diagnostics::codes;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// How deep inline schemas are followed.
pub const MAX_DEPTH: usize = 48;

/// The schema keywords that are annotations only and are not carried over (documented in the
/// book): they do not change which values are valid.
const ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "example",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "xml",
    "externalDocs",
    "format",
    "$comment",
    "$schema",
    "$id",
    "$anchor",
    "contentMediaType",
    "contentEncoding",
];

/// A refinement on `self` being built for a type reference: conjuncts, or the generator's
/// verbatim text which replaces them.
#[derive(Debug, Default, Clone)]
pub struct Refine {
    pub conj: Vec<String>,
    pub text: Option<String>,
}

impl Refine {
    pub fn render(&self) -> Option<String> {
        if let Some(t) = &self.text {
            return Some(t.clone());
        }
        (!self.conj.is_empty()).then(|| self.conj.join(" && "))
    }
}

/// A JSON number as a decimal literal of the spec (`0.7`, `2.0`), exactly; `None` for a
/// non-number or a number with no exact `Decimal` (too many digits).
fn decimal_value(v: &Value) -> Option<String> {
    use lp_syntax::ast::Decimal;
    if !v.is_number() {
        return None;
    }
    let text = v.to_string();
    let d = Decimal::from_str_exact(&text).or_else(|_| Decimal::from_scientific(&text)).ok()?;
    Some(lp_syntax::format::decimal_text(d.normalize()))
}

fn int_value(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64))
}

/// The kind of values a schema's `type` names.
fn schema_type(s: &Map<String, Value>) -> (Option<String>, bool) {
    match s.get("type") {
        Some(Value::String(t)) => (Some(t.clone()), false),
        Some(Value::Array(ts)) => {
            let names: Vec<&str> = ts.iter().filter_map(Value::as_str).collect();
            let nullable = names.contains(&"null");
            let rest: Vec<&str> = names.iter().copied().filter(|t| *t != "null").collect();
            match rest.as_slice() {
                [] if nullable => (Some("null".into()), false),
                [one] => (Some((*one).to_string()), nullable),
                _ => (rest.first().map(|t| (*t).to_string()), nullable),
            }
        }
        _ => (None, false),
    }
}

/// Whether a schema only annotates (its keys are annotations or `nullable`): an `allOf` part
/// like `{description: ...}` beside the one part that says what the values are.
fn annotation_only(s: &Value) -> bool {
    s.as_object().is_some_and(|o| o.keys().all(|k| k == "nullable" || ANNOTATIONS.contains(&k.as_str())))
}

impl<'d> Importer<'d> {
    /// Whether an `allOf` part is an object schema, whose fields join the record.
    fn object_part(&self, part: &'d Value) -> bool {
        self.resolve(part)
            .is_some_and(|o| o.contains_key("properties") || o.get("type").and_then(Value::as_str) == Some("object"))
    }

    /// The one part of an `allOf` that says what its values are, when every other part only
    /// annotates and none is an object schema: `allOf: [{$ref: Id}, {description: ...}]` is
    /// an `Id`, not a record. Whether an annotating part allows `null` comes with it.
    fn single_typed_part(&self, parts: &'d [Value]) -> Option<(&'d Value, bool)> {
        if parts.iter().any(|p| self.object_part(p)) {
            return None;
        }
        let mut typed = parts.iter().filter(|p| !annotation_only(p));
        let one = typed.next()?;
        if typed.next().is_some() {
            return None;
        }
        let nullable = parts.iter().any(|p| p.get("nullable").and_then(Value::as_bool) == Some(true));
        Some((one, nullable))
    }

    /// The component name of a local schema reference.
    pub fn ref_target(&self, r: &str) -> Option<&'d str> {
        let name = r.strip_prefix("#/components/schemas/")?;
        let name = name.replace("~1", "/").replace("~0", "~");
        self.schemas.get_key_value(&name).map(|(k, _)| k.as_str())
    }

    /// Follows `$ref`s (and one-element `allOf`s) to the schema object they name.
    pub fn resolve<'a>(&'a self, mut s: &'d Value) -> Option<&'d Map<String, Value>> {
        for _ in 0..MAX_DEPTH {
            let obj = s.as_object()?;
            if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
                s = self.schemas.get(self.ref_target(r)?)?;
                continue;
            }
            return Some(obj);
        }
        None
    }

    /// Imports every component schema as a type or an error.
    pub fn import_components(&mut self) {
        let schemas = self.schemas;
        // Errors first claim their names, then types, all in document order.
        let mut is_error = BTreeSet::new();
        for (key, s) in schemas {
            if s.get("x-leanos-status").and_then(Value::as_u64).is_some_and(|st| (400..=599).contains(&st)) {
                is_error.insert(key.clone());
            }
        }
        let problem_used = !is_error.is_empty() && schemas.contains_key("ProblemDetails");
        for (key, s) in schemas {
            let nullable = s.get("nullable").and_then(Value::as_bool) == Some(true)
                || s.as_object().is_some_and(|o| schema_type(o).1);
            if nullable && self.is_shape(s) {
                self.nullable_shapes.insert(key.as_str());
            }
        }
        for key in schemas.keys() {
            if problem_used && key == "ProblemDetails" {
                continue;
            }
            let want = names::type_ident(key);
            let name = self.global.claim(&want);
            if name != *key {
                self.rename_warning(&format!("schemas.{key}"), key, &name);
            }
            self.type_names.insert(key.clone(), name);
        }
        for (key, s) in schemas {
            let Some(name) = self.type_names.get(key).cloned() else { continue };
            let at = format!("schemas.{key}");
            if is_error.contains(key) {
                let e = self.error_component(&name, s, &at);
                self.out.errors.push(e);
                self.error_names.insert(key.clone(), name);
            } else {
                let t = self.type_component(&name, s, &at);
                self.out.types.push(t);
            }
        }
    }

    fn error_component(&mut self, name: &str, s: &'d Value, at: &str) -> ErrorOut {
        let obj = s.as_object().cloned().unwrap_or_default();
        let status = obj.get("x-leanos-status").and_then(Value::as_u64).unwrap_or(500) as u16;
        let docs = obj.get("description").and_then(Value::as_str).map(doc_lines).unwrap_or_default();
        let mut fields = Vec::new();
        let parts: Vec<&'d Value> = match s.get("allOf").and_then(Value::as_array) {
            Some(parts) => parts.iter().collect(),
            None => vec![s],
        };
        for part in parts {
            if part.get("$ref").and_then(Value::as_str) == Some("#/components/schemas/ProblemDetails") {
                continue;
            }
            if let Some(o) = self.resolve(part) {
                let mut scope = names::Scope::default();
                fields.extend(self.record_fields(name, o, &format!("{at}.allOf"), &mut scope, None, 1));
            }
        }
        let comments = std::mem::take(&mut self.pending);
        ErrorOut { name: name.to_string(), docs, comments, status, fields }
    }

    fn type_component(&mut self, name: &str, s: &'d Value, at: &str) -> TypeOut {
        let docs = s.get("description").and_then(Value::as_str).map(doc_lines).unwrap_or_default();
        let (body, refinement) = match self.shape(name, s, at, 1) {
            Some((body, refinement)) => (body, refinement),
            None => {
                let (ty, refine) = self.ty(s, name, at, 1);
                (BodyOut::Alias(ty), refine.render())
            }
        };
        let comments = std::mem::take(&mut self.pending);
        TypeOut { name: name.to_string(), docs, comments, body, refinement }
    }

    /// Whether [`Self::shape`] declares `s` as a record or a sum (the same tests, without
    /// importing anything). Whether such a schema allows `null` is not part of the
    /// declaration: it is the `Option` of each use (`nullable` is accepted here for that).
    fn is_shape(&self, s: &Value) -> bool {
        let Some(obj) = s.as_object() else { return false };
        if obj.contains_key("$ref") {
            return false;
        }
        if obj.get("enum").and_then(Value::as_array).is_some_and(|v| !v.is_empty() && v.iter().all(Value::is_string)) {
            return true;
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(members) = obj.get(key).and_then(Value::as_array) {
                return self.option_member(members).is_none() && self.result_members(members).is_none();
            }
        }
        if let Some(parts) = obj.get("allOf").and_then(Value::as_array)
            && parts.len() > 1
        {
            return self.single_typed_part(parts).is_none();
        }
        let (ty, _) = schema_type(obj);
        let is_object = ty.as_deref() == Some("object") || (ty.is_none() && obj.contains_key("properties"));
        is_object && (obj.contains_key("properties") || !obj.get("additionalProperties").is_some_and(Value::is_object))
    }

    /// A schema that needs a declaration of its own (a record or a sum), with the type-level
    /// refinement text; `None` for schemas that are type references.
    fn shape(&mut self, name: &str, s: &'d Value, at: &str, depth: usize) -> Option<(BodyOut, Option<String>)> {
        let obj = s.as_object()?;
        if obj.contains_key("$ref") {
            return None;
        }
        let refinement = obj.get("x-leanos-refinement").and_then(Value::as_str).and_then(|t| self.valid_expr(t, at));
        if let Some(values) = obj.get("enum").and_then(Value::as_array)
            && !values.is_empty()
            && values.iter().all(Value::is_string)
        {
            let mut scope = names::Scope::default();
            let mut variants = Vec::new();
            for v in values {
                let raw = plain(v);
                let want = names::ident(&raw);
                let vname = scope.claim(&want);
                if vname != raw {
                    self.rename_warning(&format!("{at}.enum"), &raw, &vname);
                }
                variants.push(VariantOut { name: vname, payload: None });
            }
            self.leftover(obj, &["enum", "type", "nullable", "x-leanos-refinement"], at);
            return Some((BodyOut::Sum(variants), refinement));
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(members) = obj.get(key).and_then(Value::as_array) {
                if self.option_member(members).is_some() || self.result_members(members).is_some() {
                    return None;
                }
                if key == "anyOf" {
                    self.warn(
                        codes::IMPORT_UNSUPPORTED_SCHEMA,
                        at,
                        "`anyOf` is imported as `oneOf`: a value is one of the members, never several".into(),
                    );
                }
                let body = self.sum(name, obj, members, at, depth);
                self.leftover(obj, &[key, "discriminator", "type", "nullable", "x-leanos-refinement"], at);
                return Some((body, refinement));
            }
        }
        if let Some(parts) = obj.get("allOf").and_then(Value::as_array)
            && parts.len() > 1
            && self.single_typed_part(parts).is_none()
        {
            let mut scope = names::Scope::default();
            let mut fields = Vec::new();
            for (i, part) in parts.iter().enumerate() {
                match self.resolve(part) {
                    Some(o)
                        if o.contains_key("properties") || o.get("type").and_then(Value::as_str) == Some("object") =>
                    {
                        fields.extend(self.record_fields(
                            name,
                            o,
                            &format!("{at}.allOf[{i}]"),
                            &mut scope,
                            None,
                            depth,
                        ));
                    }
                    _ => self.warn(
                        codes::IMPORT_UNSUPPORTED_SCHEMA,
                        at,
                        format!("part {i} of `allOf` is not an object schema; it is left out of the record"),
                    ),
                }
            }
            self.leftover(obj, &["allOf", "type", "nullable", "x-leanos-refinement"], at);
            return Some((BodyOut::Record(fields), refinement));
        }
        let (ty, _) = schema_type(obj);
        let is_object = ty.as_deref() == Some("object") || (ty.is_none() && obj.contains_key("properties"));
        if is_object
            && (obj.contains_key("properties") || !obj.get("additionalProperties").is_some_and(Value::is_object))
        {
            let mut scope = names::Scope::default();
            let fields = self.record_fields(name, obj, at, &mut scope, None, depth);
            if !obj.contains_key("properties") {
                self.warn(
                    codes::IMPORT_UNSUPPORTED_SCHEMA,
                    at,
                    "an object without `properties` is imported as a record without fields".into(),
                );
            }
            if let Some(extra) = obj.get("additionalProperties")
                && extra.is_object()
            {
                self.warn(
                    codes::IMPORT_UNSUPPORTED_SCHEMA,
                    at,
                    "`additionalProperties` beside `properties` is not imported (records are closed)".into(),
                );
            }
            self.leftover(
                obj,
                &["type", "properties", "required", "additionalProperties", "nullable", "x-leanos-refinement"],
                at,
            );
            return Some((BodyOut::Record(fields), refinement));
        }
        None
    }

    /// The fields of an object schema. `skip` is a discriminator property left out.
    pub fn record_fields(
        &mut self,
        owner: &str,
        obj: &'d Map<String, Value>,
        at: &str,
        scope: &mut names::Scope,
        skip: Option<&str>,
        depth: usize,
    ) -> Vec<FieldOut> {
        let required: BTreeSet<&str> = obj
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut fields = Vec::new();
        let Some(props) = obj.get("properties").and_then(Value::as_object) else { return fields };
        for (raw, ps) in props {
            if Some(raw.as_str()) == skip {
                continue;
            }
            let fat = format!("{at}.{raw}");
            let want = names::ident(raw);
            let name = scope.claim(&want);
            if name != *raw {
                self.rename_warning(&fat, raw, &name);
            }
            let hint = format!("{owner}_{}", names::pascal(raw));
            let (ty, refine) = self.ty(ps, &hint, &fat, depth + 1);
            // Absent and `null` are the same in a spec (an `Option` field has no value
            // either way), so a nullable property is an `Option` field whether or not it is
            // required, and an optional nullable one is not wrapped twice.
            let (ty, refinement) = if required.contains(raw.as_str()) || ty.starts_with("Option<") {
                (ty, refine.render())
            } else {
                (format!("Option<{}>", self.refined(&hint, ty, refine)), None)
            };
            let docs = ps.get("description").and_then(Value::as_str).map(doc_lines).unwrap_or_default();
            fields.push(FieldOut { name, docs, ty, refinement });
        }
        for r in &required {
            if !props.contains_key(*r) && Some(*r) != skip {
                self.warn(
                    codes::IMPORT_UNSUPPORTED_SCHEMA,
                    at,
                    format!("`{r}` is required but has no schema in `properties`; it is not imported"),
                );
            }
        }
        fields
    }

    fn option_member(&self, members: &'d [Value]) -> Option<&'d Value> {
        if members.len() != 2 {
            return None;
        }
        let is_null = |v: &Value| {
            v.get("type").and_then(Value::as_str) == Some("null") && v.as_object().is_some_and(|o| o.len() == 1)
        };
        match (is_null(&members[0]), is_null(&members[1])) {
            (false, true) => Some(&members[0]),
            (true, false) => Some(&members[1]),
            _ => None,
        }
    }

    /// The `Ok` value and `Err` error schemas of the generator's encoding of `Result<A, B>`.
    fn result_members(&self, members: &'d [Value]) -> Option<(&'d Value, &'d Value)> {
        let [ok, err] = members else { return None };
        let part = |m: &'d Value, kind: &str, field: &str| -> Option<&'d Value> {
            let props = m.get("properties")?.as_object()?;
            if props.len() != 2 || props.get("kind")?.get("const")?.as_str()? != kind {
                return None;
            }
            props.get(field)
        };
        Some((part(ok, "Ok", "value")?, part(err, "Err", "error")?))
    }

    /// A `oneOf` as a sum: by discriminator (`discriminator.propertyName`, or a `kind`
    /// constant in every member), else one variant per member with a `value` field.
    fn sum(
        &mut self,
        name: &str,
        obj: &'d Map<String, Value>,
        members: &'d [Value],
        at: &str,
        depth: usize,
    ) -> BodyOut {
        let disc = obj.get("discriminator").and_then(|d| d.get("propertyName")).and_then(Value::as_str);
        let mapping: BTreeMap<&str, &str> = obj
            .get("discriminator")
            .and_then(|d| d.get("mapping"))
            .and_then(Value::as_object)
            .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|v| (v, k.as_str()))).collect())
            .unwrap_or_default();
        let kind_const = |o: &Map<String, Value>, prop: &str| -> Option<String> {
            let p = o.get("properties")?.get(prop)?;
            p.get("const").and_then(Value::as_str).map(str::to_string).or_else(|| {
                p.get("enum")
                    .and_then(Value::as_array)
                    .filter(|e| e.len() == 1)
                    .and_then(|e| e[0].as_str())
                    .map(str::to_string)
            })
        };
        let resolved: Vec<Option<&'d Map<String, Value>>> = members.iter().map(|m| self.resolve(m)).collect();
        let prop = disc.map(str::to_string).or_else(|| {
            resolved.iter().all(|o| o.is_some_and(|o| kind_const(o, "kind").is_some())).then(|| "kind".to_string())
        });
        let mut scope = names::Scope::default();
        let mut variants = Vec::new();
        match prop {
            Some(prop) => {
                for (i, (m, o)) in members.iter().zip(&resolved).enumerate() {
                    let mat = format!("{at}.oneOf[{i}]");
                    let ref_name = m.get("$ref").and_then(Value::as_str);
                    let raw = o
                        .and_then(|o| kind_const(o, &prop))
                        .or_else(|| ref_name.and_then(|r| mapping.get(r)).map(|s| (*s).to_string()))
                        .or_else(|| ref_name.and_then(|r| self.ref_target(r)).map(str::to_string))
                        .unwrap_or_else(|| format!("Variant{i}"));
                    let want = names::type_ident(&raw);
                    let vname = scope.claim(&want);
                    if vname != raw {
                        self.rename_warning(&mat, &raw, &vname);
                    }
                    let payload = match o {
                        Some(o) => {
                            let mut fscope = names::Scope::default();
                            let fields = self.record_fields(
                                &format!("{name}_{vname}"),
                                o,
                                &mat,
                                &mut fscope,
                                Some(&prop),
                                depth,
                            );
                            (!fields.is_empty()).then_some(fields)
                        }
                        None => {
                            self.warn(
                                codes::IMPORT_UNSUPPORTED_SCHEMA,
                                &mat,
                                "a `oneOf` member is not an object schema".into(),
                            );
                            None
                        }
                    };
                    variants.push(VariantOut { name: vname, payload });
                }
            }
            None => {
                self.warn(
                    codes::IMPORT_UNSUPPORTED_SCHEMA,
                    at,
                    "a `oneOf` without a discriminator is imported as a sum whose variants each hold the member in a `value` field"
                        .into(),
                );
                for (i, m) in members.iter().enumerate() {
                    let mat = format!("{at}.oneOf[{i}]");
                    let raw = m
                        .get("$ref")
                        .and_then(Value::as_str)
                        .and_then(|r| self.ref_target(r))
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("Variant{i}"));
                    let vname = scope.claim(&names::type_ident(&raw));
                    let (ty, refine) = self.ty(m, &format!("{name}_{vname}"), &mat, depth + 1);
                    variants.push(VariantOut {
                        name: vname,
                        payload: Some(vec![FieldOut {
                            name: "value".into(),
                            docs: Vec::new(),
                            ty,
                            refinement: refine.render(),
                        }]),
                    });
                }
            }
        }
        if variants.is_empty() {
            self.warn(
                codes::IMPORT_UNSUPPORTED_SCHEMA,
                at,
                "an empty `oneOf` is imported as a sum of one unit variant".into(),
            );
            variants.push(VariantOut { name: "Empty".into(), payload: None });
        }
        BodyOut::Sum(variants)
    }

    /// A declaration for an inline schema that needs one, named after `hint`.
    fn hoist(&mut self, hint: &str, s: &'d Value, at: &str, depth: usize) -> Option<String> {
        let name = self.global.claim(&names::type_ident(hint));
        let saved = std::mem::take(&mut self.pending);
        let Some((body, refinement)) = self.shape(&name, s, at, depth) else {
            self.pending = saved;
            return None;
        };
        let comments = std::mem::replace(&mut self.pending, saved);
        let docs = s.get("description").and_then(Value::as_str).map(doc_lines).unwrap_or_default();
        self.hoisted.push(TypeOut { name: name.clone(), docs, comments, body, refinement });
        Some(name)
    }

    /// A type reference for a schema, and the refinement its bounds make on `self`.
    pub fn ty(&mut self, s: &'d Value, hint: &str, at: &str, depth: usize) -> (String, Refine) {
        if depth > MAX_DEPTH {
            self.warn(
                codes::IMPORT_NESTING_TOO_DEEP,
                at,
                format!("nested deeper than {MAX_DEPTH} levels; imported as `Unit`"),
            );
            return ("Unit".into(), Refine::default());
        }
        let Some(obj) = s.as_object() else {
            self.warn(
                codes::IMPORT_UNSUPPORTED_SCHEMA,
                at,
                format!("the schema `{s}` accepts any value; imported as `String`"),
            );
            return ("String".into(), Refine::default());
        };
        let mut refine = Refine::default();
        if let Some(t) = obj.get("x-leanos-refinement").and_then(Value::as_str) {
            refine.text = self.valid_expr(t, at);
        }
        // A record or sum component that allows `null` is an `Option` wherever it is used.
        let nullable = obj.get("nullable").and_then(Value::as_bool) == Some(true)
            || obj
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| self.ref_target(r))
                .is_some_and(|k| self.nullable_shapes.contains(k));
        let wrap = |t: String| if nullable { format!("Option<{t}>") } else { t };
        if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
            let name = match self.ref_target(r).and_then(|k| self.type_names.get(k).or(self.error_names.get(k))) {
                Some(n) => n.clone(),
                None => {
                    self.warn(
                        codes::IMPORT_UNRESOLVED_REF,
                        at,
                        format!(
                            "`$ref` `{r}` does not point to a schema in `#/components/schemas`; imported as `Unit`"
                        ),
                    );
                    "Unit".into()
                }
            };
            self.leftover(obj, &["$ref", "nullable", "x-leanos-refinement"], at);
            return self.nullable(name, refine, nullable, hint);
        }
        if let Some(m) = obj.get("x-leanos-machine").and_then(Value::as_str) {
            self.warn(
                codes::IMPORT_UNSUPPORTED_SCHEMA,
                at,
                format!("the state of machine `{m}` is imported as `String` (machines are not in the document)"),
            );
            return ("String".into(), refine);
        }
        if let Some(t) = obj.get("x-leanos-type").and_then(Value::as_str) {
            return (self.valid_type(t, at).unwrap_or_else(|| "Unit".into()), refine);
        }
        if obj.get("not").is_some_and(|n| n.as_object().is_some_and(Map::is_empty)) && obj.len() == 1 {
            return ("Void".into(), refine);
        }
        if let Some(parts) = obj.get("allOf").and_then(Value::as_array)
            && let Some((part, part_nullable)) = match parts.as_slice() {
                [one] => Some((one, false)),
                _ => self.single_typed_part(parts),
            }
        {
            let (inner, _) = self.ty(part, hint, at, depth + 1);
            let class = self.class_of(part);
            self.bounds(obj, class, &mut refine, at);
            self.leftover(obj, &with_bounds(&["allOf", "nullable", "x-leanos-refinement"]), at);
            return self.nullable(inner, refine, nullable || part_nullable, hint);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(members) = obj.get(key).and_then(Value::as_array) {
                if let Some(m) = self.option_member(members) {
                    let (inner, r) = self.ty(m, hint, at, depth + 1);
                    let inner = self.refined(hint, inner, r);
                    self.leftover(obj, &[key, "x-leanos-refinement"], at);
                    return (format!("Option<{inner}>"), refine);
                }
                if let Some((ok, err)) = self.result_members(members) {
                    let (a, ra) = self.ty(ok, &format!("{hint}Ok"), at, depth + 1);
                    let (b, rb) = self.ty(err, &format!("{hint}Err"), at, depth + 1);
                    let a = self.refined(&format!("{hint}Ok"), a, ra);
                    let b = self.refined(&format!("{hint}Err"), b, rb);
                    return (format!("Result<{a}, {b}>"), refine);
                }
            }
        }
        if obj.contains_key("oneOf")
            || obj.contains_key("anyOf")
            || obj.contains_key("allOf")
            || obj.contains_key("enum")
        {
            if obj.get("enum").and_then(Value::as_array).is_some_and(|e| !e.iter().all(Value::is_string)) {
                self.warn(
                    codes::IMPORT_UNSUPPORTED_SCHEMA,
                    at,
                    "an `enum` of non-strings is imported as its base type".into(),
                );
            } else if let Some(name) = self.hoist(hint, s, at, depth) {
                return (wrap(name), Refine::default());
            }
        }
        let (kind, type_nullable) = schema_type(obj);
        let wrap2 = |t: String| if nullable || type_nullable { format!("Option<{t}>") } else { t };
        let base = match kind.as_deref() {
            Some("integer") => "Int".to_string(),
            // Every `number` (whatever its `format`: `float`, `double`, `decimal`) is an exact
            // `Decimal`: a JSON number is decimal text, and binary floating point is never
            // what a spec means.
            Some("number") => "Decimal".to_string(),
            Some("string") => "String".to_string(),
            Some("boolean") => "Bool".to_string(),
            Some("null") => "Unit".to_string(),
            Some("array") => {
                let items = match obj.get("items") {
                    Some(items) => {
                        let (t, r) = self.ty(items, &format!("{hint}Item"), &format!("{at}.items"), depth + 1);
                        self.refined(&format!("{hint}Item"), t, r)
                    }
                    None => {
                        self.warn(
                            codes::IMPORT_UNSUPPORTED_SCHEMA,
                            at,
                            "an array without `items` is imported as `List<String>`".into(),
                        );
                        "String".to_string()
                    }
                };
                if obj.get("uniqueItems").and_then(Value::as_bool) == Some(true) {
                    format!("Set<{items}>")
                } else {
                    format!("List<{items}>")
                }
            }
            Some("object") | None if obj.contains_key("properties") => match self.hoist(hint, s, at, depth) {
                Some(name) => return (wrap2(name), Refine::default()),
                None => "Unit".to_string(),
            },
            Some("object") => match obj.get("additionalProperties") {
                Some(v) if v.is_object() => {
                    let (val, r) =
                        self.ty(v, &format!("{hint}Value"), &format!("{at}.additionalProperties"), depth + 1);
                    let val = self.refined(&format!("{hint}Value"), val, r);
                    // The key type; `propertyNames` (the key's text) stands for it when the
                    // generator's `x-leanos-key` is absent.
                    let key_schema = match obj.get("x-leanos-key") {
                        Some(k) => Some((k, "x-leanos-key")),
                        None => obj.get("propertyNames").map(|k| (k, "propertyNames")),
                    };
                    let key = match key_schema {
                        Some((k, kw)) => {
                            let (k, r) = self.ty(k, &format!("{hint}Key"), &format!("{at}.{kw}"), depth + 1);
                            self.refined(&format!("{hint}Key"), k, r)
                        }
                        None => "String".to_string(),
                    };
                    format!("Map<{key}, {val}>")
                }
                _ => match self.hoist(hint, s, at, depth) {
                    Some(name) => return (wrap2(name), Refine::default()),
                    None => "Unit".to_string(),
                },
            },
            Some(other) => {
                self.warn(
                    codes::IMPORT_UNSUPPORTED_SCHEMA,
                    at,
                    format!("unknown type `{other}`; imported as `String`"),
                );
                "String".to_string()
            }
            None => {
                self.warn(
                    codes::IMPORT_UNSUPPORTED_SCHEMA,
                    at,
                    "a schema without a type accepts any value; imported as `String`".into(),
                );
                "String".to_string()
            }
        };
        self.bounds(obj, &base, &mut refine, at);
        self.leftover(
            obj,
            &with_bounds(&[
                "type",
                "items",
                "uniqueItems",
                "additionalProperties",
                "x-leanos-key",
                "propertyNames",
                "nullable",
                "x-leanos-refinement",
                "properties",
            ]),
            at,
        );
        self.nullable(base, refine, nullable || type_nullable, hint)
    }

    /// What kind of value a (possibly referenced) schema describes, as the spec type or type
    /// constructor that decides which bounds apply: `Int`, `String`, `Bool`, `List<`, `Map<`.
    fn class_of(&self, s: &'d Value) -> &'static str {
        let mut s = s;
        for _ in 0..MAX_DEPTH {
            let Some(obj) = self.resolve(s) else { return "" };
            match schema_type(obj).0.as_deref() {
                Some("integer") => return "Int",
                Some("number") => return "Decimal",
                Some("string") => return "String",
                Some("boolean") => return "Bool",
                Some("array") => return "List<",
                Some("object") if obj.get("additionalProperties").is_some_and(Value::is_object) => return "Map<",
                Some(_) => return "",
                None => {}
            }
            match obj.get("allOf").and_then(Value::as_array) {
                Some(parts) if parts.len() == 1 => s = &parts[0],
                _ => return "",
            }
        }
        ""
    }

    /// The refinement conjuncts of the bound keywords of a schema whose type is `base`.
    fn bounds(&mut self, obj: &Map<String, Value>, base: &str, refine: &mut Refine, at: &str) {
        let numeric = base == "Int";
        let decimal = base == "Decimal";
        let len_of =
            base == "String" || base.starts_with("List<") || base.starts_with("Set<") || base.starts_with("Map<");
        let mut conj = Vec::new();
        let num = |key: &str, v: &Value, this: &mut Self| -> Option<i64> {
            let n = int_value(v);
            if n.is_none() {
                this.warn(
                    codes::IMPORT_UNSUPPORTED_SCHEMA,
                    at,
                    format!("`{key}: {v}` is not an integer and is not imported"),
                );
            }
            n
        };
        // OpenAPI 3.0 writes exclusive bounds as booleans beside `minimum`/`maximum`.
        let excl_min = obj.get("exclusiveMinimum").and_then(Value::as_bool) == Some(true);
        let excl_max = obj.get("exclusiveMaximum").and_then(Value::as_bool) == Some(true);
        let keys: &[(&str, &str)] = &[
            ("minimum", if excl_min { ">" } else { ">=" }),
            ("exclusiveMinimum", ">"),
            ("maximum", if excl_max { "<" } else { "<=" }),
            ("exclusiveMaximum", "<"),
        ];
        for (key, op) in keys {
            let Some(v) = obj.get(*key) else { continue };
            if v.is_boolean() {
                continue;
            }
            if decimal {
                match decimal_value(v) {
                    Some(d) => conj.push(format!("self {op} {d}")),
                    None => self.warn(
                        codes::IMPORT_UNSUPPORTED_SCHEMA,
                        at,
                        format!("`{key}: {v}` is not an exact decimal and is not imported"),
                    ),
                }
                continue;
            }
            if !numeric {
                self.warn(codes::IMPORT_UNSUPPORTED_SCHEMA, at, format!("`{key}` on a non-number is not imported"));
                continue;
            }
            if let Some(n) = num(key, v, self) {
                conj.push(format!("self {op} {n}"));
            }
        }
        if let Some(v) = obj.get("multipleOf") {
            match int_value(v).filter(|n| *n > 0) {
                Some(n) if numeric => conj.push(format!("self % {n} == 0")),
                _ => self.warn(codes::IMPORT_UNSUPPORTED_SCHEMA, at, format!("`multipleOf: {v}` is not imported")),
            }
        }
        for (min, max) in [("minLength", "maxLength"), ("minItems", "maxItems"), ("minProperties", "maxProperties")] {
            for (key, op) in [(min, ">="), (max, "<=")] {
                let Some(v) = obj.get(key) else { continue };
                if !len_of {
                    self.warn(codes::IMPORT_UNSUPPORTED_SCHEMA, at, format!("`{key}` on a `{base}` is not imported"));
                    continue;
                }
                if let Some(n) = num(key, v, self) {
                    conj.push(format!("len(self) {op} {n}"));
                }
            }
        }
        if let Some(p) = obj.get("pattern") {
            match p.as_str() {
                Some(p) if base == "String" => conj.push(format!("matches(self, {})", lp_syntax::format::quote(p))),
                _ => {
                    self.warn(codes::IMPORT_UNSUPPORTED_SCHEMA, at, "`pattern` on a non-string is not imported".into())
                }
            }
        }
        if let Some(c) = obj.get("const") {
            match c {
                Value::String(s) if base == "String" => conj.push(format!("self == {}", lp_syntax::format::quote(s))),
                v if decimal && decimal_value(v).is_some() => {
                    conj.push(format!("self == {}", decimal_value(v).unwrap_or_default()))
                }
                v if numeric && int_value(v).is_some() => {
                    conj.push(format!("self == {}", int_value(v).unwrap_or_default()))
                }
                Value::Bool(b) if base == "Bool" => conj.push(format!("self == {b}")),
                _ => self.warn(codes::IMPORT_UNSUPPORTED_SCHEMA, at, format!("`const: {c}` is not imported")),
            }
        }
        if refine.text.is_none() {
            refine.conj.extend(conj);
        }
    }

    /// A type made `Option` by `nullable`: the refinement of its inner type moves into an alias
    /// of its own (`self` of a refinement on an `Option` would be the option).
    fn nullable(&mut self, ty: String, refine: Refine, nullable: bool, hint: &str) -> (String, Refine) {
        // Already an `Option` without a refinement (a `$ref` to a nullable record, say): one
        // `Option` says it, since `null` and absent are the same.
        if nullable && !(ty.starts_with("Option<") && refine.render().is_none()) {
            let inner = self.refined(hint, ty, refine);
            return (format!("Option<{inner}>"), Refine::default());
        }
        (ty, refine)
    }

    /// `ty` itself when `refine` is empty; otherwise a new alias `type HINT = ty where ...`
    /// (named after `hint`), for places that cannot carry a refinement: list elements, map
    /// values, option contents, optional fields, operation parameters and results.
    pub fn refined(&mut self, hint: &str, ty: String, refine: Refine) -> String {
        let Some(refinement) = refine.render() else { return ty };
        let name = self.global.claim(&names::type_ident(hint));
        self.hoisted.push(TypeOut {
            name: name.clone(),
            docs: Vec::new(),
            comments: Vec::new(),
            body: BodyOut::Alias(ty),
            refinement: Some(refinement),
        });
        name
    }

    /// Warns about the keywords of `obj` that nothing consumed.
    pub fn leftover(&mut self, obj: &Map<String, Value>, used: &[&str], at: &str) {
        let unknown: Vec<&str> = obj
            .keys()
            .map(String::as_str)
            .filter(|k| !used.contains(k) && !ANNOTATIONS.contains(k) && !k.starts_with("x-"))
            .collect();
        if !unknown.is_empty() {
            let list: Vec<String> = unknown.iter().map(|k| format!("`{k}`")).collect();
            self.warn(
                codes::IMPORT_UNSUPPORTED_SCHEMA,
                at,
                if list.len() == 1 {
                    format!("the keyword {} has no spec equivalent and is not imported", list[0])
                } else {
                    format!("the keywords {} have no spec equivalent and are not imported", list.join(", "))
                },
            );
        }
    }
}

/// `keys` plus every bound keyword.
fn with_bounds(keys: &[&'static str]) -> Vec<&'static str> {
    let mut out = keys.to_vec();
    out.extend([
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
        "pattern",
        "const",
    ]);
    out
}
