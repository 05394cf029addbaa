//! The regular expressions of `matches(text, pattern)`, parsed into a small syntax tree and
//! translated to z3's regular expressions over strings.
//!
//! Semantics: `matches` *searches* (as JSON Schema's `pattern`, pydantic and JavaScript's
//! `RegExp.test` do): a pattern without a leading `^` may match after any prefix, one without
//! a trailing `$` before any suffix. Supported: literals and escapes (`\.`, `\n`, `\t`,
//! `\xHH`, `\u{H..}`/`\uHHHH`), `.` (any character but a newline), classes `[a-z0-9_-]` and
//! `[^...]`, `\d` `\w` `\s` and their negations (ASCII meanings), groups `(...)`, `(?:...)`
//! and named groups, alternation `|`, and the quantifiers `*` `+` `?` `{n}` `{n,}` `{n,m}`
//! (lazy forms too: they match the same language). `^` only at the very start and `$` only
//! at the very end. Anything else (look-around, back-references, word boundaries, inline
//! flags, possessive quantifiers) is unsupported: the goal's verdict is then `unknown`, never
//! a guess.
//!
//! Size: z3 simplifies each assertion before its time limit starts counting, and that work
//! grows faster than the pattern, so an unbounded pattern would let `check` run without bound.
//! A pattern longer than [`MAX_PATTERN_CHARS`], nested deeper than [`MAX_GROUP_DEPTH`], or
//! whose expression (bounded repetitions expanded) is larger than [`MAX_RE_SIZE`] is not
//! translated: the goal is `unknown`, with a reason that names the bound.

use z3::ast::Regexp;

/// A parsed regular expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Re {
    /// Matches exactly these characters.
    Literal(char),
    /// Matches one character in (or, negated, not in) these inclusive ranges.
    Class {
        ranges: Vec<(char, char)>,
        negated: bool,
    },
    Concat(Vec<Re>),
    Alt(Vec<Re>),
    /// `min` to `max` (unbounded when `None`) repetitions.
    Repeat {
        inner: Box<Re>,
        min: u32,
        max: Option<u32>,
    },
}

/// A pattern with its anchors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub anchored_start: bool,
    pub anchored_end: bool,
    pub re: Re,
}

/// The largest character z3's strings hold (its default `unicode` encoding).
pub const MAX_CHAR: u32 = 0x2FFFF;

/// The largest repetition bound accepted (`{n,m}`), to keep the automaton small.
const MAX_REPEAT: u32 = 1000;

/// The longest pattern translated, in characters. Real patterns (identifiers, codes, e-mail
/// addresses, dates) are well under a few hundred characters; at this size z3 still decides
/// a goal in well under a second.
pub const MAX_PATTERN_CHARS: usize = 2000;

/// The deepest nesting of groups translated (the parser and the translation recurse per group).
pub const MAX_GROUP_DEPTH: usize = 50;

/// The largest expression translated, in nodes, a bounded repetition counting its body as
/// many times as its bound (z3 unfolds it): `(ab){3}` is 6, `[a-z]{12}` is 12.
pub const MAX_RE_SIZE: u64 = 20_000;

