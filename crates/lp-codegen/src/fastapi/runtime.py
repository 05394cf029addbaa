"""The spec-independent runtime of a generated service: problem+json errors, request ids,
bearer authentication with scopes, the store (SQLite or PostgreSQL), the state-machine
monitor and the helpers the translated spec expressions call.

It is the same for every spec; the spec-specific parts live in the other modules of `app`.
"""

from __future__ import annotations

import contextvars
import decimal
import functools
import json
import logging
import math
import os
import random
import re
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

import pydantic
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

# ---------------------------------------------------------------- expression helpers

# `Decimal` values are Python decimals, and the spec's arithmetic on them is exact: `+`, `-`
# and `*` of two decimals never round. The generated code calls `dadd`, `dsub`, `dmul` and
# `dneg` for them, which compute in this module's own context: its precision is the largest
# Python allows and an inexact result raises instead (the spec language has no decimal
# division). The process-wide context is left alone, since the libraries a service runs on
# (the database drivers, pydantic) divide decimals too and must keep their usual precision.
D = decimal.Decimal
_EXACT = decimal.Context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow, decimal.Inexact],
)


def dadd(a: decimal.Decimal, b: decimal.Decimal) -> decimal.Decimal:
    """`a + b` of two decimals, exactly."""
    return _EXACT.add(a, b)


def dsub(a: decimal.Decimal, b: decimal.Decimal) -> decimal.Decimal:
    """`a - b` of two decimals, exactly."""
    return _EXACT.subtract(a, b)


def dmul(a: decimal.Decimal, b: decimal.Decimal) -> decimal.Decimal:
    """`a * b` of two decimals, exactly."""
    return _EXACT.multiply(a, b)


def dneg(a: decimal.Decimal) -> decimal.Decimal:
    """`-a` of a decimal, exactly."""
    return _EXACT.minus(a)


_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# A decimal that no float carries exactly is dumped as this process's token followed by its
# digits; `ExactJSONResponse` writes the digits as a JSON number in its place, and
# `decimal_in` reads a token of any process back (the store keeps dumped data). The nonce
# keeps a client's string from ever being taken for a token in an answer.
_DECIMAL_NONCE = uuid.uuid4().hex
_DECIMAL_TOKEN = "\x00leanos-decimal-" + _DECIMAL_NONCE + ":"
_ANY_DECIMAL_TOKEN = re.compile("\x00leanos-decimal-[0-9a-f]{32}:(.*)", re.S)
_TOKEN_IN_JSON = re.compile(r'"\\u0000leanos-decimal-' + _DECIMAL_NONCE + r':([-+.0-9eE]+)"')


