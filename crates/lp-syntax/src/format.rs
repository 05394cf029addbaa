//! The canonical formatter: a parsed file plus its source text → the file in the one house style.
//!
//! `leanos-prove fmt` and the language server call [`format`]. The style has no options; the
//! decision record `book/src/dev/decisions/002-formatter.md` gives the reasons. In short:
//!
//! - Two spaces per indentation level, at most [`MAX_WIDTH`] columns where a construct can be
//!   broken, `\n` line ends, one final newline, no trailing spaces.
//! - `spec NAME version X.Y.Z` first, then the items, exactly one blank line between items,
//!   except that two items of the same kind that each take one line (doc comments aside), such
//!   as a run of errors or of fns without a body, stay together when the author wrote them so.
//! - Records, sums, settings, match expressions and parameter lists stay on one line when they
//!   fit and hold no doc comment and no comment; otherwise they are broken one element per
//!   line, records, settings, parameters and match arms with a trailing comma, sum variants each
//!   starting with `| `. A sum of a single variant always starts with `|`.
//! - Fn contracts and a body that does not fit beside the signature go one per line, indented;
//!   but a fn without contracts whose body is a `match` keeps `= match x {` on the signature
//!   line when that fits, with the arms one per line below it.
//!   Machine, service and migrate members go one per line, indented; a single blank line the
//!   author left between two members (or their comments) is kept, more are reduced to one.
//! - An operation stays on one line when it fits. Otherwise `op name(params) -> Result` stays
//!   on the first line (its parameters broken one per line only when that head alone does not
//!   fit, as for a fn signature) and each clause present, `! Errors`, `METHOD /path` and
//!   `fires M.e`, goes on a line of its own, indented one level more than `op`.
//! - Operators with single spaces around them, no space inside parentheses, brackets or type
//!   arguments, one space inside the braces of a one-line record, settings or match.
//! - Parentheses the author wrote are kept (the tree keeps them); parentheses the tree needs but
//!   lacks (a hand-built tree) are added. Strings are re-escaped (`\"`, `\\`, `\n`, `\t`);
//!   integers lose their `_` separators; setting lists are separated by `,`.
//! - Expressions and type references are never broken, except that a `match` which does not
//!   fit (or holds a comment) puts one arm per line.
//!
//! Comments are never lost and never reordered. A comment on its own line stays on its own
//! line before the construct that follows it, at that construct's indentation; a comment at the
//! end of a line stays at the end of the line that holds what preceded it. A comment inside a
//! construct printed on one line (inside an expression, say) moves to its own line just before
//! that line; so that this is stable, a record, sum, settings block or `match` holding a
//! comment that would stay inside it is never joined onto one line. Doc comments print as
//! `/// text`, and so does a `///` the parser kept as a comment because it documents nothing.
//!
//! The printer makes one pass over the tree and one over the comments (a cursor), writing into
//! a single buffer. Whether a construct fits on one line is found by printing it flat and
//! undoing that when it does not fit; a flat attempt stops as soon as the line is too long, so
//! the work stays linear in the size of the file.

use crate::ast::{
    AllowDecl, BinOp, Block, Comment, ContractKind, DeployDecl, EntityDecl, ErrorDecl, Expr, ExprKind, Field,
    FieldInit, FieldPattern, FnDecl, HttpBinding, InvariantDecl, Item, ItemKind, MachineDecl, MachineMember,
    MachineMemberKind, MatchArm, MigrateDecl, MigrationRule, Name, OpParam, Operation, Param, PathSegment, Pattern,
    PatternKind, Raise, RecordType, ServiceDecl, ServiceMember, ServiceMemberKind, Setting, SettingValue,
    SettingValueKind, Settings, SourceFileAst, Stmt, StmtKind, SumType, Term, TermArm, TermKind, Transition, TypeBody,
    TypeDecl, TypeParam, TypeRef, UnOp, Variance, Variant, VariantPatternPayload,
};
use lp_diagnostics::Span;

/// The widest line, in characters, that the formatter produces where it can choose.
pub const MAX_WIDTH: usize = 100;

/// Spaces per indentation level.
const INDENT: usize = 2;

/// Formats a parsed file in the canonical style, keeping every comment.
///
/// `source` is the text `file` was parsed from: the formatter reads it to place comments and to
/// see where the author left blank lines. Spans outside `source` are tolerated (a tree built
/// by hand may have all-zero spans); the output is then laid out as if there were no blank
/// lines.
pub fn format(file: &SourceFileAst, source: &str) -> String {
    let mut p = Printer::new(source, &file.comments);
    p.file(file);
    p.finish()
}

/// Whether a blank line may be printed before a line and the comments leading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Blank {
    /// Never: fn contracts and bodies, a refinement on its own line, a closing line.
    Never,
    /// Not before the first line printed (just after an opening brace); the author's single
    /// blank lines are kept after it.
    NotFirst,
    /// The author's blank lines are kept, reduced to one.
    Keep,
    /// Exactly one blank line before the first line printed (between items); the author's
    /// blank lines are kept after it. (Between one-line items of the same kind, `Keep` is used
    /// instead, and the blank line is added afterwards if the second takes several lines.)
    Force,
}

/// Something printed one per line inside a block: a field, member, arm, parameter or setting.
trait Member {
    /// Where it starts in the source.
    fn start(&self) -> u32;
    /// Its doc comment lines.
    fn docs(&self) -> &[String] {
        &[]
    }
}

impl Member for Field {
    fn start(&self) -> u32 {
        self.span.start
    }
    fn docs(&self) -> &[String] {
        &self.docs
    }
}

impl Member for MachineMember {
    fn start(&self) -> u32 {
        self.span.start
    }
    fn docs(&self) -> &[String] {
        &self.docs
    }
}

impl Member for ServiceMember {
    fn start(&self) -> u32 {
        self.span.start
    }
    fn docs(&self) -> &[String] {
        &self.docs
    }
}

impl Member for FieldInit {
    fn start(&self) -> u32 {
        self.span.start
    }
}

impl Member for MatchArm {
    fn start(&self) -> u32 {
        self.span.start
    }
}

impl Member for Stmt {
    fn start(&self) -> u32 {
        self.span.start
    }
}

impl Member for TermArm {
    fn start(&self) -> u32 {
        self.span.start
    }
}

impl Member for MigrationRule {
    fn start(&self) -> u32 {
        self.span.start
    }
}

impl Member for Setting {
    fn start(&self) -> u32 {
        self.span.start
    }
}

