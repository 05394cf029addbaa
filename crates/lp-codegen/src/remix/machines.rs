//! The transition tables of the spec's state machines (`app/machines.ts`): states, events,
//! guards and actions translated from the IR, for the UI to offer only enabled events.

use super::ts::{jsdoc, prop_key, ts_string, ts_type};
use super::zod::{Scope, print_expr, zod_type};
use lp_ir::text::{ExprNames, expr_text};
use lp_ir::{FnId, Machine, Spec};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// The initial state of a machine: the declared one, else the first state.
pub fn initial_state(m: &Machine) -> Option<&str> {
    m.initial.and_then(|s| m.states.get(s.index())).or_else(|| m.states.first()).map(|s| s.name.as_str())
}

/// `app/machines.ts`, the functions its guards call, and the guards or actions it could not
/// translate (`machine: text`).
pub fn machines_ts(spec: &Spec) -> (String, BTreeSet<FnId>, Vec<String>) {
    let mut calls = BTreeSet::new();
    let mut unsupported = Vec::new();
    let mut body = String::new();
    for m in &spec.machines {
        let name = &m.name;
        let list = |items: Vec<&str>| items.iter().map(|s| ts_string(s)).collect::<Vec<_>>().join(", ");
        let states = list(m.states.iter().map(|s| s.name.as_str()).collect());
        let events = list(m.events.iter().map(|e| e.name.as_str()).collect());
        let union = |s: &str| if s.is_empty() { "never".to_string() } else { s.replace(", ", " | ") };
        let _ = writeln!(body);
        body.push_str(&jsdoc(&m.docs, ""));
        let _ = writeln!(body, "export type {name}State = {};", union(&states));
        let _ = writeln!(body, "export type {name}Event = {};", union(&events));
        let vars: Vec<String> =
            m.vars.iter().map(|v| format!("{}: {}", prop_key(&v.name), ts_type(spec, &v.ty, "types.", &[]))).collect();
        let _ = writeln!(body, "export type {name}Vars = {{ {} }};", vars.join("; "));
        let schema: Vec<String> = m
            .vars
            .iter()
            .map(|v| format!("{}: {}", prop_key(&v.name), zod_type(spec, &v.ty, &[], "validators.")))
            .collect();
        let _ = writeln!(body, "const {name}VarsSchema = z.strictObject({{ {} }});", schema.join(", "));
        let scope = Scope { this: "self", vars: &m.vars };
        let mut init = Vec::new();
        for var in &m.vars {
            let p = print_expr(spec, scope, &var.init);
            calls.extend(p.calls);
            unsupported.extend(p.unsupported.into_iter().map(|u| format!("{name}.{}: {u}", var.name)));
            init.push(format!("{}: {}", prop_key(&var.name), p.text));
        }
        let _ = writeln!(body, "export const {name}: MachineDef<{name}State, {name}Event, {name}Vars> = {{");
        let _ = writeln!(body, "  name: {},", ts_string(name));
        let _ = writeln!(body, "  states: [{states}],");
        let _ = writeln!(body, "  events: [{events}],");
        let _ = writeln!(body, "  initial: {},", initial_state(m).map_or("\"\"".to_string(), ts_string));
        let finals: Vec<&str> =
            m.finals.iter().filter_map(|f| m.states.get(f.index())).map(|s| s.name.as_str()).collect();
        let _ = writeln!(body, "  finals: [{}],", list(finals));
        let _ = writeln!(body, "  initialVars: {{ {} }},", init.join(", "));
        let _ = writeln!(body, "  transitions: [");
        let names = ExprNames { vars: &m.vars, ..Default::default() };
        for t in &m.transitions {
            let from = m.states.get(t.from.index()).map_or("?", |s| s.name.as_str());
            let to = m.states.get(t.to.index()).map_or("?", |s| s.name.as_str());
            let event = m.events.get(t.event.index()).map_or("?", |e| e.name.as_str());
            let guard = match &t.guard {
                Some(g) => {
                    let p = print_expr(spec, scope, g);
                    calls.extend(p.calls);
                    unsupported.extend(
                        p.unsupported.into_iter().map(|u| format!("{name}: {}: {u}", expr_text(spec, names, g))),
                    );
                    format!("(v) => {}", p.text)
                }
                None => "() => true".to_string(),
            };
            let apply = if t.actions.is_empty() {
                "(v) => v".to_string()
            } else {
                let mut parts = vec!["...v".to_string()];
                for a in &t.actions {
                    let var = m.vars.get(a.var.index()).map_or("?", |v| v.name.as_str());
                    let p = print_expr(spec, scope, &a.value);
                    calls.extend(p.calls);
                    unsupported.extend(p.unsupported.into_iter().map(|u| format!("{name}.{var}: {u}")));
                    parts.push(format!("{}: {}", prop_key(var), p.text));
                }
                format!("(v) => ({{ {} }})", parts.join(", "))
            };
            let _ = writeln!(
                body,
                "    {{ from: {}, to: {}, event: {}, guard: {guard}, apply: {apply} }},",
                ts_string(from),
                ts_string(to),
                ts_string(event)
            );
        }
        let _ = writeln!(body, "  ],");
        let _ = writeln!(
            body,
            "  parseVars: (raw) => {{\n    const r = {name}VarsSchema.safeParse(raw);\n    return r.success ? r.data : null;\n  }},"
        );
        let _ = writeln!(body, "}};");
    }
    let mut out = String::from(
        "// Generated by leanos-prove; do not edit.\n// The transition table of every state machine of the spec: the UI offers an operation that fires\n// an event only when the event is enabled in the current state.\n\nimport { z } from \"zod\";\nimport type { MachineDef } from \"./lib/machine\";\nimport * as h from \"./lib/runtime\";\nimport type * as types from \"./api/types\";\nimport * as validators from \"./api/validators\";\n",
    );
    if !calls.is_empty() {
        out.push_str("import * as fns from \"./api/functions\";\n");
    }
    out.push_str("\nvoid h;\nvoid validators;\n");
    out.push_str(&body);
    out.push_str("\n/** Every machine by name. */\nexport const MACHINES = {");
    let names: Vec<String> = spec.machines.iter().map(|m| m.name.clone()).collect();
    let _ = writeln!(out, " {} }};", names.join(", "));
    out.push_str(
        "\n/** Guards and actions that could not be translated (they read as `true`); the backend decides. */\n",
    );
    let listed: Vec<String> = unsupported.iter().map(|u| format!("\n  {},", ts_string(u))).collect();
    let _ = writeln!(
        out,
        "export const UNTRANSLATED: readonly string[] = [{}{}];",
        listed.join(""),
        if listed.is_empty() { "" } else { "\n" }
    );
    (out, calls, unsupported)
}
