//! Example values for the generated tests: for each type, values that satisfy it and values
//! that do not, found by a small deterministic search and confirmed by evaluating the
//! refinements here (the generated vitest tests then check that the TypeScript validators agree).
//!
//! The evaluator covers what refinements are made of (literals, `self`, fields, comparisons,
//! arithmetic, `len`, `matches`, `&&`/`||`/`!`, constructors, `match`, calls of functions with
//! bodies, machine variables), with the semantics of `lp-props`' evaluator (Euclidean division,
//! `len` in characters, `matches` as a search); anything else is "unknown", and a value whose
//! check is unknown is never used as an example.

use lp_ir::decimal::{self, Decimal};
use lp_ir::{BinOp, Builtin, Ctor, Expr, ExprKind, Spec, Ty, TypeBody, UnOp, VarDef};
use regex_syntax::hir::{Class, Hir, HirKind};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The environment of an evaluation: the refined value and the machine variables.
pub struct Env<'a> {
    pub this: Option<&'a Value>,
    pub vars: &'a [VarDef],
    pub var_values: Option<&'a Map<String, Value>>,
}

fn int(v: &Value) -> Option<i64> {
    v.as_i64()
}

/// The decimal a JSON number stands for, exactly (its text is the decimal's digits).
fn dec(v: &Value) -> Option<Decimal> {
    if !v.is_number() {
        return None;
    }
    decimal::from_number_text(&v.to_string())
}

/// A decimal as a JSON number, when one holds it exactly.
fn dec_json(d: Decimal) -> Option<Value> {
    Some(Value::Number(serde_json::Number::from_f64(decimal::to_f64_exact(d)?)?))
}

/// Evaluates an expression; `None` when it is outside what this evaluator knows.
pub fn eval(spec: &Spec, env: &Env<'_>, e: &Expr) -> Option<Value> {
    eval_in(spec, env, &mut Frame { params: Vec::new(), locals: BTreeMap::new(), depth: 0 }, e)
}

/// The function parameters and match-bound locals of one evaluation.
struct Frame {
    params: Vec<Value>,
    locals: BTreeMap<u32, Value>,
    depth: u32,
}

