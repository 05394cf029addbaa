//! Lowering of services: dependencies, operations (parameters, results, errors, HTTP
//! routes, `fires`) and flows.

use super::Lowerer;
use super::hash::Map;
use super::types::TyCx;
use crate::spec::{
    Callable, DefId, Dependency, Fires, Flow, FlowStep, HttpRoute, Op, OpError, OpId, OpRef, ParamDef, PathSeg,
    ServiceId,
};
use lp_diagnostics::{Diagnostic, FileId, Span, codes};
use lp_syntax::ast::{self, ServiceMemberKind};

/// Where each route (`METHOD /a/{}`) was first bound: file, span of `METHOD PATH`, and the
/// operation.
pub(super) type Routes = Map<String, (FileId, Span, ServiceId, OpId)>;

impl<'a> Lowerer<'a> {
    pub(super) fn lower_service_structure(&mut self, id: ServiceId) {
        let s = id.index();
        let decl = self.service_asts[s].decl;
        self.file = self.spec.services[s].file;
        let mut members: Map<&'a str, Span> = Map::default();
        let mut deps: Map<ServiceId, Span> = Map::default();
        for member in &decl.members {
            match &member.kind {
                ServiceMemberKind::Depends(names) => {
                    for n in names {
                        let Some(dep) = self.resolve_service(n) else { continue };
                        if let Some(&first) = deps.get(&dep) {
                            self.diags.push(
                                Diagnostic::new(
                                    codes::DUPLICATE_MEMBER,
                                    format!("`{}` is listed as a dependency more than once", n.text),
                                )
                                .at(self.file, n.span, "listed again here")
                                .with_secondary(self.file, first, "first listed here"),
                            );
                            continue;
                        }
                        deps.insert(dep, n.span);
                        self.spec.services[s].depends.push(Dependency { service: dep, span: n.span });
                    }
                }
                ServiceMemberKind::Op(op) => {
                    self.member_name(&mut members, &op.name, "operation");
                    let lowered = self.lower_op_signature(op, member);
                    let op_id = OpId(self.spec.services[s].ops.len() as u32);
                    self.spec.services[s].ops.push(lowered);
                    let ast = &mut self.service_asts[s];
                    ast.ops.push(op);
                    ast.op_names.entry(op.name.text.as_str()).or_insert(op_id);
                    self.ops_by_name.entry(op.name.text.as_str()).or_default().push(OpRef { service: id, op: op_id });
                }
                ServiceMemberKind::Flow(flow) => {
                    self.member_name(&mut members, &flow.name, "flow");
                    self.spec.services[s].flows.push(Flow {
                        name: flow.name.text.clone(),
                        span: member.span,
                        name_span: flow.name.span,
                        docs: member.docs.clone(),
                        steps: Vec::new(),
                    });
                    self.service_asts[s].flows.push(flow);
                }
                ServiceMemberKind::Invalid => {}
            }
        }
    }

    /// Reports an operation or flow whose name is already used in its service.
    fn member_name(&mut self, members: &mut Map<&'a str, Span>, name: &'a ast::Name, what: &str) {
        if let Some(&first) = members.get(name.text.as_str()) {
            self.duplicate_member(what, name, first);
        } else {
            members.insert(&name.text, name.span);
        }
    }

    /// Resolves a name that must be a service.
    pub(super) fn resolve_service(&mut self, name: &'a ast::Name) -> Option<ServiceId> {
        match self.globals.get(name.text.as_str()).copied() {
            Some(DefId::Service(id)) => Some(id),
            Some(other) => {
                let what = self.describe(other);
                self.kind_mismatch(name.span, format!("expected a service, found {what}"), "not a service");
                None
            }
            None => {
                let candidates = self.global_names(|d| matches!(d, DefId::Service(_)));
                let message = format!("unknown service `{}`", name.text);
                self.unknown(codes::UNKNOWN_SERVICE, name, message, "service", candidates);
                None
            }
        }
    }

