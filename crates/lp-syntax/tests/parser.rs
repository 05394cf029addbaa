//! Behaviour of the parser beyond the corpus: nesting limits, error recovery, messages, doc
//! comments, contextual keywords and spans.

use lp_diagnostics::{Diagnostic, FileId, Severity, codes};
use lp_syntax::ast::*;
use lp_syntax::{MAX_NESTING, Parsed, parse};

fn p(text: &str) -> Parsed<SourceFileAst> {
    parse(FileId(0), text)
}

fn ids(parsed: &Parsed<SourceFileAst>) -> Vec<&'static str> {
    parsed.diagnostics.iter().map(|d| d.code.id()).collect()
}

fn clean(text: &str) -> SourceFileAst {
    let parsed = p(text);
    assert!(parsed.diagnostics.is_empty(), "{text}\n{:#?}", parsed.diagnostics);
    parsed.value
}

fn only(parsed: &Parsed<SourceFileAst>) -> &Diagnostic {
    assert_eq!(parsed.diagnostics.len(), 1, "{:#?}", parsed.diagnostics);
    &parsed.diagnostics[0]
}

fn fn_body(file: &SourceFileAst, index: usize) -> &Expr {
    match &file.items[index].kind {
        ItemKind::Fn(f) => f.body.as_ref().expect("a body"),
        other => panic!("not a fn: {other:?}"),
    }
}

fn src(text: &str, span: lp_diagnostics::Span) -> &str {
    &text[span.range()]
}

/// Runs `f` on a thread with the default test-thread stack (2 MiB), like `cargo test`.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(2 << 20).spawn(f).expect("spawn").join().expect("no stack overflow");
}

// ------------------------------------------------------------------ nesting

#[test]
fn hundred_thousand_open_parens_give_one_lp0004_and_recover() {
    on_small_stack(|| {
        let text = format!("fn f() -> Int = {}\ntype After = Int\n", "(".repeat(100_000));
        let parsed = p(&text);
        assert_eq!(ids(&parsed), ["LP0004"]);
        let last = parsed.value.items.last().expect("items");
        assert!(matches!(&last.kind, ItemKind::Type(t) if t.name.text == "After"));
    });
}

#[test]
fn every_kind_of_deep_nesting_is_bounded() {
    on_small_stack(|| {
        let n = 100_000;
        let cases = [
            format!("fn f() -> Int = {}1{}", "(".repeat(n), ")".repeat(n)),
            format!("fn f() -> Int = {}1", "1 + ".repeat(n)),
            format!("fn f() -> Bool = {}x", "!".repeat(n)),
            format!("fn f() -> Int = {}b", "a.".repeat(n)),
            format!("fn f() -> Int = {}1{}", "g(".repeat(n), ")".repeat(n)),
            format!("fn f() -> Int = {}1{}", "[".repeat(n), "]".repeat(n)),
            format!("fn f() -> Int = {}", "match x { A => ".repeat(n)),
            format!("fn f(x: Int) -> Int = match x {{ {}y{} => 1 }}", "Some(".repeat(n), ")".repeat(n)),
            format!("fn f(x: Int) -> Int = match x {{ {}y{} => 1 }}", "A { a: ".repeat(n), "}".repeat(n)),
            format!("type A = {}Int{}", "List<".repeat(n), ">".repeat(n)),
            format!("type A = {}Int{}", "(".repeat(n), ")".repeat(n)),
            format!("type A = {}Int", "Int -> ".repeat(n)),
            format!("standards {{ a = {}1{} }}", "[".repeat(n), "]".repeat(n)),
            format!("standards {{ a = {}1{} }}", "f(a = ".repeat(n), ")".repeat(n)),
            format!("machine M {{ invariant {}x }}", "-".repeat(n)),
        ];
        for case in cases {
            let text = format!("{case}\ntype After = Int\n");
            let parsed = p(&text);
            assert_eq!(ids(&parsed), ["LP0004"], "{}", &case[..60]);
            let last = parsed.value.items.last().expect("items");
            assert!(matches!(&last.kind, ItemKind::Type(t) if t.name.text == "After"), "{}", &case[..60]);
        }
    });
}

