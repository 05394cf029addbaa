//! Item productions: `type_decl`, `error_decl`, `fn_decl` (`param`, `contract`),
//! `machine_decl` (`machine_member`, `transition`, `assignment`), `service_decl`
//! (`service_member`, `depends`, `operation`, `op_param`, `http_binding`, `flow`),
//! `standards_decl`, `deploy_decl` (`settings`, `setting`, `setting_value`, `named_value`),
//! `migrate_decl` (`migration_rule`) and `allow_decl`.

use super::{PResult, Parser, raw, suggest};
use crate::ast::{
    AllowDecl, Assignment, Contract, ContractKind, DeployDecl, ErrorDecl, Flow, FnDecl, HttpBinding, HttpMethod,
    HttpPath, IntLit, MachineDecl, MachineMember, MachineMemberKind, MigrateDecl, MigrationRule, Name, OpParam,
    Operation, Param, PathSegment, ServiceDecl, ServiceMember, ServiceMemberKind, Setting, SettingValue,
    SettingValueKind, Settings, Transition, TypeDecl,
};
use crate::lexer::Tok;
use lp_diagnostics::{Diagnostic, Span, codes};
use nom::Offset;

const MACHINE_KEYWORDS: &[&str] = &["var", "invariant", "states", "initial", "final", "ignore"];
const MACHINE_HELP: &str =
    "a machine contains `var`, `invariant`, `states`, `initial`, `final` and transitions `From -> To on event`";
const SERVICE_KEYWORDS: &[&str] = &["depends", "op", "flow"];
const SERVICE_HELP: &str = "a service contains `depends on ...`, `op name(...) -> Type` and `flow name = a >=> b`";

fn http_method(word: &str) -> Option<HttpMethod> {
    Some(match word {
        "GET" => HttpMethod::Get,
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "PATCH" => HttpMethod::Patch,
        "DELETE" => HttpMethod::Delete,
        _ => return None,
    })
}

impl<'a> Parser<'a> {
    // ------------------------------------------------------------ types and errors

    /// `type_decl = 'type' IDENT [ type_params ] '=' type_body [ 'where' expr ]`.
    pub(super) fn type_decl(&mut self) -> PResult<TypeDecl> {
        self.bump();
        let name = self.name("a type name", "after `type`")?;
        let params = if matches!(self.tok.kind, Tok::Lt | Tok::LArrow) { self.type_params()? } else { Vec::new() };
        self.expect(Tok::Eq, "after the type name", Some("a type is declared as `type Name = ...`"))?;
        let body = self.type_body()?;
        let refinement = self.refinement()?;
        Ok(TypeDecl { name, params, body, refinement })
    }

    /// `error_decl = 'error' IDENT '=' INT [ record_type ]`.
    pub(super) fn error_decl(&mut self) -> PResult<ErrorDecl> {
        const HELP: &str = "an error type is declared as `error Name = 409 { field: Type }`";
        self.bump();
        let name = self.name("an error name", "after `error`")?;
        self.expect(Tok::Eq, "after the error name", Some(HELP))?;
        if !self.at(Tok::Int) {
            return Err(self.expected("an HTTP status code", "after `=`", Some(HELP)));
        }
        let t = self.bump();
        let status = IntLit { value: self.int_value(t), span: t.span() };
        let payload = if self.at(Tok::LBrace) { Some(self.record_type()?) } else { None };
        Ok(ErrorDecl { name, status, payload })
    }

    // ------------------------------------------------------------ functions

