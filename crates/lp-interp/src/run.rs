//! Running operation bodies: statements, terms, `fire`, `fresh` keys and calls of other
//! operations, over a working copy of the store that replaces the caller's only when the
//! whole run succeeds.

use crate::env::{Env, ExternalFn};
use crate::outcome::{Fault, FaultKind, Outcome};
use crate::store::{Instance, Lifecycle, Store, initial_lifecycle, key_of};
use lp_diagnostics::{FileId, Span};
use lp_ir::body::{Block, Raise, Stmt, StmtKind, Term, TermKind};
use lp_ir::{EntityId, ErrorId, EventId, Expr, FnId, LocalId, MachineId, OpRef, Spec, Ty};
use lp_props::Value;
use lp_props::eval::{EvalError, Evaluator, Host, Scope, match_pattern};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

/// How deeply operations may call each other in one run. The service graph is acyclic, so a
/// well-formed spec never comes close; the bound guards against a malformed one.
pub const MAX_CALL_DEPTH: u32 = 64;

/// How many candidates one `fresh` draws before giving up with a
/// [`FaultKind::Unsupported`] fault.
pub const MAX_FRESH_CANDIDATES: u32 = 100_000;

/// Runs the body of operation `op` with `args` (one value per parameter, in order) over
/// `store`, as one transaction: on [`Outcome::Ok`] the store holds the body's writes; on
/// [`Outcome::Raised`] or [`Outcome::Fault`] it is exactly as before.
///
/// The arguments must have their parameters' types; breaking a parameter's refinement is a
/// [`FaultKind::BadArguments`] fault (a generated service refuses such a request before
/// running the body). After the body, the result is checked against the operation's result
/// type and its `ensures` clauses are evaluated over the new store.
pub fn run_op(spec: &Spec, op: OpRef, args: Vec<Value>, store: &mut Store, env: &mut Env) -> Outcome {
    run_op_drawing(spec, op, args, store, env).0
}

/// [`run_op`], also answering the keys `fresh` drew during the run, in the order of the
/// candidates' sequence. A differential test needs them: a generated service draws its fresh
/// keys at random, so the two sides' fresh keys are matched up rather than compared.
pub fn run_op_drawing(
    spec: &Spec,
    op: OpRef,
    args: Vec<Value>,
    store: &mut Store,
    env: &mut Env,
) -> (Outcome, Vec<Value>) {
    let Env { externals, regexes } = env;
    let mut run = Run {
        spec,
        ev: Evaluator::new(spec, regexes),
        store: store.clone(),
        externals: RefCell::new(externals),
        drawn: RefCell::new(BTreeSet::new()),
        pending: RefCell::new(None),
        depth: 0,
    };
    let span = spec
        .services
        .get(op.service.index())
        .and_then(|s| s.ops.get(op.op.index()))
        .map(|o| o.name_span)
        .unwrap_or_default();
    let file = spec.services.get(op.service.index()).map_or(FileId(0), |s| s.file);
    let outcome = match run.call(op, args, file, span) {
        Ok(v) => {
            *store = std::mem::take(&mut run.store);
            Outcome::Ok(v)
        }
        Err(Stop::Raised { error, payload }) => Outcome::Raised { error, payload },
        Err(Stop::Fault(f)) => f.into(),
    };
    let drawn = run.drawn.into_inner().into_iter().collect();
    (outcome, drawn)
}

/// Why a body stopped before its end.
pub(crate) enum Stop {
    Raised { error: ErrorId, payload: Value },
    Fault(Fault),
}

/// One activation of a body: the operation's arguments, the locals bound so far (by
/// [`LocalId`], numbered within the body) and the file the body is written in.
struct Activation {
    params: Vec<Value>,
    locals: Vec<Option<Value>>,
    file: FileId,
}

impl Activation {
    fn bind(&mut self, local: LocalId, v: Value) {
        let i = local.0 as usize;
        if self.locals.len() <= i {
            self.locals.resize(i + 1, None);
        }
        self.locals[i] = Some(v);
    }
}

