//! Values of IR types, and their rendering in spec syntax.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A value of some IR type. Values are ordered and compared structurally, so sets and maps of
/// values are canonical and equality is the spec's `==`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value {
    Int(i64),
    /// An exact decimal. Equal decimals are equal values whatever their scales (`0.7` and
    /// `0.70`), as `==` says.
    Decimal(lp_ir::decimal::Decimal),
    Bool(bool),
    Str(String),
    Unit,
    /// `Some(v)` or `None`.
    Option(Option<Box<Value>>),
    /// `Ok(v)` or `Err(e)`.
    Result(Result<Box<Value>, Box<Value>>),
    List(Vec<Value>),
    Set(BTreeSet<Value>),
    Map(BTreeMap<Value, Value>),
    /// A record or an error payload: its fields in declaration order.
    Record(Vec<(String, Value)>),
    /// A variant of a sum type: its name, its index in the sum, and its payload fields.
    Variant {
        name: String,
        index: u32,
        fields: Vec<(String, Value)>,
    },
    /// A function value: a finite table of arguments to results, and the result for every
    /// other argument.
    Fn {
        table: BTreeMap<Value, Value>,
        default: Box<Value>,
    },
}

impl Value {
    /// The fields of a record or variant value.
    pub fn fields(&self) -> Option<&[(String, Value)]> {
        match self {
            Value::Record(fields) | Value::Variant { fields, .. } => Some(fields),
            _ => None,
        }
    }
}

/// Spec syntax: `{ tenant: "abc", items: [1, 2] }`, `Some(3)`, `Synced { count: 1 }`. Sets and
/// maps, which have no literal syntax, are written `Set[1, 2]` and `Map[1 => "a"]`; a function
/// value `fn { 1 => 2, _ => 0 }`.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn seq<'a>(f: &mut fmt::Formatter<'_>, items: impl Iterator<Item = &'a Value>) -> fmt::Result {
            for (i, v) in items.enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{v}")?;
            }
            Ok(())
        }
        fn fields(f: &mut fmt::Formatter<'_>, fields: &[(String, Value)]) -> fmt::Result {
            if fields.is_empty() {
                return f.write_str("{}");
            }
            f.write_str("{ ")?;
            for (i, (name, v)) in fields.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{name}: {v}")?;
            }
            f.write_str(" }")
        }
        match self {
            Value::Int(n) => write!(f, "{n}"),
            Value::Decimal(d) => f.write_str(&lp_ir::decimal::decimal_text(*d)),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Str(s) => {
                let mut out = String::new();
                lp_check::law::string_literal(&mut out, s);
                f.write_str(&out)
            }
            Value::Unit => f.write_str("Unit"),
            Value::Option(None) => f.write_str("None"),
            Value::Option(Some(v)) => write!(f, "Some({v})"),
            Value::Result(Ok(v)) => write!(f, "Ok({v})"),
            Value::Result(Err(e)) => write!(f, "Err({e})"),
            Value::List(items) => {
                f.write_str("[")?;
                seq(f, items.iter())?;
                f.write_str("]")
            }
            Value::Set(items) => {
                f.write_str("Set[")?;
                seq(f, items.iter())?;
                f.write_str("]")
            }
            Value::Map(entries) => {
                f.write_str("Map[")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k} => {v}")?;
                }
                f.write_str("]")
            }
            Value::Record(fs) => fields(f, fs),
            Value::Variant { name, fields: fs, .. } => {
                f.write_str(name)?;
                if fs.is_empty() {
                    return Ok(());
                }
                f.write_str(" ")?;
                fields(f, fs)
            }
            Value::Fn { table, default } => {
                f.write_str("fn { ")?;
                for (k, v) in table {
                    write!(f, "{k} => {v}, ")?;
                }
                write!(f, "_ => {default} }}")
            }
        }
    }
}
