//! `$ref`s beyond schemas: responses, request bodies and parameters of `components`, each
//! followed for success and error responses alike (issue #15, item 2); and multi-file
//! descriptions, whose references to other files are followed inside the description's
//! folder and within bounds, or reported (LP5520) or refused (LP5521) (issue #15, item 3).

use lp_driver::CheckOptions;
use lp_driver::fs::MemFs;
use lp_import::bundle::{Files, Limits};
use lp_import::{Imported, import_openapi_files, import_openapi_text};
use std::collections::BTreeMap;
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
        messages
            .iter()
            .any(|m| m.starts_with("LP5505") && m.contains("response `$ref` `#/components/responses/Missing`")),
        "{messages:?}"
    );
}

// ---------------------------------------------------------------- multi-file descriptions (item 3)

/// The files of a description, in memory, by path relative to the root document's folder.
struct Mem(BTreeMap<&'static str, &'static str>);

impl Files for Mem {
    fn read(&self, path: &str) -> Result<String, String> {
        self.0.get(path).map(|t| t.to_string()).ok_or_else(|| "no such file".to_string())
    }
}

fn import_files(files: &[(&'static str, &'static str)], limits: Limits) -> Imported {
    let mem = Mem(files.iter().copied().collect());
    let root = mem.0["openapi.yaml"];
    import_openapi_files(root, "openapi.yaml", &mem, limits)
}

fn messages(imported: &Imported) -> Vec<String> {
    imported.diagnostics.iter().map(|d| format!("{}: {}", d.code, d.message)).collect()
}

const ROOT: &str = r##"
openapi: 3.0.3
info: {title: files, version: 1.0.0}
paths:
  /pets:
    get: {$ref: 'resources/pets.yml#/list'}
    post: {$ref: 'resources/pets.yml#/create'}
  /pets/{id}:
    $ref: 'resources/pet.yml'
components:
  schemas:
    Pet: {$ref: 'schemas/Pet.yaml'}
"##;

const PETS: &str = r##"
list:
  operationId: listPets
  tags: [pets]
  parameters:
    - {$ref: '../parameters.yaml#/limit'}
  responses:
    '200':
      description: The pets.
      content:
        application/json:
          schema: {type: array, items: {$ref: '../schemas/Pet.yaml'}}
create:
  operationId: createPet
  tags: [pets]
  requestBody:
    required: true
    content: {application/json: {schema: {$ref: '../schemas/Pet.yaml'}}}
  responses:
    '201':
      description: Created.
      content: {application/json: {schema: {$ref: '../schemas/Pet.yaml'}}}
"##;

const PET: &str = r##"
parameters:
  - {name: id, in: path, required: true, schema: {type: integer}}
get:
  operationId: getPet
  tags: [pets]
  responses:
    '200':
      description: The pet.
      content: {application/json: {schema: {$ref: '../openapi.yaml#/components/schemas/Pet'}}}
    '404': {$ref: '../responses.yaml#/NotFound'}
"##;

const PET_SCHEMA: &str = r##"
type: object
required: [id, name]
properties:
  id: {type: integer}
  name: {type: string}
  parent: {$ref: 'Pet.yaml'}
  tag: {$ref: '#/definitions/Tag'}
definitions:
  Tag: {type: string, maxLength: 20}
"##;

const PARAMETERS: &str = "limit: {name: limit, in: query, schema: {type: integer}}\n";

const RESPONSES: &str = r##"
NotFound:
  description: No such pet.
  content:
    application/json:
      schema: {type: object, required: [message], properties: {message: {type: string}}}
"##;

fn pet_files() -> Vec<(&'static str, &'static str)> {
    vec![
        ("openapi.yaml", ROOT),
        ("resources/pets.yml", PETS),
        ("resources/pet.yml", PET),
        ("schemas/Pet.yaml", PET_SCHEMA),
        ("parameters.yaml", PARAMETERS),
        ("responses.yaml", RESPONSES),
    ]
}

#[test]
fn relative_file_refs_are_followed() {
    let imported = import_files(&pet_files(), Limits::default());
    assert!(!imported.has_errors(), "{:?}", messages(&imported));
    let text = imported.text.clone().expect("imported text");
    assert!(check_errors(&text).is_empty(), "{:?}\n{text}", check_errors(&text));
    // Every file-referenced operation is there, with its parameters, body, result and errors.
    assert!(text.contains("op listPets(limit: Option<Int>) -> List<Pet> GET /pets"), "{text}");
    assert!(text.contains("op createPet(body pet: Pet) -> Pet POST /pets"), "{text}");
    assert!(text.contains("op getPet(id: Int) -> Pet ! NotFound GET /pets/{id}"), "{text}");
    assert!(text.contains("error NotFound = 404 { message: String }"), "{text}");
    // The component keeps its name, refers to itself by it, and its local `#/definitions`
    // reference is read from its own file.
    assert!(text.contains("parent: Option<Pet>"), "{text}");
    // A schema in another file (or elsewhere in one) is a named type, once.
    assert!(text.contains("tag: Option<Tag>"), "{text}");
    assert!(text.contains("type Tag = String where len(self) <= 20"), "{text}");
    assert_eq!(text.matches("type Pet =").count(), 1, "{text}");
    // Same input, same bytes.
    assert_eq!(import_files(&pet_files(), Limits::default()).text, imported.text);
}