fn eval_in(spec: &Spec, env: &Env<'_>, fr: &mut Frame, e: &Expr) -> Option<Value> {
    Some(match &e.kind {
        ExprKind::Int(n) => json!(n),
        ExprKind::Decimal(d) => dec_json(*d)?,
        ExprKind::Str(s) => json!(s),
        ExprKind::Bool(b) => json!(b),
        ExprKind::SelfValue => env.this?.clone(),
        ExprKind::Var(v) => env.var_values?.get(&env.vars.get(v.index())?.name)?.clone(),
        ExprKind::Field { base, name, .. } => eval_in(spec, env, fr, base)?.get(name).cloned().unwrap_or(Value::Null),
        ExprKind::Ctor { ctor, args } => {
            let args: Option<Vec<Value>> =
                args.iter().map(|a| eval_in(spec, env, fr, a)).collect::<Option<Vec<Value>>>();
            let args = args?;
            match ctor {
                Ctor::None => Value::Null,
                Ctor::Some => args.first()?.clone(),
                Ctor::Ok => json!({ "kind": "Ok", "value": args.first()? }),
                Ctor::Err => json!({ "kind": "Err", "error": args.first()? }),
                Ctor::Variant { ty, index } => {
                    let TypeBody::Sum(vs) = &spec.types.get(ty.index())?.body else { return None };
                    let v = vs.get(*index as usize)?;
                    if vs.iter().all(|v| v.payload.is_none()) {
                        json!(v.name)
                    } else {
                        let mut m = Map::new();
                        m.insert("kind".into(), json!(v.name));
                        for (f, a) in v.payload.iter().flatten().zip(args) {
                            m.insert(f.name.clone(), a);
                        }
                        Value::Object(m)
                    }
                }
            }
        }
        ExprKind::Builtin { builtin, args } => {
            let args: Option<Vec<Value>> =
                args.iter().map(|a| eval_in(spec, env, fr, a)).collect::<Option<Vec<Value>>>();
            match (builtin, args?.as_slice()) {
                (Builtin::Decimal, [n]) => dec_json(decimal::from_int(int(n)?))?,
                (Builtin::Len, [Value::String(s)]) => json!(s.chars().count()),
                (Builtin::Len, [Value::Array(a)]) => json!(a.len()),
                (Builtin::Len, [Value::Object(o)]) => json!(o.len()),
                (Builtin::Matches, [Value::String(s), Value::String(re)]) => {
                    json!(regex_matches(re, s)?)
                }
                _ => return None,
            }
        }
        ExprKind::Unary { op, operand } => {
            let v = eval_in(spec, env, fr, operand)?;
            match op {
                UnOp::Not => json!(!v.as_bool()?),
                UnOp::Neg if matches!(spec.head(&operand.ty).as_ref(), Ty::Decimal) => {
                    dec_json(decimal::neg(dec(&v)?)?)?
                }
                UnOp::Neg => json!(int(&v)?.checked_neg()?),
            }
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let l = eval_in(spec, env, fr, lhs)?;
            match (op, l.as_bool()) {
                (BinOp::And, Some(false)) => return Some(json!(false)),
                (BinOp::Or, Some(true)) => return Some(json!(true)),
                _ => {}
            }
            let r = eval_in(spec, env, fr, rhs)?;
            if matches!(spec.head(&lhs.ty).as_ref(), Ty::Decimal) {
                // Decimals compare and compute exactly, whatever their JSON text (`2` or `2.0`).
                let (a, b) = (dec(&l)?, dec(&r)?);
                return Some(match op {
                    BinOp::Eq => json!(a == b),
                    BinOp::Ne => json!(a != b),
                    BinOp::Lt => json!(a < b),
                    BinOp::Le => json!(a <= b),
                    BinOp::Gt => json!(a > b),
                    BinOp::Ge => json!(a >= b),
                    BinOp::Add => dec_json(decimal::add(a, b)?)?,
                    BinOp::Sub => dec_json(decimal::sub(a, b)?)?,
                    BinOp::Mul => dec_json(decimal::mul(a, b)?)?,
                    _ => return None,
                });
            }
            match op {
                BinOp::And | BinOp::Or => json!(r.as_bool()?),
                BinOp::Eq => json!(l == r),
                BinOp::Ne => json!(l != r),
                _ => {
                    let (a, b) = (int(&l)?, int(&r)?);
                    match op {
                        BinOp::Lt => json!(a < b),
                        BinOp::Le => json!(a <= b),
                        BinOp::Gt => json!(a > b),
                        BinOp::Ge => json!(a >= b),
                        BinOp::Add => json!(a.checked_add(b)?),
                        BinOp::Sub => json!(a.checked_sub(b)?),
                        BinOp::Mul => json!(a.checked_mul(b)?),
                        BinOp::Div if b != 0 => json!(a.checked_div_euclid(b)?),
                        BinOp::Rem if b != 0 => json!(a.checked_rem_euclid(b)?),
                        _ => return None,
                    }
                }
            }
        }
        ExprKind::List(items) => {
            let items: Option<Vec<Value>> =
                items.iter().map(|a| eval_in(spec, env, fr, a)).collect::<Option<Vec<Value>>>();
            Value::Array(items?)
        }
        ExprKind::Param(i) => fr.params.get(*i as usize)?.clone(),
        ExprKind::Local { id, .. } => fr.locals.get(&id.0)?.clone(),
        ExprKind::Call { func, args } => {
            let def = spec.fns.get(func.index())?;
            let body = def.body.as_ref()?;
            if fr.depth >= 32 {
                return None;
            }
            let mut vals = Vec::new();
            for a in args {
                vals.push(eval_in(spec, env, fr, a)?);
            }
            let mut inner = Frame { params: vals, locals: BTreeMap::new(), depth: fr.depth + 1 };
            eval_in(spec, env, &mut inner, body)?
        }
        ExprKind::Match { scrutinee, arms } => {
            let v = eval_in(spec, env, fr, scrutinee)?;
            for arm in arms {
                let saved = fr.locals.clone();
                if bind(spec, &arm.pattern, &v, &mut fr.locals)? {
                    let out = eval_in(spec, env, fr, &arm.body);
                    fr.locals = saved;
                    return out;
                }
                fr.locals = saved;
            }
            return None;
        }
        _ => return None,
    })
}

