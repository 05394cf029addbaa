#!/usr/bin/env bash
# The real-world corpus: public OpenAPI descriptions vendored under tests/corpus/import/ with
# their licences, taken from description to running services as a new user would.
#
# For each description: `leanos-prove import openapi` (the multi-file one through its root
# file), `check` with the default settings (it must find no errors), and `build`, each timed
# (the figures for book/src/benchmarks.md); then the generated backends run their own tests
# and Schemathesis on SQLite (scripts/test-backend.sh with BACKEND_EXAMPLES), and the
# generated frontends type-check, build and pass their tests (scripts/test-frontend.sh with
# FRONTEND_EXAMPLES).
#
# The sampling rule: a description whose build has more than REALWORLD_STRIDE services
# (default 15) runs the backends of services 2, 2+STRIDE, 2+2*STRIDE... in the order of their
# folder names (Twilio's 75 give 5: the 2nd, 17th, 32nd, 47th and 62nd). The first is left
# out: for Twilio it is the spec's first service, which holds every type of the spec
# (slice.rs), so its generated suite is the whole spec's: 1,902 tests, 13 minutes alone here. Every other description
# runs every service. Frontends are one app per description and always run.
#
# Knobs: REALWORLD (the case folders, space-separated), REALWORLD_BIN (the binary to time;
# default the debug build the other scripts use), REALWORLD_APPS=0 to stop after the builds,
# REALWORLD_STRIDE (above; a large value runs every service).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
# A multi-file description with relative `$ref`s, one with form bodies, and a large single file.
CASES="${REALWORLD:-redocly-cafe uspto twilio-api-v2010}"

cargo build --locked -q -p lp-cli
bin=${REALWORLD_BIN:-$repo/target/debug/leanos-prove}
work=$(mktemp -d /tmp/lp-realworld.XXXXXX)
trap 'rm -rf "$work"' EXIT

fail() { echo "test-realworld: $*" >&2; exit 1; }
now_ms() { date +%s%3N; }

STRIDE="${REALWORLD_STRIDE:-15}"
adts=()
sampled=()
frontends=()
printf '%-20s %8s %10s %8s %8s %8s\n' description size operations import check build
for name in $CASES; do
  dir=$repo/tests/corpus/import/$name
  [ -f "$dir/LICENSE" ] || fail "$name: no LICENSE beside the vendored description"
  doc=$(find "$dir" -maxdepth 1 -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) | head -1)
  [ -n "$doc" ] || doc=$dir/openapi/openapi.yaml
  [ -f "$doc" ] || fail "$name: no description in $dir"
  # The description's bytes: the one file, or every file of a multi-file description.
  if [ "$(dirname "$doc")" = "$dir" ]; then size=$(stat -c %s "$doc"); else size=$(du -sb "$(dirname "$doc")" | cut -f1); fi
  mkdir -p "$work/$name"
  adt=$work/$name/$name.adt
  t=$(now_ms)
  "$bin" import openapi "$doc" -o "$adt" --color never >"$work/$name.import.log" 2>&1 ||
    { cat "$work/$name.import.log" >&2; fail "$name: the import failed"; }
  t_import=$(($(now_ms) - t))
  t=$(now_ms)
  "$bin" check "$adt" --color never >"$work/$name.check.log" 2>&1 ||
    { cat "$work/$name.check.log" >&2; fail "$name: the imported spec does not check clean"; }
  t_check=$(($(now_ms) - t))
  t=$(now_ms)
  "$bin" build "$adt" --out "$work/$name/out" --color never >"$work/$name.build.log" 2>&1 ||
    { cat "$work/$name.build.log" >&2; fail "$name: the build failed"; }
  t_build=$(($(now_ms) - t))
  ops=$(grep -cE '^\s+op ' "$adt" || true)
  printf '%-20s %7sK %10s %7sms %7sms %7sms\n' "$name" "$((size / 1024))" "$ops" "$t_import" "$t_check" "$t_build"
  services=$(find "$work/$name/out/code/backend" -mindepth 1 -maxdepth 1 -type d | wc -l)
  if [ "$services" -gt "$STRIDE" ]; then sampled+=("$adt"); else adts+=("$adt"); fi
  frontends+=("$adt:rw-$name")
done

[ "${REALWORLD_APPS:-1}" = 0 ] && exit 0

if [ "${#adts[@]}" -gt 0 ]; then
  echo "== real-world backends (SQLite), every service: ${adts[*]}"
  BACKEND_EXAMPLES="${adts[*]}" BACKEND_POSTGRES=0 ./scripts/test-backend.sh
fi
if [ "${#sampled[@]}" -gt 0 ]; then
  echo "== real-world backends (SQLite), services 2, $((2 + STRIDE)), $((2 + 2 * STRIDE))...: ${sampled[*]}"
  BACKEND_EXAMPLES="${sampled[*]}" BACKEND_POSTGRES=0 BACKEND_SERVICE_FIRST=2 BACKEND_SERVICE_STRIDE="$STRIDE" \
    ./scripts/test-backend.sh
fi
echo "== real-world frontends: ${CASES}"
FRONTEND_EXAMPLES="${frontends[*]}" ./scripts/test-frontend.sh
