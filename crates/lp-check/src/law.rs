//! Goals for the property-test discharger: the functor laws of a covariant type's derived
//! `map`, described in IR terms, and the span-free text of the declarations they depend on.
//!
//! A [`LawGoal`] names a generic type, one of its covariant parameters and a [`LawKind`]. The
//! discharger (`lp-props`) instantiates every parameter of the type with [`LawGoal::instance`],
//! generates values, and checks the law for the derived `map` over the chosen parameter. The
//! goal also carries [`LawGoal::context`]: the text of every type and function the law depends
//! on, so that the obligation's digest changes whenever one of them does and a cached verdict
//! is never reused for a changed type.

use lp_ir::{Ctor, Expr, ExprKind, FnId, ParamDef, Spec, Ty, TypeBody, TypeDef, TypeId, Variance};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Which law of a functor is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LawKind {
    /// `map(id, x) == x`.
    Identity,
    /// `map(g ∘ f, x) == map(g, map(f, x))`.
    Composition,
    /// Every refinement of the type still holds for `map(f, x)` when it holds for `x`.
    PreservesRefinements,
}

impl LawKind {
    /// The name used in obligation ids and canonical forms.
    pub fn as_str(self) -> &'static str {
        match self {
            LawKind::Identity => "identity",
            LawKind::Composition => "composition",
            LawKind::PreservesRefinements => "refinements",
        }
    }
}

/// A functor law of one generic type's derived `map`, over one of its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LawGoal {
    /// The generic type.
    pub ty: TypeId,
    /// Its name, for messages.
    pub type_name: String,
    /// The index of the parameter that `map` transforms.
    pub param: u32,
    /// The parameter's name, for messages.
    pub param_name: String,
    pub law: LawKind,
    /// The type every parameter of the type is instantiated with when values are generated.
    pub instance: Ty,
    /// The span-free text of every declaration the law depends on.
    pub context: String,
}

impl LawGoal {
    /// The goal for `law` of `ty`'s parameter `param`, instantiated at `Int`.
    pub fn new(spec: &Spec, ty: TypeId, param: u32, law: LawKind) -> LawGoal {
        let def = &spec.types[ty.index()];
        let param_name = def.params.get(param as usize).map_or_else(|| format!("${param}"), |p| p.name.clone());
        LawGoal {
            ty,
            type_name: def.name.clone(),
            param,
            param_name,
            law,
            instance: Ty::Int,
            context: context_text(spec, ty),
        }
    }

    /// The span-free canonical form, hashed into the obligation's digest.
    pub fn canonical(&self) -> String {
        format!(
            "functor-law {} of {} over parameter {} ({}) at {:?}\n{}",
            self.law.as_str(),
            self.type_name,
            self.param,
            self.param_name,
            self.instance,
            self.context
        )
    }

    /// The law as a sentence in spec terms, such as `map(id, x) == x for every x: Scoped<Int>`.
    pub fn statement(&self, spec: &Spec) -> String {
        let x = self.instance_text(spec);
        match self.law {
            LawKind::Identity => format!("map(id, x) == x for every x: {x}"),
            LawKind::Composition => format!("map(g ∘ f, x) == map(g, map(f, x)) for every x: {x}"),
            LawKind::PreservesRefinements => {
                format!("map(f, x) satisfies the refinements of {x} for every valid x: {x}")
            }
        }
    }

    /// The instantiated type as written, such as `Scoped<Int>`.
    pub fn instance_text(&self, spec: &Spec) -> String {
        let arity = spec.types.get(self.ty.index()).map_or(0, |d| d.params.len());
        let args = vec![self.instance.clone(); arity];
        spec.display_ty(&Ty::Named { id: self.ty, args }, &[])
    }
}

