#!/usr/bin/env bash
# The generated frontend apps (code/frontend/{app}/), checked with the real toolchain.
#
# For every example (and the escaping fixture of crates/lp-codegen/tests/fixtures/), the app is
# generated into a temporary build output, then on a COPY of it (the build output stays clean):
#   npm ci (once: node_modules cached in .npm-frontend/<hash of the lockfile>/, symlinked in),
#   react-router typegen && tsc --noEmit, react-router build, vitest run (the generated suites),
#   and the type correspondence: openapi-typescript on the emitted api.openapi.json, then tsc
#   proves each generated type and its OpenAPI schema's type assignable both ways.
# Then the built catalog-sync app is served on a free port and its pages are requested (a
# disabled event's form is not offered), and seeded defects prove each check can fail.
#
# Under CI=true a missing node/npm fails; otherwise it is a skip with a note.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if [ "${CI:-}" = true ]; then
    echo "test-frontend: node and npm are required under CI" >&2
    exit 1
  fi
  echo "test-frontend: node/npm not found; skipping the frontend suite"
  exit 0
fi

started=$(date +%s)
step() { echo "== frontend: $*"; }
elapsed() { echo "$(($(date +%s) - $1))s"; }

cargo build --locked -q -p lp-cli
bin=$repo/target/debug/leanos-prove
templates=$repo/crates/lp-codegen/templates/remix

# One node_modules for every app: the package.json and lockfile do not depend on the spec.
hash=$(cat "$templates/package.json" "$templates/package-lock.json" | sha256sum | cut -c1-16)
cache=$repo/.npm-frontend/$hash
if [ ! -d "$cache/node_modules" ]; then
  step "npm ci into .npm-frontend/$hash"
  t=$(date +%s)
  tmp=$repo/.npm-frontend/tmp-$$
  rm -rf "$tmp" && mkdir -p "$tmp"
  cp "$templates/package.json" "$templates/package-lock.json" "$tmp/"
  (cd "$tmp" && npm ci --no-audit --no-fund --loglevel=error)
  rm -rf "$cache" && mv "$tmp" "$cache"
  echo "   npm ci: $(elapsed "$t")"
