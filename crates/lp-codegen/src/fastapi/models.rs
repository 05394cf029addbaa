//! The spec's types as Python: pydantic v2 models (`app/models.py`), JSON witnesses (one valid
//! value per type, for default results), and Hypothesis strategies (`tests/strategies.py`).

use super::py::{self, Scope, ident, result_name, str_lit, type_name, variant_class};
use super::slice::Slice;
use crate::openapi::refinement_constraints;
use lp_ir::text::{ExprNames, expr_text};
use lp_ir::{BinOp, Expr, ExprKind, FieldDef, Spec, Ty, TypeBody, TypeId, UnOp};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Every concrete type that needs a Python definition.
#[derive(Default)]
pub struct Concrete {
    /// Named types by Python name, in first-reached order of their declarations.
    pub named: BTreeMap<String, (TypeId, Vec<Ty>)>,
    /// `Result<A, B>` instantiations by Python name.
    pub results: BTreeMap<String, (Ty, Ty)>,
}

/// The concrete types reachable from `roots` (through fields, variants, aliases and arguments).
pub fn concrete_from(spec: &Spec, roots: Vec<Ty>) -> Concrete {
    let mut out = Concrete::default();
    let mut todo = roots;
    while let Some(ty) = todo.pop() {
        match ty {
            Ty::Option(t) | Ty::List(t) | Ty::Set(t) => todo.push(*t),
            Ty::Map(a, b) | Ty::Fn(a, b) => {
                todo.push(*a);
                todo.push(*b);
            }
            Ty::Result(a, b) => {
                let name = result_name(spec, &a, &b);
                if !out.results.contains_key(&name) && !a.contains_param() && !b.contains_param() {
                    todo.push((*a).clone());
                    todo.push((*b).clone());
                    out.results.insert(name, (*a, *b));
                }
            }
            Ty::Named { id, args } => {
                let name = type_name(spec, id, &args);
                if out.named.contains_key(&name)
                    || args.iter().any(Ty::contains_param)
                    || spec.types.get(id.index()).is_none()
                {
                    continue;
                }
                todo.extend(spec.component_types(id, &args));
                todo.extend(args.iter().cloned());
                out.named.insert(name, (id, args));
            }
            _ => {}
        }
    }
    out
}

/// A type as a Python annotation; `m` is the models module prefix (`""` or `"M."`).
pub fn pyty(spec: &Spec, ty: &Ty, m: &str) -> String {
    match ty {
        Ty::Int => format!("{m}_Int"),
        Ty::Decimal => format!("{m}_Decimal"),
        Ty::Bool => "bool".into(),
        Ty::String => "str".into(),
        Ty::Unit => "None".into(),
        Ty::Void => format!("{m}_Void"),
        Ty::Option(t) => format!("_t.Optional[{}]", pyty(spec, t, m)),
        Ty::List(t) => format!("list[{}]", pyty(spec, t, m)),
        Ty::Set(t) => format!("_t.Annotated[list[{}], _pd.AfterValidator(_rt.unique_items)]", pyty(spec, t, m)),
        Ty::Map(k, v) => format!("dict[{}, {}]", pyty(spec, k, m), pyty(spec, v, m)),
        Ty::Result(a, b) => format!("{m}{}", result_name(spec, a, b)),
        Ty::Named { id, args } => format!("{m}{}", type_name(spec, *id, args)),
        Ty::Machine(_) => "str".into(),
        Ty::ErrorType(e) => format!("{m}{}", ident(spec.errors.get(e.index()).map_or("Error", |e| e.name.as_str()))),
        Ty::Fn(..) | Ty::Param(_) | Ty::Error => "_t.Any".into(),
    }
}