impl Member for Param {
    fn start(&self) -> u32 {
        self.span.start
    }
}

impl Member for OpParam {
    fn start(&self) -> u32 {
        self.span.start
    }
}

/// The output buffer plus where it stands in the source and in the comment list.
///
/// Output is made of lines. A line is opened by [`Printer::begin`] (or [`Printer::close`]),
/// which first places the comments that precede it, and ended by [`Printer::end`], which moves
/// the comments that the line's constructs enclose to just before it.
struct Printer<'a> {
    src: &'a str,
    comments: &'a [Comment],
    /// The next comment not yet placed.
    next: usize,
    out: String,
    /// Whether a line is open (its `\n` not yet written).
    open: bool,
    /// Where the open line starts in `out`.
    line_begin: usize,
    /// Where comments enclosed by the open line are inserted: before its doc comments.
    group_begin: usize,
    /// The open line's indentation.
    indent: usize,
    /// The indentation of comments moved before the open line.
    comment_indent: usize,
    /// The end of the source the open line covers so far.
    src_hi: u32,
    /// The end of the source the last ended line covered.
    prev_src_hi: u32,
    /// Whether a comment may still be appended to the last ended line.
    can_trail: bool,
    /// The end of the source of the last thing printed (a line or a comment), to look for the
    /// author's blank lines after it.
    last_src_end: u32,
    /// Whether a one-line attempt is in progress.
    flat: bool,
    /// Whether the one-line attempt in progress has failed.
    failed: bool,
    /// Where the last [`Printer::begin`] would put a blank line before the first thing it
    /// printed on a line of its own (a comment, a doc comment or the line), and whether it did.
    gap: (usize, bool),
}

impl<'a> Printer<'a> {
    fn new(src: &'a str, comments: &'a [Comment]) -> Self {
        Printer {
            src,
            comments,
            next: 0,
            out: String::with_capacity(src.len() + src.len() / 8 + 64),
            open: false,
            line_begin: 0,
            group_begin: 0,
            indent: 0,
            comment_indent: 0,
            src_hi: 0,
            prev_src_hi: 0,
            can_trail: false,
            last_src_end: 0,
            flat: false,
            failed: false,
            gap: (0, false),
        }
    }

    fn finish(mut self) -> String {
        self.end();
        self.flush(u32::MAX, 0, Blank::Keep);
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.out
    }

    // ------------------------------------------------------------ lines and comments

    /// Writes text on the open line.
    fn w(&mut self, s: &str) {
        if self.failed {
            return;
        }
        self.out.push_str(s);
        // A flat attempt stops once the line is certainly too long (a character takes at most
        // four bytes), so that trying never costs more than a line's worth of work.
        if self.flat && self.out.len() - self.line_begin > 4 * MAX_WIDTH {
            self.failed = true;
        }
    }

    /// Records that the open line covers the source up to `end`.
    fn bump(&mut self, end: u32) {
        self.src_hi = self.src_hi.max(end);
    }

    fn name(&mut self, n: &Name) {
        self.w(&n.text);
        self.bump(n.span.end);
    }

    fn names(&mut self, names: &[Name], sep: &str) {
        for (i, n) in names.iter().enumerate() {
            if i > 0 {
                self.w(sep);
            }
            self.name(n);
        }
    }

    /// Whether the open line, as far as written, fits in [`MAX_WIDTH`] columns.
    fn fits(&self) -> bool {
        self.out.get(self.line_begin..).is_none_or(|line| line.chars().nth(MAX_WIDTH).is_none())
    }

    /// Tries to print `f` on the open line. Keeps the result and returns true when it fits and
    /// needed no line break; otherwise undoes it and returns false. Inside another attempt it
    /// just prints, and the outer attempt decides.
    fn try_flat(&mut self, f: impl FnOnce(&mut Self)) -> bool {
        if self.flat {
            f(self);
            return !self.failed;
        }
        let mark = self.out.len();
        let src_hi = self.src_hi;
        self.flat = true;
        self.failed = false;
        f(self);
        let ok = !self.failed && self.fits();
        self.flat = false;
        self.failed = false;
        if !ok {
            self.out.truncate(mark);
            self.src_hi = src_hi;
        }
        ok
    }

    /// Whether a comment starts in `start..end`.
    fn has_comment_in(&self, start: u32, end: u32) -> bool {
        let rest = self.comments.get(self.next..).unwrap_or_default();
        let i = rest.partition_point(|c| c.span.start < start);
        rest.get(i).is_some_and(|c| c.span.start < end)
    }

    /// Whether the source between `from` and `to` holds a blank line.
    fn has_blank(&self, from: u32, to: u32) -> bool {
        let Some(gap) = self.src.get(from as usize..to as usize) else {
            return false;
        };
        // Line ends as the lexer reads them: `\n`, `\r\n` or a lone `\r`.
        let bytes = gap.as_bytes();
        let mut newline = false;
        for (i, &b) in bytes.iter().enumerate() {
            let ends_line = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            match b {
                _ if ends_line && newline => return true,
                _ if ends_line => newline = true,
                b' ' | b'\t' | b'\r' => {}
                _ => newline = false,
            }
        }
        false
    }

    /// Whether no line break separates `from` and `to` in the source.
    fn same_line(&self, from: u32, to: u32) -> bool {
        from <= to && self.src.get(from as usize..to as usize).is_some_and(|gap| !gap.contains(['\n', '\r']))
    }

    fn blank_before(&self, policy: Blank, first: bool, from: u32, to: u32) -> bool {
        if self.out.is_empty() {
            return false;
        }
        match policy {
            Blank::Never => false,
            Blank::NotFirst if first => false,
            Blank::Force if first => true,
            _ => self.has_blank(from, to),
        }
    }

    fn push_indent(&mut self, indent: usize) {
        self.out.extend(std::iter::repeat_n(' ', indent));
    }

    /// Writes a comment. A `///` comment that documents nothing (the parser keeps it as a
    /// comment and warns with LP0014) becomes an ordinary `//` comment with the same text:
    /// written as a doc comment, it would document whatever the formatter puts after it, and
    /// formatting must never change what a spec means.
    fn push_comment(out: &mut String, c: &Comment) {
        out.push_str("//");
        match c.text.strip_prefix('/') {
            Some(doc) if !doc.starts_with('/') => out.push_str(doc.trim_end()),
            _ => out.push_str(c.text.trim_end()),
        }
    }

