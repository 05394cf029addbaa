//! Values and stores as JSON, in the wire format of the generated services (the OpenAPI
//! document's schemas), so that answers and stores can be compared with theirs.
//!
//! The conversion is directed by the type:
//!
//! - `Int`, `Bool`, `String` are JSON numbers, booleans and strings; `Unit` is `null`;
//! - `Decimal` is a JSON number with exactly the decimal's digits (a decimal with more
//!   significant digits than a JSON writer's `f64` keeps is written as a string of its digits,
//!   which reads back as the same decimal: the value is never rounded);
//! - `Option<T>`: `None` is `null`, `Some(v)` is `v` (so `Option<Option<T>>` is ambiguous,
//!   as it is on the wire);
//! - `Result<T, E>`: `{ "kind": "Ok", "value": v }` or `{ "kind": "Err", "error": e }`;
//! - `List<T>` and `Set<T>` are arrays (a set in its value order);
//! - `Map<K, V>` is an object whose names are the keys' text (`"3"` for an integer,
//!   `"true"`, a unit variant's name), or, for other key types, an array of
//!   `{ "key": k, "value": v }` objects in key order;
//! - a record or an error payload is an object of its fields (a `None` field is `null`);
//! - a sum of unit variants is the variant's name; another sum is an object with a `kind`
//!   member naming the variant, and the payload's fields.
//!
//! Object members are sorted by name, so the text of a value is deterministic.

use crate::store::{Instance, Lifecycle, Store, key_of};
use lp_ir::{EntityId, Spec, StateId, Ty, TypeBody, decimal};
use lp_props::Value;
use serde_json::{Map, Value as Json, json};

/// The JSON of a value of type `ty`.
pub fn value_to_json(spec: &Spec, ty: &Ty, v: &Value) -> Json {
    match (spec.head(ty).as_ref(), v) {
        (_, Value::Int(n)) => json!(n),
        (_, Value::Decimal(d)) => decimal_to_json(*d),
        (_, Value::Bool(b)) => json!(b),
        (_, Value::Str(s)) => json!(s),
        (_, Value::Unit) | (_, Value::Option(None)) => Json::Null,
        (Ty::Option(t), Value::Option(Some(x))) => value_to_json(spec, t, x),
        (Ty::Result(t, _), Value::Result(Ok(x))) => json!({ "kind": "Ok", "value": value_to_json(spec, t, x) }),
        (Ty::Result(_, t), Value::Result(Err(x))) => json!({ "kind": "Err", "error": value_to_json(spec, t, x) }),
        (Ty::List(t) | Ty::Set(t), Value::List(items)) => {
            Json::Array(items.iter().map(|x| value_to_json(spec, t, x)).collect())
        }
        (Ty::List(t) | Ty::Set(t), Value::Set(items)) => {
            Json::Array(items.iter().map(|x| value_to_json(spec, t, x)).collect())
        }
        (Ty::Map(k, t), Value::Map(entries)) => {
            let names: Option<Map<String, Json>> = entries
                .iter()
                .map(|(key, x)| key_text(spec, k, key).map(|name| (name, value_to_json(spec, t, x))))
                .collect();
            match names {
                Some(m) => Json::Object(m),
                None => Json::Array(
                    entries
                        .iter()
                        .map(|(key, x)| json!({ "key": value_to_json(spec, k, key), "value": value_to_json(spec, t, x) }))
                        .collect(),
                ),
            }
        }
        (Ty::Named { id, args }, Value::Record(fields)) => match spec.types.get(id.index()).map(|d| &d.body) {
            Some(TypeBody::Record(defs)) => {
                let tys: Vec<Ty> = defs.iter().map(|f| f.ty.subst(args)).collect();
                fields_object(spec, &tys, fields, None)
            }
            _ => untyped(v),
        },
        (Ty::ErrorType(e), Value::Record(fields)) => match spec.errors.get(e.index()) {
            Some(def) => {
                let tys: Vec<Ty> = def.fields.iter().map(|f| f.ty.clone()).collect();
                fields_object(spec, &tys, fields, None)
            }
            None => untyped(v),
        },
        (Ty::Named { id, args }, Value::Variant { name, index, fields }) => {
            match spec.types.get(id.index()).map(|d| &d.body) {
                Some(TypeBody::Sum(variants)) => {
                    if variants.iter().all(|x| x.payload.is_none()) {
                        return json!(name);
                    }
                    let tys: Vec<Ty> = variants
                        .get(*index as usize)
                        .and_then(|x| x.payload.as_ref())
                        .map(|fs| fs.iter().map(|f| f.ty.subst(args)).collect())
                        .unwrap_or_default();
                    fields_object(spec, &tys, fields, Some(name))
                }
                _ => untyped(v),
            }
        }
        _ => untyped(v),
    }
}

