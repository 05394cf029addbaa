//! Deterministic YAML documents for generated files: a value tree whose maps keep their
//! insertion order ([`Node`]), and [`render`], which writes it under a "generated" header.
//!
//! yaml_serde writes strings such as `yes`, `on` or `N` as plain scalars, which YAML 1.1
//! readers (PyYAML, go-yaml v2 in Kubernetes tooling) take for booleans; likewise `12:30`
//! (a base-60 integer), `1_000`, `0o17`-style octals, `2001-12-14` (a date) or `~` (null).
//! [`render`] quotes every string a YAML 1.1 reader would not read back as that string, keys
//! included, so a state named `On` or an env value `12:30` stays a string for every reader.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// A YAML value whose maps keep their insertion order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// An empty map.
    pub fn map() -> Node {
        Node::Map(Vec::new())
    }

    /// Adds an entry to a map (does nothing to other nodes).
    pub fn with(mut self, key: &str, value: impl Into<Node>) -> Node {
        self.push(key, value);
        self
    }

    /// Adds an entry to a map (does nothing to other nodes).
    pub fn push(&mut self, key: &str, value: impl Into<Node>) {
        if let Node::Map(entries) = self {
            entries.push((key.to_string(), value.into()));
        }
    }

    /// A sequence of strings.
    pub fn strs<S: AsRef<str>>(items: &[S]) -> Node {
        Node::Seq(items.iter().map(|s| Node::Str(s.as_ref().to_string())).collect())
    }

    /// Every string of the tree, keys included.
    fn strings<'n>(&'n self, out: &mut Vec<&'n str>) {
        match self {
            Node::Str(s) => out.push(s),
            Node::Seq(items) => items.iter().for_each(|i| i.strings(out)),
            Node::Map(entries) => {
                for (k, v) in entries {
                    out.push(k);
                    v.strings(out);
                }
            }
            Node::Null | Node::Bool(_) | Node::Int(_) => {}
        }
    }

    /// Replaces every string (key or value) that YAML 1.1 reads as a boolean by a placeholder
    /// `{marker}{n}{marker}`, recording the original.
    fn mask(&mut self, marker: &str, masked: &mut Vec<String>) {
        match self {
            Node::Str(s) => hide(s, marker, masked),
            Node::Seq(items) => items.iter_mut().for_each(|i| i.mask(marker, masked)),
            Node::Map(entries) => {
                for (k, v) in entries {
                    hide(k, marker, masked);
                    v.mask(marker, masked);
                }
            }
            Node::Null | Node::Bool(_) | Node::Int(_) => {}
        }
    }
}

/// Replaces `s` by the next placeholder when YAML 1.1 would not read it as a string.
fn hide(s: &mut String, marker: &str, masked: &mut Vec<String>) {
    if yaml11_non_string(s) {
        let original = std::mem::replace(s, format!("{marker}{}{marker}", masked.len()));
        masked.push(original);
    }
}

impl From<&str> for Node {
    fn from(s: &str) -> Node {
        Node::Str(s.to_string())
    }
}

impl From<String> for Node {
    fn from(s: String) -> Node {
        Node::Str(s)
    }
}

impl From<bool> for Node {
    fn from(b: bool) -> Node {
        Node::Bool(b)
    }
}

impl From<i64> for Node {
    fn from(n: i64) -> Node {
        Node::Int(n)
    }
}

