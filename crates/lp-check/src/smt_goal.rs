//! Goals for the SMT discharger (`lp-smt`), described in IR terms.
//!
//! A goal is a *scope* of typed variables (a function's parameters, `self`, `result`, machine
//! variables), *assumptions* about them, a *claim*, and a [`Mode`]: the claim must hold for
//! every value of the scope that satisfies the assumptions ([`Mode::Valid`]), or for at least
//! one ([`Mode::Satisfiable`]). Every variable whose `refined` flag is set has the refinements
//! of its type assumed: aliases chained (`Percent` is an `Int` with its own `where`), field
//! refinements, record-level refinements, and those of nested records, options and variants.
//!
//! Formulas are IR expressions plus three forms the expression language has no syntax for:
//! "this value is a valid `T`" ([`Formula::Refines`]), "these arguments satisfy the callee's
//! precondition" ([`Formula::Precondition`]) and "when evaluation reaches this point"
//! ([`Formula::Guarded`], the path of `match` arms and `&&`/`||` operands that leads to a
//! sub-expression). Goals refer to types and functions by id, so the discharger is given the
//! spec too; [`SmtGoal::canonical`] is span-free and names items by name, and it includes the
//! canonical text of every type and function the goal depends on, so that the obligation's
//! digest changes exactly when something the verdict depends on changes.

use lp_ir::{
    Ctor, ErrorId, Expr, ExprKind, FieldDef, FnId, ParamDef, Pattern, PatternKind, Spec, Ty, TypeBody, TypeId,
    TypeParam, UnOp, VarDef, VarId,
};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// What the claim must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// The claim holds for every value of the scope that satisfies the assumptions (z3 finds
    /// the assumptions and the negated claim unsatisfiable). A failure has a counterexample.
    Valid,
    /// The claim holds for some value of the scope that satisfies the assumptions (z3 finds
    /// them satisfiable). A failure means no value exists.
    Satisfiable,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Valid => "valid",
            Mode::Satisfiable => "satisfiable",
        }
    }
}

/// What a scope variable stands for in the goal's expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Binder {
    /// [`ExprKind::Param`]: a parameter of the function the expressions belong to.
    Param(u32),
    /// [`ExprKind::SelfValue`]: the refined value.
    SelfValue,
    /// [`ExprKind::Result`]: the function's result.
    Result,
    /// [`ExprKind::Var`]: a variable of the machine the expressions belong to.
    Var(VarId),
}

/// A typed variable of a goal's scope.
#[derive(Debug, Clone)]
pub struct SmtVar {
    pub binder: Binder,
    /// The name a counterexample gives it (`price`, `self`, `result`).
    pub name: String,
    pub ty: Ty,
    /// Whether the refinements of `ty` are assumed for it.
    pub refined: bool,
    /// `Some(e)`: the variable is not free but the value of `e`, an expression over the
    /// variables before it (`result` is the function's body). `None`: a free variable.
    pub value: Option<Expr>,
    /// Whether the counterexample's one-line summary shows it (the bindings list every
    /// variable of the scope).
    pub shown: bool,
}

impl SmtVar {
    /// A free variable with its type's refinements assumed, shown in counterexamples.
    pub fn free(binder: Binder, name: impl Into<String>, ty: Ty) -> SmtVar {
        SmtVar { binder, name: name.into(), ty, refined: true, value: None, shown: true }
    }
}

/// A statement about the scope.
#[derive(Debug, Clone)]
pub enum Formula {
    /// An IR expression of type `Bool` over the scope.
    Holds(Expr),
    /// The value is a valid value of the type: every refinement of the type (through its
    /// aliases, fields, options and variants) holds for it.
    Refines { value: Expr, ty: Ty },
    /// The arguments satisfy the precondition of `func`: its `requires` clauses and the
    /// refinements of its parameter types, with its parameters bound to the arguments.
    Precondition { func: FnId, args: Vec<Expr> },
    /// `then` holds whenever evaluation follows `path` (in order). Locals bound by the path's
    /// patterns are in scope in later steps and in `then`.
    Guarded { path: Vec<PathStep>, then: Box<Formula> },
    /// All of them (true when empty).
    And(Vec<Formula>),
}

impl Formula {
    /// The formula that always holds.
    pub fn truth() -> Formula {
        Formula::And(Vec::new())
    }
}

