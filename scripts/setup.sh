#!/usr/bin/env bash
# Installs what building and testing leanos-prove needs on a fresh machine. Idempotent: it
# checks before it installs, so running it again costs a second.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1; }

if ! need cargo; then
  echo "setup: cargo is missing; install Rust 1.89 or newer (https://rustup.rs)" >&2
  exit 2
fi
if ! need python3; then
  echo "setup: installing python3" >&2
  apt-get update -qq && apt-get install -y -qq python3 python3-venv >/dev/null
fi

# z3: the `z3` crate links the system libz3, and Debian's (4.8.12) is too old for it. The
# project pins libz3 5.4.1 from the PyPI wheel `z3-solver` (see TOOLCHAIN-NOTES §1) and
# exposes it at `.z3/lib`, where `.cargo/config.toml` points the build (Z3_LIBRARY_PATH_OVERRIDE)
# and the binaries' rpath. Never build z3 from source (`vendored`): it takes 40 minutes.
Z3_WHEEL_VERSION=5.4.1.0
z3_ready() {
  [ -e .z3/lib/libz3.so.5.4 ] && [ -e .z3/lib/libz3.so ] \
    && ls -d .venv-z3/lib/python3*/site-packages/z3_solver-"$Z3_WHEEL_VERSION".dist-info >/dev/null 2>&1
}
if ! z3_ready; then
  echo "setup: installing libz3 from z3-solver==$Z3_WHEEL_VERSION into .venv-z3" >&2
  if ! python3 -m venv .venv-z3 >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    rm -rf .venv-z3
    python3 -m venv .venv-z3
  fi
  .venv-z3/bin/pip install -q --disable-pip-version-check "z3-solver==$Z3_WHEEL_VERSION"
  z3lib=$(ls -d .venv-z3/lib/python3*/site-packages/z3/lib | head -n 1)
  if [ ! -e "$z3lib/libz3.so.5.4" ]; then
    echo "setup: the z3-solver wheel has no $z3lib/libz3.so.5.4" >&2
    exit 2
  fi
  mkdir -p .z3/lib
  # Relative symlinks, so the checkout can move.
  ln -sfn "../../$z3lib/libz3.so.5.4" .z3/lib/libz3.so.5.4
  ln -sfn libz3.so.5.4 .z3/lib/libz3.so
fi

# Fetch the pinned crates once, so later steps can run --offline if the network goes away.
cargo fetch --locked -q
