//! A session of the reference interpreter answering JSON requests, one at a time, over one
//! in-memory store that lives as long as the session: the reference side of the generated
//! services' differential tests (`leanos-prove interp` speaks it as JSON lines).
//!
//! Requests (JSON objects):
//!
//! - `{"op": "SERVICE.OP", "args": {"PARAM": JSON, ...}}` runs the operation's body, each
//!   argument in the wire format of the generated services ([`crate::json`]); a missing
//!   `Option` argument is `None`. The answer is one of
//!   `{"outcome": "ok", "value": JSON, "fresh": [KEY, ...]}` (the result, and the keys `fresh`
//!   drew, which a service draws differently and a test matches up),
//!   `{"outcome": "raised", "error": NAME, "status": STATUS, "payload": JSON}` (a declared
//!   error with its HTTP status), or `{"outcome": "fault", "kind": KIND, "message": TEXT}`
//!   (see [`crate::FaultKind::as_str`]; external functions have no implementation here, so a
//!   run that reaches one is an `external-fn` fault).
//! - `{"reset": true}` empties the store: `{"outcome": "reset"}`.
//! - `{"externals": {"FN": JSON, ...}}` makes each named external function answer that
//!   constant from then on (in the wire format of its result type), the same stand-in a test
//!   gives the services' hand-written seam: `{"outcome": "externals"}`.
//! - `{"dump": true}` answers the store: `{"outcome": "store", "store": JSON}`
//!   ([`crate::json::store_to_json`]).
//! - `{"save": true}` keeps a copy of the store on a stack: `{"outcome": "saved", "depth": N}`;
//!   `{"restore": true}` takes the newest copy off the stack and makes it the store again, and
//!   `{"forget": true}` takes it off and keeps the store as it is (both answer
//!   `{"outcome": "restored" | "forgotten", "depth": N}`, an error when the stack is empty). The
//!   concurrency test searches the orders in which a batch of requests could have run with them.
//!
//! Anything else (not JSON, an unknown operation or parameter, an argument outside its type)
//! is answered `{"outcome": "error", "message": TEXT}` and changes nothing; a session never
//! panics on its input.

use crate::json::{store_to_json, value_from_json, value_to_json};
use crate::{Env, Outcome, Store, op_ref, run_op_drawing};
use lp_ir::{Spec, Ty};
use lp_props::Value;
use serde_json::{Value as Json, json};

/// One interpreter session: a spec and its store.
pub struct Session<'s> {
    spec: &'s Spec,
    store: Store,
    env: Env,
    /// The copies `save` kept, the newest last.
    saved: Vec<Store>,
}

