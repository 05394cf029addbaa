//! Resolved types: the [`Ty`] of every field, parameter, result and expression.

use crate::spec::{ErrorId, MachineId, TypeId};

/// A resolved type. Names are resolved to ids; aliases are kept (a `Cents` stays a `Cents`),
/// and [`crate::Spec::expand_alias`] unfolds them when the structure matters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ty {
    Int,
    /// An exact decimal number (no binary floating point): z3's `Real` in proofs, Python's
    /// `Decimal`, a JSON number on the wire.
    Decimal,
    Bool,
    String,
    Unit,
    /// The empty type: no value has it.
    Void,
    Option(Box<Ty>),
    Result(Box<Ty>, Box<Ty>),
    List(Box<Ty>),
    Set(Box<Ty>),
    Map(Box<Ty>, Box<Ty>),
    /// `A -> B`.
    Fn(Box<Ty>, Box<Ty>),
    /// A declared `type`, applied to as many arguments as it has parameters.
    Named {
        id: TypeId,
        args: Vec<Ty>,
    },
    /// The type parameter with this index in the enclosing `type` declaration's parameters.
    Param(u32),
    /// A state machine, used as a type in an operation result (a handle to an instance).
    Machine(MachineId),
    /// A declared `error`, used as a type (its payload record).
    ErrorType(ErrorId),
    /// A type that could not be resolved or inferred. A diagnostic has been reported, and
    /// `Error` is compatible with everything so that one mistake is reported once.
    Error,
}

impl Ty {
    /// Whether this is the poisoned type [`Ty::Error`].
    pub fn is_error(&self) -> bool {
        matches!(self, Ty::Error)
    }

    /// Whether [`Ty::Error`] occurs anywhere inside this type.
    pub fn contains_error(&self) -> bool {
        match self {
            Ty::Error => true,
            Ty::Int | Ty::Decimal | Ty::Bool | Ty::String | Ty::Unit | Ty::Void => false,
            Ty::Param(_) | Ty::Machine(_) | Ty::ErrorType(_) => false,
            Ty::Option(t) | Ty::List(t) | Ty::Set(t) => t.contains_error(),
            Ty::Result(a, b) | Ty::Map(a, b) | Ty::Fn(a, b) => a.contains_error() || b.contains_error(),
            Ty::Named { args, .. } => args.iter().any(Ty::contains_error),
        }
    }

    /// Whether a type parameter ([`Ty::Param`]) occurs anywhere inside this type.
    pub fn contains_param(&self) -> bool {
        match self {
            Ty::Param(_) => true,
            Ty::Option(t) | Ty::List(t) | Ty::Set(t) => t.contains_param(),
            Ty::Result(a, b) | Ty::Map(a, b) | Ty::Fn(a, b) => a.contains_param() || b.contains_param(),
            Ty::Named { args, .. } => args.iter().any(Ty::contains_param),
            _ => false,
        }
    }

    /// Replaces every [`Ty::Param`] by the argument with its index (or [`Ty::Error`] when
    /// there is no such argument).
    pub fn subst(&self, args: &[Ty]) -> Ty {
        match self {
            Ty::Param(i) => args.get(*i as usize).cloned().unwrap_or(Ty::Error),
            Ty::Int | Ty::Decimal | Ty::Bool | Ty::String | Ty::Unit | Ty::Void => self.clone(),
            Ty::Machine(_) | Ty::ErrorType(_) | Ty::Error => self.clone(),
            Ty::Option(t) => Ty::Option(Box::new(t.subst(args))),
            Ty::List(t) => Ty::List(Box::new(t.subst(args))),
            Ty::Set(t) => Ty::Set(Box::new(t.subst(args))),
            Ty::Result(a, b) => Ty::Result(Box::new(a.subst(args)), Box::new(b.subst(args))),
            Ty::Map(a, b) => Ty::Map(Box::new(a.subst(args)), Box::new(b.subst(args))),
            Ty::Fn(a, b) => Ty::Fn(Box::new(a.subst(args)), Box::new(b.subst(args))),
            Ty::Named { id, args: inner } => Ty::Named { id: *id, args: inner.iter().map(|t| t.subst(args)).collect() },
        }
    }
}

/// The built-in type constructors and how many arguments each takes.
pub(crate) const BUILTIN_TYPES: &[(&str, usize)] = &[
    ("Int", 0),
    ("Decimal", 0),
    ("Bool", 0),
    ("String", 0),
    ("Unit", 0),
    ("Void", 0),
    ("Option", 1),
    ("Result", 2),
    ("List", 1),
    ("Set", 1),
    ("Map", 2),
];

/// How many arguments the built-in type constructor `name` takes, if it is one.
pub(crate) fn builtin_arity(name: &str) -> Option<usize> {
    match name {
        "Int" | "Decimal" | "Bool" | "String" | "Unit" | "Void" => Some(0),
        "Option" | "List" | "Set" => Some(1),
        "Result" | "Map" => Some(2),
        _ => None,
    }
}

/// Builds a built-in type from its name and already lowered arguments of the right number.
pub(crate) fn builtin_type(name: &str, mut args: Vec<Ty>) -> Ty {
    let mut next = || Box::new(if args.is_empty() { Ty::Error } else { args.remove(0) });
    match name {
        "Int" => Ty::Int,
        "Decimal" => Ty::Decimal,
        "Bool" => Ty::Bool,
        "String" => Ty::String,
        "Unit" => Ty::Unit,
        "Void" => Ty::Void,
        "Option" => Ty::Option(next()),
        "Result" => {
            let ok = next();
            Ty::Result(ok, next())
        }
        "List" => Ty::List(next()),
        "Set" => Ty::Set(next()),
        "Map" => {
            let k = next();
            Ty::Map(k, next())
        }
        _ => Ty::Error,
    }
}
