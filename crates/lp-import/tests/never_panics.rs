//! Property tests over arbitrary JSON put where an OpenAPI document has schemas, parameters
//! and responses: the import never panics, never produces text that does not parse
//! (`LP5512`), and, leaving aside the generator's text extensions (`x-leanos-refinement`,
//! `x-leanos-type`, copied verbatim and checked by `check`), the imported spec always resolves:
//! no unknown, duplicate or ill-kinded names (no `LP1xxx` error). Later checks may still fail
//! where the document itself is flawed (bounds no value meets, say), which is the point of
//! checking it.

use proptest::prelude::*;
use serde_json::{Value, json};

const KEYS: &[&str] = &[
    "type",
    "properties",
    "items",
    "required",
    "enum",
    "oneOf",
    "anyOf",
    "allOf",
    "$ref",
    "nullable",
    "minimum",
    "maximum",
    "minLength",
    "pattern",
    "additionalProperties",
    "discriminator",
    "propertyName",
    "mapping",
    "const",
    "x-leanos-key",
    "uniqueItems",
    "a-b",
    "2x",
    "self",
    "String",
];

/// JSON values biased towards schema keywords, so that the importer's paths are exercised.
fn schema_like(text_extensions: bool) -> impl Strategy<Value = Value> {
    let mut keys = KEYS.to_vec();
    if text_extensions {
        keys.extend(["x-leanos-refinement", "x-leanos-type", "x-leanos-status"]);
    }
    let key = prop::sample::select(keys);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1.0e6f64..1.0e6).prop_map(|f| json!(f)),
        prop::sample::select(vec![
            "object",
            "array",
            "string",
            "integer",
            "number",
            "boolean",
            "null",
            "#/components/schemas/A",
            "#/components/schemas/B",
            "self > 0",
            "x",
            "",
            "Int ->",
            "a\"b\\c",
        ])
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(6, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

fn document(a: Value, b: Value, p: Value, r: Value) -> Value {
    json!({
        "openapi": "3.1.0",
        "info": { "title": "t", "version": "1.0.0" },
        "paths": { "/x/{id}": { "post": {
            "operationId": "op",
            "parameters": [{ "name": "id", "in": "path", "required": true, "schema": p }],
            "requestBody": { "content": { "application/json": { "schema": b.clone() } } },
            "responses": {
                "200": { "description": "ok", "content": { "application/json": { "schema": r.clone() } } },
                "404": { "description": "no", "content": { "application/json": { "schema": r } } },
            },
        } } },
        "components": { "schemas": { "A": a, "B": b } },
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn import_never_panics_and_always_parses(
        a in schema_like(true), b in schema_like(true), p in schema_like(true), r in schema_like(true),
    ) {
        let doc = document(a, b, p, r);
        let imported = lp_import::import_openapi(&doc);
        let codes: Vec<&str> = imported.diagnostics.iter().map(|d| d.code.id()).collect();
        prop_assert!(!codes.contains(&"LP5512"), "{:?}\n{}", imported.diagnostics, doc);
        prop_assert!(imported.text.is_some());
    }

    #[test]
    fn imported_specs_always_resolve(
        a in schema_like(false), b in schema_like(false), p in schema_like(false), r in schema_like(false),
    ) {
        let doc = document(a, b, p, r);
        let imported = lp_import::import_openapi(&doc);
        let text = imported.text.expect("imported text");
        let file = lp_diagnostics::FileId(0);
        let parsed = lp_syntax::parse(file, &text);
        let lowered = lp_ir::lower(&[(file, &parsed.value)]);
        let name_errors: Vec<String> = lowered
            .diagnostics
            .iter()
            .filter(|d| d.is_error() && d.code.id().starts_with("LP1"))
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect();
        prop_assert!(name_errors.is_empty(), "{:?}\n{}\n{}", name_errors, text, doc);
    }
}