    /// Places the comments that start before `pos`: the first one at the end of the last line
    /// when it was there in the source, the others each on its own line at `indent`. Returns
    /// whether nothing was printed on a line of its own.
    fn flush(&mut self, pos: u32, indent: usize, policy: Blank) -> bool {
        let mut first = true;
        while let Some(c) = self.comments.get(self.next) {
            if c.span.start >= pos {
                break;
            }
            self.next += 1;
            if self.can_trail && self.out.ends_with('\n') && self.same_line(self.prev_src_hi, c.span.start) {
                self.out.pop();
                self.out.push(' ');
                Self::push_comment(&mut self.out, c);
                self.out.push('\n');
            } else {
                let blank = self.blank_before(policy, first, self.last_src_end, c.span.start);
                if first {
                    self.gap = (self.out.len(), blank);
                }
                if blank {
                    self.out.push('\n');
                }
                self.push_indent(indent);
                Self::push_comment(&mut self.out, c);
                self.out.push('\n');
                first = false;
            }
            self.can_trail = false;
            self.last_src_end = self.last_src_end.max(c.span.end);
        }
        first
    }

    /// Opens a line at `indent` for a construct starting at `pos`, after the comments before
    /// it, a blank line if `policy` asks for one, and `docs`.
    fn begin(&mut self, pos: u32, indent: usize, policy: Blank, docs: &[String]) {
        if self.flat {
            self.failed = true;
            return;
        }
        self.end();
        let first = self.flush(pos, indent, policy);
        let blank = self.blank_before(policy, first, self.last_src_end, pos);
        if first {
            self.gap = (self.out.len(), blank);
        }
        if blank {
            self.out.push('\n');
        }
        self.group_begin = self.out.len();
        for doc in docs {
            self.push_indent(indent);
            push_doc(&mut self.out, doc);
            self.out.push('\n');
        }
        self.open_line(indent, indent, pos);
    }

    fn open_line(&mut self, indent: usize, comment_indent: usize, pos: u32) {
        self.line_begin = self.out.len();
        self.push_indent(indent);
        self.indent = indent;
        self.comment_indent = comment_indent;
        self.open = true;
        self.src_hi = pos;
        self.last_src_end = self.last_src_end.max(pos);
    }

    /// Ends the open line. The comments its constructs enclose go on their own lines before it.
    fn end(&mut self) {
        if !self.open {
            return;
        }
        if self.flat {
            self.failed = true;
            return;
        }
        let start = self.next;
        while self.comments.get(self.next).is_some_and(|c| c.span.start < self.src_hi) {
            self.next += 1;
        }
        if self.next > start {
            let mut moved = String::new();
            for c in &self.comments[start..self.next] {
                moved.extend(std::iter::repeat_n(' ', self.comment_indent));
                Self::push_comment(&mut moved, c);
                moved.push('\n');
            }
            self.out.insert_str(self.group_begin, &moved);
        }
        let kept = self.out.trim_end_matches(' ').len().max(self.line_begin);
        self.out.truncate(kept);
        self.out.push('\n');
        self.open = false;
        self.prev_src_hi = self.src_hi;
        self.can_trail = true;
        self.last_src_end = self.last_src_end.max(self.src_hi);
    }

    /// Ends a block's last line and opens its closing line, `text` at `outer`, after the
    /// comments before `pos` at `inner`.
    fn close(&mut self, pos: u32, inner: usize, outer: usize, empty: bool, text: &str) {
        if self.flat {
            self.failed = true;
            return;
        }
        self.end();
        self.flush(pos, inner, if empty { Blank::NotFirst } else { Blank::Keep });
        self.group_begin = self.out.len();
        self.open_line(outer, inner, pos);
        self.w(text);
    }

    /// Prints `members` one per line between braces, each followed by `sep`, or `{}` when there
    /// is nothing inside. `open` is where the block starts and `close` where its `}` is.
    fn block<T: Member>(&mut self, open: u32, close: u32, members: &[T], sep: &str, print: impl Fn(&mut Self, &T)) {
        if members.is_empty() && !self.has_comment_in(open, close) {
            self.w("{}");
            self.bump(close.saturating_add(1));
            return;
        }
        if self.flat {
            self.failed = true;
            return;
        }
        let base = self.indent;
        self.w("{");
        self.bump(open);
        for (i, m) in members.iter().enumerate() {
            let policy = if i == 0 { Blank::NotFirst } else { Blank::Keep };
            self.begin(m.start(), base + INDENT, policy, m.docs());
            print(self, m);
            self.w(sep);
        }
        self.close(close, base + INDENT, base, members.is_empty(), "}");
        self.bump(close.saturating_add(1));
    }

    /// Prints `(params)` and then `tail` on one line if that fits, else one parameter per line.
    fn param_list<T: Member>(
        &mut self,
        params: &[T],
        close: u32,
        print: impl Fn(&mut Self, &T),
        tail: impl Fn(&mut Self),
    ) {
        if self.try_flat(|p| {
            p.params_flat(params, &print);
            tail(p);
        }) {
            return;
        }
        if params.is_empty() {
            self.w("()");
            tail(self);
            return;
        }
        let base = self.indent;
        self.w("(");
        for (i, x) in params.iter().enumerate() {
            let policy = if i == 0 { Blank::NotFirst } else { Blank::Keep };
            self.begin(x.start(), base + INDENT, policy, &[]);
            print(self, x);
            self.w(",");
        }
        self.close(close, base + INDENT, base, false, ")");
        tail(self);
    }

    /// Prints `(params)` on the open line.
    fn params_flat<T>(&mut self, params: &[T], print: &impl Fn(&mut Self, &T)) {
        self.w("(");
        for (i, x) in params.iter().enumerate() {
            if i > 0 {
                self.w(", ");
            }
            print(self, x);
        }
        self.w(")");
    }

    /// Copies source text the parser could not read, with the comments inside it.
    fn verbatim(&mut self, span: Span) {
        let text = self.src.get(span.range()).unwrap_or_default().trim();
        self.w(text);
        while self.comments.get(self.next).is_some_and(|c| c.span.start >= span.start && c.span.end <= span.end) {
            self.next += 1;
        }
        self.bump(span.end);
    }

    // ------------------------------------------------------------ items

