//! Name resolution and type checking of expressions and patterns.
//!
//! Checking is bidirectional: [`Lowerer::check`] knows the type a place requires and passes
//! it down (so `None`, `[]` and `Ok(x)` get precise types, and a mismatch is reported where
//! it happens), [`Lowerer::infer`] computes a type bottom-up.

use super::hash::Map;
use super::{Lowerer, plural};
use crate::expr::{
    BinOp, Builtin, Ctor, Expr, ExprKind, FieldPattern, LocalId, MatchArm, Pattern, PatternKind, RecordField, UnOp,
};
use crate::spec::{DefId, FnId, MachineId, TypeId, TypeParam};
use crate::ty::Ty;
use lp_diagnostics::{Diagnostic, Span, codes};
use lp_syntax::ast;

/// Whether `result` may be used.
#[derive(Debug, Clone)]
pub(super) enum ResultMode {
    /// Not a contract: `result` is an ordinary (unknown) name.
    Absent,
    /// A `requires` clause: `result` does not exist yet.
    Forbidden,
    /// An `ensures` clause: `result` has this type.
    Allowed(Ty),
}

/// What is in scope in one root expression.
pub(super) struct Scope<'a> {
    /// The type of `self`, in a refinement.
    pub(super) self_ty: Option<Ty>,
    pub(super) result: ResultMode,
    /// The enclosing function's parameters.
    pub(super) params: Map<&'a str, (u32, Ty)>,
    /// The machine whose variables are in scope.
    pub(super) machine: Option<MachineId>,
    /// The `type` declaration whose parameters [`Ty::Param`] refers to.
    pub(super) type_decl: Option<TypeId>,
    /// Whether expressions may read the store (operation bodies and `ensures`, invariants).
    pub(super) store: bool,
    /// Whether `fresh` may be drawn (operation bodies).
    pub(super) fresh: bool,
    locals: Vec<(&'a str, LocalId, Ty)>,
    next_local: u32,
}

impl<'a> Scope<'a> {
    pub(super) fn new() -> Self {
        Scope {
            self_ty: None,
            result: ResultMode::Absent,
            params: Map::default(),
            machine: None,
            type_decl: None,
            store: false,
            fresh: false,
            locals: Vec::new(),
            next_local: 0,
        }
    }

    /// Binds `name` to a new local of type `ty`, visible until [`Scope::restore`].
    pub(super) fn bind_local(&mut self, name: &'a str, ty: Ty) -> LocalId {
        let local = LocalId(self.next_local);
        self.next_local += 1;
        self.locals.push((name, local, ty));
        local
    }

    /// How many locals are bound, to restore later.
    pub(super) fn mark(&self) -> usize {
        self.locals.len()
    }

    /// Unbinds the locals bound since `mark`.
    pub(super) fn restore(&mut self, mark: usize) {
        self.locals.truncate(mark);
    }
}

/// What is called, for the message of a wrong argument count.
#[derive(Clone, Copy)]
enum Callee {
    /// A function, built-in function or built-in constructor: "`f`".
    Plain,
    /// A variant: "variant `A`".
    Variant,
}

/// A resolved variant name.
enum VariantLookup {
    Found(TypeId, u32),
    Ambiguous(Vec<TypeId>),
    NotFound,
}

/// The built-in constructors, by name.
fn builtin_ctor(name: &str) -> Option<Ctor> {
    match name {
        "Some" => Some(Ctor::Some),
        "None" => Some(Ctor::None),
        "Ok" => Some(Ctor::Ok),
        "Err" => Some(Ctor::Err),
        _ => None,
    }
}

/// Whether `e` is a `match` (in parentheses or not): its arms are checked against the
/// type its place requires rather than inferred.
fn is_match(e: &ast::Expr) -> bool {
    match &e.kind {
        ast::ExprKind::Match { .. } => true,
        ast::ExprKind::Paren(inner) => is_match(inner),
        _ => false,
    }
}

/// Whether an expression's type is better known from its context than from itself, so
/// that the other side of `==` should be lowered first.
fn wants_context(e: &ast::Expr) -> bool {
    match &e.kind {
        ast::ExprKind::Name(n) => n.text == "None",
        ast::ExprKind::List(items) => items.is_empty(),
        ast::ExprKind::Call { callee, .. } => matches!(callee.text.as_str(), "Some" | "Ok" | "Err"),
        ast::ExprKind::Paren(inner) => wants_context(inner),
        _ => false,
    }
}

impl<'a> Lowerer<'a> {
    /// Lowers `e`, which must have type `expected`; `reason` labels a mismatch.
    pub(super) fn check(&mut self, sc: &mut Scope<'a>, e: &'a ast::Expr, expected: &Ty, reason: &str) -> Expr {
        match &e.kind {
            ast::ExprKind::Paren(inner) => self.check(sc, inner, expected, reason),
            ast::ExprKind::Match { scrutinee, arms } => {
                self.lower_match(sc, e.span, scrutinee, arms, Some((expected, reason)))
            }
            _ => {
                let lowered = self.infer(sc, e, Some(expected));
                self.expect(sc, lowered, expected, reason)
            }
        }
    }

    /// Reports `e` when its type is not compatible with `expected`.
    fn expect(&mut self, sc: &Scope<'a>, e: Expr, expected: &Ty, reason: &str) -> Expr {
        if !self.spec.compatible(expected, &e.ty) {
            let (want, found) = (self.show(sc, expected), self.show(sc, &e.ty));
            self.type_mismatch(e.span, format!("`{want}`"), format!("`{found}`"), reason);
        }
        e
    }

    pub(super) fn type_mismatch(&mut self, span: Span, expected: String, found: String, label: &str) {
        self.diags.push(
            Diagnostic::new(codes::TYPE_MISMATCH, format!("expected {expected}, found {found}"))
                .at(self.file, span, label),
        );
    }

    /// Writes a type for a message.
    pub(super) fn show(&self, sc: &Scope<'a>, ty: &Ty) -> String {
        let params: &[TypeParam] = match sc.type_decl {
            Some(d) => &self.spec.types[d.index()].params,
            None => &[],
        };
        self.spec.display_ty(ty, params)
    }

