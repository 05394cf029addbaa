#!/usr/bin/env bash
# The generated FastAPI backends, run for real: for every spec example, `leanos-prove build`,
# then for each service (a copy of code/backend/{service}/ in a temp folder) the generated
# pytest suite, and uvicorn + Schemathesis against the service's operations of the emitted
# api.openapi.json. Everything runs twice: on SQLite (the default store) and on a real
# PostgreSQL server started here (Debian's `postgresql`; installed when missing and root).
#
# One virtual environment serves every service (the pins are the same): `.venv-backend/`,
# rebuilt when the generated pins change. Under CI=true a missing tool fails the suite;
# elsewhere the PostgreSQL half is skipped with a note.
#
# Then, per example, the differential and concurrency tests (tests/test_differential.py of the
# first service): every service of the example runs under uvicorn, with two worker processes,
# on one shared database; the differential test drives random sequences of operations against
# them and against `leanos-prove interp` and compares every answer and the stored entities,
# and the concurrency test adds bursts of simultaneous requests whose answers and store must
# be those of some serial order. On SQLite, seeded defects in a compiled body must each be
# caught by the differential test; on PostgreSQL, a runtime without its locks must be caught
# by the concurrency test.
#
# Knobs: BACKEND_EXAMPLES (space-separated example folders), LEANOS_MAX_EXAMPLES (Hypothesis
# examples per generated test, default 30), SCHEMATHESIS_MAX_EXAMPLES (default 15; on
# PostgreSQL SCHEMATHESIS_MAX_EXAMPLES_POSTGRESQL, default 8),
# SCHEMATHESIS_SEED (default 20261124), BACKEND_POSTGRES=0 to skip PostgreSQL,
# LEANOS_DIFF_EXAMPLES / LEANOS_DIFF_STEPS / LEANOS_DIFF_SEED (the differential test's
# sequences, steps per sequence and seed; defaults 15, 20 and 20261207), LEANOS_CONC_EXAMPLES /
# LEANOS_CONC_STEPS / LEANOS_CONC_BATCH (the concurrency test's sequences, steps per sequence
# and requests per burst; defaults 10, 15 and 6; same seed).
# BACKEND_SERVICE_STRIDE=K and BACKEND_SERVICE_FIRST=F to run only services F, F+K, F+2K...
# of each example (numbered from 1 in the order of their folder names; default F=1, K=1: all
# of them), which scripts/test-realworld.sh uses for a description with dozens of services.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CI="${CI:-}"
# The examples, and the escaping corpus (quotes, backslashes, `{{`, Python keywords as names).
EXAMPLES="${BACKEND_EXAMPLES:-spec-examples/catalog-sync spec-examples/order-fulfilment spec-examples/subscription-billing/v1 spec-examples/subscription-billing/v2 $(ls tests/corpus/codegen/*.adt | tr '\n' ' ')}"
export LEANOS_MAX_EXAMPLES="${LEANOS_MAX_EXAMPLES:-30}"
ST_MAX="${SCHEMATHESIS_MAX_EXAMPLES:-15}"
ST_MAX_PG="${SCHEMATHESIS_MAX_EXAMPLES_POSTGRESQL:-8}"
ST_SEED="${SCHEMATHESIS_SEED:-20261124}"
STRIDE="${BACKEND_SERVICE_STRIDE:-1}"
FIRST="${BACKEND_SERVICE_FIRST:-1}"
# Globs list folders in byte order whatever the locale, so a stride picks the same services.
export LC_COLLATE=C
SCHEMATHESIS="$ROOT/.venv-val/bin/schemathesis"
BIN="$ROOT/target/debug/leanos-prove"

fail() { echo "test-backend: $*" >&2; exit 1; }

cargo build -q -p lp-cli
[ -x "$SCHEMATHESIS" ] || fail "Schemathesis is missing: run scripts/test.sh (it installs .venv-val)"

