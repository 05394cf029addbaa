//! Lowering of type references, `type` and `error` declarations: resolution, arity, kinds,
//! duplicate members, alias cycles and refinements.

use super::expr::{ResultMode, Scope};
use super::{Lowerer, plural};
use crate::spec::{DefId, ErrorId, FieldDef, PROBLEM_MEMBERS, TypeBody, TypeId, VariantDef};
use crate::ty::{BUILTIN_TYPES, Ty, builtin_arity, builtin_type};
use lp_diagnostics::{Diagnostic, codes};
use lp_syntax::ast;

/// Where a type reference is, which decides what it may name.
#[derive(Debug, Clone, Copy)]
pub(super) struct TyCx {
    /// The `type` declaration whose parameters are in scope.
    pub(super) decl: Option<TypeId>,
    /// Whether a machine may be used as a type (only in operation results).
    pub(super) allow_machine: bool,
}

impl TyCx {
    pub(super) const PLAIN: TyCx = TyCx { decl: None, allow_machine: false };
}

/// The label of refinement type mismatches.
pub(super) const REFINEMENT_IS_BOOL: &str = "a refinement must be a `Bool`";

impl<'a> Lowerer<'a> {
    /// Resolves a type reference.
    pub(super) fn lower_ty(&mut self, t: &'a ast::TypeRef, cx: TyCx) -> Ty {
        match t {
            ast::TypeRef::Paren { inner, .. } => self.lower_ty(inner, cx),
            ast::TypeRef::Function { param, result, .. } => {
                let param = self.lower_ty(param, cx);
                let result = self.lower_ty(result, cx);
                Ty::Fn(Box::new(param), Box::new(result))
            }
            ast::TypeRef::Named { name, args, .. } => self.lower_named_ty(name, args, cx),
        }
    }

    fn lower_named_ty(&mut self, name: &'a ast::Name, args: &'a [ast::TypeRef], cx: TyCx) -> Ty {
        let text = name.text.as_str();
        if let Some(decl) = cx.decl
            && let Some(index) = self.spec.types[decl.index()].params.iter().position(|p| p.name == text)
        {
            if !args.is_empty() {
                for arg in args {
                    self.lower_ty(arg, cx);
                }
                self.diags.push(
                    Diagnostic::new(
                        codes::KIND_MISMATCH,
                        format!("type parameter `{text}` cannot be applied to type arguments"),
                    )
                    .at(self.file, name.span, "a type parameter, not a generic type")
                    .with_help(format!("write `{text}` alone")),
                );
                return Ty::Error;
            }
            return Ty::Param(index as u32);
        }
        let lowered: Vec<Ty> = args.iter().map(|a| self.lower_ty(a, cx)).collect();
        if let Some(arity) = builtin_arity(text) {
            if lowered.len() != arity {
                self.arity_error(name, arity, lowered.len());
                return Ty::Error;
            }
            return builtin_type(text, lowered);
        }
        match self.globals.get(text).copied() {
            Some(DefId::Type(id)) => {
                let arity = self.spec.types[id.index()].params.len();
                if lowered.len() != arity {
                    self.arity_error(name, arity, lowered.len());
                    return Ty::Error;
                }
                Ty::Named { id, args: lowered }
            }
            Some(DefId::Error(id)) => {
                if !lowered.is_empty() {
                    self.arity_error(name, 0, lowered.len());
                    return Ty::Error;
                }
                Ty::ErrorType(id)
            }
            Some(DefId::Machine(id)) => {
                if !cx.allow_machine {
                    self.diags.push(
                        Diagnostic::new(
                            codes::KIND_MISMATCH,
                            format!("machine `{text}` cannot be used as a type here"),
                        )
                        .at(self.file, name.span, "a machine, not a type")
                        .with_help("a machine may be used as a type only in an operation's result"),
                    );
                    return Ty::Error;
                }
                if !lowered.is_empty() {
                    self.arity_error(name, 0, lowered.len());
                    return Ty::Error;
                }
                Ty::Machine(id)
            }
            Some(def @ (DefId::Service(_) | DefId::Fn(_))) => {
                let what = self.describe(def);
                self.kind_mismatch(name.span, format!("expected a type, found {what}"), "not a type");
                Ty::Error
            }
            None => {
                let mut candidates: Vec<&str> = BUILTIN_TYPES.iter().map(|(n, _)| *n).collect();
                candidates.extend(self.global_names(|d| {
                    matches!(d, DefId::Type(_) | DefId::Error(_))
                        || (cx.allow_machine && matches!(d, DefId::Machine(_)))
                }));
                let params: Vec<String> = cx
                    .decl
                    .map(|d| self.spec.types[d.index()].params.iter().map(|p| p.name.clone()).collect())
                    .unwrap_or_default();
                candidates.extend(params.iter().map(String::as_str));
                self.unknown(codes::UNKNOWN_TYPE, name, format!("unknown type `{text}`"), "type", candidates);
                Ty::Error
            }
        }
    }

