//! Values as JSON in the generated services' wire format, and back.

mod common;

use common::*;
use lp_interp::Value;
use lp_interp::json::{value_from_json, value_to_json};
use lp_ir::{Ty, TypeId};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

const SRC: &str = r#"
type Platform = Shopify | Amazon
type Status = Idle | Synced { count: Int } | Failed { reason: String }
type Item = {
  name: String,
  note: Option<String>,
  platform: Platform,
  status: Status,
  stock: Map<Int, Int>,
  by_name: Map<String, Bool>,
  tags: Set<String>,
  last: Result<Int, String>,
}
"#;

#[test]
fn values_follow_the_wire_format_and_read_back() {
    let spec = lower(SRC);
    let ty =
        Ty::Named { id: TypeId(spec.types.iter().position(|t| t.name == "Item").expect("Item") as u32), args: vec![] };
    let variant =
        |name: &str, index: u32, fields: Vec<(String, Value)>| Value::Variant { name: name.into(), index, fields };
    let value = rec(&[
        ("name", s("shoe")),
        ("note", Value::Option(None)),
        ("platform", variant("Amazon", 1, vec![])),
        ("status", variant("Synced", 1, vec![("count".into(), int(3))])),
        ("stock", Value::Map(BTreeMap::from([(int(-2), int(5)), (int(10), int(0))]))),
        ("by_name", Value::Map(BTreeMap::from([(s("a"), Value::Bool(true))]))),
        ("tags", Value::Set(BTreeSet::from([s("x"), s("a")]))),
        ("last", Value::Result(Err(Box::new(s("down"))))),
    ]);
    let j = value_to_json(&spec, &ty, &value);
    assert_eq!(
        j,
        json!({
            "name": "shoe",
            "note": null,
            "platform": "Amazon",
            "status": { "kind": "Synced", "count": 3 },
            "stock": { "-2": 5, "10": 0 },
            "by_name": { "a": true },
            "tags": ["a", "x"],
            "last": { "kind": "Err", "error": "down" },
        })
    );
    assert_eq!(value_from_json(&spec, &ty, &j), Ok(value.clone()));
    // A missing optional field reads as `None`; a missing required one is an error.
    let mut without_note = j.clone();
    without_note.as_object_mut().expect("an object").remove("note");
    assert_eq!(value_from_json(&spec, &ty, &without_note), Ok(value));
    let mut without_name = j;
    without_name.as_object_mut().expect("an object").remove("name");
    assert!(value_from_json(&spec, &ty, &without_name).is_err());
}