WORK=$(mktemp -d /tmp/lp-backend.XXXXXX)
chmod 755 "$WORK"
UVICORN_PID=""
DIFF_PIDS=()
PG_STARTED=""
stop_diff_services() {
  local p
  for p in "${DIFF_PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  DIFF_PIDS=()
}
cleanup() {
  if [ -n "$UVICORN_PID" ]; then kill "$UVICORN_PID" 2>/dev/null || true; wait "$UVICORN_PID" 2>/dev/null || true; fi
  stop_diff_services
  if [ -n "$PG_STARTED" ]; then pg_as "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---------------------------------------------------------------- build every example
for ex in $EXAMPLES; do
  case $ex in
    /*) name=$(basename "$ex" .adt) ;; # a spec outside the repository (scripts/test-realworld.sh)
    *) name=$(echo "$ex" | sed 's|spec-examples/||; s|tests/corpus/codegen/|corpus-|; s|\.adt$||; s|/|-|g') ;;
  esac
  "$BIN" build "$ex" --out "$WORK/out/$name" --color never >/dev/null
  [ -d "$WORK/out/$name/code/backend" ] || fail "$ex: the build wrote no code/backend"
  case $ex in /*) echo "$ex" ;; *) echo "$ROOT/$ex" ;; esac > "$WORK/out/$name.source"
done

# ---------------------------------------------------------------- the shared venv
first_pyproject=$(ls "$WORK"/out/*/code/backend/*/pyproject.toml | head -1)
PINS=$(python3 - "$first_pyproject" <<'EOF'
import sys, tomllib
p = tomllib.load(open(sys.argv[1], "rb"))["project"]
print(" ".join(p["dependencies"] + p["optional-dependencies"]["test"]))
EOF
)
for f in "$WORK"/out/*/code/backend/*/pyproject.toml; do
  other=$(python3 -c 'import sys,tomllib;p=tomllib.load(open(sys.argv[1],"rb"))["project"];print(" ".join(p["dependencies"]+p["optional-dependencies"]["test"]))' "$f")
  [ "$other" = "$PINS" ] || fail "$f pins differ from $first_pyproject"
done
VENV="$ROOT/.venv-backend"
if [ "$(cat "$VENV/.pins" 2>/dev/null)" != "$PINS" ]; then
  echo "== installing the generated backends' pinned dependencies into .venv-backend"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  # shellcheck disable=SC2086
  "$VENV/bin/pip" install -q $PINS
  echo "$PINS" > "$VENV/.pins"
fi

# The generated service of tests/corpus/codegen/query_params.adt, driven with path and query
# parameters of every scalar kind (crates/lp-codegen/tests/fastapi_params.rs); it skips itself
# when .venv-backend is missing, so it runs again here, where it must not skip.
echo "== parameters read from their text (cargo test -p lp-codegen --test fastapi_params)"
LEANOS_REQUIRE_BACKEND_VENV=1 cargo test -q -p lp-codegen --test fastapi_params >/dev/null ||
  fail "the generated service misread its parameters (cargo test -p lp-codegen --test fastapi_params)"
# The generated service of tests/corpus/codegen/decimals.adt: decimals read from their JSON
# number's text, computed with exactly and answered digit for digit
# (crates/lp-codegen/tests/fastapi_decimals.rs); it skips itself without .venv-backend too.
echo "== decimals as exact JSON numbers (cargo test -p lp-codegen --test fastapi_decimals)"
LEANOS_REQUIRE_BACKEND_VENV=1 cargo test -q -p lp-codegen --test fastapi_decimals >/dev/null ||
  fail "the generated service mishandled decimals (cargo test -p lp-codegen --test fastapi_decimals)"

# ---------------------------------------------------------------- helpers
http_ok() { python3 -c 'import sys,urllib.request;urllib.request.urlopen(sys.argv[1],timeout=2)' "$1" >/dev/null 2>&1; }
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# Narrows the emitted document to one service's operations for its Schemathesis run (the
# document describes every service). The schemas and responses are the emitted ones, untouched:
# the document declares every status the generated runtime answers (see book/src/backend.md,
# "Schemathesis"). One renaming remains, for a Schemathesis limitation rather than a defect of
# the document: a dotted path parameter (`{product.sku}`, field `sku` of parameter `product`)
# is a valid OpenAPI template name, but Schemathesis cannot fill it; `product__sku` names the
# same URL.
#
# A refinement that pins a string to one literal (`where self == "order"`, an imported
# `const`) is in the document as `x-leanos-refinement` text, which Schemathesis does not read:
# it would send any string and call the service's 422 a rejected valid request. The copy
# handed to Schemathesis adds the `const` that text means (only for a refinement that is that
# one equality, of a string without escapes).
#
# It also writes the Schemathesis configuration of the run (argv[4]): a compiled operation body
# answers 501 while an external function it reaches has no implementation (the hand-written
# seam, `LEANOS_LOGIC`), and 502/503 while a service it calls is not configured (each service
# runs alone here). The document declares those responses (`x-leanos-runtime`); for exactly
# those operations and statuses the server-error check is told to expect them.
cat > "$WORK/service-openapi.py" <<'EOF'
import json, re, sys

doc = json.load(open(sys.argv[1]))
service = sys.argv[2]
paths = {}
for path, item in doc["paths"].items():
    ops = {m: o for m, o in item.items() if service in o.get("tags", [])}
    if not ops:
        continue
    new_path = re.sub(r"\{([^}]*)\}", lambda m: "{" + m.group(1).replace(".", "__") + "}", path)
    for o in ops.values():
        for p in o.get("parameters", []):
            if p["in"] == "path":
                p["name"] = p["name"].replace(".", "__")
    paths[new_path] = ops
doc["paths"] = paths
PINNED = re.compile(r'^(?:self == "([^"\\]*)"|"([^"\\]*)" == self)$')


def pin(node):
    if isinstance(node, dict):
        m = PINNED.match(node.get("x-leanos-refinement", "")) if node.get("type") == "string" else None
        if m:
            node["const"] = m.group(1) if m.group(1) is not None else m.group(2)
        for v in node.values():
            pin(v)
    elif isinstance(node, list):
        for v in node:
            pin(v)


pin(doc)
json.dump(doc, open(sys.argv[3], "w"), indent=1, sort_keys=True)
SEAMS = {"not-implemented", "dependency-failed", "dependency-unavailable"}
with open(sys.argv[4], "w") as config:
    for item in paths.values():
        for o in item.values():
            seams = sorted(s for s, r in o.get("responses", {}).items() if r.get("x-leanos-runtime") in SEAMS)
            if seams:
                expected = ", ".join(json.dumps(s) for s in ["2xx", "3xx", "4xx", *seams])
                config.write(f"[[operations]]\ninclude-operation-id = {json.dumps(o['operationId'])}\n"
                             f"checks.not_a_server_error.expected-statuses = [{expected}]\n\n")
EOF

# run_service LABEL SERVICE_DIR OPENAPI SERVICE DATABASE_URL TESTS MAX_EXAMPLES
# TESTS is `all` or `api`: the domain tests (types, functions, machines) never touch the
# database, so on PostgreSQL only the API tests run.
run_service() {
  local label=$1 dir=$2 openapi=$3 service=$4 db=$5 tests=$6 st_max=$7
  local copy="$WORK/run/$label"
  rm -rf "$copy"
  mkdir -p "$(dirname "$copy")"
  cp -r "$dir" "$copy"
  local selection=()
  [ "$tests" = api ] && selection=(tests/test_api.py)
  echo "== $label: pytest (${tests} tests)"
  (cd "$copy" && TEST_DATABASE_URL="$db" PYTHONDONTWRITEBYTECODE=1 "$VENV/bin/python" -m pytest -q \
    -W ignore::DeprecationWarning "${selection[@]}" > "$copy.pytest.log" 2>&1) ||
    { cat "$copy.pytest.log" >&2; fail "$label: the generated tests failed"; }
  tail -n 1 "$copy.pytest.log"
  local scopes
  scopes=$(python3 -c 'import json,sys;d=json.load(open(sys.argv[1]));print(json.dumps(sorted({s for it in d["paths"].values() for o in it.values() for r in o.get("security",[]) for v in r.values() for s in v})))' "$openapi")
  local port
  port=$(free_port)
  local dburl=$db
  [ -n "$dburl" ] || dburl="sqlite:///$copy/schemathesis.db"
  (cd "$copy" && DATABASE_URL="$dburl" LEANOS_AUTH_TOKENS="{\"schemathesis\": $scopes}" \
    exec "$VENV/bin/uvicorn" app.main:app --host 127.0.0.1 --port "$port" --log-level warning) > "$copy.uvicorn.log" 2>&1 &
  UVICORN_PID=$!
  local up=""
  for _ in $(seq 1 100); do
    if http_ok "http://127.0.0.1:$port/healthz"; then up=1; break; fi
    sleep 0.1
  done
  [ -n "$up" ] || { cat "$copy.uvicorn.log" >&2; fail "$label: uvicorn did not start"; }
  http_ok "http://127.0.0.1:$port/readyz" || fail "$label: /readyz is not ready"
  "$VENV/bin/python" "$WORK/service-openapi.py" "$openapi" "$service" "$copy.openapi.json" "$copy.schemathesis.toml"
  echo "== $label: schemathesis (seed $ST_SEED, at most $st_max examples per operation)"
  (cd "$WORK" && "$SCHEMATHESIS" --config-file "$copy.schemathesis.toml" run "$copy.openapi.json" --url "http://127.0.0.1:$port" \
    -H "Authorization: Bearer schemathesis" --seed "$ST_SEED" --max-examples "$st_max" \
    --no-color > "$copy.schemathesis.log" 2>&1) || { cat "$copy.schemathesis.log" >&2; fail "$label: Schemathesis found failures"; }
  tail -n 1 "$copy.schemathesis.log"
  kill "$UVICORN_PID" 2>/dev/null || true
  wait "$UVICORN_PID" 2>/dev/null || true
  UVICORN_PID=""
}

# run_differential LABEL OUT DATABASE_URL [SEEDED_DEFECT [TESTS]]
# Starts every service of the build output OUT (copies) on one shared database, each under
# uvicorn with two worker processes, the others' `{SERVICE}_URL`, a token with every scope and
# the differential test's stand-ins of the external functions (`tests/differential_logic.py`
# of the first service, loaded with LEANOS_LOGIC=differential_logic:Logic), then runs the
# first service's tests/test_differential.py (both tests, or those pytest's `-k TESTS` selects)
# against them and `leanos-prove interp`. With SEEDED_DEFECT, the generated code is broken
# first (seed_defect) and shrinking is off. Returns the tests' status.
run_differential() {
  local label=$1 out=$2 db=$3 defect=${4:-} tests=${5:-}
  local copy="$WORK/diff/$label"
  rm -rf "$copy"
  mkdir -p "$copy"
  local openapi scopes first="" services=() urls="" envs=() s
  openapi=$(ls "$out"/specifications/*/api.openapi.json)
  scopes=$(python3 -c 'import json,sys;d=json.load(open(sys.argv[1]));print(json.dumps(sorted({s for it in d["paths"].values() for o in it.values() for r in o.get("security",[]) for v in r.values() for s in v})))' "$openapi")
  for dir in "$out"/code/backend/*/; do
    s=$(basename "$dir")
    cp -r "$dir" "$copy/$s"
    services+=("$s")
    if [ -f "$copy/$s/tests/test_differential.py" ]; then first="$copy/$s"; fi
  done
  [ -n "$first" ] || fail "$label: no service holds tests/test_differential.py"
  [ -n "$db" ] || db="sqlite:///$copy/services.db"
  if [ -n "$defect" ]; then seed_defect "$copy" "$defect"; fi
  local -A port
  for s in "${services[@]}"; do
    port[$s]=$(free_port)
    urls="$urls\"$s\": \"http://127.0.0.1:${port[$s]}\", "
    envs+=("$(echo "$s" | tr '[:lower:]-' '[:upper:]_')_URL=http://127.0.0.1:${port[$s]}")
  done
  urls="{${urls%, }}"
  for s in "${services[@]}"; do
    (cd "$copy/$s" && exec env "${envs[@]}" DATABASE_URL="$db" LEANOS_AUTH_TOKENS="{\"diff\": $scopes}" \
      LEANOS_LOGIC=differential_logic:Logic PYTHONPATH="$first/tests" PYTHONDONTWRITEBYTECODE=1 \
      "$VENV/bin/uvicorn" app.main:app --host 127.0.0.1 --port "${port[$s]}" --workers 2 --log-level warning) \
      > "$copy/$s.uvicorn.log" 2>&1 &
    DIFF_PIDS+=($!)
  done
  for s in "${services[@]}"; do
    local up=""
    for _ in $(seq 1 100); do
      if http_ok "http://127.0.0.1:${port[$s]}/readyz"; then up=1; break; fi
      sleep 0.1
    done
    [ -n "$up" ] || { cat "$copy/$s.uvicorn.log" >&2; fail "$label: the service $s did not start"; }
  done
  local shrink=1 status=0
  [ -z "$defect" ] || shrink=0
  local select=()
  [ -z "$tests" ] || select=(-k "$tests")
  (cd "$first" && LEANOS_DIFF_REQUIRED=1 LEANOS_DIFF_URLS="$urls" LEANOS_DIFF_INTERP="$BIN interp $(cat "$out.source")" \
    LEANOS_DIFF_DATABASE_URL="$db" LEANOS_DIFF_TOKEN=diff LEANOS_DIFF_REPORT="$copy.report" LEANOS_DIFF_SHRINK=$shrink \
    LEANOS_CONC_REPORT="$copy.conc" PYTHONDONTWRITEBYTECODE=1 "$VENV/bin/python" -m pytest -q -p no:cacheprovider \
    -W ignore::DeprecationWarning "${select[@]}" tests/test_differential.py > "$copy.log" 2>&1) || status=$?
  stop_diff_services
  return $status
}

# seed_defect COPY DEFECT: one wrong line in a copy of catalog-sync's compiled bodies, or (for
# `missing-lock`) the runtime of every service without its concurrency control.
seed_defect() {
  "$VENV/bin/python" - "$1" "$2" <<'EOF'
import glob, re, sys

copy, defect = sys.argv[1], sys.argv[2]
if defect == "missing-lock":
    # Transactions at PostgreSQL's default isolation (read committed), and `fire` without its
    # row lock and version check: two requests can both read a state and both take a transition.
    for path in glob.glob(f"{copy}/*/app/runtime.py"):
        text = open(path).read()
        for pattern, replacement in [
            (r'"BEGIN ISOLATION LEVEL SERIALIZABLE" if writes else "BEGIN ISOLATION LEVEL REPEATABLE READ"', '"BEGIN"'),
            (r'sql \+= " FOR UPDATE"', "pass"),
            (r'"WHERE k = \? AND version = \? RETURNING k",\n( *)\(new_state, json\.dumps\(new_vars, sort_keys=True\), key_text\(key\), version\)',
             r'"WHERE k = ? RETURNING k",\n\1(new_state, json.dumps(new_vars, sort_keys=True), key_text(key))'),
        ]:
            text, n = re.subn(pattern, replacement, text, count=1)
            assert n == 1, f"seeded defect {defect}: {pattern!r} is not in {path}; update the seed"
        open(path, "w").write(text)
    sys.exit(0)