    fn lower_op_signature(&mut self, op: &'a ast::Operation, member: &'a ast::ServiceMember) -> Op {
        self.report_duplicates(&op.params, |p| &p.name, "parameter");
        let mut params = Vec::with_capacity(op.params.len());
        for p in &op.params {
            let ty = self.lower_ty(&p.ty, TyCx::PLAIN);
            params.push(ParamDef { name: p.name.text.clone(), span: p.span, name_span: p.name.span, ty, body: p.body });
        }
        let result = self.lower_ty(&op.result, TyCx { decl: None, allow_machine: true });
        let mut errors: Vec<OpError> = Vec::with_capacity(op.errors.len());
        for e in &op.errors {
            match self.globals.get(e.text.as_str()).copied() {
                Some(DefId::Error(error)) => {
                    if let Some(first) = errors.iter().find(|x| x.error == error) {
                        let first = first.span;
                        self.duplicate_member("error type", e, first);
                    } else {
                        errors.push(OpError { error, span: e.span });
                    }
                }
                Some(other) => {
                    let what = self.describe(other);
                    self.diags.push(
                        Diagnostic::new(codes::UNKNOWN_ERROR_TYPE, format!("`{}` is not an error type", e.text))
                            .at(self.file, e.span, "not declared with `error`")
                            .with_note(format!("it is the {what}"))
                            .with_help(format!("declare it as `error {} = STATUS {{ ... }}`", e.text)),
                    );
                }
                None => {
                    let candidates = self.global_names(|d| matches!(d, DefId::Error(_)));
                    let message = format!("unknown error type `{}`", e.text);
                    self.unknown(codes::UNKNOWN_ERROR_TYPE, e, message, "error type", candidates);
                }
            }
        }
        Op {
            name: op.name.text.clone(),
            span: member.span,
            name_span: op.name.span,
            docs: member.docs.clone(),
            params,
            result,
            result_span: op.result.span(),
            errors,
            http: None,
            fires: None,
            ensures: Vec::new(),
            body: None,
        }
    }

    pub(super) fn lower_service_refs(&mut self, id: ServiceId, routes: &mut Routes) {
        let s = id.index();
        self.file = self.spec.services[s].file;
        let ops = self.service_asts[s].ops.clone();
        for (o, op) in ops.into_iter().enumerate() {
            if let Some(http) = &op.http {
                let route = self.lower_route(id, o, op, http);
                self.check_route(id, o, http, routes);
                self.spec.services[s].ops[o].http = route;
            }
            if let Some((machine, event)) = &op.fires {
                self.spec.services[s].ops[o].fires = self.lower_fires(machine, event);
            }
            self.lower_op_behaviour(id, o, op);
        }
        let flows = self.service_asts[s].flows.clone();
        for (f, flow) in flows.into_iter().enumerate() {
            let steps = flow.steps.iter().filter_map(|step| self.lower_flow_step(id, step)).collect();
            self.spec.services[s].flows[f].steps = steps;
        }
    }

    /// Resolves the path parameters of a route; `None` when one cannot be resolved.
    fn lower_route(
        &mut self,
        id: ServiceId,
        o: usize,
        op: &'a ast::Operation,
        http: &'a ast::HttpBinding,
    ) -> Option<HttpRoute> {
        let mut segments = Vec::with_capacity(http.path.segments.len());
        let mut ok = true;
        for segment in &http.path.segments {
            match segment {
                ast::PathSegment::Literal(text) => segments.push(PathSeg::Literal(text.clone())),
                ast::PathSegment::Param { path, suffix, span } => match self.lower_path_param(id, o, op, path) {
                    Some((param, fields)) => segments.push(PathSeg::Param {
                        param,
                        fields,
                        names: path.iter().map(|n| n.text.clone()).collect(),
                        suffix: suffix.clone(),
                        span: *span,
                    }),
                    None => ok = false,
                },
            }
        }
        ok.then(|| HttpRoute { method: http.method, segments, span: http.method_span.to(http.path.span) })
    }

