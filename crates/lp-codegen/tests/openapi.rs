//! The OpenAPI document of the examples, and translation validation catching seeded defects.

mod common;

use common::{EXAMPLES, example};
use lp_codegen::openapi::{openapi, openapi_json, read_back};
use serde_json::Value;

#[test]
fn examples_read_back_without_mismatches() {
    for dir in EXAMPLES {
        let spec = example(dir);
        let doc = openapi(&spec);
        let mismatches = read_back(&doc, &spec);
        assert!(mismatches.is_empty(), "{dir}: {mismatches:#?}");
        // The text form parses back to the same document.
        let text = openapi_json(&spec);
        assert!(text.ends_with("}\n"));
        let reparsed: Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(reparsed, doc, "{dir}");
        assert_eq!(text, openapi_json(&spec), "{dir}: deterministic");
    }
}

#[test]
fn the_codegen_corpus_reads_back_without_mismatches() {
    // Query parameters of every kind, optional bodies and fields, `{id}.json` segments; the
    // escaping fixture; decimals with bounds.
    for file in [
        "tests/corpus/codegen/query_params.adt",
        "tests/corpus/codegen/escaping.adt",
        "tests/corpus/codegen/decimals.adt",
    ] {
        let text = std::fs::read_to_string(lp_test_support::repo().join(file)).expect("read the corpus spec");
        let spec = lp_test_support::spec_of(&[text]);
        let mismatches = read_back(&openapi(&spec), &spec);
        assert!(mismatches.is_empty(), "{file}: {mismatches:#?}");
    }
}

/// A `Decimal` is a `number` with `format: decimal`; a bound becomes `minimum`/`maximum` only
/// when a JSON number holds it exactly, else the refinement is kept as text; the read-back
/// catches a decimal schema turned into an integer.
#[test]
fn decimals_are_numbers_with_exact_bounds() {
    let spec = lp_test_support::spec_of(&["type Temperature = Decimal where 0.0 <= self && self < 2.5
type Fine = Decimal where self <= 0.12345678901234567891
type Reading = { value: Decimal, at: Int }
"
    .to_string()]);
    let mut doc = openapi(&spec);
    assert_eq!(
        doc.pointer("/components/schemas/Temperature").map(Value::to_string).as_deref(),
        Some(r#"{"exclusiveMaximum":2.5,"format":"decimal","minimum":0.0,"type":"number"}"#)
    );
    assert_eq!(
        doc.pointer("/components/schemas/Fine").map(Value::to_string).as_deref(),
        Some(r#"{"format":"decimal","type":"number","x-leanos-refinement":"self <= 0.12345678901234567891"}"#)
    );
    assert!(read_back(&doc, &spec).is_empty());
    schema(&mut doc, "Reading")["properties"]["value"] = serde_json::json!({ "type": "integer", "format": "int64" });
    let found = read_back(&doc, &spec);
    assert!(found.iter().any(|m| m.message.contains("does not describe `Decimal`")), "{found:#?}");
}

#[test]
fn catalog_sync_document() {
    insta::assert_snapshot!(openapi_json(&example("catalog-sync")));
}

/// Applies `mutate` to the order-fulfilment document and returns the mismatches found.
fn seeded(mutate: impl FnOnce(&mut Value)) -> Vec<lp_codegen::openapi::Mismatch> {
    let spec = example("order-fulfilment");
    let mut doc = openapi(&spec);
    mutate(&mut doc);
    read_back(&doc, &spec)
}

fn schema<'d>(doc: &'d mut Value, name: &str) -> &'d mut Value {
    doc.pointer_mut(&format!("/components/schemas/{name}")).expect("schema")
}

#[test]
fn dropped_property_is_caught() {
    let found = seeded(|d| {
        schema(d, "Order")["properties"].as_object_mut().expect("object").remove("customer_email");
    });
    assert!(found.iter().any(|m| m.item == "schemas.Order" && m.message.contains("properties")), "{found:#?}");
}

#[test]
fn changed_type_is_caught() {
    let found = seeded(|d| {
        schema(d, "Parcel")["properties"]["weight_grams"]["type"] = "string".into();
    });
    assert!(found.iter().any(|m| m.item == "schemas.Parcel.weight_grams"), "{found:#?}");
}

#[test]
fn changed_reference_is_caught() {
    let found = seeded(|d| {
        schema(d, "LineItem")["properties"]["unit_price"] =
            serde_json::json!({ "$ref": "#/components/schemas/Quantity" });
    });
    assert!(found.iter().any(|m| m.item == "schemas.LineItem.unit_price"), "{found:#?}");
}

