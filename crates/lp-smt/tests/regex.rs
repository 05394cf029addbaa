//! Everyday patterns beyond what the translation used to accept (issue #15, item 4): z3
//! decides what its regular expressions express (`\s`, `[\s\S]`, anchors in each branch of an
//! alternation), and the rest (word boundaries, look-around, inline flags, Unicode
//! properties) is decided by checking z3's candidate strings with a full regular-expression
//! engine: a witness found that way is a proof, a pattern whose over-approximation is empty
//! is uninhabited, and anything else is `unknown`.

mod common;

use common::verdict_of;

/// The verdict of the satisfiability obligation of `type T = String where BODY`.
fn sat(body: &str) -> String {
    verdict_of(&format!("type T = String where {body}\n"), "totality/type.T/refinement-sat")
}

fn pattern(p: &str) -> String {
    sat(&format!("matches(self, \"{}\")", p.replace('\\', "\\\\").replace('"', "\\\"")))
}

#[test]
fn z3_decides_whitespace_classes_and_anchored_branches() {
    for p in [
        r"^[^\s@]+@[^\s@]+\.[^\s@]+$",
        r"^\S+@\S+$",
        r"^[\s\S]{1,3}$",
        r"^[\d\D]$",
        r"^\s*$",
        r"^$|^[a-z]+$",
        r"^a|b$",
        r"^[\x00-\x1f]$",
        r"^[^\x00-\x1f]+$",
    ] {
        assert_eq!(pattern(p), "proved", "{p}");
    }
    // Exact, so impossible combinations fail: no string of 1 to 3 characters is 5 long.
    assert_eq!(
        sat(r#"matches(self, "^[\\s\\S]{1,3}$") && len(self) == 5"#),
        "failed: no value of `T` satisfies `matches(self, \"^[\\\\s\\\\S]{1,3}$\") && len(self) == 5`"
    );
    // Each branch keeps its own anchor: `^a|b$` holds of "xb", which `^(a|b)$` does not.
    assert_eq!(sat(r#"matches(self, "^a|b$") && self == "xb""#), "proved");
    assert!(sat(r#"matches(self, "^(a|b)$") && self == "xb""#).starts_with("failed"));
}

#[test]
fn witnesses_decide_what_z3_cannot_express() {
    for p in [
        r"\bfoo\b",
        r"(?i)^abc$",
        r"^(?=.*[0-9])(?=.*[a-z]).{8,}$",
        r"^(?!admin$)[a-z]+$",
        r"^\p{L}+$",
        r"^(a+)\1$",
        r"^(?:x|^y)$",
    ] {
        assert_eq!(pattern(p), "proved", "{p}");
    }
    // With the other conjuncts: a witness satisfies all of them.
    assert_eq!(sat(r#"matches(self, "(?i)^abc$") && self != "abc" && len(self) == 3"#), "proved");
}

#[test]
fn patterns_that_never_match_are_uninhabited() {
    assert!(pattern(".^").starts_with("failed: no value of `T` satisfies"), "{}", pattern(".^"));
    assert!(pattern("a$b").starts_with("failed"), "{}", pattern("a$b"));
    // A look-ahead is exact at the top of a branch, so a contradicting one is uninhabited too.
    assert!(pattern(r"^(?=b)a$").starts_with("failed"), "{}", pattern(r"^(?=b)a$"));
    // Nested in a group it is over-approximated away; the candidate "a" is then checked,
    // found wrong, and nothing else is left: uninhabited, proved through the engine.
    assert!(pattern(r"^(?:(?=b)a)$").starts_with("failed"), "{}", pattern(r"^(?:(?=b)a)$"));
    // What neither z3 nor the candidates decide is `unknown`, never a pass: `(a+)\1` is an
    // even number of `a`s, which the over-approximation does not know.
    let v = sat(r#"matches(self, "^(a+)\\1$") && len(self) % 2 == 1"#);
    assert!(v.starts_with("unknown: unsupported: the pattern"), "{v}");
    assert!(v.contains("candidate strings"), "{v}");
}

#[test]
fn counterexamples_are_checked_by_the_engine() {
    // `ensures` over a word-boundary pattern: z3's candidate is confirmed before it is shown.
    let v = verdict_of(
        "type W = String where matches(self, \"\\\\bok\\\\b\")\nfn f(w: W) -> Int ensures w != \"ok\" = 0\n",
        "contracts/fn.f/ensures.0",
    );
    assert_eq!(v, "failed: w = \"ok\": ensures w != \"ok\" fails");
    // And a claim the pattern guarantees is proved: every word-bounded `ok` contains "ok".
    let v = verdict_of(
        "type W = String where matches(self, \"^(?i)ok$\")\nfn g(w: W) -> Int ensures len(w) == 2 = 0\n",
        "contracts/fn.g/ensures.0",
    );
    assert_eq!(v, "proved");
}