service, function, pattern, replacement = {
    # A declared error replaced by another one.
    "wrong-error": ("catalog", "op_get_product", r'_rt\.declared\(404, "TenantUnknown", M\.TenantUnknown\(tenant=tenant\)\)',
                    '_rt.declared(404, "NotFound", M.NotFound(sku=tenant))'),
    # A write left out.
    "missing-write": ("catalog", "op_upsert", r'\n *_tx\.put\(ENTITIES\["Product"\], _l1\)', ""),
    # A lookup by the wrong key.
    "wrong-key": ("tenants", "op_get_tenant", r'_tx\.get\(ENTITIES\["Tenant"\], \[tenant\]\)',
                  '_tx.get(ENTITIES["Tenant"], [tenant.lower()])'),
}[defect]
path = f"{copy}/{service}/app/bodies.py"
text = open(path).read()
start = text.index(f"def {function}(")
end = text.find("\ndef ", start + 1)
end = len(text) if end < 0 else end
body, n = re.subn(pattern, replacement, text[start:end], count=1)
assert n == 1, f"seeded defect {defect}: the generated line is not in {function}; update the seed"
open(path, "w").write(text[:start] + body + text[end:])
EOF
}

# run_all DB_LABEL DATABASE_URL_PREFIX SCHEMATHESIS_MAX_EXAMPLES
run_all() {
  local db_label=$1 db=$2 st_max=$3
  for out in "$WORK"/out/*/; do
    out=${out%/}
    local ex
    ex=$(basename "$out")
    local openapi
    openapi=$(ls "$out"/specifications/*/api.openapi.json)
    local index=0
    for dir in "$out"/code/backend/*/; do
      index=$((index + 1))
      [ "$index" -ge "$FIRST" ] && [ $(((index - FIRST) % STRIDE)) = 0 ] || continue
      local service
      service=$(basename "$dir")
      local tests=all
      [ -n "$db" ] && tests=api
      local url=$db
      if [ -n "$db" ]; then
        pg_createdb "lp_${ex//-/_}_$service"
        url="$db/lp_${ex//-/_}_$service"
      fi
      run_service "$db_label/$ex/$service" "$dir" "$openapi" "$service" "$url" "$tests" "$st_max"
    done
    if ls "$out"/code/backend/*/tests/test_differential.py >/dev/null 2>&1; then
      local durl=$db
      if [ -n "$db" ]; then
        pg_createdb "lp_diff_${ex//-/_}"
        durl="$db/lp_diff_${ex//-/_}"
      fi
      echo "== $db_label/$ex: differential and concurrency tests against leanos-prove interp"
      local started=$SECONDS
      run_differential "$db_label/$ex" "$out" "$durl" ||
        { cat "$WORK/diff/$db_label/$ex.log" >&2; fail "$db_label/$ex: the services and the reference interpreter disagree"; }
      echo "   differential: $(head -n 1 "$WORK/diff/$db_label/$ex.report")"
      echo "   concurrency: $(head -n 1 "$WORK/diff/$db_label/$ex.conc"), $((SECONDS - started)) s"
      [ -z "${LEANOS_CONC_VERBOSE:-}" ] || sed -n '2,$p' "$WORK/diff/$db_label/$ex.conc"
    fi
  done
}

