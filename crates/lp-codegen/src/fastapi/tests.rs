//! The generated pytest + Hypothesis suite: JSON round trips and refinement boundaries of every
//! type, contracts of every spec function, the transition table of every machine (every legal
//! path succeeds, every illegal event is a 409), and each operation over HTTP.

use super::models::{pred, strategy, witness};
use super::py::{self, ident, is_enum, str_lit};
use super::service::{OpInfo, ordered_ops};
use super::slice::Slice;
use lp_ir::text::{ExprNames, expr_text};
use lp_ir::{ServiceId, Spec, Ty, TypeBody};
use std::fmt::Write as _;

const PRELUDE: &str = "import json\n\nimport pydantic as _pd\nimport pytest\nfrom hypothesis import assume, given\n\
from hypothesis import strategies as st\n\nfrom app import fns as F\nfrom app import models as M\nfrom app import runtime as _rt\n\
from tests.strategies import *  # noqa: F401,F403\nfrom tests.strategies import _INTS, _json_key, valid  # noqa: F401\n\n\n\
def holds(pred, *args):\n    try:\n        return bool(pred(*args))\n    except (ArithmeticError, ValueError, TypeError, AttributeError):\n        return False\n\n\n";

/// `tests/conftest.py`: the database, the tokens and a client on a fresh store per test.
pub fn conftest(spec: &Spec) -> String {
    let mut scopes: Vec<String> = Vec::new();
    if let Some(auth) = &spec.standards.auth {
        for (k, v) in &auth.args {
            if k == "scopes"
                && let lp_ir::SettingValueKind::List(items) = &v.kind
            {
                for i in items {
                    if let lp_ir::SettingValueKind::Str(s) = &i.kind {
                        scopes.push(serde_json::to_string(s).unwrap_or_default());
                    }
                }
            }
        }
    }
    format!(
        "import json\nimport os\nimport tempfile\n\nimport pytest\nfrom hypothesis import HealthCheck, settings\n\n\
         # Tests use TEST_DATABASE_URL when set (PostgreSQL), else a fresh SQLite file.\n\
         os.environ[\"DATABASE_URL\"] = os.environ.get(\"TEST_DATABASE_URL\") or \"sqlite:///\" + os.path.join(tempfile.mkdtemp(), \"test.db\")\n\
         os.environ[\"LEANOS_AUTH_TOKENS\"] = json.dumps({{\"test-all\": json.loads({}), \"test-none\": []}})\n\n\
         settings.register_profile(\"leanos\", max_examples=int(os.environ.get(\"LEANOS_MAX_EXAMPLES\", \"30\")), derandomize=True, \
         deadline=None, database=None, suppress_health_check=list(HealthCheck))\nsettings.load_profile(\"leanos\")\n\n\
         from fastapi.testclient import TestClient  # noqa: E402\n\nfrom app.main import app as _app  # noqa: E402\n\n\n\
         @pytest.fixture\ndef client():\n    _app.state.store.clear()\n    with TestClient(_app, raise_server_exceptions=False) as c:\n\
         \x20       c.headers[\"Authorization\"] = \"Bearer test-all\"\n        yield c\n",
        str_lit(&format!("[{}]", scopes.join(", ")))
    )
}

/// Whether JSON data of this type is the Python value the spec's expressions see.
fn scalar(spec: &Spec, ty: &Ty) -> bool {
    match spec.head(ty).as_ref() {
        Ty::Int | Ty::String | Ty::Bool => true,
        Ty::List(t) | Ty::Set(t) => scalar(spec, t),
        t => is_enum(spec, t),
    }
}

