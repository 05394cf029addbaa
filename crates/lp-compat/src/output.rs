//! The report written out: `versions.yaml` for the build output, a Markdown changelog, and a
//! JSON value for `diff --error-format json`.

use crate::rules::Category;
use crate::{Report, Status};
use lp_check::Verdict;
use lp_diagnostics::SourceDb;
use lp_yaml::Node;

/// The versions being compared, as written in headers.
#[derive(Debug, Clone, Default)]
pub struct Versions {
    pub spec_name: Option<String>,
    pub previous: Option<String>,
    pub current: Option<String>,
}

fn location(db: &SourceDb, l: Option<lp_ir::Location>) -> Option<String> {
    let l = l?;
    let file = db.files().find(|(id, _)| *id == l.file).map(|(_, f)| f)?;
    let lc = file.line_col(l.span.start as usize);
    Some(format!("{}:{}:{}", file.name, lc.line, lc.column))
}

fn verdict_node(v: &Verdict) -> Node {
    let mut n = Node::map().with("verdict", v.name());
    match v {
        Verdict::Failed { counterexample } => n.push("counterexample", counterexample.summary.as_str()),
        Verdict::Unknown { reason } => n.push("reason", reason.as_str()),
        Verdict::Tested { cases, seed } => {
            n.push("cases", i64::from(*cases));
            n.push("seed", seed.to_string());
        }
        _ => {}
    }
    n
}

/// `versions.yaml`: the versions, every change with its rule, categories and status, the
/// `allow` reasons, the migration verdicts, and LeanOS's `transformations` summary. Source
/// locations are left out (they depend on how the paths were given; the diagnostics have them),
/// so the same specs give the same bytes.
pub fn versions_yaml(report: &Report, v: &Versions) -> String {
    let mut changes = Vec::new();
    for (c, status) in &report.changes {
        let mut n = Node::map()
            .with("rule", c.rule.id)
            .with("path", c.path.as_str())
            .with("message", c.message.as_str())
            .with("status", status.as_str());
        let mut cats = Node::map();
        for cat in Category::ALL {
            cats.push(cat.as_str(), if c.rule.breaks(cat) { "breaking" } else { "compatible" });
        }
        n.push("categories", cats);
        if let Status::Allowed(reason) = status {
            n.push("reason", reason.as_str());
        }
        if let Some(note) = &c.note {
            n.push("note", note.as_str());
        }
        changes.push(n);
    }
    let mut migrations = Vec::new();
    for (ob, verdict) in &report.migrations {
        migrations.push(
            Node::map()
                .with("id", ob.id.as_str())
                .with("kind", ob.kind)
                .with("claim", ob.claim.as_str())
                .with("result", verdict_node(verdict)),
        );
    }
    // LeanOS's own shape of the same facts (`transformations`, see the reference).
    let breaking_changes: Vec<Node> = report
        .changes
        .iter()
        .filter(|(c, _)| c.rule.is_breaking())
        .map(|(c, _)| {
            let impact: Vec<&str> = c.rule.breaks.iter().map(|c| c.as_str()).collect();
            Node::map()
                .with("field", c.path.as_str())
                .with("reason", c.message.as_str())
                .with("impact", impact.join(", "))
        })
        .collect();
    let migrated = report.changes.iter().any(|(_, s)| *s == Status::Migrated);
    let reversible = report.migrations.iter().any(|(o, _)| o.kind == "migration-round-trip");
    let verified = report.migrations.iter().all(|(_, v)| v.is_pass());
    let rollback = if !migrated {
        "not needed: no data migration"
    } else if reversible {
        "reversible: back rules, round trip checked"
    } else {
        "none: the migration is one-way"
    };
    let key =
        format!("{}_to_{}", v.previous.as_deref().unwrap_or("previous"), v.current.as_deref().unwrap_or("current"));
    let transformation = Node::map()
        .with("type", "version_migration")
        .with("source", v.previous.clone().map(Node::Str).unwrap_or(Node::Null))
        .with("target", v.current.clone().map(Node::Str).unwrap_or(Node::Null))
        .with("naturality_verified", verified)
        .with("backward_compatible", breaking_changes.is_empty())
        .with("breaking_changes", Node::Seq(breaking_changes))
        .with("migration_required", migrated)
        .with("rollback_strategy", rollback);
    let count = |s: &str| report.changes.iter().filter(|(_, st)| st.as_str() == s).count() as i64;
    let doc = Node::map()
        .with("current_version", v.current.clone().map(Node::Str).unwrap_or(Node::Null))
        .with("previous_version", v.previous.clone().map(Node::Str).unwrap_or(Node::Null))
        .with("backward_compatible", report.changes.iter().all(|(c, _)| !c.rule.is_breaking()))
        .with("accepted", report.is_ok())
        .with(
            "summary",
            Node::map()
                .with("compatible", count("compatible"))
                .with("allowed", count("allowed"))
                .with("migrated", count("migrated"))
                .with("breaking", count("breaking")),
        )
        .with("changes", Node::Seq(changes))
        .with("migrations", Node::Seq(migrations))
        .with("transformations", Node::map().with(&key, transformation));
    lp_yaml::render("versions.yaml", v.spec_name.as_deref(), v.current.as_deref(), &doc)
}

