//! The canvas's `10-assumptions.md`: its entries (`### A1: title` with `**Status:**`,
//! `**Confidence:**` and an optional `**History:**` list), and the text edits `learn` makes
//! to it. Edits replace exact byte ranges and insert lines; every other byte is kept.

use crate::doc::{Doc, line_end};
use lp_diagnostics::FileId;
use std::ops::Range;

/// Assumption statuses, with the emoji LeanOS writes before them.
pub const STATUSES: [(&str, &str); 6] = [
    ("DRAFT", "📝"),
    ("TESTING", "⏳"),
    ("VALIDATED", "✅"),
    ("INVALIDATED", "❌"),
    ("CHALLENGED", "⚠️"),
    ("NEW", "🆕"),
];

/// One canvas entry.
#[derive(Debug, Clone)]
pub struct Assumption {
    pub id: String,
    pub title: String,
    /// The heading's line.
    pub heading: Range<usize>,
    /// The entry: from its heading to the next heading of any level.
    pub block: Range<usize>,
    /// The status as written, its normalized word (if known) and the value's byte range.
    pub status: Option<(String, Option<&'static str>, Range<usize>)>,
    /// The confidence in percent (if it reads as `N%`), as written, and its byte range.
    pub confidence: Option<(Option<u32>, String, Range<usize>)>,
    /// The `**History:**` field's line, if any.
    pub history_field: Option<Range<usize>>,
    /// History list items, in order.
    pub history: Vec<String>,
}

/// An assumption id at the start of a heading: `A1`, `H12`, `T3`, followed by `:`, a space or
/// the end.
pub fn heading_id(text: &str) -> Option<&str> {
    let t = text.trim_start();
    let mut chars = t.char_indices();
    let (_, first) = chars.next()?;
    if !matches!(first, 'A' | 'H' | 'T') {
        return None;
    }
    let end = t[1..].find(|c: char| !c.is_ascii_digit()).map(|i| i + 1).unwrap_or(t.len());
    if end == 1 {
        return None;
    }
    match t[end..].chars().next() {
        None | Some(':') | Some(' ') | Some('—') | Some('-') | Some('.') => Some(&t[..end]),
        _ => None,
    }
}

/// Normalizes `✅VALIDATED`, `✅ Validated` or `validated` to `VALIDATED`.
pub fn normalize_status(raw: &str) -> Option<&'static str> {
    let word: String =
        raw.chars().skip_while(|c| !c.is_ascii_alphabetic()).take_while(|c| c.is_ascii_alphabetic()).collect();
    let word = word.to_ascii_uppercase();
    STATUSES.iter().find(|(s, _)| *s == word).map(|(s, _)| *s)
}

pub fn status_with_emoji(status: &str) -> String {
    match STATUSES.iter().find(|(s, _)| *s == status) {
        Some((s, e)) => format!("{e}{s}"),
        None => status.to_string(),
    }
}

/// `40%` or `40 %` (or a bare `40`) as 40; anything above 100 is not a confidence.
pub fn parse_percent(raw: &str) -> Option<u32> {
    let t = raw.trim();
    let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
    let rest = t[digits.len()..].trim();
    if digits.is_empty() || !(rest.is_empty() || rest == "%") {
        return None;
    }
    digits.parse::<u32>().ok().filter(|n| *n <= 100)
}

/// Parses `40% → 60%` (or `->`) into `(40, 60)`.
pub fn parse_change(raw: &str) -> Option<(u32, u32)> {
    let (a, b) = raw.split_once('→').or_else(|| raw.split_once("->"))?;
    Some((parse_percent(a)?, parse_percent(b.split_whitespace().next().unwrap_or(""))?))
}