/// Matches a pattern against a value, binding locals; `None` when it cannot tell.
fn bind(spec: &Spec, p: &lp_ir::Pattern, v: &Value, locals: &mut BTreeMap<u32, Value>) -> Option<bool> {
    use lp_ir::PatternKind;
    Some(match &p.kind {
        PatternKind::Wildcard => true,
        PatternKind::Error => return None,
        PatternKind::Int(n) => v.as_i64()? == *n,
        PatternKind::Str(s) => v.as_str()? == s,
        PatternKind::Bool(b) => v.as_bool()? == *b,
        PatternKind::Bind { local, .. } => {
            locals.insert(local.0, v.clone());
            true
        }
        PatternKind::Ctor { ctor, fields } => {
            let sub = |path: &Value, locals: &mut BTreeMap<u32, Value>| -> Option<bool> {
                for f in fields {
                    if !bind(spec, &f.pattern, path, locals)? {
                        return Some(false);
                    }
                }
                Some(true)
            };
            match ctor {
                Ctor::None => v.is_null(),
                Ctor::Some => !v.is_null() && sub(v, locals)?,
                Ctor::Ok | Ctor::Err => {
                    let (kind, inner) = if matches!(ctor, Ctor::Ok) { ("Ok", "value") } else { ("Err", "error") };
                    v.get("kind")?.as_str()? == kind && sub(v.get(inner)?, locals)?
                }
                Ctor::Variant { ty, index } => {
                    let TypeBody::Sum(vs) = &spec.types.get(ty.index())?.body else { return None };
                    let variant = vs.get(*index as usize)?;
                    if vs.iter().all(|x| x.payload.is_none()) {
                        v.as_str()? == variant.name
                    } else {
                        if v.get("kind")?.as_str()? != variant.name {
                            return Some(false);
                        }
                        for f in fields {
                            let name = &variant.payload.as_ref()?.get(f.index as usize)?.name;
                            if !bind(spec, &f.pattern, v.get(name)?, locals)? {
                                return Some(false);
                            }
                        }
                        true
                    }
                }
            }
        }
    })
}

thread_local! {
    /// Compiled regular expressions by pattern (`None`: the pattern does not compile).
    static REGEXES: std::cell::RefCell<BTreeMap<String, Option<regex::Regex>>> =
        const { std::cell::RefCell::new(BTreeMap::new()) };
}

/// `matches(text, re)`: a search, with the compiled expression cached.
fn regex_matches(re: &str, text: &str) -> Option<bool> {
    REGEXES.with(|cache| {
        let mut cache = cache.borrow_mut();
        let compiled = cache.entry(re.to_string()).or_insert_with(|| regex::Regex::new(re).ok());
        compiled.as_ref().map(|r| r.is_match(text))
    })
}

/// Whether `value` satisfies a refinement: `Some(true|false)`, or `None` when unknown.
fn holds(spec: &Spec, r: &Expr, value: &Value) -> Option<bool> {
    eval(spec, &Env { this: Some(value), vars: &[], var_values: None }, r)?.as_bool()
}

fn all_hold(spec: &Spec, refs: &[&Expr], value: &Value) -> bool {
    refs.iter().all(|r| holds(spec, r, value) == Some(true))
}

