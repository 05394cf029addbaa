//! Refinement satisfiability, the z3 part of the totality pass: every refinement declared in
//! the spec must admit at least one value, or it declares an impossible state.
//!
//! Obligations, in declaration order (discharged by z3 in [`Mode::Satisfiable`]):
//! - `totality/type.NAME/refinement-sat` for a type with a `where` clause: some value
//!   satisfies it together with every refinement the value must satisfy anyway, those of the
//!   type it refines (aliases chained) and, for a record, those of its fields (so cross-field
//!   refinements such as `self.min <= self.max` are checked against the fields' own bounds)
//!   (`LP2020`). A non-generic alias's goal is stated over its base type (some refined value
//!   of the base satisfies the `where` clause), so it does not name the alias and aliases
//!   that differ only by name share one goal.
//! - `totality/type.NAME/field.F/refinement-sat`, `totality/type.NAME/variant.V/field.F/refinement-sat`
//!   and `totality/error.NAME/field.F/refinement-sat` for a field with a `where` clause: some
//!   value of the field's type satisfies it (`LP2021`).
//!
//! A type or field without a `where` clause of its own gets no obligation: its emptiness, if
//! any, is reported where the offending refinement is declared.

use crate::obligation::{Goal, Method, Obligation, Pass, Report};
use crate::passes::contracts::{has_refinement, refinement_summary};
use crate::smt_goal::{Binder, Formula, Mode, Names, SmtGoal, SmtVar, expr_has_error, expr_text};
use lp_diagnostics::{FileId, codes};
use lp_ir::{Expr, FieldDef, Spec, Ty, TypeBody, TypeDef, TypeId};

/// The obligations of the refinement-satisfiability pass.
pub fn obligations(spec: &Spec) -> Vec<Obligation> {
    let mut out = Vec::new();
    for (i, def) in spec.types.iter().enumerate() {
        let id = TypeId(i as u32);
        let args: Vec<Ty> = (0..def.params.len() as u32).map(Ty::Param).collect();
        let self_ty = Ty::Named { id, args };
        if let Some(r) = &def.refinement
            && !expr_has_error(r)
            && !type_has_error(def)
        {
            out.push(type_obligation(spec, def, self_ty, r));
        }
        let owner = format!("type.{}", def.name);
        match &def.body {
            TypeBody::Record(fields) => field_obligations(spec, def.file, &owner, &def.name, fields, &mut out),
            TypeBody::Sum(variants) => {
                for v in variants {
                    if let Some(fields) = &v.payload {
                        let owner = format!("{owner}/variant.{}", v.name);
                        let what = format!("{}::{}", def.name, v.name);
                        field_obligations(spec, def.file, &owner, &what, fields, &mut out);
                    }
                }
            }
            TypeBody::Alias(_) => {}
        }
    }
    for e in &spec.errors {
        field_obligations(spec, e.file, &format!("error.{}", e.name), &e.name, &e.fields, &mut out);
    }
    out
}

fn type_has_error(def: &lp_ir::TypeDef) -> bool {
    let field_bad = |f: &FieldDef| f.ty.contains_error() || f.refinement.as_ref().is_some_and(expr_has_error);
    match &def.body {
        TypeBody::Alias(t) => t.contains_error(),
        TypeBody::Record(fields) => fields.iter().any(field_bad),
        TypeBody::Sum(variants) => variants.iter().filter_map(|v| v.payload.as_ref()).flatten().any(field_bad),
    }
}

