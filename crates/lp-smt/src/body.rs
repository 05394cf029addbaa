//! Run goals proved by z3: operation bodies executed symbolically over a symbolic store.
//!
//! The store before the run is uninterpreted: for each entity, a presence predicate over its
//! key (`present_E(k)`) and one uninterpreted function per flattened field of its record
//! (the key fields of the record at `k` are `k` itself; a key field is an Int, a Bool, a
//! String or an enumeration, whose tag stands for it). Every stored record is assumed valid
//! (its type's refinements, an axiom quantified over the present keys), and every `invariant`
//! is assumed to hold before the run. A body has no loops, so it is executed path by path:
//! each path has a condition, the locals it bound and the writes it made (`put`, `create`,
//! `delete`) in order. The store a path reads is the store before with its writes applied
//! (`if` chains over the written keys, the latest write first). Raised errors and faults end
//! a path: the claims proved here (invariants preserved, `ensures`) are about successful runs.
//! A call of another operation runs its body in place on the same path; on a successful call
//! its arguments were valid and its `ensures` held (the interpreter faults otherwise), so both
//! join the path's condition.
//!
//! Facts made while a path is executed (an external function's contract for the arguments of
//! its call, the refinements of a value it answers) join that path's condition, never the
//! facts shared by all paths, so a contract that cannot be met on one path does not make
//! another vacuous.
//!
//! Store expressions at a store with writes `w1..wn` (of the quantified entity):
//!
//! - `exists E[k]`: the presence chain at `k`;
//! - `forall x: E. P`: `P` for every key present before and written by none of the writes (a
//!   z3 quantifier whose pattern is `present_E(k)`), and `P` of the value at each written
//!   key that is present afterwards (ground terms); `exists` dually;
//! - `count(x: E where c)`: the filter's subterms that do not mention `x` are abstracted into
//!   holes `h`, and the count before is an uninterpreted function `count_c(h)`, never negative
//!   and at least 1 when a present record satisfies the filter; conversely a count of at least
//!   1 has a witness (a present record that satisfies the filter, at a key given by a Skolem
//!   function of the holes) and one of at least 2 two witnesses at different keys (so a filter
//!   that pins the key counts at most 1; all are quantified axioms true of every store); each
//!   write changes it by exactly what it removes and adds (`-1` if the key was present and its
//!   record satisfied the filter, `+1` if a `put` stores a record that does).
//!
//! A `fresh` key is a new constant that satisfies its type's refinements, differs from the
//! keys drawn before it on the path, and is no key of an entity the goal reads with a single
//! scalar key field of its sort, which is what the interpreter's `fresh` guarantees (it avoids more).
//!
//! Idempotence (`PUT`, `DELETE`): after each successful path of a first run, the body is run
//! again with the same request on the store that path left; the claim is that some path of
//! the second run is taken and every one answers the same and leaves, at every key it
//! writes, the same presence and record. A first run that raises leaves the store as it was,
//! so the second repeats it; that needs a body whose answers depend on the store and the
//! request only (no external function, no function value). Lifecycles, which the interpreter
//! compares but this encoding does not model, rule out bodies that `fire` or write entities
//! with a lifecycle.
//!
//! The claim is proved when z3 finds, for every path, its condition and the claim's negation
//! unsatisfiable. Anything else (a model, a timeout, a construct not covered: `/` by a
//! non-literal, a count whose filter reads the store, a key of another type, too many paths,
//! calls nested too deeply) is `unknown`, and the driver falls back to testing in the
//! interpreter; a z3 model is never a verdict here.
//!
//! For the claims about successful runs, faults are not modelled: a path that would fault (an
//! overflow, a broken refinement of a made-up value) is kept as if it went on. That only adds
//! runs, so a claim proved for them holds for the successful runs.
//!
//! `runs-without-fault` (LP3027) is the claim that no run faults, so there every way the
//! interpreter can get stuck is an obligation, stated where it arises under the path's
//! condition there (the facts known at that point, never a later `require`), and the claim is
//! proved when every obligation is:
//!
//! - every integer the run computes (in the body, in a function it unfolds, in a guard, an
//!   action or a refinement it checks) is a 64-bit one: the inputs are (parameters, stored
//!   fields, machine variables, external answers), and each `+`, `-`, `*` and negation must
//!   stay in range; an expression evaluated only under a condition (a `match` arm, the right
//!   operand of `&&` and `||`) is checked under it;
//! - a `match` has an arm for the value; an external function's `requires` hold for the
//!   arguments of its call (what it answers is assumed, as for the other claims);
//! - every record stored, every result (of the operation and of the operations it calls) and
//!   every error payload is valid; a `create` without `else` finds its key free;
//! - a call of another operation gets valid arguments, and its `ensures` hold afterwards;
//! - lifecycles are modelled: a state and the machine's variables per instance (before the
//!   run, in a state reachable from the initial one, variables inside their types and the
//!   machine's invariants holding, as every successful write leaves them); a `fire` without
//!   `else` is on a stored instance and finds the first transition on the event whose guard
//!   holds, or an `ignore` rule; the variables a transition leaves are inside their types and
//!   keep the invariants; a new instance starts in the initial state with valid variables;
//! - the paths that raise an error are followed to the raise, where the payload is evaluated
//!   and checked; an `else` on a call of another operation is evaluated on each path of the
//!   callee that raises.
//!
//! What is not an obligation: a `fresh` key is assumed to exist (the generated services draw
//! from an unbounded supply; the interpreter gives up after
//! 100,000 candidates), and an expression under a quantifier over the store that would need a
//! check makes the claim unsupported (the check would mention the bound variable).

use crate::translate::{Frame, R, Shape, Tx, Val, and, equal, in_i64, is_decimal, ite, unsupported};
use lp_check::run_goal::{RunClaim, RunGoal};
use lp_check::smt_goal::Binder;
use lp_ir::body::{Block, Raise, StmtKind, Term, TermKind};
use lp_ir::{EntityId, EventId, Expr, ExprKind, LocalId, MachineId, Pattern, PatternKind, Spec, StateId, Ty, TypeBody};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use z3::ast::{Ast, Bool, Dynamic, Int, Real, String as ZString};
use z3::{FuncDecl, Pattern as ZPattern, Sort};

/// The claims about bodies this module proves; the others are left to the interpreter.
pub const PROVED_CLAIMS: [RunClaim; 4] =
    [RunClaim::InvariantsPreserved, RunClaim::Ensures, RunClaim::Idempotent, RunClaim::NoFault];

/// The most paths a body is executed along before the goal is given up.
pub const MAX_PATHS: usize = 64;

/// How deeply calls of other operations are executed before the goal is given up.
pub const MAX_CALL_DEPTH: usize = 8;

/// The local a count's bound variable is renamed to in its filter's canonical form.
const COUNT_LOCAL: LocalId = LocalId(u32::MAX);
/// The first local the holes of a count's filter are renamed to.
const HOLE_BASE: u32 = 1 << 30;

/// One write of a path, in order.
#[derive(Clone)]
pub(crate) struct Write {
    entity: EntityId,
    key: Vec<Dynamic>,
    /// `Some(record)` for a `put` or `create`, `None` for a `delete` (and for a `fire`, which
    /// leaves the record as it is).
    value: Option<Val>,
    /// The instance's lifecycle after the write, where lifecycles are modelled: the one kept
    /// by a `put` of a stored key, the initial one of a new instance, the one a `fire` moves to.
    life: Option<Life>,
    /// A `fire`: only the lifecycle changes; presence and record are as before.
    fired: bool,
}

impl Write {
    /// Whether the write changes the presence or the record of an instance of `entity` (a
    /// `fire` changes only its lifecycle).
    fn touches_record(&self, entity: EntityId) -> bool {
        self.entity == entity && !self.fired
    }
}

/// An instance's lifecycle: the index of its state and its machine's variables.
#[derive(Clone)]
pub(crate) struct Life {
    state: Int,
    vars: Vec<Val>,
}

/// The uninterpreted store before the run, and the writes of the path being evaluated.
#[derive(Default)]
pub(crate) struct StoreModel {
    entities: BTreeMap<EntityId, EntityModel>,
    decls: BTreeMap<String, Rc<FuncDecl>>,
    counts: BTreeMap<String, Rc<FuncDecl>>,
    pub(crate) writes: Vec<Write>,
    /// Facts about the store before the run (validity of stored records, bounds of counts):
    /// true whatever path is taken, so asserted for every path.
    axioms: Vec<Bool>,
    /// The `fresh` keys drawn on the path so far.
    pub(crate) drawn: Vec<Val>,
    /// The entities the goal can see (the operation's and its invariants'): a `fresh` key is
    /// said to avoid the keys of these only (it avoids more, which no expression here reads).
    reach: BTreeSet<EntityId>,
    bound_count: u32,
    /// Whether instances' lifecycles are modelled (for `runs-without-fault`: `fire` can fault).
    lifecycles: bool,
}

