//! The lexer: spec text → tokens with byte spans, built from small nom parsers.
//!
//! The lexer is pulled one token at a time by the parser, which lets the parser re-read a
//! stretch of raw text in another mode (versions and HTTP paths, see `parser::raw`) and then
//! [`Lexer::reset`] to the end of it. Trivia never reaches the parser as tokens: whitespace
//! is skipped, `//` comments are collected into [`Lexer::comments`], and `///` doc comments
//! into [`Lexer::docs`], from where the parser claims them for the next item, field, variant
//! or member. A line ends at `\n`, `\r\n` or a lone `\r` (as in
//! [`lp_diagnostics::line_starts`]): a comment or a string never runs past any of them.
//! Lexical errors (an unterminated string, an unknown escape, a run of invalid
//! characters) are reported here and the lexer carries on, so it never fails.

use crate::ast::Comment;
use lp_diagnostics::{Diagnostic, FileId, Span, codes};
use nom::branch::alt;
use nom::bytes::complete::{is_not, tag, take_till, take_while};
use nom::character::complete::{char, digit1, multispace0, none_of, satisfy};
use nom::combinator::{opt, recognize, value};
use nom::multi::many0_count;
use nom::sequence::preceded;
use nom::{IResult, Parser};

/// The kind of a token. Keywords are contextual, so they are plain [`Tok::Ident`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    Ident,
    Int,
    /// A decimal literal: digits, a point and digits (`0.7`, `12.50`).
    Decimal,
    /// A string literal with its closing quote.
    Str,
    /// A string literal cut off by the end of the line (already reported).
    UnterminatedStr,
    LParen,
    RParen,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Lt,
    Gt,
    Le,
    Ge,
    EqEq,
    Ne,
    Eq,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Bang,
    AndAnd,
    OrOr,
    Pipe,
    Comma,
    Semi,
    Colon,
    Dot,
    /// `->`
    Arrow,
    /// `=>`
    FatArrow,
    /// `<-`
    LArrow,
    /// `>=>`
    Kleisli,
    Eof,
}

impl Tok {
    /// The token as written, for punctuation; `None` for tokens whose text varies.
    pub(crate) fn punct(self) -> Option<&'static str> {
        Some(match self {
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBrace => "{",
            Tok::RBrace => "}",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Lt => "<",
            Tok::Gt => ">",
            Tok::Le => "<=",
            Tok::Ge => ">=",
            Tok::EqEq => "==",
            Tok::Ne => "!=",
            Tok::Eq => "=",
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Star => "*",
            Tok::Slash => "/",
            Tok::Percent => "%",
            Tok::Bang => "!",
            Tok::AndAnd => "&&",
            Tok::OrOr => "||",
            Tok::Pipe => "|",
            Tok::Comma => ",",
            Tok::Semi => ";",
            Tok::Colon => ":",
            Tok::Dot => ".",
            Tok::Arrow => "->",
            Tok::FatArrow => "=>",
            Tok::LArrow => "<-",
            Tok::Kleisli => ">=>",
            Tok::Ident | Tok::Int | Tok::Decimal | Tok::Str | Tok::UnterminatedStr | Tok::Eof => return None,
        })
    }

    pub(crate) fn is_str(self) -> bool {
        matches!(self, Tok::Str | Tok::UnterminatedStr)
    }

    pub(crate) fn is_open(self) -> bool {
        matches!(self, Tok::LParen | Tok::LBrace | Tok::LBracket)
    }

    pub(crate) fn is_close(self) -> bool {
        matches!(self, Tok::RParen | Tok::RBrace | Tok::RBracket)
    }
}

/// A token: its kind and its byte range in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) kind: Tok,
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Token {
    pub(crate) fn span(self) -> Span {
        Span { start: self.start, end: self.end }
    }
}

/// A pull lexer over one file's text.
pub(crate) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    file: FileId,
    /// `//` comments seen so far, in source order.
    pub(crate) comments: Vec<Comment>,
    /// Spans of `///` doc comments seen so far (without the line terminator), in order.
    pub(crate) docs: Vec<Span>,
    /// Lexical errors seen so far, in source order.
    pub(crate) diags: Vec<Diagnostic>,
}

