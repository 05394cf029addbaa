//! Questions later passes ask of a [`Spec`]: name lookup, alias expansion, record fields,
//! type compatibility and how a type is written.

use crate::spec::{DefId, FieldDef, ItemRef, Spec, TypeBody, TypeId, TypeParam, VariantDef};
use crate::ty::Ty;
use std::borrow::Cow;

/// A sum type seen through its aliases.
#[derive(Debug, Clone)]
pub struct SumView<'s, 't> {
    pub id: TypeId,
    pub variants: &'s [VariantDef],
    /// The type arguments its payload field types are to be substituted with.
    pub args: Cow<'t, [Ty]>,
}

impl Spec {
    /// What a top-level name refers to (its first definition, when it is duplicated).
    ///
    /// This scans the items; a pass that looks up many names should build its own map.
    pub fn lookup(&self, name: &str) -> Option<DefId> {
        self.items.iter().find_map(|item| {
            let (def, item_name) = match *item {
                ItemRef::Type(id) => (DefId::Type(id), &self.types[id.index()].name),
                ItemRef::Error(id) => (DefId::Error(id), &self.errors[id.index()].name),
                ItemRef::Fn(id) => (DefId::Fn(id), &self.fns[id.index()].name),
                ItemRef::Machine(id) => (DefId::Machine(id), &self.machines[id.index()].name),
                ItemRef::Service(id) => (DefId::Service(id), &self.services[id.index()].name),
                _ => return None,
            };
            (item_name == name).then_some(def)
        })
    }

    /// Unfolds aliases at the head of a type (`Cents` becomes `Int`, `Page<T>` becomes the
    /// alias body with `T` substituted) until the head is not an alias.
    pub fn expand_alias(&self, ty: &Ty) -> Ty {
        self.head(ty).into_owned()
    }