/// Which changes a changelog section lists.
type Keep = fn(&Status) -> bool;

/// A Markdown changelog: breaking changes first, then compatible ones.
pub fn markdown(report: &Report, v: &Versions) -> String {
    let mut out = String::new();
    let name = v.spec_name.as_deref().unwrap_or("spec");
    let from = v.previous.as_deref().unwrap_or("previous");
    let to = v.current.as_deref().unwrap_or("current");
    out.push_str(&format!("# {name}: changes from {from} to {to}\n\n"));
    let sections: [(&str, Keep); 3] = [
        ("Breaking changes", |s| matches!(s, Status::Breaking)),
        ("Accepted breaking changes", |s| matches!(s, Status::Allowed(_) | Status::Migrated)),
        ("Compatible changes", |s| matches!(s, Status::Compatible)),
    ];
    for (title, keep) in sections {
        let rows: Vec<_> = report.changes.iter().filter(|(_, s)| keep(s)).collect();
        if rows.is_empty() {
            continue;
        }
        out.push_str(&format!("## {title}\n\n"));
        for (c, s) in rows {
            let cats: Vec<&str> = c.rule.breaks.iter().map(|c| c.as_str()).collect();
            out.push_str(&format!("- **{}** `{}`: {}", c.rule.id, c.path, c.message));
            if !cats.is_empty() {
                out.push_str(&format!(" (breaks {})", cats.join(", ")));
            }
            match s {
                Status::Allowed(reason) => out.push_str(&format!(" — allowed: {reason}")),
                Status::Migrated => out.push_str(" — migrated"),
                _ => {}
            }
            out.push('\n');
        }
        out.push('\n');
    }
    if report.changes.is_empty() {
        out.push_str("No changes.\n\n");
    }
    if !report.migrations.is_empty() {
        out.push_str("## Migration checks\n\n");
        for (ob, verdict) in &report.migrations {
            out.push_str(&format!("- `{}`: {} — {}\n", ob.id, ob.claim, verdict.name()));
        }
        out.push('\n');
    }
    out
}

/// The changes and migration verdicts as JSON (for `diff --error-format json`).
pub fn json(report: &Report, db: &SourceDb) -> serde_json::Value {
    let changes: Vec<serde_json::Value> = report
        .changes
        .iter()
        .map(|(c, s)| {
            serde_json::json!({
                "rule": c.rule.id,
                "path": c.path,
                "message": c.message,
                "status": s.as_str(),
                "breaks": c.rule.breaks.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                "reason": match s { Status::Allowed(r) => Some(r.as_str()), _ => None },
                "note": c.note,
                "location": location(db, c.new),
                "previous_location": location(db, c.old),
            })
        })
        .collect();
    let migrations: Vec<serde_json::Value> = report
        .migrations
        .iter()
        .map(|(ob, v)| serde_json::json!({ "id": ob.id, "claim": ob.claim, "verdict": v }))
        .collect();
    serde_json::json!({ "changes": changes, "migrations": migrations })
}

/// The changes as human text, one line each (`diff`'s standard output).
pub fn human(report: &Report) -> String {
    let mut out = String::new();
    for (c, s) in &report.changes {
        let cats: Vec<&str> = c.rule.breaks.iter().map(|c| c.as_str()).collect();
        let cats = if cats.is_empty() { "compatible".to_string() } else { cats.join(",") };
        out.push_str(&format!("{:<10} {:<26} {:<40} [{cats}]\n", s.as_str(), c.rule.id, c.path));
    }
    for (ob, v) in &report.migrations {
        out.push_str(&format!("{:<10} {:<26} {}\n", v.name(), ob.kind, ob.id));
    }
    out
}
