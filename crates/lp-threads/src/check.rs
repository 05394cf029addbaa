//! `threads check`: the linter of a workspace's threads and canvas. Every rule reports an
//! `LP9nnn` diagnostic pointing at the file and line at fault.

use crate::canvas::{self, normalize_status, parse_change};
use crate::doc::{Doc, scalar_text};
use crate::impact::{Policy, same_score};
use crate::workspace::{STAGES, TYPES, Thread, Workspace};
use jiff::civil::Date;
use lp_diagnostics::{Code, Diagnostic, Span, codes};
use std::collections::BTreeSet;
use yaml_serde::Value;

pub const THREAD_STATUSES: [&str; 5] = ["draft", "active", "in_review", "completed", "archived"];
pub const SOURCES: [&str; 5] = ["merchant-feedback", "metric", "market", "team", "external"];
pub const IMPACTS: [&str; 4] = ["low", "medium", "high", "critical"];
/// `proposed` is a decision written and waiting for its approval; LeanOS has only the other three.
pub const DECISION_STATUSES: [&str; 4] = ["proposed", "accepted", "rejected", "deferred"];
pub const ACTION_STATUSES: [&str; 5] = ["pending", "in_progress", "blocked", "completed", "archived"];
pub const VALIDATION_RESULTS: [&str; 3] = ["success", "partial", "failure"];
/// Days each stage may take after the previous one (LeanOS's SLAs: 24 h, 2 d, 3 d, 1 week,
/// 2 d, 7 d).
pub const STAGE_SLA_DAYS: [i32; 6] = [1, 2, 3, 7, 2, 7];

/// The decisions a thread type allows in Stage 4.
pub fn decisions(kind: &str) -> &'static [&'static str] {
    match kind {
        "business" => &["BUILD", "PIVOT", "SCALE", "HOLD"],
        "engineering" => &["BUILD", "REFACTOR", "DEFER", "KILL"],
        "sales" => &["PURSUE", "PASS"],
        "marketing" => &["LAUNCH", "TEST", "HOLD"],
        _ => &[],
    }
}

/// The known Stage 5 action types, `domain:verb`.
pub const ACTION_TYPES: &[(&str, &[&str])] = &[
    ("sales", &["lead-intake", "qualification", "demo", "pilot", "close"]),
    ("campaign", &["prospect-list", "email-sequence", "response-handling", "deal-create"]),
    ("marketing", &["research", "create", "publish", "promote", "measure"]),
    ("engineering", &["architecture", "backend", "frontend", "infrastructure", "validate"]),
];

pub fn known_action(kind: &str) -> bool {
    kind.split_once(':').is_some_and(|(d, v)| ACTION_TYPES.iter().any(|(dd, vs)| *dd == d && vs.contains(&v)))
}

/// A strict `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    if s.len() != 10 {
        return None;
    }
    s.parse::<Date>().ok()
}

/// A thread's Stage 4 decision, scored by the policy.
#[derive(Debug, Clone)]
pub struct DecisionInfo {
    pub decision: String,
    pub status: String,
    pub date: Option<Date>,
    pub score: Option<f64>,
    pub needs_human: bool,
    pub approved_by: Option<String>,
    pub summary: String,
}

/// Reads a thread's decision (if it has a Stage 4) and scores it; `None` score when the
/// inputs are incomplete or there is no policy.
pub fn decision_info(t: &Thread, policy: Option<&Policy>) -> Option<DecisionInfo> {
    let doc = t.stages.get(&4)?;
    let decision = doc.get_text("decision").unwrap_or_default().to_ascii_uppercase();
    let inputs = match doc.get("impact_inputs") {
        Some(Value::Mapping(m)) => Some(m),
        _ => None,
    };
    let score = policy.and_then(|p| p.score(inputs).ok());
    let needs_human = match (policy, score) {
        (Some(p), Some(s)) => p.needs_human(s, &decision),
        // Unscored decisions go to a human too.
        _ => true,
    };
    let summary = doc
        .section(&["Decision", "Commitment"])
        .and_then(|i| {
            let r = doc.block_range(i);
            let body = doc.text[doc.headings[i].range.end..r.end].trim();
            body.lines().find(|l| !l.trim().is_empty()).map(|l| l.trim().to_string())
        })
        .unwrap_or_else(|| doc.title());
    Some(DecisionInfo {
        decision,
        status: doc.get_text("status").unwrap_or_default(),
        date: doc.get_text("date").as_deref().and_then(parse_date),
        score,
        needs_human,
        approved_by: doc.get_text("approved_by").filter(|s| !s.trim().is_empty()),
        summary,
    })
}

