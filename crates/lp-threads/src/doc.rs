//! One Markdown file of a workspace: its YAML front matter (parsed with yaml_serde, keys
//! located by line) and its body's structure (headings, list items, `**Key:** value` fields,
//! lists), read with pulldown-cmark so that code blocks and HTML never count as structure.

use lp_diagnostics::{FileId, Span};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use std::ops::Range;
use yaml_serde::{Mapping, Value};

/// The YAML between the opening `---` line and the closing `---` (or `...`) line.
#[derive(Debug, Clone)]
pub struct FrontMatter {
    /// The parsed mapping (empty when the YAML is not a mapping or does not parse).
    pub map: Mapping,
    /// The byte range of the YAML text inside the file.
    pub yaml: Range<usize>,
    /// Why the YAML could not be read, with the byte offset it points at.
    pub error: Option<(String, usize)>,
}

/// A parsed Markdown file.
#[derive(Debug, Clone)]
pub struct Doc {
    pub file: FileId,
    pub text: String,
    pub front: Option<FrontMatter>,
    /// Where the Markdown body starts.
    pub body_start: usize,
    pub headings: Vec<Heading>,
    pub items: Vec<Item>,
    pub fields: Vec<Field>,
    pub lists: Vec<Range<usize>>,
}

#[derive(Debug, Clone)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    pub range: Range<usize>,
}

/// A top-level list item (nested items are part of their parent's text).
#[derive(Debug, Clone)]
pub struct Item {
    pub text: String,
    pub range: Range<usize>,
    /// Whether the item contains a link.
    pub has_link: bool,
    /// `Some(done)` for a task-list item (`- [ ]`, `- [x]`).
    pub task: Option<bool>,
}

/// A `**Key:** value` line (in a paragraph or a list item).
#[derive(Debug, Clone)]
pub struct Field {
    pub key: String,
    pub value: String,
    /// From the opening `**` to the end of the line (without the line break).
    pub line: Range<usize>,
    /// The value's byte range (after the closing `**` and spaces, to the end of the line).
    pub value_range: Range<usize>,
}

impl Doc {
    pub fn parse(file: FileId, text: String) -> Doc {
        let (front, body_start) = split_front_matter(&text);
        let mut doc = Doc {
            file,
            text,
            front,
            body_start,
            headings: Vec::new(),
            items: Vec::new(),
            fields: Vec::new(),
            lists: Vec::new(),
        };
        doc.scan();
        doc
    }

    /// The span of a front-matter key's line, else of the opening `---`, else of the start.
    pub fn key_span(&self, key: &str) -> Span {
        if let Some(fm) = &self.front {
            let yaml = &self.text[fm.yaml.clone()];
            let mut offset = fm.yaml.start;
            for line in yaml.split_inclusive('\n') {
                if let Some(rest) = line.strip_prefix(key)
                    && rest.trim_start().starts_with(':')
                {
                    return Span::new(offset, offset + key.len());
                }
                offset += line.len();
            }
            return Span::new(0, 3.min(self.text.len()));
        }
        Span::new(0, 0)
    }

