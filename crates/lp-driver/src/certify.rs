//! Composing the system proof: the certificate's statement, its signature, the human report
//! and the composition graph, from a check's verdicts and the build's artifacts.
//!
//! The statement binds the spec (source and canonical-IR digests), every verdict with its
//! evidence, every artifact's digest, the traceability manifest and the policy. It is
//! serialized as canonical JSON and signed as a DSSE envelope, so the same build gives the
//! same bytes.

use crate::build::Artifacts;
use crate::session::{CheckOutcome, Input};
use lp_cert::policy::Policy;
use lp_cert::statement::{
    FileRecord, ObligationRecord, PREDICATE_TYPE, STATEMENT_TYPE, SpecRecord, Statement, Subject, SystemProof,
    ToolRecord, Traceability,
};
use lp_codegen::generated::{ItemKind, item_id, op_id, spec_items};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// Where the certificate sits in the output folder.
pub const CERTIFICATE_PATH: &str = "proofs/composed/system-proof.certificate";
/// The human report beside it.
pub const REPORT_PATH: &str = "proofs/composed/verification-report.md";
/// The composition graph beside it.
pub const GRAPH_PATH: &str = "proofs/composed/composition.dot";

/// Lowercase hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    lp_cert::keys::hex(&Sha256::digest(bytes))
}

