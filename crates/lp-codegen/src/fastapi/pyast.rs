//! A small Python syntax tree and its printer: the compiled operation bodies are built as
//! trees and printed here, so that precedence (parentheses only where Python needs them),
//! indentation and the escaping of string literals live in one place.

use super::py::str_lit;

/// A Python expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// A name (already a valid identifier, or a dotted module path such as `_rt.Problem`).
    Name(String),
    /// An expression printed elsewhere (the spec-expression printer of `py.rs`, which writes
    /// every construct fully parenthesised): an atom here.
    Raw(String),
    Str(String),
    Int(i64),
    Bool(bool),
    None,
    Attr(Box<Expr>, String),
    /// `f(args, name=value...)`; a keyword entry with an empty name is `**value`.
    Call(Box<Expr>, Vec<Expr>, Vec<(String, Expr)>),
    Subscript(Box<Expr>, Box<Expr>),
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    Bin(Box<Expr>, BinOp, Box<Expr>),
    Not(Box<Expr>),
    Lambda(Vec<String>, Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Is,
    Add,
    Sub,
}

impl BinOp {
    fn text(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Is => "is",
            BinOp::Add => "+",
            BinOp::Sub => "-",
        }
    }

    /// Python's binding strength (higher binds tighter).
    fn prec(self) -> u8 {
        match self {
            BinOp::Or => 2,
            BinOp::And => 3,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Is => 5,
            BinOp::Add | BinOp::Sub => 10,
        }
    }
}

const PREC_LAMBDA: u8 = 0;
const PREC_NOT: u8 = 4;
const PREC_PRIMARY: u8 = 16;
const PREC_ATOM: u8 = 17;

impl Expr {
    pub fn name(s: &str) -> Expr {
        Expr::Name(s.to_string())
    }

    pub fn attr(self, name: &str) -> Expr {
        Expr::Attr(Box::new(self), name.to_string())
    }

    pub fn call(self, args: Vec<Expr>) -> Expr {
        Expr::Call(Box::new(self), args, Vec::new())
    }

    pub fn call_kw(self, args: Vec<Expr>, kw: Vec<(String, Expr)>) -> Expr {
        Expr::Call(Box::new(self), args, kw)
    }

    pub fn bin(self, op: BinOp, rhs: Expr) -> Expr {
        Expr::Bin(Box::new(self), op, Box::new(rhs))
    }

    /// `not self`; `not not e` is `e` (every negated expression here is a `Bool`).
    pub fn not(self) -> Expr {
        match self {
            Expr::Not(e) => *e,
            e => Expr::Not(Box::new(e)),
        }
    }

    fn prec(&self) -> u8 {
        match self {
            Expr::Lambda(..) => PREC_LAMBDA,
            Expr::Not(_) => PREC_NOT,
            Expr::Bin(_, op, _) => op.prec(),
            Expr::Attr(..) | Expr::Call(..) | Expr::Subscript(..) => PREC_PRIMARY,
            _ => PREC_ATOM,
        }
    }

    /// The expression as Python text.
    pub fn print(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write_at(&self, out: &mut String, min: u8) {
        if self.prec() < min {
            out.push('(');
            self.write(out);
            out.push(')');
        } else {
            self.write(out);
        }
    }

    fn write_list(out: &mut String, items: &[Expr]) {
        for (i, e) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            e.write_at(out, PREC_LAMBDA);
        }
    }

    fn write(&self, out: &mut String) {
        match self {
            Expr::Name(n) | Expr::Raw(n) => out.push_str(n),
            Expr::Str(s) => out.push_str(&str_lit(s)),
            Expr::Int(n) if *n < 0 => {
                out.push('(');
                out.push_str(&n.to_string());
                out.push(')');
            }
            Expr::Int(n) => out.push_str(&n.to_string()),
            Expr::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
            Expr::None => out.push_str("None"),
            Expr::Attr(base, name) => {
                base.write_at(out, PREC_PRIMARY);
                out.push('.');
                out.push_str(name);
            }
            Expr::Call(f, args, kw) => {
                f.write_at(out, PREC_PRIMARY);
                out.push('(');
                Expr::write_list(out, args);
                for (i, (k, v)) in kw.iter().enumerate() {
                    if i > 0 || !args.is_empty() {
                        out.push_str(", ");
                    }
                    if k.is_empty() {
                        out.push_str("**");
                        v.write_at(out, PREC_PRIMARY);
                    } else {
                        out.push_str(k);
                        out.push('=');
                        v.write_at(out, PREC_LAMBDA);
                    }
                }
                out.push(')');
            }
            Expr::Subscript(base, index) => {
                base.write_at(out, PREC_PRIMARY);
                out.push('[');
                index.write_at(out, PREC_LAMBDA);
                out.push(']');
            }
            Expr::List(items) => {
                out.push('[');
                Expr::write_list(out, items);
                out.push(']');
            }
            Expr::Tuple(items) => {
                out.push('(');
                Expr::write_list(out, items);
                if items.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            Expr::Dict(items) => {
                out.push('{');
                for (i, (k, v)) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.write_at(out, PREC_LAMBDA);
                    out.push_str(": ");
                    v.write_at(out, PREC_LAMBDA);
                }
                out.push('}');
            }
            Expr::Bin(l, op, r) => {
                // Left-associative arithmetic; comparisons never chain here (a nested
                // comparison is parenthesised).
                let p = op.prec();
                let (lmin, rmin) = if p == 5 { (p + 1, p + 1) } else { (p, p + 1) };
                l.write_at(out, lmin);
                out.push(' ');
                out.push_str(op.text());
                out.push(' ');
                r.write_at(out, rmin);
            }
            Expr::Not(e) => {
                out.push_str("not ");
                e.write_at(out, PREC_NOT);
            }
            Expr::Lambda(params, body) => {
                out.push_str("lambda");
                if !params.is_empty() {
                    out.push(' ');
                    out.push_str(&params.join(", "));
                }
                out.push_str(": ");
                body.write_at(out, PREC_LAMBDA);
            }
        }
    }
}