    fn arity_error(&mut self, name: &ast::Name, expected: usize, found: usize) {
        let takes = if expected == 0 {
            "takes no type arguments".to_string()
        } else {
            format!("takes {}", plural(expected, "type argument"))
        };
        let given = if found == 1 { "1 was given".to_string() } else { format!("{found} were given") };
        self.diags.push(Diagnostic::new(codes::WRONG_TYPE_ARITY, format!("`{}` {takes} but {given}", name.text)).at(
            self.file,
            name.span,
            "wrong number of type arguments",
        ));
    }

    /// Lowers the fields of a record, a variant payload or an error payload (refinements
    /// come in pass 3). Duplicates are reported and kept, so indices match the AST.
    pub(super) fn lower_fields(&mut self, fields: &'a [ast::Field], cx: TyCx) -> Vec<FieldDef> {
        self.report_duplicates(fields, |f| &f.name, "field");
        let mut out = Vec::with_capacity(fields.len());
        for field in fields {
            let ty = self.lower_ty(&field.ty, cx);
            out.push(FieldDef {
                name: field.name.text.clone(),
                span: field.span,
                name_span: field.name.span,
                docs: field.docs.clone(),
                ty,
                refinement: None,
            });
        }
        out
    }

    pub(super) fn lower_type_body(&mut self, id: TypeId) {
        let decl = self.type_asts[id.index()];
        self.file = self.spec.types[id.index()].file;
        let cx = TyCx { decl: Some(id), allow_machine: false };
        let body = match decl.body() {
            TypeAstBody::Record(record) => TypeBody::Record(self.lower_fields(&record.fields, cx)),
            TypeAstBody::Sum(sum) => {
                self.report_duplicates(&sum.variants, |v| &v.name, "variant");
                let mut variants = Vec::with_capacity(sum.variants.len());
                for v in &sum.variants {
                    let payload = v.payload.as_ref().map(|r| self.lower_fields(&r.fields, cx));
                    variants.push(VariantDef {
                        name: v.name.text.clone(),
                        span: v.span,
                        name_span: v.name.span,
                        docs: v.docs.clone(),
                        payload,
                    });
                }
                TypeBody::Sum(variants)
            }
            TypeAstBody::Alias(t) => TypeBody::Alias(self.lower_ty(t, cx)),
        };
        self.spec.types[id.index()].body = body;
    }

    /// Finds aliases that expand to themselves (`type A = B`, `type B = A`), reports each
    /// cycle once and makes its members [`Ty::Error`] so that expansion terminates.
    pub(super) fn break_alias_cycles(&mut self) {
        const NEW: u8 = 0;
        const ACTIVE: u8 = 1;
        const DONE: u8 = 2;
        let n = self.spec.types.len();
        let mut state = vec![NEW; n];
        let mut path: Vec<usize> = Vec::new();
        for start in 0..n {
            if !matches!(self.spec.types[start].body, TypeBody::Alias(_)) {
                continue;
            }
            path.clear();
            let mut current = start;
            loop {
                match state[current] {
                    DONE => break,
                    ACTIVE => {
                        let begin = path.iter().position(|&p| p == current).unwrap_or(0);
                        let cycle: Vec<usize> = path[begin..].to_vec();
                        self.report_alias_cycle(&cycle);
                        break;
                    }
                    _ => {}
                }
                state[current] = ACTIVE;
                path.push(current);
                match &self.spec.types[current].body {
                    TypeBody::Alias(Ty::Named { id, .. })
                        if matches!(self.spec.types[id.index()].body, TypeBody::Alias(_)) =>
                    {
                        current = id.index();
                    }
                    _ => break,
                }
            }
            for &p in &path {
                state[p] = DONE;
            }
        }
    }