def decimal_in(value: Any, info: pydantic.ValidationInfo) -> Any:
    """A `Decimal` from what its JSON number was read as.

    The JSON reader gives a number with a fraction as a float, which holds the number's
    shortest text: the digits written, for up to 15 significant digits, so the decimal is read
    from that text, never from the float's binary value. An integer is exact. A path or query
    parameter (string mode) is read from its text. Anything else (a boolean, a string in the
    body, a non-finite float) is left to the strict `Decimal` validator, which refuses it.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return D(repr(value)) if math.isfinite(value) else value
    if isinstance(value, int):
        return D(value)
    if info.mode == "string" and isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value):
        return D(value)
    if isinstance(value, str):
        token = _ANY_DECIMAL_TOKEN.fullmatch(value)
        if token is not None and _DECIMAL_TEXT.fullmatch(token.group(1)):
            return D(token.group(1))
    return value


def decimal_out(value: decimal.Decimal) -> Any:
    """A `Decimal` as JSON: a number whose text is exactly the decimal's digits.

    JSON writers print a float in its shortest round-trip text, which is the decimal itself
    whenever the float holds it exactly (checked here). A decimal with more significant digits
    than a float keeps becomes a token that `ExactJSONResponse` writes as a JSON number with
    exactly its digits: a decimal is never rounded on the wire.
    """
    as_float = float(value)
    if math.isfinite(as_float) and D(repr(as_float)) == value:
        return as_float
    return _DECIMAL_TOKEN + str(value)


class ExactJSONResponse(JSONResponse):
    """A JSON response in which every decimal is a number with exactly its digits."""

    def render(self, content: Any) -> bytes:
        text = super().render(content).decode("utf-8")
        return _TOKEN_IN_JSON.sub(lambda m: m.group(1), text).encode("utf-8")



def ediv(a: int, b: int) -> int:
    """Euclidean division, as in the spec language (`-7 / 2 == -4`)."""
    if b == 0:
        raise ZeroDivisionError("division by zero")
    r = a % abs(b)
    return (a - r) // b


def erem(a: int, b: int) -> int:
    """Euclidean remainder, never negative (`-7 % 2 == 1`)."""
    if b == 0:
        raise ZeroDivisionError("division by zero")
    return a % abs(b)


def end_anchored(pattern: str) -> str:
    """The pattern with each `$` outside a character class written `\\Z`. In the spec (and
    the reference interpreter, with Rust's `regex`) `$` is the end of the text; in Python's
    `re` it also matches before a final newline, so `^[A-Z]+$` would accept `"AB\\n"`."""
    out, i, in_class = [], 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = c != "]" or (out and out[-1] in ("[", "[^"))
        elif c == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "^":
                out.append("[^")
                i += 2
                continue
        elif c == "$":
            c = "\\Z"
        out.append(c)
        i += 1
    return "".join(out)


def matches(text: str, pattern: str) -> bool:
    """`matches(text, re)`: a regular-expression search (anchors must be written), `$` being
    the end of the text as in the spec (see `end_anchored`)."""
    return re.search(_end_anchored(pattern), text) is not None


_end_anchored = functools.lru_cache(maxsize=256)(end_anchored)


def no_match(value: Any) -> Any:
    raise ValueError(f"no match arm applies to {value!r}")


def check(ok: bool, text: str) -> None:
    """Raises a validation error when a refinement does not hold."""
    if not ok:
        raise ValueError(f"refinement violated: {text}")


def refined(pred: Callable[[Any], bool], text: str) -> Callable[[Any], Any]:
    """An `AfterValidator` body checking a translated refinement on `self`."""

    def validate(value: Any) -> Any:
        try:
            ok = bool(pred(value))
        except (ArithmeticError, ValueError, TypeError, AttributeError) as error:
            raise ValueError(f"refinement violated: {text} ({error})") from error
        check(ok, text)
        return value

    return validate


_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+(?:\.0*)?")


def integral(value: Any, info: pydantic.ValidationInfo) -> Any:
    """JSON Schema integers include integral numbers written with a fraction (`39.0`).

    A path or query parameter is validated from its text (`validate_strings`, strict), and a
    strict `int` refuses a `str` handed on by a before-validator, so in that mode the text of
    an integer (`5`, `-3`, `+7`, `39.0`) is turned into the integer here; any other text is
    left to the `int` validator, which refuses it with its usual message.
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if info.mode == "string" and isinstance(value, str) and _INTEGER_TEXT.fullmatch(value):
        return int(value.split(".", 1)[0])
    return value


def is_none(value: Any) -> bool:
    return value is None


def present(name: str, value: Any) -> dict[str, Any]:
    """The keyword argument of an optional field in a record literal: none when the value is
    `None` (absent and `null` are the same; answers omit the field)."""
    return {} if value is None else {name: value}


def unique_items(value: list) -> list:
    """A `Set<T>` is a JSON array without duplicates."""
    seen = set()
    for item in value:
        key = json.dumps(pydantic.TypeAdapter(Any).dump_python(item, mode="json"), sort_keys=True)
        if key in seen:
            raise ValueError("a set has no duplicate items")
        seen.add(key)
    return value


def dump(adapter: pydantic.TypeAdapter, value: Any) -> Any:
    """A value as JSON data (absent optional fields are omitted by their `exclude_if`)."""
    return adapter.dump_python(value, mode="json", by_alias=True)


# ---------------------------------------------------------------- problems


class Problem(Exception):
    """An error answered as RFC 9457 problem details (`application/problem+json`)."""

    def __init__(self, status: int, title: str, detail: str | None = None, type_: str | None = None, **extra: Any):
        super().__init__(f"{status} {title}: {detail}")
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type_ or "about:blank"
        self.extra = extra


def illegal_transition(machine: str, state: str, event: str) -> Problem:
    return Problem(
        409,
        "Illegal transition",
        f"event `{event}` is not enabled in state `{state}` of `{machine}`",
        "urn:leanos:problem:illegal-transition",
    )


REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
# The request's `Authorization` header, forwarded on calls of other services' operations.
AUTHORIZATION: contextvars.ContextVar[str] = contextvars.ContextVar("authorization", default="")
LOG = logging.getLogger("leanos")


def problem_response(problem: Problem, request: Request | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": problem.type, "title": problem.title, "status": problem.status}
    if problem.detail is not None:
        body["detail"] = problem.detail
    if request is not None:
        body["instance"] = request.url.path
    body.update(problem.extra)
    headers = {}
    if problem.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return ExactJSONResponse(body, status_code=problem.status, media_type=PROBLEM_JSON, headers=headers)


def validation_problem(errors: list[Any], where: str = "request") -> Problem:
    detail = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in errors if isinstance(e, dict)
    )
    return Problem(422, "Unprocessable content", f"the {where} does not satisfy the spec: {detail}",
                   "urn:leanos:problem:validation")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route accepts at the request's path (one route per operation)."""
    from starlette.routing import Match

    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match != Match.NONE or route.matches({**request.scope, "method": "HEAD"})[0] != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def install_handlers(app: FastAPI) -> None:
    """problem+json for every error, and the request-id middleware."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(validation_problem(list(exc.errors())), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = {400: "Bad request", 404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
        response = problem_response(Problem(exc.status_code, title, str(exc.detail)), request)
        for k, v in (exc.headers or {}).items():
            response.headers[k] = v
        if exc.status_code == 405:
            response.headers["Allow"] = ", ".join(allowed_methods(request))
        return response

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(Problem(500, "Internal error", type(exc).__name__), request)

    @app.middleware("http")
    async def _request_id(request: Request, call_next):
        rid = request.headers.get("x-request-id") or uuid.uuid4().hex
        token = REQUEST_ID.set(rid)
        auth = AUTHORIZATION.set(request.headers.get("authorization", ""))
        try:
            response = await call_next(request)
        finally:
            REQUEST_ID.reset(token)
            AUTHORIZATION.reset(auth)
        response.headers["X-Request-ID"] = rid
        return response


# ---------------------------------------------------------------- parameters


def parse_string_param(name: str, where: str, raw: str | None, adapter: pydantic.TypeAdapter) -> Any:
    """A path or query parameter read from its text, or a 422 problem."""
    if raw is None:
        raise Problem(422, "Unprocessable content", f"the {where} parameter `{name}` is required",
                      "urn:leanos:problem:validation")
    try:
        return adapter.validate_strings(raw, strict=True)
    except pydantic.ValidationError as error:
        raise validation_problem(
            [dict(e, loc=(where, name, *e.get("loc", ()))) for e in error.errors()], "request"
        ) from None


def parse_list_param(name: str, values: list[str], adapter: pydantic.TypeAdapter, json_items: bool = False) -> Any:
    """A list query parameter from its repeated values (`?id=1&id=2`), or a 422 problem.

    A lone empty value (`?fields=`) is the empty list: it is how OpenAPI's form style writes
    an empty array. Elements that are integers, booleans, strings or enums are read from their
    text (a string is the value as sent, quotes included); other elements (records, sums,
    lists) are each written as JSON (`json_items`).
    """
    if values == [""]:
        values = []
    try:
        return adapter.validate_python(
            [pydantic.TypeAdapter(Any).validate_json(v) for v in values] if json_items else values
        )
    except (pydantic.ValidationError, ValueError) as error:
        raise Problem(422, "Unprocessable content", f"the query parameter `{name}` is invalid: {error}",
                      "urn:leanos:problem:validation") from None


def check_result(adapter: pydantic.TypeAdapter, value: Any, op: str) -> Any:
    """The response monitor: the result of an operation must satisfy its type's refinements."""
    try:
        return adapter.validate_python(dump(adapter, value) if value is not None else None)
    except pydantic.ValidationError as error:
        raise Problem(500, "Result violates the spec", f"`{op}` produced a result outside its type: "
                      f"{error.errors()[0].get('msg', '')}", "urn:leanos:problem:result-refinement") from None


# ---------------------------------------------------------------- authentication


def auth_tokens() -> dict[str, set[str]]:
    """`LEANOS_AUTH_TOKENS`: a JSON object mapping each bearer token to its scopes."""
    raw = os.environ.get("LEANOS_AUTH_TOKENS", "")
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): {str(s) for s in v} for k, v in data.items() if isinstance(v, list)}


