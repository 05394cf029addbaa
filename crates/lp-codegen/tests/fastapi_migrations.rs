//! The backend's migration module (`app/migrations.py`, `tests/test_migrations.py`) from the
//! `migrate` blocks, on the subscription-billing example (v2 migrates from v1): emitted where
//! the migrated types are, traced to them, compiling, deterministic, and absent without a
//! `migrate` block or without the previous version.
//!
//! Running the generated migration tests (and the seeded defects they must catch) is
//! `scripts/test-backend.sh`.

use lp_codegen::fastapi::{generate, generate_with_migrations};
use lp_codegen::generated::Generated;
use lp_diagnostics::FileId;
use lp_ir::Spec;
use std::path::PathBuf;
use std::process::Command;

/// The v2 spec and its migration workspace against v1, as the compatibility check builds it.
fn v2_with_workspace() -> (Spec, Spec) {
    let new_texts = lp_test_support::example_texts("subscription-billing/v2");
    let old_texts = lp_test_support::example_texts("subscription-billing/v1");
    let parse = |texts: &[String], first: u32| -> Vec<(FileId, lp_syntax::ast::SourceFileAst)> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let file = FileId(first + i as u32);
                let parsed = lp_syntax::parse(file, t);
                assert!(!parsed.diagnostics.iter().any(|d| d.is_error()), "parse: {:?}", parsed.diagnostics);
                (file, parsed.value)
            })
            .collect()
    };
    let new_asts = parse(&new_texts, 0);
    let old_asts = parse(&old_texts, new_texts.len() as u32);
    let new_files: Vec<_> = new_asts.iter().map(|(f, a)| (*f, a)).collect();
    let old_files: Vec<_> = old_asts.iter().map(|(f, a)| (*f, a)).collect();
    let (new, old) = (lp_ir::lower(&new_files).value, lp_ir::lower(&old_files).value);
    let ws = lp_compat::migrate::workspace((&old, &old_files), (&new, &new_files)).expect("v2 has a migrate block");
    assert!(ws.diagnostics.is_empty(), "workspace: {:?}", ws.diagnostics);
    (new, ws.spec)
}

fn text<'a>(files: &'a Generated, path: &str) -> &'a str {
    std::str::from_utf8(&files.get(path).unwrap_or_else(|| panic!("{path} is generated")).bytes).expect("UTF-8")
}

#[test]
fn v2_gets_a_migration_module_where_its_migrated_types_are() {
    let (spec, ws) = v2_with_workspace();
    let files = generate_with_migrations(&spec, Some(&ws));
    assert_eq!(files, generate_with_migrations(&spec, Some(&ws)), "two generations differ");
    // `accounts` holds the whole spec: both migrated types, with their way back (reversible).
    let accounts = text(&files, "code/backend/accounts/app/migrations.py");
    for needle in [
        "class PrevCustomer(_Model):",
        "class PrevSubscription(_Model):",
        // The previous `Plan`'s variants keep their JSON tags.
        "kind: _t.Literal[\"Annual\"] = \"Annual\"",
        "def forward_Customer(old: PrevCustomer) -> Customer:",
        "_set(data, \"full_name\", (old).name)",
        "def back_Customer(new: Customer) -> PrevCustomer:",
        "_set(data, \"name\", (new).full_name)",
        "def forward_Subscription(old: PrevSubscription) -> Subscription:",
        "_put(data, \"tax_id\", None)",
        "def back_Subscription(new: Subscription) -> PrevSubscription:",
        "def migrate_data(type_name, data):",
    ] {
        assert!(accounts.contains(needle), "accounts/app/migrations.py lacks {needle:?}:\n{accounts}");
    }
    assert!(!accounts.contains("PrevFree"), "a previous variant kept the workspace's prefix:\n{accounts}");
    let tests = text(&files, "code/backend/accounts/tests/test_migrations.py");
    for needle in [
        "def test_Customer_migrates_forward_to_a_valid_value(data):",
        "def test_Customer_back_rules_give_a_valid_previous_value(data):",
        "def test_Customer_round_trips_back_after_forward(data):",
        "assert M.back_Customer(M.forward_Customer(old)) == old",
        "def test_Subscription_round_trips_back_after_forward(data):",
        "st_PrevPlan = ",
    ] {
        assert!(tests.contains(needle), "accounts/tests/test_migrations.py lacks {needle:?}:\n{tests}");
    }
    // `Subscription` has no `back` rules: no test of them.
    assert!(!tests.contains("test_Subscription_back_rules"), "{tests}");
    // `billing` stores subscriptions, and since its compiled `subscribe` calls
    // `accounts.get_customer` it holds a customer too: both migrate there.
    let billing = text(&files, "code/backend/billing/app/migrations.py");
    assert!(billing.contains("def forward_Subscription("), "{billing}");
    assert!(billing.contains("def forward_Customer("), "{billing}");
    // Traced to the migrated types; the same provenance header as every other file.
    let header = text(&files, "code/backend/accounts/app/models.py").lines().next().expect("a header").to_string();
    for (svc, types) in [
        ("accounts", vec!["type.Customer", "type.Subscription"]),
        ("billing", vec!["type.Customer", "type.Subscription"]),
    ] {
        for file in ["app/migrations.py", "tests/test_migrations.py"] {
            let path = format!("code/backend/{svc}/{file}");
            let f = files.get(&path).expect("generated");
            assert_eq!(f.sources, types, "{path}");
            assert_eq!(text(&files, &path).lines().next(), Some(header.as_str()), "{path}");
        }
    }
    // Every Python file of the build compiles.
    let dir = std::env::temp_dir().join(format!("lp-fastapi-migrations-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut py_files: Vec<PathBuf> = Vec::new();
    for (rel, file) in &files {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create a folder");
        std::fs::write(&path, &file.bytes).expect("write a generated file");
        if rel.ends_with(".py") {
            py_files.push(path);
        }
    }
    let out = Command::new("python3").arg("-m").arg("py_compile").args(&py_files).output().expect("run python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn no_migration_module_without_migrate_or_without_the_previous_version() {
    let (v2, ws) = v2_with_workspace();
    let has_module = |files: &Generated| files.keys().any(|p| p.contains("migrations"));
    // v2 built without its previous version (no `[compat] previous` in the project).
    assert!(!has_module(&generate(&v2)));
    assert!(!has_module(&generate_with_migrations(&v2, None)));
    // Specs without a `migrate` block, even if handed a workspace.
    for name in lp_test_support::EXAMPLES.iter().filter(|n| **n != "subscription-billing/v2") {
        let spec = lp_test_support::example(name);
        assert!(spec.migrations.is_empty());
        assert!(!has_module(&generate_with_migrations(&spec, Some(&ws))), "{name}");
        assert_eq!(generate_with_migrations(&spec, Some(&ws)), generate(&spec), "{name}");
    }
}
