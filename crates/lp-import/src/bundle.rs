//! Multi-file descriptions: `$ref`s to other files of the description (`resources/x.yml`,
//! `../schemas/Pet.yaml#/Pet`) are followed and inlined, so the importer sees one document.
//!
//! The files are read through [`Files`], which the caller implements (the CLI reads them from
//! the root document's folder); this module never touches the disk itself. Paths are resolved
//! here, relative to the file that holds the `$ref`, and a path that leaves the root
//! document's folder, an absolute path or a URL is never read (no network): such a `$ref` is
//! reported (`LP5520`) and left as it is, so the importer reports where it was used too. The
//! work is bounded: the number of files, their total size, the depth of nested references and
//! the size of the inlined document ([`Limits`]); passing a bound refuses the whole import
//! (`LP5521`) rather than importing part of it silently.
//!
//! Schemas keep names: a component schema of the root document that is itself a `$ref` to a
//! file (`components.schemas.Pet: {$ref: schemas/Pet.yaml}`) keeps its name, and every other
//! reference to the same file and fragment becomes `#/components/schemas/Pet`; any other
//! reference at a schema position (`schema`, `items`, a property, a member of `allOf`...) to
//! another file makes its target a component schema named after the fragment's last segment
//! or the file's stem (numbered when taken), referred to by name, so that a schema used in
//! many places is one type and a recursive one needs no copy. Other parts (parameters,
//! responses, path items) are copied in place.

use lp_diagnostics::{Diagnostic, codes};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Reads the files of a multi-file description.
pub trait Files {
    /// The text of the file at `path`, a `/`-separated path relative to the root document's
    /// folder that never leaves it (no `..` past the folder, never absolute); an error
    /// message when it cannot be read.
    fn read(&self, path: &str) -> Result<String, String>;
}

/// The bounds of one bundling.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Files read besides the root document.
    pub max_files: usize,
    /// Bytes read, all files together.
    pub max_bytes: usize,
    /// References followed inside references.
    pub max_depth: usize,
    /// JSON values in the inlined document.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_files: 10_000, max_bytes: 64 << 20, max_depth: 64, max_nodes: 8_000_000 }
    }
}

/// A reference's target: a file (relative to the root document's folder) and a JSON pointer.
type Target = (String, String);

struct Bundler<'f> {
    files: &'f dyn Files,
    limits: Limits,
    root: String,
    /// Every file read (or tried), by path: its value, or `None` when it could not be read.
    docs: BTreeMap<String, Option<Value>>,
    bytes: usize,
    nodes: usize,
    /// The targets being inlined, outermost first.
    stack: Vec<Target>,
    /// Targets written as a reference to a component schema of that name.
    named: BTreeMap<Target, String>,
    /// Component schema names taken (the root document's and the hoisted ones).
    taken: std::collections::BTreeSet<String>,
    /// Names given to schemas that refer to themselves, and those schemas once inlined.
    hoisted_names: std::collections::BTreeSet<String>,
    hoisted: Map<String, Value>,
    diags: Vec<Diagnostic>,
    /// Set when a bound was passed: the bundle is refused.
    refused: bool,
}