/// One step of the path evaluation takes to reach a sub-expression.
#[derive(Debug, Clone)]
pub enum PathStep {
    /// `match scrutinee { ... }` took the arm whose pattern is `pattern`: none of the
    /// patterns of the `earlier` arms matched (arms are tried in order), and `pattern` did.
    Arm { scrutinee: Expr, earlier: Vec<Pattern>, pattern: Pattern },
    /// `cond` evaluated to `value` (the left operand of `&&` is true when the right one is
    /// evaluated; of `||`, false).
    Cond { cond: Expr, value: bool },
}

/// A goal for the SMT discharger.
#[derive(Debug, Clone)]
pub struct SmtGoal {
    pub mode: Mode,
    /// The variables, in the order they are introduced (a defined variable may use those
    /// before it).
    pub scope: Vec<SmtVar>,
    pub assumptions: Vec<Formula>,
    pub claim: Formula,
    /// What a failure means in spec terms. For [`Mode::Valid`] the counterexample's summary
    /// is `<shown bindings>: <failure>` (`price = 0, pct = 101: ensures result <= price fails`);
    /// for [`Mode::Satisfiable`] it is the failure text alone.
    pub failure: String,
    /// The verdict to give instead when z3 does not prove the goal (set with
    /// [`SmtGoal::with_fallback`]): for claims the solver is only one way to decide, such as
    /// an invariant that bounded exploration found no violation of.
    pub fallback: Option<crate::obligation::Verdict>,
    /// The canonical text (see [`SmtGoal::canonical`]), computed by [`SmtGoal::new`]; the
    /// fields are not to be changed after that.
    canonical: String,
    /// The canonical text without the failure text: what z3 decides (see
    /// [`SmtGoal::decision_canonical`]).
    decision: String,
}

impl SmtGoal {
    /// Builds a goal and its canonical text, which names the types and functions it depends
    /// on and includes their definitions.
    pub fn new(
        spec: &Spec,
        mode: Mode,
        scope: Vec<SmtVar>,
        assumptions: Vec<Formula>,
        claim: Formula,
        failure: impl Into<String>,
    ) -> SmtGoal {
        let mut goal = SmtGoal {
            mode,
            scope,
            assumptions,
            claim,
            failure: failure.into(),
            fallback: None,
            canonical: String::new(),
            decision: String::new(),
        };
        let mut c = Canon::default();
        let _ = writeln!(c.out, "mode {}", goal.mode.as_str());
        for v in &goal.scope {
            let _ = write!(c.out, "var {} ", binder_text(v.binder));
            c.string(&v.name);
            c.out.push_str(" : ");
            c.ty(&v.ty);
            if v.refined {
                c.out.push_str(" refined");
            }
            if v.shown {
                c.out.push_str(" shown");
            }
            if let Some(e) = &v.value {
                c.out.push_str(" = ");
                c.expr(e);
            }
            c.out.push('\n');
        }
        for a in &goal.assumptions {
            c.out.push_str("assume ");
            c.formula(a);
            c.out.push('\n');
        }
        c.out.push_str("claim ");
        c.formula(&goal.claim);
        let deps = deps_text(spec, &goal);
        let decision = format!("{}\n{deps}", c.out);
        c.out.push_str("\nfailure ");
        c.string(&goal.failure);
        c.out.push('\n');
        c.out.push_str(&deps);
        goal.canonical = resolve_names(spec, &c.out);
        goal.decision = resolve_names(spec, &decision);
        goal
    }

    /// The span-free canonical form, hashed into the obligation's digest: the scope, the
    /// formulas, the failure text and the definitions of every type, error and function the
    /// goal depends on (transitively). Items are named by name, not by id, so inserting an
    /// unrelated item does not change it.
    pub fn canonical(&self) -> String {
        self.canonical.clone()
    }

    /// The canonical text without the failure text, which only words a counterexample: two
    /// goals with the same decision text are proved, or not, together (their scope, formulas,
    /// fallback and definitions are the same), so a run proves one for all of them.
    pub fn decision_canonical(&self) -> &str {
        &self.decision
    }

