//! Fuzz target for the front end: arbitrary bytes through `decode` and `parse`, and, for input
//! that parses without errors, the formatter round trip.
//!
//! It checks what the architecture promises: decoding and parsing never panic and never
//! overflow the stack, whatever the bytes; the formatted text of a tree without syntax errors
//! parses again without syntax errors; and formatting is idempotent.

#![no_main]

use libfuzzer_sys::fuzz_target;
use lp_diagnostics::FileId;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = lp_syntax::decode(bytes) else { return };
    let parsed = lp_syntax::parse(FileId(0), text);
    if parsed.diagnostics.iter().any(|d| d.is_error()) {
        return;
    }
    let formatted = lp_syntax::format::format(&parsed.value, text);
    let reparsed = lp_syntax::parse(FileId(0), &formatted);
    let errors: Vec<_> = reparsed.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(
        errors.is_empty(),
        "the formatted text does not parse.\n--- input ---\n{text}\n--- formatted ---\n{formatted}\n--- errors ---\n{errors:#?}"
    );
    let again = lp_syntax::format::format(&reparsed.value, &formatted);
    assert!(
        again == formatted,
        "formatting is not idempotent.\n--- input ---\n{text}\n--- formatted once ---\n{formatted}\n--- formatted twice ---\n{again}"
    );
});