    fn file(&mut self, f: &SourceFileAst) {
        let mut policy = Blank::Keep;
        if let Some(h) = &f.header {
            self.begin(h.span.start, 0, policy, &[]);
            self.w("spec ");
            self.name(&h.name);
            let v = &h.version;
            self.w(&format!(" version {}.{}.{}", v.major, v.minor, v.patch));
            self.bump(h.span.end);
            policy = Blank::Force;
        }
        // The kind of the previous item when it took a single line (doc comments aside).
        let mut prev_single = None;
        for item in &f.items {
            let kind = std::mem::discriminant(&item.kind);
            let groupable = !matches!(item.kind, ItemKind::Invalid);
            // Two one-line items of the same kind (a run of errors, of fns without a body, of
            // deploys) are kept together when the author wrote them so.
            let group = groupable && prev_single == Some(kind);
            self.begin(item.span.start, 0, if group { Blank::Keep } else { policy }, &item.docs);
            let (first_line, (at, placed)) = (self.line_begin, self.gap);
            self.item(item);
            let single = self.open && self.line_begin == first_line;
            if group && !single {
                // It took several lines after all: separate it like any other item.
                if !placed {
                    self.end();
                    self.out.insert(at, '\n');
                }
            }
            prev_single = (groupable && single).then_some(kind);
            policy = Blank::Force;
        }
    }

    fn item(&mut self, item: &Item) {
        let close = item.span.end.saturating_sub(1);
        match &item.kind {
            ItemKind::Type(t) => self.type_decl(t),
            ItemKind::Error(e) => self.error_decl(e),
            ItemKind::Fn(f) => self.fn_decl(f),
            ItemKind::Machine(m) => self.machine(m, close),
            ItemKind::Service(s) => self.service(s, close),
            ItemKind::Standards(s) => {
                self.w("standards ");
                self.settings(s);
            }
            ItemKind::Deploy(d) => self.deploy(d),
            ItemKind::Migrate(m) => self.migrate(m, close),
            ItemKind::Allow(a) => self.allow(a),
            ItemKind::Entity(e) => self.entity(e),
            ItemKind::Invariant(i) => self.invariant(i),
            ItemKind::Invalid => self.verbatim(item.span),
        }
    }

    fn entity(&mut self, e: &EntityDecl) {
        self.w("entity ");
        self.name(&e.name);
        self.w(" key ");
        let parens = e.key_parens || e.key.len() != 1;
        if parens {
            self.w("(");
        }
        self.names(&e.key, ", ");
        if parens {
            self.w(")");
        }
        if let Some(m) = &e.lifecycle {
            self.w(" lifecycle ");
            self.name(m);
        }
        self.w(" = ");
        self.record(&e.record);
        if let Some(r) = &e.refinement {
            let same_line = self.try_flat(|p| {
                p.w(" where ");
                p.expr(r);
            });
            if !same_line {
                self.begin(r.span.start, INDENT, Blank::Never, &[]);
                self.w("where ");
                self.expr(r);
            }
        }
    }

    fn invariant(&mut self, i: &InvariantDecl) {
        self.w("invariant ");
        self.name(&i.name);
        self.w(": ");
        self.expr(&i.expr);
    }

    fn type_decl(&mut self, t: &TypeDecl) {
        self.w("type ");
        self.name(&t.name);
        self.type_params(&t.params);
        self.w(" =");
        let vertical = match &t.body {
            TypeBody::Record(r) => {
                self.w(" ");
                self.record(r);
                false
            }
            TypeBody::Sum(s) => self.sum(s, t.params.last().map_or(t.name.span.end, |p| p.span.end)),
            TypeBody::Alias(ty) => {
                self.w(" ");
                self.type_ref(ty);
                false
            }
        };
        if let Some(e) = &t.refinement {
            let same_line = !vertical
                && self.try_flat(|p| {
                    p.w(" where ");
                    p.expr(e);
                });
            if !same_line {
                self.begin(e.span.start, INDENT, Blank::Never, &[]);
                self.w("where ");
                self.expr(e);
            }
        }
    }

    fn type_params(&mut self, params: &[TypeParam]) {
        if params.is_empty() {
            return;
        }
        self.w("<");
        for (i, tp) in params.iter().enumerate() {
            if i > 0 {
                self.w(", ");
            }
            self.w(match tp.variance {
                Variance::Invariant => "",
                Variance::Covariant => "+",
                Variance::Contravariant => "-",
            });
            self.name(&tp.name);
        }
        self.w(">");
    }

    /// Prints a record type: on one line if it fits and holds no doc comment or comment.
    fn record(&mut self, r: &RecordType) {
        let close = r.span.end.saturating_sub(1);
        let simple = r.fields.iter().all(|f| f.docs.is_empty()) && !self.has_comment_in(r.span.start, r.span.end);
        if !r.fields.is_empty()
            && simple
            && self.try_flat(|p| {
                p.w("{ ");
                for (i, f) in r.fields.iter().enumerate() {
                    if i > 0 {
                        p.w(", ");
                    }
                    p.field(f);
                }
                p.w(" }");
                p.bump(r.span.end);
            })
        {
            return;
        }
        self.block(r.span.start.saturating_add(1), close, &r.fields, ",", Self::field);
    }

    fn field(&mut self, f: &Field) {
        self.name(&f.name);
        self.w(": ");
        self.type_ref(&f.ty);
        if let Some(e) = &f.refinement {
            self.w(" where ");
            self.expr(e);
        }
    }

    /// Prints a sum after `type NAME =`, where `from` is the end of the name or parameters;
    /// returns whether it was broken one variant per line.
    fn sum(&mut self, s: &SumType, from: u32) -> bool {
        // Every comment after the `=` stays with the sum when it is broken (at the end of the
        // `=` line or before a variant), so all of them decide it.
        let simple = s.variants.iter().all(|v| v.docs.is_empty()) && !self.has_comment_in(from, s.span.end);
        if simple
            && self.try_flat(|p| {
                p.w(" ");
                if s.variants.len() == 1 {
                    p.w("| ");
                }
                for (i, v) in s.variants.iter().enumerate() {
                    if i > 0 {
                        p.w(" | ");
                    }
                    p.variant(v);
                }
            })
        {
            return false;
        }
        if self.flat {
            self.failed = true;
            return false;
        }
        let base = self.indent;
        for (i, v) in s.variants.iter().enumerate() {
            let policy = if i == 0 { Blank::NotFirst } else { Blank::Keep };
            self.begin(v.span.start, base + INDENT, policy, &v.docs);
            self.w("| ");
            self.variant(v);
        }
        true
    }

    fn variant(&mut self, v: &Variant) {
        self.name(&v.name);
        if let Some(r) = &v.payload {
            self.w(" ");
            self.record(r);
        }
    }