    /// `fn_decl = 'fn' IDENT '(' params ')' '->' type_ref { contract } [ '=' expr ]`.
    pub(super) fn fn_decl(&mut self) -> PResult<FnDecl> {
        const HELP: &str = "a function is written `fn name(x: Int) -> Int = ...`";
        self.bump();
        let name = self.name("a function name", "after `fn`")?;
        if !self.at(Tok::LParen) {
            return Err(self.expected("`(`", "after the function name", Some(HELP)));
        }
        let open = self.open_delim();
        let (params, _) = self.list(open, Tok::RParen, false, "a parameter", Self::param)?;
        self.expect(
            Tok::Arrow,
            "and a result type after the parameters",
            Some("every function declares its result type: `fn f(x: Int) -> Int`"),
        )?;
        let result = self.type_ref()?;
        let mut contracts = Vec::new();
        loop {
            let kind = if self.at_word("requires") {
                ContractKind::Requires
            } else if self.at_word("ensures") {
                ContractKind::Ensures
            } else {
                break;
            };
            let kw = self.bump();
            let expr = self.expr()?;
            contracts.push(Contract { kind, span: kw.span().to(expr.span), expr });
        }
        let body = if self.eat(Tok::Eq) { Some(self.expr()?) } else { None };
        Ok(FnDecl { name, params, result, contracts, body })
    }

    /// `param = IDENT ':' type_ref`.
    fn param(&mut self) -> PResult<Param> {
        let name = self.name("a parameter name", "")?;
        self.expect(Tok::Colon, "after the parameter name", Some("a parameter is written `name: Type`"))?;
        let ty = self.type_ref()?;
        let span = Span { start: name.span.start, end: ty.span().end };
        Ok(Param { name, ty, span })
    }

    /// `IDENT { ',' IDENT }`.
    fn name_list(&mut self, what: &str, context: &str) -> PResult<Vec<Name>> {
        let mut names = vec![self.name(what, context)?];
        while self.eat(Tok::Comma) {
            names.push(self.name(what, "after `,`")?);
        }
        Ok(names)
    }

    // ------------------------------------------------------------ machines

    /// `machine_decl = 'machine' IDENT '{' { machine_member } '}'`.
    pub(super) fn machine_decl(&mut self) -> PResult<MachineDecl> {
        self.bump();
        let name = self.name("a machine name", "after `machine`")?;
        if !self.at(Tok::LBrace) {
            return Err(self.expected("`{`", "after the machine name", None));
        }
        let open = self.open_delim();
        let (members, _) = self.block(open, true, Self::machine_member_start, Self::machine_member);
        let members = members
            .into_iter()
            .map(|(docs, kind, span)| MachineMember { docs, kind: kind.unwrap_or(MachineMemberKind::Invalid), span })
            .collect();
        Ok(MachineDecl { name, members })
    }

    /// Whether the current token starts a machine member.
    fn machine_member_start(&mut self) -> bool {
        if self.tok.kind != Tok::Ident {
            return false;
        }
        MACHINE_KEYWORDS.contains(&self.text(self.tok)) || self.peek().kind == Tok::Arrow
    }

    /// `machine_member = 'var' … | 'invariant' expr | 'states' … | 'initial' IDENT | 'final' … | transition`.
    fn machine_member(&mut self) -> PResult<MachineMemberKind> {
        if self.tok.kind != Tok::Ident {
            return Err(self.expected("a machine member", "", Some(MACHINE_HELP)));
        }
        if self.peek().kind != Tok::Arrow {
            let word = self.text(self.tok);
            match word {
                "var" => {
                    self.bump();
                    let name = self.name("a variable name", "after `var`")?;
                    self.expect(
                        Tok::Colon,
                        "after the variable name",
                        Some("a variable is written `var name: Type = initial`"),
                    )?;
                    let ty = self.type_ref()?;
                    self.expect(
                        Tok::Eq,
                        "and an initial value after the variable's type",
                        Some("a variable is written `var name: Type = initial`"),
                    )?;
                    let init = self.expr()?;
                    return Ok(MachineMemberKind::Var { name, ty, init });
                }
                "invariant" => {
                    self.bump();
                    return Ok(MachineMemberKind::Invariant(self.expr()?));
                }
                "states" => {
                    self.bump();
                    return Ok(MachineMemberKind::States(self.name_list("a state name", "after `states`")?));
                }
                "initial" => {
                    self.bump();
                    return Ok(MachineMemberKind::Initial(self.name("a state name", "after `initial`")?));
                }
                "final" => {
                    self.bump();
                    return Ok(MachineMemberKind::Final(self.name_list("a state name", "after `final`")?));
                }
                "ignore" => {
                    self.bump();
                    let events = self.name_list("an event name", "after `ignore`")?;
                    if !(self.tok.kind == Tok::Ident && self.text(self.tok) == "in") {
                        return Err(self.expected(
                            "`in`",
                            "after the ignored events",
                            Some("an ignore rule is written `ignore event, other in State, Other`"),
                        ));
                    }
                    self.bump();
                    let states = self.name_list("a state name", "after `in`")?;
                    return Ok(MachineMemberKind::Ignore { events, states });
                }
                _ if word.starts_with(|c: char| c.is_ascii_lowercase()) => {
                    if let Some(kw) = suggest::closest(word, MACHINE_KEYWORDS) {
                        let d = Diagnostic::new(codes::UNEXPECTED_TOKEN, format!("unknown machine member `{word}`"))
                            .at(self.file, self.tok.span(), "not a machine member")
                            .with_help(format!("did you mean `{kw}`?"));
                        self.error(d);
                        self.bump();
                        return Err(super::Fail);
                    }
                }
                _ => {}
            }
        }
        self.transition().map(MachineMemberKind::Transition)
    }

