//! `$ref`s beyond schemas: responses, request bodies and parameters of `components`, each
//! followed for success and error responses alike (issue #15, item 2).

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

/// Imports a document that must import and check; the text and the warnings' codes.
fn imported(doc: &str) -> (String, Vec<&'static str>) {
    let imported = import_openapi_text(doc);
    assert!(!imported.has_errors(), "{:?}", imported.diagnostics);
    let text = imported.text.clone().expect("imported text");
    let errors = check_errors(&text);
    assert!(errors.is_empty(), "the imported spec does not check: {errors:?}\n{text}");
    (text, codes(&imported))
}

#[test]
fn component_responses_are_followed_for_results_and_errors() {
    let d = r##"
openapi: 3.0.3
info: {title: t, version: 1.0.0}
paths:
  /things/{id}:
    parameters:
      - $ref: '#/components/parameters/Id'
    get:
      operationId: getThing
      responses:
        '200': {$ref: '#/components/responses/Thing'}
        '404': {$ref: '#/components/responses/NotFound'}
    put:
      operationId: putThing
      requestBody: {$ref: '#/components/requestBodies/Thing'}
      responses:
        '200': {$ref: '#/components/responses/Chained'}
        '409': {$ref: '#/components/responses/Conflict'}
components:
  parameters:
    Id: {name: id, in: path, required: true, schema: {type: integer}}
  requestBodies:
    Thing:
      required: true
      content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}
  responses:
    Thing:
      description: The thing.
      content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}
    Chained: {$ref: '#/components/responses/Thing'}
    NotFound:
      description: There is no such thing.
      content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
    Conflict:
      description: The thing changed meanwhile.
      content:
        application/json:
          schema:
            type: object
            required: [reason]
            properties: {reason: {type: string}}
  schemas:
    Thing:
      type: object
      required: [id, name]
      properties: {id: {type: integer}, name: {type: string}}
    Error:
      type: object
      required: [code, message]
      properties: {code: {type: integer}, message: {type: string}}
"##;
    let (text, codes) = imported(d);
    assert!(codes.is_empty(), "{codes:?}\n{text}");
    assert!(text.contains("op getThing(id: Int) -> Thing ! ErrorNotFound GET /things/{id}"), "{text}");
    assert!(text.contains("op putThing(id: Int, body thing: Thing) -> Thing ! Conflict PUT /things/{id}"), "{text}");
    assert!(text.contains("error ErrorNotFound = 404 { code: Int, message: String }"), "{text}");
    assert!(text.contains("/// There is no such thing."), "{text}");
    assert!(text.contains("error Conflict = 409 { reason: String }"), "{text}");
}

#[test]
fn an_unresolved_response_ref_is_reported_not_read_as_unit() {
    let d = r##"{"openapi": "3.1.0", "info": {"title": "t", "version": "1.0.0"},
        "paths": {"/a": {"get": {"operationId": "a", "responses": {
            "200": {"$ref": "#/components/responses/Missing"}}}}}}"##;
    let imported = import_openapi_text(d);
    let messages: Vec<String> = imported.diagnostics.iter().map(|d| format!("{}: {}", d.code, d.message)).collect();
    assert!(
        messages.iter().any(|m| m.starts_with("LP5505") && m.contains("response `$ref` `#/components/responses/Missing`")),
        "{messages:?}"
    );
}
