//! State machine diagrams (DOT and Mermaid) and `state-machines.yaml`: snapshots of the
//! examples' machines and of a machine with an unreachable state and violations, structural
//! properties of the text (every state a node, every transition an edge), determinism, and
//! DOT syntax through Graphviz when it is installed.

mod common;

use lp_check::reports::diagram::{self, DiagramFormat};
use lp_check::reports::machines::MachineFacts;
use lp_check::{Counterexample, Goal, Method, Obligation, Pass, Report, TraceStep, Verdict};
use lp_diagnostics::FileId;
use lp_ir::{MachineId, Spec};
use lp_test_support::example;

/// A machine with an unreachable state (`Ghost`), a transition out of a final state
/// (`Locked -> Closed`) and a guarded transition.
const DOOR: &str = "spec door version 1.0.0

/// A door that can be locked once it was opened.
machine Door {
  var opens: Int = 0
  invariant opens >= 0
  states Closed, Open, Locked, Ghost
  initial Closed
  final Locked
  Closed -> Open on open do opens = opens + 1
  Open -> Closed on close
  Closed -> Locked on lock when opens > 0 && opens < 10
  Ghost -> Open on open
  Locked -> Closed on unlock
}
";

const EXAMPLES: &[&str] = &["order-fulfilment", "catalog-sync", "subscription-billing/v1", "subscription-billing/v2"];

/// The verdicts the passes decided themselves (the machines pass among them once it runs).
fn decided(spec: &Spec) -> Vec<(Obligation, Verdict)> {
    lp_check::obligations(spec)
        .into_iter()
        .filter_map(|ob| match &ob.goal {
            Goal::Decided(v) => {
                let v = v.clone();
                Some((ob, v))
            }
            _ => None,
        })
        .collect()
}

fn ids(spec: &Spec) -> Vec<MachineId> {
    (0..spec.machines.len()).map(|i| MachineId(i as u32)).collect()
}

/// A `machines/*` obligation of `Door` with a verdict, pointing at `span`.
fn door_obligation(
    spec: &Spec,
    id: &str,
    kind: &'static str,
    span: lp_diagnostics::Span,
    v: Verdict,
) -> (Obligation, Verdict) {
    let ob = Obligation {
        id: format!("machines/machine.Door/{id}"),
        pass: Pass::Machines,
        kind,
        claim: format!("Door: {id}"),
        file: FileId(0),
        span,
        method: Method::Bounded,
        goal: Goal::Decided(v.clone()),
        report: Report {
            code: lp_diagnostics::codes::UNDECIDED,
            message: "violated".to_string(),
            label: "here".to_string(),
            secondary: Vec::new(),
            help: None,
        },
    };
    let _ = spec;
    (ob, v)
}

/// Verdicts as the machines pass would give them for `Door`: `Open` is reachable, `Ghost`
/// not (with a proof), the deadlock of `Open` fails with a trace, the invariant holds up to a
/// depth, and the guard of `lock` is refuted on the `Closed -> Locked` transition.
fn door_results(spec: &Spec) -> Vec<(Obligation, Verdict)> {
    let m = &spec.machines[0];
    let state = |name: &str| m.states.iter().find(|s| s.name == name).expect("state").span;
    let trace = vec![
        TraceStep { state: "Closed".into(), event: Some("open".into()), vars: vec![("opens".into(), "0".into())] },
        TraceStep { state: "Open".into(), event: None, vars: vec![("opens".into(), "1".into())] },
    ];
    let failed = |summary: &str, trace: Vec<TraceStep>| Verdict::Failed {
        counterexample: Counterexample { summary: summary.to_string(), bindings: Vec::new(), trace },
    };
    vec![
        door_obligation(
            spec,
            "reachable.Open",
            "reachable",
            state("Open"),
            Verdict::Proved { method: Method::Structural },
        ),
        door_obligation(
            spec,
            "reachable.Ghost",
            "reachable",
            state("Ghost"),
            failed("no trace reaches `Ghost`", vec![]),
        ),
        door_obligation(spec, "deadlock.Open", "deadlock", state("Open"), failed("no exit is enabled", trace)),
        door_obligation(spec, "invariant.0", "invariant", m.span, Verdict::Bounded { depth: 1000 }),
        door_obligation(spec, "guard.lock", "determinism", m.transitions[2].span, failed("opens = 10", vec![])),
    ]
}