    /// `transition = IDENT '->' IDENT 'on' IDENT [ 'when' expr ] [ 'do' assignment { ',' assignment } ]`.
    fn transition(&mut self) -> PResult<Transition> {
        const HELP: &str = "a transition is written `From -> To on event [when guard] [do x = value]`";
        let from = self.name("a state name", "")?;
        self.expect(Tok::Arrow, "after the source state", Some(HELP))?;
        let to = self.name("the target state", "after `->`")?;
        self.expect_word("on", "after the target state", Some(HELP))?;
        let event = self.name("an event name", "after `on`")?;
        // `when` and `do` are contextual: followed by `->` they are the next transition's state.
        let guard = if self.at_word("when") && self.peek().kind != Tok::Arrow {
            self.bump();
            Some(self.expr()?)
        } else {
            None
        };
        let mut actions = Vec::new();
        if self.at_word("do") && self.peek().kind != Tok::Arrow {
            self.bump();
            loop {
                let target = self.name("a variable name", "to assign")?;
                self.expect(Tok::Eq, "after the variable", Some("an action is written `do name = value`"))?;
                let value = self.expr()?;
                let span = target.span.to(value.span);
                actions.push(Assignment { target, value, span });
                if !self.eat(Tok::Comma) {
                    break;
                }
            }
        }
        Ok(Transition { from, to, event, guard, actions })
    }

    // ------------------------------------------------------------ services

    /// `service_decl = 'service' IDENT '{' { service_member } '}'`.
    pub(super) fn service_decl(&mut self) -> PResult<ServiceDecl> {
        self.bump();
        let name = self.name("a service name", "after `service`")?;
        if !self.at(Tok::LBrace) {
            return Err(self.expected("`{`", "after the service name", None));
        }
        let open = self.open_delim();
        let (members, _) = self.block(open, true, Self::service_member_start, Self::service_member);
        let members = members
            .into_iter()
            .map(|(docs, kind, span)| ServiceMember { docs, kind: kind.unwrap_or(ServiceMemberKind::Invalid), span })
            .collect();
        Ok(ServiceDecl { name, members })
    }

    /// Whether the current token starts a service member.
    fn service_member_start(&mut self) -> bool {
        self.tok.kind == Tok::Ident && SERVICE_KEYWORDS.contains(&self.text(self.tok)) && self.peek().kind == Tok::Ident
    }