#[test]
fn nesting_just_below_the_limit_parses_on_a_small_stack() {
    on_small_stack(|| {
        let d = MAX_NESTING - 2;
        let cases = [
            format!("fn f() -> Int = {}1{}", "(".repeat(d), ")".repeat(d)),
            format!("fn f() -> Int = {}1{}", "g(".repeat(d), ")".repeat(d)),
            format!("fn f() -> Int = {}1{}", "[".repeat(d), "]".repeat(d)),
            format!("fn f(x: Int) -> Int = {}1{}", "match x { _ => ".repeat(d / 2), " }".repeat(d / 2)),
            format!("fn f(x: Int) -> Int = match x {{ {}y{} => 1 }}", "Some(".repeat(d), ")".repeat(d)),
            format!("type A = {}Int{}", "List<".repeat(d), ">".repeat(d)),
            format!("type A = {{ f: {}Int }}", "Int -> ".repeat(d)),
            format!("standards {{ a = {}1{} }}", "[".repeat(d), "]".repeat(d)),
            format!("fn f() -> Int = {}1", "1 + ".repeat(d)),
        ];
        for case in cases {
            let parsed = p(&case);
            assert!(parsed.diagnostics.is_empty(), "{}: {:?}", &case[..40], ids(&parsed));
        }
    });
}

// ------------------------------------------------------------------ recovery