/// The pydantic `Field` keyword arguments and validators of a refinement on a value of `ty`.
pub fn refinement_parts(spec: &Spec, ty: &Ty, r: Option<&Expr>, m: &str) -> (Vec<String>, Vec<String>) {
    let mut kwargs = Vec::new();
    let mut validators = Vec::new();
    let Some(r) = r else { return (kwargs, validators) };
    let mut parts = Vec::new();
    conjuncts(r, &mut parts);
    for part in parts {
        let c = refinement_constraints(spec, ty, Some(part));
        let exact = !c.contains_key("x-leanos-refinement") && !c.contains_key("pattern") && !c.is_empty();
        if exact {
            for (k, v) in &c {
                let kw = match k.as_str() {
                    "minimum" => "ge",
                    "maximum" => "le",
                    "exclusiveMinimum" => "gt",
                    "exclusiveMaximum" => "lt",
                    "minLength" | "minItems" | "minProperties" => "min_length",
                    _ => "max_length",
                };
                // A decimal bound is compared as a decimal, never as the float a JSON number
                // would be read as in Python (`Decimal("0.7") <= 0.7` is false).
                if matches!(spec.head(ty).as_ref(), Ty::Decimal) {
                    kwargs.push(format!("{kw}=_rt.D({})", str_lit(&v.to_string())));
                } else {
                    kwargs.push(format!("{kw}={v}"));
                }
            }
        } else {
            validators.push(validator(spec, part, m));
        }
    }
    (kwargs, validators)
}

/// An `AfterValidator` checking one refinement conjunct, with its spec text in the message.
pub fn validator(spec: &Spec, e: &Expr, m: &str) -> String {
    let text = expr_text(spec, ExprNames::default(), e);
    let body = pred(spec, e, m);
    format!("_pd.AfterValidator(_rt.refined(lambda _self: {body}, {}))", str_lit(&text))
}

/// A refinement as a Python expression over `_self`.
pub fn pred(spec: &Spec, e: &Expr, m: &str) -> String {
    let fns = if m.is_empty() { "_F()." } else { "F." };
    py::expr(spec, Scope { params: &[], vars: &[], self_name: "_self", result_name: "result", models: m, fns }, e)
}

fn conjuncts<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::Binary { op: BinOp::And, lhs, rhs } => {
            conjuncts(lhs, out);
            conjuncts(rhs, out);
        }
        _ => out.push(e),
    }
}

fn annotated(base: String, kwargs: &[String], validators: &[String]) -> String {
    if kwargs.is_empty() && validators.is_empty() {
        return base;
    }
    let mut parts = vec![base];
    if !kwargs.is_empty() {
        parts.push(format!("_pd.Field({})", kwargs.join(", ")));
    }
    parts.extend(validators.iter().cloned());
    format!("_t.Annotated[{}]", parts.join(", "))
}

/// The annotation and default of a record field.
fn field_line(spec: &Spec, f: &FieldDef, args: &[Ty]) -> String {
    let ty = f.ty.subst(args);
    let (inner, optional) = match &ty {
        Ty::Option(t) => ((**t).clone(), true),
        t => (t.clone(), false),
    };
    let (kwargs, validators) = refinement_parts(spec, &inner, f.refinement.as_ref(), "");
    let mut ann = annotated(pyty(spec, &inner, ""), &kwargs, &validators);
    let mut meta = Vec::new();
    if !py::ident_is_verbatim(&f.name) {
        meta.push(format!("alias={}", str_lit(&f.name)));
    }
    if !f.docs.is_empty() {
        meta.push(format!("description={}", str_lit(&crate::openapi::doc_text(&f.docs))));
    }
    if optional {
        ann = format!("_t.Optional[{ann}]");
    }
    if optional {
        meta.push("exclude_if=_rt.is_none".to_string());
    }
    let mut extras = Vec::new();
    if !meta.is_empty() {
        extras.push(format!("_pd.Field({})", meta.join(", ")));
    }
    if !extras.is_empty() {
        ann = format!("_t.Annotated[{ann}, {}]", extras.join(", "));
    }
    format!("    {}: {ann}{}\n", ident(&f.name), if optional { " = None" } else { "" })
}

fn class(out: &mut String, name: &str, docs: &[String], body: &str) {
    let _ = writeln!(out, "class {name}(_Model):");
    if !docs.is_empty() {
        let _ = writeln!(out, "    __doc__ = {}", str_lit(&crate::openapi::doc_text(docs)));
    }
    if body.is_empty() && docs.is_empty() {
        out.push_str("    pass\n");
    }
    out.push_str(body);
    out.push_str("\n\n");
}