/// When a thread's next stage is late: `(stage, due date, days late)`.
pub fn overdue(t: &Thread, today: Date) -> Option<(u8, Date, i32)> {
    let status = t.metadata_text("status").unwrap_or_default();
    if !matches!(status.as_str(), "draft" | "active" | "in_review") {
        return None;
    }
    if let Some(d) = t.stages.get(&4)
        && d.get_text("status").as_deref() == Some("rejected")
    {
        return None;
    }
    let last = (1..=6u8).rev().find(|n| t.stages.contains_key(n) || (*n == 5 && t.actions_dir));
    let (next, since) = match last {
        Some(6) => return None,
        Some(n) => (n + 1, t.stages.get(&n)?.get_text("date").as_deref().and_then(parse_date)?),
        None => (1, t.metadata_text("created").as_deref().and_then(parse_date)?),
    };
    let due = since.checked_add(jiff::Span::new().days(STAGE_SLA_DAYS[next as usize - 1])).ok()?;
    let late = due.until(today).ok()?.get_days();
    (today > due).then_some((next, due, late))
}

struct Ctx<'a> {
    ws: &'a Workspace,
    policy: Option<Policy>,
    ids: Option<BTreeSet<String>>,
    out: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn at(&mut self, code: Code, doc: &Doc, span: Span, msg: String, label: &str) -> &mut Diagnostic {
        self.out.push(Diagnostic::new(code, msg).at(doc.file, span, label));
        self.out.last_mut().expect("just pushed")
    }

    /// Reports the YAML error of a front matter; returns whether it could be read.
    fn readable(&mut self, doc: &Doc, what: &str) -> bool {
        if let Some(fm) = &doc.front
            && let Some((msg, at)) = fm.error.clone()
        {
            let end = crate::doc::line_end(&doc.text, at.min(doc.text.len()));
            self.at(codes::THREAD_INVALID_FIELD, doc, Span::new(at, end.max(at)), format!("{what}: {msg}"), "here");
            return false;
        }
        true
    }

    fn require(&mut self, doc: &Doc, key: &str, what: &str) -> Option<String> {
        match doc.get(key) {
            None | Some(Value::Null) => {
                let span = doc.key_span(key);
                self.at(
                    codes::THREAD_MISSING_FIELD,
                    doc,
                    span,
                    format!("{what} has no `{key}`"),
                    "in this front matter",
                )
                .help = Some(format!("add a `{key}:` line"));
                None
            }
            Some(v) => match scalar_text(v) {
                Some(s) => Some(s),
                None => {
                    let span = doc.key_span(key);
                    self.at(codes::THREAD_INVALID_FIELD, doc, span, format!("`{key}` must be a single value"), "here");
                    None
                }
            },
        }
    }

    fn one_of(&mut self, doc: &Doc, key: &str, value: &str, allowed: &[&str]) -> bool {
        if allowed.contains(&value) {
            return true;
        }
        let span = doc.key_span(key);
        self.at(codes::THREAD_INVALID_ENUM, doc, span, format!("`{key}: {value}` is not allowed"), "here").help =
            Some(format!("use one of: {}", allowed.join(", ")));
        false
    }

    fn date(&mut self, doc: &Doc, key: &str, value: &str) -> Option<Date> {
        let d = parse_date(value);
        if d.is_none() {
            let span = doc.key_span(key);
            self.at(codes::THREAD_INVALID_FIELD, doc, span, format!("`{key}: {value}` is not a date"), "here").help =
                Some("write dates as YYYY-MM-DD".into());
        }
        d
    }

    fn assumption_exists(&mut self, doc: &Doc, id: &str, span: Span) {
        if let Some(ids) = &self.ids
            && !ids.contains(id)
        {
            self.at(
                codes::THREAD_UNKNOWN_ASSUMPTION,
                doc,
                span,
                format!("assumption `{id}` is not in `strategy/canvas/10-assumptions.md`"),
                "unknown assumption",
            )
            .help = Some(format!("add `### {id}: ...` to the canvas, or mark a new hypothesis `**Status:** 🆕NEW`"));
        }
    }
}

/// Checks every thread of the workspace (or only those in `only`, by index) and the canvas.
pub fn check(ws: &Workspace, today: Option<Date>, only: Option<&[usize]>) -> Vec<Diagnostic> {
    let mut cx = Ctx { ws, policy: None, ids: None, out: Vec::new() };
    check_mode(&mut cx);
    check_canvas(&mut cx);
    for (i, t) in ws.threads.iter().enumerate() {
        if only.is_some_and(|o| !o.contains(&i)) {
            continue;
        }
        check_thread(&mut cx, t, today);
    }
    let mut out = cx.out;
    lp_diagnostics::sort(&mut out);
    out
}