impl From<u64> for Node {
    fn from(n: u64) -> Node {
        Node::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<usize> for Node {
    fn from(n: usize) -> Node {
        Node::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<Vec<Node>> for Node {
    fn from(v: Vec<Node>) -> Node {
        Node::Seq(v)
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Null => s.serialize_unit(),
            Node::Bool(b) => s.serialize_bool(*b),
            Node::Int(n) => s.serialize_i64(*n),
            Node::Str(v) => s.serialize_str(v),
            Node::Seq(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            Node::Map(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// Whether a YAML 1.1 reader takes the plain scalar `s` for a boolean.
pub fn yaml11_bool(s: &str) -> bool {
    matches!(s.to_ascii_lowercase().as_str(), "y" | "yes" | "n" | "no" | "on" | "off" | "true" | "false")
}

/// The YAML 1.1 scalar types other than strings (yaml.org/type: null, int, float,
/// timestamp, merge, value), as one pattern over a whole plain scalar. Floats follow the
/// resolver PyYAML uses (`1.0.0` is a string there, though the spec's looser float pattern
/// would take it).
static YAML11_TYPED: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
    regex::Regex::new(concat!(
        r"^(?:",
        r"~|null|Null|NULL|",
        r"[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+|",
        r"[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?|",
        r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+|",
        r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|",
        r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?|",
        r"<<|=",
        r")$"
    ))
    .ok()
});

/// Whether a YAML 1.1 reader takes the plain scalar `s` for something other than the string
/// `s`: a boolean, null, a number (with `_`, base 60, octal, hex, binary), a date or
/// timestamp, or the merge and value keys. The empty string is null too.
pub fn yaml11_non_string(s: &str) -> bool {
    if s.is_empty() || yaml11_bool(s) {
        return true;
    }
    // Without the pattern (it always compiles), quote anything that starts like a number.
    match YAML11_TYPED.as_ref() {
        Some(re) => re.is_match(s),
        None => s.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | '~')),
    }
}

/// The document as YAML text under the comment header
/// `# {file}: generated by leanos-prove from spec {name} {version}. Do not edit.`
///
/// Strings YAML 1.1 reads as something else ([`yaml11_non_string`]) are masked by
/// placeholders yaml_serde writes plain, then replaced by their single-quoted form.
pub fn render(file: &str, spec_name: Option<&str>, spec_version: Option<&str>, doc: &Node) -> String {
    let mut out = format!("# {file}: generated by leanos-prove from spec");
    for part in [spec_name, spec_version].into_iter().flatten() {
        out.push(' ');
        out.push_str(part);
    }
    out.push_str(". Do not edit.\n");
    let mut strings = Vec::new();
    doc.strings(&mut strings);
    let mut marker = "LPQUOTE".to_string();
    while strings.iter().any(|s| s.contains(&marker)) {
        marker.push('Q');
    }
    let mut doc = doc.clone();
    let mut masked = Vec::new();
    doc.mask(&marker, &mut masked);
    match yaml_serde::to_string(&doc) {
        Ok(mut text) => {
            for (i, original) in masked.iter().enumerate() {
                let quoted = original.replace('\'', "''");
                text = text.replace(&format!("{marker}{i}{marker}"), &format!("'{quoted}'"));
            }
            out.push_str(&text);
        }
        Err(e) => out.push_str(&format!("# the document could not be written: {e}\n")),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Node, render, yaml11_bool, yaml11_non_string};

    #[test]
    fn yaml11_typed_scalars_are_recognised() {
        for s in [
            "",
            "~",
            "null",
            "12:30",
            "1_000",
            "-0x1F",
            "0b101",
            "017",
            "1.5",
            ".5",
            "1e3",
            ".inf",
            ".NaN",
            "2001-12-14",
            "2001-12-14t21:59:43.10-05:00",
            "2001-12-14 21:59:43.10 -5",
            "<<",
            "=",
            "Yes",
            "OFF",
        ] {
            assert!(yaml11_non_string(s), "{s:?} should be quoted");
        }
        for s in ["abc", "v1.2.3", "12:30pm", "catalog-sync", "a:b", "500m", "256Mi", "1.2.3", "x=1", "2001-12"] {
            assert!(!yaml11_non_string(s), "{s:?} should stay plain");
        }
    }

    #[test]
    fn typed_looking_strings_are_quoted_and_read_back_as_strings() {
        let doc = Node::map().with("TIME", "12:30").with("N", "1_000").with("D", "2001-12-14").with("Q", "it's");
        let text = render("t.yaml", None, None, &doc);
        assert!(
            text.contains("TIME: '12:30'") && text.contains("'N': '1_000'") && text.contains("D: '2001-12-14'"),
            "{text}"
        );
        let back: yaml_serde::Value = yaml_serde::from_str(&text).expect("valid YAML");
        assert_eq!(back["TIME"].as_str(), Some("12:30"));
        assert_eq!(back["Q"].as_str(), Some("it's"));
    }

    #[test]
    fn yaml11_booleans_are_recognised() {
        for s in ["y", "Yes", "NO", "on", "Off", "true"] {
            assert!(yaml11_bool(s), "{s}");
        }
        for s in ["yesterday", "one", "", "1"] {
            assert!(!yaml11_bool(s), "{s}");
        }
    }

    #[test]
    fn boolean_words_are_quoted_as_keys_and_values() {
        let doc = Node::map()
            .with("states", Node::strs(&["Off", "On", "Idle"]))
            .with("On", Node::map().with("event", "yes"))
            .with("count", 3usize)
            .with("flag", true);
        let text = render("t.yaml", Some("s"), Some("1.0.0"), &doc);
        assert!(text.starts_with("# t.yaml: generated by leanos-prove from spec s 1.0.0. Do not edit.\n"), "{text}");
        assert!(text.contains("- 'Off'") && text.contains("- 'On'") && text.contains("- Idle"), "{text}");
        assert!(text.contains("'On':") && text.contains("event: 'yes'"), "{text}");
        assert!(text.contains("count: 3") && text.contains("flag: true"), "{text}");
        assert!(!text.contains("LPQUOTE"), "{text}");
    }

    #[test]
    fn a_string_containing_the_marker_does_not_collide() {
        let doc = Node::map().with("a", "LPQUOTE0LPQUOTE").with("b", "no");
        let text = render("t.yaml", None, None, &doc);
        assert!(text.contains("a: LPQUOTE0LPQUOTE") && text.contains("b: 'no'"), "{text}");
    }
}
