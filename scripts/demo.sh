#!/usr/bin/env bash
# The main job on the flagship example: set up, build in release, and check
# spec-examples/catalog-sync. Extra arguments go to `leanos-prove check`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cargo build --release --locked -q -p lp-cli
exec ./target/release/leanos-prove check spec-examples/catalog-sync "$@"