fn check_mode(cx: &mut Ctx) {
    let Some(doc) = &cx.ws.mode else {
        cx.out.push(
            Diagnostic::new(
                codes::INVALID_MODE_FILE,
                "the workspace has no `strategy/canvas/00-business-model-mode.md`",
            )
            .with_help("create it with front matter `mode: BOOTSTRAP` (or VENTURE, HYBRID)"),
        );
        return;
    };
    if !cx.readable(doc, "the mode file") {
        return;
    }
    match Policy::from_mode_file(doc) {
        Ok(p) => cx.policy = Some(p),
        Err((key, msg)) => {
            let span = if doc.key_span(&key).is_empty() { doc.key_span("impact") } else { doc.key_span(&key) };
            let span = if span.is_empty() { doc.nested_key_span("impact", &key) } else { span };
            cx.at(codes::INVALID_MODE_FILE, doc, span, format!("the business model mode file {msg}"), "here");
        }
    }
}

fn check_canvas(cx: &mut Ctx) {
    let Some(doc) = &cx.ws.canvas else {
        cx.out.push(
            Diagnostic::new(codes::INVALID_CANVAS, "the workspace has no `strategy/canvas/10-assumptions.md`")
                .with_help("create it with one `### A1: title` entry per assumption"),
        );
        return;
    };
    let mut ids = BTreeSet::new();
    let mut first: Vec<(String, Span)> = Vec::new();
    for a in canvas::assumptions(doc) {
        let span = Span::new(a.heading.start, a.heading.end);
        if let Some((_, prev)) = first.iter().find(|(id, _)| *id == a.id) {
            let prev = *prev;
            let d = cx.at(
                codes::DUPLICATE_ASSUMPTION,
                doc,
                span,
                format!("assumption `{}` is defined twice", a.id),
                "again here",
            );
            *d = d.clone().with_secondary(doc.file, prev, "first defined here");
        } else {
            first.push((a.id.clone(), span));
        }
        ids.insert(a.id.clone());
        match &a.status {
            None => {
                cx.at(
                    codes::INVALID_CANVAS,
                    doc,
                    span,
                    format!("assumption `{}` has no `**Status:**` line", a.id),
                    "here",
                );
            }
            Some((raw, None, r)) => {
                cx.at(
                    codes::INVALID_CANVAS,
                    doc,
                    Span::new(r.start, r.end),
                    format!("`{raw}` is not an assumption status"),
                    "here",
                )
                .help = Some("use 📝DRAFT, ⏳TESTING, ✅VALIDATED, ⚠️CHALLENGED or ❌INVALIDATED".into());
            }
            Some(_) => {}
        }
        match &a.confidence {
            None => {
                cx.at(
                    codes::INVALID_CANVAS,
                    doc,
                    span,
                    format!("assumption `{}` has no `**Confidence:**` line", a.id),
                    "here",
                );
            }
            Some((None, raw, r)) => {
                cx.at(
                    codes::INVALID_CANVAS,
                    doc,
                    Span::new(r.start, r.end),
                    format!("`{raw}` is not a confidence"),
                    "here",
                )
                .help = Some("write a percentage from 0% to 100%".into());
            }
            Some(_) => {}
        }
    }
    cx.ids = Some(ids);
}

fn check_thread(cx: &mut Ctx, t: &Thread, today: Option<Date>) {
    let meta_stage = check_metadata(cx, t);
    // Stages present, without gaps, up to the metadata's stage.
    let present = |n: u8| t.stages.contains_key(&n) || (n == 5 && t.actions_dir);
    let highest = (1..=6u8).rev().find(|n| present(*n)).unwrap_or(0);
    let upto = highest.max(meta_stage.unwrap_or(0));
    for (n, name, files) in STAGES {
        if n <= upto && !present(n) {
            let file = if n == 5 { "5-actions.md` or `5-actions/" } else { files[0] };
            let msg = if meta_stage.is_some_and(|m| m >= n) {
                format!("thread `{}` is at stage {} but has no stage {n} ({name}): `{file}` is missing", t.rel, upto)
            } else {
                format!("thread `{}` has stage {highest} but no stage {n} ({name}): `{file}` is missing", t.rel)
            };
            let mut d = Diagnostic::new(codes::THREAD_MISSING_STAGE, msg);
            if let Some(m) = &t.metadata {
                d = d.at(m.file, m.key_span("stage"), "the thread's stage");
            }
            cx.out.push(d);
        }
    }
    if let (Some(m), Some(doc)) = (meta_stage, &t.metadata)
        && highest > m
    {
        let span = doc.key_span("stage");
        cx.at(
            codes::THREAD_STAGE_OUT_OF_ORDER,
            doc,
            span,
            format!("`stage: {m}` but thread `{}` already has stage {highest}", t.rel),
            "out of date",
        )
        .help = Some(format!("set `stage: {highest}` (and `updated:`)"));
    }
    let mut prev_date: Option<(u8, Date)> = None;
    for (n, doc) in &t.stages {
        // An unreadable front matter is reported once; the stage's other rules wait for it.
        let Some(d) = check_stage_common(cx, t, *n, doc) else { continue };
        if let (Some(d), Some((pn, pd))) = (d, prev_date)
            && d < pd
        {
            let span = doc.key_span("date");
            cx.at(
                codes::THREAD_STAGE_OUT_OF_ORDER,
                doc,
                span,
                format!("stage {n} is dated {d}, before stage {pn} ({pd})"),
                "earlier than the previous stage",
            );
        }
        if let Some(d) = d {
            prev_date = Some((*n, d));
        }
        match n {
            1 => check_input(cx, doc),
            2 => check_hypothesis(cx, doc),
            3 => {
                if let Some(v) = cx.require(doc, "impact", "stage 3") {
                    cx.one_of(doc, "impact", &v, &IMPACTS);
                }
            }
            4 => check_decision(cx, t, doc),
            6 => check_learning(cx, doc),
            _ => {}
        }
    }
    check_actions(cx, t);
    if let Some(today) = today
        && let Some((n, due, late)) = overdue(t, today)
    {
        let name = STAGES[n as usize - 1].1;
        let mut d = Diagnostic::new(
            codes::OVERDUE_STAGE,
            format!(
                "thread `{}`: stage {n} ({name}) was due on {due}, {late} day{} ago",
                t.rel,
                if late == 1 { "" } else { "s" }
            ),
        );
        if let Some(m) = &t.metadata {
            d = d.at(m.file, m.key_span("stage"), "the thread's stage");
        }
        cx.out.push(d);
    }
}