    fn type_ref(&mut self, t: &TypeRef) {
        match t {
            TypeRef::Named { name, args, .. } => {
                self.name(name);
                if !args.is_empty() {
                    self.w("<");
                    for (i, a) in args.iter().enumerate() {
                        if i > 0 {
                            self.w(", ");
                        }
                        self.type_ref(a);
                    }
                    self.w(">");
                }
            }
            TypeRef::Function { param, result, .. } => {
                // Function types associate to the right, so a function parameter needs parentheses.
                if matches!(**param, TypeRef::Function { .. }) {
                    self.w("(");
                    self.type_ref(param);
                    self.w(")");
                } else {
                    self.type_ref(param);
                }
                self.w(" -> ");
                self.type_ref(result);
            }
            TypeRef::Paren { inner, .. } => {
                self.w("(");
                self.type_ref(inner);
                self.w(")");
            }
        }
        self.bump(t.span().end);
    }

    fn error_decl(&mut self, e: &ErrorDecl) {
        self.w("error ");
        self.name(&e.name);
        self.w(&format!(" = {}", e.status.value));
        self.bump(e.status.span.end);
        if let Some(r) = &e.payload {
            self.w(" ");
            self.record(r);
        }
    }

    fn fn_decl(&mut self, f: &FnDecl) {
        self.w("fn ");
        self.name(&f.name);
        let close = f.result.span().start;
        self.param_list(&f.params, close, Self::param, |p| {
            p.w(" -> ");
            p.type_ref(&f.result);
        });
        for c in &f.contracts {
            self.begin(c.span.start, INDENT, Blank::Never, &[]);
            self.w(match c.kind {
                ContractKind::Requires => "requires ",
                ContractKind::Ensures => "ensures ",
            });
            self.expr(&c.expr);
            self.bump(c.span.end);
        }
        if let Some(body) = &f.body {
            let same_line = f.contracts.is_empty()
                && (self.try_flat(|p| {
                    p.w(" = ");
                    p.expr(body);
                }) || self.match_beside(body));
            if !same_line {
                self.begin(body.span.start, INDENT, Blank::Never, &[]);
                self.w("= ");
                self.expr(body);
            }
        }
    }

    /// Prints ` = match x {` (or ` = Name {`) and the arms (or fields) one per line when `body`
    /// is a `match` (or a record literal) whose first line fits beside the signature; returns
    /// whether it did.
    fn match_beside(&mut self, body: &Expr) -> bool {
        let (mark, src_hi) = (self.out.len(), self.src_hi);
        let fits = match &body.kind {
            ExprKind::Match { scrutinee, .. } => self.try_flat(|p| {
                p.w(" = match ");
                p.scrutinee(scrutinee);
                p.w(" {");
            }),
            ExprKind::Record { name, .. } => self.try_flat(|p| {
                p.w(" = ");
                if let Some(n) = name {
                    p.name(n);
                    p.w(" ");
                }
                p.w("{");
            }),
            _ => return false,
        };
        if !fits {
            return false;
        }
        self.out.truncate(mark);
        self.src_hi = src_hi;
        self.w(" = ");
        self.expr(body);
        true
    }

    fn param(&mut self, p: &Param) {
        self.name(&p.name);
        self.w(": ");
        self.type_ref(&p.ty);
    }

    fn machine(&mut self, m: &MachineDecl, close: u32) {
        self.w("machine ");
        self.name(&m.name);
        self.w(" ");
        self.block(m.name.span.end, close, &m.members, "", Self::machine_member);
    }

    fn machine_member(&mut self, m: &MachineMember) {
        match &m.kind {
            MachineMemberKind::Var { name, ty, init } => {
                self.w("var ");
                self.name(name);
                self.w(": ");
                self.type_ref(ty);
                self.w(" = ");
                self.expr(init);
            }
            MachineMemberKind::Invariant(e) => {
                self.w("invariant ");
                self.expr(e);
            }
            MachineMemberKind::States(names) => {
                self.w("states ");
                self.names(names, ", ");
            }
            MachineMemberKind::Initial(n) => {
                self.w("initial ");
                self.name(n);
            }
            MachineMemberKind::Final(names) => {
                self.w("final ");
                self.names(names, ", ");
            }
            MachineMemberKind::Ignore { events, states } => {
                self.w("ignore ");
                self.names(events, ", ");
                self.w(" in ");
                self.names(states, ", ");
            }
            MachineMemberKind::Transition(t) => self.transition(t),
            MachineMemberKind::Invalid => self.verbatim(m.span),
        }
    }

    fn transition(&mut self, t: &Transition) {
        self.name(&t.from);
        self.w(" -> ");
        self.name(&t.to);
        self.w(" on ");
        self.name(&t.event);
        if let Some(g) = &t.guard {
            self.w(" when ");
            self.expr(g);
        }
        for (i, a) in t.actions.iter().enumerate() {
            self.w(if i == 0 { " do " } else { ", " });
            self.name(&a.target);
            self.w(" = ");
            self.expr(&a.value);
        }
    }

    fn service(&mut self, s: &ServiceDecl, close: u32) {
        self.w("service ");
        self.name(&s.name);
        self.w(" ");
        self.block(s.name.span.end, close, &s.members, "", Self::service_member);
    }

    fn service_member(&mut self, m: &ServiceMember) {
        match &m.kind {
            ServiceMemberKind::Depends(names) => {
                self.w("depends on ");
                self.names(names, ", ");
            }
            ServiceMemberKind::Op(op) => self.operation(op),
            ServiceMemberKind::Flow(f) => {
                self.w("flow ");
                self.name(&f.name);
                self.w(" = ");
                self.names(&f.steps, " >=> ");
            }
            ServiceMemberKind::Invalid => self.verbatim(m.span),
        }
    }

    /// Prints an operation on one line if it fits. Otherwise the head `op name(params) -> R`
    /// stays on the first line (its parameters one per line if the head alone does not fit)
    /// and each clause that is present (`! errors`, `METHOD /path`, `fires M.e`) goes on a
    /// continuation line of its own, indented one level more than `op`.
    fn operation(&mut self, op: &Operation) {
        let head = |p: &mut Self| {
            p.w(" -> ");
            p.type_ref(&op.result);
        };
        let errors = |p: &mut Self| {
            p.w("! ");
            p.names(&op.errors, " | ");
        };
        let fires = |p: &mut Self, (machine, event): &(Name, Name)| {
            p.w("fires ");
            p.name(machine);
            p.w(".");
            p.name(event);
        };
        let base = self.indent;
        self.w("op ");
        self.name(&op.name);
        let fitted = self.try_flat(|p| {
            p.params_flat(&op.params, &Self::op_param);
            head(p);
            if !op.errors.is_empty() {
                p.w(" ");
                errors(p);
            }
            if let Some(h) = &op.http {
                p.w(" ");
                p.http(h);
            }
            if let Some(f) = &op.fires {
                p.w(" ");
                fires(p, f);
            }
        });
        if !fitted {
            self.operation_broken(op);
        }
        for c in &op.ensures {
            self.begin(c.span.start, base + INDENT, Blank::Never, &[]);
            self.w("ensures ");
            self.expr(&c.expr);
            self.bump(c.span.end);
        }
        if let Some(b) = &op.body {
            self.w(" = ");
            self.body(b, base);
        }
    }