    /// Lowers `e` and computes its type. `hint` is the type the context requires, if known;
    /// it only guides constructors and list literals (the caller reports mismatches).
    pub(super) fn infer(&mut self, sc: &mut Scope<'a>, e: &'a ast::Expr, hint: Option<&Ty>) -> Expr {
        let span = e.span;
        match &e.kind {
            ast::ExprKind::Int(v) => Expr { kind: ExprKind::Int(*v), ty: Ty::Int, span },
            ast::ExprKind::Decimal(d) => Expr { kind: ExprKind::Decimal(*d), ty: Ty::Decimal, span },
            ast::ExprKind::Str(s) => Expr { kind: ExprKind::Str(s.clone()), ty: Ty::String, span },
            ast::ExprKind::Bool(b) => Expr { kind: ExprKind::Bool(*b), ty: Ty::Bool, span },
            ast::ExprKind::Name(name) => self.lower_name(sc, name, hint),
            ast::ExprKind::Call { callee, args } => self.lower_call(sc, span, callee, args, hint),
            ast::ExprKind::Field { base, field } => {
                let base = self.infer(sc, base, None);
                self.lower_field(sc, span, base, field)
            }
            ast::ExprKind::Unary { op: UnOp::Neg, operand } if !is_match(operand) => {
                // `-` negates an `Int` or a `Decimal`, whichever the operand is.
                let operand = self.infer(sc, operand, Some(&Ty::Int));
                let ty = match self.numeric(&operand.ty) {
                    Some(Ty::Decimal) => Ty::Decimal,
                    _ => Ty::Int,
                };
                let operand = self.expect(sc, operand, &ty, "the operand of `-` must be an `Int` or a `Decimal`");
                Expr { kind: ExprKind::Unary { op: UnOp::Neg, operand: Box::new(operand) }, ty, span }
            }
            ast::ExprKind::Unary { op, operand } => {
                let (ty, reason) = match op {
                    UnOp::Not => (Ty::Bool, "the operand of `!` must be a `Bool`"),
                    UnOp::Neg => (Ty::Int, "the operand of `-` must be an `Int`"),
                };
                let operand = self.check(sc, operand, &ty, reason);
                Expr { kind: ExprKind::Unary { op: *op, operand: Box::new(operand) }, ty, span }
            }
            ast::ExprKind::Binary { op, lhs, rhs } => self.lower_binary(sc, span, *op, lhs, rhs),
            ast::ExprKind::List(items) => {
                let hinted = hint.map(|h| self.spec.expand_alias(h)).and_then(|h| match h {
                    Ty::List(t) | Ty::Set(t) => Some(*t),
                    _ => None,
                });
                let mut elem = hinted;
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    let lowered = match &elem {
                        Some(t) => {
                            let t = t.clone();
                            self.check(sc, item, &t, "the elements of a list must have the same type")
                        }
                        None => {
                            let x = self.infer(sc, item, None);
                            if !x.ty.is_error() {
                                elem = Some(x.ty.clone());
                            }
                            x
                        }
                    };
                    out.push(lowered);
                }
                Expr { kind: ExprKind::List(out), ty: Ty::List(Box::new(elem.unwrap_or(Ty::Error))), span }
            }
            ast::ExprKind::Match { scrutinee, arms } => self.lower_match(sc, span, scrutinee, arms, None),
            ast::ExprKind::Paren(inner) => self.infer(sc, inner, hint),
            ast::ExprKind::Record { name, fields } => self.lower_record(sc, span, name.as_ref(), fields, hint),
            ast::ExprKind::With { base, fields } => self.lower_with(sc, span, base, fields, hint),
            ast::ExprKind::Exists { entity, key } => self.lower_exists(sc, span, entity, key),
            ast::ExprKind::Quantified { forall, var, entity, body } => {
                self.lower_quantified(sc, span, *forall, var, entity, body)
            }
            ast::ExprKind::Count { var, entity, filter } => self.lower_count(sc, span, var, entity, filter.as_deref()),
            ast::ExprKind::Invalid => Expr::error(span),
        }
    }

    fn lower_binary(
        &mut self,
        sc: &mut Scope<'a>,
        span: Span,
        op: BinOp,
        lhs: &'a ast::Expr,
        rhs: &'a ast::Expr,
    ) -> Expr {
        let (lhs, rhs, ty) = match op {
            BinOp::Or | BinOp::And => {
                let reason = if op == BinOp::Or {
                    "the operands of `||` must be `Bool`"
                } else {
                    "the operands of `&&` must be `Bool`"
                };
                let l = self.check(sc, lhs, &Ty::Bool, reason);
                let r = self.check(sc, rhs, &Ty::Bool, reason);
                (l, r, Ty::Bool)
            }
            BinOp::Eq | BinOp::Ne => {
                let reason = if op == BinOp::Eq {
                    "both sides of `==` must have the same type"
                } else {
                    "both sides of `!=` must have the same type"
                };
                if wants_context(lhs) && !wants_context(rhs) {
                    let r = self.infer(sc, rhs, None);
                    let l = self.check(sc, lhs, &r.ty.clone(), reason);
                    (l, r, Ty::Bool)
                } else {
                    let l = self.infer(sc, lhs, None);
                    let r = self.check_operand(sc, op, &l, rhs, reason);
                    (l, r, Ty::Bool)
                }
            }
            _ => {
                // The left operand decides between `Int` and `Decimal` arithmetic (a `match` on
                // the left is checked as an `Int`: its arms are checked against the type); the
                // right operand must have the same numeric type.
                let int_reason = format!("the operands of `{}` must be `Int`", op.as_str());
                let l = if is_match(lhs) {
                    self.check(sc, lhs, &Ty::Int, &int_reason)
                } else {
                    self.infer(sc, lhs, Some(&Ty::Int))
                };
                let l = match self.numeric(&l.ty) {
                    Some(_) => l,
                    None => self.expect(sc, l, &Ty::Int, &int_reason),
                };
                let num = match self.numeric(&l.ty) {
                    Some(Ty::Decimal) => Ty::Decimal,
                    _ => Ty::Int,
                };
                let reason = if num == Ty::Decimal {
                    format!("the operands of `{}` must both be `Decimal`", op.as_str())
                } else {
                    int_reason
                };
                let r = if l.ty.is_error() || self.numeric(&l.ty).is_some() {
                    self.check_operand(sc, op, &l, rhs, &reason)
                } else {
                    self.check(sc, rhs, &Ty::Int, &reason)
                };
                if num == Ty::Decimal && matches!(op, BinOp::Div | BinOp::Rem) {
                    self.decimal_division(op, span);
                }
                let ty = if op.precedence() == BinOp::Lt.precedence() { Ty::Bool } else { num };
                (l, r, ty)
            }
        };
        Expr { kind: ExprKind::Binary { op, lhs: Box::new(lhs), rhs: Box::new(rhs) }, ty, span }
    }

    /// The numeric type of `ty` with its aliases unfolded: `Int` or `Decimal`, if it is one.
    fn numeric(&self, ty: &Ty) -> Option<Ty> {
        match self.spec.head(ty).as_ref() {
            Ty::Int => Some(Ty::Int),
            Ty::Decimal => Some(Ty::Decimal),
            _ => None,
        }
    }

    /// Lowers `rhs`, the right operand of `op`, which must have the type of `lhs`. Like
    /// [`Self::check`], but an `Int` against a `Decimal` (either way round) is reported as
    /// [`codes::INT_DECIMAL_MIX`], which says how to convert, rather than as a plain mismatch.
    fn check_operand(&mut self, sc: &mut Scope<'a>, op: BinOp, lhs: &Expr, rhs: &'a ast::Expr, reason: &str) -> Expr {
        let expected = lhs.ty.clone();
        if is_match(rhs) {
            return self.check(sc, rhs, &expected, reason);
        }
        let r = self.infer(sc, rhs, Some(&expected));
        match (self.numeric(&expected), self.numeric(&r.ty)) {
            (Some(a), Some(b)) if a != b => {
                self.int_decimal_mix(op, lhs, &r);
                r
            }
            _ => self.expect(sc, r, &expected, reason),
        }
    }

    /// Reports [`codes::INT_DECIMAL_MIX`]: `op` between an `Int` and a `Decimal`.
    fn int_decimal_mix(&mut self, op: BinOp, lhs: &Expr, rhs: &Expr) {
        let name = |this: &Self, ty: &Ty| match this.numeric(ty) {
            Some(Ty::Decimal) => "a `Decimal`",
            _ => "an `Int`",
        };
        let (left, right) = (name(self, &lhs.ty), name(self, &rhs.ty));
        let int_side = if self.numeric(&lhs.ty) == Some(Ty::Int) { lhs } else { rhs };
        let help = match int_side.kind {
            ExprKind::Int(n) => {
                format!("write the literal as a decimal, `{n}.0`; an `Int` never converts to a `Decimal` implicitly")
            }
            _ => "convert the `Int` with `decimal(...)`; an `Int` never converts to a `Decimal` implicitly".to_string(),
        };
        self.diags.push(
            Diagnostic::new(codes::INT_DECIMAL_MIX, format!("`{}` between {left} and {right}", op.as_str()))
                .at(self.file, rhs.span, format!("this is {right}"))
                .with_secondary(self.file, lhs.span, format!("this is {left}"))
                .with_help(help),
        );
    }

    /// Reports [`codes::DECIMAL_DIVISION`]: `/` or `%` between decimals.
    fn decimal_division(&mut self, op: BinOp, span: Span) {
        self.diags.push(
            Diagnostic::new(codes::DECIMAL_DIVISION, format!("`{}` is not defined on `Decimal`", op.as_str()))
                .at(self.file, span, "the quotient of two decimals need not be a decimal")
                .with_help("multiply by an exact reciprocal (`x * 0.5`), or compare products instead of quotients"),
        );
    }

    // ------------------------------------------------------------ names

    /// A local, parameter or machine variable called `text`, if one is in scope.
    fn lookup_value(&self, sc: &Scope<'a>, text: &str, span: Span) -> Option<Expr> {
        if let Some((name, id, ty)) = sc.locals.iter().rev().find(|(n, _, _)| *n == text) {
            return Some(Expr { kind: ExprKind::Local { id: *id, name: (*name).to_string() }, ty: ty.clone(), span });
        }
        if let Some((index, ty)) = sc.params.get(text) {
            return Some(Expr { kind: ExprKind::Param(*index), ty: ty.clone(), span });
        }
        if let Some(m) = sc.machine
            && let Some(&var) = self.machine_asts[m.index()].vars.get(text)
        {
            let ty = self.spec.machines[m.index()].vars[var.index()].ty.clone();
            return Some(Expr { kind: ExprKind::Var(var), ty, span });
        }
        None
    }

    fn lower_name(&mut self, sc: &mut Scope<'a>, name: &'a ast::Name, hint: Option<&Ty>) -> Expr {
        let text = name.text.as_str();
        let span = name.span;
        if text == "self" {
            if let Some(ty) = &sc.self_ty {
                return Expr { kind: ExprKind::SelfValue, ty: ty.clone(), span };
            }
            self.diags.push(
                Diagnostic::new(codes::UNKNOWN_NAME, "`self` is not available here")
                    .at(self.file, span, "not in a refinement")
                    .with_note("`self` is the refined value, so it exists only in a `where` clause"),
            );
            return Expr::error(span);
        }
        if text == "result" {
            match &sc.result {
                ResultMode::Allowed(ty) => return Expr { kind: ExprKind::Result, ty: ty.clone(), span },
                ResultMode::Forbidden => {
                    self.diags.push(
                        Diagnostic::new(codes::UNKNOWN_NAME, "`result` is not available in `requires`")
                            .at(self.file, span, "the function has not returned yet")
                            .with_help("state conditions on the result with `ensures`"),
                    );
                    return Expr::error(span);
                }
                ResultMode::Absent => {}
            }
        }
        if let Some(value) = self.lookup_value(sc, text, span) {
            return value;
        }
        if text == "fresh" && !self.globals.contains_key("fresh") {
            return self.lower_fresh(sc, span, hint);
        }
        match self.lookup_variant(text, hint) {
            VariantLookup::Found(ty, index) => return self.construct_variant(sc, name, ty, index, &[], hint),
            VariantLookup::Ambiguous(types) => {
                self.ambiguous_variant(name, &types);
                return Expr::error(span);
            }
            VariantLookup::NotFound => {}
        }
        if let Some(ctor) = builtin_ctor(text) {
            return self.construct_builtin(sc, name, ctor, &[], hint);
        }
        if let Some(&def) = self.globals.get(text) {
            let what = self.describe(def);
            let (message, label) = match def {
                DefId::Fn(_) => (format!("{what} is used as a value"), "a function must be called"),
                _ => (format!("expected a value, found {what}"), "not a value"),
            };
            self.kind_mismatch(span, message, label);
            return Expr::error(span);
        }
        let mut candidates: Vec<&str> = sc.locals.iter().map(|(n, _, _)| *n).collect();
        candidates.extend(sc.params.keys().copied());
        if let Some(m) = sc.machine {
            candidates.extend(self.machine_asts[m.index()].vars.keys().copied());
        }
        if sc.self_ty.is_some() {
            candidates.push("self");
        }
        if matches!(sc.result, ResultMode::Allowed(_)) {
            candidates.push("result");
        }
        candidates.extend(self.variants.keys().copied());
        let message = format!("unknown name `{text}`");
        self.unknown(codes::UNKNOWN_NAME, name, message, "value", candidates);
        Expr::error(span)
    }

    /// Resolves a variant name: in the required sum type first, then among all sums (but
    /// never shadowing `Some`, `None`, `Ok` and `Err` without a required sum type).
    fn lookup_variant(&self, text: &str, hint: Option<&Ty>) -> VariantLookup {
        if let Some(h) = hint
            && let Some(sum) = self.spec.sum_variants(h)
            && let Some(index) = sum.variants.iter().position(|v| v.name == text)
        {
            return VariantLookup::Found(sum.id, index as u32);
        }
        if builtin_ctor(text).is_some() {
            return VariantLookup::NotFound;
        }
        match self.variants.get(text).map(Vec::as_slice) {
            Some([(id, index)]) => VariantLookup::Found(*id, *index),
            Some(many) if many.len() > 1 => {
                let mut types: Vec<TypeId> = many.iter().map(|(t, _)| *t).collect();
                types.dedup();
                if types.len() == 1 {
                    // A duplicated variant of one sum: the first one is meant.
                    VariantLookup::Found(many[0].0, many[0].1)
                } else {
                    VariantLookup::Ambiguous(types)
                }
            }
            _ => VariantLookup::NotFound,
        }
    }

    fn ambiguous_variant(&mut self, name: &ast::Name, types: &[TypeId]) {
        let names: Vec<String> = types.iter().map(|t| format!("`{}`", self.spec.types[t.index()].name)).collect();
        let mut diag = Diagnostic::new(
            codes::AMBIGUOUS_NAME,
            format!("variant `{}` belongs to several types: {}", name.text, names.join(", ")),
        )
        .at(self.file, name.span, "ambiguous")
        .with_help("use it where the expected type is known, or rename one of the variants");
        for t in types {
            let def = &self.spec.types[t.index()];
            diag = diag.with_secondary(def.file, def.name_span, "a type with this variant");
        }
        self.diags.push(diag);
    }

    /// Builds a variant value; `args` are the payload fields in order.
    fn construct_variant(
        &mut self,
        sc: &mut Scope<'a>,
        name: &'a ast::Name,
        id: TypeId,
        index: u32,
        args: &'a [ast::Expr],
        hint: Option<&Ty>,
    ) -> Expr {
        let span_all = args.last().map_or(name.span, |a| name.span.to(a.span));
        let def = &self.spec.types[id.index()];
        let type_args: Vec<Ty> = match hint.map(|h| self.spec.expand_alias(h)) {
            Some(Ty::Named { id: hinted, args }) if hinted == id => args,
            _ => vec![Ty::Error; def.params.len()],
        };
        let field_tys: Vec<Ty> = match &def.body {
            crate::spec::TypeBody::Sum(variants) => variants[index as usize]
                .payload
                .as_ref()
                .map(|fields| fields.iter().map(|f| f.ty.subst(&type_args)).collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let lowered = self.lower_args(sc, name, Callee::Variant, &field_tys, args, "the payload field's type");
        let ty = Ty::Named { id, args: type_args };
        Expr { kind: ExprKind::Ctor { ctor: Ctor::Variant { ty: id, index }, args: lowered }, ty, span: span_all }
    }

    /// Builds `Some(x)`, `None`, `Ok(x)` or `Err(e)`.
    fn construct_builtin(
        &mut self,
        sc: &mut Scope<'a>,
        name: &'a ast::Name,
        ctor: Ctor,
        args: &'a [ast::Expr],
        hint: Option<&Ty>,
    ) -> Expr {
        let span = args.last().map_or(name.span, |a| name.span.to(a.span));
        let hinted = hint.map(|h| self.spec.expand_alias(h));
        match ctor {
            Ctor::None => {
                self.lower_args(sc, name, Callee::Plain, &[], args, "");
                let inner = match hinted {
                    Some(Ty::Option(t)) => *t,
                    _ => Ty::Error,
                };
                Expr { kind: ExprKind::Ctor { ctor, args: Vec::new() }, ty: Ty::Option(Box::new(inner)), span }
            }
            Ctor::Some => {
                let expected = match hinted {
                    Some(Ty::Option(t)) => Some(*t),
                    _ => None,
                };
                let lowered = self.lower_wrapped(sc, name, args, expected.as_ref());
                let inner = expected.unwrap_or_else(|| lowered.first().map_or(Ty::Error, |a| a.ty.clone()));
                Expr { kind: ExprKind::Ctor { ctor, args: lowered }, ty: Ty::Option(Box::new(inner)), span }
            }
            Ctor::Ok | Ctor::Err => {
                let (ok, err) = match hinted {
                    Some(Ty::Result(ok, err)) => (Some(*ok), Some(*err)),
                    _ => (None, None),
                };
                let expected = if ctor == Ctor::Ok { ok.clone() } else { err.clone() };
                let lowered = self.lower_wrapped(sc, name, args, expected.as_ref());
                let own = lowered.first().map_or(Ty::Error, |a| a.ty.clone());
                let ty = if ctor == Ctor::Ok {
                    Ty::Result(Box::new(ok.unwrap_or(own)), Box::new(err.unwrap_or(Ty::Error)))
                } else {
                    Ty::Result(Box::new(ok.unwrap_or(Ty::Error)), Box::new(err.unwrap_or(own)))
                };
                Expr { kind: ExprKind::Ctor { ctor, args: lowered }, ty, span }
            }
            Ctor::Variant { .. } => Expr::error(span),
        }
    }

    /// Lowers the one argument of `Some`, `Ok` or `Err`.
    fn lower_wrapped(
        &mut self,
        sc: &mut Scope<'a>,
        name: &'a ast::Name,
        args: &'a [ast::Expr],
        expected: Option<&Ty>,
    ) -> Vec<Expr> {
        match expected {
            Some(t) => {
                let t = t.clone();
                self.lower_args(sc, name, Callee::Plain, &[t], args, "the wrapped value must have the expected type")
            }
            None => {
                if args.len() != 1 {
                    self.argument_count(name, Callee::Plain, 1, args.len());
                }
                args.iter().map(|a| self.infer(sc, a, None)).collect()
            }
        }
    }

    /// Checks arguments against parameter types, reporting a wrong count at the callee.
    fn lower_args(
        &mut self,
        sc: &mut Scope<'a>,
        callee: &ast::Name,
        kind: Callee,
        params: &[Ty],
        args: &'a [ast::Expr],
        reason: &str,
    ) -> Vec<Expr> {
        if params.len() != args.len() {
            self.argument_count(callee, kind, params.len(), args.len());
        }
        args.iter()
            .enumerate()
            .map(|(i, a)| match params.get(i) {
                Some(t) => self.check(sc, a, t, reason),
                None => self.infer(sc, a, None),
            })
            .collect()
    }

    fn argument_count(&mut self, callee: &ast::Name, kind: Callee, expected: usize, found: usize) {
        let what = match kind {
            Callee::Plain => format!("`{}`", callee.text),
            Callee::Variant => format!("variant `{}`", callee.text),
        };
        let takes = if expected == 0 {
            "takes no arguments".to_string()
        } else {
            format!("takes {}", plural(expected, "argument"))
        };
        let given = if found == 1 { "1 was given".to_string() } else { format!("{found} were given") };
        self.diags.push(Diagnostic::new(codes::WRONG_ARGUMENT_COUNT, format!("{what} {takes} but {given}")).at(
            self.file,
            callee.span,
            "wrong number of arguments",
        ));
    }

    // ------------------------------------------------------------ calls

    fn lower_call(
        &mut self,
        sc: &mut Scope<'a>,
        span: Span,
        callee: &'a ast::Name,
        args: &'a [ast::Expr],
        hint: Option<&Ty>,
    ) -> Expr {
        let text = callee.text.as_str();
        if let Some(func) = self.lookup_value(sc, text, callee.span) {
            let fty = self.spec.expand_alias(&func.ty);
            return match fty {
                Ty::Fn(param, result) => {
                    let mut lowered = self.lower_args(
                        sc,
                        callee,
                        Callee::Plain,
                        &[*param],
                        args,
                        "the argument must have the parameter's type",
                    );
                    if lowered.len() == 1 {
                        let arg = lowered.remove(0);
                        Expr { kind: ExprKind::Apply { func: Box::new(func), arg: Box::new(arg) }, ty: *result, span }
                    } else {
                        Expr { kind: ExprKind::Error, ty: *result, span }
                    }
                }
                Ty::Error => {
                    for a in args {
                        self.infer(sc, a, None);
                    }
                    Expr::error(span)
                }
                other => {
                    let shown = self.show(sc, &other);
                    self.kind_mismatch(
                        callee.span,
                        format!("`{text}` is not a function"),
                        &format!("this is a `{shown}`"),
                    );
                    for a in args {
                        self.infer(sc, a, None);
                    }
                    Expr::error(span)
                }
            };
        }
        match text {
            "len" => {
                if args.len() != 1 {
                    self.argument_count(callee, Callee::Plain, 1, args.len());
                }
                let lowered: Vec<Expr> = args.iter().map(|a| self.infer(sc, a, None)).collect();
                if let Some(arg) = lowered.first() {
                    let ty = self.spec.expand_alias(&arg.ty);
                    if !matches!(ty, Ty::String | Ty::List(_) | Ty::Set(_) | Ty::Map(..) | Ty::Error) {
                        let found = self.show(sc, &arg.ty);
                        self.type_mismatch(
                            arg.span,
                            "`String`, `List`, `Set` or `Map`".to_string(),
                            format!("`{found}`"),
                            "`len` measures strings and collections",
                        );
                    }
                }
                return Expr { kind: ExprKind::Builtin { builtin: Builtin::Len, args: lowered }, ty: Ty::Int, span };
            }
            "decimal" => {
                let lowered = self.lower_args(
                    sc,
                    callee,
                    Callee::Plain,
                    &[Ty::Int],
                    args,
                    "`decimal` converts an `Int` to a `Decimal`",
                );
                return Expr {
                    kind: ExprKind::Builtin { builtin: Builtin::Decimal, args: lowered },
                    ty: Ty::Decimal,
                    span,
                };
            }
            "matches" => {
                let params = [Ty::String, Ty::String];
                let lowered =
                    self.lower_args(sc, callee, Callee::Plain, &params, args, "`matches` takes a text and a pattern");
                return Expr {
                    kind: ExprKind::Builtin { builtin: Builtin::Matches, args: lowered },
                    ty: Ty::Bool,
                    span,
                };
            }
            _ => {}
        }
        if let Some(DefId::Fn(id)) = self.globals.get(text).copied() {
            return self.lower_fn_call(sc, span, callee, id, args);
        }
        match self.lookup_variant(text, hint) {
            VariantLookup::Found(ty, index) => return self.construct_variant(sc, callee, ty, index, args, hint),
            VariantLookup::Ambiguous(types) => {
                self.ambiguous_variant(callee, &types);
                for a in args {
                    self.infer(sc, a, None);
                }
                return Expr::error(span);
            }
            VariantLookup::NotFound => {}
        }
        if let Some(ctor) = builtin_ctor(text) {
            return self.construct_builtin(sc, callee, ctor, args, hint);
        }
        for a in args {
            self.infer(sc, a, None);
        }
        if let Some(&def) = self.globals.get(text) {
            let what = self.describe(def);
            self.kind_mismatch(callee.span, format!("{what} cannot be called"), "not a function");
            return Expr::error(span);
        }
        let mut candidates: Vec<&str> = vec!["len", "matches", "decimal", "Some", "Ok", "Err"];
        candidates.extend(self.global_names(|d| matches!(d, DefId::Fn(_))));
        candidates.extend(self.variants.keys().copied());
        self.unknown(codes::UNKNOWN_FUNCTION, callee, format!("unknown function `{text}`"), "function", candidates);
        Expr::error(span)
    }

    fn lower_fn_call(
        &mut self,
        sc: &mut Scope<'a>,
        span: Span,
        callee: &'a ast::Name,
        id: FnId,
        args: &'a [ast::Expr],
    ) -> Expr {
        let def = &self.spec.fns[id.index()];
        let params: Vec<Ty> = def.params.iter().map(|p| p.ty.clone()).collect();
        let result = def.result.clone();
        let lowered =
            self.lower_args(sc, callee, Callee::Plain, &params, args, "the argument must have the parameter's type");
        Expr { kind: ExprKind::Call { func: id, args: lowered }, ty: result, span }
    }

    // ------------------------------------------------------------ fields

    fn lower_field(&mut self, sc: &Scope<'a>, span: Span, base: Expr, field: &'a ast::Name) -> Expr {
        if self.spec.head(&base.ty).is_error() {
            return Expr::error(span);
        }
        let found = self.spec.record_fields(&base.ty).map(|(fields, args)| {
            fields.iter().position(|f| f.name == field.text).map(|i| (i, fields[i].ty.subst(&args)))
        });
        if let Some(Some((index, ty))) = found {
            return Expr {
                kind: ExprKind::Field { base: Box::new(base), index: index as u32, name: field.text.clone() },
                ty,
                span,
            };
        }
        let shown = self.show(sc, &base.ty);
        match found {
            Some(_) => {
                let names: Vec<String> = self
                    .spec
                    .record_fields(&base.ty)
                    .map(|(fields, _)| fields.iter().map(|f| f.name.clone()).collect())
                    .unwrap_or_default();
                let message = format!("`{shown}` has no field `{}`", field.text);
                self.unknown(codes::UNKNOWN_FIELD, field, message, "field", names.iter().map(String::as_str));
                Expr::error(span)
            }
            None => {
                let note = if self.spec.sum_variants(&base.ty).is_some() {
                    format!("`{shown}` is a sum type: `match` on it to reach a variant's fields")
                } else {
                    "only records and error types have fields".to_string()
                };
                self.diags.push(
                    Diagnostic::new(codes::UNKNOWN_FIELD, format!("`{shown}` has no field `{}`", field.text))
                        .at(self.file, field.span, "unknown field")
                        .with_note(note),
                );
                Expr::error(span)
            }
        }
    }

    // ------------------------------------------------------------ records

    /// `T { … }` or `{ … }`: a record, an error payload, or a variant with a record payload.
    pub(super) fn lower_record(
        &mut self,
        sc: &mut Scope<'a>,
        span: Span,
        name: Option<&'a ast::Name>,
        fields: &'a [ast::FieldInit],
        hint: Option<&Ty>,
    ) -> Expr {
        let Some(name) = name else {
            let target = hint.filter(|h| !self.spec.head(h).is_error()).cloned();
            return match target {
                Some(t) if self.spec.record_fields(&t).is_some() => self.record_of(sc, span, span, t, fields),
                Some(t) => {
                    self.infer_fields(sc, fields);
                    let want = self.show(sc, &t);
                    self.type_mismatch(span, format!("`{want}`"), "a record literal".to_string(), "a record literal");
                    Expr::error(span)
                }
                None => {
                    self.infer_fields(sc, fields);
                    self.diags.push(
                        Diagnostic::new(
                            codes::RECORD_TYPE_UNKNOWN,
                            "the record type of this literal is not known here",
                        )
                        .at(self.file, span, "no record type is expected here")
                        .with_help("name the type before the braces: `Window { min: 0, max: 1 }`"),
                    );
                    Expr::error(span)
                }
            };
        };
        let text = name.text.as_str();
        // A variant of the sum the context requires comes first, as for `V(x)`.
        if let Some(h) = hint
            && let Some(sum) = self.spec.sum_variants(h)
            && let Some(index) = sum.variants.iter().position(|v| v.name == text)
        {
            let id = sum.id;
            return self.record_variant(sc, span, name, id, index as u32, fields, hint);
        }
        match self.globals.get(text).copied() {
            Some(DefId::Type(id)) => {
                let def = &self.spec.types[id.index()];
                let ty = match hint.map(|h| self.spec.expand_alias(h)) {
                    Some(Ty::Named { id: hinted, args }) if hinted == id => Ty::Named { id, args },
                    _ => Ty::Named { id, args: vec![Ty::Error; def.params.len()] },
                };
                if self.spec.record_fields(&ty).is_some() {
                    return self.record_of(sc, span, name.span, ty, fields);
                }
                self.infer_fields(sc, fields);
                let what = self.describe(DefId::Type(id));
                let note = if self.spec.sum_variants(&ty).is_some() {
                    format!("{what} is a sum type: name one of its variants, `V {{ … }}`")
                } else {
                    format!("{what} is not a record")
                };
                self.diags.push(
                    Diagnostic::new(codes::KIND_MISMATCH, format!("{what} has no fields to give"))
                        .at(self.file, name.span, "not a record type")
                        .with_note(note),
                );
                Expr::error(span)
            }
            Some(DefId::Error(id)) => self.record_of(sc, span, name.span, Ty::ErrorType(id), fields),
            Some(def) => {
                self.infer_fields(sc, fields);
                let what = self.describe(def);
                self.kind_mismatch(name.span, format!("expected a record type, found {what}"), "not a record type");
                Expr::error(span)
            }
            None => match self.lookup_variant(text, hint) {
                VariantLookup::Found(id, index) => self.record_variant(sc, span, name, id, index, fields, hint),
                VariantLookup::Ambiguous(types) => {
                    self.infer_fields(sc, fields);
                    self.ambiguous_variant(name, &types);
                    Expr::error(span)
                }
                VariantLookup::NotFound => {
                    self.infer_fields(sc, fields);
                    let mut candidates = self.global_names(|d| matches!(d, DefId::Type(_) | DefId::Error(_)));
                    candidates.extend(self.variants.keys().copied());
                    let message = format!("unknown record type `{text}`");
                    self.unknown(codes::UNKNOWN_TYPE, name, message, "type", candidates);
                    Expr::error(span)
                }
            },
        }
    }

    /// A record literal of the record (or error payload) type `ty`; `at` is where a missing
    /// field is reported (the type's name, or the braces).
    fn record_of(&mut self, sc: &mut Scope<'a>, span: Span, at: Span, ty: Ty, fields: &'a [ast::FieldInit]) -> Expr {
        let Some((defs, args)) = self.spec.record_fields(&ty) else { return Expr::error(span) };
        let decls: Vec<(String, Ty)> = defs.iter().map(|f| (f.name.clone(), f.ty.clone())).collect();
        let mut args: Vec<Ty> = args.into_owned();
        let shown = format!("`{}`", self.show(sc, &ty));
        let values = self.field_values(sc, &decls, &mut args, fields, &shown, at);
        let ty = match ty {
            Ty::Named { id, .. } if self.spec.types[id.index()].params.len() == args.len() => {
                // The literal's own type: the alias or record named, with the arguments found.
                match self.spec.types[id.index()].body {
                    crate::spec::TypeBody::Record(_) => Ty::Named { id, args },
                    _ => ty,
                }
            }
            other => other,
        };
        match values {
            Some(values) => Expr { kind: ExprKind::Record { fields: values }, ty, span },
            None => Expr::error(span),
        }
    }

    /// `V { … }` for a variant `index` of the sum type `id`: lowered to a constructor.
    #[allow(clippy::too_many_arguments)]
    fn record_variant(
        &mut self,
        sc: &mut Scope<'a>,
        span: Span,
        name: &'a ast::Name,
        id: crate::spec::TypeId,
        index: u32,
        fields: &'a [ast::FieldInit],
        hint: Option<&Ty>,
    ) -> Expr {
        let def = &self.spec.types[id.index()];
        let mut args: Vec<Ty> = match hint.map(|h| self.spec.expand_alias(h)) {
            Some(Ty::Named { id: hinted, args }) if hinted == id => args,
            _ => vec![Ty::Error; def.params.len()],
        };
        let decls: Vec<(String, Ty)> = match &def.body {
            crate::spec::TypeBody::Sum(variants) => variants[index as usize]
                .payload
                .as_ref()
                .map(|fs| fs.iter().map(|f| (f.name.clone(), f.ty.clone())).collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let shown = format!("variant `{}`", name.text);
        let values = self.field_values(sc, &decls, &mut args, fields, &shown, name.span);
        match values {
            Some(values) => Expr {
                kind: ExprKind::Ctor {
                    ctor: Ctor::Variant { ty: id, index },
                    args: values.into_iter().map(|f| f.value).collect(),
                },
                ty: Ty::Named { id, args },
                span,
            },
            None => Expr::error(span),
        }
    }

    /// Lowers the fields of a literal against the declared fields `decls` (whose types may
    /// mention the type parameters `args`; unknown arguments, [`Ty::Error`], are inferred
    /// from the values). Returns one field per declaration, in order, or `None` after
    /// reporting a missing, unknown or repeated field.
    fn field_values(
        &mut self,
        sc: &mut Scope<'a>,
        decls: &[(String, Ty)],
        args: &mut [Ty],
        fields: &'a [ast::FieldInit],
        shown: &str,
        at: Span,
    ) -> Option<Vec<RecordField>> {
        let mut values: Vec<Option<(Span, Expr)>> = vec![None; decls.len()];
        let mut ok = true;
        for f in fields {
            let Some(i) = self.field_index(sc, decls, f, shown) else {
                ok = false;
                continue;
            };
            let declared = &decls[i].1;
            let value = if declared.contains_param() && args.iter().any(Ty::is_error) {
                let v = self.field_value(sc, f, None);
                unify(declared, &v.ty, args);
                let want = declared.subst(args);
                self.expect(sc, v, &want, "the field's type")
            } else {
                let want = declared.subst(args);
                self.field_value(sc, f, Some(&want))
            };
            if let Some((first, _)) = &values[i] {
                ok = false;
                let first = *first;
                self.field_given_twice(&f.name, first);
                continue;
            }
            values[i] = Some((f.name.span, value));
        }
        let missing: Vec<String> =
            decls.iter().zip(&values).filter(|(_, v)| v.is_none()).map(|((n, _), _)| format!("`{n}`")).collect();
        if !missing.is_empty() {
            ok = false;
            let fields = if missing.len() == 1 { "field" } else { "fields" };
            self.diags.push(
                Diagnostic::new(codes::MISSING_FIELD, format!("{shown} is missing {fields} {}", missing.join(", ")))
                    .at(self.file, at, "every field must be given")
                    .with_help("give each field a value, or start from an existing value with `base with { … }`"),
            );
        }
        if !ok {
            return None;
        }
        Some(
            values
                .into_iter()
                .zip(decls)
                .enumerate()
                .map(|(i, (v, (name, _)))| RecordField {
                    index: i as u32,
                    name: name.clone(),
                    value: v.map(|(_, e)| e).unwrap_or_else(|| Expr::error(at)),
                })
                .collect(),
        )
    }

    /// A field's value: `name: value`, or the shorthand `name` (the value in scope of that
    /// name), checked against `want` when it is known.
    fn field_value(&mut self, sc: &mut Scope<'a>, f: &'a ast::FieldInit, want: Option<&Ty>) -> Expr {
        match (&f.value, want) {
            (Some(v), Some(t)) => self.check(sc, v, t, "the field's type"),
            (Some(v), None) => self.infer(sc, v, None),
            (None, Some(t)) => {
                let v = self.lower_name(sc, &f.name, Some(t));
                self.expect(sc, v, t, "the field's type")
            }
            (None, None) => self.lower_name(sc, &f.name, None),
        }
    }

    /// The position of the field `f` names among `decls`; an unknown field is reported
    /// (with a suggestion) and its value lowered for its own diagnostics.
    fn field_index(
        &mut self,
        sc: &mut Scope<'a>,
        decls: &[(String, Ty)],
        f: &'a ast::FieldInit,
        shown: &str,
    ) -> Option<usize> {
        let found = decls.iter().position(|(n, _)| *n == f.name.text);
        if found.is_none() {
            self.field_value(sc, f, None);
            let message = format!("{shown} has no field `{}`", f.name.text);
            self.unknown(codes::UNKNOWN_FIELD, &f.name, message, "field", decls.iter().map(|(n, _)| n.as_str()));
        }
        found
    }

    fn field_given_twice(&mut self, name: &ast::Name, first: Span) {
        self.diags.push(
            Diagnostic::new(codes::DUPLICATE_MEMBER, format!("field `{}` is given more than once", name.text))
                .at(self.file, name.span, "given again here")
                .with_secondary(self.file, first, "first given here"),
        );
    }

    /// Lowers the values of fields whose record is unknown, for their own diagnostics.
    fn infer_fields(&mut self, sc: &mut Scope<'a>, fields: &'a [ast::FieldInit]) {
        for f in fields {
            self.field_value(sc, f, None);
        }
    }

    /// `base with { … }`.
    fn lower_with(
        &mut self,
        sc: &mut Scope<'a>,
        span: Span,
        base: &'a ast::Expr,
        fields: &'a [ast::FieldInit],
        hint: Option<&Ty>,
    ) -> Expr {
        let base = self.infer(sc, base, hint);
        if self.spec.head(&base.ty).is_error() {
            self.infer_fields(sc, fields);
            return Expr::error(span);
        }
        let Some((defs, args)) = self.spec.record_fields(&base.ty) else {
            self.infer_fields(sc, fields);
            let found = self.show(sc, &base.ty);
            self.type_mismatch(base.span, "a record".to_string(), format!("`{found}`"), "only records have fields");
            return Expr::error(span);
        };
        let decls: Vec<(String, Ty)> = defs.iter().map(|f| (f.name.clone(), f.ty.subst(&args))).collect();
        let shown = format!("`{}`", self.show(sc, &base.ty));
        let mut out: Vec<RecordField> = Vec::with_capacity(fields.len());
        let mut seen: Vec<(u32, Span)> = Vec::new();
        let mut ok = true;
        for f in fields {
            let Some(i) = self.field_index(sc, &decls, f, &shown) else {
                ok = false;
                continue;
            };
            let want = decls[i].1.clone();
            let value = self.field_value(sc, f, Some(&want));
            if let Some((_, first)) = seen.iter().find(|(j, _)| *j == i as u32) {
                ok = false;
                let first = *first;
                self.field_given_twice(&f.name, first);
                continue;
            }
            seen.push((i as u32, f.name.span));
            out.push(RecordField { index: i as u32, name: decls[i].0.clone(), value });
        }
        if !ok {
            return Expr::error(span);
        }
        let ty = base.ty.clone();
        Expr { kind: ExprKind::With { base: Box::new(base), fields: out }, ty, span }
    }

    // ------------------------------------------------------------ match

    fn lower_match(
        &mut self,
        sc: &mut Scope<'a>,
        span: Span,
        scrutinee: &'a ast::Expr,
        arms: &'a [ast::MatchArm],
        expected: Option<(&Ty, &str)>,
    ) -> Expr {
        let scrutinee = self.infer(sc, scrutinee, None);
        let mut result: Option<Ty> = expected.map(|(t, _)| t.clone());
        let mut lowered = Vec::with_capacity(arms.len());
        for arm in arms {
            let mark = sc.locals.len();
            let mut bound: Map<&'a str, Span> = Map::default();
            let pattern = self.lower_pattern(sc, &arm.pattern, &scrutinee.ty, &mut bound);
            let body = match (expected, &result) {
                (Some((t, reason)), _) => self.check(sc, &arm.body, t, reason),
                (None, Some(t)) => {
                    let t = t.clone();
                    let body = self.check(sc, &arm.body, &t, "all arms of a `match` must have the same type");
                    if t.contains_error() && !body.ty.contains_error() {
                        result = Some(body.ty.clone());
                    }
                    body
                }
                (None, None) => {
                    let body = self.infer(sc, &arm.body, None);
                    if !body.ty.is_error() {
                        result = Some(body.ty.clone());
                    }
                    body
                }
            };
            sc.locals.truncate(mark);
            lowered.push(MatchArm { pattern, body, span: arm.span });
        }
        Expr {
            kind: ExprKind::Match { scrutinee: Box::new(scrutinee), arms: lowered },
            ty: result.unwrap_or(Ty::Error),
            span,
        }
    }

    pub(super) fn lower_pattern(
        &mut self,
        sc: &mut Scope<'a>,
        p: &'a ast::Pattern,
        ty: &Ty,
        bound: &mut Map<&'a str, Span>,
    ) -> Pattern {
        let head = self.spec.head(ty);
        let head = head.as_ref();
        let literal = |this: &mut Self, sc: &Scope<'a>, ok: bool, found: &str| {
            if !ok {
                let want = this.show(sc, ty);
                this.type_mismatch(
                    p.span,
                    format!("`{want}`"),
                    format!("`{found}`"),
                    "a pattern must match the type of the value matched on",
                );
            }
        };
        let kind = match &p.kind {
            ast::PatternKind::Wildcard => PatternKind::Wildcard,
            ast::PatternKind::Int(v) => {
                literal(self, sc, matches!(head, Ty::Int | Ty::Error), "Int");
                PatternKind::Int(*v)
            }
            ast::PatternKind::Str(s) => {
                literal(self, sc, matches!(head, Ty::String | Ty::Error), "String");
                PatternKind::Str(s.clone())
            }
            ast::PatternKind::Bool(b) => {
                literal(self, sc, matches!(head, Ty::Bool | Ty::Error), "Bool");
                PatternKind::Bool(*b)
            }
            ast::PatternKind::Binding(name) => self.bind(sc, name, ty, bound),
            ast::PatternKind::Variant { name, payload } => self.lower_variant_pattern(sc, p, name, payload, ty, bound),
        };
        Pattern { kind, ty: ty.clone(), span: p.span }
    }

    fn bind(
        &mut self,
        sc: &mut Scope<'a>,
        name: &'a ast::Name,
        ty: &Ty,
        bound: &mut Map<&'a str, Span>,
    ) -> PatternKind {
        if let Some(&first) = bound.get(name.text.as_str()) {
            self.diags.push(
                Diagnostic::new(
                    codes::DUPLICATE_MEMBER,
                    format!("`{}` is bound more than once in this pattern", name.text),
                )
                .at(self.file, name.span, "bound again here")
                .with_secondary(self.file, first, "first bound here"),
            );
        } else {
            bound.insert(&name.text, name.span);
        }
        let local = LocalId(sc.next_local);
        sc.next_local += 1;
        sc.locals.push((&name.text, local, ty.clone()));
        PatternKind::Bind { local, name: name.text.clone() }
    }

    /// Lowers the sub-patterns of a pattern that could not be resolved, so that the names
    /// they bind are in scope and do not cause further errors.
    fn lower_payload_blind(
        &mut self,
        sc: &mut Scope<'a>,
        payload: &'a ast::VariantPatternPayload,
        bound: &mut Map<&'a str, Span>,
    ) {
        match payload {
            ast::VariantPatternPayload::None => {}
            ast::VariantPatternPayload::Tuple(p) => {
                self.lower_pattern(sc, p, &Ty::Error, bound);
            }
            ast::VariantPatternPayload::Record(fields) => {
                for f in fields {
                    match &f.pattern {
                        Some(p) => {
                            self.lower_pattern(sc, p, &Ty::Error, bound);
                        }
                        None => {
                            self.bind(sc, &f.name, &Ty::Error, bound);
                        }
                    }
                }
            }
        }
    }

    fn invalid_pattern(&mut self, span: Span, message: String, help: &str) {
        self.diags
            .push(Diagnostic::new(codes::INVALID_PATTERN, message).at(self.file, span, "wrong shape").with_help(help));
    }

    fn lower_variant_pattern(
        &mut self,
        sc: &mut Scope<'a>,
        p: &'a ast::Pattern,
        name: &'a ast::Name,
        payload: &'a ast::VariantPatternPayload,
        ty: &Ty,
        bound: &mut Map<&'a str, Span>,
    ) -> PatternKind {
        let text = name.text.as_str();
        let head = self.spec.expand_alias(ty);
        let wrapped = match &head {
            Ty::Option(inner) => Some((["Some", "None"], Some((Ctor::Some, (**inner).clone())), Ctor::None)),
            Ty::Result(ok, err) => {
                let (ctor, inner) = if text == "Err" { (Ctor::Err, err) } else { (Ctor::Ok, ok) };
                Some((["Ok", "Err"], Some((ctor, (**inner).clone())), ctor))
            }
            _ => None,
        };
        if let Some((names, with_payload, without)) = wrapped {
            if !names.contains(&text) {
                let shown = self.show(sc, ty);
                self.unknown(
                    codes::UNKNOWN_VARIANT,
                    name,
                    format!("`{shown}` has no variant `{text}`"),
                    "variant",
                    names,
                );
                self.lower_payload_blind(sc, payload, bound);
                return PatternKind::Error;
            }
            if text == "None" {
                if !matches!(payload, ast::VariantPatternPayload::None) {
                    self.invalid_pattern(p.span, "`None` has no payload".to_string(), "write `None` alone");
                    self.lower_payload_blind(sc, payload, bound);
                }
                return PatternKind::Ctor { ctor: without, fields: Vec::new() };
            }
            let Some((ctor, inner)) = with_payload else { return PatternKind::Error };
            return match payload {
                ast::VariantPatternPayload::None => PatternKind::Ctor { ctor, fields: Vec::new() },
                ast::VariantPatternPayload::Tuple(sub) => {
                    let pattern = self.lower_pattern(sc, sub, &inner, bound);
                    PatternKind::Ctor { ctor, fields: vec![FieldPattern { index: 0, pattern }] }
                }
                ast::VariantPatternPayload::Record(_) => {
                    self.invalid_pattern(
                        p.span,
                        format!("`{text}` takes one pattern in parentheses, not fields"),
                        &format!("write `{text}(x)`"),
                    );
                    self.lower_payload_blind(sc, payload, bound);
                    PatternKind::Error
                }
            };
        }
        if head.is_error() {
            self.lower_payload_blind(sc, payload, bound);
            return PatternKind::Error;
        }
        let Some(crate::query::SumView { id, variants, args }) = self.spec.sum_variants(ty) else {
            let want = self.show(sc, ty);
            self.type_mismatch(
                p.span,
                format!("`{want}`"),
                format!("variant `{text}`"),
                "a pattern must match the type of the value matched on",
            );
            self.lower_payload_blind(sc, payload, bound);
            return PatternKind::Error;
        };
        let Some(index) = variants.iter().position(|v| v.name == text) else {
            let names: Vec<String> = variants.iter().map(|v| v.name.clone()).collect();
            let shown = self.show(sc, ty);
            self.unknown(
                codes::UNKNOWN_VARIANT,
                name,
                format!("`{shown}` has no variant `{text}`"),
                "variant",
                names.iter().map(String::as_str),
            );
            self.lower_payload_blind(sc, payload, bound);
            return PatternKind::Error;
        };
        let fields: Vec<(String, Ty)> = variants[index]
            .payload
            .as_ref()
            .map(|fs| fs.iter().map(|f| (f.name.clone(), f.ty.subst(&args))).collect())
            .unwrap_or_default();
        let has_payload = variants[index].payload.is_some();
        let ctor = Ctor::Variant { ty: id, index: index as u32 };
        match payload {
            ast::VariantPatternPayload::None => PatternKind::Ctor { ctor, fields: Vec::new() },
            ast::VariantPatternPayload::Tuple(sub) => {
                if fields.len() != 1 {
                    let message = if has_payload {
                        format!(
                            "variant `{text}` has {}, so it cannot be matched with one pattern",
                            plural(fields.len(), "field")
                        )
                    } else {
                        format!("variant `{text}` has no payload")
                    };
                    let help = if has_payload {
                        format!(
                            "match its fields by name: `{text} {{ {} }}`",
                            fields.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
                        )
                    } else {
                        format!("write `{text}` alone")
                    };
                    self.invalid_pattern(p.span, message, &help);
                    self.lower_payload_blind(sc, payload, bound);
                    return PatternKind::Error;
                }
                let pattern = self.lower_pattern(sc, sub, &fields[0].1, bound);
                PatternKind::Ctor { ctor, fields: vec![FieldPattern { index: 0, pattern }] }
            }
            ast::VariantPatternPayload::Record(field_patterns) => {
                if !has_payload && !field_patterns.is_empty() {
                    self.invalid_pattern(
                        p.span,
                        format!("variant `{text}` has no payload"),
                        &format!("write `{text}` alone"),
                    );
                    self.lower_payload_blind(sc, payload, bound);
                    return PatternKind::Error;
                }
                let mut seen: Map<&str, Span> = Map::default();
                let mut out = Vec::with_capacity(field_patterns.len());
                for fp in field_patterns {
                    let Some(i) = fields.iter().position(|(n, _)| *n == fp.name.text) else {
                        let message = format!("variant `{text}` has no field `{}`", fp.name.text);
                        self.unknown(
                            codes::UNKNOWN_FIELD,
                            &fp.name,
                            message,
                            "field",
                            fields.iter().map(|(n, _)| n.as_str()),
                        );
                        match &fp.pattern {
                            Some(sub) => {
                                self.lower_pattern(sc, sub, &Ty::Error, bound);
                            }
                            None => {
                                self.bind(sc, &fp.name, &Ty::Error, bound);
                            }
                        }
                        continue;
                    };
                    if let Some(&first) = seen.get(fp.name.text.as_str()) {
                        self.duplicate_member("field", &fp.name, first);
                    } else {
                        seen.insert(&fp.name.text, fp.name.span);
                    }
                    let field_ty = fields[i].1.clone();
                    let pattern = match &fp.pattern {
                        Some(sub) => self.lower_pattern(sc, sub, &field_ty, bound),
                        None => {
                            let kind = self.bind(sc, &fp.name, &field_ty, bound);
                            Pattern { kind, ty: field_ty, span: fp.name.span }
                        }
                    };
                    out.push(FieldPattern { index: i as u32, pattern });
                }
                PatternKind::Ctor { ctor, fields: out }
            }
        }
    }
}

/// Fills unknown type arguments ([`Ty::Error`] in `args`) from a declared type that mentions
/// type parameters and the type a value was found to have (first-order matching; a
/// parameter already known is left alone, and a mismatch is reported by the caller).
fn unify(declared: &Ty, found: &Ty, args: &mut [Ty]) {
    match (declared, found) {
        (Ty::Param(i), t) => {
            if let Some(slot) = args.get_mut(*i as usize)
                && slot.is_error()
                && !t.contains_error()
            {
                *slot = t.clone();
            }
        }
        (Ty::Option(a), Ty::Option(b)) | (Ty::List(a), Ty::List(b)) | (Ty::Set(a), Ty::Set(b)) => unify(a, b, args),
        (Ty::Result(a1, a2), Ty::Result(b1, b2))
        | (Ty::Map(a1, a2), Ty::Map(b1, b2))
        | (Ty::Fn(a1, a2), Ty::Fn(b1, b2)) => {
            unify(a1, b1, args);
            unify(a2, b2, args);
        }
        (Ty::Named { id: a, args: xs }, Ty::Named { id: b, args: ys }) if a == b => {
            xs.iter().zip(ys).for_each(|(x, y)| unify(x, y, args));
        }
        _ => {}
    }
}
