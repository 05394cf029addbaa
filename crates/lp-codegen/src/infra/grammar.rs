//! The grammars a `deploy` block's strings must follow before they reach the generated
//! configuration: OCI image references (`image`, the grammar of the distribution project's
//! `reference` package), Kubernetes resource quantities (`cpu`, `memory`), and the characters
//! no deploy string may hold (control characters, GitHub Actions expressions `${{`).
//!
//! Each check returns why the text is refused, as a phrase for a diagnostic, or `Ok(())`.

/// The longest image name (registry and path, without tag or digest) registries accept.
pub const MAX_NAME_LEN: usize = 255;
/// The longest tag.
pub const MAX_TAG_LEN: usize = 128;

/// Why `text` may not reach a generated file at all: it holds a control character (a line
/// break would end a YAML scalar or a shell word early) or a GitHub Actions expression
/// opener `${{` (the runner would evaluate it before any shell sees the value).
pub fn unsafe_text(text: &str) -> Result<(), String> {
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(format!("it contains the control character U+{:04X}", c as u32));
    }
    if text.contains("${{") {
        return Err("it contains `${{`, which GitHub Actions would evaluate as an expression".to_string());
    }
    Ok(())
}

/// `[a-z0-9]+`.
fn alnum_lower(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// A path component: lower-case letters and digits, separated by `.`, `_`, `__` or runs
/// of `-`, starting and ending with a letter or digit.
fn path_component(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    loop {
        let start = i;
        while i < b.len() && (b[i].is_ascii_lowercase() || b[i].is_ascii_digit()) {
            i += 1;
        }
        if i == start {
            return false;
        }
        if i == b.len() {
            return true;
        }
        let sep = i;
        match b[i] {
            b'.' => i += 1,
            b'_' => {
                i += 1;
                if i < b.len() && b[i] == b'_' {
                    i += 1;
                }
            }
            b'-' => {
                while i < b.len() && b[i] == b'-' {
                    i += 1;
                }
            }
            _ => return false,
        }
        if i == sep || i == b.len() {
            return false;
        }
    }
}

/// A registry host: a DNS name (labels of letters, digits and inner `-`, joined by `.`), an
/// IPv4 address or a bracketed IPv6 address, with an optional `:port`.
fn domain(s: &str) -> bool {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let Some((v6, after)) = rest.split_once(']') else { return false };
        if v6.is_empty() || !v6.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
            return false;
        }
        match after {
            "" => return true,
            _ => match after.strip_prefix(':') {
                Some(p) => ("x", Some(p)),
                None => return false,
            },
        }
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let label = |l: &str| {
        let b = l.as_bytes();
        !b.is_empty()
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
            && b[0] != b'-'
            && b[b.len() - 1] != b'-'
    };
    host.split('.').all(label)
        && port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether the first component of a name is a registry host rather than a path component
/// (the rule Docker applies: it has a `.` or a `:`, is `localhost`, or has upper case).
fn names_registry(first: &str) -> bool {
    first.contains('.') || first.contains(':') || first == "localhost" || first.bytes().any(|b| b.is_ascii_uppercase())
}

/// Why `image` is not an OCI image reference `[host[:port]/]path[:tag][@algorithm:hex]`.
pub fn oci_reference(image: &str) -> Result<(), String> {
    if image.is_empty() {
        return Err("it is empty".to_string());
    }
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    if let Some(d) = digest {
        let Some((algorithm, hex)) = d.split_once(':') else {
            return Err(format!("the digest `{d}` is not `algorithm:hex` (`sha256:` and 64 hex digits)"));
        };
        let algorithm_ok = algorithm.split(['+', '.', '-', '_']).all(|c| {
            let mut chars = c.chars();
            chars.next().is_some_and(|f| f.is_ascii_alphabetic()) && chars.all(|ch| ch.is_ascii_alphanumeric())
        });
        let want = match algorithm {
            "sha256" => Some(64),
            "sha512" => Some(128),
            _ => None,
        };
        let hex_ok = hex.len() >= 32
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
            && want.is_none_or(|n| hex.len() == n && hex.bytes().all(|b| !b.is_ascii_uppercase()));
        if !algorithm_ok || !hex_ok {
            return Err(format!("the digest `{d}` is not `algorithm:hex` (`sha256:` and 64 lower-case hex digits)"));
        }
    }
    // The tag follows the last `:` after the last `/` (a `:` before it is a registry port).
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if let Some(tag) = tag {
        let b = tag.as_bytes();
        let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
        if b.is_empty()
            || b.len() > MAX_TAG_LEN
            || !word(b[0])
            || !b.iter().all(|c| word(*c) || *c == b'.' || *c == b'-')
        {
            return Err(format!(
                "the tag `{tag}` is not letters, digits, `_`, `.` and `-` (not starting with `.` or `-`, at most {MAX_TAG_LEN})"
            ));
        }
    }
    if name.len() > MAX_NAME_LEN {
        return Err(format!("the name is longer than {MAX_NAME_LEN} characters"));
    }
    let mut parts: Vec<&str> = name.split('/').collect();
    if parts.len() > 1 && names_registry(parts[0]) {
        let host = parts.remove(0);
        if !domain(host) {
            return Err(format!("the registry `{host}` is not a host name or address with an optional `:port`"));
        }
    }
    if let Some(bad) = parts.iter().find(|p| !path_component(p)) {
        return Err(if bad.is_empty() {
            "a path component is empty".to_string()
        } else if bad.bytes().any(|b| b.is_ascii_uppercase()) && alnum_lower(&bad.to_ascii_lowercase()) {
            format!("the path component `{bad}` has upper-case letters")
        } else {
            format!(
                "the path component `{bad}` is not lower-case letters and digits separated by `.`, `_`, `__` or `-`"
            )
        });
    }
    Ok(())
}

/// Why `text` is not a Kubernetes resource quantity (`250m`, `0.5`, `64Mi`, `1e3`): a
/// non-negative decimal number with an optional binary (`Ki`...`Ei`), decimal (`m`, `k`,
/// `M`...`E`) or exponent (`e3`, `E-2`) suffix.
pub fn quantity(text: &str) -> Result<(), String> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let body = text.strip_prefix('+').unwrap_or(text);
    if body.starts_with('-') {
        return Err("it is negative".to_string());
    }
    let end = body.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(body.len());
    let (number, suffix) = body.split_at(end);
    let number_ok = match number.split_once('.') {
        None => digits(number),
        Some((a, b)) => (digits(a) || a.is_empty()) && (digits(b) || b.is_empty()) && !(a.is_empty() && b.is_empty()),
    };
    if !number_ok {
        return Err("it does not start with a number".to_string());
    }
    let suffix_ok = match suffix {
        "" | "m" | "k" | "M" | "G" | "T" | "P" | "E" | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" => true,
        s => s.strip_prefix(['e', 'E']).is_some_and(|exp| digits(exp.strip_prefix(['+', '-']).unwrap_or(exp))),
    };
    if !suffix_ok {
        return Err(format!(
            "the suffix `{suffix}` is not one of Ki, Mi, Gi, Ti, Pi, Ei, m, k, M, G, T, P, E or an exponent like e3"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{oci_reference, quantity, unsafe_text};

    #[test]
    fn image_references() {
        for ok in [
            "catalog",
            "acme/catalog",
            "ghcr.io/acme/catalog:2.0.0",
            "localhost:5000/catalog",
            "localhost/catalog:v1_2.3-rc.1",
            "registry.example.com:443/team/sub/app__x.y-z",
            "[::1]:5000/app:1",
            "Registry.Example.com/app",
            "app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "ghcr.io/a/b:1.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert_eq!(oci_reference(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "\"; touch X; \"",
            "app; touch X",
            "App",
            "acme/Catalog",
            "acme//catalog",
            "acme/catalog:",
            "acme/catalog:.tag",
            "acme/catalog:$(id)",
            "-app",
            "app-",
            "a..b",
            "a___b",
            "ghcr.io:port/app",
            "bad_host.io/app",
            "app@sha256:abc",
            "app@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
            "app with space",
            "${{ github.token }}",
        ] {
            assert!(oci_reference(bad).is_err(), "{bad}");
        }
        assert!(oci_reference(&format!("{}:1", "a".repeat(256))).is_err());
        assert!(oci_reference(&format!("app:{}", "t".repeat(129))).is_err());
    }

    #[test]
    fn quantities() {
        for ok in ["250m", "1", "0.5", ".5", "1.", "64Mi", "2Gi", "1k", "1e3", "1E-2", "+1", "100M", "0"] {
            assert_eq!(quantity(ok), Ok(()), "{ok}");
        }
        for bad in ["", "-1", "m", "1.2.3", "1 Gi", "1gi", "1KB", "1Mb", "1e", "1e+", "abc", ".", "1Mi; rm"] {
            assert!(quantity(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unsafe_strings() {
        assert!(unsafe_text("LOG=a\nb").is_err());
        assert!(unsafe_text("X=${{ secrets.KUBECONFIG }}").is_err());
        assert!(unsafe_text("X=\u{1b}[31m").is_err());
        assert_eq!(unsafe_text("X=${HOME} and $(id) stay text"), Ok(()));
    }
}
