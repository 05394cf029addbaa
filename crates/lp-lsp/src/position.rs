//! Positions: LSP `(line, character)` pairs to byte offsets and back, in UTF-16 or UTF-8 code
//! units as negotiated.
//!
//! Lines end at `\n`, `\r\n` or a lone `\r`, as everywhere else ([`lp_diagnostics::line_starts`]). A character past the end of
//! its line means the line's end and a line past the last means the end of the text, as the
//! specification asks; a column inside a UTF-16 surrogate pair or a UTF-8 sequence moves to the
//! next character boundary.

use lsp_types::{Position, Range};

/// How `Position.character` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-16 code units: the LSP default.
    Utf16,
    /// Bytes, when the client offers `utf-8` in `general.positionEncodings`.
    Utf8,
}

/// Where each line of a text starts.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        LineIndex { starts: lp_diagnostics::line_starts(text) }
    }

    /// The byte range of a zero-based line without its terminator.
    fn line(&self, text: &str, line: usize) -> Option<std::ops::Range<usize>> {
        let start = *self.starts.get(line)?;
        Some(start..lp_diagnostics::line_end(text, start, self.starts.get(line + 1).copied()))
    }

    /// The byte offset of a position, clamped to the text as the specification says.
    pub fn offset(&self, text: &str, pos: Position, enc: Encoding) -> usize {
        let Some(range) = self.line(text, pos.line as usize) else { return text.len() };
        let want = pos.character as usize;
        let mut units = 0;
        for (i, c) in text[range.clone()].char_indices() {
            if units >= want {
                return range.start + i;
            }
            units += match enc {
                Encoding::Utf16 => c.len_utf16(),
                Encoding::Utf8 => c.len_utf8(),
            };
        }
        range.end
    }

    /// The byte offset of a position, or `None` when its line does not exist (requests about
    /// such positions are answered with nothing).
    pub fn checked_offset(&self, text: &str, pos: Position, enc: Encoding) -> Option<usize> {
        self.line(text, pos.line as usize)?;
        Some(self.offset(text, pos, enc))
    }

    /// The position of a byte offset (clamped to the text and moved back to a char boundary).
    pub fn position(&self, text: &str, offset: usize, enc: Encoding) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = match self.starts.binary_search(&offset) {
            Ok(l) => l,
            Err(next) => next - 1,
        };
        let start = self.starts[line];
        let character = match enc {
            Encoding::Utf16 => text[start..offset].chars().map(char::len_utf16).sum::<usize>(),
            Encoding::Utf8 => offset - start,
        };
        Position { line: line as u32, character: character as u32 }
    }

    /// The range of a byte span.
    pub fn range(&self, text: &str, span: lp_diagnostics::Span, enc: Encoding) -> Range {
        Range { start: self.position(text, span.start as usize, enc), end: self.position(text, span.end as usize, enc) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn utf16_columns_count_surrogate_pairs_twice() {
        let text = "a😀b\né\n";
        let idx = LineIndex::new(text);
        // `b` is after one byte, four bytes of the emoji: byte 5, UTF-16 column 3.
        assert_eq!(idx.offset(text, pos(0, 3), Encoding::Utf16), 5);
        assert_eq!(idx.position(text, 5, Encoding::Utf16), pos(0, 3));
        assert_eq!(idx.position(text, 5, Encoding::Utf8), pos(0, 5));
        assert_eq!(idx.offset(text, pos(0, 5), Encoding::Utf8), 5);
        // Inside the surrogate pair: the next boundary.
        assert_eq!(idx.offset(text, pos(0, 2), Encoding::Utf16), 5);
        // `é` is two bytes, one UTF-16 unit.
        assert_eq!(idx.offset(text, pos(1, 1), Encoding::Utf16), 9);
        assert_eq!(idx.position(text, 9, Encoding::Utf16), pos(1, 1));
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let text = "ab\r\ncd";
        let idx = LineIndex::new(text);
        assert_eq!(idx.offset(text, pos(0, 99), Encoding::Utf16), 2, "before the CR");
        assert_eq!(idx.offset(text, pos(7, 0), Encoding::Utf16), text.len());
        assert_eq!(idx.checked_offset(text, pos(7, 0), Encoding::Utf16), None);
        assert_eq!(idx.checked_offset(text, pos(1, 1), Encoding::Utf16), Some(5));
        assert_eq!(idx.position(text, 999, Encoding::Utf16), pos(1, 2));
    }

    #[test]
    fn a_lone_cr_ends_a_line_like_lf_and_crlf() {
        for text in ["ab\rcé\rd", "ab\ncé\nd", "ab\r\ncé\r\nd"] {
            let idx = LineIndex::new(text);
            let eol = if text.contains("\r\n") { 2 } else { 1 };
            let c = 2 + eol;
            let d = c + "cé".len() + eol;
            assert_eq!(idx.position(text, c, Encoding::Utf16), pos(1, 0), "{text:?}");
            assert_eq!(idx.position(text, d, Encoding::Utf16), pos(2, 0), "{text:?}");
            assert_eq!(idx.offset(text, pos(1, 2), Encoding::Utf16), c + "cé".len(), "{text:?}");
            assert_eq!(idx.offset(text, pos(1, 99), Encoding::Utf16), c + "cé".len(), "end of line 1: {text:?}");
            assert_eq!(idx.offset(text, pos(2, 0), Encoding::Utf16), d, "{text:?}");
            assert_eq!(idx.checked_offset(text, pos(3, 0), Encoding::Utf16), None, "{text:?}");
        }
    }
}
