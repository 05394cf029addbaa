//! The imported spec before it is printed: types, errors, services and standards, and the
//! text they print to (which is then parsed and formatted by `lp-syntax`).

use std::fmt::Write as _;

/// A field of a record, a variant payload or an error.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldOut {
    pub name: String,
    pub docs: Vec<String>,
    pub ty: String,
    pub refinement: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VariantOut {
    pub name: String,
    pub payload: Option<Vec<FieldOut>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BodyOut {
    Record(Vec<FieldOut>),
    Sum(Vec<VariantOut>),
    Alias(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TypeOut {
    pub name: String,
    pub docs: Vec<String>,
    pub comments: Vec<String>,
    pub body: BodyOut,
    pub refinement: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ErrorOut {
    pub name: String,
    pub docs: Vec<String>,
    pub comments: Vec<String>,
    pub status: u16,
    pub fields: Vec<FieldOut>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParamOut {
    pub body: bool,
    pub name: String,
    pub ty: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OpOut {
    pub name: String,
    pub docs: Vec<String>,
    pub comments: Vec<String>,
    pub params: Vec<ParamOut>,
    pub result: String,
    pub errors: Vec<String>,
    /// `(METHOD, /path)`.
    pub http: Option<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServiceOut {
    pub name: String,
    pub docs: Vec<String>,
    pub ops: Vec<OpOut>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpecOut {
    pub name: String,
    pub version: String,
    pub comments: Vec<String>,
    pub types: Vec<TypeOut>,
    pub errors: Vec<ErrorOut>,
    pub services: Vec<ServiceOut>,
    pub standards_comments: Vec<String>,
    /// `auth = bearer(scopes = [...]) except [...]`: the scopes and the exempt operations.
    pub auth: Option<(Vec<String>, Vec<String>)>,
    pub problem_json: bool,
}

/// Lines of a description as doc comment lines.
pub fn doc_lines(text: &str) -> Vec<String> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<String> = text.trim().lines().map(|l| l.trim_end().to_string()).collect();
    if lines.iter().all(String::is_empty) { Vec::new() } else { lines }
}

/// The lines of a text for `//` or `///` comments: split at every line end the lexer knows
/// (`\n`, `\r\n`, a lone `\r`), with every other control character but the tab written
/// `\u{H}` (the escape of strings), so that a comment never ends early nor holds a NUL.
pub fn comment_lines(text: &str) -> Vec<String> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = if text.is_empty() { vec![""] } else { text.lines().collect() };
    lines
        .into_iter()
        .map(|line| {
            line.chars()
                .map(|c| if c.is_control() && c != '\t' { format!("\\u{{{:x}}}", c as u32) } else { c.to_string() })
                .collect()
        })
        .collect()
}

fn push_docs(out: &mut String, indent: &str, docs: &[String]) {
    for d in docs.iter().flat_map(|d| comment_lines(d)) {
        if d.is_empty() {
            let _ = writeln!(out, "{indent}///");
        } else {
            let _ = writeln!(out, "{indent}/// {d}");
        }
    }
}

fn push_comments(out: &mut String, indent: &str, comments: &[String]) {
    for line in comments.iter().flat_map(|c| comment_lines(c)) {
        let _ = writeln!(out, "{indent}// {line}");
    }
}

fn fields_text(out: &mut String, indent: &str, fields: &[FieldOut]) {
    out.push_str("{\n");
    for f in fields {
        push_docs(out, &format!("{indent}  "), &f.docs);
        let _ = write!(out, "{indent}  {}: {}", f.name, f.ty);
        if let Some(r) = &f.refinement {
            let _ = write!(out, " where {r}");
        }
        out.push_str(",\n");
    }
    let _ = write!(out, "{indent}}}");
}

impl SpecOut {
    /// The spec as source text (not yet in the canonical layout).
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "spec {} version {}\n", self.name, self.version);
        push_comments(&mut out, "", &self.comments);
        for t in &self.types {
            out.push('\n');
            push_comments(&mut out, "", &t.comments);
            push_docs(&mut out, "", &t.docs);
            let _ = write!(out, "type {} = ", t.name);
            match &t.body {
                BodyOut::Record(fields) => fields_text(&mut out, "", fields),
                BodyOut::Sum(variants) => {
                    if variants.len() == 1 {
                        out.push_str("| ");
                    }
                    for (i, v) in variants.iter().enumerate() {
                        if i > 0 {
                            out.push_str(" | ");
                        }
                        out.push_str(&v.name);
                        if let Some(p) = &v.payload {
                            out.push(' ');
                            fields_text(&mut out, "", p);
                        }
                    }
                }
                BodyOut::Alias(ty) => out.push_str(ty),
            }
            if let Some(r) = &t.refinement {
                let _ = write!(out, " where {r}");
            }
            out.push('\n');
        }
        for e in &self.errors {
            out.push('\n');
            push_comments(&mut out, "", &e.comments);
            push_docs(&mut out, "", &e.docs);
            let _ = write!(out, "error {} = {}", e.name, e.status);
            if !e.fields.is_empty() {
                out.push(' ');
                fields_text(&mut out, "", &e.fields);
            }
            out.push('\n');
        }
        for s in &self.services {
            out.push('\n');
            push_docs(&mut out, "", &s.docs);
            let _ = writeln!(out, "service {} {{", s.name);
            for op in &s.ops {
                push_comments(&mut out, "  ", &op.comments);
                push_docs(&mut out, "  ", &op.docs);
                let params: Vec<String> = op
                    .params
                    .iter()
                    .map(|p| format!("{}{}: {}", if p.body { "body " } else { "" }, p.name, p.ty))
                    .collect();
                let _ = write!(out, "  op {}({}) -> {}", op.name, params.join(", "), op.result);
                if !op.errors.is_empty() {
                    let _ = write!(out, " ! {}", op.errors.join(" | "));
                }
                if let Some((method, path)) = &op.http {
                    let _ = write!(out, " {method} {path}");
                }
                out.push('\n');
            }
            out.push_str("}\n");
        }
        if self.auth.is_some() || self.problem_json || !self.standards_comments.is_empty() {
            out.push('\n');
            push_comments(&mut out, "", &self.standards_comments);
        }
        let mut settings = Vec::new();
        if let Some((scopes, except)) = &self.auth {
            let mut s = String::from("auth = bearer");
            if !scopes.is_empty() {
                let quoted: Vec<String> = scopes.iter().map(|s| lp_syntax::format::quote(s)).collect();
                let _ = write!(s, "(scopes = [{}])", quoted.join(", "));
            }
            if !except.is_empty() {
                let _ = write!(s, " except [{}]", except.join(", "));
            }
            settings.push(s);
        }
        if self.problem_json {
            settings.push("errors = problem_json".into());
        }
        if !settings.is_empty() {
            let _ = writeln!(out, "standards {{ {} }}", settings.join(", "));
        }
        out
    }
}
