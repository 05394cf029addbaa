//! Turning a file's bytes into text: size limit, binary detection and UTF-8 validation.

use lp_diagnostics::{Diagnostic, codes};

/// Spec files larger than this are refused with `LP0010` (64 MiB).
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// Checks that `bytes` are a plausible spec file and returns its text.
///
/// The diagnostics returned have no location: the caller attaches the file name, since the
/// text could not be loaded into a source database.
// The error is returned once per file, so its size does not matter.
#[allow(clippy::result_large_err)]
pub fn decode(bytes: &[u8]) -> Result<&str, Diagnostic> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::new(
            codes::FILE_TOO_LARGE,
            format!("file is {} bytes; the limit is {} bytes", bytes.len(), MAX_FILE_BYTES),
        ));
    }
    // A NUL byte in the first 8 KiB is what git and most tools take as "binary".
    if bytes.iter().take(8192).any(|&b| b == 0) {
        return Err(Diagnostic::new(codes::BINARY_FILE, "file looks like binary data (it contains NUL bytes)")
            .with_help("spec files are UTF-8 text; check that the path names a `.adt` file"));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let line = lp_diagnostics::count_line_ends(&bytes[..at]) + 1;
        Diagnostic::new(
            codes::INVALID_UTF8,
            format!("file is not valid UTF-8: invalid byte at offset {at} (line {line})"),
        )
        .with_help("save the file as UTF-8")
    })
}