/// Checks `metadata.yaml`; returns its `stage`.
fn check_metadata(cx: &mut Ctx, t: &Thread) -> Option<u8> {
    let Some(doc) = &t.metadata else {
        cx.out.push(
            Diagnostic::new(codes::THREAD_MISSING_METADATA, format!("thread `{}` has no `metadata.yaml`", t.rel))
                .with_help(format!(
                    "run `leanos-prove threads new {} {}` in an empty folder to see one",
                    t.kind, t.name
                )),
        );
        return None;
    };
    if !cx.readable(doc, "metadata.yaml") {
        return None;
    }
    for key in ["thread_id", "owner"] {
        cx.require(doc, key, "metadata.yaml");
    }
    if let Some(v) = cx.require(doc, "type", "metadata.yaml")
        && cx.one_of(doc, "type", &v, &TYPES)
        && v != t.kind
    {
        let span = doc.key_span("type");
        cx.at(
            codes::THREAD_INVALID_ENUM,
            doc,
            span,
            format!("`type: {v}` but the thread is under `threads/{}/`", t.kind),
            "here",
        );
    }
    if let Some(v) = cx.require(doc, "status", "metadata.yaml") {
        cx.one_of(doc, "status", &v, &THREAD_STATUSES);
    }
    for key in ["created", "updated"] {
        if let Some(v) = cx.require(doc, key, "metadata.yaml") {
            cx.date(doc, key, &v);
        }
    }
    if let Some(Value::Number(n)) = doc.get("impact_score")
        && !n.as_f64().is_some_and(|x| (0.0..=1.0).contains(&x))
    {
        let span = doc.key_span("impact_score");
        cx.at(codes::THREAD_INVALID_FIELD, doc, span, format!("`impact_score: {n}` is outside 0–1"), "here");
    }
    if let Some(v) = doc.get("canvas_assumptions") {
        match v {
            Value::Sequence(items) => {
                for id in items.iter().filter_map(scalar_text) {
                    let span = doc.key_span("canvas_assumptions");
                    cx.assumption_exists(doc, &id, span);
                }
            }
            Value::Null => {}
            _ => {
                let span = doc.key_span("canvas_assumptions");
                cx.at(
                    codes::THREAD_INVALID_FIELD,
                    doc,
                    span,
                    "`canvas_assumptions` must be a list of ids".into(),
                    "here",
                );
            }
        }
    }
    let stage = cx.require(doc, "stage", "metadata.yaml")?;
    match stage.parse::<u8>() {
        Ok(n) if (1..=6).contains(&n) => Some(n),
        _ => {
            let span = doc.key_span("stage");
            cx.at(
                codes::THREAD_INVALID_FIELD,
                doc,
                span,
                format!("`stage: {stage}` is not a stage from 1 to 6"),
                "here",
            );
            None
        }
    }
}