#[derive(Clone)]
struct EntityModel {
    name: String,
    ty: Ty,
    /// The record's fields: name and type.
    fields: Vec<(String, Ty)>,
    /// The key's field indices and their sorts (every key field is an Int, a Bool or a String).
    key: Vec<u32>,
    /// What each key field is; each is one z3 term of the key.
    key_fields: Vec<KeyField>,
    key_sorts: Vec<Sort>,
    present: Rc<FuncDecl>,
    /// The lifecycle of each instance, where the entity has one and lifecycles are modelled.
    life: Option<LifeModel>,
}

/// The lifecycles of an entity's instances before the run: a state (an index into the
/// machine's states) and each variable, uninterpreted functions of the key.
#[derive(Clone)]
struct LifeModel {
    machine: MachineId,
    state: Rc<FuncDecl>,
}

/// A field of an entity's key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyField {
    /// An Int, a Bool or a String.
    Scalar,
    /// An enumeration with this many variants, none with a payload: its tag.
    Enum(usize),
}

/// The z3 terms of a value, in order (tags before payloads).
fn leaves(v: &Val, out: &mut Vec<Dynamic>) {
    match v {
        Val::Int(i) => out.push(Dynamic::from_ast(i)),
        Val::Real(x) => out.push(Dynamic::from_ast(x)),
        Val::Bool(b) => out.push(Dynamic::from_ast(b)),
        Val::Str(s) => out.push(Dynamic::from_ast(s)),
        Val::Opaque(d) => out.push(d.clone()),
        Val::Unit => {}
        Val::Record(vs) => vs.iter().for_each(|v| leaves(v, out)),
        Val::Sum { tag, payloads } => {
            out.push(Dynamic::from_ast(tag));
            payloads.iter().flatten().for_each(|v| leaves(v, out));
        }
    }
}

/// The same value with every z3 term replaced by a new constant of its sort (for binding).
fn rebind(v: &Val, name: &str, out: &mut Vec<Dynamic>) -> Val {
    let n = out.len();
    let fresh = format!("{name}.{n}");
    match v {
        Val::Int(_) => {
            let c = Int::new_const(fresh);
            out.push(Dynamic::from_ast(&c));
            Val::Int(c)
        }
        Val::Real(_) => {
            let c = Real::new_const(fresh);
            out.push(Dynamic::from_ast(&c));
            Val::Real(c)
        }
        Val::Bool(_) => {
            let c = Bool::new_const(fresh);
            out.push(Dynamic::from_ast(&c));
            Val::Bool(c)
        }
        Val::Str(_) => {
            let c = ZString::new_const(fresh);
            out.push(Dynamic::from_ast(&c));
            Val::Str(c)
        }
        Val::Opaque(d) => {
            let c = Dynamic::new_const(fresh, &d.get_sort());
            out.push(c.clone());
            Val::Opaque(c)
        }
        Val::Unit => Val::Unit,
        Val::Record(vs) => Val::Record(vs.iter().map(|v| rebind(v, name, out)).collect()),
        Val::Sum { payloads, .. } => {
            let tag = Int::new_const(fresh);
            out.push(Dynamic::from_ast(&tag));
            let payloads =
                payloads.iter().map(|p| p.iter().map(|v| rebind(v, name, out)).collect::<Vec<_>>()).collect();
            Val::Sum { tag, payloads }
        }
    }
}

fn keys_equal(a: &[Dynamic], b: &[Dynamic]) -> R<Bool> {
    if a.len() != b.len() {
        return unsupported("keys of different lengths");
    }
    let mut eqs = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b) {
        match x.safe_eq(y) {
            Ok(e) => eqs.push(e),
            Err(_) => return unsupported("keys of different sorts"),
        }
    }
    Ok(and(&eqs))
}

fn as_asts(ds: &[Dynamic]) -> Vec<&dyn Ast> {
    ds.iter().map(|d| d as &dyn Ast).collect()
}

/// Every local bound by a pattern inside `e`.
fn pattern_locals(e: &Expr, out: &mut BTreeSet<LocalId>) {
    fn pat(p: &Pattern, out: &mut BTreeSet<LocalId>) {
        match &p.kind {
            PatternKind::Bind { local, .. } => {
                out.insert(*local);
            }
            PatternKind::Ctor { fields, .. } => fields.iter().for_each(|f| pat(&f.pattern, out)),
            _ => {}
        }
    }
    lp_ir::expr::walk(e, &mut |x| {
        if let ExprKind::Match { arms, .. } = &x.kind {
            arms.iter().for_each(|a| pat(&a.pattern, out));
        }
    });
}

/// Whether `e` mentions none of the `inner` locals and reads no store.
fn closed(e: &Expr, inner: &BTreeSet<LocalId>) -> bool {
    let mut ok = true;
    lp_ir::expr::walk(e, &mut |x| match &x.kind {
        ExprKind::Local { id, .. } if inner.contains(id) => ok = false,
        k if k.reads_store() => ok = false,
        _ => {}
    });
    ok
}

/// A count's filter with its bound variable renamed to [`COUNT_LOCAL`] and every maximal
/// subterm that does not mention it replaced by a hole (a local from [`HOLE_BASE`]).
fn abstract_filter(e: &Expr, x: LocalId, inner: &BTreeSet<LocalId>, holes: &mut Vec<Expr>) -> Expr {
    if closed(e, inner) {
        let i = holes.len() as u32;
        holes.push(e.clone());
        return Expr {
            kind: ExprKind::Local { id: LocalId(HOLE_BASE + i), name: format!("$h{i}") },
            ty: e.ty.clone(),
            span: e.span,
        };
    }
    let mut go = |e: &Expr| abstract_filter(e, x, inner, holes);
    let kind = match &e.kind {
        ExprKind::Local { id, .. } if *id == x => ExprKind::Local { id: COUNT_LOCAL, name: "$x".to_string() },
        ExprKind::Ctor { ctor, args } => ExprKind::Ctor { ctor: *ctor, args: args.iter().map(&mut go).collect() },
        ExprKind::Call { func, args } => ExprKind::Call { func: *func, args: args.iter().map(&mut go).collect() },
        ExprKind::Builtin { builtin, args } => {
            ExprKind::Builtin { builtin: *builtin, args: args.iter().map(&mut go).collect() }
        }
        ExprKind::List(args) => ExprKind::List(args.iter().map(&mut go).collect()),
        ExprKind::Apply { func, arg } => ExprKind::Apply { func: Box::new(go(func)), arg: Box::new(go(arg)) },
        ExprKind::Field { base, index, name } => {
            ExprKind::Field { base: Box::new(go(base)), index: *index, name: name.clone() }
        }
        ExprKind::Record { fields } => ExprKind::Record {
            fields: fields
                .iter()
                .map(|f| lp_ir::RecordField { index: f.index, name: f.name.clone(), value: go(&f.value) })
                .collect(),
        },
        ExprKind::With { base, fields } => ExprKind::With {
            base: Box::new(go(base)),
            fields: fields
                .iter()
                .map(|f| lp_ir::RecordField { index: f.index, name: f.name.clone(), value: go(&f.value) })
                .collect(),
        },
        ExprKind::Unary { op, operand } => ExprKind::Unary { op: *op, operand: Box::new(go(operand)) },
        ExprKind::Binary { op, lhs, rhs } => {
            ExprKind::Binary { op: *op, lhs: Box::new(go(lhs)), rhs: Box::new(go(rhs)) }
        }
        ExprKind::Match { scrutinee, arms } => ExprKind::Match {
            scrutinee: Box::new(go(scrutinee)),
            arms: arms
                .iter()
                .map(|a| lp_ir::MatchArm { pattern: a.pattern.clone(), body: go(&a.body), span: a.span })
                .collect(),
        },
        other => other.clone(),
    };
    Expr { kind, ty: e.ty.clone(), span: e.span }
}

