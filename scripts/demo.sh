#!/usr/bin/env bash
# The main job on the flagship example: set up, build the tool in release, then build
# spec-examples/catalog-sync (check, generate, compose and sign the certificate with the
# committed TEST key) and run the deploy gate on the result. Extra arguments go to `build`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cargo build --release --locked -q -p lp-cli
./target/release/leanos-prove build spec-examples/catalog-sync "$@"
exec ./target/release/leanos-prove verify spec-examples/catalog-sync