fn literals(e: &Expr, ints: &mut Vec<i64>, patterns: &mut Vec<String>) {
    match &e.kind {
        ExprKind::Int(n) => ints.push(*n),
        ExprKind::Builtin { builtin: Builtin::Matches, args } => {
            if let Some(ExprKind::Str(re)) = args.get(1).map(|a| &a.kind) {
                patterns.push(re.clone());
            }
            args.iter().for_each(|a| literals(a, ints, patterns));
        }
        ExprKind::Unary { operand, .. } => literals(operand, ints, patterns),
        ExprKind::Binary { lhs, rhs, .. } => {
            literals(lhs, ints, patterns);
            literals(rhs, ints, patterns);
        }
        ExprKind::Builtin { args, .. } | ExprKind::Ctor { args, .. } | ExprKind::List(args) => {
            args.iter().for_each(|a| literals(a, ints, patterns))
        }
        _ => {}
    }
}

/// A string matching a regular expression, with every repetition taken `k` times (within its
/// bounds); `None` for constructs this does not generate (look-arounds are not supported by
/// the parser either).
fn regex_string(hir: &Hir, k: u32, out: &mut String) -> Option<()> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(l) => out.push_str(std::str::from_utf8(&l.0).ok()?),
        HirKind::Class(Class::Unicode(c)) => {
            let r = c.ranges().iter().find(|r| r.start().is_alphanumeric()).or_else(|| c.ranges().first())?;
            let ch = if r.start().is_alphanumeric() {
                r.start()
            } else {
                (r.start()..=r.end()).find(|c| c.is_alphanumeric()).unwrap_or(r.start())
            };
            out.push(ch);
        }
        HirKind::Class(Class::Bytes(c)) => out.push(char::from(c.ranges().first()?.start())),
        HirKind::Repetition(rep) => {
            let n = k.max(rep.min).min(rep.max.unwrap_or(u32::MAX));
            for _ in 0..n {
                regex_string(&rep.sub, k, out)?;
            }
        }
        HirKind::Capture(c) => regex_string(&c.sub, k, out)?,
        HirKind::Concat(items) => {
            for i in items {
                regex_string(i, k, out)?;
            }
        }
        HirKind::Alternation(items) => regex_string(items.first()?, k, out)?,
    }
    Some(())
}

fn strings_for(patterns: &[String], ints: &[i64]) -> Vec<Value> {
    let mut out = Vec::new();
    for p in patterns {
        let Ok(hir) = regex_syntax::parse(p) else { continue };
        for k in 0..=70 {
            let mut s = String::new();
            if regex_string(&hir, k, &mut s).is_some() {
                out.push(json!(s));
            }
        }
    }
    let mut lens: Vec<i64> = vec![1, 0, 2, 3, 8];
    for n in ints {
        lens.extend([*n, n + 1, n - 1]);
    }
    for n in lens {
        if (0..=300).contains(&n) {
            out.push(json!("a".repeat(n as usize)));
        }
    }
    out.push(json!("Example text"));
    dedup(out)
}

fn ints_for(ints: &[i64]) -> Vec<Value> {
    let mut out: Vec<i64> = vec![0, 1, 2];
    for n in ints {
        out.extend([*n, n.saturating_add(1), n.saturating_sub(1)]);
    }
    out.extend([-1, 10, 100, 1000]);
    dedup(out.into_iter().map(|n| json!(n)).collect())
}

/// Candidate decimals: a few small ones, and around every decimal literal of the
/// refinements, the literal itself and its neighbours one unit of its last digit away.
fn decimals_for(refs: &[&Expr]) -> Vec<Value> {
    fn collect(e: &Expr, out: &mut Vec<Decimal>) {
        match &e.kind {
            ExprKind::Decimal(d) => out.push(*d),
            ExprKind::Unary { operand, .. } => {
                let mut inner = Vec::new();
                collect(operand, &mut inner);
                out.extend(inner.iter().copied().filter_map(decimal::neg).chain(inner.iter().copied()));
            }
            ExprKind::Binary { lhs, rhs, .. } => {
                collect(lhs, out);
                collect(rhs, out);
            }
            _ => {}
        }
    }
    let mut lits = Vec::new();
    for r in refs {
        collect(r, &mut lits);
    }
    let mut out: Vec<Decimal> =
        ["0.0", "1.0", "0.5", "-1.0", "10.25"].iter().filter_map(|s| decimal::from_number_text(s)).collect();
    for k in lits {
        let step = Decimal::new(1, k.scale().max(1));
        out.extend([Some(k), decimal::add(k, step), decimal::sub(k, step)].into_iter().flatten());
    }
    dedup(out.into_iter().filter_map(dec_json).collect())
}