/// Parses a pattern, or says which construct is not supported (or which size bound it is over).
pub fn parse(pattern: &str) -> Result<Pattern, String> {
    let length = pattern.chars().count();
    if length > MAX_PATTERN_CHARS {
        return Err(format!(
            "the pattern is {length} characters long, over the limit of {MAX_PATTERN_CHARS} characters the solver is given"
        ));
    }
    let chars: Vec<char> = pattern.chars().collect();
    let mut start = 0;
    let mut end = chars.len();
    let anchored_start = chars.first() == Some(&'^');
    if anchored_start {
        start = 1;
    }
    // A trailing `$` that is not escaped (an even number of backslashes before it).
    let mut anchored_end = false;
    if end > start && chars[end - 1] == '$' {
        let backslashes = chars[start..end - 1].iter().rev().take_while(|c| **c == '\\').count();
        if backslashes % 2 == 0 {
            anchored_end = true;
            end -= 1;
        }
    }
    if let Some(c) = chars.iter().find(|c| **c as u32 > MAX_CHAR) {
        return Err(format!("unsupported: the character {c:?} beyond U+2FFFF"));
    }
    let mut p = Parser { chars: &chars[start..end], pos: 0, depth: 0 };
    let re = p.alternation()?;
    if p.pos != p.chars.len() {
        return Err(format!("unbalanced `{}` in the pattern", p.chars[p.pos]));
    }
    let size = size(&re);
    if size > MAX_RE_SIZE {
        return Err(format!(
            "the pattern expands to {size} nodes (bounded repetitions unfolded), over the limit of {MAX_RE_SIZE} the solver is given"
        ));
    }
    Ok(Pattern { anchored_start, anchored_end, re })
}

/// The size of an expression as [`MAX_RE_SIZE`] counts it (saturating, so it cannot overflow).
pub fn size(re: &Re) -> u64 {
    match re {
        Re::Literal(_) | Re::Class { .. } => 1,
        Re::Concat(items) | Re::Alt(items) => items.iter().fold(1u64, |n, r| n.saturating_add(size(r))),
        Re::Repeat { inner, min, max } => {
            let times = u64::from(max.unwrap_or(*min).max(1));
            size(inner).saturating_mul(times).saturating_add(1)
        }
    }
}

/// A pattern for a message: its first characters, then `…` when it is longer.
pub fn shown(pattern: &str) -> String {
    const SHOWN: usize = 40;
    let head: String = pattern.chars().take(SHOWN).collect();
    if head.len() < pattern.len() { format!("{head:?}…") } else { format!("{head:?}") }
}

