//! Reading an OpenAPI document's text (JSON or YAML) into one JSON value, and telling whether
//! it is an OpenAPI document of a version the importer reads.

use lp_diagnostics::{Diagnostic, codes};
use serde_json::{Map, Number, Value};

/// Parses JSON (when the text starts with `{` or `[`) or YAML into a JSON value.
///
/// YAML keys that are numbers or booleans (`200:` in `responses`) become strings. Both parsers
/// bound their nesting, so a deeply nested document is an error, never a stack overflow.
pub fn parse(text: &str) -> Result<Value, Box<Diagnostic>> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return serde_json::from_str(trimmed).map_err(|e| {
            Box::new(Diagnostic::new(codes::IMPORT_UNREADABLE_DOCUMENT, format!("the document is not valid JSON: {e}")))
        });
    }
    if let Some(line) = too_deep_flow(trimmed) {
        return Err(Box::new(Diagnostic::new(
            codes::IMPORT_UNREADABLE_DOCUMENT,
            format!(
                "the document is not valid JSON or YAML: brackets nested deeper than {MAX_FLOW_DEPTH} levels at line {line}"
            ),
        )));
    }
    let yaml: yaml_serde::Value = yaml_serde::from_str(trimmed).map_err(|e| {
        Box::new(Diagnostic::new(
            codes::IMPORT_UNREADABLE_DOCUMENT,
            format!("the document is not valid JSON or YAML: {e}"),
        ))
    })?;
    from_yaml(yaml).map_err(|e| {
        Box::new(Diagnostic::new(
            codes::IMPORT_UNREADABLE_DOCUMENT,
            format!("the YAML document cannot be read as JSON: {e}"),
        ))
    })
}

/// How deeply `[` and `{` may nest in a YAML document. The YAML parser has its own limit, but
/// reaches it only after work that grows with the square of the depth, so far deeper input is
/// refused before it is parsed.
const MAX_FLOW_DEPTH: usize = 256;

/// The line at which `[`/`{` nesting (outside quotes and comments) passes [`MAX_FLOW_DEPTH`].
fn too_deep_flow(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut line = 1;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut comment = false;
    let mut prev = ' ';
    for c in text.chars() {
        if c == '\n' {
            line += 1;
            comment = false;
            quote = quote.filter(|_| depth > 0);
        } else if comment {
            // Inside a comment nothing counts.
        } else if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' && q == '"' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
        } else {
            match c {
                '"' | '\'' => quote = Some(c),
                '#' if prev.is_whitespace() => comment = true,
                '[' | '{' => {
                    depth += 1;
                    if depth > MAX_FLOW_DEPTH {
                        return Some(line);
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        prev = c;
    }
    None
}

fn key_text(key: yaml_serde::Value) -> Result<String, String> {
    match key {
        yaml_serde::Value::String(s) => Ok(s),
        yaml_serde::Value::Number(n) => Ok(n.to_string()),
        yaml_serde::Value::Bool(b) => Ok(b.to_string()),
        yaml_serde::Value::Null => Ok("null".into()),
        yaml_serde::Value::Tagged(t) => key_text(t.value),
        _ => Err("a mapping key is itself a list or a mapping".into()),
    }
}

fn from_yaml(v: yaml_serde::Value) -> Result<Value, String> {
    Ok(match v {
        yaml_serde::Value::Null => Value::Null,
        yaml_serde::Value::Bool(b) => Value::Bool(b),
        yaml_serde::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Number(i.into())
            } else if let Some(u) = n.as_u64() {
                Value::Number(u.into())
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                Value::Number(Number::from_f64(f).ok_or_else(|| format!("the number `{n}` is not finite"))?)
            }
        }
        yaml_serde::Value::String(s) => Value::String(s),
        yaml_serde::Value::Sequence(items) => Value::Array(items.into_iter().map(from_yaml).collect::<Result<_, _>>()?),
        yaml_serde::Value::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                out.insert(key_text(k)?, from_yaml(v)?);
            }
            Value::Object(out)
        }
        yaml_serde::Value::Tagged(t) => from_yaml(t.value)?,
    })
}

/// Checks that `doc` is an OpenAPI 3.0 or 3.1 document.
pub fn check_version(doc: &Value) -> Result<(), Box<Diagnostic>> {
    match version_problem(doc) {
        Some(d) => Err(Box::new(d)),
        None => Ok(()),
    }
}

fn version_problem(doc: &Value) -> Option<Diagnostic> {
    let Some(obj) = doc.as_object() else {
        return Some(Diagnostic::new(
            codes::IMPORT_NOT_OPENAPI,
            "the document is not an OpenAPI document: its top level is not an object",
        ));
    };
    if let Some(v) = obj.get("swagger") {
        return Some(
            Diagnostic::new(
                codes::IMPORT_UNSUPPORTED_VERSION,
                format!(
                    "unsupported version: this is a Swagger {} document; only OpenAPI 3.0 and 3.1 are imported",
                    plain(v)
                ),
            )
            .with_help("convert it to OpenAPI 3 first (for example with swagger2openapi), then import the result"),
        );
    }
    let Some(version) = obj.get("openapi") else {
        return Some(Diagnostic::new(
            codes::IMPORT_NOT_OPENAPI,
            "the document is not an OpenAPI document: it has no `openapi` field",
        ));
    };
    let Some(version) = version.as_str() else {
        return Some(Diagnostic::new(
            codes::IMPORT_NOT_OPENAPI,
            format!(
                "the document is not an OpenAPI document: its `openapi` field is {}, not a version string",
                plain(version)
            ),
        ));
    };
    let supported = ["3.0", "3.1"].iter().any(|p| version == *p || version.starts_with(&format!("{p}.")));
    if !supported {
        return Some(Diagnostic::new(
            codes::IMPORT_UNSUPPORTED_VERSION,
            format!("unsupported version: OpenAPI {version}; only OpenAPI 3.0 and 3.1 are imported"),
        ));
    }
    if !obj.get("info").is_some_and(Value::is_object) {
        return Some(Diagnostic::new(
            codes::IMPORT_NOT_OPENAPI,
            "the document is not an OpenAPI document: it has no `info` object",
        ));
    }
    for key in ["paths", "components"] {
        if obj.get(key).is_some_and(|v| !v.is_object()) {
            return Some(Diagnostic::new(
                codes::IMPORT_NOT_OPENAPI,
                format!("the document is not a valid OpenAPI document: `{key}` is not an object"),
            ));
        }
    }
    None
}

/// A JSON value in a message: strings without quotes.
pub(crate) fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