fn dedup(items: Vec<Value>) -> Vec<Value> {
    let mut seen = std::collections::BTreeSet::new();
    items.into_iter().filter(|v| seen.insert(v.to_string())).collect()
}

/// Candidate values of a type (not all valid), at most a handful for compound types.
fn candidates(spec: &Spec, ty: &Ty, refs: &[&Expr], depth: u32) -> Vec<Value> {
    let (mut ints, mut patterns) = (Vec::new(), Vec::new());
    for r in refs {
        literals(r, &mut ints, &mut patterns);
    }
    if depth > 6 {
        return Vec::new();
    }
    match ty {
        Ty::Int => ints_for(&ints),
        Ty::Decimal => decimals_for(refs),
        Ty::Bool => vec![json!(true), json!(false)],
        Ty::String | Ty::Machine(_) => strings_for(&patterns, &ints),
        Ty::Unit => vec![Value::Null],
        Ty::Void | Ty::Fn(..) | Ty::Param(_) | Ty::Error => Vec::new(),
        Ty::Option(t) => {
            let mut out = valid_values(spec, t, &[], depth + 1);
            out.insert(0, Value::Null);
            out
        }
        Ty::Result(a, b) => {
            let mut out = Vec::new();
            if let Some(v) = valid_values(spec, a, &[], depth + 1).into_iter().next() {
                out.push(json!({ "kind": "Ok", "value": v }));
            }
            if let Some(v) = valid_values(spec, b, &[], depth + 1).into_iter().next() {
                out.push(json!({ "kind": "Err", "error": v }));
            }
            out
        }
        Ty::List(t) | Ty::Set(t) => {
            let items = valid_values(spec, t, &[], depth + 1);
            let mut lens: Vec<i64> = vec![0, 1, 2];
            for n in &ints {
                lens.extend([*n, n + 1, n - 1]);
            }
            let mut out = Vec::new();
            for n in lens {
                if !(0..=64).contains(&n) {
                    continue;
                }
                let n = n as usize;
                let list: Vec<Value> = if matches!(ty, Ty::Set(_)) {
                    if items.len() < n {
                        continue;
                    }
                    items[..n].to_vec()
                } else {
                    match items.first() {
                        Some(first) => vec![first.clone(); n],
                        None if n == 0 => Vec::new(),
                        None => continue,
                    }
                };
                out.push(Value::Array(list));
            }
            dedup(out)
        }
        Ty::Map(k, v) => {
            let mut out = vec![json!({})];
            let key = valid_values(spec, k, &[], depth + 1).into_iter().next();
            let value = valid_values(spec, v, &[], depth + 1).into_iter().next();
            if let (Some(key), Some(value)) = (key, value) {
                let key = match key {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                out.push(json!({ key: value }));
            }
            out
        }
        Ty::Named { id, args } => {
            let Some(def) = spec.types.get(id.index()) else { return Vec::new() };
            let mut own: Vec<&Expr> = refs.to_vec();
            if let Some(r) = &def.refinement {
                own.push(r);
            }
            match &def.body {
                TypeBody::Alias(t) => candidates(spec, &t.subst(args), &own, depth + 1),
                TypeBody::Record(fields) => record_candidates(spec, fields, args, None, depth),
                TypeBody::Sum(vs) if vs.iter().all(|v| v.payload.is_none()) => {
                    vs.iter().map(|v| json!(v.name)).collect()
                }
                TypeBody::Sum(vs) => {
                    let mut out = Vec::new();
                    for v in vs {
                        out.extend(record_candidates(
                            spec,
                            v.payload.as_deref().unwrap_or(&[]),
                            args,
                            Some(&v.name),
                            depth,
                        ));
                    }
                    out
                }
            }
        }
        Ty::ErrorType(e) => {
            let Some(def) = spec.errors.get(e.index()) else { return Vec::new() };
            let mut out = record_candidates(spec, &def.fields, &[], None, depth);
            for v in &mut out {
                if let Value::Object(m) = v {
                    m.insert("type".into(), json!("about:blank"));
                    m.insert("title".into(), json!(def.name));
                    m.insert("status".into(), json!(def.status));
                }
            }
            out
        }
    }
}

/// The valid values of each field of a record, in field order (`None` for an empty list).
fn field_values(spec: &Spec, fields: &[lp_ir::FieldDef], args: &[Ty], depth: u32) -> Vec<(String, bool, Vec<Value>)> {
    fields
        .iter()
        .map(|f| {
            let ty = f.ty.subst(args);
            let (base, optional) = match &ty {
                Ty::Option(t) => ((**t).clone(), true),
                t => (t.clone(), false),
            };
            let refs: Vec<&Expr> = f.refinement.iter().collect();
            (f.name.clone(), optional, valid_values(spec, &base, &refs, depth + 1))
        })
        .collect()
}

fn record_candidates(
    spec: &Spec,
    fields: &[lp_ir::FieldDef],
    args: &[Ty],
    kind: Option<&str>,
    depth: u32,
) -> Vec<Value> {
    let values = field_values(spec, fields, args, depth);
    if values.iter().any(|(_, optional, vs)| !optional && vs.is_empty()) {
        return Vec::new();
    }
    let build = |choice: &[usize]| {
        let mut m = Map::new();
        if let Some(k) = kind {
            m.insert("kind".into(), json!(k));
        }
        for ((name, _, vs), i) in values.iter().zip(choice) {
            if let Some(v) = vs.get(*i) {
                m.insert(name.clone(), v.clone());
            }
        }
        Value::Object(m)
    };
    let base = vec![0usize; values.len()];
    let mut out = vec![build(&base)];
    for (f, (_, _, vs)) in values.iter().enumerate() {
        for j in 1..vs.len().min(4) {
            let mut c = base.clone();
            c[f] = j;
            out.push(build(&c));
        }
    }
    out
}

/// Values of a type that satisfy it and the extra refinements `refs`, best first.
pub fn valid_values(spec: &Spec, ty: &Ty, refs: &[&Expr], depth: u32) -> Vec<Value> {
    let mut own: Vec<&Expr> = refs.to_vec();
    if let Ty::Named { id, .. } = ty
        && let Some(r) = spec.types.get(id.index()).and_then(|d| d.refinement.as_ref())
    {
        own.push(r);
    }
    candidates(spec, ty, refs, depth).into_iter().filter(|v| all_hold(spec, &own, v)).take(6).collect()
}

/// One valid value of a type.
pub fn valid_value(spec: &Spec, ty: &Ty) -> Option<Value> {
    valid_values(spec, ty, &[], 0).into_iter().next()
}

/// Values of a type that violate it, each confirmed: by its JSON shape, or by a refinement
/// that evaluates to `false` on it. `(value, why)`.
pub fn invalid_values(spec: &Spec, ty: &Ty) -> Vec<(Value, String)> {
    let mut out = Vec::new();
    let head = spec.head(ty).into_owned();
    // The wrong JSON shape.
    match &head {
        Ty::Int => {
            out.push((json!("1"), "a string is not an Int".to_string()));
            out.push((json!(1.5), "1.5 is not an Int".to_string()));
        }
        Ty::Bool => out.push((json!("true"), "a string is not a Bool".to_string())),
        Ty::String => out.push((json!(1), "a number is not a String".to_string())),
        Ty::List(_) | Ty::Set(_) => out.push((json!({}), "an object is not a list".to_string())),
        Ty::Named { id, .. } => match spec.types.get(id.index()).map(|d| &d.body) {
            Some(TypeBody::Sum(vs)) if vs.iter().all(|v| v.payload.is_none()) => {
                let mut name = "NotAVariant".to_string();
                while vs.iter().any(|v| v.name == name) {
                    name.push('_');
                }
                out.push((json!(name), "not a variant".to_string()));
            }
            Some(TypeBody::Sum(_)) => out.push((json!({ "kind": "NotAVariant_" }), "not a variant".to_string())),
            Some(TypeBody::Record(_)) => out.push((json!("text"), "a string is not a record".to_string())),
            _ => {}
        },
        _ => {}
    }
    // Refinement violations: candidates of the structure that fail a refinement.
    let mut chain: Vec<(String, &Expr)> = Vec::new();
    let mut cur = ty.clone();
    for _ in 0..=spec.types.len() {
        let Ty::Named { id, args } = &cur else { break };
        let Some(def) = spec.types.get(id.index()) else { break };
        if let Some(r) = &def.refinement {
            chain.push((def.name.clone(), r));
        }
        match &def.body {
            TypeBody::Alias(t) => cur = t.subst(args),
            _ => break,
        }
    }
    let refs: Vec<&Expr> = chain.iter().map(|(_, r)| *r).collect();
    let all = candidates(spec, ty, &refs, 0);
    for (owner, r) in &chain {
        if let Some(v) = all.iter().find(|v| holds(spec, r, v) == Some(false)) {
            out.push((v.clone(), format!("violates the refinement of {owner}")));
        }
    }
    // Records: a missing field, an extra field, a field with an invalid value.
    if let Some((fields, args)) = spec.record_fields(ty)
        && let Some(valid) = valid_value(spec, ty)
        && let Value::Object(obj) = &valid
    {
        if let Some(f) = fields.iter().find(|f| !matches!(f.ty, Ty::Option(_))) {
            let mut m = obj.clone();
            m.remove(&f.name);
            out.push((Value::Object(m), format!("the field `{}` is missing", f.name)));
        }
        // Problem details may carry extra members; records may not.
        if !matches!(ty, Ty::ErrorType(_)) {
            let mut m = obj.clone();
            m.insert("__unexpected".into(), json!(1));
            out.push((Value::Object(m), "an unknown field".to_string()));
        }
        for f in fields.iter() {
            let fty = f.ty.subst(&args);
            let base = match &fty {
                Ty::Option(t) => (**t).clone(),
                t => t.clone(),
            };
            let bad = match &f.refinement {
                Some(r) => candidates(spec, &base, &[r], 1).into_iter().find(|v| holds(spec, r, v) == Some(false)),
                None => None,
            }
            .or_else(|| {
                invalid_values(spec, &base).into_iter().find(|(_, why)| why.starts_with("violates")).map(|(v, _)| v)
            });
            if let Some(bad) = bad {
                let mut m = obj.clone();
                m.insert(f.name.clone(), bad);
                out.push((Value::Object(m), format!("the field `{}` violates its refinement", f.name)));
            }
        }
        // The record's own refinement: vary the fields among their valid values.
        let record_ref = match spec.head(ty).as_ref() {
            Ty::Named { id, .. } => spec.types.get(id.index()).and_then(|d| d.refinement.as_ref()),
            _ => None,
        };
        if let Some(r) = record_ref {
            let values = field_values(spec, fields, &args, 0);
            'outer: for (i, (name_i, _, vs_i)) in values.iter().enumerate() {
                for (j, (name_j, _, vs_j)) in values.iter().enumerate() {
                    if i == j {
                        continue;
                    }
                    for a in vs_i.iter().take(6) {
                        for b in vs_j.iter().take(6) {
                            let mut m = obj.clone();
                            m.insert(name_i.clone(), a.clone());
                            m.insert(name_j.clone(), b.clone());
                            let v = Value::Object(m);
                            if holds(spec, r, &v) == Some(false) {
                                out.push((v, "violates the refinement of the record".to_string()));
                                break 'outer;
                            }
                        }
                    }
                }
            }
        }
    }
    let mut seen = BTreeMap::new();
    out.retain(|(v, _)| seen.insert(v.to_string(), ()).is_none());
    out
}

/// `encodeURIComponent`.
pub fn encode_uri_component(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `URLSearchParams` serialisation of one name or value.
pub fn form_urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"*-._".contains(&b) {
            out.push(b as char);
        } else if b == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