    fn report_alias_cycle(&mut self, cycle: &[usize]) {
        let Some(&first) = cycle.iter().min() else { return };
        let at = cycle.iter().position(|&c| c == first).unwrap_or(0);
        let ordered: Vec<usize> = cycle[at..].iter().chain(&cycle[..at]).copied().collect();
        let mut chain: Vec<String> = ordered.iter().map(|&i| format!("`{}`", self.spec.types[i].name)).collect();
        chain.push(format!("`{}`", self.spec.types[first].name));
        let def = &self.spec.types[first];
        let mut diag =
            Diagnostic::new(codes::CYCLIC_TYPE_ALIAS, format!("the type alias `{}` expands to itself", def.name))
                .at(def.file, def.name_span, "this alias never reaches a concrete type")
                .with_note(format!("the aliases form a cycle: {}", chain.join(" = ")))
                .with_help("make one of them a record or a sum type, or refer to a concrete type");
        for &i in &ordered[1..] {
            let other = &self.spec.types[i];
            diag = diag.with_secondary(other.file, other.name_span, "part of the cycle");
        }
        self.diags.push(diag);
        for &i in cycle {
            self.spec.types[i].body = TypeBody::Alias(Ty::Error);
        }
    }

    pub(super) fn lower_type_refinements(&mut self, id: TypeId) {
        let decl = self.type_asts[id.index()];
        self.file = self.spec.types[id.index()].file;
        match decl.body() {
            TypeAstBody::Record(record) => {
                for (i, field) in record.fields.iter().enumerate() {
                    if let Some(refinement) = &field.refinement {
                        let ty = match &self.spec.types[id.index()].body {
                            TypeBody::Record(fields) => fields[i].ty.clone(),
                            _ => Ty::Error,
                        };
                        let e = self.lower_refinement(refinement, ty, Some(id));
                        if let TypeBody::Record(fields) = &mut self.spec.types[id.index()].body {
                            fields[i].refinement = Some(e);
                        }
                    }
                }
            }
            TypeAstBody::Sum(sum) => {
                for (v, variant) in sum.variants.iter().enumerate() {
                    let Some(payload) = &variant.payload else { continue };
                    for (i, field) in payload.fields.iter().enumerate() {
                        let Some(refinement) = &field.refinement else { continue };
                        let ty = match &self.spec.types[id.index()].body {
                            TypeBody::Sum(variants) => {
                                variants[v].payload.as_ref().map_or(Ty::Error, |p| p[i].ty.clone())
                            }
                            _ => Ty::Error,
                        };
                        let e = self.lower_refinement(refinement, ty, Some(id));
                        if let TypeBody::Sum(variants) = &mut self.spec.types[id.index()].body
                            && let Some(p) = &mut variants[v].payload
                        {
                            p[i].refinement = Some(e);
                        }
                    }
                }
            }
            TypeAstBody::Alias(_) => {}
        }
        if let Some(refinement) = decl.refinement() {
            let def = &self.spec.types[id.index()];
            let self_ty = match &def.body {
                TypeBody::Alias(t) => t.clone(),
                _ => Ty::Named { id, args: (0..def.params.len() as u32).map(Ty::Param).collect() },
            };
            let e = self.lower_refinement(refinement, self_ty, Some(id));
            self.spec.types[id.index()].refinement = Some(e);
        }
    }

