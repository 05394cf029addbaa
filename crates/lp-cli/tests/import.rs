//! End-to-end tests of `leanos-prove import openapi FILE [-o OUT]`: the spec on standard output
//! or written atomically, the written spec checks, and the documented exit codes (1 for a
//! document that is not OpenAPI 3, with nothing written; 2 for an unreadable file).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leanos-prove")).args(args).current_dir(cwd).output().expect("run leanos-prove")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("import").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn petstore() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus/import/petstore/petstore.yaml")
}

#[test]
fn import_prints_a_spec_that_checks() {
    let dir = scratch("stdout");
    let o = run(&["import", "openapi", petstore().to_str().expect("utf-8 path")], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let spec = text(&o.stdout);
    assert!(spec.starts_with("spec swagger_petstore version 1.0.0\n"), "{spec}");
    assert!(spec.contains("type Pet = { id: Int, name: String, tag: Option<String> }"), "{spec}");
    // The lossy parts are warnings (LP5509) on stderr and comments in the spec.
    let stderr = text(&o.stderr);
    assert!(stderr.contains("warning[LP5509]"), "{stderr}");
    assert!(spec.contains("// LP5509:"), "{spec}");
    std::fs::write(dir.join("pets.adt"), &spec).expect("write spec");
    let c = run(&["check", "pets.adt"], &dir);
    assert_eq!(c.status.code(), Some(0), "{}", text(&c.stderr));
}

#[test]
fn import_writes_the_output_file() {
    let dir = scratch("file");
    let o = run(&["import", "openapi", petstore().to_str().expect("utf-8 path"), "-o", "pets.adt"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(o.stdout.is_empty(), "{}", text(&o.stdout));
    let written = std::fs::read_to_string(dir.join("pets.adt")).expect("written spec");
    assert!(written.contains("service pets {"), "{written}");
    assert!(text(&o.stderr).contains("into `pets.adt`"), "{}", text(&o.stderr));
    // Same document, same bytes.
    let again = run(&["import", "openapi", petstore().to_str().expect("utf-8 path")], &dir);
    assert_eq!(text(&again.stdout), written);
    // No temporary file is left beside it.
    let names: Vec<String> =
        std::fs::read_dir(&dir).expect("dir").flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, vec!["pets.adt".to_string()]);
}

#[test]
fn bad_documents_exit_1_and_write_nothing() {
    let dir = scratch("bad");
    std::fs::write(dir.join("swagger.yaml"), "swagger: \"2.0\"\ninfo: {title: t, version: \"1\"}\npaths: {}\n")
        .expect("write");
    std::fs::write(dir.join("package.json"), "{\"name\": \"x\"}").expect("write");
    std::fs::write(dir.join("broken.json"), "{\"openapi\": ").expect("write");
    for (file, code) in [("swagger.yaml", "LP5503"), ("package.json", "LP5502"), ("broken.json", "LP5501")] {
        let o = run(&["import", "openapi", file, "-o", "out.adt"], &dir);
        assert_eq!(o.status.code(), Some(1), "{file}: {}", text(&o.stderr));
        assert!(text(&o.stderr).contains(&format!("error[{code}]")), "{file}: {}", text(&o.stderr));
        assert!(!dir.join("out.adt").exists(), "{file}: output written");
        assert!(o.stdout.is_empty());
    }
    let o = run(&["import", "openapi", "swagger.yaml"], &dir);
    assert!(text(&o.stderr).contains("unsupported version"), "{}", text(&o.stderr));
}

#[test]
fn unreadable_file_exits_2() {
    let dir = scratch("missing");
    let o = run(&["import", "openapi", "nope.yaml"], &dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("cannot read `nope.yaml`"), "{}", text(&o.stderr));
    let o = run(&["import", "raml", "x"], &dir);
    assert_eq!(o.status.code(), Some(2), "an unknown format is a usage error");
}

#[test]
fn json_diagnostics_are_machine_readable() {
    let dir = scratch("json");
    let o = run(
        &["--error-format", "json", "import", "openapi", petstore().to_str().expect("utf-8 path"), "-o", "p.adt"],
        &dir,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON diagnostics");
    assert!(v["summary"]["warnings"].as_u64().is_some_and(|n| n > 0), "{v}");
    assert_eq!(v["diagnostics"][0]["code"], "LP5509");
    // Without `-o` the spec and the JSON would share standard output: a usage error.
    let o = run(&["--error-format", "json", "import", "openapi", petstore().to_str().expect("utf-8 path")], &dir);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
    assert!(text(&o.stderr).contains("-o OUT.adt"), "{}", text(&o.stderr));
}

/// Every string the importer writes into spec text goes through one escaping function whose
/// escapes the lexer reads back: a NUL (once written raw, so `check` refused the file as
/// binary, LP0006) or a lone `\r` (once a line end inside a literal, so the import failed with
/// its internal-error code LP5512) in a `const`, a `pattern`, a description, an enum value or
/// a property name imports, and the spec checks clean.
#[test]
fn control_characters_and_escapes_import_and_check() {
    let dir = scratch("escapes");
    let value = "a\u{0}b\r\"c\\d\te\u{1F600}";
    let doc = serde_json::json!({
        "openapi": "3.1.0",
        "info": { "title": "esc", "version": "1.0.0" },
        "paths": {},
        "components": { "schemas": {
            "Code": { "type": "string", "const": value, "description": "NUL \u{0}, CR \r here, tab \t, \u{1F600}" },
            "Pat": { "type": "string", "pattern": "^x\r\u{0}\t\"\u{1F600}$" },
            "Color": { "type": "string", "enum": ["re\u{0}d", "gr\ren", "a\"b", "c\\d", "\u{1F600}"] },
            "Rec": {
                "type": "object",
                "description": "one\rtwo\r\nthree",
                "properties": { "we\u{0}ird\r\"name": { "type": "string", "description": "\u{0}" } },
                "required": ["we\u{0}ird\r\"name"]
            }
        } }
    });
    std::fs::write(dir.join("esc.json"), serde_json::to_string_pretty(&doc).expect("json")).expect("write");
    let o = run(&["import", "openapi", "esc.json", "-o", "esc.adt"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let spec = std::fs::read_to_string(dir.join("esc.adt")).expect("written spec");
    assert!(!spec.contains(['\0', '\r']), "a raw NUL or CR in:\n{spec:?}");
    // The literal is the one quoting function's, and it reads back as the document's value.
    let literal = lp_syntax::format::quote(value);
    assert!(spec.contains(&format!("self == {literal}")), "{spec}");
    let parsed = lp_syntax::parse(lp_diagnostics::FileId(0), &spec);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    assert!(format!("{:?}", parsed.value).contains(&format!("Str({value:?})")), "the const reads back");
    assert!(
        spec.contains(&format!("matches(self, {})", lp_syntax::format::quote("^x\r\u{0}\t\"\u{1F600}$"))),
        "{spec}"
    );
    assert!(spec.contains("/// NUL \\u{0}, CR"), "the description's NUL is shown escaped:\n{spec}");
    let c = run(&["check", "esc.adt"], &dir);
    assert_eq!(c.status.code(), Some(0), "{}\n{spec}", text(&c.stderr));
}

#[test]
fn multi_file_descriptions_are_read_from_their_folder_only() {
    let dir = scratch("multi");
    let api = dir.join("api");
    std::fs::create_dir_all(api.join("resources")).expect("folders");
    std::fs::write(
        api.join("openapi.yaml"),
        "openapi: 3.0.3\ninfo: {title: files, version: 1.0.0}\npaths:\n  /pets:\n    get: {$ref: 'resources/pets.yml'}\n  /secret:\n    get: {$ref: 'resources/secret.yml'}\n  /up:\n    get: {$ref: '../outside.yml'}\n",
    )
    .expect("root");
    std::fs::write(
        api.join("resources/pets.yml"),
        "operationId: listPets\nresponses:\n  '200':\n    description: ok\n    content: {application/json: {schema: {type: array, items: {type: integer}}}}\n",
    )
    .expect("pets");
    let outside = "operationId: leaked\nresponses: {'204': {description: ok}}\n";
    std::fs::write(dir.join("outside.yml"), outside).expect("outside");
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.join("outside.yml"), api.join("resources/secret.yml")).expect("symlink");
    let o = run(&["import", "openapi", "api/openapi.yaml", "--color", "never"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let spec = text(&o.stdout);
    let stderr = text(&o.stderr);
    assert!(spec.contains("op listPets() -> List<Int> GET /pets"), "{spec}");
    assert!(!spec.contains("leaked"), "{spec}");
    assert!(
        stderr.contains("warning[LP5520]: `$ref` `../outside.yml` is not followed: it leaves the description's folder"),
        "{stderr}"
    );
    #[cfg(unix)]
    assert!(
        stderr.contains("`resources/secret.yml` cannot be read: it leads out of the description's folder"),
        "{stderr}"
    );
}

#[test]
fn repeated_warnings_are_grouped_by_code_unless_verbose() {
    let dir = scratch("grouped");
    let mut paths = Vec::new();
    for i in 0..10 {
        paths.push(format!(
            r#""/p{i}": {{"get": {{"operationId": "op{i}", "parameters": [{{"name": "X-Trace", "in": "header", "schema": {{"type": "string"}}}}], "responses": {{"204": {{"description": "ok"}}}}}}}}"#
        ));
    }
    let doc = format!(
        r#"{{"openapi": "3.0.3", "info": {{"title": "t", "version": "1.0.0"}}, "paths": {{{}}}}}"#,
        paths.join(", ")
    );
    std::fs::write(dir.join("many.json"), doc).expect("write");
    let o = run(&["import", "openapi", "many.json", "--color", "never"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let stderr = text(&o.stderr);
    assert_eq!(stderr.matches("warning[LP5509]").count(), 3, "{stderr}");
    assert!(stderr.contains("10 warnings (by code: LP5509 10); 7 not shown"), "{stderr}");
    assert!(stderr.contains("`--verbose` prints them all"), "{stderr}");
    // Every warning is still a comment in the spec.
    assert_eq!(text(&o.stdout).matches("// LP5509:").count(), 10);
    let v = run(&["import", "openapi", "many.json", "--color", "never", "--verbose"], &dir);
    let stderr = text(&v.stderr);
    assert_eq!(stderr.matches("warning[LP5509]").count(), 10, "{stderr}");
    assert!(stderr.contains("10 warnings (by code: LP5509 10)") && !stderr.contains("not shown"), "{stderr}");
    // Machine-readable output always holds every diagnostic.
    let j = run(&["import", "openapi", "many.json", "--error-format", "json", "-o", "many.adt"], &dir);
    let json: serde_json::Value = serde_json::from_slice(&j.stdout).expect("json");
    assert_eq!(json["diagnostics"].as_array().map(Vec::len), Some(10));
}