def require_scopes(scopes: list[str]) -> Callable[[Request], None]:
    """A dependency: a bearer token that has every one of `scopes` (401 without, 403 short)."""

    def dependency(request: Request) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Problem(401, "Unauthorized", "a bearer token is required", "urn:leanos:problem:unauthorized")
        granted = auth_tokens().get(token.strip())
        if granted is None:
            raise Problem(401, "Unauthorized", "the bearer token is not known", "urn:leanos:problem:unauthorized")
        missing = [s for s in scopes if s not in granted]
        if missing:
            raise Problem(403, "Forbidden", f"the token lacks the scopes {missing}", "urn:leanos:problem:forbidden")

    return dependency


# ---------------------------------------------------------------- the store


def key_text(key: list[Any]) -> str:
    return json.dumps(key, separators=(",", ":"), sort_keys=True)


# The advisory lock that serialises the creation of tables on PostgreSQL (any fixed number).
SCHEMA_LOCK = 7_428_150


class Store:
    """Records (JSON documents by collection and key) and machine instances, in a real database:
    SQLite by default (`./data/app.db`), PostgreSQL when `DATABASE_URL` is `postgresql://...`."""

    def __init__(self, url: str | None = None):
        self.url = url if url is not None else os.environ.get("DATABASE_URL", "")
        self.lock = threading.RLock()
        if self.url.startswith(("postgresql://", "postgres://")):
            import psycopg

            self.kind = "postgresql"
            self.conn = psycopg.connect(self.url, autocommit=True)
            self.mark = "%s"
        else:
            path = self.url.removeprefix("sqlite:///") if self.url else os.path.join("data", "app.db")
            if path != ":memory:":
                os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            self.kind = "sqlite"
            self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self.mark = "?"
        self._create_tables([
            "CREATE TABLE IF NOT EXISTS lp_records (collection TEXT NOT NULL, key TEXT NOT NULL, "
            "body TEXT NOT NULL, PRIMARY KEY (collection, key))",
            "CREATE TABLE IF NOT EXISTS lp_instances (machine TEXT NOT NULL, key TEXT NOT NULL, "
            "state TEXT NOT NULL, vars TEXT NOT NULL, PRIMARY KEY (machine, key))",
        ])
        self.entity_tables: list[str] = []

    def _create_tables(self, statements: list[str]) -> None:
        """Runs `CREATE TABLE IF NOT EXISTS` statements. The services of a spec share one
        database (the spec's entities are one store), and PostgreSQL fails two concurrent creations
        of the same table, so there they run one service at a time under an advisory lock."""
        if self.kind == "postgresql":
            self._exec("SELECT pg_advisory_lock(?)", (SCHEMA_LOCK,))
        try:
            for sql in statements:
                self._exec(sql)
        finally:
            if self.kind == "postgresql":
                self._exec("SELECT pg_advisory_unlock(?)", (SCHEMA_LOCK,))

    def ensure_entities(self, entities: dict[str, "EntityDef"]) -> None:
        """One table per entity the operation bodies use: `k` is the key (a JSON list), `k0`,
        `k1`, ... its fields (JSON), `body` the record, and for an entity with a lifecycle its
        machine `state` and `vars`; `version` counts writes (the optimistic check of `fire`)."""
        statements = []
        for ent in entities.values():
            cols = "".join(f"k{i} TEXT NOT NULL, " for i in range(len(ent.key)))
            statements.append(f"CREATE TABLE IF NOT EXISTS {ent.table} (k TEXT NOT NULL PRIMARY KEY, {cols}"
                              "body TEXT NOT NULL, state TEXT, vars TEXT, version INTEGER NOT NULL DEFAULT 0)")
            if ent.table not in self.entity_tables:
                self.entity_tables.append(ent.table)
        self._create_tables(statements)

    def begin(self, writes: bool = True) -> None:
        """Opens the request's transaction. On SQLite a body that writes takes the write lock at
        once (`BEGIN IMMEDIATE`: two writers queue instead of failing when one upgrades); a body
        that only reads takes no lock ahead, so it still answers while another service that
        shares the database file holds the write lock across a call of this one."""
        if self.kind == "sqlite":
            self._exec("BEGIN IMMEDIATE" if writes else "BEGIN DEFERRED")
        else:
            # Serializable: concurrent bodies have the outcome of some serial order (a `count`
            # then an insert cannot overshoot a limit); a read-only body reads one snapshot.
            self._exec("BEGIN ISOLATION LEVEL SERIALIZABLE" if writes else "BEGIN ISOLATION LEVEL REPEATABLE READ")

    def commit(self) -> None:
        self._exec("COMMIT")

    def rollback(self) -> None:
        try:
            self._exec("ROLLBACK")
        except Exception:  # the transaction may already be gone with its connection
            LOG.exception("rollback failed")

    def _exec(self, sql: str, args: tuple = ()) -> list[tuple]:
        sql = sql.replace("?", self.mark)
        with self.lock:
            cur = self.conn.cursor()
            try:
                cur.execute(sql, args)
                return list(cur.fetchall()) if cur.description else []
            finally:
                cur.close()

    def ping(self) -> bool:
        try:
            return self._exec("SELECT 1") == [(1,)]
        except Exception:
            return False

    def get(self, collection: str, key: list[Any]) -> Any:
        rows = self._exec("SELECT body FROM lp_records WHERE collection = ? AND key = ?", (collection, key_text(key)))
        return json.loads(rows[0][0]) if rows else None

    def put(self, collection: str, key: list[Any], body: Any) -> None:
        text = json.dumps(body, sort_keys=True)
        with self.lock:
            self._exec("DELETE FROM lp_records WHERE collection = ? AND key = ?", (collection, key_text(key)))
            self._exec("INSERT INTO lp_records (collection, key, body) VALUES (?, ?, ?)",
                       (collection, key_text(key), text))

    def list_prefix(self, collection: str, prefix: list[Any]) -> list[Any]:
        rows = self._exec("SELECT key, body FROM lp_records WHERE collection = ? ORDER BY key", (collection,))
        out = []
        for key, body in rows:
            parts = json.loads(key)
            if parts[: len(prefix)] == prefix:
                out.append(json.loads(body))
        return out

    def delete_key(self, key: list[Any]) -> int:
        with self.lock:
            rows = self._exec("SELECT collection FROM lp_records WHERE key = ?", (key_text(key),))
            self._exec("DELETE FROM lp_records WHERE key = ?", (key_text(key),))
            return len(rows)

    def get_instance(self, machine: str, key: list[Any]) -> tuple[str, dict[str, Any]] | None:
        rows = self._exec("SELECT state, vars FROM lp_instances WHERE machine = ? AND key = ?",
                          (machine, key_text(key)))
        return (rows[0][0], json.loads(rows[0][1])) if rows else None

    def put_instance(self, machine: str, key: list[Any], state: str, vars_: dict[str, Any]) -> None:
        with self.lock:
            self._exec("DELETE FROM lp_instances WHERE machine = ? AND key = ?", (machine, key_text(key)))
            self._exec("INSERT INTO lp_instances (machine, key, state, vars) VALUES (?, ?, ?, ?)",
                       (machine, key_text(key), state, json.dumps(vars_, sort_keys=True)))

    def clear(self) -> None:
        with self.lock:
            self._exec("DELETE FROM lp_records")
            self._exec("DELETE FROM lp_instances")
            for table in self.entity_tables:
                self._exec(f"DELETE FROM {table}")


