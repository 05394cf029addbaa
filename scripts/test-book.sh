#!/usr/bin/env bash
# The book suite: builds book/ with a pinned mdBook and checks its internal links. mdBook
# itself fails on a missing chapter file (book.toml: create-missing = false) but not on a
# broken link or `#anchor` inside a chapter, so scripts/check-book-links.py checks every
# relative link and anchor of the built HTML. The book is written to book/book (git-ignored).
#
# Set-up: installs mdBook with `cargo install --locked` (only the `search` feature: `serve`
# and `watch` are not needed to build) when the installed one is not the pinned version.
# Exits non-zero when the install, the build or the link check fails.
set -euo pipefail
cd "$(dirname "$0")/.."
MDBOOK_VERSION=0.5.4
# Where `cargo install` puts it, whether or not that folder is on PATH.
MDBOOK="${CARGO_HOME:-$HOME/.cargo}/bin/mdbook"
if [ "$("$MDBOOK" --version 2>/dev/null)" != "mdbook v$MDBOOK_VERSION" ]; then
  echo "== installing mdbook $MDBOOK_VERSION"
  start=$SECONDS
  cargo install --locked --quiet mdbook --version "$MDBOOK_VERSION" --no-default-features --features search
  echo "   (installed in $((SECONDS - start)) s)"
fi
echo "== mdbook build book"
"$MDBOOK" build book
echo "== book links"
python3 scripts/check-book-links.py book/book
