//! Expression and pattern productions: `expr` down to `primary_expr` by precedence climbing,
//! `list_expr`, `record_expr`, `with` updates, `match_expr`, `match_arm`, `pattern` and
//! `field_pattern`.
//!
//! Expression functions return the tree together with its height, so that a long chain of
//! operators (`a + b + c + ...`), which the parser reads in a loop, still cannot build a tree
//! deeper than [`super::MAX_NESTING`].
//!
//! The functions on the recursive path (`binary`, `unary`, `primary` and one function per
//! bracketed form) are kept small, with error reporting in separate cold functions: debug
//! builds give every temporary its own stack slot, and these frames repeat once per level.

use super::{MAX_NESTING, PResult, Parser};
use crate::ast::{
    BinOp, Expr, ExprKind, FieldInit, FieldPattern, MatchArm, Name, Pattern, PatternKind, UnOp, VariantPatternPayload,
};
use crate::lexer::Tok;
use lp_diagnostics::{Diagnostic, Span, codes};

/// An expression and the height of its tree.
type Sized = (Expr, usize);

fn binop(kind: Tok) -> Option<BinOp> {
    Some(match kind {
        Tok::OrOr => BinOp::Or,
        Tok::AndAnd => BinOp::And,
        Tok::EqEq => BinOp::Eq,
        Tok::Ne => BinOp::Ne,
        Tok::Lt | Tok::LArrow => BinOp::Lt,
        Tok::Le => BinOp::Le,
        Tok::Gt => BinOp::Gt,
        Tok::Ge => BinOp::Ge,
        Tok::Plus => BinOp::Add,
        Tok::Minus => BinOp::Sub,
        Tok::Star => BinOp::Mul,
        Tok::Slash => BinOp::Div,
        Tok::Percent => BinOp::Rem,
        _ => return None,
    })
}

/// Whether a token can start an expression.
fn starts_expr(kind: Tok) -> bool {
    matches!(
        kind,
        Tok::Ident
            | Tok::Int
            | Tok::Decimal
            | Tok::Str
            | Tok::UnterminatedStr
            | Tok::LParen
            | Tok::LBracket
            | Tok::Bang
            | Tok::Minus
    )
}

fn leaf(kind: ExprKind, span: Span) -> PResult<Sized> {
    Ok((Expr { kind, span }, 1))
}

/// Builds a binary node (out of line: it keeps the temporaries out of the recursive frames).
#[inline(never)]
fn binary_node(op: BinOp, lhs: Expr, rhs: Expr) -> Expr {
    let span = lhs.span.to(rhs.span);
    Expr { kind: ExprKind::Binary { op, lhs: Box::new(lhs), rhs: Box::new(rhs) }, span }
}

#[inline(never)]
fn paren_node(inner: Expr, span: Span) -> Expr {
    Expr { kind: ExprKind::Paren(Box::new(inner)), span }
}

