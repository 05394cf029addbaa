//! The discharger on seeded defects (each must fail with the asserted counterexample), on
//! clean specs (each must be proved), on what it cannot decide (unknown, never a pass), and
//! on determinism.

mod common;

use common::{verdict_of, verdicts};

/// Types most cases use.
const PRELUDE: &str = "
type Cents = Int where self >= 0
type Percent = Int where 0 <= self && self <= 100
type PriceRange = { min: Cents, max: Cents } where self.min <= self.max
type Discount = Option<Percent>
type Platform = Shopify | WooCommerce | Etsy
type Outcome = Synced { count: Int where self >= 0 } | Failed { reason: String } | Skipped
type Product = { sku: String where len(self) >= 3, price: Cents, discount: Option<Percent> }
type Code = String where matches(self, \"^[A-Z]{2}$\")
";

/// Checks that the obligation `id` of PRELUDE + `src` has the verdict line `expected`.
fn case(src: &str, id: &str, expected: &str) {
    let full = format!("{PRELUDE}\n{src}");
    assert_eq!(verdict_of(&full, id), expected, "{id} of:\n{src}");
}

// ---------------------------------------------------------------- ensures (LP3001)

#[test]
fn ensures_defects_fail_with_a_counterexample() {
    case(
        "fn discounted(price: Cents, pct: Int) -> Cents ensures result <= price = price - price * pct / 100",
        "contracts/fn.discounted/ensures.0",
        "failed: price = 1, pct = -1: ensures result <= price fails",
    );
    case(
        "fn clamp(price: Cents, range: PriceRange) -> Cents
           ensures range.min <= result && result <= range.max
           = match price < range.min { true => range.min, false => price }",
        "contracts/fn.clamp/ensures.0",
        "failed: price = 1, range = { min: 0, max: 0 }: ensures range.min <= result && result <= range.max fails",
    );
    case(
        "fn apply(price: Cents, d: Discount) -> Cents
           ensures result < price
           = match d { Some(p) => price - price * p / 100, None => price }",
        "contracts/fn.apply/ensures.0",
        "failed: price = 0, d = Some(0): ensures result < price fails",
    );
    case(
        "fn total(a: Cents, b: Cents) -> Cents requires a <= 10 && b <= 10 ensures result < 20 = a + b",
        "contracts/fn.total/ensures.0",
        "failed: a = 10, b = 10: ensures result < 20 fails",
    );
    case(
        "fn price_of(p: Product) -> Cents
           ensures result <= p.price
           = match p.discount { Some(d) => p.price - p.price * d / 100, None => p.price + 1 }",
        "contracts/fn.price_of/ensures.0",
        "failed: p = { sku: \"ABC\", price: 0, discount: None }: ensures result <= p.price fails",
    );
    case(
        "fn bad_code(c: Code) -> Int ensures c != \"AB\" = 0",
        "contracts/fn.bad_code/ensures.0",
        "failed: c = \"AB\": ensures c != \"AB\" fails",
    );
}

#[test]
fn ensures_that_hold_are_proved() {
    case(
        "fn discounted(price: Cents, pct: Percent) -> Cents ensures result <= price = price - price * pct / 100",
        "contracts/fn.discounted/ensures.0",
        "proved",
    );
    case(
        "fn clamp(price: Cents, range: PriceRange) -> Cents
           ensures range.min <= result && result <= range.max
           = match price < range.min {
               true => range.min,
               false => match price > range.max { true => range.max, false => price },
             }",
        "contracts/fn.clamp/ensures.0",
        "proved",
    );
    case("fn first(c: Code) -> Int ensures result == 2 = len(c)", "contracts/fn.first/ensures.0", "proved");
    case(
        "fn count(o: Outcome) -> Int ensures result >= 0
           = match o { Synced { count } => count, Failed { reason } => len(reason), Skipped => 0 }",
        "contracts/fn.count/ensures.0",
        "proved",
    );
    // Integer division rounds towards negative infinity, as in Python.
    case("fn d(x: Int) -> Int ensures result == -4 = -7 / 2", "contracts/fn.d/ensures.0", "proved");
    case("fn r(x: Int) -> Int ensures result == 1 = -7 % 2", "contracts/fn.r/ensures.0", "proved");
    case("fn d2(x: Int) -> Int ensures result == -4 = 7 / -2", "contracts/fn.d2/ensures.0", "proved");
    case("fn r2(x: Int) -> Int ensures result == -1 = 7 % -2", "contracts/fn.r2/ensures.0", "proved");
    // Non-linear, but within reach.
    case(
        "type LineItem = { quantity: Int where 1 <= self && self <= 999, unit_price: Cents }
         fn line_total(item: LineItem) -> Cents ensures result >= item.unit_price = item.unit_price * item.quantity",
        "contracts/fn.line_total/ensures.0",
        "proved",
    );
}

#[test]
fn calls_are_unfolded_and_external_calls_use_their_contracts() {
    let src = "
        fn double(x: Int) -> Int = x + x
        fn lookup(x: Int) -> Option<Cents>
        fn score(x: Int) -> Int requires x > 0 ensures result > x
        fn quad(x: Int) -> Int ensures result == 4 * x = double(double(x))
        fn found(x: Int) -> Cents = match lookup(x) { Some(c) => c, None => 0 }
        fn same(x: Int) -> Bool ensures result = lookup(x) == lookup(x)
        fn better(x: Int) -> Int requires x > 0 ensures result > 1 = score(x)
        fn unsure(x: Int) -> Int ensures result > x = score(x)
    ";
    case(src, "contracts/fn.quad/ensures.0", "proved");
    case(src, "contracts/fn.found/result-refinement", "proved");
    case(src, "contracts/fn.same/ensures.0", "proved");
    case(src, "contracts/fn.better/ensures.0", "proved");
    // Outside its precondition an external function promises nothing.
    case(src, "contracts/fn.unsure/ensures.0", "failed: x = 0: ensures result > x fails");
}

// ---------------------------------------------------------------- result refinement (LP3002)

#[test]
fn result_refinement_defects_fail() {
    case(
        "fn refund_left(paid: Cents, refunded: Cents) -> Cents = paid - refunded",
        "contracts/fn.refund_left/result-refinement",
        "failed: paid = 0, refunded = 1, result = -1: the result is not a valid `Cents` (self >= 0)",
    );
    case(
        "fn fee(pct: Int) -> Percent = pct * 2",
        "contracts/fn.fee/result-refinement",
        "failed: pct = -1, result = -2: the result is not a valid `Percent` (0 <= self && self <= 100)",
    );
    case(
        "fn pick(d: Discount) -> Option<Percent> = match d { Some(p) => Some(p + 1), None => None }",
        "contracts/fn.pick/result-refinement",
        "failed: d = Some(100), result = Some(101): the result is not a valid `Option<Percent>`",
    );
    case(
        "fn platform_fee(p: Platform) -> Percent = match p { Shopify => 2, WooCommerce => 3, Etsy => 101 }",
        "contracts/fn.platform_fee/result-refinement",
        "failed: p = Etsy, result = 101: the result is not a valid `Percent` (0 <= self && self <= 100)",
    );
    case(
        "fn count(o: Outcome) -> Cents = match o { Synced { count } => count, Failed { reason } => len(reason) - 1, Skipped => 0 }",
        "contracts/fn.count/result-refinement",
        "failed: o = Failed { reason: \"\" }, result = -1: the result is not a valid `Cents` (self >= 0)",
    );
    case(
        "fn swap(r: PriceRange) -> PriceRange = r
         fn widen(r: Product) -> Product = r",
        "contracts/fn.swap/result-refinement",
        "proved",
    );
}

// ---------------------------------------------------------------- call sites (LP3003)

const MARKDOWN: &str = "fn markdown(price: Cents, off: Cents) -> Cents requires off * 2 <= price = price - off";

#[test]
fn call_site_defects_fail() {
    let pre = "(requires off * 2 <= price, price: Cents, off: Cents)";
    case(
        &format!("{MARKDOWN}\nfn half_off(price: Cents) -> Cents = markdown(price, price)"),
        "contracts/fn.half_off/call.markdown.0",
        &format!("failed: price = 1: the call markdown(price, price) violates the precondition of `markdown` {pre}"),
    );
    case(
        &format!("{MARKDOWN}\nfn neg_price(x: Int) -> Cents = markdown(x, 0)"),
        "contracts/fn.neg_price/call.markdown.0",
        &format!("failed: x = -1: the call markdown(x, 0) violates the precondition of `markdown` {pre}"),
    );
    case(
        &format!(
            "{MARKDOWN}\nfn maybe(price: Cents, off: Cents) -> Cents = match off <= price {{ true => markdown(price, off), false => price }}"
        ),
        "contracts/fn.maybe/call.markdown.0",
        &format!(
            "failed: price = 1, off = 1: the call markdown(price, off) violates the precondition of `markdown` {pre}"
        ),
    );
    case(
        &format!("{MARKDOWN}\nfn in_ensures(price: Cents) -> Cents ensures result <= markdown(price, 1) = price"),
        "contracts/fn.in_ensures/call.markdown.0",
        &format!("failed: price = 0: the call markdown(price, 1) violates the precondition of `markdown` {pre}"),
    );
    case(
        "fn discounted(price: Cents, pct: Percent) -> Cents = price - price * pct / 100
         fn sale(price: Cents) -> Cents = discounted(price, 150)",
        "contracts/fn.sale/call.discounted.0",
        "failed: price = 0: the call discounted(price, 150) violates the precondition of `discounted` (price: Cents, pct: Percent)",
    );
}

#[test]
fn call_sites_guarded_by_the_path_are_proved() {
    case(
        &format!(
            "{MARKDOWN}\nfn maybe(price: Cents, off: Cents) -> Cents = match off * 2 <= price {{ true => markdown(price, off), false => price }}"
        ),
        "contracts/fn.maybe/call.markdown.0",
        "proved",
    );
    case(
        &format!(
            "{MARKDOWN}\nfn guarded(price: Cents, off: Cents) -> Bool = off * 2 <= price && markdown(price, off) >= 0"
        ),
        "contracts/fn.guarded/call.markdown.0",
        "proved",
    );
    case(
        &format!(
            "{MARKDOWN}\nfn relayed(price: Cents, off: Cents) -> Cents requires off <= price / 2 = markdown(price, off)"
        ),
        "contracts/fn.relayed/call.markdown.0",
        "proved",
    );
    // The catalog example: the discount comes out of an `Option<Percent>`.
    case(
        "fn discounted(price: Cents, pct: Percent) -> Cents = price - price * pct / 100
         fn effective(p: Product) -> Cents = match p.discount { Some(pct) => discounted(p.price, pct), None => p.price }",
        "contracts/fn.effective/call.discounted.0",
        "proved",
    );
}

// ---------------------------------------------------------------- vacuous requires (LP3004)

#[test]
fn vacuous_preconditions_fail() {
    case(
        "fn refund(amount: Cents, paid: Cents) -> Cents requires amount > paid requires amount < 0 = amount",
        "contracts/fn.refund/requires-sat",
        "failed: no arguments of `refund` satisfy requires amount > paid and requires amount < 0 (with amount: Cents, paid: Cents)",
    );
    case(
        "fn never(x: Percent) -> Int requires x > 100 = x",
        "contracts/fn.never/requires-sat",
        "failed: no arguments of `never` satisfy requires x > 100 (with x: Percent)",
    );
    case(
        "fn both(a: Int, b: Int) -> Int requires a < b requires b < a = 0",
        "contracts/fn.both/requires-sat",
        "failed: no arguments of `both` satisfy requires a < b and requires b < a",
    );
    // External functions too: nobody could call them.
    case(
        "fn remote(code: Code) -> Int requires len(code) > 2",
        "contracts/fn.remote/requires-sat",
        "failed: no arguments of `remote` satisfy requires len(code) > 2 (with code: Code)",
    );
    case("fn fine(a: Int, b: Int) -> Int requires a < b = b - a", "contracts/fn.fine/requires-sat", "proved");
}

// ---------------------------------------------------------------- division by zero (LP3005)

#[test]
fn possible_divisions_by_zero_fail() {
    case(
        "fn average(total: Int, count: Int) -> Int = total / count",
        "contracts/fn.average/division.0",
        "failed: total = 0, count = 0: the divisor of total / count is 0",
    );
    case(
        "fn ratio(a: Cents, b: Cents) -> Int = match a > b { true => a % b, false => 0 }",
        "contracts/fn.ratio/division.0",
        "failed: a = 1, b = 0: the divisor of a % b is 0",
    );
    case(
        "fn share(a: Int, b: Percent) -> Int = a / (b - 50)",
        "contracts/fn.share/division.0",
        "failed: a = 0, b = 50: the divisor of a / (b - 50) is 0",
    );
    case(
        "fn unguarded(x: Int, y: Int) -> Bool = y != 0 || x / y > 1",
        "contracts/fn.unguarded/division.0",
        "failed: x = 0, y = 0: the divisor of x / y is 0",
    );
}

#[test]
fn guarded_divisions_are_proved_and_literal_divisors_need_no_obligation() {
    case("fn g(x: Int, y: Int) -> Bool = y != 0 && x / y > 1", "contracts/fn.g/division.0", "proved");
    case("fn m(x: Int, y: Int) -> Int = match y { 0 => 0, _ => x % y }", "contracts/fn.m/division.0", "proved");
    case("fn q(x: Int, y: Int) -> Int requires y > 0 = x / y", "contracts/fn.q/division.0", "proved");
    let all = verdicts(&format!("{PRELUDE}\nfn lit(x: Int) -> Int = x / 100 + x % -7"));
    assert!(!all.contains("fn.lit/division"), "{all}");
}

// ---------------------------------------------------------------- refinements (LP2020, LP2021)

#[test]
fn unsatisfiable_type_refinements_fail() {
    case(
        "type Refund = Cents where self < 0",
        "totality/type.Refund/refinement-sat",
        "failed: no value of `Refund` satisfies `self < 0` together with the refinement of `Cents` (self >= 0)",
    );
    case(
        "type Window = { min: Int, max: Int } where self.min > self.max && self.max > self.min",
        "totality/type.Window/refinement-sat",
        "failed: no value of `Window` satisfies `self.min > self.max && self.max > self.min`",
    );
    case(
        "type Wide = { min: Int where self >= 0, max: Int where self <= 10 } where self.max - self.min >= 20",
        "totality/type.Wide/refinement-sat",
        "failed: no value of `Wide` satisfies `self.max - self.min >= 20` together with the refinements of its fields",
    );
    case(
        "type Small = Percent where self > 100 || self < 0",
        "totality/type.Small/refinement-sat",
        "failed: no value of `Small` satisfies `self > 100 || self < 0` together with the refinement of `Percent` (0 <= self && self <= 100)",
    );
    case(
        "type Tiny = Code where len(self) > 2",
        "totality/type.Tiny/refinement-sat",
        "failed: no value of `Tiny` satisfies `len(self) > 2` together with the refinement of `Code` (matches(self, \"^[A-Z]{2}$\"))",
    );
}

#[test]
fn unsatisfiable_field_refinements_fail() {
    case(
        "type P = { sku: String where len(self) >= 3 && len(self) < 3 }",
        "totality/type.P/field.sku/refinement-sat",
        "failed: no `String` value of `P.sku` satisfies `len(self) >= 3 && len(self) < 3`",
    );
    case(
        "type Q = { price: Cents where self < 0 }",
        "totality/type.Q/field.price/refinement-sat",
        "failed: no `Cents` value of `Q.price` satisfies `self < 0`",
    );
    case(
        "type Plan = Free | Annual { discount_pct: Int where self > 30 && self < 0 }",
        "totality/type.Plan/variant.Annual/field.discount_pct/refinement-sat",
        "failed: no `Int` value of `Plan::Annual.discount_pct` satisfies `self > 30 && self < 0`",
    );
    case(
        "error Limit = 422 { limit: Percent where self > 100 }",
        "totality/error.Limit/field.limit/refinement-sat",
        "failed: no `Percent` value of `Limit.limit` satisfies `self > 100`",
    );
    case(
        "type Email = { to: String where matches(self, \"^[^@ ]+@[^@ ]+$\") && len(self) < 3 }",
        "totality/type.Email/field.to/refinement-sat",
        "failed: no `String` value of `Email.to` satisfies `matches(self, \"^[^@ ]+@[^@ ]+$\") && len(self) < 3`",
    );
}

#[test]
fn satisfiable_refinements_are_proved() {
    let all = verdicts(&format!(
        "{PRELUDE}
         type Window = {{ min: Int, max: Int }} where self.min <= self.max
         type Sku = String where 3 <= len(self) && len(self) <= 64 && matches(self, \"^[A-Z0-9-]+$\")
         type OrderId = String where matches(self, \"^ord_[a-z0-9]{{12}}$\")
         type Url = String where matches(self, \"^https://\")
         type Date = String where matches(self, \"^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$\")
         type Page<+T> = {{ items: List<T>, size: Int where self >= 0 }} where len(self.items) <= self.size"
    ));
    assert!(!all.contains("failed") && !all.contains("unknown"), "{all}");
    assert_eq!(all.lines().count(), 13, "{all}");
}

#[test]
fn generic_types_are_instantiated() {
    let src = "
        type Page<+T> = { items: List<T>, next: Option<String> } where len(self.items) <= 100
        type Pair<A, B> = { first: A, second: B }
        type Prices = Page<Pair<String, Cents>>
        fn first_price(p: Prices) -> Option<Cents> = None
        fn total(p: Pair<Cents, Cents>) -> Cents ensures result >= p.first = p.first + p.second
        fn size(p: Prices) -> Int ensures result <= 100 = len(p.items)
        fn grow(p: Pair<Percent, Int>) -> Percent = p.first + 1
    ";
    case(src, "contracts/fn.first_price/result-refinement", "proved");
    case(src, "contracts/fn.total/ensures.0", "proved");
    case(src, "contracts/fn.size/ensures.0", "proved");
    case(
        src,
        "contracts/fn.grow/result-refinement",
        "failed: p = { first: 100, second: 0 }, result = 101: the result is not a valid `Percent` (0 <= self && self <= 100)",
    );
}

// ---------------------------------------------------------------- unknown, never a pass

/// A `matches` literal over the size bound is an honest `unknown` naming the bound, decided
/// without handing the pattern to z3 (whose simplification of a long pattern took minutes).
#[test]
fn huge_patterns_are_unknown_naming_the_bound() {
    for n in [100_000, 1_000_000] {
        let src = format!("type Huge = String where matches(self, \"{}\")", "a".repeat(n));
        let full = format!("{PRELUDE}\n{src}");
        assert_eq!(
            verdict_of(&full, "totality/type.Huge/refinement-sat"),
            format!(
                "unknown: unsupported: matches with the pattern \"{}\"…: the pattern is {n} characters long, \
                 over the limit of 2000 characters the solver is given",
                "a".repeat(40)
            ),
        );
    }
    // A plain string literal has a bound of its own (z3 took 15 s and 1.7 GB on 1 MB).
    let src = format!("type Big = String where self == \"{}\"", "a".repeat(1_000_000));
    assert_eq!(
        verdict_of(&format!("{PRELUDE}\n{src}"), "totality/type.Big/refinement-sat"),
        "unknown: unsupported: a string literal of 1000000 characters, over the limit of 10000 characters the solver is given",
    );
    // Just under the bound, the pattern is translated and decided.
    case(
        &format!("type Long = String where matches(self, \"^{}$\")", "a".repeat(1998)),
        "totality/type.Long/refinement-sat",
        "proved",
    );
}

#[test]
fn recursion_and_unsupported_constructs_are_unknown() {
    case(
        "fn down(x: Int) -> Int ensures result >= 0 = match x <= 0 { true => 0, false => down(x - 1) }",
        "contracts/fn.down/ensures.0",
        "unknown: unsupported: recursive call of `down`",
    );
    // A pattern neither z3 nor the regular-expression engine reads (an unknown Unicode
    // property); a word boundary, which the engine reads, is decided (tests/regex.rs).
    let word = verdict_of(
        &format!("{PRELUDE}\ntype Word = String where matches(self, \"\\\\p{{Bogus}}\")"),
        "totality/type.Word/refinement-sat",
    );
    assert!(
        word.starts_with(
            "unknown: unsupported: matches with the pattern \"\\\\p{Bogus}\": unsupported: the escape `\\p`; not a valid regular expression"
        ),
        "{word}"
    );
    case(
        "type Tree = Leaf | Node { left: Tree, right: Tree }
         fn leftmost(t: Tree) -> Bool ensures result = match t { Leaf => true, Node { left, right } => false }",
        "contracts/fn.leftmost/ensures.0",
        "unknown: unsupported: matching a value of a recursive type",
    );
}

#[test]
fn refinements_of_recursive_types_are_unknown_not_assumed_away() {
    let src = "
        type Tree = Leaf | Node { left: Tree, size: Int where self > 0 }
        type Empty = Leaf2 | Node2 { next: Empty } where false
        fn grow(t: Tree) -> Tree = t
        fn plain(t: Int) -> Int ensures result == t = t
    ";
    case(
        src,
        "totality/type.Empty/refinement-sat",
        "unknown: unsupported: the refinements of the recursive type `Empty`",
    );
    case(
        src,
        "contracts/fn.grow/result-refinement",
        "unknown: unsupported: the refinements of the recursive type `Tree`",
    );
    case(src, "contracts/fn.plain/ensures.0", "proved");
}

#[test]
fn function_values_are_uninterpreted_but_typed() {
    let src = "
        fn apply(f: Int -> Cents, x: Int) -> Int ensures result >= 0 = f(x)
        fn same(f: Int -> Int, x: Int) -> Bool ensures result = f(x) == f(x)
        fn any(f: Int -> Int, x: Int) -> Int ensures result >= 0 = f(x)
    ";
    case(src, "contracts/fn.apply/ensures.0", "proved");
    case(src, "contracts/fn.same/ensures.0", "proved");
    case(src, "contracts/fn.any/ensures.0", "failed: f = _, x = 0: ensures result >= 0 fails");
}

#[test]
fn a_timeout_is_unknown() {
    let src = format!(
        "{PRELUDE}
         fn fermat(x: Int, y: Int, z: Int) -> Bool
           requires x > 0 && y > 0 && z > 0
           ensures x * x * x + y * y * y != z * z * z
           = true"
    );
    let spec = common::spec(&src);
    let obs = common::smt_obligations(&spec);
    let ob = obs.iter().find(|o| o.id == "contracts/fn.fermat/ensures.0").expect("the obligation");
    let v = common::discharge_with(&spec, ob, &lp_smt::SmtOptions { timeout_ms: 50 });
    assert_eq!(common::line(&v), "unknown: z3 ran out of its time limit (50 ms)");
    assert!(!v.is_pass());
}

// ---------------------------------------------------------------- determinism

#[test]
fn verdicts_are_deterministic() {
    let src = format!(
        "{PRELUDE}
         {MARKDOWN}
         fn discounted(price: Cents, pct: Int) -> Cents ensures result <= price = price - price * pct / 100
         fn price_of(p: Product) -> Cents ensures result < p.price = match p.discount {{ Some(d) => p.price - d, None => p.price }}
         fn half_off(price: Cents) -> Cents = markdown(price, price)
         type Refund = Cents where self < 0"
    );
    let first = verdicts(&src);
    assert!(first.contains("failed"), "{first}");
    for _ in 0..3 {
        assert_eq!(verdicts(&src), first);
    }
    // Discharging in another order, on other threads, gives the same verdicts.
    let spec = common::spec(&src);
    let obs = common::smt_obligations(&spec);
    let reversed: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = obs
            .iter()
            .rev()
            .map(|ob| {
                let spec = &spec;
                s.spawn(move || format!("{}: {}\n", ob.id, common::line(&common::discharge(spec, ob))))
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a discharge thread")).collect()
    });
    let mut reversed = reversed;
    reversed.reverse();
    assert_eq!(reversed.concat(), first);
}

// ------------------------------------------------ record literals and updates (LP3002, LP3010)

#[test]
fn records_built_against_their_refinements_fail_with_a_counterexample() {
    // A literal that swaps the bounds of a range: the result's refinement (LP3002).
    case(
        "fn flip(r: PriceRange) -> PriceRange = { min: r.max, max: r.min }",
        "contracts/fn.flip/result-refinement",
        "failed: r = { min: 0, max: 1 }, result = { min: 1, max: 0 }: the result is not a valid `PriceRange` (self.min <= self.max)",
    );
    // A field refinement broken inside a literal.
    case(
        "fn gift() -> Product = Product { sku: \"ab\", price: 0, discount: None }",
        "contracts/fn.gift/result-refinement",
        "failed: result = { sku: \"ab\", price: 0, discount: None }: the result is not a valid `Product`",
    );
    // An update that can make a price negative.
    case(
        "fn cheaper(p: Product, off: Int) -> Product = p with { price: p.price - off }",
        "contracts/fn.cheaper/result-refinement",
        "failed: p = { sku: \"ABC\", price: 0, discount: None }, off = 1, result = { sku: \"ABC\", price: -1, discount: None }: the result is not a valid `Product`",
    );
    // A record that is not returned but passed on: its own obligation (LP3010).
    case(
        "fn width(r: PriceRange) -> Int = r.max - r.min
         fn probe(n: Int) -> Int = width(PriceRange { min: n, max: 0 })",
        "contracts/fn.probe/record.0",
        "failed: n = -1: the record built here is not a valid `PriceRange` (self.min <= self.max)",
    );
    // Only one arm of a match builds an invalid range.
    case(
        "fn clip(r: PriceRange, up: Bool) -> Int = match up { true => (r with { max: r.min - 1 }).max, false => 0 }",
        "contracts/fn.clip/record.0",
        "failed: r = { min: 0, max: 0 }, up = true: the record built here is not a valid `PriceRange` (self.min <= self.max)",
    );
}

#[test]
fn records_that_keep_their_refinements_are_proved() {
    case(
        "fn widen(r: PriceRange) -> PriceRange = { min: r.min, max: r.max + 1 }",
        "contracts/fn.widen/result-refinement",
        "proved",
    );
    // True only with the precondition.
    case(
        "fn cheaper(p: Product, off: Cents) -> Product requires off <= p.price = p with { price: p.price - off }",
        "contracts/fn.cheaper/result-refinement",
        "proved",
    );
    // True only under the guard of the arm.
    case(
        "fn shrink(r: PriceRange) -> Int = match r.max > r.min { true => (r with { max: r.max - 1 }).max, false => 0 }",
        "contracts/fn.shrink/record.0",
        "proved",
    );
    // A generic record's type arguments are inferred from its fields.
    case(
        "type Page<T> = { items: List<T>, size: Int where self >= 0 }
         fn page(x: Cents) -> Page<Cents> = Page { items: [x], size: 1 }",
        "contracts/fn.page/result-refinement",
        "proved",
    );
}

// ---------------------------------------------------------------- decimals (z3 `Real`)

/// Decimals are exact reals restricted to decimals: a refinement only a non-decimal real
/// satisfies is uninhabited, an `ensures` that fails has a decimal counterexample, and exact
/// arithmetic (`0.1 + 0.2 == 0.3`) is proved.
#[test]
fn decimal_refinements_and_contracts() {
    let temperature = "type Temperature = Decimal where 0.0 <= self && self <= 2.0\n";
    case(
        &format!("{temperature}type Hot = Temperature where self > 2.5"),
        "totality/type.Hot/refinement-sat",
        "failed: no value of `Hot` satisfies `self > 2.5` together with the refinement of `Temperature` (0.0 <= self && self <= 2.0)",
    );
    case(
        "type Third = Decimal where self * 3.0 == 1.0",
        "totality/type.Third/refinement-sat",
        "failed: no value of `Third` satisfies `self * 3.0 == 1.0`",
    );
    case("type Half = Decimal where self * 2.0 == 1.0", "totality/type.Half/refinement-sat", "proved");
    case(
        &format!("{temperature}fn cooler(t: Temperature) -> Decimal ensures result >= 0.0 = t - 0.5"),
        "contracts/fn.cooler/ensures.0",
        "failed: t = 0.0: ensures result >= 0.0 fails",
    );
    case(
        &format!("{temperature}fn warmer(t: Temperature) -> Decimal ensures result > t && result <= 2.1 = t + 0.1"),
        "contracts/fn.warmer/ensures.0",
        "proved",
    );
    case("fn exact() -> Bool ensures result = 0.1 + 0.2 == 0.3", "contracts/fn.exact/ensures.0", "proved");
    case(
        "fn halves(n: Int) -> Decimal requires n >= 1 ensures result >= 0.5 = decimal(n) * 0.5",
        "contracts/fn.halves/ensures.0",
        "proved",
    );
    case(
        &format!("{temperature}fn scaled(t: Temperature) -> Temperature = t * 1.5"),
        "contracts/fn.scaled/result-refinement",
        "failed: t = 1.4, result = 2.1: the result is not a valid `Temperature` (0.0 <= self && self <= 2.0)",
    );
}