/// The state of one run: the working store and what evaluations share.
struct Run<'a> {
    spec: &'a Spec,
    ev: Evaluator<'a>,
    store: Store,
    externals: RefCell<&'a mut BTreeMap<String, ExternalFn>>,
    /// The `fresh` keys drawn so far in this run, so that two draws never give the same key
    /// even before either is stored.
    drawn: RefCell<BTreeSet<Value>>,
    /// A fault raised inside an evaluation by the host (an external function, `fresh`),
    /// which the evaluator can only report as an [`EvalError`]; it takes precedence.
    pending: RefCell<Option<(FaultKind, String)>>,
    depth: u32,
}

/// Reads of the store and calls out, for `lp-props`' evaluator. `check_invariants` uses it
/// over a borrowed store.
pub(crate) struct View<'r, 'a> {
    pub(crate) spec: &'a Spec,
    pub(crate) ev: Evaluator<'a>,
    pub(crate) store: &'r Store,
    pub(crate) externals: Option<&'r RefCell<&'a mut BTreeMap<String, ExternalFn>>>,
    pub(crate) drawn: &'r RefCell<BTreeSet<Value>>,
    pub(crate) pending: &'r RefCell<Option<(FaultKind, String)>>,
}

impl View<'_, '_> {
    fn refuse(&self, kind: FaultKind, message: String) -> EvalError {
        self.pending.borrow_mut().get_or_insert((kind, message.clone()));
        EvalError::Unsupported(message)
    }

    fn contract_scope<'s>(&'s self, params: &'s [Value], result: Option<&'s Value>) -> Scope<'s> {
        Scope { params, result, host: Some(self), ..Scope::default() }
    }
}

impl Host for View<'_, '_> {
    fn exists(&self, entity: EntityId, key: &[Value]) -> Result<bool, EvalError> {
        Ok(self.store.contains(entity, key))
    }

    fn instances(&self, entity: EntityId) -> Result<Vec<Value>, EvalError> {
        Ok(self.store.instances(entity).map(|(_, i)| i.value.clone()).collect())
    }

    /// The first candidate of the type's sequence (`1, 2, 3, ...` for integers, `"f0000001",
    /// "f0000002", ...` for strings) that no stored instance of any entity uses as a key
    /// field, that this run has not drawn yet, and that satisfies the type's refinements.
    fn fresh(&self, ty: &Ty) -> Result<Value, EvalError> {
        let int = match self.spec.head(ty).as_ref() {
            Ty::Int => true,
            Ty::String => false,
            _ => return Err(self.refuse(FaultKind::Unsupported, "`fresh` of a type that is not Int or String".into())),
        };
        let used: BTreeSet<&Value> = self.store.keys().flat_map(|(_, k)| k.iter()).collect();
        for n in 1..=MAX_FRESH_CANDIDATES {
            let candidate = if int { Value::Int(i64::from(n)) } else { Value::Str(format!("f{n:07}")) };
            if used.contains(&candidate) || self.drawn.borrow().contains(&candidate) {
                continue;
            }
            if self.ev.validate(ty, &candidate, "fresh")?.is_none() {
                self.drawn.borrow_mut().insert(candidate.clone());
                return Ok(candidate);
            }
        }
        Err(self.refuse(
            FaultKind::Unsupported,
            format!("no fresh `{}` key within {MAX_FRESH_CANDIDATES} candidates", self.spec.display_ty(ty, &[])),
        ))
    }

    fn call_external(&self, func: FnId, args: &[Value]) -> Result<Value, EvalError> {
        let Some(def) = self.spec.fns.get(func.index()) else {
            return Err(self.refuse(FaultKind::Unsupported, "an unknown function".into()));
        };
        for (i, r) in def.requires.iter().enumerate() {
            if !self.ev.holds_scoped(r, &mut self.contract_scope(args, None))? {
                return Err(self.refuse(
                    FaultKind::ContractViolated,
                    format!("`requires` {} of `{}` does not hold for ({})", i + 1, def.name, list(args)),
                ));
            }
        }
        let result = {
            let Some(externals) = self.externals else {
                return Err(self.refuse(
                    FaultKind::ExternalFn,
                    format!("the external function `{}` is not available here", def.name),
                ));
            };
            let mut externals = externals.borrow_mut();
            let Some(imp) = externals.get_mut(&def.name) else {
                return Err(self.refuse(
                    FaultKind::ExternalFn,
                    format!("no implementation of the external function `{}` is registered", def.name),
                ));
            };
            imp(args).map_err(|m| self.refuse(FaultKind::ExternalFn, format!("`{}` failed: {m}", def.name)))?
        };
        if let Some(v) = self.ev.validate(&def.result, &result, "result")? {
            return Err(self.refuse(
                FaultKind::ContractViolated,
                format!("`{}` answered {result}, which breaks `{}` of {}: {}", def.name, v.rule, v.owner, v.path),
            ));
        }
        for (i, e) in def.ensures.iter().enumerate() {
            if !self.ev.holds_scoped(e, &mut self.contract_scope(args, Some(&result)))? {
                return Err(self.refuse(
                    FaultKind::ContractViolated,
                    format!("`ensures` {} of `{}` does not hold: ({}) -> {result}", i + 1, def.name, list(args)),
                ));
            }
        }
        Ok(result)
    }
}

