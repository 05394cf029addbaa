//! State machine diagrams as Graphviz DOT and Mermaid (`stateDiagram-v2`) text.
//!
//! A diagram shows the initial state (an arrow from a start marker), the final states (a
//! double border in DOT, an arrow to `[*]` in Mermaid) and every transition labelled
//! `event [guard] / actions` in spec syntax. What [`MachineFacts`] knows is highlighted:
//! unreachable states (red and dashed), states and transitions that a failed obligation points
//! at (red and bold in DOT; in Mermaid, which cannot style the edges of a state diagram, a `⚠`
//! before the label and a class on the source state), and the transitions that can never be taken (out of an
//! unreachable state, or never enabled in a complete exploration: grey and dashed). DOT gets a legend when something is highlighted.
//!
//! The output is deterministic: machines, states and transitions in declaration order.

use super::machines::{MachineFacts, Reach, action_texts, event_name, guard_text, state_name};
use crate::obligation::{Obligation, Verdict};
use lp_ir::{Machine, MachineId, Spec, StateId, Transition};
use std::fmt::Write as _;

/// The diagram formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagramFormat {
    Dot,
    Mermaid,
}

/// The label of a transition: `event [guard] / action, action`.
pub fn transition_label(spec: &Spec, m: &Machine, t: &Transition) -> String {
    let mut label = event_name(m, t);
    if let Some(g) = guard_text(spec, m, t) {
        let _ = write!(label, " [{g}]");
    }
    let actions = action_texts(spec, m, t);
    if !actions.is_empty() {
        let _ = write!(label, " / {}", actions.join(", "));
    }
    label
}

/// The diagram of the machines `ids` (in that order) in `format`. One machine gives a plain
/// diagram; several give one diagram with a cluster (DOT) or composite state (Mermaid) per
/// machine. Ids that name no machine are skipped.
pub fn diagram(spec: &Spec, ids: &[MachineId], results: &[(Obligation, Verdict)], format: DiagramFormat) -> String {
    let facts: Vec<MachineFacts<'_>> = ids.iter().filter_map(|&id| MachineFacts::new(spec, id, results)).collect();
    match format {
        DiagramFormat::Dot => dot_text(spec, &facts),
        DiagramFormat::Mermaid => mermaid_text(spec, &facts),
    }
}

/// The DOT diagram of one machine, or `None` when there is no such machine.
pub fn machine_dot(spec: &Spec, id: MachineId, results: &[(Obligation, Verdict)]) -> Option<String> {
    spec.machines.get(id.index())?;
    Some(diagram(spec, &[id], results, DiagramFormat::Dot))
}

/// The Mermaid diagram of one machine, or `None` when there is no such machine.
pub fn machine_mermaid(spec: &Spec, id: MachineId, results: &[(Obligation, Verdict)]) -> Option<String> {
    spec.machines.get(id.index())?;
    Some(diagram(spec, &[id], results, DiagramFormat::Mermaid))
}

/// Every machine of the spec as one diagram.
pub fn all_machines(spec: &Spec, results: &[(Obligation, Verdict)], format: DiagramFormat) -> String {
    let ids: Vec<MachineId> = (0..spec.machines.len()).map(|i| MachineId(i as u32)).collect();
    diagram(spec, &ids, results, format)
}

/// A DOT quoted string.
fn dot_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// How a transition is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EdgeKind {
    Normal,
    /// It leaves an unreachable state, or its guard never holds, so it can never be taken.
    Dead,
    Violation,
}

fn edge_kind(f: &MachineFacts<'_>, i: usize, t: &Transition) -> EdgeKind {
    if f.transition_violation.get(i) == Some(&true) {
        EdgeKind::Violation
    } else if f.reach.get(t.from.index()) == Some(&Reach::Unreachable) || f.never_enabled.get(i) == Some(&true) {
        EdgeKind::Dead
    } else {
        EdgeKind::Normal
    }
}

fn is_final(m: &Machine, s: StateId) -> bool {
    m.finals.contains(&s)
}

