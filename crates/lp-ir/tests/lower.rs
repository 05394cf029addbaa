//! Lowering behaviour beyond single codes: resolved and typed IR, first-mention orders,
//! no cascades, everything reported in one run, and the example projects lowering clean.

mod common;

use common::{describe, lower, lower_clean, lower_files};
use lp_diagnostics::FileId;
use lp_ir::{Callable, Ctor, ExprKind, PathSeg, PatternKind, Ty, TypeBody};
use std::path::PathBuf;

#[test]
fn fn_bodies_are_resolved_and_typed() {
    let spec = lower_clean(
        "type Cents = Int where self >= 0\n\
         type Percent = Int\n\
         fn discounted(price: Cents, pct: Percent) -> Cents\n  ensures result <= price\n  = price - price * pct / 100",
    );
    let f = &spec.fns[0];
    assert_eq!(f.params.len(), 2);
    assert!(matches!(f.result, Ty::Named { .. }));
    let body = f.body.as_ref().expect("body");
    assert_eq!(body.ty, Ty::Int);
    let ExprKind::Binary { lhs, .. } = &body.kind else { panic!("{body:?}") };
    assert_eq!(lhs.kind, ExprKind::Param(0));
    assert_eq!(lhs.ty, f.params[0].ty);
    let ensures = &f.ensures[0];
    assert_eq!(ensures.ty, Ty::Bool);
    let ExprKind::Binary { lhs, .. } = &ensures.kind else { panic!() };
    assert_eq!(lhs.kind, ExprKind::Result);
}

#[test]
fn refinements_bind_self() {
    let spec = lower_clean(
        "type Window = { min: Int where self >= 0, max: Int } where self.min <= self.max\n\
         type Cents = Int where self >= 0",
    );
    let TypeBody::Record(fields) = &spec.types[0].body else { panic!() };
    let field_ref = fields[0].refinement.as_ref().expect("field refinement");
    let ExprKind::Binary { lhs, .. } = &field_ref.kind else { panic!() };
    assert_eq!(lhs.ty, Ty::Int);
    let whole = spec.types[0].refinement.as_ref().expect("type refinement");
    let ExprKind::Binary { lhs, .. } = &whole.kind else { panic!() };
    let ExprKind::Field { base, index, .. } = &lhs.kind else { panic!("{lhs:?}") };
    assert_eq!(*index, 0);
    assert_eq!(base.kind, ExprKind::SelfValue);
    assert!(matches!(base.ty, Ty::Named { .. }));
    // On an alias, `self` has the aliased type.
    let alias = spec.types[1].refinement.as_ref().expect("alias refinement");
    let ExprKind::Binary { lhs, .. } = &alias.kind else { panic!() };
    assert_eq!(lhs.ty, Ty::Int);
}

#[test]
fn constructors_take_their_type_from_the_context() {
    let spec = lower_clean(
        "type Percent = Int\n\
         fn f(p: Option<Percent>) -> Bool = None == p\n\
         fn g() -> Result<Int, String> = Err(\"no\")\n\
         fn h() -> List<Percent> = []",
    );
    let ExprKind::Binary { lhs, .. } = &spec.fns[0].body.as_ref().expect("body").kind else { panic!() };
    assert!(matches!(lhs.kind, ExprKind::Ctor { ctor: Ctor::None, .. }));
    assert!(matches!(&lhs.ty, Ty::Option(inner) if matches!(**inner, Ty::Named { .. })));
    assert_eq!(spec.fns[1].body.as_ref().expect("body").ty, Ty::Result(Box::new(Ty::Int), Box::new(Ty::String)));
    assert!(matches!(&spec.fns[2].body.as_ref().expect("body").ty, Ty::List(inner) if !inner.contains_error()));
}