/// Whether `Decimal` occurs in a declared position of the spec (a type, an error's field, a
/// function's or operation's signature, a machine variable): where the `_Decimal` annotation
/// of `models.py` may be used.
pub fn uses_decimal(spec: &Spec) -> bool {
    fn has(ty: &Ty) -> bool {
        match ty {
            Ty::Decimal => true,
            Ty::Option(t) | Ty::List(t) | Ty::Set(t) => has(t),
            Ty::Result(a, b) | Ty::Map(a, b) | Ty::Fn(a, b) => has(a) || has(b),
            Ty::Named { args, .. } => args.iter().any(has),
            _ => false,
        }
    }
    let fields = |fs: &[FieldDef]| fs.iter().any(|f| has(&f.ty));
    spec.types.iter().any(|t| match &t.body {
        TypeBody::Alias(t) => has(t),
        TypeBody::Record(fs) => fields(fs),
        TypeBody::Sum(vs) => vs.iter().any(|v| v.payload.as_deref().is_some_and(fields)),
    }) || spec.errors.iter().any(|e| fields(&e.fields))
        || spec.fns.iter().any(|f| has(&f.result) || f.params.iter().any(|p| has(&p.ty)))
        || spec.services.iter().flat_map(|s| &s.ops).any(|o| has(&o.result) || o.params.iter().any(|p| has(&p.ty)))
        || spec.machines.iter().flat_map(|m| &m.vars).any(|v| has(&v.ty))
}

/// `app/models.py`: every concrete type, error payload and `Result` instantiation of a slice.
pub fn models_py(spec: &Spec, sl: &Slice) -> String {
    let c = &sl.concrete;
    let mut out = String::new();
    out.push_str(
        "from __future__ import annotations\n\nimport typing as _t\n\nimport pydantic as _pd\n\nfrom app import runtime as _rt\n\n\n\
         def _F():\n    from app import fns\n\n    return fns\n\n\n\
         class _Model(_pd.BaseModel):\n    model_config = _pd.ConfigDict(extra=\"forbid\", strict=True, populate_by_name=True, \
         protected_namespaces=())\n\n\n\
         _Int = _t.Annotated[int, _pd.BeforeValidator(_rt.integral), _pd.Field(ge=_rt.INT64_MIN, le=_rt.INT64_MAX)]\n\
         _Void = _t.Annotated[None, _pd.AfterValidator(lambda v: _rt.check(False, \"Void has no values\"))]\n\n\n",
    );
    // Only a spec with decimals gets their annotation, so the models of other specs stay as
    // they were (and their certificates' digests with them).
    if uses_decimal(spec) {
        out.push_str(
            "_Decimal = _t.Annotated[_rt.D, _pd.BeforeValidator(_rt.decimal_in), \
             _pd.PlainSerializer(_rt.decimal_out, when_used=\"json\")]\n\n\n",
        );
    }
    let mut classes = Vec::new();
    // Aliases: (name, definition, the Python names it refers to).
    let mut aliases: Vec<(String, String)> = Vec::new();
    for (name, (id, args)) in &c.named {
        let Some(def) = spec.types.get(id.index()) else { continue };
        match &def.body {
            TypeBody::Record(fields) => {
                let mut body = String::new();
                for f in fields {
                    body.push_str(&field_line(spec, f, args));
                }
                if let Some(r) = &def.refinement {
                    let text = expr_text(spec, ExprNames::default(), r);
                    let _ = write!(
                        body,
                        "\n    @_pd.model_validator(mode=\"after\")\n    def _refinement(self):\n        \
                         return _rt.refined(lambda _self: {}, {})(self)\n",
                        pred(spec, r, ""),
                        str_lit(&text)
                    );
                }
                class(&mut out, name, &def.docs, &body);
                classes.push(name.clone());
            }
            TypeBody::Sum(variants) => {
                let (kwargs, validators) = refinement_parts(spec, &Ty::Named { id: *id, args: args.clone() }, None, "");
                let _ = kwargs;
                let mut refine = validators;
                if let Some(r) = &def.refinement {
                    refine.push(validator(spec, r, ""));
                }
                let union = if variants.iter().all(|v| v.payload.is_none()) {
                    let names: Vec<String> = variants.iter().map(|v| str_lit(&v.name)).collect();
                    format!("_t.Literal[{}]", names.join(", "))
                } else {
                    let mut members = Vec::new();
                    for v in variants {
                        let cname = variant_class(spec, *id, args, &v.name);
                        let mut body = format!("    kind: _t.Literal[{}] = {}\n", str_lit(&v.name), str_lit(&v.name));
                        for f in v.payload.iter().flatten() {
                            body.push_str(&field_line(spec, f, args));
                        }
                        class(&mut out, &cname, &v.docs, &body);
                        classes.push(cname.clone());
                        members.push(cname);
                    }
                    format!("_t.Annotated[_t.Union[{}], _pd.Field(discriminator=\"kind\")]", members.join(", "))
                };
                aliases.push((name.clone(), annotated(union, &[], &refine)));
            }
            TypeBody::Alias(t) => {
                let base = t.subst(args);
                let (kwargs, validators) = refinement_parts(spec, &base, def.refinement.as_ref(), "");
                aliases.push((name.clone(), annotated(pyty(spec, &base, ""), &kwargs, &validators)));
            }
        }
    }
    for (name, (ok, err)) in &c.results {
        let ok_class = format!("{name}_Ok");
        let err_class = format!("{name}_Err");
        class(
            &mut out,
            &ok_class,
            &[],
            &format!("    kind: _t.Literal[\"Ok\"] = \"Ok\"\n    value: {}\n", pyty(spec, ok, "")),
        );
        class(
            &mut out,
            &err_class,
            &[],
            &format!("    kind: _t.Literal[\"Err\"] = \"Err\"\n    error: {}\n", pyty(spec, err, "")),
        );
        classes.push(ok_class.clone());
        classes.push(err_class.clone());
        aliases.push((
            name.clone(),
            format!("_t.Annotated[_t.Union[{ok_class}, {err_class}], _pd.Field(discriminator=\"kind\")]"),
        ));
    }
    for e in spec.errors.iter().enumerate().filter(|(i, _)| sl.errors[*i]).map(|(_, e)| e) {
        let mut body = String::new();
        for f in &e.fields {
            body.push_str(&field_line(spec, f, &[]));
        }
        let name = ident(&e.name);
        class(&mut out, &name, &e.docs, &body);
        classes.push(name);
    }
    // Aliases are evaluated eagerly: each after the aliases it mentions (a word of its
    // definition not preceded by `.`), in declaration order otherwise.
    let names: BTreeSet<&str> = aliases.iter().map(|(n, _)| n.as_str()).collect();
    let deps: Vec<BTreeSet<&str>> = aliases
        .iter()
        .map(|(name, def)| words(def).filter(|w| *w != name.as_str() && names.contains(w)).collect())
        .collect();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut pending: Vec<usize> = (0..aliases.len()).collect();
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for i in pending {
            if deps[i].iter().all(|d| done.contains(d)) {
                let _ = writeln!(out, "{} = {}", aliases[i].0, aliases[i].1);
                done.insert(aliases[i].0.as_str());
            } else {
                rest.push(i);
            }
        }
        if rest.len() == before {
            // A cycle through aliases only: write the rest as they are (pydantic resolves
            // string forward references in the models that use them).
            for i in rest {
                let _ = writeln!(out, "{} = {}", aliases[i].0, aliases[i].1);
            }
            break;
        }
        pending = rest;
    }
    out.push_str("\n\n");
    for cls in &classes {
        let _ = writeln!(out, "{cls}.model_rebuild()");
    }
    out
}

