//! The parser: tokens → [`SourceFileAst`], recovering at item, member and list boundaries.
//!
//! A recursive-descent parser over the tokens of [`crate::lexer`], one function per grammar
//! production (`grammar/leanos.ebnf`), with precedence climbing for binary operators. Parse
//! functions return [`PResult`]; `Err(Fail)` means "a diagnostic has been reported, the caller
//! should resynchronise". Three places resynchronise:
//! - comma-separated lists skip to the next `,` or the closing delimiter;
//! - `machine`, `service` and `migrate` blocks skip to the next member;
//! - the file loop skips to the next item keyword at the start of a line, or doc comment.
//!
//! Nesting is bounded twice: a top-down counter stops recursion at [`MAX_NESTING`] levels, and
//! expressions also carry their tree height so that long operator chains cannot build a tree
//! deeper than that either (later stages walk it recursively).

mod behaviour;
mod expr;
mod items;
mod raw;
mod suggest;
mod types;

use crate::Parsed;
use crate::ast::{Comment, Decimal, Item, ItemKind, Name, SourceFileAst, SpecHeader, StrLit, Version};
use crate::lexer::{Lexer, Tok, Token};
use lp_diagnostics::{Diagnostic, FileId, Span, codes};

pub(crate) use crate::MAX_NESTING;

/// A parse function gave up; its diagnostic has already been reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fail;

pub(crate) type PResult<T> = Result<T, Fail>;

/// The words that start a top-level item.
const ITEM_KEYWORDS: &[&str] =
    &["type", "error", "fn", "machine", "service", "standards", "deploy", "migrate", "allow"];

/// Parses one file. Never fails and never panics.
pub(crate) fn parse(file: FileId, text: &str) -> Parsed<SourceFileAst> {
    let mut p = Parser::new(file, text);
    let header = p.header_opt();
    let mut items = Vec::new();
    while p.tok.kind != Tok::Eof {
        items.push(p.item());
    }
    p.finish(header, items)
}

pub(crate) struct Parser<'a> {
    src: &'a str,
    file: FileId,
    lx: Lexer<'a>,
    /// The current token (never a comment).
    tok: Token,
    /// The token after `tok`, once someone has looked at it.
    ahead: Option<Token>,
    /// End of the last consumed token.
    prev_end: u32,
    /// Index of the first doc comment in `lx.docs` not yet attached or reported.
    doc_cursor: usize,
    /// Current recursion depth of nested types, expressions, patterns and setting values.
    depth: usize,
    /// How many `(`, `[`, `{` of the current item are open, for resynchronisation.
    open: u32,
    /// Whether tokens are being skipped after an error (doc comments skipped then are not
    /// reported as dangling).
    recovering: bool,
    /// Start of the last reported syntax error; a second error there is a cascade.
    last_error: Option<u32>,
    /// Set when the nesting limit was hit in the current item: lists and blocks then leave
    /// recovery to the item level instead of resuming inside the too-deep structure.
    too_deep_hit: bool,
    /// Set while reading a `match` scrutinee, where a `{` opens the arms, not a record
    /// literal (as in Rust); brackets and parentheses inside it clear it again.
    no_record: bool,
    diags: Vec<Diagnostic>,
    /// Doc comments that document nothing, kept as ordinary comments.
    stray_docs: Vec<Comment>,
    /// Inside a block, what starts one of its members: list recovery stops there too.
    member_start: Option<fn(&mut Self) -> bool>,
}

impl<'a> Parser<'a> {
    fn new(file: FileId, src: &'a str) -> Self {
        let mut lx = Lexer::new(file, src);
        let tok = lx.next_token();
        Parser {
            src,
            file,
            lx,
            tok,
            ahead: None,
            prev_end: 0,
            doc_cursor: 0,
            depth: 0,
            open: 0,
            recovering: false,
            last_error: None,
            too_deep_hit: false,
            no_record: false,
            diags: Vec::new(),
            stray_docs: Vec::new(),
            member_start: None,
        }
    }