fn list(vals: &[Value]) -> String {
    vals.iter().map(Value::to_string).collect::<Vec<_>>().join(", ")
}

impl<'a> Run<'a> {
    fn view(&self) -> View<'_, 'a> {
        View {
            spec: self.spec,
            ev: self.ev,
            store: &self.store,
            externals: Some(&self.externals),
            drawn: &self.drawn,
            pending: &self.pending,
        }
    }

    fn fault(&self, kind: FaultKind, file: FileId, span: Span, message: impl Into<String>) -> Stop {
        Stop::Fault(Fault { kind, file, span, message: message.into() })
    }

    /// Turns an evaluation error into a fault: the host's own fault when it raised one.
    fn eval_fault(&self, err: EvalError, file: FileId, span: Span) -> Stop {
        if let Some((kind, message)) = self.pending.borrow_mut().take() {
            return self.fault(kind, file, span, message);
        }
        match err {
            EvalError::Unsupported(m) => self.fault(FaultKind::Unsupported, file, span, m),
            EvalError::Runtime(m) => self.fault(FaultKind::Undefined, file, span, m),
        }
    }

    /// Evaluates a pure expression of the body.
    fn eval(&self, e: &Expr, act: &mut Activation) -> Result<Value, Stop> {
        let view = self.view();
        let mut scope = Scope {
            params: &act.params,
            locals: std::mem::take(&mut act.locals),
            host: Some(&view),
            ..Scope::default()
        };
        let out = self.ev.eval_scoped(e, &mut scope);
        act.locals = scope.locals;
        out.map_err(|err| self.eval_fault(err, act.file, e.span))
    }

    fn eval_all(&self, es: &[Expr], act: &mut Activation) -> Result<Vec<Value>, Stop> {
        es.iter().map(|e| self.eval(e, act)).collect()
    }

    fn cond(&self, e: &Expr, act: &mut Activation) -> Result<bool, Stop> {
        match self.eval(e, act)? {
            Value::Bool(b) => Ok(b),
            other => Err(self.fault(FaultKind::Undefined, act.file, e.span, format!("{other} is not a Bool"))),
        }
    }

    /// Evaluates the payload of an error and answers it.
    fn raise(&self, r: &Raise, act: &mut Activation) -> Stop {
        let mut fields = Vec::with_capacity(r.fields.len());
        for f in &r.fields {
            match self.eval(&f.value, act) {
                Ok(v) => fields.push((f.name.clone(), v)),
                Err(stop) => return stop,
            }
        }
        let payload = Value::Record(fields);
        if let Err(stop) = self.check_value(&Ty::ErrorType(r.error), &payload, "the payload", act.file, r.span) {
            return stop;
        }
        Stop::Raised { error: r.error, payload }
    }

    /// Checks every refinement of `ty` on `value`: a break is a
    /// [`FaultKind::RefinementViolated`] fault.
    fn check_value(&self, ty: &Ty, value: &Value, what: &str, file: FileId, span: Span) -> Result<(), Stop> {
        self.check_value_as(FaultKind::RefinementViolated, ty, value, what, file, span)
    }

    fn check_value_as(
        &self,
        kind: FaultKind,
        ty: &Ty,
        value: &Value,
        what: &str,
        file: FileId,
        span: Span,
    ) -> Result<(), Stop> {
        match self.ev.validate(ty, value, "self") {
            Ok(None) => Ok(()),
            Ok(Some(v)) => Err(self.fault(
                kind,
                file,
                span,
                format!("{what} {value} breaks `{}` of {} (at {})", v.rule, v.owner, v.path),
            )),
            Err(err) => Err(self.eval_fault(err, file, span)),
        }
    }