/// A decimal as a JSON number whose text is exactly its digits, or, when no `f64` carries
/// them exactly, as a string of them (see [`decimal::to_f64_exact`]).
fn decimal_to_json(d: decimal::Decimal) -> Json {
    match decimal::to_f64_exact(d).and_then(serde_json::Number::from_f64) {
        Some(n) => Json::Number(n),
        None => json!(decimal::decimal_text(d)),
    }
}

/// A record's or variant's fields as an object, with `kind` first for a variant.
fn fields_object(spec: &Spec, tys: &[Ty], fields: &[(String, Value)], kind: Option<&str>) -> Json {
    let mut m = Map::new();
    if let Some(k) = kind {
        m.insert("kind".into(), json!(k));
    }
    for (i, (name, x)) in fields.iter().enumerate() {
        let ty = tys.get(i).cloned().unwrap_or(Ty::Error);
        m.insert(name.clone(), value_to_json(spec, &ty, x));
    }
    Json::Object(m)
}

/// The JSON object name of a map key, when the key type has a text form.
fn key_text(spec: &Spec, k: &Ty, key: &Value) -> Option<String> {
    match (spec.head(k).as_ref(), key) {
        (Ty::String, Value::Str(s)) => Some(s.clone()),
        (Ty::Int, Value::Int(n)) => Some(n.to_string()),
        (Ty::Bool, Value::Bool(b)) => Some(b.to_string()),
        (Ty::Named { .. }, Value::Variant { name, fields, .. }) if fields.is_empty() => Some(name.clone()),
        _ => None,
    }
}

/// The JSON of a value whose type does not say more than the value itself (a type
/// parameter, or a value that does not have its type): by the value's shape.
fn untyped(v: &Value) -> Json {
    let fields =
        |fs: &[(String, Value)]| -> Map<String, Json> { fs.iter().map(|(n, x)| (n.clone(), untyped(x))).collect() };
    match v {
        Value::Int(n) => json!(n),
        Value::Decimal(d) => decimal_to_json(*d),
        Value::Bool(b) => json!(b),
        Value::Str(s) => json!(s),
        Value::Unit | Value::Option(None) => Json::Null,
        Value::Option(Some(x)) => untyped(x),
        Value::Result(Ok(x)) => json!({ "kind": "Ok", "value": untyped(x) }),
        Value::Result(Err(x)) => json!({ "kind": "Err", "error": untyped(x) }),
        Value::List(items) => Json::Array(items.iter().map(untyped).collect()),
        Value::Set(items) => Json::Array(items.iter().map(untyped).collect()),
        Value::Map(entries) | Value::Fn { table: entries, .. } => {
            Json::Array(entries.iter().map(|(k, x)| json!({ "key": untyped(k), "value": untyped(x) })).collect())
        }
        Value::Record(fs) => Json::Object(fields(fs)),
        Value::Variant { name, fields: fs, .. } => {
            let mut m = fields(fs);
            m.insert("kind".into(), json!(name));
            Json::Object(m)
        }
    }
}