/// The quoted node and edge statements of a DOT text.
fn dot_statements(text: &str) -> (Vec<String>, Vec<(String, String, String)>) {
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for line in text.lines().map(str::trim) {
        if !line.starts_with('"') {
            continue;
        }
        let quoted: Vec<&str> = line.split('"').collect();
        if line.contains("\" -> \"") {
            let label = line.split("label=\"").nth(1).map(|l| l.split('"').next().unwrap_or("")).unwrap_or("");
            edges.push((quoted[1].to_string(), quoted[3].to_string(), label.to_string()));
        } else {
            nodes.push(quoted[1].to_string());
        }
    }
    (nodes, edges)
}

/// Every state is a node, the initial state has an entry arrow, every transition is an edge
/// whose label starts with its event, and the text is balanced.
fn assert_dot_structure(spec: &Spec, id: MachineId, text: &str, prefix: &str) {
    let m = &spec.machines[id.index()];
    let (nodes, edges) = dot_statements(text);
    for s in &m.states {
        assert!(nodes.contains(&format!("{prefix}{}", s.name)), "{}: no node for `{}`\n{text}", m.name, s.name);
    }
    for t in &m.transitions {
        let from = format!("{prefix}{}", m.states[t.from.index()].name);
        let to = format!("{prefix}{}", m.states[t.to.index()].name);
        let event = &m.events[t.event.index()].name;
        assert!(
            edges.iter().any(|(f, t2, l)| *f == from && *t2 == to && l.starts_with(event.as_str())),
            "{}: no edge {from} -> {to} on {event}\n{text}",
            m.name
        );
    }
    if let Some(init) = m.initial {
        let to = format!("{prefix}{}", m.states[init.index()].name);
        assert!(edges.iter().any(|(f, t, _)| *f == format!("{prefix}[*]") && *t == to), "{text}");
    }
    for f in &m.finals {
        let line = format!("\"{prefix}{}\" [", m.states[f.index()].name);
        assert!(text.lines().any(|l| l.trim().starts_with(&line) && l.contains("peripheries=2")), "{text}");
    }
    assert_eq!(text.matches('{').count(), text.matches('}').count(), "unbalanced braces\n{text}");
    for line in text.lines() {
        let unescaped = line.replace("\\\"", "");
        assert_eq!(unescaped.matches('"').count() % 2, 0, "unbalanced quotes: {line}");
        let t = line.trim();
        assert!(t.ends_with(';') || t.ends_with('{') || t == "}", "not a complete statement: {line}");
    }
}

/// Every transition is a `A --> B : label` line and every final state has an arrow to `[*]`.
fn assert_mermaid_structure(spec: &Spec, id: MachineId, text: &str) {
    let m = &spec.machines[id.index()];
    assert_eq!(text.lines().next(), Some("stateDiagram-v2"));
    for t in &m.transitions {
        let line = format!("{} --> {} : ", m.states[t.from.index()].name, m.states[t.to.index()].name);
        let event = &m.events[t.event.index()].name;
        assert!(
            text.lines().any(|l| l.trim().starts_with(&line) && l.contains(event.as_str())),
            "{}: no transition line `{line}{event}`\n{text}",
            m.name
        );
    }
    if let Some(init) = m.initial {
        assert!(text.contains(&format!("[*] --> {}\n", m.states[init.index()].name)), "{text}");
    }
    for f in &m.finals {
        assert!(text.contains(&format!("{} --> [*]\n", m.states[f.index()].name)), "{text}");
    }
    for s in &m.states {
        assert!(text.lines().any(|l| l.split_whitespace().any(|w| w == s.name)), "no `{}`\n{text}", s.name);
    }
}