#[test]
fn lp5520_refs_that_are_not_followed_are_reported() {
    let root = r##"
openapi: 3.0.3
info: {title: files, version: 1.0.0}
paths:
  /a:
    get: {$ref: 'missing.yaml'}
  /b:
    get: {$ref: '../outside.yaml'}
  /c:
    get: {$ref: 'https://example.com/op.yaml'}
  /d:
    get: {$ref: '/etc/op.yaml'}
components:
  schemas:
    Broken: {$ref: 'bad.yaml'}
    Nothing: {$ref: 'defs.yaml#/nope'}
"##;
    let mem = Mem([("openapi.yaml", root), ("bad.yaml", "a: [1"), ("defs.yaml", "x: 1\n")].into_iter().collect());
    let imported = import_openapi_files(root, "openapi.yaml", &mem, Limits::default());
    assert!(!imported.has_errors(), "{:?}", messages(&imported));
    let m = messages(&imported);
    let has = |needle: &str| m.iter().any(|x| x.starts_with("LP5520") && x.contains(needle));
    assert!(has("`missing.yaml` cannot be read"), "{m:?}");
    assert!(has("`../outside.yaml` is not followed: it leaves the description's folder"), "{m:?}");
    assert!(has("it is a URL"), "{m:?}");
    assert!(has("it is an absolute path"), "{m:?}");
    assert!(has("`bad.yaml` is not JSON or YAML"), "{m:?}");
    assert!(has("`defs.yaml` has nothing at `#/nope`"), "{m:?}");
    // Where each was used is reported too, and nothing is imported as an empty operation.
    let text = imported.text.expect("imported text");
    assert!(!text.contains("op "), "{text}");
    assert_eq!(m.iter().filter(|x| x.starts_with("LP5509") && x.contains("is not followed")).count(), 4, "{m:?}");
}

#[test]
fn an_operation_ref_without_files_is_reported_not_imported_empty() {
    // Imported from text alone, no file can be read: the operation is reported and left out.
    let imported = import_openapi_text(ROOT);
    let m = messages(&imported);
    assert!(m.iter().any(|x| x.starts_with("LP5509") && x.contains("resources/pets.yml#/list")), "{m:?}");
    assert!(m.iter().any(|x| x.starts_with("LP5509") && x.contains("resources/pet.yml")), "{m:?}");
    let text = imported.text.expect("imported text");
    assert!(!text.contains("op "), "{text}");
}

#[test]
fn lp5521_bounds_refuse_the_import() {
    let few = Limits { max_files: 2, ..Limits::default() };
    let imported = import_files(&pet_files(), few);
    assert!(imported.text.is_none() && imported.has_errors());
    assert!(messages(&imported).iter().any(|m| m.starts_with("LP5521") && m.contains("more than 2 files")));
    let small = Limits { max_nodes: 50, ..Limits::default() };
    let imported = import_files(&pet_files(), small);
    assert!(messages(&imported).iter().any(|m| m.starts_with("LP5521") && m.contains("more than 50 values")));
    // References that fan out: each level refers to the next twice, so the inlined document
    // doubles with each level; the bound on values stops it. (Schemas are named once instead
    // of copied, so the fan-out is in another part: an extension.)
    let mut files: Vec<(&'static str, &'static str)> = vec![(
        "openapi.yaml",
        "openapi: 3.0.3\ninfo: {title: t, version: 1.0.0}\npaths: {}\nx-blob: {$ref: 'l0.yaml'}\n",
    )];
    for i in 0..40 {
        let text = format!("a: {{$ref: 'l{n}.yaml'}}\nb: {{$ref: 'l{n}.yaml'}}\n", n = i + 1);
        files.push((Box::leak(format!("l{i}.yaml").into_boxed_str()), Box::leak(text.into_boxed_str())));
    }
    files.push(("l40.yaml", "leaf: 1\n"));
    // (A smaller bound than the default keeps the test fast; the default stops it the same way.)
    let imported = import_files(&files, Limits { max_nodes: 100_000, ..Limits::default() });
    assert!(messages(&imported).iter().any(|m| m.starts_with("LP5521")), "{:?}", messages(&imported));
}