    /// `service_member = { DOC_COMMENT } ( depends | operation | flow )`.
    fn service_member(&mut self) -> PResult<ServiceMemberKind> {
        if self.tok.kind == Tok::Ident {
            match self.text(self.tok) {
                "depends" => {
                    self.bump();
                    self.expect_word("on", "after `depends`", Some("dependencies are written `depends on a, b`"))?;
                    return Ok(ServiceMemberKind::Depends(self.name_list("a service name", "after `depends on`")?));
                }
                "op" => return self.operation().map(|op| ServiceMemberKind::Op(Box::new(op))),
                "flow" => return self.flow().map(ServiceMemberKind::Flow),
                _ => {}
            }
        }
        let found = self.describe(self.tok);
        let mut d =
            Diagnostic::new(codes::UNEXPECTED_TOKEN, format!("expected `op`, `flow` or `depends on`, found {found}"))
                .at(self.file, self.error_span(), "not a service member");
        let word = if self.tok.kind == Tok::Ident { self.text(self.tok) } else { "" };
        d = if http_method(&word.to_ascii_uppercase()).is_some() {
            d.with_help(format!("HTTP methods are written in upper case: `{}`", word.to_ascii_uppercase()))
        } else if let Some(kw) =
            suggest::closest(word, SERVICE_KEYWORDS)
                .or(matches!(word, "operation" | "rpc" | "endpoint" | "route").then_some("op"))
        {
            d.with_help(format!("did you mean `{kw}`?"))
        } else {
            d.with_help(SERVICE_HELP)
        };
        self.error(d);
        self.bump();
        Err(super::Fail)
    }

    /// `operation = 'op' IDENT '(' op_params ')' '->' type_ref [ '!' IDENT { '|' IDENT } ]
    /// [ http_binding ] [ 'fires' IDENT '.' IDENT ] { 'ensures' expr } [ '=' block ]`.
    fn operation(&mut self) -> PResult<Operation> {
        const HELP: &str = "an operation is written `op name(x: Type) -> Result ! Error GET /path`";
        self.bump();
        let name = self.name("an operation name", "after `op`")?;
        if !self.at(Tok::LParen) {
            return Err(self.expected("`(`", "after the operation name", Some(HELP)));
        }
        let open = self.open_delim();
        let (params, _) = self.list(open, Tok::RParen, false, "a parameter", Self::op_param)?;
        self.expect(Tok::Arrow, "and a result type after the parameters", Some(HELP))?;
        let result = self.type_ref()?;
        let mut errors = Vec::new();
        if self.eat(Tok::Bang) {
            errors.push(self.name("an error type", "after `!`")?);
            while self.eat(Tok::Pipe) {
                errors.push(self.name("an error type", "after `|`")?);
            }
        }
        let mut http = None;
        if self.tok.kind == Tok::Ident {
            let word = self.text(self.tok);
            if let Some(method) = http_method(word) {
                http = Some(self.http_binding(method)?);
            } else if let Some(method) =
                http_method(&word.to_ascii_uppercase()).filter(|_| self.peek().kind == Tok::Slash)
            {
                let d = Diagnostic::new(
                    codes::UNEXPECTED_TOKEN,
                    format!("HTTP method `{word}` must be written in upper case"),
                )
                .at(self.file, self.tok.span(), "lower-case HTTP method")
                .with_help(format!("write `{}`", method.as_str()));
                self.error(d);
                http = Some(self.http_binding(method)?);
            }
        }
        let fires = if self.eat_word("fires") {
            let machine = self.name("a machine name", "after `fires`")?;
            self.expect(Tok::Dot, "between the machine and the event", Some("write `fires Machine.event`"))?;
            let event = self.name("an event name", "after `.`")?;
            Some((machine, event))
        } else {
            None
        };
        let mut ensures = Vec::new();
        while self.at_word("ensures") {
            let kw = self.bump();
            let expr = self.expr()?;
            ensures.push(Contract { kind: ContractKind::Ensures, span: kw.span().to(expr.span), expr });
        }
        let body = if self.eat(Tok::Eq) {
            if !self.at(Tok::LBrace) {
                return Err(self.expected(
                    "`{`",
                    "after `=`",
                    Some("an operation's body is a block: `= { require ... else E { ... } result }`"),
                ));
            }
            Some(self.body_block()?)
        } else {
            None
        };
        Ok(Operation { name, params, result, errors, http, fires, ensures, body })
    }

