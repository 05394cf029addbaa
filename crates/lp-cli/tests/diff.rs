//! End-to-end tests of `leanos-prove diff` and of the compatibility check in `check` and
//! `build` (`[compat] previous`): exit codes, the report formats, `--against git:REV`, and
//! `versions.yaml` in the build output.
//!
//! The diagnostics these tests trigger through real projects: LP5001 (breaking-change),
//! LP5004 (migration-not-total), LP5005 (migration-not-reversible), LP5008
//! (previous-version-invalid).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leanos-prove"))
        .args(args)
        .args(["--color", "never"])
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .output()
        .expect("run leanos-prove")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Copies a folder tree (the examples are small).
fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let p = e.expect("entry").path();
        let name = p.file_name().expect("name").to_owned();
        if name.to_string_lossy().starts_with('.') || name == "artifacts" {
            continue;
        }
        if p.is_dir() {
            copy(&p, &to.join(name));
        } else {
            std::fs::copy(&p, to.join(name)).expect("copy");
        }
    }
}

const OLD: &str = "spec shop version 1.0.0\n\ntype Qty = Int where 0 <= self && self <= 1000\n\
type Item = { sku: String, qty: Qty, note: Option<String> }\n\n\
service items {\n  op get_item(sku: String) -> Item GET /items/{sku}\n}\n";

fn two_files(name: &str, new: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::write(dir.join("old.adt"), OLD).expect("write");
    std::fs::write(dir.join("new.adt"), new).expect("write");
    dir
}

#[test]
fn the_billing_example_diffs_clean() {
    let o = run(&["diff", "spec-examples/subscription-billing/v1", "spec-examples/subscription-billing/v2"], &repo());
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(out.contains("migrated   FIELD_REMOVED              Customer.name"), "{out}");
    assert!(out.contains("allowed    VARIANT_ADDED              Plan.Enterprise"), "{out}");
    assert!(out.contains("proved     migration-round-trip       versions/migrate.Customer/round-trip"), "{out}");
}

#[test]
fn a_breaking_change_is_lp5001_with_exit_1() {
    let new = OLD.replace("version 1.0.0", "version 2.0.0").replace(", note: Option<String> }", " }");
    let dir = two_files("diff-break", &new);
    let o = run(&["diff", "old.adt", "new.adt"], &dir);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("error[LP5001]: breaking change FIELD_REMOVED"), "{err}");
    assert!(err.contains("old.adt:4:"), "the previous version is shown: {err}");
    // The allow with a reason accepts it.
    let allowed = format!("{new}\nallow FIELD_REMOVED on Item.note because \"never sent by clients\"\n");
    std::fs::write(dir.join("new.adt"), allowed).expect("write");
    let o = run(&["diff", "old.adt", "new.adt"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("allowed    FIELD_REMOVED"), "{}", text(&o.stdout));
}

#[test]
fn json_sarif_and_markdown_formats() {
    let new = OLD.replace("version 1.0.0", "version 2.0.0").replace("self <= 1000", "self <= 100");
    let dir = two_files("diff-formats", &new);
    let o = run(&["diff", "old.adt", "new.adt", "--error-format", "json"], &dir);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    assert_eq!(v["changes"][0]["rule"], "REFINEMENT_NARROWED", "{v}");
    assert_eq!(v["changes"][0]["path"], "Item.qty", "{v}");
    assert_eq!(v["changes"][0]["status"], "breaking", "{v}");
    assert!(v["changes"][0]["breaks"].as_array().is_some_and(|a| a.contains(&"STATE".into())), "{v}");
    assert!(v["changes"][0]["note"].as_str().is_some_and(|n| n.contains("qty = 101")), "{v}");
    assert_eq!(v["diagnostics"][0]["code"], "LP5001", "{v}");

    let o = run(&["diff", "old.adt", "new.adt", "--error-format", "sarif"], &dir);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one SARIF document");
    assert_eq!(v["runs"][0]["results"][0]["ruleId"], "LP5001", "{v}");

    let o = run(&["diff", "old.adt", "new.adt", "--format", "markdown"], &dir);
    let md = text(&o.stdout);
    assert!(md.starts_with("# shop: changes from 1.0.0 to 2.0.0"), "{md}");
    assert!(md.contains("## Breaking changes\n\n- **REFINEMENT_NARROWED** `Item.qty`"), "{md}");
}

