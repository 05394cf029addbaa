//! Behaviour productions: `entity_decl`, `invariant_decl`, and operation bodies (`block`,
//! `stmt`, `term`, `term_arm`, `raise`).
//!
//! A block is a sequence of statements; the last one, when it is a term, is the block's
//! value. Statements are told apart by their first word (`let`, `require`, `put`, `delete`,
//! `fire`); anything else is a term.

use super::{PResult, Parser};
use crate::ast::{Block, EntityDecl, Expr, ExprKind, InvariantDecl, Raise, Stmt, StmtKind, Term, TermArm, TermKind};
use crate::lexer::Tok;
use lp_diagnostics::Span;

/// The words that start a statement or a term with effects, for recovery inside a block.
const STMT_KEYWORDS: &[&str] = &["let", "require", "put", "delete", "fire", "create", "fail", "if", "match"];

impl Parser<'_> {
    /// `entity_decl = 'entity' IDENT 'key' key_fields [ 'lifecycle' IDENT ] '=' record_type
    /// [ 'where' expr ]`.
    pub(super) fn entity_decl(&mut self) -> PResult<EntityDecl> {
        const HELP: &str = "an entity is written `entity Name key id = { id: Id, ... }`";
        self.bump();
        let name = self.name("an entity name", "after `entity`")?;
        self.expect_word("key", "after the entity name", Some(HELP))?;
        let (key, key_parens) = if self.at(Tok::LParen) {
            let open = self.open_delim();
            let (key, _) = self.list(open, Tok::RParen, false, "a key field", |p| p.name("a key field", ""))?;
            (key, true)
        } else {
            (vec![self.name("a key field", "after `key`")?], false)
        };
        let lifecycle =
            if self.eat_word("lifecycle") { Some(self.name("a machine name", "after `lifecycle`")?) } else { None };
        self.expect(Tok::Eq, "before the entity's fields", Some(HELP))?;
        if !self.at(Tok::LBrace) {
            return Err(self.expected("`{`", "after `=`", Some("an entity's body is a record: `{ id: Id, ... }`")));
        }
        let record = self.record_type()?;
        let refinement = self.refinement()?;
        Ok(EntityDecl { name, key, key_parens, lifecycle, record, refinement })
    }

    /// `invariant_decl = 'invariant' IDENT ':' expr`.
    pub(super) fn invariant_decl(&mut self) -> PResult<InvariantDecl> {
        self.bump();
        let name = self.name("an invariant name", "after `invariant`")?;
        self.expect(
            Tok::Colon,
            "after the invariant name",
            Some("an invariant is written `invariant name: forall x: Entity. ...`"),
        )?;
        let expr = self.expr()?;
        Ok(InvariantDecl { name, expr })
    }

    /// `block = '{' { stmt } '}'`; the last statement, when it is a term, is the value.
    pub(super) fn body_block(&mut self) -> PResult<Block> {
        let depth = self.enter("block")?;
        let outer = std::mem::replace(&mut self.no_record, false);
        let open = self.open_delim();
        let (members, end) = self.block(open, false, Self::stmt_start, Self::stmt);
        self.no_record = outer;
        self.depth = depth;
        let mut stmts: Vec<Stmt> =
            members.into_iter().map(|(_, kind, span)| Stmt { kind: kind.unwrap_or(StmtKind::Invalid), span }).collect();
        let result = match stmts.last() {
            Some(Stmt { kind: StmtKind::Term(_), .. }) => match stmts.pop().map(|s| s.kind) {
                Some(StmtKind::Term(t)) => Some(Box::new(t)),
                _ => None,
            },
            _ => None,
        };
        Ok(Block { stmts, result, span: Span { start: open.start, end } })
    }

    /// Whether the current token starts a statement (checked at the start of a line).
    fn stmt_start(&mut self) -> bool {
        self.tok.kind == Tok::Ident && STMT_KEYWORDS.contains(&self.text(self.tok))
    }

    /// `stmt = 'let' IDENT [ ':' type_ref ] '=' term | 'require' expr 'else' raise
    /// | 'put' expr | 'delete' IDENT '[' exprs ']' | 'fire' expr [ 'else' raise ] | term`.
    fn stmt(&mut self) -> PResult<StmtKind> {
        let word = if self.at(Tok::Ident) { self.text(self.tok) } else { "" };
        let next = self.peek().kind;
        match word {
            "let" if next == Tok::Ident => {
                self.bump();
                let name = self.name("a name", "after `let`")?;
                let ty = if self.eat(Tok::Colon) { Some(self.type_ref()?) } else { None };
                self.expect(Tok::Eq, "after the name", Some("a binding is written `let name = value`"))?;
                let value = self.term()?;
                Ok(StmtKind::Let { name, ty, value })
            }
            "require" if next != Tok::Eq => {
                self.bump();
                let cond = self.expr()?;
                self.expect_word(
                    "else",
                    "after the condition",
                    Some("a requirement is written `require condition else Error { ... }`"),
                )?;
                let otherwise = self.raise()?;
                Ok(StmtKind::Require { cond, otherwise })
            }
            "put" if next != Tok::Eq => {
                self.bump();
                Ok(StmtKind::Put(self.expr()?))
            }
            "delete" if next == Tok::Ident => {
                self.bump();
                let entity = self.name("an entity name", "after `delete`")?;
                let key = self.key_args("after the entity name", "write `delete Entity[key]`")?;
                Ok(StmtKind::Delete { entity, key })
            }
            "fire" if next != Tok::Eq => {
                self.bump();
                let target = self.expr()?;
                let (target, event) = match target.kind {
                    ExprKind::Field { base, field } => (*base, field),
                    _ => {
                        return Err(self.expected(
                            "`.` and an event",
                            "after the instance",
                            Some("write `fire instance.event`"),
                        ));
                    }
                };
                let otherwise = if self.eat_word("else") { Some(self.raise()?) } else { None };
                Ok(StmtKind::Fire { target, event, otherwise })
            }
            _ => Ok(StmtKind::Term(self.term()?)),
        }
    }

    /// `'[' expr { ',' expr } [ ',' ] ']'`: the key of a lookup or a `delete`.
    pub(super) fn key_args(&mut self, context: &str, help: &str) -> PResult<Vec<Expr>> {
        if !self.at(Tok::LBracket) {
            return Err(self.expected("`[`", context, Some(help)));
        }
        let depth = self.enter("expression")?;
        let outer = std::mem::replace(&mut self.no_record, false);
        let open = self.open_delim();
        let listed = self.list(open, Tok::RBracket, false, "a key value", Self::expr);
        self.no_record = outer;
        let (key, _) = listed?;
        self.depth = depth;
        Ok(key)
    }

    /// `term = 'create' IDENT field_inits [ 'else' raise ] | 'fail' raise | if_term
    /// | term_match | IDENT '[' exprs ']' 'else' raise | IDENT '.' IDENT '(' exprs ')' [ 'else'
    /// raise ] | expr`.
    pub(super) fn term(&mut self) -> PResult<Term> {
        let depth = self.enter("expression")?;
        let start = self.tok.start;
        let word = if self.at(Tok::Ident) { self.text(self.tok) } else { "" };
        let next = self.peek().kind;
        let kind = match word {
            "create" if next == Tok::Ident => {
                self.bump();
                let entity = self.name("an entity name", "after `create`")?;
                if !self.at(Tok::LBrace) {
                    return Err(self.expected(
                        "`{`",
                        "after the entity name",
                        Some("write `create Entity { field: value, ... }`"),
                    ));
                }
                let (fields, _, _) = self.field_inits()?;
                let otherwise = if self.eat_word("else") { Some(self.raise()?) } else { None };
                TermKind::Create { entity, fields, otherwise }
            }
            "fail" if next == Tok::Ident => {
                self.bump();
                TermKind::Fail(self.raise()?)
            }
            "if" if next != Tok::Eq => {
                self.bump();
                let outer = std::mem::replace(&mut self.no_record, true);
                let cond = self.expr();
                self.no_record = outer;
                let cond = cond?;
                let then = self.branch_block("after the condition")?;
                let otherwise = if self.eat_word("else") {
                    if self.at_word("if") {
                        Some(Box::new(self.term()?))
                    } else {
                        let b = self.branch_block("after `else`")?;
                        Some(Box::new(Term { span: b.span, kind: TermKind::Block(b) }))
                    }
                } else {
                    None
                };
                TermKind::If { cond, then, otherwise }
            }
            "match" if next != Tok::Eq && next != Tok::LBrace => {
                self.bump();
                let outer = std::mem::replace(&mut self.no_record, true);
                let scrutinee = self.expr();
                self.no_record = outer;
                let scrutinee = scrutinee?;
                if !self.at(Tok::LBrace) {
                    return Err(self.expected("`{`", "after the value to match", None));
                }
                let open = self.open_delim();
                let (arms, _) = self.list(open, Tok::RBrace, false, "a match arm", Self::term_arm)?;
                TermKind::Match { scrutinee, arms }
            }
            _ if next == Tok::LBracket && word.starts_with(|c: char| c.is_ascii_uppercase()) => {
                let entity = self.name("an entity name", "")?;
                let key = self.key_args("after the entity name", "write `Entity[key] else Error { ... }`")?;
                self.expect_word(
                    "else",
                    "after the key",
                    Some("a lookup says what to answer when nothing is stored: `Entity[key] else NotFound { ... }`"),
                )?;
                TermKind::Lookup { entity, key, otherwise: self.raise()? }
            }
            _ => {
                let e = self.expr()?;
                match e.kind {
                    ExprKind::Field { base, field } if self.at(Tok::LParen) => match base.kind {
                        ExprKind::Name(service) => {
                            let outer = std::mem::replace(&mut self.no_record, false);
                            let open = self.open_delim();
                            let listed = self.list(open, Tok::RParen, false, "an argument", Self::expr);
                            self.no_record = outer;
                            let (args, _) = listed?;
                            let otherwise = if self.eat_word("else") { Some(self.raise()?) } else { None };
                            TermKind::CallOp { service, op: field, args, otherwise }
                        }
                        _ => {
                            return Err(self.expected(
                                "the end of the expression",
                                "",
                                Some("only operations of services are called with `Service.op(...)`"),
                            ));
                        }
                    },
                    kind => TermKind::Expr(Expr { kind, span: e.span }),
                }
            }
        };
        self.depth = depth;
        Ok(Term { kind, span: Span { start, end: self.prev_end.max(start) } })
    }

    /// A `{ ... }` block of an `if` or `else`.
    fn branch_block(&mut self, context: &str) -> PResult<Block> {
        if !self.at(Tok::LBrace) {
            return Err(self.expected("`{`", context, Some("a branch is a block: `if c { ... } else { ... }`")));
        }
        self.body_block()
    }

    /// `term_arm = pattern '=>' ( block | term )`.
    fn term_arm(&mut self) -> PResult<TermArm> {
        let pattern = self.pattern()?;
        self.expect(Tok::FatArrow, "after the pattern", Some("a match arm is written `Pattern => value`"))?;
        let body = if self.at(Tok::LBrace) {
            let b = self.body_block()?;
            Term { span: b.span, kind: TermKind::Block(b) }
        } else {
            self.term()?
        };
        let span = pattern.span.to(body.span);
        Ok(TermArm { pattern, body, span })
    }

    /// `raise = IDENT [ field_inits ]`: the error after `else` or `fail`.
    fn raise(&mut self) -> PResult<Raise> {
        let error = self.name("an error name", "")?;
        let mut end = error.span.end;
        let fields = if self.at(Tok::LBrace) {
            let (fields, e, _) = self.field_inits()?;
            end = e;
            Some(fields)
        } else {
            None
        };
        Ok(Raise { span: Span { start: error.span.start, end }, error, fields })
    }
}