    /// Lowers a `where` expression with `self` of type `self_ty`; it must be a `Bool`.
    fn lower_refinement(&mut self, e: &'a ast::Expr, self_ty: Ty, decl: Option<TypeId>) -> crate::expr::Expr {
        let mut scope = Scope::new();
        scope.self_ty = Some(self_ty);
        scope.type_decl = decl;
        scope.result = ResultMode::Absent;
        self.check(&mut scope, e, &Ty::Bool, REFINEMENT_IS_BOOL)
    }

    pub(super) fn lower_error(&mut self, id: ErrorId) {
        let decl = self.error_asts[id.index()];
        self.file = self.spec.errors[id.index()].file;
        let status = decl.status.value;
        if !(400..=599).contains(&status) {
            self.diags.push(
                Diagnostic::new(codes::INVALID_STATUS, format!("HTTP status {status} is not an error status"))
                    .at(self.file, decl.status.span, "not between 400 and 599")
                    .with_help("an error's status must be a 4xx or 5xx code, such as 404 or 409"),
            );
        }
        let fields = match &decl.payload {
            Some(record) => self.lower_fields(&record.fields, TyCx::PLAIN),
            None => Vec::new(),
        };
        // An error is answered as an RFC 9457 problem document whose own members are `type`,
        // `title`, `status`, `detail` and `instance`; the declared fields are its extension
        // members, so a field of the same name would overwrite (or be overwritten by) the
        // envelope and the answer could not match both schemas.
        for field in decl.payload.iter().flat_map(|r| &r.fields) {
            let name = field.name.text.as_str();
            if PROBLEM_MEMBERS.contains(&name) {
                self.diags.push(
                    Diagnostic::new(
                        codes::ERROR_FIELD_IS_PROBLEM_MEMBER,
                        format!("the field `{name}` of error `{}` is a member of the problem document", decl.name.text),
                    )
                    .at(self.file, field.name.span, "the problem document's own member")
                    .with_help(format!(
                        "rename the field (say `error_{name}`); `type`, `title`, `status`, `detail` and `instance` are set by the service for every error"
                    )),
                );
            }
        }
        let def = &mut self.spec.errors[id.index()];
        def.status = u16::try_from(status).unwrap_or(0);
        def.fields = fields;
    }

    pub(super) fn lower_error_refinements(&mut self, id: ErrorId) {
        let decl = self.error_asts[id.index()];
        self.file = self.spec.errors[id.index()].file;
        let Some(record) = &decl.payload else { return };
        for (i, field) in record.fields.iter().enumerate() {
            let Some(refinement) = &field.refinement else { continue };
            let ty = self.spec.errors[id.index()].fields[i].ty.clone();
            let e = self.lower_refinement(refinement, ty, None);
            self.spec.errors[id.index()].fields[i].refinement = Some(e);
        }
    }
}

/// The syntax a type was declared with: a `type` declaration, or the record of an `entity`.
#[derive(Clone, Copy)]
pub(super) enum TypeAst<'a> {
    Decl(&'a ast::TypeDecl),
    Entity(&'a ast::EntityDecl),
}

/// The body of a [`TypeAst`].
pub(super) enum TypeAstBody<'a> {
    Record(&'a ast::RecordType),
    Sum(&'a ast::SumType),
    Alias(&'a ast::TypeRef),
}

impl<'a> TypeAst<'a> {
    pub(super) fn body(self) -> TypeAstBody<'a> {
        match self {
            TypeAst::Decl(d) => match &d.body {
                ast::TypeBody::Record(r) => TypeAstBody::Record(r),
                ast::TypeBody::Sum(s) => TypeAstBody::Sum(s),
                ast::TypeBody::Alias(t) => TypeAstBody::Alias(t),
            },
            TypeAst::Entity(e) => TypeAstBody::Record(&e.record),
        }
    }

    pub(super) fn refinement(self) -> Option<&'a ast::Expr> {
        match self {
            TypeAst::Decl(d) => d.refinement.as_ref(),
            TypeAst::Entity(e) => e.refinement.as_ref(),
        }
    }
}