/// The identifiers of Python text that are not attribute names (not preceded by `.`).
fn words(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            let start = i;
            if bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                if start == 0 || bytes[start - 1] != b'.' {
                    return Some(&text[start..i]);
                }
            } else {
                i += 1;
            }
        }
        None
    })
}

// ---------------------------------------------------------------- witnesses

/// A valid JSON value of a type (checked at run time; a type whose witness is not valid gets
/// no default result).
pub fn witness(spec: &Spec, ty: &Ty, depth: u32) -> Value {
    if depth > 12 {
        return Value::Null;
    }
    match ty {
        Ty::Int => json!(0),
        Ty::Decimal => json!(0.0),
        Ty::Bool => json!(false),
        Ty::String => json!("a"),
        Ty::Unit | Ty::Void | Ty::Option(_) | Ty::Fn(..) | Ty::Param(_) | Ty::Error => Value::Null,
        Ty::List(_) | Ty::Set(_) => json!([]),
        Ty::Map(..) => json!({}),
        Ty::Machine(_) => json!("instance"),
        Ty::Result(a, _) => json!({ "kind": "Ok", "value": witness(spec, a, depth + 1) }),
        Ty::ErrorType(e) => match spec.errors.get(e.index()) {
            Some(def) => fields_witness(spec, &def.fields, &[], depth),
            None => Value::Null,
        },
        Ty::Named { id, args } => {
            let Some(def) = spec.types.get(id.index()) else { return Value::Null };
            match &def.body {
                TypeBody::Record(fields) => fields_witness(spec, fields, args, depth),
                TypeBody::Sum(variants) => {
                    let Some(v) = variants.first() else { return Value::Null };
                    if variants.iter().all(|v| v.payload.is_none()) {
                        return json!(v.name);
                    }
                    let mut obj = match fields_witness(spec, v.payload.as_deref().unwrap_or(&[]), args, depth) {
                        Value::Object(m) => m,
                        _ => Map::new(),
                    };
                    obj.insert("kind".into(), json!(v.name));
                    Value::Object(obj)
                }
                TypeBody::Alias(t) => {
                    let base = t.subst(args);
                    constrained(spec, &base, def.refinement.as_ref(), witness(spec, &base, depth + 1))
                }
            }
        }
    }
}