/// The fields every stage file has; returns the stage's date, or `None` when the front
/// matter is missing or unreadable.
fn check_stage_common(cx: &mut Ctx, t: &Thread, n: u8, doc: &Doc) -> Option<Option<Date>> {
    let what = format!("stage {n}");
    if doc.front.is_none() {
        cx.at(
            codes::THREAD_MISSING_FIELD,
            doc,
            Span::new(0, 0),
            format!("{what} has no front matter"),
            "expected a `---` block here",
        )
        .help = Some("start the file with `---`, the lines `thread:`, `stage:`, `date:`, `owner:`, and `---`".into());
        return None;
    }
    if !cx.readable(doc, &what) {
        return None;
    }
    if let Some(v) = cx.require(doc, "thread", &what)
        && v != t.name
    {
        let span = doc.key_span("thread");
        cx.at(
            codes::THREAD_INVALID_FIELD,
            doc,
            span,
            format!("`thread: {v}` does not name this thread's folder `{}`", t.name),
            "here",
        );
    }
    if let Some(v) = cx.require(doc, "stage", &what)
        && v.trim() != n.to_string()
    {
        let span = doc.key_span("stage");
        cx.at(codes::THREAD_STAGE_OUT_OF_ORDER, doc, span, format!("`stage: {v}` in the file of stage {n}"), "here");
    }
    cx.require(doc, "owner", &what);
    let date = cx.require(doc, "date", &what);
    Some(date.and_then(|d| cx.date(doc, "date", &d)))
}

fn check_input(cx: &mut Ctx, doc: &Doc) {
    if let Some(v) = cx.require(doc, "source", "stage 1") {
        cx.one_of(doc, "source", &v, &SOURCES);
    }
    let Some(sec) = doc.section(&["Facts", "Observation", "Observations", "Raw data"]) else {
        let span = Span::new(doc.body_start, crate::doc::line_end(&doc.text, doc.body_start));
        cx.at(codes::THREAD_MISSING_SECTION, doc, span, "stage 1 has no `## Facts` section".into(), "expected here")
            .help = Some("list the observed facts, one per line: `- fact (source: where, YYYY-MM-DD)`".into());
        return;
    };
    let r = doc.section_range(sec);
    let items: Vec<_> = doc.items_in(&r).cloned().collect();
    if items.is_empty() {
        let h = doc.headings[sec].range.clone();
        cx.at(
            codes::THREAD_MISSING_SECTION,
            doc,
            Span::new(h.start, h.end),
            "stage 1 lists no facts".into(),
            "empty",
        )
        .help = Some("list the observed facts, one per line: `- fact (source: where, YYYY-MM-DD)`".into());
    }
    for it in items {
        let has_source = it.has_link || it.text.to_ascii_lowercase().contains("source:");
        let has_date = it.text.split(|c: char| !(c.is_ascii_digit() || c == '-')).any(|w| parse_date(w).is_some());
        if !has_source || !has_date {
            let missing = match (has_source, has_date) {
                (false, false) => "a source and a date",
                (false, true) => "a source",
                _ => "a date",
            };
            let end = crate::doc::line_end(&doc.text, it.range.start);
            cx.at(
                codes::THREAD_FACT_WITHOUT_SOURCE,
                doc,
                Span::new(it.range.start, end),
                format!("this fact lacks {missing}"),
                "fact",
            )
            .help = Some("write `(source: where it comes from, YYYY-MM-DD)` or link the source".into());
        }
    }
}

fn check_hypothesis(cx: &mut Ctx, doc: &Doc) {
    cx.require(doc, "canvas_section", "stage 2");
    let mut any = false;
    for (i, h) in doc.headings.iter().enumerate() {
        let Some(id) = canvas::heading_id(&h.text) else { continue };
        any = true;
        let span = Span::new(h.range.start, h.range.end);
        let block = doc.block_range(i);
        let status =
            doc.field_in(&block, "Status").map(|f| (f.value.clone(), normalize_status(&f.value), f.line.clone()));
        if let Some((raw, None, line)) = &status {
            cx.at(
                codes::THREAD_INVALID_ENUM,
                doc,
                Span::new(line.start, line.end),
                format!("`{raw}` is not an assumption status"),
                "here",
            )
            .help = Some("use ✅VALIDATED, ⚠️CHALLENGED, ❌INVALIDATED or 🆕NEW".into());
        }
        let is_new = matches!(&status, Some((_, Some("NEW"), _)));
        if !is_new {
            cx.assumption_exists(doc, id, span);
        }
        match doc.field_in(&block, "Confidence") {
            Some(f) if parse_change(&f.value).is_some() => {}
            Some(f) if is_new && canvas::parse_percent(&f.value).is_some() => {}
            Some(f) => {
                let line = f.line.clone();
                cx.at(
                    codes::THREAD_MISSING_CONFIDENCE_CHANGE,
                    doc,
                    Span::new(line.start, line.end),
                    format!("`{}` does not say how assumption `{id}`'s confidence changed", f.value),
                    "here",
                )
                .help = Some("write `**Confidence:** 40% → 60%` (previous → new)".into());
            }
            None => {
                cx.at(
                    codes::THREAD_MISSING_CONFIDENCE_CHANGE,
                    doc,
                    span,
                    format!("assumption `{id}` has no `**Confidence:**` change"),
                    "here",
                )
                .help = Some("add `**Confidence:** 40% → 60%` (previous → new)".into());
            }
        }
    }
    if !any {
        let span = Span::new(doc.body_start, crate::doc::line_end(&doc.text, doc.body_start));
        cx.at(
            codes::THREAD_MISSING_SECTION,
            doc,
            span,
            "stage 2 names no assumption".into(),
            "expected an assumption here",
        )
        .help = Some("add one `### A1: title` heading per canvas assumption this thread tests".into());
    }
}

