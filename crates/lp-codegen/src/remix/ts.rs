//! TypeScript text: string literals, identifiers, doc comments, and the TypeScript type of
//! every spec type (`types.ts`), in the shape of the OpenAPI document.

use crate::openapi::{doc_text, schema_types};
use lp_ir::{Spec, Ty, TypeBody, TypeDef, TypeParam};
use std::fmt::Write as _;

/// A TypeScript string literal: double-quoted, with JSON escapes (quotes, backslashes,
/// control characters). Template literals are never used, so `${` stays inert.
pub fn ts_string(s: &str) -> String {
    let mut out = serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string());
    // Line and paragraph separators are legal in JSON and in modern JS, but escaping them keeps
    // every generated line a line.
    out = out.replace('\u{2028}', "\\u2028").replace('\u{2029}', "\\u2029");
    out
}

/// Words that cannot name a binding in TypeScript (strict mode, modules).
const RESERVED: &[&str] = &[
    "any",
    "arguments",
    "as",
    "async",
    "await",
    "boolean",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "constructor",
    "continue",
    "debugger",
    "declare",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "eval",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "from",
    "function",
    "get",
    "if",
    "implements",
    "import",
    "in",
    "infer",
    "instanceof",
    "interface",
    "is",
    "keyof",
    "let",
    "module",
    "namespace",
    "never",
    "new",
    "null",
    "number",
    "object",
    "of",
    "package",
    "private",
    "protected",
    "public",
    "readonly",
    "require",
    "return",
    "set",
    "static",
    "string",
    "super",
    "switch",
    "symbol",
    "this",
    "throw",
    "true",
    "try",
    "type",
    "typeof",
    "undefined",
    "unique",
    "unknown",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

/// Whether a spec identifier is a TypeScript reserved word.
pub fn is_reserved(name: &str) -> bool {
    RESERVED.contains(&name)
}

/// A spec identifier as a TypeScript binding: reserved words get a trailing `_`.
pub fn ident(name: &str) -> String {
    if is_reserved(name) { format!("{name}_") } else { name.to_string() }
}

/// A property key in an object literal or object type. `__proto__` would set the prototype
/// of an object literal, so it is written as a computed key.
pub fn prop_key(name: &str) -> String {
    if name == "__proto__" { "[\"__proto__\"]".to_string() } else { name.to_string() }
}

/// A doc comment as JSDoc at `indent`, or nothing. `*/` inside the text is broken up.
pub fn jsdoc(docs: &[String], indent: &str) -> String {
    let text = doc_text(docs);
    if text.is_empty() {
        return String::new();
    }
    let mut out = format!("{indent}/**\n");
    for line in text.replace("*/", "*\\/").lines() {
        if line.is_empty() {
            let _ = writeln!(out, "{indent} *");
        } else {
            let _ = writeln!(out, "{indent} * {line}");
        }
    }
    let _ = writeln!(out, "{indent} */");
    out
}

/// A line comment with spec text: newlines become spaces.
pub fn line_comment(text: &str) -> String {
    text.replace(['\n', '\r', '\u{2028}', '\u{2029}'], " ")
}

/// Where a type is written: a record field may be absent (`Option` fields are optional
/// properties, as in the OpenAPI document); anywhere else `None` is `null`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Pos {
    Field,
    Value,
}

/// The TypeScript type of a spec type. `prefix` qualifies declared names (`types.`), `params`
/// names the parameters of the enclosing declaration.
pub fn ts_type(spec: &Spec, ty: &Ty, prefix: &str, params: &[TypeParam]) -> String {
    match ty {
        Ty::Int | Ty::Decimal => "number".into(),
        Ty::Bool => "boolean".into(),
        Ty::String | Ty::Machine(_) => "string".into(),
        Ty::Unit => "null".into(),
        Ty::Void => "never".into(),
        Ty::Option(t) => format!("{} | null", ts_type(spec, t, prefix, params)),
        Ty::Result(a, b) => format!(
            "{{ kind: \"Ok\"; value: {} }} | {{ kind: \"Err\"; error: {} }}",
            ts_type(spec, a, prefix, params),
            ts_type(spec, b, prefix, params)
        ),
        Ty::List(t) | Ty::Set(t) => format!("({})[]", ts_type(spec, t, prefix, params)),
        Ty::Map(_, v) => format!("{{ [key: string]: {} }}", ts_type(spec, v, prefix, params)),
        Ty::Fn(a, b) => {
            format!("((arg: {}) => {})", ts_type(spec, a, prefix, params), ts_type(spec, b, prefix, params))
        }
        Ty::Named { id, args } => {
            let name = spec.types.get(id.index()).map_or("unknown", |d| d.name.as_str());
            if args.is_empty() {
                format!("{prefix}{name}")
            } else {
                let args: Vec<String> = args.iter().map(|a| ts_type(spec, a, prefix, params)).collect();
                format!("{prefix}{name}<{}>", args.join(", "))
            }
        }
        Ty::ErrorType(e) => spec.errors.get(e.index()).map_or("unknown".into(), |e| format!("{prefix}{}", e.name)),
        Ty::Param(i) => params.get(*i as usize).map_or("unknown".into(), |p| p.name.clone()),
        Ty::Error => "unknown".into(),
    }
}