#[test]
fn match_patterns_bind_locals() {
    let spec = lower_clean(
        "type Plan = Free | Monthly { price: Int } | Annual { price: Int, pct: Int }\n\
         fn f(p: Plan) -> Int = match p { Free => 0, Monthly { price } => price, Annual { price: q, pct: _ } => q / 12 }\n\
         fn g(x: Option<Int>) -> Int = match x { Some(v) => v, None => 0 }",
    );
    let ExprKind::Match { arms, .. } = &spec.fns[0].body.as_ref().expect("body").kind else { panic!() };
    assert_eq!(arms.len(), 3);
    let PatternKind::Ctor { ctor: Ctor::Variant { index: 2, .. }, fields } = &arms[2].pattern.kind else {
        panic!("{:?}", arms[2].pattern)
    };
    assert_eq!(fields[0].index, 0);
    assert!(matches!(fields[0].pattern.kind, PatternKind::Bind { .. }));
    assert!(matches!(arms[2].body.kind, ExprKind::Binary { .. }));
    let ExprKind::Match { arms, .. } = &spec.fns[1].body.as_ref().expect("body").kind else { panic!() };
    assert!(matches!(arms[0].body.kind, ExprKind::Local { .. }));
    assert_eq!(arms[0].body.ty, Ty::Int);
}

#[test]
fn machine_states_and_events_in_first_mention_order() {
    let spec = lower_clean(
        "machine Job {\n  var n: Int = 0\n  invariant n >= 0\n  initial Pending\n  final Done, Failed\n\
         Pending -> Running on start\n  Running -> Done on finish\n  Running -> Pending on fail when n < 3 do n = n + 1\n}",
    );
    let m = &spec.machines[0];
    let states: Vec<&str> = m.states.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(states, ["Pending", "Done", "Failed", "Running"]);
    let events: Vec<&str> = m.events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(events, ["start", "finish", "fail"]);
    assert_eq!(m.initial.map(|s| s.0), Some(0));
    assert_eq!(m.finals.iter().map(|s| s.0).collect::<Vec<_>>(), [1, 2]);
    let t = &m.transitions[2];
    assert_eq!((t.from.0, t.to.0, t.event.0), (3, 0, 2));
    assert_eq!(t.guard.as_ref().expect("guard").ty, Ty::Bool);
    assert_eq!(t.actions[0].var.0, 0);
}

#[test]
fn services_resolve_routes_fires_and_flows() {
    let spec = lower_clean(
        "type Product = { sku: String }\n\
         machine Job { initial A\n A -> B on start }\n\
         fn normalize(p: Product) -> Product\n\
         service inventory { op stock(sku: String) -> Int GET /stock/{sku} }\n\
         service catalog {\n  depends on inventory\n\
           op upsert(tenant: String, body product: Product) -> Product PUT /t/{tenant}/p/{product.sku}\n\
           op start() -> Job POST /jobs fires Job.start\n\
           flow sync = upsert >=> normalize >=> stock\n}",
    );
    let catalog = &spec.services[1];
    assert_eq!(catalog.depends[0].service.0, 0);
    let route = catalog.ops[0].http.as_ref().expect("route");
    assert_eq!(route.segments.len(), 4);
    let PathSeg::Param { param, fields, .. } = &route.segments[3] else { panic!() };
    assert_eq!((*param, fields.as_slice()), (1, &[0][..]));
    assert_eq!(catalog.ops[1].result, Ty::Machine(lp_ir::MachineId(0)));
    let fires = catalog.ops[1].fires.as_ref().expect("fires");
    assert_eq!((fires.machine.0, fires.event.0), (0, 0));
    let steps: Vec<Callable> = catalog.flows[0].steps.iter().map(|s| s.target).collect();
    assert_eq!(
        steps,
        [
            Callable::Op(lp_ir::OpRef { service: lp_ir::ServiceId(1), op: lp_ir::OpId(0) }),
            Callable::Fn(lp_ir::FnId(0)),
            Callable::Op(lp_ir::OpRef { service: lp_ir::ServiceId(0), op: lp_ir::OpId(0) }),
        ]
    );
}

#[test]
fn standards_and_deploys_are_interpreted() {
    let spec = lower_clean(
        "service catalog { op health() -> Unit GET /health }\n\
         standards { auth = bearer(scopes = [\"a\"]) except [health, metrics]; errors = problem_json; audit = true }\n\
         deploy catalog { replicas = 3, cpu = \"500m\", memory = \"256Mi\", port = 8080, image = \"x\", env = [\"A=1\"] }",
    );
    let auth = spec.standards.auth.as_ref().expect("auth");
    assert_eq!(auth.scheme, "bearer");
    assert_eq!(auth.args.len(), 1);
    assert_eq!(auth.except[0].ops.len(), 1);
    assert!(auth.except[1].ops.is_empty());
    assert_eq!(spec.standards.errors.as_deref(), Some("problem_json"));
    assert_eq!(spec.standards.settings.len(), 3);
    let d = &spec.deploys[0];
    assert_eq!((d.replicas, d.port), (Some(3), Some(8080)));
    assert_eq!(d.cpu.as_deref(), Some("500m"));
    assert_eq!(d.env.as_ref().map(Vec::len), Some(1));
}

