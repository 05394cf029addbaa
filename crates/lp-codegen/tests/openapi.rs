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
    let found = seeded(|d| {
        d["paths"]["/orders/{order}/payment"]["post"]["x-leanos-fires"] = "Payment.capture".into();
    });
    assert!(found.iter().any(|m| m.item == "payments.authorise" && m.message.contains("fires")), "{found:#?}");
}