/// Runs Graphviz over a DOT text when it is installed.
fn dot_accepts(text: &str) -> Option<Result<(), String>> {
    use std::io::Write as _;
    let mut child = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write to dot");
    let out = child.wait_with_output().expect("dot runs");
    Some(if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) })
}

#[test]
fn examples_diagrams_snapshots() {
    for dir in EXAMPLES {
        let spec = example(dir);
        for id in ids(&spec) {
            let name = &spec.machines[id.index()].name;
            let tag = format!("{}__{name}", dir.replace('/', "_"));
            let dot = diagram::diagram(&spec, &[id], &[], DiagramFormat::Dot);
            let mermaid = diagram::diagram(&spec, &[id], &[], DiagramFormat::Mermaid);
            insta::assert_snapshot!(format!("{tag}.dot"), dot);
            insta::assert_snapshot!(format!("{tag}.mmd"), mermaid);
        }
    }
}

#[test]
fn examples_state_machines_yaml_snapshots() {
    for dir in EXAMPLES {
        let spec = example(dir);
        let yaml = lp_check::reports::state_machines_yaml(&spec, &[]);
        let doc: yaml_serde::Value = yaml_serde::from_str(&yaml).expect("valid YAML");
        assert_eq!(doc["state_machines"].as_mapping().map(|m| m.len()), Some(spec.machines.len()));
        insta::assert_snapshot!(format!("{}.state-machines", dir.replace('/', "_")), yaml);
    }
}

/// Whatever the passes decide (with or without the machines pass), the examples' diagrams
/// keep their structure, are deterministic, and show no unreachable state.
#[test]
fn examples_diagrams_structure_with_verdicts() {
    for dir in EXAMPLES {
        let spec = example(dir);
        let results = decided(&spec);
        for id in ids(&spec) {
            let dot = diagram::diagram(&spec, &[id], &results, DiagramFormat::Dot);
            let mermaid = diagram::diagram(&spec, &[id], &results, DiagramFormat::Mermaid);
            assert_eq!(dot, diagram::diagram(&spec, &[id], &results, DiagramFormat::Dot));
            assert_dot_structure(&spec, id, &dot, "");
            assert_mermaid_structure(&spec, id, &mermaid);
            let facts = MachineFacts::new(&spec, id, &results).expect("machine");
            assert!(facts.structurally_reachable.iter().all(|&r| r), "{dir}: {:?}", facts.reach);
            assert!(!dot.contains("unreachable state"), "{dir}: an example machine has an unreachable state\n{dot}");
            match dot_accepts(&dot) {
                Some(r) => r.expect("Graphviz accepts the DOT text"),
                None => eprintln!("note: Graphviz `dot` is not installed; DOT syntax checked structurally only"),
            }
        }
        let all = diagram::all_machines(&spec, &results, DiagramFormat::Dot);
        for id in ids(&spec) {
            let prefix =
                if spec.machines.len() > 1 { format!("{}.", spec.machines[id.index()].name) } else { String::new() };
            let (nodes, _) = dot_statements(&all);
            assert!(spec.machines[id.index()].states.iter().all(|s| nodes.contains(&format!("{prefix}{}", s.name))));
        }
        if let Some(r) = dot_accepts(&all) {
            r.expect("Graphviz accepts the combined DOT text");
        }
    }
}

#[test]
fn unreachable_state_structural() {
    let spec = common::spec(DOOR);
    let id = MachineId(0);
    let facts = MachineFacts::new(&spec, id, &[]).expect("machine");
    assert_eq!(facts.structurally_reachable, [true, true, true, false]);
    // The exit from the final state `Locked` is a violation.
    assert_eq!(facts.transition_violation, [false, false, false, false, true]);
    let dot = diagram::diagram(&spec, &[id], &[], DiagramFormat::Dot);
    let mermaid = diagram::diagram(&spec, &[id], &[], DiagramFormat::Mermaid);
    assert_dot_structure(&spec, id, &dot, "");
    assert_mermaid_structure(&spec, id, &mermaid);
    assert!(dot.contains("\"Ghost\" [color=red, fontcolor=red, style=\"rounded,dashed\"]"), "{dot}");
    assert!(dot.contains("cluster_legend"), "{dot}");
    assert!(mermaid.contains("class Ghost unreachable"), "{mermaid}");
    assert!(mermaid.contains("⚠ unlock"), "{mermaid}");
    insta::assert_snapshot!("door.dot", dot);
    insta::assert_snapshot!("door.mmd", mermaid);
    insta::assert_snapshot!("door.state-machines", lp_check::reports::state_machines_yaml(&spec, &[]));
    if let Some(r) = dot_accepts(&dot) {
        r.expect("Graphviz accepts the DOT text");
    }
}