    /// `op_param = [ 'body' ] IDENT ':' type_ref`.
    fn op_param(&mut self) -> PResult<OpParam> {
        let start = self.tok.start;
        let body = self.at_word("body") && self.peek().kind == Tok::Ident;
        if body {
            self.bump();
        }
        let name = self.name("a parameter name", "")?;
        self.expect(
            Tok::Colon,
            "after the parameter name",
            Some("a parameter is written `name: Type`, or `body name: Type`"),
        )?;
        let ty = self.type_ref()?;
        let span = Span { start, end: ty.span().end };
        Ok(OpParam { body, name, ty, span })
    }

    /// `http_binding = HTTP_METHOD PATH`; the path is read from the raw text.
    fn http_binding(&mut self, method: HttpMethod) -> PResult<HttpBinding> {
        let m = self.bump();
        if !self.at(Tok::Slash) {
            let context = format!("after `{}`", method.as_str());
            return Err(self.expected(
                "a path starting with `/`",
                &context,
                Some("a route is written `GET /items/{id}`"),
            ));
        }
        let start = self.tok.start as usize;
        let rest = &self.src[start..];
        let (after, raw_segments) = raw::path(rest).unwrap_or((&rest[1..], Vec::new()));
        let mut end = start + rest.offset(after);
        let mut segments = Vec::with_capacity(raw_segments.len());
        for seg in raw_segments {
            segments.push(match seg {
                raw::RawSegment::Literal(text) => PathSegment::Literal(text.to_string()),
                raw::RawSegment::Param(whole, names, suffix) => {
                    let at = start + rest.offset(whole);
                    let path = names
                        .into_iter()
                        .map(|n| {
                            let s = start + rest.offset(n);
                            Name { text: n.to_string(), span: Span::new(s, s + n.len()) }
                        })
                        .collect();
                    PathSegment::Param { path, suffix: suffix.to_string(), span: Span::new(at, at + whole.len()) }
                }
            });
        }
        if let [PathSegment::Literal(only)] = segments.as_slice()
            && only.is_empty()
        {
            segments.clear();
        }
        if let Some(c) = after.chars().next()
            && !c.is_ascii_whitespace()
            && !after.starts_with("//")
        {
            let word_len = after.find(|c: char| c.is_ascii_whitespace()).unwrap_or(after.len());
            self.bad_path_char(end, &after[..word_len]);
            end += word_len;
        }
        self.flush_docs(self.tok.start);
        self.prev_end = end as u32;
        self.relex_at(end);
        let path = HttpPath { segments, span: Span::new(start, end) };
        Ok(HttpBinding { method, method_span: m.span(), path })
    }

    /// Reports the first character of `bad`, at byte `at`, that ends a path too early.
    fn bad_path_char(&mut self, at: usize, bad: &str) {
        let c = bad.chars().next().unwrap_or(' ');
        let here = Span::new(at, at + c.len_utf8());
        let param_help = "a path parameter is a whole segment holding a name or a field path: `/items/{id}`";
        let d = match c {
            '{' => match bad.find('}') {
                None => Diagnostic::new(codes::UNCLOSED_DELIMITER, "unclosed `{` in a path")
                    .at(self.file, Span::new(at + bad.len(), at + bad.len()), "expected `}` before the end of the path")
                    .with_secondary(self.file, here, "this `{` is never closed")
                    .with_help("add the missing `}`"),
                Some(close) if at > 0 && self.src.as_bytes()[at - 1] == b'/' => {
                    Diagnostic::new(codes::UNEXPECTED_TOKEN, format!("invalid path parameter `{}`", &bad[..=close]))
                        .at(
                            self.file,
                            Span::new(at, at + close + 1),
                            "expected a name or a field path between the braces",
                        )
                        .with_help(param_help)
                }
                Some(_) => Diagnostic::new(codes::UNEXPECTED_TOKEN, "a path parameter must be a whole segment")
                    .at(self.file, here, "a parameter must follow a `/`")
                    .with_help(param_help),
            },
            '}' => Diagnostic::new(codes::UNEXPECTED_TOKEN, "unmatched `}` in a path")
                .at(self.file, here, "no `{` opens this")
                .with_help(param_help),
            _ => Diagnostic::new(
                codes::UNEXPECTED_TOKEN,
                format!("unexpected character `{}` in a path", c.escape_debug()),
            )
            .at(self.file, here, "not allowed in a path")
            .with_help("paths contain letters, digits, `-._~:@`, `/` and parameters such as `{id}`"),
        };
        self.error(d);
    }