# ---------------------------------------------------------------- SQLite
run_all sqlite "" "$ST_MAX"

# ---------------------------------------------------------------- seeded body defects
# The differential test must catch a compiled body that is wrong: in copies of catalog-sync's
# services, each defect of seed_defect in turn must make it fail on a difference.
if [ -d "$WORK/out/catalog-sync" ]; then
  for defect in wrong-error missing-write wrong-key; do
    started=$SECONDS
    if LEANOS_DIFF_EXAMPLES="${LEANOS_DIFF_DEFECT_EXAMPLES:-60}" run_differential "seeded-$defect" "$WORK/out/catalog-sync" "" \
      "$defect" services_answer; then
      cat "$WORK/diff/seeded-$defect.report" >&2 || true
      fail "seeded body defect $defect: the differential test passed"
    fi
    grep -q "answered differently\|differ:" "$WORK/diff/seeded-$defect.log" ||
      { cat "$WORK/diff/seeded-$defect.log" >&2; fail "seeded body defect $defect: the test failed, but not on a difference"; }
    found=$(grep -m1 -o "[a-z_]*\.[a-z_]* answered differently\|the stored \`[A-Za-z]*\` differ" "$WORK/diff/seeded-$defect.log")
    echo "== seeded body defect $defect: caught ($found; $(head -n 1 "$WORK/diff/seeded-$defect.report"), $((SECONDS - started)) s)"
  done
