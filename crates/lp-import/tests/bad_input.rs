//! Bad and unusual documents: each diagnostic code of the importer (LP5501–LP5512) is
//! triggered here (and LP5513), malformed documents are errors with no output, deep nesting and `$ref`
//! cycles never overflow the stack, and whatever is imported still checks without errors.

use lp_driver::CheckOptions;
use lp_driver::fs::MemFs;
use lp_import::{Imported, import_openapi_text};
use std::path::Path;

fn check_errors(text: &str) -> Vec<String> {
    let fs = MemFs::new();
    fs.insert("/import/imported.adt", text.as_bytes().to_vec());
    let opts = CheckOptions { use_cache: false, ..CheckOptions::default() };
    let outcome = lp_driver::check_with(&fs, Path::new("/import/imported.adt"), &opts).expect("in-memory check");
    outcome.diagnostics.iter().filter(|d| d.is_error()).map(|d| format!("{}: {}", d.code, d.message)).collect()
}

fn codes(imported: &Imported) -> Vec<&'static str> {
    imported.diagnostics.iter().map(|d| d.code.id()).collect()
}

/// Imports a document that must be rejected: an error with `code`, and no text.
fn rejected(doc: &str, code: &str) -> String {
    let imported = import_openapi_text(doc);
    assert!(imported.text.is_none(), "{doc:?} was imported: {:?}", imported.text);
    assert_eq!(codes(&imported), vec![code], "{doc:?}");
    assert!(imported.has_errors());
    imported.diagnostics[0].message.clone()
}

/// Imports a document that must import: the spec text, which must check without errors, and
/// the codes of the warnings.
fn imported(doc: &str) -> (String, Vec<&'static str>) {
    let imported = import_openapi_text(doc);
    assert!(!imported.has_errors(), "{:?}", imported.diagnostics);
    let text = imported.text.clone().expect("imported text");
    let errors = check_errors(&text);
    assert!(errors.is_empty(), "the imported spec does not check: {errors:?}\n{text}");
    (text, codes(&imported))
}

fn doc(schemas: &str, paths: &str) -> String {
    format!(
        r#"{{"openapi": "3.1.0", "info": {{"title": "t", "version": "1.0.0"}}, "paths": {{{paths}}}, "components": {{"schemas": {{{schemas}}}}}}}"#
    )
}

#[test]
fn lp5501_not_json_or_yaml() {
    let m = rejected("{ \"openapi\": ", "LP5501");
    assert!(m.contains("not valid JSON"), "{m}");
    let m = rejected("openapi: [3.1\ninfo: {", "LP5501");
    assert!(m.contains("JSON or YAML"), "{m}");
    rejected("a: 1\na: 2\n", "LP5501");
}