# ---------------------------------------------------------------- state machines


@dataclass(frozen=True)
class Transition:
    source: str
    event: str
    target: str
    guard: Callable[[dict[str, Any]], bool]
    actions: Callable[[dict[str, Any]], dict[str, Any]]
    text: str


@dataclass(frozen=True)
class MachineDef:
    """A state machine as a transition table, with its variables and invariants."""

    name: str
    states: tuple[str, ...]
    initial: str | None
    finals: tuple[str, ...]
    init_vars: Callable[[], dict[str, Any]]
    transitions: tuple[Transition, ...]
    ignored: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    invariants: tuple[tuple[str, Callable[[dict[str, Any]], bool]], ...] = ()

    def enabled(self, state: str, vars_: dict[str, Any]) -> list[str]:
        """The events that have a transition whose guard holds in this configuration."""
        out: list[str] = []
        for t in self.transitions:
            if t.source == state and t.event not in out and t.guard(vars_):
                out.append(t.event)
        return out

    def step(self, state: str, vars_: dict[str, Any], event: str) -> tuple[str, dict[str, Any]]:
        """Fires `event`: the next configuration, or an illegal-transition problem (409).
        Every invariant is checked after the transition (a violation is a 500)."""
        found = self.try_step(state, vars_, event)
        if found is None:
            raise illegal_transition(self.name, state, event)
        return found

    def try_step(self, state: str, vars_: dict[str, Any], event: str) -> tuple[str, dict[str, Any]] | None:
        """The configuration after `event` (the first transition in declaration order whose
        guard holds; actions see the variables from before), or `None` when it is not enabled."""
        for t in self.transitions:
            if t.source == state and t.event == event and t.guard(vars_):
                new_vars = dict(vars_)
                new_vars.update(t.actions(vars_))
                for text, inv in self.invariants:
                    if not inv(new_vars):
                        raise Problem(500, "Invariant violated", f"`{text}` does not hold after `{t.text}`",
                                      "urn:leanos:problem:invariant")
                return t.target, new_vars
        if (state, event) in self.ignored:
            return state, dict(vars_)
        return None


