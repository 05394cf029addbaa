//! Paths to services: one `op` per operation, grouped into services by first tag (or one
//! service named after the title), with path and query parameters, the JSON body, the result
//! of the 2xx response, `!` errors from 4xx/5xx responses, and the bearer `standards`
//! (OAuth 2 and OpenID Connect are bearer tokens too; other schemes become bearer, closed).
//!
//! This inverts `lp_codegen::openapi`: `operationId` `service.op` names both, a path parameter
//! `{a.b}` is field `b` of body parameter `a`, `x-leanos-synthesized` marks an operation
//! without an HTTP binding, an operation's empty `security` exempts it from `auth`, and a
//! response marked `x-leanos-runtime` (what every generated service answers) is not an error.

use crate::Importer;
use crate::model::{ErrorOut, FieldOut, OpOut, ParamOut, ServiceOut, doc_lines};
use crate::names;
use lp_diagnostics::codes;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// How a declared security scheme is imported.
enum SchemeKind {
    /// Sent as `Authorization: Bearer <token>`: HTTP bearer, OAuth 2, OpenID Connect.
    Bearer,
    /// Not expressible (API keys, HTTP basic, mutual TLS): what it is, for the warning.
    Substituted(String),
}

/// The members of the problem document every error is answered as: `lp_ir::PROBLEM_MEMBERS`
/// (this crate reads documents and writes spec text, below the IR; a test keeps the two equal).
pub const PROBLEM_MEMBERS: &[&str] = &["type", "title", "status", "detail", "instance"];

static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// The reason phrase of an HTTP error status, for naming an error that has no schema name.
fn reason(status: u16) -> &'static str {
    match status {
        400 => "BadRequest",
        401 => "Unauthorized",
        402 => "PaymentRequired",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        406 => "NotAcceptable",
        408 => "RequestTimeout",
        409 => "Conflict",
        410 => "Gone",
        412 => "PreconditionFailed",
        413 => "PayloadTooLarge",
        415 => "UnsupportedMediaType",
        422 => "UnprocessableEntity",
        429 => "TooManyRequests",
        500 => "InternalServerError",
        501 => "NotImplemented",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        s if s < 500 => "ClientError",
        _ => "ServerError",
    }
}

/// The JSON media type of a `content` map: `application/json` first, then any `*json`.
fn json_content(content: &Map<String, Value>) -> Option<(&str, &Value)> {
    if let Some(v) = content.get("application/json") {
        return Some(("application/json", v));
    }
    content.iter().find(|(k, _)| k.ends_with("json") || k.contains("+json")).map(|(k, v)| (k.as_str(), v))
}

/// The form media type of a `content` map: `application/x-www-form-urlencoded`, then
/// `multipart/form-data`.
fn form_content(content: &Map<String, Value>) -> Option<(&str, &Value)> {
    ["application/x-www-form-urlencoded", "multipart/form-data"]
        .into_iter()
        .find_map(|k| content.get_key_value(k).map(|(k, v)| (k.as_str(), v)))
}

fn path_char_ok(seg: &str) -> bool {
    !seg.is_empty() && seg.chars().all(|c| c.is_ascii_alphanumeric() || "-_.~".contains(c))
}

