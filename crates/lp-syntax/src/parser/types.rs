//! Type productions: `type_params`, `type_body`, `record_type`, `field`, `sum_type`,
//! `variant`, `type_ref`, `type_atom` and `type_args`.

use super::{PResult, Parser};
use crate::ast::{Field, RecordType, SumType, TypeBody, TypeParam, TypeRef, Variance, Variant};
use crate::lexer::Tok;
use lp_diagnostics::Span;

impl Parser<'_> {
    /// `type_params = '<' type_param { ',' type_param } [ ',' ] '>'`; the current token is
    /// `<` or `<-` (which is `<` followed by a contravariant parameter).
    pub(super) fn type_params(&mut self) -> PResult<Vec<TypeParam>> {
        let open = if self.at(Tok::LArrow) { self.bump_first_byte(Tok::Lt).span() } else { self.open_delim() };
        let (params, _) = self.list(open, Tok::Gt, false, "a type parameter", |p| {
            let start = p.tok.start;
            let variance = if p.eat(Tok::Plus) {
                Variance::Covariant
            } else if p.eat(Tok::Minus) {
                Variance::Contravariant
            } else {
                Variance::Invariant
            };
            let name = p.name("a type parameter name", "")?;
            let span = Span { start, end: name.span.end };
            Ok(TypeParam { variance, name, span })
        })?;
        Ok(params)
    }

    /// `type_body = record_type | sum_type | type_ref`.
    pub(super) fn type_body(&mut self) -> PResult<TypeBody> {
        let sum_next = self.tok.kind == Tok::Ident && matches!(self.peek().kind, Tok::LBrace | Tok::Pipe);
        match self.tok.kind {
            Tok::LBrace => self.record_type().map(TypeBody::Record),
            Tok::Pipe => self.sum_type().map(TypeBody::Sum),
            Tok::Ident if sum_next => self.sum_type().map(TypeBody::Sum),
            Tok::Ident | Tok::LParen => self.type_ref().map(TypeBody::Alias),
            _ => Err(self.expected(
                "a type",
                "after `=`",
                Some("a type body is a record `{ a: Int }`, variants `A | B`, or a type such as `List<Int>`"),
            )),
        }
    }

    /// `record_type = '{' [ field { ',' field } [ ',' ] ] '}'`.
    pub(super) fn record_type(&mut self) -> PResult<RecordType> {
        let open = self.open_delim();
        let (fields, end) = self.list(open, Tok::RBrace, false, "a field", Self::field)?;
        Ok(RecordType { fields, span: Span { start: open.start, end } })
    }

    /// `field = { DOC_COMMENT } IDENT ':' type_ref [ 'where' expr ]`.
    fn field(&mut self) -> PResult<Field> {
        let docs = self.take_docs();
        let name = self.name("a field name", "")?;
        self.expect(Tok::Colon, "after the field name", Some("a field is written `name: Type`"))?;
        let ty = self.type_ref()?;
        let refinement = self.refinement()?;
        let end = refinement.as_ref().map_or(ty.span().end, |e| e.span.end);
        let span = Span { start: name.span.start, end };
        Ok(Field { docs, name, ty, refinement, span })
    }

    /// `[ 'where' expr ]`.
    pub(super) fn refinement(&mut self) -> PResult<Option<crate::ast::Expr>> {
        if self.eat_word("where") { Ok(Some(self.expr()?)) } else { Ok(None) }
    }

    /// `sum_type = [ '|' ] variant { '|' variant }`. Doc comments of a variant may stand
    /// before or after its `|`.
    fn sum_type(&mut self) -> PResult<SumType> {
        let start = self.tok.start;
        let mut docs = self.take_docs();
        let leading_bar = self.eat(Tok::Pipe);
        let mut variants = Vec::new();
        loop {
            docs.append(&mut self.take_docs());
            let name =
                self.name("a variant name", if variants.is_empty() && !leading_bar { "" } else { "after `|`" })?;
            let payload = if self.at(Tok::LBrace) { Some(self.record_type()?) } else { None };
            let end = payload.as_ref().map_or(name.span.end, |r| r.span.end);
            let span = Span { start: name.span.start, end };
            variants.push(Variant { docs: std::mem::take(&mut docs), name, payload, span });
            if !self.at(Tok::Pipe) {
                break;
            }
            docs = self.take_docs();
            self.bump();
        }
        Ok(SumType { variants, leading_bar, span: Span { start, end: self.prev_end } })
    }

    /// `type_ref = type_atom [ '->' type_ref ]`, read as a loop so that long chains do not
    /// recurse; each `->` adds a nesting level, as it adds one to the tree.
    pub(super) fn type_ref(&mut self) -> PResult<TypeRef> {
        let first = self.type_atom()?;
        if !self.at(Tok::Arrow) {
            return Ok(first);
        }
        let saved = self.depth;
        let mut atoms = vec![first];
        let result = loop {
            if !self.at(Tok::Arrow) {
                break Ok(());
            }
            let arrow = self.bump();
            if self.depth >= super::MAX_NESTING {
                break Err(self.too_deep("type", arrow.span()));
            }
            self.depth += 1;
            match self.type_atom() {
                Ok(t) => atoms.push(t),
                Err(f) => break Err(f),
            }
        };
        self.depth = saved;
        result?;
        let mut acc = atoms.pop().ok_or(super::Fail)?;
        while let Some(param) = atoms.pop() {
            let span = param.span().to(acc.span());
            acc = TypeRef::Function { param: Box::new(param), result: Box::new(acc), span };
        }
        Ok(acc)
    }

    /// `type_atom = IDENT [ type_args ] | '(' type_ref ')'`.
    fn type_atom(&mut self) -> PResult<TypeRef> {
        match self.tok.kind {
            Tok::Ident => {
                let name = self.name("a type", "")?;
                if !self.at(Tok::Lt) {
                    let span = name.span;
                    return Ok(TypeRef::Named { name, args: Vec::new(), span });
                }
                let depth = self.enter("type")?;
                let open = self.open_delim();
                let (args, end) = self.list(open, Tok::Gt, false, "a type argument", Self::type_ref)?;
                self.depth = depth;
                let span = Span { start: name.span.start, end };
                Ok(TypeRef::Named { name, args, span })
            }
            Tok::LParen => {
                let depth = self.enter("type")?;
                let open = self.open_delim();
                let inner = self.type_ref()?;
                let end = self.close_delim(Tok::RParen, open, "`)` or `->`")?;
                self.depth = depth;
                Ok(TypeRef::Paren { inner: Box::new(inner), span: Span { start: open.start, end } })
            }
            _ => Err(self.expected("a type", "", None)),
        }
    }
}