struct Parser<'c> {
    chars: &'c [char],
    pos: usize,
    /// How many groups enclose the current position.
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        self.pos += 1;
        c
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn alternation(&mut self) -> Result<Re, String> {
        let mut alts = vec![self.concat()?];
        while self.eat('|') {
            alts.push(self.concat()?);
        }
        Ok(if alts.len() == 1 { alts.remove(0) } else { Re::Alt(alts) })
    }

    fn concat(&mut self) -> Result<Re, String> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            items.push(self.quantified(atom)?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Re::Concat(items) })
    }

    fn quantified(&mut self, atom: Re) -> Result<Re, String> {
        let mut re = atom;
        loop {
            let (min, max) = match self.peek() {
                Some('*') => {
                    self.pos += 1;
                    (0, None)
                }
                Some('+') => {
                    self.pos += 1;
                    (1, None)
                }
                Some('?') => {
                    self.pos += 1;
                    (0, Some(1))
                }
                Some('{') => match self.braces()? {
                    Some(b) => b,
                    None => return Ok(re),
                },
                _ => return Ok(re),
            };
            if self.eat('+') {
                return Err("unsupported: possessive quantifier".to_string());
            }
            // A lazy quantifier matches the same language.
            self.eat('?');
            re = Re::Repeat { inner: Box::new(re), min, max };
        }
    }

    /// `{n}`, `{n,}` or `{n,m}` at the current position; `None` (and nothing consumed) when
    /// the brace does not start a quantifier, in which case it is a literal.
    fn braces(&mut self) -> Result<Option<(u32, Option<u32>)>, String> {
        let rest: String = self.chars[self.pos..].iter().collect();
        let Some(close) = rest.find('}') else { return Ok(None) };
        let inside = &rest[1..close];
        let number = |s: &str| -> Option<u32> {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()
        };
        let bounds = match inside.split_once(',') {
            None => number(inside).map(|n| (n, Some(n))),
            Some((lo, "")) => number(lo).map(|n| (n, None)),
            Some((lo, hi)) => match (number(lo), number(hi)) {
                (Some(a), Some(b)) => Some((a, Some(b))),
                _ => None,
            },
        };
        let Some((min, max)) = bounds else { return Ok(None) };
        if min > MAX_REPEAT || max.is_some_and(|m| m > MAX_REPEAT) {
            return Err(format!("unsupported: a repetition bound above {MAX_REPEAT}"));
        }
        if max.is_some_and(|m| m < min) {
            return Err(format!("invalid repetition `{{{inside}}}`"));
        }
        self.pos += inside.chars().count() + 2;
        Ok(Some((min, max)))
    }

    fn atom(&mut self) -> Result<Re, String> {
        let Some(c) = self.next() else { return Err("unexpected end of the pattern".to_string()) };
        match c {
            '(' => {
                if self.eat('?') {
                    if self.eat(':') {
                        // A non-capturing group.
                    } else if self.peek() == Some('P') || self.peek() == Some('<') {
                        self.eat('P');
                        if !self.eat('<') || matches!(self.peek(), Some('=') | Some('!')) {
                            return Err("unsupported: look-behind or back-reference".to_string());
                        }
                        while let Some(ch) = self.next() {
                            if ch == '>' {
                                break;
                            }
                            if !(ch.is_alphanumeric() || ch == '_') {
                                return Err("invalid group name".to_string());
                            }
                        }
                    } else {
                        return Err("unsupported: look-around or inline flags `(?...)`".to_string());
                    }
                }
                self.depth += 1;
                if self.depth > MAX_GROUP_DEPTH {
                    return Err(format!(
                        "the pattern nests groups deeper than {MAX_GROUP_DEPTH}, the limit the solver is given"
                    ));
                }
                let inner = self.alternation()?;
                self.depth -= 1;
                if !self.eat(')') {
                    return Err("unclosed `(` in the pattern".to_string());
                }
                Ok(inner)
            }
            ')' => Err("unbalanced `)` in the pattern".to_string()),
            '[' => self.class(),
            '.' => Ok(Re::Class { ranges: vec![('\n', '\n')], negated: true }),
            '^' => Err("unsupported: `^` other than at the start".to_string()),
            '$' => Err("unsupported: `$` other than at the end".to_string()),
            '*' | '+' | '?' => Err(format!("nothing to repeat before `{c}`")),
            '\\' => self.escape(false),
            c => Ok(Re::Literal(c)),
        }
    }

    /// The escape after a backslash; `in_class` allows `\b` as a backspace character.
    fn escape(&mut self, in_class: bool) -> Result<Re, String> {
        let Some(c) = self.next() else { return Err("a trailing backslash".to_string()) };
        let class = |ranges: &[(char, char)], negated: bool| Ok(Re::Class { ranges: ranges.to_vec(), negated });
        match c {
            'd' => class(DIGIT, false),
            'D' => class(DIGIT, true),
            'w' => class(WORD, false),
            'W' => class(WORD, true),
            's' => class(SPACE, false),
            'S' => class(SPACE, true),
            'n' => Ok(Re::Literal('\n')),
            't' => Ok(Re::Literal('\t')),
            'r' => Ok(Re::Literal('\r')),
            'f' => Ok(Re::Literal('\u{c}')),
            'v' => Ok(Re::Literal('\u{b}')),
            '0' => Ok(Re::Literal('\0')),
            'b' if in_class => Ok(Re::Literal('\u{8}')),
            'x' => {
                let hex: String = (0..2).filter_map(|_| self.next()).collect();
                hex_char(&hex).map(Re::Literal)
            }
            'u' => {
                let hex: String = if self.eat('{') {
                    let mut h = String::new();
                    while let Some(ch) = self.next() {
                        if ch == '}' {
                            break;
                        }
                        h.push(ch);
                    }
                    h
                } else {
                    (0..4).filter_map(|_| self.next()).collect()
                };
                hex_char(&hex).map(Re::Literal)
            }
            c if c.is_ascii_alphanumeric() => Err(format!("unsupported: the escape `\\{c}`")),
            c => Ok(Re::Literal(c)),
        }
    }

    fn class(&mut self) -> Result<Re, String> {
        let negated = self.eat('^');
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let Some(c) = self.next() else { return Err("unclosed `[` in the pattern".to_string()) };
            if c == ']' && !first {
                break;
            }
            first = false;
            let lo = match c {
                '\\' => match self.escape(true)? {
                    Re::Literal(l) => l,
                    Re::Class { ranges: rs, negated: false } => {
                        ranges.extend(rs);
                        continue;
                    }
                    _ => return Err("unsupported: a negated class escape inside `[...]`".to_string()),
                },
                '[' if self.peek() == Some(':') => return Err("unsupported: POSIX classes `[:...:]`".to_string()),
                c => c,
            };
            // A range `lo-hi`, unless the `-` is the last character of the class.
            if self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|c| *c != ']') {
                self.pos += 1;
                let hi = match self.next() {
                    Some('\\') => match self.escape(true)? {
                        Re::Literal(h) => h,
                        _ => return Err("invalid class range".to_string()),
                    },
                    Some(h) => h,
                    None => return Err("unclosed `[` in the pattern".to_string()),
                };
                if hi < lo {
                    return Err(format!("invalid class range `{lo}-{hi}`"));
                }
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
        Ok(Re::Class { ranges, negated })
    }
}