fn check_decision(cx: &mut Ctx, t: &Thread, doc: &Doc) {
    let status = cx.require(doc, "status", "stage 4");
    if let Some(s) = &status {
        cx.one_of(doc, "status", s, &DECISION_STATUSES);
    }
    let decision = cx.require(doc, "decision", "stage 4").map(|d| d.to_ascii_uppercase());
    if let Some(d) = &decision {
        let allowed = decisions(&t.kind);
        if !allowed.contains(&d.as_str()) {
            let span = doc.key_span("decision");
            cx.at(
                codes::THREAD_DECISION_NOT_ALLOWED,
                doc,
                span,
                format!("`{d}` is not a decision of a {} thread", t.kind),
                "here",
            )
            .help = Some(format!("a {} thread decides one of: {}", t.kind, allowed.join(", ")));
        }
    }
    // Alternatives: list items of the section, else its sub-headings.
    let (count, span) = match doc.section(&["Alternatives", "Alternatives considered", "Options"]) {
        Some(sec) => {
            let r = doc.section_range(sec);
            let items = doc.items_in(&r).count();
            let n = if items > 0 { items } else { doc.children(sec).len() };
            let h = &doc.headings[sec].range;
            (n, Span::new(h.start, h.end))
        }
        None => (0, Span::new(doc.body_start, crate::doc::line_end(&doc.text, doc.body_start))),
    };
    if count < 2 {
        cx.at(
            codes::THREAD_TOO_FEW_ALTERNATIVES,
            doc,
            span,
            format!(
                "the decision lists {count} alternative{}; at least two are required",
                if count == 1 { "" } else { "s" }
            ),
            "here",
        )
        .help = Some("add a `## Alternatives` section with one list item per option that was considered".into());
    }
    // The impact score.
    let Some(policy) = cx.policy.clone() else { return };
    let inputs = match doc.get("impact_inputs") {
        Some(Value::Mapping(m)) => Some(m),
        _ => None,
    };
    let score = match policy.score(inputs) {
        Ok(s) => s,
        Err(problems) => {
            let span = if inputs.is_some() { doc.key_span("impact_inputs") } else { doc.key_span("impact_score") };
            let (name, ws) = policy.active();
            let needed: Vec<&str> = ws.iter().map(|(n, _)| n.as_str()).collect();
            let mut d = Diagnostic::new(
                codes::INVALID_IMPACT_INPUT,
                format!("the impact inputs cannot be scored by the {name} formula: {}", problems.join(", ")),
            )
            .at(doc.file, span, "here")
            .with_help(format!("set `impact_inputs:` with {} (each from 0 to 1)", needed.join(", ")));
            d = d.with_note(format!("the policy in force is {}", policy.formula()));
            cx.out.push(d);
            return;
        }
    };
    let decision = decision.unwrap_or_default();
    let needs_human = policy.needs_human(score, &decision);
    match doc.get("impact_score") {
        None => {
            let span = doc.key_span("impact_score");
            cx.at(
                codes::THREAD_MISSING_FIELD,
                doc,
                span,
                "stage 4 has no `impact_score`".into(),
                "in this front matter",
            )
            .help = Some(format!("add `impact_score: {score:.2}`"));
        }
        Some(v) => match v.as_f64() {
            Some(stored) if same_score(stored, score) => {}
            Some(stored) => {
                let span = doc.key_span("impact_score");
                let d = cx.at(
                    codes::IMPACT_SCORE_MISMATCH,
                    doc,
                    span,
                    format!("`impact_score: {stored}` but the impact inputs score {score:.2}"),
                    "stored score",
                );
                d.notes.push(format!("computed by {}", policy.formula()));
                d.help = Some(format!("set `impact_score: {score:.2}`, or correct `impact_inputs`"));
            }
            None => {
                let span = doc.key_span("impact_score");
                cx.at(codes::THREAD_INVALID_FIELD, doc, span, "`impact_score` must be a number".into(), "here");
            }
        },
    }
    if let Some(Value::Bool(flagged)) = doc.get("human_flagged")
        && *flagged != needs_human
    {
        let span = doc.key_span("human_flagged");
        cx.at(
            codes::IMPACT_SCORE_MISMATCH,
            doc,
            span,
            format!(
                "`human_flagged: {flagged}` but the policy says {needs_human} (score {score:.2}, threshold {:.2})",
                policy.threshold
            ),
            "stored flag",
        )
        .help = Some(format!("set `human_flagged: {needs_human}`"));
    }
    if let Some(meta) = &t.metadata
        && let Some(stored) = meta.get("impact_score").and_then(Value::as_f64)
        && !same_score(stored, score)
    {
        let span = meta.key_span("impact_score");
        cx.at(
            codes::IMPACT_SCORE_MISMATCH,
            meta,
            span,
            format!("`impact_score: {stored}` but the decision's impact inputs score {score:.2}"),
            "stored score",
        )
        .help = Some(format!("set `impact_score: {score:.2}`"));
    }
    let approved = doc.get_text("approved_by").is_some_and(|s| !s.trim().is_empty());
    if needs_human && status.as_deref() == Some("accepted") && !approved {
        let span = doc.key_span("status");
        let why = if score >= policy.threshold - 1e-9 {
            format!("its impact score {score:.2} is at or above the threshold {:.2}", policy.threshold)
        } else {
            format!("`{decision}` decisions always need a human")
        };
        cx.at(
            codes::APPROVAL_REQUIRED,
            doc,
            span,
            format!("the decision is accepted without a human approval, but {why}"),
            "accepted here",
        )
        .help = Some(
            "record who approved it with `approved_by: NAME`, or set `status: deferred` until someone does".into(),
        );
    }
}

