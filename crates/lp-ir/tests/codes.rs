//! One test (at least) per diagnostic code that lowering emits: the code is reported, and
//! its primary label is on the offending name.

mod common;

use common::{expect, find, lower, lower_files, primary_text};

#[test]
fn lp1001_unknown_type() {
    let d = expect("type Product = { sku: String }\ntype Page = { items: List<Prodcut> }", "LP1001", "Prodcut");
    assert_eq!(d.help.as_deref(), Some("a type with a similar name exists: `Product`"));
    expect("fn f(x: Strng) -> Int = 1", "LP1001", "Strng");
}

#[test]
fn lp1002_duplicate_definition() {
    let src = "type Cents = Int\nfn f() -> Int = 1\ntype Cents = String";
    let d = expect(src, "LP1002", "Cents");
    let label = d.primary.as_ref().expect("primary");
    assert_eq!(label.span.start as usize, src.rfind("Cents").expect("second"));
    assert_eq!(d.secondary.len(), 1);
    assert_eq!(d.secondary[0].span.start as usize, src.find("Cents").expect("first"));
    // Kinds share one namespace, and built-ins cannot be redefined.
    expect("service Cents {}\ntype Cents = Int", "LP1002", "Cents");
    expect("type Int = String", "LP1002", "Int");
}

#[test]
fn lp1003_wrong_type_arity() {
    expect("type A = { x: Option<Int, Int> }", "LP1003", "Option");
    expect("type A = { x: List }", "LP1003", "List");
    expect("type Page<T> = { items: List<T> }\ntype A = { p: Page }", "LP1003", "Page");
    expect("type A = { x: Int<String> }", "LP1003", "Int");
}

#[test]
fn lp1004_kind_mismatch() {
    expect("service catalog {}\ntype A = { c: catalog }", "LP1004", "catalog");
    expect("type Product = {}\nservice s { depends on Product }", "LP1004", "Product");
    expect("type Box<T> = { x: T<Int> }", "LP1004", "T");
    expect("machine Job { initial A }\ntype A = { j: Job }", "LP1004", "Job");
    expect("type P = {}\nfn f() -> Int = P", "LP1004", "P");
    expect("fn f(x: Int) -> Int = x(1)", "LP1004", "x");
}

#[test]
fn machine_is_a_type_in_op_results() {
    let (_, diags) = lower("machine Job { initial A }\nservice s { op start() -> List<Job> POST /jobs }");
    assert!(diags.is_empty(), "{diags:?}");
}

#[test]
fn lp1005_unknown_name() {
    let d = expect("fn f(price: Int) -> Int = prce + 1", "LP1005", "prce");
    assert_eq!(d.help.as_deref(), Some("a value with a similar name exists: `price`"));
    expect("fn f(x: Int) -> Int\n  requires result > 0\n  = x", "LP1005", "result");
    expect("fn f(x: Int) -> Int = self", "LP1005", "self");
    expect("machine M { var n: Int = 0\n initial A\n A -> A on go do m = 1 }", "LP1005", "m");
}

#[test]
fn lp1006_unknown_field() {
    let d = expect("type P = { sku: String }\nfn f(p: P) -> String = p.skux", "LP1006", "skux");
    assert_eq!(d.help.as_deref(), Some("a field with a similar name exists: `sku`"));
    expect("fn f(x: Int) -> Int = x.y", "LP1006", "y");
    expect("type O = A { n: Int } | B\nfn f(o: O) -> Int = match o { A { m } => 1, B => 2 }", "LP1006", "m");
    expect("type P = { a: Int }\nmigrate from \"v1.adt\" { P.b <- 1 }", "LP1006", "b");
}

#[test]
fn lp1007_unknown_function() {
    let d = expect("fn discounted(x: Int) -> Int = x\nfn f() -> Int = discountd(1)", "LP1007", "discountd");
    assert_eq!(d.help.as_deref(), Some("a function with a similar name exists: `discounted`"));
    expect("service s { flow f = nope }", "LP1007", "nope");
}

#[test]
fn lp1008_unknown_service() {
    let d = expect("service catalog {}\ndeploy catalg { replicas = 1 }", "LP1008", "catalg");
    assert_eq!(d.help.as_deref(), Some("a service with a similar name exists: `catalog`"));
    expect("service a { depends on b }", "LP1008", "b");
}