/// A path as recorded in certificates: forward slashes, no leading `./`.
fn slashes(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// The project folder of an input (a lone file's folder) and the spec files' records, relative
/// to it: every spec file and, for a project, `leanos.toml`.
pub fn spec_records(fs: &dyn crate::fs::FileSystem, input: &Input, paths: &[std::path::PathBuf]) -> Vec<FileRecord> {
    let root = project_root(input);
    let mut all: Vec<std::path::PathBuf> = paths.to_vec();
    if let Input::Project { root, .. } = input {
        all.push(root.join(crate::TOML_NAME));
    }
    let mut records: Vec<FileRecord> = all
        .iter()
        .map(|p| {
            let rel = p.strip_prefix(&root).unwrap_or(p);
            // An unreadable file gets an empty digest, which never matches a real one.
            let sha256 = fs.read(p).map(|b| sha256_hex(&b)).unwrap_or_default();
            FileRecord { path: slashes(rel), sha256 }
        })
        .collect();
    records.sort_by(|a, b| a.path.cmp(&b.path));
    records.dedup_by(|a, b| a.path == b.path);
    records
}

/// The folder spec paths are recorded relative to.
pub fn project_root(input: &Input) -> std::path::PathBuf {
    match input {
        Input::Project { root, .. } => root.clone(),
        Input::File(p) => p.parent().map(Path::to_path_buf).unwrap_or_default(),
    }
}

/// The policy a build judges by: the project's `[policy]`, else the default.
pub fn policy_of(input: &Input) -> Policy {
    match input {
        Input::Project { config, .. } => config.policy.clone().unwrap_or_default(),
        Input::File(_) => Policy::default(),
    }
}

/// The spec items each non-generator artifact (reports, OpenAPI, diagrams) describes.
fn report_sources(spec: &lp_ir::Spec, path: &str) -> Vec<String> {
    let types = || spec.types.iter().map(|t| item_id(ItemKind::Type, &t.name));
    let errors = || spec.errors.iter().map(|e| item_id(ItemKind::Error, &e.name));
    let fns = || spec.fns.iter().map(|f| item_id(ItemKind::Fn, &f.name));
    let machines = || spec.machines.iter().map(|m| item_id(ItemKind::Machine, &m.name));
    let services = || spec.services.iter().map(|s| item_id(ItemKind::Service, &s.name));
    let ops = || spec.services.iter().flat_map(|s| s.ops.iter().map(|o| op_id(&s.name, &o.name)));
    let deploys = || spec.deploys.iter().map(|d| item_id(ItemKind::Deploy, &spec.services[d.service.0 as usize].name));
    let file = path.rsplit('/').next().unwrap_or(path);
    let mut out: Vec<String> = match file {
        "requirements.adt" => types().chain(errors()).collect(),
        "types.curry-howard" => types().chain(fns()).chain(ops()).collect(),
        "architecture.categorical" => services().chain(ops()).collect(),
        "state-machines.yaml" => machines().collect(),
        "api.openapi.json" => types().chain(errors()).chain(services()).chain(ops()).collect(),
        "services.spec.yaml" => services().chain(ops()).chain(deploys()).collect(),
        _ if path.contains("/machines/") => {
            let name = file.rsplit_once('.').map(|(n, _)| n).unwrap_or(file);
            vec![item_id(ItemKind::Machine, name)]
        }
        // The manifest, versions and the composed report cover the whole spec.
        _ => spec_items(spec),
    };
    out.sort();
    out.dedup();
    if out.is_empty() {
        // A spec with no items of the kind a report is about still produced the report from
        // the spec as a whole.
        out.push("spec".to_string());
    }
    out
}

/// One obligation as the certificate records it.
fn record(outcome: &CheckOutcome, root: &Path, r: &crate::ObligationResult) -> ObligationRecord {
    let f = outcome.db.get(r.obligation.file);
    let at = f.line_col(r.obligation.span.start as usize);
    let file = Path::new(&f.name);
    let file = slashes(file.strip_prefix(root).unwrap_or(file));
    let method = serde_json::to_value(r.obligation.method).ok().and_then(|v| v.as_str().map(str::to_string));
    ObligationRecord {
        id: r.obligation.id.clone(),
        pass: r.obligation.pass.as_str().to_string(),
        kind: r.obligation.kind.to_string(),
        claim: r.obligation.claim.clone(),
        method: method.unwrap_or_default(),
        file,
        line: at.line as u64,
        verdict: serde_json::to_value(&r.verdict).unwrap_or_default(),
        digest: r.digest.clone(),
    }
}

/// The statement of a build, before the certificate's own files are added: `files` are every
/// artifact except the composed report and graph, which [`compose`] adds.
pub fn statement(
    fs: &dyn crate::fs::FileSystem,
    outcome: &CheckOutcome,
    artifacts: &Artifacts,
    files: &BTreeMap<String, Vec<u8>>,
    out_dir: &Path,
    policy: &Policy,
) -> Option<Statement> {
    let spec = outcome.spec.as_ref()?;
    let input = outcome.input.as_ref()?;
    let root = project_root(input);
    let paths: Vec<std::path::PathBuf> = outcome.files.iter().map(|f| f.path.clone()).collect();
    let obligations: Vec<ObligationRecord> = outcome.results.iter().map(|r| record(outcome, &root, r)).collect();
    let mut summary: BTreeMap<String, u64> = BTreeMap::new();
    for r in &outcome.results {
        *summary.entry(r.verdict.name().to_string()).or_default() += 1;
    }
    let mut trace: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for path in files.keys() {
        // A generator's file is traced exactly as the generator says (an empty list is kept,
        // and the gate refuses it); the reports are traced by what they describe.
        let sources = match artifacts.generated.get(path) {
            Some(g) => g.sources.clone(),
            None => report_sources(spec, path),
        };
        trace.insert(path.clone(), sources);
    }
    let mut items = spec_items(spec);
    if trace.values().any(|s| s.iter().any(|i| i == "spec")) {
        items.push("spec".to_string());
    }
    let violations = policy.violations(&obligations);
    let version = spec.version.map(|v| v.to_string()).unwrap_or_else(|| match input {
        Input::Project { config, .. } => config.project.version.clone(),
        Input::File(_) => "0.0.0".to_string(),
    });
    let name = spec.name.clone().unwrap_or_else(|| match input {
        Input::Project { config, .. } => config.project.name.clone(),
        Input::File(p) => p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
    });
    let output = out_dir.strip_prefix(&root).ok().map(slashes).filter(|s| !s.is_empty() && !s.starts_with(".."));
    Some(Statement {
        statement_type: STATEMENT_TYPE.to_string(),
        subject: files.iter().map(|(p, b)| Subject::sha256(p.clone(), sha256_hex(b))).collect(),
        predicate_type: PREDICATE_TYPE.to_string(),
        predicate: SystemProof {
            spec: SpecRecord {
                name,
                version,
                ir_sha256: sha256_hex(lp_ir::print(spec).as_bytes()),
                files: spec_records(fs, input, &paths),
                output,
            },
            tool: ToolRecord { name: "leanos-prove".into(), version: env!("CARGO_PKG_VERSION").into() },
            solver: ToolRecord { name: "z3".into(), version: lp_smt::z3_version() },
            obligations,
            summary,
            policy: policy.clone(),
            deploy_authorized: violations.is_empty(),
            policy_violations: violations,
            traceability: Traceability::from_artifacts(trace, &items),
        },
    })
}

/// The human report of a statement (`verification-report.md`).
pub fn report_markdown(st: &Statement, key_fingerprint: Option<&str>) -> String {
    let p = &st.predicate;
    let mut s = format!("# Verification report: {} {}\n\n", p.spec.name, p.spec.version);
    s.push_str("Generated by `leanos-prove build`; the signed certificate beside this file is authoritative.\n\n");
    s.push_str(&format!(
        "- Deploy authorized: **{}**\n- Tool: {} {}; solver: {} {}\n- Spec IR sha256: `{}`\n- Signing key: {}\n- Artifacts certified: {} (plus this report and the composition graph)\n\n",
        if p.deploy_authorized { "yes" } else { "no" },
        p.tool.name,
        p.tool.version,
        p.solver.name,
        p.solver.version,
        p.spec.ir_sha256,
        key_fingerprint.map(|k| format!("`{k}`")).unwrap_or_else(|| "none (unsigned: no certificate)".into()),
        st.subject.len(),
    ));
    s.push_str("## Verdicts\n\n| pass | proved | bounded | tested | failed | unknown |\n|---|---|---|---|---|---|\n");
    let mut per_pass: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for o in &p.obligations {
        *per_pass.entry(&o.pass).or_default().entry(o.verdict_name()).or_default() += 1;
    }
    for (pass, counts) in &per_pass {
        let n = |v: &str| counts.get(v).copied().unwrap_or(0);
        s.push_str(&format!(
            "| {pass} | {} | {} | {} | {} | {} |\n",
            n("proved"),
            n("bounded"),
            n("tested"),
            n("failed"),
            n("unknown")
        ));
    }
    s.push_str(&format!(
        "\n## Policy\n\n- `tested` needs at least {} cases\n- `bounded` accepted: {}{}\n- must be `proved`: {}\n",
        p.policy.min_tested_cases,
        if p.policy.allow_bounded { "yes" } else { "no" },
        if p.policy.min_bounded_depth > 0 {
            format!(" (depth ≥ {})", p.policy.min_bounded_depth)
        } else {
            String::new()
        },
        if p.policy.require_proved.is_empty() {
            "nothing beyond the default".into()
        } else {
            p.policy.require_proved.join(", ")
        },
    ));
    if !p.policy_violations.is_empty() {
        s.push_str("\nFalls short:\n\n");
        for v in &p.policy_violations {
            s.push_str(&format!("- {v}\n"));
        }
    }
    s.push_str("\n## Obligations\n\n| id | verdict | evidence | spec |\n|---|---|---|---|\n");
    for o in &p.obligations {
        let evidence = match o.verdict_name() {
            "proved" => o.verdict.get("method").and_then(|m| m.as_str()).unwrap_or("").to_string(),
            "bounded" => format!("depth {}", o.evidence_u64("depth").unwrap_or(0)),
            "tested" => {
                format!("{} cases, seed {}", o.evidence_u64("cases").unwrap_or(0), o.evidence_u64("seed").unwrap_or(0))
            }
            _ => o.verdict.to_string(),
        };
        s.push_str(&format!(
            "| `{}` | {} | {} | {}:{} |\n",
            o.id,
            o.verdict_name(),
            evidence.replace('|', "\\|"),
            o.file,
            o.line
        ));
    }
    s.push_str("\n## Spec files\n\n");
    for f in &p.spec.files {
        s.push_str(&format!("- `{}` sha256 `{}`\n", f.path, f.sha256));
    }
    s
}

/// The composition graph (`composition.dot`): spec → passes and artifact groups → certificate.
pub fn composition_dot(st: &Statement) -> String {
    let p = &st.predicate;
    let q = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let mut s = String::from("digraph composition {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n");
    s.push_str(&format!("  spec [label={}, shape=note];\n", q(&format!("spec {} {}", p.spec.name, p.spec.version))));
    s.push_str(&format!(
        "  certificate [label={}, shape=doubleoctagon, color={}];\n",
        q(&format!("system-proof certificate\\ndeploy authorized: {}", p.deploy_authorized)),
        if p.deploy_authorized { "darkgreen" } else { "red" }
    ));
    let mut passes: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for o in &p.obligations {
        let e = passes.entry(&o.pass).or_default();
        e.0 += 1;
        if !matches!(o.verdict_name(), "proved" | "bounded" | "tested") {
            e.1 += 1;
        }
    }
    for (pass, (n, bad)) in &passes {
        let id = q(&format!("pass:{pass}"));
        let color = if *bad == 0 { "darkgreen" } else { "red" };
        s.push_str(&format!("  {id} [label={}, color={color}];\n", q(&format!("{pass}\\n{n} obligations"))));
        s.push_str(&format!("  spec -> {id};\n  {id} -> certificate;\n"));
    }
    let mut groups: BTreeMap<String, usize> = BTreeMap::new();
    for subj in &st.subject {
        let parts: Vec<&str> = subj.name.split('/').collect();
        let depth = if parts.first() == Some(&"code") { 3 } else { 2 };
        let group = parts[..parts.len().saturating_sub(1).min(depth)].join("/");
        *groups.entry(if group.is_empty() { ".".into() } else { group }).or_default() += 1;
    }
    for (group, n) in &groups {
        let id = q(&format!("out:{group}"));
        s.push_str(&format!("  {id} [label={}, shape=folder];\n", q(&format!("{group}/\\n{n} files"))));
        s.push_str(&format!("  spec -> {id};\n  {id} -> certificate;\n"));
    }
    s.push_str("}\n");
    s
}

/// Adds the composed report and graph to `files`, then signs the statement over all of them.
/// Returns the certificate's bytes (canonical JSON of the DSSE envelope), or `None` unsigned.
pub fn compose(
    fs: &dyn crate::fs::FileSystem,
    outcome: &CheckOutcome,
    artifacts: &Artifacts,
    files: &mut BTreeMap<String, Vec<u8>>,
    out_dir: &Path,
    key: Option<&lp_cert::keys::PrivateKey>,
) -> Option<(Statement, Option<Vec<u8>>)> {
    let policy = policy_of(outcome.input.as_ref()?);
    let fingerprint = key.and_then(|k| lp_cert::keys::fingerprint(&k.verifying_key()).ok());
    // The report and graph are subjects too, so they are drawn from a first statement
    // without them, then the statement is made again over every file.
    let draft = statement(fs, outcome, artifacts, files, out_dir, &policy)?;
    files.insert(REPORT_PATH.to_string(), report_markdown(&draft, fingerprint.as_deref()).into_bytes());
    files.insert(GRAPH_PATH.to_string(), composition_dot(&draft).into_bytes());
    let st = statement(fs, outcome, artifacts, files, out_dir, &policy)?;
    let signed = key.and_then(|key| {
        let payload = lp_cert::canonical::to_vec(&serde_json::to_value(&st).ok()?).ok()?;
        let envelope = lp_cert::dsse::sign(
            key,
            lp_cert::dsse::IN_TOTO_PAYLOAD_TYPE,
            &payload,
            fingerprint.as_deref().unwrap_or(""),
        );
        let mut bytes = lp_cert::canonical::to_vec(&serde_json::to_value(&envelope).ok()?).ok()?;
        bytes.push(b'\n');
        Some(bytes)
    });
    Some((st, signed))
}
