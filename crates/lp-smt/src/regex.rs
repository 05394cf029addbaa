//! The regular expressions of `matches(text, pattern)`, parsed into a small syntax tree and
//! translated to z3's regular expressions over strings.
//!
//! Semantics: `matches` *searches* (as JSON Schema's `pattern`, pydantic and JavaScript's
//! `RegExp.test` do): a pattern without a leading `^` may match after any prefix, one without
//! a trailing `$` before any suffix. Supported exactly: literals and escapes (`\.`, `\n`,
//! `\t`, `\xHH`, `\u{H..}`/`\uHHHH`), `.` (any character but a newline), classes
//! `[a-z0-9_-]` and `[^...]` (with `\d` `\w` `\s` and their negations inside, so `[\s\S]`),
//! `\d` `\w` `\s` and their negations (ASCII meanings), groups `(...)`, `(?:...)` and named
//! groups, alternation `|` (a top-level branch keeps its own anchors: `^a|b$` is `(^a)|(b$)`),
//! the quantifiers `*` `+` `?` `{n}` `{n,}` `{n,m}` (lazy forms too: they match the same
//! language), and look-ahead or look-behind in a branch's top-level concatenation (the rest
//! of the string intersected with, or minus, what it accepts). `^` only at the start of a
//! branch and `$` only at its end.
//!
//! Anything else (word boundaries, look-around inside a group, back-references, inline flags,
//! Unicode properties, possessive quantifiers) is not expressed exactly ([`exact`] refuses
//! it). [`over_approximation`] then gives a language that holds every match (zero-width
//! assertions stand for the empty string, a back-reference for its group's language, `(?i)`
//! for both cases of each letter), and [`checker`] reads the pattern with a full engine
//! (fancy-regex); the discharger checks z3's candidate strings with it (see
//! `check_with_witnesses` in the crate root), so such a pattern never gets a verdict the
//! engine did not confirm.
//!
//! Size: z3 simplifies each assertion before its time limit starts counting, and that work
//! grows faster than the pattern, so an unbounded pattern would let `check` run without bound.
//! A pattern longer than [`MAX_PATTERN_CHARS`], nested deeper than [`MAX_GROUP_DEPTH`], or
//! whose expression (bounded repetitions expanded) is larger than [`MAX_RE_SIZE`] is not
//! translated, nor searched: the goal is `unknown`, with a reason that names the bound.

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
    /// `^` or `$` inside the pattern, in approximation mode only: the empty string, once the
    /// concatenation around it was checked (a `^` after text that cannot be empty, or a `$`
    /// before such text, can never match).
    Start,
    End,
    /// A look-ahead `(?=...)`/`(?!...)` or look-behind `(?<=...)`/`(?<!...)` in the top-level
    /// concatenation of a branch, where it is exact: the rest of the match (or what precedes
    /// it) intersected with, or minus, what the look-around accepts.
    Look {
        inner: Box<Re>,
        ahead: bool,
        negated: bool,
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
    parse_mode(pattern, false)
}

/// Parses a pattern whose top level is an alternation with anchors in its branches
/// (`^$|^[a-z]+$`): one [`Pattern`] per branch, each with its own anchors, so that the
/// pattern's language is their union. A pattern without a top-level `|` is one branch.
pub fn parse_branches(pattern: &str) -> Result<Vec<Pattern>, String> {
    parse_branches_mode(pattern, false)
}

fn parse_branches_mode(pattern: &str, approx: bool) -> Result<Vec<Pattern>, String> {
    let length = pattern.chars().count();
    if length > MAX_PATTERN_CHARS {
        return Err(format!(
            "the pattern is {length} characters long, over the limit of {MAX_PATTERN_CHARS} characters the solver is given"
        ));
    }
    let branches = top_level_branches(pattern);
    let mut out = Vec::with_capacity(branches.len());
    let mut total = 0u64;
    for b in branches {
        let p = parse_mode(&b, approx)?;
        total = total.saturating_add(size(&p.re));
        out.push(p);
    }
    if total > MAX_RE_SIZE {
        return Err(format!(
            "the pattern expands to {total} nodes (bounded repetitions unfolded), over the limit of {MAX_RE_SIZE} the solver is given"
        ));
    }
    Ok(out)
}

