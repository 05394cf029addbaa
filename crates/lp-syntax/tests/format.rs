//! Tests of the canonical formatter: properties over random trees, the corpus, and snapshots.
//!
//! - `round_trip`: for random trees covering every construct, `parse(format(tree))` is the
//!   tree again (spans aside) and formatting is idempotent.
//! - `comments_survive`: comments added to the formatted text of a random tree, on their own
//!   lines and at line ends, with blank lines, all come back, in order, and the tree is
//!   unchanged; formatting that text is idempotent.
//! - `comments_between_tokens`: the same with comments cutting lines between two tokens.
//! - `corpus_files`: every spec file of `tests/corpus` and `spec-examples` that parses cleanly
//!   formats to text with the same tree and the same comments, and formatting that text changes
//!   nothing; with CRLF line ends it formats the same.
//! - `edited_text`: formatted text with random edits never makes the formatter panic, and when
//!   it still parses without diagnostics the checks of `corpus_files` hold.
//! - `fmt_cases`: insta snapshots of the formatter cases in `tests/corpus/fmt`; the case
//!   `canonical.adt` must come out unchanged.
//!
//! The number of random cases is proptest's default (256), scaled with `PROPTEST_CASES`.

mod common;

use common::strip_spans;
use lp_diagnostics::{Diagnostic, FileId, Span};
use lp_syntax::ast::*;
use lp_syntax::format::format;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------- comparing trees

/// A rendering of `file` that ignores spans, comments, trailing whitespace in doc comments,
/// and the one piece of trivia the tree keeps: whether a sum of several variants (or of one
/// with a payload) had a leading `|`.
fn normalise(file: &SourceFileAst) -> String {
    fn docs(docs: &mut [String]) {
        for d in docs {
            d.truncate(d.trim_end().len());
        }
    }
    fn record(r: &mut RecordType) {
        for f in &mut r.fields {
            docs(&mut f.docs);
        }
    }
    let mut file = file.clone();
    file.comments.clear();
    for item in &mut file.items {
        docs(&mut item.docs);
        match &mut item.kind {
            ItemKind::Type(TypeDecl { body: TypeBody::Sum(s), .. }) => {
                s.leading_bar = s.variants.len() == 1 && s.variants[0].payload.is_none();
                for v in &mut s.variants {
                    docs(&mut v.docs);
                    v.payload.iter_mut().for_each(record);
                }
            }
            ItemKind::Type(TypeDecl { body: TypeBody::Record(r), .. }) => record(r),
            ItemKind::Error(e) => e.payload.iter_mut().for_each(record),
            ItemKind::Machine(m) => m.members.iter_mut().for_each(|m| docs(&mut m.docs)),
            ItemKind::Service(s) => s.members.iter_mut().for_each(|m| docs(&mut m.docs)),
            _ => {}
        }
    }
    strip_spans(&format!("{file:?}"))
}

fn errors(diags: &[Diagnostic]) -> Vec<String> {
    diags.iter().filter(|d| d.is_error()).map(|d| format!("{d:?}")).collect()
}

/// The comments of `file`, without trailing whitespace, and with the `///` comments that
/// document nothing in the formatter's form (`/ text`).
/// The texts of a file's comments. A stray `///` (one that documents nothing) is compared by
/// its text alone: the formatter turns it into a `//` comment with the same text.
fn comment_texts(file: &SourceFileAst) -> Vec<String> {
    let text = |c: &Comment| match c.text.strip_prefix('/') {
        Some(doc) if !doc.starts_with('/') => doc.trim_end().to_string(),
        _ => c.text.trim_end().to_string(),
    };
    file.comments.iter().map(text).collect()
}

// ---------------------------------------------------------------- strategies

/// Every word the grammar uses as a keyword somewhere; generated names avoid them all.
const KEYWORDS: &[&str] = &[
    "spec",
    "version",
    "type",
    "where",
    "error",
    "fn",
    "requires",
    "ensures",
    "match",
    "true",
    "false",
    "machine",
    "var",
    "invariant",
    "states",
    "initial",
    "final",
    "on",
    "when",
    "do",
    "service",
    "depends",
    "op",
    "body",
    "fires",
    "flow",
    "standards",
    "deploy",
    "except",
    "migrate",
    "from",
    "reversible",
    "back",
    "allow",
    "because",
    "GET",
    "POST",
    "PUT",
    "PATCH",
    "DELETE",
];