#[test]
fn migrations_that_are_wrong_fail() {
    let narrowed = OLD.replace("version 1.0.0", "version 2.0.0").replace("self <= 1000", "self <= 100");
    let renamed =
        OLD.replace("version 1.0.0", "version 2.0.0").replace("note: Option<String> }", "remark: Option<String> }");
    let cases = [
        // Not total: a narrowed range without a clamp.
        (format!("{narrowed}\nmigrate from \"old.adt\" {{\n  Item.qty <- old.qty\n}}\n"), "LP5004", 1),
        // With the clamp it is total.
        (
            format!(
                "{narrowed}\nmigrate from \"old.adt\" {{\n  Item.qty <- match old.qty > 100 {{ true => 100, false => old.qty }}\n}}\n"
            ),
            "",
            0,
        ),
        // Not a round trip: the back rule does not undo the forward one.
        (
            format!(
                "{renamed}\nmigrate from \"old.adt\" reversible {{\n  Item.remark <- old.note\n  back Item.note <- None\n}}\n"
            ),
            "LP5005",
            1,
        ),
        (
            format!(
                "{renamed}\nmigrate from \"old.adt\" reversible {{\n  Item.remark <- old.note\n  back Item.note <- new.remark\n}}\n"
            ),
            "",
            0,
        ),
    ];
    for (i, (new, code, exit)) in cases.iter().enumerate() {
        let dir = two_files(&format!("diff-migrate-{i}"), new);
        let o = run(&["diff", "old.adt", "new.adt"], &dir);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(*exit), "case {i}: {err}");
        if !code.is_empty() {
            assert!(err.contains(&format!("error[{code}]")), "case {i}: {err}");
            assert!(err.contains("counterexample"), "case {i}: {err}");
        }
    }
}

#[test]
fn check_and_build_use_compat_previous() {
    let dir = scratch("compat-build");
    copy(&repo().join("spec-examples/subscription-billing"), &dir);
    // The example's signing key is named relative to the repository; point at it from here.
    let key_dir = std::fs::canonicalize(repo().join("certificates")).expect("certificates folder");
    let toml_path = dir.join("v2/leanos.toml");
    let toml_text = std::fs::read_to_string(&toml_path).expect("read");
    let toml_text = toml_text.replace("../../../certificates", &key_dir.to_string_lossy());
    std::fs::write(&toml_path, toml_text).expect("write");
    let o = run(&["build", "v2", "--out", "out"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let yaml = std::fs::read_to_string(dir.join("out/specifications/v2.0.0/versions.yaml")).expect("versions.yaml");
    assert!(yaml.contains("current_version: 2.0.0"), "{yaml}");
    assert!(yaml.contains("previous_version: 1.0.0"), "{yaml}");
    assert!(yaml.contains("rule: VARIANT_ADDED"), "{yaml}");
    assert!(yaml.contains("reason: clients show unknown plans as custom pricing since SDK 3.2"), "{yaml}");
    assert!(yaml.contains("id: versions/migrate.Customer/round-trip"), "{yaml}");
    // A seeded defect in the migration fails `check` and writes nothing.
    let spec = dir.join("v2/spec/billing.adt");
    let text_v2 = std::fs::read_to_string(&spec).expect("read");
    std::fs::write(&spec, text_v2.replace("back Customer.name <- new.full_name", "back Customer.name <- \"?\""))
        .expect("write");
    let o = run(&["check", "v2"], &dir);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("error[LP5005]"), "{}", text(&o.stderr));
    // A missing previous version cannot be compared: a warning, so the gap shows.
    let toml_text = std::fs::read_to_string(&toml_path).expect("read");
    std::fs::write(&toml_path, toml_text.replace("previous = \"../v1\"", "previous = \"../v0\"")).expect("write");
    std::fs::write(&spec, text_v2).expect("write");
    let o = run(&["check", "v2"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("warning[LP5008]: the compatibility check did not run"), "{}", text(&o.stderr));
    // One that is there but does not resolve is an error.
    std::fs::write(&toml_path, toml_text).expect("write");
    let v1 = dir.join("v1/spec/billing.adt");
    let text_v1 = std::fs::read_to_string(&v1).expect("read");
    std::fs::write(&v1, text_v1.replace("type Cents = Int", "type Cents = Money")).expect("write");
    let o = run(&["check", "v2"], &dir);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("error[LP5008]"), "{}", text(&o.stderr));
}

#[test]
fn against_a_git_revision() {
    let has_git = Command::new("git").arg("--version").output().is_ok_and(|o| o.status.success());
    if !has_git {
        assert!(std::env::var_os("CI").is_none(), "git is required under CI");
        eprintln!("note: git not found; skipping");
        return;
    }
    let dir = scratch("diff-git");
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("git");
        assert!(o.status.success(), "git {args:?}: {}", text(&o.stderr));
    };
    git(&["init", "-q"]);
    std::fs::write(dir.join("shop.adt"), OLD).expect("write");
    git(&["add", "shop.adt"]);
    git(&["commit", "-q", "-m", "v1"]);
    let new = OLD.replace("version 1.0.0", "version 2.0.0").replace("GET /items/{sku}", "GET /products/{sku}");
    std::fs::write(dir.join("shop.adt"), new).expect("write");
    let o = run(&["diff", "--against", "git:HEAD", "shop.adt"], &dir);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(out.contains("breaking   OP_HTTP_CHANGED            items.get_item"), "{out}");
    // A bad revision is a usage error, not a diagnostic.
    let o = run(&["diff", "--against", "git:no-such-rev", "shop.adt"], &dir);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let o = run(&["diff", "--against", "HEAD", "shop.adt"], &dir);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
}

#[test]
fn wrong_arguments_are_usage_errors() {
    let o = run(&["diff", "only-one.adt"], &repo());
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["diff", "no-such-old.adt", "no-such-new.adt"], &repo());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
}