    /// [`Spec::expand_alias`] without copying a type whose head is not an alias.
    pub fn head<'t>(&self, ty: &'t Ty) -> Cow<'t, Ty> {
        let mut current = Cow::Borrowed(ty);
        // Alias cycles are broken during lowering; the bound only guards against misuse.
        for _ in 0..=self.types.len() {
            let Ty::Named { id, args } = current.as_ref() else { return current };
            let Some(def) = self.types.get(id.index()) else { return Cow::Owned(Ty::Error) };
            let TypeBody::Alias(body) = &def.body else { return current };
            current = Cow::Owned(body.subst(args));
        }
        Cow::Owned(Ty::Error)
    }

    /// The types a named type's definition mentions, instantiated with `args`: its fields, its
    /// variants' payload fields, or its alias target. Empty for an unknown id.
    pub fn component_types(&self, id: TypeId, args: &[Ty]) -> Vec<Ty> {
        let Some(def) = self.types.get(id.index()) else { return Vec::new() };
        match &def.body {
            TypeBody::Record(fields) => fields.iter().map(|f| f.ty.subst(args)).collect(),
            TypeBody::Sum(variants) => {
                variants.iter().flat_map(|v| v.payload.iter().flatten()).map(|f| f.ty.subst(args)).collect()
            }
            TypeBody::Alias(t) => vec![t.subst(args)],
        }
    }

    /// The fields of a record type or an error type (after alias expansion), with the type
    /// arguments that their types must be substituted with.
    pub fn record_fields<'t>(&self, ty: &'t Ty) -> Option<(&[FieldDef], Cow<'t, [Ty]>)> {
        match self.head(ty) {
            Cow::Borrowed(Ty::Named { id, args }) => match &self.types.get(id.index())?.body {
                TypeBody::Record(fields) => Some((fields, Cow::Borrowed(args.as_slice()))),
                _ => None,
            },
            Cow::Owned(Ty::Named { id, args }) => match &self.types.get(id.index())?.body {
                TypeBody::Record(fields) => Some((fields, Cow::Owned(args))),
                _ => None,
            },
            Cow::Borrowed(&Ty::ErrorType(id)) | Cow::Owned(Ty::ErrorType(id)) => {
                Some((&self.errors.get(id.index())?.fields, Cow::Borrowed(&[])))
            }
            _ => None,
        }
    }

    /// The variants of a sum type (after alias expansion), with its type arguments.
    pub fn sum_variants<'t>(&self, ty: &'t Ty) -> Option<SumView<'_, 't>> {
        match self.head(ty) {
            Cow::Borrowed(Ty::Named { id, args }) => match &self.types.get(id.index())?.body {
                TypeBody::Sum(variants) => Some(SumView { id: *id, variants, args: Cow::Borrowed(args.as_slice()) }),
                _ => None,
            },
            Cow::Owned(Ty::Named { id, args }) => match &self.types.get(id.index())?.body {
                TypeBody::Sum(variants) => Some(SumView { id, variants, args: Cow::Owned(args) }),
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether a value of type `found` may be used where `expected` is required.
    ///
    /// Refinements are ignored (they are proved by the contract pass), so aliases are
    /// compared by what they unfold to; records and sums are nominal. [`Ty::Error`] is
    /// compatible with everything.
    pub fn compatible(&self, expected: &Ty, found: &Ty) -> bool {
        self.compatible_within(expected, found, 0)
    }

    /// [`Spec::compatible`], assuming compatibility below a depth that only mutually
    /// recursive aliases (`type A = Option<A>`, `type B = Option<B>`) reach.
    fn compatible_within(&self, expected: &Ty, found: &Ty, depth: usize) -> bool {
        const MAX_DEPTH: usize = 256;
        if expected.is_error() || found.is_error() || expected == found || depth > MAX_DEPTH {
            return true;
        }
        let depth = depth + 1;
        let compatible = |a: &Ty, b: &Ty| self.compatible_within(a, b, depth);
        let e = self.head(expected);
        let f = self.head(found);
        match (e.as_ref(), f.as_ref()) {
            (Ty::Error, _) | (_, Ty::Error) => true,
            (Ty::Int, Ty::Int)
            | (Ty::Decimal, Ty::Decimal)
            | (Ty::Bool, Ty::Bool)
            | (Ty::String, Ty::String)
            | (Ty::Unit, Ty::Unit)
            | (Ty::Void, Ty::Void) => true,
            (Ty::Option(a), Ty::Option(b)) | (Ty::List(a), Ty::List(b)) | (Ty::Set(a), Ty::Set(b)) => compatible(a, b),
            (Ty::Result(a1, b1), Ty::Result(a2, b2))
            | (Ty::Map(a1, b1), Ty::Map(a2, b2))
            | (Ty::Fn(a1, b1), Ty::Fn(a2, b2)) => compatible(a1, a2) && compatible(b1, b2),
            (Ty::Named { id: i1, args: a1 }, Ty::Named { id: i2, args: a2 }) => {
                i1 == i2 && a1.len() == a2.len() && a1.iter().zip(a2).all(|(x, y)| compatible(x, y))
            }
            (Ty::Param(a), Ty::Param(b)) => a == b,
            (Ty::Machine(a), Ty::Machine(b)) => a == b,
            (Ty::ErrorType(a), Ty::ErrorType(b)) => a == b,
            _ => false,
        }
    }

    /// Writes a type as a spec author would (`Option<Cents>`, `Int -> Bool`); parameters are
    /// named after `params`, and [`Ty::Error`] is written `_`.
    pub fn display_ty(&self, ty: &Ty, params: &[TypeParam]) -> String {
        let mut out = String::new();
        self.write_ty(&mut out, ty, params);
        out
    }

    pub(crate) fn write_ty(&self, out: &mut String, ty: &Ty, params: &[TypeParam]) {
        let simple = |out: &mut String, name: &str, args: &[&Ty]| {
            out.push_str(name);
            if !args.is_empty() {
                out.push('<');
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.write_ty(out, a, params);
                }
                out.push('>');
            }
        };
        match ty {
            Ty::Int => out.push_str("Int"),
            Ty::Decimal => out.push_str("Decimal"),
            Ty::Bool => out.push_str("Bool"),
            Ty::String => out.push_str("String"),
            Ty::Unit => out.push_str("Unit"),
            Ty::Void => out.push_str("Void"),
            Ty::Option(t) => simple(out, "Option", &[t]),
            Ty::Result(a, b) => simple(out, "Result", &[a, b]),
            Ty::List(t) => simple(out, "List", &[t]),
            Ty::Set(t) => simple(out, "Set", &[t]),
            Ty::Map(a, b) => simple(out, "Map", &[a, b]),
            Ty::Fn(a, b) => {
                if matches!(**a, Ty::Fn(..)) {
                    out.push('(');
                    self.write_ty(out, a, params);
                    out.push(')');
                } else {
                    self.write_ty(out, a, params);
                }
                out.push_str(" -> ");
                self.write_ty(out, b, params);
            }
            Ty::Named { id, args } => {
                let name = self.types.get(id.index()).map_or("?", |d| d.name.as_str());
                let args: Vec<&Ty> = args.iter().collect();
                simple(out, name, &args);
            }
            Ty::Param(i) => match params.get(*i as usize) {
                Some(p) => out.push_str(&p.name),
                None => {
                    out.push('$');
                    out.push_str(&i.to_string());
                }
            },
            Ty::Machine(id) => out.push_str(self.machines.get(id.index()).map_or("?", |m| m.name.as_str())),
            Ty::ErrorType(id) => out.push_str(self.errors.get(id.index()).map_or("?", |e| e.name.as_str())),
            Ty::Error => out.push('_'),
        }
    }
}