impl<'d> Importer<'d> {
    fn parameter(&mut self, p: &'d Value, at: &str) -> Option<&'d Map<String, Value>> {
        self.component(p, "parameters", at)?.as_object()
    }

    /// Follows `$ref`s to `#/components/{section}/NAME` (a parameter, a request body, a
    /// response), a bounded number of times. A `$ref` that does not resolve is reported
    /// (`LP5505`) and gives `None`; a value without `$ref` is itself.
    pub(crate) fn component(&mut self, v: &'d Value, section: &str, at: &str) -> Option<&'d Value> {
        let mut v = v;
        let what = match section {
            "parameters" => "parameter",
            "requestBodies" => "request body",
            "responses" => "response",
            "pathItems" => "path item",
            _ => section,
        };
        let prefix = format!("#/components/{section}/");
        for _ in 0..8 {
            let Some(r) = v.as_object().and_then(|o| o.get("$ref")).and_then(Value::as_str) else { return Some(v) };
            let target = r.strip_prefix(prefix.as_str()).and_then(|n| {
                let n = n.replace("~1", "/").replace("~0", "~");
                self.doc.get("components").and_then(|c| c.get(section)).and_then(|ps| ps.get(&n))
            });
            match target {
                Some(t) => v = t,
                None => {
                    self.warn(
                        codes::IMPORT_UNRESOLVED_REF,
                        at,
                        format!("{what} `$ref` `{r}` cannot be resolved; left out"),
                    );
                    return None;
                }
            }
        }
        self.warn(
            codes::IMPORT_UNRESOLVED_REF,
            at,
            format!("the {what} `$ref`s are chained more than 8 deep; left out"),
        );
        None
    }

    /// Imports `paths` (and reports `webhooks`).
    pub fn import_paths(&mut self) {
        let doc = self.doc;
        let title = doc.get("info").and_then(|i| i.get("title")).and_then(Value::as_str).unwrap_or("api");
        let default_service = names::snake(title);
        // Every scheme, by how the spec can express it. HTTP bearer, OAuth 2 and OpenID
        // Connect all send `Authorization: Bearer <token>` (RFC 6750), so they become
        // `auth = bearer(scopes = ...)` with their scopes. The spec has no API-key, HTTP basic
        // or mutual-TLS scheme: an operation that needs one is imported as needing a bearer
        // token (closed, never open), and LP5510 says so.
        let mut schemes: BTreeMap<&str, SchemeKind> = BTreeMap::new();
        if let Some(defs) = doc.get("components").and_then(|c| c.get("securitySchemes")).and_then(Value::as_object) {
            for (k, v) in defs {
                let ty = v.get("type").and_then(Value::as_str).unwrap_or("?");
                let kind = match ty {
                    "http"
                        if v.get("scheme")
                            .and_then(Value::as_str)
                            .is_some_and(|s| s.eq_ignore_ascii_case("bearer")) =>
                    {
                        SchemeKind::Bearer
                    }
                    "oauth2" | "openIdConnect" => SchemeKind::Bearer,
                    "http" => SchemeKind::Substituted(format!(
                        "HTTP {}",
                        v.get("scheme").and_then(Value::as_str).unwrap_or("?").to_ascii_lowercase()
                    )),
                    other => SchemeKind::Substituted(format!("`{other}`")),
                };
                schemes.insert(k.as_str(), kind);
            }
        }
        let mut substituted: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        let global_security = doc.get("security");
        let mut services: BTreeMap<String, ServiceOut> = BTreeMap::new();
        let mut service_order: Vec<String> = Vec::new();
        let mut op_scopes: BTreeMap<String, names::Scope> = BTreeMap::new();
        let mut scopes_used: BTreeSet<String> = BTreeSet::new();
        let mut secured_any = false;
        let mut exempt: Vec<String> = Vec::new();
        let paths = doc.get("paths").and_then(Value::as_object).unwrap_or(&EMPTY);
        for (path, item) in paths {
            // A path item may be a `$ref` to `#/components/pathItems/NAME` (OpenAPI 3.1); a
            // reference to another file was inlined before, when the files could be read.
            let item = match item.get("$ref").and_then(Value::as_str) {
                Some(r) if r.starts_with("#/components/pathItems/") => {
                    match self.component(item, "pathItems", &format!("paths.{path}")) {
                        Some(i) => i,
                        None => continue,
                    }
                }
                _ => item,
            };
            let Some(item) = item.as_object() else { continue };
            if let Some(r) = item.get("$ref") {
                self.warn_to(
                    codes::IMPORT_OPERATION_LOSSY,
                    &format!("paths.{path}"),
                    format!("the path item `$ref` {r} is not followed; its operations are not imported"),
                    Target::Document,
                );
                continue;
            }
            let shared: Vec<&'d Value> =
                item.get("parameters").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default();
            for method in METHODS {
                let Some(op) = item.get(*method) else { continue };
                let at = format!("paths.{path}.{method}");
                if let Some(r) = op.get("$ref") {
                    self.warn_to(
                        codes::IMPORT_OPERATION_LOSSY,
                        &at,
                        format!("the operation is a `$ref` {r}, which is not followed; not imported"),
                        Target::Document,
                    );
                    continue;
                }
                if matches!(*method, "options" | "head" | "trace") {
                    self.warn_to(
                        codes::IMPORT_OPERATION_LOSSY,
                        &at,
                        format!("`{}` operations have no spec equivalent; not imported", method.to_uppercase()),
                        Target::Document,
                    );
                    continue;
                }
                let tag = op.get("tags").and_then(Value::as_array).and_then(|t| t.first()).and_then(Value::as_str);
                let service_key = tag.map(str::to_string).unwrap_or_else(|| title.to_string());
                if !services.contains_key(&service_key) {
                    let want = match tag {
                        Some(t) => names::ident(t),
                        None => default_service.clone(),
                    };
                    let name = self.global.claim(&want);
                    if tag.is_some_and(|t| t != name) {
                        self.rename_warning(&format!("tags.{service_key}"), &service_key, &name);
                    }
                    let docs = doc
                        .get("tags")
                        .and_then(Value::as_array)
                        .and_then(|ts| ts.iter().find(|t| t.get("name").and_then(Value::as_str) == tag))
                        .and_then(|t| t.get("description"))
                        .and_then(Value::as_str)
                        .map(doc_lines)
                        .unwrap_or_default();
                    services.insert(service_key.clone(), ServiceOut { name, docs, ops: Vec::new() });
                    service_order.push(service_key.clone());
                }
                let raw_id = op.get("operationId").and_then(Value::as_str);
                let op_raw = match raw_id {
                    Some(id) => match tag.and_then(|t| id.strip_prefix(&format!("{t}."))) {
                        Some(rest) => rest.to_string(),
                        None => id.to_string(),
                    },
                    None => {
                        let words: Vec<&str> = path
                            .split('/')
                            .filter(|s| !s.is_empty())
                            .map(|s| s.trim_matches(|c| c == '{' || c == '}'))
                            .collect();
                        format!("{method}_{}", words.join("_"))
                    }
                };
                let scope = op_scopes.entry(service_key.clone()).or_default();
                let op_name = scope.claim(&names::ident(&op_raw));
                if raw_id.is_some() && op_name != op_raw {
                    self.rename_warning(&at, &op_raw, &op_name);
                }
                let mut out = self.operation(&op_name, method, path, op, &shared, &at);
                // Security: the operation's own list, else the document's.
                let security = op.get("security").or(global_security);
                // The alternatives of `security` (any one suffices); an empty alternative, or
                // none at all, lets anonymous requests in.
                let alternatives: Vec<&Map<String, Value>> =
                    security.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_object).collect();
                let secured = !alternatives.is_empty() && alternatives.iter().all(|req| !req.is_empty());
                if secured {
                    for req in &alternatives {
                        for (scheme, scopes) in *req {
                            match schemes.get(scheme.as_str()) {
                                Some(SchemeKind::Bearer) => {
                                    for s in scopes.as_array().into_iter().flatten().filter_map(Value::as_str) {
                                        scopes_used.insert(s.to_string());
                                    }
                                }
                                Some(SchemeKind::Substituted(_)) | None => {
                                    substituted.entry(scheme.as_str()).or_default().push(out.name.clone());
                                }
                            }
                        }
                    }
                }
                if secured {
                    secured_any = true;
                } else {
                    exempt.push(out.name.clone());
                }
                out.comments.extend(std::mem::take(&mut self.pending));
                if let Some(s) = services.get_mut(&service_key) {
                    s.ops.push(out);
                }
            }
        }
        if let Some(hooks) = doc.get("webhooks").and_then(Value::as_object) {
            for name in hooks.keys() {
                self.warn_to(
                    codes::IMPORT_OPERATION_LOSSY,
                    &format!("webhooks.{name}"),
                    "webhooks (requests the API sends) have no spec equivalent; not imported".into(),
                    Target::Document,
                );
            }
        }
        for key in service_order {
            if let Some(s) = services.remove(&key) {
                self.out.services.push(s);
            }
        }
        for (scheme, mut ops) in substituted {
            ops.sort();
            ops.dedup();
            let what = match schemes.get(scheme) {
                Some(SchemeKind::Substituted(what)) => format!("{what} security"),
                _ => "an undeclared security scheme".to_string(),
            };
            let shown: Vec<String> = ops.iter().take(5).map(|o| format!("`{o}`")).collect();
            let more = if ops.len() > 5 { format!(" and {} more", ops.len() - 5) } else { String::new() };
            let msg = format!(
                "{what} has no spec equivalent; {} operation(s) that accept it ({}{more}) are imported as needing a bearer token instead",
                ops.len(),
                shown.join(", ")
            );
            self.warn_to(
                codes::IMPORT_SECURITY_LOSSY,
                &format!("components.securitySchemes.{scheme}"),
                msg,
                Target::Standards,
            );
        }
        if secured_any {
            exempt.sort();
            exempt.dedup();
            self.out.auth = Some((scopes_used.into_iter().collect(), exempt));
        }
    }

    fn operation(
        &mut self,
        name: &str,
        method: &str,
        path: &str,
        op: &'d Value,
        shared: &[&'d Value],
        at: &str,
    ) -> OpOut {
        let docs = op
            .get("description")
            .or_else(|| op.get("summary"))
            .and_then(Value::as_str)
            .map(doc_lines)
            .unwrap_or_default();
        let hint = names::pascal(name);
        // Parameters: the path item's, overridden by the operation's (same name and place).
        let mut params: Vec<&'d Map<String, Value>> = Vec::new();
        let own: Vec<&'d Value> =
            op.get("parameters").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default();
        for p in shared.iter().chain(own.iter()) {
            let Some(p) = self.parameter(p, at) else { continue };
            let key = (p.get("name").and_then(Value::as_str), p.get("in").and_then(Value::as_str));
            params.retain(|q| (q.get("name").and_then(Value::as_str), q.get("in").and_then(Value::as_str)) != key);
            params.push(p);
        }
        let mut scope = names::Scope::default();
        let mut out_params: Vec<ParamOut> = Vec::new();
        let mut path_names: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut body_root: Option<String> = None;
        // Path parameters in path order come first.
        let mut path_params: Vec<&'d Map<String, Value>> = Vec::new();
        let mut query: Vec<&'d Map<String, Value>> = Vec::new();
        for p in &params {
            let pname = p.get("name").and_then(Value::as_str).unwrap_or("");
            match p.get("in").and_then(Value::as_str) {
                Some("path") => path_params.push(p),
                Some("query") => query.push(p),
                other => self.warn(
                    codes::IMPORT_OPERATION_LOSSY,
                    at,
                    format!(
                        "the {} parameter `{pname}` has no spec equivalent; not imported",
                        other.unwrap_or("unplaced")
                    ),
                ),
            }
        }
        // In the order the path names them.
        let position = |p: &Map<String, Value>| {
            let name = p.get("name").and_then(Value::as_str).unwrap_or("");
            path.find(&format!("{{{name}}}")).unwrap_or(usize::MAX)
        };
        path_params.sort_by_key(|p| position(p));
        for p in &path_params {
            let raw = p.get("name").and_then(Value::as_str).unwrap_or("");
            let parts: Vec<&str> = raw.split('.').collect();
            if parts.len() > 1 {
                // `{a.b}`: a field of the body parameter `a`.
                let sanitized: Vec<String> = parts.iter().map(|s| names::ident(s)).collect();
                body_root.get_or_insert_with(|| sanitized[0].clone());
                path_names.insert(raw.to_string(), sanitized);
                continue;
            }
            let pname = scope.claim(&names::ident(raw));
            if pname != raw {
                self.rename_warning(&format!("{at}.parameters.{raw}"), raw, &pname);
            }
            let phint = format!("{hint}{}", names::pascal(raw));
            let (ty, r) = self.param_ty(p.get("schema"), &phint, &format!("{at}.parameters.{raw}"));
            let ty = self.refined(&phint, ty, r);
            path_names.insert(raw.to_string(), vec![pname.clone()]);
            out_params.push(ParamOut { body: false, name: pname, ty });
        }
        for p in &query {
            let raw = p.get("name").and_then(Value::as_str).unwrap_or("");
            let pname = scope.claim(&names::ident(raw));
            if pname != raw {
                self.rename_warning(&format!("{at}.parameters.{raw}"), raw, &pname);
            }
            let phint = format!("{hint}{}", names::pascal(raw));
            let (ty, r) = self.param_ty(p.get("schema"), &phint, &format!("{at}.parameters.{raw}"));
            let mut ty = self.refined(&phint, ty, r);
            if p.get("required").and_then(Value::as_bool) != Some(true) {
                ty = format!("Option<{ty}>");
            }
            out_params.push(ParamOut { body: false, name: pname, ty });
        }
        // The body.
        if let Some(rb) = op.get("requestBody")
            && let Some(rb) = self.component(rb, "requestBodies", &format!("{at}.requestBody"))
        {
            let content = rb.get("content").and_then(Value::as_object);
            let mut media = content.and_then(json_content);
            if media.is_none()
                && let Some((kind, m)) = content.and_then(form_content)
            {
                // A form body has a schema like a JSON one: its fields are imported, and the
                // generated services read them from a JSON body, which LP5509 says.
                self.warn(
                    codes::IMPORT_OPERATION_LOSSY,
                    at,
                    format!("the `{kind}` request body is imported as the operation's body; the generated services read it as JSON, not as a form"),
                );
                media = Some((kind, m));
            }
            match media {
                Some((_, media)) => {
                    let schema = media.get("schema").unwrap_or(&Value::Null);
                    let (ty, r) = if schema.is_null() {
                        ("String".to_string(), Default::default())
                    } else {
                        self.ty(schema, &format!("{hint}Body"), &format!("{at}.requestBody"), 1)
                    };
                    let mut ty = self.refined(&format!("{hint}Body"), ty, r);
                    // A body that is not required is an `Option` (once, when its schema also
                    // allows `null`).
                    if rb.get("required").and_then(Value::as_bool) != Some(true) && !ty.starts_with("Option<") {
                        ty = format!("Option<{ty}>");
                    }
                    let want = op
                        .get("x-codegen-request-body-name")
                        .and_then(Value::as_str)
                        .map(names::ident)
                        .or_else(|| body_root.clone())
                        .or_else(|| {
                            schema
                                .get("$ref")
                                .and_then(Value::as_str)
                                .and_then(|r| self.ref_target(r))
                                .map(names::snake)
                        })
                        .unwrap_or_else(|| "payload".to_string());
                    let bname = scope.claim(&want);
                    out_params.push(ParamOut { body: true, name: bname, ty });
                }
                None => self.warn(
                    codes::IMPORT_OPERATION_LOSSY,
                    at,
                    "the request body has neither JSON nor form content; not imported".into(),
                ),
            }
        }
        let has_body = out_params.iter().any(|p| p.body);
        // The HTTP binding.
        let synthesized = op.get("x-leanos-synthesized").and_then(Value::as_bool) == Some(true);
        let mut http = None;
        if !synthesized {
            let mut segs = Vec::new();
            let mut ok = true;
            for seg in path.split('/').filter(|s| !s.is_empty()) {
                // `{name}`, or `{name}.json`: a parameter with a literal suffix.
                let param = seg
                    .strip_prefix('{')
                    .and_then(|s| s.split_once('}'))
                    .filter(|(inner, suffix)| !inner.contains('{') && (suffix.is_empty() || path_char_ok(suffix)));
                if let Some((inner, suffix)) = param {
                    match path_names.get(inner) {
                        Some(parts) if parts.len() == 1 || has_body => {
                            segs.push(format!("{{{}}}{suffix}", parts.join(".")));
                        }
                        _ => {
                            ok = false;
                            self.warn(
                                codes::IMPORT_OPERATION_LOSSY,
                                at,
                                format!(
                                    "the path parameter `{inner}` is not declared; the operation has no HTTP binding"
                                ),
                            );
                        }
                    }
                } else if path_char_ok(seg) {
                    segs.push(seg.to_string());
                } else {
                    ok = false;
                    self.warn(
                        codes::IMPORT_OPERATION_LOSSY,
                        at,
                        format!("the path segment `{seg}` cannot be written in a spec path; the operation has no HTTP binding"),
                    );
                }
            }
            if ok {
                http = Some((method.to_uppercase(), format!("/{}", segs.join("/"))));
            }
        }
        // Responses.
        let mut result = "Unit".to_string();
        let mut errors = Vec::new();
        let responses = op.get("responses").and_then(Value::as_object).unwrap_or(&EMPTY);
        let mut success: Vec<(&str, &'d Value)> = Vec::new();
        for (status, resp) in responses {
            let rat = format!("{at}.responses.{status}");
            // A response may be a `$ref` to `#/components/responses/NAME`.
            let Some(resp) = self.component(resp, "responses", &rat) else { continue };
            if let Some(headers) = resp.get("headers").and_then(Value::as_object).filter(|h| !h.is_empty()) {
                let list: Vec<String> = headers.keys().map(|h| format!("`{h}`")).collect();
                self.warn(
                    codes::IMPORT_OPERATION_LOSSY,
                    at,
                    format!("the response headers {} of the `{status}` response are not imported", list.join(", ")),
                );
            }
            let code: Option<u16> = status.parse().ok();
            match code {
                Some(200..=299) => success.push((status.as_str(), resp)),
                Some(c @ 400..=599) => {
                    let names = self.error_responses(c, resp, &rat);
                    for n in names {
                        if !errors.contains(&n) {
                            errors.push(n);
                        }
                    }
                }
                _ => self.warn(
                    codes::IMPORT_OPERATION_LOSSY,
                    at,
                    format!("the `{status}` response is not imported (a spec error needs a 4xx or 5xx status)"),
                ),
            }
        }
        match success.first() {
            Some((status, resp)) => {
                let content = resp.get("content").and_then(Value::as_object);
                if let Some(content) = content.filter(|c| !c.is_empty()) {
                    match json_content(content) {
                        Some((_, media)) => {
                            if let Some(schema) = media.get("schema") {
                                let (ty, r) =
                                    self.ty(schema, &format!("{hint}Result"), &format!("{at}.responses.{status}"), 1);
                                result = self.refined(&format!("{hint}Result"), ty, r);
                            } else {
                                result = "String".to_string();
                            }
                        }
                        None => {
                            self.warn(
                                codes::IMPORT_OPERATION_LOSSY,
                                at,
                                format!("the `{status}` response has no JSON content; the result is `String`"),
                            );
                            result = "String".to_string();
                        }
                    }
                }
                let expected = if result == "Unit" {
                    "204"
                } else if method == "post" {
                    "201"
                } else {
                    "200"
                };
                if *status != expected && http.is_some() {
                    self.warn(
                        codes::IMPORT_OPERATION_LOSSY,
                        at,
                        format!("the success status {status} is not kept: the spec's generated API answers {expected} for this operation"),
                    );
                }
                if success.len() > 1 {
                    let others: Vec<&str> = success.iter().skip(1).map(|(s, _)| *s).collect();
                    self.warn(
                        codes::IMPORT_OPERATION_LOSSY,
                        at,
                        format!("only the first success response ({status}) is imported; not {}", others.join(", ")),
                    );
                }
            }
            None => {
                self.warn(codes::IMPORT_OPERATION_LOSSY, at, "there is no 2xx response; the result is `Unit`".into())
            }
        }
        if let Some(f) = op.get("x-leanos-fires").and_then(Value::as_str) {
            self.warn(
                codes::IMPORT_OPERATION_LOSSY,
                at,
                format!("`fires {f}` is not imported: state machines are not in the document"),
            );
        }
        if op.get("callbacks").is_some() {
            self.warn(codes::IMPORT_OPERATION_LOSSY, at, "callbacks have no spec equivalent; not imported".into());
        }
        OpOut { name: name.to_string(), docs, comments: Vec::new(), params: out_params, result, errors, http }
    }

    /// The type of a path or query parameter. A parameter is text in the URL, so a `oneOf` or
    /// `anyOf` whose members are all scalars (strings, numbers, booleans) is `String`, which
    /// every member's text is, instead of a sum the URL cannot carry (reported, `LP5504`).
    fn param_ty(&mut self, schema: Option<&'d Value>, hint: &str, at: &str) -> (String, crate::schema::Refine) {
        let Some(schema) = schema else { return ("String".to_string(), Default::default()) };
        let union = self.resolve(schema).and_then(|o| {
            let key = if o.contains_key("oneOf") { "oneOf" } else { "anyOf" };
            o.get(key).and_then(Value::as_array).map(|members| (key, members))
        });
        if let Some((key, members)) = union {
            let scalar = |m: &'d Value| {
                self.resolve(m).is_some_and(|o| {
                    matches!(o.get("type").and_then(Value::as_str), Some("string" | "integer" | "number" | "boolean"))
                        && !o.contains_key("oneOf")
                        && !o.contains_key("anyOf")
                })
            };
            if !members.is_empty() && members.iter().all(scalar) {
                self.warn(
                    codes::IMPORT_UNSUPPORTED_SCHEMA,
                    at,
                    format!("a parameter's `{key}` of scalars is imported as `String`: the parameter is text in the URL, and each member's value is written as text"),
                );
                return ("String".to_string(), Default::default());
            }
        }
        self.ty(schema, hint, at, 1)
    }

    /// An error body's fields kept apart from the problem document's own members (LP5513):
    /// a property of a member's name and type, unconstrained, is that member (the service
    /// sets it) and is dropped; any other of such a name becomes `error_<name>`.
    fn apart_from_envelope(&mut self, fields: Vec<FieldOut>, at: &str) -> Vec<FieldOut> {
        if !fields.iter().any(|f| PROBLEM_MEMBERS.contains(&f.name.as_str())) {
            return fields;
        }
        let mut taken: BTreeSet<String> = fields.iter().map(|f| f.name.clone()).collect();
        let mut notes = Vec::new();
        let mut out = Vec::with_capacity(fields.len());
        for mut f in fields {
            if !PROBLEM_MEMBERS.contains(&f.name.as_str()) {
                out.push(f);
                continue;
            }
            let own = if f.name == "status" { "Int" } else { "String" };
            let plain = f.refinement.is_none() && (f.ty == own || f.ty == format!("Option<{own}>"));
            if plain {
                notes.push(format!("`{}` is the problem document's own member", f.name));
                continue;
            }
            let mut new = format!("error_{}", f.name);
            let mut n = 2;
            while taken.contains(&new) {
                new = format!("error_{}_{n}", f.name);
                n += 1;
            }
            taken.insert(new.clone());
            notes.push(format!("`{}` ({}) renamed to `{new}`", f.name, f.ty));
            f.name = new;
            out.push(f);
        }
        let msg = format!(
            "the error body's properties named like problem-document members are kept apart from the envelope: {}",
            notes.join("; ")
        );
        self.warn(codes::IMPORT_ERROR_PROBLEM_MEMBER, at, msg);
        out
    }

    /// The error names an error response stands for, declaring new errors as needed.
    fn error_responses(&mut self, status: u16, resp: &'d Value, at: &str) -> Vec<String> {
        // A response the generated service's runtime gives (`x-leanos-runtime`) is not a spec
        // error: only the spec's errors that share its status (the first part of its `anyOf`,
        // the second being the runtime's `ProblemDetails`) are imported.
        let runtime = resp.get("x-leanos-runtime").is_some();
        if runtime
            && resp
                .pointer("/content/application~1problem+json/schema/anyOf")
                .and_then(Value::as_array)
                .is_none_or(|a| a.len() != 2)
        {
            return Vec::new();
        }
        let media = resp.get("content").and_then(Value::as_object).and_then(|c| {
            if let Some(m) = c.get("application/problem+json") {
                self.out.problem_json = true;
                return Some(m);
            }
            json_content(c).map(|(_, m)| m)
        });
        let mut schema = media.and_then(|m| m.get("schema"));
        if runtime {
            schema = schema.and_then(|s| s.get("anyOf")).and_then(Value::as_array).and_then(|a| a.first());
        }
        // The generator's encoding: a reference (or a `oneOf` of references) to error schemas.
        let refs: Vec<&str> = match schema {
            Some(s) if s.get("$ref").is_some() => s.get("$ref").and_then(Value::as_str).into_iter().collect(),
            Some(s) => s
                .get("oneOf")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|m| m.get("$ref").and_then(Value::as_str)).collect())
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let known: Vec<String> =
            refs.iter().filter_map(|r| self.ref_target(r)).filter_map(|k| self.error_names.get(k).cloned()).collect();
        if !known.is_empty() && known.len() == refs.len() {
            for n in &known {
                if let Some(e) = self.out.errors.iter().find(|e| &e.name == n)
                    && e.status != status
                {
                    let msg = format!("the error `{n}` has status {} but is the {status} response", e.status);
                    self.warn(codes::IMPORT_OPERATION_LOSSY, at, msg);
                }
            }
            return known;
        }
        // Otherwise: one error per status and payload, named after the schema or the status;
        // one per status and component schema however many responses use them.
        let memo_key = schema
            .and_then(|s| s.get("$ref"))
            .and_then(Value::as_str)
            .and_then(|r| self.ref_target(r))
            .map(|k| (status, k.to_string()));
        if let Some(name) = memo_key.as_ref().and_then(|k| self.error_for_schema.get(k)) {
            return vec![name.clone()];
        }
        let (base, fields): (String, Vec<FieldOut>) = match schema {
            None => (reason(status).to_string(), Vec::new()),
            Some(s) => {
                let ref_name = s.get("$ref").and_then(Value::as_str).and_then(|r| self.ref_target(r));
                let name = ref_name
                    .map(|n| format!("{}{}", names::pascal(n), reason(status)))
                    .unwrap_or_else(|| reason(status).to_string());
                match self.resolve(s) {
                    Some(o) if o.contains_key("properties") => {
                        let mut scope = names::Scope::default();
                        let saved = std::mem::take(&mut self.pending);
                        let fields = self.record_fields(&name, o, at, &mut scope, None, 1);
                        let fields = self.apart_from_envelope(fields, at);
                        let notes = std::mem::replace(&mut self.pending, saved);
                        self.pending.extend(notes);
                        (name, fields)
                    }
                    _ => {
                        self.warn(
                            codes::IMPORT_OPERATION_LOSSY,
                            at,
                            "the error body is not an object schema; the error is imported without fields".into(),
                        );
                        (name, Vec::new())
                    }
                }
            }
        };
        if let Some(e) =
            self.out.errors.iter().find(|e| e.status == status && e.fields == fields && e.name.starts_with(&base))
        {
            return vec![e.name.clone()];
        }
        let name = self.global.claim(&names::type_ident(&base));
        let docs = resp.get("description").and_then(Value::as_str).map(doc_lines).unwrap_or_default();
        self.out.errors.push(ErrorOut { name: name.clone(), docs, comments: Vec::new(), status, fields });
        if let Some(k) = memo_key {
            self.error_for_schema.insert(k, name.clone());
        }
        vec![name]
    }
}

/// Where a warning's comment goes when it is not about the item being imported.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    Document,
    Standards,
}