    fn finish(mut self, header: Option<SpecHeader>, items: Vec<Item>) -> Parsed<SourceFileAst> {
        self.flush_docs(u32::MAX);
        let mut comments = std::mem::take(&mut self.lx.comments);
        if !self.stray_docs.is_empty() {
            comments.append(&mut self.stray_docs);
            comments.sort_by_key(|c| c.span.start);
        }
        let mut diags = std::mem::take(&mut self.lx.diags);
        diags.append(&mut self.diags);
        if header.is_none() && items.is_empty() && !diags.iter().any(Diagnostic::is_error) {
            diags.push(
                Diagnostic::new(codes::EMPTY_FILE, "file contains no items")
                    .at(self.file, Span::new(0, 0), "this file declares nothing")
                    .with_help("add an item such as `type Id = Int`, or remove the file from the project"),
            );
        }
        lp_diagnostics::sort(&mut diags);
        Parsed { value: SourceFileAst { header, items, comments }, diagnostics: diags }
    }

    // ------------------------------------------------------------ token cursor

    fn text(&self, t: Token) -> &'a str {
        &self.src[t.start as usize..t.end as usize]
    }

    fn at(&self, kind: Tok) -> bool {
        self.tok.kind == kind
    }

    /// Whether the current token is the identifier `word` (a contextual keyword).
    fn at_word(&self, word: &str) -> bool {
        self.tok.kind == Tok::Ident && self.text(self.tok) == word
    }

    /// The token after the current one.
    fn peek(&mut self) -> Token {
        match self.ahead {
            Some(t) => t,
            None => {
                let t = self.lx.next_token();
                self.ahead = Some(t);
                t
            }
        }
    }

    /// Consumes the current token and returns it.
    fn bump(&mut self) -> Token {
        let t = self.tok;
        if t.kind == Tok::Eof {
            return t;
        }
        self.flush_docs(t.start);
        self.prev_end = t.end;
        self.tok = match self.ahead.take() {
            Some(n) => n,
            None => self.lx.next_token(),
        };
        t
    }

    /// Consumes the first byte of the current token only: `<-` read as `<` then `-`, `>=` as
    /// `>` then `=`. Returns the consumed one-byte token.
    fn bump_first_byte(&mut self, kind: Tok) -> Token {
        let t = self.tok;
        self.flush_docs(t.start);
        let at = t.start + 1;
        self.prev_end = at;
        self.relex_at(at as usize);
        Token { kind, start: t.start, end: at }
    }

    /// Restarts the lexer at byte `pos`, which becomes the start of the current token.
    fn relex_at(&mut self, pos: usize) {
        self.ahead = None;
        self.lx.reset(pos);
        self.doc_cursor = self.doc_cursor.min(self.lx.docs.len());
        self.tok = self.lx.next_token();
    }

    fn eat(&mut self, kind: Tok) -> bool {
        if self.at(kind) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn eat_word(&mut self, word: &str) -> bool {
        if self.at_word(word) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// Whether the token at `pos` is the first one on its line.
    fn line_start(&self, pos: u32) -> bool {
        let before = self.src[..pos as usize].trim_end_matches([' ', '\t']);
        before.is_empty() || before.ends_with(['\n', '\r']) || before == "\u{feff}"
    }

    // ------------------------------------------------------------ doc comments

    /// Whether a doc comment not yet attached precedes the current token.
    fn doc_before_tok(&self) -> bool {
        self.lx.docs.get(self.doc_cursor).is_some_and(|d| d.end <= self.tok.start)
    }

    /// Attaches the doc comments right before the current token: their lines, without `///`
    /// and without one leading space.
    fn take_docs(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(&d) = self.lx.docs.get(self.doc_cursor) {
            if d.end > self.tok.start {
                break;
            }
            let raw = &self.src[d.range()];
            let body = raw.strip_prefix("///").unwrap_or(raw);
            out.push(body.strip_prefix(' ').unwrap_or(body).to_string());
            self.doc_cursor += 1;
        }
        out
    }

    /// Doc comments before `pos` that nothing claimed: a warning, and kept as comments.
    fn flush_docs(&mut self, pos: u32) {
        while let Some(&d) = self.lx.docs.get(self.doc_cursor) {
            if d.end > pos {
                break;
            }
            self.doc_cursor += 1;
            let text = self.src[d.range()].get(2..).unwrap_or("").to_string();
            self.stray_docs.push(Comment { text, span: d });
            if !self.recovering {
                self.diags.push(
                    Diagnostic::new(codes::DANGLING_DOC_COMMENT, "doc comment does not document anything")
                        .at(self.file, d, "not followed by an item, field, variant or member")
                        .with_help("use `//` for an ordinary comment, or move it right before what it documents"),
                );
            }
        }
    }

    // ------------------------------------------------------------ diagnostics

    /// Reports a syntax error unless one was already reported at the same place.
    fn error(&mut self, d: Diagnostic) {
        let at = d.primary.as_ref().map(|l| l.span.start);
        if at.is_some() && at == self.last_error {
            return;
        }
        self.last_error = at;
        self.diags.push(d);
    }

    /// Where an error about the current token points: the token, or the end of the last
    /// token when the file has ended.
    fn error_span(&self) -> Span {
        if self.tok.kind == Tok::Eof { Span { start: self.prev_end, end: self.prev_end } } else { self.tok.span() }
    }

    /// The current token as error messages name it.
    fn describe(&self, t: Token) -> String {
        match t.kind {
            Tok::Eof => "end of file".to_string(),
            Tok::Str | Tok::UnterminatedStr => "a string".to_string(),
            Tok::Ident | Tok::Int | Tok::Decimal => {
                let text = self.text(t);
                if text.len() > 24 { format!("`{}…`", &text[..24]) } else { format!("`{text}`") }
            }
            k => format!("`{}`", k.punct().unwrap_or("?")),
        }
    }

    /// "expected {what} {context}, found …" about the current token.
    fn expected_diag(&self, what: &str, context: &str, help: Option<&str>) -> Diagnostic {
        let found = self.describe(self.tok);
        let message = if context.is_empty() {
            format!("expected {what}, found {found}")
        } else {
            format!("expected {what} {context}, found {found}")
        };
        let mut d = Diagnostic::new(codes::UNEXPECTED_TOKEN, message).at(
            self.file,
            self.error_span(),
            format!("expected {what}"),
        );
        if let Some(help) = help {
            d = d.with_help(help);
        }
        d
    }

    /// Reports "expected {what} {context}, found …" at the current token.
    fn expected(&mut self, what: &str, context: &str, help: Option<&str>) -> Fail {
        let d = self.expected_diag(what, context, help);
        self.error(d);
        Fail
    }

    /// Consumes a token of `kind` or reports "expected `x` {context}".
    fn expect(&mut self, kind: Tok, context: &str, help: Option<&str>) -> PResult<Token> {
        if self.at(kind) {
            return Ok(self.bump());
        }
        let what = format!("`{}`", kind.punct().unwrap_or("?"));
        Err(self.expected(&what, context, help))
    }

    /// Consumes the contextual keyword `word` or reports "expected `word` {context}".
    fn expect_word(&mut self, word: &str, context: &str, help: Option<&str>) -> PResult<Token> {
        if self.at_word(word) {
            return Ok(self.bump());
        }
        Err(self.expected(&format!("`{word}`"), context, help))
    }

    /// Consumes an identifier as a [`Name`], or reports "expected {what} {context}".
    ///
    /// An item keyword at the start of a line is taken as the next item, not as a name: the
    /// current item is probably unfinished.
    fn name(&mut self, what: &str, context: &str) -> PResult<Name> {
        if self.at(Tok::Ident) && !self.at_item_sync() {
            let t = self.bump();
            return Ok(Name { text: self.text(t).to_string(), span: t.span() });
        }
        Err(self.expected(what, context, None))
    }

    fn too_deep(&mut self, what: &str, at: Span) -> Fail {
        self.too_deep_hit = true;
        self.error(
            Diagnostic::new(codes::NESTING_TOO_DEEP, format!("{what} is nested too deeply"))
                .at(self.file, at, format!("more than {MAX_NESTING} levels deep here"))
                .with_note(format!(
                    "nested brackets, type arguments, patterns and chains of operators or `->` each add a level; the limit is {MAX_NESTING}"
                ))
                .with_help("split it into smaller named types or functions"),
        );
        Fail
    }

    /// Goes one nesting level deeper, or reports `LP0004` when that is too deep. Returns the
    /// depth to restore on success; after a failure, whoever recovers (a list, a block or the
    /// item loop) restores its own depth. No closure is involved, to keep the recursive path
    /// to as few stack frames as possible.
    fn enter(&mut self, what: &str) -> PResult<usize> {
        if self.depth >= MAX_NESTING {
            let at = self.tok.span();
            return Err(self.too_deep(what, at));
        }
        self.depth += 1;
        Ok(self.depth - 1)
    }

    // ------------------------------------------------------------ literals

    /// The value of an integer token; reports `LP0008` and gives 0 when it does not fit.
    fn int_value(&mut self, t: Token) -> i64 {
        let mut v: i64 = 0;
        for b in self.text(t).bytes() {
            if b == b'_' {
                continue;
            }
            match v.checked_mul(10).and_then(|v| v.checked_add(i64::from(b - b'0'))) {
                Some(n) => v = n,
                None => {
                    self.diags.push(
                        Diagnostic::new(codes::INTEGER_OVERFLOW, "integer literal is too large")
                            .at(self.file, t.span(), "does not fit in a 64-bit signed integer")
                            .with_note(format!("the largest integer is {}", i64::MAX)),
                    );
                    return 0;
                }
            }
        }
        v
    }

    /// The exact value of a decimal token, its scale (the digits after the point) kept, so
    /// that `12.50` formats as written. A literal with more than
    /// [`MAX_DECIMAL_SCALE`](crate::ast::MAX_DECIMAL_SCALE) digits after the point, or whose
    /// digits do not fit in 96 bits, is reported and read as `0.0`.
    fn decimal_value(&mut self, t: Token) -> Decimal {
        let text: String = self.text(t).chars().filter(|&c| c != '_').collect();
        let scale = text.split_once('.').map_or(0, |(_, f)| f.len());
        let parsed =
            if scale > crate::ast::MAX_DECIMAL_SCALE as usize { None } else { Decimal::from_str_exact(&text).ok() };
        match parsed {
            Some(d) if d.scale() as usize == scale => d,
            _ => {
                self.diags.push(
                    Diagnostic::new(codes::DECIMAL_OUT_OF_RANGE, "decimal literal is out of range")
                        .at(self.file, t.span(), "cannot be represented exactly")
                        .with_note(format!(
                            "a decimal has at most {} digits after the point and 28 to 29 significant digits in all",
                            crate::ast::MAX_DECIMAL_SCALE
                        )),
                );
                Decimal::new(0, 1)
            }
        }
    }

    /// The value of a string token, escapes resolved (unknown escapes were reported by the
    /// lexer and are kept as written).
    fn str_value(&self, t: Token) -> String {
        let text = self.text(t);
        let body = &text[1.min(text.len())..];
        let body = if t.kind == Tok::Str { body.strip_suffix('"').unwrap_or(body) } else { body };
        if !body.contains('\\') {
            return body.to_string();
        }
        let mut out = String::with_capacity(body.len());
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('u') => match crate::lexer::unicode_escape(chars.as_str()) {
                    Some((ch, len)) => {
                        out.push(ch);
                        chars = chars.as_str()[len..].chars();
                    }
                    None => out.push_str("\\u"),
                },
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(e @ ('"' | '\\')) => out.push(e),
                Some(e) => {
                    out.push('\\');
                    out.push(e);
                }
                None => out.push('\\'),
            }
        }
        out
    }

    /// Consumes a string token as a [`StrLit`], or reports "expected {what} {context}".
    fn str_lit(&mut self, what: &str, context: &str, help: Option<&str>) -> PResult<StrLit> {
        if self.tok.kind.is_str() {
            let t = self.bump();
            return Ok(StrLit { value: self.str_value(t), span: t.span() });
        }
        Err(self.expected(what, context, help))
    }

    // ------------------------------------------------------------ delimiters and lists

    /// Consumes an opening delimiter and returns its span.
    fn open_delim(&mut self) -> Span {
        let t = self.bump();
        if t.kind.is_open() {
            self.open += 1;
        }
        t.span()
    }

    /// Whether the current token closes with `close` (`>` also matches `>=` and `>=>`, which
    /// are split).
    fn at_close(&self, close: Tok) -> bool {
        self.tok.kind == close || (close == Tok::Gt && matches!(self.tok.kind, Tok::Ge | Tok::Kleisli))
    }

    /// Consumes the closing delimiter `close`, which [`Self::at_close`] has seen.
    fn bump_close(&mut self, close: Tok) -> u32 {
        if close.is_close() {
            self.open = self.open.saturating_sub(1);
        }
        if self.tok.kind != close { self.bump_first_byte(close).end } else { self.bump().end }
    }

    /// Whether the list or block being parsed has obviously ended without its closer: at the
    /// end of the file, or at an item keyword that starts a line.
    fn at_unclosed_end(&mut self) -> bool {
        self.tok.kind == Tok::Eof || self.at_item_sync()
    }

    /// Reports `LP0011` for an opener whose closer is missing at the current token, and
    /// treats the delimiter as closed.
    fn unclosed(&mut self, close: Tok, open: Span) -> u32 {
        let closer = close.punct().unwrap_or("?");
        let opener = match close {
            Tok::RParen => "(",
            Tok::RBracket => "[",
            Tok::Gt => "<",
            _ => "{",
        };
        let label = if self.tok.kind == Tok::Eof {
            format!("expected `{closer}` before the end of the file")
        } else {
            format!("expected `{closer}` before `{}`", self.text(self.tok))
        };
        let span = self.error_span();
        self.error(
            Diagnostic::new(codes::UNCLOSED_DELIMITER, format!("unclosed `{opener}`"))
                .at(self.file, span, label)
                .with_secondary(self.file, open, format!("this `{opener}` is never closed"))
                .with_help(format!("add the missing `{closer}`")),
        );
        if close.is_close() {
            self.open = self.open.saturating_sub(1);
        }
        self.prev_end
    }

    /// Closes a delimiter that is not a list: `( expr )`, `( type )`, `Variant( pattern )`.
    fn close_delim(&mut self, close: Tok, open: Span, expected: &str) -> PResult<u32> {
        if self.at_close(close) {
            return Ok(self.bump_close(close));
        }
        if self.at_unclosed_end() {
            return Ok(self.unclosed(close, open));
        }
        let opened = format!("the `{}` opened here", &self.src[open.range()]);
        let d = self.expected_diag(expected, "", None).with_secondary(self.file, open, opened);
        self.error(d);
        Err(Fail)
    }

    /// Parses the elements of a list after its opener (already consumed, at `open`) up to
    /// and including `close`. Elements are separated by `,` (and `;` when `semi`), a
    /// trailing separator is allowed. A broken element is skipped up to the next separator;
    /// `after` names an element in "expected `,` or `)` after {after}".
    fn list<T>(
        &mut self,
        open: Span,
        close: Tok,
        semi: bool,
        after: &str,
        mut elem: impl FnMut(&mut Self) -> PResult<T>,
    ) -> PResult<(Vec<T>, u32)> {
        let base = self.open;
        let depth = self.depth;
        let mut out = Vec::new();
        loop {
            if self.at_close(close) {
                return Ok((out, self.bump_close(close)));
            }
            if self.at_unclosed_end() {
                return Ok((out, self.unclosed(close, open)));
            }
            let start = self.tok.start;
            if let Ok(v) = elem(self) {
                out.push(v);
                if self.at(Tok::Comma) || (semi && self.at(Tok::Semi)) {
                    self.bump();
                    continue;
                }
                if self.at_close(close) || self.at_unclosed_end() {
                    continue;
                }
                self.separator_expected(close, semi, after);
            }
            self.depth = depth;
            if self.too_deep_hit || !self.recover_in_list(base, close, semi) {
                // The list is abandoned: its opener no longer waits for a closer.
                if close.is_close() {
                    self.open = base.saturating_sub(1);
                }
                return Err(Fail);
            }
            if self.tok.start == start && self.tok.kind != Tok::Eof && !self.at_close(close) && !self.at_item_sync() {
                self.bump();
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn separator_expected(&mut self, close: Tok, semi: bool, after: &str) {
        let closer = close.punct().unwrap_or("?");
        let what = if semi { format!("`,`, `;` or `{closer}`") } else { format!("`,` or `{closer}`") };
        let help = if self.at(Tok::Ident) { Some("separate the elements with commas") } else { None };
        self.expected(&what, &format!("after {after}"), help);
    }

    /// Skips a broken list element: up to a separator (consumed) or the list's closer at the
    /// list's own level. Returns false at a closer that belongs to something else, or at the
    /// start of the enclosing block's next member.
    fn recover_in_list(&mut self, base: u32, close: Tok, semi: bool) -> bool {
        let mut depth = self.open.saturating_sub(base);
        self.open = base;
        self.recovering = true;
        let ok = loop {
            let k = self.tok.kind;
            if k == Tok::Eof || self.at_item_sync() {
                break true;
            }
            if let Some(member_start) = self.member_start
                && self.line_start(self.tok.start)
                && member_start(self)
            {
                break false;
            }
            if depth == 0 {
                if k == Tok::Comma || (semi && k == Tok::Semi) {
                    self.bump();
                    break true;
                }
                if self.at_close(close) {
                    break true;
                }
                if k.is_close() {
                    break false;
                }
            }
            if k.is_open() {
                depth += 1;
            } else if k.is_close() {
                depth -= 1;
            }
            self.bump();
        };
        self.recovering = false;
        ok
    }

    /// Parses the members of a `{ ... }` block after its `{` (already consumed, at `open`),
    /// up to and including `}`. Each member gets the doc comments before it (when
    /// `with_docs`; otherwise they are reported as dangling); a member that
    /// fails is skipped up to the next token for which `member_start` holds (checked only at
    /// the start of a line), and returned as `None`.
    #[allow(clippy::type_complexity)]
    fn block<K>(
        &mut self,
        open: Span,
        with_docs: bool,
        member_start: fn(&mut Self) -> bool,
        mut member: impl FnMut(&mut Self) -> PResult<K>,
    ) -> (Vec<(Vec<String>, Option<K>, Span)>, u32) {
        let base = self.open;
        let depth = self.depth;
        let mut out = Vec::new();
        let outer = self.member_start.replace(member_start);
        let end = loop {
            if self.at(Tok::RBrace) {
                self.flush_docs(self.tok.start);
                break self.bump_close(Tok::RBrace);
            }
            if self.at(Tok::Eof) || (self.at_item_sync() && !member_start(self)) {
                break self.unclosed(Tok::RBrace, open);
            }
            let docs = if with_docs { self.take_docs() } else { Vec::new() };
            let start = self.tok.start;
            let kind = match member(self) {
                Ok(k) => Some(k),
                Err(Fail) => {
                    self.depth = depth;
                    self.recover_member(base, member_start);
                    if self.tok.start == start && !self.at(Tok::Eof) && !self.at(Tok::RBrace) {
                        self.bump();
                    }
                    None
                }
            };
            out.push((docs, kind, Span { start, end: self.prev_end.max(start) }));
        };
        self.member_start = outer;
        (out, end)
    }

    /// Skips a broken block member up to the next member, the block's `}`, or an item.
    fn recover_member(&mut self, base: u32, member_start: fn(&mut Self) -> bool) {
        let mut depth = self.open.saturating_sub(base);
        self.open = base;
        self.recovering = true;
        loop {
            let k = self.tok.kind;
            if k == Tok::Eof || (depth == 0 && (k == Tok::RBrace || self.doc_before_tok())) {
                break;
            }
            if self.line_start(self.tok.start) && (member_start(self) || self.at_item_sync()) {
                break;
            }
            if k.is_open() {
                depth += 1;
            } else if k.is_close() {
                depth = depth.saturating_sub(1);
            }
            self.bump();
        }
        self.recovering = false;
    }

    // ------------------------------------------------------------ items

    /// Whether the current token plausibly starts an item: an item keyword first on its line
    /// and followed by what that item needs next.
    fn at_item_sync(&mut self) -> bool {
        if self.tok.kind != Tok::Ident {
            return false;
        }
        let follow_ident = match self.text(self.tok) {
            "type" | "error" | "fn" | "machine" | "service" | "deploy" | "allow" | "entity" | "invariant" => None,
            "standards" => Some(Tok::LBrace),
            "migrate" => Some(Tok::Ident),
            _ => return false,
        };
        if !self.line_start(self.tok.start) {
            return false;
        }
        let next = self.peek();
        match follow_ident {
            None => next.kind == Tok::Ident,
            Some(Tok::Ident) => next.kind == Tok::Ident && self.text(next) == "from",
            Some(k) => next.kind == k,
        }
    }

    /// Whether the current token looks like a misspelt item keyword in the first column,
    /// followed by a name (`tpye A`, `Service s`, `struct P`).
    fn at_misspelt_item(&mut self) -> bool {
        let start = self.tok.start as usize;
        self.tok.kind == Tok::Ident
            && (start == 0 || matches!(self.src.as_bytes()[start - 1], b'\n' | b'\r'))
            && suggest::item_keyword(self.text(self.tok)).is_some()
            && self.peek().kind == Tok::Ident
    }

    /// Skips a broken item up to the next item keyword at the start of a line, the next doc
    /// comment outside brackets, or a misspelt item keyword in the first column.
    fn recover_item(&mut self) {
        let mut depth = self.open;
        self.recovering = true;
        loop {
            let k = self.tok.kind;
            if k == Tok::Eof || (depth == 0 && self.doc_before_tok()) || self.at_item_sync() || self.at_misspelt_item()
            {
                break;
            }
            if k.is_open() {
                depth += 1;
            } else if k.is_close() {
                depth = depth.saturating_sub(1);
            }
            self.bump();
        }
        self.recovering = false;
        self.open = 0;
    }

    /// `spec IDENT version VERSION`, when the file starts with `spec`.
    fn header_opt(&mut self) -> Option<SpecHeader> {
        if !self.at_word("spec") {
            return None;
        }
        match self.header() {
            Ok(h) => Some(h),
            Err(Fail) => {
                self.recover_item();
                None
            }
        }
    }

    fn header(&mut self) -> PResult<SpecHeader> {
        let kw = self.bump();
        let name = self.name("a spec name", "after `spec`")?;
        self.expect_word("version", "after the spec name", Some("the header is written `spec name version 1.0.0`"))?;
        let version = self.version()?;
        Ok(SpecHeader { name, version, span: Span { start: kw.start, end: version.span.end } })
    }

    /// One item with its doc comments; `ItemKind::Invalid` when it could not be read.
    fn item(&mut self) -> Item {
        let docs = self.take_docs();
        let start = self.tok.start;
        self.open = 0;
        self.depth = 0;
        self.too_deep_hit = false;
        let kind = match self.item_kind() {
            Ok(kind) => kind,
            Err(Fail) => {
                self.recover_item();
                if self.tok.start == start && !self.at(Tok::Eof) {
                    self.bump();
                    self.recover_item();
                }
                ItemKind::Invalid
            }
        };
        Item { docs, kind, span: Span { start, end: self.prev_end.max(start) } }
    }

    fn item_kind(&mut self) -> PResult<ItemKind> {
        if self.tok.kind == Tok::Ident {
            match self.text(self.tok) {
                "type" => return self.type_decl().map(ItemKind::Type),
                "error" => return self.error_decl().map(ItemKind::Error),
                "fn" => return self.fn_decl().map(ItemKind::Fn),
                "machine" => return self.machine_decl().map(ItemKind::Machine),
                "service" => return self.service_decl().map(ItemKind::Service),
                "standards" => {
                    self.bump();
                    return self.settings("after `standards`").map(ItemKind::Standards);
                }
                "deploy" => return self.deploy_decl().map(ItemKind::Deploy),
                "migrate" => return self.migrate_decl().map(ItemKind::Migrate),
                "allow" => return self.allow_decl().map(ItemKind::Allow),
                "entity" => return self.entity_decl().map(ItemKind::Entity),
                "invariant" => return self.invariant_decl().map(ItemKind::Invariant),
                _ => {}
            }
        }
        self.unknown_item();
        Err(Fail)
    }

    /// Reports `LP0012` for a token that cannot start an item, and consumes it.
    fn unknown_item(&mut self) {
        let t = self.tok;
        let found = self.describe(t);
        let mut d = Diagnostic::new(codes::UNKNOWN_ITEM, format!("expected an item, found {found}"));
        let listing =
            "items start with `type`, `error`, `fn`, `machine`, `service`, `standards`, `deploy`, `migrate` or `allow`";
        if t.kind == Tok::Ident {
            let word = self.text(t);
            if word == "spec" {
                d = d
                    .at(self.file, t.span(), "the spec header must come first")
                    .with_help("move `spec NAME version X.Y.Z` to the top of the file");
            } else {
                d = d.at(self.file, t.span(), "not an item keyword");
                d = match suggest::item_keyword(word) {
                    Some(kw) => d.with_help(format!("did you mean `{kw}`?")),
                    None => d.with_help(listing),
                };
            }
        } else {
            d = d.at(self.file, self.error_span(), "expected an item");
            d = match t.kind {
                Tok::Semi => d.with_help("items are not separated by `;`"),
                k if k.is_close() => d.with_help("this closing delimiter does not match any opening one"),
                _ => d.with_help(listing),
            };
        }
        self.error(d);
        self.bump();
    }

    /// `VERSION = digit+ '.' digit+ '.' digit+`, read from the raw text after `version`.
    fn version(&mut self) -> PResult<Version> {
        let t = self.tok;
        if !matches!(t.kind, Tok::Int | Tok::Decimal | Tok::Ident) {
            let found = self.describe(t);
            let help = if t.kind.is_str() {
                "write the version without quotes: `1.0.0`"
            } else {
                "a version is `MAJOR.MINOR.PATCH`, such as `1.0.0`"
            };
            self.error(
                Diagnostic::new(codes::INVALID_VERSION, format!("expected a version after `version`, found {found}"))
                    .at(self.file, self.error_span(), "expected `MAJOR.MINOR.PATCH`")
                    .with_help(help),
            );
            return Err(Fail);
        }
        let start = t.start as usize;
        let word_len = self.src[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+')))
            .unwrap_or(self.src.len() - start);
        let end = start + word_len;
        let word = &self.src[start..end];
        let span = Span::new(start, end);
        self.flush_docs(t.start);
        self.prev_end = end as u32;
        self.relex_at(end);
        match raw::version(word) {
            Ok(("", (major, minor, patch))) => {
                let part = |s: &str| s.parse::<u64>().ok();
                match (part(major), part(minor), part(patch)) {
                    (Some(major), Some(minor), Some(patch)) => return Ok(Version { major, minor, patch, span }),
                    _ => {
                        self.error(
                            Diagnostic::new(codes::INVALID_VERSION, format!("invalid version `{word}`"))
                                .at(self.file, span, "a part of this version does not fit in 64 bits")
                                .with_help("use smaller numbers"),
                        );
                    }
                }
            }
            _ => {
                let help = if word.starts_with(['v', 'V']) {
                    "remove the leading `v`".to_string()
                } else if word.contains(['-', '+']) {
                    "pre-release and build suffixes are not supported; use `MAJOR.MINOR.PATCH`".to_string()
                } else {
                    match word.split('.').filter(|s| !s.is_empty()).count() {
                        1 => format!("write all three parts: `{}.0.0`", word.trim_end_matches('.')),
                        2 => format!("write all three parts: `{}.0`", word.trim_end_matches('.')),
                        _ => "a version is three numbers separated by dots, such as `1.0.0`".to_string(),
                    }
                };
                let shown = if word.len() > 24 { format!("{}…", &word[..24]) } else { word.to_string() };
                self.error(
                    Diagnostic::new(codes::INVALID_VERSION, format!("invalid version `{shown}`"))
                        .at(self.file, span, "expected `MAJOR.MINOR.PATCH`")
                        .with_help(help),
                );
            }
        }
        Ok(Version { major: 0, minor: 0, patch: 0, span })
    }
}