#[test]
fn lp1009_unknown_state() {
    let d = expect(
        "machine M {\n  states Pending, Running\n  initial Pending\n  Pending -> Runing on go\n}",
        "LP1009",
        "Runing",
    );
    assert_eq!(d.help.as_deref(), Some("a state with a similar name exists: `Running`"));
}

#[test]
fn lp1010_unknown_event() {
    let src = "machine Job { initial A\n A -> B on start }\nservice s { op go() -> Unit POST /go fires Job.strat }";
    let d = expect(src, "LP1010", "strat");
    assert_eq!(d.help.as_deref(), Some("an event with a similar name exists: `start`"));
}

#[test]
fn lp1011_duplicate_member() {
    let src = "type P = { a: Int, a: String }";
    let d = expect(src, "LP1011", "a");
    assert_eq!(d.primary.as_ref().expect("primary").span.start as usize, src.rfind("a:").expect("second"));
    expect("type S = A | B | A", "LP1011", "A");
    expect("fn f(x: Int, x: Int) -> Int = 1", "LP1011", "x");
    expect("machine M { initial A\n initial B }", "LP1011", "B");
    expect("standards { audit = true; audit = false }", "LP1011", "audit");
    expect("service s { op a() -> Unit\n flow a = a }", "LP1011", "a");
}

#[test]
fn lp1012_unknown_variant() {
    let src = "type Platform = Shopify | WooCommerce\nfn fee(p: Platform) -> Int = match p { Shopfy => 1, _ => 2 }";
    let d = expect(src, "LP1012", "Shopfy");
    assert_eq!(d.help.as_deref(), Some("a variant with a similar name exists: `Shopify`"));
    expect("fn f(x: Option<Int>) -> Int = match x { Sme(v) => v, None => 0 }", "LP1012", "Sme");
}

#[test]
fn lp1013_unknown_error_type() {
    let d = expect("error Conflict = 409\nservice s { op f() -> Unit ! Conflit }", "LP1013", "Conflit");
    assert_eq!(d.help.as_deref(), Some("an error type with a similar name exists: `Conflict`"));
    expect("type P = {}\nservice s { op f() -> Unit ! P }", "LP1013", "P");
}

#[test]
fn lp1014_unbound_path_parameter() {
    expect("service s { op f(tenant: String) -> Unit GET /t/{tenat} }", "LP1014", "tenat");
    expect("type P = { sku: String }\nservice s { op f(body p: P) -> Unit PUT /p/{p.skux} }", "LP1014", "skux");
    expect("type P = { sku: String }\nservice s { op f(p: P) -> Unit PUT /p/{p.sku} }", "LP1014", "p");
}

#[test]
fn lp1016_spec_header_mismatch() {
    let a = "spec shop version 1.0.0\ntype A = Int";
    let b = "spec shopp version 1.0.0\ntype B = Int";
    let (_, diags) = lower_files(&[a, b]);
    let d = find(b, &diags, "LP1016");
    let label = d.primary.as_ref().expect("primary");
    assert_eq!(label.file.0, 1);
    assert_eq!(&b[label.span.range()], "shopp");
    let c = "spec shop version 1.1.0\ntype C = Int";
    let (_, diags) = lower_files(&[a, c]);
    let d = find(c, &diags, "LP1016");
    assert_eq!(primary_text(c, d), "1.1.0");
}

#[test]
fn lp1017_duplicate_route() {
    let src = "service s {\n  op a(x: Int) -> Unit GET /x/{x}\n  op b(y: Int) -> Unit GET /x/{y}\n}";
    let d = expect(src, "LP1017", "GET /x/{y}");
    assert_eq!(d.secondary.len(), 1);
    // The same path with another method is another route.
    let (_, diags) = lower("service s {\n  op a() -> Unit GET /x\n  op b() -> Unit POST /x\n}");
    assert!(diags.is_empty(), "{diags:?}");
}

#[test]
fn lp1018_unknown_setting() {
    let d = expect("service s {}\ndeploy s { replica = 2 }", "LP1018", "replica");
    assert_eq!(d.help.as_deref(), Some("a setting with a similar name exists: `replicas`"));
    expect("standards { auht = bearer }", "LP1018", "auht");
}

#[test]
fn lp1019_invalid_status() {
    expect("error Moved = 301", "LP1019", "301");
    expect("error Weird = 600 { a: Int }", "LP1019", "600");
}

