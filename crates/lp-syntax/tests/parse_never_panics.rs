//! Property tests: parsing never panics, on arbitrary strings, on token soup, and on random
//! byte-level mutations of the corpus files; and what it returns is well-formed (every
//! diagnostic labelled inside the text, item spans ordered). A line may end in `\n`, `\r\n`
//! or a lone `\r`: the three give the same tree and the same diagnostics on the same lines. The number of cases is 256 by
//! default; set `PROPTEST_CASES` to run more.

mod common;

use common::strip_spans;
use lp_diagnostics::{FileId, SourceFile};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Parses `text` and checks the invariants every result must satisfy.
fn check(text: &str) {
    let parsed = lp_syntax::parse(FileId(0), text);
    for d in &parsed.diagnostics {
        let label = d.primary.as_ref().expect("every diagnostic has a primary label");
        assert!(label.span.start <= label.span.end && label.span.end as usize <= text.len(), "{d:?}");
        assert!(text.is_char_boundary(label.span.start as usize) && text.is_char_boundary(label.span.end as usize));
        assert!(!label.message.is_empty());
        for s in &d.secondary {
            assert!(s.span.end as usize <= text.len());
        }
    }
    let mut prev_end = 0;
    for item in &parsed.value.items {
        assert!(item.span.start >= prev_end && item.span.start <= item.span.end, "{:?}", item.span);
        assert!(item.span.end as usize <= text.len());
        prev_end = item.span.end;
    }
    for c in &parsed.value.comments {
        assert!(text[c.span.range()].starts_with("//"));
    }
    // Parsing is deterministic.
    let again = lp_syntax::parse(FileId(0), text);
    assert_eq!(again.value, parsed.value);
}

/// The tree without its spans, and each diagnostic's code and line.
fn parse_up_to_spans(text: &str) -> (String, Vec<(String, u32)>) {
    let parsed = lp_syntax::parse(FileId(0), text);
    let file = SourceFile::new("x.adt", text);
    let diags = parsed
        .diagnostics
        .iter()
        .map(|d| {
            let line = d.primary.as_ref().map_or(0, |l| file.line_col(l.span.start as usize).line);
            (format!("{:?}", d.code), line)
        })
        .collect();
    (strip_spans(&format!("{:?}", parsed.value)), diags)
}

/// Parses `text` (whose lines end in `\n`) again with every `\n` made a `\r\n` and a `\r`,
/// and checks that the three agree.
fn check_line_ends(text: &str) {
    if text.contains('\r') {
        return;
    }
    let lf = parse_up_to_spans(text);
    for eol in ["\r\n", "\r"] {
        let other = parse_up_to_spans(&text.replace('\n', eol));
        assert_eq!(other.0, lf.0, "the tree with {eol:?} line ends differs from the one with \\n");
        assert_eq!(other.1, lf.1, "the diagnostics with {eol:?} line ends differ from the ones with \\n");
    }
}

fn corpus_files() -> &'static [String] {
    static FILES: OnceLock<Vec<String>> = OnceLock::new();
    FILES.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus");
        let mut stack: Vec<PathBuf> = vec![root];
        let mut out = Vec::new();
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "adt") {
                    out.push(std::fs::read_to_string(&path).unwrap_or_default());
                }
            }
        }
        out.push(include_str!("inputs/design_example.adt").to_string());
        out.sort();
        out
    })
}

#[test]
fn line_ends_are_interchangeable_in_every_corpus_file() {
    let files = corpus_files();
    assert!(files.len() > 50, "the corpus was found");
    for text in files {
        check_line_ends(text);
    }
}

const VOCABULARY: &[&str] = &[
    "spec",
    "version",
    "1.0.0",
    "type",
    "error",
    "fn",
    "machine",
    "service",
    "standards",
    "deploy",
    "migrate",
    "from",
    "allow",
    "on",
    "because",
    "where",
    "requires",
    "ensures",
    "match",
    "var",
    "invariant",
    "states",
    "initial",
    "final",
    "when",
    "do",
    "depends",
    "op",
    "body",
    "flow",
    "fires",
    "except",
    "reversible",
    "back",
    "GET",
    "POST",
    "/a/{b}",
    "true",
    "false",
    "self",
    "A",
    "b",
    "_",
    "Int",
    "42",
    "99999999999999999999",
    "\"s\"",
    "\"open",
    "\"\\q\"",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "<",
    ">",
    "<=",
    ">=",
    "<-",
    "->",
    "=>",
    ">=>",
    "=",
    "==",
    "!=",
    "!",
    "+",
    "-",
    "*",
    "/",
    "%",
    "&&",
    "||",
    "|",
    ",",
    ";",
    ":",
    ".",
    "// c",
    "/// d",
    "\n",
    "@",
    "é",
    "#",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec((0..VOCABULARY.len(), prop::bool::ANY), 0..200).prop_map(|words| {
        let mut s = String::new();
        for (i, newline) in words {
            s.push_str(VOCABULARY[i]);
            s.push(if newline { '\n' } else { ' ' });
        }
        s
    })
}

/// An edit of a byte string: insert, delete or replace one byte at a position.
#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, u8),
    Delete(usize),
    Replace(usize, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    let byte = prop_oneof![
        4 => prop::sample::select(b"(){}[]<>=-+|/\"\\.,:;!_ \naZ09".to_vec()),
        1 => any::<u8>(),
    ];
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(at, b)| Edit::Insert(at, b)),
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), byte).prop_map(|(at, b)| Edit::Replace(at, b)),
    ]
}

proptest! {
    #[test]
    fn arbitrary_strings(text in "\\PC*") {
        check(&text);
    }

    #[test]
    fn arbitrary_characters_including_controls(text in ".{0,300}") {
        check(&text);
    }

    #[test]
    fn token_soup(text in soup()) {
        check(&text);
    }

    #[test]
    fn line_ends_are_interchangeable_in_token_soup(text in soup()) {
        check_line_ends(&text);
    }

    #[test]
    fn mutated_corpus_files(file in any::<prop::sample::Index>(), edits in prop::collection::vec(edit(), 1..12)) {
        let files = corpus_files();
        prop_assume!(!files.is_empty());
        let mut bytes = files[file.index(files.len())].clone().into_bytes();
        for e in edits {
            match e {
                Edit::Insert(at, b) => {
                    let at = at % (bytes.len() + 1);
                    bytes.insert(at, b);
                }
                Edit::Delete(at) if !bytes.is_empty() => {
                    let at = at % bytes.len();
                    bytes.remove(at);
                }
                Edit::Replace(at, b) if !bytes.is_empty() => {
                    let at = at % bytes.len();
                    bytes[at] = b;
                }
                _ => {}
            }
        }
        check(&String::from_utf8_lossy(&bytes));
    }
}