fn sp() -> Span {
    Span::default()
}

fn nm(text: String) -> Name {
    Name { text, span: sp() }
}

fn not_keyword(s: &str) -> bool {
    !KEYWORDS.contains(&s)
}

fn lower() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_]{0,6}".prop_filter("a keyword", |s| not_keyword(s))
}

fn upper() -> impl Strategy<Value = String> {
    "[A-Z][A-Za-z0-9_]{0,6}".prop_filter("a keyword", |s| not_keyword(s))
}

fn ident() -> impl Strategy<Value = String> {
    prop_oneof![lower(), upper()]
}

fn lower_name() -> impl Strategy<Value = Name> {
    lower().prop_map(nm)
}

fn upper_name() -> impl Strategy<Value = Name> {
    upper().prop_map(nm)
}

fn any_name() -> impl Strategy<Value = Name> {
    ident().prop_map(nm)
}

/// String contents, with characters that need escaping and some beyond ASCII.
fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 :/.{}\"\\\\\n\té✓-]{0,12}"
}

fn str_lit() -> impl Strategy<Value = StrLit> {
    text().prop_map(|value| StrLit { value, span: sp() })
}

fn docs() -> impl Strategy<Value = Vec<String>> {
    vec("[A-Za-z0-9`][A-Za-z0-9 ,.`]{0,20}".prop_map(|s| s.trim_end().to_string()), 0..3)
}

fn e(kind: ExprKind) -> Expr {
    Expr { kind, span: sp() }
}

fn paren(x: Expr) -> Expr {
    e(ExprKind::Paren(Box::new(x)))
}

fn prec(x: &Expr) -> Option<u8> {
    match &x.kind {
        ExprKind::Binary { op, .. } => Some(op.precedence()),
        _ => None,
    }
}

/// A binary operation with the parentheses a parser would have needed.
fn binary(op: BinOp, lhs: Expr, rhs: Expr) -> Expr {
    let p = op.precedence();
    let cmp = p == BinOp::Eq.precedence();
    let lhs = if prec(&lhs).is_some_and(|q| q < p || (q == p && cmp)) { paren(lhs) } else { lhs };
    let rhs = if prec(&rhs).is_some_and(|q| q <= p) { paren(rhs) } else { rhs };
    e(ExprKind::Binary { op, lhs: Box::new(lhs), rhs: Box::new(rhs) })
}

fn unary(op: UnOp, operand: Expr) -> Expr {
    let operand = if prec(&operand).is_some() { paren(operand) } else { operand };
    e(ExprKind::Unary { op, operand: Box::new(operand) })
}

fn field_access(base: Expr, field: Name) -> Expr {
    let base = match base.kind {
        ExprKind::Binary { .. } | ExprKind::Unary { .. } | ExprKind::Int(_) | ExprKind::Decimal(_) => paren(base),
        _ => base,
    };
    e(ExprKind::Field { base: Box::new(base), field })
}

/// The fields of a record literal or update (`min` of them at least), some in shorthand.
fn field_inits(value: impl Strategy<Value = Expr>, min: usize) -> impl Strategy<Value = Vec<FieldInit>> {
    vec((lower_name(), option::of(value)), min..3)
        .prop_map(|fields| fields.into_iter().map(|(name, value)| FieldInit { name, value, span: sp() }).collect())
}

/// Whether a record literal or update stands outside any brackets in `x` (a `match`
/// scrutinee then needs parentheses, which the parser would have required).
fn bare_record(x: &Expr) -> bool {
    match &x.kind {
        ExprKind::Record { .. } | ExprKind::With { .. } => true,
        ExprKind::Binary { lhs, rhs, .. } => bare_record(lhs) || bare_record(rhs),
        ExprKind::Unary { operand, .. } => bare_record(operand),
        ExprKind::Field { base, .. } => bare_record(base),
        _ => false,
    }
}

fn bin_op() -> impl Strategy<Value = BinOp> {
    use BinOp::*;
    prop::sample::select(vec![Or, And, Eq, Ne, Lt, Le, Gt, Ge, Add, Sub, Mul, Div, Rem])
}

