//! Lowering of functions (signatures, contracts, bodies) and of migration rule targets.

use super::Lowerer;
use super::expr::{ResultMode, Scope};
use super::hash::{Map, map_with_capacity};
use super::types::TyCx;
use crate::spec::{DefId, FnId, ParamDef, TypeBody};
use crate::ty::Ty;
use lp_diagnostics::{Diagnostic, codes};

impl<'a> Lowerer<'a> {
    pub(super) fn lower_fn_signature(&mut self, id: FnId) {
        let decl = self.fn_asts[id.index()];
        self.file = self.spec.fns[id.index()].file;
        self.report_duplicates(&decl.params, |p| &p.name, "parameter");
        let mut params = Vec::with_capacity(decl.params.len());
        for p in &decl.params {
            let ty = self.lower_ty(&p.ty, TyCx::PLAIN);
            params.push(ParamDef { name: p.name.text.clone(), span: p.span, name_span: p.name.span, ty, body: false });
        }
        let result = self.lower_ty(&decl.result, TyCx::PLAIN);
        let def = &mut self.spec.fns[id.index()];
        def.params = params;
        def.result = result;
    }

    /// The parameters of a function by name (the first of a duplicated name wins).
    fn fn_params(&self, id: FnId) -> Map<&'a str, (u32, Ty)> {
        let decl = self.fn_asts[id.index()];
        let def = &self.spec.fns[id.index()];
        let mut params = map_with_capacity(decl.params.len());
        for (i, (p, lowered)) in decl.params.iter().zip(&def.params).enumerate() {
            params.entry(p.name.text.as_str()).or_insert((i as u32, lowered.ty.clone()));
        }
        params
    }

    pub(super) fn lower_fn_exprs(&mut self, id: FnId) {
        let decl = self.fn_asts[id.index()];
        self.file = self.spec.fns[id.index()].file;
        let result = self.spec.fns[id.index()].result.clone();
        let mut requires = Vec::new();
        let mut ensures = Vec::new();
        // One parameter map serves every expression of the function, moved in and out.
        let mut params = self.fn_params(id);
        for contract in &decl.contracts {
            let mut scope = Scope::new();
            scope.params = std::mem::take(&mut params);
            match contract.kind {
                lp_syntax::ast::ContractKind::Requires => {
                    scope.result = ResultMode::Forbidden;
                    requires.push(self.check(
                        &mut scope,
                        &contract.expr,
                        &Ty::Bool,
                        "a `requires` clause must be a `Bool`",
                    ));
                }
                lp_syntax::ast::ContractKind::Ensures => {
                    scope.result = ResultMode::Allowed(result.clone());
                    ensures.push(self.check(
                        &mut scope,
                        &contract.expr,
                        &Ty::Bool,
                        "an `ensures` clause must be a `Bool`",
                    ));
                }
            }
            params = std::mem::take(&mut scope.params);
        }
        let body = decl.body.as_ref().map(|b| {
            let mut scope = Scope::new();
            scope.params = params;
            self.check(&mut scope, b, &result, "the body must have the function's result type")
        });
        let def = &mut self.spec.fns[id.index()];
        def.requires = requires;
        def.ensures = ensures;
        def.body = body;
    }

    /// Resolves the targets of a migration's forward rules in this spec.
    pub(super) fn lower_migration(&mut self, index: usize) {
        let decl = self.migration_asts[index];
        self.file = self.spec.migrations[index].file;
        for (r, rule) in decl.rules.iter().enumerate() {
            if rule.back {
                continue;
            }
            let id = match self.globals.get(rule.ty.text.as_str()).copied() {
                Some(DefId::Type(id)) => id,
                Some(other) => {
                    let what = self.describe(other);
                    self.kind_mismatch(rule.ty.span, format!("expected a record type, found {what}"), "not a type");
                    continue;
                }
                None => {
                    let candidates = self.global_names(|d| matches!(d, DefId::Type(_)));
                    let message = format!("unknown type `{}`", rule.ty.text);
                    self.unknown(codes::UNKNOWN_TYPE, &rule.ty, message, "type", candidates);
                    continue;
                }
            };
            let arity = self.spec.types[id.index()].params.len();
            let ty = Ty::Named { id, args: vec![Ty::Error; arity] };
            let record = match self.spec.expand_alias(&ty) {
                Ty::Named { id, .. } if matches!(self.spec.types[id.index()].body, TypeBody::Record(_)) => Some(id),
                _ => None,
            };
            let Some(record) = record else {
                self.diags.push(
                    Diagnostic::new(
                        codes::UNKNOWN_FIELD,
                        format!("`{}` has no field `{}`", rule.ty.text, rule.field.text),
                    )
                    .at(self.file, rule.field.span, "unknown field")
                    .with_note("a migration rule sets a field of a record type"),
                );
                continue;
            };
            let TypeBody::Record(fields) = &self.spec.types[record.index()].body else { continue };
            match fields.iter().position(|f| f.name == rule.field.text) {
                Some(field) => self.spec.migrations[index].rules[r].target = Some((record, field as u32)),
                None => {
                    let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
                    let message = format!("`{}` has no field `{}`", rule.ty.text, rule.field.text);
                    self.unknown(codes::UNKNOWN_FIELD, &rule.field, message, "field", names.iter().map(String::as_str));
                }
            }
        }
    }
}
