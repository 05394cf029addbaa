

# ---------------------------------------------------------------- the driver (spec-independent)
#
# The model-based differential test: Hypothesis draws sequences of operations and arguments,
# sends each over HTTP to the running services (every service of the spec, sharing one
# database) and to the reference interpreter (`leanos-prove interp`, one process), and
# compares every answer (status, error name, body) and, after every step, the stored entities
# (the interpreter's dump against the services' database). Hypothesis shrinks a divergence to
# a short sequence.
#
# The run is configured by the environment (scripts/test-backend.sh sets it; without it the
# test is skipped, and under LEANOS_DIFF_REQUIRED=1 that is a failure):
#   LEANOS_DIFF_URLS          JSON object: service name -> base URL of the running service
#   LEANOS_DIFF_INTERP        the interpreter's command line (`leanos-prove interp SPEC`)
#   LEANOS_DIFF_DATABASE_URL  the services' database (sqlite:///PATH or postgresql://...)
#   LEANOS_DIFF_TOKEN         a bearer token with every scope
#   LEANOS_DIFF_EXAMPLES      Hypothesis examples (sequences), default 15
#   LEANOS_DIFF_STEPS         steps per sequence at most, default 20
#   LEANOS_DIFF_SEED          the seed, default 20261207
#   LEANOS_DIFF_SHRINK        0 skips shrinking (the seeded-defect runs only need a failure)
#   LEANOS_DIFF_REPORT        a file that receives `examples=N steps=M seed=S`
#
# What is compared, and the rules that make two answers "the same":
# - an `ok` answer of the interpreter: the operation's success status, and the body equal to
#   the result (a 204 has none); a `raised` one: its status, `title` equal to the error's name
#   and the problem's other members equal to the payload; a `fault`: a 5xx answer (501 for a
#   fault of an external function, 422 for arguments outside their types);
# - `null` members and absent members are the same (an optional field left out);
# - keys drawn by `fresh` differ by design (random in a service, a fixed sequence in the
#   interpreter): the first time a service's value meets, at the same place, a key the
#   interpreter reports as drawn by that step, the two are paired, and from then on each
#   stands for the other (in requests and in comparisons).

import json
import os
import shlex
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from hypothesis import Phase, settings
from hypothesis import seed as _seed
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance"}


def _config():
    needed = ["LEANOS_DIFF_URLS", "LEANOS_DIFF_INTERP", "LEANOS_DIFF_DATABASE_URL"]
    missing = [n for n in needed if not os.environ.get(n)]
    if missing:
        if os.environ.get("LEANOS_DIFF_REQUIRED") == "1":
            pytest.fail(f"the differential test needs {missing} (see scripts/test-backend.sh)")
        pytest.skip(f"the differential test runs against the running services: {missing} are not set")
    return {
        "urls": json.loads(os.environ["LEANOS_DIFF_URLS"]),
        "interp": shlex.split(os.environ["LEANOS_DIFF_INTERP"]),
        "db": os.environ["LEANOS_DIFF_DATABASE_URL"],
        "token": os.environ.get("LEANOS_DIFF_TOKEN", ""),
    }


class Interpreter:
    """The reference interpreter as a child process speaking JSON lines."""

    def __init__(self, command):
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def ask(self, request):
        try:
            self.proc.stdin.write(json.dumps(request, sort_keys=True) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        except BrokenPipeError:
            line = ""
        if not line:
            raise AssertionError(f"the interpreter ended (exit {self.proc.wait()})")
        answer = json.loads(line)
        if answer.get("outcome") == "error":
            raise AssertionError(f"the interpreter refused {request}: {answer['message']}")
        return answer

    def close(self):
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.proc.wait(timeout=10)


class Database:
    """The services' shared database, read and emptied directly."""

    def __init__(self, url):
        if url.startswith(("postgresql://", "postgres://")):
            import psycopg

            self.conn = psycopg.connect(url, autocommit=True)
            self.list_sql = "SELECT tablename FROM pg_tables WHERE tablename LIKE 'lp\\_entity\\_%'"
        else:
            import sqlite3

            self.conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, timeout=30)
            self.list_sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'lp_entity_%'"

    def _rows(self, sql):
        cur = self.conn.cursor()
        try:
            cur.execute(sql)
            return list(cur.fetchall()) if cur.description else []
        finally:
            cur.close()

    def tables(self):
        return {r[0] for r in self._rows(self.list_sql)}

    def clear(self):
        for table in sorted(self.tables()):
            self._rows(f"DELETE FROM {table}")

    def dump(self):
        """The stored entities in the interpreter's dump shape."""
        present = self.tables()
        out = {}
        for name, (table, lifecycle) in ENTITIES.items():
            instances = []
            if table in present:
                for body, state, vars_ in self._rows(f"SELECT body, state, vars FROM {table}"):
                    inst = {"value": json.loads(body)}
                    if lifecycle:
                        inst["state"] = state
                        inst["vars"] = json.loads(vars_) if vars_ else {}
                    instances.append(inst)
            out[name] = instances
        return out