/// `tests/test_types.py`.
pub fn types_test(spec: &Spec, sl: &Slice) -> String {
    let c = &sl.concrete;
    let mut out = String::from(PRELUDE);
    let mut names: Vec<String> = c.named.keys().cloned().collect();
    names.extend(c.results.keys().cloned());
    names.extend(spec.errors.iter().enumerate().filter(|(i, _)| sl.errors[*i]).map(|(_, e)| ident(&e.name)));
    for name in &names {
        let _ = writeln!(
            out,
            "@given(st_{name})\ndef test_{name}_round_trips_through_json(data):\n    value = A_{name}.validate_python(data, strict=True)\n\
             \x20   text = A_{name}.dump_json(value, by_alias=True)\n    assert A_{name}.validate_json(text, strict=True) == value\n\n"
        );
    }
    for (name, (id, args)) in &c.named {
        let Some(def) = spec.types.get(id.index()) else { continue };
        match &def.body {
            TypeBody::Alias(t) => {
                let base = t.subst(args);
                if let Some(r) = &def.refinement
                    && scalar(spec, &base)
                {
                    let _ = writeln!(
                        out,
                        "@given(st.one_of({}, st_{name}))\ndef test_{name}_accepts_exactly_its_refinement(v):\n    \
                         # {}\n    assert valid(A_{name}, v) == holds(lambda _self: {}, v)\n\n",
                        strategy(spec, &base),
                        py::comment_text(&expr_text(spec, ExprNames::default(), r)),
                        pred(spec, r, "M.")
                    );
                }
            }
            TypeBody::Record(fields) => {
                for f in fields {
                    let Some(r) = &f.refinement else { continue };
                    let ty = f.ty.subst(args);
                    let inner = match &ty {
                        Ty::Option(t) => (**t).clone(),
                        t => t.clone(),
                    };
                    if !scalar(spec, &inner) {
                        continue;
                    }
                    let fname = ident(&f.name);
                    let both = if def.refinement.is_none() {
                        format!("    assert valid(A_{name}, data) == expected\n")
                    } else {
                        format!("    if not expected:\n        assert not valid(A_{name}, data)\n")
                    };
                    let _ = writeln!(
                        out,
                        "@given(st_{name}, {})\ndef test_{name}_{fname}_rejects_values_outside_its_refinement(record, v):\n    \
                         # {}\n    data = dict(record)\n    data[{}] = v\n    expected = holds(lambda _self: {}, v)\n{both}\n",
                        strategy(spec, &inner),
                        py::comment_text(&expr_text(spec, ExprNames::default(), r)),
                        str_lit(&f.name),
                        pred(spec, r, "M.")
                    );
                }
            }
            TypeBody::Sum(_) => {}
        }
    }
    out
}

/// `tests/test_fns.py`: each function with a body keeps its contract and its result type.
pub fn fns_test(spec: &Spec, sl: &Slice) -> String {
    let mut out = String::from(PRELUDE);
    let mut any = false;
    for f in spec.fns.iter().enumerate().filter(|(i, _)| sl.fns[*i]).map(|(_, f)| f) {
        if f.body.is_none() || f.params.iter().any(|p| matches!(p.ty, Ty::Fn(..))) {
            continue;
        }
        any = true;
        let name = ident(&f.name);
        let params: Vec<String> = f.params.iter().map(|p| ident(&p.name)).collect();
        let given: Vec<String> =
            f.params.iter().map(|p| format!("{}={}", ident(&p.name), strategy(spec, &p.ty))).collect();
        let _ =
            writeln!(out, "@given({})\ndef test_{name}_keeps_its_contract({}):", given.join(", "), params.join(", "));
        for p in &f.params {
            let _ = writeln!(
                out,
                "    {0} = _pd.TypeAdapter({1}).validate_python({0}, strict=True)",
                ident(&p.name),
                super::models::pyty(spec, &p.ty, "M.")
            );
        }
        let args = params.join(", ");
        let _ = writeln!(out, "    assume(all(holds(c, {args}) for _, c in F.{name}.requires))");
        let _ = writeln!(out, "    result = F.{name}({args})");
        let _ = writeln!(
            out,
            "    for text, c in F.{name}.ensures:\n        assert c({args}{}result_=result), text",
            if args.is_empty() { "" } else { ", " }
        );
        let _ = writeln!(
            out,
            "    adapter = _pd.TypeAdapter({})\n    assert valid(adapter, _rt.dump(adapter, result)), \"the result is outside its type\"\n\n",
            super::models::pyty(spec, &f.result, "M.")
        );
    }
    let _ = any;
    out
}