    /// The signature of an operation that does not fit on one line: the head, then one line
    /// per clause.
    fn operation_broken(&mut self, op: &Operation) {
        let head = |p: &mut Self| {
            p.w(" -> ");
            p.type_ref(&op.result);
        };
        let errors = |p: &mut Self| {
            p.w("! ");
            p.names(&op.errors, " | ");
        };
        let fires = |p: &mut Self, (machine, event): &(Name, Name)| {
            p.w("fires ");
            p.name(machine);
            p.w(".");
            p.name(event);
        };
        let clause = self.indent + INDENT;
        self.param_list(&op.params, op.result.span().start, Self::op_param, head);
        if let Some(first) = op.errors.first() {
            self.begin(first.span.start, clause, Blank::Never, &[]);
            errors(self);
        }
        if let Some(h) = &op.http {
            self.begin(h.method_span.start, clause, Blank::Never, &[]);
            self.http(h);
        }
        if let Some(f) = &op.fires {
            self.begin(f.0.span.start, clause, Blank::Never, &[]);
            fires(self, f);
        }
    }

    /// Prints a block: `{}` when empty, `{ value }` when it is only a pure value that fits,
    /// otherwise one statement per line at `base` plus one level, and `}` at `base`.
    fn body(&mut self, b: &Block, base: usize) {
        let close = b.span.end.saturating_sub(1);
        let simple = b.stmts.is_empty() && !self.has_comment_in(b.span.start, b.span.end);
        if simple {
            match b.result.as_deref() {
                None => {
                    self.w("{}");
                    self.bump(b.span.end);
                    return;
                }
                Some(Term { kind: TermKind::Expr(e), .. })
                    if self.try_flat(|p| {
                        p.w("{ ");
                        p.expr(e);
                        p.w(" }");
                    }) =>
                {
                    self.bump(b.span.end);
                    return;
                }
                _ => {}
            }
        }
        if self.flat {
            self.failed = true;
            return;
        }
        self.w("{");
        self.bump(b.span.start.saturating_add(1));
        let inner = base + INDENT;
        for (i, st) in b.stmts.iter().enumerate() {
            self.begin(st.span.start, inner, if i == 0 { Blank::NotFirst } else { Blank::Keep }, &[]);
            self.stmt(st, inner);
        }
        if let Some(t) = &b.result {
            self.begin(t.span.start, inner, if b.stmts.is_empty() { Blank::NotFirst } else { Blank::Keep }, &[]);
            self.term(t, inner);
        }
        let empty = b.stmts.is_empty() && b.result.is_none();
        self.close(close, inner, base, empty, "}");
        self.bump(b.span.end);
    }

    fn stmt(&mut self, st: &Stmt, base: usize) {
        match &st.kind {
            StmtKind::Let { name, ty, value } => {
                self.w("let ");
                self.name(name);
                if let Some(t) = ty {
                    self.w(": ");
                    self.type_ref(t);
                }
                self.w(" = ");
                self.term(value, base);
            }
            StmtKind::Require { cond, otherwise } => {
                self.w("require ");
                self.expr(cond);
                self.w(" else ");
                self.raise(otherwise);
            }
            StmtKind::Put(e) => {
                self.w("put ");
                self.expr(e);
            }
            StmtKind::Delete { entity, key } => {
                self.w("delete ");
                self.name(entity);
                self.w("[");
                self.exprs(key);
                self.w("]");
            }
            StmtKind::Fire { target, event, otherwise } => {
                self.w("fire ");
                let wrap = matches!(target.kind, ExprKind::Binary { .. } | ExprKind::Unary { .. });
                self.operand(target, wrap);
                self.w(".");
                self.name(event);
                if let Some(r) = otherwise {
                    self.w(" else ");
                    self.raise(r);
                }
            }
            StmtKind::Term(t) => self.term(t, base),
            StmtKind::Invalid => self.verbatim(st.span),
        }
        self.bump(st.span.end);
    }

    fn term(&mut self, t: &Term, base: usize) {
        match &t.kind {
            TermKind::Expr(e) => self.expr(e),
            TermKind::Lookup { entity, key, otherwise } => {
                self.name(entity);
                self.w("[");
                self.exprs(key);
                self.w("] else ");
                self.raise(otherwise);
            }
            TermKind::Create { entity, fields, otherwise } => {
                self.w("create ");
                self.name(entity);
                self.w(" ");
                let close = otherwise.as_ref().map_or(t.span.end, |r| r.span.start);
                self.field_inits(entity.span.end, close.saturating_sub(1), fields);
                if let Some(r) = otherwise {
                    self.w(" else ");
                    self.raise(r);
                }
            }
            TermKind::CallOp { service, op, args, otherwise } => {
                self.name(service);
                self.w(".");
                self.name(op);
                self.w("(");
                self.exprs(args);
                self.w(")");
                if let Some(r) = otherwise {
                    self.w(" else ");
                    self.raise(r);
                }
            }
            TermKind::If { cond, then, otherwise } => {
                self.w("if ");
                self.scrutinee(cond);
                self.w(" ");
                self.body(then, base);
                if let Some(o) = otherwise {
                    self.w(" else ");
                    self.term(o, base);
                }
            }
            TermKind::Match { scrutinee, arms } => {
                self.w("match ");
                self.scrutinee(scrutinee);
                self.w(" ");
                let close = t.span.end.saturating_sub(1);
                self.block(scrutinee.span.end, close, arms, ",", |p, a| {
                    p.pattern(&a.pattern);
                    p.w(" => ");
                    let indent = p.indent;
                    p.term(&a.body, indent);
                });
            }
            TermKind::Fail(r) => {
                self.w("fail ");
                self.raise(r);
            }
            TermKind::Block(b) => self.body(b, base),
        }
        self.bump(t.span.end);
    }