    // ------------------------------------------------------------ operations

    /// Runs an operation's body with its arguments: checks them, runs the body, checks the
    /// result and the `ensures` clauses. `file` and `span` locate the call.
    fn call(&mut self, op: OpRef, args: Vec<Value>, file: FileId, span: Span) -> Result<Value, Stop> {
        let spec = self.spec;
        let Some(service) = spec.services.get(op.service.index()) else {
            return Err(self.fault(FaultKind::Unsupported, file, span, "an unknown service"));
        };
        let Some(def) = service.ops.get(op.op.index()) else {
            return Err(self.fault(FaultKind::Unsupported, file, span, "an unknown operation"));
        };
        let name = format!("{}.{}", service.name, def.name);
        let Some(body) = &def.body else {
            return Err(self.fault(FaultKind::MissingBody, file, span, format!("`{name}` has no body")));
        };
        if self.depth >= MAX_CALL_DEPTH {
            return Err(self.fault(FaultKind::Unsupported, file, span, format!("calls of `{name}` nested too deeply")));
        }
        if args.len() != def.params.len() {
            return Err(self.fault(
                FaultKind::BadArguments,
                file,
                span,
                format!("`{name}` takes {} arguments, not {}", def.params.len(), args.len()),
            ));
        }
        for (p, a) in def.params.iter().zip(&args) {
            self.check_value_as(FaultKind::BadArguments, &p.ty, a, &format!("argument `{}`", p.name), file, span)?;
        }
        let mut act = Activation { params: args, locals: Vec::new(), file: service.file };
        self.depth += 1;
        let out = self.block(body, &mut act);
        self.depth -= 1;
        let result = out?;
        self.check_value(&def.result, &result, &format!("the result of `{name}`"), service.file, body.span)?;
        for e in &def.ensures {
            let view = self.view();
            let mut scope = Scope { params: &act.params, result: Some(&result), host: Some(&view), ..Scope::default() };
            match self.ev.holds_scoped(e, &mut scope) {
                Ok(true) => {}
                Ok(false) => {
                    return Err(self.fault(
                        FaultKind::ContractViolated,
                        service.file,
                        e.span,
                        format!("an `ensures` of `{name}` does not hold: the result is {result}"),
                    ));
                }
                Err(err) => return Err(self.eval_fault(err, service.file, e.span)),
            }
        }
        Ok(result)
    }

    // ------------------------------------------------------------ statements

    fn block(&mut self, b: &Block, act: &mut Activation) -> Result<Value, Stop> {
        for s in &b.stmts {
            self.stmt(s, act)?;
        }
        match &b.result {
            Some(t) => self.term(t, act),
            None => Ok(Value::Unit),
        }
    }

    fn stmt(&mut self, s: &Stmt, act: &mut Activation) -> Result<(), Stop> {
        match &s.kind {
            StmtKind::Let { local, value, .. } => {
                let v = self.term(value, act)?;
                act.bind(*local, v);
            }
            StmtKind::Require { cond, otherwise } => {
                if !self.cond(cond, act)? {
                    return Err(self.raise(otherwise, act));
                }
            }
            StmtKind::Put { entity, value } => {
                let v = self.eval(value, act)?;
                let key = self.key(*entity, &v, act.file, s.span)?;
                let lifecycle = match self.store.get(*entity, &key) {
                    Some(old) => old.lifecycle.clone(),
                    None => self.new_lifecycle(*entity, act.file, s.span)?,
                };
                self.store_checked(*entity, key, Instance { value: v, lifecycle }, act.file, s.span)?;
            }
            StmtKind::Delete { entity, key } => {
                let key = self.eval_all(key, act)?;
                self.store.remove(*entity, &key);
            }
            StmtKind::Fire { entity, machine, target, event, otherwise } => {
                let v = self.eval(target, act)?;
                self.fire(*entity, *machine, &v, *event, otherwise.as_ref(), act, s.span)?;
            }
            StmtKind::Term(t) => {
                self.term(t, act)?;
            }
        }
        Ok(())
    }

