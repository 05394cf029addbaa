//! nom parsers for the two tokens read from raw text rather than from lexer tokens: a
//! `VERSION` after `version`, and an HTTP `PATH` after an HTTP method.
//!
//! Both contain characters that the lexer would split into several tokens (`1.2.3` would be
//! `1` `.` `2` ...), and a path has no whitespace inside, so the parser hands the raw text at
//! the current token to these parsers and then restarts the lexer after what they consumed.

use crate::lexer::ident;
use nom::branch::alt;
use nom::bytes::complete::take_while;
use nom::character::complete::{char, digit1};
use nom::combinator::{consumed, map, not};
use nom::multi::{separated_list0, separated_list1};
use nom::sequence::{delimited, preceded, terminated};
use nom::{IResult, Parser};

/// `digit+ '.' digit+ '.' digit+`, as the three digit strings.
pub(crate) fn version(i: &str) -> IResult<&str, (&str, &str, &str)> {
    (digit1, char('.'), digit1, char('.'), digit1).map(|(major, _, minor, _, patch)| (major, minor, patch)).parse(i)
}

/// One `/`-separated piece of a path, as slices of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RawSegment<'a> {
    /// Literal text (possibly empty, after a trailing `/`).
    Literal(&'a str),
    /// `{a.b}` or `{a.b}.json`: the whole braces, the names inside, and the literal text
    /// after the braces up to the next `/` (empty for most paths).
    Param(&'a str, Vec<&'a str>, &'a str),
}

/// Characters a literal path segment may contain: RFC 3986 unreserved characters, `:`, `@`.
pub(crate) fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | ':' | '@')
}

fn param(i: &str) -> IResult<&str, RawSegment<'_>> {
    map(
        (consumed(delimited(char('{'), separated_list1(char('.'), ident), char('}'))), take_while(is_path_char)),
        |((whole, names), suffix)| RawSegment::Param(whole, names, suffix),
    )
    .parse(i)
}

fn segment(i: &str) -> IResult<&str, RawSegment<'_>> {
    alt((param, map(take_while(is_path_char), RawSegment::Literal))).parse(i)
}

/// `PATH = '/' { path_char* | '{' IDENT { '.' IDENT } '}' path_char* }`, one segment between
/// slashes: literal text, or a parameter with an optional literal suffix (`{sid}.json`).
///
/// A `//` ends the path (it starts a comment), so a separator is a `/` not followed by `/`.
pub(crate) fn path(i: &str) -> IResult<&str, Vec<RawSegment<'_>>> {
    preceded(char('/'), separated_list0(terminated(char('/'), not(char('/'))), segment)).parse(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(version("1.22.3"), Ok(("", ("1", "22", "3"))));
        assert!(version("1.2").is_err());
    }

    #[test]
    fn paths() {
        let (rest, segs) = path("/tenants/{tenant}/products/{product.sku} GET").expect("a path");
        assert_eq!(rest, " GET");
        assert_eq!(
            segs,
            vec![
                RawSegment::Literal("tenants"),
                RawSegment::Param("{tenant}", vec!["tenant"], ""),
                RawSegment::Literal("products"),
                RawSegment::Param("{product.sku}", vec!["product", "sku"], ""),
            ]
        );
        assert_eq!(path("/").expect("a path"), ("", vec![RawSegment::Literal("")]));
        assert_eq!(path("/a//c").expect("a path"), ("//c", vec![RawSegment::Literal("a")]));
        assert_eq!(path("/a{b}").expect("a path"), ("{b}", vec![RawSegment::Literal("a")]));
        assert_eq!(
            path("/calls/{sid}.json/x").expect("a path"),
            (
                "",
                vec![
                    RawSegment::Literal("calls"),
                    RawSegment::Param("{sid}", vec!["sid"], ".json"),
                    RawSegment::Literal("x")
                ]
            )
        );
        // A second parameter in one segment is not a path character: the path ends there.
        assert_eq!(path("/{a}.{b}").expect("a path"), ("{b}", vec![RawSegment::Param("{a}", vec!["a"], ".")]));
    }
}
