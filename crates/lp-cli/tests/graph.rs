//! End-to-end tests of `leanos-prove graph`: formats, one machine or all, `-o`, unknown
//! machines (exit 2 with a suggestion), and SVG with and without Graphviz.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leanos-prove"))
        .args(args)
        .arg("--color")
        .arg("never")
        .current_dir(repo())
        .output()
        .expect("run leanos-prove")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A fresh scratch folder under the target directory.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

const FULFILMENT: &str = "spec-examples/order-fulfilment";

const DOOR: &str = "spec door version 1.0.0

machine Door {
  states Closed, Open, Ghost
  initial Closed
  final Open
  Closed -> Open on open
  Ghost -> Open on open
}
";

#[test]
fn dot_of_one_machine() {
    let o = run(&["graph", FULFILMENT, "--machine", "Payment"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.starts_with("digraph \"Payment\" {\n"), "{out}");
    assert!(out.contains("\"[*]\" -> \"Pending\";"), "{out}");
    assert!(out.contains("\"Pending\" -> \"Pending\" [label=\"decline [declines < 2] / declines = declines + 1\"];"));
    assert!(out.contains("\"Settled\" [peripheries=2];"), "{out}");
    assert!(!out.contains("Shipment"), "only the machine asked for");
    assert!(out.ends_with("}\n"));
}

#[test]
fn mermaid_of_every_machine() {
    let o = run(&["graph", FULFILMENT, "--format", "mermaid"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.starts_with("stateDiagram-v2\n"), "{out}");
    assert!(out.contains("  state Payment {\n") && out.contains("  state Shipment {\n"), "{out}");
    assert!(out.contains("Shipment__InTransit --> Shipment__Delivered : deliver\n"), "{out}");
    assert!(out.contains("Payment__Settled --> [*]\n"), "{out}");
}

#[test]
fn output_file() {
    let dir = scratch("graph-output");
    let file = dir.join("payment.mmd");
    let o = run(&["graph", FULFILMENT, "-m", "Payment", "--format", "mermaid", "-o", file.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(o.stdout.is_empty(), "the diagram goes to the file only");
    let written = std::fs::read_to_string(&file).expect("written");
    assert!(written.starts_with("stateDiagram-v2\n  direction LR\n  [*] --> Pending\n"), "{written}");
}

#[test]
fn unknown_machine_is_exit_2_with_a_suggestion() {
    let o = run(&["graph", FULFILMENT, "--machine", "Paymnet"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    let err = text(&o.stderr);
    assert!(err.contains("no state machine named `Paymnet`; did you mean `Payment`?"), "{err}");
    let o = run(&["graph", FULFILMENT, "--machine", "Zzz"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("the machines are `Payment`, `Shipment`"), "{}", text(&o.stderr));
}

#[test]
fn spec_without_machines_is_exit_2() {
    let dir = scratch("graph-none");
    std::fs::write(dir.join("a.adt"), "spec a version 1.0.0\ntype T = A | B\n").expect("write");
    let o = run(&["graph", dir.join("a.adt").to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("declares no state machine"), "{}", text(&o.stderr));
}

#[test]
fn missing_path_is_exit_2() {
    let o = run(&["graph", "no/such/dir"]);
    assert_eq!(o.status.code(), Some(2));
}

/// An unreachable state is highlighted. Once the machines pass reports it as an error the
/// status is 1; the diagram is printed either way.
#[test]
fn unreachable_state_is_highlighted() {
    let dir = scratch("graph-door");
    std::fs::write(dir.join("door.adt"), DOOR).expect("write");
    let o = run(&["graph", dir.join("door.adt").to_str().expect("utf-8")]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("\"Ghost\" [color=red, fontcolor=red, style=\"rounded,dashed\"];"), "{out}");
    assert!(out.contains("\"legend unreachable\""), "{out}");
    let o = run(&["graph", dir.join("door.adt").to_str().expect("utf-8"), "--format", "mermaid"]);
    assert!(text(&o.stdout).contains("class Ghost unreachable\n"), "{}", text(&o.stdout));
}

/// Without Graphviz on the PATH, `svg` is exit 2 naming the missing tool; with it, SVG.
#[test]
fn svg_needs_graphviz() {
    let o = Command::new(env!("CARGO_BIN_EXE_leanos-prove"))
        .args(["graph", FULFILMENT, "-m", "Payment", "--format", "svg", "--color", "never"])
        .current_dir(repo())
        .env("PATH", "")
        .output()
        .expect("run leanos-prove");
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    let err = text(&o.stderr);
    assert!(err.contains("Graphviz") && err.contains("`dot`") && err.contains("not installed"), "{err}");
    let have_dot = Command::new("dot").arg("-V").output().is_ok_and(|o| o.status.success());
    if have_dot {
        let o = run(&["graph", FULFILMENT, "-m", "Payment", "--format", "svg"]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        assert!(text(&o.stdout).contains("<svg"), "{}", text(&o.stdout));
    } else {
        eprintln!("note: Graphviz `dot` is not installed; only the missing-tool path was tested");
    }
}

/// The short form: `graph MACHINE` inside a project folder, and `graph PATH MACHINE`.
#[test]
fn machine_can_be_given_as_an_argument() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec-examples/order-fulfilment");
    let by_flag = std::process::Command::new(env!("CARGO_BIN_EXE_leanos-prove"))
        .args(["graph", ".", "--machine", "Payment"])
        .current_dir(&root)
        .output()
        .expect("run");
    let short = std::process::Command::new(env!("CARGO_BIN_EXE_leanos-prove"))
        .args(["graph", "Payment"])
        .current_dir(&root)
        .output()
        .expect("run");
    let two = std::process::Command::new(env!("CARGO_BIN_EXE_leanos-prove"))
        .args(["graph", ".", "Payment"])
        .current_dir(&root)
        .output()
        .expect("run");
    assert_eq!(by_flag.status.code(), Some(0), "{}", String::from_utf8_lossy(&by_flag.stderr));
    assert!(String::from_utf8_lossy(&by_flag.stdout).contains("digraph"));
    assert_eq!(short.stdout, by_flag.stdout);
    assert_eq!(two.stdout, by_flag.stdout);
    assert!(!String::from_utf8_lossy(&by_flag.stdout).contains("Shipment"), "only the named machine is drawn");
}