#[test]
fn unknown_types_do_not_cascade() {
    let src = "type P = { a: Missing, b: Int }\n\
               fn f(p: P) -> Bool = p.a == 3 && p.a.x.y > 1 && len(p.a) > 0\n\
               fn g(x: Nope) -> Nope = match x { Some(v) => v, A { b } => b }";
    let (_, diags) = lower(src);
    let codes: Vec<&str> = diags.iter().map(|d| d.code.id()).collect();
    assert_eq!(codes, ["LP1001", "LP1001", "LP1001"], "{}", describe(src, &diags));
}

#[test]
fn everything_is_reported_in_one_run() {
    let src = "type A = { x: Strng, x: Int }\n\
               error E = 200\n\
               fn f(a: Int) -> Bool = b\n\
               service s { op g() -> Unit ! Nope GET /x/{y} }\n\
               deploy t { replicas = 0 }";
    let (_, diags) = lower(src);
    let mut codes: Vec<&str> = diags.iter().map(|d| d.code.id()).collect();
    codes.sort();
    assert_eq!(
        codes,
        ["LP1001", "LP1005", "LP1008", "LP1011", "LP1013", "LP1014", "LP1019", "LP1023"],
        "{}",
        describe(src, &diags)
    );
}

#[test]
fn items_keep_declaration_order_across_files() {
    let (spec, diags) = lower_files(&[
        "spec x version 1.0.0\ntype A = Int\nservice s {}\ndeploy s { replicas = 1 }",
        "spec x version 1.0.0\nfn f() -> A = 1\ntype B = A",
    ]);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(spec.name.as_deref(), Some("x"));
    let names: Vec<&str> = spec.types.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["A", "B"]);
    assert_eq!(spec.types[1].file, FileId(1));
    assert_eq!(spec.items.len(), 5);
    assert_eq!(spec.lookup("f"), Some(lp_ir::DefId::Fn(lp_ir::FnId(0))));
}

/// The spec files of every project under `spec-examples/`, loaded as the CLI loads the
/// project, by the folder that holds its `leanos.toml`.
fn example_projects() -> Vec<(PathBuf, Vec<PathBuf>)> {
    lp_test_support::example_projects().into_iter().map(|p| (p.clone(), lp_test_support::project_files(&p))).collect()
}

#[test]
fn example_projects_lower_clean() {
    let mut lowered = 0;
    for (dir, files) in example_projects() {
        let texts: Vec<String> = files.iter().map(|f| std::fs::read_to_string(f).expect("readable")).collect();
        let parsed: Vec<_> = texts.iter().enumerate().map(|(i, t)| lp_syntax::parse(FileId(i as u32), t)).collect();
        if parsed.iter().any(|p| !p.diagnostics.is_empty()) {
            // Syntax errors are the parser's business; the example is not lowered.
            continue;
        }
        let asts: Vec<_> = parsed.iter().enumerate().map(|(i, p)| (FileId(i as u32), &p.value)).collect();
        let out = lp_ir::lower(&asts);
        let report: Vec<String> = out
            .diagnostics
            .iter()
            .map(|d| {
                let at = d.primary.as_ref().map(|l| {
                    let text = &texts[l.file.0 as usize];
                    (
                        files[l.file.0 as usize].display().to_string(),
                        text.get(l.span.range()).unwrap_or("?").to_string(),
                    )
                });
                format!("{} {} at {at:?}", d.code, d.message)
            })
            .collect();
        assert!(report.is_empty(), "{} does not lower clean:\n{}", dir.display(), report.join("\n"));
        lowered += 1;
    }
    assert!(lowered > 0, "no example project parsed");
}

#[test]
fn recursive_aliases_terminate() {
    let src = "type A = Option<A>\ntype B = Option<B>\nfn f(a: A) -> B = a\nfn g(a: A) -> Bool = a == None";
    let (_, diags) = lower(src);
    // Structurally equal recursive aliases are compatible; nothing loops.
    assert!(diags.is_empty(), "{}", describe(src, &diags));
    let (_, diags) = lower("type A = Option<A>\nfn f(a: A) -> Int = a");
    assert_eq!(diags.len(), 1);
}
