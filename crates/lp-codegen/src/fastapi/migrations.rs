//! The migration module of a backend service (`app/migrations.py`) and its tests
//! (`tests/test_migrations.py`), from the spec's `migrate` blocks.
//!
//! The previous version's types are not in the spec; they come from the migration workspace
//! of the compatibility check (`lp_compat::migrate`): one spec with this version's types, the
//! previous version's changed types renamed `PrevT` (variants `PrevV`), and one typed function
//! per rule (`migrate_fwd_M_R(old: PrevT)`, `migrate_back_M_R(new: T)`). The module holds a
//! pydantic model per previous type (its variants keep their JSON tags, so previous-version
//! data validates as is), `forward_T(old) -> T` per migrated record type, `back_T(new) -> PrevT`
//! when every previous field has a value going back, and `migrate_data`/`migrate_back_data` for
//! stored JSON rows. Fields without a rule carry over by name through their JSON form, and each
//! result is validated as its type, so a rule that breaks a refinement fails at run time.
//!
//! The tests draw valid previous values with Hypothesis (the suite's strategy builders applied
//! to the `Prev` types) and check that each forward result is a valid `T`, that `back` rules
//! give valid previous values, and, for `reversible` blocks, that `back(forward(v)) == v`.

use super::models::{self, Concrete, concrete_from};
use super::py::{self, Scope, ident, str_lit, type_name};
use super::slice::Slice;
use lp_ir::expr::walk;
use lp_ir::{Ctor, Expr, ExprKind, FieldDef, Spec, Ty, TypeBody, TypeId};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Where one field of a migrated value comes from.
#[derive(Clone)]
enum Source {
    /// A rule: the workspace function of that name (its body is the value).
    Rule(usize),
    /// The field of the same name of the other version.
    Carry(String),
    /// An absent option.
    Nothing,
}

/// One migrated record type.
#[derive(Clone)]
struct Migrated {
    /// The type's name in this version (`T`), and its Python names in both versions.
    name: String,
    new_py: String,
    old_py: String,
    old_id: TypeId,
    reversible: bool,
    /// Whether the block has `back` rules for the type (then `back` must be total).
    has_back_rules: bool,
    /// Fields carried over whose type changed (a previous type to its current one), with the
    /// Python type each must validate as, going forward and going back. The compatibility
    /// check leaves them to the diff (an added or removed variant is a change of its own), so
    /// the tests assume them representable rather than test them.
    changed_fwd: Vec<(String, String)>,
    changed_back: Vec<(String, String)>,
    /// `(field, source)` per field of `T`; `None` when some field has no value.
    forward: Option<Vec<(FieldDef, Source)>>,
    /// `(field, source)` per field of `PrevT`; `None` when some field has no value.
    back: Option<Vec<(FieldDef, Source)>>,
}

/// The migrations of a spec, ready to print into any service that holds what they need.
pub struct Migrations {
    /// The workspace with the previous types' variants renamed back to their JSON tags.
    ws: Spec,
    migrated: Vec<Migrated>,
    /// The previous version's types the module defines.
    prev: Concrete,
    /// The names of this version's types.
    current: BTreeSet<String>,
}

fn record(spec: &Spec, name: &str) -> Option<(TypeId, Vec<FieldDef>)> {
    let i = spec.types.iter().position(|d| d.name == name)?;
    match &spec.types[i].body {
        TypeBody::Record(fs) if spec.types[i].params.is_empty() => Some((TypeId(i as u32), fs.clone())),
        _ => None,
    }
}

fn sources(
    ws: &Spec,
    target: &[FieldDef],
    other: &[FieldDef],
    rules: &[(String, usize)],
) -> Option<Vec<(FieldDef, Source)>> {
    target
        .iter()
        .map(|f| {
            let source = if let Some((_, fn_index)) = rules.iter().find(|(field, _)| *field == f.name) {
                Source::Rule(*fn_index)
            } else if other.iter().any(|o| o.name == f.name) {
                Source::Carry(f.name.clone())
            } else if matches!(ws.expand_alias(&f.ty), Ty::Option(_)) {
                Source::Nothing
            } else {
                return None;
            };
            Some((f.clone(), source))
        })
        .collect()
}