    fn lower_path_param(
        &mut self,
        id: ServiceId,
        o: usize,
        op: &'a ast::Operation,
        path: &'a [ast::Name],
    ) -> Option<(u32, Vec<u32>)> {
        let (first, rest) = path.split_first()?;
        let Some(index) = op.params.iter().position(|p| p.name.text == first.text) else {
            let message = format!("`{}` is not a parameter of `{}`", first.text, op.name.text);
            let candidates: Vec<&str> = op.params.iter().map(|p| p.name.text.as_str()).collect();
            self.unknown(codes::UNBOUND_PATH_PARAMETER, first, message, "parameter", candidates);
            return None;
        };
        if rest.is_empty() {
            return Some((index as u32, Vec::new()));
        }
        if !op.params[index].body {
            self.diags.push(
                Diagnostic::new(
                    codes::UNBOUND_PATH_PARAMETER,
                    format!("`{}` is not a body parameter, so its fields cannot be bound in the path", first.text),
                )
                .at(self.file, first.span, "not a body parameter")
                .with_help(format!(
                    "mark it `body {}`, or bind the whole parameter as `{{{}}}`",
                    first.text, first.text
                )),
            );
            return None;
        }
        let mut ty = self.spec.services[id.index()].ops[o].params[index].ty.clone();
        let mut fields = Vec::with_capacity(rest.len());
        for name in rest {
            if self.spec.expand_alias(&ty).is_error() {
                return None;
            }
            let shown = self.spec.display_ty(&ty, &[]);
            let found = self.spec.record_fields(&ty).map(|(fs, args)| {
                let i = fs.iter().position(|f| f.name == name.text);
                (i.map(|i| (i, fs[i].ty.subst(&args))), fs.iter().map(|f| f.name.clone()).collect::<Vec<_>>())
            });
            match found {
                Some((Some((i, field_ty)), _)) => {
                    fields.push(i as u32);
                    ty = field_ty;
                }
                Some((None, names)) => {
                    let message = format!("`{shown}` has no field `{}` to bind in the path", name.text);
                    self.unknown(
                        codes::UNBOUND_PATH_PARAMETER,
                        name,
                        message,
                        "field",
                        names.iter().map(String::as_str),
                    );
                    return None;
                }
                None => {
                    self.diags.push(
                        Diagnostic::new(
                            codes::UNBOUND_PATH_PARAMETER,
                            format!("`{shown}` has no field `{}` to bind in the path", name.text),
                        )
                        .at(self.file, name.span, "not found")
                        .with_note("only records have fields"),
                    );
                    return None;
                }
            }
        }
        Some((index as u32, fields))
    }

    /// Reports a second operation bound to the same method and path shape (parameter names
    /// do not matter: `/a/{x}` and `/a/{y}` are the same route).
    fn check_route(&mut self, id: ServiceId, o: usize, http: &'a ast::HttpBinding, routes: &mut Routes) {
        let mut key = String::with_capacity(http.path.span.len() as usize + 8);
        key.push_str(http.method.as_str());
        key.push(' ');
        for segment in &http.path.segments {
            key.push('/');
            match segment {
                ast::PathSegment::Literal(text) => key.push_str(text),
                ast::PathSegment::Param { suffix, .. } => {
                    key.push_str("{}");
                    key.push_str(suffix);
                }
            }
        }
        if http.path.segments.is_empty() {
            key.push('/');
        }
        let span = http.method_span.to(http.path.span);
        let Some(&(file, first, service, op)) = routes.get(&key) else {
            routes.insert(key, (self.file, span, id, OpId(o as u32)));
            return;
        };
        let mut shown = format!("{} ", http.method.as_str());
        for segment in &http.path.segments {
            shown.push('/');
            match segment {
                ast::PathSegment::Literal(text) => shown.push_str(text),
                ast::PathSegment::Param { path, suffix, .. } => {
                    let names: Vec<&str> = path.iter().map(|n| n.text.as_str()).collect();
                    shown.push('{');
                    shown.push_str(&names.join("."));
                    shown.push('}');
                    shown.push_str(suffix);
                }
            }
        }
        if http.path.segments.is_empty() {
            shown.push('/');
        }
        let by = &self.spec.services[service.index()];
        let by = format!("{}.{}", by.name, by.ops[op.index()].name);
        self.diags.push(
            Diagnostic::new(codes::DUPLICATE_ROUTE, format!("route `{shown}` is already bound by `{by}`"))
                .at(self.file, span, "bound again here")
                .with_secondary(file, first, "first bound here")
                .with_help("give one of the operations another method or path"),
        );
    }