fn pattern() -> impl Strategy<Value = Pattern> {
    let p = |kind| Pattern { kind, span: sp() };
    let leaf = prop_oneof![
        Just(PatternKind::Wildcard),
        (0i64..1_000_000).prop_map(PatternKind::Int),
        text().prop_map(PatternKind::Str),
        any::<bool>().prop_map(PatternKind::Bool),
        lower_name().prop_map(PatternKind::Binding),
        upper_name().prop_map(|name| PatternKind::Variant { name, payload: VariantPatternPayload::None }),
    ]
    .prop_map(p);
    leaf.prop_recursive(2, 8, 3, move |inner| {
        prop_oneof![
            (upper_name(), inner.clone()).prop_map(move |(name, x)| p(PatternKind::Variant {
                name,
                payload: VariantPatternPayload::Tuple(Box::new(x))
            })),
            (upper_name(), vec((lower_name(), option::of(inner)), 0..3)).prop_map(move |(name, fields)| {
                let fields =
                    fields.into_iter().map(|(name, pattern)| FieldPattern { name, pattern, span: sp() }).collect();
                p(PatternKind::Variant { name, payload: VariantPatternPayload::Record(fields) })
            }),
        ]
    })
}

fn expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        (0i64..10_000_000).prop_map(ExprKind::Int),
        (0i64..10_000_000, 1u32..6).prop_map(|(m, scale)| ExprKind::Decimal(lp_syntax::ast::Decimal::new(m, scale))),
        text().prop_map(ExprKind::Str),
        any::<bool>().prop_map(ExprKind::Bool),
        any_name().prop_map(ExprKind::Name),
    ]
    .prop_map(e);
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            (lower_name(), vec(inner.clone(), 0..3)).prop_map(|(callee, args)| e(ExprKind::Call { callee, args })),
            (inner.clone(), lower_name()).prop_map(|(base, f)| field_access(base, f)),
            (prop::sample::select(vec![UnOp::Not, UnOp::Neg]), inner.clone()).prop_map(|(op, x)| unary(op, x)),
            (bin_op(), inner.clone(), inner.clone()).prop_map(|(op, l, r)| binary(op, l, r)),
            (bin_op(), inner.clone(), inner.clone()).prop_map(|(op, l, r)| binary(op, l, r)),
            vec(inner.clone(), 0..3).prop_map(|xs| e(ExprKind::List(xs))),
            (inner.clone(), vec((pattern(), inner.clone()), 1..4)).prop_map(|(s, arms)| {
                let arms = arms.into_iter().map(|(pattern, body)| MatchArm { pattern, body, span: sp() }).collect();
                let s = if bare_record(&s) { paren(s) } else { s };
                e(ExprKind::Match { scrutinee: Box::new(s), arms })
            }),
            (option::of(any_name()), field_inits(inner.clone(), 0))
                .prop_map(|(name, fields)| e(ExprKind::Record { name, fields })),
            (inner.clone(), field_inits(inner.clone(), 1)).prop_map(|(base, fields)| {
                let base = match base.kind {
                    ExprKind::Binary { .. } | ExprKind::Unary { .. } | ExprKind::Int(_) | ExprKind::Decimal(_) => {
                        paren(base)
                    }
                    _ => base,
                };
                e(ExprKind::With { base: Box::new(base), fields })
            }),
            inner.prop_map(paren),
        ]
    })
}

fn type_ref() -> impl Strategy<Value = TypeRef> {
    let leaf = any_name().prop_map(|name| TypeRef::Named { name, args: vec![], span: sp() });
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (any_name(), vec(inner.clone(), 1..3)).prop_map(|(name, args)| TypeRef::Named { name, args, span: sp() }),
            (inner.clone(), inner.clone()).prop_map(|(param, result)| {
                let param = match param {
                    TypeRef::Function { .. } => TypeRef::Paren { inner: Box::new(param), span: sp() },
                    other => other,
                };
                TypeRef::Function { param: Box::new(param), result: Box::new(result), span: sp() }
            }),
            inner.prop_map(|t| TypeRef::Paren { inner: Box::new(t), span: sp() }),
        ]
    })
}

fn record() -> impl Strategy<Value = RecordType> {
    let field = (docs(), lower_name(), type_ref(), option::of(expr())).prop_map(|(docs, name, ty, refinement)| Field {
        docs,
        name,
        ty,
        refinement,
        span: sp(),
    });
    vec(field, 0..4).prop_map(|fields| RecordType { fields, span: sp() })
}