/// The machines pass's verdicts override the structural search (a guard makes `Locked`
/// unreachable... here `Ghost` is refuted and `Open` proved), and failed obligations mark the
/// state or transition their span points at; the report carries the trace.
#[test]
fn verdicts_highlight_violations_and_fill_the_report() {
    let spec = common::spec(DOOR);
    let id = MachineId(0);
    let results = door_results(&spec);
    let facts = MachineFacts::new(&spec, id, &results).expect("machine");
    assert_eq!(facts.results.len(), 5);
    assert_eq!(facts.state_violation, [false, true, false, false]);
    assert_eq!(facts.transition_violation, [false, false, true, false, true]);
    let dot = diagram::diagram(&spec, &[id], &results, DiagramFormat::Dot);
    assert!(dot.contains("\"Open\" [color=red, fontcolor=red, penwidth=2]"), "{dot}");
    assert!(
        dot.contains(
            "\"Closed\" -> \"Locked\" [label=\"lock [opens > 0 && opens < 10]\", color=red, fontcolor=red, \
             style=bold, penwidth=2]"
        ),
        "{dot}"
    );
    assert!(dot.contains("\"Ghost\" -> \"Open\" [label=\"open\", color=gray50"), "{dot}");
    let mermaid = diagram::diagram(&spec, &[id], &results, DiagramFormat::Mermaid);
    assert!(mermaid.contains("Closed --> Locked : ⚠ lock [opens #gt; 0 && opens #lt; 10]"), "{mermaid}");
    insta::assert_snapshot!("door_verdicts.dot", dot);
    insta::assert_snapshot!("door_verdicts.mmd", mermaid);
    let yaml = lp_check::reports::state_machines_yaml(&spec, &results);
    let doc: yaml_serde::Value = yaml_serde::from_str(&yaml).expect("valid YAML");
    let door = &doc["state_machines"]["Door"];
    assert_eq!(door["initial_state"].as_str(), Some("Closed"));
    assert_eq!(door["transitions"][2]["guard"].as_str(), Some("opens > 0 && opens < 10"));
    assert_eq!(door["transitions"][0]["actions"][0].as_str(), Some("opens = opens + 1"));
    let v = &door["validation"];
    assert_eq!(v["reachability"]["unreachable"][0].as_str(), Some("Ghost"));
    assert_eq!(v["obligations"][2]["trace"][0]["event"].as_str(), Some("open"));
    assert_eq!(v["obligations"][2]["trace"][1]["vars"]["opens"].as_str(), Some("1"));
    assert_eq!(v["obligations"][3]["depth"].as_u64(), Some(1000));
    assert_eq!(v["violations_found"].as_bool(), Some(true));
    insta::assert_snapshot!("door_verdicts.state-machines", yaml);
}