fn type_obligation(spec: &Spec, def: &TypeDef, ty: Ty, refinement: &Expr) -> Obligation {
    let (file, name, span) = (def.file, def.name.as_str(), def.span);
    let text = expr_text(spec, Names::default(), refinement);
    let mut secondary = vec![(file, span, format!("so `{name}` has no values"))];
    // What else every value must satisfy, for the failure text.
    let also = match &def.body {
        TypeBody::Alias(base) if has_refinement(spec, base) => {
            let base_text = spec.display_ty(base, &def.params);
            if let Ty::Named { id, .. } = base
                && let Some(b) = spec.types.get(id.index())
            {
                secondary.push((b.file, b.name_span, format!("`{}` is refined here", b.name)));
            }
            format!(" together with the refinement of `{base_text}`{}", refinement_summary(spec, base))
        }
        TypeBody::Alias(_) => String::new(),
        TypeBody::Record(_) | TypeBody::Sum(_) if fields_refined(spec, &def.body) => {
            " together with the refinements of its fields".to_string()
        }
        TypeBody::Record(_) | TypeBody::Sum(_) => String::new(),
    };
    // A non-generic alias is restated over its base type: some value of the base (with the
    // base's refinements assumed) satisfies the alias's own refinement. That is the same
    // question as "some value of `NAME` exists", but the alias's name is no longer part of
    // the decided formula, so aliases that differ only by name (an imported API hoists one
    // per field, such as 258 `AccountSid`s of one pattern) have one goal, decided once.
    // A generic alias keeps its own type: its refinement reads the type's parameters.
    let (scope_ty, claim) = match &def.body {
        TypeBody::Alias(base) if def.params.is_empty() => (base.clone(), Formula::Holds(refinement.clone())),
        _ => (ty, Formula::truth()),
    };
    let goal = SmtGoal::new(
        spec,
        Mode::Satisfiable,
        vec![SmtVar::free(Binder::SelfValue, "self", scope_ty)],
        Vec::new(),
        claim,
        format!("no value of `{name}` satisfies `{text}`{also}"),
    );
    Obligation {
        id: format!("totality/type.{name}/refinement-sat"),
        pass: Pass::Totality,
        kind: "refinement-sat",
        claim: format!("some value of `{name}` satisfies `{text}`"),
        file,
        span: refinement.span,
        method: Method::Smt,
        goal: Goal::Smt(goal),
        report: Report {
            code: codes::UNSATISFIABLE_REFINEMENT,
            message: format!("no value satisfies the refinement of `{name}`"),
            label: "no value satisfies this refinement".to_string(),
            secondary,
            help: Some(
                "check for a flipped comparison, a `&&` meant as `||`, or a bound that contradicts the refinement of the base type or of a field"
                    .to_string(),
            ),
        },
    }
}

/// Whether a record's fields or a sum's payload fields are refined anywhere.
fn fields_refined(spec: &Spec, body: &TypeBody) -> bool {
    let refined = |f: &FieldDef| f.refinement.is_some() || has_refinement(spec, &f.ty);
    match body {
        TypeBody::Record(fields) => fields.iter().any(refined),
        TypeBody::Sum(variants) => variants.iter().filter_map(|v| v.payload.as_ref()).flatten().any(refined),
        TypeBody::Alias(_) => false,
    }
}

fn field_obligations(
    spec: &Spec,
    file: FileId,
    owner: &str,
    what: &str,
    fields: &[FieldDef],
    out: &mut Vec<Obligation>,
) {
    for f in fields {
        let Some(r) = &f.refinement else { continue };
        if expr_has_error(r) || f.ty.contains_error() {
            continue;
        }
        let text = expr_text(spec, Names::default(), r);
        let ty_text = spec.display_ty(&f.ty, &[]);
        let goal = SmtGoal::new(
            spec,
            Mode::Satisfiable,
            vec![SmtVar::free(Binder::SelfValue, "self", f.ty.clone())],
            Vec::new(),
            Formula::Holds(r.clone()),
            format!("no `{ty_text}` value of `{what}.{}` satisfies `{text}`", f.name),
        );
        out.push(Obligation {
            id: format!("totality/{owner}/field.{}/refinement-sat", f.name),
            pass: Pass::Totality,
            kind: "refinement-sat",
            claim: format!("some value of `{what}.{}` satisfies `{text}`", f.name),
            file,
            span: r.span,
            method: Method::Smt,
            goal: Goal::Smt(goal),
            report: Report {
                code: codes::UNSATISFIABLE_FIELD_REFINEMENT,
                message: format!("no value satisfies the refinement of field `{}` of `{what}`", f.name),
                label: "no value satisfies this refinement".to_string(),
                secondary: vec![(file, f.name_span, format!("so `{}` can hold no value", f.name))],
                help: Some(
                    "check for a flipped comparison, bounds that exclude each other, or a bound the field's type already excludes"
                        .to_string(),
                ),
            },
        });
    }
}