fn check_actions(cx: &mut Ctx, t: &Thread) {
    let has_stage5 = t.stages.contains_key(&5) || t.actions_dir;
    if !has_stage5 {
        return;
    }
    for (_, doc) in &t.action_files {
        if doc.front.is_none() {
            cx.at(
                codes::THREAD_MISSING_FIELD,
                doc,
                Span::new(0, 0),
                "this action has no front matter".into(),
                "expected `---` here",
            )
            .help =
                Some("start the file with `---`, `type: domain:verb`, `status:`, `owner:`, `due_date:`, `---`".into());
            continue;
        }
        if !cx.readable(doc, "the action") {
            continue;
        }
        if doc.get("status").is_none() {
            let span = doc.key_span("status");
            cx.at(
                codes::THREAD_ACTION_MISSING_STATUS,
                doc,
                span,
                "this action has no `status`".into(),
                "in this front matter",
            )
            .help = Some(format!("add `status:` with one of {}", ACTION_STATUSES.join(", ")));
        }
        cx.require(doc, "type", "the action");
        cx.require(doc, "owner", "the action");
        if let Some(v) = cx.require(doc, "due_date", "the action") {
            cx.date(doc, "due_date", &v);
        }
    }
    let actions = t.actions();
    if actions.is_empty() {
        let (doc, span) = match t.stages.get(&5) {
            Some(d) => (d, Span::new(d.body_start, crate::doc::line_end(&d.text, d.body_start))),
            None => {
                cx.out.push(Diagnostic::new(
                    codes::THREAD_MISSING_SECTION,
                    format!("thread `{}` has an empty `5-actions/` folder", t.rel),
                ));
                return;
            }
        };
        cx.at(
            codes::THREAD_MISSING_SECTION,
            doc,
            span,
            "stage 5 lists no action".into(),
            "expected `## Actions` here",
        )
        .help = Some("add a `## Actions` section with one `### domain:verb title` heading per action".into());
        return;
    }
    for a in actions {
        let Some(doc) = doc_of(t, a.file) else { continue };
        if let Some(kind) = &a.kind
            && !known_action(kind)
        {
            let all: Vec<String> = ACTION_TYPES.iter().map(|(d, vs)| format!("{d}:{}", vs.join("|"))).collect();
            cx.at(
                codes::THREAD_UNKNOWN_ACTION_TYPE,
                doc,
                a.span,
                format!("`{kind}` is not a known action type"),
                "here",
            )
            .help = Some(format!("use one of {}", all.join(", ")));
        }
        match &a.status {
            Some(s) => {
                let s = s.trim();
                if !ACTION_STATUSES.contains(&s) {
                    let span = if a.path.is_some() { doc.key_span("status") } else { a.span };
                    cx.at(
                        codes::THREAD_INVALID_ENUM,
                        doc,
                        span,
                        format!("action status `{s}` is not allowed"),
                        "here",
                    )
                    .help = Some(format!("use one of: {}", ACTION_STATUSES.join(", ")));
                }
            }
            None if a.path.is_none() => {
                cx.at(
                    codes::THREAD_ACTION_MISSING_STATUS,
                    doc,
                    a.span,
                    "this action has no `**Status:**` line".into(),
                    "here",
                )
                .help = Some(format!("add `**Status:**` with one of {}", ACTION_STATUSES.join(", ")));
            }
            None => {}
        }
        if let (Some(kind), Some(project)) = (&a.kind, &a.project)
            && kind.starts_with("engineering:")
            && !cx.ws.fs.exists(&cx.ws.root.join(project))
        {
            let span = if a.path.is_some() { doc.key_span("project") } else { a.span };
            cx.at(
                codes::MISSING_SPEC_PROJECT,
                doc,
                span,
                format!("the spec project `{project}` does not exist (paths are relative to the workspace root)"),
                "here",
            );
        }
        if let Some(last) = a.log.last()
            && last.failed()
        {
            let span = doc
                .headings
                .iter()
                .rev()
                .find(|h| h.text.contains(&last.date))
                .map(|h| Span::new(h.range.start, h.range.end))
                .unwrap_or(a.span);
            cx.at(
                codes::GATE_FAILED,
                doc,
                span,
                format!("the last run of `{}` failed: {} on {}: {}", a.id, last.what, last.date, last.summary),
                "failed run",
            )
            .help = Some(format!("fix the spec project, then run `leanos-prove threads run {}` again", t.rel));
        }
    }
}