#[test]
fn lp5502_json_but_not_openapi() {
    assert!(rejected(r#"{"name": "left-pad", "version": "1.0.0"}"#, "LP5502").contains("no `openapi` field"));
    assert!(rejected("[1, 2, 3]", "LP5502").contains("not an object"));
    assert!(rejected(r#"{"openapi": 3.1, "info": {}}"#, "LP5502").contains("not a version string"));
    assert!(rejected(r#"{"openapi": "3.1.0"}"#, "LP5502").contains("no `info` object"));
    assert!(
        rejected(r#"{"openapi": "3.1.0", "info": {}, "paths": []}"#, "LP5502").contains("`paths` is not an object")
    );
    rejected("just some words\n", "LP5502");
}

#[test]
fn lp5503_swagger_and_other_versions() {
    let m = rejected("swagger: \"2.0\"\ninfo: {title: t, version: \"1\"}\npaths: {}\n", "LP5503");
    assert!(m.contains("unsupported version") && m.contains("Swagger 2.0"), "{m}");
    assert!(rejected(r#"{"openapi": "4.0.0", "info": {}}"#, "LP5503").contains("OpenAPI 4.0.0"));
    rejected(r#"{"openapi": "3.10.0", "info": {}}"#, "LP5503");
}

#[test]
fn lp5504_unsupported_schema_features() {
    let (text, codes) = imported(&doc(
        r##""Price": {"type": "number", "minimum": 0.5, "multipleOf": 0.25},
           "Either": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
           "Odd": {"type": "string", "not": {"const": "x"}},
           "Any": {"anyOf": [{"$ref": "#/components/schemas/Odd"}, {"type": "integer"}]}"##,
        "",
    ));
    assert!(codes.iter().filter(|c| **c == "LP5504").count() >= 5, "{codes:?}");
    assert!(
        text.contains("`anyOf` is imported as `oneOf`")
            && text.contains("type Any = Odd { value: Odd } | Variant1 { value: Int }"),
        "{text}"
    );
    assert!(text.contains("// LP5504: schemas.Price: `multipleOf: 0.25` is not imported"), "{text}");
    assert!(text.contains("type Either =") && text.contains("value: String"), "{text}");
    assert!(text.contains("`not`"), "{text}");
}

/// A `number` is an exact `Decimal` whatever its `format`, with its bounds as decimal
/// literals; an `integer` stays an `Int`. The imported spec checks.
#[test]
fn a_number_imports_as_a_decimal() {
    let (text, codes) = imported(&doc(
        r##""Temperature": {"type": "number", "format": "double", "minimum": 0, "maximum": 2.0},
           "Rate": {"type": "number", "format": "float", "exclusiveMinimum": -0.25, "exclusiveMaximum": 1e2},
           "Amount": {"type": "number", "format": "decimal", "const": 12.5},
           "Count": {"type": "integer", "minimum": 0},
           "Reading": {"type": "object", "required": ["value"], "properties": {
             "value": {"type": "number"}, "scale": {"type": "number", "maximum": 0.001}}}"##,
        "",
    ));
    assert!(codes.is_empty(), "{codes:?}\n{text}");
    assert!(text.contains("type Temperature = Decimal where self >= 0.0 && self <= 2.0"), "{text}");
    assert!(text.contains("type Rate = Decimal where self > -0.25 && self < 100.0"), "{text}");
    assert!(text.contains("type Amount = Decimal where self == 12.5"), "{text}");
    assert!(text.contains("type Count = Int where self >= 0"), "{text}");
    assert!(text.contains("value: Decimal"), "{text}");
    assert!(text.contains("Decimal where self <= 0.001"), "{text}");
}

#[test]
fn lp5505_unresolvable_refs() {
    let (text, codes) = imported(&doc(
        r##""A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/Missing"},
                                                "c": {"$ref": "common.yaml#/Customer"}}, "required": ["b"]}"##,
        "",
    ));
    assert_eq!(codes.iter().filter(|c| **c == "LP5505").count(), 2, "{codes:?}");
    assert!(text.contains("b: Unit") && text.contains("c: Option<Unit>"), "{text}");
    assert!(text.contains("common.yaml#/Customer"), "{text}");
}

#[test]
fn lp5506_names_are_sanitized_and_collisions_renamed() {
    let (text, codes) = imported(&doc(
        r#""String": {"type": "object", "properties": {"pet-type": {"type": "string"}, "pet_type": {"type": "string"},
                                                      "2fa": {"type": "boolean"}}},
           "Status": {"type": "string", "enum": ["in-stock", "sold out", "1"]}"#,
        "",
    ));
    assert!(codes.contains(&"LP5506"), "{codes:?}");
    assert!(text.contains("type String_ ="), "{text}");
    assert!(text.contains("_2fa: Option<Bool>"), "{text}");
    assert!(text.contains("pet_type: Option<String>") && text.contains("pet_type_2: Option<String>"), "{text}");
    assert!(text.contains("in_stock | sold_out | _1"), "{text}");
    // Same input, same names.
    assert_eq!(
        imported(&doc(r#""a-b": {"type": "integer"}, "a_b": {"type": "integer"}"#, "")).0.matches("type a_b").count(),
        2
    );
}

#[test]
fn lp5507_ref_cycles_are_broken() {
    let (text, codes) = imported(&doc(
        r##""A": {"$ref": "#/components/schemas/B"},
            "B": {"type": "array", "items": {"$ref": "#/components/schemas/A"}},
            "Node": {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}}"##,
        "",
    ));
    assert_eq!(codes.iter().filter(|c| **c == "LP5507").count(), 2, "{codes:?}");
    assert!(text.contains("type A = Unit") && text.contains("type B = Unit"), "{text}");
    // A recursive record is not an alias cycle.
    assert!(text.contains("children: Option<List<Node>>"), "{text}");
}

#[test]
fn lp5508_deep_nesting_is_bounded() {
    // 100 levels of inline arrays (within the JSON parser's limit of 128): imported up to the
    // importer's limit, no stack overflow.
    let mut schema = String::from(r#"{"type": "integer"}"#);
    for _ in 0..100 {
        schema = format!(r#"{{"type": "array", "items": {schema}}}"#);
    }
    let doc_text = doc(&format!(r#""Deep": {schema}"#), "");
    let (text, codes) = imported(&doc_text);
    assert!(codes.contains(&"LP5508"), "{codes:?}");
    assert!(text.contains("Unit"), "{text}");
    // Inline objects nest two JSON levels each; 60 of them stay within the parser's limit and
    // go through the importer's deepest path (type, declaration, record, field) per level.
    let mut schema = String::from(r#"{"type": "integer"}"#);
    for _ in 0..60 {
        schema = format!(r#"{{"type": "object", "required": ["a"], "properties": {{"a": {schema}}}}}"#);
    }
    let (text, codes) = imported(&doc(&format!(r#""Nest": {schema}"#), ""));
    assert!(codes.contains(&"LP5508"), "{codes:?}");
    assert!(text.contains("type Nest = { a: Nest_A }"), "{text}");
    // Far deeper JSON or YAML is refused by the parsers' own limits, as an error.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    rejected(&deep, "LP5501");
    let deep_yaml = format!("a: {}1{}\n", "[".repeat(100_000), "]".repeat(100_000));
    assert!(rejected(&deep_yaml, "LP5501").contains("nested deeper than 256"));
    let deep_yaml = format!("a: {}1{}\n", "[".repeat(200), "]".repeat(200));
    rejected(&deep_yaml, "LP5501");
}

#[test]
fn lp5509_operation_parts_without_equivalent() {
    let (text, codes) = imported(&doc(
        r#""Thing": {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}"#,
        r##""/things/{id}": {
              "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
              "get": {"operationId": "getThing",
                      "parameters": [{"name": "X-Trace", "in": "header", "schema": {"type": "string"}}],
                      "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                                    "default": {"description": "error"}}},
              "head": {"responses": {"200": {"description": "ok"}}}},
            "/files/{name}.txt": {"get": {"operationId": "file",
              "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
              "responses": {"200": {"description": "ok", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
            "/v{n}/x": {"get": {"operationId": "versioned",
              "parameters": [{"name": "n", "in": "path", "required": true, "schema": {"type": "integer"}}],
              "responses": {"204": {"description": "ok"}}}}"##,
    ));
    assert!(codes.iter().filter(|c| **c == "LP5509").count() >= 5, "{codes:?}");
    assert!(text.contains("header parameter `X-Trace`"), "{text}");
    assert!(text.contains("`default` response"), "{text}");
    assert!(text.contains("`HEAD` operations"), "{text}");
    assert!(text.contains("op getThing(id: Int) -> Thing GET /things/{id}"), "{text}");
    // A parameter followed by text in its segment is bound (`{name}.txt`); one after text
    // cannot be, and the op is kept without its route.
    assert!(text.contains("op file(name: String) -> String GET /files/{name}.txt\n"), "{text}");
    assert!(text.contains("op versioned(n: Int) -> Unit\n"), "{text}");
    assert!(text.contains("the path segment `v{n}` cannot be written in a spec path"), "{text}");
}

#[test]
fn lp5510_an_api_key_is_imported_closed_never_open() {
    let d = r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1.0.0"},
        "security": [{"key": []}],
        "paths": {"/a": {"get": {"operationId": "a", "responses": {"204": {"description": "ok"}}}},
                  "/b": {"get": {"operationId": "b", "security": [], "responses": {"204": {"description": "ok"}}}},
                  "/c": {"get": {"operationId": "c", "security": [{"basic": []}, {}], "responses": {"204": {"description": "ok"}}}}},
        "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"},
                                           "basic": {"type": "http", "scheme": "basic"}}}}"#;
    let (text, codes) = imported(d);
    assert_eq!(codes, vec!["LP5510"]);
    assert!(
        text.contains("// LP5510: components.securitySchemes.key: `apiKey` security has no spec equivalent; 1 operation(s) that accept it (`a`) are imported as needing a bearer token instead"),
        "{text}"
    );
    // `a` needs credentials; `b` has none and `c` allows an anonymous request.
    assert!(text.contains("auth = bearer except [b, c]"), "{text}");
}

#[test]
fn oauth2_and_openid_connect_are_bearer_tokens_with_their_scopes() {
    let d = r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1.0.0"},
        "paths": {"/a": {"get": {"operationId": "a", "security": [{"oauth": ["a:read"]}], "responses": {"204": {"description": "ok"}}}},
                  "/b": {"post": {"operationId": "b", "security": [{"oidc": ["b:write"]}], "responses": {"204": {"description": "ok"}}}},
                  "/c": {"get": {"operationId": "c", "responses": {"204": {"description": "ok"}}}}},
        "components": {"securitySchemes": {
            "oauth": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "https://x.test/token", "scopes": {"a:read": "read"}}}},
            "oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://x.test/.well-known/openid-configuration"}}}}"#;
    let (text, codes) = imported(d);
    assert!(codes.is_empty(), "{codes:?}\n{text}");
    assert!(text.contains(r#"auth = bearer(scopes = ["a:read", "b:write"]) except [c]"#), "{text}");
}

#[test]
fn the_importer_knows_the_problem_members_the_checker_reserves() {
    assert_eq!(lp_import::PROBLEM_MEMBERS, lp_ir::PROBLEM_MEMBERS);
}

#[test]
fn lp5513_error_properties_never_collide_with_the_problem_envelope() {
    // A problem-document error (its `type`/`title`/`status`/`detail` are the envelope's own)
    // and an API's own error format (`type` an enumeration, `status` a string).
    let d = r##"{"openapi": "3.1.0", "info": {"title": "t", "version": "1.0.0"},
        "paths": {"/a": {"get": {"operationId": "a", "responses": {
            "204": {"description": "ok"},
            "404": {"description": "missing", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
            "402": {"description": "declined", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CardError"}}}}}}}},
        "components": {"schemas": {
            "Problem": {"type": "object", "required": ["type", "title", "status"], "properties": {
                "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                "detail": {"type": "string"}, "code": {"type": "string"}}},
            "CardError": {"type": "object", "required": ["type", "status", "message"], "properties": {
                "type": {"type": "string", "enum": ["card_error", "api_error"]},
                "status": {"type": "string"}, "message": {"type": "string"}, "error_status": {"type": "integer"}}}}}}"##;
    let (text, codes) = imported(d);
    assert_eq!(codes, vec!["LP5513", "LP5513"], "{text}");
    // The problem document keeps only its extension member.
    assert!(text.contains("error ProblemNotFound = 404 { code: Option<String> }"), "{text}");
    // The API's own format: `type` and `status` renamed, clear of the existing `error_status`.
    let declined = text.split("error CardErrorPaymentRequired = 402 {").nth(1).expect("the 402 error");
    let declined = declined.split('}').next().expect("its fields");
    assert!(declined.contains("error_type: "), "{text}");
    assert!(declined.contains("error_status_2: String"), "{text}");
    assert!(declined.contains("error_status: Option<Int>"), "{text}");
    for member in ["  type:", "  title:", "  status:", "  detail:"] {
        assert!(!declined.contains(member), "{member} in {declined}");
    }
    assert!(text.contains("`status` (String) renamed to `error_status_2`"), "{text}");
    assert!(text.contains("`title` is the problem document's own member"), "{text}");
}

#[test]
fn nullable_records_and_wrapping_all_ofs_are_imported_without_false_alarms() {
    let d = doc(
        r##""Owner": {"type": "object", "nullable": true, "properties": {"name": {"type": "string"}}},
           "Id": {"type": "string", "minLength": 2},
           "Pet": {"type": "object", "required": ["owner", "id", "tag", "meta"], "properties": {
               "owner": {"$ref": "#/components/schemas/Owner"},
               "id": {"allOf": [{"$ref": "#/components/schemas/Id"}, {"description": "the pet's id"}]},
               "tag": {"allOf": [{"$ref": "#/components/schemas/Id"}, {"nullable": true}]},
               "meta": {"type": "object", "nullable": true, "properties": {"a": {"type": "integer"}}}}}"##,
        "",
    );
    let (text, codes) = imported(&d);
    // No `nullable` "not imported" warning, no empty record for a wrapped scalar.
    assert!(codes.is_empty(), "{codes:?}\n{text}");
    assert!(text.contains("owner: Option<Owner>"), "{text}");
    assert!(text.contains("id: Id,"), "{text}");
    assert!(text.contains("tag: Option<Id>"), "{text}");
    assert!(text.contains("meta: Option<Pet_Meta>"), "{text}");
    assert!(text.contains("type Owner = { name: Option<String> }"), "{text}");
}

#[test]
fn form_bodies_are_imported_as_the_body() {
    let d = r##"{"openapi": "3.1.0", "info": {"title": "t", "version": "1.0.0"},
        "paths": {
          "/search": {"post": {"operationId": "search", "requestBody": {"required": true, "content": {
              "application/x-www-form-urlencoded": {"schema": {"type": "object", "required": ["q"],
                  "properties": {"q": {"type": "string"}, "rows": {"type": "integer"}}}}}},
              "responses": {"201": {"description": "ok", "content": {"application/json": {"schema": {"type": "integer"}}}}}}},
          "/upload": {"post": {"operationId": "upload", "requestBody": {"content": {
              "multipart/form-data": {"schema": {"$ref": "#/components/schemas/Upload"}}}},
              "responses": {"204": {"description": "ok"}}}},
          "/raw": {"put": {"operationId": "raw", "requestBody": {"content": {"text/plain": {"schema": {"type": "string"}}}},
              "responses": {"204": {"description": "ok"}}}}},
        "components": {"schemas": {"Upload": {"type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}, "note": {"type": "string"}}}}}}"##;
    let (text, codes) = imported(d);
    assert_eq!(codes, vec!["LP5509", "LP5509", "LP5509"], "{text}");
    assert!(text.contains("op search(body payload: SearchBody) -> Int POST /search"), "{text}");
    assert!(text.contains("type SearchBody = { q: String, rows: Option<Int> }"), "{text}");
    assert!(text.contains("op upload(body upload: Option<Upload>) -> Unit POST /upload"), "{text}");
    assert!(text.contains("the `application/x-www-form-urlencoded` request body is imported as the operation's body; the generated services read it as JSON"), "{text}");
    assert!(text.contains("the `multipart/form-data` request body is imported"), "{text}");
    assert!(text.contains("the request body has neither JSON nor form content; not imported"), "{text}");
    assert!(text.contains("op raw() -> Unit PUT /raw"), "{text}");
}

#[test]
fn lp5511_version_not_semver() {
    let (text, codes) = imported(r#"{"openapi": "3.0.0", "info": {"title": "My API!", "version": "v2"}, "paths": {}}"#);
    assert_eq!(codes, vec!["LP5511"]);
    assert!(text.starts_with("spec my_api version 2.0.0\n"), "{text}");
}

#[test]
fn refinement_text_must_be_one_expression() {
    // A comment in `x-leanos-refinement` would swallow the rest of the line: refused (LP5504).
    let (text, codes) = imported(&doc(
        r#""A": {"type": "object", "required": ["n", "m"], "properties": {
              "n": {"type": "integer", "x-leanos-refinement": "self > 0 // sneaky"},
              "m": {"type": "integer", "x-leanos-refinement": "self > 0 && self < 10"}}}"#,
        "",
    ));
    assert_eq!(codes, vec!["LP5504"]);
    assert!(text.contains("{ m: Int where self > 0 && self < 10, n: Int }"), "{text}");
}

#[test]
fn lp5512_output_that_does_not_parse_is_never_printed() {
    // Every piece of text copied from the document is validated first, so no document is known
    // to reach this guard; it is tested directly with text that does not parse.
    let broken = lp_import::finish("spec t version 1.0.0\n\ntype A = { f: Int -> }\n", Vec::new());
    assert_eq!(codes(&broken), vec!["LP5512"]);
    assert!(broken.text.is_none() && broken.has_errors());
    let fine = lp_import::finish("spec t version 1.0.0\ntype A = {f:Int}\n", Vec::new());
    assert_eq!(fine.text.as_deref(), Some("spec t version 1.0.0\n\ntype A = { f: Int }\n"));
    // A broken `x-leanos-type` is caught before it reaches the text (LP5504).
    let (text, codes) = imported(&doc(
        r#""F": {"type": "object", "properties": {"f": {"x-leanos-type": "Int ->"}}, "required": ["f"]}"#,
        "",
    ));
    assert_eq!(codes, vec!["LP5504"]);
    assert!(text.contains("f: Unit"), "{text}");
}

#[test]
fn the_mapping_of_supported_features() {
    let d = r##"
openapi: 3.0.3
info: {title: shop, version: 2.1.0}
tags:
  - {name: orders, description: Orders of the shop.}
security:
  - bearer: [orders]
paths:
  /orders:
    get:
      tags: [orders]
      operationId: listOrders
      parameters:
        - {name: status, in: query, schema: {$ref: "#/components/schemas/Status"}}
        - {name: limit, in: query, required: true, schema: {type: integer, minimum: 1, maximum: 100}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Order"}}}}}
        "400": {description: bad query}
    post:
      tags: [orders]
      operationId: placeOrder
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: "#/components/schemas/Order"}}}
      responses:
        "201": {description: placed, content: {application/json: {schema: {$ref: "#/components/schemas/Order"}}}}
        "409":
          description: out of stock
          content: {application/problem+json: {schema: {$ref: "#/components/schemas/Stock"}}}
  /health:
    get:
      operationId: health
      security: []
      responses: {"204": {description: alive}}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  schemas:
    Status: {type: string, enum: [open, paid, shipped]}
    Sku: {type: string, minLength: 3, maxLength: 12, pattern: "^[A-Z0-9-]+$"}
    Order:
      type: object
      description: An order.
      required: [id, lines, payment, tags, totals]
      properties:
        id: {type: integer, minimum: 1, exclusiveMaximum: 1000000}
        lines:
          type: array
          minItems: 1
          items:
            type: object
            required: [sku, quantity]
            properties:
              sku: {$ref: "#/components/schemas/Sku"}
              quantity: {type: integer, minimum: 1, maximum: 99, multipleOf: 1}
        payment: {$ref: "#/components/schemas/Payment"}
        tags: {type: array, uniqueItems: true, items: {type: string}}
        totals: {type: object, additionalProperties: {type: integer}}
        note: {type: string, nullable: true}
        coupon: {type: [string, "null"]}
        nick: {type: string, minLength: 2}
        codes: {type: array, items: {type: string, maxLength: 3}}
    Payment:
      oneOf:
        - {$ref: "#/components/schemas/Card"}
        - {$ref: "#/components/schemas/Transfer"}
      discriminator:
        propertyName: method
        mapping: {card: "#/components/schemas/Card", transfer: "#/components/schemas/Transfer"}
    Card:
      type: object
      required: [method, last4]
      properties: {method: {type: string}, last4: {type: string, minLength: 4, maxLength: 4}}
    Transfer:
      type: object
      required: [method]
      properties: {method: {type: string}, iban: {type: string}}
    Stock:
      type: object
      required: [sku]
      properties: {sku: {$ref: "#/components/schemas/Sku"}}
"##;
    let (text, codes) = imported(d);
    assert!(codes.is_empty(), "{codes:?}");
    insta::assert_snapshot!("features", text);
}

#[test]
fn yaml_alias_bombs_are_refused() {
    // "Billion laughs": aliases that expand exponentially must be refused, not expanded.
    let mut d =
        String::from("openapi: 3.1.0\ninfo: {title: t, version: 1.0.0}\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        d.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    let m = rejected(&d, "LP5501");
    assert!(m.contains("JSON or YAML"), "{m}");
}

#[test]
fn a_request_body_that_is_not_required_is_an_option_once() {
    let (text, _) = imported(&doc(
        r#""Note": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}"#,
        r##""/a": {"post": {"operationId": "a",
              "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Note"}}}},
              "responses": {"204": {"description": "ok"}}}},
            "/b": {"post": {"operationId": "b",
              "requestBody": {"required": false, "content": {"application/json": {"schema":
                {"oneOf": [{"$ref": "#/components/schemas/Note"}, {"type": "null"}]}}}},
              "responses": {"204": {"description": "ok"}}}}"##,
    ));
    assert!(text.contains("op a(body note: Option<Note>) -> Unit POST /a"), "{text}");
    assert!(text.contains("op b(body payload: Option<Note>) -> Unit POST /b"), "{text}");
}

#[test]
fn a_parameter_union_of_scalars_is_text() {
    let (text, codes) = imported(&doc(
        "",
        r##""/things/{key}": {"get": {"operationId": "getThing",
              "parameters": [
                {"name": "key", "in": "path", "required": true, "schema": {"oneOf": [{"type": "string"}, {"type": "integer"}]}},
                {"name": "sel", "in": "query", "schema": {"anyOf": [{"type": "boolean"}, {"type": "number"}]}}],
              "responses": {"204": {"description": "ok"}}}}"##,
    ));
    assert_eq!(codes, vec!["LP5504", "LP5504"]);
    assert!(text.contains("op getThing(key: String, sel: Option<String>) -> Unit GET /things/{key}"), "{text}");
    assert!(text.contains("a parameter's `oneOf` of scalars is imported as `String`"), "{text}");
}
