#!/usr/bin/env bash
# The whole test suite, as CI runs it: set up, formatting, lints, then every test.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export CI="${CI:-true}"          # insta: never write snapshots silently; a new one fails
export PROPTEST_CASES="${PROPTEST_CASES:-256}"
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --locked --workspace --all-targets -q -- -D warnings
echo "== cargo test"
cargo test --locked --workspace
echo "== examples check clean and are formatted"
for ex in spec-examples/catalog-sync spec-examples/order-fulfilment spec-examples/subscription-billing/v1 spec-examples/subscription-billing/v2; do
  ./target/debug/leanos-prove check "$ex" --color never --no-cache
  ./target/debug/leanos-prove fmt --check "$ex" --color never
done