    /// The span of a `key: value` line inside a nested mapping or list item of the front
    /// matter (the first line containing `key:` after the line of `parent:`).
    pub fn nested_key_span(&self, parent: &str, key: &str) -> Span {
        let base = self.key_span(parent);
        let Some(fm) = &self.front else { return base };
        let start = base.end as usize;
        if start >= fm.yaml.end {
            return base;
        }
        let rest = &self.text[start..fm.yaml.end];
        let needle = format!("{key}:");
        match rest.find(&needle) {
            Some(i) => Span::new(start + i, start + i + key.len()),
            None => base,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.front.as_ref()?.map.get(key)
    }

    /// A front-matter value as text (strings, numbers and booleans).
    pub fn get_text(&self, key: &str) -> Option<String> {
        self.get(key).and_then(scalar_text)
    }

    /// The first heading's text, or the file's first line.
    pub fn title(&self) -> String {
        self.headings.first().map(|h| h.text.clone()).unwrap_or_default()
    }

    /// The index of the first heading whose text matches one of `names` (case-insensitive,
    /// ignoring a trailing colon).
    pub fn section(&self, names: &[&str]) -> Option<usize> {
        self.headings.iter().position(|h| {
            let t = h.text.trim().trim_end_matches(':').trim();
            names.iter().any(|n| t.eq_ignore_ascii_case(n))
        })
    }

    /// The byte range of heading `i`'s section: from the heading to the next heading of the
    /// same or a higher level.
    pub fn section_range(&self, i: usize) -> Range<usize> {
        let h = &self.headings[i];
        let end = self.headings[i + 1..]
            .iter()
            .find(|n| n.level <= h.level)
            .map(|n| n.range.start)
            .unwrap_or(self.text.len());
        h.range.start..end
    }

    /// The direct content of heading `i`: up to the next heading of any level.
    pub fn block_range(&self, i: usize) -> Range<usize> {
        let start = self.headings[i].range.start;
        let end = self.headings.get(i + 1).map(|n| n.range.start).unwrap_or(self.text.len());
        start..end
    }

    pub fn items_in(&self, r: &Range<usize>) -> impl Iterator<Item = &Item> {
        let r = r.clone();
        self.items.iter().filter(move |i| i.range.start >= r.start && i.range.start < r.end)
    }

    pub fn fields_in(&self, r: &Range<usize>) -> impl Iterator<Item = &Field> {
        let r = r.clone();
        self.fields.iter().filter(move |f| f.line.start >= r.start && f.line.start < r.end)
    }

    pub fn field_in(&self, r: &Range<usize>, key: &str) -> Option<&Field> {
        self.fields_in(r).find(|f| f.key.eq_ignore_ascii_case(key))
    }

    /// Sub-headings of heading `i` (deeper levels inside its section).
    pub fn children(&self, i: usize) -> Vec<usize> {
        let r = self.section_range(i);
        (i + 1..self.headings.len()).filter(|&j| self.headings[j].range.start < r.end).collect()
    }

    fn scan(&mut self) {
        let body = &self.text[self.body_start..];
        let base = self.body_start;
        let opts = Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
        let mut heading: Option<(u8, usize, String)> = None;
        let mut item_depth = 0usize;
        let mut list_depth = 0usize;
        let mut item: Option<Item> = None;
        let mut strong: Option<(usize, String)> = None;
        let mut pending_field: Option<(String, usize, usize)> = None;
        for (event, range) in Parser::new_ext(body, opts).into_offset_iter() {
            let range = base + range.start..base + range.end;
            match event {
                Event::Start(Tag::Heading { level, .. }) => heading = Some((level as u8, range.start, String::new())),
                Event::End(TagEnd::Heading(_)) => {
                    if let Some((level, start, text)) = heading.take() {
                        let end = line_end(&self.text, start);
                        self.headings.push(Heading { level, text: text.trim().to_string(), range: start..end });
                    }
                }
                Event::Start(Tag::List(_)) => {
                    if list_depth == 0 {
                        self.lists.push(range.clone());
                    }
                    list_depth += 1;
                }
                Event::End(TagEnd::List(_)) => list_depth = list_depth.saturating_sub(1),
                Event::Start(Tag::Item) => {
                    item_depth += 1;
                    if item_depth == 1 {
                        item = Some(Item { text: String::new(), range, has_link: false, task: None });
                    }
                }
                Event::End(TagEnd::Item) => {
                    item_depth = item_depth.saturating_sub(1);
                    if item_depth == 0
                        && let Some(mut it) = item.take()
                    {
                        it.text = it.text.trim().to_string();
                        self.items.push(it);
                    }
                }
                Event::TaskListMarker(done) => {
                    if let Some(it) = item.as_mut()
                        && it.task.is_none()
                    {
                        it.task = Some(done);
                    }
                }
                Event::Start(Tag::Link { .. }) => {
                    if let Some(it) = item.as_mut() {
                        it.has_link = true;
                    }
                }
                Event::Start(Tag::Strong) => strong = Some((range.start, String::new())),
                Event::End(TagEnd::Strong) => {
                    if let Some((start, text)) = strong.take() {
                        let key = text.trim();
                        if let Some(key) = key.strip_suffix(':') {
                            // A field starts a line: only spaces or a list marker before it.
                            let ls = line_start(&self.text, start);
                            let before = self.text[ls..start].trim();
                            if before.is_empty() || before == "-" || before == "*" {
                                pending_field = Some((key.trim().to_string(), start, range.end));
                            }
                        }
                    }
                }
                Event::Text(t) | Event::Code(t) => {
                    if let Some((_, _, s)) = heading.as_mut() {
                        s.push_str(&t);
                    }
                    if let Some((_, s)) = strong.as_mut() {
                        s.push_str(&t);
                    }
                    if let Some(it) = item.as_mut() {
                        it.text.push_str(&t);
                    }
                }
                Event::SoftBreak | Event::HardBreak => {
                    if let Some(it) = item.as_mut() {
                        it.text.push(' ');
                    }
                }
                _ => {}
            }
            if let Some((key, start, after)) = pending_field.take() {
                let end = line_end(&self.text, after);
                let vstart = after + self.text[after..end].len() - self.text[after..end].trim_start().len();
                let value = self.text[vstart..end].trim_end().to_string();
                let vend = vstart + value.len();
                self.fields.push(Field { key, value, line: start..end, value_range: vstart..vend });
            }
        }
    }
}

/// The text of a scalar YAML value.
pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `offset` clamped to the text and moved back to a character boundary.
pub fn boundary(text: &str, offset: usize) -> usize {
    let mut o = offset.min(text.len());
    while !text.is_char_boundary(o) {
        o -= 1;
    }
    o
}

/// The end of the line containing `offset` (the position of its `\n`, or the text's end).
pub fn line_end(text: &str, offset: usize) -> usize {
    let offset = boundary(text, offset);
    text[offset..].find('\n').map(|i| offset + i).unwrap_or(text.len())
}

/// The start of the line containing `offset`.
pub fn line_start(text: &str, offset: usize) -> usize {
    let offset = boundary(text, offset);
    text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0)
}