fi

# ---------------------------------------------------------------- seeded migration defects
# The generated migration tests must catch a broken migration. In copies of subscription-billing
# v2's `accounts` service: `back_Customer` drops `name`, and `forward_Customer` appends a space
# to `full_name` (still valid, so only the round trip can tell). Each must fail the round trip.
MIG="$WORK/out/subscription-billing-v2/code/backend/accounts"
if [ -d "$WORK/out/subscription-billing-v2" ]; then
  [ -f "$MIG/app/migrations.py" ] || fail "subscription-billing v2: no app/migrations.py in accounts"
  for seed in drop-back-field alter-forward-value; do
    copy="$WORK/run/seeded-migration-$seed"
    rm -rf "$copy"
    cp -r "$MIG" "$copy"
    "$VENV/bin/python" - "$copy/app/migrations.py" "$seed" <<'EOF'
import re, sys

path, seed = sys.argv[1], sys.argv[2]
pattern, replacement = {
    "drop-back-field": (r'    _\w+\(data, "name", \(new\)\.full_name\)\n', ""),
    "alter-forward-value": (r'(    _\w+\(data, "full_name", \(old\)\.name)\)\n', r'\1 + " ")\n'),
}[seed]
text, n = re.subn(pattern, replacement, open(path).read())
assert n == 1, f"seeded defect {seed}: the generated line is not there; update the seed"
open(path, "w").write(text)
EOF
    if (cd "$copy" && PYTHONDONTWRITEBYTECODE=1 "$VENV/bin/python" -m pytest -q -p no:cacheprovider \
      tests/test_migrations.py > "$copy.log" 2>&1); then
      fail "seeded migration defect $seed: the generated migration tests passed"
    fi
    grep -q "FAILED tests/test_migrations.py::test_Customer_round_trips_back_after_forward" "$copy.log" ||
      { cat "$copy.log" >&2; fail "seeded migration defect $seed: the round-trip test did not fail"; }
    echo "== seeded migration defect $seed: caught ($(tail -n 1 "$copy.log"))"
  done