fn fields_witness(spec: &Spec, fields: &[FieldDef], args: &[Ty], depth: u32) -> Value {
    let mut obj = Map::new();
    for f in fields {
        let ty = f.ty.subst(args);
        if matches!(ty, Ty::Option(_)) {
            continue;
        }
        let w = witness(spec, &ty, depth + 1);
        obj.insert(f.name.clone(), constrained(spec, &ty, f.refinement.as_ref(), w));
    }
    Value::Object(obj)
}

/// Adjusts a witness to the bounds, lengths and pattern of a refinement, or takes the first
/// value the refinement pins (see [`pinned_values`]).
fn constrained(spec: &Spec, ty: &Ty, r: Option<&Expr>, w: Value) -> Value {
    if let Some(first) = pinned_values(r).and_then(|vs| vs.into_iter().next()) {
        return first;
    }
    let c = refinement_constraints(spec, ty, r);
    if c.is_empty() {
        return w;
    }
    let int = |k: &str| c.get(k).and_then(Value::as_i64);
    match spec.head(ty).as_ref() {
        Ty::Int => {
            let lo = int("minimum").or(int("exclusiveMinimum").and_then(|n| n.checked_add(1)));
            let hi = int("maximum").or(int("exclusiveMaximum").and_then(|n| n.checked_sub(1)));
            json!(match (lo, hi) {
                (Some(lo), _) => lo,
                (None, Some(hi)) if hi < 0 => hi,
                _ => w.as_i64().unwrap_or(0),
            })
        }
        Ty::String => {
            let min = int("minLength").unwrap_or(0).max(0) as usize;
            if let Some(Value::String(re)) = c.get("pattern") {
                let mut s = regex_witness(re).unwrap_or_default();
                let pad = s.chars().last().unwrap_or('a');
                while s.chars().count() < min {
                    s.push(pad);
                }
                return json!(s);
            }
            let max = int("maxLength").map_or(usize::MAX, |m| m.max(0) as usize);
            json!("a".repeat(min.max(1).min(max)))
        }
        Ty::List(t) | Ty::Set(t) => match int("minItems") {
            Some(n) if n > 0 => Value::Array(vec![witness(spec, t, 1); n.min(16) as usize]),
            _ => w,
        },
        _ => w,
    }
}

/// A short string matching a regular expression (its search), or `None` when the pattern
/// does not parse. The string built from the pattern's syntax tree is checked with a full
/// regular-expression engine (fancy-regex, which reads look-around, back-references and
/// inline flags as Python's `re` does); when it does not match (a look-ahead asking for a
/// digit, say) or the tree cannot be built, a bounded search tries runs of one character with
/// up to three leading characters replaced, each checked the same way.
pub fn regex_witness(pattern: &str) -> Option<String> {
    let first = tree_witness(pattern);
    let Ok(engine) = fancy_regex::Regex::new(pattern) else { return first };
    let ok = |s: &str| engine.is_match(s).unwrap_or(false);
    if let Some(w) = first.as_ref().filter(|w| ok(w)) {
        return Some(w.clone());
    }
    const ALPHABET: [char; 9] = ['a', '0', 'A', '_', '!', '-', '.', '@', ' '];
    let mut bases: Vec<String> = first.iter().cloned().collect();
    bases.extend((0..=16).map(|n| "a".repeat(n)));
    for base in &bases {
        if ok(base) {
            return Some(base.clone());
        }
        let chars: Vec<char> = base.chars().collect();
        for k in 1..=3.min(chars.len()) {
            let mut idx = vec![0usize; k];
            loop {
                let mut candidate: String = idx.iter().map(|i| ALPHABET[*i]).collect();
                candidate.extend(&chars[k..]);
                if ok(&candidate) {
                    return Some(candidate);
                }
                // The next combination of `k` characters of the alphabet.
                let mut pos = 0;
                while pos < k {
                    idx[pos] += 1;
                    if idx[pos] < ALPHABET.len() {
                        break;
                    }
                    idx[pos] = 0;
                    pos += 1;
                }
                if pos == k {
                    break;
                }
            }
        }
    }
    first
}