    /// The goal with a verdict to give when z3 does not prove it (a counterexample or
    /// `unknown` is replaced by it). The fallback is part of the canonical text.
    pub fn with_fallback(mut self, verdict: crate::obligation::Verdict) -> SmtGoal {
        let _ = writeln!(self.canonical, "fallback {}", serde_json::to_string(&verdict).unwrap_or_default());
        let _ = writeln!(self.decision, "fallback {}", serde_json::to_string(&verdict).unwrap_or_default());
        self.fallback = Some(verdict);
        self
    }
}

fn binder_text(b: Binder) -> String {
    match b {
        Binder::Param(i) => format!("param.{i}"),
        Binder::SelfValue => "self".to_string(),
        Binder::Result => "result".to_string(),
        Binder::Var(v) => format!("var.{}", v.0),
    }
}

// ---------------------------------------------------------------- dependencies

/// Whether an expression contains an [`ExprKind::Error`] or a type [`Ty::Error`] anywhere;
/// passes do not emit goals about erroneous expressions (lowering reported them).
pub fn expr_has_error(e: &Expr) -> bool {
    let mut bad = false;
    lp_ir::expr::walk(e, &mut |x| {
        if matches!(x.kind, ExprKind::Error) || x.ty.contains_error() {
            bad = true;
        }
        if let ExprKind::Match { arms, .. } = &x.kind {
            bad |= arms.iter().any(|a| pattern_has_error(&a.pattern));
        }
    });
    bad
}

fn pattern_has_error(p: &Pattern) -> bool {
    match &p.kind {
        PatternKind::Error => true,
        PatternKind::Ctor { fields, .. } => fields.iter().any(|f| pattern_has_error(&f.pattern)),
        _ => p.ty.contains_error(),
    }
}

/// The types, errors and functions something depends on, transitively.
#[derive(Default)]
struct Deps {
    types: BTreeSet<TypeId>,
    errors: BTreeSet<ErrorId>,
    fns: BTreeSet<FnId>,
    todo_types: Vec<TypeId>,
    todo_errors: Vec<ErrorId>,
    todo_fns: Vec<FnId>,
}

impl Deps {
    fn ty(&mut self, ty: &Ty) {
        match ty {
            Ty::Named { id, args } => {
                if self.types.insert(*id) {
                    self.todo_types.push(*id);
                }
                args.iter().for_each(|a| self.ty(a));
            }
            Ty::ErrorType(id) => {
                if self.errors.insert(*id) {
                    self.todo_errors.push(*id);
                }
            }
            Ty::Option(t) | Ty::List(t) | Ty::Set(t) => self.ty(t),
            Ty::Result(a, b) | Ty::Map(a, b) | Ty::Fn(a, b) => {
                self.ty(a);
                self.ty(b);
            }
            Ty::Int
            | Ty::Decimal
            | Ty::Bool
            | Ty::String
            | Ty::Unit
            | Ty::Void
            | Ty::Param(_)
            | Ty::Machine(_)
            | Ty::Error => {}
        }
    }

    fn func(&mut self, id: FnId) {
        if self.fns.insert(id) {
            self.todo_fns.push(id);
        }
    }

    fn expr(&mut self, e: &Expr) {
        lp_ir::expr::walk(e, &mut |x| {
            self.ty(&x.ty);
            match &x.kind {
                ExprKind::Call { func, .. } => self.func(*func),
                ExprKind::Ctor { ctor: Ctor::Variant { ty, .. }, .. } if self.types.insert(*ty) => {
                    self.todo_types.push(*ty);
                }
                ExprKind::Match { arms, .. } => arms.iter().for_each(|a| self.pattern(&a.pattern)),
                _ => {}
            }
        });
    }

    fn pattern(&mut self, p: &Pattern) {
        self.ty(&p.ty);
        if let PatternKind::Ctor { fields, .. } = &p.kind {
            fields.iter().for_each(|f| self.pattern(&f.pattern));
        }
    }

    fn formula(&mut self, f: &Formula) {
        match f {
            Formula::Holds(e) => self.expr(e),
            Formula::Refines { value, ty } => {
                self.expr(value);
                self.ty(ty);
            }
            Formula::Precondition { func, args } => {
                self.func(*func);
                args.iter().for_each(|a| self.expr(a));
            }
            Formula::Guarded { path, then } => {
                for step in path {
                    match step {
                        PathStep::Arm { scrutinee, earlier, pattern } => {
                            self.expr(scrutinee);
                            earlier.iter().for_each(|p| self.pattern(p));
                            self.pattern(pattern);
                        }
                        PathStep::Cond { cond, .. } => self.expr(cond),
                    }
                }
                self.formula(then);
            }
            Formula::And(fs) => fs.iter().for_each(|f| self.formula(f)),
        }
    }

