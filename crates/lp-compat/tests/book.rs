//! The rules table of `book/src/versions.md` is generated from the registry; this test keeps it
//! in sync (`UPDATE_BOOK=1 cargo test -p lp-compat` rewrites it).

use std::path::Path;

const START: &str =
    "<!-- RULES-TABLE: generated from crates/lp-compat/src/rules.rs by `UPDATE_BOOK=1 cargo test -p lp-compat` -->\n";
const END: &str = "<!-- END RULES-TABLE -->";

#[test]
fn the_book_lists_every_rule() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../book/src/versions.md");
    let page = std::fs::read_to_string(&path).expect("book page");
    let start = page.find(START).expect("start marker") + START.len();
    let end = page.find(END).expect("end marker");
    let table = lp_compat::rules::book_table();
    if std::env::var_os("UPDATE_BOOK").is_some() {
        let updated = format!("{}{table}{}", &page[..start], &page[end..]);
        std::fs::write(&path, updated).expect("write book page");
        return;
    }
    assert_eq!(&page[start..end], table, "run `UPDATE_BOOK=1 cargo test -p lp-compat` to update the table");
}
