//! The frontend generator: snapshots of a small spec's app, determinism, escaping of spec text
//! reaching TypeScript and JSX, traceability of every file, and the pinned project files.
//! The generated apps are compiled, built and tested with npm by `scripts/test-frontend.sh`.

mod common;

use common::{EXAMPLES, example};
use lp_codegen::generated::{Generated, spec_items};
use lp_codegen::remix::{app_dir, generate, untested};
use lp_ir::Spec;
use serde_json::Value;
use std::collections::BTreeSet;

fn fixture() -> Spec {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/remix-escaping.adt"))
        .expect("read the fixture");
    lp_test_support::spec_of(&[text])
}

fn text<'g>(files: &'g Generated, spec: &Spec, path: &str) -> &'g str {
    let full = format!("{}/{path}", app_dir(spec));
    std::str::from_utf8(&files.get(&full).unwrap_or_else(|| panic!("{full} is generated")).bytes).expect("UTF-8")
}

/// Files that come from `templates/remix/` unchanged (not worth a snapshot).
const TEMPLATE_FILES: &[&str] = &[
    ".gitignore",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "tsconfig.correspondence.json",
    "vite.config.ts",
    "vitest.config.ts",
    "react-router.config.ts",
    "app/root.tsx",
    "app/api/http.ts",
    "app/lib/forms.ts",
    "app/lib/machine.ts",
    "app/lib/outcome.tsx",
    "app/lib/runtime.ts",
    "app/lib/view.tsx",
];

#[test]
fn fixture_app_snapshot() {
    let spec = fixture();
    let files = generate(&spec);
    let dir = app_dir(&spec);
    assert_eq!(dir, "code/frontend/escaping_demo");
    for (path, file) in &files {
        let rel = path.strip_prefix(&format!("{dir}/")).expect("under the app folder");
        if TEMPLATE_FILES.contains(&rel) {
            continue;
        }
        let name = rel.replace('/', "__");
        let body = format!("sources: {:?}\n\n{}", file.sources, String::from_utf8_lossy(&file.bytes));
        insta::assert_snapshot!(format!("remix_{name}"), body);
    }
}

#[test]
fn output_is_deterministic() {
    let spec = fixture();
    assert_eq!(generate(&spec), generate(&spec));
    for dir in EXAMPLES {
        let a = generate(&example(dir));
        let b = generate(&example(dir));
        assert_eq!(a, b, "{dir}");
        // Rebuilding the spec from its text gives the same bytes too.
        assert_eq!(a, generate(&example(dir)), "{dir}");
    }
}

#[test]
fn templates_are_emitted_verbatim() {
    let spec = fixture();
    let files = generate(&spec);
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/remix/");
    for rel in TEMPLATE_FILES {
        let expected = std::fs::read(format!("{root}{rel}")).expect("template");
        assert_eq!(text(&files, &spec, rel).as_bytes(), expected.as_slice(), "{rel}");
    }
}

#[test]
fn dependencies_are_pinned_and_locked() {
    let spec = fixture();
    let files = generate(&spec);
    let package: Value = serde_json::from_str(text(&files, &spec, "package.json")).expect("package.json");
    let lock: Value = serde_json::from_str(text(&files, &spec, "package-lock.json")).expect("package-lock.json");
    let root = &lock["packages"][""];
    for section in ["dependencies", "devDependencies"] {
        let deps = package[section].as_object().expect(section);
        assert!(!deps.is_empty());
        for (name, version) in deps {
            let version = version.as_str().expect("a version string");
            assert!(version.chars().all(|c| c.is_ascii_digit() || c == '.'), "{name} {version} is not exact");
            assert_eq!(root[section][name].as_str(), Some(version), "the lockfile's root pins {name}");
            let installed = &lock["packages"][format!("node_modules/{name}")]["version"];
            assert_eq!(installed.as_str(), Some(version), "the lockfile installs {name}@{version}");
        }
    }
    assert_eq!(package["name"], lock["name"]);
    // React Router's dev tools and runtime are pinned to one version.
    assert_eq!(package["dependencies"]["react-router"], package["devDependencies"]["@react-router/dev"]);
    assert_eq!(package["dependencies"]["react-router"], package["dependencies"]["@react-router/node"]);
}