    fn fields(&mut self, fields: &[FieldDef]) {
        for f in fields {
            self.ty(&f.ty);
            if let Some(r) = &f.refinement {
                self.expr(r);
            }
        }
    }

    /// Follows everything reachable from what was added so far.
    fn close(&mut self, spec: &Spec) {
        loop {
            if let Some(id) = self.todo_types.pop() {
                let Some(def) = spec.types.get(id.index()) else { continue };
                match &def.body {
                    TypeBody::Record(fields) => self.fields(fields),
                    TypeBody::Sum(variants) => {
                        for v in variants {
                            if let Some(fields) = &v.payload {
                                self.fields(fields);
                            }
                        }
                    }
                    TypeBody::Alias(t) => self.ty(t),
                }
                if let Some(r) = &def.refinement {
                    self.expr(r);
                }
            } else if let Some(id) = self.todo_errors.pop() {
                if let Some(def) = spec.errors.get(id.index()) {
                    self.fields(&def.fields);
                }
            } else if let Some(id) = self.todo_fns.pop() {
                let Some(def) = spec.fns.get(id.index()) else { continue };
                def.params.iter().for_each(|p| self.ty(&p.ty));
                self.ty(&def.result);
                def.requires.iter().chain(&def.ensures).chain(&def.body).for_each(|e| self.expr(e));
            } else {
                break;
            }
        }
    }
}

/// The canonical text of everything `goal` depends on, sorted by kind and name.
fn deps_text(spec: &Spec, goal: &SmtGoal) -> String {
    let mut d = Deps::default();
    for v in &goal.scope {
        d.ty(&v.ty);
        if let Some(e) = &v.value {
            d.expr(e);
        }
    }
    goal.assumptions.iter().for_each(|f| d.formula(f));
    d.formula(&goal.claim);
    d.close(spec);

    let mut items: Vec<(String, String)> = Vec::new();
    for id in &d.types {
        let Some(def) = spec.types.get(id.index()) else { continue };
        let mut c = Canon { params: &def.params, ..Canon::default() };
        let _ = write!(c.out, "type {}", def.name);
        if !def.params.is_empty() {
            let names: Vec<String> = def.params.iter().map(|p| format!("{:?} {}", p.variance, p.name)).collect();
            let _ = write!(c.out, "<{}>", names.join(", "));
        }
        c.out.push_str(" = ");
        match &def.body {
            TypeBody::Record(fields) => c.fields(fields),
            TypeBody::Sum(variants) => {
                c.out.push_str("sum(");
                for (i, v) in variants.iter().enumerate() {
                    if i > 0 {
                        c.out.push_str(" | ");
                    }
                    c.out.push_str(&v.name);
                    if let Some(fields) = &v.payload {
                        c.out.push(' ');
                        c.fields(fields);
                    }
                }
                c.out.push(')');
            }
            TypeBody::Alias(t) => c.ty(t),
        }
        if let Some(r) = &def.refinement {
            c.out.push_str(" where ");
            c.expr(r);
        }
        items.push((format!("1 {}", def.name), c.out));
    }
    for id in &d.errors {
        let Some(def) = spec.errors.get(id.index()) else { continue };
        let mut c = Canon::default();
        let _ = write!(c.out, "error {} = ", def.name);
        c.fields(&def.fields);
        items.push((format!("2 {}", def.name), c.out));
    }
    for id in &d.fns {
        let Some(def) = spec.fns.get(id.index()) else { continue };
        let mut c = Canon::default();
        let _ = write!(c.out, "fn {}(", def.name);
        for (i, p) in def.params.iter().enumerate() {
            if i > 0 {
                c.out.push_str(", ");
            }
            let _ = write!(c.out, "{}: ", p.name);
            c.ty(&p.ty);
        }
        c.out.push_str(") -> ");
        c.ty(&def.result);
        for r in &def.requires {
            c.out.push_str(" requires ");
            c.expr(r);
        }
        for e in &def.ensures {
            c.out.push_str(" ensures ");
            c.expr(e);
        }
        if let Some(b) = &def.body {
            c.out.push_str(" = ");
            c.expr(b);
        }
        items.push((format!("3 {}", def.name), c.out));
    }
    items.sort();
    let mut out = String::new();
    for (_, text) in items {
        out.push_str("dep ");
        out.push_str(&text);
        out.push('\n');
    }
    out
}