@dataclass
class Firing:
    """An event fired on the machine instance with key `key`, not yet stored."""

    machine: MachineDef
    key: list[Any]
    before: str
    state: str
    vars: dict[str, Any]


def fire(store: Store, machine: MachineDef, key: list[Any], event: str) -> Firing:
    """Loads the instance (a new one starts in the initial state) and computes the transition."""
    found = store.get_instance(machine.name, key)
    if found is None:
        if machine.initial is None:
            raise illegal_transition(machine.name, "(none)", event)
        state, vars_ = machine.initial, machine.init_vars()
    else:
        state, vars_ = found
    new_state, new_vars = machine.step(state, vars_, event)
    return Firing(machine, key, state, new_state, new_vars)


def commit(store: Store, firing: Firing | None) -> None:
    if firing is not None:
        store.put_instance(firing.machine.name, firing.key, firing.state, firing.vars)


def run_operation(store: Store, key: list[Any], machine: MachineDef | None, event: str | None,
                  adapter: pydantic.TypeAdapter, op: str, call: Callable[[Firing | None], Any]) -> Any:
    """One operation: fire its event (409 when not enabled), run the logic, check the result
    against its type, then store the new state; under the store's lock, so that two requests
    on one process never fire from the same state."""
    with store.lock:
        firing = fire(store, machine, key, event) if machine is not None and event is not None else None
        value = check_result(adapter, call(firing), op)
        commit(store, firing)
        return value


# ---------------------------------------------------------------- default values


