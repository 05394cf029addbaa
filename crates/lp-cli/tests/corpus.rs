//! The corpus harness: runs the binary on every case under `tests/corpus` and compares a
//! self-contained snapshot (source, command, exit code, stdout, stderr) kept beside the case.
//!
//! A case is an `.adt` file, or a folder with a `leanos.toml` (a project case). See
//! `tests/corpus/README.md` for the header format.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

fn corpus_root() -> PathBuf {
    repo_root().join("tests/corpus")
}

/// One corpus case.
struct Case {
    /// The path relative to the repository root, with forward slashes.
    rel: String,
    abs: PathBuf,
    is_project: bool,
}

fn collect(dir: &Path, out: &mut Vec<Case>) {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).expect("read corpus dir").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if p.is_dir() {
            if name == "snapshots" {
                continue;
            }
            if p.join("leanos.toml").is_file() {
                out.push(case(p, true));
            } else {
                collect(&p, out);
            }
        } else if name.ends_with(".adt") {
            out.push(case(p, false));
        }
    }
}

fn case(abs: PathBuf, is_project: bool) -> Case {
    let rel = abs.strip_prefix(repo_root()).expect("inside repo").to_string_lossy().replace('\\', "/");
    Case { rel, abs, is_project }
}

fn all_cases() -> Vec<Case> {
    let mut out = Vec::new();
    collect(&corpus_root(), &mut out);
    out
}

/// The `// key = value` header lines at the top of a case, read as TOML.
fn header(text: &str) -> toml::Table {
    let lines: Vec<&str> =
        text.lines().map_while(|l| l.strip_prefix("// ").filter(|rest| rest.contains(" = "))).collect();
    lines.join("\n").parse::<toml::Table>().unwrap_or_default()
}

struct Run {
    command: Vec<String>,
    source: String,
    exit: i32,
    stdout: String,
    stderr: String,
}