/// Replaces the id placeholders the canonical printer writes (`#<type:3>`, `#<fn:2>`,
/// `#<error:1>`, `#<variant:3:1>`) by names.
fn resolve_names(spec: &Spec, text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("#<") {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 2..];
        let Some(end) = after.find('>') else {
            out.push_str(&rest[pos..]);
            return out;
        };
        out.push_str(&name_of(spec, &after[..end]));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn name_of(spec: &Spec, placeholder: &str) -> String {
    let mut parts = placeholder.split(':');
    let kind = parts.next().unwrap_or("");
    let index = |p: Option<&str>| p.and_then(|s| s.parse::<usize>().ok());
    let first = index(parts.next());
    let second = index(parts.next());
    let name = match (kind, first) {
        ("type", Some(i)) => spec.types.get(i).map(|d| d.name.clone()),
        ("fn", Some(i)) => spec.fns.get(i).map(|d| d.name.clone()),
        ("error", Some(i)) => spec.errors.get(i).map(|d| d.name.clone()),
        ("machine", Some(i)) => spec.machines.get(i).map(|d| d.name.clone()),
        ("variant", Some(i)) => spec.types.get(i).and_then(|d| match (&d.body, second) {
            (TypeBody::Sum(vs), Some(v)) => vs.get(v).map(|v| format!("{}::{}", d.name, v.name)),
            _ => None,
        }),
        _ => None,
    };
    name.unwrap_or_else(|| format!("?{placeholder}"))
}

// ---------------------------------------------------------------- canonical printer

/// Writes IR in a span-free, fully parenthesised form. Items are written as `#<kind:index>`
/// placeholders, which [`resolve_names`] replaces by names afterwards.
#[derive(Default)]
struct Canon<'p> {
    out: String,
    params: &'p [TypeParam],
}

