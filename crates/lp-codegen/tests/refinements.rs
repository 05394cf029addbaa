//! Refinements translated to JSON Schema constraints, and the ones kept as text.

use lp_codegen::openapi::{openapi, read_back};
use lp_diagnostics::FileId;
use serde_json::{Value, json};

fn doc(src: &str) -> Value {
    let parsed = lp_syntax::parse(FileId(0), src);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let lowered = lp_ir::lower(&[(FileId(0), &parsed.value)]);
    assert!(!lowered.diagnostics.iter().any(|d| d.is_error()), "{:?}", lowered.diagnostics);
    let doc = openapi(&lowered.value);
    assert_eq!(read_back(&doc, &lowered.value), Vec::new());
    doc
}

#[test]
fn bounds_become_keywords() {
    let d = doc("spec s version 1.0.0\n\
        type A = Int where 0 < self && self <= 10\n\
        type B = String where len(self) > 2 && len(self) < 9 && matches(self, \"^x\")\n\
        type C = List<Int> where len(self) >= 1\n\
        type D = Int where self == 7\n");
    let s = &d["components"]["schemas"];
    assert_eq!(s["A"], json!({ "type": "integer", "format": "int64", "exclusiveMinimum": 0, "maximum": 10 }));
    assert_eq!(s["B"], json!({ "type": "string", "minLength": 3, "maxLength": 8, "pattern": "^x" }));
    assert_eq!(s["C"]["minItems"], json!(1));
    assert_eq!((&s["D"]["minimum"], &s["D"]["maximum"]), (&json!(7), &json!(7)));
}

#[test]
fn inexpressible_refinements_are_kept_as_text() {
    let d = doc("spec s version 1.0.0\n\
        type A = Int where self >= 0 && self != 5\n\
        type R = { lo: Int, hi: Int } where self.lo <= self.hi\n\
        type E = Int where self >= 0 || self <= -10\n");
    let s = &d["components"]["schemas"];
    assert_eq!(s["A"]["minimum"], json!(0));
    assert_eq!(s["A"]["x-leanos-refinement"], json!("self >= 0 && self != 5"));
    assert_eq!(s["R"]["x-leanos-refinement"], json!("self.lo <= self.hi"));
    assert!(s["E"].get("minimum").is_none());
    assert_eq!(s["E"]["x-leanos-refinement"], json!("self >= 0 || self <= -10"));
}

#[test]
fn unit_sums_are_enums_and_generics_are_instantiated() {
    let d = doc("spec s version 1.0.0\n\
        type Color = Red | Green\n\
        type Page<+T> = { items: List<T>, next: Option<String> }\n\
        type Shown = { colors: Page<Color> }\n");
    let s = &d["components"]["schemas"];
    assert_eq!(s["Color"], json!({ "type": "string", "enum": ["Red", "Green"] }));
    assert!(s.get("Page").is_none());
    assert_eq!(s["Page_Color"]["properties"]["items"]["items"], json!({ "$ref": "#/components/schemas/Color" }));
    assert_eq!(s["Page_Color"]["required"], json!(["items"]));
}
