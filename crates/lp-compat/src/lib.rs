//! Version compatibility: the diff of two specs by named rules, the classification of each
//! change per category of consumer, suppressions (`allow`), and the obligations of `migrate`
//! blocks.
//!
//! The flow is in two steps around the solver, which this crate does not run:
//!
//! 1. [`plan`] diffs the specs ([`diff::diff`]), turns each refinement comparison into
//!    obligations against the new spec ([`Plan::questions`]) and, when the new spec has
//!    `migrate` blocks, builds their obligations against a workspace spec
//!    ([`migrate::Workspace`]).
//! 2. The caller discharges both lists (the driver does it through its verdict cache), and
//!    [`finish`] turns the verdicts into the [`Report`]: every change with its status
//!    (compatible, allowed, migrated or breaking), the migration verdicts and diagnostics
//!    (`LP5001`–`LP5008`).
//!
//! Architecture invariant: no z3, no files, no processes (the round-trip property tests of
//! [`test_round_trips`] are the one check run here); same specs and seed, same report.

pub mod diff;
pub mod migrate;
pub mod output;
pub mod roundtrip;
pub mod rules;

pub use diff::{Change, Diff, diff};
pub use rules::{Category, Rule};

use lp_check::{Goal, Method, Obligation, Pass, Report as ObReport, Verdict};
use lp_diagnostics::{Diagnostic, FileId, Severity, codes};
use lp_ir::Spec;
use lp_syntax::ast::{self, SourceFileAst};

/// One version of a spec, as the diff sees it.
#[derive(Debug, Clone, Copy)]
pub struct Version<'a> {
    pub spec: &'a Spec,
    /// The parsed files (the migration workspace is built from them).
    pub files: &'a [(FileId, &'a SourceFileAst)],
}

/// What [`plan`] leaves for the solver.
#[derive(Debug, Clone)]
pub struct Plan {
    pub diff: Diff,
    /// For each question of the diff, in order: the "keeps" obligation and, when there is one,
    /// the "admits" obligation. Discharge against the new spec.
    pub questions: Vec<Obligation>,
    /// Migration obligations and their workspace spec; `None` without `migrate` blocks.
    pub workspace: Option<migrate::Workspace>,
}

/// Diffs `old` against `new` and collects what z3 must decide.
pub fn plan(old: Version<'_>, new: Version<'_>) -> Plan {
    let diff = diff::diff(old.spec, new.spec);
    let mut questions = Vec::new();
    for q in &diff.questions {
        let ob = |goal, kind: &'static str, claim: String| Obligation {
            id: format!("versions/refinement.{}/{kind}", q.path),
            pass: Pass::Versions,
            kind,
            claim,
            file: q.new.map(|l| l.file).unwrap_or(FileId(0)),
            span: q.new.map(|l| l.span).unwrap_or_default(),
            method: Method::Smt,
            goal: Goal::Smt(goal),
            report: ObReport {
                code: codes::BREAKING_CHANGE,
                message: String::new(),
                label: String::new(),
                secondary: Vec::new(),
                help: None,
            },
        };
        questions.push(ob(
            q.keeps.clone(),
            "keeps",
            format!("every value `{}` accepted before is still accepted", q.path),
        ));
        if let Some(a) = &q.admits {
            questions.push(ob(a.clone(), "admits", format!("every value `{}` accepts was accepted before", q.path)));
        }
    }
    let workspace = migrate::workspace((old.spec, old.files), (new.spec, new.files));
    Plan { diff, questions, workspace }
}

/// What became of a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Compatible in every category.
    Compatible,
    /// Breaking, accepted by an `allow` with this reason.
    Allowed(String),
    /// Breaking, handled by a `migrate` rule.
    Migrated,
    /// Breaking and not handled: an error.
    Breaking,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Compatible => "compatible",
            Status::Allowed(_) => "allowed",
            Status::Migrated => "migrated",
            Status::Breaking => "breaking",
        }
    }
}

/// The outcome of a compatibility check.
#[derive(Debug, Clone)]
pub struct Report {
    pub changes: Vec<(Change, Status)>,
    /// Every migration obligation with its verdict.
    pub migrations: Vec<(Obligation, Verdict)>,
    pub diagnostics: Vec<Diagnostic>,
    /// The migration workspace's spec (the new version's types, the previous version's changed
    /// types with the `Prev` prefix, one typed function per rule; see [`migrate`]), when the new
    /// version has `migrate` blocks. Code generators print the migrations from it.
    pub workspace: Option<Spec>,
}

