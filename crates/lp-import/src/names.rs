//! Turning names found in an OpenAPI document into valid, unique spec identifiers.
//!
//! Sanitizing is deterministic: every character that cannot appear in an identifier becomes
//! `_`, a leading digit gets a `_` in front, and the built-in type names get a `_` appended
//! when they name a declared type (keywords are contextual, so `type` or `self` stay valid
//! field names). Collisions inside one scope are resolved by appending `_2`, `_3`, ... in the order
//! the names are claimed, which is the (sorted) order of the document.

use std::collections::BTreeSet;

/// The built-in type names, which a declared type may not reuse.
const BUILTIN_TYPES: &[&str] = &["Int", "Bool", "String", "Unit", "Void", "Option", "Result", "List", "Set", "Map"];

/// Whether `s` is an identifier of the spec language.
pub fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `raw` as an identifier: invalid characters become `_`, a leading digit is prefixed.
pub fn ident(raw: &str) -> String {
    let mut out: String = raw.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if out.is_empty() {
        out.push_str("unnamed");
    } else if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// A type name: [`ident`], with the built-in type names avoided.
pub fn type_ident(raw: &str) -> String {
    let mut out = ident(raw);
    if BUILTIN_TYPES.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// A lower-case snake name, for the spec header and service names made from titles.
pub fn snake(raw: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && prev_lower {
                out.push('_');
            }
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(c.to_ascii_lowercase());
        } else {
            prev_lower = false;
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    ident(&out)
}

/// `PascalCase` of a snake, kebab or spaced name, for hoisted types and error names.
pub fn pascal(raw: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    type_ident(&out)
}

/// One namespace: the names claimed so far.
#[derive(Debug, Default, Clone)]
pub struct Scope {
    used: BTreeSet<String>,
}

impl Scope {
    /// Claims `want`, or the first free `want_N` (N from 2) when it is taken.
    pub fn claim(&mut self, want: &str) -> String {
        if self.used.insert(want.to_string()) {
            return want.to_string();
        }
        let mut n = 2u32;
        loop {
            let candidate = format!("{want}_{n}");
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes_deterministically() {
        assert_eq!(ident("pet-id"), "pet_id");
        assert_eq!(ident("2fa"), "_2fa");
        assert_eq!(ident("a.b"), "a_b");
        assert_eq!(ident(""), "unnamed");
        assert_eq!(type_ident("String"), "String_");
        assert_eq!(snake("Swagger Petstore"), "swagger_petstore");
        assert_eq!(snake("WebhookEvent"), "webhook_event");
        assert_eq!(pascal("not found"), "NotFound");
        assert!(is_ident("a_1") && !is_ident("1a") && !is_ident("a-b"));
    }

    #[test]
    fn collisions_get_numbered() {
        let mut s = Scope::default();
        assert_eq!(s.claim("Pet"), "Pet");
        assert_eq!(s.claim("Pet"), "Pet_2");
        assert_eq!(s.claim("Pet"), "Pet_3");
    }
}