/// The members of an object type for record fields.
fn fields_type(spec: &Spec, fields: &[lp_ir::FieldDef], params: &[TypeParam], kind: Option<&str>) -> String {
    let mut out = String::from("{\n");
    if let Some(k) = kind {
        let _ = writeln!(out, "  kind: {};", ts_string(k));
    }
    for f in fields {
        out.push_str(&jsdoc(&f.docs, "  "));
        match &f.ty {
            Ty::Option(inner) => {
                // Absent or `null`: the same, no value (the OpenAPI document allows both).
                let _ = writeln!(out, "  {}?: {} | null;", prop_key(&f.name), ts_type(spec, inner, "", params));
            }
            t => {
                let _ = writeln!(out, "  {}: {};", prop_key(&f.name), ts_type(spec, t, "", params));
            }
        }
    }
    out.push('}');
    out
}

fn type_decl(spec: &Spec, def: &TypeDef) -> String {
    let mut out = jsdoc(&def.docs, "");
    let params = if def.params.is_empty() {
        String::new()
    } else {
        format!("<{}>", def.params.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "))
    };
    let body = match &def.body {
        TypeBody::Record(fields) => fields_type(spec, fields, &def.params, None),
        TypeBody::Sum(variants) if variants.iter().all(|v| v.payload.is_none()) => {
            variants.iter().map(|v| ts_string(&v.name)).collect::<Vec<_>>().join(" | ")
        }
        TypeBody::Sum(variants) => {
            let mut s = String::new();
            for v in variants {
                s.push_str("\n  | ");
                let fields = fields_type(spec, v.payload.as_deref().unwrap_or(&[]), &def.params, Some(&v.name));
                s.push_str(&fields.replace('\n', "\n    "));
            }
            s
        }
        TypeBody::Alias(t) => ts_type(spec, t, "", &def.params),
    };
    let _ = writeln!(out, "export type {}{params} = {body};", def.name);
    out
}

/// `app/api/types.ts`: a type per spec type and error, and an alias per generic
/// instantiation that has an OpenAPI schema (`Scoped_Product = Scoped<Product>`).
pub fn types_ts(spec: &Spec) -> String {
    let mut out = String::from(
        "// Generated by leanos-prove; do not edit.\n// A TypeScript type for every type and error of the spec, in the shape of the OpenAPI document:\n// `Option` fields are optional properties that may also be `null`, sums with payloads are unions tagged by `kind`.\n\n",
    );
    out.push_str("/** RFC 9457 problem details, which every error extends. */\n");
    out.push_str(
        "export type ProblemDetails = {\n  type: string;\n  title: string;\n  status: number;\n  detail?: string;\n  instance?: string;\n};\n",
    );
    for def in &spec.types {
        out.push('\n');
        out.push_str(&type_decl(spec, def));
    }
    for e in &spec.errors {
        out.push('\n');
        out.push_str(&jsdoc(&e.docs, ""));
        let fields = fields_type(spec, &e.fields, &[], None);
        let _ = writeln!(out, "export type {} = ProblemDetails & {fields};", e.name);
    }
    let declared: std::collections::BTreeSet<&str> =
        spec.types.iter().map(|t| t.name.as_str()).chain(spec.errors.iter().map(|e| e.name.as_str())).collect();
    let mut header = false;
    for (name, (id, args)) in schema_types(spec) {
        if args.is_empty() || declared.contains(name.as_str()) {
            continue;
        }
        if !header {
            out.push_str("\n// The instantiations of generic types named in the OpenAPI document.\n");
            header = true;
        }
        let ty = Ty::Named { id, args };
        let _ = writeln!(out, "export type {name} = {};", ts_type(spec, &ty, "", &[]));
    }
    out
}