#[test]
fn errors_in_several_items_are_all_reported() {
    let text = "type A = { a: Int, b Int }\nfn f() -> = 1\ntype Ok1 = Int\nmachine M { A -> on go }\ntype Ok2 = Bool\n";
    let parsed = p(text);
    assert_eq!(ids(&parsed), ["LP0001", "LP0001", "LP0001"]);
    let names: Vec<_> = parsed
        .value
        .items
        .iter()
        .filter_map(|i| match &i.kind {
            ItemKind::Type(t) => Some(t.name.text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["A", "Ok1", "Ok2"]);
}

#[test]
fn a_broken_list_element_is_skipped_and_the_rest_kept() {
    let parsed = p("type A = { a: Int, b = Int, c: Bool }");
    assert_eq!(ids(&parsed), ["LP0001"]);
    let ItemKind::Type(TypeDecl { body: TypeBody::Record(r), .. }) = &parsed.value.items[0].kind else { panic!() };
    let fields: Vec<_> = r.fields.iter().map(|f| f.name.text.as_str()).collect();
    assert_eq!(fields, ["a", "c"]);
}

#[test]
fn machine_and_service_members_recover_at_member_boundaries() {
    let text = "machine M {\n  initial A\n  A -> -> B on go\n  final B\n  A -> B on go\n}\n\
                service s {\n  op a( -> Int\n  op b() -> Int GET /b\n  nonsense here\n  flow f = x >=> y\n}\n";
    let parsed = p(text);
    assert_eq!(ids(&parsed).len(), 3, "{:#?}", parsed.diagnostics);
    let ItemKind::Machine(m) = &parsed.value.items[0].kind else { panic!() };
    let kinds: Vec<_> = m.members.iter().map(|m| std::mem::discriminant(&m.kind)).collect();
    assert_eq!(kinds.len(), 4);
    assert!(matches!(m.members[1].kind, MachineMemberKind::Invalid));
    assert!(matches!(m.members[2].kind, MachineMemberKind::Final(_)));
    assert!(matches!(m.members[3].kind, MachineMemberKind::Transition(_)));
    let ItemKind::Service(s) = &parsed.value.items[1].kind else { panic!() };
    assert_eq!(s.members.len(), 4);
    assert!(matches!(s.members[1].kind, ServiceMemberKind::Op(_)));
    assert!(matches!(s.members[3].kind, ServiceMemberKind::Flow(_)));
}

#[test]
fn an_unclosed_block_ends_at_the_next_item() {
    let text = "machine M {\n  initial A\n\ntype T = Int\n";
    let parsed = p(text);
    let d = only(&parsed);
    assert_eq!(d.code, codes::UNCLOSED_DELIMITER);
    assert_eq!(d.secondary.len(), 1);
    assert_eq!(src(text, d.secondary[0].span), "{");
    assert_eq!(src(text, d.primary.as_ref().expect("a label").span), "type");
    assert_eq!(parsed.value.items.len(), 2);
}

#[test]
fn an_unclosed_delimiter_at_the_end_of_the_file_points_at_its_opener() {
    let text = "fn f(a: Int) -> Int = g(a, (1 + 2)";
    let parsed = p(text);
    let d = only(&parsed);
    assert_eq!(d.code, codes::UNCLOSED_DELIMITER);
    assert_eq!(d.message, "unclosed `(`");
    assert_eq!(d.secondary[0].span.start, 23);
    assert!(d.primary.as_ref().expect("a label").message.contains("end of the file"));
}

#[test]
fn unknown_items_suggest_keywords() {
    let parsed = p("tpye A = Int\nSERVICE s {}\nstruct P = { a: Int }\nbanana\ntype Ok = Int\n");
    let helps: Vec<_> = parsed.diagnostics.iter().map(|d| d.help.clone().unwrap_or_default()).collect();
    assert_eq!(ids(&parsed), ["LP0012", "LP0012", "LP0012"]);
    assert_eq!(helps, ["did you mean `type`?", "did you mean `service`?", "did you mean `type`?"]);
    assert!(matches!(&parsed.value.items.last().expect("an item").kind, ItemKind::Type(t) if t.name.text == "Ok"));
    let d = only(&p("banana")).clone();
    assert!(d.help.as_deref().unwrap_or_default().starts_with("items start with"));
}

#[test]
fn messages_are_lowercase_without_a_trailing_period_and_labelled() {
    let text = "spec x version v1\ntpye A = Int\ntype B = { a = Int }\nfn f( -> Int\ntype C = \"x\ntype D = Int where self < 99999999999999999999 &\n";
    let parsed = p(text);
    assert!(parsed.diagnostics.len() >= 6);
    for d in &parsed.diagnostics {
        assert!(d.message.starts_with(|c: char| !c.is_uppercase()), "{}", d.message);
        assert!(!d.message.ends_with('.'), "{}", d.message);
        let label = d.primary.as_ref().expect("a primary label");
        assert!(!label.message.is_empty(), "{}", d.message);
    }
}

#[test]
fn expected_token_messages_name_what_was_found() {
    let d = only(&p("type A = { a = Int }")).clone();
    assert_eq!(d.message, "expected `:` after the field name, found `=`");
    assert_eq!(d.help.as_deref(), Some("a field is written `name: Type`"));
    let d = only(&p("fn f(x: Int) = x")).clone();
    assert_eq!(d.message, "expected `->` and a result type after the parameters, found `=`");
    let d = only(&p("type A =")).clone();
    assert_eq!(d.message, "expected a type after `=`, found end of file");
}

#[test]
fn lexical_errors_recover_in_place() {
    let parsed = p(
        "type A = String where self == \"abc\ntype B = Int @@@ where self > 0\ntype C = String where self == \"\\q\"\n",
    );
    assert_eq!(ids(&parsed), ["LP0002", "LP0003", "LP0013"]);
    assert_eq!(parsed.value.items.len(), 3);
    assert!(parsed.value.items.iter().all(|i| matches!(i.kind, ItemKind::Type(_))));
}

#[test]
fn integer_overflow_is_reported_and_parsing_continues() {
    let parsed = p("type A = Int where self < 9223372036854775808\ntype B = Int where self < 9223372036854775807");
    assert_eq!(ids(&parsed), ["LP0008"]);
    assert_eq!(parsed.value.items.len(), 2);
}

#[test]
fn versions() {
    assert_eq!(clean("spec a version 1.22.333").header.expect("a header").version.patch, 333);
    for (bad, help) in [
        ("1.2", "`1.2.0`"),
        ("v1.2.3", "leading `v`"),
        ("1.2.3-beta", "pre-release"),
        ("1", "`1.0.0`"),
        ("1.2.3.4", "three numbers"),
        ("99999999999999999999.0.0", "smaller"),
    ] {
        let parsed = p(&format!("spec a version {bad}\ntype A = Int"));
        let d = only(&parsed);
        assert_eq!(d.code, codes::INVALID_VERSION, "{bad}");
        assert!(d.help.as_deref().unwrap_or_default().contains(help), "{bad}: {:?}", d.help);
        assert_eq!(parsed.value.items.len(), 1);
    }
    assert_eq!(only(&p("spec a version \"1.0.0\"")).code, codes::INVALID_VERSION);
}

#[test]
fn empty_files_warn_but_files_with_errors_do_not() {
    for text in ["", "   \n\n", "// just a comment\n"] {
        let d = only(&p(text)).clone();
        assert_eq!(d.code, codes::EMPTY_FILE);
        assert_eq!(d.severity, Severity::Warning);
    }
    assert_eq!(ids(&p("@")), ["LP0003"]);
    assert!(p("spec a version 1.0.0").diagnostics.is_empty());
}

// ------------------------------------------------------------------ comments and docs

#[test]
fn comments_keep_their_text_and_doc_comments_attach() {
    let text = "// header\r\n/// First line.\r\n///second\r\n///  indented\r\n///\r\ntype A = { /// The a.\n a: Int } // trailing\n//// ruler\n";
    let file = clean(text);
    let comments: Vec<_> = file.comments.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(comments, [" header", " trailing", "// ruler"]);
    assert_eq!(src(text, file.comments[0].span), "// header");
    assert_eq!(file.items[0].docs, ["First line.", "second", " indented", ""]);
    let ItemKind::Type(TypeDecl { body: TypeBody::Record(r), .. }) = &file.items[0].kind else { panic!() };
    assert_eq!(r.fields[0].docs, ["The a."]);
    assert_eq!(src(text, file.items[0].span), "type A = { /// The a.\n a: Int }");
}

#[test]
fn variant_docs_may_stand_before_or_after_the_bar() {
    let file = clean("type A =\n  /// One.\n  One\n  /// Two.\n  | Two\n  | /// Three.\n    Three\n");
    let ItemKind::Type(TypeDecl { body: TypeBody::Sum(s), .. }) = &file.items[0].kind else { panic!() };
    let docs: Vec<_> = s.variants.iter().map(|v| v.docs.clone()).collect();
    assert_eq!(docs, [vec!["One."], vec!["Two."], vec!["Three."]]);
    assert!(!s.leading_bar);
}

#[test]
fn member_docs_attach_and_dangling_docs_warn() {
    let file = clean(
        "machine M {\n  /// Start here.\n  initial A\n  final B\n  A -> B on go\n}\nservice s {\n  /// Ping.\n  op ping() -> Unit GET /ping\n}\n",
    );
    let ItemKind::Machine(m) = &file.items[0].kind else { panic!() };
    assert_eq!(m.members[0].docs, ["Start here."]);
    let ItemKind::Service(s) = &file.items[1].kind else { panic!() };
    assert_eq!(s.members[0].docs, ["Ping."]);

    let text =
        "type A = /// not here\n Int\nmachine M {\n  initial A\n  /// at the end\n}\n/// at the end of the file\n";
    let parsed = p(text);
    assert_eq!(ids(&parsed), ["LP0014", "LP0014", "LP0014"]);
    assert!(parsed.diagnostics.iter().all(|d| d.severity == Severity::Warning));
    // They are kept as comments, so a formatter does not lose them.
    assert_eq!(parsed.value.comments.len(), 3);
    assert_eq!(parsed.value.comments[0].text, "/ not here");
}

// ------------------------------------------------------------------ contextual keywords

#[test]
fn keywords_are_contextual() {
    let file = clean(
        "type type = { type: Int, from: String, on: Bool }\n\
         fn fn(type: Int) -> Int = type + 1\n\
         machine when {\n  initial on\n  final do\n  on -> when on go\n  when -> do on when when true\n  do -> do on do do x = 1\n}\n",
    );
    let ItemKind::Machine(m) = &file.items[2].kind else { panic!() };
    let transitions: Vec<_> = m
        .members
        .iter()
        .filter_map(|m| match &m.kind {
            MachineMemberKind::Transition(t) => Some((t.from.text.as_str(), t.guard.is_some(), t.actions.len())),
            _ => None,
        })
        .collect();
    assert_eq!(transitions, [("on", false, 0), ("when", true, 0), ("do", false, 1)]);
}

#[test]
fn when_and_do_followed_by_an_arrow_start_the_next_transition() {
    let file = clean("machine M {\n  initial A\n  final when\n  A -> B on go\n  when -> A on x\n  B -> when on y\n}");
    let ItemKind::Machine(m) = &file.items[0].kind else { panic!() };
    assert_eq!(m.members.len(), 5);
}

#[test]
fn body_is_a_flag_only_before_a_name() {
    let file = clean("service s { op a(body b: Int, body: Int) -> Int POST /a }");
    let ItemKind::Service(s) = &file.items[0].kind else { panic!() };
    let ServiceMemberKind::Op(op) = &s.members[0].kind else { panic!() };
    assert!(op.params[0].body && op.params[0].name.text == "b");
    assert!(!op.params[1].body && op.params[1].name.text == "body");
}

// ------------------------------------------------------------------ tokens that split

#[test]
fn compound_tokens_split_where_the_grammar_needs_it() {
    // `<-T` in type parameters, `<-1` in expressions, `>=` after type arguments.
    let file = clean(
        "type H<-T> = { f: T -> Bool }\nfn f(a: Int) -> Bool = a<-1\ntype L = { xs: List<Int>}\nmachine M { var v: List<Int>= [] initial A final A }",
    );
    let ItemKind::Type(h) = &file.items[0].kind else { panic!() };
    assert_eq!(h.params[0].variance, Variance::Contravariant);
    let ExprKind::Binary { op: BinOp::Lt, rhs, .. } = &fn_body(&file, 1).kind else { panic!() };
    assert!(matches!(rhs.kind, ExprKind::Unary { op: UnOp::Neg, .. }));
}

// ------------------------------------------------------------------ expressions

#[test]
fn precedence_and_associativity() {
    let text = "fn f() -> Bool = a || b && !c == -d + e * f.g - h";
    let file = clean(text);
    let body = fn_body(&file, 0);
    // Print the tree fully parenthesised.
    fn show(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Binary { op, lhs, rhs } => format!("({} {} {})", show(lhs), op.as_str(), show(rhs)),
            ExprKind::Unary { op: UnOp::Not, operand } => format!("!{}", show(operand)),
            ExprKind::Unary { op: UnOp::Neg, operand } => format!("-{}", show(operand)),
            ExprKind::Field { base, field } => format!("{}.{}", show(base), field.text),
            ExprKind::Name(n) => n.text.clone(),
            other => format!("{other:?}"),
        }
    }
    assert_eq!(show(body), "(a || (b && (!c == ((-d + (e * f.g)) - h))))");
    let file = clean("fn f() -> Int = 1 - 2 - 3 / 4 / 5");
    assert_eq!(show(fn_body(&file, 0)).replace("Int(", "").replace(['(', ')'], ""), "1 - 2 - 3 / 4 / 5");
    assert_eq!(src(text, body.span), "a || b && !c == -d + e * f.g - h");
}

#[test]
fn chained_comparisons_are_rejected_with_help() {
    let parsed = p("fn f(a: Int, b: Int, c: Int) -> Bool = a < b < c");
    let d = only(&parsed);
    assert_eq!(d.message, "comparison operators cannot be chained");
    assert_eq!(d.secondary.len(), 1);
    assert!(d.help.as_deref().unwrap_or_default().contains("&&"));
}

#[test]
fn match_is_contextual_and_patterns_classify_names() {
    let file = clean(
        "fn f(match: Int) -> Int = match + 1\nfn g(x: Option<Int>) -> Int = match x { Some(v) => v, None => 0, other => 1, _ => 2 }",
    );
    assert!(matches!(fn_body(&file, 0).kind, ExprKind::Binary { .. }));
    let ExprKind::Match { arms, .. } = &fn_body(&file, 1).kind else { panic!() };
    assert!(matches!(&arms[0].pattern.kind, PatternKind::Variant { payload: VariantPatternPayload::Tuple(_), .. }));
    assert!(matches!(&arms[1].pattern.kind, PatternKind::Variant { payload: VariantPatternPayload::None, .. }));
    assert!(matches!(&arms[2].pattern.kind, PatternKind::Binding(n) if n.text == "other"));
    assert!(matches!(arms[3].pattern.kind, PatternKind::Wildcard));
}

#[test]
fn string_escapes_are_resolved() {
    let file = clean(r#"fn f() -> String = "a\"b\\c\nd\te""#);
    assert!(matches!(&fn_body(&file, 0).kind, ExprKind::Str(s) if s == "a\"b\\c\nd\te"));
    let file = clean(r#"fn f() -> String = "\u{0}\u{d}x\u{1F600}\u{10FFFF}\\u{41}""#);
    assert!(matches!(&fn_body(&file, 0).kind, ExprKind::Str(s) if s == "\0\rx😀\u{10FFFF}\\u{41}"));
}

#[test]
fn malformed_unicode_escapes_are_lp0013() {
    for bad in [r"\u", r"\u{}", r"\u{110000}", r"\u{D800}", r"\u{1234567}", r"\u{zz}", r"\u{41", r"\ué{41}"] {
        let parsed = p(&format!("fn f() -> String = \"{bad}\"\nfn g() -> Int = 1"));
        assert_eq!(ids(&parsed), ["LP0013"], "{bad}");
        assert!(only(&parsed).message.starts_with("invalid escape `\\u"), "{bad}: {}", only(&parsed).message);
    }
}

/// The one string writer, `format::quote`, produces only escapes the lexer reads back, for
/// every string: control characters (NUL, `\r`, ...) as `\u{H}`.
#[test]
fn quoted_strings_read_back_exactly() {
    let cases = ["", "plain", "\0", "a\rb", "\r\n\t", "\"\\", "\u{1F600}", "\u{7f}\u{85}\u{2028}", "\\u{41}", "é\u{1}"];
    for s in cases {
        let q = lp_syntax::format::quote(s);
        assert!(!q.contains(|c: char| c.is_control()), "{q:?} holds a raw control character");
        let file = clean(&format!("fn f() -> String = {q}"));
        assert!(matches!(&fn_body(&file, 0).kind, ExprKind::Str(v) if v == s), "{s:?} via {q}");
    }
}

// ------------------------------------------------------------------ paths and spans

#[test]
fn paths_split_into_segments_with_spans() {
    let text = "service s {\n  op a(id: Int) -> Int GET /v1/items/{id}/x-y_z.json // note\n  op b() -> Int GET /\n  op c() -> Int GET /a/\n}";
    let file = clean(text);
    let ItemKind::Service(s) = &file.items[0].kind else { panic!() };
    let path = |i: usize| match &s.members[i].kind {
        ServiceMemberKind::Op(op) if op.http.is_some() => {
            op.http.as_ref().map(|h| h.path.clone()).unwrap_or_else(|| unreachable!())
        }
        _ => panic!(),
    };
    let a = path(0);
    assert_eq!(src(text, a.span), "/v1/items/{id}/x-y_z.json");
    assert_eq!(a.segments.len(), 4);
    let PathSegment::Param { path: names, span, .. } = &a.segments[2] else { panic!() };
    assert_eq!(src(text, *span), "{id}");
    assert_eq!(src(text, names[0].span), "id");
    assert!(path(1).segments.is_empty());
    assert_eq!(path(2).segments, [PathSegment::Literal("a".into()), PathSegment::Literal(String::new())]);
    assert_eq!(file.comments[0].text, " note");
}

#[test]
fn bad_paths_are_reported_once() {
    for (path, code) in
        [("/a?b", "LP0001"), ("/a{b}", "LP0001"), ("/{b", "LP0011"), ("/{}", "LP0001"), ("/a}", "LP0001")]
    {
        let parsed = p(&format!("service s {{\n  op a(b: Int) -> Int GET {path}\n  op c() -> Int GET /c\n}}"));
        assert_eq!(ids(&parsed), [code], "{path}");
    }
    let parsed = p("service s { op a() -> Int get /a }");
    assert_eq!(only(&parsed).help.as_deref(), Some("write `GET`"));
}

#[test]
fn spans_cover_the_source_they_describe() {
    let text = "/// Doc.\ntype Scoped<+T> = { tenant: String where len(self) >= 3, items: List<T> } where len(self.items) < 9\n\
                error Conflict = 409 { sku: String }\nallow FIELD_REMOVED on Product.legacy because \"never\"\n";
    let file = clean(text);
    assert_eq!(src(text, file.items[0].span), &text[9..text.find("\nerror").expect("error")]);
    let ItemKind::Type(t) = &file.items[0].kind else { panic!() };
    assert_eq!(src(text, t.params[0].span), "+T");
    let TypeBody::Record(r) = &t.body else { panic!() };
    assert_eq!(src(text, r.span), "{ tenant: String where len(self) >= 3, items: List<T> }");
    assert_eq!(src(text, r.fields[0].span), "tenant: String where len(self) >= 3");
    assert_eq!(src(text, r.fields[1].ty.span()), "List<T>");
    assert_eq!(src(text, t.refinement.as_ref().expect("a refinement").span), "len(self.items) < 9");
    assert_eq!(src(text, file.items[1].span), "error Conflict = 409 { sku: String }");
    let ItemKind::Allow(a) = &file.items[2].kind else { panic!() };
    assert_eq!(src(text, a.reason.span), "\"never\"");
    assert_eq!(a.target.len(), 2);
}

#[test]
fn a_byte_order_mark_is_not_an_error() {
    let file = clean("\u{feff}type A = Int");
    assert_eq!(file.items[0].span.start, 3);
}