fn run_case(c: &Case) -> Run {
    let source_path = if c.is_project { c.abs.join("leanos.toml") } else { c.abs.clone() };
    let source = std::fs::read_to_string(&source_path).unwrap_or_else(|e| format!("<unreadable: {e}>"));
    let h = header(&source);
    let command = h.get("command").and_then(|v| v.as_str()).unwrap_or("check").to_string();
    // `fmt` on a path rewrites the file, so fmt cases go through standard input instead.
    let via_stdin = command == "fmt";
    let mut args: Vec<String> = match command.as_str() {
        "fmt-check" => vec!["fmt".into(), "--check".into()],
        other => vec![other.to_string()],
    };
    args.push(if via_stdin { "-".to_string() } else { c.rel.clone() });
    args.extend(["--color".to_string(), "never".to_string()]);
    if let Some(extra) = h.get("args").and_then(|v| v.as_array()) {
        args.extend(extra.iter().filter_map(|v| v.as_str().map(str::to_string)));
    }
    let stdin =
        if via_stdin { Stdio::from(std::fs::File::open(&source_path).expect("open case")) } else { Stdio::null() };
    let out = Command::new(env!("CARGO_BIN_EXE_leanos-prove"))
        .args(&args)
        .current_dir(repo_root())
        .env_remove("NO_COLOR")
        .stdin(stdin)
        .output()
        .expect("run leanos-prove");
    Run {
        command: args,
        source,
        exit: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn snapshot_text(r: &Run) -> String {
    format!(
        "----- SOURCE\n{}\n----- COMMAND\nleanos-prove {}\n----- EXIT {}\n----- STDOUT\n{}\n----- STDERR\n{}",
        r.source.trim_end(),
        r.command.join(" "),
        r.exit,
        r.stdout.trim_end(),
        r.stderr.trim_end()
    )
}

#[test]
fn corpus_snapshots() {
    let cases = all_cases();
    assert!(cases.len() > 10, "the corpus is missing: found {} cases", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        let r = run_case(c);
        if r.stderr.contains("panicked") || !(0..=2).contains(&r.exit) {
            failures.push(format!("{}: crashed (exit {})\n{}", c.rel, r.exit, r.stderr));
            continue;
        }
        let dir = c.abs.parent().expect("parent").join("snapshots");
        let name = c.abs.file_stem().expect("stem").to_string_lossy().into_owned();
        let text = snapshot_text(&r);
        let result = std::panic::catch_unwind(|| {
            let mut settings = insta::Settings::clone_current();
            settings.set_snapshot_path(&dir);
            settings.set_prepend_module_to_snapshot(false);
            settings.set_input_file(&c.abs);
            settings.set_omit_expression(true);
            settings.bind(|| insta::assert_snapshot!(name.as_str(), text));
        });
        if result.is_err() {
            failures.push(format!("{}: snapshot differs (run `cargo insta review`)", c.rel));
        }
    }
    assert!(failures.is_empty(), "{} of {} corpus cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// Every production of the normative grammar has a case named after it in `grammar/`.
#[test]
fn every_grammar_production_has_a_case() {
    let ebnf = std::fs::read_to_string(repo_root().join("grammar/leanos.ebnf")).expect("grammar");
    let mut missing = Vec::new();
    let mut count = 0;
    for line in ebnf.lines() {
        let Some((name, _)) = line.split_once('=') else { continue };
        let name = name.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || line.starts_with(' ') {
            continue;
        }
        count += 1;
        if !corpus_root().join("grammar").join(format!("{name}.adt")).is_file() {
            missing.push(name.to_string());
        }
    }
    assert!(count > 40, "parsed only {count} productions from the grammar");
    assert!(missing.is_empty(), "grammar productions without a corpus case in tests/corpus/grammar/: {missing:?}");
}

/// Grammar cases are valid specs: they check clean.
#[test]
fn grammar_cases_check_clean() {
    let mut failures = Vec::new();
    for c in all_cases().iter().filter(|c| c.rel.starts_with("tests/corpus/grammar/")) {
        let r = run_case(c);
        if r.exit != 0 {
            failures.push(format!("{} (exit {}):\n{}", c.rel, r.exit, r.stderr));
        }
    }
    assert!(failures.is_empty(), "grammar cases that do not check clean:\n{}", failures.join("\n"));
}

/// Codes whose trigger is raw bytes a text corpus file cannot hold, or a file type git cannot
/// hold (LP0015: a FIFO or a device); `cli.rs` covers them.
const BYTE_LEVEL_CODES: &[&str] = &["LP0005", "LP0006", "LP0010", "LP0015"];

/// Codes no spec can trigger: LP7001 reports a generated OpenAPI document that does not read
/// back as the IR, which only a generator bug causes; `lp-driver`'s unit tests feed it a
/// mutated document instead.
const UNTRIGGERABLE_FROM_SPECS: &[&str] = &["LP7001"];

/// Codes about inputs that are not a spec (certificates, business threads, generated files),
/// each with the test that triggers it: `(code, test file)`. The test file must exist and
/// must mention the code.
const COVERED_ELSEWHERE: &[(&str, &str)] = &[
    ("LP6022", "crates/lp-driver/src/build.rs"),
    ("LP5501", "crates/lp-import/tests/bad_input.rs"),
    ("LP5502", "crates/lp-import/tests/bad_input.rs"),
    ("LP5503", "crates/lp-import/tests/bad_input.rs"),
    ("LP5504", "crates/lp-import/tests/bad_input.rs"),
    ("LP5505", "crates/lp-import/tests/bad_input.rs"),
    ("LP5506", "crates/lp-import/tests/bad_input.rs"),
    ("LP5507", "crates/lp-import/tests/bad_input.rs"),
    ("LP5508", "crates/lp-import/tests/bad_input.rs"),
    ("LP5509", "crates/lp-import/tests/bad_input.rs"),
    ("LP5510", "crates/lp-import/tests/bad_input.rs"),
    ("LP5511", "crates/lp-import/tests/bad_input.rs"),
    ("LP5512", "crates/lp-import/tests/bad_input.rs"),
    ("LP5513", "crates/lp-import/tests/bad_input.rs"),
    ("LP5520", "crates/lp-import/tests/refs.rs"),
    ("LP5521", "crates/lp-import/tests/refs.rs"),
    ("LP9001", "crates/lp-cli/tests/threads.rs"),
    ("LP9002", "crates/lp-cli/tests/threads.rs"),
    ("LP9003", "crates/lp-cli/tests/threads.rs"),
    ("LP9004", "crates/lp-cli/tests/threads.rs"),
    ("LP9005", "crates/lp-cli/tests/threads.rs"),
    ("LP9006", "crates/lp-cli/tests/threads.rs"),
    ("LP9010", "crates/lp-cli/tests/threads.rs"),
    ("LP9011", "crates/lp-cli/tests/threads.rs"),
    ("LP9020", "crates/lp-cli/tests/threads.rs"),
    ("LP9021", "crates/lp-cli/tests/threads.rs"),
    ("LP9030", "crates/lp-cli/tests/threads.rs"),
    ("LP9031", "crates/lp-cli/tests/threads.rs"),
    ("LP9040", "crates/lp-cli/tests/threads.rs"),
    ("LP9041", "crates/lp-cli/tests/threads.rs"),
    ("LP9050", "crates/lp-cli/tests/threads.rs"),
    ("LP9060", "crates/lp-cli/tests/threads.rs"),
    ("LP9061", "crates/lp-cli/tests/threads.rs"),
    ("LP9062", "crates/lp-cli/tests/threads.rs"),
    ("LP9070", "crates/lp-cli/tests/threads.rs"),
    ("LP9080", "crates/lp-cli/tests/threads.rs"),
    ("LP9081", "crates/lp-cli/tests/threads.rs"),
    ("LP9082", "crates/lp-cli/tests/threads.rs"),
    ("LP9090", "crates/lp-cli/tests/threads.rs"),
    ("LP9091", "crates/lp-cli/tests/threads.rs"),
    ("LP7050", "crates/lp-codegen/tests/infra.rs"),
    ("LP7051", "crates/lp-codegen/tests/infra.rs"),
    ("LP7052", "crates/lp-codegen/tests/infra.rs"),
    ("LP7053", "crates/lp-codegen/tests/infra.rs"),
    ("LP7054", "crates/lp-codegen/tests/infra.rs"),
    ("LP7059", "crates/lp-codegen/tests/infra.rs"),
    ("LP8001", "crates/lp-cli/tests/certificate.rs"),
    ("LP8002", "crates/lp-cli/tests/certificate.rs"),
    ("LP8003", "crates/lp-cli/tests/certificate.rs"),
    ("LP8004", "crates/lp-cli/tests/certificate.rs"),
    ("LP8005", "crates/lp-cli/tests/certificate.rs"),
    ("LP8006", "crates/lp-cli/tests/certificate.rs"),
    ("LP8007", "crates/lp-cli/tests/certificate.rs"),
    ("LP8008", "crates/lp-cli/tests/certificate.rs"),
    ("LP8009", "crates/lp-cli/tests/certificate.rs"),
    ("LP8010", "crates/lp-cli/tests/certificate.rs"),
    ("LP8011", "crates/lp-cli/tests/certificate.rs"),
    ("LP8012", "crates/lp-cli/tests/certificate.rs"),
    ("LP8013", "crates/lp-cli/tests/certificate.rs"),
    ("LP8014", "crates/lp-cli/tests/certificate.rs"),
    ("LP8015", "crates/lp-cli/tests/certificate.rs"),
    ("LP8016", "crates/lp-cli/tests/certificate.rs"),
    ("LP8017", "crates/lp-cli/tests/certificate.rs"),
    ("LP8018", "crates/lp-cli/tests/certificate.rs"),
    ("LP8019", "crates/lp-cli/tests/certificate.rs"),
    ("LP8030", "crates/lp-cli/tests/cli.rs"),
];

/// Every diagnostic code has a case `diagnostics/LPnnnn_name(.adt|/)`, and that case reports it.
#[test]
fn every_code_has_a_case_that_reports_it() {
    let cases = all_cases();
    let mut problems = Vec::new();
    for code in lp_diagnostics::codes::ALL {
        let info = code.info();
        if BYTE_LEVEL_CODES.contains(&info.id) || UNTRIGGERABLE_FROM_SPECS.contains(&info.id) {
            continue;
        }
        if let Some((_, test)) = COVERED_ELSEWHERE.iter().find(|(c, _)| *c == info.id) {
            let text = std::fs::read_to_string(repo_root().join(test)).unwrap_or_default();
            if !text.contains(info.id) {
                problems.push(format!("{}: `{test}` is named as its test but does not mention it", info.id));
            }
            continue;
        }
        let stem = format!("tests/corpus/diagnostics/{}_{}", info.id, info.name);
        let Some(c) = cases.iter().find(|c| c.rel == format!("{stem}.adt") || c.rel == stem) else {
            problems.push(format!("{}: no case `{stem}.adt` (or a project folder `{stem}/`)", info.id));
            continue;
        };
        let r = run_case(c);
        if !r.stderr.contains(&format!("[{}]", info.id)) && !r.stdout.contains(info.id) {
            problems.push(format!("{}: the case does not report it; stderr:\n{}", info.id, r.stderr));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// No registered code still has placeholder documentation.
#[test]
fn every_code_is_documented() {
    let undocumented: Vec<&str> = lp_diagnostics::codes::ALL
        .iter()
        .filter(|c| c.info().doc.contains("TODO-DOC") || !c.info().doc.contains("## How to fix"))
        .map(|c| c.id())
        .collect();
    assert!(undocumented.is_empty(), "codes without documentation: {undocumented:?}");
}