/// Every entry of an assumptions file.
pub fn assumptions(doc: &Doc) -> Vec<Assumption> {
    let mut out = Vec::new();
    for (i, h) in doc.headings.iter().enumerate() {
        if h.level < 2 {
            continue;
        }
        let Some(id) = heading_id(&h.text) else { continue };
        let title = h.text[h.text.find(id).map(|p| p + id.len()).unwrap_or(0)..]
            .trim_start_matches([':', ' ', '—', '-', '.'])
            .trim()
            .to_string();
        let block = doc.block_range(i);
        let status = doc
            .field_in(&block, "Status")
            .map(|f| (f.value.clone(), normalize_status(&f.value), f.value_range.clone()));
        let confidence = doc
            .field_in(&block, "Confidence")
            .map(|f| (parse_percent(&f.value), f.value.clone(), f.value_range.clone()));
        let history_field = doc.field_in(&block, "History").map(|f| f.line.clone());
        let history = match &history_field {
            Some(line) => doc
                .lists
                .iter()
                .find(|l| l.start > line.start && l.start < block.end)
                .map(|l| doc.items_in(l).filter(|it| it.range.end <= l.end).map(|it| it.text.clone()).collect())
                .unwrap_or_default(),
            None => Vec::new(),
        };
        out.push(Assumption {
            id: id.to_string(),
            title,
            heading: h.range.clone(),
            block,
            status,
            confidence,
            history_field,
            history,
        });
    }
    out
}

/// One canvas change taken from a Stage 6 `canvas_updates` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    pub id: String,
    /// A normalized status word (`VALIDATED`...).
    pub status: String,
    pub confidence: u32,
    /// The Stage 6 file's path, relative to the workspace root.
    pub evidence: String,
    /// The Stage 6 date, `YYYY-MM-DD`.
    pub date: String,
}

/// What applying one update did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Changed { id: String, before: (String, String), after: (String, String) },
    AlreadyApplied { id: String },
}

/// Why a learn cannot be applied; nothing is written then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearnError(pub String);