fn dot_text(spec: &Spec, facts: &[MachineFacts<'_>]) -> String {
    let mut out = String::new();
    let single = facts.len() == 1;
    let title = match facts {
        [f] => f.machine.name.clone(),
        _ => spec.name.clone().unwrap_or_else(|| "machines".to_string()),
    };
    let _ = writeln!(out, "digraph {} {{", dot_quote(&title));
    out.push_str("  rankdir=LR;\n");
    out.push_str("  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=10];\n");
    let (mut unreachable, mut violation, mut dead) = (false, false, false);
    for f in facts {
        let m = f.machine;
        let (indent, prefix) = if single { ("  ", String::new()) } else { ("    ", format!("{}.", m.name)) };
        if !single {
            let _ = writeln!(out, "  subgraph {} {{", dot_quote(&format!("cluster_{}", m.name)));
            let _ = writeln!(out, "    label={};", dot_quote(&m.name));
        }
        let id = |s: StateId| dot_quote(&format!("{prefix}{}", state_name(m, s)));
        let start = dot_quote(&format!("{prefix}[*]"));
        if m.initial.is_some() {
            let _ = writeln!(out, "{indent}{start} [shape=point, width=0.15, label=\"\"];");
        }
        for (i, s) in m.states.iter().enumerate() {
            let sid = StateId(i as u32);
            let mut attrs = Vec::new();
            if !single {
                attrs.push(format!("label={}", dot_quote(&s.name)));
            }
            if is_final(m, sid) {
                attrs.push("peripheries=2".to_string());
            }
            if f.reach.get(i) == Some(&Reach::Unreachable) {
                unreachable = true;
                attrs.push("color=red, fontcolor=red, style=\"rounded,dashed\"".to_string());
            } else if f.state_violation.get(i) == Some(&true) {
                violation = true;
                attrs.push("color=red, fontcolor=red, penwidth=2".to_string());
            }
            if attrs.is_empty() {
                let _ = writeln!(out, "{indent}{};", id(sid));
            } else {
                let _ = writeln!(out, "{indent}{} [{}];", id(sid), attrs.join(", "));
            }
        }
        if let Some(init) = m.initial {
            let _ = writeln!(out, "{indent}{start} -> {};", id(init));
        }
        for (i, t) in m.transitions.iter().enumerate() {
            let mut attrs = vec![format!("label={}", dot_quote(&transition_label(spec, m, t)))];
            match edge_kind(f, i, t) {
                EdgeKind::Normal => {}
                EdgeKind::Dead => {
                    dead = true;
                    attrs.push("color=gray50, fontcolor=gray50, style=dashed".to_string());
                }
                EdgeKind::Violation => {
                    violation = true;
                    attrs.push("color=red, fontcolor=red, style=bold, penwidth=2".to_string());
                }
            }
            let _ = writeln!(out, "{indent}{} -> {} [{}];", id(t.from), id(t.to), attrs.join(", "));
        }
        if !single {
            out.push_str("  }\n");
        }
    }
    if unreachable || violation || dead {
        out.push_str("  subgraph \"cluster_legend\" {\n");
        out.push_str("    label=\"Legend\";\n    fontname=\"Helvetica\";\n    style=dotted;\n");
        if unreachable {
            out.push_str(
                "    \"legend unreachable\" [label=\"unreachable state\", color=red, fontcolor=red, \
                 style=\"rounded,dashed\"];\n",
            );
        }
        if violation {
            out.push_str("    \"legend violation from\" [shape=plaintext, label=\"\"];\n");
            out.push_str("    \"legend violation to\" [shape=plaintext, label=\"\"];\n");
            out.push_str(
                "    \"legend violation from\" -> \"legend violation to\" [label=\"violation\", color=red, \
                 fontcolor=red, style=bold, penwidth=2];\n",
            );
        }
        if dead {
            out.push_str("    \"legend dead from\" [shape=plaintext, label=\"\"];\n");
            out.push_str("    \"legend dead to\" [shape=plaintext, label=\"\"];\n");
            out.push_str(
                "    \"legend dead from\" -> \"legend dead to\" [label=\"never taken (never enabled, or \
                 from an unreachable state)\", color=gray50, fontcolor=gray50, style=dashed];\n",
            );
        }
        out.push_str("  }\n");
    }
    out.push_str("}\n");
    out
}

/// Text that Mermaid shows literally in a transition label or state description.
fn mermaid_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '#' => out.push_str("#35;"),
            ';' => out.push_str("#59;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '"' => out.push_str("#quot;"),
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn mermaid_text(spec: &Spec, facts: &[MachineFacts<'_>]) -> String {
    let mut out = String::from("stateDiagram-v2\n  direction LR\n");
    let single = facts.len() == 1;
    let mut unreachable_ids = Vec::new();
    let mut violation_ids = Vec::new();
    let mut dead = false;
    for f in facts {
        let m = f.machine;
        let (indent, prefix) = if single { ("  ", String::new()) } else { ("    ", format!("{}__", m.name)) };
        if !single {
            let _ = writeln!(out, "  state {} {{", m.name);
            for s in &m.states {
                let _ = writeln!(out, "{indent}state \"{}\" as {prefix}{}", mermaid_escape(&s.name), s.name);
            }
        }
        let id = |s: StateId| format!("{prefix}{}", state_name(m, s));
        if let Some(init) = m.initial {
            let _ = writeln!(out, "{indent}[*] --> {}", id(init));
        }
        for (i, s) in m.states.iter().enumerate() {
            if f.reach.get(i) == Some(&Reach::Unreachable) {
                unreachable_ids.push(format!("{prefix}{}", s.name));
            } else if f.state_violation.get(i) == Some(&true) {
                violation_ids.push(format!("{prefix}{}", s.name));
            }
            // A state without transitions or markers still needs to appear.
            let mentioned = m.initial.map(StateId::index) == Some(i)
                || m.finals.iter().any(|s| s.index() == i)
                || m.transitions.iter().any(|t| t.from.index() == i || t.to.index() == i);
            if single && !mentioned {
                let _ = writeln!(out, "{indent}{}", s.name);
            }
        }
        for (i, t) in m.transitions.iter().enumerate() {
            let mut label = mermaid_escape(&transition_label(spec, m, t));
            match edge_kind(f, i, t) {
                EdgeKind::Normal => {}
                EdgeKind::Dead => {
                    dead = true;
                    label = format!("(never taken) {label}");
                }
                EdgeKind::Violation => {
                    label = format!("⚠ {label}");
                    let from = id(t.from);
                    if !violation_ids.contains(&from) && !unreachable_ids.contains(&from) {
                        violation_ids.push(from);
                    }
                }
            }
            let _ = writeln!(out, "{indent}{} --> {} : {label}", id(t.from), id(t.to));
        }
        for &s in &m.finals {
            let _ = writeln!(out, "{indent}{} --> [*]", id(s));
        }
        if !single {
            out.push_str("  }\n");
        }
    }
    if !unreachable_ids.is_empty() || !violation_ids.is_empty() || dead {
        out.push_str(
            "  %% Legend: class unreachable = an unreachable state; class violation = a state a failed \
             property points at or a violating transition leaves; ⚠ = a violating transition; (never taken) = \
             a transition that is never enabled or leaves an unreachable state.\n",
        );
    }
    if !unreachable_ids.is_empty() {
        out.push_str("  classDef unreachable fill:#fdd,stroke:#c00,color:#c00,stroke-dasharray:5 5\n");
        let _ = writeln!(out, "  class {} unreachable", unreachable_ids.join(","));
    }
    if !violation_ids.is_empty() {
        out.push_str("  classDef violation stroke:#c00,stroke-width:3px,color:#c00\n");
        let _ = writeln!(out, "  class {} violation", violation_ids.join(","));
    }
    out
}