type NomResult<'a, T> = IResult<&'a str, T>;

/// `IDENT = ( letter | '_' ) { letter | digit | '_' }`, ASCII only.
pub(crate) fn ident(i: &str) -> NomResult<'_, &str> {
    recognize((
        satisfy(|c| c.is_ascii_alphabetic() || c == '_'),
        take_while(|c: char| c.is_ascii_alphanumeric() || c == '_'),
    ))
    .parse(i)
}

/// `INT = digit { digit | '_' }`.
fn integer(i: &str) -> NomResult<'_, &str> {
    recognize((digit1, take_while(|c: char| c.is_ascii_digit() || c == '_'))).parse(i)
}

/// `DECIMAL = INT '.' digit { digit | '_' }`: a point followed by at least one digit, so that
/// `1.x` stays a field access of an integer.
fn decimal(i: &str) -> NomResult<'_, &str> {
    recognize((integer, char('.'), integer)).parse(i)
}

/// A string literal up to its closing quote or the end of the line; the flag says whether
/// it was closed. A backslash escapes any character but a line break.
fn string(i: &str) -> NomResult<'_, bool> {
    let (i, _) = char('"').parse(i)?;
    let (i, _) = many0_count(alt((is_not("\"\\\r\n"), recognize((char('\\'), none_of("\r\n")))))).parse(i)?;
    let (i, closed) = opt(char('"')).parse(i)?;
    if closed.is_some() {
        return Ok((i, true));
    }
    // A lone backslash right before the line break belongs to the (unterminated) string.
    let (i, _) = opt(char('\\')).parse(i)?;
    Ok((i, false))
}

/// `// ...` up to (excluding) the line end, `\n` or `\r`; the result is the text after the
/// slashes.
fn line_comment(i: &str) -> NomResult<'_, &str> {
    preceded(tag("//"), take_till(|c| c == '\n' || c == '\r')).parse(i)
}

/// The character of a `\\u{H..}` escape whose text after the `u` starts `s` (1 to 6 hex
/// digits naming a Unicode scalar value, braced), and the length of that braced part.
pub(crate) fn unicode_escape(s: &str) -> Option<(char, usize)> {
    let digits = s.strip_prefix('{')?;
    let close = digits.find('}')?;
    let hex = &digits[..close];
    if hex.is_empty() || hex.len() > 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
    Some((c, close + 2))
}

/// Punctuation, longest match first, dispatched on the first byte so each `alt` stays small.
fn punct(i: &str) -> NomResult<'_, Tok> {
    let Some(&first) = i.as_bytes().first() else {
        return Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Eof)));
    };
    match first {
        b'-' => alt((value(Tok::Arrow, tag("->")), value(Tok::Minus, tag("-")))).parse(i),
        b'<' => alt((value(Tok::Le, tag("<=")), value(Tok::LArrow, tag("<-")), value(Tok::Lt, tag("<")))).parse(i),
        b'>' => alt((value(Tok::Kleisli, tag(">=>")), value(Tok::Ge, tag(">=")), value(Tok::Gt, tag(">")))).parse(i),
        b'=' => alt((value(Tok::EqEq, tag("==")), value(Tok::FatArrow, tag("=>")), value(Tok::Eq, tag("=")))).parse(i),
        b'!' => alt((value(Tok::Ne, tag("!=")), value(Tok::Bang, tag("!")))).parse(i),
        b'|' => alt((value(Tok::OrOr, tag("||")), value(Tok::Pipe, tag("|")))).parse(i),
        b'&' => value(Tok::AndAnd, tag("&&")).parse(i),
        _ => {
            let kind = match first {
                b'(' => Tok::LParen,
                b')' => Tok::RParen,
                b'{' => Tok::LBrace,
                b'}' => Tok::RBrace,
                b'[' => Tok::LBracket,
                b']' => Tok::RBracket,
                b'+' => Tok::Plus,
                b'*' => Tok::Star,
                b'/' => Tok::Slash,
                b'%' => Tok::Percent,
                b',' => Tok::Comma,
                b';' => Tok::Semi,
                b':' => Tok::Colon,
                b'.' => Tok::Dot,
                _ => return Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Char))),
            };
            Ok((&i[1..], kind))
        }
    }
}