fn sum() -> impl Strategy<Value = SumType> {
    let variant = (docs(), upper_name(), option::of(record())).prop_map(|(docs, name, payload)| Variant {
        docs,
        name,
        payload,
        span: sp(),
    });
    vec(variant, 1..5).prop_map(|variants| SumType { leading_bar: variants.len() == 1, variants, span: sp() })
}

fn type_decl() -> impl Strategy<Value = ItemKind> {
    let param =
        (prop::sample::select(vec![Variance::Invariant, Variance::Covariant, Variance::Contravariant]), upper_name())
            .prop_map(|(variance, name)| TypeParam { variance, name, span: sp() });
    let body = prop_oneof![
        record().prop_map(TypeBody::Record),
        sum().prop_map(TypeBody::Sum),
        type_ref().prop_map(TypeBody::Alias),
    ];
    (upper_name(), vec(param, 0..3), body, option::of(expr()))
        .prop_map(|(name, params, body, refinement)| ItemKind::Type(TypeDecl { name, params, body, refinement }))
}

fn error_decl() -> impl Strategy<Value = ItemKind> {
    (upper_name(), 100i64..600, option::of(record())).prop_map(|(name, status, payload)| {
        ItemKind::Error(ErrorDecl { name, status: IntLit { value: status, span: sp() }, payload })
    })
}

fn fn_decl() -> impl Strategy<Value = ItemKind> {
    let param = (lower_name(), type_ref()).prop_map(|(name, ty)| Param { name, ty, span: sp() });
    let contract = (prop::sample::select(vec![ContractKind::Requires, ContractKind::Ensures]), expr())
        .prop_map(|(kind, expr)| Contract { kind, expr, span: sp() });
    (lower_name(), vec(param, 0..4), type_ref(), vec(contract, 0..3), option::of(expr())).prop_map(
        |(name, params, result, contracts, body)| ItemKind::Fn(FnDecl { name, params, result, contracts, body }),
    )
}

fn machine_decl() -> impl Strategy<Value = ItemKind> {
    let assignment = (lower_name(), expr()).prop_map(|(target, value)| Assignment { target, value, span: sp() });
    let transition = (upper_name(), upper_name(), lower_name(), option::of(expr()), vec(assignment, 0..3))
        .prop_map(|(from, to, event, guard, actions)| Transition { from, to, event, guard, actions });
    let kind = prop_oneof![
        (lower_name(), type_ref(), expr()).prop_map(|(name, ty, init)| MachineMemberKind::Var { name, ty, init }),
        expr().prop_map(MachineMemberKind::Invariant),
        vec(upper_name(), 1..4).prop_map(MachineMemberKind::States),
        upper_name().prop_map(MachineMemberKind::Initial),
        vec(upper_name(), 1..4).prop_map(MachineMemberKind::Final),
        (vec(lower_name(), 1..3), vec(upper_name(), 1..3))
            .prop_map(|(events, states)| MachineMemberKind::Ignore { events, states }),
        transition.prop_map(MachineMemberKind::Transition),
    ];
    let member = (docs(), kind).prop_map(|(docs, kind)| MachineMember { docs, kind, span: sp() });
    (upper_name(), vec(member, 0..6)).prop_map(|(name, members)| ItemKind::Machine(MachineDecl { name, members }))
}

fn http_path() -> impl Strategy<Value = HttpPath> {
    // Segments lie between slashes; only the last may be empty (`/a/`), since `//` would
    // start a comment. The root `/` has no segments.
    let segment = prop_oneof![
        "[a-z0-9_~:@.-]{1,8}".prop_map(PathSegment::Literal),
        vec(lower_name(), 1..3).prop_map(|path| PathSegment::Param { path, suffix: String::new(), span: sp() }),
    ];
    (vec(segment, 0..4), any::<bool>()).prop_map(|(mut segments, slash)| {
        if slash && !segments.is_empty() {
            segments.push(PathSegment::Literal(String::new()));
        }
        HttpPath { segments, span: sp() }
    })
}