    fn raise(&mut self, r: &Raise) {
        self.name(&r.error);
        if let Some(fields) = &r.fields {
            self.w(" ");
            self.field_inits(r.error.span.end, r.span.end.saturating_sub(1), fields);
        }
        self.bump(r.span.end);
    }

    fn op_param(&mut self, p: &OpParam) {
        if p.body {
            self.w("body ");
        }
        self.name(&p.name);
        self.w(": ");
        self.type_ref(&p.ty);
    }

    fn http(&mut self, h: &HttpBinding) {
        self.w(h.method.as_str());
        self.w(" ");
        if h.path.segments.is_empty() {
            self.w("/");
        }
        for seg in &h.path.segments {
            self.w("/");
            match seg {
                PathSegment::Literal(text) => self.w(text),
                PathSegment::Param { path, suffix, .. } => {
                    self.w("{");
                    self.names(path, ".");
                    self.w("}");
                    self.w(suffix);
                }
            }
        }
        self.bump(h.path.span.end);
    }

    fn settings(&mut self, s: &Settings) {
        let close = s.span.end.saturating_sub(1);
        if !s.entries.is_empty()
            && !self.has_comment_in(s.span.start, s.span.end)
            && self.try_flat(|p| {
                p.w("{ ");
                for (i, e) in s.entries.iter().enumerate() {
                    if i > 0 {
                        p.w(", ");
                    }
                    p.setting(e);
                }
                p.w(" }");
                p.bump(s.span.end);
            })
        {
            return;
        }
        self.block(s.span.start.saturating_add(1), close, &s.entries, ",", Self::setting);
    }

    fn setting(&mut self, s: &Setting) {
        self.name(&s.key);
        self.w(" = ");
        self.setting_value(&s.value);
        if !s.except.is_empty() {
            self.w(" except [");
            self.names(&s.except, ", ");
            self.w("]");
        }
        self.bump(s.span.end);
    }

