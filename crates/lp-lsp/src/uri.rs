//! `file:` URIs to paths and back.

use lsp_types::Uri;
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Bytes escaped in a path written into a URI (RFC 3986 `pchar` keeps the rest).
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// The path of a `file:` URI; `None` for other schemes or a URI with a host other than
/// `localhost`.
pub fn to_path(uri: &Uri) -> Option<PathBuf> {
    let s = uri.as_str();
    let rest = s.strip_prefix("file://")?;
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let decoded = percent_decode_str(rest).decode_utf8().ok()?;
    // `file:///C:/x` on Windows.
    let path = match decoded.as_bytes() {
        [b'/', drive, b':', ..] if drive.is_ascii_alphabetic() && cfg!(windows) => decoded[1..].to_string(),
        _ => decoded.into_owned(),
    };
    Some(PathBuf::from(path))
}

/// The `file:` URI of an absolute path.
pub fn from_path(path: &Path) -> Option<Uri> {
    let s = path.to_string_lossy().replace('\\', "/");
    let s = if s.starts_with('/') { s } else { format!("/{s}") };
    Uri::from_str(&format!("file://{}", utf8_percent_encode(&s, PATH))).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_paths_with_spaces_and_unicode() {
        let p = Path::new("/tmp/my specs/é#1.adt");
        let uri = from_path(p).expect("an absolute path is a URI");
        assert_eq!(uri.as_str(), "file:///tmp/my%20specs/%C3%A9%231.adt");
        assert_eq!(to_path(&uri).as_deref(), Some(p));
        let other = Uri::from_str("untitled:Untitled-1").expect("a valid URI");
        assert_eq!(to_path(&other), None);
    }
}
