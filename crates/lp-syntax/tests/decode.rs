//! The input checks a text file cannot exercise: `LP0005` (invalid UTF-8), `LP0006` (binary
//! data) and `LP0010` (file too large), through `lp_syntax::decode`.

use lp_diagnostics::codes;

#[test]
fn invalid_utf8_is_lp0005_with_its_offset_and_line() {
    let bytes = b"type A = Int\ntype B = \xff\xfe\n";
    let d = lp_syntax::decode(bytes).expect_err("an error");
    assert_eq!(d.code, codes::INVALID_UTF8);
    assert!(d.message.contains("offset 22"), "{}", d.message);
    assert!(d.message.contains("line 2"), "{}", d.message);
    assert!(d.help.is_some());
}

#[test]
fn nul_bytes_are_lp0006() {
    let d = lp_syntax::decode(b"type A = Int\0\0\0").expect_err("an error");
    assert_eq!(d.code, codes::BINARY_FILE);
    // A NUL after the first 8 KiB is not taken as binary; it is still valid UTF-8.
    let mut late = vec![b' '; 9000];
    late.push(0);
    assert!(lp_syntax::decode(&late).is_ok());
}

#[test]
fn oversized_input_is_lp0010() {
    let big = vec![b' '; lp_syntax::MAX_FILE_BYTES + 1];
    let d = lp_syntax::decode(&big).expect_err("an error");
    assert_eq!(d.code, codes::FILE_TOO_LARGE);
    assert!(lp_syntax::decode(&big[..lp_syntax::MAX_FILE_BYTES]).is_ok());
}

#[test]
fn a_byte_order_mark_is_dropped() {
    assert_eq!(lp_syntax::decode(b"\xEF\xBB\xBFtype A = Int").expect("text"), "type A = Int");
}