/// Splits `---\nYAML\n---\n` off the start of a file.
fn split_front_matter(text: &str) -> (Option<FrontMatter>, usize) {
    let first = text.split_inclusive('\n').next().unwrap_or("");
    if first.trim_end() != "---" {
        return (None, 0);
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    for line in text[yaml_start..].split_inclusive('\n') {
        let t = line.trim_end();
        if t == "---" || t == "..." {
            let yaml = yaml_start..offset;
            let body_start = offset + line.len();
            return (Some(parse_yaml(&text[yaml.clone()], yaml)), body_start);
        }
        offset += line.len();
    }
    // No closing line: the whole rest is YAML that never ends.
    let fm = FrontMatter {
        map: Mapping::new(),
        yaml: yaml_start..text.len(),
        error: Some(("the front matter has no closing `---` line".to_string(), 0)),
    };
    (Some(fm), text.len())
}

fn parse_yaml(src: &str, range: Range<usize>) -> FrontMatter {
    if src.trim().is_empty() {
        return FrontMatter { map: Mapping::new(), yaml: range, error: None };
    }
    match yaml_serde::from_str::<Value>(src) {
        Ok(Value::Mapping(map)) => FrontMatter { map, yaml: range, error: None },
        Ok(_) => FrontMatter {
            map: Mapping::new(),
            yaml: range.clone(),
            error: Some(("the front matter is not a mapping of `key: value` lines".to_string(), range.start)),
        },
        Err(e) => {
            let at = boundary(src, e.location().map(|l| l.index()).unwrap_or(0));
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            FrontMatter { map: Mapping::new(), yaml: range.clone(), error: Some((msg, range.start + at)) }
        }
    }
}

/// Parses a whole YAML file (`metadata.yaml`, or `meta.json`: JSON is YAML) as a front matter
/// covering the entire text.
pub fn yaml_file(file: FileId, text: String) -> Doc {
    let len = text.len();
    let fm = parse_yaml(&text, 0..len);
    Doc {
        file,
        text,
        front: Some(fm),
        body_start: len,
        headings: Vec::new(),
        items: Vec::new(),
        fields: Vec::new(),
        lists: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_and_fields_are_found() {
        let text = "---\nthread: x\nstage: 2\n---\n# T\n\n### A1: Churn\n\n**Status:** ✅VALIDATED\n**Confidence:** 40% → 60%\n\n```\n### A9: not a heading\n**Status:** no\n```\n- one (source: x, 2026-01-01)\n- [x] two [l](http://e)\n";
        let d = Doc::parse(FileId(0), text.to_string());
        assert_eq!(d.get_text("stage").as_deref(), Some("2"));
        assert_eq!(d.headings.len(), 2, "{:?}", d.headings);
        assert_eq!(d.headings[1].text, "A1: Churn");
        let keys: Vec<_> = d.fields.iter().map(|f| (f.key.as_str(), f.value.as_str())).collect();
        assert_eq!(keys, vec![("Status", "✅VALIDATED"), ("Confidence", "40% → 60%")]);
        assert_eq!(&d.text[d.fields[1].value_range.clone()], "40% → 60%");
        assert_eq!(d.items.len(), 2);
        assert_eq!(d.items[1].task, Some(true));
        assert!(d.items[1].has_link);
        assert_eq!(&d.text[d.key_span("stage").range()], "stage");
    }

    #[test]
    fn broken_yaml_is_an_error_with_a_position() {
        let d = Doc::parse(FileId(0), "---\na: [1\n---\nbody\n".to_string());
        let fm = d.front.expect("front matter");
        assert!(fm.error.is_some());
        let d = Doc::parse(FileId(0), "---\na: 1\nno end\n".to_string());
        assert!(d.front.expect("front").error.is_some());
    }
}