impl Parser<'_> {
    /// `expr = or_expr`.
    pub(super) fn expr(&mut self) -> PResult<Expr> {
        Ok(self.binary(1)?.0)
    }

    /// One more level of tree height, or `LP0004`.
    fn grow(&mut self, height: usize, at: Span) -> PResult<usize> {
        if height >= MAX_NESTING {
            return Err(self.too_deep("expression", at));
        }
        Ok(height + 1)
    }

    /// Binary operators of precedence `min` and tighter, left-associative; comparisons do
    /// not chain (`cmp_expr = add_expr [ cmp add_expr ]`).
    fn binary(&mut self, min: u8) -> PResult<Sized> {
        let (mut lhs, mut height) = self.unary()?;
        let mut last_cmp: Option<Span> = None;
        while let Some(op) = binop(self.tok.kind) {
            let prec = op.precedence();
            if prec < min {
                break;
            }
            // `a<-1` is lexed with a `<-` but can only mean `a < -1` here.
            let at = if self.at(Tok::LArrow) { self.bump_first_byte(Tok::Lt) } else { self.bump() }.span();
            if prec == BinOp::Lt.precedence() {
                if let Some(first) = last_cmp {
                    self.chained_comparison(first, at);
                }
                last_cmp = Some(at);
            } else {
                last_cmp = None;
            }
            let (rhs, rhs_height) = self.binary(prec + 1)?;
            height = self.grow(height.max(rhs_height), at)?;
            lhs = binary_node(op, lhs, rhs);
        }
        Ok((lhs, height))
    }

    #[cold]
    #[inline(never)]
    fn chained_comparison(&mut self, first: Span, second: Span) {
        self.error(
            Diagnostic::new(codes::UNEXPECTED_TOKEN, "comparison operators cannot be chained")
                .at(self.file, second, "second comparison")
                .with_secondary(self.file, first, "first comparison")
                .with_help("combine two comparisons with `&&`: `a < b && b < c`"),
        );
    }

    /// `unary_expr = ( '!' | '-' ) unary_expr | postfix_expr` and
    /// `postfix_expr = primary_expr { '.' IDENT | 'with' field_inits }`, both read as loops.
    fn unary(&mut self) -> PResult<Sized> {
        let mut ops: Vec<(UnOp, Span)> = Vec::new();
        loop {
            let op = match self.tok.kind {
                Tok::Bang => UnOp::Not,
                Tok::Minus => UnOp::Neg,
                _ => break,
            };
            let at = self.bump().span();
            if ops.len() >= MAX_NESTING {
                return Err(self.too_deep("expression", at));
            }
            ops.push((op, at));
        }
        let (mut e, mut height) = self.primary()?;
        loop {
            if self.at(Tok::Dot) {
                let at = self.bump().span();
                let field = self.name("a field name", "after `.`")?;
                height = self.grow(height, at)?;
                let span = e.span.to(field.span);
                e = Expr { kind: ExprKind::Field { base: Box::new(e), field }, span };
            } else if self.at_with() {
                let at = self.bump().span();
                let (fields, end, h) = self.field_inits()?;
                height = self.grow(height.max(h), at)?;
                let span = Span { start: e.span.start, end };
                e = Expr { kind: ExprKind::With { base: Box::new(e), fields }, span };
            } else {
                break;
            }
        }
        while let Some((op, at)) = ops.pop() {
            height = self.grow(height, at)?;
            let span = at.to(e.span);
            e = Expr { kind: ExprKind::Unary { op, operand: Box::new(e) }, span };
        }
        Ok((e, height))
    }

    /// `primary_expr`: literals, names, calls, lists, `match` and parentheses.
    fn primary(&mut self) -> PResult<Sized> {
        match self.tok.kind {
            Tok::Int => {
                let t = self.bump();
                let v = self.int_value(t);
                leaf(ExprKind::Int(v), t.span())
            }
            Tok::Decimal => {
                let t = self.bump();
                let v = self.decimal_value(t);
                leaf(ExprKind::Decimal(v), t.span())
            }
            Tok::Str | Tok::UnterminatedStr => {
                let t = self.bump();
                leaf(ExprKind::Str(self.str_value(t)), t.span())
            }
            Tok::Ident => self.ident_expr(),
            Tok::LParen => self.paren_expr(),
            Tok::LBracket => self.list_expr(),
            Tok::LBrace if !self.no_record => self.record_expr(None),
            _ => Err(self.expr_expected()),
        }
    }

    /// Whether the current token is the `with` of an update (`with` followed by `{`, where
    /// a record may start).
    fn at_with(&mut self) -> bool {
        !self.no_record && self.at(Tok::Ident) && self.text(self.tok) == "with" && self.peek().kind == Tok::LBrace
    }

    /// `record_expr = [ IDENT ] field_inits`, after the name if there is one.
    fn record_expr(&mut self, name: Option<Name>) -> PResult<Sized> {
        let start = name.as_ref().map_or(self.tok.start, |n| n.span.start);
        let (fields, end, height) = self.field_inits()?;
        let span = Span { start, end };
        let height = self.grow(height, span)?;
        Ok((Expr { kind: ExprKind::Record { name, fields }, span }, height))
    }

    /// `field_inits = '{' [ field_init { ',' field_init } [ ',' ] ] '}'`: the fields of a
    /// record literal or an update, their end, and the height of the tallest value.
    pub(super) fn field_inits(&mut self) -> PResult<(Vec<FieldInit>, u32, usize)> {
        let depth = self.enter("expression")?;
        let outer = std::mem::replace(&mut self.no_record, false);
        let open = self.open_delim();
        let mut height = 0;
        let listed = self.list(open, Tok::RBrace, false, "a field", |p| p.field_init(&mut height));
        self.no_record = outer;
        let (fields, end) = listed?;
        self.depth = depth;
        Ok((fields, end, height))
    }

    /// `field_init = IDENT [ ':' expr ]`.
    fn field_init(&mut self, height: &mut usize) -> PResult<FieldInit> {
        let name = self.name("a field name", "in the record")?;
        let value = if self.eat(Tok::Colon) { Some(self.sized_expr(height)?) } else { None };
        let end = value.as_ref().map_or(name.span.end, |v| v.span.end);
        let span = Span { start: name.span.start, end };
        Ok(FieldInit { name, value, span })
    }

    #[cold]
    #[inline(never)]
    fn expr_expected(&mut self) -> super::Fail {
        let help = match self.tok.kind {
            Tok::Eq => Some("use `==` to compare"),
            Tok::LBrace => Some("a record literal here needs parentheses: `match (T { a: 1 }) { … }`"),
            _ => None,
        };
        self.expected("an expression", "", help)
    }

    /// `true`, `false`, a `match`, a name or a call.
    fn ident_expr(&mut self) -> PResult<Sized> {
        let t = self.tok;
        match self.text(t) {
            "true" | "false" => {
                self.bump();
                leaf(ExprKind::Bool(self.text(t) == "true"), t.span())
            }
            "match" if starts_expr(self.peek().kind) => self.match_expr(),
            "exists" | "forall" if self.peek().kind == Tok::Ident => self.store_expr(),
            _ if self.at_item_sync() => Err(self.expr_expected()),
            text => {
                self.bump();
                let name = Name { text: text.to_string(), span: t.span() };
                match self.tok.kind {
                    Tok::LParen if name.text == "count" => self.count_or_call(name),
                    Tok::LParen => self.call_expr(name),
                    Tok::LBrace if !self.no_record => self.record_expr(Some(name)),
                    _ => leaf(ExprKind::Name(name), t.span()),
                }
            }
        }
    }

    /// `'exists' IDENT '[' exprs ']'`, or `( 'forall' | 'exists' ) IDENT ':' IDENT '.' expr`.
    fn store_expr(&mut self) -> PResult<Sized> {
        let kw = self.bump();
        let forall = self.text(kw) == "forall";
        let first = self.name("a name", "")?;
        if !forall && self.at(Tok::LBracket) {
            let depth = self.enter("expression")?;
            let outer = std::mem::replace(&mut self.no_record, false);
            let open = self.open_delim();
            let mut height = 0;
            let listed = self.list(open, Tok::RBracket, false, "a key value", |p| p.sized_expr(&mut height));
            self.no_record = outer;
            let (key, end) = listed?;
            self.depth = depth;
            let span = Span { start: kw.start, end };
            let height = self.grow(height, span)?;
            return Ok((Expr { kind: ExprKind::Exists { entity: first, key }, span }, height));
        }
        const HELP: &str = "a quantifier is written `forall x: Entity. condition`";
        self.expect(Tok::Colon, "after the bound name", Some(HELP))?;
        let entity = self.name("an entity name", "after `:`")?;
        self.expect(Tok::Dot, "after the entity", Some(HELP))?;
        let depth = self.enter("expression")?;
        let (body, height) = self.binary(1)?;
        self.depth = depth;
        let span = Span { start: kw.start, end: body.span.end };
        let height = self.grow(height, span)?;
        Ok((Expr { kind: ExprKind::Quantified { forall, var: first, entity, body: Box::new(body) }, span }, height))
    }

    /// `count '(' IDENT ':' IDENT [ 'where' expr ] ')'`, or a call of a function named
    /// `count`.
    fn count_or_call(&mut self, callee: Name) -> PResult<Sized> {
        let depth = self.enter("expression")?;
        let outer = std::mem::replace(&mut self.no_record, false);
        let open = self.open_delim();
        if !(self.at(Tok::Ident) && self.peek().kind == Tok::Colon) {
            return self.call_rest(callee, open, depth, outer);
        }
        let mut height = 0;
        let body = self.count_body(&mut height);
        self.no_record = outer;
        let (var, entity, filter) = body?;
        let end = self.close_delim(Tok::RParen, open, "`)` or `where`")?;
        self.depth = depth;
        let span = Span { start: callee.span.start, end };
        let height = self.grow(height, span)?;
        Ok((Expr { kind: ExprKind::Count { var, entity, filter }, span }, height))
    }

    /// `IDENT ':' IDENT [ 'where' expr ]` inside `count( … )`.
    fn count_body(&mut self, height: &mut usize) -> PResult<(Name, Name, Option<Box<Expr>>)> {
        let var = self.name("a name", "")?;
        self.expect(Tok::Colon, "after the bound name", Some("write `count(x: Entity where condition)`"))?;
        let entity = self.name("an entity name", "after `:`")?;
        let filter = if self.eat_word("where") { Some(Box::new(self.sized_expr(height)?)) } else { None };
        Ok((var, entity, filter))
    }

    /// `'(' expr ')'`.
    fn paren_expr(&mut self) -> PResult<Sized> {
        let depth = self.enter("expression")?;
        let outer = std::mem::replace(&mut self.no_record, false);
        let open = self.open_delim();
        let inner = self.binary(1);
        self.no_record = outer;
        let (inner, height) = inner?;
        let end = self.close_delim(Tok::RParen, open, "`)` or an operator")?;
        self.depth = depth;
        let span = Span { start: open.start, end };
        let height = self.grow(height, span)?;
        Ok((paren_node(inner, span), height))
    }

    /// `list_expr = '[' [ expr { ',' expr } [ ',' ] ] ']'`.
    fn list_expr(&mut self) -> PResult<Sized> {
        let depth = self.enter("expression")?;
        let outer = std::mem::replace(&mut self.no_record, false);
        let open = self.open_delim();
        let mut height = 0;
        let listed = self.list(open, Tok::RBracket, false, "a list element", |p| p.sized_expr(&mut height));
        self.no_record = outer;
        let (elems, end) = listed?;
        self.depth = depth;
        let span = Span { start: open.start, end };
        let height = self.grow(height, span)?;
        Ok((Expr { kind: ExprKind::List(elems), span }, height))
    }

    /// An expression, raising `height` to its tree height.
    fn sized_expr(&mut self, height: &mut usize) -> PResult<Expr> {
        let (e, h) = self.binary(1)?;
        *height = (*height).max(h);
        Ok(e)
    }

    /// `IDENT '(' [ expr { ',' expr } [ ',' ] ] ')'`, after the name.
    fn call_expr(&mut self, callee: Name) -> PResult<Sized> {
        let depth = self.enter("expression")?;
        let outer = std::mem::replace(&mut self.no_record, false);
        let open = self.open_delim();
        self.call_rest(callee, open, depth, outer)
    }

    /// The arguments of a call after its `(`; restores `depth` and `no_record` after.
    fn call_rest(&mut self, callee: Name, open: Span, depth: usize, outer: bool) -> PResult<Sized> {
        let mut height = 0;
        let listed = self.list(open, Tok::RParen, false, "an argument", |p| p.sized_expr(&mut height));
        self.no_record = outer;
        let (args, end) = listed?;
        self.depth = depth;
        let span = Span { start: callee.span.start, end };
        let height = self.grow(height, span)?;
        Ok((Expr { kind: ExprKind::Call { callee, args }, span }, height))
    }

    /// `match_expr = 'match' expr '{' match_arm { ',' match_arm } [ ',' ] '}'`.
    fn match_expr(&mut self) -> PResult<Sized> {
        let kw = self.bump();
        let depth = self.enter("expression")?;
        let outer = std::mem::replace(&mut self.no_record, true);
        let scrutinee = self.binary(1);
        self.no_record = outer;
        let (scrutinee, mut height) = scrutinee?;
        if !self.at(Tok::LBrace) {
            return Err(self.expected(
                "`{`",
                "after the value to match",
                Some("a match is written `match x { A => 1, B => 2 }`"),
            ));
        }
        let open = self.open_delim();
        let outer = std::mem::replace(&mut self.no_record, false);
        let arms = self.list(open, Tok::RBrace, false, "a match arm", |p| p.match_arm(&mut height));
        self.no_record = outer;
        let (arms, end) = arms?;
        self.depth = depth;
        let span = Span { start: kw.start, end };
        let height = self.grow(height, span)?;
        Ok((Expr { kind: ExprKind::Match { scrutinee: Box::new(scrutinee), arms }, span }, height))
    }

    /// `match_arm = pattern '=>' expr`.
    fn match_arm(&mut self, height: &mut usize) -> PResult<MatchArm> {
        let pattern = self.pattern()?;
        self.expect(Tok::FatArrow, "after the pattern", Some("a match arm is written `Pattern => value`"))?;
        let body = self.sized_expr(height)?;
        let span = pattern.span.to(body.span);
        Ok(MatchArm { pattern, body, span })
    }

    /// `pattern = '_' | INT | STRING | 'true' | 'false' | IDENT [ '(' pattern ')' | '{' … '}' ]`.
    pub(super) fn pattern(&mut self) -> PResult<Pattern> {
        let t = self.tok;
        let kind = match t.kind {
            Tok::Int => {
                self.bump();
                PatternKind::Int(self.int_value(t))
            }
            Tok::Str | Tok::UnterminatedStr => {
                self.bump();
                PatternKind::Str(self.str_value(t))
            }
            Tok::Ident => match self.text(t) {
                "_" => PatternKind::Wildcard,
                "true" => PatternKind::Bool(true),
                "false" => PatternKind::Bool(false),
                _ => return self.name_pattern(),
            },
            _ => return Err(self.pattern_expected()),
        };
        if matches!(kind, PatternKind::Wildcard | PatternKind::Bool(_)) {
            self.bump();
        }
        Ok(Pattern { kind, span: t.span() })
    }

    #[cold]
    #[inline(never)]
    fn pattern_expected(&mut self) -> super::Fail {
        let help = if self.at(Tok::Minus) {
            Some("negative numbers are not patterns; bind the value and compare it")
        } else {
            None
        };
        self.expected("a pattern", "", help)
    }

    /// A binding, or a variant with an optional payload.
    fn name_pattern(&mut self) -> PResult<Pattern> {
        let t = self.bump();
        let text = self.text(t);
        let name = Name { text: text.to_string(), span: t.span() };
        let (payload, end) = match self.tok.kind {
            Tok::LParen => {
                let depth = self.enter("pattern")?;
                let open = self.open_delim();
                let inner = self.pattern()?;
                let end = self.close_delim(Tok::RParen, open, "`)`")?;
                self.depth = depth;
                (VariantPatternPayload::Tuple(Box::new(inner)), end)
            }
            Tok::LBrace => {
                let depth = self.enter("pattern")?;
                let open = self.open_delim();
                let (fields, end) = self.list(open, Tok::RBrace, false, "a field pattern", Self::field_pattern)?;
                self.depth = depth;
                (VariantPatternPayload::Record(fields), end)
            }
            _ if !text.starts_with(|c: char| c.is_ascii_uppercase()) => {
                return Ok(Pattern { kind: PatternKind::Binding(name), span: t.span() });
            }
            _ => (VariantPatternPayload::None, t.end),
        };
        Ok(Pattern { kind: PatternKind::Variant { name, payload }, span: Span { start: t.start, end } })
    }

    /// `field_pattern = IDENT [ ':' pattern ]`.
    fn field_pattern(&mut self) -> PResult<FieldPattern> {
        let name = self.name("a field name", "in the pattern")?;
        let pattern = if self.eat(Tok::Colon) { Some(self.pattern()?) } else { None };
        let end = pattern.as_ref().map_or(name.span.end, |p| p.span.end);
        let span = Span { start: name.span.start, end };
        Ok(FieldPattern { name, pattern, span })
    }
}