/// Several machines in one diagram: one cluster (DOT) or composite state (Mermaid) each, with
/// ids that cannot collide.
#[test]
fn combined_diagram_of_two_machines() {
    let text = format!(
        "{DOOR}\nmachine Lamp {{\n  initial Off\n  final Broken\n  Off -> On on toggle\n  On -> Off on toggle\n  On -> Broken on smash\n}}\n"
    );
    let spec = common::spec(&text);
    let dot = diagram::all_machines(&spec, &[], DiagramFormat::Dot);
    assert!(dot.starts_with("digraph \"door\" {"), "{dot}");
    assert!(dot.contains("subgraph \"cluster_Door\"") && dot.contains("subgraph \"cluster_Lamp\""), "{dot}");
    assert_dot_structure(&spec, MachineId(0), &dot, "Door.");
    assert_dot_structure(&spec, MachineId(1), &dot, "Lamp.");
    let mermaid = diagram::all_machines(&spec, &[], DiagramFormat::Mermaid);
    assert!(mermaid.contains("  state Lamp {\n    state \"Off\" as Lamp__Off\n"), "{mermaid}");
    assert!(mermaid.contains("    Lamp__On --> Lamp__Broken : smash\n"), "{mermaid}");
    assert!(mermaid.contains("class Door__Ghost unreachable"), "{mermaid}");
    if let Some(r) = dot_accepts(&dot) {
        r.expect("Graphviz accepts the combined DOT text");
    }
}

/// A transition whose guard never holds in a complete exploration is drawn as never taken and
/// listed in the report, even without the machines pass's verdicts.
#[test]
fn never_enabled_transition_from_the_exploration() {
    let spec = common::spec(
        "machine Gate {\n  var n: Int = 0\n  initial Shut\n  final Gone\n  Shut -> Ajar on push when n < 1 do n = n + 1\n  \
         Ajar -> Gone on leave\n  Shut -> Gone on jump when n > 5\n}\n",
    );
    let facts = MachineFacts::new(&spec, MachineId(0), &[]).expect("machine");
    assert!(facts.explored);
    assert_eq!(facts.never_enabled, [false, false, true]);
    let dot = diagram::diagram(&spec, &[MachineId(0)], &[], DiagramFormat::Dot);
    assert!(
        dot.contains("\"Shut\" -> \"Gone\" [label=\"jump [n > 5]\", color=gray50, fontcolor=gray50, style=dashed];"),
        "{dot}"
    );
    let mermaid = diagram::diagram(&spec, &[MachineId(0)], &[], DiagramFormat::Mermaid);
    assert!(mermaid.contains("Shut --> Gone : (never taken) jump [n #gt; 5]\n"), "{mermaid}");
    let yaml = lp_check::reports::state_machines_yaml(&spec, &[]);
    let doc: yaml_serde::Value = yaml_serde::from_str(&yaml).expect("valid YAML");
    let v = &doc["state_machines"]["Gate"]["validation"];
    assert_eq!(v["never_enabled_transitions"][0].as_str(), Some("Shut -> Gone on jump"));
    assert_eq!(v["reachability"]["method"].as_str(), Some("exhaustive exploration"));
}

/// With the verdicts the machines pass decides itself, the report lists the machine's
/// obligations and `Ghost` is unreachable by the pass's own verdict.
#[test]
fn report_with_the_machines_pass_verdicts() {
    let spec = common::spec(DOOR);
    let results = decided(&spec);
    let yaml = lp_check::reports::state_machines_yaml(&spec, &results);
    let doc: yaml_serde::Value = yaml_serde::from_str(&yaml).expect("valid YAML");
    let v = &doc["state_machines"]["Door"]["validation"];
    let obligations = v["obligations"].as_sequence().expect("a list");
    let ghost = obligations
        .iter()
        .find(|o| o["id"].as_str() == Some("machines/machine.Door/reachable.Ghost"))
        .expect("the machines pass checks the reachability of `Ghost`");
    assert_eq!(ghost["verdict"].as_str(), Some("failed"), "{yaml}");
    assert_eq!(v["reachability"]["method"].as_str(), Some("machines pass"));
    assert_eq!(v["reachability"]["unreachable"][0].as_str(), Some("Ghost"));
    assert_eq!(v["violations_found"].as_bool(), Some(true));
    let dot = diagram::diagram(&spec, &[MachineId(0)], &results, DiagramFormat::Dot);
    assert_dot_structure(&spec, MachineId(0), &dot, "");
    assert!(dot.contains("\"Ghost\" [color=red"), "{dot}");
}
