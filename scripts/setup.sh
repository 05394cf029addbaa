#!/usr/bin/env bash
# Installs what building and testing leanos-prove needs on a fresh machine. Idempotent: it
# checks before it installs, so running it again costs a second.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1; }

if ! need cargo; then
  echo "setup: cargo is missing; install Rust 1.88 or newer (https://rustup.rs)" >&2
  exit 2
fi
if ! need python3; then
  echo "setup: installing python3" >&2
  apt-get update -qq && apt-get install -y -qq python3 python3-venv >/dev/null
fi
# Fetch the pinned crates once, so later steps can run --offline if the network goes away.
cargo fetch --locked -q