/// `tests/test_machines.py`: the machine's table, written out from the spec, against the monitor.
pub fn machines_test(spec: &Spec, sl: &Slice) -> String {
    let mut out = String::from(
        "import pytest\n\nfrom app import runtime as _rt\nfrom app.machines import MACHINES\n\n# (from, event, to, guarded) per machine, from the spec.\nTABLE = {\n",
    );
    for m in spec.machines.iter().enumerate().filter(|(i, _)| sl.machines[*i]).map(|(_, m)| m) {
        let state = |i: lp_ir::StateId| m.states.get(i.index()).map_or("?", |s| s.name.as_str());
        let rows: Vec<String> = m
            .transitions
            .iter()
            .map(|t| {
                format!(
                    "({}, {}, {}, {})",
                    str_lit(state(t.from)),
                    str_lit(m.events.get(t.event.index()).map_or("?", |e| e.name.as_str())),
                    str_lit(state(t.to)),
                    if t.guard.is_some() { "True" } else { "False" }
                )
            })
            .collect();
        let _ = writeln!(out, "    {}: [{}],", str_lit(&m.name), rows.join(", "));
    }
    out.push_str("}\n");
    if !sl.machines.iter().any(|m| *m) {
        return out;
    }
    out.push_str(
        "\nMAX_DEPTH = 8\n\n\n\
         def _events(name):\n    return sorted({row[1] for row in TABLE[name]})\n\n\n\
         @pytest.mark.parametrize(\"name\", sorted(TABLE))\n\
         def test_every_path_follows_the_table(name):\n\
         \x20   \"\"\"Every event sequence up to MAX_DEPTH from the initial state: legal steps land where the\n\
         \x20   table says, events without a transition are 409, and the invariants hold throughout.\"\"\"\n\
         \x20   machine = MACHINES[name]\n    if machine.initial is None:\n        return\n\
         \x20   frontier = [(machine.initial, machine.init_vars())]\n    seen = set()\n    legal = illegal = 0\n\
         \x20   for _ in range(MAX_DEPTH):\n        following = []\n        for state, vars_ in frontier:\n\
         \x20           for text, inv in machine.invariants:\n                assert inv(vars_), (text, state, vars_)\n\
         \x20           for event in _events(name):\n\
         \x20               rows = [r for r in TABLE[name] if r[0] == state and r[1] == event]\n\
         \x20               ignored = (state, event) in machine.ignored\n\
         \x20               try:\n                    target, new_vars = machine.step(state, vars_, event)\n\
         \x20               except _rt.Problem as problem:\n                    assert problem.status == 409\n\
         \x20                   assert all(r[3] for r in rows) and not ignored, (state, event)\n                    illegal += 1\n                    continue\n\
         \x20               assert rows or ignored, (state, event)\n\
         \x20               assert target in {r[2] for r in rows} or (ignored and target == state)\n                legal += 1\n\
         \x20               config = (target, tuple(sorted(new_vars.items())))\n                if config not in seen:\n\
         \x20                   seen.add(config)\n                    following.append((target, new_vars))\n\
         \x20       frontier = following\n    assert legal > 0 or not TABLE[name]\n\n\n\
         @pytest.mark.parametrize(\"name\", sorted(TABLE))\n\
         def test_unknown_events_are_refused(name):\n    machine = MACHINES[name]\n    for state in machine.states:\n\
         \x20       with pytest.raises(_rt.Problem) as caught:\n            machine.step(state, machine.init_vars(), \"no such event\")\n\
         \x20       assert caught.value.status == 409\n",
    );
    out
}

fn url_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn request_parts(spec: &Spec, info: &OpInfo<'_>) -> (String, String, String) {
    // The path as one Python expression: its literal text and each parameter's quoted witness,
    // every piece a string literal of its own (a witness may hold quotes or backslashes).
    let mut parts: Vec<String> = Vec::new();
    let mut rest = info.fastapi_path.as_str();
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
        if open > 0 {
            parts.push(str_lit(&rest[..open]));
        }
        let name = &rest[open + 1..close];
        match info.path_params.iter().find(|pp| pp.route_name == name) {
            Some(pp) => parts.push(format!("_q({})", str_lit(&url_value(&witness(spec, &pp.ty, 0))))),
            None => parts.push(str_lit(&rest[open..(close + 1).min(rest.len())])),
        }
        rest = rest.get(close + 1..).unwrap_or("");
    }
    if !rest.is_empty() || parts.is_empty() {
        parts.push(str_lit(rest));
    }
    let path = parts.join(" + ");
    let mut query = Vec::new();
    for q in &info.query {
        let p = &info.op.params[*q];
        if matches!(p.ty, Ty::Option(_)) {
            continue;
        }
        let w = witness(spec, &p.ty, 0);
        // A list is sent as repeated values (`?ids=1&ids=2`), each element as the service reads it.
        let value = match &w {
            serde_json::Value::Array(items) => {
                let items: Vec<String> = items.iter().map(|i| str_lit(&url_value(i))).collect();
                format!("[{}]", items.join(", "))
            }
            other => str_lit(&url_value(other)),
        };
        query.push(format!("{}: {}", str_lit(&p.name), value));
    }
    let body = match info.body {
        Some(b) => format!(
            "json.loads({})",
            str_lit(&serde_json::to_string(&witness(spec, &info.op.params[b].ty, 0)).unwrap_or_default())
        ),
        None => "None".into(),
    };
    (path, format!("{{{}}}", query.join(", ")), body)
}