#[test]
fn dropped_required_entry_is_caught() {
    let found = seeded(|d| {
        schema(d, "Order")["required"].as_array_mut().expect("array").retain(|v| v != "customer_email");
    });
    assert!(found.iter().any(|m| m.item == "schemas.Order" && m.message.contains("required")), "{found:#?}");
}

#[test]
fn optional_field_made_required_is_caught() {
    let found = seeded(|d| {
        schema(d, "ShipmentRecord")["required"].as_array_mut().expect("array").push("tracking".into());
    });
    assert!(found.iter().any(|m| m.item == "schemas.ShipmentRecord"), "{found:#?}");
}

#[test]
fn changed_bound_is_caught() {
    let found = seeded(|d| {
        schema(d, "Quantity")["maximum"] = 1000.into();
    });
    assert!(found.iter().any(|m| m.item == "schemas.Quantity" && m.message.contains("maximum")), "{found:#?}");
    let found = seeded(|d| {
        schema(d, "OrderId")["pattern"] = "^ord_".into();
    });
    assert!(found.iter().any(|m| m.item == "schemas.OrderId" && m.message.contains("pattern")), "{found:#?}");
}

#[test]
fn dropped_refinement_text_is_caught() {
    let found = seeded(|d| {
        schema(d, "PaymentRecord").as_object_mut().expect("object").remove("x-leanos-refinement");
    });
    assert!(found.iter().any(|m| m.item == "schemas.PaymentRecord"), "{found:#?}");
}

#[test]
fn renamed_variant_is_caught() {
    let found = seeded(|d| {
        schema(d, "Currency")["enum"][2] = "CHF".into();
    });
    assert!(found.iter().any(|m| m.item == "schemas.Currency"), "{found:#?}");
    let found = seeded(|d| {
        schema(d, "PaymentMethod")["oneOf"][0]["properties"]["kind"]["const"] = "Cash".into();
    });
    assert!(found.iter().any(|m| m.item.starts_with("schemas.PaymentMethod")), "{found:#?}");
}

#[test]
fn removed_operation_is_caught() {
    let found = seeded(|d| {
        d["paths"]["/orders/{order}"].as_object_mut().expect("path item").remove("get");
    });
    assert!(found.iter().any(|m| m.item == "orders.get_order"), "{found:#?}");
}

#[test]
fn removed_error_response_is_caught() {
    let found = seeded(|d| {
        d["paths"]["/orders/{order}"]["get"]["responses"].as_object_mut().expect("responses").remove("404");
    });
    assert!(found.iter().any(|m| m.item == "orders.get_order" && m.message.contains("responses")), "{found:#?}");
}

#[test]
fn removed_parameter_is_caught() {
    let found = seeded(|d| {
        d["paths"]["/orders"]["get"]["parameters"].as_array_mut().expect("parameters").pop();
    });
    assert!(found.iter().any(|m| m.item == "orders.list_orders"), "{found:#?}");
}

#[test]
fn removed_security_is_caught() {
    let found = seeded(|d| {
        d["paths"]["/orders"]["post"].as_object_mut().expect("operation").remove("security");
    });
    assert!(found.iter().any(|m| m.item == "orders.place_order"), "{found:#?}");
}

#[test]
fn removed_schema_is_caught() {
    let found = seeded(|d| {
        d["components"]["schemas"].as_object_mut().expect("schemas").remove("Page_Order");
    });
    assert!(found.iter().any(|m| m.item == "schemas.Page_Order"), "{found:#?}");
}

#[test]
fn changed_fires_is_caught() {
    // `authorise` fires `Payment.authorise` from its body, so the document has no
    // `x-leanos-fires` for it: one added is a mismatch.
    let found = seeded(|d| {
        d["paths"]["/orders/{order}/payment"]["post"]["x-leanos-fires"] = "Payment.capture".into();
    });
    assert!(found.iter().any(|m| m.item == "payments.authorise" && m.message.contains("fires")), "{found:#?}");
    // An operation with a `fires` clause: a changed event is a mismatch.
    let (mut doc, spec) = doc_of(
        "machine Job {\n  initial Pending\n  final Done\n  Pending -> Running on start\n  Running -> Done on finish\n}\n\
         service jobs {\n  op start(id: String) -> Unit POST /jobs/{id}/start fires Job.start\n}\n",
    );
    let op = &mut doc["paths"]["/jobs/{id}/start"]["post"];
    assert_eq!(op["x-leanos-fires"].as_str(), Some("Job.start"));
    op["x-leanos-fires"] = "Job.finish".into();
    let found = read_back(&doc, &spec);
    assert!(found.iter().any(|m| m.item == "jobs.start" && m.message.contains("fires")), "{found:#?}");
}

