#!/usr/bin/env bash
# The main job on the flagship example: set up, build the tool in release, then build
# spec-examples/catalog-sync (check, generate, compose and sign the certificate with the
# committed TEST key) and run the deploy gate on the result. Extra arguments go to `build`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cargo build --release --locked -q -p lp-cli
./target/release/leanos-prove build spec-examples/catalog-sync "$@"
# The gate trusts only a key pinned from outside the tree, never the one the project's
# leanos.toml names, so the demo pins the committed test public key explicitly. That key's
# private half is public too, so the gate refuses what it signed unless told otherwise:
# `--allow-test-key` is for demos and tests only, never for a real deploy.
exec ./target/release/leanos-prove verify spec-examples/catalog-sync \
  --key certificates/TEST-ONLY-signing-key.pub --allow-test-key