/// `tests/test_api.py`: the service over HTTP.
pub fn api_test(spec: &Spec, sid: ServiceId, sl: &Slice) -> String {
    let mut out = String::from(
        "import json\nfrom urllib.parse import quote\n\nimport pydantic as _pd\n\nfrom app import models as M\nfrom app.machines import MACHINES\n\n\n\
         def _q(value):\n    return quote(value, safe=\"\")\n\n\n\
         def send(client, method, path, query, body, **kw):\n    return client.request(method, path, params=query, json=body, **kw)\n\n\n\
         def is_problem(response, status):\n    assert response.status_code == status, (response.status_code, response.text)\n\
         \x20   assert response.headers[\"content-type\"].startswith(\"application/problem+json\")\n\
         \x20   data = response.json()\n    assert data[\"status\"] == status and data[\"title\"] and data[\"type\"]\n    return data\n\n\n\
         def test_health_and_readiness(client):\n    r = client.get(\"/healthz\")\n    assert r.status_code == 200 and r.json() == {\"status\": \"ok\"}\n\
         \x20   assert client.get(\"/readyz\").status_code == 200\n    assert \"x-request-id\" in {k.lower() for k in r.headers}\n\n\n\
         def test_store_is_the_configured_database(client):\n    import os\n\n    \
         url = os.environ[\"DATABASE_URL\"]\n    store = client.app.state.store\n    \
         assert store.kind == (\"postgresql\" if url.startswith(\"postgresql\") else \"sqlite\")\n    \
         assert store.ping()\n\n\n\
         def test_unknown_route_is_a_problem(client):\n    is_problem(client.get(\"/no/such/route/at/all\"), 404)\n\n\n\
         def test_dollar_in_a_pattern_is_the_end_of_the_text():\n    \
         # As in the spec and the reference interpreter; Python's `$` also matches before a final\n    \
         # newline (a divergence the differential test found).\n    \
         from app import runtime as _rt\n\n    \
         assert _rt.matches(\"AB\", \"^[A-Z]+$\") and not _rt.matches(\"AB\\n\", \"^[A-Z]+$\")\n    \
         assert _rt.matches(\"a$\", \"a[$]$\") and _rt.matches(\"a$b\", \"a\\\\$b\")\n\n\n",
    );
    let infos = ordered_ops(spec, sid);
    for info in &infos {
        let op = info.op;
        let name = ident(&op.name);
        let method = info.method.to_ascii_uppercase();
        let (path, query, body) = request_parts(spec, info);
        let result_ty = super::models::pyty(spec, &op.result, "M.");
        let mut statuses: Vec<u16> =
            op.errors.iter().filter_map(|e| spec.errors.get(e.error.index())).map(|e| e.status).collect();
        statuses.push(info.status);
        // A compiled body that reaches an external function answers 501 until `LEANOS_LOGIC`
        // implements it, and one that calls another service 503 while its URL is unset.
        statuses.extend(super::bodies::seam_statuses(spec, op));
        // 1. The operation answers with a documented status and a body of the right type.
        let check_success = if info.status == 204 {
            "        assert r.content == b\"\"\n".to_string()
        } else {
            format!(
                "        assert r.headers[\"content-type\"].startswith(\"application/json\")\n        _pd.TypeAdapter({result_ty}).validate_python(r.json(), strict=True)\n"
            )
        };
        match &info.fires {
            Some((m, e)) => {
                let _ = writeln!(
                    out,
                    "def test_{name}_fires_{ev}_only_when_enabled(client):\n\
                     \x20   machine = MACHINES[{m}]\n    state, vars_ = machine.initial, machine.init_vars()\n\
                     \x20   for attempt in range(3):\n\
                     \x20       enabled = {e} in machine.enabled(state, vars_) or (state, {e}) in machine.ignored\n\
                     \x20       r = send(client, {meth}, {path}, {query}, {body})\n\
                     \x20       if not enabled:\n            data = is_problem(r, 409)\n            assert data[\"type\"] == \"urn:leanos:problem:illegal-transition\"\n            return\n\
                     \x20       assert r.status_code == {st}, (attempt, r.status_code, r.text)\n{check_success}\
                     \x20       state, vars_ = machine.step(state, vars_, {e})\n\n",
                    ev = ident(e),
                    m = str_lit(m),
                    e = str_lit(e),
                    meth = str_lit(&method),
                    st = info.status,
                );
            }
            None => {
                let allowed: Vec<String> = statuses.iter().map(|s| s.to_string()).collect();
                let _ = writeln!(
                    out,
                    "def test_{name}_answers_as_documented(client):\n    r = send(client, {}, {path}, {query}, {body})\n\
                     \x20   assert r.status_code in ({},), (r.status_code, r.text)\n    if r.status_code == {}:\n{check_success}\
                     \x20   else:\n        is_problem(r, r.status_code)\n\n",
                    str_lit(&method),
                    allowed.join(", "),
                    info.status
                );
            }
        }
        // 2. Authentication.
        if let Some(scopes) = &info.scopes {
            let _ = writeln!(
                out,
                "def test_{name}_needs_a_bearer_token(client):\n    del client.headers[\"Authorization\"]\n\
                 \x20   is_problem(send(client, {m}, {path}, {query}, {body}), 401)\n\
                 \x20   is_problem(send(client, {m}, {path}, {query}, {body}, headers={{\"Authorization\": \"Bearer nobody\"}}), 401)\n",
                m = str_lit(&method)
            );
            if !scopes.is_empty() {
                let _ = writeln!(
                    out,
                    "    is_problem(send(client, {m}, {path}, {query}, {body}, headers={{\"Authorization\": \"Bearer test-none\"}}), 403)\n",
                    m = str_lit(&method)
                );
            }
            out.push('\n');
        }
        // 3. A body that is not a value of its type is a 422 problem.
        if let Some(b) = info.body {
            let bt = &op.params[b].ty;
            if matches!(spec.head(bt).as_ref(), Ty::Named { .. } | Ty::Int | Ty::String | Ty::List(_) | Ty::Bool) {
                let _ = writeln!(
                    out,
                    "def test_{name}_rejects_a_body_outside_its_type(client):\n    \
                     data = is_problem(send(client, {}, {path}, {query}, {{\"not a field\": [None]}}), 422)\n    \
                     assert data[\"type\"] == \"urn:leanos:problem:validation\"\n\n",
                    str_lit(&method)
                );
            }
        }
        // 4. Reading what is not there is the declared 404.
        let not_found = op.errors.iter().filter_map(|e| spec.errors.get(e.error.index())).find(|e| e.status == 404);
        if let Some(e) = not_found
            && info.fires.is_none()
            && (info.method == "get"
                && matches!(spec.head(&op.result).as_ref(), Ty::Named { .. })
                && super::service::list_element(spec, &op.result).is_none()
                || info.method == "delete")
        {
            let _ = writeln!(
                out,
                "def test_{name}_of_nothing_is_{}(client):\n    data = is_problem(send(client, {}, {path}, {query}, {body}), 404)\n    \
                 assert data[\"title\"] == {}\n\n",
                ident(&e.name),
                str_lit(&method),
                str_lit(&e.name)
            );
        }
    }
    // The seam for hand-written logic: `LEANOS_LOGIC` replaces `DefaultLogic` (for the
    // operations without a body), and implements the external functions.
    if let Some(info) = infos.iter().find(|i| i.fires.is_none() && i.op.body.is_none()) {
        let (path, query, body) = request_parts(spec, info);
        let _ = writeln!(
            out,
            "def test_leanos_logic_replaces_the_default_logic(tmp_path, monkeypatch):\n    \
             from fastapi.testclient import TestClient\n\n    from app.main import create_app\n\n    \
             (tmp_path / \"my_logic.py\").write_text(\n        \"from app import runtime\\nfrom app.logic import DefaultLogic\\n\\n\\n\"\n        \
             \"class Logic(DefaultLogic):\\n    def {}(self, ctx, **params):\\n        raise runtime.Problem(418, 'Hand-written')\\n\"\n    )\n    \
             monkeypatch.syspath_prepend(str(tmp_path))\n    monkeypatch.setenv(\"LEANOS_LOGIC\", \"my_logic:Logic\")\n    \
             with TestClient(create_app(), raise_server_exceptions=False) as client:\n        \
             client.headers[\"Authorization\"] = \"Bearer test-all\"\n        \
             r = send(client, {}, {path}, {query}, {body})\n    \
             assert r.status_code == 418, r.text\n    assert r.json()[\"status\"] == r.status_code\n\n",
            py::ident(&info.op.name),
            str_lit(&info.method.to_ascii_uppercase())
        );
    }
    external_seam_test(&mut out, spec, sl);
    // 5. What a create writes, the matching read returns (for the default logic: a compiled
    // body has preconditions over the store that a single request does not meet).
    for c in &infos {
        let Some(b) = c.body else { continue };
        if c.op.body.is_some() {
            continue;
        }
        if !matches!(c.method, "put" | "post")
            || !super::service::same_named(spec, &c.op.params[b].ty, &c.op.result)
            || c.key.is_empty()
        {
            continue;
        }
        for g in &infos {
            if g.method != "get"
                || g.body.is_some()
                || g.op.body.is_some()
                || g.fires.is_some()
                || !super::service::same_named(spec, &g.op.result, &c.op.result)
            {
                continue;
            }
            let key_params: Vec<usize> =
                (0..g.path_params.len()).filter(|i| !is_enum(spec, &g.path_params[*i].ty)).collect();
            if key_params.len() != c.key.len() {
                continue;
            }
            let (cpath, cquery, mut cbody) = request_parts(spec, c);
            let mut body_w = witness(spec, &c.op.params[b].ty, 0);
            // The created value is stored under its `id`; a witness leaves an optional `id`
            // out (an imported API's `id` often is), so the test's body gives it one.
            if let serde_json::Value::Object(obj) = &mut body_w
                && !obj.contains_key("id")
                && let Some((fields, args)) = spec.record_fields(&c.op.params[b].ty)
                && let Some(Ty::Option(inner)) = fields.iter().find(|f| f.name == "id").map(|f| f.ty.subst(&args))
            {
                obj.insert("id".into(), witness(spec, &inner, 0));
                cbody = format!("json.loads({})", str_lit(&serde_json::to_string(&body_w).unwrap_or_default()));
            }
            let mut key_values = Vec::new();
            for k in &c.key {
                if let Some(i) = k.strip_prefix("_p").and_then(|n| n.parse::<usize>().ok()) {
                    key_values.push(url_value(&witness(spec, &c.path_params[i].ty, 0)));
                } else {
                    key_values.push(url_value(body_w.get("id").unwrap_or(&serde_json::Value::Null)));
                }
            }
            let mut gpath = g.fastapi_path.clone();
            let mut kv = key_values.iter();
            for pp in &g.path_params {
                let v = if is_enum(spec, &pp.ty) {
                    url_value(&witness(spec, &pp.ty, 0))
                } else {
                    kv.next().cloned().unwrap_or_default()
                };
                gpath = gpath.replace(&format!("{{{}}}", pp.route_name), &format!("\" + _q({}) + \"", str_lit(&v)));
            }
            let gpath = format!("\"{}\"", gpath.replace('\\', "\\\\"));
            let (_, gquery, _) = request_parts(spec, g);
            let _ = writeln!(
                out,
                "def test_{}_then_{}_reads_it_back(client):\n    w = send(client, {}, {cpath}, {cquery}, {cbody})\n    \
                 assert w.status_code == {}, w.text\n    r = send(client, \"GET\", {gpath}, {gquery}, None)\n    \
                 assert r.status_code == {}, r.text\n    assert r.json() == w.json()\n\n",
                ident(&c.op.name),
                ident(&g.op.name),
                str_lit(&c.method.to_ascii_uppercase()),
                c.status,
                g.status
            );
        }
    }
    out
}

