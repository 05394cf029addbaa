#!/usr/bin/env bash
# Seeds the fuzz corpus of the `parse` target with every spec file of the repository: the test
# corpus (tests/corpus, regressions included) and the examples. Names are made unique from the
# path, so files called `spec.adt` in several folders do not overwrite one another. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/corpus/parse
mkdir -p "$out"
n=0
while IFS= read -r -d '' f; do
  name=$(printf '%s' "$f" | tr '/' '_')
  cp "$f" "$out/$name"
  n=$((n + 1))
done < <(find tests/corpus spec-examples crates/*/tests -name '*.adt' -print0 | sort -z)
echo "seeded $out with $n spec files"
