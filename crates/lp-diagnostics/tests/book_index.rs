//! The book's diagnostic index is generated from the registry; this test keeps it current.

use std::path::Path;

#[test]
fn book_diagnostic_index_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../book/src/diagnostics.md");
    let expected = lp_diagnostics::codes::markdown_index();
    if std::env::var_os("UPDATE_BOOK").is_some() {
        std::fs::write(&path, &expected).expect("write the book's diagnostic index");
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "book/src/diagnostics.md is out of date; regenerate it with `UPDATE_BOOK=1 cargo test -p lp-diagnostics`"
    );
}

#[test]
fn codes_are_unique_sorted_and_well_formed() {
    let all = lp_diagnostics::codes::ALL;
    for pair in all.windows(2) {
        assert!(pair[0].id() < pair[1].id(), "codes out of order or repeated: {} then {}", pair[0].id(), pair[1].id());
    }
    let mut names: Vec<&str> = all.iter().map(|c| c.info().name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), all.len(), "two codes share a name");
    for c in all {
        let i = c.info();
        assert!(i.id.len() == 6 && i.id.starts_with("LP") && i.id[2..].bytes().all(|b| b.is_ascii_digit()), "{}", i.id);
        assert!(
            i.doc.starts_with(&format!("# {}: {}\n", i.id, i.name)),
            "{}'s doc must start with `# {}: {}`",
            i.id,
            i.id,
            i.name
        );
    }
}