/// The span-free text of the type `root` and of every type and function it depends on: the
/// types reachable from its body, and the functions called in their refinements (and in
/// those functions' bodies), each in declaration order.
pub fn context_text(spec: &Spec, root: TypeId) -> String {
    let mut types = BTreeSet::new();
    let mut fns = BTreeSet::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        if !types.insert(id) {
            continue;
        }
        let Some(def) = spec.types.get(id.index()) else { continue };
        let mut tys = Vec::new();
        let mut exprs: Vec<&Expr> = def.refinement.iter().collect();
        match &def.body {
            TypeBody::Alias(t) => tys.push(t),
            TypeBody::Record(fields) => {
                for f in fields {
                    tys.push(&f.ty);
                    exprs.extend(f.refinement.iter());
                }
            }
            TypeBody::Sum(variants) => {
                for f in variants.iter().flat_map(|v| v.payload.iter().flatten()) {
                    tys.push(&f.ty);
                    exprs.extend(f.refinement.iter());
                }
            }
        }
        for t in tys {
            named_in(t, &mut |id| stack.push(id));
        }
        for e in exprs {
            called_fns(spec, e, &mut fns);
        }
    }
    let mut out = String::new();
    for id in types {
        if let Some(def) = spec.types.get(id.index()) {
            out.push_str(&type_def_text(spec, def));
            out.push('\n');
        }
    }
    for id in fns {
        if let Some(f) = spec.fns.get(id.index()) {
            let _ = write!(out, "fn {}(", f.name);
            for (i, p) in f.params.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{}: {}", p.name, spec.display_ty(&p.ty, &[]));
            }
            let _ = write!(out, ") -> {}", spec.display_ty(&f.result, &[]));
            if let Some(body) = &f.body {
                let _ = write!(out, " = {}", expr_text(spec, body, &f.params));
            }
            out.push('\n');
        }
    }
    out
}

/// Calls `found` for every declared type named in `ty`.
fn named_in(ty: &Ty, found: &mut dyn FnMut(TypeId)) {
    match ty {
        Ty::Named { id, args } => {
            found(*id);
            for a in args {
                named_in(a, found);
            }
        }
        Ty::Option(t) | Ty::List(t) | Ty::Set(t) => named_in(t, found),
        Ty::Result(a, b) | Ty::Map(a, b) | Ty::Fn(a, b) => {
            named_in(a, found);
            named_in(b, found);
        }
        _ => {}
    }
}

/// Adds every function called in `e`, and transitively in their bodies, to `out`.
fn called_fns(spec: &Spec, e: &Expr, out: &mut BTreeSet<FnId>) {
    lp_ir::expr::walk(e, &mut |x| {
        if let ExprKind::Call { func, .. } = &x.kind
            && out.insert(*func)
            && let Some(body) = spec.fns.get(func.index()).and_then(|f| f.body.as_ref())
        {
            called_fns(spec, body, out);
        }
    });
}

/// A type declaration as span-free text: `type Tags<+T> = { tags: Set<T> } where len(self.tags) == 3`.
pub fn type_def_text(spec: &Spec, def: &TypeDef) -> String {
    let mut out = format!("type {}", def.name);
    if !def.params.is_empty() {
        out.push('<');
        for (i, p) in def.params.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(variance_sign(p.variance));
            out.push_str(&p.name);
        }
        out.push('>');
    }
    out.push_str(" = ");
    let fields = |out: &mut String, fields: &[lp_ir::FieldDef]| {
        out.push('{');
        for (i, f) in fields.iter().enumerate() {
            out.push_str(if i > 0 { ", " } else { " " });
            let _ = write!(out, "{}: {}", f.name, spec.display_ty(&f.ty, &def.params));
            if let Some(r) = &f.refinement {
                let _ = write!(out, " where {}", expr_text(spec, r, &[]));
            }
        }
        out.push_str(if fields.is_empty() { "}" } else { " }" });
    };
    match &def.body {
        TypeBody::Alias(t) => out.push_str(&spec.display_ty(t, &def.params)),
        TypeBody::Record(fs) => fields(&mut out, fs),
        TypeBody::Sum(variants) => {
            for (i, v) in variants.iter().enumerate() {
                if i > 0 {
                    out.push_str(" | ");
                }
                out.push_str(&v.name);
                if let Some(fs) = &v.payload {
                    out.push(' ');
                    fields(&mut out, fs);
                }
            }
        }
    }
    if let Some(r) = &def.refinement {
        let _ = write!(out, " where {}", expr_text(spec, r, &[]));
    }
    out
}

/// The sign of a declared variance: `+`, `-` or nothing.
pub fn variance_sign(v: Variance) -> &'static str {
    match v {
        Variance::Covariant => "+",
        Variance::Contravariant => "-",
        Variance::Invariant => "",
    }
}

/// An IR expression as spec text, with as few parentheses as its precedence needs. `params`
/// are the parameters of the enclosing function, if any.
pub fn expr_text(spec: &Spec, e: &Expr, params: &[ParamDef]) -> String {
    lp_ir::text::expr_text(spec, lp_ir::text::ExprNames { params, ..Default::default() }, e)
}

/// The name a constructor is written with (`Some`, `Shopify`).
pub fn ctor_name(spec: &Spec, ctor: Ctor) -> String {
    lp_ir::text::ctor_name(spec, ctor, false)
}

pub use lp_ir::text::string_literal;
