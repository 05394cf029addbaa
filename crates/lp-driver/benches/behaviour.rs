//! Cold and warm `check` of a generated spec with 1,000 operations with bodies (issue:
//! Behaviour I): every behaviour obligation discharged, structural ones decided, z3 for the
//! guarded `fire`s, the `invariants-preserved` claims and the idempotence of the `DELETE`s,
//! and the other claims tested in the reference interpreter (up to 128 cases each).
//!
//! Run with `cargo bench -p lp-driver --bench behaviour`. Cold: a fresh in-memory copy with an
//! empty verdict cache. Warm: the same copy again, every verdict from the cache. Best of
//! [`RUNS`] runs; wall-clock time on all cores (rayon).

use lp_driver::CheckOptions;
use lp_driver::fs::MemFs;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const RUNS: usize = 3;

/// A spec of `modules` services with ten operations each: every module has an account
/// entity with a lifecycle, a ledger entry entity referring to it, two invariants, and
/// operations that read, create (with `fresh` and with a checked key), update, replace,
/// delete, fire guarded and unguarded events, and call the previous module's service.
fn behaviour_spec(modules: usize) -> String {
    let mut s = String::from(
        "spec bench version 1.0.0\n\n\
         type Cents = Int where self >= 0 && self <= 1000000000000000\n\n\
         error Missing = 404 { id: String }\n\
         error Taken = 409 { id: String }\n\
         error Short = 422 { balance: Cents }\n\
         error Frozen = 409 { id: String }\n\n\
         machine Life {\n  var strikes: Int = 0\n  invariant 0 <= strikes && strikes <= 3\n  initial Open\n  final Closed\n  \
         Open -> Open on strike when strikes < 3 do strikes = strikes + 1\n  Open -> Frozen on strike when strikes >= 3\n  \
         Frozen -> Open on thaw\n  Open -> Closed on close\n  Frozen -> Closed on close\n}\n",
    );
    for i in 0..modules {
        s.push_str(&format!(
            "\nentity Account{i} key id lifecycle Life = {{ id: String, owner: String, balance: Cents }}\n\
             entity Entry{i} key id = {{ id: String, account: String, amount: Cents }}\n\
             invariant entries_have_accounts{i}: forall e: Entry{i}. exists Account{i}[e.account]\n\
             invariant few_entries{i}: forall a: Account{i}. count(e: Entry{i} where e.account == a.id) <= 5\n\n\
             service bank{i} {{\n"
        ));
        if i > 0 {
            s.push_str(&format!("  depends on bank{}\n", i - 1));
        }
        s.push_str(&format!(
            "  op get(id: String) -> Account{i} ! Missing GET /b{i}/accounts/{{id}} = {{\n    Account{i}[id] else Missing {{ id }}\n  }}\n\
             \x20 op open(owner: String) -> Account{i} POST /b{i}/accounts = {{\n    create Account{i} {{ id: fresh, owner, balance: 0 }}\n  }}\n\
             \x20 op adopt(id: String, owner: String) -> Account{i} ! Taken POST /b{i}/accounts/{{id}} = {{\n    require !exists Account{i}[id] else Taken {{ id }}\n    create Account{i} {{ id, owner, balance: 0 }}\n  }}\n\
             \x20 op deposit(id: String, amount: Cents) -> Account{i} ! Missing | Short POST /b{i}/accounts/{{id}}/deposit = {{\n    let a = Account{i}[id] else Missing {{ id }}\n    require amount <= 1000000000000000 - a.balance else Short {{ balance: a.balance }}\n    let after = a with {{ balance: a.balance + amount }}\n    put after\n    after\n  }}\n\
             \x20 op withdraw(id: String, amount: Cents) -> Account{i} ! Missing | Short POST /b{i}/accounts/{{id}}/withdraw = {{\n    let a = Account{i}[id] else Missing {{ id }}\n    require amount <= a.balance else Short {{ balance: a.balance }}\n    let after = a with {{ balance: a.balance - amount }}\n    put after\n    after\n  }}\n\
             \x20 op replace(body a: Account{i}) -> Account{i} PUT /b{i}/accounts/{{a.id}} = {{\n    put a\n    a\n  }}\n\
             \x20 op record(id: String, account: String, amount: Cents) -> Entry{i} ! Missing | Taken | Short POST /b{i}/entries/{{id}} = {{\n    require exists Account{i}[account] else Missing {{ id: account }}\n    require count(e: Entry{i} where e.account == account) < 5 else Short {{ balance: 0 }}\n    create Entry{i} {{ id, account, amount }} else Taken {{ id }}\n  }}\n\
             \x20 op strike(id: String) -> Unit ! Missing | Frozen POST /b{i}/accounts/{{id}}/strike = {{\n    let a = Account{i}[id] else Missing {{ id }}\n    fire a.strike else Frozen {{ id }}\n  }}\n\
             \x20 op forget(id: String) -> Unit DELETE /b{i}/entries/{{id}} = {{\n    delete Entry{i}[id]\n  }}\n"
        ));
        if i > 0 {
            s.push_str(&format!(
                "  op mirror(id: String) -> Account{p} ! Missing GET /b{i}/mirror/{{id}} = {{\n    bank{p}.get(id)\n  }}\n",
                p = i - 1,
                i = i
            ));
        } else {
            s.push_str(&format!(
                "  op owner(id: String) -> String ! Missing GET /b{i}/accounts/{{id}}/owner = {{\n    let a = Account{i}[id] else Missing {{ id }}\n    a.owner\n  }}\n"
            ));
        }
        s.push_str("}\n");
    }
    s
}

fn main() {
    let text = behaviour_spec(100);
    let ops = text.matches("\n  op ").count();
    assert_eq!(ops, 1_000, "the generated spec has 1,000 operations");
    let opts = CheckOptions::default();
    let mut cold = Duration::MAX;
    let mut warm = Duration::MAX;
    let mut obligations = 0;
    let mut by_verdict = std::collections::BTreeMap::new();
    for _ in 0..RUNS {
        let fs = MemFs::new();
        fs.insert("in/spec.adt", text.as_bytes());
        let path = PathBuf::from("in/spec.adt");
        let t = Instant::now();
        let first = lp_driver::check_with(&fs, &path, &opts).expect("in memory");
        cold = cold.min(t.elapsed());
        assert_eq!(
            first.error_count(),
            0,
            "the generated spec must check clean: {:?}",
            first
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| (&d.code, &d.message))
                .take(3)
                .collect::<Vec<_>>()
        );
        assert!(first.results.iter().all(|r| !r.cached), "the cold run hit a cache");
        obligations = first.results.len();
        by_verdict.clear();
        for r in &first.results {
            *by_verdict.entry(r.verdict.name()).or_insert(0usize) += 1;
        }
        let t = Instant::now();
        let second = lp_driver::check_with(&fs, &path, &opts).expect("in memory");
        warm = warm.min(t.elapsed());
        assert!(second.results.iter().all(|r| r.cached), "the warm run missed the cache");
    }
    println!("\n| input | operations | obligations | verdicts | cold | warm |");
    println!("|---|---:|---:|---|---:|---:|");
    let verdicts: Vec<String> = by_verdict.iter().map(|(k, v)| format!("{v} {k}")).collect();
    println!(
        "| generated: 100 services x 10 operations with bodies | {ops} | {obligations} | {} | {:.0} ms | {:.1} ms |",
        verdicts.join(", "),
        cold.as_secs_f64() * 1e3,
        warm.as_secs_f64() * 1e3
    );
}