/// The hand-written seam of external functions, on the first one of the service's slice that
/// has no `requires` (a witness argument might break one): without an implementation it is a
/// 501 problem; `LEANOS_LOGIC` supplies one; a result outside the result type is a 500 problem
/// naming the contract.
fn external_seam_test(out: &mut String, spec: &Spec, sl: &Slice) {
    let Some(f) = spec
        .fns
        .iter()
        .enumerate()
        .find(|(i, f)| sl.fns.get(*i).copied().unwrap_or(false) && f.body.is_none() && f.requires.is_empty())
        .map(|(_, f)| f)
    else {
        return;
    };
    let name = ident(&f.name);
    let args: Vec<String> = f
        .params
        .iter()
        .map(|p| {
            format!(
                "_pd.TypeAdapter({}).validate_python(json.loads({}))",
                super::models::pyty(spec, &p.ty, "M."),
                str_lit(&serde_json::to_string(&witness(spec, &p.ty, 0)).unwrap_or_default())
            )
        })
        .collect();
    let logic = |body: &str| {
        str_lit(&format!(
            "from app import runtime\nfrom app.logic import DefaultLogic\n\n\nclass Logic(DefaultLogic):\n    def {name}(self, *args):\n        {body}\n"
        ))
    };
    let _ = writeln!(
        out,
        "def test_external_functions_are_the_hand_written_seam(tmp_path, monkeypatch):\n    \
         import typing as _t\n\n    from app import fns as F\n    from app import runtime as _rt\n    from app.main import create_app\n\n    \
         args = ({}{})\n    saved = _rt.LOGIC\n    try:\n        \
         create_app()\n        try:\n            F.{name}(*args)\n            raise AssertionError(\"no 501\")\n        \
         except _rt.Problem as e:\n            assert e.status == 501, e\n        \
         (tmp_path / \"my_logic.py\").write_text({})\n        (tmp_path / \"bad_logic.py\").write_text({})\n        \
         monkeypatch.syspath_prepend(str(tmp_path))\n        monkeypatch.setenv(\"LEANOS_LOGIC\", \"my_logic:Logic\")\n        \
         create_app()\n        try:\n            F.{name}(*args)\n            raise AssertionError(\"no 418\")\n        \
         except _rt.Problem as e:\n            assert e.status == 418, e\n        \
         monkeypatch.setenv(\"LEANOS_LOGIC\", \"bad_logic:Logic\")\n        create_app()\n        \
         try:\n            F.{name}(*args)\n            raise AssertionError(\"no 500\")\n        \
         except _rt.Problem as e:\n            assert e.status == 500 and e.extra[\"contract\"] == {}, e\n    \
         finally:\n        _rt.LOGIC = saved\n",
        args.join(", "),
        if args.len() == 1 { "," } else { "" },
        logic("raise runtime.Problem(418, 'Hand-written')"),
        logic("return object()"),
        str_lit(&format!("{}.result", f.name)),
    );
}