/// The value of type `ty` that `j` is the JSON of; the inverse of [`value_to_json`] for the
/// types it covers (function values have no JSON form). A missing `Option` field is `None`.
pub fn value_from_json(spec: &Spec, ty: &Ty, j: &Json) -> Result<Value, String> {
    let head = spec.head(ty);
    let bad = || format!("{j} is not a `{}`", spec.display_ty(ty, &[]));
    Ok(match (head.as_ref(), j) {
        (Ty::Int, Json::Number(n)) => Value::Int(n.as_i64().ok_or_else(bad)?),
        (Ty::Decimal, Json::Number(n)) => Value::Decimal(decimal::from_number_text(&n.to_string()).ok_or_else(bad)?),
        (Ty::Decimal, Json::String(s)) => Value::Decimal(decimal::from_number_text(s).ok_or_else(bad)?),
        (Ty::Bool, Json::Bool(b)) => Value::Bool(*b),
        (Ty::String, Json::String(s)) => Value::Str(s.clone()),
        (Ty::Unit, Json::Null) => Value::Unit,
        (Ty::Option(_), Json::Null) => Value::Option(None),
        (Ty::Option(t), _) => Value::Option(Some(Box::new(value_from_json(spec, t, j)?))),
        (Ty::Result(a, b), Json::Object(m)) => match m.get("kind").and_then(Json::as_str) {
            Some("Ok") => Value::Result(Ok(Box::new(value_from_json(spec, a, m.get("value").ok_or_else(bad)?)?))),
            Some("Err") => Value::Result(Err(Box::new(value_from_json(spec, b, m.get("error").ok_or_else(bad)?)?))),
            _ => return Err(bad()),
        },
        (Ty::List(t), Json::Array(items)) => {
            Value::List(items.iter().map(|x| value_from_json(spec, t, x)).collect::<Result<_, _>>()?)
        }
        (Ty::Set(t), Json::Array(items)) => {
            Value::Set(items.iter().map(|x| value_from_json(spec, t, x)).collect::<Result<_, _>>()?)
        }
        (Ty::Map(k, t), Json::Object(m)) => {
            let mut out = std::collections::BTreeMap::new();
            for (name, x) in m {
                out.insert(key_from_text(spec, k, name)?, value_from_json(spec, t, x)?);
            }
            Value::Map(out)
        }
        (Ty::Map(k, t), Json::Array(items)) => {
            let mut out = std::collections::BTreeMap::new();
            for item in items {
                let key = item.get("key").ok_or_else(bad)?;
                let x = item.get("value").ok_or_else(bad)?;
                out.insert(value_from_json(spec, k, key)?, value_from_json(spec, t, x)?);
            }
            Value::Map(out)
        }
        (Ty::ErrorType(e), Json::Object(m)) => {
            let def = spec.errors.get(e.index()).ok_or_else(bad)?;
            let defs: Vec<(String, Ty)> = def.fields.iter().map(|f| (f.name.clone(), f.ty.clone())).collect();
            Value::Record(fields_from_json(spec, &defs, m)?)
        }
        (Ty::Named { id, args }, _) => {
            let def = spec.types.get(id.index()).ok_or_else(bad)?;
            match (&def.body, j) {
                (TypeBody::Record(fields), Json::Object(m)) => {
                    let defs: Vec<(String, Ty)> = fields.iter().map(|f| (f.name.clone(), f.ty.subst(args))).collect();
                    Value::Record(fields_from_json(spec, &defs, m)?)
                }
                (TypeBody::Sum(variants), Json::String(name)) => {
                    let index = variants.iter().position(|v| &v.name == name && v.payload.is_none()).ok_or_else(bad)?;
                    Value::Variant { name: name.clone(), index: index as u32, fields: Vec::new() }
                }
                (TypeBody::Sum(variants), Json::Object(m)) => {
                    let name = m.get("kind").and_then(Json::as_str).ok_or_else(bad)?;
                    let index = variants.iter().position(|v| v.name == name).ok_or_else(bad)?;
                    let defs: Vec<(String, Ty)> =
                        variants[index].payload.iter().flatten().map(|f| (f.name.clone(), f.ty.subst(args))).collect();
                    Value::Variant {
                        name: name.to_string(),
                        index: index as u32,
                        fields: fields_from_json(spec, &defs, m)?,
                    }
                }
                _ => return Err(bad()),
            }
        }
        _ => return Err(bad()),
    })
}

fn fields_from_json(spec: &Spec, defs: &[(String, Ty)], m: &Map<String, Json>) -> Result<Vec<(String, Value)>, String> {
    defs.iter()
        .map(|(name, ty)| {
            let v = match m.get(name) {
                Some(x) => value_from_json(spec, ty, x)?,
                None if matches!(ty, Ty::Option(_)) => Value::Option(None),
                None => return Err(format!("the field `{name}` is missing")),
            };
            Ok((name.clone(), v))
        })
        .collect()
}