/// The fields of `from` carried over by name into `to` with a different type: `(name, the Python
/// type in `to`)`.
fn changed_carries(ws: &Spec, from: &[FieldDef], to: &Option<Vec<(FieldDef, Source)>>) -> Vec<(String, String)> {
    let inner = |t: &Ty| match t {
        Ty::Option(t) => (**t).clone(),
        t => t.clone(),
    };
    to.iter()
        .flatten()
        .filter(|(_, s)| matches!(s, Source::Carry(_)))
        .filter_map(|(t, _)| {
            let f = from.iter().find(|f| f.name == t.name)?;
            let ann = models::pyty(ws, &inner(&t.ty), "M.");
            (models::pyty(ws, &inner(&f.ty), "M.") != ann).then(|| (t.name.clone(), ann))
        })
        .collect()
}

/// `assume(...)` lines: each changed carried field of the JSON `data` validates as its new type.
fn assume_carries(changed: &[(String, String)]) -> String {
    changed
        .iter()
        .map(|(name, ann)| {
            format!(
                "    assume(data.get({0}) is None or valid(_pd.TypeAdapter({ann}), data[{0}]))  # carried over; its type changed\n",
                str_lit(name)
            )
        })
        .collect()
}

impl Migrations {
    /// The migrations of `spec` against its workspace; `None` without `migrate` blocks.
    pub fn new(spec: &Spec, workspace: &Spec) -> Option<Migrations> {
        if spec.migrations.is_empty() {
            return None;
        }
        let current: BTreeSet<&str> = spec.types.iter().map(|d| d.name.as_str()).collect();
        let mut ws = workspace.clone();
        let old_ids: Vec<usize> =
            (0..ws.types.len()).filter(|i| !current.contains(ws.types[*i].name.as_str())).collect();
        for i in &old_ids {
            if let TypeBody::Sum(vs) = &mut ws.types[*i].body {
                for v in vs {
                    if let Some(tag) = v.name.strip_prefix(PREFIX) {
                        v.name = tag.to_string();
                    }
                }
            }
        }
        let mut migrated: Vec<Migrated> = Vec::new();
        for (mi, m) in spec.migrations.iter().enumerate() {
            let mut types: Vec<&str> = Vec::new();
            for r in &m.rules {
                if !types.contains(&r.ty.as_str()) {
                    types.push(&r.ty);
                }
            }
            for t in types {
                if migrated.iter().any(|x| x.name == t) {
                    continue; // A type in two blocks: the first one's rules are printed.
                }
                // A type that did not change keeps its name in the workspace.
                let prefixed = format!("{PREFIX}{t}");
                let old_name =
                    if old_ids.iter().any(|i| ws.types[*i].name == prefixed) { prefixed } else { t.to_string() };
                let (Some((new_id, new_fields)), Some((old_id, old_fields))) = (record(&ws, t), record(&ws, &old_name))
                else {
                    continue;
                };
                let rules = |back: bool| -> Vec<(String, usize)> {
                    m.rules
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| r.ty == t && r.back == back)
                        .filter_map(|(ri, r)| {
                            let fn_name = format!("migrate_{}_{mi}_{ri}", if back { "back" } else { "fwd" });
                            let id = ws.fns.iter().position(|f| f.name == fn_name && f.body.is_some())?;
                            Some((r.field.clone(), id))
                        })
                        .collect()
                };
                let (fwd_rules, back_rules) = (rules(false), rules(true));
                let forward = sources(&ws, &new_fields, &old_fields, &fwd_rules);
                let back = sources(&ws, &old_fields, &new_fields, &back_rules);
                migrated.push(Migrated {
                    name: t.to_string(),
                    new_py: type_name(&ws, new_id, &[]),
                    old_py: type_name(&ws, old_id, &[]),
                    old_id,
                    reversible: m.reversible,
                    has_back_rules: !back_rules.is_empty(),
                    changed_fwd: changed_carries(&ws, &old_fields, &forward),
                    changed_back: changed_carries(&ws, &new_fields, &back),
                    forward,
                    back,
                });
            }
        }
        Some(Migrations::of(ws, migrated, current_names(spec)))
    }

    /// The module of some migrated types: the previous types they reach.
    fn of(ws: Spec, migrated: Vec<Migrated>, current: BTreeSet<String>) -> Migrations {
        let roots: Vec<Ty> = migrated.iter().map(|m| Ty::Named { id: m.old_id, args: Vec::new() }).collect();
        let all = concrete_from(&ws, roots);
        let mut prev = Concrete::default();
        for (name, (id, args)) in all.named {
            if ws.types.get(id.index()).is_some_and(|d| !current.contains(&d.name)) {
                prev.named.insert(name, (id, args));
            }
        }
        Migrations { ws, migrated, prev, current }
    }

    /// The module a service holds: the migrated types whose previous types, rules and current
    /// types its slice has (all of them for the service that holds the whole spec); `None` when
    /// no migrated type fits.
    pub fn for_service(&self, spec: &Spec, sl: &Slice, whole: bool) -> Option<Migrations> {
        let kept: Vec<Migrated> = self
            .migrated
            .iter()
            .filter(|m| {
                whole || Migrations::of(self.ws.clone(), vec![(*m).clone()], self.current.clone()).fits(spec, sl)
            })
            .cloned()
            .collect();
        (!kept.is_empty()).then(|| Migrations::of(self.ws.clone(), kept, self.current.clone()))
    }

    /// The names of this version's types and functions the module uses (the previous types'
    /// fields and refinements, the rules' values), to tell which services can hold it.
    fn needs(&self) -> (BTreeSet<String>, BTreeSet<String>) {
        let mut types = BTreeSet::new();
        let mut fns = BTreeSet::new();
        let roots: Vec<Ty> =
            self.prev.named.values().map(|(id, args)| Ty::Named { id: *id, args: args.clone() }).collect();
        let reach = concrete_from(&self.ws, roots);
        types.extend(reach.named.keys().filter(|k| !self.prev.named.contains_key(*k)).cloned());
        types.extend(reach.results.keys().cloned());
        let mut exprs: Vec<&Expr> = Vec::new();
        for (id, _) in self.prev.named.values() {
            let Some(def) = self.ws.types.get(id.index()) else { continue };
            exprs.extend(def.refinement.as_ref());
            match &def.body {
                TypeBody::Record(fs) => exprs.extend(fs.iter().filter_map(|f| f.refinement.as_ref())),
                TypeBody::Sum(vs) => exprs
                    .extend(vs.iter().flat_map(|v| v.payload.iter().flatten()).filter_map(|f| f.refinement.as_ref())),
                TypeBody::Alias(_) => {}
            }
        }
        for m in &self.migrated {
            types.insert(m.new_py.clone());
            for (_, s) in m.forward.iter().flatten().chain(m.back.iter().flatten()) {
                if let Source::Rule(i) = s {
                    exprs.extend(self.ws.fns.get(*i).and_then(|f| f.body.as_ref()));
                }
            }
        }
        for e in exprs {
            walk(e, &mut |e| match &e.kind {
                ExprKind::Call { func, .. } => {
                    if let Some(f) = self.ws.fns.get(func.index()) {
                        fns.insert(f.name.clone());
                    }
                }
                ExprKind::Ctor { ctor: Ctor::Variant { .. } | Ctor::Ok | Ctor::Err, .. } => {
                    let c = concrete_from(&self.ws, vec![e.ty.clone()]);
                    types.extend(c.named.keys().filter(|k| !self.prev.named.contains_key(*k)).cloned());
                    types.extend(c.results.keys().cloned());
                }
                _ => {}
            });
        }
        (types, fns)
    }

    /// Whether a service's slice of `spec` holds everything the module uses.
    fn fits(&self, spec: &Spec, sl: &Slice) -> bool {
        let (types, fns) = self.needs();
        types.iter().all(|t| sl.concrete.named.contains_key(t) || sl.concrete.results.contains_key(t))
            && fns.iter().all(|f| spec.fns.iter().enumerate().any(|(i, d)| d.name == *f && sl.fns[i]))
    }

    /// The spec items the module comes from: the migrated types.
    pub fn sources(&self) -> Vec<String> {
        self.migrated.iter().map(|m| crate::generated::item_id(crate::generated::ItemKind::Type, &m.name)).collect()
    }

    fn rule_value(&self, fn_index: usize) -> String {
        let Some(f) = self.ws.fns.get(fn_index) else { return "None".into() };
        let Some(body) = &f.body else { return "None".into() };
        let scope =
            Scope { params: &f.params, vars: &[], self_name: "_self", result_name: "result", models: "", fns: "F." };
        py::expr(&self.ws, scope, body)
    }

    fn build(&self, out: &mut String, var: &str, class: &str, fields: &[(FieldDef, Source)]) {
        out.push_str("    data = {}\n");
        for (f, source) in fields {
            let value = match source {
                Source::Rule(i) => self.rule_value(*i),
                Source::Carry(name) => format!("{var}.{}", ident(name)),
                Source::Nothing => "None".into(),
            };
            // An `Option` field is left out when absent (the models reject an explicit null).
            let put = if matches!(f.ty, Ty::Option(_)) { "_put" } else { "_set" };
            let _ = writeln!(out, "    {put}(data, {}, {value})", str_lit(&f.name));
        }
        let _ = writeln!(out, "    return {class}.model_validate(data, strict=True)\n\n");
    }

    /// `app/migrations.py`.
    pub fn module_py(&self) -> String {
        let prelude = models::models_py(&self.ws, &empty_slice(&self.ws));
        let prelude = prelude.trim_end_matches('\n');
        let full = models::models_py(&self.ws, &self.slice());
        let body = full.strip_prefix(prelude).unwrap_or(&full);
        let imports = prelude.strip_prefix("from __future__ import annotations\n").unwrap_or(prelude);
        let mut out = String::from(
            "\"\"\"Migrations from the previous version of the spec: its types (`PrevT`), `forward_T` and, where\n\
             every previous field has a value going back, `back_T`. Generated from the `migrate` blocks.\"\"\"\n\n\
             from __future__ import annotations\n\n\
             from app.models import *  # noqa: F401,F403 - this version's types, by name\n\
             from app import fns as F  # noqa: F401\n",
        );
        out.push_str(imports);
        out.push_str(body);
        out.push_str(
            "\n\ndef _json(value):\n    \"\"\"A value as JSON data: models by their aliases, absent options left out.\"\"\"\n    \
             if isinstance(value, _pd.BaseModel):\n        return value.model_dump(mode=\"json\", by_alias=True)\n    \
             if isinstance(value, (list, tuple)):\n        return [_json(v) for v in value]\n    \
             if isinstance(value, dict):\n        return {k: _json(v) for k, v in value.items()}\n    return value\n\n\n\
             def _set(data, name, value):\n    \"\"\"Sets a field of JSON data.\"\"\"\n    data[name] = _json(value)\n\n\n\
             def _put(data, name, value):\n    \"\"\"Sets an optional field of JSON data; an absent option (None) is left out.\"\"\"\n    \
             if value is not None:\n        data[name] = _json(value)\n\n\n",
        );
        let mut table = Vec::new();
        for m in &self.migrated {
            let Some(forward) = &m.forward else {
                let _ = writeln!(
                    out,
                    "# `{}`: some field has no value going forward; no migration.\n\n",
                    py::comment_text(&m.name)
                );
                continue;
            };
            let _ = writeln!(
                out,
                "def forward_{0}(old: {1}) -> {2}:\n    \"\"\"A previous-version `{3}` as this version's (validated).\"\"\"",
                ident(&m.name),
                m.old_py,
                m.new_py,
                py::comment_text(&m.name)
            );
            self.build(&mut out, "old", &m.new_py, forward);
            let back = match &m.back {
                Some(back) => {
                    let _ = writeln!(
                        out,
                        "def back_{0}(new: {2}) -> {1}:\n    \"\"\"This version's `{3}` as the previous version's (validated).\"\"\"",
                        ident(&m.name),
                        m.old_py,
                        m.new_py,
                        py::comment_text(&m.name)
                    );
                    self.build(&mut out, "new", &m.old_py, back);
                    format!("back_{}", ident(&m.name))
                }
                None => "None".into(),
            };
            table.push(format!(
                "    {}: ({}, {}, forward_{}, {back}),",
                str_lit(&m.name),
                m.old_py,
                m.new_py,
                ident(&m.name)
            ));
        }
        let _ = writeln!(
            out,
            "# Per migrated type: (previous model, current model, forward, back or None).\nMIGRATIONS = {{\n{}\n}}\n\n",
            table.join("\n")
        );
        out.push_str(
            "def migrate_data(type_name, data):\n    \"\"\"Previous-version JSON data of a migrated type (a stored row) as this version's.\"\"\"\n    \
             prev, _, forward, _ = MIGRATIONS[type_name]\n    return _json(forward(prev.model_validate(data, strict=True)))\n\n\n\
             def migrate_back_data(type_name, data):\n    \"\"\"This version's JSON data of a migrated type as the previous version's.\"\"\"\n    \
             _, cur, _, back = MIGRATIONS[type_name]\n    if back is None:\n        \
             raise KeyError(f\"{type_name} has no way back\")\n    return _json(back(cur.model_validate(data, strict=True)))\n",
        );
        out
    }

    fn slice(&self) -> Slice {
        let mut sl = empty_slice(&self.ws);
        for (k, v) in &self.prev.named {
            sl.concrete.named.insert(k.clone(), v.clone());
        }
        sl
    }

    /// `tests/test_migrations.py`.
    pub fn test_py(&self) -> String {
        let prelude = models::strategies_py(&self.ws, &empty_slice(&self.ws));
        let full = models::strategies_py(&self.ws, &self.slice());
        let defs = full.strip_prefix(prelude.as_str()).unwrap_or(&full);
        let mut out = String::from(
            "import pydantic as _pd\nfrom hypothesis import assume, given\nfrom hypothesis import strategies as st\n\n\
             from tests.strategies import *  # noqa: F401,F403\nfrom tests.strategies import _INTS, _json_key, valid  # noqa: F401\n\
             from app import migrations as M  # after the star import: the previous types are in `M`\n\n\
             # Strategies of the previous version's types (JSON data, each filtered by its model).\n",
        );
        out.push_str(defs);
        out.push('\n');
        for m in &self.migrated {
            if m.forward.is_none() {
                continue;
            }
            let (t, old, new) = (ident(&m.name), &m.old_py, &m.new_py);
            let _ = writeln!(
                out,
                "@given(st_{old})\ndef test_{t}_migrates_forward_to_a_valid_value(data):\n{}    \
                 old = A_{old}.validate_python(data, strict=True)\n    new = M.forward_{t}(old)\n    \
                 assert type(new) is M.{new}\n    \
                 assert M.{new}.model_validate_json(new.model_dump_json(by_alias=True), strict=True) == new\n    \
                 assert M.migrate_data({}, data) == new.model_dump(mode=\"json\", by_alias=True)\n\n",
                assume_carries(&m.changed_fwd),
                str_lit(&m.name)
            );
            if m.back.is_none() {
                continue;
            }
            if m.has_back_rules {
                let _ = writeln!(
                    out,
                    "@given(st_{new})\ndef test_{t}_back_rules_give_a_valid_previous_value(data):\n{}    \
                     new = M.{new}.model_validate(data, strict=True)\n    old = M.back_{t}(new)\n    \
                     assert type(old) is M.{old}\n\n",
                    assume_carries(&m.changed_back)
                );
            }
            if m.reversible {
                let _ = writeln!(
                    out,
                    "@given(st_{old})\ndef test_{t}_round_trips_back_after_forward(data):\n{1}    \
                     # The block is `reversible`: back(forward(v)) == v for every previous value.\n    \
                     old = A_{old}.validate_python(data, strict=True)\n    assert M.back_{t}(M.forward_{t}(old)) == old\n    \
                     assert M.migrate_back_data({0}, M.migrate_data({0}, data)) == old.model_dump(mode=\"json\", by_alias=True)\n\n",
                    str_lit(&m.name),
                    assume_carries(&m.changed_fwd)
                );
            }
        }
        out
    }
}

/// The workspace's prefix of the previous version's types and variants (`lp_compat::migrate`).
const PREFIX: &str = "Prev";

fn current_names(spec: &Spec) -> BTreeSet<String> {
    spec.types.iter().map(|d| d.name.clone()).collect()
}

fn empty_slice(spec: &Spec) -> Slice {
    Slice {
        fns: vec![false; spec.fns.len()],
        machines: vec![false; spec.machines.len()],
        errors: vec![false; spec.errors.len()],
        concrete: Concrete::default(),
    }
}