/// Follows and inlines the references to other files of `doc`, the parsed root document
/// named `root` (its file name; references back to it stay local). Returns the bundled
/// document, or `None` when a bound was passed, and the diagnostics.
pub fn bundle(doc: &Value, root: &str, files: &dyn Files, limits: Limits) -> (Option<Value>, Vec<Diagnostic>) {
    let mut b = Bundler {
        files,
        limits,
        root: root.to_string(),
        docs: BTreeMap::new(),
        bytes: 0,
        nodes: 0,
        stack: Vec::new(),
        named: BTreeMap::new(),
        taken: Default::default(),
        hoisted_names: Default::default(),
        hoisted: Map::new(),
        diags: Vec::new(),
        refused: false,
    };
    // The root's component schemas that are references to files keep their names.
    let schemas = doc.pointer("/components/schemas").and_then(Value::as_object);
    let mut own: BTreeMap<String, Target> = BTreeMap::new();
    for (name, s) in schemas.into_iter().flatten() {
        b.taken.insert(name.clone());
        if let Some(r) = s.get("$ref").and_then(Value::as_str)
            && !r.starts_with('#')
            && let Some(t) = b.target(r, root, false)
        {
            b.named.entry(t.clone()).or_insert_with(|| name.clone());
            own.insert(name.clone(), t);
        }
    }
    let mut out = Map::new();
    for (k, v) in doc.as_object().into_iter().flatten() {
        let value = if k == "components" {
            let mut comps = Map::new();
            for (section, entries) in v.as_object().into_iter().flatten() {
                let value = match (section.as_str(), entries.as_object()) {
                    ("schemas", Some(entries)) => {
                        let mut m = Map::new();
                        for (name, s) in entries {
                            // The component's own reference is inlined, not named after itself.
                            let inlined = match own.get(name) {
                                Some(t) if b.named.get(t) == Some(name) => b.inline(s, t.clone(), root, 0, Ctx::Schema),
                                _ => b.walk(s, root, 0, Ctx::Schema),
                            };
                            m.insert(name.clone(), inlined);
                        }
                        Value::Object(m)
                    }
                    _ => b.walk(entries, root, 0, Ctx::Other),
                };
                comps.insert(section.clone(), value);
            }
            Value::Object(comps)
        } else {
            b.walk(v, root, 0, Ctx::Other)
        };
        out.insert(k.clone(), value);
    }
    if !b.hoisted.is_empty() {
        let comps = out.entry("components").or_insert_with(|| Value::Object(Map::new()));
        if let Some(comps) = comps.as_object_mut() {
            let schemas = comps.entry("schemas").or_insert_with(|| Value::Object(Map::new()));
            if let Some(schemas) = schemas.as_object_mut() {
                schemas.extend(std::mem::take(&mut b.hoisted));
            }
        }
    }
    if b.refused { (None, b.diags) } else { (Some(Value::Object(out)), b.diags) }
}