fi
# Caches of earlier lockfiles are dropped.
find "$repo/.npm-frontend" -mindepth 1 -maxdepth 1 -type d -regextype posix-extended \
  -regex '.*/[0-9a-f]{16}' ! -name "$hash" -exec rm -rf {} +

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# build SRC TAG: builds a spec (a project folder or a file) into $work/out/TAG with the remix
# target enabled, twice, and checks the two frontends are byte-identical.
build() {
  local src=$1 tag=$2 input
  if [ -d "$src" ]; then
    # Copy the example with the layout its leanos.toml's relative paths expect.
    local rel=${src#"$repo"/}
    mkdir -p "$work/src/$tag/$(dirname "$rel")"
    cp -r "$src" "$work/src/$tag/$(dirname "$rel")/"
    ln -s "$repo/certificates" "$work/src/$tag/certificates"
    if [ -d "$(dirname "$src")/v1" ] && [ "$(basename "$src")" != v1 ]; then
      cp -r "$(dirname "$src")/v1" "$work/src/$tag/$(dirname "$rel")/"
    fi
    input=$work/src/$tag/$rel
    # The frontend target is added where a project lists its targets without it.
    sed -i '/^targets = /{/"remix"/!s/\]$/, "remix"]/}' "$input/leanos.toml"
  else
    input=$src
  fi
  "$bin" build "$input" --out "$work/out/$tag" --color never >"$work/$tag.build.log" 2>&1 || {
    cat "$work/$tag.build.log" >&2
    return 1
  }
  "$bin" build "$input" --out "$work/out/$tag.again" --color never >/dev/null 2>&1
  diff -r "$work/out/$tag/code/frontend" "$work/out/$tag.again/code/frontend" >/dev/null || {
    echo "test-frontend: $tag: the frontend is not byte-identical across two builds" >&2
    return 1
  }
}

# check TAG: the full check of the app built for TAG, on a copy.
check() {
  local tag=$1 out app doc
  out=$work/out/$tag
  app=$(find "$out/code/frontend" -mindepth 1 -maxdepth 1 -type d | head -1)
  doc=$(find "$out/specifications" -name api.openapi.json | head -1)
  [ -n "$app" ] || { echo "test-frontend: $tag: no app generated" >&2; return 1; }
  cp -r "$app" "$work/app-$tag"
  ln -s "$cache/node_modules" "$work/app-$tag/node_modules"
  (
    cd "$work/app-$tag"
    local t
    # Every step exits on failure explicitly: this runs under `||` (see spawn), where bash
    # ignores `set -e`, so a failing command would otherwise be passed over.
    t=$(date +%s)
    ./node_modules/.bin/react-router typegen >/dev/null || exit 1
    ./node_modules/.bin/tsc --noEmit || exit 1
    echo "   $tag: typegen + tsc $(elapsed "$t")"
    t=$(date +%s); ./node_modules/.bin/react-router build >"$work/$tag.build-app.log" 2>&1 || {
      cat "$work/$tag.build-app.log" >&2
      exit 1
    }
    echo "   $tag: build $(elapsed "$t")"
    t=$(date +%s); ./node_modules/.bin/vitest run --reporter=dot >"$work/$tag.vitest.log" 2>&1 || {
      cat "$work/$tag.vitest.log" >&2
      exit 1
    }
    echo "   $tag: vitest $(grep -E 'Tests ' "$work/$tag.vitest.log" | sed 's/\x1b\[[0-9;]*m//g' | xargs) $(elapsed "$t")"
    t=$(date +%s)
    ./node_modules/.bin/openapi-typescript "$doc" -o correspondence/openapi.gen.ts >/dev/null 2>&1 || exit 1
    ./node_modules/.bin/tsc -p tsconfig.correspondence.json || exit 1
    echo "   $tag: type correspondence ($(grep -c '^export const toOpenapi' correspondence/type-correspondence.ts) schemas, both ways) $(elapsed "$t")"
  ) || return 1
  if [ -e "$app/node_modules" ] || [ -e "$app/build" ]; then
    echo "test-frontend: $tag: the build output was modified" >&2
    return 1
  fi
}

examples=(
  "spec-examples/catalog-sync:cs"
  "spec-examples/order-fulfilment:of"
  "spec-examples/subscription-billing/v1:b1"
  "spec-examples/subscription-billing/v2:b2"
  "crates/lp-codegen/tests/fixtures/remix-escaping.adt:esc"
)
# FRONTEND_EXAMPLES (space-separated `PATH:TAG`, a path absolute or relative to the repository)
# checks those apps instead, without the served pages and seeded defects, which need the
# examples above (scripts/test-realworld.sh uses it for imported descriptions).
if [ -n "${FRONTEND_EXAMPLES:-}" ]; then
  read -r -a examples <<<"$FRONTEND_EXAMPLES"
fi
# Jobs run two at a time (FRONTEND_JOBS), each with its own log, shown in order at the end.
max_jobs=${FRONTEND_JOBS:-2}
job_names=()
job_pids=()
spawn() {
  local name=$1
  shift
  while [ "$(jobs -rp | wc -l)" -ge "$max_jobs" ]; do wait -n || true; done
  {
    rc=0
    ("$@") >"$work/job-$name.log" 2>&1 || rc=$?
    echo "$rc" >"$work/job-$name.rc"
  } &
  job_names+=("$name")
  job_pids+=($!)
}
join() {
  local failed=0 i
  for i in "${!job_pids[@]}"; do
    wait "${job_pids[$i]}" 2>/dev/null || true
    cat "$work/job-${job_names[$i]}.log"
    [ "$(cat "$work/job-${job_names[$i]}.rc" 2>/dev/null)" = 0 ] || failed=1
  done
  job_names=()
  job_pids=()
  return $failed
}

for entry in "${examples[@]}"; do
  src=${entry%%:*}
  tag=${entry##*:}
  step "build $src"
  case $src in
    /*) build "$src" "$tag" ;;
    *) build "$repo/$src" "$tag" ;;
  esac
done
for entry in "${examples[@]}"; do
  tag=${entry##*:}
  spawn "$tag" check "$tag"
done
step "checking the apps"
join
if [ -n "${FRONTEND_EXAMPLES:-}" ]; then
  echo "test-frontend: ${#examples[@]} app(s) checked in $(elapsed "$started")"
  exit 0
fi

# The served apps. catalog-sync's operations have bodies, which say what they fire with `fire`
# rather than a `fires` clause, and the generated frontend does not read bodies yet, so its
# pages carry no lifecycle: they validate their fields before calling the API, and a service
# whose URL variable is missing is named in the error page. The escaping fixture still fires
# `Door` events with `fires` clauses: there the page of an operation whose event is enabled has
# a form, in a state where the event is not enabled it has none, and the machine page links
# only the enabled events.
free_port() { node -e 'const s=require("net").createServer();s.listen(0,()=>{console.log(s.address().port);s.close()})'; }
# serve_checks DIR CHECKS: serves the built app in DIR, runs the function CHECKS (which
# requests its pages through expect_in and post), and fails on any mismatch.
serve_checks() {
  local dir=$1 checks=$2 port ok=0
  port=$(free_port)
  (
    cd "$dir"
    PORT=$port CATALOG_API_URL=http://127.0.0.1:9 TENANTS_API_URL=http://127.0.0.1:9 CLASS_API_URL=http://127.0.0.1:9 \
      exec ./node_modules/.bin/react-router-serve ./build/server/index.js >"$dir.serve.log" 2>&1
  ) &
  server_pid=$!
  for _ in $(seq 1 50); do
    curl -fsS "http://127.0.0.1:$port/" >/dev/null 2>&1 && break
    sleep 0.2
  done
  expect_in() {
    local what=$1 url=$2 pattern=$3 body
    body=$(curl -sS "http://127.0.0.1:$port$url") || { echo "GET $url failed"; return 1; }
    if [ "$what" = has ] && ! grep -qF -- "$pattern" <<<"$body"; then echo "GET $url: expected \`$pattern\`"; return 1; fi
    if [ "$what" = lacks ] && grep -qF -- "$pattern" <<<"$body"; then echo "GET $url: did not expect \`$pattern\`"; return 1; fi
  }
  # post URL PATTERN FIELD=VALUE...: the page an action answers with contains PATTERN.
  post() {
    local url=$1 pattern=$2 body args=()
    shift 2
    for f in "$@"; do args+=(--data-urlencode "$f"); done
    body=$(curl -sS -X POST "${args[@]}" "http://127.0.0.1:$port$url") || { echo "POST $url failed"; return 1; }
    grep -qF -- "$pattern" <<<"$body" || { echo "POST $url: expected \`$pattern\`"; return 1; }
  }
  "$checks" || ok=1
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
  return $ok
}
cs_checks() {
  expect_in has "/" "catalog_sync" &&
    post /services/catalog/cancel_sync 'tenant: TenantId: 3 &lt;= len(self)' tenant=a job=x &&
    expect_in has "/services/catalog/cancel_sync" 'method="post"' &&
    expect_in lacks "/services/catalog/cancel_sync" "not enabled in this state" &&
    expect_in has "/services/inventory/stock?run=1&tenant=aaa&sku=AAA" "INVENTORY_API_URL is not set"
}
esc_checks() {
  local open='state=Open&vars=%7B%22opened%22%3A1%7D'
  expect_in has "/" "escaping_demo" &&
    post /services/class/delete 'event <code>delete</code> is not enabled in state <!-- -->Closed' \
      __state=Closed '__vars={"opened":0}' label=abc &&
    post /services/class/delete 'label: Label:' __state=Open '__vars={"opened":1}' label=ABC &&
    expect_in has "/services/class/delete?$open" 'method="post"' &&
    expect_in lacks "/services/class/delete" 'method="post"' &&
    expect_in has "/services/class/delete" "not enabled in this state" &&
    expect_in has "/machines/Door" 'href="/services/class/new?state=Closed' &&
    expect_in lacks "/machines/Door" 'href="/services/class/delete?' &&
    expect_in has "/machines/Door?$open" 'href="/services/class/delete?state=Open'
}
step "serving catalog-sync"
serve_checks "$work/app-cs" cs_checks || { cat "$work/app-cs.serve.log" >&2; exit 1; }
step "serving the escaping fixture"
serve_checks "$work/app-esc" esc_checks || { cat "$work/app-esc.serve.log" >&2; exit 1; }
echo "   served pages: ok"

# Seeded defects: each check must catch its own.
step "seeded defects"
# defect NAME FILE FROM TO COMMAND EXPECTED: replaces FROM by TO in FILE of a copy of the
# catalog-sync app; COMMAND must then fail, with EXPECTED in its output (so that a failure
# for another reason, such as a syntax error, does not count as caught).
defect() {
  local name=$1 file=$2 from=$3 to=$4 cmd=$5 expected=$6 dir=$work/defect-$1
  cp -r "$work/app-cs" "$dir"
  rm -f "$dir/node_modules" && ln -s "$cache/node_modules" "$dir/node_modules"
  grep -qF -- "$from" "$dir/$file" || { echo "test-frontend: defect $name: \`$from\` not in $file" >&2; return 1; }
  python3 - "$dir/$file" "$from" "$to" <<'EOF'
import sys
path, old, new = sys.argv[1:]
text = open(path).read()
open(path, "w").write(text.replace(old, new, 1))
EOF
  if (cd "$dir" && eval "$cmd") >"$work/defect-$name.log" 2>&1; then
    echo "test-frontend: the seeded defect \`$name\` was not caught" >&2
    return 1
  fi
  if ! grep -qF -- "$expected" "$work/defect-$name.log"; then
    echo "test-frontend: the seeded defect \`$name\` failed for another reason:" >&2
    cat "$work/defect-$name.log" >&2
    return 1
  fi
  echo "   caught: $name"
}
defect_job() { spawn "defect-$1" defect "$@"; }
defect_job dropped-refinement app/api/validators.ts '(self >= 0)' 'true' \
  './node_modules/.bin/vitest run tests/validators.test.ts' 'violates the refinement of Cents'
defect_job wrong-path app/api/clients/catalog.ts '"/products/"' '"/product/"' \
  './node_modules/.bin/vitest run tests/client.test.ts' 'get_product calls GET'
defect_job wrong-method app/api/clients/catalog.ts 'method: "PUT"' 'method: "POST"' \
  './node_modules/.bin/vitest run tests/client.test.ts' 'upsert calls PUT'
defect_job wrong-guard app/machines.ts '(v.attempts < 3)' '(v.attempts < 2)' \
  './node_modules/.bin/vitest run tests/machines.test.ts' 'snapshot 9: Running {"attempts":2}'
# An optional field may be absent or null (the OpenAPI document says `oneOf [T, null]`); a type
# that refuses null no longer corresponds.
defect_job non-nullable-field app/api/types.ts '  discount?: Percent | null;' '  discount?: Percent;' \
  './node_modules/.bin/tsc -p tsconfig.correspondence.json' "Types of property 'discount' are incompatible"
defect_job type-vs-validator app/api/types.ts '  title: string;' '  title: number;' \
  './node_modules/.bin/tsc --noEmit' 'app/api/validators.ts'
# A page that offers its operation whatever the machine's state: the served check catches it.
# (This one runs in the foreground, beside the jobs above: it needs a server.)
dir=$work/defect-offered
cp -r "$work/app-esc" "$dir" && rm -f "$dir/node_modules" && ln -s "$cache/node_modules" "$dir/node_modules"
sed -i 's/enabled: enabledEvents(machine, snapshot).includes("delete"),/enabled: true,/' "$dir/app/routes/class/delete.tsx"
(cd "$dir" && ./node_modules/.bin/react-router build >/dev/null 2>&1)
if serve_checks "$dir" esc_checks >"$work/defect-offered.log" 2>&1; then
  echo "test-frontend: the seeded defect \`offered-disabled-event\` was not caught" >&2
  exit 1
fi
if ! grep -qF 'did not expect `method="post"`' "$work/defect-offered.log"; then
  echo "test-frontend: the seeded defect \`offered-disabled-event\` failed for another reason:" >&2
  cat "$work/defect-offered.log" >&2
  exit 1
fi
echo "   caught: offered-disabled-event"
join

echo "== frontend: all checks passed in $(elapsed "$started")"
