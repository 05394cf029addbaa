//! Tests of `lp-import`: real public OpenAPI documents import and check, every spec example
//! survives the round trip spec → OpenAPI → import → check with the same resolved types, and
//! bad documents get a clear diagnostic (codes LP5501–LP5512) instead of a panic.

use lp_codegen::openapi::{openapi, refinement_constraints, route, schema_name, schema_types};
use lp_diagnostics::Diagnostic;
use lp_driver::CheckOptions;
use lp_driver::fs::{MemFs, OsFs};
use lp_import::{Imported, import_openapi, import_openapi_text};
use lp_ir::text::{ExprNames, expr_text};
use lp_ir::{Spec, Ty, TypeBody};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn options() -> CheckOptions {
    CheckOptions { use_cache: false, ..CheckOptions::default() }
}

/// Checks spec text in memory; returns the diagnostics and the resolved spec.
fn check_text(text: &str) -> (Vec<Diagnostic>, Option<Spec>) {
    let fs = MemFs::new();
    fs.insert("/import/imported.adt", text.as_bytes().to_vec());
    let outcome = lp_driver::check_with(&fs, Path::new("/import/imported.adt"), &options()).expect("in-memory check");
    (outcome.diagnostics, outcome.spec)
}

fn errors(diags: &[Diagnostic]) -> Vec<String> {
    diags.iter().filter(|d| d.is_error()).map(|d| format!("{}: {}", d.code, d.message)).collect()
}

/// What a snapshot records of an import: the warnings and the spec text.
fn report(imported: &Imported) -> String {
    let mut out = String::new();
    for d in &imported.diagnostics {
        out.push_str(&format!("{}[{}]: {}\n", d.severity.as_str(), d.code, d.message));
    }
    out.push_str("---\n");
    out.push_str(imported.text.as_deref().unwrap_or("<no output>\n"));
    out
}

// ---------------------------------------------------------------- the corpus of real documents

/// The files of a multi-file description in the corpus, read from its root document's folder.
struct Folder(PathBuf);

impl lp_import::bundle::Files for Folder {
    fn read(&self, path: &str) -> Result<String, String> {
        std::fs::read_to_string(self.0.join(path)).map_err(|e| e.to_string())
    }
}

#[test]
fn public_documents_import_and_check() {
    let root = workspace().join("tests/corpus/import");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/corpus/import")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 3, "expected the vendored documents, found {dirs:?}");
    for dir in dirs {
        let name = dir.file_name().and_then(|n| n.to_str()).expect("utf-8 name").to_string();
        assert!(dir.join("LICENSE").is_file(), "{name}: the vendored document needs its LICENSE");
        // A one-file document beside the licence, or a multi-file description whose root is
        // `openapi/openapi.yaml`, read with its other files.
        let single = std::fs::read_dir(&dir)
            .expect("case folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json")));
        let doc = single.clone().unwrap_or_else(|| dir.join("openapi/openapi.yaml"));
        let text = std::fs::read_to_string(&doc).expect("a document in the case folder");
        let folder = Folder(doc.parent().expect("a folder").to_path_buf());
        let import = |text: &str| match &single {
            Some(_) => import_openapi_text(text),
            None => {
                lp_import::import_openapi_files(text, "openapi.yaml", &folder, lp_import::bundle::Limits::default())
            }
        };
        let imported = import(&text);
        assert!(!imported.has_errors(), "{name}: {:?}", errors(&imported.diagnostics));
        let spec_text = imported.text.clone().expect("imported text");
        let (diags, spec) = check_text(&spec_text);
        assert!(
            errors(&diags).is_empty(),
            "{name}: the imported spec does not check:\n{:?}\n{spec_text}",
            errors(&diags)
        );
        assert!(spec.is_some_and(|s| !s.types.is_empty() && !s.services.is_empty()), "{name}: nothing imported");
        // Same input, same bytes.
        assert_eq!(import(&text).text, imported.text, "{name}: import is not deterministic");
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(&dir);
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!("imported", report(&imported)));
    }
}

// ---------------------------------------------------------------- the round trip