/// Applies `updates` to the text of `10-assumptions.md`, in order. An update whose evidence
/// and date are already in the entry's history is skipped, so learning twice changes nothing.
pub fn apply(text: &str, updates: &[Update]) -> Result<(String, Vec<Applied>), LearnError> {
    let mut text = text.to_string();
    let mut done = Vec::new();
    for u in updates {
        let doc = Doc::parse(FileId(0), text.clone());
        let entries = assumptions(&doc);
        let Some(a) = entries.iter().find(|a| a.id == u.id) else {
            return Err(LearnError(format!("`10-assumptions.md` has no assumption `{}`", u.id)));
        };
        let stamp = format!("evidence {}", u.evidence);
        if a.history.iter().any(|h| h.starts_with(&u.date) && h.contains(&stamp)) {
            done.push(Applied::AlreadyApplied { id: u.id.clone() });
            continue;
        }
        let Some((status_raw, _, status_range)) = a.status.clone() else {
            return Err(LearnError(format!("assumption `{}` has no `**Status:**` line", u.id)));
        };
        let Some((_, conf_raw, conf_range)) = a.confidence.clone() else {
            return Err(LearnError(format!("assumption `{}` has no `**Confidence:**` line", u.id)));
        };
        let new_status = status_with_emoji(&u.status);
        let new_conf = format!("{}%", u.confidence);
        let entry = format!(
            "- {}: status {} → {}, confidence {} → {}, {stamp}",
            u.date,
            status_raw.trim(),
            new_status,
            conf_raw.trim(),
            new_conf
        );
        // Edits from the end backwards so earlier ranges stay valid.
        let mut edits: Vec<(Range<usize>, String)> =
            vec![(status_range, new_status.clone()), (conf_range, new_conf.clone())];
        let history_list = a
            .history_field
            .as_ref()
            .and_then(|f| doc.lists.iter().find(|l| l.start > f.start && l.start < a.block.end).cloned());
        match (&a.history_field, history_list) {
            (_, Some(list)) => {
                // After the list's last line.
                let last = list.end.saturating_sub(1).max(list.start);
                let at = line_end(&text, last);
                edits.push((at..at, format!("\n{entry}")));
            }
            (Some(field), None) => {
                let at = field.end;
                edits.push((at..at, format!("\n\n{entry}")));
            }
            (None, None) => {
                let block = &text[a.block.clone()];
                let at = a.block.start + block.trim_end().len();
                edits.push((at..at, format!("\n\n**History:**\n\n{entry}")));
            }
        }
        edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
        for (r, s) in edits {
            text.replace_range(r, &s);
        }
        done.push(Applied::Changed {
            id: u.id.clone(),
            before: (status_raw.trim().to_string(), conf_raw.trim().to_string()),
            after: (new_status, new_conf),
        });
    }
    Ok((text, done))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANVAS: &str = "# Assumptions\n\nIntro text.\n\n### A1: Merchants churn in week 2\n\n**Status:** ⏳TESTING\n**Hypothesis:** They do.\n**Confidence:** 40%\n\n### A2: Second\n\n**Status:** 📝DRAFT\n**Confidence:** 20%\n\n**History:**\n\n- 2026-01-01: created\n\n## Notes\n\nkeep me\n";

    fn upd(id: &str) -> Update {
        Update {
            id: id.into(),
            status: "VALIDATED".into(),
            confidence: 85,
            evidence: "threads/b/x/6-learning.md".into(),
            date: "2026-11-20".into(),
        }
    }

    #[test]
    fn entries_are_parsed() {
        let doc = Doc::parse(FileId(0), CANVAS.to_string());
        let a = assumptions(&doc);
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].id, "A1");
        assert_eq!(a[0].title, "Merchants churn in week 2");
        assert_eq!(a[0].status.as_ref().and_then(|s| s.1), Some("TESTING"));
        assert_eq!(a[0].confidence.as_ref().and_then(|c| c.0), Some(40));
        assert_eq!(a[1].history, vec!["2026-01-01: created".to_string()]);
    }

    #[test]
    fn apply_edits_status_confidence_and_history_and_is_idempotent() {
        let (out, done) = apply(CANVAS, &[upd("A1"), upd("A2")]).expect("apply");
        assert_eq!(done.len(), 2);
        let doc = Doc::parse(FileId(0), out.clone());
        let a = assumptions(&doc);
        assert_eq!(a[0].status.as_ref().and_then(|s| s.1), Some("VALIDATED"));
        assert_eq!(a[0].confidence.as_ref().and_then(|c| c.0), Some(85));
        assert_eq!(a[0].history.len(), 1, "{out}");
        assert!(a[0].history[0].contains("⏳TESTING → ✅VALIDATED, confidence 40% → 85%"), "{out}");
        assert_eq!(a[1].history.len(), 2, "{out}");
        assert!(out.contains("**Hypothesis:** They do.") && out.contains("keep me") && out.contains("Intro text."));
        let (again, done) = apply(&out, &[upd("A1"), upd("A2")]).expect("apply");
        assert_eq!(again, out);
        assert!(done.iter().all(|d| matches!(d, Applied::AlreadyApplied { .. })));
    }

    #[test]
    fn unknown_ids_are_refused() {
        assert!(apply(CANVAS, &[upd("A9")]).is_err());
    }

    #[test]
    fn ids_and_percentages() {
        assert_eq!(heading_id("A12: x"), Some("A12"));
        assert_eq!(heading_id("Assumptions"), None);
        assert_eq!(heading_id("H3 — y"), Some("H3"));
        assert_eq!(parse_change("40% → 60%"), Some((40, 60)));
        assert_eq!(parse_change("40 -> 60 %"), Some((40, 60)));
        assert_eq!(parse_change("40%"), None);
        assert_eq!(parse_percent("140%"), None);
        assert_eq!(normalize_status("⚠️ Challenged"), Some("CHALLENGED"));
    }
}