/// A string built from the pattern's syntax tree: the first alternative, each repetition its
/// minimum, a preferred character of each class; look-arounds are ignored.
fn tree_witness(pattern: &str) -> Option<String> {
    use regex_syntax::hir::{Class, Hir, HirKind};
    fn walk(h: &Hir, out: &mut String) {
        match h.kind() {
            HirKind::Empty | HirKind::Look(_) => {}
            HirKind::Literal(lit) => out.push_str(&String::from_utf8_lossy(&lit.0)),
            HirKind::Class(Class::Unicode(c)) => {
                let preferred = ['a', 'A', '0', 'x', '-', '_', '.', ' '];
                let pick = preferred
                    .iter()
                    .copied()
                    .find(|p| c.ranges().iter().any(|r| r.start() <= *p && *p <= r.end()))
                    .or_else(|| c.ranges().iter().map(|r| r.start().max('!')).find(|ch| !ch.is_control()));
                if let Some(ch) = pick {
                    out.push(ch);
                }
            }
            HirKind::Class(Class::Bytes(c)) => {
                if let Some(r) = c.ranges().first() {
                    out.push(char::from(r.start().max(b'a').min(r.end())));
                }
            }
            HirKind::Repetition(rep) => {
                for _ in 0..rep.min.min(64) {
                    walk(&rep.sub, out);
                }
            }
            HirKind::Capture(cap) => walk(&cap.sub, out),
            HirKind::Concat(hs) => hs.iter().for_each(|h| walk(h, out)),
            HirKind::Alternation(hs) => {
                if let Some(h) = hs.first() {
                    walk(h, out);
                }
            }
        }
    }
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let mut out = String::new();
    walk(&hir, &mut out);
    Some(out)
}

/// The values a refinement allows at most, when one of its conjuncts pins them: `self == LIT`
/// (either way round), or a disjunction of such equalities, allows only those literals (the
/// other conjuncts may still rule some out). `None` when no conjunct does. An imported
/// `const` (`where self == "orderList"`) is the common case: a witness or a strategy that
/// ignored it would almost never be valid, and Hypothesis gives up on a broad strategy
/// filtered by it (`Unsatisfiable`).
pub fn pinned_values(r: Option<&Expr>) -> Option<Vec<Value>> {
    let mut parts = Vec::new();
    conjuncts(r?, &mut parts);
    parts.into_iter().find_map(equalities)
}