    fn key(&self, entity: EntityId, value: &Value, file: FileId, span: Span) -> Result<Vec<Value>, Stop> {
        key_of(self.spec, entity, value).map_err(|m| self.fault(FaultKind::Undefined, file, span, m))
    }

    fn entity_name(&self, entity: EntityId) -> &'a str {
        self.spec.entities.get(entity.index()).map_or("?", |e| e.name.as_str())
    }

    fn new_lifecycle(&self, entity: EntityId, file: FileId, span: Span) -> Result<Option<Lifecycle>, Stop> {
        initial_lifecycle(self.spec, entity).map_err(|m| self.fault(FaultKind::Unsupported, file, span, m))
    }

    /// Checks an instance's record and machine variables, then stores it.
    fn store_checked(
        &mut self,
        entity: EntityId,
        key: Vec<Value>,
        instance: Instance,
        file: FileId,
        span: Span,
    ) -> Result<(), Stop> {
        let Some(def) = self.spec.entities.get(entity.index()) else {
            return Err(self.fault(FaultKind::Unsupported, file, span, "an unknown entity"));
        };
        let ty = Ty::Named { id: def.ty, args: Vec::new() };
        self.check_value(&ty, &instance.value, &format!("the `{}`", def.name), file, span)?;
        if let (Some(m), Some(life)) = (def.lifecycle, &instance.lifecycle) {
            self.check_machine(m, life, file, span)?;
        }
        self.store.insert(entity, key, instance);
        Ok(())
    }

    /// Checks that machine variables stay inside their types and the machine's invariants
    /// hold.
    fn check_machine(&self, m: MachineId, life: &Lifecycle, file: FileId, span: Span) -> Result<(), Stop> {
        let Some(machine) = self.spec.machines.get(m.index()) else { return Ok(()) };
        for (var, v) in machine.vars.iter().zip(&life.vars) {
            self.check_value(&var.ty, v, &format!("`{}.{}` =", machine.name, var.name), file, span)?;
        }
        for inv in &machine.invariants {
            let view = self.view();
            let mut scope = Scope { vars: &life.vars, host: Some(&view), ..Scope::default() };
            match self.ev.holds_scoped(inv, &mut scope) {
                Ok(true) => {}
                Ok(false) => {
                    let state = machine.states.get(life.state.index()).map_or("?", |s| s.name.as_str());
                    return Err(self.fault(
                        FaultKind::RefinementViolated,
                        file,
                        span,
                        format!("an invariant of machine `{}` does not hold in state `{state}`", machine.name),
                    ));
                }
                Err(err) => return Err(self.eval_fault(err, file, span)),
            }
        }
        Ok(())
    }

    /// `fire target.event [else raise]`.
    #[allow(clippy::too_many_arguments)]
    fn fire(
        &mut self,
        entity: EntityId,
        m: MachineId,
        target: &Value,
        event: EventId,
        otherwise: Option<&Raise>,
        act: &mut Activation,
        span: Span,
    ) -> Result<(), Stop> {
        let spec = self.spec;
        let file = act.file;
        let Some(machine) = spec.machines.get(m.index()) else {
            return Err(self.fault(FaultKind::Unsupported, file, span, "an unknown machine"));
        };
        let event_name = machine.events.get(event.index()).map_or("?", |e| e.name.as_str());
        let key = self.key(entity, target, file, span)?;
        let Some(instance) = self.store.get(entity, &key) else {
            return Err(match otherwise {
                Some(r) => self.raise(r, act),
                None => self.fault(
                    FaultKind::NotStored,
                    file,
                    span,
                    format!(
                        "`{event_name}` fired on {}[{}], which is not stored",
                        self.entity_name(entity),
                        list(&key)
                    ),
                ),
            });
        };
        let Some(life) = instance.lifecycle.clone() else {
            return Err(self.fault(
                FaultKind::Unsupported,
                file,
                span,
                format!("{}[{}] has no lifecycle state", self.entity_name(entity), list(&key)),
            ));
        };
        // The first transition in declaration order from the current state on this event
        // whose guard holds over the instance's variables.
        let mut taken = None;
        for t in machine.transitions.iter().filter(|t| t.from == life.state && t.event == event) {
            let enabled = match &t.guard {
                None => true,
                Some(g) => {
                    let view = self.view();
                    let mut scope = Scope { vars: &life.vars, host: Some(&view), ..Scope::default() };
                    self.ev.holds_scoped(g, &mut scope).map_err(|err| self.eval_fault(err, file, g.span))?
                }
            };
            if enabled {
                taken = Some(t);
                break;
            }
        }
        let Some(t) = taken else {
            if machine.ignored.iter().any(|r| r.state == life.state && r.event == event) {
                return Ok(());
            }
            return Err(match otherwise {
                Some(r) => self.raise(r, act),
                None => {
                    let state = machine.states.get(life.state.index()).map_or("?", |s| s.name.as_str());
                    self.fault(
                        FaultKind::EventNotEnabled,
                        file,
                        span,
                        format!(
                            "`{event_name}` is not enabled in state `{state}` of `{}` for {}[{}]",
                            machine.name,
                            self.entity_name(entity),
                            list(&key)
                        ),
                    )
                }
            });
        };
        // Actions are simultaneous: every right-hand side sees the variables from before.
        let mut vars = life.vars.clone();
        for a in &t.actions {
            let view = self.view();
            let mut scope = Scope { vars: &life.vars, host: Some(&view), ..Scope::default() };
            let v = self.ev.eval_scoped(&a.value, &mut scope).map_err(|err| self.eval_fault(err, file, a.span))?;
            match vars.get_mut(a.var.index()) {
                Some(slot) => *slot = v,
                None => return Err(self.fault(FaultKind::Unsupported, file, a.span, "an unknown machine variable")),
            }
        }
        let life = Lifecycle { state: t.to, vars };
        self.check_machine(m, &life, file, span)?;
        let value = instance.value.clone();
        self.store.insert(entity, key, Instance { value, lifecycle: Some(life) });
        Ok(())
    }

    // ------------------------------------------------------------ terms

    fn term(&mut self, t: &Term, act: &mut Activation) -> Result<Value, Stop> {
        match &t.kind {
            TermKind::Expr(e) => self.eval(e, act),
            TermKind::Lookup { entity, key, otherwise } => {
                let key = self.eval_all(key, act)?;
                match self.store.get(*entity, &key) {
                    Some(i) => Ok(i.value.clone()),
                    None => Err(self.raise(otherwise, act)),
                }
            }
            TermKind::Create { entity, value, otherwise } => {
                let v = self.eval(value, act)?;
                let key = self.key(*entity, &v, act.file, t.span)?;
                if self.store.contains(*entity, &key) {
                    return Err(match otherwise {
                        Some(r) => self.raise(r, act),
                        None => self.fault(
                            FaultKind::KeyTaken,
                            act.file,
                            t.span,
                            format!("{}[{}] is already stored", self.entity_name(*entity), list(&key)),
                        ),
                    });
                }
                let lifecycle = self.new_lifecycle(*entity, act.file, t.span)?;
                self.store_checked(*entity, key, Instance { value: v.clone(), lifecycle }, act.file, t.span)?;
                Ok(v)
            }
            TermKind::CallOp { op, args, otherwise } => {
                let args = self.eval_all(args, act)?;
                // `else` replaces every error of the callee; faults are not errors and pass.
                match (self.call(*op, args, act.file, t.span), otherwise) {
                    (Err(Stop::Raised { .. }), Some(r)) => Err(self.raise(r, act)),
                    (other, _) => other,
                }
            }
            TermKind::If { cond, then, otherwise } => {
                if self.cond(cond, act)? {
                    self.block(then, act)
                } else {
                    self.term(otherwise, act)
                }
            }
            TermKind::Match { scrutinee, arms } => {
                let v = self.eval(scrutinee, act)?;
                for arm in arms {
                    let saved = act.locals.clone();
                    if match_pattern(&arm.pattern, &v, &mut act.locals) {
                        return self.term(&arm.body, act);
                    }
                    act.locals = saved;
                }
                Err(self.fault(FaultKind::Undefined, act.file, t.span, format!("no arm matches {v}")))
            }
            TermKind::Fail(r) => Err(self.raise(r, act)),
            TermKind::Block(b) => self.block(b, act),
        }
    }
}