#[test]
fn lp1020_type_mismatch() {
    let d = expect("type T = Int where self + 1", "LP1020", "self + 1");
    assert_eq!(d.message, "expected `Bool`, found `Int`");
    expect("fn f(x: Int) -> Bool = x", "LP1020", "x");
    expect("fn f(b: Bool) -> Int = match b { true => 1, false => \"no\" }", "LP1020", "\"no\"");
    expect("fn f(x: Int) -> Int = match x { \"a\" => 1, _ => 2 }", "LP1020", "\"a\"");
    expect("fn f(s: String) -> Bool = len(s) == \"3\"", "LP1020", "\"3\"");
    expect("fn f(x: Int) -> Int = len(x)", "LP1020", "x");
    expect("fn g(a: String) -> Int = 1\nfn f() -> Int = g(2)", "LP1020", "2");
    expect("machine M { var n: Int = true\n initial A }", "LP1020", "true");
    expect("fn f(x: Option<Int>) -> Int = match x { Some(v) => v, None => None }", "LP1020", "None");
}

#[test]
fn lp1021_ambiguous_name() {
    expect("type A = X | Y\ntype B = X | Z\nfn f() -> Int = match X { _ => 1 }", "LP1021", "X");
    let src = "service a { op x() -> Unit }\nservice b { op x() -> Unit }\nservice c { flow f = x }";
    let d = expect(src, "LP1021", "x");
    assert_eq!(d.secondary.len(), 2);
}

#[test]
fn variants_are_resolved_by_the_expected_type() {
    let src = "type A = X | Y\ntype B = X | Z\nfn f() -> A = X\nfn g(b: B) -> Bool = b == X";
    let (_, diags) = lower(src);
    assert!(diags.is_empty(), "{diags:?}");
}

#[test]
fn lp1022_wrong_argument_count() {
    let d = expect("fn g(a: Int) -> Int = a\nfn f() -> Int = g(1, 2)", "LP1022", "g");
    assert_eq!(d.message, "`g` takes 1 argument but 2 were given");
    expect("fn f() -> Bool = matches(\"a\")", "LP1022", "matches");
    expect("type O = A { n: Int } | B\nfn f() -> O = A", "LP1022", "A");
    expect("fn f() -> Option<Int> = Some(1, 2)", "LP1022", "Some");
}

#[test]
fn lp1023_invalid_setting_value() {
    expect("service s {}\ndeploy s { replicas = 0 }", "LP1023", "0");
    expect("service s {}\ndeploy s { cpu = 500 }", "LP1023", "500");
    expect("service s {}\ndeploy s { port = 70000 }", "LP1023", "70000");
    expect("service s {}\ndeploy s { env = \"A=1\" }", "LP1023", "\"A=1\"");
    expect("standards { auth = \"bearer\" }", "LP1023", "\"bearer\"");
}

#[test]
fn lp1024_invalid_pattern() {
    let src = "type O = A { x: Int, y: Int } | B\nfn f(o: O) -> Int = match o { A(v) => v, B => 0 }";
    expect(src, "LP1024", "A(v)");
    expect("fn f(x: Option<Int>) -> Int = match x { Some { v } => 1, None(y) => 0 }", "LP1024", "Some { v }");
    expect("type O = A | B\nfn f(o: O) -> Int = match o { A { x } => 1, B => 0 }", "LP1024", "A { x }");
}

#[test]
fn lp1025_cyclic_type_alias() {
    let src = "type A = B\ntype B = C\ntype C = A\ntype D = List<D>";
    let d = expect(src, "LP1025", "A");
    assert_eq!(d.secondary.len(), 2);
    let (_, diags) = lower(src);
    assert_eq!(diags.len(), 1, "one report per cycle, and `List<D>` is not a cycle: {diags:?}");
    expect("type Self = Self", "LP1025", "Self");
}

#[test]
fn lp1026_unknown_machine() {
    let src = "machine Job { initial A\n A -> B on start }\nservice s { op f() -> Unit POST /f fires Jb.start }";
    let d = expect(src, "LP1026", "Jb");
    assert_eq!(d.help.as_deref(), Some("a machine with a similar name exists: `Job`"));
    expect("type T = {}\nservice s { op f() -> Unit fires T.start }", "LP1004", "T");
}