def strip_nulls(data):
    if isinstance(data, dict):
        return {k: strip_nulls(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [strip_nulls(v) for v in data]
    return data


def leaves(data):
    if isinstance(data, dict):
        for v in data.values():
            yield from leaves(v)
    elif isinstance(data, list):
        for v in data:
            yield from leaves(v)
    elif isinstance(data, (str, int)) and not isinstance(data, bool):
        yield data


def rename(data, mapping):
    """`data` with every scalar that `mapping` names replaced."""
    if isinstance(data, dict):
        return {k: rename(v, mapping) for k, v in data.items()}
    if isinstance(data, list):
        return [rename(v, mapping) for v in data]
    if isinstance(data, (str, int)) and not isinstance(data, bool):
        return mapping.get((type(data).__name__, data), data)
    return data


def _k(v):
    return (type(v).__name__, v)


class Pairing:
    """Service keys drawn by `fresh` and the interpreter's, paired where they first meet."""

    def __init__(self):
        self.to_ref = {}
        self.to_svc = {}

    def same(self, svc, ref, fresh, where="answer"):
        """Compares service data with interpreter data, pairing fresh keys; a list of differences."""
        out = []
        self._walk(svc, ref, set(map(_k, fresh)), where, out)
        return out

    def _walk(self, svc, ref, fresh, where, out):
        if isinstance(svc, dict) and isinstance(ref, dict):
            for k in sorted(set(svc) | set(ref)):
                if k not in svc or k not in ref:
                    out.append(f"{where}.{k}: service {svc.get(k, '<absent>')!r}, interpreter {ref.get(k, '<absent>')!r}")
                else:
                    self._walk(svc[k], ref[k], fresh, f"{where}.{k}", out)
        elif isinstance(svc, list) and isinstance(ref, list):
            if len(svc) != len(ref):
                out.append(f"{where}: service has {len(svc)} items, interpreter {len(ref)}")
            for i, (a, b) in enumerate(zip(svc, ref)):
                self._walk(a, b, fresh, f"{where}[{i}]", out)
        elif svc == ref and type(svc) is type(ref):
            pass
        elif _k(svc) in self.to_ref:
            if self.to_ref[_k(svc)] != _k(ref):
                out.append(f"{where}: service {svc!r} (paired with {self.to_ref[_k(svc)][1]!r}), interpreter {ref!r}")
        elif _k(ref) in fresh and _k(ref) not in self.to_svc and isinstance(svc, type(ref)):
            self.to_ref[_k(svc)] = _k(ref)
            self.to_svc[_k(ref)] = _k(svc)
        else:
            out.append(f"{where}: service {svc!r}, interpreter {ref!r}")

    def copy(self):
        other = Pairing()
        other.to_ref, other.to_svc = dict(self.to_ref), dict(self.to_svc)
        return other

    def svc_data(self, ref_data):
        """Interpreter data with its paired keys replaced by the service's."""
        return rename(ref_data, {k: v[1] for k, v in self.to_svc.items()})

    def to_ref_values(self):
        return {k: v[1] for k, v in self.to_ref.items()}


STATS = {"examples": 0, "steps": 0, "unroutable": 0, "outcomes": {}}


def _path_texts(op, args):
    """The text of each path parameter, as the URL carries it."""
    for _route_name, param, fields in op["path_params"]:
        value = args.get(param)
        for f in fields:
            value = value.get(f) if isinstance(value, dict) else None
        yield ("true" if value else "false") if isinstance(value, bool) else str(value)


def routable(op, args):
    """Whether the request can reach its route at all. A path parameter whose text holds a `/`
    (even percent-encoded: the server decodes the path before routing), or is empty, `.` or
    `..`, names another URL; such values are not sent (a known limit of path parameters, see
    book/src/backend.md, "Differential tests")."""
    return all(t and "/" not in t and t not in (".", "..") for t in _path_texts(op, args))


def _send(cfg, op, args):
    """The operation over HTTP, as its route reads it: path parameters (fields of a parameter
    for a dotted name), query parameters (lists repeated) and the body."""
    path = op["path"]
    for route_name, param, fields in op["path_params"]:
        value = args.get(param)
        for f in fields:
            value = value.get(f) if isinstance(value, dict) else None
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        path = path.replace("{" + route_name + "}", urllib.parse.quote(text, safe=""))
    items = []
    for name in op["query"]:
        value = args.get(name)
        if value is None:
            continue
        for one in value if isinstance(value, list) else [value]:
            items.append((name, json.dumps(one) if isinstance(one, (dict, bool)) else str(one)))
    url = cfg["urls"][op["service"]].rstrip("/") + path + ("?" + urllib.parse.urlencode(items) if items else "")
    headers = {"Accept": "application/json"}
    if cfg["token"]:
        headers["Authorization"] = "Bearer " + cfg["token"]
    data = None
    if op["body"] is not None:
        data = json.dumps(args.get(op["body"])).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=op["method"], headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = text.decode(errors="replace")
    return status, body


def _agree(op, svc_status, svc_body, ref, pairing):
    """The differences between the service's answer and the interpreter's."""
    outcome = ref["outcome"]
    if outcome == "ok":
        if svc_status != op["status"]:
            return [f"status: service {svc_status} {svc_body!r}, interpreter ok ({op['status']}) {ref['value']!r}"]
        expected = None if op["status"] == 204 else strip_nulls(ref["value"])
        return pairing.same(strip_nulls(svc_body), expected, ref.get("fresh", []))
    if outcome == "raised":
        if svc_status != ref["status"] or not isinstance(svc_body, dict) or svc_body.get("title") != ref["error"]:
            return [f"service {svc_status} {svc_body!r}, interpreter {ref['error']} ({ref['status']}) {ref['payload']!r}"]
        payload = {k: v for k, v in svc_body.items() if k not in PROBLEM_MEMBERS}
        return pairing.same(strip_nulls(payload), strip_nulls(ref["payload"]), [], "payload")
    if outcome == "fault":
        kind = ref["kind"]
        ok = {"external-fn": svc_status == 501, "bad-arguments": svc_status in (400, 422)}.get(kind, svc_status >= 500)
        if not ok:
            return [f"service {svc_status} {svc_body!r}, interpreter fault {kind}: {ref['message']}"]
        return []
    return [f"an unknown outcome {ref!r}"]


def _valid(adapter, value):
    try:
        adapter.validate_python(value)
    except _pd.ValidationError:
        return False
    return True


def _instances_key(inst):
    return json.dumps(inst, sort_keys=True)


class Differential(RuleBasedStateMachine):
    cfg = None
    interp = None
    db = None

    def __init__(self):
        super().__init__()
        self.pairing = Pairing()
        self.pool = []
        self.pooled = set()
        self.trace = []

    @initialize()
    def start_empty(self):
        STATS["examples"] += 1
        self.db.clear()
        self.interp.ask({"reset": True})
        self.interp.ask({"externals": EXTERNALS})

    def _remember(self, data):
        for v in leaves(data):
            if _k(v) not in self.pooled:
                self.pooled.add(_k(v))
                self.pool.append(v)

    def _biased(self, data, strategy, adapter, eager=False):
        """A value of the strategy, its scalars often replaced, one at a time, by values seen
        before (so that lookups find what earlier steps stored); a replacement is kept only when
        the value stays valid. `eager` tries every scalar (a burst aims at what is stored)."""
        value = data.draw(strategy)
        if not self.pool or (not eager and data.draw(st.integers(0, 3)) == 0):
            return value
        paths = []

        def collect(v, path):
            if isinstance(v, dict):
                for k in sorted(v):
                    collect(v[k], path + [k])
            elif isinstance(v, list):
                for i, x in enumerate(v):
                    collect(x, path + [i])
            elif isinstance(v, (str, int)) and not isinstance(v, bool):
                paths.append(path)

        collect(value, [])
        for path in paths:
            if not eager and not data.draw(st.booleans()):
                continue
            current = value
            for p in path:
                current = current[p]
            same = [p for p in self.pool if type(p) is type(current)]
            if not path:
                # A scalar argument (a key, mostly): only the values seen that it accepts.
                same = [p for p in same if _valid(adapter, p)]
            if not same:
                continue
            choice = data.draw(st.sampled_from(same))
            candidate = json.loads(json.dumps(value))
            if not path:
                candidate = choice
            else:
                target = candidate
                for p in path[:-1]:
                    target = target[p]
                target[path[-1]] = choice
            try:
                adapter.validate_python(candidate)
            except _pd.ValidationError:
                continue
            value = candidate
        return value

    @rule(data=st.data())
    def step(self, data):
        op = data.draw(st.sampled_from(OPS), label="operation")
        args = {}
        for name, strategy, adapter in op["params"]:
            args[name] = self._biased(data, strategy, adapter)
        if not routable(op, args):
            STATS["unroutable"] += 1
            return
        STATS["steps"] += 1
        ref = self.interp.ask({"op": op["name"], "args": args})
        status, body = _send(self.cfg, op, self.pairing.svc_data(args))
        self.trace.append(f"{op['name']}({json.dumps(args, sort_keys=True)}) -> {status}")
        outcome = ref.get("error") or ref.get("kind") or ref["outcome"]
        STATS["outcomes"][f"{op['name']}:{outcome}"] = STATS["outcomes"].get(f"{op['name']}:{outcome}", 0) + 1
        problems = _agree(op, status, body, ref, self.pairing)
        assert not problems, f"{op['name']} answered differently:\n  " + "\n  ".join(problems)
        if ref["outcome"] == "ok":
            self._remember(args)
            self._remember(ref["value"])
        # The stored entities, after every step.
        differ = self._store_difference(self.pairing, ref.get("fresh", []))
        assert differ is None, f"after {op['name']}, the stored `{differ[0]}` differ:\n  " + "\n  ".join(differ[1])

    def _store_difference(self, pairing, fresh, svc_store=None):
        """The first entity whose instances differ between the interpreter's store and the
        services' database, and how; `None` when they hold the same. `pairing` learns the pairs
        of the keys `fresh` (the interpreter's, drawn by the last steps) with the service's."""
        ref_store = self.interp.ask({"dump": True})["store"]
        if svc_store is None:
            svc_store = self.db.dump()
        for name in sorted(ENTITIES):
            mine = [strip_nulls(rename(i, pairing.to_ref_values())) for i in svc_store.get(name, [])]
            theirs = [strip_nulls(i) for i in ref_store.get(name, [])]
            # Instances equal on both sides are set aside; what remains holds the keys this step
            # drew, paired in order (or is a difference).
            left = {}
            for i in theirs:
                left[_instances_key(i)] = left.get(_instances_key(i), 0) + 1
            unmatched = []
            for i in mine:
                if left.get(_instances_key(i), 0) > 0:
                    left[_instances_key(i)] -= 1
                else:
                    unmatched.append(i)
            rest = []
            for i in theirs:
                if left.get(_instances_key(i), 0) > 0:
                    left[_instances_key(i)] -= 1
                    rest.append(i)
            unmatched.sort(key=_instances_key)
            rest.sort(key=_instances_key)
            problems = pairing.same(unmatched, rest, fresh, f"store.{name}")
            if problems:
                return name, problems
        return None


def _connect(machine):
    """The run's configuration, interpreter and database, handed to the state machine class."""
    cfg = _config()
    machine.cfg, machine.interp, machine.db = cfg, Interpreter(cfg["interp"]), Database(cfg["db"])
    return machine.interp


def test_services_answer_as_the_reference_interpreter():
    interp = _connect(Differential)
    phases = list(Phase)
    if os.environ.get("LEANOS_DIFF_SHRINK") == "0":
        phases = [p for p in phases if p != Phase.shrink]
    examples = int(os.environ.get("LEANOS_DIFF_EXAMPLES", "15"))
    steps = int(os.environ.get("LEANOS_DIFF_STEPS", "20"))
    seed = int(os.environ.get("LEANOS_DIFF_SEED", "20261207"))
    config = settings(max_examples=examples, stateful_step_count=steps, deadline=None, database=None,
                      derandomize=False, phases=phases, report_multiple_bugs=False)
    try:
        run_state_machine_as_test(_seed(seed)(Differential), settings=config)
    finally:
        interp.close()
        report = os.environ.get("LEANOS_DIFF_REPORT")
        if report:
            with open(report, "w") as f:
                f.write(f"examples={examples} sequences={STATS['examples']} steps={STATS['steps']} "
                        f"unroutable={STATS['unroutable']} seed={seed}\n")
                for name, n in sorted(STATS["outcomes"].items()):
                    f.write(f"  {name} {n}\n")


# ---------------------------------------------------------------- the concurrency test
#
# The services run with two uvicorn worker processes each (scripts/test-backend.sh), so
# requests that arrive together run in concurrent database transactions. The `Concurrent`
# machine takes the sequential steps above and, between them, bursts: a batch of requests,
# mostly to one operation that writes and often with the very same arguments (events fired at
# one instance, creates under one count limit), sent together from one thread each, released
# by a barrier. A burst is serializable when some order of its requests, run one at a time by
# the interpreter from the store before the burst, gives every request the answer the service
# gave it and ends with the stored entities the database holds. The test searches the orders
# depth first (an order is dropped at its first differing answer, and one set of run requests
# over one interpreter store is explored once) and fails when none fits. Every invariant
# holds afterwards: the store is one a serial run reaches, and serial runs keep the invariants
# (the checker proves it). A request answered 409 with the problem type `concurrent-update`
# (the service gave up retrying a transaction PostgreSQL aborted; the client may retry) ran in
# no order and changed nothing, which the comparison of the stores checks.
#   LEANOS_CONC_EXAMPLES   Hypothesis examples (sequences), default 10
#   LEANOS_CONC_STEPS      steps (sequential steps and bursts) per sequence at most, default 15
#   LEANOS_CONC_BATCH      requests per burst, default 6
#   LEANOS_CONC_REPORT     a file that receives `bursts=N requests=M ... seed=S`
# (LEANOS_DIFF_URLS, _INTERP, _DATABASE_URL, _TOKEN and _SEED as above). No shrinking: which
# interleaving happens is the servers', not Hypothesis's, to choose.

CONFLICT_TYPE = "urn:leanos:problem:concurrent-update"
CONC_OUTCOMES = {}
CONC = {"bursts": 0, "requests": 0, "conflicts": 0, "written": 0, "contended": 0, "dropped_orders": 0, "failure": ""}


KEY_TYPES = {tag for fields in FIELDS.values() for _f, tag, key in fields if key}


def _needs(op):
    """The types of `op`'s parameters that are types of some entity's key."""
    return {tag for tag in op["types"].values() if tag in KEY_TYPES}


def _scalar(v):
    return isinstance(v, (str, int)) and not isinstance(v, bool)


def _conflict(status, body):
    return status == 409 and isinstance(body, dict) and body.get("type") == CONFLICT_TYPE


class Concurrent(Differential):
    batch_size = 6

    @rule(data=st.data())
    def burst(self, data):
        writers = [op for op in OPS if op["writes"]] or OPS
        stored = self._stored()
        # Mostly an operation whose keys are all stored in one instance (a job and its tenant
        # for `cancel`), the deepest such one half of the time: those reach the transitions.
        ready = [op for op in writers if self._ready(op, stored[0])]
        depth = max((len(_needs(op)) for op in ready), default=0)
        deepest = [op for op in ready if len(_needs(op)) == depth]
        choice = data.draw(st.integers(0, 3))
        pool = deepest if choice <= 1 and deepest else ready if choice == 2 and ready else writers
        first_op = data.draw(st.sampled_from(pool), label="burst operation")
        first = self._aimed(data, first_op, stored)
        batch = []
        for _ in range(self.batch_size):
            choice = data.draw(st.integers(0, 3))
            if choice <= 1:
                batch.append((first_op, first))
            else:
                op = first_op if choice == 2 else data.draw(st.sampled_from(OPS))
                batch.append((op, self._aimed(data, op, stored)))
        batch = [(op, args) for op, args in batch if routable(op, args)]
        if len(batch) < 2:
            return
        answers = self._send_together(batch)
        CONC["bursts"] += 1
        CONC["requests"] += len(batch)
        CONC["conflicts"] += sum(1 for status, body in answers if _conflict(status, body))
        CONC["written"] += sum(1 for (op, _), (status, _b) in zip(batch, answers) if op["writes"] and status < 300)
        # Contended: the same request got different answers in one burst (one took a transition
        # or a free key, the other found it taken), so which ran first mattered.
        answered = {}
        for (op, args), (status, _b) in zip(batch, answers):
            answered.setdefault((op["name"], json.dumps(args, sort_keys=True)), set()).add(status)
        if any(len(statuses) > 1 for statuses in answered.values()):
            CONC["contended"] += 1
        for (op, _), (status, _b) in zip(batch, answers):
            CONC_OUTCOMES[f"{op['name']}:{status}"] = CONC_OUTCOMES.get(f"{op['name']}:{status}", 0) + 1
        order = self._serial_order(batch, answers)
        if order is None:
            lines = [f"{op['name']}({json.dumps(args, sort_keys=True)}) -> {status} {json.dumps(body, sort_keys=True)}"
                     for (op, args), (status, body) in zip(batch, answers)]
            CONC["failure"] = "no serial order of the burst gives the services' answers and store:\n  " + "\n  ".join(lines)
            raise AssertionError(CONC["failure"])
        for i in order:
            self.trace.append(f"{batch[i][0]['name']}({json.dumps(batch[i][1], sort_keys=True)}) -> {answers[i][0]} (burst)")

    def _stored(self):
        """What a burst aims at: the instances the interpreter stores (entity name, value), and
        the values of their key fields by type."""
        instances, keys = [], {}
        store = self.interp.ask({"dump": True})["store"]
        for name, fields in FIELDS.items():
            for inst in store.get(name, []):
                instances.append((name, inst["value"]))
                for field, tag, key in fields:
                    v = inst["value"].get(field)
                    if key and _scalar(v) and v not in keys.setdefault(tag, []):
                        keys[tag].append(v)
        return instances, keys

    def _ready(self, op, instances):
        """Whether one stored instance has fields of every key type `op`'s parameters have."""
        needs = _needs(op)
        return any(needs <= {tag for _f, tag, _k in FIELDS[n]} for n, _v in instances)

    def _aimed(self, data, op, stored):
        """Arguments of `op` aimed at what is stored. Mostly one stored instance is the anchor,
        of an entity with fields of as many of the parameters' types as any: each parameter of
        the type of one of its fields is that field's value (a job and its tenant). Another parameter of a key's type is mostly a stored key of that type; the rest
        are drawn with every scalar biased to the values seen."""
        instances, keys = stored
        tags = set(op["types"].values())
        # The instances that give the most parameters (a job and its tenant, not a tenant alone).
        cover = {n: len(tags & {tag for _f, tag, _k in FIELDS[n]}) for n in FIELDS}
        most = max([cover[n] for n, _v in instances], default=0)
        anchors = [(n, v) for n, v in instances if most > 0 and cover[n] == most]
        anchor = {}
        if anchors and data.draw(st.integers(0, 3)) > 0:
            name, value = data.draw(st.sampled_from(anchors))
            for field, tag, _key in FIELDS[name]:
                if _scalar(value.get(field)):
                    anchor.setdefault(tag, value[field])
        args = {}
        for name, strategy, adapter in op["params"]:
            tag = op["types"][name]
            stored_keys = [v for v in keys.get(tag, []) if _valid(adapter, v)]
            if tag in anchor and _valid(adapter, anchor[tag]):
                args[name] = anchor[tag]
            elif stored_keys and data.draw(st.integers(0, 7)) > 0:
                args[name] = data.draw(st.sampled_from(stored_keys))
            else:
                args[name] = self._biased(data, strategy, adapter, eager=True)
        return args

    def _send_together(self, batch):
        """Every request of the batch from its own thread, released together."""
        answers = [None] * len(batch)
        gate = threading.Barrier(len(batch))

        def send(i):
            op, args = batch[i]
            try:
                gate.wait(timeout=30)
                answers[i] = _send(self.cfg, op, self.pairing.svc_data(args))
            except Exception as error:  # noqa: BLE001 (reported below, with the request)
                answers[i] = (0, f"the request failed: {error!r}")

        threads = [threading.Thread(target=send, args=(i,)) for i in range(len(batch))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        return [a if a is not None else (0, "no answer within 120 s") for a in answers]

    def _serial_order(self, batch, answers):
        """An order of the requests that did run in which the interpreter answers each as the
        service did and ends with the services' store, or `None`. On success the interpreter
        holds that order's store and the pairing of fresh keys learns its pairs."""
        svc_store = self.db.dump()
        seen = set()

        def search(left, pairing, order, fresh):
            if not left:
                return (order, pairing) if self._store_difference(pairing, fresh, svc_store) is None else None
            state = (frozenset(left), json.dumps(self.interp.ask({"dump": True})["store"], sort_keys=True),
                     json.dumps(sorted(pairing.to_ref.items())))
            if state in seen:
                return None
            seen.add(state)
            for i in sorted(left):
                op, args = batch[i]
                status, body = answers[i]
                self.interp.ask({"save": True})
                ref = self.interp.ask({"op": op["name"], "args": args})
                trial = pairing.copy()
                if not _agree(op, status, body, ref, trial):
                    found = search(left - {i}, trial, order + [i], fresh + ref.get("fresh", []))
                    if found is not None:
                        self.interp.ask({"forget": True})
                        return found
                CONC["dropped_orders"] += 1
                self.interp.ask({"restore": True})
            return None

        ran = frozenset(i for i, (status, body) in enumerate(answers) if not _conflict(status, body))
        found = search(ran, self.pairing, [], [])
        if found is None:
            return None
        order, self.pairing = found
        return order


def test_concurrent_requests_have_a_serial_order():
    interp = _connect(Concurrent)
    Concurrent.batch_size = int(os.environ.get("LEANOS_CONC_BATCH", "6"))
    examples = int(os.environ.get("LEANOS_CONC_EXAMPLES", "10"))
    steps = int(os.environ.get("LEANOS_CONC_STEPS", "15"))
    seed = int(os.environ.get("LEANOS_DIFF_SEED", "20261207"))
    config = settings(max_examples=examples, stateful_step_count=steps, deadline=None, database=None,
                      derandomize=False, phases=[Phase.generate], report_multiple_bugs=False)
    try:
        run_state_machine_as_test(_seed(seed)(Concurrent), settings=config)
    finally:
        interp.close()
        report = os.environ.get("LEANOS_CONC_REPORT")
        if report:
            with open(report, "w") as f:
                f.write(f"bursts={CONC['bursts']} requests={CONC['requests']} written={CONC['written']} "
                        f"contended={CONC['contended']} conflicts={CONC['conflicts']} dropped_orders={CONC['dropped_orders']} "
                        f"batch={Concurrent.batch_size} seed={seed}\n")
                if CONC["failure"]:
                    f.write(CONC["failure"] + "\n")
                for name, n in sorted(CONC_OUTCOMES.items()):
                    f.write(f"  {name} {n}\n")