/// A Python statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stmt {
    Expr(Expr),
    Assign(String, Expr),
    Return(Option<Expr>),
    Raise(Expr),
    /// `if c: ... elif ...: ... else: ...`: the branches in order, then the `else` block.
    If(Vec<(Expr, Vec<Stmt>)>, Vec<Stmt>),
    Def {
        name: String,
        params: Vec<String>,
        doc: Option<String>,
        body: Vec<Stmt>,
    },
    Blank,
}

/// Prints statements at an indentation level (four spaces per level).
pub fn print(stmts: &[Stmt], level: usize) -> String {
    let mut out = String::new();
    write_block(&mut out, stmts, level);
    out
}

fn pad(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("    ");
    }
}

fn write_block(out: &mut String, stmts: &[Stmt], level: usize) {
    if stmts.iter().all(|s| matches!(s, Stmt::Blank)) {
        pad(out, level);
        out.push_str("pass\n");
        return;
    }
    for s in stmts {
        write_stmt(out, s, level);
    }
}

fn write_stmt(out: &mut String, s: &Stmt, level: usize) {
    match s {
        Stmt::Blank => out.push('\n'),
        Stmt::Expr(e) => {
            pad(out, level);
            out.push_str(&e.print());
            out.push('\n');
        }
        Stmt::Assign(name, e) => {
            pad(out, level);
            out.push_str(name);
            out.push_str(" = ");
            out.push_str(&e.print());
            out.push('\n');
        }
        Stmt::Return(e) => {
            pad(out, level);
            out.push_str("return");
            if let Some(e) = e {
                out.push(' ');
                out.push_str(&e.print());
            }
            out.push('\n');
        }
        Stmt::Raise(e) => {
            pad(out, level);
            out.push_str("raise ");
            out.push_str(&e.print());
            out.push('\n');
        }
        Stmt::If(branches, otherwise) => {
            for (i, (cond, body)) in branches.iter().enumerate() {
                pad(out, level);
                out.push_str(if i == 0 { "if " } else { "elif " });
                out.push_str(&cond.print());
                out.push_str(":\n");
                write_block(out, body, level + 1);
            }
            if !otherwise.is_empty() {
                pad(out, level);
                out.push_str("else:\n");
                write_block(out, otherwise, level + 1);
            }
        }
        Stmt::Def { name, params, doc, body } => {
            pad(out, level);
            out.push_str("def ");
            out.push_str(name);
            out.push('(');
            out.push_str(&params.join(", "));
            out.push_str("):\n");
            if let Some(d) = doc {
                pad(out, level + 1);
                out.push_str(&str_lit(d));
                out.push('\n');
            }
            write_block(out, body, level + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parentheses_only_where_python_needs_them() {
        let a = Expr::name("a");
        let b = Expr::name("b");
        let c = Expr::name("c");
        let e = a.clone().bin(BinOp::Or, b.clone()).bin(BinOp::And, c.clone());
        assert_eq!(e.print(), "(a or b) and c");
        let e = a.clone().bin(BinOp::And, b.clone().bin(BinOp::Or, c.clone())).not();
        assert_eq!(e.print(), "not (a and (b or c))");
        let e = a.clone().bin(BinOp::Sub, b.clone().bin(BinOp::Sub, c.clone()));
        assert_eq!(e.print(), "a - (b - c)");
        let e = a.clone().bin(BinOp::Lt, b.clone()).bin(BinOp::Eq, Expr::Bool(true));
        assert_eq!(e.print(), "(a < b) == True");
        let e = Expr::Lambda(vec!["x".into()], Box::new(a.clone())).call(vec![Expr::Int(-1)]);
        assert_eq!(e.print(), "(lambda x: a)((-1))");
        assert_eq!(Expr::Str("a\"b\n".into()).attr("upper").call(vec![]).print(), "\"a\\\"b\\n\".upper()");
        assert_eq!(Expr::Tuple(vec![a]).print(), "(a,)");
    }

    #[test]
    fn operators_keep_their_meaning() {
        let (a, b, c) = (Expr::name("a"), Expr::name("b"), Expr::name("c"));
        // Left-associative arithmetic needs no parentheses on the left, only on the right.
        assert_eq!(a.clone().bin(BinOp::Sub, b.clone()).bin(BinOp::Sub, c.clone()).print(), "a - b - c");
        assert_eq!(a.clone().bin(BinOp::Add, b.clone().bin(BinOp::Add, c.clone())).print(), "a + (b + c)");
        // `and` binds tighter than `or`; `not` tighter than both, looser than comparisons.
        assert_eq!(a.clone().bin(BinOp::Or, b.clone().bin(BinOp::And, c.clone())).print(), "a or b and c");
        assert_eq!(a.clone().not().bin(BinOp::And, b.clone()).print(), "not a and b");
        assert_eq!(a.clone().bin(BinOp::Le, b.clone()).not().print(), "not a <= b");
        assert_eq!(a.clone().bin(BinOp::Is, Expr::None).print(), "a is None");
        // Comparisons never chain: `(a < b) < c` is not `a < b < c`.
        assert_eq!(a.clone().bin(BinOp::Lt, b.clone()).bin(BinOp::Lt, c.clone()).print(), "(a < b) < c");
        // `not not e` is `e` (a `Bool`).
        assert_eq!(a.clone().not().not().print(), "a");
        // A primary of a lower-precedence expression is parenthesised.
        assert_eq!(a.clone().bin(BinOp::Add, b.clone()).attr("real").print(), "(a + b).real");
        let lam = Expr::Lambda(vec!["x".into(), "y".into()], Box::new(Expr::name("x").bin(BinOp::Or, Expr::name("y"))));
        assert_eq!(Expr::name("f").call(vec![lam.clone()]).print(), "f(lambda x, y: x or y)");
        assert_eq!(lam.bin(BinOp::Or, a.clone()).print(), "(lambda x, y: x or y) or a");
        // Keyword arguments, `**` unpacking, subscripts, containers.
        let call = Expr::name("M.Box").call_kw(
            vec![Expr::Int(1)],
            vec![("size".into(), Expr::Int(-2)), (String::new(), Expr::name("extra").call(vec![]))],
        );
        assert_eq!(call.print(), "M.Box(1, size=(-2), **extra())");
        let d = Expr::Dict(vec![(Expr::Int(0), Expr::List(vec![])), (Expr::Str("k".into()), Expr::Tuple(vec![]))]);
        assert_eq!(Expr::Subscript(Box::new(d), Box::new(Expr::Bool(false))).print(), "{0: [], \"k\": ()}[False]");
    }

    #[test]
    fn string_literals_are_escaped() {
        let s = Expr::Str("quote \" backslash \\ newline \n tab \t nul \0 sep \u{2028} é".into());
        assert_eq!(s.print(), "\"quote \\\" backslash \\\\ newline \\n tab \\t nul \\u0000 sep \\u2028 é\"");
        // A docstring is one escaped literal, whatever its text.
        let f = Stmt::Def { name: "f".into(), params: vec![], doc: Some("\"\"\" end\n".into()), body: vec![] };
        assert_eq!(print(&[f], 0), "def f():\n    \"\\\"\\\"\\\" end\\n\"\n    pass\n");
    }

    #[test]
    fn nested_blocks_and_elif_chains() {
        let ret = |n| Stmt::Return(Some(Expr::Int(n)));
        let inner = Stmt::If(vec![(Expr::name("b"), vec![ret(1)])], vec![]);
        let s = vec![Stmt::Def {
            name: "g".into(),
            params: vec!["_tx".into(), "a".into()],
            doc: None,
            body: vec![
                Stmt::Assign("x".into(), Expr::Int(0)),
                Stmt::If(
                    vec![(Expr::name("a"), vec![inner]), (Expr::name("c"), vec![Stmt::Blank])],
                    vec![Stmt::Raise(Expr::name("E").call(vec![]))],
                ),
                Stmt::Expr(Expr::name("h").call(vec![])),
                ret(2),
            ],
        }];
        assert_eq!(
            print(&s, 1),
            "    def g(_tx, a):\n        x = 0\n        if a:\n            if b:\n                return 1\n        \
             elif c:\n            pass\n        else:\n            raise E()\n        h()\n        return 2\n"
        );
    }

    #[test]
    fn blocks_are_indented_and_never_empty() {
        let s = vec![Stmt::Def {
            name: "f".into(),
            params: vec!["tx".into()],
            doc: Some("Doc.".into()),
            body: vec![Stmt::If(vec![(Expr::name("x"), vec![])], vec![Stmt::Return(Some(Expr::Int(1)))])],
        }];
        assert_eq!(print(&s, 0), "def f(tx):\n    \"Doc.\"\n    if x:\n        pass\n    else:\n        return 1\n");
    }
}