impl Tx<'_> {
    fn model(&mut self) -> R<&mut StoreModel> {
        match self.store.as_mut() {
            Some(m) => Ok(m),
            None => unsupported("a store expression outside a body"),
        }
    }

    fn next_bound(&mut self) -> R<u32> {
        let m = self.model()?;
        m.bound_count += 1;
        Ok(m.bound_count)
    }

    fn decl(&mut self, name: &str, domain: &[Sort], range: &Sort) -> R<Rc<FuncDecl>> {
        let m = self.model()?;
        Ok(m.decls
            .entry(name.to_string())
            .or_insert_with(|| {
                let d: Vec<&Sort> = domain.iter().collect();
                Rc::new(FuncDecl::new(name.to_string(), &d, range))
            })
            .clone())
    }

    /// The model of an entity, created (with its validity axiom) on first use.
    fn entity(&mut self, entity: EntityId) -> R<EntityModel> {
        if let Some(e) = self.model()?.entities.get(&entity) {
            return Ok(e.clone());
        }
        let spec = self.spec;
        let Some(def) = spec.entities.get(entity.index()) else { return unsupported("an unknown entity") };
        let ty = Ty::Named { id: def.ty, args: Vec::new() };
        let fields = match spec.types.get(def.ty.index()).map(|t| &t.body) {
            Some(TypeBody::Record(fs)) => fs.iter().map(|f| (f.name.clone(), f.ty.clone())).collect::<Vec<_>>(),
            _ => return unsupported(format!("the entity `{}` whose type is not a record", def.name)),
        };
        let mut key_sorts = Vec::new();
        let mut key_fields = Vec::new();
        for k in &def.key {
            let Some((_, kty)) = fields.get(*k as usize) else { return unsupported("a key field") };
            let (field, sort) = match self.shape(kty)? {
                Shape::Int => (KeyField::Scalar, Sort::int()),
                Shape::Bool => (KeyField::Scalar, Sort::bool()),
                Shape::Str => (KeyField::Scalar, Sort::string()),
                // An enumeration (variants without payloads) is its tag.
                Shape::Sum { variants, .. } if variants.iter().all(|(_, fs)| fs.is_empty()) => {
                    (KeyField::Enum(variants.len()), Sort::int())
                }
                _ => {
                    return unsupported(format!(
                        "the key of `{}`, which is not made of Int, Bool, String and enumerations",
                        def.name
                    ));
                }
            };
            key_fields.push(field);
            key_sorts.push(sort);
        }
        let present = self.decl(&format!("present {}", def.name), &key_sorts, &Sort::bool())?;
        let life = match def.lifecycle {
            Some(machine) if self.model()?.lifecycles => {
                let state = self.decl(&format!("{}@state", def.name), &key_sorts, &Sort::int())?;
                Some(LifeModel { machine, state })
            }
            _ => None,
        };
        let model = EntityModel {
            name: def.name.clone(),
            ty,
            fields,
            key: def.key.clone(),
            key_fields,
            key_sorts,
            present,
            life,
        };
        self.model()?.entities.insert(entity, model.clone());
        // Every stored record is valid: ∀k. present(k) → refines(record(k)); and, where
        // lifecycles are modelled, every instance is in a state reachable from the initial
        // one, with variables inside their types that keep the machine's invariants (every
        // write of a run that does not fault keeps that).
        let n = self.next_bound()?;
        let bound: Vec<Dynamic> = model
            .key_sorts
            .iter()
            .enumerate()
            .map(|(i, s)| Dynamic::new_const(format!("{}!valid{n}.{i}", model.name), s))
            .collect();
        let present = self.pre_present(&model, &bound)?;
        let (record, structure) = self.pre_record(&model, &bound)?;
        self.bound_depth += 1;
        let valid = self.assuming(|tx| {
            let mut all = vec![tx.refines(&model.ty, &record)?];
            if let Some(life) = &model.life {
                let (pre, structure) = tx.pre_life(&model, life, &bound)?;
                all.extend(structure);
                all.push(tx.reachable(life.machine, &pre.state)?);
                all.push(tx.machine_ok(life.machine, &pre)?);
            }
            Ok(and(&all))
        });
        self.bound_depth -= 1;
        let mut body = structure;
        body.push(valid?);
        let pattern = ZPattern::new(&[&present]);
        let axiom = z3::ast::forall_const(&as_asts(&bound), &[&pattern], &present.implies(and(&body)));
        self.model()?.axioms.push(axiom);
        Ok(model)
    }

    /// The lifecycle of the instance at `key` before the run, and the structural facts of
    /// its variables.
    fn pre_life(&mut self, m: &EntityModel, life: &LifeModel, key: &[Dynamic]) -> R<(Life, Vec<Bool>)> {
        let spec = self.spec;
        let Some(machine) = spec.machines.get(life.machine.index()) else { return unsupported("an unknown machine") };
        let state = life.state.apply(&as_asts(key)).as_int().ok_or_else(|| bad("a state"))?;
        let mut structure = Vec::new();
        let mut vars = Vec::with_capacity(machine.vars.len());
        for v in &machine.vars {
            vars.push(self.uf_val(&v.ty, &format!("{}@{}", m.name, v.name), m, key, &mut structure)?);
        }
        Ok((Life { state, vars }, structure))
    }

    /// That `state` is one of the machine's states reachable from its initial one (through
    /// transitions, whatever their guards).
    fn reachable(&mut self, machine: MachineId, state: &Int) -> R<Bool> {
        let Some(def) = self.spec.machines.get(machine.index()) else { return unsupported("an unknown machine") };
        if def.initial.is_none() {
            return unsupported(format!("the lifecycle `{}`, which has no initial state", def.name));
        }
        let options: Vec<Bool> =
            def.reachable_states().iter().map(|s| state.eq(Int::from_i64(s.index() as i64))).collect();
        Ok(crate::translate::or(&options))
    }

    /// The frame in which a machine's guards, actions and invariants are evaluated.
    fn machine_frame(vars: &[Val]) -> Frame {
        let mut frame = Frame::default();
        for (i, v) in vars.iter().enumerate() {
            frame.scope.insert(Binder::Var(lp_ir::VarId(i as u32)), v.clone());
        }
        frame
    }

    /// That a lifecycle's variables are inside their types and the machine's invariants hold
    /// (what the interpreter checks whenever it stores an instance).
    pub(crate) fn machine_ok(&mut self, machine: MachineId, life: &Life) -> R<Bool> {
        let spec = self.spec;
        let Some(def) = spec.machines.get(machine.index()) else { return unsupported("an unknown machine") };
        let mut all = Vec::new();
        for (var, v) in def.vars.iter().zip(&life.vars) {
            all.push(self.refines(&var.ty, v)?);
        }
        let frame = Self::machine_frame(&life.vars);
        for inv in &def.invariants {
            all.push(self.eval_bool(inv, &frame)?);
        }
        Ok(and(&all))
    }

    /// The lifecycle a new instance starts with: the initial state and the variables'
    /// initial values.
    fn initial_life(&mut self, machine: MachineId) -> R<Life> {
        let spec = self.spec;
        let Some(def) = spec.machines.get(machine.index()) else { return unsupported("an unknown machine") };
        let Some(initial) = def.initial else {
            return unsupported(format!("the lifecycle `{}`, which has no initial state", def.name));
        };
        let mut vars = Vec::with_capacity(def.vars.len());
        for v in &def.vars {
            vars.push(self.assuming(|tx| tx.eval(&v.init, &Frame::default()))?);
        }
        Ok(Life { state: Int::from_i64(initial.index() as i64), vars })
    }

    /// The lifecycle of the instance at `key` after the first `upto` writes (meaningful where
    /// it is present).
    fn life_at(&mut self, m: &EntityModel, entity: EntityId, key: &[Dynamic], upto: usize) -> R<Life> {
        let Some(model) = m.life.clone() else { return unsupported("the lifecycle of an entity without one") };
        let (mut life, structure) = self.pre_life(m, &model, key)?;
        let before = self.pre_present(m, key)?;
        self.pending.push(before.implies(and(&structure)));
        let writes: Vec<Write> = self.model()?.writes.iter().take(upto).cloned().collect();
        for w in writes.iter().filter(|w| w.entity == entity) {
            if let Some(after) = &w.life {
                let same = keys_equal(key, &w.key)?;
                life = ite_life(&same, after, &life)?;
            }
        }
        Ok(life)
    }

    fn pre_present(&mut self, m: &EntityModel, key: &[Dynamic]) -> R<Bool> {
        if key.len() != m.key_sorts.len() {
            return unsupported("a key of the wrong length");
        }
        match m.present.apply(&as_asts(key)).as_bool() {
            Some(b) => Ok(b),
            None => unsupported("a presence test"),
        }
    }

    /// The record stored at `key` before the run, and the structural facts of its values (the
    /// tags of its sums are in range).
    fn pre_record(&mut self, m: &EntityModel, key: &[Dynamic]) -> R<(Val, Vec<Bool>)> {
        let mut structure = Vec::new();
        let mut vals = Vec::with_capacity(m.fields.len());
        for (i, (name, ty)) in m.fields.iter().enumerate() {
            if let Some(pos) = m.key.iter().position(|k| *k as usize == i) {
                let d = &key[pos];
                vals.push(match m.key_fields[pos] {
                    KeyField::Enum(n) => {
                        let Some(tag) = d.as_int() else { return unsupported("a key value") };
                        structure.push(tag.ge(Int::from_i64(0)));
                        structure.push(tag.lt(Int::from_i64(n as i64)));
                        Val::Sum { tag, payloads: vec![Vec::new(); n] }
                    }
                    KeyField::Scalar => {
                        if let Some(x) = d.as_int() {
                            Val::Int(x)
                        } else if let Some(x) = d.as_bool() {
                            Val::Bool(x)
                        } else if let Some(x) = d.as_string() {
                            Val::Str(x)
                        } else {
                            return unsupported("a key value");
                        }
                    }
                });
            } else {
                vals.push(self.uf_val(ty, &format!("{}.{name}", m.name), m, key, &mut structure)?);
            }
        }
        Ok((Val::Record(vals), structure))
    }

    /// A value of `ty` made of uninterpreted functions of the key.
    fn uf_val(&mut self, ty: &Ty, name: &str, m: &EntityModel, key: &[Dynamic], structure: &mut Vec<Bool>) -> R<Val> {
        let args = as_asts(key);
        let apply = |tx: &mut Self, range: Sort| -> R<Dynamic> {
            let d = tx.decl(name, &m.key_sorts, &range)?;
            Ok(d.apply(&args))
        };
        Ok(match self.shape(ty)? {
            Shape::Int => {
                let i = apply(self, Sort::int())?.as_int().ok_or_else(|| bad("an Int field"))?;
                structure.push(in_i64(&i));
                Val::Int(i)
            }
            Shape::Real => {
                let x = apply(self, Sort::real())?.as_real().ok_or_else(|| bad("a Decimal field"))?;
                // A stored decimal is a decimal, like a fresh one (see `translate::is_decimal`).
                structure.push(is_decimal(&x)?);
                Val::Real(x)
            }
            Shape::Bool => Val::Bool(apply(self, Sort::bool())?.as_bool().ok_or_else(|| bad("a Bool field"))?),
            Shape::Str => Val::Str(apply(self, Sort::string())?.as_string().ok_or_else(|| bad("a String field"))?),
            Shape::Unit => Val::Unit,
            Shape::Void => return unsupported("a stored field of type Void"),
            Shape::Record(fields) => {
                let mut vals = Vec::with_capacity(fields.len());
                for (f, t) in &fields {
                    vals.push(self.uf_val(t, &format!("{name}.{f}"), m, key, structure)?);
                }
                Val::Record(vals)
            }
            Shape::Sum { variants, .. } => {
                let d = self.decl(&format!("{name}#tag"), &m.key_sorts, &Sort::int())?;
                let tag = d.apply(&args).as_int().ok_or_else(|| bad("a tag"))?;
                structure.push(tag.ge(Int::from_i64(0)));
                structure.push(tag.lt(Int::from_i64(variants.len() as i64)));
                let mut payloads = Vec::with_capacity(variants.len());
                for (v, fields) in &variants {
                    let mut vals = Vec::with_capacity(fields.len());
                    for (f, t) in fields {
                        vals.push(self.uf_val(t, &format!("{name}.{v}.{f}"), m, key, structure)?);
                    }
                    payloads.push(vals);
                }
                Val::Sum { tag, payloads }
            }
            Shape::Opaque(sort_name) => {
                let sort = self.sort(&sort_name);
                Val::Opaque(apply(self, sort)?)
            }
        })
    }

    /// The key of a record value of the entity.
    fn key_of(&mut self, m: &EntityModel, value: &Val) -> R<Vec<Dynamic>> {
        let Val::Record(vals) = value else { return unsupported("a stored value that is not a record") };
        let mut out = Vec::new();
        for k in &m.key {
            let Some(v) = vals.get(*k as usize) else { return unsupported("a key field") };
            leaves(v, &mut out);
        }
        Ok(out)
    }

    fn key_values(&mut self, key: &[Val]) -> Vec<Dynamic> {
        let mut out = Vec::new();
        key.iter().for_each(|v| leaves(v, &mut out));
        out
    }

    /// Whether `key` is present after the first `upto` writes of the path.
    fn present_at(&mut self, m: &EntityModel, entity: EntityId, key: &[Dynamic], upto: usize) -> R<Bool> {
        let mut p = self.pre_present(m, key)?;
        let writes: Vec<Write> = self.model()?.writes.iter().take(upto).cloned().collect();
        for w in writes.iter().filter(|w| w.touches_record(entity)) {
            let same = keys_equal(key, &w.key)?;
            p = same.ite(&Bool::from_bool(w.value.is_some()), &p);
        }
        Ok(p)
    }

    /// The record at `key` after the first `upto` writes (meaningful where it is present).
    fn record_at(&mut self, m: &EntityModel, entity: EntityId, key: &[Dynamic], upto: usize) -> R<Val> {
        let (mut r, structure) = self.pre_record(m, key)?;
        // Where the key is present before, the structure holds by the validity axiom; it is
        // added to the path's facts for the ground key (harmless where the key is absent).
        let before = self.pre_present(m, key)?;
        self.pending.push(before.implies(and(&structure)));
        let writes: Vec<Write> = self.model()?.writes.iter().take(upto).cloned().collect();
        for w in writes.iter().filter(|w| w.touches_record(entity)) {
            if let Some(v) = &w.value {
                let same = keys_equal(key, &w.key)?;
                r = ite(&same, v, &r)?;
            }
        }
        Ok(r)
    }

    fn writes_len(&mut self) -> R<usize> {
        Ok(self.model()?.writes.len())
    }

    /// `exists E[k]`, quantifiers, `count` and `fresh` at the current store.
    pub(crate) fn store_expr(&mut self, e: &Expr, frame: &Frame) -> R<Val> {
        let now = self.writes_len()?;
        match &e.kind {
            ExprKind::Exists { entity, key } => {
                let m = self.entity(*entity)?;
                let mut vals = Vec::with_capacity(key.len());
                for k in key {
                    vals.push(self.eval(k, frame)?);
                }
                let key = self.key_values(&vals);
                Ok(Val::Bool(self.present_at(&m, *entity, &key, now)?))
            }
            ExprKind::Quantified { forall, entity, local, body, .. } => {
                let m = self.entity(*entity)?;
                let n = self.next_bound()?;
                let bound: Vec<Dynamic> = m
                    .key_sorts
                    .iter()
                    .enumerate()
                    .map(|(i, s)| Dynamic::new_const(format!("{}!q{n}.{i}", m.name), s))
                    .collect();
                let present = self.pre_present(&m, &bound)?;
                let (record, structure) = self.pre_record(&m, &bound)?;
                let writes: Vec<Write> =
                    self.model()?.writes.iter().filter(|w| w.touches_record(*entity)).cloned().collect();
                let mut untouched = vec![present.clone()];
                untouched.extend(structure);
                for w in &writes {
                    untouched.push(keys_equal(&bound, &w.key)?.not());
                }
                let mut inner = frame.clone();
                inner.locals.insert(*local, record);
                self.bound_depth += 1;
                let b = self.eval_bool(body, &inner);
                self.bound_depth -= 1;
                let b = b?;
                let pattern = ZPattern::new(&[&present]);
                let q = if *forall {
                    z3::ast::forall_const(&as_asts(&bound), &[&pattern], &and(&untouched).implies(&b))
                } else {
                    let mut all = untouched;
                    all.push(b);
                    z3::ast::exists_const(&as_asts(&bound), &[&pattern], &and(&all))
                };
                let mut parts = vec![q];
                for w in &writes {
                    let p = self.present_at(&m, *entity, &w.key, now)?;
                    let r = self.record_at(&m, *entity, &w.key, now)?;
                    let mut inner = frame.clone();
                    inner.locals.insert(*local, r);
                    let b = self.eval_bool(body, &inner)?;
                    parts.push(if *forall { p.implies(&b) } else { and(&[p, b]) });
                }
                Ok(Val::Bool(if *forall { and(&parts) } else { crate::translate::or(&parts) }))
            }
            ExprKind::Count { entity, local, filter, .. } => self.count(*entity, *local, filter.as_deref(), frame, now),
            ExprKind::Fresh => self.fresh_key(e, frame),
            _ => unsupported("a store expression"),
        }
    }

    fn count(&mut self, entity: EntityId, local: LocalId, filter: Option<&Expr>, frame: &Frame, now: usize) -> R<Val> {
        let m = self.entity(entity)?;
        let truth = Expr { kind: ExprKind::Bool(true), ty: Ty::Bool, span: Default::default() };
        let filter = filter.unwrap_or(&truth);
        if filter.uses_store() {
            return unsupported("a count whose filter reads the store");
        }
        let mut inner_locals = BTreeSet::from([local]);
        pattern_locals(filter, &mut inner_locals);
        let mut holes = Vec::new();
        let abstracted = abstract_filter(filter, local, &inner_locals, &mut holes);
        let mut hole_vals = Vec::with_capacity(holes.len());
        for h in &holes {
            hole_vals.push(self.eval(h, frame)?);
        }
        // Counts share a function when their abstracted filters are the same expression: the
        // IR's structure (spans left out) and the holes' types, not a printed form.
        let mut text = format!("{entity:?} where {}", without_spans(&format!("{abstracted:?}")));
        for h in &holes {
            text.push_str(&format!("; {:?}", frame.ty(&h.ty)));
        }
        let args = {
            let mut out = Vec::new();
            hole_vals.iter().for_each(|v| leaves(v, &mut out));
            out
        };
        let filter_at = |tx: &mut Self, record: Val, holes: &[Val]| -> R<Bool> {
            let mut f = Frame { type_args: frame.type_args.clone(), ..Frame::default() };
            f.locals.insert(COUNT_LOCAL, record);
            for (i, v) in holes.iter().enumerate() {
                f.locals.insert(LocalId(HOLE_BASE + i as u32), v.clone());
            }
            tx.eval_bool(&abstracted, &f)
        };
        let existing = self.model()?.counts.get(&text).cloned();
        let decl = match existing {
            Some(d) => d,
            None => {
                let index = self.model()?.counts.len();
                let sorts: Vec<Sort> = args.iter().map(|a| a.get_sort()).collect();
                let d =
                    Rc::new(FuncDecl::new(format!("count#{index}"), &sorts.iter().collect::<Vec<_>>(), &Sort::int()));
                self.model()?.counts.insert(text.clone(), d.clone());
                // Never negative, and at least 1 when a present record satisfies the filter.
                let n = self.next_bound()?;
                let mut bound_args = Vec::new();
                let bound_holes: Vec<Val> =
                    hole_vals.iter().map(|v| rebind(v, &format!("count#{index}!h{n}"), &mut bound_args)).collect();
                let c = d.apply(&as_asts(&bound_args)).as_int().ok_or_else(|| bad("a count"))?;
                let nonneg = and(&[c.ge(Int::from_i64(0)), c.le(Int::from_i64(i64::MAX))]);
                let nonneg = if bound_args.is_empty() {
                    nonneg
                } else {
                    let p = ZPattern::new(&[&c]);
                    z3::ast::forall_const(&as_asts(&bound_args), &[&p], &nonneg)
                };
                self.model()?.axioms.push(nonneg);
                let bound_key: Vec<Dynamic> = m
                    .key_sorts
                    .iter()
                    .enumerate()
                    .map(|(i, s)| Dynamic::new_const(format!("count#{index}!k{n}.{i}"), s))
                    .collect();
                let present = self.pre_present(&m, &bound_key)?;
                let (record, structure) = self.pre_record(&m, &bound_key)?;
                self.bound_depth += 1;
                let sat = filter_at(self, record, &bound_holes);
                self.bound_depth -= 1;
                let mut hyp = vec![present.clone()];
                hyp.extend(structure);
                hyp.push(sat?);
                let mut all_bound = bound_args.clone();
                all_bound.extend(bound_key.iter().cloned());
                let p = ZPattern::new(&[&present as &dyn Ast, &c as &dyn Ast]);
                let at_least_one =
                    z3::ast::forall_const(&as_asts(&all_bound), &[&p], &and(&hyp).implies(c.ge(Int::from_i64(1))));
                self.model()?.axioms.push(at_least_one);
                // Conversely, a positive count has a witness: a present record that satisfies
                // the filter, at a key chosen by a function of the holes (a Skolem function).
                let arg_sorts: Vec<Sort> = bound_args.iter().map(|a| a.get_sort()).collect();
                let arg_sorts: Vec<&Sort> = arg_sorts.iter().collect();
                // And a count of 2 or more has two witnesses at different keys (so a filter
                // that pins the key counts at most 1).
                let mut witnesses = Vec::new();
                for w in ["w", "w2a", "w2b"] {
                    let key: Vec<Dynamic> = m
                        .key_sorts
                        .iter()
                        .enumerate()
                        .map(|(i, s)| {
                            FuncDecl::new(format!("count#{index}!{w}.{i}"), &arg_sorts, s).apply(&as_asts(&bound_args))
                        })
                        .collect();
                    let present = self.pre_present(&m, &key)?;
                    let (record, structure) = self.pre_record(&m, &key)?;
                    self.bound_depth += 1;
                    let sat = filter_at(self, record, &bound_holes);
                    self.bound_depth -= 1;
                    let mut holds = vec![present];
                    holds.extend(structure);
                    holds.push(sat?);
                    witnesses.push((key, and(&holds)));
                }
                let one = c.ge(Int::from_i64(1)).implies(&witnesses[0].1);
                let apart = keys_equal(&witnesses[1].0, &witnesses[2].0)?.not();
                let two = c.ge(Int::from_i64(2)).implies(and(&[witnesses[1].1.clone(), witnesses[2].1.clone(), apart]));
                for positive in [one, two] {
                    let axiom = if bound_args.is_empty() {
                        positive
                    } else {
                        let p = ZPattern::new(&[&c]);
                        z3::ast::forall_const(&as_asts(&bound_args), &[&p], &positive)
                    };
                    self.model()?.axioms.push(axiom);
                }
                d
            }
        };
        let mut total = decl.apply(&as_asts(&args)).as_int().ok_or_else(|| bad("a count"))?;
        let writes: Vec<(usize, Write)> = self
            .model()?
            .writes
            .iter()
            .take(now)
            .cloned()
            .enumerate()
            .filter(|(_, w)| w.touches_record(entity))
            .collect();
        let (one, zero) = (Int::from_i64(1), Int::from_i64(0));
        for (j, w) in writes {
            let before = self.present_at(&m, entity, &w.key, j)?;
            let old = self.record_at(&m, entity, &w.key, j)?;
            let old_in = and(&[before, filter_at(self, old, &hole_vals)?]);
            total = Int::sub(&[&total, &old_in.ite(&one, &zero)]);
            if let Some(v) = &w.value {
                let new_in = filter_at(self, v.clone(), &hole_vals)?;
                total = Int::add(&[&total, &new_in.ite(&one, &zero)]);
            }
        }
        Ok(Val::Int(total))
    }

    /// `fresh`: a new key of an Int or String type, valid, not drawn before on this path and
    /// no key of a stored instance of an entity the goal can see with a single scalar key
    /// field of its sort.
    fn fresh_key(&mut self, e: &Expr, frame: &Frame) -> R<Val> {
        if self.bound_depth > 0 {
            return unsupported("`fresh` under a quantifier");
        }
        let ty = frame.ty(&e.ty);
        let n = self.next_bound()?;
        let v = match self.shape(&ty)? {
            Shape::Int => {
                let i = Int::new_const(format!("fresh!{n}"));
                self.pending.push(in_i64(&i));
                Val::Int(i)
            }
            Shape::Str => Val::Str(ZString::new_const(format!("fresh!{n}"))),
            _ => return unsupported("`fresh` of a type that is not Int or String"),
        };
        let valid = self.assuming(|tx| tx.refines(&ty, &v))?;
        self.pending.push(valid);
        let drawn = self.model()?.drawn.clone();
        for d in &drawn {
            if let Ok(eq) = equal(d, &v) {
                self.pending.push(eq.not());
            }
        }
        let mut sort = Vec::new();
        leaves(&v, &mut sort);
        let now = self.writes_len()?;
        for (i, def) in self.spec.entities.iter().enumerate() {
            let entity = EntityId(i as u32);
            // `fresh` avoids the values of key fields, not the tags of enumerations.
            if def.key.len() != 1 || !self.model()?.reach.contains(&entity) {
                continue;
            }
            let m = match self.entity(entity) {
                Ok(m) => m,
                Err(_) => continue,
            };
            if m.key_fields != [KeyField::Scalar] || m.key_sorts[0] != sort[0].get_sort() {
                continue;
            }
            let p = self.present_at(&m, entity, &sort, now)?;
            self.pending.push(p.not());
        }
        self.model()?.drawn.push(v.clone());
        Ok(v)
    }
}

