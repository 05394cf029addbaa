//! `lp_ir::effects`: what each operation body does directly, the writers and owners of
//! entities, and cycles of calls between operations.

use lp_ir::effects::{WriteKind, call_cycles, of_spec, owners, writers};
use lp_ir::{EntityId, ServiceId, Spec};

fn spec(src: &str) -> Spec {
    lp_test_support::spec_of(&[src.to_string()])
}

const SHOP: &str = "spec shop version 1.0.0\n\
    machine Job {\n  initial Pending\n  final Done\n  Pending -> Done on finish\n}\n\
    entity Item key sku = { sku: String, count: Int }\n\
    entity Run key id lifecycle Job = { id: String, sku: String }\n\
    error Missing = 404 { sku: String }\n\
    error Busy = 409\n\
    fn twice(n: Int) -> Int = n * 2\n\
    service items {\n\
      op get(sku: String) -> Item ! Missing GET /items/{sku} = {\n    Item[sku] else Missing { sku }\n  }\n\
      op bump(sku: String) -> Item ! Missing POST /items/{sku}/bump = {\n\
        let i = Item[sku] else Missing { sku }\n    let j = i with { count: twice(i.count) }\n    put j\n    j\n  }\n\
      op drop(sku: String) -> Unit DELETE /items/{sku} = {\n    delete Item[sku]\n  }\n\
    }\n\
    service runs {\n  depends on items\n\
      op start(sku: String) -> Run ! Missing POST /runs/{sku} = {\n\
        require count(r: Run where r.sku == sku) < 3 else Missing { sku }\n\
        let i = items.get(sku)\n    let run = create Run { id: fresh, sku: i.sku }\n    fire run.finish\n    run\n  }\n\
      op finish(id: String) -> Unit ! Busy POST /runs/{id}/finish = {\n\
        let run = Run[id] else Busy\n    fire run.finish else Busy\n  }\n\
    }\n";

#[test]
fn each_body_lists_what_it_reads_writes_fires_calls_and_raises() {
    let spec = spec(SHOP);
    let fx = of_spec(&spec);
    assert_eq!(fx.len(), 5);
    let (_, bump) = &fx[1];
    assert_eq!(bump.reads, vec![EntityId(0)]);
    assert_eq!(bump.writes.iter().map(|w| w.kind).collect::<Vec<_>>(), vec![WriteKind::Put]);
    assert_eq!(bump.fns.len(), 1, "twice");
    assert_eq!(bump.raises.len(), 1, "Missing");
    let (_, drop) = &fx[2];
    assert!(drop.reads.is_empty());
    assert_eq!(drop.writes[0].kind, WriteKind::Delete);
    let (at, start) = &fx[3];
    assert_eq!(at.service, ServiceId(1));
    assert_eq!(start.reads, vec![EntityId(1)], "`count` and the fire read Run; the call reads nothing itself");
    assert_eq!(start.written(), vec![EntityId(1)]);
    assert_eq!(start.writes.iter().map(|w| w.kind).collect::<Vec<_>>(), vec![WriteKind::Create, WriteKind::Fire]);
    assert_eq!(start.calls.len(), 1);
    assert_eq!(start.calls[0].otherwise, None);
    assert_eq!(start.fires.len(), 1);
    assert!(!start.fires[0].guarded);
    let (_, finish) = &fx[4];
    assert!(finish.fires[0].guarded);
    assert_eq!(finish.raises.len(), 1, "Busy once, without duplicates");
}

#[test]
fn owners_are_the_only_writing_service() {
    let shop = spec(SHOP);
    assert_eq!(owners(&shop), vec![Some(ServiceId(0)), Some(ServiceId(1))]);
    let twice = SHOP.replace(
        "fire run.finish else Busy\n  }",
        "fire run.finish else Busy\n  }\n  op wipe(sku: String) -> Unit DELETE /runs/items/{sku} = {\n    delete Item[sku]\n  }",
    );
    let shared = spec(&twice);
    let by = writers(&shared);
    assert_eq!(by[0].iter().map(|(s, _)| *s).collect::<Vec<_>>(), vec![ServiceId(0), ServiceId(1)]);
    assert_eq!(owners(&shared)[0], None);
}

#[test]
fn call_cycles_follow_the_calls_of_bodies() {
    assert!(call_cycles(&spec(SHOP)).is_empty());
    let cyclic = spec(
        "service a {\n  depends on b\n  op x() -> Unit POST /x = {\n    b.y()\n  }\n}\n\
         service b {\n  depends on a\n  op y() -> Unit POST /y = {\n    a.x()\n  }\n  op z() -> Unit POST /z = {\n    a.x()\n  }\n}\n",
    );
    let cycles = call_cycles(&cyclic);
    assert_eq!(cycles.len(), 1, "{cycles:?}");
    let names: Vec<String> = cycles[0]
        .iter()
        .map(|r| {
            format!(
                "{}.{}",
                cyclic.services[r.service.index()].name,
                cyclic.services[r.service.index()].ops[r.op.index()].name
            )
        })
        .collect();
    assert_eq!(names, vec!["a.x", "b.y"]);
}