fn ty_key(spec: &Spec, ty: &Ty) -> String {
    let app = |head: &str, args: &[&Ty]| {
        let inner: Vec<String> = args.iter().map(|a| ty_key(spec, a)).collect();
        format!("{head}<{}>", inner.join(", "))
    };
    match ty {
        Ty::Int => "Int".into(),
        Ty::Decimal => "Decimal".into(),
        Ty::Bool => "Bool".into(),
        Ty::String => "String".into(),
        Ty::Unit => "Unit".into(),
        Ty::Void => "Void".into(),
        Ty::Option(t) => app("Option", &[t]),
        Ty::Result(a, b) => app("Result", &[a, b]),
        Ty::List(t) => app("List", &[t]),
        Ty::Set(t) => app("Set", &[t]),
        Ty::Map(a, b) => app("Map", &[a, b]),
        Ty::Fn(a, b) => app("Fn", &[a, b]),
        Ty::Named { id, args } => schema_name(spec, *id, args),
        Ty::ErrorType(e) => spec.errors[e.index()].name.clone(),
        // The document has a machine's state as a string; the importer cannot do better.
        Ty::Machine(_) => "String".into(),
        Ty::Param(i) => format!("?{i}"),
        Ty::Error => "!".into(),
    }
}

fn docs(d: &[String]) -> String {
    d.iter().map(|l| l.trim()).collect::<Vec<_>>().join("\n").trim().to_string()
}

/// A field, written so that equal meaning gives equal text: its type by schema name, its
/// refinement as the JSON Schema bounds (and text) it stands for, its docs.
fn field_key(spec: &Spec, f: &lp_ir::FieldDef, args: &[Ty]) -> String {
    let ty = f.ty.subst(args);
    let base = match &ty {
        Ty::Option(t) => t.as_ref().clone(),
        t => t.clone(),
    };
    let bounds = refinement_constraints(spec, &base, f.refinement.as_ref());
    format!("{}: {} {} /// {}", f.name, ty_key(spec, &ty), serde_json::Value::Object(bounds), docs(&f.docs))
}

fn fields_key(spec: &Spec, fields: &[lp_ir::FieldDef], args: &[Ty]) -> Vec<String> {
    let mut out: Vec<String> = fields.iter().map(|f| field_key(spec, f, args)).collect();
    // JSON objects do not keep the order of their properties.
    out.sort();
    out
}

fn type_key(spec: &Spec, def: &lp_ir::TypeDef, args: &[Ty]) -> String {
    let refinement = def.refinement.as_ref().map(|r| expr_text(spec, ExprNames::default(), r));
    let body = match &def.body {
        TypeBody::Record(fields) => format!("record {:?} where {refinement:?}", fields_key(spec, fields, args)),
        TypeBody::Sum(variants) => {
            let vs: Vec<String> = variants
                .iter()
                .map(|v| format!("{}{:?}", v.name, v.payload.as_ref().map(|p| fields_key(spec, p, args))))
                .collect();
            format!("sum {vs:?} where {refinement:?}")
        }
        TypeBody::Alias(t) => {
            let t = t.subst(args);
            let bounds = refinement_constraints(spec, &t, def.refinement.as_ref());
            format!("alias {} {}", ty_key(spec, &t), serde_json::Value::Object(bounds))
        }
    };
    format!("{body} /// {}", docs(&def.docs))
}

/// Every type by schema name (generic types once per instantiation), every error, and every
/// operation's signature.
fn resolved(spec: &Spec) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, (id, args)) in schema_types(spec) {
        out.insert(format!("type {name}"), type_key(spec, &spec.types[id.index()], &args));
    }
    for e in &spec.errors {
        out.insert(
            format!("error {}", e.name),
            format!("{} {:?} /// {}", e.status, fields_key(spec, &e.fields, &[]), docs(&e.docs)),
        );
    }
    for (s, service) in spec.services.iter().enumerate() {
        for (o, op) in service.ops.iter().enumerate() {
            let r = lp_ir::OpRef { service: lp_ir::ServiceId(s as u32), op: lp_ir::OpId(o as u32) };
            let (path, method) = if op.http.is_some() { route(spec, r) } else { ("-".into(), "-") };
            // A body parameter's name is not in the document, unless the path names it.
            let mut params: Vec<String> = op
                .params
                .iter()
                .map(|p| {
                    if p.body {
                        format!("body {}", ty_key(spec, &p.ty))
                    } else {
                        format!("{}: {}", p.name, ty_key(spec, &p.ty))
                    }
                })
                .collect();
            params.sort();
            let mut errs: Vec<&str> = op.errors.iter().map(|e| spec.errors[e.error.index()].name.as_str()).collect();
            errs.sort();
            out.insert(
                format!("op {}.{}", service.name, op.name),
                format!("{method} {path} {params:?} -> {} ! {errs:?} /// {}", ty_key(spec, &op.result), docs(&op.docs)),
            );
        }
    }
    if let Some(auth) = &spec.standards.auth {
        let mut exempt: Vec<String> = auth
            .except
            .iter()
            .flat_map(|e| e.ops.iter().map(|r| spec.services[r.service.index()].ops[r.op.index()].name.clone()))
            .collect();
        exempt.sort();
        let args: Vec<String> = auth.args.iter().map(|(k, v)| format!("{k}={}", setting_text(v))).collect();
        out.insert("standards auth".into(), format!("{} {args:?} except {exempt:?}", auth.scheme));
    }
    out
}