fn key_from_text(spec: &Spec, k: &Ty, name: &str) -> Result<Value, String> {
    match spec.head(k).as_ref() {
        Ty::Int => name.parse().map(Value::Int).map_err(|_| format!("{name:?} is not an integer key")),
        Ty::Bool => name.parse().map(Value::Bool).map_err(|_| format!("{name:?} is not a Bool key")),
        _ => value_from_json(spec, k, &Json::String(name.to_string())),
    }
}

/// The record type of an entity.
fn entity_ty(spec: &Spec, entity: EntityId) -> Ty {
    Ty::Named { id: spec.entities[entity.index()].ty, args: Vec::new() }
}

/// The store as JSON: one member per entity of the spec (named after it, an empty array
/// when it has no instances), each an array of the instances in key order. An instance is
/// `{ "value": record }`, plus `"state"` (the state's name) and `"vars"` (an object of the
/// machine's variables) for an entity with a lifecycle.
pub fn store_to_json(spec: &Spec, store: &Store) -> Json {
    let mut out = Map::new();
    for (i, def) in spec.entities.iter().enumerate() {
        let entity = EntityId(i as u32);
        let ty = entity_ty(spec, entity);
        let machine = def.lifecycle.and_then(|m| spec.machines.get(m.index()));
        let instances = store
            .instances(entity)
            .map(|(_, inst)| {
                let mut m = Map::new();
                m.insert("value".into(), value_to_json(spec, &ty, &inst.value));
                if let (Some(machine), Some(life)) = (machine, &inst.lifecycle) {
                    let state = machine.states.get(life.state.index()).map_or("?", |s| s.name.as_str());
                    m.insert("state".into(), json!(state));
                    let vars: Map<String, Json> = machine
                        .vars
                        .iter()
                        .zip(&life.vars)
                        .map(|(d, v)| (d.name.clone(), value_to_json(spec, &d.ty, v)))
                        .collect();
                    m.insert("vars".into(), Json::Object(vars));
                }
                Json::Object(m)
            })
            .collect();
        out.insert(def.name.clone(), Json::Array(instances));
    }
    Json::Object(out)
}

/// The store as deterministic, indented JSON text (see [`store_to_json`]).
pub fn render_store(spec: &Spec, store: &Store) -> String {
    serde_json::to_string_pretty(&store_to_json(spec, store)).unwrap_or_default()
}

/// Reads a store back from [`store_to_json`]'s form. Entities the JSON leaves out have no
/// instances; refinements are not checked.
pub fn store_from_json(spec: &Spec, j: &Json) -> Result<Store, String> {
    let Json::Object(members) = j else { return Err("a store is a JSON object".into()) };
    let mut store = Store::new();
    for (name, instances) in members {
        let i = spec.entities.iter().position(|e| &e.name == name).ok_or_else(|| format!("no entity `{name}`"))?;
        let entity = EntityId(i as u32);
        let def = &spec.entities[i];
        let ty = entity_ty(spec, entity);
        let Json::Array(instances) = instances else { return Err(format!("`{name}` is not an array")) };
        for inst in instances {
            let value = value_from_json(spec, &ty, inst.get("value").ok_or("an instance without `value`")?)?;
            let key = key_of(spec, entity, &value)?;
            let lifecycle = match def.lifecycle.and_then(|m| spec.machines.get(m.index())) {
                None => None,
                Some(machine) => {
                    let state_name = inst.get("state").and_then(Json::as_str).ok_or("an instance without `state`")?;
                    let state = machine
                        .states
                        .iter()
                        .position(|s| s.name == state_name)
                        .ok_or_else(|| format!("no state `{state_name}` in `{}`", machine.name))?;
                    let vars_json = inst.get("vars").and_then(Json::as_object);
                    let mut vars = Vec::with_capacity(machine.vars.len());
                    for d in &machine.vars {
                        let x = vars_json.and_then(|m| m.get(&d.name)).ok_or_else(|| format!("no var `{}`", d.name))?;
                        vars.push(value_from_json(spec, &d.ty, x)?);
                    }
                    Some(Lifecycle { state: StateId(state as u32), vars })
                }
            };
            if store.insert(entity, key, Instance { value, lifecycle }).is_some() {
                return Err(format!("two `{name}` instances have the same key"));
            }
        }
    }
    Ok(store)
}