fn service_decl() -> impl Strategy<Value = ItemKind> {
    let method = prop::sample::select(vec![
        HttpMethod::Get,
        HttpMethod::Post,
        HttpMethod::Put,
        HttpMethod::Patch,
        HttpMethod::Delete,
    ]);
    let http = (method, http_path()).prop_map(|(method, path)| HttpBinding { method, method_span: sp(), path });
    let op_param =
        (any::<bool>(), lower_name(), type_ref()).prop_map(|(body, name, ty)| OpParam { body, name, ty, span: sp() });
    let op = (
        lower_name(),
        vec(op_param, 0..4),
        type_ref(),
        vec(upper_name(), 0..3),
        option::of(http),
        option::of((upper_name(), lower_name())),
    )
        .prop_map(|(name, params, result, errors, http, fires)| Operation {
            name,
            params,
            result,
            errors,
            http,
            fires,
            ensures: Vec::new(),
            body: None,
        });
    let kind = prop_oneof![
        vec(lower_name(), 1..4).prop_map(ServiceMemberKind::Depends),
        op.prop_map(|op| ServiceMemberKind::Op(Box::new(op))),
        (lower_name(), vec(lower_name(), 1..4)).prop_map(|(name, steps)| ServiceMemberKind::Flow(Flow { name, steps })),
    ];
    let member = (docs(), kind).prop_map(|(docs, kind)| ServiceMember { docs, kind, span: sp() });
    (lower_name(), vec(member, 0..6)).prop_map(|(name, members)| ItemKind::Service(ServiceDecl { name, members }))
}

fn setting_value() -> impl Strategy<Value = SettingValue> {
    let v = |kind| SettingValue { kind, span: sp() };
    let leaf = prop_oneof![
        (0i64..1_000_000).prop_map(SettingValueKind::Int),
        text().prop_map(SettingValueKind::Str),
        any::<bool>().prop_map(SettingValueKind::Bool),
        lower_name().prop_map(|name| SettingValueKind::Ident { name, args: None }),
    ]
    .prop_map(v);
    leaf.prop_recursive(2, 8, 3, move |inner| {
        prop_oneof![
            (lower_name(), vec((lower_name(), inner.clone()), 0..3))
                .prop_map(move |(name, args)| v(SettingValueKind::Ident { name, args: Some(args) })),
            vec(inner, 0..3).prop_map(move |xs| v(SettingValueKind::List(xs))),
        ]
    })
}

fn settings() -> impl Strategy<Value = Settings> {
    let setting = (lower_name(), setting_value(), vec(lower_name(), 0..3)).prop_map(|(key, value, except)| Setting {
        key,
        value,
        except,
        span: sp(),
    });
    vec(setting, 0..4).prop_map(|entries| Settings { entries, span: sp() })
}

fn migrate_decl() -> impl Strategy<Value = ItemKind> {
    let rule = (any::<bool>(), upper_name(), lower_name(), expr()).prop_map(|(back, ty, field, value)| MigrationRule {
        back,
        ty,
        field,
        value,
        span: sp(),
    });
    (str_lit(), any::<bool>(), vec(rule, 0..4))
        .prop_map(|(from, reversible, rules)| ItemKind::Migrate(MigrateDecl { from, reversible, rules }))
}

fn allow_decl() -> impl Strategy<Value = ItemKind> {
    ("[A-Z][A-Z_]{2,12}".prop_filter("a keyword", |s| not_keyword(s)).prop_map(nm), vec(any_name(), 1..4), str_lit())
        .prop_map(|(rule, target, reason)| ItemKind::Allow(AllowDecl { rule, target, reason }))
}

fn item() -> impl Strategy<Value = Item> {
    let kind = prop_oneof![
        type_decl(),
        error_decl(),
        fn_decl(),
        machine_decl(),
        service_decl(),
        settings().prop_map(ItemKind::Standards),
        (lower_name(), settings()).prop_map(|(service, settings)| ItemKind::Deploy(DeployDecl { service, settings })),
        migrate_decl(),
        allow_decl(),
    ];
    (docs(), kind).prop_map(|(docs, kind)| Item { docs, kind, span: sp() })
}

fn source_file() -> impl Strategy<Value = SourceFileAst> {
    let header = (lower_name(), 0u64..20, 0u64..20, 0u64..200).prop_map(|(name, major, minor, patch)| SpecHeader {
        name,
        version: Version { major, minor, patch, span: sp() },
        span: sp(),
    });
    (option::of(header), vec(item(), 0..6)).prop_map(|(header, items)| SourceFileAst {
        header,
        items,
        comments: vec![],
    })
}

// ---------------------------------------------------------------- properties