impl Bundler<'_> {
    fn warn(&mut self, r: &str, file: &str, why: String) {
        let at = if file == self.root { String::new() } else { format!(" (in `{file}`)") };
        self.diags.push(
            Diagnostic::new(codes::IMPORT_EXTERNAL_REF, format!("`$ref` `{r}`{at} is not followed: {why}"))
                .with_help("keep every file of the description inside the root document's folder, or bundle it into one file first (for example with `redocly bundle`)"),
        );
    }

    fn refuse(&mut self, why: String) {
        if !self.refused {
            self.refused = true;
            self.diags.push(
                Diagnostic::new(codes::IMPORT_BUNDLE_TOO_LARGE, format!("the description is not imported: {why}"))
                    .with_help("bundle the description into one file first (for example with `redocly bundle`), or import a part of it"),
            );
        }
    }

    /// The target of reference `r` written in `file`; reported and `None` when it must not
    /// be followed. `report` is false for the silent pre-pass over the root's schemas.
    fn target(&mut self, r: &str, file: &str, report: bool) -> Option<Target> {
        let (path, fragment) = r.split_once('#').unwrap_or((r, ""));
        let fragment = percent_decode(fragment);
        if !fragment.is_empty() && !fragment.starts_with('/') {
            if report {
                self.warn(r, file, "its fragment is not a JSON pointer".into());
            }
            return None;
        }
        if path.is_empty() {
            return Some((file.to_string(), fragment));
        }
        let path = percent_decode(path);
        let why = if path.contains("://") || path.starts_with("//") || path.contains(':') {
            Some("it is a URL, and the importer never reads the network".to_string())
        } else if path.starts_with('/') || path.starts_with('\\') {
            Some("it is an absolute path; only files inside the description's folder are read".to_string())
        } else {
            None
        };
        let resolved = match why {
            Some(w) => Err(w),
            None => join(file, &path).ok_or_else(|| "it leaves the description's folder".to_string()),
        };
        match resolved {
            Ok(p) => Some((p, fragment)),
            Err(why) => {
                if report {
                    self.warn(r, file, why);
                }
                None
            }
        }
    }

    /// The parsed file at `path`, read once; `None` (reported once) when it cannot be.
    fn load(&mut self, path: &str, r: &str, from: &str) -> Option<&Value> {
        if !self.docs.contains_key(path) {
            let value = if self.docs.len() >= self.limits.max_files {
                self.refuse(format!("it refers to more than {} files", self.limits.max_files));
                None
            } else {
                match self.files.read(path) {
                    Ok(text) => {
                        self.bytes += text.len();
                        if self.bytes > self.limits.max_bytes {
                            self.refuse(format!("its files are larger than {} bytes together", self.limits.max_bytes));
                            None
                        } else {
                            match crate::document::parse(&text) {
                                Ok(v) => Some(v),
                                Err(d) => {
                                    self.warn(r, from, format!("`{path}` is not JSON or YAML ({})", d.message));
                                    None
                                }
                            }
                        }
                    }
                    Err(e) => {
                        self.warn(r, from, format!("`{path}` cannot be read: {e}"));
                        None
                    }
                }
            };
            self.docs.insert(path.to_string(), value);
        }
        self.docs.get(path).and_then(Option::as_ref)
    }

    /// `v` (from `file`, at a position of kind `ctx`) with every reference to another file
    /// inlined.
    fn walk(&mut self, v: &Value, file: &str, depth: usize, ctx: Ctx) -> Value {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes {
            self.refuse(format!("inlining its files gives more than {} values", self.limits.max_nodes));
        }
        if self.refused {
            return Value::Null;
        }
        match v {
            Value::Object(o) => {
                if let Some(r) = o.get("$ref").and_then(Value::as_str) {
                    return self.reference(o, r, file, depth, ctx);
                }
                Value::Object(o.iter().map(|(k, x)| (k.clone(), self.walk(x, file, depth, ctx.child(k)))).collect())
            }
            Value::Array(a) => {
                let item = if ctx == Ctx::SchemaList { Ctx::Schema } else { Ctx::Other };
                Value::Array(a.iter().map(|x| self.walk(x, file, depth, item)).collect())
            }
            other => other.clone(),
        }
    }

    /// The reference object `o` (`$ref` `r`, written in `file`), inlined or rewritten.
    fn reference(&mut self, o: &Map<String, Value>, r: &str, file: &str, depth: usize, ctx: Ctx) -> Value {
        // A reference inside the root document stays as it is.
        if r.starts_with('#') && file == self.root {
            return Value::Object(o.clone());
        }
        let Some(target) = self.target(r, file, true) else { return Value::Object(o.clone()) };
        if target.0 == self.root {
            // Back into the root document: a local reference.
            let mut local = o.clone();
            local.insert("$ref".into(), Value::String(format!("#{}", encode_fragment(&target.1))));
            return Value::Object(local);
        }
        if let Some(name) = self.named.get(&target) {
            return schema_ref(name);
        }
        if self.stack.contains(&target) {
            // A recursive reference: the target becomes a named component schema.
            let name = self.claim(&target);
            self.named.insert(target, name.clone());
            return schema_ref(&name);
        }
        if depth >= self.limits.max_depth {
            self.warn(r, file, format!("references are nested more than {} deep", self.limits.max_depth));
            return Value::Object(o.clone());
        }
        if ctx == Ctx::Schema {
            // A schema in another file is a component schema, named after it, so that every
            // reference to it is one type.
            let name = self.claim(&target);
            self.named.insert(target.clone(), name);
        }
        let inlined = self.inline(&Value::Object(o.clone()), target, file, depth, ctx);
        match inlined {
            Value::Object(mut m) if o.len() > 1 => {
                // Keys beside the `$ref` (`description`, `summary`) are kept over the target's.
                for (k, x) in o.iter().filter(|(k, _)| k.as_str() != "$ref") {
                    let x = self.walk(x, file, depth, ctx.child(k));
                    m.insert(k.clone(), x);
                }
                Value::Object(m)
            }
            other => other,
        }
    }

    /// The value at `target`, with its own references inlined; the reference object `o`
    /// itself when the target cannot be read.
    fn inline(&mut self, o: &Value, target: Target, file: &str, depth: usize, ctx: Ctx) -> Value {
        let r = o.get("$ref").and_then(Value::as_str).unwrap_or_default().to_string();
        let Some(doc) = self.load(&target.0, &r, file) else { return o.clone() };
        let Some(value) = doc.pointer(&target.1).cloned() else {
            let why = format!("`{}` has nothing at `#{}`", target.0, target.1);
            self.warn(&r, file, why);
            return o.clone();
        };
        self.stack.push(target.clone());
        let inlined = self.walk(&value, &target.0.clone(), depth + 1, ctx);
        self.stack.pop();
        // The target referred to itself meanwhile: it is a component schema now.
        match self.named.get(&target) {
            Some(name) if self.hoisted_names.contains(name) && !self.hoisted.contains_key(name) => {
                let name = name.clone();
                self.hoisted.insert(name.clone(), inlined);
                schema_ref(&name)
            }
            _ => inlined,
        }
    }

    /// A new component schema name for `target`: its fragment's last segment, or its file's
    /// stem, numbered when taken.
    fn claim(&mut self, target: &Target) -> String {
        let last =
            target.1.rsplit('/').next().filter(|s| !s.is_empty()).map(|s| s.replace("~1", "/").replace("~0", "~"));
        let stem = target.0.rsplit('/').next().unwrap_or("Schema");
        let stem = stem.split('.').next().filter(|s| !s.is_empty()).unwrap_or("Schema");
        let base = last.unwrap_or_else(|| stem.to_string());
        let mut name = base.clone();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        self.hoisted_names.insert(name.clone());
        name
    }
}

