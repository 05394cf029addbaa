//! Open documents: their text, version and line index, and incremental edits.

use crate::position::{Encoding, LineIndex};
use lsp_types::TextDocumentContentChangeEvent;

/// One document the client has opened.
#[derive(Debug, Clone)]
pub struct Document {
    pub text: String,
    pub version: i32,
    pub index: LineIndex,
}

impl Document {
    pub fn new(text: String, version: i32) -> Self {
        let index = LineIndex::new(&text);
        Document { text, version, index }
    }

    /// Applies one change: a whole new text, or a range replaced. Positions out of range are
    /// clamped and a reversed range is put in order, so no edit can fail or panic.
    pub fn apply(&mut self, change: &TextDocumentContentChangeEvent, enc: Encoding) {
        match change.range {
            None => self.text.clone_from(&change.text),
            Some(range) => {
                let a = self.index.offset(&self.text, range.start, enc);
                let b = self.index.offset(&self.text, range.end, enc);
                let (start, end) = if a <= b { (a, b) } else { (b, a) };
                self.text.replace_range(start..end, &change.text);
            }
        }
        self.index = LineIndex::new(&self.text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};

    fn change(sl: u32, sc: u32, el: u32, ec: u32, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range { start: Position::new(sl, sc), end: Position::new(el, ec) }),
            range_length: None,
            text: text.to_string(),
        }
    }

    #[test]
    fn incremental_edits_apply_in_order() {
        let mut d = Document::new("type A = Int\n".into(), 1);
        d.apply(&change(0, 5, 0, 6, "Bé"), Encoding::Utf16);
        assert_eq!(d.text, "type Bé = Int\n");
        d.apply(&change(0, 7, 0, 7, "😀"), Encoding::Utf16);
        assert_eq!(d.text, "type Bé😀 = Int\n");
        d.apply(&change(0, 9, 0, 5, ""), Encoding::Utf16);
        assert_eq!(d.text, "type  = Int\n", "a reversed range is put in order");
        d.apply(&change(9, 0, 9, 0, "x"), Encoding::Utf16);
        assert_eq!(d.text, "type  = Int\nx", "past the end appends");
    }
}