/// Formats `text`, which must parse cleanly, and checks the result: it parses cleanly to the
/// same tree with the same comments, and formatting it again changes nothing.
fn check_formats(text: &str) -> Result<String, TestCaseError> {
    let parsed = lp_syntax::parse(FileId(0), text);
    let errs = errors(&parsed.diagnostics);
    prop_assert!(errs.is_empty(), "the input does not parse:\n{text}\n{errs:#?}");
    let formatted = format(&parsed.value, text);
    let reparsed = lp_syntax::parse(FileId(0), &formatted);
    let errs = errors(&reparsed.diagnostics);
    prop_assert!(errs.is_empty(), "the formatted text does not parse:\n{formatted}\n{errs:#?}");
    prop_assert_eq!(
        normalise(&reparsed.value),
        normalise(&parsed.value),
        "the tree changed:\n{}\n--- from:\n{}",
        formatted,
        text
    );
    prop_assert_eq!(
        comment_texts(&reparsed.value),
        comment_texts(&parsed.value),
        "comments changed:\n{}\n--- from:\n{}",
        formatted,
        text
    );
    let again = format(&reparsed.value, &formatted);
    prop_assert_eq!(&again, &formatted, "not idempotent; input:\n{}", text);
    Ok(formatted)
}

proptest! {
    #[test]
    fn round_trip(file in source_file()) {
        let text = format(&file, "");
        let parsed = lp_syntax::parse(FileId(0), &text);
        let errs = errors(&parsed.diagnostics);
        prop_assert!(errs.is_empty(), "the formatted text does not parse:\n{text}\n{errs:#?}");
        prop_assert_eq!(normalise(&parsed.value), normalise(&file), "the tree changed:\n{}", text);
        let again = format(&parsed.value, &text);
        prop_assert_eq!(&again, &text);
    }

    #[test]
    fn comments_survive(
        file in source_file(),
        marks in vec((any::<prop::sample::Index>(), 0u8..4), 0..12),
    ) {
        let text = format(&file, "");
        let lines: Vec<&str> = text.lines().collect();
        // Before line i: blank lines and own-line comments; after it: a trailing comment.
        let mut before: Vec<Vec<Option<usize>>> = vec![Vec::new(); lines.len() + 1];
        let mut after = vec![None; lines.len()];
        let mut n = 0;
        for (at, kind) in marks {
            let i = at.index(lines.len() + 1);
            if kind == 3 {
                before[i].push(None);
                continue;
            }
            n += 1;
            let trailing_ok = i < lines.len() && after[i].is_none() && !lines[i].trim_start().starts_with("///");
            if kind == 2 && trailing_ok {
                after[i] = Some(n);
            } else {
                before[i].push(Some(n));
            }
        }
        let mut commented = String::new();
        for i in 0..=lines.len() {
            for mark in &before[i] {
                match mark {
                    Some(n) => commented.push_str(&format!("  // own {n}\n")),
                    None => commented.push('\n'),
                }
            }
            if let Some(line) = lines.get(i) {
                commented.push_str(line);
                if let Some(n) = after[i] {
                    commented.push_str(&format!("   //trailing {n}  "));
                }
                commented.push('\n');
            }
        }
        let formatted = check_formats(&commented)?;
        let parsed = lp_syntax::parse(FileId(0), &formatted);
        prop_assert_eq!(normalise(&parsed.value), normalise(&file), "the tree changed:\n{}", formatted);
        prop_assert_eq!(parsed.value.comments.len(), n);
    }

    #[test]
    fn comments_between_tokens(file in source_file(), marks in vec(any::<prop::sample::Index>(), 1..8)) {
        let text = format(&file, "");
        let gaps = token_gaps(&text);
        if gaps.is_empty() {
            return Ok(());
        }
        let mut chosen: Vec<(usize, bool)> = marks.iter().map(|m| gaps[m.index(gaps.len())]).collect();
        chosen.sort_unstable();
        chosen.dedup_by_key(|g| g.0);
        let mut commented = String::new();
        let mut last = 0;
        for (n, &(at, space)) in chosen.iter().enumerate() {
            commented.push_str(&text[last..at]);
            commented.push_str(&format!(" // mid {n}\n"));
            last = if space { at + 1 } else { at };
        }
        commented.push_str(&text[last..]);
        let formatted = check_formats(&commented)?;
        let parsed = lp_syntax::parse(FileId(0), &formatted);
        prop_assert_eq!(normalise(&parsed.value), normalise(&file), "the tree changed:\n{}", formatted);
        prop_assert_eq!(parsed.value.comments.len(), chosen.len());
    }
}