/// The spec-independent driver of the differential test (`tests/test_differential.py`).
const DIFFERENTIAL_PY: &str = include_str!("differential.py");

/// The answer each external function gives in the differential test, on both sides: `true`
/// for a `Bool` (so that the paths behind a check are reached), else the type's witness.
fn external_constant(spec: &Spec, f: &lp_ir::FnDef) -> serde_json::Value {
    if matches!(spec.head(&f.result).as_ref(), Ty::Bool) {
        serde_json::Value::Bool(true)
    } else {
        witness(spec, &f.result, 0)
    }
}

/// `tests/differential_logic.py`: the deterministic stand-ins of the external functions that
/// the services load (`LEANOS_LOGIC=differential_logic:Logic`, with this folder on the path)
/// during the differential test, and that the test hands to the interpreter.
pub fn differential_logic(spec: &Spec) -> String {
    let mut out = String::from(
        "\"\"\"The external functions' stand-ins of the differential test: each answers one constant,\n\
         the same that the test gives the reference interpreter.\"\"\"\n\nimport json\n\nfrom app.logic import DefaultLogic\n\n\
         # The constant answer of each external function, as JSON text.\nEXTERNALS = {\n",
    );
    let externals: Vec<&lp_ir::FnDef> =
        spec.fns.iter().filter(|f| f.body.is_none() && !matches!(f.result, Ty::Fn(..))).collect();
    for f in &externals {
        let text = serde_json::to_string(&external_constant(spec, f)).unwrap_or_else(|_| "null".into());
        let _ = writeln!(out, "    {}: json.loads({}),", str_lit(&f.name), str_lit(&text));
    }
    out.push_str("}\n\n\nclass Logic(DefaultLogic):\n    \"\"\"`DefaultLogic`, with every external function answering its constant.\"\"\"\n");
    for f in &externals {
        let _ =
            writeln!(out, "\n    def {}(self, *args):\n        return EXTERNALS[{}]", ident(&f.name), str_lit(&f.name));
    }
    out
}