def fresh_ids() -> list[str]:
    """Candidate identifiers for a new resource: a 26-character ULID-like id, then a UUID."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    n = uuid.uuid4().int
    ulid = "".join(alphabet[(n >> (5 * i)) & 31] for i in range(26))
    return [ulid, str(uuid.uuid4())]


def synthesize(adapter: pydantic.TypeAdapter, witness: Any, candidates: dict[str, list[Any]], what: str) -> Any:
    """A value of a type: its generated witness, with each field replaced by the first candidate
    (from the request, the machine's variables, a fresh id) that keeps the whole value valid."""
    try:
        value = adapter.validate_python(witness)
    except pydantic.ValidationError as error:
        raise Problem(501, "Not implemented", f"no default value for {what}; implement it in the logic",
                      "urn:leanos:problem:not-implemented") from error
    data = dump(adapter, value)
    if not isinstance(data, dict):
        return value
    for name, options in candidates.items():
        for option in options:
            trial = dict(data)
            trial[name] = option
            try:
                value = adapter.validate_python(trial)
            except pydantic.ValidationError:
                continue
            data = dump(adapter, value)
            break
    return value


def candidates_from(**sources: Any) -> dict[str, list[Any]]:
    """Field candidates by name, from JSON-dumped request values (records contribute their fields)."""
    out: dict[str, list[Any]] = {}
    for name, value in sources.items():
        out.setdefault(name, []).append(value)
        if isinstance(value, dict):
            for k, v in value.items():
                out.setdefault(k, []).append(v)
    return out


@dataclass
class Context:
    """What an operation's logic sees besides its parameters: the store, the resource key
    (from the path) and the machine transition being fired, if any."""

    store: Store
    key: list[Any]
    firing: Firing | None = None


LOGIC: Any = None


def external(name: str) -> Callable[..., Any]:
    """An external spec function: implemented by the logic class (see `LEANOS_LOGIC`)."""
    impl = getattr(LOGIC, name, None)
    if impl is None:
        raise NotImplementedError(f"the external function `{name}` has no implementation; add it to the logic class")
    return impl


def with_field(value: Any, name: str, field_value: Any) -> Any:
    """A copy of a model with one field replaced, validated again."""
    if not isinstance(value, pydantic.BaseModel):
        return value
    data = value.model_dump(mode="json", by_alias=True)
    data[name] = field_value
    try:
        return type(value).model_validate(data)
    except pydantic.ValidationError as error:
        raise validation_problem(list(error.errors()), "request") from None


# ---------------------------------------------------------------- compiled operation bodies


def jsonable(value: Any) -> Any:
    """A value of the spec (a model, a list, a scalar) as JSON data."""
    if isinstance(value, pydantic.BaseModel):
        return dump(pydantic.TypeAdapter(type(value)), value)
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(jsonable(k)): jsonable(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class EntityDef:
    """A stored entity: its table, its key fields (wire names, in the key's order), the
    adapter of its record type and its lifecycle machine, if any."""

    name: str
    table: str
    key: tuple[str, ...]
    adapter: pydantic.TypeAdapter
    machine: MachineDef | None = None

    def key_of(self, value: Any) -> list[Any]:
        data = dump(self.adapter, value)
        return [data.get(k) for k in self.key]


def fault(text: str) -> Problem:
    """A body reached a state its proof obligations exclude (a key already taken by `create`
    without `else`, a `fire` of a disabled event without `else`): a 500, logged."""
    LOG.error("fault: %s", text)
    return Problem(500, "Spec obligation violated", text, "urn:leanos:problem:fault")


def declared(status: int, name: str, payload: Any) -> Problem:
    """The declared error `name` with its payload, as the operation's problem response."""
    return Problem(status, name, None, "urn:leanos:error:" + name, **jsonable(payload))


class Tx:
    """What one compiled body sees of the database, inside the request's transaction."""

    def __init__(self, store: Store, writes: bool = True):
        self.store = store
        self.writes = writes
        self.called = False
        self.drawn: set[Any] = set()

    def call_service(self, *args: Any, **kw: Any) -> Any:
        """A call of another service's operation (`call_service`). The callee runs in its own
        process and transaction, and in the spec it sees what this body wrote before the call
        (one store), so that is committed first and the body goes on in a new transaction.
        (A failure after the call therefore keeps the writes from before it: atomicity across
        services is not what HTTP gives.) Committing also frees SQLite's write lock, which a
        service sharing the database file needs to write."""
        self.store.commit()
        self.called = True
        try:
            return call_service(*args, **kw)
        finally:
            self.store.begin(self.writes)

    def _one(self, ent: EntityDef, key: list[Any], lock: bool = False) -> tuple | None:
        sql = f"SELECT body, state, vars, version FROM {ent.table} WHERE k = ?"
        if lock and self.store.kind == "postgresql":
            sql += " FOR UPDATE"
        rows = self.store._exec(sql, (key_text(jsonable(key)),))
        return rows[0] if rows else None

    def _load(self, ent: EntityDef, body: str) -> Any:
        return ent.adapter.validate_python(json.loads(body))

    def _checked(self, ent: EntityDef, value: Any) -> Any:
        try:
            return dump(ent.adapter, ent.adapter.validate_python(dump(ent.adapter, value)))
        except pydantic.ValidationError as error:
            raise fault(f"the `{ent.name}` to store breaks its type: {error.errors()[0].get('msg', '')}") from None

    def get(self, ent: EntityDef, key: list[Any]) -> Any:
        """`E[key]`: the stored record, or `None`."""
        row = self._one(ent, key)
        return self._load(ent, row[0]) if row else None

    def lifecycle(self, ent: EntityDef, key: list[Any]) -> tuple[str, dict[str, Any]] | None:
        row = self._one(ent, key)
        return (row[1], json.loads(row[2])) if row and row[1] is not None else None

    def exists(self, ent: EntityDef, key: list[Any]) -> bool:
        return self._one(ent, key) is not None

    def _insert(self, ent: EntityDef, key: list[Any], data: Any) -> None:
        state, vars_ = None, None
        if ent.machine is not None:
            state, vars_ = ent.machine.initial, json.dumps(ent.machine.init_vars(), sort_keys=True)
        cols = "".join(f", k{i}" for i in range(len(key)))
        marks = ", ?" * len(key)
        self.store._exec(f"INSERT INTO {ent.table} (k{cols}, body, state, vars, version) VALUES (?{marks}, ?, ?, ?, 0)",
                         (key_text(key), *(json.dumps(k, sort_keys=True) for k in key),
                          json.dumps(data, sort_keys=True), state, vars_))

    def put(self, ent: EntityDef, value: Any) -> None:
        """`put value`: replaces the record with the same key (keeping its lifecycle state), or
        stores a new one (a lifecycle starts in its initial state)."""
        data = self._checked(ent, value)
        key = [data.get(k) for k in ent.key]
        if self._one(ent, key, lock=True) is None:
            self._insert(ent, key, data)
        else:
            self.store._exec(f"UPDATE {ent.table} SET body = ?, version = version + 1 WHERE k = ?",
                             (json.dumps(data, sort_keys=True), key_text(key)))

    def create(self, ent: EntityDef, value: Any) -> bool:
        """`create E {...}`: stores a new record; `False` (nothing written) when the key is taken."""
        data = self._checked(ent, value)
        key = [data.get(k) for k in ent.key]
        if self._one(ent, key, lock=True) is not None:
            return False
        self._insert(ent, key, data)
        return True

    def delete(self, ent: EntityDef, key: list[Any]) -> None:
        self.store._exec(f"DELETE FROM {ent.table} WHERE k = ?", (key_text(jsonable(key)),))

    def rows(self, ent: EntityDef, where: dict[int, Any] | None = None) -> list[Any]:
        """The stored records (in key order), those whose key field `i` is `where[i]` if given."""
        sql, args = f"SELECT body FROM {ent.table}", []
        if where:
            sql += " WHERE " + " AND ".join(f"k{i} = ?" for i in sorted(where))
            args = [json.dumps(jsonable(where[i]), sort_keys=True) for i in sorted(where)]
        rows = self.store._exec(sql + " ORDER BY k", tuple(args))
        return [self._load(ent, r[0]) for r in rows]

    def count(self, ent: EntityDef, where: dict[int, Any] | None = None,
              pred: Callable[[Any], bool] | None = None) -> int:
        """`count(x: E where ...)`: key-field equalities run as SQL, any other filter over the
        matching rows in the same transaction."""
        if pred is None:
            sql, args = f"SELECT COUNT(*) FROM {ent.table}", []
            if where:
                sql += " WHERE " + " AND ".join(f"k{i} = ?" for i in sorted(where))
                args = [json.dumps(jsonable(where[i]), sort_keys=True) for i in sorted(where)]
            return int(self.store._exec(sql, tuple(args))[0][0])
        return sum(1 for r in self.rows(ent, where) if pred(r))

    def forall(self, ent: EntityDef, pred: Callable[[Any], bool]) -> bool:
        return all(pred(r) for r in self.rows(ent))

    def exists_where(self, ent: EntityDef, pred: Callable[[Any], bool]) -> bool:
        return any(pred(r) for r in self.rows(ent))

    def fresh(self, adapter: pydantic.TypeAdapter, integer: bool = False) -> Any:
        """`fresh`: a new key value of the type (random, so replicas never draw the same one)."""
        for _ in range(100):
            if integer:
                candidates: list[Any] = [uuid.uuid4().int % (2**53 - 1) + 1]
            else:
                candidates = [*fresh_ids(), uuid.uuid4().hex[:8]]
            for c in candidates:
                if c in self.drawn:
                    continue
                try:
                    value = adapter.validate_python(c)
                except pydantic.ValidationError:
                    continue
                self.drawn.add(c)
                return value
        raise fault("no fresh key satisfies its type")

    def fire(self, ent: EntityDef, target: Any, event: str) -> bool:
        """`fire target.event`: takes the transition under a row lock (PostgreSQL) and an
        optimistic version check; `False` (nothing written) when the instance is not stored or
        the event is not enabled in its state."""
        machine = ent.machine
        if machine is None:
            raise fault(f"`{ent.name}` has no lifecycle")
        key = ent.key_of(target)
        row = self._one(ent, key, lock=True)
        if row is None or row[1] is None:
            return False
        _, state, vars_text, version = row
        found = machine.try_step(state, json.loads(vars_text), event)
        if found is None:
            return False
        new_state, new_vars = found
        done = self.store._exec(f"UPDATE {ent.table} SET state = ?, vars = ?, version = version + 1 "
                                "WHERE k = ? AND version = ? RETURNING k",
                                (new_state, json.dumps(new_vars, sort_keys=True), key_text(key), version))
        if not done:
            raise Problem(409, "Conflict", f"`{ent.name}` changed while `{event}` was fired; retry",
                          "urn:leanos:problem:concurrent-update")
        return True


def run_body(store: Store, adapter: pydantic.TypeAdapter, op: str, result_entity: EntityDef | None,
             writes: bool, call: Callable[[Tx], Any]) -> tuple[Any, dict[str, str]]:
    """One compiled operation: its body in one database transaction, committed only when the
    body succeeds and its result satisfies its type. When the result is an entity with a
    lifecycle, its stored state is answered in `X-LeanOS-State` (and its machine variables in
    `X-LeanOS-Vars`)."""
    attempt = 0
    while True:
        attempt += 1
        with store.lock:
            store.begin(writes)
            tx = Tx(store, writes)
            try:
                value = check_result(adapter, call(tx), op)
                headers: dict[str, str] = {}
                if result_entity is not None and result_entity.machine is not None and value is not None:
                    life = tx.lifecycle(result_entity, result_entity.key_of(value))
                    if life is not None:
                        headers["X-LeanOS-State"] = life[0]
                        headers["X-LeanOS-Vars"] = json.dumps(life[1], sort_keys=True, separators=(",", ":"))
                store.commit()
                return value, headers
            except BaseException as error:
                store.rollback()
                if getattr(error, "sqlstate", None) not in SERIALIZATION_FAILURES:
                    raise
                # PostgreSQL refused the transaction to keep concurrent bodies serializable: run
                # the body again (it has not called another service: a call is not undone), or
                # answer 409 so that the client retries.
                if tx.called or attempt >= BODY_ATTEMPTS:
                    raise Problem(409, "Conflict", f"`{op}` ran concurrently with another request; retry",
                                  "urn:leanos:problem:concurrent-update") from None
        time.sleep(random.uniform(0, 0.01 * attempt))


# SQLSTATEs of a transaction PostgreSQL aborts for a concurrent one (serialization, deadlock),
# and how many times a body runs before the request answers 409.
SERIALIZATION_FAILURES = ("40001", "40P01")
BODY_ATTEMPTS = 5


def not_implemented(name: str) -> Problem:
    return Problem(501, "Not implemented", f"the external function `{name}` has no implementation; "
                   "add it to the logic class (LEANOS_LOGIC)", "urn:leanos:problem:not-implemented")


def contract_violation(name: str, clause: str, text: str) -> Problem:
    LOG.error("contract violated: %s of `%s`: %s", clause, name, text)
    return Problem(500, "Contract violated", f"`{clause} {text}` of `{name}` does not hold",
                   "urn:leanos:problem:contract", contract=f"{name}.{clause}")


def call_external(name: str, fn: Any, args: tuple) -> Any:
    """An external function through the hand-written logic, its contract monitored: `requires`
    before the call, the result type and `ensures` after; a violation is a 500 naming the
    contract. Without an implementation the answer is 501."""
    impl = getattr(LOGIC, name, None)
    if impl is None:
        raise not_implemented(name)
    for text, pred in getattr(fn, "requires", ()):
        if not _holds(pred, *args):
            raise contract_violation(name, "requires", text)
    result = impl(*args)
    result_type = getattr(fn, "result_type", None)
    if result_type is not None:
        adapter = pydantic.TypeAdapter(result_type)
        try:
            result = adapter.validate_python(jsonable(result))
        except pydantic.ValidationError as error:
            raise contract_violation(name, "result", error.errors()[0].get("msg", "")) from None
    for text, pred in getattr(fn, "ensures", ()):
        if not _holds(pred, *args, result_=result):
            raise contract_violation(name, "ensures", text)
    return result


def _holds(pred: Callable[..., Any], *args: Any, **kw: Any) -> bool:
    try:
        return bool(pred(*args, **kw))
    except (ArithmeticError, ValueError, TypeError, AttributeError):
        return False


def seg(value: Any) -> str:
    """A path parameter's value as one percent-encoded path segment."""
    data = jsonable(value)
    text = ("true" if data else "false") if isinstance(data, bool) else str(data)
    return urllib.parse.quote(text, safe="")


def call_service(service: str, op: str, method: str, url_path: str, query: dict[str, Any], body: Any,
                 adapter: pydantic.TypeAdapter, errors: dict[str, int],
                 otherwise: Callable[[], Problem] | None = None) -> Any:
    """Calls an operation of a service this one depends on (base URL `{SERVICE}_URL`), with a
    timeout (`LEANOS_CALL_TIMEOUT` seconds, 5 by default). A declared error of the callee passes
    through (or becomes `otherwise`); an unreachable or misbehaving dependency is a 503 or 502."""
    env = service.upper() + "_URL"
    base = os.environ.get(env, "")
    if not base:
        raise Problem(503, "Dependency unavailable", f"`{op}` needs the service `{service}`: {env} is not set",
                      "urn:leanos:problem:dependency-unavailable")
    items = []
    for k, v in query.items():
        if v is None:
            continue
        v = jsonable(v)
        for one in v if isinstance(v, list) else [v]:
            items.append((k, json.dumps(one) if isinstance(one, (dict, bool)) else str(one)))
    url = base.rstrip("/") + url_path + ("?" + urllib.parse.urlencode(items) if items else "")
    headers = {"Accept": "application/json", "X-Request-ID": REQUEST_ID.get()}
    if AUTHORIZATION.get():
        headers["Authorization"] = AUTHORIZATION.get()
    data = None
    if body is not None:
        data = json.dumps(jsonable(body)).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    timeout = float(os.environ.get("LEANOS_CALL_TIMEOUT", "5"))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read()
    except urllib.error.HTTPError as error:
        try:
            problem = json.loads(error.read() or b"{}")
        except ValueError:
            problem = {}
        title = problem.get("title") if isinstance(problem, dict) else None
        if title in errors and errors[title] == error.code:
            if otherwise is not None:
                raise otherwise() from None
            extra = {k: v for k, v in problem.items() if k not in ("type", "title", "status", "detail", "instance")}
            raise Problem(error.code, title, problem.get("detail"), problem.get("type"), **extra) from None
        raise Problem(502, "Bad gateway", f"`{op}` answered {error.code}", "urn:leanos:problem:dependency-failed") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise Problem(503, "Dependency unavailable", f"`{op}` is unreachable: {error}",
                      "urn:leanos:problem:dependency-unavailable") from None
    try:
        return adapter.validate_python(json.loads(text) if text else None)
    except (ValueError, pydantic.ValidationError):
        raise Problem(502, "Bad gateway", f"`{op}` answered a body outside its type",
                      "urn:leanos:problem:dependency-failed") from None


def mul(a: int, b: int) -> int:
    return a * b


def unsupported(what: str) -> Any:
    raise Problem(501, "Not implemented", f"{what} is not compiled yet", "urn:leanos:problem:not-implemented")