/// What a position in the document holds, as far as naming schemas goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// A schema (`schema`, `items`, a property...).
    Schema,
    /// A map of schemas (`properties`, `$defs`).
    SchemaMap,
    /// A list of schemas (`allOf`, `oneOf`, `anyOf`, `prefixItems`).
    SchemaList,
    Other,
}

impl Ctx {
    /// The kind of the value under key `k` of an object of this kind.
    fn child(self, k: &str) -> Ctx {
        match self {
            Ctx::SchemaMap => Ctx::Schema,
            Ctx::Schema => match k {
                "items"
                | "additionalProperties"
                | "not"
                | "contains"
                | "propertyNames"
                | "if"
                | "then"
                | "else"
                | "additionalItems"
                | "unevaluatedItems"
                | "unevaluatedProperties" => Ctx::Schema,
                "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => Ctx::SchemaMap,
                "allOf" | "oneOf" | "anyOf" | "prefixItems" => Ctx::SchemaList,
                _ => Ctx::Other,
            },
            Ctx::SchemaList | Ctx::Other => {
                if k == "schema" {
                    Ctx::Schema
                } else {
                    Ctx::Other
                }
            }
        }
    }
}

fn schema_ref(name: &str) -> Value {
    let mut m = Map::new();
    m.insert(
        "$ref".into(),
        Value::String(format!("#/components/schemas/{}", name.replace('~', "~0").replace('/', "~1"))),
    );
    Value::Object(m)
}

/// `path` relative to the folder of `file`, normalized; `None` when it leaves the root folder.
fn join(file: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = file.split('/').collect();
    parts.pop();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    (!joined.is_empty()).then_some(joined)
}

/// `%XX` escapes decoded (a fragment or path of a URI reference); malformed ones kept as written.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// A JSON pointer written back as a URI fragment (`%` and spaces escaped).
fn encode_fragment(p: &str) -> String {
    p.replace('%', "%25").replace(' ', "%20")
}
