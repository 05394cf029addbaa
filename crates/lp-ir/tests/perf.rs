//! A throughput check of lowering on a large generated spec. Ignored by default; run with
//! `cargo test -p lp-ir --release --test perf -- --ignored --nocapture`.

use lp_diagnostics::FileId;
use std::fmt::Write as _;
use std::time::Instant;

/// A spec of about `blocks * 40` lines, every block a small domain with unique names.
fn generate(blocks: usize) -> String {
    let mut s = String::from("spec big version 1.0.0\n");
    for i in 0..blocks {
        let _ = write!(
            s,
            "
/// Money of block {i}.
type Cents{i} = Int where self >= 0
type Percent{i} = Int where 0 <= self && self <= 100
type Platform{i} = Shopify{i} | WooCommerce{i}
type Product{i} = {{
  sku: String where len(self) >= 3,
  title: String,
  price: Cents{i},
  discount: Option<Percent{i}>,
}}
type Page{i}<+T> = {{ items: List<T>, next: Option<String> }} where len(self.items) <= 100
error Conflict{i} = 409 {{ sku: String }}
fn discounted{i}(price: Cents{i}, pct: Percent{i}) -> Cents{i}
  ensures result <= price
  = price - price * pct / 100
fn fee{i}(p: Platform{i}) -> Percent{i} = match p {{ Shopify{i} => 2, WooCommerce{i} => 3 }}
fn effective{i}(p: Product{i}) -> Cents{i}
  = match p.discount {{ Some(pct) => discounted{i}(p.price, pct), None => p.price }}
machine Job{i} {{
  var attempts: Int = 0
  invariant 0 <= attempts && attempts <= 3
  initial Pending
  final Done, Abandoned
  Pending -> Running on start
  Running -> Done on finish
  Running -> Pending on fail when attempts < 3 do attempts = attempts + 1
  Running -> Abandoned on fail when attempts >= 3
}}
service svc{i} {{
  op list{i}(tenant: String) -> Page{i}<Product{i}> GET /b{i}/tenants/{{tenant}}/products
  op upsert{i}(tenant: String, body product: Product{i}) -> Product{i} ! Conflict{i}
    PUT /b{i}/tenants/{{tenant}}/products/{{product.sku}}
  op start{i}(tenant: String) -> Job{i} POST /b{i}/tenants/{{tenant}}/jobs fires Job{i}.start
  flow sync{i} = discounted{i} >=> fee{i}
}}
deploy svc{i} {{ replicas = 2, cpu = \"250m\", memory = \"128Mi\", port = 8080 }}
"
        );
    }
    s
}

#[test]
#[ignore]
fn lowering_throughput() {
    let text = generate(5000);
    let lines = text.lines().count();
    let t0 = Instant::now();
    let parsed = lp_syntax::parse(FileId(0), &text);
    let t1 = Instant::now();
    assert!(parsed.diagnostics.is_empty(), "{:?}", &parsed.diagnostics[..3.min(parsed.diagnostics.len())]);
    let lowered = lp_ir::lower(&[(FileId(0), &parsed.value)]);
    let t2 = Instant::now();
    assert!(lowered.diagnostics.is_empty(), "{:?}", &lowered.diagnostics[..3.min(lowered.diagnostics.len())]);
    // A second run reuses memory the first one freed, as a long-lived process (the
    // language server) would.
    drop(lowered);
    let t3 = Instant::now();
    let again = lp_ir::lower(&[(FileId(0), &parsed.value)]);
    let warm = t3.elapsed().as_secs_f64();
    drop(again);
    println!("warm lowering: {:.0} ms, {:.0} lines/s", warm * 1e3, lines as f64 / warm);
    let parse = (t1 - t0).as_secs_f64();
    let lower = (t2 - t1).as_secs_f64();
    println!(
        "{lines} lines: parse {:.0} ms, lower {:.0} ms; lower alone {:.0} lines/s, parse+lower {:.0} lines/s",
        parse * 1e3,
        lower * 1e3,
        lines as f64 / lower,
        lines as f64 / (parse + lower)
    );
}
