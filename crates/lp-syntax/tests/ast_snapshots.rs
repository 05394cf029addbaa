//! Snapshots of the syntax tree (`{:#?}`) and diagnostics for representative inputs. Review
//! changes with `cargo insta review`.

use lp_diagnostics::FileId;

fn snapshot(text: &str) -> String {
    let parsed = lp_syntax::parse(FileId(0), text);
    let mut out = String::new();
    for d in &parsed.diagnostics {
        let at = d.primary.as_ref().map(|l| &text[l.span.range()]).unwrap_or_default();
        out.push_str(&format!("{} {}: {} (at {at:?})\n", d.severity.as_str(), d.code, d.message));
    }
    out.push_str(&format!("{:#?}\n", parsed.value));
    out
}

#[test]
fn design_example() {
    // The full example of DESIGN.md §3.
    insta::assert_snapshot!(snapshot(include_str!("inputs/design_example.adt")));
}

#[test]
fn expressions_and_patterns() {
    insta::assert_snapshot!(snapshot(
        "fn f(a: Int, o: Option<Int>) -> Bool\n  requires a >= 0\n  ensures result == (a > 1)\n  \
         = !(a < -1) && a % 2 == 0 || match o { Some(v) => v > a, None => [a, 1,].len == 2, }\n"
    ));
}

#[test]
fn machine_and_service() {
    insta::assert_snapshot!(snapshot(
        "machine Job {\n  /// Tries.\n  var tries: Int = 0\n  states Queued, Running, Done\n  initial Queued\n  final Done\n  \
         Queued -> Running on start\n  Running -> Queued on fail when tries < 2 do tries = tries + 1, tries = 0\n  Running -> Done on finish\n}\n\
         service jobs {\n  depends on clock, store\n  op start(id: Int, body job: Job) -> Job ! NotFound | Busy\n    \
         POST /jobs/{id}/{job.kind}/start fires Job.start\n  flow run = a >=> b >=> c\n}\n"
    ));
}

#[test]
fn settings_and_versions() {
    insta::assert_snapshot!(snapshot(
        "standards { auth = bearer(scopes = [\"a\", \"b\"],) except [health]; errors = problem_json; audit = true, limit = 10; }\n\
         deploy api { replicas = 2, env = [] }\n\
         migrate from \"../v1/x.adt\" { A.b <- old.c  back A.c <- new.b }\n"
    ));
}

#[test]
fn recovery() {
    insta::assert_snapshot!(snapshot(
        "spec broken version 1.0\ntpye A = Int\ntype B = { a: Int, b String, c: Bool }\n\
         machine M {\n  initial A\n  invarient x > 0\n  A -> B on go\n}\nfn f() -> Int = (1 +\n"
    ));
}
