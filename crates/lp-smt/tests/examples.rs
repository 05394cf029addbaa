//! The spec examples check clean with the discharger: every SMT obligation of their
//! functions and refinements is proved.

mod common;
use common::example_files;

fn check_example(dir: &str) -> (usize, Vec<String>) {
    let texts = example_files(dir);
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let spec = common::specs(&refs);
    let obs = common::smt_obligations(&spec);
    let problems = obs
        .iter()
        .map(|ob| (ob, common::discharge(&spec, ob)))
        .filter(|(_, v)| !v.is_pass())
        .map(|(ob, v)| format!("{}: {}", ob.id, common::line(&v)))
        .collect();
    (obs.len(), problems)
}

#[test]
fn examples_check_clean() {
    let mut all = Vec::new();
    for dir in ["catalog-sync", "order-fulfilment", "subscription-billing/v1", "subscription-billing/v2"] {
        let (count, problems) = check_example(dir);
        assert!(count > 0, "{dir} has no SMT obligations");
        all.extend(problems.into_iter().map(|p| format!("{dir}: {p}")));
    }
    assert!(all.is_empty(), "obligations of the examples that are not proved:\n{}", all.join("\n"));
}