impl<'s> Session<'s> {
    /// A session over an empty store, without external functions.
    pub fn new(spec: &'s Spec) -> Session<'s> {
        Session { spec, store: Store::new(), env: Env::new(), saved: Vec::new() }
    }

    /// The store as it is now.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Answers one request given as JSON text.
    pub fn handle_text(&mut self, line: &str) -> Json {
        match serde_json::from_str::<Json>(line) {
            Ok(request) => self.handle(&request),
            Err(e) => error(format!("the request is not JSON: {e}")),
        }
    }

    /// Answers one request.
    pub fn handle(&mut self, request: &Json) -> Json {
        let Some(members) = request.as_object() else { return error("a request is a JSON object".into()) };
        if members.get("reset") == Some(&Json::Bool(true)) {
            self.store = Store::new();
            self.saved.clear();
            return json!({ "outcome": "reset" });
        }
        if members.get("save") == Some(&Json::Bool(true)) {
            self.saved.push(self.store.clone());
            return json!({ "outcome": "saved", "depth": self.saved.len() });
        }
        for (member, outcome) in [("restore", "restored"), ("forget", "forgotten")] {
            if members.get(member) == Some(&Json::Bool(true)) {
                let Some(copy) = self.saved.pop() else {
                    return error(format!("`{member}` with no saved store"));
                };
                if member == "restore" {
                    self.store = copy;
                }
                return json!({ "outcome": outcome, "depth": self.saved.len() });
            }
        }
        if members.get("dump") == Some(&Json::Bool(true)) {
            return json!({ "outcome": "store", "store": store_to_json(self.spec, &self.store) });
        }
        if let Some(externals) = members.get("externals") {
            return match self.set_externals(externals) {
                Ok(()) => json!({ "outcome": "externals" }),
                Err(message) => error(message),
            };
        }
        let Some(name) = members.get("op").and_then(Json::as_str) else {
            return error("a request has `op` (\"SERVICE.OP\"), `reset`, `dump`, `save`, `restore` or `forget`".into());
        };
        let empty = serde_json::Map::new();
        let args = match members.get("args") {
            None => &empty,
            Some(Json::Object(m)) => m,
            Some(_) => return error("`args` is an object of the parameters by name".into()),
        };
        match self.run(name, args) {
            Ok(answer) => answer,
            Err(message) => error(message),
        }
    }

    fn set_externals(&mut self, externals: &Json) -> Result<(), String> {
        let Some(m) = externals.as_object() else { return Err("`externals` is an object of constants by name".into()) };
        let mut constants = Vec::with_capacity(m.len());
        for (name, j) in m {
            let f = self
                .spec
                .fns
                .iter()
                .find(|f| &f.name == name && f.body.is_none())
                .ok_or_else(|| format!("no external function `{name}`"))?;
            let v = value_from_json(self.spec, &f.result, j).map_err(|e| format!("the answer of `{name}`: {e}"))?;
            constants.push((name.clone(), v));
        }
        for (name, v) in constants {
            self.env.register(name, move |_: &[Value]| Ok(v.clone()));
        }
        Ok(())
    }

    fn run(&mut self, name: &str, args: &serde_json::Map<String, Json>) -> Result<Json, String> {
        let spec = self.spec;
        let (service, op) = name.split_once('.').ok_or_else(|| format!("`{name}` is not SERVICE.OP"))?;
        let r = op_ref(spec, service, op).ok_or_else(|| format!("no operation `{name}`"))?;
        let def = &spec.services[r.service.index()].ops[r.op.index()];
        if def.body.is_none() {
            return Err(format!("`{name}` has no body: the interpreter has nothing to run"));
        }
        for given in args.keys() {
            if !def.params.iter().any(|p| &p.name == given) {
                return Err(format!("`{name}` has no parameter `{given}`"));
            }
        }
        let mut values = Vec::with_capacity(def.params.len());
        for p in &def.params {
            let v = match args.get(&p.name) {
                Some(j) => value_from_json(spec, &p.ty, j).map_err(|e| format!("the argument `{}`: {e}", p.name))?,
                None if matches!(spec.head(&p.ty).as_ref(), Ty::Option(_)) => Value::Option(None),
                None => return Err(format!("the argument `{}` is missing", p.name)),
            };
            values.push(v);
        }
        let (outcome, drawn) = run_op_drawing(spec, r, values, &mut self.store, &mut self.env);
        Ok(match outcome {
            Outcome::Ok(v) => json!({
                "outcome": "ok",
                "value": value_to_json(spec, &def.result, &v),
                "fresh": drawn.iter().map(scalar_json).collect::<Vec<_>>(),
            }),
            Outcome::Raised { error, payload } => {
                let e = spec.errors.get(error.index()).ok_or("an unknown error")?;
                json!({
                    "outcome": "raised",
                    "error": e.name,
                    "status": e.status,
                    "payload": value_to_json(spec, &Ty::ErrorType(error), &payload),
                })
            }
            Outcome::Fault { kind, message, .. } => json!({
                "outcome": "fault",
                "kind": kind.as_str(),
                "message": message,
            }),
        })
    }
}

/// A drawn key as JSON (`fresh` draws only integers and strings).
fn scalar_json(v: &Value) -> Json {
    match v {
        Value::Int(n) => json!(n),
        Value::Str(s) => json!(s),
        other => json!(other.to_string()),
    }
}

fn error(message: String) -> Json {
    json!({ "outcome": "error", "message": message })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
type Sku = String where len(self) >= 1
entity Item key sku = { sku: Sku, qty: Int where self >= 0 }
entity Job key id = { id: String where len(self) >= 1, sku: Sku }
error Missing = 404 { sku: Sku }
error Exists = 409
fn in_stock(sku: Sku) -> Bool
service shop {
  op check(sku: Sku) -> Bool GET /check/{sku} = {
    in_stock(sku)
  }
  op put_item(body item: Item) -> Item PUT /items/{item.sku} = {
    put item
    item
  }
  op get_item(sku: Sku) -> Item ! Missing GET /items/{sku} = {
    Item[sku] else Missing { sku }
  }
  op start(sku: Sku) -> Job ! Missing POST /items/{sku}/jobs = {
    require exists Item[sku] else Missing { sku }
    create Job { id: fresh, sku }
  }
  op add(body item: Item) -> Item ! Exists POST /items = {
    create Item { sku: item.sku, qty: item.qty } else Exists
  }
}
"#;

    fn spec() -> Spec {
        let parsed = lp_syntax::parse(lp_diagnostics::FileId(0), SPEC);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let lowered = lp_ir::lower(&[(lp_diagnostics::FileId(0), &parsed.value)]);
        assert!(lowered.diagnostics.iter().all(|d| !d.is_error()), "{:?}", lowered.diagnostics);
        lowered.value
    }

    #[test]
    fn a_session_keeps_its_store_across_requests() {
        let spec = spec();
        let mut s = Session::new(&spec);
        let missing = s.handle_text(r#"{"op": "shop.get_item", "args": {"sku": "a"}}"#);
        assert_eq!(missing, json!({"outcome": "raised", "error": "Missing", "status": 404, "payload": {"sku": "a"}}));
        let put = s.handle_text(r#"{"op": "shop.put_item", "args": {"item": {"sku": "a", "qty": 3}}}"#);
        assert_eq!(put, json!({"outcome": "ok", "value": {"sku": "a", "qty": 3}, "fresh": []}));
        let got = s.handle_text(r#"{"op": "shop.get_item", "args": {"sku": "a"}}"#);
        assert_eq!(got["value"], json!({"sku": "a", "qty": 3}));
        let started = s.handle_text(r#"{"op": "shop.start", "args": {"sku": "a"}}"#);
        assert_eq!(started, json!({"outcome": "ok", "value": {"id": "f0000001", "sku": "a"}, "fresh": ["f0000001"]}));
        let dump = s.handle_text(r#"{"dump": true}"#);
        assert_eq!(
            dump,
            json!({"outcome": "store", "store": {
                "Item": [{"value": {"sku": "a", "qty": 3}}],
                "Job": [{"value": {"id": "f0000001", "sku": "a"}}],
            }})
        );
        assert_eq!(s.handle_text(r#"{"reset": true}"#), json!({"outcome": "reset"}));
        assert!(s.store().is_empty());
    }

    #[test]
    fn a_saved_store_is_restored_or_forgotten() {
        let spec = spec();
        let mut s = Session::new(&spec);
        assert_eq!(s.handle_text(r#"{"restore": true}"#)["outcome"], "error");
        assert_eq!(s.handle_text(r#"{"forget": true}"#)["outcome"], "error");
        assert_eq!(s.handle_text(r#"{"save": true}"#), json!({"outcome": "saved", "depth": 1}));
        s.handle_text(r#"{"op": "shop.put_item", "args": {"item": {"sku": "a", "qty": 3}}}"#);
        assert_eq!(s.handle_text(r#"{"save": true}"#), json!({"outcome": "saved", "depth": 2}));
        s.handle_text(r#"{"op": "shop.put_item", "args": {"item": {"sku": "b", "qty": 1}}}"#);
        // The newest copy is forgotten: the store keeps both items.
        assert_eq!(s.handle_text(r#"{"forget": true}"#), json!({"outcome": "forgotten", "depth": 1}));
        assert_eq!(s.handle_text(r#"{"op": "shop.get_item", "args": {"sku": "b"}}"#)["outcome"], "ok");
        // The oldest is restored: the store is empty again.
        assert_eq!(s.handle_text(r#"{"restore": true}"#), json!({"outcome": "restored", "depth": 0}));
        assert!(s.store().is_empty());
        s.handle_text(r#"{"save": true}"#);
        s.handle_text(r#"{"reset": true}"#);
        assert_eq!(s.handle_text(r#"{"restore": true}"#)["outcome"], "error", "a reset drops the saved copies");
    }

    #[test]
    fn external_functions_answer_the_constants_they_are_given() {
        let spec = spec();
        let mut s = Session::new(&spec);
        let answer = s.handle_text(r#"{"op": "shop.check", "args": {"sku": "a"}}"#);
        assert_eq!(answer["kind"], "external-fn");
        assert_eq!(s.handle_text(r#"{"externals": {"in_stock": true}}"#), json!({"outcome": "externals"}));
        assert_eq!(s.handle_text(r#"{"op": "shop.check", "args": {"sku": "a"}}"#)["value"], true);
        for bad in [r#"{"externals": []}"#, r#"{"externals": {"nope": 1}}"#, r#"{"externals": {"in_stock": 1}}"#] {
            assert_eq!(s.handle_text(bad)["outcome"], "error", "{bad}");
        }
    }

    #[test]
    fn a_raised_error_writes_nothing() {
        let spec = spec();
        let mut s = Session::new(&spec);
        let first = s.handle_text(r#"{"op": "shop.add", "args": {"item": {"sku": "a", "qty": 1}}}"#);
        assert_eq!(first["outcome"], "ok");
        let again = s.handle_text(r#"{"op": "shop.add", "args": {"item": {"sku": "a", "qty": 2}}}"#);
        assert_eq!(again, json!({"outcome": "raised", "error": "Exists", "status": 409, "payload": {}}));
        assert_eq!(s.handle_text(r#"{"op": "shop.get_item", "args": {"sku": "a"}}"#)["value"]["qty"], 1);
    }

    #[test]
    fn bad_requests_are_answered_and_change_nothing() {
        let spec = spec();
        let mut s = Session::new(&spec);
        for (line, says) in [
            ("not json", "not JSON"),
            ("[1]", "a JSON object"),
            ("{}", "`op`"),
            (r#"{"op": "shop"}"#, "SERVICE.OP"),
            (r#"{"op": "shop.nope"}"#, "no operation"),
            (r#"{"op": "shop.get_item", "args": []}"#, "`args`"),
            (r#"{"op": "shop.get_item", "args": {}}"#, "missing"),
            (r#"{"op": "shop.get_item", "args": {"sku": 3}}"#, "`sku`"),
            (r#"{"op": "shop.get_item", "args": {"sku": "a", "other": 1}}"#, "no parameter `other`"),
        ] {
            let answer = s.handle_text(line);
            assert_eq!(answer["outcome"], "error", "{line}");
            assert!(answer["message"].as_str().is_some_and(|m| m.contains(says)), "{line}: {answer}");
        }
        assert!(s.store().is_empty());
        // A value that breaks a refinement is the interpreter's fault `bad-arguments`: the
        // services refuse it with 422 before the body runs.
        let negative = s.handle_text(r#"{"op": "shop.put_item", "args": {"item": {"sku": "a", "qty": -1}}}"#);
        assert_eq!(negative["outcome"], "fault");
        assert_eq!(negative["kind"], "bad-arguments");
    }
}