/// The pattern split at its top-level `|` (outside groups, classes and escapes) when a branch
/// has an anchor (`^` at its start or `$` at its end), which binds to that branch only;
/// otherwise the pattern whole. Search semantics distribute over `|`, so the branches'
/// union is the pattern's language either way.
fn top_level_branches(pattern: &str) -> Vec<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut branches = Vec::new();
    let mut current = String::new();
    let (mut depth, mut in_class, mut i) = (0usize, false, 0);
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                current.push(c);
                if let Some(n) = chars.get(i + 1) {
                    current.push(*n);
                }
                i += 2;
                continue;
            }
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class => depth += 1,
            ')' if !in_class => depth = depth.saturating_sub(1),
            '|' if !in_class && depth == 0 => {
                branches.push(std::mem::take(&mut current));
                i += 1;
                continue;
            }
            _ => {}
        }
        current.push(c);
        i += 1;
    }
    branches.push(current);
    // An anchor binds to its branch: `^a|b` is `(^a)|(b)`, not `^(a|b)`.
    let anchored = branches.len() > 1 && branches.iter().any(|b| b.starts_with('^') || b.ends_with('$'));
    if anchored { branches } else { vec![pattern.to_string()] }
}

fn parse_mode(pattern: &str, approx: bool) -> Result<Pattern, String> {
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
    let mut p = Parser {
        chars: &chars[start..end],
        pos: 0,
        depth: 0,
        approx,
        ignore_case: false,
        dot_all: false,
        captures: Vec::new(),
        names: Default::default(),
    };
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
        Re::Literal(_) | Re::Class { .. } | Re::Start | Re::End => 1,
        Re::Look { inner, .. } => size(inner).saturating_add(1),
        Re::Concat(items) | Re::Alt(items) => items.iter().fold(1u64, |n, r| n.saturating_add(size(r))),
        Re::Repeat { inner, min, max } => {
            let times = u64::from(max.unwrap_or(*min).max(1));
            size(inner).saturating_mul(times).saturating_add(1)
        }
    }
}

