//! The derived `map` of a generic type: applies a function to every value at a position of
//! one type parameter, through records, sums, `Option`, `Result`, `List`, `Set`, `Map` and
//! function results.
//!
//! `Set` is mapped to the image of the function (it may get smaller). A `Map` whose keys
//! contain the parameter is rebuilt in key order, so when two keys collide the entry with the
//! greater original key wins; this choice is deterministic, but no choice makes such a map a
//! functor, and the composition law finds it.

use crate::value::Value;
use lp_ir::{Spec, Ty, TypeBody};
use std::collections::{BTreeMap, BTreeSet};

/// How `map` is implemented. The discharger uses [`DerivedMap`]; tests inject wrong
/// implementations to show that the laws catch them.
pub trait MapImpl {
    /// Maps `f` over every position of the type parameter `param` in `value`, a value of
    /// `ty`. In `ty`, [`Ty::Param`] names the parameters of the type the law is about.
    fn map(&self, spec: &Spec, ty: &Ty, param: u32, value: &Value, f: &dyn Fn(&Value) -> Value) -> Value;
}

/// The structural `map` derived from the type.
#[derive(Debug, Clone, Copy, Default)]
pub struct DerivedMap;

impl MapImpl for DerivedMap {
    fn map(&self, spec: &Spec, ty: &Ty, param: u32, value: &Value, f: &dyn Fn(&Value) -> Value) -> Value {
        derived_map(spec, ty, param, value, f)
    }
}

/// The structural `map`; see the module documentation. A value that does not have the
/// shape of its type is returned unchanged.
pub fn derived_map(spec: &Spec, ty: &Ty, param: u32, value: &Value, f: &dyn Fn(&Value) -> Value) -> Value {
    let go = |t: &Ty, v: &Value| derived_map(spec, t, param, v, f);
    match (ty, value) {
        (Ty::Param(i), v) if *i == param => f(v),
        (Ty::Named { id, args }, v) => {
            let Some(def) = spec.types.get(id.index()) else { return v.clone() };
            match (&def.body, v) {
                (TypeBody::Alias(t), v) => go(&t.subst(args), v),
                (TypeBody::Record(fields), Value::Record(vals)) => Value::Record(
                    fields.iter().zip(vals).map(|(fd, (n, x))| (n.clone(), go(&fd.ty.subst(args), x))).collect(),
                ),
                (TypeBody::Sum(variants), Value::Variant { name, index, fields: vals }) => {
                    let payload = variants.get(*index as usize).and_then(|vd| vd.payload.as_ref());
                    let fields = match payload {
                        Some(fds) => {
                            fds.iter().zip(vals).map(|(fd, (n, x))| (n.clone(), go(&fd.ty.subst(args), x))).collect()
                        }
                        None => vals.clone(),
                    };
                    Value::Variant { name: name.clone(), index: *index, fields }
                }
                (_, v) => v.clone(),
            }
        }
        (Ty::Option(t), Value::Option(Some(x))) => Value::Option(Some(Box::new(go(t, x)))),
        (Ty::Result(a, _), Value::Result(Ok(x))) => Value::Result(Ok(Box::new(go(a, x)))),
        (Ty::Result(_, b), Value::Result(Err(x))) => Value::Result(Err(Box::new(go(b, x)))),
        (Ty::List(t), Value::List(items)) => Value::List(items.iter().map(|x| go(t, x)).collect()),
        (Ty::Set(t), Value::Set(items)) => Value::Set(items.iter().map(|x| go(t, x)).collect::<BTreeSet<_>>()),
        (Ty::Map(k, t), Value::Map(entries)) => {
            Value::Map(entries.iter().map(|(key, x)| (go(k, key), go(t, x))).collect::<BTreeMap<_, _>>())
        }
        (Ty::Fn(a, b), Value::Fn { table, default }) => Value::Fn {
            table: table.iter().map(|(key, x)| (go(a, key), go(b, x))).collect(),
            default: Box::new(go(b, default)),
        },
        (_, v) => v.clone(),
    }
}