impl Canon<'_> {
    fn ty(&mut self, ty: &Ty) {
        match ty {
            Ty::Int => self.out.push_str("Int"),
            Ty::Decimal => self.out.push_str("Decimal"),
            Ty::Bool => self.out.push_str("Bool"),
            Ty::String => self.out.push_str("String"),
            Ty::Unit => self.out.push_str("Unit"),
            Ty::Void => self.out.push_str("Void"),
            Ty::Option(t) => self.app("Option", &[t]),
            Ty::Result(a, b) => self.app("Result", &[a, b]),
            Ty::List(t) => self.app("List", &[t]),
            Ty::Set(t) => self.app("Set", &[t]),
            Ty::Map(a, b) => self.app("Map", &[a, b]),
            Ty::Fn(a, b) => self.app("Fn", &[a, b]),
            Ty::Named { id, args } => {
                let head = format!("#<type:{}>", id.0);
                let args: Vec<&Ty> = args.iter().collect();
                self.app(&head, &args);
            }
            Ty::Param(i) => match self.params.get(*i as usize) {
                Some(p) => self.out.push_str(&p.name),
                None => {
                    let _ = write!(self.out, "${i}");
                }
            },
            Ty::Machine(id) => {
                let _ = write!(self.out, "#<machine:{}>", id.0);
            }
            Ty::ErrorType(id) => {
                let _ = write!(self.out, "#<error:{}>", id.0);
            }
            Ty::Error => self.out.push('_'),
        }
    }

    fn app(&mut self, head: &str, args: &[&Ty]) {
        self.out.push_str(head);
        if !args.is_empty() {
            self.out.push('<');
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    self.out.push_str(", ");
                }
                self.ty(a);
            }
            self.out.push('>');
        }
    }

    fn fields(&mut self, fields: &[FieldDef]) {
        self.out.push('{');
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            let _ = write!(self.out, "{}: ", f.name);
            self.ty(&f.ty);
            if let Some(r) = &f.refinement {
                self.out.push_str(" where ");
                self.expr(r);
            }
        }
        self.out.push('}');
    }

    fn ctor(&mut self, ctor: Ctor) {
        match ctor {
            Ctor::Some => self.out.push_str("Some"),
            Ctor::None => self.out.push_str("None"),
            Ctor::Ok => self.out.push_str("Ok"),
            Ctor::Err => self.out.push_str("Err"),
            Ctor::Variant { ty, index } => {
                let _ = write!(self.out, "#<variant:{}:{}>", ty.0, index);
            }
        }
    }

    /// A string literal, with `#` escaped so it cannot look like an item placeholder.
    fn string(&mut self, s: &str) {
        let quoted = format!("{s:?}");
        self.out.push_str(&quoted.replace('#', "\\u{23}"));
    }

    fn exprs(&mut self, es: &[Expr]) {
        for e in es {
            self.out.push(' ');
            self.expr(e);
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Int(n) => {
                let _ = write!(self.out, "{n}");
            }
            ExprKind::Decimal(d) => self.out.push_str(&lp_syntax::format::decimal_text(*d)),
            ExprKind::Str(s) => self.string(s),
            ExprKind::Bool(b) => {
                let _ = write!(self.out, "{b}");
            }
            ExprKind::SelfValue => self.out.push_str("self"),
            ExprKind::Result => self.out.push_str("result"),
            ExprKind::Param(i) => {
                let _ = write!(self.out, "(param {i})");
            }
            ExprKind::Var(v) => {
                let _ = write!(self.out, "(var {})", v.0);
            }
            ExprKind::Local { id, .. } => {
                let _ = write!(self.out, "(local {})", id.0);
            }
            ExprKind::Ctor { ctor, args } => {
                self.out.push('(');
                self.ctor(*ctor);
                self.out.push_str(" : ");
                self.ty(&e.ty);
                self.exprs(args);
                self.out.push(')');
            }
            ExprKind::Call { func, args } => {
                let _ = write!(self.out, "(call #<fn:{}>", func.0);
                self.exprs(args);
                self.out.push(')');
            }
            ExprKind::Builtin { builtin, args } => {
                let _ = write!(self.out, "({}", builtin.name());
                self.exprs(args);
                self.out.push(')');
            }
            ExprKind::Apply { func, arg } => {
                self.out.push_str("(apply ");
                self.expr(func);
                self.out.push(' ');
                self.expr(arg);
                self.out.push(')');
            }
            ExprKind::Field { base, index, .. } => {
                let _ = write!(self.out, "(field {index} ");
                self.expr(base);
                self.out.push(')');
            }
            ExprKind::Unary { op, operand } => {
                self.out.push_str(match op {
                    UnOp::Not => "(not ",
                    UnOp::Neg => "(neg ",
                });
                self.expr(operand);
                self.out.push(')');
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let _ = write!(self.out, "({} ", op.as_str());
                self.expr(lhs);
                self.out.push(' ');
                self.expr(rhs);
                self.out.push(')');
            }
            ExprKind::List(items) => {
                self.out.push_str("(list : ");
                self.ty(&e.ty);
                self.exprs(items);
                self.out.push(')');
            }
            ExprKind::Record { fields } => {
                self.out.push_str("(record : ");
                self.ty(&e.ty);
                for f in fields {
                    let _ = write!(self.out, " ({} ", f.index);
                    self.expr(&f.value);
                    self.out.push(')');
                }
                self.out.push(')');
            }
            ExprKind::With { base, fields } => {
                self.out.push_str("(with ");
                self.expr(base);
                for f in fields {
                    let _ = write!(self.out, " ({} ", f.index);
                    self.expr(&f.value);
                    self.out.push(')');
                }
                self.out.push(')');
            }
            ExprKind::Match { scrutinee, arms } => {
                self.out.push_str("(match ");
                self.expr(scrutinee);
                for arm in arms {
                    self.out.push_str(" (");
                    self.pattern(&arm.pattern);
                    self.out.push_str(" => ");
                    self.expr(&arm.body);
                    self.out.push(')');
                }
                self.out.push(')');
            }
            ExprKind::Exists { entity, key } => {
                let _ = write!(self.out, "(exists-key {}", entity.0);
                self.exprs(key);
                self.out.push(')');
            }
            ExprKind::Quantified { forall, entity, local, body, .. } => {
                let _ = write!(self.out, "({} {} {} ", if *forall { "forall" } else { "exists" }, entity.0, local.0);
                self.expr(body);
                self.out.push(')');
            }
            ExprKind::Count { entity, local, filter, .. } => {
                let _ = write!(self.out, "(count {} {}", entity.0, local.0);
                if let Some(f) = filter {
                    self.out.push(' ');
                    self.expr(f);
                }
                self.out.push(')');
            }
            ExprKind::Fresh => self.out.push_str("(fresh)"),
            ExprKind::Error => self.out.push_str("(error)"),
        }
    }

    fn pattern(&mut self, p: &Pattern) {
        match &p.kind {
            PatternKind::Wildcard => self.out.push('_'),
            PatternKind::Int(n) => {
                let _ = write!(self.out, "{n}");
            }
            PatternKind::Str(s) => self.string(s),
            PatternKind::Bool(b) => {
                let _ = write!(self.out, "{b}");
            }
            PatternKind::Bind { local, .. } => {
                let _ = write!(self.out, "(bind {})", local.0);
            }
            PatternKind::Ctor { ctor, fields } => {
                self.out.push('(');
                self.ctor(*ctor);
                for f in fields {
                    let _ = write!(self.out, " {}:", f.index);
                    self.pattern(&f.pattern);
                }
                self.out.push(')');
            }
            PatternKind::Error => self.out.push_str("(error)"),
        }
    }

    fn formula(&mut self, f: &Formula) {
        match f {
            Formula::Holds(e) => self.expr(e),
            Formula::Refines { value, ty } => {
                self.out.push_str("(refines ");
                self.expr(value);
                self.out.push(' ');
                self.ty(ty);
                self.out.push(')');
            }
            Formula::Precondition { func, args } => {
                let _ = write!(self.out, "(precondition #<fn:{}>", func.0);
                self.exprs(args);
                self.out.push(')');
            }
            Formula::Guarded { path, then } => {
                self.out.push_str("(guarded (");
                for (i, step) in path.iter().enumerate() {
                    if i > 0 {
                        self.out.push(' ');
                    }
                    match step {
                        PathStep::Arm { scrutinee, earlier, pattern } => {
                            self.out.push_str("(arm ");
                            self.expr(scrutinee);
                            for p in earlier {
                                self.out.push_str(" !");
                                self.pattern(p);
                            }
                            self.out.push(' ');
                            self.pattern(pattern);
                            self.out.push(')');
                        }
                        PathStep::Cond { cond, value } => {
                            let _ = write!(self.out, "(cond {value} ");
                            self.expr(cond);
                            self.out.push(')');
                        }
                    }
                }
                self.out.push_str(") ");
                self.formula(then);
                self.out.push(')');
            }
            Formula::And(fs) => {
                self.out.push_str("(and");
                for f in fs {
                    self.out.push(' ');
                    self.formula(f);
                }
                self.out.push(')');
            }
        }
    }
}

// ---------------------------------------------------------------- human-readable expressions

/// What names the parameters and machine variables of an expression.
#[derive(Debug, Clone, Copy, Default)]
pub struct Names<'a> {
    pub params: &'a [ParamDef],
    pub vars: &'a [VarDef],
}

/// Writes an expression as a spec author would (`result <= price`, `len(self) >= 3`), with
/// only the parentheses precedence needs. Used in claims and counterexample summaries.
pub fn expr_text(spec: &Spec, names: Names<'_>, e: &Expr) -> String {
    lp_ir::text::expr_text(spec, names.into(), e)
}

/// The name a constructor is written with (`Some`, `Shopify`).
pub fn ctor_name(spec: &Spec, ctor: Ctor) -> String {
    lp_ir::text::ctor_name(spec, ctor, false)
}

/// Writes a pattern as a spec author would.
pub fn pattern_text(spec: &Spec, p: &Pattern) -> String {
    lp_ir::text::pattern_text(spec, Names::default().into(), p)
}

impl<'a> From<Names<'a>> for lp_ir::text::ExprNames<'a> {
    fn from(n: Names<'a>) -> Self {
        lp_ir::text::ExprNames { params: n.params, vars: n.vars, qualify_variants: false }
    }
}