fn doc_of(t: &Thread, file: lp_diagnostics::FileId) -> Option<&Doc> {
    t.action_files.iter().map(|(_, d)| d).chain(t.stages.values()).find(|d| d.file == file)
}

fn check_learning(cx: &mut Ctx, doc: &Doc) {
    if let Some(v) = cx.require(doc, "validation_result", "stage 6") {
        cx.one_of(doc, "validation_result", &v, &VALIDATION_RESULTS);
    }
    let updates = match doc.get("canvas_updates") {
        Some(Value::Sequence(items)) if !items.is_empty() => items.clone(),
        _ => {
            let span = doc.key_span("canvas_updates");
            cx.at(codes::THREAD_MISSING_CANVAS_UPDATE, doc, span, "stage 6 records no canvas update".into(), "here")
                .help = Some(
                "list what was learned as `canvas_updates:` entries with `assumption`, `status`, `confidence`".into(),
            );
            return;
        }
    };
    for u in updates {
        let Value::Mapping(m) = u else {
            let span = doc.key_span("canvas_updates");
            cx.at(codes::THREAD_INVALID_FIELD, doc, span, "a canvas update must be a mapping".into(), "here");
            continue;
        };
        let Some(id) = m.get("assumption").and_then(scalar_text) else {
            let span = doc.key_span("canvas_updates");
            cx.at(codes::THREAD_MISSING_FIELD, doc, span, "a canvas update has no `assumption`".into(), "here");
            continue;
        };
        let span = doc.nested_key_span("canvas_updates", "assumption");
        let span = find_value_span(doc, &id).unwrap_or(span);
        cx.assumption_exists(doc, &id, span);
        match m.get("status").and_then(scalar_text) {
            Some(s) if normalize_status(&s).is_some() => {}
            Some(s) => {
                cx.at(
                    codes::THREAD_INVALID_ENUM,
                    doc,
                    span,
                    format!("`status: {s}` of `{id}` is not an assumption status"),
                    "here",
                )
                .help = Some("use VALIDATED, INVALIDATED, CHALLENGED, TESTING or DRAFT".into());
            }
            None => {
                cx.at(
                    codes::THREAD_MISSING_FIELD,
                    doc,
                    span,
                    format!("the canvas update of `{id}` has no `status`"),
                    "here",
                );
            }
        }
        match m.get("confidence") {
            Some(v) if v.as_u64().is_some_and(|n| n <= 100) => {}
            Some(v) => {
                let text = scalar_text(v).unwrap_or_default();
                cx.at(
                    codes::THREAD_INVALID_FIELD,
                    doc,
                    span,
                    format!("`confidence: {text}` of `{id}` is not a percentage from 0 to 100"),
                    "here",
                );
            }
            None => {
                cx.at(
                    codes::THREAD_MISSING_FIELD,
                    doc,
                    span,
                    format!("the canvas update of `{id}` has no `confidence`"),
                    "here",
                );
            }
        }
    }
}

/// The span of `assumption: ID` inside the front matter.
fn find_value_span(doc: &Doc, id: &str) -> Option<Span> {
    let fm = doc.front.as_ref()?;
    let yaml = &doc.text[fm.yaml.clone()];
    let needle = format!("assumption: {id}");
    let i = yaml.find(&needle)?;
    Some(Span::new(fm.yaml.start + i, fm.yaml.start + i + needle.len()))
}