/// The literals `self` is compared with in `self == LIT || ...`, in order, without repeats.
fn equalities(e: &Expr) -> Option<Vec<Value>> {
    match &e.kind {
        ExprKind::Binary { op: BinOp::Or, lhs, rhs } => {
            let mut out = equalities(lhs)?;
            for v in equalities(rhs)? {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
            Some(out)
        }
        ExprKind::Binary { op: BinOp::Eq, lhs, rhs } => match (&lhs.kind, &rhs.kind) {
            (ExprKind::SelfValue, _) => literal(rhs).map(|v| vec![v]),
            (_, ExprKind::SelfValue) => literal(lhs).map(|v| vec![v]),
            _ => None,
        },
        _ => None,
    }
}

/// The JSON value of a literal expression (an integer, possibly negated, a string or a
/// boolean).
fn literal(e: &Expr) -> Option<Value> {
    match &e.kind {
        ExprKind::Int(n) => Some(json!(n)),
        ExprKind::Str(s) => Some(json!(s)),
        ExprKind::Bool(b) => Some(json!(b)),
        ExprKind::Unary { op: UnOp::Neg, operand } => match operand.kind {
            ExprKind::Int(n) => n.checked_neg().map(|n| json!(n)),
            _ => None,
        },
        _ => None,
    }
}

// ---------------------------------------------------------------- strategies

/// A Hypothesis strategy producing JSON data of a type; `named` strategies are module-level.
pub fn strategy(spec: &Spec, ty: &Ty) -> String {
    match ty {
        Ty::Int => "_INTS".into(),
        Ty::Decimal => "_DECIMALS".into(),
        Ty::Bool => "st.booleans()".into(),
        Ty::String => "st.text(max_size=12)".into(),
        Ty::Unit | Ty::Void | Ty::Fn(..) | Ty::Param(_) | Ty::Error => "st.none()".into(),
        Ty::Machine(_) => "st.text(min_size=1, max_size=8)".into(),
        Ty::Option(t) => format!("(st.none() | {})", strategy(spec, t)),
        Ty::List(t) => format!("st.lists({}, max_size=3)", strategy(spec, t)),
        Ty::Set(t) => format!("st.lists({}, max_size=3, unique_by=_json_key)", strategy(spec, t)),
        Ty::Map(k, v) => format!("st.dictionaries({}, {}, max_size=3)", key_strategy(spec, k), strategy(spec, v)),
        Ty::Result(a, b) => format!(
            "st.one_of(st.fixed_dictionaries({{\"kind\": st.just(\"Ok\"), \"value\": {}}}), \
             st.fixed_dictionaries({{\"kind\": st.just(\"Err\"), \"error\": {}}}))",
            strategy(spec, a),
            strategy(spec, b)
        ),
        Ty::Named { id, args } => format!("st_{}", type_name(spec, *id, args)),
        Ty::ErrorType(e) => format!("st_{}", ident(spec.errors.get(e.index()).map_or("Error", |e| e.name.as_str()))),
    }
}

fn key_strategy(spec: &Spec, k: &Ty) -> String {
    match spec.head(k).as_ref() {
        Ty::Int => "_INTS.map(str)".into(),
        _ => strategy(spec, k),
    }
}

/// A strategy narrowed by the exact constraints of a refinement (the rest is filtered by the
/// type's adapter at the named level).
pub fn refined_strategy(spec: &Spec, ty: &Ty, r: Option<&Expr>) -> String {
    // Values the refinement pins are drawn from exactly: every valid value is one of them.
    if let Some(values) = pinned_values(r) {
        let json = serde_json::to_string(&values).unwrap_or_else(|_| "[]".into());
        return format!("st.sampled_from(json.loads({}))", str_lit(&json));
    }
    let c = refinement_constraints(spec, ty, r);
    let int = |k: &str| c.get(k).and_then(Value::as_i64);
    match spec.head(ty).as_ref() {
        Ty::Int if !c.is_empty() => {
            let lo = int("minimum").or(int("exclusiveMinimum").and_then(|n| n.checked_add(1)));
            let hi = int("maximum").or(int("exclusiveMaximum").and_then(|n| n.checked_sub(1)));
            let lo_s = lo.map_or("-(2**31)".to_string(), |n| n.to_string());
            let hi_s = hi.map_or_else(|| lo.map_or("2**31".to_string(), |n| format!("{n} + 2**31")), |n| n.to_string());
            format!("st.integers(min_value={lo_s}, max_value={hi_s})")
        }
        Ty::String if !c.is_empty() => {
            let min = int("minLength").unwrap_or(0).max(0);
            let max = int("maxLength");
            let mut s = match c.get("pattern") {
                Some(Value::String(re)) => format!("st.from_regex({}, fullmatch=False)", str_lit(re)),
                _ => format!(
                    "st.text(min_size={min}, max_size={})",
                    max.map_or((min + 12).to_string(), |m| m.to_string())
                ),
            };
            if c.contains_key("pattern") && (min > 0 || max.is_some()) {
                let max = max.map_or("10**9".to_string(), |m| m.to_string());
                let _ = write!(s, ".filter(lambda v: {min} <= len(v) <= {max})");
            }
            s
        }
        Ty::List(t) | Ty::Set(t) if !c.is_empty() => {
            let min = int("minItems").unwrap_or(0).max(0);
            let max = int("maxItems").unwrap_or(min + 3);
            let unique = if matches!(spec.head(ty).as_ref(), Ty::Set(_)) { ", unique_by=_json_key" } else { "" };
            format!("st.lists({}, min_size={min}, max_size={max}{unique})", strategy(spec, t))
        }
        _ => strategy(spec, ty),
    }
}

fn fields_strategy(spec: &Spec, fields: &[FieldDef], args: &[Ty], kind: Option<&str>) -> String {
    let mut required = Vec::new();
    let mut optional = Vec::new();
    if let Some(k) = kind {
        required.push(format!("{}: st.just({})", str_lit("kind"), str_lit(k)));
    }
    for f in fields {
        let ty = f.ty.subst(args);
        match &ty {
            Ty::Option(t) => {
                optional.push(format!("{}: {}", str_lit(&f.name), refined_strategy(spec, t, f.refinement.as_ref())))
            }
            t => required.push(format!("{}: {}", str_lit(&f.name), refined_strategy(spec, t, f.refinement.as_ref()))),
        }
    }
    format!("st.fixed_dictionaries({{{}}}, optional={{{}}})", required.join(", "), optional.join(", "))
}

/// `tests/strategies.py`: one strategy per concrete type and error payload, each filtered by
/// the type's own validation so that every value it draws is valid.
pub fn strategies_py(spec: &Spec, sl: &Slice) -> String {
    let c = &sl.concrete;
    let mut out = String::from(
        "import json\n\nimport pydantic as _pd\nimport typing as _t\nfrom hypothesis import strategies as st\n\n\
         from app import models as M\nfrom app import runtime as _rt\n\n\
         _INTS = st.integers(min_value=-(2**31), max_value=2**31)\n\n\n\
         def _json_key(value):\n    return json.dumps(value, sort_keys=True)\n\n\n\
         def valid(adapter, data):\n    try:\n        adapter.validate_python(data, strict=True)\n        return True\n    \
         except (_pd.ValidationError, ValueError, TypeError, ArithmeticError):\n        return False\n\n\n",
    );
    for (name, (id, args)) in &c.named {
        let Some(def) = spec.types.get(id.index()) else { continue };
        let base = match &def.body {
            TypeBody::Record(fields) => fields_strategy(spec, fields, args, None),
            TypeBody::Sum(variants) if variants.iter().all(|v| v.payload.is_none()) => {
                let names: Vec<String> = variants.iter().map(|v| str_lit(&v.name)).collect();
                format!("st.sampled_from([{}])", names.join(", "))
            }
            TypeBody::Sum(variants) => {
                let parts: Vec<String> = variants
                    .iter()
                    .map(|v| fields_strategy(spec, v.payload.as_deref().unwrap_or(&[]), args, Some(&v.name)))
                    .collect();
                format!("st.one_of({})", parts.join(", "))
            }
            TypeBody::Alias(t) => refined_strategy(spec, &t.subst(args), def.refinement.as_ref()),
        };
        let _ = writeln!(
            out,
            "A_{name} = _pd.TypeAdapter(M.{name})\nst_{name} = st.deferred(lambda: ({base}).filter(lambda d: valid(A_{name}, d)))\n"
        );
    }
    for (name, (ok, err)) in &c.results {
        let base = strategy(spec, &Ty::Result(Box::new(ok.clone()), Box::new(err.clone())));
        let _ = writeln!(
            out,
            "A_{name} = _pd.TypeAdapter(M.{name})\nst_{name} = st.deferred(lambda: ({base}).filter(lambda d: valid(A_{name}, d)))\n"
        );
    }
    for e in spec.errors.iter().enumerate().filter(|(i, _)| sl.errors[*i]).map(|(_, e)| e) {
        let name = ident(&e.name);
        let base = fields_strategy(spec, &e.fields, &[], None);
        let _ = writeln!(
            out,
            "A_{name} = _pd.TypeAdapter(M.{name})\nst_{name} = st.deferred(lambda: ({base}).filter(lambda d: valid(A_{name}, d)))\n"
        );
    }
    // Decimals with two places as JSON numbers (floats whose text is the decimal), only for
    // the specs that draw decimals.
    if out.contains("_DECIMALS") {
        out = out.replacen(
            "\n\n\ndef _json_key(value):",
            "\n_DECIMALS = st.decimals(min_value=-(10**6), max_value=10**6, places=2).map(float)\n\n\ndef _json_key(value):",
            1,
        );
    }
    out
}