    /// `flow = 'flow' IDENT '=' IDENT { '>=>' IDENT }`.
    fn flow(&mut self) -> PResult<Flow> {
        self.bump();
        let name = self.name("a flow name", "after `flow`")?;
        self.expect(Tok::Eq, "after the flow name", Some("a flow is written `flow name = step_a >=> step_b`"))?;
        let mut steps = vec![self.name("a function name", "after `=`")?];
        while self.eat(Tok::Kleisli) {
            steps.push(self.name("a function name", "after `>=>`")?);
        }
        Ok(Flow { name, steps })
    }

    // ------------------------------------------------------------ standards and deploy

    /// `settings = '{' [ setting { ( ';' | ',' ) setting } [ ';' | ',' ] ] '}'`.
    pub(super) fn settings(&mut self, context: &str) -> PResult<Settings> {
        if !self.at(Tok::LBrace) {
            return Err(self.expected("`{`", context, Some("settings are written `{ name = value, ... }`")));
        }
        let open = self.open_delim();
        let (entries, end) = self.list(open, Tok::RBrace, true, "a setting", Self::setting)?;
        Ok(Settings { entries, span: Span { start: open.start, end } })
    }

    /// `setting = IDENT '=' setting_value [ 'except' '[' [ IDENT { ',' IDENT } ] ']' ]`.
    fn setting(&mut self) -> PResult<Setting> {
        let key = self.name("a setting name", "")?;
        self.expect(Tok::Eq, "after the setting name", Some("a setting is written `name = value`"))?;
        let value = self.setting_value()?;
        let mut except = Vec::new();
        if self.eat_word("except") {
            if !self.at(Tok::LBracket) {
                return Err(self.expected(
                    "`[`",
                    "after `except`",
                    Some("exceptions are a list of names: `except [health]`"),
                ));
            }
            let open = self.open_delim();
            except = self.list(open, Tok::RBracket, false, "a name", |p| p.name("a name", ""))?.0;
        }
        Ok(Setting { span: Span { start: key.span.start, end: self.prev_end }, key, value, except })
    }

    /// `setting_value = INT | STRING | 'true' | 'false' | IDENT [ '(' named_values ')' ] | '[' values ']'`.
    fn setting_value(&mut self) -> PResult<SettingValue> {
        let t = self.tok;
        let kind = match t.kind {
            Tok::Int => {
                self.bump();
                SettingValueKind::Int(self.int_value(t))
            }
            Tok::Str | Tok::UnterminatedStr => {
                self.bump();
                SettingValueKind::Str(self.str_value(t))
            }
            Tok::Ident if matches!(self.text(t), "true" | "false") => {
                self.bump();
                SettingValueKind::Bool(self.text(t) == "true")
            }
            Tok::Ident => {
                let name = self.name("a value", "")?;
                let args = if self.at(Tok::LParen) {
                    let depth = self.enter("setting value")?;
                    let open = self.open_delim();
                    let args = self.list(open, Tok::RParen, false, "an argument", Self::named_value)?.0;
                    self.depth = depth;
                    Some(args)
                } else {
                    None
                };
                SettingValueKind::Ident { name, args }
            }
            Tok::LBracket => {
                let depth = self.enter("setting value")?;
                let open = self.open_delim();
                let values = self.list(open, Tok::RBracket, false, "a list element", Self::setting_value)?.0;
                self.depth = depth;
                SettingValueKind::List(values)
            }
            _ => {
                return Err(self.expected(
                    "a setting value",
                    "",
                    Some(
                        "a value is a number, a string, `true`, `false`, a name, `name(key = value)` or a list `[...]`",
                    ),
                ));
            }
        };
        Ok(SettingValue { kind, span: Span { start: t.start, end: self.prev_end } })
    }

