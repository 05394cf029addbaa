//! Helpers shared by lp-syntax's test files.

/// Replaces every `Span { start: N, end: M }` of a `Debug` rendering by `Span`, so two trees
/// can be compared up to where their nodes were written.
pub fn strip_spans(debug: &str) -> String {
    const OPEN: &str = "Span { start: ";
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(i) = rest.find(OPEN) {
        out.push_str(&rest[..i + 4]);
        rest = &rest[i + OPEN.len()..];
        let close = rest.find('}').expect("a span's closing brace");
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}