proptest! {
    /// Formatted text with random edits: formatting never panics, whether or not the text
    /// still parses, and when it parses cleanly the usual checks hold.
    #[test]
    fn edited_text(
        file in source_file(),
        edits in vec((any::<prop::sample::Index>(), prop::sample::select(EDITS.to_vec())), 1..6),
    ) {
        let mut text = format(&file, "");
        for (at, edit) in edits {
            let boundaries: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
            let i = boundaries[at.index(boundaries.len())];
            if edit.is_empty() {
                if let Some(c) = text[i..].chars().next() {
                    text.replace_range(i..i + c.len_utf8(), "");
                }
            } else {
                text.insert_str(i, edit);
            }
        }
        let parsed = lp_syntax::parse(FileId(0), &text);
        let formatted = format(&parsed.value, &text);
        prop_assert!(formatted.is_empty() || formatted.ends_with('\n'));
        if parsed.diagnostics.is_empty() {
            check_formats(&text)?;
        }
        // With a warning (a `///` that documents nothing, kept as a comment) nothing more is
        // checked: placed before a line, such a comment documents what follows it from then
        // on (see the decision record).
    }
}

/// The edits of `edited_text`: an empty string deletes a character.
const EDITS: &[&str] = &["", "", "\n", "\n\n", " ", "// x\n", "/// d\n", "(", ")", ",", "{", "}", "|", "\t", ";"];

/// Places between two tokens in formatted text, outside indentation, string literals and
/// comments: spaces (which a comment may replace), and the places just inside brackets and
/// around commas (where a comment may be inserted), as `(offset, is_space)`.
fn token_gaps(text: &str) -> Vec<(usize, bool)> {
    let mut gaps = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start().len();
        let mut in_string = false;
        let mut escaped = false;
        for (i, c) in line.char_indices().skip(indent) {
            if in_string {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => in_string = true,
                '/' if line[i..].starts_with("//") => break,
                ' ' => gaps.push((offset + i, true)),
                '(' | '[' => gaps.push((offset + i + 1, false)),
                ')' | ']' => gaps.push((offset + i, false)),
                ',' => {
                    gaps.push((offset + i, false));
                    gaps.push((offset + i + 1, false));
                }
                _ => {}
            }
        }
        offset += line.len();
    }
    gaps
}

// ---------------------------------------------------------------- the corpus

/// The corpus's spec files and the example projects' (loaded as the CLI loads a project, so
/// a build output's reports inside an example are not taken for specs).
fn spec_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    adt_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus"), &mut files);
    files.extend(lp_test_support::example_spec_files());
    files
}

fn adt_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            adt_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "adt") {
            out.push(path);
        }
    }
}

#[test]
fn corpus_files() {
    let files = spec_files();
    let mut formatted = 0;
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else { continue };
        let parsed = lp_syntax::parse(FileId(0), &text);
        if !errors(&parsed.diagnostics).is_empty() {
            continue;
        }
        let lf = match check_formats(&text) {
            Ok(lf) => lf,
            Err(e) => panic!("{}: {e}", path.display()),
        };
        // Line ends do not matter: the same file with CRLF line ends formats the same.
        let crlf = text.replace('\n', "\r\n");
        let parsed = lp_syntax::parse(FileId(0), &crlf);
        assert_eq!(format(&parsed.value, &crlf), lf, "{} with CRLF line ends", path.display());
        formatted += 1;
    }
    eprintln!("formatted {formatted} of {} spec files", files.len());
}

#[test]
fn fmt_cases() {
    insta::glob!("../../../tests/corpus/fmt", "*.adt", |path| {
        let text = std::fs::read_to_string(path).expect("a readable case");
        let parsed = lp_syntax::parse(FileId(0), &text);
        assert!(errors(&parsed.diagnostics).is_empty(), "{} does not parse", path.display());
        let formatted = format(&parsed.value, &text);
        if path.file_stem().is_some_and(|s| s == "canonical") {
            assert_eq!(formatted, text, "canonical text must stay as it is");
        }
        insta::assert_snapshot!(formatted);
    });
}
