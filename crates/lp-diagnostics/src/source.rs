//! Loaded source files, byte spans and line/column lookup.
//!
//! A line ends at `\n`, at `\r\n` or at a `\r` alone, everywhere: the lexer, these line
//! numbers and carets, and the language server's positions all use [`line_starts`].

use serde::Serialize;

/// Index of a file in a [`SourceDb`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct FileId(pub u32);

/// A half-open byte range `start..end` inside one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start: start as u32, end: end as u32 }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    pub fn len(self) -> u32 {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.end == self.start
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A one-based line and column (columns count Unicode scalar values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// Where each line of `text` starts (the first at 0): after every `\n`, `\r\n` or lone `\r`.
pub fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    for (i, &b) in bytes.iter().enumerate() {
        let ends = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
        if ends {
            starts.push(i + 1);
        }
    }
    starts
}

/// The number of line ends (`\n`, `\r\n` or a lone `\r`) in `bytes`, which need not be UTF-8.
pub fn count_line_ends(bytes: &[u8]) -> usize {
    bytes.iter().enumerate().filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))).count()
}

/// The end of the line that starts at `start`, before its terminator, given where the next
/// line starts (`None` for the last line).
pub fn line_end(text: &str, start: usize, next: Option<usize>) -> usize {
    let Some(next) = next else { return text.len() };
    let bytes = text.as_bytes();
    let mut end = next;
    if end > start && bytes.get(end - 1) == Some(&b'\n') {
        end -= 1;
    }
    if end > start && bytes.get(end - 1) == Some(&b'\r') {
        end -= 1;
    }
    end
}

/// The lines of `text`, without their terminators (`\n`, `\r\n` or a lone `\r`), as
/// [`str::lines`] would give them if it knew the lone `\r`.
pub fn lines(text: &str) -> Vec<&str> {
    if text.is_empty() {
        return Vec::new();
    }
    let starts = line_starts(text);
    let mut out: Vec<&str> = starts
        .iter()
        .enumerate()
        .map(|(i, &start)| &text[start..line_end(text, start, starts.get(i + 1).copied())])
        .collect();
    // Like `str::lines`, a final line end does not start an empty last line.
    if out.len() > 1 && out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out
}

/// One loaded file: its display name, its text and where its lines start.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let line_starts = line_starts(&text);
        SourceFile { name: name.into(), text, line_starts }
    }

    /// The zero-based line containing `offset`.
    pub fn line_index(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// The byte range of a zero-based line, without its line terminator.
    pub fn line_range(&self, line: usize) -> Option<std::ops::Range<usize>> {
        let start = *self.line_starts.get(line)?;
        Some(start..line_end(&self.text, start, self.line_starts.get(line + 1).copied()))
    }

    /// One-based line and column of a byte offset (clamped to the text and to a char boundary).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_index(offset);
        let start = self.line_starts[line];
        let column = self.text[start..offset].chars().count() + 1;
        LineCol { line: line as u32 + 1, column: column as u32 }
    }

    /// The byte offset of a zero-based line and UTF-16 column, as the LSP counts them.
    pub fn offset_of_utf16(&self, line: usize, col_utf16: usize) -> usize {
        let Some(range) = self.line_range(line) else { return self.text.len() };
        let mut units = 0;
        for (i, c) in self.text[range.clone()].char_indices() {
            if units >= col_utf16 {
                return range.start + i;
            }
            units += c.len_utf16();
        }
        range.end
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

/// Every file a session has loaded. Renderers and the LSP resolve spans through it.
#[derive(Debug, Clone, Default)]
pub struct SourceDb {
    files: Vec<SourceFile>,
}

impl SourceDb {
    pub fn new() -> Self {
        SourceDb::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push(SourceFile::new(name, text));
        FileId(self.files.len() as u32 - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i as u32), f))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

impl<'a> codespan_reporting::files::Files<'a> for SourceDb {
    type FileId = FileId;
    type Name = String;
    type Source = &'a str;

    /// The file's name as the human renderer prints it: control characters escaped, so a file
    /// name cannot start a line of its own.
    fn name(&'a self, id: FileId) -> Result<String, codespan_reporting::files::Error> {
        self.files
            .get(id.0 as usize)
            .map(|f| crate::render::escape_line(&f.name))
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        self.files.get(id.0 as usize).map(|f| f.text.as_str()).ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, codespan_reporting::files::Error> {
        let f = self.files.get(id.0 as usize).ok_or(codespan_reporting::files::Error::FileMissing)?;
        Ok(f.line_index(byte_index))
    }

    fn line_range(
        &'a self,
        id: FileId,
        line_index: usize,
    ) -> Result<std::ops::Range<usize>, codespan_reporting::files::Error> {
        let f = self.files.get(id.0 as usize).ok_or(codespan_reporting::files::Error::FileMissing)?;
        let start = *f.line_starts.get(line_index).ok_or(codespan_reporting::files::Error::LineTooLarge {
            given: line_index,
            max: f.line_starts.len() - 1,
        })?;
        let end = f.line_starts.get(line_index + 1).copied().unwrap_or(f.text.len());
        Ok(start..end)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn lines_end_at_every_line_end_like_str_lines() {
        for text in ["a\nb\n", "a\r\nb", "a\rb\r", "", "x", "a\n\nb", "\n"] {
            let expected: Vec<&str> = text.replace("\r\n", "\n").replace('\r', "\n").leak().lines().collect();
            assert_eq!(super::lines(text), expected, "{text:?}");
        }
    }
    use super::*;

    #[test]
    fn cr_crlf_and_lf_each_end_one_line() {
        for text in ["a\rbc\rd", "a\nbc\nd", "a\r\nbc\r\nd", "a\rbc\r\nd"] {
            let f = SourceFile::new("x.adt", text);
            assert_eq!(f.line_count(), 3, "{text:?}");
            let d = text.find('d').expect("d");
            assert_eq!(f.line_col(d), LineCol { line: 3, column: 1 }, "{text:?}");
            assert_eq!(&text[f.line_range(1).expect("line 2")], "bc", "{text:?}");
            assert_eq!(f.offset_of_utf16(1, 9), text.find('c').expect("c") + 1, "{text:?}");
        }
        // `\r\r` is two line ends; `\r\n` is one.
        assert_eq!(line_starts("a\r\rb\r\nc"), vec![0, 2, 3, 6]);
        assert_eq!(count_line_ends(b"a\r\rb\r\nc\n"), 4);
    }
}