#[test]
fn spec_text_is_escaped() {
    let spec = fixture();
    let files = generate(&spec);
    let types = text(&files, &spec, "app/api/types.ts");
    // A doc comment cannot close the JSDoc block early.
    assert!(types.contains("doc text with *\\/ and ${injected} and {{moustache}}"), "{types}");
    assert!(!types.contains("with */"), "{types}");
    let validators = text(&files, &spec, "app/api/validators.ts");
    // The regex reaches TypeScript as a double-quoted literal with escapes: `^[a-z"'\\]+$`.
    assert!(validators.contains(r#"h.matches(self, "^[a-z\"'\\\\]+$")"#), "{validators}");
    // Reserved words are properties (never bindings).
    assert!(validators.contains("    default: Label,"), "{validators}");
    assert!(validators.contains("    class: z.int().refine("), "{validators}");
    let client = text(&files, &spec, "app/api/clients/class.ts");
    assert!(client.contains("    delete(args: { label: types.Label }): Promise<ApiResult<null>> {"), "{client}");
    assert!(
        client.contains("    new(args: { keywords: types.Keywords }): Promise<ApiResult<types.Keywords>> {"),
        "{client}"
    );
    assert!(client.contains("[\"function\", args.function]"), "{client}");
    // The page of an operation shows spec text only as JSX expressions of string literals.
    let page = text(&files, &spec, "app/routes/class/default.tsx");
    assert!(page.contains("{\"function (optional): Option<Int>\"}"), "{page}");
    assert!(page.contains("<option value={\"Default\"}>{\"Default\"}</option>"), "{page}");
    // Untranslatable refinements are listed, not dropped silently.
    assert!(
        validators.contains("\"Checked.text: external_check(self) (uses the external function `external_check`)\"")
    );
    // Functions called by refinements are translated.
    let fns = text(&files, &spec, "app/api/functions.ts");
    assert!(fns.contains("export function rank_fits(p0: types.Mode, p1: number): boolean {"), "{fns}");
}

#[test]
fn ts_strings_escape_everything_dangerous() {
    use lp_codegen::remix::ts::{ident, jsdoc, ts_string};
    assert_eq!(ts_string("a\"b\\c\nd${e}{{f}}"), r#""a\"b\\c\nd${e}{{f}}""#);
    assert_eq!(ts_string("\u{2028}"), r#""\u2028""#);
    assert_eq!(ident("delete"), "delete_");
    assert_eq!(ident("tenant"), "tenant");
    assert_eq!(jsdoc(&[" ends */ here".into()], ""), "/**\n * ends *\\/ here\n */\n");
}

#[test]
fn every_file_names_its_sources() {
    for spec in EXAMPLES.iter().map(|d| example(d)).chain([fixture()]) {
        let files = generate(&spec);
        let items: BTreeSet<String> = spec_items(&spec).into_iter().collect();
        let mut named = BTreeSet::new();
        for (path, file) in &files {
            assert!(!file.sources.is_empty(), "{path} names no spec item");
            for s in &file.sources {
                assert!(items.contains(s), "{path}: `{s}` is not an item of the spec");
                named.insert(s.clone());
            }
        }
        // Every type, error, machine, service and operation reaches the frontend.
        for item in &items {
            let kind = item.split('.').next().unwrap_or("");
            if ["type", "error", "machine", "service", "op"].contains(&kind) {
                assert!(named.contains(item), "{item} is named by no frontend file");
            }
        }
        let dir = app_dir(&spec);
        for service in &spec.services {
            for op in &service.ops {
                let page = &files[&format!("{dir}/app/routes/{}/{}.tsx", service.name, op.name)];
                let id = format!("op.{}.{}", service.name, op.name);
                assert!(page.sources.contains(&id), "{id}");
                assert!(page.sources.contains(&format!("service.{}", service.name)));
                if let Some(f) = &op.fires {
                    let machine = format!("machine.{}", spec.machines[f.machine.index()].name);
                    assert!(page.sources.contains(&machine), "{id} fires {machine}");
                }
                // The page of an operation names nothing unrelated: no other operation.
                assert!(page.sources.iter().filter(|s| s.starts_with("op.")).count() == 1, "{id}");
            }
        }
        // Functions are named only by the files that translate or call them.
        for (path, file) in &files {
            if file.sources.iter().any(|s| s.starts_with("fn.")) {
                assert!(
                    path.ends_with("functions.ts") || path.ends_with("validators.ts") || path.ends_with("machines.ts"),
                    "{path}"
                );
            }
        }
    }
}

#[test]
fn examples_have_test_values_for_every_type_and_operation() {
    for dir in EXAMPLES {
        let (types, ops) = untested(&example(dir));
        assert!(types.is_empty(), "{dir}: no valid value for {types:?}");
        assert!(ops.is_empty(), "{dir}: client tests skip {ops:?}");
    }
    // The fixture's external-function refinement cannot be satisfied knowingly: it is reported.
    let (types, ops) = untested(&fixture());
    assert_eq!(types, vec!["Checked".to_string()]);
    assert_eq!(ops, vec!["class.checked".to_string()]);
}

#[test]
fn only_enabled_events_are_offered() {
    let spec = example("catalog-sync");
    let files = generate(&spec);
    let machines = text(&files, &spec, "app/machines.ts");
    assert!(machines.contains(
        "{ from: \"Running\", to: \"Pending\", event: \"fail\", guard: (v) => (v.attempts < 3), apply: (v) => ({ ...v, attempts: (v.attempts + 1) }) },"
    ));
    // `cancel_sync` has a body, which fires `cancel` on the run it looks up; the generator
    // reads `fires` clauses only (bodies are not compiled yet), so the page claims no state.
    let page = text(&files, &spec, "app/routes/catalog/cancel_sync.tsx");
    assert!(page.contains("const machineState = null;"), "{page}");
    assert!(!page.contains("enabledEvents"), "{page}");
    // An operation with `fires` (the fixture's `delete`, `fires Door.delete`): the action
    // refuses a disabled event before calling the service, and the form is hidden.
    let fixture = fixture();
    let fixture_files = generate(&fixture);
    let page = text(&fixture_files, &fixture, "app/routes/class/delete.tsx");
    assert!(page.contains("if (!enabledEvents(machine, snapshot).includes(\"delete\")) {"), "{page}");
    assert!(page.contains("enabled: enabledEvents(machine, snapshot).includes(\"delete\"),"), "{page}");
    assert!(page.contains("!machineState.enabled ?"), "{page}");
    let tests = text(&files, &spec, "tests/machines.test.ts");
    assert!(tests.contains("expect(enabledEvents(machine, snap as never)).toEqual([\"start\",\"cancel\"]);"));
    // The bounded exploration reaches the abandoned state after three failures.
    assert!(tests.contains("Abandoned"), "{tests}");
}

#[test]
fn client_calls_the_documented_routes() {
    let spec = example("order-fulfilment");
    let files = generate(&spec);
    let client = text(&files, &spec, "app/api/clients/payments.ts");
    // The path parameter of the body (`{request.order}`) and the synthesized route of `settle`.
    assert!(client.contains("path: \"/orders/\" + segment(args.request.order) + \"/payment/refunds\","), "{client}");
    assert!(client.contains("path: \"/payments/settle\","), "{client}");
    let tests = text(&files, &spec, "tests/client.test.ts");
    assert!(
        tests.contains("expect(m.calls[0]!.url).toBe(\"http://api.test/base/orders?status=Placed&cursor=a\");"),
        "{tests}"
    );
}

#[test]
fn url_encodings_match_the_browser() {
    use lp_codegen::remix::examples::{encode_uri_component, form_urlencode};
    // The outputs of `encodeURIComponent` and `new URLSearchParams({ k: ... }).toString()`.
    assert_eq!(encode_uri_component("a b/c?d=é'()*~!"), "a%20b%2Fc%3Fd%3D%C3%A9'()*~!");
    assert_eq!(form_urlencode("a b&c=d*é~'"), "a+b%26c%3Dd*%C3%A9%7E%27");
}

/// vitest fails a test file that declares no suite, so every generated `tests/*.test.ts` has a
/// `describe` with an `it`, whatever the spec lacks (machines, types, operations): an imported
/// spec has no machine, and may have no type or no operation.
#[test]
fn every_test_file_has_a_suite() {
    let sparse = [
        "spec bare version 1.0.0\n\nservice a {\n  op ping() -> Unit GET /ping\n}\n",
        "spec bare version 1.0.0\n\ntype T = { n: Int }\n",
        "spec bare version 1.0.0\n\nservice a {\n  op get(id: Int, on: Bool) -> String GET /things/{id}\n}\n",
    ];
    let specs = EXAMPLES
        .iter()
        .map(|d| example(d))
        .chain([fixture()])
        .chain(sparse.iter().map(|t| lp_test_support::spec_of(&[t.to_string()])));
    for spec in specs {
        for (path, file) in &generate(&spec) {
            if !path.contains("/tests/") || !path.ends_with(".test.ts") {
                continue;
            }
            let text = String::from_utf8_lossy(&file.bytes);
            assert!(text.contains("\ndescribe(") && text.contains("  it("), "{path} has no suite:\n{text}");
        }
    }
}
