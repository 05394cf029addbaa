#!/usr/bin/env bash
# The whole test suite, as CI runs it: set up, formatting, lints, then every test.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# The OpenAPI tests validate the generated documents with the real openapi-spec-validator;
# under CI a missing validator fails them, so it is installed here (once) into .venv-val.
# The validators (scripts/requirements-validators.txt) are reinstalled when that list changes.
if ! cmp -s scripts/requirements-validators.txt .venv-val/.requirements 2>/dev/null; then
  echo "== installing the validators into .venv-val"
  python3 -m venv .venv-val && .venv-val/bin/pip install -q -r scripts/requirements-validators.txt
  cp scripts/requirements-validators.txt .venv-val/.requirements
fi
# Debian packages the tests use: Graphviz lets the diagram tests check the DOT output with the
# real `dot` (and `graph --format svg`); OpenSSL checks that `keygen`'s keys and signatures
# interoperate (`openssl pkey`, `pkeyutl -verify`). Without them those checks are skipped with
# a note, so CI installs them.
missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ "${#missing[@]}" -gt 0 ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "== installing ${missing[*]}"
  (apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null) || echo "${missing[*]} not installed; their checks will be skipped"
fi
export CI="${CI:-true}"          # insta: never write snapshots silently; a new one fails
export PROPTEST_CASES="${PROPTEST_CASES:-256}"
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --locked --workspace --all-targets -q -- -D warnings
# A newcomer runs ./scripts/demo.sh before this script (the README's first command, then its
# second), which leaves a build output inside spec-examples/catalog-sync. The tests must pass
# on such a checkout, so CI makes the same build first; the output is git-ignored.
echo "== the demo's build in the checkout"
cargo build --locked -q -p lp-cli
./target/debug/leanos-prove build spec-examples/catalog-sync \
  --key certificates/TEST-ONLY-signing-key.key --color never --quiet
if [ -n "$(git status --porcelain -- spec-examples)" ]; then
  echo "the demo's build changed files git tracks or does not ignore:" >&2
  git status --short -- spec-examples >&2
  exit 1
fi
echo "== cargo test"
cargo test --locked --workspace
echo "== examples check clean and are formatted"
for ex in spec-examples/catalog-sync spec-examples/order-fulfilment spec-examples/subscription-billing/v1 spec-examples/subscription-billing/v2; do
  ./target/debug/leanos-prove check "$ex" --color never --no-cache
  ./target/debug/leanos-prove fmt --check "$ex" --color never
done
# The book builds with a pinned mdBook and has no broken internal link.
./scripts/test-book.sh
# Generated-output suites (each script sets up what it needs and exits non-zero on failure).
# GENERATED-SUITES: one line per suite goes here.
./scripts/test-backend.sh
./scripts/test-infra.sh
./scripts/test-frontend.sh
# The real-world corpus (issue #15): three public descriptions imported, checked with the
# default settings, built, and their backends and frontends run (a sample of Twilio's 75
# services; the rule is in the script and in the book's import chapter).
./scripts/test-realworld.sh