/// Whether some token (or a comment) starts at the beginning of `s`.
fn starts_token(s: &str) -> bool {
    match s.as_bytes().first() {
        Some(b) if b.is_ascii_alphanumeric() => true,
        Some(b'_' | b'"' | b'(' | b')' | b'{' | b'}' | b'[' | b']' | b'<' | b'>' | b'=' | b'!' | b'+' | b'-') => true,
        Some(b'*' | b'/' | b'%' | b'|' | b',' | b';' | b':' | b'.') => true,
        Some(b'&') => s.starts_with("&&"),
        _ => false,
    }
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(file: FileId, src: &'a str) -> Self {
        // A byte-order mark is not part of the text; skip it like whitespace.
        let pos = if src.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
        Lexer { src, pos, file, comments: Vec::new(), docs: Vec::new(), diags: Vec::new() }
    }

    /// Moves back or forward to `pos` (a char boundary), forgetting the trivia and errors
    /// found at or after it, which will be found again.
    pub(crate) fn reset(&mut self, pos: usize) {
        let pos = pos.min(self.src.len());
        self.pos = pos;
        let p = pos as u32;
        while self.comments.last().is_some_and(|c| c.span.start >= p) {
            self.comments.pop();
        }
        while self.docs.last().is_some_and(|d| d.start >= p) {
            self.docs.pop();
        }
        while self.diags.last().is_some_and(|d| d.primary.as_ref().is_some_and(|l| l.span.start >= p)) {
            self.diags.pop();
        }
    }

    /// The next token; at the end of the text, [`Tok::Eof`] (again and again).
    pub(crate) fn next_token(&mut self) -> Token {
        loop {
            let rest = &self.src[self.pos..];
            let rest = match multispace0::<&str, nom::error::Error<&str>>(rest) {
                Ok((r, _)) => r,
                Err(_) => rest,
            };
            self.pos = self.src.len() - rest.len();
            let start = self.pos;
            let Some(&first) = rest.as_bytes().first() else {
                return Token { kind: Tok::Eof, start: start as u32, end: start as u32 };
            };
            let lexed: NomResult<'_, Tok> = match first {
                b'a'..=b'z' | b'A'..=b'Z' | b'_' => ident(rest).map(|(r, _)| (r, Tok::Ident)),
                b'0'..=b'9' => match decimal(rest) {
                    Ok((r, _)) => Ok((r, Tok::Decimal)),
                    Err(_) => integer(rest).map(|(r, _)| (r, Tok::Int)),
                },
                b'"' => string(rest).map(|(r, closed)| (r, if closed { Tok::Str } else { Tok::UnterminatedStr })),
                b'/' if rest.starts_with("//") => {
                    self.trivia(rest);
                    continue;
                }
                _ => punct(rest),
            };
            let Ok((after, kind)) = lexed else {
                self.invalid_run(rest);
                continue;
            };
            let end = self.src.len() - after.len();
            self.pos = end;
            if kind.is_str() {
                self.check_string(start, end, kind == Tok::Str);
            }
            return Token { kind, start: start as u32, end: end as u32 };
        }
    }

    /// Records a `//` comment or a `///` doc comment starting at `rest`.
    fn trivia(&mut self, rest: &'a str) {
        let start = self.pos;
        let (after, body) = match line_comment(rest) {
            Ok(ok) => ok,
            Err(_) => (&rest[rest.len()..], &rest[2.min(rest.len())..]),
        };
        self.pos = self.src.len() - after.len();
        let end = start + 2 + body.len();
        // `///` is a doc comment, but `////` (a ruler, or commented-out docs) is not.
        if body.starts_with('/') && !body.starts_with("//") {
            self.docs.push(Span::new(start, end));
        } else {
            self.comments.push(Comment { text: body.to_string(), span: Span::new(start, end) });
        }
    }

    /// Reports an unterminated string and unknown escapes inside a string token.
    fn check_string(&mut self, start: usize, end: usize, closed: bool) {
        let text = &self.src[start..end];
        let mut chars = text.char_indices().skip(1).peekable();
        if !closed {
            self.diags.push(
                Diagnostic::new(codes::UNTERMINATED_STRING, "unterminated string")
                    .at(self.file, Span::new(start, end), "this string is not closed before the end of the line")
                    .with_help("add a closing `\"`; a string cannot span lines"),
            );
        }
        if !text.contains('\\') {
            return;
        }
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                continue;
            }
            let Some((j, e)) = chars.next() else { break };
            if e == 'u' {
                let braced = &text[j + 1..];
                match unicode_escape(braced) {
                    Some((_, len)) => {
                        // Skip the braces and digits: they are part of the escape.
                        while chars.peek().is_some_and(|(k, _)| *k < j + 1 + len) {
                            chars.next();
                        }
                    }
                    None => {
                        let len: usize = braced
                            .chars()
                            .take_while(|c| !matches!(c, '"' | '\\' | ' '))
                            .take(12)
                            .map(char::len_utf8)
                            .sum();
                        let shown: String = braced[..len].chars().flat_map(char::escape_debug).collect();
                        let at = Span::new(start + i, start + j + 1 + len);
                        self.diags.push(
                            Diagnostic::new(
                                codes::INVALID_ESCAPE,
                                format!("invalid escape `\\u{shown}` in a string"),
                            )
                            .at(self.file, at, "not a character escape")
                            .with_help(
                                "`\\u{...}` takes 1 to 6 hexadecimal digits naming a Unicode scalar value, as in `\\u{0}` or `\\u{1F600}`; write `\\\\u` for a backslash followed by `u`",
                            ),
                        );
                    }
                }
                continue;
            }
            if !matches!(e, '"' | '\\' | 'n' | 't') {
                let at = Span::new(start + i, start + j + e.len_utf8());
                self.diags.push(
                    Diagnostic::new(
                        codes::INVALID_ESCAPE,
                        format!("unknown escape `\\{}` in a string", e.escape_debug()),
                    )
                    .at(self.file, at, "unknown escape")
                    .with_help(
                        "the escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{...}`; write `\\\\` for a backslash",
                    ),
                );
            }
        }
    }

    /// Reports a run of characters that cannot start a token, once, and skips it.
    fn invalid_run(&mut self, rest: &str) {
        let start = self.pos;
        let mut len = 0;
        for (i, c) in rest.char_indices() {
            if i > 0 && (c.is_ascii_whitespace() || starts_token(&rest[i..])) {
                break;
            }
            len = i + c.len_utf8();
        }
        let run = &rest[..len];
        self.pos = start + len;
        // `#` is a comment in many languages: after reporting it, skip its line, so that the
        // words of the would-be comment do not cause errors of their own.
        if run.starts_with('#') {
            self.pos = start + rest.find(['\r', '\n']).unwrap_or(rest.len());
        }
        let shown: String = run.chars().take(16).flat_map(char::escape_debug).collect();
        let ellipsis = if run.chars().count() > 16 { "…" } else { "" };
        let (message, label) = if run.chars().count() == 1 {
            (format!("invalid character `{shown}`"), "this character cannot start a token")
        } else {
            (format!("invalid characters `{shown}{ellipsis}`"), "these characters cannot start a token")
        };
        let mut d =
            Diagnostic::new(codes::INVALID_CHARACTER, message).at(self.file, Span::new(start, start + len), label);
        if let Some(help) = invalid_char_help(run) {
            d = d.with_help(help);
        }
        self.diags.push(d);
    }
}

/// A hint for the most common invalid characters.
fn invalid_char_help(run: &str) -> Option<&'static str> {
    let first = run.chars().next()?;
    Some(match first {
        '&' => "use `&&` for logical and",
        '#' => "comments start with `//`; the rest of this line was skipped",
        '\'' => "strings are written in double quotes: `\"text\"`",
        '“' | '”' | '„' => "use a plain `\"` to quote strings",
        '?' => "optional values are written `Option<T>`",
        '@' | '$' | '^' | '~' | '`' | '\\' => return None,
        c if c.is_alphabetic() => "identifiers may only use ASCII letters, digits and `_`",
        c if c.is_whitespace() => "only spaces, tabs and line breaks may separate tokens",
        _ => return None,
    })
}
