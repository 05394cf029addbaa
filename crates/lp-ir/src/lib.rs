//! The resolved IR of a spec: lowering from the AST, name resolution, kinds and arity,
//! expression type checking, and the IR printer.
//!
//! [`lower`] turns the parsed files of one project into one [`Spec`]: arenas of items
//! addressed by typed ids ([`TypeId`], [`FnId`], [`MachineId`], ...) in declaration order, every
//! name resolved, every type a [`Ty`], every expression a typed [`Expr`]. It never fails: it
//! reports every problem it finds (codes `LP1001`–`LP1026`) and leaves out or poisons
//! ([`Ty::Error`]) what it could not resolve, so that one mistake is reported once.
//!
//! [`print`] writes the canonical text form, which depends only on the resolved spec.
//!
//! Architecture invariant: this crate knows the AST and the diagnostics model, nothing about
//! how checks run, solvers or generated code.

pub mod body;
pub mod decimal;
pub mod effects;
pub mod expr;
mod lower;
mod print;
mod query;
pub mod spec;
pub mod suggest;
pub mod text;
pub mod ty;

pub use expr::{
    BinOp, Builtin, Ctor, Expr, ExprKind, FieldPattern, LocalId, MatchArm, Pattern, PatternKind, RecordField, UnOp,
};
pub use query::SumView;
pub use spec::*;
pub use ty::Ty;

use lp_diagnostics::FileId;
use lp_syntax::{Parsed, ast::SourceFileAst};

/// Lowers the parsed files of one project into one IR. Files are read in the order given;
/// items keep their declaration order.
pub fn lower(files: &[(FileId, &SourceFileAst)]) -> Parsed<Spec> {
    let (value, diagnostics) = lower::Lowerer::new().run(files);
    Parsed { value, diagnostics }
}

/// Prints the IR in its canonical, resolved form.
pub fn print(spec: &Spec) -> String {
    print::print(spec)
}