fn setting_text(v: &lp_ir::SettingValue) -> String {
    match &v.kind {
        lp_ir::SettingValueKind::Str(s) => format!("{s:?}"),
        lp_ir::SettingValueKind::List(items) => {
            format!("[{}]", items.iter().map(setting_text).collect::<Vec<_>>().join(", "))
        }
        other => format!("{other:?}"),
    }
}

fn spec_examples() -> Vec<PathBuf> {
    let root = workspace().join("spec-examples");
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        if dir.join("leanos.toml").is_file() {
            out.push(dir);
            continue;
        }
        for e in std::fs::read_dir(&dir).expect("spec-examples folder").flatten() {
            let p = e.path();
            if p.is_dir() && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn spec_examples_round_trip_through_openapi() {
    let examples = spec_examples();
    assert!(examples.len() >= 4, "expected the spec examples, found {examples:?}");
    for dir in examples {
        let name =
            dir.strip_prefix(workspace().join("spec-examples")).expect("below spec-examples").display().to_string();
        let outcome = lp_driver::check_with(&OsFs, &dir, &options()).expect("example loads");
        let original = outcome.spec.expect("the example resolves");
        let doc = openapi(&original);
        let imported = import_openapi(&doc);
        assert!(!imported.has_errors(), "{name}: {:?}", errors(&imported.diagnostics));
        let text = imported.text.clone().expect("imported text");
        let (diags, spec) = check_text(&text);
        assert!(errors(&diags).is_empty(), "{name}: the imported spec does not check: {:?}\n{text}", errors(&diags));
        let back = spec.expect("the imported spec resolves");
        let want = resolved(&original);
        let got = resolved(&back);
        let mut differences = Vec::new();
        for (k, v) in &want {
            match got.get(k) {
                Some(g) if g == v => {}
                Some(g) => differences.push(format!("{k}:\n  original: {v}\n  imported: {g}")),
                None => differences.push(format!("{k}: missing from the import")),
            }
        }
        for k in got.keys().filter(|k| !want.contains_key(*k)) {
            differences.push(format!("{k}: not in the original"));
        }
        assert!(differences.is_empty(), "{name}: the round trip changed:\n{}\n\n{text}", differences.join("\n"));
        let count = |p: &str| want.keys().filter(|k| k.starts_with(p)).count();
        eprintln!(
            "{name}: round trip identical: {} types, {} errors, {} operations, auth {}",
            count("type "),
            count("error "),
            count("op "),
            want.contains_key("standards auth")
        );
        // Only the lossy parts the generator's document cannot carry are reported.
        for d in &imported.diagnostics {
            assert!(
                d.code.id() == "LP5509" && d.message.contains("fires"),
                "{name}: unexpected warning {}: {}",
                d.code,
                d.message
            );
        }
    }
}

#[test]
fn round_trip_comparison_catches_a_changed_type() {
    // The comparison above must be able to fail: a seeded change to the generated document
    // (a bound moved) gives a different resolved type.
    let dir = workspace().join("spec-examples/order-fulfilment");
    let outcome = lp_driver::check_with(&OsFs, &dir, &options()).expect("example loads");
    let original = outcome.spec.expect("resolves");
    let mut doc = openapi(&original);
    doc["components"]["schemas"]["Quantity"]["maximum"] = json!(1000);
    doc["components"]["schemas"]["Address"]["required"] = json!(["line1", "city", "country"]);
    let imported = import_openapi(&doc);
    let (diags, spec) = check_text(imported.text.as_deref().expect("text"));
    assert!(errors(&diags).is_empty(), "{:?}", errors(&diags));
    let (want, got) = (resolved(&original), resolved(&spec.expect("resolves")));
    assert_ne!(want.get("type Quantity"), got.get("type Quantity"));
    assert_ne!(want.get("type Address"), got.get("type Address"));
}