fi

# ---------------------------------------------------------------- PostgreSQL
if [ "${BACKEND_POSTGRES:-1}" = 0 ]; then
  echo "== PostgreSQL skipped (BACKEND_POSTGRES=0)"
  exit 0
fi
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$PG_BIN" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing postgresql"
  (apt-get install -y -qq postgresql >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq postgresql >/dev/null)) || true
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
fi
if [ -z "$PG_BIN" ]; then
  [ "$CI" = true ] && fail "PostgreSQL is not installed (apt-get install postgresql)"
  echo "note: PostgreSQL is not installed; the PostgreSQL run is skipped"
  exit 0
fi
pg_as() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
mkdir -p "$WORK/pg"
[ "$(id -u)" = 0 ] && chown postgres "$WORK/pg"
PG_PORT=$(free_port)
pg_as "$PG_BIN/initdb" -D "$WORK/pg/data" -U postgres --auth=trust -E UTF8 >/dev/null
pg_as "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/log" -w \
  -o "-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
PG_STARTED=1
pg_createdb() { "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$1"; }
echo "== PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
run_all postgresql "postgresql://postgres@127.0.0.1:$PG_PORT" "$ST_MAX_PG"

# ---------------------------------------------------------------- a seeded concurrency defect
# The concurrency test must catch services that run without their concurrency control: in
# copies of catalog-sync's services on PostgreSQL, the runtime's transactions at read committed
# and `fire` without its row lock and version check must make it fail on a burst.
if [ -d "$WORK/out/catalog-sync" ]; then
  started=$SECONDS
  pg_createdb lp_seeded_missing_lock
  if LEANOS_CONC_EXAMPLES="${LEANOS_CONC_DEFECT_EXAMPLES:-30}" run_differential "seeded-missing-lock" "$WORK/out/catalog-sync" \
    "postgresql://postgres@127.0.0.1:$PG_PORT/lp_seeded_missing_lock" missing-lock concurrent; then
    cat "$WORK/diff/seeded-missing-lock.conc" >&2 || true
    fail "seeded concurrency defect missing-lock: the concurrency test passed"
  fi
  grep -q "no serial order" "$WORK/diff/seeded-missing-lock.conc" ||
    { cat "$WORK/diff/seeded-missing-lock.log" >&2; fail "seeded concurrency defect missing-lock: the test failed, but not on a burst"; }
  echo "== seeded concurrency defect missing-lock: caught ($(head -n 1 "$WORK/diff/seeded-missing-lock.conc"), $((SECONDS - started)) s)"
  sed -n '2,9p' "$WORK/diff/seeded-missing-lock.conc"
fi
echo "== backends: every generated suite and Schemathesis run passed on SQLite and PostgreSQL"