    fn lower_fires(&mut self, machine: &'a ast::Name, event: &'a ast::Name) -> Option<Fires> {
        let id = match self.globals.get(machine.text.as_str()).copied() {
            Some(DefId::Machine(id)) => id,
            Some(other) => {
                let what = self.describe(other);
                self.kind_mismatch(machine.span, format!("expected a machine, found {what}"), "not a machine");
                return None;
            }
            None => {
                let candidates = self.global_names(|d| matches!(d, DefId::Machine(_)));
                let message = format!("unknown machine `{}`", machine.text);
                self.unknown(codes::UNKNOWN_MACHINE, machine, message, "machine", candidates);
                return None;
            }
        };
        let def = &self.spec.machines[id.index()];
        match def.events.iter().position(|e| e.name == event.text) {
            Some(e) => {
                Some(Fires { machine: id, event: crate::spec::EventId(e as u32), span: machine.span.to(event.span) })
            }
            None => {
                let names: Vec<String> = def.events.iter().map(|e| e.name.clone()).collect();
                let message = format!("machine `{}` has no event `{}`", def.name, event.text);
                self.unknown(codes::UNKNOWN_EVENT, event, message, "event", names.iter().map(String::as_str));
                None
            }
        }
    }

    /// Resolves a flow step: an operation of the same service, a function, or the one
    /// operation of that name in another service.
    fn lower_flow_step(&mut self, id: ServiceId, step: &'a ast::Name) -> Option<FlowStep> {
        let text = step.text.as_str();
        let span = step.span;
        if let Some(&op) = self.service_asts[id.index()].op_names.get(text) {
            return Some(FlowStep { target: Callable::Op(OpRef { service: id, op }), span });
        }
        match self.globals.get(text).copied() {
            Some(DefId::Fn(f)) => return Some(FlowStep { target: Callable::Fn(f), span }),
            Some(other) => {
                let what = self.describe(other);
                self.kind_mismatch(span, format!("expected a function or an operation, found {what}"), "not callable");
                return None;
            }
            None => {}
        }
        match self.ops_by_name.get(text).map(Vec::as_slice) {
            Some([op]) => Some(FlowStep { target: Callable::Op(*op), span }),
            Some(many) if !many.is_empty() => {
                let names: Vec<String> =
                    many.iter().map(|r| format!("`{}`", self.spec.services[r.service.index()].name)).collect();
                let mut diag = Diagnostic::new(
                    codes::AMBIGUOUS_NAME,
                    format!("`{text}` is an operation of several services: {}", names.join(", ")),
                )
                .at(self.file, span, "ambiguous")
                .with_help("rename the operations, or wrap the one meant in a function");
                for r in many {
                    let service = &self.spec.services[r.service.index()];
                    let op = &service.ops[r.op.index()];
                    diag = diag.with_secondary(service.file, op.name_span, "an operation with this name");
                }
                self.diags.push(diag);
                None
            }
            _ => {
                let mut candidates = self.global_names(|d| matches!(d, DefId::Fn(_)));
                candidates.extend(self.ops_by_name.keys().copied());
                let message = format!("unknown function or operation `{text}`");
                self.unknown(codes::UNKNOWN_FUNCTION, step, message, "function", candidates);
                None
            }
        }
    }
}