#[test]
fn closed_error_payload_is_caught() {
    let found = seeded(|d| {
        schema(d, "OutOfStock")["allOf"][1]["additionalProperties"] = false.into();
    });
    assert!(
        found.iter().any(|m| m.item == "schemas.OutOfStock" && m.message.contains("additionalProperties")),
        "{found:#?}"
    );
}

#[test]
fn removed_validation_response_is_caught() {
    let found = seeded(|d| {
        d["paths"]["/orders"]["post"]["responses"].as_object_mut().expect("responses").remove("422");
    });
    assert!(found.iter().any(|m| m.item == "orders.place_order" && m.message.contains("422")), "{found:#?}");
}

#[test]
fn removed_illegal_transition_response_is_caught() {
    let found = seeded(|d| {
        d["paths"]["/orders/{order}/payment/capture"]["post"]["responses"]
            .as_object_mut()
            .expect("responses")
            .remove("409");
    });
    assert!(found.iter().any(|m| m.item == "payments.capture" && m.message.contains("409")), "{found:#?}");
}

#[test]
fn removed_auth_responses_are_caught() {
    for status in ["401", "403"] {
        let found = seeded(|d| {
            d["paths"]["/orders"]["post"]["responses"].as_object_mut().expect("responses").remove(status);
        });
        assert!(found.iter().any(|m| m.item == "orders.place_order" && m.message.contains(status)), "{found:#?}");
    }
}

#[test]
fn declared_error_without_runtime_problem_is_caught() {
    // The refund's 422 is both `RefundTooLarge` and the runtime's validation problem.
    let found = seeded(|d| {
        let schema = d
            .pointer_mut("/paths/~1orders~1{request.order}~1payment~1refunds/post/responses/422/content/application~1problem+json/schema")
            .expect("the 422 schema");
        assert!(schema.get("anyOf").is_some(), "{schema}");
        *schema = serde_json::json!({ "$ref": "#/components/schemas/RefundTooLarge" });
    });
    assert!(found.iter().any(|m| m.item == "payments.refund" && m.message.contains("problem document")), "{found:#?}");
}

#[test]
fn dropped_property_names_is_caught() {
    let spec = example("catalog-sync");
    let mut doc = openapi(&spec);
    assert!(read_back(&doc, &spec).is_empty());
    let ids = doc.pointer_mut("/components/schemas/Product/properties/external_ids").expect("the map field");
    ids.as_object_mut().expect("object").remove("propertyNames");
    let found = read_back(&doc, &spec);
    assert!(found.iter().any(|m| m.item.contains("external_ids") && m.message.contains("propertyNames")), "{found:#?}");
}

/// The document of a spec text, which must read back without mismatches.
fn doc_of(src: &str) -> (Value, lp_ir::Spec) {
    let file = lp_diagnostics::FileId(0);
    let parsed = lp_syntax::parse(file, src);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let lowered = lp_ir::lower(&[(file, &parsed.value)]);
    assert!(!lowered.diagnostics.iter().any(|d| d.is_error()), "{:?}", lowered.diagnostics);
    let doc = openapi(&lowered.value);
    assert_eq!(read_back(&doc, &lowered.value), Vec::new());
    (doc, lowered.value)
}

#[test]
fn map_keys_constrain_property_names() {
    let (mut doc, spec) = doc_of(
        "spec s version 1.0.0\n\
         type Color = Red | Green\n\
         type Code = String where matches(self, \"^[A-Z]+$\")\n\
         type M = { by_int: Map<Int, Int>, by_bool: Map<Bool, Int>, by_color: Map<Color, Int>,\n\
         by_code: Map<Code, Int>, by_text: Map<String, Int> }\n",
    );
    let props = &doc["components"]["schemas"]["M"]["properties"];
    assert_eq!(
        props["by_int"]["propertyNames"],
        serde_json::json!({ "type": "string", "pattern": "^-?(0|[1-9][0-9]*)$" })
    );
    assert_eq!(props["by_bool"]["propertyNames"]["enum"], serde_json::json!(["true", "false"]));
    assert_eq!(props["by_color"]["propertyNames"], serde_json::json!({ "$ref": "#/components/schemas/Color" }));
    assert_eq!(props["by_code"]["propertyNames"], serde_json::json!({ "$ref": "#/components/schemas/Code" }));
    assert!(props["by_text"].get("propertyNames").is_none(), "{}", props["by_text"]);
    // A pattern that is not the key's text is caught.
    doc["components"]["schemas"]["M"]["properties"]["by_int"]["propertyNames"]["pattern"] = "^[0-9]+$".into();
    let found = read_back(&doc, &spec);
    assert!(found.iter().any(|m| m.item.contains("by_int") && m.message.contains("propertyNames")), "{found:#?}");
}