    fn setting_value(&mut self, v: &SettingValue) {
        match &v.kind {
            SettingValueKind::Int(i) => self.w(&i.to_string()),
            SettingValueKind::Str(s) => self.string(s),
            SettingValueKind::Bool(b) => self.w(if *b { "true" } else { "false" }),
            SettingValueKind::Ident { name, args } => {
                self.name(name);
                if let Some(args) = args {
                    self.w("(");
                    for (i, (k, v)) in args.iter().enumerate() {
                        if i > 0 {
                            self.w(", ");
                        }
                        self.name(k);
                        self.w(" = ");
                        self.setting_value(v);
                    }
                    self.w(")");
                }
            }
            SettingValueKind::List(items) => {
                self.w("[");
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        self.w(", ");
                    }
                    self.setting_value(x);
                }
                self.w("]");
            }
        }
        self.bump(v.span.end);
    }

    fn deploy(&mut self, d: &DeployDecl) {
        self.w("deploy ");
        self.name(&d.service);
        self.w(" ");
        self.settings(&d.settings);
    }

    fn migrate(&mut self, m: &MigrateDecl, close: u32) {
        self.w("migrate from ");
        self.string(&m.from.value);
        self.bump(m.from.span.end);
        if m.reversible {
            self.w(" reversible");
        }
        self.w(" ");
        self.block(m.from.span.end, close, &m.rules, "", Self::migration_rule);
    }

    fn migration_rule(&mut self, r: &MigrationRule) {
        if r.back {
            self.w("back ");
        }
        self.name(&r.ty);
        self.w(".");
        self.name(&r.field);
        self.w(" <- ");
        self.expr(&r.value);
    }

    fn allow(&mut self, a: &AllowDecl) {
        self.w("allow ");
        self.name(&a.rule);
        self.w(" on ");
        self.names(&a.target, ".");
        self.w(" because ");
        self.string(&a.reason.value);
        self.bump(a.reason.span.end);
    }

    // ------------------------------------------------------------ expressions

    fn string(&mut self, s: &str) {
        self.w(&quote(s));
    }

    fn expr(&mut self, e: &Expr) {
        if self.failed {
            return;
        }
        match &e.kind {
            ExprKind::Int(i) => self.w(&i.to_string()),
            ExprKind::Decimal(d) => self.w(&decimal_text(*d)),
            ExprKind::Str(s) => self.string(s),
            ExprKind::Bool(b) => self.w(if *b { "true" } else { "false" }),
            ExprKind::Name(n) => self.name(n),
            ExprKind::Call { callee, args } => {
                self.name(callee);
                self.w("(");
                self.exprs(args);
                self.w(")");
            }
            ExprKind::Field { base, field } => {
                let wrap = matches!(base.kind, ExprKind::Binary { .. } | ExprKind::Unary { .. })
                    || matches!(base.kind, ExprKind::Int(i) if i < 0)
                    || matches!(base.kind, ExprKind::Decimal(d) if d.is_sign_negative());
                self.operand(base, wrap);
                self.w(".");
                self.name(field);
            }
            ExprKind::Unary { op, operand } => {
                self.w(match op {
                    UnOp::Not => "!",
                    UnOp::Neg => "-",
                });
                // `- -x`, not `--x`: keep the two minus signs apart.
                let neg_neg = *op == UnOp::Neg
                    && match operand.kind {
                        ExprKind::Unary { op: UnOp::Neg, .. } => true,
                        ExprKind::Int(i) => i < 0,
                        ExprKind::Decimal(d) => d.is_sign_negative(),
                        _ => false,
                    };
                if neg_neg {
                    self.w(" ");
                }
                self.operand(operand, matches!(operand.kind, ExprKind::Binary { .. }));
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let prec = op.precedence();
                let cmp = prec == BinOp::Eq.precedence();
                let wrap_l = binary_prec(lhs).is_some_and(|p| p < prec || (p == prec && cmp));
                let wrap_r = binary_prec(rhs).is_some_and(|p| p <= prec);
                self.operand(lhs, wrap_l);
                self.w(" ");
                self.w(op.as_str());
                self.w(" ");
                self.operand(rhs, wrap_r);
            }
            ExprKind::List(items) => {
                self.w("[");
                self.exprs(items);
                self.w("]");
            }
            ExprKind::Match { scrutinee, arms } => self.match_expr(e.span, scrutinee, arms),
            ExprKind::Record { name, fields } => {
                let open = match name {
                    Some(n) => {
                        self.name(n);
                        self.w(" ");
                        n.span.end
                    }
                    None => e.span.start,
                };
                self.field_inits(open, e.span.end.saturating_sub(1), fields);
            }
            ExprKind::With { base, fields } => {
                let wrap = matches!(base.kind, ExprKind::Binary { .. } | ExprKind::Unary { .. })
                    || matches!(base.kind, ExprKind::Int(i) if i < 0)
                    || matches!(base.kind, ExprKind::Decimal(d) if d.is_sign_negative());
                self.operand(base, wrap);
                self.w(" with ");
                self.field_inits(base.span.end, e.span.end.saturating_sub(1), fields);
            }
            ExprKind::Paren(inner) => {
                self.w("(");
                self.expr(inner);
                self.w(")");
            }
            ExprKind::Exists { entity, key } => {
                self.w("exists ");
                self.name(entity);
                self.w("[");
                self.exprs(key);
                self.w("]");
            }
            ExprKind::Quantified { forall, var, entity, body } => {
                self.w(if *forall { "forall " } else { "exists " });
                self.name(var);
                self.w(": ");
                self.name(entity);
                self.w(". ");
                self.expr(body);
            }
            ExprKind::Count { var, entity, filter } => {
                self.w("count(");
                self.name(var);
                self.w(": ");
                self.name(entity);
                if let Some(f) = filter {
                    self.w(" where ");
                    self.expr(f);
                }
                self.w(")");
            }
            ExprKind::Invalid => self.verbatim(e.span),
        }
        self.bump(e.span.end);
    }

    fn exprs(&mut self, items: &[Expr]) {
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                self.w(", ");
            }
            self.expr(x);
        }
    }

    /// Prints `e`, in parentheses the tree lacks when `wrap`.
    fn operand(&mut self, e: &Expr, wrap: bool) {
        if wrap {
            self.w("(");
            self.expr(e);
            self.w(")");
        } else {
            self.expr(e);
        }
    }

    /// Prints `{ a: 1, b }` on one line if it fits, else one field per line.
    fn field_inits(&mut self, open: u32, close: u32, fields: &[FieldInit]) {
        if !fields.is_empty() && !self.has_comment_in(open, close) && self.try_flat(|p| p.field_inits_flat(fields)) {
            return;
        }
        self.block(open, close, fields, ",", Self::field_init);
    }

    /// Prints a `match` scrutinee, in parentheses when a record literal or update in it would
    /// otherwise be read as the arms.
    fn scrutinee(&mut self, e: &Expr) {
        self.operand(e, bare_record(e));
    }

    fn field_inits_flat(&mut self, fields: &[FieldInit]) {
        self.w("{ ");
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                self.w(", ");
            }
            self.field_init(f);
        }
        self.w(" }");
    }

    fn field_init(&mut self, f: &FieldInit) {
        self.name(&f.name);
        if let Some(v) = &f.value {
            self.w(": ");
            self.expr(v);
        }
        self.bump(f.span.end);
    }

    fn match_expr(&mut self, span: Span, scrutinee: &Expr, arms: &[MatchArm]) {
        // A comment before the `{` moves out of the match whatever its layout, so only the
        // comments between the braces decide it.
        let simple = !self.has_comment_in(scrutinee.span.end, span.end);
        if simple
            && self.try_flat(|p| {
                p.w("match ");
                p.scrutinee(scrutinee);
                p.w(" { ");
                for (i, a) in arms.iter().enumerate() {
                    if i > 0 {
                        p.w(", ");
                    }
                    p.arm(a);
                }
                p.w(" }");
            })
        {
            return;
        }
        self.w("match ");
        self.scrutinee(scrutinee);
        self.w(" ");
        self.block(scrutinee.span.end, span.end.saturating_sub(1), arms, ",", Self::arm);
    }

    fn arm(&mut self, a: &MatchArm) {
        self.pattern(&a.pattern);
        self.w(" => ");
        self.expr(&a.body);
    }

    fn pattern(&mut self, p: &Pattern) {
        match &p.kind {
            PatternKind::Wildcard => self.w("_"),
            PatternKind::Int(i) => self.w(&i.to_string()),
            PatternKind::Str(s) => self.string(s),
            PatternKind::Bool(b) => self.w(if *b { "true" } else { "false" }),
            PatternKind::Binding(n) => self.name(n),
            PatternKind::Variant { name, payload } => {
                self.name(name);
                match payload {
                    VariantPatternPayload::None => {}
                    VariantPatternPayload::Tuple(inner) => {
                        self.w("(");
                        self.pattern(inner);
                        self.w(")");
                    }
                    VariantPatternPayload::Record(fields) if fields.is_empty() => self.w(" {}"),
                    VariantPatternPayload::Record(fields) => {
                        self.w(" { ");
                        for (i, f) in fields.iter().enumerate() {
                            if i > 0 {
                                self.w(", ");
                            }
                            self.field_pattern(f);
                        }
                        self.w(" }");
                    }
                }
            }
        }
        self.bump(p.span.end);
    }

    fn field_pattern(&mut self, f: &FieldPattern) {
        self.name(&f.name);
        if let Some(p) = &f.pattern {
            self.w(": ");
            self.pattern(p);
        }
    }
}

/// Writes a doc comment line: `///`, and a space and the text unless it is blank.
fn push_doc(out: &mut String, text: &str) {
    out.push_str("///");
    let text = text.trim_end();
    if !text.is_empty() {
        out.push(' ');
        out.push_str(text);
    }
}

/// Whether `e` has a record literal or `with` update outside any brackets, which a `match`
/// scrutinee cannot hold without parentheses.
fn bare_record(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Record { .. } | ExprKind::With { .. } => true,
        ExprKind::Binary { lhs, rhs, .. } => bare_record(lhs) || bare_record(rhs),
        ExprKind::Unary { operand, .. } => bare_record(operand),
        ExprKind::Field { base, .. } => bare_record(base),
        _ => false,
    }
}

/// The precedence of `e` when it is a binary operation without parentheses.
/// A decimal as the language writes it: its digits with the scale kept, and always with a
/// point (`3` is written `3.0`), so that it reads back as a decimal literal. The one writer of
/// decimal literals, shared by the formatter, the IR text and the generators.
pub fn decimal_text(d: crate::ast::Decimal) -> String {
    let text = d.to_string();
    if text.contains('.') { text } else { format!("{text}.0") }
}

fn binary_prec(e: &Expr) -> Option<u8> {
    match &e.kind {
        ExprKind::Binary { op, .. } => Some(op.precedence()),
        _ => None,
    }
}

/// A string literal in canonical form: quoted, with `"`, `\`, newline and tab escaped, and
/// every other control character (`\r`, NUL, ...) written `\u{H}`. This is the one function
/// that writes a string into spec text: the lexer reads back exactly the same string.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