impl Report {
    /// Whether the new version may replace the old one.
    pub fn is_ok(&self) -> bool {
        !self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Whether a forward rule's value reads `old.FIELD`.
fn reads_old(e: &ast::Expr, field: &str) -> bool {
    use ast::ExprKind as K;
    match &e.kind {
        K::Field { base, field: f } => {
            matches!(&base.kind, K::Name(n) if n.text == "old") && f.text == field || reads_old(base, field)
        }
        K::Call { args, .. } | K::List(args) => args.iter().any(|a| reads_old(a, field)),
        K::Unary { operand, .. } => reads_old(operand, field),
        K::Binary { lhs, rhs, .. } => reads_old(lhs, field) || reads_old(rhs, field),
        K::Match { scrutinee, arms } => reads_old(scrutinee, field) || arms.iter().any(|a| reads_old(&a.body, field)),
        K::Paren(inner) => reads_old(inner, field),
        K::Record { fields, .. } => fields.iter().filter_map(|f| f.value.as_ref()).any(|v| reads_old(v, field)),
        K::With { base, fields } => {
            reads_old(base, field) || fields.iter().filter_map(|f| f.value.as_ref()).any(|v| reads_old(v, field))
        }
        K::Exists { key, .. } => key.iter().any(|k| reads_old(k, field)),
        K::Quantified { body, .. } => reads_old(body, field),
        K::Count { filter, .. } => filter.as_deref().is_some_and(|f| reads_old(f, field)),
        K::Int(_) | K::Decimal(_) | K::Str(_) | K::Bool(_) | K::Name(_) | K::Invalid => false,
    }
}

/// Whether a `migrate` rule of `new` handles a change at `path` (`Type.field`).
fn migrated(new: &Spec, change: &Change) -> bool {
    let mut parts = change.path.splitn(2, '.');
    let (Some(ty), Some(field)) = (parts.next(), parts.next()) else { return false };
    if field.contains('.') {
        return false; // Variant and error payloads have no migration rules.
    }
    new.migrations.iter().flat_map(|m| &m.rules).any(|r| {
        r.ty == ty
            && if change.rule == rules::FIELD_REMOVED {
                (r.back && r.field == field) || (!r.back && reads_old(&r.value, field))
            } else {
                !r.back && r.field == field
            }
    })
}

/// Replaces the `unknown` verdicts of round-trip obligations (z3 could not decide them) by the
/// verdict of property tests: `cases` generated previous values, replayable with `seed`.
/// `migration_verdicts` follow the workspace's obligations.
pub fn test_round_trips(plan: &Plan, migration_verdicts: &mut [Verdict], cases: u32, seed: u64) {
    let Some(ws) = &plan.workspace else { return };
    for (ob, v) in ws.obligations.iter().zip(migration_verdicts.iter_mut()) {
        if !matches!(v, Verdict::Unknown { .. }) {
            continue;
        }
        if let Some(rt) = ws.round_trips.iter().find(|rt| rt.obligation == ob.id) {
            *v = roundtrip::test(&ws.spec, rt, cases, seed);
        }
    }
}

/// Turns the verdicts into the report. `question_verdicts` follow [`Plan::questions`] and
/// `migration_verdicts` the workspace's obligations.
pub fn finish(plan: Plan, new: &Spec, question_verdicts: &[Verdict], migration_verdicts: &[Verdict]) -> Report {
    let Plan { diff, questions, workspace } = plan;
    let mut changes = diff.changes;
    // The answers to the refinement questions.
    let mut verdicts = question_verdicts.iter();
    for q in &diff.questions {
        let keeps = verdicts.next();
        let admits = if q.admits.is_some() { verdicts.next() } else { None };
        let detail = |v: Option<&Verdict>| match v {
            Some(Verdict::Failed { counterexample }) => Some(counterexample.summary.clone()),
            Some(Verdict::Unknown { reason }) => Some(format!("not decided ({reason}), so taken as changed")),
            Some(_) => None,
            None => Some("not decided, so taken as changed".into()),
        };
        if let Some(note) = detail(keeps) {
            changes.push(Change {
                rule: q.narrowed,
                path: q.path.clone(),
                message: if q.narrowed == rules::INVARIANT_NARROWED {
                    format!("the invariants of `{}` reject variable values they accepted", q.path)
                } else {
                    format!("the refinement of `{}` rejects values it accepted", q.path)
                },
                old: q.old,
                new: q.new,
                note: Some(note),
            });
        } else if q.admits.is_some()
            && let Some(note) = detail(admits)
        {
            changes.push(Change {
                rule: rules::REFINEMENT_WIDENED,
                path: q.path.clone(),
                message: format!("the refinement of `{}` accepts values it rejected", q.path),
                old: q.old,
                new: q.new,
                note: Some(note),
            });
        }
    }
    let _ = questions;
    let mut diagnostics = Vec::new();
    let mut used = vec![false; new.allows.len()];
    for (i, a) in new.allows.iter().enumerate() {
        if rules::Rule::lookup(&a.rule).is_none() {
            used[i] = true;
            let near = rules::ALL.iter().find(|r| r.id.eq_ignore_ascii_case(&a.rule) || r.id.contains(a.rule.as_str()));
            let mut d = Diagnostic::new(
                codes::UNKNOWN_COMPAT_RULE,
                format!("`{}` is not a compatibility rule", a.rule),
            )
            .at(a.file, a.span, "unknown rule");
            if let Some(r) = near {
                d = d.with_help(format!("did you mean `{}`?", r.id));
            } else {
                d = d.with_help("`leanos-prove diff` lists rule ids; the book's versions page has the table");
            }
            diagnostics.push(d);
        }
    }
    let has_migration = !new.migrations.is_empty();
    let mut out = Vec::new();
    for c in changes {
        let status = if !c.rule.is_breaking() {
            Status::Compatible
        } else if let Some(i) = new.allows.iter().position(|a| a.rule == c.rule.id && a.target.join(".") == c.path) {
            used[i] = true;
            Status::Allowed(new.allows[i].reason.clone())
        } else if c.rule.remedy == rules::Remedy::Migration && migrated(new, &c) {
            Status::Migrated
        } else {
            Status::Breaking
        };
        if status == Status::Breaking {
            diagnostics.push(breaking_diagnostic(&c, has_migration));
        }
        out.push((c, status));
    }
    for (i, a) in new.allows.iter().enumerate() {
        if !used[i] {
            diagnostics.push(
                Diagnostic::new(
                    codes::UNUSED_ALLOW,
                    format!("`allow {} on {}` suppresses nothing", a.rule, a.target.join(".")),
                )
                .at(a.file, a.span, "no such change between the versions")
                .with_help("remove it, or fix the rule id or the path"),
            );
        }
    }
    let mut migrations = Vec::new();
    let mut workspace_spec = None;
    if let Some(ws) = workspace {
        workspace_spec = Some(ws.spec);
        diagnostics.extend(ws.diagnostics);
        for (ob, v) in ws.obligations.into_iter().zip(migration_verdicts.iter().cloned()) {
            if let Some(d) = lp_check::diagnostic_for(&ob, &v) {
                diagnostics.push(d);
            }
            migrations.push((ob, v));
        }
    }
    lp_diagnostics::sort(&mut diagnostics);
    Report { changes: out, migrations, diagnostics, workspace: workspace_spec }
}

fn breaking_diagnostic(c: &Change, has_migration: bool) -> Diagnostic {
    let state = matches!(c.rule.id, "STATE_REMOVED" | "MACHINE_REMOVED");
    let code = if state && has_migration { codes::STATE_NOT_MAPPED } else { codes::BREAKING_CHANGE };
    let cats: Vec<&str> = c.rule.breaks.iter().map(|c| c.as_str()).collect();
    let mut d = Diagnostic::new(code, format!("breaking change {}: {}", c.rule.id, c.message));
    d = match (c.new, c.old) {
        (Some(n), Some(o)) => {
            let label = if c.rule.id.ends_with("_REMOVED") { "removed from here" } else { "changed here" };
            d.at(n.file, n.span, label).with_secondary(o.file, o.span, "in the previous version")
        }
        (Some(n), None) => d.at(n.file, n.span, "added here"),
        (None, Some(o)) => d.at(o.file, o.span, "removed; it was here"),
        (None, None) => d,
    };
    d = d.with_note(format!("breaks {}", cats.join(", ")));
    if let Some(n) = &c.note {
        d = d.with_note(n.clone());
    }
    let help = if state && has_migration {
        "a migration maps record fields, not states: keep the state, or accept the loss with an `allow` and a reason"
            .to_string()
    } else if c.rule.remedy == rules::Remedy::Migration && !c.path.contains(char::is_whitespace) {
        format!("add a `migrate` rule for `{}`, or `allow {} on {} because \"...\"`", c.path, c.rule.id, c.path)
    } else {
        format!("`allow {} on {} because \"...\"` if the break is intended", c.rule.id, c.path)
    };
    d.with_help(help)
}

/// The severity a change's status gets in summaries.
pub fn severity(status: &Status) -> Option<Severity> {
    match status {
        Status::Breaking => Some(Severity::Error),
        _ => None,
    }
}
