//! Snapshots of the IR printer, and its independence from layout.

mod common;

use common::{lower_clean, lower_files};

const DESIGN: &str = include_str!("fixtures/design.adt");

#[test]
fn design_example() {
    let spec = lower_clean(DESIGN);
    insta::assert_snapshot!(lp_ir::print(&spec));
}

#[test]
fn printing_is_deterministic() {
    let a = lp_ir::print(&lower_clean(DESIGN));
    let b = lp_ir::print(&lower_clean(DESIGN));
    assert_eq!(a, b);
}

#[test]
fn layout_does_not_change_the_ir() {
    let compact = "type A = Int where self >= 0 && (self <= 10)\n\
                   /// Docs.\n\
                   fn f(x: A) -> Int = (x + 1) * 2 - x - (x - 1)\n\
                   type O = | One { a: Int } | Two";
    let spaced = "type A =\n  Int\n  where (self >= 0) && self <= 10\n\n\
                  ///   Docs.   \n\
                  fn f(\n  x: A,\n) -> Int =\n  ((x + 1) * 2) - x - (x - 1)\n\n\
                  type O = One { a: Int, } | Two";
    assert_eq!(lp_ir::print(&lower_clean(compact)), lp_ir::print(&lower_clean(spaced)));
}

#[test]
fn necessary_parentheses_are_kept() {
    let spec =
        lower_clean("fn f(x: Int) -> Int = x - (x - 1) * (2 + x)\nfn g(b: Bool) -> Bool = !(b && b) || (b == (1 < 2))");
    let out = lp_ir::print(&spec);
    assert!(out.contains("= x - (x - 1) * (2 + x)\n"), "{out}");
    assert!(out.contains("= !(b && b) || b == (1 < 2)\n"), "{out}");
}

#[test]
fn multi_file_spec() {
    let (spec, diags) = lower_files(&[
        "spec shop version 1.2.3\nservice a { op get(id: String) -> Int GET /items/{id} }",
        "spec shop version 1.2.3\nservice b { depends on a\n flow f = get }\ndeploy b { replicas = 2 }",
    ]);
    assert!(diags.is_empty(), "{diags:?}");
    insta::assert_snapshot!(lp_ir::print(&spec));
}

/// The IR of a formatted file equals the IR of the original (the formatter only changes
/// layout), over the design example, the `ir` corpus and the example projects.
#[test]
fn formatting_does_not_change_the_ir() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut texts: Vec<(String, String)> = vec![("design.adt".into(), DESIGN.into())];
    let mut dirs = vec![root.join("tests/corpus/ir")];
    // The example projects' spec files as the CLI finds them (not a build output's reports).
    for path in lp_test_support::example_spec_files() {
        texts.push((path.display().to_string(), std::fs::read_to_string(&path).expect("readable")));
    }
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "adt") {
                texts.push((path.display().to_string(), std::fs::read_to_string(&path).expect("readable")));
            }
        }
    }
    let ir = |text: &str| {
        let parsed = lp_syntax::parse(lp_diagnostics::FileId(0), text);
        let lowered = lp_ir::lower(&[(lp_diagnostics::FileId(0), &parsed.value)]);
        (parsed.value, lp_ir::print(&lowered.value))
    };
    for (name, text) in texts {
        let (ast, before) = ir(&text);
        let formatted = lp_syntax::format::format(&ast, &text);
        let (_, after) = ir(&formatted);
        assert_eq!(before, after, "formatting {name} changed its IR");
    }
}