/// `tests/test_differential.py` (in the first service's project, which holds every type): the
/// model-based differential test of every operation with a body, of every service, against the
/// reference interpreter. The table of operations and entities is generated; the driver is
/// `differential.py`.
pub fn differential_test(spec: &Spec) -> String {
    let mut out = String::from(
        "\"\"\"The services against the reference interpreter: see the driver's notes below.\"\"\"\n\n\
         import typing as _t  # noqa: F401\n\nimport pydantic as _pd\nfrom hypothesis import strategies as st\n\n\
         from app import models as M  # noqa: F401\n\
         from tests.differential_logic import EXTERNALS\nfrom tests.strategies import *  # noqa: F401,F403\n\
         from tests.strategies import _INTS  # noqa: F401\n\n\
         # Every stored entity: its table in the services' database, and whether it has a lifecycle.\nENTITIES = {\n",
    );
    for (i, e) in spec.entities.iter().enumerate() {
        let table = super::bodies::table_name(spec, lp_ir::EntityId(i as u32));
        let _ = writeln!(
            out,
            "    {}: ({}, {}),",
            str_lit(&e.name),
            str_lit(&table),
            if e.lifecycle.is_some() { "True" } else { "False" }
        );
    }
    out.push_str(
        "}\n\n# The fields of every entity: name, type (the types of `OPS`' `types`) and whether it is part of \
         the key.\nFIELDS = {\n",
    );
    for e in &spec.entities {
        let ty = Ty::Named { id: e.ty, args: Vec::new() };
        let fields = spec.record_fields(&ty).map(|(f, _)| f.to_vec()).unwrap_or_default();
        let listed: Vec<String> = fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let key = if e.key.contains(&(i as u32)) { "True" } else { "False" };
                format!("({}, {}, {key})", str_lit(&f.name), str_lit(&super::py::ty_tag(spec, &f.ty)))
            })
            .collect();
        let _ = writeln!(out, "    {}: [{}],", str_lit(&e.name), listed.join(", "));
    }
    out.push_str("}\n\n# Every operation with a body: how to send it, and how to draw its arguments.\nOPS = [\n");
    for (s, svc) in spec.services.iter().enumerate() {
        if !super::safe_name(&svc.name) {
            continue;
        }
        for info in super::service::ordered_ops(spec, ServiceId(s as u32)) {
            let op = info.op;
            if op.body.is_none() {
                continue;
            }
            let path_params: Vec<String> = info
                .path_params
                .iter()
                .map(|pp| {
                    let fields: Vec<String> = pp.fields.iter().map(|f| str_lit(f)).collect();
                    format!(
                        "({}, {}, [{}])",
                        str_lit(&pp.route_name),
                        str_lit(&op.params[pp.param].name),
                        fields.join(", ")
                    )
                })
                .collect();
            let query: Vec<String> = info.query.iter().map(|q| str_lit(&op.params[*q].name)).collect();
            let params: Vec<String> = op
                .params
                .iter()
                .map(|p| {
                    format!(
                        "({}, {}, _pd.TypeAdapter({}))",
                        str_lit(&p.name),
                        strategy(spec, &p.ty),
                        super::models::pyty(spec, &p.ty, "M.")
                    )
                })
                .collect();
            let types: Vec<String> = op
                .params
                .iter()
                .map(|p| format!("{}: {}", str_lit(&p.name), str_lit(&super::py::ty_tag(spec, &p.ty))))
                .collect();
            let fx = op.body.as_ref().map(lp_ir::effects::of_body);
            let writes = fx.is_some_and(|fx| fx.changes_store());
            let _ = writeln!(
                out,
                "    {{\"name\": {}, \"service\": {}, \"method\": {}, \"path\": {}, \"status\": {},\n     \
                 \"writes\": {}, \"path_params\": [{}], \"query\": [{}], \"body\": {},\n     \"params\": [{}],\n     \
                 \"types\": {{{}}}}},",
                str_lit(&format!("{}.{}", svc.name, op.name)),
                str_lit(&svc.name),
                str_lit(&info.method.to_ascii_uppercase()),
                str_lit(&info.fastapi_path),
                info.status,
                if writes { "True" } else { "False" },
                path_params.join(", "),
                query.join(", "),
                info.body.map_or_else(|| "None".to_string(), |b| str_lit(&op.params[b].name)),
                params.join(", "),
                types.join(", ")
            );
        }
    }
    out.push_str("]\n");
    out.push_str(DIFFERENTIAL_PY);
    out
}