    /// `named_value = IDENT '=' setting_value`.
    fn named_value(&mut self) -> PResult<(Name, SettingValue)> {
        let name = self.name("an argument name", "")?;
        self.expect(Tok::Eq, "after the argument name", Some("arguments are named: `bearer(scopes = [\"read\"])`"))?;
        Ok((name, self.setting_value()?))
    }

    /// `deploy_decl = 'deploy' IDENT settings`.
    pub(super) fn deploy_decl(&mut self) -> PResult<DeployDecl> {
        self.bump();
        let service = self.name("a service name", "after `deploy`")?;
        let settings = self.settings("after the service name")?;
        Ok(DeployDecl { service, settings })
    }

    // ------------------------------------------------------------ versions

    /// `migrate_decl = 'migrate' 'from' STRING [ 'reversible' ] '{' { migration_rule } '}'`.
    pub(super) fn migrate_decl(&mut self) -> PResult<MigrateDecl> {
        const HELP: &str = "a migration is written `migrate from \"../v1/spec.adt\" { Type.field <- value }`";
        self.bump();
        self.expect_word("from", "after `migrate`", Some(HELP))?;
        let from = self.str_lit("the path of the previous spec as a string", "after `from`", Some(HELP))?;
        let reversible = self.eat_word("reversible");
        if !self.at(Tok::LBrace) {
            let context = if reversible { "after `reversible`" } else { "after the path" };
            return Err(self.expected("`{`", context, Some(HELP)));
        }
        let open = self.open_delim();
        let (rules, _) = self.block(open, false, Self::migration_rule_start, Self::migration_rule);
        Ok(MigrateDecl { from, reversible, rules: rules.into_iter().filter_map(|(_, rule, _)| rule).collect() })
    }

    /// Whether the current token starts a migration rule.
    fn migration_rule_start(&mut self) -> bool {
        if self.tok.kind != Tok::Ident {
            return false;
        }
        let next = self.peek().kind;
        next == Tok::Dot || (next == Tok::Ident && self.text(self.tok) == "back")
    }

    /// `migration_rule = [ 'back' ] IDENT '.' IDENT '<-' expr`.
    fn migration_rule(&mut self) -> PResult<MigrationRule> {
        const HELP: &str = "a migration rule is written `Type.field <- expression`";
        let start = self.tok.start;
        let back = self.at_word("back") && self.peek().kind == Tok::Ident;
        if back {
            self.bump();
        }
        let ty = self.name("a type name", if back { "after `back`" } else { "" })?;
        self.expect(Tok::Dot, "between the type and the field", Some(HELP))?;
        let field = self.name("a field name", "after `.`")?;
        self.expect(Tok::LArrow, "after the field", Some(HELP))?;
        let value = self.expr()?;
        let span = Span { start, end: value.span.end };
        Ok(MigrationRule { back, ty, field, value, span })
    }

    /// `allow_decl = 'allow' IDENT 'on' IDENT { '.' IDENT } 'because' STRING`.
    pub(super) fn allow_decl(&mut self) -> PResult<AllowDecl> {
        const HELP: &str = "an exception is written `allow RULE on Type.field because \"reason\"`";
        self.bump();
        let rule = self.name("a rule name", "after `allow`")?;
        self.expect_word("on", "after the rule name", Some(HELP))?;
        let mut target = vec![self.name("the name of what is allowed", "after `on`")?];
        while self.eat(Tok::Dot) {
            target.push(self.name("a name", "after `.`")?);
        }
        self.expect_word("because", "after the target", Some(HELP))?;
        let reason = self.str_lit("the reason as a string", "after `because`", Some(HELP))?;
        Ok(AllowDecl { rule, target, reason })
    }
}