const DIGIT: &[(char, char)] = &[('0', '9')];
const WORD: &[(char, char)] = &[('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];
const SPACE: &[(char, char)] = &[('\t', '\r'), (' ', ' ')];

fn hex_char(hex: &str) -> Result<char, String> {
    u32::from_str_radix(hex, 16)
        .ok()
        .filter(|n| *n <= MAX_CHAR)
        .and_then(char::from_u32)
        .ok_or_else(|| format!("unsupported: the character escape `{hex}`"))
}

/// Writes a string in z3's escaped string syntax: printable ASCII except the backslash as
/// is, everything else as `\u{H}`.
pub fn z3_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if (' '..='~').contains(&c) && c != '\\' {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    }
    out
}

/// The z3 regular expression for a parsed pattern, with search semantics.
pub fn to_z3(p: &Pattern) -> Result<Regexp, String> {
    let body = re_to_z3(&p.re)?;
    let mut parts = Vec::new();
    if !p.anchored_start {
        parts.push(Regexp::full());
    }
    parts.push(body);
    if !p.anchored_end {
        parts.push(Regexp::full());
    }
    Ok(if parts.len() == 1 { parts.remove(0) } else { Regexp::concat(&parts) })
}

fn re_to_z3(re: &Re) -> Result<Regexp, String> {
    Ok(match re {
        Re::Literal(c) => Regexp::literal(&z3_escape(&c.to_string())),
        Re::Class { ranges, negated } => {
            let mut alts = Vec::with_capacity(ranges.len());
            for (lo, hi) in ranges {
                alts.push(range(*lo, *hi)?);
            }
            let union = match alts.len() {
                0 => Regexp::empty(),
                1 => alts.remove(0),
                _ => Regexp::union(&alts),
            };
            if *negated { Regexp::allchar().diff(&union) } else { union }
        }
        Re::Concat(items) => {
            // A run of literal characters is one z3 literal: z3 rewrites a concatenation of
            // single characters in time quadratic in its length.
            let mut parts = Vec::new();
            let mut run = String::new();
            for item in items {
                if let Re::Literal(c) = item {
                    run.push(*c);
                    continue;
                }
                if !run.is_empty() {
                    parts.push(Regexp::literal(&z3_escape(&std::mem::take(&mut run))));
                }
                parts.push(re_to_z3(item)?);
            }
            if !run.is_empty() || parts.is_empty() {
                parts.push(Regexp::literal(&z3_escape(&run)));
            }
            if parts.len() == 1 { parts.remove(0) } else { Regexp::concat(&parts) }
        }
        Re::Alt(alts) => {
            let parts = alts.iter().map(re_to_z3).collect::<Result<Vec<_>, _>>()?;
            Regexp::union(&parts)
        }
        Re::Repeat { inner, min, max } => {
            let inner = re_to_z3(inner)?;
            match (min, max) {
                (0, None) => inner.star(),
                (1, None) => inner.plus(),
                (0, Some(1)) => inner.option(),
                (n, None) => Regexp::concat(&[inner.power(*n), inner.star()]),
                (n, Some(m)) => inner.r#loop(*n, *m),
            }
        }
    })
}

/// A character range. z3 reads the bounds as escaped strings, so both must be printable
/// ASCII other than the backslash; single characters go through an escaped literal.
fn range(lo: char, hi: char) -> Result<Regexp, String> {
    if lo == hi {
        return Ok(Regexp::literal(&z3_escape(&lo.to_string())));
    }
    let plain = |c: char| (' '..='~').contains(&c) && c != '\\';
    if plain(lo) && plain(hi) {
        Ok(Regexp::range(&lo, &hi))
    } else {
        Err(format!("unsupported: the character range {lo:?}-{hi:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_examples_patterns() {
        for p in [
            "^[A-Z0-9-]+$",
            "^ord_[a-z0-9]{12}$",
            "^[A-Z]{2}$",
            "^[^@ ]+@[^@ ]+$",
            "^https://",
            "^cus_[A-Za-z0-9]{14}$",
            "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "(?:a|b)*c?\\.d{2,}",
        ] {
            assert!(parse(p).is_ok(), "{p}: {:?}", parse(p));
        }
    }

    #[test]
    fn anchors_and_classes() {
        let p = parse("^[^@ ]+@x$").expect("parses");
        assert!(p.anchored_start && p.anchored_end);
        let Re::Concat(items) = p.re else { panic!("a concatenation") };
        assert_eq!(
            items[0],
            Re::Repeat {
                inner: Box::new(Re::Class { ranges: vec![('@', '@'), (' ', ' ')], negated: true }),
                min: 1,
                max: None
            }
        );
        assert!(!parse("a\\$").expect("parses").anchored_end);
        assert_eq!(parse("x{,3}").expect("parses").re, Re::Concat("x{,3}".chars().map(Re::Literal).collect()));
    }

    #[test]
    fn bounds_the_pattern_size_depth_and_expansion() {
        let long = "a".repeat(MAX_PATTERN_CHARS + 1);
        assert!(parse(&long).expect_err("too long").contains("over the limit of 2000 characters"));
        assert!(parse(&"a".repeat(MAX_PATTERN_CHARS)).is_ok());
        let deep = format!("{}a{}", "(".repeat(MAX_GROUP_DEPTH + 1), ")".repeat(MAX_GROUP_DEPTH + 1));
        assert!(parse(&deep).expect_err("too deep").contains("deeper than 50"));
        let nested = format!("{}a{}", "(".repeat(MAX_GROUP_DEPTH), ")".repeat(MAX_GROUP_DEPTH));
        assert!(parse(&nested).is_ok());
        assert!(parse("(a{1000}){1000}").expect_err("too large").contains("over the limit of 20000"));
        assert_eq!(size(&parse("[a-z]{12}").expect("parses").re), 13);
        assert_eq!(shown("abc"), "\"abc\"");
        assert_eq!(shown(&"x".repeat(41)), format!("{:?}…", "x".repeat(40)));
    }

    #[test]
    fn rejects_unsupported_constructs() {
        for p in ["(?=a)", "(a)\\1", "\\bword", "(?i)abc", "a^b", "a$b", "a*+", "[[:alpha:]]", "x{2000}"] {
            assert!(parse(p).is_err(), "{p} should be unsupported");
        }
    }
}