/// The length of the shortest string an expression matches (saturating).
fn min_len(re: &Re) -> u64 {
    match re {
        Re::Literal(_) | Re::Class { .. } => 1,
        Re::Start | Re::End | Re::Look { .. } => 0,
        Re::Concat(items) => items.iter().fold(0u64, |n, r| n.saturating_add(min_len(r))),
        Re::Alt(alts) => alts.iter().map(min_len).min().unwrap_or(0),
        Re::Repeat { inner, min, .. } => min_len(inner).saturating_mul(u64::from(*min)),
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
    /// Over-approximate what z3 cannot express instead of refusing it ([`over_approximation`]).
    approx: bool,
    /// Inline flags seen (`(?i)`, `(?s)`), in approximation mode only.
    ignore_case: bool,
    dot_all: bool,
    /// The capturing groups parsed so far, by number (from 1) and by name: a back-reference
    /// is approximated by its group's language, which holds whatever the group captured.
    captures: Vec<Option<Re>>,
    names: std::collections::BTreeMap<String, usize>,
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
        // An anchor after text that cannot be empty (`.^`), or before it (`$.`), never matches.
        for (k, item) in items.iter().enumerate() {
            let never = match item {
                Re::Start => items[..k].iter().map(min_len).sum::<u64>() > 0,
                Re::End => items[k + 1..].iter().map(min_len).sum::<u64>() > 0,
                _ => false,
            };
            if never {
                return Ok(Re::Class { ranges: Vec::new(), negated: false });
            }
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
            // A possessive quantifier matches a subset of the greedy one's language.
            if self.eat('+') && !self.approx {
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
                let mut capture = true;
                let mut name = String::new();
                if self.eat('?') {
                    capture = false;
                    if self.eat(':') {
                        // A non-capturing group.
                    } else if self.peek() == Some('P') || self.peek() == Some('<') {
                        let python = self.eat('P');
                        if python && self.eat('=') {
                            // `(?P=name)`: a named back-reference.
                            let mut n = String::new();
                            while let Some(ch) = self.next() {
                                if ch == ')' {
                                    break;
                                }
                                n.push(ch);
                            }
                            return self.backreference(self.names.get(&n).copied());
                        }
                        if !self.eat('<') || matches!(self.peek(), Some('=') | Some('!')) {
                            if matches!(self.peek(), Some('=') | Some('!')) {
                                let negated = self.next() == Some('!');
                                return self.look(false, negated);
                            }
                            return Err("unsupported: look-behind or back-reference".to_string());
                        }
                        while let Some(ch) = self.next() {
                            if ch == '>' {
                                break;
                            }
                            if !(ch.is_alphanumeric() || ch == '_') {
                                return Err("invalid group name".to_string());
                            }
                            name.push(ch);
                        }
                        capture = true;
                    } else if matches!(self.peek(), Some('=') | Some('!')) {
                        let negated = self.next() == Some('!');
                        return self.look(true, negated);
                    } else if let Some(re) = self.special_group()? {
                        return Ok(re);
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
                let index = capture.then(|| {
                    self.captures.push(None);
                    self.captures.len()
                });
                if let Some(i) = index
                    && !name.is_empty()
                {
                    self.names.insert(name, i);
                }
                let inner = self.alternation()?;
                if let Some(i) = index {
                    self.captures[i - 1] = Some(inner.clone());
                }
                self.depth -= 1;
                if !self.eat(')') {
                    return Err("unclosed `(` in the pattern".to_string());
                }
                Ok(inner)
            }
            ')' => Err("unbalanced `)` in the pattern".to_string()),
            '[' => self.class(),
            '.' if self.dot_all => Ok(any_char()),
            '.' => Ok(Re::Class { ranges: vec![('\n', '\n')], negated: true }),
            '^' if self.approx => Ok(Re::Start),
            '$' if self.approx => Ok(Re::End),
            '^' => Err("unsupported: `^` other than at the start".to_string()),
            '$' => Err("unsupported: `$` other than at the end".to_string()),
            '*' | '+' | '?' => Err(format!("nothing to repeat before `{c}`")),
            '\\' => self.escape(false),
            c => Ok(self.literal(c)),
        }
    }

    /// Back-reference `group` (numbered from 1), approximated by the group's language; any
    /// text when the group is unknown or not closed yet (a reference inside the group itself).
    fn backreference(&self, group: Option<usize>) -> Result<Re, String> {
        if !self.approx {
            return Err("unsupported: a back-reference".to_string());
        }
        let known = group.and_then(|g| g.checked_sub(1)).and_then(|g| self.captures.get(g).cloned().flatten());
        Ok(known.unwrap_or(Re::Repeat { inner: Box::new(any_char()), min: 0, max: None }))
    }

    /// A literal character; under `(?i)` (approximation only) both its cases.
    fn literal(&self, c: char) -> Re {
        if !self.ignore_case || !c.is_alphabetic() {
            return Re::Literal(c);
        }
        if c.is_ascii_alphabetic() {
            let (l, u) = (c.to_ascii_lowercase(), c.to_ascii_uppercase());
            Re::Class { ranges: vec![(l, l), (u, u)], negated: false }
        } else {
            // Case folding beyond ASCII is not modelled: any character, a superset.
            any_char()
        }
    }

    /// `(?=...)`, `(?!...)` and inline flags `(?i)`, `(?s:...)` after `(?`, in approximation
    /// mode: a look-ahead is skipped (it only narrows a match), `i` and `s` change how the
    /// rest of the pattern is read, `m` needs nothing (anchors are skipped anyway). `None`
    /// when not approximating or not one of these.
    fn special_group(&mut self) -> Result<Option<Re>, String> {
        if !self.approx {
            return Ok(None);
        }
        let mut on = true;
        while let Some(c) = self.next() {
            match c {
                'i' => self.ignore_case = on,
                's' => self.dot_all = on,
                'm' | 'U' => {}
                '-' => on = false,
                ')' => return Ok(Some(Re::Concat(Vec::new()))),
                ':' => {
                    let inner = self.alternation()?;
                    if !self.eat(')') {
                        return Err("unclosed `(` in the pattern".to_string());
                    }
                    return Ok(Some(inner));
                }
                other => return Err(format!("unsupported: the inline flag `{other}`")),
            }
        }
        Err("unclosed `(` in the pattern".to_string())
    }

    /// A look-around's body (after `(?=` and the like). In a branch's top-level concatenation
    /// it is [`Re::Look`], which z3 expresses exactly; deeper, the approximation skips it (it
    /// only narrows a match) and the exact translation refuses it.
    fn look(&mut self, ahead: bool, negated: bool) -> Result<Re, String> {
        let top = self.depth == 0;
        self.depth += 1;
        if self.depth > MAX_GROUP_DEPTH {
            return Err(format!(
                "the pattern nests groups deeper than {MAX_GROUP_DEPTH}, the limit the solver is given"
            ));
        }
        let saved = (self.ignore_case, self.dot_all);
        let inner = self.alternation()?;
        (self.ignore_case, self.dot_all) = saved;
        self.depth -= 1;
        if !self.eat(')') {
            return Err("unclosed `(` in the pattern".to_string());
        }
        // Approximating, a negative look-around is skipped even at the top: its body may be
        // approximated by a larger language, and subtracting more is not an over-approximation.
        if top && !(self.approx && negated) {
            Ok(Re::Look { inner: Box::new(inner), ahead, negated })
        } else if self.approx {
            Ok(Re::Concat(Vec::new()))
        } else {
            Err("unsupported: look-around inside a group".to_string())
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
            // Zero-width assertions only narrow a match: the approximation skips them.
            'b' | 'B' | 'A' | 'z' | 'Z' | 'G' if self.approx && !in_class => Ok(Re::Concat(Vec::new())),
            // A Unicode property: any character, a superset.
            'p' | 'P' if self.approx => {
                if self.eat('{') {
                    while let Some(ch) = self.next() {
                        if ch == '}' {
                            break;
                        }
                    }
                } else {
                    self.next();
                }
                Ok(any_char())
            }
            // A back-reference: its group's language, a superset of what the group captured.
            '1'..='9' if self.approx && !in_class => {
                let mut n = c.to_digit(10).unwrap_or(0) as usize;
                while let Some(d) = self.peek().and_then(|d| d.to_digit(10)) {
                    n = n.saturating_mul(10).saturating_add(d as usize);
                    self.pos += 1;
                }
                self.backreference(Some(n))
            }
            'k' if self.approx && !in_class => {
                let mut name = String::new();
                if self.eat('<') {
                    while let Some(ch) = self.next() {
                        if ch == '>' {
                            break;
                        }
                        name.push(ch);
                    }
                }
                let group = self.names.get(&name).copied();
                self.backreference(group)
            }
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
                    // `\S` in `[\s\S]`: the complement's ranges.
                    Re::Class { ranges: rs, negated: true } => {
                        ranges.extend(complement(&rs));
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
        if self.ignore_case {
            if ranges.iter().any(|(lo, hi)| !hi.is_ascii() || !lo.is_ascii()) {
                return Ok(any_char());
            }
            if ranges.iter().any(|(lo, hi)| (*lo..=*hi).any(|c| c.is_ascii_alphabetic())) {
                ranges.extend([('A', 'Z'), ('a', 'z')]);
            }
        }
        Ok(Re::Class { ranges, negated })
    }
}

/// Any character (newlines included).
fn any_char() -> Re {
    Re::Class { ranges: Vec::new(), negated: true }
}

/// The ranges of the characters (up to [`MAX_CHAR`]) not in `ranges`.
fn complement(ranges: &[(char, char)]) -> Vec<(char, char)> {
    let mut sorted: Vec<(u32, u32)> = ranges.iter().map(|(a, b)| (*a as u32, *b as u32)).collect();
    sorted.sort_unstable();
    let mut out = Vec::new();
    let mut next = 0u32;
    for (lo, hi) in sorted {
        if lo > next {
            push_range(&mut out, next, lo - 1);
        }
        next = next.max(hi.saturating_add(1));
    }
    if next <= MAX_CHAR {
        push_range(&mut out, next, MAX_CHAR);
    }
    out
}

/// Pushes the range `lo..=hi` of code points, its ends moved off the surrogates.
fn push_range(out: &mut Vec<(char, char)>, lo: u32, hi: u32) {
    let lo = if (0xD800..=0xDFFF).contains(&lo) { 0xE000 } else { lo };
    let hi = if (0xD800..=0xDFFF).contains(&hi) { 0xD7FF } else { hi };
    if let (Some(a), Some(b)) = (char::from_u32(lo), char::from_u32(hi))
        && a <= b
    {
        out.push((a, b));
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
    if has_look(&p.re) {
        return top_level(&p.re, !p.anchored_start, !p.anchored_end);
    }
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

/// Whether a branch's top level holds a look-around.
fn has_look(re: &Re) -> bool {
    match re {
        Re::Look { .. } => true,
        Re::Concat(items) => items.iter().any(|i| matches!(i, Re::Look { .. })),
        Re::Alt(alts) => alts.iter().any(has_look),
        _ => false,
    }
}

/// A branch whose top level holds look-arounds, with search semantics when `any_before` /
/// `any_after` (no anchor). A look-ahead constrains everything after it, to the end of the
/// string: `A (?=X) B` is `A · ((B · T) ∩ (X · Σ*))` (`∖` for `(?!X)`), `T` being `Σ*` or
/// nothing; a look-behind symmetrically everything before it. One concatenation with both
/// kinds is not translated.
fn top_level(re: &Re, any_before: bool, any_after: bool) -> Result<Regexp, String> {
    let items: Vec<Re> = match re {
        Re::Alt(alts) => {
            let parts = alts.iter().map(|a| top_level(a, any_before, any_after)).collect::<Result<Vec<_>, _>>()?;
            return Ok(Regexp::union(&parts));
        }
        Re::Concat(items) => items.clone(),
        other => vec![other.clone()],
    };
    let ahead = items.iter().any(|i| matches!(i, Re::Look { ahead: true, .. }));
    let behind = items.iter().any(|i| matches!(i, Re::Look { ahead: false, .. }));
    if ahead && behind {
        return Err("unsupported: look-ahead and look-behind in one branch".to_string());
    }
    let empty = || Regexp::literal("");
    if ahead {
        let mut acc = if any_after { Regexp::full() } else { empty() };
        for item in items.iter().rev() {
            acc = match item {
                Re::Look { inner, negated, .. } => {
                    let x = Regexp::concat(&[re_to_z3(inner)?, Regexp::full()]);
                    if *negated { acc.diff(&x) } else { Regexp::intersect(&[acc, x]) }
                }
                other => Regexp::concat(&[re_to_z3(other)?, acc]),
            };
        }
        return Ok(if any_before { Regexp::concat(&[Regexp::full(), acc]) } else { acc });
    }
    let mut acc = if any_before { Regexp::full() } else { empty() };
    for item in &items {
        acc = match item {
            Re::Look { inner, negated, .. } => {
                let x = Regexp::concat(&[Regexp::full(), re_to_z3(inner)?]);
                if *negated { acc.diff(&x) } else { Regexp::intersect(&[acc, x]) }
            }
            other => Regexp::concat(&[acc, re_to_z3(other)?]),
        };
    }
    Ok(if any_after { Regexp::concat(&[acc, Regexp::full()]) } else { acc })
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
        Re::Start | Re::End => Regexp::literal(""),
        Re::Look { .. } => return Err("unsupported: look-around inside a group".to_string()),
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

/// A character range. z3 reads a range's bounds as escaped strings, so it is given only
/// ranges whose bounds are printable ASCII other than the backslash; any other range is split:
/// control characters and small ranges become a union of escaped literals, and a range that
/// runs to [`MAX_CHAR`] is every character but those below it.
fn range(lo: char, hi: char) -> Result<Regexp, String> {
    if lo == hi {
        return Ok(Regexp::literal(&z3_escape(&lo.to_string())));
    }
    let plain = |c: char| (' '..='~').contains(&c) && c != '\\';
    if plain(lo) && plain(hi) {
        return Ok(Regexp::range(&lo, &hi));
    }
    let (a, b) = (lo as u32, hi as u32);
    const SMALL: u32 = 256;
    let literals = |from: u32, to: u32| -> Regexp {
        let parts: Vec<Regexp> =
            (from..=to).filter_map(char::from_u32).map(|c| Regexp::literal(&z3_escape(&c.to_string()))).collect();
        if parts.len() == 1 { parts.into_iter().next().unwrap_or_else(Regexp::empty) } else { Regexp::union(&parts) }
    };
    if b == MAX_CHAR && a > 0 && a <= 0x80 {
        // Everything from `lo` up: every character but those below it (all ASCII).
        let below = range('\0', char::from_u32(a - 1).unwrap_or('\0'))?;
        return Ok(Regexp::allchar().diff(&below));
    }
    if b == MAX_CHAR && a == 0 {
        return Ok(Regexp::allchar());
    }
    if b - a < SMALL {
        return Ok(literals(a, b));
    }
    // Split at the end of ASCII: the ASCII part as above, the rest only when it is small.
    if a < 0x80 && b - 0x80 < SMALL {
        let ascii = range(lo, '\u{7f}')?;
        return Ok(Regexp::union(&[ascii, literals(0x80, b)]));
    }
    if a < 0x7f && plain(lo) {
        // `lo`..`~`, then the rest.
        let head = Regexp::range(&lo, &'~');
        if let Some(next) = char::from_u32(0x7f) {
            return Ok(Regexp::union(&[head, range(next, hi)?]));
        }
    }
    Err(format!("unsupported: the character range {lo:?}-{hi:?}"))
}

/// The z3 regular expression of a pattern: the union of its branches' ([`parse_branches`]),
/// each with search semantics. An error says what z3 cannot express, or which bound the
/// pattern is over.
pub fn exact(pattern: &str) -> Result<Regexp, String> {
    union_of(&parse_branches(pattern)?)
}

/// A z3 regular expression whose language contains the pattern's (and usually more), for a
/// pattern z3 cannot express exactly: look-around, word boundaries and anchors inside the
/// pattern stand for the empty string, Unicode properties and back-references for any text,
/// `(?i)` for both cases of each letter. `None` when even that is not possible (or a size
/// bound is passed); the caller then knows nothing of the pattern but what a regular
/// expression engine says of concrete strings.
pub fn over_approximation(pattern: &str) -> Option<Regexp> {
    parse_branches_mode(pattern, true).ok().and_then(|b| union_of(&b).ok())
}

fn union_of(branches: &[Pattern]) -> Result<Regexp, String> {
    let mut parts = branches.iter().map(to_z3).collect::<Result<Vec<_>, _>>()?;
    Ok(if parts.len() == 1 { parts.remove(0) } else { Regexp::union(&parts) })
}

/// A full regular-expression engine's reading of the pattern (fancy-regex: look-around,
/// back-references, flags), for checking concrete strings, with this module's meanings of
/// `\d`, `\w`, `\s` and `\b` (ASCII) and search semantics (`is_match`).
pub fn checker(pattern: &str) -> Result<fancy_regex::Regex, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let Some(&n) = chars.get(i + 1) else {
                out.push(c);
                break;
            };
            let ascii = match n {
                'd' => Some("[0-9]"),
                'D' => Some("[^0-9]"),
                'w' => Some("[0-9A-Za-z_]"),
                'W' => Some("[^0-9A-Za-z_]"),
                's' => Some("[\\t\\n\\x0B\\x0C\\r ]"),
                'S' => Some("[^\\t\\n\\x0B\\x0C\\r ]"),
                'b' if in_class => Some("\\x08"),
                'b' => Some("(?:(?<=[0-9A-Za-z_])(?![0-9A-Za-z_])|(?<![0-9A-Za-z_])(?=[0-9A-Za-z_]))"),
                'B' => Some("(?:(?<=[0-9A-Za-z_])(?=[0-9A-Za-z_])|(?<![0-9A-Za-z_])(?![0-9A-Za-z_]))"),
                _ => None,
            };
            match ascii {
                Some(r) => out.push_str(r),
                None => {
                    out.push(c);
                    out.push(n);
                }
            }
            i += 2;
            continue;
        }
        if c == '[' && !in_class {
            in_class = true;
            out.push(c);
            // A `]` first in a class (after an optional `^`) is a literal.
            if chars.get(i + 1) == Some(&'^') {
                out.push('^');
                i += 1;
            }
            if chars.get(i + 1) == Some(&']') {
                out.push_str("\\]");
                i += 1;
            }
        } else if c == ']' && in_class {
            in_class = false;
            out.push(c);
        } else if c == '[' && in_class {
            // A `[` inside a class is a literal in JSON Schema's (ECMA-262) patterns.
            out.push_str("\\[");
        } else {
            out.push(c);
        }
        i += 1;
    }
    fancy_regex::Regex::new(&out).map_err(|e| format!("not a valid regular expression ({e})"))
}

/// Whether a refusal is a size bound rather than an unsupported construct: a pattern over a
/// bound is never handed to z3, nor searched for a witness.
pub fn is_bound(why: &str) -> bool {
    why.contains("the limit")
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
        for p in ["(?:(?=a)b)", "(a)\\1", "\\bword", "(?i)abc", "a^b", "a$b", "a*+", "[[:alpha:]]", "x{2000}"] {
            assert!(parse(p).is_err(), "{p} should be unsupported");
        }
    }

    #[test]
    fn look_around_at_the_top_of_a_branch_is_exact() {
        let p = parse("^(?=.*[0-9])(?!x)[a-z0-9]+$").expect("parses");
        assert!(matches!(&p.re, Re::Concat(items) if matches!(items[0], Re::Look { ahead: true, negated: false, .. })));
        assert!(parse("(?<=a)b").is_ok());
    }

    #[test]
    fn the_approximation_holds_every_match() {
        // Each of these is refused exactly but approximated; the approximation's parse keeps
        // enough to be a superset (checked on examples by the discharger's tests).
        for p in ["\\bword\\b", "(?i)abc", "(a)\\1", "\\p{L}+", "(?:(?=a)b)", "x(?s:.)y", "a*+"] {
            assert!(parse(p).is_err() && parse_branches_mode(p, true).is_ok(), "{p}");
        }
        // An anchor inside that can never hold empties the branch.
        let p = parse_branches_mode(".^", true).expect("parses");
        assert_eq!(p[0].re, Re::Class { ranges: Vec::new(), negated: false });
        // The back-reference stands for its group's language.
        let p = parse_branches_mode("^(ab)\\1$", true).expect("parses");
        let ab = Re::Concat(vec![Re::Literal('a'), Re::Literal('b')]);
        assert_eq!(p[0].re, Re::Concat(vec![ab.clone(), ab]));
    }

    #[test]
    fn branches_keep_their_anchors() {
        assert_eq!(top_level_branches("^a|b$"), vec!["^a", "b$"]);
        assert_eq!(top_level_branches("a|b"), vec!["a|b"]);
        assert_eq!(top_level_branches("^(a|b)$"), vec!["^(a|b)$"]);
        assert_eq!(top_level_branches("^[|]$|\\|x"), vec!["^[|]$", "\\|x"]);
    }

    #[test]
    fn the_checker_reads_classes_as_this_module_does() {
        let re = checker("^\\d+$").expect("compiles");
        assert!(re.is_match("123").unwrap_or(false));
        // `\d` is ASCII, as in the translation; fancy-regex alone would accept other digits.
        assert!(!re.is_match("١٢٣").unwrap_or(true));
        let b = checker("\\bok\\b").expect("compiles");
        assert!(b.is_match("is ok.").unwrap_or(false) && !b.is_match("okay").unwrap_or(true));
        assert!(checker("[\\s\\S]").expect("compiles").is_match("\n").unwrap_or(false));
    }
}