/// A `Debug` rendering with every `Span { start: .., end: .. }` removed.
fn without_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(i) = rest.find("Span { start: ") {
        out.push_str(&rest[..i]);
        match rest[i..].find('}') {
            Some(j) => rest = &rest[i + j + 1..],
            None => {
                rest = &rest[i..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `if c then a else b` for lifecycles.
fn ite_life(c: &Bool, a: &Life, b: &Life) -> R<Life> {
    let mut vars = Vec::with_capacity(a.vars.len());
    for (x, y) in a.vars.iter().zip(&b.vars) {
        vars.push(ite(c, x, y)?);
    }
    Ok(Life { state: c.ite(&a.state, &b.state), vars })
}

fn bad(what: &str) -> crate::translate::Unsupported {
    crate::translate::Unsupported(format!("unsupported: {what} of another sort"))
}

// ---------------------------------------------------------------- symbolic execution

#[derive(Clone)]
struct Path {
    cond: Vec<Bool>,
    writes: Vec<Write>,
    drawn: Vec<Val>,
    locals: BTreeMap<LocalId, Val>,
}

struct Exec<'t, 's> {
    tx: &'t mut Tx<'s>,
    params: BTreeMap<Binder, Val>,
    paths: usize,
    /// How many of the translation's facts were there before the body ran: those after are
    /// true only on the path whose evaluation made them (an external function's contract for
    /// the arguments it was called with, a made-up value's refinements), so they join that
    /// path's condition and never constrain another path.
    base: usize,
    /// How many calls of other operations the path being executed is inside.
    depth: usize,
    /// Whether faults are checked (`runs-without-fault`): then every evaluation's checks and
    /// every statement's conditions not to fault are collected in `obligations`, and the
    /// paths that raise an error are followed far enough to check their payloads.
    no_fault: bool,
    /// What must hold for the run not to fault: the path's condition where the obligation
    /// arose (the facts known there, never a later `require`), and the obligation.
    obligations: Vec<(Bool, Bool)>,
    /// The paths that raised an error, as they were when they raised (for `else` clauses on
    /// calls of other operations, whose payloads are evaluated on them).
    raised: Vec<Path>,
}

impl Exec<'_, '_> {
    fn frame(&self, p: &Path) -> Frame {
        Frame { scope: self.params.clone(), locals: p.locals.clone(), type_args: Vec::new() }
    }

    /// Evaluates `e` on the path, whose store the evaluation sees; the facts true on the path
    /// only join its condition.
    fn eval(&mut self, e: &Expr, p: &mut Path) -> R<Val> {
        self.enter(p)?;
        let frame = self.frame(p);
        let v = self.tx.eval(e, &frame);
        self.leave(p)?;
        v
    }

    fn enter(&mut self, p: &Path) -> R<()> {
        let m = self.tx.model()?;
        m.writes = p.writes.clone();
        m.drawn = p.drawn.clone();
        Ok(())
    }

    fn leave(&mut self, p: &mut Path) -> R<()> {
        self.drain(p);
        p.drawn = self.tx.model()?.drawn.clone();
        if let Some(checks) = self.tx.checks.as_mut() {
            let made = std::mem::take(checks);
            if !made.is_empty() {
                self.obligations.push((and(&p.cond), and(&made)));
            }
        }
        Ok(())
    }

    /// Records that `holds` must hold where the path is for the run not to fault.
    fn must(&mut self, p: &Path, holds: Bool) {
        if self.no_fault && holds.as_bool() != Some(true) {
            self.obligations.push((and(&p.cond), holds));
        }
    }

    /// Evaluates `e` in `frame` (not the body's) on the path.
    fn eval_in(&mut self, e: &Expr, frame: &Frame, p: &mut Path) -> R<Val> {
        self.enter(p)?;
        let v = self.tx.eval(e, frame);
        self.leave(p)?;
        v
    }

    /// That `v` is a valid `ty`, evaluated on the path (the interpreter checks it there, so
    /// its evaluation can fault too).
    fn valid(&mut self, ty: &Ty, v: &Val, p: &mut Path) -> R<Bool> {
        self.enter(p)?;
        let valid = self.tx.refines(ty, v);
        self.leave(p)?;
        valid
    }

    /// The path raises `r` where `cond` holds: when faults are checked, its payload is
    /// evaluated there and must be valid. The path is not followed further.
    fn raise(&mut self, r: &Raise, cond: Option<Bool>, p: &Path) -> R<()> {
        if !self.no_fault {
            return Ok(());
        }
        let mut q = p.clone();
        q.cond.extend(cond);
        let mut fields = Vec::with_capacity(r.fields.len());
        for f in &r.fields {
            fields.push(self.eval(&f.value, &mut q)?);
        }
        let payload = Val::Record(fields);
        let valid = self.valid(&Ty::ErrorType(r.error), &payload, &mut q)?;
        self.must(&q, valid);
        self.raised.push(q);
        Ok(())
    }

    /// Moves the facts made since the last drain into the path's condition.
    fn drain(&mut self, p: &mut Path) {
        let base = self.base.min(self.tx.facts.len());
        p.cond.extend(self.tx.facts.drain(base..));
        p.cond.append(&mut self.tx.pending);
    }

    fn fork(&mut self) -> R<()> {
        self.paths += 1;
        if self.paths > MAX_PATHS {
            return unsupported(format!("a body with more than {MAX_PATHS} paths"));
        }
        Ok(())
    }

    fn block(&mut self, b: &Block, p: Path) -> R<Vec<(Path, Val)>> {
        let mut live = vec![p];
        for s in &b.stmts {
            let mut next = Vec::new();
            for p in live {
                next.extend(self.stmt(&s.kind, p)?);
            }
            live = next;
        }
        let mut out = Vec::new();
        for p in live {
            match &b.result {
                Some(t) => out.extend(self.term(t, p)?),
                None => out.push((p, Val::Unit)),
            }
        }
        Ok(out)
    }

    fn stmt(&mut self, s: &StmtKind, mut p: Path) -> R<Vec<Path>> {
        match s {
            StmtKind::Let { local, value, .. } => Ok(self
                .term(value, p)?
                .into_iter()
                .map(|(mut p, v)| {
                    p.locals.insert(*local, v);
                    p
                })
                .collect()),
            StmtKind::Require { cond, otherwise } => {
                let c = self.bool(cond, &mut p)?;
                self.raise(otherwise, Some(c.not()), &p)?;
                p.cond.push(c);
                Ok(vec![p])
            }
            StmtKind::Put { entity, value } => {
                let v = self.eval(value, &mut p)?;
                self.write(*entity, v, None, &mut p)?;
                Ok(vec![p])
            }
            StmtKind::Delete { entity, key } => {
                let m = self.tx.entity(*entity)?;
                let mut vals = Vec::with_capacity(key.len());
                for k in key {
                    vals.push(self.eval(k, &mut p)?);
                }
                let key = self.tx.key_values(&vals);
                if key.len() != m.key_sorts.len() {
                    return unsupported("a key of the wrong length");
                }
                p.writes.push(Write { entity: *entity, key, value: None, life: None, fired: false });
                Ok(vec![p])
            }
            // A successful `fire` changes an instance's lifecycle, which no expression reads:
            // it is modelled only where faults are checked.
            StmtKind::Fire { entity, machine, target, event, otherwise } => {
                let v = self.eval(target, &mut p)?;
                if self.no_fault {
                    self.fire(*entity, *machine, &v, *event, otherwise.as_ref(), &mut p)?;
                }
                Ok(vec![p])
            }
            StmtKind::Term(t) => Ok(self.term(t, p)?.into_iter().map(|(p, _)| p).collect()),
        }
    }

    fn bool(&mut self, e: &Expr, p: &mut Path) -> R<Bool> {
        match self.eval(e, p)? {
            Val::Bool(b) => Ok(b),
            _ => unsupported("a condition that is not a Bool"),
        }
    }

    /// Stores a record (a `put`, or a `create` with its `else`): on a successful run its key
    /// was free for a `create`, and the record is valid (the interpreter checks both, and a
    /// new instance's initial lifecycle). A `put` of a stored key keeps its lifecycle.
    fn write(&mut self, entity: EntityId, v: Val, create: Option<Option<&Raise>>, p: &mut Path) -> R<()> {
        let m = self.tx.entity(entity)?;
        let key = self.tx.key_of(&m, &v)?;
        self.enter(p)?;
        let now = p.writes.len();
        let present = self.tx.present_at(&m, entity, &key, now);
        let old = match &m.life {
            Some(_) => self.tx.life_at(&m, entity, &key, now).map(Some),
            None => Ok(None),
        };
        self.leave(p)?;
        let (present, old) = (present?, old?);
        if let Some(otherwise) = create {
            match otherwise {
                Some(r) => self.raise(r, Some(present.clone()), p)?,
                None => self.must(p, present.not()),
            }
            p.cond.push(present.not());
        }
        let valid = self.valid(&m.ty, &v, p)?;
        self.must(p, valid.clone());
        p.cond.push(valid);
        let life = match (&m.life, old) {
            (Some(model), Some(old)) => {
                let initial = self.tx.initial_life(model.machine)?;
                self.enter(p)?;
                let ok = self.tx.machine_ok(model.machine, &initial);
                self.leave(p)?;
                let fresh = if create.is_some() { Bool::from_bool(true) } else { present.not() };
                self.must(p, fresh.implies(ok?));
                Some(if create.is_some() { initial } else { ite_life(&present, &old, &initial)? })
            }
            _ => None,
        };
        p.writes.push(Write { entity, key, value: Some(v), life, fired: false });
        Ok(())
    }

    /// `fire target.event [else raise]` where lifecycles are modelled: the instance is
    /// stored, and the first transition from its state on the event whose guard holds is
    /// taken (its actions all see the variables from before, and the variables it leaves
    /// must be inside their types and keep the machine's invariants); with none, an
    /// `ignore` rule for the state leaves it as it is, and otherwise the `fire` raises its
    /// `else` or faults.
    fn fire(
        &mut self,
        entity: EntityId,
        machine: MachineId,
        target: &Val,
        event: EventId,
        otherwise: Option<&Raise>,
        p: &mut Path,
    ) -> R<()> {
        let spec = self.tx.spec;
        let Some(def) = spec.machines.get(machine.index()) else { return unsupported("an unknown machine") };
        let m = self.tx.entity(entity)?;
        if m.life.as_ref().is_none_or(|l| l.machine != machine) {
            return unsupported("a `fire` on an entity without that lifecycle");
        }
        let key = self.tx.key_of(&m, target)?;
        self.enter(p)?;
        let now = p.writes.len();
        let present = self.tx.present_at(&m, entity, &key, now);
        let life = self.tx.life_at(&m, entity, &key, now);
        self.leave(p)?;
        let (present, life) = (present?, life?);
        match otherwise {
            Some(r) => self.raise(r, Some(present.not()), p)?,
            None => self.must(p, present.clone()),
        }
        p.cond.push(present);
        let at = |s: StateId| life.state.eq(Int::from_i64(s.index() as i64));
        let frame = Tx::machine_frame(&life.vars);
        // The transitions on the event, in order: each is taken when the instance is in its
        // source state, its guard holds and no earlier one was taken.
        let mut none_earlier: Vec<Bool> = Vec::new();
        let mut taken = Vec::new();
        for t in def.transitions.iter().filter(|t| t.event == event) {
            let from = at(t.from);
            let reached = and(&[and(&none_earlier), from.clone()]);
            let guard = match &t.guard {
                None => Bool::from_bool(true),
                Some(g) => {
                    self.enter(p)?;
                    let holds = self.tx.guarded(reached.clone(), |tx| tx.eval_bool(g, &frame));
                    self.leave(p)?;
                    holds?
                }
            };
            let enabled = and(&[from, guard]);
            taken.push((and(&[and(&none_earlier), enabled.clone()]), t));
            none_earlier.push(enabled.not());
        }
        let ignored: Vec<Bool> = def.ignored.iter().filter(|r| r.event == event).map(|r| at(r.state)).collect();
        let stuck = and(&[and(&none_earlier), crate::translate::or(&ignored).not()]);
        match otherwise {
            Some(r) => self.raise(r, Some(stuck.clone()), p)?,
            None => self.must(p, stuck.not()),
        }
        p.cond.push(stuck.not());
        // The lifecycle afterwards: each transition's, or as before (an ignored event).
        let mut after = life.clone();
        for (when, t) in taken.iter().rev() {
            let mut vars = life.vars.clone();
            for a in &t.actions {
                self.enter(p)?;
                let v = self.tx.guarded(when.clone(), |tx| tx.eval(&a.value, &frame));
                self.leave(p)?;
                match vars.get_mut(a.var.index()) {
                    Some(slot) => *slot = v?,
                    None => return unsupported("an unknown machine variable"),
                }
            }
            let moved = Life { state: Int::from_i64(t.to.index() as i64), vars };
            self.enter(p)?;
            let ok = self.tx.guarded(when.clone(), |tx| tx.machine_ok(machine, &moved));
            self.leave(p)?;
            self.must(p, when.implies(ok?));
            after = ite_life(when, &moved, &after)?;
        }
        p.writes.push(Write { entity, key, value: None, life: Some(after), fired: true });
        Ok(())
    }

    /// A call of another operation, executed in place on the same path: its writes join the
    /// path's, and an error it raises ends the path (with or without `else`, the run does not
    /// succeed). On a successful call its arguments were valid (a break is a fault) and its
    /// `ensures` held (the interpreter checks them after its body).
    fn call_op(
        &mut self,
        op: lp_ir::OpRef,
        args: &[Expr],
        otherwise: Option<&Raise>,
        mut p: Path,
    ) -> R<Vec<(Path, Val)>> {
        let spec = self.tx.spec;
        let Some(def) = spec.services.get(op.service.index()).and_then(|s| s.ops.get(op.op.index())) else {
            return unsupported("a call of an unknown operation");
        };
        let Some(body) = &def.body else { return unsupported("a call of an operation without a body") };
        if self.depth >= MAX_CALL_DEPTH {
            return unsupported(format!("calls of operations nested more than {MAX_CALL_DEPTH} deep"));
        }
        if args.len() != def.params.len() {
            return unsupported("a call with the wrong number of arguments");
        }
        let mut callee = BTreeMap::new();
        let mut vals = Vec::with_capacity(args.len());
        for arg in args {
            vals.push(self.eval(arg, &mut p)?);
        }
        // Arguments that break their parameters' refinements are a fault.
        for (i, (param, v)) in def.params.iter().zip(vals).enumerate() {
            let valid = self.valid(&param.ty, &v, &mut p)?;
            self.must(&p, valid.clone());
            p.cond.push(valid);
            callee.insert(Binder::Param(i as u32), v);
        }
        let caller_locals = std::mem::take(&mut p.locals);
        let caller_params = std::mem::replace(&mut self.params, callee.clone());
        let raised = self.raised.len();
        self.depth += 1;
        let done = self.block(body, p);
        self.depth -= 1;
        self.params = caller_params;
        let done = done?;
        // An error of the callee, with `else`, raises the caller's error instead (its payload
        // evaluated in the caller, on the store the callee left).
        if let Some(r) = otherwise {
            let from_callee: Vec<Path> = self.raised.drain(raised..).collect();
            for mut q in from_callee {
                q.locals = caller_locals.clone();
                self.raise(r, None, &q)?;
            }
        }
        let mut out = Vec::new();
        for (mut q, result) in done {
            // The result must be valid and the callee's `ensures` hold (the interpreter
            // checks both after the callee's body): then they are known.
            let valid = self.valid(&def.result, &result, &mut q)?;
            self.must(&q, valid.clone());
            q.cond.push(valid);
            self.enter(&q)?;
            let mut frame = Frame { scope: callee.clone(), ..Frame::default() };
            frame.scope.insert(Binder::Result, result.clone());
            for e in &def.ensures {
                let mark = self.tx.facts.len();
                match self.tx.eval_bool(e, &frame) {
                    Ok(holds) => {
                        self.leave(&mut q)?;
                        self.must(&q, holds.clone());
                        q.cond.push(holds);
                        self.enter(&q)?;
                    }
                    // An `ensures` the translation does not cover is not assumed; where faults
                    // are checked, nothing is known of it.
                    Err(e) if self.no_fault => return Err(e),
                    Err(_) => {
                        self.tx.facts.truncate(mark);
                        self.tx.pending.clear();
                    }
                }
            }
            self.leave(&mut q)?;
            q.locals = caller_locals.clone();
            out.push((q, result));
        }
        Ok(out)
    }

    /// Idempotence after a successful first run along `first` (answering `answer`): the same
    /// request run again on the store it left succeeds (some path of the second run is
    /// taken), and along every path it answers the same and leaves the same store (at every
    /// key it writes, the same presence and the same record as after the first run). A
    /// second run that faults also passes in the interpreter; requiring success is stronger.
    fn second_run(&mut self, body: &Block, first: &Path, answer: &Val) -> R<Bool> {
        let (n1, c1) = (first.writes.len(), first.cond.len());
        let start =
            Path { cond: first.cond.clone(), writes: first.writes.clone(), drawn: Vec::new(), locals: BTreeMap::new() };
        let second = self.block(body, start)?;
        let (mut some, mut each) = (Vec::new(), Vec::new());
        for (mut p, again) in second {
            self.enter(&p)?;
            let total = p.writes.len();
            let mut same = vec![equal(answer, &again)?];
            for w in p.writes[n1..].iter().cloned() {
                let m = self.tx.entity(w.entity)?;
                let now = self.tx.present_at(&m, w.entity, &w.key, total)?;
                let before = self.tx.present_at(&m, w.entity, &w.key, n1)?;
                let record_now = self.tx.record_at(&m, w.entity, &w.key, total)?;
                let record_before = self.tx.record_at(&m, w.entity, &w.key, n1)?;
                same.push(now.eq(&before));
                same.push(now.implies(equal(&record_now, &record_before)?));
            }
            self.leave(&mut p)?;
            let taken = and(&p.cond[c1.min(p.cond.len())..]);
            some.push(taken.clone());
            each.push(taken.implies(and(&same)));
        }
        each.push(crate::translate::or(&some));
        Ok(and(&each))
    }

    fn term(&mut self, t: &Term, mut p: Path) -> R<Vec<(Path, Val)>> {
        match &t.kind {
            TermKind::Expr(e) => {
                let v = self.eval(e, &mut p)?;
                Ok(vec![(p, v)])
            }
            TermKind::Lookup { entity, key, otherwise } => {
                let m = self.tx.entity(*entity)?;
                let mut vals = Vec::with_capacity(key.len());
                for k in key {
                    vals.push(self.eval(k, &mut p)?);
                }
                let key = self.tx.key_values(&vals);
                self.enter(&p)?;
                let now = p.writes.len();
                let present = self.tx.present_at(&m, *entity, &key, now)?;
                let record = self.tx.record_at(&m, *entity, &key, now)?;
                self.leave(&mut p)?;
                self.raise(otherwise, Some(present.not()), &p)?;
                p.cond.push(present);
                Ok(vec![(p, record)])
            }
            TermKind::Create { entity, value, otherwise } => {
                let v = self.eval(value, &mut p)?;
                // A taken key raises or faults: the successful run found it free.
                self.write(*entity, v.clone(), Some(otherwise.as_ref()), &mut p)?;
                Ok(vec![(p, v)])
            }
            TermKind::CallOp { op, args, otherwise } => self.call_op(*op, args, otherwise.as_ref(), p),
            TermKind::If { cond, then, otherwise } => {
                let c = self.bool(cond, &mut p)?;
                self.fork()?;
                let mut yes = p.clone();
                yes.cond.push(c.clone());
                p.cond.push(c.not());
                let mut out = self.block(then, yes)?;
                out.extend(self.term(otherwise, p)?);
                Ok(out)
            }
            TermKind::Match { scrutinee, arms } => {
                let v = self.eval(scrutinee, &mut p)?;
                let mut earlier = Vec::new();
                let mut out = Vec::new();
                for arm in arms {
                    self.fork()?;
                    let mut bound = BTreeMap::new();
                    let hit = self.tx.matches(&arm.pattern, &v, &mut bound)?;
                    self.drain(&mut p);
                    let mut q = p.clone();
                    q.cond.extend(earlier.iter().cloned());
                    q.cond.push(hit.clone());
                    q.locals.extend(bound);
                    out.extend(self.term(&arm.body, q)?);
                    earlier.push(hit.not());
                }
                // No arm matching is a fault (an undefined term).
                if !arms
                    .last()
                    .is_some_and(|a| matches!(a.pattern.kind, PatternKind::Wildcard | PatternKind::Bind { .. }))
                {
                    let none = and(&earlier);
                    self.must(&p, none.not());
                }
                Ok(out)
            }
            TermKind::Fail(r) => {
                self.raise(r, None, &p)?;
                Ok(Vec::new())
            }
            TermKind::Block(b) => self.block(b, p),
        }
    }
}

/// The translated run goal: the facts, and per successful path its condition and the claim.
pub struct BuiltRun {
    pub facts: Vec<Bool>,
    pub paths: Vec<(Bool, Bool)>,
}

/// What is known about a run goal before anything is handed to z3: the claims this module
/// does not prove, and idempotence of bodies with lifecycles, are `Err`.
fn precheck(spec: &Spec, goal: &RunGoal) -> R<Relevant> {
    if !PROVED_CLAIMS.contains(&goal.claim) {
        return unsupported(format!("the claim `{}` is not proved by z3", goal.claim.as_str()));
    }
    let relevant = Relevant::of(spec, goal.op);
    if goal.claim == RunClaim::Idempotent {
        // The interpreter compares whole stores, lifecycles included, which are not modelled.
        if relevant.fires {
            return unsupported("idempotence of a body that fires events (lifecycles are not modelled)");
        }
        if relevant.written.iter().any(|e| spec.entities.get(e.index()).is_none_or(|d| d.lifecycle.is_some())) {
            return unsupported("idempotence of a body that writes entities with a lifecycle");
        }
    }
    Ok(relevant)
}

/// Why z3 is not asked about a run goal at all, before a z3 context is made.
pub fn not_handled(spec: &Spec, goal: &RunGoal) -> Option<String> {
    precheck(spec, goal).err().map(|u| u.0)
}

/// Translates a run goal whose claim this module proves ([`PROVED_CLAIMS`]).
pub fn build(spec: &Spec, goal: &RunGoal) -> R<BuiltRun> {
    let relevant = precheck(spec, goal)?;
    let Some(op) = spec.services.get(goal.op.service.index()).and_then(|s| s.ops.get(goal.op.op.index())) else {
        return unsupported("an unknown operation");
    };
    let Some(body) = &op.body else { return unsupported("an operation without a body") };
    let mut tx = Tx::new(spec);
    tx.run_mode = true;
    let no_fault = goal.claim == RunClaim::NoFault;
    tx.store = Some(StoreModel { reach: relevant.reach.clone(), lifecycles: no_fault, ..StoreModel::default() });
    let mut params = BTreeMap::new();
    for (i, p) in op.params.iter().enumerate() {
        let v = tx.fresh(&p.ty, &p.name)?;
        let valid = tx.refines(&p.ty, &v)?;
        tx.facts.push(valid);
        params.insert(Binder::Param(i as u32), v);
    }
    // Every invariant holds before the run; those about entities the run cannot reach are
    // left out (fewer assumptions only make the proof harder).
    let empty = Frame::default();
    for (i, inv) in spec.invariants.iter().enumerate() {
        if relevant.assumed.contains(&i) {
            let holds = tx.eval_bool(&inv.expr, &empty)?;
            tx.facts.push(holds);
        }
    }
    tx.facts.append(&mut tx.pending);
    let base = tx.facts.len();
    if no_fault {
        tx.checks = Some(Vec::new());
    }
    let mut exec = Exec {
        tx: &mut tx,
        params: params.clone(),
        paths: 1,
        base,
        depth: 0,
        no_fault,
        obligations: Vec::new(),
        raised: Vec::new(),
    };
    let start = Path { cond: Vec::new(), writes: Vec::new(), drawn: Vec::new(), locals: BTreeMap::new() };
    let done = exec.block(body, start)?;
    if no_fault {
        // After the body, the result must be valid, and evaluating the operation's own
        // `ensures` must not fault (whether it holds is the `ensures` claim's business).
        for (mut p, result) in done {
            let valid = exec.valid(&op.result, &result, &mut p)?;
            exec.must(&p, valid.clone());
            p.cond.push(valid);
            let mut frame = Frame { scope: params.clone(), ..Frame::default() };
            frame.scope.insert(Binder::Result, result);
            for e in &op.ensures {
                exec.eval_in(e, &frame, &mut p)?;
            }
        }
        let obligations = std::mem::take(&mut exec.obligations);
        if tx.facts.len() != base || !tx.pending.is_empty() {
            return unsupported("facts of a path left unassigned (internal)");
        }
        let mut facts = std::mem::take(&mut tx.facts);
        facts.append(&mut tx.model()?.axioms);
        return Ok(BuiltRun { facts, paths: obligations });
    }
    // A first run that raises leaves the store as it was, so the second run repeats it, but
    // only when nothing in it can answer differently: an external function (or a function
    // value) may.
    if goal.claim == RunClaim::Idempotent && exec.tx.calls_out {
        return unsupported("idempotence of a body that calls external functions");
    }
    let mut paths = Vec::with_capacity(done.len());
    for (mut p, result) in done {
        exec.enter(&p)?;
        let claim = match goal.claim {
            RunClaim::InvariantsPreserved => {
                // An invariant that reads no entity the body writes has the same value after
                // the run as before, where it held.
                let mut all = Vec::new();
                for (i, inv) in spec.invariants.iter().enumerate() {
                    if relevant.claimed.contains(&i) {
                        all.push(exec.tx.eval_bool(&inv.expr, &empty)?);
                    }
                }
                and(&all)
            }
            RunClaim::Idempotent => exec.second_run(body, &p, &result)?,
            _ => {
                let mut frame = Frame { scope: params.clone(), ..Frame::default() };
                frame.scope.insert(Binder::Result, result);
                let mut all = Vec::new();
                for e in &op.ensures {
                    all.push(exec.tx.eval_bool(e, &frame)?);
                }
                and(&all)
            }
        };
        exec.leave(&mut p)?;
        paths.push((and(&p.cond), claim));
    }
    if tx.facts.len() != base || !tx.pending.is_empty() {
        return unsupported("facts of a path left unassigned (internal)");
    }
    let mut facts = std::mem::take(&mut tx.facts);
    facts.append(&mut tx.model()?.axioms);
    Ok(BuiltRun { facts, paths })
}

/// The invariants a run goal needs: those assumed before the run (every invariant about an
/// entity the operation touches, closed under sharing an entity) and those that can change
/// (every invariant about an entity the operation, or one it calls, writes).
struct Relevant {
    assumed: BTreeSet<usize>,
    claimed: BTreeSet<usize>,
    /// The entities the operation touches and those its assumed invariants mention.
    reach: BTreeSet<EntityId>,
    /// The entities the operation (or one it calls) writes.
    written: BTreeSet<EntityId>,
    /// Whether the operation (or one it calls) fires an event.
    fires: bool,
}

impl Relevant {
    fn of(spec: &Spec, op: lp_ir::OpRef) -> Relevant {
        let lp_ir::effects::Reach { reads: mut touched, written, fires } = lp_ir::effects::reach(spec, op);
        let mentions: Vec<BTreeSet<EntityId>> =
            spec.invariants.iter().map(|inv| lp_ir::effects::expr_entities(&inv.expr)).collect();
        let claimed =
            (0..mentions.len()).filter(|i| mentions[*i].iter().any(|e| written.contains(e))).collect::<BTreeSet<_>>();
        let mut assumed = BTreeSet::new();
        touched.extend(written.iter().copied());
        loop {
            let before = (touched.len(), assumed.len());
            for (i, m) in mentions.iter().enumerate() {
                if m.iter().any(|e| touched.contains(e)) {
                    assumed.insert(i);
                    touched.extend(m.iter().copied());
                }
            }
            if (touched.len(), assumed.len()) == before {
                break;
            }
        }
        Relevant { assumed, claimed, reach: touched, written, fires }
    }
}
